//! The periodic tick: the 8254 PIT on IRQ 0 through the 8259 PICs, remapped to vectors
//! 32-47. (The LAPIC timer would need calibration against the PIT anyway; one CPU and
//! a 100 Hz tick make the PIT the simpler choice until SMP.)

use crate::port::{inb, outb};

const PIC1_CMD: u16 = 0x20;
const PIC1_DATA: u16 = 0x21;
const PIC2_CMD: u16 = 0xa0;
const PIC2_DATA: u16 = 0xa1;
const PIT_CH0: u16 = 0x40;
const PIT_CMD: u16 = 0x43;
const PIT_HZ: u32 = 1_193_182;

/// Remaps both PICs to vectors 32-47 and masks every line.
pub fn pic_init() {
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, 32);
    outb(PIC2_DATA, 40);
    outb(PIC1_DATA, 4);
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, 0x01);
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

/// Unmasks one legacy IRQ line (and the cascade when it is on the second PIC).
pub fn unmask_irq(irq: u8) {
    if irq < 8 {
        outb(PIC1_DATA, inb(PIC1_DATA) & !(1 << irq));
    } else if irq < 16 {
        outb(PIC2_DATA, inb(PIC2_DATA) & !(1 << (irq - 8)));
        outb(PIC1_DATA, inb(PIC1_DATA) & !(1 << 2));
    }
}

/// Acknowledges an IRQ. Returns false for a spurious IRQ 7/15 (nothing to handle).
pub(crate) fn pic_acknowledge(irq: u8) -> bool {
    const READ_ISR: u8 = 0x0b;
    if irq == 7 || irq == 15 {
        let cmd = if irq == 7 { PIC1_CMD } else { PIC2_CMD };
        outb(cmd, READ_ISR);
        if inb(cmd) & 0x80 == 0 {
            if irq == 15 {
                outb(PIC1_CMD, 0x20);
            }
            return false;
        }
    }
    if irq >= 8 {
        outb(PIC2_CMD, 0x20);
    }
    outb(PIC1_CMD, 0x20);
    true
}

/// Starts PIT channel 0 as a rate generator at `hz` and unmasks IRQ 0.
/// Returns the exact rate obtained (the divisor is an integer).
pub fn start_periodic(hz: u32) -> u32 {
    let divisor = (PIT_HZ / hz.max(19)).clamp(1, 65535);
    outb(PIT_CMD, 0x34);
    outb(PIT_CH0, divisor as u8);
    outb(PIT_CH0, (divisor >> 8) as u8);
    unmask_irq(0);
    PIT_HZ / divisor
}
