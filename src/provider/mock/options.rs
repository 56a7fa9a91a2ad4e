//! How a mock cloud behaves: its seed, account and region, how long operations take ([`Latency`]) and which
//! requests fail on purpose ([`FailRule`], `fail_rate`). Plain data; the cloud reads it, never changes it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::naming::Rng;

/// Settings of one [`MockCloud`](super::MockCloud). Two clouds opened with the same options and given the same
/// requests (same tokens) produce the same ids, names and failures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MockOptions {
    /// Seeds every generated id and the `fail_rate` draws.
    pub seed: u64,
    /// Twelve digits, used in ARNs and queue URLs.
    pub account_id: String,
    /// Used in ARNs, URLs and availability zones; decides the partition (`cn-*` → `aws-cn`, `us-gov-*` →
    /// `aws-us-gov`).
    pub region: String,
    pub latency: Latency,
    /// Requests to fail on purpose (`--mock-fail Queue:create`).
    pub fail: Vec<FailRule>,
    /// The share of create/update/delete requests that fail, `0.0..=1.0`, drawn from the seed and the
    /// request's token (so a retry with the same token meets the same fate).
    pub fail_rate: f64,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            seed: 0,
            account_id: "123456789012".to_string(),
            region: "us-east-1".to_string(),
            latency: Latency::Zero,
            fail: Vec::new(),
            fail_rate: 0.0,
        }
    }
}

/// One provider operation, as failure rules name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        })
    }
}

/// Fails every request for `logical_id`, or only its `operation`, or only the n-th such request of the
/// process. Spelled `Queue`, `Queue:create` or `Queue:update#2` on the command line (see [`FromStr`]):
/// the last form fails the second update of `Queue` only, e.g. the one a rollback makes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailRule {
    pub logical_id: String,
    pub operation: Option<Operation>,
    #[serde(default)]
    pub nth: Option<u32>,
}

impl FailRule {
    pub fn matches(&self, logical_id: &str, operation: Operation) -> bool {
        self.logical_id == logical_id && self.operation.is_none_or(|op| op == operation)
    }
}

impl fmt::Display for FailRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operation {
            Some(op) => write!(f, "{}:{op}", self.logical_id)?,
            None => f.write_str(&self.logical_id)?,
        }
        match self.nth {
            Some(n) => write!(f, "#{n}"),
            None => Ok(()),
        }
    }
}

impl FromStr for FailRule {
    type Err = String;

    /// `Queue` or `Queue:create` / `Queue:update` / `Queue:delete`, optionally with `#N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (s, nth) = match s.rsplit_once('#') {
            Some((rule, n)) => match n.parse::<u32>() {
                Ok(n) if n > 0 => (rule, Some(n)),
                _ => {
                    return Err(format!(
                        "`#{n}` in `{s}`: expected the number of the request to fail (1, 2, ...)"
                    ));
                }
            },
            None => (s, None),
        };
        let (logical_id, operation) = match s.split_once(':') {
            None => (s, None),
            Some((id, op)) => {
                let op = match op.to_ascii_lowercase().as_str() {
                    "create" => Operation::Create,
                    "update" => Operation::Update,
                    "delete" => Operation::Delete,
                    _ => {
                        return Err(format!(
                            "unknown operation `{op}`: expected `create`, `update` or `delete`"
                        ));
                    }
                };
                (id, Some(op))
            }
        };
        if logical_id.is_empty() {
            return Err(format!("missing logical id in `{s}`"));
        }
        Ok(FailRule {
            logical_id: logical_id.to_string(),
            operation,
            nth,
        })
    }
}

impl MockOptions {
    /// The reason a request must fail on purpose, as it appears after "injected failure": the rule or rate
    /// that chose it. `None` lets it through.
    pub(super) fn injected(
        &self,
        logical_id: &str,
        operation: Operation,
        token: &str,
        seen: &std::sync::Mutex<std::collections::HashMap<String, u32>>,
    ) -> Option<String> {
        for rule in self
            .fail
            .iter()
            .filter(|r| r.matches(logical_id, operation))
        {
            let Some(n) = rule.nth else {
                return Some(format!("--mock-fail {rule}"));
            };
            let mut seen = seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = seen.entry(rule.to_string()).or_insert(0);
            *count += 1;
            if *count == n {
                return Some(format!("--mock-fail {rule}"));
            }
        }
        if self.fail_rate > 0.0 {
            let draw = Rng::new(self.seed, &["fail", &operation.to_string(), token]).unit();
            if draw < self.fail_rate {
                return Some(format!("--mock-fail-rate {}", self.fail_rate));
            }
        }
        None
    }
}

