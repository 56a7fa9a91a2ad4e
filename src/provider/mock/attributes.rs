//! What a resource looks like from outside once created: its `Ref` value (which is also its physical id) and a
//! value for every `Fn::GetAtt` attribute the spec lists, shaped like AWS's (ARNs per partition, ids with
//! their prefixes, service URLs). Service-specific shapes for common types, a fallback by attribute name for
//! the rest. Pure functions of a [`Shape`]: the same inputs always give the same values.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::spec::{Attribute, Kind, ResourceType};

use super::arn::{dns_suffix, kebab, partition};
use super::naming::{Rng, attribute_id_prefix, ec2_id, id_prefix};

/// Everything attributes are computed from.
pub(crate) struct Shape<'a> {
    pub resource_type: &'a str,
    pub spec: Option<&'static ResourceType>,
    pub properties: &'a Map<String, Value>,
    /// The physical name: the custom one or the generated `{stack}-{logical}-{SUFFIX}`.
    pub name: &'a str,
    /// The service-assigned id (`vpc-...`, a KMS key's UUID), for types that have one.
    pub id: Option<&'a str>,
    pub account: &'a str,
    pub region: &'a str,
    pub seed: u64,
    /// Keys the randomness: the token of the create that made the resource, so an update regenerates the same
    /// random parts.
    pub key: &'a str,
    /// The VPC the resource lives in: its `VpcId`, its subnet's VPC, or the default VPC.
    pub vpc: &'a str,
    /// For versioned types (a Lambda version, an ECS task definition): the version or revision number,
    /// the first one free.
    pub revision: u32,
}

/// Custom resources: their attributes are their properties (as if the handler echoed them back).
pub(crate) fn is_custom(resource_type: &str) -> bool {
    resource_type.starts_with("Custom::") || resource_type == "AWS::CloudFormation::CustomResource"
}

/// The service-assigned id of types whose physical id is not a name, other than EC2's prefixed ids.
pub(crate) fn service_id(resource_type: &str, rng: &mut Rng) -> Option<String> {
    Some(match resource_type {
        "AWS::KMS::Key" => rng.uuid(),
        "AWS::ApiGateway::RestApi" | "AWS::ApiGatewayV2::Api" => rng.lower(10),
        "AWS::ApiGateway::Resource"
        | "AWS::ApiGateway::Deployment"
        | "AWS::ApiGateway::Authorizer"
        | "AWS::ApiGatewayV2::Stage"
        | "AWS::ApiGatewayV2::Route"
        | "AWS::ApiGatewayV2::Integration" => rng.lower(6),
        "AWS::CloudFront::Distribution" => format!("E{}", rng.upper(13)),
        "AWS::Route53::HostedZone" => format!("Z{}", rng.upper(20)),
        "AWS::EC2::EIP" => public_ip(rng),
        _ => return None,
    })
}

