//! 4.x's procfs (sys/miscfs/procfs, RELENG_4) as FreeBSD-4 programs see /proc: mounted
//! at /compat/freebsd4/proc at boot (where a 4.x program's /proc lookup goes first) and
//! by a 4.x mount(2) of "procfs". The root has `curproc` and a directory per process
//! with 4.x's fifteen entries: `mem` (the process's memory, at the offset of its
//! address), `regs`, `fpregs` and `dbregs` (4.x's `struct reg`, `struct fpreg` and
//! `struct dbreg`), `ctl` (attach, detach, run, step, wait, or a signal's name),
//! `status` (one line), `note` and `notepg` (EOPNOTSUPP, as 4.x's), `map`, `etype`,
//! `cmdline`, `rlimit` and the `file` link.
//!
//! Stop events (sys/pioctl.h), which truss(1) runs on: PIOCBIS and PIOCBIC choose the
//! events a process stops at (S_EXEC, S_SIG, S_SCE, S_SCX, S_CORE, S_EXIT), PIOCWAIT
//! waits for it to stop, PIOCCONT lets it go on, PIOCSTATUS, PIOCSFL and PIOCGFL; the
//! last close of a process's `mem` clears its events unless PF_LINGER is set. A process
//! stopped at an event sleeps, uninterruptibly, until continued (4.x's stopevent), with
//! its registers where `regs` reads them.

use crate::core_dump::{fpregs, reg_of};
use crate::fb::{self, errno};
use crate::signals::{signal_from_fb, signal_to_fb};
use crate::sys::{Ret, SysResult, fault};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicBool, Ordering};
use nymph_hal::user::UserContext;
use nymph_kernel::error::Error as FileError;
use nymph_kernel::file::{FileKind, FileOps, OpenFile};
use nymph_kernel::process::debug::{self, Resume};
use nymph_kernel::process::{self, Pid, Process, Signal, Task, prison};
use nymph_kernel::sched::WaitQueue;
use nymph_kernel::sync::Mutex;
use nymph_kernel::vfs::node::{Device, Generator, Inode};
use nymph_kernel::vfs::procfs::{self as core_procfs, Flavour};
use nymph_kernel::vfs::tmpfs::{self, Kind};
use nymph_kernel::vfs::{self, Follow, FsContext, MountFlags, MountInfo, NewFs};
use zerocopy::IntoBytes;

/// Where 4.x programs find their /proc.
const VIEW: &[u8] = b"/compat/freebsd4/proc";

/// The 4.x flavour of procfs.
#[derive(Debug)]
pub(crate) struct Fb4Procfs;

pub(crate) static FLAVOUR: Fb4Procfs = Fb4Procfs;

/// Whether `prefixed` (a path under the compat prefix) names something in the 4.x
/// /proc view while a 4.x procfs is mounted there: then the view is the whole of /proc
/// to a 4.x program, as 4.x has one /proc. A name it lacks (a zombie's pid, "self") is
/// ENOENT, not the native /proc's.
pub(crate) fn within_view(ctx: &FsContext, prefixed: &[u8]) -> bool {
    let below = prefixed
        .strip_prefix(VIEW)
        .is_some_and(|rest| rest.first() == Some(&b'/'));
    below
        && vfs::lookup(ctx, None, VIEW, Follow::Yes).is_ok_and(|root| {
            core_procfs::instance_of(root.device).is_some_and(|(flavour, top)| {
                Arc::ptr_eq(&top, &root) && (flavour as &dyn Any).is::<Fb4Procfs>()
            })
        })
}

/// Mounts the 4.x procfs where 4.x programs look for /proc (at boot; a missing
/// /compat/freebsd4 is made).
pub(crate) fn mount_view() {
    let ctx = FsContext::initial();
    for dir in [&b"/compat"[..], b"/compat/freebsd4", VIEW] {
        let _ = vfs::mkdir(&ctx, None, dir, 0o755);
    }
    let mounted = vfs::lookup(&ctx, None, VIEW, Follow::Yes).and_then(|on| {
        let info = MountInfo {
            type_name: "procfs",
            on: VIEW.to_vec(),
            flags: MountFlags::default(),
            owner: 0,
        };
        vfs::mount_new(&on, NewFs::Procfs(&FLAVOUR), info)
    });
    if let Err(e) = mounted {
        log::warn!("FreeBSD-4 procfs not mounted on /compat/freebsd4/proc: {e:?}");
    }
}

