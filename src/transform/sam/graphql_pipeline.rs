//! The pipeline side of `AWS::Serverless::GraphQLApi`: its `Functions` become
//! `AWS::AppSync::FunctionConfiguration`s bound to a data source (declared in the API, the shared `NONE`
//! one, or named by an intrinsic), and its `Resolvers` pipeline `AWS::AppSync::Resolver`s calling them in
//! order. It checks both before anything is created; it never creates data sources other than `NONE`.

use crate::source::Node;

use super::build::{B, Obj, Res, get};
use super::graphql::{Checked, add, problem};
use super::{Ctx, Serverless};

/// The code of a pipeline resolver that gives none: it passes the last function's result on.
const PIPELINE_CODE: &str = "\nexport function request(ctx) {\n    return {};\n}\n\nexport function response(ctx) {\n    return ctx.prev.result;\n}\n";

/// The functions of the API: name → `Some(Id)` when the function is defined elsewhere.
pub(super) fn check_functions(r: &Serverless) -> Checked<Vec<(String, Option<Node>)>> {
    let mut out = Vec::new();
    let Some(functions) = r.prop("Functions").and_then(Node::as_map) else {
        return Ok(out);
    };
    let declared = |name: &str| {
        r.prop("DataSources")
            .and_then(Node::as_map)
            .is_some_and(|m| m.iter().any(|(_, e)| get(&e.value, name).is_some()))
    };
    for (name, e) in functions.iter() {
        let f = &e.value;
        if let Some(id) = get(f, "Id") {
            if f.as_map().is_some_and(|m| m.len() > 1) {
                return Err(problem(
                    name,
                    f,
                    "'Id' cannot be defined with other properties in Function.",
                ));
            }
            out.push((name.to_owned(), Some(id.clone())));
            continue;
        }
        let Some(ds) = get(f, "DataSource") else {
            return Err(problem(name, f, "'DataSource' must be set."));
        };
        if let Some(text) = ds.as_str()
            && !text.eq_ignore_ascii_case("none")
            && !declared(text)
        {
            return Err(problem(
                name,
                ds,
                format!(
                    "Either define DataSource '{text}' in 'DataSources' or use intrinsic function like GetAtt, ImportValue, Sub or another one to reference a DataSource defined outside of this GraphQLApi resource."
                ),
            ));
        }
        check_code(name, f)?;
        if get(f, "Runtime").is_none() {
            return Err(problem(
                name,
                f,
                format!("'Runtime' must be defined as a property in {name}."),
            ));
        }
        out.push((name.to_owned(), None));
    }
    Ok(out)
}

/// Exactly one of `InlineCode` and `CodeUri`.
fn check_code(name: &str, f: &Node) -> Checked<()> {
    match (get(f, "InlineCode"), get(f, "CodeUri")) {
        (Some(_), Some(_)) => Err(problem(
            name,
            f,
            "Both 'InlineCode' and 'CodeUri' cannot be defined at the same time.",
        )),
        (None, None) => Err(problem(
            name,
            f,
            "One of 'InlineCode' or 'CodeUri' must be set.",
        )),
        _ => Ok(()),
    }
}

