//! getdirentries(2) of a 4.x procfs directory, as 4.x's procfs_readdir (procfs_vnops.c
//! 1.76.2.7, RELENG_4) makes its records:
//!
//! - every record is `struct dirent` cut to GENERIC_DIRSIZ of a PROCFS_NAMELEN (8)
//!   name: 20 bytes, d_reclen 20, whatever the name's length;
//! - the offset counts records: it must be a multiple of 20 (at most INT_MAX) and the
//!   buffer hold one record, or the read is EINVAL; after a read the offset is 20 times
//!   the slot the next read starts at, so a read at the end gives 0 bytes and leaves it;
//! - d_fileno is PROCFS_FILENO(pid, type) (procfs.h 1.32.2.3): type + 2 for the root
//!   (2) and curproc (3), ((pid + 1) << 4) + type for a process's nodes;
//! - the root lists ".", "..", "curproc" then allproc (live processes, the newest
//!   first; zombies are on zombproc, not listed), passing over those outside the
//!   reader's jail. A read that starts past slot 0 walks allproc from its head as many
//!   steps as its first slot (3 too many once past "curproc"), so a listing read a few
//!   records at a time misses processes: 4.x does, and so does this;
//! - a process's directory lists its proc_targets in their fixed order, nothing for a
//!   process gone (or a zombie: pfind no longer finds it) or outside the reader's jail;
//! - stat's st_ino is the same number (procfs_getattr's va_fileid is pfs_fileno);
//! - the root zeroes each record; a process's directory does not, so the bytes past a
//!   name's NUL are the previous record's of the same read (the first record's are the
//!   kernel stack's on 4.x; zeros here).

use crate::fb::{self, errno};
use crate::procfs::Fb4Procfs;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use nymph_kernel::process::{self, Pid, Process, prison};
use nymph_kernel::sync::Mutex;
use nymph_kernel::vfs::node::Inode;
use nymph_kernel::vfs::procfs as core_procfs;

/// One record's length: GENERIC_DIRSIZ with d_namlen PROCFS_NAMELEN (8).
pub(crate) const DELEN: usize = 20;

/// sys/dirent.h's d_type values, as the spec names them.
const DT_DIR: u8 = fb::d_type::DT_DIR as u8;
const DT_REG: u8 = fb::d_type::DT_REG as u8;
const DT_LNK: u8 = fb::d_type::DT_LNK as u8;

/// procfs.h's pfstype values PROCFS_FILENO numbers nodes by.
const PROOT: u32 = 0;
const PCURPROC: u32 = 1;
const PPROC: u32 = 2;

/// proc_targets: each entry of a process's directory, its d_type and its pfstype.
const TARGETS: [(&[u8], u8, u32); 15] = [
    (b".", DT_DIR, PPROC),
    (b"..", DT_DIR, PROOT),
    (b"mem", DT_REG, 4),
    (b"regs", DT_REG, 5),
    (b"fpregs", DT_REG, 6),
    (b"dbregs", DT_REG, 7),
    (b"ctl", DT_REG, 8),
    (b"status", DT_REG, 9),
    (b"note", DT_REG, 10),
    (b"notepg", DT_REG, 11),
    (b"map", DT_REG, 12),
    (b"etype", DT_REG, 13),
    (b"cmdline", DT_REG, 14),
    (b"rlimit", DT_REG, 15),
    (b"file", DT_LNK, 3),
];

/// PROCFS_FILENO(pid, type).
fn fileno(pid: u32, pfstype: u32) -> u32 {
    if pfstype < PPROC {
        pfstype + 2
    } else {
        pid.wrapping_add(1).wrapping_shl(4).wrapping_add(pfstype)
    }
}

/// The nodes of the process directories of 4.x procfs instances, each with the pid
/// and pfstype it stands for (4.x's pfsnode is that pair).
static NODES: Mutex<Vec<(Weak<Inode>, Pid, u32)>> = Mutex::new(Vec::new());

/// Notes `dir` as process `pid`'s directory (the 4.x flavour made it) and `entries` as
/// its nodes by name, forgetting nodes gone.
pub(crate) fn register(dir: &Arc<Inode>, pid: Pid, entries: &[(&[u8], Arc<Inode>)]) {
    let mut nodes = NODES.lock();
    nodes.retain(|(n, _, _)| n.strong_count() > 0);
    nodes.push((Arc::downgrade(dir), pid, PPROC));
    for (name, node) in entries {
        if let Some(&(_, _, pfstype)) = TARGETS.iter().find(|(n, _, _)| n == name) {
            nodes.push((Arc::downgrade(node), pid, pfstype));
        }
    }
}

/// The pid and pfstype `node` stands for, if it is a process's directory or one of its
/// nodes.
fn registered(node: &Inode) -> Option<(Pid, u32)> {
    NODES
        .lock()
        .iter()
        .find(|(n, _, _)| core::ptr::eq(n.as_ptr(), node))
        .map(|&(_, pid, pfstype)| (pid, pfstype))
}

