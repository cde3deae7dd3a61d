//! The model catalog (`/v2/lm/scenarios/foundation-models/models`) and the default filter.

use serde::{Deserialize, Serialize};

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
}
