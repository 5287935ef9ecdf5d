//! The tick: a periodic timer interrupt counted since boot.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The tick rate the kernel asks for (FreeBSD 4's default HZ).
pub const HZ: u32 = 100;

static TICKS: AtomicU64 = AtomicU64::new(0);
static ACTUAL_HZ: AtomicU32 = AtomicU32::new(HZ);
/// Nanoseconds since the Unix epoch when the timer started: from the RTC, moved when
/// the clock is set.
static BOOT_REALTIME_NS: AtomicU64 = AtomicU64::new(0);
/// TSC at the last tick, and the TSC cycles a tick lasts, for interpolating between
/// ticks and turning cycles into time.
static TSC_AT_TICK: AtomicU64 = AtomicU64::new(0);
static TSC_PER_TICK: AtomicU64 = AtomicU64::new(0);
/// TSC when the timer started: the cycles a tick lasts are averaged over every tick
/// since. One tick's interval alone swings whenever a tick is taken late (the kernel
/// runs with interrupts off; a loaded host delays the guest), and user time converted
/// at that rate came out larger than the elapsed time it was part of.
static TSC_AT_START: AtomicU64 = AtomicU64::new(0);

/// A correction of the wall clock being applied a little at each tick (adjtime(2)):
/// the signed nanoseconds still to apply and the step each tick applies.
struct Slew {
    remaining: i64,
    step: i64,
}

static SLEW: crate::sync::Mutex<Slew> = crate::sync::Mutex::new(Slew {
    remaining: 0,
    step: 0,
});

/// Starts the periodic timer and reads the wall clock.
pub fn init() {
    let rtc = nymph_hal::rtc::read_time();
    BOOT_REALTIME_NS.store(unix_seconds(&rtc) * NS_PER_SEC, Ordering::Relaxed);
    let tsc = nymph_hal::cpu::rdtsc();
    TSC_AT_TICK.store(tsc, Ordering::Relaxed);
    TSC_AT_START.store(tsc, Ordering::Relaxed);
    let hz = nymph_hal::timer::start_periodic(HZ);
    ACTUAL_HZ.store(hz, Ordering::Relaxed);
}

/// Called from the timer interrupt: counts, wakes sleepers, asks for preemption.
pub fn tick() {
    let tsc = nymph_hal::cpu::rdtsc();
    TSC_AT_TICK.store(tsc, Ordering::Relaxed);
    let now = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    let elapsed = tsc.saturating_sub(TSC_AT_START.load(Ordering::Relaxed));
    TSC_PER_TICK.store(elapsed / now, Ordering::Relaxed);
    apply_slew();
    crate::klog::on_tick(now);
    crate::sched::on_tick(now);
}

/// One tick's step of the correction under way, never past what is left of it, nor
/// past what the wall clock's unsigned base can hold (a clock set near the epoch and
/// slewed back: the correction ends there).
fn apply_slew() {
    let mut slew = SLEW.lock();
    if slew.remaining == 0 {
        return;
    }
    let step = if slew.step.unsigned_abs() >= slew.remaining.unsigned_abs() {
        slew.remaining
    } else {
        slew.step
    };
    let boot = BOOT_REALTIME_NS.load(Ordering::Relaxed);
    match boot.checked_add_signed(step) {
        Some(moved) => {
            BOOT_REALTIME_NS.store(moved, Ordering::Relaxed);
            slew.remaining -= step;
        }
        None => {
            BOOT_REALTIME_NS.store(if step < 0 { 0 } else { u64::MAX }, Ordering::Relaxed);
            slew.remaining = 0;
        }
    }
}

/// Starts moving the wall clock by `total_ns`, `step_ns` at each tick (its sign is
/// taken from `total_ns`), in place of any correction under way, and returns what was
/// left of that one. The monotonic clock is not touched.
pub fn slew(total_ns: i64, step_ns: u64) -> i64 {
    let step = i64::try_from(step_ns).unwrap_or(i64::MAX);
    let mut slew = SLEW.lock();
    let left = slew.remaining;
    *slew = Slew {
        remaining: total_ns,
        step: if total_ns < 0 { -step } else { step },
    };
    left
}

/// What is left of the wall clock's correction under way (signed nanoseconds).
pub fn slew_remaining() -> i64 {
    SLEW.lock().remaining
}

/// Nanoseconds per tick.
pub fn tick_ns() -> u64 {
    1_000_000_000 / u64::from(hz().max(1))
}

/// Nanoseconds since the timer started: ticks, plus the part of the current tick
/// estimated from the TSC (never more than one tick, so the clock never runs ahead of
/// the next tick and never goes backwards across it).
pub fn monotonic_ns() -> u64 {
    let period = tick_ns();
    let base = ticks() * period;
    let per_tick = TSC_PER_TICK.load(Ordering::Relaxed);
    if per_tick == 0 {
        return base;
    }
    let since = nymph_hal::cpu::rdtsc().saturating_sub(TSC_AT_TICK.load(Ordering::Relaxed));
    // In 64 bits when the product fits (always, within a tick): a 128-bit division is a
    // library call, and this runs twice per system call.
    let within = match since.checked_mul(period) {
        Some(product) => product / per_tick,
        None => (u128::from(since) * u128::from(period) / u128::from(per_tick)) as u64,
    };
    base + within.min(period - 1)
}

/// The nanoseconds `cycles` of the TSC last, at the rate averaged over every tick
/// (None until a tick has been measured).
pub fn cycles_to_ns(cycles: u64) -> Option<u64> {
    let per_tick = TSC_PER_TICK.load(Ordering::Relaxed);
    if per_tick == 0 {
        return None;
    }
    let ns = u128::from(cycles) * u128::from(tick_ns()) / u128::from(per_tick);
    Some(u64::try_from(ns).unwrap_or(u64::MAX))
}

