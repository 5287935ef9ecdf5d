//! Open files and descriptor tables, in ABI-neutral terms: what a descriptor names is an
//! [`OpenFile`] (shared by dup and fork, with its flags), whose operations come from a
//! [`FileOps`] object (the console, a pipe end; files of the VFS later).

pub mod kqueue;
pub mod owner;
pub mod pipe;
pub mod poll;
pub mod socket;

use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

pub use crate::error::Error as FileError;
use crate::error::Result;
use crate::vfs::Inode;

/// What kind of object a descriptor names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Console,
    PipeRead,
    PipeWrite,
    Regular,
    Directory,
    Device,
    Socket,
    /// An event queue ([`kqueue`]).
    EventQueue,
}

/// What a file is ready for now (poll and select).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    /// A read would not block.
    pub read: bool,
    /// A write would not block.
    pub write: bool,
    /// The other side is gone (a pipe without writers).
    pub hangup: bool,
    /// Out-of-band data waits, or reads have reached its mark (a TCP socket's urgent
    /// data: BSD's so_oobmark and SS_RCVATMARK, select's exceptional condition).
    pub urgent: bool,
}

/// Bytes a write takes: a kernel slice, or a user buffer reached only through
/// fallible copies, so it is copied out piece by piece.
pub trait Source {
    /// Bytes in all.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `into` with the bytes from `offset` on (`BadAddress` where they cannot be
    /// read).
    fn copy_out(&self, offset: usize, into: &mut [u8]) -> Result<()>;
}

/// Where a read puts its bytes: a kernel slice, or a user buffer (as [`Source`]).
pub trait Sink {
    /// Room in all.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Puts `bytes` at `offset` (`BadAddress` where they cannot be written).
    fn copy_in(&mut self, offset: usize, bytes: &[u8]) -> Result<()>;
}

impl Source for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }
    fn copy_out(&self, offset: usize, into: &mut [u8]) -> Result<()> {
        let end = offset
            .checked_add(into.len())
            .ok_or(FileError::BadAddress)?;
        into.copy_from_slice(self.get(offset..end).ok_or(FileError::BadAddress)?);
        Ok(())
    }
}

impl Sink for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }
    fn copy_in(&mut self, offset: usize, bytes: &[u8]) -> Result<()> {
        let end = offset
            .checked_add(bytes.len())
            .ok_or(FileError::BadAddress)?;
        self.get_mut(offset..end)
            .ok_or(FileError::BadAddress)?
            .copy_from_slice(bytes);
        Ok(())
    }
}

