//! The fixed data set: resource groups, the model catalog (§5) and deployments (§4.1), read
//! from `assets/sim/*.json` (embedded at build time) and shown in the API's JSON shapes.
//! Other tests and screenshots are written against exactly these values; keep them stable.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

/// Resource groups the simulated tenant has; any other gets 403.
pub(crate) const RESOURCE_GROUPS: [&str; 2] = ["default", "team-b"];

/// One catalog entry (`assets/sim/catalog.json`); `versions` lists `(name, is_latest,
/// deprecated)`.
#[derive(Deserialize)]
pub(crate) struct Model {
    pub(crate) name: &'static str,
    pub(crate) provider: &'static str,
    pub(crate) executable: &'static str,
    pub(crate) versions: Vec<(&'static str, bool, bool)>,
    pub(crate) context_length: u64,
    pub(crate) streaming: bool,
    pub(crate) capabilities: Vec<&'static str>,
    pub(crate) orchestration: bool,
    display_name: &'static str,
    cost: (&'static str, &'static str),
}

/// The model catalog, in the order `GET .../models` lists it.
pub(crate) static CATALOG: LazyLock<Vec<Model>> =
    LazyLock::new(|| parse_asset(include_str!("../../assets/sim/catalog.json")));

/// Embedded data is checked by this module's tests, so a parse failure is a build bug.
// The JSON is compiled into the binary and parsed by this module's tests: it cannot differ at run time.
#[allow(clippy::expect_used)]
fn parse_asset<T: Deserialize<'static>>(json: &'static str) -> T {
    serde_json::from_str(json).expect("embedded simulator data is valid JSON (unit-tested)")
}

/// The catalog entry named `name`.
pub(crate) fn model(name: &str) -> Option<&'static Model> {
    CATALOG.iter().find(|model| model.name == name)
}

impl Model {
    /// The version a request for `requested` (or `latest`) resolves to.
    pub(crate) fn resolve_version(&self, requested: &str) -> Option<&'static str> {
        self.versions
            .iter()
            .find(|(name, is_latest, _)| {
                *name == requested || (requested == "latest" && *is_latest)
            })
            .map(|(name, _, _)| *name)
    }

    /// The `model` value a provider reports for this model, e.g. `gpt-4o-2024-08-06`.
    pub(crate) fn reported_name(&self, version: &str) -> String {
        match self.executable {
            "azure-openai" => match self.resolve_version(version) {
                Some(resolved) if resolved.contains('-') => format!("{}-{resolved}", self.name),
                Some(_) | None => self.name.to_owned(),
            },
            _ => self.name.to_owned(),
        }
    }

    fn to_json(&self) -> Value {
        let mut scenarios =
            vec![json!({ "scenarioId": "foundation-models", "executableId": self.executable })];
        if self.orchestration {
            scenarios
                .push(json!({ "scenarioId": "orchestration", "executableId": "orchestration" }));
        }
        let input_types: &[&str] = if self.capabilities.contains(&"image-recognition") {
            &["text", "image"]
        } else {
            &["text"]
        };
        let versions: Vec<Value> = self
            .versions
            .iter()
            .map(|(name, is_latest, deprecated)| {
                json!({
                    "name": name,
                    "isLatest": is_latest,
                    "deprecated": deprecated,
                    "retirementDate": if *deprecated { "2026-03-31" } else { "" },
                    "contextLength": self.context_length,
                    "inputTypes": input_types,
                    "capabilities": self.capabilities,
                    "metadata": [ { "source": "sapcode-simulator" }, { "region": "local" } ],
                    "cost": [ { "inputCost": self.cost.0 }, { "outputCost": self.cost.1 } ],
                    "suggestedReplacements": if *deprecated { vec!["gpt-4.1-mini"] } else { vec![] },
                    "streamingSupported": self.streaming,
                    "orchestrationCapabilities": [],
                })
            })
            .collect();
        json!({
            "model": self.name,
            "executableId": self.executable,
            "description": format!("{} by {} (simulated)", self.display_name, self.provider),
            "displayName": self.display_name,
            "accessType": "Remote",
            "provider": self.provider,
            "allowedScenarios": scenarios,
            "versions": versions,
        })
    }
}

/// `GET /v2/lm/scenarios/foundation-models/models` body.
pub(crate) fn catalog_json() -> Value {
    let resources: Vec<Value> = CATALOG.iter().map(Model::to_json).collect();
    json!({ "count": resources.len(), "resources": resources })
}

/// Deployment `status` values used by the data set (§4.1 enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Status {
    Running,
    Pending,
    Stopped,
    Dead,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Pending => "PENDING",
            Status::Stopped => "STOPPED",
            Status::Dead => "DEAD",
        }
    }
}

/// One deployment (`assets/sim/deployments.json`). `model` is `None` for orchestration
/// deployments.
#[derive(Deserialize)]
pub(crate) struct Deployment {
    pub(crate) id: &'static str,
    pub(crate) resource_group: &'static str,
    /// `(name, version)` in `backend_details.model`.
    pub(crate) model: Option<(&'static str, &'static str)>,
    pub(crate) status: Status,
    target: &'static str,
    config_name: &'static str,
    /// Day of creation; times of day are derived so every field is fixed.
    day: &'static str,
}

