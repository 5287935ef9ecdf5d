//! net.inet.tcp.pcblist and net.inet.udp.pcblist: the Internet sockets as 4.x's
//! `tcp_pcblist` and `udp_pcblist` list them, which `netstat -a` and `netstat -an`
//! print (and net.local.stream/dgram.pcblist, the Unix-domain sockets every
//! `netstat` lists: [`local_pcblist`]). The answer is a `struct xinpgen` (24 bytes: length, count, generation,
//! socket generation), one record per socket, newest first (a 524-byte `struct
//! xtcpcb`: length, `struct inpcb`, `struct tcpcb`, `struct xsocket`; or a 288-byte
//! `struct xinpcb` without the tcpcb), and the xinpgen again, which netstat needs to
//! find the end. A NULL buffer is told 2 xinpgens and one eighth more records than
//! there are; a prisoner sees the sockets bound to its prison's address.
//!
//! Layouts: in_pcb.h 1.32.2.7, tcp_var.h 1.56.2.13 and socketvar.h 1.46.2.9 of 4.8,
//! laid out for i386 (a helper compiled the field lists with `gcc -m32`). Filled:
//! the addresses and ports (network order), inp_vflag INP_IPV4, the TCP state, the
//! socket's type, protocol, family, SO_ACCEPTCONN, the connection's SS_ bits, the
//! listen queue and limit, and each buffer's bytes, high-water and low-water marks.
//! Kernel addresses are stand-ins (distinct, in kernel space), generation counts
//! the records' order. What a TCP state is here, from what the core keeps of a
//! loopback connection: LISTEN; ESTABLISHED while both sides send; FIN_WAIT_2 once
//! this side shut its sending (the peer acknowledges at once), CLOSE_WAIT once the
//! peer did, TIME_WAIT once both did; CLOSED not connected (bound or not: 4.x's
//! in_pcballoc lists a socket from socket(2) on, an unbound one as `*.*`), or refused
//! or reset. The send queues are empty (a send goes into the peer's receive buffer at
//! once).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use nymph_kernel::file::socket::{
    InetSocketInfo, LocalSocketInfo, Socket, SocketType, inet_socket_objects,
};
use nymph_kernel::process::Task;

/// `sizeof(struct xinpgen)`.
const XINPGEN_SIZE: usize = 24;
/// `sizeof(struct xtcpcb)` and `sizeof(struct xinpcb)`.
const XTCPCB_SIZE: usize = 524;
const XINPCB_SIZE: usize = 288;
/// Where the inpcb, tcpcb and xsocket start in an xtcpcb, and the xsocket in an
/// xinpcb (each record's first word is its length).
const INPCB_AT: usize = 4;
const TCPCB_AT: usize = 180;
const XTCPCB_SOCKET_AT: usize = 416;
const XINPCB_SOCKET_AT: usize = 180;

/// struct inpcb: inp_inc's ports and addresses (an IPv4 address is the last word of
/// its 16-byte in6 slot), the pointers, inp_vflag and its neighbours, inp_gencnt.
const INP_FPORT: usize = 24;
const INP_LPORT: usize = 26;
const INP_FADDR: usize = 40;
const INP_LADDR: usize = 56;
const INP_PPCB: usize = 92;
const INP_SOCKET: usize = 100;
const INP_VFLAG: usize = 112;
const INP_IP_TTL: usize = 113;
const INP_GENCNT: usize = 168;
/// `INP_IPV4` of inp_vflag.
const INP_IPV4: u8 = 0x1;
/// ip_input.c's ip_defttl (IPDEFTTL).
const IP_DEFAULT_TTL: u8 = 64;

/// struct tcpcb: t_inpcb, t_state.
const T_INPCB: usize = 32;
const T_STATE: usize = 36;

/// struct xsocket: the fields filled, and the two xsockbufs' (sb_cc, sb_hiwat,
/// sb_lowat).
const XSO_LEN: usize = 0;
const XSO_SO: usize = 4;
const SO_TYPE: usize = 8;
const SO_OPTIONS: usize = 10;
const SO_STATE: usize = 14;
const SO_PCB: usize = 16;
const XSO_PROTOCOL: usize = 20;
const XSO_FAMILY: usize = 24;
const SO_QLEN: usize = 28;
const SO_QLIMIT: usize = 32;
const SO_RCV: usize = 48;
const SO_SND: usize = 72;
const SB_HIWAT: usize = 4;
const SB_LOWAT: usize = 16;
const XSOCKET_SIZE: u32 = 100;

