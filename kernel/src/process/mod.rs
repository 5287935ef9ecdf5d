//! Processes: the table, the personality seam, exec, fork, exit, wait and signals, all
//! in ABI-neutral terms.
//!
//! Each process has one thread of execution (a kernel thread) whose body is
//! [`run_user`]: enter user mode, and on the way back hand system-call traps to the
//! process's personality, resolve copy-on-write faults, turn other faults into signals
//! through the personality, deliver pending signals, and let the scheduler preempt.

pub mod accounting;
pub mod calls;
pub mod core_dump;
pub mod creds;
pub mod debug;
pub mod prison;
pub mod profile;
pub mod signal;
pub mod timer;
pub mod trace;
pub mod uaccess;

use crate::error::Error as FsError;
use crate::exec::elf::{self, ElfError, ElfIdentity, ElfImage};
use crate::exec::script;
use crate::file::{FdTable, OpenFile};
use crate::mm::uspace::{
    AddressSpace, FaultResolution, MemError, Protection, kernel_root_activate,
};
use crate::sched::{self, Interrupted, ThreadId, WaitQueue};
use crate::sync::Mutex;
use crate::vfs::{self, FsContext};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use nymph_hal::debugreg::{self, DebugRegisters};
use nymph_hal::ioports::IoBitmap;
use nymph_hal::layout::{PAGE_SIZE, USER_END};
use nymph_hal::user::{SyscallEntry, SyscallOutcome, UserContext, UserExit};
pub use signal::{
    ChildChange, ChildReports, DefaultAction, ExitStatus, Signal, SignalOrigin, SignalSet,
};
use spin::Once;

/// A process id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(pub u32);

/// The init process: orphans are re-parented to it.
pub const INIT: Pid = Pid(1);
const PID_MAX: u32 = 99_999;
/// Processes the system holds at once, zombies included: sized so their kernel stacks,
/// page tables and records fit the kernel heap and memory with room to spare.
pub const MAX_PROCESSES: usize = 1024;
/// Slots only root may fill, so root can still run a shell and kill a runaway user.
const ROOT_RESERVE: usize = 16;
/// Live processes one non-root user may own: a fork bomb gets EAGAIN here.
pub const MAX_PROCESSES_PER_USER: usize = 128;

/// How a trap entered the kernel, for the personality to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    /// `syscall` from 64-bit code.
    Syscall,
    /// `int n` through a gate the personality opened.
    SoftwareInterrupt(u8),
    /// `lcall` through the LDT's call gate (selector 0x07), which every process has:
    /// the system-call entry of FreeBSD 3.x and older i386 programs.
    CallGate,
}

impl From<SyscallEntry> for Trap {
    fn from(entry: SyscallEntry) -> Self {
        match entry {
            SyscallEntry::Syscall => Trap::Syscall,
            SyscallEntry::SoftwareInterrupt(vector) => Trap::SoftwareInterrupt(vector),
            SyscallEntry::CallGate => Trap::CallGate,
        }
    }
}

/// A CPU fault in user code, for the personality to name as a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub vector: u8,
    pub error_code: u64,
    pub address: u64,
    /// For a page fault: whether the address is inside a mapping (a protection
    /// failure, even where no page is present, as for PROT_NONE) rather than unmapped.
    pub mapped: bool,
}

/// What a process does on a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigAction {
    Default,
    Ignore,
    /// A user handler, with what the personality needs to build the frame.
    Catch(CatchAction),
}

/// A handler as a personality registered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatchAction {
    pub handler: u64,
    /// Signals blocked while the handler runs (besides the signal itself).
    pub mask: SignalSet,
    /// The personality's own flag bits (SA_RESTART, SA_SIGINFO...), opaque to the core.
    pub flags: u64,
    /// A user trampoline (sa_restorer), where the ABI has one.
    pub restorer: u64,
}

/// Why exec failed (personalities map these to their errno values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    File(FsError),
    BadImage(ElfError),
    /// A `#!` script whose line cannot be used.
    BadScript(crate::exec::script::ScriptError),
    /// No personality claims the image; `reason` says what it looked like.
    NoPersonality {
        class: elf::ElfClass,
        machine: u16,
        osabi: u8,
    },
    /// A personality recognised the image but refuses it (an ABI version this kernel
    /// lacks, say), with a message for the user.
    Refused(alloc::string::String),
    OutOfMemory,
    ArgumentsTooLong,
    /// A user pointer in the request was bad.
    Fault,
    /// A loadable segment lies where the personality's address-space layout has no room
    /// for it (on its stack, above its user space): [`Personality::vet_image`] said so.
    SegmentPlacement {
        vaddr: u64,
        end: u64,
    },
}

impl From<MemError> for ExecError {
    fn from(e: MemError) -> Self {
        match e {
            MemError::OutOfMemory => ExecError::OutOfMemory,
            MemError::BadAddress | MemError::AlreadyMapped => {
                ExecError::BadImage(ElfError::BadProgramHeaders("segment mapping"))
            }
        }
    }
}

/// What exec hands the personality to build the initial user state from.
#[derive(Debug)]
pub struct ExecRequest<'a> {
    pub path: &'a str,
    pub image: &'a ElfImage<'a>,
    pub argv: &'a [Vec<u8>],
    pub envp: &'a [Vec<u8>],
    /// First address above the loaded segments (page-aligned): where brk starts.
    pub image_end: u64,
    /// The ELF interpreter loaded beside the image, if its personality loads one
    /// ([`Personality::elf_interpreter_base`]).
    pub interpreter: Option<LoadedInterpreter>,
}

/// Where exec mapped an image's ELF interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadedInterpreter {
    /// The page its first loadable segment starts on (an `ET_DYN` one's load address).
    pub base: u64,
    /// Its entry point, where it is mapped: where the new image starts running.
    pub entry: u64,
    /// The first page boundary above its segments.
    pub end: u64,
}

/// A process's thread as a personality sees it during a trap: the process and the
/// user register state to resume with. It owns both (no lifetimes), so a personality's
/// handler table can be a plain `static`.
#[derive(Debug)]
pub struct Task {
    pub process: Arc<Process>,
    pub context: Box<UserContext>,
}

/// An ABI: how programs of one kind are recognised, started, and served.
pub trait Personality: Send + Sync + core::fmt::Debug {
    /// Short name for logs ("freebsd4", "native").
    fn name(&self) -> &'static str;

    /// Whether this personality runs the image, and how strongly it claims it (the
    /// highest claim wins; ties go to the personality registered first).
    fn claim(&self, identity: &ElfIdentity) -> Option<u8>;

    /// How ps and /proc name the ABI a process runs ("native v1", "freebsd4-i386"); the
    /// personality's name unless it says more.
    fn describe(&self, _process: &Process) -> String {
        String::from(self.name())
    }

    /// The path exec opens for an interpreter a script names (its `#!` line) when a
    /// program of this personality runs the script: a personality with its own view
    /// of the file system maps it as it maps the paths its calls pass. Unchanged by
    /// default.
    fn interpreter_path(&self, _ctx: &FsContext, path: &str) -> String {
        String::from(path)
    }

    /// How far into a script its `#!` line must end when a program of this
    /// personality runs it ([`script::LINE_MAX`] by default).
    fn script_line_max(&self) -> usize {
        script::LINE_MAX
    }

    /// The directory this personality lays over the root for its processes, if its
    /// view of the file system has one ([`FsContext::emulation_root`]); looked up in
    /// `ctx` when a program of this personality starts. None by default.
    fn emulation_root(&self, _ctx: &FsContext) -> Option<Arc<crate::vfs::Inode>> {
        None
    }

    /// Where the ELF interpreter (PT_INTERP) `image` names is loaded, if this
    /// personality runs interpreters: exec then opens it (looked up through
    /// [`Personality::interpreter_path`]), checks it ([`check_interpreter`]) and maps it
    /// before the old image is given up, and `setup_exec` gets its base and entry. None
    /// by default: the image runs from its own entry, PT_INTERP or not.
    fn elf_interpreter_base(&self, _image: &ElfImage<'_>) -> Option<u64> {
        None
    }

    /// Vectors user code of this ABI traps with (`int $0x80`); opened to user mode.
    fn trap_vectors(&self) -> &'static [u8] {
        &[]
    }

    /// Refuses an image this personality claims but cannot lay out (a segment where its
    /// stack goes, say), before anything is mapped: part of [`check_image`], so the
    /// host's corpus and fuzz tests judge it too. Anything goes by default.
    fn vet_image(&self, _image: &ElfImage<'_>) -> Result<(), ExecError> {
        Ok(())
    }

    /// Builds the initial stack and registers of a freshly loaded image. The core has
    /// mapped the image's segments into `space` already.
    fn setup_exec(
        &self,
        request: &ExecRequest<'_>,
        space: &mut AddressSpace,
    ) -> Result<UserContext, ExecError>;

    /// Whether the signal a handler runs for is blocked while it runs (the rule, unless
    /// the action asks otherwise with its ABI's SA_NODEFER).
    fn blocks_signal_in_handler(&self, _action: &CatchAction) -> bool {
        true
    }

    /// Whether a process of this personality gets SIGCHLD when a stopped child of its
    /// is continued (POSIX, unless SA_NOCLDSTOP); 4.4BSD and 4.x sent none.
    fn signals_continued_child(&self) -> bool {
        false
    }

    /// Whether a session leader of this personality, exiting, revokes its controlling
    /// terminal after hanging up the foreground group (4.4BSD's exit1: background
    /// jobs left holding it read end of file and fail to write, and a pty's master
    /// sees end of file though they still have the slave open).
    fn revokes_terminal_at_leader_exit(&self) -> bool {
        false
    }

    /// Whether a process of this personality is in the background of its controlling
    /// terminal while the terminal has no foreground group (4.4BSD's isbackground
    /// compares its group with a null t_pgrp): its reads, and with TOSTOP its
    /// writes, stop it then as a background job's do.
    fn background_without_foreground(&self) -> bool {
        false
    }

    /// The modes a line of kind `line` starts with when a process of this
    /// personality opens it first (the console as init, a pseudo-terminal's slave
    /// through the master it opened): its system's defaults. The kernel's own by
    /// default ([`crate::tty::Line::default_modes`]).
    fn first_terminal_modes(&self, line: crate::tty::Line) -> crate::tty::Termios {
        line.default_modes()
    }

    /// Whether a /dev/tty descriptor fails (EIO) for a caller of this personality
    /// that has no controlling terminal (its session's went away, or it gave it up):
    /// 4.4BSD's cttyread, cttywrite and cttyioctl find no terminal vnode then.
    /// Otherwise it reads and writes the terminal it was opened on, or its revoked
    /// end.
    fn dev_tty_needs_terminal(&self) -> bool {
        false
    }

    /// The personality's own per-process values (see [`Process::personality_value`]) a
    /// fresh image starts with, for facts about the image its calls need later (a
    /// FreeBSD process's data segment start, which its break and mmap placement count
    /// from). Called after `setup_exec`; none by default.
    fn initial_state(&self, _request: &ExecRequest<'_>) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// The process's text, data and stack in pages, as the ABI lays them out (BSD's
    /// vm_tsize, vm_dsize and vm_ssize), which each clock tick adds to its
    /// getrusage integrals; None (no integrals) by default.
    fn segment_pages(&self, _process: &Process) -> Option<[u64; 3]> {
        None
    }

    /// Whether the per-process value under `key` outlives exec (BSD's resource limits
    /// do). Values any registered personality keeps pass through every image, whatever
    /// its ABI, so a 4.x process's limits survive an exec through a native program;
    /// the new image's `initial_state` is laid over them. None by default.
    fn keeps_across_exec(&self, _key: &str) -> bool {
        false
    }

    /// Serves one trap: decodes the call from the registers, does it through the core's
    /// API, and writes the result back the way the ABI returns it.
    fn handle_trap(&self, task: &mut Task, trap: Trap);

    /// Names the signal a CPU fault raises in this ABI.
    fn fault_signal(&self, fault: &Fault) -> Signal;

    /// The number this ABI gives `signal` (for reports outside the system, such as how
    /// init ended); None if it has none.
    fn signal_number(&self, _signal: Signal) -> Option<u32> {
        None
    }

    /// Writes a core file of the task's process, which is dying of `signal` (a signal
    /// whose default action dumps core), and says whether it did: the parent's wait
    /// status claims a core only then. The process is still whole while this runs
    /// (memory, descriptors, the registers of the fault); [`core_dump`] has the means.
    /// No dump by default.
    fn dump_core(&self, _task: &Task, _signal: Signal) -> bool {
        false
    }

    /// A pending signal whose default action ends the process is being acted on
    /// (BSD's postsig, just before sigexit), for a personality that records it or
    /// stops there.
    fn default_action_taken(&self, _task: &Task, _signal: Signal) {}

    /// The tracer of the task's process discarded the signal it stopped for (resumed
    /// it with none): a personality that ended a call with EINTR only so that the
    /// process could stop may start the call again (4.x stops inside the sleep, which
    /// then goes on). Nothing by default.
    fn signal_discarded(&self, _task: &mut Task) {}

    /// What /dev/kmem shows a process of this personality when it opens it: the
    /// kernel's variables as its ABI's tools read them (4.x's libkvm seeks to an
    /// address its kldsym gave and reads), laid out as that ABI's kernel had them.
    /// None by default: every transfer fails as for an address no kernel maps.
    fn kernel_memory(&self) -> Option<Arc<dyn crate::file::FileOps>> {
        None
    }

    /// The kernel is up (its root, /dev and /proc mounted, every personality
    /// registered): a personality sets up what its programs' view of the system needs
    /// (FreeBSD-4's procfs). Once, at boot.
    fn started(&self) {}

    /// The process's thread goes to sleep in the kernel (`asleep`) or is back from
    /// such a sleep (BSD's tsleep; not a stop), for a personality that records it.
    /// Told only while the process records ([`Process::recording`]).
    fn sleep_edge(&self, _process: &Process, _asleep: bool) {}

    /// The process's thread is about to enter user mode for the first time (a forked
    /// child's return from fork, its pending signals acted on already), for a
    /// personality that records it.
    fn first_return(&self, _task: &Task) {}

    /// Builds the frame that runs `action`'s handler for `signal`, rewriting the context
    /// to enter it. An error means the frame could not be written (bad stack): the core
    /// then kills the process.
    fn deliver_signal(
        &self,
        task: &mut Task,
        signal: Signal,
        origin: SignalOrigin,
        action: &CatchAction,
    ) -> Result<(), ExecError>;
}

static PERSONALITIES: Once<&'static [&'static dyn Personality]> = Once::new();

/// Installs the personalities the image provides, in claim-tie order.
pub fn register_personalities(list: &'static [&'static dyn Personality]) {
    PERSONALITIES.call_once(|| list);
    sched::observe_sleeps(trace::sleep_edge);
    for p in list {
        for &v in p.trap_vectors() {
            nymph_hal::trap::allow_user_vector(v);
        }
        log::info!("personality {} registered", p.name());
    }
    for p in list {
        p.started();
    }
}

fn personalities() -> &'static [&'static dyn Personality] {
    PERSONALITIES.get().copied().unwrap_or(&[])
}

