//! The file-system features 4.x reaches through the VFS that no file system here
//! keeps: quotas (quotactl), POSIX.1e ACLs (the `__acl_*` calls), extended attributes
//! (extattrctl, extattr_*_file) and whiteouts (undelete).
//!
//! A 4.x GENERIC kernel's UFS has none of them either (no options QUOTA, UFS_ACL or
//! UFS_EXTATTR; 4.x's sys/extattr.h 1.3 says "no file systems shipped with this
//! version of FreeBSD implement these calls"), so each call does what 4.x does there:
//! it looks its path or descriptor up (with that lookup's errors), copies in what 4.x
//! copies in before it asks the file system, and gives the file system's answer:
//! EOPNOTSUPP, or for undelete EEXIST or the lookup's ENOENT.

use crate::fb::{self, errno};
use crate::files::{file_errno, iovec};
use crate::fs::{fd_node, node_at, path_arg};
use crate::sys::{SysResult, fault};
use nymph_kernel::process::Task;
use nymph_kernel::vfs::{self, Access, Follow};

/// `sizeof(struct acl)` in 4.x's sys/acl.h 1.8: an int acl_cnt and ACL_MAX_ENTRIES
/// (32) entries of {acl_tag_t ae_tag; uid_t ae_id; acl_perm_t (mode_t) ae_perm}, 12
/// bytes each with the padding after the 16-bit ae_perm.
const ACL_SIZE: usize = 4 + 32 * 12;

/// `EXTATTR_MAXNAMELEN` (4.x sys/extattr.h 1.3: NAME_MAX).
const EXTATTR_MAXNAMELEN: usize = 255;

/// The file system's answer to a quota, ACL or extended-attribute operation it does
/// not support (4.x's `vop_eopnotsupp`, `vfs_stdextattrctl`, `ufs_quotactl` without
/// QUOTA).
fn unsupported() -> SysResult {
    Err(errno::EOPNOTSUPP)
}

/// quotactl (148): 4.x's `quotactl` (vfs_syscalls.c) looks the path up, following a
/// final symbolic link, and hands the command to the file system's VFS_QUOTACTL;
/// `ufs_quotactl` (ufs_vfsops.c) without options QUOTA answers EOPNOTSUPP before it
/// looks at cmd, uid or arg. (4.x's EPERM for a jailed process cannot arise: no
/// process here is jailed.)
pub(crate) fn sys_quotactl(task: &mut Task, a: fb::QuotactlArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    unsupported()
}

/// The `struct acl` a set or a check hands the file system, copied in before it is
/// asked (kern_acl.c `vacl_set_acl`, `vacl_aclcheck`): EFAULT comes first.
fn acl_in(task: &Task, addr: u64) -> Result<(), i32> {
    let mut acl = [0u8; ACL_SIZE];
    task.read_bytes(addr, &mut acl).map_err(fault)
}

// The `__acl_*` calls (kern_acl.c): namei with FOLLOW for a path, getvnode for a
// descriptor (EBADF; EINVAL for a pipe, socket or kqueue), then the vnode operation.
// The type goes to the file system unchecked, so every type gets its EOPNOTSUPP. A get
// asks VOP_GETACL first and copies out only what it returned, so a bad aclp is not
// seen; a delete is VOP_SETACL with no ACL.

/// __acl_get_file (347).
pub(crate) fn sys_acl_get_file(task: &mut Task, a: fb::AclGetFileArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    unsupported()
}

/// __acl_set_file (348).
pub(crate) fn sys_acl_set_file(task: &mut Task, a: fb::AclSetFileArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    acl_in(task, a.aclp.addr())?;
    unsupported()
}

/// __acl_get_fd (349).
pub(crate) fn sys_acl_get_fd(task: &mut Task, a: fb::AclGetFdArgs) -> SysResult {
    fd_node(task, a.filedes)?;
    unsupported()
}

/// __acl_set_fd (350).
pub(crate) fn sys_acl_set_fd(task: &mut Task, a: fb::AclSetFdArgs) -> SysResult {
    fd_node(task, a.filedes)?;
    acl_in(task, a.aclp.addr())?;
    unsupported()
}

/// __acl_delete_file (351).
pub(crate) fn sys_acl_delete_file(task: &mut Task, a: fb::AclDeleteFileArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    unsupported()
}

/// __acl_delete_fd (352).
pub(crate) fn sys_acl_delete_fd(task: &mut Task, a: fb::AclDeleteFdArgs) -> SysResult {
    fd_node(task, a.filedes)?;
    unsupported()
}

/// __acl_aclcheck_file (353).
pub(crate) fn sys_acl_aclcheck_file(task: &mut Task, a: fb::AclAclcheckFileArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    acl_in(task, a.aclp.addr())?;
    unsupported()
}

