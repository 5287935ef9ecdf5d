//! Running user code: [`UserContext::execute`] enters user mode with a saved register
//! state and returns when user code next enters the kernel, saying why.
//!
//! The kernel's side of every thread is then an ordinary loop: execute, handle the
//! system call, fault or interrupt, execute again. The user state lives in the
//! `UserContext` (general registers, FXSAVE image), never on a kernel stack, so a
//! personality can read and rewrite it freely (syscall results, signal frames).
//!
//! [`run`] is the same with a short cut for system calls: the entry code hands each to
//! the thread's [`UserThread::serve_syscall`] on its kernel stack, and goes straight
//! back to user mode when the kernel says nothing else is due, so the common call
//! never unwinds to the loop.
//!
//! Entries: `syscall` from 64-bit code (LSTAR), any exception or interrupt from user mode
//! (the trap stubs divert to here when the saved CS has RPL 3), `int` through a DPL-3
//! gate, and `lcall` through the LDT's call gate (see [`crate::ldt`]). Exit to user is
//! always `iretq`, which restores every register exactly.

use crate::gdt::{LDT_CODE32, LDT_DATA, USER_CODE32, USER_CODE64, USER_DATA};
use crate::layout::USER_END;
use crate::ldt::Usage;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask};
use x86_64::registers::rflags::RFlags;

/// The general registers of a user context, in the order the entry code stores them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRegs {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rsp: u64,
    pub rflags: u64,
    pub cs: u64,
    pub ss: u64,
}

/// The FXSAVE image (x87, MMX, SSE state).
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpuState(pub [u8; 512]);

impl FpuState {
    /// The state of a fresh process for a given x87 control word (FreeBSD 4 uses 0x127f,
    /// the native ABI 0x037f) and the default MXCSR.
    pub fn with_control_word(fcw: u16) -> Self {
        let mut image = [0u8; 512];
        image[0..2].copy_from_slice(&fcw.to_le_bytes());
        image[24..28].copy_from_slice(&crate::fpu::DEFAULT_MXCSR.to_le_bytes());
        // MXCSR_MASK: the bits of MXCSR the CPU accepts.
        image[28..32].copy_from_slice(&0xffffu32.to_le_bytes());
        FpuState(image)
    }

    /// The saved MXCSR.
    pub fn mxcsr(&self) -> u32 {
        u32::from_le_bytes([self.0[24], self.0[25], self.0[26], self.0[27]])
    }

    /// After an x87 exception (#MF): the control word (bits 16-31) and status word
    /// (bits 0-15) it was raised with, the status's exception flags then cleared as
    /// FNCLEX clears them, so that the process's next x87 instruction (a signal
    /// handler's) does not raise it again.
    pub fn take_x87_exceptions(&mut self) -> u64 {
        let fcw = u16::from_le_bytes([self.0[0], self.0[1]]);
        let fsw = u16::from_le_bytes([self.0[2], self.0[3]]);
        // PE, UE, OE, ZE, DE, IE, SF, ES and B.
        self.0[2..4].copy_from_slice(&(fsw & !0x80ff).to_le_bytes());
        u64::from(fcw) << 16 | u64::from(fsw)
    }
}

/// Which instruction set the user code runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserMode {
    /// 64-bit long mode.
    Long,
    /// 32-bit compatibility mode (IA-32 binaries).
    Compat32,
}

/// A user thread's complete register state plus why it last left user mode.
#[repr(C, align(64))]
#[derive(Clone, Debug)]
pub struct UserContext {
    pub regs: UserRegs,
    exit_vector: u64,
    exit_error: u64,
    exit_cr2: u64,
    /// The %fs, %gs, %ds and %es selectors of 32-bit code (4.x starts them at its data
    /// selector and programs may load others): saved on every entry to the kernel and
    /// put back on return, so they belong to the context, not to whoever ran last.
    selectors: [u16; 4],
    pub fpu: FpuState,
}

/// Why `execute` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserExit {
    /// The `syscall` instruction (64-bit code).
    Syscall,
    /// `int n` through a gate user code may use (for example `int $0x80`).
    SoftwareInterrupt(u8),
    /// `lcall` through the LDT's call gate (selector 0x07); `rip` is past the `lcall`.
    CallGate,
    /// A CPU exception; `address` is CR2 for page faults, else 0.
    Exception {
        vector: u8,
        error_code: u64,
        address: u64,
    },
    /// A hardware interrupt arrived while user code ran; it has been handled already.
    Interrupt(u8),
    /// The context could not be entered: its state was not a valid user state.
    Refused(RefusedState),
    /// [`run`]'s thread served a system call from the entry path and asked to return
    /// (its [`UserThread::serve_syscall`] said [`SyscallOutcome::Return`], or the state
    /// it left would not enter).
    SyscallServed,
}

