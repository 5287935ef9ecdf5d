//! The syscall fuzzer's table: `<abi>/fuzz_table.h` for libc-shim, one entry per call
//! the fuzzer may make, with each argument's kind as the spec declares it (descriptor,
//! size, flags with their defined bits, enum values, pointers with direction, pointee
//! size and length argument, C strings, pad words) and the spec's `fuzz` restrictions;
//! ioctl's request is drawn (mostly) from the spec's `ioctls` as an enum.
//! Calls whose `fuzz.skip` is set are listed in a comment with the reason; slots Nymph
//! does not serve (status `not_implemented`) are left out (4.x answers those with
//! SIGSYS, which would only kill the fuzzer).
//!
//! Every ABI gets a table: the native family (x86_64, one register per argument) and
//! FreeBSD 4.x i386 (arguments as 32-bit words on the user stack, a 64-bit `off_t` two
//! words, low first, after the spec's pad word). Each argument's width and word count
//! come from its layout in the ABI's data model.

use std::fmt::Write as _;

use crate::common::{calls, file_stem};
use crate::model::{Arg, Dir, FuzzArg, LenUnit, Spec, Status, Syscall, TypeDef, TypeRef};
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
    not_null: bool,
    words: u64,
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
            not_null: false,
            words: 1,
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
                info.signed = true;
                return;
            }
            "size_t" | "ssize_t" => {
                info.kind = "FZ_SIZE";
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

fn arg_info(spec: &Spec, call: &Syscall, arg: &Arg, hint: Option<&FuzzArg>) -> ArgInfo {
    let mut info = ArgInfo::default();
    let ty = &arg.ty;
    // Width and words from the layout: a pointer or word is 32 bits on i386, and a
    // 64-bit value there takes two stack words.
    let word = u64::from(spec.data_model.word_bytes.max(1));
    if let Some(l) = spec.layout(ty) {
        info.bits = u32::try_from(l.size * 8).unwrap_or(64).min(64);
        info.words = l.size.div_ceil(word).max(1);
    }
    if arg.pad {
        info.kind = "FZ_PAD";
        return info;
    }
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
        info.not_null = h.not_null;
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
    let mut entries = String::new();
    let mut skipped = String::new();
    let mut unserved = 0usize;
    let mut count = 0usize;
    let mut max_args = 0usize;
    let mut max_words = 0u64;
    let mut values_decls = String::new();
    for (call, id) in calls(spec) {
        if call.kind == crate::model::SyscallKind::Retired {
            continue;
        }
        if matches!(call.status, Status::NotImplemented { .. }) {
            unserved += 1;
            continue;
        }
        let hint = call.fuzz.clone().unwrap_or_default();
        if let Some(why) = &hint.skip {
            let _ = writeln!(skipped, " *   {id} ({}): {}", call.number, why);
            continue;
        }
        count += 1;
        max_args = max_args.max(call.args.len());
        let _ = writeln!(
            entries,
            "\t{{ {}, \"{id}\", {}, {}, {{",
            call.number,
            call.args.len(),
            u8::from(hint.child_exits)
        );
        let mut words = 0;
        for (i, a) in call.args.iter().enumerate() {
            let mut info = arg_info(spec, call, a, hint.args.get(&a.name));
            // ioctl's request is mostly one the spec lists (a random word is only ENOTTY).
            if call.name == "ioctl" && i == 1 && info.kind == "FZ_INT" && !spec.ioctls.is_empty() {
                info.kind = "FZ_ENUM";
                info.values = spec.ioctls.iter().map(|io| io.number.0).collect();
            }
            words += info.words;
            let values = if info.values.is_empty() {
                "0".to_owned()
            } else {
                let vid = format!("fz_v_{id}_{}", a.name);
                let list: Vec<String> = info.values.iter().map(|v| c_int(*v)).collect();
                let _ = writeln!(
                    values_decls,
                    "static const long long {vid}[] = {{ {} }};",
                    list.join(", ")
                );
                vid
            };
            let (off, bytes) = info
                .size_field
                .map_or((-1, 0), |(o, b)| (i64::try_from(o).unwrap_or(-1), b));
            let _ = writeln!(
                entries,
                "\t\t{{ \"{}\", {}, {}, {}, {}, 0x{:X}ULL, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0x{:X}ULL, {}, {} }},",
                a.name,
                info.kind,
                info.bits,
                info.words,
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
                u8::from(info.zero_fill),
                u8::from(info.not_null)
            );
        }
        max_words = max_words.max(words);
        entries.push_str("\t} },\n");
    }
    let word_bits = spec.data_model.word_bytes * 8;
    let max_args = max_args.max(1);
    let _ = write!(
        o,
        "/* Arguments are {word_bits}-bit words ({}). */\n\
         #define FZ_WORD_BITS {word_bits}\n\
         #define FZ_MAX_ARGS {max_args}     /* arguments of the widest call */\n\
         #define FZ_MAX_WORDS {}    /* the words they take */\n\n",
        if spec.data_model.pointer_bytes == 4 {
            "on the user stack; a 64-bit argument takes two, low first"
        } else {
            "in registers"
        },
        max_words.max(1)
    );
    o.push_str(
        "enum fz_kind { FZ_INT, FZ_FD, FZ_SIZE, FZ_FLAGS, FZ_ENUM, FZ_PTR, FZ_CSTR, FZ_PAD };\n\
         enum fz_dir { FZ_DIR_NONE, FZ_DIR_IN, FZ_DIR_OUT, FZ_DIR_INOUT };\n\n\
         struct fz_arg {\n\
         \tconst char *name;\n\
         \tint kind;                    /* FZ_PAD: an alignment word that carries nothing */\n\
         \tint bits;                    /* width of the argument */\n\
         \tint words;                   /* argument words it takes */\n\
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
         \tint not_null;                /* never NULL (NULL would wait forever) */\n\
         };\n\n\
         struct fz_call {\n\
         \tint nr;\n\
         \tconst char *name;\n\
         \tint nargs;\n\
         \tint child_exits;             /* returns 0 in a new process: end it at once */\n\
         \tstruct fz_arg args[FZ_MAX_ARGS];\n\
         };\n\n",
    );
    o.push_str(&values_decls);
    if !skipped.is_empty() {
        let _ = write!(
            o,
            "\n/* Calls the fuzzer never makes (the spec's fuzz.skip):\n{skipped} */\n"
        );
    }
    if unserved > 0 {
        let _ = write!(
            o,
            "\n/* {unserved} slots Nymph does not serve (status not_implemented) are left out. */\n"
        );
    }
    let _ = writeln!(
        o,
        "\n#define FZ_NCALLS {count}\nstatic const struct fz_call fz_calls[FZ_NCALLS] = {{\n{entries}}};\n\n#endif"
    );
    o
}

