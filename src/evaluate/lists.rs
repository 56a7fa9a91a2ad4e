//! The list functions: `Fn::Join` (dropping `AWS::NoValue` items; deferred as a whole when an item waits
//! for a resource), `Fn::Select` (an index as a number or numeric string) and `Fn::Split` (a non-empty
//! delimiter). `Fn::Length` is dispatched from `functions.rs`.

use crate::source::{Diagnostic, Span};
use crate::template::Expr;

use super::codes;
use super::functions::deferred_call;
use super::intrinsics::{Eval, Evaluator};
use super::value::{Deferred, Value};

impl Evaluator<'_> {
    /// `Fn::Join`: items joined with the delimiter; `AWS::NoValue` items are already dropped. With a
    /// deferred item the join stays deferred as a whole.
    pub(super) fn join(&mut self, span: Span, delimiter: &Expr, list: &Expr) -> Eval<Value> {
        let d = self.known_text(delimiter, "the delimiter of `Fn::Join`")?;
        match self.value(list)? {
            Value::List(items) => {
                let mut texts = Vec::with_capacity(items.len());
                for item in &items {
                    match item.as_text() {
                        Some(t) => texts.push(t.into_owned()),
                        None if item.is_deferred() => {}
                        None => {
                            return Err(self.fail(
                                codes::WRONG_KIND,
                                list.span,
                                format!(
                                    "`Fn::Join` joins strings, found {} in its list",
                                    item.describe()
                                ),
                            ));
                        }
                    }
                }
                if texts.len() < items.len() {
                    Ok(Value::Deferred(Deferred::Join {
                        delimiter: d,
                        items,
                    }))
                } else {
                    self.computed_string(span, texts.join(&d))
                }
            }
            v @ Value::Deferred(_) => Ok(deferred_call(
                "Fn::Join",
                Value::List(vec![Value::String(d), v]),
            )),
            v => Err(self.fail(
                codes::WRONG_KIND,
                list.span,
                format!("`Fn::Join` takes a list to join, found {}", v.describe()),
            )),
        }
    }

    /// `Fn::Select`: the item at a zero-based index (a number or a numeric string).
    pub(super) fn select(&mut self, index: &Expr, list: &Expr) -> Eval<Value> {
        let text = self.known_text(index, "the index of `Fn::Select`")?;
        let Ok(i) = text.trim().parse::<usize>() else {
            return Err(self.fail(
                codes::WRONG_KIND,
                index.span,
                format!("the index of `Fn::Select` must be a whole number from 0, found `{text}`"),
            ));
        };
        match self.value(list)? {
            Value::List(mut items) => {
                if i < items.len() {
                    Ok(items.swap_remove(i))
                } else {
                    Err(self.report(
                        Diagnostic::error(
                            codes::INDEX_OUT_OF_RANGE,
                            index.span,
                            format!(
                                "index {i} is out of range for `Fn::Select`: the list has {} item{}",
                                items.len(),
                                if items.len() == 1 { "" } else { "s" }
                            ),
                        )
                        .with_label(list.span, "the list"),
                    ))
                }
            }
            v @ Value::Deferred(_) => Ok(deferred_call(
                "Fn::Select",
                Value::List(vec![Value::Number(i.to_string()), v]),
            )),
            v => Err(self.fail(
                codes::WRONG_KIND,
                list.span,
                format!("`Fn::Select` selects from a list, found {}", v.describe()),
            )),
        }
    }

    /// `Fn::Split`: a string cut at every occurrence of a non-empty delimiter.
    pub(super) fn split(&mut self, delimiter: &Expr, source: &Expr) -> Eval<Value> {
        let d = self.known_text(delimiter, "the delimiter of `Fn::Split`")?;
        if d.is_empty() {
            return Err(self.fail(
                codes::EMPTY_DELIMITER,
                delimiter.span,
                "the delimiter of `Fn::Split` is empty",
            ));
        }
        let v = self.value(source)?;
        if v.is_deferred() {
            return Ok(deferred_call(
                "Fn::Split",
                Value::List(vec![Value::String(d), v]),
            ));
        }
        let s = self.text_of(source.span, &v, "the source string of `Fn::Split`")?;
        Ok(Value::List(
            s.split(d.as_str()).map(Value::string).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{list, output, output_error, s};
    use super::*;

    const MAPS: &str = "Parameters:\n  Names:\n    Type: CommaDelimitedList\n    Default: x, y, z\n  Idx:\n    Type: Number\n    Default: 1\n";

    #[test]
    fn join_strings_numbers_and_list_parameters() {
        assert_eq!(
            output("", "!Join [':', [a, 1, true]]").unwrap(),
            s("a:1:true")
        );
        assert_eq!(output(MAPS, "!Join ['-', !Ref Names]").unwrap(), s("x-y-z"));
        assert_eq!(output("", "!Join ['', []]").unwrap(), s(""));
    }

    #[test]
    fn join_drops_novalue_items() {
        assert_eq!(
            output("", "!Join [',', [a, !Ref AWS::NoValue, b]]").unwrap(),
            s("a,b")
        );
    }

    #[test]
    fn join_with_a_deferred_item_stays_deferred() {
        assert_eq!(
            output("", "!Join ['/', [arn, !Ref R, !Ref AWS::NoValue]]").unwrap(),
            Value::Deferred(Deferred::Join {
                delimiter: "/".into(),
                items: vec![s("arn"), Value::Deferred(Deferred::Ref("R".into()))],
            })
        );
    }

    #[test]
    fn join_of_a_nested_list_is_an_error() {
        let e = output_error("", "!Join [',', [a, [b]]]");
        assert_eq!(e[0].1, "[a, [b]]");
    }

    #[test]
    fn select_by_number_or_numeric_string() {
        assert_eq!(output(MAPS, "!Select [1, !Ref Names]").unwrap(), s("y"));
        assert_eq!(output(MAPS, "!Select ['2', !Ref Names]").unwrap(), s("z"));
        assert_eq!(output(MAPS, "!Select [!Ref Idx, [p, q]]").unwrap(), s("q"));
        assert_eq!(
            output("", "!Select [0, !GetAZs '']").unwrap(),
            s("us-east-1a")
        );
    }

    #[test]
    fn select_out_of_range_points_at_the_index() {
        let e = output_error("", "!Select [3, [a, b, c]]");
        assert_eq!(
            e[0],
            (
                "index 3 is out of range for `Fn::Select`: the list has 3 items".to_owned(),
                "3".to_owned()
            )
        );
        let e = output_error("", "!Select [-1, [a]]");
        assert_eq!(e[0].1, "-1");
    }

    #[test]
    fn split_and_empty_delimiter() {
        assert_eq!(
            output("", "!Split [',', 'a,,b']").unwrap(),
            list(&["a", "", "b"])
        );
        assert_eq!(output("", "!Split ['|', 'abc']").unwrap(), list(&["abc"]));
        let e = output_error("", "!Split ['', 'abc']");
        assert_eq!(
            e[0],
            (
                "the delimiter of `Fn::Split` is empty".to_owned(),
                "''".to_owned()
            )
        );
        assert_eq!(
            output("", "!Split [',', !GetAtt R.Names]").unwrap(),
            deferred_call(
                "Fn::Split",
                Value::List(vec![
                    s(","),
                    Value::Deferred(Deferred::GetAtt("R".into(), "Names".into()))
                ])
            )
        );
    }
}
