//! Native signals: sigaction (an extensible struct), sigprocmask, and the frame a
//! handler runs on (native-v1.json `signal_delivery`): a `sigframe` below the red zone
//! holding the restorer as the handler's return address, a siginfo, and a ucontext with
//! every register and the FXSAVE image; `sigreturn(&sf_uc)` puts them back.

use crate::sys::{SysResult, signal_from_native, signal_to_native};
use nymph_abi::native_v1::{self as v1, errno};
use nymph_hal::user::FpuState;
use nymph_kernel::process::calls;
use nymph_kernel::process::{
    CatchAction, ChildChange, ChildReports, ExecError, Fault, SigAction, Signal, SignalOrigin,
    SignalSet, Task,
};
use zerocopy::{FromZeros, IntoBytes};

/// Size of the struct this kernel knows (v1): larger ones must have a zero tail.
const SIGACTION_SIZE: u32 = core::mem::size_of::<v1::sigaction>() as u32;
/// The most of an unknown tail this kernel reads to check it is zero.
const SIGACTION_MAX: u32 = 4096;
const RED_ZONE: u64 = 128;
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;
/// RFLAGS bits a handler starts with cleared: trap and direction.
const HANDLER_CLEARS: u64 = 0x100 | 0x400;

/// The native sigset_t (bit n-1 for signal n) of a set of neutral signals.
pub(crate) fn to_sigset(set: SignalSet) -> u64 {
    set.iter()
        .map(signal_to_native)
        .filter(|&n| (1..=64).contains(&n))
        .fold(0, |m, n| m | (1u64 << (n - 1)))
}

/// The neutral set of a native sigset_t; bits of no signal are dropped.
pub(crate) fn from_sigset(bits: u64) -> SignalSet {
    let mut set = SignalSet::EMPTY;
    for n in 1..=64 {
        if bits & (1 << (n - 1)) != 0
            && let Some(s) = signal_from_native(n)
        {
            set.insert(s);
        }
    }
    set
}

fn native_action(action: SigAction) -> v1::sigaction {
    let mut sa = v1::sigaction::new_zeroed();
    sa.sa_struct_size = SIGACTION_SIZE;
    match action {
        SigAction::Default => sa.sa_handler = SIG_DFL,
        SigAction::Ignore => sa.sa_handler = SIG_IGN,
        SigAction::Catch(c) => {
            sa.sa_handler = c.handler;
            sa.sa_restorer = c.restorer;
            sa.sa_mask = to_sigset(c.mask);
            sa.sa_flags = u32::try_from(c.flags).unwrap_or(0);
        }
    }
    sa
}

/// Reads a caller's sigaction under the extensible-struct rule.
fn read_action(task: &Task, addr: u64) -> Result<v1::sigaction, i32> {
    let size: u32 = task.read_val(addr).map_err(|_| errno::EFAULT)?;
    if !(SIGACTION_SIZE..=SIGACTION_MAX).contains(&size) {
        return Err(if size < SIGACTION_SIZE {
            errno::EINVAL
        } else {
            errno::E2BIG
        });
    }
    let mut tail = [0u8; 256];
    let mut at = u64::from(SIGACTION_SIZE);
    while at < u64::from(size) {
        let n = (u64::from(size) - at).min(tail.len() as u64) as usize;
        task.read_bytes(addr + at, &mut tail[..n])
            .map_err(|_| errno::EFAULT)?;
        if tail[..n].iter().any(|&b| b != 0) {
            return Err(errno::E2BIG);
        }
        at += n as u64;
    }
    task.read_val(addr).map_err(|_| errno::EFAULT)
}

/// Writes `sa` for a caller whose struct is `size` bytes: min(size, ours), with the
/// count stored in its size field.
fn write_action(task: &Task, addr: u64, mut sa: v1::sigaction) -> Result<(), i32> {
    let size: u32 = task.read_val(addr).map_err(|_| errno::EFAULT)?;
    if size < SIGACTION_SIZE {
        return Err(errno::EINVAL);
    }
    sa.sa_struct_size = SIGACTION_SIZE;
    task.write_bytes(addr, sa.as_bytes())
        .map_err(|_| errno::EFAULT)
}

