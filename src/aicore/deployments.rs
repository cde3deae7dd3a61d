//! Deployments (`/v2/lm/deployments`): decoded leniently, RUNNING judged by `status`.

use serde::{Deserialize, Serialize};

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
    /// RUNNING means `status`, never `targetStatus` (a PENDING deployment targets RUNNING).
    pub fn is_running(&self) -> bool {
        self.status == "RUNNING"
    }

    pub fn is_orchestration(&self) -> bool {
        self.scenario_id == "orchestration"
    }
}
