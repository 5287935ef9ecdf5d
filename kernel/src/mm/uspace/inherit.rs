//! What a forked child gets of each part of the space (BSD's minherit): a copy-on-write
//! copy (the default for private memory), the very same pages (shared both ways from
//! then on; the default for shared mappings), or nothing. Only ranges set otherwise
//! than their default are recorded (copy only over shared pages, a shared file
//! mapping's pages past the file's end included), and only where something is mapped:
//! a later mapping in a hole starts with the default, and unmapping forgets.

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

/// `pieces` (not overlapping) sorted, adjacent ones joined.
fn merged(mut pieces: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    pieces.sort_unstable();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (s, e) in pieces {
        match runs.last_mut() {
            Some((_, end)) if *end == s => *end = e,
            _ => runs.push((s, e)),
        }
    }
    runs
}

/// Whether `page` lies in one of `runs` (sorted, not overlapping).
pub(crate) fn within(runs: &[(u64, u64)], page: u64) -> bool {
    runs.iter().any(|&(s, e)| (s..e).contains(&page))
}

impl AddressSpace {
    /// Sets how fork treats the mapped pages of `[start, end)` (page-aligned); pages
    /// not mapped there are passed over, as BSD's vm_map_inherit passes over holes.
    /// Copy is recorded only over shared pages (those past a shared file mapping's end
    /// too): private ones are copied anyway.
    pub fn set_inheritance(&mut self, start: u64, end: u64, how: Inheritance) {
        carve(&mut self.inherit, start, end);
        // By runs, not pages: a huge untouched mapping is one step.
        let runs = match how {
            Inheritance::Copy => {
                let mut pieces: Vec<(u64, u64)> = self
                    .pages
                    .range(start..end)
                    .filter(|(_, p)| p.shared)
                    .map(|(&v, _)| (v, v + PAGE_SIZE))
                    .collect();
                pieces.extend(
                    ranges::within(&self.beyond, start, end)
                        .into_iter()
                        .filter(|&(s, _)| self.shared_beyond(s)),
                );
                pieces.extend(ranges::within(&self.anon, start, end));
                merged(pieces)
            }
            _ => self.mapped_runs(start, end),
        };
        for (s, e) in runs {
            self.inherit.insert(s, (e, how));
        }
    }

    /// Whether `page` lies past the end of a shared file mapping's file.
    fn shared_beyond(&self, page: u64) -> bool {
        ranges::at(&self.beyond, page).is_some_and(|(_, _, b)| b.view.shared)
    }

    /// How minherit set fork to treat the page `addr` (None: its default, by copy
    /// or by sharing as it is private or shared), and where that setting ends or the
    /// next one begins (`u64::MAX`: none after).
    pub fn inheritance_at(&self, addr: u64) -> (Option<Inheritance>, u64) {
        if let Some((_, end, how)) = ranges::at(&self.inherit, addr) {
            return (Some(how), end);
        }
        let next = self
            .inherit
            .range(addr..)
            .next()
            .map_or(u64::MAX, |(&s, _)| s);
        (None, next)
    }

    /// The ranges inherited `how`.
    pub(crate) fn inherited(&self, how: Inheritance) -> Vec<(u64, u64)> {
        self.inherit
            .iter()
            .filter(|(_, (_, h))| *h == how)
            .map(|(&s, &(e, _))| (s, e))
            .collect()
    }

    /// Before a fork: makes every page of the shared ranges a shared page: one in
    /// memory gets a frame of its own (a copy-on-write one is copied) that the child
    /// maps too; private memory promised and not touched becomes shared anonymous
    /// memory, which costs no frame until touched.
    pub(crate) fn prepare_shared(&mut self) -> Result<(), MemError> {
        for (start, end) in self.inherited(Inheritance::Share) {
            self.share_promised(start, end);
            let touched: Vec<u64> = self
                .pages
                .range(start..end)
                .filter(|(_, p)| !p.shared)
                .map(|(&v, _)| v)
                .collect();
            for page in touched {
                self.private_frame(page)?;
                if let Some(entry) = self.pages.get_mut(&page) {
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

    /// Before a fork: the shared pages of the ranges inherited by copy become private
    /// copy-on-write pages, the parent's too, as 4.x's vm_map_copy_entry marks both
    /// entries needs-copy: the child's writes stay its own, and the parent's first
    /// write to such a page gives it a copy, no longer seen by the mapping's other
    /// sharers (or, for a file, written back to it). A locked page is treated alike
    /// (4.x copied those for the child at once and left the parent's shared).
    pub(crate) fn unshare_copied(&mut self) -> Result<(), MemError> {
        for (start, end) in self.inherited(Inheritance::Copy) {
            // Shared anonymous pages this space has not touched: private from here on.
            self.privatise_shared(start, end)?;
            for (&virt, page) in self.pages.range_mut(start..end) {
                page.shared = false;
                // Read-only now wherever another mapping holds the frame, so that
                // the space stays as its records say should the fork fail from here.
                if let Some(flags) = Self::hw_flags(page) {
                    self.root.set_flags_4k(virt, flags);
                }
            }
            // Its pages past the file's end too: touched once the file has grown,
            // they are the file's page copied on write, not the file's page itself.
            ranges::modify(&mut self.beyond, start, end, |b| super::Beyond {
                view: super::FileView {
                    shared: false,
                    ..b.view
                },
                ..b
            });
            // And the record of the file they map says private (4.x's entry turns
            // copy-on-write).
            ranges::modify(&mut self.files, start, end, |r| super::MappedRange {
                shared: false,
                ..r
            });
            carve(&mut self.inherit, start, end);
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
            ranges::carve(&mut self.anon, s, e, |_, _, _| {});
            ranges::carve(&mut self.files, s, e, |_, _, _| {});
            carve(&mut self.inherit, s, e);
        }
    }
}
