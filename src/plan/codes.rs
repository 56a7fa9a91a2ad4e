//! Diagnostic codes of the `plan` stage.

/// An export name another stack already exports, or one declared twice.
pub const EXPORT_CONFLICT: &str = "E7001";
/// An export name that depends on a resource (it must be known before any resource exists).
pub const EXPORT_NOT_KNOWN: &str = "E7002";