/// What each file of a process's directory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Mem,
    Regs,
    FpRegs,
    DbRegs,
    Ctl,
    Note,
    NotePg,
    Map,
}

/// i386 sizes of `struct reg`, `struct fpreg` and `struct dbreg`, which stat reports.
const REG_SIZE: u64 = 76;
const FPREG_SIZE: u64 = 176;
const DBREG_SIZE: u64 = 32;

impl Flavour for Fb4Procfs {
    fn self_link(&self) -> &'static [u8] {
        b"curproc"
    }

    /// procfs_allocvp makes curproc "lr--r--r--", so ls -l /proc shows it so.
    fn self_link_mode(&self) -> u32 {
        0o444
    }

    /// procfs_lookup finds a process with pfind, which searches allproc: a zombie is on
    /// zombproc, so /proc/PID of one is ENOENT (procfs_vnops.c 1.76.2.7).
    fn shows(&self, p: &Process) -> bool {
        !p.has_exited()
    }

    fn process_dir(&self, device: u64, pid: Pid) -> Arc<Inode> {
        let (uid, gid) = process::find(pid).map_or((0, 0), |p| {
            let c = p.fs().creds;
            (c.euid, c.egid)
        });
        let dir = tmpfs::make(device, 0o555, uid, gid, Kind::Directory);
        let special = |node: Node, mode: u32| {
            tmpfs::make(
                device,
                mode,
                uid,
                gid,
                Kind::Special(Arc::new(Special { pid, node })),
            )
        };
        let text = |mode: u32, make: fn(&Process) -> Vec<u8>| {
            let make_text = move || process::find(pid).map(|p| make(&p)).unwrap_or_default();
            tmpfs::make(
                device,
                mode,
                uid,
                gid,
                Kind::Generated(Generator(Arc::new(make_text))),
            )
        };
        let file = tmpfs::make(
            device,
            0o555,
            uid,
            gid,
            Kind::ComputedLink(Generator(Arc::new(move || {
                process::find(pid)
                    .filter(|p| !p.has_exited())
                    .map_or_else(|| b"unknown".to_vec(), |p| p.image_path().to_vec())
            }))),
        );
        let entries: [(&[u8], Arc<Inode>); 13] = [
            (b"mem", special(Node::Mem, 0o600)),
            (b"regs", special(Node::Regs, 0o600)),
            (b"fpregs", special(Node::FpRegs, 0o600)),
            (b"dbregs", special(Node::DbRegs, 0o600)),
            (b"ctl", special(Node::Ctl, 0o200)),
            (b"status", text(0o444, status)),
            (b"note", special(Node::Note, 0o200)),
            (b"notepg", special(Node::NotePg, 0o200)),
            (b"map", special(Node::Map, 0o444)),
            (b"etype", text(0o444, etype)),
            (b"cmdline", text(0o444, cmdline)),
            (b"rlimit", text(0o444, rlimit)),
            (b"file", file),
        ];
        for (name, node) in &entries {
            core_procfs::add_entry(&dir, name, node);
        }
        crate::procfs_dir::register(&dir, pid, &entries);
        dir
    }
}

