//! Names and ids as the real services generate them: `{stack}-{logical}-{13 random}` physical names cut to the
//! service's length and case rules, EC2-style `vpc-0123456789abcdef0` ids, and the seeded randomness behind
//! them. Nothing here reads the clock: every value derives from a hash of the seed and the request's token.

use crate::spec::ResourceType;

use super::validate::compiled;

/// A small deterministic generator: FNV-1a over the inputs, then splitmix64. Stable across Rust releases
/// (unlike `DefaultHasher`), so a seed means the same ids forever.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, parts: &[&str]) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(&seed.to_le_bytes());
        for part in parts {
            eat(part.as_bytes());
            eat(&[0xff]);
        }
        Rng(h)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw in `0.0..1.0`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len() as u64) as usize]))
            .collect()
    }

    /// `[A-Z0-9]{len}`: CloudFormation's suffix alphabet.
    pub(crate) fn upper(&mut self, len: usize) -> String {
        self.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", len)
    }

    pub(crate) fn lower(&mut self, len: usize) -> String {
        self.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", len)
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.pick(b"0123456789abcdef", len)
    }

    /// A version-4 UUID (KMS key ids, ...).
    pub(crate) fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }
}

/// EC2-style id prefixes: these types' physical ids are `{prefix}-{17 hex}` whatever their names.
pub(crate) fn id_prefix(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::EC2::VPC" => "vpc",
        "AWS::EC2::Subnet" => "subnet",
        "AWS::EC2::SecurityGroup" => "sg",
        "AWS::EC2::Instance" => "i",
        "AWS::EC2::InternetGateway" => "igw",
        "AWS::EC2::EgressOnlyInternetGateway" => "eigw",
        "AWS::EC2::RouteTable" => "rtb",
        "AWS::EC2::NetworkInterface" => "eni",
        "AWS::EC2::Volume" => "vol",
        "AWS::EC2::NatGateway" => "nat",
        "AWS::EC2::NetworkAcl" => "acl",
        "AWS::EC2::SubnetRouteTableAssociation" => "rtbassoc",
        "AWS::EC2::SubnetNetworkAclAssociation" => "aclassoc",
        "AWS::EC2::VPCEndpoint" => "vpce",
        "AWS::EC2::VPCPeeringConnection" => "pcx",
        "AWS::EC2::TransitGateway" => "tgw",
        "AWS::EC2::TransitGatewayAttachment" => "tgw-attach",
        "AWS::EC2::VPNGateway" => "vgw",
        "AWS::EC2::CustomerGateway" => "cgw",
        "AWS::EC2::VPNConnection" => "vpn",
        "AWS::EC2::DHCPOptions" => "dopt",
        "AWS::EC2::LaunchTemplate" => "lt",
        "AWS::EC2::FlowLog" => "fl",
        "AWS::EC2::PrefixList" => "pl",
        "AWS::EC2::CarrierGateway" => "cagw",
        "AWS::EC2::Host" => "h",
        "AWS::EC2::CapacityReservation" => "cr",
        "AWS::EC2::VPCCidrBlock" => "vpc-cidr-assoc",
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => "sgr",
        _ => return None,
    })
}

/// An id prefix for an attribute name, for attributes that hold another EC2 object's id.
pub(crate) fn attribute_id_prefix(attribute: &str) -> Option<&'static str> {
    Some(match attribute {
        "VpcId" => "vpc",
        "SubnetId" => "subnet",
        "GroupId" | "DefaultSecurityGroup" => "sg",
        "InstanceId" => "i",
        "AllocationId" => "eipalloc",
        "NetworkAclAssociationId" => "aclassoc",
        "DefaultNetworkAcl" => "acl",
        "RouteTableId" => "rtb",
        "EniId" | "NetworkInterfaceId" => "eni",
        "ImageId" => "ami",
        "VolumeId" => "vol",
        "InternetGatewayId" => "igw",
        "NatGatewayId" => "nat",
        _ => return None,
    })
}