/// How user code entered the kernel to make a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallEntry {
    /// The `syscall` instruction (64-bit code).
    Syscall,
    /// `int n` through a gate user code may use.
    SoftwareInterrupt(u8),
    /// `lcall` through the LDT's call gate.
    CallGate,
}

/// Where a thread goes once [`UserThread::serve_syscall`] has served a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallOutcome {
    /// Straight back to user mode with the context as it is now (sanitized as
    /// [`UserContext::execute`] does; a state that would not enter returns instead).
    Resume,
    /// Back to [`run`]'s caller, with [`UserExit::SyscallServed`].
    Return,
}

/// A user thread that [`run`] runs: the kernel's side serves its system calls from the
/// entry path, on the thread's kernel stack, so that a call that needs nothing else
/// (no signal to deliver, no other thread to run) goes straight back to user mode.
pub trait UserThread {
    /// The register state the thread runs with (asked again after every call it
    /// serves: a call such as exec may replace it).
    fn context(&mut self) -> &mut UserContext;

    /// Serves the system call the context's registers describe. Interrupts are off, as
    /// in every kernel path; the thread may block.
    fn serve_syscall(&mut self, entry: SyscallEntry) -> SyscallOutcome;
}

/// What the entry hook works with: the thread, and whether the run ends with a call
/// it served.
struct Run<'t, T: UserThread> {
    thread: &'t mut T,
    served: bool,
}

/// The system-call hook [`run`] installs: serves a system call entry through the
/// thread, and returns the context to go straight back to, or null to return from
/// `hal_enter_user` (any other entry, or a served call that returns).
extern "C" fn serve_from_entry<T: UserThread>(
    run: *mut Run<'_, T>,
    from_syscall: u32,
) -> *mut UserContext {
    let run_ptr = run as usize;
    // SAFETY: `run` is the `Run` that `run` passed to `hal_enter_user`, on `run`'s
    // frame, which stays suspended (inside `hal_enter_user`) while user code runs and
    // while this hook runs, so nothing else uses it; the asm no longer uses the
    // context pointer it had, and takes the one returned here.
    let run = unsafe { &mut *run };
    // 64-bit `syscall` first (the entry says so), then the i386 gate, the commonest
    // `int n`.
    let entry = if from_syscall != 0 {
        SyscallEntry::Syscall
    } else {
        let vector = run.thread.context().exit_vector;
        if vector == 0x80 {
            SyscallEntry::SoftwareInterrupt(0x80)
        } else {
            match syscall_entry(vector) {
                Some(entry) => entry,
                None => return core::ptr::null_mut(),
            }
        }
    };
    if run.thread.serve_syscall(entry) == SyscallOutcome::Resume {
        let context = run.thread.context();
        if context.sanitize().is_ok() {
            let context = core::ptr::from_mut(context);
            // SAFETY: single CPU, interrupts off; the asm reads these words only on
            // entries to the kernel from user mode, which cannot happen now.
            unsafe {
                // Another thread entered user mode while this one was served (it set
                // its own context there), or exec gave this one a new context.
                if hal_cpu_user_context != context {
                    hal_cpu_hook = serve_from_entry::<T> as *const () as usize;
                    hal_cpu_hook_data = run_ptr;
                }
            }
            return context;
        }
    }
    run.served = true;
    core::ptr::null_mut()
}

/// The system-call entry an exit with `vector` records: `syscall`, `lcall` through the
/// gate, or `int n` (which reaches the kernel only through a gate opened to user
/// mode: the others raise #GP), any vector from 32 up that is not the PIC's. None for
/// exceptions and interrupts.
fn syscall_entry(vector: u64) -> Option<SyscallEntry> {
    match vector {
        SYSCALL_VECTOR => Some(SyscallEntry::Syscall),
        CALL_GATE_VECTOR => Some(SyscallEntry::CallGate),
        0..=31 => None,
        v if (PIC_BASE..PIC_BASE + 16).contains(&v) => None,
        v => Some(SyscallEntry::SoftwareInterrupt(v as u8)),
    }
}

