//! Open files and descriptor tables, in ABI-neutral terms: what a descriptor names is an
//! [`OpenFile`] (shared by dup and fork, with its flags), whose operations come from a
//! [`FileOps`] object (the console, a pipe end; files of the VFS later).

pub mod pipe;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Debug;
use spin::Mutex;

/// Why a file operation failed (personalities map these to their errno values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileError {
    /// Non-blocking and nothing can be done now.
    WouldBlock,
    /// Writing to a pipe nobody reads: the writer also gets SIGPIPE.
    BrokenPipe,
    /// The descriptor is not open, or not open for this direction.
    BadDescriptor,
    /// The operation does not apply to this kind of file.
    NotSupported,
    /// The descriptor table is full.
    TooManyOpen,
    /// A signal arrived while the call was blocked (EINTR in most ABIs).
    Interrupted,
    /// An input/output error; also a terminal read or write refused to a background
    /// process that cannot be stopped for it (EIO).
    Io,
}

/// What kind of object a descriptor names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Console,
    PipeRead,
    PipeWrite,
}

/// The operations of one kind of open object.
pub trait FileOps: Send + Sync + Debug {
    fn kind(&self) -> FileKind;
    /// Reads into `buf`, blocking unless `nonblock`; 0 is end of file.
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError>;
    /// Writes from `buf`, blocking unless `nonblock`; returns how much was taken.
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, FileError>;
    /// The terminal this object is, if it is one (for the terminal control calls).
    fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        None
    }
}

/// Status flags of an open file (shared by every descriptor naming it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusFlags {
    pub nonblock: bool,
    pub append: bool,
}

/// An open file: the object, how it was opened, and its status flags.
#[derive(Debug)]
pub struct OpenFile {
    ops: Arc<dyn FileOps>,
    pub readable: bool,
    pub writable: bool,
    status: Mutex<StatusFlags>,
}

impl OpenFile {
    pub fn new(ops: Arc<dyn FileOps>, readable: bool, writable: bool) -> Arc<Self> {
        Arc::new(OpenFile {
            ops,
            readable,
            writable,
            status: Mutex::new(StatusFlags::default()),
        })
    }

    pub fn kind(&self) -> FileKind {
        self.ops.kind()
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

    pub fn read(&self, buf: &mut [u8]) -> Result<usize, FileError> {
        if !self.readable {
            return Err(FileError::BadDescriptor);
        }
        self.ops.read(buf, self.status().nonblock)
    }

    pub fn write(&self, buf: &[u8]) -> Result<usize, FileError> {
        if !self.writable {
            return Err(FileError::BadDescriptor);
        }
        self.ops.write(buf, self.status().nonblock)
    }
}

/// The console as a file: the console terminal ([`crate::tty::console`]).
#[derive(Debug)]
pub struct Console;

impl FileOps for Console {
    fn kind(&self) -> FileKind {
        FileKind::Console
    }
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError> {
        crate::tty::console().read(buf, nonblock)
    }
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, FileError> {
        crate::tty::console().write(buf, nonblock)
    }
    fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        Some(crate::tty::console())
    }
}

/// Descriptors a process may have open.
pub const MAX_DESCRIPTORS: usize = 256;

#[derive(Clone, Debug)]
struct Slot {
    file: Arc<OpenFile>,
    close_on_exec: bool,
}

/// A process's descriptor table.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
}

impl FdTable {
    /// Descriptors 0, 1 and 2 on the console.
    pub fn with_console() -> Self {
        let console = OpenFile::new(Arc::new(Console), true, true);
        let mut t = FdTable::default();
        for _ in 0..3 {
            let _ = t.install(console.clone(), false, 0);
        }
        t
    }

    /// Puts `file` in the lowest free slot at or above `min`.
    pub fn install(
        &mut self,
        file: Arc<OpenFile>,
        close_on_exec: bool,
        min: usize,
    ) -> Result<usize, FileError> {
        let free =
            (min..MAX_DESCRIPTORS).find(|&fd| self.slots.get(fd).is_none_or(Option::is_none));
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

    /// The open file behind `fd`.
    pub fn get(&self, fd: usize) -> Result<Arc<OpenFile>, FileError> {
        self.slots
            .get(fd)
            .and_then(Option::as_ref)
            .map(|s| s.file.clone())
            .ok_or(FileError::BadDescriptor)
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: usize) -> Result<(), FileError> {
        match self.slots.get_mut(fd).and_then(Option::take) {
            Some(_) => Ok(()),
            None => Err(FileError::BadDescriptor),
        }
    }

    /// Makes `new` name what `old` names (closing what `new` named), as dup2/dup3 do.
    pub fn duplicate_to(
        &mut self,
        old: usize,
        new: usize,
        close_on_exec: bool,
    ) -> Result<usize, FileError> {
        let file = self.get(old)?;
        if new >= MAX_DESCRIPTORS {
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

    pub fn close_on_exec(&self, fd: usize) -> Result<bool, FileError> {
        self.slots
            .get(fd)
            .and_then(Option::as_ref)
            .map(|s| s.close_on_exec)
            .ok_or(FileError::BadDescriptor)
    }

    pub fn set_close_on_exec(&mut self, fd: usize, on: bool) -> Result<(), FileError> {
        match self.slots.get_mut(fd).and_then(Option::as_mut) {
            Some(s) => {
                s.close_on_exec = on;
                Ok(())
            }
            None => Err(FileError::BadDescriptor),
        }
    }

    /// Closes every descriptor marked close-on-exec (exec does this).
    pub fn close_marked(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| s.close_on_exec) {
                *slot = None;
            }
        }
    }

    /// Open descriptors.
    pub fn count(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}
