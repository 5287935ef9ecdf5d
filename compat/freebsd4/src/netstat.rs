//! What 4.x's netstat reads besides the socket lists ([`crate::pcblist`]): the
//! protocols' statistics (`-s`: net.inet.{ip,icmp,igmp,tcp,udp}.stats), the mbuf
//! statistics (`-m`: kern.ipc.*), and through libkvm the routing table (`-r`: the
//! radix tree under `rt_tables`) and its statistics (`-rs`: `rtstat`, `rttrash`), and
//! the protocols' inpcb lists (`tcb`, `udb`) systat's netstat display walks.
//! `-i` reads lo0's struct ifnet and ifaddrs ([`crate::kmem`]), whose packet counters
//! come from here too.
//!
//! The counts are the core's (`nymph_kernel::stats::inet`): loopback is the one
//! interface, each datagram and each stream write that moves bytes is one packet sent
//! and received on it, and a datagram for a port no socket has brings back an ICMP
//! port unreachable. TCP's connection set-up and acknowledgements are not carried as
//! packets here, so they show only as the connection counts.
//!
//! The routing table is what a 4.x kernel with only lo0 holds: the host route to
//! 127.0.0.1 that in_ifinit adds for a loopback address (UH, gateway itself, lo0, its
//! MTU; RTF_LOCAL, which netstat shows no letter for), in a radix tree shaped as
//! rn_inithead and rn_addroute leave it: the head's top node (bit 32) with the
//! route's internal node (bit 33) to its left and the all-ones end marker to its
//! right, the all-zeros end marker and the route under the route's node. Refs counts
//! the Internet sockets connected (each held the route in its inpcb's cache), Use the
//! packets sent.

use crate::kmem::{BASE, LO0_IFNET, LO0_INET_IFA, NET_AREA, Variable};
use alloc::vec;
use alloc::vec::Vec;
use nymph_kernel::file::socket::SocketType;
use nymph_kernel::stats::inet;
use nymph_kernel::sync::Mutex;

const fn at(offset: u32) -> u32 {
    NET_AREA + offset
}

/// `struct radix_node_head *rt_tables[AF_MAX + 1]` (AF_MAX 33): only AF_INET's.
const RT_TABLES: u32 = at(0x000);
const RT_TABLES_SIZE: u32 = 34 * 4;
const AF_INET: usize = 2;
/// `struct rtstat` (five shorts) and `int rttrash`.
const RTSTAT: u32 = at(0x090);
const RTTRASH: u32 = at(0x09c);
/// `struct inpcbhead tcb, udb`: the protocols' lists of inpcbs (systat's netstat
/// display walks them; the inpcbs are [`crate::fstat`]'s, at each socket's pcb).
const TCB: u32 = at(0x0a0);
const UDB: u32 = at(0x0a4);
/// AF_INET's radix_node_head (124 bytes: rnh_treetop, ..., rnh_nodes[3] at 52, 76,
/// 100), the route's struct rtentry (148 bytes: rt_nodes[2], then rt_gateway...),
/// the route's key and gateway (a sockaddr_in each, in one block as rt_setgate
/// allocates them), and the end markers' keys (rn_zeros, rn_ones).
const RNH: u32 = at(0x100);
const RNH_SIZE: u32 = 124;
const RTENTRY: u32 = at(0x180);
const RTENTRY_SIZE: u32 = 148;
const ROUTE_KEY: u32 = at(0x220);
const ZEROS_KEY: u32 = at(0x240);
const ONES_KEY: u32 = at(0x250);
const RN_NODE_SIZE: u32 = 24;
/// Where struct rtentry keeps rt_rmx.
const RT_RMX: usize = 76;

pub(crate) const VARIABLES: &[Variable] = &[
    Variable::new(b"rt_tables", RT_TABLES, RT_TABLES_SIZE, rt_tables),
    Variable::new(b"rtstat", RTSTAT, 10, rtstat),
    Variable::new(b"rttrash", RTTRASH, 4, rttrash),
    Variable::new(b"tcb", TCB, 4, tcb),
    Variable::new(b"udb", UDB, 4, udb),
    Variable::new(b"", RNH, RNH_SIZE, radix_head),
    Variable::new(b"", RTENTRY, RTENTRY_SIZE, rtentry),
    Variable::new(b"", ROUTE_KEY, 32, route_key),
    Variable::new(b"", ZEROS_KEY, 16, zeros_key),
    Variable::new(b"", ONES_KEY, 16, ones_key),
];

fn rt_tables() -> Vec<u8> {
    let mut table = vec![0u8; RT_TABLES_SIZE as usize];
    table[AF_INET * 4..AF_INET * 4 + 4].copy_from_slice(&(BASE + RNH).to_le_bytes());
    table
}

