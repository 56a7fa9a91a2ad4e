//! Cairn: an infrastructure-as-code engine for CloudFormation templates.
//!
//! Data flows one way through the stages, each a module that only looks left:
//! `source` (files → spanned documents) → `template` (typed model) → `check` (diagnostics).

pub mod check;
pub mod cicd;
pub mod cli;
pub mod diff;
pub mod drift;
pub mod engine;
pub mod evaluate;
pub mod graph;
pub mod plan;
pub mod provider;
pub mod source;
pub mod spec;
pub mod state;
pub mod template;
pub mod transform;
pub mod validate;
