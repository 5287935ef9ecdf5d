//! Kernel threads and the scheduler: round robin over runnable threads, an idle thread
//! when none is, sleeping with a tick deadline and wait queues for everything else.
//! Threads have a [`Class`]: real-time ones run before normal ones, idle-class ones only
//! when nothing else can (BSD's rtprio queues).
//!
//! Kernel code runs with interrupts off, so a switch happens only where a thread asks
//! for one: when it blocks, yields, exits, or (for threads running user code) when
//! `UserContext::execute` comes back because the timer fired and the time slice is up.

use crate::mm::frame::{self, FRAMES};
use crate::mm::kspace::kernel_root;
use crate::sync::Mutex;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use nymph_hal::context::{self, Context};
use nymph_hal::layout::{KSTACK_BASE, KSTACK_SLOT, KSTACK_SLOTS, PAGE_SIZE};
use nymph_hal::paging::{PageFlags, PageTableRoot};

/// Threads that can exist at once (the boot thread and the idle thread included).
pub const MAX_THREADS: usize = 1024;
/// Usable stack per kernel thread; the page below it is an unmapped guard.
pub const KSTACK_SIZE: u64 = 32 * 1024;
/// Ticks a thread running user code may run before it is preempted.
pub const TIME_SLICE_TICKS: u64 = 2;

const BOOT_SLOT: usize = 0;
const IDLE_SLOT: usize = 1;

static CONTEXTS: [Context; MAX_THREADS] = [const { Context::new() }; MAX_THREADS];

/// How a thread competes for the CPU (BSD's rtprio classes). Priorities run from 0
/// (first) to [`CLASS_PRIORITY_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Kernel work that stands in for what an interrupt would do (timers): ahead of
    /// every other class, without turns among its own.
    Interrupt,
    /// Runs before every normal thread, lower `priority` first. A `fifo` one keeps the
    /// CPU until it blocks or yields; others take turns with their equals.
    RealTime { priority: u8, fifo: bool },
    /// Time-shared (turns weighted by [`set_slice`]). `priority` orders nothing: it is
    /// kept for whoever set it.
    Normal { priority: u8 },
    /// Runs only when no real-time or normal thread can, lower `priority` first.
    Idle { priority: u8 },
}

/// The last (least urgent) priority within a class.
pub const CLASS_PRIORITY_MAX: u8 = 31;

impl Class {
    pub const NORMAL: Class = Class::Normal { priority: 0 };

    /// Lower runs first.
    fn rank(self) -> (u8, u8) {
        match self {
            Class::Interrupt => (0, 0),
            Class::RealTime { priority, .. } => (1, priority),
            Class::Normal { .. } => (2, 0),
            Class::Idle { priority } => (3, priority),
        }
    }

    fn is_normal(self) -> bool {
        matches!(self, Class::Normal { .. })
    }

    /// Keeps the CPU among its equals until it blocks or yields.
    fn is_fifo(self) -> bool {
        matches!(self, Class::Interrupt | Class::RealTime { fifo: true, .. })
    }
}

/// The idle thread ranks below every class.
const IDLE_RANK: (u8, u8) = (4, 0);

/// A thread's identity, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    Runnable,
    Blocked,
    /// Blocked on a wait queue, but woken at this tick count at the latest.
    BlockedUntil(u64),
    /// Asleep until the tick count reaches this.
    Sleeping(u64),
    Dead,
}

/// A kernel stack in its slot of the kernel-stack region.
#[derive(Debug)]
struct KernelStack {
    slot: usize,
}

impl KernelStack {
    fn top(&self) -> u64 {
        KSTACK_BASE + (self.slot as u64 + 1) * KSTACK_SLOT
    }

    fn allocate(slot: usize) -> Option<KernelStack> {
        if slot as u64 >= KSTACK_SLOTS {
            return None;
        }
        let stack = KernelStack { slot };
        let root = kernel_root();
        let top = stack.top();
        let mut frames = FRAMES.lock();
        for virt in (top - KSTACK_SIZE..top).step_by(PAGE_SIZE as usize) {
            let phys = frames.alloc()?;
            let flags = PageFlags::WRITABLE | PageFlags::NO_EXECUTE | PageFlags::GLOBAL;
            if root.map_4k(virt, phys, flags, &mut *frames).is_err() {
                let _ = frames.free(phys);
                drop(frames);
                stack.release();
                return None;
            }
        }
        Some(stack)
    }

