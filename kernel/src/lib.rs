//! Nymph's core kernel: memory management, time, the boot sequence and the in-kernel
//! test framework, in ABI-neutral terms. It reaches the hardware only through
//! `nymph-hal`, and holds no syscall numbers, errno values or struct layouts of any ABI.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod boot;
pub mod cmdline;
pub mod error;
pub mod exec;
pub mod file;
pub mod host;
pub mod ipc;
pub mod klog;
mod kqueue_tests;
pub mod ktest;
pub mod mm;
pub mod process;
mod process_tests;
pub mod sched;
mod sched_tests;
mod selftest;
mod socket_tests;
pub mod stats;
pub mod stdio_ports;
pub mod sync;
pub mod time;
mod trap_tests;
pub mod tty;
mod tty_tests;
mod user_tests;
pub mod vfs;
mod vfs_tests;

#[doc(hidden)]
pub use alloc::format as __format;
