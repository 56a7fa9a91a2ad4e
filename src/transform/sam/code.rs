//! A function's or layer's code location: `CodeUri` (an `s3://bucket/key?versionId=v` URI or a
//! `Bucket`/`Key`/`Version` mapping), `InlineCode` and `ImageUri`, turned into the `Code` (or `Content`)
//! property of the Lambda resource. It never uploads or reads local files.

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, is_intrinsic};
use super::errors::SamError;

/// Why a location could not be read: the translator's sentence.
pub(super) type Invalid = String;

/// The S3 location `uri` names, as `(bucket, key, version)`.
pub(super) fn parse_s3_uri(uri: &str) -> Option<(String, String, Option<String>)> {
    let rest = uri.strip_prefix("s3://")?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let (bucket, key) = path.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    let version = query.and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "versionId")
            .map(|(_, v)| v.to_owned())
    });
    Some((bucket.to_owned(), key.to_owned(), version))
}

/// An S3 location (`CodeUri`, `ContentUri`) as `{bucket_key: .., key_key: .., version_key: ..}`.
pub(super) fn s3_location(property: &str, value: &Node, keys: [&str; 3]) -> Result<Node, Invalid> {
    let b = B::new(value.span);
    let invalid = || {
        format!(
            "'{property}' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter."
        )
    };
    match &value.kind {
        NodeKind::String(uri) => {
            let (bucket, key, version) = parse_s3_uri(uri).ok_or_else(invalid)?;
            let mut o = Obj::new();
            o.insert(keys[0].into(), b.s(bucket));
            o.insert(keys[1].into(), b.s(key));
            if let Some(v) = version {
                o.insert(keys[2].into(), b.s(v));
            }
            Ok(b.obj(o))
        }
        NodeKind::Map(m) if !is_intrinsic(value) => {
            let mut o = Obj::new();
            for (from, to) in ["Bucket", "Key", "Version"].iter().zip(keys) {
                if let Some(v) = m.get(from) {
                    o.insert(to.into(), v.clone());
                }
            }
            if !o.contains_key(keys[0]) || !o.contains_key(keys[1]) {
                return Err(format!(
                    "'{property}' requires Bucket and Key properties to be specified."
                ));
            }
            Ok(b.obj(o))
        }
        NodeKind::Map(m) => match m.get("Fn::Sub").and_then(Node::as_str) {
            Some(text) => split_sub_uri(b, text, keys).ok_or_else(|| {
                format!("'{property}' requires Bucket and Key properties to be specified.")
            }),
            None => Err(format!(
                "'{property}' requires Bucket and Key properties to be specified."
            )),
        },
        _ => Err(invalid()),
    }
}

/// `Fn::Sub: "s3://bucket-${X}/key-${Y}"`: the bucket and key as their own `Fn::Sub` (or plain text), when
/// the `s3://` prefix and the `/` that ends the bucket are literal text.
fn split_sub_uri(b: B, text: &str, keys: [&str; 3]) -> Option<Node> {
    let rest = text.strip_prefix("s3://")?;
    let slash = literal_slash(rest)?;
    let (bucket, key) = (&rest[..slash], &rest[slash + 1..]);
    if bucket.is_empty() || key.is_empty() || key.contains('?') {
        return None;
    }
    let part = |t: &str| {
        if t.contains("${") {
            b.call("Fn::Sub", b.s(t))
        } else {
            b.s(t)
        }
    };
    Some(b.map([(keys[0], part(bucket)), (keys[1], part(key))]))
}

/// The byte offset of the first `/` outside `${...}` placeholders.
fn literal_slash(text: &str) -> Option<usize> {
    let mut depth = 0;
    let bytes = text.as_bytes();
    for (i, c) in bytes.iter().enumerate() {
        match c {
            b'$' if bytes.get(i + 1) == Some(&b'{') => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'/' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// The error for an unreadable location `value` of `property` on resource `id`: a local path (the form
/// `sam package` uploads) is a value not known yet, anything else is invalid.
pub(super) fn location_error(id: &str, property: &str, value: &Node, message: Invalid) -> SamError {
    match value.as_str().filter(|u| !u.contains("://")) {
        Some(path) => SamError::needs_input(
            id,
            value.span,
            format!("`{property}` `{path}` is a local path: package it to S3 first"),
        ),
        None => SamError::resource(id, value.span, message),
    }
}

/// The `Code` of a function from its properties.
pub(super) fn function_code(
    code_uri: Option<&Node>,
    inline: Option<&Node>,
    image: Option<&Node>,
    package_image: bool,
) -> Result<Option<Node>, Invalid> {
    // With both, the inline code wins, as the translator has it.
    if let Some(i) = inline {
        let b = B::new(i.span);
        return Ok(Some(b.map([("ZipFile", i.clone())])));
    }
    if let Some(i) = image {
        let b = B::new(i.span);
        return Ok(Some(b.map([("ImageUri", i.clone())])));
    }
    match code_uri {
        Some(c) => s3_location("CodeUri", c, ["S3Bucket", "S3Key", "S3ObjectVersion"]).map(Some),
        None if package_image => {
            Err("'ImageUri' must be set when 'PackageType' is of type `Image`".into())
        }
        None => Err("Only one of 'InlineCode' or 'CodeUri' can be set.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_uris_split_into_bucket_key_and_version() {
        assert_eq!(
            parse_s3_uri("s3://b/dir/k.zip?versionId=3"),
            Some(("b".into(), "dir/k.zip".into(), Some("3".into())))
        );
        assert_eq!(parse_s3_uri("s3://b"), None);
        assert_eq!(parse_s3_uri("https://b/k"), None);
    }
}
