//! The network interface a 4.x program finds through its sockets' ioctls (group
//! 'i', if.c `ifioctl` and `ifconf`, in.c `in_control`): this machine's network is
//! the loopback one, so there is one interface, lo0, as a 4.x kernel without INET6
//! and with only the loop device has it after /etc/rc's `ifconfig lo0 inet
//! 127.0.0.1`: index 1, up and running, MTU 16384, a link-level address (a
//! `sockaddr_dl` naming it) and 127.0.0.1 with the class A netmask.
//!
//! Programs that look for their own addresses (sendmail, named, ntpd, Samba's nmbd)
//! walk SIOCGIFCONF and ask SIOCGIFFLAGS and SIOCGIFADDR of each name. Nothing here
//! can change the interface: the set requests are EPERM for a process that is not
//! root (ifioctl's and in_control's suser) and EOPNOTSUPP, logged, for root.
//! Routing requests (group 'r') are EOPNOTSUPP, as 4.x's rtioctl without multicast
//! routing answers them.

use crate::fb::ioctl::{
    OSIOCGIFADDR, OSIOCGIFCONF, OSIOCGIFNETMASK, SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFCONF,
    SIOCGIFDSTADDR, SIOCGIFFLAGS, SIOCGIFMETRIC, SIOCGIFMTU, SIOCGIFNETMASK, SIOCGIFPHYS,
    SIOCSIFADDR, SIOCSIFFLAGS,
};
use crate::fb::{self, errno};
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use alloc::vec::Vec;
use nymph_kernel::file::socket::{Domain, InetName};
use nymph_kernel::process::Task;

/// `struct ifreq`: the name (IFNAMSIZ bytes), then a 16-byte union.
const IFREQ_LEN: usize = core::mem::size_of::<fb::ifreq>();
const IFNAMSIZ: usize = 16;

/// sys/sockio.h's requests the spec does not list (each is refused here).
const fn iowr(num: u32, len: usize) -> u32 {
    0xc000_0000 | ((len as u32) << 16) | ((b'i' as u32) << 8) | num
}

const fn iow(num: u32, len: usize) -> u32 {
    0x8000_0000 | ((len as u32) << 16) | ((b'i' as u32) << 8) | num
}

const OSIOCGIFDSTADDR: u32 = iowr(15, IFREQ_LEN);
const OSIOCGIFBRDADDR: u32 = iowr(18, IFREQ_LEN);
/// The requests ifioctl itself serves that change the interface, each behind
/// suser: flags, metric, physical type, MTU, multicast memberships, media.
const INTERFACE_SETS: [u32; 7] = [
    SIOCSIFFLAGS,
    iow(24, IFREQ_LEN),  // SIOCSIFMETRIC
    iow(54, IFREQ_LEN),  // SIOCSIFPHYS
    iow(52, IFREQ_LEN),  // SIOCSIFMTU
    iow(49, IFREQ_LEN),  // SIOCADDMULTI
    iow(50, IFREQ_LEN),  // SIOCDELMULTI
    iowr(55, IFREQ_LEN), // SIOCSIFMEDIA
];
/// The address requests the protocol serves (in_control, behind suser; SIOCAIFADDR
/// takes a 64-byte `in_aliasreq`).
const ADDRESS_SETS: [u32; 6] = [
    SIOCSIFADDR,
    iow(14, IFREQ_LEN), // SIOCSIFDSTADDR
    iow(19, IFREQ_LEN), // SIOCSIFBRDADDR
    iow(22, IFREQ_LEN), // SIOCSIFNETMASK
    iow(26, 64),        // SIOCAIFADDR
    iow(25, IFREQ_LEN), // SIOCDIFADDR
];

/// lo0's flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_MULTICAST (loopattach
/// sets loopback and multicast, the first address up and running).
pub(crate) const LO0_FLAGS: u16 = 0x0001 | 0x0008 | 0x0040 | 0x8000;
/// LOMTU.
pub(crate) const LO0_MTU: u32 = 16384;
const AF_LINK: u8 = 18;
/// IFT_LOOP (net/if_types.h).
pub(crate) const IFT_LOOP: u8 = 0x18;

