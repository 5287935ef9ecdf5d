//! procfs: a read-only view of the process table, mounted at /proc. Each process has a
//! directory named by its pid holding `status`, a text file of "key value" lines made
//! anew on every read; `self` is a link to the caller's own directory. The directories
//! follow the table: they are brought up to date whenever /proc is searched or listed.
//! A mount call may make more instances, each with its own device number.

use super::Result;
use super::node::{Generator, Inode};
use super::tmpfs::{self, Kind};
use crate::process::{self, Pid};
use crate::sync::Mutex;
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// st_dev of the procfs the boot mounts at /proc.
pub const DEVICE: u64 = 3;

/// st_dev of the first procfs a mount call makes; each new one takes the next number
/// (4.x's vfs_getnewfsid gives every mount its own fsid). Only numbers handed out so
/// far are procfs's (other file systems, the tests' among them, number their own).
const FIRST_MOUNTED_DEVICE: u64 = 0x100;

static NEXT_DEVICE: AtomicU64 = AtomicU64::new(FIRST_MOUNTED_DEVICE);

/// The root of every procfs mounted. Weak: the mount holds it; an unmounted one goes,
/// and its entry with the next instance made.
static INSTANCES: Mutex<Vec<Weak<Inode>>> = Mutex::new(Vec::new());

/// A new procfs on `device`: its root with `self` (the pid directories come with the
/// first refresh).
fn make_instance(device: u64) -> Arc<Inode> {
    let root = tmpfs::new_fs_root(device, 0o555);
    let link = tmpfs::make(device, 0o777, 0, 0, Kind::ComputedLink(self_target));
    if let Ok(dir) = root.dir() {
        tmpfs::attach(&root, &mut dir.lock(), b"self", &link);
    }
    let mut roots = INSTANCES.lock();
    roots.retain(|r| r.strong_count() > 0);
    roots.push(Arc::downgrade(&root));
    drop(roots);
    root
}

/// A new procfs with a device number of its own, for a mount call.
pub fn new_instance() -> Arc<Inode> {
    make_instance(NEXT_DEVICE.fetch_add(1, Ordering::Relaxed))
}

/// Whether `device` is a procfs's (a node of an unmounted one that something still
/// holds stays read-only).
pub fn is_procfs(device: u64) -> bool {
    device == DEVICE
        || (FIRST_MOUNTED_DEVICE..NEXT_DEVICE.load(Ordering::Relaxed)).contains(&device)
}

/// Mounts procfs at /proc of the system root, making /proc if it is missing.
pub fn mount() -> Result<()> {
    super::mount_at_top(b"proc", make_instance(DEVICE), "procfs")
}

/// Where /proc/self points: the caller's pid (empty, so not found, for a kernel thread).
fn self_target() -> Vec<u8> {
    process::current().map_or_else(Vec::new, |p| format!("{}", p.pid.0).into_bytes())
}

fn pid_of_name(name: &[u8]) -> Option<u32> {
    core::str::from_utf8(name).ok()?.parse().ok()
}

/// The pid directories of `dir` the calling process (`jailed` says if its credentials
/// are) may not see, if `dir` is procfs's: a prisoner sees only its prison's members
/// (4.x procfs_vnops.c: procfs_lookup and procfs_readdir pass over what PRISON_CHECK
/// refuses). Empty for everyone else, found without a lock.
pub fn hidden(dir: &Arc<Inode>, jailed: bool) -> Vec<Vec<u8>> {
    if !jailed || !is_procfs(dir.device) {
        return Vec::new();
    }
    let Some(me) = process::current() else {
        return Vec::new();
    };
    if process::prison::prison(&me).is_none() {
        return Vec::new();
    }
    process::all()
        .iter()
        .filter(|p| !process::prison::sees(&me, p))
        .map(|p| format!("{}", p.pid.0).into_bytes())
        .collect()
}

/// Brings procfs's root up to date with the process table when `dir` is that root: a
/// directory for every process in the table (zombies too), none for a pid gone.
pub fn refresh(dir: &Arc<Inode>) {
    // The common case, a tmpfs or devfs directory, without taking the lock.
    if !is_procfs(dir.device) {
        return;
    }
    let is_root = INSTANCES
        .lock()
        .iter()
        .any(|r| core::ptr::eq(r.as_ptr(), Arc::as_ptr(dir)));
    if !is_root {
        return;
    }
    let (root, device) = (dir, dir.device);
    let pids: Vec<u32> = process::all().iter().map(|p| p.pid.0).collect();
    let Ok(entries) = root.dir() else { return };
    let mut data = entries.lock();
    let stale: Vec<Vec<u8>> = data
        .names
        .keys()
        .filter(|name| pid_of_name(name).is_some_and(|pid| !pids.contains(&pid)))
        .cloned()
        .collect();
    for name in stale {
        if let Some(node) = data.remove(&name) {
            tmpfs::detach(root, &node);
        }
    }
    for pid in pids {
        let name = format!("{pid}");
        if data.get(name.as_bytes()).is_some() {
            continue;
        }
        let dir = tmpfs::make(device, 0o555, 0, 0, Kind::Directory);
        let status = tmpfs::make(
            device,
            0o444,
            0,
            0,
            Kind::Generated(Generator(Arc::new(move || status(Pid(pid))))),
        );
        if let Ok(d) = dir.dir() {
            tmpfs::attach(&dir, &mut d.lock(), b"status", &status);
        }
        tmpfs::attach(root, &mut data, name.as_bytes(), &dir);
    }
}

/// One letter for what the process is doing, as ps shows it: R running or ready, S
/// waiting, T stopped, Z exited and not yet reaped.
pub fn state(p: &process::Process) -> char {
    if p.has_exited() {
        'Z'
    } else if p.stopped().is_some() {
        'T'
    } else {
        match p.thread().and_then(crate::sched::is_waiting) {
            Some(true) => 'S',
            _ => 'R',
        }
    }
}

/// The text of /proc/PID/status (empty once the process is gone).
pub fn status(pid: Pid) -> Vec<u8> {
    let Some(p) = process::find(pid) else {
        return Vec::new();
    };
    let creds = p.fs().creds;
    let mut text = String::new();
    text += &format!(
        "pid {}\nppid {}\npgid {}\nsid {}\nuid {}\ngid {}\nstate {}\nabi {}\n",
        p.pid.0,
        p.parent().0,
        p.pgid().0,
        p.sid().0,
        creds.uid,
        creds.gid,
        state(&p),
        p.personality().describe(&p),
    );
    if let Some(message) = p.thread().and_then(crate::sched::wait_message) {
        text += &format!("wait {message}\n");
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"command ");
    bytes.extend_from_slice(&p.command());
    bytes.push(b'\n');
    bytes
}
