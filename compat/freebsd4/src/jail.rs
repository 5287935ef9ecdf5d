//! jail(2) as RELENG_4's kern_jail.c (1.6.2.3, with the jail.* sysctls of 4.6 on) does
//! it, on the core's ABI-neutral prison (`nymph_kernel::process::prison`), and the
//! places a prisoner sees the system differently, each from the 4.x source named there:
//!
//! - root: a jailed root passes only the checks 4.x makes with `suser_xxx(...,
//!   PRISON_ROOT)` ([`crate::sys::suser`] with [`Jail`]; the core's own checks use
//!   `Credentials::is_host_root` where 4.x asks plain `suser`);
//! - other processes: only its prison's members (the core: signals, ptrace,
//!   priorities; here the kern.proc listing);
//! - the host name (kern.hostname, uname, ogethostname/osethostname): its prison's,
//!   which it may set while jail.set_hostname_allowed is 1 (kern_mib.c
//!   `sysctl_hostname`);
//! - sockets: socket() takes PF_LOCAL, PF_INET and PF_ROUTE only while
//!   jail.socket_unixiproute_only is 1 (uipc_socket.c `socreate`); AF_INET addresses
//!   go through `prison_ip` (bind) and `prison_remote_ip` (connect, sendto);
//! - System V IPC: ENOSYS for every call while jail.sysvipc_allowed is 0 (sysv_msg.c,
//!   sysv_sem.c, sysv_shm.c).

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use nymph_abi::rt::UserCStr;
use nymph_kernel::file::socket::InetName;
use nymph_kernel::process::Task;
use nymph_kernel::process::prison::{self, Prison};
use nymph_kernel::process::uaccess::UserFault;

/// `MAXHOSTNAMELEN`: pr_host's size, its NUL included.
const MAXHOSTNAMELEN: usize = 256;
/// `MAXPATHLEN`: what namei copies of the path, its NUL included.
const MAXPATHLEN: u64 = 1024;

/// kern_jail.c's three knobs, with 4.x's defaults.
static SET_HOSTNAME_ALLOWED: AtomicBool = AtomicBool::new(true);
static SOCKET_UNIXIPROUTE_ONLY: AtomicBool = AtomicBool::new(true);
static SYSVIPC_ALLOWED: AtomicBool = AtomicBool::new(false);

/// The knob a jail.* OID names ([256, 256..=258] in the spec's tree).
fn knob(oid: &[i32]) -> Option<&'static AtomicBool> {
    match oid {
        [0x100, 0x100] => Some(&SET_HOSTNAME_ALLOWED),
        [0x100, 0x101] => Some(&SOCKET_UNIXIPROUTE_ONLY),
        [0x100, 0x102] => Some(&SYSVIPC_ALLOWED),
        _ => None,
    }
}

/// A jail.* knob's value, for sysctl.
pub(crate) fn knob_value(oid: &[i32]) -> Option<i32> {
    knob(oid).map(|k| i32::from(k.load(Ordering::Relaxed)))
}