/// The operations of one kind of open object.
pub trait FileOps: Send + Sync + Debug {
    fn kind(&self) -> FileKind;
    /// Reads into `buf`, blocking unless `nonblock`; 0 is end of file.
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize>;
    /// The most one read can return, where that is less than any request (a pipe's
    /// capacity): read(2) sizes its kernel buffer by it instead of by the request.
    fn read_limit(&self) -> Option<usize> {
        None
    }
    /// Writes from `buf`, blocking unless `nonblock`; returns how much was taken.
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize>;
    /// Reads straight into `to` (a user buffer), for objects that can without a kernel
    /// buffer between (a pipe): one copy instead of two. `None`: use `read`.
    fn read_to(&self, _to: &mut dyn Sink, _nonblock: bool) -> Option<Result<usize>> {
        None
    }
    /// Writes straight from `from`, as `read_to` reads. `None`: use `write`.
    fn write_from(&self, _from: &dyn Source, _nonblock: bool) -> Option<Result<usize>> {
        None
    }
    /// Whether the file has a position (regular files, directories): then reads and
    /// writes go through `read_at`/`write_at` at the open file's offset.
    fn seekable(&self) -> bool {
        false
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        self.read(buf, nonblock)
    }
    fn write_at(&self, _offset: u64, buf: &[u8], nonblock: bool) -> Result<usize> {
        self.write(buf, nonblock)
    }
    /// The end of the file, for appending and seeking from the end.
    fn size(&self) -> u64 {
        0
    }
    /// What the file is ready for now.
    fn poll(&self) -> Readiness {
        Readiness {
            read: true,
            write: true,
            hangup: false,
            urgent: false,
        }
    }
    /// Queues to wait on for a change of readiness (poll and select register on them).
    fn wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        None
    }
    /// The terminal this object is, if it is one (for the terminal control calls).
    fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        None
    }
    /// A second queue whose wake-ups change readiness (a connected socket's two
    /// directions each have one).
    fn other_wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        None
    }
    /// The pseudo-terminal whose master this is, by index (its own control requests:
    /// packet mode).
    fn pty_master(&self) -> Option<usize> {
        None
    }
    /// The socket this object is, if it is one (for the socket calls).
    fn socket(&self) -> Option<&socket::Socket> {
        None
    }
    /// Whom the object's asynchronous signals go to, if it sends any (F_SETOWN).
    fn signal_owner(&self) -> Option<&owner::SignalOwner> {
        None
    }
    /// Asks for SIGIO to the owner when the object becomes readable or writable, or
    /// stops it (BSD's FIOASYNC); false when the object has no signal-driven I/O.
    fn set_async_io(&self, _on: bool) -> bool {
        false
    }
    /// A FIFO's end (its ioctls are a socket's in BSD).
    fn fifo(&self) -> bool {
        false
    }
    /// Bytes a read would find queued, where the object counts them (event queues
    /// report it).
    fn readable_bytes(&self) -> Option<u64> {
        None
    }
    /// Bytes a write would find room for, where the object counts them.
    fn writable_bytes(&self) -> Option<u64> {
        None
    }
    /// The event queue this object is, if it is one.
    fn event_queue(&self) -> Option<&kqueue::EventQueue> {
        None
    }
    /// The pipe this object is an end of, and whether the reading one.
    fn pipe(&self) -> Option<(&Arc<pipe::Pipe>, bool)> {
        None
    }
    /// The object as its personality made it (a personality's own special files, for
    /// its own requests on them: ioctls).
    fn personality_object(&self) -> Option<&(dyn core::any::Any + Send + Sync)> {
        None
    }
    /// Whether the object is a device instance cut off by a revocation
    /// ([`crate::vfs::revoke_device`]): then it is no terminal and reads, writes and
    /// poll answer as a dead device.
    fn revoked(&self) -> bool {
        false
    }
}

/// Open files that may exist in the whole system at once (ENFILE past it).
pub const MAX_OPEN_FILES: usize = 8192;
static OPEN_FILES: AtomicUsize = AtomicUsize::new(0);
static NEXT_OPEN_FILE_ID: AtomicU64 = AtomicU64::new(1);

/// Open files in the system now.
pub fn open_file_count() -> usize {
    OPEN_FILES.load(Ordering::Relaxed)
}

/// Status flags of an open file (shared by every descriptor naming it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusFlags {
    pub nonblock: bool,
    pub append: bool,
    /// Signal-driven I/O was asked for (BSD's FASYNC): kept for F_GETFL; the object
    /// acts on it (a socket's SIGIO).
    pub async_io: bool,
}

/// Where a seek counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    Start,
    Current,
    End,
}

/// An open file: the object, the node it was opened from, how it was opened, its
/// status flags and its offset (all shared by every descriptor naming it).
#[derive(Debug)]
pub struct OpenFile {
    ops: Arc<dyn FileOps>,
    node: Option<Arc<Inode>>,
    pub readable: bool,
    pub writable: bool,
    status: Mutex<StatusFlags>,
    offset: Mutex<u64>,
    /// Never reused: names the open file as the owner of its flock lock.
    id: u64,
    /// Its transfers are BSD's socket messages (see [`OpenFile::carries_messages`]),
    /// decided once: read and write ask on every call.
    messages: bool,
}

impl OpenFile {
    /// A new open file, counted against the system's limit.
    pub fn new(ops: Arc<dyn FileOps>, readable: bool, writable: bool) -> Result<Arc<Self>> {
        Self::with_node(ops, None, readable, writable)
    }

