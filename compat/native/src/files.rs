//! Native descriptor calls: read, write, close, dup, dup3, pipe2, fcntl, on the core's
//! descriptor tables. Data crosses in bounded chunks through kernel buffers; the table
//! lock is never held while a call blocks.

use crate::sys::{SysResult, fault};
use alloc::vec;
use nymph_abi::native_v1::{self as v1, errno};
use nymph_kernel::file::{FileError, OpenFile, StatusFlags, pipe};
use nymph_kernel::process::{Signal, Task};
use nymph_kernel::vfs::lock::{self, LockKind};

/// The most one read or write call moves through the kernel at once.
const CHUNK: usize = 64 * 1024;

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
        FileError::FileTooBig => errno::EFBIG,
        FileError::Interrupted => errno::EINTR,
        FileError::Deadlock => errno::EDEADLK,
        FileError::Io | FileError::InvalidArchive => errno::EIO,
    }
}

pub(crate) fn descriptor(fd: i32) -> Result<usize, i32> {
    usize::try_from(fd).map_err(|_| errno::EBADF)
}

pub(crate) fn sys_read(task: &mut Task, a: v1::ReadArgs) -> SysResult {
    let file = task.process.file(descriptor(a.fd)?).map_err(file_errno)?;
    let want = usize::try_from(a.count).unwrap_or(usize::MAX).min(CHUNK);
    let mut buf = vec![0u8; want];
    let n = file.read(&mut buf).map_err(file_errno)?;
    task.write_bytes(a.buf.addr(), &buf[..n]).map_err(fault)?;
    Ok(n as u64)
}

pub(crate) fn sys_write(task: &mut Task, a: v1::WriteArgs) -> SysResult {
    let file = task.process.file(descriptor(a.fd)?).map_err(file_errno)?;
    let total = a.count;
    let mut done = 0u64;
    // Small writes go in one piece, so a pipe keeps them atomic.
    let mut buf = vec![0u8; usize::try_from(total).unwrap_or(CHUNK).min(CHUNK)];
    while done < total {
        let n = (total - done).min(buf.len() as u64) as usize;
        let addr = a.buf.addr().checked_add(done).ok_or(errno::EFAULT)?;
        if let Err(e) = task.read_bytes(addr, &mut buf[..n]) {
            return if done > 0 { Ok(done) } else { Err(fault(e)) };
        }
        match file.write(&buf[..n]) {
            Ok(taken) => {
                done += taken as u64;
                if taken < n {
                    break;
                }
            }
            Err(FileError::BrokenPipe) => {
                task.process.post(Signal::Pipe);
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(errno::EPIPE)
                };
            }
            Err(e) => {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(file_errno(e))
                };
            }
        }
    }
    Ok(done)
}

pub(crate) fn sys_close(task: &mut Task, a: v1::CloseArgs) -> SysResult {
    let fd = descriptor(a.fd)?;
    // The open file may be the last reference to a pipe end: let it go outside the lock.
    let file = task.process.file(fd).map_err(file_errno)?;
    task.process
        .with_files(|t| t.close(fd))
        .map_err(file_errno)?;
    task.process.release_range_locks(&file);
    drop(file);
    Ok(0)
}

pub(crate) fn sys_dup(task: &mut Task, a: v1::DupArgs) -> SysResult {
    let file = task.process.file(descriptor(a.fd)?).map_err(file_errno)?;
    let fd = task
        .process
        .with_files(|t| t.install(file, false, 0))
        .map_err(file_errno)?;
    Ok(fd as u64)
}

