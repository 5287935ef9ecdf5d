//! The kernel log: the `log` crate's records, one line each on the console, stamped with
//! the uptime: `[secs.millis] LEVEL target: message`.
//!
//! What goes to the console (these lines and the boot banner) is also kept in the
//! message buffer, BSD's msgbuf: a ring of the newest [`MESSAGE_BUFFER_SIZE`] bytes,
//! which a personality shows its dmesg ([`messages`]). Messages with a syslog priority
//! (BSD's log(9): [`log_priority`]; what is written to /dev/console: [`log_console`])
//! are kept with it in front, `<N>`, as BSD's msglogchar writes them. /dev/klog
//! ([`LogDevice`]) reads the buffer from where its last reader stopped, as syslogd does.

use crate::file::owner::{AsyncSignals, SignalOwner};
use crate::file::{FileKind, FileOps, Readiness, Sink};
use crate::sched::WaitQueue;
use crate::sync::Mutex;
use crate::vfs::{Error, Result};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use log::{LevelFilter, Log, Metadata, Record};

/// Bytes the message buffer keeps (BSD's MSGBUF_SIZE).
pub const MESSAGE_BUFFER_SIZE: usize = 32 * 1024;

/// syslog's LOG_INFO, the priority of BSD log(9)'s informational messages.
pub const LOG_INFO: u32 = 6;

/// The priority what is written to /dev/console is kept with: LOG_INFO in the
/// LOG_CONSOLE facility (14), as 4.x's log_console keeps it.
pub const CONSOLE_PRIORITY: u32 = 14 << 3 | LOG_INFO;

/// The ring: byte `i` of everything ever written is at `i % MESSAGE_BUFFER_SIZE`;
/// bytes not yet written are zero (dmesg skips NULs).
struct MessageRing {
    bytes: [u8; MESSAGE_BUFFER_SIZE],
    written: u64,
    /// Where /dev/klog's next read starts, counted as `written` is (BSD's msg_bufr):
    /// never more than a ring less one byte behind `written`, the oldest unread bytes
    /// giving way to new ones.
    read: u64,
    /// The priority the line being written was begun with (msglogchar's lastpri).
    line_priority: Option<u32>,
    /// A line is begun and not ended (msglogchar's dangling).
    dangling: bool,
}

impl MessageRing {
    fn add(&mut self, byte: u8) {
        self.bytes[(self.written % MESSAGE_BUFFER_SIZE as u64) as usize] = byte;
        self.written += 1;
        let oldest = self.written.saturating_sub(MESSAGE_BUFFER_SIZE as u64 - 1);
        self.read = self.read.max(oldest);
    }

    /// Keeps `byte` of a message with `priority` (none for the console's own lines):
    /// a line with a priority other than the one begun starts with it, `<N>`, ending
    /// the line begun first. NULs and carriage returns are not kept.
    fn log_byte(&mut self, byte: u8, priority: Option<u32>) {
        if byte == 0 || byte == b'\r' {
            return;
        }
        if let Some(p) = priority
            && priority != self.line_priority
        {
            if self.dangling {
                self.add(b'\n');
                self.dangling = false;
            }
            self.add(b'<');
            let mut digits = [0u8; 10];
            let mut n = p;
            let mut len = 0;
            loop {
                digits[len] = b'0' + (n % 10) as u8;
                len += 1;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            for &d in digits[..len].iter().rev() {
                self.add(d);
            }
            self.add(b'>');
            self.line_priority = priority;
        }
        self.add(byte);
        if byte == b'\n' {
            self.dangling = false;
            self.line_priority = None;
        } else {
            self.dangling = true;
        }
    }

    fn unread(&self) -> u64 {
        self.written - self.read
    }
}

/// A message being kept with a priority.
struct Prioritised<'a>(&'a mut MessageRing, Option<u32>);

impl fmt::Write for Prioritised<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            self.0.log_byte(b, self.1);
        }
        Ok(())
    }
}

static MESSAGES: Mutex<MessageRing> = Mutex::new(MessageRing {
    bytes: [0; MESSAGE_BUFFER_SIZE],
    written: 0,
    read: 0,
    line_priority: None,
    dangling: false,
});

/// Something was kept since /dev/klog's readers were last woken (BSD's
/// msgbuftrigger).
static KEPT_SINCE_WAKE: AtomicBool = AtomicBool::new(false);

/// Keeps `args` in the message buffer with `priority`. A message that finds the buffer
/// in use (one logged while it is copied) goes to the console only.
fn keep(args: fmt::Arguments<'_>, priority: Option<u32>) {
    if let Some(mut ring) = MESSAGES.try_lock() {
        let _ = fmt::write(&mut Prioritised(&mut ring, priority), args);
        KEPT_SINCE_WAKE.store(true, Ordering::Relaxed);
    }
}

/// Prints a message on the console and keeps it in the message buffer (the boot
/// banner; log records go through the logger).
pub fn print(args: fmt::Arguments<'_>) {
    nymph_hal::serial::log(args);
    keep(args, None);
}

