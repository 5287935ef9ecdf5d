//! The kernel's virtual address-space layout (the upper half; the lower half is user space).

/// All physical memory is mapped here (PML4 slot 256), so physical frames are reachable
/// without temporary mappings.
pub const PHYS_OFFSET: u64 = 0xFFFF_8000_0000_0000;
/// The kernel heap's virtual range (PML4 slot 384).
pub const HEAP_BASE: u64 = 0xFFFF_C000_0000_0000;
/// Largest heap the layout leaves room for.
pub const HEAP_MAX: u64 = 1 << 39;
/// Where the kernel image is linked: -2 GiB, physical address + this offset.
pub const KERNEL_BASE: u64 = 0xFFFF_FFFF_8000_0000;
/// First address above the user half (canonical lower half ends below it).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// A scratch window the in-kernel tests may map and unmap pages in (PML4 slot 385).
pub const TEST_WINDOW: u64 = 0xFFFF_C080_0000_0000;
/// Frame size.
pub const PAGE_SIZE: u64 = 4096;
/// Kernel stacks, one slot of `KSTACK_SLOT` bytes each, the lowest page of every slot a
/// guard that stays unmapped (PML4 slot 386).
pub const KSTACK_BASE: u64 = 0xFFFF_C100_0000_0000;
pub const KSTACK_SLOT: u64 = 64 * 1024;
pub const KSTACK_SLOTS: u64 = 4096;
pub const KSTACK_END: u64 = KSTACK_BASE + KSTACK_SLOT * KSTACK_SLOTS;
