//! Negative conformance cases derived from the spec: `abi-tests/generated/<abi>/neg_*.c`.
//!
//! One case per call whose status is implemented or partial (and that has at least one
//! check), plus `neg_nosys` for the numbers the ABI does not serve. Every check makes
//! the call with one argument invalid and the others valid, and wants one errno:
//!
//! * a pointer the kernel dereferences (`ptr` with `dir` in/out/inout, or `cstr`):
//!   NULL (unless `nullable`), a freshly unmapped page, the first kernel address
//!   (`NT_NEG_KERNEL`: the kernel half on x86_64, 4.x's KERNBASE for 32-bit code) and,
//!   for 64-bit pointers, the first non-canonical address give EFAULT (a 32-bit
//!   address has no non-canonical form);
//! * an `fd_t`: a closed descriptor, `1 << 20` and (the type being signed) -5 give
//!   EBADF. An `fd_t` just before a `cstr` is that path's directory descriptor (the
//!   `*at` convention): its valid value is a directory, the path is relative while it
//!   is varied, and one more check wants a bad one with an absolute path *not* to give
//!   EBADF (the path ignores it);
//! * a `flags` argument with its lowest and its highest undefined bit added gives
//!   EINVAL;
//! * (`neg_nosys`) every not_implemented or retired slot and numbers past the table
//!   give the `calling_convention.number.out_of_range` errno, with its `signal` (4.x's
//!   SIGSYS) ignored first, as a process that wants the errno must; numbers with bits
//!   above 32 only where the number register is wider.
//!
//! Cases and the `__sys_` stubs they call are named by the call's unique identifier
//! ([`crate::common::calls`]: `o<name>` for old-compat slots).
//!
//! A check is generated only when the call lists its errno in `errors` (EINVAL, for
//! flags, is how the spec says the call rejects bad flags). An argument's or a call's
//! `negative` object skips checks, each with its reason, and may give a valid value
//! (a C expression) where the type's default (see [`valid_value`]) does not fit. What is
//! not generated is listed, with the reason, at the top of each case.
//!
//! ABIs with no implemented call (a personality that does not exist yet) get no cases.

use std::fmt::Write as _;

use crate::common;
use crate::model::{Dir, Spec, Status, Syscall, TypeDef, TypeRef, primitive_int};
use crate::output::Files;

/// Where the cases go, relative to the workspace root (one directory per ABI).
pub const DIR: &str = "abi-tests/generated";

/// Produces every ABI's cases.
#[must_use]
pub fn generate(specs: &[(&str, &Spec)]) -> Files {
    let mut files = Files::default();
    for (source, spec) in specs {
        if !spec.syscalls.iter().any(served) {
            continue;
        }
        let abi = common::file_stem(spec);
        for (call, id) in common::calls(spec) {
            if !served(call) {
                continue;
            }
            if let Some(text) = call_case(source, spec, call, &id) {
                files.push(format!("{abi}/neg_{id}.c"), text);
            }
        }
        if let Some(text) = nosys_case(source, spec) {
            files.push(format!("{abi}/neg_nosys.c"), text);
        }
    }
    files
}

fn served(call: &Syscall) -> bool {
    matches!(
        call.status,
        Status::Implemented { .. } | Status::Partial { .. }
    )
}

/// One generated check: a label, what it wants, and the call's argument expressions.
struct Check {
    label: String,
    not: bool,
    errno: String,
    prelude: String,
    args: Vec<String>,
}

/// What an argument is, for the checks.
enum Class<'a> {
    /// A pointer the kernel reads or writes.
    Pointer {
        nullable: bool,
    },
    /// A pointer the kernel does not dereference (`dir: none`).
    Address,
    Fd {
        dirfd: bool,
        signed: bool,
    },
    Flags {
        bits: u32,
        mask: u128,
    },
    Enum(&'a crate::model::EnumDef),
    Int,
}

