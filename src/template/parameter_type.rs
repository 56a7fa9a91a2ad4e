//! Parameter types: the plain ones, the AWS-specific ones (and their `List<>` forms), and SSM parameter
//! types, parsed from the `Type` string of a parameter.

use std::fmt;

/// The AWS-specific parameter types CloudFormation validates against existing resources.
pub const AWS_TYPES: &[&str] = &[
    "AWS::EC2::AvailabilityZone::Name",
    "AWS::EC2::Image::Id",
    "AWS::EC2::Instance::Id",
    "AWS::EC2::KeyPair::KeyName",
    "AWS::EC2::SecurityGroup::GroupName",
    "AWS::EC2::SecurityGroup::Id",
    "AWS::EC2::Subnet::Id",
    "AWS::EC2::Volume::Id",
    "AWS::EC2::VPC::Id",
    "AWS::Route53::HostedZone::Id",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterType {
    String,
    Number,
    /// `List<Number>`
    NumberList,
    CommaDelimitedList,
    /// `List<String>`: not in CloudFormation's documented list, but accepted by it and by cfn-lint; behaves
    /// as `CommaDelimitedList`.
    StringList,
    /// An AWS-specific type such as `AWS::EC2::VPC::Id`.
    Aws(String),
    /// `List<AWS::EC2::Subnet::Id>` and the like.
    AwsList(String),
    /// `AWS::SSM::Parameter::Name`: the name of an SSM parameter, passed as is.
    SsmName,
    /// `AWS::SSM::Parameter::Value<T>`: the value is read from the SSM parameter store.
    SsmValue(Box<ParameterType>),
}

impl ParameterType {
    pub fn parse(s: &str) -> Option<ParameterType> {
        Some(match s {
            "String" => ParameterType::String,
            "Number" => ParameterType::Number,
            "List<Number>" => ParameterType::NumberList,
            "CommaDelimitedList" => ParameterType::CommaDelimitedList,
            "List<String>" => ParameterType::StringList,
            "AWS::SSM::Parameter::Name" => ParameterType::SsmName,
            _ if AWS_TYPES.contains(&s) => ParameterType::Aws(s.to_owned()),
            _ => {
                if let Some(inner) = s.strip_prefix("List<").and_then(|r| r.strip_suffix('>')) {
                    if AWS_TYPES.contains(&inner) {
                        return Some(ParameterType::AwsList(inner.to_owned()));
                    }
                    return None;
                }
                let inner = s
                    .strip_prefix("AWS::SSM::Parameter::Value<")
                    .and_then(|r| r.strip_suffix('>'))?;
                let inner = match inner {
                    "String" => ParameterType::String,
                    "List<String>" | "CommaDelimitedList" => ParameterType::CommaDelimitedList,
                    other => match ParameterType::parse(other)? {
                        t @ (ParameterType::Aws(_) | ParameterType::AwsList(_)) => t,
                        _ => return None,
                    },
                };
                ParameterType::SsmValue(Box::new(inner))
            }
        })
    }

    /// True when a `Ref` to the parameter yields a list.
    pub fn is_list(&self) -> bool {
        match self {
            ParameterType::NumberList
            | ParameterType::CommaDelimitedList
            | ParameterType::StringList
            | ParameterType::AwsList(_) => true,
            ParameterType::SsmValue(inner) => inner.is_list(),
            _ => false,
        }
    }

    /// The type whose constraints apply to each value (the item type for lists).
    pub fn is_numeric(&self) -> bool {
        matches!(self, ParameterType::Number | ParameterType::NumberList)
    }
}

impl fmt::Display for ParameterType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterType::String => f.write_str("String"),
            ParameterType::Number => f.write_str("Number"),
            ParameterType::NumberList => f.write_str("List<Number>"),
            ParameterType::CommaDelimitedList => f.write_str("CommaDelimitedList"),
            ParameterType::StringList => f.write_str("List<String>"),
            ParameterType::Aws(t) => f.write_str(t),
            ParameterType::AwsList(t) => write!(f, "List<{t}>"),
            ParameterType::SsmName => f.write_str("AWS::SSM::Parameter::Name"),
            ParameterType::SsmValue(inner) => {
                let inner = match inner.as_ref() {
                    ParameterType::CommaDelimitedList => "List<String>".to_owned(),
                    other => other.to_string(),
                };
                write!(f, "AWS::SSM::Parameter::Value<{inner}>")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_family() {
        for s in [
            "String",
            "Number",
            "List<Number>",
            "CommaDelimitedList",
            "AWS::EC2::VPC::Id",
            "List<AWS::EC2::Subnet::Id>",
            "AWS::SSM::Parameter::Name",
            "AWS::SSM::Parameter::Value<String>",
            "AWS::SSM::Parameter::Value<List<String>>",
            "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>",
        ] {
            let t = ParameterType::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(t.to_string(), s);
        }
        assert!(ParameterType::parse("Strin").is_none());
        assert!(ParameterType::parse("List<Strin>").is_none());
        assert!(ParameterType::parse("AWS::SSM::Parameter::Value<Number>").is_none());
    }
}
