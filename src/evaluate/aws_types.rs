//! The shapes of AWS-specific parameter values (`vpc-0a1b...`, `eu-west-1a`, `Z1D633PJN98FT9`). Only the
//! shape is checked: whether the VPC or key pair exists is a question for the cloud, not asked here.

/// Checks `value` against the AWS-specific type `ty`; `Err` holds a description of the expected shape.
pub fn check(ty: &str, value: &str) -> Result<(), &'static str> {
    let (ok, expected) = match ty {
        "AWS::EC2::VPC::Id" => (prefixed_hex(value, "vpc-"), "`vpc-` followed by hex digits"),
        "AWS::EC2::Subnet::Id" => (
            prefixed_hex(value, "subnet-"),
            "`subnet-` followed by hex digits",
        ),
        "AWS::EC2::SecurityGroup::Id" => {
            (prefixed_hex(value, "sg-"), "`sg-` followed by hex digits")
        }
        "AWS::EC2::Image::Id" => (prefixed_hex(value, "ami-"), "`ami-` followed by hex digits"),
        "AWS::EC2::Instance::Id" => (prefixed_hex(value, "i-"), "`i-` followed by hex digits"),
        "AWS::EC2::Volume::Id" => (prefixed_hex(value, "vol-"), "`vol-` followed by hex digits"),
        "AWS::EC2::AvailabilityZone::Name" => (
            is_zone_name(value),
            "a region name followed by a zone letter, such as `us-east-1a`",
        ),
        "AWS::Route53::HostedZone::Id" => (
            value.len() >= 2
                && value.len() <= 32
                && value.starts_with('Z')
                && value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            "`Z` followed by upper-case letters and digits",
        ),
        // Key pair and security group names: any non-empty name.
        _ => (!value.is_empty(), "a non-empty name"),
    };
    if ok { Ok(()) } else { Err(expected) }
}

fn prefixed_hex(value: &str, prefix: &str) -> bool {
    value
        .strip_prefix(prefix)
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `us-east-1a`, `us-gov-west-1b`, and local zones such as `us-west-2-lax-1a`.
fn is_zone_name(value: &str) -> bool {
    let Some(region) = value.strip_suffix(|c: char| c.is_ascii_lowercase()) else {
        return false;
    };
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(check("AWS::EC2::VPC::Id", "vpc-0123456789abcdef0").is_ok());
        assert!(check("AWS::EC2::VPC::Id", "vpc-").is_err());
        assert!(check("AWS::EC2::VPC::Id", "vpc-xyz").is_err());
        assert!(check("AWS::EC2::Instance::Id", "i-0abc").is_ok());
        assert!(check("AWS::EC2::Volume::Id", "vol-0abc").is_ok());
        assert!(check("AWS::EC2::SecurityGroup::Id", "sg-12").is_ok());
        assert!(check("AWS::EC2::Image::Id", "ami-12g").is_err());
        assert!(check("AWS::EC2::AvailabilityZone::Name", "us-gov-west-1b").is_ok());
        assert!(check("AWS::EC2::AvailabilityZone::Name", "us-west-2-lax-1a").is_ok());
        assert!(check("AWS::EC2::AvailabilityZone::Name", "us-east-1").is_err());
        assert!(check("AWS::Route53::HostedZone::Id", "Z1D633PJN98FT9").is_ok());
        assert!(check("AWS::Route53::HostedZone::Id", "z1d").is_err());
        assert!(check("AWS::EC2::KeyPair::KeyName", "my-key").is_ok());
        assert!(check("AWS::EC2::KeyPair::KeyName", "").is_err());
    }
}
