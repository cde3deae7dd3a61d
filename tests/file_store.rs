//! A machine without a keyring: `login --store file` keeps the secret in a private file in the
//! config dir, says so, records the choice in the profile, and later commands find it there.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pty_support;

use std::io::Write;

use common::{Home, TestSim, stderr_of, stdout_of};

#[test]
fn login_with_the_file_store_works_without_any_keyring() {
    let sim = TestSim::start("");
    let home = Home::new();
    let key_file = home.path().join("key.json");
    std::fs::write(&key_file, sim.key_json()).unwrap();
    let no_keyring = |cmd: &mut assert_cmd::Command| {
        cmd.env_remove("SAPCODE_KEYRING");
    };

    let mut login = home.sapcode();
    no_keyring(&mut login);
    let output = login
        .args(["login", "--store", "file", "--service-key"])
        .arg(&key_file)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("the client secret is in: file") && stderr.contains("secrets.json"),
        "{stderr}"
    );
    let config = std::fs::read_to_string(home.config_file()).unwrap();
    assert!(config.contains("credential_store = \"file\""), "{config}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.keyring_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let mut doctor = home.sapcode();
    no_keyring(&mut doctor);
    let output = doctor.arg("doctor").output().unwrap();
    let stdout = stdout_of(&output);
    assert!(output.status.success(), "{stdout}{}", stderr_of(&output));
    assert!(
        stdout.contains("secrets.json"),
        "doctor names the store: {stdout}"
    );
}

/// Whoever types the key's fields on a machine whose keyrings refuse the secret is offered
/// the file store there and then, rather than told to type everything again; and the kernel
/// keyring is never announced as "in use" in the same breath as its refusal. Where the kernel
/// keyring does keep secrets (it varies by machine), the login must simply succeed with it.
#[test]
fn typed_login_without_a_keyring_offers_the_file_store_and_keeps_the_fields() {
    let home = Home::new();
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_sapcode"));
    cmd.args(["--profile", "typed", "login", "--no-verify"]);
    cmd.env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("TERM", "dumb");
    pty_support::keep_in(&mut cmd, home.path());
    cmd.env_remove("SAPCODE_KEYRING");
    // No Secret Service answers on this bus: the kernel keyring is all there is.
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/sapcode-test-bus",
    );
    let mut pty = pty_support::spawn(cmd, 24, 200);
    let mut seen = String::new();
    for (prompt, value) in [
        ("clientid: ", "typed-client"),
        ("clientsecret (hidden): ", "typed-s3cret-value"),
        ("url (authentication URL): ", "https://auth.example.com"),
        ("serviceurls.AI_API_URL: ", "https://api.example.com"),
    ] {
        assert!(
            read_until(&mut pty, &mut seen, prompt),
            "no {prompt:?}: {seen}"
        );
        type_line(&mut pty, value);
    }
    let offered = read_until(&mut pty, &mut seen, "instead? [y/N]");
    if offered {
        type_line(&mut pty, "y");
    }
    let status = pty.child.wait().unwrap();
    read_until(&mut pty, &mut seen, "(read to the end)");
    // The master end lives until everything the child wrote has been read.
    drop(pty.master);
    assert!(status.success(), "{seen}");
    let config = std::fs::read_to_string(home.config_file()).unwrap();
    assert!(config.contains("typed-client"), "{config}");
    if offered {
        assert!(
            !seen.contains("using the kernel keyring"),
            "announced a keyring that refused: {seen}"
        );
        assert!(config.contains("credential_store = \"file\""), "{config}");
        let secrets = std::fs::read_to_string(home.keyring_file()).unwrap();
        assert!(secrets.contains("typed-s3cret-value"));
        assert!(seen.contains("the client secret is in: file"), "{seen}");
    } else {
        assert!(seen.contains("kernel keyring"), "{seen}");
        assert!(!config.contains("credential_store"), "{config}");
    }
}

/// Reads the terminal into `seen` until `what` shows (true) or the program's end (false).
fn read_until(pty: &mut pty_support::Pty, seen: &mut String, what: &str) -> bool {
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen.contains(what) {
        assert!(Instant::now() < deadline, "timed out on {what:?}:\n{seen}");
        match pty.output.recv_timeout(Duration::from_millis(100)) {
            Ok(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
    true
}

fn type_line(pty: &mut pty_support::Pty, line: &str) {
    pty.input.write_all(format!("{line}\r").as_bytes()).unwrap();
    pty.input.flush().unwrap();
}
