//! The kernel heap: a virtual range from `HEAP_BASE` backed by frames, handed to the
//! hal's allocator. It starts at `HEAP_SIZE` and grows by `HEAP_STEP` when it comes
//! down to its reserve, up to a quarter of the memory there was at boot; it never
//! shrinks (the allocator hands back no range).

use super::frame::FRAMES;
use nymph_hal::layout::{HEAP_BASE, HEAP_MAX, PAGE_SIZE};
use nymph_hal::paging::{MapError, PageFlags};

/// The heap's size at boot.
pub const HEAP_SIZE: u64 = 16 * 1024 * 1024;

/// What the heap grows by at a time.
pub const HEAP_STEP: u64 = 4 * 1024 * 1024;

/// The most the heap grows to, fixed at boot: a quarter of the memory free then (at
/// least its first size, at most the range the layout gives it). The rest stays for
/// processes and file data.
static HEAP_LIMIT: spin::Once<u64> = spin::Once::new();

/// Heap kept free for the kernel's own work: past it, calls that would make user-owned
/// kernel objects (open files, pipes, file-system nodes, processes) fail with the ABI's
/// ENFILE / ENOSPC / EAGAIN instead of the heap running dry under the kernel.
pub const HEAP_RESERVE: usize = 2 * 1024 * 1024;

/// A block the heap must hold in one piece besides its reserve's count: the free bytes
/// counted may all be holes between live objects (short names given up for long ones,
/// say) too small for the next record, and a failed kernel allocation stops the
/// kernel. Larger than one allocation a call makes between checks (a directory's 64 KiB
/// piece, an LDT, the free counts of the largest directory the heap can hold doubling
/// past 65 536 blocks to 256 KiB).
const RESERVE_BLOCK: usize = 256 * 1024;

/// Whether the heap is down to its reserve, after growing it if it still may grow
/// (never on the host, where unit tests use the host's allocator and the kernel heap is
/// not set up).
pub fn under_pressure() -> bool {
    !can_spare(0)
}

/// Whether `bytes` more can be taken from the heap and still leave its reserve, after
/// growing it as far as that takes and its limit allows (always on the host, as
/// [`under_pressure`] is never true there): for a call about to make a large copy at
/// once, which per-record checks would only catch part way.
pub fn can_spare(bytes: usize) -> bool {
    let wanted = bytes.saturating_add(HEAP_RESERVE);
    loop {
        let (used, size) = nymph_hal::heap::usage();
        if size == 0
            || (size.saturating_sub(used) >= wanted && nymph_hal::heap::has_room(RESERVE_BLOCK))
        {
            return true;
        }
        if !grow() {
            return false;
        }
    }
}

/// Adds one `HEAP_STEP` (or what the limit leaves) to the heap; false when it is at its
/// limit or no frame is free. Called where callers check the reserve, which never hold
/// the frame allocator; if one did, the heap does not grow (`try_lock`) rather than
/// deadlock.
fn grow() -> bool {
    let (_, size) = nymph_hal::heap::usage();
    let limit = limit();
    let step = HEAP_STEP.min(limit.saturating_sub(size as u64));
    if step == 0 {
        return false;
    }
    let Some(mut frames) = FRAMES.try_lock() else {
        return false;
    };
    let root = super::kspace::kernel_root();
    let top = HEAP_BASE + size as u64;
    let mut mapped = 0;
    while mapped < step {
        let Some(phys) = frames.alloc() else { break };
        let flags = PageFlags::WRITABLE | PageFlags::NO_EXECUTE | PageFlags::GLOBAL;
        if root
            .map_4k(top + mapped, phys, flags, &mut *frames)
            .is_err()
        {
            // Just taken, so it goes back.
            let _ = frames.free(phys);
            break;
        }
        mapped += PAGE_SIZE;
    }
    drop(frames);
    if mapped == 0 || nymph_hal::heap::extend(mapped).is_err() {
        return false;
    }
    log::info!(
        "kernel heap grown to {} KiB (limit {} KiB)",
        (size as u64 + mapped) / 1024,
        limit / 1024
    );
    true
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
    let free = frames.free_count() as u64 * PAGE_SIZE;
    drop(frames);
    HEAP_LIMIT
        .call_once(|| ((free + HEAP_SIZE) / 4 / PAGE_SIZE * PAGE_SIZE).clamp(HEAP_SIZE, HEAP_MAX));
    nymph_hal::heap::init(HEAP_BASE, HEAP_SIZE).map_err(HeapInitError::Allocator)
}