/// __acl_aclcheck_fd (354).
pub(crate) fn sys_acl_aclcheck_fd(task: &mut Task, a: fb::AclAclcheckFdArgs) -> SysResult {
    fd_node(task, a.filedes)?;
    acl_in(task, a.aclp.addr())?;
    unsupported()
}

/// The attribute name, copied in before the path is looked up as 4.x's extattr_*_file
/// do (vfs_syscalls.c): a copyin of EXTATTR_MAXNAMELEN bytes whatever the string's
/// length, not a copyinstr, so there is no ENAMETOOLONG and any unreadable byte of the
/// 255 is EFAULT.
fn attrname_in(task: &Task, addr: u64) -> Result<(), i32> {
    let mut name = [0u8; EXTATTR_MAXNAMELEN];
    task.read_bytes(addr, &mut name).map_err(fault)
}

/// extattrctl (355): 4.x's `extattrctl` looks the path up (FOLLOW) and hands cmd,
/// attrname and arg, still in user space, to the file system's VFS_EXTATTRCTL, which
/// is `vfs_stdextattrctl` (EOPNOTSUPP) without UFS_EXTATTR: neither is read.
pub(crate) fn sys_extattrctl(task: &mut Task, a: fb::ExtattrctlArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    unsupported()
}

/// extattr_set_file (356) and extattr_get_file (357): the name, the lookup (FOLLOW),
/// then the iovec array as writev and readv take it (more than UIO_MAXIOV EINVAL, the
/// array copied in, a total past INT_MAX EINVAL), then VOP_SETEXTATTR or
/// VOP_GETEXTATTR: EOPNOTSUPP, with no data read or written.
fn extattr_io(
    task: &Task,
    path: nymph_abi::rt::UserCStr,
    attrname: u64,
    iov: u64,
    count: u32,
) -> SysResult {
    attrname_in(task, attrname)?;
    node_at(task, path, Follow::Yes)?;
    iovec(task, iov, count)?;
    unsupported()
}

pub(crate) fn sys_extattr_set_file(task: &mut Task, a: fb::ExtattrSetFileArgs) -> SysResult {
    extattr_io(task, a.path, a.attrname.addr(), a.iovp.addr(), a.iovcnt)
}

pub(crate) fn sys_extattr_get_file(task: &mut Task, a: fb::ExtattrGetFileArgs) -> SysResult {
    extattr_io(task, a.path, a.attrname.addr(), a.iovp.addr(), a.iovcnt)
}

/// extattr_delete_file (358): the name, the lookup (FOLLOW), then VOP_SETEXTATTR with
/// no data: EOPNOTSUPP.
pub(crate) fn sys_extattr_delete_file(task: &mut Task, a: fb::ExtattrDeleteFileArgs) -> SysResult {
    attrname_in(task, a.attrname.addr())?;
    node_at(task, a.path, Follow::Yes)?;
    unsupported()
}

/// undelete (205): 4.x's `undelete` (vfs_syscalls.c) looks the name up for DELETE with
/// DOWHITEOUT and removes a whiteout only where the name is one. With no whiteouts a
/// name is either there or missing:
///
/// * a path of slashes only is lookup's degenerate name, EISDIR for any operation but
///   LOOKUP (vfs_lookup.c `lookup`);
/// * the walk gives its errors (ENOENT, ENOTDIR, EACCES for search, ELOOP), and a
///   missing last name ENOENT: ufs_lookup turns a miss into EJUSTRETURN for DELETE only
///   when the name is a whiteout;
/// * a name that is there: ufs_lookup's DELETE checks at the last component, write
///   access to the directory (EROFS, EACCES), then for a sticky directory that the
///   caller owns it or the file, or is root (EPERM; not for "."); then lookup's
///   trailing-slash rule (a symbolic link is followed, a non-directory is ENOTDIR), and
///   undelete's own EEXIST, as the name is no whiteout. Without a trailing slash a
///   final symbolic link is the name itself.
pub(crate) fn sys_undelete(task: &mut Task, a: fb::UndeleteArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    if !path.is_empty() && path.iter().all(|&b| b == b'/') {
        return Err(errno::EISDIR);
    }
    let ctx = task.process.fs();
    let parent = vfs::lookup_parent(&ctx, None, &path).map_err(file_errno)?;
    // The last name alone, from its directory: one step, with the search check.
    let node =
        vfs::lookup(&ctx, Some(&parent.dir), &parent.name, Follow::No).map_err(file_errno)?;
    vfs::check_access(&parent.dir, &ctx.creds, Access::WRITE).map_err(file_errno)?;
    let creds = &ctx.creds;
    if parent.name != b"."
        && parent.dir.mode() & 0o1000 != 0
        && !creds.is_root()
        && creds.euid != parent.dir.owner().0
        && creds.euid != node.owner().0
    {
        return Err(errno::EPERM);
    }
    if parent.trailing_slash {
        vfs::lookup(&ctx, None, &path, Follow::No).map_err(file_errno)?;
    }
    Err(errno::EEXIST)
}
