//! The environment a command gets: sapcode's own credentials and every handle back into the
//! user's session (terminal multiplexer, ssh agent, desktop bus, display) removed. Applies
//! to the model's commands and to the user's own `!CMD` alike (contract "The trust boundary").

use std::ffi::OsStr;

/// Variables removed by prefix: sapcode's and SAP AI Core's configuration and secrets.
const PREFIXES: &[&str] = &["AICORE_", "SAPCODE_"];

/// Variables removed by name: each one is a way to reach a process outside the command.
const NAMES: &[&str] = &[
    "TMUX",
    "TMUX_PANE",
    "SSH_AUTH_SOCK",
    "DBUS_SESSION_BUS_ADDRESS",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
];

/// Whether a variable of this name must not reach a command.
/// Compared as bytes, so a name that is not UTF-8 (`AICORE_\xff`) is judged like any other.
pub fn is_stripped(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    NAMES.iter().any(|known| known.as_bytes() == name)
        || PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix.as_bytes()))
}

/// Removes the stripped variables of this process's environment from `command`'s.
pub fn strip(command: &mut tokio::process::Command) {
    for (name, _) in std::env::vars_os() {
        if is_stripped(&name) {
            command.env_remove(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_judged_by_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        assert!(is_stripped(OsStr::from_bytes(b"AICORE_\xffKEY")));
        assert!(!is_stripped(OsStr::from_bytes(b"KEEP_\xff")));
    }

    #[test]
    fn credentials_and_session_handles_are_stripped_and_the_rest_kept() {
        for name in [
            "AICORE_SERVICE_KEY",
            "AICORE_CLIENT_SECRET",
            "SAPCODE_KEYRING",
            "TMUX",
            "TMUX_PANE",
            "SSH_AUTH_SOCK",
            "DBUS_SESSION_BUS_ADDRESS",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "XAUTHORITY",
        ] {
            assert!(is_stripped(OsStr::new(name)), "{name}");
        }
        for name in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "TMUXINATOR",
            "MY_AICORE_X",
            "LANG",
        ] {
            assert!(!is_stripped(OsStr::new(name)), "{name}");
        }
    }
}
