//! The terminal UI: settings, model picker, deployment picker and streaming chat in a split
//! layout. One event channel feeds one `AppState`; `update` is plain code; views are pure
//! functions of the state; effects run as tasks that report back as events.

pub mod clipboard;
pub mod context_meter;
pub mod custom_commands;
pub mod editor;
pub mod effects;
pub mod event;
pub mod frame;
pub mod fuzzy;
pub mod keymap;
pub mod markdown;
pub mod paste;
pub mod session;
pub mod size_guard;
pub mod slash;
pub mod state;
pub mod stderr_guard;
pub mod terminal;
pub mod text_input;
pub mod theme;
pub mod transcript;
pub mod update;
pub mod view;

#[cfg(test)]
mod composer_snapshot_tests;
#[cfg(test)]
mod resume_snapshot_tests;
#[cfg(test)]
mod review_snapshot_tests;
#[cfg(test)]
mod screenshot;
#[cfg(test)]
mod slash_snapshot_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod status_snapshot_tests;
#[cfg(test)]
pub(crate) mod test_support;

use std::time::{Duration, SystemTime};

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::connect::Context;
use event::{Effect, Event, SettingsForm};
use state::{AppState, Startup};

/// Opens the TUI and runs it until the user quits. The terminal is restored on every exit.
/// `opening`: a saved conversation to continue (`--continue`, `--resume`); `prompt`: sent
/// as the first question once a model is chosen (`sapcode "PROMPT"`).
pub async fn run(
    ctx: Context,
    opening: Option<crate::agent::session::LoadedSession>,
    prompt: Option<String>,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(crate::report::Reported {
            class: crate::aicore::error::ExitClass::Usage,
            message: "the terminal UI needs an interactive terminal on stdin and stdout".into(),
            hint: Some(
                "in scripts use `sapcode run`, `sapcode models` or `sapcode deployments`".into(),
            ),
        }
        .into());
    }
    let theme = theme::Theme::from_no_color(std::env::var("NO_COLOR").ok().as_deref());
    let approval_mode = approval_mode(&ctx)?;
    let startup = startup(&ctx, theme, approval_mode);
    crate::crash::watch_panics();
    let mouse = ctx.config.ui.mouse.unwrap_or(false);
    let mut guard = terminal::TerminalGuard::enter(mouse)?;
    let size = guard.terminal.size()?;
    let mut state = AppState::new(Startup {
        size: (size.width, size.height),
        ..startup
    });
    let (tx, rx) = unbounded_channel();
    let mut input = Input::start(tx.clone(), mouse);
    let workspace = std::env::current_dir().unwrap_or_default();
    let deny = crate::agent::protected::ReadDenyList::for_environment(&ctx.paths);
    let config_dir = ctx.paths.config_dir();
    let mut runner = effects::Runner::new(ctx, tx, &workspace);
    if let Ok(workspace) = std::env::current_dir() {
        session::use_project_rules(&mut state, &workspace, &deny);
        let (commands, problems) = custom_commands::load(&workspace, Some(&config_dir));
        state.custom_commands = commands;
        // A project file that cannot be read allows nothing; say so rather than ask silently.
        let broken = crate::agent::permissions::ProjectPermissions::load(&workspace).err();
        if let Some(problem) = broken.or_else(|| problems.into_iter().next()) {
            state.notice = Some(problem);
        }
    }
    if let Some(loaded) = &opening {
        let started = state.now;
        session::open_conversation(&mut state, loaded, started);
        runner.resume_session(loaded, state.now);
    }
    if let Some(prompt) = prompt {
        state.chat.composer.input.set_text(&prompt);
        state.send_when_ready = true;
    }
    if approval_mode != crate::agent::ApprovalMode::Ask {
        runner.run(Effect::SetApprovalMode(approval_mode));
    }
    runner.run(Effect::Connect);
    let result = event_loop(&mut guard, &mut state, &mut runner, rx, &mut input).await;
    runner.shutdown();
    let saved_as = runner.saved_session_id();
    input.stop().await;
    drop(guard);
    // Once the terminal is back: one line in the shell says how to come back.
    if result.is_ok() && state.has_conversation() {
        let demo = if state.settings.is_demo {
            " --demo"
        } else {
            ""
        };
        // The id names this conversation even after others were started in the workspace;
        // `--continue` (the latest) is the way back only while no file was written yet.
        let how = saved_as.map_or_else(|| "--continue".to_owned(), |id| format!("--resume {id}"));
        // A closed stdout has nowhere to show it: nothing to do then.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stdout(),
            "to resume this conversation: sapcode{demo} {how}"
        );
    }
    result
}

