//! 4.x ioctl: the descriptor commands (FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC,
//! FIONREAD, FIODTYPE), the owners of pipes and terminals (FIOSETOWN, FIOGETOWN; a
//! pipe's TIOCSPGRP/TIOCGPGRP), the terminal ones (TIOCGETA, TIOCSETA*, TIOCGWINSZ,
//! TIOCSWINSZ, TIOCGPGRP, TIOCSPGRP, TIOCSCTTY, TIOCNOTTY, TIOCFLUSH...) on the
//! core's terminal; sockets and FIFOs go to [`crate::socket::socket_ioctl`].

use crate::convert::{FREEBSD4, VDISABLE};
use crate::fb::{self, errno, neutral};
use crate::files::file_errno;
use crate::sys::{Ret, SysResult, fault};
use crate::tty_compat::{self, Compat};
use alloc::vec::Vec;
use nymph_kernel::file::{FileKind, OpenFile};
use nymph_kernel::process::calls;
use nymph_kernel::process::{Pid, Signal, Task};
use nymph_kernel::tty::{Line, LocalFlags, SetWhen, Terminal, Termios, TtyError, WinSize, pty};
use zerocopy::IntoBytes;

/// The `d_flags` types `FIODTYPE` reports (`sys/conf.h`): terminals are D_TTY, the
/// memory devices (null, zero, random) D_MEM.
const D_TTY: i32 = 0x0004;
const D_MEM: i32 = 0x0008;

fn tty_errno(e: TtyError) -> i32 {
    match e {
        TtyError::NotControllingTerminal => errno::ENOTTY,
        TtyError::NotPermitted => errno::EPERM,
        TtyError::Interrupted => errno::EINTR,
        TtyError::Io => errno::EIO,
    }
}

pub(crate) fn to_fb(t: &Termios) -> Result<fb::termios, i32> {
    let n = neutral::Termios {
        cc: t.neutral_cc(VDISABLE),
        cflag: u64::from(t.control),
        iflag: u64::from(t.input.0),
        oflag: u64::from(t.output.0),
        lflag: u64::from(t.local.0),
        ispeed: u64::from(t.ispeed),
        ospeed: u64::from(t.ospeed),
    };
    fb::termios::from_neutral(&n, &FREEBSD4).map_err(|_| errno::EINVAL)
}

/// The modes 4.x starts a line with (ttydefaults.h: TTYDEF_IFLAG, TTYDEF_OFLAG,
/// TTYDEF_LFLAG, TTYDEF_CFLAG at TTYDEF_SPEED, and ttydefchars), as ptsopen gives a
/// pseudo-terminal's slave at its first open; the console is sio's comconsole,
/// which sioattach starts the same but with CLOCAL, at comdefaultrate (CONSPEED,
/// 9600 in a GENERIC kernel). Unlike the kernel's defaults, flow control (IXON,
/// IXANY) and BRKINT are on and ECHOK off: 4.x programs can turn each off.
pub(crate) fn first_modes(line: Line) -> Termios {
    use nymph_kernel::tty::{
        InputFlags as I, LocalFlags as L, OutputFlags as O,
        ldisc::{Cc, cflag},
    };
    const SPEED: u32 = 9600;
    let mut modes = Termios::sane();
    modes.input = I::BRKINT
        .union(I::ICRNL)
        .union(I::IMAXBEL)
        .union(I::IXON)
        .union(I::IXANY);
    modes.output = O::OPOST.union(O::ONLCR);
    modes.local = L::ECHO
        .union(L::ICANON)
        .union(L::ISIG)
        .union(L::IEXTEN)
        .union(L::ECHOE)
        .union(L::ECHOKE)
        .union(L::ECHOCTL);
    modes.control = cflag::CREAD | cflag::CS8 | cflag::HUPCL;
    // ttydefchars' CERASE2: backspace erases too.
    modes.cc[Cc::Erase2 as usize] = 0x08;
    if line == Line::Console {
        modes.control |= cflag::CLOCAL;
    }
    modes.ispeed = SPEED;
    modes.ospeed = SPEED;
    modes
}

/// 4.x's CIGNORE: the control modes and speeds given are ignored.
const CIGNORE: u64 = 0x1;

