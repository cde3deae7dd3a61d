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