pub(crate) fn sys_sigaction(task: &mut Task, a: v1::SigactionArgs) -> SysResult {
    let signal = signal_from_native(a.sig).ok_or(errno::EINVAL)?;
    let reports = task.process.child_reports();
    let resting = task.process.resting_action(signal);
    let mut new_reports = None;
    let mut new_resting = None;
    let new = if a.act.is_null() {
        None
    } else {
        let sa = read_action(task, a.act.addr())?;
        let flags = v1::sa_flags::from_bits(sa.sa_flags).ok_or(errno::EINVAL)?;
        // POSIX: SA_NOCLDSTOP, and no zombies with SA_NOCLDWAIT or SIG_IGN.
        new_reports = (signal == Signal::Chld).then(|| ChildReports {
            no_stop_signal: flags.contains(v1::sa_flags::SA_NOCLDSTOP),
            no_zombies: flags.contains(v1::sa_flags::SA_NOCLDWAIT) || sa.sa_handler == SIG_IGN,
        });
        // The mask and flags given with SIG_DFL or SIG_IGN are kept beside it, for
        // the old action to report (POSIX: oact is the action as it was set).
        if matches!(sa.sa_handler, SIG_DFL | SIG_IGN) {
            new_resting = Some((from_sigset(sa.sa_mask), u64::from(flags.bits())));
        }
        Some(match sa.sa_handler {
            SIG_DFL => SigAction::Default,
            SIG_IGN => SigAction::Ignore,
            handler => {
                // Handlers return through the caller's restorer: without one there is
                // nowhere to return to.
                if sa.sa_restorer == 0 {
                    return Err(errno::EINVAL);
                }
                SigAction::Catch(CatchAction {
                    handler,
                    mask: from_sigset(sa.sa_mask),
                    flags: u64::from(flags.bits()),
                    restorer: sa.sa_restorer,
                })
            }
        })
    };
    let old = match new {
        Some(action) => task
            .process
            .set_sigaction(signal, action)
            .ok_or(errno::EINVAL)?,
        None => task.process.sigaction(signal),
    };
    if let Some(r) = new_reports {
        task.process.set_child_reports(r);
    }
    if let Some((mask, flags)) = new_resting {
        task.process.set_resting_action(signal, mask, flags);
    }
    if !a.oldact.is_null() {
        let mut sa = native_action(old);
        // SIG_DFL and SIG_IGN report the mask and flags at rest: those given with
        // them, or a handler's that exec reset (the core keeps both); none if none
        // was ever given. Flags another ABI's program left are cut to ours.
        if !matches!(old, SigAction::Catch(_)) {
            let (mask, flags) = resting.unwrap_or((SignalSet::EMPTY, 0));
            sa.sa_mask = to_sigset(mask);
            sa.sa_flags = v1::sa_flags::from_bits_truncate(flags as u32).bits();
        }
        // SIGCHLD's child flags are the process's, whatever its handler; no other
        // signal reports them.
        let child_flags = (v1::sa_flags::SA_NOCLDSTOP | v1::sa_flags::SA_NOCLDWAIT).bits();
        sa.sa_flags &= !child_flags;
        if signal == Signal::Chld {
            if reports.no_stop_signal {
                sa.sa_flags |= v1::sa_flags::SA_NOCLDSTOP.bits();
            }
            if reports.no_zombies {
                sa.sa_flags |= v1::sa_flags::SA_NOCLDWAIT.bits();
            }
        }
        write_action(task, a.oldact.addr(), sa)?;
    }
    Ok(0)
}

pub(crate) fn sys_sigprocmask(task: &mut Task, a: v1::SigprocmaskArgs) -> SysResult {
    let old = task.process.blocked();
    if !a.set.is_null() {
        let bits: u64 = task.read_val(a.set.addr()).map_err(|_| errno::EFAULT)?;
        let set = from_sigset(bits);
        let mut blocked = old;
        for s in Signal::ALL {
            let change = set.contains(s) && s.catchable();
            match a.how {
                v1::sigprocmask_how::SIG_BLOCK if change => blocked.insert(s),
                v1::sigprocmask_how::SIG_UNBLOCK if change => blocked.remove(s),
                v1::sigprocmask_how::SIG_SETMASK if change => blocked.insert(s),
                v1::sigprocmask_how::SIG_SETMASK => blocked.remove(s),
                _ => {}
            }
        }
        task.process.set_blocked(blocked);
    }
    if !a.oldset.is_null() {
        task.write_val(a.oldset.addr(), &to_sigset(old))
            .map_err(|_| errno::EFAULT)?;
    }
    Ok(0)
}

pub(crate) fn sys_sigsuspend(task: &mut Task, a: v1::SigsuspendArgs) -> SysResult {
    let bits: u64 = task.read_val(a.mask.addr()).map_err(|_| errno::EFAULT)?;
    calls::suspend_with_mask(task, from_sigset(bits));
    Err(errno::EINTR)
}

