//! Where an include `Location` points, and whether Cairn may read it: the roots a run may read from (the
//! project root, the snippet roots, the S3 mirror), the accepted location forms, and the sandbox check on
//! the canonical path (so `..`, absolute paths elsewhere and symbolic links pointing out are refused).
//!
//! It only resolves paths; it never reads a file's content.

use std::path::{Component, Path, PathBuf};

use super::super::ProjectOptions;

/// The directories a run may read included files from, canonicalized once.
#[derive(Clone, Debug)]
pub(crate) struct Roots {
    /// The project root (canonical when it exists).
    pub project: PathBuf,
    /// The snippet roots that exist: the project's `snippets/`, then each `--snippets DIR`, in order.
    pub snippets: Vec<PathBuf>,
    /// The local S3 mirror, when given.
    pub s3: Option<PathBuf>,
}

/// Why a location cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LocationError {
    /// A form Cairn does not accept; the text says what was found.
    Form(String),
    /// Nothing exists at any of the places tried (shown relative to the project root when possible).
    NotFound(Vec<String>),
    /// The file exists but resolves outside every root.
    Outside(PathBuf),
}

impl Roots {
    pub fn new(options: &ProjectOptions) -> Roots {
        let project = canonical_or_same(&options.root());
        let mut snippets = Vec::new();
        let own = options.root().join("snippets");
        for dir in std::iter::once(own).chain(options.snippet_roots.iter().cloned()) {
            if let Ok(c) = dir.canonicalize()
                && c.is_dir()
                && !snippets.contains(&c)
            {
                snippets.push(c);
            }
        }
        let s3 = options.s3_root.as_ref().map(|d| canonical_or_same(d));
        Roots {
            project,
            snippets,
            s3,
        }
    }

    /// Resolves `location` written in a file of directory `base`, to a canonical path inside a root.
    pub fn resolve(&self, location: &str, base: &Path) -> Result<PathBuf, LocationError> {
        let location = location.trim();
        if location.is_empty() {
            return Err(LocationError::Form("an empty location".to_owned()));
        }
        let candidates = if let Some(rest) = location.strip_prefix("s3://") {
            self.s3_candidates(rest)?
        } else if let Some((scheme, _)) = location.split_once("://") {
            return Err(LocationError::Form(format!("a `{scheme}://` location")));
        } else {
            let p = Path::new(location);
            if p.is_absolute() {
                vec![p.to_owned()]
            } else {
                std::iter::once(base.join(p))
                    .chain(std::iter::once(self.project.join(p)))
                    .chain(self.snippets.iter().map(|r| r.join(p)))
                    .collect()
            }
        };
        let Some(found) = candidates.iter().find(|c| c.is_file()) else {
            // A path climbing out with `..` is refused for what it is, whether or not it exists.
            if let Some(out) = candidates.iter().find(|c| !self.lexically_inside(c)) {
                return Err(LocationError::Outside(out.clone()));
            }
            let mut tried: Vec<String> = candidates.iter().map(|c| self.show(c)).collect();
            tried.dedup();
            return Err(LocationError::NotFound(tried));
        };
        let canonical = canonical_or_same(found);
        if self.allows(&canonical) {
            Ok(canonical)
        } else {
            Err(LocationError::Outside(canonical))
        }
    }

    fn s3_candidates(&self, rest: &str) -> Result<Vec<PathBuf>, LocationError> {
        let Some(root) = &self.s3 else {
            return Err(LocationError::Form(
                "an `s3://` location without `--s3-root`".to_owned(),
            ));
        };
        match rest.split_once('/') {
            Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
                Ok(vec![root.join(bucket).join(key)])
            }
            _ => Err(LocationError::Form(format!(
                "`s3://{rest}`, which names no bucket and key"
            ))),
        }
    }

    /// True when a canonical path lies inside the project root, a snippet root or the S3 mirror.
    pub fn allows(&self, canonical: &Path) -> bool {
        canonical.starts_with(&self.project)
            || self.snippets.iter().any(|r| canonical.starts_with(r))
            || self.s3.as_ref().is_some_and(|r| canonical.starts_with(r))
    }

    /// The same check on a path that may not exist: `..` components are folded without touching the disk.
    fn lexically_inside(&self, path: &Path) -> bool {
        let mut folded = PathBuf::new();
        for c in path.components() {
            match c {
                Component::ParentDir => {
                    folded.pop();
                }
                Component::CurDir => {}
                other => folded.push(other),
            }
        }
        self.allows(&folded)
    }

    /// A path as users should read it: relative to the project root when inside it.
    pub fn show(&self, path: &Path) -> String {
        path.strip_prefix(&self.project)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

fn canonical_or_same(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (PathBuf, Roots) {
        let dir = std::env::temp_dir().join(format!("cairn-location-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("snippets/net")).unwrap();
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::create_dir_all(dir.join("mirror/bucket")).unwrap();
        std::fs::write(dir.join("snippets/net/vpc.yaml"), "A: 1\n").unwrap();
        std::fs::write(dir.join("templates/part.yaml"), "A: 1\n").unwrap();
        std::fs::write(dir.join("mirror/bucket/k.yaml"), "A: 1\n").unwrap();
        let roots = Roots::new(&ProjectOptions {
            project_root: Some(dir.clone()),
            s3_root: Some(dir.join("mirror")),
            ..ProjectOptions::default()
        });
        (roots.project.clone(), roots)
    }

    #[test]
    fn relative_paths_try_the_including_directory_then_the_roots() {
        let (dir, roots) = project();
        let base = dir.join("templates");
        assert_eq!(
            roots.resolve("part.yaml", &base),
            Ok(dir.join("templates/part.yaml"))
        );
        assert_eq!(
            roots.resolve("net/vpc.yaml", &base),
            Ok(dir.join("snippets/net/vpc.yaml"))
        );
        assert_eq!(
            roots.resolve("snippets/net/vpc.yaml", &base),
            Ok(dir.join("snippets/net/vpc.yaml"))
        );
        assert_eq!(
            roots.resolve("s3://bucket/k.yaml", &base),
            Ok(dir.join("mirror/bucket/k.yaml"))
        );
    }

    #[test]
    fn other_forms_and_escapes_are_refused() {
        let (dir, roots) = project();
        let base = dir.join("templates");
        assert!(matches!(
            roots.resolve("https://example.com/x.yaml", &base),
            Err(LocationError::Form(_))
        ));
        assert!(matches!(
            roots.resolve("s3://bucket", &base),
            Err(LocationError::Form(_))
        ));
        assert!(matches!(
            roots.resolve("../../../../etc/passwd", &base),
            Err(LocationError::Outside(_))
        ));
        assert!(matches!(
            roots.resolve("missing.yaml", &base),
            Err(LocationError::NotFound(t)) if t[0] == "templates/missing.yaml"
        ));
    }
}
