//! The 4.3BSD terminal requests (sgttyb, tchars, ltchars and the local mode word)
//! that a 4.x GENERIC kernel (options COMPAT_43) still answers through
//! tty_compat.c's ttcompat: each is read from or turned into termios modes, and a
//! set goes the way of TIOCSETA (TIOCSETP: TIOCSETAF). Old programs (FreeBSD 2 and
//! 4.3BSD sources, libcompat's stty and gtty) use them.
//!
//! The old flags word (BSD's t_flags: sg_flags below, the local mode word above) is
//! kept per terminal, as the tty keeps it: TIOCSETP changes its low half, TIOCLSET
//! its high one, and each set works from the whole word.

use crate::fb::{self, c_cc_index as V, c_cflag as C, c_iflag as I, c_lflag as L, c_oflag as O};
use crate::sys::{Ret, SysResult, fault};
use alloc::collections::BTreeMap;
use nymph_kernel::process::Task;
use nymph_kernel::sync::Mutex;
use nymph_kernel::tty::Terminal;

use crate::fb::ioctl::{
    OTIOCGETD, OTIOCSETD, TIOCGETC, TIOCGETP, TIOCGLTC, TIOCLBIC, TIOCLBIS, TIOCLGET, TIOCLSET,
    TIOCSETC, TIOCSETN, TIOCSETP, TIOCSLTC,
};

/// The requests that set modes (ptyioctl drops a master's unread output for them).
pub(crate) const SETS: [u32; 7] = [
    TIOCSETP, TIOCSETN, TIOCSETC, TIOCSLTC, TIOCLBIS, TIOCLBIC, TIOCLSET,
];

// The old flags (sg_flags and, shifted up 16, the local mode word).
const TANDEM: u32 = 0x1;
const CBREAK: u32 = 0x2;
const ECHO: u32 = 0x8;
const CRMOD: u32 = 0x10;
const RAW: u32 = 0x20;
const ODDP: u32 = 0x40;
const EVENP: u32 = 0x80;
const ANYP: u32 = 0xc0;
const XTABS: u32 = 0xc00;
const CRTBS: u32 = 0x10000;
const PRTERA: u32 = 0x20000;
const CRTERA: u32 = 0x40000;
const MDMBUF: u32 = 0x100000;
const LITOUT: u32 = 0x200000;
const TOSTOP: u32 = 0x400000;
const FLUSHO: u32 = 0x800000;
const NOHANG: u32 = 0x1000000;
const CRTKIL: u32 = 0x4000000;
const PASS8: u32 = 0x8000000;
const CTLECH: u32 = 0x10000000;
const PENDIN: u32 = 0x20000000;
const DECCTQ: u32 = 0x40000000;
const NOFLSH: u32 = 0x80000000;
/// The termios local modes the old word carries under the same bits.
const SAME_LFLAGS: u32 = TOSTOP | FLUSHO | PENDIN | NOFLSH;

/// The old speed codes' rates (B0..EXTB of 4.3BSD and FreeBSD's three above).
const SPEEDS: [u32; 18] = [
    0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
    115200,
];

/// Each terminal's old flags word (BSD's t_flags), by the terminal's address: the
/// console's and the pseudo-terminals' never move.
static FLAGS: Mutex<BTreeMap<usize, u32>> = Mutex::new(BTreeMap::new());

fn key(tty: &Terminal) -> usize {
    core::ptr::from_ref(tty) as usize
}

fn stored_flags(tty: &Terminal) -> u32 {
    FLAGS.lock().get(&key(tty)).copied().unwrap_or(0)
}

fn store_flags(tty: &Terminal, flags: u32) {
    FLAGS.lock().insert(key(tty), flags);
}

/// The code of the old speed at or below `speed` (ttcompatspeedtab): 0 for hang-up, 1
/// (50) for anything lower than 50.
fn speed_code(speed: u32) -> u8 {
    if speed == 0 {
        return 0;
    }
    SPEEDS
        .iter()
        .rposition(|&s| s != 0 && s <= speed)
        .map_or(1, |i| i as u8)
}