/// 4.x's status line: comm pid ppid pgid sid maj,min flags start user system wmesg
/// euid ruid rgid,groups... jailhost.
fn status(p: &Process) -> Vec<u8> {
    let mut comm = p.image_name();
    comm.truncate(16);
    let sid = p.sid().0;
    let terminal = nymph_kernel::tty::controlling(p.sid());
    let mut line = String::new();
    line += &format!(" {} {} {} {} ", p.pid.0, p.parent().0, p.pgid().0, sid);
    match terminal {
        Some(t) => {
            let dev = nymph_kernel::tty::device_number(t) as u32;
            line += &format!("{},{} ", (dev >> 8) & 0xff, dev & 0xffff_00ff);
        }
        None => line += "-1,-1 ",
    }
    let mut flags = Vec::new();
    if terminal.is_some() {
        flags.push("ctty");
    }
    if sid == p.pid.0 {
        flags.push("sldr");
    }
    line += &if flags.is_empty() {
        String::from("noflags")
    } else {
        flags.join(",")
    };
    let (start_sec, start_ns) = p.start_time();
    let used = p.usage();
    let time = |ns: u64| format!("{},{}", ns / 1_000_000_000, ns % 1_000_000_000 / 1000);
    line += &format!(
        " {},{} {} {}",
        start_sec,
        start_ns / 1000,
        time(used.user_ns),
        time(used.system_ns)
    );
    let wmesg = p
        .thread()
        .and_then(nymph_kernel::sched::wait_message)
        .unwrap_or("nochan");
    line += &format!(" {wmesg}");
    let creds = p.fs().creds;
    line += &format!(" {} {} {}", creds.euid, creds.uid, creds.gid);
    for g in crate::fs::credential_groups(&creds) {
        line += &format!(",{g}");
    }
    let mut bytes = comm;
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b' ');
    match prison::prison(p) {
        Some(jail) => bytes.extend_from_slice(&jail.host_name()),
        None => bytes.push(b'-'),
    }
    bytes.push(b'\n');
    bytes
}

/// The execution type: the sysentvec's name ("FreeBSD ELF" for 4.x's ELF images), or
/// the personality's own for a process of another ABI.
fn etype(p: &Process) -> Vec<u8> {
    let mut name = if p.personality().name() == "freebsd4" {
        b"FreeBSD ELF".to_vec()
    } else {
        p.personality().describe(p).into_bytes()
    };
    name.push(b'\n');
    name
}

/// The arguments it was started with, each ending in a NUL (4.x's p_args, which
/// kern.ps_argsopen lets anyone read); its name when they were too long to keep.
fn cmdline(p: &Process) -> Vec<u8> {
    match p.argv() {
        Some(argv) => argv
            .iter()
            .flat_map(|a| a.iter().copied().chain([0]))
            .collect(),
        None => {
            let mut name = p.image_name();
            name.truncate(16);
            name
        }
    }
}

/// One line per limit, in 4.x's order: its name, the current and the maximum value
/// (-1 for RLIM_INFINITY).
fn rlimit(p: &Process) -> Vec<u8> {
    const NAMES: [&str; 11] = [
        "cpu", "fsize", "data", "stack", "core", "rss", "memlock", "nproc", "nofile", "sbsize",
        "vmem",
    ];
    let mut text = String::new();
    for (i, name) in NAMES.iter().enumerate() {
        let Some(which) = fb::rlimit_resource::from_raw(i as i32) else {
            continue;
        };
        let (cur, max) = crate::sysctl::limit_of(p, which);
        let show = |v: i64| {
            if v == fb::consts::RLIM_INFINITY {
                String::from("-1")
            } else {
                format!("{v}")
            }
        };
        text += &format!("{name} {} {}\n", show(cur), show(max));
    }
    text.into_bytes()
}

