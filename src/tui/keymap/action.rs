//! What a key can ask for and where a binding applies ([`Scope`]), with the names the config's
//! `[keys]` table and the help use for them. Actions are typed per pane: a handler receives
//! only the actions of its own pane ([`ChatAction`] for the message box, [`ReviewAction`] for
//! a review, …), so no handler lists the others' actions to ignore them. [`GlobalAction`]s
//! (quitting, help, moving between panes) mean the same wherever they are bound.

/// Where a binding applies. `Global` bindings work everywhere except while text is being
/// typed (chat input, filter, settings field), where plain letters must stay letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Panes that do not take text: models, deployments, code view.
    Lists,
    Models,
    Deployments,
    /// The code view: attached files and the code blocks of the last answer.
    Code,
    Chat,
    Settings,
    /// The review area of an edit or command waiting for approval: it takes every key.
    Review,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::Global,
        Scope::Lists,
        Scope::Models,
        Scope::Deployments,
        Scope::Code,
        Scope::Chat,
        Scope::Settings,
        Scope::Review,
    ];

    /// The word used in help, in the README and as the `scope.` prefix in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "everywhere",
            Scope::Lists => "pickers",
            Scope::Models => "models",
            Scope::Deployments => "deployments",
            Scope::Code => "code",
            Scope::Chat => "chat",
            Scope::Settings => "settings",
            Scope::Review => "review",
        }
    }

    /// Scopes searched for a key pressed here, most specific first.
    pub fn chain(self) -> &'static [Scope] {
        match self {
            Scope::Models => &[Scope::Models, Scope::Lists, Scope::Global],
            Scope::Deployments => &[Scope::Deployments, Scope::Lists, Scope::Global],
            Scope::Code => &[Scope::Code, Scope::Lists, Scope::Global],
            Scope::Lists => &[Scope::Lists, Scope::Global],
            Scope::Chat => &[Scope::Chat, Scope::Global],
            Scope::Settings => &[Scope::Settings, Scope::Global],
            Scope::Review => &[Scope::Review, Scope::Global],
            Scope::Global => &[Scope::Global],
        }
    }

    /// Scopes where keys are also text: a plain letter bound here could not be typed. Only
    /// the review's questions (y/n) take letters as keys; everywhere else typing is text (the
    /// message input, the model filter, a settings field).
    pub fn takes_text(self) -> bool {
        self != Scope::Review
    }
}

/// One pane's actions: the enum, every variant (`ALL`, for tests), the name each has in the
/// config's `[keys]` table, and how it is wrapped into an [`Action`].
macro_rules! actions {
    ($(#[$doc:meta])* $wrap:ident($name:ident) { $($variant:ident => $key:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            #[cfg(test)]
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name used in the config's `[keys]` table.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }
        }

        impl From<$name> for Action {
            fn from(action: $name) -> Action {
                Action::$wrap(action)
            }
        }
    };
}

actions! {
    /// Keys that mean the same in every pane they are bound in.
    Global(GlobalAction) {
        Quit => "quit",
        Exit => "exit",
        NextPane => "next_pane",
        PrevPane => "prev_pane",
        FocusModels => "focus_models",
        FocusDeployments => "focus_deployments",
        FocusChat => "focus_chat",
        OpenSettings => "open_settings",
        ToggleCode => "toggle_code",
        Help => "help",
    }
}

actions! {
    /// Moving in and picking from a list: the model and deployment pickers, and the code
    /// view (which scrolls with them).
    Lists(ListAction) {
        Up => "up",
        Down => "down",
        Top => "top",
        Bottom => "bottom",
        Pick => "pick",
        Refresh => "refresh",
    }
}

actions! {
    /// The model picker's own keys.
    Models(ModelsAction) {
        Filter => "filter",
        ToggleAll => "toggle_all",
    }
}

actions! {
    /// The code view's own keys.
    Code(CodeAction) {
        PageUp => "page_up",
        PageDown => "page_down",
        PrevItem => "prev_item",
        NextItem => "next_item",
        CopyShown => "copy_shown",
    }
}

actions! {
    /// The message box and the transcript above it.
    Chat(ChatAction) {
        Send => "send",
        Newline => "newline",
        Stop => "stop",
        Retry => "retry",
        PageUp => "page_up",
        PageDown => "page_down",
        Top => "top",
        Bottom => "bottom",
        CopyAnswer => "copy_answer",
        CopyCode => "copy_code",
        RemoveAttachment => "remove_attachment",
        NewConversation => "new_conversation",
        ToggleTools => "toggle_tools",
        UndoEdit => "undo_edit",
        CycleMode => "cycle_mode",
        ExpandPaste => "expand_paste",
        EditInEditor => "edit_in_editor",
    }
}

actions! {
    /// The settings overlay.
    Settings(SettingsAction) {
        Up => "up",
        Down => "down",
        Pick => "pick",
        ImportKey => "import_key",
        Save => "save",
        Close => "close",
    }
}

actions! {
    /// An edit or command waiting for approval.
    Review(ReviewAction) {
        Approve => "approve",
        Reject => "reject",
        ApproveAllEdits => "approve_all_edits",
        AlwaysCommand => "always_command",
        Stop => "stop",
        Up => "up",
        Down => "down",
        PageUp => "page_up",
        PageDown => "page_down",
        Top => "top",
        Bottom => "bottom",
    }
}

/// What a key asks for, tagged with the pane whose handler receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Global(GlobalAction),
    Lists(ListAction),
    Models(ModelsAction),
    Code(CodeAction),
    Chat(ChatAction),
    Settings(SettingsAction),
    Review(ReviewAction),
}

impl Action {
    /// The name used in the config's `[keys]` table (the same word in every pane: `up`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Global(a) => a.name(),
            Action::Lists(a) => a.name(),
            Action::Models(a) => a.name(),
            Action::Code(a) => a.name(),
            Action::Chat(a) => a.name(),
            Action::Settings(a) => a.name(),
            Action::Review(a) => a.name(),
        }
    }

    /// Whether a binding in `scope` may carry this action: a pane's actions are bound only
    /// in that pane, so its handler never receives another pane's.
    pub fn belongs_in(self, scope: Scope) -> bool {
        match self {
            Action::Global(_) => matches!(scope, Scope::Global | Scope::Lists | Scope::Chat),
            Action::Lists(_) => scope == Scope::Lists,
            Action::Models(_) => scope == Scope::Models,
            Action::Code(_) => scope == Scope::Code,
            Action::Chat(_) => scope == Scope::Chat,
            Action::Settings(_) => scope == Scope::Settings,
            Action::Review(_) => scope == Scope::Review,
        }
    }
}