    fn release(&self) {
        let root = kernel_root();
        let top = self.top();
        for virt in (top - KSTACK_SIZE..top).step_by(PAGE_SIZE as usize) {
            if let Some(phys) = root.unmap_4k(virt) {
                frame::free(phys);
            }
        }
    }
}

struct Thread {
    id: ThreadId,
    /// The address space this thread last made current (None: the kernel's own), made
    /// current again whenever the thread is switched back in.
    space: Option<PageTableRoot>,
    name: &'static str,
    state: State,
    stack: Option<KernelStack>,
    start: Option<Box<dyn FnOnce() + Send>>,
    /// Time on the CPU before its current turn, and when that turn began (ns).
    cpu_ns: u64,
    since: u64,
    /// How many ticks a turn lasts when others wait (see [`set_slice`]).
    slice_ticks: u64,
    class: Class,
    /// Switches away because it waited, and because its turn was over.
    voluntary_switches: u64,
    involuntary_switches: u64,
    /// Ticks it was running at since the last once-a-second decay, and its recent
    /// share of the CPU in units of 1/[`LOAD_SCALE`] (BSD's p_cpticks, p_pctcpu).
    cpu_ticks: u64,
    cpu_share: u64,
    /// What it waits for, while it does (BSD's wmesg; see [`waiting_for`]).
    wait_message: &'static str,
    /// Whole seconds it has been asleep (BSD's p_slptime): counted once a second
    /// while it sleeps, back to 0 when it wakes.
    sleep_seconds: u32,
}

struct Scheduler {
    threads: BTreeMap<usize, Thread>,
    run_queue: VecDeque<usize>,
    current: usize,
    free_slots: Vec<usize>,
    next_id: u64,
    /// Dead threads whose stacks are freed once another thread runs.
    dead: Vec<usize>,
    slice_start: u64,
    /// Live threads whose class is not normal: none (the common case) keeps picking
    /// and preemption to plain round robin.
    special: usize,
    /// Switches from one thread to another since boot (BSD's cnt.v_swtch).
    switches: u64,
}

impl Scheduler {
    fn rank(&self, slot: usize) -> (u8, u8) {
        if slot == IDLE_SLOT {
            return IDLE_RANK;
        }
        self.threads
            .get(&slot)
            .map_or(Class::NORMAL.rank(), |t| t.class.rank())
    }

    /// Takes the next thread to run off the queue: the first of the best rank.
    fn pick(&mut self) -> Option<usize> {
        if self.special == 0 {
            return self.run_queue.pop_front();
        }
        let mut best: Option<(usize, (u8, u8))> = None;
        for (i, &slot) in self.run_queue.iter().enumerate() {
            let rank = self.rank(slot);
            if best.is_none_or(|(_, b)| rank < b) {
                best = Some((i, rank));
            }
        }
        self.run_queue.remove(best?.0)
    }

    /// The best rank waiting in the queue.
    fn best_queued(&self) -> Option<(u8, u8)> {
        self.run_queue.iter().map(|&slot| self.rank(slot)).min()
    }
}

static SCHED: Mutex<Option<Scheduler>> = Mutex::new(None);
static NEED_RESCHED: AtomicBool = AtomicBool::new(false);

fn with<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    let mut guard = SCHED.lock();
    match guard.as_mut() {
        Some(s) => f(s),
        None => panic!("scheduler used before sched::init"),
    }
}

/// Makes the boot flow thread 0 and starts the idle thread.
pub fn init() {
    let mut threads = BTreeMap::new();
    threads.insert(
        BOOT_SLOT,
        Thread {
            id: ThreadId(0),
            space: None,
            name: "boot",
            state: State::Running,
            stack: None,
            start: None,
            cpu_ns: 0,
            slice_ticks: TIME_SLICE_TICKS,
            class: Class::NORMAL,
            voluntary_switches: 0,
            involuntary_switches: 0,
            cpu_ticks: 0,
            cpu_share: 0,
            wait_message: "",
            sleep_seconds: 0,
            since: crate::time::monotonic_ns(),
        },
    );
    *SCHED.lock() = Some(Scheduler {
        threads,
        run_queue: VecDeque::new(),
        current: BOOT_SLOT,
        free_slots: (IDLE_SLOT + 1..MAX_THREADS).rev().collect(),
        next_id: 1,
        dead: Vec::new(),
        slice_start: 0,
        special: 0,
        switches: 0,
    });
    match create(IDLE_SLOT, "idle", Box::new(idle)) {
        Ok(_) => {}
        Err(e) => panic!("cannot start the idle thread: {e:?}"),
    }
}