async fn event_loop(
    guard: &mut terminal::TerminalGuard,
    state: &mut AppState,
    runner: &mut effects::Runner,
    mut rx: UnboundedReceiver<Event>,
    input: &mut Input,
) -> anyhow::Result<()> {
    let mut scheduler = frame::FrameScheduler::new();
    loop {
        let step = tokio::select! {
            step = scheduler.next(&mut rx, state.is_animating()) => step,
            // A task died: what it was doing will never report back, so stop and let the
            // guard restore the terminal rather than spin over a broken screen.
            () = crate::crash::panicked() => {
                return Err(anyhow::anyhow!("an internal task crashed; sapcode stopped"));
            }
        };
        match step {
            frame::Step::Draw => {
                update::update(
                    state,
                    Event::Tick {
                        now: SystemTime::now(),
                    },
                );
                guard.terminal.draw(|frame| view::draw(frame, state))?;
                for effect in update::after_first_frame(state) {
                    runner.run(effect);
                }
            }
            frame::Step::Tick => {
                update::update(
                    state,
                    Event::Tick {
                        now: SystemTime::now(),
                    },
                );
            }
            frame::Step::Apply(events) => {
                let effects = update::update_batch(state, events, SystemTime::now());
                if run_effects(runner, effects, guard, input).await? {
                    return Ok(());
                }
            }
            frame::Step::Closed => return Ok(()),
        }
    }
}

/// Runs the effects of a batch of events; true when one of them is `Quit`. The ones that
/// need the terminal itself run here.
async fn run_effects(
    runner: &mut effects::Runner,
    effects: Vec<Effect>,
    guard: &mut terminal::TerminalGuard,
    input: &mut Input,
) -> anyhow::Result<bool> {
    let mut quits = false;
    for effect in effects {
        match effect {
            Effect::Quit => quits = true,
            Effect::Copy(text) => {
                use std::io::Write as _;
                let mut stdout = std::io::stdout();
                stdout.write_all(clipboard::osc52(&text).as_bytes())?;
                stdout.flush()?;
            }
            Effect::EditDraft(draft) => {
                let result = edit_in_terminal(guard, input, draft).await?;
                let _ = input.tx.send(Event::DraftEdited(result));
            }
            other => runner.run(other),
        }
    }
    Ok(quits)
}

/// Ctrl-G: the terminal goes to the editor as it was before the TUI (no raw mode, no
/// alternate screen) and nothing reads keys meanwhile; then the TUI takes it back.
async fn edit_in_terminal(
    guard: &mut terminal::TerminalGuard,
    input: &mut Input,
    draft: String,
) -> anyhow::Result<Result<String, String>> {
    let visual = std::env::var("VISUAL").ok();
    let editor = std::env::var("EDITOR").ok();
    let argv = match editor::command(visual.as_deref(), editor.as_deref()) {
        Ok(argv) => argv,
        Err(why) => return Ok(Err(why)),
    };
    input.stop().await;
    guard.suspend();
    let result = tokio::task::spawn_blocking(move || editor::edit(&draft, &argv))
        .await
        .unwrap_or_else(|err| Err(format!("the editor could not be waited for: {err}")));
    guard.resume(input.mouse)?;
    input.restart();
    Ok(result)
}

/// The task reading the terminal's input, stopped while another program owns the terminal.
struct Input {
    tx: UnboundedSender<Event>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The mouse is captured (`[ui] mouse = true`), again after the terminal comes back.
    mouse: bool,
}

impl Input {
    fn start(tx: UnboundedSender<Event>, mouse: bool) -> Input {
        let task = Some(tokio::spawn(read_input(tx.clone())));
        Input { tx, task, mouse }
    }

    fn restart(&mut self) {
        if self.task.is_none() {
            self.task = Some(tokio::spawn(read_input(self.tx.clone())));
        }
    }

