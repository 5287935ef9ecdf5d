//! The physical frame allocator: one bit per 4 KiB frame, set when the frame is free.
//!
//! The bitmap is static (it must exist before the heap does) and covers the first
//! `MAX_PHYS` bytes; memory above is reported at boot and left unused.

use crate::sync::Mutex;
use nymph_hal::bootinfo::{BootInfo, MemoryKind};
use nymph_hal::layout::PAGE_SIZE;

/// Physical memory the bitmap covers.
pub const MAX_PHYS: u64 = 4 << 30;
const FRAME_COUNT: usize = (MAX_PHYS / PAGE_SIZE) as usize;
const WORDS: usize = FRAME_COUNT / 64;

/// A frame allocator over a fixed bitmap.
#[derive(Debug)]
pub struct FrameAllocator {
    free_bits: [u64; WORDS],
    free: usize,
    usable: usize,
    /// Word index where the next search starts.
    hint: usize,
    /// Usable bytes above `MAX_PHYS`, not managed.
    pub ignored_bytes: u64,
    /// Highest usable physical address seen (exclusive).
    pub max_usable: u64,
}

/// A caller error the allocator detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    NotAFrame(u64),
    DoubleFree(u64),
}

impl FrameAllocator {
    pub const fn new() -> Self {
        FrameAllocator {
            free_bits: [0; WORDS],
            free: 0,
            usable: 0,
            hint: 0,
            ignored_bytes: 0,
            max_usable: 0,
        }
    }

    fn set_free(&mut self, frame: usize, free: bool) {
        let (word, bit) = (frame / 64, frame % 64);
        let was_free = self.free_bits[word] & (1 << bit) != 0;
        if free && !was_free {
            self.free_bits[word] |= 1 << bit;
            self.free += 1;
        } else if !free && was_free {
            self.free_bits[word] &= !(1 << bit);
            self.free -= 1;
        }
    }

    /// Adds usable RAM `[start, end)`; partial frames at either end are dropped.
    pub fn add_usable(&mut self, start: u64, end: u64) {
        let first = start.div_ceil(PAGE_SIZE);
        let last = end / PAGE_SIZE;
        if end > MAX_PHYS {
            self.ignored_bytes += end - start.max(MAX_PHYS);
        }
        self.max_usable = self.max_usable.max(end.min(MAX_PHYS));
        for frame in first..last.min(FRAME_COUNT as u64) {
            let before = self.free;
            self.set_free(frame as usize, true);
            self.usable += self.free - before;
        }
    }

    /// Marks `[start, end)` as in use (the kernel image, boot data, modules); partial
    /// frames at either end are included.
    pub fn reserve(&mut self, start: u64, end: u64) {
        let first = start / PAGE_SIZE;
        let last = end.div_ceil(PAGE_SIZE).min(FRAME_COUNT as u64);
        for frame in first..last {
            let before = self.free;
            self.set_free(frame as usize, false);
            self.usable -= before - self.free;
        }
    }

    /// A free frame's physical address, lowest-first from the last position.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.free == 0 {
            return None;
        }
        for step in 0..WORDS {
            let word = (self.hint + step) % WORDS;
            let bits = self.free_bits[word];
            if bits != 0 {
                let frame = word * 64 + bits.trailing_zeros() as usize;
                self.set_free(frame, false);
                self.hint = word;
                return Some(frame as u64 * PAGE_SIZE);
            }
        }
        None
    }

    /// Returns a frame. Freeing a frame twice, or an address that is not a frame, is an
    /// error the caller must treat as a kernel bug.
    pub fn free(&mut self, phys: u64) -> Result<(), FrameError> {
        if !phys.is_multiple_of(PAGE_SIZE) || phys >= MAX_PHYS {
            return Err(FrameError::NotAFrame(phys));
        }
        let frame = (phys / PAGE_SIZE) as usize;
        if self.free_bits[frame / 64] & (1 << (frame % 64)) != 0 {
            return Err(FrameError::DoubleFree(phys));
        }
        self.set_free(frame, true);
        self.hint = self.hint.min(frame / 64);
        Ok(())
    }

    /// Whether `phys` is a frame currently free.
    pub fn is_free(&self, phys: u64) -> bool {
        let frame = (phys / PAGE_SIZE) as usize;
        frame < FRAME_COUNT && self.free_bits[frame / 64] & (1 << (frame % 64)) != 0
    }

    pub fn free_count(&self) -> usize {
        self.free
    }

    /// Frames of usable RAM under management (free or allocated).
    pub fn usable_count(&self) -> usize {
        self.usable
    }
}

impl Default for FrameAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl nymph_hal::paging::FrameSource for FrameAllocator {
    fn alloc_frame(&mut self) -> Option<u64> {
        self.alloc()
    }
}

/// The system's frames.
pub static FRAMES: Mutex<FrameAllocator> = Mutex::new(FrameAllocator::new());

