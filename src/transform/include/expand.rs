//! Walks a document and replaces every `AWS::Include` call with the content of the file it names, as
//! CloudFormation does: `Fn::Transform` anywhere but in `Parameters` and `AWSTemplateFormatVersion`
//! (alone, the call is replaced by the content; beside other keys, the content is a mapping merged into
//! them; a list of calls includes each in turn), and the top-level `Transform` (the content's sections are
//! merged into the template). Included files are expanded in turn, innermost first, with cycles and depth
//! over 16 refused.
//!
//! Transforms other than `AWS::Include` are left where they stand. It reads no file itself: paths come
//! from `location.rs`, plain files from the source loader, `.j2` snippets from `snippets.rs`.

use std::path::{Path, PathBuf};

use crate::source::{
    Diagnostic, Document, Limits, Mapping, Node, NodeKind, SourceMap, Span, load_data_file_as,
};

use super::super::codes;
use super::location::{LocationError, Roots};
use super::snippets::Snippets;

/// The transform name this file expands.
pub const INCLUDE: &str = "AWS::Include";

/// Deepest chain of includes accepted (a file including a file ... 16 times).
pub const MAX_DEPTH: usize = 16;

/// One file on the chain of includes being expanded.
struct Frame {
    path: PathBuf,
    /// Where it was included; `None` for the template itself.
    site: Option<Span>,
}

pub(crate) struct Expander<'a> {
    pub roots: &'a Roots,
    pub snippets: &'a mut Snippets,
    pub sources: &'a mut SourceMap,
    pub errors: Vec<Diagnostic>,
    chain: Vec<Frame>,
}

impl<'a> Expander<'a> {
    pub fn new(roots: &'a Roots, snippets: &'a mut Snippets, sources: &'a mut SourceMap) -> Self {
        Expander {
            roots,
            snippets,
            sources,
            errors: Vec::new(),
            chain: Vec::new(),
        }
    }

    /// Expands the includes of template `doc`, read from `path`.
    pub fn template(&mut self, doc: Document, path: &Path) -> Document {
        self.chain.push(Frame {
            path: path.canonicalize().unwrap_or_else(|_| path.to_owned()),
            site: None,
        });
        let root = self.root(doc.root);
        self.chain.pop();
        Document { root }
    }

    fn root(&mut self, root: Node) -> Node {
        let span = root.span;
        let NodeKind::Map(sections) = root.kind else {
            return self.walk(root);
        };
        let mut out = Mapping::with_capacity(sections.len());
        let mut top_level = Vec::new();
        for (key, e) in sections.into_entries() {
            let value = match key.as_str() {
                "Parameters" | "AWSTemplateFormatVersion" => {
                    self.refuse_in(&e.value, &key);
                    e.value
                }
                "Transform" => match self.split_transform(e.value) {
                    (Some(rest), calls) => {
                        top_level = calls;
                        rest
                    }
                    (None, calls) => {
                        top_level = calls;
                        continue;
                    }
                },
                _ => self.walk(e.value),
            };
            let _ = out.insert(key, e.key_span, value);
        }
        for call in top_level {
            if let Some(content) = self.include(&call) {
                self.merge_sections(&mut out, content);
            }
        }
        Node::new(span, NodeKind::Map(out))
    }

    /// Splits the top-level `Transform` into what stays (transform names) and the include calls.
    fn split_transform(&mut self, value: Node) -> (Option<Node>, Vec<Node>) {
        match value.kind {
            NodeKind::Map(_) if expandable(&value) => (None, vec![value]),
            NodeKind::Seq(items) if items.iter().any(expandable) => {
                let (calls, rest): (Vec<Node>, Vec<Node>) = items.into_iter().partition(expandable);
                let rest = (!rest.is_empty()).then(|| Node::new(value.span, NodeKind::Seq(rest)));
                (rest, calls)
            }
            kind => (Some(Node::new(value.span, kind)), Vec::new()),
        }
    }

    /// Merges the sections of a top-level include into the template's.
    fn merge_sections(&mut self, out: &mut Mapping, content: Node) {
        let NodeKind::Map(sections) = content.kind else {
            self.errors.push(Diagnostic::error(
                codes::INCLUDE_MERGE,
                content.span,
                format!(
                    "a top-level include must hold a mapping of template sections, found {}",
                    content.describe()
                ),
            ));
            return;
        };
        for (key, e) in sections.into_entries() {
            match out.get_mut(&key) {
                None => {
                    let _ = out.insert(key, e.key_span, e.value);
                }
                Some(existing) => match (&mut existing.kind, e.value.kind) {
                    (NodeKind::Map(into), NodeKind::Map(from)) => self.merge_into(into, from),
                    _ => {
                        let first = out.get_entry(&key).map(|x| x.key_span);
                        self.clash(&key, e.key_span, first);
                    }
                },
            }
        }
    }

