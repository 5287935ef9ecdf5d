//! User address spaces: the lower half of a page-table tree whose upper half is the
//! kernel's, the pages mapped in it, and copy-on-write sharing between them after fork.

use super::frame::{self, FRAMES, FrameAllocator};
use super::kspace::kernel_root;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_hal::layout::{PAGE_SIZE, USER_END};
use nymph_hal::ldt::UserLdt;
use nymph_hal::paging::{self, FrameSource, MapError, PageFlags, PageTableRoot};

mod anon;
mod inherit;
mod ranges;
mod regions;
mod wired;
pub use inherit::Inheritance;
pub use regions::{Backing, Region};
pub use wired::{WireError, wired_pages};

/// Access a user page grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    /// Any access at all: a page with none of read, write and execute (PROT_NONE) is
    /// kept, frame and all, but left out of the page tables, so that every access
    /// faults (the kernel's own accesses on the program's behalf too).
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    pub const NONE: Protection = Protection {
        read: false,
        write: false,
        execute: false,
    };
    pub const READ: Protection = Protection {
        read: true,
        write: false,
        execute: false,
    };
    pub const READ_WRITE: Protection = Protection {
        read: true,
        write: true,
        execute: false,
    };
    pub const READ_EXECUTE: Protection = Protection {
        read: true,
        write: false,
        execute: true,
    };
    pub const ALL: Protection = Protection {
        read: true,
        write: true,
        execute: true,
    };

    /// Whether the page is in the page tables at all (x86 cannot map a page
    /// write- or execute-only: either implies read).
    pub fn accessible(self) -> bool {
        self.read || self.write || self.execute
    }

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

/// A file whose pages file mappings share. A mapped page wholly past the file's end
/// is asked of the file again each time it is touched, since the file may have grown
/// since (4.x's vnode pager reads such a page then, or the fault is a SIGBUS).
pub trait MappedFile: Send + Sync {
    /// The frame of the file's page `index`, with one reference on it (`frame::share`)
    /// for the caller; `Ok(None)` while the page lies wholly past the file's end.
    fn share_page(&self, index: u64) -> Result<Option<u64>, MemError>;
    /// The file as the object it is (a vfs node), for those who name it.
    fn as_any(self: Arc<Self>) -> Arc<dyn core::any::Any + Send + Sync>;
}

/// The file a mapping maps, and how.
#[derive(Clone)]
pub struct FileView {
    pub file: Arc<dyn MappedFile>,
    /// A shared mapping (MAP_SHARED), as `Page::shared`.
    pub shared: bool,
    /// Whether the protection may include write, as `Page::may_write`.
    pub may_write: bool,
}

/// A range that maps a file ([`AddressSpace::note_file`]): the file, and the address
/// its byte 0 has in the mapping (wrapping), so that a split keeps each part's offset.
#[derive(Clone)]
struct MappedRange {
    file: Arc<dyn MappedFile>,
    shared: bool,
    origin: u64,
}

/// A range of a space that maps a file, as [`AddressSpace::file_ranges`] tells it.
pub struct FileRange {
    pub start: u64,
    pub end: u64,
    /// The file offset `start` maps.
    pub offset: u64,
    /// The protection of its first page (None if it has none mapped).
    pub prot: Option<Protection>,
    /// MAP_SHARED (else private: written pages are the process's own copies).
    pub shared: bool,
    pub file: Arc<dyn MappedFile>,
}

impl core::fmt::Debug for FileRange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileRange")
            .field("start", &self.start)
            .field("end", &self.end)
            .field("offset", &self.offset)
            .field("prot", &self.prot)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for MappedRange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MappedRange").finish_non_exhaustive()
    }
}

/// A run of a file mapping's pages wholly past the file's end: reserved, with no frame.
#[derive(Clone, Debug)]
struct Beyond {
    prot: Protection,
    view: FileView,
    /// The address the file's first page has in this mapping (wrapping), so that a
    /// page's index in the file stays right however the run is split.
    origin: u64,
}

impl Beyond {
    /// The run whose page at `virt` is the file's page `index`.
    fn new(virt: u64, index: u64, prot: Protection, view: FileView) -> Self {
        let origin = virt.wrapping_sub(index.wrapping_mul(PAGE_SIZE));
        Beyond { prot, view, origin }
    }

    fn index(&self, page: u64) -> u64 {
        page.wrapping_sub(self.origin) / PAGE_SIZE
    }
}

impl core::fmt::Debug for FileView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileView")
            .field("shared", &self.shared)
            .field("may_write", &self.may_write)
            .finish_non_exhaustive()
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

