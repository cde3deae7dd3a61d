//! A machine without a keyring: `login --store file` keeps the secret in a private file in the
//! config dir, says so, records the choice in the profile, and later commands find it there.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

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