fn tcb() -> Vec<u8> {
    crate::fstat::inpcb_list_head(SocketType::Stream)
        .to_le_bytes()
        .to_vec()
}

fn udb() -> Vec<u8> {
    crate::fstat::inpcb_list_head(SocketType::Datagram)
        .to_le_bytes()
        .to_vec()
}

/// No redirects, dynamic routes, unreachable destinations or wildcard uses: the one
/// route is static.
fn rtstat() -> Vec<u8> {
    vec![0; 10]
}

/// Routes deleted while still referenced: none is ever deleted.
fn rttrash() -> Vec<u8> {
    vec![0; 4]
}

/// RNF_ROOT and RNF_ACTIVE (net/radix.h).
const RNF_ROOT: u8 = 2;
const RNF_ACTIVE: u8 = 4;

/// One `struct radix_node`: rn_mklist (none), rn_parent, rn_bit, rn_bmask, rn_flags,
/// and either a leaf's rn_key, rn_mask, rn_dupedkey or an inner node's rn_offset,
/// rn_left, rn_right (the same three words).
fn radix_node(parent: u32, bit: i16, bmask: u8, flags: u8, words: [u32; 3]) -> Vec<u8> {
    let mut node = Vec::with_capacity(RN_NODE_SIZE as usize);
    node.extend_from_slice(&0u32.to_le_bytes());
    node.extend_from_slice(&(BASE + parent).to_le_bytes());
    node.extend_from_slice(&bit.to_le_bytes());
    node.extend_from_slice(&[bmask, flags]);
    for w in words {
        node.extend_from_slice(&w.to_le_bytes());
    }
    node
}

/// A leaf's bit for a key `bits` long with no mask: -1 - bits (rn_inithead's end
/// markers), -1 for a host route's leaf.
const END_MARKER_BIT: i16 = -33;
/// The offset of the key's address in bytes (inetdomain's dom_rtoffset 32 bits).
const KEY_OFFSET_BYTES: u32 = 4;

fn radix_head() -> Vec<u8> {
    let top = RNH + 52 + RN_NODE_SIZE;
    let route_node = RTENTRY + RN_NODE_SIZE;
    let mut head = vec![0u8; 52];
    head[..4].copy_from_slice(&(BASE + top).to_le_bytes());
    let flags = RNF_ROOT | RNF_ACTIVE;
    head.extend(radix_node(
        top,
        END_MARKER_BIT,
        0,
        flags,
        [BASE + ZEROS_KEY, 0, 0],
    ));
    head.extend(radix_node(
        top,
        32,
        0x80,
        flags,
        [
            KEY_OFFSET_BYTES,
            BASE + route_node,
            BASE + top + RN_NODE_SIZE,
        ],
    ));
    head.extend(radix_node(
        top,
        END_MARKER_BIT,
        0,
        flags,
        [BASE + ONES_KEY, 0, 0],
    ));
    head
}

/// RTF_UP, RTF_HOST and RTF_LOCAL (net/route.h).
const ROUTE_FLAGS: u32 = 0x1 | 0x4 | 0x20_0000;

/// The one route's flags, use count (packets sent through it) and `struct
/// rt_metrics` (56 bytes: rmx_mtu lo0's, rmx_pksent the use count), as the routing
/// sysctl's dump reports them.
pub(crate) struct Route {
    pub(crate) flags: u32,
    pub(crate) use_count: u32,
    pub(crate) metrics: [u8; 56],
}

pub(crate) fn route() -> Route {
    let use_count = inet::PACKETS.get() as u32;
    let mut metrics = [0u8; 56];
    metrics[4..8].copy_from_slice(&crate::ifnet::LO0_MTU.to_le_bytes());
    metrics[36..40].copy_from_slice(&use_count.to_le_bytes());
    Route {
        flags: ROUTE_FLAGS,
        use_count,
        metrics,
    }
}

fn rtentry() -> Vec<u8> {
    let route_node = RTENTRY + RN_NODE_SIZE;
    let top = RNH + 52 + RN_NODE_SIZE;
    let mut rt = radix_node(route_node, -1, 0, RNF_ACTIVE, [BASE + ROUTE_KEY, 0, 0]);
    rt.extend(radix_node(
        top,
        33,
        0x40,
        RNF_ACTIVE,
        [KEY_OFFSET_BYTES, BASE + RNH + 52, BASE + RTENTRY],
    ));
    let refs = nymph_kernel::file::socket::inet_socket_table()
        .iter()
        .filter(|s| s.foreign.is_some())
        .count() as u32;
    for w in [
        BASE + ROUTE_KEY + 16, // rt_gateway
        refs,                  // rt_refcnt
        ROUTE_FLAGS,
        BASE + LO0_IFNET,
        BASE + LO0_INET_IFA,
    ] {
        rt.extend_from_slice(&w.to_le_bytes());
    }
    rt.resize(RT_RMX, 0);
    rt.extend_from_slice(&route().metrics);
    rt.resize(RTENTRY_SIZE as usize, 0);
    rt
}

