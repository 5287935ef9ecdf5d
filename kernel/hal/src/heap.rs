//! The kernel heap's allocator (`linked_list_allocator`), over a range the core kernel
//! maps. In the kernel image it is the global allocator, so `alloc` works.

use crate::layout::PAGE_SIZE;
use crate::paging::PageTableRoot;
use linked_list_allocator::LockedHeap;

#[cfg_attr(feature = "bare-metal", global_allocator)]
static HEAP: LockedHeap = LockedHeap::empty();

/// Why the heap could not take a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapError {
    AlreadyInitialised,
    Unmapped { virt: u64 },
    Misaligned,
}

/// Hands `[start, start + size)` to the allocator. Every page must already be mapped
/// writable in the current address space, and the range must not be used for anything else.
pub fn init(start: u64, size: u64) -> Result<(), HeapError> {
    if !start.is_multiple_of(PAGE_SIZE) || !size.is_multiple_of(PAGE_SIZE) || size == 0 {
        return Err(HeapError::Misaligned);
    }
    mapped_writable(start, size)?;
    let mut heap = HEAP.lock();
    if heap.size() != 0 {
        return Err(HeapError::AlreadyInitialised);
    }
    // SAFETY: the range was just checked to be mapped writable; the caller reserved it
    // for the heap alone, and it lives for the rest of the kernel's life.
    unsafe { heap.init(start as *mut u8, size as usize) };
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
    let mut heap = HEAP.lock();
    let top = heap.top() as u64;
    if heap.size() == 0 || !top.is_multiple_of(PAGE_SIZE) {
        return Err(HeapError::Misaligned);
    }
    mapped_writable(top, by)?;
    // SAFETY: the range starts at the heap's end and was just checked to be mapped
    // writable; the caller reserved it for the heap alone, for the kernel's life.
    unsafe { heap.extend(by as usize) };
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

/// Bytes in use and total heap size.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.lock();
    (heap.used(), heap.size())
}
