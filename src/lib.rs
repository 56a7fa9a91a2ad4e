//! Cairn: an infrastructure-as-code engine for CloudFormation templates.
//!
//! Data flows one way through the stages, each a module that only looks left:
//! `source` (files → spanned documents) → `transform` (modules, includes, snippets, LanguageExtensions,
//! SAM) → `template` (typed model) → `check` (diagnostics) → `evaluate` (desired stack) → `graph` →
//! `plan` (create, update and delete plans as data) → `engine` (executes plans through a `provider`,
//! recording into `state`). Beside them: `spec` (the embedded resource schemas), `diff` and `drift`
//! (comparisons as data), `cicd` (AppSpec and buildspec files), `validate` (the validate pipeline as a
//! library call) and `cli` (the command line, views only).

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
