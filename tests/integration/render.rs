//! `cairn render`: each fixture's first line gives its arguments (`# args: --resolve -p K=V`); the exit
//! code, standard output and standard error are snapshotted. Every rendering must load again and render
//! to the same text (round trip), with and without `--resolve`.

use std::path::{Path, PathBuf};

use crate::{Cairn, fixture_files, root, stdout};

fn fixtures() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/render");
    let mut v = fixture_files(&dir);
    v.extend(fixture_files(&dir.join("errors")));
    v
}

fn args_of(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture");
    let first = text.lines().next().unwrap_or_default();
    let args = first
        .strip_prefix("# args:")
        .unwrap_or_else(|| panic!("{}: first line must be `# args: ...`", path.display()));
    args.split_whitespace().map(str::to_owned).collect()
}

fn relative(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn render_fixtures_match_snapshots() {
    for f in fixtures() {
        let out = Cairn::new()
            .arg("render")
            .args(args_of(&f))
            .arg(relative(&f))
            .run();
        let shown = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        let name = relative(&f).replace(['/', '.'], "_");
        insta::assert_snapshot!(name, shown);
    }
}

/// Renders `file` with `args`, writes the output next to the test's temporary files, and renders that
/// again with the same format: the two texts must be identical.
fn round_trip(file: &Path, args: &[&str], ext: &str) {
    let first = Cairn::new().arg("render").args(args).arg(file).run();
    assert!(
        first.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&first.stderr)
    );
    let dir = std::env::temp_dir().join(format!("cairn-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    let again_path = dir.join(format!("{name}-{}.{ext}", args.len()));
    std::fs::write(&again_path, &first.stdout).expect("write");
    let format_args: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a == "--format" || *a == "json" || *a == "yaml")
        .collect();
    let second = Cairn::new()
        .arg("render")
        .args(&format_args)
        .arg(&again_path)
        .run();
    assert!(
        second.status.success(),
        "{}: {}",
        again_path.display(),
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(
        stdout(&first),
        stdout(&second),
        "{} does not round-trip with {args:?}",
        file.display()
    );
}

#[test]
fn renderings_load_again_to_the_same_template() {
    let mut files = fixture_files(&root().join("tests/fixtures/validate/good"));
    files.extend(fixture_files(&root().join("tests/fixtures/render")));
    files.push(root().join("templates/web-bucket.yaml"));
    for f in &files {
        round_trip(f, &[], "yaml");
        round_trip(f, &["--format", "json"], "json");
    }
}

#[test]
fn resolved_renderings_resolve_to_themselves() {
    for f in fixture_files(&root().join("tests/fixtures/render")) {
        let args = args_of(&f);
        let first = Cairn::new()
            .arg("render")
            .args(&args)
            .arg(relative(&f))
            .run();
        if !args.iter().any(|a| a == "--resolve") {
            continue;
        }
        let dir = std::env::temp_dir().join(format!("cairn-resolved-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(f.file_name().unwrap());
        std::fs::write(&path, &first.stdout).expect("write");
        let second = Cairn::new().args(["render", "--resolve"]).arg(&path).run();
        assert!(
            second.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&second.stderr)
        );
        assert_eq!(stdout(&first), stdout(&second), "{}", f.display());
    }
}

#[test]
fn parameter_files_in_both_formats() {
    let dir = std::env::temp_dir().join(format!("cairn-params-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cli = dir.join("cli.json");
    std::fs::write(
        &cli,
        r#"[{"ParameterKey": "Env", "ParameterValue": "dev"}]"#,
    )
    .unwrap();
    let plain = dir.join("plain.yaml");
    std::fs::write(&plain, "Env: dev\n").unwrap();
    let file = "tests/fixtures/render/conditions.yaml";
    let a = Cairn::new()
        .args(["render", "--resolve", "--parameters"])
        .arg(&cli)
        .arg(file)
        .run();
    let b = Cairn::new()
        .args(["render", "--resolve", "--parameters"])
        .arg(&plain)
        .arg(file)
        .run();
    let c = Cairn::new()
        .args(["render", "--resolve", "-p", "Env=dev", file])
        .run();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(stdout(&a), stdout(&c));
}