fn classify<'a>(spec: &'a Spec, call: &Syscall, i: usize) -> Class<'a> {
    let arg = &call.args[i];
    if let TypeRef::Named(n) = &arg.ty
        && n == "fd_t"
    {
        let signed = matches!(spec.resolve(&arg.ty),
            TypeRef::Named(p) if primitive_int(p).is_some_and(|(_, s)| s));
        let dirfd = matches!(call.args.get(i + 1).map(|a| &a.ty), Some(TypeRef::Cstr(_)));
        return Class::Fd { dirfd, signed };
    }
    match spec.resolve(&arg.ty) {
        TypeRef::Cstr(c) => Class::Pointer {
            nullable: c.nullable,
        },
        TypeRef::Ptr(p) if p.dir == Dir::None => Class::Address,
        TypeRef::Ptr(p) => Class::Pointer {
            nullable: p.nullable,
        },
        TypeRef::Named(n) => match spec.types.get(n) {
            Some(TypeDef::Flags(e)) => {
                let bits = primitive_int(&e.repr).map_or(32, |(b, _)| b);
                let mask = e.values.iter().fold(0u128, |m, v| m | (v.value.0 as u128));
                Class::Flags { bits, mask }
            }
            Some(TypeDef::Enum(e)) => Class::Enum(e),
            _ => Class::Int,
        },
        TypeRef::Array(_) => Class::Int,
    }
}

/// The valid value of argument `i`: the spec's `negative.valid`, else by type. This is
/// the one place that decides what "valid" means (the values are set up by
/// abi-tests/include/nymph_neg.h).
fn valid_value(spec: &Spec, call: &Syscall, i: usize) -> String {
    let arg = &call.args[i];
    if let Some(v) = arg.negative.as_ref().and_then(|n| n.valid.clone()) {
        return v;
    }
    // The length of a buffer argument: 256 bytes or one element.
    for other in &call.args {
        if let TypeRef::Ptr(p) = spec.resolve(&other.ty)
            && let Some(len) = &p.len
            && len.arg.as_deref() == Some(arg.name.as_str())
            && !len.via_ptr
        {
            return match len.unit {
                crate::model::LenUnit::Bytes => "256".into(),
                crate::model::LenUnit::Elements => "1".into(),
            };
        }
    }
    match classify(spec, call, i) {
        Class::Pointer { .. } => match spec.resolve(&arg.ty) {
            TypeRef::Cstr(_) => "\"nt_file\"".into(),
            TypeRef::Ptr(p) if matches!(spec.resolve(&p.ptr), TypeRef::Cstr(_)) => {
                "nt_neg_argv".into()
            }
            _ => "nt_neg_buf".into(),
        },
        Class::Address => "nt_neg_buf".into(),
        Class::Fd { dirfd: true, .. } => "nt_neg_dirfd".into(),
        Class::Fd { dirfd: false, .. } => "nt_neg_fd".into(),
        Class::Enum(e) => e.values.first().map_or("0".into(), |v| v.value.to_string()),
        Class::Flags { .. } | Class::Int => "0".into(),
    }
}

/// Why check `kind` of argument `i` is not generated, if the spec says so.
fn skipped<'a>(call: &'a Syscall, i: usize, kind: &str) -> Option<&'a str> {
    let n = call.args[i].negative.as_ref()?;
    n.skip
        .get(kind)
        .or_else(|| n.skip.get("all"))
        .map(String::as_str)
}

/// Writes a size field of every extensible struct the call points to (the valid
/// buffer is zeroed before each check).
fn prelude(spec: &Spec, call: &Syscall) -> String {
    let mut out = String::new();
    let mut seen = Vec::new();
    for a in &call.args {
        let TypeRef::Ptr(p) = spec.resolve(&a.ty) else {
            continue;
        };
        let TypeRef::Named(n) = spec.resolve(&p.ptr) else {
            continue;
        };
        let Some(s) = spec.struct_def(n) else {
            continue;
        };
        let Some(ext) = &s.extensible else { continue };
        let Some(f) = s.field(&ext.size_field) else {
            continue;
        };
        let width = spec.layout(&f.ty).map_or(4, |l| l.size);
        if seen.contains(&f.offset) {
            continue;
        }
        seen.push(f.offset);
        let _ = writeln!(
            out,
            "\tnt_neg_put({}, {width}, {}); /* {n}.{} */",
            f.offset, s.size, ext.size_field
        );
    }
    out
}

