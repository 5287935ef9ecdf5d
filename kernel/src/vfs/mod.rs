//! The virtual file system: nodes of mounted file systems, path lookup, and the
//! operations on names (create, link, unlink, rename, ...), with permission checks
//! against the caller's credentials. Everything here is ABI-neutral; each personality
//! turns its calls into these and maps [`Error`] to its own errno values.
//!
//! The root is a tmpfs filled from the boot archive; devfs is mounted at /dev, procfs
//! (read-only, made from the process table) at /proc. A mount call may add procfs
//! instances elsewhere ([`mount_new`]); [`unmount`] takes a mount away once nothing
//! holds a node of it.

pub mod devfs;
pub mod dirblocks;
pub mod lock;
pub mod node;
pub mod open;
pub mod page;
pub mod procfs;
mod revoke;
#[cfg(test)]
mod tests;
pub mod tmpfs;

pub use crate::error::{Error, Result};
pub use node::{Device, Inode, NodeType, Stat, TextHold, Timestamp};
pub use open::{OpenFlags, open};
pub use revoke::revoke_device;

use crate::sync::Mutex;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Once;

/// Longest name of one directory entry.
pub const NAME_MAX: usize = 255;
/// Longest path, after symlinks are expanded into it.
pub const PATH_MAX: usize = 1024;
/// Symlinks one lookup may follow (FreeBSD's MAXSYMLINKS).
pub const MAX_SYMLINKS: usize = 32;

/// Who is asking: the effective ids decide permissions. The saved ids and the taint
/// mark belong to the id-change rules (`process::creds`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub groups: Vec<u32>,
    /// The saved set-user and set-group ids.
    pub svuid: u32,
    pub svgid: u32,
    /// An id changed, or a set-id exec changed one (BSD's P_SUGID): issetugid's answer.
    pub tainted: bool,
    /// A member of a prison (BSD's P_JAILED; see `process::prison`): root's powers
    /// that 4.x checks with plain `suser(p)` are not its.
    pub jailed: bool,
}

impl Credentials {
    pub fn root() -> Self {
        Credentials::default()
    }

    /// Root, in a prison or not: 4.x's `suser_xxx(cred, p, PRISON_ROOT)`, which file
    /// permissions, the id changes, chroot and most of root's powers ask.
    pub fn is_root(&self) -> bool {
        self.euid == 0
    }

    /// Root outside every prison: 4.x's plain `suser(p)` (kern_prot.c `suser_xxx` with
    /// no PRISON_ROOT refuses a jailed process), for what would reach past the prison
    /// (device nodes, mounts, the clock, the machine).
    pub fn is_host_root(&self) -> bool {
        self.euid == 0 && !self.jailed
    }

    /// Whether `gid` is the effective group or a supplementary one.
    pub fn in_group(&self, gid: u32) -> bool {
        self.egid == gid || self.groups.contains(&gid)
    }
}

/// Access wanted: read, write, execute/search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Access {
    pub const READ: Access = Access {
        read: true,
        write: false,
        execute: false,
    };
    pub const WRITE: Access = Access {
        read: false,
        write: true,
        execute: false,
    };
    pub const EXECUTE: Access = Access {
        read: false,
        write: false,
        execute: true,
    };
}

/// BSD's file flags (chflags(2), st_flags), kept by every node: the user's, which the
/// owner may change, and the system's, which only root may, and which once set keep
/// even the owner from changing the user's. DragonFly's and FreeBSD 4.x's values.
pub mod file_flags {
    pub const UF_NODUMP: u32 = 0x1;
    pub const UF_IMMUTABLE: u32 = 0x2;
    pub const UF_APPEND: u32 = 0x4;
    pub const UF_OPAQUE: u32 = 0x8;
    pub const UF_NOUNLINK: u32 = 0x10;
    /// The flags an owner may change.
    pub const UF_SETTABLE: u32 = 0x0000_ffff;
    pub const SF_ARCHIVED: u32 = 0x1_0000;
    pub const SF_IMMUTABLE: u32 = 0x2_0000;
    pub const SF_APPEND: u32 = 0x4_0000;
    pub const SF_NOUNLINK: u32 = 0x10_0000;
    /// The flags only root may change.
    pub const SF_SETTABLE: u32 = 0xffff_0000;
    /// Nothing changes the file (its data, attributes or names).
    pub const IMMUTABLE: u32 = UF_IMMUTABLE | SF_IMMUTABLE;
    /// Data may only be added at the end; nothing else changes.
    pub const APPEND: u32 = UF_APPEND | SF_APPEND;
    /// Its names may not be removed.
    pub const NOUNLINK: u32 = UF_NOUNLINK | SF_NOUNLINK;
}

/// Refuses a change of attributes (mode, owner, times, size) of a file that is
/// immutable or append-only (ufs_setattr).
pub fn check_attributes_changeable(node: &Inode) -> Result<()> {
    if node.flags() & (file_flags::IMMUTABLE | file_flags::APPEND) != 0 {
        return Err(Error::NotPermitted);
    }
    Ok(())
}

/// Refuses removing (or renaming away) `node`'s name in `dir`: a file that may not be
/// unlinked, is immutable or append-only, or a directory that is append-only
/// (ufs_remove, ufs_rmdir, ufs_rename).
fn check_name_removable(dir: &Inode, node: &Inode) -> Result<()> {
    let fixed = file_flags::NOUNLINK | file_flags::IMMUTABLE | file_flags::APPEND;
    if node.flags() & fixed != 0 || dir.flags() & file_flags::APPEND != 0 {
        return Err(Error::NotPermitted);
    }
    Ok(())
}

/// Sets `node`'s file flags (ufs_setattr's va_flags): its owner or root; root not in a
/// jail sets any (the security level is never raised here); anyone else only the
/// user's flags, and not while a system flag that forbids change is set.
pub fn set_flags(ctx: &FsContext, node: &Inode, flags: u32) -> Result<()> {
    writable_fs(node)?;
    let creds = &ctx.creds;
    if !creds.is_root() && creds.euid != node.owner().0 {
        return Err(Error::NotPermitted);
    }
    let mut meta = node.meta.lock();
    if creds.is_host_root() {
        meta.flags = flags;
    } else {
        let fixed = file_flags::SF_NOUNLINK | file_flags::SF_IMMUTABLE | file_flags::SF_APPEND;
        if meta.flags & fixed != 0 || flags & !file_flags::UF_SETTABLE != 0 {
            return Err(Error::NotPermitted);
        }
        meta.flags = (meta.flags & file_flags::SF_SETTABLE) | flags;
    }
    drop(meta);
    node.touch_change();
    Ok(())
}

