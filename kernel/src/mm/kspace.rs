//! The kernel's own address space: the direct map of physical memory and the kernel image
//! mapped with per-section permissions, replacing the boot page tables.

use super::frame::{self, FRAMES};
use nymph_hal::bootinfo::BootInfo;
use nymph_hal::layout::{KERNEL_BASE, PAGE_SIZE, PHYS_OFFSET, TEST_WINDOW};
use nymph_hal::paging::{self, MapError, PageFlags, PageTableRoot};
use spin::Once;

const HUGE: u64 = 2 * 1024 * 1024;

static KERNEL_ROOT: Once<PageTableRoot> = Once::new();

/// Why the kernel address space could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KspaceError {
    Map(MapError),
    Activate(paging::ActivateError),
}

impl From<MapError> for KspaceError {
    fn from(e: MapError) -> Self {
        KspaceError::Map(e)
    }
}

/// The kernel's page-table root (shared by every process's kernel half).
pub fn kernel_root() -> PageTableRoot {
    KERNEL_ROOT
        .get()
        .copied()
        .unwrap_or_else(PageTableRoot::current)
}

fn map_section(
    root: &PageTableRoot,
    (start, end): (u64, u64),
    flags: PageFlags,
    skip: Option<u64>,
) -> Result<(), MapError> {
    let mut frames = FRAMES.lock();
    for virt in (start..end).step_by(PAGE_SIZE as usize) {
        if Some(virt) == skip {
            continue;
        }
        root.map_4k(virt, virt - KERNEL_BASE, flags, &mut *frames)?;
    }
    Ok(())
}

/// Builds the kernel page tables and switches to them.
pub fn init(info: &BootInfo) -> Result<(), KspaceError> {
    let root = PageTableRoot::new(&mut *FRAMES.lock())?;
    let direct_end = FRAMES.lock().max_usable.div_ceil(HUGE) * HUGE;
    {
        let mut frames = FRAMES.lock();
        let flags = PageFlags::WRITABLE | PageFlags::NO_EXECUTE | PageFlags::GLOBAL;
        for phys in (0..direct_end).step_by(HUGE as usize) {
            root.map_2m(PHYS_OFFSET + phys, phys, flags, &mut *frames)?;
        }
    }
    let k = &info.kernel;
    map_section(&root, k.text, PageFlags::GLOBAL, None)?;
    map_section(
        &root,
        k.rodata,
        PageFlags::NO_EXECUTE | PageFlags::GLOBAL,
        None,
    )?;
    // The boot stack's lowest page stays unmapped: an overflow faults instead of
    // running into the data below it.
    map_section(
        &root,
        k.data,
        PageFlags::WRITABLE | PageFlags::NO_EXECUTE | PageFlags::GLOBAL,
        Some(k.boot_stack.0),
    )?;
    paging::activate(
        root,
        &[
            ("kernel data", k.data.0),
            ("boot stack", k.boot_stack.1 - 8),
        ],
    )
    .map_err(KspaceError::Activate)?;
    paging::set_direct_map_end(direct_end);
    KERNEL_ROOT.call_once(|| root);
    log::debug!(
        "kernel page tables at {:#x}: direct map of {} MiB, image {:#x}-{:#x}",
        root.phys(),
        direct_end >> 20,
        k.text.0,
        k.data.1
    );
    Ok(())
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, kassert_eq, kfail, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(map_read_unmap_page),
    ktest!(kernel_sections_have_their_permissions),
    ktest!(double_map_is_refused),
    ktest!(boot_stack_guard_page_is_unmapped),
];

fn map_read_unmap_page() -> TestResult {
    let root = kernel_root();
    let Some(phys) = frame::alloc() else {
        kfail!("no frame");
    };
    let virt = TEST_WINDOW;
    let pattern: [u8; 8] = *b"nymph!\x01\x02";
    paging::zero_frame(phys);
    paging::write_frame(phys, 100, &pattern);
    let mapped = root.map_4k(
        virt,
        phys,
        PageFlags::WRITABLE | PageFlags::NO_EXECUTE,
        &mut *FRAMES.lock(),
    );
    kassert_eq!(mapped, Ok(()));
    kassert_eq!(root.translate(virt + 100).map(|(p, _)| p), Some(phys + 100));
    let mut seen = [0u8; 8];
    let read = nymph_hal::copy::probe_kernel_read(&mut seen, virt + 100);
    kassert!(
        read.is_ok(),
        "read through the new mapping faulted: {read:?}"
    );
    kassert_eq!(seen, pattern);
    kassert_eq!(root.unmap_4k(virt), Some(phys));
    kassert_eq!(root.translate(virt), None);
    let after = nymph_hal::copy::probe_kernel_read(&mut seen, virt + 100);
    frame::free(phys);
    match after {
        Err(fault) => {
            let caught = fault.fault;
            kassert_eq!(caught.map(|f| f.vector), Some(14));
            kassert_eq!(caught.map(|f| f.address), Some(virt + 100));
        }
        Ok(()) => kfail!("read after unmap did not fault (stale TLB entry?)"),
    }
    Ok(())
}

fn kernel_sections_have_their_permissions() -> TestResult {
    let root = kernel_root();
    let k = crate::boot::boot_info().kernel;
    let text = root.translate(k.text.0).map(|(_, f)| f);
    let rodata = root.translate(k.rodata.0).map(|(_, f)| f);
    let data = root.translate(k.data.0).map(|(_, f)| f);
    kassert!(
        text.is_some_and(|f| !f.contains(PageFlags::WRITABLE)
            && !f.contains(PageFlags::NO_EXECUTE)),
        "text flags {text:?}"
    );
    kassert!(
        rodata.is_some_and(|f| !f.contains(PageFlags::WRITABLE)),
        "rodata flags {rodata:?}"
    );
    kassert!(
        data.is_some_and(|f| f.contains(PageFlags::WRITABLE)),
        "data flags {data:?}"
    );
    kassert_eq!(
        root.translate(k.text.0).map(|(p, _)| p),
        Some(k.text.0 - KERNEL_BASE)
    );
    // Nothing of the user half is mapped in the kernel's own tables.
    kassert_eq!(root.translate(0x0804_8000), None);
    kassert_eq!(root.translate(0), None);
    Ok(())
}

fn double_map_is_refused() -> TestResult {
    let root = kernel_root();
    let Some(phys) = frame::alloc() else {
        kfail!("no frame");
    };
    let virt = TEST_WINDOW + PAGE_SIZE;
    let flags = PageFlags::WRITABLE | PageFlags::NO_EXECUTE;
    let first = root.map_4k(virt, phys, flags, &mut *FRAMES.lock());
    let second = root.map_4k(virt, phys, flags, &mut *FRAMES.lock());
    let misaligned = root.map_4k(virt + 1, phys, flags, &mut *FRAMES.lock());
    root.unmap_4k(virt);
    frame::free(phys);
    kassert_eq!(first, Ok(()));
    kassert_eq!(second, Err(MapError::AlreadyMapped { virt }));
    kassert_eq!(misaligned, Err(MapError::Misaligned));
    Ok(())
}

fn boot_stack_guard_page_is_unmapped() -> TestResult {
    let k = crate::boot::boot_info().kernel;
    kassert_eq!(kernel_root().translate(k.boot_stack.0), None);
    kassert!(
        kernel_root()
            .translate(k.boot_stack.0 + PAGE_SIZE)
            .is_some()
    );
    Ok(())
}
