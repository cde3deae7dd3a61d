//! Which deployment and model a chat turn goes to (contract "Modes"): pure rules over the
//! catalog (`models()` order) and the deployment list, so they test without a server.

use super::deployments::Deployment;
use super::models::ModelEntry;
use super::{Error, Mode, Result, foundation};

/// Where one chat turn goes.
#[derive(Clone, Debug)]
pub enum ChatTarget {
    Foundation {
        deployment: Deployment,
        model: String,
    },
    Orchestration {
        deployment: Deployment,
        model: String,
    },
}

impl ChatTarget {
    pub fn deployment(&self) -> &Deployment {
        match self {
            ChatTarget::Foundation { deployment, .. }
            | ChatTarget::Orchestration { deployment, .. } => deployment,
        }
    }

    pub fn model(&self) -> &str {
        match self {
            ChatTarget::Foundation { model, .. } | ChatTarget::Orchestration { model, .. } => model,
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            ChatTarget::Foundation { .. } => Mode::Foundation,
            ChatTarget::Orchestration { .. } => Mode::Orchestration,
        }
    }
}

/// The RUNNING orchestration deployment with the newest `startTime` (as Python's SDK, §4.2).
pub fn running_orchestration(list: &[Deployment]) -> Option<&Deployment> {
    list.iter()
        .filter(|d| d.is_orchestration() && d.is_running())
        // ISO-8601 timestamps of one service compare correctly as text.
        .max_by(|a, b| a.start_time.cmp(&b.start_time).then(b.id.cmp(&a.id)))
}

fn running_foundation<'a>(list: &'a [Deployment], model: &str) -> Option<&'a Deployment> {
    list.iter()
        .find(|d| d.is_foundation() && d.is_running() && d.serves(model))
}

/// `d` with an `executableId` to speak: its own, or the one the model implies when it has
/// none (`foundation::infer_executable`).
fn with_executable(d: &Deployment, model: &str, models: &[ModelEntry]) -> Deployment {
    let mut d = d.clone();
    if d.executable_id.as_deref().is_none_or(str::is_empty) {
        d.executable_id = foundation::infer_executable(model, catalog_entry(models, model));
    }
    d
}

fn catalog_entry<'a>(models: &'a [ModelEntry], name: &str) -> Option<&'a ModelEntry> {
    models.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

/// Applies the resolve rules; `models` must be in `Client::models()` order.
pub fn resolve(
    mode: Mode,
    model: Option<&str>,
    deployment: Option<&str>,
    models: &[ModelEntry],
    list: &[Deployment],
) -> Result<ChatTarget> {
    match mode {
        Mode::Foundation => resolve_foundation(model, deployment, models, list),
        Mode::Orchestration => resolve_orchestration(model, deployment, models, list),
    }
}

fn resolve_foundation(
    model: Option<&str>,
    deployment: Option<&str>,
    models: &[ModelEntry],
    list: &[Deployment],
) -> Result<ChatTarget> {
    if let Some(id) = deployment {
        let d = list
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| Error::UnknownDeployment { id: id.to_string() })?;
        if !d.is_running() {
            return Err(Error::DeploymentNotRunning {
                id: d.id.clone(),
                status: d.status.clone(),
            });
        }
        let name = model
            .map(str::to_string)
            .or_else(|| d.model_name.clone())
            .unwrap_or_default();
        return Ok(ChatTarget::Foundation {
            deployment: with_executable(d, &name, models),
            model: name,
        });
    }
    let orchestration_up = running_orchestration(list).is_some();
    let name = match model {
        Some(name) => name.to_string(),
        None => {
            let default = models
                .iter()
                .filter(|m| m.passes_filter)
                .find(|m| running_foundation(list, &m.name).is_some());
            match default {
                Some(m) => m.name.clone(),
                None => {
                    let first = models.iter().find(|m| m.passes_filter);
                    return Err(Error::NothingRunning {
                        model: first.map_or_else(|| "(any)".to_string(), |m| m.name.clone()),
                        mode: Mode::Foundation,
                        other_mode_has_it: orchestration_up
                            && models.iter().any(|m| m.passes_filter && m.orchestration),
                    });
                }
            }
        }
    };
    if let Some(d) = running_foundation(list, &name) {
        return Ok(ChatTarget::Foundation {
            deployment: with_executable(d, &name, models),
            model: name,
        });
    }
    let entry = catalog_entry(models, &name);
    if entry.is_none() && !list.iter().any(|d| d.serves(&name)) {
        return Err(Error::UnknownModel { model: name });
    }
    Err(Error::NothingRunning {
        other_mode_has_it: orchestration_up && entry.is_some_and(|m| m.orchestration),
        model: name,
        mode: Mode::Foundation,
    })
}

