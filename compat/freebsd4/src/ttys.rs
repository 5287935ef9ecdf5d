//! kern.ttys, what `pstat -t` prints: 4.8's sysctl_kern_ttys gives every registered
//! terminal's `struct tty` (256 bytes on i386), the newest registered first, with t_dev
//! made the user-visible device number and every other pointer a kernel address. Here
//! the terminals are the console and each pseudo-terminal pair opened so far (4.x's
//! ptyinit registers a pair at its first open, for good), built from the core's
//! terminals at each read. pstat reads the foreground group's id through /dev/kmem at
//! t_pgrp + 20, so the process group and session addresses kinfo_proc gives read as
//! 4.x's `struct pgrp` and `struct session` ([`stand_in_bytes`]).

use crate::kinfo;
use alloc::vec::Vec;
use nymph_kernel::process;
use nymph_kernel::tty::{self, Terminal, TerminalStatus};
use zerocopy::IntoBytes;

/// sizeof(struct tty) on 4.8 i386.
pub(crate) const TTY_SIZE: usize = 256;

/// Where the stand-in addresses of the terminals' own structs are (t_list's links).
const FAKE_TTY: u32 = 0xc600_0000;

/// struct tty's offsets (sys/tty.h 1.53.2.1): the three clists' c_cc, and the words.
const T_RAWQ: usize = 0;
const T_CANQ: usize = 28;
const T_OUTQ: usize = 56;
const T_LINE: usize = 84;
const T_DEV: usize = 88;
const T_STATE: usize = 92;
const T_PGRP: usize = 104;
const T_SESSION: usize = 108;
const T_TERMIOS: usize = 140;
const T_WINSIZE: usize = 184;
const T_COLUMN: usize = 208;
const T_IFIFOSIZE: usize = 220;
const T_IHIWAT: usize = 224;
const T_ILOWAT: usize = 228;
const T_OHIWAT: usize = 236;
const T_OLOWAT: usize = 240;
const T_LIST: usize = 252;

/// t_state bits (sys/tty.h).
const TS_ASYNC: u32 = 0x2;
const TS_CARR_ON: u32 = 0x8;
const TS_ISOPEN: u32 = 0x20;
const TS_TTSTOP: u32 = 0x100;
const TS_XCLUDE: u32 = 0x400;
const TS_ERASE: u32 = 0x2000;
const TS_LNCH: u32 = 0x4000;
const TS_TYPEN: u32 = 0x8000;
const TS_CONNECTED: u32 = 0x20000;
const TS_ZOMBIE: u32 = 0x10_0000;

/// termios's CLOCAL: a line that ignores the modem is connected without a carrier.
const CLOCAL: u32 = 0x8000;

/// The clist sizes ttsetwater works in (sys/clist.h: CBSIZE = CBLOCK 128 less the
/// link and quote bits), and its bounds (sys/tty.h: TTMAXHIWAT roundup(2048, CBSIZE),
/// TTMINHIWAT roundup(100, CBSIZE), TTMAXLOWAT 256, TTMINLOWAT 32; TTYHOG 1024).
const CBSIZE: u32 = 108;
const TTMAXHIWAT: u32 = 2052;
const TTMINHIWAT: u32 = 108;
const TTMAXLOWAT: u32 = 256;
const TTMINLOWAT: u32 = 32;
const TTYHOG: u32 = 1024;

/// A terminal's watermarks as 4.x's ttsetwater sets them for a driver that leaves
/// t_ispeedwat and t_ospeedwat 0 (the pty driver's way): (ififosize, ihiwat, ilowat,
/// ohiwat, olowat). Input: TTYHOG less a 512-byte fifo; output: half a second's worth
/// above the low mark, clamped, rounded up to whole clist blocks.
fn watermarks(ospeed: u32) -> [u32; 5] {
    let fifo = 2 * 256;
    let input = TTYHOG - fifo;
    let cps = ospeed / 10;
    let olowat = (cps / 2).clamp(TTMINLOWAT, TTMAXLOWAT);
    let x = (olowat + cps).clamp(TTMINHIWAT, TTMAXHIWAT);
    [
        fifo,
        input,
        7 * input / 8,
        x.div_ceil(CBSIZE) * CBSIZE,
        olowat,
    ]
}

/// The stand-in address of the `n`th registered terminal's struct tty.
fn tty_address(n: usize) -> u32 {
    FAKE_TTY + (n * TTY_SIZE) as u32
}

/// The state bits of a terminal as `status` shows it.
fn state_bits(status: &TerminalStatus) -> u32 {
    let q = &status.queues;
    let mut state = 0;
    for (on, bit) in [
        (status.async_io, TS_ASYNC),
        (status.carrier, TS_CARR_ON),
        (status.open, TS_ISOPEN),
        (q.stopped, TS_TTSTOP),
        (status.exclusive, TS_XCLUDE),
        (q.erasing, TS_ERASE),
        (q.literal_next, TS_LNCH),
        (q.typing_again, TS_TYPEN),
        (
            status.carrier || status.termios.control & CLOCAL != 0,
            TS_CONNECTED,
        ),
        (status.hung_up, TS_ZOMBIE),
    ] {
        if on {
            state |= bit;
        }
    }
    state
}