    fn merge_into(&mut self, into: &mut Mapping, from: Mapping) {
        for (k, e) in from.into_entries() {
            if let Err(first) = into.insert(k.clone(), e.key_span, e.value) {
                self.clash(&k, e.key_span, Some(first));
            }
        }
    }

    fn clash(&mut self, key: &str, at: Span, first: Option<Span>) {
        let mut d = Diagnostic::error(
            codes::INCLUDE_MERGE,
            at,
            format!("included key `{key}` exists already where it is included"),
        );
        if let Some(first) = first {
            d = d.with_label(first, "first defined here");
        }
        self.errors.push(d);
    }

    /// Reports every include under a node of a section where CloudFormation refuses them.
    fn refuse_in(&mut self, node: &Node, section: &str) {
        match &node.kind {
            NodeKind::Map(m) => {
                for (k, e) in m.iter() {
                    if k == "Fn::Transform" && includes(&e.value).is_some() {
                        self.errors.push(Diagnostic::error(
                            codes::INCLUDE_LAYOUT,
                            e.key_span,
                            format!("`{INCLUDE}` is not allowed in `{section}`"),
                        ));
                    } else {
                        self.refuse_in(&e.value, section);
                    }
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|i| self.refuse_in(i, section)),
            _ => {}
        }
    }

    /// Expands every include below `node`.
    fn walk(&mut self, node: Node) -> Node {
        let span = node.span;
        match node.kind {
            NodeKind::Seq(items) => Node::new(
                span,
                NodeKind::Seq(items.into_iter().map(|i| self.walk(i)).collect()),
            ),
            NodeKind::Map(m) => {
                let calls = m.get("Fn::Transform").and_then(includes);
                let Some(calls) = calls else {
                    let mut out = Mapping::with_capacity(m.len());
                    for (k, e) in m.into_entries() {
                        let _ = out.insert(k, e.key_span, self.walk(e.value));
                    }
                    return Node::new(span, NodeKind::Map(out));
                };
                let mut out = Mapping::with_capacity(m.len());
                for (k, e) in m.into_entries() {
                    if k != "Fn::Transform" {
                        let _ = out.insert(k, e.key_span, self.walk(e.value));
                    }
                }
                let contents: Vec<Node> = calls.iter().filter_map(|c| self.include(c)).collect();
                if out.is_empty() && calls.len() == 1 {
                    // Alone, the call is replaced by whatever the file holds (or stays out on error).
                    return contents
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| Node::new(span, NodeKind::Map(out)));
                }
                for content in contents {
                    match content.kind {
                        NodeKind::Map(from) => self.merge_into(&mut out, from),
                        _ => self.errors.push(Diagnostic::error(
                            codes::INCLUDE_MERGE,
                            content.span,
                            format!(
                                "included content merged beside other keys must be a mapping, found {}",
                                content.describe()
                            ),
                        )),
                    }
                }
                Node::new(span, NodeKind::Map(out))
            }
            kind => Node::new(span, kind),
        }
    }

