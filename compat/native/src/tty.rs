//! Native ioctl: the descriptor commands (FIOCLEX, FIONCLEX, FIONBIO) and the terminal
//! commands, converting the native termios, winsize and pid_t to the core terminal's.

use crate::files::{descriptor, file_errno};
use crate::sys::{SysResult, fault};
use nymph_abi::native_v1::{self as v1, errno, neutral};
use nymph_kernel::process::{Pid, Task};
use nymph_kernel::tty::{SetWhen, Terminal, Termios, TtyError, WinSize};

fn tty_errno(e: TtyError) -> i32 {
    match e {
        TtyError::NotControllingTerminal => errno::ENOTTY,
        TtyError::NotPermitted => errno::EPERM,
        TtyError::Interrupted => errno::EINTR,
        TtyError::Io => errno::EIO,
    }
}

fn to_native(t: &Termios) -> Result<v1::termios, i32> {
    let n = neutral::Termios {
        cc: t.neutral_cc(v1::consts::_POSIX_VDISABLE as u8),
        cflag: 0,
        iflag: u64::from(t.input.0),
        oflag: u64::from(t.output.0),
        lflag: u64::from(t.local.0),
        ispeed: u64::from(v1::consts::B115200),
        ospeed: u64::from(v1::consts::B115200),
    };
    v1::termios::from_neutral(&n, &crate::convert::NATIVE).map_err(|_| errno::EINVAL)
}

/// The modes a native termios sets, on top of `current`: what the native ABI cannot
/// express (flags and characters only FreeBSD-4 has, the control modes and speeds,
/// which it reports fixed) stays as it is.
fn from_native(t: &v1::termios, current: &Termios) -> Termios {
    let n = t.to_neutral(&crate::convert::NATIVE);
    let mut modes = Termios::from_neutral(&n.cc, n.iflag, n.oflag, n.lflag).keeping_unknown(
        current,
        crate::convert::known_flags(),
        |i| crate::convert::CC.holds(i, t.c_cc.len()),
    );
    modes.control = current.control;
    modes.ispeed = current.ispeed;
    modes.ospeed = current.ospeed;
    modes
}

pub(crate) fn sys_ioctl(task: &mut Task, a: v1::IoctlArgs) -> SysResult {
    use v1::ioctl;
    let fd = descriptor(a.fd)?;
    let file = task.process.file(fd).map_err(file_errno)?;
    let cmd = u32::try_from(a.cmd).map_err(|_| errno::ENOTTY)?;
    match cmd {
        ioctl::FIOCLEX | ioctl::FIONCLEX => {
            let on = cmd == ioctl::FIOCLEX;
            task.process
                .with_files(|t| t.set_close_on_exec(fd, on))
                .map_err(file_errno)?;
            return Ok(0);
        }
        ioctl::FIONBIO => {
            let on: i32 = task.read_val(a.arg).map_err(fault)?;
            let mut status = file.status();
            status.nonblock = on != 0;
            file.set_status(status);
            return Ok(0);
        }
        _ => {}
    }
    let tty = file.terminal().ok_or(errno::ENOTTY)?;
    // Whatever the request did, a pty's master in packet mode hears whether flow
    // control is on.
    let result = terminal_ioctl(task, tty, cmd, a.arg);
    tty.after_control();
    result
}

/// The requests every terminal answers.
fn terminal_ioctl(task: &mut Task, tty: &Terminal, cmd: u32, arg: u64) -> SysResult {
    use v1::ioctl;
    match cmd {
        ioctl::TCGETS => {
            let t = to_native(&tty.termios())?;
            task.write_val(arg, &t).map_err(fault)?;
        }
        ioctl::TCSETS | ioctl::TCSETSW | ioctl::TCSETSF => {
            let t: v1::termios = task.read_val(arg).map_err(fault)?;
            let when = match cmd {
                ioctl::TCSETS => SetWhen::Now,
                ioctl::TCSETSW => SetWhen::Drain,
                _ => SetWhen::Flush,
            };
            tty.set_termios(Some(&task.process), from_native(&t, &tty.termios()), when)
                .map_err(tty_errno)?;
        }
        ioctl::FIONREAD => {
            let n = i32::try_from(tty.available()).unwrap_or(i32::MAX);
            task.write_val(arg, &n).map_err(fault)?;
        }
        ioctl::TIOCGWINSZ => {
            let w = tty.winsize();
            let ws = v1::winsize {
                ws_row: w.rows,
                ws_col: w.cols,
                ws_xpixel: w.xpixel,
                ws_ypixel: w.ypixel,
            };
            task.write_val(arg, &ws).map_err(fault)?;
        }
        ioctl::TIOCSWINSZ => {
            let ws: v1::winsize = task.read_val(arg).map_err(fault)?;
            tty.set_winsize(WinSize {
                rows: ws.ws_row,
                cols: ws.ws_col,
                xpixel: ws.ws_xpixel,
                ypixel: ws.ws_ypixel,
            });
        }
        ioctl::TIOCGPGRP => {
            let group = tty.foreground(&task.process).map_err(tty_errno)?;
            // No foreground group: a value no group has (as BSD's NO_PID).
            let pgid = group.map_or(i32::MAX, |g| i32::try_from(g.0).unwrap_or(i32::MAX));
            task.write_val(arg, &pgid).map_err(fault)?;
        }
        ioctl::TIOCSPGRP => {
            let pgid: i32 = task.read_val(arg).map_err(fault)?;
            let pgid = u32::try_from(pgid).map_err(|_| errno::EINVAL)?;
            tty.set_foreground(&task.process, Pid(pgid))
                .map_err(tty_errno)?;
        }
        ioctl::TIOCSCTTY => tty.acquire(&task.process).map_err(tty_errno)?,
        ioctl::TIOCNOTTY => tty.release(&task.process).map_err(tty_errno)?,
        _ => return Err(errno::ENOTTY),
    }
    Ok(0)
}
