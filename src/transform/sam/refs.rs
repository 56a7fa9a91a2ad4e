//! SAM's resource references: `!Ref MyFunction.Alias`, `!Ref MyFunction.Version`,
//! `!GetAtt MyFunction.Version.Version` and `${MyFunction.Alias}` in `Fn::Sub` name resources the transform
//! generates. Once every resource is expanded, they are rewritten to the generated logical ids. It never
//! touches references whose first part is not a known `<resource>.<property>` pair.

use indexmap::IndexMap;

use crate::source::{Node, NodeKind};

use super::build::B;

/// `"<Resource>.<Property>"` → the generated logical id it stands for.
pub(super) type RefMap = IndexMap<String, String>;

/// `node` with every SAM resource reference rewritten.
pub(super) fn rewrite(node: &Node, refs: &RefMap) -> Node {
    match &node.kind {
        NodeKind::Map(m) => {
            if let Some((k, e)) = m.single()
                && let Some(new) = rewrite_call(k, &e.value, refs)
            {
                return new;
            }
            let b = B::new(node.span);
            b.map(m.iter().map(|(k, e)| (k, rewrite(&e.value, refs))))
        }
        NodeKind::Seq(items) => Node::new(
            node.span,
            NodeKind::Seq(items.iter().map(|i| rewrite(i, refs)).collect()),
        ),
        _ => node.clone(),
    }
}

fn rewrite_call(name: &str, arg: &Node, refs: &RefMap) -> Option<Node> {
    let b = B::new(arg.span);
    match name {
        "Ref" => refs.get(arg.as_str()?).map(|id| b.r#ref(id)),
        "Fn::GetAtt" => {
            let (target, attribute) = match &arg.kind {
                NodeKind::String(s) => {
                    let mut parts = s.splitn(3, '.');
                    let (r, p, a) = (parts.next()?, parts.next()?, parts.next()?);
                    (format!("{r}.{p}"), b.s(a))
                }
                NodeKind::Seq(items) if items.len() == 2 => {
                    let first = items[0].as_str()?;
                    match items[1].as_str().and_then(|a| a.split_once('.')) {
                        // `!GetAtt F.Version.Arn` loads as `[F, Version.Arn]`.
                        Some((property, attribute)) if !refs.contains_key(first) => {
                            (format!("{first}.{property}"), b.s(attribute))
                        }
                        _ => (first.to_owned(), items[1].clone()),
                    }
                }
                _ => return None,
            };
            let id = refs.get(&target)?;
            Some(b.call("Fn::GetAtt", b.seq(vec![b.s(id.as_str()), attribute])))
        }
        "Fn::Sub" => {
            let (text, rest) = match &arg.kind {
                NodeKind::String(s) => (s.as_str(), None),
                NodeKind::Seq(items) if !items.is_empty() => {
                    (items[0].as_str()?, Some(&items[1..]))
                }
                _ => return None,
            };
            let mut changed = false;
            let mut out = text.to_owned();
            for (from, to) in refs {
                let placeholder = format!("${{{from}}}");
                if out.contains(&placeholder) {
                    out = out.replace(&placeholder, &format!("${{{to}}}"));
                    changed = true;
                }
                // `${F.Alias.Name}`: an attribute of the generated resource.
                let attribute = format!("${{{from}.");
                if out.contains(&attribute) {
                    out = out.replace(&attribute, &format!("${{{to}."));
                    changed = true;
                }
            }
            if !changed {
                return None;
            }
            Some(match rest {
                None => b.call("Fn::Sub", b.s(out)),
                Some(rest) => {
                    let mut items = vec![b.s(out)];
                    items.extend(rest.iter().map(|r| rewrite(r, refs)));
                    b.call("Fn::Sub", b.seq(items))
                }
            })
        }
        _ => None,
    }
}
