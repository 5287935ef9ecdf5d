//! One test per semantic rule: a spec broken in one place is rejected with the JSON path of
//! that place and a reason naming the problem.

use std::path::Path;

use abi_gen::model::{SpecError, load_value, spec_dir};
use serde_json::{Value, json};

fn doc(name: &str) -> Value {
    let text = std::fs::read_to_string(spec_dir().join(name)).expect("spec file readable");
    serde_json::from_str(&text).expect("spec file is JSON")
}

fn native() -> Value {
    doc("native-v1.json")
}

fn freebsd4() -> Value {
    doc("freebsd4-i386.json")
}

/// Index of the named field of a struct in the document.
fn field_index(d: &Value, ty: &str, field: &str) -> usize {
    d["types"][ty]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .position(|f| f["name"] == field)
        .expect("field present")
}

/// Index of the syscall with this number.
fn call_index(d: &Value, number: u64) -> usize {
    d["syscalls"]
        .as_array()
        .expect("syscalls")
        .iter()
        .position(|c| c["number"] == number)
        .expect("syscall present")
}

/// The document must fail the semantic checks with an issue at `path` whose reason
/// contains `reason`.
fn rejected(d: Value, path: &str, reason: &str) {
    match load_value(d, Path::new("test.json")) {
        Ok(_) => panic!("accepted; expected {reason:?} at {path}"),
        Err(SpecError::Semantic { issues, .. }) => assert!(
            issues
                .iter()
                .any(|i| i.path == path && i.reason.contains(reason)),
            "no {reason:?} at {path}: {issues:#?}"
        ),
        Err(e) => panic!("not a semantic error: {e}"),
    }
}

#[test]
fn unbroken_specs_pass() {
    for d in [native(), freebsd4()] {
        if let Err(e) = load_value(d, Path::new("test.json")) {
            panic!("{e}");
        }
    }
}

#[test]
fn overlapping_field_is_rejected() {
    let mut d = native();
    d["types"]["timespec"]["fields"][1]["offset"] = json!(0);
    rejected(d, "/types/timespec/fields/1/offset", "overlaps tv_sec");
}

#[test]
fn size_that_disagrees_with_fields_is_rejected() {
    let mut d = freebsd4();
    d["types"]["stat"]["size"] = json!(100);
    rejected(d, "/types/stat/size", "disagrees with the fields");
}

#[test]
fn field_past_the_end_is_rejected() {
    let mut d = freebsd4();
    d["types"]["termios"]["size"] = json!(40);
    rejected(
        d,
        "/types/termios/fields/6/offset",
        "runs past the struct size",
    );
}

#[test]
fn unexplained_padding_is_rejected() {
    let mut d = native();
    let i = field_index(&d, "dirent", "_pad0");
    d["types"]["dirent"]["fields"]
        .as_array_mut()
        .expect("fields")
        .remove(i);
    rejected(
        d,
        &format!("/types/dirent/fields/{i}/offset"),
        "unexplained gap of 4 bytes",
    );
}

#[test]
fn misaligned_field_is_rejected() {
    let mut d = freebsd4();
    let i = field_index(&d, "winsize", "ws_col");
    d["types"]["winsize"]["fields"][i]["offset"] = json!(3);
    rejected(
        d,
        &format!("/types/winsize/fields/{i}/offset"),
        "not 2-aligned",
    );
}

#[test]
fn wrong_struct_alignment_is_rejected() {
    let mut d = native();
    d["types"]["timespec"]["align"] = json!(4);
    rejected(d, "/types/timespec/align", "fields need 8");
}

#[test]
fn union_member_off_zero_is_rejected() {
    let mut d = freebsd4();
    d["types"]["sigval"]["fields"][1]["offset"] = json!(4);
    rejected(
        d,
        "/types/sigval/fields/1/offset",
        "union member starts at offset 0",
    );
}

#[test]
fn duplicate_field_is_rejected() {
    let mut d = native();
    d["types"]["winsize"]["fields"][1]["name"] = json!("ws_row");
    rejected(d, "/types/winsize/fields/1/name", "duplicate field ws_row");
}