pub(crate) fn sys_dup3(task: &mut Task, a: v1::Dup3Args) -> SysResult {
    if a.flags.bits() & !v1::open_flags::O_CLOEXEC.bits() != 0 || a.oldfd == a.newfd {
        return Err(errno::EINVAL);
    }
    let (old, new) = (descriptor(a.oldfd)?, descriptor(a.newfd)?);
    let cloexec = a.flags.contains(v1::open_flags::O_CLOEXEC);
    let replaced = task.process.with_files(|t| t.get(new).ok());
    let fd = task
        .process
        .with_files(|t| t.duplicate_to(old, new, cloexec))
        .map_err(file_errno)?;
    if let Some(replaced) = &replaced {
        task.process.release_range_locks(replaced);
    }
    drop(replaced);
    Ok(fd as u64)
}

pub(crate) fn sys_pipe2(task: &mut Task, a: v1::Pipe2Args) -> SysResult {
    let allowed = v1::open_flags::O_CLOEXEC | v1::open_flags::O_NONBLOCK;
    if !allowed.contains(a.flags) {
        return Err(errno::EINVAL);
    }
    let cloexec = a.flags.contains(v1::open_flags::O_CLOEXEC);
    let (read_end, write_end) = pipe::new().map_err(file_errno)?;
    if a.flags.contains(v1::open_flags::O_NONBLOCK) {
        let nb = StatusFlags {
            nonblock: true,
            append: false,
        };
        read_end.set_status(nb);
        write_end.set_status(nb);
    }
    let fds = task.process.with_files(|t| {
        let r = t.install(read_end, cloexec, 0)?;
        match t.install(write_end, cloexec, 0) {
            Ok(w) => Ok((r, w)),
            Err(e) => {
                let _ = t.close(r);
                Err(e)
            }
        }
    });
    let (r, w) = fds.map_err(file_errno)?;
    let pair = v1::pipe_fds {
        fd0: r as i32,
        fd1: w as i32,
    };
    if let Err(e) = task.write_val(a.fds.addr(), &pair) {
        task.process.with_files(|t| {
            let _ = t.close(r);
            let _ = t.close(w);
        });
        return Err(fault(e));
    }
    Ok(0)
}

pub(crate) fn sys_fcntl(task: &mut Task, a: v1::FcntlArgs) -> SysResult {
    let fd = descriptor(a.fd)?;
    let file = task.process.file(fd).map_err(file_errno)?;
    match a.cmd {
        v1::fcntl_cmd::F_DUPFD | v1::fcntl_cmd::F_DUPFD_CLOEXEC => {
            let min = usize::try_from(a.arg).map_err(|_| errno::EINVAL)?;
            let cloexec = a.cmd == v1::fcntl_cmd::F_DUPFD_CLOEXEC;
            let new = task
                .process
                .with_files(|t| t.install(file, cloexec, min))
                .map_err(|e| match e {
                    FileError::TooManyOpen if min >= nymph_kernel::file::MAX_DESCRIPTORS => {
                        errno::EINVAL
                    }
                    other => file_errno(other),
                })?;
            Ok(new as u64)
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
            });
            Ok(0)
        }
        v1::fcntl_cmd::F_GETLK | v1::fcntl_cmd::F_SETLK | v1::fcntl_cmd::F_SETLKW => {
            range_lock(task, &file, a.cmd, a.arg)
        }
    }
}

