//! Parsing a large template on several threads. CloudFormation templates are block mappings whose bulk is
//! the `Resources` section, a mapping whose entries all start on lines with the same indentation. Lines
//! with exactly that indentation cannot belong to a block scalar, a multi-line flow scalar or a flow
//! collection inside a resource (YAML requires those to be indented further), so the text can be cut there:
//! the head (everything up to a first cut, a valid document), the middle chunks (indented mappings of
//! resources, valid documents too) and the tail (the top-level sections after `Resources`). Each is parsed
//! with its spans in the whole file and the mappings are joined. Anything unusual — anchors, document
//! markers or directives, a chunk with a diagnostic, a duplicate key across chunks — falls back to parsing
//! the whole document on one thread, so errors are always reported exactly as that path reports them.

use std::ops::Range;

use super::super::limits::Limits;
use super::super::node::{Node, NodeKind};
use super::super::span::FileId;
use super::load_chunk;

/// Below this size one thread is faster than starting another.
const MIN_BYTES: usize = 96 * 1024;

struct Cuts {
    head: Range<usize>,
    middles: Vec<Range<usize>>,
    tail: Option<Range<usize>>,
}

/// The whole tree, or `None` to use the one-thread path.
pub(super) fn load(file: FileId, text: &str, limits: &Limits) -> Option<Node> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || text.len() < MIN_BYTES {
        return None;
    }
    load_in(file, text, limits, threads)
}

/// [`load`] with a given number of parts (tests force small inputs through it).
pub(super) fn load_in(file: FileId, text: &str, limits: &Limits, parts: usize) -> Option<Node> {
    let cuts = cut(text, parts)?;
    // Chunks are two levels below the root; keep the depth limit of the whole document.
    let inner = Limits {
        max_depth: limits.max_depth.saturating_sub(2),
        ..*limits
    };
    let (head, middles, tail) = std::thread::scope(|s| {
        let last = cuts.middles.len().saturating_sub(1);
        let middles: Vec<_> = cuts
            .middles
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let r = r.clone();
                // The sections after Resources (a small part) are parsed by the last chunk's thread
                // once its chunk is done, rather than by a thread of their own.
                let tail = cuts.tail.clone().filter(|_| i == last);
                s.spawn(move || {
                    let middle = load_chunk(file, text, r, &inner);
                    (middle, tail.map(|t| load_chunk(file, text, t, limits)))
                })
            })
            .collect();
        let head = load_chunk(file, text, cuts.head.clone(), limits);
        let mut tail = None;
        let middles: Vec<Option<Node>> = middles
            .into_iter()
            .map(|h| {
                h.join().ok().and_then(|(middle, t)| {
                    tail = tail.take().or(t);
                    middle
                })
            })
            .collect();
        (head, middles, tail)
    });
    join(head?, middles, tail)
}

fn join(mut root: Node, middles: Vec<Option<Node>>, tail: Option<Option<Node>>) -> Option<Node> {
    let NodeKind::Map(top) = &mut root.kind else {
        return None;
    };
    let resources = top.get_mut("Resources")?;
    let NodeKind::Map(res) = &mut resources.kind else {
        return None;
    };
    for m in middles {
        let m = m?;
        let NodeKind::Map(entries) = m.kind else {
            return None;
        };
        for (k, e) in entries.into_entries() {
            res.insert(k, e.key_span, e.value).ok()?;
        }
        resources.span.end = resources.span.end.max(m.span.end);
    }
    res.shrink_to_fit();
    let resources_end = resources.span.end;
    root.span.end = root.span.end.max(resources_end);
    if let Some(t) = tail {
        let t = t?;
        let NodeKind::Map(entries) = t.kind else {
            return None;
        };
        let NodeKind::Map(top) = &mut root.kind else {
            return None;
        };
        for (k, e) in entries.into_entries() {
            top.insert(k, e.key_span, e.value).ok()?;
        }
        root.span.end = root.span.end.max(t.span.end);
    }
    Some(root)
}

