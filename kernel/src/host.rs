//! Facts about this machine every personality reports the same way: its host name
//! (one for the whole system, whichever ABI set it) and the kernel's own name and
//! version for the native ABI.

use alloc::vec::Vec;
use spin::Mutex;

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
