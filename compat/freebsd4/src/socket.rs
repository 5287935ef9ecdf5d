//! 4.x socket calls (`uipc_syscalls.c`) on the core's sockets: the Unix domain, and
//! the Internet domain of a 4.x box whose only interface is lo0 (TCP and UDP over
//! 127.0.0.0/8; no raw sockets, no IPv6, no interface ioctls such as SIOCGIFCONF).
//! Addresses are 4.x `struct sockaddr_un` (sun_len, sun_family, the path) and
//! `struct sockaddr_in` (16 bytes: sin_len, sin_family, port and address in network
//! order, zeros); the "old" 4.3BSD entries write the family as a 16-bit word where
//! sa_len and sa_family sit. Control data: one SCM_RIGHTS (descriptors) or SCM_CREDS
//! (the sender's credentials, filled in here) message per send, as 4.x's
//! unp_internalize takes it; recvmsg hands it back as unp_externalize does.

use crate::fb::{self, consts as c, errno};
use crate::files::file_errno;
use crate::fs::compat_path_in;
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use nymph_kernel::error::Error;
use nymph_kernel::file::socket::{
    self, Address, Blocking, Control, Domain, InetName, PortRange, Received, Rights,
    SenderCredentials, Shutdown, SocketOption, SocketType, UrgentSlack,
};
use nymph_kernel::file::{OpenFile, StatusFlags};
use nymph_kernel::process::calls::{self, UserPieces};
use nymph_kernel::process::{Signal, Task};
use zerocopy::{FromBytes, FromZeros, IntoBytes};

const AF_UNIX: i32 = c::AF_UNIX as i32;
const AF_INET: i32 = c::AF_INET as i32;
const IPPROTO_TCP: i32 = c::IPPROTO_TCP as i32;
const IPPROTO_IP: i32 = c::IPPROTO_IP as i32;
const IPPROTO_UDP: i32 = c::IPPROTO_UDP as i32;
/// What 4.x's getsockopt(TCP_NODELAY) gives when it is on: the TF_NODELAY bit of the
/// connection's flags (netinet/tcp_var.h), not 1.
const TF_NODELAY: u32 = 4;
/// Bytes of a `struct sockaddr_in`: the only length an Internet address may have.
const SOCKADDR_IN: usize = core::mem::size_of::<fb::sockaddr_in>();
const SOCK_STREAM: i32 = c::SOCK_STREAM as i32;
const SOCK_DGRAM: i32 = c::SOCK_DGRAM as i32;
const SOL_SOCKET: i32 = c::SOL_SOCKET as i32;
const MSG_OOB: i32 = c::MSG_OOB as i32;
const MSG_PEEK: i32 = c::MSG_PEEK as i32;
const MSG_WAITALL: i32 = c::MSG_WAITALL as i32;
const MSG_DONTWAIT: i32 = c::MSG_DONTWAIT as i32;
const MSG_EOF: i32 = c::MSG_EOF as i32;
/// Where sun_path starts: after sun_len and sun_family.
const SUN_PATH: usize = 2;
/// What an unbound socket's address is: a `struct sockaddr` of 16 bytes.
const UNNAMED_LEN: usize = 16;
/// `UIO_MAXIOV`: sendmsg and recvmsg with this many pieces or more are EMSGSIZE.
const UIO_MAXIOV: u32 = 1024;
/// `MLEN` on i386: the most control one sendmsg may carry (one mbuf; EINVAL past it).
const MLEN: u32 = 236;
/// Bytes of a `struct cmsghdr`: the data follows.
const CMSG_HDR: usize = core::mem::size_of::<fb::cmsghdr>();

fn word(r: Result<u64, i32>) -> SysResult {
    r.map(Ret::word)
}

/// The open file behind `fd`, which must be a socket (ENOTSOCK).
pub(crate) fn socket_file(task: &Task, fd: i32) -> Result<Arc<OpenFile>, i32> {
    let file = calls::file(task, fd.into()).map_err(file_errno)?;
    if file.socket().is_none() {
        return Err(errno::ENOTSOCK);
    }
    Ok(file)
}

/// The socket of a file [`socket_file`] gave.
pub(crate) fn sock(file: &OpenFile) -> Result<&socket::Socket, i32> {
    file.socket().ok_or(errno::ENOTSOCK)
}

/// ioctl on a socket, as 4.x's soo_ioctl (and on a FIFO, whose fifo_ioctl hands the
/// command to its sockets): the owner (FIOSETOWN, FIOGETOWN, and SIOCSPGRP/SIOCGPGRP
/// with the sign turned), SIOCATMARK, FIONREAD. Any other command goes to the
/// protocol's pru_control, which has none: EOPNOTSUPP (the interface and routing
/// groups, 'i' and 'r', go to ifioctl and rtioctl there; no interface is configurable
/// here: ENOTTY, logged).
pub(crate) fn socket_ioctl(task: &Task, file: &OpenFile, cmd: u32, arg: u64) -> SysResult {
    use fb::ioctl;
    let negated = (ioctl::SIOCSPGRP, ioctl::SIOCGPGRP);
    if let Some(done) = crate::files::owner_ioctl(task, file, cmd, arg, negated)? {
        return Ok(done);
    }
    let value = match cmd {
        ioctl::SIOCATMARK => i32::from(file.socket().is_some_and(|s| s.at_urgent_mark())),
        ioctl::FIONREAD => {
            i32::try_from(file.ops().readable_bytes().unwrap_or(0)).unwrap_or(i32::MAX)
        }
        _ if matches!((cmd >> 8) as u8, b'i' | b'r') => {
            let inet = file
                .socket()
                .is_some_and(|s| s.domain() == Domain::Internet);
            return crate::ifnet::ioctl(task, inet, cmd, arg);
        }
        _ => return Err(errno::EOPNOTSUPP),
    };
    task.write_val(arg, &value).map_err(fault)?;
    Ok(Ret::word(0))
}

/// The domain of the socket behind `fd`.
fn domain_of(task: &Task, fd: i32) -> Result<Domain, i32> {
    let file = socket_file(task, fd)?;
    Ok(sock(&file)?.domain())
}

fn install(task: &Task, file: Arc<OpenFile>) -> Result<u64, i32> {
    task.process
        .with_files(|t| t.install(file, false, 0))
        .map(|fd| fd as u64)
        .map_err(file_errno)
}

fn close(task: &Task, fd: u64) {
    let _ = calls::close(task, fd as i64);
}

/// The kind of socket asked for (`socreate`): AF_UNIX stream or datagram with protocol
/// 0; AF_INET stream (protocol 0 or IPPROTO_TCP) or datagram (0 or IPPROTO_UDP). Any
/// other domain, type or protocol is EPROTONOSUPPORT, as 4.x finds no protocol for it.
fn socket_type(
    task: &Task,
    domain: i32,
    ty: i32,
    protocol: i32,
) -> Result<(Domain, SocketType), i32> {
    let found = match (domain, ty, protocol) {
        (AF_UNIX, SOCK_STREAM, 0) => Some((Domain::Local, SocketType::Stream)),
        (AF_UNIX, SOCK_DGRAM, 0) => Some((Domain::Local, SocketType::Datagram)),
        (AF_INET, SOCK_STREAM, 0 | IPPROTO_TCP) => Some((Domain::Internet, SocketType::Stream)),
        (AF_INET, SOCK_DGRAM, 0 | IPPROTO_UDP) => Some((Domain::Internet, SocketType::Datagram)),
        _ => None,
    };
    if found.is_some() {
        crate::jail::check_socket_family(task, domain)?;
    }
    found.ok_or_else(|| {
        log::warn!(
            "pid {} ({}): socket({domain}, {ty}, {protocol}): no such protocol here: EPROTONOSUPPORT",
            task.process.pid.0,
            String::from_utf8_lossy(&task.process.command())
        );
        errno::EPROTONOSUPPORT
    })
}

