//! Tracing a process for a debugger (BSD's ptrace), in ABI-neutral terms: which
//! process traces which, the stops a traced process makes for its tracer, and what the
//! tracer may do to it while it is stopped (read and write its memory and registers,
//! resume it with or without a signal, single-step it, let it go). The personalities
//! decode the requests and keep the numbers, structs and errno values.
//!
//! As in 4.x, the tracer becomes the traced process's parent while it traces it, so
//! `wait` reports the stops; every signal the traced process gets (SIGKILL aside)
//! stops it before it acts, with its registers parked where the tracer reaches them.

use super::{
    ChildChange, INIT, Pid, Process, STOPPED, Signal, SignalOrigin, Task, find, tell_parent_of_stop,
};
use crate::mm::uspace::MemError;
use alloc::sync::Arc;
use nymph_hal::user::UserContext;

/// Why a tracing request is refused (each personality names these its own way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebugError {
    /// No such process.
    NoSuchProcess,
    /// Not traced, or the caller may not trace it (BSD: EPERM).
    NotPermitted,
    /// Traced by another process, not stopped for its tracer, or already traced
    /// (BSD: EBUSY).
    Busy,
    /// The caller named itself (BSD: EINVAL).
    Invalid,
    /// The address is not in the traced process's memory.
    BadAddress,
}

/// The calling process becomes traced by its parent (PT_TRACE_ME).
pub fn trace_me(process: &Process) {
    let mut inner = process.inner.lock();
    inner.original_parent = inner.parent;
    inner.tracer = Some(inner.parent);
}

/// `tracer` starts tracing `pid` (PT_ATTACH): 4.x's checks in its order (itself, traced
/// already, outside the tracer's prison, another real user's or a set-id process
/// unless root), and init is never
/// traced (4.x refuses it at a raised securelevel). The target becomes the tracer's
/// child and gets SIGSTOP.
pub fn attach(tracer: &Arc<Process>, pid: Pid) -> Result<(), DebugError> {
    let target = find(pid)
        .filter(|p| !p.has_exited())
        .ok_or(DebugError::NoSuchProcess)?;
    if target.pid == tracer.pid {
        return Err(DebugError::Invalid);
    }
    if target.is_traced() {
        return Err(DebugError::Busy);
    }
    // A jailed tracer does not see past its prison (4.x kern_prot.c p_trespass:
    // PRISON_CHECK fails with ESRCH).
    if !super::prison::sees(tracer, &target) {
        return Err(DebugError::NoSuchProcess);
    }
    let mine = tracer.fs().creds;
    let theirs = target.fs().creds;
    if (theirs.uid != mine.uid || theirs.tainted) && !mine.is_root() {
        return Err(DebugError::NotPermitted);
    }
    if target.pid == INIT {
        return Err(DebugError::NotPermitted);
    }
    {
        let mut inner = target.inner.lock();
        inner.original_parent = inner.parent;
        inner.tracer = Some(tracer.pid);
    }
    reparent(&target, tracer);
    target.post(Signal::Stop);
    Ok(())
}

/// The process `pid` if `tracer` traces it and it is stopped for it, the stop seen
/// by `wait` (4.x's checks for every request but PT_TRACE_ME and PT_ATTACH, in order).
pub fn stopped_tracee(tracer: &Process, pid: Pid) -> Result<Arc<Process>, DebugError> {
    let target = find(pid).ok_or(DebugError::NoSuchProcess)?;
    let (traced_by, parent) = {
        let inner = target.inner.lock();
        (inner.tracer, inner.parent)
    };
    if traced_by.is_none() {
        return Err(DebugError::NotPermitted);
    }
    if traced_by != Some(tracer.pid) || parent != tracer.pid {
        return Err(DebugError::Busy);
    }
    let job = target.job.lock();
    if !job.trace_stop || job.stopped.is_none() || !job.stop_reported {
        return Err(DebugError::Busy);
    }
    drop(job);
    Ok(target)
}

/// Runs `f` on the registers of a process stopped for its tracer (those it resumes
/// with); None if it is not stopped so.
pub fn with_stopped_context<R>(
    tracee: &Process,
    f: impl FnOnce(&mut UserContext) -> R,
) -> Option<R> {
    tracee.job.lock().parked.as_deref_mut().map(f)
}

/// Reads the traced process's memory at `addr`, whatever its protection.
pub fn read_memory(tracee: &Process, addr: u64, buf: &mut [u8]) -> Result<(), DebugError> {
    tracee
        .with_space(|s| s.peek(addr, buf))
        .unwrap_or(Err(MemError::BadAddress))
        .map_err(|_| DebugError::BadAddress)
}

