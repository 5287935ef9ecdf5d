//! System-wide event counters since boot, kept as BSD kept its `struct vmmeter`, tty
//! and disk counters: each is one relaxed add where the event happens, and each
//! personality shows them in its own form (FreeBSD-4's `cnt`, `tk_nin` and devstat
//! for vmstat and iostat). Interrupts are counted per line by the hal
//! (`nymph_hal::trap::irq_counts`); context switches by the scheduler.

use core::sync::atomic::{AtomicU64, Ordering};

/// One counter.
#[derive(Debug)]
pub struct Counter(AtomicU64);

impl Counter {
    const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Counts `n` more.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one more.
    pub fn inc(&self) {
        self.add(1);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// System calls entered, by any entry (`syscall`, `int`, the call gate).
pub static SYSCALLS: Counter = Counter::new();
/// CPU exceptions taken in user mode (page faults among them).
pub static TRAPS: Counter = Counter::new();
/// Page faults on user addresses given to the memory manager (from user mode, or
/// from the kernel copying to or from user memory).
pub static PAGE_FAULTS: Counter = Counter::new();
/// Faults that copied a page shared copy-on-write.
pub static COPY_ON_WRITE_FAULTS: Counter = Counter::new();
/// Pages mapped zero-filled at a fault on their first touch (not those the kernel
/// makes for a loader's write or mlock).
pub static ZERO_FILLS: Counter = Counter::new();
/// Processes made by `process::fork`, `process::vfork` and `process::fork_sharing`.
pub static FORKS: Counter = Counter::new();
pub static VFORKS: Counter = Counter::new();
pub static SHARING_FORKS: Counter = Counter::new();
/// Bytes terminals received (typed, or written to a pseudo-terminal's master) and
/// bytes they sent to their device (output and echo, after output processing).
pub static TTY_BYTES_IN: Counter = Counter::new();
pub static TTY_BYTES_OUT: Counter = Counter::new();
/// Reads and writes of regular files' data on the memory file system, and their
/// bytes.
pub static FILE_READS: Counter = Counter::new();
pub static FILE_READ_BYTES: Counter = Counter::new();
pub static FILE_WRITES: Counter = Counter::new();
pub static FILE_WRITE_BYTES: Counter = Counter::new();
/// Path components looked up in directories (there is no name cache: each is a
/// search of the directory).
pub static NAME_LOOKUPS: Counter = Counter::new();

/// The Internet protocols over lo0, the one interface. Each datagram, and each write
/// that moves bytes on a connected stream, is one packet sent and received (its
/// bytes with the IP header and the transport's); connection set-up, acknowledgements
/// and window updates are not carried as packets here, so they count only as the
/// events below.
pub mod inet {
    use super::Counter;

    /// IP packets sent on (and so received from) lo0, and their bytes.
    pub static PACKETS: Counter = Counter::new();
    pub static BYTES: Counter = Counter::new();
    /// UDP datagrams sent; received datagrams (those for no socket among them); those
    /// for a port no socket has, and those dropped at a receiver with no room.
    pub static UDP_SENT: Counter = Counter::new();
    pub static UDP_RECEIVED: Counter = Counter::new();
    pub static UDP_NO_PORT: Counter = Counter::new();
    pub static UDP_FULL_SOCKET: Counter = Counter::new();
    /// ICMP port-unreachable errors sent back for datagrams to such ports (what makes
    /// a connected UDP socket's next call fail with ECONNREFUSED).
    pub static PORT_UNREACHABLE: Counter = Counter::new();
    /// TCP: connections asked for; taken by a listener; established (both ends
    /// count); refused before they were established; sockets closed.
    pub static TCP_CONNECT_ATTEMPTS: Counter = Counter::new();
    pub static TCP_ACCEPTS: Counter = Counter::new();
    pub static TCP_CONNECTS: Counter = Counter::new();
    pub static TCP_REFUSED: Counter = Counter::new();
    pub static TCP_CLOSED: Counter = Counter::new();
    /// TCP data packets (writes that moved bytes) and their bytes.
    pub static TCP_DATA_PACKETS: Counter = Counter::new();
    pub static TCP_DATA_BYTES: Counter = Counter::new();

    /// The IP header, and the UDP, TCP and ICMP headers (a port unreachable error
    /// quotes the datagram's IP header and first 8 bytes).
    const IP_HEADER: u64 = 20;
    const UDP_HEADER: u64 = 8;
    const TCP_HEADER: u64 = 20;
    const ICMP_UNREACH: u64 = 8 + IP_HEADER + 8;

    fn packet(bytes: u64) {
        PACKETS.inc();
        BYTES.add(IP_HEADER + bytes);
    }

    /// A UDP datagram of `len` bytes sent on lo0.
    pub fn udp_datagram(len: usize) {
        UDP_SENT.inc();
        UDP_RECEIVED.inc();
        packet(UDP_HEADER + len as u64);
    }

    /// A datagram found no socket at its port: the error that goes back.
    pub fn udp_no_port() {
        UDP_NO_PORT.inc();
        PORT_UNREACHABLE.inc();
        packet(ICMP_UNREACH);
    }

    /// A write of `len` bytes on a connected TCP socket.
    pub fn tcp_data(len: usize) {
        TCP_DATA_PACKETS.inc();
        TCP_DATA_BYTES.add(len as u64);
        packet(TCP_HEADER + len as u64);
    }
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, kfail, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[ktest!(counters_count_what_happens)];

/// A file written and read, a path looked up and a page touched move their counters.
fn counters_count_what_happens() -> TestResult {
    let before = [
        FILE_WRITES.get(),
        FILE_WRITE_BYTES.get(),
        FILE_READS.get(),
        FILE_READ_BYTES.get(),
        NAME_LOOKUPS.get(),
    ];
    if let Err(e) = crate::vfs::add_file("/tmp/stats-probe", 0o644, alloc::vec![7u8; 100]) {
        kfail!("add_file: {e:?}");
    }
    let ctx = crate::vfs::FsContext::initial();
    let node = match crate::vfs::lookup(&ctx, None, b"/tmp/stats-probe", crate::vfs::Follow::Yes) {
        Ok(node) => node,
        Err(e) => kfail!("lookup: {e:?}"),
    };
    let mut buf = [0u8; 128];
    let n = match node.read_at(0, &mut buf) {
        Ok(n) => n,
        Err(e) => kfail!("read_at: {e:?}"),
    };
    kassert!(n == 100, "read {n} bytes");
    let after = [
        FILE_WRITES.get(),
        FILE_WRITE_BYTES.get(),
        FILE_READS.get(),
        FILE_READ_BYTES.get(),
        NAME_LOOKUPS.get(),
    ];
    kassert!(after[0] > before[0], "writes {before:?} -> {after:?}");
    kassert!(
        after[1] >= before[1] + 100,
        "bytes written {before:?} -> {after:?}"
    );
    kassert!(after[2] > before[2], "reads {before:?} -> {after:?}");
    kassert!(
        after[3] >= before[3] + 100,
        "bytes read {before:?} -> {after:?}"
    );
    // "tmp" and "stats-probe", at least.
    kassert!(after[4] >= before[4] + 2, "lookups {before:?} -> {after:?}");
    let _ = crate::vfs::unlink(&ctx, None, b"/tmp/stats-probe");
    Ok(())
}
