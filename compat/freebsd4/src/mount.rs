//! mount (21) and unmount (22) as 4.x's vfs_syscalls.c `mount`, `unmount` and
//! `dounmount` do them, on the core VFS's mount table. Facts from FreeBSD's
//! vfs_syscalls.c of the 4.x line (the same checks stand in DragonFly's first import of
//! it), procfs_vfsops.c 1.16 (`procfs_mount`, `procfs_unmount`) and sys/mount.h
//! 1.89.2.7 (the MNT_* values).
//!
//! The one type served is "procfs": a new procfs instance with its own device number
//! (`vfs_getnewfsid`). 4.x would kldload a module named after an unknown type; nothing
//! loads here, so an unknown type is ENODEV, 4.x's answer when no module provides it.

use crate::fb::{self, consts as c, errno};
use crate::files::file_errno;
use crate::fs::{compat_path, raw_path_arg};
use crate::sys::{Ret, SysResult};
use nymph_kernel::process::Task;
use nymph_kernel::process::uaccess::UserFault;
use nymph_kernel::tty::FlagMap;
use nymph_kernel::vfs::{self, Follow, MountFlags, MountInfo, NewFs};

/// The options `mount` keeps from its flags argument (the `mnt_flag |= uap->flags & (...)`
/// list of 4.x `mount`, MNT_RDONLY set apart; MNT_FORCE, kept there too, is not
/// visible to statfs and means nothing after the call).
const MNT_FLAGS: FlagMap = FlagMap(&[
    (MountFlags::READ_ONLY.0, c::MNT_RDONLY),
    (MountFlags::SYNCHRONOUS.0, c::MNT_SYNCHRONOUS),
    (MountFlags::NO_EXEC.0, c::MNT_NOEXEC),
    (MountFlags::NO_SUID.0, c::MNT_NOSUID),
    (MountFlags::NO_DEV.0, c::MNT_NODEV),
    (MountFlags::UNION.0, c::MNT_UNION),
    (MountFlags::ASYNC.0, c::MNT_ASYNC),
    (MountFlags::NO_ATIME.0, c::MNT_NOATIME),
    (MountFlags::NO_SYMFOLLOW.0, c::MNT_NOSYMFOLLOW),
    (MountFlags::IGNORE.0, c::MNT_IGNORE),
    (MountFlags::NO_CLUSTER_READ.0, c::MNT_NOCLUSTERR),
    (MountFlags::NO_CLUSTER_WRITE.0, c::MNT_NOCLUSTERW),
    (MountFlags::SUID_DIR.0, c::MNT_SUIDDIR),
]);

/// 4.x statfs bits of the neutral mount options.
pub(crate) fn flags_to_abi(flags: MountFlags) -> u32 {
    MNT_FLAGS.to_abi(u64::from(flags.0)) as u32
}

/// The neutral mount options of 4.x flag bits (others are dropped).
pub(crate) fn flags_to_neutral(bits: u32) -> MountFlags {
    MountFlags(MNT_FLAGS.to_kernel(u64::from(bits)) as u32)
}

/// mount(type, path, flags, data), 4.x's order of checks: vfs.usermount is 0 (there is
/// no sysctl for it), so a caller that is not root gets EPERM first; the lookup of
/// `path` (following a final link: its errors, EFAULT, ENAMETOOLONG); with MNT_UPDATE,
/// EINVAL unless the path names the root of a file system, then EOPNOTSUPP (procfs_mount
/// refuses an update; neither the memory root nor devfs can be remounted); ENOTDIR for
/// a non-directory; then the type string is read (EFAULT; ENAMETOOLONG at MFSNAMELEN,
/// 16 with the NUL); ENODEV for a type not served; EBUSY for a directory already
/// covered (or the system root, which cannot be covered here). `data` is ignored, as
/// procfs_mount ignores it. The options are stored and reported by statfs; on procfs
/// MNT_RDONLY, MNT_NOEXEC, MNT_NOSUID, MNT_NODEV, MNT_SYNCHRONOUS and MNT_ASYNC hold
/// by its nature (read-only, nothing executable, set-id or special), while
/// MNT_NOATIME, MNT_NOSYMFOLLOW and MNT_UNION are not honoured (the spec says so).
pub(crate) fn sys_mount(task: &mut Task, a: fb::MountArgs) -> SysResult {
    let ctx = task.process.fs();
    // vfs_syscalls.c `mount`: plain suser while usermount is 0 (no jailed root).
    crate::sys::suser(task, crate::sys::Jail::Refused)?;
    let named = raw_path_arg(task, a.path)?;
    let path = compat_path(task, named.clone());
    let node = vfs::lookup(&ctx, None, &path, Follow::Yes).map_err(file_errno)?;
    let bits = a.flags as u32;
    if bits & c::MNT_UPDATE != 0 {
        if !vfs::is_fs_root(&node) {
            return Err(errno::EINVAL);
        }
        return Err(errno::EOPNOTSUPP);
    }
    if !node.is_dir() {
        return Err(errno::ENOTDIR);
    }
    // copyinstr(type, fstypename, MFSNAMELEN): 15 bytes and the NUL (read_cstr's bound
    // leaves the NUL out).
    let fs_type = task
        .read_cstr(a.type_.addr(), a.type_.max() as usize - 1)
        .map_err(|e| match e {
            UserFault::StringTooLong => errno::ENAMETOOLONG,
            UserFault::BadAddress(_) => errno::EFAULT,
        })?;
    let (fs, type_name) = match fs_type.as_slice() {
        b"procfs" => (NewFs::Procfs(&crate::procfs::FLAVOUR), "procfs"),
        _ => return Err(errno::ENODEV),
    };
    let info = MountInfo {
        type_name,
        // procfs_mount copies the path argument as given into f_mntonname.
        on: named,
        flags: flags_to_neutral(bits),
        owner: ctx.creds.euid,
    };
    vfs::mount_new(&node, fs, info).map_err(file_errno)?;
    Ok(Ret::word(0))
}

/// unmount(path, flags): the lookup's errors; EPERM unless root or the user that
/// mounted the file system (only root mounts here); EINVAL for the root file system
/// (MNT_ROOTFS) or a path that is not the root of a mount; EBUSY while anything holds
/// a node of it (vflush's answer: an open file, a working directory, a mount inside).
/// MNT_FORCE would have vflush close what is open (FORCECLOSE); open files cannot be
/// revoked here, so a busy file system stays mounted with EBUSY whatever the flags.
pub(crate) fn sys_unmount(task: &mut Task, a: fb::UnmountArgs) -> SysResult {
    let path = crate::fs::path_arg(task, a.path)?;
    let ctx = task.process.fs();
    vfs::unmount(&ctx, None, &path).map_err(file_errno)?;
    Ok(Ret::word(0))
}
