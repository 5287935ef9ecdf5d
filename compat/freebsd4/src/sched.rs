//! Scheduling classes: rtprio (4.x kern_resource.c) and the POSIX.1b sched_* calls
//! (4.x p1003_1b.c and ksched.c, whose constants later FreeBSD versions keep), both
//! views of one per-process class the core scheduler honours.

use crate::fb::{self, consts as c, errno};
use crate::sys::{Ret, SysResult, fault};
use nymph_kernel::process::{self, Process, Task};
use nymph_kernel::sched::{CLASS_PRIORITY_MAX, Class};

/// PRIO_MIN and PRIO_MAX (sys/resource.h): SCHED_OTHER's range in ksched.c.
const PRIO_MIN: i32 = -20;
const PRIO_MAX: i32 = 20;

fn is_root(task: &Task) -> bool {
    task.process.fs().creds.is_root()
}

/// The class a `struct rtprio` names (EINVAL for an unknown type or a priority past
/// RTP_PRIO_MAX, as 4.x's rtprio).
fn class_from_rtprio(rtp: fb::rtprio) -> Result<Class, i32> {
    let priority = u8::try_from(rtp.prio)
        .ok()
        .filter(|&p| u32::from(p) <= c::RTP_PRIO_MAX)
        .ok_or(errno::EINVAL)?;
    match u32::from(rtp.type_) {
        c::RTP_PRIO_REALTIME => Ok(Class::RealTime {
            priority,
            fifo: false,
        }),
        c::RTP_PRIO_FIFO => Ok(Class::RealTime {
            priority,
            fifo: true,
        }),
        c::RTP_PRIO_NORMAL => Ok(Class::Normal { priority }),
        c::RTP_PRIO_IDLE => Ok(Class::Idle { priority }),
        _ => Err(errno::EINVAL),
    }
}

fn rtprio_from_class(class: Class) -> fb::rtprio {
    let (kind, prio) = match class {
        // Kernel threads only; no process is ever put there.
        Class::Interrupt => (c::RTP_PRIO_REALTIME, 0),
        Class::RealTime { priority, fifo } => (
            if fifo {
                c::RTP_PRIO_FIFO
            } else {
                c::RTP_PRIO_REALTIME
            },
            priority,
        ),
        Class::Normal { priority } => (c::RTP_PRIO_NORMAL, priority),
        Class::Idle { priority } => (c::RTP_PRIO_IDLE, priority),
    };
    fb::rtprio {
        type_: kind as u16,
        prio: u16::from(prio),
    }
}

/// rtprio(2): RTP_LOOKUP copies the class out, RTP_SET sets it; without root only the
/// caller's own (pid 0) and only to RTP_PRIO_NORMAL (EPERM), as 4.x.
/// The rtprio a process runs with (kern.proc's p_rtprio).
pub(crate) fn rtprio_of(p: &Process) -> fb::rtprio {
    rtprio_from_class(process::sched_class(p))
}

pub(crate) fn sys_rtprio(task: &mut Task, a: fb::RtprioArgs) -> SysResult {
    // 4.x copies the argument in before anything else, for either function.
    let rtp: fb::rtprio = task.read_val(a.rtp.addr()).map_err(fault)?;
    let target = crate::sys::target(task, a.pid)?;
    match u32::try_from(a.function) {
        Ok(c::RTP_LOOKUP) => {
            let out = rtprio_from_class(process::sched_class(&target));
            task.write_val(a.rtp.addr(), &out).map_err(fault)?;
        }
        Ok(c::RTP_SET) => {
            // kern_resource.c `rtprio`: plain suser (a jailed root is an ordinary user).
            if !task.process.fs().creds.is_host_root()
                && (a.pid != 0 || u32::from(rtp.type_) != c::RTP_PRIO_NORMAL)
            {
                return Err(errno::EPERM);
            }
            process::set_sched_class(&target, class_from_rtprio(rtp)?);
        }
        _ => return Err(errno::EINVAL),
    }
    Ok(Ret::word(0))
}

/// The process a sched_* call names: ESRCH for none, then EPERM unless the caller is
/// root (4.x's p31b_proc, whose CAN_AFFECT is "only root can do this"). p31b_proc
/// makes no PRISON_CHECK and CAN_AFFECT reads cr_uid alone, so a jailed root reaches
/// any pid here, as on 4.x.
fn posix_target(task: &Task, pid: i32) -> Result<alloc::sync::Arc<Process>, i32> {
    let target = crate::sys::target(task, pid)?;
    if !is_root(task) {
        return Err(errno::EPERM);
    }
    Ok(target)
}

/// POSIX priorities run the other way from rtprio's (ksched.c's p4prio_to_rtpprio).
fn posix_priority(rt: u8) -> i32 {
    i32::from(CLASS_PRIORITY_MAX) - i32::from(rt)
}

