//! Sockets, in neutral terms: the Unix (local) domain and a loopback-only Internet
//! domain (a machine whose only network interface is lo0). A stream connection is two
//! pipes, one each way ([`super::pipe`]: the rings, the waiting, end of file and
//! `BrokenPipe` all come from there); a datagram socket keeps a bounded queue of whole
//! messages. A bound Unix-domain socket has a node in the file system that names it
//! weakly: once the socket is closed, connecting there is refused, and unlink removes
//! the name.
//!
//! A socket's name is the byte string the personality gives (its address bytes after
//! the family, kept as given so that getsockname hands them back unchanged); the path
//! where it lives is given beside it (the personality knows how its addresses spell a
//! path). An empty name means unbound.
//!
//! In the Internet domain a name is not a file but ([`SocketType`], IPv4 address,
//! port), kept as the six bytes of an [`InetName`] (address then port, in the order IP
//! writes them); bound sockets are found in a table of their own, and a closed one
//! leaves it at once. Only 127.0.0.0/8 and the wildcard address are this machine's. A
//! stream is still two pipes, made by connect before it returns (so a non-blocking
//! connect completes at once, as loopback nearly does in 4.x); a datagram goes to the
//! socket bound at its address or is dropped, as UDP does, and a connected datagram
//! socket then gets `ConnectionRefused` from its next call, as 4.x's ICMP port
//! unreachable makes it. Options TCP would act on (keep-alive, no delay) are kept and
//! reported only: a loopback stream has no segments to delay and no peer to probe.
//! There is no reset: closing with unread data ends the peer's stream as a plain close
//! does, and a write after the peer closed is `BrokenPipe` at once.
//!
//! TCP's urgent data (MSG_OOB) is its last byte sent, taken out of line at the
//! receiving end unless it keeps it in line, with a mark in the stream that reads stop
//! at ([`pipe::write_urgent`]); a personality may give it room past a full buffer
//! ([`UrgentSlack`]). A socket may have an owner ([`SignalOwner`]), who gets
//! SIGURG when urgent data arrives and, if it asked for signal-driven I/O, SIGIO when
//! data, a connection or room comes, or the peer goes.
//!
//! A send may carry [`Control`]: open files in flight ([`Rights`]) or the sender's
//! credentials. A datagram carries it whole; on a stream it is bound to the first byte
//! of the send (see [`super::pipe`]), so it arrives with the read that starts there. A
//! receive hands it back; a peek leaves it queued.
//!
//! Files in flight keep what they name alive, so sockets sent through each other can
//! keep each other alive with nobody left to read them. A collector ([`collect_garbage`],
//! 4.4BSD's unp_gc) finds the sockets only messages refer to and that no socket still
//! referred to otherwise can reach, and drops what their queues hold; it runs as a
//! socket's descriptor closes while files are in flight, and before a send would pass
//! [`MAX_IN_FLIGHT`]. Files dropped from flight are closed one after another, not by
//! recursion, however long the chain of sockets holding each other.

use super::owner::{AsyncSignals, SignalOwner};
pub use super::pipe::UrgentSlack;
use super::pipe::{self, AcceptControl, Pipe, Wait};
use super::{FileKind, FileOps, OpenFile, Readiness, Sink, Source};
use crate::error::{Error, Result};
use crate::process::Signal;
use crate::sched::WaitQueue;
use crate::stats;
use crate::sync::Mutex;
use crate::vfs::{self, Access, Follow, FsContext, NodeType};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::Once;

/// Open files that may be in flight in the whole system at once: sending more is
/// `NoBufferSpace` until some are received or dropped.
pub const MAX_IN_FLIGHT: usize = 1024;
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Open files in flight now.
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Relaxed)
}

/// Open files on their way to a receiver, counted against [`MAX_IN_FLIGHT`] until
/// received ([`Rights::into_files`]) or dropped (the files close).
#[derive(Debug)]
pub struct Rights(Vec<Arc<OpenFile>>);

impl Rights {
    /// Puts `files` in flight; `NoBufferSpace` past [`MAX_IN_FLIGHT`] (after the
    /// collector has freed what nobody can receive).
    pub fn new(files: Vec<Arc<OpenFile>>) -> Result<Rights> {
        let n = files.len();
        let fits = || IN_FLIGHT.load(Ordering::Relaxed) + n <= MAX_IN_FLIGHT;
        if !fits() {
            collect_garbage(None);
            if !fits() {
                return Err(Error::NoBufferSpace);
            }
        }
        IN_FLIGHT.fetch_add(n, Ordering::Relaxed);
        Ok(Rights(files))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The files, no longer in flight.
    pub fn into_files(mut self) -> Vec<Arc<OpenFile>> {
        IN_FLIGHT.fetch_sub(self.0.len(), Ordering::Relaxed);
        core::mem::take(&mut self.0)
    }
}

/// Files dropped from flight, waiting to be let go by the one drop loop running.
static DROPPING: Mutex<Vec<Arc<OpenFile>>> = Mutex::new(Vec::new());
static DROP_LOOP: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

impl Drop for Rights {
    /// Lets the files go in a loop rather than by recursion: a file let go may be the
    /// last reference to a socket whose queue holds more files, and a chain of those
    /// nested on the kernel stack would overflow it.
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(self.0.len(), Ordering::Relaxed);
        DROPPING.lock().append(&mut self.0);
        if DROP_LOOP.swap(true, Ordering::Relaxed) {
            return;
        }
        loop {
            let batch = core::mem::take(&mut *DROPPING.lock());
            if batch.is_empty() {
                break;
            }
            drop(batch);
        }
        DROP_LOOP.store(false, Ordering::Relaxed);
    }
}

/// Bound Internet-domain sockets (pruned as they go): their names are their ports.
static INET_BOUND: Mutex<Vec<Weak<Socket>>> = Mutex::new(Vec::new());

/// Every Internet-domain socket in the order made (pruned as they go), for netstat's
/// tables: 4.x's in_pcballoc enters a protocol control block at socket(2), bound or
/// not, at its list's head.
static INET_SOCKETS: Mutex<Vec<Weak<Socket>>> = Mutex::new(Vec::new());

/// Where the last ephemeral port search stopped in each [`PortRange`], for streams and
/// for datagrams (4.x keeps one per range and protocol).
static LAST_EPHEMERAL: [[AtomicUsize; 3]; 2] = [
    [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ],
    [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ],
];

/// The live bound Internet sockets of type `kind` (taken out of the table's lock, so
/// that their own locks may be taken).
fn inet_sockets(kind: SocketType) -> Vec<Arc<Socket>> {
    INET_BOUND
        .lock()
        .iter()
        .filter_map(Weak::upgrade)
        .filter(|s| s.kind == kind)
        .collect()
}

/// What netstat shows of one Internet socket: its names, its stream's state and its
/// queues (BSD's inpcb and the socket's fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetSocketInfo {
    pub kind: SocketType,
    pub local: InetName,
    /// A connected stream's peer, or where a datagram socket's connect points.
    pub foreign: Option<InetName>,
    pub listening: bool,
    /// Connections waiting for accept, and how many may.
    pub pending: usize,
    pub backlog: usize,
    /// Bytes (a stream's) or datagram bytes waiting to be received.
    pub receive_queued: usize,
    pub send_buffer: usize,
    pub receive_buffer: usize,
    /// This side's sending is shut (shutdown, or its connection dropped).
    pub send_shut: bool,
    /// The peer's sending side is shut or gone: the rest reads end of file.
    pub peer_send_shut: bool,
    /// The connection was refused or reset.
    pub dropped: bool,
}

/// The Internet sockets, the newest made first (4.4BSD lists its protocol control
/// blocks from the head in_pcballoc inserts at), for netstat's tables; an unbound one
/// has the wildcard address and port 0.
pub fn inet_socket_table() -> Vec<InetSocketInfo> {
    inet_socket_objects().into_iter().map(|(_, i)| i).collect()
}

/// [`inet_socket_table`] with each socket beside what netstat shows of it.
pub fn inet_socket_objects() -> Vec<(Arc<Socket>, InetSocketInfo)> {
    newest_first(&INET_SOCKETS)
        .into_iter()
        .map(|s| {
            let info = s.inet_info();
            (s, info)
        })
        .collect()
}

/// The Internet sockets of type `kind`, the newest made first (the order of
/// [`inet_socket_table`]), for a view of them as kernel objects.
pub fn inet_sockets_listed(kind: SocketType) -> Vec<Arc<Socket>> {
    newest_first(&INET_SOCKETS)
        .into_iter()
        .filter(|s| s.kind == kind)
        .collect()
}

/// The live sockets of a table, the newest entered first (taken out of the table's
/// lock, so that their own locks may be taken).
fn newest_first(table: &Mutex<Vec<Weak<Socket>>>) -> Vec<Arc<Socket>> {
    table
        .lock()
        .iter()
        .rev()
        .filter_map(Weak::upgrade)
        .collect()
}

/// Every Unix-domain socket (pruned as they go), for netstat's table.
static LOCAL_SOCKETS: Mutex<Vec<Weak<Socket>>> = Mutex::new(Vec::new());

/// What netstat shows of one Unix-domain socket (BSD's unpcb and the socket's fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSocketInfo {
    pub kind: SocketType,
    /// The path it is bound to (an accepted connection: its listener's, as BSD copies it).
    pub path: Option<Vec<u8>>,
    /// Where in the same table the socket it is connected to is.
    pub peer: Option<usize>,
    /// Bytes (a stream's) or datagram bytes waiting to be received.
    pub receive_queued: usize,
    pub send_buffer: usize,
    pub receive_buffer: usize,
}

/// The Unix-domain sockets, the newest first (4.4BSD's unp list order), each beside
/// what netstat shows of it.
pub fn local_socket_objects() -> Vec<(Arc<Socket>, LocalSocketInfo)> {
    let sockets = newest_first(&LOCAL_SOCKETS);
    let index_of = |peer: &Weak<Socket>| {
        sockets
            .iter()
            .position(|s| core::ptr::eq(Arc::as_ptr(s), peer.as_ptr()))
    };
    sockets
        .iter()
        .map(|s| {
            let connection = s.connection.get();
            let st = s.state.lock();
            let peer = match (connection, &st.peer) {
                (Some(c), _) => index_of(&c.peer_socket),
                (None, Some((peer, _))) => index_of(peer),
                (None, None) => None,
            };
            let info = LocalSocketInfo {
                kind: s.kind,
                path: (!st.name.is_empty()).then(|| st.name.clone()),
                peer,
                receive_queued: connection.map_or(st.queued, |c| c.rx.queued()),
                send_buffer: st.send_buffer,
                receive_buffer: st.receive_buffer,
            };
            (s.clone(), info)
        })
        .collect()
}

/// Sockets that were sent files, for the collector (pruned as they go).
static HOLDERS: Mutex<Vec<Weak<Socket>>> = Mutex::new(Vec::new());

/// A socket's descriptor went while files were in flight: the collector is due.
static COLLECT_DUE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Called as a descriptor naming a socket goes, with the descriptor table (and the
/// process's lock) held: with files in flight, the collector is due, to run in
/// [`collect_after_close`]. Not here: the files it drops may be the last references
/// to sockets whose going signals their peers' owners (SIGIO), this process among
/// them, and posting a signal takes the process's lock.
pub(crate) fn descriptor_closed() {
    if in_flight() > 0 {
        COLLECT_DUE.store(true, Ordering::Relaxed);
    }
}

/// Runs the collector if a socket's descriptor went since it last ran; for callers
/// that closed descriptors, once they hold no lock (the descriptor's own reference is
/// gone by then, so nothing needs discounting).
pub fn collect_after_close() {
    if COLLECT_DUE.swap(false, Ordering::Relaxed) {
        collect_garbage(None);
    }
}

/// Frees the files in flight that nobody can receive any more (4.4BSD's unp_gc). An
/// open file in flight is referred to from elsewhere (a descriptor, a call using it)
/// when it has more references than the messages holding it; `going` is one reference
/// about to go (a descriptor being closed). A socket that is not in flight, or is
/// referred to from elsewhere, can still be read, and so can every socket in flight in
/// its queue, and in theirs; the queues of the sockets left over are dropped. With one
/// CPU and no preemption in the kernel, nothing changes while it looks.
pub fn collect_garbage(going: Option<&Arc<OpenFile>>) {
    let holders: Vec<Arc<Socket>> = {
        let mut h = HOLDERS.lock();
        h.retain(|w| w.strong_count() > 0);
        h.iter().filter_map(Weak::upgrade).collect()
    };
    // Per open file in flight (by address): its references from messages, all its
    // references, and the socket it is.
    let mut flying: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
    for h in &holders {
        h.each_file_in_flight(|f| {
            let entry = flying.entry(Arc::as_ptr(f) as usize).or_insert_with(|| {
                let socket = f.socket().map_or(0, |s| s as *const Socket as usize);
                let mut total = Arc::strong_count(f);
                if going.is_some_and(|g| Arc::ptr_eq(g, f)) {
                    total -= 1;
                }
                (0, total, socket)
            });
            entry.0 += 1;
        });
    }
    let in_flight_elsewhere_held = |socket: usize| {
        flying
            .values()
            .find(|(_, _, s)| *s == socket)
            .is_none_or(|(refs, total, _)| total > refs)
    };
    let address = |s: &Arc<Socket>| Arc::as_ptr(s) as usize;
    let mut live: Vec<usize> = Vec::new();
    let mut work: Vec<&Arc<Socket>> = Vec::new();
    for h in &holders {
        if in_flight_elsewhere_held(address(h)) {
            live.push(address(h));
            work.push(h);
        }
    }
    while let Some(h) = work.pop() {
        let mut reached = Vec::new();
        h.each_file_in_flight(|f| {
            if let Some(s) = f.socket() {
                reached.push(s as *const Socket as usize);
            }
        });
        for s in reached {
            if !live.contains(&s) {
                live.push(s);
                if let Some(next) = holders.iter().find(|h| address(h) == s) {
                    work.push(next);
                }
            }
        }
    }
    let mut garbage: Vec<Control> = Vec::new();
    for h in holders.iter().filter(|h| !live.contains(&address(h))) {
        garbage.append(&mut h.take_files_in_flight());
    }
    if !garbage.is_empty() {
        log::debug!(
            "socket collector: {} messages nobody can receive dropped",
            garbage.len()
        );
    }
    // Dropped with no lock held; the sockets go once `holders` lets them.
    drop(garbage);
}

impl PartialEq for Rights {
    fn eq(&self, other: &Rights) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

impl Eq for Rights {}

/// Who sent a message, as the kernel saw it when it was sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SenderCredentials {
    pub pid: u32,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    /// The effective gid first, then the supplementary groups.
    pub groups: Vec<u32>,
}

/// What a message carries beside its bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Control {
    Rights(Rights),
    Credentials(SenderCredentials),
    /// When a datagram arrived (wall clock), for a socket that asked
    /// ([`SocketOption::Timestamp`]).
    ArrivalTime {
        secs: u64,
        nanos: u32,
    },
    /// The IPv4 address a datagram was sent to ([`SocketOption::ReceiveDestination`]).
    DestinationAddress([u8; 4]),
    /// The datagram came in on the loopback interface
    /// ([`SocketOption::ReceiveInterface`]).
    LoopbackInterface,
}

