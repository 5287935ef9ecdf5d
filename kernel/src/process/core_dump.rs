//! What a personality needs to write a core file, in neutral terms (the format is the
//! personality's): the dying process's memory regions, the bytes of its pages in memory,
//! and the file itself, opened as BSD's `coredump()` opens it.
//!
//! Memory stays bounded whatever the process's size: the file is written a page at a
//! time, pages never touched are left as holes (tmpfs keeps holes free), and a dump stops
//! when the kernel heap is down to its reserve.

use super::Process;
use crate::error::Error as FsError;
use crate::file::OpenFile;
pub use crate::mm::uspace::{Backing, Region};
use crate::vfs::{self, Inode, NodeType, OpenFlags};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_hal::layout::PAGE_SIZE;

/// Why a core file could not be made or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreError {
    /// Opening, creating or writing failed (no permission, no space...).
    File(FsError),
    /// The name is not a regular file, or has other links (BSD refuses both).
    Unsuitable,
    /// The kernel heap is down to its reserve.
    NoMemory,
}

impl From<FsError> for CoreError {
    fn from(e: FsError) -> Self {
        CoreError::File(e)
    }
}

/// Mode of a new core file: owner read and write (S_IRUSR | S_IWUSR), umask not applied.
const CORE_MODE: u32 = 0o600;

/// The pages a core dump copies between its chances to let other threads run.
const PAGES_BETWEEN_TURNS: u64 = 64;

/// A core file open for writing; closed when dropped.
#[derive(Debug)]
pub struct CoreFile {
    node: Arc<Inode>,
    /// Holds the file open while the dump runs.
    _open: Arc<OpenFile>,
}

/// Opens `path` (relative to the process's working directory, under its root) for a
/// core dump as BSD's `coredump()` does: with the process's credentials, for writing,
/// created mode 0600 if absent, a final symlink not followed; refused unless it is a
/// regular file with one link; then truncated to nothing.
pub fn create_core_file(process: &Process, path: &[u8]) -> Result<CoreFile, CoreError> {
    let mut ctx = process.fs();
    // vn_open gets S_IRUSR | S_IWUSR itself: the umask is open(2)'s business.
    ctx.umask = 0;
    let flags = OpenFlags {
        write: true,
        create: true,
        no_follow: true,
        ..OpenFlags::default()
    };
    let open = vfs::open(&ctx, None, path, flags, CORE_MODE)?;
    let node = open.node().ok_or(CoreError::Unsuitable)?.clone();
    if node.kind() != NodeType::Regular || node.links() != 1 {
        return Err(CoreError::Unsuitable);
    }
    node.truncate(0)?;
    Ok(CoreFile { node, _open: open })
}

impl CoreFile {
    /// Writes all of `bytes` at `offset`.
    pub fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<(), CoreError> {
        let mut done = 0;
        while done < bytes.len() {
            let n = self.node.write_at(offset + done as u64, &bytes[done..])?;
            if n == 0 {
                return Err(CoreError::File(FsError::NoSpace));
            }
            done += n;
        }
        Ok(())
    }

    /// Writes the process's memory `[start, end)` (page-aligned) at `offset`: each page
    /// in memory is copied, one at a time; pages not in memory (promised, past a file's
    /// end) stay holes, which read as zeros. The file is then at least `offset + (end -
    /// start)` long.
    pub fn write_memory(
        &self,
        process: &Process,
        start: u64,
        end: u64,
        offset: u64,
    ) -> Result<(), CoreError> {
        let mut page = start;
        let mut buf: Option<Box<[u8; PAGE_SIZE as usize]>> = None;
        let mut copied = 0u64;
        while let Some(next) = process.with_space(|s| s.next_resident(page, end)).flatten() {
            if crate::mm::heap::under_pressure() {
                return Err(CoreError::NoMemory);
            }
            // A large process's dump takes long: the machine goes on meanwhile (no lock
            // is held between pages).
            copied += 1;
            if copied.is_multiple_of(PAGES_BETWEEN_TURNS) {
                crate::sched::let_others_run();
            }
            let buf = buf.get_or_insert_with(|| Box::new([0; PAGE_SIZE as usize]));
            // The lock is held for the copy only: the file write may take others.
            if process.with_space(|s| s.read_page(next, buf)) == Some(true) {
                self.write_at(offset + (next - start), &buf[..])?;
            }
            page = next + PAGE_SIZE;
        }
        self.extend_to(offset + (end - start))
    }

    /// Makes the file at least `size` long (the rest reads as zeros).
    pub fn extend_to(&self, size: u64) -> Result<(), CoreError> {
        if self.node.size() < size {
            self.node.truncate(size)?;
        }
        Ok(())
    }

    /// The file's size now.
    pub fn size(&self) -> u64 {
        self.node.size()
    }
}

impl Process {
    /// The first region of the process's memory at or above `from` (see
    /// [`crate::mm::uspace::AddressSpace::next_region`]); None past the last, or once
    /// it has no address space.
    pub fn next_region(&self, from: u64) -> Option<Region> {
        self.with_space(|s| s.next_region(from)).flatten()
    }

    /// The first `most` ranges of the process's memory that map a file (mmap's and
    /// exec's; see [`crate::mm::uspace::AddressSpace::file_ranges`]); none once it has
    /// no address space.
    pub fn file_ranges(&self, most: usize) -> Vec<crate::mm::uspace::FileRange> {
        self.with_space(|s| s.file_ranges(most)).unwrap_or_default()
    }

    /// The first piece of one mapping at or above `from`, with its file (see
    /// [`crate::mm::uspace::AddressSpace::next_mapping`]).
    pub fn next_mapping(
        &self,
        from: u64,
    ) -> Option<(Region, Option<crate::mm::uspace::FileRange>)> {
        self.with_space(|s| s.next_mapping(from)).flatten()
    }

    /// How minherit set fork to treat the page `addr`, and where that setting ends
    /// (see [`crate::mm::uspace::AddressSpace::inheritance_at`]); the default and no
    /// end once it has no address space.
    pub fn inheritance_at(&self, addr: u64) -> (Option<crate::mm::uspace::Inheritance>, u64) {
        self.with_space(|s| s.inheritance_at(addr))
            .unwrap_or((None, u64::MAX))
    }

    /// The file name of the process's image (BSD's p_comm, not shortened).
    pub fn image_name(&self) -> Vec<u8> {
        self.inner.lock().name.to_vec()
    }
}