#[test]
fn duplicate_syscall_number_is_rejected() {
    let mut d = native();
    d["syscalls"][2]["number"] = json!(1);
    rejected(d, "/syscalls/2/number", "duplicate syscall number 1");
}

#[test]
fn duplicate_syscall_name_is_rejected() {
    let mut d = native();
    d["syscalls"][2]["name"] = json!("read");
    rejected(d, "/syscalls/2/name", "duplicate syscall name read");
}

#[test]
fn unknown_type_reference_is_rejected() {
    let mut d = native();
    d["syscalls"][1]["args"][2]["type"] = json!("sizet");
    rejected(d, "/syscalls/1/args/2/type", "unknown type sizet");
}

#[test]
fn unknown_type_inside_a_pointer_is_rejected() {
    let mut d = native();
    let i = call_index(&d, 5);
    d["syscalls"][i]["args"][1]["type"]["ptr"] = json!("struct_stat");
    rejected(
        d,
        &format!("/syscalls/{i}/args/1/type/ptr"),
        "unknown type struct_stat",
    );
}

#[test]
fn unknown_type_in_a_field_is_rejected() {
    let mut d = freebsd4();
    d["types"]["stat"]["fields"][0]["type"] = json!("dev32_t");
    rejected(d, "/types/stat/fields/0/type", "unknown type dev32_t");
}

#[test]
fn pointer_length_naming_a_missing_argument_is_rejected() {
    let mut d = native();
    d["syscalls"][1]["args"][1]["type"]["len"]["arg"] = json!("nbyte");
    rejected(
        d,
        "/syscalls/1/args/1/type/len/arg",
        "non-existent argument nbyte",
    );
}

#[test]
fn pointer_length_naming_a_non_integer_is_rejected() {
    let mut d = native();
    d["syscalls"][1]["args"][1]["type"]["len"]["arg"] = json!("buf");
    rejected(d, "/syscalls/1/args/1/type/len/arg", "is not an integer");
}

#[test]
fn unknown_errno_in_a_syscall_is_rejected() {
    let mut d = native();
    d["syscalls"][1]["errors"][0] = json!("EBADFD");
    rejected(d, "/syscalls/1/errors/0", "unknown errno EBADFD");
}

#[test]
fn duplicate_errno_value_is_rejected() {
    let mut d = freebsd4();
    d["errno"][34]["value"] = json!(11);
    rejected(d, "/errno/34/value", "duplicate errno value 11");
}

#[test]
fn duplicate_signal_number_is_rejected() {
    let mut d = native();
    d["signals"]["list"][1]["value"] = json!(1);
    rejected(d, "/signals/list/1/value", "duplicate signal number 1");
}

#[test]
fn duplicate_constant_name_is_rejected() {
    let mut d = native();
    d["constants"][1]["name"] = json!("NYMPH_ABI_VERSION");
    rejected(
        d,
        "/constants/1/name",
        "duplicate constant NYMPH_ABI_VERSION",
    );
}

#[test]
fn enum_value_too_wide_for_its_repr_is_rejected() {
    let mut d = freebsd4();
    d["types"]["d_type"]["values"][0]["value"] = json!(256);
    rejected(d, "/types/d_type/values/0/value", "does not fit in u8");
}

#[test]
fn ioctl_number_that_disagrees_with_its_encoding_is_rejected() {
    let mut d = freebsd4();
    d["ioctls"][0]["number"] = json!("0x40287413");
    rejected(d, "/ioctls/0/number", "encoding");
}

#[test]
fn alias_cycle_is_rejected() {
    let mut d = native();
    d["types"]["size_t"]["of"] = json!("ssize_t");
    d["types"]["ssize_t"]["of"] = json!("size_t");
    rejected(d, "/types/size_t/of", "alias cycle");
}

#[test]
fn extensible_struct_without_its_size_field_is_rejected() {
    let mut d = native();
    d["types"]["stat"]["extensible"]["size_field"] = json!("st_len");
    rejected(d, "/types/stat/extensible/size_field", "no field st_len");
}