#[derive(Clone, Copy, Debug)]
struct Page {
    phys: u64,
    /// What the program asked for; the hardware mapping may be read-only while the
    /// frame is shared copy-on-write.
    prot: Protection,
    /// A shared mapping (MAP_SHARED): the frame is the same for every sharer (a file's
    /// page-cache page, or anonymous memory shared across fork); it is never copied.
    shared: bool,
    /// Whether the protection may include write (false for a shared mapping of a file
    /// opened read-only).
    may_write: bool,
    /// A page of a file mapping (its frame came from the file's page cache, copied
    /// since if private and written): what a core dump says backs it.
    file: bool,
}

/// One process's user address space.
#[derive(Debug)]
pub struct AddressSpace {
    root: PageTableRoot,
    pages: BTreeMap<u64, Page>,
    /// Pages of a file mapping wholly past the file's end (when it was mapped, or since
    /// a truncation took them out), as page ranges: reserved, with no frame; touching
    /// one maps the file's page if the file has grown over it since, and is a bus
    /// error (SIGBUS) otherwise.
    beyond: ranges::Ranges<Beyond>,
    /// Private anonymous memory promised and not yet touched, as page ranges (start ->
    /// end, protection): the first access maps a zeroed page. Stacks and large
    /// anonymous mappings cost frames only for what is used.
    demand: ranges::Ranges<Protection>,
    /// Shared anonymous memory this space has not touched, as page ranges: the first
    /// access maps the object's page (made then if no sharer has touched it), which
    /// every space sharing the object sees.
    anon: ranges::Ranges<anon::SharedAnon>,
    /// The frames of the user page tables below the root, noted as they are made, so
    /// that teardown frees them without walking every table's 512 entries.
    tables: Vec<u64>,
    /// Its System V shared memory attachments (copied by fork, detached on drop).
    pub(crate) sysv_shm: crate::ipc::shm::Attachments,
    /// Its locked pages (not inherited by fork).
    wired: wired::Wired,
    /// The ranges fork does not copy (minherit).
    inherit: inherit::Ranges,
    /// The ranges that map a file, with the file (BSD's map entries whose object
    /// chain ends at a vnode): mmap's file mappings and exec's segments, whatever
    /// backs their pages now (a private page written since is a copy). Kept with the
    /// mappings: unmapping forgets, fork copies what it copies.
    files: ranges::Ranges<MappedRange>,
    /// The local descriptor table a 32-bit program built for itself (i386_set_ldt);
    /// None while it uses the default one. Part of the memory image: fork copies it,
    /// a vfork child shares it, exec starts without it.
    ldt: Option<UserLdt>,
}

/// The frame allocator as the source of one space's page tables: notes each table it
/// hands out (and hands none out when it could not note it).
struct TableSource<'a> {
    frames: crate::sync::MutexGuard<'a, FrameAllocator>,
    tables: &'a mut Vec<u64>,
}

impl FrameSource for TableSource<'_> {
    fn alloc_frame(&mut self) -> Option<u64> {
        self.tables.try_reserve(1).ok()?;
        let table = self.frames.alloc()?;
        self.tables.push(table);
        Some(table)
    }
}

/// What a page fault in user mode turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultResolution {
    /// A write to a copy-on-write page: it now has its own frame; retry the access.
    Resolved,
    /// A real fault: the program touched memory it may not (a signal for it).
    NotResolved,
    /// An access to a mapped page past the end of the file it maps (SIGBUS).
    BusError,
    /// Resolving needed memory that is not there.
    OutOfMemory,
}

impl AddressSpace {
    /// An empty user half over the kernel's upper half.
    pub fn new() -> Result<Self, MemError> {
        let root = PageTableRoot::new(&mut *FRAMES.lock())?;
        root.share_kernel_half(&kernel_root());
        Ok(AddressSpace {
            root,
            pages: BTreeMap::new(),
            beyond: BTreeMap::new(),
            demand: BTreeMap::new(),
            anon: BTreeMap::new(),
            tables: Vec::new(),
            sysv_shm: Default::default(),
            wired: Default::default(),
            inherit: Default::default(),
            files: BTreeMap::new(),
            ldt: None,
        })
    }

    /// Notes that `[start, end)` (page-aligned) maps `view`'s file from its byte
    /// `offset` on, in place of whatever was noted there. The record is kernel heap:
    /// at the heap's reserve, OutOfMemory (as for a page's).
    pub fn note_file(
        &mut self,
        start: u64,
        end: u64,
        view: FileView,
        offset: u64,
    ) -> Result<(), MemError> {
        if crate::mm::heap::under_pressure() {
            return Err(MemError::OutOfMemory);
        }
        ranges::carve(&mut self.files, start, end, |_, _, _| {});
        if start < end {
            let origin = start.wrapping_sub(offset);
            let range = MappedRange {
                file: view.file,
                shared: view.shared,
                origin,
            };
            self.files.insert(start, (end, range));
        }
        Ok(())
    }