    /// A new open file of a VFS node.
    pub fn with_node(
        ops: Arc<dyn FileOps>,
        node: Option<Arc<Inode>>,
        readable: bool,
        writable: bool,
    ) -> Result<Arc<Self>> {
        let taken = OPEN_FILES.fetch_add(1, Ordering::Relaxed);
        if taken >= MAX_OPEN_FILES || crate::mm::heap::under_pressure() {
            OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
            return Err(FileError::TooManyOpenSystem);
        }
        let messages = ops.socket().is_some() || ops.fifo();
        if let Some(n) = node.as_ref().filter(|_| writable) {
            n.count_writer(true);
        }
        Ok(Arc::new(OpenFile {
            ops,
            node,
            readable,
            writable,
            status: Mutex::new(StatusFlags::default()),
            offset: Mutex::new(0),
            id: NEXT_OPEN_FILE_ID.fetch_add(1, Ordering::Relaxed),
            messages,
        }))
    }

    /// Whether transfers on the file are BSD's socket messages, counted in getrusage
    /// (ru_msgsnd, ru_msgrcv): a socket's, or a FIFO's (4.x's FIFOs are a pair of
    /// sockets).
    pub fn carries_messages(&self) -> bool {
        self.messages
    }

    pub fn kind(&self) -> FileKind {
        self.ops.kind()
    }

    /// The node this file was opened from (None for pipes and the boot console).
    pub fn node(&self) -> Option<&Arc<Inode>> {
        self.node.as_ref()
    }

    /// The open file's identity (the owner of its whole-file lock).
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn ops(&self) -> &Arc<dyn FileOps> {
        &self.ops
    }

