//! Local descriptor tables: the default one every process starts with, and the
//! per-address-space tables an i386 program builds for itself (FreeBSD's
//! `i386_set_ldt`), with the rules that keep what user code may put there harmless.
//!
//! Some slots belong to the kernel in every table:
//! - 0 and 1: a 64-bit call gate into [`crate::user`]'s call-gate entry, so that
//!   `lcall $7,$0` (selector 0x07, i386 BSD's `LSYS5CALLS_SEL`) enters the kernel as
//!   FreeBSD 3.x and older programs expect. A long-mode gate takes two slots;
//! - 3 and 5: 32-bit user code and data (see [`crate::gdt::LDT_CODE32`]).
//!
//! A descriptor user code may install is either not present (anything: loading it
//! faults) or a present code or data segment of privilege 3, whose long-mode bit is
//! cleared: a 32-bit program cannot make itself a 64-bit code segment.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The most slots a table may have (i386's MAX_LD: the 16-bit selector's 13 index bits).
pub const MAX_ENTRIES: usize = 8192;

/// Slots of the call gate (a long-mode gate is 16 bytes).
pub const GATE_SLOT: usize = 0;
/// 32-bit user code and data slots (i386 BSD's LUCODE_SEL and LUDATA_SEL).
pub const CODE_SLOT: usize = 3;
pub const DATA_SLOT: usize = 5;

/// How many slots the default table has: up to the data slot.
pub const DEFAULT_ENTRIES: usize = DATA_SLOT + 1;

const PRESENT: u64 = 1 << 47;
const SEGMENT: u64 = 1 << 44;
const DPL_SHIFT: u32 = 45;
const CODE: u64 = 1 << 43;
/// Conforming (code) or expand-down (data).
const CONFORMING: u64 = 1 << 42;
/// Readable (code) or writable (data).
const READ_WRITE: u64 = 1 << 41;
const LONG_MODE: u64 = 1 << 53;

/// Whether a slot belongs to the kernel in every table.
pub fn is_reserved(slot: usize) -> bool {
    matches!(slot, 0 | 1 | CODE_SLOT | DATA_SLOT)
}

/// Why a descriptor may not go into a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// A kernel slot ([`is_reserved`]).
    Reserved,
    /// Past the table's end.
    OutOfRange,
    /// A present system descriptor (gate, TSS, LDT) or a present segment whose privilege
    /// is not 3.
    Privileged,
}

/// What a descriptor becomes in a table, or why it may not go there.
pub fn admit(descriptor: u64) -> Result<u64, Refused> {
    if descriptor & PRESENT == 0 {
        return Ok(descriptor);
    }
    if descriptor & SEGMENT == 0 || (descriptor >> DPL_SHIFT) & 3 != 3 {
        return Err(Refused::Privileged);
    }
    Ok(descriptor & !LONG_MODE)
}

/// The kernel's slots, as every table holds them.
fn kernel_slots() -> [u64; DEFAULT_ENTRIES] {
    let (gate_low, gate_high) = crate::user::call_gate_descriptor();
    let mut slots = [0; DEFAULT_ENTRIES];
    slots[GATE_SLOT] = gate_low;
    slots[GATE_SLOT + 1] = gate_high;
    slots[CODE_SLOT] = x86_64::structures::gdt::DescriptorFlags::USER_CODE32.bits();
    slots[DATA_SLOT] = x86_64::structures::gdt::DescriptorFlags::USER_DATA.bits();
    slots
}

/// A table user code has changed: owned by its address space, loaded while that space
/// runs. Its length is a whole number of pages' worth of slots, as i386 BSD grows them.
#[derive(Debug)]
pub struct UserLdt {
    entries: Box<[u64]>,
}

/// Slots per 4 KiB page (i386's LD_PER_PAGE).
pub const ENTRIES_PER_PAGE: usize = 512;

impl UserLdt {
    /// A table of `len` slots (rounded up to whole pages, at most [`MAX_ENTRIES`]) with
    /// the kernel's slots filled in; None when the heap cannot give it.
    pub fn new(len: usize) -> Option<UserLdt> {
        let len = len.div_ceil(ENTRIES_PER_PAGE).max(1) * ENTRIES_PER_PAGE;
        if len > MAX_ENTRIES {
            return None;
        }
        let mut entries = Vec::new();
        entries.try_reserve_exact(len).ok()?;
        entries.resize(len, 0);
        entries[..DEFAULT_ENTRIES].copy_from_slice(&kernel_slots());
        Some(UserLdt {
            entries: entries.into_boxed_slice(),
        })
    }

