//! The kernel heap: a fixed virtual range backed by frames, handed to the hal's allocator.

use super::frame::FRAMES;
use nymph_hal::layout::{HEAP_BASE, PAGE_SIZE};
use nymph_hal::paging::{MapError, PageFlags};

/// The heap's size. A later issue makes it grow on demand, up to a limit.
pub const HEAP_SIZE: u64 = 16 * 1024 * 1024;

/// Heap kept free for the kernel's own work: past it, calls that would make user-owned
/// kernel objects (open files, pipes, file-system nodes, processes) fail with the ABI's
/// ENFILE / ENOSPC / EAGAIN instead of the heap running dry under the kernel.
pub const HEAP_RESERVE: usize = 2 * 1024 * 1024;

/// Whether the heap is down to its reserve (never on the host, where unit tests use the
/// host's allocator and the kernel heap is not set up).
pub fn under_pressure() -> bool {
    let (used, size) = nymph_hal::heap::usage();
    size != 0 && size - used < HEAP_RESERVE
}

/// Whether `bytes` more can be taken from the heap and still leave its reserve (always
/// on the host, as [`under_pressure`] is never true there): for a call about to make
/// a large copy at once, which per-record checks would only catch part way.
pub fn can_spare(bytes: usize) -> bool {
    let (used, size) = nymph_hal::heap::usage();
    size == 0 || size.saturating_sub(used) >= bytes.saturating_add(HEAP_RESERVE)
}

/// Why the heap could not be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapInitError {
    Map(MapError),
    OutOfFrames,
    Allocator(nymph_hal::heap::HeapError),
}

/// Maps the heap range and gives it to the allocator.
pub fn init() -> Result<(), HeapInitError> {
    let root = super::kspace::kernel_root();
    let mut frames = FRAMES.lock();
    for virt in (HEAP_BASE..HEAP_BASE + HEAP_SIZE).step_by(PAGE_SIZE as usize) {
        let phys = frames.alloc().ok_or(HeapInitError::OutOfFrames)?;
        root.map_4k(
            virt,
            phys,
            PageFlags::WRITABLE | PageFlags::NO_EXECUTE | PageFlags::GLOBAL,
            &mut *frames,
        )
        .map_err(HeapInitError::Map)?;
    }
    drop(frames);
    nymph_hal::heap::init(HEAP_BASE, HEAP_SIZE).map_err(HeapInitError::Allocator)
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, kassert_eq, ktest};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(box_and_vec_work),
    ktest!(large_and_aligned_allocations),
    ktest!(freed_memory_is_returned),
];

fn box_and_vec_work() -> TestResult {
    let b = Box::new(0x1234_5678_u64);
    kassert_eq!(*b, 0x1234_5678);
    let mut v: Vec<u32> = Vec::new();
    for i in 0..10_000 {
        v.push(i);
    }
    kassert_eq!(v.iter().map(|&x| u64::from(x)).sum::<u64>(), 49_995_000);
    let mut m = BTreeMap::new();
    for i in 0..500u32 {
        m.insert(i.wrapping_mul(2_654_435_761), i);
    }
    kassert_eq!(m.len(), 500);
    Ok(())
}

#[repr(align(4096))]
struct PageAligned([u8; 4096]);

fn large_and_aligned_allocations() -> TestResult {
    let big = alloc::vec![0xa5u8; 4 * 1024 * 1024];
    kassert!(big.iter().all(|&b| b == 0xa5), "4 MiB buffer corrupted");
    let aligned = Box::new(PageAligned([7; 4096]));
    let addr = core::ptr::from_ref(&*aligned) as u64;
    kassert_eq!(addr % 4096, 0);
    kassert!(
        (HEAP_BASE..HEAP_BASE + HEAP_SIZE).contains(&addr),
        "{addr:#x} outside the heap"
    );
    kassert_eq!(aligned.0[4095], 7);
    Ok(())
}

fn freed_memory_is_returned() -> TestResult {
    let (used_before, size) = nymph_hal::heap::usage();
    kassert_eq!(size as u64, HEAP_SIZE);
    {
        // black_box: an optimizer may drop an allocation nothing reads.
        let v = core::hint::black_box(alloc::vec![1u8; 1 << 20]);
        let (used_during, _) = nymph_hal::heap::usage();
        kassert!(used_during >= used_before + (1 << 20), "usage did not grow");
        kassert_eq!(v.len(), 1 << 20);
    }
    let (used_after, _) = nymph_hal::heap::usage();
    kassert_eq!(used_after, used_before);
    Ok(())
}