/// Why a thread could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnError {
    TooManyThreads,
    OutOfMemory,
}

fn create(
    slot: usize,
    name: &'static str,
    start: Box<dyn FnOnce() + Send>,
) -> Result<ThreadId, SpawnError> {
    let stack = KernelStack::allocate(slot).ok_or(SpawnError::OutOfMemory)?;
    if context::prepare(&CONTEXTS[slot], stack.top(), thread_entry, slot).is_err() {
        stack.release();
        return Err(SpawnError::OutOfMemory);
    }
    Ok(with(|s| {
        let id = ThreadId(s.next_id);
        s.next_id += 1;
        s.threads.insert(
            slot,
            Thread {
                id,
                space: None,
                name,
                state: State::Runnable,
                stack: Some(stack),
                start: Some(start),
                cpu_ns: 0,
                slice_ticks: TIME_SLICE_TICKS,
                class: Class::NORMAL,
                voluntary_switches: 0,
                involuntary_switches: 0,
                cpu_ticks: 0,
                cpu_share: 0,
                wait_message: "",
                sleep_seconds: 0,
                since: 0,
            },
        );
        if slot != IDLE_SLOT {
            s.run_queue.push_back(slot);
        }
        id
    }))
}

/// Starts a kernel thread running `f`; it ends when `f` returns.
pub fn spawn(
    name: &'static str,
    f: impl FnOnce() + Send + 'static,
) -> Result<ThreadId, SpawnError> {
    let slot = with(|s| s.free_slots.pop()).ok_or(SpawnError::TooManyThreads)?;
    create(slot, name, Box::new(f)).inspect_err(|_| with(|s| s.free_slots.push(slot)))
}

extern "C" fn thread_entry(slot: usize) -> ! {
    after_switch();
    let start = with(|s| s.threads.get_mut(&slot).and_then(|t| t.start.take()));
    if let Some(start) = start {
        start();
    }
    exit()
}

fn idle() {
    loop {
        if with(|s| s.run_queue.is_empty()) {
            nymph_hal::cpu::wait_for_interrupt();
        } else {
            yield_now();
        }
    }
}

/// The running thread's id.
pub fn current() -> ThreadId {
    with(|s| {
        s.threads
            .get(&s.current)
            .map_or(ThreadId(u64::MAX), |t| t.id)
    })
}

/// Switches from one thread to another since boot.
pub fn context_switches() -> u64 {
    with(|s| s.switches)
}

/// The time the idle thread has spent on the CPU (waiting for an interrupt, or about
/// to), in nanoseconds.
pub fn idle_ns() -> u64 {
    with(|s| {
        s.threads.get(&IDLE_SLOT).map_or(0, |t| {
            let running = if s.current == IDLE_SLOT {
                crate::time::monotonic_ns().saturating_sub(t.since)
            } else {
                0
            };
            t.cpu_ns + running
        })
    })
}

/// The time thread `id` has spent on the CPU, in nanoseconds (None once it is gone).
pub fn cpu_ns(id: ThreadId) -> Option<u64> {
    with(|s| {
        let (&slot, t) = s.threads.iter().find(|(_, t)| t.id == id)?;
        let running = if slot == s.current {
            crate::time::monotonic_ns().saturating_sub(t.since)
        } else {
            0
        };
        Some(t.cpu_ns + running)
    })
}

/// How many times thread `id` was switched away from because it waited (voluntary)
/// and because its turn was over or it yielded (involuntary), as getrusage counts.
pub fn switches(id: ThreadId) -> Option<(u64, u64)> {
    with(|s| {
        let t = s.threads.values().find(|t| t.id == id)?;
        Some((t.voluntary_switches, t.involuntary_switches))
    })
}

/// Whether thread `id` is waiting (on a queue or asleep) rather than running or ready
/// to run (None once it is gone): ps's S or R.
pub fn is_waiting(id: ThreadId) -> Option<bool> {
    with(|s| {
        let t = s.threads.values().find(|t| t.id == id)?;
        Some(matches!(
            t.state,
            State::Blocked | State::BlockedUntil(_) | State::Sleeping(_)
        ))
    })
}

