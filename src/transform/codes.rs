//! The diagnostic codes of the `transform` stage (`E6xxx`). Each code keeps its meaning once released; the
//! table in the module comment of [`transform`](super) describes them. Condition cycles are reported with
//! `check`'s own code (`E3005`).

/// `Fn::ForEach`: loops are not expanded by this version.
pub const FOREACH_NOT_EXPANDED: &str = "E6001";
/// A template the transform cannot process: no `Resources`, or a resource or output that is null.
pub const TEMPLATE_SHAPE: &str = "E6002";
/// A function whose arguments have the wrong layout (`Fn::Length` of a string, `Fn::If` without three items).
pub const BAD_LAYOUT: &str = "E6003";
/// A function where the transform refuses it (`Fn::GetAtt` inside `Fn::FindInMap`, `Fn::And` inside
/// `Fn::ToJsonString`, `Ref` among the operands of `Fn::And`).
pub const FUNCTION_NOT_SUPPORTED: &str = "E6004";
/// `Fn::FindInMap` on a mapping or key that does not exist (or holds null), with no `DefaultValue`.
pub const MAPPING_KEY_MISSING: &str = "E6005";
/// A condition name that is not defined in `Conditions`.
pub const UNKNOWN_CONDITION: &str = "E6006";
/// A value of the wrong kind (a mapping key that resolves to a list, a list item of `Fn::Join` that is a list).
pub const WRONG_KIND: &str = "E6007";
/// `Fn::Select` with an index outside the list.
pub const INDEX_OUT_OF_RANGE: &str = "E6008";
/// A `DeletionPolicy` or `UpdateReplacePolicy` that does not resolve to a string when the transform runs.
pub const POLICY_NOT_RESOLVED: &str = "E6009";
