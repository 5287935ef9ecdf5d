//! The GDT and TSS.
//!
//! Selector order is fixed by SYSCALL/SYSRET: STAR's user base points at the 32-bit user
//! code segment, followed by user data and then 64-bit user code.

use crate::ioports::MAP_BYTES;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::registers::segmentation::SegmentSelector;
use x86_64::structures::gdt::{Descriptor, DescriptorFlags, GlobalDescriptorTable};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::{PrivilegeLevel, VirtAddr};

pub const KERNEL_CODE: u16 = 0x08;
pub const KERNEL_DATA: u16 = 0x10;
/// 32-bit (compatibility-mode) user code, with RPL 3.
pub const USER_CODE32: u16 = 0x18 | 3;
pub const USER_DATA: u16 = 0x20 | 3;
/// 64-bit user code, with RPL 3.
pub const USER_CODE64: u16 = 0x28 | 3;
pub const TSS_SELECTOR: u16 = 0x30;
/// The LDT's descriptor (after the TSS's two slots).
const LDT_SELECTOR: u16 = 0x40;

/// 32-bit user code and data in the LDT, at the indices the i386 BSD ABI fixed (its
/// LUCODE_SEL 3 and LUDATA_SEL 5), so 32-bit code runs with the selectors that ABI's
/// programs see and save in their signal contexts: 0x1f and 0x2f.
pub const LDT_CODE32: u16 = (3 << 3) | 4 | 3;
pub const LDT_DATA: u16 = (5 << 3) | 4 | 3;

/// The 16-byte system descriptor of an LDT (type 2, present, DPL 0) at `base` with
/// `entries` slots.
fn ldt_descriptor(base: u64, entries: usize) -> (u64, u64) {
    let limit = (entries * 8 - 1) as u64;
    let low = (limit & 0xffff)
        | ((base & 0xff_ffff) << 16)
        | (0x2 << 40)
        | (1 << 47)
        | (((limit >> 16) & 0xf) << 48)
        | (((base >> 24) & 0xff) << 56);
    (low, base >> 32)
}

/// IST slots (1-based as the IDT counts them).
pub const IST_DOUBLE_FAULT: u8 = 1;
pub const IST_NMI: u8 = 2;
pub const IST_MACHINE_CHECK: u8 = 3;
/// #DB: a user's data breakpoint may fire at the first instruction of the `syscall`
/// entry, still on the user's stack pointer (a `mov ss` delays it past the SYSCALL),
/// so the CPU must never push that frame where the user's RSP points.
pub const IST_DEBUG: u8 = 4;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);

static mut IST_STACKS: [IstStack; 4] = [const { IstStack([0; IST_STACK_SIZE]) }; 4];

/// The TSS is written after the GDT points at it (RSP0 changes on every switch to a
/// thread that can enter user mode), so it lives in an `UnsafeCell`.
struct TssCell(UnsafeCell<TssArea>);

/// The TSS and, right after it, the I/O permission map of the process running (see
/// [`crate::ioports`]), with the terminating 0xff byte the CPU reads past its end.
#[repr(C)]
struct TssArea {
    tss: TaskStateSegment,
    io_map: [u8; MAP_BYTES + 1],
}

/// Whose map the TSS holds (its address), or 0 for none.
static IO_OWNER: AtomicU64 = AtomicU64::new(0);

/// Where the map starts in the TSS segment.
const IO_MAP_OFFSET: u16 = core::mem::size_of::<TaskStateSegment>() as u16;
/// A map base past the segment's end: no map, every I/O instruction of user code faults.
const NO_IO_MAP: u16 = 0xffff;

// SAFETY: one CPU; the TSS is written only with interrupts off (kernel code never runs
// with interrupts on outside the idle loop), so there is no concurrent access.
unsafe impl Sync for TssCell {}

static TSS: TssCell = TssCell(UnsafeCell::new(TssArea {
    tss: TaskStateSegment::new(),
    io_map: [0xff; MAP_BYTES + 1],
}));

/// The GDT's slots: written at boot, and the LDT descriptor's two slots again whenever
/// another LDT is loaded (see [`load_ldt`]).
struct GdtCell(UnsafeCell<[u64; GDT_SLOTS]>);

// SAFETY: one CPU; written only with interrupts off (at boot, and by `load_ldt`, which
// kernel code calls with interrupts off), so there is no concurrent access.
unsafe impl Sync for GdtCell {}

const GDT_SLOTS: usize = 10;
static GDT: GdtCell = GdtCell(UnsafeCell::new([0; GDT_SLOTS]));