fn sockaddr_in(addr: [u8; 4]) -> [u8; 16] {
    let mut sin = [0u8; 16];
    sin[0] = 16;
    sin[1] = AF_INET as u8;
    sin[4..8].copy_from_slice(&addr);
    sin
}

/// The key 127.0.0.1 and the gateway, the same address (the interface's own).
fn route_key() -> Vec<u8> {
    let sin = sockaddr_in(crate::ifnet::LO0_ADDRESS);
    [sin, sin].concat()
}

fn zeros_key() -> Vec<u8> {
    vec![0; 16]
}

fn ones_key() -> Vec<u8> {
    vec![0xff; 16]
}

/// lo0's packets and bytes in and out (the same: it hears what it sends): struct
/// if_data's ifi_ipackets, ifi_opackets, ifi_ibytes, ifi_obytes for the interface and
/// for 127.0.0.1's ifaddr, which netstat -i's address lines show.
pub(crate) fn lo0_traffic() -> (u32, u32) {
    (inet::PACKETS.get() as u32, inet::BYTES.get() as u32)
}

/// A protocol's statistics, `struct ipstat`, `icmpstat`, `igmpstat`, `tcpstat` or
/// `udpstat`: 32-bit words on i386 (u_long, or igmpstat's u_int).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    Ip,
    Icmp,
    Igmp,
    Tcp,
    Udp,
}

impl Protocol {
    /// Its net.inet.*.stats node.
    pub(crate) fn of_oid(oid: &[i32]) -> Option<Protocol> {
        Some(match oid {
            [4, 2, 0, 12] => Protocol::Ip,
            [4, 2, 1, 2] => Protocol::Icmp,
            [4, 2, 2, 1] => Protocol::Igmp,
            [4, 2, 6, 4] => Protocol::Tcp,
            [4, 2, 17, 2] => Protocol::Udp,
            _ => return None,
        })
    }

    /// Words in its struct.
    fn words(self) -> usize {
        match self {
            Protocol::Ip => 29,
            Protocol::Icmp => 50,
            Protocol::Igmp => 9,
            Protocol::Tcp => 76,
            Protocol::Udp => 13,
        }
    }

    /// The struct's size in bytes.
    pub(crate) fn size(self) -> usize {
        4 * self.words()
    }

    /// The core's counts, by word (the words nothing here counts are 0):
    /// - ipstat: ips_total 0, ips_delivered 14, ips_localout 15;
    /// - icmpstat: icps_error 0, icps_outhist[ICMP_UNREACH] 3 + 3,
    ///   icps_inhist[ICMP_UNREACH] 27 + 3;
    /// - igmpstat: nothing (no multicast is sent or received);
    /// - tcpstat: connattempt 0, accepts 1, connects 2, conndrops 4, closed 5, sndtotal
    ///   15, sndpack 16, sndbyte 17, rcvtotal 25, rcvpack 26, rcvbyte 27;
    /// - udpstat: udps_ipackets 0, udps_noport 5, udps_fullsock 7, udps_opackets 10.
    fn counted(self) -> Vec<u64> {
        let pairs: &[(usize, u64)] = match self {
            Protocol::Ip => {
                let packets = inet::PACKETS.get();
                &[(0, packets), (14, packets), (15, packets)]
            }
            Protocol::Icmp => {
                let unreachable = inet::PORT_UNREACHABLE.get();
                &[(0, unreachable), (6, unreachable), (30, unreachable)]
            }
            Protocol::Igmp => &[],
            Protocol::Tcp => {
                let packets = inet::TCP_DATA_PACKETS.get();
                let bytes = inet::TCP_DATA_BYTES.get();
                &[
                    (0, inet::TCP_CONNECT_ATTEMPTS.get()),
                    (1, inet::TCP_ACCEPTS.get()),
                    (2, inet::TCP_CONNECTS.get()),
                    (4, inet::TCP_REFUSED.get()),
                    (5, inet::TCP_CLOSED.get()),
                    (15, packets),
                    (16, packets),
                    (17, bytes),
                    (25, packets),
                    (26, packets),
                    (27, bytes),
                ]
            }
            Protocol::Udp => &[
                (0, inet::UDP_RECEIVED.get()),
                (5, inet::UDP_NO_PORT.get()),
                (7, inet::UDP_FULL_SOCKET.get()),
                (10, inet::UDP_SENT.get()),
            ],
        };
        let mut words = vec![0u64; self.words()];
        for &(index, value) in pairs {
            words[index] = value;
        }
        words
    }
}