impl UserExit {
    /// The system-call entry this exit is, if it is one.
    pub fn syscall_entry(self) -> Option<SyscallEntry> {
        match self {
            UserExit::Syscall => Some(SyscallEntry::Syscall),
            UserExit::SoftwareInterrupt(v) => Some(SyscallEntry::SoftwareInterrupt(v)),
            UserExit::CallGate => Some(SyscallEntry::CallGate),
            _ => None,
        }
    }
}

/// Runs `thread`'s user code until it enters the kernel for something its
/// [`UserThread::serve_syscall`] did not take straight back to user mode, and says
/// why ([`UserExit::SyscallServed`] after a served call). Interrupts that arrive
/// meanwhile are handled before this returns.
///
/// The caller must have made the address space the thread runs in current.
pub fn run<T: UserThread>(thread: &mut T) -> UserExit {
    let mut run = Run {
        thread,
        served: false,
    };
    let run_ptr = &raw mut run;
    // SAFETY: `run_ptr` points at the live local above, which nothing else uses.
    let context = unsafe { (*run_ptr).thread.context() };
    if let Err(e) = context.sanitize() {
        return UserExit::Refused(e);
    }
    let context = core::ptr::from_mut(context);
    // SAFETY: as in `execute`; the hook gets `run_ptr`, valid until this returns
    // (the asm calls the hook only between entering and leaving `hal_enter_user`).
    unsafe {
        hal_enter_user(
            context,
            crate::gdt::rsp0_slot(),
            serve_from_entry::<T> as *const () as usize,
            run_ptr as usize,
        )
    };
    if run.served {
        return UserExit::SyscallServed;
    }
    run.thread.context().exit_reason()
}

/// What made a user state unenterable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusedState {
    InstructionPointer(u64),
    StackPointer(u64),
    /// A code selector that would not return to user mode (or no longer names a user
    /// code segment: its LDT slot was changed).
    CodeSelector(u64),
}

const SYSCALL_VECTOR: u64 = 0x100;
/// What [`UserContext::last_entry_vector`] says after an `lcall` through the gate.
pub const CALL_GATE_VECTOR: u64 = 0x101;
const PIC_BASE: u64 = 32;

/// RFLAGS bits user code may set (arithmetic flags, TF, DF, OF, AC, ID).
const USER_RFLAGS: u64 =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x20_0000;

