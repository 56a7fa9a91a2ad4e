//! Diagnostic codes of the `plan` stage.

/// An export name another stack already exports, or one declared twice.
pub const EXPORT_CONFLICT: &str = "E7001";
/// An export name that depends on a resource (it must be known before any resource exists).
pub const EXPORT_NOT_KNOWN: &str = "E7002";
/// A replacement of a resource with a custom name the replacement would need too.
pub const CUSTOM_NAME_REPLACED: &str = "E7003";
/// A new physical name the account already has.
pub const NAME_TAKEN: &str = "E7004";
/// Removing or changing an export another stack imports.
pub const EXPORT_IN_USE: &str = "E7005";
/// A resource whose type changes.
pub const TYPE_CHANGED: &str = "E7006";
