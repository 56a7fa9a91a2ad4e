//! Shape checks shared by the AppSpec and buildspec checkers: a mapping's keys against the keys a section
//! allows (with "did you mean"), required keys, and scalars, lists and mappings where the file format wants
//! them. It knows no section of either file: callers pass the names and the codes to report with.

use crate::source::{Diagnostic, Entry, Mapping, Node, NodeKind, Span, suggest};

/// The codes one file family reports shape problems with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShapeCodes {
    pub unknown_key: &'static str,
    pub bad_shape: &'static str,
    pub missing_key: &'static str,
}

/// A mapping whose keys were checked against a section's known keys.
pub(crate) struct Fields<'a> {
    map: &'a Mapping,
    /// What to blame when a required key is missing: the key that holds this mapping.
    owner: Span,
    /// How the section is named in messages: "a hook entry", "`phases`".
    what: &'a str,
    /// CodeDeploy reads the keys of Lambda and ECS files without regard to case.
    any_case: bool,
    codes: ShapeCodes,
}

impl<'a> Fields<'a> {
    /// Checks that `node` is a mapping whose keys are all in `known`. Reports a wrong shape or each unknown
    /// key (with the nearest known one); `None` when `node` is not a mapping.
    pub fn check(
        node: &'a Node,
        owner: Span,
        what: &'a str,
        known: &[&str],
        any_case: bool,
        codes: ShapeCodes,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Fields<'a>> {
        let Some(map) = node.as_map() else {
            out.push(wrong_shape(codes.bad_shape, node, what, "a mapping"));
            return None;
        };
        for (key, entry) in map.iter() {
            let found = known.iter().any(|k| {
                if any_case {
                    k.eq_ignore_ascii_case(key)
                } else {
                    *k == key
                }
            });
            if !found {
                let near = suggest(key, known.iter().copied()).or_else(|| {
                    (known.len() <= 12).then(|| format!("expected one of {}", list(known)))
                });
                out.push(
                    Diagnostic::error(
                        codes.unknown_key,
                        entry.key_span,
                        format!("unknown key `{key}` in {what}"),
                    )
                    .with_help_opt(near),
                );
            }
        }
        Some(Fields {
            map,
            owner,
            what,
            any_case,
            codes,
        })
    }

    /// A mapping whose keys the caller checks itself (`node` must be a mapping, or nothing is found in it).
    pub fn unchecked(
        node: &'a Node,
        owner: Span,
        what: &'a str,
        any_case: bool,
        codes: ShapeCodes,
    ) -> Fields<'a> {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        Fields {
            map: node
                .as_map()
                .unwrap_or_else(|| EMPTY.get_or_init(Mapping::new)),
            owner,
            what,
            any_case,
            codes,
        }
    }

    /// The entry for `key`, matched exactly or, for Lambda and ECS files, without regard to case.
    pub fn entry(&self, key: &str) -> Option<(&'a str, &'a Entry)> {
        let exact = self.map.iter().find(|(k, _)| *k == key);
        if exact.is_some() || !self.any_case {
            return exact;
        }
        self.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entry(key).map(|(_, e)| &e.value)
    }

    /// The value of a required key; reports it missing (against the owner's key) when absent or null.
    pub fn require(&self, key: &str, out: &mut Vec<Diagnostic>) -> Option<&'a Node> {
        match self.get(key) {
            Some(n) if !matches!(n.kind, NodeKind::Null) => Some(n),
            _ => {
                out.push(Diagnostic::error(
                    self.codes.missing_key,
                    self.owner,
                    format!("{} needs `{key}`", self.what),
                ));
                None
            }
        }
    }

    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entry(key).map(|(_, e)| e.key_span)
    }

    pub fn map(&self) -> &'a Mapping {
        self.map
    }
}

/// `` `a`, `b` and `c` ``
pub(crate) fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

pub(crate) fn wrong_shape(
    code: &'static str,
    node: &Node,
    what: &str,
    expected: &str,
) -> Diagnostic {
    Diagnostic::error(
        code,
        node.span,
        format!("{what} must be {expected}, found {}", node.describe()),
    )
}

/// A scalar read as text (strings, numbers and booleans, as both services read them), or a wrong shape.
pub(crate) fn scalar<'n>(
    node: &'n Node,
    what: &str,
    code: &'static str,
    out: &mut Vec<Diagnostic>,
) -> Option<std::borrow::Cow<'n, str>> {
    let text = node.scalar_text();
    if text.is_none() {
        out.push(wrong_shape(code, node, what, "a string"));
    }
    text
}

/// The items of a list, or a wrong shape.
pub(crate) fn seq<'n>(
    node: &'n Node,
    what: &str,
    code: &'static str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'n [Node]> {
    let items = node.as_seq();
    if items.is_none() {
        out.push(wrong_shape(code, node, what, "a list"));
    }
    items
}

/// Every item of a list as a scalar (a list of commands, paths or names).
pub(crate) fn scalar_list(node: &Node, what: &str, code: &'static str, out: &mut Vec<Diagnostic>) {
    if let Some(items) = seq(node, what, code, out) {
        for item in items {
            scalar(item, &format!("an item of {what}"), code, out);
        }
    }
}

/// The single `(key, entry)` of a one-key mapping, as Lambda and ECS lists of resources and hooks hold.
pub(crate) fn single<'n>(
    node: &'n Node,
    what: &str,
    code: &'static str,
    out: &mut Vec<Diagnostic>,
) -> Option<(&'n str, &'n Entry)> {
    let one = node.as_map().and_then(Mapping::single);
    if one.is_none() {
        let found = match node.as_map() {
            Some(m) => format!("a mapping with {} keys", m.len()),
            None => node.describe().to_owned(),
        };
        out.push(Diagnostic::error(
            code,
            node.span,
            format!("{what} must be a mapping with exactly one key, found {found}"),
        ));
    }
    one
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