/// ttcompatgetflags: the old flags the modes amount to.
fn get_flags(t: &fb::termios) -> u32 {
    let (iflag, oflag, lflag, cflag) = (t.c_iflag, t.c_oflag, t.c_lflag, t.c_cflag);
    let has = |word: u32, bit: u32| word & bit != 0;
    let mut flags = 0;
    if has(iflag, I::IXOFF.bits()) {
        flags |= TANDEM;
    }
    if has(iflag, I::ICRNL.bits()) || has(oflag, O::ONLCR.bits()) {
        flags |= CRMOD;
    }
    let csize = C::CS8.bits();
    if cflag & csize == csize {
        flags |= PASS8;
        if has(iflag, I::ISTRIP.bits()) {
            flags |= ANYP;
        }
    } else if has(cflag, C::PARENB.bits()) {
        if has(iflag, I::INPCK.bits()) {
            flags |= if has(cflag, C::PARODD.bits()) {
                ODDP
            } else {
                EVENP
            };
        } else {
            flags |= EVENP | ODDP;
        }
    }
    let eight_bits = cflag & (csize | C::PARENB.bits()) == csize;
    if !has(lflag, L::ICANON.bits()) {
        // "fudge": raw only when nothing else of input processing is on.
        if has(iflag, (I::INPCK | I::ISTRIP | I::IXON).bits())
            || has(lflag, (L::IEXTEN | L::ISIG).bits())
            || !eight_bits
        {
            flags |= CBREAK;
        } else {
            flags |= RAW;
        }
    }
    if flags & RAW == 0 && !has(oflag, O::OPOST.bits()) && eight_bits {
        flags |= LITOUT;
    }
    if has(cflag, MDMBUF) {
        flags |= MDMBUF;
    }
    if !has(cflag, C::HUPCL.bits()) {
        flags |= NOHANG;
    }
    if has(oflag, O::OXTABS.bits()) {
        flags |= XTABS;
    }
    if has(lflag, L::ECHOE.bits()) {
        flags |= CRTERA | CRTBS;
    }
    if has(lflag, L::ECHOKE.bits()) {
        flags |= CRTKIL | CRTBS;
    }
    if has(lflag, L::ECHOPRT.bits()) {
        flags |= PRTERA;
    }
    if has(lflag, L::ECHOCTL.bits()) {
        flags |= CTLECH;
    }
    if !has(iflag, I::IXANY.bits()) {
        flags |= DECCTQ;
    }
    flags | (lflag & (L::ECHO.bits() | SAME_LFLAGS))
}

/// The character size, stripping and output processing the flags ask for (the part
/// ttcompatsetflags and ttcompatsetlflags share).
fn set_size(flags: u32, t: &mut fb::termios) {
    t.c_cflag &= !(C::CS8.bits() | C::PARENB.bits());
    if flags & (RAW | LITOUT | PASS8) != 0 {
        t.c_cflag |= C::CS8.bits();
        if flags & (RAW | PASS8) == 0 || flags & (RAW | PASS8 | ANYP) == PASS8 | ANYP {
            t.c_iflag |= I::ISTRIP.bits();
        } else {
            t.c_iflag &= !I::ISTRIP.bits();
        }
        if flags & (RAW | LITOUT) != 0 {
            t.c_oflag &= !O::OPOST.bits();
        } else {
            t.c_oflag |= O::OPOST.bits();
        }
    } else {
        t.c_cflag |= C::CS7.bits() | C::PARENB.bits();
        t.c_iflag |= I::ISTRIP.bits();
        t.c_oflag |= O::OPOST.bits();
    }
}