    /// Stops reading, and waits until the reader is gone: its stream no longer takes bytes
    /// meant for the editor.
    async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Events read in one go at most: a long paste typed as keys goes on in the next group.
const INPUT_GROUP: usize = 4096;
/// How long `read_input` waits for more of what the terminal sent at once.
const GROUP_WAIT: Duration = Duration::from_millis(1);

/// Turns terminal input into events; ends when the loop stops listening. What the terminal
/// already holds behind an event is read with it and sent as one `Event::Input`, so a paste
/// typed as keys reaches `typed_paste` in one batch (its line breaks told from Enter) however
/// the loop and this task are scheduled.
async fn read_input(tx: UnboundedSender<Event>) {
    let mut events = EventStream::new();
    while let Some(Ok(first)) = events.next().await {
        let mut group: Vec<Event> = from_terminal(first).into_iter().collect();
        // The stream has just answered, so no waiting reader holds crossterm's lock. The
        // wait is 1 ms, not zero: crossterm's /dev/tty source reads nothing at all with a
        // zero timeout, and what a terminal sent at once is there well within it.
        while group.len() < INPUT_GROUP && crossterm::event::poll(GROUP_WAIT).unwrap_or(false) {
            match crossterm::event::read() {
                Ok(event) => group.extend(from_terminal(event)),
                Err(_) => break,
            }
        }
        let message = match group.len() {
            0 => continue,
            1 => group.remove(0),
            _ => Event::Input(group),
        };
        if tx.send(message).is_err() {
            return;
        }
    }
}

/// The app's event for a terminal event, if it wants it.
fn from_terminal(event: TermEvent) -> Option<Event> {
    Some(match event {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => Event::Key(key),
        TermEvent::Paste(text) => Event::Paste(text),
        // Only reported when `[ui] mouse = true` captured it.
        TermEvent::Mouse(mouse)
            if matches!(
                mouse.kind,
                MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
            ) =>
        {
            Event::Mouse(mouse)
        }
        TermEvent::Resize(width, height) => Event::Resize { width, height },
        TermEvent::Key(_) | TermEvent::Mouse(_) | TermEvent::FocusGained | TermEvent::FocusLost => {
            return None;
        }
    })
}

/// `[ui] approval_mode`, checked before the screen opens so a typo is one line in the shell.
fn approval_mode(ctx: &Context) -> anyhow::Result<crate::agent::ApprovalMode> {
    let Some(text) = ctx.config.ui.approval_mode.as_deref() else {
        return Ok(crate::agent::ApprovalMode::default());
    };
    crate::agent::ApprovalMode::parse(text).ok_or_else(|| {
        crate::report::Reported {
            class: crate::aicore::error::ExitClass::Usage,
            message: format!("[ui] approval_mode = \"{text}\" in the config is not a mode"),
            hint: Some("use ask, auto-edit or plan".into()),
        }
        .into()
    })
}

fn startup(
    ctx: &Context,
    theme: theme::Theme,
    approval_mode: crate::agent::ApprovalMode,
) -> Startup {
    let profile = ctx.profile().cloned().unwrap_or_default();
    Startup {
        profile: ctx.profile_name.clone(),
        mode: ctx.mode(),
        resource_group: ctx.resource_group(),
        model: ctx.model(),
        deployment: ctx.deployment(),
        form: SettingsForm {
            profile: ctx.profile_name.clone(),
            client_id: profile.client_id.clone().unwrap_or_default(),
            client_secret: String::new(),
            auth_url: profile.auth_url.clone().unwrap_or_default(),
            base_url: profile.base_url.clone().unwrap_or_default(),
            resource_group: ctx.resource_group(),
            mode: ctx.mode(),
        },
        has_secret: profile.has_connection(),
        theme,
        now: SystemTime::now(),
        size: (80, 24),
        key_overrides: ctx.config.keys.clone(),
        sandbox: crate::agent::sandbox::status(),
        network: ctx.config.agent.network.unwrap_or(false),
        // A word `run` would refuse is left out here; `run` and doctor's config say why.
        reasoning: ctx
            .config
            .agent
            .reasoning
            .as_deref()
            .and_then(crate::aicore::Effort::parse),
        is_demo: ctx.backend == crate::connect::Backend::Simulator,
        // --demo talks to the simulator whatever the environment says.
        env_credentials: match ctx.backend {
            crate::connect::Backend::SapAiCore => env_credentials(&ctx.env),
            crate::connect::Backend::Simulator => None,
        },
        approval_mode,
    }
}

/// The variables that, when set, supply the credentials instead of the profile (the
/// contract's lookup order): settings say so, since saving there would not change them.
fn env_credentials(env: &crate::credentials::Environment) -> Option<String> {
    if env.service_key.is_some() {
        Some("AICORE_SERVICE_KEY".into())
    } else if env.client_id.is_some()
        && env.client_secret.is_some()
        && env.auth_url.is_some()
        && env.base_url.is_some()
    {
        Some("AICORE_CLIENT_ID, AICORE_CLIENT_SECRET, AICORE_AUTH_URL, AICORE_BASE_URL".into())
    } else {
        None
    }
}