/// Checks the permission bits of `node` for `creds` (root passes, except that executing
/// needs some execute bit on a non-directory). Nobody writes an immutable file.
pub fn check_access(node: &Inode, creds: &Credentials, want: Access) -> Result<()> {
    // A special file's object takes writes on a read-only file system (procfs's mem).
    if want.write && !node.is_special() {
        writable_fs(node)?;
    }
    if want.write && node.flags() & file_flags::IMMUTABLE != 0 {
        return Err(Error::NotPermitted);
    }
    let mode = node.mode();
    if creds.is_root() {
        if want.execute && !node.is_dir() && mode & 0o111 == 0 {
            return Err(Error::AccessDenied);
        }
        return Ok(());
    }
    let (uid, gid) = node.owner();
    let bits = if creds.euid == uid {
        (mode >> 6) & 7
    } else if creds.in_group(gid) {
        (mode >> 3) & 7
    } else {
        mode & 7
    };
    let denied = (want.read && bits & 4 == 0)
        || (want.write && bits & 2 == 0)
        || (want.execute && bits & 1 == 0);
    if denied {
        Err(Error::AccessDenied)
    } else {
        Ok(())
    }
}

/// A process's view of the tree: its root (chroot), working directory, credentials
/// and file-creation mask.
#[derive(Clone, Debug)]
pub struct FsContext {
    pub root: Arc<Inode>,
    pub cwd: Arc<Inode>,
    pub creds: Credentials,
    pub umask: u32,
    /// The directory of its first chroot (BSD's fd_jdir, which jail's chroot sets): ".."
    /// never climbs above it, even from a working directory outside a later, deeper
    /// root (4.x vfs_lookup.c `lookup`: ni_topdir; vfs_syscalls.c `chroot` sets it
    /// once). Kept by fork and exec.
    pub top: Option<Arc<Inode>>,
    /// The directory its personality lays over the root (BSD's emulation root, such
    /// as /compat/freebsd4), if any: a ".." that would reach it from below reaches
    /// the root instead, so a walk up from a directory found there ("cd /etc; ls ..")
    /// comes back to the root the process's paths start from. Set at exec.
    pub emulation_root: Option<Arc<Inode>>,
}

impl FsContext {
    /// The boot context: the system root, as root, umask 022.
    pub fn initial() -> FsContext {
        let root = root();
        FsContext {
            cwd: root.clone(),
            root,
            creds: Credentials::root(),
            umask: 0o022,
            top: None,
            emulation_root: None,
        }
    }
}

/// Options a file system is mounted with, as neutral bits (each personality maps its
/// own). The memory file systems honour them as far as their nature allows; which a
/// personality may promise is its business (see its mount call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MountFlags(pub u32);

impl MountFlags {
    pub const READ_ONLY: MountFlags = MountFlags(1 << 0);
    pub const SYNCHRONOUS: MountFlags = MountFlags(1 << 1);
    pub const NO_EXEC: MountFlags = MountFlags(1 << 2);
    pub const NO_SUID: MountFlags = MountFlags(1 << 3);
    pub const NO_DEV: MountFlags = MountFlags(1 << 4);
    pub const UNION: MountFlags = MountFlags(1 << 5);
    pub const ASYNC: MountFlags = MountFlags(1 << 6);
    pub const NO_ATIME: MountFlags = MountFlags(1 << 7);
    pub const NO_SYMFOLLOW: MountFlags = MountFlags(1 << 8);
    /// Hidden from df (informational).
    pub const IGNORE: MountFlags = MountFlags(1 << 9);
    pub const NO_CLUSTER_READ: MountFlags = MountFlags(1 << 10);
    pub const NO_CLUSTER_WRITE: MountFlags = MountFlags(1 << 11);
    pub const SUID_DIR: MountFlags = MountFlags(1 << 12);

    pub fn contains(self, other: MountFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// A file system a mount call can make anew.
#[derive(Clone, Copy, Debug)]
pub enum NewFs {
    /// Another instance of procfs (its own device number, the same process table), of
    /// a flavour: the native one, or a personality's.
    Procfs(&'static dyn procfs::Flavour),
}

/// A kind of file system this kernel has: the name its mounts report (statfs's type
/// name), a number that stays the same from boot to boot, and whether its files are
/// made up by the kernel rather than stored. A personality reports the list in its own
/// form (FreeBSD's vfs.generic, statfs's f_type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsType {
    pub name: &'static str,
    /// 1 and up, in the order of [`FS_TYPES`] (0 is no type).
    pub number: u32,
    /// The files stand for kernel objects (processes, devices), not stored data.
    pub synthetic: bool,
}

/// Every file system type the kernel has, in number order: the memory file system the
/// root and scratch mounts are, the device file system, the process file system.
pub const FS_TYPES: &[FsType] = &[
    FsType {
        name: "tmpfs",
        number: 1,
        synthetic: false,
    },
    FsType {
        name: "devfs",
        number: 2,
        synthetic: true,
    },
    FsType {
        name: "procfs",
        number: 3,
        synthetic: true,
    },
];

/// The file system type called `name`.
pub fn fs_type(name: &str) -> Option<&'static FsType> {
    FS_TYPES.iter().find(|t| t.name == name)
}

/// How many file systems of the type called `name` are mounted now, the system root
/// included.
pub fn mounted_of_type(name: &str) -> usize {
    let others = MOUNTS
        .lock()
        .iter()
        .filter(|m| m.info.type_name == name)
        .count();
    others + usize::from(name == ROOT_TYPE)
}

/// The system root's type.
const ROOT_TYPE: &str = "tmpfs";

/// What a mount records beside its nodes (statfs reports it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountInfo {
    pub type_name: &'static str,
    /// Where it is mounted, as the mounter named it (f_mntonname).
    pub on: Vec<u8>,
    pub flags: MountFlags,
    /// Who mounted it (root for the boot's mounts).
    pub owner: u32,
}

struct Mount {
    /// The directory the file system covers.
    covered: Arc<Inode>,
    root: Arc<Inode>,
    info: MountInfo,
}

static ROOT: Once<Arc<Inode>> = Once::new();
static MOUNTS: Mutex<Vec<Mount>> = Mutex::new(Vec::new());

/// The system root (a fresh, empty tmpfs until the boot fills it).
pub fn root() -> Arc<Inode> {
    ROOT.call_once(tmpfs::new_root).clone()
}

/// Mounts the file system whose root is `fs_root` on the directory `on`.
pub fn mount(on: &Arc<Inode>, fs_root: Arc<Inode>, info: MountInfo) -> Result<()> {
    if !on.is_dir() {
        return Err(Error::NotADirectory);
    }
    let mut mounts = MOUNTS.lock();
    if mounts.iter().any(|m| Arc::ptr_eq(&m.covered, on)) {
        return Err(Error::Busy);
    }
    mounts.push(Mount {
        covered: on.clone(),
        root: fs_root,
        info,
    });
    Ok(())
}