pub(crate) fn sys_socket(task: &mut Task, a: fb::SocketArgs) -> SysResult {
    let (domain, kind) = socket_type(task, a.domain, a.type_, a.protocol)?;
    let file = socket::open_in(domain, kind).map_err(file_errno)?;
    word(install(task, file))
}

/// socketpair: the Unix domain only; TCP and UDP cannot connect two sockets of their
/// own (4.x's pru_connect2 is EOPNOTSUPP there).
pub(crate) fn sys_socketpair(task: &mut Task, a: fb::SocketpairArgs) -> SysResult {
    let (domain, kind) = socket_type(task, a.domain, a.type_, a.protocol)?;
    if domain != Domain::Local {
        return Err(errno::EOPNOTSUPP);
    }
    let (x, y) = socket::pair(kind).map_err(file_errno)?;
    let fx = install(task, x)?;
    let fy = install(task, y).inspect_err(|_| close(task, fx))?;
    if task
        .write_val(a.rsv.addr(), &[fx as i32, fy as i32])
        .is_err()
    {
        close(task, fx);
        close(task, fy);
        return Err(errno::EFAULT);
    }
    Ok(Ret::word(0))
}

/// An address from the user, read for a socket's domain.
enum UserAddress {
    /// The name (the bytes after sun_len and sun_family, kept as given) and the path
    /// it spells.
    Local {
        name: Vec<u8>,
        path: Vec<u8>,
    },
    Inet(InetName),
}

impl UserAddress {
    fn target<'a>(&'a self, ctx: &'a nymph_kernel::vfs::FsContext) -> Address<'a> {
        match self {
            UserAddress::Local { path, .. } => Address::Path(ctx, path),
            UserAddress::Inet(n) => Address::Inet(*n),
        }
    }
}

/// 4.x's getsockaddr: at most SOCK_MAXADDRLEN bytes (ENAMETOOLONG), copied in.
fn copy_address(task: &Task, addr: u64, len: i32) -> Result<Vec<u8>, i32> {
    let len = len as u32;
    if len > c::SOCK_MAXADDRLEN {
        return Err(errno::ENAMETOOLONG);
    }
    let mut bytes = vec![0u8; len as usize];
    task.read_bytes(addr, &mut bytes).map_err(fault)?;
    Ok(bytes)
}

/// The address `bytes` (copied in by [`copy_address`]) names for socket `s`. A
/// Unix-domain one gives the path (up to a NUL, under the compat prefix; no path bytes
/// at all is EINVAL). An Internet one must be exactly a sockaddr_in (EINVAL); when
/// `check_family` (connect and sendto, not bind: 4.x's in_pcbbind does not look) its
/// family must be AF_INET (EAFNOSUPPORT), where a zero sa_family takes sa_len's byte,
/// as 4.x's getsockaddr lets old programs write the family as a 16-bit word.
fn parse_address(
    task: &Task,
    s: &socket::Socket,
    bytes: Vec<u8>,
    check_family: bool,
) -> Result<UserAddress, i32> {
    if s.domain() == Domain::Internet {
        let [sa_len, family, p0, p1, a0, a1, a2, a3, ..] = bytes[..] else {
            return Err(errno::EINVAL);
        };
        if bytes.len() != SOCKADDR_IN {
            return Err(errno::EINVAL);
        }
        let family = if family == 0 { sa_len } else { family };
        if check_family && i32::from(family) != AF_INET {
            return Err(errno::EAFNOSUPPORT);
        }
        return Ok(UserAddress::Inet(InetName {
            addr: [a0, a1, a2, a3],
            port: u16::from_be_bytes([p0, p1]),
        }));
    }
    let name = bytes.get(SUN_PATH..).unwrap_or(&[]).to_vec();
    if name.is_empty() {
        return Err(errno::EINVAL);
    }
    let path = name.split(|&b| b == 0).next().unwrap_or(&[]).to_vec();
    let path = compat_path_in(&task.process.fs(), path);
    Ok(UserAddress::Local { name, path })
}

/// The 4.x address of a socket of `domain` named `name`. Unix domain: sun_len is the
/// whole length, as bind set it, and an unbound socket's is 4.x's 16-byte unnamed
/// sockaddr. Internet: a sockaddr_in (INADDR_ANY, port 0 when unbound). `old`: the
/// 4.3BSD layout, a 16-bit family first.
pub(crate) fn address_bytes(domain: Domain, name: &[u8], old: bool) -> Vec<u8> {
    let (mut sa, family) = match domain {
        Domain::Internet => {
            let n = InetName::from_bytes(name);
            let mut sa = vec![0u8; SOCKADDR_IN];
            sa[2..4].copy_from_slice(&n.port.to_be_bytes());
            sa[4..8].copy_from_slice(&n.addr);
            (sa, c::AF_INET as u8)
        }
        Domain::Local if name.is_empty() => (vec![0u8; UNNAMED_LEN], c::AF_UNIX as u8),
        Domain::Local => ([&[0u8; SUN_PATH][..], name].concat(), c::AF_UNIX as u8),
    };
    let head = if old {
        [family, 0]
    } else {
        [sa.len().min(255) as u8, family]
    };
    sa[..SUN_PATH].copy_from_slice(&head);
    sa
}

/// Writes the address of `name` (of a socket of `domain`) at `addr`, at most `room`
/// bytes; returns how many.
fn put_address(
    task: &Task,
    domain: Domain,
    name: &[u8],
    addr: u64,
    room: i32,
    old: bool,
) -> Result<i32, i32> {
    let sa = address_bytes(domain, name, old);
    let n = usize::try_from(room).unwrap_or(0).min(sa.len());
    task.write_bytes(addr, &sa[..n]).map_err(fault)?;
    Ok(n as i32)
}

/// Writes the address of `name` at `addr` with the room the int at `lenp` gives, and
/// the length written back there (getsockname, getpeername, accept).
fn write_address(
    task: &Task,
    domain: Domain,
    name: &[u8],
    addr: u64,
    lenp: u64,
    old: bool,
) -> Result<(), i32> {
    let room: i32 = task.read_val(lenp).map_err(fault)?;
    if room < 0 {
        return Err(errno::EINVAL);
    }
    let n = put_address(task, domain, name, addr, room, old)?;
    task.write_val(lenp, &n).map_err(fault)
}

/// bind: a Unix-domain socket makes its node; an Internet one takes its port (below
/// IPPORT_RESERVED only for root, EACCES).
pub(crate) fn sys_bind(task: &mut Task, a: fb::BindArgs) -> SysResult {
    let file = socket_file(task, a.s)?;
    let s = sock(&file)?;
    let ctx = task.process.fs();
    let bytes = copy_address(task, a.name.addr(), a.namelen)?;
    // The protocol's bind finds no pcb before it looks at the address.
    without_dropped_pcb(s, errno::EINVAL)?;
    match parse_address(task, s, bytes, false)? {
        UserAddress::Local { name, path } => s.bind(&ctx, &path, &name),
        UserAddress::Inet(n) => {
            s.bind_inet(crate::jail::bind_address(task, n)?, ctx.creds.euid == 0)
        }
    }
    .map_err(file_errno)?;
    Ok(Ret::word(0))
}

/// connect: on loopback a stream connection is made before the call returns, so a
/// non-blocking connect returns 0 rather than EINPROGRESS.
pub(crate) fn sys_connect(task: &mut Task, a: fb::ConnectArgs) -> SysResult {
    let file = socket_file(task, a.s)?;
    let s = sock(&file)?;
    let bytes = copy_address(task, a.name.addr(), a.namelen)?;
    // The protocol's connect finds no pcb before it looks at the address.
    without_dropped_pcb(s, errno::EINVAL)?;
    let mut to = parse_address(task, s, bytes, true)?;
    if let UserAddress::Inet(n) = &mut to {
        *n = crate::jail::connect_address(task, s, *n)?;
    }
    s.connect_to(to.target(&task.process.fs()))
        .map_err(file_errno)?;
    connected_segment(s, false);
    Ok(Ret::word(0))
}

