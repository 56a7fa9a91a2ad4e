//! ARNs and service endpoints: the partition and DNS suffix of a region, the service name of a type, and the
//! resource's own ARN in the shape its service uses (`arn:aws:s3:::name`, `arn:aws:iam::account:role/name`,
//! `arn:aws:lambda:region:account:function:name`), with a generic `service:region:account:kind/name` for
//! the rest.

use super::attributes::Shape;

pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

pub(crate) fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

impl Shape<'_> {
    pub(crate) fn service(&self) -> String {
        let segment = self.resource_type.split("::").nth(1).unwrap_or("");
        match segment {
            "ElasticLoadBalancingV2" | "ElasticLoadBalancing" => "elasticloadbalancing".into(),
            "StepFunctions" => "states".into(),
            "CertificateManager" => "acm".into(),
            "Cognito" => "cognito-idp".into(),
            "ApplicationAutoScaling" => "application-autoscaling".into(),
            "KinesisFirehose" => "firehose".into(),
            "ApiGatewayV2" => "apigateway".into(),
            "OpenSearchService" | "Elasticsearch" => "es".into(),
            "Serverless" => "lambda".into(),
            other => other.to_ascii_lowercase(),
        }
    }

    /// The resource's own ARN.
    pub(crate) fn arn(&self) -> String {
        let (p, r, a, n) = (partition(self.region), self.region, self.account, self.name);
        let iam_path = self.prop_str("Path").unwrap_or("/");
        match self.resource_type {
            "AWS::S3::Bucket" => format!("arn:{p}:s3:::{n}"),
            "AWS::SQS::Queue" => format!("arn:{p}:sqs:{r}:{a}:{n}"),
            "AWS::SNS::Topic" => format!("arn:{p}:sns:{r}:{a}:{n}"),
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
                format!("arn:{p}:lambda:{r}:{a}:function:{n}")
            }
            "AWS::Lambda::Version" => {
                format!(
                    "arn:{p}:lambda:{r}:{a}:function:{}:{}",
                    self.function(),
                    self.revision
                )
            }
            "AWS::ECS::TaskDefinition" => format!(
                "arn:{p}:ecs:{r}:{a}:task-definition/{}:{}",
                self.prop_str("Family").unwrap_or(n),
                self.revision
            ),
            "AWS::Lambda::Alias" => {
                let alias = self.prop_str("Name").unwrap_or(n);
                format!(
                    "arn:{p}:lambda:{r}:{a}:function:{}:{alias}",
                    self.function()
                )
            }
            "AWS::Lambda::LayerVersion" => format!("arn:{p}:lambda:{r}:{a}:layer:{n}:1"),
            "AWS::CloudFormation::Stack" => format!(
                "arn:{p}:cloudformation:{r}:{a}:stack/{n}/{}",
                self.rng("arn").uuid()
            ),
            "AWS::IAM::Role" => format!("arn:{p}:iam::{a}:role{iam_path}{n}"),
            "AWS::IAM::User" => format!("arn:{p}:iam::{a}:user{iam_path}{n}"),
            "AWS::IAM::Group" => format!("arn:{p}:iam::{a}:group{iam_path}{n}"),
            "AWS::IAM::InstanceProfile" => {
                format!("arn:{p}:iam::{a}:instance-profile{iam_path}{n}")
            }
            "AWS::IAM::ManagedPolicy" => format!("arn:{p}:iam::{a}:policy{iam_path}{n}"),
            "AWS::DynamoDB::Table" => format!("arn:{p}:dynamodb:{r}:{a}:table/{n}"),
            "AWS::Logs::LogGroup" => format!("arn:{p}:logs:{r}:{a}:log-group:{n}:*"),
            "AWS::SSM::Parameter" => {
                format!(
                    "arn:{p}:ssm:{r}:{a}:parameter/{}",
                    n.trim_start_matches('/')
                )
            }
            "AWS::StepFunctions::StateMachine" => {
                format!("arn:{p}:states:{r}:{a}:stateMachine:{n}")
            }
            "AWS::SecretsManager::Secret" => {
                format!(
                    "arn:{p}:secretsmanager:{r}:{a}:secret:{n}-{}",
                    self.rng("arn").lower(6)
                )
            }
            "AWS::RDS::DBInstance" => format!("arn:{p}:rds:{r}:{a}:db:{n}"),
            "AWS::RDS::DBCluster" => format!("arn:{p}:rds:{r}:{a}:cluster:{n}"),
            "AWS::RDS::DBSubnetGroup" => format!("arn:{p}:rds:{r}:{a}:subgrp:{n}"),
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => format!(
                "arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/app/{n}/{}",
                self.rng("arn").hex(16)
            ),
            "AWS::ElasticLoadBalancingV2::TargetGroup" => format!(
                "arn:{p}:elasticloadbalancing:{r}:{a}:targetgroup/{n}/{}",
                self.rng("arn").hex(16)
            ),
            _ => self.generic_arn(&kebab(self.resource_type.rsplit("::").next().unwrap_or(""))),
        }
    }

    pub(crate) fn generic_arn(&self, resource: &str) -> String {
        let service = self.service();
        let (region, account) = match service.as_str() {
            "iam" | "cloudfront" => ("", self.account),
            "route53" | "s3" => ("", ""),
            _ => (self.region, self.account),
        };
        let id = self.id.unwrap_or(self.name);
        let p = partition(self.region);
        format!("arn:{p}:{service}:{region}:{account}:{resource}/{id}")
    }

    /// The function a version or alias belongs to, by name (its `FunctionName` may be a name or an ARN).
    pub(crate) fn function(&self) -> &str {
        let function = self.prop_str("FunctionName").unwrap_or(self.name);
        function
            .rsplit_once(":function:")
            .map_or(function, |(_, rest)| rest.split(':').next().unwrap_or(rest))
    }

    pub(crate) fn queue_url(&self) -> String {
        format!(
            "https://sqs.{}.{}/{}/{}",
            self.region,
            dns_suffix(self.region),
            self.account,
            self.name
        )
    }
}

/// `SecurityGroup` → `security-group`, `VPC` → `vpc`.
pub(crate) fn kebab(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_lower = i > 0 && chars[i - 1].is_lowercase();
        if c.is_uppercase() && i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase()))
        {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    out
}
