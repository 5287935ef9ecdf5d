//! Native file-system calls on the core VFS: the *at family, stat, getdents, the
//! working directory, credentials and umask.

use crate::files::{descriptor, file_errno};
use crate::sys::{SysResult, fault};
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_abi::native_v1::{self as v1, errno, neutral};
use nymph_abi::native_v2 as v2;
use nymph_abi::rt::UserCStr;
use nymph_kernel::file::{FileKind, OpenFile, Whence};
use nymph_kernel::process::uaccess::UserFault;
use nymph_kernel::process::{Task, calls};
use nymph_kernel::vfs::{self, Access, Follow, Inode, NodeType, OpenFlags, Stat};
use zerocopy::{FromBytes, IntoBytes};

/// Reads a path argument (the ABI's bound, NUL included).
fn path_arg(task: &Task, p: UserCStr) -> Result<Vec<u8>, i32> {
    task.read_cstr(p.addr(), p.max() as usize)
        .map_err(|e| match e {
            UserFault::StringTooLong => errno::ENAMETOOLONG,
            UserFault::BadAddress(_) => errno::EFAULT,
        })
}

/// The directory a relative path starts from: the working directory for AT_FDCWD,
/// else the directory open on `dirfd`. Absolute paths ignore it.
fn dir_arg(task: &Task, dirfd: i32, path: &[u8]) -> Result<Option<Arc<Inode>>, i32> {
    if dirfd == v1::consts::AT_FDCWD || path.first() == Some(&b'/') {
        return Ok(None);
    }
    let file = task.process.file(descriptor(dirfd)?).map_err(file_errno)?;
    match file.node() {
        Some(node) if node.is_dir() => Ok(Some(node.clone())),
        _ => Err(errno::ENOTDIR),
    }
}

fn file_arg(task: &Task, fd: i32) -> Result<Arc<OpenFile>, i32> {
    task.process.file(descriptor(fd)?).map_err(file_errno)
}

pub(crate) fn sys_openat(task: &mut Task, a: v1::OpenatArgs) -> SysResult {
    open(task, a.dirfd, a.path, a.flags, a.mode)
}

/// v2: openat with flags and mode in an extensible `struct open_how`.
pub(crate) fn sys_openat2(task: &mut Task, a: v2::Openat2Args) -> SysResult {
    let how: v2::open_how = read_extensible(
        task,
        a.how.addr(),
        v2::open_how::SIZE_FIELD_OFFSET,
        v2::open_how::MIN_SIZE,
    )?;
    // The flag bits are v1's (the diff proves open_flags unchanged).
    let flags = v1::open_flags::from_bits_retain(how.how_flags);
    let mode = u32::try_from(how.how_mode).map_err(|_| errno::EINVAL)?;
    open(task, a.dirfd, a.path, flags, mode)
}

/// The most bytes an extensible struct may claim (its tail is checked byte by byte).
const EXTENSIBLE_MAX: usize = 4096;

/// Reads a caller's extensible input struct under the rule of the spec's `versioning`:
/// the caller's size (a u32 at `size_offset`) below `min_size` is EINVAL; bytes past
/// ours must be zero (else E2BIG); a smaller struct is zero-extended.
pub(crate) fn read_extensible<T: FromBytes + IntoBytes>(
    task: &Task,
    addr: u64,
    size_offset: usize,
    min_size: usize,
) -> Result<T, i32> {
    let size: u32 = task.read_val(addr + size_offset as u64).map_err(fault)?;
    let size = size as usize;
    let ours = core::mem::size_of::<T>();
    if size < min_size {
        return Err(errno::EINVAL);
    }
    if size > EXTENSIBLE_MAX {
        return Err(errno::E2BIG);
    }
    if size > ours {
        let mut tail = alloc::vec![0u8; size - ours];
        task.read_bytes(addr + ours as u64, &mut tail)
            .map_err(fault)?;
        if tail.iter().any(|&b| b != 0) {
            return Err(errno::E2BIG);
        }
    }
    let mut value = T::new_zeroed();
    let known = size.min(ours);
    task.read_bytes(addr, &mut value.as_mut_bytes()[..known])
        .map_err(fault)?;
    Ok(value)
}