pub(crate) fn sys_sigpending(task: &mut Task, a: v1::SigpendingArgs) -> SysResult {
    let pending = task.process.pending();
    task.write_val(a.set.addr(), &to_sigset(pending))
        .map_err(|_| errno::EFAULT)?;
    Ok(0)
}

/// The alternate signal stack, kept as personality state (so fork copies it and exec
/// starts without one): base, size, and whether one is set at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AltStack {
    sp: u64,
    size: u64,
    enabled: bool,
}

const ALT_SP: &str = "native.altstack.sp";
const ALT_SIZE: &str = "native.altstack.size";
const ALT_ENABLED: &str = "native.altstack.enabled";

impl AltStack {
    fn of(task: &Task) -> AltStack {
        let p = &task.process;
        AltStack {
            sp: p.personality_value(ALT_SP),
            size: p.personality_value(ALT_SIZE),
            enabled: p.personality_value(ALT_ENABLED) != 0,
        }
    }

    /// Whether `rsp` is on this stack (a handler running on it).
    fn holds(&self, rsp: u64) -> bool {
        self.enabled && rsp.wrapping_sub(self.sp) < self.size
    }

    /// The ABI's description of it, as seen from code running with `rsp`.
    fn stack_t(&self, rsp: u64) -> v1::stack_t {
        let mut flags = v1::ss_flags::empty();
        flags.set(v1::ss_flags::SS_DISABLE, !self.enabled);
        flags.set(v1::ss_flags::SS_ONSTACK, self.holds(rsp));
        v1::stack_t {
            ss_sp: self.sp,
            ss_flags: flags.bits(),
            _pad0: [0; 4],
            ss_size: self.size,
        }
    }
}

/// sigaltstack: the old stack goes out first (so a refused change still reports it);
/// flags other than SS_DISABLE are EINVAL, a change while running on the stack EPERM,
/// a stack under MINSIGSTKSZ ENOMEM.
pub(crate) fn sys_sigaltstack(task: &mut Task, a: v1::SigaltstackArgs) -> SysResult {
    let rsp = task.context.regs.rsp;
    let alt = AltStack::of(task);
    if !a.old_ss.is_null() {
        task.write_val(a.old_ss.addr(), &alt.stack_t(rsp))
            .map_err(|_| errno::EFAULT)?;
    }
    if a.ss.is_null() {
        return Ok(0);
    }
    let ss: v1::stack_t = task.read_val(a.ss.addr()).map_err(|_| errno::EFAULT)?;
    let disable = v1::ss_flags::SS_DISABLE.bits();
    if ss.ss_flags & !disable != 0 {
        return Err(errno::EINVAL);
    }
    if alt.holds(rsp) {
        return Err(errno::EPERM);
    }
    let enable = ss.ss_flags & disable == 0;
    if enable && ss.ss_size < u64::from(v1::consts::MINSIGSTKSZ) {
        return Err(errno::ENOMEM);
    }
    let p = &task.process;
    p.set_personality_value(ALT_ENABLED, u64::from(enable));
    if enable {
        p.set_personality_value(ALT_SP, ss.ss_sp);
        p.set_personality_value(ALT_SIZE, ss.ss_size);
    }
    Ok(0)
}

