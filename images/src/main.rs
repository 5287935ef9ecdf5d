//! The Nymph kernel binary: wires the core kernel (and, in later issues, the
//! personalities) into one bootable image, and owns the panic policy.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::sync::atomic::{AtomicBool, Ordering};
use nymph_hal::bootinfo::BootInfo;
use nymph_hal::exit::{ExitStatus, exit_qemu};
use nymph_kernel::boot::ImageConfig;

nymph_hal::entry_point!(kernel_main);

static IMAGE: ImageConfig = ImageConfig {
    personalities: &[
        &nymph_compat_native::NATIVE_V1,
        &nymph_compat_native::NATIVE_V2,
        &nymph_compat_freebsd4::FREEBSD4,
    ],
    extra_tests: &[nymph_compat_native::ktests::KTESTS],
};

fn kernel_main(info: &'static BootInfo) -> ! {
    nymph_kernel::boot::start(info, &IMAGE)
}

static PANICKING: AtomicBool = AtomicBool::new(false);

/// Prints where and why, then leaves QEMU with the failure status. A panic inside the
/// panic path only exits.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        exit_qemu(ExitStatus::Failure);
    }
    let mut out = nymph_hal::serial::Console { locked: false };
    let _ = match info.location() {
        Some(loc) => core::fmt::write(
            &mut out,
            format_args!(
                "\nPANIC at {}:{}:{}: {}\n",
                loc.file(),
                loc.line(),
                loc.column(),
                info.message()
            ),
        ),
        None => core::fmt::write(
            &mut out,
            format_args!("\nPANIC at <unknown>:0:0: {}\n", info.message()),
        ),
    };
    exit_qemu(ExitStatus::Failure)
}
