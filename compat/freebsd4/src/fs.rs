//! 4.x file-system calls on the core VFS: paths, stat (the 96-byte `struct stat`),
//! getdirentries (4.x `struct dirent`), statfs, credentials.
//!
//! A 4.x process sees the tree through `/compat/freebsd4` first: an absolute path that
//! exists under that prefix names the file there (so `/etc/...` or `/usr/lib/...` of a
//! 4.x userland can sit beside the native one); otherwise it names the file itself,
//! or, when no file has that name, the name under the prefix if its directory is there.
//! A path naming the prefix's own directory ("/", "//.") names the real root. Under
//! /proc, while the 4.x procfs is mounted at the prefix's /proc, that view is all
//! there is: 4.x has one /proc.

use crate::convert::{FREEBSD4, type_bits};
use crate::fb::{self, errno, neutral};
use crate::files::file_errno;
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use crate::ufsdir::record_len;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use nymph_abi::rt::{Out, UserCStr, UserPtr};
use nymph_kernel::file::pipe::Pipe;
use nymph_kernel::file::socket::{Domain, Socket, SocketType};
use nymph_kernel::file::{FileKind, OpenFile, Whence};
use nymph_kernel::process::Task;
use nymph_kernel::process::calls;
use nymph_kernel::process::creds::IdKind;
use nymph_kernel::process::uaccess::UserFault;
use nymph_kernel::sync::Mutex;
use nymph_kernel::vfs::{self, Access, Follow, FsContext, Inode, NodeType, OpenFlags, Stat};
use zerocopy::{FromZeros, IntoBytes};

/// Where a 4.x userland installed beside the native one lives.
pub(crate) const COMPAT_PREFIX: &[u8] = b"/compat/freebsd4";

/// 4.x's MAXPATHLEN (sys/syslimits.h PATH_MAX): the longest path, its NUL included.
pub(crate) const MAXPATHLEN: usize = 1024;

/// Reads a path argument (MAXPATHLEN with its NUL) and applies the compat prefix.
pub(crate) fn path_arg(task: &Task, p: UserCStr) -> Result<Vec<u8>, i32> {
    Ok(compat_path(task, raw_path_arg(task, p)?))
}

/// Reads a path argument as the caller wrote it (no compat prefix): EFAULT for a bad
/// address, ENAMETOOLONG past its bound.
pub(crate) fn raw_path_arg(task: &Task, p: UserCStr) -> Result<Vec<u8>, i32> {
    let path = task
        .read_cstr(p.addr(), p.max() as usize)
        .map_err(|e| match e {
            UserFault::StringTooLong => errno::ENAMETOOLONG,
            UserFault::BadAddress(_) => errno::EFAULT,
        })?;
    if task.process.recording() {
        crate::ktrace::namei(&task.process, &path);
    }
    Ok(path)
}

/// `path` under the compat prefix if it is absolute and exists there.
pub(crate) fn compat_path(task: &Task, path: Vec<u8>) -> Vec<u8> {
    compat_path_in(&task.process.fs(), path)
}

/// [`compat_path`] as seen from `ctx`.
pub(crate) fn compat_path_in(ctx: &FsContext, path: Vec<u8>) -> Vec<u8> {
    if path.first() != Some(&b'/') {
        return path;
    }
    let path = without_root_climbs(path);
    let mut prefixed = COMPAT_PREFIX.to_vec();
    prefixed.extend_from_slice(&path);
    let Ok(found) = vfs::lookup(ctx, None, &prefixed, Follow::No) else {
        if crate::procfs::within_view(ctx, &prefixed) {
            return prefixed;
        }
        return new_name_path(ctx, path, prefixed);
    };
    // The prefix's own directory is never the answer, as in BSD's emulation lookup:
    // "/" stays the real root, so "cd /; ls" and a walk up with ".." agree (a ".."
    // climbing out of the prefix, "/etc/../..", reaches the root: the process's
    // emulation root). Only a directory can be it: files (most lookups) skip the
    // second walk.
    if found.is_dir() && is_prefix_top(ctx, &found) {
        path
    } else {
        prefixed
    }
}

/// Whether `node` is the prefix's own directory, which stands for the real root.
fn is_prefix_top(ctx: &FsContext, node: &Arc<Inode>) -> bool {
    vfs::lookup(ctx, None, COMPAT_PREFIX, Follow::No).is_ok_and(|top| Arc::ptr_eq(&top, node))
}

/// An absolute `path` the prefix's tree does not have: the file itself if it exists;
/// otherwise, when its parent directory is in the prefix's tree (and is not the
/// prefix's own directory, which stands for the real root), the name there. So a new
/// file is made where the 4.x process then finds it and its siblings: syslogd's
/// /var/run/log, a daemon's /var/run/NAME.pid, pwd_mkdb's /etc/pwd.db.tmp (4.x has
/// one tree; its linux_emul_find makes a new name in the emulation tree the same way).
fn new_name_path(ctx: &FsContext, path: Vec<u8>, prefixed: Vec<u8>) -> Vec<u8> {
    if vfs::lookup(ctx, None, &path, Follow::No).is_ok() {
        return path;
    }
    let trimmed = prefixed.len() - prefixed.iter().rev().take_while(|&&b| b == b'/').count();
    let Some(slash) = prefixed[..trimmed].iter().rposition(|&b| b == b'/') else {
        return path;
    };
    let parent = &prefixed[..slash];
    match vfs::lookup(ctx, None, parent, Follow::Yes) {
        Ok(dir) if dir.is_dir() && !is_prefix_top(ctx, &dir) => prefixed,
        _ => path,
    }
}

/// `path` without the "." and ".." components it starts with, which name the root
/// where they stand (4.x's lookup stays at the root on ".."): "/../etc" is "/etc", so
/// the prefix's etc answers it as it answers "/etc", not the prefix's parent's.
fn without_root_climbs(path: Vec<u8>) -> Vec<u8> {
    let mut rest = &path[..];
    loop {
        let name_at = rest.iter().position(|&b| b != b'/').unwrap_or(rest.len());
        let name = &rest[name_at..];
        let end = name.iter().position(|&b| b == b'/').unwrap_or(name.len());
        if !matches!(&name[..end], b"." | b"..") {
            break;
        }
        rest = &name[end..];
    }
    if rest.len() == path.len() {
        return path;
    }
    let mut out = alloc::vec![b'/'];
    out.extend_from_slice(&rest[rest.iter().position(|&b| b != b'/').unwrap_or(rest.len())..]);
    out
}

fn file_arg(task: &Task, fd: i32) -> Result<Arc<OpenFile>, i32> {
    calls::file(task, fd.into()).map_err(file_errno)
}

fn ok() -> SysResult {
    Ok(Ret::word(0))
}

pub(crate) fn sys_open(task: &mut Task, a: fb::OpenArgs) -> SysResult {
    use fb::open_flags as o;
    let path = path_arg(task, a.path)?;
    let (read, write) = match a.flags.bits() & o::O_ACCMODE.bits() {
        0 => (true, false),
        1 => (false, true),
        2 => (true, true),
        _ => return Err(errno::EINVAL),
    };
    let flags = OpenFlags {
        read,
        write,
        create: a.flags.contains(o::O_CREAT),
        exclusive: a.flags.contains(o::O_EXCL),
        truncate: a.flags.contains(o::O_TRUNC),
        append: a.flags.contains(o::O_APPEND),
        nonblock: a.flags.contains(o::O_NONBLOCK),
        directory: false,
        no_follow: a.flags.contains(o::O_NOFOLLOW),
    };
    let ctx = task.process.fs();
    // ALLPERMS less S_ISTXT: a new file is never sticky (4.x's open).
    let mode = (a.mode as u32) & 0o6777;
    let file = vfs::open(&ctx, None, &path, flags, mode).map_err(|e| match e {
        // 4.x's O_NOFOLLOW on a symbolic link is EMLINK (`vn_open`), not ELOOP.
        nymph_kernel::error::Error::Loop
            if flags.no_follow
                && vfs::lookup(&ctx, None, &path, Follow::No)
                    .is_ok_and(|n| n.kind() == vfs::NodeType::Symlink) =>
        {
            errno::EMLINK
        }
        e => file_errno(e),
    })?;
    install_opened(task, file, a.flags)
}