/// `sizeof(struct sockaddr_dl)` rounded up to a long, as if_attach sizes lo0's: 4.x's
/// (if_dl.h 1.10, from 4.0 on) is 54 bytes, sdl_data[12] followed by the source
/// routing fields sdl_rcf and sdl_route[16]; the name and no hardware address need
/// fewer.
pub(crate) const LINK_ADDRESS_LEN: usize = 56;

/// lo0's link-level address as if_attach makes it (ifconf and the routing sysctl
/// list it, IP_RECVIF copies it): a `sockaddr_dl` of [`LINK_ADDRESS_LEN`] bytes:
/// index 1, type IFT_LOOP, the name "lo0" and no hardware address.
pub(crate) fn link_address() -> [u8; LINK_ADDRESS_LEN] {
    let mut sdl = [0u8; LINK_ADDRESS_LEN];
    sdl[0] = LINK_ADDRESS_LEN as u8;
    sdl[1] = AF_LINK;
    sdl[2..4].copy_from_slice(&1u16.to_le_bytes());
    sdl[4] = IFT_LOOP;
    sdl[5] = 3;
    sdl[8..11].copy_from_slice(b"lo0");
    sdl
}

/// lo0's Internet address.
pub(crate) const LO0_ADDRESS: [u8; 4] = [127, 0, 0, 1];

/// 127.0.0.1 as a `sockaddr_in`, as every socket call writes one.
fn lo0_address() -> Vec<u8> {
    let name = InetName {
        addr: LO0_ADDRESS,
        port: 0,
    };
    crate::socket::address_bytes(Domain::Internet, &name.to_bytes(), false)
}

/// lo0's netmask as in_control keeps it (ia_sockmask): 255.0.0.0 with sin_len 8 and
/// no family.
fn lo0_netmask() -> [u8; 16] {
    let mut sin = [0u8; 16];
    sin[0] = 8;
    sin[4] = 255;
    sin
}

/// lo0's addresses in the order ifconf walks them, the link-level one first, less
/// those a prisoner does not see.
fn addresses(task: &Task) -> Vec<Vec<u8>> {
    let mut list = Vec::new();
    if !crate::jail::hides_interface_address(task, None) {
        list.push(link_address().to_vec());
    }
    if !crate::jail::hides_interface_address(task, Some(LO0_ADDRESS)) {
        list.push(lo0_address());
    }
    list
}

/// Whether `name` (an ifreq's name field) names lo0, as 4.x's ifunit reads it: up to
/// its NUL (none in IFNAMSIZ bytes: no interface), digits at its end make the unit,
/// the rest the driver's name ("lo00" is lo0; "lo", "lo0x" and "lo1" are no
/// interface).
fn names_lo0(name: &[u8; IFNAMSIZ]) -> bool {
    let Some(len) = name.iter().position(|&b| b == 0) else {
        return false;
    };
    if len < 2 {
        return false;
    }
    let name = &name[..len];
    let digits = name.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits == len {
        return false;
    }
    let (driver, unit) = name.split_at(len - digits);
    // ifunit gives up on a unit past a million; all that matters here is zero.
    driver == b"lo" && unit.iter().all(|&d| d == b'0')
}

