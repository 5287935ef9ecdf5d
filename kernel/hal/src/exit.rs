//! Leaving QEMU with a status through the `isa-debug-exit` device (iobase 0xf4).
//!
//! QEMU exits with `(value << 1) | 1`: success (0x10) gives 33, failure (0x11) gives 35.
//! Any other QEMU status (0 after a triple fault with `-no-reboot`) means the kernel died
//! without reporting; the host harness treats it as a failure.

use crate::port::outl;

/// How the kernel ends a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
}

const DEBUG_EXIT_PORT: u16 = 0xf4;

/// Leaves QEMU; on a machine without the exit device, halts forever.
pub fn exit_qemu(status: ExitStatus) -> ! {
    let code = match status {
        ExitStatus::Success => 0x10,
        ExitStatus::Failure => 0x11,
    };
    outl(DEBUG_EXIT_PORT, code);
    crate::cpu::halt_forever()
}
