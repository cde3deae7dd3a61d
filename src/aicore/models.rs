//! The model catalog (`/v2/lm/scenarios/foundation-models/models`) and the default filter.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::deployments::{self, Deployment};
use super::pricing::Price;

/// The default filter's minimum context length (Kilo Code's rule, API reference §5).
pub const MIN_CONTEXT: u64 = 32_000;

/// A catalog model joined with the deployments that serve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelEntry {
    pub name: String,
    pub provider: Option<String>,
    /// The latest version's name.
    pub version: Option<String>,
    pub context_length: Option<u64>,
    /// The catalog's foundation-models executable (e.g. `azure-openai`).
    pub executable_id: String,
    /// The catalog allows it in scenario `orchestration`.
    pub orchestration: bool,
    pub streaming: bool,
    pub text_generation: bool,
    /// Streaming, text generation and context ≥ 32,000 on the latest version.
    pub passes_filter: bool,
    pub running_deployments: usize,
    pub total_deployments: usize,
    /// The latest version's lifecycle; absent from caches written before it was read.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// The latest version's list price (`cost[]`), when the catalog gives one.
    #[serde(default)]
    pub price: Option<Price>,
    /// The latest version's `inputTypes` (`text`, `image`, `audio`); only a model listing
    /// `image` is sent images.
    #[serde(default)]
    pub input_types: Vec<String>,
}

impl ModelEntry {
    /// Whether the catalog says the model takes images.
    pub fn takes_images(&self) -> bool {
        self.input_types.iter().any(|t| t == "image")
    }
}

/// Whether the catalog retires a model version, when, and what it suggests instead (§5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub deprecated: bool,
    /// ISO date; `None` when the catalog gives none (it sends `""`).
    pub retirement_date: Option<String>,
    pub suggested_replacements: Vec<String>,
}

/// Models that reason before they answer by default: their hidden reasoning counts against
/// `max_tokens`, so a small cap leaves no room for the answer (gpt-5 and the o-series,
/// Gemini 2.5 and later).
pub fn reasons_by_default(model: &str) -> bool {
    let m = model.to_ascii_lowercase();
    ["o1", "o3", "o4", "gpt-5", "gemini-2.5", "gemini-3"]
        .iter()
        .any(|prefix| m.starts_with(prefix))
}

