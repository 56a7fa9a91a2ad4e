//! The diagnostic codes of the `evaluate` stage (`E5xxx`). Each code keeps its meaning once released; the
//! table in the module comment of [`evaluate`](super) describes them.

/// Parameters without a value and without a `Default`.
pub const MISSING_PARAMETER_VALUES: &str = "E5001";
/// Parameter values given for names the template does not declare.
pub const UNKNOWN_PARAMETERS: &str = "E5002";
/// A parameter value that violates its type or constraints.
pub const PARAMETER_CONSTRAINT: &str = "E5003";
/// An SSM parameter (a parameter type or a `{{resolve:ssm:...}}` reference) missing from the store.
pub const SSM_PARAMETER_MISSING: &str = "E5004";
/// A name that resolves to nothing at evaluation time (Ref, Sub variable, GetAtt, condition).
pub const UNRESOLVED_NAME: &str = "E5005";
/// A function argument of the wrong kind (a list where a string is expected, a non-number index...).
pub const WRONG_KIND: &str = "E5006";
/// `Fn::Select` with an index outside the list.
pub const INDEX_OUT_OF_RANGE: &str = "E5007";
/// `Fn::Split` with an empty delimiter.
pub const EMPTY_DELIMITER: &str = "E5008";
/// `Fn::FindInMap` on a mapping or key that does not exist, with no `DefaultValue`.
pub const MAPPING_KEY_MISSING: &str = "E5009";
/// `Fn::Cidr` with a bad block, count or bit size.
pub const BAD_CIDR: &str = "E5010";
/// `Ref AWS::NoValue` where a value is required.
pub const NOVALUE_NOT_ALLOWED: &str = "E5011";
/// A value that must be known before resources exist (a condition, an import name) depends on one.
pub const NEEDS_RESOURCE: &str = "E5012";
/// A construct this version does not evaluate (`Fn::Transform`, `Fn::ForEach`, a malformed call).
pub const NOT_EVALUABLE: &str = "E5013";
/// A rule assertion that is false.
pub const ASSERTION_FAILED: &str = "E5014";
/// A rules function that reads attributes from the cloud (`Fn::ValueOf`, `Fn::ValueOfAll`).
pub const NEEDS_PROVIDER: &str = "E5015";
/// A `Ref`, `Fn::GetAtt` or `DependsOn` to a resource whose condition is false.
pub const EXCLUDED_RESOURCE: &str = "E5016";
/// A parameter file that is not in the aws cli format nor a plain map.
pub const PARAMETER_FILE: &str = "E5017";