/// Makes a new file system of kind `fs` and mounts it on the directory `on` (the mount
/// call). Processes whose working or root directory is `on` move onto the new root, as
/// BSD's `checkdirs` does. The system root cannot be covered: the kernel's own root
/// (BSD's `rootvnode`, which `checkdirs` would move) is fixed here, so that is Busy.
pub fn mount_new(on: &Arc<Inode>, fs: NewFs, info: MountInfo) -> Result<()> {
    if !on.is_dir() {
        return Err(Error::NotADirectory);
    }
    if Arc::ptr_eq(on, &root()) {
        return Err(Error::Busy);
    }
    let fs_root = {
        let mut mounts = MOUNTS.lock();
        if mounts.iter().any(|m| Arc::ptr_eq(&m.covered, on)) {
            return Err(Error::Busy);
        }
        let fs_root = match fs {
            NewFs::Procfs(flavour) => procfs::new_instance_of(flavour),
        };
        mounts.push(Mount {
            covered: on.clone(),
            root: fs_root.clone(),
            info,
        });
        fs_root
    };
    for p in crate::process::all() {
        p.with_fs(|ctx| {
            if Arc::ptr_eq(&ctx.cwd, on) {
                ctx.cwd = fs_root.clone();
            }
            if Arc::ptr_eq(&ctx.root, on) {
                ctx.root = fs_root.clone();
            }
        });
    }
    Ok(())
}

/// Whether `node` is the root of a file system (BSD's VROOT): the system root or a
/// mounted root.
pub fn is_fs_root(node: &Arc<Inode>) -> bool {
    Arc::ptr_eq(node, &root()) || MOUNTS.lock().iter().any(|m| Arc::ptr_eq(&m.root, node))
}

/// Unmounts the file system mounted at `path` (BSD's unmount and dounmount, the file
/// system's part being vflush without FORCECLOSE). In order: the lookup's errors;
/// NotPermitted unless the caller is root or mounted the file system that holds the
/// node; InvalidArgument for the system root or a node that is not the root of a mount;
/// Busy while anything holds a node of it (an open file, a working or root directory,
/// a mapping or a running image, a mount on one of its directories). Open files cannot
/// be revoked here, so there is no forced unmount.
pub fn unmount(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    let node = lookup(ctx, at, path, Follow::Yes)?;
    let owner = MOUNTS
        .lock()
        .iter()
        .find(|m| m.root.device == node.device)
        .map_or(0, |m| m.info.owner);
    // 4.x vfs_syscalls.c `unmount`: the mounter, else plain suser (no jailed root).
    if !ctx.creds.is_host_root() && ctx.creds.euid != owner {
        return Err(Error::NotPermitted);
    }
    if !MOUNTS.lock().iter().any(|m| Arc::ptr_eq(&m.root, &node)) {
        return Err(Error::InvalidArgument);
    }
    let covers_inside = MOUNTS
        .lock()
        .iter()
        .any(|m| m.covered.device == node.device);
    // The mount's reference and ours to the root; one reference an entry below it.
    if covers_inside || Arc::strong_count(&node) > 2 || tree_in_use(&node) {
        return Err(Error::Busy);
    }
    let mut mounts = MOUNTS.lock();
    let Some(i) = mounts.iter().position(|m| Arc::ptr_eq(&m.root, &node)) else {
        return Err(Error::InvalidArgument);
    };
    // Checked again under the lock, against a lookup that raced in since.
    if Arc::strong_count(&node) > 2 {
        return Err(Error::Busy);
    }
    let gone = mounts.remove(i);
    drop(mounts);
    drop(gone);
    Ok(())
}

/// Revokes the character device at `path` (BSD's revoke): the lookup's errors (links
/// followed); InvalidArgument for anything but a character device (there are no block
/// devices here); NotPermitted unless the caller's effective user owns the node or is
/// root; then every open instance of its device number, through this node or any
/// other, is cut off (see [`revoke_device`]), and new opens work as before.
pub fn revoke(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    let node = lookup(ctx, at, path, Follow::Yes)?;
    let crate::vfs::node::Body::CharDevice(dev) = &node.body else {
        return Err(Error::InvalidArgument);
    };
    if ctx.creds.euid != node.stat().uid && !ctx.creds.is_root() {
        return Err(Error::NotPermitted);
    }
    revoke_device(dev.number());
    Ok(())
}

/// The root of the file system numbered `device`: the system root or a mounted one.
pub fn fs_root_of(device: u64) -> Option<Arc<Inode>> {
    let system = root();
    if system.device == device {
        return Some(system);
    }
    MOUNTS
        .lock()
        .iter()
        .find(|m| m.root.device == device)
        .map(|m| m.root.clone())
}

/// The node numbered `number` that a name under `fs_root` leads to, on the same file
/// system (file handles: BSD's VFS_FHTOVP finds an inode by number; a node no name
/// leads to any more is stale there). A walk of the tree: handle calls are rare, and a
/// table kept for them would cost every node made and dropped.
pub fn linked_node_by_number(fs_root: &Arc<Inode>, number: u64) -> Option<Arc<Inode>> {
    let mut dirs = alloc::vec![fs_root.clone()];
    while let Some(dir) = dirs.pop() {
        if dir.number == number {
            return Some(dir);
        }
        let Ok(data) = dir.dir() else { continue };
        for (_, child) in data.lock().entries.values() {
            if child.device != fs_root.device {
                continue;
            }
            if child.is_dir() {
                dirs.push(child.clone());
            } else if child.number == number {
                return Some(child.clone());
            }
        }
    }
    None
}

/// Whether something beside the directory entries holds a node under `dir` (each name
/// of a node holds one reference; a directory has one name).
fn tree_in_use(dir: &Arc<Inode>) -> bool {
    let mut dirs: Vec<Arc<Inode>> = Vec::new();
    let mut at = Some(dir.clone());
    while let Some(d) = at {
        let Ok(data) = d.dir() else {
            at = dirs.pop();
            continue;
        };
        let data = data.lock();
        for (_, child) in data.entries.values() {
            let names = if child.is_dir() {
                1
            } else {
                child.links().max(1) as usize
            };
            if Arc::strong_count(child) > names {
                return true;
            }
            if child.is_dir() {
                dirs.push(child.clone());
            }
        }
        drop(data);
        at = dirs.pop();
    }
    false
}

/// Every mounted file system, as the file system its root is on: the system root
/// first, then the others in mount order (getfsstat).
pub fn mounted() -> Vec<FsInfo> {
    let roots: Vec<Arc<Inode>> = MOUNTS.lock().iter().map(|m| m.root.clone()).collect();
    core::iter::once(root())
        .chain(roots)
        .map(|r| fs_info(&r))
        .collect()
}

/// Mounts `fs_root` on the directory `name` of the system root, making it if missing
/// (/dev, /proc), as `type_name`.
pub fn mount_at_top(name: &[u8], fs_root: Arc<Inode>, type_name: &'static str) -> Result<()> {
    let system = root();
    let on = {
        let mut data = system.dir()?.lock();
        match data.get(name) {
            Some(d) if d.is_dir() => d,
            Some(_) => return Err(Error::NotADirectory),
            None => {
                let d = tmpfs::make(system.device, 0o755, 0, 0, tmpfs::Kind::Directory);
                tmpfs::attach(&system, &mut data, name, &d);
                d
            }
        }
    };
    let mut at = b"/".to_vec();
    at.extend_from_slice(name);
    let info = MountInfo {
        type_name,
        on: at,
        flags: MountFlags::default(),
        owner: 0,
    };
    mount(&on, fs_root, info)
}

