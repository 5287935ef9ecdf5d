//! ntp_adjtime (176): the NTP kernel interface of 4.x's kern_ntptime.c (v1.32.2.2, NTP
//! API 4, a GENERIC kernel: no PPS_SYNC), its state kept here.
//!
//! The state moves as 4.x's does: ntp_adjtime's modes, `hardupdate`'s phase and
//! frequency computations, and of `ntp_update_second` (run at each rollover of the
//! second) the growth of the maximum error and the leap-second warnings. What it does
//! not do is discipline the clock: the offset and frequency are only kept and reported
//! (spec: partial).

use crate::fb;
use crate::sys::{Ret, SysResult, fault};
use nymph_kernel::process::Task;
use nymph_kernel::sync::Mutex;

// sys/timex.h of 4.x.
const MAXPHASE: i32 = 500_000_000;
const MAXFREQ: i32 = 500_000;
const MINSEC: i32 = 256;
const MAXSEC: i32 = 2048;
/// `(65536 / 1000)`, in integers.
const SCALE_PPM: i32 = 65;
const MAXTC: i32 = 10;

const MOD_OFFSET: u32 = 0x0001;
const MOD_FREQUENCY: u32 = 0x0002;
const MOD_MAXERROR: u32 = 0x0004;
const MOD_ESTERROR: u32 = 0x0008;
const MOD_STATUS: u32 = 0x0010;
const MOD_TIMECONST: u32 = 0x0020;
const MOD_TAI: u32 = 0x0080;
const MOD_MICRO: u32 = 0x1000;
const MOD_NANO: u32 = 0x2000;
const MOD_CLKB: u32 = 0x4000;
const MOD_CLKA: u32 = 0x8000;

const STA_PLL: i32 = 0x0001;
const STA_PPSFREQ: i32 = 0x0002;
const STA_PPSTIME: i32 = 0x0004;
const STA_FLL: i32 = 0x0008;
const STA_INS: i32 = 0x0010;
const STA_DEL: i32 = 0x0020;
const STA_UNSYNC: i32 = 0x0040;
const STA_FREQHOLD: i32 = 0x0080;
const STA_PPSSIGNAL: i32 = 0x0100;
const STA_PPSJITTER: i32 = 0x0200;
const STA_PPSWANDER: i32 = 0x0400;
const STA_PPSERROR: i32 = 0x0800;
const STA_CLOCKERR: i32 = 0x1000;
const STA_NANO: i32 = 0x2000;
const STA_MODE: i32 = 0x4000;
const STA_CLK: i32 = 0x8000;
const STA_RONLY: i32 = STA_PPSSIGNAL
    | STA_PPSJITTER
    | STA_PPSWANDER
    | STA_PPSERROR
    | STA_CLOCKERR
    | STA_NANO
    | STA_MODE
    | STA_CLK;

const TIME_OK: i32 = 0;
const TIME_INS: i32 = 1;
const TIME_DEL: i32 = 2;
const TIME_WAIT: i32 = 4;
const TIME_ERROR: i32 = 5;

/// The PLL's loop gain (shift).
const SHIFT_PLL: i32 = 4;
/// The FLL's loop gain (shift).
const SHIFT_FLL: i32 = 2;

/// kern_ntptime.c's variables (`long` is 32 bits on i386; `l_fp` is a 64-bit fixed
/// point number with 32 bits of fraction).
struct Ntp {
    state: i32,
    status: i32,
    tai: i32,
    monitor: i32,
    constant: i32,
    precision: i32,
    maxerror: i32,
    esterror: i32,
    reftime: i32,
    offset: i64,
    freq: i64,
    /// The monotonic second `ntp_update_second` last ran for.
    second: u64,
}

static NTP: Mutex<Ntp> = Mutex::new(Ntp {
    state: TIME_OK,
    status: STA_UNSYNC,
    tai: 0,
    monitor: 0,
    constant: 0,
    precision: 1,
    maxerror: MAXPHASE / 1000,
    esterror: MAXPHASE / 1000,
    reftime: 0,
    offset: 0,
    freq: 0,
    second: 0,
});

/// `L_GINT`: the integer part, rounded toward zero. The negations wrap, as the C
/// macro's do on i386: hardupdate's wrapping sum can leave `i64::MIN` here.
fn l_gint(v: i64) -> i64 {
    if v < 0 {
        (v.wrapping_neg() >> 32).wrapping_neg()
    } else {
        v >> 32
    }
}

