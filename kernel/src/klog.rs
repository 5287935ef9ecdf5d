//! The kernel log: the `log` crate's records, one line each on the console, stamped with
//! the uptime: `[secs.millis] LEVEL target: message`.
//!
//! What goes to the console (these lines and the boot banner) is also kept in the
//! message buffer, BSD's msgbuf: a ring of the newest [`MESSAGE_BUFFER_SIZE`] bytes,
//! which a personality shows its dmesg ([`messages`]).

use crate::sync::Mutex;
use alloc::vec::Vec;
use core::fmt;
use log::{LevelFilter, Log, Metadata, Record};

/// Bytes the message buffer keeps (BSD's MSGBUF_SIZE).
pub const MESSAGE_BUFFER_SIZE: usize = 32 * 1024;

/// The ring: byte `i` of everything ever written is at `i % MESSAGE_BUFFER_SIZE`;
/// bytes not yet written are zero (dmesg skips NULs).
struct MessageRing {
    bytes: [u8; MESSAGE_BUFFER_SIZE],
    written: u64,
}

impl fmt::Write for MessageRing {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            self.bytes[(self.written % MESSAGE_BUFFER_SIZE as u64) as usize] = b;
            self.written += 1;
        }
        Ok(())
    }
}

static MESSAGES: Mutex<MessageRing> = Mutex::new(MessageRing {
    bytes: [0; MESSAGE_BUFFER_SIZE],
    written: 0,
});

/// Keeps `args` in the message buffer. A message that finds the buffer in use (one
/// logged while it is copied) goes to the console only.
fn keep(args: fmt::Arguments<'_>) {
    if let Some(mut ring) = MESSAGES.try_lock() {
        let _ = fmt::write(&mut *ring, args);
    }
}

/// Prints a message on the console and keeps it in the message buffer (the boot
/// banner; log records go through the logger).
pub fn print(args: fmt::Arguments<'_>) {
    nymph_hal::serial::log(args);
    keep(args);
}

/// Empties the message buffer: every byte zero, the next written at the start.
pub fn clear_messages() {
    let mut ring = MESSAGES.lock();
    ring.bytes.fill(0);
    ring.written = 0;
}

/// The message buffer as it is: the ring's bytes (where each byte is, see
/// [`MESSAGE_BUFFER_SIZE`]) and how many bytes were ever written.
pub fn messages() -> (Vec<u8>, u64) {
    let ring = MESSAGES.lock();
    (ring.bytes.to_vec(), ring.written)
}

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

impl Log for ConsoleLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ms = crate::time::uptime_ms();
        print(format_args!(
            "[{:5}.{:03}] {:<5} {}: {}\n",
            ms / 1000,
            ms % 1000,
            record.level(),
            record.target(),
            record.args()
        ));
    }

    fn flush(&self) {}
}

/// Parses a `loglevel=` value; unknown words give `None`.
pub fn parse_level(word: &str) -> Option<LevelFilter> {
    match word {
        "off" => Some(LevelFilter::Off),
        "error" => Some(LevelFilter::Error),
        "warn" => Some(LevelFilter::Warn),
        "info" => Some(LevelFilter::Info),
        "debug" => Some(LevelFilter::Debug),
        "trace" => Some(LevelFilter::Trace),
        _ => None,
    }
}

/// Installs the console logger at `level`.
pub fn init(level: LevelFilter) {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
