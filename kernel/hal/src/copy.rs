//! Copies whose faults are caught: the only way the kernel touches memory it does not own.
//!
//! The copy is `rep movsb` at a known address; when it faults, the trap dispatcher finds
//! that address in the fixup table, records the fault, and resumes at the fixup, which
//! returns the number of bytes left. No Rust reference into the faulting memory ever exists.

use crate::layout::USER_END;
use crate::trap::{CaughtFault, last_caught_fault};
use core::sync::atomic::{AtomicBool, Ordering};
use x86_64::registers::control::{Cr4, Cr4Flags};

core::arch::global_asm!(
    r#"
    .section .text.hal_copy, "ax"
    .global hal_copy_checked
// rdi: destination, rsi: source, rdx: length. Returns the bytes not copied (0 on success).
// Eight bytes a step, then the tail: a step per byte would make every copy cost as many
// instructions as it has bytes. A fault in either part resumes at its fixup.
hal_copy_checked:
    mov %rdx, %rcx
    shr $3, %rcx
    .global hal_copy_fault_ip_q
hal_copy_fault_ip_q:
    rep movsq
    mov %edx, %ecx
    and $7, %ecx
    .global hal_copy_fault_ip
hal_copy_fault_ip:
    rep movsb
    xor %eax, %eax
    ret
    .global hal_copy_fixup_q
hal_copy_fixup_q:
    and $7, %edx
    lea (%rdx, %rcx, 8), %rax
    ret
    .global hal_copy_fixup
hal_copy_fixup:
    mov %rcx, %rax
    ret

    .global hal_copy_user_smap
// The same copy with SMAP's AC flag raised around it, for user memory when SMAP is on.
hal_copy_user_smap:
    mov %rdx, %rcx
    shr $3, %rcx
    stac
    .global hal_copy_smap_fault_ip_q
hal_copy_smap_fault_ip_q:
    rep movsq
    mov %edx, %ecx
    and $7, %ecx
    .global hal_copy_smap_fault_ip
hal_copy_smap_fault_ip:
    rep movsb
    clac
    xor %eax, %eax
    ret
    .global hal_copy_smap_fixup_q
hal_copy_smap_fixup_q:
    clac
    and $7, %edx
    lea (%rdx, %rcx, 8), %rax
    ret
    .global hal_copy_smap_fixup
hal_copy_smap_fixup:
    clac
    mov %rcx, %rax
    ret

    .global hal_invalid_opcode_probe
// Executes ud2; returns 1 when the fault was caught (0 would mean ud2 did not fault).
hal_invalid_opcode_probe:
    .global hal_ud_fault_ip
hal_ud_fault_ip:
    ud2
    xor %eax, %eax
    ret
    .global hal_ud_fixup
hal_ud_fixup:
    mov $1, %eax
    ret
    "#,
    options(att_syntax)
);

unsafe extern "C" {
    fn hal_copy_checked(dst: *mut u8, src: *const u8, len: usize) -> usize;
    fn hal_copy_user_smap(dst: *mut u8, src: *const u8, len: usize) -> usize;
    static hal_copy_smap_fault_ip: u8;
    static hal_copy_smap_fixup: u8;
    static hal_copy_smap_fault_ip_q: u8;
    static hal_copy_smap_fixup_q: u8;
    fn hal_invalid_opcode_probe() -> u64;
    static hal_copy_fault_ip: u8;
    static hal_copy_fixup: u8;
    static hal_copy_fault_ip_q: u8;
    static hal_copy_fixup_q: u8;
    static hal_ud_fault_ip: u8;
    static hal_ud_fixup: u8;
}

fn addr(sym: &u8) -> u64 {
    core::ptr::from_ref(sym) as u64
}

/// The resume address for a fault at `rip`, if `rip` is a routine that expects faults.
pub(crate) fn fixup_for(rip: u64) -> Option<u64> {
    // SAFETY: only the addresses of the assembly labels are taken.
    let table = unsafe {
        [
            (addr(&hal_copy_fault_ip), addr(&hal_copy_fixup)),
            (addr(&hal_copy_fault_ip_q), addr(&hal_copy_fixup_q)),
            (addr(&hal_copy_smap_fault_ip), addr(&hal_copy_smap_fixup)),
            (
                addr(&hal_copy_smap_fault_ip_q),
                addr(&hal_copy_smap_fixup_q),
            ),
            (addr(&hal_ud_fault_ip), addr(&hal_ud_fixup)),
        ]
    };
    table
        .iter()
        .find(|(fault, _)| *fault == rip)
        .map(|(_, fixup)| *fixup)
}

