//! Facts about this machine every personality reports the same way: its host name
//! (one for the whole system, whichever ABI set it), domain name and host id, and the
//! kernel's own name and version for the native ABI.

use crate::sync::Mutex;
use alloc::vec::Vec;

/// The host name until root sets another.
pub const DEFAULT_HOSTNAME: &str = "nymph";
/// The kernel's name and release as the native ABI reports them.
pub const SYSNAME: &str = "Nymph";
pub const RELEASE: &str = env!("CARGO_PKG_VERSION");
pub const MACHINE: &str = "x86_64";

static HOSTNAME: Mutex<Option<Vec<u8>>> = Mutex::new(None);

/// The host name now.
pub fn hostname() -> Vec<u8> {
    HOSTNAME
        .lock()
        .clone()
        .unwrap_or_else(|| DEFAULT_HOSTNAME.as_bytes().to_vec())
}

/// Sets the host name (the personality has checked the caller may, and the length).
pub fn set_hostname(name: Vec<u8>) {
    *HOSTNAME.lock() = Some(name);
}

static DOMAINNAME: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static HOSTID: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// The (NIS) domain name: empty until root sets one.
pub fn domainname() -> Vec<u8> {
    DOMAINNAME.lock().clone()
}

/// Sets the domain name (the personality has checked the caller may, and the length).
pub fn set_domainname(name: Vec<u8>) {
    *DOMAINNAME.lock() = name;
}

/// The host's 32-bit identifier: 0 until root sets one.
pub fn hostid() -> u32 {
    HOSTID.load(core::sync::atomic::Ordering::Relaxed)
}

pub fn set_hostid(id: u32) {
    HOSTID.store(id, core::sync::atomic::Ordering::Relaxed);
}
