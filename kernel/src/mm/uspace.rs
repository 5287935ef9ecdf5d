//! User address spaces: the lower half of a page-table tree whose upper half is the
//! kernel's, plus the frames it owns.

use super::frame::{self, FRAMES};
use super::kspace::kernel_root;
use alloc::collections::BTreeMap;
use nymph_hal::layout::{PAGE_SIZE, USER_END};
use nymph_hal::paging::{self, MapError, PageFlags, PageTableRoot};

/// Access a user page grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    pub const READ: Protection = Protection {
        write: false,
        execute: false,
    };
    pub const READ_WRITE: Protection = Protection {
        write: true,
        execute: false,
    };
    pub const READ_EXECUTE: Protection = Protection {
        write: false,
        execute: true,
    };

    fn flags(self) -> PageFlags {
        let mut flags = PageFlags::USER_ACCESSIBLE;
        if self.write {
            flags |= PageFlags::WRITABLE;
        }
        if !self.execute {
            flags |= PageFlags::NO_EXECUTE;
        }
        flags
    }
}

/// Why a user memory operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemError {
    OutOfMemory,
    BadAddress,
    AlreadyMapped,
}

impl From<MapError> for MemError {
    fn from(e: MapError) -> Self {
        match e {
            MapError::OutOfFrames => MemError::OutOfMemory,
            MapError::AlreadyMapped { .. } => MemError::AlreadyMapped,
            MapError::HugePageInTheWay { .. } | MapError::Misaligned | MapError::NonCanonical => {
                MemError::BadAddress
            }
        }
    }
}

/// One process's user address space.
#[derive(Debug)]
pub struct AddressSpace {
    root: PageTableRoot,
    /// Every mapped user page and the frame behind it (this space owns the frame).
    pages: BTreeMap<u64, u64>,
}

impl AddressSpace {
    /// An empty user half over the kernel's upper half.
    pub fn new() -> Result<Self, MemError> {
        let root = PageTableRoot::new(&mut *FRAMES.lock())?;
        root.share_kernel_half(&kernel_root());
        Ok(AddressSpace {
            root,
            pages: BTreeMap::new(),
        })
    }

    /// Maps a fresh zeroed page at `virt` (page-aligned, in the user half).
    pub fn map_zeroed(&mut self, virt: u64, prot: Protection) -> Result<(), MemError> {
        if !virt.is_multiple_of(PAGE_SIZE) || virt >= USER_END {
            return Err(MemError::BadAddress);
        }
        if self.pages.contains_key(&virt) {
            return Err(MemError::AlreadyMapped);
        }
        let phys = frame::alloc().ok_or(MemError::OutOfMemory)?;
        paging::zero_frame(phys);
        if let Err(e) = self
            .root
            .map_4k(virt, phys, prot.flags(), &mut *FRAMES.lock())
        {
            frame::free(phys);
            return Err(e.into());
        }
        self.pages.insert(virt, phys);
        Ok(())
    }

    /// Writes `bytes` at `virt` into pages of this space (mapped or not, current or not),
    /// through the frames, regardless of the pages' protection: for the loader.
    pub fn write_bytes(&mut self, virt: u64, bytes: &[u8]) -> Result<(), MemError> {
        let mut done = 0usize;
        while done < bytes.len() {
            let addr = virt.checked_add(done as u64).ok_or(MemError::BadAddress)?;
            let page = addr & !(PAGE_SIZE - 1);
            let offset = (addr - page) as usize;
            let phys = *self.pages.get(&page).ok_or(MemError::BadAddress)?;
            let n = (PAGE_SIZE as usize - offset).min(bytes.len() - done);
            paging::write_frame(phys, offset, &bytes[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Makes this address space the CPU's.
    pub fn activate(&self) {
        if let Err(e) = paging::activate(self.root, &[]) {
            panic!("user address space does not map the kernel: {e:?}");
        }
    }

    /// The page-table root (for diagnostics and tests).
    pub fn root(&self) -> PageTableRoot {
        self.root
    }

    /// Pages mapped.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        if PageTableRoot::current() == self.root {
            kernel_root_activate();
        }
        for (&virt, &phys) in &self.pages {
            self.root.unmap_4k(virt);
            frame::free(phys);
        }
        self.root.free_user_tables(&mut |table| frame::free(table));
        frame::free(self.root.phys());
    }
}

/// Switches back to the kernel's own tables.
pub fn kernel_root_activate() {
    if let Err(e) = paging::activate(kernel_root(), &[]) {
        panic!("kernel page tables unusable: {e:?}");
    }
}
