//! The in-memory model of an ABI document (`abi/spec/*.json`).
//!
//! These serde types mirror `abi/spec/abi.schema.json` one to one. [`load`] reads a file,
//! validates it against the schema, deserializes it and runs the semantic checks of
//! [`crate::check`]; the generators work on the [`Spec`] it returns.
//!
//! Compatibility rule for this module: it only grows. New keys are added as optional
//! fields (`#[serde(default)]`); nothing is renamed or removed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// One ABI document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub abi: AbiId,
    pub recognition: Recognition,
    pub data_model: DataModel,
    pub calling_convention: CallingConvention,
    /// Named types (typedefs, structs, unions, enums, flag sets), by name.
    pub types: BTreeMap<String, TypeDef>,
    #[serde(default)]
    pub constants: Vec<Constant>,
    pub errno: Vec<Errno>,
    pub signals: Signals,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ioctl_encoding: Option<IoctlEncoding>,
    #[serde(default)]
    pub ioctls: Vec<Ioctl>,
    #[serde(default)]
    pub sysctls: Vec<Sysctl>,
    pub syscalls: Vec<Syscall>,
    pub startup: Startup,
    pub signal_delivery: SignalDelivery,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<Versioning>,
}

/// An integer written either as a JSON number or as a hexadecimal string ("0x402C7413").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Int(pub i128);

