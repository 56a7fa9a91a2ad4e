//! The diagnostic codes of the SAM transform (`E63xx`); the table in the module comment of
//! [`sam`](super) describes them. Each code keeps its meaning once released.

/// A serverless resource the translator would reject ("Resource with id [X] is invalid").
pub const INVALID_RESOURCE: &str = "E6301";
/// An event source of a serverless resource that is invalid.
pub const INVALID_EVENT: &str = "E6302";
/// A template whose structure the SAM transform cannot process (no `Resources`, a malformed section).
pub const INVALID_STRUCTURE: &str = "E6303";
/// A `Globals` section with an unknown section or property.
pub const INVALID_GLOBALS: &str = "E6304";
/// A SAM resource type or feature this version does not expand yet.
pub const UNSUPPORTED: &str = "E6305";
/// A generated resource whose logical id is already taken by another resource.
pub const ID_CLASH: &str = "E6306";
/// A value the transform needs that is not known yet: a parameter without a value, a local code path that
/// must be packaged to S3 first.
pub const NEEDS_INPUT: &str = "E6307";
