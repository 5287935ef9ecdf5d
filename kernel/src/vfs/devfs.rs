//! devfs: the device nodes at /dev (console, klog, tty, mem, kmem, null, zero, random,
//! urandom, trace, fd/0..63 with stdin, stdout and stderr the same devices as the first three,
//! and the pseudo-terminals ptyp0..ptypf and ttyp0..ttypf, as 4.x's MAKEDEV makes
//! them), an in-memory file system of its own mounted over the root's /dev.

use super::node::{Device, Inode};
use super::tmpfs::{self, Kind};
use super::{Error, Result};
use crate::file::{FileKind, FileOps};
use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

/// st_dev of devfs.
pub const DEVICE: u64 = 2;

/// Device numbers (major << 8 | minor, as FreeBSD 4 makes them).
pub mod number {
    pub const CONSOLE: u64 = 0;
    pub const TTY: u64 = 1 << 8;
    pub const MEM: u64 = 2 << 8;
    pub const KMEM: u64 = 2 << 8 | 1;
    pub const NULL: u64 = 2 << 8 | 2;
    pub const ZERO: u64 = 2 << 8 | 12;
    pub const RANDOM: u64 = 2 << 8 | 3;
    pub const URANDOM: u64 = 2 << 8 | 4;
    /// The kernel message buffer's reader (4.x's log device, major 7).
    pub const KLOG: u64 = 7 << 8;
    /// Not a FreeBSD device: Nymph's syscall-trace switch.
    pub const TRACE: u64 = 200 << 8;
    /// /dev/fd/N is minor N of this.
    pub const FD: u64 = 22 << 8;
}

/// How many /dev/fd nodes there are (4.x's MAKEDEV makes 64).
const FD_NODES: usize = 64;

/// /dev/fd/N: opening it opens the opener's descriptor N again.
#[derive(Debug)]
struct DescriptorDevice(usize);

impl Device for DescriptorDevice {
    fn number(&self) -> u64 {
        number::FD | self.0 as u64
    }
    fn open(&self) -> Result<Arc<dyn FileOps>> {
        // The open path asks `descriptor` first and never comes here.
        Err(Error::NoDevice)
    }
    fn descriptor(&self) -> Option<usize> {
        Some(self.0)
    }
}

/// A device made of a number and a function giving its open instances.
#[derive(Debug)]
pub struct SimpleDevice {
    pub number: u64,
    pub open: OpenFn,
}

/// Makes an open instance of a device.
pub type OpenFn = fn() -> Result<Arc<dyn FileOps>>;

impl Device for SimpleDevice {
    fn number(&self) -> u64 {
        self.number
    }
    fn open(&self) -> Result<Arc<dyn FileOps>> {
        (self.open)()
    }
}

/// /dev/null: reads end at once, writes vanish.
#[derive(Debug)]
struct Null;

impl FileOps for Null {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }
    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Ok(0)
    }
    fn write(&self, buf: &[u8], _nonblock: bool) -> Result<usize> {
        Ok(buf.len())
    }
}

/// /dev/mem and /dev/kmem: there, as on 4.x, for the programs that open them to learn
/// they run on a live kernel (libkvm's kvm_openfiles, which `uptime`, `w` and `ps`
/// call, and then ask everything of sysctl). The machine's memory is not behind them,
/// so every transfer fails as 4.x's mmrw fails for an address its kernel does not
/// map (EFAULT); a personality may show its programs' tools kernel variables through
/// /dev/kmem instead ([`Personality::kernel_memory`]).
///
/// [`Personality::kernel_memory`]: crate::process::Personality::kernel_memory
#[derive(Debug)]
struct NoMemory;

impl FileOps for NoMemory {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }
    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Err(Error::BadAddress)
    }
    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(Error::BadAddress)
    }
}

fn open_no_memory() -> Result<Arc<dyn FileOps>> {
    Ok(Arc::new(NoMemory))
}

/// /dev/kmem: what the opener's personality shows, or no memory.
fn open_kernel_memory() -> Result<Arc<dyn FileOps>> {
    let shown = crate::process::current().and_then(|p| p.personality().kernel_memory());
    Ok(shown.unwrap_or_else(|| Arc::new(NoMemory)))
}

/// The group 4.x's MAKEDEV gives /dev/mem and /dev/kmem (kmem, gid 2), so that the
/// set-group-id kvm programs may read them.
const KMEM_GROUP: u32 = 2;

/// /dev/zero: reads give zeros, writes vanish.
#[derive(Debug)]
struct Zero;