/// Serves an interface or routing ioctl on a socket (or a FIFO, whose 4.x sockets
/// take them too) of the Internet domain (`inet`) or the Unix one.
pub(crate) fn ioctl(task: &Task, inet: bool, cmd: u32, arg: u64) -> SysResult {
    if (cmd >> 8) as u8 == b'r' {
        log::warn!(
            "pid {}: routing ioctl {cmd:#x}: no routing table is kept here (EOPNOTSUPP)",
            task.process.pid.0
        );
        return Err(errno::EOPNOTSUPP);
    }
    if cmd == SIOCGIFCONF || cmd == OSIOCGIFCONF {
        return ifconf(task, arg, cmd == OSIOCGIFCONF);
    }
    let mut req: fb::ifreq = task.read_val(arg).map_err(fault)?;
    if !names_lo0(&req.ifr_name) {
        return Err(errno::ENXIO);
    }
    let value = &mut req.ifr_ifru;
    match cmd {
        SIOCGIFFLAGS => value[..2].copy_from_slice(&LO0_FLAGS.to_le_bytes()),
        SIOCGIFMETRIC | SIOCGIFPHYS => value[..4].fill(0),
        SIOCGIFMTU => value[..4].copy_from_slice(&LO0_MTU.to_le_bytes()),
        _ if INTERFACE_SETS.contains(&cmd) => return refuse_set(task, cmd),
        // The rest goes to the protocol: the Unix domain has no pru_control.
        _ if !inet => return Err(errno::EOPNOTSUPP),
        _ if ADDRESS_SETS.contains(&cmd) => return refuse_set(task, cmd),
        SIOCGIFADDR | OSIOCGIFADDR => {
            value.copy_from_slice(&lo0_address());
        }
        // sin_len 8 and no family: in_control's ia_sockmask.
        SIOCGIFNETMASK | OSIOCGIFNETMASK => {
            value.copy_from_slice(&lo0_netmask());
        }
        // lo0 is neither broadcast nor point-to-point.
        SIOCGIFBRDADDR | OSIOCGIFBRDADDR | SIOCGIFDSTADDR | OSIOCGIFDSTADDR => {
            return Err(errno::EINVAL);
        }
        _ => {
            // in_control hands what it does not know to the interface: loioctl's
            // answer.
            log::warn!(
                "pid {}: interface ioctl {cmd:#x} is not served for lo0 (EINVAL)",
                task.process.pid.0
            );
            return Err(errno::EINVAL);
        }
    }
    if matches!(
        cmd,
        OSIOCGIFADDR | OSIOCGIFNETMASK | OSIOCGIFDSTADDR | OSIOCGIFBRDADDR
    ) {
        // The old requests give a 4.3BSD osockaddr: the family as a short.
        let family = u16::from(value[1]);
        value[..2].copy_from_slice(&family.to_le_bytes());
    }
    task.write_val(arg, &req).map_err(fault)?;
    Ok(Ret::word(0))
}

/// A request that would change lo0: EPERM for all but root (suser), and for root
/// EOPNOTSUPP, logged: nothing here can change the interface.
fn refuse_set(task: &Task, cmd: u32) -> SysResult {
    suser(task, Jail::Refused)?;
    log::warn!(
        "pid {}: ioctl {cmd:#x}: lo0 cannot be reconfigured here (EOPNOTSUPP)",
        task.process.pid.0
    );
    Err(errno::EOPNOTSUPP)
}

/// SIOCGIFCONF (and the old OSIOCGIFCONF) as 4.x's ifconf: one `struct ifreq` per
/// address while more than an ifreq's room is left; an address longer than a
/// `struct sockaddr` extends its entry (when it fits); the old request cuts every
/// address to 16 bytes with its family as a short; an interface with no address the
/// caller may see has one entry with a zeroed address. ifc_len comes back as what
/// was written.
fn ifconf(task: &Task, arg: u64, old: bool) -> SysResult {
    let mut conf: fb::ifconf = task.read_val(arg).map_err(fault)?;
    let buf = u64::from(conf.ifc_buf);
    let mut space = i64::from(conf.ifc_len);
    let mut out = Vec::new();
    let mut name = [0u8; IFNAMSIZ];
    name[..3].copy_from_slice(b"lo0");
    let addresses = addresses(task);
    if addresses.is_empty() && space > IFREQ_LEN as i64 {
        out.extend_from_slice(&name);
        out.extend_from_slice(&[0u8; 16]);
    }
    for sa in addresses {
        if space <= IFREQ_LEN as i64 {
            break;
        }
        let mut entry = name.to_vec();
        if old {
            let mut osa = [0u8; 16];
            let n = sa.len().min(16);
            osa[..n].copy_from_slice(&sa[..n]);
            let family = u16::from(sa[1]);
            osa[..2].copy_from_slice(&family.to_le_bytes());
            entry.extend_from_slice(&osa);
        } else if sa.len() <= 16 {
            let mut padded = [0u8; 16];
            padded[..sa.len()].copy_from_slice(&sa);
            entry.extend_from_slice(&padded);
        } else {
            let extra = (sa.len() - 16) as i64;
            if space < IFREQ_LEN as i64 + extra {
                break;
            }
            space -= extra;
            entry.extend_from_slice(&sa);
        }
        space -= IFREQ_LEN as i64;
        out.extend_from_slice(&entry);
    }
    task.write_bytes(buf, &out).map_err(fault)?;
    conf.ifc_len = out.len() as i32;
    task.write_val(arg, &conf).map_err(fault)?;
    Ok(Ret::word(0))
}

