//! YAML loading: saphyr-parser events into a spanned [`Node`] tree.
//!
//! Scalars are read with the YAML 1.2 core schema, the schema of the YAML version CloudFormation documents:
//! `true`/`false` (any case form the schema allows) are booleans, `null`/`~`/empty are null, decimal integers
//! and floats are numbers kept as written (`0755` stays `0755`), and everything else is a string. So
//! `yes`, `no`, `on`, `off`, `2010-09-09`, `0x1F`, `0o17` and `.inf` are strings, as in YAML 1.2 (YAML 1.1
//! parsers such as PyYAML read `yes` as true and `0755` as the octal 493). Quoted scalars are always strings.
//!
//! Short-form tags (`!Ref`, `!GetAtt`, ...) become their long form here. A short tag applied directly to
//! another one (`!Base64 !Sub ...`), which YAML itself cannot express and CloudFormation rejects, is read as
//! the nested call with a warning (`W0001`, an error with `--strict`).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::codes;
use super::diagnostic::Diagnostic;
use super::limits::Limits;
use super::node::{Document, Mapping, Node, NodeKind};
use super::span::{FileId, Span};

#[path = "yaml_parallel.rs"]
mod parallel;

/// The short-form tags and the long-form key each becomes.
pub const SHORT_TAGS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("GetStackOutput", "Fn::GetStackOutput"),
    ("Contains", "Fn::Contains"),
    ("EachMemberEquals", "Fn::EachMemberEquals"),
    ("EachMemberIn", "Fn::EachMemberIn"),
    ("RefAll", "Fn::RefAll"),
    ("ValueOf", "Fn::ValueOf"),
    ("ValueOfAll", "Fn::ValueOfAll"),
    // rain's module functions (the `Modules:` section), and its older module directive (`Type: !Rain::Module`).
    ("Invoke", "Fn::Invoke"),
    ("Rain::Module", "Rain::Module"),
    ("Rain::Constant", "Rain::Constant"),
    ("Rain::Embed", "Rain::Embed"),
];

pub fn long_form(short: &str) -> Option<&'static str> {
    SHORT_TAGS
        .iter()
        .find(|(s, _)| *s == short)
        .map(|(_, l)| *l)
}

