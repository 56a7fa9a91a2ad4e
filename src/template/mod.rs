//! Stage `template`: the typed model of a CloudFormation template ([`Template`]) and the lowering that
//! builds it from a loaded [`Document`](crate::source::Document). Intrinsic calls are typed [`Expr`]s.
//! This stage checks shapes (what must be a mapping, which attributes exist); it resolves no reference and
//! evaluates nothing.

mod expr;
mod lower;
mod lower_expr;
mod model;
mod parameter_type;

pub use expr::{
    DynamicPart, DynamicReference, Expr, ExprKind, ExprMap, FUNCTIONS, Name, SubCall, SubPart,
};
pub use lower::{
    OUTPUT_ATTRIBUTES, PARAMETER_ATTRIBUTES, RESOURCE_ATTRIBUTES, SAM_TRANSFORM, SECTIONS,
    attribute, lower,
};
pub use lower_expr::{parse_dynamic, parse_sub};
pub use model::*;
pub use parameter_type::{AWS_TYPES, ParameterType};