fn open(
    task: &mut Task,
    dirfd: i32,
    path: UserCStr,
    oflags: v1::open_flags,
    mode: u32,
) -> SysResult {
    use v1::open_flags as o;
    if oflags.bits() & !o::all().bits() != 0 {
        return Err(errno::EINVAL);
    }
    let path = path_arg(task, path)?;
    let at = dir_arg(task, dirfd, &path)?;
    let (read, write) = match oflags.bits() & o::O_ACCMODE.bits() {
        0 => (true, false),
        1 => (false, true),
        2 => (true, true),
        _ => return Err(errno::EINVAL),
    };
    let flags = OpenFlags {
        read,
        write,
        create: oflags.contains(o::O_CREAT),
        exclusive: oflags.contains(o::O_EXCL),
        truncate: oflags.contains(o::O_TRUNC),
        append: oflags.contains(o::O_APPEND),
        nonblock: oflags.contains(o::O_NONBLOCK),
        directory: oflags.contains(o::O_DIRECTORY),
        no_follow: oflags.contains(o::O_NOFOLLOW),
    };
    let ctx = task.process.fs();
    let file = vfs::open(&ctx, at.as_ref(), &path, flags, mode).map_err(file_errno)?;
    let cloexec = oflags.contains(o::O_CLOEXEC);
    let fd = task
        .process
        .with_files(|t| t.install(file, cloexec, 0))
        .map_err(file_errno)?;
    Ok(fd as u64)
}

fn type_bits(kind: NodeType) -> u32 {
    match kind {
        NodeType::Regular => v1::consts::S_IFREG,
        NodeType::Directory => v1::consts::S_IFDIR,
        NodeType::Symlink => v1::consts::S_IFLNK,
        NodeType::Fifo => v1::consts::S_IFIFO,
        NodeType::CharDevice => v1::consts::S_IFCHR,
        NodeType::Socket => v1::consts::S_IFSOCK,
    }
}

fn timespec(t: vfs::Timestamp) -> neutral::Timespec {
    neutral::Timespec {
        sec: t.seconds,
        nsec: i64::from(t.nanoseconds),
    }
}

/// Which version's `struct stat` a caller passes.
#[derive(Clone, Copy)]
enum StatLayout {
    V1,
    V2,
}

/// Writes `st` as the caller's extensible `struct stat` of `layout`.
fn write_stat(task: &Task, addr: u64, st: &Stat, layout: StatLayout) -> Result<(), i32> {
    let n = neutral_stat(st);
    match layout {
        StatLayout::V1 => {
            let mut out = v1::stat::from_neutral(&n, &crate::convert::NATIVE)
                .map_err(|_| errno::EOVERFLOW)?;
            out.st_struct_size = core::mem::size_of::<v1::stat>() as u32;
            write_extensible(task, addr, out.as_bytes())
        }
        StatLayout::V2 => {
            let mut out = v2::stat::from_neutral(&n, &crate::convert::NATIVE)
                .map_err(|_| errno::EOVERFLOW)?;
            out.st_struct_size = core::mem::size_of::<v2::stat>() as u32;
            write_extensible(task, addr, out.as_bytes())
        }
    }
}

/// Writes an extensible output struct whose size field (a u32 at offset 0) the caller
/// set: a caller's struct smaller than ours is EINVAL (stat has no smaller version).
fn write_extensible(task: &Task, addr: u64, bytes: &[u8]) -> Result<(), i32> {
    let size: u32 = task.read_val(addr).map_err(fault)?;
    if (size as usize) < bytes.len() {
        return Err(errno::EINVAL);
    }
    task.write_bytes(addr, bytes).map_err(fault)
}

/// The neutral stat record (shared by v1 and v2: the generator re-exports it).
fn neutral_stat(st: &Stat) -> neutral::Stat {
    neutral::Stat {
        atime: timespec(st.atime),
        blksize: i64::from(st.block_size),
        blocks: st.blocks as i64,
        btime: timespec(st.ctime),
        ctime: timespec(st.ctime),
        dev: st.device,
        flags: 0,
        gen_: 0,
        gid: u64::from(st.gid),
        ino: st.inode,
        mode: u64::from(type_bits(st.kind) | st.mode),
        mtime: timespec(st.mtime),
        nlink: u64::from(st.links),
        rdev: st.rdev,
        size: st.size as i64,
        uid: u64::from(st.uid),
    }
}

