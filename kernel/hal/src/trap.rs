//! Trap entry and dispatch: the IDT, the assembly stubs, and the one Rust function
//! every exception and interrupt goes through.
//!
//! Each of the 256 vectors has a 16-byte stub that pushes a zero error code where the CPU
//! pushes none, then the vector, and jumps to `trap_common`. That saves the general
//! registers (forming a [`TrapFrame`]) and the FXSAVE image of the interrupted context,
//! calls [`hal_trap_dispatch`], and restores both.

use crate::copy;
use crate::gdt::{IST_DEBUG, IST_DOUBLE_FAULT, IST_MACHINE_CHECK, IST_NMI, KERNEL_CODE};
use crate::layout::{KSTACK_BASE, KSTACK_END, KSTACK_SLOT, PAGE_SIZE};
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::control::Cr2;

/// The registers of an interrupted context, as `trap_common` pushes them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

core::arch::global_asm!(
    r#"
    .section .text.hal_trap, "ax"
    .p2align 4
    .global hal_trap_stubs
hal_trap_stubs:
    .set vec, 0
    .rept 256
    .p2align 4
    .if vec == 0x80
    // The i386 system-call gate has an entry of its own (`hal_int80_entry`).
    jmp hal_int80_entry
    .else
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .endif
    .set vec, vec + 1
    .endr
    .p2align 4
    .global hal_trap_stubs_end
hal_trap_stubs_end:

    .global trap_common
trap_common:
    testb $3, 24(%rsp)
    jnz hal_user_trap
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rbx
    sub $512, %rsp
    and $-64, %rsp
    fxsave64 (%rsp)
    mov %rbx, %rdi
    cld
    call hal_trap_dispatch
    fxrstor64 (%rsp)
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq
    "#,
    options(att_syntax)
);

unsafe extern "C" {
    static hal_trap_stubs: u8;
    static hal_trap_stubs_end: u8;
}

const STUB_SIZE: u64 = 16;

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

impl Gate {
    const MISSING: Gate = Gate {
        offset_low: 0,
        selector: 0,
        ist: 0,
        type_attr: 0,
        offset_mid: 0,
        offset_high: 0,
        reserved: 0,
    };

    fn interrupt(handler: u64, ist: u8, dpl: u8) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector: KERNEL_CODE,
            ist,
            // Present, DPL, 64-bit interrupt gate (interrupts stay off in the handler).
            type_attr: 0x80 | (dpl << 5) | 0x0e,
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt([Gate; 256]);

/// The IDT is written after it is loaded (a personality opens its trap vector to user
/// mode), so it lives in an `UnsafeCell`.
struct IdtCell(core::cell::UnsafeCell<Idt>);

// SAFETY: one CPU, and the table is only written with interrupts off, so no other
// access is live during a write; the CPU reads it only when delivering an interrupt.
unsafe impl Sync for IdtCell {}

static IDT: IdtCell = IdtCell(core::cell::UnsafeCell::new(Idt([Gate::MISSING; 256])));

/// Builds and loads the IDT: every vector gets its stub; double fault, NMI and machine
/// check run on their own IST stacks; `int3` may be raised from user mode.
pub fn init() {
    let gates = build_gates();
    // SAFETY: runs once at boot with interrupts off, before the IDT is loaded.
    unsafe { (*IDT.0.get()).0 = gates };
    load();
}

/// Lets user code raise `vector` with `int` (gate DPL 3), as a personality's trap
/// instruction needs (`int $0x80`). Every other vector raised from user mode is a #GP.
pub fn allow_user_vector(vector: u8) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        // SAFETY: one CPU with interrupts off: nothing else reads or writes the entry now.
        unsafe {
            let gate = &mut (*IDT.0.get()).0[usize::from(vector)];
            gate.type_attr |= 3 << 5;
        }
    });
}

fn build_gates() -> [Gate; 256] {
    // SAFETY: only the addresses of the assembly labels are taken.
    let (base, end) = unsafe {
        (
            core::ptr::from_ref(&hal_trap_stubs) as u64,
            core::ptr::from_ref(&hal_trap_stubs_end) as u64,
        )
    };
    debug_assert_eq!(
        end - base,
        256 * STUB_SIZE,
        "trap stubs are not 16 bytes each"
    );
    let mut gates = [Gate::MISSING; 256];
    for (vector, gate) in (0u8..=255).zip(gates.iter_mut()) {
        let ist = match vector {
            1 => IST_DEBUG,
            2 => IST_NMI,
            8 => IST_DOUBLE_FAULT,
            18 => IST_MACHINE_CHECK,
            _ => 0,
        };
        let dpl = if vector == 3 { 3 } else { 0 };
        *gate = Gate::interrupt(base + u64::from(vector) * STUB_SIZE, ist, dpl);
    }
    gates
}

