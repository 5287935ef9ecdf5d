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
use crate::sync::Mutex;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use spin::Once;

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

/// A bound on the CPU time (user and system) a process may use, BSD's RLIMIT_CPU in
/// neutral terms: once past `soft_ns` the process gets SIGXCPU and, while it is below
/// `hard_ns`, the soft bound moves up by `step_ns` (the next SIGXCPU comes that much
/// later); at `hard_ns` it gets SIGKILL. Kept by fork and exec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuLimit {
    pub soft_ns: u64,
    pub hard_ns: u64,
    pub step_ns: u64,
}

/// Armed real timers: pid -> (expiry in monotonic ns, interval).
static REAL: Mutex<BTreeMap<Pid, (u64, u64)>> = Mutex::new(BTreeMap::new());
/// Woken when a real timer is set, so the timer thread looks again.
static CHANGED: WaitQueue = WaitQueue::new();
static THREAD: Once<()> = Once::new();

fn start_thread() {
    THREAD.call_once(|| {
        match sched::spawn("itimer", run) {
            // Ahead of every process, real-time ones included, as BSD's callouts run
            // from the clock interrupt: a real-time process that spins still gets its
            // SIGALRM.
            Ok(thread) => sched::set_class(thread, sched::Class::Interrupt),
            Err(e) => log::error!("interval timers: no thread ({e:?}): SIGALRM will not come"),
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
    let limited = {
        let mut inner = process.inner.lock();
        // Under the lock, so that `usage` never counts the cycles twice or not at all.
        process.user_cycles.fetch_sub(cycles, Ordering::Relaxed);
        inner.user_ns += user_ns;
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
        inner.cpu_limit.is_some()
    };
    for signal in fired {
        process.post(signal);
    }
    if limited {
        enforce_cpu_limit(process);
    }
}

/// The CPU-time bound of `process`, with its soft bound as it has moved.
pub fn cpu_limit(process: &Process) -> Option<CpuLimit> {
    process.inner.lock().cpu_limit
}

/// Sets (or, with None, lifts) the CPU-time bound of `process`.
pub fn set_cpu_limit(process: &Process, limit: Option<CpuLimit>) {
    process.inner.lock().cpu_limit = limit;
}

/// Signals `process` if its CPU time has passed its bound (see [`CpuLimit`]).
fn enforce_cpu_limit(process: &Process) {
    let used = process.usage();
    let total = used.user_ns.saturating_add(used.system_ns);
    let signal = {
        let mut inner = process.inner.lock();
        let Some(limit) = inner.cpu_limit.as_mut() else {
            return;
        };
        if total <= limit.soft_ns {
            return;
        }
        if total >= limit.hard_ns {
            Signal::Kill
        } else {
            if limit.soft_ns < limit.hard_ns {
                limit.soft_ns = limit.soft_ns.saturating_add(limit.step_ns);
            }
            Signal::Xcpu
        }
    };
    if signal == Signal::Kill {
        log::warn!(
            "pid {}: killed: exceeded its maximum CPU time",
            process.pid.0
        );
    }
    process.post(signal);
}

/// Drops the real timer of a process that exits.
pub(super) fn forget(pid: Pid) {
    REAL.lock().remove(&pid);
}