fn call_checks(spec: &Spec, call: &Syscall, notes: &mut Vec<String>) -> Vec<Check> {
    let lists = |e: &str| call.errors.iter().any(|x| x == e);
    // Only 64-bit addresses can be non-canonical.
    let noncanonical = spec.data_model.pointer_bytes >= 8;
    let valid: Vec<String> = (0..call.args.len())
        .map(|i| valid_value(spec, call, i))
        .collect();
    let pre = prelude(spec, call);
    let mut checks = Vec::new();
    let mut add = |label: String, not: bool, errno: &str, args: Vec<String>| {
        checks.push(Check {
            label,
            not,
            errno: errno.into(),
            prelude: pre.clone(),
            args,
        });
    };
    for (i, arg) in call.args.iter().enumerate() {
        if arg.pad {
            continue;
        }
        let name = &arg.name;
        let mut variants: Vec<(&str, String, String)> = Vec::new(); // kind, label, value
        let errno = match classify(spec, call, i) {
            Class::Pointer { nullable } => {
                if !nullable {
                    variants.push(("null", "NULL".into(), "NULL".into()));
                }
                variants.push(("unmapped", "unmapped".into(), "nt_neg_unmapped".into()));
                variants.push(("kernel", "kernel".into(), "NT_NEG_KERNEL".into()));
                if noncanonical {
                    variants.push((
                        "noncanonical",
                        "noncanonical".into(),
                        "NT_NEG_NONCANON".into(),
                    ));
                }
                "EFAULT"
            }
            Class::Fd { dirfd, signed } => {
                variants.push(("closed", "closed".into(), "nt_neg_closed".into()));
                variants.push(("huge", "1<<20".into(), "1 << 20".into()));
                if signed {
                    variants.push(("negative", "-5".into(), "-5".into()));
                }
                if dirfd && lists("EBADF") {
                    match skipped(call, i, "absolute") {
                        Some(r) => notes.push(format!("{name} absolute: {r}")),
                        None => {
                            let mut args = valid.clone();
                            args[i] = "-5".into();
                            args[i + 1] = "nt_neg_abs".into();
                            add(
                                format!("{name}=-5,{}=absolute", call.args[i + 1].name),
                                true,
                                "EBADF",
                                args,
                            );
                        }
                    }
                }
                "EBADF"
            }
            Class::Flags { bits, mask } => {
                let top = if bits >= 64 { 62 } else { bits - 2 };
                let undefined: Vec<u32> = (0..=top).filter(|b| mask & (1u128 << b) == 0).collect();
                let mut picks: Vec<u32> = Vec::new();
                if let Some(&lo) = undefined.first() {
                    picks.push(lo);
                }
                if let Some(&hi) = undefined.last()
                    && !picks.contains(&hi)
                {
                    picks.push(hi);
                }
                for b in picks {
                    let bit = 1u128 << b;
                    variants.push((
                        "bits",
                        format!("+0x{bit:x}"),
                        format!("({}) | 0x{bit:x}u", valid[i]),
                    ));
                }
                "EINVAL"
            }
            Class::Address | Class::Enum(_) | Class::Int => continue,
        };
        if !lists(errno) {
            if !variants.is_empty() {
                notes.push(format!("{name}: {errno} is not in the call's errors"));
            }
            continue;
        }
        for (kind, label, value) in variants {
            if let Some(r) = skipped(call, i, kind) {
                notes.push(format!("{name} {label}: {r}"));
                continue;
            }
            let mut args = valid.clone();
            args[i] = value;
            add(format!("{name}={label}"), false, errno, args);
        }
    }
    checks
}

fn header(out: &mut String, abi: &str, source: &str, what: &str, notes: &[String]) {
    let _ = writeln!(out, "// abi: {abi}");
    let _ = writeln!(out, "/*");
    let _ = writeln!(out, " * {what}");
    let _ = writeln!(out, " * Generated by abi-gen from {source}: do not edit.");
    if !notes.is_empty() {
        let _ = writeln!(out, " *\n * Not checked:");
        for n in notes {
            let _ = writeln!(out, " *   {n}");
        }
    }
    let _ = writeln!(out, " */\n#include <nymph_neg.h>\n");
}