    /// A copy (for fork); None when the heap cannot give it.
    pub fn try_clone(&self) -> Option<UserLdt> {
        let mut entries = Vec::new();
        entries.try_reserve_exact(self.entries.len()).ok()?;
        entries.extend_from_slice(&self.entries);
        Some(UserLdt {
            entries: entries.into_boxed_slice(),
        })
    }

    /// Slots in the table.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no slots (never: it has at least a page's worth).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The descriptor in `slot` (0 past the end).
    pub fn get(&self, slot: usize) -> u64 {
        self.entries.get(slot).copied().unwrap_or(0)
    }

    /// Makes the table at least `len` slots long (whole pages); false when the heap
    /// cannot give it or `len` passes [`MAX_ENTRIES`]. A loaded table is reloaded.
    pub fn grow(&mut self, len: usize) -> bool {
        if len <= self.entries.len() {
            return true;
        }
        let Some(mut bigger) = UserLdt::new(len) else {
            return false;
        };
        bigger.entries[..self.entries.len()].copy_from_slice(&self.entries);
        let loaded = is_loaded(&self.entries);
        core::mem::swap(&mut self.entries, &mut bigger.entries);
        // The old slots go now (unloaded first if they were loaded).
        drop(bigger);
        if loaded {
            self.load();
        }
        true
    }

    /// Puts `descriptor` (as [`admit`] makes it) into `slot`.
    pub fn set(&mut self, slot: usize, descriptor: u64) -> Result<(), Refused> {
        if is_reserved(slot) {
            return Err(Refused::Reserved);
        }
        let value = admit(descriptor)?;
        let entry = self.entries.get_mut(slot).ok_or(Refused::OutOfRange)?;
        *entry = value;
        Ok(())
    }

    /// Makes this the CPU's LDT (if it is not already).
    #[inline]
    pub fn load(&self) {
        load_table(self.entries.as_ptr() as u64, self.entries.len());
    }
}

impl Drop for UserLdt {
    fn drop(&mut self) {
        // The CPU must never keep a table whose memory goes back to the heap.
        if is_loaded(&self.entries) {
            load_default();
        }
    }
}

/// The default table, filled in at boot (the gate's target is known only then).
struct DefaultLdt(UnsafeCell<[u64; DEFAULT_ENTRIES]>);

// SAFETY: one CPU; written once at boot before any user code runs, read-only after.
unsafe impl Sync for DefaultLdt {}

static DEFAULT: DefaultLdt = DefaultLdt(UnsafeCell::new([0; DEFAULT_ENTRIES]));

/// The table the CPU has loaded: its address and length in slots. Atomics (one CPU,
/// relaxed) so that the check on every return to user mode is two plain loads.
static LOADED_BASE: AtomicU64 = AtomicU64::new(0);
static LOADED_LEN: AtomicUsize = AtomicUsize::new(0);

fn is_loaded(entries: &[u64]) -> bool {
    LOADED_BASE.load(Ordering::Relaxed) == entries.as_ptr() as u64
}

/// Fills in the default table and loads it; once, at boot.
pub(crate) fn init() {
    // SAFETY: at boot, before any table is loaded or user code runs.
    unsafe { *DEFAULT.0.get() = kernel_slots() };
    load_default();
}

/// Makes the default table the CPU's (if it is not already).
#[inline]
pub fn load_default() {
    load_table(DEFAULT.0.get() as u64, DEFAULT_ENTRIES);
}

/// Loads the table at `base` (`len` slots) unless it is loaded: inline, as every
/// return to user mode asks. The address alone tells tables apart: a table is unloaded
/// before its memory is freed, and a grown one moves while the old one still lives.
#[inline]
fn load_table(base: u64, len: usize) {
    if LOADED_BASE.load(Ordering::Relaxed) != base {
        load_table_now(base, len);
    }
}

#[inline(never)]
fn load_table_now(base: u64, len: usize) {
    crate::gdt::load_ldt(base, len);
    LOADED_BASE.store(base, Ordering::Relaxed);
    LOADED_LEN.store(len, Ordering::Relaxed);
}

/// The descriptor a selector names in the loaded table, if it is an LDT selector
/// inside it.
pub(crate) fn loaded_descriptor(selector: u16) -> Option<u64> {
    if selector & 4 == 0 {
        return None;
    }
    let slot = usize::from(selector >> 3);
    let (base, len) = (
        LOADED_BASE.load(Ordering::Relaxed),
        LOADED_LEN.load(Ordering::Relaxed),
    );
    // SAFETY: the loaded table lives until it is unloaded (`UserLdt`'s Drop unloads it
    // first), and `slot` is inside it.
    unsafe { (slot < len && base != 0).then(|| *(base as *const u64).add(slot)) }
}

