//! The fixed data set: resource groups, the model catalog (§5) and deployments (§4.1).
//! Other tests and screenshots are written against exactly these values; keep them stable.

use serde_json::{Value, json};

/// Resource groups the simulated tenant has; any other gets 403.
pub(crate) const RESOURCE_GROUPS: [&str; 2] = ["default", "team-b"];

/// One catalog entry; `versions` lists `(name, is_latest, deprecated)`.
pub(crate) struct Model {
    pub(crate) name: &'static str,
    pub(crate) provider: &'static str,
    pub(crate) executable: &'static str,
    pub(crate) versions: &'static [(&'static str, bool, bool)],
    pub(crate) context_length: u64,
    pub(crate) streaming: bool,
    pub(crate) capabilities: &'static [&'static str],
    pub(crate) orchestration: bool,
    display_name: &'static str,
    cost: (&'static str, &'static str),
}

const TEXT: &[&str] = &["text-generation"];

pub(crate) const CATALOG: &[Model] = &[
    Model {
        name: "gpt-4o",
        provider: "OpenAI",
        executable: "azure-openai",
        versions: &[("2024-05-13", false, false), ("2024-08-06", true, false)],
        context_length: 128_000,
        streaming: true,
        capabilities: &["text-generation", "image-recognition"],
        orchestration: true,
        display_name: "GPT-4o",
        cost: ("0.0025", "0.01"),
    },
    Model {
        name: "gpt-4.1",
        provider: "OpenAI",
        executable: "azure-openai",
        versions: &[("2025-04-14", true, false)],
        context_length: 1_047_576,
        streaming: true,
        capabilities: TEXT,
        orchestration: true,
        display_name: "GPT-4.1",
        cost: ("0.002", "0.008"),
    },
    Model {
        name: "gpt-4.1-mini",
        provider: "OpenAI",
        executable: "azure-openai",
        versions: &[("2025-04-14", true, false)],
        context_length: 1_047_576,
        streaming: true,
        capabilities: TEXT,
        orchestration: true,
        display_name: "GPT-4.1 mini",
        cost: ("0.0004", "0.0016"),
    },
    Model {
        name: "o3-mini",
        provider: "OpenAI",
        executable: "azure-openai",
        versions: &[("2025-01-31", true, false)],
        context_length: 200_000,
        streaming: true,
        capabilities: TEXT,
        orchestration: true,
        display_name: "o3-mini",
        cost: ("0.0011", "0.0044"),
    },
    Model {
        name: "anthropic--claude-4.5-sonnet",
        provider: "Anthropic",
        executable: "aws-bedrock",
        versions: &[("1", true, false)],
        context_length: 200_000,
        streaming: true,
        capabilities: TEXT,
        orchestration: true,
        display_name: "Claude 4.5 Sonnet",
        cost: ("0.003", "0.015"),
    },
    Model {
        name: "gemini-2.5-pro",
        provider: "Google",
        executable: "gcp-vertexai",
        versions: &[("001", true, false)],
        context_length: 1_048_576,
        streaming: true,
        capabilities: TEXT,
        orchestration: true,
        display_name: "Gemini 2.5 Pro",
        cost: ("0.00125", "0.01"),
    },
    Model {
        name: "mistralai--mistral-large-instruct",
        provider: "Mistral AI",
        executable: "aicore-mistralai",
        versions: &[("2407", true, false)],
        context_length: 128_000,
        streaming: true,
        capabilities: TEXT,
        orchestration: true,
        display_name: "Mistral Large Instruct",
        cost: ("0.002", "0.006"),
    },
    Model {
        name: "text-embedding-3-small",
        provider: "OpenAI",
        executable: "azure-openai",
        versions: &[("1", true, false)],
        context_length: 8191,
        streaming: false,
        capabilities: &["embedding"],
        orchestration: false,
        display_name: "Text Embedding 3 Small",
        cost: ("0.00002", "0"),
    },
    Model {
        name: "gpt-35-turbo-16k",
        provider: "OpenAI",
        executable: "azure-openai",
        versions: &[("0613", true, true)],
        context_length: 16385,
        streaming: true,
        capabilities: TEXT,
        orchestration: false,
        display_name: "GPT-3.5 Turbo 16k",
        cost: ("0.003", "0.004"),
    },
    Model {
        name: "sonar",
        provider: "Perplexity",
        executable: "perplexity-ai",
        versions: &[("1", true, false)],
        context_length: 127_072,
        streaming: false,
        capabilities: TEXT,
        orchestration: false,
        display_name: "Sonar",
        cost: ("0.001", "0.001"),
    },
];

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// One deployment. `model` is `None` for orchestration deployments.
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