/// The personality of `list` that claims `identity`, if any.
pub fn choose_personality(
    list: &[&'static dyn Personality],
    identity: &ElfIdentity,
) -> Option<&'static dyn Personality> {
    let mut best: Option<(u8, &'static dyn Personality)> = None;
    for &p in list {
        if let Some(strength) = p.claim(identity)
            && best.is_none_or(|(b, _)| strength > b)
        {
            best = Some((strength, p));
        }
    }
    best.map(|(_, p)| p)
}

#[derive(Debug)]
struct Inner {
    parent: Pid,
    pgid: Pid,
    sid: Pid,
    personality: &'static dyn Personality,
    /// Its memory; None once it has exited, and while lent to a vfork child.
    memory: Option<SharedMemory>,
    /// Set once the process has ended: a zombie until its parent reaps it.
    exit: Option<ExitStatus>,
    children: Vec<Pid>,
    pending: SignalSet,
    /// Where each pending signal that did not come from the kernel came from (see
    /// [`Inner::make_pending`]); an entry may outlive its signal's delivery by other
    /// paths, and is replaced when the signal is next posted.
    origins: Vec<(Signal, SignalOrigin)>,
    blocked: SignalSet,
    /// The mask a handler's frame restores instead of `blocked`, set while a call such as
    /// sigsuspend runs with a temporary mask (BSD's P_OLDMASK).
    saved_mask: Option<SignalSet>,
    /// Set while the process runs in its vfork parent's address space, lent to it until
    /// it execs or exits (BSD's shared vmspace); the parent waits meanwhile, or dies of
    /// SIGKILL, and then the space goes with the child.
    lender: Option<Weak<Process>>,
    /// It has exec'd since it was forked: its parent may no longer move it to another
    /// process group (POSIX; BSD's P_EXEC).
    execed: bool,
    /// It gave up its session's controlling terminal without leaving the session (4.x's
    /// TIOCNOTTY by a non-leader clearing P_CONTROLT): the terminal's signals pass it
    /// by, /dev/tty is not its, and job control does not apply to it. Kept by fork,
    /// cleared by setsid.
    left_terminal: bool,
    /// What its parent is sent when it exits: SIGCHLD, unless the personality asked for
    /// another at fork (BSD's p_sigparent); a child with another is waited for only by
    /// a wait that asks for such children ([`WaitOptions::clone_children`]).
    exit_signal: Signal,
    /// Time spent running its user code, in nanoseconds.
    user_ns: u64,
    /// Its armed virtual and profiling interval timers (the real one is in `timer`).
    cpu_timers: BTreeMap<timer::Which, timer::Setting>,
    /// Its bound on CPU time, if a personality set one (kept by fork and exec).
    cpu_limit: Option<timer::CpuLimit>,
    /// How many processes its real user may have, if a personality set a bound below
    /// the system's (BSD's RLIMIT_NPROC; kept by fork and exec).
    process_limit: Option<usize>,
    /// Its nice value, [`NICE_MIN`] to [`NICE_MAX`] (kept by fork and exec).
    nice: i32,
    /// Its scheduling class (kept by fork and exec, as BSD's p_rtprio).
    class: sched::Class,
    /// Its profil(2) buffer, if it is being profiled (kept by fork, ended by exec).
    profile: Option<profile::Profile>,
    /// What it used in all, fixed when it exits.
    final_usage: Option<Usage>,
    /// Page faults resolved, and the most pages it had at once (kept across exec).
    faults: u64,
    max_pages: u64,
    /// [`Usage::size_integrals`] so far (zero for a forked child, kept across exec).
    size_integrals: [u64; 3],
    /// What its reaped children (and theirs) used.
    children_usage: Usage,
    /// The CPU fault behind the last signal the process's own instruction raised, kept
    /// for the personality to describe in the handler's frame.
    last_fault: Option<Fault>,
    /// The I/O ports its user code may use, once it was given any (not inherited by
    /// fork; exec keeps it, as i386 BSD's pcb_ext).
    io_ports: Option<IoBitmap>,
    /// Its hardware breakpoints, if a debugger set any (kept by fork and cleared by
    /// exec, as i386 BSD's pcb debug registers; loaded with the machine state).
    debug_registers: Option<DebugRegisters>,
    /// What it does with each signal (see [`Dispositions`]).
    dispositions: SharedDispositions,
    /// Opaque per-process state of the personality.
    personality_state: BTreeMap<&'static str, u64>,
    /// The command line of its image, for ps (shortened; set at exec).
    command: Vec<u8>,
    /// The file name of its image (an interpreter's, for a script): BSD's p_comm,
    /// which core files are named after. Shared with forked children (fork is hot).
    name: Arc<[u8]>,
    /// The whole path of that file (shared with forked children).
    image_path: Arc<[u8]>,
    /// That file itself (BSD's p_textvp).
    image: Arc<vfs::Inode>,
    /// The arguments its image was started with (shared with forked children), if they
    /// fit [`ARGV_KEPT`]; a personality may replace them (BSD's setproctitle).
    argv: Option<Arc<Vec<Vec<u8>>>>,
    /// Its descriptor table; None once it has exited.
    files: Option<SharedFiles>,
    /// Root, working directory, credentials and umask.
    fs: FsContext,
    /// What event queues count on this process.
    events: EventCounts,
    /// The process tracing it for a debugger (BSD's P_TRACED, with the tracer as its
    /// parent meanwhile), and the parent it had before (p_oppid); see [`debug`].
    tracer: Option<Pid>,
    original_parent: Pid,
    /// The leader of the peers it was made one of (BSD's p_leader, set by
    /// rfork(RFTHREAD)); None: it leads its own, alone or with `peers`.
    leader: Option<Weak<Process>>,
    /// As a leader, its peers (BSD's p_peers list), which die with it.
    peers: Vec<Weak<Process>>,
}

/// An address space with its program break (BSD's vmspace): a process's own, lent to
/// a vfork child while its parent waits, or shared by the processes rfork(RFMEM) made,
/// whose changes to it (mappings, the break, the LDT) each of them sees.
#[derive(Debug)]
struct Memory {
    space: AddressSpace,
    /// Program break: start (end of the image) and current end.
    brk_start: u64,
    brk: u64,
    /// The file the image was made from, held as a running program's (ETXTBSY for
    /// writing it) while this memory lives.
    text: Option<vfs::TextHold>,
}

type SharedMemory = Arc<Mutex<Memory>>;

fn shared<T>(value: T) -> Arc<Mutex<T>> {
    Arc::new(Mutex::new(value))
}

/// A descriptor table: a process's own, or shared by the processes rfork made without
/// RFFDG or RFCFDG (4.x's fdshare), until one of them execs or asks for its own.
type SharedFiles = Arc<Mutex<FdTable>>;

/// What a process does with each signal, and how its children report to it (BSD's
/// procsig and sigacts): its own, or shared by the processes rfork(RFSIGSHARE) made
/// until one of them execs. The signal mask and pending set stay each process's.
#[derive(Clone, Debug, Default)]
struct Dispositions {
    actions: BTreeMap<Signal, SigAction>,
    /// The mask and flags a personality gave with an action that catches nothing
    /// (SIG_DFL, SIG_IGN), and those of a caught signal exec reset: BSD keeps both per
    /// signal whatever the handler, and its old action reports them. Kept by fork and
    /// exec; a caught action carries its own instead.
    resting: BTreeMap<Signal, (SignalSet, u64)>,
    /// How its children report to it (see [`ChildReports`]).
    child_reports: ChildReports,
}

type SharedDispositions = Arc<Mutex<Dispositions>>;

/// Gives `slot` a copy of what it names if another process shares it (4.x's
/// fdcopy, vmspace_unshare and exec's copy of a shared procsig). Err when the copy
/// cannot be made.
fn unshare<T>(
    slot: &mut Arc<Mutex<T>>,
    copy: impl FnOnce(&mut T) -> Result<T, MemError>,
) -> Result<(), MemError> {
    if Arc::strong_count(slot) > 1 {
        let own = copy(&mut slot.lock())?;
        *slot = shared(own);
    }
    Ok(())
}

/// What a forked child shares with its parent rather than getting a copy of (rfork's
/// RFMEM, RFSIGSHARE, and the absence of RFFDG and RFCFDG).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shares {
    pub memory: bool,
    pub files: bool,
    pub dispositions: bool,
}

impl Inner {
    /// Its action for `signal`.
    fn action(&self, signal: Signal) -> SigAction {
        self.dispositions
            .lock()
            .actions
            .get(&signal)
            .copied()
            .unwrap_or(SigAction::Default)
    }

    /// Makes `signal` pending from `origin`, unless it is pending already: then it keeps
    /// the origin it had (signals do not queue).
    fn make_pending(&mut self, attention: &AtomicBool, signal: Signal, origin: SignalOrigin) {
        attention.store(true, Ordering::Relaxed);
        if self.pending.contains(signal) {
            return;
        }
        self.pending.insert(signal);
        self.origins.retain(|(s, _)| *s != signal);
        if origin != SignalOrigin::Kernel {
            self.origins.push((signal, origin));
        }
    }

    /// Where `signal`, taken off the pending set for delivery, came from.
    fn take_origin(&mut self, signal: Signal) -> SignalOrigin {
        match self.origins.iter().position(|(s, _)| *s == signal) {
            Some(i) => self.origins.swap_remove(i).1,
            None => SignalOrigin::Kernel,
        }
    }
}

/// Forks, execs and posts of the signals event queues asked to count (kept apart from
/// the rest so that the hooks stay one increment).
#[derive(Debug, Default)]
struct EventCounts {
    forks: u32,
    execs: u32,
    signals: Vec<(Signal, u64)>,
}

/// What a process used, as getrusage reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Running user code.
    pub user_ns: u64,
    /// Running in the kernel on the process's behalf.
    pub system_ns: u64,
    /// Page faults resolved (all minor: nothing is read from a disk to resolve one).
    pub minor_faults: u64,
    /// The most pages it had in memory at once.
    pub max_resident_pages: u64,
    /// Times it gave up the CPU to wait, and times its turn ended or it yielded.
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    /// Signals whose handlers it ran (BSD's postsig counts these).
    pub signals: u64,
    /// Sends and receives on sockets and FIFOs (BSD's ru_msgsnd and ru_msgrcv; see
    /// [`Process::count_message`]).
    pub messages_sent: u64,
    pub messages_received: u64,
    /// KiB of text, data and stack summed over the clock ticks that found it
    /// running its code (BSD's ru_ixrss, ru_idrss and ru_isrss, statclock's
    /// integrals; see [`Personality::segment_pages`]).
    pub size_integrals: [u64; 3],
}

impl Usage {
    pub const ZERO: Usage = Usage {
        user_ns: 0,
        system_ns: 0,
        minor_faults: 0,
        max_resident_pages: 0,
        voluntary_switches: 0,
        involuntary_switches: 0,
        signals: 0,
        messages_sent: 0,
        messages_received: 0,
        size_integrals: [0; 3],
    };

    /// Adds a descendant's use: sums, and the larger resident set (as BSD's ruadd).
    fn add(&mut self, other: Usage) {
        self.user_ns += other.user_ns;
        self.system_ns += other.system_ns;
        self.minor_faults += other.minor_faults;
        self.max_resident_pages = self.max_resident_pages.max(other.max_resident_pages);
        self.voluntary_switches += other.voluntary_switches;
        self.signals += other.signals;
        self.involuntary_switches += other.involuntary_switches;
        self.messages_sent += other.messages_sent;
        self.messages_received += other.messages_received;
        for (mine, theirs) in self.size_integrals.iter_mut().zip(other.size_integrals) {
            *mine += theirs;
        }
    }
}

/// A process.
#[derive(Debug)]
pub struct Process {
    pub pid: Pid,
    inner: Mutex<Inner>,
    /// Woken when a child changes state (for wait).
    child_events: WaitQueue,
    /// Its thread and job-control state (never locked together with `inner`).
    job: Mutex<JobState>,
    /// Its system calls are traced or recorded (see [`trace`]); tracing is inherited by
    /// fork, both are kept by exec.
    traced: trace::Watch,
    /// What a personality records of it (see [`trace::Recorder`]).
    recorder: trace::RecorderSlot,
    /// `Inner::exit` is set: for checks on the trap path that take no lock.
    exited: AtomicBool,
    /// Something may be due before it returns to user mode: a signal made pending, its
    /// mask changed, a mask to restore, its exit. Set wherever those change, cleared by
    /// [`ready_to_enter`] once it finds nothing due; while clear, a served system call
    /// goes straight back without taking the lock (see [`Runner`]).
    attention: AtomicBool,
    /// User time its thread has run and not yet charged, in TSC cycles: counted on every
    /// return from user mode without a lock, turned into `Inner::user_ns` once a tick.
    user_cycles: AtomicU64,
    /// Signals whose handlers it ran, for getrusage (bumped without a lock).
    signals_caught: AtomicU64,
    /// Messages sent and received, for getrusage (bumped without a lock).
    messages: [AtomicU64; 2],
    /// When it was forked or spawned (for accounting; kept by exec, as BSD's p_start).
    started: accounting::Started,
    /// It was made by fork (not spawned by the kernel): with no exec since, accounting
    /// calls it forked-without-exec (BSD's AFORK).
    forked: bool,
    /// The event queues with a note that follows its forks (BSD's NOTE_TRACK): each
    /// is told of a child as the fork makes it (see [`crate::file::kqueue::forked`]).
    /// A queue gone, or whose note went, is dropped from the list at the next fork.
    pub(crate) fork_watchers: Mutex<Vec<Weak<crate::file::kqueue::EventQueue>>>,
    /// The prison it lives in, if any (see [`prison`]): set once, kept by fork and exec,
    /// and read without a lock (path lookups ask while the process's own lock is held).
    prison: Once<Arc<prison::Prison>>,
}

/// Which thread runs a process and whether it is stopped.
#[derive(Debug, Default)]
struct JobState {
    /// The kernel thread running the process (set when it starts running).
    thread: Option<ThreadId>,
    /// Stopped by this signal, until SIGCONT (or SIGKILL).
    stopped: Option<Signal>,
    /// The stop was reported to the parent by `wait` already.
    stop_reported: bool,
    /// Continued from a stop by SIGCONT and not yet reported to a wait that asks for
    /// it (WCONTINUED); a new stop supersedes it.
    continued: bool,
    /// Stopped for its tracer (SIGCONT does not continue it), with its registers
    /// parked here for the tracer to read and change.
    trace_stop: bool,
    parked: Option<Box<UserContext>>,
    /// The signal its tracer resumes it with (BSD's p_xstat).
    resume_signal: Option<Signal>,
}

impl JobState {
    const fn new() -> Self {
        JobState {
            thread: None,
            stopped: None,
            stop_reported: false,
            continued: false,
            trace_stop: false,
            parked: None,
            resume_signal: None,
        }
    }
}

/// Stopped processes' threads wait here (a continue wakes them by thread id).
static STOPPED: WaitQueue = WaitQueue::new();

static TABLE: Mutex<BTreeMap<Pid, Arc<Process>>> = Mutex::new(BTreeMap::new());
static NEXT_PID: Mutex<u32> = Mutex::new(1);
/// The pid given out last (BSD's nextpid), 0 before the first.
static LAST_PID: AtomicU32 = AtomicU32::new(0);

fn allocate_pid(table: &BTreeMap<Pid, Arc<Process>>) -> Option<Pid> {
    let mut next = NEXT_PID.lock();
    for _ in 0..PID_MAX {
        let candidate = Pid(*next);
        *next = if *next >= PID_MAX { 2 } else { *next + 1 };
        if !table.contains_key(&candidate) {
            LAST_PID.store(candidate.0, Ordering::Relaxed);
            return Some(candidate);
        }
    }
    None
}

/// The pid given to the newest process (0 before the first): what BSD's `nextpid`
/// holds, which top shows as "last pid".
pub fn last_pid() -> u32 {
    LAST_PID.load(Ordering::Relaxed)
}

/// User time of processes that have exited, for [`cpu_totals`]: at nice 0 or below,
/// and above it (BSD's statclock counts the two apart).
static EXITED_USER_NS: AtomicU64 = AtomicU64::new(0);
static EXITED_NICE_NS: AtomicU64 = AtomicU64::new(0);

