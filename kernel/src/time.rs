//! The tick: a periodic timer interrupt counted since boot.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The tick rate the kernel asks for (FreeBSD 4's default HZ).
pub const HZ: u32 = 100;

static TICKS: AtomicU64 = AtomicU64::new(0);
static ACTUAL_HZ: AtomicU32 = AtomicU32::new(HZ);

/// Starts the periodic timer.
pub fn init() {
    let hz = nymph_hal::timer::start_periodic(HZ);
    ACTUAL_HZ.store(hz, Ordering::Relaxed);
}

/// Called from the timer interrupt. The scheduler will preempt from here.
pub fn tick() {
    let now = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    crate::sched::on_tick(now);
}

/// Ticks since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// The tick rate actually obtained from the hardware.
pub fn hz() -> u32 {
    ACTUAL_HZ.load(Ordering::Relaxed)
}

/// Milliseconds since the timer started, at tick resolution.
pub fn uptime_ms() -> u64 {
    ticks() * 1000 / u64::from(hz().max(1))
}

/// Waits (halting between interrupts) until `done` holds or `max_ticks` ticks pass.
/// Returns whether `done` held.
pub fn wait_until(max_ticks: u64, done: impl Fn() -> bool) -> bool {
    let start = ticks();
    // A bound on wake-ups as well as ticks: if the timer were dead, `ticks()` would never
    // move and only the wake-up count would end the wait (each halt needs some interrupt;
    // with none at all the CPU would sleep forever, which the harness timeout reports).
    for _ in 0..max_ticks.saturating_mul(8).max(8) {
        if done() {
            return true;
        }
        if ticks() - start >= max_ticks {
            break;
        }
        nymph_hal::cpu::wait_for_interrupt();
    }
    done()
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[ktest!(timer_ticks_advance)];

fn timer_ticks_advance() -> TestResult {
    let start = ticks();
    let tsc_start = nymph_hal::cpu::rdtsc();
    let reached = wait_until(50, || ticks() >= start + 3);
    kassert!(
        reached,
        "ticks went from {} to {} in 50 ticks' time",
        start,
        ticks()
    );
    kassert!(
        nymph_hal::cpu::rdtsc() > tsc_start,
        "the TSC did not advance across three ticks"
    );
    Ok(())
}