/// The running thread's name.
pub fn current_name() -> &'static str {
    with(|s| s.threads.get(&s.current).map_or("?", |t| t.name))
}

/// Whether the running thread stays runnable when it switches away.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Requeue {
    /// Its state already says what it waits for.
    No,
    /// It yields: behind its equals.
    Yield,
    /// Its turn was taken: a FIFO thread stays ahead of its equals.
    Preempted,
}

/// Switches to the next runnable thread (or idle).
fn reschedule(requeue: Requeue) {
    let switch = with(|s| {
        let from = s.current;
        if let Some(t) = s.threads.get_mut(&from)
            && requeue != Requeue::No
            && t.state == State::Running
        {
            t.state = State::Runnable;
            // A preempted FIFO thread keeps its place ahead of its equals (POSIX).
            let front = requeue == Requeue::Preempted && t.class.is_fifo();
            if from != IDLE_SLOT {
                if front {
                    s.run_queue.push_front(from);
                } else {
                    s.run_queue.push_back(from);
                }
            }
        }
        let next = s.pick().unwrap_or(IDLE_SLOT);
        if from != next {
            s.switches += 1;
            let now = crate::time::monotonic_ns();
            if let Some(t) = s.threads.get_mut(&from) {
                t.cpu_ns += now.saturating_sub(t.since);
                if requeue != Requeue::No {
                    t.involuntary_switches += 1;
                } else {
                    t.voluntary_switches += 1;
                }
            }
            if let Some(t) = s.threads.get_mut(&next) {
                t.since = now;
            }
        }
        if let Some(t) = s.threads.get_mut(&next) {
            t.state = State::Running;
        }
        s.current = next;
        s.slice_start = crate::time::ticks();
        (from != next).then_some((from, next))
    });
    NEED_RESCHED.store(false, Ordering::Relaxed);
    if let Some((from, next)) = switch {
        // Set by the thread leaving: a new thread starts elsewhere, not after the
        // switch below.
        SWITCHED.store(true, Ordering::Relaxed);
        context::switch(&CONTEXTS[from], &CONTEXTS[next]);
        after_switch();
        restore_address_space();
    }
}

/// Whether another thread ran since the running thread last asked: the machine state
/// a process's user code runs with beyond its page tables (the LDT, the TSS's I/O map)
/// is then reloaded before it returns to user mode, and only then.
static SWITCHED: AtomicBool = AtomicBool::new(true);

/// Says that the running thread's machine state changed under it (an exec gave it
/// another address space): it is reloaded before the thread next enters user mode.
pub fn machine_state_changed() {
    SWITCHED.store(true, Ordering::Relaxed);
}

/// Whether a thread switch happened since [`take_switched`] last looked (without
/// forgetting it).
#[inline]
pub fn switched() -> bool {
    SWITCHED.load(Ordering::Relaxed)
}

/// Whether a thread switch happened since the last call (and forgets it).
#[inline]
pub fn take_switched() -> bool {
    SWITCHED.load(Ordering::Relaxed) && SWITCHED.swap(false, Ordering::Relaxed)
}

/// Records the address space the running thread uses (called when one is activated).
pub fn note_address_space(root: Option<PageTableRoot>) {
    let mut guard = SCHED.lock();
    if let Some(s) = guard.as_mut() {
        let current = s.current;
        if let Some(t) = s.threads.get_mut(&current) {
            t.space = root;
        }
    }
}

/// An address space is going (`root` is about to be freed): a thread that last ran
/// on it, switched out since its process moved to other tables (rfork's unshare,
/// before a close that sleeps), comes back on the kernel's tables rather than on
/// freed ones; its process's own space is made current before it returns to user
/// mode, as after any switch.
pub fn forget_address_space(root: PageTableRoot) {
    let mut guard = SCHED.lock();
    if let Some(s) = guard.as_mut() {
        for t in s.threads.values_mut() {
            if t.space == Some(root) {
                t.space = None;
            }
        }
    }
}

