//! Writing a [`Node`] tree back out as YAML or JSON: key order preserved, stable two-space indentation,
//! block style (flow style only for empty collections). [`to_yaml`] writes intrinsics in long form
//! (`Fn::Sub:`), [`to_yaml_short`] with CloudFormation's short-form tags where YAML allows them (the rules are
//! in `emit_short.rs`); both quote every scalar that a YAML 1.1 or 1.2 parser would read as something other
//! than the same string (`yes`, `0755`, `2010-09-09`, `null`...), so the output loads back to the identical
//! tree in Cairn and in PyYAML-based tools alike. Comments are not carried (the tree has none):
//! [`first_comment`] finds them in a YAML text so that `cairn fmt` can warn before dropping them.

use std::fmt::Write;

use super::node::{Node, NodeKind};
use super::yaml::resolve_plain;

#[path = "emit_short.rs"]
mod short;

use short::{Context, short_call};

/// How function calls are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Calls {
    /// Always as mappings: `Fn::Sub: ...`.
    Long,
    /// As short-form tags where they read back to the same tree: `!Sub ...`.
    Short,
}

/// YAML text for a document root (or any node), ending with a newline; intrinsics in long form.
pub fn to_yaml(node: &Node) -> String {
    yaml(node, Calls::Long)
}

/// YAML text with CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) where they load
/// back to the same tree; ending with a newline. The root is never tagged.
pub fn to_yaml_short(node: &Node) -> String {
    yaml(node, Calls::Short)
}

fn yaml(node: &Node, calls: Calls) -> String {
    let mut out = String::new();
    match &node.kind {
        NodeKind::Map(m) if !m.is_empty() => block_map(&mut out, node, 0, calls),
        NodeKind::Seq(s) if !s.is_empty() => block_seq(&mut out, node, 0, calls, Context::Data),
        _ => {
            out.push_str(&inline(node, 0));
            out.push('\n');
        }
    }
    out
}

/// Structural equality, ignoring spans: the same kinds, scalars, key order and items.
pub fn same_tree(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_tree(p, q))
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, e1), (k2, e2))| k1 == k2 && same_tree(&e1.value, &e2.value))
        }
        (x, y) => x == y,
    }
}

/// The byte offset of the first comment in YAML `text`, which loading and writing back would drop. A `#`
/// inside a scalar (quoted, plain or block) is not a comment. When the text does not parse to its end (it
/// holds stacked tags the loader works around), any `#` counts, so a comment is never missed.
pub fn first_comment(text: &str) -> Option<usize> {
    use saphyr_parser::{Event, Parser};
    let mut scalars: Vec<(usize, usize)> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((Event::Scalar(..), span))) => {
                scalars.push((span.start.index(), span.end.index()));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) => return text.find('#'),
        }
    }
    // Spans count characters; scalars arrive in text order.
    let mut next = scalars.iter().peekable();
    for (i, (at, c)) in text.char_indices().enumerate() {
        while next.peek().is_some_and(|(_, end)| *end <= i) {
            next.next();
        }
        let inside = next.peek().is_some_and(|(start, _)| *start <= i);
        if c == '#' && !inside {
            return Some(at);
        }
    }
    None
}

/// Pretty-printed JSON (two-space indent), ending with a newline.
pub fn to_json(node: &Node) -> String {
    let mut out = String::new();
    json(&mut out, node, 0);
    out.push('\n');
    out
}

/// Compact JSON text, the same bytes as [`to_serde`]'s value printed with `to_string` (numbers as
/// serde_json writes them back, `0755` and the like as strings), without building the value.
pub fn to_json_compact(node: &Node) -> String {
    let mut out = Vec::with_capacity(4096);
    compact(&mut out, node);
    String::from_utf8(out).expect("JSON text is UTF-8")
}

fn compact(out: &mut Vec<u8>, node: &Node) {
    let text = |out: &mut Vec<u8>, s: &str| {
        serde_json::to_writer(&mut *out, s).expect("writing to memory does not fail");
    };
    match &node.kind {
        NodeKind::Null => out.extend_from_slice(b"null"),
        NodeKind::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        NodeKind::Number(n) => match serde_json::from_str::<serde_json::Number>(n) {
            Ok(x) => out.extend_from_slice(x.to_string().as_bytes()),
            Err(_) => text(out, n),
        },
        NodeKind::String(s) => text(out, s),
        NodeKind::Seq(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                compact(out, item);
            }
            out.push(b']');
        }
        NodeKind::Map(m) => {
            out.push(b'{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                text(out, k);
                out.push(b':');
                compact(out, &e.value);
            }
            out.push(b'}');
        }
    }
}

