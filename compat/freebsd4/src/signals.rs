//! 4.x signals (reference §5): numbers, 128-bit masks, sigaction/sigprocmask/
//! sigpending/sigsuspend/sigaltstack, the 408-byte `struct sigframe` a handler runs
//! on, the trampolines at the top of the stack that call sigreturn (344), and the
//! mapping of CPU faults to signals as 4.x `trap()` does it.

use crate::fb::{self, errno};
use crate::startup::{OSIGCODE_ADDR, SIGCODE_ADDR};
use crate::sys::{Ret, SysResult, fault};
use nymph_hal::gdt::{LDT_CODE32, LDT_DATA};
use nymph_hal::user::UserContext;
use nymph_kernel::process::calls;
use nymph_kernel::process::{
    self, CatchAction, ChildReports, ExecError, Fault, SigAction, Signal, SignalOrigin, SignalSet,
    Task,
};
use zerocopy::{FromZeros, IntoBytes};

/// The new-style trampoline, copied to `SIGCODE_ADDR` (locore.s `sigcode`, assembled):
/// `call *16(%esp)` (SIGF_HANDLER); `lea 20(%esp),%eax` (SIGF_UC); `push %eax`;
/// `testl $0x20000,84(%eax)` (PSL_VM in UC_EFLAGS); `jne 1f`; `mov 20(%eax),%gs`
/// (UC_GS); `1: mov $344,%eax` (SYS_sigreturn); `push %eax`; `int $0x80`; `jmp .`;
/// one byte of alignment.
pub(crate) const SIGCODE: [u8; 32] = [
    0xff, 0x54, 0x24, 0x10, 0x8d, 0x44, 0x24, 0x14, 0x50, 0xf7, 0x40, 0x54, 0x00, 0x00, 0x02, 0x00,
    0x75, 0x03, 0x8e, 0x68, 0x14, 0xb8, 0x58, 0x01, 0x00, 0x00, 0x50, 0xcd, 0x80, 0xeb, 0xfe, 0x90,
];

/// The old-style trampoline (`osigcode`), for handlers installed through the 4.3BSD
/// calls: `call *16(%esp)`; `lea 20(%esp),%eax` (&sf_siginfo.si_sc); `push %eax`;
/// `testl $0x20000,24(%eax)` (sc_efl); `jne 1f`; `mov 68(%eax),%gs` (sc_gs);
/// `1: movl $0x1d516,76(%eax)` (the "0ldSiG" magic in sc_trapno); `mov $344,%eax`;
/// `push %eax`; `int $0x80`; `jmp .`; two bytes of alignment.
pub(crate) const OSIGCODE: [u8; 40] = [
    0xff, 0x54, 0x24, 0x10, 0x8d, 0x44, 0x24, 0x14, 0x50, 0xf7, 0x40, 0x18, 0x00, 0x00, 0x02, 0x00,
    0x75, 0x03, 0x8e, 0x68, 0x44, 0xc7, 0x40, 0x4c, 0x16, 0xd5, 0x01, 0x00, 0xb8, 0x58, 0x01, 0x00,
    0x00, 0x50, 0xcd, 0x80, 0xeb, 0xfe, 0x90, 0x90,
];

const SIG_DFL: u32 = 0;
const SIG_IGN: u32 = 1;
/// Handlers installed with this personality's own bit: the frame is the old style.
const OLD_STYLE: u64 = 1 << 32;
/// PSL_T and PSL_VM: cleared for a handler / never allowed.
const PSL_T: u32 = 0x100;
const PSL_VM: u32 = 0x2_0000;
/// The eflags bits sigreturn lets user code change (`PSL_USERCHANGE`): C, PF, AF, ZF,
/// SF, TF, DF, OF, NT, AC, ID; RF is ignored.
const PSL_USERCHANGE: u32 =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x4_0000 | 0x20_0000;
const PSL_RF: u32 = 0x1_0000;
/// `osigreturn`'s magic in `sc_trapno` ("0ldSiG").
const OLD_SIGRETURN_MAGIC: i32 = 0x01d516;
/// The size of `struct osigcontext`: the part sigreturn must be able to read first.
const OSIGCONTEXT_SIZE: usize = 84;
/// `MINSIGSTKSZ`.
const MINSIGSTKSZ: u32 = 8192;
/// The 4.x trap numbers (`sys/i386/include/trap.h`) a frame's `mc_trapno` holds.
const T_PRIVINFLT: i32 = 1;
const T_BPTFLT: i32 = 3;
const T_ARITHTRAP: i32 = 6;
const T_PROTFLT: i32 = 9;
const T_TRCTRAP: i32 = 10;
const T_PAGEFLT: i32 = 12;
const T_ALIGNFLT: i32 = 14;
const T_DIVIDE: i32 = 18;
const T_OFLOW: i32 = 20;
const T_BOUND: i32 = 21;
const T_DOUBLEFLT: i32 = 23;
const T_TSSFLT: i32 = 25;
const T_SEGNPFLT: i32 = 26;
const T_STKFLT: i32 = 27;
const T_XMMFLT: i32 = 29;
/// The codes `trap()` hands SIGFPE handlers, and what it adds to a segment fault's
/// error code for SIGBUS.
const FPE_INTOVF: i32 = 1;
const FPE_INTDIV: i32 = 2;
const FPE_FLTDIV: i32 = 3;
const FPE_FLTOVF: i32 = 4;
const FPE_FLTUND: i32 = 5;
const FPE_FLTRES: i32 = 6;
const FPE_FLTINV: i32 = 7;
const FPE_FLTSUB: i32 = 8;
const BUS_SEGM_FAULT: i32 = 30;
/// `tf_err` of a system call: the length of `int $0x80` (exception.s).
const INT80_ERR: u32 = 2;
/// `tf_err` of a system call made through the LDT's call gate (`lcall $7,$0`).
const LCALL_ERR: u32 = 7;
/// The vector 4.x system calls come in through.
const INT80_VECTOR: u64 = 0x80;

/// What a 4.x trap frame and `trap()` say about how the kernel was entered: the trap
/// number (`tf_trapno`), the code a handler gets (`ucode`: sf_siginfo / si_code) and
/// `tf_err` (sf_addr / si_addr / mc_err).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TrapWords {
    pub(crate) trapno: i32,
    pub(crate) code: i32,
    pub(crate) err: u32,
}