#[test]
fn wide_argument_at_an_odd_word_is_rejected() {
    let mut d = freebsd4();
    let i = call_index(&d, 199);
    // lseek(fd, pad, off_t offset, whence): drop the pad word.
    d["syscalls"][i]["args"]
        .as_array_mut()
        .expect("args")
        .remove(1);
    rejected(d, &format!("/syscalls/{i}/args/1"), "odd word 1");
}

#[test]
fn too_many_argument_words_are_rejected() {
    let mut d = native();
    let extra = json!({ "name": "extra", "type": "int" });
    let i = call_index(&d, 8); // mmap has six arguments already
    d["syscalls"][i]["args"]
        .as_array_mut()
        .expect("args")
        .push(extra);
    rejected(
        d,
        &format!("/syscalls/{i}/args"),
        "7 argument words but only 6",
    );
}

#[test]
fn missing_return_syscall_is_rejected() {
    let mut d = native();
    d["signal_delivery"]["return_syscall"] = json!("rt_sigreturn");
    rejected(
        d,
        "/signal_delivery/return_syscall",
        "no syscall rt_sigreturn",
    );
}

#[test]
fn unknown_errno_in_a_field_map_is_rejected() {
    let mut d = freebsd4();
    let i = field_index(&d, "stat", "st_ino");
    d["types"]["stat"]["fields"][i]["map"]["errno"] = json!("EOVERFLOWED");
    rejected(
        d,
        &format!("/types/stat/fields/{i}/map/errno"),
        "unknown errno EOVERFLOWED",
    );
}

#[test]
fn opaque_type_as_a_field_is_rejected() {
    let mut d = freebsd4();
    d["types"]["timespec"]["fields"][1]["type"] = json!("aiocb");
    rejected(d, "/types/timespec/fields/1/type", "has no size");
}

#[test]
fn versioning_naming_a_missing_query_call_is_rejected() {
    let mut d = native();
    d["versioning"]["query_syscall"] = json!("abi_version");
    rejected(d, "/versioning/query_syscall", "no syscall abi_version");
}

#[test]
fn result_wider_than_the_result_registers_is_rejected() {
    let mut d = native();
    d["syscalls"][1]["ret"] = json!("timespec");
    rejected(d, "/syscalls/1/ret", "needs 2 result registers");
}

#[test]
fn extra_return_in_a_non_result_register_is_rejected() {
    let mut d = freebsd4();
    let i = call_index(&d, 2);
    d["syscalls"][i]["extra_returns"][0]["register"] = json!("ecx");
    rejected(
        d,
        &format!("/syscalls/{i}/extra_returns/0/register"),
        "not a second result register",
    );
}

#[test]
fn duplicate_sysctl_mib_is_rejected() {
    let mut d = freebsd4();
    d["sysctls"][1]["mib"] = json!([1, 1]);
    rejected(d, "/sysctls/1/mib", "duplicate sysctl mib");
}

/// Index of the sysctl node with this name.
fn sysctl_index(d: &Value, name: &str) -> usize {
    d["sysctls"]
        .as_array()
        .expect("sysctls")
        .iter()
        .position(|s| s["name"] == name)
        .expect("sysctl present")
}

/// Appends a sysctl node; its index.
fn push_sysctl(d: &mut Value, node: Value) -> usize {
    let list = d["sysctls"].as_array_mut().expect("sysctls");
    list.push(node);
    list.len() - 1
}

#[test]
fn duplicate_sysctl_number_among_siblings_is_rejected() {
    let mut d = freebsd4();
    let i = push_sysctl(
        &mut d,
        json!({"name": "hw.cpus", "mib": [6, 3], "kind": "CTLTYPE_INT", "flags": ["CTLFLAG_RD"],
               "format": "I", "type": "int", "access": "ro"}),
    );
    rejected(
        d,
        &format!("/sysctls/{i}/mib"),
        "duplicate sysctl mib [6, 3]",
    );
}