impl FileOps for Zero {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }
    fn read(&self, buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, buf: &[u8], _nonblock: bool) -> Result<usize> {
        Ok(buf.len())
    }
}

/// /dev/random and /dev/urandom: a xoshiro256** generator seeded from the cycle counter
/// and the clock, stirred with the cycle counter on every read. Unpredictable enough for
/// test programs and hash seeds; not a cryptographic source.
#[derive(Debug)]
struct Random;

static RANDOM_STATE: Mutex<[u64; 4]> = Mutex::new([0; 4]);

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn entropy() -> u64 {
    #[cfg(not(test))]
    {
        nymph_hal::cpu::rdtsc() ^ crate::time::realtime().0.rotate_left(32)
    }
    #[cfg(test)]
    {
        0x1234_5678
    }
}

/// Fills `buf` with generator output.
pub fn random_bytes(buf: &mut [u8]) {
    let mut s = RANDOM_STATE.lock();
    let mut seed = entropy() ^ s[0];
    if s.iter().all(|&w| w == 0) {
        for w in s.iter_mut() {
            *w = splitmix(&mut seed);
        }
    } else {
        s[3] ^= splitmix(&mut seed);
    }
    for chunk in buf.chunks_mut(8) {
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        chunk.copy_from_slice(&out.to_le_bytes()[..chunk.len()]);
    }
}

impl FileOps for Random {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }
    fn read(&self, buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        random_bytes(buf);
        Ok(buf.len())
    }
    fn write(&self, buf: &[u8], _nonblock: bool) -> Result<usize> {
        // Written bytes stir the state, as on BSD.
        let mut s = RANDOM_STATE.lock();
        for (i, chunk) in buf.chunks(8).enumerate() {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            s[i % 4] ^= u64::from_le_bytes(word);
        }
        Ok(buf.len())
    }
}

/// /dev/trace: writing `on` or `off` starts or stops tracing the writing process's
/// system calls (its later children and exec'd images inherit it); reading gives the
/// reader's setting once, then end of file.
#[derive(Debug, Default)]
struct Trace {
    read_done: AtomicBool,
}

impl FileOps for Trace {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }
    fn read(&self, buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        if self.read_done.swap(true, Ordering::Relaxed) {
            return Ok(0);
        }
        let on = crate::process::current().is_some_and(|p| p.traced());
        let text: &[u8] = if on { b"on\n" } else { b"off\n" };
        let n = text.len().min(buf.len());
        buf[..n].copy_from_slice(&text[..n]);
        Ok(n)
    }
    fn write(&self, buf: &[u8], _nonblock: bool) -> Result<usize> {
        let on = match buf.trim_ascii() {
            b"on" => true,
            b"off" => false,
            _ => return Err(Error::InvalidArgument),
        };
        let process = crate::process::current().ok_or(Error::InvalidArgument)?;
        process.set_traced(on);
        Ok(buf.len())
    }
}

fn open_trace() -> Result<Arc<dyn FileOps>> {
    Ok(Arc::new(Trace::default()))
}
fn open_null() -> Result<Arc<dyn FileOps>> {
    Ok(Arc::new(Null))
}
fn open_zero() -> Result<Arc<dyn FileOps>> {
    Ok(Arc::new(Zero))
}
fn open_random() -> Result<Arc<dyn FileOps>> {
    Ok(Arc::new(Random))
}
fn open_console() -> Result<Arc<dyn FileOps>> {
    crate::tty::console().check_open()?;
    Ok(crate::file::console())
}

/// /dev/console itself: the console, but for where its writes go (TIOCCONS).
fn open_console_device() -> Result<Arc<dyn FileOps>> {
    crate::tty::console().check_open()?;
    Ok(Arc::new(crate::file::ConsoleDevice))
}

/// /dev/tty: the caller's controlling terminal (the console or a pseudo-terminal's
/// slave), or ENXIO for a process whose session has none or that gave it up. The kernel's own opens get
/// the console. The instance is kept under the terminal's own number too, so that
/// revoking the terminal cuts it off (4.x's cttyread goes through the session's
/// terminal vnode, dead after a revoke).
fn open_controlling_tty() -> Result<Arc<dyn FileOps>> {
    let Some(process) = crate::process::current() else {
        return Ok(crate::file::console());
    };
    if crate::process::left_terminal(&process) {
        return Err(Error::NoDevice);
    }
    let terminal = crate::tty::controlling(process.sid()).ok_or(Error::NoDevice)?;
    let ops = match crate::tty::pty::slave_index(terminal) {
        Some(index) => crate::tty::pty::open_slave(index, true)?,
        None => open_console()?,
    };
    Ok(super::revoke::track(
        crate::tty::device_number(terminal),
        ops,
    ))
}