/// 4.x `trap()` for a fault from user mode: #DE is T_DIVIDE with FPE_INTDIV, #UD
/// T_PRIVINFLT with that as the code, int3 T_BPTFLT with code 0, a page fault T_PAGEFLT
/// with the fault address in tf_err (`trap_pfault`'s "kludge to pass faulting virtual
/// address to sendsig"), #GP and the other segment faults their T_ number with
/// `err + BUS_SEGM_FAULT` as the code. Without a fault the signal came from kill and
/// friends: the code is 0 and tf_err is 2 when the kernel was entered by `int $0x80`
/// (the frame of the system call the signal is delivered on the way out of), 7 by
/// `lcall $7,$0`, else 0;
/// tf_trapno of a system call is whatever the frame's slot held in 4.x: 0 here.
pub(crate) fn trap_words(fault: Option<&Fault>, entry_vector: u64) -> TrapWords {
    let Some(f) = fault else {
        let err = match entry_vector {
            INT80_VECTOR => INT80_ERR,
            nymph_hal::user::CALL_GATE_VECTOR => LCALL_ERR,
            _ => 0,
        };
        return TrapWords {
            trapno: 0,
            code: 0,
            err,
        };
    };
    let err = f.error_code as u32;
    let segment = |trapno| TrapWords {
        trapno,
        code: err as i32 + BUS_SEGM_FAULT,
        err,
    };
    let simple = |trapno, code| TrapWords {
        trapno,
        code,
        err: 0,
    };
    match f.vector {
        0 => simple(T_DIVIDE, FPE_INTDIV),
        1 => simple(T_TRCTRAP, 0),
        3 => simple(T_BPTFLT, 0),
        4 => simple(T_OFLOW, FPE_INTOVF),
        5 => simple(T_BOUND, FPE_FLTSUB),
        6 => simple(T_PRIVINFLT, T_PRIVINFLT),
        8 => segment(T_DOUBLEFLT),
        10 => segment(T_TSSFLT),
        11 => segment(T_SEGNPFLT),
        12 => segment(T_STKFLT),
        13 => segment(T_PROTFLT),
        14 => TrapWords {
            trapno: T_PAGEFLT,
            code: T_PAGEFLT,
            err: f.address as u32,
        },
        16 => simple(T_ARITHTRAP, x87_code(f.error_code)),
        17 => segment(T_ALIGNFLT),
        19 => simple(T_XMMFLT, 0),
        v => TrapWords {
            trapno: i32::from(v),
            code: 0,
            err,
        },
    }
}

/// The FPE_* code 4.x's npx_intr gives an x87 exception (its fpetable), from the
/// control word (bits 16-31) and status word (bits 0-15) the kernel kept in the fault:
/// of the unmasked exceptions (and a stack fault), invalid operation first (a stack
/// fault's FPE_FLTSUB then), then divide by zero, denormal (as underflow), overflow,
/// underflow, inexact, a stack fault alone.
fn x87_code(words: u64) -> i32 {
    let (cw, sw) = (words >> 16, words & 0xffff);
    let raised = (sw & !cw & 0x3f) | (sw & 0x40);
    let stack = raised & 0x40 != 0;
    [
        (0x01, if stack { FPE_FLTSUB } else { FPE_FLTINV }),
        (0x04, FPE_FLTDIV),
        (0x02, FPE_FLTUND),
        (0x08, FPE_FLTOVF),
        (0x10, FPE_FLTUND),
        (0x20, FPE_FLTRES),
        (0x40, FPE_FLTSUB),
    ]
    .iter()
    .find(|&&(bit, _)| raised & bit != 0)
    .map_or(0, |&(_, code)| code)
}

/// The neutral signal of a 4.x signal number: 1..=31 are the named ones (4.x numbers
/// them in the order the kernel's `Signal::ALL` lists them), 32..=128 the numbered.
pub(crate) fn signal_from_fb(n: i32) -> Option<Signal> {
    let index = usize::try_from(n).ok()?.checked_sub(1)?;
    Signal::ALL
        .get(index)
        .copied()
        .or_else(|| Signal::numbered(n as u32))
}

/// The 4.x number of a neutral signal.
pub(crate) fn signal_to_fb(signal: Signal) -> i32 {
    match signal {
        Signal::Numbered(n) => i32::from(n),
        named => Signal::ALL
            .iter()
            .position(|&s| s == named)
            .map_or(0, |i| i as i32 + 1),
    }
}

/// Every signal 4.x numbers, 1..=128.
fn all_fb_signals() -> impl Iterator<Item = Signal> {
    (1..=i32::from(Signal::LAST_NUMBERED)).filter_map(signal_from_fb)
}

/// The signals `p` ignores and the ones it catches (4.x's ps_sigignore and
/// ps_sigcatch), by their actions now.
pub(crate) fn ignored_and_caught(p: &nymph_kernel::process::Process) -> (SignalSet, SignalSet) {
    let (mut ignored, mut caught) = (SignalSet::EMPTY, SignalSet::EMPTY);
    for signal in nymph_kernel::process::Signal::ALL {
        match p.sigaction(signal) {
            nymph_kernel::process::SigAction::Ignore => ignored.insert(signal),
            nymph_kernel::process::SigAction::Catch(_) => caught.insert(signal),
            nymph_kernel::process::SigAction::Default => {}
        }
    }
    (ignored, caught)
}

/// The 4.x `sigset_t` (128 bits, signal n at bit n-1) of a neutral set.
pub(crate) fn to_sigset(set: SignalSet) -> fb::sigset_t {
    let mut bits = [0u32; 4];
    for s in set.iter() {
        let n = signal_to_fb(s) - 1;
        if (0..128).contains(&n) {
            bits[(n >> 5) as usize] |= 1 << (n & 31);
        }
    }
    fb::sigset_t { __bits: bits }
}

/// The neutral set of a 4.x `sigset_t`.
pub(crate) fn from_sigset(set: &fb::sigset_t) -> SignalSet {
    let mut out = SignalSet::EMPTY;
    for s in all_fb_signals() {
        let n = (signal_to_fb(s) - 1) as usize;
        if set.__bits[n >> 5] & (1 << (n & 31)) != 0 {
            out.insert(s);
        }
    }
    out
}

/// 4.x `trap()`: #GP, #NP, #SS and the like are SIGBUS; a page fault is SIGSEGV when
/// nothing is mapped and SIGBUS when it was a protection violation.
pub(crate) fn fault_signal(fault: &Fault) -> Signal {
    match fault.vector {
        0 | 4 | 5 | 16 | 19 => Signal::Fpe,
        1 | 3 => Signal::Trap,
        6 => Signal::Ill,
        10..=13 | 8 | 17 => Signal::Bus,
        14 if fault.mapped || fault.error_code & 1 != 0 => Signal::Bus,
        _ => Signal::Segv,
    }
}

fn fb_action(action: SigAction) -> fb::sigaction {
    let mut sa = fb::sigaction::new_zeroed();
    match action {
        SigAction::Default => sa.sa_handler = SIG_DFL,
        SigAction::Ignore => sa.sa_handler = SIG_IGN,
        SigAction::Catch(c) => {
            sa.sa_handler = c.handler as u32;
            sa.sa_flags = c.flags as u32 as i32;
            sa.sa_mask = to_sigset(c.mask);
        }
    }
    sa
}

