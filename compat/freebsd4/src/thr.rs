//! thr_sleep (322) and thr_wakeup (323): 4.x's kern_threads.c, the sleep and wake-up
//! of rfork(RFTHREAD) peers.
//!
//! A process's peers are its leader and the leader's `p_peers` list: 4.x's fork makes
//! a process its own leader with no peers unless RFTHREAD is given (kern_fork.c
//! `fork1`; the core keeps the groups, `process::peers`). Kept here by process: its
//! `p_wakeup`, the count of wake-ups given and not yet taken, and whether it sleeps in
//! thr_sleep now (4.x's test of `p_stat == SSLEEP && p_wchan == p`).

use crate::fb::{self, errno};
use crate::sys::{Ret, SysResult};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use nymph_kernel::process::{self, Process, Task};
use nymph_kernel::sched::WaitQueue;
use nymph_kernel::sync::Mutex;

/// A process's thr_sleep state: its `p_wakeup`, and whether it sleeps in thr_sleep.
#[derive(Clone, Copy, Default)]
struct Sleeper {
    wakeups: u32,
    asleep: bool,
}

/// Each process's [`Sleeper`] by pid, with the process it belongs to (a pid used again
/// is another process, which starts afresh).
static SLEEPERS: Mutex<BTreeMap<u32, (Weak<Process>, Sleeper)>> = Mutex::new(BTreeMap::new());

/// Where thr_sleep sleeps; thr_wakeup wakes them all, and each looks at its own count.
static THR_SLEEP: WaitQueue = WaitQueue::new();

/// Runs `f` on `process`'s entry.
fn with_sleeper<R>(process: &Arc<Process>, f: impl FnOnce(&mut Sleeper) -> R) -> R {
    let mut map = SLEEPERS.lock();
    map.retain(|_, (owner, _)| owner.strong_count() > 0);
    let entry = map
        .entry(process.pid.0)
        .or_insert_with(|| (Arc::downgrade(process), Sleeper::default()));
    if !core::ptr::eq(entry.0.as_ptr(), Arc::as_ptr(process)) {
        *entry = (Arc::downgrade(process), Sleeper::default());
    }
    f(&mut entry.1)
}

/// Takes `process`'s wake-up count, leaving 0 (what every return of thr_sleep does).
fn take_wakeups(process: &Arc<Process>) -> u32 {
    with_sleeper(process, |s| core::mem::take(&mut s.wakeups))
}

/// `itimerfix` (4.x kern_time.c): a time of more than 10^8 seconds, negative, or with
/// microseconds out of range is EINVAL; a non-zero time under a tick becomes a tick.
fn itimerfix(sec: i32, usec: i32, tick_us: i64) -> Result<(i64, i64), i32> {
    if !(0..=100_000_000).contains(&sec) || !(0..1_000_000).contains(&usec) {
        return Err(errno::EINVAL);
    }
    let (sec, mut usec) = (i64::from(sec), i64::from(usec));
    if sec == 0 && usec != 0 && usec < tick_us {
        usec = tick_us;
    }
    Ok((sec, usec))
}

/// `tvtohz` (4.x kern_clock.c) for a time `itimerfix` accepted: the ticks, rounded
/// up, plus one for the tick under way, at most INT_MAX.
fn tvtohz(sec: i64, usec: i64, tick_us: i64) -> u64 {
    let ticks = (sec * 1_000_000 + usec + tick_us - 1) / tick_us + 1;
    ticks.min(i64::from(i32::MAX)) as u64
}

