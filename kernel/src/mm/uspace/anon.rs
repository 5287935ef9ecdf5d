//! Shared anonymous memory (MAP_SHARED of anonymous memory or of /dev/zero): an
//! object whose pages are made, zeroed, on their first touch by any of its mappings,
//! and shared by all of them, a forked child's included (4.x's OBJT_DEFAULT object,
//! which every map entry vm_map_fork shares references). A mapping costs frames only
//! for the pages touched, so a huge one is cheap to make and to fork.
//!
//! A space keeps the pages of such a mapping it has not touched itself as page ranges
//! (the object and the address of its page 0, so that a split keeps every page's
//! index); a page it has touched is an ordinary shared page in its page records, its
//! frame holding one reference for the space and one for the object.

use super::{AddressSpace, MemError, PAGE_SIZE, Page, Protection, ranges};
use crate::mm::frame;
use crate::sync::Mutex;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_hal::paging;

/// The pages of one shared anonymous mapping that some sharer has touched: page index
/// -> frame, one reference on each frame held by the object (given back when the last
/// mapping of it goes).
#[derive(Default)]
pub struct AnonObject {
    frames: Mutex<BTreeMap<u64, u64>>,
}

impl AnonObject {
    /// The frame of page `index` with one reference for the caller: the page some
    /// sharer made already, or a zeroed one made now.
    fn share_page(&self, index: u64) -> Result<u64, MemError> {
        let mut frames = self.frames.lock();
        if let Some(&phys) = frames.get(&index) {
            frame::share(phys);
            return Ok(phys);
        }
        // The record is kernel heap, as a page's in a space is.
        if crate::mm::heap::under_pressure() {
            return Err(MemError::OutOfMemory);
        }
        let phys = frame::alloc().ok_or(MemError::OutOfMemory)?;
        paging::zero_frame(phys);
        frames.insert(index, phys);
        frame::share(phys);
        Ok(phys)
    }

    /// The frame of page `index`, if some sharer has touched it.
    fn frame(&self, index: u64) -> Option<u64> {
        self.frames.lock().get(&index).copied()
    }

    /// The first touched page with an index in `[first, end)`: (index, frame).
    fn first_in(&self, first: u64, end: u64) -> Option<(u64, u64)> {
        if first >= end {
            return None;
        }
        let frames = self.frames.lock();
        frames.range(first..end).next().map(|(&i, &p)| (i, p))
    }

    /// The touched pages with an index in `[first, end)`: (index, frame).
    fn all_in(&self, first: u64, end: u64) -> Vec<(u64, u64)> {
        if first >= end {
            return Vec::new();
        }
        let frames = self.frames.lock();
        frames.range(first..end).map(|(&i, &p)| (i, p)).collect()
    }
}

impl Drop for AnonObject {
    fn drop(&mut self) {
        for &phys in self.frames.get_mut().values() {
            frame::release(phys);
        }
    }
}

impl core::fmt::Debug for AnonObject {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AnonObject").finish_non_exhaustive()
    }
}

/// A run of a shared anonymous mapping's pages this space has not touched.
#[derive(Clone, Debug)]
pub(crate) struct SharedAnon {
    pub(crate) prot: Protection,
    pub(crate) object: Arc<AnonObject>,
    /// The address the object's page 0 has in this mapping (wrapping).
    origin: u64,
}

impl SharedAnon {
    pub(crate) fn with_prot(self, prot: Protection) -> Self {
        SharedAnon { prot, ..self }
    }

    fn index(&self, page: u64) -> u64 {
        page.wrapping_sub(self.origin) / PAGE_SIZE
    }

    /// The indexes of the pages `[start, end)` of this run.
    fn indexes(&self, start: u64, end: u64) -> (u64, u64) {
        (
            self.index(start),
            self.index(start) + (end - start) / PAGE_SIZE,
        )
    }
}

impl AddressSpace {
    /// Maps shared anonymous memory over `[start, end)` (page-aligned), a new object
    /// with no page made yet: each is made, zeroed, on the first touch by any space
    /// that shares it (this one, or a child forked from it). Fails if any page there
    /// is mapped or promised already.
    pub fn reserve_shared_zeroed(
        &mut self,
        start: u64,
        end: u64,
        prot: Protection,
    ) -> Result<(), MemError> {
        self.check_free(start, end)?;
        if crate::mm::heap::under_pressure() {
            return Err(MemError::OutOfMemory);
        }
        self.shared_anon_insert(start, end, prot, Arc::new(AnonObject::default()), start);
        Ok(())
    }