fn policy_of(class: Class) -> u32 {
    match class {
        Class::RealTime { fifo: true, .. } => c::SCHED_FIFO,
        Class::RealTime { fifo: false, .. } | Class::Interrupt => c::SCHED_RR,
        Class::Normal { .. } | Class::Idle { .. } => c::SCHED_OTHER,
    }
}

/// ksched_setscheduler: FIFO and RR take priorities 0..31 (EPERM outside, as 4.x);
/// OTHER makes the process normal again. An unknown policy is EINVAL (4.x returned 0
/// and changed nothing).
fn set_policy(target: &Process, policy: i32, param: fb::sched_param) -> Result<(), i32> {
    let policy = u32::try_from(policy).map_err(|_| errno::EINVAL)?;
    let in_range = u8::try_from(param.sched_priority)
        .ok()
        .filter(|&p| p <= CLASS_PRIORITY_MAX);
    let class = match policy {
        c::SCHED_FIFO | c::SCHED_RR => {
            let p = in_range.ok_or(errno::EPERM)?;
            Class::RealTime {
                priority: CLASS_PRIORITY_MAX - p,
                fifo: policy == c::SCHED_FIFO,
            }
        }
        // 4.x stores 31 - sched_priority as the (unused) normal priority.
        c::SCHED_OTHER => Class::Normal {
            priority: CLASS_PRIORITY_MAX - in_range.unwrap_or(0),
        },
        _ => return Err(errno::EINVAL),
    };
    process::set_sched_class(target, class);
    Ok(())
}

pub(crate) fn sys_sched_setscheduler(task: &mut Task, a: fb::SchedSetschedulerArgs) -> SysResult {
    let target = posix_target(task, a.pid)?;
    let param: fb::sched_param = task.read_val(a.param.addr()).map_err(fault)?;
    set_policy(&target, a.policy, param)?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_sched_getscheduler(task: &mut Task, a: fb::SchedGetschedulerArgs) -> SysResult {
    let target = posix_target(task, a.pid)?;
    Ok(Ret::word(u64::from(policy_of(process::sched_class(
        &target,
    )))))
}

/// sched_setparam keeps the policy: EINVAL for SCHED_OTHER (ksched_setparam).
pub(crate) fn sys_sched_setparam(task: &mut Task, a: fb::SchedSetparamArgs) -> SysResult {
    let target = posix_target(task, a.pid)?;
    let param: fb::sched_param = task.read_val(a.param.addr()).map_err(fault)?;
    let policy = policy_of(process::sched_class(&target));
    if policy == c::SCHED_OTHER {
        return Err(errno::EINVAL);
    }
    set_policy(&target, policy as i32, param)?;
    Ok(Ret::word(0))
}

/// sched_getparam: a real-time process's POSIX priority; 0 for others (4.x copied
/// out an uninitialised word there).
pub(crate) fn sys_sched_getparam(task: &mut Task, a: fb::SchedGetparamArgs) -> SysResult {
    let target = posix_target(task, a.pid)?;
    let sched_priority = match process::sched_class(&target) {
        Class::RealTime { priority, .. } => posix_priority(priority),
        Class::Interrupt => posix_priority(0),
        Class::Normal { .. } | Class::Idle { .. } => 0,
    };
    let out = fb::sched_param { sched_priority };
    task.write_val(a.param.addr(), &out).map_err(fault)?;
    Ok(Ret::word(0))
}

fn priority_range(policy: i32) -> Result<(i32, i32), i32> {
    match u32::try_from(policy) {
        Ok(c::SCHED_FIFO | c::SCHED_RR) => Ok((0, i32::from(CLASS_PRIORITY_MAX))),
        Ok(c::SCHED_OTHER) => Ok((PRIO_MIN, PRIO_MAX)),
        _ => Err(errno::EINVAL),
    }
}

pub(crate) fn sys_sched_get_priority_max(
    _: &mut Task,
    a: fb::SchedGetPriorityMaxArgs,
) -> SysResult {
    Ok(Ret::word(priority_range(a.policy)?.1 as u32 as u64))
}

pub(crate) fn sys_sched_get_priority_min(
    _: &mut Task,
    a: fb::SchedGetPriorityMinArgs,
) -> SysResult {
    Ok(Ret::word(priority_range(a.policy)?.0 as u32 as u64))
}

/// sched_rr_get_interval: how long a round-robin thread's turn among its equals lasts
/// here (4.x reported its own quantum, 100 ms at HZ 100).
pub(crate) fn sys_sched_rr_get_interval(
    task: &mut Task,
    a: fb::SchedRrGetIntervalArgs,
) -> SysResult {
    posix_target(task, a.pid)?;
    let ns = nymph_kernel::sched::TIME_SLICE_TICKS * 1_000_000_000
        / u64::from(nymph_kernel::time::hz().max(1));
    let out = fb::timespec {
        tv_sec: (ns / 1_000_000_000) as i32,
        tv_nsec: (ns % 1_000_000_000) as i32,
    };
    task.write_val(a.interval.addr(), &out).map_err(fault)?;
    Ok(Ret::word(0))
}
