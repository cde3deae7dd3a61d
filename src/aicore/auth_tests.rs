//! The token endpoint as a hostile server plays it: an answer that never comes, an endless
//! body, an `expires_in` at `u64::MAX`.

use std::time::Duration;

use axum::body::Body;
use axum::http::Response;
use futures_util::stream;
use secrecy::SecretString;

use crate::aicore::{Client, ClientOptions, Error, ServiceKey, Timeouts};

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn client(base: &str) -> Client {
    let key = ServiceKey::from_parts("cid", SecretString::from("s3cr3t"), base, base).unwrap();
    let options = ClientOptions {
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            first_byte: Duration::from_secs(5),
            idle: Duration::from_secs(5),
        },
        ..ClientOptions::default()
    };
    Client::new(key, options).unwrap()
}

#[tokio::test]
async fn a_huge_expires_in_is_clamped_not_a_panic() {
    let base = serve(axum::Router::new().fallback(|| async {
        Response::builder()
            .header("content-type", "application/json")
            .body(Body::from(
                r#"{"access_token":"tok-1","token_type":"bearer","expires_in":18446744073709551615}"#,
            ))
            .unwrap()
    }))
    .await;
    let client = client(&base);
    client.fetch_token().await.unwrap();
    client.fetch_token().await.unwrap();
    assert_eq!(client.token_requests(), 1, "the token is cached");
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and holds every connection without a byte of answer.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let err = client(&base).fetch_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref what, .. } if what == super::WHAT),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_endless_token_body_is_cut_at_the_cap() {
    let base = serve(axum::Router::new().fallback(|| async {
        let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
        let endless = stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
        Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(endless))
            .unwrap()
    }))
    .await;
    let err = client(&base).fetch_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref detail, .. } if detail.contains("64 KiB")),
        "{err:?}"
    );
}

/// A token endpoint that echoes the form body (and the Authorization header) in its error.
async fn echoing(status: u16, as_json: bool) -> String {
    serve(axum::Router::new().fallback(
        move |headers: axum::http::HeaderMap, body: String| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let echo = format!("bad request {body} {auth}");
            let body = if as_json {
                serde_json::json!({"error": "invalid_request", "error_description": echo})
                    .to_string()
            } else {
                echo
            };
            Response::builder()
                .status(status)
                .body(Body::from(body))
                .unwrap()
        },
    ))
    .await
}

#[tokio::test]
async fn an_echoed_secret_never_reaches_the_error_text() {
    const SECRET: &str = "s3cr3t+/=$x";
    for (status, as_json) in [(400, true), (400, false), (500, true), (401, false)] {
        let base = echoing(status, as_json).await;
        let key =
            ServiceKey::from_parts("sb-id", SecretString::from(SECRET), &base, &base).unwrap();
        let options = ClientOptions {
            retry: crate::aicore::RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            },
            ..ClientOptions::default()
        };
        let err = Client::new(key, options)
            .unwrap()
            .fetch_token()
            .await
            .unwrap_err();
        let line = crate::report::line(&anyhow::Error::from(err));
        assert!(line.contains("bad request"), "{line}");
        for leaked in ["s3cr3t", "%2B%2F%3D%24x", "+/=$x"] {
            assert!(
                !line.contains(leaked),
                "{status} {as_json}: {leaked} in {line}"
            );
        }
    }
}