fn public_ip(rng: &mut Rng) -> String {
    format!(
        "54.{}.{}.{}",
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

fn private_ip(rng: &mut Rng) -> String {
    format!("10.0.{}.{}", rng.below(256), 4 + rng.below(250))
}

impl Shape<'_> {
    pub(crate) fn rng(&self, purpose: &str) -> Rng {
        Rng::new(self.seed, &[self.key, self.resource_type, purpose])
    }

    pub(crate) fn prop_str(&self, name: &str) -> Option<&str> {
        self.properties.get(name).and_then(Value::as_str)
    }

    /// What `Ref` returns, which the mock also uses as the physical id.
    pub(crate) fn primary(&self) -> String {
        match self.resource_type {
            "AWS::SQS::Queue" => return self.queue_url(),
            "AWS::SNS::Topic"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::SecretsManager::Secret"
            | "AWS::ECS::Service"
            | "AWS::CloudFormation::Stack" => {
                return self.arn();
            }
            _ => {}
        }
        if let Some(id) = self.id {
            return id.to_string();
        }
        let Some(spec) = self.spec.filter(|_| !is_custom(self.resource_type)) else {
            return self.name.to_string();
        };
        match spec.primary_identifier() {
            [one] if Some(one.as_str()) == spec.name_property() => self.name.to_string(),
            [one] if one.ends_with("Arn") => self.arn(),
            [one] => self.prop_str(one).unwrap_or(self.name).to_string(),
            [] => self.name.to_string(),
            many => many
                .iter()
                .map(|f| self.field(f))
                .collect::<Vec<_>>()
                .join("|"),
        }
    }

    /// One field of a composite identifier (`IGW|vpc-0123...`).
    fn field(&self, field: &str) -> String {
        if let Some(value) = self.prop_str(field) {
            return value.to_string();
        }
        if let Some(Value::String(value)) = self.special(field) {
            return value;
        }
        if field.ends_with("Arn") {
            return self.arn();
        }
        match attribute_id_prefix(field) {
            Some(prefix) => ec2_id(prefix, &mut self.rng(field)),
            None => self.name.to_string(),
        }
    }

    /// A value for every attribute of the type.
    pub(crate) fn attributes(&self) -> BTreeMap<String, Value> {
        if is_custom(self.resource_type) {
            return self
                .properties
                .iter()
                .filter(|(k, _)| *k != "ServiceToken")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        let Some(spec) = self.spec else {
            return BTreeMap::new();
        };
        let attrs = spec.attributes();
        let mut out = BTreeMap::new();
        // Leaves first; objects are then assembled from their dotted children.
        for (name, attr) in attrs {
            let assembled = matches!(attr.kind, Kind::Object | Kind::Map | Kind::Json)
                && attrs.keys().any(|k| is_child(k, name));
            if !assembled {
                out.insert(name.clone(), self.attribute(name, attr));
            }
        }
        for (name, attr) in attrs.iter().rev() {
            if out.contains_key(name) {
                continue;
            }
            let mut object = Map::new();
            for (k, v) in &out {
                if let Some(rest) = k
                    .strip_prefix(name.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    && !rest.contains('.')
                {
                    object.insert(rest.to_string(), v.clone());
                }
            }
            let value = self.special(name).unwrap_or(Value::Object(object));
            out.insert(name.clone(), coerce(value, attr));
        }
        out
    }

    fn attribute(&self, name: &str, attr: &Attribute) -> Value {
        let value = self
            .special(name)
            .or_else(|| self.mirror(name))
            .unwrap_or_else(|| self.generic(name, attr));
        coerce(value, attr)
    }

    /// The property of the same (dotted) name, when given: `CidrBlock` of a VPC, `VpcId` of a subnet.
    fn mirror(&self, name: &str) -> Option<Value> {
        let mut steps = name.split('.');
        let mut value = self.properties.get(steps.next()?)?;
        for step in steps {
            value = value.as_object()?.get(step)?;
        }
        Some(value.clone())
    }

    /// Shapes of the common types.
    fn special(&self, name: &str) -> Option<Value> {
        let (n, r, dns) = (self.name, self.region, dns_suffix(self.region));
        let text = |s: String| Some(Value::String(s));
        match (self.resource_type, name) {
            ("AWS::S3::Bucket", "DomainName") => text(format!("{n}.s3.{dns}")),
            ("AWS::S3::Bucket", "RegionalDomainName") => text(format!("{n}.s3.{r}.{dns}")),
            ("AWS::S3::Bucket", "DualStackDomainName") => {
                text(format!("{n}.s3.dualstack.{r}.{dns}"))
            }
            ("AWS::S3::Bucket", "WebsiteURL") => text(format!("http://{n}.s3-website-{r}.{dns}")),
            ("AWS::SQS::Queue", "QueueUrl") => text(self.queue_url()),
            ("AWS::SQS::Queue", "QueueName") | ("AWS::SNS::Topic", "TopicName") => text(n.into()),
            ("AWS::IAM::Role", "RoleId") => text(format!("AROA{}", self.rng(name).upper(17))),
            ("AWS::IAM::User", "UserId") => text(format!("AIDA{}", self.rng(name).upper(17))),
            ("AWS::IAM::ManagedPolicy", "PolicyId") => {
                text(format!("ANPA{}", self.rng(name).upper(17)))
            }
            ("AWS::DynamoDB::Table", "StreamArn") => {
                text(format!("{}/stream/2024-01-01T00:00:00.000", self.arn()))
            }
            ("AWS::EC2::VPC", "CidrBlockAssociations") => {
                Some(json!([ec2_id("vpc-cidr-assoc", &mut self.rng(name))]))
            }
            ("AWS::EC2::Subnet" | "AWS::EC2::Instance", "AvailabilityZone") => text(
                self.prop_str("AvailabilityZone")
                    .map_or(format!("{r}a"), String::from),
            ),
            ("AWS::EC2::Instance", "PrivateIp") => text(private_ip(&mut self.rng("ip"))),
            ("AWS::EC2::Instance", "PublicIp") => text(public_ip(&mut self.rng("public-ip"))),
            ("AWS::EC2::Instance", "PrivateDnsName") => {
                let ip = private_ip(&mut self.rng("ip")).replace('.', "-");
                let zone = if r == "us-east-1" {
                    "ec2.internal".to_string()
                } else {
                    format!("{r}.compute.internal")
                };
                text(format!("ip-{ip}.{zone}"))
            }
            ("AWS::EC2::Instance", "PublicDnsName") => {
                let ip = public_ip(&mut self.rng("public-ip")).replace('.', "-");
                let zone = if r == "us-east-1" {
                    "compute-1".to_string()
                } else {
                    format!("{r}.compute")
                };
                text(format!("ec2-{ip}.{zone}.{dns}"))
            }
            ("AWS::EC2::VPCGatewayAttachment", "AttachmentType") => {
                let igw = self.properties.contains_key("InternetGatewayId");
                text(if igw { "IGW" } else { "VPNGW" }.to_string())
            }
            ("AWS::ECR::Repository", "RepositoryUri") => {
                text(format!("{}.dkr.ecr.{r}.{dns}/{n}", self.account))
            }
            ("AWS::EC2::Route", "CidrBlock") => self.mirror("DestinationCidrBlock"),
            ("AWS::CloudFront::Distribution", "DomainName") => {
                text(format!("d{}.cloudfront.net", self.rng(name).lower(13)))
            }
            ("AWS::EC2::Instance", "State") => Some(json!({"Code": "16", "Name": "running"})),
            ("AWS::EC2::EIP", "PublicIp") => text(self.primary()),
            ("AWS::RDS::DBInstance" | "AWS::RDS::DBCluster", "Endpoint.Address") => text(format!(
                "{n}.{}.{r}.rds.{dns}",
                Rng::new(self.seed, &[self.account, r, "rds"]).lower(12)
            )),
            ("AWS::RDS::DBInstance" | "AWS::RDS::DBCluster", "Endpoint.Port") => {
                text(self.db_port().to_string())
            }
            ("AWS::RDS::DBInstance", "DBInstanceArn") => text(self.arn()),
            ("AWS::RDS::DBInstance", "DbiResourceId") => {
                text(format!("db-{}", self.rng(name).upper(26)))
            }
            _ => None,
        }
    }

    fn db_port(&self) -> u16 {
        if let Some(port) = self
            .properties
            .get("Port")
            .and_then(super::validate::integer)
        {
            return port as u16;
        }
        let engine = self
            .prop_str("Engine")
            .unwrap_or("mysql")
            .to_ascii_lowercase();
        if engine.contains("postgres") {
            5432
        } else if engine.contains("sqlserver") {
            1433
        } else if engine.contains("oracle") {
            1521
        } else {
            3306
        }
    }

    /// A plausible value from the attribute's name and kind.
    fn generic(&self, name: &str, attr: &Attribute) -> Value {
        let leaf = name.rsplit('.').next().unwrap_or(name);
        match attr.kind {
            Kind::Array => return json!([]),
            Kind::Boolean => return json!(false),
            Kind::Integer | Kind::Number => {
                return json!(if leaf.ends_with("Port") { 443 } else { 0 });
            }
            Kind::Object | Kind::Map | Kind::Json => return json!({}),
            Kind::String => {}
        }
        let primary = self.spec.and_then(|s| match s.primary_identifier() {
            [one] => Some(one.as_str()),
            _ => None,
        });
        let service = self.service();
        let (r, dns) = (self.region, dns_suffix(self.region));
        let lower = self.name.to_ascii_lowercase();
        let value = if Some(name) == primary || name == "Id" {
            self.primary()
        } else if leaf == "Arn"
            || leaf.ends_with("ARN")
            || (leaf.ends_with("Arn") && self.resource_type.ends_with(leaf.trim_end_matches("Arn")))
        {
            self.arn()
        } else if leaf == "SecretArn" {
            let (p, r, a) = (partition(r), r, self.account);
            format!(
                "arn:{p}:secretsmanager:{r}:{a}:secret:{lower}-{}",
                self.rng(name).lower(6)
            )
        } else if let Some(part) = leaf.strip_suffix("Arn") {
            self.generic_arn(&kebab(part))
        } else if self.id.is_some()
            && attribute_id_prefix(leaf).is_some()
            && attribute_id_prefix(leaf) == id_prefix(self.resource_type)
        {
            self.primary()
        } else if leaf == "VpcId" {
            self.vpc.to_string()
        } else if let Some(prefix) = attribute_id_prefix(leaf) {
            ec2_id(prefix, &mut self.rng(name))
        } else if leaf.contains("HostedZoneId") || leaf.contains("HostedZoneID") {
            format!("Z{}", self.rng(name).upper(13))
        } else if leaf.ends_with("Id") || leaf.ends_with("ID") {
            let own = self
                .resource_type
                .rsplit("::")
                .next()
                .is_some_and(|t| leaf.starts_with(t));
            match self.id {
                Some(id) if own => id.to_string(),
                _ => self.rng(name).lower(12),
            }
        } else if leaf.ends_with("Url") || leaf.ends_with("URL") {
            format!("https://{lower}.{service}.{r}.{dns}")
        } else if leaf.contains("Endpoint")
            || leaf.ends_with("Address")
            || leaf.ends_with("DnsName")
            || leaf.ends_with("DNSName")
        {
            format!("{lower}.{}.{r}.{service}.{dns}", self.rng(name).lower(8))
        } else if leaf.ends_with("Port") {
            if service == "elasticache" {
                "6379"
            } else {
                "443"
            }
            .to_string()
        } else if leaf.contains("Secret") || leaf.ends_with("Key") {
            self.rng(name).upper(40)
        } else if leaf.ends_with("Number") || leaf.ends_with("Count") {
            "1".to_string()
        } else if leaf.ends_with("Ip") {
            private_ip(&mut self.rng(name))
        } else if leaf.ends_with("Status") || leaf == "State" {
            "available".to_string()
        } else if leaf.ends_with("Time") || leaf.ends_with("Date") {
            "2024-01-01T00:00:00Z".to_string()
        } else if leaf == "Version" {
            self.revision.to_string()
        } else {
            self.name.to_string()
        };
        Value::String(value)
    }
}

fn is_child(key: &str, parent: &str) -> bool {
    key.strip_prefix(parent)
        .is_some_and(|rest| rest.starts_with('.'))
}

/// Makes the value the attribute's kind (a port computed as text for an integer attribute, ...).
fn coerce(value: Value, attr: &Attribute) -> Value {
    match (attr.kind, &value) {
        (Kind::String, Value::Number(n)) => Value::String(n.to_string()),
        (Kind::String, Value::Bool(b)) => Value::String(b.to_string()),
        (Kind::Integer, Value::String(s)) => s.parse::<i64>().map_or(value, |n| json!(n)),
        (Kind::Boolean, Value::String(s)) => s.parse::<bool>().map_or(value, |b| json!(b)),
        _ => value,
    }
}