fn load() {
    let pointer = x86_64::structures::DescriptorTablePointer {
        limit: (core::mem::size_of::<Idt>() - 1) as u16,
        base: x86_64::VirtAddr::new(IDT.0.get() as u64),
    };
    // SAFETY: the table is static, fully initialised, and every gate points at a stub
    // that saves state and calls `hal_trap_dispatch`.
    unsafe { x86_64::instructions::tables::lidt(&pointer) }
}

/// Where the kernel's policy lives: set once by the core kernel at boot. (Traps from
/// user mode do not come here: they return from `UserContext::execute`.)
#[derive(Clone, Copy, Debug)]
pub struct TrapHandlers {
    /// A hardware interrupt (legacy IRQ number 0-15), after its EOI was sent.
    pub irq: fn(irq: u8),
}

static HANDLERS: spin::Once<TrapHandlers> = spin::Once::new();

/// Installs the kernel's trap handlers; only the first call has effect.
pub fn set_handlers(handlers: TrapHandlers) {
    HANDLERS.call_once(|| handlers);
}

/// The last fault the copy/probe routines caught, for the caller to inspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaughtFault {
    pub vector: u8,
    pub error_code: u64,
    pub address: u64,
}

static CAUGHT_VECTOR: AtomicU64 = AtomicU64::new(u64::MAX);
static CAUGHT_ERROR: AtomicU64 = AtomicU64::new(0);
static CAUGHT_ADDRESS: AtomicU64 = AtomicU64::new(0);
static BREAKPOINTS: AtomicU64 = AtomicU64::new(0);
static SPURIOUS: AtomicU64 = AtomicU64::new(0);
/// Interrupts taken per legacy IRQ line since boot (a spurious IRQ 7 or 15 is not one).
static IRQ_COUNTS: [AtomicU64; 16] = [const { AtomicU64::new(0) }; 16];

/// Interrupts handled on each of the 16 legacy IRQ lines since boot.
pub fn irq_counts() -> [u64; 16] {
    core::array::from_fn(|line| IRQ_COUNTS[line].load(Ordering::Relaxed))
}

/// Interrupts that were not to be handled: spurious IRQ 7 or 15, and vectors no line
/// or exception owns.
pub fn spurious_interrupts() -> u64 {
    SPURIOUS.load(Ordering::Relaxed)
}

/// The most recent fault caught by a fixup, if any.
pub fn last_caught_fault() -> Option<CaughtFault> {
    let vector = CAUGHT_VECTOR.load(Ordering::Relaxed);
    (vector != u64::MAX).then(|| CaughtFault {
        vector: vector as u8,
        error_code: CAUGHT_ERROR.load(Ordering::Relaxed),
        address: CAUGHT_ADDRESS.load(Ordering::Relaxed),
    })
}

/// How many breakpoint traps (`int3`) the kernel has handled.
pub fn breakpoint_count() -> u64 {
    BREAKPOINTS.load(Ordering::Relaxed)
}

/// Raises `int3` in kernel mode; the handler counts it and returns.
pub fn breakpoint() {
    x86_64::instructions::interrupts::int3();
}

const PIC_BASE: u64 = 32;