fn catch(handler: u32, mask: SignalSet, flags: u64) -> SigAction {
    match handler {
        SIG_DFL => SigAction::Default,
        SIG_IGN => SigAction::Ignore,
        h => SigAction::Catch(CatchAction {
            handler: u64::from(h),
            mask,
            flags,
            restorer: 0,
        }),
    }
}

/// SA_NOCLDSTOP and SA_NOCLDWAIT: 4.x keeps them apart from SIGCHLD's action
/// (PS_NOCLDSTOP, PS_NOCLDWAIT in p_procsig), sets them by any sigaction of SIGCHLD
/// whatever the handler, and reports them in SIGCHLD's old action only (kern_sig.c
/// do_sigaction).
const CHILD_FLAGS: u32 =
    (fb::sa_flags::SA_NOCLDSTOP.bits() | fb::sa_flags::SA_NOCLDWAIT.bits()) as u32;

/// An action a sigaction call installs: the action, and the mask and flags it was
/// given, which 4.x keeps per signal whatever the handler (ps_catchmask, ps_sigintr
/// and the other sets).
#[derive(Clone, Copy)]
struct NewAction {
    action: SigAction,
    mask: SignalSet,
    flags: u64,
}

impl NewAction {
    fn new(handler: u32, mask: SignalSet, flags: u64) -> NewAction {
        NewAction {
            action: catch(handler, mask, flags),
            mask,
            flags: flags & !OLD_STYLE,
        }
    }
}

/// The action a sigaction call replaced, with what 4.x reports beside it.
struct OldAction {
    action: SigAction,
    /// SIGCHLD's SA_NOCLDSTOP and SA_NOCLDWAIT as they were (0 for other signals).
    child_flags: u32,
    /// The mask and flags at rest of a SIG_DFL or SIG_IGN action.
    resting: Option<(SignalSet, u64)>,
}

impl OldAction {
    /// The old action as 4.x's do_sigaction reports it: a handler's own mask and
    /// flags, or for SIG_DFL and SIG_IGN the ones given with them (a caught signal's
    /// after an exec reset it); a signal never given any reports SA_RESTART, since
    /// ps_sigintr starts empty. SIGCHLD's child flags are the process's, and no other
    /// signal shows them.
    fn to_fb(&self) -> fb::sigaction {
        let mut sa = fb_action(self.action);
        if !matches!(self.action, SigAction::Catch(_)) {
            let restart = fb::sa_flags::SA_RESTART.bits() as u64;
            let (mask, flags) = self.resting.unwrap_or((SignalSet::EMPTY, restart));
            sa.sa_mask = to_sigset(mask);
            sa.sa_flags = flags as u32 as i32;
        }
        sa.sa_flags = ((sa.sa_flags as u32 & !CHILD_FLAGS) | self.child_flags) as i32;
        sa
    }
}

/// Installs `new` for signal number `sig` (1..=128, as 4.x takes them), with the
/// caller's raw `flags` for SIGCHLD's child flags, and returns the old action.
fn swap_action(
    task: &Task,
    sig: i32,
    new: Option<NewAction>,
    flags: u32,
) -> Result<OldAction, i32> {
    let signal = signal_from_fb(sig).ok_or(errno::EINVAL)?;
    let resting = task.process.resting_action(signal);
    let child_flags = if signal == Signal::Chld {
        let reports = task.process.child_reports();
        let bit = |on: bool, flag: fb::sa_flags| if on { flag.bits() as u32 } else { 0 };
        bit(reports.no_stop_signal, fb::sa_flags::SA_NOCLDSTOP)
            | bit(reports.no_zombies, fb::sa_flags::SA_NOCLDWAIT)
    } else {
        0
    };
    let old = swap_handler(task, signal, new.map(|n| n.action))?;
    if let Some(n) = new {
        if !matches!(n.action, SigAction::Catch(_)) {
            task.process.set_resting_action(signal, n.mask, n.flags);
        }
        if signal == Signal::Chld {
            task.process.set_child_reports(ChildReports {
                no_stop_signal: flags & fb::sa_flags::SA_NOCLDSTOP.bits() as u32 != 0,
                no_zombies: flags & fb::sa_flags::SA_NOCLDWAIT.bits() as u32 != 0,
            });
        }
    }
    Ok(OldAction {
        action: old,
        child_flags,
        resting,
    })
}

fn swap_handler(task: &Task, signal: Signal, new: Option<SigAction>) -> Result<SigAction, i32> {
    // `do_sigaction`: SIGKILL and SIGSTOP refuse a handler or SIG_IGN, but setting them
    // to SIG_DFL (what programs resetting every signal do) succeeds.
    if !signal.catchable() && new.is_some() {
        return match new {
            Some(SigAction::Default) => Ok(SigAction::Default),
            _ => Err(errno::EINVAL),
        };
    }
    match new {
        Some(action) => task
            .process
            .set_sigaction(signal, action)
            .ok_or(errno::EINVAL),
        None => Ok(task.process.sigaction(signal)),
    }
}

pub(crate) fn sys_sigaction(task: &mut Task, a: fb::SigactionArgs) -> SysResult {
    let (new, raw) = if a.act.is_null() {
        (None, 0)
    } else {
        let sa: fb::sigaction = task.read_val(a.act.addr()).map_err(fault)?;
        let flags = fb::sa_flags::from_bits_truncate(sa.sa_flags);
        let action = NewAction::new(
            sa.sa_handler,
            from_sigset(&sa.sa_mask),
            u64::from(flags.bits() as u32),
        );
        (Some(action), sa.sa_flags as u32)
    };
    let old = swap_action(task, a.sig, new, raw)?;
    if !a.oact.is_null() {
        task.write_val(a.oact.addr(), &old.to_fb()).map_err(fault)?;
    }
    Ok(Ret::word(0))
}

/// `osigaction` (46): the 4.3BSD struct with a 32-bit mask; its handlers get the
/// old-style frame.
pub(crate) fn sys_osigaction(task: &mut Task, a: fb::OsigactionArgs) -> SysResult {
    if !(1..=31).contains(&a.signum) {
        return Err(errno::EINVAL);
    }
    let (new, raw) = if a.nsa.is_null() {
        (None, 0)
    } else {
        let sa: fb::osigaction = task.read_val(a.nsa.addr()).map_err(fault)?;
        let mask = from_osigset(sa.sa_mask);
        let flags = u64::from(fb::sa_flags::from_bits_truncate(sa.sa_flags).bits() as u32);
        (
            Some(NewAction::new(sa.sa_handler, mask, flags | OLD_STYLE)),
            sa.sa_flags as u32,
        )
    };
    let old = swap_action(task, a.signum, new, raw)?;
    if !a.osa.is_null() {
        let sa = old.to_fb();
        let out = fb::osigaction {
            sa_handler: sa.sa_handler,
            sa_mask: sa.sa_mask.__bits[0],
            sa_flags: sa.sa_flags,
        };
        task.write_val(a.osa.addr(), &out).map_err(fault)?;
    }
    Ok(Ret::word(0))
}

