//! The C generator, for libc-shim: per ABI a types header (structs with size and
//! offset assertions, constants, flags, enums, errno, signals), a syscall header
//! (`SYS_<name>` numbers, `__sys_<name>` prototypes) and assembly stubs.
//!
//! Stubs: i386 uses `int $0x80` with the arguments left where the C caller put them
//! (the kernel reads them from the user stack) and turns a set carry flag into
//! `errno = eax; return -1`; x86_64 uses `syscall` with the fourth argument moved from
//! rcx to r10, and turns a result in [min, -1] into `errno = -rax; return -1`. Calls
//! that also return a value in edx (pipe, fork...) are declared returning `uint64_t`:
//! edx:eax is exactly where i386 C returns a 64-bit value. So are the indirect calls
//! (`syscall`, `__syscall`): they return what the call they reach returns, which may be
//! a pair or an `off_t` (lseek through `__syscall`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::common;
use crate::model::{
    Arch, ArgLocation, Dir, ErrorReturn, Spec, Syscall, TypeDef, TypeRef, primitive_int,
};
use crate::names::c_ident;
use crate::output::Files;

/// Generates `<abi>/types.h`, `<abi>/syscalls.h`, `<abi>/syscalls.S` per spec.
///
/// # Errors
/// A spec form the C generator cannot express.
pub fn generate(specs: &[(&str, &Spec)]) -> Result<Files, String> {
    let mut f = Files::default();
    for (source, spec) in specs {
        let stem = common::file_stem(spec);
        f.push(format!("{stem}/types.h"), types_h(spec, source)?);
        f.push(format!("{stem}/syscalls.h"), syscalls_h(spec, source)?);
        f.push(format!("{stem}/syscalls.S"), syscalls_s(spec, source)?);
    }
    Ok(f)
}

fn guard(spec: &Spec, what: &str) -> String {
    format!(
        "NYMPH_{}_{what}_H",
        c_ident(&common::module_name(spec)).to_ascii_uppercase()
    )
}

fn int_c(bits: u32, signed: bool) -> String {
    format!("{}int{bits}_t", if signed { "" } else { "u" })
}

/// The C spelling of a struct's tag (`stat` for `struct stat`).
fn tag(spec: &Spec, name: &str) -> String {
    let _ = spec;
    c_ident(name)
}

fn is_union(spec: &Spec, name: &str) -> bool {
    matches!(spec.types.get(name), Some(TypeDef::Union(_)))
}

/// The C type (prefix) and array suffix of a field of type `t`.
fn c_field(spec: &Spec, t: &TypeRef) -> Result<(String, String), String> {
    match t {
        TypeRef::Ptr(p) => Ok((
            if p.dir == Dir::In {
                "const void *".into()
            } else {
                "void *".into()
            },
            String::new(),
        )),
        TypeRef::Cstr(_) => Ok(("const char *".into(), String::new())),
        TypeRef::Array(a) => {
            let (base, suffix) = c_field(spec, &a.array)?;
            Ok((base, format!("[{}]{suffix}", a.count)))
        }
        TypeRef::Named(n) => {
            if let Some((bits, signed)) = primitive_int(n) {
                return Ok((int_c(bits, signed), String::new()));
            }
            match spec.types.get(n) {
                None => Err(format!("unknown type {n}")),
                Some(TypeDef::Alias(a)) => c_field(spec, &a.of),
                Some(TypeDef::Enum(e) | TypeDef::Flags(e)) => {
                    c_field(spec, &TypeRef::Named(e.repr.clone()))
                }
                Some(TypeDef::Struct(_)) => Ok((format!("struct {}", tag(spec, n)), String::new())),
                Some(TypeDef::Union(_)) => Ok((format!("union {}", tag(spec, n)), String::new())),
            }
        }
    }
}

/// Struct and union names `t` needs defined before it (by value, through arrays and aliases).
fn deps(spec: &Spec, t: &TypeRef, out: &mut Vec<String>) {
    match t {
        TypeRef::Array(a) => deps(spec, &a.array, out),
        TypeRef::Named(n) => match spec.types.get(n) {
            Some(TypeDef::Alias(a)) => deps(spec, &a.of, out),
            Some(TypeDef::Struct(_) | TypeDef::Union(_)) => out.push(n.clone()),
            _ => {}
        },
        _ => {}
    }
}

