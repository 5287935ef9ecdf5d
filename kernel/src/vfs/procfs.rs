//! procfs: a view of the process table, mounted at /proc. Each process has a directory
//! named by its pid, and a link in the root leads to the caller's own. What a directory
//! holds is the instance's [`Flavour`]'s: the boot's /proc has the native one (a
//! `status` file of "key value" lines made anew on every read, and `self`); a
//! personality may bring its own (FreeBSD-4's, with 4.x's files, mounted where its
//! programs look). The directories follow the table: they are brought up to date
//! whenever the root is searched or listed. A mount call may make more instances, each
//! with its own device number.

use super::Result;
use super::node::{DirData, Generator, Inode};
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

/// What one procfs instance shows. `Any`, so a personality can tell its own flavour's
/// instances from others ([`instance_of`]).
pub trait Flavour: core::any::Any + Send + Sync + core::fmt::Debug {
    /// The name of the root's link to the caller's own directory.
    fn self_link(&self) -> &'static [u8];
    /// The permission bits lstat shows of that link.
    fn self_link_mode(&self) -> u32 {
        0o777
    }
    /// The directory of process `pid` (its entries made on `device`), made when the
    /// process first appears in the root.
    fn process_dir(&self, device: u64, pid: Pid) -> Arc<Inode>;
    /// Whether process `p` has a directory in the root (all in the table, zombies too,
    /// unless the flavour says otherwise).
    fn shows(&self, p: &process::Process) -> bool {
        let _ = p;
        true
    }
}

/// The boot's /proc: `status` in each directory, and `self`.
#[derive(Debug)]
struct Native;

/// The native flavour (the boot's /proc), for a mount call that makes another.
pub fn native() -> &'static dyn Flavour {
    &Native
}

impl Flavour for Native {
    fn self_link(&self) -> &'static [u8] {
        b"self"
    }

    fn process_dir(&self, device: u64, pid: Pid) -> Arc<Inode> {
        let dir = tmpfs::make(device, 0o555, 0, 0, Kind::Directory);
        let status = tmpfs::make(
            device,
            0o444,
            0,
            0,
            Kind::Generated(Generator(Arc::new(move || status(pid)))),
        );
        add_entry(&dir, b"status", &status);
        dir
    }
}

/// Puts `node` into directory `dir` as `name` (a flavour filling a process's directory).
pub fn add_entry(dir: &Arc<Inode>, name: &[u8], node: &Arc<Inode>) {
    if let Ok(d) = dir.dir() {
        tmpfs::attach(dir, &mut d.lock(), name, node);
    }
}

/// One instance: its root, and its flavour.
struct Instance {
    root: Weak<Inode>,
    flavour: &'static dyn Flavour,
}

/// Every procfs mounted. Weak: the mount holds the root; an unmounted one goes, and its
/// entry with the next instance made.
static INSTANCES: Mutex<Vec<Instance>> = Mutex::new(Vec::new());

/// A new procfs of `flavour` on `device`: its root with the self link (the pid
/// directories come with the first refresh).
fn make_instance(device: u64, flavour: &'static dyn Flavour) -> Arc<Inode> {
    let root = tmpfs::new_fs_root(device, 0o555);
    let link = tmpfs::make(
        device,
        flavour.self_link_mode(),
        0,
        0,
        Kind::ComputedLink(Generator(Arc::new(self_target))),
    );
    add_entry(&root, flavour.self_link(), &link);
    let mut instances = INSTANCES.lock();
    instances.retain(|i| i.root.strong_count() > 0);
    instances.push(Instance {
        root: Arc::downgrade(&root),
        flavour,
    });
    drop(instances);
    root
}

/// A new native procfs with a device number of its own, for a mount call.
pub fn new_instance() -> Arc<Inode> {
    new_instance_of(&Native)
}

/// A new procfs of `flavour` with a device number of its own.
pub fn new_instance_of(flavour: &'static dyn Flavour) -> Arc<Inode> {
    make_instance(NEXT_DEVICE.fetch_add(1, Ordering::Relaxed), flavour)
}

/// Whether `device` is a procfs's (a node of an unmounted one that something still
/// holds stays read-only).
pub fn is_procfs(device: u64) -> bool {
    device == DEVICE
        || (FIRST_MOUNTED_DEVICE..NEXT_DEVICE.load(Ordering::Relaxed)).contains(&device)
}

/// The flavour and the root of the procfs instance on `device`, if one is there.
pub fn instance_of(device: u64) -> Option<(&'static dyn Flavour, Arc<Inode>)> {
    INSTANCES.lock().iter().find_map(|i| {
        let root = i.root.upgrade()?;
        (root.device == device).then_some((i.flavour, root))
    })
}

/// Mounts procfs at /proc of the system root, making /proc if it is missing.
pub fn mount() -> Result<()> {
    super::mount_at_top(b"proc", make_instance(DEVICE, &Native), "procfs")
}

/// Where the self link points: the caller's pid (empty, so not found, for a kernel
/// thread).
pub fn self_target() -> Vec<u8> {
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
/// directory for every process in the table the flavour shows, none for a pid gone.
pub fn refresh(dir: &Arc<Inode>) {
    // The common case, a tmpfs or devfs directory, without taking the lock.
    if !is_procfs(dir.device) {
        return;
    }
    let flavour = INSTANCES
        .lock()
        .iter()
        .find(|i| core::ptr::eq(i.root.as_ptr(), Arc::as_ptr(dir)))
        .map(|i| i.flavour);
    let Some(flavour) = flavour else {
        return;
    };
    let (root, device) = (dir, dir.device);
    let pids: Vec<u32> = process::all()
        .iter()
        .filter(|p| flavour.shows(p))
        .map(|p| p.pid.0)
        .collect();
    let Ok(entries) = root.dir() else { return };
    let missing: Vec<u32> = {
        let mut data = entries.lock();
        remove_gone(root, &mut data, &pids);
        pids.into_iter()
            .filter(|pid| data.get(format!("{pid}").as_bytes()).is_none())
            .collect()
    };
    // Made outside the root's lock: a flavour's nodes may look at the process.
    for pid in missing {
        let dir = flavour.process_dir(device, Pid(pid));
        let mut data = entries.lock();
        let name = format!("{pid}");
        if data.get(name.as_bytes()).is_none() {
            tmpfs::attach(root, &mut data, name.as_bytes(), &dir);
        }
    }
}

/// Takes the directories of pids no longer in `pids` out of the root.
fn remove_gone(root: &Arc<Inode>, data: &mut DirData, pids: &[u32]) {
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