/// Builds the frame for `action` and points the context at the handler: on the
/// alternate stack when the action asks for it (SA_ONSTACK), one is set and the process
/// is not already on it; otherwise below the red zone of the current stack.
pub(crate) fn deliver(
    task: &mut Task,
    signal: Signal,
    origin: SignalOrigin,
    action: &CatchAction,
) -> Result<(), ExecError> {
    let r = task.context.regs;
    let alt = AltStack::of(task);
    let onstack = action.flags & u64::from(v1::sa_flags::SA_ONSTACK.bits()) != 0;
    let top = if onstack && alt.enabled && !alt.holds(r.rsp) {
        alt.sp.wrapping_add(alt.size)
    } else {
        r.rsp.checked_sub(RED_ZONE).ok_or(ExecError::Fault)?
    };
    let size = core::mem::size_of::<v1::sigframe>() as u64;
    let below = top.checked_sub(size).ok_or(ExecError::Fault)?;
    // rsp + 8 is 16-aligned at handler entry, as after a call.
    let frame = (below & !15).checked_sub(8).ok_or(ExecError::Fault)?;
    let mut sf = v1::sigframe::new_zeroed();
    sf.sf_restorer = action.restorer;
    sf.sf_si.si_signo = signal_to_native(signal);
    fill_siginfo(task, signal, origin, &mut sf.sf_si);
    let uc = &mut sf.sf_uc;
    uc.uc_stack = alt.stack_t(r.rsp);
    // The mask before a temporary one (sigsuspend's) is what the handler returns to.
    uc.uc_sigmask = to_sigset(task.process.mask_to_restore());
    let mc = &mut uc.uc_mcontext;
    mc.mc_flags = 1;
    (mc.mc_r8, mc.mc_r9, mc.mc_r10, mc.mc_r11) = (r.r8, r.r9, r.r10, r.r11);
    (mc.mc_r12, mc.mc_r13, mc.mc_r14, mc.mc_r15) = (r.r12, r.r13, r.r14, r.r15);
    (mc.mc_rdi, mc.mc_rsi, mc.mc_rbp, mc.mc_rbx) = (r.rdi, r.rsi, r.rbp, r.rbx);
    (mc.mc_rdx, mc.mc_rax, mc.mc_rcx, mc.mc_rsp) = (r.rdx, r.rax, r.rcx, r.rsp);
    (mc.mc_rip, mc.mc_rflags, mc.mc_cs, mc.mc_ss) = (r.rip, r.rflags, r.cs, r.ss);
    mc.mc_fpstate = task.context.fpu.0;
    task.write_bytes(frame, sf.as_bytes())
        .map_err(|_| ExecError::Fault)?;
    let regs = &mut task.context.regs;
    regs.rip = action.handler;
    regs.rsp = frame;
    regs.rdi = u64::try_from(signal_to_native(signal)).unwrap_or(0);
    regs.rsi = frame + core::mem::offset_of!(v1::sigframe, sf_si) as u64;
    regs.rdx = frame + core::mem::offset_of!(v1::sigframe, sf_uc) as u64;
    regs.rax = 0;
    regs.rflags &= !HANDLER_CLEARS;
    // SA_RESETHAND: the action is the default again once the handler is entered.
    if action.flags & u64::from(v1::sa_flags::SA_RESETHAND.bits()) != 0 {
        task.process.set_sigaction(signal, SigAction::Default);
    }
    Ok(())
}

/// The siginfo of `signal` past its number: why it came (si_code) and from whom.
/// A fault's signal names where: a page fault's address, or the faulting instruction
/// for the others but a general-protection fault, which has none (0, as on Linux).
fn fill_siginfo(task: &Task, signal: Signal, origin: SignalOrigin, si: &mut v1::siginfo) {
    use v1::consts::*;
    match origin {
        SignalOrigin::Kernel => si.si_code = SI_KERNEL,
        SignalOrigin::Process { pid, uid } => {
            si.si_code = SI_USER;
            (si.si_pid, si.si_uid) = (pid as i32, uid);
        }
        SignalOrigin::Child { pid, uid, change } => {
            let (code, status) = match change {
                ChildChange::Exited(code) => (CLD_EXITED, i32::from(code)),
                ChildChange::Killed(s) => (CLD_KILLED, signal_to_native(s)),
                ChildChange::Dumped(s) => (CLD_DUMPED, signal_to_native(s)),
                ChildChange::Stopped(s) => (CLD_STOPPED, signal_to_native(s)),
                ChildChange::Trapped(s) => (CLD_TRAPPED, signal_to_native(s)),
                ChildChange::Continued => (CLD_CONTINUED, signal_to_native(Signal::Cont)),
            };
            (si.si_code, si.si_status) = (code, status);
            (si.si_pid, si.si_uid) = (pid as i32, uid);
        }
        SignalOrigin::Fault => {
            // A signal delivered ahead of its fault's own (a tracer gave another) has
            // no fault of its own.
            let fault = task.process.last_fault().filter(|f| {
                crate::fault_signal(f) == signal || (signal == Signal::Bus && f.vector == 14)
            });
            let Some(f) = fault else {
                si.si_code = SI_KERNEL;
                return;
            };
            task.process.take_fault();
            si.si_addr = match f.vector {
                14 => f.address,
                13 => 0,
                _ => task.context.regs.rip,
            };
            si.si_code = fault_code(signal, &f, &task.context.fpu);
        }
    }
}

