//! The ABI-neutral bodies of system calls every personality offers: moving data between
//! descriptors and user memory, closing and duplicating descriptors, pipes, and memory
//! mappings. A personality decodes its arguments, calls these, and maps the neutral
//! [`Error`] to its errno; what differs between ABIs stays in the personality.

use super::Task;
use super::creds::IdKind;
use crate::error::Error;
use crate::file::poll::{self as file_poll, Interest, Timeout};
use crate::file::{FileKind, OpenFile, Readiness, Sink, Source, StatusFlags, Whence, pipe};
#[cfg(not(test))]
use crate::mm::frame;
use crate::mm::uspace::Protection;
use crate::process::Signal;
use crate::vfs::lock::{self, LockKind, RangeLock};
use crate::vfs::{NodeType, Stat, Timestamp};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use nymph_hal::layout::USER_END;

/// The most one read or write moves through the kernel at once.
const CHUNK: usize = 64 * 1024;
const PAGE: u64 = 4096;

/// The open file behind descriptor `fd` (negative numbers are never open).
pub fn file(task: &Task, fd: i64) -> Result<Arc<OpenFile>, Error> {
    let fd = usize::try_from(fd).map_err(|_| Error::BadDescriptor)?;
    task.process.file(fd)
}

/// A user buffer as the source of a write or the sink of a read: reached only through
/// the task's fault-resolving copies.
struct UserBuffer<'a> {
    task: &'a Task,
    addr: u64,
    len: usize,
}

impl UserBuffer<'_> {
    fn at(&self, offset: usize) -> Result<u64, Error> {
        self.addr
            .checked_add(offset as u64)
            .ok_or(Error::BadAddress)
    }
}

impl Source for UserBuffer<'_> {
    fn len(&self) -> usize {
        self.len
    }
    fn copy_out(&self, offset: usize, into: &mut [u8]) -> Result<(), Error> {
        self.task
            .read_bytes(self.at(offset)?, into)
            .map_err(|_| Error::BadAddress)
    }
}

impl Sink for UserBuffer<'_> {
    fn len(&self) -> usize {
        self.len
    }
    fn copy_in(&mut self, offset: usize, bytes: &[u8]) -> Result<(), Error> {
        self.task
            .write_bytes(self.at(offset)?, bytes)
            .map_err(|_| Error::BadAddress)
    }
}

/// User memory in pieces (an iovec, or one buffer), as the source of one write or the
/// sink of one read, so that a datagram or a pipe's atomic write is one transfer
/// whatever the pieces (4.x's uio); [`UserPieces::skip`] passes over what an earlier
/// pass already filled.
pub struct UserPieces<'a> {
    task: &'a Task,
    iov: &'a [(u64, u64)],
    start: usize,
    total: usize,
}

impl<'a> UserPieces<'a> {
    pub fn new(task: &'a Task, iov: &'a [(u64, u64)]) -> Self {
        let total = iov
            .iter()
            .fold(0usize, |sum, v| sum.saturating_add(v.1 as usize));
        UserPieces {
            task,
            iov,
            start: 0,
            total,
        }
    }

    /// The bytes of all the pieces, those skipped included.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Starts the source or sink `done` bytes into the pieces.
    pub fn skip(&mut self, done: usize) {
        self.start = done.min(self.total);
    }

    /// Calls `f` with the user address and the range of the caller's bytes for each
    /// piece of `len` bytes from `offset` on.
    fn walk(
        &self,
        offset: usize,
        len: usize,
        mut f: impl FnMut(u64, core::ops::Range<usize>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut pos = self.start.checked_add(offset).ok_or(Error::BadAddress)?;
        let end = pos.checked_add(len).ok_or(Error::BadAddress)?;
        let (mut base, mut done) = (0usize, 0usize);
        for &(addr, piece) in self.iov {
            if pos >= end {
                break;
            }
            let top = base.saturating_add(piece as usize);
            if pos < top {
                let n = top.min(end) - pos;
                let user = addr
                    .checked_add((pos - base) as u64)
                    .ok_or(Error::BadAddress)?;
                f(user, done..done + n)?;
                done += n;
                pos += n;
            }
            base = top;
        }
        if pos < end {
            return Err(Error::BadAddress);
        }
        Ok(())
    }
}

impl core::fmt::Debug for UserPieces<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserPieces")
            .field("iov", &self.iov)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

impl Source for UserPieces<'_> {
    fn len(&self) -> usize {
        self.total - self.start
    }
    fn copy_out(&self, offset: usize, into: &mut [u8]) -> Result<(), Error> {
        self.walk(offset, into.len(), |user, r| {
            self.task
                .read_bytes(user, &mut into[r])
                .map_err(|_| Error::BadAddress)
        })
    }
}

impl Sink for UserPieces<'_> {
    fn len(&self) -> usize {
        self.total - self.start
    }
    fn copy_in(&mut self, offset: usize, bytes: &[u8]) -> Result<(), Error> {
        let task = self.task;
        self.walk(offset, bytes.len(), |user, r| {
            task.write_bytes(user, &bytes[r])
                .map_err(|_| Error::BadAddress)
        })
    }
}

/// Counts a receive that took `n` bytes (see [`Process::count_message`]): one that
/// found something, which on a datagram socket may be an empty datagram.
fn count_received(task: &Task, file: &OpenFile, n: u64) {
    if file.carries_messages()
        && (n > 0
            || file
                .socket()
                .is_some_and(|s| s.socket_type() == crate::file::socket::SocketType::Datagram))
    {
        task.process.count_message(false);
    }
}

/// read(2): up to `count` bytes into user memory at `addr`.
pub fn read(task: &Task, fd: i64, addr: u64, count: u64) -> Result<u64, Error> {
    let file = file(task, fd)?;
    let n = read_file(task, &file, addr, count)?;
    count_received(task, &file, n);
    device_times(&file, n, count, false);
    Ok(n)
}

