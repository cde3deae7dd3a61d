//! What a key can ask for ([`Action`]) and where a binding applies ([`Scope`]), with the
//! names the config's `[keys]` table and the help use for them.

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

/// Things a key can ask for; `update` decides what each means in the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Exit,
    NextPane,
    PrevPane,
    FocusModels,
    FocusDeployments,
    FocusChat,
    OpenSettings,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Pick,
    Filter,
    ToggleAll,
    Refresh,
    Send,
    Newline,
    Stop,
    Retry,
    CopyAnswer,
    CopyCode,
    ImportKey,
    Save,
    Close,
    ToggleCode,
    NextItem,
    PrevItem,
    CopyShown,
    RemoveAttachment,
    NewConversation,
    ToggleTools,
    UndoEdit,
    Approve,
    Reject,
    ApproveAllEdits,
    AlwaysCommand,
}

impl Action {
    pub const ALL: [Action; 40] = [
        Action::Quit,
        Action::Exit,
        Action::NextPane,
        Action::PrevPane,
        Action::FocusModels,
        Action::FocusDeployments,
        Action::FocusChat,
        Action::OpenSettings,
        Action::Help,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Pick,
        Action::Filter,
        Action::ToggleAll,
        Action::Refresh,
        Action::Send,
        Action::Newline,
        Action::Stop,
        Action::Retry,
        Action::CopyAnswer,
        Action::CopyCode,
        Action::ImportKey,
        Action::Save,
        Action::Close,
        Action::ToggleCode,
        Action::NextItem,
        Action::PrevItem,
        Action::CopyShown,
        Action::RemoveAttachment,
        Action::NewConversation,
        Action::ToggleTools,
        Action::UndoEdit,
        Action::Approve,
        Action::Reject,
        Action::ApproveAllEdits,
        Action::AlwaysCommand,
    ];

    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Exit => "exit",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::FocusModels => "focus_models",
            Action::FocusDeployments => "focus_deployments",
            Action::FocusChat => "focus_chat",
            Action::OpenSettings => "open_settings",
            Action::Help => "help",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Pick => "pick",
            Action::Filter => "filter",
            Action::ToggleAll => "toggle_all",
            Action::Refresh => "refresh",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::Stop => "stop",
            Action::Retry => "retry",
            Action::CopyAnswer => "copy_answer",
            Action::CopyCode => "copy_code",
            Action::ImportKey => "import_key",
            Action::Save => "save",
            Action::Close => "close",
            Action::ToggleCode => "toggle_code",
            Action::NextItem => "next_item",
            Action::PrevItem => "prev_item",
            Action::CopyShown => "copy_shown",
            Action::RemoveAttachment => "remove_attachment",
            Action::NewConversation => "new_conversation",
            Action::ToggleTools => "toggle_tools",
            Action::UndoEdit => "undo_edit",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::ApproveAllEdits => "approve_all_edits",
            Action::AlwaysCommand => "always_command",
        }
    }
}