/// TCP states (tcp_fsm.h).
const TCPS_CLOSED: i32 = 0;
const TCPS_LISTEN: i32 = 1;
const TCPS_ESTABLISHED: i32 = 4;
const TCPS_CLOSE_WAIT: i32 = 5;
const TCPS_FIN_WAIT_2: i32 = 9;
const TCPS_TIME_WAIT: i32 = 10;

/// so_options' SO_ACCEPTCONN, so_state's bits (sys/socket.h, socketvar.h).
const SO_ACCEPTCONN: u16 = 0x2;
const SS_ISCONNECTED: u16 = 0x2;
const SS_CANTSENDMORE: u16 = 0x10;
const SS_CANTRCVMORE: u16 = 0x20;

/// Stand-in kernel addresses: each record's structures at their own.
const PCB_BASE: u32 = 0xc200_0000;
const PCB_STRIDE: u32 = 0x400;

/// The protocol a list is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    Tcp,
    Udp,
}

/// The list for `protocol`; `size_only` for a NULL buffer (only its length counts).
pub(crate) fn pcblist(task: &Task, protocol: Protocol, size_only: bool) -> Result<Vec<u8>, i32> {
    let kind = match protocol {
        Protocol::Tcp => SocketType::Stream,
        Protocol::Udp => SocketType::Datagram,
    };
    let prison = nymph_kernel::process::prison::prison(&task.process).map(|p| p.address());
    let sockets: Vec<(Arc<Socket>, InetSocketInfo)> = inet_socket_objects()
        .into_iter()
        .filter(|(_, s)| s.kind == kind)
        .filter(|(_, s)| prison.is_none_or(|ip| u32::from_be_bytes(s.local.addr) == ip))
        .collect();
    let size = match protocol {
        Protocol::Tcp => XTCPCB_SIZE,
        Protocol::Udp => XINPCB_SIZE,
    };
    let n = sockets.len();
    if size_only {
        return Ok(vec![0; 2 * XINPGEN_SIZE + (n + n / 8) * size]);
    }
    let generation = n as u64;
    let mut out = Vec::with_capacity(2 * XINPGEN_SIZE + n * size);
    out.extend_from_slice(&xinpgen(n, generation));
    for (i, (socket, s)) in sockets.iter().enumerate() {
        let gencnt = (n - i) as u64;
        out.extend_from_slice(&record(s, protocol, gencnt, socket_at(socket, i)));
    }
    out.extend_from_slice(&xinpgen(n, generation));
    Ok(out)
}

/// `sizeof(struct xunpcb)`: length, the unpcb's address, `struct unpcb` (144), the
/// bound and the peer's `struct sockaddr_un` (256 each), `struct xsocket`.
const XUNPCB_SIZE: usize = 772;
const XU_UNPP: usize = 4;
const XU_UNP: usize = 8;
const XU_ADDR: usize = 152;
const XU_CADDR: usize = 408;
const XU_SOCKET: usize = 664;
/// struct unpcb: unp_socket, unp_vnode, unp_conn, unp_addr, unp_cc, unp_gencnt.
const UNP_SOCKET: usize = 8;
const UNP_VNODE: usize = 12;
const UNP_CONN: usize = 24;
const UNP_ADDR: usize = 40;
const UNP_CC: usize = 44;
const UNP_GENCNT: usize = 52;
/// `sizeof(struct sockaddr_un)`: sun_len, sun_family, sun_path[104].
const SOCKADDR_UN_SIZE: usize = 106;

/// Stand-in addresses of the Unix-domain records: unpcb, socket, vnode.
const UNP_BASE: u32 = 0xc300_0000;