/// The CPU's time since boot by what it ran, in nanoseconds (BSD's cp_time, which
/// statclock samples; here summed from the same clocks getrusage reads).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTotals {
    /// Every process's user time, at nice 0 or below.
    pub user_ns: u64,
    /// User time of processes at a positive nice value (at their exit, or now).
    pub nice_ns: u64,
    /// The kernel's own time: system calls, faults, interrupts and kernel threads.
    pub system_ns: u64,
    /// The idle thread's time.
    pub idle_ns: u64,
}

/// How the CPU's time since boot divides: user time of every process that ran (the
/// exited ones' counted at their exit), the idle thread's, and the kernel's as the
/// rest.
pub fn cpu_totals() -> CpuTotals {
    // The exited ones first: one that exits while the table is read is then left out
    // of this sum (not counted twice), and counted by the next.
    let mut user = EXITED_USER_NS.load(Ordering::Relaxed);
    let mut niced = EXITED_NICE_NS.load(Ordering::Relaxed);
    for p in live() {
        let ns = p.usage().user_ns;
        if p.has_exited() {
            continue;
        }
        if nice(&p) > 0 {
            niced += ns;
        } else {
            user += ns;
        }
    }
    let idle = sched::idle_ns();
    let elapsed = crate::time::monotonic_ns();
    CpuTotals {
        user_ns: user,
        nice_ns: niced,
        system_ns: elapsed.saturating_sub(idle + user + niced),
        idle_ns: idle,
    }
}

/// Looks a process up.
pub fn find(pid: Pid) -> Option<Arc<Process>> {
    TABLE.lock().get(&pid).cloned()
}

/// The processes that have not exited.
pub fn live() -> Vec<Arc<Process>> {
    let all: Vec<Arc<Process>> = TABLE.lock().values().cloned().collect();
    all.into_iter().filter(|p| !p.has_exited()).collect()
}

/// Every process in the table, zombies included, by pid.
pub fn all() -> Vec<Arc<Process>> {
    TABLE.lock().values().cloned().collect()
}

/// The processes that have not exited, the newest made first: BSD's allproc, where
/// fork puts each at the head and exit moves it off (to zombproc).
pub fn newest_first() -> Vec<Arc<Process>> {
    let mut live = live();
    live.sort_by_key(|p| core::cmp::Reverse(p.started.serial));
    live
}

/// Takes a truncated file's pages out of every address space that maps them (see
/// `AddressSpace::detach_file_frames`); `frames` maps each page's frame to its index in
/// the file. Called with no lock held: it takes each process's and each space's.
pub fn detach_file_frames(
    file: &Arc<dyn crate::mm::uspace::MappedFile>,
    frames: &BTreeMap<u64, u64>,
) {
    let mut done: Vec<SharedMemory> = Vec::new();
    for process in all() {
        let Some(memory) = process.inner.lock().memory.clone() else {
            continue;
        };
        // Processes sharing one space (rfork's RFMEM) see it once.
        if done.iter().any(|m| Arc::ptr_eq(m, &memory)) {
            continue;
        }
        memory.lock().space.detach_file_frames(file, frames);
        done.push(memory);
    }
}

/// Processes in the table, zombies included.
pub fn count() -> usize {
    TABLE.lock().len()
}

impl Process {
    pub fn personality(&self) -> &'static dyn Personality {
        self.inner.lock().personality
    }
    #[inline]
    pub fn parent(&self) -> Pid {
        self.inner.lock().parent
    }
    pub fn pgid(&self) -> Pid {
        self.inner.lock().pgid
    }
    pub fn sid(&self) -> Pid {
        self.inner.lock().sid
    }
    /// Its command line as exec gave it (arguments joined by spaces, shortened).
    pub fn command(&self) -> Vec<u8> {
        self.inner.lock().command.clone()
    }
    /// Its argument vector as exec gave it (or as last set); None when it was longer
    /// than [`ARGV_KEPT`] bytes.
    pub fn argv(&self) -> Option<Arc<Vec<Vec<u8>>>> {
        self.inner.lock().argv.clone()
    }
    /// Replaces the argument vector others see (not the image's own copy in user memory).
    pub fn set_argv(&self, argv: &[Vec<u8>]) {
        self.inner.lock().argv = kept_argv(argv);
    }
    /// Replaces the command line ps shows (a title the process set, as BSD's
    /// setproctitle does); an empty `argv` leaves it as it was.
    pub fn set_command(&self, argv: &[Vec<u8>]) {
        if argv.iter().any(|a| !a.is_empty()) {
            self.inner.lock().command = command_line("", argv);
        }
    }
    /// Whether a debugger traces it.
    pub fn is_traced(&self) -> bool {
        self.inner.lock().tracer.is_some()
    }
    /// Whether it runs in its vfork parent's memory while the parent waits (BSD's
    /// P_PPWAIT).
    pub fn is_vfork_child(&self) -> bool {
        self.inner.lock().lender.is_some()
    }

    #[inline]
    pub fn has_exited(&self) -> bool {
        self.exited.load(Ordering::Relaxed)
    }
    /// The signal that stopped the process, while it is stopped.
    pub fn stopped(&self) -> Option<Signal> {
        self.job.lock().stopped
    }
    /// Its children (zombies included).
    pub fn children(&self) -> Vec<Pid> {
        self.inner.lock().children.clone()
    }
    /// The kernel thread running the process, once it has started.
    pub fn thread(&self) -> Option<ThreadId> {
        self.job.lock().thread
    }

    /// Whether `signal` would not reach the process now: blocked, or ignored (by its
    /// action, or by default). Job control asks this before sending SIGTTIN/SIGTTOU.
    pub fn blocks_or_ignores(&self, signal: Signal) -> bool {
        let inner = self.inner.lock();
        let action = inner.action(signal);
        (inner.blocked.contains(signal) && signal.catchable())
            || action == SigAction::Ignore
            || (action == SigAction::Default && signal.default_action() == DefaultAction::Ignore)
    }

    /// How many times it forked and exec'd (for event queues).
    pub fn event_counts(&self) -> (u32, u32) {
        let inner = self.inner.lock();
        (inner.events.forks, inner.events.execs)
    }

    /// How it ended, once it has.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.inner.lock().exit
    }

    /// Starts counting posts of `signal` (if not counting already); returns the count.
    pub fn watch_signal(&self, signal: Signal) -> u64 {
        let mut inner = self.inner.lock();
        if let Some(c) = inner.events.signals.iter().find(|c| c.0 == signal) {
            return c.1;
        }
        inner.events.signals.push((signal, 0));
        0
    }

    /// Posts of `signal` counted since [`Process::watch_signal`] asked for them.
    pub fn signal_posts(&self, signal: Signal) -> u64 {
        let inner = self.inner.lock();
        inner
            .events
            .signals
            .iter()
            .find(|c| c.0 == signal)
            .map_or(0, |c| c.1)
    }

    /// Runs `f` on the descriptor table. Never block inside `f`: take the open file
    /// out (`file`) and operate on it after the table is released.
    pub fn with_files<R>(&self, f: impl FnOnce(&mut FdTable) -> R) -> R {
        let inner = self.inner.lock();
        match &inner.files {
            Some(table) => f(&mut table.lock()),
            None => f(&mut FdTable::default()),
        }
    }

    /// The open file behind descriptor `fd`.
    pub fn file(&self, fd: usize) -> Result<alloc::sync::Arc<OpenFile>, crate::file::FileError> {
        self.with_files(|table| table.get(fd))
    }

    /// Runs `f` on the address space (none once the process has exited).
    /// Drops the process's byte-range locks on `file`'s node: POSIX releases them when
    /// the process closes any descriptor of the file.
    pub fn release_range_locks(&self, file: &OpenFile) {
        if let Some(node) = file.node() {
            vfs::lock::release_owner_on(vfs::lock::key(node), self.pid.0);
        }
    }

    /// A copy of the process's file-system context (root, cwd, credentials, umask).
    /// The real user id (whose process count a fork is charged to).
    pub fn real_uid(&self) -> u32 {
        self.inner.lock().fs.creds.uid
    }

    pub fn fs(&self) -> FsContext {
        self.inner.lock().fs.clone()
    }

    /// Changes the file-system context in place.
    pub fn with_fs<R>(&self, f: impl FnOnce(&mut FsContext) -> R) -> R {
        f(&mut self.inner.lock().fs)
    }

    pub fn with_space<R>(&self, f: impl FnOnce(&mut AddressSpace) -> R) -> Option<R> {
        let inner = self.inner.lock();
        inner.memory.as_ref().map(|m| f(&mut m.lock().space))
    }

    /// Lets the process's user code use `ports` (or stops it); the map is made on first
    /// use. Err when the heap cannot give it. For the calling process: its map is
    /// loaded at once.
    pub fn set_io_ports(
        &self,
        ports: core::ops::Range<usize>,
        allow: bool,
    ) -> Result<(), MemError> {
        let mut inner = self.inner.lock();
        if inner.io_ports.is_none() {
            if !crate::mm::heap::can_spare(nymph_hal::ioports::MAP_BYTES) {
                return Err(MemError::OutOfMemory);
            }
            inner.io_ports = Some(IoBitmap::new().ok_or(MemError::OutOfMemory)?);
        }
        if let Some(map) = inner.io_ports.as_mut() {
            map.set(ports, allow);
        }
        // The caller is this process, in its own call: its map goes in now.
        nymph_hal::ioports::load(inner.io_ports.as_ref());
        Ok(())
    }

    /// Runs `f` on the process's I/O-port map (None if it was never given a port).
    pub fn with_io_ports<R>(&self, f: impl FnOnce(Option<&IoBitmap>) -> R) -> R {
        f(self.inner.lock().io_ports.as_ref())
    }

    /// The current program break and where it started.
    pub fn brk(&self) -> (u64, u64) {
        let inner = self.inner.lock();
        inner.memory.as_ref().map_or((0, 0), |m| {
            let m = m.lock();
            (m.brk_start, m.brk)
        })
    }

    /// Moves the program break to `new_end` (mapping or unmapping whole pages), within
    /// `limit` bytes above its start. Returns the new break.
    pub fn set_brk(&self, new_end: u64, limit: u64) -> Result<u64, MemError> {
        let inner = self.inner.lock();
        let mut memory = inner.memory.as_ref().ok_or(MemError::BadAddress)?.lock();
        let start = memory.brk_start;
        if new_end < start || new_end - start > limit || new_end >= USER_END {
            return Err(MemError::OutOfMemory);
        }
        let old_top = memory.brk.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        let new_top = new_end.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        if new_top > old_top {
            // Promised, not allocated: a page of the break costs a frame when touched.
            memory
                .space
                .reserve_zeroed(old_top, new_top, Protection::READ_WRITE)?;
        } else if new_top < old_top {
            memory.space.unmap_range(new_top, old_top);
        }
        memory.brk = new_end;
        Ok(new_end)
    }

    /// The personality's own per-process value under `key` (0 if never set).
    pub fn personality_value(&self, key: &'static str) -> u64 {
        self.inner
            .lock()
            .personality_state
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    pub fn set_personality_value(&self, key: &'static str, value: u64) {
        self.inner.lock().personality_state.insert(key, value);
    }

    /// The action for `signal`.
    pub fn sigaction(&self, signal: Signal) -> SigAction {
        self.inner.lock().action(signal)
    }

    /// Sets the action for `signal`, returning the old one; refused for KILL and STOP.
    pub fn set_sigaction(&self, signal: Signal, action: SigAction) -> Option<SigAction> {
        if !signal.catchable() {
            return None;
        }
        let mut inner = self.inner.lock();
        let old = {
            let mut dispositions = inner.dispositions.lock();
            if matches!(action, SigAction::Catch(_)) {
                dispositions.resting.remove(&signal);
            }
            dispositions
                .actions
                .insert(signal, action)
                .unwrap_or(SigAction::Default)
        };
        if action == SigAction::Ignore
            || (action == SigAction::Default && signal.default_action() == DefaultAction::Ignore)
        {
            inner.pending.remove(signal);
        }
        Some(old)
    }

    pub fn blocked(&self) -> SignalSet {
        self.inner.lock().blocked
    }

    /// The mask and flags at rest for `signal` (see `Inner::resting`): those given with
    /// its SIG_DFL or SIG_IGN action, or of its handler before an exec; None if none
    /// was ever given.
    pub fn resting_action(&self, signal: Signal) -> Option<(SignalSet, u64)> {
        self.inner
            .lock()
            .dispositions
            .lock()
            .resting
            .get(&signal)
            .copied()
    }

    /// Records the mask and flags given with an action that catches nothing.
    pub fn set_resting_action(&self, signal: Signal, mask: SignalSet, flags: u64) {
        self.inner
            .lock()
            .dispositions
            .lock()
            .resting
            .insert(signal, (mask, flags));
    }

    /// Counts a send (`sent`) or a receive on a socket or a FIFO, as BSD counts
    /// them: each sosend call (a FIFO's writes are sends on its socket), and each
    /// soreceive that finds something to take (not one that meets the end of a
    /// stream, fails or takes urgent data out of line).
    pub fn count_message(&self, sent: bool) {
        self.messages[usize::from(!sent)].fetch_add(1, Ordering::Relaxed);
    }

    /// What this process has used (getrusage RUSAGE_SELF).
    pub fn usage(&self) -> Usage {
        let (user, faults, max_pages, size_integrals) = {
            let inner = self.inner.lock();
            if let Some(u) = inner.final_usage {
                return u;
            }
            let uncharged = self.user_cycles.load(Ordering::Relaxed);
            let user = inner.user_ns + crate::time::cycles_to_ns(uncharged).unwrap_or(0);
            (user, inner.faults, inner.max_pages, inner.size_integrals)
        };
        let thread = self.job.lock().thread;
        let cpu = thread.and_then(sched::cpu_ns).unwrap_or(0);
        let (voluntary, involuntary) = thread.and_then(sched::switches).unwrap_or((0, 0));
        Usage {
            user_ns: user,
            system_ns: cpu.saturating_sub(user),
            minor_faults: faults,
            max_resident_pages: max_pages,
            voluntary_switches: voluntary,
            involuntary_switches: involuntary,
            signals: self.signals_caught.load(Ordering::Relaxed),
            messages_sent: self.messages[0].load(Ordering::Relaxed),
            messages_received: self.messages[1].load(Ordering::Relaxed),
            size_integrals,
        }
    }

    /// A clock tick found the process running its code: its text, data and stack
    /// sizes (in KiB) join the integrals, as BSD's statclock adds them each tick.
    fn sample_sizes(&self, personality: &'static dyn Personality) {
        if let Some(pages) = personality.segment_pages(self) {
            let mut inner = self.inner.lock();
            for (sum, pages) in inner.size_integrals.iter_mut().zip(pages) {
                *sum += pages * (PAGE_SIZE / 1024);
            }
        }
    }

    /// Resolves a page fault at `address` in its address space, counting it for
    /// getrusage with the resident set's high-water mark.
    pub fn resolve_fault(&self, address: u64, write: bool) -> FaultResolution {
        let mut inner = self.inner.lock();
        let Some(memory) = inner.memory.clone() else {
            return FaultResolution::NotResolved;
        };
        let mut memory = memory.lock();
        let resolution = memory.space.handle_fault(address, write);
        if resolution == FaultResolution::Resolved {
            let pages = memory.space.page_count() as u64;
            inner.faults += 1;
            inner.max_pages = inner.max_pages.max(pages);
        }
        resolution
    }

    /// What the process's reaped descendants used (getrusage RUSAGE_CHILDREN).
    pub fn children_usage(&self) -> Usage {
        self.inner.lock().children_usage
    }

    /// Signals posted and not yet delivered.
    pub fn pending(&self) -> SignalSet {
        self.inner.lock().pending
    }

    /// Arranges for `mask` to be the mask the next handler's frame restores (and the
    /// mask again if no handler runs), for calls that wait with a temporary mask.
    pub fn restore_mask_after_handler(&self, mask: SignalSet) {
        self.inner.lock().saved_mask = Some(mask);
        self.attention.store(true, Ordering::Relaxed);
    }

    /// The mask a handler being delivered now must restore on return.
    pub fn mask_to_restore(&self) -> SignalSet {
        let inner = self.inner.lock();
        inner.saved_mask.unwrap_or(inner.blocked)
    }

    /// The fault behind the signal being delivered (or that stopped the process for
    /// its tracer), if a fault raised it, left in place.
    pub fn last_fault(&self) -> Option<Fault> {
        self.inner.lock().last_fault
    }

    /// The fault behind the signal being delivered, if a fault raised it.
    pub fn take_fault(&self) -> Option<Fault> {
        self.inner.lock().last_fault.take()
    }

    /// When it was made (by fork or at boot): wall-clock seconds and nanoseconds.
    pub fn start_time(&self) -> (u64, u32) {
        self.started.realtime
    }

    /// The path its image was loaded from, from the root (an interpreter's, for a
    /// script).
    pub fn image_path(&self) -> Arc<[u8]> {
        self.inner.lock().image_path.clone()
    }

    /// The file its image was loaded from (BSD's p_textvp; an interpreter's, for a
    /// script).
    pub fn image(&self) -> Arc<vfs::Inode> {
        self.inner.lock().image.clone()
    }

    /// Its hardware breakpoints (see `Inner::debug_registers`).
    pub fn debug_registers(&self) -> Option<DebugRegisters> {
        self.inner.lock().debug_registers
    }

    /// Sets its hardware breakpoints (None: none), for its debugger while it is
    /// stopped: they are loaded when it next enters user mode, which follows a switch
    /// to its thread.
    pub fn set_debug_registers(&self, regs: Option<DebugRegisters>) {
        self.inner.lock().debug_registers = regs;
    }

    /// What its parent is sent when it exits (see `Inner::exit_signal`).
    pub fn exit_signal(&self) -> Signal {
        self.inner.lock().exit_signal
    }

    /// Makes the process send `signal` instead of SIGCHLD to its parent when it exits
    /// (a personality's fork flag: 4.x's RFLINUXTHPN); its parent then waits for it
    /// only as a clone child ([`WaitOptions::clone_children`]).
    pub fn set_exit_signal(&self, signal: Signal) {
        self.inner.lock().exit_signal = signal;
    }

    /// How its children report to it.
    pub fn child_reports(&self) -> ChildReports {
        self.inner.lock().dispositions.lock().child_reports
    }

    /// Sets how its children report to it (from SIGCHLD's sigaction flags). Init keeps
    /// its zombies whatever it asks, since it is where the others' go (4.x's
    /// do_sigaction refuses PS_NOCLDWAIT to pid 1 for the same reason).
    pub fn set_child_reports(&self, mut reports: ChildReports) {
        if self.pid == INIT {
            reports.no_zombies = false;
        }
        self.inner.lock().dispositions.lock().child_reports = reports;
    }

    /// Sets the blocked mask (KILL and STOP cannot be blocked: they are skipped at delivery).
    pub fn set_blocked(&self, mask: SignalSet) {
        self.inner.lock().blocked = mask;
        // A signal pending and blocked until now may be deliverable.
        self.attention.store(true, Ordering::Relaxed);
    }

    /// Posts `signal` to this process (ignored ones are dropped at once) and wakes its
    /// thread if it sleeps, so that an interruptible sleep ends. SIGCONT continues a
    /// stopped process whatever its action (it stays pending only when caught), and
    /// cancels pending stop signals; a stop signal cancels a pending SIGCONT. SIGKILL
    /// also lets a stopped process run, to die.
    pub fn post(&self, signal: Signal) {
        self.post_from(signal, SignalOrigin::Kernel);
    }

    /// [`post`](Self::post), saying where the signal comes from (for siginfo).
    pub fn post_from(&self, signal: Signal, origin: SignalOrigin) {
        {
            let mut inner = self.inner.lock();
            if inner.exit.is_some() {
                return;
            }
            let action = inner.action(signal);
            if signal == Signal::Cont {
                for s in Signal::ALL {
                    if s.default_action() == DefaultAction::Stop {
                        inner.pending.remove(s);
                    }
                }
            } else if signal.default_action() == DefaultAction::Stop {
                inner.pending.remove(Signal::Cont);
            }
            // A traced process takes even the signals it ignores, to show its tracer
            // (4.x's psignal treats them as SIG_DFL then).
            let ignored = inner.tracer.is_none()
                && (action == SigAction::Ignore
                    || (action == SigAction::Default
                        && matches!(
                            signal.default_action(),
                            DefaultAction::Ignore | DefaultAction::Continue
                        )));
            if !ignored || !signal.catchable() {
                inner.make_pending(&self.attention, signal, origin);
            }
            // Counted even when ignored or blocked (4.x's EVFILT_SIGNAL).
            if let Some(c) = inner.events.signals.iter_mut().find(|c| c.0 == signal) {
                c.1 += 1;
            }
        }
        let (thread, continued) = {
            let mut job = self.job.lock();
            let mut continued = false;
            // Only its tracer continues a process stopped for it (or SIGKILL ends it).
            if signal == Signal::Kill || (signal == Signal::Cont && !job.trace_stop) {
                continued = signal == Signal::Cont && job.stopped.is_some();
                job.continued |= continued;
                job.stopped = None;
            }
            (job.thread, continued)
        };
        if let Some(thread) = thread {
            sched::wake(thread);
        }
        // A parent waiting with WCONTINUED has news, and SIGCHLD if its personality
        // sends one for a continue and it did not ask for no stop signals.
        if continued {
            let (parent, uid) = {
                let inner = self.inner.lock();
                (inner.parent, inner.fs.creds.uid)
            };
            if let Some(parent) = find(parent) {
                if parent.personality().signals_continued_child()
                    && !parent.child_reports().no_stop_signal
                {
                    let origin = SignalOrigin::Child {
                        pid: self.pid.0,
                        uid,
                        change: ChildChange::Continued,
                    };
                    parent.post_from(Signal::Chld, origin);
                }
                parent.child_events.wake_all();
            }
        }
    }
}

