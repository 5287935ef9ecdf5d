//! Prisons (BSD's jail), in ABI-neutral terms: a host name, an IPv4 address and a root
//! directory that a group of processes share. A process enters one (a personality's
//! jail call does that, after its own checks) and never leaves it; its children are
//! born in it and exec keeps it. The prison goes when its last member is gone (the
//! members hold it by `Arc`, as 4.x's pr_ref counts them).
//!
//! What membership changes in the core, as 4.x's PRISON_CHECK (sys/proc.h) does: a
//! prisoner sees only the members of its own prison (signals, tracing, priorities, the
//! process listing); a process outside every prison sees all. Its credentials are
//! marked `jailed` ([`Credentials::jailed`]), which is what the root checks that 4.x
//! makes with plain `suser(p)` (no PRISON_ROOT) look at.

use super::Process;
use crate::sync::Mutex;
use crate::vfs::Inode;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// `INADDR_ANY` and `INADDR_LOOPBACK`, in host order.
const ANY: u32 = 0;
const LOOPBACK: u32 = 0x7f00_0001;

/// One prison (4.x's struct prison: pr_host, pr_ip; the root is where its jail call
/// chrooted).
#[derive(Debug)]
pub struct Prison {
    host: Mutex<Vec<u8>>,
    /// Its IPv4 address, host byte order.
    address: u32,
    root: Arc<Inode>,
}

impl Prison {
    /// A new prison (no members yet).
    pub fn new(host: Vec<u8>, address: u32, root: Arc<Inode>) -> Arc<Prison> {
        Arc::new(Prison {
            host: Mutex::new(host),
            address,
            root,
        })
    }

    /// Its host name (without a NUL).
    pub fn host_name(&self) -> Vec<u8> {
        self.host.lock().clone()
    }

    /// Sets its host name (the personality has checked the caller may, and the length).
    pub fn set_host_name(&self, name: Vec<u8>) {
        *self.host.lock() = name;
    }

    /// Its IPv4 address, host byte order.
    pub fn address(&self) -> u32 {
        self.address
    }

    /// The directory its jail call made its members' root.
    pub fn root(&self) -> &Arc<Inode> {
        &self.root
    }

    /// The local address a member's bind asks for, as the prison allows it (4.x
    /// kern_jail.c `prison_ip`): INADDR_ANY becomes the prison's address, the prison's
    /// own passes, any other is refused (None; the callers of 4.x say EADDRNOTAVAIL).
    pub fn local_address(&self, address: u32) -> Option<u32> {
        match address {
            ANY => Some(self.address),
            a if a == self.address => Some(a),
            _ => None,
        }
    }

    /// The peer address a member's connect or send names, as the prison sees it (4.x
    /// kern_jail.c `prison_remote_ip`): 127.0.0.1 means the prison's own address.
    pub fn remote_address(&self, address: u32) -> u32 {
        if address == LOOPBACK {
            self.address
        } else {
            address
        }
    }
}

/// The prison `process` belongs to, if any (no lock taken).
pub fn prison(process: &Process) -> Option<Arc<Prison>> {
    process.prison.get().cloned()
}

/// `process` enters `prison` for good, and its credentials say it is jailed from now
/// on (the personality has made its checks and the chroot already). A process enters
/// one prison at most: false, and nothing done, if it is in one already.
pub fn enter(process: &Process, prison: Arc<Prison>) -> bool {
    if process.prison.get().is_some() {
        return false;
    }
    process.prison.call_once(|| prison);
    process.inner.lock().fs.creds.jailed = true;
    true
}

/// Whether `viewer` sees `target` (4.x's PRISON_CHECK, sys/proc.h): a process outside
/// every prison sees every process; a prisoner only the members of its own prison.
pub fn sees(viewer: &Process, target: &Process) -> bool {
    if core::ptr::eq(viewer, target) {
        return true;
    }
    let Some(mine) = viewer.prison.get() else {
        return true;
    };
    target
        .prison
        .get()
        .is_some_and(|theirs| Arc::ptr_eq(mine, theirs))
}

/// The host name `process` sees: its prison's, else the system's (4.x kern_mib.c
/// `sysctl_hostname`).
pub fn host_name(process: &Process) -> Vec<u8> {
    match prison(process) {
        Some(p) => p.host_name(),
        None => crate::host::hostname(),
    }
}