/// net.local.stream.pcblist or net.local.dgram.pcblist as 4.x's `unp_pcblist`
/// serves them: an xinpgen-shaped `struct xunpgen`, a 772-byte `struct xunpcb` per
/// socket of the type, newest first, the xunpgen again; a NULL buffer is told two
/// headers and n + n/8 records. Filled: the socket's address and its peer's (when
/// bound), the unpcb's, the socket's and the vnode's stand-in addresses (a vnode
/// for a bound socket only), the peer's unpcb, the receive queue, the type and
/// family. Every process's sockets are listed (unp_pcblist asks no prison).
pub(crate) fn local_pcblist(datagram: bool, size_only: bool) -> Vec<u8> {
    let objects = nymph_kernel::file::socket::local_socket_objects();
    let kind = if datagram {
        SocketType::Datagram
    } else {
        SocketType::Stream
    };
    let chosen: Vec<usize> = (0..objects.len())
        .filter(|&i| objects[i].1.kind == kind)
        .collect();
    let n = chosen.len();
    if size_only {
        return vec![0; 2 * XINPGEN_SIZE + (n + n / 8) * XUNPCB_SIZE];
    }
    let all: Vec<&LocalSocketInfo> = objects.iter().map(|(_, i)| i).collect();
    // The unpcb where fstat's view has it (the socket 0x100 before it); its vnode
    // and bound address as stand-ins by place.
    let unp_at = |i: usize| match crate::fstat::socket_address(&objects[i].0) {
        0 => UNP_BASE + i as u32 * PCB_STRIDE + 0x100,
        at => at + 0x100,
    };
    let stand_in = |i: usize| UNP_BASE + i as u32 * PCB_STRIDE;
    let mut out = Vec::with_capacity(2 * XINPGEN_SIZE + n * XUNPCB_SIZE);
    out.extend_from_slice(&xinpgen(n, n as u64));
    for (rank, &i) in chosen.iter().enumerate() {
        let s = &all[i];
        let unp = unp_at(i);
        let mut r = vec![0u8; XUNPCB_SIZE];
        let mut put =
            |offset: usize, bytes: &[u8]| r[offset..offset + bytes.len()].copy_from_slice(bytes);
        put(0, &(XUNPCB_SIZE as u32).to_le_bytes());
        put(XU_UNPP, &unp.to_le_bytes());
        put(XU_UNP + UNP_SOCKET, &(unp - 0x100).to_le_bytes());
        if let Some(path) = &s.path {
            put(XU_UNP + UNP_VNODE, &(stand_in(i) + 0x200).to_le_bytes());
            put(XU_UNP + UNP_ADDR, &(stand_in(i) + 0x300).to_le_bytes());
            put(XU_ADDR, &sockaddr_un(path));
        }
        if let Some(peer) = s.peer {
            put(XU_UNP + UNP_CONN, &unp_at(peer).to_le_bytes());
            if let Some(path) = &all[peer].path {
                put(XU_CADDR, &sockaddr_un(path));
            }
        }
        put(XU_UNP + UNP_CC, &(s.receive_queued as u32).to_le_bytes());
        put(XU_UNP + UNP_GENCNT, &((n - rank) as u64).to_le_bytes());
        let so = XU_SOCKET;
        put(so + XSO_LEN, &XSOCKET_SIZE.to_le_bytes());
        put(so + XSO_SO, &(unp - 0x100).to_le_bytes());
        put(
            so + SO_TYPE,
            &(if datagram { 2u16 } else { 1 }).to_le_bytes(),
        );
        put(so + SO_PCB, &unp.to_le_bytes());
        put(so + XSO_FAMILY, &1i32.to_le_bytes()); // AF_LOCAL
        put(so + SO_RCV, &(s.receive_queued as u32).to_le_bytes());
        put(
            so + SO_RCV + SB_HIWAT,
            &(s.receive_buffer as u32).to_le_bytes(),
        );
        put(
            so + SO_SND + SB_HIWAT,
            &(s.send_buffer as u32).to_le_bytes(),
        );
        out.extend_from_slice(&r);
    }
    out.extend_from_slice(&xinpgen(n, n as u64));
    out
}

/// A `struct sockaddr_un` for `path`: sun_len the length it was bound with (two
/// more than the path, at most the struct's), AF_LOCAL, the path.
fn sockaddr_un(path: &[u8]) -> Vec<u8> {
    let len = path.len().min(SOCKADDR_UN_SIZE - 2);
    let mut sa = vec![(len + 2) as u8, 1];
    sa.extend_from_slice(&path[..len]);
    sa
}

fn xinpgen(count: usize, generation: u64) -> [u8; XINPGEN_SIZE] {
    let mut g = [0u8; XINPGEN_SIZE];
    g[0..4].copy_from_slice(&(XINPGEN_SIZE as u32).to_le_bytes());
    g[4..8].copy_from_slice(&(count as u32).to_le_bytes());
    g[8..16].copy_from_slice(&generation.to_le_bytes());
    g[16..24].copy_from_slice(&generation.to_le_bytes());
    g
}