/// listen: a negative backlog or one past SOMAXCONN is SOMAXCONN, as in 4.x.
pub(crate) fn sys_listen(task: &mut Task, a: fb::ListenArgs) -> SysResult {
    let file = socket_file(task, a.s)?;
    let max = c::SOMAXCONN as i32;
    let backlog = if (0..=max).contains(&a.backlog) {
        a.backlog
    } else {
        max
    };
    let s = sock(&file)?;
    without_dropped_pcb(s, errno::EINVAL)?;
    s.listen(backlog as usize).map_err(file_errno)?;
    Ok(Ret::word(0))
}

/// A TCP socket whose connection was refused or reset has no protocol block left in
/// 4.x (tcp_drop freed it): the calls that reach it answer `errno` (the usrreqs'
/// COMMON_START: EINVAL; in_setsockaddr and tcp_ctloutput: ECONNRESET).
fn without_dropped_pcb(s: &socket::Socket, errno: i32) -> Result<(), i32> {
    let tcp = s.domain() == Domain::Internet && s.socket_type() == SocketType::Stream;
    if tcp && s.connection_dropped() {
        Err(errno)
    } else {
        Ok(())
    }
}

/// accept: the new descriptor takes the listener's non-blocking flag, as 4.x's
/// accept copies the listening file's flags.
fn accept(task: &Task, fd: i32, name: u64, lenp: u64, old: bool) -> SysResult {
    let file = socket_file(task, fd)?;
    if name != 0 {
        task.read_val::<i32>(lenp).map_err(fault)?;
    }
    let status = file.status();
    let listener = sock(&file)?;
    let conn = listener.accept(status.nonblock).map_err(file_errno)?;
    connected_segment(&conn, true);
    let peer = conn.peer_name().unwrap_or_default();
    // Without a descriptor for it the connection goes back to the queue for the next
    // accept, as 4.x's accept1 puts it back.
    // 4.x's accept1 hands the listener's owner on (sonewconn passed SS_ASYNC).
    let owner = listener.owner().get();
    if owner != 0 {
        let _ = conn.owner().set(&task.process, owner);
    }
    let installed = socket::file(conn.clone()).and_then(|new| {
        new.set_status(StatusFlags {
            nonblock: status.nonblock,
            append: false,
            async_io: status.async_io,
        });
        task.process.with_files(|t| t.install(new, false, 0))
    });
    let fd = match installed {
        Ok(fd) => fd as u64,
        Err(e) => {
            listener.put_back(conn);
            return Err(file_errno(e));
        }
    };
    if name != 0
        && let Err(e) = write_address(task, listener.domain(), &peer, name, lenp, old)
    {
        close(task, fd);
        return Err(e);
    }
    Ok(Ret::word(fd))
}

pub(crate) fn sys_accept(task: &mut Task, a: fb::AcceptArgs) -> SysResult {
    accept(task, a.s, a.name.addr(), a.anamelen.addr(), false)
}

pub(crate) fn sys_oaccept(task: &mut Task, a: fb::OacceptArgs) -> SysResult {
    accept(task, a.s, a.name.addr(), a.anamelen.addr(), true)
}

