//! Token endpoint, bearer checks and resource groups.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::*;

#[tokio::test]
async fn token_is_a_jwt_with_exp_and_the_secret_is_not_recorded() {
    let sim = start().await;
    let response = client()
        .post(format!("{}/oauth/token", sim.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["scope"].is_string() && body["jti"].is_string());
    let token = body["access_token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 3600);
    assert_eq!(claims["client_id"], CLIENT_ID);

    let recorded = sim.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, "/oauth/token");
    assert_eq!(recorded[0].body["client_id"], CLIENT_ID);
    assert_eq!(recorded[0].body["grant_type"], "client_credentials");
    assert!(recorded[0].body.get("client_secret").is_none());
    assert!(!format!("{recorded:?}").contains("sim-secret"));
}

#[tokio::test]
async fn bad_secret_is_invalid_client_and_basic_auth_works() {
    let sim = start().await;
    let url = format!("{}/oauth/token", sim.base_url());
    let bad = client()
        .post(&url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_description"], "Bad credentials");

    // The raw secret holds `+ / = $`, so a form-decoding client must not have mangled it.
    let raw = client()
        .post(&url)
        .header(
            "Authorization",
            format!(
                "Basic {}",
                STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
            ),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    // RFC 6749 clients (the `oauth2` crate) form-encode id and secret inside Basic.
    let encoded = client()
        .post(&url)
        .basic_auth(CLIENT_ID, Some("sim-secret%24Zm9vYmFy%2B%2F%3D"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(encoded.status(), 200);
    let wrong = client()
        .post(&url)
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn expired_missing_and_unknown_tokens_get_401() {
    let sim = start_with(SimOptions {
        token_ttl: Duration::ZERO,
        ..SimOptions::default()
    })
    .await;
    let expired = token(&sim).await;
    let response = get(&sim, &expired, "/v2/lm/deployments", Some("default")).await;
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(response.text().await.unwrap(), "Jwt is expired");

    let unknown = get(&sim, "not-a-token", "/v2/lm/deployments", Some("default")).await;
    assert_eq!(unknown.status(), 401);
    let missing = client()
        .get(format!("{}/v2/lm/deployments", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
}

#[tokio::test]
async fn resource_groups_default_team_b_and_forbidden() {
    let sim = start().await;
    let token = token(&sim).await;
    let forbidden = get(&sim, &token, "/v2/lm/deployments", Some("other")).await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(forbidden.text().await.unwrap(), "RBAC: access denied");

    let team_b: Value = get(&sim, &token, "/v2/lm/deployments", Some("team-b"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = team_b["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "db00000000000001",
            "db00000000000002",
            "db00000000000003",
            "db00000000000004"
        ]
    );

    // No header means `default`, like the SDKs' default.
    let default: Value = get(&sim, &token, "/v2/lm/deployments", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(default["count"], 9);
    assert_eq!(sim.requests().last().unwrap().resource_group, None);

    // A default-group deployment is not reachable through team-b.
    let response = client()
        .post(format!(
            "{}/v2/inference/deployments/d41a000000000001/chat/completions?api-version=2024-10-21",
            sim.base_url()
        ))
        .bearer_auth(&token)
        .header("AI-Resource-Group", "team-b")
        .json(&serde_json::json!({ "messages": [user("hi")] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn service_key_points_at_the_server() {
    let sim = start().await;
    let key = sim.service_key();
    assert_eq!(key["clientid"], CLIENT_ID);
    assert_eq!(key["clientsecret"], CLIENT_SECRET);
    assert_eq!(key["url"], sim.base_url());
    assert_eq!(key["serviceurls"]["AI_API_URL"], sim.base_url());
    assert_eq!(key["credential-type"], "binding-secret");
    for field in ["identityzone", "identityzoneid", "appname"] {
        assert!(key[field].is_string(), "{field}");
    }
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    sim.shutdown().await;
}
