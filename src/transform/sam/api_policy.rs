//! A REST API's resource policy from `Auth.ResourcePolicy.CustomStatements` (the API's, and each `Api`
//! event's own): the definition's `x-amazon-apigateway-policy`. Statements generated from IP ranges,
//! VPCs or accounts are not expanded yet and are reported. It never creates resources.

use crate::source::Node;

use super::api::ApiEvent;
use super::build::get;
use super::swagger::Sw;

/// The `ResourcePolicy` settings this version expands.
const EXPANDED: &[&str] = &["CustomStatements"];

/// The first `ResourcePolicy` setting of `policy` that is not expanded yet.
pub(super) fn unsupported(policy: &Node) -> Option<String> {
    policy
        .as_map()?
        .keys()
        .find(|k| !EXPANDED.contains(k))
        .map(str::to_owned)
}

/// The translator's checks of a resource policy (its sentences; they concern the template's structure).
pub(super) fn check(policy: &Node) -> Result<(), String> {
    let Some(m) = policy
        .as_map()
        .filter(|_| !super::build::is_intrinsic(policy))
    else {
        return Err("ResourcePolicy must be a map (ResourcePolicyStatement).".into());
    };
    for key in ["SourceVpcWhitelist", "SourceVpcBlacklist"] {
        if let Some(list) = m.get(key)
            && list
                .as_seq()
                .is_none_or(|items| items.iter().any(|i| i.as_str().is_none()))
        {
            let intrinsic = key.replace("Source", "Intrinsic");
            return Err(format!(
                "{key} must be a list of strings. Use {intrinsic} instead for values that use Intrinsic Functions"
            ));
        }
    }
    Ok(())
}

/// The resource policies of the API (`Auth.ResourcePolicy`) and of its events.
pub(super) fn policies<'a>(api: Option<&'a Node>, events: &'a [ApiEvent]) -> Vec<&'a Node> {
    let mut out: Vec<&Node> = api.into_iter().collect();
    out.extend(
        events
            .iter()
            .filter_map(|e| e.auth.as_ref().and_then(|a| get(a, "ResourcePolicy"))),
    );
    out
}

/// Adds the custom statements of `policies` to the definition's `x-amazon-apigateway-policy`; a
/// statement already there is not repeated.
pub(super) fn add(definition: &mut Sw, policies: &[Node]) {
    let mut statement: Option<Sw> = None;
    for p in policies {
        let Some(custom) = get(p, "CustomStatements") else {
            continue;
        };
        let new = Sw::from_node(custom);
        statement = Some(match (statement, new) {
            (None, new) => new,
            (Some(Sw::Seq(mut items)), Sw::Seq(more)) => {
                for item in more {
                    if !contains(&items, &item) {
                        items.push(item);
                    }
                }
                Sw::Seq(items)
            }
            (Some(Sw::Seq(mut items)), one) => {
                if !contains(&items, &one) {
                    items.push(one);
                }
                Sw::Seq(items)
            }
            (Some(old), Sw::Seq(more)) => {
                let mut items = vec![old];
                for item in more {
                    if !contains(&items, &item) {
                        items.push(item);
                    }
                }
                Sw::Seq(items)
            }
            (Some(old), one) => {
                let mut items = vec![old];
                if !contains(&items, &one) {
                    items.push(one);
                }
                Sw::Seq(items)
            }
        });
    }
    let Some(statement) = statement else {
        return;
    };
    let policy = Sw::map(vec![
        ("Version", Sw::c("2012-10-17")),
        ("Statement", statement),
    ]);
    definition.set("x-amazon-apigateway-policy", false, policy);
}

fn contains(items: &[Sw], item: &Sw) -> bool {
    let text = |s: &Sw| {
        let mut t = String::new();
        s.repr(&mut t);
        t
    };
    let wanted = text(item);
    items.iter().any(|i| text(i) == wanted)
}

#[cfg(test)]
mod tests {
    use crate::source::{Format, Limits, SourceMap, load_text};
    use crate::transform::ExpandOptions;

    use super::super::build::get;
    use super::super::{codes, expand};

    fn run(
        policy: &str,
    ) -> (
        String,
        Result<crate::source::Document, Vec<crate::source::Diagnostic>>,
    ) {
        let text = format!(
            "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      Auth:\n        ResourcePolicy:\n{policy}"
        );
        let mut sources = SourceMap::new();
        let f = sources.add("t.yaml", text.as_str());
        let doc = load_text(f, &text, Format::Yaml, &Limits::default())
            .document
            .expect("loads");
        let out = expand(&doc, &sources, &ExpandOptions::default());
        (text, out)
    }

    #[test]
    fn custom_statements_become_the_definition_policy() {
        let (_, out) =
            run("          CustomStatements: [{Action: execute-api:Invoke, Resource: ['*']}]\n");
        let out = out.unwrap();
        let body = get(
            get(
                get(get(&out.root, "Resources").unwrap(), "A").unwrap(),
                "Properties",
            )
            .unwrap(),
            "Body",
        )
        .unwrap();
        let policy = get(body, "x-amazon-apigateway-policy").unwrap();
        assert_eq!(get(policy, "Version").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(get(policy, "Statement").unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn generated_statements_are_reported_as_not_expanded_yet() {
        let (text, out) = run("          IpRangeWhitelist: [1.2.3.4]\n");
        let errors = out.unwrap_err();
        assert_eq!(errors[0].code, codes::UNSUPPORTED);
        let start = text.find("ResourcePolicy").unwrap();
        assert_eq!(errors[0].span.start as usize, start);
    }
}
