//! Native descriptor calls: read, write, close, dup, dup3, pipe2, fcntl, on the core's
//! descriptor tables. Data crosses in bounded chunks through kernel buffers; the table
//! lock is never held while a call blocks.

use crate::sys::{SysResult, fault};
use nymph_abi::native_v1::{self as v1, errno};
use nymph_kernel::file::Whence;
use nymph_kernel::file::{FileError, StatusFlags};
use nymph_kernel::process::Task;
use nymph_kernel::process::calls::{self, RangeCommand, RangeRequest};
use nymph_kernel::vfs::lock::{self, LockKind};

/// The native errno for a neutral kernel error.
pub(crate) fn file_errno(e: FileError) -> i32 {
    match e {
        FileError::NotFound => errno::ENOENT,
        FileError::NotADirectory => errno::ENOTDIR,
        FileError::IsADirectory => errno::EISDIR,
        FileError::Exists => errno::EEXIST,
        FileError::NotEmpty => errno::ENOTEMPTY,
        FileError::CrossDevice => errno::EXDEV,
        FileError::AccessDenied => errno::EACCES,
        FileError::NotPermitted => errno::EPERM,
        FileError::Loop => errno::ELOOP,
        FileError::NameTooLong => errno::ENAMETOOLONG,
        FileError::InvalidArgument => errno::EINVAL,
        FileError::Busy => errno::EBUSY,
        FileError::WouldBlock => errno::EAGAIN,
        FileError::BrokenPipe => errno::EPIPE,
        FileError::BadDescriptor => errno::EBADF,
        FileError::NotSupported => errno::ENODEV,
        FileError::NotSeekable => errno::ESPIPE,
        FileError::NotATerminal => errno::ENOTTY,
        FileError::NoDevice => errno::ENXIO,
        FileError::TooManyOpen => errno::EMFILE,
        FileError::TooManyOpenSystem => errno::ENFILE,
        FileError::OutOfMemory => errno::ENOMEM,
        FileError::NoSpace => errno::ENOSPC,
        FileError::FileTooBig | FileError::FileSizeLimit => errno::EFBIG,
        FileError::Interrupted => errno::EINTR,
        FileError::Deadlock => errno::EDEADLK,
        FileError::Io | FileError::InvalidArchive => errno::EIO,
        FileError::TextBusy => errno::ETXTBSY,
        FileError::BadAddress => errno::EFAULT,
        FileError::OperationNotSupported => errno::ENOTSUP,
        // The native ABI has no socket calls: these cannot reach it.
        FileError::NotASocket
        | FileError::AddressInUse
        | FileError::ConnectionRefused
        | FileError::ConnectionReset
        | FileError::NotConnected
        | FileError::AlreadyConnected
        | FileError::DestinationRequired
        | FileError::WrongProtocolType
        | FileError::MessageTooBig
        | FileError::NoBufferSpace
        | FileError::AddressNotAvailable
        | FileError::NetworkUnreachable => errno::EINVAL,
    }
}

pub(crate) fn descriptor(fd: i32) -> Result<usize, i32> {
    usize::try_from(fd).map_err(|_| errno::EBADF)
}

pub(crate) fn sys_read(task: &mut Task, a: v1::ReadArgs) -> SysResult {
    calls::read(task, a.fd.into(), a.buf.addr(), a.count).map_err(file_errno)
}

pub(crate) fn sys_write(task: &mut Task, a: v1::WriteArgs) -> SysResult {
    calls::write(task, a.fd.into(), a.buf.addr(), a.count).map_err(file_errno)
}