/// The modes `t` sets on a terminal now in `current`: the control modes and speeds
/// as given (4.x's ttioctl stores them; a pseudo-terminal has no t_param to refuse
/// any), unless CIGNORE says to keep the ones there; a negative speed is EINVAL
/// (speed_t is a long).
fn from_fb(t: &fb::termios, current: &Termios) -> Result<Termios, i32> {
    let n = t.to_neutral(&FREEBSD4);
    let mut modes = Termios::from_neutral(&n.cc, n.iflag, n.oflag, n.lflag);
    if n.cflag & CIGNORE != 0 {
        (modes.control, modes.ispeed, modes.ospeed) =
            (current.control, current.ispeed, current.ospeed);
    } else {
        if (t.c_ispeed as i32) < 0 || (t.c_ospeed as i32) < 0 {
            return Err(errno::EINVAL);
        }
        (modes.control, modes.ispeed, modes.ospeed) = (n.cflag as u32, t.c_ispeed, t.c_ospeed);
    }
    Ok(modes)
}

pub(crate) fn sys_ioctl(task: &mut Task, a: fb::IoctlArgs) -> SysResult {
    use fb::ioctl;
    let file = calls::file(task, a.fd.into()).map_err(file_errno)?;
    let slot = a.fd as usize;
    let arg = a.data.addr();
    let cmd = a.com;
    match cmd {
        ioctl::FIOCLEX | ioctl::FIONCLEX => {
            task.process
                .with_files(|t| t.set_close_on_exec(slot, cmd == ioctl::FIOCLEX))
                .map_err(file_errno)?;
            return Ok(Ret::word(0));
        }
        // /dev/tty stands for the caller's controlling terminal: with none (its
        // session's went away, or it gave it up), cttyioctl says EIO, after
        // `ioctl` has set FIONBIO's flag.
        _ if through_dev_tty(&file)
            && nymph_kernel::tty::lacks_controlling_terminal(
                &task.process,
                file.ops().revoked(),
            ) =>
        {
            if cmd == ioctl::FIONBIO {
                let on: i32 = task.read_val(arg).map_err(fault)?;
                let mut status = file.status();
                status.nonblock = on != 0;
                file.set_status(status);
            }
            return Err(errno::EIO);
        }
        // 4.x `ioctl` sets FIONBIO's flag, then asks the file, whose answer for a
        // revoked device is deadfs's dead_ioctl: ENOTTY, as for any other command.
        _ if file.ops().revoked() => {
            if cmd == ioctl::FIONBIO {
                let on: i32 = task.read_val(arg).map_err(fault)?;
                let mut status = file.status();
                status.nonblock = on != 0;
                file.set_status(status);
            }
            return Err(errno::ENOTTY);
        }
        ioctl::FIONBIO => {
            let on: i32 = task.read_val(arg).map_err(fault)?;
            let mut status = file.status();
            status.nonblock = on != 0;
            file.set_status(status);
            if crate::files::master_before_slave(&file) {
                return Err(errno::EAGAIN);
            }
            return Ok(Ret::word(0));
        }
        _ if (file.socket().is_some() || file.ops().fifo()) && cmd != ioctl::FIOASYNC => {
            return crate::socket::socket_ioctl(task, &file, cmd, arg);
        }
        // A procfs file's own requests (4.x's procfs_ioctl: the PIOC* stop events).
        _ if file.ops().personality_object().is_some() => {
            return crate::procfs::ioctl(task, &file, cmd, arg);
        }
        ioctl::FIODTYPE => {
            // 4.x `vn_ioctl`: character devices say their driver's type (dd asks,
            // and gives up on an error); other files do not answer.
            let kind = match (file.kind(), file.terminal().is_some()) {
                (_, true) | (FileKind::Console, _) => D_TTY,
                (FileKind::Device, false) => D_MEM,
                _ => return Err(errno::ENOTTY),
            };
            task.write_val(arg, &kind).map_err(fault)?;
            return Ok(Ret::word(0));
        }
        ioctl::FIOASYNC => {
            // 4.x's ioctl sets FASYNC on the file first, whatever the object says.
            let on: i32 = task.read_val(arg).map_err(fault)?;
            let mut status = file.status();
            status.async_io = on != 0;
            file.set_status(status);
            if crate::files::master_before_slave(&file) {
                return Err(errno::EAGAIN);
            }
            crate::files::set_async(task, &file, on != 0)?;
            return Ok(Ret::word(0));
        }
        _ => {}
    }
    let Some(tty) = file.terminal() else {
        if file.signal_owner().is_some() {
            // 4.x's pipe_ioctl and logioctl (/dev/klog): the object's owner,
            // TIOCSPGRP/TIOCGPGRP with the sign turned.
            let negated = (ioctl::TIOCSPGRP, ioctl::TIOCGPGRP);
            if let Some(done) = crate::files::owner_ioctl(task, &file, cmd, arg, negated)? {
                return Ok(done);
            }
        }
        if cmd == ioctl::FIONREAD {
            // What a pipe or socket holds (4.x pipe_ioctl: the buffer's count;
            // soo_ioctl: so_rcv's); a file's size less its offset, as vn_ioctl
            // computes it into an int (negative for an offset past the end, cut to
            // 32 bits); else what is left past the offset.
            let size = file.ops().size();
            let n = match file.ops().readable_bytes() {
                Some(held) => i32::try_from(held).unwrap_or(i32::MAX),
                None if matches!(file.kind(), FileKind::Regular | FileKind::Directory) => {
                    size.wrapping_sub(file.offset()) as u32 as i32
                }
                None => i32::try_from(size.saturating_sub(file.offset())).unwrap_or(i32::MAX),
            };
            task.write_val(arg, &n).map_err(fault)?;
            return Ok(Ret::word(0));
        }
        return Err(errno::ENOTTY);
    };
    if let Some(index) = file.ops().pty_master() {
        // ptyioctl's requests of the master alone; they return at once.
        match cmd {
            // Packet and user-control modes exclude each other (EINVAL).
            ioctl::TIOCPKT | ioctl::TIOCUCNTL => {
                let on: i32 = task.read_val(arg).map_err(fault)?;
                if cmd == ioctl::TIOCPKT {
                    pty::set_packet(index, on != 0, modes_bytes)
                } else {
                    pty::set_user_control(index, on != 0)
                }
                .map_err(file_errno)?;
                return Ok(Ret::word(0));
            }
            ioctl::TIOCREMOTE => {
                let on: i32 = task.read_val(arg).map_err(fault)?;
                pty::set_remote(index, on != 0);
                return Ok(Ret::word(0));
            }
            // The foreground group, whoever asks (0 for none).
            ioctl::TIOCGPGRP => {
                let pgid = tty.foreground_group().map_or(0, |g| g.0 as i32);
                task.write_val(arg, &pgid).map_err(fault)?;
                return Ok(Ret::word(0));
            }
            _ => {}
        }
        // The rest want the slave open (ptyioctl).
        if !pty::slave_open(index) {
            return Err(errno::EAGAIN);
        }
        match cmd {
            // New modes (or discipline) from the master drop the output it has not
            // read.
            ioctl::TIOCSETA | ioctl::TIOCSETAW | ioctl::TIOCSETAF | ioctl::TIOCSETD => {
                pty::drop_unread_output(index);
            }
            _ if tty_compat::SETS.contains(&cmd) => pty::drop_unread_output(index),
            ioctl::TIOCSIG => return signal_foreground(tty, arg),
            _ => {}
        }
    }
    // External processing, on either side of a pty (ptyioctl; other terminals do not
    // know the request).
    if cmd == ioctl::TIOCEXT && pty::slave_index(tty).is_some() {
        let on: i32 = task.read_val(arg).map_err(fault)?;
        tty.set_external(on != 0);
        return Ok(Ret::word(0));
    }
    // Whatever the request did, a pty's master in packet mode hears whether flow
    // control is on, and of new modes under external processing (the end of
    // ptyioctl).
    let result = terminal_ioctl(task, &file, tty, cmd, arg);
    let sets = [ioctl::TIOCSETA, ioctl::TIOCSETAW, ioctl::TIOCSETAF];
    if sets.contains(&cmd) || tty_compat::SETS.contains(&cmd) {
        tty.modes_set();
    }
    tty.after_control();
    result
}