/// Makes the running thread's address space current again after a switch.
fn restore_address_space() {
    let root = with(|s| s.threads.get(&s.current).and_then(|t| t.space));
    // Tables freed under a thread that last ran on them would mostly still look
    // right here: say so at once (see `forget_address_space`).
    debug_assert!(
        root.is_none_or(|r| !crate::mm::frame::FRAMES.lock().is_free(r.phys())),
        "a thread was switched back to an address space that has been freed"
    );
    let wanted = root.unwrap_or_else(kernel_root);
    if PageTableRoot::current() != wanted
        && let Err(e) = nymph_hal::paging::activate(wanted, &[])
    {
        panic!("cannot switch back to a thread's address space: {e:?}");
    }
}

/// Frees the stacks of threads that died, now that none of them is running.
fn after_switch() {
    let dead: Vec<Thread> = with(|s| {
        let current = s.current;
        let slots: Vec<usize> = s.dead.iter().copied().filter(|&d| d != current).collect();
        s.dead.retain(|&d| d == current);
        let mut gone = Vec::new();
        for slot in slots {
            if let Some(t) = s.threads.remove(&slot) {
                gone.push(t);
            }
            s.free_slots.push(slot);
        }
        gone
    });
    for t in dead {
        if let Some(stack) = &t.stack {
            stack.release();
        }
    }
}

/// Lets other runnable threads run.
pub fn yield_now() {
    reschedule(Requeue::Yield);
}

/// Ends the running thread.
pub fn exit() -> ! {
    with(|s| {
        let current = s.current;
        if let Some(t) = s.threads.get_mut(&current) {
            t.state = State::Dead;
            if !t.class.is_normal() {
                s.special -= 1;
            }
        }
        s.dead.push(current);
    });
    reschedule(Requeue::No);
    panic!("a dead thread was resumed");
}

/// Sleeps for at least `ticks` timer ticks.
pub fn sleep_ticks(ticks: u64) {
    let deadline = crate::time::ticks() + ticks.max(1);
    sleep_edge(true);
    with(|s| {
        let current = s.current;
        if let Some(t) = s.threads.get_mut(&current) {
            t.state = State::Sleeping(deadline);
        }
    });
    reschedule(Requeue::No);
    sleep_edge(false);
}

/// Told, on the sleeping thread, when it goes to sleep (`true`) and when it is back
/// (`false`): BSD's tsleep edges, which ktrace's KTR_CSW records. Set once, at boot.
static SLEEP_OBSERVER: spin::Once<fn(bool)> = spin::Once::new();

/// Installs the [`SLEEP_OBSERVER`] (the first call wins).
pub fn observe_sleeps(observer: fn(bool)) {
    SLEEP_OBSERVER.call_once(|| observer);
}

#[inline]
fn sleep_edge(asleep: bool) {
    if let Some(observer) = SLEEP_OBSERVER.get() {
        observer(asleep);
    }
}

/// The load average's fixed point: [`LOAD_SCALE`] is one runnable thread.
pub const LOAD_SHIFT: u32 = 11;
pub const LOAD_SCALE: u64 = 1 << LOAD_SHIFT;
/// How often the load is sampled.
const LOAD_SAMPLE_SECONDS: u64 = 5;
/// e^(-5/60), e^(-5/300) and e^(-5/900) in that fixed point, truncated: each sample's
/// weight against the 1, 5 and 15 minute averages (4.4BSD's `cexp`).
const LOAD_DECAY: [u64; 3] = [1884, 2014, 2036];
static LOAD_AVERAGE: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// The 1, 5 and 15 minute load averages: runnable threads (the one running included,
/// idle not), sampled every 5 seconds and decayed exponentially as 4.4BSD's `loadav`
/// does, in units of 1/[`LOAD_SCALE`].
pub fn load_average() -> [u64; 3] {
    LOAD_AVERAGE.each_ref().map(|a| a.load(Ordering::Relaxed))
}

fn sample_load(runnable: u64) {
    for (average, decay) in LOAD_AVERAGE.iter().zip(LOAD_DECAY) {
        let old = average.load(Ordering::Relaxed);
        let new = (decay * old + runnable * LOAD_SCALE * (LOAD_SCALE - decay)) >> LOAD_SHIFT;
        average.store(new, Ordering::Relaxed);
    }
}

/// e^(-1/20) in [`LOAD_SCALE`] units: each second, a thread's CPU share keeps this
/// much of its old value (4.4BSD's `ccpu`, so 95% of it decays in 60 seconds).
const CPU_SHARE_DECAY: u64 = 1948;

