//! What every generator derives from a spec the same way: which slots carry a call,
//! the unique identifier of each call, its status for coverage, the word layout of its
//! arguments.

use std::collections::BTreeSet;

use crate::model::{Spec, Status, Syscall, SyscallKind};

/// The coverage status of one slot, shared by the Rust table metadata, the Markdown
/// reference and the coverage table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotStatus {
    /// Implemented.
    Implemented,
    /// Partial; what is missing.
    Partial(String),
    /// A call of the ABI that Nymph does not implement.
    NotImplemented,
    /// No call lives here (unimplemented, obsolete, loadable, retired, or a gap).
    Empty,
}

impl SlotStatus {
    /// A short word for tables.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            SlotStatus::Implemented => "implemented",
            SlotStatus::Partial(_) => "partial",
            SlotStatus::NotImplemented => "not implemented",
            SlotStatus::Empty => "empty",
        }
    }
}

/// Whether a slot of this kind carries a callable syscall (an args struct, a table
/// entry, a stub); the others are empty slots.
#[must_use]
pub fn is_call(kind: SyscallKind) -> bool {
    matches!(
        kind,
        SyscallKind::Standard | SyscallKind::OldCompat | SyscallKind::Alias | SyscallKind::External
    )
}

/// The kind as the tables print it.
#[must_use]
pub fn kind_word(kind: SyscallKind) -> &'static str {
    match kind {
        SyscallKind::Standard => "standard",
        SyscallKind::OldCompat => "old_compat",
        SyscallKind::Obsolete => "obsolete",
        SyscallKind::Unimplemented => "unimplemented",
        SyscallKind::Loadable => "loadable",
        SyscallKind::External => "external",
        SyscallKind::Alias => "alias",
        SyscallKind::Retired => "retired",
    }
}

/// The coverage status of a slot.
#[must_use]
pub fn slot_status(c: &Syscall) -> SlotStatus {
    if !is_call(c.kind) {
        return SlotStatus::Empty;
    }
    match &c.status {
        Status::Implemented { .. } => SlotStatus::Implemented,
        Status::Partial { missing, .. } => SlotStatus::Partial(missing.join("; ")),
        Status::NotImplemented { .. } => SlotStatus::NotImplemented,
    }
}

/// One slot of the table, gaps included.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    /// The slot number.
    pub number: u32,
    /// The syscall the spec puts there, if any.
    pub call: Option<&'a Syscall>,
}

/// Every slot from 0 to the highest number in the spec, in order.
#[must_use]
pub fn slots(spec: &Spec) -> Vec<Slot<'_>> {
    let max = spec.syscalls.iter().map(|c| c.number).max();
    let Some(max) = max else {
        return Vec::new();
    };
    (0..=max)
        .map(|number| Slot {
            number,
            call: spec.syscall(number),
        })
        .collect()
}

/// The calls (slots that carry a syscall) in number order, each with its unique
/// identifier base: the name for main-namespace calls, `o<name>` for old-compat ones
/// (the source OS's handler spelling), and `<name>_<number>` if that still collides.
#[must_use]
pub fn calls(spec: &Spec) -> Vec<(&Syscall, String)> {
    let mut list: Vec<&Syscall> = spec.syscalls.iter().filter(|c| is_call(c.kind)).collect();
    list.sort_by_key(|c| c.number);
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for c in list {
        let base = if c.kind == SyscallKind::OldCompat {
            format!("o{}", c.name)
        } else {
            c.name.clone()
        };
        let mut id = crate::names::os_type(&base);
        if !used.insert(id.clone()) {
            id = format!("{id}_{}", c.number);
            used.insert(id.clone());
        }
        out.push((c, id));
    }
    out
}

/// The ABI's module name: `freebsd4-i386` -> `freebsd4_i386`.
#[must_use]
pub fn module_name(spec: &Spec) -> String {
    crate::names::snake(&file_stem(spec))
}

/// The file stem used for every output of this ABI: `<name>-v<version>` for the native
/// ABI family, the plain name for others (`freebsd4-i386`).
#[must_use]
pub fn file_stem(spec: &Spec) -> String {
    let n = &spec.abi.name;
    if let Some(rest) = n.strip_prefix("nymph-") {
        format!("{rest}-v{}", spec.abi.version)
    } else {
        n.clone()
    }
}