pub(crate) static DEPLOYMENTS: LazyLock<Vec<Deployment>> =
    LazyLock::new(|| parse_asset(include_str!("../../assets/sim/deployments.json")));

impl Deployment {
    pub(crate) fn scenario(&self) -> &'static str {
        match self.model {
            Some(_) => "foundation-models",
            None => "orchestration",
        }
    }

    pub(crate) fn executable(&self) -> &'static str {
        match self.model {
            Some((name, _)) => model(name).map_or("azure-openai", |model| model.executable),
            None => "orchestration",
        }
    }

    fn configuration_id(&self) -> String {
        let id = self.id;
        format!(
            "{}-{}-4{}-8000-5a11c0def1ed",
            &id[..8],
            &id[8..12],
            &id[13..]
        )
    }

    /// The deployment as `GET /v2/lm/deployments` shows it (§4.1).
    pub(crate) fn to_json(&self, base_url: &str) -> Value {
        let backend = match self.model {
            Some((name, version)) => json!({ "model": { "name": name, "version": version } }),
            None => json!({}),
        };
        let day = self.day;
        let started = matches!(self.status, Status::Running | Status::Stopped);
        let ended = matches!(self.status, Status::Stopped | Status::Dead);
        let configuration_id = self.configuration_id();
        json!({
            "id": self.id,
            "deploymentUrl": format!("{base_url}/v2/inference/deployments/{}", self.id),
            "configurationId": configuration_id,
            "configurationName": self.config_name,
            "executableId": self.executable(),
            "scenarioId": self.scenario(),
            "status": self.status.as_str(),
            "statusMessage": match self.status {
                Status::Dead => Value::from("Deployment failed: model server did not become ready"),
                Status::Running | Status::Pending | Status::Stopped => Value::Null,
            },
            "targetStatus": self.target,
            "lastOperation": if self.status == Status::Stopped { "UPDATE" } else { "CREATE" },
            "latestRunningConfigurationId": if started { Value::from(configuration_id) } else { Value::Null },
            "ttl": null,
            "details": {
                "scaling": { "backendDetails": {}, "backend_details": {} },
                "resources": { "backendDetails": backend.clone(), "backend_details": backend },
            },
            "createdAt": format!("{day}T09:00:00Z"),
            "modifiedAt": if ended { format!("{day}T18:00:00Z") } else { format!("{day}T09:05:00Z") },
            "submissionTime": format!("{day}T09:00:10Z"),
            "startTime": if started { Value::from(format!("{day}T09:02:30Z")) } else { Value::Null },
            "completionTime": if ended { Value::from(format!("{day}T18:00:00Z")) } else { Value::Null },
        })
    }
}

/// The deployments of one resource group, in data-set order.
pub(crate) fn deployments_in(resource_group: &str) -> impl Iterator<Item = &'static Deployment> {
    DEPLOYMENTS
        .iter()
        .filter(move |deployment| deployment.resource_group == resource_group)
}

/// The deployment `id` in `resource_group`, whatever its status.
pub(crate) fn deployment(resource_group: &str, id: &str) -> Option<&'static Deployment> {
    deployments_in(resource_group).find(|deployment| deployment.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_parses_and_hangs_together() {
        assert_eq!(CATALOG.len(), 10);
        assert_eq!(DEPLOYMENTS.len(), 13);
        for deployment in DEPLOYMENTS.iter() {
            assert!(RESOURCE_GROUPS.contains(&deployment.resource_group));
            if let Some((name, version)) = deployment.model {
                let model = model(name).unwrap_or_else(|| panic!("{name} not in the catalog"));
                assert!(
                    version == "latest" || model.resolve_version(version).is_some(),
                    "{name} {version}"
                );
            }
        }
        for model in CATALOG.iter() {
            assert_eq!(
                model.versions.iter().filter(|v| v.1).count(),
                1,
                "{}",
                model.name
            );
        }
    }

    #[test]
    fn every_demo_model_has_a_list_price_sapcode_reads() {
        let models = crate::aicore::models::decode_catalog(&catalog_json()).unwrap();
        assert_eq!(models.len(), CATALOG.len());
        for entry in &models {
            assert!(entry.price.is_some(), "{} has no price", entry.name);
        }
        let sonnet = models
            .iter()
            .find(|m| m.name == "anthropic--claude-4.5-sonnet")
            .and_then(|m| m.price)
            .unwrap();
        assert_eq!((sonnet.input_per_1k, sonnet.output_per_1k), (0.003, 0.015));
        assert!((sonnet.cache_read_per_1k() - 0.0003).abs() < 1e-12);
        assert!((sonnet.cache_write_per_1k() - 0.00375).abs() < 1e-12);
    }
}

#[cfg(test)]
mod image_tests {
    /// Image input as the real models have it: one per dialect takes images, and the
    /// text-only ones (o3-mini, Mistral Large) answer 400 to one.
    #[test]
    fn sapcode_reads_which_demo_models_take_images() {
        let models = crate::aicore::models::decode_catalog(&super::catalog_json()).unwrap();
        let takes: Vec<&str> = models
            .iter()
            .filter(|m| m.takes_images())
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(
            takes,
            [
                "gpt-4o",
                "gpt-4.1",
                "anthropic--claude-4.5-sonnet",
                "gemini-2.5-pro"
            ]
        );
    }
}
