//! Conditions as the transform sees them: each named condition is decided once (memoized) when its
//! inputs are known now, or left to stack time (`None`) when it depends on a parameter without a value,
//! a pseudo parameter not given, or anything else unresolved. Cycles, unknown names, operands that are not
//! boolean operations and `Fn::Equals` over mappings are errors, as the transform reports them. The
//! `Conditions` section itself keeps its condition functions; only the values they compare are resolved.

use crate::evaluate::{Value, equal};
use crate::source::{Diagnostic, Node, NodeKind, Span, codes as source_codes, suggest};

use super::codes;
use super::nodes::{call, is_known, rebuild, seq};
use super::resolver::{Res, Resolver, error};

const CONDITION_FUNCTIONS: &[&str] = &["Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"];

impl Resolver<'_> {
    /// The value of a named condition: `Some` when decided now, `None` when only the stack can decide.
    pub(super) fn condition_named(&mut self, name: &str, span: Span) -> Res<Option<bool>> {
        if let Some(done) = self.truths.get(name) {
            return Ok(*done);
        }
        let Some(def) = self.conditions.and_then(|c| c.get(name)) else {
            let help = suggest(name, self.conditions.into_iter().flat_map(|c| c.keys()));
            return Err(Box::new(
                Diagnostic::error(
                    codes::UNKNOWN_CONDITION,
                    span,
                    format!("condition `{name}` is not defined in `Conditions`"),
                )
                .with_help_opt(help),
            ));
        };
        if let Some(at) = self.visiting.iter().position(|v| v == name) {
            // Written from the smallest name, so every entry point into one cycle reports the same text.
            let mut path: Vec<&str> = self.visiting[at..].iter().map(String::as_str).collect();
            let start = (0..path.len()).min_by_key(|&i| path[i]).unwrap_or(0);
            path.rotate_left(start);
            path.push(path[0]);
            return Err(error(
                source_codes::CONDITION_CYCLE,
                span,
                format!(
                    "conditions refer to each other in a cycle: {}",
                    path.join(" -> ")
                ),
            ));
        }
        self.visiting.push(name.to_owned());
        let result = self.truth(def);
        self.visiting.pop();
        if let Ok(t) = result {
            self.truths.insert(name.to_owned(), t);
        }
        result
    }

    /// Evaluates a condition expression.
    fn truth(&mut self, node: &Node) -> Res<Option<bool>> {
        match &node.kind {
            NodeKind::Bool(b) => return Ok(Some(*b)),
            NodeKind::String(s) if s.eq_ignore_ascii_case("true") => return Ok(Some(true)),
            NodeKind::String(s) if s.eq_ignore_ascii_case("false") => return Ok(Some(false)),
            _ => {}
        }
        let layout = |f: &str, what: &str| {
            error(codes::BAD_LAYOUT, node.span, format!("`{f}` takes {what}"))
        };
        match call(node) {
            Some(("Fn::Equals", arg)) => match arg.as_seq() {
                Some([a, b]) => self.equals(a, b),
                _ => Err(layout("Fn::Equals", "a list of two values")),
            },
            Some((f @ ("Fn::And" | "Fn::Or"), arg)) => {
                let items = arg
                    .as_seq()
                    .filter(|i| (2..=10).contains(&i.len()))
                    .ok_or_else(|| layout(f, "a list of 2 to 10 conditions"))?;
                let mut truths = Vec::with_capacity(items.len());
                for item in items {
                    truths.push(self.operand(item)?);
                }
                let decisive = f == "Fn::Or";
                Ok(if truths.contains(&Some(decisive)) {
                    Some(decisive)
                } else if truths.iter().all(Option::is_some) {
                    Some(!decisive)
                } else {
                    None
                })
            }
            Some(("Fn::Not", arg)) => match arg.as_seq() {
                Some([item]) => Ok(self.operand(item)?.map(|b| !b)),
                _ => Err(layout("Fn::Not", "a list of one condition")),
            },
            Some(("Condition", arg)) => {
                let name = arg.as_str().unwrap_or_default();
                self.condition_named(name, arg.span)
            }
            _ => Err(error(
                codes::FUNCTION_NOT_SUPPORTED,
                node.span,
                format!(
                    "conditions can only be boolean operations (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`), found {}",
                    describe_call(node)
                ),
            )),
        }
    }

    /// An operand of `Fn::And`, `Fn::Or` or `Fn::Not`: a condition function or a boolean.
    fn operand(&mut self, item: &Node) -> Res<Option<bool>> {
        let boolean = match &item.kind {
            NodeKind::Bool(_) => true,
            NodeKind::String(s) => {
                s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
            }
            _ => call(item).is_some_and(|(f, _)| CONDITION_FUNCTIONS.contains(&f)),
        };
        if !boolean {
            return Err(error(
                codes::FUNCTION_NOT_SUPPORTED,
                item.span,
                format!(
                    "conditions can only be boolean operations, found {}",
                    describe_call(item)
                ),
            ));
        }
        self.truth(item)
    }

    /// `Fn::Equals`: scalars by their text (`"0"` equals `0`), lists item by item; undecided while an
    /// operand still holds a function call.
    fn equals(&mut self, a: &Node, b: &Node) -> Res<Option<bool>> {
        let mut values = Vec::with_capacity(2);
        for side in [a, b] {
            let Some(v) = self.resolve(side)? else {
                return Err(error(
                    codes::WRONG_KIND,
                    side.span,
                    "`Fn::Equals` compares values, found `AWS::NoValue`",
                ));
            };
            if matches!(v.kind, NodeKind::Map(_)) && call(&v).is_none() {
                return Err(error(
                    codes::WRONG_KIND,
                    side.span,
                    "`Fn::Equals` compares strings or lists, found a mapping",
                ));
            }
            values.push(v);
        }
        if !values.iter().all(is_known) {
            return Ok(None);
        }
        Ok(Some(equal(
            &Value::from_node(&values[0]),
            &Value::from_node(&values[1]),
        )))
    }

    /// A condition definition with the values it compares resolved; the condition functions stay (the
    /// definition was already evaluated, so errors were reported then and values are kept as written).
    pub(super) fn rewrite_condition(&mut self, node: &Node) -> Node {
        match call(node) {
            Some(("Fn::Equals", arg)) => match arg.as_seq() {
                Some(items) => {
                    let resolved = items.iter().map(|i| self.lenient(i)).collect();
                    rebuild(node, seq(arg.span, resolved))
                }
                None => node.clone(),
            },
            Some(("Fn::And" | "Fn::Or" | "Fn::Not", arg)) => match arg.as_seq() {
                Some(items) => {
                    let rewritten = items.iter().map(|i| self.rewrite_condition(i)).collect();
                    rebuild(node, seq(arg.span, rewritten))
                }
                None => node.clone(),
            },
            _ => node.clone(),
        }
    }
}

