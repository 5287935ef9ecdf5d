//! The address space as runs of memory, for a core dump: which ranges are mapped, with
//! what access and backing, and the bytes of the pages in memory, read through their
//! frames. Nothing is faulted in or materialised: a page only promised reads as a hole,
//! and walking a huge, barely touched mapping costs its touched pages, not its size.

use super::{AddressSpace, Protection, ranges};
use nymph_hal::layout::PAGE_SIZE;
use nymph_hal::paging;

/// What backs a region's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    Anonymous,
    /// A file mapping (its pages past the file's end included).
    File,
}

/// A run of mapped pages with one protection and one backing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub prot: Protection,
    pub backing: Backing,
    /// Some page of it is in memory (an untouched promise has none: BSD would have no
    /// VM object behind it yet).
    pub touched: bool,
}

impl AddressSpace {
    /// What is mapped at the page `addr`: its protection, backing, whether it is in
    /// memory, and where this piece of the map ends (a promised range is one piece).
    fn piece_at(&self, addr: u64) -> Option<(Protection, Backing, bool, u64)> {
        if let Some(p) = self.pages.get(&addr) {
            let backing = if p.file {
                Backing::File
            } else {
                Backing::Anonymous
            };
            return Some((p.prot, backing, true, addr + PAGE_SIZE));
        }
        if let Some((_, end, beyond)) = ranges::at(&self.beyond, addr) {
            return Some((beyond.prot, Backing::File, false, end));
        }
        if let Some((_, end, run)) = self.shared_at(addr) {
            // In memory if some sharer has touched a page of it.
            let touched = self.first_shared_made(addr, end).is_some();
            return Some((run.prot, Backing::Anonymous, touched, end));
        }
        self.demand_at(addr)
            .map(|(_, end, prot)| (prot, Backing::Anonymous, false, end))
    }

    /// The first region at or above `from` (a page address): the longest run of
    /// adjacent mapped pages with the same protection and backing. Steps once per
    /// page in memory and once per promised or past-the-file range, whatever the
    /// run's length.
    pub fn next_region(&self, from: u64) -> Option<Region> {
        let from = from & !(PAGE_SIZE - 1);
        let start = [
            self.pages.range(from..).next().map(|(&a, _)| a),
            ranges::first_from(&self.beyond, from),
            ranges::first_from(&self.demand, from),
            ranges::first_from(&self.anon, from),
        ]
        .into_iter()
        .flatten()
        .min()?;
        let (prot, backing, mut touched, mut end) = self.piece_at(start)?;
        while let Some((p, b, t, e)) = self.piece_at(end) {
            if p != prot || b != backing {
                break;
            }
            touched |= t;
            end = e;
        }
        Some(Region {
            start,
            end,
            prot,
            backing,
            touched,
        })
    }

    /// The first page in memory in `[from, end)` (a shared anonymous page another
    /// sharer has touched included).
    pub fn next_resident(&self, from: u64, end: u64) -> Option<u64> {
        let mapped = self.pages.range(from..end).next().map(|(&a, _)| a);
        let shared = self.first_shared_made(from, mapped.unwrap_or(end));
        shared.map(|(a, _)| a).or(mapped)
    }

    /// Copies the page at `page` (a page address) into `buf` if it is in memory,
    /// whatever its protection; false (and `buf` untouched) if it is not.
    pub fn read_page(&self, page: u64, buf: &mut [u8; PAGE_SIZE as usize]) -> bool {
        match self.pages.get(&page).map(|p| p.phys) {
            Some(phys) => {
                paging::read_frame(phys, 0, buf);
                true
            }
            None => match self.shared_frame(page) {
                Some(phys) => {
                    paging::read_frame(phys, 0, buf);
                    true
                }
                None => false,
            },
        }
    }
}