/// getsockname and getpeername (the peer's: ENOTCONN without one).
fn sockname(task: &Task, fd: i32, addr: u64, lenp: u64, peer: bool, old: bool) -> SysResult {
    let file = socket_file(task, fd)?;
    let s = sock(&file)?;
    let name = if peer {
        s.peer_name().map_err(file_errno)?
    } else {
        without_dropped_pcb(s, errno::ECONNRESET)?;
        s.name()
    };
    write_address(task, s.domain(), &name, addr, lenp, old)?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_getsockname(task: &mut Task, a: fb::GetsocknameArgs) -> SysResult {
    sockname(task, a.fdes, a.asa.addr(), a.alen.addr(), false, false)
}

pub(crate) fn sys_ogetsockname(task: &mut Task, a: fb::OgetsocknameArgs) -> SysResult {
    sockname(task, a.fdec, a.asa.addr(), a.alen.addr(), false, true)
}

pub(crate) fn sys_getpeername(task: &mut Task, a: fb::GetpeernameArgs) -> SysResult {
    sockname(task, a.fdes, a.asa.addr(), a.alen.addr(), true, false)
}

pub(crate) fn sys_ogetpeername(task: &mut Task, a: fb::OgetpeernameArgs) -> SysResult {
    sockname(task, a.fdes, a.asa.addr(), a.alen.addr(), true, true)
}

/// shutdown: SHUT_RD, SHUT_WR or SHUT_RDWR; anything else EINVAL.
pub(crate) fn sys_shutdown(task: &mut Task, a: fb::ShutdownArgs) -> SysResult {
    let file = socket_file(task, a.s)?;
    let how = match a.how as u32 {
        c::SHUT_RD => Shutdown::Read,
        c::SHUT_WR => Shutdown::Write,
        c::SHUT_RDWR => Shutdown::Both,
        _ => return Err(errno::EINVAL),
    };
    let s = sock(&file)?;
    // soshutdown flushes the receive side itself and asks the protocol for the rest.
    if how != Shutdown::Read {
        without_dropped_pcb(s, errno::EINVAL)?;
    }
    s.shutdown(how).map_err(file_errno)?;
    Ok(Ret::word(0))
}

/// The room 4.x gives urgent data past a full send buffer: sosend adds 1024 bytes to
/// the space a MSG_OOB send sees, and tcp_usr_send refuses one (ENOBUFS) when the
/// buffer is already more than 512 bytes over (sbspace below -512).
const URGENT_SLACK: UrgentSlack = UrgentSlack {
    beyond: 1024,
    refused_past: 512,
};

/// Sends from the user pieces `iov` (4.x `sendit`), to the address at `to` if any.
/// EPIPE also posts SIGPIPE; MSG_EOF shuts the socket for writing after the data.
fn send(
    task: &Task,
    fd: i32,
    iov: &[(u64, u64)],
    flags: i32,
    to: Option<(u64, i32)>,
    control: Option<Control>,
) -> SysResult {
    let file = socket_file(task, fd)?;
    let s = sock(&file)?;
    // sendit sums the lengths into uio_resid, an int: past 2 GiB is EINVAL (send and
    // sendto reach this with their one piece).
    if iov.iter().map(|v| v.1).sum::<u64>() > i32::MAX as u64 {
        return Err(errno::EINVAL);
    }
    let urgent = flags & MSG_OOB != 0 && s.socket_type() == SocketType::Stream;
    let tcp = s.domain() == Domain::Internet && s.socket_type() == SocketType::Stream;
    // sendit's getsockaddr copies the address in whatever the protocol.
    let bytes = match to {
        Some((addr, len)) if addr != 0 => Some(copy_address(task, addr, len)?),
        _ => None,
    };
    // TCP keeps the address for its implied connect (below) and otherwise ignores it,
    // as 4.x's tcp_usr_send does.
    let (to, implied) = match bytes {
        Some(bytes) if tcp => (None, Some(bytes)),
        Some(bytes) => match parse_address(task, s, bytes, true)? {
            UserAddress::Inet(n) => (
                Some(UserAddress::Inet(crate::jail::connect_address(task, s, n)?)),
                None,
            ),
            local => (Some(local), None),
        },
        None => (None, None),
    };
    // sendit has read the address; sosend counts the message, whatever comes of it.
    task.process.count_message(true);
    // Urgent data is TCP's; the Unix domain refuses it (uipc_send) and UDP sends
    // the bytes as any others (udp_send does not look at the flag).
    if flags & MSG_OOB != 0 && s.domain() == Domain::Local {
        return Err(errno::EOPNOTSUPP);
    }
    let ctx = task.process.fs();
    if let Some(bytes) = implied
        && let Some(n) = implied_connect(task, s, bytes, iov)?
    {
        return Ok(Ret::word(n));
    }
    let nonblock = file.status().nonblock || flags & MSG_DONTWAIT != 0;
    let sent = if urgent {
        s.send_out_of_band(&UserPieces::new(task, iov), nonblock, URGENT_SLACK)
    } else {
        s.send_control(
            to.as_ref().map(|a| a.target(&ctx)),
            &UserPieces::new(task, iov),
            nonblock,
            control,
        )
    };
    if sent == Err(Error::BrokenPipe) {
        task.process.post(Signal::Pipe);
    }
    let n = sent.map_err(file_errno)?;
    if flags & MSG_EOF != 0 {
        s.shutdown(Shutdown::Write).map_err(file_errno)?;
    }
    Ok(Ret::word(n as u64))
}

/// 4.x's MCLBYTES: the most one pass of sosend hands the protocol from a process's
/// buffer (an mbuf cluster).
const MCLBYTES: u64 = 2048;

/// sendto or sendmsg with an address on a TCP socket that never had a connection:
/// 4.x's TCP declares PR_IMPLOPT, so sosend passes the data on and tcp_usr_send
/// connects first (T/TCP's implied connect; tcp_connect's errors are the send's).
/// Refused, the RST that comes back drops the connection once sosend has handed TCP
/// its first piece (at most an mbuf cluster): a send no longer than that took `Some(n)`
/// of it, all, and ECONNREFUSED waits for a later call; a longer one hands its next
/// piece to no pcb (tcp_usr_send's lost race: ECONNRESET, no SIGPIPE). A socket with
/// a connection, one listening, or one that cannot send goes on as any send (the
/// address ignored).
fn implied_connect(
    task: &Task,
    s: &socket::Socket,
    bytes: Vec<u8>,
    iov: &[(u64, u64)],
) -> Result<Option<u64>, i32> {
    if s.has_connection() || s.is_listening() || s.cannot_send_more() {
        return Ok(None);
    }
    let mut to = parse_address(task, s, bytes, true)?;
    if let UserAddress::Inet(n) = &mut to {
        *n = crate::jail::connect_address(task, s, *n)?;
    }
    s.connect_for_send(to.target(&task.process.fs()))
        .map_err(file_errno)?;
    if !s.connection_dropped() {
        connected_segment(s, false);
        return Ok(None);
    }
    let len: u64 = iov.iter().map(|v| v.1).sum();
    if len > MCLBYTES {
        return Err(errno::ECONNRESET);
    }
    Ok(Some(len))
}

/// Receives into the user pieces `iov` (4.x `recvit`); MSG_WAITALL on a stream goes
/// on until they are full, end of file, or an error (after data: the data). Control
/// that comes with the data is externalized into `control` when it is given, else
/// dropped; when it cannot be (EMSGSIZE: no room for the descriptors), a stream's data
/// stays queued for the next receive, as in 4.x.
fn receive(
    task: &Task,
    fd: i32,
    iov: &[(u64, u64)],
    flags: i32,
    control: Option<&mut Vec<u8>>,
) -> Result<Received, i32> {
    let file = socket_file(task, fd)?;
    let s = sock(&file)?;
    // MSG_DONTWAIT takes what is there; a non-blocking descriptor waits for nothing
    // but still wants a stream's low-water mark (soreceive).
    let blocking = if flags & MSG_DONTWAIT != 0 {
        Blocking::Call
    } else {
        Blocking::from(file.status().nonblock)
    };
    let mut to = UserPieces::new(task, iov);
    if flags & MSG_OOB != 0 {
        // TCP's urgent byte (the other protocols have none: EOPNOTSUPP); it never
        // waits, and MSG_WAITALL does not apply.
        let len = s
            .receive_out_of_band(&mut to, flags & MSG_PEEK != 0)
            .map_err(file_errno)?;
        return Ok(Received {
            len,
            truncated: false,
            from: None,
        });
    }
    let peek = flags & MSG_PEEK != 0;
    let wanted = control.is_some();
    let mut bytes = Vec::new();
    let mut refused = None;
    let result = {
        let mut accept = |c: Vec<Control>| match externalize(task, c) {
            Ok(b) => {
                bytes.extend(b);
                Ok(())
            }
            Err(e) => {
                refused = Some(e);
                Err(nymph_kernel::error::Error::TooManyOpen)
            }
        };
        let mut receive_once = |to: &mut UserPieces<'_>| {
            let accept: Option<nymph_kernel::file::pipe::AcceptControl<'_>> =
                if wanted { Some(&mut accept) } else { None };
            if peek {
                s.peek(to, blocking, accept)
            } else {
                s.receive(to, blocking, accept)
            }
        };
        receive_once(&mut to).map(|mut got| {
            // A peek never waits for more than the first data, MSG_WAITALL or not.
            if flags & MSG_WAITALL != 0 && !peek && s.socket_type() == SocketType::Stream {
                let mut last = got.len;
                // As 4.x's soreceive, a read stops at the urgent mark, MSG_WAITALL
                // or not.
                while last > 0 && got.len < to.total() && !s.at_urgent_mark() {
                    to.skip(got.len);
                    match receive_once(&mut to) {
                        Ok(r) => last = r.len,
                        Err(_) => break,
                    }
                    got.len += last;
                }
            }
            got
        })
    };
    let got = result.map_err(|e| refused.unwrap_or_else(|| file_errno(e)))?;
    // soreceive counts a receive that found something: bytes, or a datagram (an
    // empty one too); not the end of a stream.
    if got.len > 0 || got.from.is_some() {
        task.process.count_message(false);
    }
    if let Some(out) = control {
        *out = bytes;
    }
    Ok(got)
}

pub(crate) fn sys_sendto(task: &mut Task, a: fb::SendtoArgs) -> SysResult {
    let iov = [(a.buf.addr(), u64::from(a.len))];
    send(task, a.s, &iov, a.flags, Some((a.to.addr(), a.tolen)), None)
}

pub(crate) fn sys_osend(task: &mut Task, a: fb::OsendArgs) -> SysResult {
    let iov = [(a.buf.addr(), u64::from(a.len as u32))];
    send(task, a.s, &iov, a.flags, None, None)
}

/// recvfrom: the sender's address, if asked for, with the room the int at `lenp`
/// gives (a stream has none: length 0).
fn recvfrom(
    task: &Task,
    fd: i32,
    buf: (u64, u64),
    flags: i32,
    from: u64,
    lenp: u64,
    old: bool,
) -> SysResult {
    let room = if from != 0 && lenp != 0 {
        task.read_val::<i32>(lenp).map_err(fault)?
    } else {
        0
    };
    let got = receive(task, fd, &[buf], flags, None)?;
    if from != 0 && lenp != 0 {
        let domain = domain_of(task, fd)?;
        let n = match &got.from {
            Some(name) if room > 0 => put_address(task, domain, name, from, room, old)?,
            _ => 0,
        };
        task.write_val(lenp, &n).map_err(fault)?;
    }
    Ok(Ret::word(got.len as u64))
}

pub(crate) fn sys_recvfrom(task: &mut Task, a: fb::RecvfromArgs) -> SysResult {
    let buf = (a.buf.addr(), u64::from(a.len));
    let (from, lenp) = (a.from.addr(), a.fromlenaddr.addr());
    recvfrom(task, a.s, buf, a.flags, from, lenp, false)
}

pub(crate) fn sys_orecvfrom(task: &mut Task, a: fb::OrecvfromArgs) -> SysResult {
    let buf = (a.buf.addr(), u64::from(a.len));
    let (from, lenp) = (a.from.addr(), a.fromlenaddr.addr());
    recvfrom(task, a.s, buf, a.flags, from, lenp, true)
}

pub(crate) fn sys_orecv(task: &mut Task, a: fb::OrecvArgs) -> SysResult {
    let buf = (a.buf.addr(), u64::from(a.len as u32));
    recvfrom(task, a.s, buf, a.flags, 0, 0, false)
}