pub(crate) fn sys_fstat(task: &mut Task, a: v1::FstatArgs) -> SysResult {
    fstat(task, a.fd, a.buf.addr(), StatLayout::V1)
}

pub(crate) fn sys_fstat_v2(task: &mut Task, a: v2::FstatArgs) -> SysResult {
    fstat(task, a.fd, a.buf.addr(), StatLayout::V2)
}

fn fstat(task: &Task, fd: i32, buf: u64, layout: StatLayout) -> SysResult {
    let file = file_arg(task, fd)?;
    write_stat(task, buf, &calls::stat_file(&file), layout)?;
    Ok(0)
}

pub(crate) fn sys_fstatat(task: &mut Task, a: v1::FstatatArgs) -> SysResult {
    fstatat(task, a.dirfd, a.path, a.flags, a.buf.addr(), StatLayout::V1)
}

pub(crate) fn sys_fstatat_v2(task: &mut Task, a: v2::FstatatArgs) -> SysResult {
    // at_flags is unchanged in v2: its bits are v1's.
    let flags = v1::at_flags::from_bits_retain(a.flags.bits());
    fstatat(task, a.dirfd, a.path, flags, a.buf.addr(), StatLayout::V2)
}

fn fstatat(
    task: &Task,
    dirfd: i32,
    path: UserCStr,
    flags: v1::at_flags,
    buf: u64,
    layout: StatLayout,
) -> SysResult {
    if !(v1::at_flags::AT_SYMLINK_NOFOLLOW | v1::at_flags::AT_EMPTY_PATH).contains(flags) {
        return Err(errno::EINVAL);
    }
    let path = path_arg(task, path)?;
    let st = if path.is_empty() && flags.contains(v1::at_flags::AT_EMPTY_PATH) {
        calls::stat_file(&*file_arg(task, dirfd)?)
    } else {
        let at = dir_arg(task, dirfd, &path)?;
        let follow = if flags.contains(v1::at_flags::AT_SYMLINK_NOFOLLOW) {
            Follow::No
        } else {
            Follow::Yes
        };
        vfs::stat(&task.process.fs(), at.as_ref(), &path, follow).map_err(file_errno)?
    };
    write_stat(task, buf, &st, layout)?;
    Ok(0)
}

pub(crate) fn sys_lseek(task: &mut Task, a: v1::LseekArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    let whence = match a.whence {
        v1::whence::SEEK_SET => Whence::Start,
        v1::whence::SEEK_CUR => Whence::Current,
        v1::whence::SEEK_END => Whence::End,
    };
    file.seek(a.offset, whence).map_err(file_errno)
}

pub(crate) fn sys_pread(task: &mut Task, a: v1::PreadArgs) -> SysResult {
    let offset = u64::try_from(a.offset).map_err(|_| errno::EINVAL)?;
    calls::pread(task, a.fd.into(), a.buf.addr(), a.count, offset).map_err(file_errno)
}

pub(crate) fn sys_pwrite(task: &mut Task, a: v1::PwriteArgs) -> SysResult {
    let offset = u64::try_from(a.offset).map_err(|_| errno::EINVAL)?;
    calls::pwrite(task, a.fd.into(), a.buf.addr(), a.count, offset).map_err(file_errno)
}

/// Bytes of one dirent record for a name of `len` bytes.
fn dirent_len(len: usize) -> usize {
    24 + (len + 1).next_multiple_of(8)
}