impl Control {
    /// The copy a peek (MSG_PEEK) gives of a datagram's control: plain data copied,
    /// descriptors never (4.x's soreceive copies the control mbuf without
    /// externalizing it, so what it gave for SCM_RIGHTS named no files).
    fn peeked(&self) -> Option<Control> {
        match self {
            Control::Rights(_) => None,
            Control::Credentials(c) => Some(Control::Credentials(c.clone())),
            Control::ArrivalTime { secs, nanos } => Some(Control::ArrivalTime {
                secs: *secs,
                nanos: *nanos,
            }),
            Control::DestinationAddress(a) => Some(Control::DestinationAddress(*a)),
            Control::LoopbackInterface => Some(Control::LoopbackInterface),
        }
    }
}

/// The domains a socket may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// Named by paths in the file system.
    Local,
    /// Named by IPv4 address and port, on the loopback network only.
    Internet,
}

/// An Internet-domain name: an IPv4 address (its bytes as written: 127.0.0.1 is
/// `[127, 0, 0, 1]`) and a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetName {
    pub addr: [u8; 4],
    pub port: u16,
}

impl InetName {
    /// The wildcard address: every local address.
    pub const ANY: [u8; 4] = [0; 4];
    /// lo0's address: the source of what a socket bound to the wildcard sends.
    pub const LOOPBACK: [u8; 4] = [127, 0, 0, 1];
    /// The ephemeral range (4.x's net.inet.ip.portrange.first and last), handed out
    /// upwards from where the last search stopped, as 4.x's in_pcbbind does when first
    /// is below last.
    pub const EPHEMERAL_FIRST: u16 = 1024;
    pub const EPHEMERAL_LAST: u16 = 5000;
    /// The high range (portrange.hifirst and hilast), handed out upwards too.
    pub const HIGH_FIRST: u16 = 49152;
    pub const HIGH_LAST: u16 = 65535;
    /// The low range (portrange.lowfirst and lowlast), privileged ports handed out
    /// downwards from 1023.
    pub const LOW_FIRST: u16 = 1023;
    pub const LOW_LAST: u16 = 600;
    /// Ports below it need privilege (4.x's IPPORT_RESERVED).
    pub const RESERVED: u16 = 1024;

    /// The name's bytes as a socket keeps them (address then port, big-endian).
    pub fn to_bytes(self) -> Vec<u8> {
        let mut v = self.addr.to_vec();
        v.extend_from_slice(&self.port.to_be_bytes());
        v
    }

    /// The name kept as `bytes` ([`InetName::to_bytes`]); unbound (empty) is the
    /// wildcard address, port 0.
    pub fn from_bytes(bytes: &[u8]) -> InetName {
        match bytes {
            [a, b, c, d, p, q] => InetName {
                addr: [*a, *b, *c, *d],
                port: u16::from_be_bytes([*p, *q]),
            },
            _ => InetName {
                addr: Self::ANY,
                port: 0,
            },
        }
    }

    /// One of this machine's addresses: the wildcard or the loopback network.
    pub fn is_local(addr: [u8; 4]) -> bool {
        addr == Self::ANY || addr[0] == 127
    }
}

/// Where a connect or a send goes.
#[derive(Clone, Copy, Debug)]
pub enum Address<'a> {
    /// The socket at a path (its name is its node).
    Path(&'a FsContext, &'a [u8]),
    /// An Internet-domain name.
    Inet(InetName),
}

/// Socket options kept as flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketOption {
    /// Bind may share a port with sockets that are connected (see [`Socket::bind_inet`]).
    ReuseAddress,
    /// Bind may share an exact address with others that set it too.
    ReusePort,
    /// Kept and reported: a loopback peer never needs probing.
    KeepAlive,
    /// Kept and reported: loopback writes are never held back to coalesce.
    NoDelay,
    /// Kept and reported (BSD's SO_DEBUG: protocol traces nobody here reads).
    Debug,
    /// Kept and reported: with no routes to bypass, sends go where they go anyway.
    DontRoute,
    /// Kept and reported: the loopback network has no broadcast address.
    Broadcast,
    /// Kept and reported (routing sockets' own loop-back, which there are none of).
    UseLoopback,
    /// TCP's urgent byte stays in the stream, the mark at it (see
    /// [`Socket::send_out_of_band`]).
    OobInline,
    /// Kept and reported: loopback writes are sent at once, full segment or not.
    NoPush,
    /// Kept and reported: loopback connections carry no TCP options to leave out (a
    /// personality may still report what leaving out the MSS option does to the
    /// segment size, [`SocketSettings::max_segment`]).
    NoOptions,
    /// A UDP datagram arrives with the time it came (BSD's SO_TIMESTAMP).
    Timestamp,
    /// A UDP datagram arrives with the address it was sent to (IP_RECVDSTADDR).
    ReceiveDestination,
    /// A UDP datagram arrives with the interface it came in on: lo0 (IP_RECVIF).
    ReceiveInterface,
    /// Kept and reported: 4.x never delivered received IP options (IP_RECVOPTS,
    /// IP_RECVRETOPTS), and loopback datagrams carry none.
    ReceiveOptions,
    ReceiveReturnOptions,
}

/// Which ports an Internet socket bound to port 0 gets (BSD's IP_PORTRANGE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortRange {
    /// [`InetName::EPHEMERAL_FIRST`] upwards.
    Default,
    /// [`InetName::HIGH_FIRST`] upwards.
    High,
    /// [`InetName::LOW_FIRST`] downwards, privileged: `permitted` says whether the
    /// process that chose the range could have them (else the bind is
    /// `AccessDenied`).
    Low { permitted: bool },
}

/// What a socket keeps beside its flags, each as a personality set it; the core acts
/// on the timeouts, the port range and a zero linger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketSettings {
    /// How long a receive waits for data, in clock ticks; 0: for good (BSD's
    /// so_rcv.sb_timeo). When it passes with nothing received, `WouldBlock`.
    pub receive_timeout: u64,
    /// How long a send waits for room, in clock ticks; 0: for good (so_snd.sb_timeo).
    /// When it passes, what went in is the result, or `WouldBlock` if nothing did.
    pub send_timeout: u64,
    /// Lingering on close, and for how many seconds (SO_LINGER). Loopback data is in
    /// the peer's buffer as soon as it is sent, so a close has nothing to wait for;
    /// but a TCP connection closed lingering 0 seconds is reset, not ended: its peer
    /// reads what was sent, then `ConnectionReset` once (4.x's tcp_disconnect drops
    /// such a connection, and the reset sets the peer's so_error).
    pub linger: (bool, i32),
    /// The IP type of service and time to live (IP_TOS, IP_TTL): kept and reported;
    /// nothing on the loopback network reads them.
    pub ip_tos: u8,
    pub ip_ttl: u8,
    /// Where a bind to port 0 (or an implicit one) takes its port.
    pub port_range: PortRange,
    /// TCP's largest segment as the personality last set it (TCP_MAXSEG, or its
    /// protocol's choice when a connection was made); None: never set. Kept and
    /// reported: a loopback stream's bytes go to the peer's buffer whole, never cut
    /// into segments.
    pub max_segment: Option<u32>,
}

impl SocketSettings {
    /// A new socket's: no timeouts, no linger, TOS 0 and the default TTL.
    pub const DEFAULT: SocketSettings = SocketSettings {
        receive_timeout: 0,
        send_timeout: 0,
        linger: (false, 0),
        ip_tos: 0,
        ip_ttl: 64,
        port_range: PortRange::Default,
        max_segment: None,
    };
}

/// The kinds of socket there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketType {
    /// A connected byte stream.
    Stream,
    /// Messages kept whole, to a peer or to a named socket.
    Datagram,
}

/// Which directions shutdown closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

/// A new socket's send low-water mark, unless its send buffer is smaller: BSD's
/// MCLBYTES, as soreserve sets it (the receive mark starts at 1).
const SEND_LOW_WATER: usize = 2048;

/// How a receive may wait for data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocking {
    /// It waits: on a stream, for the low-water mark (or all it asks for).
    Wait,
    /// A non-blocking descriptor's (BSD's SS_NBIO): `WouldBlock` while a stream holds
    /// fewer bytes than the low-water mark and than asked for.
    Descriptor,
    /// MSG_DONTWAIT's: whatever is there, the mark aside (soreceive's test of the
    /// flag comes before its test of the mark).
    Call,
}

impl From<bool> for Blocking {
    /// A descriptor's non-blocking flag.
    fn from(nonblock: bool) -> Blocking {
        if nonblock {
            Blocking::Descriptor
        } else {
            Blocking::Wait
        }
    }
}

/// The most a buffer size may be set to (keeps one socket's memory bounded).
pub const MAX_BUFFER: usize = 256 * 1024;
/// The buffer sizes a new socket reports, as 4.4BSD's Unix domain has them: a pipe's
/// 8 KiB each way for streams, 2 KiB out (the largest datagram) and 4 KiB in for
/// datagrams.
const STREAM_BUFFER: usize = 8192;
const DATAGRAM_SEND: usize = 2048;
const DATAGRAM_RECEIVE: usize = 4096;
/// As 4.x's TCP (tcp_sendspace, tcp_recvspace) and UDP (net.inet.udp.maxdgram, and
/// room for 40 datagrams of 1 KiB with their addresses) have them.
const TCP_SEND: usize = 32 * 1024;
const TCP_RECEIVE: usize = 64 * 1024;
const UDP_SEND: usize = 9216;
const UDP_RECEIVE: usize = 40 * (1024 + 16);

/// One received datagram and who sent it.
#[derive(Debug)]
struct Message {
    from: Vec<u8>,
    data: Vec<u8>,
    control: Option<Control>,
    /// What the receiving side noted on arrival (a UDP socket's SO_TIMESTAMP,
    /// IP_RECVDSTADDR and IP_RECVIF, in 4.x's ip_savecontrol order).
    noted: Vec<Control>,
}

/// A stream socket's connection: our reading and writing pipes, and our ends of them
/// (the ends' counts give the peer end of file and `BrokenPipe`).
#[derive(Debug)]
struct Connection {
    rx: Arc<Pipe>,
    tx: Arc<Pipe>,
    /// Held for its count alone: its drop is the peer's `BrokenPipe`.
    _reader: Arc<dyn FileOps>,
    /// Taken by shutdown for writing: the peer then reads end of file.
    writer: Mutex<Option<Arc<dyn FileOps>>>,
    /// The peer's name when the connection was made.
    peer: Vec<u8>,
    /// The peer itself: once it is gone the connection is over (4.4BSD's
    /// unp_disconnect), though what it sent can still be read.
    peer_socket: Weak<Socket>,
}

/// A stream's own low-water marks (receive, send) as its reads, sends and readiness
/// meet them: one past the 64 KiB its pipe holds (SO_RCVLOWAT and SO_SNDLOWAT may be up to buffers
/// of 256 KiB, where 4.x's sb_cc and sbspace could reach them) is met by a full pipe
/// for reading and an empty one for writing, so that a large transfer goes through.
fn stream_marks(s: &State) -> (usize, usize) {
    (
        s.receive_low_water.min(pipe::CAPACITY),
        s.send_low_water.min(pipe::CAPACITY),
    )
}

#[derive(Debug)]
struct State {
    name: Vec<u8>,
    bound: bool,
    /// Listening: how many connections may wait (4.4BSD refuses past 3/2 of it).
    backlog: Option<usize>,
    /// Connections made to a listening socket, not yet accepted.
    pending: VecDeque<Arc<Socket>>,
    read_shut: bool,
    write_shut: bool,
    /// A datagram socket's peer and its name.
    peer: Option<(Weak<Socket>, Vec<u8>)>,
    /// Datagrams received and their total size.
    queue: VecDeque<Message>,
    queued: usize,
    send_buffer: usize,
    receive_buffer: usize,
    /// The low-water marks (BSD's sb_lowat): a stream's send waits for room for this
    /// much (or for all it has left), a stream's receive for this much (or for all it
    /// asks for), and poll and select report a socket ready by them.
    send_low_water: usize,
    receive_low_water: usize,
    /// [`SocketOption`]s set, one bit each.
    options: u32,
    settings: SocketSettings,
    /// An error met after the call that caused it returned (a datagram refused):
    /// the next call reports it once.
    error: Option<Error>,
    /// The address an Internet socket bound to the wildcard connects and sends from.
    wildcard_source: [u8; 4],
    /// A TCP socket whose connection was refused or reset: BSD's TCP has freed its
    /// protocol block then (tcp_drop), which a personality may answer for.
    dropped: bool,
}