/// The process's map into `buf`, one line per run of pages with one protection and
/// backing within one mapping, in 4.x's format (start end resident private-resident
/// object prot refs shadows flags COW NC type): the number of bytes, or EFBIG when a
/// line does not fit (4.x's procfs_domap). A file's range (mmap's, or exec's from the
/// image: 4.x maps those from the vnode too) is "vnode", copy-on-write unless shared.
/// What this kernel does not keep (the VM object's address, references, shadows and
/// flags) reads as 4.x shows an entry of one reference: 0x0, 1, 0, 0x0. Made a line at
/// a time: a map of many thousand entries costs no more heap than one line.
fn map(p: &Process, buf: &mut [u8]) -> Result<usize, FileError> {
    let mut done = 0;
    let mut from = 0;
    while let Some((r, mapping)) = p.next_mapping(from) {
        from = r.end;
        let pages = (r.end - r.start) / 4096;
        let resident = if r.touched { pages } else { 0 };
        let file = mapping.is_some() || r.backing == nymph_kernel::mm::uspace::Backing::File;
        let cow = mapping.is_some_and(|f| !f.shared);
        let line = format!(
            "0x{:x} 0x{:x} {} {} 0x0 {}{}{} 1 0 0x0 {} NNC {}\n",
            r.start,
            r.end,
            resident,
            if file { 0 } else { resident },
            if r.prot.read { 'r' } else { '-' },
            if r.prot.write { 'w' } else { '-' },
            if r.prot.execute { 'x' } else { '-' },
            if cow { "COW" } else { "NCOW" },
            if file { "vnode" } else { "default" }
        );
        let room = buf.len() - done;
        if line.len() > room {
            return Err(FileError::FileTooBig);
        }
        buf[done..done + line.len()].copy_from_slice(line.as_bytes());
        done += line.len();
    }
    Ok(done)
}

/// A special file of process `pid`.
#[derive(Debug)]
struct Special {
    pid: Pid,
    node: Node,
}

impl Device for Special {
    fn number(&self) -> u64 {
        0
    }

    fn size(&self) -> u64 {
        match self.node {
            Node::Regs => REG_SIZE,
            Node::FpRegs => FPREG_SIZE,
            Node::DbRegs => DBREG_SIZE,
            _ => 0,
        }
    }

    /// 4.x's procfs_open: the process must still be there (ENOENT), in the opener's
    /// jail; `mem` and the register files need CHECKIO and p_trespass (EPERM).
    fn open(&self) -> nymph_kernel::vfs::Result<Arc<dyn FileOps>> {
        let target = live(self.pid).ok_or(vfs::Error::NotFound)?;
        let opener = process::current().ok_or(vfs::Error::NotFound)?;
        if !prison::sees(&opener, &target) {
            return Err(vfs::Error::NotFound);
        }
        if matches!(
            self.node,
            Node::Mem | Node::Regs | Node::FpRegs | Node::DbRegs
        ) && !may_debug(&opener, &target)
        {
            return Err(vfs::Error::NotPermitted);
        }
        let stops = if self.node == Node::Mem {
            let s = stops_of(&target);
            s.lock().mem_opens += 1;
            Some(s)
        } else {
            None
        };
        Ok(Arc::new(ProcFile {
            process: Arc::downgrade(&target),
            node: self.node,
            stops,
        }))
    }
}

/// The process with `pid`, if it has not ended.
fn live(pid: Pid) -> Option<Arc<Process>> {
    process::find(pid).filter(|p| !p.has_exited())
}

/// 4.x's CHECKIO and p_trespass together: root (a jailed one too), or a caller whose
/// real, effective and saved uids are the target's real uid, which has not changed its
/// ids (P_SUGID).
fn may_debug(caller: &Process, target: &Process) -> bool {
    let c = caller.fs().creds;
    if c.euid == 0 {
        return true;
    }
    let t = target.fs().creds;
    c.uid == t.uid && c.euid == t.uid && c.svuid == t.uid && !t.tainted
}

/// An open special file.
#[derive(Debug)]
struct ProcFile {
    /// The process opened: the file reaches no other that takes its pid later.
    process: Weak<Process>,
    node: Node,
    /// `mem`'s hold on the process's stop state (its last close clears the events).
    stops: Option<Arc<Mutex<Stops>>>,
}

impl ProcFile {
    /// The process the file was opened on, while it has not ended.
    fn opened(&self) -> Option<Arc<Process>> {
        self.process.upgrade().filter(|p| !p.has_exited())
    }

    /// The process the file was opened on, while it lives; for `mem` and the register
    /// files, only if the caller may still debug it (4.x's procfs_domem and
    /// procfs_doregs check CHECKIO and p_trespass at each transfer: a set-id exec
    /// since the open ends the access, EPERM).
    fn target(&self) -> Result<Arc<Process>, FileError> {
        let p = self.opened().ok_or(FileError::InvalidArgument)?;
        if matches!(
            self.node,
            Node::Mem | Node::Regs | Node::FpRegs | Node::DbRegs
        ) {
            let caller = process::current().ok_or(FileError::NotPermitted)?;
            if !may_debug(&caller, &p) {
                return Err(FileError::NotPermitted);
            }
        }
        Ok(p)
    }
}