/// The modes as 4.x's struct termios, the bytes a TIOCPKT_IOCTL packet carries.
fn modes_bytes(modes: &Termios) -> Vec<u8> {
    to_fb(modes).map_or_else(|_| Vec::new(), |t| t.as_bytes().to_vec())
}

/// The requests every terminal answers (4.x's ttioctl).
fn terminal_ioctl(
    task: &mut Task,
    file: &OpenFile,
    tty: &Terminal,
    cmd: u32,
    arg: u64,
) -> SysResult {
    use fb::ioctl;
    match cmd {
        ioctl::TIOCGETA => {
            let t = to_fb(&tty.termios())?;
            task.write_val(arg, &t).map_err(fault)?;
        }
        ioctl::TIOCSETA | ioctl::TIOCSETAW | ioctl::TIOCSETAF => {
            let t: fb::termios = task.read_val(arg).map_err(fault)?;
            let when = match cmd {
                ioctl::TIOCSETA => SetWhen::Now,
                ioctl::TIOCSETAW => SetWhen::Drain,
                _ => SetWhen::Flush,
            };
            set_modes(task, tty, &t, when)?;
        }
        ioctl::FIONREAD => {
            let n = i32::try_from(tty.available()).unwrap_or(i32::MAX);
            task.write_val(arg, &n).map_err(fault)?;
        }
        ioctl::TIOCGWINSZ => {
            let w = tty.winsize();
            let ws = fb::winsize {
                ws_row: w.rows,
                ws_col: w.cols,
                ws_xpixel: w.xpixel,
                ws_ypixel: w.ypixel,
            };
            task.write_val(arg, &ws).map_err(fault)?;
        }
        ioctl::TIOCSWINSZ => {
            let ws: fb::winsize = task.read_val(arg).map_err(fault)?;
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.set_winsize(WinSize {
                rows: ws.ws_row,
                cols: ws.ws_col,
                xpixel: ws.ws_xpixel,
                ypixel: ws.ws_ypixel,
            });
        }
        ioctl::TIOCGPGRP => {
            let group = tty.foreground(&task.process).map_err(tty_errno)?;
            // No foreground group: 4.x's NO_PID.
            let pgid = group.map_or(crate::kinfo::NO_PID as i32, |g| {
                i32::try_from(g.0).unwrap_or(i32::MAX)
            });
            task.write_val(arg, &pgid).map_err(fault)?;
        }
        ioctl::TIOCSPGRP => {
            let pgid: i32 = task.read_val(arg).map_err(fault)?;
            let pgid = u32::try_from(pgid).map_err(|_| errno::EINVAL)?;
            tty.set_foreground(&task.process, Pid(pgid))
                .map_err(tty_errno)?;
        }
        ioctl::FIOSETOWN => {
            let id: i32 = task.read_val(arg).map_err(fault)?;
            crate::files::set_owner(task, file, id)?;
        }
        ioctl::FIOGETOWN => {
            let id = crate::files::owner_of(task, file)?;
            task.write_val(arg, &id).map_err(fault)?;
        }
        // cttyioctl refuses it on /dev/tty; ttioctl stops a background caller first.
        ioctl::TIOCSCTTY if through_dev_tty(file) => return Err(errno::EINVAL),
        ioctl::TIOCSCTTY => {
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.acquire(&task.process).map_err(tty_errno)?;
        }
        ioctl::TIOCNOTTY => give_up_terminal(task, file, tty)?,
        ioctl::TIOCFLUSH => {
            // FREAD, FWRITE or both; 0 means both (ttioctl).
            let which: i32 = task.read_val(arg).map_err(fault)?;
            let which = if which == 0 {
                FREAD | FWRITE
            } else {
                which & (FREAD | FWRITE)
            };
            tty.check_control(&task.process).map_err(tty_errno)?;
            if which & FWRITE != 0 {
                tty.flush_output();
            }
            if which & FREAD != 0 {
                tty.flush_input();
            }
        }
        ioctl::TIOCEXCL | ioctl::TIOCNXCL => {
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.set_exclusive(cmd == ioctl::TIOCEXCL);
        }
        // A byte typed as if at the terminal: only on a file open for reading and
        // the caller's controlling terminal, unless root (ttioctl).
        ioctl::TIOCSTI => {
            let byte: u8 = task.read_val(arg).map_err(fault)?;
            tty.check_control(&task.process).map_err(tty_errno)?;
            let root = task.process.fs().creds.is_host_root();
            if !root && !file.readable {
                return Err(errno::EPERM);
            }
            if !root && tty.session_of(&task.process).is_err() {
                return Err(errno::EACCES);
            }
            tty.input(byte);
        }
        ioctl::TIOCSTAT => {
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.print_status();
        }
        ioctl::TIOCSTOP => {
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.stop_output();
        }
        ioctl::TIOCSTART => {
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.start_output();
        }
        // tty_conf.c: TTYDISC is the one discipline here.
        ioctl::TIOCGETD => task.write_val(arg, &TTYDISC).map_err(fault)?,
        ioctl::TIOCSETD => {
            let line: i32 = task.read_val(arg).map_err(fault)?;
            set_discipline(task, tty, line)?;
        }
        ioctl::TIOCDRAIN => {
            tty.check_control(&task.process).map_err(tty_errno)?;
            tty.drain().map_err(tty_errno)?;
        }
        ioctl::TIOCOUTQ => {
            let n = i32::try_from(tty.queued_output()).unwrap_or(i32::MAX);
            task.write_val(arg, &n).map_err(fault)?;
        }
        // The terminal takes what is written to /dev/console (constty): EBUSY while
        // another whose line is up has it, then root's privilege (suser); 0 gives it
        // back if it has it. Kernel messages still go to the console. A background
        // caller is stopped first, as ttioctl does.
        ioctl::TIOCCONS => {
            let on: i32 = task.read_val(arg).map_err(fault)?;
            tty.check_control(&task.process).map_err(tty_errno)?;
            if on != 0 {
                if nymph_kernel::tty::console_output_held_by_other(tty) {
                    return Err(errno::EBUSY);
                }
                crate::sys::suser(task, crate::sys::Jail::Refused)?;
            }
            nymph_kernel::tty::take_console_output(tty, on != 0);
        }
        // ttioctl hands what it does not know to ttcompat (options COMPAT_43); then
        // a pty in user-control mode takes UIOCCMD(n) from either side, n for its
        // master to read (0: nothing).
        _ => {
            let modes = to_fb(&tty.termios())?;
            return match tty_compat::request(task, tty, modes, cmd, arg) {
                Compat::No => {
                    let command = cmd & !0xff == UIOCCMD
                        && pty::slave_index(tty).is_some_and(|i| pty::user_command(i, cmd as u8));
                    if command {
                        Ok(Ret::word(0))
                    } else {
                        Err(errno::ENOTTY)
                    }
                }
                Compat::Done(result) => result,
                Compat::Set { modes, flush } => {
                    let when = if flush { SetWhen::Flush } else { SetWhen::Now };
                    set_modes(task, tty, &modes, when).map(|()| Ret::word(0))
                }
                Compat::SetDiscipline(line) => {
                    set_discipline(task, tty, line).map(|()| Ret::word(0))
                }
            };
        }
    }
    Ok(Ret::word(0))
}

