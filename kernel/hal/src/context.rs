//! Kernel threads' saved contexts and the switch between them.
//!
//! A switch saves the callee-saved registers on the current kernel stack, stores the
//! stack pointer in the outgoing [`Context`], loads the incoming one's and returns on
//! its stack. FPU state needs no saving here: kernel code keeps nothing in XMM registers
//! across a call (they are caller-saved), and user FPU state lives in `UserContext`.

use crate::layout::{KSTACK_BASE, KSTACK_END, PAGE_SIZE};
use crate::paging::{PageFlags, PageTableRoot};
use core::sync::atomic::{AtomicU64, Ordering};

core::arch::global_asm!(
    r#"
    .section .text.hal_context, "ax"
    .global hal_switch_context
// rdi: where to save this stack pointer; rsi: where to load the next one from.
hal_switch_context:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov (%rsi), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

// The first return of a new thread: r12 = entry, r13 = its argument.
hal_thread_start:
    and $-16, %rsp
    mov %r13, %rdi
    call *%r12
    ud2
    "#,
    options(att_syntax)
);

unsafe extern "C" {
    fn hal_switch_context(save: *const AtomicU64, load: *const AtomicU64);
    static hal_thread_start: u8;
}

/// A suspended kernel thread: its saved stack pointer (0 while running or unused).
#[derive(Debug)]
pub struct Context {
    rsp: AtomicU64,
}

impl Context {
    pub const fn new() -> Self {
        Context {
            rsp: AtomicU64::new(0),
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a thread's first frame could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrepareError {
    /// The stack top is not in the kernel-stack region or its top page is not mapped.
    BadStack(u64),
}

/// Sets `context` up so that switching to it runs `entry(arg)` on the stack ending at
/// `stack_top`, which must be a mapped page-aligned top inside the kernel-stack region.
pub fn prepare(
    context: &Context,
    stack_top: u64,
    entry: extern "C" fn(usize) -> !,
    arg: usize,
) -> Result<(), PrepareError> {
    let in_region = (KSTACK_BASE + PAGE_SIZE..=KSTACK_END).contains(&stack_top)
        && stack_top.is_multiple_of(PAGE_SIZE);
    let mapped = PageTableRoot::current()
        .translate(stack_top - 8)
        .is_some_and(|(_, f)| f.contains(PageFlags::WRITABLE));
    if !in_region || !mapped {
        return Err(PrepareError::BadStack(stack_top));
    }
    // SAFETY: only the address of the label is taken.
    let start = unsafe { core::ptr::from_ref(&hal_thread_start) as u64 };
    // Popped by hal_switch_context: r15, r14, r13, r12, rbp, rbx, then the return address.
    let frame: [u64; 8] = [0, 0, arg as u64, entry as *const () as u64, 0, 0, start, 0];
    let base = stack_top - 64;
    // SAFETY: the 64 bytes below `stack_top` are in the kernel-stack region and mapped
    // writable (checked above); the stack belongs to a thread that is not running yet.
    unsafe { core::ptr::write(base as *mut [u64; 8], frame) };
    context.rsp.store(base, Ordering::Relaxed);
    Ok(())
}

/// Suspends the running thread into `from` and resumes the one saved in `to`.
/// Returns when some thread switches back to `from`.
pub fn switch(from: &Context, to: &Context) {
    assert!(
        to.rsp.load(Ordering::Relaxed) != 0,
        "switch to a context that was never saved or prepared"
    );
    // SAFETY: `to` holds a stack pointer saved by this routine or written by `prepare`,
    // on a stack that stays mapped while its thread exists; interrupts are off in kernel
    // code, so nothing runs between the save and the load.
    unsafe { hal_switch_context(&from.rsp, &to.rsp) }
}