/// The default filter, as a pure rule over the latest version's facts.
pub fn filter_passes(streaming: bool, text_generation: bool, context_length: Option<u64>) -> bool {
    streaming && text_generation && context_length.is_some_and(|c| c >= MIN_CONTEXT)
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn scenario_executable(model: &Value, scenario: &str) -> Option<String> {
    model
        .get("allowedScenarios")?
        .as_array()?
        .iter()
        .find(|s| s.get("scenarioId").and_then(Value::as_str) == Some(scenario))
        .and_then(|s| string(s, "executableId"))
}

/// Decodes one `AiModelBaseData`; `None` without a name. Counts start at zero.
fn decode_one(model: &Value) -> Option<ModelEntry> {
    let name = string(model, "model")?;
    let latest = model
        .get("versions")
        .and_then(Value::as_array)
        .and_then(|vs| {
            vs.iter()
                .find(|v| v.get("isLatest").and_then(Value::as_bool) == Some(true))
        });
    let streaming = latest
        .and_then(|v| v.get("streamingSupported"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let text_generation = latest.is_some_and(|v| {
        strings(v, "capabilities")
            .iter()
            .any(|c| c == "text-generation")
    });
    // Seen as a number; tolerate a numeric string.
    let context_length = latest.and_then(|v| v.get("contextLength")).and_then(|c| {
        c.as_u64()
            .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
    });
    Some(ModelEntry {
        executable_id: scenario_executable(model, deployments::FOUNDATION_SCENARIO)
            .or_else(|| string(model, "executableId"))
            .unwrap_or_default(),
        orchestration: scenario_executable(model, deployments::ORCHESTRATION_SCENARIO).is_some()
            || model
                .get("allowedScenarios")
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter().any(|s| {
                        s.get("scenarioId").and_then(Value::as_str) == Some("orchestration")
                    })
                }),
        provider: string(model, "provider"),
        version: latest.and_then(|v| string(v, "name")),
        passes_filter: latest.is_some()
            && filter_passes(streaming, text_generation, context_length),
        context_length,
        streaming,
        text_generation,
        running_deployments: 0,
        total_deployments: 0,
        lifecycle: Lifecycle {
            deprecated: latest
                .and_then(|v| v.get("deprecated"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            retirement_date: latest.and_then(|v| string(v, "retirementDate")),
            suggested_replacements: latest
                .map(|v| strings(v, "suggestedReplacements"))
                .unwrap_or_default(),
        },
        price: latest.and_then(|v| Price::from_catalog(&name, model["provider"].as_str(), v)),
        input_types: latest.map(|v| strings(v, "inputTypes")).unwrap_or_default(),
        name,
    })
}

/// Decodes an `AiModelList`; `None` if there is no `resources` array.
pub fn decode_catalog(body: &Value) -> Option<Vec<ModelEntry>> {
    let items = body.get("resources")?.as_array()?;
    Some(items.iter().filter_map(decode_one).collect())
}

/// Catalog plus deployment counts, sorted: passing the filter first, then by name.
pub fn join(catalog: &[ModelEntry], list: &[Deployment]) -> Vec<ModelEntry> {
    let counts = deployments::counts_per_model(list);
    let mut out: Vec<ModelEntry> = catalog
        .iter()
        .map(|m| {
            let (running, total) = counts
                .get(&m.name.to_lowercase())
                .copied()
                .unwrap_or((0, 0));
            ModelEntry {
                running_deployments: running,
                total_deployments: total,
                ..m.clone()
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.passes_filter
            .cmp(&a.passes_filter)
            .then(a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn version(latest: bool, ctx: Value, streaming: bool, caps: &[&str]) -> Value {
        serde_json::json!({"name": if latest {"new"} else {"old"}, "isLatest": latest, "deprecated": false,
            "retirementDate": "", "contextLength": ctx, "capabilities": caps,
            "cost": [{"inputCost": "0.1"}, {"outputCost": "0.2"}], "metadata": [{"meanWinRate": "0.9"}],
            "streamingSupported": streaming})
    }

    /// gpt-4o passes (foundation+orchestration); claude passes (orchestration only, bedrock);
    /// small fails (context); embed fails (capability); nolatest has no latest version.
    pub(crate) fn sample() -> Value {
        let fm =
            |e: &str| serde_json::json!({"scenarioId": "foundation-models", "executableId": e});
        let orch =
            serde_json::json!({"scenarioId": "orchestration", "executableId": "orchestration"});
        serde_json::json!({"count": 5, "resources": [
            {"model": "small", "executableId": "azure-openai", "provider": "OpenAI", "allowedScenarios": [fm("azure-openai"), orch.clone()],
             "versions": [version(true, serde_json::json!(16000), true, &["text-generation"])]},
            {"model": "gpt-4o", "executableId": "azure-openai", "provider": "OpenAI", "allowedScenarios": [fm("azure-openai"), orch.clone()],
             "versions": [version(false, serde_json::json!(8000), false, &[]), version(true, serde_json::json!(128000), true, &["text-generation"])]},
            {"model": "anthropic--claude-4.5-sonnet", "executableId": "aws-bedrock", "provider": "Anthropic", "allowedScenarios": [fm("aws-bedrock"), orch],
             "versions": [version(true, serde_json::json!(200000), true, &["text-generation"])]},
            {"model": "embed", "executableId": "azure-openai", "allowedScenarios": [fm("azure-openai")],
             "versions": [version(true, serde_json::json!(8000), false, &["embeddings"])]},
            {"model": "nolatest", "executableId": "azure-openai", "versions": [version(false, serde_json::json!(128000), true, &["text-generation"])]},
            {"model": "mistralai--mistral-large-instruct", "executableId": "aicore-mistralai", "allowedScenarios": [fm("aicore-mistralai")],
             "versions": [version(true, Value::Null, true, &["text-generation"])]}
        ]})
    }

    #[test]
    fn filter_rule() {
        assert!(filter_passes(true, true, Some(32_000)));
        assert!(!filter_passes(true, true, Some(31_999)));
        assert!(!filter_passes(true, true, None));
        assert!(!filter_passes(false, true, Some(100_000)));
        assert!(!filter_passes(true, false, Some(100_000)));
    }

    #[test]
    fn catalog_decode_takes_latest_version() {
        let models = decode_catalog(&sample()).unwrap();
        let by = |n: &str| models.iter().find(|m| m.name == n).unwrap().clone();
        let gpt = by("gpt-4o");
        assert_eq!(gpt.version.as_deref(), Some("new"));
        assert_eq!(gpt.context_length, Some(128_000));
        assert!(gpt.passes_filter && gpt.orchestration);
        assert_eq!(gpt.executable_id, "azure-openai");
        assert!(!by("small").passes_filter);
        assert!(!by("embed").passes_filter);
        assert!(!by("embed").orchestration);
        assert!(!by("nolatest").passes_filter);
        assert!(
            !by("mistralai--mistral-large-instruct").passes_filter,
            "missing contextLength fails"
        );
        assert_eq!(
            by("anthropic--claude-4.5-sonnet").executable_id,
            "aws-bedrock"
        );
    }

    #[test]
    fn the_latest_versions_lifecycle_is_read() {
        let mut catalog = sample();
        let model = json!({"model": "gpt-old", "executableId": "azure-openai", "versions": [
            {"name": "1", "isLatest": false, "deprecated": false, "retirementDate": ""},
            {"name": "2", "isLatest": true, "deprecated": true, "retirementDate": "2026-03-31",
             "suggestedReplacements": ["gpt-4.1-mini", "gpt-5-mini"]}]});
        catalog["resources"].as_array_mut().unwrap().push(model);
        let models = decode_catalog(&catalog).unwrap();
        let by = |n: &str| {
            models
                .iter()
                .find(|m| m.name == n)
                .unwrap()
                .lifecycle
                .clone()
        };
        assert_eq!(
            by("gpt-old"),
            Lifecycle {
                deprecated: true,
                retirement_date: Some("2026-03-31".into()),
                suggested_replacements: vec!["gpt-4.1-mini".into(), "gpt-5-mini".into()],
            }
        );
        assert_eq!(
            by("gpt-4o"),
            Lifecycle::default(),
            "an empty retirementDate is none"
        );
        // A cache written before the lifecycle was read still loads.
        let mut old = serde_json::to_value(&models[0]).unwrap();
        old.as_object_mut().unwrap().remove("lifecycle");
        let loaded: ModelEntry = serde_json::from_value(old).unwrap();
        assert_eq!(loaded.lifecycle, Lifecycle::default());
    }

    #[test]
    fn reasoning_models_are_known_by_name() {
        for model in [
            "gpt-5",
            "gpt-5-mini",
            "o3-mini",
            "o4-mini",
            "gemini-2.5-pro",
            "gemini-3-pro",
        ] {
            assert!(reasons_by_default(model), "{model}");
        }
        for model in [
            "gpt-4o",
            "gpt-4.1",
            "anthropic--claude-4.5-sonnet",
            "gemini-2.0-flash",
        ] {
            assert!(!reasons_by_default(model), "{model}");
        }
    }

    #[test]
    fn catalog_decode_reads_the_latest_price() {
        let mut body = sample();
        body["resources"][1]["versions"][1]["cost"] =
            serde_json::json!([{"inputCost": "0.0025"}, {"outputCost": "0.01"}]);
        body["resources"][1]["versions"][0]["cost"] =
            serde_json::json!([{"inputCost": "9"}, {"outputCost": "9"}]);
        body["resources"][2]["versions"][0]["cost"] = serde_json::json!([]);
        let models = decode_catalog(&body).unwrap();
        let gpt = models.iter().find(|m| m.name == "gpt-4o").unwrap();
        let price = gpt.price.unwrap();
        assert_eq!((price.input_per_1k, price.output_per_1k), (0.0025, 0.01));
        assert_eq!(price.cache_read_factor, 0.5);
        let claude = models
            .iter()
            .find(|m| m.provider.as_deref() == Some("Anthropic"));
        assert_eq!(claude.unwrap().price, None, "no cost[] means no price");
        let nolatest = models.iter().find(|m| m.name == "nolatest").unwrap();
        assert_eq!(nolatest.price, None);
    }

    #[test]
    fn cached_catalogs_without_prices_still_load() {
        let mut entry = serde_json::to_value(&decode_catalog(&sample()).unwrap()[0]).unwrap();
        entry.as_object_mut().unwrap().remove("price");
        let back: ModelEntry = serde_json::from_value(entry).unwrap();
        assert_eq!(back.price, None);
    }

    #[test]
    fn join_counts_and_sorts() {
        let catalog = decode_catalog(&sample()).unwrap();
        let deps = deployments::decode_list(&deployments::tests::sample()).unwrap();
        let joined = join(&catalog, &deps);
        let names: Vec<&str> = joined.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "anthropic--claude-4.5-sonnet",
                "gpt-4o",
                "embed",
                "mistralai--mistral-large-instruct",
                "nolatest",
                "small"
            ]
        );
        assert_eq!(
            (joined[1].running_deployments, joined[1].total_deployments),
            (1, 2)
        );
        assert_eq!(
            (joined[0].running_deployments, joined[0].total_deployments),
            (0, 1)
        );
    }
}