/// Once a second (4.4BSD's schedcpu): each thread's CPU share decays and gains the
/// ticks it ran since; a thread running all the time tends to [`LOAD_SCALE`].
fn decay_cpu_shares(s: &mut Scheduler, hz: u64) {
    for t in s.threads.values_mut() {
        // At most a second's worth: ticks a stall lost are counted when it ends.
        t.cpu_share =
            ((t.cpu_share * CPU_SHARE_DECAY) >> LOAD_SHIFT) + 100 * t.cpu_ticks.min(hz) / hz;
        t.cpu_ticks = 0;
        if matches!(
            t.state,
            State::Blocked | State::BlockedUntil(_) | State::Sleeping(_)
        ) {
            t.sleep_seconds = t.sleep_seconds.saturating_add(1);
        }
    }
}

/// Thread `id`'s recent share of the CPU, in units of 1/[`LOAD_SCALE`] (ps's and
/// ^T's %CPU).
pub fn cpu_share(id: ThreadId) -> Option<u64> {
    with(|s| s.threads.values().find(|t| t.id == id).map(|t| t.cpu_share))
}

/// How many whole seconds thread `id` has been asleep (BSD's p_slptime; ^T's
/// status line prefers the sleeper with the fewest).
pub fn sleep_seconds(id: ThreadId) -> Option<u32> {
    with(|s| {
        s.threads
            .values()
            .find(|t| t.id == id)
            .map(|t| t.sleep_seconds)
    })
}

/// Names what the running thread waits for, until the returned guard goes (BSD's
/// wmesg, which ^T's status line shows): set around a sleep, not on paths that do
/// not block.
pub fn waiting_for(message: &'static str) -> WaitingFor {
    set_wait_message(message);
    WaitingFor(())
}

/// See [`waiting_for`].
#[derive(Debug)]
#[must_use]
pub struct WaitingFor(());

impl Drop for WaitingFor {
    fn drop(&mut self) {
        set_wait_message("");
    }
}

fn set_wait_message(message: &'static str) {
    with(|s| {
        let current = s.current;
        if let Some(t) = s.threads.get_mut(&current) {
            t.wait_message = message;
        }
    });
}

/// What thread `id` waits for, if it waits and said what for.
pub fn wait_message(id: ThreadId) -> Option<&'static str> {
    with(|s| {
        let t = s.threads.values().find(|t| t.id == id)?;
        let waiting = matches!(
            t.state,
            State::Blocked | State::BlockedUntil(_) | State::Sleeping(_)
        );
        (waiting && !t.wait_message.is_empty()).then_some(t.wait_message)
    })
}

/// Called on every tick (from the interrupt), with the tick count before it and now
/// (more than one apart after ticks were lost with interrupts off: the running thread
/// had them): wakes sleepers whose time has come, samples the load every
/// [`LOAD_SAMPLE_SECONDS`], and asks for a switch when the running thread's slice is
/// used up.
pub fn on_tick(before: u64, now: u64) {
    let mut guard = SCHED.lock();
    let Some(s) = guard.as_mut() else { return };
    let mut woken = Vec::new();
    for (&slot, t) in s.threads.iter_mut() {
        if let State::Sleeping(deadline) | State::BlockedUntil(deadline) = t.state
            && now >= deadline
        {
            t.state = State::Runnable;
            t.sleep_seconds = 0;
            woken.push(slot);
        }
    }
    s.run_queue.extend(woken);
    let current = s.current;
    if let Some(t) = s.threads.get_mut(&current) {
        t.cpu_ticks += now - before;
    }
    let hz = u64::from(crate::time::hz().max(1));
    let crossed = |period: u64| before / period != now / period;
    if crossed(hz) {
        decay_cpu_shares(s, hz);
    }
    if crossed(LOAD_SAMPLE_SECONDS * hz) {
        let queued = s
            .run_queue
            .iter()
            .filter(|&&slot| slot != IDLE_SLOT)
            .count();
        sample_load((queued + usize::from(s.current != IDLE_SLOT)) as u64);
    }
    let (slice, class) = s
        .threads
        .get(&s.current)
        .map_or((TIME_SLICE_TICKS, Class::NORMAL), |t| {
            (t.slice_ticks, t.class)
        });
    let turn_over = now.saturating_sub(s.slice_start) >= slice;
    let switch = if s.special == 0 {
        turn_over && !s.run_queue.is_empty()
    } else {
        // Only a better rank takes the CPU early; equals share it when the turn is
        // over, except from a FIFO thread; worse ranks wait.
        let mine = s.rank(s.current);
        s.best_queued()
            .is_some_and(|best| best < mine || (best == mine && turn_over && !class.is_fifo()))
    };
    if switch {
        NEED_RESCHED.store(true, Ordering::Relaxed);
    }
}

