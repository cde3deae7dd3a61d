//! How a failed effect reaches the screen: the error view with its hint, and which failures
//! are a first launch (open the settings) rather than an error.

use crate::credentials::CredentialError;
use crate::report;
use crate::tui::event::{ErrorView, Event};

pub(super) fn not_connected() -> ErrorView {
    ErrorView::new(
        "not connected to SAP AI Core",
        "open the settings (s) and save working credentials",
    )
}

pub(super) fn not_connected_models(request: u64) -> Event {
    Event::ModelsLoaded {
        request,
        result: Err(not_connected()),
    }
}

/// The same words as the CLI's stderr line: the cause chain, then the hint.
pub(super) fn error_view(err: &anyhow::Error) -> ErrorView {
    let (_, hint) = report::classify(err);
    ErrorView::new(format!("{err:#}"), hint.unwrap_or_default())
}

/// Missing or incomplete credentials are a first launch, not a failure.
pub(super) fn needs_setup(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<CredentialError>(),
            Some(
                CredentialError::NoneFound
                    | CredentialError::IncompleteProfile { .. }
                    | CredentialError::UnknownProfile { .. }
                    | CredentialError::NoSecret { .. }
            )
        )
    })
}

/// A failed connection. Missing credentials open the settings, and the hint says what to do
/// there: the CLI's "run `sapcode login`" would send the user out of the TUI to do it.
pub(super) fn connect_failed(err: &anyhow::Error) -> Event {
    let needs_setup = needs_setup(err);
    let mut error = error_view(err);
    if needs_setup {
        error.hint = "s opens the settings: import your service key file there (Ctrl+O), \
                      or quit and try `sapcode --demo`"
            .into();
    }
    Event::ConnectFailed { error, needs_setup }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_point_at_the_settings_not_at_sapcode_login() {
        let err = anyhow::Error::from(CredentialError::NoneFound);
        let Event::ConnectFailed { error, needs_setup } = connect_failed(&err) else {
            panic!("not a ConnectFailed");
        };
        assert!(needs_setup);
        assert_eq!(error.message, "no SAP AI Core credentials found");
        assert!(
            error.hint.starts_with("s opens the settings"),
            "{}",
            error.hint
        );
        assert!(!error.hint.contains("sapcode login"), "{}", error.hint);
        // Other failures keep the CLI's hint.
        let other = anyhow::anyhow!("boom");
        let Event::ConnectFailed { needs_setup, .. } = connect_failed(&other) else {
            panic!("not a ConnectFailed");
        };
        assert!(!needs_setup);
    }
}
