//! tmpfs: the in-memory file system the root lives on. Nodes and their link counts,
//! and the loading of the boot archive into it.

use super::node::{Body, DirData, FileData, Inode, Timestamp};
use super::{Credentials, Device, Error, FsContext, Result};
use crate::sync::Mutex;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use nymph_cpio::Reader;

/// st_dev of the root tmpfs.
pub const ROOT_DEVICE: u64 = 1;

static NEXT_INODE: AtomicU64 = AtomicU64::new(2);

/// What kind of node to make.
#[derive(Debug)]
pub enum Kind {
    Regular,
    Directory,
    Symlink(Vec<u8>),
    Fifo,
    Device(Arc<dyn Device>),
    Socket(alloc::sync::Weak<crate::file::socket::Socket>),
    /// Contents made on each read (procfs).
    Generated(super::node::Generator),
    /// A symlink whose target is made on each lookup (/proc/self).
    ComputedLink(super::node::Generator),
    /// A regular file served by an object (see `Body::Special`).
    Special(Arc<dyn Device>),
}

fn body(kind: Kind) -> Body {
    match kind {
        Kind::Regular => Body::Regular(Mutex::new(FileData::default())),
        Kind::Directory => Body::Directory(Mutex::new(DirData::default())),
        Kind::Symlink(t) => Body::Symlink(t),
        Kind::Fifo => Body::Fifo(Mutex::new(alloc::sync::Weak::new())),
        Kind::Device(d) => Body::CharDevice(d),
        Kind::Socket(s) => Body::Socket(s),
        Kind::Generated(g) => Body::Generated(g),
        Kind::ComputedLink(f) => Body::ComputedLink(f),
        Kind::Special(d) => Body::Special(d),
    }
}

/// Nodes processes have made and that still exist.
static NODES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
/// The most nodes processes may make, fixed at the first: one per page of memory free
/// then. Each takes kernel heap, which grows with them; without a bound of its own,
/// one process making empty files could take the heap to its limit and its reserve.
static NODE_LIMIT: spin::Once<usize> = spin::Once::new();

/// The most nodes processes may make.
pub fn made_node_limit() -> usize {
    *NODE_LIMIT.call_once(node_limit)
}

/// A node made by a process went.
pub(crate) fn node_gone() {
    NODES.fetch_sub(1, Ordering::Relaxed);
}

/// A node with no name yet, on `dir`'s file system, owned by the caller (its group is
/// the directory's, as in BSD). `NoSpace` past the bound on nodes, or when the kernel
/// heap is down to its reserve.
pub fn new_node(dir: &Inode, mode: u32, creds: &Credentials, kind: Kind) -> Result<Arc<Inode>> {
    let limit = *NODE_LIMIT.call_once(node_limit);
    if NODES.load(Ordering::Relaxed) >= limit || crate::mm::heap::under_pressure() {
        return Err(crate::error::Error::NoSpace);
    }
    let node = make(dir.device, mode, creds.euid, dir.owner().1, kind);
    NODES.fetch_add(1, Ordering::Relaxed);
    node.counted.store(true, Ordering::Relaxed);
    Ok(node)
}

#[cfg(not(test))]
fn node_limit() -> usize {
    crate::mm::frame::FRAMES.lock().free_count()
}

/// Host unit tests have no frames: no bound but the heap's.
#[cfg(test)]
fn node_limit() -> usize {
    usize::MAX
}

/// A node on file system `device`.
pub fn make(device: u64, mode: u32, uid: u32, gid: u32, kind: Kind) -> Arc<Inode> {
    let is_dir = matches!(kind, Kind::Directory);
    let number = NEXT_INODE.fetch_add(1, Ordering::Relaxed);
    let node = Inode::new(device, number, mode, uid, gid, body(kind));
    if is_dir {
        // Its own ".".
        node.meta.lock().links = 1;
    }
    node
}

/// The root directory of a new tmpfs.
pub fn new_root() -> Arc<Inode> {
    new_fs_root(ROOT_DEVICE, 0o755)
}

/// The root directory of a new in-memory file system numbered `device`.
pub fn new_fs_root(device: u64, mode: u32) -> Arc<Inode> {
    let root = make(device, mode, 0, 0, Kind::Directory);
    // "." and the ".." that points at itself.
    root.meta.lock().links = 2;
    root
}

/// Enters `node` in `parent` (whose entries `data` are, locked) as `name`.
pub(crate) fn attach(parent: &Arc<Inode>, data: &mut DirData, name: &[u8], node: &Arc<Inode>) {
    data.insert(name, node.clone());
    node.meta.lock().links += 1;
    if let Ok(d) = node.dir() {
        d.lock().parent = Arc::downgrade(parent);
        parent.meta.lock().links += 1;
    }
    node.touch_change();
}

/// Accounts for `node`'s entry in `parent` having been removed.
pub(crate) fn detach(parent: &Arc<Inode>, node: &Arc<Inode>) {
    if let Ok(d) = node.dir() {
        let mut d = d.lock();
        d.parent = alloc::sync::Weak::new();
        d.truncate_removed();
        drop(d);
        node.meta.lock().links = 0;
        let mut p = parent.meta.lock();
        p.links = p.links.saturating_sub(1);
    } else {
        let mut m = node.meta.lock();
        m.links = m.links.saturating_sub(1);
    }
    node.touch_change();
}