/// TIOCNOTTY, which only /dev/tty answers (4.x's cttyioctl; ttioctl has no such
/// request: ENOTTY on the terminal itself): EIO for a caller whose terminal it is
/// not, EINVAL for the session leader, which keeps it, 0 for another process, which
/// is then the terminal's no more (P_CONTROLT cleared: no /dev/tty, no signals from
/// the terminal, no job control).
fn give_up_terminal(task: &Task, file: &OpenFile, tty: &Terminal) -> Result<(), i32> {
    if !through_dev_tty(file) {
        return Err(errno::ENOTTY);
    }
    tty.session_of(&task.process).map_err(|_| errno::EIO)?;
    if task.process.pid == task.process.sid() {
        return Err(errno::EINVAL);
    }
    nymph_kernel::process::leave_terminal(&task.process);
    Ok(())
}

/// Whether `file` was opened through /dev/tty (4.x's ctty device, 1,0).
fn through_dev_tty(file: &OpenFile) -> bool {
    file.node()
        .is_some_and(|n| n.stat().rdev == nymph_kernel::vfs::devfs::number::TTY)
}

/// `UIOCCMD(0)`, `_IO('u', 0)`: a user-control command's request, n in its low byte.
const UIOCCMD: u32 = 0x2000_7500;

/// A master's TIOCSIG (ptyioctl): signal `arg` (the request's argument itself, an
/// `_IO` request's word; 1 to 31, else EINVAL) to the slave's foreground group,
/// after flushing both queues unless NOFLSH; SIGINFO prints the status line too
/// unless NOKERNINFO.
fn signal_foreground(tty: &Terminal, arg: u64) -> SysResult {
    let number = arg as u32;
    if number == 0 || number >= 32 {
        return Err(errno::EINVAL);
    }
    let signal = crate::signals::signal_from_fb(number as i32).ok_or(errno::EINVAL)?;
    let local = tty.termios().local;
    if !local.contains(LocalFlags::NOFLSH) {
        tty.flush_output();
        tty.flush_input();
    }
    if let Some(group) = tty.foreground_group() {
        let _ = nymph_kernel::process::kill_many(
            nymph_kernel::process::KillTarget::TerminalGroup(group),
            Some(signal),
        );
    }
    if signal == Signal::Info && !local.contains(LocalFlags::NOKERNINFO) {
        tty.print_status();
    }
    Ok(Ret::word(0))
}

