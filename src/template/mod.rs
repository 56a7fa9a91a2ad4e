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
pub(crate) use lower::PARALLEL_RESOURCES;
pub use lower::{
    OUTPUT_ATTRIBUTES, PARAMETER_ATTRIBUTES, RESOURCE_ATTRIBUTES, SAM_TRANSFORM, SECTIONS,
    attribute, lower,
};
pub use lower_expr::{parse_dynamic, parse_sub};
pub use model::*;
pub use parameter_type::{AWS_TYPES, ParameterType};

/// The model of a template as a stack records it (processed, JSON text): what updates, rollbacks and
/// deletes read back. `None` when the text does not load (a damaged record). The source is named after the
/// stack, so any later diagnostic says whose record it is.
pub fn recorded(text: &str, stack_name: &str) -> Option<Template> {
    let mut sources = crate::source::SourceMap::new();
    let f = sources.add(format!("stack `{stack_name}` (recorded template)"), text);
    let limits = crate::source::Limits {
        max_bytes: u64::MAX,
        ..crate::source::Limits::default()
    };
    let doc = crate::source::load_text(f, text, crate::source::Format::Json, &limits).document?;
    Some(lower(&doc, &sources).0)
}