/// A Unix-domain socket.
#[derive(Debug)]
pub struct Socket {
    domain: Domain,
    kind: SocketType,
    me: Weak<Socket>,
    state: Mutex<State>,
    /// Set once, when a stream socket connects (or is made connected).
    connection: Once<Connection>,
    /// Woken when a connection queues for accept and when a datagram arrives.
    changed: WaitQueue,
    /// Whom SIGURG goes to when urgent data arrives (F_SETOWN, SIOCSPGRP), and SIGIO
    /// when asked for (BSD's so_sigio and SS_ASYNC).
    signals: AsyncSignals,
    /// The effective user and group ids of the process that made it (BSD's so_cred;
    /// an accepted connection's are its listener's, as sonewconn copies them).
    creator: (u32, u32),
}

/// What a receive got.
#[derive(Debug, PartialEq, Eq)]
pub struct Received {
    /// Bytes given (a datagram's first bytes when the buffer was shorter).
    pub len: usize,
    /// The datagram was longer than the buffer: the rest is gone.
    pub truncated: bool,
    /// A datagram's sender name (empty: unbound); None on a stream.
    pub from: Option<Vec<u8>>,
}

/// A new unconnected Unix-domain socket, as an open file.
pub fn open(kind: SocketType) -> Result<Arc<OpenFile>> {
    open_in(Domain::Local, kind)
}

/// A new unconnected socket of `domain`, as an open file.
pub fn open_in(domain: Domain, kind: SocketType) -> Result<Arc<OpenFile>> {
    file(Socket::new(domain, kind, caller_ids())?)
}

/// An open file for `socket` (a new one, or one that accept took).
pub fn file(socket: Arc<Socket>) -> Result<Arc<OpenFile>> {
    OpenFile::new(socket, true, true)
}

/// Two sockets connected to each other (socketpair), as open files.
pub fn pair(kind: SocketType) -> Result<(Arc<OpenFile>, Arc<OpenFile>)> {
    let creator = caller_ids();
    let (a, b) = (
        Socket::new(Domain::Local, kind, creator)?,
        Socket::new(Domain::Local, kind, creator)?,
    );
    match kind {
        SocketType::Stream => join(&a, &b)?,
        SocketType::Datagram => {
            a.state.lock().peer = Some((Arc::downgrade(&b), Vec::new()));
            b.state.lock().peer = Some((Arc::downgrade(&a), Vec::new()));
        }
    }
    Ok((file(a)?, file(b)?))
}

/// Connects stream sockets `a` and `b` with a pipe each way; `AlreadyConnected` if `a`
/// is (`b` is always new).
fn join(a: &Socket, b: &Socket) -> Result<()> {
    if crate::mm::heap::under_pressure() {
        return Err(Error::NoBufferSpace);
    }
    let (ab, ba) = (Arc::new(Pipe::for_socket()), Arc::new(Pipe::for_socket()));
    let mut joined = false;
    a.connection.call_once(|| {
        joined = true;
        Connection::new(&ba, &ab, b)
    });
    if !joined {
        return Err(Error::AlreadyConnected);
    }
    b.connection.call_once(|| Connection::new(&ab, &ba, a));
    Ok(())
}

impl Connection {
    /// SIGIO for the peer, if it asked for it: bytes or room for it, or its peer gone.
    fn notify_peer(&self) {
        if let Some(peer) = self.peer_socket.upgrade() {
            peer.notify_io();
        }
    }

    fn new(rx: &Arc<Pipe>, tx: &Arc<Pipe>, peer: &Socket) -> Connection {
        Connection {
            rx: rx.clone(),
            tx: tx.clone(),
            _reader: pipe::open_end(rx, true),
            writer: Mutex::new(Some(pipe::open_end(tx, false))),
            peer: peer.name(),
            peer_socket: peer.me.clone(),
        }
    }
}

/// A socket that goes (its last open file closed) can be read no more: the files in
/// flight in its queue go with it, as 4.x's soclose flushes a closed socket's receive
/// buffer (uipc_socket.c `sorflush`, which hands the rights to uipc_usrreq.c
/// `unp_dispose`). Without this a socket sent through itself, in flight in its peer's
/// queue, would outlive both descriptors: its own end of the connection holds that
/// queue, and the collector no longer sees the peer that was sent it.
impl Drop for Socket {
    fn drop(&mut self) {
        drop(self.take_files_in_flight());
        let abortive = self.state.get_mut().settings.linger == (true, 0);
        if abortive
            && self.domain == Domain::Internet
            && let Some(peer) = self.connection.get().and_then(|c| c.peer_socket.upgrade())
        {
            let mut p = peer.state.lock();
            p.error = Some(Error::ConnectionReset);
            p.dropped = true;
        }
        if let Some(c) = self.connection.get() {
            c.notify_peer();
        }
        // tcp_close, for every TCP socket that was bound, listened or connected.
        if self.domain == Domain::Internet && self.kind == SocketType::Stream {
            let s = self.state.get_mut();
            if s.bound || s.backlog.is_some() || self.connection.get().is_some() {
                stats::inet::TCP_CLOSED.inc();
            }
        }
    }
}

/// The effective user and group ids of the calling process (root's for the kernel's
/// own calls), a new socket's [`Socket::creator`].
#[cfg(not(test))]
fn caller_ids() -> (u32, u32) {
    crate::process::current().map_or((0, 0), |p| {
        let creds = p.fs().creds;
        (creds.euid, creds.egid)
    })
}

/// Host tests run no processes: the kernel's own ids.
#[cfg(test)]
fn caller_ids() -> (u32, u32) {
    (0, 0)
}

impl Socket {
    fn new(domain: Domain, kind: SocketType, creator: (u32, u32)) -> Result<Arc<Socket>> {
        if crate::mm::heap::under_pressure() {
            return Err(Error::NoBufferSpace);
        }
        let (send_buffer, receive_buffer) = match (domain, kind) {
            (Domain::Local, SocketType::Stream) => (STREAM_BUFFER, STREAM_BUFFER),
            (Domain::Local, SocketType::Datagram) => (DATAGRAM_SEND, DATAGRAM_RECEIVE),
            (Domain::Internet, SocketType::Stream) => (TCP_SEND, TCP_RECEIVE),
            (Domain::Internet, SocketType::Datagram) => (UDP_SEND, UDP_RECEIVE),
        };
        let socket = Arc::new_cyclic(|me| Socket {
            domain,
            kind,
            me: me.clone(),
            state: Mutex::new(State {
                name: Vec::new(),
                bound: false,
                backlog: None,
                pending: VecDeque::new(),
                read_shut: false,
                write_shut: false,
                peer: None,
                queue: VecDeque::new(),
                queued: 0,
                send_buffer,
                receive_buffer,
                send_low_water: SEND_LOW_WATER.min(send_buffer),
                receive_low_water: 1,
                options: 0,
                settings: SocketSettings::DEFAULT,
                error: None,
                wildcard_source: InetName::LOOPBACK,
                dropped: false,
            }),
            connection: Once::new(),
            changed: WaitQueue::new(),
            signals: AsyncSignals::new(),
            creator,
        });
        let mut table = match domain {
            Domain::Local => LOCAL_SOCKETS.lock(),
            Domain::Internet => INET_SOCKETS.lock(),
        };
        table.retain(|w| w.strong_count() > 0);
        table.push(Arc::downgrade(&socket));
        drop(table);
        Ok(socket)
    }

    pub fn socket_type(&self) -> SocketType {
        self.kind
    }

    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The name bound (empty: none).
    pub fn name(&self) -> Vec<u8> {
        self.state.lock().name.clone()
    }

    /// The peer's name (empty: unbound); `NotConnected` without a live peer.
    /// An Internet stream keeps its peer's name once the peer is gone, as a TCP
    /// connection keeps its foreign address until it is closed here too.
    pub fn peer_name(&self) -> Result<Vec<u8>> {
        let inet = self.domain == Domain::Internet;
        match self.kind {
            SocketType::Stream => self
                .connection
                .get()
                .filter(|c| inet || c.peer_socket.strong_count() > 0)
                .map(|c| c.peer.clone())
                .ok_or(Error::NotConnected),
            SocketType::Datagram => match &self.state.lock().peer {
                Some((peer, name)) if inet || peer.strong_count() > 0 => Ok(name.clone()),
                _ => Err(Error::NotConnected),
            },
        }
    }

    /// Gives the socket `name`, making a socket node at `path` (mode 0777 less the
    /// umask, as BSD does). A taken path is `AddressInUse`; a bound socket, or an
    /// empty path, `InvalidArgument`.
    pub fn bind(&self, ctx: &FsContext, path: &[u8], name: &[u8]) -> Result<()> {
        if path.is_empty() || self.domain != Domain::Local {
            return Err(Error::InvalidArgument);
        }
        let mut s = self.state.lock();
        if s.bound {
            return Err(Error::InvalidArgument);
        }
        let node = vfs::Special::Socket(self.me.clone());
        vfs::mknod(ctx, None, path, 0o777, node).map_err(|e| match e {
            Error::Exists => Error::AddressInUse,
            e => e,
        })?;
        s.bound = true;
        s.name = name.to_vec();
        Ok(())
    }

    /// Binds an Internet-domain socket to `name` (4.x's in_pcbbind). The address must
    /// be local (`AddressNotAvailable`); port 0 takes an ephemeral port; a port below
    /// [`InetName::RESERVED`] needs `privileged` (`AccessDenied`). A port is in use
    /// (`AddressInUse`), for a socket of the same type, when another socket's name
    /// overlaps (same address, or either is the wildcard), connected or not. With
    /// [`SocketOption::ReuseAddress`] or [`SocketOption::ReusePort`] set, only an
    /// unconnected socket bound to exactly the same address counts, and not even that
    /// one when both set `ReusePort`. A closed socket never holds its port: there is no
    /// TIME_WAIT here, so `ReuseAddress` matters only while a connection made through
    /// the port is still open. 4.x's check that a non-root user does not share a port
    /// another user bound is not made.
    pub fn bind_inet(&self, name: InetName, privileged: bool) -> Result<()> {
        if self.domain != Domain::Internet || self.state.lock().bound {
            return Err(Error::InvalidArgument);
        }
        if !InetName::is_local(name.addr) {
            return Err(Error::AddressNotAvailable);
        }
        let port = match name.port {
            0 => self.ephemeral_port(name.addr)?,
            p if p < InetName::RESERVED && !privileged => return Err(Error::AccessDenied),
            p if self.port_in_use(name.addr, p) => return Err(Error::AddressInUse),
            p => p,
        };
        self.set_inet_name(InetName { port, ..name });
        Ok(())
    }

    /// Names an Internet socket and enters it in the table connect and send search.
    fn set_inet_name(&self, name: InetName) {
        {
            let mut s = self.state.lock();
            s.bound = true;
            s.name = name.to_bytes();
        }
        let mut table = INET_BOUND.lock();
        table.retain(|w| w.strong_count() > 0);
        table.push(self.me.clone());
    }

    /// The Internet name bound (the wildcard address and port 0 when unbound).
    fn inet_name(&self) -> InetName {
        InetName::from_bytes(&self.state.lock().name)
    }

    /// This socket as the Arc its open files hold (a table of kernel objects keys by
    /// it), while it exists.
    pub fn arc(&self) -> Option<Arc<Socket>> {
        self.me.upgrade()
    }

    /// The socket this one is connected to (a stream's peer; where a connected
    /// datagram socket sends), while it exists.
    pub fn peer(&self) -> Option<Arc<Socket>> {
        match self.connection.get() {
            Some(c) => c.peer_socket.upgrade(),
            None => self.state.lock().peer.as_ref()?.0.upgrade(),
        }
    }

    /// Whether it can receive no more (its receiving side shut, or a stream's peer
    /// gone) and whether it can send no more (BSD's SS_CANTRCVMORE, SS_CANTSENDMORE).
    pub fn shut_states(&self) -> (bool, bool) {
        let s = self.state.lock();
        let peer_gone = self.connection.get().is_some_and(|c| !c.rx.has_writers());
        (s.read_shut || peer_gone, s.write_shut || s.dropped)
    }

    /// What netstat shows of this Internet socket.
    pub fn inet_info(&self) -> InetSocketInfo {
        let connection = self.connection.get();
        let s = self.state.lock();
        let foreign = match (connection, &s.peer) {
            (Some(c), _) => Some(InetName::from_bytes(&c.peer)),
            (None, Some((_, name))) => Some(InetName::from_bytes(name)),
            (None, None) => None,
        };
        let receive_queued = match connection {
            Some(c) => c.rx.queued(),
            None => s.queued,
        };
        InetSocketInfo {
            kind: self.kind,
            local: InetName::from_bytes(&s.name),
            foreign,
            listening: s.backlog.is_some(),
            pending: s.pending.len(),
            backlog: s.backlog.unwrap_or(0),
            receive_queued,
            send_buffer: s.send_buffer,
            receive_buffer: s.receive_buffer,
            send_shut: s.write_shut || s.dropped,
            peer_send_shut: connection.is_some_and(|c| !c.rx.has_writers()),
            dropped: s.dropped,
        }
    }