/// The process the running thread runs, if it runs one.
pub fn current() -> Option<Arc<Process>> {
    let me = sched::current();
    TABLE
        .lock()
        .values()
        .find(|p| p.job.lock().thread == Some(me))
        .cloned()
}

/// Whether a signal should end an interruptible sleep of the running thread's process
/// (false for kernel threads that run no process). See [`signal_pending`].
pub fn current_signal_pending() -> bool {
    current().is_some_and(|p| signal_pending(&p))
}

/// Whether `process` has a pending, unblocked signal that an interruptible sleep must
/// return for (or has exited). Called by the process's own thread, as a sleep checks:
/// pending signals whose default action is to stop do so here, in the sleep (the
/// sleep goes on after SIGCONT), and ones whose default is to be ignored are dropped,
/// as BSD's `issignal` does.
pub fn signal_pending(process: &Arc<Process>) -> bool {
    loop {
        let next = {
            let mut inner = process.inner.lock();
            if inner.exit.is_some() {
                return true;
            }
            let Some(signal) = inner.pending.first_unblocked(inner.blocked) else {
                return false;
            };
            let action = inner.action(signal);
            let default = signal.default_action();
            let acts_now = action == SigAction::Ignore
                || (action == SigAction::Default
                    && matches!(
                        default,
                        DefaultAction::Stop | DefaultAction::Ignore | DefaultAction::Continue
                    ));
            // A traced process stops for its tracer on its way back to user mode, where
            // its registers are at hand: the sleep ends for that (and a 4.x call restarts).
            if !acts_now || signal == Signal::Kill || inner.tracer.is_some() {
                return true;
            }
            inner.pending.remove(signal);
            (action == SigAction::Default && default == DefaultAction::Stop).then_some(signal)
        };
        if let Some(signal) = next {
            stop(process, signal);
        }
    }
}

/// Sleeps on `queue` until `ready()`, or until a signal interrupts the sleep of the
/// running thread's process (the way blocking system calls sleep).
pub fn sleep_interruptible(queue: &WaitQueue, ready: impl Fn() -> bool) -> Result<(), Interrupted> {
    match current() {
        Some(p) => queue.wait_until_interruptible(ready, || signal_pending(&p)),
        None => {
            queue.wait_until(ready);
            Ok(())
        }
    }
}

/// [`sleep_interruptible`], ending too when the clock reaches `deadline` (in ticks):
/// Ok(false) then.
pub fn sleep_interruptible_until(
    queue: &WaitQueue,
    ready: impl Fn() -> bool,
    deadline: Option<u64>,
) -> Result<bool, Interrupted> {
    match current() {
        Some(p) => queue.wait_until_deadline(ready, || signal_pending(&p), deadline),
        None => queue.wait_until_deadline(ready, || false, deadline),
    }
}

/// Sleeps until a signal is pending for `process` (sigsuspend, pause).
pub fn pause_until_signal(process: &Arc<Process>) {
    static NOTHING: WaitQueue = WaitQueue::new();
    let _waiting = sched::waiting_for("pause");
    let _ = NOTHING.wait_until_interruptible(|| false, || signal_pending(process));
}

/// Whether the members of process group `pgid` are orphaned: none has a parent in a
/// different group of the same session (POSIX). An orphaned group is not stopped by
/// terminal signals, since nobody would be left to continue it. A group with no
/// members counts as orphaned.
pub fn group_orphaned(pgid: Pid) -> bool {
    let members: Vec<Arc<Process>> = live().into_iter().filter(|p| p.pgid() == pgid).collect();
    !members.iter().any(|m| {
        let (parent, sid) = {
            let inner = m.inner.lock();
            (inner.parent, inner.sid)
        };
        find(parent)
            .filter(|p| !p.has_exited())
            .is_some_and(|p| p.pgid() != pgid && p.sid() == sid)
    })
}

/// The process groups `process`'s exit or move to group `joining` may orphan: its own
/// and its children's (a member of either may have had `process` as the parent that
/// kept the group in touch with its session) and the one it joins, each with whether
/// it is orphaned already.
fn groups_at_stake(process: &Arc<Process>, joining: Option<Pid>) -> Vec<(Pid, bool)> {
    // Only a group with a stopped member can need waking, and on nearly every exit
    // no process is stopped: one pass over the table then settles it.
    let stopped: Vec<Pid> = live()
        .iter()
        .filter(|p| p.stopped().is_some())
        .map(|p| p.pgid())
        .collect();
    if stopped.is_empty() {
        return Vec::new();
    }
    let mut groups = alloc::vec![process.pgid()];
    groups.extend(joining.filter(|&g| g != process.pgid()));
    let children = process.inner.lock().children.clone();
    for child in children.iter().filter_map(|&c| find(c)) {
        let pgid = child.pgid();
        if !groups.contains(&pgid) {
            groups.push(pgid);
        }
    }
    groups
        .into_iter()
        .filter(|g| stopped.contains(g))
        .map(|g| (g, group_orphaned(g)))
        .collect()
}

/// Wakes each of `groups` (from [`groups_at_stake`]) that was not orphaned and now is.
fn settle_orphaned(groups: Vec<(Pid, bool)>) {
    for (pgid, was_orphaned) in groups {
        if !was_orphaned && group_orphaned(pgid) {
            group_became_orphaned(pgid);
        }
    }
}

/// A group just became orphaned: if any member is stopped, nobody is left to continue
/// it, so every member gets SIGHUP and then SIGCONT (POSIX; BSD's orphanpg).
fn group_became_orphaned(pgid: Pid) {
    let members: Vec<Arc<Process>> = live().into_iter().filter(|p| p.pgid() == pgid).collect();
    if !members.iter().any(|m| m.stopped().is_some()) {
        return;
    }
    log::debug!(
        "process group {} orphaned with stopped members: SIGHUP, SIGCONT",
        pgid.0
    );
    for m in &members {
        m.post(Signal::Hup);
        m.post(Signal::Cont);
    }
}

/// Stops `process` (its own thread calls this) because of `signal`: the parent gets
/// SIGCHLD and a wake-up, and the thread waits until SIGCONT or SIGKILL. Terminal
/// stop signals to an orphaned group are discarded instead.
fn stop(process: &Arc<Process>, signal: Signal) {
    if signal != Signal::Stop && group_orphaned(process.pgid()) {
        return;
    }
    // A vfork child running in its parent's memory is not stopped: the parent waits
    // for it and could never go on (BSD's psignal skips such a stop for the same
    // deadlock).
    if process.inner.lock().lender.is_some() {
        log::debug!(
            "pid {}: {signal:?} ignored while its vfork parent waits",
            process.pid.0
        );
        return;
    }
    {
        let mut job = process.job.lock();
        job.stopped = Some(signal);
        job.stop_reported = false;
        job.continued = false;
    }
    log::debug!("pid {} stopped by {signal:?}", process.pid.0);
    tell_parent_of_stop(process, signal, false);
    let me = process.clone();
    STOPPED.wait_until_unobserved(move || me.stopped().is_none() || me.has_exited());
    log::debug!("pid {} continued", process.pid.0);
}

/// A child stopped (for its tracer if `traced`) by `signal`: its parent (its tracer,
/// if traced) gets SIGCHLD and a wake-up.
/// A job-control stop sends no SIGCHLD to a parent that asked for none
/// (SA_NOCLDSTOP); a stop for a tracer always does (4.x's issignal and psignal).
fn tell_parent_of_stop(process: &Process, signal: Signal, traced: bool) {
    if let Some(parent) = find(process.parent()) {
        let change = if traced {
            ChildChange::Trapped(signal)
        } else {
            ChildChange::Stopped(signal)
        };
        if traced || !parent.child_reports().no_stop_signal {
            parent.post_from(Signal::Chld, child_origin(process, change));
        }
        parent.child_events.wake_all();
    }
}

/// The origin of a SIGCHLD that `child` sends its parent.
pub(super) fn child_origin(child: &Process, change: ChildChange) -> SignalOrigin {
    SignalOrigin::Child {
        pid: child.pid.0,
        uid: child.with_fs(|fs| fs.creds.uid),
        change,
    }
}

/// Which children `wait` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    Any,
    Pid(Pid),
    Group(Pid),
}

/// Why `wait` returned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// No child matches.
    NoChildren,
    /// A signal arrived while waiting.
    Interrupted,
}

/// How `wait` behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitOptions {
    /// Return `Ok(None)` at once when matching children exist but none has news.
    pub no_hang: bool,
    /// Also report children that stopped (once per stop), as WUNTRACED does.
    pub untraced: bool,
    /// Also report children continued from a stop by SIGCONT (once per continue), as
    /// WCONTINUED does.
    pub continued: bool,
    /// Wait for the children whose exit signal is not SIGCHLD instead of the others
    /// (4.x's WLINUXCLONE, Linux's __WCLONE): a wait sees one kind only.
    pub clone_children: bool,
}

/// What `wait` reports about a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildEvent {
    /// It ended (and has been reaped).
    Exited(ExitStatus),
    /// It was stopped by this signal.
    Stopped(Signal),
    /// It was continued from a stop by SIGCONT.
    Continued,
}

/// Waits for a matching child to end and reaps it. With `no_hang`, returns `Ok(None)`
/// at once when children match but none has ended.
pub fn wait(
    parent: &Arc<Process>,
    which: WaitFor,
    no_hang: bool,
) -> Result<Option<(Pid, ExitStatus)>, WaitError> {
    let options = WaitOptions {
        no_hang,
        untraced: false,
        continued: false,
        clone_children: false,
    };
    match wait_child(parent, which, options)? {
        Some((pid, ChildEvent::Exited(status))) => Ok(Some((pid, status))),
        // Not asked for: never reported.
        Some((_, ChildEvent::Stopped(_) | ChildEvent::Continued)) | None => Ok(None),
    }
}