/// The `iovlen` pieces of the iovec at `iov` (UIO_MAXIOV or more is EMSGSIZE; more than
/// 2 GiB in all EINVAL).
fn pieces(task: &Task, iov: u32, iovlen: i32) -> Result<Vec<(u64, u64)>, i32> {
    let count = iovlen as u32;
    if count >= UIO_MAXIOV {
        return Err(errno::EMSGSIZE);
    }
    let iov = calls::read_iovec(task, u64::from(iov), count as usize, 4).map_err(file_errno)?;
    if iov.iter().map(|v| v.1).sum::<u64>() > i32::MAX as u64 {
        return Err(errno::EINVAL);
    }
    Ok(iov)
}

/// The control of a sendmsg, as 4.x's sendit and unp_internalize take it: at least a
/// header and at most MLEN bytes, exactly one message filling it, SOL_SOCKET with
/// SCM_RIGHTS (every descriptor open, else EBADF) or SCM_CREDS (whose data the kernel
/// fills in: what the sender put there is not read); anything else EINVAL.
fn internalize(task: &Task, addr: u64, len: u32) -> Result<Control, i32> {
    if (len as usize) < CMSG_HDR || len > MLEN {
        return Err(errno::EINVAL);
    }
    let h: fb::cmsghdr = task.read_val(addr).map_err(fault)?;
    if h.cmsg_len != len || h.cmsg_level != SOL_SOCKET {
        return Err(errno::EINVAL);
    }
    match h.cmsg_type as u32 {
        c::SCM_RIGHTS => rights(task, addr + CMSG_HDR as u64, len as usize - CMSG_HDR),
        c::SCM_CREDS => {
            let creds = task.process.fs().creds;
            let mut groups = crate::fs::credential_groups(&creds);
            groups.truncate(c::CMGROUP_MAX as usize);
            Ok(Control::Credentials(SenderCredentials {
                pid: task.process.pid.0,
                uid: creds.uid,
                euid: creds.euid,
                gid: creds.gid,
                groups,
            }))
        }
        _ => Err(errno::EINVAL),
    }
}

/// The descriptors of an SCM_RIGHTS message, `len` bytes of ints at `addr` (a partial
/// int at the end is not one: unp_internalize counts whole ints), every one open (else
/// EBADF), put in flight.
fn rights(task: &Task, addr: u64, len: usize) -> Result<Control, i32> {
    let mut fds = vec![0i32; len / 4];
    task.read_bytes(addr, fds.as_mut_bytes()).map_err(fault)?;
    let files = fds
        .iter()
        .map(|&fd| calls::file(task, fd.into()).map_err(|_| errno::EBADF))
        .collect::<Result<Vec<_>, i32>>()?;
    Ok(Control::Rights(Rights::new(files).map_err(file_errno)?))
}

/// sendmsg: the data, to msg_name if given, with the control msg_control holds.
pub(crate) fn sys_sendmsg(task: &mut Task, a: fb::SendmsgArgs) -> SysResult {
    let m: fb::msghdr = task.read_val(a.msg.addr()).map_err(fault)?;
    let iov = pieces(task, m.msg_iov, m.msg_iovlen)?;
    // As 4.x's sendit: the descriptor is checked before the control.
    socket_file(task, a.s)?;
    let control = match m.msg_control {
        0 => None,
        addr => Some(internalize(task, u64::from(addr), m.msg_controllen)?),
    };
    let to = (m.msg_name != 0).then_some((u64::from(m.msg_name), m.msg_namelen as i32));
    send(task, a.s, &iov, a.flags, to, control)
}

/// `osendmsg` (uipc_syscalls.c, COMPAT_OLDSOCK): a `struct omsghdr`, sent as sendmsg
/// sends with 4.x's MSG_COMPAT: the address may be an old sockaddr (a 16-bit family
/// where sa_len and sa_family sit: getsockaddr takes sa_len as the family then), and
/// the access rights are a bare array of descriptors, which sendit takes (through
/// sockargs: more than MLEN bytes is EINVAL, with no lower bound) and puts a SOL_SOCKET
/// SCM_RIGHTS header before. (4.x's M_PREPEND puts that header in an mbuf of its own,
/// so its unp_internalize, which counts the descriptors from cmsg_len, finds none to
/// pass; the descriptors are passed here, as the code means to.)
pub(crate) fn sys_osendmsg(task: &mut Task, a: fb::OsendmsgArgs) -> SysResult {
    let m: fb::omsghdr = task.read_val(a.msg.addr()).map_err(fault)?;
    let iov = pieces(task, m.msg_iov, m.msg_iovlen)?;
    socket_file(task, a.s)?;
    let control = match m.msg_accrights {
        0 => None,
        _ if m.msg_accrightslen as u32 > MLEN => return Err(errno::EINVAL),
        addr => Some(rights(task, u64::from(addr), m.msg_accrightslen as usize)?),
    };
    let to = (m.msg_name != 0).then_some((u64::from(m.msg_name), m.msg_namelen));
    send(task, a.s, &iov, a.flags, to, control)
}

/// `orecvmsg` (uipc_syscalls.c, COMPAT_OLDSOCK, and recvit with MSG_COMPAT): receives
/// as recvmsg does, into a `struct omsghdr`. With msg_name, the sender's address goes
/// there in the old layout (at most msg_namelen bytes; none when it is 0 or less or
/// there is no sender) and its length into msg_namelen (a failure to write that is
/// ignored: "old recvfrom didn't check"). With msg_accrights, received descriptors go
/// there as bare ints, the SCM_RIGHTS header trimmed, at most msg_accrightslen bytes,
/// and msg_accrightslen becomes the bytes copied, but only when some were: otherwise
/// it keeps what the caller put there. Control that is not SCM_RIGHTS is dropped.
/// Without msg_accrights, passed descriptors are discarded.
pub(crate) fn sys_orecvmsg(task: &mut Task, a: fb::OrecvmsgArgs) -> SysResult {
    let m: fb::omsghdr = task.read_val(a.msg.addr()).map_err(fault)?;
    let iov = pieces(task, m.msg_iov, m.msg_iovlen)?;
    let wanted = m.msg_accrights != 0;
    let mut bytes = Vec::new();
    let got = receive(task, a.s, &iov, a.flags, wanted.then_some(&mut bytes))?;
    if m.msg_name != 0 {
        let room = m.msg_namelen;
        let domain = domain_of(task, a.s)?;
        let n = match &got.from {
            Some(name) if room > 0 => {
                put_address(task, domain, name, u64::from(m.msg_name), room, true)?
            }
            _ => 0,
        };
        let at = a.msg.addr() + core::mem::offset_of!(fb::omsghdr, msg_namelen) as u64;
        let _ = task.write_val(at, &n);
    }
    let data = match bytes.get(..CMSG_HDR) {
        Some(head) => {
            let h = fb::cmsghdr::read_from_bytes(head).map_err(|_| errno::EINVAL)?;
            if h.cmsg_level == SOL_SOCKET && h.cmsg_type as u32 == c::SCM_RIGHTS {
                &bytes[CMSG_HDR..]
            } else {
                &[][..]
            }
        }
        None => &[][..],
    };
    let n = data
        .len()
        .min(usize::try_from(m.msg_accrightslen).unwrap_or(0));
    if n > 0 {
        task.write_bytes(u64::from(m.msg_accrights), &data[..n])
            .map_err(fault)?;
        let at = a.msg.addr() + core::mem::offset_of!(fb::omsghdr, msg_accrightslen) as u64;
        task.write_val(at, &(n as i32)).map_err(fault)?;
    }
    Ok(Ret::word(got.len as u64))
}

/// A control message: header then data.
fn control_message(ty: u32, data: &[u8]) -> Vec<u8> {
    control_message_at(SOL_SOCKET, ty, data)
}