/// Result of loading: the document (absent when loading failed) and every diagnostic found on the way.
pub struct Loaded {
    pub document: Option<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads YAML text. `text` must be the whole file as registered under `file`. Large templates are parsed in
/// parallel chunks when that is safe (see [`parallel`]); the result is the same tree, spans included.
pub fn load_yaml(file: FileId, text: &str, limits: &Limits) -> Loaded {
    if let Some(root) = parallel::load(file, text, limits) {
        return Loaded {
            document: Some(Document { root }),
            diagnostics: Vec::new(),
        };
    }
    load_sequential(file, text, limits)
}

/// Parses `text[range]`, a YAML mapping on its own, with spans in the whole file. `None` when the chunk
/// needs the whole-document path: any diagnostic, anchors, or no mapping.
fn load_chunk(
    file: FileId,
    text: &str,
    range: std::ops::Range<usize>,
    limits: &Limits,
) -> Option<Node> {
    let empty = HashMap::new();
    let mut b = Builder::new(file, &text[range.clone()], text, limits, &empty);
    b.base = range.start;
    match b.run() {
        Outcome::Done(Some(doc))
            if b.diagnostics.is_empty() && b.anchors.is_empty() && doc.root.as_map().is_some() =>
        {
            Some(doc.root)
        }
        _ => None,
    }
}

/// Loads YAML text on one thread.
pub fn load_sequential(file: FileId, text: &str, limits: &Limits) -> Loaded {
    let mut outer_tags: HashMap<usize, Vec<(String, usize)>> = HashMap::new();
    let mut patched: Option<String> = None;
    // Each pass either succeeds, fails for good, or finds one more stacked tag to lift out and re-parse.
    for _ in 0..=64 {
        let source = patched.as_deref().unwrap_or(text);
        let mut builder = Builder::new(file, source, text, limits, &outer_tags);
        match builder.run() {
            Outcome::Done(doc) => {
                let mut diagnostics = builder.diagnostics;
                for (start, tags) in &outer_tags {
                    for (tag, tag_start) in tags {
                        diagnostics.push(
                            Diagnostic::warning(
                                codes::STACKED_TAGS,
                                Span::new(file, *tag_start, *tag_start + tag.len() + 1),
                                format!("short-form tag `!{tag}` applied directly to another short-form tag"),
                            )
                            .with_help(format!(
                                "CloudFormation rejects this; write the outer function in long form: `{}:` on its own line",
                                long_form(tag).unwrap_or(tag)
                            ))
                            .with_label(Span::new(file, *start, *start + 1), "inner tag here"),
                        );
                    }
                }
                let failed = diagnostics.iter().any(Diagnostic::is_error);
                return Loaded {
                    document: (!failed).then_some(doc).flatten(),
                    diagnostics,
                };
            }
            Outcome::StackedTag {
                outer,
                outer_start,
                inner_start,
            } => {
                let mut s = patched.take().unwrap_or_else(|| text.to_owned());
                // Blank the outer tag with spaces: byte offsets of everything else stay the same.
                s.replace_range(
                    outer_start..outer_start + outer.len() + 1,
                    &" ".repeat(outer.len() + 1),
                );
                outer_tags
                    .entry(inner_start)
                    .or_default()
                    .push((outer, outer_start));
                patched = Some(s);
            }
            Outcome::Failed => {
                return Loaded {
                    document: None,
                    diagnostics: builder.diagnostics,
                };
            }
        }
    }
    Loaded {
        document: None,
        diagnostics: vec![Diagnostic::error(
            codes::LIMIT_EXCEEDED,
            Span::new(file, 0, 0),
            "too many stacked short-form tags (more than 64)",
        )],
    }
}

enum Outcome {
    Done(Option<Document>),
    StackedTag {
        outer: String,
        outer_start: usize,
        inner_start: usize,
    },
    Failed,
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        map: Mapping,
        key: Option<(String, Span)>,
    },
}