/// ttcompatsetflags: the modes for TIOCSETP's flags.
fn set_flags(flags: u32, t: &mut fb::termios) {
    if flags & RAW != 0 {
        t.c_iflag = I::IGNBRK.bits();
        t.c_lflag &= !(L::ECHOCTL | L::ISIG | L::ICANON | L::IEXTEN).bits();
    } else {
        t.c_iflag &= !(I::PARMRK | I::IGNPAR | I::IGNCR | I::INLCR).bits();
        t.c_iflag |= (I::BRKINT | I::IXON | I::IMAXBEL).bits();
        t.c_lflag |= (L::ISIG | L::IEXTEN | L::ECHOCTL).bits();
        if flags & XTABS != 0 {
            t.c_oflag |= O::OXTABS.bits();
        } else {
            t.c_oflag &= !O::OXTABS.bits();
        }
        if flags & CBREAK != 0 {
            t.c_lflag &= !L::ICANON.bits();
        } else {
            t.c_lflag |= L::ICANON.bits();
        }
        if flags & CRMOD != 0 {
            t.c_iflag |= I::ICRNL.bits();
            t.c_oflag |= O::ONLCR.bits();
        } else {
            t.c_iflag &= !I::ICRNL.bits();
            t.c_oflag &= !O::ONLCR.bits();
        }
    }
    if flags & ECHO != 0 {
        t.c_lflag |= L::ECHO.bits();
    } else {
        t.c_lflag &= !L::ECHO.bits();
    }
    set_size(flags, t);
    match flags & (EVENP | ODDP) {
        EVENP => {
            t.c_iflag |= I::INPCK.bits();
            t.c_cflag &= !C::PARODD.bits();
        }
        ODDP => {
            t.c_iflag |= I::INPCK.bits();
            t.c_cflag |= C::PARODD.bits();
        }
        _ => t.c_iflag &= !I::INPCK.bits(),
    }
    set_flow(flags, t);
}

/// TANDEM and DECCTQ, which both setters take.
fn set_flow(flags: u32, t: &mut fb::termios) {
    if flags & TANDEM != 0 {
        t.c_iflag |= I::IXOFF.bits();
    } else {
        t.c_iflag &= !I::IXOFF.bits();
    }
    if flags & DECCTQ == 0 {
        t.c_iflag |= I::IXANY.bits();
    } else {
        t.c_iflag &= !I::IXANY.bits();
    }
}

