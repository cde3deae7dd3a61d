//! The kind decides; the words do not.

use std::time::Duration;

use super::*;

fn http(status: u16, detail: &str) -> Error {
    Error::Http {
        what: "chat request".into(),
        status,
        detail: detail.into(),
        retry_after: Some(Duration::from_secs(3)),
    }
}

fn network(detail: &str, cause: NetworkCause) -> Error {
    Error::Network {
        what: "token request".into(),
        host: "example.invalid".into(),
        detail: detail.into(),
        cause,
    }
}

/// One error of every kind, with the retry and exit class the contract gives it.
fn every_kind() -> Vec<(Error, ErrorKind, Retry, ExitClass)> {
    use ErrorKind as K;
    use ExitClass as X;
    use Retry as R;
    let text = |s: &str| s.to_string();
    vec![
        (
            Error::ServiceKey {
                field: text("url"),
                problem: text("is missing"),
            },
            K::ServiceKey,
            R::Never,
            X::Usage,
        ),
        (
            Error::InsecureUrl {
                what: text("url"),
                url: text("http://h"),
                carries_token: false,
            },
            K::InsecureUrl,
            R::Never,
            X::Usage,
        ),
        (
            Error::InsecureUrl {
                what: text("url"),
                url: text("http://h"),
                carries_token: true,
            },
            K::InsecureTokenUrl,
            R::Never,
            X::Usage,
        ),
        (Error::Config(text("bad")), K::Config, R::Never, X::Usage),
        (
            Error::AuthRejected {
                status: 401,
                detail: text("no"),
            },
            K::AuthRejected,
            R::Never,
            X::Auth,
        ),
        (
            Error::CertificateRejected { detail: text("no") },
            K::CertificateRejected,
            R::Never,
            X::Auth,
        ),
        (
            Error::ResourceGroup {
                resource_group: text("rg"),
                status: 403,
                detail: text("no"),
            },
            K::ResourceGroup,
            R::Never,
            X::Usage,
        ),
        (
            Error::NothingRunning {
                model: text("m"),
                mode: Mode::Foundation,
                other_mode_has_it: true,
            },
            K::NothingRunning {
                mode: Mode::Foundation,
                other_mode_has_it: true,
            },
            R::Never,
            X::NothingToTalkTo,
        ),
        (
            Error::UnknownModel { model: text("m") },
            K::UnknownModel,
            R::Never,
            X::NothingToTalkTo,
        ),
        (
            Error::NotInOrchestration {
                model: text("m"),
                foundation_running: false,
            },
            K::NotInOrchestration {
                foundation_running: false,
            },
            R::Never,
            X::NothingToTalkTo,
        ),
        (
            Error::UnknownDeployment { id: text("d") },
            K::UnknownDeployment,
            R::Never,
            X::NothingToTalkTo,
        ),
        (
            Error::DeploymentNotRunning {
                id: text("d"),
                status: text("STOPPED"),
            },
            K::DeploymentNotRunning,
            R::Never,
            X::NothingToTalkTo,
        ),
        (
            Error::UnsupportedExecutable {
                model: text("m"),
                executable: text("x"),
            },
            K::UnsupportedExecutable,
            R::Never,
            X::NothingToTalkTo,
        ),
        (http(401, "x"), K::TokenRefused, R::Never, X::Service),
        (http(403, "x"), K::Forbidden, R::Never, X::Service),
        (http(404, "x"), K::NotFound, R::Never, X::Service),
        (http(429, "x"), K::RateLimited, R::ServerWait, X::Service),
        (http(502, "x"), K::Unavailable, R::Backoff, X::Service),
        (http(503, "x"), K::Unavailable, R::Backoff, X::Service),
        (http(504, "x"), K::Unavailable, R::Backoff, X::Service),
        (http(500, "x"), K::ServerError, R::Never, X::Service),
        (http(400, "x"), K::Rejected, R::Never, X::Service),
        (
            Error::InStream { message: text("x") },
            K::InStream,
            R::Never,
            X::Service,
        ),
        (
            Error::StreamBroken { reason: text("x") },
            K::StreamBroken,
            R::Never,
            X::Service,
        ),
        (
            Error::TooLarge { what: text("x") },
            K::TooLarge,
            R::Never,
            X::Service,
        ),
        (
            Error::Timeout {
                what: text("x"),
                after: Duration::from_secs(1),
            },
            K::Timeout,
            R::Never,
            X::Service,
        ),
        (
            network("refused", NetworkCause::Unreachable),
            K::Unreachable,
            R::Backoff,
            X::Service,
        ),
        (
            network("bad CA", NetworkCause::UntrustedCertificate),
            K::UntrustedCertificate,
            R::Never,
            X::Service,
        ),
        (
            Error::Decode {
                what: text("x"),
                detail: text("y"),
            },
            K::Decode,
            R::Never,
            X::Service,
        ),
        (
            Error::ThrottledInStream {
                message: text("x"),
                retry_after: Some(Duration::from_secs(2)),
            },
            K::ThrottledInStream,
            R::ServerWait,
            X::Service,
        ),
        (
            Error::Conversation { problem: text("x") },
            K::Conversation,
            R::Never,
            X::Failure,
        ),
        (Error::Interrupted, K::Interrupted, R::Never, X::Interrupted),
    ]
}