/// What is mounted on `dir`, if anything (followed down, for stacked mounts).
fn mounted_on(dir: &Arc<Inode>) -> Option<Arc<Inode>> {
    let mounts = MOUNTS.lock();
    let mut at = mounts
        .iter()
        .find(|m| Arc::ptr_eq(&m.covered, dir))?
        .root
        .clone();
    while let Some(m) = mounts.iter().find(|m| Arc::ptr_eq(&m.covered, &at)) {
        at = m.root.clone();
    }
    Some(at)
}

/// The directory a mounted root covers.
fn covered_by(fs_root: &Arc<Inode>) -> Option<Arc<Inode>> {
    MOUNTS
        .lock()
        .iter()
        .find(|m| Arc::ptr_eq(&m.root, fs_root))
        .map(|m| m.covered.clone())
}

fn is_mount_point(node: &Arc<Inode>) -> bool {
    let mounts = MOUNTS.lock();
    mounts
        .iter()
        .any(|m| Arc::ptr_eq(&m.covered, node) || Arc::ptr_eq(&m.root, node))
}

/// The parent of a directory inside its own file system (None at a file system's root
/// or for a removed directory).
fn parent_of(dir: &Arc<Inode>) -> Option<Arc<Inode>> {
    dir.dir().ok()?.lock().parent.upgrade()
}

/// `..` of `dir`, as seen from a process whose root is `ctx.root` and whose first
/// chroot was `ctx.top` (".." stays at either, as 4.x's lookup does at ni_rootdir and
/// ni_topdir).
fn dot_dot(ctx: &FsContext, dir: &Arc<Inode>) -> Result<Arc<Inode>> {
    dot_dot_crossing(ctx, dir).map(|(up, _)| up)
}

/// [`dot_dot`], and whether it came out of the emulation root to the root.
fn dot_dot_crossing(ctx: &FsContext, dir: &Arc<Inode>) -> Result<(Arc<Inode>, bool)> {
    let mut at = dir.clone();
    loop {
        if Arc::ptr_eq(&at, &ctx.root) || ctx.top.as_ref().is_some_and(|t| Arc::ptr_eq(&at, t)) {
            return Ok((at, false));
        }
        if let Some(p) = parent_of(&at) {
            if ctx
                .emulation_root
                .as_ref()
                .is_some_and(|e| Arc::ptr_eq(e, &p))
            {
                return Ok((ctx.root.clone(), true));
            }
            return Ok((p, false));
        }
        // A file system's root: step onto the directory it covers, and up from there.
        match covered_by(&at) {
            Some(covered) => at = covered,
            None if at.links() == 0 => return Err(Error::NotFound),
            None => return Ok((at, false)),
        }
    }
}

fn split_components(path: &[u8]) -> VecDeque<Vec<u8>> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// How to resolve the last component of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Follow a symlink in the last position (open, stat, chdir...).
    Yes,
    /// Return the symlink itself (lstat, unlink, readlink, O_NOFOLLOW...).
    No,
}

/// Where a relative path starts: the working directory, or a directory descriptor's node.
fn start_dir(ctx: &FsContext, path: &[u8], at: Option<&Arc<Inode>>) -> Arc<Inode> {
    if path.first() == Some(&b'/') {
        ctx.root.clone()
    } else {
        at.cloned().unwrap_or_else(|| ctx.cwd.clone())
    }
}

/// The result of resolving all but the last component.
#[derive(Debug)]
pub struct Parent {
    pub dir: Arc<Inode>,
    /// The last component ("." when the path names a directory with a trailing slash
    /// or is "/"); never contains '/'.
    pub name: Vec<u8>,
    /// The path ended in '/' (the last component must then be a directory).
    pub trailing_slash: bool,
}