    /// Whether an Internet socket has a peer (4.x: a foreign address).
    fn has_inet_peer(&self) -> bool {
        self.connection.get().is_some() || self.state.lock().peer.is_some()
    }

    /// Whether `port` at `addr` is taken for this socket (see [`Socket::bind_inet`]).
    fn port_in_use(&self, addr: [u8; 4], port: u16) -> bool {
        let reuse_port = self.option(SocketOption::ReusePort);
        let reuse = reuse_port || self.option(SocketOption::ReuseAddress);
        inet_sockets(self.kind).iter().any(|t| {
            if core::ptr::eq(&**t, self) {
                return false;
            }
            let n = t.inet_name();
            if n.port != port {
                return false;
            }
            if !reuse {
                return n.addr == addr || n.addr == InetName::ANY || addr == InetName::ANY;
            }
            n.addr == addr
                && !t.has_inet_peer()
                && !(reuse_port && t.option(SocketOption::ReusePort))
        })
    }

    /// A free port from the socket's [`PortRange`] for a socket binding `addr`, the
    /// search going on from where the last one in that range stopped, as 4.x's
    /// in_pcbbind does; `WouldBlock` when every one is taken, `AccessDenied` for the
    /// low range without privilege.
    fn ephemeral_port(&self, addr: [u8; 4]) -> Result<u16> {
        let range = self.state.lock().settings.port_range;
        let (first, last, slot) = match range {
            PortRange::Default => (InetName::EPHEMERAL_FIRST, InetName::EPHEMERAL_LAST, 0),
            PortRange::High => (InetName::HIGH_FIRST, InetName::HIGH_LAST, 1),
            PortRange::Low { permitted: false } => return Err(Error::AccessDenied),
            PortRange::Low { permitted: true } => (InetName::LOW_FIRST, InetName::LOW_LAST, 2),
        };
        let (low, high) = (first.min(last), first.max(last));
        let last_port = &LAST_EPHEMERAL[self.kind as usize][slot];
        for _ in low..=high {
            let previous = last_port.load(Ordering::Relaxed) as u16;
            let outside = previous < low || previous > high;
            let p = match (first <= last, outside) {
                (_, true) => first,
                (true, false) if previous == high => first,
                (true, false) => previous + 1,
                (false, false) if previous == low => first,
                (false, false) => previous - 1,
            };
            last_port.store(p.into(), Ordering::Relaxed);
            if !self.port_in_use(addr, p) {
                return Ok(p);
            }
        }
        Err(Error::WouldBlock)
    }

    /// Binds an unbound Internet socket to an ephemeral port (connect, send, listen
    /// do this implicitly, as in 4.x).
    fn bind_implicitly(&self) -> Result<()> {
        if self.state.lock().bound {
            return Ok(());
        }
        let port = self.ephemeral_port(InetName::ANY)?;
        self.set_inet_name(InetName {
            addr: InetName::ANY,
            port,
        });
        Ok(())
    }

    /// Sets the address this Internet socket connects and sends from while bound to
    /// the wildcard, lo0's until then: a jailed process's sockets use its prison's,
    /// as 4.x's in_pcbconnect gives a prisoner's wildcard socket (prison_ip).
    pub fn set_wildcard_source(&self, addr: [u8; 4]) {
        self.state.lock().wildcard_source = addr;
    }

    /// What an Internet socket's messages come from: its name, with its wildcard
    /// source (see [`Socket::set_wildcard_source`]) for the wildcard.
    fn inet_source(&self) -> InetName {
        let s = self.state.lock();
        let n = InetName::from_bytes(&s.name);
        if n.addr == InetName::ANY {
            InetName {
                addr: s.wildcard_source,
                ..n
            }
        } else {
            n
        }
    }

    /// The Internet socket of this type that takes what is sent to `to` from
    /// `from`, as 4.x's in_pcblookup_hash finds it: one connected to exactly `from`
    /// first; else an unconnected one bound to `to`'s address, then to the wildcard.
    /// Only a listening socket takes a stream.
    fn find_inet(&self, to: InetName, from: InetName) -> Option<Arc<Socket>> {
        let peer_bytes = from.to_bytes();
        let candidates: Vec<Arc<Socket>> = inet_sockets(self.kind)
            .into_iter()
            .filter(|t| {
                let n = t.inet_name();
                n.port == to.port && (n.addr == to.addr || n.addr == InetName::ANY)
            })
            .collect();
        if self.kind == SocketType::Datagram
            && let Some(t) = candidates
                .iter()
                .find(|t| matches!(&t.state.lock().peer, Some((_, p)) if *p == peer_bytes))
        {
            return Some(t.clone());
        }
        let open = |t: &&Arc<Socket>| match self.kind {
            SocketType::Stream => t.is_listening(),
            SocketType::Datagram => t.state.lock().peer.is_none(),
        };
        let exact = candidates
            .iter()
            .filter(open)
            .find(|t| t.inet_name().addr == to.addr);
        exact.or_else(|| candidates.iter().find(open)).cloned()
    }

    /// Lets a bound socket take connections, at most `backlog` waiting (more calls
    /// change it). A datagram socket may listen too, as in 4.4BSD, though no
    /// connection ever waits for it: connecting to it only names a peer. An unbound
    /// Internet stream takes an ephemeral port; an Internet datagram socket cannot
    /// listen (`OperationNotSupported`, as UDP).
    pub fn listen(&self, backlog: usize) -> Result<()> {
        if self.domain == Domain::Internet {
            if self.kind == SocketType::Datagram {
                return Err(Error::OperationNotSupported);
            }
            if self.connection.get().is_none() {
                self.bind_implicitly()?;
            }
        }
        let mut s = self.state.lock();
        if !s.bound || self.connection.get().is_some() {
            return Err(Error::InvalidArgument);
        }
        s.backlog = Some(backlog);
        Ok(())
    }

    pub fn is_listening(&self) -> bool {
        self.state.lock().backlog.is_some()
    }

    /// The socket at `path`, if `self` may connect to it.
    fn find(&self, ctx: &FsContext, path: &[u8]) -> Result<Arc<Socket>> {
        let node = vfs::lookup(ctx, None, path, Follow::Yes)?;
        if node.kind() != NodeType::Socket {
            return Err(Error::NotASocket);
        }
        vfs::check_access(&node, &ctx.creds, Access::WRITE)?;
        let target = node.socket().ok_or(Error::ConnectionRefused)?;
        if target.kind != self.kind {
            return Err(Error::WrongProtocolType);
        }
        Ok(target)
    }

    /// Connects to the socket at `path`. A stream connection is made at once and
    /// waits in the listener's queue for accept; a datagram socket just takes the
    /// target as its peer (replacing any earlier one).
    pub fn connect(&self, ctx: &FsContext, path: &[u8]) -> Result<()> {
        self.connect_to(Address::Path(ctx, path))
    }

    /// Connects to `to`, as [`Socket::connect`] does; an Internet socket to an
    /// Internet name. Only local addresses are reachable (`NetworkUnreachable`);
    /// the wildcard means lo0's address; port 0 is `AddressNotAvailable`; nobody
    /// listening is `ConnectionRefused`. An unbound socket first takes an ephemeral
    /// port, and a wildcard address becomes lo0's (or the socket's wildcard source),
    /// as 4.x's in_pcbconnect does. A datagram socket needs nobody at the address.
    pub fn connect_to(&self, to: Address<'_>) -> Result<()> {
        let result = self.connect_now(to);
        if self.domain == Domain::Internet && self.kind == SocketType::Stream {
            // A personality that lets a refused socket connect again (4.x's TCP has
            // no pcb left for it; other stacks make a new one) starts it afresh.
            match result {
                Err(Error::ConnectionRefused) => self.state.lock().dropped = true,
                Ok(()) => self.state.lock().dropped = false,
                _ => {}
            }
        }
        result
    }

    /// The connection a send with an address asks for on an Internet stream not yet
    /// connected (BSD's implied connect, T/TCP's): as [`Socket::connect_to`], except
    /// that a refusal is not the send's error. BSD's TCP queued the data and sent the
    /// SYN; the RST that came back dropped the connection, leaving ECONNREFUSED for a
    /// later call: so here the socket is dropped with the refusal pending, and Ok.
    pub fn connect_for_send(&self, to: Address<'_>) -> Result<()> {
        match self.connect_to(to) {
            Err(Error::ConnectionRefused) => {
                self.state.lock().error = Some(Error::ConnectionRefused);
                Ok(())
            }
            other => other,
        }
    }

    /// Whether this TCP socket's connection was refused or reset (see `State::dropped`).
    pub fn connection_dropped(&self) -> bool {
        self.state.lock().dropped
    }

    /// Whether a stream has its connection (made, accepted, or since lost).
    pub fn has_connection(&self) -> bool {
        self.connection.get().is_some()
    }

    /// Whether sends end at once with `BrokenPipe`: its writing side is shut, or its
    /// connection was refused or reset (BSD's soisdisconnected sets SS_CANTSENDMORE,
    /// which sosend answers with EPIPE before anything else).
    pub fn cannot_send_more(&self) -> bool {
        let s = self.state.lock();
        s.write_shut || s.dropped
    }

    fn connect_now(&self, to: Address<'_>) -> Result<()> {
        if self.kind == SocketType::Stream {
            if self.is_listening() {
                return Err(Error::OperationNotSupported);
            }
            if self.connection.get().is_some() {
                return Err(Error::AlreadyConnected);
            }
        }
        let (target, server_name) = match (to, self.domain) {
            (Address::Path(ctx, path), Domain::Local) => {
                let target = self.find(ctx, path)?;
                let name = target.name();
                (Some(target), name)
            }
            (Address::Inet(to), Domain::Internet) => {
                let to = self.inet_destination(to, true)?;
                if self.kind == SocketType::Datagram {
                    self.state.lock().peer = Some((Weak::new(), to.to_bytes()));
                    return Ok(());
                }
                stats::inet::TCP_CONNECT_ATTEMPTS.inc();
                (self.find_inet(to, self.inet_source()), to.to_bytes())
            }
            _ => return Err(Error::InvalidArgument),
        };
        let refused = || {
            if self.domain == Domain::Internet {
                stats::inet::TCP_REFUSED.inc();
            }
            Error::ConnectionRefused
        };
        let target = target.ok_or_else(refused)?;
        if self.kind == SocketType::Datagram {
            self.state.lock().peer = Some((Arc::downgrade(&target), server_name));
            return Ok(());
        }
        let server = Socket::new(self.domain, SocketType::Stream, target.creator)?;
        {
            let t = target.state.lock();
            let Some(backlog) = t.backlog else {
                return Err(refused());
            };
            // A full queue refuses at once (4.x's TCP drops the SYN and the client
            // retries until it times out).
            if t.pending.len() > 3 * backlog / 2 {
                return Err(refused());
            }
            // The new connection has the listener's options, linger and buffer sizes
            // (4.x's sonewconn, whose soreserve takes the listener's; its syncache
            // passes TF_NOPUSH, TF_NODELAY and TF_NOOPT on too).
            let mut sv = server.state.lock();
            sv.options = t.options;
            sv.settings.linger = t.settings.linger;
            sv.send_buffer = t.send_buffer;
            sv.receive_buffer = t.receive_buffer;
            // The marks are not inherited: soreserve gives the defaults.
            sv.send_low_water = SEND_LOW_WATER.min(t.send_buffer);
            sv.receive_low_water = 1;
            server.set_async(target.is_async());
        }
        // The accepted socket carries the listener's name (in the Internet domain
        // with the address connected to), as in BSD.
        if self.domain == Domain::Internet {
            server.set_inet_name(InetName::from_bytes(&server_name));
        } else {
            server.state.lock().name = server_name;
        }
        join(self, &server)?;
        if self.domain == Domain::Internet {
            stats::inet::TCP_ACCEPTS.inc();
            stats::inet::TCP_CONNECTS.add(2);
        }
        target.state.lock().pending.push_back(server);
        target.changed.wake_all();
        // sonewconn's and soisconnected's wake-ups: the listener has a connection to
        // accept, and this socket is connected.
        target.notify_io();
        self.notify_io();
        Ok(())
    }

    /// Checks an Internet destination and readies this socket to send there (an
    /// ephemeral port; when `connecting`, a wildcard address becomes its wildcard
    /// source): the destination, with lo0's address for the wildcard.
    fn inet_destination(&self, to: InetName, connecting: bool) -> Result<InetName> {
        if !InetName::is_local(to.addr) {
            return Err(Error::NetworkUnreachable);
        }
        if to.port == 0 {
            return Err(Error::AddressNotAvailable);
        }
        self.bind_implicitly()?;
        let mut s = self.state.lock();
        let mut me = InetName::from_bytes(&s.name);
        if connecting && me.addr == InetName::ANY {
            me.addr = s.wildcard_source;
            s.name = me.to_bytes();
        }
        let addr = if to.addr == InetName::ANY {
            InetName::LOOPBACK
        } else {
            to.addr
        };
        Ok(InetName { addr, ..to })
    }

    /// Returns a connection `accept` gave out to the front of the queue, for when the
    /// caller could not take it (its descriptor table full), as 4.4BSD's accept does.
    pub fn put_back(&self, connection: Arc<Socket>) {
        self.state.lock().pending.push_front(connection);
        self.changed.wake_all();
    }