/// net.route's operations (sys/socket.h) and the routing messages (net/route.h).
const NET_RT_DUMP: i32 = 1;
const NET_RT_FLAGS: i32 = 2;
const NET_RT_IFLIST: i32 = 3;
const RTM_VERSION: u8 = 5;
const RTM_GET: u8 = 0x4;
const RTA_DST: i32 = 0x1;
const RTA_GATEWAY: i32 = 0x2;
/// `struct rt_msghdr` (its `struct rt_metrics` 56 bytes at 36).
const RT_MSGHDR_LEN: usize = 92;
const RTM_NEWADDR: u8 = 0xc;
const RTM_IFINFO: u8 = 0xe;
const RTA_NETMASK: i32 = 0x4;
const RTA_IFP: i32 = 0x10;
const RTA_IFA: i32 = 0x20;
const RTA_BRD: i32 = 0x80;
/// RTF_UP: the address's route is in (in_ifinit's IFA_ROUTE).
const IFA_ROUTE: i32 = 0x1;
/// `struct if_msghdr` (with its 80-byte `struct if_data`) and `struct ifa_msghdr`.
const IF_MSGHDR_LEN: usize = 96;
const IFA_MSGHDR_LEN: usize = 20;

/// A sockaddr as rt_msg2 lays it out: its bytes, padded to a long (a long at least).
fn rounded(sa: &[u8]) -> Vec<u8> {
    let mut v = sa.to_vec();
    v.resize(sa.len().max(1).next_multiple_of(4), 0);
    v
}

/// net.route (rtsock.c's sysctl_rtsock): the name after the node is a protocol
/// (ignored), an address family, an operation and its argument.
pub(crate) fn route_sysctl(task: &Task, rest: &[i32]) -> Result<Vec<u8>, i32> {
    let [_, af, op, arg] = *rest else {
        return Err(errno::EINVAL);
    };
    match op {
        NET_RT_IFLIST => Ok(interface_list(task, af, arg)),
        NET_RT_DUMP => Ok(route_dump(af, None)),
        NET_RT_FLAGS => Ok(route_dump(af, Some(arg))),
        _ => Err(errno::EINVAL),
    }
}

/// NET_RT_DUMP (and NET_RT_FLAGS with the flags a route must have one of) as
/// sysctl_dumpentry writes the routing table for family `af` (0: every family):
/// the one route a lo0-only 4.x kernel keeps (the table netstat -r walks,
/// [`crate::netstat`]), an RTM_GET with its destination and gateway, its flags, use
/// count, metrics and interface index. arp -a asks for RTF_LLINFO routes: there are
/// none on a loopback interface.
fn route_dump(af: i32, flags: Option<i32>) -> Vec<u8> {
    let route = crate::netstat::route();
    if af != 0 && af != fb::consts::AF_INET as i32 {
        return Vec::new();
    }
    if flags.is_some_and(|f| route.flags as i32 & f == 0) {
        return Vec::new();
    }
    let addr = lo0_address();
    let len = (RT_MSGHDR_LEN + 2 * addr.len()) as u16;
    let mut out = Vec::with_capacity(usize::from(len));
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&[RTM_VERSION, RTM_GET]);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&route.flags.to_le_bytes());
    out.extend_from_slice(&(RTA_DST | RTA_GATEWAY).to_le_bytes());
    // rtm_pid, rtm_seq, rtm_errno; rtm_use; rtm_inits.
    out.extend_from_slice(&[0u8; 12]);
    out.extend_from_slice(&route.use_count.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&route.metrics);
    out.extend_from_slice(&addr);
    out.extend_from_slice(&addr);
    out
}

