//! Pseudo parameters and `Fn::GetAZs`: what a stack knows about where it runs. The [`Context`] says which
//! region, account and stack; the partition, URL suffix and stack id are derived from it, deterministically.
//! Availability zones come from a built-in table (no cloud is asked).

use super::value::Value;

/// Where the stack runs. Everything else a pseudo parameter yields derives from these fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub region: String,
    pub account_id: String,
    pub stack_name: String,
    /// `AWS::StackId`; when `None`, an ARN is derived from the stack name, region and account.
    pub stack_id: Option<String>,
    pub notification_arns: Vec<String>,
}

impl Default for Context {
    fn default() -> Context {
        Context {
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            stack_name: "cairn-stack".to_owned(),
            stack_id: None,
            notification_arns: Vec::new(),
        }
    }
}

/// The outcome of `Ref` to a pseudo parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Pseudo {
    Value(Value),
    /// `AWS::NoValue`: the property or list item is removed.
    NoValue,
}

impl Context {
    /// `aws-cn` for China regions, `aws-us-gov` for GovCloud, `aws` elsewhere.
    pub fn partition(&self) -> &'static str {
        partition(&self.region)
    }

    /// The domain suffix of service endpoints in the region's partition.
    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// `arn:{partition}:cloudformation:{region}:{account}:stack/{name}/{id}`, the id a UUID-shaped hash of
    /// the name, region and account (so the same stack always gets the same id).
    pub fn stack_id(&self) -> String {
        if let Some(id) = &self.stack_id {
            return id.clone();
        }
        let seed = format!("{}\0{}\0{}", self.stack_name, self.region, self.account_id);
        let hi = fnv1a(seed.as_bytes(), 0xcbf2_9ce4_8422_2325);
        let lo = fnv1a(seed.as_bytes(), 0x8422_2325_cbf2_9ce4 ^ hi);
        let h = format!("{hi:016x}{lo:016x}");
        format!(
            "arn:{}:cloudformation:{}:{}:stack/{}/{}-{}-{}-{}-{}",
            self.partition(),
            self.region,
            self.account_id,
            self.stack_name,
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// The value of a pseudo parameter, or `None` when `name` is not one.
    pub fn pseudo(&self, name: &str) -> Option<Pseudo> {
        let s = |x: &str| Pseudo::Value(Value::String(x.to_owned()));
        Some(match name {
            "AWS::AccountId" => s(&self.account_id),
            "AWS::NotificationARNs" => Pseudo::Value(Value::List(
                self.notification_arns
                    .iter()
                    .map(|a| Value::String(a.clone()))
                    .collect(),
            )),
            "AWS::NoValue" => Pseudo::NoValue,
            "AWS::Partition" => s(self.partition()),
            "AWS::Region" => s(&self.region),
            "AWS::StackId" => s(&self.stack_id()),
            "AWS::StackName" => s(&self.stack_name),
            "AWS::URLSuffix" => s(self.url_suffix()),
            _ => return None,
        })
    }

    /// `Fn::GetAZs`: the zones of `region` (the stack's region when empty), in order.
    pub fn availability_zones(&self, region: &str) -> Vec<String> {
        let region = if region.is_empty() {
            self.region.as_str()
        } else {
            region
        };
        (b'a'..)
            .take(zone_count(region))
            .map(|c| format!("{region}{}", c as char))
            .collect()
    }
}

pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// How many zones `Fn::GetAZs` lists for a region. Zones are named with consecutive letters from `a`:
/// where an account really sees other letters (us-west-1 shows `a` and `c` to many accounts, ap-northeast-1
/// `a`, `c` and `d`), the simple sequence is used so results do not depend on the account.
fn zone_count(region: &str) -> usize {
    match region {
        "us-east-1" => 6,
        "us-west-1" => 2,
        "us-west-2" | "ap-northeast-2" => 4,
        _ => 3,
    }
}

/// 64-bit FNV-1a with a caller-chosen offset basis: stable across platforms and releases.
fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    bytes.iter().fold(basis, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(region: &str) -> Context {
        Context {
            region: region.to_owned(),
            ..Context::default()
        }
    }

    fn text(c: &Context, name: &str) -> String {
        match c.pseudo(name) {
            Some(Pseudo::Value(Value::String(s))) => s,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn partitions_and_url_suffixes() {
        for (region, partition, suffix) in [
            ("us-east-1", "aws", "amazonaws.com"),
            ("eu-west-3", "aws", "amazonaws.com"),
            ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
            ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ] {
            let c = cx(region);
            assert_eq!(text(&c, "AWS::Partition"), partition, "{region}");
            assert_eq!(text(&c, "AWS::URLSuffix"), suffix, "{region}");
            assert_eq!(text(&c, "AWS::Region"), region);
        }
    }

    #[test]
    fn stack_id_has_cloudformations_shape_and_is_stable() {
        let c = cx("cn-northwest-1");
        let id = text(&c, "AWS::StackId");
        let prefix = "arn:aws-cn:cloudformation:cn-northwest-1:123456789012:stack/cairn-stack/";
        assert!(id.starts_with(prefix), "{id}");
        let uuid = &id[prefix.len()..];
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(id, cx("cn-northwest-1").stack_id());
        assert_ne!(id, cx("cn-north-1").stack_id());
        let given = Context {
            stack_id: Some("arn:given".into()),
            ..Context::default()
        };
        assert_eq!(text(&given, "AWS::StackId"), "arn:given");
    }

    #[test]
    fn account_notification_arns_and_novalue() {
        let c = Context {
            notification_arns: vec!["arn:aws:sns:us-east-1:1:t".into()],
            ..Context::default()
        };
        assert_eq!(text(&c, "AWS::AccountId"), "123456789012");
        assert_eq!(
            c.pseudo("AWS::NotificationARNs"),
            Some(Pseudo::Value(Value::List(vec![Value::string(
                "arn:aws:sns:us-east-1:1:t"
            )])))
        );
        assert_eq!(c.pseudo("AWS::NoValue"), Some(Pseudo::NoValue));
        assert_eq!(c.pseudo("AWS::Nope"), None);
    }

    #[test]
    fn availability_zones_per_region() {
        let c = cx("us-east-1");
        assert_eq!(c.availability_zones("").len(), 6);
        assert_eq!(c.availability_zones("")[5], "us-east-1f");
        assert_eq!(
            c.availability_zones("us-west-1"),
            ["us-west-1a", "us-west-1b"]
        );
        assert_eq!(
            c.availability_zones("eu-west-1"),
            ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        );
    }
}