    /// The terminal behind this file, if it is one.
    pub fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        self.ops.terminal()
    }

    pub fn status(&self) -> StatusFlags {
        *self.status.lock()
    }

    pub fn set_status(&self, flags: StatusFlags) {
        *self.status.lock() = flags;
    }

    /// The most one read of this file can return (see [`FileOps::read_limit`]).
    pub fn read_limit(&self) -> Option<usize> {
        self.ops.read_limit()
    }

    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if !self.readable {
            return Err(FileError::BadDescriptor);
        }
        let nonblock = self.status().nonblock;
        if !self.ops.seekable() {
            return self.ops.read(buf, nonblock);
        }
        let mut offset = self.offset.lock();
        let n = self.ops.read_at(*offset, buf, nonblock)?;
        *offset += n as u64;
        Ok(n)
    }

    /// Reads straight into `to`, where the object can (see [`FileOps::read_to`]).
    pub fn read_to(&self, to: &mut dyn Sink) -> Option<Result<usize>> {
        if !self.readable {
            return Some(Err(FileError::BadDescriptor));
        }
        if self.ops.seekable() {
            return None;
        }
        self.ops.read_to(to, self.status().nonblock)
    }

    /// Writes straight from `from`, where the object can (see [`FileOps::write_from`]).
    pub fn write_from(&self, from: &dyn Source) -> Option<Result<usize>> {
        if !self.writable {
            return Some(Err(FileError::BadDescriptor));
        }
        if self.ops.seekable() {
            return None;
        }
        self.ops.write_from(from, self.status().nonblock)
    }

    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        if !self.writable {
            return Err(FileError::BadDescriptor);
        }
        let status = self.status();
        if !self.ops.seekable() {
            return self.ops.write(buf, status.nonblock);
        }
        let mut offset = self.offset.lock();
        if status.append {
            *offset = self.ops.size();
        }
        let n = self.ops.write_at(*offset, buf, status.nonblock)?;
        *offset += n as u64;
        Ok(n)
    }

    /// Reads at `offset` without moving the file's offset (pread).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if !self.readable {
            return Err(FileError::BadDescriptor);
        }
        if !self.ops.seekable() {
            return Err(FileError::NotSeekable);
        }
        self.ops.read_at(offset, buf, self.status().nonblock)
    }

    /// Writes at `offset` without moving the file's offset (pwrite).
    pub fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        if !self.writable {
            return Err(FileError::BadDescriptor);
        }
        if !self.ops.seekable() {
            return Err(FileError::NotSeekable);
        }
        self.ops.write_at(offset, buf, self.status().nonblock)
    }

    /// Whether a write of `len` bytes (at `at`, or where the next write goes) stays
    /// within `limit`: one that would end past it is refused whole, as BSD refuses a
    /// write past RLIMIT_FSIZE (truncation is not limited). Only regular files have one.
    pub fn check_write_end(&self, at: Option<u64>, len: u64, limit: u64) -> Result<()> {
        if self.kind() != FileKind::Regular {
            return Ok(());
        }
        let start = match at {
            Some(offset) => offset,
            None if self.status().append => self.ops.size(),
            None => self.offset(),
        };
        // A negative off_t (see `reposition_wrapping`) is refused first, as UFS
        // checks its own bound before the limit (so no signal comes with it).
        if start > i64::MAX as u64 {
            return Err(FileError::FileTooBig);
        }
        if start.saturating_add(len) > limit {
            return Err(FileError::FileSizeLimit);
        }
        Ok(())
    }

    /// Moves the offset; the result may not be negative.
    pub fn seek(&self, offset: i64, whence: Whence) -> Result<u64> {
        if !self.ops.seekable() {
            return Err(FileError::NotSeekable);
        }
        self.reposition(offset, whence)
    }

    /// [`seek`](Self::seek) for any file, one with no position of its own (a device,
    /// a FIFO, a terminal) too: only the number changes, and reads and writes go on
    /// ignoring it. BSD's lseek does this for every file that is a vnode.
    pub fn reposition(&self, offset: i64, whence: Whence) -> Result<u64> {
        let mut current = self.offset.lock();
        let base = match whence {
            Whence::Start => 0,
            Whence::Current => *current,
            Whence::End => self.ops.size(),
        };
        let new = i128::from(base) + i128::from(offset);
        if new < 0 || new > i128::from(i64::MAX) {
            return Err(FileError::InvalidArgument);
        }
        *current = new as u64;
        Ok(*current)
    }

    /// [`reposition`](Self::reposition) as 4.4BSD's lseek does it, unchecked: the
    /// offset is an `off_t` that may go negative (kept as its two's complement) and
    /// wraps as one. A regular file read or written there says `FileTooBig`, as UFS
    /// says past its largest file.
    pub fn reposition_wrapping(&self, offset: i64, whence: Whence) -> u64 {
        let mut current = self.offset.lock();
        let base = match whence {
            Whence::Start => 0,
            Whence::Current => *current,
            Whence::End => self.ops.size(),
        };
        *current = base.wrapping_add_signed(offset);
        *current
    }

    /// The offset now (a directory's: the cookie where reading resumes).
    pub fn offset(&self) -> u64 {
        *self.offset.lock()
    }

    pub fn set_offset(&self, offset: u64) {
        *self.offset.lock() = offset;
    }

    pub fn poll(&self) -> Readiness {
        self.ops.poll()
    }

    /// The queue woken when this file's readiness changes (None: it never changes).
    pub fn wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        self.ops.wait_queue()
    }

    /// See [`FileOps::other_wait_queue`].
    pub fn other_wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        self.ops.other_wait_queue()
    }

    /// The socket behind this file, if it is one.
    pub fn socket(&self) -> Option<&socket::Socket> {
        self.ops.socket()
    }

    /// See [`FileOps::signal_owner`].
    pub fn signal_owner(&self) -> Option<&owner::SignalOwner> {
        self.ops.signal_owner()
    }

    /// The event queue behind this file, if it is one.
    pub fn event_queue(&self) -> Option<&kqueue::EventQueue> {
        self.ops.event_queue()
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
        if let Some(node) = self.node.as_ref().filter(|_| self.writable) {
            node.count_writer(false);
        }
        // The last descriptor is gone: so is the open file's flock lock.
        if let Some(node) = &self.node {
            crate::vfs::lock::release_open_file(crate::vfs::lock::key(node), self.id);
        }
    }
}