/// The si_code of a fault's signal (the vectors [`crate::fault_signal`] maps, and a
/// page fault past the end of a mapped file, which is SIGBUS).
fn fault_code(signal: Signal, fault: &Fault, fpu: &FpuState) -> i32 {
    use v1::consts::*;
    match fault.vector {
        // A page past the end of a mapped file.
        14 if signal == Signal::Bus => BUS_ADRERR,
        0 => FPE_INTDIV,
        1 => TRAP_TRACE,
        3 => TRAP_BRKPT,
        6 => ILL_ILLOPC,
        14 if fault.mapped => SEGV_ACCERR,
        14 => SEGV_MAPERR,
        16 | 19 => float_code(fault, fpu),
        17 => BUS_ADRALN,
        // A general-protection fault and the rest name no cause a code describes.
        _ => SI_KERNEL,
    }
}

/// The si_code of an x87 (#MF) or SSE (#XM) exception: the first unmasked exception
/// flag raised, in Linux's order (invalid, divide, overflow, underflow or denormal,
/// precision); SI_NOINFO if none is.
fn float_code(fault: &Fault, fpu: &FpuState) -> i32 {
    use v1::consts::*;
    let raised = if fault.vector == 16 {
        // The kernel cleared the status at the trap and kept the words in the fault.
        let (fcw, fsw) = (fault.error_code >> 16, fault.error_code & 0xffff);
        (fsw & !fcw & 0x3f) as u32
    } else {
        let mxcsr = fpu.mxcsr();
        mxcsr & !(mxcsr >> 7) & 0x3f
    };
    [
        (0x01, FPE_FLTINV),
        (0x04, FPE_FLTDIV),
        (0x08, FPE_FLTOVF),
        (0x12, FPE_FLTUND),
        (0x20, FPE_FLTRES),
    ]
    .iter()
    .find(|(bits, _)| raised & bits != 0)
    .map_or(SI_NOINFO, |&(_, code)| code)
}

/// Restores the context a handler was entered from. The selectors and the mode stay
/// the process's own whatever the frame says; privileged RFLAGS bits and reserved MXCSR
/// bits are cleared when the context is next entered; a non-canonical rip is refused
/// there too (and the process gets SIGSEGV).
pub(crate) fn sys_sigreturn(task: &mut Task, a: v1::SigreturnArgs) -> SysResult {
    let uc: v1::ucontext = task.read_val(a.uc.addr()).map_err(|_| errno::EFAULT)?;
    let mc = &uc.uc_mcontext;
    let regs = &mut task.context.regs;
    (regs.r8, regs.r9, regs.r10, regs.r11) = (mc.mc_r8, mc.mc_r9, mc.mc_r10, mc.mc_r11);
    (regs.r12, regs.r13, regs.r14, regs.r15) = (mc.mc_r12, mc.mc_r13, mc.mc_r14, mc.mc_r15);
    (regs.rdi, regs.rsi, regs.rbp, regs.rbx) = (mc.mc_rdi, mc.mc_rsi, mc.mc_rbp, mc.mc_rbx);
    (regs.rdx, regs.rcx, regs.rsp, regs.rip) = (mc.mc_rdx, mc.mc_rcx, mc.mc_rsp, mc.mc_rip);
    regs.rflags = mc.mc_rflags;
    if mc.mc_flags & 1 != 0 {
        task.context.fpu.0 = mc.mc_fpstate;
    }
    let mut blocked = from_sigset(uc.uc_sigmask);
    blocked.remove(Signal::Kill);
    blocked.remove(Signal::Stop);
    task.process.set_blocked(blocked);
    // The restored rax is the "result": syscall() writes it back unchanged.
    Ok(mc.mc_rax)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigsets_map_bit_n_minus_one_to_signal_n() {
        let mut set = SignalSet::EMPTY;
        set.insert(Signal::Int);
        set.insert(Signal::Usr1);
        let bits = to_sigset(set);
        let int = 1u64 << (v1::signal::SIGINT - 1);
        let usr1 = 1u64 << (v1::signal::SIGUSR1 - 1);
        assert_eq!(bits, int | usr1);
        assert_eq!(from_sigset(bits), set);
        // Bits of no signal (30 and 31 are unassigned) are dropped, not kept; the
        // unnamed numbers from 32 up are the kernel's numbered signals.
        assert_eq!(from_sigset(1 << 29), SignalSet::EMPTY);
        let mut rt = SignalSet::EMPTY;
        rt.insert(Signal::Numbered(64));
        assert_eq!(from_sigset(1 << 63), rt);
        assert_eq!(to_sigset(rt), 1 << 63);
    }
}
