//! FPU/SSE state.
//!
//! The boot code enables SSE before any Rust runs. Every trap entry saves the interrupted
//! context's full FXSAVE image on the kernel stack and restores it on the way out (see
//! `trap.rs`), so kernel code, whose prebuilt `core` uses XMM registers freely, never
//! disturbs the state of the code it interrupted.

use core::sync::atomic::{AtomicBool, Ordering};

/// The x87 control word a fresh context gets (all exceptions masked, 64-bit precision).
pub const DEFAULT_FCW: u16 = 0x037f;
/// The MXCSR a fresh context gets (all SSE exceptions masked, round to nearest).
pub const DEFAULT_MXCSR: u32 = 0x1f80;

/// Resets the x87 unit and MXCSR on the boot CPU.
pub fn init_boot_cpu() {
    let mxcsr = DEFAULT_MXCSR;
    // SAFETY: FNINIT and LDMXCSR only reset FPU/SSE control state; SSE is enabled in CR4
    // by the boot code, and the MXCSR value has no reserved bits set.
    unsafe {
        core::arch::asm!("fninit", "ldmxcsr [{}]", in(reg) &mxcsr, options(nostack));
    }
}

core::arch::global_asm!(
    r#"
    .section .text.hal_fpu, "ax"
    .global hal_xmm_roundtrip_int3
// rdi: 256 bytes to load into xmm0-15; rsi: 256 bytes to store them to after an int3.
hal_xmm_roundtrip_int3:
    movdqu 0x00(%rdi), %xmm0
    movdqu 0x10(%rdi), %xmm1
    movdqu 0x20(%rdi), %xmm2
    movdqu 0x30(%rdi), %xmm3
    movdqu 0x40(%rdi), %xmm4
    movdqu 0x50(%rdi), %xmm5
    movdqu 0x60(%rdi), %xmm6
    movdqu 0x70(%rdi), %xmm7
    movdqu 0x80(%rdi), %xmm8
    movdqu 0x90(%rdi), %xmm9
    movdqu 0xa0(%rdi), %xmm10
    movdqu 0xb0(%rdi), %xmm11
    movdqu 0xc0(%rdi), %xmm12
    movdqu 0xd0(%rdi), %xmm13
    movdqu 0xe0(%rdi), %xmm14
    movdqu 0xf0(%rdi), %xmm15
    int3
    movdqu %xmm0, 0x00(%rsi)
    movdqu %xmm1, 0x10(%rsi)
    movdqu %xmm2, 0x20(%rsi)
    movdqu %xmm3, 0x30(%rsi)
    movdqu %xmm4, 0x40(%rsi)
    movdqu %xmm5, 0x50(%rsi)
    movdqu %xmm6, 0x60(%rsi)
    movdqu %xmm7, 0x70(%rsi)
    movdqu %xmm8, 0x80(%rsi)
    movdqu %xmm9, 0x90(%rsi)
    movdqu %xmm10, 0xa0(%rsi)
    movdqu %xmm11, 0xb0(%rsi)
    movdqu %xmm12, 0xc0(%rsi)
    movdqu %xmm13, 0xd0(%rsi)
    movdqu %xmm14, 0xe0(%rsi)
    movdqu %xmm15, 0xf0(%rsi)
    ret

    .global hal_clobber_xmm
hal_clobber_xmm:
    pxor %xmm0, %xmm0
    pxor %xmm1, %xmm1
    pxor %xmm2, %xmm2
    pxor %xmm3, %xmm3
    pxor %xmm4, %xmm4
    pxor %xmm5, %xmm5
    pxor %xmm6, %xmm6
    pxor %xmm7, %xmm7
    pxor %xmm8, %xmm8
    pxor %xmm9, %xmm9
    pxor %xmm10, %xmm10
    pxor %xmm11, %xmm11
    pxor %xmm12, %xmm12
    pxor %xmm13, %xmm13
    pxor %xmm14, %xmm14
    pxor %xmm15, %xmm15
    ret
    "#,
    options(att_syntax)
);

unsafe extern "C" {
    fn hal_xmm_roundtrip_int3(load: *const [u8; 256], store: *mut [u8; 256]);
    fn hal_clobber_xmm();
}

static CLOBBER_ON_BREAKPOINT: AtomicBool = AtomicBool::new(false);

/// Called by the breakpoint handler: when a test asked for it, zeroes every XMM register
/// inside the handler, as any kernel code may.
pub(crate) fn breakpoint_hook() {
    if CLOBBER_ON_BREAKPOINT.load(Ordering::Relaxed) {
        // SAFETY: XMM registers are caller-saved; the trap entry saved the interrupted
        // context's copies before calling into Rust and restores them on return.
        unsafe { hal_clobber_xmm() }
    }
}

/// Loads `pattern` into XMM0-15, traps into the kernel (int3) whose handler zeroes every
/// XMM register, and returns what the registers held after the trap returned.
pub fn xmm_after_trap(pattern: &[u8; 256]) -> [u8; 256] {
    let mut out = [0u8; 256];
    CLOBBER_ON_BREAKPOINT.store(true, Ordering::Relaxed);
    // SAFETY: both pointers are valid for 256 bytes; the routine follows the C ABI and
    // clobbers only caller-saved XMM registers; int3 in kernel mode returns to the next
    // instruction through the breakpoint handler.
    unsafe { hal_xmm_roundtrip_int3(pattern, &mut out) };
    CLOBBER_ON_BREAKPOINT.store(false, Ordering::Relaxed);
    out
}