/// A device's node keeps the times of its use, as BSD's ufsspec_read and
/// ufsspec_write mark them (IN_ACCESS; IN_CHANGE|IN_UPDATE) after any transfer that
/// moved bytes or asked for some: a terminal's access time is when its user last
/// typed (w's and finger's idle time), its modification time when it last printed.
fn device_times(file: &OpenFile, moved: u64, asked: u64, write: bool) {
    if moved == 0 && asked == 0 {
        return;
    }
    if !matches!(file.kind(), FileKind::Device | FileKind::Console) {
        return;
    }
    let node = match file.node() {
        Some(node) => Some(node.clone()),
        None if file.kind() == FileKind::Console => crate::vfs::devfs::console_node(),
        None => None,
    };
    if let Some(node) = node {
        if write {
            node.touch_modify();
        } else {
            node.touch_access();
        }
    }
}

/// [`read`] on the open file, not counted.
fn read_file(task: &Task, file: &OpenFile, addr: u64, count: u64) -> Result<u64, Error> {
    let len = usize::try_from(count).unwrap_or(usize::MAX);
    if let Some(n) = file.read_to(&mut UserBuffer { task, addr, len }) {
        return n.map(|n| n as u64);
    }
    let piece = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .min(CHUNK)
        .min(file.read_limit().unwrap_or(usize::MAX));
    let regular = file.kind() == FileKind::Regular;
    chunked(
        task,
        addr,
        count,
        piece,
        reads_whole(file),
        |buf, _| file.read(buf),
        // What was read but could not be copied is read again next time (the offset
        // stays after what was, as 4.x's vn_read keeps uiomove's).
        |n| {
            if regular {
                file.set_offset(file.offset().saturating_sub(n as u64));
            }
        },
    )
}

/// Whether a read of `file` moves the whole request, up to the end: a regular file's,
/// and a device's that is not a terminal (4.x's mmrw loops over the whole uio for
/// /dev/zero, /dev/mem and the rest, so dd's `bs=1m` reads of /dev/zero are whole
/// records). A terminal's, a pipe's or a socket's read is one transfer, theirs to cut.
fn reads_whole(file: &OpenFile) -> bool {
    match file.kind() {
        FileKind::Regular => true,
        FileKind::Device => file.terminal().is_none(),
        _ => false,
    }
}

/// Moves up to `count` bytes from `read` (given a kernel buffer and how much is done)
/// to user memory at `addr`, a chunk at a time: all of them, up to the end, when
/// `whole` (see [`reads_whole`]), else
/// one transfer (a pipe's or a terminal's short read is theirs to make). A signal or
/// having to wait after some data reports the data; a fault in the user's buffer is
/// EFAULT, with `unread` given how many bytes were read that could not be copied;
/// any other error is the call's (4.x's dofileread).
fn chunked(
    task: &Task,
    addr: u64,
    count: u64,
    piece: usize,
    whole: bool,
    mut read: impl FnMut(&mut [u8], u64) -> Result<usize, Error>,
    unread: impl FnOnce(usize),
) -> Result<u64, Error> {
    let mut buf = vec![0u8; piece];
    let mut done = 0u64;
    loop {
        let want = usize::try_from(count - done)
            .unwrap_or(usize::MAX)
            .min(piece);
        let n = match read(&mut buf[..want], done) {
            Ok(n) => n,
            Err(e) if done > 0 && e.ends_transfer_short() => return Ok(done),
            Err(e) => return Err(e),
        };
        let copied = addr
            .checked_add(done)
            .is_some_and(|to| task.write_bytes(to, &buf[..n]).is_ok());
        if !copied {
            unread(n);
            return Err(Error::BadAddress);
        }
        done += n as u64;
        if !whole || n < want || done >= count {
            return Ok(done);
        }
    }
}

/// Refuses a write of `len` bytes at `at` (None: where the file's next write goes) that
/// would end past the process's file-size limit (`Error::FileSizeLimit`).
fn within_size_limit(task: &Task, file: &OpenFile, at: Option<u64>, len: u64) -> Result<(), Error> {
    match task.process.with_files(|t| t.max_file_size()) {
        Some(limit) => file.check_write_end(at, len, limit),
        None => Ok(()),
    }
}

/// write(2): `count` bytes from user memory at `addr`. A pipe with no reader posts
/// SIGPIPE; a partial transfer reports what was written.
pub fn write(task: &Task, fd: i64, addr: u64, count: u64) -> Result<u64, Error> {
    let file = file(task, fd)?;
    if file.carries_messages() {
        task.process.count_message(true);
    }
    let n = write_file(task, &file, addr, count)?;
    device_times(&file, n, count, true);
    Ok(n)
}

/// [`write`] on the open file, not counted.
fn write_file(task: &Task, file: &OpenFile, addr: u64, count: u64) -> Result<u64, Error> {
    within_size_limit(task, file, None, count)?;
    let len = usize::try_from(count).unwrap_or(usize::MAX);
    if let Some(n) = write_source(task, file, &UserBuffer { task, addr, len }) {
        return n;
    }
    let regular = file.kind() == FileKind::Regular;
    undone_on_failure(file, true, || {
        chunked_write(task, addr, count, regular, |buf, _| {
            let taken = file.write(buf);
            if taken == Err(Error::BrokenPipe) {
                task.process.post(Signal::Pipe);
            }
            taken
        })
    })
}

/// Runs `write`, a write to `file` that may fail part way. A regular file's failed
/// write is undone as 4.x's ffs_write undoes one (IO_UNIT): the file's size as it was
/// (what the write overwrote stays overwritten), and for a write at the descriptor's
/// offset (`at_offset`) the offset too.
fn undone_on_failure(
    file: &OpenFile,
    at_offset: bool,
    write: impl FnOnce() -> Result<u64, Error>,
) -> Result<u64, Error> {
    let Some(node) = file.node().filter(|_| file.kind() == FileKind::Regular) else {
        return write();
    };
    let (size, offset) = (node.size(), file.offset());
    let result = write();
    if result.is_err() {
        if node.size() > size {
            // Only shrinking, of a file the write grew: nothing to refuse.
            let _ = node.truncate(size);
        }
        if at_offset {
            file.set_offset(offset);
        }
    }
    result
}