pub(super) fn check_resolvers(r: &Serverless, functions: &[(String, Option<Node>)]) -> Checked<()> {
    let Some(types) = r.prop("Resolvers").and_then(Node::as_map) else {
        return Ok(());
    };
    for (_, t) in types.iter() {
        for (name, e) in t.value.as_map().into_iter().flat_map(|m| m.iter()) {
            let res = &e.value;
            let Some(pipeline) = get(res, "Pipeline") else {
                return Err(problem(
                    name,
                    res,
                    format!(
                        "Resolver '{name}' must have Pipeline defined. Unit resolvers are not supported. If you need a Unit resolver you can use AppSync resource."
                    ),
                ));
            };
            if get(res, "InlineCode").is_some() && get(res, "CodeUri").is_some() {
                check_code(name, res)?;
            }
            let has_code = get(res, "InlineCode").is_some() || get(res, "CodeUri").is_some();
            if has_code && get(res, "Runtime").is_none() {
                return Err(problem(
                    name,
                    res,
                    format!("'Runtime' must be defined as a property in {name}."),
                ));
            }
            for f in pipeline.as_seq().unwrap_or_default() {
                if let Some(fname) = f.as_str()
                    && !functions.iter().any(|(n, _)| n == fname)
                {
                    return Err(problem(
                        name,
                        f,
                        format!("Function '{fname}' does not exist."),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `Runtime: {Name, Version}` → AppSync's `{Name, RuntimeVersion}`.
fn runtime(node: &Node) -> Node {
    let b = B::new(node.span);
    let mut out = Obj::new();
    for (k, e) in node.as_map().into_iter().flat_map(|m| m.iter()) {
        let key = if k == "Version" { "RuntimeVersion" } else { k };
        out.insert(key.to_owned(), e.value.clone());
    }
    b.obj(out)
}

pub(super) fn functions(ctx: &mut Ctx, r: &Serverless, sources: &[(String, String)]) {
    let Some(functions) = r.prop("Functions").and_then(Node::as_map) else {
        return;
    };
    let b = r.b();
    let none_id = format!("{}NoneDataSource", r.id);
    for (name, e) in functions.iter() {
        let f = &e.value;
        if get(f, "Id").is_some() {
            continue;
        }
        let fb = B::new(f.span);
        let ds = get(f, "DataSource").cloned().unwrap_or_else(|| fb.s(""));
        let ds_name = match ds.as_str() {
            Some(t) if t.eq_ignore_ascii_case("none") => {
                if !ctx.out.contains_key(&none_id) {
                    let res = Res::new("AWS::AppSync::DataSource", r.node.span)
                        .prop("ApiId", b.get_att(r.id, "ApiId"))
                        .prop("Name", b.s(none_id.as_str()))
                        .prop("Type", b.s("NONE"));
                    add(ctx, r, none_id.clone(), res);
                }
                fb.get_att(&none_id, "Name")
            }
            Some(t) => match sources.iter().find(|(n, _)| n == t) {
                Some((_, id)) => fb.get_att(id, "Name"),
                None => ds.clone(),
            },
            None => ds.clone(),
        };
        let mut res = Res::new("AWS::AppSync::FunctionConfiguration", f.span)
            .prop("ApiId", b.get_att(r.id, "ApiId"))
            .prop(
                "Name",
                get(f, "Name").cloned().unwrap_or_else(|| fb.s(name)),
            )
            .prop("DataSourceName", ds_name);
        if let Some(d) = get(f, "Description") {
            res = res.prop("Description", d.clone());
        }
        if let Some(c) = get(f, "InlineCode") {
            res = res.prop("Code", c.clone());
        }
        if let Some(c) = get(f, "CodeUri") {
            res = res.prop("CodeS3Location", c.clone());
        }
        if let Some(rt) = get(f, "Runtime") {
            res = res.prop("Runtime", runtime(rt));
        }
        if let Some(m) = get(f, "MaxBatchSize") {
            res = res.prop("MaxBatchSize", m.clone());
        }
        if let Some(s) = get(f, "Sync") {
            res = res.prop("SyncConfig", s.clone());
        }
        add(ctx, r, format!("{}{name}", r.id), res);
    }
}

pub(super) fn resolvers(ctx: &mut Ctx, r: &Serverless) {
    let Some(types) = r.prop("Resolvers").and_then(Node::as_map) else {
        return;
    };
    let b = r.b();
    let functions = r.prop("Functions");
    for (type_name, t) in types.iter() {
        for (name, e) in t.value.as_map().into_iter().flat_map(|m| m.iter()) {
            let res_node = &e.value;
            let rb = B::new(res_node.span);
            let field = |k: &str| get(res_node, k).cloned();
            let pipeline: Vec<Node> = field("Pipeline")
                .and_then(|p| p.as_seq().map(<[Node]>::to_vec))
                .unwrap_or_default()
                .into_iter()
                .map(|f| {
                    let Some(fname) = f.as_str() else {
                        return f;
                    };
                    match functions
                        .and_then(|fs| get(fs, fname))
                        .and_then(|d| get(d, "Id"))
                    {
                        Some(id) => id.clone(),
                        None => rb.get_att(&format!("{}{fname}", r.id), "FunctionId"),
                    }
                })
                .collect();
            let mut res = Res::new("AWS::AppSync::Resolver", res_node.span)
                .prop("ApiId", b.get_att(r.id, "ApiId"))
                .prop(
                    "FieldName",
                    field("FieldName").unwrap_or_else(|| rb.s(name)),
                )
                .prop("TypeName", rb.s(type_name))
                .prop("Kind", rb.s("PIPELINE"))
                .prop("PipelineConfig", rb.map([("Functions", rb.seq(pipeline))]));
            match (field("InlineCode"), field("CodeUri")) {
                (Some(c), _) => res = res.prop("Code", c),
                (None, Some(c)) => res = res.prop("CodeS3Location", c),
                (None, None) => res = res.prop("Code", rb.s(PIPELINE_CODE)),
            }
            let rt = field("Runtime").map(|rt| runtime(&rt)).unwrap_or_else(|| {
                rb.map([
                    ("Name", rb.s("APPSYNC_JS")),
                    ("RuntimeVersion", rb.s("1.0.0")),
                ])
            });
            res = res.prop("Runtime", rt);
            if let Some(c) = field("Caching") {
                res = res.prop("CachingConfig", c);
            }
            if let Some(m) = field("MaxBatchSize") {
                res = res.prop("MaxBatchSize", m);
            }
            res.attrs.insert(
                "DependsOn".into(),
                rb.seq(vec![rb.s(format!("{}Schema", r.id))]),
            );
            add(ctx, r, format!("{}{type_name}{name}", r.id), res);
        }
    }
}
