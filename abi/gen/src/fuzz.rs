//! The syscall fuzzer's table: `<abi>/fuzz_table.h` for libc-shim, one entry per call
//! the fuzzer may make, with each argument's kind as the spec declares it (descriptor,
//! size, flags with their defined bits, enum values, pointers with direction, pointee
//! size and length argument, C strings) and the spec's `fuzz` restrictions. Calls whose
//! `fuzz.skip` is set are listed in a comment with the reason.
//!
//! Only ABIs the fuzzer runs on get a table: the native family (x86_64, `nymph-*`).

use std::fmt::Write as _;

use crate::common::{calls, file_stem};
use crate::model::{Arch, Dir, FuzzArg, LenUnit, Spec, Syscall, TypeDef, TypeRef};
use crate::output::Files;

/// What the fuzzer knows of one argument.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ArgInfo {
    kind: &'static str,
    bits: u32,
    signed: bool,
    mask: u64,
    values: Vec<i128>,
    restricted: bool,
    dir: &'static str,
    nullable: bool,
    elem_size: u64,
    len_arg: i64,
    len_elements: bool,
    size_field: Option<(u64, u64)>,
    struct_size: u64,
    set_bits: u64,
    zero_fill: bool,
}

impl Default for ArgInfo {
    fn default() -> Self {
        ArgInfo {
            kind: "FZ_INT",
            bits: 64,
            signed: false,
            mask: 0,
            values: Vec::new(),
            restricted: false,
            dir: "FZ_DIR_NONE",
            nullable: false,
            elem_size: 0,
            len_arg: -1,
            len_elements: false,
            size_field: None,
            struct_size: 0,
            set_bits: 0,
            zero_fill: false,
        }
    }
}

/// Follows aliases from `name` to a primitive, flag set, enum or struct.
fn classify_named(spec: &Spec, name: &str, info: &mut ArgInfo) {
    let mut n = name.to_owned();
    for _ in 0..32 {
        match n.as_str() {
            "fd_t" => {
                info.kind = "FZ_FD";
                info.bits = 32;
                info.signed = true;
                return;
            }
            "size_t" | "ssize_t" => {
                info.kind = "FZ_SIZE";
                info.bits = 64;
                return;
            }
            _ => {}
        }
        if let Some((bits, signed)) = crate::model::primitive_int(&n) {
            info.bits = bits;
            info.signed = signed;
            return;
        }
        match spec.types.get(&n) {
            Some(TypeDef::Alias(a)) => match &a.of {
                TypeRef::Named(next) => n.clone_from(next),
                _ => return,
            },
            Some(TypeDef::Flags(e)) => {
                info.kind = "FZ_FLAGS";
                info.mask = e
                    .values
                    .iter()
                    .filter_map(|v| v.value.as_u64())
                    .fold(0, |m, v| m | v);
                set_repr(&e.repr, info);
                return;
            }
            Some(TypeDef::Enum(e)) => {
                info.kind = "FZ_ENUM";
                info.values = e.values.iter().map(|v| v.value.0).collect();
                set_repr(&e.repr, info);
                return;
            }
            _ => return,
        }
    }
}

fn set_repr(repr: &str, info: &mut ArgInfo) {
    if let Some((bits, signed)) = crate::model::primitive_int(repr) {
        info.bits = bits;
        info.signed = signed;
    }
}

fn arg_info(spec: &Spec, call: &Syscall, ty: &TypeRef, hint: Option<&FuzzArg>) -> ArgInfo {
    let mut info = ArgInfo::default();
    match ty {
        TypeRef::Named(n) => classify_named(spec, n, &mut info),
        TypeRef::Cstr(_) => info.kind = "FZ_CSTR",
        TypeRef::Array(_) => {}
        TypeRef::Ptr(p) => {
            info.kind = "FZ_PTR";
            info.dir = match p.dir {
                Dir::In => "FZ_DIR_IN",
                Dir::Out => "FZ_DIR_OUT",
                Dir::Inout => "FZ_DIR_INOUT",
                Dir::None => "FZ_DIR_NONE",
            };
            info.nullable = p.nullable;
            info.elem_size = spec.layout(&p.ptr).map_or(0, |l| l.size);
            if let Some(len) = &p.len {
                info.len_elements = len.unit == LenUnit::Elements;
                if let Some(a) = &len.arg
                    && !len.via_ptr
                {
                    info.len_arg = call
                        .args
                        .iter()
                        .position(|x| &x.name == a)
                        .and_then(|i| i64::try_from(i).ok())
                        .unwrap_or(-1);
                }
            }
            if let TypeRef::Named(n) = p.ptr.as_ref()
                && let Some(TypeDef::Struct(s)) = spec.types.get(n)
            {
                info.struct_size = s.size;
                if let Some(ext) = &s.extensible
                    && let Some(f) = s.fields.iter().find(|f| f.name == ext.size_field)
                {
                    let bytes = spec.layout(&f.ty).map_or(4, |l| l.size);
                    info.size_field = Some((f.offset, bytes));
                }
            }
        }
    }
    if let Some(h) = hint {
        if !h.values.is_empty() {
            info.values = h.values.iter().map(|v| v.0).collect();
            info.restricted = true;
        }
        info.set_bits = h.set_bits.and_then(|v| v.as_u64()).unwrap_or(0);
        info.zero_fill = h.zero_fill;
    }
    info
}

fn c_int(v: i128) -> String {
    if v < 0 {
        format!("{v}LL")
    } else {
        format!("{v}ULL")
    }
}