    /// The first `most` ranges that map a file, in address order, each with the
    /// protection of its first page.
    pub fn file_ranges(&self, most: usize) -> Vec<FileRange> {
        self.files
            .iter()
            .take(most)
            .map(|(&start, (end, r))| self.file_range(start, *end, r))
            .collect()
    }

    fn file_range(&self, start: u64, end: u64, r: &MappedRange) -> FileRange {
        FileRange {
            start,
            end,
            offset: start.wrapping_sub(r.origin),
            prot: self.protection(start),
            shared: r.shared,
            file: r.file.clone(),
        }
    }

    /// The first piece of one mapping at or above `from`: [`Self::next_region`]'s
    /// run, cut where a file's range begins or ends (BSD's map has an entry per
    /// mapping: a data segment's file pages apart from its bss), with the file range
    /// it lies in, if any. Two lookups a piece, however many ranges there are.
    pub fn next_mapping(&self, from: u64) -> Option<(Region, Option<FileRange>)> {
        let region = self.next_region(from)?;
        let inside = ranges::at(&self.files, region.start);
        let bound = match &inside {
            Some((_, end, _)) => Some(*end),
            None => self.files.range(region.start..).next().map(|(&s, _)| s),
        };
        let end = bound.filter(|&b| b < region.end).unwrap_or(region.end);
        let file = inside.map(|(s, e, r)| self.file_range(s, e, &r));
        Some((Region { end, ..region }, file))
    }

    /// Maps `virt` to `phys` in the tables, making (and noting) the tables it needs.
    fn map(&mut self, virt: u64, phys: u64, flags: PageFlags) -> Result<(), MapError> {
        let mut source = TableSource {
            frames: FRAMES.lock(),
            tables: &mut self.tables,
        };
        self.root.map_4k(virt, phys, flags, &mut source)
    }

    fn check(virt: u64) -> Result<(), MemError> {
        if !virt.is_multiple_of(PAGE_SIZE) || !(PAGE_SIZE..USER_END).contains(&virt) {
            return Err(MemError::BadAddress);
        }
        Ok(())
    }

    /// The hardware flags for `page`, or `None` to leave it out of the tables
    /// (PROT_NONE). A private page whose frame has other owners is read-only until
    /// written (copy-on-write).
    fn hw_flags(page: &Page) -> Option<PageFlags> {
        if !page.prot.accessible() {
            return None;
        }
        let mut flags = page.prot.flags();
        if !page.shared && frame::is_shared(page.phys) {
            flags.remove(PageFlags::WRITABLE);
        }
        Some(flags)
    }

    /// Records `page` at `virt` and maps it (if accessible). On failure nothing is
    /// recorded and the caller still owns its reference on the frame.
    fn install(&mut self, virt: u64, page: Page) -> Result<(), MemError> {
        Self::check(virt)?;
        if self.pages.contains_key(&virt) || self.is_beyond(virt) {
            return Err(MemError::AlreadyMapped);
        }
        // Each page's record is kernel heap: at the heap's reserve, no more.
        if crate::mm::heap::under_pressure() {
            return Err(MemError::OutOfMemory);
        }
        if let Some(flags) = Self::hw_flags(&page) {
            self.map(virt, page.phys, flags)?;
        }
        self.pages.insert(virt, page);
        Ok(())
    }

    /// Maps a fresh zeroed private page at `virt` (page-aligned, in the user half, not
    /// page 0).
    pub fn map_zeroed(&mut self, virt: u64, prot: Protection) -> Result<(), MemError> {
        Self::check(virt)?;
        if self.pages.contains_key(&virt) || self.is_beyond(virt) {
            return Err(MemError::AlreadyMapped);
        }
        let phys = frame::alloc().ok_or(MemError::OutOfMemory)?;
        paging::zero_frame(phys);
        let page = Page {
            phys,
            prot,
            shared: false,
            may_write: true,
            file: false,
        };
        if let Err(e) = self.install(virt, page) {
            frame::free(phys);
            return Err(e);
        }
        Ok(())
    }

    /// Maps the frame `phys` at `virt`, adopting one reference to it that the caller
    /// took with `frame::share` (on error the reference is dropped). `shared`: a shared
    /// mapping, writes going to the frame itself (`may_write` bounds what mprotect may
    /// grant later); otherwise a private one, copied on the first write. The page counts
    /// as file-backed (the frames mmap maps this way are a file's page cache).
    pub fn map_frame(
        &mut self,
        virt: u64,
        phys: u64,
        prot: Protection,
        shared: bool,
        may_write: bool,
    ) -> Result<(), MemError> {
        let page = Page {
            phys,
            prot,
            shared,
            may_write: may_write || !shared,
            file: true,
        };
        self.install(virt, page)
            .inspect_err(|_| frame::release(phys))
    }

