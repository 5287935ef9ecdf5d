//! Four-level page tables, reached through the direct map of physical memory.
//!
//! Tables are read and written entry by entry through raw pointers into the direct map,
//! never through Rust references, so two walks of the same table cannot alias.

use crate::layout::{PAGE_SIZE, PHYS_OFFSET};
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};
use x86_64::structures::paging::PhysFrame;

pub use x86_64::structures::paging::PageTableFlags as PageFlags;

const ENTRY_ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;
const HUGE_2M: u64 = 2 * 1024 * 1024;

/// Where page-table frames come from (the core kernel's frame allocator).
pub trait FrameSource {
    /// A free 4 KiB frame's physical address, or `None` when memory is exhausted.
    fn alloc_frame(&mut self) -> Option<u64>;
}

/// Why a mapping could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    OutOfFrames,
    AlreadyMapped { virt: u64 },
    HugePageInTheWay { virt: u64 },
    Misaligned,
    NonCanonical,
}

/// The root (PML4) of one address space, by physical address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageTableRoot(u64);

/// How far the direct map reaches right now; frames above it cannot be used as tables.
static DIRECT_MAP_END: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1 << 30);

/// Records how much physical memory the direct map covers (the boot tables: 1 GiB).
pub fn set_direct_map_end(end: u64) {
    DIRECT_MAP_END.store(end, core::sync::atomic::Ordering::Relaxed);
}

/// The virtual address of a physical address in the direct map.
pub fn phys_to_virt(phys: u64) -> u64 {
    PHYS_OFFSET + phys
}

fn entry_ptr(table_phys: u64, index: u64) -> *mut u64 {
    let end = DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed);
    assert!(
        table_phys + PAGE_SIZE <= end && index < 512,
        "page table {table_phys:#x} outside the direct map ({end:#x})"
    );
    (phys_to_virt(table_phys) + index * 8) as *mut u64
}

fn read_entry(table_phys: u64, index: u64) -> u64 {
    // SAFETY: `entry_ptr` checked that the table lies in the direct map; page tables are
    // only touched with interrupts off on one CPU, so no write races this read.
    unsafe { entry_ptr(table_phys, index).read_volatile() }
}

fn write_entry(table_phys: u64, index: u64, value: u64) {
    // SAFETY: as for `read_entry`; the frame is a page table owned by this address space.
    unsafe { entry_ptr(table_phys, index).write_volatile(value) }
}

/// Fills a frame with zeros through the direct map.
pub fn zero_frame(phys: u64) {
    let end = DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed);
    assert!(
        phys.is_multiple_of(PAGE_SIZE) && phys + PAGE_SIZE <= end,
        "frame {phys:#x} outside the direct map"
    );
    // SAFETY: the frame is page-aligned, inside the direct map, and owned by the caller
    // (it came from the frame allocator and is not yet in use).
    unsafe { core::ptr::write_bytes(phys_to_virt(phys) as *mut u8, 0, PAGE_SIZE as usize) }
}

/// Copies a whole frame's contents, both through the direct map.
pub fn copy_frame(dst: u64, src: u64) {
    let end = DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed);
    assert!(
        dst.is_multiple_of(PAGE_SIZE)
            && src.is_multiple_of(PAGE_SIZE)
            && dst.max(src) + PAGE_SIZE <= end
            && dst != src,
        "bad frame copy {src:#x} -> {dst:#x}"
    );
    // SAFETY: two distinct, aligned frames inside the direct map; the caller owns `dst`.
    unsafe {
        core::ptr::copy_nonoverlapping(
            phys_to_virt(src) as *const u8,
            phys_to_virt(dst) as *mut u8,
            PAGE_SIZE as usize,
        )
    }
}

fn nx_supported() -> bool {
    Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE)
}

fn sanitize(flags: PageFlags) -> PageFlags {
    let mut flags = flags | PageFlags::PRESENT;
    if !nx_supported() {
        flags.remove(PageFlags::NO_EXECUTE);
    }
    flags
}

fn indices(virt: u64) -> [u64; 4] {
    [
        (virt >> 39) & 511,
        (virt >> 30) & 511,
        (virt >> 21) & 511,
        (virt >> 12) & 511,
    ]
}

fn canonical(virt: u64) -> bool {
    let top = virt >> 47;
    top == 0 || top == 0x1_ffff
}

impl PageTableRoot {
    /// A new, empty top-level table.
    pub fn new(frames: &mut dyn FrameSource) -> Result<Self, MapError> {
        let phys = frames.alloc_frame().ok_or(MapError::OutOfFrames)?;
        zero_frame(phys);
        Ok(PageTableRoot(phys))
    }

    /// The address space the CPU is using now.
    #[inline]
    pub fn current() -> Self {
        let (frame, _) = Cr3::read();
        PageTableRoot(frame.start_address().as_u64())
    }

    pub fn phys(&self) -> u64 {
        self.0
    }