/// Waits for a matching child to end (and reaps it) or, with `untraced`, to stop.
/// The sleep is interruptible: a signal makes it return `WaitError::Interrupted`.
pub fn wait_child(
    parent: &Arc<Process>,
    which: WaitFor,
    options: WaitOptions,
) -> Result<Option<(Pid, ChildEvent)>, WaitError> {
    Ok(wait_child_usage(parent, which, options)?.map(|(pid, event, _)| (pid, event)))
}

/// [`wait_child`], also giving what a reaped child (with its own reaped children)
/// used; zero for a stopped one.
pub fn wait_child_usage(
    parent: &Arc<Process>,
    which: WaitFor,
    options: WaitOptions,
) -> Result<Option<(Pid, ChildEvent, Usage)>, WaitError> {
    let clone_children = options.clone_children;
    // Init collects children of both kinds: orphans come to it by every road (exit,
    // RFNOWAIT, SA_NOCLDWAIT) whatever their exit signal.
    let either_kind = parent.pid == INIT;
    let matches = move |pid: Pid, child: &Process| {
        let chosen = match which {
            WaitFor::Any => true,
            WaitFor::Pid(p) => p == pid,
            WaitFor::Group(g) => child.pgid() == g,
        };
        chosen && (either_kind || (child.exit_signal() != Signal::Chld) == clone_children)
    };
    loop {
        let children: Vec<Pid> = parent.inner.lock().children.clone();
        let mut matched = false;
        for pid in children {
            let Some(child) = find(pid) else { continue };
            if !matches(pid, &child) {
                continue;
            }
            matched = true;
            let (status, traced) = {
                let c = child.inner.lock();
                (c.exit, c.tracer.is_some())
            };
            if let Some(status) = status
                && debug::hand_back_exited(parent, &child)
            {
                // Its tracer has seen it end; its own parent reaps it (4.x's wait1).
                return Ok(Some((pid, ChildEvent::Exited(status), Usage::ZERO)));
            }
            if let Some(status) = status {
                let used = {
                    let c = child.inner.lock();
                    let mut all = c.children_usage;
                    all.add(c.final_usage.unwrap_or_default());
                    all
                };
                {
                    let mut p = parent.inner.lock();
                    p.children.retain(|&c| c != pid);
                    p.children_usage.add(used);
                }
                TABLE.lock().remove(&pid);
                left_group(child.pgid());
                return Ok(Some((pid, ChildEvent::Exited(status), used)));
            }
            if options.untraced || traced {
                let mut job = child.job.lock();
                if let Some(signal) = job.stopped
                    && !job.stop_reported
                {
                    job.stop_reported = true;
                    return Ok(Some((pid, ChildEvent::Stopped(signal), Usage::ZERO)));
                }
            }
            if options.continued {
                let mut job = child.job.lock();
                if job.continued {
                    job.continued = false;
                    return Ok(Some((pid, ChildEvent::Continued, Usage::ZERO)));
                }
            }
        }
        if !matched {
            return Err(WaitError::NoChildren);
        }
        if options.no_hang {
            return Ok(None);
        }
        let me = parent.clone();
        let untraced = options.untraced;
        let continued = options.continued;
        // Only a change of a child this wait accepts ends the sleep: an unrelated zombie
        // (an orphan handed to init, say) would otherwise make it spin in the kernel.
        // So does the last such child going (to init, under SA_NOCLDWAIT).
        let _waiting = sched::waiting_for("wait");
        parent
            .child_events
            .wait_until_interruptible(
                move || {
                    let kids = me.inner.lock().children.clone();
                    let mut accepted = kids
                        .iter()
                        .filter_map(|&p| find(p).map(|c| (p, c)))
                        .filter(|(p, c)| matches(*p, c))
                        .peekable();
                    accepted.peek().is_none()
                        || accepted.any(|(_, c)| {
                            c.has_exited()
                                || ((untraced || c.is_traced()) && {
                                    let job = c.job.lock();
                                    job.stopped.is_some() && !job.stop_reported
                                })
                                || (continued && c.job.lock().continued)
                        })
                },
                || signal_pending(parent),
            )
            .map_err(|_| WaitError::Interrupted)?;
    }
}

/// Ends `process` with `status`: its memory goes, its children go to init, its parent
/// gets SIGCHLD and a wake-up. Its thread stops at its next return towards user mode.
/// Called on the process's own thread: a leader of rfork(RFTHREAD) peers waits there
/// for them to end first.
pub fn exit(process: &Arc<Process>, status: ExitStatus) {
    if process.has_exited() {
        return;
    }
    end_peers(process);
    if process.pid == process.sid() {
        let revoke = process.personality().revokes_terminal_at_leader_exit();
        crate::tty::session_leader_exited(process.pid, revoke);
    }
    // The groups this exit can orphan (its own and its children's), and whether each
    // was orphaned before it.
    let groups = groups_at_stake(process, None);
    let usage = process.usage();
    let niced = nice(process) > 0;
    // Accounting's record is taken while the process is whole, and written only by
    // the call that ends it.
    let record = accounting::observing().then(|| accounting::record(process, &usage, status));
    let (space, children, parent) = {
        let mut inner = process.inner.lock();
        if inner.exit.is_some() {
            return;
        }
        inner.exit = Some(status);
        process.exited.store(true, Ordering::Relaxed);
        process.attention.store(true, Ordering::Relaxed);
        inner.final_usage = Some(usage);
        let exited = if niced {
            &EXITED_NICE_NS
        } else {
            &EXITED_USER_NS
        };
        exited.fetch_add(usage.user_ns, Ordering::Relaxed);
        inner.cpu_timers.clear();
        inner.pending = SignalSet::EMPTY;
        let files = inner.files.take();
        let leader = inner.leader.clone();
        // A vfork child's memory is its parent's, which gets it back.
        let (own, lent) = match (inner.lender.take(), inner.memory.take()) {
            (Some(lender), Some(memory)) => (None, Some((lender, memory))),
            (_, memory) => (memory, None),
        };
        (
            (own, files, lent, leader),
            core::mem::take(&mut inner.children),
            (inner.parent, inner.tracer.is_some(), inner.fs.creds.uid),
        )
    };
    let (parent, traced, uid) = parent;
    if let Some(record) = &record {
        accounting::emit(process, record);
    }
    timer::forget(process.pid);
    crate::ipc::sem::exit(process.pid.0);
    kernel_root_activate();
    let (space, files, lent, leader) = space;
    if let Some((lender, lent_memory)) = lent {
        give_back_memory(lender, lent_memory);
    }
    // Outside the lock: closing descriptors may wake other processes (pipe ends).
    drop((space, files));
    crate::file::socket::collect_after_close();
    // A peer's leader may be waiting for it to go (see `end_peers`).
    if let Some(leader) = leader.as_ref().and_then(Weak::upgrade) {
        leader.child_events.wake_all();
    }
    // The recorder goes too, as BSD's exit1 releases the trace file (4.x kern_exit.c:
    // "release trace file", vrele of p_tracep, before the process becomes a zombie):
    // otherwise a zombie, or init, which nobody reaps, keeps a trace file that nothing
    // can reach, with its pages (found by `cargo xtask fuzz --abi freebsd4-i386 --seed
    // 1176`: a worker's ktrace of process group 1 traced init itself).
    process.set_recorder(None);
    crate::vfs::lock::release_owner(process.pid.0);
    if let Some(init) = find(INIT).filter(|_| process.pid != INIT) {
        let mut orphans_done = false;
        for &child in &children {
            if let Some(c) = find(child) {
                c.inner.lock().parent = INIT;
                orphans_done |= c.has_exited();
                debug::tracer_gone(process.pid, &c);
            }
        }
        init.inner.lock().children.extend(children.iter().copied());
        if orphans_done {
            init.child_events.wake_all();
        }
    } else {
        // No init to inherit them: orphans are reaped when they end.
        for &child in &children {
            if let Some(c) = find(child) {
                c.inner.lock().parent = Pid(0);
                debug::tracer_gone(process.pid, &c);
            }
        }
    }
    // A parent that wants no zombies (SA_NOCLDWAIT) has init take the child, and init
    // is told instead; the parent is woken, in case it waits for its last child (4.x's
    // exit1). A traced child still reports to its tracer.
    let mut told = find(parent);
    if let Some(p) = &told
        && !traced
        && p.pid != INIT
        && p.child_reports().no_zombies
        && let Some(init) = find(INIT)
    {
        debug::reparent(process, &init);
        p.child_events.wake_all();
        told = Some(init);
    }
    match told {
        Some(p) => {
            let origin = SignalOrigin::Child {
                pid: process.pid.0,
                uid,
                change: ChildChange::of_exit(status),
            };
            // Init is told with SIGCHLD whatever the child asked for (4.x's exit1).
            let signal = if p.pid == INIT {
                Signal::Chld
            } else {
                process.exit_signal()
            };
            p.post_from(signal, origin);
            p.child_events.wake_all();
        }
        None => DETACHED_EXITS.wake_all(),
    }
    settle_orphaned(groups);
    log::debug!("pid {} exited: {status:?}", process.pid.0);
    if process.pid == INIT {
        init_exited(process, status);
    }
}

static INIT_EXIT: Once<fn(ExitStatus, Option<u32>)> = Once::new();

/// What the kernel does when init ends (the image decides: shut down, report...). It
/// gets how init ended and, when a signal ended it, that signal's number in init's ABI.
pub fn on_init_exit(f: fn(ExitStatus, Option<u32>)) {
    INIT_EXIT.call_once(|| f);
}

fn init_exited(process: &Process, status: ExitStatus) {
    let number = match status {
        ExitStatus::Signaled { signal, .. } => process.personality().signal_number(signal),
        ExitStatus::Exited(_) => None,
    };
    if let Some(f) = INIT_EXIT.get() {
        f(status, number);
    }
}

/// Why a signal could not be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillError {
    NoSuchProcess,
    /// Every process named belongs to another user (EPERM).
    NotPermitted,
}

/// Which processes a group signal reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillTarget {
    /// Every member of a process group.
    Group(Pid),
    /// The members of a process group that have not given up their controlling
    /// terminal: the terminal's own signals (4.x's pgsignal with checkctty).
    TerminalGroup(Pid),
    /// Every process but init and the sender (kill(-1)).
    All { sender: Pid },
}

/// Sends `signal` (or, with `None`, only checks that someone would get it) to every
/// live process `target` names; returns how many it reached. The kernel's own signals
/// (the terminal's) reach all of them.
pub fn kill_many(target: KillTarget, signal: Option<Signal>) -> Result<usize, KillError> {
    kill_many_from(None, target, signal)
}

/// Whether `sender` may signal `target` (POSIX): root may signal anyone, others the
/// processes whose real or effective user is one of theirs, and SIGCONT goes to
/// anyone in the sender's session. The saved ids play no part: 4.x's p_trespass
/// compares real and effective ids only (comparing the saved ones came with FreeBSD 5).
/// A prisoner reaches only its prison's members, root or not (p_trespass's
/// PRISON_CHECK), but 4.x's CANSIGNAL (kern_sig.c) lets SIGCONT through to the
/// sender's session before p_trespass is asked, prison or not.
pub fn may_signal(sender: &Process, target: &Process, signal: Option<Signal>) -> bool {
    if signal == Some(Signal::Cont) && sender.sid() == target.sid() {
        return true;
    }
    if !prison::sees(sender, target) {
        return false;
    }
    let from = sender.fs().creds;
    if from.is_root() {
        return true;
    }
    let to = target.fs().creds;
    [from.uid, from.euid]
        .iter()
        .any(|u| *u == to.uid || *u == to.euid)
}

/// The origin of a signal `sender` sends with kill.
pub fn sent_by(sender: &Process) -> SignalOrigin {
    SignalOrigin::Process {
        pid: sender.pid.0,
        uid: sender.with_fs(|fs| fs.creds.uid),
    }
}

/// [`kill_many`] on behalf of `sender`: the processes it may not signal are skipped,
/// and when it may signal none of those named, that is `NotPermitted`. Those outside
/// a jailed sender's prison are passed over as if absent (4.x's killpg1 skips every
/// process CANSIGNAL refuses, and says ESRCH when none is left).
pub fn kill_many_from(
    sender: Option<&Process>,
    target: KillTarget,
    signal: Option<Signal>,
) -> Result<usize, KillError> {
    let processes: Vec<Arc<Process>> = TABLE.lock().values().cloned().collect();
    let mut reached = 0;
    let mut refused = 0;
    for p in processes {
        if p.has_exited() {
            continue;
        }
        let hit = match target {
            KillTarget::Group(g) => p.pgid() == g,
            KillTarget::TerminalGroup(g) => p.pgid() == g && !left_terminal(&p),
            KillTarget::All { sender } => p.pid != INIT && p.pid != sender,
        };
        let unseen = |s: &Process| {
            !(prison::sees(s, &p) || (signal == Some(Signal::Cont) && s.sid() == p.sid()))
        };
        if hit && sender.is_some_and(unseen) {
            continue;
        }
        if hit && sender.is_some_and(|s| !may_signal(s, &p, signal)) {
            refused += 1;
        } else if hit {
            if let Some(s) = signal {
                p.post_from(s, sender.map_or(SignalOrigin::Kernel, sent_by));
            }
            reached += 1;
        }
    }
    match (reached, refused) {
        (0, 0) => Err(KillError::NoSuchProcess),
        (0, _) => Err(KillError::NotPermitted),
        _ => Ok(reached),
    }
}

/// Processes started by the kernel itself (no parent process) end here; the kernel
/// collects them with [`wait_detached`].
static DETACHED_EXITS: WaitQueue = WaitQueue::new();

/// Waits for a process the kernel started (with [`spawn`]) to end, and reaps it.
pub fn wait_detached(pid: Pid) -> Option<ExitStatus> {
    let process = find(pid)?;
    let watched = process.clone();
    DETACHED_EXITS.wait_until(move || watched.has_exited());
    TABLE.lock().remove(&pid);
    process.inner.lock().exit
}

/// A loaded program, ready to become a process image.
struct Loaded {
    personality: &'static dyn Personality,
    space: AddressSpace,
    context: UserContext,
    image_end: u64,
    personality_state: BTreeMap<&'static str, u64>,
    /// What ps shows: the arguments it runs with (an interpreter's, for a script).
    command: Vec<u8>,
    /// The last component of the path of the file loaded.
    name: Arc<[u8]>,
    /// The whole path of that file, from the root (BSD's p_textvp, named).
    path: Arc<[u8]>,
    /// That file.
    image: Arc<vfs::Inode>,
    /// Those arguments, kept for the personality (BSD's kern.proc.args).
    argv: Option<Arc<Vec<Vec<u8>>>>,
    /// The set-id bits of the file mapped.
    set_ids: creds::SetIds,
}

/// `path` from the root: as it is if it starts there, else after the working directory
/// (as far as that can be named).
fn absolute_path(ctx: &FsContext, path: &str) -> Vec<u8> {
    if path.starts_with('/') {
        return path.as_bytes().to_vec();
    }
    let mut full = vfs::getcwd(ctx).unwrap_or_default();
    if full.last() != Some(&b'/') {
        full.push(b'/');
    }
    full.extend_from_slice(path.trim_start_matches("./").as_bytes());
    full
}

/// A program file exec read: its node, contents and set-id bits.
struct ProgramFile {
    node: Arc<vfs::Inode>,
    bytes: Vec<u8>,
    set_ids: creds::SetIds,
}