pub(crate) fn sys_getdents(task: &mut Task, a: v1::GetdentsArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    if !file.readable {
        return Err(errno::EBADF);
    }
    let node = match (file.kind(), file.node()) {
        (FileKind::Directory, Some(node)) => node.clone(),
        _ => return Err(errno::ENOTDIR),
    };
    let room = usize::try_from(a.count)
        .unwrap_or(usize::MAX)
        .min(64 * 1024);
    let ctx = task.process.fs();
    // At least one entry, so a buffer too small for it is EINVAL rather than an early 0
    // (the end).
    let max = (room / dirent_len(1)).max(1);
    let entries = vfs::read_dir(&ctx, &node, file.offset(), max).map_err(file_errno)?;
    let mut out = Vec::new();
    let mut next = file.offset();
    for e in &entries {
        let len = dirent_len(e.name.len());
        if out.len() + len > room {
            break;
        }
        let mut record = alloc::vec![0u8; len];
        record[..8].copy_from_slice(&e.inode.to_le_bytes());
        record[8..16].copy_from_slice(&e.next_cookie.to_le_bytes());
        record[16..18].copy_from_slice(&(len as u16).to_le_bytes());
        record[18] = dtype(e.kind);
        record[19] = e.name.len() as u8;
        record[24..24 + e.name.len()].copy_from_slice(&e.name);
        out.extend_from_slice(&record);
        next = e.next_cookie;
    }
    if out.is_empty() && !entries.is_empty() {
        return Err(errno::EINVAL);
    }
    task.write_bytes(a.buf.addr(), &out).map_err(fault)?;
    file.set_offset(next);
    Ok(out.len() as u64)
}

fn dtype(kind: NodeType) -> u8 {
    crate::convert::dtype(kind) as u8
}