    /// Reserves `[start, end)` (page-aligned) as pages of a mapping of `view`'s file
    /// past its end, `start` being the file's page `first_index`, in one record however
    /// large: accessing one is a bus error while the file does not reach it. Fails if
    /// any page there is mapped or promised already.
    pub fn reserve_beyond(
        &mut self,
        start: u64,
        end: u64,
        prot: Protection,
        view: FileView,
        first_index: u64,
    ) -> Result<(), MemError> {
        self.check_free(start, end)?;
        let beyond = Beyond::new(start, first_index, prot, view);
        self.beyond.insert(start, (end, beyond));
        Ok(())
    }

    /// Takes the pages whose frames are in `frames` (frame -> its page index in `file`)
    /// out of this space: a truncation took those pages from the file. They become
    /// pages past its end, as 4.x's vnode_pager_setsize removes a truncated file's
    /// pages from every mapping: touched again, they are a bus error, or the file's new
    /// page if it has grown back over them. A private page already copied on write is
    /// the program's own and stays.
    pub fn detach_file_frames(&mut self, file: &Arc<dyn MappedFile>, frames: &BTreeMap<u64, u64>) {
        let hit: Vec<(u64, Page, u64)> = self
            .pages
            .iter()
            .filter(|(_, p)| p.file)
            .filter_map(|(&virt, &p)| frames.get(&p.phys).map(|&index| (virt, p, index)))
            .collect();
        for (virt, page, index) in hit {
            self.pages.remove(&virt);
            self.root.unmap_4k(virt);
            frame::release(page.phys);
            let view = FileView {
                file: file.clone(),
                shared: page.shared,
                may_write: page.may_write,
            };
            let beyond = Beyond::new(virt, index, page.prot, view);
            self.beyond.insert(virt, (virt + PAGE_SIZE, beyond));
        }
    }

    /// Whether `page` is a page of a file mapping past the file's end.
    fn is_beyond(&self, page: u64) -> bool {
        ranges::at(&self.beyond, page).is_some()
    }

    /// Checks that `[start, end)` is a page-aligned, non-empty user range with nothing
    /// mapped or promised in it.
    fn check_free(&self, start: u64, end: u64) -> Result<(), MemError> {
        if !start.is_multiple_of(PAGE_SIZE) || !end.is_multiple_of(PAGE_SIZE) || start >= end {
            return Err(MemError::BadAddress);
        }
        Self::check(start)?;
        Self::check(end - PAGE_SIZE)?;
        let busy = self.pages.range(start..end).next().is_some()
            || ranges::overlaps(&self.beyond, start, end)
            || ranges::overlaps(&self.demand, start, end)
            || ranges::overlaps(&self.anon, start, end);
        if busy {
            return Err(MemError::AlreadyMapped);
        }
        Ok(())
    }

    /// Maps zeroed pages over `[start, end)` (rounded out to pages), skipping pages
    /// already mapped; returns how many were added.
    pub fn map_range_zeroed(
        &mut self,
        start: u64,
        end: u64,
        prot: Protection,
    ) -> Result<usize, MemError> {
        let first = start & !(PAGE_SIZE - 1);
        let last = end.checked_add(PAGE_SIZE - 1).ok_or(MemError::BadAddress)? & !(PAGE_SIZE - 1);
        let mut added = 0;
        for virt in (first..last).step_by(PAGE_SIZE as usize) {
            if !self.pages.contains_key(&virt) {
                self.map_zeroed(virt, prot)?;
                added += 1;
            }
        }
        Ok(added)
    }

    /// Removes the mappings in `[start, end)`; returns how many pages were mapped there.
    pub fn unmap_range(&mut self, start: u64, end: u64) -> usize {
        self.wired.forget(start, end);
        inherit::carve(&mut self.inherit, start, end);
        // One entry at a time, allocating nothing: this runs when the heap is at its
        // reserve too (undoing a mapping that ran into it).
        let mut removed = 0;
        while let Some(virt) = self.pages.range(start..end).next().map(|(&v, _)| v) {
            if let Some(page) = self.pages.remove(&virt) {
                self.root.unmap_4k(virt);
                frame::release(page.phys);
            }
            removed += 1;
        }
        let mut reserved = 0;
        ranges::carve(&mut self.beyond, start, end, |s, e, _| {
            reserved += (e - s) / PAGE_SIZE
        });
        ranges::carve(&mut self.demand, start, end, |s, e, _| {
            reserved += (e - s) / PAGE_SIZE
        });
        ranges::carve(&mut self.anon, start, end, |s, e, _| {
            reserved += (e - s) / PAGE_SIZE
        });
        ranges::carve(&mut self.files, start, end, |_, _, _| {});
        removed + reserved as usize
    }