/// ttcompatsetlflags: the modes for the local mode word.
fn set_local_flags(flags: u32, t: &mut fb::termios) {
    t.c_iflag &= !(I::PARMRK | I::IGNPAR | I::IGNCR | I::INLCR).bits();
    let set = |word: &mut u32, on: bool, bit: u32| {
        if on {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    };
    set(&mut t.c_lflag, flags & CRTERA != 0, L::ECHOE.bits());
    set(&mut t.c_lflag, flags & CRTKIL != 0, L::ECHOKE.bits());
    set(&mut t.c_lflag, flags & PRTERA != 0, L::ECHOPRT.bits());
    set(&mut t.c_lflag, flags & CTLECH != 0, L::ECHOCTL.bits());
    set_flow(flags, t);
    set(&mut t.c_cflag, flags & MDMBUF != 0, MDMBUF);
    set(&mut t.c_cflag, flags & NOHANG == 0, C::HUPCL.bits());
    t.c_lflag = (t.c_lflag & !SAME_LFLAGS) | (flags & SAME_LFLAGS);
    set_size(flags, t);
}

/// struct tchars (t_intrc, t_quitc, t_startc, t_stopc, t_eofc, t_brkc) and struct
/// ltchars (t_suspc, t_dsuspc, t_rprntc, t_flushc, t_werasc, t_lnextc): the control
/// characters each byte is.
const TCHARS: [V; 6] = [V::VINTR, V::VQUIT, V::VSTART, V::VSTOP, V::VEOF, V::VEOL];
const LTCHARS: [V; 6] = [
    V::VSUSP,
    V::VDSUSP,
    V::VREPRINT,
    V::VDISCARD,
    V::VWERASE,
    V::VLNEXT,
];

/// The characters of `slots`, as the old struct lays them out.
fn chars(t: &fb::termios, slots: &[V; 6]) -> [u8; 6] {
    slots.map(|slot| t.c_cc[slot as usize])
}

fn set_chars(t: &mut fb::termios, slots: &[V; 6], bytes: [u8; 6]) {
    for (slot, byte) in slots.iter().zip(bytes) {
        t.c_cc[*slot as usize] = byte;
    }
}

/// What a compat request does to the terminal `tty` now in `modes`.
pub(crate) enum Compat {
    /// Not one of tty_compat.c's requests.
    No,
    /// A reply written: done.
    Done(SysResult),
    /// New modes to set, as TIOCSETA (`flush`: TIOCSETAF) would.
    Set { modes: fb::termios, flush: bool },
    /// A line discipline to set, as TIOCSETD would.
    SetDiscipline(i32),
}

/// Serves `cmd` if it is a 4.3BSD terminal request.
pub(crate) fn request(
    task: &Task,
    tty: &Terminal,
    modes: fb::termios,
    cmd: u32,
    arg: u64,
) -> Compat {
    match serve(task, tty, modes, cmd, arg) {
        Ok(c) => c,
        Err(e) => Compat::Done(Err(e)),
    }
}

fn serve(
    task: &Task,
    tty: &Terminal,
    mut t: fb::termios,
    cmd: u32,
    arg: u64,
) -> Result<Compat, i32> {
    let cc = |i: V| t.c_cc[i as usize];
    match cmd {
        TIOCGETP => {
            let ospeed = speed_code(t.c_ospeed);
            let ispeed = if t.c_ispeed == 0 {
                ospeed
            } else {
                speed_code(t.c_ispeed)
            };
            let flags = get_flags(&t);
            store_flags(tty, flags);
            let mut sg = [ispeed, ospeed, cc(V::VERASE), cc(V::VKILL), 0, 0];
            sg[4..].copy_from_slice(&(flags as u16).to_le_bytes());
            task.write_val(arg, &sg).map_err(fault)?;
        }
        TIOCSETP | TIOCSETN => {
            let sg: [u8; 6] = task.read_val(arg).map_err(fault)?;
            // sg_ispeed and sg_ospeed are chars: past 17 (or negative) is EINVAL; the
            // code the speed now has keeps the speed (one without a code survives).
            let speed = |code: u8, now: u32| -> Result<u32, i32> {
                if code as i8 > 17 || (code as i8) < 0 {
                    return Err(fb::errno::EINVAL);
                }
                Ok(if code == speed_code(now) {
                    now
                } else {
                    SPEEDS[code as usize]
                })
            };
            t.c_ispeed = speed(sg[0], t.c_ispeed)?;
            t.c_ospeed = speed(sg[1], t.c_ospeed)?;
            t.c_cc[V::VERASE as usize] = sg[2];
            t.c_cc[V::VKILL as usize] = sg[3];
            let flags =
                (stored_flags(tty) & 0xffff_0000) | u32::from(u16::from_le_bytes([sg[4], sg[5]]));
            store_flags(tty, flags);
            set_flags(flags, &mut t);
            return Ok(Compat::Set {
                modes: t,
                flush: cmd == TIOCSETP,
            });
        }
        TIOCGETC => task.write_val(arg, &chars(&t, &TCHARS)).map_err(fault)?,
        TIOCSETC => {
            let tc: [u8; 6] = task.read_val(arg).map_err(fault)?;
            set_chars(&mut t, &TCHARS, tc);
            // A t_brkc of -1 (no break character) takes VEOL2 away too.
            if tc[5] == 0xff {
                t.c_cc[V::VEOL2 as usize] = crate::convert::VDISABLE;
            }
            return Ok(Compat::Set {
                modes: t,
                flush: false,
            });
        }
        TIOCGLTC => task.write_val(arg, &chars(&t, &LTCHARS)).map_err(fault)?,
        TIOCSLTC => {
            let ltc: [u8; 6] = task.read_val(arg).map_err(fault)?;
            set_chars(&mut t, &LTCHARS, ltc);
            return Ok(Compat::Set {
                modes: t,
                flush: false,
            });
        }
        TIOCLBIS | TIOCLBIC | TIOCLSET => {
            let word: i32 = task.read_val(arg).map_err(fault)?;
            let word = (word as u32) << 16;
            let stored = stored_flags(tty);
            let flags = match cmd {
                TIOCLSET => (stored & 0xffff) | word,
                _ => {
                    let now = (get_flags(&t) & 0xffff_0000) | (stored & 0xffff);
                    if cmd == TIOCLBIS {
                        now | word
                    } else {
                        now & !word
                    }
                }
            };
            store_flags(tty, flags);
            set_local_flags(flags, &mut t);
            return Ok(Compat::Set {
                modes: t,
                flush: false,
            });
        }
        TIOCLGET => {
            let flags = (get_flags(&t) & 0xffff_0000) | (stored_flags(tty) & 0xffff);
            store_flags(tty, flags);
            task.write_val(arg, &((flags >> 16) as i32))
                .map_err(fault)?;
        }
        // The line discipline is TTYDISC (0), which the old request calls 2
        // (OTTYDISC); asking for 2 is asking for TTYDISC.
        OTIOCGETD => task.write_val(arg, &2i32).map_err(fault)?,
        OTIOCSETD => {
            let line: i32 = task.read_val(arg).map_err(fault)?;
            return Ok(Compat::SetDiscipline(if line == 2 { 0 } else { line }));
        }
        _ => return Ok(Compat::No),
    }
    Ok(Compat::Done(Ok(Ret::word(0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(iflag: u32, oflag: u32, lflag: u32, cflag: u32) -> fb::termios {
        let mut t = <fb::termios as zerocopy::FromZeros>::new_zeroed();
        (t.c_iflag, t.c_oflag, t.c_lflag, t.c_cflag) = (iflag, oflag, lflag, cflag);
        t
    }

    #[test]
    fn speeds_round_down_to_the_old_codes() {
        assert_eq!(speed_code(0), 0);
        assert_eq!(speed_code(9600), 13);
        assert_eq!(speed_code(10000), 13);
        assert_eq!(speed_code(115_200), 17);
        assert_eq!(speed_code(230_400), 17);
        assert_eq!(speed_code(10), 1);
    }

    #[test]
    fn a_new_pty_reads_as_crmod_echo_pass8_with_the_crt_bits() {
        let sane = modes(
            (I::ICRNL | I::IMAXBEL).bits(),
            (O::OPOST | O::ONLCR).bits(),
            (L::ECHOKE
                | L::ECHOE
                | L::ECHOK
                | L::ECHO
                | L::ECHOCTL
                | L::ISIG
                | L::ICANON
                | L::IEXTEN)
                .bits(),
            (C::CREAD | C::CS8 | C::HUPCL).bits(),
        );
        let f = get_flags(&sane);
        assert_eq!(
            f,
            CRMOD | ECHO | PASS8 | CRTERA | CRTBS | CRTKIL | CTLECH | DECCTQ
        );
        // cbreak without echo, as curses asks, and back.
        let mut t = sane;
        set_flags((f & !ECHO) | CBREAK, &mut t);
        assert_eq!(t.c_lflag & (L::ICANON | L::ECHO).bits(), 0);
        assert_ne!(t.c_iflag & I::IXON.bits(), 0);
        assert_eq!(get_flags(&t) & (CBREAK | ECHO | RAW), CBREAK);
        // raw (with the local word's DECCTQ, as a get gave it): input processing
        // down to IGNBRK, 8 bits, no output processing.
        set_flags(RAW | DECCTQ, &mut t);
        assert_eq!(t.c_iflag, I::IGNBRK.bits());
        assert_eq!(t.c_oflag & O::OPOST.bits(), 0);
        assert_eq!(t.c_cflag & C::CS8.bits(), C::CS8.bits());
        assert_eq!(get_flags(&t) & (CBREAK | RAW), RAW);
    }
}
