//! Converters between ABI structs and the kernel's ABI-neutral values, from the field
//! maps of the spec (`"map": {"neutral": "stat.size", "overflow": "error", ...}`).
//!
//! Per ABI module this emits `neutral::<Record>` plain structs (one per neutral record
//! name, holding every field any struct of the ABI maps to it: integers widened to
//! `u64`/`i64`, byte strings as `[u8; N]`, nested records), a `Transforms` trait with
//! one pair of methods per named transform the spec uses (the personality implements
//! the value translation, e.g. flag bits), and per mapped struct
//! `from_neutral(&neutral, &transforms) -> Result<Self, ConvertError>` and
//! `to_neutral(&self, &transforms) -> neutral`. A value that does not fit does what
//! the map says: `error` gives `ConvertError::Overflow` with the ABI's errno, `truncate`
//! keeps the low bits, `saturate` clamps, `fits` reports `ConvertError::Unfit` (a kernel
//! bug, never silently cut).
//!
//! Not converted (listed in the struct's converter doc): arrays other than byte
//! strings, and arrays with a transform; those stay for the personality.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{Field, Overflow, Spec, StructDef, TypeDef, TypeRef, primitive_int};
use crate::names::{camel, os_type};

#[derive(Debug, Clone, PartialEq, Eq)]
enum NTy {
    I64,
    U64,
    Record(String),
    Bytes(u64),
    /// A fixed array of neutral words: what an ABI array with a transform maps to.
    Words(u64),
}

impl NTy {
    fn rust(&self) -> String {
        match self {
            NTy::I64 => "i64".into(),
            NTy::U64 => "u64".into(),
            NTy::Record(r) => camel(r),
            NTy::Bytes(n) => format!("[u8; {n}]"),
            NTy::Words(n) => format!("[u64; {n}]"),
        }
    }

    fn zero(&self) -> String {
        match self {
            NTy::I64 | NTy::U64 => "0".into(),
            NTy::Record(r) => format!("{}::ZERO", camel(r)),
            NTy::Bytes(n) | NTy::Words(n) => format!("[0; {n}]"),
        }
    }
}

#[derive(Debug, Clone)]
enum Kind {
    /// An integer field: bits, signed, unaligned 64-bit spelling.
    Int {
        bits: u32,
        signed: bool,
        unaligned: bool,
    },
    Nested {
        ty: String,
        record: String,
    },
    Bytes {
        count: u64,
    },
    /// An array of integers with a transform: the personality's transform converts the
    /// whole array to and from neutral words (a signal set's words, control characters).
    TransformedArray {
        elem: String,
        count: u64,
    },
    /// A struct with a transform: the personality's transform converts it to and from
    /// one neutral word (an ABI's signal-set struct and the kernel's set of signals).
    TransformedStruct {
        ty: String,
    },
    Skip(String),
}

struct Mapped<'a> {
    field: &'a Field,
    record: String,
    name: String,
    kind: Kind,
}

fn record_of(s: &StructDef) -> Option<String> {
    s.fields
        .iter()
        .find_map(|f| f.map.as_ref())
        .and_then(|m| m.neutral.split_once('.'))
        .map(|(r, _)| r.to_owned())
}

fn int_of(spec: &Spec, t: &TypeRef) -> Option<(u32, bool)> {
    match spec.resolve(t) {
        TypeRef::Named(n) => primitive_int(n).or_else(|| match spec.types.get(n)? {
            TypeDef::Enum(e) | TypeDef::Flags(e) => int_of(spec, &TypeRef::Named(e.repr.clone())),
            _ => None,
        }),
        _ => None,
    }
}

fn classify(spec: &Spec, f: &Field) -> Kind {
    let has_transform = f.map.as_ref().is_some_and(|m| m.transform.is_some());
    match spec.resolve(&f.ty) {
        TypeRef::Array(a) => {
            if has_transform {
                return match int_of(spec, &a.array) {
                    Some((bits, signed)) if bits <= 32 => Kind::TransformedArray {
                        elem: format!("{}{bits}", if signed { 'i' } else { 'u' }),
                        count: a.count,
                    },
                    _ => Kind::Skip(format!(
                        "`{}`: an array of {} with a transform",
                        f.name, a.array
                    )),
                };
            }
            match int_of(spec, &a.array) {
                Some((8, _)) => Kind::Bytes { count: a.count },
                _ => Kind::Skip(format!("`{}`: an array of {}", f.name, a.array)),
            }
        }
        TypeRef::Named(n) if spec.struct_def(n).is_some() => {
            if has_transform {
                return Kind::TransformedStruct { ty: n.clone() };
            }
            match spec.struct_def(n).and_then(record_of) {
                Some(record) if matches!(spec.types.get(n), Some(TypeDef::Struct(_))) => {
                    Kind::Nested {
                        ty: n.clone(),
                        record,
                    }
                }
                _ => Kind::Skip(format!("`{}`: {n} has no field map", f.name)),
            }
        }
        TypeRef::Ptr(_) | TypeRef::Cstr(_) => {
            let bits = spec.data_model.pointer_bytes * 8;
            Kind::Int {
                bits,
                signed: false,
                unaligned: bits == 64 && spec.data_model.i64_align < 8,
            }
        }
        _ => match int_of(spec, &f.ty) {
            Some((bits, signed)) => Kind::Int {
                bits,
                signed,
                unaligned: bits == 64 && spec.data_model.i64_align < 8,
            },
            None => Kind::Skip(format!("`{}`: type {}", f.name, f.ty)),
        },
    }
}