core::arch::global_asm!(
    r#"
    .set UR_RAX, 0
    .set UR_RBX, 8
    .set UR_RCX, 16
    .set UR_RDX, 24
    .set UR_RSI, 32
    .set UR_RDI, 40
    .set UR_RBP, 48
    .set UR_R8, 56
    .set UR_R9, 64
    .set UR_R10, 72
    .set UR_R11, 80
    .set UR_R12, 88
    .set UR_R13, 96
    .set UR_R14, 104
    .set UR_R15, 112
    .set UR_RIP, 120
    .set UR_RSP, 128
    .set UR_RFLAGS, 136
    .set UR_CS, 144
    .set UR_SS, 152
    .set UR_VECTOR, 160
    .set UR_ERROR, 168
    .set UR_CR2, 176
    .set UR_SEL_FS, 184
    .set UR_SEL_GS, 186
    .set UR_SEL_DS, 188
    .set UR_SEL_ES, 190
    .set UR_FPU, 192

    .section .bss.hal_cpu, "aw", @nobits
    .p2align 3
    .global hal_cpu_kernel_rsp
hal_cpu_kernel_rsp:
    .skip 8
    .global hal_cpu_user_context
hal_cpu_user_context:
    .skip 8
hal_cpu_scratch:
    .skip 8
// The entry's system-call hook (see `run`): a function of the thread being run, its
// argument, and where that thread's kernel stack pointer goes in the TSS.
    .global hal_cpu_hook
hal_cpu_hook:
    .skip 8
    .global hal_cpu_hook_data
hal_cpu_hook_data:
    .skip 8
hal_cpu_rsp0_slot:
    .skip 8

    .section .rodata.hal_user, "a"
    .p2align 2
hal_kernel_mxcsr:
    .long 0x1f80

    .section .text.hal_user, "ax"
// rdi: the UserContext; rsi: where RSP0 (the kernel stack for traps from user) goes;
// rdx: the system-call hook (0: none), called with rcx, its argument (see `run`).
    .global hal_enter_user
hal_enter_user:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdx, hal_cpu_hook(%rip)
    mov %rcx, hal_cpu_hook_data(%rip)
    mov %rsi, hal_cpu_rsp0_slot(%rip)
// Enters the context in rdi from the kernel stack level in rsp: also the way back to
// user mode after a hook served a system call when another thread entered user mode
// meanwhile (so every per-CPU word is set again).
hal_enter_context:
    mov %rsp, hal_cpu_kernel_rsp(%rip)
    mov %rdi, hal_cpu_user_context(%rip)
    mov %rsp, %rax
    and $-16, %rax
    mov hal_cpu_rsp0_slot(%rip), %rsi
    mov %rax, (%rsi)
// The way back when the per-CPU words are this thread's still.
hal_enter_context_same:
    fxrstor64 UR_FPU(%rdi)
    pushq UR_SS(%rdi)
    pushq UR_RSP(%rdi)
    pushq UR_RFLAGS(%rdi)
    pushq UR_CS(%rdi)
    pushq UR_RIP(%rdi)
    // 32-bit code gets its own data selectors back (sanitized: null or ones that
    // load); 64-bit code gets the flat data selector in %ds and %es.
    cmpq ${user_cs64}, UR_CS(%rdi)
    je 1f
    movzwl UR_SEL_DS(%rdi), %eax
    mov %eax, %ds
    movzwl UR_SEL_ES(%rdi), %eax
    mov %eax, %es
    movzwl UR_SEL_FS(%rdi), %eax
    mov %eax, %fs
    movzwl UR_SEL_GS(%rdi), %eax
    mov %eax, %gs
    jmp 2f
1:
    mov UR_SS(%rdi), %eax
    mov %eax, %ds
    mov %eax, %es
2:
    mov UR_RAX(%rdi), %rax
    mov UR_RBX(%rdi), %rbx
    mov UR_RCX(%rdi), %rcx
    mov UR_RDX(%rdi), %rdx
    mov UR_RSI(%rdi), %rsi
    mov UR_RBP(%rdi), %rbp
    mov UR_R8(%rdi), %r8
    mov UR_R9(%rdi), %r9
    mov UR_R10(%rdi), %r10
    mov UR_R11(%rdi), %r11
    mov UR_R12(%rdi), %r12
    mov UR_R13(%rdi), %r13
    mov UR_R14(%rdi), %r14
    mov UR_R15(%rdi), %r15
    mov UR_RDI(%rdi), %rdi
    iretq

// The kernel's flags after an entry that kept the user's (a trap or interrupt gate
// clears only IF and TF, a call gate nothing): DF clear, as the kernel's copies need,
// and AC clear, or SMAP would not guard user memory. Uses the stack, which must be
// RSP0's (SYSCALL's FMASK clears both itself, on the user's stack).
    .macro KERNEL_RFLAGS
    pushq $2
    popfq
    .endm

// Saves the general registers into the UserContext, leaving %rdi pointing at it,
// without touching the stack (%rdi goes through a scratch word; interrupts are off).
    .macro SAVE_REGISTERS_VIA_SCRATCH
    mov %rdi, hal_cpu_scratch(%rip)
    mov hal_cpu_user_context(%rip), %rdi
    mov %rax, UR_RAX(%rdi)
    mov %rbx, UR_RBX(%rdi)
    mov %rcx, UR_RCX(%rdi)
    mov %rdx, UR_RDX(%rdi)
    mov %rsi, UR_RSI(%rdi)
    mov %rbp, UR_RBP(%rdi)
    mov %r8, UR_R8(%rdi)
    mov %r9, UR_R9(%rdi)
    mov %r10, UR_R10(%rdi)
    mov %r11, UR_R11(%rdi)
    mov %r12, UR_R12(%rdi)
    mov %r13, UR_R13(%rdi)
    mov %r14, UR_R14(%rdi)
    mov %r15, UR_R15(%rdi)
    mov hal_cpu_scratch(%rip), %rax
    mov %rax, UR_RDI(%rdi)
    .endm

// Pops the CPU's frame (rip, cs, rflags, rsp, ss) from the stack into the UserContext
// at %rdi.
    .macro SAVE_CPU_FRAME
    pop %rax
    mov %rax, UR_RIP(%rdi)
    pop %rax
    mov %rax, UR_CS(%rdi)
    pop %rax
    mov %rax, UR_RFLAGS(%rdi)
    pop %rax
    mov %rax, UR_RSP(%rdi)
    pop %rax
    mov %rax, UR_SS(%rdi)
    .endm

// From the trap stubs, for a trap whose saved CS has RPL 3. The stack holds
// vector, error code and the CPU's frame (rip, cs, rflags, rsp, ss) on RSP0. Every
// vector is an interrupt gate, so interrupts are off and the scratch word is free.
    .global hal_user_trap
hal_user_trap:
    SAVE_REGISTERS_VIA_SCRATCH
    pop %rax
    mov %rax, UR_VECTOR(%rdi)
    pop %rax
    mov %rax, UR_ERROR(%rdi)
    SAVE_CPU_FRAME
    mov %cr2, %rax
    mov %rax, UR_CR2(%rdi)
    KERNEL_RFLAGS
    jmp hal_user_exit

// `int $0x80`, the i386 system-call gate, straight from its stub: the CPU's frame
// (rip, cs, rflags, rsp, ss) is on RSP0 with no vector or error code above it. From
// kernel mode (which never makes it) it goes the way of every other vector.
    .global hal_int80_entry
hal_int80_entry:
    testb $3, 8(%rsp)
    jz 1f
    SAVE_REGISTERS_VIA_SCRATCH
    SAVE_CPU_FRAME
    movq $0x80, UR_VECTOR(%rdi)
    movq $0, UR_ERROR(%rdi)
    KERNEL_RFLAGS
    jmp hal_user_exit
1:
    pushq $0
    pushq $0x80
    jmp trap_common

// Saves the state SYSCALL leaves (rcx = user rip, r11 = user rflags, rsp = user rsp,
// IF off by FMASK) into the UserContext, without touching the stack, which is still
// the user's. rcx and r11 are saved as they are: SYSCALL has already replaced them.
    .macro SAVE_SYSCALL_STATE
    SAVE_REGISTERS_VIA_SCRATCH
    mov %rsp, UR_RSP(%rdi)
    mov %rcx, UR_RIP(%rdi)
    mov %r11, UR_RFLAGS(%rdi)
    movq $0, UR_ERROR(%rdi)
    .endm

// SYSCALL from 64-bit code. The context's cs and ss are the 64-bit selectors already:
// `sanitize` put them there when it was entered, and only 64-bit code reaches here.
    .global hal_syscall_entry
hal_syscall_entry:
    SAVE_SYSCALL_STATE
    movq ${syscall_vector}, UR_VECTOR(%rdi)
    // 64-bit code's data selectors are not its own state (they are not put back).
    // esi tells the hook it is a `syscall` without its reading the vector back.
    mov $1, %esi
    jmp hal_user_exit_state

// SYSCALL from compatibility mode (AMD only; Intel raises #UD itself). No 32-bit ABI
// Nymph serves enters this way: report it as the #UD it is on Intel, at the SYSCALL
// instruction (2 bytes before the return address).
    .global hal_syscall32_entry
hal_syscall32_entry:
    sub $2, %rcx
    SAVE_SYSCALL_STATE
    movq ${ldt_cs32}, UR_CS(%rdi)
    movq ${ldt_ds}, UR_SS(%rdi)
    movq $6, UR_VECTOR(%rdi)
    jmp hal_user_exit

// `lcall` through the LDT's call gate, from 32-bit code. The CPU switched to RSP0 and
// pushed the user's ss, rsp, cs and rip, and left RFLAGS alone: interrupts are still
// on until the `cli` (one arriving first is handled as in kernel mode, on this stack,
// below the CPU's frame), and a single-stepping program's TF is still set: the #DB
// after `pushfq` clears it (see `trap::hal_trap_dispatch`), after `pushfq` has saved
// it with the user's flags.
    .global hal_lcall_entry
hal_lcall_entry:
    pushfq
    cli
    SAVE_REGISTERS_VIA_SCRATCH
    pop %rax
    mov %rax, UR_RFLAGS(%rdi)
    pop %rax
    mov %rax, UR_RIP(%rdi)
    pop %rax
    mov %rax, UR_CS(%rdi)
    pop %rax
    mov %rax, UR_RSP(%rdi)
    pop %rax
    mov %rax, UR_SS(%rdi)
    movq ${call_gate_vector}, UR_VECTOR(%rdi)
    movq $0, UR_ERROR(%rdi)
    KERNEL_RFLAGS
    jmp hal_user_exit

hal_user_exit:
    xor %esi, %esi
    movw %fs, UR_SEL_FS(%rdi)
    movw %gs, UR_SEL_GS(%rdi)
    movw %ds, UR_SEL_DS(%rdi)
    movw %es, UR_SEL_ES(%rdi)
hal_user_exit_state:
    fxsave64 UR_FPU(%rdi)
    ldmxcsr hal_kernel_mxcsr(%rip)
    mov hal_cpu_kernel_rsp(%rip), %rsp
    // With a hook, it sees the entry first (its argument, and esi: 1 for `syscall`):
    // it returns the context to go straight back to, or 0 to return to
    // `hal_enter_user`'s caller. The push keeps the stack 16-byte aligned for the
    // call (6 pushes and a return address above).
    mov hal_cpu_hook(%rip), %rax
    test %rax, %rax
    jz 1f
    mov hal_cpu_hook_data(%rip), %rdi
    push %rdi
    call *%rax
    pop %rdi
    test %rax, %rax
    jz 1f
    mov %rax, %rdi
    // Only entering user mode changes the per-CPU words, and sets this one: if it
    // still names the context, no other thread has entered user mode since.
    cmp %rdi, hal_cpu_user_context(%rip)
    je hal_enter_context_same
    jmp hal_enter_context
1:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    "#,
    user_cs64 = const USER_CODE64 as u64,
    ldt_cs32 = const LDT_CODE32 as u64,
    ldt_ds = const LDT_DATA as u64,
    syscall_vector = const SYSCALL_VECTOR,
    call_gate_vector = const CALL_GATE_VECTOR,
    options(att_syntax)
);

