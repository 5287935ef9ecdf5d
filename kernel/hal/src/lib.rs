//! Nymph's hardware layer: the one crate that may use `unsafe`.
//!
//! It owns everything that touches the machine directly: the PVH entry and the
//! switch to long mode, descriptor tables, trap entry and dispatch, FPU/SSE state,
//! page tables, port I/O (serial console, PIC, PIT, QEMU's exit device), the
//! kernel heap's allocator, and the fault-catching copy routine. Everything above
//! it (`nymph-kernel`, personalities, the image) is `#![forbid(unsafe_code)]` and
//! reaches the hardware only through the safe functions exported here.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

#[cfg(feature = "bare-metal")]
mod boot;
pub mod bootinfo;
pub mod context;
pub mod copy;
pub mod cpu;
pub mod debugreg;
pub mod exit;
pub mod fpu;
pub mod gdt;
pub mod heap;
pub mod ioports;
pub mod layout;
pub mod ldt;
pub mod paging;
pub mod pci;
mod port;
#[cfg(feature = "bare-metal")]
mod rt;
pub mod rtc;
pub mod serial;
pub mod timer;
pub mod trap;
pub mod user;
pub mod virtio_console;

pub use x86_64::{PhysAddr, VirtAddr};