/// Fills the allocator from the boot memory map, then takes out what is in use: the
/// first MiB (firmware), the kernel image, the start info and the boot modules.
pub fn init(info: &BootInfo) {
    let mut frames = FRAMES.lock();
    for region in info.memory_regions() {
        if region.kind == MemoryKind::Usable {
            frames.add_usable(region.start, region.end());
        }
    }
    frames.reserve(0, 0x10_0000);
    frames.reserve(info.kernel.phys_start, info.kernel.phys_end);
    frames.reserve(info.start_info_phys, info.start_info_phys + PAGE_SIZE);
    for module in info.modules() {
        frames.reserve(module.start, module.start.saturating_add(module.len));
    }
}

/// Extra references to frames shared copy-on-write (a frame absent here has one owner).
static SHARES: Mutex<alloc::collections::BTreeMap<u64, u32>> =
    Mutex::new(alloc::collections::BTreeMap::new());

/// Records one more owner of `phys` (a copy-on-write share after fork).
pub fn share(phys: u64) {
    *SHARES.lock().entry(phys).or_insert(0) += 1;
}

/// Whether `phys` has more than one owner.
pub fn is_shared(phys: u64) -> bool {
    SHARES.lock().contains_key(&phys)
}

/// Drops one owner's reference to `phys`, freeing the frame with its last owner.
pub fn release(phys: u64) {
    let mut shares = SHARES.lock();
    match shares.get_mut(&phys) {
        Some(n) if *n > 1 => *n -= 1,
        Some(_) => {
            shares.remove(&phys);
        }
        None => {
            drop(shares);
            free(phys);
        }
    }
}

/// Allocates one frame from the system allocator.
pub fn alloc() -> Option<u64> {
    FRAMES.lock().alloc()
}

/// Frees one frame to the system allocator; a bad free is a kernel bug and panics.
pub fn free(phys: u64) {
    if let Err(e) = FRAMES.lock().free(phys) {
        panic!("frame allocator: {e:?}");
    }
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, kassert_eq, ktest};
use alloc::vec::Vec;

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(alloc_gives_distinct_unused_frames),
    ktest!(free_restores_count_and_reuses),
    ktest!(double_free_is_refused),
];

fn alloc_gives_distinct_unused_frames() -> TestResult {
    let info_kernel = crate::boot::boot_info().kernel;
    let mut got = Vec::new();
    for _ in 0..256 {
        match alloc() {
            Some(f) => got.push(f),
            None => break,
        }
    }
    kassert_eq!(got.len(), 256);
    let mut sorted = got.clone();
    sorted.sort_unstable();
    sorted.dedup();
    kassert_eq!(sorted.len(), got.len());
    for &f in &got {
        kassert!(f % PAGE_SIZE == 0, "frame {f:#x} not aligned");
        kassert!(f >= 0x10_0000, "frame {f:#x} in the first MiB");
        kassert!(
            f + PAGE_SIZE <= info_kernel.phys_start || f >= info_kernel.phys_end,
            "frame {f:#x} inside the kernel image"
        );
    }
    for f in got {
        free(f);
    }
    Ok(())
}

fn free_restores_count_and_reuses() -> TestResult {
    let before = FRAMES.lock().free_count();
    let f = alloc();
    kassert!(f.is_some(), "no frame available");
    let f = f.unwrap_or_default();
    kassert_eq!(FRAMES.lock().free_count(), before - 1);
    kassert!(!FRAMES.lock().is_free(f));
    free(f);
    kassert_eq!(FRAMES.lock().free_count(), before);
    kassert!(FRAMES.lock().is_free(f));
    Ok(())
}

fn double_free_is_refused() -> TestResult {
    let mut frames = FRAMES.lock();
    let f = frames.alloc();
    kassert!(f.is_some(), "no frame available");
    let f = f.unwrap_or_default();
    kassert_eq!(frames.free(f), Ok(()));
    kassert_eq!(frames.free(f), Err(FrameError::DoubleFree(f)));
    kassert_eq!(frames.free(f + 1), Err(FrameError::NotAFrame(f + 1)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_reserve_and_round() {
        let mut a = Box::new(FrameAllocator::new());
        a.add_usable(0x1800, 0x10_0000);
        // 0x1800 rounds up to frame 2; the region ends at frame 256.
        assert_eq!(a.free_count(), 254);
        a.reserve(0x8000, 0x8001);
        assert_eq!(a.free_count(), 253);
        assert!(!a.is_free(0x8000));
        assert_eq!(a.usable_count(), 253);
        let first = a.alloc().unwrap();
        assert_eq!(first, 0x2000);
        assert_eq!(a.free(first), Ok(()));
        assert_eq!(a.free(first), Err(FrameError::DoubleFree(first)));
    }

    #[test]
    fn exhaustion_returns_none() {
        let mut a = Box::new(FrameAllocator::new());
        a.add_usable(0x10_0000, 0x10_3000);
        assert!(a.alloc().is_some());
        assert!(a.alloc().is_some());
        assert!(a.alloc().is_some());
        assert_eq!(a.alloc(), None);
    }

    #[test]
    fn memory_above_the_bitmap_is_counted_as_ignored() {
        let mut a = Box::new(FrameAllocator::new());
        a.add_usable(MAX_PHYS - 0x2000, MAX_PHYS + 0x1000);
        assert_eq!(a.free_count(), 2);
        assert_eq!(a.ignored_bytes, 0x1000);
    }
}
