//! `appspec order`: every lifecycle event of one deployment in the order CodeDeploy runs it, with the
//! file's scripts or functions in place. Plain data for the views; it reads a checked [`AppSpec`] and never
//! reports on the file itself.

use serde::Serialize;

use super::appspec::{AppSpec, Hook};
use super::events::{self, Deployment, Instances, OnlyWhen, Platform, RunBy};

/// One deployment's run.
#[derive(Clone, Debug, Serialize)]
pub struct Order {
    pub platform: Platform,
    pub deployment: Deployment,
    pub steps: Vec<Step>,
}

/// One lifecycle event at its place.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub event: &'static str,
    /// Who runs the event: the file's hooks, the CodeDeploy agent or the CodeDeploy service.
    pub run_by: RunBy,
    /// A condition without which the event does not happen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_when: Option<OnlyWhen>,
    /// For blue/green EC2/On-Premises deployments: which instances the event runs on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<Instances>,
    /// The file's scripts or function for the event, in the order they run. Empty for an event that is not
    /// hooked, and always for events CodeDeploy runs itself.
    pub hooks: Vec<Hook>,
}

/// Why no order can be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderError {
    /// The file's compute platform could not be told.
    UnknownPlatform,
    /// Lambda and ECS deployments are blue/green only.
    InPlaceNotSupported(Platform),
}

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrderError::UnknownPlatform => {
                f.write_str("the compute platform of the file cannot be told: give `--platform`")
            }
            OrderError::InPlaceNotSupported(p) => {
                write!(
                    f,
                    "{p} deployments are blue/green only: there is no in-place order"
                )
            }
        }
    }
}

impl std::error::Error for OrderError {}

/// The run of `spec` for `deployment` (by default in-place on EC2/On-Premises, blue/green elsewhere).
pub fn order(spec: &AppSpec, deployment: Option<Deployment>) -> Result<Order, OrderError> {
    let platform = spec.platform.ok_or(OrderError::UnknownPlatform)?;
    let deployment = match (platform, deployment) {
        (Platform::Server, d) => d.unwrap_or(Deployment::InPlace),
        (p, Some(Deployment::InPlace)) => return Err(OrderError::InPlaceNotSupported(p)),
        (_, _) => Deployment::BlueGreen,
    };
    let steps = events::run_order(platform, deployment)
        .iter()
        .map(|e| Step {
            event: e.name,
            run_by: e.run_by,
            only_when: e.only_when,
            instances: e.instances,
            hooks: spec
                .hooks
                .iter()
                .filter(|h| h.event == e.name && e.run_by == RunBy::Hooks)
                .flat_map(|h| h.hooks.iter().cloned())
                .collect(),
        })
        .collect();
    Ok(Order {
        platform,
        deployment,
        steps,
    })
}
