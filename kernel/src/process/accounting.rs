//! Process accounting, in ABI-neutral terms: one observer a personality may install
//! (BSD's acct(2) does) gets an [`ExitRecord`] of every process that exits, native or
//! not, while the process is still whole. Nothing is gathered while nobody observes:
//! the exit path pays one relaxed load.

use super::{ExitStatus, Process, Usage};
use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What accounting knows of a process that exited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitRecord {
    /// The file name of its last image (BSD's p_comm).
    pub name: Vec<u8>,
    /// CPU time in user mode and in the kernel on its behalf.
    pub user_ns: u64,
    pub system_ns: u64,
    /// From its start (its fork, or its spawn) to its exit.
    pub elapsed_ns: u64,
    /// The wall-clock time it started: (seconds, nanoseconds) since the epoch.
    pub start: (u64, u32),
    /// Its real user and group ids.
    pub uid: u32,
    pub gid: u32,
    /// The most pages it had in memory at once.
    pub max_resident_pages: u64,
    /// The device number of its controlling terminal, if its session has one.
    pub tty: Option<u64>,
    /// It was forked and never exec'd since.
    pub forked_without_exec: bool,
    /// It dumped core.
    pub dumped_core: bool,
    /// A signal ended it.
    pub signaled: bool,
}

/// Gets each exit's record (called with no lock of the core held, from the exiting
/// process's path, before its descriptors and memory go).
pub type ExitObserver = fn(&Process, &ExitRecord);

static OBSERVING: AtomicBool = AtomicBool::new(false);
static OBSERVER: Mutex<Option<ExitObserver>> = Mutex::new(None);

/// Installs the exit observer, replacing any earlier one; `None` removes it.
pub fn observe_exits(observer: Option<ExitObserver>) {
    let mut slot = OBSERVER.lock();
    *slot = observer;
    OBSERVING.store(observer.is_some(), Ordering::Relaxed);
}

/// Whether an observer is installed (one load: the exit path asks this first).
#[inline]
pub(super) fn observing() -> bool {
    OBSERVING.load(Ordering::Relaxed)
}

/// The record of `process`, which is exiting with `status` after using `usage`.
pub(super) fn record(process: &Process, usage: &Usage, status: ExitStatus) -> ExitRecord {
    let (name, creds, execed, sid) = {
        let inner = process.inner.lock();
        (
            inner.name.to_vec(),
            (inner.fs.creds.uid, inner.fs.creds.gid),
            inner.execed,
            inner.sid,
        )
    };
    let tty = crate::tty::controlling(sid).map(crate::tty::device_number);
    let (signaled, dumped_core) = match status {
        ExitStatus::Exited(_) => (false, false),
        ExitStatus::Signaled { core, .. } => (true, core),
    };
    ExitRecord {
        name,
        user_ns: usage.user_ns,
        system_ns: usage.system_ns,
        elapsed_ns: crate::time::monotonic_ns().saturating_sub(process.started.monotonic_ns),
        start: process.started.realtime,
        uid: creds.0,
        gid: creds.1,
        max_resident_pages: usage.max_resident_pages,
        tty,
        forked_without_exec: process.forked && !execed,
        dumped_core,
        signaled,
    }
}

/// Hands `record` to the observer, if one is (still) installed.
pub(super) fn emit(process: &Arc<Process>, record: &ExitRecord) {
    let observer = *OBSERVER.lock();
    if let Some(f) = observer {
        f(process, record);
    }
}

/// When a process started, on both clocks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Started {
    pub(super) monotonic_ns: u64,
    pub(super) realtime: (u64, u32),
    /// Its place among all processes ever made: the clocks may tie, this never does.
    pub(super) serial: u64,
}

/// The serial the next process made takes.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(0);

impl Started {
    pub(super) fn now() -> Started {
        Started {
            monotonic_ns: crate::time::monotonic_ns(),
            realtime: crate::time::realtime(),
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
        }
    }
}
