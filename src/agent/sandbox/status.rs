//! What confines approved commands on this machine, found by trying it once (a forked probe
//! enters the namespaces, enforces a Landlock ruleset and installs the seccomp filter), and
//! said honestly: the status line's label and `doctor`'s list name each protection that is
//! missing, never more than holds.

use std::sync::OnceLock;

/// The protections a command gets here. `Default` is none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Protection {
    /// Landlock enforced, with the kernel's ABI version.
    pub landlock: Option<i32>,
    /// User, mount, PID, IPC and network namespaces can be entered (unprivileged).
    pub namespaces: bool,
    /// The seccomp filter can be installed.
    pub seccomp: bool,
}

/// One protection and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub holds: bool,
    pub detail: &'static str,
}

impl Protection {
    /// Everything this code can give (ABI 6 and later with namespaces and seccomp).
    pub const FULL: Protection = Protection {
        landlock: Some(6),
        namespaces: true,
        seccomp: true,
    };

    fn abi_at_least(&self, abi: i32) -> bool {
        self.landlock.is_some_and(|have| have >= abi)
    }

    /// Each protection, whether it holds, with the network on or off as the session has it.
    pub fn checks(&self, network: bool) -> Vec<Check> {
        let check = |name, holds, detail| Check {
            name,
            holds,
            detail,
        };
        let ns = self.namespaces;
        let mut checks = vec![
            check(
                "landlock fs",
                self.landlock.is_some(),
                "writes only in the workspace and temp dirs; sapcode's dirs and credential stores unreadable",
            ),
            check(
                "truncate",
                self.abi_at_least(3),
                "files outside the workspace cannot be truncated (Landlock ABI 3)",
            ),
            check(
                "namespaces",
                ns,
                "every process a command starts ends with it; private /tmp; user sockets hidden",
            ),
            check(
                "VCS read-only",
                ns && self.landlock.is_some(),
                ".git, .hg, .svn, .jj anywhere in the workspace cannot be written; ones a command creates are removed",
            ),
            check(
                "hidden secrets",
                ns,
                "denied paths inside the workspace are hidden (a workspace at $HOME)",
            ),
            check(
                "scopes",
                self.abi_at_least(6),
                "no abstract unix socket or signal outside the sandbox (Landlock ABI 6)",
            ),
            check(
                "seccomp",
                self.seccomp,
                "no kernel keyring, no typing into a terminal (TIOCSTI), no mount changes",
            ),
        ];
        if !network {
            checks.push(check(
                "network off",
                ns || self.abi_at_least(4),
                if ns {
                    "no network at all (own network namespace)"
                } else {
                    "no TCP bind or connect (Landlock ABI 4); UDP still works"
                },
            ));
        }
        checks
    }

    /// What is missing, in the words of the label: `no network rule`, `no namespaces`.
    fn missing(&self, network: bool) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.landlock.is_some() && !self.namespaces {
            missing.push("no namespaces");
        }
        if !network && !self.namespaces && !self.abi_at_least(4) {
            missing.push("no network rule");
        }
        if self.landlock.is_some() && !self.abi_at_least(3) {
            missing.push("no truncate rule");
        }
        if self.landlock.is_some() && !self.abi_at_least(6) && (network || !self.namespaces) {
            missing.push("no socket scope");
        }
        if self.landlock.is_some() && !self.seccomp {
            missing.push("no seccomp");
        }
        missing
    }

    /// `landlock+ns`, `landlock (no network rule)`, `none (approval only)`: for the status
    /// line (`sandbox: …`) and `doctor`.
    pub fn label(&self, network: bool) -> String {
        let base = match (self.landlock.is_some(), self.namespaces) {
            (true, true) => "landlock+ns",
            (true, false) => "landlock",
            (false, _) => return "none (approval only)".to_owned(),
        };
        let missing = self.missing(network);
        if missing.is_empty() {
            base.to_owned()
        } else {
            format!("{base} ({})", missing.join(", "))
        }
    }

    /// The label without its list of what is missing, which is only marked (`landlock*`).
    pub fn short_label(&self, network: bool) -> String {
        match (self.landlock.is_some(), self.missing(network).is_empty()) {
            (false, _) => "no sandbox".to_owned(),
            (true, true) => self.label(network),
            (true, false) => format!("{}*", self.label(network).split(' ').next().unwrap_or("")),
        }
    }

    /// One sentence for the command review.
    pub fn sentence(&self, network: bool) -> String {
        let net = if network { "network on" } else { "network off" };
        match self.landlock {
            None => "no sandbox on this system: it can do anything you can".to_owned(),
            Some(_) if self.namespaces => format!(
                "Sandbox {}: writes only in the workspace (not .git) and a private /tmp; {net}",
                self.label(network)
            ),
            Some(_) => format!(
                "Sandbox {}: writes only in the workspace (.git included) and temp dirs; {net}",
                self.label(network)
            ),
        }
    }
}

/// The protection `run_command` gets on this machine (probed once per process).
pub fn status() -> Protection {
    static STATUS: OnceLock<Protection> = OnceLock::new();
    *STATUS.get_or_init(super::probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_never_claims_more_than_holds() {
        let full = Protection {
            landlock: Some(7),
            namespaces: true,
            seccomp: true,
        };
        assert_eq!(full.label(false), "landlock+ns");
        assert_eq!(full.label(true), "landlock+ns");
        assert!(full.checks(false).iter().all(|c| c.holds));
        let old = Protection {
            landlock: Some(3),
            namespaces: false,
            seccomp: true,
        };
        assert_eq!(
            old.label(false),
            "landlock (no namespaces, no network rule, no socket scope)"
        );
        assert_eq!(old.short_label(false), "landlock*");
        let no_userns = Protection {
            landlock: Some(7),
            namespaces: false,
            seccomp: true,
        };
        assert_eq!(no_userns.label(false), "landlock (no namespaces)");
        let failing: Vec<_> = no_userns
            .checks(false)
            .into_iter()
            .filter(|c| !c.holds)
            .map(|c| c.name)
            .collect();
        assert_eq!(failing, ["namespaces", "VCS read-only", "hidden secrets"]);
        let ns_abi5 = Protection {
            landlock: Some(5),
            namespaces: true,
            seccomp: true,
        };
        // The network namespace covers abstract sockets while the network is off only.
        assert_eq!(ns_abi5.label(false), "landlock+ns");
        assert_eq!(ns_abi5.label(true), "landlock+ns (no socket scope)");
        assert_eq!(Protection::default().label(false), "none (approval only)");
    }
}