/// NET_RT_IFLIST as sysctl_iflist writes it: for each interface (`index` 0: all) an
/// RTM_IFINFO with its link-level address, then an RTM_NEWADDR for each other
/// address of family `af` (0: all) the caller may see.
fn interface_list(task: &Task, af: i32, index: i32) -> Vec<u8> {
    let mut out = Vec::new();
    if index != 0 && index != 1 {
        return out;
    }
    let link = rounded(&link_address());
    let len = (IF_MSGHDR_LEN + link.len()) as u16;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&[RTM_VERSION, RTM_IFINFO]);
    out.extend_from_slice(&RTA_IFP.to_le_bytes());
    out.extend_from_slice(&i32::from(LO0_FLAGS).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    // struct if_data: type, physical, address and header lengths, the polling
    // quotas, then the longs: MTU, metric, baud rate, the counters (lo0's packets
    // and bytes, in as out) and the two spare ones; the last change, when the
    // address came: at boot.
    out.extend_from_slice(&[IFT_LOOP, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&LO0_MTU.to_le_bytes());
    let (packets, bytes) = crate::netstat::lo0_traffic();
    let mut longs = [0u32; 15];
    // ifi_ipackets, ifi_opackets, ifi_ibytes, ifi_obytes, counted from ifi_metric.
    for (at, value) in [(2, packets), (4, packets), (7, bytes), (8, bytes)] {
        longs[at] = value;
    }
    for w in longs {
        out.extend_from_slice(&w.to_le_bytes());
    }
    let (secs, nanos) = nymph_kernel::time::boot_realtime();
    out.extend_from_slice(&(secs as u32).to_le_bytes());
    out.extend_from_slice(&(nanos / 1000).to_le_bytes());
    out.extend_from_slice(&link);
    let inet = fb::consts::AF_INET as i32;
    if (af == 0 || af == inet) && !crate::jail::hides_interface_address(task, Some(LO0_ADDRESS)) {
        // The netmask (in_control's ia_sockmask), the address, and lo0's
        // destination address: itself (in_ifinit, for a loopback interface).
        let addr = lo0_address();
        let mut addrs = rounded(&lo0_netmask()[..8]);
        addrs.extend_from_slice(&addr);
        addrs.extend_from_slice(&addr);
        let len = (IFA_MSGHDR_LEN + addrs.len()) as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&[RTM_VERSION, RTM_NEWADDR]);
        out.extend_from_slice(&(RTA_NETMASK | RTA_IFA | RTA_BRD).to_le_bytes());
        out.extend_from_slice(&IFA_ROUTE.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&0i32.to_le_bytes());
        out.extend_from_slice(&addrs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ifreq(name: &[u8]) -> [u8; IFNAMSIZ] {
        let mut r = [0u8; IFNAMSIZ];
        r[..name.len()].copy_from_slice(name);
        r
    }

    #[test]
    fn only_lo0_is_an_interface_as_ifunit_reads_names() {
        assert!(names_lo0(&ifreq(b"lo0")));
        assert!(names_lo0(&ifreq(b"lo00")));
        for other in [&b"lo"[..], b"lo1", b"lo0x", b"0", b"em0", b"", b"xlo0"] {
            assert!(!names_lo0(&ifreq(other)), "{other:?}");
        }
        let mut unterminated = [b'0'; IFNAMSIZ];
        unterminated[..2].copy_from_slice(b"lo");
        assert!(!names_lo0(&unterminated));
    }

    #[test]
    fn the_requests_made_here_are_numbered_as_the_spec_numbers_its_own() {
        assert_eq!(iowr(36, 8), SIOCGIFCONF);
        assert_eq!(iowr(13, IFREQ_LEN), OSIOCGIFADDR);
        assert_eq!(iow(16, IFREQ_LEN), SIOCSIFFLAGS);
        assert_eq!(iow(12, IFREQ_LEN), SIOCSIFADDR);
        assert_eq!(ADDRESS_SETS[4], 0x8040_691a);
    }
}