impl Drop for ProcFile {
    /// procfs_close of `mem`: the last one clears the process's events and lets it go
    /// on, unless PF_LINGER.
    fn drop(&mut self) {
        let Some(stops) = &self.stops else { return };
        let released = {
            let mut s = stops.lock();
            s.mem_opens = s.mem_opens.saturating_sub(1);
            let last = s.mem_opens == 0 && s.flags & PF_LINGER == 0;
            if last {
                s.events = 0;
                s.step = false;
            }
            last.then(|| s.process.upgrade()).flatten()
        };
        if let Some(p) = released {
            p.set_stopping(false);
            STEP.wake_all();
        }
    }
}

impl FileOps for ProcFile {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }

    fn seekable(&self) -> bool {
        matches!(self.node, Node::Mem | Node::Map)
    }

    fn read(&self, buf: &mut [u8], _nonblock: bool) -> Result<usize, FileError> {
        self.read_at(0, buf, false)
    }

    fn write(&self, buf: &[u8], _nonblock: bool) -> Result<usize, FileError> {
        self.write_at(0, buf, false)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8], _nonblock: bool) -> Result<usize, FileError> {
        let p = self.target()?;
        match self.node {
            Node::Mem => {
                if buf.is_empty() {
                    return Ok(0);
                }
                let addr = offset & 0xffff_ffff;
                debug::read_memory(&p, addr, buf).map_err(|_| FileError::BadAddress)?;
                Ok(buf.len())
            }
            Node::Regs | Node::FpRegs => {
                let bytes = registers(&p, |c| {
                    if self.node == Node::Regs {
                        reg_of(c, p.last_fault().as_ref()).as_bytes().to_vec()
                    } else {
                        fpregs(&c.fpu.0).as_bytes().to_vec()
                    }
                })
                .ok_or(FileError::Busy)?;
                Ok(copy_from(&bytes, buf))
            }
            Node::DbRegs => {
                let r = p.debug_registers().unwrap_or_default();
                let mut words = [0u32; 8];
                for (w, a) in words.iter_mut().zip(r.address) {
                    *w = a as u32;
                }
                words[6] = r.status as u32;
                words[7] = r.control as u32;
                Ok(copy_from(words.as_bytes(), buf))
            }
            Node::Map => {
                // The whole map in one read from the start (4.x: later offsets read
                // nothing, a line that does not fit is EFBIG).
                if offset != 0 {
                    return Ok(0);
                }
                map(&p, buf)
            }
            Node::Note | Node::NotePg => Err(FileError::InvalidArgument),
            Node::Ctl => Err(FileError::OperationNotSupported),
        }
    }

    fn write_at(&self, offset: u64, bytes: &[u8], _nonblock: bool) -> Result<usize, FileError> {
        let p = self.target()?;
        match self.node {
            Node::Mem => {
                if bytes.is_empty() {
                    return Ok(0);
                }
                debug::write_memory(&p, offset & 0xffff_ffff, bytes)
                    .map_err(|_| FileError::BadAddress)?;
                Ok(bytes.len())
            }
            // Writable only while stopped for a debugger (4.x: SSTOP, else EBUSY); a
            // stop at an event is not one.
            Node::Regs | Node::FpRegs | Node::DbRegs => Err(FileError::Busy),
            Node::Map => Err(FileError::OperationNotSupported),
            Node::Note | Node::NotePg => {
                if bytes.len() > 64 {
                    return Err(FileError::MessageTooBig);
                }
                if offset != 0 {
                    return Err(FileError::InvalidArgument);
                }
                Err(FileError::OperationNotSupported)
            }
            Node::Ctl => ctl(&p, bytes).map(|()| bytes.len()),
        }
    }

    fn personality_object(&self) -> Option<&(dyn Any + Send + Sync)> {
        Some(self)
    }
}

