//! 4.x descriptor calls: read, write, readv, writev, close, dup, dup2, pipe, fcntl,
//! flock, poll and select, on the core's `calls` with 4.x numbers and structs.

use crate::fb::{self, errno};
use crate::fs::{Dtype, PIPE_BUF, refuses_locks};
use crate::sys::{Ret, SysResult, fault};
use alloc::vec::Vec;
use nymph_kernel::error::Error;
use nymph_kernel::file::owner::{OwnerError, SignalOwner};
use nymph_kernel::file::poll::{Interest, Timeout};
use nymph_kernel::file::{FileKind, MAX_DESCRIPTORS, OpenFile, StatusFlags, Whence};
use nymph_kernel::process::calls::{self, PollOutcome, RangeCommand, RangeRequest};
use nymph_kernel::process::{Signal, Task};
use nymph_kernel::vfs::lock::{self, LockKind};
use zerocopy::IntoBytes;

/// The 4.x errno for a neutral kernel error.
pub(crate) fn file_errno(e: Error) -> i32 {
    match e {
        Error::NotFound => errno::ENOENT,
        Error::NotADirectory => errno::ENOTDIR,
        Error::IsADirectory => errno::EISDIR,
        Error::Exists => errno::EEXIST,
        Error::NotEmpty => errno::ENOTEMPTY,
        Error::CrossDevice => errno::EXDEV,
        Error::AccessDenied => errno::EACCES,
        Error::NotPermitted => errno::EPERM,
        Error::Loop => errno::ELOOP,
        Error::NameTooLong => errno::ENAMETOOLONG,
        Error::InvalidArgument => errno::EINVAL,
        Error::Busy => errno::EBUSY,
        Error::WouldBlock => errno::EAGAIN,
        Error::BrokenPipe => errno::EPIPE,
        Error::BadDescriptor => errno::EBADF,
        Error::NotSupported => errno::ENODEV,
        Error::NotSeekable => errno::ESPIPE,
        Error::NotATerminal => errno::ENOTTY,
        Error::NoDevice => errno::ENXIO,
        Error::TooManyOpen => errno::EMFILE,
        Error::TooManyOpenSystem => errno::ENFILE,
        Error::OutOfMemory => errno::ENOMEM,
        Error::NoSpace => errno::ENOSPC,
        Error::FileTooBig | Error::FileSizeLimit => errno::EFBIG,
        Error::Interrupted => errno::EINTR,
        Error::Deadlock => errno::EDEADLK,
        Error::Io | Error::InvalidArchive => errno::EIO,
        Error::TextBusy => errno::ETXTBSY,
        Error::BadAddress => errno::EFAULT,
        Error::OperationNotSupported => errno::EOPNOTSUPP,
        Error::NotASocket => errno::ENOTSOCK,
        Error::AddressInUse => errno::EADDRINUSE,
        Error::ConnectionRefused => errno::ECONNREFUSED,
        Error::ConnectionReset => errno::ECONNRESET,
        Error::NotConnected => errno::ENOTCONN,
        Error::AlreadyConnected => errno::EISCONN,
        Error::DestinationRequired => errno::EDESTADDRREQ,
        Error::WrongProtocolType => errno::EPROTOTYPE,
        Error::MessageTooBig => errno::EMSGSIZE,
        Error::NoBufferSpace => errno::ENOBUFS,
        Error::AddressNotAvailable => errno::EADDRNOTAVAIL,
        Error::NetworkUnreachable => errno::ENETUNREACH,
    }
}

fn word(r: Result<u64, Error>) -> SysResult {
    r.map(Ret::word).map_err(file_errno)
}

pub(crate) fn sys_read(task: &mut Task, a: fb::ReadArgs) -> SysResult {
    let n = match calls::read(task, a.fd.into(), a.buf.addr(), a.nbyte.into()) {
        Err(Error::IsADirectory) => {
            read_directory(task, a.fd.into(), &[(a.buf.addr(), a.nbyte.into())], None)?
        }
        r => r.map_err(file_errno)?,
    };
    record_io(task, a.fd.into(), crate::ktrace::UIO_READ, a.buf.addr(), n);
    Ok(Ret::word(n))
}