    /// Takes the first waiting connection, waiting for one unless `nonblock`.
    pub fn accept(&self, nonblock: bool) -> Result<Arc<Socket>> {
        loop {
            {
                let mut s = self.state.lock();
                if s.backlog.is_none() {
                    return Err(Error::InvalidArgument);
                }
                if let Some(c) = s.pending.pop_front() {
                    return Ok(c);
                }
            }
            if nonblock {
                return Err(Error::WouldBlock);
            }
            let _waiting = crate::sched::waiting_for("accept");
            crate::process::sleep_interruptible(&self.changed, || {
                let s = self.state.lock();
                !s.pending.is_empty() || s.backlog.is_none()
            })
            .map_err(|_| Error::Interrupted)?;
        }
    }

    /// Sends `from`. On a stream, as a pipe write (`to` is ignored, as BSD does once
    /// connected); a datagram goes whole, to the socket at path `to` or to the peer.
    pub fn send<S: Source + ?Sized>(
        &self,
        to: Option<Address<'_>>,
        from: &S,
        nonblock: bool,
    ) -> Result<usize> {
        self.send_control(to, from, nonblock, None)
    }

    /// As [`Socket::send`], with `control` travelling with the bytes; when the send
    /// fails it is dropped (its files close), nothing sent.
    /// An Internet stream takes no control (`InvalidArgument`, as TCP); an Internet
    /// datagram drops it, as UDP does.
    pub fn send_control<S: Source + ?Sized>(
        &self,
        to: Option<Address<'_>>,
        from: &S,
        nonblock: bool,
        control: Option<Control>,
    ) -> Result<usize> {
        if self.cannot_send_more() {
            return Err(Error::BrokenPipe);
        }
        if self.domain == Domain::Internet {
            if control.is_some() && self.kind == SocketType::Stream {
                return Err(Error::InvalidArgument);
            }
            if self.kind == SocketType::Datagram {
                return self.send_datagram_inet(to, from);
            }
        }
        if self.kind == SocketType::Stream {
            let c = self.connection.get().ok_or(Error::NotConnected)?;
            if c.writer.lock().is_none() {
                return Err(Error::BrokenPipe);
            }
            if matches!(control, Some(Control::Rights(_)))
                && let Some(peer) = c.peer_socket.upgrade()
            {
                peer.note_holder();
            }
            let low_water = stream_marks(&self.state.lock()).1;
            let wait = self.wait(nonblock, true);
            let sent = pipe::write_marked(&c.tx, from, wait, control, low_water)?;
            if sent > 0 {
                c.notify_peer();
                if self.domain == Domain::Internet {
                    stats::inet::tcp_data(sent);
                }
            }
            return Ok(sent);
        }
        let len = from.len();
        let target = {
            let mut s = self.state.lock();
            if len > s.send_buffer {
                return Err(Error::MessageTooBig);
            }
            match (to, &s.peer) {
                (Some(_), Some(_)) => return Err(Error::AlreadyConnected),
                (Some(Address::Path(ctx, path)), None) => {
                    drop(s);
                    self.find(ctx, path)?
                }
                (Some(Address::Inet(_)), None) => return Err(Error::InvalidArgument),
                (None, None) => return Err(Error::DestinationRequired),
                (None, Some((peer, _))) => match peer.upgrade() {
                    Some(p) => p,
                    None => {
                        // The peer closed: report it once, then the socket is
                        // unconnected (4.4BSD's unp_drop).
                        s.peer = None;
                        return Err(Error::ConnectionReset);
                    }
                },
            }
        };
        if matches!(control, Some(Control::Rights(_))) {
            target.note_holder();
        }
        target.deliver(self.name(), from, control, None)
    }

    /// Sends a UDP datagram to `to` or the peer. Nobody there drops it; on a connected
    /// socket the next call then fails with `ConnectionRefused` (what 4.x's ICMP port
    /// unreachable does). A receiver with no room drops it too: UDP does not wait.
    fn send_datagram_inet<S: Source + ?Sized>(
        &self,
        to: Option<Address<'_>>,
        from: &S,
    ) -> Result<usize> {
        let len = from.len();
        let (peer, error) = {
            let mut s = self.state.lock();
            if len > s.send_buffer {
                return Err(Error::MessageTooBig);
            }
            (
                s.peer.as_ref().map(|(_, name)| InetName::from_bytes(name)),
                s.error.take(),
            )
        };
        if let Some(e) = error {
            return Err(e);
        }
        let to = match (to, peer) {
            (Some(_), Some(_)) => return Err(Error::AlreadyConnected),
            (Some(Address::Inet(to)), None) => self.inet_destination(to, false)?,
            (Some(Address::Path(..)), None) => return Err(Error::InvalidArgument),
            (None, None) => return Err(Error::DestinationRequired),
            (None, Some(peer)) => peer,
        };
        let source = self.inet_source();
        stats::inet::udp_datagram(len);
        match self.find_inet(to, source) {
            Some(target) => match target.deliver(source.to_bytes(), from, None, Some(to.addr)) {
                Err(Error::NoBufferSpace) => {
                    stats::inet::UDP_FULL_SOCKET.inc();
                    Ok(len)
                }
                r => r,
            },
            None => {
                stats::inet::udp_no_port();
                if peer.is_some() {
                    self.state.lock().error = Some(Error::ConnectionRefused);
                    self.changed.wake_all();
                }
                Ok(len)
            }
        }
    }

    /// Takes the error a call met after it returned (SO_ERROR reads and clears it).
    pub fn take_error(&self) -> Option<Error> {
        self.state.lock().error.take()
    }

    /// Queues a datagram from the sender named `from_name`; a UDP one, sent to
    /// `to_addr`, with what this socket asked to note on arrival.
    fn deliver<S: Source + ?Sized>(
        &self,
        from_name: Vec<u8>,
        from: &S,
        control: Option<Control>,
        to_addr: Option<[u8; 4]>,
    ) -> Result<usize> {
        if crate::mm::heap::under_pressure() {
            return Err(Error::NoBufferSpace);
        }
        let mut data = vec![0u8; from.len()];
        from.copy_out(0, &mut data)?;
        let mut s = self.state.lock();
        // No room is an error, not a wait: 4.4BSD's datagrams never block the sender.
        if s.queued + data.len() > s.receive_buffer {
            return Err(Error::NoBufferSpace);
        }
        let len = data.len();
        s.queued += len;
        let mut noted = Vec::new();
        if let Some(addr) = to_addr {
            let asked = |o: SocketOption| s.options & (1 << o as u32) != 0;
            if asked(SocketOption::Timestamp) {
                let (secs, nanos) = crate::time::realtime();
                noted.push(Control::ArrivalTime { secs, nanos });
            }
            if asked(SocketOption::ReceiveDestination) {
                noted.push(Control::DestinationAddress(addr));
            }
            if asked(SocketOption::ReceiveInterface) {
                noted.push(Control::LoopbackInterface);
            }
        }
        s.queue.push_back(Message {
            from: from_name,
            data,
            control,
            noted,
        });
        drop(s);
        self.changed.wake_all();
        self.notify_io();
        Ok(len)
    }

    /// Receives into `to`, waiting unless `nonblock`: on a stream what is there (0 at
    /// end of file), on a datagram socket one message (its rest lost if `to` is
    /// shorter). Control that comes with the bytes goes to `accept` first (else it is
    /// dropped); if `accept` refuses it, the receive fails with its error, a stream's
    /// bytes staying for the next read and a datagram gone, as in 4.x's soreceive.
    pub fn receive<S: Sink + ?Sized>(
        &self,
        to: &mut S,
        blocking: impl Into<Blocking>,
        accept: Option<AcceptControl<'_>>,
    ) -> Result<Received> {
        self.receive_or_peek(to, blocking.into(), false, accept)
    }

    /// As [`Socket::receive`], but what is given stays queued (MSG_PEEK): a datagram
    /// whole, a stream's bytes for the next read. A datagram's control goes to
    /// `accept` as a copy, without descriptors ([`Control::peeked`]); a stream's is
    /// not given.
    pub fn peek<S: Sink + ?Sized>(
        &self,
        to: &mut S,
        blocking: impl Into<Blocking>,
        accept: Option<AcceptControl<'_>>,
    ) -> Result<Received> {
        self.receive_or_peek(to, blocking.into(), true, accept)
    }

    fn receive_or_peek<S: Sink + ?Sized>(
        &self,
        to: &mut S,
        blocking: Blocking,
        peek: bool,
        mut accept: Option<AcceptControl<'_>>,
    ) -> Result<Received> {
        let stream = |len| Received {
            len,
            truncated: false,
            from: None,
        };
        let wait = self.wait(blocking != Blocking::Wait, false);
        if self.kind == SocketType::Stream {
            let mut read = |rx: &Arc<Pipe>, to: &mut S, wait: Wait, least: usize| {
                if peek {
                    pipe::peek(rx, to, wait, least)
                } else {
                    let mut drop_control = |_| Ok(());
                    let accept = accept.take().unwrap_or(&mut drop_control);
                    pipe::read_marked(rx, to, wait, accept, least)
                }
            };
            let (read_shut, low_water) = {
                let s = self.state.lock();
                (s.read_shut, stream_marks(&s).0)
            };
            let c = match self.connection.get() {
                Some(c) => c,
                None => {
                    // Shut, or disconnected by a refusal: a pending error once (a peek
                    // leaves it), then end of file (BSD's soreceive: so_error, then
                    // SS_CANTRCVMORE, before ENOTCONN).
                    let mut s = self.state.lock();
                    if !(s.read_shut || s.dropped) {
                        return Err(Error::NotConnected);
                    }
                    return match s.error {
                        Some(e) => {
                            if !peek {
                                s.error = None;
                            }
                            Err(e)
                        }
                        None => Ok(stream(0)),
                    };
                }
            };
            if read_shut {
                // Shut for reading: what came since, else end of file.
                return match read(&c.rx, to, Wait::Never, 1) {
                    Err(Error::WouldBlock) => Ok(stream(0)),
                    r => r.map(stream),
                };
            }
            // The low-water mark, or what is asked for if less (soreceive); MSG_DONTWAIT
            // takes what is there.
            let least = match blocking {
                Blocking::Call => 1,
                _ => low_water.min(to.len()),
            };
            let n = read(&c.rx, to, wait, least)?;
            if n > 0 && !peek {
                // The peer's send buffer has room again (sowwakeup).
                c.notify_peer();
            }
            // End of file from a connection that was reset: the reset is reported, once
            // (a peek leaves it).
            if n == 0 && to.len() > 0 {
                let mut s = self.state.lock();
                if let Some(e) = s.error {
                    if !peek {
                        s.error = None;
                    }
                    return Err(e);
                }
            }
            return Ok(stream(n));
        }
        loop {
            {
                let mut s = self.state.lock();
                if let Some(m) = s.queue.front() {
                    if peek {
                        let control: Vec<Control> = m
                            .control
                            .iter()
                            .chain(m.noted.iter())
                            .filter_map(Control::peeked)
                            .collect();
                        // A copy, given outside the lock as a receive gives it.
                        let (data, from) = (m.data.clone(), m.from.clone());
                        drop(s);
                        if !control.is_empty()
                            && let Some(accept) = accept.as_mut()
                        {
                            accept(control)?;
                        }
                        let n = data.len().min(to.len());
                        to.copy_in(0, &data[..n])?;
                        return Ok(Received {
                            len: n,
                            truncated: n < data.len(),
                            from: Some(from),
                        });
                    }
                    let m = s.queue.pop_front().ok_or(Error::Io)?;
                    s.queued -= m.data.len();
                    // The control first, outside the lock (accepting installs files,
                    // refusing drops them); then the bytes. Either failing loses the
                    // datagram, as 4.x drops the record.
                    drop(s);
                    let control: Vec<Control> = m.control.into_iter().chain(m.noted).collect();
                    if !control.is_empty() {
                        match accept.as_mut() {
                            Some(accept) => accept(control)?,
                            None => drop(control),
                        }
                    }
                    let n = m.data.len().min(to.len());
                    to.copy_in(0, &m.data[..n])?;
                    return Ok(Received {
                        len: n,
                        truncated: n < m.data.len(),
                        from: Some(m.from),
                    });
                }
                if s.read_shut {
                    return Ok(stream(0));
                }
                if let Some(e) = s.error {
                    if !peek {
                        s.error = None;
                    }
                    return Err(e);
                }
            }
            wait.sleep("sbwait", &self.changed, || {
                let s = self.state.lock();
                !s.queue.is_empty() || s.read_shut || s.error.is_some()
            })?;
        }
    }

    /// Sends `from` as urgent data (BSD's MSG_OOB), which only TCP has (else
    /// `OperationNotSupported`): the bytes go as a send's, with `slack` more room than
    /// ordinary data has, and the last of them is urgent (TCP points its urgent
    /// pointer past it; see [`pipe::write_urgent`]). The receiver's owner gets SIGURG.
    pub fn send_out_of_band<S: Source + ?Sized>(
        &self,
        from: &S,
        nonblock: bool,
        slack: UrgentSlack,
    ) -> Result<usize> {
        if self.domain != Domain::Internet || self.kind != SocketType::Stream {
            return Err(Error::OperationNotSupported);
        }
        if from.len() == 0 {
            return self.send(None, from, nonblock);
        }
        if self.cannot_send_more() {
            return Err(Error::BrokenPipe);
        }
        let low_water = stream_marks(&self.state.lock()).1;
        let c = self.connection.get().ok_or(Error::NotConnected)?;
        if c.writer.lock().is_none() {
            return Err(Error::BrokenPipe);
        }
        let peer = c.peer_socket.upgrade();
        let inline = peer
            .as_ref()
            .is_some_and(|p| p.option(SocketOption::OobInline));
        let wait = self.wait(nonblock, true);
        pipe::write_urgent(&c.tx, from, inline, wait, low_water, slack, &mut || {
            if let Some(peer) = &peer {
                peer.owner().signal(Signal::Urg);
                peer.notify_io();
            }
        })
    }

