//! A REST or HTTP API's custom domain (`Domain`): the `AWS::ApiGateway::DomainName` (or `DomainNameV2` for a
//! `PRIVATE` endpoint, with its `DomainNameAccessAssociation`), one base path mapping per `BasePath`, and
//! the Route 53 alias records of `Route53` (records of APIs that share a hosted zone go into one record set
//! group); an HTTP API's is an `AWS::ApiGatewayV2::DomainName` with API mappings. Generated ids hash the
//! domain name and the hosted zone as the translator does. It never touches
//! the API's definition.

use crate::source::{Node, NodeKind, Span};

use super::build::{B, Obj, Res, get, is_intrinsic, to_obj};
use super::{Ctx, ids};

/// The hosted zone of CloudFront distributions, the alias target of edge-optimized domains.
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

/// The hash the translator takes of a domain value: a string as it is, anything else as canonical JSON.
fn value_hash(node: &Node) -> String {
    match &node.kind {
        NodeKind::String(s) => ids::hash_text(s),
        _ => {
            let mut text = String::new();
            ids::canonical_json(node, &mut text);
            ids::hash_text(&text)
        }
    }
}

/// `Domain` as the translator adds it to the text the deployment id hashes: JSON (`", "` and `": "`
/// separators) with every mapping's keys in Python 2.7's iteration order, the generated domain's id
/// added as `ApiDomainName` and, for an edge-optimized domain with `Route53`, its distribution's name.
pub(super) fn deployment_text(ctx: &Ctx, api: &str, domain: &Node) -> Option<String> {
    let domain = ctx.params.resolve(domain);
    let m = domain.as_map().filter(|_| !is_intrinsic(&domain))?;
    let name = m.get("DomainName")?;
    let b = B::new(domain.span);
    let kind = m
        .get("EndpointConfiguration")
        .and_then(Node::as_str)
        .unwrap_or("REGIONAL");
    let mut obj = to_obj(&domain);
    if kind != "PRIVATE" {
        let domain_id = format!("ApiGatewayDomainName{}", value_hash(name));
        if kind == "EDGE"
            && let Some(r) = obj.get("Route53").filter(|r| r.as_map().is_some())
            && get(r, "DistributionDomainName").is_none()
        {
            let mut route = to_obj(r);
            route.insert(
                "DistributionDomainName".into(),
                b.get_att(&domain_id, "DistributionDomainName"),
            );
            obj.insert("Route53".into(), b.obj(route));
        }
        obj.insert("ApiDomainName".into(), b.s(domain_id));
    } else {
        let _ = api;
    }
    let mut text = String::new();
    py27_json(&b.obj(obj), &mut text);
    Some(text)
}

/// JSON text with Python's default separators and each mapping's keys in Python 2.7's iteration order.
fn py27_json(node: &Node, out: &mut String) {
    match &node.kind {
        NodeKind::Map(m) => {
            let keys: Vec<&str> = m.keys().collect();
            out.push('{');
            for (n, i) in super::py27::iteration_order(&keys).into_iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                ids::json_string(keys[i], out);
                out.push_str(": ");
                if let Some(v) = m.get(keys[i]) {
                    py27_json(v, out);
                }
            }
            out.push('}');
        }
        NodeKind::Seq(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                py27_json(item, out);
            }
            out.push(']');
        }
        _ => ids::canonical_json(node, out),
    }
}

/// The tags of an HTTP or WebSocket API's domain name: the API's `Tags` when `PropagateTags` is on, and
/// the creator's tag.
pub(super) fn domain_tags(r: &super::Serverless, creator: &str, b: B) -> Obj {
    let mut tags = Obj::new();
    if r.prop("PropagateTags").and_then(super::function::as_bool) == Some(true)
        && let Some(user) = r.prop("Tags").and_then(Node::as_map)
    {
        for (k, e) in user.iter() {
            tags.insert(k.to_owned(), e.value.clone());
        }
    }
    tags.insert(creator.to_owned(), b.s("SAM"));
    tags
}

