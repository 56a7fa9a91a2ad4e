//! Project files pulled into a template: `AWS::Include` (plain YAML/JSON files and Cairn's `.j2` snippets,
//! local paths sandboxed to the project and snippet roots, `s3://` locations read from a local mirror) and
//! the snippet library's listing.
//!
//! Every node taken from an included file keeps its span in that file, and every included file (or
//! rendered snippet text) records its include site in the [`SourceMap`], so diagnostics found later say
//! where the problem is and how the file got there. It never evaluates intrinsic functions and never
//! applies CloudFormation's own transforms.
//!
//! The entry points for other expansions (modules whose source is a snippet) are [`render_snippet`] and
//! [`SnippetCache`].

mod expand;
mod header;
mod inputs;
mod location;
mod snippets;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::source::{Diagnostic, Document, Mapping, SourceMap, Span};

use super::ProjectOptions;
use super::codes;

pub use expand::{INCLUDE, MAX_DEPTH};
pub use header::{Header, InputSpec, InputType};
pub use snippets::FUEL;

/// The snippets compiled during one run, shared by every file the run reads: each snippet is read,
/// parsed and compiled once however often it is used. Cloning shares the cache.
#[derive(Clone, Default)]
pub struct SnippetCache(Arc<Mutex<snippets::Snippets>>);

impl SnippetCache {
    /// How many snippets this cache compiled.
    pub fn compile_count(&self) -> usize {
        self.lock().compile_count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, snippets::Snippets> {
        // A panic while rendering leaves nothing half-written that matters: the cache stays usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for SnippetCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnippetCache")
    }
}

/// A cache holds no meaning of its own: options compare equal whatever their caches hold.
impl PartialEq for SnippetCache {
    fn eq(&self, _: &SnippetCache) -> bool {
        true
    }
}

impl Eq for SnippetCache {}

/// Expands every `AWS::Include` of template `doc` (read from `path`), recursively.
pub fn expand_includes(
    doc: Document,
    path: &Path,
    sources: &mut SourceMap,
    options: &ProjectOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let roots = location::Roots::new(options);
    let mut cache = options.snippets.lock();
    let mut expander = expand::Expander::new(&roots, &mut cache, sources);
    let out = expander.template(doc, path);
    if expander.errors.is_empty() {
        Ok(out)
    } else {
        Err(expander.errors)
    }
}

/// Renders the `.j2` snippet at `path` (as written at the use site: relative to the project root, or
/// under a snippet root) with `inputs` (input name to value, as written at the use site), and loads it.
///
/// `site` is the use site: missing inputs are reported there, and the rendered text records it as its
/// include site. Input values are document nodes, so a wrong value is reported at its own span; a function
/// call (`Ref`, `Fn::...`) is accepted for `string` and `list` inputs and reaches the snippet as a mapping.
/// Includes inside the rendered text are not expanded here.
pub fn render_snippet(
    path: &str,
    inputs: &Mapping,
    site: Span,
    sources: &mut SourceMap,
    options: &ProjectOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let roots = location::Roots::new(options);
    let found = find(&roots, path).map_err(|d| vec![d.at(site)])?;
    if found.extension().is_none_or(|e| e != "j2") {
        return Err(vec![not_a_snippet(path, site)]);
    }
    options
        .snippets
        .lock()
        .render(&roots, &found, inputs, site, sources)
}

/// One snippet of the library, as `cairn snippet list` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct SnippetInfo {
    /// The name to use it by: its path under its snippet root.
    pub name: String,
    /// Its path as shown to users (relative to the project root when inside it).
    pub path: String,
    pub header: Header,
}

/// Every `.j2` snippet under the snippet roots, sorted by name (a name found in an earlier root hides the
/// same name in later ones), or the diagnostics of those whose headers are wrong.
pub fn list_snippets(
    sources: &mut SourceMap,
    options: &ProjectOptions,
) -> Result<Vec<SnippetInfo>, Vec<Diagnostic>> {
    let roots = location::Roots::new(options);
    let mut cache = options.snippets.lock();
    let mut out: Vec<SnippetInfo> = Vec::new();
    let mut errors = Vec::new();
    for root in &roots.snippets {
        let mut files = Vec::new();
        collect_j2(root, &mut files, 0);
        files.sort();
        for file in files {
            let name = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            if out.iter().any(|s| s.name == name) {
                continue;
            }
            match cache.compiled(&roots, &file, sources) {
                Ok(c) => out.push(SnippetInfo {
                    name,
                    path: c.display.clone(),
                    header: c.header.clone(),
                }),
                Err(ds) => errors.extend(ds),
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The snippet a use site names (`storage/private-bucket.yaml.j2`, or without `.j2` or `.yaml.j2`), with
/// its header.
pub fn snippet_info(
    name: &str,
    site: Span,
    sources: &mut SourceMap,
    options: &ProjectOptions,
) -> Result<SnippetInfo, Vec<Diagnostic>> {
    let roots = location::Roots::new(options);
    let found = find(&roots, name).map_err(|d| vec![d.at(site)])?;
    if found.extension().is_none_or(|e| e != "j2") {
        return Err(vec![not_a_snippet(name, site)]);
    }
    let compiled = options.snippets.lock().compiled(&roots, &found, sources)?;
    let under_root = roots
        .snippets
        .iter()
        .find_map(|r| found.strip_prefix(r).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"));
    Ok(SnippetInfo {
        name: under_root.unwrap_or_else(|| compiled.display.clone()),
        path: compiled.display.clone(),
        header: compiled.header.clone(),
    })
}

fn collect_j2(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() && depth < MAX_DEPTH {
            collect_j2(&path, out, depth + 1);
        } else if kind.is_file() && path.extension().is_some_and(|x| x == "j2") {
            out.push(path);
        }
    }
}

/// A snippet named as at a use site, or shorter: without its `.j2` or `.yaml.j2` suffix.
fn find(roots: &location::Roots, name: &str) -> Result<PathBuf, FindError> {
    let base = roots.project.clone();
    let error = match roots.resolve(name, &base) {
        Ok(found) => return Ok(found),
        Err(e) => FindError(e, name.to_owned()),
    };
    if name.ends_with(".j2") {
        return Err(error);
    }
    [".j2", ".yaml.j2"]
        .iter()
        .find_map(|suffix| roots.resolve(&format!("{name}{suffix}"), &base).ok())
        .ok_or(error)
}

struct FindError(location::LocationError, String);

impl FindError {
    fn at(self, site: Span) -> Diagnostic {
        expand::location_error(self.0, &self.1, site)
    }
}

/// Makes a diagnostic for a snippet that is not a `.j2` file (modules and the CLI render only snippets).
pub fn not_a_snippet(name: &str, site: Span) -> Diagnostic {
    Diagnostic::error(
        codes::INCLUDE_NOT_FOUND,
        site,
        format!("`{name}` is not a snippet: snippets are `.j2` files under a snippet root"),
    )
}