unsafe extern "C" {
    fn hal_enter_user(context: *mut UserContext, rsp0: *mut u64, hook: usize, hook_data: usize);
    fn hal_syscall_entry();
    fn hal_syscall32_entry();
    static hal_lcall_entry: u8;
    static mut hal_cpu_user_context: *mut UserContext;
    static mut hal_cpu_hook: usize;
    static mut hal_cpu_hook_data: usize;
}

/// Where the call gate enters the kernel (the #DB handler recognises it).
pub(crate) fn lcall_entry() -> u64 {
    // SAFETY: only the label's address is taken.
    unsafe { core::ptr::from_ref(&hal_lcall_entry) as u64 }
}

/// The LDT's call gate (two slots): a long-mode call gate, present, DPL 3, into
/// `hal_lcall_entry` on the kernel's code segment.
pub(crate) fn call_gate_descriptor() -> (u64, u64) {
    let target = lcall_entry();
    let low = (target & 0xffff)
        | (u64::from(crate::gdt::KERNEL_CODE) << 16)
        | (0xc << 40)
        | (3 << 45)
        | (1 << 47)
        | (((target >> 16) & 0xffff) << 48);
    (low, target >> 32)
}

const _: () = {
    assert!(core::mem::offset_of!(UserContext, regs) == 0);
    assert!(core::mem::offset_of!(UserRegs, r15) == 112);
    assert!(core::mem::offset_of!(UserRegs, rip) == 120);
    assert!(core::mem::offset_of!(UserRegs, ss) == 152);
    assert!(core::mem::offset_of!(UserContext, exit_vector) == 160);
    assert!(core::mem::offset_of!(UserContext, exit_error) == 168);
    assert!(core::mem::offset_of!(UserContext, exit_cr2) == 176);
    assert!(core::mem::offset_of!(UserContext, selectors) == 184);
    assert!(core::mem::offset_of!(UserContext, fpu) == 192);
};

