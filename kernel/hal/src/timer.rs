//! The periodic tick: the 8254 PIT on IRQ 0 through the 8259 PICs, remapped to vectors
//! 32-47. (The LAPIC timer would need calibration against the PIT anyway; one CPU and
//! a 100 Hz tick make the PIT the simpler choice until SMP.)

use crate::port::{inb, outb};
use core::sync::atomic::{AtomicU32, Ordering};

const PIC1_CMD: u16 = 0x20;
const PIC1_DATA: u16 = 0x21;
const PIC2_CMD: u16 = 0xa0;
const PIC2_DATA: u16 = 0xa1;
const PIT_CH0: u16 = 0x40;
const PIT_CMD: u16 = 0x43;
const PIT_HZ: u32 = 1_193_182;

/// Channel 0's divisor: the PIT counts a tick lasts (0 until it is started).
static DIVISOR: AtomicU32 = AtomicU32::new(0);

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
    DIVISOR.store(divisor, Ordering::Relaxed);
    unmask_irq(0);
    PIT_HZ / divisor
}

/// The PIT counts a tick lasts (0 before [`start_periodic`]).
pub fn counts_per_tick() -> u32 {
    DIVISOR.load(Ordering::Relaxed)
}

/// The PIT counts since channel 0's last tick began (0 up to [`counts_per_tick`]):
/// how late, within a tick, the interrupt for it is being taken.
pub fn counts_since_tick() -> u32 {
    let divisor = counts_per_tick();
    if divisor == 0 {
        return 0;
    }
    // Latch channel 0's count, then read it low byte first. In mode 2 it runs from the
    // divisor down to 1 and reloads as the tick's edge is made.
    outb(PIT_CMD, 0x00);
    let low = u32::from(inb(PIT_CH0));
    let high = u32::from(inb(PIT_CH0));
    divisor.saturating_sub((high << 8) | low) % divisor
}