/// Resolves every component but the last, following symlinks on the way.
pub fn lookup_parent(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<Parent> {
    if path.is_empty() {
        return Err(Error::NotFound);
    }
    if path.len() >= PATH_MAX {
        return Err(Error::NameTooLong);
    }
    let mut comps = split_components(path);
    let trailing_slash = path.ends_with(b"/");
    let name = comps.pop_back().unwrap_or_else(|| b".".to_vec());
    if name.len() > NAME_MAX {
        return Err(Error::NameTooLong);
    }
    let mut links = 0;
    let start = start_dir(ctx, path, at);
    // A relative path from the root itself is looked up as from the root a ".." out
    // of the emulation root reached: "etc" from "/" is "/etc", the compat tree's.
    let from_root = path.first() != Some(&b'/')
        && ctx.emulation_root.is_some()
        && Arc::ptr_eq(&start, &ctx.root);
    let (mut dir, out_of_emulation) = walk_from(ctx, start, comps, &mut links, from_root)?;
    if !dir.is_dir() {
        return Err(Error::NotADirectory);
    }
    // Out of the emulation root, a last name it has is its: the parent is then the
    // emulation root, so lookup, unlink, rmdir, rename and a relative link's target
    // all act where the name was found (as an absolute path's compat prefix does).
    if out_of_emulation && let Some((_, emulation_root)) = in_emulation_root(ctx, &name) {
        dir = emulation_root.clone();
    }
    Ok(Parent {
        dir,
        name,
        trailing_slash,
    })
}

/// Resolves `path` to a node.
pub fn lookup(
    ctx: &FsContext,
    at: Option<&Arc<Inode>>,
    path: &[u8],
    follow: Follow,
) -> Result<Arc<Inode>> {
    let parent = lookup_parent(ctx, at, path)?;
    let mut links = 0;
    let node = step(ctx, &parent.dir, &parent.name)?;
    let node = match node.symlink_target() {
        Some(target) if follow == Follow::Yes || parent.trailing_slash => {
            follow_link(ctx, &parent.dir, &target, &mut links)?
        }
        _ => node,
    };
    if parent.trailing_slash && !node.is_dir() {
        return Err(Error::NotADirectory);
    }
    Ok(node)
}

/// One step from directory `dir` by `name` (with search permission on `dir`), crossing
/// mount points.
fn step(ctx: &FsContext, dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>> {
    step_crossing(ctx, dir, name).map(|(node, _)| node)
}

/// [`step`], and whether it was a ".." out of the emulation root to the root.
fn step_crossing(ctx: &FsContext, dir: &Arc<Inode>, name: &[u8]) -> Result<(Arc<Inode>, bool)> {
    crate::stats::NAME_LOOKUPS.inc();
    if !dir.is_dir() {
        return Err(Error::NotADirectory);
    }
    check_access(dir, &ctx.creds, Access::EXECUTE)?;
    if name.len() > NAME_MAX {
        return Err(Error::NameTooLong);
    }
    match name {
        b"." => Ok((dir.clone(), false)),
        b".." => dot_dot_crossing(ctx, dir),
        _ => {
            procfs::refresh(dir);
            if procfs::hidden(dir, ctx.creds.jailed)
                .iter()
                .any(|h| h == name)
            {
                return Err(Error::NotFound);
            }
            let child = dir.dir()?.lock().get(name).ok_or(Error::NotFound)?;
            Ok((mounted_on(&child).unwrap_or(child), false))
        }
    }
}

fn follow_link(
    ctx: &FsContext,
    dir: &Arc<Inode>,
    target: &[u8],
    links: &mut usize,
) -> Result<Arc<Inode>> {
    *links += 1;
    if *links > MAX_SYMLINKS {
        return Err(Error::Loop);
    }
    if target.is_empty() {
        return Err(Error::NotFound);
    }
    let start = if target.first() == Some(&b'/') {
        ctx.root.clone()
    } else {
        dir.clone()
    };
    walk(ctx, start, split_components(target), links)
}

/// Walks `comps` from `start`, following every symlink met.
fn walk(
    ctx: &FsContext,
    start: Arc<Inode>,
    comps: VecDeque<Vec<u8>>,
    links: &mut usize,
) -> Result<Arc<Inode>> {
    walk_from(ctx, start, comps, links, false).map(|(at, _)| at)
}

/// [`step`], from the root reached by a ".." out of the emulation root (`out`): a
/// name the emulation root has is its, so the walk goes on in the tree it came from
/// ("../usr/share" from its etc, a relative link there); other names are the root's.
/// Also the emulation root when the name was found there (a relative link in it
/// starts there, not at `dir`).
fn step_out(
    ctx: &FsContext,
    dir: &Arc<Inode>,
    name: &[u8],
    out: bool,
) -> Result<(Arc<Inode>, Option<Arc<Inode>>)> {
    if out && let Some((found, emulation_root)) = in_emulation_root(ctx, name) {
        return Ok((found, Some(emulation_root.clone())));
    }
    Ok((step(ctx, dir, name)?, None))
}

/// What `name` is in the emulation root, if it has it (never "." or ".."), and that
/// root.
fn in_emulation_root<'a>(ctx: &'a FsContext, name: &[u8]) -> Option<(Arc<Inode>, &'a Arc<Inode>)> {
    if matches!(name, b"." | b"..") {
        return None;
    }
    let emulation_root = ctx.emulation_root.as_ref()?;
    Some((step(ctx, emulation_root, name).ok()?, emulation_root))
}

/// [`walk`] from `start`, which is the root reached out of the emulation root when
/// `out`; and whether the walk ends at such a root (by a ".." out of the emulation
/// root, with only "." and ".." after).
fn walk_from(
    ctx: &FsContext,
    start: Arc<Inode>,
    mut comps: VecDeque<Vec<u8>>,
    links: &mut usize,
    mut out: bool,
) -> Result<(Arc<Inode>, bool)> {
    let mut at = start;
    while let Some(name) = comps.pop_front() {
        let next = if name == b".." {
            let (next, crossed) = step_crossing(ctx, &at, &name)?;
            // Out when this ".." left the emulation root, or stayed at the root after.
            out = crossed || (out && Arc::ptr_eq(&next, &ctx.root));
            next
        } else {
            let (next, found_in) = step_out(ctx, &at, &name, out)?;
            out = out && name == b".";
            if let Some(dir) = found_in {
                at = dir;
            }
            next
        };
        if let Some(target) = next.symlink_target() {
            *links += 1;
            if *links > MAX_SYMLINKS {
                return Err(Error::Loop);
            }
            let mut expanded = split_components(&target);
            if expanded.len() + comps.len() > PATH_MAX / 2 {
                return Err(Error::NameTooLong);
            }
            if target.first() == Some(&b'/') {
                at = ctx.root.clone();
            }
            expanded.extend(comps);
            comps = expanded;
            continue;
        }
        at = next;
    }
    Ok((at, out))
}

/// Checks that `creds` may add or remove entries of `dir` (write and search), and, for
/// a sticky directory, that it may remove `victim`.
fn check_dir_change(dir: &Inode, creds: &Credentials, victim: Option<&Inode>) -> Result<()> {
    check_access(
        dir,
        creds,
        Access {
            read: false,
            write: true,
            execute: true,
        },
    )?;
    if let Some(v) = victim
        && dir.mode() & 0o1000 != 0
        && !creds.is_root()
        && v.owner().0 != creds.euid
        && dir.owner().0 != creds.euid
    {
        return Err(Error::NotPermitted);
    }
    Ok(())
}

/// The name to create in `parent`: "." and ".." are taken already.
fn new_name(parent: &Parent) -> Result<&[u8]> {
    match parent.name.as_slice() {
        b"." | b".." => Err(Error::Exists),
        n => Ok(n),
    }
}

/// Links a fresh node under `parent`, which must not have the name yet.
fn link_new(ctx: &FsContext, parent: &Parent, node: &Arc<Inode>) -> Result<()> {
    let name = new_name(parent)?;
    check_dir_change(&parent.dir, &ctx.creds, None)?;
    let mut dir = parent.dir.dir()?.lock();
    if dir.get(name).is_some() {
        return Err(Error::Exists);
    }
    if parent.dir.links() == 0 {
        return Err(Error::NotFound);
    }
    tmpfs::attach(&parent.dir, &mut dir, name, node);
    drop(dir);
    parent.dir.touch_modify();
    Ok(())
}

/// Creates a directory.
pub fn mkdir(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8], mode: u32) -> Result<()> {
    let parent = lookup_parent(ctx, at, path)?;
    let node = tmpfs::new_node(
        &parent.dir,
        mode & !ctx.umask & 0o7777,
        &ctx.creds,
        tmpfs::Kind::Directory,
    )?;
    link_new(ctx, &parent, &node)
}

/// Adds (or replaces) a regular file at absolute `path`, making its directories: for
/// the kernel's own tests.
pub fn add_file(path: &str, mode: u32, bytes: Vec<u8>) -> Result<()> {
    tmpfs::add_file(path, mode, &bytes).map(|_| ())
}

/// The contents of the regular file at absolute `path`, looked up as root.
pub fn read_file(path: &str) -> Result<Vec<u8>> {
    let node = lookup(&FsContext::initial(), None, path.as_bytes(), Follow::Yes)?;
    node.read_all()
}

/// What mknod creates.
#[derive(Clone, Debug)]
pub enum Special {
    Fifo,
    Device(Arc<dyn Device>),
    /// A Unix-domain socket's name (bind).
    Socket(alloc::sync::Weak<crate::file::socket::Socket>),
}

