//! The GDT and TSS.
//!
//! Selector order is fixed by SYSCALL/SYSRET: STAR's user base points at the 32-bit user
//! code segment, followed by user data and then 64-bit user code.

use core::cell::UnsafeCell;
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

/// The LDT: every slot but the two above is null (loading one faults, as on i386 BSD,
/// whose other slots user code cannot load either). The descriptors have their
/// accessed bit set, so the CPU never writes to this read-only table.
static LDT: [u64; 6] = [
    0,
    0,
    0,
    DescriptorFlags::USER_CODE32.bits(),
    0,
    DescriptorFlags::USER_DATA.bits(),
];

/// The 16-byte system descriptor of the LDT (type 2, present, DPL 0).
fn ldt_descriptor() -> Descriptor {
    let base = LDT.as_ptr() as u64;
    let limit = (core::mem::size_of_val(&LDT) - 1) as u64;
    let low = (limit & 0xffff)
        | ((base & 0xff_ffff) << 16)
        | (0x2 << 40)
        | (1 << 47)
        | (((limit >> 16) & 0xf) << 48)
        | (((base >> 24) & 0xff) << 56);
    Descriptor::SystemSegment(low, base >> 32)
}

/// IST slots (1-based as the IDT counts them).
pub const IST_DOUBLE_FAULT: u8 = 1;
pub const IST_NMI: u8 = 2;
pub const IST_MACHINE_CHECK: u8 = 3;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);

static mut IST_STACKS: [IstStack; 3] = [const { IstStack([0; IST_STACK_SIZE]) }; 3];

/// The TSS is written after the GDT points at it (RSP0 changes on every switch to a
/// thread that can enter user mode), so it lives in an `UnsafeCell`.
struct TssCell(UnsafeCell<TaskStateSegment>);

// SAFETY: one CPU; the TSS is written only with interrupts off (kernel code never runs
// with interrupts on outside the idle loop), so there is no concurrent access.
unsafe impl Sync for TssCell {}

static TSS: TssCell = TssCell(UnsafeCell::new(TaskStateSegment::new()));

static GDT: spin::Once<GlobalDescriptorTable<10>> = spin::Once::new();

/// Builds and loads the GDT and TSS and reloads every segment register.
pub fn init() {
    // SAFETY: runs once on the boot CPU before anything else uses the TSS or IST stacks;
    // the raw pointers come from statics that live forever.
    let tss: &'static TaskStateSegment = unsafe {
        let tss = &mut *TSS.0.get();
        let stacks = &raw mut IST_STACKS;
        for (slot, index) in [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK]
            .into_iter()
            .enumerate()
        {
            let base = (&raw mut (*stacks)[slot]) as u64;
            tss.interrupt_stack_table[usize::from(index - 1)] =
                VirtAddr::new(base + IST_STACK_SIZE as u64);
        }
        &*TSS.0.get()
    };
    let gdt = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::<10>::empty();
        gdt.append(Descriptor::kernel_code_segment());
        gdt.append(Descriptor::kernel_data_segment());
        gdt.append(Descriptor::UserSegment(DescriptorFlags::USER_CODE32.bits()));
        gdt.append(Descriptor::user_data_segment());
        gdt.append(Descriptor::user_code_segment());
        gdt.append(Descriptor::tss_segment(tss));
        let ldt = gdt.append(ldt_descriptor());
        assert_eq!(ldt.0, LDT_SELECTOR, "the LDT descriptor's slot");
        gdt
    });
    gdt.load();
    // SAFETY: the selectors name the descriptors just loaded, in the order above; the
    // LDT selector names the LDT descriptor, whose table is a static that lives forever.
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
        core::arch::asm!("lldt {0:x}", in(reg) LDT_SELECTOR, options(nostack, preserves_flags));
    }
}

/// Sets the stack the CPU switches to on a trap from user mode.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: see `TssCell`: single CPU, interrupts off, so no other access is live.
    unsafe { (*TSS.0.get()).privilege_stack_table[0] = VirtAddr::new(top) }
}

/// The TSS's RSP0 field, for the user-entry code to store the current kernel stack in.
pub(crate) fn rsp0_slot() -> *mut u64 {
    // SAFETY: only the field's address is computed; the TSS is a static that lives forever.
    unsafe { (&raw mut (*TSS.0.get()).privilege_stack_table[0]).cast::<u64>() }
}
