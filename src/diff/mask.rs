//! Hiding `NoEcho` parameter values wherever they reach a shown value (a resource property, a template
//! default, a drift's expected and actual values), so a diff or a drift report can be printed and
//! shared. Comparisons use the real values; only what is shown is masked. Short values (under four
//! characters) are masked only where they are the whole string, so masking `1` does not mangle every
//! number.

use serde_json::Value as J;

use crate::evaluate::{Evaluated, MASK};

pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// The `NoEcho` parameter values of every side.
    pub fn of(sides: &[&Evaluated]) -> Secrets {
        Secrets::new(sides.iter().flat_map(|e| {
            e.parameters
                .no_echo
                .iter()
                .filter_map(|name| e.parameters.values.get(name))
                .map(|v| v.to_string())
        }))
    }

    /// These values, longest first (so a value containing another is masked whole).
    pub fn new(values: impl IntoIterator<Item = String>) -> Secrets {
        let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Secrets { values }
    }

    /// A text with the secrets in it masked.
    pub fn mask_text(&self, text: &str) -> String {
        let mut v = serde_json::Value::String(text.to_owned());
        self.mask(&mut v);
        match v {
            serde_json::Value::String(s) => s,
            _ => text.to_owned(),
        }
    }

    pub fn mask_opt(&self, v: &mut Option<J>) {
        if let Some(v) = v {
            self.mask(v);
        }
    }

    pub fn mask(&self, v: &mut J) {
        if self.values.is_empty() {
            return;
        }
        match v {
            J::String(s) => {
                for secret in &self.values {
                    if s == secret {
                        *s = MASK.to_owned();
                    } else if secret.len() >= 4 && s.contains(secret.as_str()) {
                        *s = s.replace(secret.as_str(), MASK);
                    }
                }
            }
            J::Array(items) => items.iter_mut().for_each(|i| self.mask(i)),
            J::Object(m) => m.values_mut().for_each(|i| self.mask(i)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_whole_strings_and_long_substrings_only() {
        let s = Secrets::new(["1".to_owned(), "hunter22".to_owned()]);
        let mut v = json!({"A": "hunter22", "B": ["user:hunter22@host", "1", "10"]});
        s.mask(&mut v);
        assert_eq!(
            v,
            json!({"A": "****", "B": ["user:****@host", "****", "10"]})
        );
    }
}
