//! Locked ("wired") pages: what mlock asks for. Nothing is ever paged out here, so the
//! work is to bring the pages in now and to account for them: per address space
//! (against a bound the caller gives) and system-wide (against a third of memory, as
//! BSD's vm_page_max_wired). An unmap, exec or exit gives the accounting back; a forked
//! child starts with nothing locked.

use super::AddressSpace;
use crate::mm::frame::FRAMES;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use nymph_hal::layout::PAGE_SIZE;

/// Pages locked in all address spaces.
static WIRED_PAGES: AtomicUsize = AtomicUsize::new(0);

/// Why pages could not be locked or unlocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// A page of the range is not mapped (or is a file's page past its end, which has
    /// nothing to bring in).
    NotMapped,
    /// The space would pass the bound its caller gave.
    OverLimit,
    /// The system's bound on locked memory would be passed.
    SystemLimit,
    /// No memory to bring a page in.
    OutOfMemory,
    /// A page of the range is not locked (unlock).
    NotWired,
}

/// One space's locked pages, and whether later mappings are to be locked too.
#[derive(Debug, Default)]
pub(crate) struct Wired {
    pages: BTreeSet<u64>,
    future: bool,
}

impl Wired {
    fn insert(&mut self, page: u64) {
        if self.pages.insert(page) {
            WIRED_PAGES.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets the pages of `[start, end)` (they are being unmapped). Allocates
    /// nothing, as unmapping must not.
    pub(crate) fn forget(&mut self, start: u64, end: u64) {
        while let Some(&page) = self.pages.range(start..end).next() {
            self.pages.remove(&page);
            WIRED_PAGES.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Wired {
    fn drop(&mut self) {
        WIRED_PAGES.fetch_sub(self.pages.len(), Ordering::Relaxed);
    }
}

/// The system's bound on locked pages: a third of usable memory (BSD sets
/// vm_page_max_wired to a third of the free pages at boot).
fn system_max() -> usize {
    FRAMES.lock().usable_count() / 3
}

/// Pages locked in all address spaces.
pub fn wired_pages() -> usize {
    WIRED_PAGES.load(Ordering::Relaxed)
}

impl AddressSpace {
    /// Bytes locked in this space.
    pub fn wired_bytes(&self) -> u64 {
        self.wired.pages.len() as u64 * PAGE_SIZE
    }

    /// Whether mappings made from now on are to be locked (mlockall's MCL_FUTURE).
    pub fn wires_future(&self) -> bool {
        self.wired.future
    }

    /// Locks the pages of `[start, end)` (page-aligned): every one must be mapped; the
    /// system's bound is checked first, then `limit` against the range's size plus what
    /// is locked already (BSD's mlock counts a page locked twice twice there); then
    /// every page is brought in. Nothing is locked unless all of it is.
    pub fn wire(&mut self, start: u64, end: u64, limit: u64) -> Result<(), WireError> {
        let size = end.saturating_sub(start);
        let pages = (size / PAGE_SIZE) as usize;
        if pages.saturating_add(wired_pages()) > system_max() {
            return Err(WireError::SystemLimit);
        }
        if size.saturating_add(self.wired_bytes()) > limit {
            return Err(WireError::OverLimit);
        }
        let range: Vec<u64> = (start..end).step_by(PAGE_SIZE as usize).collect();
        if range
            .iter()
            .any(|&p| self.is_beyond(p) || self.protection(p).is_none())
        {
            return Err(WireError::NotMapped);
        }
        self.bring_in(&range)
    }

    /// Brings in every page of `range` (all mapped) and locks them.
    fn bring_in(&mut self, range: &[u64]) -> Result<(), WireError> {
        for &page in range {
            if !self.pages.contains_key(&page) {
                self.materialise(page).map_err(|_| WireError::OutOfMemory)?;
            }
        }
        for &page in range {
            self.wired.insert(page);
        }
        Ok(())
    }

    /// Unlocks the pages of `[start, end)`: every one must be locked (BSD's munlock
    /// fails on a range not wholly wired).
    pub fn unwire(&mut self, start: u64, end: u64) -> Result<(), WireError> {
        if (start..end)
            .step_by(PAGE_SIZE as usize)
            .any(|p| !self.wired.pages.contains(&p))
        {
            return Err(WireError::NotWired);
        }
        self.wired.forget(start, end);
        Ok(())
    }

    /// mlockall: with `current`, locks every page mapped now (file pages past the end
    /// of their file excepted: there is nothing to bring in), bounded by `limit` on
    /// the total locked; with `future`, mappings made later are to be locked as well.
    pub fn wire_all(&mut self, current: bool, future: bool, limit: u64) -> Result<(), WireError> {
        if current {
            let mut range: Vec<u64> = self.pages.keys().copied().collect();
            for (&s, &(e, _)) in &self.demand {
                range.extend((s..e).step_by(PAGE_SIZE as usize));
            }
            for (&s, (e, _)) in &self.anon {
                range.extend((s..*e).step_by(PAGE_SIZE as usize));
            }
            let new = range
                .iter()
                .filter(|p| !self.wired.pages.contains(p))
                .count();
            if new.saturating_add(wired_pages()) > system_max() {
                return Err(WireError::SystemLimit);
            }
            if self.wired_bytes() + new as u64 * PAGE_SIZE > limit {
                return Err(WireError::OverLimit);
            }
            self.bring_in(&range)?;
        }
        if future {
            self.wired.future = true;
        }
        Ok(())
    }

    /// munlockall: unlocks everything, and later mappings are not locked.
    pub fn unwire_all(&mut self) {
        self.wired = Wired::default();
    }
}