#[test]
fn each_kind_has_its_retry_and_exit_class() {
    for (err, kind, retry, class) in every_kind() {
        assert_eq!(err.kind(), kind, "{err:?}");
        assert_eq!(err.retry(), retry, "{err:?}");
        assert_eq!(err.exit_class(), class, "{err:?}");
        // Every kind but an interruption tells the user what to do next.
        assert_eq!(
            err.hint().is_empty(),
            kind == ErrorKind::Interrupted,
            "{err:?}"
        );
    }
}

#[test]
fn rewording_a_message_changes_nothing_that_is_decided() {
    // The old prefixes the decisions were once read from, and their absence: the words of
    // `what`, `detail` and `reason` are free; only the typed fields decide.
    let wordings = [
        "",
        "TLS certificate not trusted: x",
        "token request",
        "a URL the token would be sent to",
        "Content filtered",
        "rate limited",
    ];
    for (original, kind, retry, class) in every_kind() {
        for words in wordings {
            let reworded = reword(&original, words);
            assert_eq!(reworded.kind(), kind, "{reworded:?}");
            assert_eq!(reworded.retry(), retry, "{reworded:?}");
            assert_eq!(reworded.exit_class(), class, "{reworded:?}");
            assert_eq!(reworded.hint(), original.hint(), "{reworded:?}");
        }
    }
}

/// The same error with every free-text field replaced by `words`.
fn reword(err: &Error, words: &str) -> Error {
    let w = || words.to_string();
    match err {
        Error::Http {
            status,
            retry_after,
            ..
        } => Error::Http {
            what: w(),
            status: *status,
            detail: w(),
            retry_after: *retry_after,
        },
        Error::Network { cause, host, .. } => Error::Network {
            what: w(),
            host: host.clone(),
            detail: w(),
            cause: *cause,
        },
        Error::InsecureUrl {
            url, carries_token, ..
        } => Error::InsecureUrl {
            what: w(),
            url: url.clone(),
            carries_token: *carries_token,
        },
        Error::InStream { .. } => Error::InStream { message: w() },
        Error::StreamBroken { .. } => Error::StreamBroken { reason: w() },
        Error::Decode { .. } => Error::Decode {
            what: w(),
            detail: w(),
        },
        Error::AuthRejected { status, .. } => Error::AuthRejected {
            status: *status,
            detail: w(),
        },
        Error::CertificateRejected { .. } => Error::CertificateRejected { detail: w() },
        Error::Config(_) => Error::Config(w()),
        Error::ResourceGroup {
            resource_group,
            status,
            ..
        } => Error::ResourceGroup {
            resource_group: resource_group.clone(),
            status: *status,
            detail: w(),
        },
        Error::Timeout { after, .. } => Error::Timeout {
            what: w(),
            after: *after,
        },
        Error::TooLarge { .. } => Error::TooLarge { what: w() },
        Error::ServiceKey { field, .. } => Error::ServiceKey {
            field: field.clone(),
            problem: w(),
        },
        Error::DeploymentNotRunning { id, .. } => Error::DeploymentNotRunning {
            id: id.clone(),
            status: w(),
        },
        Error::UnsupportedExecutable { model, .. } => Error::UnsupportedExecutable {
            model: model.clone(),
            executable: w(),
        },
        Error::NothingRunning {
            model,
            mode,
            other_mode_has_it,
        } => Error::NothingRunning {
            model: model.clone(),
            mode: *mode,
            other_mode_has_it: *other_mode_has_it,
        },
        Error::UnknownModel { model } => Error::UnknownModel {
            model: model.clone(),
        },
        Error::NotInOrchestration {
            model,
            foundation_running,
        } => Error::NotInOrchestration {
            model: model.clone(),
            foundation_running: *foundation_running,
        },
        Error::UnknownDeployment { id } => Error::UnknownDeployment { id: id.clone() },
        Error::Conversation { .. } => Error::Conversation { problem: w() },
        Error::ThrottledInStream { retry_after, .. } => Error::ThrottledInStream {
            message: w(),
            retry_after: *retry_after,
        },
        Error::Interrupted => Error::Interrupted,
    }
}

#[test]
fn only_throttling_honours_the_server_wait() {
    assert_eq!(http(429, "x").server_wait(), Some(Duration::from_secs(3)));
    assert_eq!(http(503, "x").server_wait(), None);
    assert_eq!(http(400, "x").server_wait(), None);
}

#[test]
fn the_resource_group_hint_names_it() {
    let err = Error::ResourceGroup {
        resource_group: "team-a".into(),
        status: 403,
        detail: "RBAC: access denied".into(),
    };
    assert!(
        err.hint()
            .starts_with("resource group 'team-a' does not exist"),
        "{}",
        err.hint()
    );
}
