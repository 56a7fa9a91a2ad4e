//! When the YAML writer may use CloudFormation's short-form tags (`!Ref X`, `!Sub '...'`, `!GetAtt A.B`,
//! `!If [...]`): the rules only, as a decision per node. The layout and the quoting of scalars stay in the
//! writer (`emit.rs`), so the long-form and short-form outputs quote strings identically.
//!
//! A short form is chosen only when loading it back gives the same tree:
//! - a one-key mapping whose key is a long form of [`SHORT_TAGS`] becomes that tag applied to its value;
//! - `!Condition X` is used only for an item of `Fn::And`, `Fn::Or` or `Fn::Not`, where CloudFormation reads
//!   it as a condition; elsewhere a `Condition:` key is data (a policy statement's, a resource's);
//! - `Fn::GetAtt: [A, B]` is written `!GetAtt A.B` when both are plain strings and `A` has no dot (the loader
//!   splits at the first dot); a `Fn::GetAtt` whose value is one dotted string stays long form, since the
//!   short form would split it;
//! - a call whose argument is itself written as a short form stays long form (`Fn::Base64: !Sub ...`): YAML
//!   allows one tag per node, so `!Base64 !Sub ...` is not valid.

use std::borrow::Cow;

use crate::source::{Node, NodeKind, SHORT_TAGS};

/// Where a node stands, for the tags that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Context {
    /// Anywhere a value stands.
    Data,
    /// An item of the list argument of `Fn::And`, `Fn::Or` or `Fn::Not`.
    Conditions,
}

/// A function call to write as `!Tag argument`.
pub(super) struct Call<'a> {
    /// The tag without its `!`.
    pub tag: &'static str,
    pub argument: Cow<'a, Node>,
    /// The context of the argument's items, when it is a list.
    pub items: Context,
}

/// The short form of `node` standing in `context`, if it has one that YAML and the loader read back as is.
pub(super) fn short_call(node: &Node, context: Context) -> Option<Call<'_>> {
    let (key, entry) = node.as_map()?.single()?;
    let tag = short_name(key)?;
    let value = &entry.value;
    if key == "Condition" && !(context == Context::Conditions && value.as_str().is_some()) {
        return None;
    }
    let argument = if key == "Fn::GetAtt" {
        getatt_argument(value)?
    } else {
        Cow::Borrowed(value)
    };
    if short_call(&argument, Context::Data).is_some() {
        return None;
    }
    let items = if matches!(key, "Fn::And" | "Fn::Or" | "Fn::Not") {
        Context::Conditions
    } else {
        Context::Data
    };
    Some(Call {
        tag,
        argument,
        items,
    })
}

fn short_name(long: &str) -> Option<&'static str> {
    SHORT_TAGS
        .iter()
        .find(|(_, l)| *l == long)
        .map(|(short, _)| *short)
}

/// `[A, B]` of plain strings becomes the text `A.B`; a dotted string cannot be written short; anything else
/// is written as it is.
fn getatt_argument(value: &Node) -> Option<Cow<'_, Node>> {
    match &value.kind {
        NodeKind::String(s) if s.contains('.') => None,
        NodeKind::Seq(items) => match items.as_slice() {
            [a, b] => match (a.as_str(), b.as_str()) {
                (Some(r), Some(attr)) if !r.is_empty() && !attr.is_empty() && !r.contains('.') => {
                    Some(Cow::Owned(Node::new(
                        value.span,
                        NodeKind::String(format!("{r}.{attr}")),
                    )))
                }
                _ => Some(Cow::Borrowed(value)),
            },
            _ => Some(Cow::Borrowed(value)),
        },
        _ => Some(Cow::Borrowed(value)),
    }
}

#[cfg(test)]
mod tests {
    use crate::source::emit::{same_tree, to_yaml_short};
    use crate::source::{Format, Limits, Node, SourceMap, load_text};

