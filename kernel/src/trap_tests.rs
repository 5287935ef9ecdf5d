//! Tests of the exception path: faults the kernel expects are caught and resumed, the
//! FPU/SSE state of interrupted code survives a trap, and user copies check their range.

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, kassert_eq, kfail, ktest};
use nymph_hal::copy::{self, UserCopyError};
use nymph_hal::layout::{KERNEL_BASE, TEST_WINDOW};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(breakpoint_trap_returns),
    ktest!(page_fault_is_caught_with_address),
    ktest!(invalid_opcode_is_caught),
    ktest!(xmm_registers_survive_a_trap),
    ktest!(user_copy_refuses_kernel_addresses),
];

fn breakpoint_trap_returns() -> TestResult {
    let before = nymph_hal::trap::breakpoint_count();
    nymph_hal::trap::breakpoint();
    nymph_hal::trap::breakpoint();
    kassert_eq!(nymph_hal::trap::breakpoint_count(), before + 2);
    Ok(())
}

fn page_fault_is_caught_with_address() -> TestResult {
    // Far into the test window, where nothing is ever mapped.
    let target = TEST_WINDOW + (1 << 30) + 0x123;
    let mut buf = [0u8; 16];
    match copy::probe_kernel_read(&mut buf, target) {
        Ok(()) => kfail!("read of unmapped {target:#x} succeeded"),
        Err(fault) => {
            kassert_eq!(fault.copied, 0);
            let caught = fault.fault;
            kassert_eq!(caught.map(|f| f.vector), Some(14));
            kassert_eq!(caught.map(|f| f.address), Some(target));
            // Error code: not present (bit 0 clear), read (bit 1 clear), supervisor (bit 2 clear).
            kassert_eq!(caught.map(|f| f.error_code & 0x7), Some(0));
        }
    }
    Ok(())
}

fn invalid_opcode_is_caught() -> TestResult {
    kassert!(copy::invalid_opcode_is_caught(), "ud2 was not caught");
    kassert_eq!(
        nymph_hal::trap::last_caught_fault().map(|f| f.vector),
        Some(6)
    );
    Ok(())
}

fn xmm_registers_survive_a_trap() -> TestResult {
    let mut pattern = [0u8; 256];
    for (i, b) in pattern.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    let after = nymph_hal::fpu::xmm_after_trap(&pattern);
    for reg in 0..16 {
        let range = reg * 16..reg * 16 + 16;
        kassert!(
            after[range.clone()] == pattern[range.clone()],
            "xmm{} changed across the trap: {:02x?}",
            reg,
            &after[range]
        );
    }
    Ok(())
}

fn user_copy_refuses_kernel_addresses() -> TestResult {
    let mut buf = [0u8; 8];
    kassert_eq!(
        copy::copy_from_user(&mut buf, KERNEL_BASE, u64::MAX),
        Err(UserCopyError::BadAddress)
    );
    // A range that starts in the user half and runs past its end.
    kassert_eq!(
        copy::copy_from_user(&mut buf, 0x0000_7fff_ffff_fffc, u64::MAX),
        Err(UserCopyError::BadAddress)
    );
    // A 32-bit process cannot name anything at or above 4 GiB.
    kassert_eq!(
        copy::copy_to_user(0xffff_fffc, &buf, 1 << 32),
        Err(UserCopyError::BadAddress)
    );
    // In range but unmapped (the kernel's tables map nothing in the user half): a fault.
    match copy::copy_from_user(&mut buf, 0x1000, u64::MAX) {
        Err(UserCopyError::Fault(f)) => {
            kassert_eq!(f.fault.map(|c| c.address), Some(0x1000));
        }
        other => kfail!("copy from unmapped user page gave {other:?}"),
    }
    Ok(())
}