/// How long one operation takes in the mock cloud (the call sleeps that long, without holding the store).
///
/// `Realistic` durations per type (seconds; deletes and updates take the same):
///
/// | type | s | type | s |
/// | --- | --- | --- | --- |
/// | `AWS::S3::Bucket` | 2 | `AWS::EC2::VPC` | 3 |
/// | `AWS::SQS::Queue` | 1 | `AWS::EC2::Subnet`, `RouteTable`, `SecurityGroup`, `InternetGateway` | 2 |
/// | `AWS::SNS::Topic`, `AWS::SNS::Subscription` | 1 | `AWS::EC2::VPCGatewayAttachment` | 15 |
/// | `AWS::Logs::LogGroup`, `AWS::SSM::Parameter` | 1 | `AWS::EC2::NatGateway` | 90 |
/// | `AWS::IAM::Role`, `Policy`, `ManagedPolicy` | 2 | `AWS::EC2::Instance` | 30 |
/// | `AWS::IAM::InstanceProfile` | 10 | `AWS::EC2::VPCEndpoint` | 60 |
/// | `AWS::Lambda::Function` | 5 | `AWS::EC2::*` (other) | 3 |
/// | `AWS::DynamoDB::Table` | 10 | `AWS::RDS::DBInstance` | 300 |
/// | `AWS::KMS::Key` | 3 | `AWS::RDS::DBCluster` | 240 |
/// | `AWS::ECS::Cluster` | 3 | `AWS::RDS::*` (other) | 5 |
/// | `AWS::ECS::Service` | 60 | `AWS::ElastiCache::*` | 240 |
/// | `AWS::ElasticLoadBalancingV2::LoadBalancer` | 120 | `AWS::CloudFront::Distribution` | 240 |
/// | `AWS::EKS::Cluster` | 600 | `AWS::ApiGateway::*`, `AWS::ApiGatewayV2::*` | 1 |
/// | custom resources | 5 | anything else | 2 |
///
/// `Fast` is the realistic value divided by 20 and clamped to 20–150 ms: slow types still look slower in a
/// live demo, and a whole stack deploys in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Latency {
    /// Operations return at once (tests).
    #[default]
    Zero,
    /// 20–150 ms per operation, by type (demos).
    Fast,
    /// Per-type seconds close to the real service's (rehearsals of timing).
    Realistic,
    /// The same duration for every operation.
    Fixed(Duration),
}

impl Latency {
    /// How long one operation on `resource_type` takes; the engine uses it for critical paths too.
    pub fn for_type(&self, resource_type: &str) -> Duration {
        match self {
            Latency::Zero => Duration::ZERO,
            Latency::Fixed(d) => *d,
            Latency::Realistic => Duration::from_secs(realistic_secs(resource_type)),
            Latency::Fast => {
                let ms = realistic_secs(resource_type) * 1000 / 20;
                Duration::from_millis(ms.clamp(20, 150))
            }
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Latency::Zero => f.write_str("zero"),
            Latency::Fast => f.write_str("fast"),
            Latency::Realistic => f.write_str("realistic"),
            Latency::Fixed(d) => write!(f, "{}ms", d.as_millis()),
        }
    }
}

impl FromStr for Latency {
    type Err = String;

    /// `zero`, `fast`, `realistic`, or a fixed duration: `250ms`, `2s`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fixed = |digits: &str, unit: fn(u64) -> Duration| {
            digits.trim().parse().ok().map(|n| Latency::Fixed(unit(n)))
        };
        let latency = match s.trim().to_ascii_lowercase().as_str() {
            "zero" | "none" | "0" => Some(Latency::Zero),
            "fast" => Some(Latency::Fast),
            "realistic" => Some(Latency::Realistic),
            other => match other.strip_suffix("ms") {
                Some(ms) => fixed(ms, Duration::from_millis),
                None => other
                    .strip_suffix('s')
                    .and_then(|secs| fixed(secs, Duration::from_secs)),
            },
        };
        latency.ok_or_else(|| {
            format!("unknown latency `{s}`: expected `zero`, `fast`, `realistic` or a duration like `250ms`")
        })
    }
}

fn realistic_secs(resource_type: &str) -> u64 {
    let exact = match resource_type {
        "AWS::S3::Bucket" => Some(2),
        "AWS::SQS::Queue" | "AWS::SNS::Topic" | "AWS::SNS::Subscription" => Some(1),
        "AWS::Logs::LogGroup" | "AWS::SSM::Parameter" => Some(1),
        "AWS::IAM::Role" | "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => Some(2),
        "AWS::IAM::InstanceProfile" => Some(10),
        "AWS::Lambda::Function" => Some(5),
        "AWS::DynamoDB::Table" => Some(10),
        "AWS::KMS::Key" => Some(3),
        "AWS::ECS::Cluster" => Some(3),
        "AWS::ECS::Service" => Some(60),
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => Some(120),
        "AWS::EKS::Cluster" => Some(600),
        "AWS::EC2::VPC" => Some(3),
        "AWS::EC2::Subnet"
        | "AWS::EC2::RouteTable"
        | "AWS::EC2::SecurityGroup"
        | "AWS::EC2::InternetGateway" => Some(2),
        "AWS::EC2::VPCGatewayAttachment" => Some(15),
        "AWS::EC2::NatGateway" => Some(90),
        "AWS::EC2::Instance" => Some(30),
        "AWS::EC2::VPCEndpoint" => Some(60),
        "AWS::RDS::DBInstance" => Some(300),
        "AWS::RDS::DBCluster" => Some(240),
        "AWS::CloudFront::Distribution" => Some(240),
        "AWS::CloudFormation::CustomResource" => Some(5),
        _ => None,
    };
    if let Some(secs) = exact {
        return secs;
    }
    let prefixed = [
        ("Custom::", 5),
        ("AWS::EC2::", 3),
        ("AWS::RDS::", 5),
        ("AWS::ElastiCache::", 240),
        ("AWS::ApiGateway::", 1),
        ("AWS::ApiGatewayV2::", 1),
    ];
    prefixed
        .iter()
        .find(|(prefix, _)| resource_type.starts_with(prefix))
        .map_or(2, |(_, secs)| *secs)
}