    fn load(text: &str) -> Node {
        let mut sources = SourceMap::new();
        let f = sources.add("t", text);
        let r = load_text(f, text, Format::Yaml, &Limits::default());
        assert!(
            r.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}\n{text}",
            r.diagnostics
        );
        r.document.expect("document").root
    }

    /// Formats `input`, checks that the output loads to the same tree and formats to itself, and returns it.
    fn fmt(input: &str) -> String {
        let a = load(input);
        let text = to_yaml_short(&a);
        let b = load(&text);
        assert!(same_tree(&a, &b), "not the same tree:\n{text}");
        assert_eq!(to_yaml_short(&b), text, "not idempotent");
        text
    }

    #[test]
    fn scalars_take_short_tags() {
        assert_eq!(
            fmt("A:\n  Ref: X\nB:\n  Fn::Sub: ${AWS::StackName}-x\nC: {Fn::GetAZs: ''}\n"),
            "A: !Ref X\nB: !Sub ${AWS::StackName}-x\nC: !GetAZs ''\n"
        );
    }

    #[test]
    fn getatt_is_dotted_only_when_it_reads_back() {
        let out = fmt(concat!(
            "A: {Fn::GetAtt: [Res, Arn]}\n",
            "B: {Fn::GetAtt: [Res, Endpoint.Address]}\n",
            "C: {Fn::GetAtt: Res.Arn}\n",
            "D: {Fn::GetAtt: [Res, {Ref: Attr}]}\n",
            "E: {Fn::GetAtt: [Dotted.Res, Arn]}\n",
        ));
        assert_eq!(
            out,
            concat!(
                "A: !GetAtt Res.Arn\n",
                "B: !GetAtt Res.Endpoint.Address\n",
                "C:\n  Fn::GetAtt: Res.Arn\n",
                "D: !GetAtt\n  - Res\n  - !Ref Attr\n",
                "E: !GetAtt\n  - Dotted.Res\n  - Arn\n",
            )
        );
    }

    #[test]
    fn a_call_directly_inside_another_keeps_the_outer_long() {
        let out = fmt("U:\n  Fn::Base64:\n    Fn::Sub: |\n      #!/bin/bash\n      echo ${A}\n");
        assert_eq!(
            out,
            "U:\n  Fn::Base64: !Sub |\n    #!/bin/bash\n    echo ${A}\n"
        );
        // The loader's reading of the invalid `!Base64 !Sub` gives the same output.
        let stacked = "U: !Base64 !Sub x\n";
        assert_eq!(to_yaml_short(&load(stacked)), "U:\n  Fn::Base64: !Sub x\n");
    }

    #[test]
    fn lists_and_maps_after_tags_are_block_style() {
        assert_eq!(
            fmt(
                "A: !If [C, !Join ['', [a, !Ref B]], !Ref AWS::NoValue]\nB: !Transform {Name: X, Parameters: {}}\nC: !Join [',', []]\n"
            ),
            concat!(
                "A: !If\n  - C\n  - !Join\n    - ''\n    - - a\n      - !Ref B\n  - !Ref AWS::NoValue\n",
                "B: !Transform\n  Name: X\n  Parameters: {}\n",
                "C: !Join\n  - ','\n  - []\n",
            )
        );
    }

    #[test]
    fn condition_is_short_only_as_a_condition_argument() {
        assert_eq!(
            fmt(
                "A: {Fn::And: [{Condition: X}, {Fn::Not: [{Condition: Y}]}]}\nB:\n  Condition: Z\nC: [{Condition: W}]\n"
            ),
            concat!(
                "A: !And\n  - !Condition X\n  - !Not\n    - !Condition Y\n",
                "B:\n  Condition: Z\nC:\n  - Condition: W\n",
            )
        );
    }

    #[test]
    fn tagged_items_and_odd_values_read_back() {
        fmt(concat!(
            "L:\n  - !Ref A\n  - !Sub \"multi\\nline\\n\"\n  - !Select [0, !GetAZs '']\n",
            "N: {Ref: null}\nE: {Ref: ''}\nY: {Ref: 'yes'}\nO: {Fn::Sub: '0755'}\n",
            "K: {Fn::Sub: [\"${A}\", {A: {Ref: B}}]}\n",
            "Q: {Fn::FindInMap: [M, {Ref: AWS::Region}, K]}\n",
            "G: {Fn::GetAtt: [A, B, C]}\nR: {Ref: [a]}\nS: {Fn::GetAtt: ['', x]}\n",
            "T: {Fn::GetAtt: [A, '']}\nV: {Fn::GetAtt: Plain}\n",
        ));
        assert_eq!(
            fmt("B: {Fn::Base64: {Fn::Base64: {Fn::Sub: x}}}\n"),
            "B: !Base64\n  Fn::Base64: !Sub x\n"
        );
    }
}