#[unsafe(no_mangle)]
extern "C" fn hal_trap_dispatch(frame: &mut TrapFrame) {
    let vector = frame.vector;
    match vector {
        3 => {
            BREAKPOINTS.fetch_add(1, Ordering::Relaxed);
            crate::fpu::breakpoint_hook();
        }
        // A single-stepping program's `lcall` through the LDT's gate: TF is still set
        // at the gate's first instruction (a call gate does not clear it). That
        // instruction, `pushfq`, saves it with the user's flags; the step after it
        // clears it, so the entry code runs on untraced (as i386 BSD's trap() did for
        // "someone single stepping lcall's").
        1 if frame.rip == crate::user::lcall_entry() => {}
        1 if frame.rip == crate::user::lcall_entry() + 1 => {
            frame.rflags &= !x86_64::registers::rflags::RFlags::TRAP_FLAG.bits();
        }
        // The kernel touched an address a user breakpoint watches (a buffer a system
        // call reads or writes), or a `mov ss` delayed a user's data breakpoint to
        // the first instruction of the `syscall` entry (on #DB's own stack, whatever
        // RSP held): a trap after the access, let go.
        1 if crate::debugreg::kernel_trap() => {}
        0..=31 => {
            // A double fault keeps CR2 of the page fault it could not deliver: that is
            // where a kernel stack overflow shows.
            let fault_address = if vector == 14 || vector == 8 {
                Cr2::read_raw()
            } else {
                0
            };
            if let Some(fixup) = copy::fixup_for(frame.rip) {
                CAUGHT_VECTOR.store(vector, Ordering::Relaxed);
                CAUGHT_ERROR.store(frame.error_code, Ordering::Relaxed);
                CAUGHT_ADDRESS.store(fault_address, Ordering::Relaxed);
                frame.rip = fixup;
            } else {
                kernel_exception(frame, fault_address);
            }
        }
        32..=47 => handle_irq((vector - PIC_BASE) as u8),
        _ => {
            SPURIOUS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Acknowledges a hardware interrupt and runs the kernel's handler for it.
pub(crate) fn handle_irq(irq: u8) {
    if !crate::timer::pic_acknowledge(irq) {
        SPURIOUS.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if let Some(count) = IRQ_COUNTS.get(usize::from(irq)) {
        count.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(h) = HANDLERS.get() {
        (h.irq)(irq);
    }
}

const EXCEPTION_NAMES: [&str; 32] = [
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 floating point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating point",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
];

/// Name of a CPU exception vector.
pub fn exception_name(vector: u64) -> &'static str {
    usize::try_from(vector)
        .ok()
        .and_then(|v| EXCEPTION_NAMES.get(v))
        .copied()
        .unwrap_or("interrupt")
}

/// Prints the full report of an exception, without taking the console lock.
pub fn report(frame: &TrapFrame, fault_address: u64) {
    let mut out = crate::serial::Console { locked: false };
    let f = frame;
    let _ = write!(
        out,
        "EXCEPTION {} (vector {}) error={:#x} rip={:#018x} cs={:#x} rflags={:#x} rsp={:#018x} ss={:#x} cr2={:#018x}\n\
         EXCEPTION   rax={:#018x} rbx={:#018x} rcx={:#018x} rdx={:#018x}\n\
         EXCEPTION   rsi={:#018x} rdi={:#018x} rbp={:#018x} r8 ={:#018x}\n\
         EXCEPTION   r9 ={:#018x} r10={:#018x} r11={:#018x} r12={:#018x}\n\
         EXCEPTION   r13={:#018x} r14={:#018x} r15={:#018x}\n",
        exception_name(f.vector),
        f.vector,
        f.error_code,
        f.rip,
        f.cs,
        f.rflags,
        f.rsp,
        f.ss,
        fault_address,
        f.rax,
        f.rbx,
        f.rcx,
        f.rdx,
        f.rsi,
        f.rdi,
        f.rbp,
        f.r8,
        f.r9,
        f.r10,
        f.r11,
        f.r12,
        f.r13,
        f.r14,
        f.r15,
    );
}

/// Which kernel stack's guard area holds `address`: a fault there is a stack overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackGuard {
    /// The unmapped page at the bottom of the boot stack.
    Boot,
    /// The unmapped part of a kernel-stack slot (below the thread's stack pages).
    Slot(u64),
}

impl core::fmt::Display for StackGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StackGuard::Boot => write!(f, "the boot stack"),
            StackGuard::Slot(slot) => write!(f, "kernel stack slot {slot}"),
        }
    }
}

/// The boot stack's guard page (host builds have no boot stack).
fn boot_stack_guard() -> Option<u64> {
    #[cfg(feature = "bare-metal")]
    return Some(crate::boot::kernel_image().boot_stack.0);
    #[cfg(not(feature = "bare-metal"))]
    None
}

/// The guard area `address` lies in, if any. Kernel-stack slots map their stack at the
/// top and nothing else, so any unmapped address in a slot is guard.
pub fn stack_guard_at(address: u64) -> Option<StackGuard> {
    if boot_stack_guard().is_some_and(|guard| (guard..guard + PAGE_SIZE).contains(&address)) {
        return Some(StackGuard::Boot);
    }
    let in_region = (KSTACK_BASE..KSTACK_END).contains(&address);
    let unmapped = || {
        crate::paging::PageTableRoot::current()
            .translate(address & !(PAGE_SIZE - 1))
            .is_none()
    };
    (in_region && unmapped()).then(|| StackGuard::Slot((address - KSTACK_BASE) / KSTACK_SLOT))
}

fn kernel_exception(frame: &TrapFrame, fault_address: u64) -> ! {
    report(frame, fault_address);
    if matches!(frame.vector, 8 | 14)
        && let Some(guard) = stack_guard_at(fault_address)
    {
        panic!(
            "kernel stack overflow: {} at rip {:#x} touched {:#x}, in the guard area below {guard}",
            exception_name(frame.vector),
            frame.rip,
            fault_address,
        );
    }
    panic!(
        "unhandled {} in kernel mode at rip {:#x} (error {:#x}, cr2 {:#x})",
        exception_name(frame.vector),
        frame.rip,
        frame.error_code,
        fault_address
    );
}

/// Reads `address` with no fixup, so that an unmapped address is an unexpected kernel
/// fault: the harness uses it to prove that such a fault is reported and fails the run.
pub fn raise_unexpected_fault(address: u64) -> ! {
    // SAFETY: deliberately not safe in effect: the read faults and the kernel stops with a
    // full report. No Rust reference is formed and nothing runs after the fault.
    let _ = unsafe { core::ptr::read_volatile(address as *const u8) };
    panic!("read of {address:#x} did not fault");
}