fn emit_struct(
    spec: &Spec,
    name: &str,
    done: &mut BTreeSet<String>,
    o: &mut String,
) -> Result<(), String> {
    if !done.insert(name.to_owned()) {
        return Ok(());
    }
    let Some(s) = spec.struct_def(name) else {
        return Ok(());
    };
    for f in &s.fields {
        let mut d = Vec::new();
        deps(spec, &f.ty, &mut d);
        for n in d {
            emit_struct(spec, &n, done, o)?;
        }
    }
    let kw = if is_union(spec, name) {
        "union"
    } else {
        "struct"
    };
    let t = tag(spec, name);
    if let Some(doc) = &s.doc {
        let _ = writeln!(o, "/* {} */", doc.replace("*/", "* /").replace('\n', " "));
    }
    let _ = writeln!(o, "{kw} {t} {{");
    for f in &s.fields {
        let (base, suffix) = c_field(spec, &f.ty)?;
        let sep = if base.ends_with('*') { "" } else { " " };
        let _ = writeln!(
            o,
            "\t{base}{sep}{}{suffix};\t/* {} */",
            c_ident(&f.name),
            f.offset
        );
    }
    let _ = writeln!(o, "}};");
    let _ = writeln!(
        o,
        "_Static_assert(sizeof({kw} {t}) == {}, \"{kw} {t}: size\");",
        s.size
    );
    let _ = writeln!(
        o,
        "_Static_assert(_Alignof({kw} {t}) == {}, \"{kw} {t}: alignment\");",
        s.align
    );
    if kw == "struct" {
        for f in &s.fields {
            let _ = writeln!(
                o,
                "_Static_assert(__builtin_offsetof({kw} {t}, {}) == {}, \"{t}.{}: offset\");",
                c_ident(&f.name),
                f.offset,
                f.name
            );
        }
    }
    if let Some(c) = &s.c_name
        && !c.starts_with("struct ")
        && !c.starts_with("union ")
        && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        let _ = writeln!(o, "typedef {kw} {t} {c};");
    }
    o.push('\n');
    Ok(())
}

fn c_lit(v: i128) -> String {
    if v < 0 {
        if v >= i128::from(i32::MIN) {
            format!("({v})")
        } else {
            format!("({v}LL)")
        }
    } else if v > i128::from(u32::MAX) {
        format!("{v:#x}ULL")
    } else if v > i128::from(i32::MAX) {
        format!("{v:#x}U")
    } else if v >= 16 {
        format!("{v:#x}")
    } else {
        format!("{v}")
    }
}

fn header_top(o: &mut String, spec: &Spec, source: &str, what: &str) {
    let g = guard(spec, what);
    let _ = writeln!(
        o,
        "/*\n * {} ({what}).\n * Generated by abi-gen from {source}: do not edit.\n */\n#ifndef {g}\n#define {g}\n",
        spec.abi.title.as_deref().unwrap_or(&spec.abi.name)
    );
}