/// Creates a FIFO or a device node (devices: root only).
pub fn mknod(
    ctx: &FsContext,
    at: Option<&Arc<Inode>>,
    path: &[u8],
    mode: u32,
    special: Special,
) -> Result<()> {
    let parent = lookup_parent(ctx, at, path)?;
    if parent.trailing_slash {
        return Err(Error::NotFound);
    }
    let kind = match special {
        Special::Fifo => tmpfs::Kind::Fifo,
        // 4.x vfs_syscalls.c `mknod`: plain suser for a device (no jailed root).
        Special::Device(d) if ctx.creds.is_host_root() => tmpfs::Kind::Device(d),
        Special::Device(_) => return Err(Error::NotPermitted),
        Special::Socket(s) => tmpfs::Kind::Socket(s),
    };
    let node = tmpfs::new_node(&parent.dir, mode & !ctx.umask & 0o7777, &ctx.creds, kind)?;
    link_new(ctx, &parent, &node)
}

/// Creates a symlink at `path` holding `target`.
pub fn symlink(ctx: &FsContext, target: &[u8], at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    if target.len() >= PATH_MAX {
        return Err(Error::NameTooLong);
    }
    let parent = lookup_parent(ctx, at, path)?;
    if parent.trailing_slash {
        return Err(Error::NotFound);
    }
    let node = tmpfs::new_node(
        &parent.dir,
        0o777,
        &ctx.creds,
        tmpfs::Kind::Symlink(target.to_vec()),
    )?;
    link_new(ctx, &parent, &node)
}

/// Reads a symlink's target.
pub fn readlink(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<Vec<u8>> {
    let node = lookup(ctx, at, path, Follow::No)?;
    let target = node
        .symlink_target()
        .ok_or(Error::InvalidArgument)?
        .to_vec();
    node.touch_access();
    Ok(target)
}

/// Makes a new name for an existing non-directory.
pub fn link(
    ctx: &FsContext,
    old_at: Option<&Arc<Inode>>,
    old: &[u8],
    follow: Follow,
    new_at: Option<&Arc<Inode>>,
    new: &[u8],
) -> Result<()> {
    let node = lookup(ctx, old_at, old, follow)?;
    if node.is_dir() {
        return Err(Error::NotPermitted);
    }
    let parent = lookup_parent(ctx, new_at, new)?;
    if parent.trailing_slash {
        return Err(Error::NotFound);
    }
    if parent.dir.device != node.device {
        return Err(Error::CrossDevice);
    }
    // A new name takes heap as a new node does (tmpfs::new_node's check): past the
    // reserve, ENOSPC rather than the heap running dry under the kernel.
    if crate::mm::heap::under_pressure() {
        return Err(Error::NoSpace);
    }
    // ufs_link: no new names for an immutable or append-only file.
    if node.flags() & (file_flags::IMMUTABLE | file_flags::APPEND) != 0 {
        return Err(Error::NotPermitted);
    }
    link_new(ctx, &parent, &node)?;
    node.touch_change();
    Ok(())
}

/// Removes a name of a non-directory (the node lives on while open).
pub fn unlink(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    let parent = lookup_parent(ctx, at, path)?;
    let name = parent.name.as_slice();
    if name == b"." || name == b".." {
        return Err(Error::IsADirectory);
    }
    let node = step(ctx, &parent.dir, name)?;
    if node.is_dir() {
        return Err(Error::IsADirectory);
    }
    if parent.trailing_slash {
        return Err(Error::NotADirectory);
    }
    check_dir_change(&parent.dir, &ctx.creds, Some(&node))?;
    check_name_removable(&parent.dir, &node)?;
    let mut dir = parent.dir.dir()?.lock();
    let removed = dir.remove(name).ok_or(Error::NotFound)?;
    drop(dir);
    tmpfs::detach(&parent.dir, &removed);
    parent.dir.touch_modify();
    Ok(())
}

/// Removes an empty directory.
pub fn rmdir(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    let parent = lookup_parent(ctx, at, path)?;
    match parent.name.as_slice() {
        b"." => return Err(Error::InvalidArgument),
        b".." => return Err(Error::NotEmpty),
        _ => {}
    }
    let dir_node = parent.dir.dir()?.lock().get(&parent.name);
    let node = dir_node.ok_or(Error::NotFound)?;
    check_access(&parent.dir, &ctx.creds, Access::EXECUTE)?;
    if !node.is_dir() {
        return Err(Error::NotADirectory);
    }
    if is_mount_point(&node) || Arc::ptr_eq(&node, &ctx.root) {
        return Err(Error::Busy);
    }
    check_dir_change(&parent.dir, &ctx.creds, Some(&node))?;
    if !node.dir()?.lock().is_empty() {
        return Err(Error::NotEmpty);
    }
    check_name_removable(&parent.dir, &node)?;
    parent.dir.dir()?.lock().remove(&parent.name);
    tmpfs::detach(&parent.dir, &node);
    parent.dir.touch_modify();
    Ok(())
}

/// Whether `ancestor` is `node` or above it in its file system.
fn is_ancestor(ancestor: &Arc<Inode>, node: &Arc<Inode>) -> bool {
    let mut at = Some(node.clone());
    while let Some(n) = at {
        if Arc::ptr_eq(&n, ancestor) {
            return true;
        }
        at = parent_of(&n);
    }
    false
}

/// Renames `old` to `new`, replacing what `new` names when the kinds agree (an empty
/// directory for a directory, a non-directory for a non-directory).
pub fn rename(
    ctx: &FsContext,
    old_at: Option<&Arc<Inode>>,
    old: &[u8],
    new_at: Option<&Arc<Inode>>,
    new: &[u8],
) -> Result<()> {
    let from = lookup_parent(ctx, old_at, old)?;
    let to = lookup_parent(ctx, new_at, new)?;
    for p in [&from, &to] {
        if matches!(p.name.as_slice(), b"." | b"..") {
            return Err(Error::InvalidArgument);
        }
    }
    let node = step(ctx, &from.dir, &from.name)?;
    check_access(&to.dir, &ctx.creds, Access::EXECUTE)?;
    if (from.trailing_slash || to.trailing_slash) && !node.is_dir() {
        return Err(Error::NotADirectory);
    }
    if is_mount_point(&node) {
        return Err(Error::Busy);
    }
    if from.dir.device != to.dir.device {
        return Err(Error::CrossDevice);
    }
    // A removed directory takes no new names (ufs_lookup's i_effnlink check).
    if to.dir.links() == 0 {
        return Err(Error::NotFound);
    }
    let target = to.dir.dir()?.lock().get(&to.name);
    if let Some(t) = &target {
        if Arc::ptr_eq(t, &node) {
            return Ok(());
        }
        match (node.is_dir(), t.is_dir()) {
            (true, false) => return Err(Error::NotADirectory),
            (false, true) => return Err(Error::IsADirectory),
            _ => {}
        }
        check_name_removable(&to.dir, t)?;
        if t.is_dir() && !t.dir()?.lock().is_empty() {
            return Err(Error::NotEmpty);
        }
        if is_mount_point(t) {
            return Err(Error::Busy);
        }
    }
    check_name_removable(&from.dir, &node)?;
    // A directory cannot move under itself.
    if node.is_dir() && is_ancestor(&node, &to.dir) {
        return Err(Error::InvalidArgument);
    }
    check_dir_change(&from.dir, &ctx.creds, Some(&node))?;
    check_dir_change(&to.dir, &ctx.creds, target.as_deref())?;
    // Moving a directory rewrites its "..": that needs write access to it.
    if node.is_dir() && !Arc::ptr_eq(&from.dir, &to.dir) {
        check_access(&node, &ctx.creds, Access::WRITE)?;
    }
    // A new name takes heap as link's does (its name may be longer than the one it
    // replaces): past the reserve, ENOSPC (ufs_direnter's full disk) rather than the
    // heap running dry under the kernel. Over an existing name it takes none.
    if target.is_none() && crate::mm::heap::under_pressure() {
        return Err(Error::NoSpace);
    }
    // ufs_rename's order: the new name is entered (over the target where it was, else
    // where there is room while the old name still holds its place), then the old
    // name goes; the order decides where names land in the directory.
    let moved = from
        .dir
        .dir()?
        .lock()
        .get(&from.name)
        .ok_or(Error::NotFound)?;
    let replaced = {
        let mut to_data = to.dir.dir()?.lock();
        match to_data.replace(&to.name, moved.clone()) {
            Some(old) => Some(old),
            None => {
                to_data.insert(&to.name, moved.clone());
                None
            }
        }
    };
    if let Some(t) = replaced {
        tmpfs::detach(&to.dir, &t);
    }
    from.dir.dir()?.lock().remove(&from.name);
    tmpfs::moved(&from.dir, &to.dir, &moved);
    moved.note_rename();
    from.dir.touch_modify();
    to.dir.touch_modify();
    Ok(())
}

/// What `stat`, `lstat` and `fstatat` report.
pub fn stat(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8], follow: Follow) -> Result<Stat> {
    Ok(lookup(ctx, at, path, follow)?.stat())
}

