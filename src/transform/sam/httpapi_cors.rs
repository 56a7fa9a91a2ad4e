//! An HTTP API's `CorsConfiguration` as its definition's `x-amazon-apigateway-cors`: which settings are
//! kept, how their names are written, and the one combination the translator refuses. It does not decide
//! where the setting goes in the definition (`httpapi.rs` does).

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, get, is_intrinsic};

/// `CorsConfiguration` as the definition's `x-amazon-apigateway-cors`: `true` allows every origin, a
/// mapping is copied with its keys in the definition's camel case, `Fn::If` chooses between two of them.
pub(super) fn cors(node: &Node) -> Result<Option<Node>, String> {
    let b = B::new(node.span);
    if let Some(args) = get(node, "Fn::If").and_then(Node::as_seq)
        && let [cond, yes, no] = args
    {
        let branch = |n: &Node| -> Result<Node, String> {
            if get(n, "Ref").and_then(Node::as_str) == Some("AWS::NoValue") {
                return Ok(b.s("AWS::NoValue"));
            }
            Ok(cors(n)?.unwrap_or_else(|| b.s("AWS::NoValue")))
        };
        return Ok(Some(b.call(
            "Fn::If",
            b.seq(vec![cond.clone(), branch(yes)?, branch(no)?]),
        )));
    }
    match &node.kind {
        NodeKind::Bool(true) => Ok(Some(b.map([("allowOrigins", b.strs(&["*"]))]))),
        NodeKind::String(s) if s == "true" => Ok(Some(b.map([("allowOrigins", b.strs(&["*"]))]))),
        NodeKind::Bool(false) => Ok(None),
        NodeKind::Map(m) if !is_intrinsic(node) => {
            let credentials = get(node, "AllowCredentials").map(|c| &c.kind);
            let origins = get(node, "AllowOrigins").and_then(Node::as_seq);
            if credentials == Some(&NodeKind::Bool(true))
                && origins.is_some_and(|o| o.len() == 1 && o[0].as_str() == Some("*"))
            {
                return Err("Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set.".into());
            }
            let mut out = Obj::new();
            for (k, e) in m.iter() {
                // Empty settings are left out; `MaxAge` only when null, `AllowCredentials` unless `true`.
                let kept = match k {
                    "MaxAge" => !matches!(e.value.kind, NodeKind::Null),
                    "AllowCredentials" => e.value.kind == NodeKind::Bool(true),
                    _ => !empty(&e.value),
                };
                let key = match k {
                    "AllowOrigins" | "AllowHeaders" | "AllowMethods" | "ExposeHeaders"
                    | "MaxAge" | "AllowCredentials" => {
                        let mut chars = k.chars();
                        chars
                            .next()
                            .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
                            .unwrap_or_default()
                    }
                    other => return Err(format!("Invalid key '{other}' for 'Cors' property.")),
                };
                if kept {
                    out.insert(key, e.value.clone());
                }
            }
            Ok(Some(b.obj(out)))
        }
        _ => Ok(Some(node.clone())),
    }
}

/// A setting the translator treats as not given: null, `false`, `0`, `""` or an empty list or mapping.
fn empty(v: &Node) -> bool {
    match &v.kind {
        NodeKind::Null | NodeKind::Bool(false) => true,
        NodeKind::Number(n) => n.parse::<f64>() == Ok(0.0),
        NodeKind::String(s) => s.is_empty(),
        NodeKind::Seq(items) => items.is_empty(),
        NodeKind::Map(m) => m.is_empty(),
        NodeKind::Bool(true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::emit;
    use crate::transform::sam::test_support::loaded;

    fn cors_of(text: &str) -> Result<Option<serde_json::Value>, String> {
        let doc = loaded(text);
        cors(&doc.root).map(|c| c.map(|c| emit::to_serde(&c)))
    }

    #[test]
    fn empty_settings_are_left_out_but_a_zero_max_age_is_kept() {
        let got = cors_of(
            "AllowOrigins: ['https://a']\nAllowHeaders: []\nExposeHeaders: ''\nAllowMethods: null\nAllowCredentials: false\nMaxAge: 0\n",
        );
        assert_eq!(
            got,
            Ok(Some(
                serde_json::json!({"allowOrigins": ["https://a"], "maxAge": 0})
            ))
        );
    }

    #[test]
    fn credentials_are_kept_only_when_true() {
        let got = cors_of("AllowOrigins: ['https://a']\nAllowCredentials: 'true'\n");
        assert_eq!(
            got,
            Ok(Some(serde_json::json!({"allowOrigins": ["https://a"]})))
        );
        let got = cors_of("AllowCredentials: true\n");
        assert_eq!(got, Ok(Some(serde_json::json!({"allowCredentials": true}))));
    }

    #[test]
    fn credentials_with_every_origin_are_refused() {
        let got = cors_of("AllowOrigins: ['*']\nAllowCredentials: true\n");
        assert!(
            got.unwrap_err()
                .contains("'AllowCredentials' can not be true")
        );
    }
}