/// What exec reads of a program file before it knows the file is one it can run: 4.x's
/// image activators look at its first page.
const PROGRAM_HEAD: usize = PAGE_SIZE as usize;

/// The bytes of a program file exec looks at: all of an ELF file's (its notes may lie
/// anywhere in it), the first page of anything else (a `#!` line is shorter; a file in
/// no format is refused from it), so that exec of a large data file is ENOEXEC and not
/// a copy of the whole. An ELF file the kernel heap cannot hold is OutOfMemory.
fn read_program_bytes(node: &vfs::Inode) -> Result<Vec<u8>, ExecError> {
    node.read_head_with(PROGRAM_HEAD, |first| first == goblin::elf::header::ELFMAG)
        .map_err(|e| match e {
            FsError::OutOfMemory => ExecError::OutOfMemory,
            e => ExecError::File(e),
        })
}

/// The program at `path`, if `ctx` may execute it.
fn read_program(ctx: &FsContext, path: &str) -> Result<ProgramFile, ExecError> {
    let node =
        vfs::lookup(ctx, None, path.as_bytes(), vfs::Follow::Yes).map_err(ExecError::File)?;
    if node.kind() != vfs::NodeType::Regular {
        return Err(ExecError::File(FsError::AccessDenied));
    }
    vfs::check_access(&node, &ctx.creds, vfs::Access::EXECUTE).map_err(ExecError::File)?;
    // A file open for writing is not run (BSD's exec_check_permissions: ETXTBSY).
    node.check_not_written().map_err(ExecError::File)?;
    node.touch_access();
    let set_ids = creds::SetIds::of_file(node.mode(), node.owner());
    let bytes = read_program_bytes(&node)?;
    Ok(ProgramFile {
        node,
        bytes,
        set_ids,
    })
}

/// Everything exec checks before it maps anything: the image's headers and layout, and
/// which of `list` runs it. Pure, so the host runs it too (the ELF fuzz target in
/// kernel/fuzz and the corpus tests of the personalities).
pub fn check_image<'a>(
    bytes: &'a [u8],
    list: &[&'static dyn Personality],
) -> Result<(ElfImage<'a>, &'static dyn Personality), ExecError> {
    let image = elf::parse(bytes, USER_END).map_err(ExecError::BadImage)?;
    let identity = &image.identity;
    let personality = choose_personality(list, identity).ok_or(ExecError::NoPersonality {
        class: identity.class,
        machine: identity.machine,
        osabi: identity.osabi,
    })?;
    personality.vet_image(&image)?;
    Ok((image, personality))
}

/// Everything exec checks of the ELF interpreter `bytes` of `program`, to be loaded at
/// `base`, before it maps anything: [`elf::parse_interpreter`] and the personality's
/// [`Personality::vet_image`]. Pure, as [`check_image`] is.
pub fn check_interpreter<'a>(
    bytes: &'a [u8],
    program: &ElfImage<'_>,
    base: u64,
    personality: &dyn Personality,
) -> Result<ElfImage<'a>, ExecError> {
    let image =
        elf::parse_interpreter(bytes, USER_END, base, program).map_err(ExecError::BadImage)?;
    personality.vet_image(&image)?;
    Ok(image)
}

/// Maps `image`'s segments into `space` with their contents, noting the pages that
/// hold the file's bytes as mapping `file` (4.x maps them from the vnode; the rest of
/// a segment is anonymous).
fn map_segments(
    space: &mut AddressSpace,
    image: &ElfImage<'_>,
    file: &Arc<vfs::Inode>,
) -> Result<(), ExecError> {
    for seg in &image.segments {
        let prot = Protection {
            read: true,
            write: seg.write,
            execute: seg.execute,
        };
        let end = seg.vaddr + seg.mem_size;
        space.map_range_zeroed(seg.vaddr, end, prot)?;
        let from = seg.file_offset as usize;
        let data = &image.data[from..from + seg.file_size as usize];
        space.write_bytes(seg.vaddr, data)?;
        if seg.file_size > 0 {
            let first = seg.vaddr / PAGE_SIZE * PAGE_SIZE;
            let last = (seg.vaddr + seg.file_size).next_multiple_of(PAGE_SIZE);
            let offset = seg.file_offset.saturating_sub(seg.vaddr - first);
            let view = crate::mm::uspace::FileView {
                file: file.clone(),
                shared: false,
                may_write: true,
            };
            space.note_file(first, last, view, offset)?;
        }
    }
    Ok(())
}

/// The program exec maps.
struct Program {
    path: String,
    node: Arc<vfs::Inode>,
    contents: Vec<u8>,
    /// The argument vector when it is not the caller's (an interpreter's).
    argv: Option<Vec<Vec<u8>>>,
    /// The set-id bits of the file mapped: for a script, its interpreter's (4.x takes
    /// them from the last file its image activators open).
    set_ids: creds::SetIds,
}

/// What exec runs for `path`: the program itself, or the interpreter a script names
/// (by the rules of the `caller`'s personality, the kernel's own for None: its
/// `#!` line's limit, and where it looks the interpreter up), with the interpreter's
/// argument vector.
fn resolve_program(
    ctx: &FsContext,
    path: &str,
    argv: &[Vec<u8>],
    caller: Option<&dyn Personality>,
) -> Result<Program, ExecError> {
    let file = read_program(ctx, path)?;
    let line_max = caller.map_or(script::LINE_MAX, |c| c.script_line_max());
    let Some(words) = script::interpreter_words(&file.bytes, line_max) else {
        return Ok(Program {
            path: String::from(path),
            node: file.node,
            contents: file.bytes,
            argv: None,
            set_ids: file.set_ids,
        });
    };
    let words = words.map_err(ExecError::BadScript)?;
    let interpreter =
        core::str::from_utf8(words[0]).map_err(|_| ExecError::File(FsError::NotFound))?;
    let interpreter = caller.map_or_else(
        || String::from(interpreter),
        |c| c.interpreter_path(ctx, interpreter),
    );
    let program = read_program(ctx, &interpreter)?;
    if script::is_script(&program.bytes) {
        return Err(ExecError::BadScript(script::ScriptError::NestedInterpreter));
    }
    Ok(Program {
        path: interpreter,
        node: program.node,
        contents: program.bytes,
        argv: Some(script::interpreter_argv(&words, path, argv)),
        set_ids: program.set_ids,
    })
}

/// `personality` is the calling program's, whose rules a script's `#!` line follows
/// (None for a new process); `caller` the process that execs (None for a new one), for
/// the log.
fn load(
    ctx: &FsContext,
    path: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    personality: Option<&dyn Personality>,
    caller: Option<Pid>,
) -> Result<Loaded, ExecError> {
    let program = resolve_program(ctx, path, argv, personality)?;
    let path = program.path.as_str();
    let argv = program.argv.as_deref().unwrap_or(argv);
    let bytes = program.contents.as_slice();
    let (image, personality) = check_image(bytes, personalities())?;
    let interp_base = image
        .identity
        .interp
        .as_deref()
        .zip(personality.elf_interpreter_base(&image));
    // Read and checked before anything is mapped, so a missing or bad interpreter
    // fails exec with the old image intact (4.x finds out too late and kills it).
    let interp_file = match interp_base {
        Some((name, _)) => {
            let found = personality.interpreter_path(ctx, name);
            let read = read_program(ctx, &found);
            Some(read.inspect_err(|e| log_bad_interpreter(caller, path, &found, e))?)
        }
        None => None,
    };
    let interp_image = match (interp_base, &interp_file) {
        (Some((name, base)), Some(file)) => Some(
            check_interpreter(&file.bytes, &image, base, personality)
                .inspect_err(|e| log_bad_interpreter(caller, path, name, e))?,
        ),
        _ => None,
    };
    let mut space = AddressSpace::new()?;
    map_segments(&mut space, &image, &program.node)?;
    let interpreter = match (&interp_image, &interp_file) {
        (Some(interp), Some(file)) => {
            map_segments(&mut space, interp, &file.node)?;
            Some(LoadedInterpreter {
                base: interp
                    .segments
                    .first()
                    .map_or(0, |s| s.vaddr / PAGE_SIZE * PAGE_SIZE),
                entry: interp.entry,
                end: interp.end(),
            })
        }
        _ => None,
    };
    let image_end = image.end();
    let request = ExecRequest {
        path,
        image: &image,
        argv,
        envp,
        image_end,
        interpreter,
    };
    let context = personality.setup_exec(&request, &mut space)?;
    let personality_state = personality.initial_state(&request).into_iter().collect();
    Ok(Loaded {
        personality,
        space,
        context,
        image_end,
        personality_state,
        command: command_line(path, argv),
        name: Arc::from(path.rsplit('/').next().unwrap_or(path).as_bytes()),
        path: Arc::from(absolute_path(ctx, path)),
        image: program.node.clone(),
        argv: kept_argv(argv),
        set_ids: program.set_ids,
    })
}

/// Says why exec of `path` could not load its ELF interpreter `interp`: the program
/// itself is fine, so exec's error alone would mislead.
fn log_bad_interpreter(caller: Option<Pid>, path: &str, interp: &str, e: &ExecError) {
    let who = caller.map_or(String::from("new process"), |p| {
        alloc::format!("pid {}", p.0)
    });
    log::warn!("{who}: exec {path}: ELF interpreter {interp} not loaded: {e:?}");
}

/// Longest command line kept for ps.
const COMMAND_MAX: usize = 80;
/// The most argument bytes (with a NUL each) a process keeps for others to read: more
/// are not kept at all, as BSD's argument cache does (whose own limit is smaller).
pub const ARGV_KEPT: usize = 4096;

fn kept_argv(argv: &[Vec<u8>]) -> Option<Arc<Vec<Vec<u8>>>> {
    let bytes: usize = argv.iter().map(|a| a.len() + 1).sum();
    (bytes <= ARGV_KEPT).then(|| Arc::new(argv.to_vec()))
}

/// The command line ps shows: the arguments, or the path when there are none.
fn command_line(path: &str, argv: &[Vec<u8>]) -> Vec<u8> {
    let mut line = Vec::new();
    for arg in argv {
        if !line.is_empty() {
            line.push(b' ');
        }
        line.extend_from_slice(arg);
    }
    if line.is_empty() {
        line.extend_from_slice(path.as_bytes());
    }
    line.truncate(COMMAND_MAX);
    // One line per process: control characters would break the status file's lines.
    for b in &mut line {
        if *b < b' ' {
            *b = b'?';
        }
    }
    line
}

