//! What a forked child gets of each part of the space (BSD's minherit): a copy-on-write
//! copy (the default), the very same pages (shared both ways from then on), or
//! nothing. Only ranges set otherwise than copy are recorded, and only where something
//! is mapped: a later mapping in a hole starts with the default, and unmapping forgets.

use super::{AddressSpace, MemError, ranges};
use alloc::vec::Vec;
use nymph_hal::layout::PAGE_SIZE;

/// How fork treats a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inheritance {
    Copy,
    Share,
    None,
}

/// Ranges not inherited by copy: start -> (end, how), never overlapping.
pub(crate) type Ranges = ranges::Ranges<Inheritance>;

/// Takes `[start, end)` out of `ranges`, splitting those it cuts.
pub(crate) fn carve(ranges: &mut Ranges, start: u64, end: u64) {
    ranges::carve(ranges, start, end, |_, _, _| {});
}

/// Whether `page` lies in one of `runs` (sorted, not overlapping).
pub(crate) fn within(runs: &[(u64, u64)], page: u64) -> bool {
    runs.iter().any(|&(s, e)| (s..e).contains(&page))
}

impl AddressSpace {
    /// Sets how fork treats the mapped pages of `[start, end)` (page-aligned); pages
    /// not mapped there are passed over, as BSD's vm_map_inherit passes over holes.
    pub fn set_inheritance(&mut self, start: u64, end: u64, how: Inheritance) {
        carve(&mut self.inherit, start, end);
        if how == Inheritance::Copy {
            return;
        }
        let mut run: Option<u64> = None;
        for page in (start..end).step_by(PAGE_SIZE as usize) {
            let mapped = self.protection(page).is_some();
            match (run, mapped) {
                (None, true) => run = Some(page),
                (Some(s), false) => {
                    self.inherit.insert(s, (page, how));
                    run = None;
                }
                _ => {}
            }
        }
        if let Some(s) = run {
            self.inherit.insert(s, (end, how));
        }
    }

    /// The ranges inherited `how`.
    pub(crate) fn inherited(&self, how: Inheritance) -> Vec<(u64, u64)> {
        self.inherit
            .iter()
            .filter(|(_, (_, h))| *h == how)
            .map(|(&s, &(e, _))| (s, e))
            .collect()
    }

    /// Before a fork: makes every page of the shared ranges a shared page with a frame
    /// of its own (promised pages made, copy-on-write ones copied), so that the child
    /// maps the same frame and writes are seen both ways.
    pub(crate) fn prepare_shared(&mut self) -> Result<(), MemError> {
        let shared = self.inherited(Inheritance::Share);
        // Each untouched (promised) page needs a frame of its own: when there are not
        // that many free, fail at once rather than make pages until the frames run out
        // (a 2 GiB promise took seconds per fork before failing).
        let untouched: u64 = shared
            .iter()
            .map(|&(s, e)| {
                self.demand
                    .range(..e)
                    .map(|(&ds, &(de, _))| de.min(e).saturating_sub(ds.max(s)))
                    .sum::<u64>()
                    / PAGE_SIZE
            })
            .sum();
        if untouched > crate::mm::frame::FRAMES.lock().free_count() as u64 {
            return Err(MemError::OutOfMemory);
        }
        for (start, end) in shared {
            for page in (start..end).step_by(PAGE_SIZE as usize) {
                if self.is_beyond(page) || self.protection(page).is_none() {
                    continue;
                }
                self.private_frame(page)?;
                if let Some(entry) = self.pages.get_mut(&page)
                    && !entry.shared
                {
                    entry.shared = true;
                    let entry = *entry;
                    if let Some(flags) = Self::hw_flags(&entry) {
                        self.root.set_flags_4k(page, flags);
                    }
                }
            }
        }
        Ok(())
    }

    /// After a fork: the child has nothing of the ranges not inherited, and keeps the
    /// parent's settings for the rest.
    pub(crate) fn drop_not_inherited(&mut self, none: &[(u64, u64)]) {
        for &(s, e) in none {
            self.pages.retain(|&v, _| !(s..e).contains(&v));
            ranges::carve(&mut self.beyond, s, e, |_, _, _| {});
            ranges::carve(&mut self.demand, s, e, |_, _, _| {});
            carve(&mut self.inherit, s, e);
        }
    }
}
