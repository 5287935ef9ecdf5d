//! Opening a path: creating it if asked, checking permissions, and making the open file
//! for what the node is (regular file, directory, FIFO end, device).

use super::node::Body;
use super::{
    Access, Error, Follow, FsContext, Inode, NodeType, Result, check_access, lookup, lookup_parent,
    tmpfs,
};
use crate::file::{FileKind, FileOps, OpenFile, StatusFlags, pipe};
use alloc::sync::Arc;

/// How to open, in neutral terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenFlags {
    pub read: bool,
    pub write: bool,
    pub create: bool,
    pub exclusive: bool,
    pub truncate: bool,
    pub append: bool,
    pub nonblock: bool,
    /// Fail unless the path names a directory.
    pub directory: bool,
    /// Fail if the last component is a symlink.
    pub no_follow: bool,
}

/// Opens `path` (relative to `at`, or the working directory), creating a regular file
/// with `mode` (less the umask) when asked.
pub fn open(
    ctx: &FsContext,
    at: Option<&Arc<Inode>>,
    path: &[u8],
    flags: OpenFlags,
    mode: u32,
) -> Result<Arc<OpenFile>> {
    let follow = if flags.no_follow || (flags.create && flags.exclusive) {
        Follow::No
    } else {
        Follow::Yes
    };
    let node = match lookup(ctx, at, path, follow) {
        Ok(node) if flags.create && flags.exclusive => {
            let _ = node;
            return Err(Error::Exists);
        }
        Ok(node) => node,
        Err(Error::NotFound) if flags.create => create(ctx, at, path, mode)?,
        Err(e) => return Err(e),
    };
    open_node(ctx, &node, flags)
}

/// A new regular file at `path`; if another appeared meanwhile, that one.
fn create(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8], mode: u32) -> Result<Arc<Inode>> {
    let parent = lookup_parent(ctx, at, path)?;
    if parent.trailing_slash {
        return Err(Error::IsADirectory);
    }
    let node = tmpfs::new_node(
        &parent.dir,
        mode & !ctx.umask & 0o7777,
        &ctx.creds,
        tmpfs::Kind::Regular,
    )?;
    super::link_new(ctx, &parent, &node)?;
    Ok(node)
}

/// Opens a node already found.
pub fn open_node(ctx: &FsContext, node: &Arc<Inode>, flags: OpenFlags) -> Result<Arc<OpenFile>> {
    if flags.no_follow && node.symlink_target().is_some() {
        return Err(Error::Loop);
    }
    if flags.directory && !node.is_dir() {
        return Err(Error::NotADirectory);
    }
    if node.is_dir() && (flags.write || flags.truncate) {
        return Err(Error::IsADirectory);
    }
    let want = Access {
        read: flags.read,
        write: flags.write || flags.truncate,
        execute: false,
    };
    check_access(node, &ctx.creds, want)?;
    // A running program's file is not written (BSD's vn_writechk: ETXTBSY).
    if want.write && node.kind() == NodeType::Regular {
        node.check_not_running()?;
    }
    // ufs_open: an append-only file opens for writing only to append, and is not cut.
    let append_only = node.flags() & super::file_flags::APPEND != 0;
    if append_only && (flags.truncate || (flags.write && !flags.append)) {
        return Err(Error::NotPermitted);
    }
    let ops: Arc<dyn FileOps> = match &node.body {
        Body::Regular(_) | Body::Generated(_) => {
            if flags.truncate && flags.write {
                node.truncate(0)?;
            }
            Arc::new(RegularFile(node.clone()))
        }
        Body::Directory(_) => Arc::new(DirectoryFile(node.clone())),
        Body::Symlink(_) | Body::ComputedLink(_) => return Err(Error::Loop),
        Body::Fifo(slot) => {
            if flags.read == flags.write {
                // Both ends at once would deadlock a FIFO open; POSIX leaves it undefined.
                return Err(Error::InvalidArgument);
            }
            let pipe = {
                let mut slot = slot.lock();
                match slot.upgrade() {
                    Some(p) => p,
                    None => {
                        let p = Arc::new(pipe::Pipe::fifo());
                        *slot = Arc::downgrade(&p);
                        p
                    }
                }
            };
            pipe::open_fifo(&pipe, flags.read, flags.nonblock)?
        }
        Body::Special(dev) => dev.open_nonblocking(flags.nonblock)?,
        Body::CharDevice(dev) => match dev.descriptor() {
            Some(fd) => return open_descriptor(fd, flags),
            // Kept so that a revocation of the device can reach it.
            None => super::revoke::track(dev.number(), dev.open_nonblocking(flags.nonblock)?),
        },
        // A socket is reached by connect, not open (4.4BSD's vn_open).
        Body::Socket(_) => return Err(Error::OperationNotSupported),
    };
    let file = OpenFile::with_node(ops, Some(node.clone()), flags.read, flags.write)?;
    file.set_status(StatusFlags {
        nonblock: flags.nonblock,
        append: flags.append,
        async_io: false,
    });
    Ok(file)
}

/// Opens the caller's descriptor `fd` again (/dev/fd/N): the new descriptor shares its
/// open file, offset and flags included, as 4.4BSD's dupfdopen does, so truncation and
/// the other open flags do not apply. Asking for more access than it has is
/// `AccessDenied`; a closed descriptor `BadDescriptor`.
fn open_descriptor(fd: usize, flags: OpenFlags) -> Result<Arc<OpenFile>> {
    let process = crate::process::current().ok_or(Error::NoDevice)?;
    let file = process.with_files(|t| t.get(fd))?;
    if (flags.read && !file.readable) || (flags.write && !file.writable) {
        return Err(Error::AccessDenied);
    }
    Ok(file)
}

/// An open regular file.
#[derive(Debug)]
struct RegularFile(Arc<Inode>);

impl FileOps for RegularFile {
    fn kind(&self) -> FileKind {
        FileKind::Regular
    }
    fn read(&self, buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        self.0.read_at(0, buf)
    }
    fn write(&self, buf: &[u8], _nonblock: bool) -> Result<usize> {
        self.0.write_at(0, buf)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn read_at(&self, offset: u64, buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        self.0.read_at(offset, buf)
    }
    fn write_at(&self, offset: u64, buf: &[u8], _nonblock: bool) -> Result<usize> {
        self.0.write_at(offset, buf)
    }
    fn size(&self) -> u64 {
        self.0.size()
    }
}

/// An open directory: read with `read_dir`; its offset is the resume cookie.
#[derive(Debug)]
struct DirectoryFile(Arc<Inode>);

impl FileOps for DirectoryFile {
    fn kind(&self) -> FileKind {
        FileKind::Directory
    }
    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Err(Error::IsADirectory)
    }
    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(Error::IsADirectory)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Err(Error::IsADirectory)
    }
    fn write_at(&self, _offset: u64, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(Error::IsADirectory)
    }
    fn size(&self) -> u64 {
        self.0.size()
    }
}

/// Entries of an open directory from its offset on, at most `max`; the offset moves
/// past the ones returned.
pub fn read_dir(
    ctx: &FsContext,
    file: &OpenFile,
    max: usize,
) -> Result<alloc::vec::Vec<super::DirEntry>> {
    let node = file.node().ok_or(Error::NotADirectory)?;
    if file.kind() != FileKind::Directory {
        return Err(Error::NotADirectory);
    }
    let entries = super::read_dir(ctx, node, file.offset(), max)?;
    if let Some(last) = entries.last() {
        file.set_offset(last.next_cookie);
    }
    Ok(entries)
}
