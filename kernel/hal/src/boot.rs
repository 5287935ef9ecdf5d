//! The PVH entry: 32-bit protected mode to long mode, then into Rust.
//!
//! QEMU's `-kernel` finds the entry in the ELF note "Xen"/18 (XEN_ELFNOTE_PHYS32_ENTRY)
//! and jumps there with paging off and `ebx` pointing at the `hvm_start_info`. The code
//! below turns on SSE (the prebuilt `core` uses it), builds boot page tables that
//! identity-map and direct-map the first GiB and map the kernel at -2 GiB, enters long
//! mode, and calls `hal_boot_entry` on the boot stack. The kernel replaces these tables
//! with its own as soon as it has a frame allocator.

use crate::bootinfo::{self, BootInfo, BootInfoError, KernelImage};
use crate::layout::{KERNEL_BASE, PHYS_OFFSET};

core::arch::global_asm!(
    r#"
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .long pvh_start32

    .section .boot.text, "ax"
    .code32
    .global pvh_start32
pvh_start32:
    # The TSC at the kernel's first instruction: under `-icount` it counts what ran
    # before us (firmware), which `cargo xtask bench` subtracts from boot figures.
    rdtsc
    mov %eax, boot_entry_tsc
    mov %edx, boot_entry_tsc + 4
    cli
    cld
    mov %ebx, %esi

    # SSE on before any Rust runs: CR0.EM and TS off, MP on; CR4.OSFXSR, OSXMMEXCPT, PAE.
    # CR0.NE on: an unmasked x87 exception is #MF (vector 16) in the process that
    # raised it, not the legacy FERR# line, which nothing here listens to.
    mov %cr0, %eax
    and $0xfffffff3, %eax
    or $0x22, %eax
    mov %eax, %cr0
    mov %cr4, %eax
    or $0x620, %eax
    mov %eax, %cr4

    # Four zeroed pages: PML4, low PDPT, high PDPT, one PD of 2 MiB pages.
    mov $boot_page_tables, %edi
    mov $4096, %ecx
    xor %eax, %eax
    rep stosl

    mov $boot_pdpt_low, %eax
    or $3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    mov $boot_pdpt_high, %eax
    or $3, %eax
    mov %eax, boot_pml4 + 511 * 8
    mov $boot_pd, %eax
    or $3, %eax
    mov %eax, boot_pdpt_low
    mov %eax, boot_pdpt_high + 510 * 8
    mov $boot_pd, %edi
    mov $0x83, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b

    mov $boot_pml4, %eax
    mov %eax, %cr3

    # EFER: long mode, and no-execute where the CPU has it.
    mov $0x80000001, %eax
    cpuid
    mov %edx, %ebx
    mov $0xc0000080, %ecx
    rdmsr
    or $0x100, %eax
    test $0x100000, %ebx
    jz 2f
    or $0x800, %eax
2:  wrmsr

    mov %cr0, %eax
    or $0x80010001, %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $pvh_long_mode

    .code64
pvh_long_mode:
    xor %eax, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov %esi, %edi
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp
    movabs $hal_boot_entry, %rax
    call *%rax
    ud2

    .section .boot.data, "aw"
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
    .p2align 3
    .global boot_entry_tsc
boot_entry_tsc:
    .quad 0

    .section .boot.bss, "aw", @nobits
    .p2align 12
boot_page_tables:
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4096

    .section .bss.boot_stack, "aw", @nobits
    .p2align 12
    .global boot_stack_bottom
boot_stack_bottom:
    .skip 65536
    .global boot_stack_top
boot_stack_top:
    "#,
    options(att_syntax)
);

unsafe extern "C" {
    static __kernel_phys_start: u8;
    static __kernel_end: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
    static boot_stack_bottom: u8;
    static boot_stack_top: u8;
    static boot_entry_tsc: u8;
}

