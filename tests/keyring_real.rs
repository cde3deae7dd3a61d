//! The real OS keyring (Secret Service on Linux). Ignored by default because it writes to
//! the user's keyring; CI runs it inside a private `dbus-run-session` with a throw-away
//! gnome-keyring: `cargo test --test keyring_real -- --ignored`.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of};

#[test]
#[ignore = "uses the OS keyring; CI runs it under dbus-run-session"]
fn login_then_run_reads_the_secret_back_from_the_os_keyring() {
    let sim = TestSim::start("");
    let home = Home::new();
    let key_file = home.path().join("key.json");
    std::fs::write(&key_file, sim.key_json()).unwrap();
    let secret = sim.server().service_key()["clientsecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = format!("ci-{}", std::process::id());
    let os_keyring = |args: &[&str]| {
        let mut cmd = home.sapcode();
        cmd.env_remove("SAPCODE_KEYRING");
        // The private session bus that `dbus-run-session` started for this test.
        if let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        cmd.arg("--profile").arg(&profile).args(args);
        cmd.output().unwrap()
    };

    let login = os_keyring(&["login", "--service-key", key_file.to_str().unwrap()]);
    assert!(login.status.success(), "login: {}", stderr_of(&login));
    assert!(
        stderr_of(&login).contains("Secret Service"),
        "{}",
        stderr_of(&login)
    );
    std::fs::remove_file(&key_file).unwrap();
    assert!(
        !home.all_text().contains(&secret),
        "secret written to a file"
    );

    let run = os_keyring(&["run", "hello from the keyring test"]);
    assert!(run.status.success(), "run: {}", stderr_of(&run));

    let logout = os_keyring(&["logout"]);
    assert!(logout.status.success(), "logout: {}", stderr_of(&logout));
    let after = os_keyring(&["run", "hi"]);
    assert_eq!(after.status.code(), Some(2), "{}", stderr_of(&after));
}