/// The wall-clock time the machine booted at, as the clock now says (BSD's boottime:
/// setting the clock moves it, so that realtime = boot time + uptime).
pub fn boot_realtime() -> (u64, u32) {
    let ns = BOOT_REALTIME_NS.load(Ordering::Relaxed);
    (ns / NS_PER_SEC, (ns % NS_PER_SEC) as u32)
}

/// Wall-clock time: (seconds, nanoseconds) since the Unix epoch.
pub fn realtime() -> (u64, u32) {
    let ns = BOOT_REALTIME_NS
        .load(Ordering::Relaxed)
        .saturating_add(monotonic_ns());
    (ns / NS_PER_SEC, (ns % NS_PER_SEC) as u32)
}

const NS_PER_SEC: u64 = 1_000_000_000;

/// Sets the wall clock (settimeofday, clock_settime), keeping the monotonic clock as
/// it is.
pub fn set_realtime(seconds: u64, nanos: u32) {
    let at = seconds
        .saturating_mul(NS_PER_SEC)
        .saturating_add(u64::from(nanos));
    BOOT_REALTIME_NS.store(at.saturating_sub(monotonic_ns()), Ordering::Relaxed);
}

/// Sleeps at least `ns` nanoseconds, and at most one tick more.
pub fn sleep_ns(ns: u64) {
    let period = tick_ns();
    // The current tick is partly over: one extra tick makes the sleep at least `ns`.
    crate::sched::sleep_ticks(ns.div_ceil(period) + 1);
}

/// Sleeps like [`sleep_ns`] unless `interrupted()` turns true first (a signal for the
/// sleeping process): then `Err` with the nanoseconds that were left.
pub fn sleep_ns_interruptible(ns: u64, interrupted: impl Fn() -> bool) -> Result<(), u64> {
    // Nobody wakes this queue: only the deadline or a signal's wake-up end the wait.
    let never = crate::sched::WaitQueue::new();
    let _waiting = crate::sched::waiting_for("nanslp");
    let start = monotonic_ns();
    let deadline = ticks() + ns.div_ceil(tick_ns()) + 1;
    match never.wait_until_deadline(|| false, interrupted, Some(deadline)) {
        Err(crate::sched::Interrupted) => Err(ns.saturating_sub(monotonic_ns() - start)),
        Ok(_) => Ok(()),
    }
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn unix_seconds(t: &nymph_hal::rtc::RtcTime) -> u64 {
    let days = days_from_civil(i64::from(t.year), t.month.clamp(1, 12), t.day.clamp(1, 31));
    let secs =
        days * 86_400 + i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second);
    u64::try_from(secs).unwrap_or(0)
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
use crate::{kassert, kassert_eq, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(timer_ticks_advance),
    ktest!(sleep_is_accurate_within_a_tick),
    ktest!(clocks_are_sane),
    ktest!(a_slew_moves_the_wall_clock_a_step_a_tick),
];

fn a_slew_moves_the_wall_clock_a_step_a_tick() -> TestResult {
    // The wall clock's offset from the monotonic one.
    let wall = || BOOT_REALTIME_NS.load(Ordering::Relaxed) as i64;
    let step = 1_000_000;
    let before = wall();
    let start = ticks();
    kassert_eq!(slew(-10 * step as i64, step), 0);
    kassert!(wait_until(50, || ticks() >= start + 3), "no ticks");
    let left = slew_remaining();
    let moved = wall() - before;
    // Each tick moved the wall clock back one step, and what is left says how many.
    kassert!(
        left > -10 * step as i64 && left <= -7 * step as i64,
        "left {left}"
    );
    kassert_eq!(moved, -10 * step as i64 - left);
    // A new correction replaces the old and returns what was left of it.
    kassert_eq!(slew(0, step), left);
    kassert_eq!(slew_remaining(), 0);
    // A clock set near its base and slewed back stops there, the correction ended.
    let saved = wall();
    BOOT_REALTIME_NS.store(step / 2, Ordering::Relaxed);
    let start = ticks();
    slew(-10 * step as i64, step);
    let reached = wait_until(50, || ticks() >= start + 2);
    let (base, left) = (wall(), slew_remaining());
    BOOT_REALTIME_NS.store(saved as u64, Ordering::Relaxed);
    kassert!(reached, "no ticks");
    kassert_eq!((base, left), (0, 0));
    Ok(())
}

fn sleep_is_accurate_within_a_tick() -> TestResult {
    for request in [1_000_000u64, 25_000_000, 40_000_000] {
        let start = monotonic_ns();
        sleep_ns(request);
        let slept = monotonic_ns() - start;
        kassert!(
            slept >= request && slept <= request + 2 * tick_ns(),
            "asked for {request} ns, slept {slept} ns"
        );
    }
    Ok(())
}

fn clocks_are_sane() -> TestResult {
    let mut last = monotonic_ns();
    for _ in 0..1000 {
        let now = monotonic_ns();
        kassert!(
            now >= last,
            "monotonic clock went back from {last} to {now}"
        );
        last = now;
    }
    let (secs, _) = realtime();
    // After 2020-01-01 and before 2100: the RTC was read and converted.
    kassert!(
        (1_577_836_800..4_102_444_800).contains(&secs),
        "realtime {secs}"
    );
    kassert_eq!(days_from_civil(1970, 1, 1), 0);
    kassert_eq!(days_from_civil(2000, 3, 1), 11_017);
    kassert_eq!(days_from_civil(2026, 11, 25), 20_782);
    Ok(())
}

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