pub(crate) fn ec2_id(prefix: &str, rng: &mut Rng) -> String {
    format!("{prefix}-{}", rng.hex(17))
}

/// Per-type limits of generated names: (max length, lowercase only). Types not listed use the name property's
/// `maxLength` from the spec (else 255) and lowercase only when the property's pattern refuses capitals.
fn name_rule(resource_type: &str) -> Option<(usize, bool)> {
    Some(match resource_type {
        "AWS::S3::Bucket" => (63, true),
        "AWS::IAM::Role" | "AWS::IAM::User" => (64, false),
        "AWS::IAM::Group" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::InstanceProfile" => (128, false),
        "AWS::SQS::Queue" => (80, false),
        "AWS::SNS::Topic" => (256, false),
        "AWS::Lambda::Function" => (64, false),
        "AWS::DynamoDB::Table" => (255, false),
        "AWS::Logs::LogGroup" => (512, false),
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => (63, true),
        "AWS::RDS::DBSubnetGroup" => (255, true),
        "AWS::ElastiCache::CacheCluster" => (40, true),
        "AWS::ElasticLoadBalancingV2::LoadBalancer"
        | "AWS::ElasticLoadBalancingV2::TargetGroup" => (32, false),
        "AWS::StepFunctions::StateMachine" => (80, false),
        "AWS::Events::Rule" => (64, false),
        "AWS::Kinesis::Stream" => (128, false),
        "AWS::ECS::Cluster" => (255, false),
        "AWS::ECR::Repository" => (256, true),
        "AWS::Redshift::Cluster" | "AWS::DocDB::DBCluster" | "AWS::Neptune::DBCluster" => {
            (63, true)
        }
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => (28, true),
        "AWS::EKS::Cluster" => (100, false),
        _ => return None,
    })
}

/// A generated physical name: `{stack}-{logical}-{SUFFIX}` with a 13-character suffix, the stack and logical
/// parts cut (evenly, the shorter one keeping its length) so the whole fits the service's limit, lowercased
/// where the service wants it. `fifo` appends `.fifo` inside the limit (FIFO queues and topics).
pub(crate) fn generated_name(
    ty: Option<&ResourceType>,
    resource_type: &str,
    stack: &str,
    logical: &str,
    fifo: bool,
    rng: &mut Rng,
) -> String {
    let name_prop = ty
        .and_then(|t| t.name_property())
        .and_then(|n| ty?.property(n));
    let (max, lower) = name_rule(resource_type).unwrap_or_else(|| {
        let max = name_prop.and_then(|p| p.max_length).unwrap_or(255) as usize;
        (max.max(20), false)
    });
    let suffix = rng.upper(13);
    let tail = if fifo { ".fifo" } else { "" };
    let budget = max.saturating_sub(suffix.len() + 2 + tail.len());
    let (s, l) = split_budget(stack.chars().count(), logical.chars().count(), budget);
    let stack_part: String = stack.chars().take(s).collect();
    let logical_part: String = logical.chars().take(l).collect();
    let name = format!("{stack_part}-{logical_part}-{suffix}{tail}");
    let pattern_wants_lower = || {
        name_prop
            .and_then(|p| p.pattern.as_deref())
            .and_then(compiled)
            .is_some_and(|re| !re.is_match(&name) && re.is_match(&name.to_lowercase()))
    };
    if lower || pattern_wants_lower() {
        name.to_lowercase()
    } else {
        name
    }
}

/// How many characters of the stack and logical parts fit in `budget`.
fn split_budget(stack: usize, logical: usize, budget: usize) -> (usize, usize) {
    if stack + logical <= budget {
        return (stack, logical);
    }
    let half = budget / 2;
    if stack <= half {
        (stack, budget - stack)
    } else if logical <= budget - half {
        (budget - logical, logical)
    } else {
        (half, budget - half)
    }
}

/// An RFC 3339 UTC timestamp of now (for `created_at` records only: never an input to ids).
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