pub(crate) fn sys_chdir(task: &mut Task, a: v1::ChdirArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let node = vfs::lookup(&task.process.fs(), None, &path, Follow::Yes).map_err(file_errno)?;
    task.process
        .with_fs(|ctx| vfs::set_cwd(ctx, node))
        .map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_fchdir(task: &mut Task, a: v1::FchdirArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    let node = file.node().cloned().ok_or(errno::ENOTDIR)?;
    task.process
        .with_fs(|ctx| vfs::set_cwd(ctx, node))
        .map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_getcwd(task: &mut Task, a: v1::GetcwdArgs) -> SysResult {
    let mut path = vfs::getcwd(&task.process.fs()).map_err(file_errno)?;
    path.push(0);
    if (a.size as usize) < path.len() {
        return Err(errno::ERANGE);
    }
    task.write_bytes(a.buf.addr(), &path).map_err(fault)?;
    Ok(path.len() as u64)
}

pub(crate) fn sys_mkdirat(task: &mut Task, a: v1::MkdiratArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let at = dir_arg(task, a.dirfd, &path)?;
    vfs::mkdir(&task.process.fs(), at.as_ref(), &path, a.mode).map_err(file_errno)?;
    Ok(0)
}

/// Only FIFOs for now: device nodes need device numbers, which native v1 does not take.
pub(crate) fn sys_mknodat(task: &mut Task, a: v1::MknodatArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let at = dir_arg(task, a.dirfd, &path)?;
    match a.mode & v1::consts::S_IFMT {
        v1::consts::S_IFIFO => {}
        v1::consts::S_IFCHR | v1::consts::S_IFBLK => return Err(errno::EPERM),
        _ => return Err(errno::EINVAL),
    }
    vfs::mknod(
        &task.process.fs(),
        at.as_ref(),
        &path,
        a.mode & 0o7777,
        vfs::Special::Fifo,
    )
    .map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_unlinkat(task: &mut Task, a: v1::UnlinkatArgs) -> SysResult {
    if !v1::at_flags::AT_REMOVEDIR.contains(a.flags) {
        return Err(errno::EINVAL);
    }
    let path = path_arg(task, a.path)?;
    let at = dir_arg(task, a.dirfd, &path)?;
    let ctx = task.process.fs();
    if a.flags.contains(v1::at_flags::AT_REMOVEDIR) {
        vfs::rmdir(&ctx, at.as_ref(), &path)
    } else {
        vfs::unlink(&ctx, at.as_ref(), &path)
    }
    .map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_renameat(task: &mut Task, a: v1::RenameatArgs) -> SysResult {
    let old = path_arg(task, a.oldpath)?;
    let new = path_arg(task, a.newpath)?;
    let old_at = dir_arg(task, a.olddirfd, &old)?;
    let new_at = dir_arg(task, a.newdirfd, &new)?;
    vfs::rename(
        &task.process.fs(),
        old_at.as_ref(),
        &old,
        new_at.as_ref(),
        &new,
    )
    .map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_linkat(task: &mut Task, a: v1::LinkatArgs) -> SysResult {
    if !v1::at_flags::AT_SYMLINK_FOLLOW.contains(a.flags) {
        return Err(errno::EINVAL);
    }
    let old = path_arg(task, a.oldpath)?;
    let new = path_arg(task, a.newpath)?;
    let old_at = dir_arg(task, a.olddirfd, &old)?;
    let new_at = dir_arg(task, a.newdirfd, &new)?;
    let follow = if a.flags.contains(v1::at_flags::AT_SYMLINK_FOLLOW) {
        Follow::Yes
    } else {
        Follow::No
    };
    let ctx = task.process.fs();
    vfs::link(&ctx, old_at.as_ref(), &old, follow, new_at.as_ref(), &new).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_symlinkat(task: &mut Task, a: v1::SymlinkatArgs) -> SysResult {
    let target = path_arg(task, a.target)?;
    let path = path_arg(task, a.linkpath)?;
    let at = dir_arg(task, a.newdirfd, &path)?;
    vfs::symlink(&task.process.fs(), &target, at.as_ref(), &path).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_readlinkat(task: &mut Task, a: v1::ReadlinkatArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let at = dir_arg(task, a.dirfd, &path)?;
    let target = vfs::readlink(&task.process.fs(), at.as_ref(), &path).map_err(file_errno)?;
    let n = target.len().min(a.size as usize);
    task.write_bytes(a.buf.addr(), &target[..n])
        .map_err(fault)?;
    Ok(n as u64)
}

pub(crate) fn sys_faccessat(task: &mut Task, a: v1::FaccessatArgs) -> SysResult {
    if !v1::at_flags::AT_SYMLINK_NOFOLLOW.contains(a.flags)
        || a.mode.bits() & !v1::access_mode::all().bits() != 0
    {
        return Err(errno::EINVAL);
    }
    let path = path_arg(task, a.path)?;
    let at = dir_arg(task, a.dirfd, &path)?;
    let want = Access {
        read: a.mode.contains(v1::access_mode::R_OK),
        write: a.mode.contains(v1::access_mode::W_OK),
        execute: a.mode.contains(v1::access_mode::X_OK),
    };
    let follow = if a.flags.contains(v1::at_flags::AT_SYMLINK_NOFOLLOW) {
        Follow::No
    } else {
        Follow::Yes
    };
    vfs::access(&task.process.fs(), at.as_ref(), &path, want, follow).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_umask(task: &mut Task, a: v1::UmaskArgs) -> SysResult {
    let old = task
        .process
        .with_fs(|ctx| core::mem::replace(&mut ctx.umask, a.mask & 0o777));
    Ok(u64::from(old))
}

pub(crate) fn sys_ftruncate(task: &mut Task, a: v1::FtruncateArgs) -> SysResult {
    let size = u64::try_from(a.length).map_err(|_| errno::EINVAL)?;
    calls::ftruncate(task, a.fd.into(), size).map_err(file_errno)?;
    Ok(0)
}

/// tmpfs keeps everything in memory: there is nothing to write back, so fsync only
/// checks the descriptor.
pub(crate) fn sys_fsync(task: &mut Task, a: v1::FsyncArgs) -> SysResult {
    file_arg(task, a.fd)?;
    Ok(0)
}

pub(crate) fn sys_getuid(task: &mut Task, _a: v1::GetuidArgs) -> SysResult {
    Ok(u64::from(task.process.fs().creds.uid))
}

pub(crate) fn sys_geteuid(task: &mut Task, _a: v1::GeteuidArgs) -> SysResult {
    Ok(u64::from(task.process.fs().creds.euid))
}

pub(crate) fn sys_getgid(task: &mut Task, _a: v1::GetgidArgs) -> SysResult {
    Ok(u64::from(task.process.fs().creds.gid))
}

pub(crate) fn sys_getegid(task: &mut Task, _a: v1::GetegidArgs) -> SysResult {
    Ok(u64::from(task.process.fs().creds.egid))
}

pub(crate) fn sys_setuid(task: &mut Task, a: v1::SetuidArgs) -> SysResult {
    calls::set_uid(task, a.uid).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_setgid(task: &mut Task, a: v1::SetgidArgs) -> SysResult {
    calls::set_gid(task, a.gid).map_err(file_errno)?;
    Ok(0)
}

/// The node a *at call with AT_EMPTY_PATH / AT_SYMLINK_NOFOLLOW acts on.
fn node_arg(task: &Task, dirfd: i32, path: &[u8], flags: v1::at_flags) -> Result<Arc<Inode>, i32> {
    if path.is_empty() {
        if !flags.contains(v1::at_flags::AT_EMPTY_PATH) {
            return Err(errno::ENOENT);
        }
        let file = file_arg(task, dirfd)?;
        return file.node().cloned().ok_or(errno::EINVAL);
    }
    let at = dir_arg(task, dirfd, path)?;
    let follow = if flags.contains(v1::at_flags::AT_SYMLINK_NOFOLLOW) {
        Follow::No
    } else {
        Follow::Yes
    };
    vfs::lookup(&task.process.fs(), at.as_ref(), path, follow).map_err(file_errno)
}

fn check_at_flags(flags: v1::at_flags) -> Result<(), i32> {
    let allowed = v1::at_flags::AT_EMPTY_PATH | v1::at_flags::AT_SYMLINK_NOFOLLOW;
    if allowed.contains(flags) {
        Ok(())
    } else {
        Err(errno::EINVAL)
    }
}

pub(crate) fn sys_fchmodat(task: &mut Task, a: v1::FchmodatArgs) -> SysResult {
    check_at_flags(a.flags)?;
    let path = path_arg(task, a.path)?;
    let node = node_arg(task, a.dirfd, &path, a.flags)?;
    vfs::chmod(&task.process.fs(), &node, a.mode).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_fchownat(task: &mut Task, a: v1::FchownatArgs) -> SysResult {
    check_at_flags(a.flags)?;
    let path = path_arg(task, a.path)?;
    let node = node_arg(task, a.dirfd, &path, a.flags)?;
    let keep = |id: u32| (id != u32::MAX).then_some(id);
    vfs::chown(&task.process.fs(), &node, keep(a.uid), keep(a.gid)).map_err(file_errno)?;
    Ok(0)
}

fn time_set(t: &v1::timespec) -> Result<vfs::TimeSet, i32> {
    match t.tv_nsec {
        n if n == i64::from(v1::consts::UTIME_NOW) => Ok(vfs::TimeSet::Now),
        n if n == i64::from(v1::consts::UTIME_OMIT) => Ok(vfs::TimeSet::Omit),
        n if (0..1_000_000_000).contains(&n) && t.tv_sec >= 0 => {
            Ok(vfs::TimeSet::At(vfs::Timestamp {
                seconds: t.tv_sec,
                nanoseconds: n as u32,
            }))
        }
        _ => Err(errno::EINVAL),
    }
}

pub(crate) fn sys_utimensat(task: &mut Task, a: v1::UtimensatArgs) -> SysResult {
    check_at_flags(a.flags)?;
    let (atime, mtime) = if a.times.is_null() {
        (vfs::TimeSet::Now, vfs::TimeSet::Now)
    } else {
        let times: v1::utimens_times = task.read_val(a.times.addr()).map_err(fault)?;
        (time_set(&times.atime)?, time_set(&times.mtime)?)
    };
    let path = path_arg(task, a.path)?;
    let node = node_arg(task, a.dirfd, &path, a.flags)?;
    vfs::utimes(&task.process.fs(), &node, atime, mtime).map_err(file_errno)?;
    Ok(0)
}

pub(crate) fn sys_chroot(task: &mut Task, a: v1::ChrootArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let ctx = task.process.fs();
    if !ctx.creds.is_root() {
        return Err(errno::EPERM);
    }
    let node = vfs::lookup(&ctx, None, &path, Follow::Yes).map_err(file_errno)?;
    task.process
        .with_fs(|ctx| vfs::chroot_to(ctx, node))
        .map_err(file_errno)?;
    Ok(0)
}