    fn is_active(&self) -> bool {
        Self::current() == *self
    }

    /// Walks to the table at `depth` (1 = PDPT, 2 = PD, 3 = PT), creating missing tables.
    fn walk_create(
        &self,
        virt: u64,
        depth: usize,
        user: bool,
        frames: &mut dyn FrameSource,
    ) -> Result<u64, MapError> {
        let idx = indices(virt);
        let mut table = self.0;
        for &index in idx.iter().take(depth) {
            let entry = read_entry(table, index);
            if entry & PageFlags::PRESENT.bits() == 0 {
                let next = frames.alloc_frame().ok_or(MapError::OutOfFrames)?;
                zero_frame(next);
                let mut flags = PageFlags::PRESENT | PageFlags::WRITABLE;
                if user {
                    flags |= PageFlags::USER_ACCESSIBLE;
                }
                write_entry(table, index, next | flags.bits());
                table = next;
            } else if entry & PageFlags::HUGE_PAGE.bits() != 0 {
                return Err(MapError::HugePageInTheWay { virt });
            } else {
                if user && entry & PageFlags::USER_ACCESSIBLE.bits() == 0 {
                    write_entry(table, index, entry | PageFlags::USER_ACCESSIBLE.bits());
                }
                table = entry & ENTRY_ADDR_MASK;
            }
        }
        Ok(table)
    }

    /// Maps one 4 KiB page.
    pub fn map_4k(
        &self,
        virt: u64,
        phys: u64,
        flags: PageFlags,
        frames: &mut dyn FrameSource,
    ) -> Result<(), MapError> {
        self.map_leaf(virt, phys, PAGE_SIZE, flags, frames)
    }

    /// Maps one 2 MiB page.
    pub fn map_2m(
        &self,
        virt: u64,
        phys: u64,
        flags: PageFlags,
        frames: &mut dyn FrameSource,
    ) -> Result<(), MapError> {
        self.map_leaf(virt, phys, HUGE_2M, flags | PageFlags::HUGE_PAGE, frames)
    }

    /// Maps a leaf of `size` (4 KiB in a page table, 2 MiB in a page directory).
    fn map_leaf(
        &self,
        virt: u64,
        phys: u64,
        size: u64,
        flags: PageFlags,
        frames: &mut dyn FrameSource,
    ) -> Result<(), MapError> {
        if !virt.is_multiple_of(size) || !phys.is_multiple_of(size) {
            return Err(MapError::Misaligned);
        }
        if !canonical(virt) {
            return Err(MapError::NonCanonical);
        }
        let depth = if size == HUGE_2M { 2 } else { 3 };
        let user = flags.contains(PageFlags::USER_ACCESSIBLE);
        let table = self.walk_create(virt, depth, user, frames)?;
        let index = indices(virt)[depth];
        if read_entry(table, index) & PageFlags::PRESENT.bits() != 0 {
            return Err(MapError::AlreadyMapped { virt });
        }
        write_entry(table, index, phys | sanitize(flags).bits());
        Ok(())
    }

    /// Finds the leaf entry for `virt`: its table, index and level (3 = 4 KiB, 2 = 2 MiB).
    fn leaf(&self, virt: u64) -> Option<(u64, u64, usize)> {
        if !canonical(virt) {
            return None;
        }
        let idx = indices(virt);
        let mut table = self.0;
        for (level, &index) in idx.iter().enumerate() {
            let entry = read_entry(table, index);
            if entry & PageFlags::PRESENT.bits() == 0 {
                return None;
            }
            if level == 3 || (level >= 1 && entry & PageFlags::HUGE_PAGE.bits() != 0) {
                return Some((table, index, level));
            }
            table = entry & ENTRY_ADDR_MASK;
        }
        None
    }

    /// The physical address and flags `virt` maps to, if any.
    pub fn translate(&self, virt: u64) -> Option<(u64, PageFlags)> {
        let (table, index, level) = self.leaf(virt)?;
        let entry = read_entry(table, index);
        let page_size = match level {
            3 => PAGE_SIZE,
            2 => HUGE_2M,
            _ => 1 << 30,
        };
        let base = entry & ENTRY_ADDR_MASK & !(page_size - 1);
        Some((
            base + (virt & (page_size - 1)),
            PageFlags::from_bits_truncate(entry),
        ))
    }

    /// Removes a 4 KiB mapping and returns the frame it mapped (the caller frees it).
    pub fn unmap_4k(&self, virt: u64) -> Option<u64> {
        let (table, index, level) = self.leaf(virt)?;
        if level != 3 {
            return None;
        }
        let entry = read_entry(table, index);
        write_entry(table, index, 0);
        if self.is_active() {
            x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(virt));
        }
        Some(entry & ENTRY_ADDR_MASK)
    }

    /// Copies the top-level entries for the kernel half (slots 256-511) from `other`, so
    /// that this address space shares the kernel's tables.
    pub fn share_kernel_half(&self, other: &PageTableRoot) {
        assert!(
            self.0 != other.0,
            "sharing a root's kernel half with itself"
        );
        let from = entry_ptr(other.0, 256);
        let to = entry_ptr(self.0, 256);
        // SAFETY: `entry_ptr` checked that both tables lie in the direct map; entries
        // 256-511 are the second half of each table's frame, and the frames differ.
        unsafe { core::ptr::copy_nonoverlapping(from.cast_const(), to, 256) }
    }
}