/// Where to cut `text` into `parts` parts of the Resources section, if it is safe.
fn cut(text: &str, parts: usize) -> Option<Cuts> {
    if text.starts_with('%')
        || text.starts_with("---")
        || text.contains("\n---")
        || text.contains("\n...")
    {
        return None;
    }
    // One pass over the line starts (the scan must stay a small fraction of the parse it splits).
    let bytes = text.as_bytes();
    let line_at = |start: usize| -> &str {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(text.len(), |i| start + i + 1);
        &text[start..end]
    };
    let key_is = |line: &str, key: &str| {
        line.strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .is_some_and(|r| {
                let r = r.trim_start_matches([' ', '\t']);
                r.is_empty() || r.starts_with('#') || r.starts_with('\n') || r.starts_with('\r')
            })
    };
    let res_line = memchr::memmem::find_iter(bytes, "Resources")
        .filter(|&i| i == 0 || bytes[i - 1] == b'\n')
        .find(|&i| key_is(line_at(i), "Resources"))?;
    let body_start = res_line + line_at(res_line).len();
    // The Resources body, up to the next top-level line: the indentation of its keys (`child`), and where
    // each entry after the first starts. A cut right after blank or comment lines could end a block
    // scalar differently than the whole document does (its span takes in trailing blank lines up to the
    // next token): cut only after content.
    let mut child = None;
    let mut starts: Vec<usize> = Vec::new();
    let mut prev_content = false;
    let mut section_end = text.len();
    let mut at = body_start;
    for end in memchr::memchr_iter(b'\n', &bytes[body_start..])
        .map(|i| body_start + i + 1)
        .chain(std::iter::once(text.len()))
    {
        if at >= end {
            break;
        }
        let line = &bytes[at..end];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let first = line.get(indent).copied();
        if indent == 0 && first.is_some_and(|c| !matches!(c, b'#' | b'\r' | b'\n')) {
            section_end = at;
            break;
        }
        let is_content = first.is_some_and(|c| !matches!(c, b'#' | b'\r' | b'\n'));
        if is_content {
            match child {
                None if indent == 0 => return None,
                None => child = Some(indent),
                Some(k) => {
                    if prev_content
                        && indent == k
                        && !matches!(first, Some(b'-' | b'?' | b'[' | b'{'))
                    {
                        starts.push(at);
                    }
                }
            }
        }
        prev_content = is_content;
        at = end;
    }
    let child = child?;
    // The first resource never starts a cut (it is not in `starts`: it has no line before it in the body).
    if parts < 2 || starts.is_empty() {
        return None;
    }
    // Equal shares of the whole text (the head also parses the sections before Resources, the tail
    // those after), each cut moved to the next resource start.
    let mut points = Vec::new();
    for i in 1..parts {
        let target = (text.len() * i / parts).clamp(body_start, section_end);
        let p = *starts.iter().find(|&&s| s >= target)?;
        if points.last().is_none_or(|&last| p > last) {
            points.push(p);
        }
    }
    if points.is_empty() {
        return None;
    }
    // Each chunk but the last runs on over the indentation of the next one's first key: a block scalar's
    // span ends at the next token, after that indentation, and must end there in the chunk too. (The
    // overlap is only spaces.)
    let mut middles = Vec::new();
    for (i, &p) in points.iter().enumerate() {
        let end = points.get(i + 1).map_or(section_end, |&next| next + child);
        middles.push(p..end);
    }
    let tail = text[section_end..]
        .chars()
        .any(|c| !c.is_whitespace())
        .then_some(section_end..text.len());
    Some(Cuts {
        head: 0..points[0] + child,
        middles,
        tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::yaml::load_sequential;

    fn same_as_sequential(text: &str, parts: usize) -> bool {
        let limits = Limits::default();
        let file = FileId(0);
        let seq = load_sequential(file, text, &limits)
            .document
            .map(|d| d.root);
        match load_in(file, text, &limits, parts) {
            Some(par) => {
                let (a, b) = (format!("{:?}", Some(&par)), format!("{:?}", seq.as_ref()));
                if a != b {
                    let at = a
                        .bytes()
                        .zip(b.bytes())
                        .position(|(x, y)| x != y)
                        .unwrap_or(0);
                    let from = at.saturating_sub(300);
                    panic!(
                        "parallel and sequential trees differ ({parts} parts):\nparallel:   {}\nsequential: {}",
                        &a[from..(at + 120).min(a.len())],
                        &b[from..(at + 120).min(b.len())]
                    );
                }
                true
            }
            None => false,
        }
    }

    const T: &str = "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  A: {Type: String}\nResources:\n  One:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !Sub \"${A}\"\n  # a comment\n  Two:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - {Key: k, Value: !GetAtt One.TopicName}\n  Three:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Text: |\n        line\n  Four:\n    Type: AWS::SNS::Topic\nOutputs:\n  O:\n    Value: !Ref One\n";

    #[test]
    fn chunks_join_to_the_sequential_tree() {
        assert!(same_as_sequential(T, 2));
        let mut big = String::from("Resources:\n");
        for i in 0..40 {
            big.push_str(&format!("  R{i}:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !Sub \"${{AWS::Region}}-{i}\"\n      Tags: [{{Key: a, Value: b}}]\n"));
        }
        big.push_str("Outputs:\n  O:\n    Value: !Ref R0\n");
        for parts in 2..=5 {
            assert!(same_as_sequential(&big, parts), "{parts} parts");
        }
    }

    /// Every YAML file of the shared corpus and of the fixtures: wherever the text can be cut, the
    /// parallel tree is the sequential tree, spans included.
    #[test]
    fn corpus_trees_are_identical() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![
            root.join("../shared/corpus"),
            root.join("tests/fixtures"),
            root.join("templates"),
        ];
        while let Some(d) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    files.push(p);
                }
            }
        }
        // The benchmarks' large templates, when they have been written.
        if let Ok(entries) = std::fs::read_dir(root.join("target")) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("bench-synthetic"))
            }));
        }
        let mut cut_files = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            for parts in 2..=3 {
                if same_as_sequential(&text, parts) {
                    cut_files += 1;
                }
            }
        }
        println!(
            "{cut_files} cuts of {} files matched the sequential tree",
            files.len()
        );
    }

    #[test]
    fn anchors_and_duplicates_fall_back() {
        let anchored = T.replace("Type: AWS::SQS::Queue", "Type: &q AWS::SQS::Queue");
        assert!(!same_as_sequential(&anchored, 2));
        let duplicated = T.replace("  Four:", "  One:");
        assert!(!same_as_sequential(&duplicated, 2));
    }
}
