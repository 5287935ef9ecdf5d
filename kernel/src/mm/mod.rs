//! Memory management: physical frames, the kernel's page tables, and the heap.

pub mod frame;
pub mod heap;
pub mod kspace;
pub mod uspace;

use nymph_hal::bootinfo::BootInfo;

/// Brings up memory management: frames from the boot memory map, the kernel's own page
/// tables, then the heap. Panics (with the reason) when any step cannot complete: the
/// kernel cannot run without them.
pub fn init(info: &BootInfo) {
    frame::init(info);
    if let Err(e) = kspace::init(info) {
        panic!("cannot build the kernel page tables: {e:?}");
    }
    if let Err(e) = heap::init() {
        panic!("cannot set up the kernel heap: {e:?}");
    }
}