/// `L_RSHIFT`: a shift that rounds toward zero.
fn l_rshift(v: i64, n: i32) -> i64 {
    let n = n.clamp(0, 63) as u32;
    if v < 0 {
        (v.wrapping_neg() >> n).wrapping_neg()
    } else {
        v >> n
    }
}

/// `L_LINT`: an integer as an `l_fp`.
fn l_lint(a: i32) -> i64 {
    i64::from(a) << 32
}

/// `time_second`: the wall clock's seconds, as 4.x's 32-bit time_t.
fn time_second() -> i32 {
    nymph_kernel::time::realtime().0 as i32
}

impl Ntp {
    /// Brings the state up to the current second: `ntp_update_second` for each
    /// rollover since it last ran. Each adds MAXFREQ / 1000 us to the maximum error;
    /// the leap-second state machine is a fixed point after one step (without the
    /// midnight step, which is not done), so one step stands for them all.
    fn catch_up(&mut self) {
        let now = nymph_kernel::time::monotonic_ns() / 1_000_000_000;
        let passed = now.saturating_sub(self.second);
        self.second = now;
        if passed == 0 {
            return;
        }
        let grown = (i64::from(MAXFREQ / 1000) * passed as i64) as i32;
        self.maxerror = self.maxerror.wrapping_add(grown);
        self.state = match self.state {
            TIME_OK if self.status & STA_INS != 0 => TIME_INS,
            TIME_OK if self.status & STA_DEL != 0 => TIME_DEL,
            TIME_INS if self.status & STA_INS == 0 => TIME_OK,
            TIME_DEL if self.status & STA_DEL == 0 => TIME_OK,
            TIME_WAIT if self.status & (STA_INS | STA_DEL) == 0 => TIME_OK,
            s => s,
        };
    }

    /// `hardupdate`: the PLL/FLL's new phase and frequency from an offset in ns. With
    /// no PPS signal (STA_PPSSIGNAL is read-only and never set here) the argument is
    /// the phase, and the frequency is computed from it.
    fn hardupdate(&mut self, offset: i32) {
        if self.status & STA_PLL == 0 {
            return;
        }
        self.monitor = offset.clamp(-MAXPHASE, MAXPHASE);
        self.offset = l_lint(self.monitor);
        let now = time_second();
        if self.status & STA_FREQHOLD != 0 || self.reftime == 0 {
            self.reftime = now;
        }
        let mtemp = now.wrapping_sub(self.reftime);
        let ftemp = l_rshift(l_lint(self.monitor), (SHIFT_PLL + 2 + self.constant) << 1);
        self.freq = self.freq.wrapping_add(ftemp.wrapping_mul(i64::from(mtemp)));
        self.status &= !STA_MODE;
        if mtemp >= MINSEC && (self.status & STA_FLL != 0 || mtemp > MAXSEC) {
            // `(time_monitor << 4) / mtemp` in 32-bit longs.
            let ftemp = l_rshift(l_lint(self.monitor.wrapping_shl(4) / mtemp), SHIFT_FLL + 4);
            self.freq = self.freq.wrapping_add(ftemp);
            self.status |= STA_MODE;
        }
        self.reftime = now;
        if l_gint(self.freq) > i64::from(MAXFREQ) {
            self.freq = l_lint(MAXFREQ);
        } else if l_gint(self.freq) < -i64::from(MAXFREQ) {
            self.freq = l_lint(-MAXFREQ);
        }
    }

    /// The status word's error decode: TIME_ERROR instead of the state when the clock
    /// cannot be trusted.
    fn time_error(&self) -> bool {
        let s = self.status;
        s & (STA_UNSYNC | STA_CLOCKERR) != 0
            || (s & (STA_PPSFREQ | STA_PPSTIME) != 0 && s & STA_PPSSIGNAL == 0)
            || (s & STA_PPSTIME != 0 && s & STA_PPSJITTER != 0)
            || (s & STA_PPSFREQ != 0 && s & (STA_PPSWANDER | STA_PPSERROR) != 0)
    }
}