fn types_h(spec: &Spec, source: &str) -> Result<String, String> {
    let mut o = String::new();
    header_top(&mut o, spec, source, "TYPES");
    o.push_str("#include <stdint.h>\n\n");
    let _ = writeln!(
        o,
        "_Static_assert(sizeof(void *) == {}, \"this header is for {} ({:?})\");\n",
        spec.data_model.pointer_bytes, spec.abi.name, spec.abi.arch
    );
    o.push_str("/* Typedefs of the ABI, for code that does not get them from elsewhere. */\n#ifdef NYMPH_ABI_TYPEDEFS\n");
    for (name, def) in &spec.types {
        if let TypeDef::Alias(a) = def {
            let cn = a.c_name.as_deref().unwrap_or(name);
            if !cn.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') || c_ident(cn) != cn {
                continue;
            }
            if matches!(&a.of, TypeRef::Named(n) if n == "void") {
                continue;
            }
            let (base, suffix) = c_field(spec, &a.of)?;
            let sep = if base.ends_with('*') { "" } else { " " };
            let _ = writeln!(o, "typedef {base}{sep}{cn}{suffix};");
        }
    }
    o.push_str("#endif\n\n");
    // Constants, enums, flags.
    o.push_str("/* Constants. */\n");
    for c in &spec.constants {
        let _ = writeln!(o, "#define {} {}", c_ident(&c.name), c_lit(c.value.0));
    }
    for (name, def) in &spec.types {
        if let TypeDef::Enum(e) | TypeDef::Flags(e) = def {
            let _ = writeln!(o, "\n/* {name} */");
            for v in &e.values {
                let _ = writeln!(o, "#define {} {}", c_ident(&v.name), c_lit(v.value.0));
            }
        }
    }
    o.push_str("\n/* errno values. */\n");
    for e in &spec.errno {
        if e.internal {
            let _ = writeln!(
                o,
                "#define {} {}\t/* kernel-internal */",
                c_ident(&e.name),
                c_lit(i128::from(e.value))
            );
        } else {
            let _ = writeln!(
                o,
                "#define {} {}",
                c_ident(&e.name),
                c_lit(i128::from(e.value))
            );
        }
        for a in &e.aliases {
            let _ = writeln!(o, "#define {} {}", c_ident(a), c_ident(&e.name));
        }
    }
    o.push_str("\n/* Signals. */\n");
    for s in &spec.signals.list {
        let _ = writeln!(o, "#define {} {}", c_ident(&s.name), s.value);
    }
    if !spec.ioctls.is_empty() {
        o.push_str("\n/* ioctl requests. */\n");
        for io in &spec.ioctls {
            let _ = writeln!(o, "#define {} {}", c_ident(&io.name), c_lit(io.number.0));
        }
    }
    o.push_str(
        "\n/* Structs and unions, each with its size, alignment and offsets asserted. */\n\n",
    );
    let mut done = BTreeSet::new();
    for (name, def) in &spec.types {
        if matches!(def, TypeDef::Struct(_) | TypeDef::Union(_)) {
            emit_struct(spec, name, &mut done, &mut o)?;
        }
    }
    let _ = writeln!(o, "#endif /* {} */", guard(spec, "TYPES"));
    Ok(o)
}

/// Whether the call also returns a value in the second success register (on i386 the
/// indirect calls do whenever the call they reach does, so they always return the pair).
fn pair_return(spec: &Spec, c: &Syscall) -> bool {
    spec.abi.arch == Arch::I386 && (!c.extra_returns.is_empty() || c.indirect)
}

fn c_arg(spec: &Spec, t: &TypeRef) -> Result<String, String> {
    match spec.resolve(t) {
        TypeRef::Named(n) if n == "void" => Ok("void".into()),
        TypeRef::Array(_) => Err(format!("array argument {t}")),
        r => {
            let (base, _) = c_field(spec, r)?;
            Ok(base)
        }
    }
}

fn prototype(spec: &Spec, c: &Syscall, id: &str) -> Result<String, String> {
    let ret = if pair_return(spec, c) {
        "uint64_t".to_owned()
    } else {
        match c_arg(spec, &c.ret)? {
            v if v == "void" => "long".to_owned(),
            v => v,
        }
    };
    let mut params = Vec::new();
    if c.indirect {
        let code_words = spec
            .calling_convention
            .indirect
            .iter()
            .find(|i| i.number == c.number)
            .map_or(1, |i| i.code_words);
        params.push(if code_words == 2 {
            "int64_t code".to_owned()
        } else {
            "int code".to_owned()
        });
        params.push("...".to_owned());
    } else {
        for a in &c.args {
            let t = c_arg(spec, &a.ty)?;
            let sep = if t.ends_with('*') { "" } else { " " };
            params.push(format!("{t}{sep}{}", c_ident(&a.name)));
        }
        if params.is_empty() {
            params.push("void".into());
        }
    }
    Ok(format!("{ret} __sys_{id}({});", params.join(", ")))
}

