//! The parts of one `Fn::ForEach::LoopName: [Identifier, Collection, {OutputKey: OutputValue}]` entry, read
//! from the template, and the places a loop may stand. Reading checks the layout only; what the collection
//! holds is decided when the loop expands, and the names are compared by the survey.

use crate::source::{Diagnostic, Mapping, Node, NodeKind, Span};

use super::codes;

/// What every loop key starts with.
pub(super) const LOOP_PREFIX: &str = "Fn::ForEach::";

/// How deep loops may nest, as in CloudFormation.
pub(super) const MAX_DEPTH: usize = 5;

/// True for a key that means a loop, well formed or not (`Fn::ForEach`, `Fn::ForEach::Name`).
pub(super) fn is_loop_key(key: &str) -> bool {
    key.starts_with("Fn::ForEach")
}

/// Where a loop stands; its output keys are entries of that place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Level {
    Conditions,
    Resources,
    Outputs,
    /// A resource's `Properties`.
    Properties,
}

impl Level {
    /// The level of a top-level section, for the sections loops may stand in.
    pub(super) fn of_section(name: &str) -> Option<Level> {
        match name {
            "Conditions" => Some(Level::Conditions),
            "Resources" => Some(Level::Resources),
            "Outputs" => Some(Level::Outputs),
            _ => None,
        }
    }

    /// What an output key names here, for messages; `None` where any key will do (properties).
    pub(super) fn names(self) -> Option<&'static str> {
        match self {
            Level::Conditions => Some("condition name"),
            Level::Resources => Some("logical id"),
            Level::Outputs => Some("output name"),
            Level::Properties => None,
        }
    }
}

/// A loop's identifiers with their spans.
type Identifiers<'a> = Vec<(&'a str, Span)>;

/// One loop, as written (or as substituted by its enclosing loops).
pub(super) struct Header<'a> {
    /// The whole key, `Fn::ForEach::Name`, for messages.
    pub key: &'a str,
    /// The loop name, after the prefix.
    pub name: &'a str,
    /// The identifiers with their spans: one, or one per value when the collection is a list of lists.
    pub identifiers: Identifiers<'a>,
    /// True when the identifiers were written as a list: each item of the collection is then a list.
    pub listed: bool,
    pub collection: &'a Node,
    pub body: &'a Node,
}

impl Header<'_> {
    /// The output mapping (the third item).
    pub(super) fn outputs(&self) -> &Mapping {
        self.body
            .as_map()
            .expect("this is a bug: a loop header's body is a mapping once read")
    }
}

/// Reads the loop at `key: value`; the error points at the part whose layout is wrong.
pub(super) fn read<'a>(
    key: &'a str,
    key_span: Span,
    value: &'a Node,
) -> Result<Header<'a>, Box<Diagnostic>> {
    let layout = |span: Span, message: String| {
        Box::new(Diagnostic::error(codes::FOREACH_LAYOUT, span, message))
    };
    let name = match key.strip_prefix(LOOP_PREFIX) {
        Some(n) if !n.is_empty() => n,
        _ => {
            return Err(Box::new(
                Diagnostic::error(
                    codes::FOREACH_LAYOUT,
                    key_span,
                    format!("`{key}` has no loop name"),
                )
                .with_help(
                    "a loop key is `Fn::ForEach::` followed by a name unique in the template",
                ),
            ));
        }
    };
    let parts = match value.as_seq() {
        Some([identifier, collection, body]) => [identifier, collection, body],
        Some(items) => {
            return Err(Box::new(
                Diagnostic::error(
                    codes::FOREACH_LAYOUT,
                    value.span,
                    format!(
                        "`{key}` takes 3 items, found {} item{}",
                        items.len(),
                        if items.len() == 1 { "" } else { "s" }
                    ),
                )
                .with_help(
                    "write `[Identifier, Collection, {OutputKey${Identifier}: OutputValue}]`",
                ),
            ));
        }
        None => {
            return Err(layout(
                value.span,
                format!(
                    "`{key}` takes a list of an identifier, a collection and a mapping of output keys to values, found {}",
                    value.describe()
                ),
            ));
        }
    };
    let [identifier, collection, body] = parts;
    let (identifiers, listed) = identifiers(key, identifier)?;
    if body.as_map().is_none() {
        return Err(layout(
            body.span,
            format!(
                "the third item of `{key}` must be a mapping of output keys to values, found {}",
                body.describe()
            ),
        ));
    }
    Ok(Header {
        key,
        name,
        identifiers,
        listed,
        collection,
        body,
    })
}