/// What root last wrote to each protocol's statistics (netstat -z writes zeros; 4.x's
/// sysctl_handle_opaque copies in whatever struct it is given), with the core's counts
/// then: each word shown since is the word written plus what the core counted after.
static WRITTEN: Mutex<[Option<Written>; 5]> = Mutex::new([None, None, None, None, None]);

struct Written {
    words: Vec<u32>,
    counted: Vec<u64>,
}

/// A protocol's statistics as its struct.
pub(crate) fn stats(protocol: Protocol) -> Vec<u8> {
    let counted = protocol.counted();
    let written = WRITTEN.lock();
    let words: Vec<u32> = match &written[protocol as usize] {
        Some(w) => (0..counted.len())
            .map(|i| w.words[i].wrapping_add(counted[i].wrapping_sub(w.counted[i]) as u32))
            .collect(),
        None => counted.iter().map(|&c| c as u32).collect(),
    };
    crate::kmem::words(&words)
}

/// Sets a protocol's statistics to `bytes` (its struct, no shorter: the caller checks).
pub(crate) fn set_stats(protocol: Protocol, bytes: &[u8]) {
    let words = bytes
        .chunks_exact(4)
        .take(protocol.words())
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    WRITTEN.lock()[protocol as usize] = Some(Written {
        words,
        counted: protocol.counted(),
    });
}

fn words(values: &[(usize, u64)], count: usize) -> Vec<u8> {
    let mut w = vec![0u32; count];
    for &(index, value) in values {
        w[index] = value as u32;
    }
    crate::kmem::words(&w)
}

/// struct mbstat: no mbuf is ever allocated; m_msize, m_mclbytes, m_minclsize,
/// m_mlen and m_mhlen are i386's.
pub(crate) fn mbstat() -> Vec<u8> {
    words(&[(9, 256), (10, 2048), (11, 213), (12, 236), (13, 212)], 14)
}

pub(crate) fn mbtypes() -> Vec<u8> {
    vec![0; 64]
}

/// nmbclusters as 4.x's subr_param.c sizes it: 512 + 16 * maxusers, maxusers one per
/// 2 MB of memory, within 32..384.
pub(crate) fn nmbclusters() -> i32 {
    let pages = nymph_kernel::mm::frame::FRAMES.lock().usable_count() as u64;
    let maxusers = (pages * 4096 / (2 * 1024 * 1024)).clamp(32, 384);
    (512 + 16 * maxusers) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_have_their_4x_sizes() {
        assert_eq!(stats(Protocol::Ip).len(), 116);
        assert_eq!(stats(Protocol::Icmp).len(), 200);
        assert_eq!(stats(Protocol::Igmp).len(), 36);
        assert_eq!(stats(Protocol::Tcp).len(), 304);
        assert_eq!(stats(Protocol::Udp).len(), 52);
        assert_eq!(mbstat().len(), 56);
        assert_eq!(radix_head().len(), RNH_SIZE as usize);
        assert_eq!(rtentry().len(), RTENTRY_SIZE as usize);
    }

    #[test]
    fn the_tree_walks_in_order_to_the_one_route() {
        // p_tree's in-order walk over the bytes: leaves with RNF_ROOT are skipped.
        let read = |addr: u32, len: usize| -> Vec<u8> {
            let offset = addr - BASE;
            let (start, bytes) = if (RNH..RNH + RNH_SIZE).contains(&offset) {
                (RNH, radix_head())
            } else {
                assert!((RTENTRY..RTENTRY + RTENTRY_SIZE).contains(&offset));
                (RTENTRY, rtentry())
            };
            let from = (offset - start) as usize;
            bytes[from..from + len].to_vec()
        };
        let word = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        fn walk(
            node: u32,
            read: &dyn Fn(u32, usize) -> Vec<u8>,
            word: &dyn Fn(&[u8], usize) -> u32,
            leaves: &mut Vec<u32>,
        ) {
            let n = read(node, 24);
            let bit = i16::from_le_bytes([n[8], n[9]]);
            if bit < 0 {
                if n[11] & RNF_ROOT == 0 {
                    leaves.push(node);
                }
            } else {
                walk(word(&n, 16), read, word, leaves);
                walk(word(&n, 20), read, word, leaves);
            }
        }
        let top = word(&radix_head(), 0);
        let mut leaves = Vec::new();
        walk(top, &read, &word, &mut leaves);
        assert_eq!(leaves, [BASE + RTENTRY]);
        let rt = rtentry();
        assert_eq!(word(&rt, 12), BASE + ROUTE_KEY);
        assert_eq!(word(&rt, 56), ROUTE_FLAGS);
        assert_eq!(
            u32::from_le_bytes(rt_tables()[8..12].try_into().unwrap()),
            BASE + RNH
        );
    }
}
