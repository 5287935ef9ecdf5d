//! User hardware breakpoints: the debug registers DR0-DR3, DR6 and DR7 of the process
//! whose code runs (i386 BSD's pcb_dr*, set by a debugger's PT_SETDBREGS).
//!
//! A process with breakpoints has them loaded when it next enters user mode after a
//! switch ([`load`]); they stay loaded in the kernel until another process enters user
//! mode, so the kernel's own accesses to a watched user address (a buffer passed to a
//! system call) trap too: [`kernel_trap`] lets those go, as i386 BSD's trap() ignores
//! debug traps from kernel mode that its user's registers caused.

use core::sync::atomic::{AtomicBool, Ordering};
use x86_64::registers::debug::{DebugAddressRegister, Dr0, Dr1, Dr2, Dr3, Dr6, Dr6Flags, Dr7};

/// One process's debug registers as its debugger set them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DebugRegisters {
    /// DR0-DR3: the breakpoints' linear addresses.
    pub address: [u64; 4],
    /// DR6: which breakpoints hit (B0-B3) and single steps (BS) since the debugger last
    /// cleared it; the CPU's bits are added to it at each debug trap of the process.
    pub status: u64,
    /// DR7: the enables, conditions and lengths.
    pub control: u64,
}

/// DR6's B0-B3 bits: breakpoint n's condition was met.
pub const STATUS_HITS: u64 = 0xf;

/// The DR7 bits loaded from a user's value: the enables (L0-G3), LE and GE, and the
/// conditions and lengths. GD (general detect, bit 13) is left out: it would make the
/// kernel's own moves to the debug registers trap.
const USER_CONTROL: u64 = 0xffff_03ff;

/// Whether DR7 has enables in it now (so that a load of none must clear it).
static LOADED: AtomicBool = AtomicBool::new(false);

/// Makes `regs` the CPU's debug registers (None or no enable bit: none); nothing is
/// written when none were loaded and none are wanted.
pub fn load(regs: Option<&DebugRegisters>) {
    let control = regs.map_or(0, |r| r.control & USER_CONTROL);
    let Some(regs) = regs.filter(|_| control & 0xff != 0) else {
        if LOADED.swap(false, Ordering::Relaxed) {
            Dr7::write_raw(0);
        }
        return;
    };
    Dr7::write_raw(0);
    Dr0::write(regs.address[0]);
    Dr1::write(regs.address[1]);
    Dr2::write(regs.address[2]);
    Dr3::write(regs.address[3]);
    clear_status();
    Dr7::write_raw(control);
    LOADED.store(true, Ordering::Relaxed);
}

/// Reads DR6 after a debug trap from user mode and resets it (its bits are sticky):
/// what the trap adds to the process's status (B0-B3, BS).
pub fn take_status() -> u64 {
    let status = Dr6::read_raw();
    clear_status();
    status & (STATUS_HITS | Dr6Flags::STEP.bits())
}

/// A debug trap taken in kernel mode: true (and DR6 reset) if loaded user breakpoints
/// caused it, which the kernel lets go.
pub(crate) fn kernel_trap() -> bool {
    if !LOADED.load(Ordering::Relaxed) || Dr6::read_raw() & STATUS_HITS == 0 {
        return false;
    }
    clear_status();
    true
}

/// What a debug handler writes to reset DR6 (its reserved bits set, the rest clear).
const DR6_RESET: u64 = 0xffff_0ff0;

fn clear_status() {
    // The x86_64 crate reads DR6 but has no write for it.
    // SAFETY: writing DR6 changes only the debug status the CPU reports; it touches no
    // memory, no flags and no other register.
    unsafe {
        core::arch::asm!("mov dr6, {}", in(reg) DR6_RESET, options(nomem, nostack, preserves_flags));
    }
}