/// access(): checks against the real ids, as the call is defined.
pub fn access(
    ctx: &FsContext,
    at: Option<&Arc<Inode>>,
    path: &[u8],
    want: Access,
    follow: Follow,
) -> Result<()> {
    let mut real = ctx.clone();
    real.creds.euid = ctx.creds.uid;
    real.creds.egid = ctx.creds.gid;
    let node = lookup(&real, at, path, follow)?;
    check_access(&node, &real.creds, want)
}

/// Refuses changes on a read-only file system (procfs), whoever asks.
fn writable_fs(node: &Inode) -> Result<()> {
    if procfs::is_procfs(node.device) {
        return Err(Error::NotPermitted);
    }
    Ok(())
}

/// Changes the permission bits (owner or root).
pub fn chmod(ctx: &FsContext, node: &Inode, mode: u32) -> Result<()> {
    writable_fs(node)?;
    check_attributes_changeable(node)?;
    let (uid, gid) = node.owner();
    if !ctx.creds.is_root() && ctx.creds.euid != uid {
        return Err(Error::NotPermitted);
    }
    let mut mode = mode & 0o7777;
    // Only root may set the sticky bit on a file or set-group-id outside its groups.
    if !ctx.creds.is_root() {
        if !node.is_dir() {
            mode &= !0o1000;
        }
        if !ctx.creds.in_group(gid) {
            mode &= !0o2000;
        }
    }
    node.meta.lock().mode = mode;
    node.touch_change();
    Ok(())
}

/// Changes owner and group (`None` keeps one): root changes anything; an owner may only
/// give the file to one of its own groups.
pub fn chown(ctx: &FsContext, node: &Inode, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    writable_fs(node)?;
    check_attributes_changeable(node)?;
    let (cur_uid, cur_gid) = node.owner();
    if !ctx.creds.is_root() {
        let uid_ok = uid.is_none_or(|u| u == cur_uid);
        let gid_ok = gid.is_none_or(|g| g == cur_gid || ctx.creds.in_group(g));
        if ctx.creds.euid != cur_uid || !uid_ok || !gid_ok {
            return Err(Error::NotPermitted);
        }
    }
    let mut meta = node.meta.lock();
    meta.uid = uid.unwrap_or(cur_uid);
    meta.gid = gid.unwrap_or(cur_gid);
    // The set-id bits go when a user who is not root changes an id (BSD's ufs_chown;
    // giving the file the ids it has keeps them).
    if !ctx.creds.is_root() && (meta.uid, meta.gid) != (cur_uid, cur_gid) {
        meta.mode &= !0o6000;
    }
    drop(meta);
    node.touch_change();
    Ok(())
}

/// How utimes changes one time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSet {
    Now,
    Omit,
    At(Timestamp),
}

/// Sets access and modification times. Explicit times need the owner or root; "now"
/// for both also accepts write permission; omitting both changes nothing.
pub fn utimes(ctx: &FsContext, node: &Inode, atime: TimeSet, mtime: TimeSet) -> Result<()> {
    if atime == TimeSet::Omit && mtime == TimeSet::Omit {
        return Ok(());
    }
    writable_fs(node)?;
    check_attributes_changeable(node)?;
    let owner = ctx.creds.is_root() || ctx.creds.euid == node.owner().0;
    if !owner {
        let explicit = |t| matches!(t, TimeSet::At(_));
        if explicit(atime) || explicit(mtime) {
            return Err(Error::NotPermitted);
        }
        check_access(node, &ctx.creds, Access::WRITE)?;
    }
    let now = Timestamp::now();
    let pick = |set, old| match set {
        TimeSet::Now => now,
        TimeSet::At(t) => t,
        TimeSet::Omit => old,
    };
    let mut meta = node.meta.lock();
    meta.atime = pick(atime, meta.atime);
    meta.mtime = pick(mtime, meta.mtime);
    meta.ctime = now;
    Ok(())
}

/// Truncates the regular file at `path`.
pub fn truncate(ctx: &FsContext, at: Option<&Arc<Inode>>, path: &[u8], size: u64) -> Result<()> {
    let node = lookup(ctx, at, path, Follow::Yes)?;
    if node.is_dir() {
        return Err(Error::IsADirectory);
    }
    check_access(&node, &ctx.creds, Access::WRITE)?;
    node.check_not_running()?;
    check_attributes_changeable(&node)?;
    node.truncate(size)
}

/// Changes the working directory.
///
/// A system call looks the directory up first ([`lookup`]) and makes it the working
/// directory with [`set_cwd`] under the process's lock after: the lookup may follow
/// a procfs link, which reads the process.
pub fn chdir(ctx: &mut FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    let node = lookup(ctx, at, path, Follow::Yes)?;
    set_cwd(ctx, node)
}