/// Accounts for `node` having moved from `from` to `to` (rename).
pub(crate) fn moved(from: &Arc<Inode>, to: &Arc<Inode>, node: &Arc<Inode>) {
    if let Ok(d) = node.dir()
        && !Arc::ptr_eq(from, to)
    {
        d.lock().parent = Arc::downgrade(to);
        let mut f = from.meta.lock();
        f.links = f.links.saturating_sub(1);
        drop(f);
        to.meta.lock().links += 1;
    }
    node.touch_change();
}

/// Fills the root from a newc archive; returns the number of entries. Directories the
/// archive leaves implicit are made; file data stays in the archive until written.
pub fn load_archive(archive: &'static [u8]) -> Result<usize> {
    let ctx = FsContext::initial();
    let mut count = 0;
    // Files with more than one name, by their inode number in the archive.
    let mut linked: BTreeMap<u32, Arc<Inode>> = BTreeMap::new();
    // Directories' times are set last: entering their members would move them.
    let mut dir_times = Vec::new();
    for entry in Reader::new(archive) {
        let entry = entry.map_err(|_| Error::InvalidArchive)?;
        let path = entry.name.as_bytes();
        let comps: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty() && *c != b".")
            .collect();
        let Some((last, dirs)) = comps.split_last() else {
            continue;
        };
        if comps.contains(&&b".."[..]) {
            return Err(Error::InvalidArchive);
        }
        let mut dir = ctx.root.clone();
        for comp in dirs {
            dir = ensure_dir(&dir, comp, 0o755, 0, 0)?;
        }
        let mode = entry.mode & 0o7777;
        if entry.is_dir() {
            let d = ensure_dir(&dir, last, mode, entry.uid, entry.gid)?;
            let mut meta = d.meta.lock();
            meta.mode = mode;
            meta.uid = entry.uid;
            meta.gid = entry.gid;
            drop(meta);
            if entry.mtime != 0 {
                dir_times.push((d, entry.mtime));
            }
        } else {
            let hard_linked = entry.is_file() && entry.nlink > 1;
            let node = match linked.get(&entry.ino) {
                Some(node) if hard_linked => node.clone(),
                _ => {
                    let kind = if entry.is_symlink() {
                        Kind::Symlink(entry.data.to_vec())
                    } else {
                        Kind::Regular
                    };
                    let node = make(dir.device, mode, entry.uid, entry.gid, kind);
                    set_archive_time(&node, entry.mtime);
                    if hard_linked {
                        linked.insert(entry.ino, node.clone());
                    }
                    node
                }
            };
            // One of a file's names carries its data (GNU cpio: the last).
            if let Ok(data) = node.data()
                && !entry.data.is_empty()
            {
                let mut data = data.lock();
                data.backing = entry.data;
                data.size = entry.data.len() as u64;
            }
            let mut data = dir.dir()?.lock();
            if let Some(old) = data.remove(last) {
                detach(&dir, &old);
            }
            attach(&dir, &mut data, last, &node);
        }
        count += 1;
    }
    for (dir, mtime) in dir_times {
        set_archive_time(&dir, mtime);
    }
    Ok(count)
}

/// Gives `node` the modification time an archive member has (also as its access
/// time, as `cpio -m` and `tar` leave them); 0, a member with none, keeps the boot's.
fn set_archive_time(node: &Inode, mtime: u32) {
    if mtime != 0 {
        let time = Timestamp {
            seconds: i64::from(mtime),
            nanoseconds: 0,
        };
        let mut meta = node.meta.lock();
        meta.mtime = time;
        meta.atime = time;
    }
}

/// The directory `name` in `dir`, made if missing.
fn ensure_dir(dir: &Arc<Inode>, name: &[u8], mode: u32, uid: u32, gid: u32) -> Result<Arc<Inode>> {
    let mut data = dir.dir()?.lock();
    if let Some(existing) = data.get(name) {
        return if existing.is_dir() {
            Ok(existing)
        } else {
            Err(Error::InvalidArchive)
        };
    }
    let node = make(dir.device, mode, uid, gid, Kind::Directory);
    attach(dir, &mut data, name, &node);
    Ok(node)
}

/// Adds (or replaces) a regular file holding `bytes` at absolute `path`, making its
/// directories: for the kernel's own tests and the boot.
pub fn add_file(path: &str, mode: u32, bytes: &[u8]) -> Result<Arc<Inode>> {
    let ctx = FsContext::initial();
    let comps: Vec<&[u8]> = path
        .as_bytes()
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    let (last, dirs) = comps.split_last().ok_or(Error::InvalidArgument)?;
    let mut dir = ctx.root.clone();
    for comp in dirs {
        dir = ensure_dir(&dir, comp, 0o755, 0, 0)?;
    }
    let node = make(dir.device, mode, 0, 0, Kind::Regular);
    node.write_at(0, bytes)?;
    let mut data = dir.dir()?.lock();
    if let Some(old) = data.remove(last) {
        detach(&dir, &old);
    }
    attach(&dir, &mut data, last, &node);
    Ok(node)
}