/// Starts a process from `path` with no parent process (the first one gets pid 1 and
/// becomes init).
pub fn spawn(path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<Pid, ExecError> {
    let files = FdTable::with_console().map_err(|_| ExecError::OutOfMemory)?;
    spawn_with_files(path, argv, envp, files)
}

/// [`spawn`], with `files` as the new process's descriptors.
pub fn spawn_with_files(
    path: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    files: FdTable,
) -> Result<Pid, ExecError> {
    let mut fs = FsContext::initial();
    let loaded = load(&fs, path, argv, envp, None, None)?;
    fs.emulation_root = loaded.personality.emulation_root(&fs);
    let mut table = TABLE.lock();
    let pid = allocate_pid(&table).ok_or(ExecError::OutOfMemory)?;
    let process = Arc::new(Process {
        pid,
        inner: Mutex::new(Inner {
            parent: Pid(0),
            pgid: pid,
            sid: pid,
            personality: loaded.personality,
            memory: Some(shared(Memory {
                space: loaded.space,
                brk_start: loaded.image_end,
                brk: loaded.image_end,
                text: Some(vfs::TextHold::new(&loaded.image)),
            })),
            exit: None,
            children: Vec::new(),
            pending: SignalSet::EMPTY,
            origins: Vec::new(),
            blocked: SignalSet::EMPTY,
            saved_mask: None,
            last_fault: None,
            io_ports: None,
            debug_registers: None,
            lender: None,
            execed: false,
            left_terminal: false,
            exit_signal: Signal::Chld,
            user_ns: 0,
            cpu_timers: BTreeMap::new(),
            cpu_limit: None,
            process_limit: None,
            nice: 0,
            class: sched::Class::NORMAL,
            profile: None,
            final_usage: None,
            faults: 0,
            max_pages: 0,
            size_integrals: [0; 3],
            children_usage: Usage::ZERO,
            dispositions: shared(Dispositions::default()),
            personality_state: loaded.personality_state,
            command: loaded.command,
            name: loaded.name,
            image_path: loaded.path,
            image: loaded.image,
            argv: loaded.argv,
            files: Some(shared(files)),
            fs,
            events: EventCounts::default(),
            tracer: None,
            original_parent: Pid(0),
            leader: None,
            peers: Vec::new(),
        }),
        child_events: WaitQueue::new(),
        job: Mutex::new(JobState::new()),
        traced: trace::spawned_traced(),
        recorder: trace::RecorderSlot::default(),
        exited: AtomicBool::new(false),
        attention: AtomicBool::new(false),
        user_cycles: AtomicU64::new(0),
        signals_caught: AtomicU64::new(0),
        messages: [AtomicU64::new(0), AtomicU64::new(0)],
        started: accounting::Started::now(),
        forked: false,
        fork_watchers: Mutex::new(Vec::new()),
        prison: Once::new(),
    });
    table.insert(pid, process.clone());
    drop(table);
    start_thread(process, Box::new(loaded.context)).map_err(|_| ExecError::OutOfMemory)?;
    Ok(pid)
}

/// Replaces the calling process's image. On success the task's context is the new
/// program's; on failure nothing has changed.
pub fn exec(
    task: &mut Task,
    path: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<(), ExecError> {
    let fs = task.process.fs();
    let caller = task.process.personality();
    let loaded = load(&fs, path, argv, envp, Some(caller), Some(task.process.pid))?;
    let emulation_root = loaded.personality.emulation_root(&fs);
    let closed;
    let memory = shared(Memory {
        space: loaded.space,
        brk_start: loaded.image_end,
        brk: loaded.image_end,
        text: Some(vfs::TextHold::new(&loaded.image)),
    });
    let (old_memory, lender) = {
        let mut inner = task.process.inner.lock();
        inner.execed = true;
        inner.profile = None;
        // The new image starts with no breakpoints (4.x's setregs clears the debug
        // registers), also the ones loaded now.
        inner.debug_registers = None;
        debugreg::load(None);
        inner.personality = loaded.personality;
        inner.fs.emulation_root = emulation_root;
        let registered = personalities();
        inner
            .personality_state
            .retain(|key, _| registered.iter().any(|p| p.keeps_across_exec(key)));
        inner.personality_state.extend(loaded.personality_state);
        inner.command = loaded.command;
        inner.name = loaded.name;
        inner.image_path = loaded.path;
        inner.image = loaded.image;
        inner.argv = loaded.argv;
        inner.fs.creds.exec_set_ids(loaded.set_ids);
        // A descriptor table or signal actions shared with other processes become the
        // new image's own (4.x's execve copies both: "for security and other reasons"
        // they cannot be shared after an exec).
        if let Some(files) = inner.files.as_mut() {
            let _ = unshare(files, |t| Ok(t.copy_for_fork()));
        }
        let _ = unshare(&mut inner.dispositions, |d| Ok(d.clone()));
        closed = inner
            .files
            .as_ref()
            .map(|t| t.lock().close_marked())
            .unwrap_or_default();
        inner.events.execs = inner.events.execs.wrapping_add(1);
        let mut dispositions = inner.dispositions.lock();
        // Its children end as zombies again (4.x's execsigs: "Reset no zombies if
        // child dies flag as Solaris does"); SA_NOCLDSTOP's choice stays.
        dispositions.child_reports.no_zombies = false;
        // Caught signals go back to their default action, keeping their mask and
        // flags at rest; ignored stay ignored.
        let mut resting = Vec::new();
        for (&signal, action) in dispositions.actions.iter_mut() {
            if let SigAction::Catch(c) = *action {
                resting.push((signal, (c.mask, c.flags)));
                *action = SigAction::Default;
            }
        }
        dispositions.resting.extend(resting);
        drop(dispositions);
        // Its tracer gets to see the new image before it runs (4.x's execve).
        if inner.tracer.is_some() {
            inner.make_pending(&task.process.attention, Signal::Trap, SignalOrigin::Kernel);
        }
        let old_memory = inner.memory.replace(memory);
        (old_memory, inner.lender.take())
    };
    kernel_root_activate();
    // The new image's LDT goes in before it runs (a vfork child's old one is its
    // parent's, still loaded and not freed).
    sched::machine_state_changed();
    // A vfork child's old memory is its parent's, which gets it back.
    match (lender, old_memory) {
        (Some(lender), Some(memory)) => give_back_memory(lender, memory),
        (_, old_memory) => drop(old_memory),
    }
    for file in &closed {
        task.process.release_range_locks(file);
    }
    drop(closed);
    crate::file::socket::collect_after_close();
    *task.context = loaded.context;
    Ok(())
}

/// Returns a vfork parent's memory, with the break its child left, and lets the parent
/// go on.
fn give_back_memory(lender: Weak<Process>, memory: SharedMemory) {
    let Some(parent) = lender.upgrade() else {
        return;
    };
    let mut inner = parent.inner.lock();
    if inner.exit.is_some() {
        return;
    }
    inner.memory = Some(memory);
    drop(inner);
    parent.child_events.wake_all();
}

/// vfork: a child that runs in the caller's own address space, not a copy, until it
/// execs or exits, while the caller waits (BSD's "ppwait" sleep, which signals do not
/// end). The space moves to the child and back, so it always has one owner. The child
/// resumes with `child_context`.
///
/// SIGKILL alone ends the wait, and the caller dies of it there, without its memory,
/// which the child goes on using and then lets go. 4.x's ppwait sleep did not wake for
/// it, so a child that never ran on (starved at idle priority, blocked) left its parent
/// unkillable; Linux made the same wait killable. Nothing the caller could observe
/// differs: it never returns to user mode.
pub fn vfork(task: &mut Task, child_context: UserContext) -> Result<Pid, ForkError> {
    crate::stats::VFORKS.inc();
    let pid = fork_with(task, child_context, true, Shares::default())?;
    let parent = &task.process;
    parent.child_events.wait_until(|| {
        let inner = parent.inner.lock();
        inner.memory.is_some() || inner.exit.is_some() || inner.pending.contains(Signal::Kill)
    });
    let killed = {
        let inner = parent.inner.lock();
        inner.memory.is_none() && inner.exit.is_none()
    };
    if killed {
        exit_with_signal(task, Signal::Kill);
    }
    Ok(pid)
}

/// Gives `process` a descriptor table with no descriptors (a child just forked, or the
/// caller: BSD rfork's RFCFDG). Its own table's descriptors are closed; a table shared
/// with other processes is left to them (4.x's fdfree of a shared table only lets go
/// of it).
pub fn close_all_files(process: &Process) {
    let closed = {
        let mut inner = process.inner.lock();
        let Some(files) = inner.files.as_mut() else {
            return;
        };
        if Arc::strong_count(files) > 1 {
            let empty = files.lock().without_descriptors();
            *files = shared(empty);
            return;
        }
        files.lock().close_all()
    };
    for file in &closed {
        process.release_range_locks(file);
    }
    drop(closed);
    crate::file::socket::collect_after_close();
}

/// Gives `process` its own copy of its descriptor table if it shares it (BSD rfork's
/// RFFDG without RFPROC).
pub fn unshare_files(process: &Process) {
    if let Some(files) = process.inner.lock().files.as_mut() {
        let _ = unshare(files, |t| Ok(t.copy_for_fork()));
    }
}

/// Gives `process` its own copy-on-write copy of its memory if it shares it (BSD's
/// vmspace_unshare, for rfork without RFMEM or RFPROC). Err when the copy cannot be
/// made; the memory is still shared then.
pub fn unshare_memory(process: &Process) -> Result<(), MemError> {
    let mut inner = process.inner.lock();
    let Some(memory) = inner.memory.as_mut() else {
        return Ok(());
    };
    unshare(memory, |m| {
        Ok(Memory {
            space: m.space.fork()?,
            brk_start: m.brk_start,
            brk: m.brk,
            text: m.text.clone(),
        })
    })?;
    // The caller (the process itself) runs on the shared tables still: its own copy
    // becomes current at once, before anything the call goes on to do can sleep
    // while the other sharers let the shared ones go.
    memory.lock().space.activate();
    Ok(())
}

/// A leader's peers end before it does (4.x's exit1): each gets SIGKILL, and the
/// leader, on its own thread, sleeps until the last has exited (again for any a dying
/// peer made meanwhile). A peer, or a process with none, goes on at once.
fn end_peers(leader: &Arc<Process>) {
    loop {
        let peers: Vec<Arc<Process>> = {
            let inner = leader.inner.lock();
            if inner.leader.is_some() {
                return;
            }
            inner
                .peers
                .iter()
                .filter_map(Weak::upgrade)
                .filter(|p| !p.has_exited())
                .collect()
        };
        if peers.is_empty() {
            break;
        }
        for peer in &peers {
            peer.post(Signal::Kill);
        }
        leader
            .child_events
            .wait_until(|| peers.iter().all(|p| p.has_exited()));
    }
    leader.inner.lock().peers.clear();
}

/// The leader of `process`'s peers (itself, unless rfork(RFTHREAD) made it a peer).
fn leader_of(process: &Arc<Process>) -> Arc<Process> {
    let leader = process.inner.lock().leader.as_ref().and_then(Weak::upgrade);
    leader.unwrap_or_else(|| process.clone())
}

/// Makes `child`, just forked by `creator`, a peer of `creator`'s leader (BSD rfork's
/// RFTHREAD): it dies when the leader exits.
pub fn join_peers(creator: &Arc<Process>, child: &Arc<Process>) {
    let leader = leader_of(creator);
    {
        let mut inner = leader.inner.lock();
        if inner.exit.is_some() {
            drop(inner);
            child.post(Signal::Kill);
            return;
        }
        inner.peers.retain(|p| p.strong_count() > 0);
        inner.peers.push(Arc::downgrade(child));
    }
    child.inner.lock().leader = Some(Arc::downgrade(&leader));
}

/// The processes of `process`'s peer group still alive, its leader first (BSD's
/// p_leader and its p_peers list; a process that rfork(RFTHREAD) never touched is
/// alone in its own).
pub fn peers(process: &Arc<Process>) -> Vec<Arc<Process>> {
    let leader = leader_of(process);
    let mut group = alloc::vec![leader.clone()];
    group.extend(leader.inner.lock().peers.iter().filter_map(Weak::upgrade));
    group.retain(|p| !p.has_exited());
    group
}

/// Gives `child`, just forked by `parent`, to init, so that `parent` never waits for
/// it and init reaps it (BSD rfork's RFNOWAIT). Nothing changes without an init.
pub fn detach_child(parent: &Process, child: Pid) {
    let Some(init) = find(INIT).filter(|i| i.pid != parent.pid) else {
        return;
    };
    let Some(c) = find(child) else { return };
    parent.inner.lock().children.retain(|&p| p != child);
    c.inner.lock().parent = INIT;
    init.inner.lock().children.push(child);
}

/// Why fork failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkError {
    OutOfMemory,
    TooManyProcesses,
}

/// Creates a child that is a copy of the calling process (memory copy-on-write); the
/// child resumes with `child_context`, which the personality has set up to return the
/// child's fork result.
pub fn fork(task: &mut Task, child_context: UserContext) -> Result<Pid, ForkError> {
    crate::stats::FORKS.inc();
    fork_with(task, child_context, false, Shares::default())
}

/// [`fork`], with the child sharing what `shares` names with the caller instead of
/// getting copies (BSD's rfork). Memory shared this way is shared for good: both
/// processes run in it at once, each on its own stack if their code sees to that.
pub fn fork_sharing(
    task: &mut Task,
    child_context: UserContext,
    shares: Shares,
) -> Result<Pid, ForkError> {
    crate::stats::SHARING_FORKS.inc();
    fork_with(task, child_context, false, shares)
}

/// Creates the child. With `lent` its memory is the caller's own, moved to it until it
/// execs or exits (vfork); otherwise `shares` says what it shares and what it copies.
fn fork_with(
    task: &mut Task,
    child_context: UserContext,
    lent: bool,
    shares: Shares,
) -> Result<Pid, ForkError> {
    let parent = &task.process;
    // Read under one lock, and let go before may_fork looks at every process.
    let (uid, process_limit) = {
        let inner = parent.inner.lock();
        (inner.fs.creds.uid, inner.process_limit)
    };
    if !may_fork(uid, process_limit) {
        log::warn!(
            "pid {}: fork refused: process limit reached (uid {uid})",
            parent.pid.0
        );
        return Err(ForkError::TooManyProcesses);
    }
    let (space, inner_copy) = {
        let mut inner = parent.inner.lock();
        let memory = if lent {
            inner.memory.take().ok_or(ForkError::OutOfMemory)?
        } else {
            let memory = inner.memory.as_ref().ok_or(ForkError::OutOfMemory)?;
            if shares.memory {
                memory.clone()
            } else {
                let mut m = memory.lock();
                let space = m.space.fork().map_err(|_| ForkError::OutOfMemory)?;
                shared(Memory {
                    space,
                    brk_start: m.brk_start,
                    brk: m.brk,
                    text: m.text.clone(),
                })
            }
        };
        let files = match inner.files.as_ref() {
            Some(files) if shares.files => files.clone(),
            Some(files) => shared(files.lock().copy_for_fork()),
            None => shared(FdTable::default()),
        };
        let dispositions = if shares.dispositions {
            inner.dispositions.clone()
        } else {
            shared(inner.dispositions.lock().clone())
        };
        (
            memory,
            (
                inner.pgid,
                inner.sid,
                inner.personality,
                inner.blocked,
                dispositions,
                inner.personality_state.clone(),
                inner.command.clone(),
                files,
                inner.fs.clone(),
            ),
        )
    };
    let (pgid, sid, personality, blocked, dispositions, personality_state, command, files, fs) =
        inner_copy;
    let left_terminal;
    let (cpu_limit, process_limit, nice, class, profile, argv, names, debug_registers) = {
        let inner = parent.inner.lock();
        left_terminal = inner.left_terminal;
        (
            inner.cpu_limit,
            inner.process_limit,
            inner.nice,
            inner.class,
            inner.profile,
            inner.argv.clone(),
            (
                inner.name.clone(),
                inner.image_path.clone(),
                inner.image.clone(),
            ),
            inner.debug_registers,
        )
    };
    let (name, image_path, image) = names;
    let mut table = TABLE.lock();
    let Some(pid) = allocate_pid(&table) else {
        drop(table);
        if lent {
            parent.inner.lock().memory = Some(space);
        }
        return Err(ForkError::TooManyProcesses);
    };
    let child = Arc::new(Process {
        pid,
        inner: Mutex::new(Inner {
            parent: parent.pid,
            pgid,
            sid,
            personality,
            memory: Some(space),
            exit: None,
            children: Vec::new(),
            pending: SignalSet::EMPTY,
            origins: Vec::new(),
            blocked,
            saved_mask: None,
            last_fault: None,
            io_ports: None,
            debug_registers,
            lender: lent.then(|| Arc::downgrade(parent)),
            execed: false,
            left_terminal,
            exit_signal: Signal::Chld,
            user_ns: 0,
            cpu_timers: BTreeMap::new(),
            cpu_limit,
            process_limit,
            nice,
            class,
            profile,
            final_usage: None,
            faults: 0,
            max_pages: 0,
            size_integrals: [0; 3],
            children_usage: Usage::ZERO,
            dispositions,
            personality_state,
            command,
            name,
            image_path,
            image,
            argv,
            files: Some(files),
            fs,
            events: EventCounts::default(),
            tracer: None,
            original_parent: Pid(0),
            leader: None,
            peers: Vec::new(),
        }),
        child_events: WaitQueue::new(),
        job: Mutex::new(JobState::new()),
        traced: trace::Watch::forked(parent),
        recorder: trace::RecorderSlot::forked_from(parent),
        exited: AtomicBool::new(false),
        attention: AtomicBool::new(false),
        user_cycles: AtomicU64::new(0),
        signals_caught: AtomicU64::new(0),
        messages: [AtomicU64::new(0), AtomicU64::new(0)],
        started: accounting::Started::now(),
        forked: true,
        fork_watchers: Mutex::new(Vec::new()),
        prison: match parent.prison.get() {
            Some(p) => Once::initialized(p.clone()),
            None => Once::new(),
        },
    });
    table.insert(pid, child.clone());
    drop(table);
    {
        let mut inner = parent.inner.lock();
        inner.children.push(pid);
        inner.events.forks = inner.events.forks.wrapping_add(1);
    }
    if start_thread(child.clone(), Box::new(child_context)).is_err() {
        parent.inner.lock().children.retain(|&c| c != pid);
        TABLE.lock().remove(&pid);
        if let Some(memory) = child.inner.lock().memory.take().filter(|_| lent) {
            parent.inner.lock().memory = Some(memory);
        }
        return Err(ForkError::OutOfMemory);
    }
    // Queues following the parent's forks get the child's note before it runs.
    crate::file::kqueue::forked(parent, &child);
    Ok(pid)
}

/// Whether a process of real user `uid`, bound to `limit` processes of that user if
/// set, may create one more (the system's and the user's limits; root only meets the
/// first).
fn may_fork(uid: u32, limit: Option<usize>) -> bool {
    let all: Vec<Arc<Process>> = TABLE.lock().values().cloned().collect();
    if all.len() >= MAX_PROCESSES || crate::mm::heap::under_pressure() {
        return false;
    }
    if uid == 0 {
        return true;
    }
    let owned = all
        .iter()
        .filter(|p| !p.has_exited() && p.real_uid() == uid)
        .count();
    let per_user = limit.map_or(MAX_PROCESSES_PER_USER, |l| l.min(MAX_PROCESSES_PER_USER));
    all.len() < MAX_PROCESSES - ROOT_RESERVE && owned < per_user
}

/// Bounds the processes `process`'s real user may have when it forks (None: the
/// system's per-user bound); root is never bound by it.
pub fn set_process_limit(process: &Process, limit: Option<usize>) {
    process.inner.lock().process_limit = limit;
}

/// Sets the process group (setpgid), within the caller's session. A group the move
/// leaves orphaned with a stopped member is woken, as on exit (BSD's fixjobc).
pub fn set_pgid(process: &Arc<Process>, pgid: Pid) {
    let groups = groups_at_stake(process, Some(pgid));
    let left = core::mem::replace(&mut process.inner.lock().pgid, pgid);
    settle_orphaned(groups);
    left_group(left);
}

/// A process left group `pgid` (reaped, or moved by setpgid or setsid): if no process
/// is in it now, it is gone (BSD's pgdelete), and no terminal keeps it in front.
fn left_group(pgid: Pid) {
    if !all().iter().any(|p| p.pgid() == pgid) {
        crate::tty::group_gone(pgid);
    }
}

/// The range of nice values (BSD's PRIO_MIN and PRIO_MAX): lower runs first.
pub const NICE_MIN: i32 = -20;
pub const NICE_MAX: i32 = 20;

/// A process's nice value.
pub fn nice(process: &Process) -> i32 {
    process.inner.lock().nice
}

/// Sets a process's nice value (clamped to the range), which weights its turns on
/// the CPU: see [`slice_for_nice`].
pub fn set_nice(process: &Process, nice: i32) {
    let nice = nice.clamp(NICE_MIN, NICE_MAX);
    process.inner.lock().nice = nice;
    if let Some(thread) = process.job.lock().thread {
        sched::set_slice(thread, slice_for_nice(nice));
    }
}

/// A process's scheduling class.
pub fn sched_class(process: &Process) -> sched::Class {
    process.inner.lock().class
}

/// Puts a process in a scheduling class (its thread at once, its children when they
/// are forked).
pub fn set_sched_class(process: &Process, class: sched::Class) {
    process.inner.lock().class = class;
    if let Some(thread) = process.job.lock().thread {
        sched::set_class(thread, class);
    }
}

/// The ticks a turn of a process with `nice` lasts while others wait: 2 at 0, one
/// more for every 5 below it (6 at -20), 1 from 5 up. The round-robin scheduler has
/// no priorities; longer or shorter turns are its weighting (a CPU-bound nice 20
/// process gets a sixth of what a -20 one does, where BSD's decay scheduler would
/// give it far less).
fn slice_for_nice(nice: i32) -> u64 {
    (sched::TIME_SLICE_TICKS as i32 - nice / 5).clamp(1, 6) as u64
}

/// Whether the process has exec'd since it was forked.
pub fn has_execed(process: &Process) -> bool {
    process.inner.lock().execed
}

/// Whether the process gave up its session's controlling terminal (see
/// [`leave_terminal`]).
pub fn left_terminal(process: &Process) -> bool {
    process.inner.lock().left_terminal
}

/// The process stops counting as its session's terminal's own (4.x's TIOCNOTTY by a
/// non-leader), until it starts a session.
pub fn leave_terminal(process: &Process) {
    process.inner.lock().left_terminal = true;
}

/// Starts a new session led by the process (setsid).
pub fn set_sid(process: &Arc<Process>) -> Pid {
    let groups = groups_at_stake(process, Some(process.pid));
    let left = {
        let mut inner = process.inner.lock();
        inner.sid = process.pid;
        inner.left_terminal = false;
        core::mem::replace(&mut inner.pgid, process.pid)
    };
    settle_orphaned(groups);
    left_group(left);
    process.pid
}

fn start_thread(process: Arc<Process>, context: Box<UserContext>) -> Result<(), sched::SpawnError> {
    let class = sched_class(&process);
    let job = process.clone();
    let thread = sched::spawn("user", move || run_user(process, context))?;
    // Known before it first runs, so that a class set meanwhile reaches the thread; a
    // child competes in its parent's class from the start.
    job.job.lock().thread = Some(thread);
    if class != sched::Class::NORMAL {
        sched::set_class(thread, class);
    }
    Ok(())
}

/// The first thing a process's thread does: the tables it starts on, if they are
/// the process's own, become the ones it returns to after a sleep.
fn task_starts(process: &Process) {
    process.with_space(|s| s.record_if_current());
}

/// The body of every process's thread.
fn run_user(process: Arc<Process>, context: Box<UserContext>) {
    process.job.lock().thread = Some(sched::current());
    let nice = nice(&process);
    if nice != 0 {
        sched::set_slice(sched::current(), slice_for_nice(nice));
    }
    task_starts(&process);
    let mut task = Task { process, context };
    let mut charged_at = crate::time::ticks();
    let mut first = true;
    while let Some(personality) = ready_to_enter(&mut task) {
        if first {
            first = false;
            if task.process.recording() {
                personality.first_return(&task);
            }
        }
        let mut runner = Runner {
            task: &mut task,
            personality,
            entered: nymph_hal::cpu::rdtsc(),
            charged_at,
        };
        let exit = nymph_hal::user::run(&mut runner);
        if exit != UserExit::SyscallServed {
            runner.left_user_mode();
        }
        let personality = runner.personality;
        charged_at = runner.charged_at;
        match exit {
            // Served, with everything a return to user mode needs left to this loop.
            UserExit::SyscallServed => {}
            // The clock (IRQ 0) ticked while the process ran its own code.
            UserExit::Interrupt(0) => {
                profile::tick(&task);
                task.process.sample_sizes(personality);
            }
            UserExit::Interrupt(_) => {}
            // `run` serves these through the Runner; this is how `execute` reports them.
            UserExit::Syscall | UserExit::SoftwareInterrupt(_) | UserExit::CallGate => {
                crate::stats::SYSCALLS.inc();
                if let Some(entry) = exit.syscall_entry() {
                    personality.handle_trap(&mut task, Trap::from(entry));
                }
            }
            UserExit::Exception {
                vector,
                error_code,
                address,
            } => {
                crate::stats::TRAPS.inc();
                // #MF has no error code: the x87 words it was raised with stand in
                // for one, and its exceptions are cleared (4.x's npx_intr fnclex).
                let error_code = if vector == MATH_FAULT_VECTOR {
                    task.context.fpu.take_x87_exceptions()
                } else {
                    error_code
                };
                let resolution = if vector == 14 {
                    task.process.resolve_fault(address, error_code & 2 != 0)
                } else {
                    if vector == DEBUG_VECTOR {
                        // A single step is done (BSD's T_TRCTRAP clears PSL_T).
                        task.context.set_single_step(false);
                        // The CPU's report goes to the breakpoints' status, which the
                        // debugger reads (and clears) with them.
                        let status = debugreg::take_status();
                        if let Some(regs) = &mut task.process.inner.lock().debug_registers {
                            regs.status |= status;
                        }
                    }
                    FaultResolution::NotResolved
                };
                match resolution {
                    FaultResolution::Resolved => {}
                    FaultResolution::OutOfMemory => {
                        // The policy: the process whose touch finds no free page is
                        // killed; nothing else is disturbed.
                        log::warn!(
                            "pid {}: killed: out of memory at {address:#x}",
                            task.process.pid.0
                        );
                        exit_with_signal(&task, Signal::Kill);
                    }
                    FaultResolution::BusError => {
                        // A page past the end of a mapped file: the fault is kept for
                        // the signal's frame, as 4.x's trap passes the address of any
                        // page fault to sendsig.
                        let fault = Fault {
                            vector,
                            error_code,
                            address,
                            mapped: true,
                        };
                        task.process.inner.lock().last_fault = Some(fault);
                        trap_signal(&task, Signal::Bus);
                    }
                    FaultResolution::NotResolved => {
                        let mapped = vector == 14
                            && task
                                .process
                                .with_space(|s| s.protection(address & !0xfff).is_some())
                                .unwrap_or(false);
                        let fault = Fault {
                            vector,
                            error_code,
                            address,
                            mapped,
                        };
                        let signal = personality.fault_signal(&fault);
                        task.process.inner.lock().last_fault = Some(fault);
                        trap_signal(&task, signal);
                    }
                }
            }
            UserExit::Refused(state) => {
                log::warn!(
                    "pid {}: unenterable user state {state:?}",
                    task.process.pid.0
                );
                trap_signal(&task, Signal::Segv);
            }
        }
        sched::preempt_point();
    }
    kernel_root_activate();
}

/// The debug exception (#DB): a single step ends with it.
const DEBUG_VECTOR: u8 = 1;

/// The x87 floating-point error (#MF).
const MATH_FAULT_VECTOR: u8 = 16;

/// A process's thread as the hal runs it: its system calls are served from the entry
/// path, and one after which nothing else is due (no signal, no exit, no other thread
/// to run) goes straight back to user mode; anything else returns to `run_user`'s loop.
struct Runner<'t> {
    task: &'t mut Task,
    /// Serves the process's next trap (exec may change it).
    personality: &'static dyn Personality,
    /// The TSC when user mode was last entered.
    entered: u64,
    /// The tick the process's user time was last charged at.
    charged_at: u64,
}

