//! Who an object's asynchronous signals go to (BSD's sigio: what F_SETOWN, FIOSETOWN and
//! SIOCSPGRP set): a process or a process group, chosen by a process of the same
//! session, with that process's user ids kept to decide later whom the signals may
//! reach. A socket sends its owner SIGURG when urgent data arrives; sockets, pipes,
//! FIFOs and terminals send SIGIO, when asked to (FIOASYNC), as they become readable
//! or writable.

use crate::process::{self, Pid, Process, Signal};
use crate::sync::Mutex;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicBool, Ordering};

/// Why an owner could not be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerError {
    /// No live process, or no process group, has that id (ESRCH).
    NoSuchProcess,
    /// It belongs to another session than the caller's (EPERM).
    OtherSession,
}

#[derive(Clone, Debug)]
struct Owner {
    /// BSD's sio_pgid: a process id, or a process group's negated.
    id: i32,
    /// The process, when a process owns: once it has exited it owns nothing (4.x's
    /// exit1 removes its sigio records).
    process: Weak<Process>,
    /// The real and effective user ids of the process that set the owner.
    ruid: u32,
    euid: u32,
}

/// An object's signal owner; none at first.
#[derive(Debug, Default)]
pub struct SignalOwner(Mutex<Option<Owner>>);

impl SignalOwner {
    pub const fn new() -> SignalOwner {
        SignalOwner(Mutex::new(None))
    }

    /// Makes `id` (a process id; a group's negated; 0: nobody) the owner, for `setter`
    /// (4.x's fsetown): the process or group must exist and be in the setter's session.
    pub fn set(&self, setter: &Process, id: i32) -> Result<(), OwnerError> {
        if id == 0 {
            *self.0.lock() = None;
            return Ok(());
        }
        let target = Pid(id.unsigned_abs());
        let (process, sid) = if id > 0 {
            let p = process::find(target)
                .filter(|p| !p.has_exited())
                .ok_or(OwnerError::NoSuchProcess)?;
            let sid = p.sid();
            (Arc::downgrade(&p), sid)
        } else {
            let member = process::live()
                .into_iter()
                .find(|p| p.pgid() == target)
                .ok_or(OwnerError::NoSuchProcess)?;
            (Weak::new(), member.sid())
        };
        if sid != setter.sid() {
            return Err(OwnerError::OtherSession);
        }
        let creds = setter.fs().creds;
        *self.0.lock() = Some(Owner {
            id,
            process,
            ruid: creds.uid,
            euid: creds.euid,
        });
        Ok(())
    }

    /// No owner from now on (4.x's funsetown).
    pub fn clear(&self) {
        *self.0.lock() = None;
    }

    /// The owner's id as set (4.x's fgetown): 0 when there is none, or the owning
    /// process has exited or the owning group has no members left.
    pub fn get(&self) -> i32 {
        let mut owner = self.0.lock();
        match owner.as_ref() {
            Some(o) if Self::alive(o) => o.id,
            _ => {
                *owner = None;
                0
            }
        }
    }

    fn alive(o: &Owner) -> bool {
        if o.id > 0 {
            o.process.upgrade().is_some_and(|p| !p.has_exited())
        } else {
            let pgid = Pid(o.id.unsigned_abs());
            process::live().iter().any(|p| p.pgid() == pgid)
        }
    }

    /// Sends `signal` to the owner (4.x's pgsigio): to each process it names whose
    /// real or effective user is one of the setter's (or any, if the setter was root:
    /// 4.x's CANSIGIO).
    pub fn signal(&self, signal: Signal) {
        self.signal_members(signal, |_| true);
    }

    /// As [`SignalOwner::signal`], but a group's members only where `member` says
    /// (pgsigio's checkctty: a terminal signals only those with a controlling
    /// terminal).
    pub fn signal_members(&self, signal: Signal, member: impl Fn(&Process) -> bool) {
        let Some(owner) = self.0.lock().clone() else {
            return;
        };
        let may = |p: &Process| {
            let to = p.fs().creds;
            owner.euid == 0
                || [owner.ruid, owner.euid]
                    .iter()
                    .any(|u| *u == to.uid || *u == to.euid)
        };
        if owner.id > 0 {
            if let Some(p) = owner
                .process
                .upgrade()
                .filter(|p| !p.has_exited() && may(p))
            {
                p.post(signal);
            }
            return;
        }
        let pgid = Pid(owner.id.unsigned_abs());
        for p in process::live() {
            if p.pgid() == pgid && may(&p) && member(&p) {
                p.post(signal);
            }
        }
    }
}

/// An object's signal-driven I/O: its owner, and whether SIGIO was asked for (BSD's
/// SS_ASYNC, PIPE_ASYNC, TS_ASYNC, set by FIOASYNC or O_ASYNC).
#[derive(Debug, Default)]
pub struct AsyncSignals {
    owner: SignalOwner,
    on: AtomicBool,
}

impl AsyncSignals {
    pub const fn new() -> AsyncSignals {
        AsyncSignals {
            owner: SignalOwner::new(),
            on: AtomicBool::new(false),
        }
    }

    pub fn owner(&self) -> &SignalOwner {
        &self.owner
    }

    pub fn set_async(&self, on: bool) {
        self.on.store(on, Ordering::Relaxed);
    }

    pub fn is_async(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// SIGIO for the owner, if it was asked for.
    pub fn notify(&self) {
        self.notify_members(|_| true);
    }

    /// [`AsyncSignals::notify`], to a group's members only where `member` says.
    pub fn notify_members(&self, member: impl Fn(&Process) -> bool) {
        if self.is_async() {
            self.owner.signal_members(Signal::Io, member);
        }
    }
}