/// A read of the directory open on `fd`, which the core refuses: 4.x reads its blocks
/// ([`crate::ufsdir::read`]), from `offset` or the file's.
pub(crate) fn read_directory(
    task: &Task,
    fd: i64,
    pieces: &[(u64, u64)],
    offset: Option<u64>,
) -> Result<u64, i32> {
    let file = calls::file(task, fd).map_err(file_errno)?;
    crate::ufsdir::read(task, &file, pieces, offset)
}

/// A KTR_GENIO record of `n` bytes moved at `addr`, if the process is traced.
pub(crate) fn record_io(task: &Task, fd: i64, rw: u32, addr: u64, n: u64) {
    record_iov(task, fd, rw, &[(addr, n)], n);
}

/// The same for the first `n` bytes of a vector.
fn record_iov(task: &Task, fd: i64, rw: u32, iov: &[(u64, u64)], n: u64) {
    if task.process.recording() {
        crate::ktrace::genio(task, fd, rw, iov, n);
    }
}

/// A write's result. One refused for ending past RLIMIT_FSIZE also posts SIGXFSZ, as
/// 4.x's `ffs_write` does.
pub(crate) fn written(task: &Task, r: Result<u64, Error>) -> SysResult {
    if r == Err(Error::FileSizeLimit) {
        task.process.post(Signal::Xfsz);
    }
    word(r)
}

pub(crate) fn sys_write(task: &mut Task, a: fb::WriteArgs) -> SysResult {
    let r = calls::write(task, a.fd.into(), a.buf.addr(), a.nbyte.into());
    if let Ok(n) = r {
        record_io(task, a.fd.into(), crate::ktrace::UIO_WRITE, a.buf.addr(), n);
    }
    written(task, r)
}

/// `UIO_MAXIOV`.
const UIO_MAXIOV: u32 = 1024;

pub(crate) fn iovec(task: &Task, addr: u64, count: u32) -> Result<Vec<(u64, u64)>, i32> {
    if count > UIO_MAXIOV {
        return Err(errno::EINVAL);
    }
    let iov = calls::read_iovec(task, addr, count as usize, 4).map_err(file_errno)?;
    // The total must fit a ssize_t.
    let total: u64 = iov.iter().map(|v| v.1).sum();
    if total > i32::MAX as u64 {
        return Err(errno::EINVAL);
    }
    Ok(iov)
}

pub(crate) fn sys_readv(task: &mut Task, a: fb::ReadvArgs) -> SysResult {
    let iov = iovec(task, a.iovp.addr(), a.iovcnt)?;
    let n = match calls::read_vector(task, a.fd.into(), &iov) {
        Err(Error::IsADirectory) => read_directory(task, a.fd.into(), &iov, None)?,
        r => r.map_err(file_errno)?,
    };
    record_iov(task, a.fd.into(), crate::ktrace::UIO_READ, &iov, n);
    Ok(Ret::word(n))
}

pub(crate) fn sys_writev(task: &mut Task, a: fb::WritevArgs) -> SysResult {
    let iov = iovec(task, a.iovp.addr(), a.iovcnt)?;
    written(task, write_vector(task, a.fd.into(), &iov))
}

/// writev(2)'s transfer of `iov` to `fd` (SIGPIPE on a broken pipe), recorded for
/// ktrace; sendfile sends its headers and trailers through it, as 4.x's calls writev.
pub(crate) fn write_vector(task: &Task, fd: i64, iov: &[(u64, u64)]) -> Result<u64, Error> {
    let r = calls::write_vector(task, fd, iov);
    if let Ok(n) = r {
        record_iov(task, fd, crate::ktrace::UIO_WRITE, iov, n);
    }
    r
}

