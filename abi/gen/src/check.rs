//! Validation of ABI documents: the JSON Schema (structure) and the semantic rules the
//! schema cannot express (layouts, references, uniqueness, encodings).
//!
//! Every problem is an [`Issue`] located by a JSON pointer into the document, so a broken
//! spec says where it is broken: `/types/stat/fields/3/offset: overlaps st_mode (8..10)`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::model::{
    Arg, ArgLocation, Dir, Field, Int, IoctlDir, Len, LenUnit, Overflow, Spec, StructDef,
    SyscallKind, TypeDef, TypeRef, primitive_int,
};

pub use crate::model::Issue;

/// The schema text, as kept in `abi/spec/abi.schema.json`.
pub const SCHEMA_TEXT: &str = include_str!("../../spec/abi.schema.json");

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        // The schema is part of this crate; a broken one is a build defect, caught by
        // the schema tests before anything else runs.
        let schema: serde_json::Value =
            serde_json::from_str(SCHEMA_TEXT).expect("abi.schema.json is valid JSON");
        jsonschema::draft202012::new(&schema).expect("abi.schema.json is a valid 2020-12 schema")
    })
}

/// Validates a document against the JSON Schema. Empty when it conforms.
#[must_use]
pub fn validate_schema(doc: &serde_json::Value) -> Vec<Issue> {
    validator()
        .iter_errors(doc)
        .map(|e| Issue {
            path: e.instance_path().as_str().to_owned(),
            reason: e.to_string(),
        })
        .collect()
}

struct Ctx<'a> {
    spec: &'a Spec,
    issues: Vec<Issue>,
}

impl Ctx<'_> {
    fn err(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.issues.push(Issue {
            path: path.into(),
            reason: reason.into(),
        });
    }
}