/// Builds and loads the GDT and TSS and reloads every segment register.
pub fn init() {
    // SAFETY: runs once on the boot CPU before anything else uses the TSS or IST stacks;
    // the raw pointers come from statics that live forever.
    let (tss, io_map): (&'static TaskStateSegment, &'static [u8]) = unsafe {
        let area = &mut *TSS.0.get();
        area.tss.iomap_base = IO_MAP_OFFSET;
        let tss = &mut area.tss;
        let stacks = &raw mut IST_STACKS;
        for (slot, index) in [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK, IST_DEBUG]
            .into_iter()
            .enumerate()
        {
            let base = (&raw mut (*stacks)[slot]) as u64;
            tss.interrupt_stack_table[usize::from(index - 1)] =
                VirtAddr::new(base + IST_STACK_SIZE as u64);
        }
        let area = &*TSS.0.get();
        (&area.tss, &area.io_map)
    };
    let mut table = GlobalDescriptorTable::<GDT_SLOTS>::empty();
    table.append(Descriptor::kernel_code_segment());
    table.append(Descriptor::kernel_data_segment());
    table.append(Descriptor::UserSegment(DescriptorFlags::USER_CODE32.bits()));
    table.append(Descriptor::user_data_segment());
    table.append(Descriptor::user_code_segment());
    let tss_descriptor = Descriptor::tss_segment_with_iomap(tss, io_map)
        .unwrap_or_else(|e| panic!("the TSS's I/O map: {e:?}"));
    table.append(tss_descriptor);
    // The LDT's slots: filled in by `ldt::init` below.
    let ldt = table.append(Descriptor::SystemSegment(0, 0));
    assert_eq!(ldt.0, LDT_SELECTOR, "the LDT descriptor's slot");
    // SAFETY: at boot with interrupts off; nothing has loaded the GDT yet. The entries
    // are copied out of the crate's table (which encodes them) into ours, which lives
    // forever and which `lgdt` then points at.
    unsafe {
        let slots = &mut *GDT.0.get();
        for (slot, entry) in slots.iter_mut().zip(table.entries()) {
            *slot = entry.raw();
        }
        let pointer = x86_64::structures::DescriptorTablePointer {
            limit: (GDT_SLOTS * 8 - 1) as u16,
            base: VirtAddr::new(GDT.0.get() as u64),
        };
        x86_64::instructions::tables::lgdt(&pointer);
    }
    // SAFETY: the selectors name the descriptors just loaded, in the order above.
    unsafe {
        CS::set_reg(SegmentSelector::new(
            KERNEL_CODE >> 3,
            PrivilegeLevel::Ring0,
        ));
        SS::set_reg(SegmentSelector::new(
            KERNEL_DATA >> 3,
            PrivilegeLevel::Ring0,
        ));
        DS::set_reg(SegmentSelector::new(0, PrivilegeLevel::Ring0));
        ES::set_reg(SegmentSelector::new(0, PrivilegeLevel::Ring0));
        load_tss(SegmentSelector::new(
            TSS_SELECTOR >> 3,
            PrivilegeLevel::Ring0,
        ));
    }
    crate::ldt::init();
    load_io_map(None);
}

/// Points the GDT's LDT descriptor at a table of `entries` slots at `base` and loads it.
/// The table must stay where it is until another is loaded (`ldt` sees to that).
pub(crate) fn load_ldt(base: u64, entries: usize) {
    let (low, high) = ldt_descriptor(base, entries);
    let slot = usize::from(LDT_SELECTOR >> 3);
    // SAFETY: one CPU with interrupts off (see `GdtCell`); the descriptor's slots are
    // the LDT's own, which no loaded segment register refers to; `lldt` reads them
    // at once, and the table they describe lives until the next call.
    unsafe {
        let slots = &mut *GDT.0.get();
        slots[slot] = low;
        slots[slot + 1] = high;
        core::arch::asm!("lldt {0:x}", in(reg) LDT_SELECTOR, options(nostack, preserves_flags));
    }
}

/// Sets the stack the CPU switches to on a trap from user mode.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: see `TssCell`: single CPU, interrupts off, so no other access is live.
    unsafe { (*TSS.0.get()).tss.privilege_stack_table[0] = VirtAddr::new(top) }
}

/// The TSS's RSP0 field, for the user-entry code to store the current kernel stack in.
pub(crate) fn rsp0_slot() -> *mut u64 {
    // SAFETY: only the field's address is computed; the TSS is a static that lives forever.
    unsafe { (&raw mut (*TSS.0.get()).tss.privilege_stack_table[0]).cast::<u64>() }
}

/// Puts `map` (one bit per port, set: denied) into the TSS for user code to run with,
/// or none: every port denied.
pub(crate) fn load_io_map(map: Option<&[u8]>) {
    // SAFETY: see `TssCell`: single CPU, interrupts off. The CPU reads the map only
    // while user code runs, never while this writes it.
    let area = unsafe { &mut *TSS.0.get() };
    match map {
        Some(bits) => {
            let n = bits.len().min(MAP_BYTES);
            area.io_map[..n].copy_from_slice(&bits[..n]);
            area.tss.iomap_base = IO_MAP_OFFSET;
            IO_OWNER.store(bits.as_ptr() as u64, Ordering::Relaxed);
        }
        None => {
            area.tss.iomap_base = NO_IO_MAP;
            IO_OWNER.store(0, Ordering::Relaxed);
        }
    }
}

/// Whose map the TSS holds (its address), or 0.
#[inline]
pub(crate) fn io_map_owner() -> u64 {
    IO_OWNER.load(Ordering::Relaxed)
}

/// Whether the TSS holds the map at `bits`.
pub(crate) fn io_map_is(bits: *const u8) -> bool {
    !bits.is_null() && io_map_owner() == bits as u64
}