/// Copies what `bytes` has into `buf`; how much.
fn copy_from(bytes: &[u8], buf: &mut [u8]) -> usize {
    let n = bytes.len().min(buf.len());
    buf[..n].copy_from_slice(&bytes[..n]);
    n
}

/// `f` of the registers of `p` while it is stopped, at an event or for its debugger.
fn registers<R>(p: &Process, f: impl FnOnce(&UserContext) -> R) -> Option<R> {
    let parked = stops_if_any(p).and_then(|s| s.lock().parked.clone());
    match parked {
        Some(c) => Some(f(&c)),
        None => debug::with_stopped_context(p, |c| f(c)),
    }
}

/// The `ctl` commands: at most 8 bytes (EMSGSIZE), a trailing newline dropped.
fn ctl(p: &Arc<Process>, bytes: &[u8]) -> Result<(), FileError> {
    if bytes.len() > 8 {
        return Err(FileError::MessageTooBig);
    }
    let word = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let caller = process::current().ok_or(FileError::InvalidArgument)?;
    if word != b"detach" && !may_debug(&caller, p) {
        return Err(FileError::NotPermitted);
    }
    let stopped_tracee = || debug::stopped_tracee(&caller, p.pid).ok();
    match word {
        b"attach" => {
            if Arc::ptr_eq(&caller, p) {
                return Err(FileError::InvalidArgument);
            }
            debug::attach(&caller, p.pid).map_err(|_| FileError::Busy)
        }
        b"detach" => {
            if let Some(t) = stopped_tracee() {
                debug::resume(&t, Resume::Detach, None, None);
            }
            Ok(())
        }
        b"run" | b"step" => {
            let t = stopped_tracee().ok_or(FileError::Busy)?;
            let how = if word == b"step" {
                Resume::Step
            } else {
                Resume::Continue
            };
            debug::resume(&t, how, None, None);
            Ok(())
        }
        b"wait" => {
            while p.stopped().is_none() && !p.has_exited() {
                if process::current_signal_pending() {
                    return Err(FileError::Interrupted);
                }
                nymph_kernel::sched::sleep_ticks(1);
            }
            Ok(())
        }
        name => {
            let signal = signal_named(name).ok_or(FileError::OperationNotSupported)?;
            match stopped_tracee() {
                Some(t) => debug::resume(&t, Resume::Continue, None, Some(signal)),
                None => p.post(signal),
            }
            Ok(())
        }
    }
}

/// A signal by its lower-case name without "sig" (4.x's procfs_ctl table).
fn signal_named(name: &[u8]) -> Option<Signal> {
    const NAMES: [&[u8]; 31] = [
        b"hup", b"int", b"quit", b"ill", b"trap", b"abrt", b"emt", b"fpe", b"kill", b"bus",
        b"segv", b"sys", b"pipe", b"alrm", b"term", b"urg", b"stop", b"tstp", b"cont", b"chld",
        b"ttin", b"ttou", b"io", b"xcpu", b"xfsz", b"vtalrm", b"prof", b"winch", b"info", b"usr1",
        b"usr2",
    ];
    if name == b"iot" {
        return signal_from_fb(6);
    }
    let n = NAMES.iter().position(|&s| s == name)?;
    signal_from_fb(n as i32 + 1)
}

// --- Stop events -----------------------------------------------------------------

const PF_LINGER: u8 = fb::consts::PF_LINGER as u8;
const PF_ISUGID: u8 = fb::consts::PF_ISUGID as u8;
pub(crate) const S_EXEC: u32 = fb::consts::S_EXEC;
pub(crate) const S_SIG: u32 = fb::consts::S_SIG;
pub(crate) const S_SCE: u32 = fb::consts::S_SCE;
pub(crate) const S_SCX: u32 = fb::consts::S_SCX;
pub(crate) const S_CORE: u32 = fb::consts::S_CORE;
pub(crate) const S_EXIT: u32 = fb::consts::S_EXIT;