fn resolve_orchestration(
    model: Option<&str>,
    deployment: Option<&str>,
    models: &[ModelEntry],
    list: &[Deployment],
) -> Result<ChatTarget> {
    let name = match model {
        Some(name) => match catalog_entry(models, name) {
            Some(m) if m.orchestration => m.name.clone(),
            Some(m) => {
                return Err(Error::NotInOrchestration {
                    model: m.name.clone(),
                    foundation_running: running_foundation(list, &m.name).is_some(),
                });
            }
            None => {
                return Err(Error::UnknownModel {
                    model: name.to_string(),
                });
            }
        },
        None => models
            .iter()
            .find(|m| m.passes_filter && m.orchestration)
            .map(|m| m.name.clone())
            .ok_or_else(|| Error::UnknownModel {
                model: "(no orchestration model in the catalog)".into(),
            })?,
    };
    let chosen = match deployment {
        // An explicit id must still be a RUNNING orchestration deployment.
        Some(id) => {
            let d = list
                .iter()
                .find(|d| d.id == id)
                .ok_or_else(|| Error::UnknownDeployment { id: id.to_string() })?;
            if !d.is_running() {
                return Err(Error::DeploymentNotRunning {
                    id: d.id.clone(),
                    status: d.status.clone(),
                });
            }
            Some(d)
        }
        None => running_orchestration(list),
    };
    match chosen {
        Some(d) => Ok(ChatTarget::Orchestration {
            deployment: d.clone(),
            model: name,
        }),
        None => Err(Error::NothingRunning {
            other_mode_has_it: running_foundation(list, &name).is_some(),
            model: name,
            mode: Mode::Orchestration,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::{deployments, models};

    fn data() -> (Vec<ModelEntry>, Vec<Deployment>) {
        let deps = deployments::decode_list(&deployments::tests::sample()).unwrap();
        let catalog = models::decode_catalog(&models::tests::sample()).unwrap();
        (models::join(&catalog, &deps), deps)
    }

    fn without_orchestration(list: &[Deployment]) -> Vec<Deployment> {
        list.iter()
            .filter(|d| !d.is_orchestration())
            .cloned()
            .collect()
    }

    #[test]
    fn foundation_default_is_first_passing_model_with_running_deployment() {
        let (models, deps) = data();
        let t = resolve(Mode::Foundation, None, None, &models, &deps).unwrap();
        assert_eq!(
            (t.model(), t.deployment().id.as_str(), t.mode()),
            ("gpt-4o", "d2", Mode::Foundation)
        );
    }

    #[test]
    fn a_deployment_without_executable_id_speaks_what_its_model_implies() {
        let (models, mut deps) = data();
        for d in &mut deps {
            d.executable_id = None;
        }
        let t = resolve(Mode::Foundation, Some("gpt-4o"), None, &models, &deps).unwrap();
        assert_eq!(
            t.deployment().executable_id.as_deref(),
            Some("azure-openai")
        );
        let t = resolve(Mode::Foundation, None, Some("d2"), &models, &deps).unwrap();
        assert_eq!(
            t.deployment().executable_id.as_deref(),
            Some("azure-openai")
        );
        // A model that tells nothing keeps no executable, so the request is refused with the
        // orchestration hint (foundation::prepare).
        let mut unknown = deps.iter().find(|d| d.id == "d2").unwrap().clone();
        unknown.model_name = Some("ibm--granite-13b-chat".into());
        unknown.id = "d7".into();
        deps.push(unknown);
        let t = resolve(Mode::Foundation, None, Some("d7"), &models, &deps).unwrap();
        assert_eq!(t.deployment().executable_id, None);
        let req = crate::aicore::ChatRequest::default();
        let err =
            foundation::prepare(t.deployment(), t.model(), &req, true, "https://h/v2").unwrap_err();
        assert!(err.hint().contains("--mode orchestration"), "{err}");
    }

    #[test]
    fn foundation_explicit_deployment() {
        let (models, deps) = data();
        let t = resolve(Mode::Foundation, None, Some("d2"), &models, &deps).unwrap();
        assert_eq!(t.model(), "gpt-4o");
        let err = resolve(Mode::Foundation, None, Some("d3"), &models, &deps).unwrap_err();
        assert!(
            matches!(err, Error::DeploymentNotRunning { ref status, .. } if status == "PENDING"),
            "{err:?}"
        );
        let err = resolve(Mode::Foundation, None, Some("nope"), &models, &deps).unwrap_err();
        assert!(matches!(err, Error::UnknownDeployment { .. }), "{err:?}");
    }

    #[test]
    fn foundation_model_rules() {
        let (models, deps) = data();
        let err = resolve(Mode::Foundation, Some("no-such"), None, &models, &deps).unwrap_err();
        assert!(matches!(err, Error::UnknownModel { .. }), "{err:?}");
        let err = resolve(
            Mode::Foundation,
            Some("anthropic--claude-4.5-sonnet"),
            None,
            &models,
            &deps,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NothingRunning {
                    other_mode_has_it: true,
                    mode: Mode::Foundation,
                    ..
                }
            ),
            "{err:?}"
        );
        let no_orch = without_orchestration(&deps);
        let err = resolve(
            Mode::Foundation,
            Some("anthropic--claude-4.5-sonnet"),
            None,
            &models,
            &no_orch,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NothingRunning {
                    other_mode_has_it: false,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = resolve(Mode::Foundation, Some("embed"), None, &models, &deps).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NothingRunning {
                    other_mode_has_it: false,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn orchestration_rules() {
        let (models, deps) = data();
        let t = resolve(Mode::Orchestration, None, None, &models, &deps).unwrap();
        assert_eq!(
            (t.model(), t.deployment().id.as_str()),
            ("anthropic--claude-4.5-sonnet", "d9")
        );
        let t = resolve(Mode::Orchestration, Some("gpt-4o"), None, &models, &deps).unwrap();
        assert_eq!((t.model(), t.mode()), ("gpt-4o", Mode::Orchestration));
        // In the catalog but not allowed for orchestration: said as such, not "unknown".
        let err = resolve(Mode::Orchestration, Some("embed"), None, &models, &deps).unwrap_err();
        assert!(matches!(err, Error::NotInOrchestration { .. }), "{err:?}");
        let err = resolve(Mode::Orchestration, Some("nope"), None, &models, &deps).unwrap_err();
        assert!(matches!(err, Error::UnknownModel { .. }), "{err:?}");
        let no_orch = without_orchestration(&deps);
        let err =
            resolve(Mode::Orchestration, Some("gpt-4o"), None, &models, &no_orch).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NothingRunning {
                    other_mode_has_it: true,
                    mode: Mode::Orchestration,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = resolve(
            Mode::Orchestration,
            Some("anthropic--claude-4.5-sonnet"),
            None,
            &models,
            &no_orch,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NothingRunning {
                    other_mode_has_it: false,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn newest_orchestration_deployment_wins() {
        let (_, mut deps) = data();
        let mut newer = deps.iter().find(|d| d.id == "d9").unwrap().clone();
        newer.id = "d10".into();
        newer.start_time = Some("2025-02-01T00:00:00Z".into());
        deps.push(newer);
        assert_eq!(running_orchestration(&deps).unwrap().id, "d10");
    }
}