pub(crate) fn sys_close(task: &mut Task, a: v1::CloseArgs) -> SysResult {
    calls::close(task, a.fd.into()).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_dup(task: &mut Task, a: v1::DupArgs) -> SysResult {
    calls::dup(task, a.fd.into(), 0, false).map_err(file_errno)
}

pub(crate) fn sys_dup3(task: &mut Task, a: v1::Dup3Args) -> SysResult {
    if a.flags.bits() & !v1::open_flags::O_CLOEXEC.bits() != 0 || a.oldfd == a.newfd {
        return Err(errno::EINVAL);
    }
    let cloexec = a.flags.contains(v1::open_flags::O_CLOEXEC);
    calls::dup_to(task, a.oldfd.into(), a.newfd.into(), cloexec).map_err(file_errno)
}

pub(crate) fn sys_pipe2(task: &mut Task, a: v1::Pipe2Args) -> SysResult {
    let allowed = v1::open_flags::O_CLOEXEC | v1::open_flags::O_NONBLOCK;
    if !allowed.contains(a.flags) {
        return Err(errno::EINVAL);
    }
    let cloexec = a.flags.contains(v1::open_flags::O_CLOEXEC);
    let nonblock = a.flags.contains(v1::open_flags::O_NONBLOCK);
    let pipe_buf = v1::consts::PIPE_BUF as usize;
    let (r, w) = calls::pipe(task, nonblock, cloexec, pipe_buf).map_err(file_errno)?;
    let pair = v1::pipe_fds {
        fd0: r as i32,
        fd1: w as i32,
    };
    if let Err(e) = task.write_val(a.fds.addr(), &pair) {
        calls::unpipe(task, (r, w));
        return Err(fault(e));
    }
    Ok(0)
}

pub(crate) fn sys_fcntl(task: &mut Task, a: v1::FcntlArgs) -> SysResult {
    let fd = descriptor(a.fd)?;
    let file = task.process.file(fd).map_err(file_errno)?;
    match a.cmd {
        v1::fcntl_cmd::F_DUPFD | v1::fcntl_cmd::F_DUPFD_CLOEXEC => {
            let cloexec = a.cmd == v1::fcntl_cmd::F_DUPFD_CLOEXEC;
            drop(file);
            calls::dup(task, a.fd.into(), a.arg, cloexec).map_err(file_errno)
        }
        v1::fcntl_cmd::F_GETFD => {
            let on = task
                .process
                .with_files(|t| t.close_on_exec(fd))
                .map_err(file_errno)?;
            Ok(if on {
                u64::from(v1::fd_flags::FD_CLOEXEC.bits())
            } else {
                0
            })
        }
        v1::fcntl_cmd::F_SETFD => {
            let on = a.arg & u64::from(v1::fd_flags::FD_CLOEXEC.bits()) != 0;
            task.process
                .with_files(|t| t.set_close_on_exec(fd, on))
                .map_err(file_errno)?;
            Ok(0)
        }
        v1::fcntl_cmd::F_GETFL => {
            let s = file.status();
            let mut flags = v1::open_flags::empty();
            flags.set(v1::open_flags::O_NONBLOCK, s.nonblock);
            flags.set(v1::open_flags::O_APPEND, s.append);
            Ok(u64::from(flags.bits()) | access_mode(file.readable, file.writable))
        }
        v1::fcntl_cmd::F_SETFL => {
            let flags = v1::open_flags::from_bits_truncate(a.arg as u32);
            file.set_status(StatusFlags {
                nonblock: flags.contains(v1::open_flags::O_NONBLOCK),
                append: flags.contains(v1::open_flags::O_APPEND),
                ..file.status()
            });
            Ok(0)
        }
        v1::fcntl_cmd::F_GETLK | v1::fcntl_cmd::F_SETLK | v1::fcntl_cmd::F_SETLKW => {
            drop(file);
            range_lock(task, a.fd, a.cmd, a.arg)
        }
    }
}

/// fcntl F_GETLK, F_SETLK and F_SETLKW: `arg` is the address of a struct flock.
fn range_lock(task: &mut Task, fd: i32, cmd: v1::fcntl_cmd, arg: u64) -> SysResult {
    let mut fl: v1::flock = task.read_val(arg).map_err(fault)?;
    let kind = match v1::flock_type::from_raw(fl.l_type).ok_or(errno::EINVAL)? {
        v1::flock_type::F_RDLCK => Some(LockKind::Shared),
        v1::flock_type::F_WRLCK => Some(LockKind::Exclusive),
        v1::flock_type::F_UNLCK => None,
    };
    let whence = match v1::whence::from_raw(i32::from(fl.l_whence)).ok_or(errno::EINVAL)? {
        v1::whence::SEEK_SET => Whence::Start,
        v1::whence::SEEK_CUR => Whence::Current,
        v1::whence::SEEK_END => Whence::End,
    };
    let command = match cmd {
        v1::fcntl_cmd::F_GETLK => RangeCommand::Test,
        v1::fcntl_cmd::F_SETLKW => RangeCommand::SetWait,
        _ => RangeCommand::Set,
    };
    let request = RangeRequest {
        kind,
        whence,
        start: fl.l_start,
        len: fl.l_len,
    };
    let held = calls::range_lock(task, fd.into(), command, request).map_err(file_errno)?;
    if command != RangeCommand::Test {
        return Ok(0);
    }
    match held {
        None => fl.l_type = v1::flock_type::F_UNLCK.raw(),
        Some(held) => {
            fl.l_type = match held.kind {
                LockKind::Shared => v1::flock_type::F_RDLCK,
                LockKind::Exclusive => v1::flock_type::F_WRLCK,
            }
            .raw();
            fl.l_whence = v1::whence::SEEK_SET.raw() as i16;
            fl.l_start = held.start as i64;
            fl.l_len = if held.end == lock::TO_EOF {
                0
            } else {
                (held.end - held.start) as i64
            };
            fl.l_pid = held.owner as i32;
        }
    }
    task.write_val(arg, &fl).map_err(fault)?;
    Ok(0)
}

pub(crate) fn sys_flock(task: &mut Task, a: v1::FlockArgs) -> SysResult {
    use v1::flock_op as op;
    let kind = match (a.op - op::LOCK_NB).bits() {
        x if x == op::LOCK_SH.bits() => Some(LockKind::Shared),
        x if x == op::LOCK_EX.bits() => Some(LockKind::Exclusive),
        x if x == op::LOCK_UN.bits() => None,
        _ => return Err(errno::EINVAL),
    };
    calls::flock(task, a.fd.into(), kind, a.op.contains(op::LOCK_NB)).map_err(file_errno)?;
    Ok(0)
}

/// The O_RDONLY/O_WRONLY/O_RDWR value of an open file.
fn access_mode(readable: bool, writable: bool) -> u64 {
    match (readable, writable) {
        (true, true) => u64::from(v1::open_flags::O_RDWR.bits()),
        (false, true) => u64::from(v1::open_flags::O_WRONLY.bits()),
        _ => 0,
    }
}

pub(crate) fn sys_poll(task: &mut Task, a: v1::PollArgs) -> SysResult {
    use nymph_kernel::file::poll::{Interest, Timeout};
    use nymph_kernel::process::calls::PollOutcome;
    use v1::poll_events as ev;
    let nfds = usize::try_from(a.nfds).map_err(|_| errno::EINVAL)?;
    if nfds > nymph_kernel::file::MAX_DESCRIPTORS {
        return Err(errno::EINVAL);
    }
    let size = core::mem::size_of::<v1::pollfd>();
    let mut entries = alloc::vec::Vec::with_capacity(nfds);
    for i in 0..nfds {
        let addr = a
            .fds
            .addr()
            .checked_add((i * size) as u64)
            .ok_or(errno::EFAULT)?;
        entries.push(task.read_val::<v1::pollfd>(addr).map_err(fault)?);
    }
    let wanted: alloc::vec::Vec<_> = entries
        .iter()
        .map(|p| {
            let events = ev::from_bits_truncate(p.events);
            let interest = Interest {
                read: events.contains(ev::POLLIN),
                write: events.contains(ev::POLLOUT),
                urgent: events.contains(ev::POLLPRI),
            };
            (i64::from(p.fd), interest)
        })
        .collect();
    let timeout = match a.timeout_ms {
        0 => Timeout::Now,
        t if t < 0 => Timeout::Forever,
        t => Timeout::Nanos(t as u64 * 1_000_000),
    };
    let outcomes = calls::poll(task, &wanted, timeout, "poll").map_err(file_errno)?;
    let mut ready = 0u64;
    for (i, ((p, outcome), (_, want))) in entries.iter_mut().zip(outcomes).zip(&wanted).enumerate()
    {
        let revents = match outcome {
            PollOutcome::Skipped => ev::empty(),
            PollOutcome::Invalid => ev::POLLNVAL,
            PollOutcome::Ready(r) => {
                let mut out = ev::empty();
                out.set(ev::POLLIN, want.read && r.read);
                out.set(ev::POLLOUT, want.write && r.write && !r.hangup);
                // Urgent data a FreeBSD-4 peer sent over TCP.
                out.set(ev::POLLPRI, want.urgent && r.urgent);
                out.set(ev::POLLHUP, r.hangup);
                out
            }
        };
        p.revents = revents.bits();
        if !revents.is_empty() {
            ready += 1;
        }
        let addr = a.fds.addr() + (i * size) as u64;
        task.write_val(addr, p).map_err(fault)?;
    }
    Ok(ready)
}
