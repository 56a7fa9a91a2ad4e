//! Which checker a file goes to: CodeDeploy's AppSpec files and CodeBuild's buildspec files are known by
//! their names, anything else is a CloudFormation template.

use std::path::Path;

/// The kind of file `validate` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Template,
    AppSpec,
    Buildspec,
}

impl FileKind {
    /// `appspec.yml`, `appspec.yaml` and `appspec.json` are AppSpec files; `buildspec.yml` and any
    /// `buildspec*.yml` / `buildspec*.yaml` (`buildspec_release.yml`) are buildspecs.
    pub fn from_name(path: &Path) -> FileKind {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match name.as_str() {
            "appspec.yml" | "appspec.yaml" | "appspec.json" => FileKind::AppSpec,
            n if n.starts_with("buildspec") && (n.ends_with(".yml") || n.ends_with(".yaml")) => {
                FileKind::Buildspec
            }
            _ => FileKind::Template,
        }
    }

    /// How files of this kind are named in messages.
    pub fn noun(self) -> &'static str {
        match self {
            FileKind::Template => "template",
            FileKind::AppSpec => "AppSpec file",
            FileKind::Buildspec => "buildspec",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_name() {
        let kind = |p: &str| FileKind::from_name(Path::new(p));
        assert_eq!(kind("app/appspec.yml"), FileKind::AppSpec);
        assert_eq!(kind("appspec.JSON"), FileKind::AppSpec);
        assert_eq!(kind("buildspec.yml"), FileKind::Buildspec);
        assert_eq!(kind("ci/buildspec_release.yaml"), FileKind::Buildspec);
        assert_eq!(kind("buildspec.json"), FileKind::Template);
        assert_eq!(kind("my-appspec.yml"), FileKind::Template);
        assert_eq!(kind("template.yaml"), FileKind::Template);
    }
}