/// `osigvec` (108): the 4.2BSD struct sigvec; SV_INTERRUPT is the inverse of
/// SA_RESTART (same bit), and its handlers get the old-style frame. kern_sig.c
/// `osigvec` hands sv_flags to do_sigaction whole but for that bit (SV_ONSTACK,
/// SV_RESETHAND, SV_NODEFER, SV_SIGINFO are the SA_ bits), and gives back the old
/// action's flags whole but for SA_NOCLDWAIT, SA_RESTART inverted again.
pub(crate) fn sys_osigvec(task: &mut Task, a: fb::OsigvecArgs) -> SysResult {
    if !(1..=31).contains(&a.signum) {
        return Err(errno::EINVAL);
    }
    let restart = u64::from(fb::sa_flags::SA_RESTART.bits() as u32);
    let (new, raw) = if a.nsv.is_null() {
        (None, 0)
    } else {
        let sv: fb::sigvec = task.read_val(a.nsv.addr()).map_err(fault)?;
        let known = fb::sa_flags::from_bits_truncate(sv.sv_flags).bits() as u32;
        let flags = u64::from(known) ^ restart;
        let action = NewAction::new(
            sv.sv_handler,
            from_osigset(sv.sv_mask as u32),
            flags | OLD_STYLE,
        );
        // osigvec passes sv_flags on whole: SA_NOCLDSTOP's bit reaches SIGCHLD too.
        (Some(action), sv.sv_flags as u32)
    };
    let old = swap_action(task, a.signum, new, raw)?;
    if !a.osv.is_null() {
        let sa = old.to_fb();
        let nocldwait = fb::sa_flags::SA_NOCLDWAIT.bits() as u32;
        let out = fb::sigvec {
            sv_handler: sa.sa_handler,
            sv_mask: sa.sa_mask.__bits[0] as i32,
            sv_flags: ((sa.sa_flags as u32 & !nocldwait) ^ restart as u32) as i32,
        };
        task.write_val(a.osv.addr(), &out).map_err(fault)?;
    }
    Ok(Ret::word(0))
}

/// `osigblock` (109): adds to the mask; the old mask comes back in eax.
pub(crate) fn sys_osigblock(task: &mut Task, a: fb::OsigblockArgs) -> SysResult {
    let old = to_sigset(task.process.blocked()).__bits[0];
    change_mask(
        task,
        fb::sigprocmask_how::SIG_BLOCK,
        from_osigset(a.mask as u32),
    );
    Ok(Ret::word(u64::from(old)))
}

/// `osigsetmask` (110): replaces the 32-bit mask; the old one comes back in eax.
pub(crate) fn sys_osigsetmask(task: &mut Task, a: fb::OsigsetmaskArgs) -> SysResult {
    let old = to_sigset(task.process.blocked()).__bits[0];
    let mut set = from_osigset(a.mask as u32);
    // The numbered signals 32..128 keep their state: the old call only names 1..31.
    for s in task.process.blocked().iter() {
        if signal_to_fb(s) > 31 {
            set.insert(s);
        }
    }
    change_mask(task, fb::sigprocmask_how::SIG_SETMASK, set);
    Ok(Ret::word(u64::from(old)))
}

/// `osigpending` (52): the pending signals 1..31 in eax.
pub(crate) fn sys_osigpending(task: &mut Task, _: fb::OsigpendingArgs) -> SysResult {
    Ok(Ret::word(u64::from(
        to_sigset(task.process.pending()).__bits[0],
    )))
}

/// `osigreturn` (103): returns from an old-style frame's `struct osigcontext`.
pub(crate) fn sys_osigreturn(task: &mut Task, a: fb::OsigreturnArgs) -> SysResult {
    let sc: fb::osigcontext = task.read_val(a.sigcntxp.addr()).map_err(fault)?;
    old_sigreturn(task, &sc)
}

fn from_osigset(bits: u32) -> SignalSet {
    from_sigset(&fb::sigset_t {
        __bits: [bits, 0, 0, 0],
    })
}

/// Applies `how` with `set` to the blocked mask (SIGKILL and SIGSTOP never block).
fn change_mask(task: &Task, how: fb::sigprocmask_how, set: SignalSet) {
    let mut blocked = task.process.blocked();
    for s in all_fb_signals().filter(|s| s.catchable()) {
        match how {
            fb::sigprocmask_how::SIG_BLOCK if set.contains(s) => blocked.insert(s),
            fb::sigprocmask_how::SIG_UNBLOCK if set.contains(s) => blocked.remove(s),
            fb::sigprocmask_how::SIG_SETMASK if set.contains(s) => blocked.insert(s),
            fb::sigprocmask_how::SIG_SETMASK => blocked.remove(s),
            _ => {}
        }
    }
    task.process.set_blocked(blocked);
}

/// sigprocmask: `how` is read only with a set (4.x's switch on it sits under `if
/// (set != NULL)`), and a bad one then is EINVAL with the old mask not copied out.
pub(crate) fn sys_sigprocmask(task: &mut Task, a: fb::SigprocmaskArgs) -> SysResult {
    let old = task.process.blocked();
    if !a.set.is_null() {
        let set: fb::sigset_t = task.read_val(a.set.addr()).map_err(fault)?;
        let how = fb::sigprocmask_how::from_raw(a.how).ok_or(errno::EINVAL)?;
        change_mask(task, how, from_sigset(&set));
    }
    if !a.oset.is_null() {
        task.write_val(a.oset.addr(), &to_sigset(old))
            .map_err(fault)?;
    }
    Ok(Ret::word(0))
}

/// `osigprocmask` (48): the mask travels in registers, the old one comes back in eax.
pub(crate) fn sys_osigprocmask(task: &mut Task, a: fb::OsigprocmaskArgs) -> SysResult {
    let old = to_sigset(task.process.blocked()).__bits[0];
    let how = fb::sigprocmask_how::from_raw(a.how).ok_or(errno::EINVAL)?;
    change_mask(task, how, from_osigset(a.mask));
    Ok(Ret::word(u64::from(old)))
}

pub(crate) fn sys_sigpending(task: &mut Task, a: fb::SigpendingArgs) -> SysResult {
    let pending = task.process.pending();
    task.write_val(a.set.addr(), &to_sigset(pending))
        .map_err(fault)?;
    Ok(Ret::word(0))
}

/// Waits with `mask` blocked until a signal is delivered; always EINTR. The mask the
/// handler's frame restores is the one from before the call.
pub(crate) fn sys_sigsuspend(task: &mut Task, a: fb::SigsuspendArgs) -> SysResult {
    let set: fb::sigset_t = task.read_val(a.sigmask.addr()).map_err(fault)?;
    suspend(task, from_sigset(&set))
}

