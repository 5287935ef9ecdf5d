//! The syscall tracer's tables, part of each ABI's Rust module: `TRACE`, an
//! `nymph_abi::trace::AbiTrace` holding per slot the call's name, each argument's name,
//! kind (number, size, descriptor, pointer, C string, flag set or enum with its value
//! names, mode, ioctl request), width and argument words, the return kind, and the errno
//! names. The formatter that reads them is hand-written (`abi/src/trace.rs`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::common;
use crate::model::{Int, Spec, Syscall, TypeDef, TypeRef, WideSplit, primitive_int};
use crate::names::os_type;

/// A table of value names the section emits once, however many arguments use it.
enum Table {
    Flags(Vec<(String, u64)>),
    Enum(Vec<(String, i64)>),
}

/// The Rust source of the trace section of `spec`'s module.
///
/// # Errors
/// An argument without a layout, or a value that does not fit 64 bits.
pub fn section(spec: &Spec) -> Result<String, String> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut slots = String::new();
    let slot_list = common::slots(spec);
    for slot in &slot_list {
        match slot.call.filter(|c| common::is_call(c.kind)) {
            Some(c) => {
                let entry = call_entry(spec, c, &mut tables)?;
                let _ = writeln!(slots, "    Some({entry}),");
            }
            None => slots.push_str("    None,\n"),
        }
    }
    let mut o = String::new();
    o.push_str("// ---- Tracing ------------------------------------------------------------\n\n");
    let high_first = spec.calling_convention.wide_args.split == WideSplit::HighWordFirst;
    let at_fdcwd = match spec.constant_value("AT_FDCWD") {
        Some(v) => format!("Some({})", i64_of(v)?),
        None => "None".to_owned(),
    };
    let _ = writeln!(
        o,
        "use crate::trace as tr;\n\n\
         /// What the syscall tracer prints each call of this ABI from (`crate::trace`).\n\
         pub static TRACE: tr::AbiTrace = tr::AbiTrace {{\n    \
         calls: &TRACE_CALLS,\n    errno: errno::NAMES,\n    \
         wide_high_first: {high_first},\n    at_fdcwd: {at_fdcwd},\n}};\n"
    );
    let _ = writeln!(
        o,
        "static TRACE_CALLS: [Option<tr::Call>; {}] = [\n{slots}];\n",
        slot_list.len()
    );
    for (name, table) in &tables {
        match table {
            Table::Flags(values) => {
                let _ = writeln!(o, "static {name}: &[(&str, u64)] = &[");
                for (n, v) in values {
                    let _ = writeln!(o, "    ({n:?}, {v:#x}),");
                }
            }
            Table::Enum(values) => {
                let _ = writeln!(o, "static {name}: &[(&str, i64)] = &[");
                for (n, v) in values {
                    let _ = writeln!(o, "    ({n:?}, {v}),");
                }
            }
        }
        o.push_str("];\n\n");
    }
    Ok(o)
}

fn i64_of(v: Int) -> Result<i64, String> {
    i64::try_from(v.0).map_err(|_| format!("{v} does not fit 64 bits"))
}

/// A value as the bits of a 64-bit word (negative values two's-complement).
fn u64_bits(v: Int) -> Result<u64, String> {
    u64::try_from(v.0.rem_euclid(1 << 64)).map_err(|_| format!("{v} does not fit 64 bits"))
}

/// The names an argument's declared type goes through to its base (aliases followed).
fn name_chain<'a>(spec: &'a Spec, t: &'a TypeRef) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut cur = t;
    while let TypeRef::Named(n) = cur {
        if out.contains(&n.as_str()) || out.len() > 64 {
            break;
        }
        out.push(n.as_str());
        match spec.types.get(n) {
            Some(TypeDef::Alias(a)) => cur = &a.of,
            _ => break,
        }
    }
    out
}

/// Width in bits and signedness of an integer type (enums and flags by their repr).
fn int_of(spec: &Spec, t: &TypeRef) -> Option<(u32, bool)> {
    let chain = name_chain(spec, t);
    let last = *chain.last()?;
    if let Some(p) = primitive_int(last) {
        return Some(p);
    }
    match spec.types.get(last)? {
        TypeDef::Enum(e) | TypeDef::Flags(e) => int_of(spec, &TypeRef::Named(e.repr.clone())),
        _ => None,
    }
}