/// Puts thread `id` in `class` (a switch follows if the running thread is outranked).
pub fn set_class(id: ThreadId, class: Class) {
    with(|s| {
        let Some(t) = s.threads.values_mut().find(|t| t.id == id) else {
            return;
        };
        let was_normal = t.class.is_normal();
        t.class = class;
        match (was_normal, class.is_normal()) {
            (true, false) => s.special += 1,
            (false, true) => s.special -= 1,
            _ => {}
        }
        // A switch is due both when the running thread was outranked and when it was
        // itself demoted below one in the queue.
        let mine = s.rank(s.current);
        if s.best_queued().is_some_and(|best| best < mine) {
            NEED_RESCHED.store(true, Ordering::Relaxed);
        }
    });
}

/// Sets how many ticks thread `id`'s turns last (at least one) while others wait: the
/// scheduler's only weighting, which processes' nice values set.
pub fn set_slice(id: ThreadId, ticks: u64) {
    with(|s| {
        if let Some(t) = s.threads.values_mut().find(|t| t.id == id) {
            t.slice_ticks = ticks.max(1);
        }
    });
}

/// Whether the running thread's turn is over: [`preempt_point`] would switch.
#[inline]
pub fn resched_pending() -> bool {
    NEED_RESCHED.load(Ordering::Relaxed)
}

/// Where threads running user code let the scheduler preempt them: switches away if the
/// time slice is over and someone else can run.
pub fn preempt_point() {
    if NEED_RESCHED.load(Ordering::Relaxed) {
        reschedule(Requeue::Preempted);
    }
}

/// Where a long stretch of kernel work (a core dump of a large process) lets the
/// machine go on: takes the interrupts that came meanwhile (the tick among them, which
/// ends the turn) and switches away if the turn is over and someone else can run.
/// Kernel code runs with interrupts off and is otherwise never preempted, so the
/// caller must hold no lock: a thread that ran meanwhile and asked for it would find it
/// taken, which on one CPU is a deadlock.
pub fn let_others_run() {
    nymph_hal::cpu::take_pending_interrupts();
    preempt_point();
}

/// Threads blocked until someone wakes them.
#[derive(Debug, Default)]
pub struct WaitQueue {
    waiters: Mutex<VecDeque<usize>>,
}

impl WaitQueue {
    pub const fn new() -> Self {
        WaitQueue {
            waiters: Mutex::new(VecDeque::new()),
        }
    }

    /// Blocks until `ready()` holds, checking again after every wake-up.
    pub fn wait_until(&self, ready: impl Fn() -> bool) {
        while !ready() {
            self.block(None, true);
        }
        self.forget_current();
    }

    /// [`WaitQueue::wait_until`], without telling the sleep observer: for a wait that
    /// is not a sleep in a call (a stopped process's; BSD's stop switches away without
    /// tsleep).
    pub fn wait_until_unobserved(&self, ready: impl Fn() -> bool) {
        while !ready() {
            self.block(None, false);
        }
        self.forget_current();
    }

    /// Blocks until `ready()` holds, or until `interrupted()` does (checked before
    /// every sleep and after every wake-up, [`wake`] included): the way system calls
    /// sleep, so that a signal ends the sleep.
    pub fn wait_until_interruptible(
        &self,
        ready: impl Fn() -> bool,
        interrupted: impl Fn() -> bool,
    ) -> Result<(), Interrupted> {
        self.wait_until_deadline(ready, interrupted, None)
            .map(|_| ())
    }

    /// As [`WaitQueue::wait_until_interruptible`], but also gives up when the tick count
    /// reaches `deadline` (if any): `Ok(true)` when `ready()` holds, `Ok(false)` on the
    /// deadline.
    pub fn wait_until_deadline(
        &self,
        ready: impl Fn() -> bool,
        interrupted: impl Fn() -> bool,
        deadline: Option<u64>,
    ) -> Result<bool, Interrupted> {
        let outcome = loop {
            if ready() {
                break Ok(true);
            }
            if interrupted() {
                break Err(Interrupted);
            }
            if deadline.is_some_and(|d| crate::time::ticks() >= d) {
                break Ok(false);
            }
            self.block(deadline, true);
        };
        self.forget_current();
        outcome
    }

