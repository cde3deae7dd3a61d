//! Deployments (`/v2/lm/deployments`): decoded leniently, RUNNING judged by `status`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Scenario of per-model deployments (API reference §4.1).
pub const FOUNDATION_SCENARIO: &str = "foundation-models";
pub const ORCHESTRATION_SCENARIO: &str = "orchestration";

/// One deployment as sapcode uses it, flattened from the wire shape (API reference §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub scenario_id: String,
    pub executable_id: Option<String>,
    pub configuration_name: Option<String>,
    /// From `details.resources.backend_details.model` (or `backendDetails`).
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    pub status: String,
    pub target_status: Option<String>,
    pub url: Option<String>,
    pub created_at: Option<String>,
    pub modified_at: Option<String>,
    pub start_time: Option<String>,
}

impl Deployment {
    /// `deploymentUrl`, or the equivalent built from the API base when it is empty (§3).
    pub fn inference_base(&self, api_base: &str) -> String {
        match self.url.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("{api_base}/inference/deployments/{}", self.id),
        }
    }

    /// RUNNING means `status`, never `targetStatus` (a PENDING deployment targets RUNNING).
    pub fn is_running(&self) -> bool {
        self.status == "RUNNING"
    }

    pub fn is_orchestration(&self) -> bool {
        self.scenario_id == ORCHESTRATION_SCENARIO
    }

    pub fn is_foundation(&self) -> bool {
        self.scenario_id == FOUNDATION_SCENARIO
    }

    /// Serves `model` (names compare case-insensitively, as Cline/Kilo do, §4.2).
    pub fn serves(&self, model: &str) -> bool {
        self.model_name
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(model))
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decodes one `AiDeployment`; `None` without an `id`. Nulls, missing fields and unknown
/// status words are kept as they come.
fn decode_one(v: &Value) -> Option<Deployment> {
    let id = text(v, "id")?;
    let resources = v.get("details").and_then(|d| d.get("resources"));
    // API reference §4.1: real responses carry both spellings; the spec names only one.
    let model = resources.and_then(|r| {
        ["backend_details", "backendDetails"]
            .iter()
            .filter_map(|k| r.get(*k)?.get("model"))
            .find(|m| m.is_object())
    });
    Some(Deployment {
        id,
        scenario_id: text(v, "scenarioId").unwrap_or_default(),
        executable_id: text(v, "executableId"),
        configuration_name: text(v, "configurationName"),
        model_name: model.and_then(|m| text(m, "name")),
        model_version: model.and_then(|m| text(m, "version")),
        status: text(v, "status").unwrap_or_else(|| "UNKNOWN".into()),
        target_status: text(v, "targetStatus"),
        url: text(v, "deploymentUrl"),
        created_at: text(v, "createdAt"),
        modified_at: text(v, "modifiedAt"),
        start_time: text(v, "startTime"),
    })
}

/// Decodes an `AiDeploymentList`; `None` if the body has no `resources` array.
pub fn decode_list(body: &Value) -> Option<Vec<Deployment>> {
    let items = body.get("resources")?.as_array()?;
    let mut list: Vec<Deployment> = items.iter().filter_map(decode_one).collect();
    sort(&mut list);
    Some(list)
}

/// Stable order: model name, RUNNING first, then id.
pub fn sort(list: &mut [Deployment]) {
    list.sort_by(|a, b| {
        let name = |d: &Deployment| d.model_name.clone().unwrap_or_default().to_lowercase();
        name(a)
            .cmp(&name(b))
            .then(b.is_running().cmp(&a.is_running()))
            .then(a.id.cmp(&b.id))
    });
}