/// [`control_message`] at another level: a cmsghdr, the data, and padding to the
/// next 4-byte boundary (4.x's sbcreatecontrol makes CMSG_SPACE-sized records).
fn control_message_at(level: i32, ty: u32, data: &[u8]) -> Vec<u8> {
    let header = fb::cmsghdr {
        cmsg_len: (CMSG_HDR + data.len()) as u32,
        cmsg_level: level,
        cmsg_type: ty as i32,
    };
    let mut bytes = [header.as_bytes(), data].concat();
    bytes.resize(bytes.len().next_multiple_of(4), 0);
    bytes
}

/// Whether `at` falls between two of the control records in `bytes` (each
/// `cmsg_len` rounded up to 4 bytes long, as [`control_message_at`] makes them).
fn record_boundary(bytes: &[u8], at: usize) -> bool {
    let mut start = 0;
    while start < at {
        let Some(len) = bytes.get(start..start + 4) else {
            return false;
        };
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        start += len.next_multiple_of(4).max(4);
    }
    start == at
}

/// The control bytes for what a receive got (4.x's unp_externalize): passed files take
/// the lowest free descriptors, all or none (EMSGSIZE, the files dropped, when the
/// table has no room for them all).
fn externalize(task: &Task, control: Vec<Control>) -> Result<Vec<u8>, i32> {
    let mut bytes = Vec::new();
    for item in control {
        match item {
            Control::Rights(rights) => {
                let files = rights.into_files();
                let fds = task.process.with_files(|t| {
                    let mut fds: Vec<i32> = Vec::with_capacity(files.len());
                    for f in &files {
                        match t.install(f.clone(), false, 0) {
                            Ok(fd) => fds.push(fd as i32),
                            Err(_) => {
                                for &fd in &fds {
                                    let _ = t.close(fd as usize);
                                }
                                return Err(errno::EMSGSIZE);
                            }
                        }
                    }
                    Ok(fds)
                })?;
                bytes.extend(control_message(c::SCM_RIGHTS, fds.as_bytes()));
            }
            Control::Credentials(who) => {
                let mut cred = fb::cmsgcred::new_zeroed();
                cred.cmcred_pid = who.pid as i32;
                cred.cmcred_uid = who.uid;
                cred.cmcred_euid = who.euid;
                cred.cmcred_gid = who.gid;
                cred.cmcred_ngroups = who.groups.len() as i16;
                for (slot, g) in cred.cmcred_groups.iter_mut().zip(&who.groups) {
                    *slot = *g;
                }
                bytes.extend(control_message(c::SCM_CREDS, cred.as_bytes()));
            }
            Control::ArrivalTime { secs, nanos } => {
                let tv = fb::timeval {
                    tv_sec: secs as i32,
                    tv_usec: (nanos / 1000) as i32,
                };
                bytes.extend(control_message(c::SCM_TIMESTAMP, tv.as_bytes()));
            }
            Control::DestinationAddress(addr) => {
                bytes.extend(control_message_at(IPPROTO_IP, c::IP_RECVDSTADDR, &addr));
            }
            Control::LoopbackInterface => {
                let sdl = crate::ifnet::link_address();
                bytes.extend(control_message_at(IPPROTO_IP, c::IP_RECVIF, &sdl));
            }
        }
    }
    Ok(bytes)
}

/// recvmsg: the data, the sender's address in msg_name, the control (when msg_control
/// is given: else passed files are dropped), and in msg_flags MSG_TRUNC when a datagram
/// was cut, MSG_CTRUNC when the control was. As 4.x's recvit, a short control buffer
/// gets what fits (the descriptors stay installed) and msg_controllen what was copied;
/// with msg_controllen 0 nothing is copied and no flag set.
pub(crate) fn sys_recvmsg(task: &mut Task, a: fb::RecvmsgArgs) -> SysResult {
    let mut m: fb::msghdr = task.read_val(a.msg.addr()).map_err(fault)?;
    let iov = pieces(task, m.msg_iov, m.msg_iovlen)?;
    let mut bytes = Vec::new();
    let wanted = m.msg_control != 0;
    let got = receive(task, a.s, &iov, a.flags, wanted.then_some(&mut bytes))?;
    // 4.x's recvmsg starts msg_flags as the call's flags, and soreceive adds to them.
    let mut flags = a.flags;
    if got.truncated {
        flags |= c::MSG_TRUNC as i32;
    }
    let mut copied = 0;
    if wanted && !bytes.is_empty() {
        copied = bytes.len().min(m.msg_controllen as usize);
        // recvit copies record by record: MSG_CTRUNC only when the room ends inside
        // one.
        if copied < bytes.len() && copied > 0 && !record_boundary(&bytes, copied) {
            flags |= c::MSG_CTRUNC as i32;
        }
        task.write_bytes(u64::from(m.msg_control), &bytes[..copied])
            .map_err(fault)?;
    }
    if m.msg_name != 0 {
        let room = m.msg_namelen as i32;
        let domain = domain_of(task, a.s)?;
        let n = match &got.from {
            Some(name) if room > 0 => {
                put_address(task, domain, name, u64::from(m.msg_name), room, false)?
            }
            _ => 0,
        };
        m.msg_namelen = n as u32;
    }
    m.msg_controllen = copied as u32;
    m.msg_flags = flags;
    task.write_val(a.msg.addr(), &m).map_err(fault)?;
    Ok(Ret::word(got.len as u64))
}

/// What a (level, name) pair names, as 4.x's sosetopt and sogetopt, then the
/// protocol's pr_ctloutput, tell them apart.
#[derive(Clone, Copy)]
enum Opt {
    /// A flag, with the bit getsockopt reports when it is on: at SOL_SOCKET the
    /// option's own (so_options), for TCP the connection's TF_ flag.
    Flag(SocketOption, u32),
    /// SO_SNDBUF (true) or SO_RCVBUF.
    Buffer(bool),
    /// SO_SNDLOWAT (true) or SO_RCVLOWAT.
    LowWater(bool),
    /// SO_SNDTIMEO (true) or SO_RCVTIMEO.
    Timeout(bool),
    Linger,
    IpTos,
    IpTtl,
    PortRange,
    /// TCP_MAXSEG (see [`max_segment`]).
    MaxSegment,
    /// SO_ACCEPTFILTER: none is ever there (see [`ACCEPT_FILTER_ARG_LEN`]).
    AcceptFilter,
    /// Read only: SO_TYPE, SO_ERROR, SO_ACCEPTCONN.
    Type,
    Error,
    AcceptConn,
}

/// The size of a `struct accept_filter_arg` (af_name[16], af_arg[240]).
///
/// Accept filters (accf_data, accf_http) were modules that 4.x's GENERIC did not
/// have, and no module loads here: a listening socket has none, and asking for one
/// is ENOENT, as 4.x's do_setopt_accept_filter answers a name no module registered
/// (Apache then goes on without it).
const ACCEPT_FILTER_ARG_LEN: usize = 256;

/// The TF_ bits of 4.x's netinet/tcp_var.h that getsockopt reports for TCP's flags.
const TF_NOOPT: u32 = 8;
const TF_NOPUSH: u32 = 0x1000;

/// A TCP socket's segment size until a connection sets it (tcp_newtcpcb gives
/// t_maxseg tcp_mssdflt, TCP_MSS).
const TCP_MSSDFLT: u32 = 512;
/// What 4.x's tcp_mss makes it on a loopback connection: lo0's MTU (if_loop.c's LOMTU,
/// 16384) less the IP and TCP headers (40), less the timestamp option every segment
/// carries (12; 0 with TCP_NOOPT), rounded down to a multiple of an mbuf cluster
/// (MCLBYTES, 2048) as tcp_mss rounds any size past one: 14336 either way.
const LOOPBACK_MSS: u32 = (16384 - 40 - 12) & !(2048 - 1);

/// TCP's largest segment on `s` (its t_maxseg): as TCP_MAXSEG or a connection last
/// set it, else [`TCP_MSSDFLT`] (or, for a connection made outside this personality,
/// what [`connected_segment`] would have made it).
fn max_segment(s: &socket::Socket) -> u32 {
    match s.settings().max_segment {
        Some(size) => size,
        None if s.peer_name().is_ok() => within_send_buffer(s, LOOPBACK_MSS),
        None => TCP_MSSDFLT,
    }
}