    fn shared_anon_insert(
        &mut self,
        start: u64,
        end: u64,
        prot: Protection,
        object: Arc<AnonObject>,
        origin: u64,
    ) {
        let run = SharedAnon {
            prot,
            object,
            origin,
        };
        self.anon.insert(start, (end, run));
    }

    /// The run of untouched shared anonymous pages holding `page`.
    pub(crate) fn shared_at(&self, page: u64) -> Option<(u64, u64, SharedAnon)> {
        ranges::at(&self.anon, page)
    }

    /// Maps the untouched shared anonymous page `page` now: the object's page, made
    /// if no sharer has touched it yet.
    pub(crate) fn touch_shared(&mut self, page: u64) -> Result<(), MemError> {
        let (_, _, run) = self.shared_at(page).ok_or(MemError::BadAddress)?;
        let phys = run.object.share_page(run.index(page))?;
        ranges::carve(&mut self.anon, page, page + PAGE_SIZE, |_, _, _| {});
        let entry = Page {
            phys,
            prot: run.prot,
            shared: true,
            may_write: true,
            file: false,
        };
        self.install(page, entry).inspect_err(|_| {
            frame::release(phys);
            self.anon.insert(page, (page + PAGE_SIZE, run.clone()));
        })
    }

    /// The frame behind the untouched shared anonymous page `page`, if another sharer
    /// has made it.
    pub(crate) fn shared_frame(&self, page: u64) -> Option<u64> {
        let (_, _, run) = self.shared_at(page)?;
        run.object.frame(run.index(page))
    }

    /// The first page in `[from, end)` of this space's untouched shared anonymous
    /// runs that another sharer has made: (address, frame).
    pub(crate) fn first_shared_made(&self, from: u64, end: u64) -> Option<(u64, u64)> {
        ranges::within(&self.anon, from, end)
            .into_iter()
            .find_map(|(s, e)| {
                let (_, _, run) = self.shared_at(s)?;
                let (first, last) = run.indexes(s, e);
                let (index, phys) = run.object.first_in(first, last)?;
                Some((s + (index - first) * PAGE_SIZE, phys))
            })
    }

    /// Before a fork, for the runs inherited by copy: this space's untouched shared
    /// anonymous pages become private ones, as 4.x's vm_map_copy_entry makes both
    /// entries copy-on-write: a page some sharer made is this space's copy-on-write
    /// share of it, the rest promised zeroed memory.
    pub(crate) fn privatise_shared(&mut self, start: u64, end: u64) -> Result<(), MemError> {
        let mut pieces = Vec::new();
        ranges::carve(&mut self.anon, start, end, |s, e, run| {
            pieces.push((s, e, run))
        });
        let mut pieces = pieces.into_iter();
        while let Some((s, e, run)) = pieces.next() {
            self.demand.insert(s, (e, run.prot));
            let (first, last) = run.indexes(s, e);
            for (index, phys) in run.object.all_in(first, last) {
                let page = s + (index - first) * PAGE_SIZE;
                ranges::carve(&mut self.demand, page, page + PAGE_SIZE, |_, _, _| {});
                frame::share(phys);
                let entry = Page {
                    phys,
                    prot: run.prot,
                    shared: false,
                    may_write: true,
                    file: false,
                };
                if let Err(e) = self.install(page, entry) {
                    // Left as it was: this page and the runs not reached yet shared.
                    frame::release(phys);
                    self.anon.insert(page, (page + PAGE_SIZE, run.clone()));
                    for (s, e, run) in pieces {
                        self.anon.insert(s, (e, run));
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Before a fork, for the runs inherited by sharing: private memory promised and
    /// not touched becomes shared anonymous memory, one new object a run (4.x's
    /// vm_map_fork gives an entry without an object one to share), so that the
    /// child shares it without a frame made for it.
    pub(crate) fn share_promised(&mut self, start: u64, end: u64) {
        let mut pieces = Vec::new();
        ranges::carve(&mut self.demand, start, end, |s, e, prot| {
            pieces.push((s, e, prot))
        });
        for (s, e, prot) in pieces {
            self.shared_anon_insert(s, e, prot, Arc::new(AnonObject::default()), s);
        }
    }
}