pub(crate) fn sys_close(task: &mut Task, a: fb::CloseArgs) -> SysResult {
    calls::close(task, a.fd.into()).map_err(file_errno)?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_dup(task: &mut Task, a: fb::DupArgs) -> SysResult {
    word(calls::dup(task, i64::from(a.fd as i32), 0, false))
}

/// dup2: the same descriptor twice is a no-op that still checks it is open.
pub(crate) fn sys_dup2(task: &mut Task, a: fb::Dup2Args) -> SysResult {
    let (from, to) = (i64::from(a.from as i32), i64::from(a.to as i32));
    if from == to {
        calls::file(task, from).map_err(file_errno)?;
        return Ok(Ret::word(to as u64));
    }
    if to < 0 || to >= descriptor_limit(task) as i64 {
        return Err(errno::EBADF);
    }
    word(calls::dup_to(task, from, to, false))
}

/// pipe: the read end in eax, the write end in edx.
pub(crate) fn sys_pipe(task: &mut Task, _: fb::PipeArgs) -> SysResult {
    let (r, w) = calls::pipe(task, false, false, PIPE_BUF).map_err(file_errno)?;
    Ok(Ret::Pair(r | w << 32))
}

/// getdtablesize: RLIMIT_NOFILE's current value, as the table enforces it.
pub(crate) fn sys_getdtablesize(task: &mut Task, _: fb::GetdtablesizeArgs) -> SysResult {
    Ok(Ret::word(descriptor_limit(task) as u64))
}

fn descriptor_limit(task: &Task) -> usize {
    task.process.with_files(|t| t.limit())
}

fn access_mode(readable: bool, writable: bool) -> i32 {
    match (readable, writable) {
        (true, true) => fb::open_flags::O_RDWR.bits(),
        (false, true) => fb::open_flags::O_WRONLY.bits(),
        _ => fb::open_flags::O_RDONLY.bits(),
    }
}

pub(crate) fn sys_fcntl(task: &mut Task, a: fb::FcntlArgs) -> SysResult {
    use fb::fcntl_cmd as C;
    let fd = i64::from(a.fd);
    let file = calls::file(task, fd).map_err(file_errno)?;
    let slot = fd as usize;
    match a.cmd {
        C::F_DUPFD => {
            drop(file);
            let min = u64::try_from(a.arg).map_err(|_| errno::EINVAL)?;
            word(calls::dup(task, fd, min, false))
        }
        C::F_GETFD => {
            let on = task
                .process
                .with_files(|t| t.close_on_exec(slot))
                .map_err(file_errno)?;
            Ok(Ret::word(u64::from(on)))
        }
        C::F_SETFD => {
            task.process
                .with_files(|t| t.set_close_on_exec(slot, a.arg & 1 != 0))
                .map_err(file_errno)?;
            Ok(Ret::word(0))
        }
        C::F_GETFL => {
            let s = file.status();
            let mut flags = fb::open_flags::empty();
            flags.set(fb::open_flags::O_NONBLOCK, s.nonblock);
            flags.set(fb::open_flags::O_APPEND, s.append);
            flags.set(fb::open_flags::O_ASYNC, s.async_io);
            let bits = flags.bits() | access_mode(file.readable, file.writable);
            Ok(Ret::word(bits as u32 as u64))
        }
        C::F_SETFL => {
            let flags = fb::open_flags::from_bits_truncate(a.arg);
            let async_io = flags.contains(fb::open_flags::O_ASYNC);
            file.set_status(StatusFlags {
                nonblock: flags.contains(fb::open_flags::O_NONBLOCK),
                append: flags.contains(fb::open_flags::O_APPEND),
                async_io,
            });
            // Then fo_ioctl(FIONBIO), which a pty's master refuses until its slave
            // is open (the flags stay as set).
            if master_before_slave(&file) {
                return Err(errno::EAGAIN);
            }
            // Then fo_ioctl(FIOASYNC): when the object refuses, 4.x clears FNONBLOCK
            // again and leaves FASYNC set.
            if let Err(e) = set_async(task, &file, async_io) {
                let mut status = file.status();
                status.nonblock = false;
                file.set_status(status);
                return Err(e);
            }
            Ok(Ret::word(0))
        }
        // As fo_ioctl(FIOGETOWN / FIOSETOWN): terminals, sockets, pipes and FIFOs keep
        // an owner; other files answer ENOTTY, as 4.x's vnodes do.
        C::F_GETOWN => {
            let id = owner_of(task, &file)?;
            Ok(Ret::word(id as u32 as u64))
        }
        C::F_SETOWN => {
            set_owner(task, &file, a.arg)?;
            Ok(Ret::word(0))
        }
        C::F_GETLK | C::F_SETLK | C::F_SETLKW => {
            drop(file);
            range_lock(task, a.fd, a.cmd, a.arg as u32 as u64)
        }
    }
}

/// FIOASYNC on `file`'s object: a terminal, socket, pipe or FIFO sends its owner SIGIO
/// from now on (or stops); files and directories have nothing to signal and take it,
/// as 4.x's vn_ioctl does. The other devices refuse it: EINVAL, logged.
/// Whether `file` is a pty's master whose slave is not open: 4.x's ptyioctl
/// answers it EAGAIN for every request but its own four (FIONBIO and FIOASYNC too,
/// which ioctl and fcntl pass on after setting the file's flags).
pub(crate) fn master_before_slave(file: &OpenFile) -> bool {
    file.ops()
        .pty_master()
        .is_some_and(|index| !nymph_kernel::tty::pty::slave_open(index))
}

pub(crate) fn set_async(task: &Task, file: &OpenFile, on: bool) -> Result<(), i32> {
    if let Some(tty) = file.terminal() {
        tty.set_async(on);
        return Ok(());
    }
    if file.ops().set_async_io(on) {
        return Ok(());
    }
    if on && !matches!(file.kind(), FileKind::Regular | FileKind::Directory) {
        log::warn!(
            "pid {}: signal-driven I/O (FIOASYNC, O_ASYNC) is not served on this device",
            task.process.pid.0
        );
        return Err(errno::EINVAL);
    }
    Ok(())
}

/// `file`'s signal owner, for `task`: ENOTTY where the file sends no signals
/// (vn_ioctl's answer), and for a terminal that controls a session not the caller's
/// (ttioctl's isctty check).
fn owner_slot<'f>(task: &Task, file: &'f OpenFile) -> Result<&'f SignalOwner, i32> {
    match file.terminal() {
        Some(tty) => tty.owner_for(&task.process).map_err(|_| errno::ENOTTY),
        None => file.signal_owner().ok_or(errno::ENOTTY),
    }
}

