//! System V interprocess communication, in ABI-neutral terms: the system-wide tables
//! and their rules. Personalities own the numbers (ids, flags, struct layouts).

pub mod msg;
pub mod sem;
pub mod shm;

use crate::vfs::Credentials;

/// What a caller asks to do with an IPC object (System V's `ipcperm` modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read and/or write, as owner-position rwx bits (0o400 read, 0o200 write); a
    /// lookup by key passes the mode bits it was given, as 4.4BSD's does.
    Bits(u16),
    /// Change or remove it: its owner, its creator or root only.
    Owner,
}

impl Access {
    pub const READ: Access = Access::Bits(0o400);
    pub const READ_WRITE: Access = Access::Bits(0o600);
}

/// Owner, creator and permission bits of an IPC object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perm {
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    /// The nine rwx bits (only r and w mean anything).
    pub mode: u16,
}

/// `ipcperm`: the owner or creator is checked against the user bits, a member of
/// either group against the group bits, anyone else against the other bits; root
/// passes every check. Changing or removing needs the owner or creator (or root).
pub fn check(perm: &Perm, creds: &Credentials, access: Access) -> Result<(), crate::error::Error> {
    use crate::error::Error;
    let owner = creds.euid == perm.cuid || creds.euid == perm.uid;
    let want = match access {
        Access::Owner if owner || creds.is_root() => return Ok(()),
        Access::Owner => return Err(Error::NotPermitted),
        Access::Bits(bits) => bits & 0o777,
    };
    let member = |g: u32| creds.egid == g || creds.groups.contains(&g);
    let want = if owner {
        want
    } else if member(perm.gid) || member(perm.cgid) {
        want >> 3
    } else {
        want >> 6
    };
    if perm.mode & want == want || creds.is_root() {
        Ok(())
    } else {
        Err(Error::AccessDenied)
    }
}