/// What the API's expansion tells the domain: the API, its stage, and the attributes its resources pass
/// on.
pub(super) struct Target<'a> {
    pub api: &'a str,
    pub stage_id: &'a str,
    pub span: Span,
    pub attrs: Obj,
    /// For an HTTP or WebSocket API: the tags its domain name carries, the creator's tag included
    /// (`None` for a REST API).
    pub http_tags: Option<Obj>,
    /// Whether records for a hosted zone another API uses already join its record set group (the
    /// translator replaces the group for a WebSocket API).
    pub merge_records: bool,
}

/// Expands `Domain` for API `t.api`; errors are the translator's sentences about the API.
pub(super) fn expand(ctx: &mut Ctx, t: &Target, domain: &Node) -> Result<(), String> {
    if is_intrinsic(domain) || domain.as_map().is_none() {
        return Err("Property 'Domain' should be a map.".into());
    }
    let domain = ctx.params.resolve(domain);
    // A property written without a value counts as absent.
    let field = |k: &str| get(&domain, k).filter(|v| !matches!(v.kind, NodeKind::Null));
    let b = B::new(t.span);
    let Some(name) = field("DomainName") else {
        return Err("Property 'Domain.DomainName' is required.".into());
    };
    let Some(certificate) = field("CertificateArn") else {
        return Err("Property 'Domain.CertificateArn' is required.".into());
    };
    check(&domain)?;
    let endpoint = field("EndpointConfiguration")
        .cloned()
        .unwrap_or_else(|| b.s("REGIONAL"));
    let kind = endpoint.as_str().unwrap_or("REGIONAL").to_owned();
    if !matches!(kind.as_str(), "REGIONAL" | "EDGE" | "PRIVATE") {
        return Err(
            "EndpointConfiguration for Custom Domains must be one of ['EDGE', 'REGIONAL', 'PRIVATE'].".into(),
        );
    }
    if let Some(tags) = &t.http_tags {
        return http(ctx, t, &domain, tags.clone());
    }
    let private = kind == "PRIVATE";
    let domain_id = format!(
        "ApiGatewayDomainName{}{}",
        if private { "V2" } else { "" },
        value_hash(name)
    );
    let mut configuration = Obj::new();
    if let Some(ip) = field("IpAddressType") {
        configuration.insert("IpAddressType".into(), ip.clone());
    }
    configuration.insert("Types".into(), b.seq(vec![endpoint.clone()]));
    let ty = if private {
        "AWS::ApiGateway::DomainNameV2"
    } else {
        "AWS::ApiGateway::DomainName"
    };
    let mut res = Res::new(ty, t.span)
        .prop("DomainName", name.clone())
        .prop("EndpointConfiguration", b.obj(configuration));
    res = if kind == "REGIONAL" {
        res.prop("RegionalCertificateArn", certificate.clone())
    } else {
        res.prop("CertificateArn", certificate.clone())
    };
    if let Some(m) = field("MutualTlsAuthentication") {
        let Some(entries) = m.as_map().filter(|_| !is_intrinsic(m)) else {
            return Err("Property 'MutualTlsAuthentication' should be a map.".into());
        };
        let mut tls = Obj::new();
        for (k, e) in entries.iter() {
            if !matches!(k, "TruststoreUri" | "TruststoreVersion") {
                return Err(
                    "Available Domain.MutualTlsAuthentication fields are ['TruststoreUri', 'TruststoreVersion']."
                        .into(),
                );
            }
            // The translator leaves out empty values (a version of `0`).
            if !falsy(&e.value) {
                tls.insert(k.to_owned(), e.value.clone());
            }
        }
        res = res.prop("MutualTlsAuthentication", b.obj(tls));
    }
    for key in [
        "SecurityPolicy",
        "OwnershipVerificationCertificateArn",
        "EndpointAccessMode",
    ] {
        if let Some(v) = field(key) {
            res = res.prop(key, v.clone());
        }
    }
    if private && let Some(p) = field("Policy") {
        res = res.prop("Policy", p.clone());
    }
    res.attrs = t.attrs.clone();
    let suffix = if private {
        "DomainNameV2"
    } else {
        "DomainName"
    };
    ctx.refs
        .insert(format!("{}.{suffix}", t.api), domain_id.clone());
    ctx.add(t.api, domain_id.clone(), res);
    if private && let Some(a) = field("AccessAssociation") {
        let Some(source) = a
            .as_map()
            .filter(|_| !is_intrinsic(a))
            .and_then(|m| m.get("VpcEndpointId"))
        else {
            return Err("Property 'Domain.AccessAssociation' should be a map.".into());
        };
        let key = b.seq(vec![source.clone(), b.s(domain_id.as_str())]);
        let mut assoc = Res::new("AWS::ApiGateway::DomainNameAccessAssociation", t.span)
            .prop("AccessAssociationSource", source.clone())
            .prop("AccessAssociationSourceType", b.s("VPCE"))
            .prop("DomainNameArn", b.r#ref(&domain_id));
        assoc.attrs = t.attrs.clone();
        ctx.add(
            t.api,
            ids::hashed_id("DomainNameAccessAssociation", &key),
            assoc,
        );
    }
    mappings(ctx, t, field("BasePath"), &domain_id, private)?;
    if let Some(r) = field("Route53") {
        route53(ctx, t, r, name, &domain_id, &kind)?;
    }
    Ok(())
}

/// An HTTP or WebSocket API's domain: an `AWS::ApiGatewayV2::DomainName` with one regional configuration, API
/// mappings, and the Route 53 records.
fn http(ctx: &mut Ctx, t: &Target, domain: &Node, tags: Obj) -> Result<(), String> {
    let field = |k: &str| get(domain, k).filter(|v| !matches!(v.kind, NodeKind::Null));
    let b = B::new(t.span);
    let (Some(name), Some(certificate)) = (field("DomainName"), field("CertificateArn")) else {
        return Ok(());
    };
    let domain_id = format!("ApiGatewayDomainNameV2{}", value_hash(name));
    let mut configuration = Obj::new();
    configuration.insert("CertificateArn".into(), certificate.clone());
    configuration.insert(
        "EndpointType".into(),
        field("EndpointConfiguration")
            .cloned()
            .unwrap_or_else(|| b.s("REGIONAL")),
    );
    for key in ["SecurityPolicy", "OwnershipVerificationCertificateArn"] {
        if let Some(v) = field(key) {
            configuration.insert(key.into(), v.clone());
        }
    }
    let mut res = Res::new("AWS::ApiGatewayV2::DomainName", t.span)
        .prop("DomainName", name.clone())
        .prop(
            "DomainNameConfigurations",
            b.seq(vec![b.obj(configuration)]),
        );
    if let Some(m) = field("MutualTlsAuthentication").and_then(Node::as_map) {
        let tls: Obj = m
            .iter()
            .filter(|(_, e)| !falsy(&e.value))
            .map(|(k, e)| (k.to_owned(), e.value.clone()))
            .collect();
        res = res.prop("MutualTlsAuthentication", b.obj(tls));
    }
    res = res.prop("Tags", b.obj(tags));
    res.attrs = t.attrs.clone();
    ctx.refs
        .insert(format!("{}.DomainName", t.api), domain_id.clone());
    ctx.add(t.api, domain_id.clone(), res);
    let paths: Vec<String> = field("BasePath")
        .map(|n| match &n.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect(),
            NodeKind::String(s) => vec![s.clone()],
            _ => Vec::new(),
        })
        .unwrap_or_default();
    let mapping = |key: Option<&str>| {
        let mut m = Res::new("AWS::ApiGatewayV2::ApiMapping", t.span).prop("ApiId", b.r#ref(t.api));
        if let Some(k) = key.filter(|k| !k.is_empty()) {
            m = m.prop("ApiMappingKey", b.s(k));
        }
        m = m
            .prop("DomainName", b.r#ref(&domain_id))
            .prop("Stage", b.r#ref(t.stage_id));
        m.attrs = t.attrs.clone();
        m
    };
    if paths.is_empty() {
        ctx.add(t.api, format!("{}ApiMapping", t.api), mapping(None));
    }
    for p in &paths {
        let id_part: String = p.chars().filter(char::is_ascii_alphanumeric).collect();
        ctx.add(
            t.api,
            format!("{}{id_part}ApiMapping", t.api),
            mapping(Some(p.trim_matches('/'))),
        );
    }
    if let Some(r) = field("Route53") {
        route53(ctx, t, r, name, &domain_id, "REGIONAL")?;
    }
    Ok(())
}

/// A value the translator leaves out as empty (`0`, `""`, `false`, null).
fn falsy(v: &Node) -> bool {
    matches!(&v.kind, NodeKind::Number(n) if n.parse::<f64>() == Ok(0.0))
        || matches!(&v.kind, NodeKind::String(s) if s.is_empty())
        || matches!(v.kind, NodeKind::Null | NodeKind::Bool(false))
}

/// The checks of `Domain` made before any resource is generated.
fn check(domain: &Node) -> Result<(), String> {
    let field = |k: &str| get(domain, k);
    if let Some(items) = field("BasePath").and_then(Node::as_seq) {
        for (i, item) in items.iter().enumerate() {
            if item.as_str().is_none() {
                return Err(format!(
                    "Property 'Domain.BasePath[{i}]' should be a string."
                ));
            }
        }
    }
    if let Some(m) = field("MutualTlsAuthentication")
        && (m.as_map().is_none() || is_intrinsic(m))
    {
        return Err("MutualTlsAuthentication must be a map with at least one of the following fields ['TruststoreUri', 'TruststoreVersion'].".into());
    }
    for key in ["Route53", "AccessAssociation"] {
        if let Some(v) = field(key)
            && (v.as_map().is_none() || is_intrinsic(v))
        {
            return Err(format!("Property 'Domain.{key}' should be a map."));
        }
    }
    Ok(())
}

/// One base path mapping per `BasePath` entry (one without a path when there is none).
fn mappings(
    ctx: &mut Ctx,
    t: &Target,
    base: Option<&Node>,
    domain_id: &str,
    private: bool,
) -> Result<(), String> {
    let b = B::new(t.span);
    let paths: Vec<Node> = match base {
        None => Vec::new(),
        Some(n) => match &n.kind {
            NodeKind::Seq(items) => items.clone(),
            NodeKind::String(_) => vec![n.clone()],
            _ => return Err("Property 'Domain.BasePath' should be a list.".into()),
        },
    };
    let (ty, domain_key) = if private {
        ("AWS::ApiGateway::BasePathMappingV2", "DomainNameArn")
    } else {
        ("AWS::ApiGateway::BasePathMapping", "DomainName")
    };
    let mapping = |path: Option<&str>| {
        let mut m = Res::new(ty, t.span);
        if let Some(p) = path {
            m = m.prop("BasePath", b.s(p));
        }
        m = m
            .prop(domain_key, b.r#ref(domain_id))
            .prop("RestApiId", b.r#ref(t.api))
            .prop("Stage", b.r#ref(t.stage_id));
        m.attrs = t.attrs.clone();
        m
    };
    if paths.is_empty() {
        ctx.add(t.api, format!("{}BasePathMapping", t.api), mapping(None));
        return Ok(());
    }
    for p in &paths {
        let Some(text) = p.as_str() else {
            return Err("Property 'Domain.BasePath' should be a list of strings.".into());
        };
        let trimmed = text.trim_matches('/');
        let id_part: String = text.chars().filter(char::is_ascii_alphanumeric).collect();
        ctx.add(
            t.api,
            format!("{}{id_part}BasePathMapping", t.api),
            mapping(Some(trimmed)),
        );
    }
    Ok(())
}

/// The alias records of `Route53`, added to the record set group of their hosted zone.
fn route53(
    ctx: &mut Ctx,
    t: &Target,
    r: &Node,
    name: &Node,
    domain_id: &str,
    kind: &str,
) -> Result<(), String> {
    let Some(m) = r.as_map().filter(|_| !is_intrinsic(r)) else {
        return Err("Property 'Domain.Route53' should be a map.".into());
    };
    let b = B::new(t.span);
    let (zone_key, zone) = match (m.get("HostedZoneId"), m.get("HostedZoneName")) {
        (Some(z), _) => ("HostedZoneId", z),
        (None, Some(z)) => ("HostedZoneName", z),
        (None, None) => {
            return Err(
                "HostedZoneId or HostedZoneName is required to enable Route53 support on Custom Domains."
                    .into(),
            );
        }
    };
    let target = match kind {
        "EDGE" => b.map([
            (
                "DNSName",
                m.get("DistributionDomainName")
                    .cloned()
                    .unwrap_or_else(|| b.get_att(domain_id, "DistributionDomainName")),
            ),
            ("HostedZoneId", b.s(CLOUDFRONT_ZONE)),
        ]),
        "PRIVATE" => {
            let (Some(dns), Some(zone)) = (
                m.get("VpcEndpointDomainName"),
                m.get("VpcEndpointHostedZoneId"),
            ) else {
                return Err("VpcEndpointDomainName and VpcEndpointHostedZoneId are required when creating a record for a private custom domain.".into());
            };
            b.map([("DNSName", dns.clone()), ("HostedZoneId", zone.clone())])
        }
        _ => b.map([
            ("DNSName", b.get_att(domain_id, "RegionalDomainName")),
            ("HostedZoneId", b.get_att(domain_id, "RegionalHostedZoneId")),
        ]),
    };
    let target = match m.get("EvaluateTargetHealth") {
        Some(e) => {
            let mut o = to_obj(&target);
            o.insert("EvaluateTargetHealth".into(), e.clone());
            b.obj(o)
        }
        None => target,
    };
    let ipv6 = m.get("IpV6").and_then(super::function::as_bool) == Some(true);
    let mut records = Vec::new();
    for ty in ["A", "AAAA"] {
        if ty == "AAAA" && !ipv6 {
            continue;
        }
        let mut record = Obj::new();
        record.insert("Name".into(), name.clone());
        record.insert("Type".into(), b.s(ty));
        record.insert("AliasTarget".into(), target.clone());
        for key in ["Region", "SetIdentifier"] {
            if let Some(v) = m.get(key) {
                record.insert(key.into(), v.clone());
            }
        }
        records.push(b.obj(record));
    }
    let group_id = format!("RecordSetGroup{}", value_hash(zone));
    if let Some(existing) = ctx.out.get(&group_id).filter(|_| t.merge_records) {
        let mut top = to_obj(existing);
        let mut props = top.get("Properties").map(to_obj).unwrap_or_default();
        let mut all = props
            .get("RecordSets")
            .and_then(Node::as_seq)
            .map(<[Node]>::to_vec)
            .unwrap_or_default();
        all.extend(records);
        props.insert("RecordSets".into(), b.seq(all));
        top.insert("Properties".into(), b.obj(props));
        ctx.out.insert(group_id, b.obj(top));
        return Ok(());
    }
    let mut group = Res::new("AWS::Route53::RecordSetGroup", t.span)
        .prop(zone_key, zone.clone())
        .prop("RecordSets", b.seq(records));
    group.attrs = t.attrs.clone();
    if ctx.out.contains_key(&group_id) {
        ctx.out.insert(group_id, group.node());
        return Ok(());
    }
    ctx.add(t.api, group_id, group);
    Ok(())
}

#[cfg(test)]
mod tests {

    use super::super::build::get;
    use super::super::codes;

    fn api(domain: &str) -> String {
        format!(
            "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      Domain:\n{domain}"
        )
    }

    use crate::transform::sam::test_support::expand_text as run;

    #[test]
    fn a_regional_domain_gets_a_domain_name_mappings_and_alias_records() {
        let text = api(
            "        DomainName: api.example.com\n        CertificateArn: arn:c\n        BasePath: [/v1, /v2]\n        Route53:\n          HostedZoneId: Z1\n          IpV6: true\n",
        );
        let out = run(&text).unwrap();
        let resources = get(&out.root, "Resources").unwrap();
        let domain_id = format!(
            "ApiGatewayDomainName{}",
            super::ids::hash_text("api.example.com")
        );
        let domain = get(resources, &domain_id).unwrap();
        let props = get(domain, "Properties").unwrap();
        assert!(get(props, "RegionalCertificateArn").is_some());
        for id in ["Av1BasePathMapping", "Av2BasePathMapping"] {
            assert!(get(resources, id).is_some(), "{id}");
        }
        let group = get(
            resources,
            &format!("RecordSetGroup{}", super::ids::hash_text("Z1")),
        )
        .unwrap();
        let records = get(get(group, "Properties").unwrap(), "RecordSets").unwrap();
        assert_eq!(records.as_seq().unwrap().len(), 2);
    }

    #[test]
    fn a_domain_without_certificate_is_reported_at_the_domain() {
        let text = api("        DomainName: api.example.com\n");
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_RESOURCE);
        let start = text.find("DomainName").unwrap();
        assert_eq!(
            (errors[0].span.start as usize, errors[0].span.end as usize),
            (start, start + "DomainName: api.example.com".len())
        );
    }
}