/// The descriptor for a file open(2) or fhopen(2) just opened with `flags`; O_SHLOCK
/// and O_EXLOCK take a flock lock as part of the open (waiting unless O_NONBLOCK), and
/// when that fails the descriptor goes again (a device or FIFO refuses: EOPNOTSUPP).
pub(crate) fn install_opened(
    task: &mut Task,
    file: Arc<OpenFile>,
    flags: fb::open_flags,
) -> SysResult {
    use fb::open_flags as o;
    let lock = if flags.contains(o::O_EXLOCK) {
        Some(vfs::lock::LockKind::Exclusive)
    } else if flags.contains(o::O_SHLOCK) {
        Some(vfs::lock::LockKind::Shared)
    } else {
        None
    };
    let refused = lock.is_some() && refuses_locks(&file);
    let fd = task
        .process
        .with_files(|t| t.install(file, false, 0))
        .map_err(file_errno)?;
    if refused {
        let _ = calls::close(task, fd as i64);
        return Err(errno::EOPNOTSUPP);
    }
    if lock.is_some()
        && let Err(e) = calls::flock(task, fd as i64, lock, flags.contains(o::O_NONBLOCK))
    {
        let _ = calls::close(task, fd as i64);
        return Err(file_errno(e));
    }
    Ok(Ret::word(fd as u64))
}

/// The ABI-neutral values of `st` that 4.x's `vn_stat` puts in a `struct stat` (no
/// file flags or generation numbers here).
fn neutral_stat(st: &Stat) -> neutral::Stat {
    let ts = |t: vfs::Timestamp| neutral::Timespec {
        sec: t.seconds,
        nsec: i64::from(t.nanoseconds),
    };
    neutral::Stat {
        atime: ts(st.atime),
        blksize: i64::from(st.block_size),
        blocks: st.blocks as i64,
        ctime: ts(st.ctime),
        dev: st.device,
        flags: u64::from(st.flags),
        gen_: 0,
        gid: u64::from(st.gid),
        ino: st.inode,
        mode: u64::from(type_bits(st.kind) | st.mode),
        mtime: ts(st.mtime),
        nlink: u64::from(st.links),
        rdev: st.rdev,
        size: st.size as i64,
        uid: u64::from(st.uid),
    }
}

/// Writes `st` as a 4.x `struct stat` (EOVERFLOW for an inode number past 32 bits).
pub(crate) fn write_stat(task: &Task, addr: u64, st: &Stat) -> Result<(), i32> {
    let out = fb::stat::from_neutral(&neutral_stat(st), &FREEBSD4).map_err(|_| errno::EOVERFLOW)?;
    task.write_bytes(addr, out.as_bytes()).map_err(fault)
}

/// How a stat call writes what it found (as `struct stat` or `struct nstat`).
pub(crate) type StatWriter = fn(&Task, u64, &Stat) -> Result<(), i32>;

pub(crate) fn stat_path(
    task: &Task,
    p: UserCStr,
    follow: Follow,
    out: u64,
    write: StatWriter,
) -> SysResult {
    let path = path_arg(task, p)?;
    let node = vfs::lookup(&task.process.fs(), None, &path, follow).map_err(file_errno)?;
    write(task, out, &crate::ufsdir::node_stat(&node))?;
    ok()
}

pub(crate) fn sys_stat(task: &mut Task, a: fb::StatArgs) -> SysResult {
    stat_path(task, a.path, Follow::Yes, a.ub.addr(), write_stat)
}

pub(crate) fn sys_lstat(task: &mut Task, a: fb::LstatArgs) -> SysResult {
    stat_path(task, a.path, Follow::No, a.ub.addr(), write_stat)
}

pub(crate) fn sys_fstat(task: &mut Task, a: fb::FstatArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    write_stat(task, a.sb.addr(), &open_file_stat(&file)?)?;
    ok()
}

/// Writes `st` as a 4.x `struct nstat`: `cvtnstat` (vfs_syscalls.c) copies the
/// `struct stat` that stat/fstat/lstat would return field by field into it, mode and
/// nlink widened to 32 bits, no st_lspare, st_qspare zero as vn_stat left it.
fn write_nstat(task: &Task, addr: u64, st: &Stat) -> Result<(), i32> {
    let out =
        fb::nstat::from_neutral(&neutral_stat(st), &FREEBSD4).map_err(|_| errno::EOVERFLOW)?;
    task.write_bytes(addr, out.as_bytes()).map_err(fault)
}

/// nstat (278): NetBSD's stat in 4.x's table, a lookup that follows a final symbolic
/// link, then `cvtnstat` of what stat gives (4.x vfs_syscalls.c `nstat`).
pub(crate) fn sys_nstat(task: &mut Task, a: fb::NstatArgs) -> SysResult {
    stat_path(task, a.path, Follow::Yes, a.ub.addr(), write_nstat)
}

/// nlstat (280): as nstat, of a final symbolic link itself (4.x `nlstat`).
pub(crate) fn sys_nlstat(task: &mut Task, a: fb::NlstatArgs) -> SysResult {
    stat_path(task, a.path, Follow::No, a.ub.addr(), write_nstat)
}

/// nfstat (279): EBADF, then `cvtnstat` of what fstat gives (4.x kern_descrip.c
/// `nfstat`).
pub(crate) fn sys_nfstat(task: &mut Task, a: fb::NfstatArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    write_nstat(task, a.sb.addr(), &open_file_stat(&file)?)?;
    ok()
}

pub(crate) fn write_statfs(task: &Task, node: &Inode, addr: u64) -> Result<(), i32> {
    let ctx = task.process.fs();
    let mut info = vfs::fs_info(node);
    if let Some(viewed) = as_viewed(&ctx, &info) {
        info = viewed;
    }
    task.write_val(addr, &statfs(&info)).map_err(fault)
}

/// A file system as the caller's 4.x view names it (f_mntonname): one mounted inside
/// the compat tree by the name that reaches it there ("/compat/freebsd4/proc" is the
/// "/proc" a 4.x `df` or `mount` must show, as getcwd names the tree's directories);
/// None for one the tree hides (the native "/proc", which the 4.x procfs covers in
/// this view), so getfsstat lists what the view's names reach, as on a 4.x box.
fn as_viewed(ctx: &FsContext, info: &vfs::FsInfo) -> Option<vfs::FsInfo> {
    let reaches = |name: &[u8], translate: bool| {
        let path = if translate {
            compat_path_in(ctx, name.to_vec())
        } else {
            name.to_vec()
        };
        vfs::lookup(ctx, None, &path, Follow::Yes).is_ok_and(|n| n.stat().device == info.device)
    };
    let on = &info.mount.on;
    if let Some(inside) = on.strip_prefix(COMPAT_PREFIX)
        && inside.first() == Some(&b'/')
        && reaches(inside, true)
    {
        let mut shown = info.clone();
        shown.mount.on = inside.to_vec();
        return Some(shown);
    }
    // Hidden only when the tree is what takes its name (so a chroot's view, which
    // reaches neither, still lists every mount by its recorded name, as 4.x does).
    if !reaches(on, true) && reaches(on, false) {
        return None;
    }
    Some(info.clone())
}

/// The mounted file systems as the 4.x view lists them ([`as_viewed`]): getfsstat's
/// list, and what vfs.generic's reference counts count.
pub(crate) fn viewed_mounts(ctx: &FsContext) -> Vec<vfs::FsInfo> {
    vfs::mounted()
        .iter()
        .filter_map(|info| as_viewed(ctx, info))
        .collect()
}