    /// Receives the urgent byte into `to` (BSD's MSG_OOB, `peek`: MSG_PEEK): only TCP
    /// has one (else `OperationNotSupported`); `InvalidArgument` when none was announced, it was
    /// received already or the socket keeps it in line (SO_OOBINLINE), `WouldBlock`
    /// when it came in line. Never waits.
    pub fn receive_out_of_band<S: Sink + ?Sized>(&self, to: &mut S, peek: bool) -> Result<usize> {
        if self.domain != Domain::Internet || self.kind != SocketType::Stream {
            return Err(Error::OperationNotSupported);
        }
        if self.option(SocketOption::OobInline) {
            return Err(Error::InvalidArgument);
        }
        let c = self.connection.get().ok_or(Error::InvalidArgument)?;
        let byte = pipe::take_out_of_band(&c.rx, peek)?;
        if to.len() == 0 {
            return Ok(0);
        }
        to.copy_in(0, &[byte])?;
        Ok(1)
    }

    /// Whether the stream's peer has option `o` set (false with no peer left).
    pub fn peer_option(&self, o: SocketOption) -> bool {
        self.connection
            .get()
            .and_then(|c| c.peer_socket.upgrade())
            .is_some_and(|p| p.option(o))
    }

    /// Reads have reached the urgent mark (BSD's SIOCATMARK).
    pub fn at_urgent_mark(&self) -> bool {
        self.connection.get().is_some_and(|c| c.rx.at_urgent_mark())
    }

    /// Whom the socket's signals go to.
    pub fn owner(&self) -> &SignalOwner {
        self.signals.owner()
    }

    /// Asks for signal-driven I/O, or stops it (BSD's FIOASYNC on a socket).
    pub fn set_async(&self, on: bool) {
        self.signals.set_async(on);
    }

    pub fn is_async(&self) -> bool {
        self.signals.is_async()
    }

    /// SIGIO for the owner when asked for (BSD's sowakeup with SS_ASYNC): data, a
    /// connection or room came, or the peer went.
    fn notify_io(&self) {
        self.signals.notify();
    }

    /// Shuts one or both directions: reading drops what is queued and ends further
    /// reads at end of file; writing makes further sends `BrokenPipe` and gives the
    /// stream's peer end of file.
    pub fn shutdown(&self, how: Shutdown) -> Result<()> {
        if matches!(how, Shutdown::Read | Shutdown::Both) {
            {
                let mut s = self.state.lock();
                s.read_shut = true;
                s.queue.clear();
                s.queued = 0;
            }
            if let Some(c) = self.connection.get() {
                let mut scratch = [0u8; 512];
                while matches!(pipe::read(&c.rx, &mut scratch[..], true), Ok(n) if n > 0) {}
            }
            self.changed.wake_all();
        }
        if matches!(how, Shutdown::Write | Shutdown::Both) {
            self.state.lock().write_shut = true;
            if let Some(c) = self.connection.get() {
                drop(c.writer.lock().take());
                c.notify_peer();
            }
        }
        Ok(())
    }

    /// The send and receive buffer sizes.
    /// The effective user and group ids of the process that made it (BSD's so_cred).
    pub fn creator(&self) -> (u32, u32) {
        self.creator
    }

    /// Bytes a connected stream has sent that its peer has not read (BSD's peer's
    /// so_rcv.sb_cc); 0 for anything else.
    pub fn sent_unread(&self) -> usize {
        self.connection.get().map_or(0, |c| c.tx.queued())
    }

    pub fn buffer_sizes(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.send_buffer, s.receive_buffer)
    }

    /// Sets the send or receive buffer size: 0 is `InvalidArgument`, past
    /// [`MAX_BUFFER`] `NoBufferSpace`. A datagram socket's send size is its largest
    /// message and its receive size what it queues; a stream's pipes keep their own.
    pub fn set_buffer_size(&self, send: bool, size: usize) -> Result<()> {
        if size == 0 {
            return Err(Error::InvalidArgument);
        }
        if size > MAX_BUFFER {
            return Err(Error::NoBufferSpace);
        }
        let mut s = self.state.lock();
        // A mark above the new size comes down to it (sbreserve).
        if send {
            s.send_buffer = size;
            s.send_low_water = s.send_low_water.min(size);
        } else {
            s.receive_buffer = size;
            s.receive_low_water = s.receive_low_water.min(size);
        }
        Ok(())
    }

    /// The send and receive low-water marks.
    pub fn low_water_marks(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.send_low_water, s.receive_low_water)
    }

    /// Sets the send or receive low-water mark: 0 is `InvalidArgument`, and a mark
    /// above the buffer's size is that size (4.x's sosetopt).
    pub fn set_low_water_mark(&self, send: bool, mark: usize) -> Result<()> {
        if mark == 0 {
            return Err(Error::InvalidArgument);
        }
        let mut s = self.state.lock();
        if send {
            s.send_low_water = mark.min(s.send_buffer);
        } else {
            s.receive_low_water = mark.min(s.receive_buffer);
        }
        Ok(())
    }

    /// Calls `f` with each open file in flight in this socket's queue.
    fn each_file_in_flight(&self, mut f: impl FnMut(&Arc<OpenFile>)) {
        let mut visit = |c: &Control| {
            if let Control::Rights(r) = c {
                r.0.iter().for_each(&mut f);
            }
        };
        match self.connection.get() {
            Some(c) => c.rx.each_control(&mut visit),
            None => self
                .state
                .lock()
                .queue
                .iter()
                .filter_map(|m| m.control.as_ref())
                .for_each(&mut visit),
        }
    }

    /// Takes the control of every message queued here (the bytes stay).
    fn take_files_in_flight(&self) -> Vec<Control> {
        match self.connection.get() {
            Some(c) => c.rx.take_controls(),
            None => self
                .state
                .lock()
                .queue
                .iter_mut()
                .filter_map(|m| m.control.take())
                .collect(),
        }
    }

    /// Notes that this socket was sent files (for the collector), forgetting sockets
    /// that are gone (a weak reference keeps a socket's memory).
    fn note_holder(&self) {
        let mut holders = HOLDERS.lock();
        holders.retain(|w| w.strong_count() > 0);
        if !holders.iter().any(|w| w.ptr_eq(&self.me)) {
            holders.push(self.me.clone());
        }
    }

    /// Whether `o` is set. The reuse options matter only to Internet binds (a
    /// Unix-domain name is a file, which bind never replaces).
    pub fn option(&self, o: SocketOption) -> bool {
        self.state.lock().options & (1 << o as u32) != 0
    }

    pub fn set_option(&self, o: SocketOption, on: bool) {
        let mut s = self.state.lock();
        if on {
            s.options |= 1 << o as u32;
        } else {
            s.options &= !(1 << o as u32);
        }
    }

    /// What the socket keeps beside its flags.
    pub fn settings(&self) -> SocketSettings {
        self.state.lock().settings
    }

    /// Changes what the socket keeps beside its flags.
    pub fn set_settings(&self, f: impl FnOnce(&mut SocketSettings)) {
        f(&mut self.state.lock().settings);
    }

    /// Readiness by the socket's own low-water marks, or by `marks` (receive, send)
    /// where a kqueue note brings its own (NOTE_LOWAT): a mark of 0 is met with nothing
    /// there. A listening socket is readable with a connection to accept whatever the
    /// mark, and a stream not connected is not writable (filt_solisten, filt_sowrite).
    fn readiness(&self, marks: Option<(usize, usize)>) -> Readiness {
        let s = self.state.lock();
        let (receive_mark, send_mark) = match (marks, self.kind) {
            (Some(m), _) => m,
            (None, SocketType::Stream) => stream_marks(&s),
            (None, SocketType::Datagram) => (s.receive_low_water, s.send_low_water),
        };
        let (read, write) = match (self.kind, self.connection.get()) {
            (SocketType::Stream, Some(c)) => (
                s.read_shut || s.error.is_some() || c.rx.readable_at(receive_mark),
                s.write_shut || c.writer.lock().is_none() || c.tx.writable_at(send_mark),
            ),
            // Refused or reset: disconnected, so readable (end of file, or the error)
            // and writable (EPIPE), as BSD's soisdisconnected leaves a socket.
            (SocketType::Stream, None) => (
                s.read_shut || s.dropped || s.error.is_some() || !s.pending.is_empty(),
                s.write_shut || s.dropped,
            ),
            (SocketType::Datagram, _) => (
                s.read_shut || s.error.is_some() || datagrams_reach(self.domain, &s, receive_mark),
                s.send_buffer >= send_mark,
            ),
        };
        Readiness {
            read,
            write,
            hangup: false,
            urgent: self.connection.get().is_some_and(|c| c.rx.urgent_pending()),
        }
    }

    /// Readiness with the receive and send low-water marks given (a kqueue note's
    /// NOTE_LOWAT, taken as it is, as 4.x's filters compare it with the buffer)
    /// instead of the socket's.
    pub fn readiness_at(&self, receive_mark: usize, send_mark: usize) -> Readiness {
        self.readiness(Some((receive_mark, send_mark)))
    }

    /// How long a receive (`send` false) or send may wait, given the caller's
    /// non-blocking flag: a timeout set turns a wait for good into one until a tick.
    fn wait(&self, nonblock: bool, send: bool) -> Wait {
        if nonblock {
            return Wait::Never;
        }
        let s = self.state.lock().settings;
        match if send {
            s.send_timeout
        } else {
            s.receive_timeout
        } {
            0 => Wait::Forever,
            ticks => Wait::Until(crate::time::ticks() + ticks),
        }
    }
}

impl FileOps for Socket {
    fn kind(&self) -> FileKind {
        FileKind::Socket
    }

    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        self.receive(buf, nonblock, None).map(|r| r.len)
    }

    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize> {
        self.send(None, buf, nonblock)
    }

    fn read_to(&self, to: &mut dyn Sink, nonblock: bool) -> Option<Result<usize>> {
        Some(self.receive(to, nonblock, None).map(|r| r.len))
    }

    fn write_from(&self, from: &dyn Source, nonblock: bool) -> Option<Result<usize>> {
        Some(self.send(None, from, nonblock))
    }

    /// As BSD's soreadable and sowriteable: readable with as much as the receive
    /// low-water mark, at end of file, with an error or with a connection to accept;
    /// writable with room for the send low-water mark or when writing would fail at
    /// once. Never a hang-up.
    fn poll(&self) -> Readiness {
        self.readiness(None)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(match self.connection.get() {
            Some(c) => c.rx.wait_queue(),
            None => &self.changed,
        })
    }

    fn other_wait_queue(&self) -> Option<&WaitQueue> {
        self.connection.get().map(|c| c.tx.wait_queue())
    }

    /// Bytes queued: a stream's, or all the datagrams'.
    fn readable_bytes(&self) -> Option<u64> {
        Some(match (self.kind, self.connection.get()) {
            (SocketType::Stream, Some(c)) => c.rx.queued() as u64,
            // A listener: connections waiting (4.x reports its queue length).
            (SocketType::Stream, None) => self.state.lock().pending.len() as u64,
            (SocketType::Datagram, _) => self.state.lock().queued as u64,
        })
    }

    /// Room: a stream's, or the largest datagram that may be sent.
    fn writable_bytes(&self) -> Option<u64> {
        Some(match (self.kind, self.connection.get()) {
            (SocketType::Stream, Some(c)) => c.tx.room() as u64,
            (SocketType::Stream, None) => 0,
            (SocketType::Datagram, _) => self.state.lock().send_buffer as u64,
        })
    }

    fn socket(&self) -> Option<&Socket> {
        Some(self)
    }

    fn signal_owner(&self) -> Option<&SignalOwner> {
        Some(self.owner())
    }

    fn set_async_io(&self, on: bool) -> bool {
        self.set_async(on);
        true
    }
}

/// The length of a `struct sockaddr`: 4.x's `sun_noname`, the address it queues with
/// a datagram from an unbound Unix-domain socket, and of a `struct sockaddr_in`.
const SOCKADDR_LEN: usize = 16;