/// Turns on SYSCALL/SYSRET and points the 64-bit and compatibility-mode entries at ours.
pub fn init_syscall() {
    // SAFETY: the entry points exist, the selectors match the GDT's SYSCALL layout
    // (kernel CS 0x08 / SS 0x10; user base 0x18: CS32, then data 0x20, then CS64 0x28),
    // and FMASK clears IF, TF, DF, AC and NT so the entry runs with interrupts off.
    unsafe {
        Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
        x86_64::registers::model_specific::Msr::new(0xc000_0081)
            .write((0x18u64 << 48) | (0x08u64 << 32));
        LStar::write(x86_64::VirtAddr::new(hal_syscall_entry as *const () as u64));
        x86_64::registers::model_specific::Msr::new(0xc000_0083)
            .write(hal_syscall32_entry as *const () as u64);
    }
    let mask = RFlags::INTERRUPT_FLAG
        | RFlags::TRAP_FLAG
        | RFlags::DIRECTION_FLAG
        | RFlags::ALIGNMENT_CHECK
        | RFlags::NESTED_TASK
        | RFlags::IOPL_HIGH
        | RFlags::IOPL_LOW;
    SFMask::write(mask);
}

/// Whether `cs` is 32-bit user code: the GDT's 32-bit selector or any LDT selector
/// (the LDT holds no 64-bit code: see [`crate::ldt::admit`]).
fn is_code32(cs: u64) -> bool {
    cs == u64::from(USER_CODE32) || (cs & 4 != 0 && cs <= 0xffff)
}

