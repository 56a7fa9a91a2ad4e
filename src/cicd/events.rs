//! CodeDeploy's compute platforms and their deployment lifecycle events, in the order CodeDeploy runs them
//! (from the CodeDeploy user guide: "AppSpec 'hooks' section", its run-order diagrams and the table of
//! lifecycle event hook availability). Plain data: which events a file may hook is decided here, how a
//! file's hooks are checked is not.

use serde::Serialize;

/// Where an application revision is deployed: CodeDeploy's compute platforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// EC2 instances and on-premises servers, driven by the CodeDeploy agent.
    Server,
    Lambda,
    Ecs,
}

impl Platform {
    pub fn title(self) -> &'static str {
        match self {
            Platform::Server => "EC2/On-Premises",
            Platform::Lambda => "AWS Lambda",
            Platform::Ecs => "Amazon ECS",
        }
    }

    pub const ALL: [Platform; 3] = [Platform::Server, Platform::Lambda, Platform::Ecs];
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.title())
    }
}

/// How a deployment replaces the running application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    /// The application on each instance is stopped, replaced and restarted (EC2/On-Premises only).
    InPlace,
    /// A replacement set (instances, task set or function version) takes the traffic of the original.
    BlueGreen,
}

impl std::fmt::Display for Deployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Deployment::InPlace => "in-place",
            Deployment::BlueGreen => "blue/green",
        })
    }
}

/// Who runs a lifecycle event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunBy {
    /// The file's hooks: scripts on the instance, or Lambda validation functions.
    Hooks,
    /// The CodeDeploy agent on the instance; no script can run in it.
    Agent,
    /// The CodeDeploy service itself; no hook can run in it.
    Service,
}

/// A condition under which an event happens at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnlyWhen {
    /// The deployment group names a Classic, Application or Network Load Balancer.
    LoadBalancer,
    /// The ECS deployment group has a test listener.
    TestListener,
}

impl OnlyWhen {
    pub fn describe(self) -> &'static str {
        match self {
            OnlyWhen::LoadBalancer => "only behind a load balancer",
            OnlyWhen::TestListener => "only with a test listener",
        }
    }
}

/// Which instances of a blue/green EC2/On-Premises deployment an event runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Instances {
    Replacement,
    Original,
}

/// One lifecycle event at its place in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub name: &'static str,
    pub run_by: RunBy,
    pub only_when: Option<OnlyWhen>,
    pub instances: Option<Instances>,
}

const fn ev(name: &'static str, run_by: RunBy) -> Event {
    Event {
        name,
        run_by,
        only_when: None,
        instances: None,
    }
}

const fn lb(e: Event) -> Event {
    Event {
        only_when: Some(OnlyWhen::LoadBalancer),
        ..e
    }
}

const fn on(instances: Instances, e: Event) -> Event {
    Event {
        instances: Some(instances),
        ..e
    }
}

use Instances::{Original, Replacement};
use RunBy::{Agent, Hooks, Service};

const SERVER_IN_PLACE: &[Event] = &[
    ev("Start", Service),
    lb(ev("BeforeBlockTraffic", Hooks)),
    lb(ev("BlockTraffic", Agent)),
    lb(ev("AfterBlockTraffic", Hooks)),
    ev("ApplicationStop", Hooks),
    ev("DownloadBundle", Agent),
    ev("BeforeInstall", Hooks),
    ev("Install", Agent),
    ev("AfterInstall", Hooks),
    ev("ApplicationStart", Hooks),
    ev("ValidateService", Hooks),
    lb(ev("BeforeAllowTraffic", Hooks)),
    lb(ev("AllowTraffic", Agent)),
    lb(ev("AfterAllowTraffic", Hooks)),
    ev("End", Service),
];