    /// The expanded content of one `{Name: AWS::Include, Parameters: {...}}` call, or `None` after
    /// reporting why it cannot be included.
    fn include(&mut self, call: &Node) -> Option<Node> {
        let params = match call.as_map().and_then(|m| m.get("Parameters")) {
            Some(p) if p.as_map().is_some() => p,
            _ => {
                self.errors.push(
                    Diagnostic::error(
                        codes::INCLUDE_LAYOUT,
                        call.span,
                        format!("`{INCLUDE}` needs `Parameters` with a `Location`"),
                    )
                    .with_help("write `Parameters: {Location: path/to/file.yaml}`"),
                );
                return None;
            }
        };
        let map = params.as_map()?;
        let Some((location, site)) = map
            .get("Location")
            .and_then(|l| l.as_str().map(|s| (s.to_owned(), l.span)))
        else {
            self.errors.push(Diagnostic::error(
                codes::INCLUDE_LAYOUT,
                map.get("Location").map_or(params.span, |l| l.span),
                format!("`{INCLUDE}` needs a `Location` that is a string"),
            ));
            return None;
        };
        if self.chain.len() > MAX_DEPTH {
            let d = self.chain_diagnostic(
                codes::INCLUDE_TOO_DEEP,
                site,
                format!("includes nested more than {MAX_DEPTH} deep"),
            );
            self.errors.push(d);
            return None;
        }
        let base = self
            .chain
            .last()
            .and_then(|f| f.path.parent().map(Path::to_owned))
            .unwrap_or_default();
        let path = match self.roots.resolve(&location, &base) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(location_error(e, &location, site));
                return None;
            }
        };
        if self.chain.iter().any(|f| f.path == path) {
            let d = self.chain_diagnostic(
                codes::INCLUDE_CYCLE,
                site,
                format!(
                    "include cycle: `{}` includes itself",
                    self.roots.show(&path)
                ),
            );
            self.errors.push(d);
            return None;
        }
        let content = self.load(&path, map, site)?;
        self.chain.push(Frame {
            path,
            site: Some(site),
        });
        let expanded = self.walk(content);
        self.chain.pop();
        Some(expanded)
    }

    /// Reads one included file: a `.j2` snippet rendered with the other parameters as its inputs, or a
    /// plain YAML/JSON file (which takes no other parameter).
    fn load(&mut self, path: &Path, params: &Mapping, site: Span) -> Option<Node> {
        let mut inputs = Mapping::new();
        for (k, e) in params.iter().filter(|(k, _)| *k != "Location") {
            let _ = inputs.insert(k.to_owned(), e.key_span, e.value.clone());
        }
        if path.extension().is_some_and(|e| e == "j2") {
            return match self
                .snippets
                .render(self.roots, path, &inputs, site, self.sources)
            {
                Ok(doc) => Some(doc.root),
                Err(ds) => {
                    self.errors.extend(ds);
                    None
                }
            };
        }
        if let Some((k, e)) = inputs.iter().next() {
            self.errors.push(
                Diagnostic::error(
                    codes::INCLUDE_LAYOUT,
                    e.key_span,
                    format!("`{INCLUDE}` of a plain file takes only `Location`, found `{k}`"),
                )
                .with_help("inputs are for `.j2` snippets"),
            );
            return None;
        }
        let name = self.roots.show(path);
        let loaded = load_data_file_as(path, &name, self.sources, &Limits::default());
        if let Some(file) = loaded.file {
            self.sources.set_included_from(file, site);
        }
        let failed = loaded.diagnostics.iter().any(Diagnostic::is_error);
        self.errors.extend(loaded.diagnostics);
        if failed {
            None
        } else {
            loaded.document.map(|d| d.root)
        }
    }

    /// A diagnostic at `site` listing the chain of includes that leads there.
    fn chain_diagnostic(&self, code: &'static str, site: Span, message: String) -> Diagnostic {
        let mut d = Diagnostic::error(code, site, message);
        let names: Vec<String> = self
            .chain
            .iter()
            .map(|f| format!("`{}`", self.roots.show(&f.path)))
            .collect();
        d = d.with_note(format!("include chain: {}", names.join(" -> ")));
        for f in self.chain.iter().skip(1) {
            if let Some(s) = f.site {
                d = d.with_label(s, format!("includes `{}`", self.roots.show(&f.path)));
            }
        }
        d
    }
}

/// The include calls of a `Fn::Transform` value: one call, or a list of calls. `None` when the value
/// names another transform (or holds an include Cairn cannot read, see [`expandable`]).
fn includes(value: &Node) -> Option<Vec<Node>> {
    match &value.kind {
        NodeKind::Map(_) if expandable(value) => Some(vec![value.clone()]),
        NodeKind::Seq(items) if !items.is_empty() && items.iter().all(expandable) => {
            Some(items.clone())
        }
        _ => None,
    }
}

/// An `AWS::Include` call Cairn expands: every one but those whose `Location` is computed by a function
/// (`!Sub "${Base}/x.yaml"`), which cannot be read before parameters are known. Those stay as written, and
/// the checks report the transform as not expanded (a warning), as for any macro.
fn expandable(node: &Node) -> bool {
    let Some(m) = node.as_map() else {
        return false;
    };
    let computed = m
        .get("Parameters")
        .and_then(Node::as_map)
        .and_then(|p| p.get("Location"))
        .is_some_and(|l| l.as_map().is_some());
    m.get("Name").and_then(Node::as_str) == Some(INCLUDE) && !computed
}

pub(super) fn location_error(e: LocationError, location: &str, site: Span) -> Diagnostic {
    match e {
        LocationError::Form(found) => Diagnostic::error(
            codes::INCLUDE_LOCATION,
            site,
            format!("include location `{location}` is not accepted: {found}"),
        )
        .with_help(
            "a location is a path relative to the including file, a path under a snippet root, or \
             `s3://bucket/key` read from the `--s3-root` mirror",
        ),
        LocationError::NotFound(tried) => Diagnostic::error(
            codes::INCLUDE_NOT_FOUND,
            site,
            format!("included file `{location}` does not exist"),
        )
        .with_note(format!(
            "looked for {}",
            tried
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        LocationError::Outside(_) => Diagnostic::error(
            codes::INCLUDE_OUTSIDE_ROOTS,
            site,
            format!("include location `{location}` resolves outside the project"),
        )
        .with_help(
            "included files must stay inside the project root or a snippet root (`--snippets DIR`); \
             `..` and symbolic links may not lead out",
        ),
    }
}
