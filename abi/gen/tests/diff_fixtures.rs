//! The diff classifies hand-made old/new pairs: each fixture under
//! `tests/fixtures/diff/` is a patch to `base.json` plus the expected outcome.

use std::path::{Path, PathBuf};
use std::process::Command;

use abi_gen::diff::{Class, diff};
use abi_gen::model::{Spec, load_value};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixture readable"))
        .expect("fixture is JSON")
}

/// Applies an RFC 6902 subset (add, replace, remove) to `doc`.
fn apply(doc: &mut Value, patch: &[Value]) {
    for op in patch {
        let path = op["path"].as_str().expect("path");
        let (parent, last) = path.rsplit_once('/').expect("pointer");
        let target = doc
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"));
        let value = op.get("value").cloned();
        match (op["op"].as_str().expect("op"), target) {
            ("remove", Value::Array(a)) => {
                a.remove(last.parse::<usize>().expect("index"));
            }
            ("remove", Value::Object(m)) => {
                m.remove(last);
            }
            ("add", Value::Array(a)) if last == "-" => a.push(value.expect("value")),
            ("add", Value::Array(a)) => {
                a.insert(last.parse().expect("index"), value.expect("value"))
            }
            ("add" | "replace", Value::Object(m)) => {
                m.insert(last.to_owned(), value.expect("value"));
            }
            ("replace", Value::Array(a)) => {
                a[last.parse::<usize>().expect("index")] = value.expect("value");
            }
            (o, _) => panic!("unsupported op {o} at {path}"),
        }
    }
}

fn base() -> Value {
    read(&fixtures().join("base.json"))
}

fn spec(v: Value, name: &str) -> Spec {
    load_value(v, Path::new(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn class(s: &str) -> Class {
    match s {
        "compatible" => Class::Compatible,
        "additive" => Class::Additive,
        "breaking" => Class::Breaking,
        other => panic!("bad class {other}"),
    }
}

fn case_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures dir")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.ends_with(".json") && n != "base.json")
        .collect();
    v.sort();
    v
}

/// The new version of a case, as a document.
fn new_doc(case: &Value) -> Value {
    let mut doc = base();
    doc["abi"]["version"] = Value::from(2);
    apply(&mut doc, case["patch"].as_array().expect("patch"));
    doc
}

#[test]
fn every_fixture_is_classified_as_expected() {
    let old = spec(base(), "base.json");
    let names = case_names();
    assert!(names.len() >= 6, "fixtures missing: {names:?}");
    for name in names {
        let case = read(&fixtures().join(&name));
        let new = spec(new_doc(&case), &name);
        let report = diff(&old, &new);
        let e = &case["expect"];
        let subject = e["subject"].as_str().expect("subject");
        let want = class(e["class"].as_str().expect("class"));
        assert!(
            report
                .changes
                .iter()
                .any(|c| c.subject == subject && c.class == want),
            "{name}: no {want:?} change on {subject}:\n{}",
            report.to_text()
        );
        assert_eq!(
            report.worst(),
            Some(class(e["worst"].as_str().expect("worst"))),
            "{name}:\n{}",
            report.to_text()
        );
        assert_eq!(
            report.fails(),
            e["fails"].as_bool().expect("fails"),
            "{name}:\n{}",
            report.to_text()
        );
    }
}

#[test]
fn identical_versions_have_no_change() {
    let a = spec(base(), "a");
    let b = spec(base(), "b");
    let r = diff(&a, &b);
    assert!(r.changes.is_empty(), "{}", r.to_text());
    assert!(!r.fails());
}

#[test]
fn breaking_changes_are_named() {
    let old = spec(base(), "base.json");
    let case = read(&fixtures().join("field_offset.json"));
    let r = diff(&old, &spec(new_doc(&case), "field_offset"));
    let text = r.to_text();
    assert!(text.contains("field st_uid offset 32 -> 36"), "{text}");
    assert!(text.contains("field st_gid offset 36 -> 32"), "{text}");
    let json: Value = serde_json::from_str(&r.to_json()).expect("report JSON");
    assert_eq!(json["fails"], Value::Bool(true));
}

fn run_cli(case: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("abi-gen-diff-{}-{case}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let old = dir.join("old.json");
    let new = dir.join("new.json");
    std::fs::write(&old, base().to_string()).expect("write");
    let c = read(&fixtures().join(format!("{case}.json")));
    std::fs::write(&new, new_doc(&c).to_string()).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_abi-gen"))
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .output()
        .expect("run abi-gen");
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn cli_exit_status_follows_the_classification() {
    for (case, code) in [
        ("add_call", 0),
        ("doc_only", 0),
        ("declared_break", 0),
        ("reuse_number", 1),
        ("field_offset", 1),
        ("flag_value", 1),
        ("remove_call", 1),
    ] {
        let (got, out) = run_cli(case);
        assert_eq!(got, code, "{case}: exit {got}, output:\n{out}");
    }
}
