//! Interval timers (setitimer/getitimer, alarm): per process, one real-time timer that
//! posts SIGALRM, and two CPU-time ones: virtual (user time, SIGVTALRM) and profiling
//! (SIGPROF; user and system time in BSD, user time only here). Each has a value (time
//! to the next expiry, 0 for disarmed) and an interval to re-arm with.
//!
//! Real timers are served by one kernel thread that sleeps until the earliest expiry
//! (so that an expiry interrupts a process blocked in a call); the CPU-time timers are
//! charged by the process's own thread as it runs.

use super::{Pid, Process, Signal, find};
use crate::sched::{self, WaitQueue};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use spin::{Mutex, Once};

/// Which timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Which {
    Real,
    Virtual,
    Profiling,
}

/// A timer's setting, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Setting {
    /// Until the next expiry; 0: disarmed.
    pub value_ns: u64,
    /// Re-armed with this after each expiry; 0: once.
    pub interval_ns: u64,
}

/// Armed real timers: pid -> (expiry in monotonic ns, interval).
static REAL: Mutex<BTreeMap<Pid, (u64, u64)>> = Mutex::new(BTreeMap::new());
/// Woken when a real timer is set, so the timer thread looks again.
static CHANGED: WaitQueue = WaitQueue::new();
static THREAD: Once<()> = Once::new();

fn start_thread() {
    THREAD.call_once(|| {
        if let Err(e) = sched::spawn("itimer", run) {
            log::error!("interval timers: no thread ({e:?}): SIGALRM will not come");
        }
    });
}

/// The timer thread: posts SIGALRM for every real timer that is due, re-arms the
/// periodic ones, and sleeps until the next expiry or a change.
fn run() {
    loop {
        let now = crate::time::monotonic_ns();
        let mut due = alloc::vec::Vec::new();
        let next = {
            let mut timers = REAL.lock();
            timers.retain(|&pid, (expiry, interval)| {
                if *expiry > now {
                    return true;
                }
                due.push(pid);
                if *interval == 0 {
                    return false;
                }
                // Missed periods are not delivered twice (BSD does the same).
                while *expiry <= now {
                    *expiry += *interval;
                }
                true
            });
            timers.values().map(|&(e, _)| e).min()
        };
        for pid in due {
            if let Some(p) = find(pid).filter(|p| !p.has_exited()) {
                p.post(Signal::Alrm);
            }
        }
        let deadline = next.map(|e| {
            let left = e.saturating_sub(crate::time::monotonic_ns());
            crate::time::ticks() + left.div_ceil(crate::time::tick_ns()).max(1)
        });
        let seen = REAL.lock().len();
        let _ = CHANGED.wait_until_deadline(
            || REAL.lock().len() != seen || REAL.lock().values().any(|&(e, _)| Some(e) < next),
            || false,
            deadline,
        );
    }
}

/// The current setting of `which` for `process`.
pub fn get(process: &Process, which: Which) -> Setting {
    match which {
        Which::Real => REAL
            .lock()
            .get(&process.pid)
            .map(|&(expiry, interval)| Setting {
                value_ns: expiry.saturating_sub(crate::time::monotonic_ns()).max(1),
                interval_ns: interval,
            })
            .unwrap_or_default(),
        cpu => process
            .inner
            .lock()
            .cpu_timers
            .get(&cpu)
            .copied()
            .unwrap_or_default(),
    }
}

/// Sets `which` for `process` and returns the old setting.
pub fn set(process: &Arc<Process>, which: Which, new: Setting) -> Setting {
    let old = get(process, which);
    match which {
        Which::Real => {
            let mut timers = REAL.lock();
            if new.value_ns == 0 {
                timers.remove(&process.pid);
            } else {
                let expiry = crate::time::monotonic_ns().saturating_add(new.value_ns);
                timers.insert(process.pid, (expiry, new.interval_ns));
            }
            drop(timers);
            start_thread();
            CHANGED.wake_all();
        }
        cpu => {
            let mut inner = process.inner.lock();
            if new.value_ns == 0 {
                inner.cpu_timers.remove(&cpu);
            } else {
                inner.cpu_timers.insert(cpu, new);
            }
        }
    }
    old
}

/// Converts the user time `process` has run since the last charge (counted in TSC
/// cycles by its thread, see [`Process::usage`]) into nanoseconds, and charges it to
/// its CPU-time timers (the profiling one counts user time only), posting SIGVTALRM /
/// SIGPROF for those that expire. Called once per tick of the process's user time, not
/// on every trap: the timers, like BSD's, expire at tick granularity.
pub(super) fn charge_user_time(process: &Process) {
    let cycles = process.user_cycles.load(Ordering::Relaxed);
    let Some(user_ns) = crate::time::cycles_to_ns(cycles) else {
        return;
    };
    let mut fired = alloc::vec::Vec::new();
    {
        let mut inner = process.inner.lock();
        // Under the lock, so that `usage` never counts the cycles twice or not at all.
        process.user_cycles.fetch_sub(cycles, Ordering::Relaxed);
        inner.user_ns += user_ns;
        if inner.cpu_timers.is_empty() {
            return;
        }
        inner.cpu_timers.retain(|&which, t| {
            if user_ns < t.value_ns {
                t.value_ns -= user_ns;
                return true;
            }
            fired.push(match which {
                Which::Virtual => Signal::Vtalrm,
                _ => Signal::Prof,
            });
            if t.interval_ns == 0 {
                return false;
            }
            t.value_ns = t.interval_ns;
            true
        });
    }
    for signal in fired {
        process.post(signal);
    }
}

/// Drops the real timer of a process that exits.
pub(super) fn forget(pid: Pid) {
    REAL.lock().remove(&pid);
}