/// The `Kind` expression, width and signedness of argument `i` of `c`.
fn arg_kind(
    spec: &Spec,
    c: &Syscall,
    i: usize,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(String, u32, bool), String> {
    let a = &c.args[i];
    let ptr_bits = spec.data_model.pointer_bytes * 8;
    match spec.resolve(&a.ty) {
        TypeRef::Cstr(_) => return Ok(("Kind::Str".into(), ptr_bits, false)),
        TypeRef::Ptr(_) => return Ok(("Kind::Ptr".into(), ptr_bits, false)),
        TypeRef::Array(_) => return Err(format!("{}: argument {} is an array", c.name, a.name)),
        TypeRef::Named(_) => {}
    }
    let (bits, signed) = int_of(spec, &a.ty)
        .ok_or_else(|| format!("{}: argument {} is not an integer", c.name, a.name))?;
    // The ioctl request: named from the ABI's ioctl table.
    if c.name == "ioctl" && i == 1 && !spec.ioctls.is_empty() {
        let values = spec
            .ioctls
            .iter()
            .map(|io| Ok((io.name.clone(), u64_bits(io.number)?)))
            .collect::<Result<_, String>>()?;
        tables
            .entry("TRACE_IOCTLS".into())
            .or_insert(Table::Flags(values));
        return Ok(("Kind::Ioctl(TRACE_IOCTLS)".into(), bits, signed));
    }
    for name in name_chain(spec, &a.ty) {
        let kind = match name {
            "fd_t" => "Kind::Fd".to_owned(),
            "size_t" => "Kind::Size".to_owned(),
            "uintptr_t" => "Kind::Hex".to_owned(),
            "mode_t" => "Kind::Octal".to_owned(),
            _ => match spec.types.get(name) {
                Some(TypeDef::Flags(f)) => {
                    let t = format!("TRACE_FLAGS_{}", os_type(name));
                    if !tables.contains_key(&t) {
                        let values = f
                            .values
                            .iter()
                            .map(|v| Ok((v.name.clone(), u64_bits(v.value)?)))
                            .collect::<Result<_, String>>()?;
                        tables.insert(t.clone(), Table::Flags(values));
                    }
                    format!("Kind::Flags({t})")
                }
                Some(TypeDef::Enum(e)) => {
                    let t = format!("TRACE_ENUM_{}", os_type(name));
                    if !tables.contains_key(&t) {
                        let values = e
                            .values
                            .iter()
                            .map(|v| Ok((v.name.clone(), i64_of(v.value)?)))
                            .collect::<Result<_, String>>()?;
                        tables.insert(t.clone(), Table::Enum(values));
                    }
                    format!("Kind::Enum({t})")
                }
                _ => continue,
            },
        };
        return Ok((kind, bits, signed));
    }
    Ok(("Kind::Int".into(), bits, signed))
}

/// The `Ret` expression of a call's return type.
fn ret_kind(spec: &Spec, c: &Syscall) -> String {
    let chain = name_chain(spec, &c.ret);
    if chain.first() == Some(&"void") {
        return "Ret::Void".into();
    }
    if chain.contains(&"uintptr_t") || matches!(spec.resolve(&c.ret), TypeRef::Ptr(_)) {
        return "Ret::Hex".into();
    }
    if chain.contains(&"mode_t") {
        return "Ret::Octal".into();
    }
    let (bits, signed) = int_of(spec, &c.ret).unwrap_or((64, true));
    format!("Ret::Int {{ bits: {bits}, signed: {signed} }}")
}

/// `tr::Call { ... }` for one call.
fn call_entry(
    spec: &Spec,
    c: &Syscall,
    tables: &mut BTreeMap<String, Table>,
) -> Result<String, String> {
    let word_bytes = u64::from(spec.data_model.word_bytes);
    let mut args = String::new();
    let mut at = 0u64;
    for (i, a) in c.args.iter().enumerate() {
        let layout = spec
            .layout(&a.ty)
            .ok_or_else(|| format!("{}: argument {} has no layout", c.name, a.name))?;
        let words = layout.size.div_ceil(word_bytes).max(1);
        if !a.pad {
            let (kind, bits, signed) = arg_kind(spec, c, i, tables)?;
            let _ = write!(
                args,
                "tr::Arg::new({:?}, tr::{kind}, {bits}, {signed}, {at}, {words}), ",
                a.name,
            );
        }
        at += words;
    }
    Ok(format!(
        "tr::Call {{ name: {:?}, args: &[{args}], ret: tr::{} }}",
        c.name,
        ret_kind(spec, c)
    ))
}
