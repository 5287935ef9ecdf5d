//! The tick: a periodic timer interrupt counted since boot.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The tick rate the kernel asks for (FreeBSD 4's default HZ).
pub const HZ: u32 = 100;

static TICKS: AtomicU64 = AtomicU64::new(0);
static ACTUAL_HZ: AtomicU32 = AtomicU32::new(HZ);
/// Nanoseconds since the Unix epoch when the timer started: from the RTC, moved when
/// the clock is set.
static BOOT_REALTIME_NS: AtomicU64 = AtomicU64::new(0);
/// The TSC at the last tick's edge (when the PIT made it, not when its interrupt was
/// taken), and the TSC cycles a tick lasts: for interpolating between ticks, turning
/// cycles into time and counting the ticks a stall lost.
static TSC_AT_TICK: AtomicU64 = AtomicU64::new(0);
static TSC_PER_TICK: AtomicU64 = AtomicU64::new(0);

/// Where the rate is measured from: a tick, the TSC when its interrupt was taken and
/// the PIT counts it was late by. The cycles a tick lasts are averaged over every tick
/// since (one interval alone swings with the host's delays). Not the timer's start:
/// the kernel boots with interrupts off, and the ticks that passed before the first
/// one was taken would count as one.
#[derive(Clone, Copy)]
struct RateBase {
    tick: u64,
    tsc: u64,
    late: u32,
}

static RATE_BASE: crate::sync::Mutex<RateBase> = crate::sync::Mutex::new(RateBase {
    tick: 0,
    tsc: 0,
    late: 0,
});

/// Intervals measured before lost ticks are counted from the rate: before that the
/// rate is not known well enough to count them.
const CALIBRATION_TICKS: u64 = 4;

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
    let hz = nymph_hal::timer::start_periodic(HZ);
    ACTUAL_HZ.store(hz, Ordering::Relaxed);
}