fn describe_call(node: &Node) -> String {
    match call(node) {
        Some((f, _)) => format!("`{f}`"),
        None => node.describe().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::transform::resolver::tests::resolve;

    fn pick(conditions: &str) -> Result<Option<serde_json::Value>, String> {
        resolve(
            &format!(
                "Parameters:\n  Env: {{Type: String, Default: prod}}\n  Bare: {{Type: String}}\nConditions:\n{conditions}"
            ),
            "!If [C, yes, no]",
        )
    }

    #[test]
    fn decided_conditions() {
        assert_eq!(
            pick("  C: !Equals [!Ref Env, prod]\n"),
            Ok(Some("yes".into()))
        );
        assert_eq!(pick("  C: !Equals ['0', 0]\n"), Ok(Some("yes".into())));
        assert_eq!(
            pick("  C: !And [!Condition D, !Not [!Equals [a, b]]]\n  D: true\n"),
            Ok(Some("yes".into()))
        );
        assert_eq!(
            pick("  C: !Or [!Equals [a, b], false]\n"),
            Ok(Some("no".into()))
        );
        assert_eq!(
            pick("  C: !Equals [!Length [a, b], 2]\n"),
            Ok(Some("yes".into()))
        );
    }

    #[test]
    fn conditions_on_unknown_values_wait_for_the_stack() {
        let v = pick("  C: !Equals [!Ref Bare, x]\n").unwrap().unwrap();
        assert_eq!(v["Fn::If"][0], "C");
        let v = pick("  C: !And [!Equals [!Ref AWS::AccountId, x], true]\n")
            .unwrap()
            .unwrap();
        assert_eq!(v["Fn::If"][1], "yes");
        // A false operand decides `Fn::And` even when another is unknown.
        assert_eq!(
            pick("  C: !And [!Equals [!Ref Bare, x], false]\n"),
            Ok(Some("no".into()))
        );
    }

    #[test]
    fn condition_errors() {
        let e = pick("  C: !And [!Ref D, true]\n").unwrap_err();
        assert!(
            e.starts_with("!Ref D: conditions can only be boolean operations"),
            "{e}"
        );
        let e = pick("  C: !Equals [{key: [1, 2]}, 0]\n").unwrap_err();
        assert!(e.contains("found a mapping"), "{e}");
        let e = pick("  C: !Not [!Condition C]\n").unwrap_err();
        assert!(e.ends_with("cycle: C -> C"), "{e}");
        let e = pick("  C: !Condition Missing\n").unwrap_err();
        assert!(
            e.starts_with("Missing: condition `Missing` is not defined"),
            "{e}"
        );
    }
}
