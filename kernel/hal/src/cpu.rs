//! CPU identification, feature bits, interrupts on/off, halting and the TSC.

use core::arch::x86_64::{__cpuid, __cpuid_count, _rdtsc};
use x86_64::instructions::interrupts;

/// The CPU facts the kernel uses or reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuInfo {
    pub vendor: [u8; 12],
    pub hypervisor: [u8; 12],
    pub has_hypervisor: bool,
    pub sse2: bool,
    pub fxsr: bool,
    pub xsave: bool,
    pub nx: bool,
    pub smep: bool,
    pub smap: bool,
    pub pdpe1gb: bool,
    pub apic: bool,
    pub tsc: bool,
}

/// Which accelerator runs the guest, as far as CPUID tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accelerator {
    Kvm,
    Tcg,
    OtherHypervisor,
    BareMetal,
}

impl CpuInfo {
    /// Reads CPUID.
    pub fn read() -> Self {
        let leaf0 = __cpuid(0);
        let mut vendor = [0u8; 12];
        vendor[0..4].copy_from_slice(&leaf0.ebx.to_le_bytes());
        vendor[4..8].copy_from_slice(&leaf0.edx.to_le_bytes());
        vendor[8..12].copy_from_slice(&leaf0.ecx.to_le_bytes());
        let leaf1 = __cpuid(1);
        let leaf7_ebx = if leaf0.eax >= 7 {
            __cpuid_count(7, 0).ebx
        } else {
            0
        };
        let ext = __cpuid(0x8000_0001);
        let has_hypervisor = leaf1.ecx & (1 << 31) != 0;
        let mut hypervisor = [0u8; 12];
        if has_hypervisor {
            let hv = __cpuid(0x4000_0000);
            hypervisor[0..4].copy_from_slice(&hv.ebx.to_le_bytes());
            hypervisor[4..8].copy_from_slice(&hv.ecx.to_le_bytes());
            hypervisor[8..12].copy_from_slice(&hv.edx.to_le_bytes());
        }
        CpuInfo {
            vendor,
            hypervisor,
            has_hypervisor,
            sse2: leaf1.edx & (1 << 26) != 0,
            fxsr: leaf1.edx & (1 << 24) != 0,
            xsave: leaf1.ecx & (1 << 26) != 0,
            tsc: leaf1.edx & (1 << 4) != 0,
            apic: leaf1.edx & (1 << 9) != 0,
            nx: ext.edx & (1 << 20) != 0,
            pdpe1gb: ext.edx & (1 << 26) != 0,
            smep: leaf7_ebx & (1 << 7) != 0,
            smap: leaf7_ebx & (1 << 20) != 0,
        }
    }

    /// Which accelerator this is: KVM announces itself as "KVMKVMKVM", QEMU's TCG as
    /// "TCGTCGTCGTCG" (or with no hypervisor leaf at all on older QEMU with `-cpu max`).
    pub fn accelerator(&self) -> Accelerator {
        if !self.has_hypervisor {
            return Accelerator::BareMetal;
        }
        match &self.hypervisor {
            b"KVMKVMKVM\0\0\0" => Accelerator::Kvm,
            b"TCGTCGTCGTCG" => Accelerator::Tcg,
            _ => Accelerator::OtherHypervisor,
        }
    }

    pub fn vendor_str(&self) -> &str {
        core::str::from_utf8(&self.vendor).unwrap_or("?")
    }

    pub fn hypervisor_str(&self) -> &str {
        core::str::from_utf8(&self.hypervisor)
            .unwrap_or("?")
            .trim_end_matches('\0')
    }
}

static BOOT_ENTRY_TSC: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Kept by the boot code (bare metal only): the TSC at the kernel's first instruction.
#[cfg(feature = "bare-metal")]
pub(crate) fn set_boot_entry_tsc(tsc: u64) {
    BOOT_ENTRY_TSC.store(tsc, core::sync::atomic::Ordering::Relaxed);
}

/// The TSC at the kernel's first instruction (0 where no boot code saved it, as in
/// host tests).
pub fn boot_entry_tsc() -> u64 {
    BOOT_ENTRY_TSC.load(core::sync::atomic::Ordering::Relaxed)
}

/// Reads the time-stamp counter (under `-icount`, it counts guest instructions).
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC is unprivileged unless CR4.TSD is set, which Nymph never sets.
    unsafe { _rdtsc() }
}

/// Stops the CPU for good: interrupts off, then halt in a loop.
pub fn halt_forever() -> ! {
    interrupts::disable();
    loop {
        x86_64::instructions::hlt();
    }
}

/// Enables interrupts for one instruction, so that those pending (a tick due during a
/// long stretch of kernel work) are taken now, then disables them again.
pub fn take_pending_interrupts() {
    // SAFETY: `sti; nop; cli` only changes the interrupt flag: pending interrupts are
    // taken after the `nop` (STI's one-instruction shadow). As in `wait_for_interrupt`,
    // the block is not marked `nostack`, so the compiler keeps nothing in the red zone
    // across it and the interrupt frame overwrites nothing live.
    unsafe { core::arch::asm!("sti", "nop", "cli") }
}

/// Enables interrupts just long enough to wait for the next one, then disables them again.
/// Kernel code otherwise runs with interrupts off: the prebuilt `core` uses the red zone,
/// which an interrupt on the same stack would overwrite.
pub fn wait_for_interrupt() {
    // SAFETY: `sti; hlt; cli` only changes the interrupt flag and waits. The one-instruction
    // shadow of STI means no interrupt is lost between STI and HLT. The block is not marked
    // `nostack`, so the compiler keeps nothing in the red zone across it: the interrupt
    // frame pushed on this stack overwrites nothing live.
    unsafe { core::arch::asm!("sti", "hlt", "cli") }
}