unsafe extern "Rust" {
    /// Defined by the kernel image through [`entry_point!`](crate::entry_point).
    fn nymph_kernel_main(info: &'static BootInfo) -> !;
}

static BOOT_INFO: spin::Once<BootInfo> = spin::Once::new();

pub(crate) fn kernel_image() -> KernelImage {
    fn addr(sym: &u8) -> u64 {
        core::ptr::from_ref(sym) as u64
    }
    // SAFETY: these are linker-script symbols; only their addresses are taken, never read.
    let (ps, ke, ts, te, rs, re, ds, de, sb, st) = unsafe {
        (
            addr(&__kernel_phys_start),
            addr(&__kernel_end),
            addr(&__text_start),
            addr(&__text_end),
            addr(&__rodata_start),
            addr(&__rodata_end),
            addr(&__data_start),
            addr(&__data_end),
            addr(&boot_stack_bottom),
            addr(&boot_stack_top),
        )
    };
    KernelImage {
        phys_start: ps,
        phys_end: ke - KERNEL_BASE,
        text: (ts, te),
        rodata: (rs, re),
        data: (ds, de),
        boot_stack: (sb, st),
    }
}

/// The boot page tables map the first GiB at `PHYS_OFFSET`; the loader's structures live there.
const BOOT_REACH: u64 = 1 << 30;

fn read_phys<const N: usize>(phys: u64) -> Result<[u8; N], BootInfoError> {
    if phys
        .checked_add(N as u64)
        .is_none_or(|end| end > BOOT_REACH)
    {
        return Err(BootInfoError::OutOfReach(phys));
    }
    // SAFETY: the range lies in the first GiB, which the boot page tables map read-write
    // at PHYS_OFFSET; unaligned reads are done bytewise by `read_unaligned`.
    Ok(unsafe { core::ptr::read_unaligned((PHYS_OFFSET + phys) as *const [u8; N]) })
}

#[unsafe(no_mangle)]
extern "C" fn hal_boot_entry(start_info: u64) -> ! {
    // SAFETY: only the address of the boot-data symbol is taken; it lies in the .boot
    // section at its physical address, which `read_phys` reaches through the direct map.
    let tsc_at = unsafe { core::ptr::from_ref(&boot_entry_tsc) as u64 };
    crate::cpu::set_boot_entry_tsc(read_phys::<8>(tsc_at).map_or(0, u64::from_le_bytes));
    crate::serial::init();
    crate::fpu::init_boot_cpu();
    crate::gdt::init();
    crate::trap::init();
    let mut info = BootInfo::empty();
    info.kernel = kernel_image();
    let parsed = bootinfo::parse_pvh(
        start_info,
        &|a| read_phys::<4>(a).map(u32::from_le_bytes),
        &|a| read_phys::<8>(a).map(u64::from_le_bytes),
        &|a| read_phys::<1>(a).map(|b| b[0]),
        &mut info,
    );
    if let Err(e) = parsed {
        crate::serial::print(format_args!(
            "PANIC at {}:{}:{}: cannot read the PVH start info at {:#x}: {:?}\n",
            file!(),
            line!(),
            column!(),
            start_info,
            e
        ));
        crate::exit::exit_qemu(crate::exit::ExitStatus::Failure);
    }
    let info = BOOT_INFO.call_once(|| info);
    // SAFETY: `nymph_kernel_main` is defined exactly once, by `entry_point!` in the image,
    // with this signature.
    unsafe { nymph_kernel_main(info) }
}

/// Declares the kernel's main function: `nymph_hal::entry_point!(path::to::main)` where
/// `main: fn(&'static BootInfo) -> !`. The image crate uses it once.
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        // SAFETY: the one definition of the symbol the boot code calls.
        #[allow(unsafe_code)]
        #[unsafe(export_name = "nymph_kernel_main")]
        fn __nymph_kernel_main(info: &'static $crate::bootinfo::BootInfo) -> ! {
            let main: fn(&'static $crate::bootinfo::BootInfo) -> ! = $main;
            main(info)
        }
    };
}