/// The console as a file: the console terminal ([`crate::tty::console`]).
#[derive(Debug)]
pub struct Console;

impl FileOps for Console {
    fn kind(&self) -> FileKind {
        FileKind::Console
    }
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        crate::tty::console().read(buf, nonblock)
    }
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize> {
        crate::tty::console().write(buf, nonblock)
    }
    fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        Some(crate::tty::console())
    }
    fn poll(&self) -> Readiness {
        Readiness {
            read: crate::tty::console().has_input(),
            write: crate::tty::console().writable(),
            hangup: false,
            urgent: false,
        }
    }
    fn wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        Some(crate::tty::console().input_queue())
    }
}

/// Descriptors a process may have open.
pub const MAX_DESCRIPTORS: usize = 256;

#[derive(Clone, Debug)]
struct Slot {
    file: Arc<OpenFile>,
    close_on_exec: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        // A socket may hold the last other references to itself, in flight. The
        // collector runs once the caller has let go of the table and the process's
        // lock ([`socket::collect_after_close`]): what it drops may signal this very
        // process (a peer's SIGIO), which takes that lock.
        if self.file.socket().is_some() {
            socket::descriptor_closed();
        }
    }
}

/// A process's descriptor table.
#[derive(Clone, Debug)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
    /// New descriptors are numbered below this (a personality's descriptor rlimit);
    /// lowering it leaves descriptors already above it open, as BSD does.
    limit: usize,
    /// No write through this table may end past this many bytes of a regular file (a
    /// personality's file-size rlimit); None: no limit. Kept by fork and exec, as the
    /// table is.
    max_file_size: Option<u64>,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable {
            slots: Vec::new(),
            limit: MAX_DESCRIPTORS,
            max_file_size: None,
        }
    }
}

