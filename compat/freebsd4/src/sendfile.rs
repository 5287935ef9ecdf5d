//! sendfile(2), both 4.x slots: a regular file's bytes to a connected stream socket,
//! headers before them and trailers after, each array sent as writev(2) sends it, as
//! 4.x's uipc_syscalls.c does. The file is read through the core's read path and sent
//! through the socket's send path a bounded piece at a time; its offset does not move.
//!
//! 336 is the call as 4.x first had it: the header bytes count against `nbytes` (so
//! with headers of `h` bytes only `nbytes - h` file bytes go, none when `nbytes <= h`).
//! 393 is the 2002 RELENG_4 MFC, which fixed that: `nbytes` counts file bytes only.
//! Both write to `*sbytes` everything sent, headers and trailers included, whether the
//! call succeeds or fails part way (4.x copies it out on every way out, ignoring a
//! fault there), and neither reads `flags` (4.x defines none).

use crate::fb::{self, errno};
use crate::files::{file_errno, iovec, write_vector};
use crate::socket::{sock, socket_file};
use crate::sys::{Ret, SysResult, fault};
use alloc::vec;
use nymph_kernel::file::socket::{Socket, SocketType};
use nymph_kernel::file::{FileKind, OpenFile};
use nymph_kernel::process::{Task, calls};

/// File bytes read and sent per step: the kernel buffer between the two paths.
const PIECE: usize = 16 * 1024;

/// One call's arguments, as both slots have them.
struct Request {
    fd: i32,
    s: i32,
    offset: i64,
    nbytes: u32,
    hdtr: u64,
    sbytes: u64,
    /// Slot 336: headers count against `nbytes`.
    headers_in_nbytes: bool,
}

/// The [`Request`] of either slot's decoded arguments (their structs have the same
/// fields).
macro_rules! request {
    ($a:expr, $headers_in_nbytes:expr) => {
        Request {
            fd: $a.fd,
            s: $a.s,
            offset: $a.offset,
            nbytes: $a.nbytes,
            hdtr: $a.hdtr.addr(),
            sbytes: $a.sbytes.addr(),
            headers_in_nbytes: $headers_in_nbytes,
        }
    };
}

pub(crate) fn sys_osendfile(task: &mut Task, a: fb::OsendfileArgs) -> SysResult {
    sendfile(task, &request!(a, true))
}

pub(crate) fn sys_sendfile(task: &mut Task, a: fb::SendfileArgs) -> SysResult {
    sendfile(task, &request!(a, false))
}

fn sendfile(task: &Task, r: &Request) -> SysResult {
    let mut sent = 0u64;
    let result = send(task, r, &mut sent);
    if r.sbytes != 0 {
        // 4.x's `copyout(&sbytes, uap->sbytes, ...)` at `done:` ignores its result.
        let _ = task.write_val(r.sbytes, &(sent as i64));
    }
    result.map(|()| Ret::word(0))
}

/// The checks in 4.x's order (the file, the socket, the offset, then sf_hdtr), then
/// headers, file and trailers; `sent` counts what went.
fn send(task: &Task, r: &Request, sent: &mut u64) -> Result<(), i32> {
    // getfp(fdp, fd, FREAD): EBADF; then a vnode of type VREG, else EINVAL.
    let file = calls::file(task, r.fd.into()).map_err(file_errno)?;
    if !file.readable {
        return Err(errno::EBADF);
    }
    if file.kind() != FileKind::Regular {
        return Err(errno::EINVAL);
    }
    // getsock: EBADF, ENOTSOCK; then SOCK_STREAM (EINVAL) and SS_ISCONNECTED (ENOTCONN:
    // a Unix-domain stream whose peer closed is disconnected, as unp_disconnect does).
    let socket_file = socket_file(task, r.s)?;
    let s = sock(&socket_file)?;
    if s.socket_type() != SocketType::Stream {
        return Err(errno::EINVAL);
    }
    if s.peer_name().is_err() {
        return Err(errno::ENOTCONN);
    }
    if r.offset < 0 {
        return Err(errno::EINVAL);
    }
    let hdtr = match r.hdtr {
        0 => None,
        at => Some(task.read_val::<fb::sf_hdtr>(at).map_err(fault)?),
    };
    if let Some(h) = hdtr.filter(|h| h.headers != 0) {
        *sent += pieces(task, r.s, h.headers, h.hdr_cnt)?;
    }
    // nbytes 0: to end of file. Slot 336 takes the headers sent out of it first.
    let budget = match r.nbytes {
        0 => u64::MAX,
        n if r.headers_in_nbytes => u64::from(n).saturating_sub(*sent),
        n => u64::from(n),
    };
    send_file(
        &file,
        s,
        socket_file.status().nonblock,
        r.offset as u64,
        budget,
        sent,
    )?;
    if let Some(h) = hdtr.filter(|h| h.trailers != 0) {
        *sent += pieces(task, r.s, h.trailers, h.trl_cnt)?;
    }
    Ok(())
}

/// Sends the user iovec array at `addr` of `count` pieces to socket `s` as writev(2)
/// does (its UIO_MAXIOV and EFAULT, its SIGPIPE with EPIPE); how much went.
fn pieces(task: &Task, s: i32, addr: u32, count: i32) -> Result<u64, i32> {
    let iov = iovec(task, u64::from(addr), count as u32)?;
    write_vector(task, s.into(), &iov).map_err(file_errno)
}

/// Up to `budget` bytes of `file` from `offset` on (fewer at end of file, which is
/// looked for at each piece, as 4.x does page by page), sent a piece at a time and
/// counted in `sent` as they go. The socket's errors are the call's: EAGAIN when a
/// non-blocking socket is full, EINTR when a signal comes while waiting for room
/// (never restarted: sys.rs), EPIPE without SIGPIPE (4.x's loop hands pru_send's
/// error back with no psignal; only writev's headers and trailers post it).
fn send_file(
    file: &OpenFile,
    s: &Socket,
    nonblock: bool,
    offset: u64,
    budget: u64,
    sent: &mut u64,
) -> Result<(), i32> {
    let mut buf = vec![0u8; usize::try_from(budget).unwrap_or(PIECE).min(PIECE)];
    let (mut at, mut left) = (offset, budget);
    while left > 0 {
        let want = usize::try_from(left).unwrap_or(PIECE).min(PIECE);
        let got = file.read_at(at, &mut buf[..want]).map_err(file_errno)?;
        if got == 0 {
            break;
        }
        let mut done = 0;
        while done < got {
            // A short send (a signal, or room for part only) is followed by another,
            // which waits, or fails with what stopped the first.
            let n = s
                .send(None, &buf[done..got], nonblock)
                .map_err(file_errno)?;
            if n == 0 {
                return Err(errno::EAGAIN);
            }
            done += n;
            *sent += n as u64;
        }
        at += got as u64;
        left -= got as u64;
    }
    Ok(())
}
