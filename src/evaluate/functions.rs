//! The value functions other than `Fn::Sub`: `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`,
//! `Fn::Base64`, `Fn::Cidr`, `Fn::GetAZs`, `Fn::ImportValue`, `Fn::Length`, `Fn::ToJsonString` and
//! `Fn::GetStackOutput`. A function whose input waits for a resource returns a [`Deferred`] placeholder
//! rather than guessing.

use crate::source::{Diagnostic, suggest};
use crate::template::{Expr, ExprKind};

use super::cidr;
use super::codes;
use super::intrinsics::{Eval, Evaluator};
use super::value::{Deferred, Value};

pub(super) fn deferred_call(function: &'static str, args: Value) -> Value {
    Value::Deferred(Deferred::Call {
        function,
        args: Box::new(args),
    })
}

impl Evaluator<'_> {
    /// Dispatches the value functions of this file.
    pub(super) fn function(&mut self, e: &Expr) -> Eval<Value> {
        use ExprKind as K;
        match &e.kind {
            K::Join { delimiter, list } => self.join(e.span, delimiter, list),
            K::Select { index, list } => self.select(index, list),
            K::Split { delimiter, source } => self.split(delimiter, source),
            K::FindInMap {
                map,
                top_key,
                second_key,
                default,
            } => self.find_in_map(map, top_key, second_key, default.as_deref()),
            K::Base64(arg) => self.base64(arg),
            K::Cidr { block, count, bits } => self.cidr(block, count, bits),
            K::GetAZs(region) => {
                let region = self.known_text(region, "the region of `Fn::GetAZs`")?;
                let zones = self.context.availability_zones(&region);
                Ok(Value::List(zones.into_iter().map(Value::String).collect()))
            }
            K::ImportValue(name) => {
                let span = name.span;
                let name = self.known_text(name, "the name of `Fn::ImportValue`")?;
                self.import(span, name)
            }
            K::Length(arg) => match self.value(arg)? {
                Value::List(items) => Ok(Value::Number(items.len().to_string())),
                v @ Value::Deferred(_) => Ok(deferred_call("Fn::Length", v)),
                v => Err(self.fail(
                    codes::WRONG_KIND,
                    arg.span,
                    format!("`Fn::Length` takes a list, found {}", v.describe()),
                )),
            },
            K::ToJsonString(arg) => {
                let v = self.value(arg)?;
                Ok(if v.contains_deferred() {
                    deferred_call("Fn::ToJsonString", v)
                } else {
                    Value::String(v.to_json())
                })
            }
            K::GetStackOutput {
                stack_name,
                output_name,
                region,
                role_arn,
            } => {
                let what = "an argument of `Fn::GetStackOutput`";
                let stack_name = self.known_text(stack_name, what)?;
                let output_name = self.known_text(output_name, what)?;
                let region = match region {
                    Some(r) => Some(self.known_text(r, what)?),
                    None => None,
                };
                let role_arn = match role_arn {
                    Some(r) => Some(self.known_text(r, what)?),
                    None => None,
                };
                Ok(Value::Deferred(Deferred::StackOutput {
                    stack_name,
                    output_name,
                    region,
                    role_arn,
                }))
            }
            _ => panic!(
                "this is a bug: `{}` is not a value function",
                e.function_name().unwrap_or("data")
            ),
        }
    }

    /// `Fn::FindInMap`: a mapping value, or the `DefaultValue` when the mapping or a key is missing.
    fn find_in_map(
        &mut self,
        map: &Expr,
        top_key: &Expr,
        second_key: &Expr,
        default: Option<&Expr>,
    ) -> Eval<Value> {
        let what = "a key of `Fn::FindInMap`";
        let (m, top, second) = (
            self.known_text(map, "the mapping name of `Fn::FindInMap`"),
            self.known_text(top_key, what),
            self.known_text(second_key, what),
        );
        let (m, top, second) = (m?, top?, second?);
        let t = self.template;
        let missing = match t.mappings.get(&m) {
            None => (
                map.span,
                format!("mapping `{m}` does not exist"),
                suggest(&m, t.mappings.keys().map(String::as_str)),
            ),
            Some(def) => match def.entries.get(&top) {
                None => (
                    top_key.span,
                    format!("mapping `{m}` has no key `{top}`"),
                    suggest(&top, def.entries.keys().map(String::as_str)),
                ),
                Some(entry) => match entry.values.get(&second) {
                    Some((_, node)) => return Ok(Value::from_node(node)),
                    None => (
                        second_key.span,
                        format!("key `{top}` of mapping `{m}` has no `{second}`"),
                        suggest(&second, entry.values.keys().map(String::as_str)),
                    ),
                },
            },
        };
        match default {
            Some(d) => self.value(d),
            None => {
                let (span, message, help) = missing;
                Err(self.report(
                    Diagnostic::error(codes::MAPPING_KEY_MISSING, span, message)
                        .with_help_opt(help),
                ))
            }
        }
    }

    /// `Fn::Base64`: the standard (padded) base64 encoding of the string's UTF-8 bytes.
    fn base64(&mut self, arg: &Expr) -> Eval<Value> {
        let v = self.value(arg)?;
        if v.is_deferred() {
            return Ok(deferred_call("Fn::Base64", v));
        }
        let s = self.text_of(arg.span, &v, "the argument of `Fn::Base64`")?;
        Ok(Value::String(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            s.as_bytes(),
        )))
    }

    /// `Fn::Cidr`: `count` blocks of `bits` host bits carved from the start of `block`.
    fn cidr(&mut self, block: &Expr, count: &Expr, bits: &Expr) -> Eval<Value> {
        let b = self.value(block)?;
        let (n, h) = (
            self.whole_number(count, "the count of `Fn::Cidr`"),
            self.whole_number(bits, "the bit size of `Fn::Cidr`"),
        );
        let (n, h) = (n?, h?);
        if b.is_deferred() {
            return Ok(deferred_call(
                "Fn::Cidr",
                Value::List(vec![
                    b,
                    Value::Number(n.to_string()),
                    Value::Number(h.to_string()),
                ]),
            ));
        }
        let text = self.text_of(block.span, &b, "the address block of `Fn::Cidr`")?;
        match cidr::subnets(&text, n, h) {
            Ok(blocks) => Ok(Value::List(blocks.into_iter().map(Value::String).collect())),
            Err(e) => {
                let span = match e.argument {
                    cidr::Argument::Block => block.span,
                    cidr::Argument::Count => count.span,
                    cidr::Argument::Bits => bits.span,
                };
                Err(self.fail(codes::BAD_CIDR, span, e.message))
            }
        }
    }

    fn whole_number(&mut self, e: &Expr, what: &str) -> Eval<u64> {
        let text = self.known_text(e, what)?;
        text.trim().parse::<u64>().map_err(|_| {
            self.fail(
                codes::WRONG_KIND,
                e.span,
                format!("{what} must be a whole number, found `{text}`"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{list, output, output_error, s};
    use super::*;

    const MAPS: &str = "Mappings:\n  Region:\n    us-east-1:\n      Ami: ami-1\n      Sizes: [a, b]\nParameters:\n  Names:\n    Type: CommaDelimitedList\n    Default: x, y, z\n  Idx:\n    Type: Number\n    Default: 1\n";

    #[test]
    fn find_in_map_values_and_errors() {
        assert_eq!(
            output(MAPS, "!FindInMap [Region, !Ref AWS::Region, Ami]").unwrap(),
            s("ami-1")
        );
        assert_eq!(
            output(MAPS, "!FindInMap [Region, us-east-1, Sizes]").unwrap(),
            list(&["a", "b"])
        );
        let e = output_error(MAPS, "!FindInMap [Region, eu-west-1, Ami]");
        assert_eq!(
            e[0],
            (
                "mapping `Region` has no key `eu-west-1`".to_owned(),
                "eu-west-1".to_owned()
            )
        );
        let e = output_error(MAPS, "!FindInMap [Region, us-east-1, Amy]");
        assert_eq!(e[0].0, "key `us-east-1` of mapping `Region` has no `Amy`");
        let e = output_error(MAPS, "!FindInMap [Regions, us-east-1, Ami]");
        assert_eq!(e[0].0, "mapping `Regions` does not exist");
    }

    #[test]
    fn find_in_map_default_value() {
        let t = format!("Transform: AWS::LanguageExtensions\n{MAPS}");
        assert_eq!(
            output(
                &t,
                "!FindInMap [Region, eu-west-1, Ami, {DefaultValue: ami-default}]"
            )
            .unwrap(),
            s("ami-default")
        );
        assert_eq!(
            output(
                &t,
                "!FindInMap [Region, us-east-1, Ami, {DefaultValue: ami-default}]"
            )
            .unwrap(),
            s("ami-1")
        );
    }

    #[test]
    fn base64_encodes_and_defers() {
        assert_eq!(
            output("", "!Base64 'hello, world'").unwrap(),
            s("aGVsbG8sIHdvcmxk")
        );
        let v = output("", "!Base64 {'Fn::Sub': 'id=${R}'}").unwrap();
        let Value::Deferred(Deferred::Call { function, .. }) = v else {
            panic!("{v:?}")
        };
        assert_eq!(function, "Fn::Base64");
    }

    #[test]
    fn cidr_blocks() {
        assert_eq!(
            output("", "!Cidr ['192.168.0.0/24', 6, 5]").unwrap(),
            list(&[
                "192.168.0.0/27",
                "192.168.0.32/27",
                "192.168.0.64/27",
                "192.168.0.96/27",
                "192.168.0.128/27",
                "192.168.0.160/27"
            ])
        );
        assert_eq!(
            output("", "!Cidr ['2001:db8::/56', 2, 64]").unwrap(),
            list(&["2001:db8::/64", "2001:db8:0:1::/64"])
        );
        let e = output_error("", "!Cidr ['192.168.0.0/24', 9, 5]");
        assert_eq!(e[0].1, "9");
        let e = output_error("", "!Cidr ['192.168.0.0/24', 2, 33]");
        assert_eq!(e[0].1, "33");
        assert!(
            output("", "!Cidr [!GetAtt R.CidrBlock, 2, 8]")
                .unwrap()
                .is_deferred()
        );
    }

    #[test]
    fn get_azs_import_value_and_stack_output() {
        assert_eq!(
            output("", "!GetAZs eu-west-1").unwrap(),
            list(&["eu-west-1a", "eu-west-1b", "eu-west-1c"])
        );
        assert_eq!(
            output("", "!ImportValue {'Fn::Sub': '${AWS::StackName}-vpc'}").unwrap(),
            Value::Deferred(Deferred::ImportValue("cairn-stack-vpc".into()))
        );
        let e = output_error("", "!ImportValue {'Fn::Sub': '${R}-vpc'}");
        assert!(
            e[0].0
                .starts_with("the name of `Fn::ImportValue` must be known"),
            "{}",
            e[0].0
        );
        let v = output(
            "",
            "{'Fn::GetStackOutput': {StackName: net, OutputName: VpcId}}",
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Deferred(Deferred::StackOutput {
                stack_name: "net".into(),
                output_name: "VpcId".into(),
                region: None,
                role_arn: None
            })
        );
    }

    #[test]
    fn to_json_string_of_a_deferred_value_is_deferred() {
        let t = "Transform: AWS::LanguageExtensions\n";
        let v = output(t, "{'Fn::ToJsonString': {arn: !Ref R}}").unwrap();
        assert_eq!(v.to_string(), r#"{"Fn::ToJsonString":{"arn":{"Ref":"R"}}}"#);
    }

    #[test]
    fn numbers_from_parameters() {
        let p = "Parameters:\n  Count:\n    Type: Number\n    Default: 2\n  Block:\n    Type: String\n    Default: 10.0.0.0/16\n";
        assert_eq!(
            output(p, "!Cidr [!Ref Block, !Ref Count, '12']").unwrap(),
            list(&["10.0.0.0/20", "10.0.16.0/20"])
        );
        let e = output_error(p, "!Cidr [!Ref Block, two, 12]");
        assert_eq!(e[0].1, "two");
    }

    #[test]
    fn length_and_to_json_string() {
        let t = format!("Transform: AWS::LanguageExtensions\n{MAPS}");
        assert_eq!(
            output(&t, "!Length [a, b, !Ref AWS::NoValue]").unwrap(),
            Value::Number("2".into())
        );
        assert_eq!(
            output(&t, "!Length {Ref: Names}").unwrap(),
            Value::Number("3".into())
        );
        assert_eq!(
            output(&t, "{'Fn::ToJsonString': {z: 1, a: [true, x]}}").unwrap(),
            s(r#"{"z":1,"a":[true,"x"]}"#)
        );
    }
}