fn syscalls_h(spec: &Spec, source: &str) -> Result<String, String> {
    let mut o = String::new();
    header_top(&mut o, spec, source, "SYSCALLS");
    let _ = writeln!(o, "#include \"types.h\"\n");
    o.push_str("/* Set by the stubs on failure; libc-shim defines it. */\nextern int errno;\n\n");
    o.push_str("/* Syscall numbers. */\n");
    let calls = common::calls(spec);
    for (c, id) in &calls {
        let _ = writeln!(o, "#define SYS_{} {}", id.trim_end_matches('_'), c.number);
    }
    o.push_str(
        "\n/*\n * Raw stubs (syscalls.S): return the kernel's result, or -1 with errno set.\n",
    );
    if spec.abi.arch == Arch::I386 {
        o.push_str(
            " * A uint64_t result is the edx:eax pair (for example pipe: fd0 low, fd1 high).\n",
        );
    }
    o.push_str(" */\n");
    for (c, id) in &calls {
        let _ = writeln!(o, "{}", prototype(spec, c, id)?);
    }
    let _ = writeln!(o, "\n#endif /* {} */", guard(spec, "SYSCALLS"));
    Ok(o)
}

fn syscalls_s(spec: &Spec, source: &str) -> Result<String, String> {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "/*\n * {}: syscall stubs.\n * Generated by abi-gen from {source}: do not edit.\n */\n\n\t.text\n",
        spec.abi.title.as_deref().unwrap_or(&spec.abi.name)
    );
    let calls = common::calls(spec);
    let trap = spec
        .calling_convention
        .traps
        .iter()
        .find(|t| t.used_by_libc)
        .or_else(|| spec.calling_convention.traps.first())
        .map(|t| t.insn.clone())
        .ok_or("no trap instruction")?;
    match (spec.abi.arch, &spec.calling_convention.error) {
        (Arch::I386, ErrorReturn::CarryFlag { .. }) => {
            for (c, id) in &calls {
                let sym = format!("__sys_{id}");
                let _ = writeln!(
                    o,
                    "\t.globl\t{sym}\n\t.type\t{sym}, @function\n{sym}:\n\tmovl\t${}, %eax\n\t{trap}\n\tjb\t.Lcerror\n\tret\n\t.size\t{sym}, .-{sym}\n",
                    c.number
                );
            }
            o.push_str(
                ".Lcerror:\n\tmovl\t%eax, errno\n\tmovl\t$-1, %eax\n\tmovl\t$-1, %edx\n\tret\n",
            );
        }
        (Arch::X86_64, ErrorReturn::NegativeErrno { min, .. }) => {
            let ArgLocation::Registers { registers } = &spec.calling_convention.args else {
                return Err("x86_64 stubs need register arguments".into());
            };
            const C_ARGS: [&str; 6] = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"];
            for (c, id) in &calls {
                let sym = format!("__sys_{id}");
                let _ = writeln!(o, "\t.globl\t{sym}\n\t.type\t{sym}, @function\n{sym}:");
                let n = c.args.len().min(registers.len());
                for (i, reg) in registers.iter().enumerate().take(n) {
                    let creg = C_ARGS.get(i).copied().unwrap_or("");
                    if creg != reg {
                        let _ = writeln!(o, "\tmovq\t%{creg}, %{reg}");
                    }
                }
                let _ = writeln!(
                    o,
                    "\tmovl\t${}, %eax\n\t{trap}\n\tcmpq\t${min}, %rax\n\tjae\t.Lerror\n\tret\n\t.size\t{sym}, .-{sym}\n",
                    c.number
                );
            }
            o.push_str(
                ".Lerror:\n\tnegl\t%eax\n\tmovl\t%eax, errno(%rip)\n\tmovq\t$-1, %rax\n\tret\n",
            );
        }
        (arch, _) => {
            return Err(format!(
                "no stub convention for {arch:?} with this error style"
            ));
        }
    }
    o.push_str("\n\t.section\t.note.GNU-stack,\"\",@progbits\n");
    Ok(o)
}
