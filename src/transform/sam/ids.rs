//! Generated logical ids: a prefix plus the first ten hex digits of the SHA-1 of a value's canonical JSON
//! text (keys sorted, no spaces, non-ASCII escaped as `\uXXXX`), so an id changes exactly when the value it
//! stands for changes (a function's code for its `Version`, an API's definition for its `Deployment`).
//! It never decides which value an id covers: callers do.

use sha1::{Digest, Sha1};

use crate::source::{Node, NodeKind};

/// How many hex digits of the digest a generated id keeps.
const HASH_LENGTH: usize = 10;

/// `prefix` followed by the hash of `data`'s canonical JSON text.
pub(super) fn hashed_id(prefix: &str, data: &Node) -> String {
    let mut text = String::new();
    canonical_json(data, &mut text);
    format!("{prefix}{}", hash_text(&text))
}

/// The first ten hex digits of the SHA-1 of `text`.
pub(super) fn hash_text(text: &str) -> String {
    let mut hex = sha1_hex(text);
    hex.truncate(HASH_LENGTH);
    hex
}

/// The SHA-1 of `text` in hex (40 digits).
pub(super) fn sha1_hex(text: &str) -> String {
    let digest = Sha1::digest(text.as_bytes());
    let mut hex = String::with_capacity(40);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// Appends the canonical JSON text of `node`: mapping keys sorted by code point, `,` and `:` without spaces,
/// every character outside ASCII escaped.
pub(super) fn canonical_json(node: &Node, out: &mut String) {
    match &node.kind {
        NodeKind::Null => out.push_str("null"),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Number(n) => out.push_str(n),
        NodeKind::String(s) => json_string(s, out),
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        NodeKind::Map(m) => {
            let mut keys: Vec<&str> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                if let Some(v) = m.get(k) {
                    canonical_json(v, out);
                }
            }
            out.push('}');
        }
    }
}

pub(super) fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Mapping, Span};

    fn s(t: &str) -> Node {
        Node::new(Span::default(), NodeKind::String(t.into()))
    }

    #[test]
    fn a_code_location_hashes_like_the_reference_translator() {
        let mut m = Mapping::new();
        m.insert("S3Key".into(), Span::default(), s("k.zip"))
            .unwrap();
        m.insert("S3Bucket".into(), Span::default(), s("b"))
            .unwrap();
        let code = Node::new(Span::default(), NodeKind::Map(m));
        let mut text = String::new();
        canonical_json(&code, &mut text);
        assert_eq!(text, r#"{"S3Bucket":"b","S3Key":"k.zip"}"#);
        assert_eq!(hashed_id("FVersion", &code), "FVersion694d741b46");
    }

    #[test]
    fn non_ascii_text_is_escaped() {
        let mut text = String::new();
        canonical_json(&s("é\u{1F600}"), &mut text);
        assert_eq!(text, r#""\u00e9\ud83d\ude00""#);
    }
}