/// What kind of segment register a selector is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// %cs of user code: code, privilege 3 (or conforming), present.
    Code,
    /// %ss of user code: writable data, privilege 3, present.
    Stack,
    /// %ds, %es, %fs, %gs: data or readable code, present.
    Data,
}

/// Whether an LDT selector may be loaded into a register of that use on the way back
/// to user mode: loading it must not fault in kernel mode, and it must leave the code
/// in user mode. It is checked against the loaded table: during a system call, the
/// calling program's.
pub fn usable(selector: u16, usage: Usage) -> bool {
    loaded_descriptor(selector).is_some_and(|d| descriptor_usable(d, selector, usage))
}

/// Whether descriptor `d`, named by `selector`, may be loaded for `usage` (see
/// [`usable`]).
fn descriptor_usable(d: u64, selector: u16, usage: Usage) -> bool {
    if d & PRESENT == 0 || d & SEGMENT == 0 {
        return false;
    }
    let dpl = (d >> DPL_SHIFT) & 3;
    let rpl = u64::from(selector & 3);
    match usage {
        Usage::Code => {
            d & CODE != 0 && d & LONG_MODE == 0 && rpl == 3 && (dpl == 3 || d & CONFORMING != 0)
        }
        Usage::Stack => d & CODE == 0 && d & READ_WRITE != 0 && rpl == 3 && dpl == 3,
        Usage::Data => (d & CODE == 0 || d & READ_WRITE != 0) && dpl >= rpl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA32: u64 = 0x00cf_f300_0000_ffff;
    const KERNEL_DATA: u64 = 0x00cf_9300_0000_ffff;
    const CALL_GATE_DPL3: u64 = 0x0000_ec00_0008_0000;

    #[test]
    fn user_segments_are_admitted_and_lose_the_long_mode_bit() {
        assert_eq!(admit(DATA32), Ok(DATA32));
        assert_eq!(admit(DATA32 | LONG_MODE), Ok(DATA32));
        assert_eq!(admit(KERNEL_DATA), Err(Refused::Privileged));
        assert_eq!(admit(CALL_GATE_DPL3), Err(Refused::Privileged));
        // Not present: anything goes, as loading it faults.
        assert_eq!(
            admit(CALL_GATE_DPL3 & !PRESENT),
            Ok(CALL_GATE_DPL3 & !PRESENT)
        );
    }

    #[test]
    fn selectors_are_checked_for_their_register() {
        const CODE32: u64 = 0x00cf_fb00_0000_ffff;
        let sel = (17 << 3) | 4 | 3;
        assert!(descriptor_usable(DATA32, sel, Usage::Data));
        assert!(descriptor_usable(DATA32, sel, Usage::Stack));
        assert!(!descriptor_usable(DATA32, sel, Usage::Code));
        assert!(descriptor_usable(CODE32, sel, Usage::Code));
        // Readable code may be a data selector, never a stack.
        assert!(descriptor_usable(CODE32, sel, Usage::Data));
        assert!(!descriptor_usable(CODE32, sel, Usage::Stack));
        // Execute-only code is no data selector; read-only data is no stack.
        assert!(!descriptor_usable(CODE32 & !READ_WRITE, sel, Usage::Data));
        assert!(!descriptor_usable(DATA32 & !READ_WRITE, sel, Usage::Stack));
        // Not present, a system descriptor, 64-bit code: nothing.
        for usage in [Usage::Code, Usage::Stack, Usage::Data] {
            assert!(!descriptor_usable(DATA32 & !PRESENT, sel, usage));
            assert!(!descriptor_usable(CALL_GATE_DPL3, sel, usage));
        }
        assert!(!descriptor_usable(CODE32 | LONG_MODE, sel, Usage::Code));
        // Code and stack must leave the CPU at privilege 3.
        assert!(!descriptor_usable(CODE32, sel & !3, Usage::Code));
        assert!(!descriptor_usable(DATA32, sel & !3, Usage::Stack));
        assert!(descriptor_usable(DATA32, sel & !3, Usage::Data));
        // Privilege-0 segments (which `admit` never lets in) are refused anyway.
        assert!(!descriptor_usable(KERNEL_DATA, sel, Usage::Data));
    }

    #[test]
    fn kernel_slots_are_refused() {
        for slot in [0, 1, 3, 5] {
            assert!(is_reserved(slot));
        }
        for slot in [2, 4, 6, 16, 17] {
            assert!(!is_reserved(slot));
        }
    }
}
