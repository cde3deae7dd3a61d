//! Frame time of the TUI on a 100,000-line transcript at 160×48 (not a test: prints figures).
//! Only the rows in view are built per frame; finished messages come from their line cache,
//! and after a resize only the messages that come into view are rendered again.
//!
//! Run: `cargo bench --bench render`
//!
//! On the shared 2-core dev box (tui2 branch): first frame after a resize 959 ms before the
//! lazy transcript, 1.1 ms after; a streaming frame 1.78 ms before, 0.35 ms after (finished
//! blocks of the open answer are reused); following / scrolled frames about 0.3 ms.

// A bench is a measuring harness, not product code: a failed set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use sapcode::aicore::Mode;
use sapcode::tui::event::{ConnectionInfo, SettingsForm};
use sapcode::tui::state::{
    AppState, Connection, Entry, EntryEnd, Pane, Scroll, Speaker, Startup, Turn,
};
use sapcode::tui::theme::Theme;
use sapcode::tui::{transcript, view};

const TARGET_ROWS: usize = 100_000;
const FRAMES: usize = 2_000;
/// Width of the transcript pane inside the 160-column layout (chat column minus borders).
const WIDTH: u16 = 98;

fn answer(index: usize) -> String {
    let mut text =
        format!("## Answer {index}\n\nThe **borrow checker** rejects `x` here because:\n\n");
    for item in 0..30 {
        text.push_str(&format!(
            "- reason {item}: a *shared* borrow outlives the mutable one\n"
        ));
    }
    text.push_str("\n```rust\nfn main() {\n    let mut v = vec![1, 2, 3];\n    let first = &v[0];\n    v.push(4);\n    println!(\"{first}\");\n}\n```\n\nMove the push before the borrow.\n");
    text
}

fn state() -> AppState {
    let mut state = AppState::new(Startup {
        profile: "default".into(),
        mode: Mode::Foundation,
        resource_group: "default".into(),
        model: Some("gpt-4o".into()),
        deployment: Some("d7f3a9c2b1e04d11".into()),
        form: SettingsForm::default(),
        has_secret: true,
        theme: Theme::default(),
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000),
        size: (160, 48),
        key_overrides: Default::default(),
        sandbox: sapcode::agent::sandbox::Protection::FULL,
        network: false,
        reasoning: None,
        is_demo: true,
        env_credentials: None,
        approval_mode: sapcode::agent::ApprovalMode::Ask,
    });
    state.connection = Connection::Ready(ConnectionInfo {
        source: "bench".into(),
        resource_group: "default".into(),
    });
    state.focus = Pane::Chat;
    state
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{name:<34} mean {:>7.3} ms   p50 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms",
        mean.as_secs_f64() * 1e3,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut state = state();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    // Fill until the transcript is 100,000 rows tall at this width, rendering every message
    // once (as scrolling through the whole history would) to know its exact height.
    let mut index = 0;
    let mut total = 0;
    let started = Instant::now();
    while total < TARGET_ROWS {
        state.chat.transcript.entries.push(Entry::new(
            Speaker::You,
            format!("question {index}: why?"),
            EntryEnd::Finished,
        ));
        state.chat.transcript.entries.push(Entry::new(
            Speaker::Model("gpt-4o".into()),
            answer(index),
            EntryEnd::Finished,
        ));
        let count = state.chat.transcript.entries.len();
        total += transcript::entry_height(&state, count - 2, WIDTH)
            + transcript::entry_height(&state, count - 1, WIDTH);
        index += 1;
    }
    let fill = started.elapsed();
    terminal.draw(|f| view::draw(f, &state)).expect("draw");
    println!(
        "transcript: {} messages, {total} rendered rows at 160x48; first full render (parse + wrap + highlight, cached afterwards) {:.0} ms",
        state.chat.transcript.entries.len(),
        fill.as_secs_f64() * 1e3
    );

    let mut follow = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let t = Instant::now();
        terminal.draw(|f| view::draw(f, &state)).expect("draw");
        follow.push(t.elapsed());
    }
    report("following the bottom", follow);

    let mut scrolled = Vec::with_capacity(FRAMES);
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..FRAMES {
        state.chat.transcript.scroll = Scroll::At {
            entry: rng.usize(0..state.chat.transcript.entries.len()),
            row: 0,
        };
        let t = Instant::now();
        terminal.draw(|f| view::draw(f, &state)).expect("draw");
        scrolled.push(t.elapsed());
    }
    report("scrolled to random rows", scrolled);

    // Resizing: the first frame at a new width, following the bottom and scrolled to the
    // middle. Every message's lines were made for the old width.
    let mut resized = Vec::new();
    let mut after_resize = Vec::new();
    let widths = [159u16, 160, 120, 160, 100, 160];
    for (round, width) in widths.iter().enumerate() {
        state.chat.transcript.scroll = if round % 2 == 0 {
            Scroll::Follow
        } else {
            Scroll::At {
                entry: state.chat.transcript.entries.len() / 2,
                row: 0,
            }
        };
        state.size = (*width, 48);
        terminal.backend_mut().resize(*width, 48);
        let t = Instant::now();
        terminal.draw(|f| view::draw(f, &state)).expect("draw");
        resized.push(t.elapsed());
        // The frames right after, while the rest of the transcript is still at the old width.
        let t = Instant::now();
        terminal.draw(|f| view::draw(f, &state)).expect("draw");
        after_resize.push(t.elapsed());
    }
    report("first frame after a resize", resized);
    report("second frame after a resize", after_resize);
    state.size = (160, 48);
    terminal.backend_mut().resize(160, 48);

    // A streaming answer at the end: each frame appends a token and re-renders that message.
    state.chat.transcript.scroll = Scroll::Follow;
    state.chat.turn = Turn::Streaming {
        id: 1,
        started: state.now,
        waiting: None,
        recorded: false,
    };
    state.chat.transcript.entries.push(Entry::new(
        Speaker::Model("gpt-4o".into()),
        String::new(),
        EntryEnd::Open,
    ));
    let mut streaming = Vec::with_capacity(FRAMES);
    let tokens = answer(0);
    let words: Vec<&str> = tokens.split_inclusive(' ').collect();
    for frame in 0..FRAMES {
        if let Some(last) = state.chat.transcript.entries.last_mut() {
            last.text.push_str(words[frame % words.len()]);
        }
        let t = Instant::now();
        terminal.draw(|f| view::draw(f, &state)).expect("draw");
        streaming.push(t.elapsed());
    }
    report("streaming (token per frame)", streaming);

    match peak_rss_kib() {
        Some(kib) => println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: /proc/self/status not available"),
    }
}
