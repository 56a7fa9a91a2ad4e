//! Stage `cicd`: the two files a CodeDeploy/CodeBuild pipeline lives on, checked as the services read
//! them. An AppSpec file (CodeDeploy) is checked per compute platform (EC2/On-Premises, Lambda, ECS); a
//! buildspec (CodeBuild) against the build specification reference. Both are loaded by `source`, so every
//! diagnostic has an exact span. `appspec_order` lays out a deployment's lifecycle events with the file's
//! hooks. This stage never reads CloudFormation templates and never deploys anything.
//!
//! Short-form YAML tags (`!Ref`) are CloudFormation's: the loader turns them into `{Ref: ...}` mappings, which
//! these files never hold, so such a value is reported as a wrong shape. Plain YAML scalars keep their text
//! (`0.0`, `0644`, `yes`), which is what the checks compare.
//!
//! | code | what |
//! | --- | --- |
//! | `E8001` | an AppSpec key CodeDeploy does not know (with "did you mean") |
//! | `E8002` | an AppSpec value of the wrong shape |
//! | `E8003` | a required AppSpec key missing (`version`, `os`, `location`, a Lambda or ECS property) |
//! | `E8004` | `version` is not 0.0 (or is quoted in an EC2/On-Premises file) |
//! | `E8005` | a value CodeDeploy refuses: `os`, `file_exists_behavior`, a permission `type` or `mode`, a relative `destination`, `AssignPublicIp`, `ContainerPort` |
//! | `E8006` | a hook for an event the platform does not have |
//! | `E8007` | a hook for an event CodeDeploy or its agent runs itself (`DownloadBundle`, `Install`, `BlockTraffic`, `AllowTraffic`, ...) |
//! | `E8008` | a hook `timeout` that is not 1 to 3600 seconds, or an event whose timeouts add up to more than 3600 |
//! | `E8009` | the platform cannot be told, the file mixes platforms, or a resource type is neither a function nor a service |
//! | `E8010` | a section of another platform, `permissions` on Windows, an EC2/On-Premises file in JSON |
//! | `E8011` | one Lambda or ECS event hooked twice |
//! | `W8001` | a value the agent reads differently than written: a `mode` with a leading zero (YAML 1.1 octal), `runas` on Windows |
//! | `E8101` | a buildspec key or phase CodeBuild does not know (with "did you mean") |
//! | `E8102` | a buildspec value of the wrong shape |
//! | `E8103` | a required buildspec key missing (`version`, `phases`, `commands`, `files`, `paths`) |
//! | `E8104` | `version` is not 0.1 or 0.2 |
//! | `E8105` | a value CodeBuild refuses: `shell`, `on-failure`, yes/no, `file-format`, `cache.action`, a secret reference, a sixth report group |
//! | `E8106` | `runtime-versions` outside the `install` phase |
//! | `E8107` | a variable named `CODEBUILD_...`, or an exported `AWS_...` one |
//! | `E8108` | a batch with more than one of `build-list`, `build-matrix` and `build-graph` |

pub mod appspec;
mod appspec_hooks;
pub mod appspec_order;
mod appspec_resources;
mod appspec_server;
pub mod buildspec;
mod buildspec_outputs;
mod buildspec_phases;
pub mod events;
mod fields;
mod kind;

#[cfg(test)]
mod tests;

pub use appspec::{AppSpec, Hook, HookedEvent};
pub use appspec_order::{Order, OrderError, Step, order};
pub use events::{Deployment, Platform};
pub use kind::FileKind;

use std::path::Path;

use crate::source::{self, Diagnostic, Document, FileId, Format, Limits, SourceMap, codes};

/// One AppSpec or buildspec file, loaded and checked.
pub struct Checked {
    pub file: Option<FileId>,
    pub document: Option<Document>,
    /// For AppSpec files: what `appspec order` needs.
    pub appspec: Option<AppSpec>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads `path` and checks it as `kind` (`AppSpec` or `Buildspec`). `platform` overrides the AppSpec
/// file's own sections.
pub fn check_file(
    path: &Path,
    kind: FileKind,
    platform: Option<Platform>,
    sources: &mut SourceMap,
    limits: &Limits,
) -> Checked {
    let mut loaded = source::load_data_file(path, sources, limits);
    for d in &mut loaded.diagnostics {
        if d.code == codes::EMPTY_DOCUMENT {
            d.message = format!("the file is empty: it holds no {}", kind.noun());
        }
    }
    let mut checked = Checked {
        file: loaded.file,
        document: None,
        appspec: None,
        diagnostics: loaded.diagnostics,
    };
    let Some(doc) = loaded.document else {
        return checked;
    };
    let format = loaded
        .file
        .map(|f| Format::detect(path, &sources.file(f).text))
        .unwrap_or(Format::Yaml);
    match kind {
        FileKind::AppSpec => {
            let (spec, diags) = appspec::check(&doc, format, platform);
            checked.appspec = Some(spec);
            checked.diagnostics.extend(diags);
        }
        FileKind::Buildspec => checked.diagnostics.extend(buildspec::check(&doc)),
        FileKind::Template => {}
    }
    checked.document = Some(doc);
    checked
}