/// The TCP state a stream socket is in (see the module's notes).
fn tcp_state(s: &InetSocketInfo) -> i32 {
    if s.listening {
        return TCPS_LISTEN;
    }
    if s.dropped || s.foreign.is_none() {
        return TCPS_CLOSED;
    }
    match (s.send_shut, s.peer_send_shut) {
        (false, false) => TCPS_ESTABLISHED,
        (true, false) => TCPS_FIN_WAIT_2,
        (false, true) => TCPS_CLOSE_WAIT,
        (true, true) => TCPS_TIME_WAIT,
    }
}

/// `sizeof(struct inpcb)` and `sizeof(struct tcpcb)` on i386.
pub(crate) const INPCB_SIZE: usize = 176;
pub(crate) const TCPCB_SIZE: usize = 236;

/// A `struct inpcb` (INPCB_SIZE bytes) into `inp`: the ports and addresses, inp_ppcb
/// (a TCP socket's `tcpcb`), inp_socket, inp_vflag, the TTL and inp_gencnt.
pub(crate) fn fill_inpcb(
    inp: &mut [u8],
    s: &InetSocketInfo,
    tcpcb: Option<u32>,
    socket: u32,
    gencnt: u64,
) {
    let mut put = |at: usize, bytes: &[u8]| inp[at..at + bytes.len()].copy_from_slice(bytes);
    let foreign = s.foreign.unwrap_or(nymph_kernel::file::socket::InetName {
        addr: [0; 4],
        port: 0,
    });
    put(INP_FPORT, &foreign.port.to_be_bytes());
    put(INP_LPORT, &s.local.port.to_be_bytes());
    put(INP_FADDR, &foreign.addr);
    put(INP_LADDR, &s.local.addr);
    if let Some(tcpcb) = tcpcb {
        put(INP_PPCB, &tcpcb.to_le_bytes());
    }
    put(INP_SOCKET, &socket.to_le_bytes());
    put(INP_VFLAG, &[INP_IPV4]);
    put(INP_IP_TTL, &[IP_DEFAULT_TTL]);
    put(INP_GENCNT, &gencnt.to_le_bytes());
}

/// A `struct tcpcb`'s t_inpcb and t_state into `tcpcb` (TCPCB_SIZE bytes).
pub(crate) fn fill_tcpcb(tcpcb: &mut [u8], s: &InetSocketInfo, inpcb: u32) {
    tcpcb[T_INPCB..T_INPCB + 4].copy_from_slice(&inpcb.to_le_bytes());
    tcpcb[T_STATE..T_STATE + 4].copy_from_slice(&tcp_state(s).to_le_bytes());
}

/// Where `socket`'s struct socket is: the address fstat's view gives it (its inpcb or
/// unpcb 0x100 on, a tcpcb 0x200 on), so that netstat -A and fstat print the same
/// pcb; a stand-in by its place `i` in the list should that view's table be full.
fn socket_at(socket: &Arc<Socket>, i: usize) -> u32 {
    match crate::fstat::socket_address(socket) {
        0 => PCB_BASE + i as u32 * PCB_STRIDE,
        at => at,
    }
}

