//! The JSON Schema itself, and what it accepts and rejects.

use abi_gen::check::{SCHEMA_TEXT, validate_schema};
use abi_gen::model::spec_dir;
use serde_json::{Value, json};

fn doc(name: &str) -> Value {
    let text = std::fs::read_to_string(spec_dir().join(name)).expect("spec file readable");
    serde_json::from_str(&text).expect("spec file is JSON")
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let schema: Value = serde_json::from_str(SCHEMA_TEXT).expect("schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(jsonschema::draft202012::meta::is_valid(&schema));
}

#[test]
fn schema_file_on_disk_is_the_one_compiled_in() {
    let on_disk =
        std::fs::read_to_string(spec_dir().join("abi.schema.json")).expect("schema readable");
    assert_eq!(on_disk, SCHEMA_TEXT);
}

#[test]
fn schema_accepts_both_specs() {
    for name in ["freebsd4-i386.json", "native-v1.json"] {
        let issues = validate_schema(&doc(name));
        assert!(issues.is_empty(), "{name}: {issues:#?}");
    }
}

/// Every issue must sit at `path`.
fn rejected_at(d: &Value, path: &str) {
    let issues = validate_schema(d);
    assert!(!issues.is_empty(), "accepted, expected an error at {path}");
    assert!(
        issues.iter().any(|i| i.path == path),
        "no error at {path}: {issues:#?}"
    );
}

#[test]
fn schema_rejects_a_misspelt_key() {
    let mut d = doc("native-v1.json");
    d["syscalls"][3]["agrs"] = json!([]);
    rejected_at(&d, "/syscalls/3");
}

#[test]
fn schema_rejects_an_unknown_top_level_key() {
    let mut d = doc("native-v1.json");
    d["sycalls"] = json!([]);
    rejected_at(&d, "");
}

#[test]
fn schema_rejects_an_unknown_syscall_kind() {
    let mut d = doc("freebsd4-i386.json");
    d["syscalls"][8]["kind"] = json!("compat43");
    rejected_at(&d, "/syscalls/8/kind");
}

#[test]
fn schema_rejects_partial_status_without_what_is_missing() {
    let mut d = doc("native-v1.json");
    d["syscalls"][1]["status"] = json!({ "state": "partial" });
    rejected_at(&d, "/syscalls/1/status");
}

#[test]
fn schema_rejects_a_bad_pointer_direction() {
    let mut d = doc("native-v1.json");
    d["syscalls"][1]["args"][1]["type"]["dir"] = json!("output");
    rejected_at(&d, "/syscalls/1/args/1/type/dir");
}

#[test]
fn schema_rejects_error_overflow_without_errno() {
    let mut d = doc("freebsd4-i386.json");
    // st_ino maps with overflow = error; drop its errno.
    let fields = d["types"]["stat"]["fields"].as_array_mut().expect("fields");
    let ino = fields
        .iter_mut()
        .find(|f| f["name"] == "st_ino")
        .expect("st_ino");
    ino["map"].as_object_mut().expect("map").remove("errno");
    rejected_at(&d, "/types/stat/fields/1/map");
}

#[test]
fn schema_rejects_a_malformed_hex_number() {
    let mut d = doc("freebsd4-i386.json");
    d["ioctls"][0]["number"] = json!("402C7413");
    rejected_at(&d, "/ioctls/0/number");
}