/// fsetown on `file`'s owner (F_SETOWN, FIOSETOWN): `id` a process, a group negated,
/// 0 nobody.
pub(crate) fn set_owner(task: &Task, file: &OpenFile, id: i32) -> Result<(), i32> {
    owner_slot(task, file)?
        .set(&task.process, id)
        .map_err(|e| match e {
            OwnerError::NoSuchProcess => errno::ESRCH,
            OwnerError::OtherSession => errno::EPERM,
        })
}

/// fgetown on `file`'s owner (F_GETOWN, FIOGETOWN): 0 for none.
pub(crate) fn owner_of(task: &Task, file: &OpenFile) -> Result<i32, i32> {
    Ok(owner_slot(task, file)?.get())
}

/// The owner ioctls of a socket, FIFO or pipe: FIOSETOWN and FIOGETOWN, and the pair
/// `negated` (set, get) that takes and gives the owner with the sign turned
/// (SIOCSPGRP/SIOCGPGRP on a socket, TIOCSPGRP/TIOCGPGRP on a pipe). None for any
/// other command.
pub(crate) fn owner_ioctl(
    task: &Task,
    file: &OpenFile,
    cmd: u32,
    arg: u64,
    negated: (u32, u32),
) -> Result<Option<Ret>, i32> {
    if cmd == fb::ioctl::FIOSETOWN || cmd == negated.0 {
        let id: i32 = task.read_val(arg).map_err(fault)?;
        let id = if cmd == negated.0 {
            id.wrapping_neg()
        } else {
            id
        };
        set_owner(task, file, id)?;
        return Ok(Some(Ret::word(0)));
    }
    let id = if cmd == fb::ioctl::FIOGETOWN {
        owner_of(task, file)?
    } else if cmd == negated.1 {
        owner_of(task, file)?.wrapping_neg()
    } else {
        return Ok(None);
    };
    task.write_val(arg, &id).map_err(fault)?;
    Ok(Some(Ret::word(0)))
}

