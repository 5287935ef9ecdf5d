//! System-call tracing, in ABI-neutral terms: which processes are traced (a flag that
//! fork inherits and exec keeps), and the one place trace lines are written, straight to
//! the kernel log's port whatever the log level: `[trace] PID ABI CALL = RESULT`. The
//! personalities decode the calls (from their ABI's generated tables) and call [`emit`].

use super::{Process, Task, uaccess::UserFault};
use crate::sync::Mutex;
use alloc::sync::Arc;
use core::any::Any;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

/// Processes started without a parent (init) are traced: `nymph.trace=init`.
static TRACE_SPAWNED: AtomicBool = AtomicBool::new(false);

/// Makes the processes [`super::spawn`] starts from now on traced, or not.
pub fn trace_spawned(on: bool) {
    TRACE_SPAWNED.store(on, Ordering::Relaxed);
}

pub(super) fn spawned_traced() -> Watch {
    Watch::new(TRACE_SPAWNED.load(Ordering::Relaxed), false)
}

const TRACED: u8 = 1;
const RECORDING: u8 = 2;
/// A personality stops the process at its calls' entries and exits (BSD's procfs
/// stop events): not inherited by fork, kept by exec.
const STOPPING: u8 = 4;

/// How many processes (live or not yet freed) a personality records: while none does,
/// a sleep costs its observer one load.
static RECORDING_PROCESSES: AtomicUsize = AtomicUsize::new(0);

/// Whether a process's calls are traced (the kernel log) or recorded (a personality's
/// [`Recorder`]): both in one byte, so the call path pays one load for the two.
#[derive(Debug)]
pub(super) struct Watch(AtomicU8);

impl Watch {
    fn new(traced: bool, recording: bool) -> Watch {
        if recording {
            RECORDING_PROCESSES.fetch_add(1, Ordering::Relaxed);
        }
        Watch(AtomicU8::new(
            if traced { TRACED } else { 0 } | if recording { RECORDING } else { 0 },
        ))
    }

    /// A forked child's: the parent's tracing, and its recording if inherited.
    pub(super) fn forked(parent: &Process) -> Watch {
        Watch::new(parent.traced(), inherited(parent).is_some())
    }

    fn set(&self, bit: u8, on: bool) {
        let old = if on {
            self.0.fetch_or(bit, Ordering::Relaxed)
        } else {
            self.0.fetch_and(!bit, Ordering::Relaxed)
        };
        if bit == RECORDING && (old & RECORDING != 0) != on {
            if on {
                RECORDING_PROCESSES.fetch_add(1, Ordering::Relaxed);
            } else {
                RECORDING_PROCESSES.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    #[inline]
    fn has(&self, bit: u8) -> bool {
        self.0.load(Ordering::Relaxed) & bit != 0
    }
}

impl Process {
    /// Whether its system calls are traced.
    #[inline]
    pub fn traced(&self) -> bool {
        self.traced.has(TRACED)
    }

    /// Starts or stops tracing it (its later children inherit the setting).
    pub fn set_traced(&self, on: bool) {
        self.traced.set(TRACED, on);
    }

    /// Whether a personality stops it at its calls (see [`Process::set_stopping`]).
    #[inline]
    pub fn stopping(&self) -> bool {
        self.traced.has(STOPPING)
    }

    /// Says whether a personality wants the process's calls to pass its stop points
    /// (BSD's p_stops for the call events): `watched` covers it, so the call path of a
    /// process that nothing watches stays one load.
    pub fn set_stopping(&self, on: bool) {
        self.traced.set(STOPPING, on);
    }

    /// Whether its calls are traced, recorded or stopped at. One relaxed load: the
    /// path of a process that is none of these pays nothing else.
    #[inline]
    pub fn watched(&self) -> bool {
        self.traced.0.load(Ordering::Relaxed) != 0
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.has(RECORDING) {
            RECORDING_PROCESSES.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The scheduler's sleep observer: tells the sleeping process's personality, if it
/// records, that its thread goes to sleep or is back (see `Personality::sleep_edge`).
/// A sleep while a record is being written (the write itself sleeping) is not told.
pub(super) fn sleep_edge(asleep: bool) {
    static TELLING: AtomicBool = AtomicBool::new(false);
    if RECORDING_PROCESSES.load(Ordering::Relaxed) == 0 {
        return;
    }
    let Some(process) = super::current() else {
        return;
    };
    if process.recording() && !TELLING.swap(true, Ordering::Acquire) {
        process.personality().sleep_edge(&process, asleep);
        TELLING.store(false, Ordering::Release);
    }
}

/// Writes one trace line for `process`: `call` is the decoded call and its result.
pub fn emit(process: &Process, abi: &str, call: &str) {
    nymph_hal::serial::log(format_args!("[trace] {} {abi} {call}\n", process.pid.0));
}

/// Reads a string argument for a trace line: at most `buf.len()` bytes at `addr`.
/// Returns the bytes read and whether the string ended within them; `None` if the
/// memory cannot be read (the line then shows the address).
pub fn read_str(task: &Task, addr: u64, buf: &mut [u8]) -> Option<(usize, bool)> {
    match task.read_cstr(addr, buf.len()) {
        Ok(s) => {
            let n = s.len().min(buf.len());
            buf.get_mut(..n)?.copy_from_slice(s.get(..n)?);
            Some((n, true))
        }
        // Longer than the bound: those bytes were readable; show them cut.
        Err(UserFault::StringTooLong) => {
            task.read_bytes(addr, buf).ok().map(|()| (buf.len(), false))
        }
        Err(UserFault::BadAddress(_)) => None,
    }
}

/// A personality's recording of what a process does, to a place of its choosing (BSD's
/// ktrace): opaque to the core, which keeps it per process, keeps it across exec and
/// gives it to a forked child when the personality asked for that.
#[derive(Clone, Debug)]
pub struct Recorder {
    pub state: Arc<dyn Any + Send + Sync>,
    /// Fork passes it on to the child.
    pub inherit: bool,
}

/// A process's [`Recorder`] (whether it has one is in its [`Watch`]).
#[derive(Debug, Default)]
pub(super) struct RecorderSlot(Mutex<Option<Recorder>>);

impl RecorderSlot {
    /// A forked child's slot: the parent's recorder if it is inherited.
    pub(super) fn forked_from(parent: &Process) -> RecorderSlot {
        RecorderSlot(Mutex::new(inherited(parent)))
    }
}

fn inherited(parent: &Process) -> Option<Recorder> {
    if !parent.recording() {
        return None;
    }
    parent.recorder.0.lock().clone().filter(|r| r.inherit)
}

impl Process {
    /// Whether a personality records what it does.
    #[inline]
    pub fn recording(&self) -> bool {
        self.traced.has(RECORDING)
    }

    /// Its recorder, if any.
    pub fn recorder(&self) -> Option<Recorder> {
        self.recorder.0.lock().clone()
    }

    /// Sets or removes its recorder.
    pub fn set_recorder(&self, recorder: Option<Recorder>) {
        let mut slot = self.recorder.0.lock();
        self.traced.set(RECORDING, recorder.is_some());
        *slot = recorder;
    }
}