/// Makes `dir` the working directory (fchdir).
pub fn set_cwd(ctx: &mut FsContext, dir: Arc<Inode>) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::NotADirectory);
    }
    check_access(&dir, &ctx.creds, Access::EXECUTE)?;
    ctx.cwd = dir;
    Ok(())
}

/// Changes the root directory (root only); the working directory stays where it is.
pub fn chroot(ctx: &mut FsContext, at: Option<&Arc<Inode>>, path: &[u8]) -> Result<()> {
    if !ctx.creds.is_root() {
        return Err(Error::NotPermitted);
    }
    let node = lookup(ctx, at, path, Follow::Yes)?;
    chroot_to(ctx, node)
}

/// [`chroot`] to a directory found already. A system call looks the directory up
/// first and changes its context under the process's lock after: the lookup may
/// follow a procfs link, which reads the process.
pub fn chroot_to(ctx: &mut FsContext, node: Arc<Inode>) -> Result<()> {
    if !ctx.creds.is_root() {
        return Err(Error::NotPermitted);
    }
    if !node.is_dir() {
        return Err(Error::NotADirectory);
    }
    check_access(&node, &ctx.creds, Access::EXECUTE)?;
    // 4.x vfs_syscalls.c `chroot`: the first chroot's directory is fd_jdir too.
    if ctx.top.is_none() {
        ctx.top = Some(node.clone());
    }
    ctx.root = node;
    Ok(())
}

/// The name of `child` in directory `dir`.
fn name_in(dir: &Arc<Inode>, child: &Arc<Inode>) -> Option<Vec<u8>> {
    let d = dir.dir().ok()?.lock();
    d.entries
        .values()
        .find(|(_, n)| {
            Arc::ptr_eq(n, child) || mounted_on(n).is_some_and(|m| Arc::ptr_eq(&m, child))
        })
        .map(|(name, _)| name.clone())
}

/// The path of the working directory from the process's root. A directory outside the
/// root (after chroot) or removed gives NotFound.
pub fn getcwd(ctx: &FsContext) -> Result<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut at = ctx.cwd.clone();
    while !Arc::ptr_eq(&at, &ctx.root) {
        if at.links() == 0 {
            return Err(Error::NotFound);
        }
        let fs_top = match covered_by(&at) {
            Some(covered) => covered,
            None => at.clone(),
        };
        let parent = match parent_of(&fs_top) {
            Some(p) => p,
            // The system root, reached without meeting the process root.
            None => return Err(Error::NotFound),
        };
        names.push(name_in(&parent, &fs_top).ok_or(Error::NotFound)?);
        at = parent;
    }
    let mut path = Vec::new();
    for name in names.iter().rev() {
        path.push(b'/');
        path.extend_from_slice(name);
    }
    if path.is_empty() {
        path.push(b'/');
    }
    Ok(path)
}

/// One directory entry as readdir reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub inode: u64,
    pub kind: NodeType,
    pub name: Vec<u8>,
    /// Where the next read resumes: the offset of the record after this one.
    pub next_cookie: u64,
}

/// One record of a directory as UFS lays it out ([`dirblocks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirRecord {
    pub offset: u64,
    pub reclen: u64,
    /// What it names; `None` for an unused record (a block whose first entry went).
    pub entry: Option<DirEntry>,
}

/// Calls `f` with each record of `dir` that ends past byte `from`, in order, until
/// it returns false; marks the directory read.
pub fn for_each_record(
    ctx: &FsContext,
    dir: &Arc<Inode>,
    from: u64,
    mut f: impl FnMut(DirRecord) -> bool,
) -> Result<()> {
    dir.dir()?;
    let up = if from < dirblocks::FIRST_ENTRY_OFFSET {
        dot_dot(ctx, dir).unwrap_or_else(|_| dir.clone())
    } else {
        dir.clone()
    };
    procfs::refresh(dir);
    let data = dir.dir()?.lock();
    'blocks: for block in from / dirblocks::DIRBLKSIZ..data.size() / dirblocks::DIRBLKSIZ {
        for slot in data.block_slots(block) {
            if slot.offset + slot.reclen <= from {
                continue;
            }
            let entry = (slot.used > 0).then(|| {
                let (inode, kind, name) = match slot.offset {
                    dirblocks::DOT_OFFSET => (dir.number, NodeType::Directory, b".".to_vec()),
                    dirblocks::DOT_DOT_OFFSET => (up.number, NodeType::Directory, b"..".to_vec()),
                    at => {
                        let (name, node) = &data.entries[&at];
                        (node.number, node.kind(), name.clone())
                    }
                };
                DirEntry {
                    inode,
                    kind,
                    name,
                    next_cookie: slot.offset + slot.reclen,
                }
            });
            let record = DirRecord {
                offset: slot.offset,
                reclen: slot.reclen,
                entry,
            };
            if !f(record) {
                break 'blocks;
            }
        }
    }
    drop(data);
    dir.touch_access();
    Ok(())
}

/// Entries of `dir` whose records start at `cookie` or later ("." and ".." first), at
/// most `max`.
pub fn read_dir(
    ctx: &FsContext,
    dir: &Arc<Inode>,
    cookie: u64,
    max: usize,
) -> Result<Vec<DirEntry>> {
    let hidden = procfs::hidden(dir, ctx.creds.jailed);
    let mut out = Vec::new();
    if max == 0 {
        dir.dir()?;
        return Ok(out);
    }
    for_each_record(ctx, dir, cookie, |record| {
        if let Some(e) = record.entry
            && record.offset >= cookie
            && !hidden.contains(&e.name)
        {
            out.push(e);
        }
        out.len() < max
    })?;
    Ok(out)
}

/// A directory's length in bytes as UFS would have it (whole DIRBLKSIZ blocks).
pub fn dir_size(dir: &Inode) -> Result<u64> {
    Ok(dir.dir()?.lock().size())
}

/// What statfs reports of the file system a node is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsInfo {
    /// Its type, where it is mounted, its options and who mounted it.
    pub mount: MountInfo,
    pub device: u64,
    pub block_size: u32,
    /// Capacity and free space in blocks: memory file systems hold what memory holds.
    pub blocks: u64,
    pub free_blocks: u64,
}

/// The file system `node` lives on: the mount whose root has its device number, else
/// the system root's tmpfs.
pub fn fs_info(node: &Inode) -> FsInfo {
    let device = node.stat().device;
    let info = MOUNTS
        .lock()
        .iter()
        .find(|m| m.root.device == device)
        .map(|m| m.info.clone())
        .unwrap_or_else(|| MountInfo {
            type_name: ROOT_TYPE,
            on: b"/".to_vec(),
            flags: MountFlags::default(),
            owner: 0,
        });
    let (blocks, free_blocks) = {
        let frames = crate::mm::frame::FRAMES.lock();
        (frames.usable_count() as u64, frames.free_count() as u64)
    };
    FsInfo {
        mount: info,
        device,
        block_size: 4096,
        blocks,
        free_blocks,
    }
}