/// tcp_mss's last word for `s`: `size` (what lo0 and the peer's MSS option allow), but
/// no more than the send buffer holds.
fn within_send_buffer(s: &socket::Socket, size: u32) -> u32 {
    let send_buffer = u32::try_from(s.buffer_sizes().0).unwrap_or(u32::MAX);
    size.min(send_buffer)
}

/// Sets the segment size of TCP socket `s`, just connected (`accepted`: made by its
/// listener), as 4.x's TCP does on the SYN it gets: the connecting side runs tcp_mss
/// when the SYN|ACK carries an MSS option, which a listener with TCP_NOOPT leaves out
/// (its connections inherit the flag), and keeps what it had otherwise; the accepted
/// side always runs it (syncache_socket), taking tcp_mssdflt for the peer's offer when
/// the connecting side's SYN left the option out (TCP_NOOPT there).
fn connected_segment(s: &socket::Socket, accepted: bool) {
    if s.domain() != Domain::Internet || s.socket_type() != SocketType::Stream {
        return;
    }
    let peer_noopt = s.peer_option(SocketOption::NoOptions);
    let size = match (accepted, peer_noopt) {
        (true, true) => tcp_mss(s, TCP_MSSDFLT),
        (false, true) => s.settings().max_segment.unwrap_or(TCP_MSSDFLT),
        (_, false) => tcp_mss(s, LOOPBACK_MSS),
    };
    s.set_settings(|st| st.max_segment = Some(size));
}

/// 4.x's sb_max (SB_MAX): tcp_mss rounds a buffer up no further.
const SB_MAX: usize = 256 * 1024;
/// The most 4.x's sbreserve lets a socket buffer hold: sb_max less its share of mbuf
/// headers, sb_max * MCLBYTES / (MSIZE + MCLBYTES).
const SB_RESERVE_MAX: usize = SB_MAX * 2048 / (256 + 2048);

/// tcp_mss's end for `s`, `size` being what lo0 and the peer's offer allow: a send
/// buffer smaller than that is the segment size; otherwise the buffers (the receive
/// one only when larger than the segment) grow to whole segments, within sb_max, as
/// sbreserve lets them (a size it refuses leaves the buffer as it was).
fn tcp_mss(s: &socket::Socket, size: u32) -> u32 {
    let (send, receive) = s.buffer_sizes();
    let size = size.min(u32::try_from(send).unwrap_or(u32::MAX));
    let segment = size as usize;
    let whole = |buffer: usize| buffer.next_multiple_of(segment).min(SB_MAX);
    if send >= segment && whole(send) > send && whole(send) <= SB_RESERVE_MAX {
        let _ = s.set_buffer_size(true, whole(send));
    }
    if receive > segment && whole(receive) > receive && whole(receive) <= SB_RESERVE_MAX {
        let _ = s.set_buffer_size(false, whole(receive));
    }
    size
}

/// The option `(level, name)` names on `s`, or the errno 4.x answers: ENOPROTOOPT for
/// a name the level does not know (and for any level but SOL_SOCKET on a Unix-domain
/// socket, whose protocol has no pr_ctloutput); EINVAL for a level an Internet
/// socket's protocol does not have (ip_ctloutput's answer to all but IPPROTO_IP,
/// which tcp_ctloutput passes everything but IPPROTO_TCP on to).
fn option_named(s: &socket::Socket, level: i32, name: u32) -> Result<Opt, i32> {
    use SocketOption as O;
    let tcp = s.domain() == Domain::Internet && s.socket_type() == SocketType::Stream;
    // tcp_ctloutput answers for every level but SOL_SOCKET, first finding no pcb.
    if level != SOL_SOCKET {
        without_dropped_pcb(s, errno::ECONNRESET)?;
    }
    let flag = |o| Ok(Opt::Flag(o, name));
    match level {
        SOL_SOCKET => match name {
            c::SO_DEBUG => flag(O::Debug),
            c::SO_REUSEADDR => flag(O::ReuseAddress),
            c::SO_REUSEPORT => flag(O::ReusePort),
            c::SO_KEEPALIVE => flag(O::KeepAlive),
            c::SO_DONTROUTE => flag(O::DontRoute),
            c::SO_BROADCAST => flag(O::Broadcast),
            c::SO_USELOOPBACK => flag(O::UseLoopback),
            c::SO_OOBINLINE => flag(O::OobInline),
            c::SO_TIMESTAMP => flag(O::Timestamp),
            c::SO_LINGER => Ok(Opt::Linger),
            c::SO_SNDBUF => Ok(Opt::Buffer(true)),
            c::SO_RCVBUF => Ok(Opt::Buffer(false)),
            c::SO_SNDLOWAT => Ok(Opt::LowWater(true)),
            c::SO_RCVLOWAT => Ok(Opt::LowWater(false)),
            c::SO_SNDTIMEO => Ok(Opt::Timeout(true)),
            c::SO_RCVTIMEO => Ok(Opt::Timeout(false)),
            c::SO_TYPE => Ok(Opt::Type),
            c::SO_ERROR => Ok(Opt::Error),
            c::SO_ACCEPTCONN => Ok(Opt::AcceptConn),
            c::SO_ACCEPTFILTER => Ok(Opt::AcceptFilter),
            _ => Err(errno::ENOPROTOOPT),
        },
        _ if s.domain() != Domain::Internet => Err(errno::ENOPROTOOPT),
        IPPROTO_TCP if tcp => match name {
            c::TCP_NODELAY => Ok(Opt::Flag(O::NoDelay, TF_NODELAY)),
            c::TCP_NOPUSH => Ok(Opt::Flag(O::NoPush, TF_NOPUSH)),
            c::TCP_NOOPT => Ok(Opt::Flag(O::NoOptions, TF_NOOPT)),
            c::TCP_MAXSEG => Ok(Opt::MaxSegment),
            _ => Err(errno::ENOPROTOOPT),
        },
        IPPROTO_IP => match name {
            c::IP_TOS => Ok(Opt::IpTos),
            c::IP_TTL => Ok(Opt::IpTtl),
            c::IP_PORTRANGE => Ok(Opt::PortRange),
            // ip_ctloutput's OPTSET flags, reported as 1 (OPTBIT).
            c::IP_RECVOPTS => Ok(Opt::Flag(O::ReceiveOptions, 1)),
            c::IP_RECVRETOPTS => Ok(Opt::Flag(O::ReceiveReturnOptions, 1)),
            c::IP_RECVDSTADDR => Ok(Opt::Flag(O::ReceiveDestination, 1)),
            c::IP_RECVIF => Ok(Opt::Flag(O::ReceiveInterface, 1)),
            _ => Err(errno::ENOPROTOOPT),
        },
        _ => Err(errno::EINVAL),
    }
}

/// Reads an option's value of `size` bytes as 4.x's sooptcopyin does: fewer given is
/// EINVAL, more are ignored.
fn option_value<T: FromBytes + IntoBytes + FromZeros>(
    task: &Task,
    a: &fb::SetsockoptArgs,
) -> Result<T, i32> {
    if (a.valsize as usize) < core::mem::size_of::<T>() {
        return Err(errno::EINVAL);
    }
    task.read_val(a.val.addr()).map_err(fault)
}

/// `(ticks per second, microseconds per tick)` of the clock socket timeouts count in.
fn clock_rate() -> (i64, i64) {
    let hz = i64::from(nymph_kernel::time::hz().max(1));
    (hz, 1_000_000 / hz)
}