const fn foundation(
    id: &'static str,
    model: (&'static str, &'static str),
    status: Status,
    target: &'static str,
    config_name: &'static str,
    day: &'static str,
) -> Deployment {
    Deployment {
        id,
        resource_group: "default",
        model: Some(model),
        status,
        target,
        config_name,
        day,
    }
}

pub(crate) const DEPLOYMENTS: &[Deployment] = &[
    foundation(
        "d7f3a9c2b1e04d11",
        ("gpt-4o", "2024-08-06"),
        Status::Running,
        "RUNNING",
        "gpt-4o-config",
        "2025-03-03",
    ),
    foundation(
        "de91b0a11c2d3e4f",
        ("gpt-4o", "latest"),
        Status::Running,
        "RUNNING",
        "gpt-4o-latest",
        "2025-03-04",
    ),
    foundation(
        "d0c4f1d2e3a4b5c6",
        ("gpt-4o", "2024-05-13"),
        Status::Pending,
        "RUNNING",
        "gpt-4o-pinned",
        "2025-09-30",
    ),
    foundation(
        "d41a000000000001",
        ("gpt-4.1", "latest"),
        Status::Running,
        "RUNNING",
        "gpt-4.1-config",
        "2025-05-02",
    ),
    foundation(
        "d03000000000000a",
        ("o3-mini", "latest"),
        Status::Running,
        "RUNNING",
        "o3-mini-config",
        "2025-02-10",
    ),
    foundation(
        "d41b000000000002",
        ("gpt-4.1-mini", "latest"),
        Status::Stopped,
        "STOPPED",
        "gpt-4.1-mini-config",
        "2025-05-05",
    ),
    foundation(
        "d15a000000000003",
        ("mistralai--mistral-large-instruct", "latest"),
        Status::Running,
        "RUNNING",
        "mistral-large",
        "2025-04-01",
    ),
    foundation(
        "d15a000000000004",
        ("mistralai--mistral-large-instruct", "2407"),
        Status::Dead,
        "RUNNING",
        "mistral-large-pinned",
        "2025-04-02",
    ),
    Deployment {
        id: "dabc000000000005",
        resource_group: "default",
        model: None,
        status: Status::Running,
        target: "RUNNING",
        config_name: "defaultOrchestrationConfig",
        day: "2025-01-15",
    },
    Deployment {
        id: "db00000000000001",
        resource_group: "team-b",
        model: None,
        status: Status::Running,
        target: "RUNNING",
        config_name: "orchestration-config",
        day: "2025-06-01",
    },
    Deployment {
        id: "db00000000000002",
        resource_group: "team-b",
        model: Some(("gpt-4.1", "latest")),
        status: Status::Running,
        target: "RUNNING",
        config_name: "gpt-4.1-team-b",
        day: "2025-06-02",
    },
    Deployment {
        id: "db00000000000003",
        resource_group: "team-b",
        model: Some(("anthropic--claude-4.5-sonnet", "1")),
        status: Status::Running,
        target: "RUNNING",
        config_name: "claude-4.5-sonnet-team-b",
        day: "2025-10-01",
    },
    Deployment {
        id: "db00000000000004",
        resource_group: "team-b",
        model: Some(("gemini-2.5-pro", "001")),
        status: Status::Running,
        target: "RUNNING",
        config_name: "gemini-2.5-pro-team-b",
        day: "2025-10-02",
    },
];

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