/// Sets a jail.* knob (SYSCTL_INT: any nonzero int is on); false if `oid` is none.
pub(crate) fn set_knob(oid: &[i32], value: i32) -> bool {
    match knob(oid) {
        Some(k) => {
            k.store(value != 0, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// jail (338), in kern_jail.c's order: `suser` (plain: a prisoner cannot jail itself
/// again; EPERM), copyin of struct jail (EFAULT), version 0 (else EINVAL), copyinstr
/// of the host name into pr_host (EFAULT; ENAMETOOLONG past MAXHOSTNAMELEN - 1
/// bytes), then `chroot(p, path)` with chroot's errors (see [`crate::fs::chroot`]),
/// and the process enters a new prison with that root, host name and address.
pub(crate) fn sys_jail(task: &mut Task, a: fb::JailArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let j: fb::jail = task.read_val(a.jail.addr()).map_err(fault)?;
    if j.version != 0 {
        return Err(errno::EINVAL);
    }
    let host = task
        .read_cstr(u64::from(j.hostname), MAXHOSTNAMELEN - 1)
        .map_err(|e| match e {
            UserFault::StringTooLong => errno::ENAMETOOLONG,
            UserFault::BadAddress(_) => errno::EFAULT,
        })?;
    let root = crate::fs::chroot(task, UserCStr::new(u64::from(j.path), MAXPATHLEN))?;
    // Plain suser above refused a prisoner: this process is in none yet.
    if !prison::enter(&task.process, Prison::new(host, j.ip_number, root)) {
        return Err(errno::EPERM);
    }
    log::info!(
        "pid {}: jailed with host name {:?} and address {:#010x}",
        task.process.pid.0,
        alloc::string::String::from_utf8_lossy(&prison::host_name(&task.process)),
        j.ip_number
    );
    Ok(Ret::word(0))
}

/// Whether the caller is jailed.
pub(crate) fn jailed(task: &Task) -> bool {
    task.process.fs().creds.jailed
}

/// The host name the caller sees (kern_mib.c `sysctl_hostname`).
pub(crate) fn host_name(task: &Task) -> Vec<u8> {
    prison::host_name(&task.process)
}

/// Whether the caller may set the host name it sees, asked before anything is read
/// or written (kern_mib.c `sysctl_hostname`: a prisoner gets EPERM while
/// jail.set_hostname_allowed is 0).
pub(crate) fn may_set_host_name(task: &Task) -> Result<(), i32> {
    if jailed(task) && !SET_HOSTNAME_ALLOWED.load(Ordering::Relaxed) {
        return Err(errno::EPERM);
    }
    Ok(())
}

/// Sets the host name the caller sees: its prison's, else the system's.
pub(crate) fn set_host_name(task: &Task, name: Vec<u8>) {
    match prison::prison(&task.process) {
        Some(p) => p.set_host_name(name),
        None => nymph_kernel::host::set_hostname(name),
    }
}

/// uipc_socket.c `socreate`: a prisoner's socket of another family than PF_LOCAL,
/// PF_INET or PF_ROUTE is EPROTONOSUPPORT while jail.socket_unixiproute_only is 1
/// (checked once the protocol is found, before its type is).
pub(crate) fn check_socket_family(task: &Task, family: i32) -> Result<(), i32> {
    // PF_LOCAL, PF_INET and PF_ROUTE (sys/socket.h).
    const ALLOWED: [i32; 3] = [1, 2, 17];
    if jailed(task) && SOCKET_UNIXIPROUTE_ONLY.load(Ordering::Relaxed) && !ALLOWED.contains(&family)
    {
        return Err(errno::EPROTONOSUPPORT);
    }
    Ok(())
}

/// The local address a prisoner's AF_INET bind asks for, as in_pcb.c `in_pcbbind`
/// takes it through `prison_ip`: an address other than INADDR_ANY must be the prison's
/// (else EINVAL); INADDR_ANY with a port becomes the prison's address, and with port 0
/// stays the wildcard (4.x converts it only when a port is named). Others' binds pass
/// unchanged.
pub(crate) fn bind_address(task: &Task, name: InetName) -> Result<InetName, i32> {
    let Some(p) = prison::prison(&task.process) else {
        return Ok(name);
    };
    let addr = u32::from_be_bytes(name.addr);
    if addr != 0 || name.port != 0 {
        let mine = p.local_address(addr).ok_or(errno::EINVAL)?;
        return Ok(InetName {
            addr: mine.to_be_bytes(),
            port: name.port,
        });
    }
    Ok(name)
}

/// The peer a prisoner's connect or sendto names, as `prison_remote_ip` sees it
/// (127.0.0.1 is the prison's own address), and the local address bound first when
/// the socket is unbound: the prison's, as in_pcb.c `in_pcbconnect` binds a prisoner's
/// wildcard socket. A socket bound to the wildcard already (with port 0, which keeps
/// it) connects and sends from the prison's address too: in_pcbconnect's jailed
/// branch binds it there with the port it has (prison_ip), and udp_output's
/// temporary connect for a sendto puts the wildcard back afterwards.
pub(crate) fn connect_address(
    task: &Task,
    s: &nymph_kernel::file::socket::Socket,
    to: InetName,
) -> Result<InetName, i32> {
    let Some(p) = prison::prison(&task.process) else {
        return Ok(to);
    };
    s.set_wildcard_source(p.address().to_be_bytes());
    let local = InetName::from_bytes(&s.name());
    if local.addr == InetName::ANY && local.port == 0 {
        let mine = InetName {
            addr: p.address().to_be_bytes(),
            port: 0,
        };
        s.bind_inet(mine, true).map_err(file_errno)?;
    }
    Ok(InetName {
        addr: p.remote_address(u32::from_be_bytes(to.addr)).to_be_bytes(),
        port: to.port,
    })
}

/// Whether ifconf leaves an interface address out of what the caller sees (4.x's
/// `prison_if`): for a prisoner, any address but an Internet one while
/// jail.socket_unixiproute_only is 1, and an Internet one (`inet`) other than its
/// prison's.
pub(crate) fn hides_interface_address(task: &Task, inet: Option<[u8; 4]>) -> bool {
    let Some(p) = prison::prison(&task.process) else {
        return false;
    };
    match inet {
        None => SOCKET_UNIXIPROUTE_ONLY.load(Ordering::Relaxed),
        Some(addr) => u32::from_be_bytes(addr) != p.address(),
    }
}

/// sysv_msg.c, sysv_sem.c, sysv_shm.c: every call of a prisoner is ENOSYS while
/// jail.sysvipc_allowed is 0 (the first thing each checks).
pub(crate) fn check_sysv(task: &Task) -> Result<(), i32> {
    if jailed(task) && !SYSVIPC_ALLOWED.load(Ordering::Relaxed) {
        return Err(errno::ENOSYS);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_have_the_defaults_of_4x() {
        assert_eq!(knob_value(&[0x100, 0x100]), Some(1));
        assert_eq!(knob_value(&[0x100, 0x101]), Some(1));
        assert_eq!(knob_value(&[0x100, 0x102]), Some(0));
        assert_eq!(knob_value(&[0x100, 0x103]), None);
    }
}