/// 4.x's `struct statfs` for a file system.
pub(crate) fn statfs(info: &vfs::FsInfo) -> fb::statfs {
    let mut s = fb::statfs::new_zeroed();
    let long = |v: u64| i32::try_from(v).unwrap_or(i32::MAX);
    // 4.x's synthetic file systems hold no data: procfs_statfs (procfs_vfsops.c) says
    // one page-sized block, none free, and maxproc files of which the processes use
    // some; devfs, which 4.x lacks, as the synthetic ones it has (fdesc_statfs, later
    // devfs_statfs): 1K, none free, no files. So `df` shows "procfs 4 4 0 100% /proc"
    // and "devfs 1 1 0 100% /dev", not the root's space again.
    if info.mount.type_name == "procfs" || info.mount.type_name == "devfs" {
        let procfs = info.mount.type_name == "procfs";
        let (size, files, used) = if procfs {
            let maxproc = crate::sysctl::fixed_int(&[1, 6]);
            let used = i32::try_from(nymph_kernel::process::count()).unwrap_or(maxproc);
            (4096, maxproc, used.min(maxproc))
        } else {
            (512, 0, 0)
        };
        s.f_bsize = size;
        s.f_iosize = size;
        s.f_blocks = if procfs { 1 } else { 2 };
        s.f_files = files;
        s.f_ffree = files - used;
    } else {
        let (f, b) = (crate::ufsgeom::FRAGMENT, crate::ufsgeom::BLOCK);
        // The memory file systems in the units of the UFS their files' blocks are
        // counted in (crate::ufsgeom): fragments, and the block as the I/O size.
        let per = (u64::from(info.block_size) / f).max(1);
        s.f_bsize = f as i32;
        s.f_iosize = b as i32;
        s.f_blocks = long(info.blocks * per);
        s.f_bfree = long(info.free_blocks * per);
        s.f_bavail = long(info.free_blocks * per);
        s.f_files = long(info.blocks);
        s.f_ffree = long(info.free_blocks);
    }
    s.f_fsid.val = [info.device as i32, 0];
    // vfs_syscalls.c mount: f_type is the type's vfc_typenum, what vfs.generic reports.
    s.f_type = vfs::fs_type(info.mount.type_name).map_or(0, |t| t.number as i32);
    s.f_owner = info.mount.owner;
    let copy = |dst: &mut [u8], src: &[u8]| {
        let n = src.len().min(dst.len() - 1);
        dst[..n].copy_from_slice(&src[..n]);
    };
    copy(&mut s.f_fstypename, info.mount.type_name.as_bytes());
    copy(&mut s.f_mntonname, &info.mount.on);
    copy(&mut s.f_mntfromname, info.mount.type_name.as_bytes());
    // MNT_LOCAL: every file system here is local; then the options it was mounted with.
    s.f_flags = (fb::consts::MNT_LOCAL | crate::mount::flags_to_abi(info.mount.flags)) as i32;
    s
}

/// getfsstat: the statfs of every mounted file system, as many as fit in `bufsize`
/// bytes, and how many were written; with no buffer, how many are mounted. 4.x
/// accepts any `flags` (MNT_WAIT or MNT_NOWAIT only choose whether to refresh).
pub(crate) fn sys_getfsstat(task: &mut Task, a: fb::GetfsstatArgs) -> SysResult {
    let all = viewed_mounts(&task.process.fs());
    if a.buf.addr() == 0 {
        return Ok(Ret::word(all.len() as u64));
    }
    let size = core::mem::size_of::<fb::statfs>();
    let room = usize::try_from(a.buf.len()).unwrap_or(0) / size;
    let mut at = a.buf.addr();
    for info in all.iter().take(room) {
        task.write_val(at, &statfs(info)).map_err(fault)?;
        at += size as u64;
    }
    Ok(Ret::word(all.len().min(room) as u64))
}

/// What fstat reports of an open file; EBADF for a revoked device (4.x dead_vnops.c:
/// a dead vnode's getattr is vop_ebadf).
pub(crate) fn open_file_stat(file: &OpenFile) -> Result<Stat, i32> {
    if file.ops().revoked() {
        return Err(errno::EBADF);
    }
    if let Some(node) = vnode_of(file) {
        return Ok(crate::ufsdir::node_stat(&node));
    }
    match file.kind() {
        FileKind::PipeRead | FileKind::PipeWrite => {
            if let Some((pipe, reading)) = file.ops().pipe() {
                return Ok(pipe_stat(pipe, reading));
            }
        }
        FileKind::Socket => {
            if let Some(socket) = file.socket() {
                return Ok(socket_stat(file, socket));
            }
        }
        FileKind::EventQueue => {
            if let Some(queue) = file.event_queue() {
                return Ok(kqueue_stat(queue.pending_count()));
            }
        }
        _ => {}
    }
    Ok(calls::stat_file(file))
}

/// The node a file is open on, as 4.x's f_data vnode: the console the kernel opened
/// for init (by no path) is /dev/console's, as 4.x's init opens it by name; so its
/// fstat matches that node, which ttyname's scan of /dev looks for.
pub(crate) fn vnode_of(file: &OpenFile) -> Option<Arc<Inode>> {
    match file.node() {
        Some(node) => Some(node.clone()),
        None if file.kind() == FileKind::Console => {
            vfs::lookup(&FsContext::initial(), None, b"/dev/console", Follow::Yes).ok()
        }
        None => None,
    }
}

/// A struct stat as 4.x's pipe_stat, soo_stat and kqueue_stat start it (bzero):
/// every field 0 but the type.
fn zeroed_stat(kind: NodeType) -> Stat {
    let zero = vfs::Timestamp {
        seconds: 0,
        nanoseconds: 0,
    };
    Stat {
        device: 0,
        inode: 0,
        kind,
        mode: 0,
        links: 0,
        uid: 0,
        gid: 0,
        rdev: 0,
        size: 0,
        blocks: 0,
        block_size: 0,
        atime: zero,
        mtime: zero,
        ctime: zero,
        flags: 0,
    }
}

/// An event queue as 4.x's kqueue_stat fills struct stat: S_IFIFO with no permission
/// bits, st_size the events waiting, st_blksize sizeof(struct kevent); the rest 0.
fn kqueue_stat(pending: usize) -> Stat {
    Stat {
        size: pending as u64,
        block_size: core::mem::size_of::<fb::kevent>() as u32,
        ..zeroed_stat(NodeType::Fifo)
    }
}

/// 4.x's `PIPE_SIZE`: a pipe end's buffer until a big write grows it.
const PIPE_SIZE: usize = 16384;

/// A pipe end as 4.x's pipe_stat fills struct stat: S_IFIFO with no permission bits,
/// the end's buffer size as st_blksize (stdio's buffer for it), the bytes waiting in
/// it as st_size and st_blocks = ceil(size / blksize); ids, links and device 0. 4.x's
/// pipes are two-way, each end reading from its own buffer: here data flows one way,
/// so the write end's is an empty PIPE_SIZE one. The times are now, as for any file
/// without a node ([`calls::stat_file`]).
fn pipe_stat(pipe: &Pipe, reading: bool) -> Stat {
    let (size, block_size) = if reading {
        (pipe.queued(), pipe.buffer_size())
    } else {
        (0, PIPE_SIZE)
    };
    let now = vfs::Timestamp::now();
    Stat {
        size: size as u64,
        blocks: size.div_ceil(block_size) as u64,
        block_size: block_size as u32,
        atime: now,
        mtime: now,
        ctime: now,
        ..zeroed_stat(NodeType::Fifo)
    }
}

/// 4.x's NOUDEV, a Unix-domain socket's st_dev.
const NOUDEV: u64 = 0xffff_ffff;

/// A socket as 4.x's soo_stat and the protocol's pru_sense fill struct stat:
/// S_IFSOCK, readable by all while it can receive or holds bytes, writable by all
/// while it can send; st_size the bytes waiting; the creator's effective ids
/// (so_cred); st_blksize the send buffer's size (a connected Unix stream's plus what
/// its peer has not read, uipc_sense); times, links and blocks 0. A Unix-domain
/// socket's st_dev is NOUDEV and its st_ino [`unp_ino`]'s.
fn socket_stat(file: &OpenFile, socket: &Socket) -> Stat {
    let (cannot_receive, cannot_send) = socket.shut_states();
    let queued = if socket.is_listening() {
        0
    } else {
        file.ops().readable_bytes().unwrap_or(0)
    };
    let mut mode = 0;
    if !cannot_receive || queued != 0 {
        mode |= 0o444;
    }
    if !cannot_send {
        mode |= 0o222;
    }
    let local = socket.domain() == Domain::Local;
    let mut block_size = socket.buffer_sizes().0;
    if local && socket.socket_type() == SocketType::Stream {
        block_size += socket.sent_unread();
    }
    let (uid, gid) = socket.creator();
    Stat {
        device: if local { NOUDEV } else { 0 },
        inode: if local { u64::from(unp_ino(socket)) } else { 0 },
        mode,
        uid,
        gid,
        size: queued,
        block_size: u32::try_from(block_size).unwrap_or(u32::MAX),
        ..zeroed_stat(NodeType::Socket)
    }
}

