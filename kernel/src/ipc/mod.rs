//! System V interprocess communication, in ABI-neutral terms: the system-wide tables
//! and their rules. Personalities own the numbers (ids, flags, struct layouts).

pub mod msg;
pub mod sem;
pub mod shm;

use crate::vfs::Credentials;
use alloc::vec::Vec;

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

impl Perm {
    /// A new object's: owned and created by the caller's effective ids, with the nine
    /// permission bits of `mode`.
    pub fn new(creds: &Credentials, mode: u16) -> Perm {
        Perm {
            uid: creds.euid,
            gid: creds.egid,
            cuid: creds.euid,
            cgid: creds.egid,
            mode: mode & 0o777,
        }
    }
}

/// The time an IPC object records (seconds of the real-time clock).
fn now() -> u64 {
    crate::time::realtime().0
}

/// An object's id: its slot in its table and the slot's sequence number, as 4.x's
/// IXSEQ_TO_IPCID makes it (a stale id of a reused slot no longer matches).
fn id_of(slot: usize, seq: u16) -> u32 {
    (u32::from(seq) << 16) | (slot as u32 & 0xffff)
}

fn slot_of(id: u32) -> usize {
    (id & 0xffff) as usize
}

/// The objects of a table by slot, as `info` describes each (no access check: for
/// a system-wide view such as 4.x's ipcs).
fn listed<T, I>(slots: &[Option<T>], info: impl Fn(&T) -> I) -> alloc::vec::Vec<(usize, I)> {
    let slots = slots.iter().enumerate();
    slots
        .filter_map(|(i, o)| Some((i, info(o.as_ref()?))))
        .collect()
}

/// Claims a slot of a table (`slots`, with each slot's last sequence number in `seqs`)
/// for a new object: a free one, else a new one while fewer than `max` (`NoSpace`
/// beyond, `OutOfMemory` when the table cannot grow). Returns it with its next
/// sequence number (15 bits), which the caller's object must carry.
fn claim_slot<T>(
    slots: &mut Vec<Option<T>>,
    seqs: &mut Vec<u16>,
    max: usize,
) -> Result<(usize, u16), crate::error::Error> {
    use crate::error::Error;
    let slot = match slots.iter().position(Option::is_none) {
        Some(slot) => slot,
        None if slots.len() < max => {
            if slots.try_reserve(1).is_err() || seqs.try_reserve(1).is_err() {
                return Err(Error::OutOfMemory);
            }
            slots.push(None);
            seqs.push(0);
            slots.len() - 1
        }
        None => return Err(Error::NoSpace),
    };
    let seq = (seqs[slot] + 1) & 0x7fff;
    seqs[slot] = seq;
    Ok((slot, seq))
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
