//! The TUI's effects runner for what slash commands and `!CMD` ask of the outside world, in
//! process against a temp workspace and data dir: a user's command streams and is capped by
//! `run_command`'s timeout, `/undo` takes back an edit applied from the code view, the input
//! history is written and read back, and `/resume` lists this workspace's sessions.

// clippy.toml's allow-*-in-tests covers #[test] functions only; the helpers here fail the
// test the same way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use sapcode::connect::{Backend, Context};
use sapcode::credentials::Environment;
use sapcode::tui::effects::Runner;
use sapcode::tui::event::{ChatUpdate, Effect, Event, SettingsForm};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// Generous: only a broken runner waits this long.
const WAIT: Duration = Duration::from_secs(30);

struct Setup {
    _dir: tempfile::TempDir,
    workspace: std::path::PathBuf,
    runner: Runner,
    events: UnboundedReceiver<Event>,
}

fn setup(timeout_s: Option<u64>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("project");
    std::fs::create_dir(&workspace).unwrap();
    let config = dir.path().join("config.toml");
    let agent = timeout_s
        .map(|secs| format!("[agent]\ncommand_timeout_s = {secs}\n"))
        .unwrap_or_default();
    std::fs::write(&config, agent).unwrap();
    let cli =
        sapcode::cli::Cli::parse_from(["sapcode", "--demo", "--config", config.to_str().unwrap()]);
    let mut ctx = Context::load(
        Backend::Simulator,
        cli.global.overrides(),
        Environment::default(),
    )
    .unwrap();
    ctx.paths.data_dir = Some(dir.path().join("data"));
    let (tx, events) = unbounded_channel();
    let runner = Runner::new(ctx, tx, &workspace);
    Setup {
        _dir: dir,
        workspace,
        runner,
        events,
    }
}

async fn next(events: &mut UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the runner is alive")
}

/// The `!CMD`'s streamed output and its final result.
async fn shell(setup: &mut Setup, command: &str) -> (String, String, String) {
    setup.runner.run(Effect::RunShell {
        turn: 7,
        command: command.into(),
    });
    let mut streamed = String::new();
    loop {
        match next(&mut setup.events).await {
            Event::Chat {
                turn: 7,
                update: ChatUpdate::Delta(text),
            } => streamed.push_str(&text),
            Event::Chat {
                turn: 7,
                update: ChatUpdate::CommandFinished { content, summary },
            } => return (streamed, content, summary),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_user_command_runs_in_the_workspace_and_streams_its_output() {
    let mut setup = setup(None);
    std::fs::write(setup.workspace.join("marker.txt"), "").unwrap();
    let (streamed, content, summary) = shell(&mut setup, "ls; echo oops >&2; exit 3").await;
    assert!(
        streamed.contains("marker.txt") && streamed.contains("oops"),
        "{streamed}"
    );
    assert!(
        content.starts_with("$ ls; echo oops >&2; exit 3\nexit code 3"),
        "{content}"
    );
    assert!(summary.starts_with("exit 3"), "{summary}");
}

#[tokio::test]
async fn a_user_command_is_killed_at_the_configured_timeout() {
    let mut setup = setup(Some(1));
    let (_, content, summary) = shell(&mut setup, "echo started; sleep 60").await;
    assert!(summary.starts_with("timed out after 1 s"), "{summary}");
    assert!(content.contains("process group were killed"), "{content}");
    assert!(content.contains("started"), "{content}");
}

/// An approved edit undone through the review path is in `effects/turn_tests.rs`; here, an
/// undo before any edit says so instead of failing silently.
#[tokio::test]
async fn undo_before_any_edit_says_there_is_nothing_to_undo() {
    let mut setup = setup(None);
    setup.runner.run(Effect::UndoEdit);
    assert_eq!(
        next(&mut setup.events).await,
        Event::EditUndone(Err("nothing to undo".into()))
    );
}

#[tokio::test]
async fn the_input_history_is_written_and_read_back() {
    let mut setup = setup(None);
    setup.runner.run(Effect::LoadInputHistory);
    assert_eq!(
        next(&mut setup.events).await,
        Event::InputHistoryLoaded(vec![])
    );
    setup
        .runner
        .run(Effect::AppendInputHistory("explain main.rs".into()));
    setup
        .runner
        .run(Effect::AppendInputHistory("!cargo test".into()));
    // Appends run on the blocking pool; a load after them sees both.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        setup.runner.run(Effect::LoadInputHistory);
        let Event::InputHistoryLoaded(entries) = next(&mut setup.events).await else {
            panic!("expected the history");
        };
        if entries.len() == 2 {
            assert_eq!(entries, ["explain main.rs", "!cargo test"]);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{entries:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn resume_lists_this_workspaces_sessions() {
    let mut setup = setup(None);
    setup.runner.run(Effect::ListSessions { request: 3 });
    assert_eq!(
        next(&mut setup.events).await,
        Event::SessionsListed {
            request: 3,
            result: Ok(vec![])
        }
    );
}

/// Reads process states from /proc.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn esc_kills_a_user_command_with_its_process_group() {
    let mut setup = setup(None);
    setup.runner.run(Effect::RunShell {
        turn: 9,
        command: "sleep 60 & echo $! > child.pid; echo started; wait".into(),
    });
    loop {
        match next(&mut setup.events).await {
            Event::Chat {
                update: ChatUpdate::Delta(text),
                ..
            } if text.contains("started") => break,
            Event::Chat {
                update: ChatUpdate::Delta(_),
                ..
            } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let pid = std::fs::read_to_string(setup.workspace.join("child.pid")).unwrap();
    let alive = |pid: &str| std::path::Path::new(&format!("/proc/{}", pid.trim())).exists();
    assert!(alive(&pid));
    // What Esc asks for while a `!CMD` runs.
    setup.runner.run(Effect::CancelTurn { turn: 9 });
    let deadline = tokio::time::Instant::now() + WAIT;
    // A killed process stays a zombie until reaped by init; its state says so.
    let gone = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
            .map_or(true, |stat| stat.contains(") Z"))
    };
    while !gone(&pid) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sleep {pid} survived Esc"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// "n" to the file store: the credentials the settings checked connect this run anyway, the
/// secret held in memory only, and the connection says so.
#[tokio::test]
async fn unstored_credentials_connect_for_this_session() {
    let sim = sapcode::sim::SimServer::start(sapcode::sim::SimOptions::default())
        .await
        .unwrap();
    let key = sim.service_key();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let cli = sapcode::cli::Cli::parse_from(["sapcode", "--config", config.to_str().unwrap()]);
    let ctx = Context::load(
        Backend::SapAiCore,
        cli.global.overrides(),
        Environment::default(),
    )
    .unwrap();
    let (tx, mut events) = unbounded_channel();
    let mut runner = Runner::new(ctx, tx, dir.path());
    let text = |field: &str| key[field].as_str().unwrap().to_owned();
    runner.run(Effect::ConnectForSession(SettingsForm {
        client_id: text("clientid"),
        client_secret: text("clientsecret"),
        auth_url: text("url"),
        base_url: key["serviceurls"]["AI_API_URL"]
            .as_str()
            .unwrap()
            .to_owned(),
        ..SettingsForm::default()
    }));
    match next(&mut events).await {
        Event::Connected(info) => {
            assert!(info.source.contains("for this session only"), "{info:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!std::fs::read_to_string(&config).unwrap().contains("secret"));
}