/// (running, total) foundation-models deployments per lower-cased model name.
pub fn counts_per_model(list: &[Deployment]) -> HashMap<String, (usize, usize)> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for d in list.iter().filter(|d| d.is_foundation()) {
        let Some(name) = &d.model_name else { continue };
        let entry = counts.entry(name.to_lowercase()).or_default();
        entry.1 += 1;
        if d.is_running() {
            entry.0 += 1;
        }
    }
    counts
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A mixed list: RUNNING and PENDING foundation deployments, one orchestration deployment.
    pub(crate) fn sample() -> Value {
        serde_json::json!({
            "count": 5,
            "resources": [
                {"id": "d3", "scenarioId": "foundation-models", "executableId": "azure-openai",
                 "status": "PENDING", "targetStatus": "RUNNING", "deploymentUrl": "",
                 "details": {"resources": {"backendDetails": {"model": {"name": "gpt-4o", "version": "latest"}}}},
                 "createdAt": "2025-01-01T00:00:00Z", "modifiedAt": "2025-01-01T00:00:00Z"},
                {"id": "d2", "scenarioId": "foundation-models", "executableId": "azure-openai",
                 "status": "RUNNING", "targetStatus": "RUNNING", "statusMessage": null, "ttl": null,
                 "deploymentUrl": "https://api.example/v2/inference/deployments/d2",
                 "details": {"resources": {"backend_details": {"model": {"name": "gpt-4o", "version": "2024-08-06"}},
                                            "backendDetails": {"model": {"name": "gpt-4o", "version": "2024-08-06"}}}},
                 "createdAt": "2025-01-01T00:00:00Z", "modifiedAt": "2025-01-01T00:00:00Z", "completionTime": null},
                {"id": "d1", "scenarioId": "foundation-models", "executableId": "aws-bedrock",
                 "status": "STOPPED", "targetStatus": "STOPPED",
                 "details": {"resources": {"backend_details": {"model": {"name": "anthropic--claude-4.5-sonnet", "version": "1"}}}}},
                {"id": "d9", "scenarioId": "orchestration", "executableId": "orchestration",
                 "configurationName": "defaultOrchestrationConfig", "status": "RUNNING",
                 "startTime": "2024-08-05T16:17:29Z",
                 "deploymentUrl": "https://api.example/v2/inference/deployments/d9",
                 "details": {"resources": {"backendDetails": {}, "backend_details": {}}}},
                {"id": "d5", "scenarioId": "foundation-models", "executableId": null,
                 "status": "BRAND_NEW_STATE", "details": null},
                {"no_id": true}
            ]
        })
    }

    #[test]
    fn lenient_decode_and_order() {
        let list = decode_list(&sample()).unwrap();
        let ids: Vec<&str> = list.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            ["d9", "d5", "d1", "d2", "d3"],
            "no model name: RUNNING first"
        );
        let d2 = list.iter().find(|d| d.id == "d2").unwrap();
        assert_eq!(d2.model_name.as_deref(), Some("gpt-4o"));
        assert_eq!(d2.model_version.as_deref(), Some("2024-08-06"));
        let d3 = list.iter().find(|d| d.id == "d3").unwrap();
        assert_eq!(d3.model_version.as_deref(), Some("latest"));
        assert_eq!(d3.url, None, "empty deploymentUrl is no URL");
        let d5 = list.iter().find(|d| d.id == "d5").unwrap();
        assert_eq!(d5.status, "BRAND_NEW_STATE");
        assert!(!d5.is_running());
        assert!(decode_list(&serde_json::json!({"count": 0})).is_none());
    }

    #[test]
    fn running_by_status_not_target() {
        let list = decode_list(&sample()).unwrap();
        let d3 = list.iter().find(|d| d.id == "d3").unwrap();
        assert!(
            !d3.is_running(),
            "PENDING with targetStatus RUNNING is not running"
        );
    }

    #[test]
    fn counts_only_foundation() {
        let counts = counts_per_model(&decode_list(&sample()).unwrap());
        assert_eq!(counts.get("gpt-4o"), Some(&(1, 2)));
        assert_eq!(counts.get("anthropic--claude-4.5-sonnet"), Some(&(0, 1)));
        assert_eq!(counts.len(), 2);
    }
}