/// A registered terminal's struct tty as sysctl_kern_ttys copies it out; `next` is
/// t_list's link.
fn tty_record(terminal: &Terminal, next: u32) -> [u8; TTY_SIZE] {
    let status = terminal.status();
    let mut t = [0u8; TTY_SIZE];
    let mut put = |at: usize, bytes: &[u8]| t[at..at + bytes.len()].copy_from_slice(bytes);
    let q = &status.queues;
    put(T_RAWQ, &(q.raw as u32).to_le_bytes());
    put(T_CANQ, &(q.canonical as u32).to_le_bytes());
    put(T_OUTQ, &(status.output_queued as u32).to_le_bytes());
    // TTYDISC, the one discipline (TIOCSETD takes no other).
    put(T_LINE, &0u32.to_le_bytes());
    put(T_DEV, &(tty::device_number(terminal) as u32).to_le_bytes());
    put(T_STATE, &state_bits(&status).to_le_bytes());
    if let Some(sid) = status.session {
        put(T_SESSION, &kinfo::session_address(sid).to_le_bytes());
        if let Some(group) = status.foreground {
            put(T_PGRP, &kinfo::pgrp_address(group).to_le_bytes());
        }
    }
    if let Ok(modes) = crate::tty::to_fb(&status.termios) {
        put(T_TERMIOS, modes.as_bytes());
    }
    let w = status.winsize;
    for (i, v) in [w.rows, w.cols, w.xpixel, w.ypixel].into_iter().enumerate() {
        put(T_WINSIZE + 2 * i, &v.to_le_bytes());
    }
    put(T_COLUMN, &(q.column as u32).to_le_bytes());
    let [fifo, ihiwat, ilowat, ohiwat, olowat] = watermarks(status.termios.ospeed);
    for (at, v) in [
        (T_IFIFOSIZE, fifo),
        (T_IHIWAT, ihiwat),
        (T_ILOWAT, ilowat),
        (T_OHIWAT, ohiwat),
        (T_OLOWAT, olowat),
    ] {
        put(at, &v.to_le_bytes());
    }
    put(T_LIST, &next.to_le_bytes());
    t
}

/// kern.ttys: every registered terminal's struct tty, the newest registered first
/// (ttyregister inserts at the list's head), each linked to the next by t_list.
pub(crate) fn tty_table() -> Vec<u8> {
    let terminals = tty::registered_terminals();
    let mut out = Vec::with_capacity(terminals.len() * TTY_SIZE);
    for (n, terminal) in terminals.iter().enumerate().rev() {
        let next = if n == 0 { 0 } else { tty_address(n - 1) };
        out.extend_from_slice(&tty_record(terminal, next));
    }
    out
}

/// 4.x's `struct pgrp` (28 bytes: pg_hash, pg_members, pg_session, pg_sigiolst, pg_id,
/// pg_jobc) and `struct session` (40 bytes: s_count, s_leader, s_ttyvp, s_ttyp,
/// s_sid, s_login[MAXLOGNAME]) at the addresses kinfo_proc and kern.ttys give them,
/// while the group or session has a live member: the bytes at `address..+len` if
/// they lie inside one.
pub(crate) fn stand_in_bytes(address: u64, len: usize) -> Option<Vec<u8>> {
    let address = u32::try_from(address).ok()?;
    let (id, offset, is_group) = kinfo::stand_in_id(address)?;
    let members: Vec<_> = process::live()
        .into_iter()
        .filter(|p| !p.has_exited())
        .filter(|p| {
            if is_group {
                p.pgid() == id
            } else {
                p.sid() == id
            }
        })
        .collect();
    let first = members.first()?;
    let mut bytes = Vec::new();
    let mut word = |v: u32| bytes.extend_from_slice(&v.to_le_bytes());
    if is_group {
        word(0);
        word(0);
        word(kinfo::proc_address(first.pid));
        word(kinfo::session_address(first.sid()));
        word(0);
        word(id.0);
        word(u32::from(!process::group_orphaned(id)));
    } else {
        let terminal = tty::controlling(id);
        let tty_n = terminal.and_then(|t| {
            tty::registered_terminals()
                .iter()
                .position(|r| core::ptr::eq(*r, t))
        });
        word(members.len() as u32);
        word(if process::find(id).is_some() {
            kinfo::proc_address(id)
        } else {
            0
        });
        // s_ttyvp: the terminal's vnode, a stand-in next to its struct tty.
        word(tty_n.map_or(0, |n| tty_address(n) + 0x80));
        word(tty_n.map_or(0, tty_address));
        word(id.0);
        let mut login = crate::sysctl::login_of(id.0);
        login.resize(20, 0);
        login[19] = 0;
        bytes.extend_from_slice(&login);
    }
    let end = offset.checked_add(len)?;
    bytes.get(offset..end).map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermarks_are_ttsetwaters() {
        // A pty at 9600: half a second's worth above 256, in clist blocks.
        assert_eq!(watermarks(9600), [512, 512, 448, 1296, 256]);
        // The console at 115200: clamped to TTMAXHIWAT (itself whole blocks).
        assert_eq!(watermarks(115_200), [512, 512, 448, 2052, 256]);
        // At 300: the floors.
        assert_eq!(watermarks(300), [512, 512, 448, 108, 32]);
    }
}