/// setsockopt as 4.x's sosetopt and its protocols' ctloutput (see [`option_named`]):
/// flags are ints (any non-zero sets); buffer sizes ints of at least 1 (EINVAL);
/// SO_LINGER a `struct linger`; the timeouts a `struct timeval` made ticks, EDOM when
/// negative, with microseconds out of range, or past SHRT_MAX ticks; IP_TOS and IP_TTL
/// ints kept as bytes; the low-water marks ints of at least 1 (EINVAL), one above its
/// buffer's size taken as that size; TCP_MAXSEG an int from 1 to the segment size
/// the socket has (EINVAL otherwise). A value shorter than its type is EINVAL. The
/// read-only options are ENOPROTOOPT.
pub(crate) fn sys_setsockopt(task: &mut Task, a: fb::SetsockoptArgs) -> SysResult {
    let file = socket_file(task, a.s)?;
    let s = sock(&file)?;
    match option_named(s, a.level, a.name as u32)? {
        Opt::Flag(option, _) => {
            let on: i32 = option_value(task, &a)?;
            s.set_option(option, on != 0);
        }
        Opt::Buffer(send) => {
            let size: i32 = option_value(task, &a)?;
            let size = usize::try_from(size).map_err(|_| errno::EINVAL)?;
            s.set_buffer_size(send, size).map_err(file_errno)?;
        }
        Opt::LowWater(send) => {
            let mark: i32 = option_value(task, &a)?;
            let mark = usize::try_from(mark).map_err(|_| errno::EINVAL)?;
            s.set_low_water_mark(send, mark).map_err(file_errno)?;
        }
        Opt::Linger => {
            let l: fb::linger = option_value(task, &a)?;
            s.set_settings(|st| st.linger = (l.l_onoff != 0, l.l_linger));
        }
        Opt::Timeout(send) => {
            let tv: fb::timeval = option_value(task, &a)?;
            let (hz, tick) = clock_rate();
            let (sec, usec) = (i64::from(tv.tv_sec), i64::from(tv.tv_usec));
            if sec < 0 || sec > i64::from(i16::MAX) / hz || !(0..1_000_000).contains(&usec) {
                return Err(errno::EDOM);
            }
            let ticks = sec * hz + usec / tick;
            if ticks > i64::from(i16::MAX) {
                return Err(errno::EDOM);
            }
            s.set_settings(|st| {
                if send {
                    st.send_timeout = ticks as u64;
                } else {
                    st.receive_timeout = ticks as u64;
                }
            });
        }
        Opt::IpTos => {
            let v: i32 = option_value(task, &a)?;
            s.set_settings(|st| st.ip_tos = v as u8);
        }
        Opt::IpTtl => {
            let v: i32 = option_value(task, &a)?;
            s.set_settings(|st| st.ip_ttl = v as u8);
        }
        Opt::PortRange => {
            let v: i32 = option_value(task, &a)?;
            let range = match v as u32 {
                c::IP_PORTRANGE_DEFAULT => PortRange::Default,
                c::IP_PORTRANGE_HIGH => PortRange::High,
                // in_pcbbind asks for PRISON_ROOT privilege when it takes a low port;
                // it is asked here, of the process choosing the range.
                c::IP_PORTRANGE_LOW => PortRange::Low {
                    permitted: suser(task, Jail::Allowed).is_ok(),
                },
                _ => return Err(errno::EINVAL),
            };
            s.set_settings(|st| st.port_range = range);
        }
        Opt::MaxSegment => {
            // tcp_ctloutput: a size may only come down, and not to 0.
            let size: i32 = option_value(task, &a)?;
            match u32::try_from(size) {
                Ok(size) if size > 0 && size <= max_segment(s) => {
                    s.set_settings(|st| st.max_segment = Some(size));
                }
                _ => return Err(errno::EINVAL),
            }
        }
        Opt::AcceptFilter => {
            // do_setopt_accept_filter: only on a listening socket, then the whole
            // struct copied in (sooptcopyin), then the name looked up.
            if !s.is_listening() {
                return Err(errno::EINVAL);
            }
            let arg: [u8; ACCEPT_FILTER_ARG_LEN] = option_value(task, &a)?;
            let name = &arg[..16];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(15)];
            log::warn!(
                "pid {}: setsockopt SO_ACCEPTFILTER \"{}\": no accept filters here (ENOENT)",
                task.process.pid.0,
                alloc::string::String::from_utf8_lossy(name)
            );
            return Err(errno::ENOENT);
        }
        Opt::Type | Opt::Error | Opt::AcceptConn => return Err(errno::ENOPROTOOPT),
    }
    Ok(Ret::word(0))
}

/// getsockopt as 4.x's sogetopt and its protocols' ctloutput: flags report their bit
/// when on; SO_LINGER a `struct linger` whose l_onoff is the SO_LINGER bit; the
/// timeouts a `struct timeval` of whole ticks; SO_ERROR the error a call met after it
/// returned (such as a UDP datagram refused), then cleared; TCP_MAXSEG the segment
/// size (512 before a connection, 14336 on one). The value is cut to the room given,
/// and the room says how much was written (0 without a buffer).
pub(crate) fn sys_getsockopt(task: &mut Task, a: fb::GetsockoptArgs) -> SysResult {
    let file = socket_file(task, a.s)?;
    let s = sock(&file)?;
    let room = if a.val.is_null() {
        0
    } else {
        let room: i32 = task.read_val(a.avalsize.addr()).map_err(fault)?;
        if room < 0 {
            return Err(errno::EINVAL);
        }
        room as usize
    };
    let int = |v: u32| v.to_le_bytes().to_vec();
    let settings = s.settings();
    let bytes: Vec<u8> = match option_named(s, a.level, a.name as u32)? {
        Opt::Flag(option, bit) => int(if s.option(option) { bit } else { 0 }),
        Opt::Buffer(send) => {
            let (snd, rcv) = s.buffer_sizes();
            int(if send { snd } else { rcv } as u32)
        }
        Opt::LowWater(send) => {
            let (snd, rcv) = s.low_water_marks();
            int(if send { snd } else { rcv } as u32)
        }
        Opt::Linger => {
            let (on, seconds) = settings.linger;
            let l = fb::linger {
                l_onoff: if on { c::SO_LINGER as i32 } else { 0 },
                l_linger: seconds,
            };
            l.as_bytes().to_vec()
        }
        Opt::Timeout(send) => {
            let ticks = if send {
                settings.send_timeout
            } else {
                settings.receive_timeout
            } as i64;
            let (hz, tick) = clock_rate();
            let tv = fb::timeval {
                tv_sec: (ticks / hz) as i32,
                tv_usec: ((ticks % hz) * tick) as i32,
            };
            tv.as_bytes().to_vec()
        }
        Opt::IpTos => int(u32::from(settings.ip_tos)),
        Opt::IpTtl => int(u32::from(settings.ip_ttl)),
        Opt::MaxSegment => int(max_segment(s)),
        Opt::PortRange => int(match settings.port_range {
            PortRange::Default => c::IP_PORTRANGE_DEFAULT,
            PortRange::High => c::IP_PORTRANGE_HIGH,
            PortRange::Low { .. } => c::IP_PORTRANGE_LOW,
        }),
        Opt::Type => int(match s.socket_type() {
            SocketType::Stream => c::SOCK_STREAM,
            SocketType::Datagram => c::SOCK_DGRAM,
        }),
        Opt::Error => int(s.take_error().map_or(0, |e| file_errno(e) as u32)),
        // A listening socket's filter: none, so all zeros (sogetopt).
        Opt::AcceptFilter if s.is_listening() => alloc::vec![0; ACCEPT_FILTER_ARG_LEN],
        Opt::AcceptFilter => return Err(errno::EINVAL),
        Opt::AcceptConn => int(if s.is_listening() {
            c::SO_ACCEPTCONN
        } else {
            0
        }),
    };
    let n = room.min(bytes.len());
    if n > 0 {
        task.write_bytes(a.val.addr(), &bytes[..n]).map_err(fault)?;
    }
    task.write_val(a.avalsize.addr(), &(n as i32))
        .map_err(fault)?;
    Ok(Ret::word(0))
}