const SERVER_BLUE_GREEN: &[Event] = &[
    ev("Start", Service),
    on(Replacement, ev("ApplicationStop", Hooks)),
    on(Replacement, ev("DownloadBundle", Agent)),
    on(Replacement, ev("BeforeInstall", Hooks)),
    on(Replacement, ev("Install", Agent)),
    on(Replacement, ev("AfterInstall", Hooks)),
    on(Replacement, ev("ApplicationStart", Hooks)),
    on(Replacement, ev("ValidateService", Hooks)),
    on(Replacement, ev("BeforeAllowTraffic", Hooks)),
    on(Replacement, ev("AllowTraffic", Agent)),
    on(Replacement, ev("AfterAllowTraffic", Hooks)),
    on(Original, ev("BeforeBlockTraffic", Hooks)),
    on(Original, ev("BlockTraffic", Agent)),
    on(Original, ev("AfterBlockTraffic", Hooks)),
    ev("End", Service),
];

const LAMBDA: &[Event] = &[
    ev("Start", Service),
    ev("BeforeAllowTraffic", Hooks),
    ev("AllowTraffic", Service),
    ev("AfterAllowTraffic", Hooks),
    ev("End", Service),
];

const ECS: &[Event] = &[
    ev("Start", Service),
    ev("BeforeInstall", Hooks),
    ev("Install", Service),
    ev("AfterInstall", Hooks),
    Event {
        only_when: Some(OnlyWhen::TestListener),
        ..ev("AllowTestTraffic", Service)
    },
    Event {
        only_when: Some(OnlyWhen::TestListener),
        ..ev("AfterAllowTestTraffic", Hooks)
    },
    ev("BeforeAllowTraffic", Hooks),
    ev("AllowTraffic", Service),
    ev("AfterAllowTraffic", Hooks),
    ev("End", Service),
];

/// The events of one deployment, in run order. Lambda and ECS deployments are always blue/green.
pub fn run_order(platform: Platform, deployment: Deployment) -> &'static [Event] {
    match (platform, deployment) {
        (Platform::Server, Deployment::InPlace) => SERVER_IN_PLACE,
        (Platform::Server, Deployment::BlueGreen) => SERVER_BLUE_GREEN,
        (Platform::Lambda, _) => LAMBDA,
        (Platform::Ecs, _) => ECS,
    }
}

/// Every event of the platform (any deployment type), each once, in in-place order.
fn all(platform: Platform) -> &'static [Event] {
    run_order(platform, Deployment::InPlace)
}

/// The events a file of this platform may hook.
pub fn hookable(platform: Platform) -> Vec<&'static str> {
    all(platform)
        .iter()
        .filter(|e| e.run_by == RunBy::Hooks)
        .map(|e| e.name)
        .collect()
}

/// The event named `name` on this platform, if it has one.
pub fn find(platform: Platform, name: &str) -> Option<&'static Event> {
    all(platform).iter().find(|e| e.name == name)
}

/// The platforms other than `platform` whose files may hook `name`.
pub fn hookable_elsewhere(platform: Platform, name: &str) -> Vec<Platform> {
    Platform::ALL
        .into_iter()
        .filter(|p| *p != platform && hookable(*p).contains(&name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_server_orders_hold_the_same_events() {
        let mut a: Vec<_> = SERVER_IN_PLACE.iter().map(|e| e.name).collect();
        let mut b: Vec<_> = SERVER_BLUE_GREEN.iter().map(|e| e.name).collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }

    #[test]
    fn hookable_events_follow_the_user_guide() {
        assert_eq!(
            hookable(Platform::Server),
            [
                "BeforeBlockTraffic",
                "AfterBlockTraffic",
                "ApplicationStop",
                "BeforeInstall",
                "AfterInstall",
                "ApplicationStart",
                "ValidateService",
                "BeforeAllowTraffic",
                "AfterAllowTraffic"
            ]
        );
        assert_eq!(
            hookable(Platform::Lambda),
            ["BeforeAllowTraffic", "AfterAllowTraffic"]
        );
        assert_eq!(
            hookable(Platform::Ecs),
            [
                "BeforeInstall",
                "AfterInstall",
                "AfterAllowTestTraffic",
                "BeforeAllowTraffic",
                "AfterAllowTraffic"
            ]
        );
        assert_eq!(
            hookable_elsewhere(Platform::Server, "AfterAllowTestTraffic"),
            [Platform::Ecs]
        );
    }
}