struct Builder<'a> {
    file: FileId,
    /// Byte offset of `source` in the file: spans are `base + position in source`.
    base: usize,
    source: &'a str,
    original: &'a str,
    limits: &'a Limits,
    outer_tags: &'a HashMap<usize, Vec<(String, usize)>>,
    /// Byte offset of each character, only for non-ASCII text (saphyr reports character indexes).
    char_bytes: Option<Vec<u32>>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Node>,
    documents: usize,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    fn new(
        file: FileId,
        source: &'a str,
        original: &'a str,
        limits: &'a Limits,
        outer_tags: &'a HashMap<usize, Vec<(String, usize)>>,
    ) -> Builder<'a> {
        let char_bytes = (!source.is_ascii()).then(|| {
            let mut v: Vec<u32> = source.char_indices().map(|(i, _)| i as u32).collect();
            v.push(source.len() as u32);
            v
        });
        Builder {
            file,
            base: 0,
            source,
            original,
            limits,
            outer_tags,
            char_bytes,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            root: None,
            documents: 0,
            diagnostics: Vec::new(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.char_bytes {
            Some(v) => v
                .get(char_index)
                .copied()
                .unwrap_or(self.source.len() as u32) as usize,
            None => char_index.min(self.source.len()),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    fn run(&mut self) -> Outcome {
        let mut parser = Parser::new_from_str(self.source);
        let mut last_empty_tagged_scalar: Option<(String, usize, usize)> = None;
        loop {
            let (event, sp) = match parser.next_event() {
                None => break,
                Some(Ok(e)) => e,
                Some(Err(err)) => {
                    let at = self.byte(err.marker().index());
                    if let Some((tag, start, end)) = last_empty_tagged_scalar.take() {
                        // `!Outer !Inner value`: the scanner stops at the second tag.
                        let rest = &self.source[end..];
                        let inner = end + (rest.len() - rest.trim_start().len());
                        if self.source[inner..].starts_with('!') && long_form(&tag).is_some() {
                            return Outcome::StackedTag {
                                outer: tag,
                                outer_start: start,
                                inner_start: inner,
                            };
                        }
                    }
                    // The scanner's own guard against deep flow collections is a nesting limit too.
                    let d = if err.info().contains("recursion limit") {
                        Diagnostic::error(
                            codes::LIMIT_EXCEEDED,
                            self.span(at, at + 1),
                            "nesting too deep for the YAML scanner",
                        )
                    } else {
                        Diagnostic::error(
                            codes::YAML_SYNTAX,
                            self.span(at, at + 1),
                            format!("invalid YAML: {}", err.info()),
                        )
                    };
                    self.diagnostics.push(d);
                    return Outcome::Failed;
                }
            };
            let start = self.byte(sp.start.index());
            let end = self.byte(sp.end.index());
            last_empty_tagged_scalar = None;
            let result = match event {
                Event::DocumentStart(_) => {
                    self.documents += 1;
                    if self.documents > 1 {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::MULTIPLE_DOCUMENTS,
                                self.span(start, end.max(start + 1)),
                                "a template file holds one YAML document, found a second one",
                            )
                            .with_help("split the documents into separate files"),
                        );
                        return Outcome::Failed;
                    }
                    Ok(())
                }
                Event::Scalar(value, style, anchor, tag) => {
                    if value.is_empty()
                        && style == ScalarStyle::Plain
                        && let Some(t) = &tag
                        && t.handle == "!"
                    {
                        last_empty_tagged_scalar = Some((t.suffix.clone(), start, end));
                    }
                    self.scalar(&value, style, anchor, tag.as_deref(), start, end)
                }
                Event::SequenceStart(anchor, tag) => {
                    let tag = self.tag_name(tag.as_deref(), start);
                    self.open(Frame::Seq {
                        start,
                        anchor,
                        tag,
                        items: Vec::new(),
                    })
                }
                Event::MappingStart(anchor, tag) => {
                    let tag = self.tag_name(tag.as_deref(), start);
                    self.open(Frame::Map {
                        start,
                        anchor,
                        tag,
                        map: Mapping::new(),
                        key: None,
                    })
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(start, end),
                Event::Alias(id) => self.alias(id, start, end),
                _ => Ok(()),
            };
            if result.is_err() {
                return Outcome::Failed;
            }
        }
        Outcome::Done(self.root.take().map(|root| Document { root }))
    }

    /// Validates a tag and returns the short-form function name it stands for (None for no tag or a
    /// core-schema tag such as `!!str`, which the caller handles).
    fn tag_name(&mut self, tag: Option<&Tag>, start: usize) -> Option<String> {
        let tag = tag?;
        if (tag.handle == "!" && tag.suffix.is_empty())
            || (tag.handle.is_empty() && tag.suffix == "!")
        {
            // The non-specific tag `!`: the node is read as if untagged.
            return None;
        }
        if tag.handle == "!" {
            if long_form(&tag.suffix).is_none() {
                let d = Diagnostic::error(
                    codes::UNKNOWN_TAG,
                    self.span(start, start + tag.suffix.len() + 1),
                    format!("unknown tag `!{}`", tag.suffix),
                )
                .with_help_opt(super::diagnostic::suggest(
                    &tag.suffix,
                    SHORT_TAGS.iter().map(|(s, _)| *s),
                ))
                .with_note(
                    "CloudFormation's short forms are !Ref, !Sub, !GetAtt, !Join, !Select, !Split, !FindInMap, !Base64, !Cidr, !GetAZs, !ImportValue, !If, !Equals, !And, !Or, !Not, !Condition and !Transform",
                );
                self.diagnostics.push(d);
            }
            return Some(tag.suffix.clone());
        }
        if tag.handle == "tag:yaml.org,2002:" {
            return Some(format!("!!{}", tag.suffix));
        }
        self.diagnostics.push(Diagnostic::error(
            codes::UNKNOWN_TAG,
            self.span(start, start + 1),
            format!("unknown tag `{}{}`", tag.handle, tag.suffix),
        ));
        None
    }

    fn scalar(
        &mut self,
        value: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        start: usize,
        end: usize,
    ) -> Result<(), ()> {
        let tag = self.tag_name(tag, start);
        let kind = match tag.as_deref() {
            Some("!!str") | Some("!!binary") => NodeKind::String(value.to_owned()),
            Some("!!int") | Some("!!float") => NodeKind::Number(value.to_owned()),
            Some("!!bool") => match value {
                "true" | "True" | "TRUE" => NodeKind::Bool(true),
                _ => NodeKind::Bool(false),
            },
            Some("!!null") => NodeKind::Null,
            _ if style != ScalarStyle::Plain => NodeKind::String(value.to_owned()),
            _ => resolve_plain(value),
        };
        let node = match tag {
            Some(t) if !t.starts_with("!!") => {
                // `!Tag value`: the value span starts after the tag and its spaces.
                let vstart = self.after_tag(start, &t);
                let inner = Node::new(self.span(vstart, end), kind);
                self.tagged(&t, start, inner, end)
            }
            _ => Node::new(self.span(start, end), kind),
        };
        self.finish(node, anchor)
    }

    fn after_tag(&self, start: usize, tag: &str) -> usize {
        let after = start + tag.len() + 1;
        let written = self.source.get(start..after);
        if written.is_some_and(|w| w.starts_with('!') && &w[1..] == tag) {
            let rest = &self.source[after..];
            after + (rest.len() - rest.trim_start().len())
        } else {
            start
        }
    }

    /// Builds the long form `{Fn::X: inner}` of a short-form tag.
    fn tagged(&self, tag: &str, start: usize, inner: Node, end: usize) -> Node {
        let key_span = self.span(start, start + tag.len() + 1);
        let Some(long) = long_form(tag) else {
            return inner;
        };
        let value = if tag == "GetAtt" {
            self.split_getatt(inner)
        } else {
            inner
        };
        let mut map = Mapping::with_capacity(1);
        let _ = map.insert(long.to_owned(), key_span, value);
        Node::new(self.span(start, end), NodeKind::Map(map))
    }

    /// `!GetAtt Resource.Attribute.Path` splits at the first dot into `[Resource, Attribute.Path]`.
    fn split_getatt(&self, inner: Node) -> Node {
        let NodeKind::String(s) = &inner.kind else {
            return inner;
        };
        let Some(dot) = s.find('.') else {
            return inner;
        };
        let (res, attr) = (&s[..dot], &s[dot + 1..]);
        let src = &self.original[inner.span.start as usize..inner.span.end as usize];
        let (rspan, aspan) = if src == s {
            // `inner.span` is already absolute.
            let at = inner.span.start as usize;
            (
                Span::new(self.file, at, at + dot),
                Span::new(self.file, at + dot + 1, inner.span.end as usize),
            )
        } else {
            (inner.span, inner.span)
        };
        Node::new(
            inner.span,
            NodeKind::Seq(vec![
                Node::new(rspan, NodeKind::String(res.to_owned())),
                Node::new(aspan, NodeKind::String(attr.to_owned())),
            ]),
        )
    }

    fn open(&mut self, frame: Frame) -> Result<(), ()> {
        if self.stack.len() >= self.limits.max_depth {
            let start = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            self.diagnostics.push(Diagnostic::error(
                codes::LIMIT_EXCEEDED,
                self.span(start, start + 1),
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
            return Err(());
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Closes the innermost collection. A flow collection's end event spans its `]` or `}`, which the node
    /// includes; a block collection's end event is empty and sits at the next token, which it does not.
    fn close(&mut self, ev_start: usize, ev_end: usize) -> Result<(), ()> {
        let frame = self
            .stack
            .pop()
            .expect("collection end without start: this is a bug");
        let flow_end = (ev_end > ev_start).then_some(ev_end);
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                anchor,
                tag,
                mut items,
            } => {
                items.shrink_to_fit();
                let end = flow_end.unwrap_or_else(|| {
                    items
                        .last()
                        .map_or(ev_start, |n| n.span.end as usize - self.base)
                });
                (self.wrap(tag, start, NodeKind::Seq(items), end), anchor)
            }
            Frame::Map {
                start,
                anchor,
                tag,
                mut map,
                key,
            } => {
                map.shrink_to_fit();
                if let Some((k, span)) = key {
                    // A key without a value cannot happen in a well-formed event stream.
                    self.diagnostics.push(Diagnostic::error(
                        codes::YAML_SYNTAX,
                        span,
                        format!("key `{k}` has no value"),
                    ));
                }
                let last = map
                    .iter()
                    .last()
                    .map(|(_, e)| e.value.span.end as usize - self.base);
                let end = flow_end.unwrap_or_else(|| last.unwrap_or(ev_start));
                (self.wrap(tag, start, NodeKind::Map(map), end), anchor)
            }
        };
        self.finish(node, anchor)
    }

    fn wrap(&self, tag: Option<String>, start: usize, kind: NodeKind, end: usize) -> Node {
        match tag {
            Some(t) if !t.starts_with("!!") => {
                let vstart = self.after_tag(start, &t);
                let inner = Node::new(self.span(vstart, end), kind);
                self.tagged(&t, start, inner, end)
            }
            _ => Node::new(self.span(start, end), kind),
        }
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), ()> {
        let Some(target) = self.anchors.get(&id) else {
            self.diagnostics.push(Diagnostic::error(
                codes::YAML_SYNTAX,
                self.span(start, end),
                "alias to an unknown anchor",
            ));
            return Err(());
        };
        self.alias_nodes += target.size();
        if self.alias_nodes > self.limits.max_alias_nodes {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::LIMIT_EXCEEDED,
                    self.span(start, end),
                    format!(
                        "alias expansion creates more than {} nodes",
                        self.limits.max_alias_nodes
                    ),
                )
                .with_help(
                    "this looks like a \"billion laughs\" document; use fewer nested aliases",
                ),
            );
            return Err(());
        }
        let mut node = target.clone();
        node.span = self.span(start, end);
        self.finish(node, 0)
    }

    /// Applies lifted outer tags, records an anchor, and hands a finished node to its parent.
    fn finish(&mut self, mut node: Node, anchor: usize) -> Result<(), ()> {
        if !self.outer_tags.is_empty()
            && let Some(outers) = self.outer_tags.get(&(node.span.start as usize))
        {
            for (tag, tag_start) in outers.iter().rev() {
                let end = node.span.end as usize - self.base;
                node = self.tagged(tag, *tag_start, node, end);
            }
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { map, key, .. }) => match key.take() {
                None => {
                    let text = match &node.kind {
                        NodeKind::String(s) | NodeKind::Number(s) => s.clone(),
                        NodeKind::Bool(b) => b.to_string(),
                        NodeKind::Null => String::new(),
                        _ => {
                            self.diagnostics.push(Diagnostic::error(
                                codes::BAD_KEY,
                                node.span,
                                format!(
                                    "a mapping key must be a scalar, found {}",
                                    node.describe()
                                ),
                            ));
                            return Err(());
                        }
                    };
                    *key = Some((text, node.span));
                    Ok(())
                }
                Some((k, kspan)) => {
                    if let Err(first) = map.insert(k.clone(), kspan, node) {
                        let d = Diagnostic::error(
                            codes::DUPLICATE_KEY,
                            kspan,
                            format!("duplicate key `{k}`"),
                        )
                        .with_label(first, "first defined here");
                        self.diagnostics.push(d);
                    }
                    Ok(())
                }
            },
        }
    }
}

/// Resolves a plain scalar with the YAML 1.2 core schema (see the module comment).
pub fn resolve_plain(v: &str) -> NodeKind {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        _ => {}
    }
    if is_decimal_number(v) {
        NodeKind::Number(v.to_owned())
    } else {
        NodeKind::String(v.to_owned())
    }
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_decimal_number(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