impl Runner<'_> {
    /// Counts the time since user mode was last entered as the process's own.
    #[inline]
    fn left_user_mode(&mut self) {
        let ran = nymph_hal::cpu::rdtsc().wrapping_sub(self.entered);
        // Counted raw here and charged once a tick: a clock read and a lock on every
        // trap cost more than many a system call does.
        self.task
            .process
            .user_cycles
            .fetch_add(ran, Ordering::Relaxed);
        let now = crate::time::ticks();
        if now != self.charged_at {
            self.charged_at = now;
            timer::charge_user_time(&self.task.process);
        }
    }
}

impl nymph_hal::user::UserThread for Runner<'_> {
    fn context(&mut self) -> &mut UserContext {
        &mut self.task.context
    }

    fn serve_syscall(&mut self, entry: SyscallEntry) -> SyscallOutcome {
        crate::stats::SYSCALLS.inc();
        self.left_user_mode();
        self.personality.handle_trap(self.task, Trap::from(entry));
        // What `run_user`'s loop does next, when it is all there is to do.
        if sched::resched_pending() {
            return SyscallOutcome::Return;
        }
        // Nothing is due and the machine state is this thread's still (no switch, no
        // exec): what `ready_to_enter` would find, without its lock.
        let process = &self.task.process;
        if !process.attention.load(Ordering::Relaxed) && !sched::switched() {
            if cfg!(debug_assertions) {
                let inner = process.inner.lock();
                assert!(
                    inner.exit.is_none() && nothing_due(&inner),
                    "pid {}: something is due, and its attention flag is clear",
                    process.pid.0
                );
            }
            self.entered = nymph_hal::cpu::rdtsc();
            return SyscallOutcome::Resume;
        }
        match ready_to_enter(self.task) {
            Some(personality) => {
                self.personality = personality;
                self.entered = nymph_hal::cpu::rdtsc();
                SyscallOutcome::Resume
            }
            None => SyscallOutcome::Return,
        }
    }
}

/// Readies the process to go (back) to user mode: acts on its pending signals, makes
/// its address space current and says which personality serves its next trap; None
/// once it has ended. One lock when no signal waits, as on nearly every return.
#[inline]
fn ready_to_enter(task: &mut Task) -> Option<&'static dyn Personality> {
    {
        let inner = task.process.inner.lock();
        if inner.exit.is_some() {
            return None;
        }
        if nothing_due(&inner) {
            task.process.attention.store(false, Ordering::Relaxed);
            enter_machine_state(&inner)?;
            return Some(inner.personality);
        }
    }
    ready_after_signals(task)
}

/// Whether no signal waits to be delivered and no mask to be restored: all a return to
/// user mode must see to, short of an exit.
#[inline]
fn nothing_due(inner: &Inner) -> bool {
    !inner.pending.any_unblocked(inner.blocked) && inner.saved_mask.is_none()
}

/// [`ready_to_enter`] when signals wait: delivers them first.
#[inline(never)]
fn ready_after_signals(task: &mut Task) -> Option<&'static dyn Personality> {
    deliver_signals(task);
    let inner = task.process.inner.lock();
    if inner.exit.is_some() {
        return None;
    }
    enter_machine_state(&inner)?;
    Some(inner.personality)
}

/// Makes the process's address space current and, after a thread switch, its LDT and
/// I/O-port map (they change otherwise only by the process's own calls, which load
/// them at once).
#[inline]
fn enter_machine_state(inner: &Inner) -> Option<()> {
    let memory = inner.memory.as_ref()?.lock();
    memory.space.activate();
    if sched::take_switched() {
        reload_machine_state(inner, &memory.space);
    }
    Some(())
}

#[inline(never)]
fn reload_machine_state(inner: &Inner, space: &AddressSpace) {
    space.load_ldt();
    nymph_hal::ioports::load(inner.io_ports.as_ref());
    debugreg::load(inner.debug_registers.as_ref());
}

/// Ends the task's process by `signal` (BSD's sigexit): a signal whose default action
/// dumps core has its personality asked to write one first, from the registers the
/// task holds now, and the status says whether it did.
pub fn exit_with_signal(task: &Task, signal: Signal) {
    let core = signal.default_action() == DefaultAction::Core
        && task.process.personality().dump_core(task, signal);
    exit(&task.process, ExitStatus::Signaled { signal, core });
}

/// A signal caused by the process's own instruction: if it is blocked or ignored it
/// cannot be delivered, and the process dies of it (as in BSD's trapsignal), with the
/// registers of the fault still in the task.
fn trap_signal(task: &Task, signal: Signal) {
    let process = &task.process;
    let action = process.sigaction(signal);
    if process.is_traced() {
        // Its tracer sees it first (4.x's trapsignal posts it then).
        process
            .inner
            .lock()
            .make_pending(&process.attention, signal, SignalOrigin::Fault);
    } else if process.blocked().contains(signal) || action == SigAction::Ignore {
        exit_with_signal(task, signal);
    } else {
        process
            .inner
            .lock()
            .make_pending(&process.attention, signal, SignalOrigin::Fault);
    }
}

/// Acts on pending, unblocked signals before the process returns to user mode.
fn deliver_signals(task: &mut Task) {
    let process = task.process.clone();
    let process = &process;
    loop {
        let next = {
            let mut inner = process.inner.lock();
            if inner.exit.is_some() {
                return;
            }
            let Some(signal) = inner.pending.first_unblocked(inner.blocked) else {
                // No handler ran: a temporary mask (sigsuspend's) ends here.
                if let Some(mask) = inner.saved_mask.take() {
                    inner.blocked = mask;
                }
                return;
            };
            inner.pending.remove(signal);
            let origin = inner.take_origin(signal);
            (
                signal,
                inner.action(signal),
                inner.tracer.is_some() && inner.lender.is_none(),
                origin,
            )
        };
        let traced = next.2;
        let (next, origin) = match next {
            // Stopped for its tracer, which says what to deliver instead (4.x's
            // issignal; a vfork child is not stopped while its parent waits). The
            // signal it gives keeps the origin only if it is the same signal.
            (signal, _, true, origin) if signal != Signal::Kill => {
                let origin_of = |given| {
                    if given == signal {
                        origin
                    } else {
                        SignalOrigin::Kernel
                    }
                };
                match debug::stop_for_tracer(task, signal) {
                    None => {
                        process.personality().signal_discarded(task);
                        continue;
                    }
                    Some(given) if process.blocked().contains(given) && given.catchable() => {
                        let attention = &process.attention;
                        process
                            .inner
                            .lock()
                            .make_pending(attention, given, origin_of(given));
                        continue;
                    }
                    Some(given) => ((given, process.sigaction(given)), origin_of(given)),
                }
            }
            (signal, action, _, origin) => ((signal, action), origin),
        };
        match next {
            (signal, SigAction::Catch(action)) if signal.catchable() => {
                let personality = process.personality();
                if personality
                    .deliver_signal(task, signal, origin, &action)
                    .is_err()
                {
                    exit_with_signal(task, Signal::Segv);
                    return;
                }
                process.signals_caught.fetch_add(1, Ordering::Relaxed);
                let defer = personality.blocks_signal_in_handler(&action);
                let mut inner = process.inner.lock();
                inner.saved_mask = None;
                inner.last_fault = None;
                let mut blocked = inner.blocked.union(action.mask);
                if defer {
                    blocked.insert(signal);
                }
                inner.blocked = blocked;
                // One handler frame at a time; the rest wait for the next return.
                return;
            }
            (_, SigAction::Ignore) => {}
            (signal, _) => match signal.default_action() {
                DefaultAction::Ignore | DefaultAction::Continue => {}
                // A traced process's job-control stop is one its tracer may act on and
                // end too (4.x's ptrace takes any SSTOP); the signal it resumes with
                // is not used (4.x's issignal ignores p_xstat after such a stop).
                DefaultAction::Stop if traced => {
                    let _ = debug::stop_for_tracer(task, signal);
                }
                DefaultAction::Stop => stop(process, signal),
                DefaultAction::Terminate | DefaultAction::Core => {
                    process.personality().default_action_taken(task, signal);
                    exit_with_signal(task, signal);
                    return;
                }
            },
        }
    }
}