fn footer(out: &mut String, case: &str, checks: &[Check]) {
    out.push_str("static const struct nt_neg_check checks[] = {\n");
    for (k, c) in checks.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{{\"{}\", {}, {}, check_{k}}},",
            c.label,
            if c.not { "NT_NEG_NOT" } else { "NT_NEG_IS" },
            c.errno
        );
    }
    out.push_str("};\n\nint main(void)\n{\n");
    let _ = writeln!(
        out,
        "\tnt_neg_run(\"{case}\", checks, (int)(sizeof(checks) / sizeof(checks[0])));"
    );
    out.push_str("}\n");
}

fn call_case(source: &str, spec: &Spec, call: &Syscall, id: &str) -> Option<String> {
    let mut notes = Vec::new();
    if call.negative.as_ref().is_some_and(|n| n.skip.is_some()) {
        return None;
    }
    let checks = call_checks(spec, call, &mut notes);
    if checks.is_empty() {
        return None;
    }
    let mut out = String::new();
    header(
        &mut out,
        &common::file_stem(spec),
        source,
        &format!(
            "Negative cases of {} ({} slot {}): invalid arguments, one at a time.",
            call.name, spec.abi.name, call.number
        ),
        &notes,
    );
    for (k, c) in checks.iter().enumerate() {
        let _ = writeln!(out, "static long check_{k}(void)\n{{");
        out.push_str(&c.prelude);
        let _ = writeln!(
            out,
            "\treturn (long)__sys_{id}({});\n}}\n",
            c.args.join(", ")
        );
    }
    footer(&mut out, &format!("neg_{id}"), &checks);
    Some(out)
}

fn nosys_case(source: &str, spec: &Spec) -> Option<String> {
    let unknown = spec.calling_convention.number.out_of_range.as_ref()?;
    let errno = unknown.errno.clone();
    // 4.x posts SIGSYS as well: a process gets the errno only when it ignores it.
    let prelude = unknown.signal.as_ref().map_or(String::new(), |sig| {
        format!("\tsignal({sig}, SIG_IGN); /* it is posted too: ignored, the call returns */\n")
    });
    let mut numbers: Vec<(String, String)> = spec
        .syscalls
        .iter()
        .filter(|c| {
            matches!(c.status, Status::NotImplemented { .. })
                || c.kind == crate::model::SyscallKind::Retired
        })
        .map(|c| {
            (
                format!("{} ({})", c.name, c.number),
                format!("{}UL", c.number),
            )
        })
        .collect();
    let max = spec.syscalls.iter().map(|c| c.number).max().unwrap_or(0);
    for n in [
        u64::from(max) + 1,
        u64::from(max) + 64,
        0x7fff_ffff,
        0xffff_ffff,
    ] {
        numbers.push((format!("{n}"), format!("{n}UL")));
    }
    if spec.data_model.word_bytes >= 8 {
        // Bits above 32 must not be dropped (1<<32 would be slot 0).
        numbers.push(("1<<32".into(), "1UL << 32".into()));
        numbers.push(("-1".into(), "~0UL".into()));
    }
    let checks: Vec<Check> = numbers
        .into_iter()
        .map(|(label, n)| Check {
            label,
            not: false,
            errno: errno.clone(),
            prelude: prelude.clone(),
            args: vec![n],
        })
        .collect();
    let mut out = String::new();
    header(
        &mut out,
        &common::file_stem(spec),
        source,
        &format!(
            "Numbers {} does not serve (not implemented or retired slots, numbers past the table) give {errno}{}.",
            spec.abi.name,
            unknown
                .signal
                .as_ref()
                .map_or(String::new(), |s| format!(" (and {s}, ignored here)"))
        ),
        &[],
    );
    for (k, c) in checks.iter().enumerate() {
        let _ = writeln!(
            out,
            "static long check_{k}(void)\n{{\n{}\treturn nt_neg_raw({});\n}}\n",
            c.prelude, c.args[0]
        );
    }
    footer(&mut out, "neg_nosys", &checks);
    Some(out)
}
