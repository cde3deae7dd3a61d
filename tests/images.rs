//! Images through the binary against the simulator: `@shot.png` in `run` reaches each dialect
//! whole (the simulated model reads its size back from the bytes), a text-only model is
//! refused before anything is sent, an oversize image and a `.png` that is no image are
//! refused, a continued session sends the image again from its one stored copy, and
//! `sapcode serve` passes a client's inline image on (OpenAI and Anthropic shapes).

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod serve_support;

use std::path::{Path, PathBuf};

use common::{Home, TestSim, stderr_of, stdout_of};
use serde_json::Value;

/// A PNG signature and IHDR of `w`×`h`, padded to `len` bytes.
fn png(w: u32, h: u32, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(w.to_be_bytes());
    bytes.extend(h.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0]);
    bytes.resize(len, 0x42);
    bytes
}

fn project(home: &Home) -> PathBuf {
    let dir = home.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shot.png"), png(640, 480, 5_000)).unwrap();
    dir
}

fn run(home: &Home, sim: &TestSim, dir: &Path, args: &[&str]) -> std::process::Output {
    home.sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .arg("--cwd")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// What the simulated model says of the 640×480 test image: size, format and byte count
/// read from the bytes it received.
const SEEN: &str = "I see an image of 640×480 pixels, png, 5000 bytes, sha256 ";

#[test]
fn an_image_reaches_every_dialect_whole() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = project(&home);
    let cases: [(&[&str], &str); 4] = [
        (&["--model", "gpt-4o"], "/chat/completions"),
        (
            &[
                "--resource-group",
                "team-b",
                "--model",
                "anthropic--claude-4.5-sonnet",
            ],
            "/converse-stream",
        ),
        (
            &["--resource-group", "team-b", "--model", "gemini-2.5-pro"],
            ":streamGenerateContent",
        ),
        (
            &["--mode", "orchestration", "--model", "gpt-4.1"],
            "/v2/completion",
        ),
    ];
    for (target, path) in cases {
        let mut args = target.to_vec();
        args.extend(["run", "what is in @shot.png?"]);
        let output = run(&home, &sim, &dir, &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{target:?}: {}",
            stderr_of(&output)
        );
        let answer = stdout_of(&output);
        assert!(answer.starts_with(SEEN), "{target:?}: {answer}");
        let sent = sim
            .server()
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(path))
            .count();
        assert_eq!(sent, 1, "{target:?}");
    }
}

#[test]
fn a_text_only_model_is_refused_before_sending() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = project(&home);
    let output = run(
        &home,
        &sim,
        &dir,
        &["--model", "o3-mini", "run", "what is in @shot.png"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert_eq!(
        stderr_of(&output).trim_end(),
        "sapcode: o3-mini does not take images (its catalog entry lists inputTypes: text) — \
         pick a model that does, e.g. gpt-4.1, gpt-4o"
    );
    assert_eq!(sim.count_requests("/chat/completions"), 0);
}

#[test]
fn an_oversize_image_and_a_fake_png_are_refused() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = project(&home);
    std::fs::write(dir.join("huge.png"), png(9000, 9000, 4 * 1024 * 1024)).unwrap();
    std::fs::write(dir.join("fake.png"), "just text\n").unwrap();
    let output = run(
        &home,
        &sim,
        &dir,
        &["--model", "gpt-4o", "run", "see @huge.png"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    let said = stderr_of(&output);
    assert!(
        said.starts_with("sapcode: @huge.png: huge.png is an image of 4.0 MiB, more than the 3.75 MiB limit for images"),
        "{said}"
    );
    let output = run(
        &home,
        &sim,
        &dir,
        &["--model", "gpt-4o", "run", "see @fake.png"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    let said = stderr_of(&output);
    assert!(
        said.starts_with("sapcode: @fake.png: fake.png is named like an image but is not a PNG, JPEG, GIF or WebP file"),
        "{said}"
    );
    assert_eq!(sim.count_requests("/chat/completions"), 0);
}

/// Every session file and stored image under the home's data dir.
fn saved(home: &Home) -> (Vec<String>, Vec<PathBuf>) {
    let (mut files, mut images) = (Vec::new(), Vec::new());
    let mut dirs = vec![home.path().join("data")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(std::fs::read_to_string(&path).unwrap());
            } else if path.parent().is_some_and(|p| p.ends_with("images")) {
                images.push(path);
            }
        }
    }
    (files, images)
}

#[test]
fn a_continued_session_sends_the_image_again_from_one_stored_copy() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = project(&home);
    let first = run(
        &home,
        &sim,
        &dir,
        &["--model", "gpt-4o", "run", "what is in @shot.png?"],
    );
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let next = run(
        &home,
        &sim,
        &dir,
        &["--model", "gpt-4o", "run", "--continue", "and its colours?"],
    );
    assert_eq!(next.status.code(), Some(0), "{}", stderr_of(&next));
    let bodies: Vec<Value> = sim
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    let image_url = |body: &Value| body["messages"][1]["content"][1]["image_url"]["url"].clone();
    assert!(
        image_url(&bodies[0])
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_eq!(image_url(&bodies[0]), image_url(&bodies[1]));
    let (files, images) = saved(&home);
    assert_eq!(files.len(), 1, "one session, continued");
    assert_eq!(images.len(), 1, "one stored copy: {images:?}");
    assert_eq!(std::fs::read(&images[0]).unwrap(), png(640, 480, 5_000));
    assert!(
        files[0].len() < 5_000,
        "the session file holds no image bytes:\n{}",
        files[0]
    );
}

#[test]
fn models_json_lists_input_types() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "models", "--json", "--all"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let models: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    let input_types = |name: &str| {
        models
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .map(|m| m["input_types"].clone())
            .unwrap()
    };
    assert_eq!(input_types("gpt-4o"), serde_json::json!(["text", "image"]));
    assert_eq!(input_types("o3-mini"), serde_json::json!(["text"]));
}

/// A client of `sapcode serve` sending an inline image gets an answer about it: OpenAI's
/// `image_url` data URL to gpt-4o, Anthropic's base64 `image` block to Claude.
#[tokio::test]
async fn serve_passes_inline_images_on() {
    use base64::Engine;
    let serve = serve_support::Serve::start();
    let data = base64::engine::general_purpose::STANDARD.encode(png(320, 200, 1_000));
    let client = reqwest::Client::new();
    let openai: Value = client
        .post(serve.url("/v1/chat/completions"))
        .bearer_auth(serve_support::KEY)
        .json(
            &serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "what is it?"},
                {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{data}")}}
            ]}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = openai["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.starts_with("I see an image of 320×200 pixels, png, 1000 bytes"),
        "{openai}"
    );
    let anthropic: Value = client
        .post(serve.url("/v1/messages"))
        .bearer_auth(serve_support::KEY)
        .json(&serde_json::json!({"model": "claude-sonnet-4-5", "max_tokens": 500, "messages": [
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
                {"type": "text", "text": "what is it?"}
            ]}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = anthropic["content"][0]["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("I see an image of 320×200 pixels, png, 1000 bytes"),
        "{anthropic}"
    );
}