/// Whether a data selector of 32-bit code may be loaded on the way back: null, the
/// GDT's user selectors, or an LDT selector whose descriptor loads.
fn data_selector_ok(selector: u16) -> bool {
    match selector {
        0 | USER_DATA | USER_CODE32 | LDT_DATA | LDT_CODE32 => true,
        s if s & 4 != 0 => crate::ldt::usable(s, Usage::Data),
        _ => false,
    }
}

impl UserContext {
    /// A context that starts at `rip` with stack `rsp` in the given mode, interrupts on,
    /// every other register zero and the FPU in the state `fpu`.
    pub fn new(mode: UserMode, rip: u64, rsp: u64, fpu: FpuState) -> Self {
        // 32-bit code runs on the LDT's selectors (see `gdt::LDT_CODE32`).
        let (cs, ss) = match mode {
            UserMode::Long => (USER_CODE64, USER_DATA),
            UserMode::Compat32 => (LDT_CODE32, LDT_DATA),
        };
        UserContext {
            regs: UserRegs {
                rip,
                rsp,
                rflags: RFlags::INTERRUPT_FLAG.bits() | 0x2,
                cs: u64::from(cs),
                ss: u64::from(ss),
                ..UserRegs::default()
            },
            exit_vector: 0,
            exit_error: 0,
            exit_cr2: 0,
            selectors: match mode {
                UserMode::Long => [0; 4],
                UserMode::Compat32 => [LDT_DATA; 4],
            },
            fpu,
        }
    }

    /// The vector of the last entry from this context into the kernel: an exception or
    /// interrupt vector, the `n` of an `int n`, 0x100 for `syscall` (0 before the
    /// context first ran). A personality whose signal frames record how the kernel was
    /// entered (FreeBSD's `tf_err` is the length of `int $0x80` for a system call) reads
    /// it while it builds one, before the context runs again.
    pub fn last_entry_vector(&self) -> u64 {
        self.exit_vector
    }

    /// The (%fs, %gs) selectors the context runs with.
    pub fn segment_selectors(&self) -> (u16, u16) {
        (self.selectors[0], self.selectors[1])
    }

    /// The (%ds, %es) selectors 32-bit code runs with.
    pub fn data_selectors(&self) -> (u16, u16) {
        (self.selectors[2], self.selectors[3])
    }

    /// Sets the %ds, %es, %fs and %gs of 32-bit code (a signal return hands them
    /// back). Ones that would not load are made null on the way back to user mode.
    pub fn set_data_selectors(&mut self, ds: u16, es: u16, fs: u16, gs: u16) {
        self.selectors = [fs, gs, ds, es];
    }

    /// Sets or clears the trap flag: while set, the CPU raises a debug exception (#DB)
    /// after each user instruction, which is how a debugger single-steps.
    pub fn set_single_step(&mut self, on: bool) {
        let tf = RFlags::TRAP_FLAG.bits();
        if on {
            self.regs.rflags |= tf;
        } else {
            self.regs.rflags &= !tf;
        }
    }

    /// The mode this context runs in.
    pub fn mode(&self) -> UserMode {
        if is_code32(self.regs.cs) {
            UserMode::Compat32
        } else {
            UserMode::Long
        }
    }

    /// Forces the parts of the state user code does not own into shape: the selectors,
    /// the privileged RFLAGS bits, reserved MXCSR bits. Refuses instruction or stack
    /// pointers `iretq` would fault on in kernel mode.
    #[inline]
    fn sanitize(&mut self) -> Result<(), RefusedState> {
        // Once per return to user mode: written to decide the mode once and touch
        // each field once, with 64-bit code (nearly every return) inline and first.
        let limit = if self.regs.cs == u64::from(USER_CODE64) {
            self.regs.ss = u64::from(USER_DATA);
            USER_END
        } else if self.on_kernel_selectors32() {
            1 << 32
        } else {
            self.sanitize_mode_other()?
        };
        self.regs.rflags = (self.regs.rflags & USER_RFLAGS) | RFlags::INTERRUPT_FLAG.bits() | 0x2;
        // MXCSR's reserved upper half must be zero, or FXRSTOR faults.
        self.fpu.0[26] = 0;
        self.fpu.0[27] = 0;
        if self.regs.rip >= limit {
            return Err(RefusedState::InstructionPointer(self.regs.rip));
        }
        if self.regs.rsp > limit {
            return Err(RefusedState::StackPointer(self.regs.rsp));
        }
        Ok(())
    }