/// One xtcpcb or xinpcb, its structures at `at` (the socket), `at + 0x100` (inpcb)
/// and `at + 0x200` (tcpcb).
fn record(s: &InetSocketInfo, protocol: Protocol, gencnt: u64, at: u32) -> Vec<u8> {
    let (size, socket_at) = match protocol {
        Protocol::Tcp => (XTCPCB_SIZE, XTCPCB_SOCKET_AT),
        Protocol::Udp => (XINPCB_SIZE, XINPCB_SOCKET_AT),
    };
    let (inpcb_addr, tcpcb_addr, socket_addr) = (at + 0x100, at + 0x200, at);
    let mut r = vec![0u8; size];
    r[..4].copy_from_slice(&(size as u32).to_le_bytes());
    let tcp = protocol == Protocol::Tcp;
    fill_inpcb(
        &mut r[INPCB_AT..INPCB_AT + INPCB_SIZE],
        s,
        tcp.then_some(tcpcb_addr),
        socket_addr,
        gencnt,
    );
    if tcp {
        fill_tcpcb(&mut r[TCPCB_AT..TCPCB_AT + TCPCB_SIZE], s, inpcb_addr);
    }
    let mut put =
        |offset: usize, bytes: &[u8]| r[offset..offset + bytes.len()].copy_from_slice(bytes);

    let so = socket_at;
    let (so_type, proto): (u16, i32) = match protocol {
        Protocol::Tcp => (1, 6),  // SOCK_STREAM, IPPROTO_TCP
        Protocol::Udp => (2, 17), // SOCK_DGRAM, IPPROTO_UDP
    };
    let mut state = 0u16;
    if s.foreign.is_some() && !s.dropped {
        state |= SS_ISCONNECTED;
    }
    if s.send_shut {
        state |= SS_CANTSENDMORE;
    }
    if s.peer_send_shut {
        state |= SS_CANTRCVMORE;
    }
    put(so + XSO_LEN, &XSOCKET_SIZE.to_le_bytes());
    put(so + XSO_SO, &socket_addr.to_le_bytes());
    put(so + SO_TYPE, &so_type.to_le_bytes());
    let options = if s.listening { SO_ACCEPTCONN } else { 0 };
    put(so + SO_OPTIONS, &options.to_le_bytes());
    put(so + SO_STATE, &state.to_le_bytes());
    put(so + SO_PCB, &inpcb_addr.to_le_bytes());
    put(so + XSO_PROTOCOL, &proto.to_le_bytes());
    put(so + XSO_FAMILY, &2i32.to_le_bytes()); // AF_INET
    put(so + SO_QLEN, &(s.pending.min(0x7fff) as u16).to_le_bytes());
    put(
        so + SO_QLIMIT,
        &(s.backlog.min(0x7fff) as u16).to_le_bytes(),
    );
    put(so + SO_RCV, &(s.receive_queued as u32).to_le_bytes());
    put(
        so + SO_RCV + SB_HIWAT,
        &(s.receive_buffer as u32).to_le_bytes(),
    );
    put(so + SO_RCV + SB_LOWAT, &1u32.to_le_bytes());
    put(
        so + SO_SND + SB_HIWAT,
        &(s.send_buffer as u32).to_le_bytes(),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use nymph_kernel::file::socket::InetName;

    fn info(listening: bool, foreign: Option<InetName>, shut: (bool, bool)) -> InetSocketInfo {
        InetSocketInfo {
            kind: SocketType::Stream,
            local: InetName {
                addr: [127, 0, 0, 1],
                port: 5000,
            },
            foreign,
            listening,
            pending: 2,
            backlog: 5,
            receive_queued: 7,
            send_buffer: 32768,
            receive_buffer: 65536,
            send_shut: shut.0,
            peer_send_shut: shut.1,
            dropped: false,
        }
    }

    #[test]
    fn an_xtcpcb_has_its_fields_where_netstat_reads_them() {
        let peer = InetName {
            addr: [127, 0, 0, 2],
            port: 1025,
        };
        let r = record(
            &info(false, Some(peer), (false, false)),
            Protocol::Tcp,
            3,
            PCB_BASE,
        );
        assert_eq!(r.len(), 524);
        assert_eq!(&r[0..4], &524u32.to_le_bytes());
        assert_eq!(&r[28..30], &1025u16.to_be_bytes()); // fport
        assert_eq!(&r[30..32], &5000u16.to_be_bytes()); // lport
        assert_eq!(&r[44..48], &[127, 0, 0, 2]); // faddr
        assert_eq!(&r[60..64], &[127, 0, 0, 1]); // laddr
        assert_eq!(r[116], INP_IPV4);
        assert_eq!(&r[172..180], &3u64.to_le_bytes());
        assert_eq!(&r[216..220], &TCPS_ESTABLISHED.to_le_bytes());
        assert_eq!(&r[436..440], &6i32.to_le_bytes()); // xso_protocol
        assert_eq!(&r[464..468], &7u32.to_le_bytes()); // so_rcv.sb_cc
        assert_eq!(&r[488..492], &0u32.to_le_bytes()); // so_snd.sb_cc
    }

    #[test]
    fn states_follow_the_shutdowns() {
        let peer = Some(InetName {
            addr: [127, 0, 0, 1],
            port: 1,
        });
        assert_eq!(tcp_state(&info(true, None, (false, false))), TCPS_LISTEN);
        assert_eq!(tcp_state(&info(false, None, (false, false))), TCPS_CLOSED);
        assert_eq!(
            tcp_state(&info(false, peer, (true, false))),
            TCPS_FIN_WAIT_2
        );
        assert_eq!(
            tcp_state(&info(false, peer, (false, true))),
            TCPS_CLOSE_WAIT
        );
        assert_eq!(tcp_state(&info(false, peer, (true, true))), TCPS_TIME_WAIT);
        let udp = record(
            &info(false, None, (false, false)),
            Protocol::Udp,
            1,
            PCB_BASE,
        );
        assert_eq!(udp.len(), 288);
        assert_eq!(&udp[200..204], &17i32.to_le_bytes());
    }
}
