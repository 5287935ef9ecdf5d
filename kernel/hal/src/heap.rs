//! The kernel heap's allocator (`talc`, a binned first-fit allocator with boundary
//! tags: near-constant time however fragmented the heap gets, where a plain free list
//! is searched from its start), over a range the core kernel maps. In the kernel image
//! it is the global allocator, so `alloc` works.

use crate::layout::PAGE_SIZE;
use crate::paging::PageTableRoot;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use talc::DefaultBinning;
use talc::base::Talc;
use talc::source::Manual;

/// The allocator and what is kept beside it, under one lock.
struct Heap {
    talc: Talc<Manual, DefaultBinning>,
    /// The range handed to the allocator (both 0 before `init`).
    start: u64,
    end: u64,
    /// The most bytes allocations have held at once.
    peak: usize,
}

impl Heap {
    fn note_peak(&mut self) {
        self.peak = self.peak.max(self.talc.counters().allocated_bytes);
    }
}

struct KernelHeap(spin::Mutex<Heap>);

#[cfg_attr(feature = "bare-metal", global_allocator)]
static HEAP: KernelHeap = KernelHeap(spin::Mutex::new(Heap {
    talc: Talc::new(Manual),
    start: 0,
    end: 0,
    peak: 0,
}));

// SAFETY: every call goes to talc under the heap's lock, with the caller's guarantees
// (a pointer given back was allocated here with that layout) passed on unchanged.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.lock();
        // SAFETY: a non-zero size, as GlobalAlloc's callers promise.
        let ptr = unsafe { heap.talc.allocate(layout) };
        heap.note_peak();
        ptr.map_or(null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated here with `layout` (the caller's promise).
        unsafe { self.0.lock().talc.deallocate(ptr, layout) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let mut heap = self.0.lock();
        // SAFETY: `ptr` was allocated here with `layout`, `new_size` is non-zero and
        // a valid size at that alignment (the caller's promises).
        unsafe {
            if heap.talc.try_realloc_in_place(ptr, layout, new_size) {
                heap.note_peak();
                return ptr;
            }
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let Some(moved) = heap.talc.allocate(new_layout) else {
                return null_mut();
            };
            // In place failed, so this grows: all the old bytes fit.
            moved
                .as_ptr()
                .copy_from_nonoverlapping(ptr, layout.size().min(new_size));
            heap.talc.deallocate(ptr, layout);
            heap.note_peak();
            moved.as_ptr()
        }
    }
}

/// Why the heap could not take a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapError {
    AlreadyInitialised,
    Unmapped {
        virt: u64,
    },
    Misaligned,
    /// The allocator could not make a heap of the range (too small for its records).
    TooSmall,
}

/// Hands `[start, start + size)` to the allocator. Every page must already be mapped
/// writable in the current address space, and the range must not be used for anything else.
pub fn init(start: u64, size: u64) -> Result<(), HeapError> {
    if !start.is_multiple_of(PAGE_SIZE) || !size.is_multiple_of(PAGE_SIZE) || size == 0 {
        return Err(HeapError::Misaligned);
    }
    mapped_writable(start, size)?;
    let mut heap = HEAP.0.lock();
    if heap.end != 0 {
        return Err(HeapError::AlreadyInitialised);
    }
    // SAFETY: the range was just checked to be mapped writable; the caller reserved it
    // for the heap alone, and it lives for the rest of the kernel's life.
    let end = unsafe { heap.talc.claim(start as *mut u8, size as usize) };
    heap.end = end.ok_or(HeapError::TooSmall)?.as_ptr() as u64;
    heap.start = start;
    Ok(())
}

/// Gives the allocator the `by` bytes right after its current end. Every page must
/// already be mapped writable in the current address space, and be reserved for the
/// heap alone; `Misaligned` for a `by` that is not whole pages, `Unmapped` for a page
/// that is not mapped, and nothing is added then.
pub fn extend(by: u64) -> Result<(), HeapError> {
    if !by.is_multiple_of(PAGE_SIZE) || by == 0 {
        return Err(HeapError::Misaligned);
    }
    let mut heap = HEAP.0.lock();
    let top = heap.end;
    let Some(end) = NonNull::new(top as *mut u8) else {
        return Err(HeapError::Misaligned);
    };
    if !top.is_multiple_of(PAGE_SIZE) {
        return Err(HeapError::Misaligned);
    }
    mapped_writable(top, by)?;
    // SAFETY: `end` is the end talc gave for this heap; the range after it was just
    // checked to be mapped writable, and the caller reserved it for the heap alone,
    // for the kernel's life.
    let end = unsafe { heap.talc.extend(end, (top + by) as *mut u8) };
    heap.end = end.as_ptr() as u64;
    Ok(())
}

/// `Unmapped` for the first page of `[start, start + size)` that the current address
/// space does not map writable.
fn mapped_writable(start: u64, size: u64) -> Result<(), HeapError> {
    let root = PageTableRoot::current();
    for page in (start..start + size).step_by(PAGE_SIZE as usize) {
        match root.translate(page) {
            Some((_, flags)) if flags.contains(crate::paging::PageFlags::WRITABLE) => {}
            _ => return Err(HeapError::Unmapped { virt: page }),
        }
    }
    Ok(())
}

/// Bytes in use (allocations and the allocator's own records) and the heap's size
/// (its range, from its start to its end).
pub fn usage() -> (usize, usize) {
    let heap = HEAP.0.lock();
    let size = (heap.end - heap.start) as usize;
    (size - heap.talc.counters().available_bytes, size)
}

/// Whether one block of `bytes` can be allocated now (tried, and given back at once):
/// the free bytes [`usage`] counts may all lie in pieces too small for it. True before
/// `init` (the host's tests, which use the host's allocator).
pub fn has_room(bytes: usize) -> bool {
    let Ok(layout) = Layout::from_size_align(bytes.max(1), 8) else {
        return false;
    };
    let mut heap = HEAP.0.lock();
    if heap.end == 0 {
        return true;
    }
    // SAFETY: a non-zero size; the block, if given, goes back at once with the layout
    // it was allocated with, and nothing else sees it.
    unsafe {
        match heap.talc.allocate(layout) {
            Some(block) => {
                heap.talc.deallocate(block.as_ptr(), layout);
                true
            }
            None => false,
        }
    }
}

/// What the allocations on the heap come to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationStats {
    /// Allocations live now, and the bytes they asked for.
    pub live: usize,
    pub live_bytes: usize,
    /// Allocations made since boot.
    pub made: u64,
    /// The most bytes live allocations have held at once.
    pub peak_bytes: usize,
}

/// The heap's allocation counts.
pub fn allocation_stats() -> AllocationStats {
    let heap = HEAP.0.lock();
    let counters = heap.talc.counters();
    AllocationStats {
        live: counters.allocation_count,
        live_bytes: counters.allocated_bytes,
        made: counters.total_allocation_count,
        peak_bytes: heap.peak,
    }
}