/// A message with a syslog priority (BSD's log(9)): on the console as a log record
/// of `target` at `level` (when the log level lets it through), and in the message
/// buffer as BSD's log keeps it, `<N>` in front, ended by a newline, for syslogd to
/// file by its priority. (4.x's log prints on the console only while nobody reads
/// /dev/klog; here the console is the kernel's own record.)
pub fn log_priority(priority: u32, level: log::Level, target: &str, args: fmt::Arguments<'_>) {
    if level <= log::max_level() {
        log_line(level, target, args, nymph_hal::serial::log);
    }
    if let Some(mut ring) = MESSAGES.try_lock() {
        let mut line = Prioritised(&mut ring, Some(priority));
        let _ = fmt::write(&mut line, args);
        let _ = fmt::Write::write_str(&mut line, "\n");
        KEPT_SINCE_WAKE.store(true, Ordering::Relaxed);
    }
}

/// Whether what is written to /dev/console is kept (4.x's kern.log_console_output).
pub static LOG_CONSOLE_OUTPUT: AtomicBool = AtomicBool::new(true);

/// Keeps `bytes` written to /dev/console in the message buffer with
/// [`CONSOLE_PRIORITY`], a newline after them if they lack one (4.x's cnwrite calls
/// log_console so), unless kern.log_console_output is off.
pub fn log_console(bytes: &[u8]) {
    if bytes.is_empty() || !LOG_CONSOLE_OUTPUT.load(Ordering::Relaxed) {
        return;
    }
    let Some(mut ring) = MESSAGES.try_lock() else {
        return;
    };
    for &b in bytes {
        ring.log_byte(b, Some(CONSOLE_PRIORITY));
    }
    if bytes.last() != Some(&b'\n') {
        ring.log_byte(b'\n', Some(CONSOLE_PRIORITY));
    }
    KEPT_SINCE_WAKE.store(true, Ordering::Relaxed);
}

/// Empties the message buffer: every byte zero, the next written and read at the
/// start.
pub fn clear_messages() {
    let mut ring = MESSAGES.lock();
    ring.bytes.fill(0);
    ring.written = 0;
    ring.read = 0;
}

/// The message buffer as it is: the ring's bytes (where each byte is, see
/// [`MESSAGE_BUFFER_SIZE`]) and how many bytes were ever written.
pub fn messages() -> (Vec<u8>, u64) {
    let ring = MESSAGES.lock();
    (ring.bytes.to_vec(), ring.written)
}

/// How many bytes were ever written to the message buffer, and where /dev/klog's
/// next read starts (counted the same way): struct msgbuf's indices, without a copy
/// of the ring.
pub fn positions() -> (u64, u64) {
    let ring = MESSAGES.lock();
    (ring.written, ring.read)
}

/// Times a second /dev/klog's readers are woken when something was kept (4.x's
/// kern.log_wakeups_per_second; its default).
pub static WAKEUPS_PER_SECOND: AtomicU32 = AtomicU32::new(5);

/// /dev/klog is open (4.x's log_open): it has one opener at a time.
static LOG_OPEN: AtomicBool = AtomicBool::new(false);

/// The readers of /dev/klog, and the pollers that wait for it.
static LOG_READERS: WaitQueue = WaitQueue::new();

/// The open /dev/klog's owner and signal-driven I/O (4.x's logsoftc.sc_sigio, set to
/// its opener by logopen, and LOG_ASYNC).
static LOG_SIGNALS: AsyncSignals = AsyncSignals::new();

/// Called on every tick: while /dev/klog is open, wakes its readers (and sends its
/// owner SIGIO, if asked) when something was kept since they were last woken, at most
/// [`WAKEUPS_PER_SECOND`] times a second, as 4.x's logtimeout polls.
pub fn on_tick(before: u64, now: u64) {
    if !LOG_OPEN.load(Ordering::Relaxed) {
        return;
    }
    let per_second = WAKEUPS_PER_SECOND.load(Ordering::Relaxed).max(1);
    let period = u64::from((crate::time::hz() / per_second).max(1));
    if before / period == now / period || !KEPT_SINCE_WAKE.swap(false, Ordering::Relaxed) {
        return;
    }
    LOG_READERS.wake_all();
    LOG_SIGNALS.notify();
}

/// An open /dev/klog (4.x's log device, subr_log.c): reads take what was kept since
/// the last read, waiting ("klog") while there is nothing; polls report it readable
/// then; FIONREAD counts it. The file has one opener at a time (EBUSY), whose process
/// owns its SIGIO until someone else is made the owner. Writes are ENODEV.
#[derive(Debug)]
pub struct LogDevice;

/// Opens /dev/klog: EBUSY while it is open.
pub fn open_log_device() -> Result<Arc<dyn FileOps>> {
    if LOG_OPEN.swap(true, Ordering::AcqRel) {
        return Err(Error::Busy);
    }
    LOG_SIGNALS.set_async(false);
    if let Some(opener) = crate::process::current() {
        // fsetown of the opener itself, in its own session: it cannot fail.
        let _ = LOG_SIGNALS.owner().set(&opener, opener.pid.0 as i32);
    }
    Ok(Arc::new(LogDevice))
}