pub(crate) fn sys_osigsuspend(task: &mut Task, a: fb::OsigsuspendArgs) -> SysResult {
    suspend(task, from_osigset(a.mask))
}

fn suspend(task: &mut Task, mask: SignalSet) -> SysResult {
    calls::suspend_with_mask(task, mask);
    Err(errno::EINTR)
}

/// The alternate stack, kept as personality state: base, size, whether it is
/// disabled (4.x starts every image with SS_DISABLE), and the SS_ONSTACK flag 4.x keeps
/// in `p_sigstk.ss_flags`, which only a 4.3BSD stack (size 0, set by sigstack) is
/// judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AltStack {
    sp: u32,
    size: u32,
    disabled: bool,
    flagged: bool,
}

const ALT_SP: &str = "fb4.altstack.sp";
const ALT_SIZE: &str = "fb4.altstack.size";
const ALT_ENABLED: &str = "fb4.altstack.enabled";
const ALT_ONSTACK: &str = "fb4.altstack.onstack";

fn alt_stack(task: &Task) -> AltStack {
    let p = &task.process;
    AltStack {
        sp: p.personality_value(ALT_SP) as u32,
        size: p.personality_value(ALT_SIZE) as u32,
        disabled: p.personality_value(ALT_ENABLED) == 0,
        flagged: p.personality_value(ALT_ONSTACK) != 0,
    }
}

/// 4.x's `sigonstack` (sys/signalvar.h, COMPAT_43): a stack of size 0, which only
/// sigstack makes, has no extent to look at, so its SS_ONSTACK flag says; any other
/// is judged by where esp is.
fn on_alt_stack(alt: &AltStack, esp: u32) -> bool {
    !alt.disabled
        && if alt.size == 0 {
            alt.flagged
        } else {
            esp.wrapping_sub(alt.sp) < alt.size
        }
}

/// Sets or clears the SS_ONSTACK flag (sendsig sets it when it moves to the stack;
/// sigreturn puts back what the frame says; a new stack starts without it).
fn set_alt_flag(task: &Task, on: bool) {
    task.process
        .set_personality_value(ALT_ONSTACK, u64::from(on));
}

/// `osigstack` (kern_sig.c, COMPAT_43): the old `struct sigstack` out first (ss_sp and
/// whether the process is on it), then the new one taken in: its ss_sp is the top of
/// the stack (4.3BSD's meaning, so the size is 0 and frames go below it), it is
/// enabled, and its ss_onstack bit is or'ed into the flag. No size check and no
/// refusal while on the stack: 4.x makes neither.
pub(crate) fn sys_osigstack(task: &mut Task, a: fb::OsigstackArgs) -> SysResult {
    let esp = task.context.regs.rsp as u32;
    let alt = alt_stack(task);
    if !a.oss.is_null() {
        let old = fb::sigstack {
            ss_sp: alt.sp,
            ss_onstack: i32::from(on_alt_stack(&alt, esp)),
        };
        task.write_val(a.oss.addr(), &old).map_err(fault)?;
    }
    if !a.nss.is_null() {
        let new: fb::sigstack = task.read_val(a.nss.addr()).map_err(fault)?;
        let p = &task.process;
        p.set_personality_value(ALT_SP, u64::from(new.ss_sp));
        p.set_personality_value(ALT_SIZE, 0);
        p.set_personality_value(ALT_ENABLED, 1);
        if new.ss_onstack & fb::ss_flags::SS_ONSTACK.bits() != 0 {
            set_alt_flag(task, true);
        }
    }
    Ok(Ret::word(0))
}

fn stack_t_of(alt: &AltStack, esp: u32) -> fb::stack_t {
    let mut flags = 0;
    if alt.disabled {
        flags |= fb::ss_flags::SS_DISABLE.bits();
    }
    if on_alt_stack(alt, esp) {
        flags |= fb::ss_flags::SS_ONSTACK.bits();
    }
    fb::stack_t {
        ss_sp: alt.sp,
        ss_size: alt.size,
        ss_flags: flags,
    }
}

/// sigaltstack as 4.x `kern_sig.c` orders it: the old stack goes out first (so a
/// refused new one still reports it), then the new one is checked: a stack smaller
/// than MINSIGSTKSZ is ENOMEM, and a change while on the stack EINVAL (4.x refuses only
/// disabling it there; replacing it under a running handler is refused here too, as
/// are flags other than SS_DISABLE).
pub(crate) fn sys_sigaltstack(task: &mut Task, a: fb::SigaltstackArgs) -> SysResult {
    let esp = task.context.regs.rsp as u32;
    let alt = alt_stack(task);
    if !a.oss.is_null() {
        task.write_val(a.oss.addr(), &stack_t_of(&alt, esp))
            .map_err(fault)?;
    }
    if a.ss.is_null() {
        return Ok(Ret::word(0));
    }
    let ss: fb::stack_t = task.read_val(a.ss.addr()).map_err(fault)?;
    if ss.ss_flags & !fb::ss_flags::SS_DISABLE.bits() != 0 {
        return Err(errno::EINVAL);
    }
    if on_alt_stack(&alt, esp) {
        return Err(errno::EINVAL);
    }
    let disable = ss.ss_flags & fb::ss_flags::SS_DISABLE.bits() != 0;
    if !disable && ss.ss_size < MINSIGSTKSZ {
        return Err(errno::ENOMEM);
    }
    let p = &task.process;
    p.set_personality_value(ALT_ENABLED, u64::from(!disable));
    // 4.x replaces ss_flags with the caller's (SS_DISABLE or nothing).
    set_alt_flag(task, false);
    if !disable {
        p.set_personality_value(ALT_SP, u64::from(ss.ss_sp));
        p.set_personality_value(ALT_SIZE, u64::from(ss.ss_size));
    }
    Ok(Ret::word(0))
}

/// The saved user registers as 4.x's `struct trapframe` part of an mcontext.
fn save_context(task: &Task, mc: &mut fb::mcontext_t, trapno: i32, err: i32) {
    let r = &task.context.regs;
    let w = |v: u64| v as u32 as i32;
    let (fs, gs) = task.context.segment_selectors();
    let (ds, es) = task.context.data_selectors();
    (mc.mc_gs, mc.mc_fs) = (i32::from(gs), i32::from(fs));
    (mc.mc_es, mc.mc_ds) = (i32::from(es), i32::from(ds));
    (mc.mc_edi, mc.mc_esi, mc.mc_ebp, mc.mc_ebx) = (w(r.rdi), w(r.rsi), w(r.rbp), w(r.rbx));
    (mc.mc_edx, mc.mc_ecx, mc.mc_eax) = (w(r.rdx), w(r.rcx), w(r.rax));
    (mc.mc_trapno, mc.mc_err) = (trapno, err);
    (mc.mc_eip, mc.mc_cs, mc.mc_eflags) = (w(r.rip), w(r.cs), w(r.rflags));
    (mc.mc_esp, mc.mc_ss) = (w(r.rsp), w(r.ss));
}