/// A non-empty string, or a non-empty list of them.
fn identifiers<'a>(key: &str, node: &'a Node) -> Result<(Identifiers<'a>, bool), Box<Diagnostic>> {
    let wrong = |n: &Node| {
        let found = match &n.kind {
            NodeKind::String(_) => "an empty string",
            NodeKind::Seq(items) if items.is_empty() => "an empty list",
            _ => n.describe(),
        };
        Box::new(
            Diagnostic::error(
                codes::FOREACH_LAYOUT,
                n.span,
                format!(
                    "the identifier of `{key}` must be a non-empty string or a list of them, found {found}"
                ),
            )
            .with_help("the identifier is a name written as is, such as `Name`; `${Name}` in output keys and values stands for each item"),
        )
    };
    let one = |n: &'a Node| match n.as_str() {
        Some(s) if !s.is_empty() => Ok((s, n.span)),
        _ => Err(wrong(n)),
    };
    match &node.kind {
        NodeKind::Seq(items) if !items.is_empty() => {
            Ok((items.iter().map(one).collect::<Result<_, _>>()?, true))
        }
        NodeKind::Seq(_) => Err(wrong(node)),
        _ => Ok((vec![one(node)?], false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::tests::load;

    /// Reads the loop of `Resources` in `text`; the error as (snippet, message).
    fn header(text: &str) -> Result<(String, Vec<String>, bool), (String, String)> {
        let (doc, sources) = load(text);
        let resources = doc.root.as_map().unwrap().get("Resources").unwrap();
        let (k, e) = resources.as_map().unwrap().iter().next().unwrap();
        read(k, e.key_span, &e.value)
            .map(|h| {
                (
                    h.name.to_owned(),
                    h.identifiers.iter().map(|i| i.0.to_owned()).collect(),
                    h.listed,
                )
            })
            .map_err(|d| (sources.snippet(d.span).to_owned(), d.message))
    }

    #[test]
    fn a_loop_reads_its_name_identifiers_collection_and_body() {
        let h = header(
            "Resources:\n  Fn::ForEach::Topics:\n    - Name\n    - [a, b]\n    - T${Name}: {Type: AWS::SNS::Topic}\n",
        );
        assert_eq!(h, Ok(("Topics".to_owned(), vec!["Name".to_owned()], false)));
        let h = header(
            "Resources:\n  Fn::ForEach::Pairs:\n    - [A, B]\n    - [[a, b]]\n    - T${A}: {Type: AWS::SNS::Topic}\n",
        );
        assert_eq!(
            h,
            Ok((
                "Pairs".to_owned(),
                vec!["A".to_owned(), "B".to_owned()],
                true
            ))
        );
    }

    #[test]
    fn layout_errors_point_at_the_wrong_part() {
        let e = header("Resources:\n  Fn::ForEach::: [N, [a], {}]\n").unwrap_err();
        assert_eq!(
            e,
            (
                "Fn::ForEach::".to_owned(),
                "`Fn::ForEach::` has no loop name".to_owned()
            )
        );
        let e = header("Resources:\n  Fn::ForEach::L: []\n").unwrap_err();
        assert_eq!(e.1, "`Fn::ForEach::L` takes 3 items, found 0 items");
        let e = header("Resources:\n  Fn::ForEach::L: {a: b}\n").unwrap_err();
        assert!(e.1.ends_with("found a mapping"), "{e:?}");
        for (identifier, found) in [
            ("''", "an empty string"),
            ("null", "null"),
            ("1", "a number"),
            ("[]", "an empty list"),
            ("[A, '']", "an empty string"),
            ("!Ref P", "a function call"),
        ] {
            let e = header(&format!(
                "Resources:\n  Fn::ForEach::L: [{identifier}, [a], {{}}]\n"
            ))
            .unwrap_err();
            assert!(
                e.1.ends_with(&format!("found {found}")),
                "{identifier}: {e:?}"
            );
        }
        let e = header("Resources:\n  Fn::ForEach::L: [N, [a], body]\n").unwrap_err();
        assert_eq!(e.0, "body");
        assert!(e.1.starts_with("the third item of `Fn::ForEach::L`"));
    }
}
