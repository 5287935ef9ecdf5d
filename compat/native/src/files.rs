//! Native descriptor calls: read, write, close, dup, dup3, pipe2, fcntl, on the core's
//! descriptor tables. Data crosses in bounded chunks through kernel buffers; the table
//! lock is never held while a call blocks.

use crate::sys::{SysResult, fault};
use alloc::vec;
use nymph_abi::native_v1::{self as v1, errno};
use nymph_kernel::file::{FileError, StatusFlags, pipe};
use nymph_kernel::process::{Signal, Task};

/// The most one read or write call moves through the kernel at once.
const CHUNK: usize = 64 * 1024;

pub(crate) fn file_errno(e: FileError) -> i32 {
    match e {
        FileError::WouldBlock => errno::EAGAIN,
        FileError::BrokenPipe => errno::EPIPE,
        FileError::BadDescriptor => errno::EBADF,
        FileError::NotSupported => errno::ENXIO,
        FileError::TooManyOpen => errno::EMFILE,
        FileError::Interrupted => errno::EINTR,
        FileError::Io => errno::EIO,
    }
}

fn descriptor(fd: i32) -> Result<usize, i32> {
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
    drop(replaced);
    Ok(fd as u64)
}

pub(crate) fn sys_pipe2(task: &mut Task, a: v1::Pipe2Args) -> SysResult {
    let allowed = v1::open_flags::O_CLOEXEC | v1::open_flags::O_NONBLOCK;
    if !allowed.contains(a.flags) {
        return Err(errno::EINVAL);
    }
    let cloexec = a.flags.contains(v1::open_flags::O_CLOEXEC);
    let (read_end, write_end) = pipe::new();
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
    }
}

/// The O_RDONLY/O_WRONLY/O_RDWR value of an open file.
fn access_mode(readable: bool, writable: bool) -> u64 {
    match (readable, writable) {
        (true, true) => u64::from(v1::open_flags::O_RDWR.bits()),
        (false, true) => u64::from(v1::open_flags::O_WRONLY.bits()),
        _ => 0,
    }
}