/// The name in /dev of the character device numbered `number` (BSD's si_name, which
/// its kern.devname gives devname(3)), if /dev has one: the first made, for a device
/// with two names.
pub fn name_of(number: u64) -> Option<Vec<u8>> {
    character_devices()
        .into_iter()
        .find(|(_, rdev)| *rdev == number)
        .map(|(name, _)| name)
}

/// The character devices at the top of /dev, name and number, in the order they were
/// made (what 4.x's dev_mkdb read from /dev for /var/run/dev.db).
pub fn character_devices() -> Vec<(Vec<u8>, u64)> {
    let root = root();
    let Ok(dir) = root.dir() else {
        return Vec::new();
    };
    let data = dir.lock();
    data.entries
        .values()
        .filter_map(|(name, node)| {
            let st = node.stat();
            (st.kind == super::NodeType::CharDevice).then(|| (name.clone(), st.rdev))
        })
        .collect()
}

static ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// /dev/console's node: what the console descriptors the kernel opened for init (by
/// no path) stand for, as 4.x's init opens the console by that name.
pub fn console_node() -> Option<Arc<Inode>> {
    root().dir().ok()?.lock().get(b"console")
}

/// The root of devfs, with its standard nodes.
pub fn root() -> Arc<Inode> {
    ROOT.call_once(|| {
        let root = tmpfs::new_fs_root(DEVICE, 0o755);
        let nodes: [(&[u8], u64, u32, OpenFn); 8] = [
            (b"console", number::CONSOLE, 0o600, open_console_device),
            (b"klog", number::KLOG, 0o600, crate::klog::open_log_device),
            (b"tty", number::TTY, 0o666, open_controlling_tty),
            (b"null", number::NULL, 0o666, open_null),
            (b"zero", number::ZERO, 0o666, open_zero),
            (b"random", number::RANDOM, 0o644, open_random),
            (b"urandom", number::URANDOM, 0o644, open_random),
            (b"trace", number::TRACE, 0o666, open_trace),
        ];
        for (name, number, mode, open) in nodes {
            add(&root, name, mode, Arc::new(SimpleDevice { number, open }));
        }
        let memories: [(&[u8], u64, OpenFn); 2] = [
            (b"mem", number::MEM, open_no_memory),
            (b"kmem", number::KMEM, open_kernel_memory),
        ];
        for (name, number, open) in memories {
            let device = Arc::new(SimpleDevice { number, open });
            let node = tmpfs::make(DEVICE, 0o640, 0, KMEM_GROUP, Kind::Device(device));
            attach_node(&root, name, &node);
        }
        let fd = tmpfs::make(DEVICE, 0o555, 0, 0, Kind::Directory);
        for n in 0..FD_NODES {
            let name = alloc::format!("{n}");
            add(&fd, name.as_bytes(), 0o666, Arc::new(DescriptorDevice(n)));
        }
        attach_node(&root, b"fd", &fd);
        // MAKEDEV pty0's pairs, mode 0666 (openpty gives the slave to its user).
        for (name, device) in crate::tty::pty::devices() {
            add(&root, &name, 0o666, device);
        }
        // MAKEDEV std's: the same character devices as fd/0..2 (22,0..2), not links.
        for (n, name) in [b"stdin" as &[u8], b"stdout", b"stderr"]
            .into_iter()
            .enumerate()
        {
            add(&root, name, 0o666, Arc::new(DescriptorDevice(n)));
        }
        root
    })
    .clone()
}

/// Adds a device node to a devfs directory.
pub fn add(dir: &Arc<Inode>, name: &[u8], mode: u32, device: Arc<dyn Device>) {
    let node = tmpfs::make(DEVICE, mode, 0, 0, Kind::Device(device));
    attach_node(dir, name, &node);
}

fn attach_node(dir: &Arc<Inode>, name: &[u8], node: &Arc<Inode>) {
    if let Ok(entries) = dir.dir() {
        let mut data = entries.lock();
        tmpfs::attach(dir, &mut data, name, node);
    }
}

/// Mounts devfs at /dev of the system root, making /dev if it is missing.
pub fn mount() -> Result<()> {
    super::mount_at_top(b"dev", root(), "devfs")
}