/// The table for one ABI.
fn table(source: &str, spec: &Spec) -> String {
    let mut o = String::new();
    let guard =
        format!("NYMPH_FUZZ_TABLE_{}", crate::names::snake(&file_stem(spec))).to_uppercase();
    let _ = writeln!(
        o,
        "/* Generated by abi-gen from {source}; do not edit. The syscall fuzzer's table\n * (abi-tests/fuzz/fuzzer.c): every call it may make and each argument's kind. */"
    );
    let _ = writeln!(o, "#ifndef {guard}\n#define {guard}\n");
    o.push_str(
        "enum fz_kind { FZ_INT, FZ_FD, FZ_SIZE, FZ_FLAGS, FZ_ENUM, FZ_PTR, FZ_CSTR };\n\
         enum fz_dir { FZ_DIR_NONE, FZ_DIR_IN, FZ_DIR_OUT, FZ_DIR_INOUT };\n\n\
         struct fz_arg {\n\
         \tconst char *name;\n\
         \tint kind;\n\
         \tint bits;                    /* width of an integer argument */\n\
         \tint is_signed;\n\
         \tunsigned long long mask;     /* FZ_FLAGS: the defined bits */\n\
         \tconst long long *values;     /* FZ_ENUM values, or the only values allowed */\n\
         \tint nvalues;\n\
         \tint restricted;              /* values are a restriction from the spec */\n\
         \tint dir;                     /* FZ_PTR */\n\
         \tint nullable;\n\
         \tunsigned long elem_size;     /* pointee size (0: void or unknown) */\n\
         \tint len_arg;                 /* index of the argument holding the length, or -1 */\n\
         \tint len_elements;            /* the length counts elements, not bytes */\n\
         \tlong size_field_off;         /* extensible struct: offset of its size field, or -1 */\n\
         \tint size_field_bytes;\n\
         \tunsigned long struct_size;\n\
         \tunsigned long long set_bits; /* always set in the drawn value */\n\
         \tint zero_fill;               /* an input buffer holds zeros */\n\
         };\n\n\
         struct fz_call {\n\
         \tint nr;\n\
         \tconst char *name;\n\
         \tint nargs;\n\
         \tint child_exits;             /* returns 0 in a new process: end it at once */\n\
         \tstruct fz_arg args[6];\n\
         };\n\n",
    );
    let mut entries = String::new();
    let mut skipped = String::new();
    let mut count = 0usize;
    for (call, _) in calls(spec) {
        if call.kind == crate::model::SyscallKind::Retired {
            continue;
        }
        let hint = call.fuzz.clone().unwrap_or_default();
        if let Some(why) = &hint.skip {
            let _ = writeln!(skipped, " *   {} ({}): {}", call.name, call.number, why);
            continue;
        }
        count += 1;
        let _ = writeln!(
            entries,
            "\t{{ {}, \"{}\", {}, {}, {{",
            call.number,
            call.name,
            call.args.len(),
            u8::from(hint.child_exits)
        );
        for a in &call.args {
            let info = arg_info(spec, call, &a.ty, hint.args.get(&a.name));
            let values = if info.values.is_empty() {
                "0".to_owned()
            } else {
                let id = format!("fz_v_{}_{}", call.name, a.name);
                let list: Vec<String> = info.values.iter().map(|v| c_int(*v)).collect();
                let _ = writeln!(
                    o,
                    "static const long long {id}[] = {{ {} }};",
                    list.join(", ")
                );
                id
            };
            let (off, bytes) = info
                .size_field
                .map_or((-1, 0), |(o, b)| (i64::try_from(o).unwrap_or(-1), b));
            let _ = writeln!(
                entries,
                "\t\t{{ \"{}\", {}, {}, {}, 0x{:X}ULL, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0x{:X}ULL, {} }},",
                a.name,
                info.kind,
                info.bits,
                u8::from(info.signed),
                info.mask,
                values,
                info.values.len(),
                u8::from(info.restricted),
                info.dir,
                u8::from(info.nullable),
                info.elem_size,
                info.len_arg,
                u8::from(info.len_elements),
                off,
                bytes,
                info.struct_size,
                info.set_bits,
                u8::from(info.zero_fill)
            );
        }
        entries.push_str("\t} },\n");
    }
    if !skipped.is_empty() {
        let _ = write!(
            o,
            "\n/* Calls the fuzzer never makes (the spec's fuzz.skip):\n{skipped} */\n"
        );
    }
    let _ = writeln!(
        o,
        "\n#define FZ_NCALLS {count}\nstatic const struct fz_call fz_calls[FZ_NCALLS] = {{\n{entries}}};\n\n#endif"
    );
    o
}

/// `<abi>/fuzz_table.h` for every native (x86_64) ABI.
#[must_use]
pub fn generate(specs: &[(&str, &Spec)]) -> Files {
    let mut files = Files::default();
    for (source, spec) in specs {
        if spec.abi.arch != Arch::X86_64 {
            continue;
        }
        files.push(
            format!("{}/fuzz_table.h", file_stem(spec)),
            table(source, spec),
        );
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_table_lists_calls_and_skips() {
        let path = crate::targets::workspace_root().join("abi/spec/native-v1.json");
        let spec = crate::model::load(&path).expect("spec loads");
        let h = table("abi/spec/native-v1.json", &spec);
        assert!(h.contains("\"read\", 3"));
        assert!(h.contains("FZ_FD"));
        assert!(h.contains("exit (0): "));
        assert!(!h.contains("\"execve\""));
        assert!(h.contains("fz_v_fcntl_cmd"));
    }
}
