//! File handles: getfh (161), fhstatfs (297), fhopen (298), fhstat (299), as 4.x's
//! vfs_syscalls.c has them (root only: they bypass every directory's permissions).
//!
//! A handle is the file system's `f_fsid` and a `struct fid`. 4.x's root file system
//! is UFS (MFS included), whose fid is a `struct ufid` (ufs/inode.h): length 12, pad,
//! inode number, generation (`ffs_vptofh`). The file systems here are tmpfs and devfs,
//! given handles of that shape: the inode number, and a generation of 1, as tmpfs
//! never gives an inode number twice (its numbers count up), so the number alone tells
//! a node from any later one. procfs has none, as 4.x's procfs_vptofh and
//! procfs_fhtovp answer EINVAL.

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use alloc::sync::Arc;
use nymph_kernel::process::Task;
use nymph_kernel::vfs::{self, Follow, Inode, NodeType, OpenFlags};
use zerocopy::FromZeros;

/// `sizeof(struct ufid)`.
const UFID_LEN: u16 = 12;
/// The generation every handle carries (see above).
const GENERATION: u32 = 1;

/// procfs's handles (any instance's): EINVAL both ways.
fn has_handles(device: u64) -> Result<(), i32> {
    if vfs::procfs::is_procfs(device) {
        Err(errno::EINVAL)
    } else {
        Ok(())
    }
}

/// `vfs_getvfs` then `VFS_FHTOVP`: the mounted file system whose `f_fsid` the handle
/// carries (none: ESTALE), then the node of that inode number, which must be live,
/// of the handle's generation and still linked somewhere (`ufs_fhtovp`: i_mode 0,
/// another i_gen, or i_effnlink <= 0 are ESTALE).
fn fhtovp(fh: &fb::fhandle) -> Result<Arc<Inode>, i32> {
    let [fsid, spare] = fh.fh_fsid.val;
    let device = vfs::mounted()
        .into_iter()
        .map(|m| m.device)
        .find(|&d| fsid == d as i32 && spare == 0)
        .ok_or(errno::ESTALE)?;
    has_handles(device)?;
    let word = |at: usize| {
        let mut b = [0; 4];
        b.copy_from_slice(&fh.fid_data[at..at + 4]);
        u32::from_le_bytes(b)
    };
    let (ino, generation) = (word(0), word(4));
    let node = vfs::fs_root_of(device)
        .and_then(|root| vfs::linked_node_by_number(&root, u64::from(ino)))
        .ok_or(errno::ESTALE)?;
    if generation != GENERATION || node.stat().links == 0 {
        return Err(errno::ESTALE);
    }
    Ok(node)
}

/// Copies the handle in (after `suser`, as every handle call does) and finds its node.
fn handle_node(task: &Task, at: u64) -> Result<Arc<Inode>, i32> {
    let fh: fb::fhandle = task.read_val(at).map_err(fault)?;
    fhtovp(&fh)
}

/// getfh: `suser`, `namei` following a final symbolic link (a lookup's errors), then
/// the handle: the file system's fsid and `ffs_vptofh`'s fid, the rest zero, copied
/// out (EFAULT).
pub(crate) fn sys_getfh(task: &mut Task, a: fb::GetfhArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let path = crate::fs::path_arg(task, a.fname)?;
    let node = vfs::lookup(&task.process.fs(), None, &path, Follow::Yes).map_err(file_errno)?;
    let st = node.stat();
    has_handles(st.device)?;
    let ino = u32::try_from(st.inode).map_err(|_| errno::EOVERFLOW)?;
    let mut fh = fb::fhandle::new_zeroed();
    fh.fh_fsid.val = [st.device as i32, 0];
    fh.fid_len = UFID_LEN;
    fh.fid_data[..4].copy_from_slice(&ino.to_le_bytes());
    fh.fid_data[4..8].copy_from_slice(&GENERATION.to_le_bytes());
    task.write_val(a.fhp.addr(), &fh).map_err(fault)?;
    Ok(Ret::word(0))
}

/// fhstat: `suser`, the handle (EFAULT, ESTALE), then `vn_stat` as stat(2) writes it.
pub(crate) fn sys_fhstat(task: &mut Task, a: fb::FhstatArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let node = handle_node(task, a.u_fhp.addr())?;
    crate::fs::write_stat(task, a.sb.addr(), &crate::ufsdir::node_stat(&node))?;
    Ok(Ret::word(0))
}

/// fhstatfs: `suser`, the handle (EFAULT, ESTALE), then the statfs of its file system
/// (with its fsid: the caller is root).
pub(crate) fn sys_fhstatfs(task: &mut Task, a: fb::FhstatfsArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let node = handle_node(task, a.u_fhp.addr())?;
    crate::fs::write_statfs(task, &node, a.buf.addr())?;
    Ok(Ret::word(0))
}

/// `FREAD` and `FWRITE` of `FFLAGS(flags)`, the access mode plus one.
const FREAD: i32 = 1;
const FWRITE: i32 = 2;

/// fhopen as vfs_syscalls.c has it: `suser`; `FFLAGS(flags)` with neither FREAD nor
/// FWRITE (access mode 3), or O_CREAT, is EINVAL; the handle (EFAULT, ESTALE); then
/// `vn_open`'s checks: a symbolic link EMLINK, a socket EOPNOTSUPP, writing or
/// truncating a directory EISDIR, the access asked for; O_TRUNC empties the file (when
/// only reading, too); the descriptor is made, and O_EXLOCK/O_SHLOCK take a flock
/// lock (waiting unless O_NONBLOCK, which fails EWOULDBLOCK).
pub(crate) fn sys_fhopen(task: &mut Task, a: fb::FhopenArgs) -> SysResult {
    use fb::open_flags as o;
    suser(task, Jail::Refused)?;
    let fmode = a.flags.wrapping_add(1);
    let oflags = o::from_bits_retain(a.flags);
    if fmode & (FREAD | FWRITE) == 0 || oflags.contains(o::O_CREAT) {
        return Err(errno::EINVAL);
    }
    let node = handle_node(task, a.u_fhp.addr())?;
    match node.kind() {
        NodeType::Symlink => return Err(errno::EMLINK),
        NodeType::Socket => return Err(errno::EOPNOTSUPP),
        NodeType::Directory if fmode & FWRITE != 0 || oflags.contains(o::O_TRUNC) => {
            return Err(errno::EISDIR);
        }
        _ => {}
    }
    let flags = OpenFlags {
        read: fmode & FREAD != 0,
        write: fmode & FWRITE != 0,
        create: false,
        exclusive: false,
        truncate: oflags.contains(o::O_TRUNC),
        append: oflags.contains(o::O_APPEND),
        nonblock: oflags.contains(o::O_NONBLOCK),
        directory: false,
        no_follow: false,
    };
    let ctx = task.process.fs();
    let file = vfs::open::open_node(&ctx, &node, flags).map_err(file_errno)?;
    if flags.truncate && !flags.write && node.kind() == NodeType::Regular {
        // 4.x truncates for O_TRUNC whatever the access mode (open_node, like
        // open(2) here, only when writing); the write access was checked above.
        node.truncate(0).map_err(file_errno)?;
    }
    crate::fs::install_opened(task, file, oflags)
}