impl FdTable {
    /// The number below which new descriptors are made.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Sets that number, at most [`MAX_DESCRIPTORS`].
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.min(MAX_DESCRIPTORS);
    }

    /// The file-size limit writes meet, if any.
    pub fn max_file_size(&self) -> Option<u64> {
        self.max_file_size
    }

    pub fn set_max_file_size(&mut self, limit: Option<u64>) {
        self.max_file_size = limit;
    }

    /// Descriptors 0, 1 and 2 on the console.
    pub fn with_console() -> Result<Self> {
        let console = FdTable::console()?;
        FdTable::with_stdio([console.clone(), console.clone(), console])
    }

    /// Descriptors 0, 1 and 2 on these files.
    pub fn with_stdio(files: [Arc<OpenFile>; 3]) -> Result<Self> {
        let mut t = FdTable::default();
        for file in files {
            t.install(file, false, 0)?;
        }
        Ok(t)
    }

    /// The console, open for reading and writing (what init's descriptors start on).
    pub fn console() -> Result<Arc<OpenFile>> {
        OpenFile::new(Arc::new(Console), true, true)
    }

    /// Puts `file` in the lowest free slot at or above `min`.
    pub fn install(
        &mut self,
        file: Arc<OpenFile>,
        close_on_exec: bool,
        min: usize,
    ) -> Result<usize> {
        let free = (min..self.limit).find(|&fd| self.slots.get(fd).is_none_or(Option::is_none));
        let fd = free.ok_or(FileError::TooManyOpen)?;
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd] = Some(Slot {
            file,
            close_on_exec,
        });
        Ok(fd)
    }

    /// Every open descriptor and its file, in descriptor order.
    pub fn open_descriptors(&self) -> Vec<(usize, Arc<OpenFile>)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(fd, s)| Some((fd, s.as_ref()?.file.clone())))
            .collect()
    }

    /// The open file behind `fd`.
    pub fn get(&self, fd: usize) -> Result<Arc<OpenFile>> {
        self.slots
            .get(fd)
            .and_then(Option::as_ref)
            .map(|s| s.file.clone())
            .ok_or(FileError::BadDescriptor)
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: usize) -> Result<()> {
        match self.slots.get_mut(fd).and_then(Option::take) {
            Some(_) => Ok(()),
            None => Err(FileError::BadDescriptor),
        }
    }

    /// Makes `new` name what `old` names (closing what `new` named), as dup2/dup3 do.
    pub fn duplicate_to(&mut self, old: usize, new: usize, close_on_exec: bool) -> Result<usize> {
        let file = self.get(old)?;
        if new >= self.limit {
            return Err(FileError::BadDescriptor);
        }
        if self.slots.len() <= new {
            self.slots.resize(new + 1, None);
        }
        self.slots[new] = Some(Slot {
            file,
            close_on_exec,
        });
        Ok(new)
    }

    pub fn close_on_exec(&self, fd: usize) -> Result<bool> {
        self.slots
            .get(fd)
            .and_then(Option::as_ref)
            .map(|s| s.close_on_exec)
            .ok_or(FileError::BadDescriptor)
    }

    pub fn set_close_on_exec(&mut self, fd: usize, on: bool) -> Result<()> {
        match self.slots.get_mut(fd).and_then(Option::as_mut) {
            Some(s) => {
                s.close_on_exec = on;
                Ok(())
            }
            None => Err(FileError::BadDescriptor),
        }
    }

    /// Closes every descriptor marked close-on-exec (exec does this); returns the open
    /// files they named, for the caller to release what the process held on them.
    pub fn close_marked(&mut self) -> Vec<Arc<OpenFile>> {
        let mut closed = Vec::new();
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| s.close_on_exec)
                && let Some(s) = slot.take()
            {
                closed.push(s.file.clone());
            }
        }
        closed
    }

    /// Closes every descriptor (BSD rfork's RFCFDG); returns the open files they
    /// named, for the caller to release what the process held on them.
    pub fn close_all(&mut self) -> Vec<Arc<OpenFile>> {
        self.slots
            .drain(..)
            .flatten()
            .map(|s| s.file.clone())
            .collect()
    }

    /// A table with this one's limits and no descriptors (BSD's fdinit, for RFCFDG).
    pub fn without_descriptors(&self) -> FdTable {
        FdTable {
            slots: Vec::new(),
            ..*self
        }
    }

    /// The table a forked child starts with: this one without its event queues, which
    /// are not inherited (4.x's fdcopy).
    pub fn copy_for_fork(&self) -> FdTable {
        let mut copy = self.clone();
        for slot in &mut copy.slots {
            if slot
                .as_ref()
                .is_some_and(|s| s.file.kind() == FileKind::EventQueue)
            {
                *slot = None;
            }
        }
        copy
    }

    /// Open descriptors.
    pub fn count(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

/// The console as a file (until the terminal's line discipline takes it over).
pub fn console() -> Arc<dyn FileOps> {
    Arc::new(Console)
}

/// The console as /dev/console opens it: what is written goes to the terminal that
/// took the console's output (TIOCCONS, [`crate::tty::console_output_terminal`]), if
/// one did, as 4.x's cnwrite writes to constty; the rest is the console's.
#[derive(Debug)]
pub struct ConsoleDevice;

impl FileOps for ConsoleDevice {
    fn kind(&self) -> FileKind {
        FileKind::Console
    }
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        Console.read(buf, nonblock)
    }
    /// What is written is also kept in the message buffer, as 4.x's cnwrite keeps
    /// it (log_console), for syslogd's console facility.
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize> {
        let written = crate::tty::console_output_terminal().write(buf, nonblock)?;
        crate::klog::log_console(&buf[..written]);
        Ok(written)
    }
    fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        Console.terminal()
    }
    fn poll(&self) -> Readiness {
        Console.poll()
    }
    fn wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        Console.wait_queue()
    }
}