/// The tree as JSON data (spans dropped, key order kept). Numbers that are not valid JSON numbers (`0755`)
/// become strings, as in [`to_json`].
pub fn to_serde(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.kind {
        NodeKind::Null => J::Null,
        NodeKind::Bool(b) => J::Bool(*b),
        NodeKind::Number(n) => match serde_json::from_str::<serde_json::Number>(n) {
            Ok(x) => J::Number(x),
            Err(_) => J::String(n.clone()),
        },
        NodeKind::String(s) => J::String(s.clone()),
        NodeKind::Seq(items) => J::Array(items.iter().map(to_serde).collect()),
        NodeKind::Map(m) => J::Object(
            m.iter()
                .map(|(k, e)| (k.to_owned(), to_serde(&e.value)))
                .collect(),
        ),
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn block_map(out: &mut String, node: &Node, indent: usize, calls: Calls) {
    let NodeKind::Map(m) = &node.kind else {
        unreachable!("block_map on a non-mapping: this is a bug")
    };
    let mut first = true;
    for (k, e) in m.iter() {
        if !first {
            pad(out, indent);
        }
        first = false;
        out.push_str(&scalar(k));
        out.push(':');
        value_after_key(out, &e.value, indent, calls);
    }
}

/// The short form of `v` standing in `context`, when writing them.
fn tagged(v: &Node, calls: Calls, context: Context) -> Option<short::Call<'_>> {
    match calls {
        Calls::Long => None,
        Calls::Short => short_call(v, context),
    }
}

/// A value after `key:`: a tag if it has one, then [`untagged_value`].
fn value_after_key(out: &mut String, v: &Node, indent: usize, calls: Calls) {
    if let Some(call) = tagged(v, calls, Context::Data) {
        out.push_str(" !");
        out.push_str(call.tag);
        untagged_value(out, &call.argument, indent, calls, call.items);
    } else {
        untagged_value(out, v, indent, calls, Context::Data);
    }
}

/// A value after `key:`, `- !Tag` or `key: !Tag`: inline for scalars and empty collections, else on the
/// next lines; `items` is the context of a list's items.
fn untagged_value(out: &mut String, v: &Node, indent: usize, calls: Calls, items: Context) {
    match &v.kind {
        NodeKind::Map(m) if !m.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            block_map(out, v, indent + 2, calls);
        }
        NodeKind::Seq(s) if !s.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            block_seq(out, v, indent + 2, calls, items);
        }
        _ => {
            out.push(' ');
            out.push_str(&inline(v, indent + 2));
            out.push('\n');
        }
    }
}