/// fcntl F_GETLK, F_SETLK and F_SETLKW: `arg` is the address of a struct flock.
fn range_lock(task: &mut Task, file: &OpenFile, cmd: v1::fcntl_cmd, arg: u64) -> SysResult {
    let mut fl: v1::flock = task.read_val(arg).map_err(fault)?;
    let node = file.node().ok_or(errno::EINVAL)?.clone();
    let kind = match v1::flock_type::from_raw(fl.l_type).ok_or(errno::EINVAL)? {
        v1::flock_type::F_RDLCK => Some(LockKind::Shared),
        v1::flock_type::F_WRLCK => Some(LockKind::Exclusive),
        v1::flock_type::F_UNLCK => None,
    };
    let base = match v1::whence::from_raw(i32::from(fl.l_whence)).ok_or(errno::EINVAL)? {
        v1::whence::SEEK_SET => 0,
        v1::whence::SEEK_CUR => file.offset(),
        v1::whence::SEEK_END => file.ops().size(),
    };
    let (start, end) = lock::range(base, fl.l_start, fl.l_len).map_err(file_errno)?;
    let owner = task.process.pid.0;
    let key = lock::key(&node);
    if cmd == v1::fcntl_cmd::F_GETLK {
        let kind = kind.ok_or(errno::EINVAL)?;
        let req = lock::RangeLock {
            owner,
            kind,
            start,
            end,
        };
        match lock::test_range(key, req) {
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
        return Ok(0);
    }
    match kind {
        Some(LockKind::Shared) if !file.readable => return Err(errno::EBADF),
        Some(LockKind::Exclusive) if !file.writable => return Err(errno::EBADF),
        _ => {}
    }
    let wait = cmd == v1::fcntl_cmd::F_SETLKW;
    let process = task.process.clone();
    lock::set_range(key, owner, kind, start, end, wait, || {
        nymph_kernel::process::signal_pending(&process)
    })
    .map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_flock(task: &mut Task, a: v1::FlockArgs) -> SysResult {
    use v1::flock_op as op;
    let file = task.process.file(descriptor(a.fd)?).map_err(file_errno)?;
    let node = file.node().ok_or(errno::EINVAL)?.clone();
    let kind = match (a.op - op::LOCK_NB).bits() {
        x if x == op::LOCK_SH.bits() => Some(LockKind::Shared),
        x if x == op::LOCK_EX.bits() => Some(LockKind::Exclusive),
        x if x == op::LOCK_UN.bits() => None,
        _ => return Err(errno::EINVAL),
    };
    let process = task.process.clone();
    lock::flock(
        lock::key(&node),
        file.id(),
        kind,
        a.op.contains(op::LOCK_NB),
        || nymph_kernel::process::signal_pending(&process),
    )
    .map_err(file_errno)?;
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
    use nymph_kernel::file::poll::{self, Interest, Timeout};
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
    // The open files polled (None: a negative fd, ignored, or a bad one, POLLNVAL).
    let files: alloc::vec::Vec<_> = entries
        .iter()
        .map(|p| {
            if p.fd < 0 {
                return Ok(None);
            }
            task.process.file(p.fd as usize).map(Some).map_err(|_| ())
        })
        .collect();
    let bad = files.iter().any(Result::is_err);
    let wanted: alloc::vec::Vec<_> = entries
        .iter()
        .zip(&files)
        .filter_map(|(p, f)| match f {
            Ok(Some(file)) => {
                let events = ev::from_bits_truncate(p.events);
                let interest = Interest {
                    read: events.contains(ev::POLLIN),
                    write: events.contains(ev::POLLOUT),
                };
                Some((&**file, interest))
            }
            _ => None,
        })
        .collect();
    let timeout = if bad || a.timeout_ms == 0 {
        Timeout::Now
    } else if a.timeout_ms < 0 {
        Timeout::Forever
    } else {
        Timeout::Nanos(a.timeout_ms as u64 * 1_000_000)
    };
    let process = task.process.clone();
    let states = poll::poll(&wanted, timeout, || {
        nymph_kernel::process::signal_pending(&process)
    })
    .map_err(file_errno)?;
    let mut states = states.into_iter().zip(wanted.iter().map(|w| w.1));
    let mut ready = 0u64;
    for (i, (p, f)) in entries.iter_mut().zip(&files).enumerate() {
        let revents = match f {
            Ok(None) => ev::empty(),
            Err(()) => ev::POLLNVAL,
            Ok(Some(_)) => {
                let Some((r, want)) = states.next() else {
                    break;
                };
                let mut out = ev::empty();
                out.set(ev::POLLIN, want.read && r.read);
                out.set(ev::POLLOUT, want.write && r.write && !r.hangup);
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