/// TIOCSETA and its kin (and the 4.3BSD requests made into them): the modes `t`
/// gives, set `when`; EXTPROC is read-only, and a PENDIN the terminal has stays
/// (ttioctl).
fn set_modes(task: &Task, tty: &Terminal, t: &fb::termios, when: SetWhen) -> Result<(), i32> {
    let mut modes = from_fb(t, &tty.termios())?;
    let current = tty.termios().local;
    modes
        .local
        .set(LocalFlags::EXTPROC, current.contains(LocalFlags::EXTPROC));
    if current.contains(LocalFlags::PENDIN) {
        modes.local.set(LocalFlags::PENDIN, true);
    }
    tty.set_termios(Some(&task.process), modes, when)
        .map_err(tty_errno)
}

/// TIOCSETD: the line discipline `line`. Only TTYDISC is there: `(u_int)line >=
/// nlinesw` is ENXIO, and an empty slot fails in its l_open (ENODEV), the old
/// discipline staying (ttioctl).
fn set_discipline(task: &Task, tty: &Terminal, line: i32) -> Result<(), i32> {
    tty.check_control(&task.process).map_err(tty_errno)?;
    if line as u32 >= MAXLDISC {
        return Err(errno::ENXIO);
    }
    if line != TTYDISC {
        return Err(errno::ENODEV);
    }
    Ok(())
}