fn block_seq(out: &mut String, node: &Node, indent: usize, calls: Calls, items_in: Context) {
    let NodeKind::Seq(items) = &node.kind else {
        unreachable!("block_seq on a non-sequence: this is a bug")
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        out.push('-');
        if let Some(call) = tagged(item, calls, items_in) {
            out.push_str(" !");
            out.push_str(call.tag);
            untagged_value(out, &call.argument, indent, calls, call.items);
            continue;
        }
        out.push(' ');
        match &item.kind {
            NodeKind::Map(m) if !m.is_empty() => block_map(out, item, indent + 2, calls),
            NodeKind::Seq(s) if !s.is_empty() => {
                block_seq(out, item, indent + 2, calls, Context::Data);
            }
            _ => {
                out.push_str(&inline(item, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection on one line (block scalars for multi-line strings).
fn inline(node: &Node, indent: usize) -> String {
    match &node.kind {
        NodeKind::Null => "null".to_owned(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Number(n) => n.clone(),
        NodeKind::String(s) => string(s, indent),
        NodeKind::Seq(_) => "[]".to_owned(),
        NodeKind::Map(_) => "{}".to_owned(),
    }
}

fn string(s: &str, indent: usize) -> String {
    if s.contains('\n') && literal_ok(s) {
        return literal_block(s, indent);
    }
    scalar(s)
}

/// A string on one line: plain when that reads back as the same string, else quoted.
pub fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_owned()
    } else if s.chars().all(|c| !c.is_control() || c == '\t') && !s.contains('\t') {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        serde_json::to_string(s).expect("strings serialize: this is a bug")
    }
}

/// Words a YAML 1.1 parser reads as booleans or null.
const YAML11_WORDS: &[&str] = &[
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "true", "True",
    "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~",
];

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s
        || YAML11_WORDS.contains(&s)
        || !matches!(resolve_plain(s), NodeKind::String(_))
    {
        return false;
    }
    // Anything that starts like a number, date or time to some YAML parser (0x1F, 0o7, 1_000, 12:30, .inf,
    // 2010-09-09) is quoted.
    if first.is_ascii_digit() || ((first == '-' || first == '+' || first == '.') && s.len() > 1) {
        let looks_numeric = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-+._:".contains(c));
        if looks_numeric {
            return false;
        }
    }
    if s.starts_with(".") && ["inf", "nan", "Inf", "NaN", "INF", "NAN"].contains(&&s[1..]) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x`, `:x` and `?x` are plain in block context, but quoting them is clearer and always safe.
        return false;
    }
    !(s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control() || c == '\u{feff}'))
}

/// A literal block keeps the text exactly when no line has trailing spaces or control characters and the
/// first line does not start with a space.
fn literal_ok(s: &str) -> bool {
    !s.starts_with(' ')
        && !s.starts_with('\n')
        && s.lines()
            .all(|l| !l.ends_with(' ') && !l.chars().any(|c| c.is_control() && c != '\t'))
        && !s.contains('\r')
}

fn literal_block(s: &str, indent: usize) -> String {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    for line in s
        .split('\n')
        .take(body.split('\n').count() + trailing.saturating_sub(1))
    {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
    }
    out
}

fn json(out: &mut String, node: &Node, indent: usize) {
    match &node.kind {
        NodeKind::Null => out.push_str("null"),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Number(n) => {
            if serde_json::from_str::<serde_json::Number>(n).is_ok() {
                out.push_str(n);
            } else {
                // `0755` and the like are not JSON numbers: keep the text exactly, as a string.
                out.push_str(&serde_json::to_string(n).expect("strings serialize"));
            }
        }
        NodeKind::String(s) => out.push_str(&serde_json::to_string(s).expect("strings serialize")),
        NodeKind::Seq(items) if items.is_empty() => out.push_str("[]"),
        NodeKind::Map(m) if m.is_empty() => out.push_str("{}"),
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 2);
                json(out, item, indent + 2);
            }
            out.push('\n');
            pad(out, indent);
            out.push(']');
        }
        NodeKind::Map(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 2);
                let _ = write!(
                    out,
                    "{}: ",
                    serde_json::to_string(k).expect("strings serialize")
                );
                json(out, &e.value, indent + 2);
            }
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, Limits, SourceMap, load_text};

    #[test]
    fn compact_json_is_the_value_printed() {
        let node = load(
            "a: 1.50\nb: 0755\nc: 1e3\nd: -0\ne: 18446744073709551616\nf: \"quote \\\" tab \\t é\"\ng: [~, true, {}, []]\n",
            Format::Yaml,
        );
        assert_eq!(to_json_compact(&node), to_serde(&node).to_string());
    }

    fn load(text: &str, format: Format) -> Node {
        let mut sources = SourceMap::new();
        let f = sources.add("t", text);
        let r = load_text(f, text, format, &Limits::default());
        assert!(r.diagnostics.is_empty(), "{:?}\n{text}", r.diagnostics);
        r.document.expect("document").root
    }

    const TRICKY: &str = r#"
a: "yes"
b: "0755"
c: 0755
d: "2010-09-09"
e: ""
f: " padded "
g: "it's"
h: "a: b"
i: "x #y"
j: "{{resolve:ssm:/a}}"
k: "- dash"
l: "multi\nline\n"
m: "no trailing newline\nat end"
n: "tab\there"
o: "null"
p: null
q: [1, "1", true, "true", [], {}]
r: "ünïcödé ${AWS::Region}"
s: "*star"
t: "12:30"
u: "1e3"
v: "two trailing\n\n"
w: "0x1F"
"key: with colon": 1
Fn::Sub: "${A}"
"#;

    #[test]
    fn yaml_round_trips_tricky_scalars() {
        let a = load(TRICKY, Format::Yaml);
        let text = to_yaml(&a);
        let b = load(&text, Format::Yaml);
        assert!(same_tree(&a, &b), "{text}");
    }

    #[test]
    fn json_round_trips() {
        let a = load(TRICKY, Format::Yaml);
        let text = to_json(&a);
        let b = load(&text, Format::Json);
        // `0755` becomes the string "0755" in JSON; everything else is identical.
        let NodeKind::Map(m) = &b.kind else { panic!() };
        assert_eq!(m.get("c").unwrap().kind, NodeKind::String("0755".into()));
        assert_eq!(m.len(), a.as_map().unwrap().len());
        assert_eq!(to_json(&b), text);
    }

    #[test]
    fn nested_collections_are_block_style() {
        let n = load(
            "A:\n  - x: 1\n    y: [a, b]\n  - - c\n    - d\nB: {}\n",
            Format::Yaml,
        );
        assert_eq!(
            to_yaml(&n),
            "A:\n  - x: 1\n    y:\n      - a\n      - b\n  - - c\n    - d\nB: {}\n"
        );
    }

    #[test]
    fn comments_are_found_outside_scalars_only() {
        let at = |t: &str| first_comment(t);
        assert_eq!(at("a: 1 # two\n"), Some(5));
        assert_eq!(at("# head\na: 1\n"), Some(0));
        assert_eq!(at("a: '# quoted'\nb: \"x #y\"\nc: x#y\n"), None);
        assert_eq!(
            at("u: |\n  #!/bin/bash\n  # a script comment\nv: 1\n"),
            None
        );
        assert_eq!(at("u: | # header\n  x\n"), Some(5));
        assert_eq!(at("k: [a, b] # flow\n"), Some(10));
        assert_eq!(at("k: ünï # c\n"), Some("k: ünï ".len()));
        // Stacked tags do not parse: any `#` counts.
        assert_eq!(at("k: !Base64 !Sub '#x'\n"), Some(17));
    }
}