/// Whether the datagrams queued reach the receive low-water mark, counted as 4.x's
/// sb_cc counts them: each one's data and its sender's address (a Unix-domain
/// sender's as it was bound).
fn datagrams_reach(domain: Domain, s: &State, mark: usize) -> bool {
    match mark {
        0 => return true,
        1 => return !s.queue.is_empty(),
        _ => {}
    }
    let address = |from: &Vec<u8>| match domain {
        Domain::Local if !from.is_empty() => from.len(),
        _ => SOCKADDR_LEN,
    };
    let held: usize = s
        .queue
        .iter()
        .map(|m| m.data.len() + address(&m.from))
        .sum();
    held >= mark
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::{Credentials, tmpfs};

    fn ctx() -> FsContext {
        let root = tmpfs::new_fs_root(300, 0o755);
        FsContext {
            cwd: root.clone(),
            root,
            creds: Credentials::root(),
            umask: 0o022,
            top: None,
            emulation_root: None,
        }
    }

    fn sock(f: &OpenFile) -> &Socket {
        f.socket().expect("a socket")
    }

    #[test]
    fn a_stream_pair_carries_bytes_both_ways_then_eof_and_broken_pipe() {
        let (a, b) = pair(SocketType::Stream).unwrap();
        assert_eq!(a.write(b"ping"), Ok(4));
        let mut buf = [0u8; 16];
        assert_eq!(b.read(&mut buf), Ok(4));
        assert_eq!(&buf[..4], b"ping");
        assert_eq!(b.write(b"pong!"), Ok(5));
        assert!(a.poll().read && a.poll().write && !b.poll().read);
        assert_eq!(a.read(&mut buf), Ok(5));
        b.set_status(crate::file::StatusFlags {
            nonblock: true,
            append: false,
            async_io: false,
        });
        assert_eq!(b.read(&mut buf), Err(Error::WouldBlock));
        drop(b);
        assert_eq!(a.read(&mut buf), Ok(0));
        assert_eq!(a.write(b"x"), Err(Error::BrokenPipe));
    }

    #[test]
    fn shutdown_for_writing_gives_the_peer_eof() {
        let (a, b) = pair(SocketType::Stream).unwrap();
        assert_eq!(a.write(b"last"), Ok(4));
        assert_eq!(sock(&a).shutdown(Shutdown::Write), Ok(()));
        assert_eq!(a.write(b"more"), Err(Error::BrokenPipe));
        let mut buf = [0u8; 8];
        assert_eq!(b.read(&mut buf), Ok(4));
        assert_eq!(b.read(&mut buf), Ok(0));
        // The other direction still works.
        assert_eq!(b.write(b"back"), Ok(4));
        assert_eq!(a.read(&mut buf), Ok(4));
        // Shut for reading: what was queued is gone, and reads end at once.
        assert_eq!(b.write(b"dropped"), Ok(7));
        assert_eq!(sock(&a).shutdown(Shutdown::Read), Ok(()));
        assert_eq!(a.read(&mut buf), Ok(0));
    }

    #[test]
    fn peeking_leaves_the_data_and_a_closed_peer_ends_the_connection() {
        let (a, b) = pair(SocketType::Stream).unwrap();
        assert_eq!(b.write(b"abcdef"), Ok(6));
        let mut buf = [0u8; 4];
        assert_eq!(
            sock(&a).peek(&mut buf[..], true, None).map(|r| r.len),
            Ok(4)
        );
        assert_eq!(&buf, b"abcd");
        assert_eq!(sock(&a).peer_name(), Ok(Vec::new()));
        drop(b);
        assert_eq!(sock(&a).peer_name(), Err(Error::NotConnected));
        let mut all = [0u8; 8];
        assert_eq!(a.read(&mut all), Ok(6));
        assert_eq!(&all[..6], b"abcdef");

        let (a, b) = pair(SocketType::Datagram).unwrap();
        assert_eq!(b.write(b"one"), Ok(3));
        assert_eq!(b.write(b"two"), Ok(3));
        let got = sock(&a).peek(&mut buf[..2], true, None).unwrap();
        assert_eq!((got.len, got.truncated), (2, true));
        assert_eq!(a.read(&mut buf), Ok(3));
        assert_eq!(&buf[..3], b"one");
        assert_eq!(a.read(&mut buf), Ok(3));
        assert_eq!(&buf[..3], b"two");
    }

    #[test]
    fn a_bound_datagram_socket_may_listen_and_accept_can_put_back() {
        let ctx = ctx();
        let d = open(SocketType::Datagram).unwrap();
        assert_eq!(sock(&d).listen(1), Err(Error::InvalidArgument));
        assert_eq!(sock(&d).bind(&ctx, b"/d", b"/d"), Ok(()));
        assert_eq!(sock(&d).listen(1), Ok(()));

        let server = open(SocketType::Stream).unwrap();
        let s = sock(&server);
        assert_eq!(s.bind(&ctx, b"/s", b"/s"), Ok(()));
        assert_eq!(s.listen(1), Ok(()));
        let client = open(SocketType::Stream).unwrap();
        assert_eq!(sock(&client).connect(&ctx, b"/s"), Ok(()));
        let taken = s.accept(true).unwrap();
        assert_eq!(s.accept(true).err(), Some(Error::WouldBlock));
        s.put_back(taken);
        assert!(server.poll().read);
        assert!(s.accept(true).is_ok());
    }

    #[test]
    fn bind_listen_connect_accept() {
        let ctx = ctx();
        let server = open(SocketType::Stream).unwrap();
        let s = sock(&server);
        assert_eq!(s.listen(5), Err(Error::InvalidArgument));
        assert_eq!(s.bind(&ctx, b"/sock", b"/sock\0junk"), Ok(()));
        assert_eq!(
            s.bind(&ctx, b"/other", b"/other"),
            Err(Error::InvalidArgument)
        );
        assert_eq!(s.name(), b"/sock\0junk");
        let st = vfs::stat(&ctx, None, b"/sock", Follow::No).unwrap();
        assert_eq!((st.kind, st.mode), (NodeType::Socket, 0o755));
        let other = open(SocketType::Stream).unwrap();
        assert_eq!(
            sock(&other).bind(&ctx, b"/sock", b"/sock"),
            Err(Error::AddressInUse)
        );
        let client = open(SocketType::Stream).unwrap();
        let c = sock(&client);
        // Bound but not listening.
        assert_eq!(c.connect(&ctx, b"/sock"), Err(Error::ConnectionRefused));
        assert_eq!(s.accept(true).err(), Some(Error::InvalidArgument));
        assert_eq!(s.listen(1), Ok(()));
        assert_eq!(s.accept(true).err(), Some(Error::WouldBlock));
        assert_eq!(c.connect(&ctx, b"/nothing"), Err(Error::NotFound));
        assert_eq!(c.connect(&ctx, b"/"), Err(Error::NotASocket));
        let dgram = open(SocketType::Datagram).unwrap();
        assert_eq!(
            sock(&dgram).connect(&ctx, b"/sock"),
            Err(Error::WrongProtocolType)
        );
        assert_eq!(c.connect(&ctx, b"/sock"), Ok(()));
        assert_eq!(c.connect(&ctx, b"/sock"), Err(Error::AlreadyConnected));
        assert_eq!(client.write(b"hello"), Ok(5));
        assert!(server.poll().read);
        let accepted = file(s.accept(false).unwrap()).unwrap();
        assert_eq!(sock(&accepted).name(), b"/sock\0junk");
        assert_eq!(sock(&accepted).peer_name(), Ok(Vec::new()));
        assert_eq!(c.peer_name(), Ok(b"/sock\0junk".to_vec()));
        let mut buf = [0u8; 8];
        assert_eq!(accepted.read(&mut buf), Ok(5));
        // Backlog 1 holds two waiting connections (3/2 of it, rounded down, plus one).
        let more: Vec<_> = (0..3).map(|_| open(SocketType::Stream).unwrap()).collect();
        assert_eq!(sock(&more[0]).connect(&ctx, b"/sock"), Ok(()));
        assert_eq!(sock(&more[1]).connect(&ctx, b"/sock"), Ok(()));
        assert_eq!(
            sock(&more[2]).connect(&ctx, b"/sock"),
            Err(Error::ConnectionRefused)
        );
        // Closed: the name stays, connections are refused; unlink removes it.
        drop(server);
        assert_eq!(
            sock(&more[2]).connect(&ctx, b"/sock"),
            Err(Error::ConnectionRefused)
        );
        // The waiting connections went with the listener.
        assert_eq!(more[0].read(&mut buf), Ok(0));
        assert_eq!(vfs::unlink(&ctx, None, b"/sock"), Ok(()));
        assert_eq!(sock(&more[2]).connect(&ctx, b"/sock"), Err(Error::NotFound));
    }

    #[test]
    fn datagrams_keep_their_boundaries_and_senders() {
        let ctx = ctx();
        let server = open(SocketType::Datagram).unwrap();
        let s = sock(&server);
        assert_eq!(s.bind(&ctx, b"/log", b"/log"), Ok(()));
        let client = open(SocketType::Datagram).unwrap();
        let c = sock(&client);
        assert_eq!(client.write(b"x"), Err(Error::DestinationRequired));
        assert_eq!(
            c.send(Some(Address::Path(&ctx, b"/log")), &b"one"[..], false),
            Ok(3)
        );
        assert_eq!(c.bind(&ctx, b"/client", b"/client"), Ok(()));
        assert_eq!(
            c.send(Some(Address::Path(&ctx, b"/log")), &b"second"[..], false),
            Ok(6)
        );
        let mut buf = [0u8; 16];
        let got = s.receive(&mut buf[..], false, None).unwrap();
        assert_eq!(
            (got.len, got.truncated, got.from),
            (3, false, Some(Vec::new()))
        );
        let got = s.receive(&mut buf[..3], false, None).unwrap();
        assert_eq!(
            (got.len, got.truncated, got.from),
            (3, true, Some(b"/client".to_vec()))
        );
        assert_eq!(&buf[..3], b"sec");
        assert_eq!(s.receive(&mut buf[..], true, None), Err(Error::WouldBlock));
        // Connected: plain writes go to the peer; an address is then refused.
        assert_eq!(c.connect(&ctx, b"/log"), Ok(()));
        assert_eq!(c.peer_name(), Ok(b"/log".to_vec()));
        assert_eq!(client.write(b"abc"), Ok(3));
        assert_eq!(
            c.send(Some(Address::Path(&ctx, b"/log")), &b"x"[..], false),
            Err(Error::AlreadyConnected)
        );
        assert_eq!(server.read(&mut buf), Ok(3));
        // Too big for the send buffer; too much for the receiver's.
        let big = vec![0u8; DATAGRAM_SEND + 1];
        assert_eq!(client.write(&big), Err(Error::MessageTooBig));
        let half = vec![7u8; DATAGRAM_SEND];
        assert_eq!(client.write(&half), Ok(DATAGRAM_SEND));
        assert_eq!(client.write(&half), Ok(DATAGRAM_SEND));
        assert_eq!(client.write(b"!"), Err(Error::NoBufferSpace));
        // The peer closed: reset once, then unconnected.
        drop(server);
        assert_eq!(client.write(b"x"), Err(Error::ConnectionReset));
        assert_eq!(client.write(b"x"), Err(Error::DestinationRequired));
        assert_eq!(
            c.send(Some(Address::Path(&ctx, b"/log")), &b"x"[..], false),
            Err(Error::ConnectionRefused)
        );
    }

    fn inet(kind: SocketType) -> Arc<OpenFile> {
        open_in(Domain::Internet, kind).unwrap()
    }

    fn at(addr: [u8; 4], port: u16) -> InetName {
        InetName { addr, port }
    }

    fn named(f: &OpenFile) -> InetName {
        InetName::from_bytes(&sock(f).name())
    }

    // Host tests run at once and share the Internet table: each uses ports of its own,
    // above the ephemeral range.

    #[test]
    fn inet_bind_checks_addresses_privilege_and_ports_in_use() {
        let a = inet(SocketType::Stream);
        let s = sock(&a);
        assert_eq!(
            s.bind_inet(at([10, 0, 0, 1], 6001), true),
            Err(Error::AddressNotAvailable)
        );
        assert_eq!(
            s.bind_inet(at(InetName::LOOPBACK, 80), false),
            Err(Error::AccessDenied)
        );
        assert_eq!(s.bind_inet(at(InetName::ANY, 6001), false), Ok(()));
        assert_eq!(
            s.bind_inet(at(InetName::ANY, 6002), false),
            Err(Error::InvalidArgument)
        );
        assert_eq!(named(&a), at(InetName::ANY, 6001));
        // The wildcard overlaps every local address; another type is another table.
        let b = inet(SocketType::Stream);
        assert_eq!(
            sock(&b).bind_inet(at([127, 0, 0, 5], 6001), false),
            Err(Error::AddressInUse)
        );
        let u = inet(SocketType::Datagram);
        assert_eq!(sock(&u).bind_inet(at(InetName::ANY, 6001), false), Ok(()));
        // SO_REUSEADDR: only an unconnected socket at exactly that address counts.
        sock(&b).set_option(SocketOption::ReuseAddress, true);
        assert_eq!(
            sock(&b).bind_inet(at(InetName::ANY, 6001), false),
            Err(Error::AddressInUse)
        );
        assert_eq!(sock(&b).bind_inet(at([127, 0, 0, 5], 6001), false), Ok(()));
        // SO_REUSEPORT on both: even the same address.
        let (c, d) = (inet(SocketType::Datagram), inet(SocketType::Datagram));
        sock(&c).set_option(SocketOption::ReusePort, true);
        sock(&d).set_option(SocketOption::ReusePort, true);
        assert_eq!(
            sock(&c).bind_inet(at(InetName::LOOPBACK, 6003), false),
            Ok(())
        );
        assert_eq!(
            sock(&d).bind_inet(at(InetName::LOOPBACK, 6003), false),
            Ok(())
        );
        // A closed socket holds nothing.
        drop(a);
        let e = inet(SocketType::Stream);
        assert_eq!(
            sock(&e).bind_inet(at(InetName::ANY, 6001), false),
            Err(Error::AddressInUse)
        );
        drop(b);
        assert_eq!(sock(&e).bind_inet(at(InetName::ANY, 6001), false), Ok(()));
    }

    #[test]
    fn inet_ephemeral_ports_come_from_the_range_and_differ() {
        let mut ports = Vec::new();
        let keep: Vec<_> = (0..5).map(|_| inet(SocketType::Datagram)).collect();
        for f in &keep {
            assert_eq!(sock(f).bind_inet(at(InetName::LOOPBACK, 0), false), Ok(()));
            let n = named(f);
            assert_eq!(n.addr, InetName::LOOPBACK);
            assert!((1024..=5000).contains(&n.port), "{n:?}");
            assert!(!ports.contains(&n.port));
            ports.push(n.port);
        }
        // listen binds an unbound stream implicitly.
        let l = inet(SocketType::Stream);
        assert_eq!(sock(&l).listen(1), Ok(()));
        assert!((1024..=5000).contains(&named(&l).port));
    }

    #[test]
    fn inet_stream_connects_through_a_listener() {
        let server = inet(SocketType::Stream);
        let s = sock(&server);
        let client = inet(SocketType::Stream);
        let c = sock(&client);
        let to = at([127, 0, 0, 1], 6010);
        assert_eq!(
            c.connect_to(Address::Inet(to)),
            Err(Error::ConnectionRefused)
        );
        // Refused, it is disconnected as BSD leaves it: sends fail, a read is end of
        // file, and it polls readable and writable.
        assert_eq!(client.write(b"x"), Err(Error::BrokenPipe));
        assert_eq!(client.read(&mut [0u8; 1]), Ok(0));
        assert!(client.poll().read && client.poll().write);
        assert_eq!(
            c.connect_to(Address::Inet(at([192, 168, 0, 1], 6010))),
            Err(Error::NetworkUnreachable)
        );
        assert_eq!(
            c.connect_to(Address::Inet(at(InetName::LOOPBACK, 0))),
            Err(Error::AddressNotAvailable)
        );
        assert_eq!(s.bind_inet(at(InetName::ANY, 6010), false), Ok(()));
        // Bound, not listening: refused.
        assert_eq!(
            c.connect_to(Address::Inet(to)),
            Err(Error::ConnectionRefused)
        );
        assert_eq!(s.listen(1), Ok(()));
        // The wildcard means lo0's address.
        assert_eq!(c.connect_to(Address::Inet(at(InetName::ANY, 6010))), Ok(()));
        let me = named(&client);
        assert_eq!(me.addr, InetName::LOOPBACK);
        assert_eq!(c.peer_name(), Ok(to.to_bytes()));
        assert!(server.poll().read);
        let accepted = file(s.accept(true).unwrap()).unwrap();
        assert_eq!(named(&accepted), to);
        assert_eq!(sock(&accepted).peer_name(), Ok(me.to_bytes()));
        assert_eq!(client.write(b"ping"), Ok(4));
        let mut buf = [0u8; 8];
        assert_eq!(accepted.read(&mut buf), Ok(4));
        // A stream takes no control.
        let (r, _w) = pipe::new().unwrap();
        assert_eq!(
            c.send_control(None, &b"x"[..], true, rights(&[&r])),
            Err(Error::InvalidArgument)
        );
        // The connection holds the port: a plain bind fails, SO_REUSEADDR's does not.
        drop(server);
        let again = inet(SocketType::Stream);
        let a = sock(&again);
        assert_eq!(
            a.bind_inet(at(InetName::ANY, 6010), false),
            Err(Error::AddressInUse)
        );
        a.set_option(SocketOption::ReuseAddress, true);
        assert_eq!(a.bind_inet(at(InetName::ANY, 6010), false), Ok(()));
        // The peer gone: end of file, then a broken pipe; the peer's name stays.
        drop(accepted);
        assert_eq!(client.read(&mut buf), Ok(0));
        assert_eq!(client.write(b"x"), Err(Error::BrokenPipe));
        assert_eq!(c.peer_name(), Ok(to.to_bytes()));
    }

    #[test]
    fn inet_datagrams_carry_their_senders_and_connected_ones_learn_refusals() {
        let server = inet(SocketType::Datagram);
        let s = sock(&server);
        assert_eq!(s.listen(1), Err(Error::OperationNotSupported));
        assert_eq!(s.bind_inet(at(InetName::LOOPBACK, 6020), false), Ok(()));
        let client = inet(SocketType::Datagram);
        let c = sock(&client);
        let to = Some(Address::Inet(at(InetName::LOOPBACK, 6020)));
        assert_eq!(client.write(b"x"), Err(Error::DestinationRequired));
        assert_eq!(c.send(to, &b"hello"[..], true), Ok(5));
        // The send bound the client to an ephemeral port, its address left wild.
        let me = named(&client);
        assert_eq!(me.addr, InetName::ANY);
        assert!((1024..=5000).contains(&me.port));
        let mut buf = [0u8; 8];
        let got = s.receive(&mut buf[..], true, None).unwrap();
        let from = at(InetName::LOOPBACK, me.port).to_bytes();
        assert_eq!((got.len, got.from), (5, Some(from)));
        // Nobody at a port: dropped without a word while unconnected.
        let nobody = Some(Address::Inet(at(InetName::LOOPBACK, 6021)));
        assert_eq!(c.send(nobody, &b"lost"[..], true), Ok(4));
        assert_eq!(
            c.send(Some(Address::Inet(at([8, 8, 8, 8], 53))), &b"x"[..], true),
            Err(Error::NetworkUnreachable)
        );
        // Connected: the server takes only its peer's datagrams.
        assert_eq!(
            s.connect_to(Address::Inet(at(InetName::LOOPBACK, 6022))),
            Ok(())
        );
        assert_eq!(c.send(to, &b"filtered"[..], true), Ok(8));
        assert_eq!(s.receive(&mut buf[..], true, None), Err(Error::WouldBlock));
        // ... and learns that nobody is at its peer's port on its next call.
        assert_eq!(server.write(b"x"), Ok(1));
        assert!(server.poll().read);
        assert_eq!(sock(&server).take_error(), Some(Error::ConnectionRefused));
        assert_eq!(server.write(b"x"), Ok(1));
        assert_eq!(server.read(&mut buf), Err(Error::ConnectionRefused));
        assert_eq!(s.receive(&mut buf[..], true, None), Err(Error::WouldBlock));
    }

    #[test]
    fn a_datagram_pair_is_connected_both_ways() {
        let (a, b) = pair(SocketType::Datagram).unwrap();
        assert_eq!(a.write(b"12345"), Ok(5));
        assert_eq!(a.write(b"678"), Ok(3));
        let mut buf = [0u8; 4];
        assert_eq!(b.read(&mut buf), Ok(4));
        assert_eq!(&buf, b"1234");
        assert_eq!(b.read(&mut buf), Ok(3));
        assert_eq!(b.write(b""), Ok(0));
        assert!(a.poll().read);
        assert_eq!(a.read(&mut buf), Ok(0));
        assert!(!a.poll().read);
    }

    fn rights(files: &[&Arc<OpenFile>]) -> Option<Control> {
        let files = files.iter().map(|f| Arc::clone(f)).collect();
        Some(Control::Rights(Rights::new(files).unwrap()))
    }

    /// A non-blocking receive that keeps the control it meets.
    fn take(s: &Socket, buf: &mut [u8]) -> Result<(Received, Vec<Control>)> {
        let mut kept = Vec::new();
        let mut accept = |c: Vec<Control>| {
            kept.extend(c);
            Ok(())
        };
        let got = s.receive(buf, true, Some(&mut accept))?;
        Ok((got, kept))
    }

    /// The files of the one set of rights `control` holds.
    fn files_of((_, control): (Received, Vec<Control>)) -> Vec<Arc<OpenFile>> {
        match control.into_iter().next() {
            Some(Control::Rights(r)) => r.into_files(),
            other => panic!("no rights: {other:?}"),
        }
    }

    #[test]
    fn a_datagram_carries_files_and_a_plain_read_drops_them() {
        let (a, b) = pair(SocketType::Datagram).unwrap();
        let (r, w) = pipe::new().unwrap();
        let ctl = rights(&[&r, &w]);
        assert_eq!(sock(&a).send_control(None, &b"two"[..], true, ctl), Ok(3));
        assert_eq!(Arc::strong_count(&w), 2);
        let mut buf = [0u8; 8];
        // A peek gives none and leaves them.
        assert_eq!(
            sock(&b).peek(&mut buf[..], true, None).map(|g| g.len),
            Ok(3)
        );
        let files = files_of(take(sock(&b), &mut buf[..]).unwrap());
        assert!(Arc::ptr_eq(&files[0], &r) && Arc::ptr_eq(&files[1], &w));
        drop(files);
        // Read without asking: the files are dropped with the message.
        assert_eq!(
            sock(&a).send_control(None, &b"x"[..], true, rights(&[&w])),
            Ok(1)
        );
        assert_eq!(Arc::strong_count(&w), 2);
        assert_eq!(b.read(&mut buf), Ok(1));
        assert_eq!(Arc::strong_count(&w), 1);
        // A failed send drops them too: nothing is queued.
        let big = vec![0u8; DATAGRAM_SEND + 1];
        let sent = sock(&a).send_control(None, &big[..], true, rights(&[&w]));
        assert_eq!(sent, Err(Error::MessageTooBig));
        assert_eq!(Arc::strong_count(&w), 1);
        let creds = SenderCredentials {
            pid: 7,
            uid: 1,
            euid: 2,
            gid: 3,
            groups: vec![4],
        };
        let ctl = Some(Control::Credentials(creds.clone()));
        assert_eq!(sock(&a).send_control(None, &b""[..], true, ctl), Ok(0));
        let (_, control) = take(sock(&b), &mut buf[..]).unwrap();
        assert_eq!(control, vec![Control::Credentials(creds)]);
    }

    #[test]
    fn a_stream_read_starts_with_its_rights_and_stops_before_the_next() {
        let (a, b) = pair(SocketType::Stream).unwrap();
        let (r, w) = pipe::new().unwrap();
        let send = |data: &[u8], ctl| sock(&a).send_control(None, data, true, ctl);
        assert_eq!(send(b"abc", None), Ok(3));
        assert_eq!(send(b"def", rights(&[&r])), Ok(3));
        assert_eq!(send(b"ghi", None), Ok(3));
        // Rights with no bytes wait for the next bytes, with the rights already there.
        assert_eq!(send(b"", rights(&[&w])), Ok(0));
        assert_eq!(send(b"jk", rights(&[&r])), Ok(2));
        let mut buf = [0u8; 16];
        let (got, control) = take(sock(&b), &mut buf[..]).unwrap();
        assert_eq!((got.len, control.len()), (3, 0));
        assert_eq!(
            sock(&b).peek(&mut buf[..], true, None).map(|g| g.len),
            Ok(6)
        );
        // A short read at the mark takes the rights; the rest of the run follows bare.
        let got = take(sock(&b), &mut buf[..2]).unwrap();
        assert_eq!(&buf[..2], b"de");
        assert!(Arc::ptr_eq(&files_of(got)[0], &r));
        let (got, control) = take(sock(&b), &mut buf[..]).unwrap();
        assert_eq!((got.len, control.len()), (4, 0));
        assert_eq!(&buf[..4], b"fghi");
        let (got, control) = take(sock(&b), &mut buf[..]).unwrap();
        assert_eq!((got.len, control.len()), (2, 2));
        assert_eq!(
            sock(&b).receive(&mut buf[..], true, None),
            Err(Error::WouldBlock)
        );
        drop(control);
        assert_eq!((Arc::strong_count(&r), Arc::strong_count(&w)), (1, 1));
        // Queued rights go with the connection.
        assert_eq!(send(b"z", rights(&[&w])), Ok(1));
        drop((a, b));
        assert_eq!(Arc::strong_count(&w), 1);
    }

    #[test]
    fn refused_rights_leave_a_streams_bytes_and_lose_a_datagram() {
        let mut refuse = |_: Vec<Control>| Err(Error::TooManyOpen);
        let mut buf = [0u8; 8];
        let (r, _w) = pipe::new().unwrap();
        let (a, b) = pair(SocketType::Stream).unwrap();
        let sent = sock(&a).send_control(None, &b"kept"[..], true, rights(&[&r]));
        assert_eq!(sent, Ok(4));
        let got = sock(&b).receive(&mut buf[..], true, Some(&mut refuse));
        assert_eq!(got, Err(Error::TooManyOpen));
        // The rights are gone, the bytes are not.
        assert_eq!(Arc::strong_count(&r), 1);
        let (got, control) = take(sock(&b), &mut buf[..]).unwrap();
        assert_eq!((got.len, control.len(), &buf[..4]), (4, 0, &b"kept"[..]));
        let (a, b) = pair(SocketType::Datagram).unwrap();
        let sent = sock(&a).send_control(None, &b"lost"[..], true, rights(&[&r]));
        assert_eq!(sent, Ok(4));
        let got = sock(&b).receive(&mut buf[..], true, Some(&mut refuse));
        assert_eq!(got, Err(Error::TooManyOpen));
        assert_eq!(Arc::strong_count(&r), 1);
        assert_eq!(
            sock(&b).receive(&mut buf[..], true, None),
            Err(Error::WouldBlock)
        );
    }

    #[test]
    fn files_in_flight_are_bounded() {
        let (r, _w) = pipe::new().unwrap();
        let many = vec![r.clone(); MAX_IN_FLIGHT + 1];
        assert_eq!(Rights::new(many).err(), Some(Error::NoBufferSpace));
        assert_eq!(Arc::strong_count(&r), 1);
    }

    #[test]
    fn a_socket_holding_the_last_references_to_itself_goes_with_its_descriptor() {
        for kind in [SocketType::Datagram, SocketType::Stream] {
            let (a, b) = pair(kind).unwrap();
            let gone = sock(&b).me.clone();
            let mut table = crate::file::FdTable::default();
            let fd = table.install(b.clone(), false, 0).unwrap();
            let second = table.install(b.clone(), false, 0).unwrap();
            // b's own queue holds b, twice.
            assert_eq!(
                sock(&a).send_control(None, &b"x"[..], true, rights(&[&b])),
                Ok(1)
            );
            assert_eq!(
                sock(&a).send_control(None, &b"y"[..], true, rights(&[&b])),
                Ok(1)
            );
            drop(b);
            assert_eq!(table.close(fd), Ok(()));
            collect_after_close();
            // Another descriptor is left: it could still read them.
            assert!(gone.upgrade().is_some());
            assert_eq!(table.close(second), Ok(()));
            collect_after_close();
            assert!(gone.upgrade().is_none(), "{kind:?}");
            drop(a);
        }
    }
}
