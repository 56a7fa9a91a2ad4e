//! Routes of HTTP APIs that exist only under a condition: the route of a function with a `Condition`
//! is wrapped in `Fn::If` on that condition (the path, the method, the integration's `uri` and the
//! event's route settings), and an implicit API that only such functions use takes their condition
//! (combined with `Fn::Or` when they differ). It decides nothing else about routes (see `httpapi.rs`).

use crate::source::Node;

use super::build::{B, Obj, to_obj};
use super::httpapi::HttpEvent;

/// `{"Fn::If": [condition, value, {"Ref": "AWS::NoValue"}]}`.
pub(super) fn only_if(condition: &str, value: Node, b: B) -> Node {
    b.call(
        "Fn::If",
        b.seq(vec![
            b.s(condition),
            value,
            b.map([("Ref", b.s("AWS::NoValue"))]),
        ]),
    )
}

/// Wraps the route each conditional event added (`added`, by event) in `Fn::If` on its function's
/// condition. A path is wrapped as a whole only when all its conditional routes share one condition and
/// it has no other route.
pub(super) fn wrap_routes(
    paths: &mut Obj,
    events: &[HttpEvent],
    added: &[Option<(String, String)>],
    b: B,
) {
    // The condition of every route added, by path.
    let mut by_path: indexmap::IndexMap<String, Vec<(String, String)>> = indexmap::IndexMap::new();
    for (e, route) in events.iter().zip(added) {
        let (Some(c), Some((path, method))) = (&e.condition, route) else {
            continue;
        };
        by_path
            .entry(path.clone())
            .or_default()
            .push((method.clone(), c.clone()));
    }
    for (path, routes) in by_path {
        let Some(item) = paths.get(&path) else {
            continue;
        };
        let mut methods = to_obj(item);
        for (method, c) in &routes {
            let Some(op) = methods.get(method) else {
                continue;
            };
            let mut op = to_obj(op);
            if let Some(i) = op.get("x-amazon-apigateway-integration") {
                let mut integration = to_obj(i);
                if let Some(uri) = integration.get("uri").cloned() {
                    integration.insert("uri".into(), only_if(c, uri, b));
                }
                op.insert("x-amazon-apigateway-integration".into(), b.obj(integration));
            }
            methods.insert(method.clone(), only_if(c, b.obj(op), b));
        }
        let first = routes.first().map(|(_, c)| c.as_str());
        let shared = routes.iter().all(|(_, c)| Some(c.as_str()) == first);
        let all_conditional = methods.keys().all(|m| routes.iter().any(|(r, _)| r == m));
        let item = b.obj(methods);
        let item = match first {
            Some(c) if shared && all_conditional => only_if(c, item, b),
            _ => item,
        };
        paths.insert(path, item);
    }
}

/// The condition an API that only conditional functions use exists under: their one condition, or a
/// condition named `{api}Condition` that holds when any of theirs does (written into `conditions`).
/// `None` when some event's function has no condition.
pub(super) fn api_condition(
    events: &[HttpEvent],
    api: &str,
    conditions: &mut indexmap::IndexMap<String, Node>,
    b: B,
) -> Option<String> {
    any_condition(
        events.iter().map(|e| e.condition.clone()),
        api,
        conditions,
        b,
    )
}

/// The condition that holds when any of `each` holds: the one condition, or `{api}Condition` (written
/// into `conditions`). `None` when one of them is `None` (unconditional). For REST and HTTP APIs alike.
pub(super) fn any_condition(
    each: impl IntoIterator<Item = Option<String>>,
    api: &str,
    conditions: &mut indexmap::IndexMap<String, Node>,
    b: B,
) -> Option<String> {
    let mut names: Vec<String> = each.into_iter().collect::<Option<_>>()?;
    names.sort();
    names.dedup();
    if names.len() < 2 {
        return names.pop();
    }
    let name = format!("{api}Condition");
    for (n, or) in combined(names, &name, b) {
        conditions.insert(n, or);
    }
    Some(name)
}

/// `Fn::Or` takes at most ten conditions: the first ten of `names` are combined into a new condition
/// that takes their place at the end of the list, until one is left. The last one made is named
/// `name`; the ones before it `name` numbered down to 1.
pub(super) fn combined(mut names: Vec<String>, name: &str, b: B) -> Vec<(String, Node)> {
    const MAX: usize = 10;
    let mut count = 0;
    let mut left = names.len();
    while left > 1 {
        left = left - left.min(MAX) + 1;
        count += 1;
    }
    let mut out = Vec::new();
    while names.len() > 1 {
        count -= 1;
        let new = if count > 0 {
            format!("{name}{count}")
        } else {
            name.to_owned()
        };
        let rest = names.split_off(names.len().min(MAX));
        let or = b.call(
            "Fn::Or",
            b.seq(
                names
                    .iter()
                    .map(|c| b.map([("Condition", b.s(c.as_str()))]))
                    .collect(),
            ),
        );
        names = rest;
        names.push(new.clone());
        out.push((new, or));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn more_than_ten_conditions_combine_in_steps_of_ten() {
        let b = B::new(Span::default());
        let names: Vec<String> = (0..11).map(|i| format!("C{i:02}")).collect();
        let out = combined(names, "A", b);
        let made: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(made, ["A1", "A"]);
        let first = get(&out[0].1, "Fn::Or").unwrap().as_seq().unwrap();
        assert_eq!(first.len(), 10);
        let last = get(&out[1].1, "Fn::Or").unwrap().as_seq().unwrap();
        let last: Vec<&str> = last
            .iter()
            .filter_map(|c| get(c, "Condition").and_then(Node::as_str))
            .collect();
        assert_eq!(last, ["C10", "A1"]);
    }

    use super::super::build::get;
    use super::*;
    use crate::source::Span;

    /// Whether `node` is the `Fn::If` [`only_if`] writes.
    fn is_only_if(node: &Node) -> bool {
        get(node, "Fn::If").is_some()
    }

    #[test]
    fn a_conditional_route_is_wrapped_at_path_method_and_uri() {
        let b = B::new(Span::default());
        let op = b.map([(
            "x-amazon-apigateway-integration",
            b.map([("uri", b.s("u"))]),
        )]);
        let mut paths = Obj::new();
        paths.insert("/x".into(), b.map([("get", op)]));
        let e = HttpEvent {
            route: Some(("/x".into(), "get".into())),
            invoke: "F.Arn".into(),
            payload: None,
            timeout: None,
            route_settings: None,
            auth: None,
            owner: ("F".into(), "E".into()),
            condition: Some("C".into()),
            span: Span::default(),
        };
        wrap_routes(&mut paths, &[e], &[Some(("/x".into(), "get".into()))], b);
        let path = paths.get("/x").unwrap();
        assert!(is_only_if(path));
        let args = get(path, "Fn::If").unwrap().as_seq().unwrap();
        let method = get(&args[1], "get").unwrap();
        assert!(is_only_if(method));
        let op = &get(method, "Fn::If").unwrap().as_seq().unwrap()[1];
        let uri = get(get(op, "x-amazon-apigateway-integration").unwrap(), "uri").unwrap();
        assert!(is_only_if(uri));
    }
}
