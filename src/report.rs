//! Error classification both faces share: any error's exit-code class and hint, the CLI's
//! one stderr line, and the usage error kind for bad command-line input.

use crate::agent::AttachmentError;
use crate::aicore::error::ExitClass;
use crate::config::ConfigError;
use crate::credentials::CredentialError;
use crate::secrets::SecretError;

/// An error whose class and hint were decided where it happened (e.g. by `doctor`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Reported {
    pub class: ExitClass,
    pub message: String,
    pub hint: Option<String>,
}

/// The command line asked for something that cannot be done (an empty prompt, a `--file` that
/// cannot be read): exit 2, and a hint about the command line, not the config file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub hint: String,
}

impl UsageError {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// The exit class and hint of the first cause in the chain that knows them.
pub fn classify(err: &anyhow::Error) -> (ExitClass, Option<String>) {
    for cause in err.chain() {
        if let Some(reported) = cause.downcast_ref::<Reported>() {
            return (reported.class, reported.hint.clone());
        }
        if let Some(err) = cause.downcast_ref::<UsageError>() {
            return (ExitClass::Usage, Some(err.hint.clone()));
        }
        if let Some(err) = cause.downcast_ref::<crate::aicore::Error>() {
            let hint = err.hint();
            return (err.exit_class(), (!hint.is_empty()).then_some(hint));
        }
        if let Some(err) = cause.downcast_ref::<CredentialError>() {
            let class = match err {
                CredentialError::Keyring(_) => ExitClass::Failure,
                CredentialError::Key(inner) => inner.exit_class(),
                CredentialError::NoneFound
                | CredentialError::IncompleteVariables { .. }
                | CredentialError::UnknownProfile { .. }
                | CredentialError::IncompleteProfile { .. }
                | CredentialError::NoSecret { .. } => ExitClass::Usage,
            };
            return (class, Some(err.hint()));
        }
        if let Some(err) = cause.downcast_ref::<SecretError>() {
            return (ExitClass::Failure, Some(err.hint().into()));
        }
        if cause.downcast_ref::<ConfigError>().is_some() {
            return (
                ExitClass::Usage,
                Some(
                    "fix the file (config.example.toml documents every key) or pass --config"
                        .into(),
                ),
            );
        }
        if cause.downcast_ref::<AttachmentError>().is_some() {
            return (ExitClass::Usage, None);
        }
    }
    (ExitClass::Failure, None)
}

/// The one line printed on stderr: what failed (with its causes), then what to do.
pub fn line(err: &anyhow::Error) -> String {
    let (_, hint) = classify(err);
    let message = format!("{err:#}");
    match hint {
        Some(hint) => format!("sapcode: {message} — {hint}"),
        None => format!("sapcode: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_keep_their_class_through_context() {
        let err = anyhow::Error::from(crate::aicore::Error::AuthRejected {
            status: 401,
            detail: "invalid_client".into(),
        });
        let (class, hint) = classify(&err);
        assert_eq!(class, ExitClass::Auth);
        assert!(hint.unwrap().contains("clientsecret"));
    }

    #[test]
    fn unknown_errors_exit_one_without_hint() {
        let err = anyhow::anyhow!("disk on fire");
        assert_eq!(classify(&err), (ExitClass::Failure, None));
        assert_eq!(line(&err), "sapcode: disk on fire");
    }

    #[test]
    fn usage_errors_exit_two_with_their_own_hint() {
        let err = anyhow::Error::from(UsageError::new("the prompt is empty", "type a question"));
        assert_eq!(
            classify(&err),
            (ExitClass::Usage, Some("type a question".into()))
        );
        assert_eq!(line(&err), "sapcode: the prompt is empty — type a question");
    }
}