/// uipc_sense's st_ino, with its quirk: a socket without a number takes the next of
/// a counter that starts at 0 and keeps it unless that was 0 (so the first socket
/// fstat sees gets 0, then a new number at its next fstat). The sockets numbered,
/// with their numbers.
static UNP_INO: Mutex<SocketNumbers> = Mutex::new(SocketNumbers {
    next: 0,
    given: Vec::new(),
});

struct SocketNumbers {
    next: u32,
    given: Vec<(Weak<Socket>, u32)>,
}

fn unp_ino(socket: &Socket) -> u32 {
    let mut table = UNP_INO.lock();
    let me: *const Socket = socket;
    if let Some(&(_, ino)) = table
        .given
        .iter()
        .find(|(w, _)| core::ptr::eq(w.as_ptr(), me))
    {
        return ino;
    }
    let ino = table.next;
    table.next = ino.wrapping_add(1);
    if ino != 0
        && let Some(arc) = socket.arc()
    {
        table.given.retain(|(w, _)| w.strong_count() > 0);
        table.given.push((Arc::downgrade(&arc), ino));
    }
    ino
}

/// revoke (56) as 4.x's vfs_syscalls.c `revoke`: the lookup's errors (links followed);
/// EINVAL unless a character or block device (only character devices exist here);
/// EPERM unless the caller's effective uid owns the node or is root; then, if the
/// device is open, VOP_REVOKE(REVOKEALL): every open file of the device, through any
/// node, answers as 4.x's deadfs (dead_vnops.c) does: read end of file on a terminal
/// and EIO on another device, write EIO, ioctl ENOTTY, poll POLLHUP only, fstat
/// EBADF; close works, and new opens work normally.
pub(crate) fn sys_revoke(task: &mut Task, a: fb::RevokeArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    vfs::revoke(&task.process.fs(), None, &path).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_statfs(task: &mut Task, a: fb::StatfsArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let node = vfs::lookup(&task.process.fs(), None, &path, Follow::Yes).map_err(file_errno)?;
    write_statfs(task, &node, a.buf.addr())?;
    ok()
}

pub(crate) fn sys_fstatfs(task: &mut Task, a: fb::FstatfsArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    let node = file.node().cloned().ok_or(errno::EINVAL)?;
    write_statfs(task, &node, a.buf.addr())?;
    ok()
}

pub(crate) fn sys_lseek(task: &mut Task, a: fb::LseekArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    Ok(Ret::Pair(seek(&file, a.offset, a.whence)?))
}

/// lseek's work, for it and the old 32-bit olseek. Every file that is a vnode has an
/// offset on 4.x, a device's, a FIFO's and a terminal's too (lseek refuses only
/// DTYPE_PIPE and DTYPE_SOCKET), and 4.x's lseek checks nothing: the offset may go
/// negative (a regular file's reads and writes there are then EFBIG, as ffs_read and
/// ffs_write say) and wraps as an off_t.
pub(crate) fn seek(file: &OpenFile, offset: i64, whence: fb::whence) -> Result<u64, i32> {
    let whence = match whence {
        fb::whence::SEEK_SET => Whence::Start,
        fb::whence::SEEK_CUR => Whence::Current,
        fb::whence::SEEK_END => Whence::End,
    };
    if is_vnode(file) {
        return Ok(file.reposition_wrapping(offset, whence));
    }
    file.seek(offset, whence).map_err(file_errno)
}

/// What a descriptor is to 4.x (struct file's f_type), which the calls that want a
/// vnode check: lseek, pread and pwrite, F_GETLK and F_SETLK, flock take only
/// DTYPE_VNODE; fsync and the f* calls on a node (getvnode) a FIFO too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dtype {
    /// A file of the name space but a FIFO (the console included).
    Vnode,
    /// A FIFO opened by name: 4.x's open makes it DTYPE_FIFO.
    Fifo,
    Pipe,
    Socket,
    Kqueue,
}

impl Dtype {
    pub(crate) fn of(file: &OpenFile) -> Dtype {
        if let Some(node) = file.node() {
            return if node.kind() == NodeType::Fifo {
                Dtype::Fifo
            } else {
                Dtype::Vnode
            };
        }
        if file.ops().pipe().is_some() {
            Dtype::Pipe
        } else if file.socket().is_some() {
            Dtype::Socket
        } else if file.event_queue().is_some() {
            Dtype::Kqueue
        } else {
            Dtype::Vnode
        }
    }

    /// sys/file.h's DTYPE_* number.
    pub(crate) fn number(self) -> u16 {
        match self {
            Dtype::Vnode => 1,
            Dtype::Socket => 2,
            Dtype::Pipe => 3,
            Dtype::Fifo => 4,
            Dtype::Kqueue => 5,
        }
    }
}

/// Whether `file`'s vnode refuses advisory locks, as 4.x's spec_advlock and
/// fifo_advlock do for a character device (the console and terminals included) or a
/// FIFO: flock-style requests (flock, open's O_EXLOCK/O_SHLOCK) are EOPNOTSUPP, fcntl's
/// EINVAL.
pub(crate) fn refuses_locks(file: &OpenFile) -> bool {
    match file.node() {
        Some(node) => matches!(node.kind(), NodeType::CharDevice | NodeType::Fifo),
        None => file.kind() == FileKind::Console,
    }
}

/// Whether `file` is what 4.x keeps as DTYPE_VNODE.
fn is_vnode(file: &OpenFile) -> bool {
    Dtype::of(file) == Dtype::Vnode
}

/// Whether `file` is a vnode without an offset of its own (a device, a terminal, a
/// FIFO): 4.x's pread and pwrite serve those as read and write do (their vnode ops
/// ignore uio_offset); only DTYPE_PIPE and DTYPE_SOCKET are ESPIPE.
fn offset_ignored(file: &OpenFile) -> bool {
    is_vnode(file) && !file.ops().seekable()
}

/// 4.x's pread and pwrite do not check the offset: a negative one reaches the file,
/// and a regular file says EFBIG (ffs_read, ffs_write); a device ignores it.
pub(crate) fn sys_pread(task: &mut Task, a: fb::PreadArgs) -> SysResult {
    if offset_ignored(&*file_arg(task, a.fd)?) {
        let (fd, buf, nbyte) = (a.fd, a.buf, a.nbyte);
        return crate::files::sys_read(task, fb::ReadArgs { fd, buf, nbyte });
    }
    let offset = a.offset as u64;
    let n = match calls::pread(task, a.fd.into(), a.buf.addr(), a.nbyte.into(), offset) {
        Err(vfs::Error::IsADirectory) => {
            let piece = [(a.buf.addr(), u64::from(a.nbyte))];
            crate::files::read_directory(task, a.fd.into(), &piece, Some(offset))?
        }
        r => r.map_err(file_errno)?,
    };
    crate::files::record_io(task, a.fd.into(), crate::ktrace::UIO_READ, a.buf.addr(), n);
    Ok(Ret::word(n))
}

pub(crate) fn sys_pwrite(task: &mut Task, a: fb::PwriteArgs) -> SysResult {
    if offset_ignored(&*file_arg(task, a.fd)?) {
        let (fd, buf, nbyte) = (a.fd, a.buf, a.nbyte);
        return crate::files::sys_write(task, fb::WriteArgs { fd, buf, nbyte });
    }
    let offset = a.offset as u64;
    let r = calls::pwrite(task, a.fd.into(), a.buf.addr(), a.nbyte.into(), offset);
    if let Ok(n) = r {
        crate::files::record_io(task, a.fd.into(), crate::ktrace::UIO_WRITE, a.buf.addr(), n);
    }
    crate::files::written(task, r)
}