/// Escapes a key for a JSON pointer (RFC 6901).
fn key(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Runs every semantic check on a deserialized spec. Empty when it is sound.
#[must_use]
pub fn check(spec: &Spec) -> Vec<Issue> {
    let mut cx = Ctx {
        spec,
        issues: Vec::new(),
    };
    check_calling_convention(&mut cx);
    check_types(&mut cx);
    check_numbering(&mut cx);
    check_syscalls(&mut cx);
    check_ioctls(&mut cx);
    check_misc_refs(&mut cx);
    cx.issues
}

/// [`check`] that turns issues into an error.
///
/// # Errors
///
/// The issues found, if any.
pub fn validate(spec: &Spec) -> Result<(), Vec<Issue>> {
    let issues = check(spec);
    if issues.is_empty() {
        Ok(())
    } else {
        Err(issues)
    }
}

fn check_calling_convention(cx: &mut Ctx<'_>) {
    let s = cx.spec;
    let cc = &s.calling_convention;
    if let Some(u) = &cc.number.out_of_range {
        if s.errno_value(&u.errno).is_none() {
            cx.err(
                "/calling_convention/number/out_of_range/errno",
                format!("unknown errno {}", u.errno),
            );
        }
        if let Some(sig) = &u.signal
            && !s.signals.list.iter().any(|x| &x.name == sig)
        {
            cx.err(
                "/calling_convention/number/out_of_range/signal",
                format!("unknown signal {sig}"),
            );
        }
    }
    if let ArgLocation::UserStack { fault: Some(f), .. } = &cc.args
        && s.errno_value(f).is_none()
    {
        cx.err(
            "/calling_convention/args/fault",
            format!("unknown errno {f}"),
        );
    }
    for (i, ind) in cc.indirect.iter().enumerate() {
        match s.syscall(ind.number) {
            Some(c) if c.indirect => {}
            _ => cx.err(
                format!("/calling_convention/indirect/{i}/number"),
                format!("no syscall {} marked indirect", ind.number),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Types.

fn check_types(cx: &mut Ctx<'_>) {
    let spec = cx.spec;
    for (name, def) in &spec.types {
        let base = format!("/types/{}", key(name));
        if primitive_int(name).is_some() || name == "void" {
            cx.err(
                &base,
                format!("{name} is a primitive and cannot be redefined"),
            );
        }
        match def {
            TypeDef::Alias(a) => {
                check_typeref(cx, &a.of, &format!("{base}/of"), None);
                if alias_cycle(spec, name) {
                    cx.err(format!("{base}/of"), format!("alias cycle through {name}"));
                }
            }
            TypeDef::Struct(s) => check_struct(cx, name, s, false, &base),
            TypeDef::Union(s) => check_struct(cx, name, s, true, &base),
            TypeDef::Enum(e) | TypeDef::Flags(e) => {
                let repr_ref = TypeRef::Named(e.repr.clone());
                let bits = match spec.resolve(&repr_ref) {
                    TypeRef::Named(n) => primitive_int(n),
                    _ => None,
                };
                let Some((bits, signed)) = bits else {
                    cx.err(
                        format!("{base}/repr"),
                        format!("{} is not an integer type", e.repr),
                    );
                    continue;
                };
                let mut seen = BTreeSet::new();
                for (i, v) in e.values.iter().enumerate() {
                    if !seen.insert(v.name.as_str()) {
                        cx.err(
                            format!("{base}/values/{i}/name"),
                            format!("duplicate name {}", v.name),
                        );
                    }
                    if !fits(v.value, bits, signed) {
                        cx.err(
                            format!("{base}/values/{i}/value"),
                            format!("{} does not fit in {}", v.value, e.repr),
                        );
                    }
                }
            }
        }
    }
}

/// Whether `v` fits a `bits`-wide integer; unsigned types also accept the two's-complement
/// spelling of a negative value and signed ones the unsigned spelling of their bit pattern
/// (flag words such as NOFLSH 0x80000000 in a signed int).
fn fits(v: Int, bits: u32, _signed: bool) -> bool {
    let lo = -(1i128 << (bits - 1));
    let hi = (1i128 << bits) - 1;
    v.0 >= lo && v.0 <= hi
}

fn alias_cycle(spec: &Spec, start: &str) -> bool {
    let mut cur = start.to_owned();
    let mut seen = BTreeSet::new();
    loop {
        if !seen.insert(cur.clone()) {
            return true;
        }
        match spec.types.get(&cur) {
            Some(TypeDef::Alias(a)) => match &a.of {
                TypeRef::Named(n) => cur.clone_from(n),
                _ => return false,
            },
            _ => return false,
        }
    }
}

/// Checks a type reference. `siblings` are the names a pointer length may refer to
/// (a syscall's arguments or a struct's fields); `None` where no length may be linked.
fn check_typeref(cx: &mut Ctx<'_>, t: &TypeRef, path: &str, siblings: Option<&[(&str, &TypeRef)]>) {
    match t {
        TypeRef::Named(n) => {
            if primitive_int(n).is_none() && n != "void" && !cx.spec.types.contains_key(n) {
                cx.err(path, format!("unknown type {n}"));
            }
        }
        TypeRef::Ptr(p) => {
            check_typeref(cx, &p.ptr, &format!("{path}/ptr"), siblings);
            if let Some(len) = &p.len {
                check_len(cx, len, &format!("{path}/len"), siblings);
            }
            if p.dir == Dir::None && p.len.is_some() {
                cx.err(
                    format!("{path}/dir"),
                    "a pointer that is not dereferenced (dir none) has no length",
                );
            }
        }
        TypeRef::Cstr(c) => {
            if let Some(e) = &c.cstr.too_long
                && cx.spec.errno_value(e).is_none()
            {
                cx.err(
                    format!("{path}/cstr/too_long"),
                    format!("unknown errno {e}"),
                );
            }
        }
        TypeRef::Array(a) => check_typeref(cx, &a.array, &format!("{path}/array"), siblings),
    }
}

fn check_len(cx: &mut Ctx<'_>, len: &Len, path: &str, siblings: Option<&[(&str, &TypeRef)]>) {
    let Some(arg) = &len.arg else {
        return;
    };
    let Some(sib) = siblings else {
        cx.err(
            format!("{path}/arg"),
            format!("length {arg} refers to nothing here"),
        );
        return;
    };
    match sib.iter().find(|(n, _)| *n == arg) {
        None => cx.err(
            format!("{path}/arg"),
            format!("length refers to a non-existent argument {arg}"),
        ),
        Some((_, ty)) => {
            let resolved = cx.spec.resolve(ty);
            let ok = if len.via_ptr {
                matches!(resolved, TypeRef::Ptr(_))
            } else {
                matches!(resolved, TypeRef::Named(n) if primitive_int(n).is_some())
                    || matches!(resolved, TypeRef::Named(n) if matches!(cx.spec.types.get(n), Some(TypeDef::Enum(_) | TypeDef::Flags(_))))
            };
            if !ok {
                let want = if len.via_ptr {
                    "a pointer"
                } else {
                    "an integer"
                };
                cx.err(
                    format!("{path}/arg"),
                    format!("length argument {arg} is not {want}"),
                );
            }
        }
    }
    if len.unit == LenUnit::Bytes && len.fixed.is_some() && len.arg.is_some() {
        cx.err(path, "a length is either fixed or linked, not both");
    }
}

fn check_struct(cx: &mut Ctx<'_>, name: &str, s: &StructDef, union: bool, base: &str) {
    let spec = cx.spec;
    let siblings: Vec<(&str, &TypeRef)> =
        s.fields.iter().map(|f| (f.name.as_str(), &f.ty)).collect();
    let mut names = BTreeSet::new();
    let mut max_align = 1;
    // (offset, end, name) of the fields laid out so far, in document order.
    let mut prev: Option<(u64, u64, &str)> = None;
    let mut end_max = 0;
    for (i, f) in s.fields.iter().enumerate() {
        let fp = format!("{base}/fields/{i}");
        if !names.insert(f.name.as_str()) {
            cx.err(format!("{fp}/name"), format!("duplicate field {}", f.name));
        }
        check_typeref(cx, &f.ty, &format!("{fp}/type"), Some(&siblings));
        check_field_map(cx, f, &fp);
        if matches!(&f.ty, TypeRef::Named(n) if n == name) {
            cx.err(format!("{fp}/type"), format!("{name} contains itself"));
            continue;
        }
        let Some(l) = spec.layout(&f.ty) else {
            // Unknown types are reported by check_typeref; `void` has no layout.
            if matches!(&f.ty, TypeRef::Named(n) if n == "void" || spec.types.contains_key(n)) {
                cx.err(
                    format!("{fp}/type"),
                    format!(
                        "{} has no size (void or opaque): a field needs a sized type",
                        f.ty
                    ),
                );
            }
            continue;
        };
        max_align = max_align.max(l.align);
        let end = f.offset + l.size;
        if union && f.offset != 0 {
            cx.err(format!("{fp}/offset"), "a union member starts at offset 0");
        }
        if !f.offset.is_multiple_of(l.align) {
            cx.err(
                format!("{fp}/offset"),
                format!(
                    "offset {} is not {}-aligned for {}",
                    f.offset, l.align, f.ty
                ),
            );
        }
        if end > s.size {
            cx.err(
                format!("{fp}/offset"),
                format!(
                    "field {} ({}..{end}) runs past the struct size {}",
                    f.name, f.offset, s.size
                ),
            );
        }
        if !union {
            if let Some((po, pe, pn)) = prev {
                if f.offset < pe {
                    cx.err(
                        format!("{fp}/offset"),
                        format!(
                            "field {} at {} overlaps {pn} ({po}..{pe})",
                            f.name, f.offset
                        ),
                    );
                } else {
                    let natural = pe.next_multiple_of(l.align);
                    if f.offset > natural {
                        cx.err(
                            format!("{fp}/offset"),
                            format!(
                                "unexplained gap of {} bytes before {} ({pe}..{}): make the padding an explicit field",
                                f.offset - pe,
                                f.name,
                                f.offset
                            ),
                        );
                    }
                }
            } else if f.offset != 0 {
                cx.err(
                    format!("{fp}/offset"),
                    format!("first field {} does not start at offset 0", f.name),
                );
            }
            prev = Some((f.offset, end, &f.name));
        }
        end_max = end_max.max(end);
    }
    if s.align != max_align && !s.fields.is_empty() {
        cx.err(
            format!("{base}/align"),
            format!("declared align {} but the fields need {max_align}", s.align),
        );
    }
    let computed = end_max.next_multiple_of(s.align.max(1));
    if !s.fields.is_empty() && s.size != computed {
        cx.err(
            format!("{base}/size"),
            format!(
                "size {} disagrees with the fields: they end at {end_max}, which rounds to {computed}",
                s.size
            ),
        );
    }
    if let Some(ext) = &s.extensible {
        match s.field(&ext.size_field) {
            None => cx.err(
                format!("{base}/extensible/size_field"),
                format!("no field {}", ext.size_field),
            ),
            Some(f) => {
                let r = spec.resolve(&f.ty);
                if !matches!(r, TypeRef::Named(n) if primitive_int(n).is_some()) {
                    cx.err(
                        format!("{base}/extensible/size_field"),
                        format!("size field {} is not an integer", ext.size_field),
                    );
                }
            }
        }
        if ext.min_size > s.size {
            cx.err(
                format!("{base}/extensible/min_size"),
                format!(
                    "min_size {} is larger than the size {}",
                    ext.min_size, s.size
                ),
            );
        }
        if spec.errno_value(&ext.nonzero_tail).is_none() {
            cx.err(
                format!("{base}/extensible/nonzero_tail"),
                format!("unknown errno {}", ext.nonzero_tail),
            );
        }
    }
}

fn check_field_map(cx: &mut Ctx<'_>, f: &Field, fp: &str) {
    let Some(m) = &f.map else {
        return;
    };
    match (&m.overflow, &m.errno) {
        (Overflow::Error, None) => cx.err(format!("{fp}/map"), "overflow = error needs an errno"),
        (Overflow::Error, Some(e)) if cx.spec.errno_value(e).is_none() => {
            cx.err(format!("{fp}/map/errno"), format!("unknown errno {e}"));
        }
        (Overflow::Error, Some(_)) => {}
        (_, Some(_)) => cx.err(
            format!("{fp}/map/errno"),
            "an errno is only meaningful with overflow = error",
        ),
        _ => {}
    }
    if f.padding {
        cx.err(format!("{fp}/map"), "a padding field maps to nothing");
    }
}

// ---------------------------------------------------------------------------------------
// errno, signals, constants.

fn check_numbering(cx: &mut Ctx<'_>) {
    let spec = cx.spec;
    let mut names: HashMap<&str, String> = HashMap::new();
    let mut values: BTreeMap<i64, &str> = BTreeMap::new();
    for (i, e) in spec.errno.iter().enumerate() {
        let p = format!("/errno/{i}");
        for n in std::iter::once(&e.name).chain(e.aliases.iter()) {
            if let Some(prev) = names.insert(n, p.clone()) {
                cx.err(
                    format!("{p}/name"),
                    format!("duplicate errno name {n} (also {prev})"),
                );
            }
        }
        if let Some(prev) = values.insert(e.value, &e.name) {
            cx.err(
                format!("{p}/value"),
                format!(
                    "duplicate errno value {} ({} and {prev}); use aliases",
                    e.value, e.name
                ),
            );
        }
        if !e.internal && e.value <= 0 {
            cx.err(format!("{p}/value"), "a user-visible errno is positive");
        }
    }
    let mut snames = BTreeSet::new();
    let mut svals = BTreeSet::new();
    for (i, s) in spec.signals.list.iter().enumerate() {
        let p = format!("/signals/list/{i}");
        if !snames.insert(s.name.as_str()) {
            cx.err(format!("{p}/name"), format!("duplicate signal {}", s.name));
        }
        if !svals.insert(s.value) {
            cx.err(
                format!("{p}/value"),
                format!("duplicate signal number {}", s.value),
            );
        }
        if s.value > spec.signals.max {
            cx.err(
                format!("{p}/value"),
                format!("signal {} is above max {}", s.value, spec.signals.max),
            );
        }
    }
    if let Some(t) = &spec.signals.set_type {
        check_typeref(cx, &TypeRef::Named(t.clone()), "/signals/set_type", None);
    }
    // One namespace for every named number: constants, enum and flag values, ioctls.
    let mut seen: HashMap<&str, String> = HashMap::new();
    for (i, c) in spec.constants.iter().enumerate() {
        let p = format!("/constants/{i}");
        if let Some(prev) = seen.insert(&c.name, p.clone()) {
            cx.err(
                format!("{p}/name"),
                format!("duplicate constant {} (also {prev})", c.name),
            );
        }
        if let Some(t) = &c.ty {
            check_typeref(cx, t, &format!("{p}/type"), None);
        }
    }
    for (tn, def) in &spec.types {
        if let TypeDef::Enum(e) | TypeDef::Flags(e) = def {
            for (i, v) in e.values.iter().enumerate() {
                let p = format!("/types/{}/values/{i}", key(tn));
                if let Some(prev) = seen.insert(&v.name, p.clone())
                    && !prev.starts_with(&format!("/types/{}/", key(tn)))
                {
                    cx.err(
                        format!("{p}/name"),
                        format!("duplicate constant {} (also {prev})", v.name),
                    );
                }
            }
        }
    }
    for (i, io) in spec.ioctls.iter().enumerate() {
        let p = format!("/ioctls/{i}");
        if let Some(prev) = seen.insert(&io.name, p.clone()) {
            cx.err(
                format!("{p}/name"),
                format!("duplicate constant {} (also {prev})", io.name),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Syscalls.

fn name_space(kind: SyscallKind) -> Option<&'static str> {
    match kind {
        SyscallKind::Standard
        | SyscallKind::Alias
        | SyscallKind::External
        | SyscallKind::Retired => Some("main"),
        SyscallKind::OldCompat => Some("compat"),
        SyscallKind::Obsolete => Some("obsolete"),
        // Empty slots repeat names (nosys, lkmnosys).
        SyscallKind::Unimplemented | SyscallKind::Loadable => None,
    }
}

fn check_syscalls(cx: &mut Ctx<'_>) {
    let spec = cx.spec;
    let mut numbers: BTreeMap<u32, usize> = BTreeMap::new();
    let mut names: HashMap<(&str, &str), usize> = HashMap::new();
    let (max_words, reg_count) = match &spec.calling_convention.args {
        ArgLocation::UserStack { max_words, .. } => (Some(*max_words), None),
        ArgLocation::Registers { registers } => (None, Some(registers.len())),
    };
    for (i, c) in spec.syscalls.iter().enumerate() {
        let p = format!("/syscalls/{i}");
        if let Some(prev) = numbers.insert(c.number, i) {
            cx.err(
                format!("{p}/number"),
                format!(
                    "duplicate syscall number {} (also /syscalls/{prev})",
                    c.number
                ),
            );
        }
        if let Some(ns) = name_space(c.kind)
            && let Some(prev) = names.insert((ns, c.name.as_str()), i)
        {
            cx.err(
                format!("{p}/name"),
                format!("duplicate syscall name {} (also /syscalls/{prev})", c.name),
            );
        }
        let siblings: Vec<(&str, &TypeRef)> =
            c.args.iter().map(|a| (a.name.as_str(), &a.ty)).collect();
        let mut anames = BTreeSet::new();
        for (j, a) in c.args.iter().enumerate() {
            let ap = format!("{p}/args/{j}");
            if !anames.insert(a.name.as_str()) {
                cx.err(
                    format!("{ap}/name"),
                    format!("duplicate argument {}", a.name),
                );
            }
            check_typeref(cx, &a.ty, &format!("{ap}/type"), Some(&siblings));
            if matches!(&a.ty, TypeRef::Named(n) if n == "void") {
                cx.err(format!("{ap}/type"), "an argument cannot be void");
            } else if let Some(l) = spec.layout(&a.ty)
                && l.size > 2 * u64::from(spec.data_model.word_bytes)
            {
                cx.err(
                    format!("{ap}/type"),
                    format!(
                        "{} ({} bytes) is too wide for an argument; pass a pointer",
                        a.ty, l.size
                    ),
                );
            }
        }
        check_wide_padding(cx, &c.args, &p);
        check_typeref(cx, &c.ret, &format!("{p}/ret"), None);
        check_return(cx, c, &p);
        if let Some(words) = spec.arg_words(c) {
            if let Some(max) = max_words
                && words > max
            {
                cx.err(
                    format!("{p}/args"),
                    format!("{words} argument words, the ABI copies at most {max}"),
                );
            }
            if let Some(regs) = reg_count
                && words as usize > regs
            {
                cx.err(
                    format!("{p}/args"),
                    format!("{words} argument words but only {regs} argument registers"),
                );
            }
        }
        for (j, e) in c.errors.iter().enumerate() {
            if spec.errno_value(e).is_none() {
                cx.err(format!("{p}/errors/{j}"), format!("unknown errno {e}"));
            }
        }
        if c.kind == SyscallKind::Retired && c.retired_in.is_none() {
            cx.err(
                format!("{p}/retired_in"),
                "a retired call says in which version it was retired",
            );
        }
        if let (Some(since), Some(ret)) = (c.since, c.retired_in)
            && ret <= since
        {
            cx.err(
                format!("{p}/retired_in"),
                "retired before it was introduced",
            );
        }
        if c.since.is_some_and(|v| v > spec.abi.version) {
            cx.err(
                format!("{p}/since"),
                format!("introduced after this version ({})", spec.abi.version),
            );
        }
    }
}

/// The result must fit the success registers, and extra results name one of them.
fn check_return(cx: &mut Ctx<'_>, c: &crate::model::Syscall, p: &str) {
    let spec = cx.spec;
    let regs = &spec.calling_convention.success.registers;
    let word = u64::from(spec.data_model.word_bytes);
    if let Some(l) = spec.layout(&c.ret) {
        let words = l.size.div_ceil(word);
        if words > regs.len() as u64 {
            cx.err(
                format!("{p}/ret"),
                format!(
                    "{} needs {words} result registers but the ABI returns in {}",
                    c.ret,
                    regs.len()
                ),
            );
        }
    }
    for (j, x) in c.extra_returns.iter().enumerate() {
        if !regs.iter().skip(1).any(|r| *r == x.register) {
            cx.err(
                format!("{p}/extra_returns/{j}/register"),
                format!("{} is not a second result register of this ABI", x.register),
            );
        }
    }
}

/// Under `explicit_pad_argument`, a two-word argument must start at an even word index.
fn check_wide_padding(cx: &mut Ctx<'_>, args: &[Arg], p: &str) {
    let spec = cx.spec;
    if spec.calling_convention.wide_args.pad != crate::model::WidePad::ExplicitPadArgument {
        return;
    }
    let word = u64::from(spec.data_model.word_bytes);
    let mut idx: u64 = 0;
    for (j, a) in args.iter().enumerate() {
        let Some(l) = spec.layout(&a.ty) else {
            return;
        };
        let w = l.size.div_ceil(word).max(1);
        if w == 2 && !idx.is_multiple_of(2) {
            cx.err(
                format!("{p}/args/{j}"),
                format!(
                    "{} is a two-word argument at odd word {idx}: a pad word must precede it",
                    a.name
                ),
            );
        }
        idx += w;
    }
}

// ---------------------------------------------------------------------------------------
// ioctls.

fn check_ioctls(cx: &mut Ctx<'_>) {
    let spec = cx.spec;
    let mut numbers: BTreeMap<i128, usize> = BTreeMap::new();
    for (i, io) in spec.ioctls.iter().enumerate() {
        let p = format!("/ioctls/{i}");
        if let Some(prev) = numbers.insert(io.number.0, i) {
            cx.err(
                format!("{p}/number"),
                format!("duplicate ioctl number (also /ioctls/{prev})"),
            );
        }
        if let Some(arg) = &io.arg {
            check_typeref(cx, arg, &format!("{p}/arg"), None);
        }
        let (Some(enc), Some(group), Some(num)) = (&spec.ioctl_encoding, &io.group, io.num) else {
            continue;
        };
        let Some(g) = group.bytes().next() else {
            continue;
        };
        if io.dir == IoctlDir::Void && io.arg.is_some() {
            cx.err(
                format!("{p}/arg"),
                "an IOC_VOID command takes no argument object",
            );
        }
        let len = match (&io.arg, io.dir) {
            (_, IoctlDir::Void) => 0,
            (Some(a), _) => match spec.layout(a) {
                Some(l) => l.size,
                None => continue,
            },
            (None, _) => {
                cx.err(
                    format!("{p}/arg"),
                    "an ioctl that moves data names its argument type",
                );
                continue;
            }
        };
        let dir = match io.dir {
            IoctlDir::Void => enc.void.0,
            IoctlDir::In => enc.in_.0,
            IoctlDir::Out => enc.out.0,
            IoctlDir::Inout => enc.in_.0 | enc.out.0,
        };
        let want = dir
            | ((i128::from(len) & enc.len_mask.0) << enc.len_shift)
            | (i128::from(g) << 8)
            | i128::from(num);
        if want != io.number.0 {
            cx.err(
                format!("{p}/number"),
                format!(
                    "{} is {:#X} but its encoding (dir {:?}, len {len}, '{group}', {num}) gives {want:#X}",
                    io.name, io.number.0, io.dir
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Everything else that names something.

fn check_misc_refs(cx: &mut Ctx<'_>) {
    let spec = cx.spec;
    for (i, n) in spec.recognition.notes.iter().enumerate() {
        check_typeref(cx, &n.desc, &format!("/recognition/notes/{i}/desc"), None);
    }
    for (i, s) in spec.sysctls.iter().enumerate() {
        if let Some(ty) = &s.ty {
            check_typeref(cx, ty, &format!("/sysctls/{i}/type"), None);
        }
    }
    let mut sysctl_names = BTreeSet::new();
    let mut sysctl_mibs = BTreeSet::new();
    for (i, s) in spec.sysctls.iter().enumerate() {
        if !sysctl_names.insert(&s.name) {
            cx.err(
                format!("/sysctls/{i}/name"),
                format!("duplicate sysctl {}", s.name),
            );
        }
        if !sysctl_mibs.insert(&s.mib) {
            cx.err(
                format!("/sysctls/{i}/mib"),
                format!("duplicate sysctl mib {:?}", s.mib),
            );
        }
    }
    check_sysctl_tree(cx);
    check_typeref(
        cx,
        &spec.startup.auxv.entry_type,
        "/startup/auxv/entry_type",
        None,
    );
    let mut at = BTreeSet::new();
    for (i, e) in spec.startup.auxv.entries.iter().enumerate() {
        if !at.insert(e.a_type) {
            cx.err(
                format!("/startup/auxv/entries/{i}/type"),
                format!("duplicate auxv type {}", e.a_type),
            );
        }
    }
    for (i, it) in spec.startup.stack.layout.iter().enumerate() {
        if let Some(t) = &it.ty {
            check_typeref(cx, t, &format!("/startup/stack/layout/{i}/type"), None);
        }
    }
    for (i, f) in spec.signal_delivery.frames.iter().enumerate() {
        if spec.struct_def(&f.ty).is_none() {
            cx.err(
                format!("/signal_delivery/frames/{i}/type"),
                format!("unknown struct {}", f.ty),
            );
        }
    }
    if spec
        .syscall_by_name(&spec.signal_delivery.return_syscall)
        .is_none()
    {
        cx.err(
            "/signal_delivery/return_syscall",
            format!("no syscall {}", spec.signal_delivery.return_syscall),
        );
    }
    if let Some(v) = &spec.versioning {
        if spec.syscall_by_name(&v.query_syscall).is_none() {
            cx.err(
                "/versioning/query_syscall",
                format!("no syscall {}", v.query_syscall),
            );
        }
        if !spec
            .startup
            .auxv
            .entries
            .iter()
            .any(|e| e.name == v.auxv_entry)
        {
            cx.err(
                "/versioning/auxv_entry",
                format!("no auxv entry {}", v.auxv_entry),
            );
        }
        if !spec
            .recognition
            .notes
            .iter()
            .any(|n| n.name == v.note_name && n.note_type == v.note_type)
        {
            cx.err(
                "/versioning/note_name",
                format!("no recognition note {} type {}", v.note_name, v.note_type),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The sysctl MIB: one tree, every node with a kind, flags, a format and how it is served.

/// Whether `f` is a format 4.x's oidfmt reports: N (a node), A (a string), I, IU, L, LU,
/// Q (integers), - (none) or S,<struct>.
fn known_sysctl_format(f: &str) -> bool {
    match f.strip_prefix("S,") {
        Some(name) => {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        // "": a SYSCTL_PROC that declares none (4.x's kern.devname).
        None => matches!(f, "N" | "A" | "I" | "IU" | "L" | "LU" | "Q" | "-" | ""),
    }
}

fn check_sysctl_tree(cx: &mut Ctx<'_>) {
    let spec = cx.spec;
    for (i, s) in spec.sysctls.iter().enumerate() {
        let p = format!("/sysctls/{i}");
        if s.name.split('.').count() != s.mib.len() {
            cx.err(
                format!("{p}/mib"),
                format!(
                    "{} has {} numbers for a name of {} parts",
                    s.name,
                    s.mib.len(),
                    s.name.split('.').count()
                ),
            );
        }
        if s.mib.iter().any(|&n| i32::try_from(n).is_err()) {
            cx.err(
                format!("{p}/mib"),
                format!("{}: a number is not an int", s.name),
            );
        }
        if let Some(k) = &s.kind
            && spec.sysctl_type(k).is_none()
        {
            cx.err(
                format!("{p}/kind"),
                format!(
                    "unknown sysctl kind {k} (no constant of group {})",
                    crate::model::SYSCTL_TYPE_GROUP
                ),
            );
        }
        for (j, f) in s.flags.iter().enumerate() {
            if spec.sysctl_flag(f).is_none() {
                cx.err(
                    format!("{p}/flags/{j}"),
                    format!(
                        "unknown sysctl flag {f} (no constant of group {})",
                        crate::model::SYSCTL_FLAG_GROUP
                    ),
                );
            }
        }
        if let Some(kind) = spec.sysctl_kind(s) {
            let wr = spec
                .sysctl_flag("CTLFLAG_WR")
                .is_some_and(|w| i128::from(kind) & w.0 != 0);
            let rw = s.access.as_deref() == Some("rw");
            if wr != rw {
                cx.err(
                    format!("{p}/access"),
                    format!(
                        "{}: access {} disagrees with the flags (CTLFLAG_WR {})",
                        s.name,
                        s.access.as_deref().unwrap_or("(none)"),
                        if wr { "set" } else { "not set" }
                    ),
                );
            }
        }
        match s.format.as_deref() {
            None => cx.err(p.clone(), format!("sysctl {} has no format", s.name)),
            Some(f) if !known_sysctl_format(f) => {
                cx.err(
                    format!("{p}/format"),
                    format!("unknown sysctl format {f:?}"),
                );
            }
            Some(f) if (f == "N") != spec.sysctl_is_node(s) => cx.err(
                format!("{p}/format"),
                format!("{}: the format is N exactly for a CTLTYPE_NODE", s.name),
            ),
            Some(_) => {}
        }
        if let Some(h) = &s.handler
            && !crate::model::SYSCTL_HANDLERS.contains(&h.as_str())
        {
            cx.err(
                format!("{p}/handler"),
                format!(
                    "unknown sysctl handler {h} (known: {})",
                    crate::model::SYSCTL_HANDLERS.join(", ")
                ),
            );
        }
        if spec.sysctl_is_inner(s) {
            if s.ty.is_some() || s.value.is_some() {
                cx.err(
                    format!("{p}/type"),
                    format!(
                        "{}: an inner node has children, not a type or value",
                        s.name
                    ),
                );
            }
        } else if s.handler.is_none() && s.ty.is_none() {
            cx.err(p.clone(), format!("leaf {} has no type", s.name));
        }
        let Some((_, up)) = s.mib.split_last() else {
            continue;
        };
        if up.is_empty() {
            continue;
        }
        match spec.sysctls.iter().find(|q| q.mib == up) {
            None => cx.err(
                format!("{p}/mib"),
                format!("{}: no parent node {up:?}", s.name),
            ),
            Some(parent) => {
                if !spec.sysctl_is_inner(parent) {
                    let what = if spec.sysctl_is_node(parent) {
                        "a node with a handler"
                    } else {
                        "a leaf"
                    };
                    cx.err(
                        format!("{p}/mib"),
                        format!("{}: a child under {what}, {}", s.name, parent.name),
                    );
                }
                if s.name
                    .strip_prefix(parent.name.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    != Some(s.leaf_name())
                {
                    cx.err(
                        format!("{p}/name"),
                        format!("{} is not a name under its parent {}", s.name, parent.name),
                    );
                }
            }
        }
    }
}
