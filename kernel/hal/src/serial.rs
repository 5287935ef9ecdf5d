//! The 16550 UARTs: COM1 is the console; COM2, when the command line asks for it,
//! carries the kernel log so that a program's output on the console stays clean; COM3
//! and COM4, when asked for, carry init's standard output and error byte for byte.

use crate::port::{inb, outb};
use core::fmt;
use core::sync::atomic::{AtomicU16, Ordering};
use spin::Mutex;

/// The console port.
pub const COM1: u16 = 0x3f8;
/// The second port.
pub const COM2: u16 = 0x2f8;
/// The third and fourth ports.
pub const COM3: u16 = 0x3e8;
pub const COM4: u16 = 0x2e8;
/// The console port's interrupt line.
pub const COM1_IRQ: u8 = 4;
const LSR_THR_EMPTY: u8 = 1 << 5;
const LSR_DATA_READY: u8 = 1 << 0;
const IER_RX_AVAILABLE: u8 = 1 << 0;

static LOCK: Mutex<()> = Mutex::new(());
static LOG_PORT: AtomicU16 = AtomicU16::new(COM1);

fn init_port(port: u16) {
    outb(port + 1, 0x00);
    outb(port + 3, 0x80);
    outb(port, 0x01);
    outb(port + 1, 0x00);
    outb(port + 3, 0x03);
    outb(port + 2, 0xc7);
    outb(port + 4, 0x0b);
}

/// Programs COM1 for 115200 8N1 with FIFOs on and interrupts off.
pub fn init() {
    init_port(COM1);
}

/// Programs `port` when the machine has it (the scratch register must hold what is
/// written to it); whether it does.
pub fn open_port(port: u16) -> bool {
    outb(port + 7, 0x5a);
    if inb(port + 7) != 0x5a {
        return false;
    }
    init_port(port);
    true
}

/// Sends the kernel log to COM2 from now on (when the machine has one).
pub fn log_to_com2() -> bool {
    if !open_port(COM2) {
        return false;
    }
    LOG_PORT.store(COM2, Ordering::Relaxed);
    true
}

/// Writes `bytes` to `port` untranslated (a port [`open_port`] opened).
pub fn write_raw(port: u16, bytes: &[u8]) {
    let _guard = LOCK.lock();
    for &b in bytes {
        put_byte(port, b);
    }
}

fn put_byte(port: u16, byte: u8) {
    while inb(port + 5) & LSR_THR_EMPTY == 0 {
        core::hint::spin_loop();
    }
    outb(port, byte);
}

fn put_bytes_to(port: u16, bytes: &[u8]) {
    for &b in bytes {
        if b == b'\n' {
            put_byte(port, b'\r');
        }
        put_byte(port, b);
    }
}

fn put_bytes(bytes: &[u8]) {
    put_bytes_to(COM1, bytes);
}

/// Formats a kernel log line to the log port (COM1 unless moved to COM2).
pub fn log(args: fmt::Arguments<'_>) {
    let port = LOG_PORT.load(Ordering::Relaxed);
    let _guard = LOCK.lock();
    let mut sink = PortSink(port);
    let _ = fmt::write(&mut sink, args);
}

struct PortSink(u16);

impl fmt::Write for PortSink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        put_bytes_to(self.0, s.as_bytes());
        Ok(())
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

/// Writes terminal output to the console byte for byte, untranslated: the terminal's
/// output processing (ONLCR) has made newlines CR LF already when it should.
pub fn write_console(bytes: &[u8]) {
    write_raw(COM1, bytes);
}

/// Turns on COM1's received-data interrupt (IRQ 4 once the PIC line is unmasked).
pub fn enable_input_interrupt() {
    outb(COM1 + 1, IER_RX_AVAILABLE);
}

/// Hands every byte COM1 has received to `f`, oldest first (also acknowledges the
/// received-data interrupt, which ends when the FIFO is empty).
pub fn take_input(mut f: impl FnMut(u8)) {
    while inb(COM1 + 5) & LSR_DATA_READY != 0 {
        f(inb(COM1));
    }
}