/// fcntl F_GETLK, F_SETLK and F_SETLKW on a 4.x `struct flock` at `arg`: only a
/// DTYPE_VNODE takes them (EBADF, before the struct is read: a FIFO, pipe, socket or
/// event queue).
fn range_lock(task: &mut Task, fd: i32, cmd: fb::fcntl_cmd, arg: u64) -> SysResult {
    let file = calls::file(task, fd.into()).map_err(file_errno)?;
    if Dtype::of(&file) != Dtype::Vnode {
        return Err(errno::EBADF);
    }
    let mut fl: fb::flock = task.read_val(arg).map_err(fault)?;
    let kind = match fb::lock_type::from_raw(fl.l_type).ok_or(errno::EINVAL)? {
        fb::lock_type::F_RDLCK => Some(LockKind::Shared),
        fb::lock_type::F_WRLCK => Some(LockKind::Exclusive),
        fb::lock_type::F_UNLCK => None,
    };
    let whence = match fb::whence::from_raw(i32::from(fl.l_whence)).ok_or(errno::EINVAL)? {
        fb::whence::SEEK_SET => Whence::Start,
        fb::whence::SEEK_CUR => Whence::Current,
        fb::whence::SEEK_END => Whence::End,
    };
    let command = match cmd {
        fb::fcntl_cmd::F_GETLK => RangeCommand::Test,
        fb::fcntl_cmd::F_SETLKW => RangeCommand::SetWait,
        _ => RangeCommand::Set,
    };
    // A device's vnode (spec_advlock) refuses POSIX locks with EINVAL, after fcntl's
    // own check that the descriptor's mode allows the lock asked for.
    if refuses_locks(&file) {
        let mode_ok = match (command, kind) {
            (RangeCommand::Test, _) | (_, None) => true,
            (_, Some(LockKind::Shared)) => file.readable,
            (_, Some(LockKind::Exclusive)) => file.writable,
        };
        return Err(if mode_ok { errno::EINVAL } else { errno::EBADF });
    }
    let request = RangeRequest {
        kind,
        whence,
        start: fl.l_start.get(),
        len: fl.l_len.get(),
    };
    let held = calls::range_lock(task, fd.into(), command, request).map_err(file_errno)?;
    if command != RangeCommand::Test {
        return Ok(Ret::word(0));
    }
    match held {
        None => fl.l_type = fb::lock_type::F_UNLCK.raw(),
        Some(held) => {
            fl.l_type = match held.kind {
                LockKind::Shared => fb::lock_type::F_RDLCK,
                LockKind::Exclusive => fb::lock_type::F_WRLCK,
            }
            .raw();
            fl.l_whence = fb::whence::SEEK_SET.raw() as i16;
            fl.l_start = (held.start as i64).into();
            let len = if held.end == lock::TO_EOF {
                0
            } else {
                (held.end - held.start) as i64
            };
            fl.l_len = len.into();
            fl.l_pid = held.owner as i32;
        }
    }
    task.write_val(arg, &fl).map_err(fault)?;
    Ok(Ret::word(0))
}