/// The converter section of one ABI module (empty when the spec maps nothing).
#[must_use]
pub fn section(spec: &Spec) -> String {
    let (prelude, impls) = section_parts(spec);
    prelude + &impls
}

/// The converter section in two parts: the neutral records and the `Transforms` trait
/// (which a newer version re-exports when they did not change, see [`crate::shared`]),
/// then the converters of each struct.
#[must_use]
pub fn section_parts(spec: &Spec) -> (String, String) {
    // Mapped structs and their fields.
    let mut structs: Vec<(&str, Vec<Mapped<'_>>)> = Vec::new();
    for (name, def) in &spec.types {
        let TypeDef::Struct(s) = def else { continue };
        let mut fields = Vec::new();
        for f in &s.fields {
            let Some(m) = &f.map else { continue };
            let Some((record, nf)) = m.neutral.split_once('.') else {
                continue;
            };
            fields.push(Mapped {
                field: f,
                record: record.to_owned(),
                name: nf.to_owned(),
                kind: classify(spec, f),
            });
        }
        if !fields.is_empty() {
            structs.push((name, fields));
        }
    }
    // A struct with nothing convertible gets no converter, and fields nesting it are
    // skipped (to a fixpoint, since that can empty another struct).
    loop {
        let live: Vec<String> = structs
            .iter()
            .filter(|(_, fs)| fs.iter().any(|m| !matches!(m.kind, Kind::Skip(_))))
            .map(|(n, _)| (*n).to_owned())
            .collect();
        let mut changed = false;
        for (_, fields) in &mut structs {
            for m in fields.iter_mut() {
                if let Kind::Nested { ty, .. } = &m.kind
                    && !live.contains(ty)
                {
                    m.kind = Kind::Skip(format!("`{}`: {ty} has nothing to convert", m.field.name));
                    changed = true;
                }
            }
        }
        structs.retain(|(n, _)| live.iter().any(|l| l == n));
        if !changed {
            break;
        }
    }
    if structs.is_empty() {
        return (String::new(), String::new());
    }
    // Neutral records: the union of every mapped field, widest type wins.
    let mut records: BTreeMap<String, BTreeMap<String, NTy>> = BTreeMap::new();
    for (_, fields) in &mut structs {
        for m in fields.iter_mut() {
            let want = match &m.kind {
                Kind::Int { signed: true, .. } => NTy::I64,
                Kind::Int { signed: false, .. } => NTy::U64,
                Kind::Nested { record, .. } => NTy::Record(record.clone()),
                Kind::Bytes { count } => NTy::Bytes(*count),
                Kind::TransformedArray { count, .. } => NTy::Words(*count),
                Kind::TransformedStruct { .. } => NTy::U64,
                Kind::Skip(_) => continue,
            };
            let rec = records.entry(m.record.clone()).or_default();
            let merged = match (rec.get(&m.name), &want) {
                (None, w) => Some(w.clone()),
                (Some(NTy::U64 | NTy::I64), NTy::I64) | (Some(NTy::I64), NTy::U64) => {
                    Some(NTy::I64)
                }
                (Some(NTy::U64), NTy::U64) => Some(NTy::U64),
                (Some(NTy::Bytes(a)), NTy::Bytes(b)) => Some(NTy::Bytes((*a).max(*b))),
                (Some(NTy::Words(a)), NTy::Words(b)) if a == b => Some(want.clone()),
                (Some(NTy::Record(a)), NTy::Record(b)) if a == b => Some(want.clone()),
                _ => None,
            };
            match merged {
                Some(t) => {
                    rec.insert(m.name.clone(), t);
                }
                None => {
                    m.kind = Kind::Skip(format!(
                        "`{}`: {}.{} has another shape in this ABI",
                        m.field.name, m.record, m.name
                    ));
                }
            }
        }
    }
    // Transforms: name -> (neutral type, ABI type) of the value; for integers both are
    // the neutral type (the transform maps values), for arrays they differ.
    let mut transforms: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (_, fields) in &structs {
        for m in fields {
            let Some(t) = m.field.map.as_ref().and_then(|x| x.transform.as_ref()) else {
                continue;
            };
            let Some(nt) = records.get(&m.record).and_then(|r| r.get(&m.name)) else {
                continue;
            };
            let sig = match &m.kind {
                Kind::Int { .. } => (nt.rust(), nt.rust()),
                Kind::TransformedArray { elem, count } => (nt.rust(), format!("[{elem}; {count}]")),
                Kind::TransformedStruct { ty } => (nt.rust(), os_type(ty)),
                _ => continue,
            };
            transforms.entry(t.clone()).or_insert(sig);
        }
    }

    let mut o = String::new();
    o.push_str("// ---- Converters ----------------------------------------------------------\n\n");
    o.push_str("/// The kernel's ABI-neutral values, as this ABI's field maps name them.\npub mod neutral {\n");
    for (rec, fields) in &records {
        let tn = camel(rec);
        let _ = writeln!(
            o,
            "    /// Neutral `{rec}`: every field some struct of this ABI maps to it.\n    #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n    pub struct {tn} {{"
        );
        for (f, t) in fields {
            let _ = writeln!(o, "        pub {}: {},", os_type(f), t.rust());
        }
        let _ = writeln!(
            o,
            "    }}\n\n    impl {tn} {{\n        /// All zero.\n        pub const ZERO: Self = Self {{"
        );
        for (f, t) in fields {
            let _ = writeln!(o, "            {}: {},", os_type(f), t.zero());
        }
        o.push_str("        };\n    }\n\n");
    }
    o.push_str("}\n\n");
    o.push_str(
        "/// The value translations the spec names (`transform`), implemented by the\n/// personality: `*_to_abi` on the way out, `*_to_neutral` on the way in.\npub trait Transforms {\n",
    );
    for (t, (nty, aty)) in &transforms {
        let _ = writeln!(
            o,
            "    /// `{t}`, neutral to ABI.\n    fn {t}_to_abi(&self, v: {nty}) -> {aty};\n    /// `{t}`, ABI to neutral.\n    fn {t}_to_neutral(&self, v: {aty}) -> {nty};"
        );
    }
    o.push_str("}\n\n");
    let prelude = std::mem::take(&mut o);

    for (sname, fields) in &structs {
        let tn = os_type(sname);
        let record = &fields[0].record;
        let skipped: Vec<&str> = fields
            .iter()
            .filter_map(|m| match &m.kind {
                Kind::Skip(r) => Some(r.as_str()),
                _ => None,
            })
            .collect();
        let uses_t = fields.iter().any(|m| {
            matches!(
                m.kind,
                Kind::Nested { .. }
                    | Kind::TransformedArray { .. }
                    | Kind::TransformedStruct { .. }
            ) || (matches!(m.kind, Kind::Int { .. })
                && m.field.map.as_ref().is_some_and(|x| x.transform.is_some()))
        });
        let tp = if uses_t { "t" } else { "_t" };
        let mut to_abi = String::new();
        let mut to_neutral = String::new();
        for m in fields {
            let f = os_type(&m.field.name);
            let nf = os_type(&m.name);
            let Some(map) = &m.field.map else { continue };
            let fname = &m.field.name;
            let nt = records.get(&m.record).and_then(|r| r.get(&m.name));
            match (&m.kind, nt) {
                (
                    Kind::Int {
                        bits,
                        signed,
                        unaligned,
                    },
                    Some(nt),
                ) => {
                    let (bits, signed, unaligned) = (*bits, *signed, *unaligned);
                    let at = format!("{}{bits}", if signed { 'i' } else { 'u' });
                    let ns = *nt == NTy::I64;
                    let ntn = nt.rust();
                    let mut v = format!("n.{nf}");
                    if let Some(t) = &map.transform {
                        v = format!("t.{t}_to_abi({v})");
                    }
                    let err = match (map.overflow, &map.errno) {
                        (Overflow::Error, Some(e)) => format!(
                            "ConvertError::Overflow {{ field: {fname:?}, errno: errno::{} }}",
                            os_type(e)
                        ),
                        _ => format!("ConvertError::Unfit {{ field: {fname:?} }}"),
                    };
                    let val = if bits == 64 && signed == ns {
                        v
                    } else {
                        match map.overflow {
                            Overflow::Truncate => {
                                let raw = if ns {
                                    format!("{v}.cast_unsigned()")
                                } else {
                                    v
                                };
                                let low = format!("rt::low_u{bits}({raw})");
                                if signed {
                                    format!("{low}.cast_signed()")
                                } else {
                                    low
                                }
                            }
                            Overflow::Saturate => {
                                if ns {
                                    format!(
                                        "{{ let v = {v}; {at}::try_from(v).unwrap_or(if v < 0 {{ {at}::MIN }} else {{ {at}::MAX }}) }}"
                                    )
                                } else {
                                    format!("{at}::try_from({v}).unwrap_or({at}::MAX)")
                                }
                            }
                            Overflow::Fits | Overflow::Error => {
                                format!("{at}::try_from({v}).map_err(|_| {err})?")
                            }
                        }
                    };
                    let val = if unaligned {
                        format!("({val}).into()")
                    } else {
                        val
                    };
                    let _ = writeln!(to_abi, "        s.{f} = {val};");
                    // ABI -> neutral: widen losslessly (or reinterpret u64 as i64).
                    let x = if unaligned {
                        format!("self.{f}.get()")
                    } else {
                        format!("self.{f}")
                    };
                    let wide = if at == ntn {
                        x
                    } else if bits == 64 {
                        if ns {
                            format!("{x}.cast_signed()")
                        } else {
                            format!("{x}.cast_unsigned()")
                        }
                    } else {
                        format!("{ntn}::from({x})")
                    };
                    let wide = match &map.transform {
                        Some(t) => format!("t.{t}_to_neutral({wide})"),
                        None => wide,
                    };
                    let _ = writeln!(to_neutral, "        n.{nf} = {wide};");
                }
                (Kind::Nested { ty, .. }, Some(_)) => {
                    let _ = writeln!(
                        to_abi,
                        "        s.{f} = {}::from_neutral(&n.{nf}, t)?;",
                        os_type(ty)
                    );
                    let _ = writeln!(to_neutral, "        n.{nf} = self.{f}.to_neutral(t);");
                }
                (Kind::TransformedArray { .. } | Kind::TransformedStruct { .. }, Some(_)) => {
                    if let Some(t) = &map.transform {
                        let _ = writeln!(to_abi, "        s.{f} = t.{t}_to_abi(n.{nf});");
                        let _ =
                            writeln!(to_neutral, "        n.{nf} = t.{t}_to_neutral(self.{f});");
                    }
                }
                (Kind::Bytes { .. }, Some(_)) => {
                    let truncate = matches!(map.overflow, Overflow::Truncate | Overflow::Saturate);
                    let err = match (map.overflow, &map.errno) {
                        (Overflow::Error, Some(e)) => format!(
                            "ConvertError::Overflow {{ field: {fname:?}, errno: errno::{} }}",
                            os_type(e)
                        ),
                        _ => format!("ConvertError::Unfit {{ field: {fname:?} }}"),
                    };
                    let _ = writeln!(
                        to_abi,
                        "        s.{f} = rt::bytes_to_abi(&n.{nf}, {truncate}).ok_or({err})?;"
                    );
                    let _ = writeln!(
                        to_neutral,
                        "        n.{nf} = rt::bytes_to_neutral(&self.{f});"
                    );
                }
                _ => {}
            }
        }
        let rt_name = camel(record);
        let _ = writeln!(o, "impl {tn} {{");
        let _ = writeln!(
            o,
            "    /// Builds the ABI struct from neutral `{record}` values; unmapped fields and\n    /// padding are zero.\n    ///\n    /// # Errors\n    /// A value that does not fit where the map says the call fails (or says it\n    /// always fits)."
        );
        if !skipped.is_empty() {
            let _ = writeln!(
                o,
                "    ///\n    /// Left to the personality: {}.",
                skipped.join("; ")
            );
        }
        let _ = writeln!(
            o,
            "    pub fn from_neutral(n: &neutral::{rt_name}, {tp}: &impl Transforms) -> Result<Self, ConvertError> {{\n        let mut s = <Self as FromZeros>::new_zeroed();\n{to_abi}        Ok(s)\n    }}\n"
        );
        let _ = writeln!(
            o,
            "    /// The neutral `{record}` values this struct carries (other fields zero).\n    #[must_use]\n    pub fn to_neutral(&self, {tp}: &impl Transforms) -> neutral::{rt_name} {{\n        let mut n = neutral::{rt_name}::ZERO;\n{to_neutral}        n\n    }}\n}}\n"
        );
    }
    (prelude, o)
}
