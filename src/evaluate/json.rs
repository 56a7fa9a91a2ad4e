//! Compact JSON text of a [`Value`], key order preserved, as `Fn::ToJsonString` writes it. Numbers keep
//! their written form; deferred values are written in their template form.

use super::value::Value;

pub fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
        Value::Deferred(d) => write(&d.to_template(), out),
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use super::*;

    #[test]
    fn compact_and_ordered() {
        let mut m = IndexMap::new();
        m.insert("z".to_owned(), Value::Number("1.50".into()));
        m.insert(
            "a".to_owned(),
            Value::List(vec![
                Value::Bool(false),
                Value::Null,
                Value::string("q\"\n"),
            ]),
        );
        assert_eq!(
            Value::Map(m).to_json(),
            r#"{"z":1.50,"a":[false,null,"q\"\n"]}"#
        );
    }
}