/// Why an address space could not be made current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivateError {
    /// `what` at `virt` would map differently (or not at all) after the switch.
    WouldUnmap { what: &'static str, virt: u64 },
}

/// Switches the CPU to `root`, after checking that the code running, its stack and the
/// direct map stay where they are: a switch that would unmap the kernel is refused.
pub fn activate(
    root: PageTableRoot,
    must_keep: &[(&'static str, u64)],
) -> Result<(), ActivateError> {
    let current = PageTableRoot::current();
    let here = x86_64::registers::read_rip().as_u64();
    let mut stack_probe = 0u8;
    let stack = core::ptr::from_mut(&mut stack_probe) as u64;
    let checks = [
        ("code", here),
        ("stack", stack),
        ("direct map", PHYS_OFFSET + root.0),
    ];
    for (what, virt) in checks.iter().chain(must_keep.iter()) {
        let before = current.translate(*virt).map(|(p, _)| p);
        let after = root.translate(*virt).map(|(p, _)| p);
        if before.is_none() || before != after {
            return Err(ActivateError::WouldUnmap { what, virt: *virt });
        }
    }
    let frame = PhysFrame::from_start_address(x86_64::PhysAddr::new(root.0)).map_err(|_| {
        ActivateError::WouldUnmap {
            what: "root",
            virt: root.0,
        }
    })?;
    // SAFETY: the new tables map the running code, its stack and the direct map (of the
    // new root itself) exactly as the current ones do, so execution continues unchanged.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
    Ok(())
}

/// The direct-map address of `len` bytes at `offset` in frame `phys`, after checking
/// that they lie inside one frame of the direct map (a bad range is a kernel bug).
fn frame_range(phys: u64, offset: usize, len: usize, what: &str) -> u64 {
    let end = DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed);
    assert!(
        phys.is_multiple_of(PAGE_SIZE)
            && phys + PAGE_SIZE <= end
            && offset
                .checked_add(len)
                .is_some_and(|e| e as u64 <= PAGE_SIZE),
        "bad frame {what} {phys:#x}+{offset:#x}"
    );
    phys_to_virt(phys) + offset as u64
}

/// Writes `bytes` into a frame the caller owns, at `offset`, through the direct map.
pub fn write_frame(phys: u64, offset: usize, bytes: &[u8]) {
    let at = frame_range(phys, offset, bytes.len(), "write");
    // SAFETY: the range lies inside one frame in the direct map, owned by the caller.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), at as *mut u8, bytes.len()) }
}

/// Reads from a frame at `offset` into `buf`, through the direct map.
pub fn read_frame(phys: u64, offset: usize, buf: &mut [u8]) {
    let at = frame_range(phys, offset, buf.len(), "read");
    // SAFETY: the range lies inside one frame in the direct map; frames are only written
    // with interrupts off on one CPU, so nothing changes it during the copy.
    unsafe { core::ptr::copy_nonoverlapping(at as *const u8, buf.as_mut_ptr(), buf.len()) }
}

impl PageTableRoot {
    /// Changes the flags of an existing 4 KiB mapping (copy-on-write, mprotect).
    pub fn set_flags_4k(&self, virt: u64, flags: PageFlags) -> Option<()> {
        let (table, index, level) = self.leaf(virt)?;
        if level != 3 {
            return None;
        }
        let entry = read_entry(table, index);
        write_entry(
            table,
            index,
            (entry & ENTRY_ADDR_MASK) | sanitize(flags).bits(),
        );
        if self.is_active() {
            x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(virt));
        }
        Some(())
    }
}

/// A boot module's bytes, read-only, for the rest of the kernel's life.
///
/// Sound because the core kernel reserves a module's frames before the allocator hands
/// out anything (so nothing else ever writes them) and the direct map is permanent.
/// Returns `None` when the module is not inside the direct map.
pub fn boot_module_bytes(module: &crate::bootinfo::BootModule) -> Option<&'static [u8]> {
    let end = DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed);
    let module_end = module.start.checked_add(module.len)?;
    if module_end > end || usize::try_from(module.len).is_err() {
        return None;
    }
    // SAFETY: the range is inside the direct map (checked), its frames are reserved from
    // the allocator at boot and never written, so a shared `'static` slice is valid.
    Some(unsafe {
        core::slice::from_raw_parts(phys_to_virt(module.start) as *const u8, module.len as usize)
    })
}