/// The inode number procfs_getattr gives a node of a 4.x procfs (its pfs_fileno,
/// PROCFS_FILENO of its pid and type), so stat agrees with getdirentries; None for a
/// node of any other file system.
pub(crate) fn inode_number(node: &Inode) -> Option<u64> {
    let (flavour, root) = core_procfs::instance_of(node.device)?;
    if !(flavour as &dyn Any).is::<Fb4Procfs>() {
        return None;
    }
    if core::ptr::eq(Arc::as_ptr(&root), node) {
        return Some(u64::from(fileno(0, PROOT)));
    }
    match registered(node) {
        Some((pid, pfstype)) => Some(u64::from(fileno(pid.0, pfstype))),
        // The root's one other node: curproc.
        None => Some(u64::from(fileno(0, PCURPROC))),
    }
}

/// Which 4.x procfs directory a node is.
enum Dir {
    Root,
    Process(Pid),
}

/// `node` as a directory of a 4.x procfs instance (None for any other node, a native
/// procfs's among them).
fn dir_of(node: &Arc<Inode>) -> Option<Dir> {
    let (flavour, root) = core_procfs::instance_of(node.device)?;
    if !(flavour as &dyn Any).is::<Fb4Procfs>() {
        return None;
    }
    if Arc::ptr_eq(&root, node) {
        return Some(Dir::Root);
    }
    match registered(node)? {
        (pid, PPROC) => Some(Dir::Process(pid)),
        _ => None,
    }
}

/// Writes one record into `rec` over what it held (only the header and the name with
/// its NUL, as procfs_readdir sets them).
fn put(rec: &mut [u8; DELEN], fileno: u32, kind: u8, name: &[u8]) {
    let len = name.len().min(DELEN - 9);
    rec[0..4].copy_from_slice(&fileno.to_le_bytes());
    rec[4..6].copy_from_slice(&(DELEN as u16).to_le_bytes());
    rec[6] = kind;
    rec[7] = len as u8;
    rec[8..8 + len].copy_from_slice(&name[..len]);
    rec[8 + len] = 0;
}

/// The records procfs_readdir gives `viewer` of `node` from offset `start` into a
/// buffer of `count` bytes, if `node` is a 4.x procfs directory (None otherwise). The
/// offset after them is `start` + 20 for each.
pub(crate) fn records(
    viewer: &Arc<Process>,
    node: &Arc<Inode>,
    start: u64,
    count: usize,
) -> Option<Result<Vec<[u8; DELEN]>, i32>> {
    let dir = dir_of(node)?;
    // uio_offset is an off_t taken as an int; uio_resid an int made of a u_int count.
    let off = match i32::try_from(start) {
        Ok(off) if (off as usize).is_multiple_of(DELEN) => off as usize,
        _ => return Some(Err(errno::EINVAL)),
    };
    if i32::try_from(count).map_or(true, |c| (c as usize) < DELEN) {
        return Some(Err(errno::EINVAL));
    }
    let room = count / DELEN;
    Some(Ok(match dir {
        Dir::Root => root_records(viewer, off / DELEN, room),
        Dir::Process(pid) => process_records(viewer, pid, off / DELEN, room),
    }))
}

/// A process directory's records from slot `i`, at most `room`.
fn process_records(viewer: &Arc<Process>, pid: Pid, i: usize, room: usize) -> Vec<[u8; DELEN]> {
    let mut out = Vec::new();
    let Some(p) = process::find(pid).filter(|p| !p.has_exited()) else {
        return out;
    };
    if !prison::sees(viewer, &p) {
        return out;
    }
    // One record reused, not cleared between entries.
    let mut rec = [0u8; DELEN];
    for &(name, kind, pfstype) in TARGETS.iter().skip(i).take(room) {
        put(&mut rec, fileno(pid.0, pfstype), kind, name);
        out.push(rec);
    }
    out
}

/// The root's records from slot `i`, at most `room`: procfs_readdir's walk of allproc,
/// step for step (`pcnt` counts slots as it does, from 0 at this read's first).
fn root_records(viewer: &Arc<Process>, mut i: usize, room: usize) -> Vec<[u8; DELEN]> {
    let procs: Vec<(u32, bool)> = process::newest_first()
        .iter()
        .map(|p| (p.pid.0, prison::sees(viewer, p)))
        .collect();
    let mut out = Vec::new();
    let mut pcnt = 0;
    // Where in allproc the walk is (None: past its end).
    let mut p = (!procs.is_empty()).then_some(0);
    while let Some(mut at) = p
        && out.len() < room
    {
        let mut rec = [0u8; DELEN];
        match i {
            0 => put(&mut rec, fileno(0, PROOT), DT_DIR, b"."),
            1 => put(&mut rec, fileno(0, PROOT), DT_DIR, b".."),
            2 => put(&mut rec, fileno(0, PCURPROC), DT_LNK, b"curproc"),
            _ => {
                while pcnt < i {
                    at += 1;
                    let Some(&(_, seen)) = procs.get(at) else {
                        return out;
                    };
                    if seen {
                        pcnt += 1;
                    }
                }
                while !procs[at].1 {
                    at += 1;
                    if at >= procs.len() {
                        return out;
                    }
                }
                let pid = procs[at].0;
                put(
                    &mut rec,
                    fileno(pid, PPROC),
                    DT_DIR,
                    alloc::format!("{pid}").as_bytes(),
                );
                p = (at + 1 < procs.len()).then_some(at + 1);
            }
        }
        out.push(rec);
        i += 1;
        pcnt += 1;
    }
    out
}