/// One process's stop events (4.x's p_stops, p_step, p_stype, p_xstat, p_pfsflags).
#[derive(Debug)]
struct Stops {
    process: Weak<Process>,
    events: u32,
    /// Stopped at an event, until continued.
    step: bool,
    why: u32,
    val: u32,
    flags: u8,
    /// Open `mem` files of the process.
    mem_opens: u32,
    /// Its registers while stopped at an event.
    parked: Option<Box<UserContext>>,
}

/// The stop state of every process that has had any, by pid (the entry of a pid whose
/// process is gone is replaced when the pid is used again).
static STOPS: Mutex<BTreeMap<u32, Arc<Mutex<Stops>>>> = Mutex::new(BTreeMap::new());
/// Processes stopped at an event wait here to be continued (4.x's p_step).
static STEP: WaitQueue = WaitQueue::new();
/// PIOCWAIT waits here for a stop (4.x's p_stype).
static STOPPED: WaitQueue = WaitQueue::new();

/// Whether any process ever had stop state: until then the stop points cost a load.
static ANY_STOPS: AtomicBool = AtomicBool::new(false);

/// `p`'s entry in `all`, if it is `p`'s (not an earlier process's with its pid).
fn entry_of(all: &BTreeMap<u32, Arc<Mutex<Stops>>>, p: &Process) -> Option<Arc<Mutex<Stops>>> {
    let s = all.get(&p.pid.0)?;
    let mine = s
        .lock()
        .process
        .upgrade()
        .is_some_and(|q| core::ptr::eq(Arc::as_ptr(&q), p));
    mine.then(|| s.clone())
}

/// `p`'s stop state, made if it has none (the entries of processes gone go then).
fn stops_of(p: &Arc<Process>) -> Arc<Mutex<Stops>> {
    ANY_STOPS.store(true, Ordering::Relaxed);
    let mut all = STOPS.lock();
    if let Some(s) = entry_of(&all, p) {
        return s;
    }
    all.retain(|_, s| s.lock().process.strong_count() > 0);
    let s = Arc::new(Mutex::new(Stops {
        process: Arc::downgrade(p),
        events: 0,
        step: false,
        why: 0,
        val: 0,
        flags: 0,
        mem_opens: 0,
        parked: None,
    }));
    all.insert(p.pid.0, s.clone());
    s
}

/// `p`'s stop state, if it has one.
fn stops_if_any(p: &Process) -> Option<Arc<Mutex<Stops>>> {
    if !ANY_STOPS.load(Ordering::Relaxed) {
        return None;
    }
    entry_of(&STOPS.lock(), p)
}

/// A tenth of a second from now, in ticks: how often the waits below look again at
/// what no wake-up reports (a SIGKILL, an end by any path).
fn soon() -> u64 {
    nymph_kernel::time::ticks() + u64::from(nymph_kernel::time::hz() / 10).max(1)
}

/// 4.x's STOPEVENT: if the task's process stops at `event`, it stops there with `val`
/// (its registers kept for `regs`) until a PIOCCONT or the last close of its `mem`.
pub(crate) fn stop_event(task: &Task, event: u32, val: u32) {
    let Some(stops) = stops_if_any(&task.process) else {
        return;
    };
    {
        let mut s = stops.lock();
        if s.events & event == 0 {
            return;
        }
        s.step = true;
        s.why = event;
        s.val = val;
        s.parked = Some(Box::new((*task.context).clone()));
    }
    STOPPED.wake_all();
    let _waiting = nymph_kernel::sched::waiting_for("stopevent");
    // Until continued (4.x's sleep there is not interruptible); SIGKILL ends it too,
    // here, so that a stop whose debugger left without continuing can be killed.
    let killed = || task.process.pending().contains(Signal::Kill);
    let go_on = || !stops.lock().step || killed();
    while !go_on() {
        let _ = STEP.wait_until_deadline(go_on, || false, Some(soon()));
    }
    let mut s = stops.lock();
    s.step = false;
    s.parked = None;
}

