//! `/v2/lm/deployments` filters and fields, and the model catalog.

use serde_json::Value;

use super::*;

async fn ids(sim: &SimServer, token: &str, query: &str) -> (u64, Vec<String>) {
    let response = get(
        sim,
        token,
        &format!("/v2/lm/deployments{query}"),
        Some("default"),
    )
    .await;
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    let ids = body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    (body["count"].as_u64().unwrap(), ids)
}

#[tokio::test]
async fn deployment_filters() {
    let sim = start().await;
    let token = token(&sim).await;
    let (count, all) = ids(&sim, &token, "").await;
    assert_eq!(count, 9);
    assert_eq!(
        all,
        [
            "d7f3a9c2b1e04d11",
            "de91b0a11c2d3e4f",
            "d0c4f1d2e3a4b5c6",
            "d41a000000000001",
            "d03000000000000a",
            "d41b000000000002",
            "d15a000000000003",
            "d15a000000000004",
            "dabc000000000005"
        ]
    );
    let (_, running) = ids(&sim, &token, "?status=RUNNING").await;
    assert_eq!(
        running,
        [
            "d7f3a9c2b1e04d11",
            "de91b0a11c2d3e4f",
            "d41a000000000001",
            "d03000000000000a",
            "d15a000000000003",
            "dabc000000000005"
        ]
    );
    let (_, orchestration) = ids(&sim, &token, "?scenarioId=orchestration&status=RUNNING").await;
    assert_eq!(orchestration, ["dabc000000000005"]);
    let (_, mistral) = ids(
        &sim,
        &token,
        "?scenarioId=foundation-models&executableIds=aicore-mistralai%2Corchestration",
    )
    .await;
    assert_eq!(mistral, ["d15a000000000003", "d15a000000000004"]);
    let (_, two) = ids(
        &sim,
        &token,
        "?executableIds=aicore-mistralai,orchestration",
    )
    .await;
    assert_eq!(
        two,
        ["d15a000000000003", "d15a000000000004", "dabc000000000005"]
    );
    let (count, page) = ids(&sim, &token, "?$top=2&$skip=1").await;
    assert_eq!(
        (count, page.as_slice()),
        (
            9,
            ["de91b0a11c2d3e4f", "d0c4f1d2e3a4b5c6"]
                .map(String::from)
                .as_slice()
        )
    );
    let (_, stopped) = ids(&sim, &token, "?status=STOPPED").await;
    assert_eq!(stopped, ["d41b000000000002"]);
    let bad = get(
        &sim,
        &token,
        "/v2/lm/deployments?$top=many",
        Some("default"),
    )
    .await;
    assert_eq!(bad.status(), 400);
    let counted = get(
        &sim,
        &token,
        "/v2/lm/deployments/$count?status=RUNNING",
        Some("default"),
    )
    .await;
    assert_eq!(counted.text().await.unwrap(), "6");
}

#[tokio::test]
async fn deployment_fields() {
    let sim = start().await;
    let token = token(&sim).await;
    let body: Value = get(&sim, &token, "/v2/lm/deployments", Some("default"))
        .await
        .json()
        .await
        .unwrap();
    let first = &body["resources"][0];
    assert_eq!(
        first["deploymentUrl"],
        format!(
            "{}/v2/inference/deployments/d7f3a9c2b1e04d11",
            sim.base_url()
        )
    );
    assert_eq!(
        first["details"]["resources"]["backendDetails"]["model"]["name"],
        "gpt-4o"
    );
    assert_eq!(
        first["details"]["resources"]["backendDetails"],
        first["details"]["resources"]["backend_details"]
    );
    assert_eq!(
        first["details"]["scaling"]["backend_details"],
        serde_json::json!({})
    );
    for field in [
        "configurationId",
        "configurationName",
        "createdAt",
        "modifiedAt",
        "submissionTime",
        "startTime",
    ] {
        assert!(first[field].is_string(), "{field}");
    }
    assert!(first["ttl"].is_null() && first.get("ttl").is_some());
    assert_eq!(first["scenarioId"], "foundation-models");
    assert_eq!(first["executableId"], "azure-openai");
    let pending = &body["resources"][2];
    assert_eq!(
        (pending["status"].as_str(), pending["targetStatus"].as_str()),
        (Some("PENDING"), Some("RUNNING"))
    );
    assert!(pending["startTime"].is_null());
    let orchestration = &body["resources"][8];
    assert_eq!(
        orchestration["configurationName"],
        "defaultOrchestrationConfig"
    );
    assert_eq!(orchestration["executableId"], "orchestration");
    assert_eq!(
        orchestration["details"]["resources"]["backend_details"],
        serde_json::json!({})
    );

    let single: Value = get(
        &sim,
        &token,
        "/v2/lm/deployments/d15a000000000004",
        Some("default"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(single["status"], "DEAD");
    let missing = get(
        &sim,
        &token,
        "/v2/lm/deployments/dfff000000000000",
        Some("default"),
    )
    .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn catalog_shape() {
    let sim = start().await;
    let token = token(&sim).await;
    let body: Value = get(
        &sim,
        &token,
        "/v2/lm/scenarios/foundation-models/models",
        Some("default"),
    )
    .await
    .json()
    .await
    .unwrap();
    let models = body["resources"].as_array().unwrap();
    assert_eq!(body["count"], 10);
    let names: Vec<&str> = models
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "gpt-4o",
            "gpt-4.1",
            "gpt-4.1-mini",
            "o3-mini",
            "anthropic--claude-4.5-sonnet",
            "gemini-2.5-pro",
            "mistralai--mistral-large-instruct",
            "text-embedding-3-small",
            "gpt-35-turbo-16k",
            "sonar"
        ]
    );
    for model in models {
        let versions = model["versions"].as_array().unwrap();
        assert_eq!(
            versions.iter().filter(|v| v["isLatest"] == true).count(),
            1,
            "{}",
            model["model"]
        );
        for version in versions {
            assert!(version["retirementDate"].is_string());
            for list in ["cost", "metadata"] {
                for entry in version[list].as_array().unwrap() {
                    assert_eq!(
                        entry.as_object().unwrap().len(),
                        1,
                        "{list} entries have one key"
                    );
                }
            }
            assert!(version["cost"][0]["inputCost"].is_string());
        }
        for key in [
            "executableId",
            "description",
            "displayName",
            "accessType",
            "provider",
            "allowedScenarios",
        ] {
            assert!(!model[key].is_null(), "{key}");
        }
    }
    assert_eq!(models[0]["versions"].as_array().unwrap().len(), 2);
    assert_eq!(models[0]["versions"][1]["name"], "2024-08-06");
    assert_eq!(models[0]["versions"][0]["retirementDate"], "");
    let orchestration_allowed: Vec<&str> = models
        .iter()
        .filter(|m| {
            m["allowedScenarios"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["scenarioId"] == "orchestration")
        })
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(orchestration_allowed.len(), 7);
    // Kilo's filter: latest version streams, generates text, has >= 32k context.
    let passing = models
        .iter()
        .filter(|m| {
            let latest = m["versions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["isLatest"] == true)
                .unwrap();
            latest["streamingSupported"] == true
                && latest["capabilities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == "text-generation")
                && latest["contextLength"].as_u64().unwrap() >= 32_000
        })
        .count();
    assert_eq!(passing, 7);
}