/// Builds the frame that runs `action` for `signal` (4.x `sendsig`, or `osendsig` for
/// handlers installed through the 4.3BSD calls) and enters the trampoline's call.
///
/// With SA_RESETHAND the action is SIG_DFL again once the handler is entered (4.x
/// `postsig`); SA_NODEFER is `blocks_signal_in_handler`.
///
/// A frame that cannot be written (the stack pointer is bad or the stack is full) is,
/// in 4.x, a process that "has trashed its stack": sendsig resets SIGILL to its default
/// and posts it, which kills the process before it returns to user mode. The same
/// here: the process dies of SIGILL (not of the SIGSEGV the core would pick).
///
/// Traced for KTR_PSIG, it is recorded first: with the fault's code when a fault of
/// the process's own raised it (4.x's trapsignal sends such a signal to its handler
/// at once, when the process is not being debugged), 0 otherwise (postsig).
pub(crate) fn deliver(
    task: &mut Task,
    signal: Signal,
    origin: SignalOrigin,
    action: &CatchAction,
) -> Result<(), ExecError> {
    if task.process.recording() {
        let mask = task.process.mask_to_restore();
        let code = match origin {
            SignalOrigin::Fault if !task.process.is_traced() => {
                let fault = task.process.last_fault();
                trap_words(fault.as_ref(), task.context.last_entry_vector()).code
            }
            _ => 0,
        };
        crate::ktrace::psig(&task.process, signal, action.handler, code, mask);
    }
    match build_frame(task, signal, action) {
        // SA_RESETHAND: the action goes back to SIG_DFL as the handler is entered.
        Ok(()) if action.flags & fb::sa_flags::SA_RESETHAND.bits() as u64 != 0 => {
            task.process.set_sigaction(signal, SigAction::Default);
            Ok(())
        }
        Err(ExecError::Fault) => {
            log::warn!(
                "pid {}: no room for a signal frame at esp {:#x}: SIGILL",
                task.process.pid.0,
                task.context.regs.rsp as u32
            );
            process::exit_with_signal(task, Signal::Ill);
            Ok(())
        }
        other => other,
    }
}

/// SA_NODEFER: the signal stays unblocked while its handler runs (4.x `postsig`).
pub(crate) fn blocks_signal_in_handler(action: &CatchAction) -> bool {
    action.flags & fb::sa_flags::SA_NODEFER.bits() as u64 == 0
}

fn build_frame(task: &mut Task, signal: Signal, action: &CatchAction) -> Result<(), ExecError> {
    let fault = task.process.take_fault();
    let words = trap_words(fault.as_ref(), task.context.last_entry_vector());
    let esp = task.context.regs.rsp as u32;
    let alt = alt_stack(task);
    let onstack = on_alt_stack(&alt, esp);
    let flags = fb::sa_flags::from_bits_truncate(action.flags as u32 as i32);
    let use_alt = flags.contains(fb::sa_flags::SA_ONSTACK) && !alt.disabled && !onstack;
    let top = if use_alt {
        set_alt_flag(task, true);
        alt.sp.wrapping_add(alt.size)
    } else {
        esp
    };
    if action.flags & OLD_STYLE != 0 {
        return deliver_old(task, signal, action, top, onstack, words);
    }
    let size = core::mem::size_of::<fb::sigframe>() as u32;
    let frame = top.checked_sub(size).ok_or(ExecError::Fault)?;
    let mut sf = fb::sigframe::new_zeroed();
    sf.sf_signum = signal_to_fb(signal);
    let si_at = frame + core::mem::offset_of!(fb::sigframe, sf_si) as u32;
    let uc_at = frame + core::mem::offset_of!(fb::sigframe, sf_uc) as u32;
    if flags.contains(fb::sa_flags::SA_SIGINFO) {
        sf.sf_siginfo = si_at;
        sf.sf_si.si_signo = sf.sf_signum;
        sf.sf_si.si_code = words.code;
        sf.sf_si.si_addr = words.err;
    } else {
        sf.sf_siginfo = words.code as u32;
        sf.sf_addr = words.err;
    }
    sf.sf_ucontext = uc_at;
    sf.sf_ahu = action.handler as u32;
    sf.sf_uc.uc_sigmask = to_sigset(task.process.mask_to_restore());
    sf.sf_uc.uc_stack = stack_t_of(&alt, esp);
    sf.sf_uc.uc_mcontext.mc_onstack = i32::from(onstack);
    save_context(
        task,
        &mut sf.sf_uc.uc_mcontext,
        words.trapno,
        words.err as i32,
    );
    task.write_bytes(u64::from(frame), sf.as_bytes())
        .map_err(|_| ExecError::Fault)?;
    enter_trampoline(task, SIGCODE_ADDR, frame);
    Ok(())
}

/// `osendsig`: the 116-byte `struct osigframe` with its `struct osigcontext` (84
/// bytes), entered through the old trampoline. sc_onstack is whether the process was on
/// its alternate stack before (as in the new frame's mc_onstack), not where this frame
/// goes.
fn deliver_old(
    task: &mut Task,
    signal: Signal,
    action: &CatchAction,
    top: u32,
    onstack: bool,
    words: TrapWords,
) -> Result<(), ExecError> {
    let size = core::mem::size_of::<fb::osigframe>() as u32;
    let frame = top.checked_sub(size).ok_or(ExecError::Fault)?;
    let r = task.context.regs;
    let w = |v: u64| v as u32 as i32;
    let mut sf = fb::osigframe::new_zeroed();
    sf.sf_signum = signal_to_fb(signal);
    let sc_at = frame + core::mem::offset_of!(fb::osigframe, sf_siginfo) as u32;
    let flags = fb::sa_flags::from_bits_truncate(action.flags as u32 as i32);
    if flags.contains(fb::sa_flags::SA_SIGINFO) {
        sf.sf_arg2 = sc_at;
    } else {
        sf.sf_arg2 = words.code as u32;
        sf.sf_addr = words.err;
    }
    sf.sf_scp = sc_at;
    sf.sf_ahu = action.handler as u32;
    let si = &mut sf.sf_siginfo;
    si.si_signo = sf.sf_signum;
    si.si_code = words.code;
    let sc = &mut si.si_sc;
    sc.sc_onstack = i32::from(onstack);
    sc.sc_mask = to_sigset(task.process.mask_to_restore()).__bits[0];
    (sc.sc_esp, sc.sc_ebp, sc.sc_eip, sc.sc_efl) = (w(r.rsp), w(r.rbp), w(r.rip), w(r.rflags));
    let (ds, es) = task.context.data_selectors();
    (sc.sc_es, sc.sc_ds) = (i32::from(es), i32::from(ds));
    (sc.sc_cs, sc.sc_ss) = (w(r.cs), w(r.ss));
    (sc.sc_edi, sc.sc_esi, sc.sc_ebx, sc.sc_edx) = (w(r.rdi), w(r.rsi), w(r.rbx), w(r.rdx));
    let (fs, gs) = task.context.segment_selectors();
    (sc.sc_ecx, sc.sc_eax) = (w(r.rcx), w(r.rax));
    (sc.sc_gs, sc.sc_fs) = (i32::from(gs), i32::from(fs));
    (sc.sc_trapno, sc.sc_err) = (words.trapno, words.err as i32);
    task.write_bytes(u64::from(frame), sf.as_bytes())
        .map_err(|_| ExecError::Fault)?;
    enter_trampoline(task, OSIGCODE_ADDR, frame);
    Ok(())
}