pub(crate) fn sys_truncate(task: &mut Task, a: fb::TruncateArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let size = u64::try_from(a.length).map_err(|_| errno::EINVAL)?;
    vfs::truncate(&task.process.fs(), None, &path, size).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_ftruncate(task: &mut Task, a: fb::FtruncateArgs) -> SysResult {
    let size = u64::try_from(a.length).map_err(|_| errno::EINVAL)?;
    calls::ftruncate(task, a.fd.into(), size).map_err(file_errno)?;
    ok()
}

/// Fills `count` bytes at `addr` with 4.x dirents from the directory open on `fd`;
/// returns how many bytes and the offset the read started from.
fn read_dirents(task: &Task, fd: i32, addr: u64, count: usize) -> Result<(usize, u64), i32> {
    let mut at = addr;
    let (n, start, next, file) = gather_dirents(task, fd, count, |bytes, _| {
        task.write_bytes(at, bytes).map_err(fault)?;
        at += bytes.len() as u64;
        Ok((bytes.len(), true))
    })?;
    file.set_offset(next);
    Ok((n, start))
}

/// The 4.x dirents that fit in `count` bytes from the directory open on `fd`, handed
/// to `sink` a piece at a time as [`crate::ufsdir::pieces`] does (a large directory's
/// are never made whole); the offset they start at, the offset after them and the
/// open file, with how many bytes there were.
fn gather_dirents(
    task: &Task,
    fd: i32,
    count: usize,
    mut sink: impl FnMut(&mut [u8], bool) -> Result<(usize, bool), i32>,
) -> Result<(usize, u64, u64, Arc<OpenFile>), i32> {
    let file = file_arg(task, fd)?;
    // getvnode first (EINVAL for what is not a vnode), then FREAD (EBADF), then the
    // directory check.
    if !matches!(Dtype::of(&file), Dtype::Vnode | Dtype::Fifo) {
        return Err(errno::EINVAL);
    }
    if !file.readable {
        return Err(errno::EBADF);
    }
    let node = match (file.kind(), file.node()) {
        (FileKind::Directory, Some(node)) => node.clone(),
        _ => return Err(errno::EINVAL),
    };
    let start = file.offset();
    if !vfs::procfs::is_procfs(node.device) {
        let n = crate::ufsdir::read_blocks(task, &node, start, count, sink)?;
        return Ok((n, start, start + n as u64, file));
    }
    if let Some(records) = crate::procfs_dir::records(&task.process, &node, start, count) {
        // Handed over one at a time: a fault at one leaves the offset at it, as
        // procfs_readdir's uiomove of each record does.
        let records = records?;
        for (k, rec) in records.iter().enumerate() {
            let mut bytes = *rec;
            if let Err(e) = sink(&mut bytes, k + 1 == records.len()) {
                file.set_offset(start + (k * crate::procfs_dir::DELEN) as u64);
                return Err(e);
            }
        }
        let n = records.len() * crate::procfs_dir::DELEN;
        return Ok((n, start, start + n as u64, file));
    }
    // Another procfs (the native one): records made as they go, each its name's length.
    let room = count.min(64 * 1024);
    let ctx = task.process.fs();
    let entries =
        vfs::read_dir(&ctx, &node, start, room / record_len(1) + 1).map_err(file_errno)?;
    let mut out = Vec::new();
    let mut next = start;
    for e in &entries {
        let len = record_len(e.name.len());
        if out.len() + len > room {
            break;
        }
        out.extend_from_slice(&crate::ufsdir::record(e, len)?.as_bytes()[..len]);
        next = e.next_cookie;
    }
    if out.is_empty() && !entries.is_empty() {
        return Err(errno::EINVAL);
    }
    sink(&mut out, true)?;
    Ok((out.len(), start, next, file))
}

/// `ogetdirentries` (vfs_syscalls.c, COMPAT_43): the 4.x dirents read into a kernel
/// buffer and made 4.3BSD `struct odirect`s {u32 d_ino; u16 d_reclen; u16 d_namlen;
/// name} in place, as 4.x does on a little-endian machine: the byte after d_reclen
/// (d_type) takes d_namlen's value and d_namlen's byte becomes 0, so the two read as a
/// 16-bit name length; a record of length 0 would be EIO (this kernel makes none). The
/// directory's offset moves before the copy out, as 4.x sets f_offset first; then
/// `*basep` gets the offset the read started at (EFAULT after the read for a bad one).
/// 4.x puts no bound on `count` here (later FreeBSD refuses one past 64 KiB); it gets
/// what getdirentries would give.
pub(crate) fn sys_ogetdirentries(task: &mut Task, a: fb::OgetdirentriesArgs) -> SysResult {
    // Made and copied a piece at a time: `walk` is where the next record starts in
    // this piece (a header cut by the piece's end comes again in the next one).
    let (mut walk, mut at) = (0, a.buf.addr());
    let (mut failed, mut copied) = (None, 0);
    let (_, start, next, file) = gather_dirents(task, a.fd, a.count as usize, |out, last| {
        if failed.is_some() {
            return Ok((out.len(), true));
        }
        while let Some(&mut [_, _, _, _, r0, r1, ref mut ty, ref mut namlen]) =
            out.get_mut(walk..walk + 8)
        {
            let reclen = usize::from(u16::from_le_bytes([r0, r1]));
            if reclen == 0 {
                failed = Some(errno::EIO);
                return Ok((out.len(), true));
            }
            (*ty, *namlen) = (*namlen, 0);
            walk += reclen;
        }
        let took = if last { out.len() } else { walk.min(out.len()) };
        walk = walk.saturating_sub(took);
        if task.write_bytes(at, &out[..took]).is_err() {
            failed = Some(errno::EFAULT);
        }
        at += took as u64;
        copied += took;
        Ok((took, true))
    })?;
    file.set_offset(next);
    if let Some(e) = failed {
        return Err(e);
    }
    task.write_val(a.basep.addr(), &(start as i32))
        .map_err(fault)?;
    Ok(Ret::word(copied as u64))
}

/// 4.x copies the base out unconditionally: a NULL `basep` is EFAULT (after the read).
pub(crate) fn sys_getdirentries(task: &mut Task, a: fb::GetdirentriesArgs) -> SysResult {
    let (n, base) = read_dirents(task, a.fd, a.buf.addr(), a.count as usize)?;
    task.write_val(a.basep.addr(), &(base as i32))
        .map_err(fault)?;
    Ok(Ret::word(n as u64))
}

pub(crate) fn sys_getdents(task: &mut Task, a: fb::GetdentsArgs) -> SysResult {
    let (n, _) = read_dirents(task, a.fd, a.buf.addr(), a.count as usize)?;
    Ok(Ret::word(n as u64))
}

/// Refuses a path of nothing but slashes as what a call makes, removes or renames:
/// 4.x's lookup answers EISDIR for "/" in any operation but a plain lookup.
fn not_root(path: &[u8]) -> Result<(), i32> {
    if !path.is_empty() && path.iter().all(|&b| b == b'/') {
        return Err(errno::EISDIR);
    }
    Ok(())
}

/// link: the existing file first (its lookup's errors), then the new name ("/" is
/// EISDIR).
pub(crate) fn sys_link(task: &mut Task, a: fb::LinkArgs) -> SysResult {
    let old = path_arg(task, a.path)?;
    let new = path_arg(task, a.link)?;
    if not_root(&new).is_err() {
        vfs::lookup(&task.process.fs(), None, &old, Follow::Yes).map_err(file_errno)?;
        return Err(errno::EISDIR);
    }
    vfs::link(&task.process.fs(), None, &old, Follow::Yes, None, &new).map_err(file_errno)?;
    ok()
}

/// unlink of a directory is EPERM in 4.x (`ufs_remove`), not EISDIR.
pub(crate) fn sys_unlink(task: &mut Task, a: fb::UnlinkArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    not_root(&path)?;
    vfs::unlink(&task.process.fs(), None, &path).map_err(|e| match e {
        nymph_kernel::error::Error::IsADirectory => errno::EPERM,
        e => file_errno(e),
    })?;
    ok()
}

pub(crate) fn sys_rename(task: &mut Task, a: fb::RenameArgs) -> SysResult {
    let from = path_arg(task, a.from)?;
    let to = path_arg(task, a.to)?;
    not_root(&from)?;
    if not_root(&to).is_err() {
        vfs::lookup(&task.process.fs(), None, &from, Follow::No).map_err(file_errno)?;
        return Err(errno::EISDIR);
    }
    vfs::rename(&task.process.fs(), None, &from, None, &to).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_mkdir(task: &mut Task, a: fb::MkdirArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    not_root(&path)?;
    // ACCESSPERMS: a new directory takes no set-id or sticky bit from the mode.
    vfs::mkdir(&task.process.fs(), None, &path, a.mode as u32 & 0o777).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_rmdir(task: &mut Task, a: fb::RmdirArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    not_root(&path)?;
    vfs::rmdir(&task.process.fs(), None, &path).map_err(file_errno)?;
    ok()
}

fn make_fifo(task: &Task, path: &[u8], mode: u32) -> SysResult {
    not_root(path)?;
    vfs::mknod(
        &task.process.fs(),
        None,
        path,
        mode & 0o7777,
        vfs::Special::Fifo,
    )
    .map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_mkfifo(task: &mut Task, a: fb::MkfifoArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    make_fifo(task, &path, a.mode as u32)
}

/// mknod (4.x `vfs_syscalls.c`): root only, and only device nodes and whiteouts; a
/// FIFO is mkfifo's (EINVAL here, as in 4.x). Device nodes cannot be named by 4.x
/// device numbers in this kernel: EINVAL with a log line.
pub(crate) fn sys_mknod(task: &mut Task, a: fb::MknodArgs) -> SysResult {
    let _ = path_arg(task, a.path)?;
    let mode = a.mode as u32;
    let device = matches!(
        mode & fb::consts::S_IFMT,
        fb::consts::S_IFCHR | fb::consts::S_IFBLK
    );
    // 4.x: plain suser for a device node, PRISON_ROOT for the rest.
    suser(task, if device { Jail::Refused } else { Jail::Allowed })?;
    if device {
        log::warn!(
            "pid {}: mknod of a device node is not supported",
            task.process.pid.0
        );
    }
    Err(errno::EINVAL)
}

pub(crate) fn sys_symlink(task: &mut Task, a: fb::SymlinkArgs) -> SysResult {
    // The target is stored as written, never prefixed.
    let target = task
        .read_cstr(a.path.addr(), a.path.max() as usize)
        .map_err(|e| match e {
            UserFault::StringTooLong => errno::ENAMETOOLONG,
            UserFault::BadAddress(_) => errno::EFAULT,
        })?;
    let link = path_arg(task, a.link)?;
    not_root(&link)?;
    vfs::symlink(&task.process.fs(), &target, None, &link).map_err(file_errno)?;
    ok()
}

/// UFS1's fs_maxsymlinklen: a link target shorter than this lives in the inode itself.
const UFS_MAXSYMLINKLEN: usize = 60;

/// readlink: ufs_readlink copies a short target out of the inode, and reads a longer
/// one from its block with VOP_READ, which alone marks the link accessed; so only a
/// target of 60 bytes or more moves the link's access time (ls -lu).
pub(crate) fn sys_readlink(task: &mut Task, a: fb::ReadlinkArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let node = vfs::lookup(&task.process.fs(), None, &path, Follow::No).map_err(file_errno)?;
    let target = node.symlink_target().ok_or(errno::EINVAL)?.to_vec();
    if target.len() >= UFS_MAXSYMLINKLEN {
        node.touch_access();
    }
    let n = target.len().min(a.count.max(0) as usize);
    task.write_bytes(a.buf.addr(), &target[..n])
        .map_err(fault)?;
    Ok(Ret::word(n as u64))
}

/// access: the real ids' permission. A real uid of 0 passes X_OK whatever the mode
/// bits, as 4.x's vaccess lets "user id 0 always" through (test -x says true for a
/// file root cannot execute; execve still refuses it).
pub(crate) fn sys_access(task: &mut Task, a: fb::AccessArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let ctx = task.process.fs();
    let want = Access {
        read: a.flags.contains(fb::access_mode::R_OK),
        write: a.flags.contains(fb::access_mode::W_OK),
        execute: a.flags.contains(fb::access_mode::X_OK) && ctx.creds.uid != 0,
    };
    vfs::access(&ctx, None, &path, want, Follow::Yes).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_chdir(task: &mut Task, a: fb::ChdirArgs) -> SysResult {
    let node = node_at(task, a.path, Follow::Yes)?;
    task.process
        .with_fs(|ctx| vfs::set_cwd(ctx, node))
        .map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_fchdir(task: &mut Task, a: fb::FchdirArgs) -> SysResult {
    // getvnode first (EINVAL for what is not a vnode), then the directory check.
    let node = fd_node(task, a.fd)?;
    task.process
        .with_fs(|ctx| vfs::set_cwd(ctx, node))
        .map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_chroot(task: &mut Task, a: fb::ChrootArgs) -> SysResult {
    chroot(task, a.path)?;
    ok()
}

/// chroot as 4.x's vfs_syscalls.c `chroot` (jail's too), in its order: root, jailed or
/// not (`suser_xxx(0, p, PRISON_ROOT)`; EPERM); for a process whose root is not the
/// system's already, EPERM while it has a directory open (chroot_allow_open_directories
/// is 1: `chroot_refuse_vdir_fds`); then `change_dir`: the lookup's errors, ENOTDIR,
/// EACCES without search permission. The first chroot's directory is also the one
/// ".." never climbs above (fd_jdir; `vfs::chroot`). Returns the new root.
pub(crate) fn chroot(task: &Task, path: UserCStr) -> Result<Arc<Inode>, i32> {
    suser(task, Jail::Allowed)?;
    if !Arc::ptr_eq(&task.process.fs().root, &vfs::root()) && has_open_directory(task) {
        return Err(errno::EPERM);
    }
    let node = node_at(task, path, Follow::Yes)?;
    // The emulation root as the new root sees it (exec would find it so), looked up
    // before the process's lock is taken, as the directory is.
    let mut probe = task.process.fs();
    probe.root = node.clone();
    let emulation_root = vfs::lookup(&probe, None, COMPAT_PREFIX, Follow::No).ok();
    task.process
        .with_fs(|ctx| {
            vfs::chroot_to(ctx, node)?;
            ctx.emulation_root = emulation_root;
            Ok(ctx.root.clone())
        })
        .map_err(file_errno)
}

/// Whether any descriptor of the caller is an open directory.
fn has_open_directory(task: &Task) -> bool {
    task.process.with_files(|files| {
        (0..files.limit()).any(|fd| files.get(fd).is_ok_and(|f| f.kind() == FileKind::Directory))
    })
}

/// `__getcwd` (4.x vfs_cache.c): EINVAL for a buffer under 2 bytes; the path with
/// its NUL in at most MAXPATHLEN of it, else ENOMEM. A directory of the compat tree
/// is named as the process names it ("/etc", not "/compat/freebsd4/etc"), when that
/// name leads back to it.
pub(crate) fn sys_getcwd(task: &mut Task, a: fb::GetcwdArgs) -> SysResult {
    if a.buflen < 2 {
        return Err(errno::EINVAL);
    }
    let ctx = task.process.fs();
    let mut path = vfs::getcwd(&ctx).map_err(file_errno)?;
    if let Some(inside) = path.strip_prefix(COMPAT_PREFIX)
        && inside.first() == Some(&b'/')
        && vfs::lookup(
            &ctx,
            None,
            &compat_path_in(&ctx, inside.to_vec()),
            Follow::Yes,
        )
        .is_ok_and(|d| Arc::ptr_eq(&d, &ctx.cwd))
    {
        path = inside.to_vec();
    }
    path.push(0);
    if (a.buflen as usize).min(MAXPATHLEN) < path.len() {
        return Err(errno::ENOMEM);
    }
    task.write_bytes(a.buf.addr(), &path).map_err(fault)?;
    ok()
}

pub(crate) fn node_at(task: &Task, p: UserCStr, follow: Follow) -> Result<Arc<Inode>, i32> {
    let path = path_arg(task, p)?;
    vfs::lookup(&task.process.fs(), None, &path, follow).map_err(file_errno)
}

pub(crate) fn fd_node(task: &Task, fd: i32) -> Result<Arc<Inode>, i32> {
    file_arg(task, fd)?.node().cloned().ok_or(errno::EINVAL)
}

/// chmod as 4.x's ufs_chmod: the owner or root; then an owner who is not root is
/// refused, not quietly given less, the sticky bit on a file (EFTYPE) and set-group-id
/// on a file of a group it is not in (EPERM).
fn chmod(task: &Task, node: &Arc<Inode>, mode: i32) -> SysResult {
    let ctx = task.process.fs();
    let mode = mode as u32 & 0o7777;
    let (uid, gid) = node.owner();
    // ufs_setattr refuses an immutable or append-only file before ufs_chmod's checks.
    vfs::check_attributes_changeable(node).map_err(file_errno)?;
    if !ctx.creds.is_root() && ctx.creds.euid == uid {
        if !node.is_dir() && mode & 0o1000 != 0 {
            return Err(errno::EFTYPE);
        }
        if !ctx.creds.in_group(gid) && mode & 0o2000 != 0 {
            return Err(errno::EPERM);
        }
    }
    vfs::chmod(&ctx, node, mode).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_chmod(task: &mut Task, a: fb::ChmodArgs) -> SysResult {
    chmod(task, &node_at(task, a.path, Follow::Yes)?, a.mode)
}

/// lchmod: the mode of a symbolic link itself, not of what it names.
pub(crate) fn sys_lchmod(task: &mut Task, a: fb::LchmodArgs) -> SysResult {
    chmod(task, &node_at(task, a.path, Follow::No)?, i32::from(a.mode))
}

pub(crate) fn sys_fchmod(task: &mut Task, a: fb::FchmodArgs) -> SysResult {
    chmod(task, &fd_node(task, a.fd)?, a.mode)
}

/// chflags/fchflags: ufs_setattr's va_flags ([`vfs::set_flags`]); procfs keeps no
/// flags (procfs_setattr: EOPNOTSUPP).
fn chflags(task: &Task, node: &Arc<Inode>, flags: i32) -> SysResult {
    if vfs::procfs::is_procfs(node.device) {
        return Err(errno::EOPNOTSUPP);
    }
    vfs::set_flags(&task.process.fs(), node, flags as u32).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_chflags(task: &mut Task, a: fb::ChflagsArgs) -> SysResult {
    chflags(task, &node_at(task, a.path, Follow::Yes)?, a.flags)
}

pub(crate) fn sys_fchflags(task: &mut Task, a: fb::FchflagsArgs) -> SysResult {
    chflags(task, &fd_node(task, a.fd)?, a.flags)
}

/// pathconf values (4.x `sys/unistd.h` names; UFS-like limits of the memory file
/// systems): LINK_MAX, MAX_CANON, MAX_INPUT, NAME_MAX, PATH_MAX, PIPE_BUF,
/// CHOWN_RESTRICTED, NO_TRUNC, VDISABLE.
fn pathconf(name: i32) -> SysResult {
    let value: u64 = match name {
        1 => 32767,
        2 | 3 => 255,
        4 => 255,
        5 => 1024,
        6 => 512,
        7 | 8 => 1,
        9 => 0xff,
        _ => return Err(errno::EINVAL),
    };
    Ok(Ret::word(value))
}

pub(crate) fn sys_pathconf(task: &mut Task, a: fb::PathconfArgs) -> SysResult {
    node_at(task, a.path, Follow::Yes)?;
    pathconf(a.name)
}

/// `_PC_PIPE_BUF`, and 4.x's PIPE_BUF (sys/syslimits.h): its pipes' atomic writes.
const PC_PIPE_BUF: i32 = 6;
pub(crate) const PIPE_BUF: usize = 512;

/// fpathconf as 4.x's kern_descrip.c: a pipe or socket answers only _PC_PIPE_BUF
/// (PIPE_BUF; EINVAL for the rest), a vnode or FIFO its file system's pathconf, an
/// event queue EOPNOTSUPP.
pub(crate) fn sys_fpathconf(task: &mut Task, a: fb::FpathconfArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    match Dtype::of(&file) {
        Dtype::Pipe | Dtype::Socket if a.name == PC_PIPE_BUF => Ok(Ret::word(PIPE_BUF as u64)),
        Dtype::Pipe | Dtype::Socket => Err(errno::EINVAL),
        Dtype::Kqueue => Err(errno::EOPNOTSUPP),
        Dtype::Vnode | Dtype::Fifo => pathconf(a.name),
    }
}

/// chown with -1 keeping an id.
fn chown(task: &Task, node: &Arc<Inode>, uid: i32, gid: i32) -> SysResult {
    let keep = |id: i32| (id != -1).then_some(id as u32);
    vfs::chown(&task.process.fs(), node, keep(uid), keep(gid)).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_chown(task: &mut Task, a: fb::ChownArgs) -> SysResult {
    chown(task, &node_at(task, a.path, Follow::Yes)?, a.uid, a.gid)
}

pub(crate) fn sys_lchown(task: &mut Task, a: fb::LchownArgs) -> SysResult {
    chown(task, &node_at(task, a.path, Follow::No)?, a.uid, a.gid)
}

/// NetBSD's lchown (275): 4.x's own (254) under the number NetBSD gave it.
pub(crate) fn sys_netbsd_lchown(task: &mut Task, a: fb::NetbsdLchownArgs) -> SysResult {
    chown(
        task,
        &node_at(task, a.path, Follow::No)?,
        a.uid as i32,
        a.gid as i32,
    )
}

pub(crate) fn sys_fchown(task: &mut Task, a: fb::FchownArgs) -> SysResult {
    chown(task, &fd_node(task, a.fd)?, a.uid, a.gid)
}

/// utimes/futimes: NULL means now; otherwise two timevals.
/// VNOVAL: a vattr field not to change (sys/vnode.h).
const VNOVAL: i32 = -1;

fn utimes(task: &Task, node: &Arc<Inode>, tptr: u64) -> SysResult {
    let (atime, mtime) = if tptr == 0 {
        (vfs::TimeSet::Now, vfs::TimeSet::Now)
    } else {
        let tv: [fb::timeval; 2] = task.read_val(tptr).map_err(fault)?;
        // 4.x's getutimes takes the times as they come, and ufs_setattr stores any but
        // VNOVAL (-1 seconds), which leaves that time alone: a time before 1970 is
        // kept (touch -t 196001010000). A microsecond count out of range, which it
        // would store as garbage nanoseconds, is refused.
        let at = |t: &fb::timeval| -> Result<vfs::TimeSet, i32> {
            if t.tv_sec == VNOVAL {
                return Ok(vfs::TimeSet::Omit);
            }
            if !(0..1_000_000).contains(&t.tv_usec) {
                return Err(errno::EINVAL);
            }
            Ok(vfs::TimeSet::At(vfs::Timestamp {
                seconds: i64::from(t.tv_sec),
                nanoseconds: t.tv_usec as u32 * 1000,
            }))
        };
        (at(&tv[0])?, at(&tv[1])?)
    };
    vfs::utimes(&task.process.fs(), node, atime, mtime).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_utimes(task: &mut Task, a: fb::UtimesArgs) -> SysResult {
    utimes(task, &node_at(task, a.path, Follow::Yes)?, a.tptr.addr())
}

/// lutimes: the times of a symbolic link itself, not of what it names.
pub(crate) fn sys_lutimes(task: &mut Task, a: fb::LutimesArgs) -> SysResult {
    utimes(task, &node_at(task, a.path, Follow::No)?, a.tptr.addr())
}

pub(crate) fn sys_futimes(task: &mut Task, a: fb::FutimesArgs) -> SysResult {
    utimes(task, &fd_node(task, a.fd)?, a.tptr.addr())
}

pub(crate) fn sys_umask(task: &mut Task, a: fb::UmaskArgs) -> SysResult {
    let old = task
        .process
        .with_fs(|ctx| core::mem::replace(&mut ctx.umask, a.newmask as u32 & 0o777));
    Ok(Ret::word(u64::from(old)))
}

/// tmpfs keeps everything in memory: nothing to write back.
/// fsync: nothing is buffered on its way to a disk; getvnode refuses what is not a
/// vnode or a FIFO (EINVAL).
pub(crate) fn sys_fsync(task: &mut Task, a: fb::FsyncArgs) -> SysResult {
    let file = file_arg(task, a.fd)?;
    if !matches!(Dtype::of(&file), Dtype::Vnode | Dtype::Fifo) {
        return Err(errno::EINVAL);
    }
    ok()
}

/// sync: nothing is buffered on its way to a disk.
pub(crate) fn sys_sync(_: &mut Task, _: fb::SyncArgs) -> SysResult {
    ok()
}

/// getuid: the real uid, and (COMPAT_43) the effective one in edx.
pub(crate) fn sys_getuid(task: &mut Task, _: fb::GetuidArgs) -> SysResult {
    let c = task.process.fs().creds;
    Ok(Ret::Pair(u64::from(c.uid) | u64::from(c.euid) << 32))
}

pub(crate) fn sys_geteuid(task: &mut Task, _: fb::GeteuidArgs) -> SysResult {
    Ok(Ret::word(u64::from(task.process.fs().creds.euid)))
}

/// getgid: the real gid, and (COMPAT_43) the effective one in edx.
pub(crate) fn sys_getgid(task: &mut Task, _: fb::GetgidArgs) -> SysResult {
    let c = task.process.fs().creds;
    Ok(Ret::Pair(u64::from(c.gid) | u64::from(c.egid) << 32))
}

pub(crate) fn sys_getegid(task: &mut Task, _: fb::GetegidArgs) -> SysResult {
    Ok(Ret::word(u64::from(task.process.fs().creds.egid)))
}

pub(crate) fn sys_setuid(task: &mut Task, a: fb::SetuidArgs) -> SysResult {
    calls::set_uid(task, a.uid).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_setgid(task: &mut Task, a: fb::SetgidArgs) -> SysResult {
    calls::set_gid(task, a.gid).map_err(file_errno)?;
    ok()
}

/// seteuid: to the real or saved uid (any, as root).
pub(crate) fn sys_seteuid(task: &mut Task, a: fb::SeteuidArgs) -> SysResult {
    calls::set_effective_id(task, IdKind::User, a.euid).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_setegid(task: &mut Task, a: fb::SetegidArgs) -> SysResult {
    calls::set_effective_id(task, IdKind::Group, a.egid).map_err(file_errno)?;
    ok()
}

/// `NGROUPS_MAX`.
const NGROUPS_MAX: u32 = 16;

/// 4.x's cr_groups: the effective gid (cr_groups[0]), then the rest as setgroups
/// gave them, repeats and all.
pub(crate) fn credential_groups(creds: &nymph_kernel::vfs::Credentials) -> Vec<u32> {
    let mut groups = alloc::vec![creds.egid];
    groups.extend_from_slice(&creds.groups);
    groups
}

/// getgroups: [`credential_groups`]; size 0 asks for the count; a smaller size is
/// EINVAL.
pub(crate) fn sys_getgroups(task: &mut Task, a: fb::GetgroupsArgs) -> SysResult {
    let groups = credential_groups(&task.process.fs().creds);
    if a.gidsetsize == 0 {
        return Ok(Ret::word(groups.len() as u64));
    }
    if (a.gidsetsize as usize) < groups.len() {
        return Err(errno::EINVAL);
    }
    for (i, g) in groups.iter().enumerate() {
        task.write_val(a.gidset.addr() + 4 * i as u64, g)
            .map_err(fault)?;
    }
    Ok(Ret::word(groups.len() as u64))
}

/// setgroups: root only, at most NGROUPS_MAX; the first becomes the effective gid (as
/// 4.x's cr_groups[0]), the rest the supplementary groups.
pub(crate) fn sys_setgroups(task: &mut Task, a: fb::SetgroupsArgs) -> SysResult {
    if !task.process.fs().creds.is_root() {
        return Err(errno::EPERM);
    }
    if a.gidsetsize > NGROUPS_MAX {
        return Err(errno::EINVAL);
    }
    let mut groups = Vec::with_capacity(a.gidsetsize as usize);
    for i in 0..u64::from(a.gidsetsize) {
        let g: u32 = task.read_val(a.gidset.addr() + 4 * i).map_err(fault)?;
        groups.push(g);
    }
    task.process.with_fs(|ctx| {
        let c = &mut ctx.creds;
        if let Some((&first, rest)) = groups.split_first() {
            c.egid = first;
            c.groups = rest.to_vec();
        } else {
            c.groups.clear();
        }
        // 4.x marks the process whatever the new set is.
        c.tainted = true;
    });
    ok()
}

/// An id argument: (uid_t)-1 keeps the current id.
fn keep_id(id: u32) -> Option<u32> {
    (id != u32::MAX).then_some(id)
}

/// setreuid/setregid take ints; -1 keeps an id.
pub(crate) fn sys_setreuid(task: &mut Task, a: fb::SetreuidArgs) -> SysResult {
    let r = keep_id(a.ruid.cast_unsigned());
    let e = keep_id(a.euid.cast_unsigned());
    calls::set_real_effective_ids(task, IdKind::User, r, e).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_setregid(task: &mut Task, a: fb::SetregidArgs) -> SysResult {
    let r = keep_id(a.rgid.cast_unsigned());
    let e = keep_id(a.egid.cast_unsigned());
    calls::set_real_effective_ids(task, IdKind::Group, r, e).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_setresuid(task: &mut Task, a: fb::SetresuidArgs) -> SysResult {
    let (r, e, s) = (keep_id(a.ruid), keep_id(a.euid), keep_id(a.suid));
    calls::set_all_ids(task, IdKind::User, r, e, s).map_err(file_errno)?;
    ok()
}

pub(crate) fn sys_setresgid(task: &mut Task, a: fb::SetresgidArgs) -> SysResult {
    let (r, e, s) = (keep_id(a.rgid), keep_id(a.egid), keep_id(a.sgid));
    calls::set_all_ids(task, IdKind::Group, r, e, s).map_err(file_errno)?;
    ok()
}

/// getresuid/getresgid: each non-NULL pointer gets its id; all are tried, and the
/// first failure is the answer (as 4.x).
fn get_ids(task: &Task, kind: IdKind, to: [UserPtr<u32, Out>; 3]) -> SysResult {
    let ids = task.process.fs().creds.ids(kind);
    let mut result = ok();
    for (ptr, id) in to.into_iter().zip([ids.real, ids.effective, ids.saved]) {
        if ptr.is_null() {
            continue;
        }
        let written = task.write_val(ptr.addr(), &id).map_err(fault);
        if result.is_ok() {
            result = written.and_then(|()| ok());
        }
    }
    result
}

pub(crate) fn sys_getresuid(task: &mut Task, a: fb::GetresuidArgs) -> SysResult {
    get_ids(task, IdKind::User, [a.ruid, a.euid, a.suid])
}

pub(crate) fn sys_getresgid(task: &mut Task, a: fb::GetresgidArgs) -> SysResult {
    get_ids(task, IdKind::Group, [a.rgid, a.egid, a.sgid])
}

/// issetugid: whether the process is tainted by an id change or a set-id exec.
pub(crate) fn sys_issetugid(task: &mut Task, _: fb::IssetugidArgs) -> SysResult {
    Ok(Ret::word(u64::from(task.process.fs().creds.tainted)))
}

#[cfg(test)]
mod tests {
    use super::without_root_climbs;

    #[test]
    fn dots_at_the_root_are_the_root() {
        let cut = |p: &str| String::from_utf8(without_root_climbs(p.as_bytes().to_vec())).unwrap();
        assert_eq!(cut("/.."), "/");
        assert_eq!(cut("/../"), "/");
        assert_eq!(cut("/./../etc/passwd"), "/etc/passwd");
        assert_eq!(cut("//..//etc/"), "/etc/");
        assert_eq!(
            cut("/etc/../.."),
            "/etc/../..",
            "only leading ones are lexical"
        );
        assert_eq!(cut("/..x"), "/..x");
        assert_eq!(cut("/"), "/");
    }
}