/// ntp_adjtime as kern_ntptime.c does it: the struct timex is copied in (EFAULT); any
/// mode bit needs root (`suser`: EPERM), and the modes are applied in 4.x's order
/// (maximum and estimated error, status (clearing STA_PLL resets state and status to
/// their boot values; the read-only bits are kept), time constant clamped to
/// 0..MAXTC, TAI offset when positive, nano/micro, clock B/A, offset through
/// `hardupdate`, frequency clamped to MAXFREQ); then the structure is filled in and
/// copied out (EFAULT, the changes made): offset, frequency, errors, status,
/// constant, precision, tolerance. Without PPS_SYNC the PPS members (ppsfreq on) and
/// `modes` go back as they came. The value is the clock state, or TIME_ERROR.
pub(crate) fn sys_ntp_adjtime(task: &mut Task, a: fb::NtpAdjtimeArgs) -> SysResult {
    let mut ntv: fb::timex = task.read_val(a.tp.addr()).map_err(fault)?;
    let modes = ntv.modes;
    // kern_ntptime.c: plain suser (a jailed root may only read).
    if modes != 0 {
        crate::sys::suser(task, crate::sys::Jail::Refused)?;
    }
    let value = {
        let mut t = NTP.lock();
        t.catch_up();
        if modes & MOD_MAXERROR != 0 {
            t.maxerror = ntv.maxerror;
        }
        if modes & MOD_ESTERROR != 0 {
            t.esterror = ntv.esterror;
        }
        if modes & MOD_STATUS != 0 {
            if t.status & STA_PLL != 0 && ntv.status & STA_PLL == 0 {
                t.state = TIME_OK;
                t.status = STA_UNSYNC;
            }
            t.status &= STA_RONLY;
            t.status |= ntv.status & !STA_RONLY;
        }
        if modes & MOD_TIMECONST != 0 {
            t.constant = ntv.constant.clamp(0, MAXTC);
        }
        if modes & MOD_TAI != 0 && ntv.constant > 0 {
            t.tai = ntv.constant;
        }
        if modes & MOD_NANO != 0 {
            t.status |= STA_NANO;
        }
        if modes & MOD_MICRO != 0 {
            t.status &= !STA_NANO;
        }
        if modes & MOD_CLKB != 0 {
            t.status |= STA_CLK;
        }
        if modes & MOD_CLKA != 0 {
            t.status &= !STA_CLK;
        }
        if modes & MOD_OFFSET != 0 {
            let ns = if t.status & STA_NANO != 0 {
                ntv.offset
            } else {
                ntv.offset.wrapping_mul(1000)
            };
            t.hardupdate(ns);
        }
        if modes & MOD_FREQUENCY != 0 {
            // Scaled PPM (us/s * 2^16) to ns/s, kept in a 32-bit long.
            let freq = ((i64::from(ntv.freq) * 1000) >> 16) as i32;
            t.freq = l_lint(freq.clamp(-MAXFREQ, MAXFREQ));
        }
        let nano = t.status & STA_NANO != 0;
        ntv.offset = if nano { t.monitor } else { t.monitor / 1000 };
        ntv.freq = l_gint((t.freq / 1000) << 16) as i32;
        ntv.maxerror = t.maxerror;
        ntv.esterror = t.esterror;
        ntv.status = t.status;
        ntv.constant = t.constant;
        ntv.precision = if nano {
            t.precision
        } else {
            t.precision / 1000
        };
        ntv.tolerance = MAXFREQ * SCALE_PPM;
        if t.time_error() { TIME_ERROR } else { t.state }
    };
    task.write_val(a.tp.addr(), &ntv).map_err(fault)?;
    Ok(Ret::word(value as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_helpers_round_toward_zero() {
        assert_eq!(l_gint(l_lint(-3) + 1), -2);
        assert_eq!(l_gint(l_lint(3) + 1), 3);
        assert_eq!(l_rshift(-5, 1), -2);
        assert_eq!(l_rshift(5, 1), 2);
        // -i64::MIN wraps to itself, as in 4.x's C: past MAXFREQ, not a panic.
        assert_eq!(l_gint(i64::MIN), 1 << 31);
        // 1 PPM (65536 scaled) is 1000 ns/s, and reads back as 65536.
        let freq = l_lint(((65_536_i64 * 1000) >> 16) as i32);
        assert_eq!(l_gint((freq / 1000) << 16), 65_536);
    }
}