/// Enters the trampoline as 4.x's sendsig does: on the user code and data selectors
/// (%cs, %ss, %ds, %es, %fs; %gs is left to the trampoline, which reloads it from the
/// frame on the way back), without the trace flag.
fn enter_trampoline(task: &mut Task, trampoline: u32, frame: u32) {
    let (_, gs) = task.context.segment_selectors();
    task.context
        .set_data_selectors(LDT_DATA, LDT_DATA, LDT_DATA, gs);
    let regs = &mut task.context.regs;
    regs.rip = u64::from(trampoline);
    regs.rsp = u64::from(frame);
    regs.rflags &= !u64::from(PSL_T);
    regs.cs = u64::from(LDT_CODE32);
    regs.ss = u64::from(LDT_DATA);
}

/// The segment selectors a context hands back (sigreturn's frame, PT_SETREGS's
/// struct reg), as 4.x copies them into the trap frame.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Selectors {
    pub(crate) cs: i32,
    pub(crate) ss: i32,
    pub(crate) ds: i32,
    pub(crate) es: i32,
    pub(crate) fs: i32,
    /// None: %gs stays (the trampoline loads it itself before sigreturn).
    pub(crate) gs: Option<i32>,
}

/// Puts back the selectors a context hands back: %ds, %es, %fs (and %gs when given)
/// and %ss as given; ones that do not load become null on the way back to user mode
/// (the flat data selector for %ss). %cs only when it names an LDT segment (4.x's are
/// all there): the GDT's selectors are this kernel's, and a 4.x process must not reach
/// 64-bit code through them.
pub(crate) fn restore_selectors(context: &mut UserContext, s: Selectors) {
    let sel = |v: i32| v as u16;
    let (_, gs) = context.segment_selectors();
    let gs = s.gs.map_or(gs, sel);
    context.set_data_selectors(sel(s.ds), sel(s.es), sel(s.fs), gs);
    context.regs.ss = u64::from(sel(s.ss));
    if sel(s.cs) & 4 != 0 {
        context.regs.cs = u64::from(sel(s.cs));
    }
}

/// `sigreturn(ucontext_t *)` (344): restores the registers and mask a trampoline hands
/// back; an `osigcontext` marked with the magic goes the old way.
pub(crate) fn sys_sigreturn(task: &mut Task, a: fb::SigreturnArgs) -> SysResult {
    let addr = a.sigcntxp.addr();
    let mut head = [0u8; OSIGCONTEXT_SIZE];
    task.read_bytes(addr, &mut head).map_err(fault)?;
    let osc: fb::osigcontext = task.read_val(addr).map_err(fault)?;
    if osc.sc_trapno == OLD_SIGRETURN_MAGIC {
        return old_sigreturn(task, &osc);
    }
    let uc: fb::ucontext_t = task.read_val(addr).map_err(fault)?;
    let mc = &uc.uc_mcontext;
    check_eflags(task, mc.mc_eflags as u32)?;
    let selectors = Selectors {
        cs: mc.mc_cs,
        ss: mc.mc_ss,
        ds: mc.mc_ds,
        es: mc.mc_es,
        fs: mc.mc_fs,
        gs: None,
    };
    return_selectors(task, selectors)?;
    let u = |v: i32| u64::from(v as u32);
    let regs = &mut task.context.regs;
    (regs.rdi, regs.rsi, regs.rbp, regs.rbx) =
        (u(mc.mc_edi), u(mc.mc_esi), u(mc.mc_ebp), u(mc.mc_ebx));
    (regs.rdx, regs.rcx, regs.rax) = (u(mc.mc_edx), u(mc.mc_ecx), u(mc.mc_eax));
    (regs.rip, regs.rflags, regs.rsp) = (u(mc.mc_eip), u(mc.mc_eflags), u(mc.mc_esp));
    set_alt_flag(task, mc.mc_onstack & 1 != 0);
    let mut blocked = from_sigset(&uc.uc_sigmask);
    blocked.remove(Signal::Kill);
    blocked.remove(Signal::Stop);
    task.process.set_blocked(blocked);
    Ok(Ret::JustReturn)
}

fn check_eflags(task: &Task, new: u32) -> Result<(), i32> {
    if !eflags_change_allowed(task.context.regs.rflags as u32, new) {
        log::warn!("pid {}: sigreturn: eflags = {new:#x}", task.process.pid.0);
        return Err(errno::EINVAL);
    }
    Ok(())
}

/// Whether user code may replace eflags `old` by `new` (4.x's EFL_SECURE, which
/// sigreturn and PT_SETREGS apply): only the bits of PSL_USERCHANGE and RF change,
/// and never into virtual-8086 mode.
pub(crate) fn eflags_change_allowed(old: u32, new: u32) -> bool {
    (new ^ old) & !(PSL_USERCHANGE | PSL_RF) == 0 && new & PSL_VM == 0
}

/// Whether a code selector handed back by user code keeps it in user mode (4.x's
/// CS_SECURE): sigreturn and PT_SETREGS refuse any other, and keep the process's own
/// 32-bit selector either way, so a 4.x process never reaches 64-bit code this way.
pub(crate) fn cs_secure(cs: u32) -> bool {
    cs & 3 == 3
}

/// sigreturn's checks of the selectors a frame hands back, then puts them back: a code
/// selector must keep the process in user mode (4.x's CS_SECURE) and, from the LDT,
/// name a present user code segment (4.x's iret would fault on any other); either
/// failure posts SIGBUS, as 4.x's sigreturn did, and is EINVAL.
fn return_selectors(task: &mut Task, selectors: Selectors) -> Result<(), i32> {
    if !cs_secure(selectors.cs as u32) || !ldt_code_ok(selectors.cs) {
        task.process.post(Signal::Bus);
        return Err(errno::EINVAL);
    }
    restore_selectors(&mut task.context, selectors);
    Ok(())
}