/// PIOC* on a file of `pid`'s directory (4.x's procfs_ioctl).
pub(crate) fn ioctl(task: &Task, file: &OpenFile, cmd: u32, arg: u64) -> SysResult {
    use fb::ioctl as io;
    let Some(pf) = file
        .ops()
        .personality_object()
        .and_then(|o| o.downcast_ref::<ProcFile>())
    else {
        return Err(errno::ENOTTY);
    };
    let target = pf.opened().ok_or(errno::ENOTTY)?;
    if !may_debug(&task.process, &target) {
        return Err(errno::EPERM);
    }
    let stops = stops_of(&target);
    // The IOC_IN commands of size 0 take the argument's value itself.
    let value = arg as u32;
    match cmd {
        io::PIOCBIS | io::PIOCBIC => {
            let events = {
                let mut s = stops.lock();
                if cmd == io::PIOCBIS {
                    s.events |= value;
                } else {
                    s.events &= !value;
                }
                s.events
            };
            target.set_stopping(events & (S_SCE | S_SCX) != 0);
            Ok(Ret::word(0))
        }
        io::PIOCSFL => {
            let flags = value as u8;
            if flags & PF_ISUGID != 0 && crate::sys::suser(task, crate::sys::Jail::Refused).is_err()
            {
                return Err(errno::EPERM);
            }
            stops.lock().flags = flags;
            Ok(Ret::word(0))
        }
        io::PIOCGFL => {
            let flags = u32::from(stops.lock().flags);
            task.write_val(arg, &flags).map_err(fault)?;
            Ok(Ret::word(0))
        }
        io::PIOCSTATUS | io::PIOCWAIT => {
            if cmd == io::PIOCWAIT {
                // Until it stops or ends (looked at every tenth of a second too: an
                // end by any path wakes nothing here).
                let gone = target.clone();
                let ready = || stops.lock().step || gone.has_exited();
                while !ready() {
                    process::sleep_interruptible_until(&STOPPED, ready, Some(soon()))
                        .map_err(|_| errno::EINTR)?;
                }
            }
            let s = stops.lock();
            // PIOCWAIT says 1 ("it stopped") and the last stop's reason; PIOCSTATUS
            // whether it runs, and the reason only while it is stopped.
            let shown = cmd == io::PIOCWAIT || s.step;
            let status = fb::procfs_status {
                state: if cmd == io::PIOCWAIT {
                    1
                } else {
                    i32::from(!s.step)
                },
                flags: i32::from(s.flags),
                events: s.events,
                why: if shown { s.why as i32 } else { 0 },
                val: if shown { s.val } else { 0 },
            };
            drop(s);
            task.write_val(arg, &status).map_err(fault)?;
            Ok(Ret::word(0))
        }
        io::PIOCCONT => {
            if !stops.lock().step {
                return Err(errno::EINVAL);
            }
            if value != 0 {
                let signal = (value < 32)
                    .then(|| signal_from_fb(value as i32))
                    .flatten()
                    .ok_or(errno::EINVAL)?;
                target.post(signal);
            }
            stops.lock().step = false;
            STEP.wake_all();
            Ok(Ret::word(0))
        }
        _ => Err(errno::ENOTTY),
    }
}

/// Whether `p` has stop state (a debugger has set events on it, or opened its mem).
pub(crate) fn has_stops(p: &Process) -> bool {
    stops_if_any(p).is_some()
}

/// After a successful exec: a set-id image clears the process's events unless
/// PF_ISUGID (4.x's setsugid), then exec's S_EXEC.
pub(crate) fn after_exec(task: &Task, before: &nymph_kernel::vfs::Credentials) {
    let Some(stops) = stops_if_any(&task.process) else {
        return;
    };
    let now = task.process.fs().creds;
    if (now.euid != before.euid || now.egid != before.egid) && {
        let mut s = stops.lock();
        let cleared = s.flags & PF_ISUGID == 0;
        if cleared {
            s.events = 0;
        }
        cleared
    } {
        task.process.set_stopping(false);
    }
    stop_event(task, S_EXEC, 0);
}

/// For a signal's stop: its 4.x number.
pub(crate) fn signal_value(signal: Signal) -> u32 {
    signal_to_fb(signal) as u32
}
