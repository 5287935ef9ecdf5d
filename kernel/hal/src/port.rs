//! Port I/O, kept private: each device module wraps the ports it owns.

use x86_64::instructions::port::Port;

pub(crate) fn outb(port: u16, value: u8) {
    // SAFETY: callers in this crate only write to the legacy ports of devices they own
    // (COM1, the 8259 PIC, the 8254 PIT, QEMU's isa-debug-exit); none affects memory safety.
    unsafe { Port::new(port).write(value) }
}

pub(crate) fn inb(port: u16) -> u8 {
    // SAFETY: as for `outb`: reads of device status ports this crate owns.
    unsafe { Port::new(port).read() }
}

pub(crate) fn outl(port: u16, value: u32) {
    // SAFETY: as for `outb`; also PCI configuration addresses and data (0xcf8, 0xcfc)
    // and the registers of functions this crate found and owns.
    unsafe { Port::new(port).write(value) }
}

pub(crate) fn outw(port: u16, value: u16) {
    // SAFETY: as for `outb`; also the I/O registers of PCI functions this crate found
    // and owns (a virtio console's).
    unsafe { Port::new(port).write(value) }
}

pub(crate) fn inw(port: u16) -> u16 {
    // SAFETY: as for `outw`.
    unsafe { Port::new(port).read() }
}

pub(crate) fn inl(port: u16) -> u32 {
    // SAFETY: as for `outw`: PCI configuration data and owned devices' registers.
    unsafe { Port::new(port).read() }
}