/// Writes the traced process's memory at `addr`, read-only text included (in a
/// private copy of the page).
pub fn write_memory(tracee: &Process, addr: u64, bytes: &[u8]) -> Result<(), DebugError> {
    tracee
        .with_space(|s| s.poke(addr, bytes))
        .unwrap_or(Err(MemError::BadAddress))
        .map_err(|_| DebugError::BadAddress)
}

/// How a tracer lets a stopped process go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Run on (PT_CONTINUE).
    Continue,
    /// Run one instruction, then stop with the personality's trap signal (PT_STEP).
    Step,
    /// Run on, no longer traced, back with its own parent (PT_DETACH).
    Detach,
}

/// Resumes a process stopped for its tracer, at `pc` if given, delivering `signal`
/// (None: the signal it stopped with is dropped).
pub fn resume(tracee: &Arc<Process>, how: Resume, pc: Option<u64>, signal: Option<Signal>) {
    {
        let mut job = tracee.job.lock();
        if let Some(context) = job.parked.as_deref_mut() {
            if let Some(pc) = pc {
                context.regs.rip = pc;
            }
            context.set_single_step(how == Resume::Step);
        }
        job.resume_signal = signal;
    }
    if how == Resume::Detach {
        let back_to = {
            let mut inner = tracee.inner.lock();
            inner.tracer = None;
            inner.original_parent
        };
        let parent = find(back_to)
            .filter(|p| !p.has_exited())
            .or_else(|| find(INIT));
        if let Some(parent) = parent {
            reparent(tracee, &parent);
        }
    }
    continue_stopped(tracee);
}

/// Lets a stopped process's thread run on.
fn continue_stopped(tracee: &Process) {
    let thread = {
        let mut job = tracee.job.lock();
        job.stopped = None;
        job.thread
    };
    if let Some(thread) = thread {
        crate::sched::wake(thread);
    }
}

/// Moves `child` under `parent` (BSD's proc_reparent).
pub(super) fn reparent(child: &Process, parent: &Arc<Process>) {
    let old = {
        let mut inner = child.inner.lock();
        core::mem::replace(&mut inner.parent, parent.pid)
    };
    if old == parent.pid {
        return;
    }
    if let Some(old) = find(old) {
        old.inner.lock().children.retain(|&c| c != child.pid);
    }
    parent.inner.lock().children.push(child.pid);
}

/// Stops the task's process for its tracer because of `signal` (its own thread calls
/// this on the way to user mode): the registers are parked for the tracer, which
/// `wait` tells of the stop. Returns the signal the tracer resumes it with.
pub(super) fn stop_for_tracer(task: &mut Task, signal: Signal) -> Option<Signal> {
    let process = task.process.clone();
    {
        let mut job = process.job.lock();
        job.parked = Some(task.context.clone());
        job.stopped = Some(signal);
        job.stop_reported = false;
        job.trace_stop = true;
        job.resume_signal = None;
    }
    log::debug!("pid {} stopped for its tracer by {signal:?}", process.pid.0);
    tell_parent_of_stop(&process, signal, true);
    let me = process.clone();
    STOPPED.wait_until_unobserved(move || me.stopped().is_none() || me.has_exited());
    let (context, given) = {
        let mut job = process.job.lock();
        job.trace_stop = false;
        (job.parked.take(), job.resume_signal.take())
    };
    if let Some(context) = context {
        task.context = context;
    }
    if given.is_none() {
        // The fault's signal is dropped: its description goes with it.
        process.inner.lock().last_fault = None;
    }
    given
}

/// `tracer` is exiting and `child` was its child: if it traced it, it dies (4.x's
/// exit1: "their existence means someone is screwing up").
pub(super) fn tracer_gone(tracer: Pid, child: &Process) {
    let traced = {
        let mut inner = child.inner.lock();
        let traced = inner.tracer == Some(tracer);
        if traced {
            inner.tracer = None;
        }
        traced
    };
    if traced {
        child.post(Signal::Kill);
    }
}

/// Called by `wait` in `parent` for an exited child: if `parent` traced it and it
/// has another parent still, that parent gets it back to reap (and is told), and
/// true says the tracer is to be told of the exit without reaping it (4.x's wait1).
pub(super) fn hand_back_exited(parent: &Process, child: &Arc<Process>) -> bool {
    let original = {
        let mut inner = child.inner.lock();
        if inner.tracer != Some(parent.pid) || inner.original_parent == parent.pid {
            return false;
        }
        inner.tracer = None;
        inner.original_parent
    };
    let Some(original) = find(original).filter(|p| !p.has_exited()) else {
        return false;
    };
    reparent(child, &original);
    let origin = child.exit_status().map_or(SignalOrigin::Kernel, |status| {
        super::child_origin(child, ChildChange::of_exit(status))
    });
    original.post_from(Signal::Chld, origin);
    original.child_events.wake_all();
    true
}