/// Writes from `from` in one transfer where the object can ([`OpenFile::write_from`]:
/// a pipe, a socket), posting SIGPIPE where it has no reader; None where it cannot.
fn write_source(task: &Task, file: &OpenFile, from: &dyn Source) -> Option<Result<u64, Error>> {
    let n = file.write_from(from)?;
    if n == Err(Error::BrokenPipe) {
        task.process.post(Signal::Pipe);
    }
    Some(n.map(|n| n as u64))
}

/// Moves `count` bytes from user memory at `addr` to `write` (given them and how many
/// went before), a chunk at a time: [`chunked_write_from`] of the one buffer.
fn chunked_write(
    task: &Task,
    addr: u64,
    count: u64,
    regular: bool,
    write: impl FnMut(&[u8], u64) -> Result<usize, Error>,
) -> Result<u64, Error> {
    let len = usize::try_from(count).unwrap_or(usize::MAX);
    chunked_write_from(&UserBuffer { task, addr, len }, regular, write)
}

/// Moves the bytes of `from` to `write` (given them and how many went before), a
/// chunk at a time, until one is taken short; small writes go in one piece, so a pipe
/// keeps them atomic. A signal or having to wait after some data reports the data;
/// a fault in the buffer is EFAULT, any other error the call's (4.x's dofilewrite;
/// the caller undoes what it must, see [`undone_on_failure`]). A write
/// of nothing still asks the object, as 4.x's does (a terminal's background check, a
/// device that takes no writes, a pseudo-terminal's empty record), unless it is a
/// `regular` file's: that changes nothing (ffs_write's loop never runs).
fn chunked_write_from(
    from: &dyn Source,
    regular: bool,
    mut write: impl FnMut(&[u8], u64) -> Result<usize, Error>,
) -> Result<u64, Error> {
    let count = from.len() as u64;
    if count == 0 && !regular {
        return write(&[], 0).map(|n| n as u64);
    }
    let mut done = 0u64;
    let mut buf = vec![0u8; from.len().min(CHUNK)];
    while done < count {
        let n = (count - done).min(buf.len() as u64) as usize;
        if from.copy_out(done as usize, &mut buf[..n]).is_err() {
            return Err(Error::BadAddress);
        }
        match write(&buf[..n], done) {
            Ok(taken) => {
                done += taken as u64;
                if taken < n {
                    break;
                }
            }
            Err(e) if done > 0 && e.ends_transfer_short() => return Ok(done),
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Moves each (address, length) piece with `op` until one comes up short; a signal or
/// having to wait after some data reports the data, any other error (a fault among
/// them) is the call's. Empty pieces are passed over; with nothing in
/// any, `op` is asked for nothing once, as read and write would be.
fn vector(
    task: &Task,
    file: &OpenFile,
    iov: &[(u64, u64)],
    op: fn(&Task, &OpenFile, u64, u64) -> Result<u64, Error>,
) -> Result<u64, Error> {
    if iov.iter().all(|v| v.1 == 0) {
        return op(task, file, iov.first().map_or(0, |v| v.0), 0);
    }
    let mut total = 0u64;
    for &(addr, len) in iov.iter().filter(|v| v.1 != 0) {
        let n = match op(task, file, addr, len) {
            Ok(n) => n,
            Err(e) if total > 0 && e.ends_transfer_short() => return Ok(total),
            Err(e) => return Err(e),
        };
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total)
}

/// readv(2) over (address, length) pairs: one transfer into all the pieces where the
/// object reads straight to user memory (a datagram is one, whatever the pieces) or is
/// a terminal, else stops at the first short read. One message, however many pieces.
pub fn read_vector(task: &Task, fd: i64, iov: &[(u64, u64)]) -> Result<u64, Error> {
    let file = file(task, fd)?;
    let mut pieces = UserPieces::new(task, iov);
    let n = match file.read_to(&mut pieces) {
        Some(n) => n? as u64,
        // A terminal's read is one line (or one VMIN/VTIME read, or one remote
        // record), whatever the pieces: one read, spread over them (bytes that then
        // fault are lost, as ttread's uiomove loses them).
        None if file.terminal().is_some() => {
            let mut buf = vec![0u8; pieces.total().min(CHUNK)];
            let n = file.read(&mut buf)?;
            pieces.copy_in(0, &buf[..n])?;
            n as u64
        }
        None => vector(task, &file, iov, read_file)?,
    };
    count_received(task, &file, n);
    let asked = iov.iter().fold(0u64, |sum, v| sum.saturating_add(v.1));
    device_times(&file, n, asked, false);
    Ok(n)
}

/// writev(2) over (address, length) pairs: one transfer from all the pieces where the
/// object can take one (a datagram, a pipe's atomic write, a terminal's write), else
/// stops at the first short write. One past the file-size limit is refused whole, as
/// one write would be.
pub fn write_vector(task: &Task, fd: i64, iov: &[(u64, u64)]) -> Result<u64, Error> {
    let file = file(task, fd)?;
    if file.carries_messages() {
        task.process.count_message(true);
    }
    if task.process.with_files(|t| t.max_file_size()).is_some() {
        let total = iov.iter().fold(0u64, |sum, v| sum.saturating_add(v.1));
        within_size_limit(task, &file, None, total)?;
    }
    let pieces = UserPieces::new(task, iov);
    if let Some(n) = write_source(task, &file, &pieces) {
        return n;
    }
    let asked = iov.iter().fold(0u64, |sum, v| sum.saturating_add(v.1));
    // A terminal takes the pieces as one write (a remote-mode pseudo-terminal master
    // makes them one record).
    let n = if file.terminal().is_some() {
        chunked_write_from(&pieces, false, |buf, _| file.write(buf))?
    } else {
        undone_on_failure(&file, true, || vector(task, &file, iov, write_file))?
    };
    device_times(&file, n, asked, true);
    Ok(n)
}

/// close(2). The file may be the last reference to a pipe end: it goes outside the
/// table lock; its range locks go with any close.
pub fn close(task: &Task, fd: i64) -> Result<(), Error> {
    let file = file(task, fd)?;
    let fd = fd as usize;
    task.process.with_files(|t| t.close(fd))?;
    task.process.release_range_locks(&file);
    drop(file);
    crate::file::socket::collect_after_close();
    Ok(())
}

/// dup(2) / F_DUPFD: the lowest free descriptor at or above `min`. A `min` past the
/// table is an invalid argument, not a full table.
pub fn dup(task: &Task, fd: i64, min: u64, cloexec: bool) -> Result<u64, Error> {
    let file = file(task, fd)?;
    let min = usize::try_from(min).map_err(|_| Error::InvalidArgument)?;
    let fd = task.process.with_files(|t| {
        if min >= t.limit() {
            return Err(Error::InvalidArgument);
        }
        t.install(file, cloexec, min)
    })?;
    Ok(fd as u64)
}

/// dup2(2): `new` becomes a copy of `old`, closing what `new` had.
pub fn dup_to(task: &Task, old: i64, new: i64, cloexec: bool) -> Result<u64, Error> {
    let old = usize::try_from(old).map_err(|_| Error::BadDescriptor)?;
    let new = usize::try_from(new).map_err(|_| Error::BadDescriptor)?;
    let replaced = task.process.with_files(|t| t.get(new).ok());
    let fd = task
        .process
        .with_files(|t| t.duplicate_to(old, new, cloexec))?;
    if let Some(replaced) = &replaced {
        task.process.release_range_locks(replaced);
    }
    drop(replaced);
    crate::file::socket::collect_after_close();
    Ok(fd as u64)
}

/// pipe(2): the read and write descriptors. Writes of at most `pipe_buf` bytes (the
/// calling ABI's PIPE_BUF) are atomic.
pub fn pipe(
    task: &Task,
    nonblock: bool,
    cloexec: bool,
    pipe_buf: usize,
) -> Result<(u64, u64), Error> {
    let (read_end, write_end) = pipe::with_atomic_writes(pipe_buf)?;
    if nonblock {
        let nb = StatusFlags {
            nonblock: true,
            append: false,
            async_io: false,
        };
        read_end.set_status(nb);
        write_end.set_status(nb);
    }
    let (r, w) = task.process.with_files(|t| {
        let r = t.install(read_end, cloexec, 0)?;
        match t.install(write_end, cloexec, 0) {
            Ok(w) => Ok((r, w)),
            Err(e) => {
                let _ = t.close(r);
                Err(e)
            }
        }
    })?;
    Ok((r as u64, w as u64))
}

/// Undoes [`pipe`] when the personality could not hand the descriptors over.
pub fn unpipe(task: &Task, fds: (u64, u64)) {
    task.process.with_files(|t| {
        let _ = t.close(fds.0 as usize);
        let _ = t.close(fds.1 as usize);
    });
}

/// What an mmap request maps.
#[derive(Debug, Clone, Copy)]
pub struct MapRequest {
    /// The hint, or the address for `fixed`.
    pub addr: u64,
    pub len: u64,
    pub prot: Protection,
    pub shared: bool,
    /// Replace whatever is mapped at `addr` (MAP_FIXED).
    pub fixed: bool,
    /// With `fixed`: fail with `Exists` if anything is mapped there.
    pub no_replace: bool,
    /// A file (descriptor and page-aligned offset), or anonymous memory.
    pub file: Option<(i64, u64)>,
    /// The lowest address a mapping without `fixed` may take, and the limit above it.
    pub floor: u64,
    pub ceiling: u64,
}

/// Why mmap failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// Bad alignment, length or range (EINVAL).
    Invalid,
    /// No room, or no memory (ENOMEM).
    NoMemory,
    /// `no_replace` and something is mapped (EEXIST).
    Exists,
    /// The descriptor cannot be mapped (ENODEV).
    NotMappable,
    /// The descriptor's access does not allow the mapping (EACCES).
    AccessDenied,
    /// The descriptor is not open (EBADF).
    BadDescriptor,
}

/// The page range [addr, addr + len rounded up) if it is aligned and below `limit`.
pub fn page_range(addr: u64, len: u64, limit: u64) -> Option<(u64, u64)> {
    if !addr.is_multiple_of(PAGE) || len == 0 {
        return None;
    }
    let end = len
        .checked_next_multiple_of(PAGE)
        .and_then(|l| addr.checked_add(l))
        .filter(|&e| e <= limit)?;
    Some((addr, end))
}

/// The file a mapping of descriptor `fd` maps, and whether it is open for writing;
/// None for /dev/zero, whose mappings are anonymous memory (4.x's mmap maps the zero
/// device as MAP_ANON, whatever the descriptor's access).
#[cfg(not(test))]
fn mapped_file(
    task: &Task,
    fd: i64,
    offset: u64,
    req: &MapRequest,
) -> Result<Option<(Arc<crate::vfs::Inode>, bool)>, MapError> {
    // The offset of every page mapped must be a u64 too.
    if !offset.is_multiple_of(PAGE) || offset.checked_add(req.len).is_none() {
        return Err(MapError::Invalid);
    }
    let file = file(task, fd).map_err(|_| MapError::BadDescriptor)?;
    let node = match (file.kind(), file.node()) {
        (FileKind::Regular, Some(node)) => node.clone(),
        (FileKind::Device, Some(node)) if is_zero_device(node) => return Ok(None),
        _ => return Err(MapError::NotMappable),
    };
    if !file.readable || (req.shared && req.prot.write && !file.writable) {
        return Err(MapError::AccessDenied);
    }
    Ok(Some((node, file.writable)))
}

/// Whether `node` is the zero device (4.x's iszerodev: by its number, wherever the
/// node is).
#[cfg(not(test))]
fn is_zero_device(node: &crate::vfs::Inode) -> bool {
    node.kind() == crate::vfs::NodeType::CharDevice
        && node.stat().rdev == crate::vfs::devfs::number::ZERO
}

#[cfg(not(test))]
/// The first free range of `len` bytes at or above `from`, below `ceiling`.
fn first_fit(process: &super::Process, from: u64, len: u64, ceiling: u64) -> Result<u64, MapError> {
    process
        .with_space(|s| s.first_free(from, len, ceiling))
        .flatten()
        .ok_or(MapError::NoMemory)
}

/// The checks mmap(2) makes of a file mapping's descriptor (open, a regular file, its
/// access against the protection asked for), without mapping anything: for an ABI
/// whose mmap of zero bytes succeeds once its arguments pass.
#[cfg(not(test))]
pub fn check_file_mapping(task: &Task, req: &MapRequest) -> Result<(), MapError> {
    match req.file {
        Some((fd, offset)) => mapped_file(task, fd, offset, req).map(|_| ()),
        None => Ok(()),
    }
}

/// mmap(2): anonymous or file mappings, private or shared. A file mapping maps the
/// file's own page-cache frames (materialised now, not on demand), so read/write and
/// the mapping always agree; a private one copies a page on its first write. Pages
/// wholly past the end of the file are reserved: touched, they are the file's if it
/// has grown over them since, and SIGBUS otherwise. Anonymous memory (and /dev/zero,
/// which is mapped as anonymous memory) costs frames only for the pages touched.
/// (Not in host tests: file mappings need page frames.)
#[cfg(not(test))]
pub fn mmap(task: &Task, req: MapRequest) -> Result<u64, MapError> {
    let len = req
        .len
        .checked_next_multiple_of(PAGE)
        .filter(|&l| l != 0)
        .ok_or(MapError::Invalid)?;
    let file = match req.file {
        Some((fd, offset)) => mapped_file(task, fd, offset, &req)?.map(|f| (f, offset)),
        None => None,
    };
    // A file the kernel makes on demand (procfs) has no pages to share: BSD's vm_mmap
    // finds no VM object for it (VOP_GETVOBJECT fails, EINVAL). Only a mapping of
    // something is refused: a zero length returns before that lookup.
    if file.as_ref().is_some_and(|(node, _)| node.0.is_read_only()) {
        return Err(MapError::NotMappable);
    }
    let process = &task.process;
    let start = if req.fixed {
        let (start, end) = page_range(req.addr, len, req.ceiling).ok_or(MapError::Invalid)?;
        let occupied = process
            .with_space(|s| !s.mapped_runs(start, end).is_empty())
            .unwrap_or(false);
        if occupied && req.no_replace {
            return Err(MapError::Exists);
        }
        process.with_space(|s| s.unmap_range(start, end));
        start
    } else {
        let hint = req.addr.next_multiple_of(PAGE).max(req.floor);
        first_fit(process, hint, len, req.ceiling)
            .or_else(|_| first_fit(process, req.floor, len, req.ceiling))?
    };
    let end = start + len;
    let prot = req.prot;
    let mapped = match file {
        // Anonymous memory is promised and mapped page by page as it is touched:
        // private, or one object's pages that every sharer (a fork child too) maps,
        // as 4.x's vm_mmap gives anonymous memory an OBJT_DEFAULT object.
        None if !req.shared => process.with_space(|s| s.reserve_zeroed(start, end, prot)),
        None => process.with_space(|s| s.reserve_shared_zeroed(start, end, prot)),
        Some(((node, writable), offset)) => {
            let frames = node
                .share_frames(offset / PAGE, len / PAGE)
                .map_err(|_| MapError::NoMemory)?;
            let mut frames = frames.into_iter();
            let view = crate::mm::uspace::FileView {
                file: node.clone(),
                shared: req.shared,
                may_write: writable,
            };
            let result = process.with_space(|s| {
                s.note_file(start, end, view.clone(), offset / PAGE * PAGE)?;
                let mut virt = start;
                while virt < end {
                    // The pages past the file's end: reserved as one range.
                    let Some(phys) = frames.next() else {
                        let index = (offset + (virt - start)) / PAGE;
                        return s.reserve_beyond(virt, end, prot, view, index);
                    };
                    s.map_frame(virt, phys, prot, req.shared, writable)?;
                    virt += PAGE;
                }
                Ok(())
            });
            // Frames not mapped (after a failure, or with no address space) go back.
            frames.for_each(frame::release);
            result
        }
    };
    match mapped {
        Some(Ok(())) => Ok(start),
        Some(Err(_)) | None => {
            process.with_space(|s| s.unmap_range(start, end));
            Err(MapError::NoMemory)
        }
    }
}

/// munmap(2) of a page-aligned range below `limit`.
pub fn munmap(task: &Task, addr: u64, len: u64, limit: u64) -> Result<(), MapError> {
    let (start, end) = page_range(addr, len, limit).ok_or(MapError::Invalid)?;
    task.process.with_space(|s| s.unmap_range(start, end));
    Ok(())
}

/// Whether every page of [start, end) is mapped.
pub fn all_mapped(task: &Task, start: u64, end: u64) -> bool {
    task.process
        .with_space(|s| start >= end || s.mapped_runs(start, end) == [(start, end)])
        .unwrap_or(false)
}

/// Changes the protection of the mapped pages of the page-aligned range [start, end)
/// and leaves its holes alone, as BSD's `vm_map_protect` does: a write protection on a
/// mapping that cannot take one is refused (AccessDenied) before any page changes.
pub fn protect_mapped(task: &Task, start: u64, end: u64, prot: Protection) -> Result<(), MapError> {
    task.process
        .with_space(|s| {
            let runs = s.mapped_runs(start, end);
            if prot.write && !runs.iter().all(|&(a, b)| s.write_allowed(a, b)) {
                return Err(MapError::AccessDenied);
            }
            runs.iter()
                .try_for_each(|&(a, b)| s.protect_range(a, b, prot))
                .map_err(|_| MapError::NoMemory)
        })
        .unwrap_or(Ok(()))
}

/// mincore(2): for each page from the one holding `addr` through `len` bytes on,
/// whether it is in memory (an unmapped page is not); `None` when the range wraps or
/// passes `limit`.
pub fn residency(task: &Task, addr: u64, len: u64, limit: u64) -> Option<Vec<bool>> {
    let start = addr & !(PAGE - 1);
    let end = (addr - start)
        .checked_add(len)?
        .checked_next_multiple_of(PAGE)
        .and_then(|l| start.checked_add(l))
        .filter(|&e| e <= limit)?;
    Some(
        task.process
            .with_space(|s| {
                (start..end)
                    .step_by(PAGE as usize)
                    .map(|p| s.resident(p))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// mprotect(2): every page must be mapped (ENOMEM otherwise); write access to a shared
/// file mapping needs a writable descriptor (EACCES).
pub fn mprotect(
    task: &Task,
    addr: u64,
    len: u64,
    prot: Protection,
    limit: u64,
) -> Result<(), MapError> {
    let (start, end) = page_range(addr, len, limit).ok_or(MapError::Invalid)?;
    if !all_mapped(task, start, end) {
        return Err(MapError::NoMemory);
    }
    if prot.write && task.process.with_space(|s| s.write_allowed(start, end)) != Some(true) {
        return Err(MapError::AccessDenied);
    }
    match task
        .process
        .with_space(|s| s.protect_range(start, end, prot))
    {
        Some(Ok(())) => Ok(()),
        Some(Err(_)) | None => Err(MapError::NoMemory),
    }
}

/// The user address limit of the task's mode (the user half, or 4 GiB for 32-bit).
pub fn address_limit(task: &Task) -> u64 {
    task.user_limit().min(USER_END)
}

/// Reads `count` (address, length) pairs of `word`-byte fields starting at `addr`: the
/// iovec arrays of readv/writev in either width.
pub fn read_iovec(
    task: &Task,
    addr: u64,
    count: usize,
    word: usize,
) -> Result<Vec<(u64, u64)>, Error> {
    let mut out = Vec::with_capacity(count);
    let mut bytes = vec![0u8; 2 * word];
    for i in 0..count {
        let at = addr
            .checked_add((i * 2 * word) as u64)
            .ok_or(Error::BadAddress)?;
        task.read_bytes(at, &mut bytes)
            .map_err(|_| Error::BadAddress)?;
        let field = |b: &[u8]| {
            let mut v = [0u8; 8];
            v[..word].copy_from_slice(b);
            u64::from_le_bytes(v)
        };
        out.push((field(&bytes[..word]), field(&bytes[word..])));
    }
    Ok(out)
}

/// What fcntl asks of a byte-range lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeCommand {
    /// F_GETLK: the first lock that would block the request, if any.
    Test,
    /// F_SETLK: take or release now, or fail with `WouldBlock`.
    Set,
    /// F_SETLKW: wait for conflicting locks to go (EINTR on a signal).
    SetWait,
}

/// A byte range as fcntl names it: `start` relative to `whence`, `len` bytes (0: to
/// the end of the file, negative: before `start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeRequest {
    /// None: unlock.
    pub kind: Option<LockKind>,
    pub whence: Whence,
    pub start: i64,
    pub len: i64,
}

/// fcntl F_GETLK/F_SETLK/F_SETLKW on descriptor `fd`. For `Test`, the conflicting lock
/// (owner pid, kind and absolute range) or None; for the others, None on success.
pub fn range_lock(
    task: &Task,
    fd: i64,
    cmd: RangeCommand,
    req: RangeRequest,
) -> Result<Option<RangeLock>, Error> {
    let file = file(task, fd)?;
    let node = file.node().ok_or(Error::InvalidArgument)?.clone();
    let base = match req.whence {
        Whence::Start => 0,
        Whence::Current => file.offset(),
        Whence::End => file.ops().size(),
    };
    let (start, end) = lock::range(base, req.start, req.len)?;
    let owner = task.process.pid.0;
    let key = lock::key(&node);
    if cmd == RangeCommand::Test {
        let kind = req.kind.ok_or(Error::InvalidArgument)?;
        let wanted = RangeLock {
            owner,
            kind,
            start,
            end,
        };
        return Ok(lock::test_range(key, wanted));
    }
    match req.kind {
        Some(LockKind::Shared) if !file.readable => return Err(Error::BadDescriptor),
        Some(LockKind::Exclusive) if !file.writable => return Err(Error::BadDescriptor),
        _ => {}
    }
    let process = task.process.clone();
    let wait = cmd == RangeCommand::SetWait;
    lock::set_range(key, owner, req.kind, start, end, wait, || {
        super::signal_pending(&process)
    })?;
    Ok(None)
}

/// flock(2) on descriptor `fd`: `kind` None unlocks; `nonblock` fails with
/// `WouldBlock` instead of waiting.
pub fn flock(task: &Task, fd: i64, kind: Option<LockKind>, nonblock: bool) -> Result<(), Error> {
    let file = file(task, fd)?;
    let node = file.node().ok_or(Error::InvalidArgument)?.clone();
    let process = task.process.clone();
    lock::flock(lock::key(&node), file.id(), kind, nonblock, || {
        super::signal_pending(&process)
    })
}

/// What poll found for one descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// A negative descriptor: skipped.
    Skipped,
    /// Not open (POLLNVAL).
    Invalid,
    /// Its readiness now.
    Ready(Readiness),
}

/// poll(2) over (descriptor, interest) pairs: waits until one is ready, the timeout
/// passes or a signal arrives (`Interrupted`). A descriptor that is not open makes the
/// call return at once, as POSIX says.
pub fn poll(
    task: &Task,
    wanted: &[(i64, Interest)],
    timeout: Timeout,
    message: &'static str,
) -> Result<Vec<PollOutcome>, Error> {
    let files: Vec<Option<Result<Arc<OpenFile>, Error>>> = wanted
        .iter()
        .map(|&(fd, _)| (fd >= 0).then(|| file(task, fd)))
        .collect();
    let bad = files.iter().any(|f| matches!(f, Some(Err(_))));
    let open: Vec<(&OpenFile, Interest)> = files
        .iter()
        .zip(wanted)
        .filter_map(|(f, &(_, interest))| match f {
            Some(Ok(file)) => Some((&**file, interest)),
            _ => None,
        })
        .collect();
    let timeout = if bad { Timeout::Now } else { timeout };
    let process = task.process.clone();
    let mut states =
        file_poll::poll(&open, timeout, || super::signal_pending(&process), message)?.into_iter();
    Ok(files
        .iter()
        .map(|f| match f {
            None => PollOutcome::Skipped,
            Some(Err(_)) => PollOutcome::Invalid,
            Some(Ok(_)) => states
                .next()
                .map_or(PollOutcome::Invalid, PollOutcome::Ready),
        })
        .collect())
}

/// What fstat says of an open file: its node's attributes, or for a file with no node
/// (a pipe, the boot console) a FIFO or character device owned by root.
pub fn stat_file(file: &OpenFile) -> Stat {
    if let Some(node) = file.node() {
        return node.stat();
    }
    let kind = match file.kind() {
        FileKind::PipeRead | FileKind::PipeWrite => NodeType::Fifo,
        FileKind::Socket => NodeType::Socket,
        _ => NodeType::CharDevice,
    };
    let now = Timestamp::now();
    Stat {
        device: 0,
        inode: 0,
        kind,
        mode: 0o600,
        links: 1,
        uid: 0,
        gid: 0,
        rdev: 0,
        size: 0,
        blocks: 0,
        block_size: 4096,
        atime: now,
        mtime: now,
        ctime: now,
        flags: 0,
    }
}

/// pread(2): up to `count` bytes at `offset` into user memory, the file offset unmoved.
pub fn pread(task: &Task, fd: i64, addr: u64, count: u64, offset: u64) -> Result<u64, Error> {
    let file = file(task, fd)?;
    let piece = usize::try_from(count).unwrap_or(usize::MAX).min(CHUNK);
    chunked(
        task,
        addr,
        count,
        piece,
        reads_whole(&file),
        |buf, done| {
            let at = offset.checked_add(done).ok_or(Error::InvalidArgument)?;
            file.read_at(at, buf)
        },
        |_| {},
    )
}

/// pwrite(2): `count` bytes from user memory at `offset`, the file offset unmoved.
pub fn pwrite(task: &Task, fd: i64, addr: u64, count: u64, offset: u64) -> Result<u64, Error> {
    let file = file(task, fd)?;
    within_size_limit(task, &file, Some(offset), count)?;
    let regular = file.kind() == FileKind::Regular;
    undone_on_failure(&file, false, || {
        chunked_write(task, addr, count, regular, |buf, done| {
            let at = offset.checked_add(done).ok_or(Error::InvalidArgument)?;
            file.write_at(at, buf)
        })
    })
}

/// ftruncate(2): a regular file open for writing.
pub fn ftruncate(task: &Task, fd: i64, size: u64) -> Result<(), Error> {
    let file = file(task, fd)?;
    if !file.writable {
        return Err(Error::InvalidArgument);
    }
    match (file.kind(), file.node()) {
        (FileKind::Regular, Some(node)) => {
            crate::vfs::check_attributes_changeable(node)?;
            node.truncate(size)
        }
        _ => Err(Error::InvalidArgument),
    }
}

/// Applies one of the id-change rules of [`super::creds`] to the caller's credentials.
fn change_ids(
    task: &Task,
    change: impl FnOnce(&mut crate::vfs::Credentials) -> Result<(), Error>,
) -> Result<(), Error> {
    task.process.with_fs(|ctx| change(&mut ctx.creds))
}

/// setuid(2): root sets the real, effective and saved ids; others may only set the
/// effective id to the real or saved one.
pub fn set_uid(task: &Task, uid: u32) -> Result<(), Error> {
    change_ids(task, |c| c.set_id(IdKind::User, uid))
}

/// setgid(2), as [`set_uid`] for the group ids.
pub fn set_gid(task: &Task, gid: u32) -> Result<(), Error> {
    change_ids(task, |c| c.set_id(IdKind::Group, gid))
}

/// seteuid(2)/setegid(2): the effective id, to the real or saved one unless root.
pub fn set_effective_id(task: &Task, kind: IdKind, id: u32) -> Result<(), Error> {
    change_ids(task, |c| c.set_effective_id(kind, id))
}

/// setreuid(2)/setregid(2); `None` keeps an id.
pub fn set_real_effective_ids(
    task: &Task,
    kind: IdKind,
    real: Option<u32>,
    effective: Option<u32>,
) -> Result<(), Error> {
    change_ids(task, |c| c.set_real_effective_ids(kind, real, effective))
}

/// setresuid(2)/setresgid(2); `None` keeps an id.
pub fn set_all_ids(
    task: &Task,
    kind: IdKind,
    real: Option<u32>,
    effective: Option<u32>,
    saved: Option<u32>,
) -> Result<(), Error> {
    change_ids(task, |c| c.set_all_ids(kind, real, effective, saved))
}

/// Why a process-group call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupError {
    /// No such process, or not the caller or one of its children (ESRCH).
    NoSuchProcess,
    /// In another session, or a session leader, or a group not in the session (EPERM).
    NotPermitted,
    /// A child that has exec'd since it was forked (EACCES).
    ChildExeced,
}

/// The process `pid` names for getpgid/getsid/setpgid: the caller for 0.
pub fn target_process(task: &Task, pid: u32) -> Result<Arc<super::Process>, GroupError> {
    if pid == 0 {
        return Ok(task.process.clone());
    }
    super::find(super::Pid(pid)).ok_or(GroupError::NoSuchProcess)
}

/// setpgid(2): `pid` (0: the caller) joins or starts group `pgid` (0: its own pid);
/// only the caller or its children that have not exec'd, within the caller's session,
/// never a session leader; a group other than its own pid must exist in the session
/// (a member not yet reaped counts).
pub fn set_pgid(task: &Task, pid: u32, pgid: u32) -> Result<(), GroupError> {
    let p = target_process(task, pid)?;
    if p.pid != task.process.pid {
        if p.parent() != task.process.pid {
            return Err(GroupError::NoSuchProcess);
        }
        if super::has_execed(&p) {
            return Err(GroupError::ChildExeced);
        }
    }
    let sid = task.process.sid();
    if p.sid() != sid || p.pid == p.sid() {
        return Err(GroupError::NotPermitted);
    }
    let pgid = if pgid == 0 { p.pid } else { super::Pid(pgid) };
    // A group lasts until its last member is reaped: a pipeline's later process joins
    // the group of its first even when that one has exited (BSD's pgfind).
    if pgid != p.pid
        && !super::all()
            .iter()
            .any(|q| q.pgid() == pgid && q.sid() == sid)
    {
        return Err(GroupError::NotPermitted);
    }
    super::set_pgid(&p, pgid);
    Ok(())
}

/// setsid(2): a process that leads no group starts a session; the new session id.
pub fn set_sid(task: &Task) -> Result<u32, GroupError> {
    if task.process.pgid() == task.process.pid {
        return Err(GroupError::NotPermitted);
    }
    Ok(super::set_sid(&task.process).0)
}

/// kill(2) by the traditional pid encoding: > 0 a process, 0 the caller's group, -1
/// every process but init and the caller, < -1 the group -pid. `None` only checks.
pub fn kill(task: &Task, pid: i32, signal: Option<Signal>) -> Result<(), GroupError> {
    use super::{KillTarget, Pid};
    let target = match pid {
        p if p > 0 => {
            let target = super::find(Pid(p.unsigned_abs()))
                .filter(|p| !p.has_exited())
                .ok_or(GroupError::NoSuchProcess)?;
            if !super::may_signal(&task.process, &target, signal) {
                return Err(GroupError::NotPermitted);
            }
            if let Some(s) = signal {
                target.post_from(s, super::sent_by(&task.process));
            }
            return Ok(());
        }
        0 => KillTarget::Group(task.process.pgid()),
        -1 => KillTarget::All {
            sender: task.process.pid,
        },
        g => KillTarget::Group(Pid(g.unsigned_abs())),
    };
    super::kill_many_from(Some(&task.process), target, signal).map_err(|e| match e {
        super::KillError::NoSuchProcess => GroupError::NoSuchProcess,
        super::KillError::NotPermitted => GroupError::NotPermitted,
    })?;
    Ok(())
}

/// sigsuspend: waits with `mask` blocked (KILL and STOP never are) until a signal is
/// delivered. The handler's frame restores the mask from before the call; the call
/// itself always ends interrupted (the caller returns its ABI's EINTR).
pub fn suspend_with_mask(task: &Task, mut mask: super::SignalSet) {
    mask.remove(Signal::Kill);
    mask.remove(Signal::Stop);
    let old = task.process.blocked();
    task.process.set_blocked(mask);
    super::pause_until_signal(&task.process);
    task.process.restore_mask_after_handler(old);
}

/// Whose nice value getpriority and setpriority mean; 0 names the caller's own
/// process, group or effective user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityTarget {
    Process(u32),
    Group(u32),
    User(u32),
}

/// Why a priority call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityError {
    /// Nothing matched (ESRCH).
    NoSuchProcess,
    /// Another user's process (EPERM).
    NotPermitted,
    /// Only root may lower a nice value (EACCES).
    AccessDenied,
}