/// The most the heap may grow to.
pub fn limit() -> u64 {
    HEAP_LIMIT.get().copied().unwrap_or(HEAP_SIZE)
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
    ktest!(the_heap_grows_at_its_reserve),
    ktest!(free_bytes_in_small_holes_are_no_reserve),
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
        (HEAP_BASE..HEAP_BASE + limit()).contains(&addr),
        "{addr:#x} outside the heap"
    );
    kassert_eq!(aligned.0[4095], 7);
    Ok(())
}

fn freed_memory_is_returned() -> TestResult {
    let (used_before, size) = nymph_hal::heap::usage();
    kassert!(
        size as u64 >= HEAP_SIZE && size as u64 <= limit(),
        "size {size}"
    );
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

/// Taking the heap down into its reserve makes the next check grow it rather than
/// refuse (until the limit, which a small guest's heap may already have reached).
fn the_heap_grows_at_its_reserve() -> TestResult {
    let (_, size) = nymph_hal::heap::usage();
    if size as u64 + HEAP_STEP > limit() {
        return Ok(());
    }
    let mut held: Vec<Box<[u8]>> = Vec::new();
    loop {
        let (used, size_now) = nymph_hal::heap::usage();
        if size_now - used < HEAP_RESERVE / 2 {
            break;
        }
        held.push(core::hint::black_box(
            alloc::vec![0u8; 64 * 1024].into_boxed_slice(),
        ));
    }
    kassert!(!under_pressure(), "the heap did not grow at its reserve");
    let (used, grown) = nymph_hal::heap::usage();
    kassert!(grown as u64 >= size as u64 + HEAP_STEP, "{size} -> {grown}");
    kassert!(
        grown - used >= HEAP_RESERVE,
        "grown, yet still at the reserve"
    );
    // The new range is usable like the rest.
    let big = core::hint::black_box(alloc::vec![0x5au8; HEAP_RESERVE / 2]);
    kassert!(big.iter().all(|&b| b == 0x5a), "corrupted");
    drop(held);
    Ok(())
}

/// Free bytes left as holes between small live blocks count in the heap's usage but
/// hold nothing larger: with only those left, the check grows the heap (or refuses),
/// and a 64 KiB block can then be had.
fn free_bytes_in_small_holes_are_no_reserve() -> TestResult {
    const SMALL: usize = 64;
    if !can_spare(4 * HEAP_RESERVE) {
        return Ok(());
    }
    let (used, size) = nymph_hal::heap::usage();
    if size as u64 + 2 * HEAP_STEP > limit() {
        return Ok(());
    }
    let mut held: Vec<Option<Box<[u8]>>> = Vec::with_capacity((size - used) / SMALL);
    // Small blocks until what is left in one piece is less than the check's block.
    loop {
        let (used, size) = nymph_hal::heap::usage();
        if size - used < RESERVE_BLOCK / 4 || held.len() == held.capacity() {
            break;
        }
        held.push(Some(core::hint::black_box(
            alloc::vec![0u8; SMALL].into_boxed_slice(),
        )));
    }
    // Every other one goes: holes, each between two live blocks.
    for slot in held.iter_mut().step_by(2) {
        *slot = None;
    }
    let (used, size) = nymph_hal::heap::usage();
    kassert!(size - used >= HEAP_RESERVE, "holes {} bytes", size - used);
    let spare = !under_pressure();
    let mut big: Vec<u8> = Vec::new();
    let got = big.try_reserve_exact(64 * 1024).is_ok();
    drop(big);
    drop(held);
    kassert!(
        spare,
        "the heap did not grow with its free bytes all in holes"
    );
    kassert!(
        got,
        "no 64 KiB block after the check said the heap had room"
    );
    Ok(())
}