/// TIOCFLUSH's queues (sys/fcntl.h's FREAD, FWRITE).
const FREAD: i32 = 0x1;
const FWRITE: i32 = 0x2;

/// `TTYDISC`, the termios line discipline (sys/ttycom.h).
const TTYDISC: i32 = 0;
/// Slots in 4.x's line-discipline switch (tty_conf.c `MAXLDISC`, `nlinesw`).
const MAXLDISC: u32 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    /// sys/sys/ttydefaults.h and sys/sys/termios.h of 4.8, as numbers.
    const TTYDEF_IFLAG: u32 = 0x2 | 0x100 | 0x2000 | 0x200 | 0x800;
    const TTYDEF_OFLAG: u32 = 0x1 | 0x2;
    const TTYDEF_LFLAG: u32 = 0x8 | 0x100 | 0x80 | 0x400 | 0x2 | 0x1 | 0x40;
    const TTYDEF_CFLAG: u32 = 0x800 | 0x300 | 0x4000;
    const CLOCAL: u32 = 0x8000;

    #[test]
    fn lines_start_as_ttydefaults_has_them() {
        for (line, cflag) in [
            (Line::Pseudo, TTYDEF_CFLAG),
            (Line::Console, TTYDEF_CFLAG | CLOCAL),
        ] {
            let t = to_fb(&first_modes(line)).unwrap();
            assert_eq!(t.c_iflag, TTYDEF_IFLAG, "{line:?}");
            assert_eq!(t.c_oflag, TTYDEF_OFLAG, "{line:?}");
            assert_eq!(t.c_cflag, cflag, "{line:?}");
            assert_eq!(t.c_lflag, TTYDEF_LFLAG, "{line:?}");
            assert_eq!((t.c_ispeed, t.c_ospeed), (9600, 9600), "{line:?}");
            // ttydefchars, VERASE2's ^H at 7.
            assert_eq!(
                t.c_cc,
                [
                    4, 0xff, 0xff, 0x7f, 0x17, 0x15, 0x12, 0x08, 3, 0x1c, 0x1a, 0x19, 0x11, 0x13,
                    0x16, 0x0f, 1, 0, 0x14, 0xff
                ]
            );
        }
    }
}
