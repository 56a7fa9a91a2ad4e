//! Loader tests: scalar resolution, short tags and their spans, limits, and error positions.

use super::*;
use crate::source::{Format, SourceMap, load_text};

fn load(text: &str) -> (SourceMap, crate::source::LoadResult) {
    let mut sources = SourceMap::new();
    let f = sources.add("t.yaml", text);
    let r = load_text(f, text, Format::Yaml, &Limits::default());
    (sources, r)
}

fn root(text: &str) -> Node {
    let (_, r) = load(text);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    r.document.expect("document").root
}

fn get<'a>(n: &'a Node, key: &str) -> &'a Node {
    n.as_map()
        .and_then(|m| m.get(key))
        .unwrap_or_else(|| panic!("no key {key}"))
}

#[test]
fn plain_scalars_follow_the_yaml_1_2_core_schema() {
    let n = root(
        "a: yes\nb: no\nc: on\nd: true\ne: False\nf: 0755\ng: 1.50\nh: 2010-09-09\ni: ~\nj:\nk: 0x1F\nl: '12'\nm: -3e2\n",
    );
    let kind = |k: &str| get(&n, k).kind.clone();
    assert_eq!(kind("a"), NodeKind::String("yes".into()));
    assert_eq!(kind("b"), NodeKind::String("no".into()));
    assert_eq!(kind("c"), NodeKind::String("on".into()));
    assert_eq!(kind("d"), NodeKind::Bool(true));
    assert_eq!(kind("e"), NodeKind::Bool(false));
    assert_eq!(kind("f"), NodeKind::Number("0755".into()));
    assert_eq!(kind("g"), NodeKind::Number("1.50".into()));
    assert_eq!(kind("h"), NodeKind::String("2010-09-09".into()));
    assert_eq!(kind("i"), NodeKind::Null);
    assert_eq!(kind("j"), NodeKind::Null);
    assert_eq!(kind("k"), NodeKind::String("0x1F".into()));
    assert_eq!(kind("l"), NodeKind::String("12".into()));
    assert_eq!(kind("m"), NodeKind::Number("-3e2".into()));
}

#[test]
fn short_tags_become_long_form_with_spans() {
    let text = "a: !Ref Bucket\nb: !GetAtt Bucket.Arn.Path\nc: !Join [\",\", [x]]\nd: !Transform {Name: X}\n";
    let (sources, r) = load(text);
    let n = r.document.unwrap().root;
    let a = get(&n, "a").as_map().unwrap();
    let (k, e) = a.single().unwrap();
    assert_eq!(k, "Ref");
    assert_eq!(sources.snippet(e.key_span), "!Ref");
    assert_eq!(sources.snippet(e.value.span), "Bucket");
    let b = get(&n, "b")
        .as_map()
        .unwrap()
        .get("Fn::GetAtt")
        .unwrap()
        .as_seq()
        .unwrap();
    assert_eq!(b[0].as_str(), Some("Bucket"));
    assert_eq!(b[1].as_str(), Some("Arn.Path"));
    assert_eq!(sources.snippet(b[0].span), "Bucket");
    assert_eq!(sources.snippet(b[1].span), "Arn.Path");
    assert!(
        get(&n, "c")
            .as_map()
            .unwrap()
            .get("Fn::Join")
            .unwrap()
            .as_seq()
            .is_some()
    );
    assert!(
        get(&n, "d")
            .as_map()
            .unwrap()
            .get("Fn::Transform")
            .unwrap()
            .as_map()
            .is_some()
    );
}

#[test]
fn every_short_tag_has_a_long_form() {
    for (short, long) in SHORT_TAGS {
        let n = root(&format!("a: !{short} x\n"));
        assert!(
            get(&n, "a").as_map().unwrap().get(long).is_some(),
            "{short}"
        );
    }
}

#[test]
fn core_schema_tags_are_honoured() {
    let n = root("a: !!str 12\nb: !!int '7'\n");
    assert_eq!(get(&n, "a").kind, NodeKind::String("12".into()));
    assert_eq!(get(&n, "b").kind, NodeKind::Number("7".into()));
}

#[test]
fn stacked_short_tags_nest_with_a_warning() {
    let (sources, r) = load("a: !Base64 !Sub \"x-${AWS::Region}\"\n");
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].code, codes::STACKED_TAGS);
    assert_eq!(sources.snippet(r.diagnostics[0].span), "!Base64");
    let n = r.document.unwrap().root;
    let inner = get(&n, "a").as_map().unwrap().get("Fn::Base64").unwrap();
    assert!(inner.as_map().unwrap().get("Fn::Sub").is_some());
}

#[test]
fn duplicate_keys_name_the_first() {
    let (sources, r) = load("a: 1\nb: 2\na: 3\n");
    assert!(r.document.is_none());
    let d = &r.diagnostics[0];
    assert_eq!(d.code, codes::DUPLICATE_KEY);
    assert_eq!(sources.start(d.span).line, 3);
    assert_eq!(sources.start(d.labels[0].span).line, 1);
}

#[test]
fn unknown_tags_suggest_a_known_one() {
    let (sources, r) = load("a: !GetAz x\n");
    let d = &r.diagnostics[0];
    assert_eq!(d.code, codes::UNKNOWN_TAG);
    assert_eq!(sources.snippet(d.span), "!GetAz");
    assert_eq!(d.help.as_deref(), Some("did you mean `GetAZs`?"));
}

#[test]
fn billion_laughs_stops_at_the_alias_limit() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let (_, r) = load(&text);
    assert!(r.document.is_none());
    assert_eq!(r.diagnostics[0].code, codes::LIMIT_EXCEEDED);
}

#[test]
fn nesting_depth_is_limited() {
    let deep = format!("a: {}{}\n", "[".repeat(300), "]".repeat(300));
    let (_, r) = load(&deep);
    assert_eq!(r.diagnostics[0].code, codes::LIMIT_EXCEEDED);
    let mut sources = SourceMap::new();
    let json = format!("{{\"a\": {}{}}}", "[".repeat(300), "]".repeat(300));
    let f = sources.add("t.json", json.clone());
    let r = load_text(f, &json, Format::Json, &Limits::default());
    assert_eq!(r.diagnostics[0].code, codes::LIMIT_EXCEEDED);
}

#[test]
fn a_second_document_is_refused() {
    let (_, r) = load("a: 1\n---\nb: 2\n");
    assert_eq!(r.diagnostics[0].code, codes::MULTIPLE_DOCUMENTS);
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let (sources, r) = load("a:\n  b: 1\n c: 2\n");
    let d = &r.diagnostics[0];
    assert_eq!(d.code, codes::YAML_SYNTAX);
    assert_eq!(sources.start(d.span).line, 3);
}

#[test]
fn spans_are_bytes_in_multibyte_text() {
    let text = "d: \"日本\"\nr: !Ref Bücket\n";
    let (sources, r) = load(text);
    let n = r.document.unwrap().root;
    let e = get(&n, "r").as_map().unwrap().single().unwrap().1;
    assert_eq!(sources.snippet(e.value.span), "Bücket");
    assert_eq!(sources.start(e.value.span).column, 9);
}