    /// Whether every page mapped in `[start, end)` may be made writable (a shared
    /// mapping of a file opened read-only may not), its pages past the file's end
    /// too: touched once the file has grown, they map the file's own page.
    pub fn write_allowed(&self, start: u64, end: u64) -> bool {
        // The runs are sorted and disjoint, so their ends rise with their starts: the
        // runs overlapping the range are those before `end` whose end is past `start`.
        self.pages.range(start..end).all(|(_, p)| p.may_write)
            && self
                .beyond
                .range(..end)
                .rev()
                .take_while(|(_, (run_end, _))| *run_end > start)
                .all(|(_, (_, b))| b.view.may_write || !b.view.shared)
    }

    /// Changes the protection of the pages mapped in `[start, end)`.
    pub fn protect_range(
        &mut self,
        start: u64,
        end: u64,
        prot: Protection,
    ) -> Result<(), MemError> {
        let root = self.root;
        let mut source = TableSource {
            frames: FRAMES.lock(),
            tables: &mut self.tables,
        };
        for (&virt, page) in self.pages.range_mut(start..end) {
            let was = page.prot.accessible();
            page.prot = prot;
            match (was, Self::hw_flags(page)) {
                (true, Some(flags)) => {
                    root.set_flags_4k(virt, flags);
                }
                (true, None) => {
                    root.unmap_4k(virt);
                }
                (false, Some(flags)) => root.map_4k(virt, page.phys, flags, &mut source)?,
                (false, None) => {}
            }
        }
        drop(source);
        ranges::set(&mut self.demand, start, end, prot);
        ranges::modify(&mut self.anon, start, end, |a| a.with_prot(prot));
        ranges::modify(&mut self.beyond, start, end, |b| Beyond { prot, ..b });
        Ok(())
    }

    /// The mapped parts of the page-aligned `[start, end)` as runs of pages (touched,
    /// promised or past a file's end alike), in order and merged.
    pub fn mapped_runs(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        let mut pieces: Vec<(u64, u64)> = self
            .pages
            .range(start..end)
            .map(|(&virt, _)| (virt, virt + PAGE_SIZE))
            .collect();
        pieces.extend(ranges::within(&self.beyond, start, end));
        pieces.extend(ranges::within(&self.demand, start, end));
        pieces.extend(ranges::within(&self.anon, start, end));
        pieces.sort_unstable();
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (a, b) in pieces {
            match runs.last_mut() {
                Some((_, run_end)) if *run_end >= a => *run_end = (*run_end).max(b),
                _ => runs.push((a, b)),
            }
        }
        runs
    }

    /// The lowest address at or above `from` (page-aligned) with `len` bytes free below
    /// `ceiling`, if there is one: a first fit that steps over each mapped piece in
    /// its way at once, however large (a huge promise is one step, not a step a page).
    pub fn first_free(&self, from: u64, len: u64, ceiling: u64) -> Option<u64> {
        let mut next = from;
        loop {
            let end = next.checked_add(len).filter(|&e| e <= ceiling)?;
            match self.next_region(next) {
                Some(r) if r.start < end => next = r.end,
                _ => return Some(next),
            }
        }
    }

    /// Whether `virt`'s page is in memory now (mapped and touched, not merely
    /// promised): a shared anonymous page is once any of its sharers has touched it,
    /// as 4.x's mincore finds the page in the entry's object.
    pub fn resident(&self, virt: u64) -> bool {
        let page = virt & !(PAGE_SIZE - 1);
        self.pages.contains_key(&page) || self.shared_frame(page).is_some()
    }

    /// Whether `virt`'s page is mapped, and with what protection.
    pub fn protection(&self, virt: u64) -> Option<Protection> {
        let page = virt & !(PAGE_SIZE - 1);
        self.pages
            .get(&page)
            .map(|p| p.prot)
            .or_else(|| ranges::at(&self.beyond, page).map(|(_, _, b)| b.prot))
            .or_else(|| self.promised(page))
    }

    /// The untouched demand range holding `page`: (start, end, protection).
    fn demand_at(&self, page: u64) -> Option<(u64, u64, Protection)> {
        ranges::at(&self.demand, page)
    }

    /// The protection of `page` if it is promised and not yet touched by this space:
    /// private memory, or shared anonymous memory (which another sharer may have made).
    fn promised(&self, page: u64) -> Option<Protection> {
        self.demand_at(page)
            .map(|(_, _, prot)| prot)
            .or_else(|| self.shared_at(page).map(|(_, _, a)| a.prot))
    }