/// flock as 4.x's: only a DTYPE_VNODE (EOPNOTSUPP for a FIFO, pipe, socket or event
/// queue), then `how` read LOCK_UN first, LOCK_EX over LOCK_SH (none of them is EBADF),
/// then the vnode's advlock: a device's refuses (EOPNOTSUPP).
pub(crate) fn sys_flock(task: &mut Task, a: fb::FlockArgs) -> SysResult {
    use fb::flock_op as op;
    let file = calls::file(task, a.fd.into()).map_err(file_errno)?;
    if Dtype::of(&file) != Dtype::Vnode {
        return Err(errno::EOPNOTSUPP);
    }
    let refused = refuses_locks(&file);
    let kind = if a.how.contains(op::LOCK_UN) {
        None
    } else if a.how.contains(op::LOCK_EX) {
        Some(LockKind::Exclusive)
    } else if a.how.contains(op::LOCK_SH) {
        Some(LockKind::Shared)
    } else {
        return Err(errno::EBADF);
    };
    // A device's or the console's vnode takes no flock locks (spec_advlock).
    if refused {
        return Err(errno::EOPNOTSUPP);
    }
    calls::flock(task, a.fd.into(), kind, a.how.contains(op::LOCK_NB)).map_err(file_errno)?;
    Ok(Ret::word(0))
}

/// What 4.x poll bits ask about: normal data (POLLWRNORM is POLLOUT there), and
/// out-of-band data, which only a socket's urgent data gives (sopoll); no object
/// reports POLLWRBAND.
fn interest(events: fb::poll_events) -> Interest {
    use fb::poll_events as ev;
    Interest {
        read: events.intersects(ev::POLLIN | ev::POLLRDNORM),
        write: events.intersects(ev::POLLOUT),
        urgent: events.intersects(ev::POLLPRI | ev::POLLRDBAND),
    }
}

pub(crate) fn sys_poll(task: &mut Task, a: fb::PollArgs) -> SysResult {
    use fb::poll_events as ev;
    let nfds = a.nfds as usize;
    if nfds > MAX_DESCRIPTORS {
        return Err(errno::EINVAL);
    }
    let size = core::mem::size_of::<fb::pollfd>();
    let mut entries = Vec::with_capacity(nfds);
    for i in 0..nfds {
        let addr = a.fds.addr() + (i * size) as u64;
        entries.push(task.read_val::<fb::pollfd>(addr).map_err(fault)?);
    }
    let wanted: Vec<(i64, Interest)> = entries
        .iter()
        .map(|p| (i64::from(p.fd), interest(ev::from_bits_truncate(p.events))))
        .collect();
    // INFTIM is -1; other negative timeouts are invalid in 4.x.
    let timeout = match a.timeout {
        0 => Timeout::Now,
        -1 => Timeout::Forever,
        t if t < 0 => return Err(errno::EINVAL),
        t => Timeout::Nanos(t as u64 * 1_000_000),
    };
    let outcomes = calls::poll(task, &wanted, timeout, "poll").map_err(file_errno)?;
    let mut ready = 0u64;
    for (i, (p, outcome)) in entries.iter_mut().zip(outcomes).enumerate() {
        let events = ev::from_bits_truncate(p.events);
        let revents = match outcome {
            PollOutcome::Skipped => ev::empty(),
            PollOutcome::Invalid => ev::POLLNVAL,
            PollOutcome::Ready(r) => {
                let read = events & (ev::POLLIN | ev::POLLRDNORM);
                let write = events & ev::POLLOUT;
                let urgent = events & (ev::POLLPRI | ev::POLLRDBAND);
                let mut out = ev::empty();
                if r.read {
                    out |= read;
                }
                if r.write && !r.hangup {
                    out |= write;
                }
                if r.urgent {
                    out |= urgent;
                }
                out.set(ev::POLLHUP, r.hangup);
                out
            }
        };
        p.revents = revents.bits();
        if !revents.is_empty() {
            ready += 1;
        }
        task.write_val(a.fds.addr() + (i * size) as u64, p)
            .map_err(fault)?;
    }
    Ok(Ret::word(ready))
}

/// openbsd_poll (252): 4.x's is poll itself on the same arguments (sys_generic.c
/// `openbsd_poll` calls `poll`).
pub(crate) fn sys_openbsd_poll(task: &mut Task, a: fb::OpenbsdPollArgs) -> SysResult {
    let args = fb::PollArgs {
        fds: a.fds,
        nfds: a.nfds,
        timeout: a.timeout,
    };
    sys_poll(task, args)
}