/// Whether an LDT code selector names a present user code segment in the caller's
/// table (a GDT one is left to `restore_selectors`).
fn ldt_code_ok(cs: i32) -> bool {
    let cs = cs as u16;
    cs & 4 == 0 || cs == LDT_CODE32 || nymph_hal::ldt::usable(cs, nymph_hal::ldt::Usage::Code)
}

fn old_sigreturn(task: &mut Task, sc: &fb::osigcontext) -> SysResult {
    check_eflags(task, sc.sc_efl as u32)?;
    let selectors = Selectors {
        cs: sc.sc_cs,
        ss: sc.sc_ss,
        ds: sc.sc_ds,
        es: sc.sc_es,
        fs: sc.sc_fs,
        gs: None,
    };
    return_selectors(task, selectors)?;
    let u = |v: i32| u64::from(v as u32);
    let regs = &mut task.context.regs;
    (regs.rdi, regs.rsi, regs.rbp, regs.rbx) =
        (u(sc.sc_edi), u(sc.sc_esi), u(sc.sc_ebp), u(sc.sc_ebx));
    (regs.rdx, regs.rcx, regs.rax) = (u(sc.sc_edx), u(sc.sc_ecx), u(sc.sc_eax));
    (regs.rip, regs.rflags, regs.rsp) = (u(sc.sc_eip), u(sc.sc_efl), u(sc.sc_esp));
    set_alt_flag(task, sc.sc_onstack & 1 != 0);
    let mut blocked = from_osigset(sc.sc_mask);
    blocked.remove(Signal::Kill);
    blocked.remove(Signal::Stop);
    task.process.set_blocked(blocked);
    Ok(Ret::JustReturn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x87_codes_follow_npx_fpetable() {
        // (status, control) -> code, rows of 4.x's fpetable; masked bits do not count.
        let code = |sw: u64, cw: u64| x87_code(cw << 16 | sw);
        assert_eq!(code(0x04, 0x127b), FPE_FLTDIV);
        assert_eq!(code(0x01, 0x127e), FPE_FLTINV);
        assert_eq!(code(0x41, 0x127e), FPE_FLTSUB);
        assert_eq!(code(0x06, 0x1240), FPE_FLTDIV);
        assert_eq!(code(0x0a, 0x1240), FPE_FLTUND);
        assert_eq!(code(0x18, 0x1240), FPE_FLTOVF);
        assert_eq!(code(0x30, 0x1240), FPE_FLTUND);
        assert_eq!(code(0x20, 0x1240), FPE_FLTRES);
        assert_eq!(code(0x60, 0x1240), FPE_FLTRES);
        assert_eq!(code(0x40, 0x127f), FPE_FLTSUB);
        assert_eq!(code(0x04, 0x127f), 0);
    }

    #[test]
    fn signal_numbers_are_the_4x_ones() {
        assert_eq!(signal_to_fb(Signal::Bus), fb::signal::SIGBUS);
        assert_eq!(signal_to_fb(Signal::Usr1), fb::signal::SIGUSR1);
        assert_eq!(signal_to_fb(Signal::Chld), fb::signal::SIGCHLD);
        assert_eq!(signal_to_fb(Signal::Info), fb::signal::SIGINFO);
        for n in 1..=128 {
            assert_eq!(signal_to_fb(signal_from_fb(n).unwrap()), n);
        }
        assert_eq!(signal_from_fb(0), None);
        assert_eq!(signal_from_fb(32), Some(Signal::Numbered(32)));
        assert_eq!(signal_from_fb(129), None);
    }

    #[test]
    fn sigsets_are_128_bits_with_signal_n_at_bit_n_minus_one() {
        let mut set = SignalSet::EMPTY;
        set.insert(Signal::Hup);
        set.insert(Signal::Usr2);
        let s = to_sigset(set);
        assert_eq!(s.__bits, [1 | 1 << 30, 0, 0, 0]);
        assert_eq!(from_sigset(&s), set);
    }

    #[test]
    fn trampolines_fill_the_72_bytes_below_ps_strings() {
        assert_eq!(SIGCODE.len() + OSIGCODE.len(), 72);
        assert_eq!(SIGCODE_ADDR, 0xBFBF_FFA8);
        assert_eq!(OSIGCODE_ADDR, 0xBFBF_FFC8);
        // Both end in `int $0x80; jmp .` after loading 344 into eax.
        assert_eq!(
            &SIGCODE[21..31],
            &[0xb8, 0x58, 0x01, 0, 0, 0x50, 0xcd, 0x80, 0xeb, 0xfe]
        );
        assert_eq!(
            &OSIGCODE[28..38],
            &[0xb8, 0x58, 0x01, 0, 0, 0x50, 0xcd, 0x80, 0xeb, 0xfe]
        );
    }

    #[test]
    fn faults_map_as_4x_trap_does() {
        let f = |vector, error_code| Fault {
            vector,
            error_code,
            address: 0,
            mapped: false,
        };
        assert_eq!(fault_signal(&f(13, 0)), Signal::Bus);
        assert_eq!(fault_signal(&f(14, 4)), Signal::Segv);
        assert_eq!(fault_signal(&f(14, 7)), Signal::Bus);
        // PROT_NONE: mapped, nothing present.
        let none = Fault {
            mapped: true,
            ..f(14, 4)
        };
        assert_eq!(fault_signal(&none), Signal::Bus);
        assert_eq!(fault_signal(&f(6, 0)), Signal::Ill);
        assert_eq!(fault_signal(&f(0, 0)), Signal::Fpe);
    }

    #[test]
    fn frames_carry_4x_trap_numbers_codes_and_tf_err() {
        let f = |vector, error_code, address| Fault {
            vector,
            error_code,
            address,
            mapped: false,
        };
        let w = |trapno, code, err| TrapWords { trapno, code, err };
        // A signal on the way out of `int $0x80`: tf_err is the instruction's length.
        assert_eq!(trap_words(None, 0x80), w(0, 0, 2));
        assert_eq!(trap_words(None, 0x20), w(0, 0, 0));
        // #GP(0) (hlt) and #GP(selector): the error code plus BUS_SEGM_FAULT.
        assert_eq!(trap_words(Some(&f(13, 0, 0)), 0), w(T_PROTFLT, 30, 0));
        assert_eq!(
            trap_words(Some(&f(13, 0xfff8, 0)), 0),
            w(T_PROTFLT, 0xfff8 + 30, 0xfff8)
        );
        // Page faults: the address in tf_err, T_PAGEFLT as the code.
        assert_eq!(
            trap_words(Some(&f(14, 7, 0x2805_0010)), 0),
            w(12, 12, 0x2805_0010)
        );
        assert_eq!(trap_words(Some(&f(6, 0, 0)), 0), w(1, 1, 0));
        assert_eq!(trap_words(Some(&f(3, 0, 0)), 0), w(3, 0, 0));
        assert_eq!(trap_words(Some(&f(0, 0, 0)), 0), w(18, 2, 0));
    }
}