#[test]
fn sysctl_child_under_a_leaf_is_rejected() {
    let mut d = freebsd4();
    let i = push_sysctl(
        &mut d,
        json!({"name": "kern.ostype.x", "mib": [1, 1, 5], "kind": "CTLTYPE_INT", "flags": ["CTLFLAG_RD"],
               "format": "I", "type": "int", "access": "ro"}),
    );
    rejected(
        d,
        &format!("/sysctls/{i}/mib"),
        "a child under a leaf, kern.ostype",
    );
}

#[test]
fn sysctl_child_under_a_handler_node_is_rejected() {
    let mut d = freebsd4();
    let i = push_sysctl(
        &mut d,
        json!({"name": "kern.proc.args.x", "mib": [1, 14, 7, 1], "kind": "CTLTYPE_INT",
               "flags": ["CTLFLAG_RD"], "format": "I", "type": "int", "access": "ro"}),
    );
    rejected(
        d,
        &format!("/sysctls/{i}/mib"),
        "a child under a node with a handler, kern.proc.args",
    );
}

#[test]
fn sysctl_without_its_parent_is_rejected() {
    let mut d = freebsd4();
    let i = push_sysctl(
        &mut d,
        json!({"name": "debug.x", "mib": [5, 1], "kind": "CTLTYPE_INT", "flags": ["CTLFLAG_RD"],
               "format": "I", "type": "int", "access": "ro"}),
    );
    rejected(d, &format!("/sysctls/{i}/mib"), "no parent node [5]");
}

#[test]
fn sysctl_name_off_its_parent_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "hw.ncpu");
    d["sysctls"][i]["name"] = json!("vm.ncpu");
    rejected(
        d,
        &format!("/sysctls/{i}/name"),
        "not a name under its parent hw",
    );
}

#[test]
fn unknown_sysctl_kind_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "kern.ostype");
    d["sysctls"][i]["kind"] = json!("CTLTYPE_BLOB");
    rejected(
        d,
        &format!("/sysctls/{i}/kind"),
        "unknown sysctl kind CTLTYPE_BLOB",
    );
}

#[test]
fn sysctl_kind_of_another_group_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "kern.ostype");
    d["sysctls"][i]["kind"] = json!("CTLFLAG_RD");
    rejected(
        d,
        &format!("/sysctls/{i}/kind"),
        "unknown sysctl kind CTLFLAG_RD",
    );
}

#[test]
fn unknown_sysctl_flag_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "kern.ostype");
    d["sysctls"][i]["flags"] = json!(["CTLFLAG_RD", "CTLFLAG_LOUD"]);
    rejected(
        d,
        &format!("/sysctls/{i}/flags/1"),
        "unknown sysctl flag CTLFLAG_LOUD",
    );
}

#[test]
fn unknown_sysctl_format_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "kern.ostype");
    d["sysctls"][i]["format"] = json!("Z");
    rejected(
        d,
        &format!("/sysctls/{i}/format"),
        "unknown sysctl format \"Z\"",
    );
}

#[test]
fn sysctl_node_format_on_a_leaf_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "kern.ostype");
    d["sysctls"][i]["format"] = json!("N");
    rejected(
        d,
        &format!("/sysctls/{i}/format"),
        "the format is N exactly for a CTLTYPE_NODE",
    );
}

#[test]
fn unknown_sysctl_handler_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "sysctl.oidfmt");
    d["sysctls"][i]["handler"] = json!("oid_format");
    rejected(
        d,
        &format!("/sysctls/{i}/handler"),
        "unknown sysctl handler oid_format",
    );
}

#[test]
fn sysctl_access_against_its_flags_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "kern.hostname");
    d["sysctls"][i]["access"] = json!("ro");
    rejected(
        d,
        &format!("/sysctls/{i}/access"),
        "access ro disagrees with the flags",
    );
}

#[test]
fn sysctl_leaf_without_a_type_is_rejected() {
    let mut d = freebsd4();
    let i = sysctl_index(&d, "hw.ncpu");
    d["sysctls"][i]
        .as_object_mut()
        .expect("node")
        .remove("type");
    rejected(d, &format!("/sysctls/{i}"), "leaf hw.ncpu has no type");
}
