//! Why a kernel operation failed, in ABI-neutral terms: every personality maps these to
//! its own errno values (each ABI numbers them differently, and some lack a few).

/// A failed file, file-system or descriptor operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A path component does not exist.
    NotFound,
    /// A path component used as a directory is not one.
    NotADirectory,
    /// The operation needs something other than a directory.
    IsADirectory,
    /// The name to create exists already.
    Exists,
    /// The directory to remove or replace has entries.
    NotEmpty,
    /// The two paths are on different file systems.
    CrossDevice,
    /// The permission bits deny it (EACCES).
    AccessDenied,
    /// Only the owner or root may do it (EPERM).
    NotPermitted,
    /// Too many symbolic links met while resolving a path.
    Loop,
    /// A path, or one of its components, is too long.
    NameTooLong,
    /// An argument is out of range or contradicts itself.
    InvalidArgument,
    /// The object is in use (a mount point, the root).
    Busy,
    /// Non-blocking and nothing can be done now.
    WouldBlock,
    /// Writing to a pipe nobody reads: the writer also gets SIGPIPE.
    BrokenPipe,
    /// The descriptor is not open, or not open for this direction.
    BadDescriptor,
    /// The operation does not apply to this kind of file.
    NotSupported,
    /// Seeking on a pipe, FIFO or terminal.
    NotSeekable,
    /// Not a terminal (a terminal control operation on another kind of file).
    NotATerminal,
    /// The device does not exist, or cannot do this (ENXIO).
    NoDevice,
    /// The descriptor table of the process is full.
    TooManyOpen,
    /// The system's table of open files is full.
    TooManyOpenSystem,
    /// Memory or frames ran out.
    OutOfMemory,
    /// The file system has no room for more data or nodes (ENOSPC).
    NoSpace,
    /// The file would grow past what a file may hold.
    FileTooBig,
    /// A write to a regular file would end past the process's file-size limit (BSD's
    /// RLIMIT_FSIZE); a personality may also signal the process for it.
    FileSizeLimit,
    /// A blocking call was interrupted by a signal.
    Interrupted,
    /// A lock request would deadlock.
    Deadlock,
    /// A running program's file opened for writing or truncated, or a file open for
    /// writing run (ETXTBSY).
    TextBusy,
    /// An input/output error (a terminal read from an orphaned background group).
    Io,
    /// The boot archive is malformed.
    InvalidArchive,
    /// A user address the call was given is not mapped, or not for this access (EFAULT).
    BadAddress,
    /// The operation is not supported by this kind of object or socket (EOPNOTSUPP).
    OperationNotSupported,
    /// A socket operation on something that is not a socket.
    NotASocket,
    /// The name to bind a socket to is taken.
    AddressInUse,
    /// Nobody listens at the address, or its queue is full.
    ConnectionRefused,
    /// The peer of a connected socket went away.
    ConnectionReset,
    /// The socket is not connected.
    NotConnected,
    /// The socket is connected already.
    AlreadyConnected,
    /// A datagram without an address on a socket with no peer.
    DestinationRequired,
    /// The two sockets are of different types.
    WrongProtocolType,
    /// A datagram larger than the socket's send buffer.
    MessageTooBig,
    /// The receiver's buffer has no room for the datagram, or memory is short.
    NoBufferSpace,
    /// The address to bind to is not one of this machine's.
    AddressNotAvailable,
    /// No route leads to the address (only the loopback network is reachable).
    NetworkUnreachable,
}

impl Error {
    /// Whether this error, met after a transfer moved some bytes, ends it with the
    /// count moved: only a signal and having to wait (4.x's dofileread and
    /// dofilewrite keep EINTR, ERESTART and EWOULDBLOCK so). Any other, a fault in
    /// the user's buffer among them, is the call's error.
    pub fn ends_transfer_short(self) -> bool {
        matches!(self, Error::WouldBlock | Error::Interrupted)
    }
}

pub type Result<T> = core::result::Result<T, Error>;
