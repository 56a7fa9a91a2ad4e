use crate::source::{Document, Node};
use crate::transform::sam::test_support::expand_text;

use super::super::build::get;
use super::greedy_to_star;

fn run(policy: &str) -> Result<Document, Vec<crate::source::Diagnostic>> {
    run_text(policy).1
}

fn run_text(policy: &str) -> (String, Result<Document, Vec<crate::source::Diagnostic>>) {
    let text = format!(
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: i.h\n      Runtime: python3.12\n      CodeUri: s3://b/k.zip\n      Events:\n        Get:\n          Type: Api\n          Properties:\n            RestApiId: !Ref A\n            Path: /items/{{id}}\n            Method: get\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      Auth:\n        ResourcePolicy:\n{policy}"
    );
    let out = expand_text(&text);
    (text, out)
}

/// The policy's statements, always as a list.
fn statements(out: &Document) -> Vec<Node> {
    let body = [
        "Resources",
        "A",
        "Properties",
        "Body",
        "x-amazon-apigateway-policy",
        "Statement",
    ]
    .iter()
    .try_fold(&out.root, |n, k| get(n, k))
    .expect("a policy statement");
    match body.as_seq() {
        Some(items) => items.to_vec(),
        None => vec![body.clone()],
    }
}

fn text(n: &Node, path: &[&str]) -> String {
    path.iter()
        .try_fold(n, |n, k| get(n, k))
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn custom_statements_become_the_definition_policy() {
    let out = run("          CustomStatements: [{Action: execute-api:Invoke, Resource: ['*']}]\n")
        .unwrap();
    let s = statements(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(text(&s[0], &["Action"]), "execute-api:Invoke");
}

#[test]
fn an_account_block_list_denies_those_accounts_on_the_path_methods() {
    let out = run("          AwsAccountBlacklist: ['111122223333']\n").unwrap();
    let s = statements(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(text(&s[0], &["Effect"]), "Deny");
    let principal = get(get(&s[0], "Principal").unwrap(), "AWS").unwrap();
    assert_eq!(
        principal.as_seq().unwrap()[0].as_str(),
        Some("111122223333")
    );
    let resource = &get(&s[0], "Resource").unwrap().as_seq().unwrap()[0];
    let sub = get(resource, "Fn::Sub").unwrap().as_seq().unwrap();
    // The path parameter is written `*`, the method upper case.
    assert_eq!(
        sub[0].as_str(),
        Some("execute-api:/${__Stage__}/GET/items/*")
    );
    assert_eq!(text(&sub[1], &["__Stage__"]), "Prod");
}

#[test]
fn an_ip_allow_list_allows_everyone_and_denies_other_addresses() {
    let out = run(
        "          IpRangeWhitelist: [10.0.0.0/8]\n          IpRangeBlacklist: [10.1.0.0/16]\n",
    )
    .unwrap();
    let s = statements(&out);
    // One `Allow` serves both lists.
    assert_eq!(s.len(), 3);
    assert_eq!(text(&s[0], &["Effect"]), "Allow");
    assert_eq!(text(&s[0], &["Principal"]), "*");
    let ip = |n: &Node, op: &str| {
        get(
            get(get(n, "Condition").unwrap(), op).unwrap(),
            "aws:SourceIp",
        )
        .unwrap()
        .as_seq()
        .unwrap()[0]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(ip(&s[1], "NotIpAddress"), "10.0.0.0/8");
    assert_eq!(ip(&s[2], "IpAddress"), "10.1.0.0/16");
}

#[test]
fn vpc_lists_split_endpoints_by_their_prefix() {
    let out = run("          SourceVpcWhitelist: [vpc-1, vpce-2]\n          IntrinsicVpceWhitelist: [!Ref E]\n").unwrap();
    let s = statements(&out);
    assert_eq!(s.len(), 2);
    let cond = get(get(&s[1], "Condition").unwrap(), "StringNotEquals").unwrap();
    assert_eq!(
        get(cond, "aws:SourceVpc").unwrap().as_seq().unwrap().len(),
        1
    );
    assert_eq!(
        get(cond, "aws:SourceVpce").unwrap().as_seq().unwrap().len(),
        2
    );
}

#[test]
fn a_vpc_list_with_an_intrinsic_is_refused_with_the_translator_sentence() {
    let (text, out) = run_text("          SourceVpcBlacklist: [!Ref V]\n");
    let errors = out.unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("Use IntrinsicVpcBlacklist instead")
    );
    // Reported at the API's `Auth`.
    assert_eq!(
        errors[0].span.start as usize,
        text.find("ResourcePolicy").unwrap()
    );
}

#[test]
fn path_parameters_become_wildcards() {
    assert_eq!(greedy_to_star("/a/{id}/{proxy+}"), "/a/*/*");
    assert_eq!(greedy_to_star("/a/{x{y}}"), "/a/{x*}");
    assert_eq!(greedy_to_star("/a/{}"), "/a/{}");
}