impl Int {
    /// The value as `u64`, if it fits.
    #[must_use]
    pub fn as_u64(self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }
    /// The value as `i64`, if it fits.
    #[must_use]
    pub fn as_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Parses "0x1F" / "-0x1" (the schema's hexadecimal form).
#[must_use]
pub fn parse_hex(s: &str) -> Option<i128> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let digits = rest.strip_prefix("0x")?;
    let v = i128::from_str_radix(digits, 16).ok()?;
    Some(if neg { -v } else { v })
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a \"0x...\" string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(i128::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                Ok(Int(i128::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
                parse_hex(v)
                    .map(Int)
                    .ok_or_else(|| E::custom(format!("not a hexadecimal integer: {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Ok(v) = i64::try_from(self.0) {
            s.serialize_i64(v)
        } else if self.0 < 0 {
            s.serialize_str(&format!("-0x{:X}", self.0.unsigned_abs()))
        } else {
            s.serialize_str(&format!("0x{:X}", self.0))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbiId {
    pub name: String,
    pub version: u32,
    pub arch: Arch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Breaking changes this version makes on purpose (diff subjects, or "*"); added for
    /// `abi-gen diff`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared_breaks: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    I386,
    X86_64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    pub elf_class: u8,
    pub data: String,
    pub machines: Vec<u16>,
    pub elf_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osabi: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_brand: Option<String>,
    #[serde(default)]
    pub interp_paths: Vec<String>,
    #[serde(default)]
    pub notes: Vec<ElfNote>,
    #[serde(default)]
    pub match_order: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteRole {
    Brand,
    AbiVersion,
    Informational,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElfNote {
    pub name: String,
    #[serde(rename = "type")]
    pub note_type: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub desc: TypeRef,
    pub role: NoteRole,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataModel {
    pub pointer_bytes: u32,
    pub word_bytes: u32,
    pub i64_align: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallingConvention {
    pub traps: Vec<Trap>,
    pub number: NumberLocation,
    pub args: ArgLocation,
    pub wide_args: WideArgs,
    pub success: Success,
    pub error: ErrorReturn,
    #[serde(default)]
    pub preserved: Vec<String>,
    #[serde(default)]
    pub clobbered: Vec<String>,
    #[serde(default)]
    pub indirect: Vec<IndirectCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trap {
    pub insn: String,
    pub length: u8,
    #[serde(default)]
    pub used_by_libc: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberLocation {
    pub register: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_range: Option<UnknownCall>,
}

/// What an unknown or empty slot does.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownCall {
    pub errno: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

/// Where the arguments of a call live.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "location", rename_all = "snake_case", deny_unknown_fields)]
pub enum ArgLocation {
    /// In registers, in this order.
    Registers { registers: Vec<String> },
    /// Copied in from the user stack: `max_words` words at `base + offset`.
    UserStack {
        base: String,
        offset: u32,
        max_words: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fault: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WideSplit {
    None,
    LowWordFirst,
    HighWordFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WidePad {
    #[default]
    None,
    ExplicitPadArgument,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WideArgs {
    pub split: WideSplit,
    #[serde(default)]
    pub pad: WidePad,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Success {
    pub registers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carry_flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_register_default: Option<String>,
}

/// How an error comes back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "style", rename_all = "snake_case", deny_unknown_fields)]
pub enum ErrorReturn {
    /// Carry flag set, positive errno in `register`.
    CarryFlag {
        register: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// `-errno` in `register`; values in `[min, -1]` are errors.
    NegativeErrno {
        register: String,
        min: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndirectCall {
    pub number: u32,
    pub code_words: u32,
    pub args_offset: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// A type reference: a name, or a pointer / C string / array built on one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TypeRef {
    Named(String),
    Ptr(PtrType),
    Cstr(CstrType),
    Array(ArrayType),
}

impl TypeRef {
    /// A named reference.
    #[must_use]
    pub fn named(s: &str) -> Self {
        TypeRef::Named(s.to_owned())
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Named(n) => f.write_str(n),
            TypeRef::Ptr(p) => write!(f, "ptr<{}, {:?}>", p.ptr, p.dir),
            TypeRef::Cstr(c) => write!(f, "cstr<{}>", c.cstr.max),
            TypeRef::Array(a) => write!(f, "[{}; {}]", a.array, a.count),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dir {
    In,
    Out,
    Inout,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PtrType {
    pub ptr: Box<TypeRef>,
    pub dir: Dir,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<Len>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub null_terminated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LenUnit {
    Bytes,
    Elements,
}

/// The length of a pointee: held by another argument (or struct field), or fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Len {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    pub unit: LenUnit,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub via_ptr: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CstrType {
    pub cstr: CstrBound,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CstrBound {
    /// Longest accepted string, NUL included.
    pub max: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_long: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrayType {
    pub array: Box<TypeRef>,
    pub count: u64,
}

/// A named type.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeDef {
    Alias(AliasDef),
    Struct(StructDef),
    Union(StructDef),
    Enum(EnumDef),
    Flags(EnumDef),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasDef {
    pub of: TypeRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// A struct or a union with explicit offsets and size.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_name: Option<String>,
    pub size: u64,
    pub align: u64,
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensible: Option<Extensible>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// The extensible-struct rule (native ABI): the struct carries its own size.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extensible {
    pub size_field: String,
    pub min_size: u64,
    pub nonzero_tail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub offset: u64,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub padding: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<FieldMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// The neutral value always fits.
    Fits,
    /// The call fails with `FieldMap::errno`.
    Error,
    /// Low bits kept (documented loss).
    Truncate,
    /// Clamped to the field's range.
    Saturate,
}

/// Where a field maps to in the kernel's ABI-neutral values.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// `record.field`, e.g. `stat.size`.
    pub neutral: String,
    pub overflow: Overflow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// An enum or a flag set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    pub repr: String,
    pub values: Vec<NamedValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedValue {
    pub name: String,
    pub value: Int,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neutral: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constant {
    pub name: String,
    pub value: Int,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Errno {
    pub name: String,
    pub value: i64,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neutral: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signals {
    pub max: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit: Option<String>,
    pub list: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigDefault {
    Terminate,
    Core,
    Ignore,
    Stop,
    Continue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub name: String,
    pub value: u32,
    pub default: SigDefault,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neutral: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// `cmd = dir | (len & len_mask) << len_shift | group << 8 | num`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoctlEncoding {
    pub void: Int,
    pub out: Int,
    #[serde(rename = "in")]
    pub in_: Int,
    pub len_mask: Int,
    pub len_shift: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IoctlDir {
    Void,
    In,
    Out,
    Inout,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ioctl {
    pub name: String,
    pub number: Int,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num: Option<u8>,
    pub dir: IoctlDir,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<TypeRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sysctl {
    pub name: String,
    pub mib: Vec<i64>,
    /// The node's type, a constant of group `sysctl_type`; `None`: no type bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Constants of group `sysctl_flag` ORed into the kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// What oidfmt reports after the kind ("N", "A", "I", "S,timeval", ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The personality's handler that serves the node (one of [`SYSCTL_HANDLERS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// What a leaf or handler reads back; `None` for an inner node.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_mib: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// The handlers a sysctl node may name: each is a variant of `nymph_abi::sysctl::SysctlHandler`
/// (the spelling converted to CamelCase), and the personality answers for it.
pub const SYSCTL_HANDLERS: &[&str] = &[
    "debug",
    "devname",
    "name",
    "next",
    "name2oid",
    "oidfmt",
    "proc_args",
    "proc_table",
    "vfs_generic",
    "route",
    "inet_pcblist",
    "local_pcblist",
    "file_table",
    "tty_table",
];

/// Constant groups of the sysctl kinds and flags.
pub const SYSCTL_TYPE_GROUP: &str = "sysctl_type";
pub const SYSCTL_FLAG_GROUP: &str = "sysctl_flag";

impl Sysctl {
    /// The node's own number, the last of its mib.
    #[must_use]
    pub fn number(&self) -> i64 {
        self.mib.last().copied().unwrap_or_default()
    }

    /// The node's own name, the last part of its dotted name.
    #[must_use]
    pub fn leaf_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

impl Spec {
    /// The constant called `name` if it is of `group`.
    fn group_constant(&self, name: &str, group: &str) -> Option<Int> {
        self.constants
            .iter()
            .find(|c| c.name == name && c.group.as_deref() == Some(group))
            .map(|c| c.value)
    }

    /// The value of a sysctl type constant (`CTLTYPE_INT`, ...).
    #[must_use]
    pub fn sysctl_type(&self, name: &str) -> Option<Int> {
        self.group_constant(name, SYSCTL_TYPE_GROUP)
    }

    /// The value of a sysctl flag constant (`CTLFLAG_RD`, ...).
    #[must_use]
    pub fn sysctl_flag(&self, name: &str) -> Option<Int> {
        self.group_constant(name, SYSCTL_FLAG_GROUP)
    }

    /// A node's kind as the ABI encodes it (type | flags); `None` if it names an
    /// unknown type or flag.
    #[must_use]
    pub fn sysctl_kind(&self, s: &Sysctl) -> Option<u32> {
        let mut kind = match &s.kind {
            Some(k) => self.sysctl_type(k)?.0,
            None => 0,
        };
        for f in &s.flags {
            kind |= self.sysctl_flag(f)?.0;
        }
        u32::try_from(kind).ok()
    }

    /// Whether a node is a `CTLTYPE_NODE`.
    #[must_use]
    pub fn sysctl_is_node(&self, s: &Sysctl) -> bool {
        s.kind.as_deref() == Some("CTLTYPE_NODE")
    }

    /// Whether a node is an inner node whose children answer (a node without a
    /// handler).
    #[must_use]
    pub fn sysctl_is_inner(&self, s: &Sysctl) -> bool {
        self.sysctl_is_node(s) && s.handler.is_none()
    }

    /// The children of the node at `mib` (the top level for an empty one), in
    /// increasing number.
    #[must_use]
    pub fn sysctl_children(&self, mib: &[i64]) -> Vec<&Sysctl> {
        let mut c: Vec<&Sysctl> = self
            .sysctls
            .iter()
            .filter(|s| s.mib.len() == mib.len() + 1 && s.mib.starts_with(mib))
            .collect();
        c.sort_by_key(|s| s.number());
        c
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyscallKind {
    Standard,
    OldCompat,
    Obsolete,
    Unimplemented,
    Loadable,
    External,
    Alias,
    Retired,
}

/// One slot of the syscall table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Syscall {
    pub number: u32,
    pub name: String,
    pub kind: SyscallKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_type: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mpsafe: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub indirect: bool,
    pub args: Vec<Arg>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub variadic: bool,
    pub ret: TypeRef,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_returns: Vec<ExtraReturn>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_in: Option<u32>,
    /// Hints for the generated negative cases (`abi-gen negative`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative: Option<NegativeCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// How the syscall fuzzer treats the call (added for `abi-gen fuzz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuzz: Option<FuzzHint>,
}

/// A syscall's fuzzing restrictions: skip it, or narrow some arguments so the call does
/// not end or wreck the fuzzing process in uninteresting ways.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FuzzHint {
    /// Never call it; the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// The call returns 0 in a new process, which the fuzzer ends at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub child_exits: bool,
    /// Restrictions per argument name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, FuzzArg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// How one argument is narrowed for fuzzing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FuzzArg {
    /// Only these values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Int>,
    /// Bits always set in the drawn value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_bits: Option<Int>,
    /// An input buffer's contents are zero (not random), but for an extensible struct's size.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub zero_fill: bool,
    /// A pointer is never NULL (for a call NULL makes wait forever, e.g. select's timeout).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_null: bool,
}

/// A call's hints for the generated negative cases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeCall {
    /// Why no negative case is generated for the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
}

/// An argument's hints for the generated negative cases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeArg {
    /// C expression of a valid value (default: derived from the type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<String>,
    /// Check kind (`null`, `closed`, `bits`, ... or `all`) -> why it is not generated.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skip: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arg {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pad: bool,
    /// Hints for the generated negative cases (`abi-gen negative`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative: Option<NegativeArg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraReturn {
    pub register: String,
    pub meaning: String,
}

/// The call's state in Nymph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum Status {
    Implemented {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    Partial {
        missing: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    NotImplemented {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Startup {
    pub stack: StackLayout,
    pub auxv: Auxv,
    pub registers: Vec<RegisterValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpu: Option<Fpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackLayout {
    pub top: Int,
    pub entry_alignment: u32,
    #[serde(default)]
    pub addresses: BTreeMap<String, Int>,
    #[serde(default)]
    pub sizes: BTreeMap<String, Int>,
    pub layout: Vec<StackItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackItem {
    pub item: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auxv {
    pub entry_type: TypeRef,
    pub entries: Vec<AuxvEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuxvEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub a_type: u32,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// A register value: a number, or prose ("entry point", "argc address").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RegValue {
    Number(Int),
    Text(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterValue {
    pub register: String,
    pub value: RegValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fpu {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x87_control_word: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mxcsr: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalDelivery {
    pub frames: Vec<SignalFrame>,
    pub return_syscall: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restorer: Option<String>,
    #[serde(default)]
    pub fpu_saved: bool,
    #[serde(default)]
    pub secure_checks: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalFrame {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub when: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_alignment: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trampoline: Option<Int>,
    #[serde(default)]
    pub handler_args: Vec<String>,
    #[serde(default)]
    pub registers: Vec<RegisterValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versioning {
    pub note_name: String,
    pub note_type: u32,
    pub auxv_entry: String,
    pub query_syscall: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_new: Option<String>,
    pub extensible_struct_rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Layout: sizes and alignments under the spec's data model.

/// Size and alignment of a type, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub size: u64,
    pub align: u64,
}

/// The primitive integer types every spec may name without defining them.
pub const PRIMITIVES: &[&str] = &["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "void"];

/// Width in bits and signedness of a primitive integer name.
#[must_use]
pub fn primitive_int(name: &str) -> Option<(u32, bool)> {
    Some(match name {
        "u8" => (8, false),
        "u16" => (16, false),
        "u32" => (32, false),
        "u64" => (64, false),
        "i8" => (8, true),
        "i16" => (16, true),
        "i32" => (32, true),
        "i64" => (64, true),
        _ => return None,
    })
}

impl Spec {
    /// Size and alignment of `t`; `None` for an unknown name, `void`, or an alias cycle.
    #[must_use]
    pub fn layout(&self, t: &TypeRef) -> Option<Layout> {
        self.layout_depth(t, 0)
    }

    fn layout_depth(&self, t: &TypeRef, depth: u32) -> Option<Layout> {
        if depth > 64 {
            return None;
        }
        let ptr = u64::from(self.data_model.pointer_bytes);
        match t {
            TypeRef::Ptr(_) | TypeRef::Cstr(_) => Some(Layout {
                size: ptr,
                align: ptr,
            }),
            TypeRef::Array(a) => {
                let e = self.layout_depth(&a.array, depth + 1)?;
                Some(Layout {
                    size: e.size.checked_mul(a.count)?,
                    align: e.align,
                })
            }
            TypeRef::Named(n) => {
                if let Some((bits, _)) = primitive_int(n) {
                    let size = u64::from(bits / 8);
                    let align = if size == 8 {
                        u64::from(self.data_model.i64_align)
                    } else {
                        size
                    };
                    return Some(Layout { size, align });
                }
                match self.types.get(n)? {
                    TypeDef::Alias(a) => self.layout_depth(&a.of, depth + 1),
                    TypeDef::Struct(s) | TypeDef::Union(s) => Some(Layout {
                        size: s.size,
                        align: s.align,
                    }),
                    TypeDef::Enum(e) | TypeDef::Flags(e) => {
                        self.layout_depth(&TypeRef::Named(e.repr.clone()), depth + 1)
                    }
                }
            }
        }
    }

    /// Follows aliases to the underlying reference (a primitive, struct, enum, pointer...).
    #[must_use]
    pub fn resolve<'a>(&'a self, t: &'a TypeRef) -> &'a TypeRef {
        let mut cur = t;
        for _ in 0..64 {
            match cur {
                TypeRef::Named(n) => match self.types.get(n) {
                    Some(TypeDef::Alias(a)) => cur = &a.of,
                    _ => return cur,
                },
                _ => return cur,
            }
        }
        cur
    }

    /// Number of argument words `call` occupies under this ABI (a 64-bit value is two words
    /// on i386; pad arguments count).
    #[must_use]
    pub fn arg_words(&self, call: &Syscall) -> Option<u32> {
        let word = u64::from(self.data_model.word_bytes);
        let mut total: u64 = 0;
        for a in &call.args {
            let l = self.layout(&a.ty)?;
            total += l.size.div_ceil(word).max(1);
        }
        u32::try_from(total).ok()
    }

    /// The syscall with this number.
    #[must_use]
    pub fn syscall(&self, number: u32) -> Option<&Syscall> {
        self.syscalls.iter().find(|s| s.number == number)
    }

    /// The syscall with this name, preferring a standard slot (compat and obsolete slots
    /// may repeat a standard name, e.g. 4.x `stat` 38 and 188).
    #[must_use]
    pub fn syscall_by_name(&self, name: &str) -> Option<&Syscall> {
        self.syscalls
            .iter()
            .find(|s| s.name == name && s.kind == SyscallKind::Standard)
            .or_else(|| self.syscalls.iter().find(|s| s.name == name))
    }

    /// The syscall with this name and kind.
    #[must_use]
    pub fn syscall_by_kind(&self, name: &str, kind: SyscallKind) -> Option<&Syscall> {
        self.syscalls
            .iter()
            .find(|s| s.name == name && s.kind == kind)
    }

    /// A struct or union by name.
    #[must_use]
    pub fn struct_def(&self, name: &str) -> Option<&StructDef> {
        match self.types.get(name)? {
            TypeDef::Struct(s) | TypeDef::Union(s) => Some(s),
            _ => None,
        }
    }

    /// The errno value of `name` (an alias name works too).
    #[must_use]
    pub fn errno_value(&self, name: &str) -> Option<i64> {
        self.errno
            .iter()
            .find(|e| e.name == name || e.aliases.iter().any(|a| a == name))
            .map(|e| e.value)
    }

    /// A constant, enum value or flag value by name.
    #[must_use]
    pub fn constant_value(&self, name: &str) -> Option<Int> {
        if let Some(c) = self.constants.iter().find(|c| c.name == name) {
            return Some(c.value);
        }
        self.types.values().find_map(|t| match t {
            TypeDef::Enum(e) | TypeDef::Flags(e) => {
                e.values.iter().find(|v| v.name == name).map(|v| v.value)
            }
            _ => None,
        })
    }
}

impl StructDef {
    /// A field by name.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

// ---------------------------------------------------------------------------------------
// Loading.

/// One problem found in a document, located by a JSON pointer ("/syscalls/3/args/1").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{p}: {}", self.reason)
    }
}

/// Why a document could not be loaded.
#[derive(Debug)]
pub enum SpecError {
    /// The file could not be read.
    Io {
        file: PathBuf,
        error: std::io::Error,
    },
    /// The file is not JSON.
    Json {
        file: PathBuf,
        error: serde_json::Error,
    },
    /// The document breaks the JSON Schema.
    Schema { file: PathBuf, issues: Vec<Issue> },
    /// The document is schema-valid but does not fit the model (should not happen when
    /// the schema and the model agree).
    Model {
        file: PathBuf,
        error: serde_json::Error,
    },
    /// The document breaks a semantic rule (overlap, bad reference, duplicate...).
    Semantic { file: PathBuf, issues: Vec<Issue> },
}

impl SpecError {
    /// The located issues (empty for I/O and parse errors).
    #[must_use]
    pub fn issues(&self) -> &[Issue] {
        match self {
            SpecError::Schema { issues, .. } | SpecError::Semantic { issues, .. } => issues,
            _ => &[],
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Io { file, error } => write!(f, "{}: {error}", file.display()),
            SpecError::Json { file, error } => write!(f, "{}: not JSON: {error}", file.display()),
            SpecError::Model { file, error } => {
                write!(f, "{}: does not fit the model: {error}", file.display())
            }
            SpecError::Schema { file, issues } | SpecError::Semantic { file, issues } => {
                let what = if matches!(self, SpecError::Schema { .. }) {
                    "schema"
                } else {
                    "semantic"
                };
                writeln!(f, "{}: {} {what} error(s):", file.display(), issues.len())?;
                for i in issues {
                    writeln!(f, "  {i}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for SpecError {}

/// Reads, schema-validates, deserializes and checks one ABI document.
///
/// # Errors
///
/// Any [`SpecError`]: unreadable file, bad JSON, schema violations (with their JSON
/// paths), or semantic violations found by [`crate::check::check`].
pub fn load(path: impl AsRef<Path>) -> Result<Spec, SpecError> {
    let file = path.as_ref().to_path_buf();
    let text = std::fs::read_to_string(&file).map_err(|error| SpecError::Io {
        file: file.clone(),
        error,
    })?;
    load_str(&text, &file)
}

/// Like [`load`], from text already in memory; `file` is only used in messages.
///
/// # Errors
///
/// As [`load`].
pub fn load_str(text: &str, file: &Path) -> Result<Spec, SpecError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| SpecError::Json {
        file: file.to_path_buf(),
        error,
    })?;
    load_value(value, file)
}

/// Like [`load`], from a parsed document.
///
/// # Errors
///
/// As [`load`].
pub fn load_value(value: serde_json::Value, file: &Path) -> Result<Spec, SpecError> {
    let issues = crate::check::validate_schema(&value);
    if !issues.is_empty() {
        return Err(SpecError::Schema {
            file: file.to_path_buf(),
            issues,
        });
    }
    let spec: Spec = serde_json::from_value(value).map_err(|error| SpecError::Model {
        file: file.to_path_buf(),
        error,
    })?;
    let issues = crate::check::check(&spec);
    if !issues.is_empty() {
        return Err(SpecError::Semantic {
            file: file.to_path_buf(),
            issues,
        });
    }
    Ok(spec)
}

/// The directory holding the specs and the schema (`abi/spec` of this workspace).
#[must_use]
pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}