/// `<abi>/fuzz_table.h` for every ABI.
#[must_use]
pub fn generate(specs: &[(&str, &Spec)]) -> Files {
    let mut files = Files::default();
    for (source, spec) in specs {
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
        assert!(h.contains("#define FZ_WORD_BITS 64"));
        // Unserved slots are left out.
        assert!(!h.contains("\"sigsuspend\""));
    }

    #[test]
    fn freebsd_table_has_words_pads_and_served_calls_only() {
        let path = crate::targets::workspace_root().join("abi/spec/freebsd4-i386.json");
        let spec = crate::model::load(&path).expect("spec loads");
        let h = table("abi/spec/freebsd4-i386.json", &spec);
        assert!(h.contains("#define FZ_WORD_BITS 32"));
        // read(fd, buf, nbyte): a descriptor, a 32-bit pointer, a 32-bit size.
        assert!(h.contains("{ 3, \"read\", 3, 0, {"), "{h}");
        assert!(h.contains("{ \"fd\", FZ_FD, 32, 1,"));
        assert!(h.contains("{ \"buf\", FZ_PTR, 32, 1,"));
        assert!(h.contains("{ \"nbyte\", FZ_SIZE, 32, 1,"));
        // lseek(fd, pad, offset, whence): the off_t takes two words after the pad word.
        assert!(h.contains("{ \"pad\", FZ_PAD, 32, 1,"));
        assert!(h.contains("{ \"offset\", FZ_INT, 64, 2,"));
        // Old-compat slots carry their o-name; unserved ones (ptrace) are left out.
        assert!(h.contains("\"osigaction\""));
        assert!(!h.contains("\"ptrace\""));
        assert!(h.contains("exit (1): "));
    }
}
