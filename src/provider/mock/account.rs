//! The account's own resources: the default VPC, its three subnets and its security group, made once per
//! account and region with ids that depend on the account and region only; and the lookup of the VPC a new
//! resource lands in.

use super::*;

const DEFAULT_TOKEN: &str = "cairn-mock-default";

/// Whether a record is one of the account's defaults (their randomness ignores the seed).
pub(super) fn is_default(record: &Record) -> bool {
    record.token.starts_with(DEFAULT_TOKEN)
}

impl MockCloud {
    pub(super) fn default_token(&self, logical_id: &str) -> String {
        let o = &self.options;
        format!("{DEFAULT_TOKEN}/{}/{}/{logical_id}", o.account_id, o.region)
    }

    /// The id of the account's default VPC in this region.
    pub fn default_vpc_id(&self) -> String {
        assigned_id("AWS::EC2::VPC", 0, &self.default_token("DefaultVpc"))
            .expect("VPCs have ids: this is a bug")
    }

    /// Creates the default VPC, its three subnets and its security group on first use of an account and
    /// region. Their ids derive from the account and region only, not from the seed.
    pub(super) fn ensure_defaults(&self) -> Result<()> {
        let mut conn = self.db.lock_alone()?;
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        if !store::claim_defaults(&tx, self.scope())? {
            return Ok(());
        }
        let vpc = self.default_vpc_id();
        let mut defaults = vec![(
            "DefaultVpc",
            "AWS::EC2::VPC",
            serde_json::json!({"CidrBlock": "172.31.0.0/16", "EnableDnsSupport": true, "EnableDnsHostnames": true}),
        )];
        for (i, zone) in ["a", "b", "c"].iter().enumerate() {
            let logical = ["DefaultSubnetA", "DefaultSubnetB", "DefaultSubnetC"][i];
            defaults.push((
                logical,
                "AWS::EC2::Subnet",
                serde_json::json!({
                    "VpcId": vpc,
                    "CidrBlock": format!("172.31.{}.0/20", i * 16),
                    "AvailabilityZone": format!("{}{zone}", self.options.region),
                    "MapPublicIpOnLaunch": true,
                }),
            ));
        }
        defaults.push((
            "DefaultSecurityGroup",
            "AWS::EC2::SecurityGroup",
            serde_json::json!({"GroupName": "default", "GroupDescription": "default VPC security group", "VpcId": vpc}),
        ));
        for (logical, resource_type, properties) in defaults {
            let token = self.default_token(logical);
            let properties = object(&properties)?;
            let make = Make {
                resource_type,
                logical_id: logical,
                stack_name: None,
                properties: &properties,
                token: &token,
                seed: 0,
            };
            let record = self.make(&tx, &make)?;
            store::insert(&tx, self.scope(), &record)?;
        }
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    /// The VPC a resource lives in: its `VpcId`, its (first) subnet's VPC, or the default VPC.
    pub(super) fn vpc_of(
        &self,
        conn: &Connection,
        properties: &Map<String, Value>,
    ) -> Result<String> {
        if let Some(vpc) = properties.get("VpcId").and_then(Value::as_str) {
            return Ok(vpc.to_string());
        }
        let subnet = properties
            .get("SubnetId")
            .and_then(Value::as_str)
            .or_else(|| {
                properties
                    .get("SubnetIds")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
            });
        if let Some(subnet) = subnet
            && let Some(record) = store::get(conn, self.scope(), "AWS::EC2::Subnet", subnet)?
            && let Some(vpc) = record.properties.get("VpcId").and_then(Value::as_str)
        {
            return Ok(vpc.to_string());
        }
        Ok(self.default_vpc_id())
    }
}