/// Called from the timer interrupt: counts, wakes sleepers, asks for preemption.
///
/// The PIT's interrupts are edges the PIC keeps one of: while the kernel runs with
/// interrupts off longer than a tick (a long system call, a core dump), the ticks in
/// between are lost, and the clock fell behind by all of them. The TSC ran on, so the
/// tick that ends such a stall counts the ticks between its edge and the last one.
/// Edges, not interrupts: the PIT's count says how late each interrupt is taken, and
/// a tick taken late then one taken on time are two ticks, not three.
pub fn tick() {
    let tsc = nymph_hal::cpu::rdtsc();
    let late = nymph_hal::timer::counts_since_tick();
    let divisor = u64::from(nymph_hal::timer::counts_per_tick().max(1));
    let before = TICKS.load(Ordering::Relaxed);
    let per_tick = TSC_PER_TICK.load(Ordering::Relaxed);
    let edge = tsc.saturating_sub(u64::from(late) * per_tick / divisor);
    let mut base = RATE_BASE.lock();
    let calibrated = per_tick != 0 && before.saturating_sub(base.tick) >= CALIBRATION_TICKS;
    let gap = edge.saturating_sub(TSC_AT_TICK.load(Ordering::Relaxed));
    let counted = match ticks_between_edges(gap, per_tick) {
        // An interrupt for an edge already counted (a hypervisor that re-delivers the
        // ones it held back): nothing has passed.
        0 if calibrated => return,
        n if calibrated => n,
        _ => 1,
    };
    let now = before.saturating_add(counted);
    TICKS.store(now, Ordering::Relaxed);
    TSC_AT_TICK.store(edge, Ordering::Relaxed);
    let restart = before == 0 || (!calibrated && per_tick != 0 && gap > per_tick * 3 / 2);
    if restart {
        // The first tick, or one after a stall while the rate is being measured (which
        // would count the stall as one tick): measure from here.
        *base = RateBase {
            tick: now,
            tsc,
            late,
        };
    } else {
        // Between the base's edge and this one lie whole ticks.
        let cycles = u128::from(tsc.saturating_sub(base.tsc)) * u128::from(divisor);
        let counts = u128::from(now - base.tick) * u128::from(divisor) + u128::from(late);
        let counts = counts.saturating_sub(u128::from(base.late)).max(1);
        TSC_PER_TICK.store(
            u64::try_from(cycles / counts).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
    drop(base);
    apply_slew(now - before);
    crate::klog::on_tick(before, now);
    crate::sched::on_tick(before, now);
}

/// The ticks between two edges `gap` TSC cycles apart, at `per_tick` cycles a tick (0:
/// not known, one): as many as fit, rounded, for the edges are whole ticks apart.
fn ticks_between_edges(gap: u64, per_tick: u64) -> u64 {
    if per_tick == 0 {
        return 1;
    }
    (gap / per_tick).saturating_add(u64::from(gap % per_tick >= per_tick.div_ceil(2)))
}

/// `ticks` ticks' steps of the correction under way, never past what is left of it,
/// nor past what the wall clock's unsigned base can hold (a clock set near the epoch
/// and slewed back: the correction ends there).
fn apply_slew(ticks: u64) {
    let mut slew = SLEW.lock();
    if slew.remaining == 0 {
        return;
    }
    let steps = slew
        .step
        .saturating_mul(i64::try_from(ticks).unwrap_or(i64::MAX));
    let step = if steps.unsigned_abs() >= slew.remaining.unsigned_abs() {
        slew.remaining
    } else {
        steps
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
    ktest!(ticks_lost_with_interrupts_off_are_counted),
];

fn ticks_lost_with_interrupts_off_are_counted() -> TestResult {
    let calibrated = || ticks().saturating_sub(RATE_BASE.lock().tick) > CALIBRATION_TICKS;
    kassert!(wait_until(50, calibrated), "the TSC rate was not measured");
    let per_tick = TSC_PER_TICK.load(Ordering::Relaxed);
    let (start, start_ns) = (ticks(), monotonic_ns());
    let start_tsc = nymph_hal::cpu::rdtsc();
    // Kernel code runs with interrupts off: eight ticks pass and none is taken.
    while nymph_hal::cpu::rdtsc() - start_tsc < 8 * per_tick {}
    kassert_eq!(ticks(), start);
    kassert!(wait_until(5, || ticks() > start), "no tick after the stall");
    let counted = ticks() - start;
    kassert!((8..=10).contains(&counted), "counted {counted} ticks");
    // The clock kept the time the TSC measured, within the tick it interpolates.
    let elapsed = monotonic_ns() - start_ns;
    let measured = cycles_to_ns(nymph_hal::cpu::rdtsc() - start_tsc).unwrap_or(0);
    kassert!(
        elapsed.abs_diff(measured) <= tick_ns(),
        "the clock moved {elapsed} ns in {measured} ns"
    );
    // The rate stayed what it was: the stall was counted, not averaged in.
    let rate = TSC_PER_TICK.load(Ordering::Relaxed);
    kassert!(
        rate.abs_diff(per_tick) <= per_tick / 20,
        "rate {per_tick} became {rate}"
    );
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::ticks_between_edges;

    #[test]
    fn edges_are_whole_ticks_apart() {
        // Unknown rate: one.
        assert_eq!(ticks_between_edges(5_000, 0), 1);
        // The same edge again: none; then the ticks that fit, rounded.
        assert_eq!(ticks_between_edges(0, 1_000), 0);
        assert_eq!(ticks_between_edges(499, 1_000), 0);
        for gap in [500, 1_000, 1_499] {
            assert_eq!(ticks_between_edges(gap, 1_000), 1, "gap {gap}");
        }
        assert_eq!(ticks_between_edges(1_500, 1_000), 2);
        assert_eq!(ticks_between_edges(15_200_000, 1_000), 15_200);
        assert_eq!(ticks_between_edges(u64::MAX, 1), u64::MAX);
        assert_eq!(ticks_between_edges(7, 3), 2);
        assert_eq!(ticks_between_edges(8, 3), 3);
    }
}