/// thr_sleep as kern_threads.c does it. A timeout, if given, is copied in (EFAULT),
/// its nanoseconds checked (EINVAL), made a timeval and passed through `itimerfix`
/// (EINVAL) and `tvtohz`; each of those errors also drops the wake-ups given. Then, if
/// no wake-up is pending, the process sleeps on itself at PRIBIO with P_SINTR set by
/// hand (no PCATCH): a thr_wakeup or a signal ends the sleep (a signal's `psignal`
/// makes a P_SINTR sleeper runnable, and tsleep without PCATCH returns 0), a stop
/// signal stops the sleeper and SIGCONT puts it back to sleep. The value returned
/// (p_retval, with no error): EAGAIN when the timeout passed; otherwise the ticks slept
/// when there was no timeout, and 0 when there was one or no sleep was needed. Every
/// return that gets this far drops the wake-ups given.
pub(crate) fn sys_thr_sleep(task: &mut Task, a: fb::ThrSleepArgs) -> SysResult {
    let process = task.process.clone();
    let hz = i64::from(nymph_kernel::time::hz().max(1));
    let tick_us = 1_000_000 / hz;
    let timo = if a.timeout.is_null() {
        None
    } else {
        let parsed = task
            .read_val::<fb::timespec>(a.timeout.addr())
            .map_err(|_| errno::EFAULT)
            .and_then(|ts| {
                if !(0..1_000_000_000).contains(&ts.tv_nsec) {
                    return Err(errno::EINVAL);
                }
                // TIMESPEC_TO_TIMEVAL: microseconds, truncated.
                itimerfix(ts.tv_sec, ts.tv_nsec / 1000, tick_us)
            });
        match parsed {
            Ok((sec, usec)) => Some(tvtohz(sec, usec, tick_us)),
            Err(e) => {
                take_wakeups(&process);
                return Err(e);
            }
        }
    };
    let mut value = 0;
    if take_wakeups(&process) == 0 {
        let start = nymph_kernel::time::ticks();
        with_sleeper(&process, |s| s.asleep = true);
        // A peer's thr_wakeup, the timeout or a signal ends it.
        let ended = THR_SLEEP.wait_until_deadline(
            || with_sleeper(&process, |s| s.wakeups > 0),
            || process::signal_pending(&process),
            timo.map(|t| start + t),
        );
        with_sleeper(&process, |s| s.asleep = false);
        if ended == Ok(false) {
            take_wakeups(&process);
            return Ok(Ret::word(errno::EAGAIN as u64));
        }
        if timo.is_none() {
            value = nymph_kernel::time::ticks().saturating_sub(start) as u32;
        }
    }
    take_wakeups(&process);
    Ok(Ret::Word(value))
}

/// thr_wakeup as kern_threads.c does it: `pid` is looked for along the caller's peer
/// list (its leader and the leader's peers); not found, the call returns ESRCH as its
/// value, with no error. Found, its `p_wakeup` goes up by one, and it is woken if it
/// sleeps in thr_sleep (value 0); otherwise the value is EAGAIN, and its next
/// thr_sleep returns at once. The caller is never asleep, so that is what naming
/// itself gives.
pub(crate) fn sys_thr_wakeup(task: &mut Task, a: fb::ThrWakeupArgs) -> SysResult {
    let Some(target) = process::peers(&task.process)
        .into_iter()
        .find(|p| p.pid.0 == a.pid as u32)
    else {
        return Ok(Ret::word(errno::ESRCH as u64));
    };
    let asleep = with_sleeper(&target, |s| {
        s.wakeups = s.wakeups.wrapping_add(1);
        s.asleep
    });
    if asleep {
        THR_SLEEP.wake_all();
        return Ok(Ret::word(0));
    }
    Ok(Ret::word(errno::EAGAIN as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_become_ticks_as_4x_counts_them() {
        // hz 100: a tick is 10000 us.
        assert_eq!(itimerfix(0, 1, 10_000), Ok((0, 10_000)));
        assert_eq!(itimerfix(0, 0, 10_000), Ok((0, 0)));
        assert_eq!(itimerfix(-1, 0, 10_000), Err(errno::EINVAL));
        assert_eq!(itimerfix(100_000_001, 0, 10_000), Err(errno::EINVAL));
        assert_eq!(tvtohz(0, 0, 10_000), 1);
        assert_eq!(tvtohz(0, 10_000, 10_000), 2);
        assert_eq!(tvtohz(1, 5, 10_000), 102);
    }
}