impl Drop for LogDevice {
    /// The last close (logclose): no owner, no signal-driven I/O, open to the next.
    fn drop(&mut self) {
        LOG_SIGNALS.set_async(false);
        LOG_SIGNALS.owner().clear();
        LOG_OPEN.store(false, Ordering::Release);
    }
}

impl FileOps for LogDevice {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }

    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        read_messages(buf, nonblock)
    }

    fn read_to(&self, to: &mut dyn Sink, nonblock: bool) -> Option<Result<usize>> {
        Some(read_messages(to, nonblock))
    }

    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(Error::NotSupported)
    }

    fn poll(&self) -> Readiness {
        Readiness {
            read: MESSAGES.lock().unread() > 0,
            write: false,
            hangup: false,
            urgent: false,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&LOG_READERS)
    }

    fn readable_bytes(&self) -> Option<u64> {
        Some(MESSAGES.lock().unread())
    }

    fn signal_owner(&self) -> Option<&SignalOwner> {
        Some(LOG_SIGNALS.owner())
    }

    fn set_async_io(&self, on: bool) -> bool {
        LOG_SIGNALS.set_async(on);
        true
    }
}

/// A read of /dev/klog into `to`: what was kept since the last read, as much as fits,
/// waiting ("klog") while there is none. The bytes are copied out before the read
/// index moves past them, so a read that faults loses nothing (4.x's logread moves
/// msg_bufr after uiomove).
fn read_messages<S: Sink + ?Sized>(to: &mut S, nonblock: bool) -> Result<usize> {
    if to.is_empty() {
        return Ok(0);
    }
    loop {
        let (from, bytes) = {
            let ring = MESSAGES.lock();
            let n = (ring.unread() as usize).min(to.len());
            let bytes: Vec<u8> = (0..n as u64)
                .map(|i| ring.bytes[((ring.read + i) % MESSAGE_BUFFER_SIZE as u64) as usize])
                .collect();
            (ring.read, bytes)
        };
        if !bytes.is_empty() {
            to.copy_in(0, &bytes)?;
            let mut ring = MESSAGES.lock();
            // Unless newer bytes overran them meanwhile (the index moved on).
            if ring.read == from {
                ring.read += bytes.len() as u64;
            }
            return Ok(bytes.len());
        }
        if nonblock {
            return Err(Error::WouldBlock);
        }
        let _waiting = crate::sched::waiting_for("klog");
        crate::process::sleep_interruptible(&LOG_READERS, || MESSAGES.lock().unread() > 0)
            .map_err(|_| Error::Interrupted)?;
    }
}

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

/// Gives `to` a log line, `[secs.millis] LEVEL target: message`.
fn log_line(
    level: log::Level,
    target: &str,
    args: fmt::Arguments<'_>,
    to: impl FnOnce(fmt::Arguments<'_>),
) {
    let ms = crate::time::uptime_ms();
    to(format_args!(
        "[{:5}.{:03}] {:<5} {}: {}\n",
        ms / 1000,
        ms % 1000,
        level,
        target,
        args
    ));
}

impl Log for ConsoleLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            log_line(record.level(), record.target(), *record.args(), print);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;

    fn ring() -> Box<MessageRing> {
        Box::new(MessageRing {
            bytes: [0; MESSAGE_BUFFER_SIZE],
            written: 0,
            read: 0,
            line_priority: None,
            dangling: false,
        })
    }

    fn text(ring: &MessageRing) -> &[u8] {
        &ring.bytes[..ring.written as usize]
    }

    fn put(ring: &mut MessageRing, s: &str, priority: Option<u32>) {
        for &b in s.as_bytes() {
            ring.log_byte(b, priority);
        }
    }

    #[test]
    fn a_priority_starts_each_line_it_begins() {
        let mut r = ring();
        put(&mut r, "boot\n", None);
        put(&mut r, "one\ntwo\n", Some(LOG_INFO));
        put(&mut r, "plain\r\0\n", None);
        assert_eq!(text(&r), b"boot\n<6>one\n<6>two\nplain\n");
    }

    #[test]
    fn another_priority_ends_the_line_begun() {
        let mut r = ring();
        put(&mut r, "half", Some(CONSOLE_PRIORITY));
        put(&mut r, " more", Some(CONSOLE_PRIORITY));
        put(&mut r, " printf", None);
        put(&mut r, "info\n", Some(LOG_INFO));
        assert_eq!(text(&r), b"<118>half more printf\n<6>info\n");
    }

    #[test]
    fn unread_bytes_give_way_to_new_ones() {
        let mut r = ring();
        for _ in 0..MESSAGE_BUFFER_SIZE + 10 {
            r.add(b'x');
        }
        assert_eq!(r.unread(), MESSAGE_BUFFER_SIZE as u64 - 1);
        assert_eq!(r.read, 11);
    }
}
