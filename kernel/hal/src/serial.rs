//! The 16550 UART on COM1: the kernel console.

use crate::port::{inb, outb};
use core::fmt;
use spin::Mutex;

const COM1: u16 = 0x3f8;
const LSR_THR_EMPTY: u8 = 1 << 5;

static LOCK: Mutex<()> = Mutex::new(());

/// Programs COM1 for 115200 8N1 with FIFOs on and interrupts off.
pub fn init() {
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x80);
    outb(COM1, 0x01);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 2, 0xc7);
    outb(COM1 + 4, 0x0b);
}

fn put_byte(byte: u8) {
    while inb(COM1 + 5) & LSR_THR_EMPTY == 0 {
        core::hint::spin_loop();
    }
    outb(COM1, byte);
}

fn put_bytes(bytes: &[u8]) {
    for &b in bytes {
        if b == b'\n' {
            put_byte(b'\r');
        }
        put_byte(b);
    }
}

/// Writes under the console lock, so lines from different contexts do not interleave.
pub fn write_bytes(bytes: &[u8]) {
    let _guard = LOCK.lock();
    put_bytes(bytes);
}

/// Writes without taking the lock: for the panic and exception paths, which may run
/// while the lock is held by the code that failed.
pub fn write_bytes_unlocked(bytes: &[u8]) {
    put_bytes(bytes);
}

/// A `fmt::Write` sink on the console; `locked` chooses between the two paths above.
#[derive(Debug)]
pub struct Console {
    pub locked: bool,
}

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.locked {
            write_bytes(s.as_bytes());
        } else {
            write_bytes_unlocked(s.as_bytes());
        }
        Ok(())
    }
}

/// Formats to the console in one locked write per call.
pub fn print(args: fmt::Arguments<'_>) {
    let _guard = LOCK.lock();
    let mut raw = RawConsole;
    let _ = fmt::write(&mut raw, args);
}

struct RawConsole;

impl fmt::Write for RawConsole {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        put_bytes(s.as_bytes());
        Ok(())
    }
}