    /// Puts the running thread to sleep on this queue until a wake-up (or `deadline`),
    /// telling the sleep observer if `observed`.
    fn block(&self, deadline: Option<u64>, observed: bool) {
        if observed {
            sleep_edge(true);
        }
        with(|s| {
            let current = s.current;
            if let Some(t) = s.threads.get_mut(&current) {
                t.state = deadline.map_or(State::Blocked, State::BlockedUntil);
            }
            let mut waiters = self.waiters.lock();
            if !waiters.contains(&current) {
                waiters.push_back(current);
            }
        });
        reschedule(Requeue::No);
        if observed {
            sleep_edge(false);
        }
    }

    /// Takes the running thread off the queue (after a wake-up that did not come from
    /// this queue).
    fn forget_current(&self) {
        let current = with(|s| s.current);
        self.waiters.lock().retain(|&slot| slot != current);
    }

    /// Makes every waiter runnable.
    pub fn wake_all(&self) {
        let waiters: Vec<usize> = self.waiters.lock().drain(..).collect();
        // Nobody waiting is the common case: no scheduler lock for it.
        if waiters.is_empty() {
            return;
        }
        with(|s| {
            for slot in waiters {
                make_runnable(s, slot);
            }
        });
    }
}

/// A blocking wait ended because the thread was woken for a signal (or whatever else
/// its `interrupted` condition checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

fn make_runnable(s: &mut Scheduler, slot: usize) {
    if let Some(t) = s.threads.get_mut(&slot)
        && matches!(t.state, State::Blocked | State::BlockedUntil(_))
    {
        t.state = State::Runnable;
        t.sleep_seconds = 0;
        s.run_queue.push_back(slot);
        if s.special != 0 && s.rank(slot) < s.rank(s.current) {
            NEED_RESCHED.store(true, Ordering::Relaxed);
        }
    }
}

/// Makes thread `id` runnable if it is blocked on a wait queue (a sleep with
/// [`sleep_ticks`] is not cut short). Its wait re-checks its conditions, so a wake-up
/// with nothing to do is harmless. Returns whether the thread was blocked.
pub fn wake(id: ThreadId) -> bool {
    let mut guard = SCHED.lock();
    let Some(s) = guard.as_mut() else {
        return false;
    };
    let Some(slot) = s
        .threads
        .iter()
        .find(|(_, t)| t.id == id)
        .map(|(&slot, _)| slot)
    else {
        return false;
    };
    let blocked = s
        .threads
        .get(&slot)
        .is_some_and(|t| matches!(t.state, State::Blocked | State::BlockedUntil(_)));
    make_runnable(s, slot);
    blocked
}

/// Live threads (for diagnostics and tests).
pub fn thread_count() -> usize {
    with(|s| {
        s.threads
            .values()
            .filter(|t| t.state != State::Dead)
            .count()
    })
}

/// Blocks the running thread on every queue in `queues` at once, until one of them is
/// woken or (with a deadline) the tick count reaches `deadline`. The caller re-checks
/// what it waits for: a return says only that something may have changed. `None` with
/// no queue would never return, so it returns at once.
///
/// The deadline is checked on every tick, as for any thread blocked until one.
pub fn wait_any(queues: &[&WaitQueue], deadline: Option<u64>) {
    if queues.is_empty() && deadline.is_none() {
        return;
    }
    if deadline.is_some_and(|d| crate::time::ticks() >= d) {
        return;
    }
    sleep_edge(true);
    let slot = with(|s| {
        let current = s.current;
        if let Some(t) = s.threads.get_mut(&current) {
            t.state = deadline.map_or(State::Blocked, State::BlockedUntil);
        }
        for q in queues {
            q.waiters.lock().push_back(current);
        }
        current
    });
    reschedule(Requeue::No);
    // Woken by one queue (or the deadline): leave the others, so that a later wake-up
    // of theirs does not disturb whatever this thread blocks on next.
    for q in queues {
        let mut w = q.waiters.lock();
        if let Some(i) = w.iter().position(|&x| x == slot) {
            w.remove(i);
        }
    }
    sleep_edge(false);
}