/// `FD_SETSIZE`.
const FD_SETSIZE: i32 = 1024;

/// The first `words` 32-bit words of the fd_set at `addr` (4.x copies in and out only
/// `howmany(nd, NFDBITS)` of them: programs size their sets by nd).
fn read_set(task: &Task, addr: u64, words: usize) -> Result<Option<fb::fd_set>, i32> {
    if addr == 0 {
        return Ok(None);
    }
    let mut set = fb::fd_set { fds_bits: [0; 32] };
    task.read_bytes(addr, &mut set.fds_bits.as_mut_bytes()[..4 * words])
        .map_err(fault)?;
    Ok(Some(set))
}

fn is_set(set: &Option<fb::fd_set>, fd: usize) -> bool {
    set.as_ref()
        .is_some_and(|s| s.fds_bits[fd / 32] & (1 << (fd % 32)) != 0)
}

/// select: descriptors below `nd` in the three sets are polled; the except set asks
/// for out-of-band data (4.x's selscan polls it as POLLRDBAND), which only a TCP
/// socket's urgent data gives.
/// Only the words of each set that cover `nd` are read and written, as 4.x does; the
/// timeval is not written back.
pub(crate) fn sys_select(task: &mut Task, a: fb::SelectArgs) -> SysResult {
    if a.nd < 0 {
        return Err(errno::EINVAL);
    }
    let nd = a.nd.min(FD_SETSIZE).min(MAX_DESCRIPTORS as i32) as usize;
    let words = nd.div_ceil(32);
    let (rin, win, ein) = (
        read_set(task, a.in_.addr(), words)?,
        read_set(task, a.ou.addr(), words)?,
        read_set(task, a.ex.addr(), words)?,
    );
    let timeout = if a.tv.is_null() {
        Timeout::Forever
    } else {
        let tv: fb::timeval = task.read_val(a.tv.addr()).map_err(fault)?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(errno::EINVAL);
        }
        let ns = (tv.tv_sec as u64) * 1_000_000_000 + tv.tv_usec as u64 * 1000;
        if ns == 0 {
            Timeout::Now
        } else {
            Timeout::Nanos(ns)
        }
    };
    let mut fds = Vec::new();
    let mut wanted = Vec::new();
    for fd in 0..nd {
        let want = Interest {
            read: is_set(&rin, fd),
            write: is_set(&win, fd),
            urgent: is_set(&ein, fd),
        };
        if want.read || want.write || want.urgent {
            fds.push(fd);
            wanted.push((fd as i64, want));
        }
    }
    let outcomes = calls::poll(task, &wanted, timeout, "select").map_err(file_errno)?;
    if outcomes.contains(&PollOutcome::Invalid) {
        return Err(errno::EBADF);
    }
    let empty = fb::fd_set { fds_bits: [0; 32] };
    let (mut rout, mut wout, mut eout) = (empty, empty, empty);
    let mut count = 0u64;
    for ((fd, (_, want)), outcome) in fds.iter().zip(&wanted).zip(&outcomes) {
        if let PollOutcome::Ready(r) = outcome {
            // A hang-up marks every set asked (4.x's pipe_poll gives POLLHUP whatever
            // the events, and selscan counts any answer).
            for (wanted, ready, set) in [
                (want.read, r.read, &mut rout),
                (want.write, r.write, &mut wout),
                (want.urgent, r.urgent, &mut eout),
            ] {
                if wanted && (ready || r.hangup) {
                    set.fds_bits[fd / 32] |= 1 << (fd % 32);
                    count += 1;
                }
            }
        }
    }
    for (addr, set) in [
        (a.in_.addr(), rout),
        (a.ou.addr(), wout),
        (a.ex.addr(), eout),
    ] {
        if addr != 0 {
            task.write_bytes(addr, &set.fds_bits.as_bytes()[..4 * words])
                .map_err(fault)?;
        }
    }
    Ok(Ret::word(count))
}
