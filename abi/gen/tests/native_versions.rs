//! native-v1 -> native-v2: the diff classifies the real evolution (a layout change and a
//! retired call, both announced; a new call and a new type), refuses the same change
//! unannounced, and the Rust generator shares exactly the calls that did not change.

use std::path::{Path, PathBuf};
use std::process::Command;

use abi_gen::diff::{Class, diff};
use abi_gen::model::{Spec, load_value};
use serde_json::Value;

fn spec_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec")
        .join(name)
}

fn doc(name: &str) -> Value {
    let text = std::fs::read_to_string(spec_path(name)).expect("spec readable");
    serde_json::from_str(&text).expect("spec is JSON")
}

fn spec(v: Value, name: &str) -> Spec {
    load_value(v, &spec_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn has(report: &abi_gen::diff::Report, subject: &str, class: Class, declared: bool) -> bool {
    report
        .changes
        .iter()
        .any(|c| c.subject == subject && c.class == class && c.declared == declared)
}

#[test]
fn v1_to_v2_is_classified_and_passes() {
    let r = diff(
        &spec(doc("native-v1.json"), "native-v1.json"),
        &spec(doc("native-v2.json"), "native-v2.json"),
    );
    let text = r.to_text();
    assert!(has(&r, "type:stat", Class::Breaking, true), "{text}");
    assert!(has(&r, "syscall:60", Class::Breaking, true), "{text}");
    assert!(text.contains("getpgrp retired"), "{text}");
    assert!(has(&r, "syscall:69", Class::Additive, false), "{text}");
    assert!(has(&r, "type:open_how", Class::Additive, false), "{text}");
    assert_eq!(r.worst(), Some(Class::Breaking));
    assert!(!r.fails(), "v2 announces its breaks:\n{text}");
}

/// v2 with some of its announcements removed.
fn unannounced(drop: &[&str]) -> Value {
    let mut v2 = doc("native-v2.json");
    let list = v2["abi"]["declared_breaks"]
        .as_array_mut()
        .expect("declared_breaks");
    list.retain(|s| !drop.contains(&s.as_str().unwrap_or("")));
    v2
}

#[test]
fn an_unannounced_break_is_refused() {
    let v1 = spec(doc("native-v1.json"), "native-v1.json");
    for subject in ["type:stat", "syscall:60"] {
        let r = diff(&v1, &spec(unannounced(&[subject]), "native-v2.json"));
        assert!(
            r.fails(),
            "{subject} unannounced must fail:\n{}",
            r.to_text()
        );
        let undeclared: Vec<&str> = r.undeclared_breaks().map(|c| c.subject.as_str()).collect();
        assert!(undeclared.iter().all(|s| *s == subject), "{undeclared:?}");
    }
}

#[test]
fn the_cli_exits_non_zero_on_an_unannounced_break() {
    let dir = std::env::temp_dir().join(format!("abi-gen-v2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let new = dir.join("native-v2.json");
    let mut v2 = unannounced(&["type:stat", "syscall:60", "const:NYMPH_ABI_VERSION"]);
    // The copy lives elsewhere: point it at the schema beside the real specs.
    v2["$schema"] = Value::from(spec_path("abi.schema.json").display().to_string());
    std::fs::write(&new, v2.to_string()).expect("write");
    let run = |new: &Path| {
        Command::new(env!("CARGO_BIN_EXE_abi-gen"))
            .arg("diff")
            .arg(spec_path("native-v1.json"))
            .arg(new)
            .output()
            .expect("run abi-gen")
    };
    let refused = run(&new);
    let good = run(&spec_path("native-v2.json"));
    let _ = std::fs::remove_dir_all(&dir);
    let out = String::from_utf8_lossy(&refused.stdout);
    assert_eq!(refused.status.code(), Some(1), "{out}");
    assert!(!out.contains("(0 undeclared)"), "{out}");
    assert!(
        out.contains("syscall:60") && out.contains("type:stat"),
        "{out}"
    );
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );
}

#[test]
fn v2_shares_the_arguments_of_unchanged_calls_only() {
    let v1 = spec(doc("native-v1.json"), "native-v1.json");
    let v2 = spec(doc("native-v2.json"), "native-v2.json");
    let src = abi_gen::rust::module_on(&v2, "abi/spec/native-v2.json", Some(&v1)).expect("gen");
    for shared in ["ReadArgs", "OpenatArgs", "SigactionArgs", "AbiVersionsArgs"] {
        assert!(
            src.contains(&format!("pub use super::native_v1::{shared};")),
            "{shared} not shared"
        );
    }
    assert!(src.contains("pub use super::native_v1::{Transforms, neutral};"));
    // stat changed, so the calls that point to it have their own arguments.
    for own in ["FstatArgs", "FstatatArgs", "Openat2Args"] {
        assert!(
            src.contains(&format!("pub struct {own} ")),
            "{own} not defined"
        );
    }
    assert!(!src.contains("GetpgrpArgs"), "getpgrp is retired in v2");

    // A change in a type an argument reaches stops the sharing of that call.
    let mut changed = doc("native-v2.json");
    changed["types"]["open_flags"]["values"][4]["value"] = Value::from("0x40");
    let changed = spec(changed, "native-v2.json");
    let src = abi_gen::rust::module_on(&changed, "x", Some(&v1)).expect("gen");
    assert!(src.contains("pub struct OpenatArgs "));
    assert!(src.contains("pub use super::native_v1::ReadArgs;"));
}