/// A copy stopped by a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyFault {
    /// Bytes copied before the fault.
    pub copied: usize,
    /// What the CPU reported, when the dispatcher recorded it.
    pub fault: Option<CaughtFault>,
}

/// Why a user copy was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserCopyError {
    /// The range is not entirely inside the user half (or the 32-bit limit given).
    BadAddress,
    /// The range is inside the user half but a page of it faulted.
    Fault(CopyFault),
}

static SMAP_ON: AtomicBool = AtomicBool::new(false);

/// Turns on SMEP and SMAP where the CPU has them: from then on the kernel can neither
/// execute user pages nor touch user memory outside the user-copy routine.
/// Returns (SMEP on, SMAP on).
pub fn enable_user_access_protection() -> (bool, bool) {
    let info = crate::cpu::CpuInfo::read();
    let mut flags = Cr4::read();
    if info.smep {
        flags.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
    }
    if info.smap {
        flags.insert(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
    }
    // SAFETY: SMEP and SMAP only restrict the kernel's access to user pages; every
    // deliberate user access goes through `copy_user`, which raises AC when SMAP is on.
    unsafe { Cr4::write(flags) };
    SMAP_ON.store(info.smap, Ordering::Relaxed);
    (info.smep, info.smap)
}

/// Copies between kernel and user memory with the routine SMAP requires, if it is on.
///
/// # Safety
/// `kernel` must be valid for `len` bytes in the direction of the copy; `user` must have
/// been checked to lie in the user half.
unsafe fn copy_user(dst: *mut u8, src: *const u8, len: usize) -> usize {
    if SMAP_ON.load(Ordering::Relaxed) {
        // SAFETY: forwarded from the caller; faults on the user side are caught.
        unsafe { hal_copy_user_smap(dst, src, len) }
    } else {
        // SAFETY: as above.
        unsafe { hal_copy_checked(dst, src, len) }
    }
}

fn user_range_ok(addr: u64, len: usize, limit: u64) -> bool {
    let limit = limit.min(USER_END);
    addr.checked_add(len as u64).is_some_and(|end| end <= limit)
}

/// Copies `dst.len()` bytes from user address `src`, which must lie below `limit`
/// (`u64::MAX` for 64-bit processes, 4 GiB for 32-bit ones).
pub fn copy_from_user(dst: &mut [u8], src: u64, limit: u64) -> Result<(), UserCopyError> {
    if !user_range_ok(src, dst.len(), limit) {
        return Err(UserCopyError::BadAddress);
    }
    // SAFETY: `dst` is a valid kernel buffer of this length; the source range is in the
    // user half, and a fault while reading it is caught and turned into an error.
    let left = unsafe { copy_user(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    finish(dst.len(), left).map_err(UserCopyError::Fault)
}

/// Copies `src` to user address `dst`, which must lie below `limit`.
pub fn copy_to_user(dst: u64, src: &[u8], limit: u64) -> Result<(), UserCopyError> {
    if !user_range_ok(dst, src.len(), limit) {
        return Err(UserCopyError::BadAddress);
    }
    // SAFETY: `src` is a valid kernel buffer; the destination range is in the user half,
    // never kernel memory, and a fault while writing it is caught.
    let left = unsafe { copy_user(dst as *mut u8, src.as_ptr(), src.len()) };
    finish(src.len(), left).map_err(UserCopyError::Fault)
}

/// Reads memory that may be unmapped, without SMAP's permission: on a user address it
/// faults when SMAP is on (diagnostics and tests only).
pub fn probe_kernel_read(dst: &mut [u8], src: u64) -> Result<(), CopyFault> {
    // SAFETY: `dst` is valid; reading `src` either succeeds or faults and is caught. The
    // bytes are copied, never referenced, so no Rust aliasing rule is involved.
    let left = unsafe { hal_copy_checked(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    finish(dst.len(), left)
}

fn finish(len: usize, left: usize) -> Result<(), CopyFault> {
    if left == 0 {
        Ok(())
    } else {
        Err(CopyFault {
            copied: len.saturating_sub(left),
            fault: last_caught_fault(),
        })
    }
}

/// Executes an invalid instruction in kernel mode and reports whether the resulting #UD
/// was caught and resumed.
pub fn invalid_opcode_is_caught() -> bool {
    // SAFETY: the routine faults at a known address, whose fixup returns 1.
    unsafe { hal_invalid_opcode_probe() == 1 }
}