/// The live processes `target` names, of those the caller sees (4.x kern_resource.c
/// `getpriority`/`setpriority` pass over what PRISON_CHECK hides: ESRCH if that is
/// all).
fn priority_targets(task: &Task, target: PriorityTarget) -> Vec<Arc<super::Process>> {
    let me = &task.process;
    let mut found = priority_named(task, target);
    found.retain(|p| super::prison::sees(me, p));
    found
}

fn priority_named(task: &Task, target: PriorityTarget) -> Vec<Arc<super::Process>> {
    let me = &task.process;
    match target {
        PriorityTarget::Process(pid) => {
            let p = if pid == 0 {
                Some(me.clone())
            } else {
                super::find(super::Pid(pid)).filter(|p| !p.has_exited())
            };
            p.into_iter().collect()
        }
        PriorityTarget::Group(g) => {
            let pgid = if g == 0 { me.pgid() } else { super::Pid(g) };
            super::live()
                .into_iter()
                .filter(|p| p.pgid() == pgid)
                .collect()
        }
        PriorityTarget::User(u) => {
            let uid = if u == 0 { me.fs().creds.euid } else { u };
            super::live()
                .into_iter()
                .filter(|p| p.fs().creds.euid == uid)
                .collect()
        }
    }
}

/// getpriority(2): the lowest nice value among the processes `target` names.
pub fn get_priority(task: &Task, target: PriorityTarget) -> Result<i32, PriorityError> {
    priority_targets(task, target)
        .iter()
        .map(|p| super::nice(p))
        .min()
        .ok_or(PriorityError::NoSuchProcess)
}

/// setpriority(2): sets the nice value of every process `target` names, clamped to
/// the range; as BSD's donice, a process that is not root may change only those
/// whose effective user is its real or effective one, and may not lower a value
/// (4.x asks plain `suser` there: a jailed root may not either). The last failure is
/// the result, unless nothing matched.
pub fn set_priority(task: &Task, target: PriorityTarget, nice: i32) -> Result<(), PriorityError> {
    let targets = priority_targets(task, target);
    if targets.is_empty() {
        return Err(PriorityError::NoSuchProcess);
    }
    let me = task.process.fs().creds;
    let nice = nice.clamp(super::NICE_MIN, super::NICE_MAX);
    let mut result = Ok(());
    for p in targets {
        let theirs = p.fs().creds.euid;
        if me.uid != 0 && me.euid != 0 && me.euid != theirs && me.uid != theirs {
            result = Err(PriorityError::NotPermitted);
        } else if nice < super::nice(&p) && !me.is_host_root() {
            result = Err(PriorityError::AccessDenied);
        } else {
            super::set_nice(&p, nice);
        }
    }
    result
}