    /// Whether the context is 32-bit code on the kernel's own selectors, which are
    /// always good (their slots never change): nearly every return of 32-bit code.
    #[inline]
    fn on_kernel_selectors32(&self) -> bool {
        self.regs.cs == u64::from(LDT_CODE32)
            && self.regs.ss == u64::from(LDT_DATA)
            && self.selectors == [LDT_DATA; 4]
    }

    /// The part of [`UserContext::sanitize`] for a context that is not on 64-bit user
    /// code: its address limit.
    #[inline(never)]
    fn sanitize_mode_other(&mut self) -> Result<u64, RefusedState> {
        if is_code32(self.regs.cs) {
            self.sanitize_selectors32()?;
            Ok(1 << 32)
        } else {
            // Any other value (a sigreturn may hand one over) becomes 64-bit user code.
            self.regs.cs = u64::from(USER_CODE64);
            self.regs.ss = u64::from(USER_DATA);
            Ok(USER_END)
        }
    }

    /// The selectors of 32-bit code: code must stay user code (an LDT slot the program
    /// changed since is refused), the stack a writable user segment (else the flat data
    /// selector), and data selectors that would not load are made null (the program
    /// faults when it next uses one, where i386 BSD faulted on the way back).
    fn sanitize_selectors32(&mut self) -> Result<(), RefusedState> {
        if self.on_kernel_selectors32() {
            return Ok(());
        }
        let cs = self.regs.cs;
        // The kernel's own selectors are always good (their slots never change).
        if cs != u64::from(LDT_CODE32) && cs & 4 != 0 && !crate::ldt::usable(cs as u16, Usage::Code)
        {
            return Err(RefusedState::CodeSelector(cs));
        }
        let ss = self.regs.ss;
        let stack_ok = ss == u64::from(USER_DATA)
            || ss == u64::from(LDT_DATA)
            || (ss & 4 != 0 && ss <= 0xffff && crate::ldt::usable(ss as u16, Usage::Stack));
        if !stack_ok {
            self.regs.ss = u64::from(USER_DATA);
        }
        for sel in &mut self.selectors {
            if !data_selector_ok(*sel) {
                *sel = 0;
            }
        }
        Ok(())
    }

    /// Runs the user code until it enters the kernel, and says why. Interrupts that
    /// arrive meanwhile are acknowledged and handled before this returns.
    ///
    /// The caller must have made the address space this code runs in current.
    pub fn execute(&mut self) -> UserExit {
        if let Err(e) = self.sanitize() {
            return UserExit::Refused(e);
        }
        // SAFETY: the context is a valid, sanitized user state (user selectors, RFLAGS
        // with IOPL 0, a canonical rip below the user limit, a valid MXCSR); the entry code
        // saves the kernel's callee-saved registers and stack, and every path back from
        // user mode restores them and returns here. `rsp0_slot` is the TSS's RSP0 field.
        unsafe { hal_enter_user(self, crate::gdt::rsp0_slot(), 0, 0) };
        self.exit_reason()
    }

    /// Why user code last entered the kernel, from what the entry code recorded;
    /// an interrupt is handled here.
    fn exit_reason(&self) -> UserExit {
        let vector = self.exit_vector;
        match syscall_entry(vector) {
            Some(SyscallEntry::Syscall) => UserExit::Syscall,
            Some(SyscallEntry::SoftwareInterrupt(v)) => UserExit::SoftwareInterrupt(v),
            Some(SyscallEntry::CallGate) => UserExit::CallGate,
            None if vector < 32 => UserExit::Exception {
                vector: vector as u8,
                error_code: self.exit_error,
                address: if vector == 14 { self.exit_cr2 } else { 0 },
            },
            None => {
                let irq = (vector - PIC_BASE) as u8;
                crate::trap::handle_irq(irq);
                UserExit::Interrupt(irq)
            }
        }
    }
}