    /// Promises zeroed private memory over `[start, end)` (page-aligned) without
    /// allocating it: each page is mapped on its first access. Fails if any page there
    /// is mapped or promised already.
    pub fn reserve_zeroed(
        &mut self,
        start: u64,
        end: u64,
        prot: Protection,
    ) -> Result<(), MemError> {
        self.check_free(start, end)?;
        self.demand.insert(start, (end, prot));
        Ok(())
    }

    /// Maps the promised page `page` now, with its promised protection: zeroed
    /// private memory, or the shared anonymous object's page.
    fn materialise(&mut self, page: u64) -> Result<(), MemError> {
        if self.shared_at(page).is_some() {
            return self.touch_shared(page);
        }
        let (_, _, prot) = self.demand_at(page).ok_or(MemError::BadAddress)?;
        ranges::carve(&mut self.demand, page, page + PAGE_SIZE, |_, _, _| {});
        self.map_zeroed(page, prot).inspect_err(|_| {
            // Keep the promise if the page could not be made.
            self.demand.insert(page, (page + PAGE_SIZE, prot));
        })
    }

    /// Writes `bytes` at `virt` into pages of this space (mapped or not, current or not),
    /// through the frames, regardless of the pages' protection: for the loader. Pages
    /// shared copy-on-write are copied first.
    pub fn write_bytes(&mut self, virt: u64, bytes: &[u8]) -> Result<(), MemError> {
        let mut done = 0usize;
        while done < bytes.len() {
            let addr = virt.checked_add(done as u64).ok_or(MemError::BadAddress)?;
            let page = addr & !(PAGE_SIZE - 1);
            let offset = (addr - page) as usize;
            let phys = self.private_frame(page)?;
            let n = (PAGE_SIZE as usize - offset).min(bytes.len() - done);
            paging::write_frame(phys, offset, &bytes[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at `virt` for a debugger, through the frames, whatever
    /// the pages' protection: a promised page not touched yet reads as zeros. Fails
    /// where nothing is mapped (or past a mapped file's end).
    pub fn peek(&self, virt: u64, buf: &mut [u8]) -> Result<(), MemError> {
        let mut done = 0usize;
        while done < buf.len() {
            let addr = virt.checked_add(done as u64).ok_or(MemError::BadAddress)?;
            let page = addr & !(PAGE_SIZE - 1);
            let offset = (addr - page) as usize;
            let n = (PAGE_SIZE as usize - offset).min(buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.pages.get(&page) {
                Some(p) => paging::read_frame(p.phys, offset, out),
                None if self.demand_at(page).is_some() => out.fill(0),
                None if self.shared_at(page).is_some() => match self.shared_frame(page) {
                    Some(phys) => paging::read_frame(phys, offset, out),
                    None => out.fill(0),
                },
                None => return Err(MemError::BadAddress),
            }
            done += n;
        }
        Ok(())
    }

    /// Writes `bytes` at `virt` for a debugger (4.x's proc_rwmem forces the write):
    /// read-only private pages such as text are written too, in a copy of their own,
    /// so the file and other sharers keep theirs; a shared mapping only where it is
    /// writable. Every page is checked first: a failure writes nothing.
    pub fn poke(&mut self, virt: u64, bytes: &[u8]) -> Result<(), MemError> {
        let Some(last) = virt.checked_add(bytes.len().max(1) as u64 - 1) else {
            return Err(MemError::BadAddress);
        };
        let mut page = virt & !(PAGE_SIZE - 1);
        while page <= last {
            let ok = match self.pages.get(&page) {
                Some(p) => !p.shared || p.prot.write,
                None => {
                    self.demand_at(page).is_some()
                        || self.shared_at(page).is_some_and(|(_, _, a)| a.prot.write)
                }
            };
            if !ok {
                return Err(MemError::BadAddress);
            }
            page += PAGE_SIZE;
        }
        self.write_bytes(virt, bytes)
    }

    /// The frame behind `page`, made private to this space if it was shared
    /// copy-on-write (a shared mapping's frame is written in place).
    fn private_frame(&mut self, page: u64) -> Result<u64, MemError> {
        if !self.pages.contains_key(&page) && self.promised(page).is_some() {
            self.materialise(page)?;
        }
        let entry = *self.pages.get(&page).ok_or(MemError::BadAddress)?;
        if entry.shared || !frame::is_shared(entry.phys) {
            return Ok(entry.phys);
        }
        let copy = frame::alloc().ok_or(MemError::OutOfMemory)?;
        paging::copy_frame(copy, entry.phys);
        self.root.unmap_4k(page);
        let new = Page {
            phys: copy,
            ..entry
        };
        if let Some(flags) = Self::hw_flags(&new)
            && let Err(e) = self.map(page, copy, flags)
        {
            frame::free(copy);
            // Put the shared frame back as it was (the tables exist, so this holds).
            if let Some(flags) = Self::hw_flags(&entry) {
                let _ = self.map(page, entry.phys, flags);
            }
            return Err(e.into());
        }
        frame::release(entry.phys);
        self.pages.insert(page, new);
        Ok(copy)
    }

    /// Resolves a user page fault if it is a write to a copy-on-write page.
    pub fn handle_fault(&mut self, address: u64, write: bool) -> FaultResolution {
        crate::stats::PAGE_FAULTS.inc();
        let page = address & !(PAGE_SIZE - 1);
        if let Some((_, _, beyond)) = ranges::at(&self.beyond, page) {
            return self.fault_beyond(page, write, beyond);
        }
        let Some(entry) = self.pages.get(&page).copied() else {
            // A promised page (private, or shared anonymous memory this space has
            // not touched): its first touch maps it, if the access is allowed.
            return match self.promised(page) {
                Some(prot) if prot.accessible() && (prot.write || !write) => {
                    match self.materialise(page) {
                        Ok(()) => {
                            crate::stats::ZERO_FILLS.inc();
                            FaultResolution::Resolved
                        }
                        Err(MemError::OutOfMemory) => FaultResolution::OutOfMemory,
                        Err(_) => FaultResolution::NotResolved,
                    }
                }
                _ => FaultResolution::NotResolved,
            };
        };
        if !write || !entry.prot.write || entry.shared {
            return FaultResolution::NotResolved;
        }
        if frame::is_shared(entry.phys) {
            match self.private_frame(page) {
                Ok(_) => {
                    crate::stats::COPY_ON_WRITE_FAULTS.inc();
                    FaultResolution::Resolved
                }
                Err(MemError::OutOfMemory) => FaultResolution::OutOfMemory,
                Err(_) => FaultResolution::NotResolved,
            }
        } else {
            // The last sharer: the frame is ours alone now; make it writable again.
            self.root.set_flags_4k(page, entry.prot.flags());
            FaultResolution::Resolved
        }
    }

    /// A touch of a mapped page past its file's end: an access its protection forbids
    /// is an ordinary fault; otherwise the file's page if the file reaches it now, or a
    /// bus error.
    fn fault_beyond(&mut self, page: u64, write: bool, beyond: Beyond) -> FaultResolution {
        let prot = beyond.prot;
        if !prot.accessible() || (write && !prot.write) {
            return FaultResolution::NotResolved;
        }
        let phys = match beyond.view.file.share_page(beyond.index(page)) {
            Ok(Some(phys)) => phys,
            Ok(None) => return FaultResolution::BusError,
            Err(_) => return FaultResolution::OutOfMemory,
        };
        ranges::carve(&mut self.beyond, page, page + PAGE_SIZE, |_, _, _| {});
        let (shared, may_write) = (beyond.view.shared, beyond.view.may_write);
        match self.map_frame(page, phys, prot, shared, may_write) {
            Ok(()) => FaultResolution::Resolved,
            Err(e) => {
                self.beyond.insert(page, (page + PAGE_SIZE, beyond));
                match e {
                    MemError::OutOfMemory => FaultResolution::OutOfMemory,
                    _ => FaultResolution::NotResolved,
                }
            }
        }
    }

    /// A copy of this space for a forked child: every private page is shared
    /// copy-on-write (read-only in both until one of them writes it); shared mappings
    /// map the same frame in both, writable as before.
    pub fn fork(&mut self) -> Result<AddressSpace, MemError> {
        // minherit's settings: shared ranges get frames of their own first; the child
        // gets nothing of the ranges not inherited.
        let mut none = Vec::new();
        if !self.inherit.is_empty() {
            self.prepare_shared()?;
            self.unshare_copied()?;
            none = self.inherited(Inheritance::None);
        }
        // The child's records are kernel heap, made in one go: a space whose records
        // would take the heap past its reserve is not copied (the fork fails) rather
        // than leave the kernel without heap part way through.
        if !crate::mm::heap::can_spare(self.record_bytes()) {
            return Err(MemError::OutOfMemory);
        }
        let mut child = AddressSpace::new()?;
        // The records are copied whole (a clone builds the trees without a search per
        // page); the child owns one share of each page's frame from here on.
        child.pages = self.pages.clone();
        child.beyond = self.beyond.clone();
        child.demand = self.demand.clone();
        child.anon = self.anon.clone();
        child.files = self.files.clone();
        if !self.inherit.is_empty() {
            child.inherit = self.inherit.clone();
            child.drop_not_inherited(&none);
        }
        for (&virt, page) in &self.pages {
            if !none.is_empty() && inherit::within(&none, virt) {
                continue;
            }
            frame::share(page.phys);
            if !page.prot.accessible() {
                continue;
            }
            // The frame is shared now: a private page is read-only in both spaces.
            let mut flags = page.prot.flags();
            if !page.shared {
                flags.remove(PageFlags::WRITABLE);
            }
            if let Err(e) = child.map(virt, page.phys, flags) {
                // The child gives back the shares taken so far, and only those.
                child.pages.retain(|&v, _| v <= virt);
                return Err(e.into());
            }
            if !page.shared && page.prot.write {
                self.root.set_flags_4k(virt, flags);
            }
        }
        child.sysv_shm = self.sysv_shm.clone();
        if let Some(ldt) = &self.ldt {
            child.ldt = Some(ldt.try_clone().ok_or(MemError::OutOfMemory)?);
        }
        Ok(child)
    }

    /// Makes this address space the CPU's (if it is not already), for the running
    /// thread: it is made current again whenever the thread is switched back in.
    #[inline]
    pub fn activate(&self) {
        if PageTableRoot::current() != self.root {
            self.switch_to();
        }
    }

    #[inline(never)]
    fn switch_to(&self) {
        self.load_ldt();
        if let Err(e) = paging::activate(self.root, &[]) {
            panic!("user address space does not map the kernel: {e:?}");
        }
        crate::sched::note_address_space(Some(self.root));
    }

    /// Records this space as the running thread's if it is current already. A new
    /// thread starts on the tables its predecessor left, and `activate` records nothing
    /// for tables already current: a vfork child, whose tables are its parent's, would
    /// come back from its first sleep on the kernel's tables and fault on every copy to
    /// or from its memory (EFAULT). Called once, as a process's thread starts.
    pub fn record_if_current(&self) {
        if PageTableRoot::current() == self.root {
            crate::sched::note_address_space(Some(self.root));
        }
    }

    /// An upper bound on the heap this space's records take (B-tree nodes are at
    /// least about half full, and carry a header and edges beside their entries).
    fn record_bytes(&self) -> usize {
        fn bound<K, V>(entries: usize) -> usize {
            entries.saturating_mul(3 * (size_of::<K>() + size_of::<V>()) + 24)
        }
        bound::<u64, Page>(self.pages.len())
            .saturating_add(bound::<u64, (u64, Beyond)>(self.beyond.len()))
            .saturating_add(bound::<u64, (u64, Protection)>(self.demand.len()))
            .saturating_add(bound::<u64, (u64, anon::SharedAnon)>(self.anon.len()))
            .saturating_add(bound::<u64, (u64, Inheritance)>(self.inherit.len()))
            .saturating_add(bound::<u64, (u64, MappedRange)>(self.files.len()))
            .saturating_add(self.ldt.as_ref().map_or(0, |l| l.len() * 8))
    }

    /// Makes this space's LDT the CPU's (the default one if the program built none).
    /// `activate` does it when it switches tables; a thread switched back in gets its
    /// tables from the scheduler instead, so the return to user mode calls this after
    /// every thread switch (see `sched::take_switched`).
    #[inline]
    pub fn load_ldt(&self) {
        match &self.ldt {
            Some(ldt) => ldt.load(),
            None => nymph_hal::ldt::load_default(),
        }
    }

    /// The LDT the program built, if it built one.
    pub fn ldt(&self) -> Option<&UserLdt> {
        self.ldt.as_ref()
    }

    /// The program's own LDT, made from the default one if it has none, at least
    /// `len` slots long; loaded at once if this space is current.
    pub fn ldt_at_least(&mut self, len: usize) -> Result<&mut UserLdt, MemError> {
        let current = PageTableRoot::current() == self.root;
        // Up to 64 KiB of kernel heap on a program's say: not past the heap's reserve.
        let have = self.ldt.as_ref().map_or(0, UserLdt::len);
        if len > have && !crate::mm::heap::can_spare(len.saturating_mul(8)) {
            return Err(MemError::OutOfMemory);
        }
        let ldt = match &mut self.ldt {
            Some(ldt) => {
                if !ldt.grow(len) {
                    return Err(MemError::OutOfMemory);
                }
                ldt
            }
            none => none.insert(UserLdt::new(len).ok_or(MemError::OutOfMemory)?),
        };
        if current {
            ldt.load();
        }
        Ok(ldt)
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
        crate::sched::forget_address_space(self.root);
        // Not the active space now: its entries need no clearing, only its frames go.
        for page in self.pages.values() {
            frame::release(page.phys);
        }
        for &table in &self.tables {
            frame::free(table);
        }
        frame::free(self.root.phys());
    }
}

/// Switches back to the kernel's own tables.
pub fn kernel_root_activate() {
    if PageTableRoot::current() == kernel_root() {
        return;
    }
    if let Err(e) = paging::activate(kernel_root(), &[]) {
        panic!("kernel page tables unusable: {e:?}");
    }
    crate::sched::note_address_space(None);
}
