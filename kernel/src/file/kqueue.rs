//! Event queues (BSD's kqueue), in neutral terms: a queue holds notes, each naming what
//! to watch (a descriptor's readiness, changes to the node behind a descriptor, a
//! process, a signal), and reports those that have something to say. Nothing is pushed
//! to a queue: when asked, it looks at readiness and at counters the core keeps anyway
//! (a node's change counters, a process's fork/exec counts and the posts of signals it
//! asked to count) and at the clock (timers). A waiting caller sleeps on the wait queues
//! of the files it watches until the next timer is due, with the periodic wake-up poll
//! uses for what has no queue.

use super::{FileKind, FileOps, OpenFile, Readiness};
use crate::error::{Error, Result};
use crate::process::{ExitStatus, Process, Signal};
use crate::sync::Mutex;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Notes one queue holds at most (more is `OutOfMemory`, as 4.x's allocation failing).
pub const MAX_NOTES: usize = 512;

/// Timer notes the whole system holds at most (4.x's kq_calloutmax; more is
/// `OutOfMemory`).
pub const MAX_TIMERS: usize = 4096;
static TIMERS: AtomicUsize = AtomicUsize::new(0);

/// One of the [`MAX_TIMERS`], held by a timer note while it lives.
#[derive(Debug)]
struct TimerSlot;

impl TimerSlot {
    fn take() -> Option<TimerSlot> {
        TIMERS
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < MAX_TIMERS).then_some(n + 1)
            })
            .ok()
            .map(|_| TimerSlot)
    }
}

impl Drop for TimerSlot {
    fn drop(&mut self) {
        TIMERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a note watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Filter {
    /// Descriptor `ident` has bytes to read (or, as a regular file, its offset is not at
    /// its end).
    Read,
    /// Descriptor `ident` can take a write.
    Write,
    /// The node behind descriptor `ident` changed.
    Vnode,
    /// Process `ident` forked, exec'd or ended.
    Process,
    /// Signal `ident` was posted to the process that registered the note.
    Signal,
    /// Timer `ident` of the queue expired (every period, or once if one-shot).
    Timer,
}

/// A set of changes to a node or a process: what a note watches for, and what it
/// reports happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes(u16);

impl Changes {
    pub const NONE: Changes = Changes(0);
    /// The node's last link went.
    pub const DELETE: Changes = Changes(1);
    /// The node's contents changed.
    pub const WRITE: Changes = Changes(1 << 1);
    /// The node grew.
    pub const EXTEND: Changes = Changes(1 << 2);
    /// The node's attributes changed.
    pub const ATTRIB: Changes = Changes(1 << 3);
    /// The node's link count changed (and is not zero).
    pub const LINK: Changes = Changes(1 << 4);
    /// The node was renamed.
    pub const RENAME: Changes = Changes(1 << 5);
    /// The process ended.
    pub const EXIT: Changes = Changes(1 << 6);
    /// The process forked.
    pub const FORK: Changes = Changes(1 << 7);
    /// The process exec'd.
    pub const EXEC: Changes = Changes(1 << 8);
    /// The process forked and a child could not be followed (it was reaped before the
    /// note looked, or the queue is full).
    pub const TRACK_ERROR: Changes = Changes(1 << 9);
    /// A note made to follow a watched process's child: its first report, with the
    /// parent's pid as its data (BSD's NOTE_CHILD).
    pub const CHILD: Changes = Changes(1 << 10);

    pub const fn union(self, other: Changes) -> Changes {
        Changes(self.0 | other.0)
    }
    pub const fn intersection(self, other: Changes) -> Changes {
        Changes(self.0 & other.0)
    }
    pub const fn contains(self, other: Changes) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// One change to a queue's notes (an entry of kevent's change list).
#[derive(Clone, Copy, Debug, Default)]
pub struct Change {
    pub ident: u64,
    pub filter: Option<Filter>,
    /// Create the note, or update the one there.
    pub add: bool,
    pub delete: bool,
    pub enable: bool,
    pub disable: bool,
    /// Deleted after its first report.
    pub oneshot: bool,
    /// After a report, fires again only on a new change.
    pub clear: bool,
    /// For vnode and process notes: what to report.
    pub watch: Changes,
    /// For signal notes: the signal `ident` names in the caller's ABI (None: a number
    /// that names none, accepted and never firing, as in 4.x).
    pub signal: Option<Signal>,
    /// Follow the children of a watched process: each fork makes a note like this one
    /// for the child, which first reports [`Changes::CHILD`] (BSD's NOTE_TRACK).
    pub track: bool,
    /// The flag word of the notes made for followed children.
    pub track_flags: u32,
    /// For timer notes: the period, in clock ticks (at least 1).
    pub period_ticks: u64,
    /// For read and write notes on a socket: the low-water mark to use instead of
    /// the socket's (BSD's NOTE_LOWAT with the note's data).
    pub low_water: Option<i64>,
    /// The caller's flag word, given back with every event of the note.
    pub flags: u32,
    pub udata: u64,
}

/// What a note reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub ident: u64,
    pub filter: Filter,
    /// The flag word of the change that made the note.
    pub flags: u32,
    /// End of file (a pipe's other end is gone) or the process ended.
    pub eof: bool,
    /// The note is gone after this report (one-shot, or its process ended).
    pub oneshot: bool,
    pub changes: Changes,
    /// Bytes to read (negative: a regular file's offset is past its end) or room to
    /// write, or how many times the signal came or the timer expired.
    pub data: i64,
    /// How the watched process ended.
    pub exit: Option<ExitStatus>,
    pub udata: u64,
}

/// Why a change failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeError {
    Error(Error),
    /// A process note names no process.
    NoSuchProcess,
}

impl From<Error> for ChangeError {
    fn from(e: Error) -> Self {
        ChangeError::Error(e)
    }
}

/// What a note looks at, and where it was when it last reported.
#[derive(Debug)]
enum Target {
    /// Read, write and vnode notes: the open file descriptor `ident` named at
    /// registration (the note goes when the descriptor no longer names it), the state
    /// reported last (for `clear`), and the node's marks last seen (vnode).
    File {
        file: Weak<OpenFile>,
        id: u64,
        reported: Option<(i64, bool, u32)>,
        marks: Marks,
    },
    Process {
        process: Arc<Process>,
        forks: u32,
        execs: u32,
    },
    Signal {
        owner: Weak<Process>,
        signal: Option<Signal>,
        seen: u64,
    },
    /// A timer: its period, the tick it next expires at (none once a one-shot timer
    /// has), and the expiries not yet reported.
    Timer {
        period: u64,
        next: Option<u64>,
        expired: u64,
        _slot: TimerSlot,
    },
}

/// A node's change counters and link count and size, as a vnode note last saw them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Marks {
    modify: u32,
    change: u32,
    rename: u32,
    links: u32,
    size: u64,
}

impl Marks {
    fn of(node: &crate::vfs::Inode) -> Marks {
        let (modify, change, rename) = node.change_counts();
        Marks {
            modify,
            change,
            rename,
            links: node.links(),
            size: node.size(),
        }
    }

    /// What happened between `self` and `now`.
    fn since(self, now: Marks) -> Changes {
        let mut c = Changes::NONE;
        let mut add = |cond: bool, what: Changes| {
            if cond {
                c = c.union(what);
            }
        };
        add(now.links == 0 && self.links != 0, Changes::DELETE);
        add(now.links != 0 && now.links != self.links, Changes::LINK);
        add(now.modify != self.modify, Changes::WRITE);
        add(now.size > self.size, Changes::EXTEND);
        add(now.change != self.change, Changes::ATTRIB);
        add(now.rename != self.rename, Changes::RENAME);
        c
    }
}

#[derive(Debug)]
struct Note {
    filter: Filter,
    enabled: bool,
    oneshot: bool,
    clear: bool,
    watch: Changes,
    track: bool,
    track_flags: u32,
    /// A followed child's note, not yet reported: its parent's pid.
    child_of: Option<u32>,
    /// See [`Change::low_water`].
    low_water: Option<i64>,
    flags: u32,
    udata: u64,
    target: Target,
    /// Changes seen and not yet reported (vnode and process notes).
    pending: Changes,
}

/// What a look at a note found.
enum Look {
    /// Its descriptor was closed (or its owner is gone): the note goes.
    Gone,
    Quiet,
    /// It fires; `state` is what a `clear` note remembers as reported.
    Fires(Event, Option<(i64, bool, u32)>),
}

/// A file's readiness for a read or write note: ready, data, end of file, and the
/// node's modify counter (a regular file's "new change" for `clear`). A socket's
/// note with a low-water mark of its own is ready by that mark (filt_soread and
/// filt_sowrite with NOTE_LOWAT); other files have none.
fn io_state(
    file: &OpenFile,
    write: bool,
    low_water: Option<i64>,
    depth: usize,
) -> (bool, i64, bool, u32) {
    if file.ops.seekable() {
        if write {
            return (true, 0, false, 0);
        }
        let size = i64::try_from(file.ops.size()).unwrap_or(i64::MAX);
        // The offset is an off_t (negative after a 4.4BSD lseek before the start).
        let offset = file.offset() as i64;
        let data = size.saturating_sub(offset);
        let modify = file.node().map_or(0, |n| n.change_counts().0);
        return (data != 0, data, false, modify);
    }
    // A queue watching a queue asks it directly, one level deeper, so that a chain of
    // queues cannot take the kernel stack (each level is a few frames).
    let mut r: Readiness = match file.event_queue() {
        Some(queue) => Readiness {
            read: queue.any_pending_at(depth + 1),
            ..Readiness::default()
        },
        None => file.poll(),
    };
    if let (Some(mark), Some(socket)) = (low_water, file.socket()) {
        let mark = usize::try_from(mark).unwrap_or(0);
        let at = socket.readiness_at(mark, mark);
        (r.read, r.write) = (at.read, at.write);
    }
    let (ready, count) = if write {
        (r.write, file.ops.writable_bytes())
    } else {
        (r.read, file.ops.readable_bytes())
    };
    let data = count.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX));
    (
        ready || r.hangup,
        if r.hangup && write { 0 } else { data },
        r.hangup,
        0,
    )
}

impl Note {
    /// Looks at what the note watches; `fds` is the descriptor table the idents are in,
    /// when the caller has it (a note whose descriptor no longer names its file goes).
    fn look(&mut self, ident: u64, fds: Option<&Process>, depth: usize) -> Look {
        let mut event = Event {
            ident,
            filter: self.filter,
            flags: self.flags,
            eof: false,
            oneshot: self.oneshot,
            changes: Changes::NONE,
            data: 0,
            exit: None,
            udata: self.udata,
        };
        match &mut self.target {
            Target::File {
                file,
                id,
                reported,
                marks,
            } => {
                let Some(file) = file.upgrade() else {
                    return Look::Gone;
                };
                if let Some(p) = fds {
                    let named = usize::try_from(ident).ok().and_then(|fd| p.file(fd).ok());
                    if named.is_none_or(|f| f.id() != *id) {
                        return Look::Gone;
                    }
                }
                if self.filter == Filter::Vnode {
                    let Some(node) = file.node() else {
                        return Look::Quiet;
                    };
                    let now = Marks::of(node);
                    self.pending = self
                        .pending
                        .union(marks.since(now).intersection(self.watch));
                    *marks = now;
                    if self.pending.is_empty() {
                        return Look::Quiet;
                    }
                    event.changes = self.pending;
                    return Look::Fires(event, None);
                }
                let (ready, data, eof, modify) =
                    io_state(&file, self.filter == Filter::Write, self.low_water, depth);
                let state = (data, eof, modify);
                if !ready || (self.clear && *reported == Some(state)) {
                    return Look::Quiet;
                }
                event.data = data;
                event.eof = eof;
                Look::Fires(event, Some(state))
            }
            Target::Process {
                process,
                forks,
                execs,
            } => {
                let (f, e) = process.event_counts();
                let exit = process.exit_status();
                let mut seen = Changes::NONE;
                if f != *forks {
                    seen = seen.union(Changes::FORK);
                }
                if e != *execs {
                    seen = seen.union(Changes::EXEC);
                }
                if exit.is_some() {
                    seen = seen.union(Changes::EXIT);
                }
                (*forks, *execs) = (f, e);
                self.pending = self.pending.union(seen.intersection(self.watch));
                // An end is always reported, watched for or not (4.x's filt_proc).
                if self.pending.is_empty() && exit.is_none() {
                    return Look::Quiet;
                }
                event.changes = self.pending;
                if self.pending.contains(Changes::CHILD) {
                    event.data = i64::from(self.child_of.unwrap_or(0));
                }
                if exit.is_some() {
                    event.eof = true;
                    event.oneshot = true;
                    event.exit = exit;
                }
                Look::Fires(event, None)
            }
            Target::Signal {
                owner,
                signal,
                seen,
            } => {
                let Some(owner) = owner.upgrade() else {
                    return Look::Gone;
                };
                let Some(signal) = *signal else {
                    return Look::Quiet;
                };
                let posts = owner.signal_posts(signal);
                if posts == *seen {
                    return Look::Quiet;
                }
                event.data = i64::try_from(posts - *seen).unwrap_or(i64::MAX);
                Look::Fires(event, None)
            }
            Target::Timer {
                period,
                next,
                expired,
                ..
            } => {
                let now = crate::time::ticks();
                if let Some(due) = *next
                    && now >= due
                {
                    // Every period that ended since counts, as 4.x's callout re-armed
                    // from each expiry counts them.
                    let times = if self.oneshot {
                        1
                    } else {
                        1 + (now - due) / *period
                    };
                    *expired += times;
                    *next = (!self.oneshot).then(|| due + times * *period);
                }
                if *expired == 0 {
                    return Look::Quiet;
                }
                event.data = i64::try_from(*expired).unwrap_or(i64::MAX);
                Look::Fires(event, None)
            }
        }
    }

    /// The tick this note's timer is next due, if it is an enabled timer.
    fn due(&self) -> Option<u64> {
        match &self.target {
            Target::Timer { next, .. } if self.enabled => *next,
            _ => None,
        }
    }

    /// Forgets what was just reported (a `clear` note, and the counting filters).
    fn reported(&mut self, state: Option<(i64, bool, u32)>, event: &Event) {
        match &mut self.target {
            Target::File { reported, .. } => {
                if self.clear {
                    *reported = state;
                    self.pending = Changes::NONE;
                }
            }
            Target::Process { .. } => {
                self.pending = Changes::NONE;
                self.child_of = None;
            }
            Target::Signal { seen, .. } => {
                *seen += u64::try_from(event.data).unwrap_or(0);
            }
            Target::Timer { expired, .. } => *expired = 0,
        }
    }
}

/// How deep a question about a queue follows notes on other queues (a queue watching
/// a queue watching ...): each level costs a few kernel stack frames.
const MAX_NESTING: usize = 16;

/// An event queue: its notes, keyed by (ident, filter).
#[derive(Debug)]
pub struct EventQueue {
    notes: Mutex<BTreeMap<(u64, Filter), Note>>,
    /// The queue itself, for the processes whose forks its notes follow.
    me: Weak<EventQueue>,
}

/// A new event queue, as an open file: open for reading and writing, as 4.x's kqueue
/// makes it (F_GETFL says O_RDWR), though either transfer is refused.
pub fn new() -> Result<Arc<OpenFile>> {
    let queue = Arc::new_cyclic(|me| EventQueue {
        notes: Mutex::new(BTreeMap::new()),
        me: me.clone(),
    });
    OpenFile::new(queue, true, true)
}

impl EventQueue {
    /// Applies one change for `process` (whose descriptors the idents of read, write and
    /// vnode notes name, and whose signals signal notes count).
    pub fn apply(
        &self,
        process: &Arc<Process>,
        c: &Change,
    ) -> core::result::Result<(), ChangeError> {
        let filter = c.filter.ok_or(Error::InvalidArgument)?;
        // A descriptor note's descriptor must be open, whatever the change (4.x).
        let file = match filter {
            Filter::Read | Filter::Write | Filter::Vnode => {
                let fd = usize::try_from(c.ident).map_err(|_| Error::BadDescriptor)?;
                Some(process.file(fd)?)
            }
            Filter::Process | Filter::Signal | Filter::Timer => None,
        };
        self.update(c, filter, file, || match filter {
            Filter::Timer => {
                let slot = TimerSlot::take().ok_or(Error::OutOfMemory)?;
                let period = c.period_ticks.max(1);
                Ok(Target::Timer {
                    period,
                    next: Some(crate::time::ticks() + period),
                    expired: 0,
                    _slot: slot,
                })
            }
            Filter::Process => {
                let pid = u32::try_from(c.ident).map_err(|_| ChangeError::NoSuchProcess)?;
                let watched = crate::process::find(crate::process::Pid(pid))
                    .ok_or(ChangeError::NoSuchProcess)?;
                let (forks, execs) = watched.event_counts();
                Ok(Target::Process {
                    process: watched,
                    forks,
                    execs,
                })
            }
            _ => {
                let signal = c.signal;
                let seen = signal.map_or(0, |s| process.watch_signal(s));
                Ok(Target::Signal {
                    owner: Arc::downgrade(process),
                    signal,
                    seen,
                })
            }
        })
    }

    /// Whether the note (`ident`, `filter`) on `file` is registered: an EV_ADD of it
    /// then only updates the note, and attaches nothing.
    pub fn has_file_note(&self, ident: u64, filter: Filter, file: &OpenFile) -> bool {
        self.notes
            .lock()
            .get(&(ident, filter))
            .is_some_and(|n| matches!(&n.target, Target::File { id, .. } if *id == file.id()))
    }

    /// Applies a change to a read, write or vnode note on `file` (named `c.ident`).
    pub fn apply_to_file(
        &self,
        c: &Change,
        file: Arc<OpenFile>,
    ) -> core::result::Result<(), ChangeError> {
        let filter = c.filter.ok_or(Error::InvalidArgument)?;
        if matches!(filter, Filter::Process | Filter::Signal | Filter::Timer) {
            return Err(Error::InvalidArgument.into());
        }
        self.update(c, filter, Some(file), || Err(Error::InvalidArgument.into()))
    }

    /// Applies `c` to the note (`c.ident`, `filter`); a new note of a process or signal
    /// filter watches what `target` makes.
    fn update(
        &self,
        c: &Change,
        filter: Filter,
        file: Option<Arc<OpenFile>>,
        target: impl FnOnce() -> core::result::Result<Target, ChangeError>,
    ) -> core::result::Result<(), ChangeError> {
        let key = (c.ident, filter);
        let mut notes = self.notes.lock();
        // A note whose descriptor was closed since is gone already (4.x drops notes at
        // close; here the first look after it does).
        let stale = |n: &Note| matches!(&n.target, Target::File { id, .. } if file.as_ref().is_none_or(|f| f.id() != *id));
        if notes.get(&key).is_some_and(stale) {
            notes.remove(&key);
        }
        if !c.add {
            let note = notes.get_mut(&key).ok_or(Error::NotFound)?;
            if c.delete {
                notes.remove(&key);
                return Ok(());
            }
            switch(note, c);
            return Ok(());
        }
        if let Some(note) = notes.get_mut(&key) {
            if let Target::Process { process, .. } = &note.target
                && c.track
            {
                watch_forks(process, &self.me);
            }
            note.watch = c.watch;
            note.track = c.track;
            note.track_flags = c.track_flags;
            note.low_water = c.low_water;
            note.udata = c.udata;
            // A new period takes effect from the next expiry, as 4.x re-arms with it.
            if let Target::Timer { period, .. } = &mut note.target {
                *period = c.period_ticks.max(1);
            }
            switch(note, c);
            return Ok(());
        }
        if notes.len() >= MAX_NOTES || crate::mm::heap::under_pressure() {
            return Err(Error::OutOfMemory.into());
        }
        let target = match (filter, file) {
            (Filter::Vnode, Some(f)) if f.node().is_none() => {
                return Err(Error::InvalidArgument.into());
            }
            (_, Some(f)) => Target::File {
                file: Arc::downgrade(&f),
                id: f.id(),
                reported: None,
                marks: f.node().map(|n| Marks::of(n)).unwrap_or_default(),
            },
            _ => target()?,
        };
        let counted = matches!(filter, Filter::Process | Filter::Signal | Filter::Timer);
        let mut note = Note {
            filter,
            enabled: true,
            oneshot: c.oneshot,
            clear: c.clear || counted,
            watch: c.watch,
            track: c.track,
            track_flags: c.track_flags,
            child_of: None,
            low_water: c.low_water,
            flags: c.flags,
            udata: c.udata,
            target,
            pending: Changes::NONE,
        };
        if let Target::Process { process, .. } = &note.target
            && c.track
        {
            watch_forks(process, &self.me);
        }
        switch(&mut note, c);
        notes.insert(key, note);
        Ok(())
    }

    /// Makes `child`'s note if this queue follows `parent`'s forks (a process note on
    /// it with `track`, enabled or not, as 4.x's knote reaches disabled notes too):
    /// like the parent's (watching the same changes, following forks too, with its
    /// flag word and data) and reporting [`Changes::CHILD`] first. A note on the child
    /// there already is updated, as kqueue_register updates one, and reports no
    /// [`Changes::CHILD`]. No room for it is the parent note's
    /// [`Changes::TRACK_ERROR`]. False when the queue no longer follows `parent`.
    fn follow(&self, parent: &Arc<Process>, child: &Arc<Process>) -> bool {
        let mut notes = self.notes.lock();
        let parent_key = (u64::from(parent.pid.0), Filter::Process);
        let Some(parent_note) = notes.get_mut(&parent_key) else {
            return false;
        };
        let following = matches!(&parent_note.target,
            Target::Process { process, .. } if Arc::ptr_eq(process, parent));
        if !following || !parent_note.track {
            return following;
        }
        let (watch, flags, udata, oneshot) = (
            parent_note.watch,
            parent_note.track_flags,
            parent_note.udata,
            parent_note.oneshot,
        );
        let key = (u64::from(child.pid.0), Filter::Process);
        if let Some(note) = notes.get_mut(&key) {
            // kqueue_register takes the new fflags and udata, not the flag word.
            note.watch = watch;
            note.track = true;
            note.udata = udata;
        } else if notes.len() >= MAX_NOTES || crate::mm::heap::under_pressure() {
            if let Some(parent_note) = notes.get_mut(&parent_key) {
                parent_note.pending = parent_note.pending.union(Changes::TRACK_ERROR);
            }
            return true;
        } else {
            let (forks, execs) = child.event_counts();
            notes.insert(
                key,
                Note {
                    filter: Filter::Process,
                    enabled: true,
                    oneshot,
                    clear: true,
                    watch,
                    track: true,
                    track_flags: flags,
                    child_of: Some(parent.pid.0),
                    low_water: None,
                    flags,
                    udata,
                    target: Target::Process {
                        process: child.clone(),
                        forks,
                        execs,
                    },
                    pending: Changes::CHILD,
                },
            );
        }
        drop(notes);
        watch_forks(child, &self.me);
        true
    }

    /// Takes up to `max` events of enabled notes that fire now (a one-shot note goes
    /// with its report); `fds`: as in [`Note::look`].
    fn collect(&self, fds: Option<&Process>, max: usize) -> Vec<Event> {
        let mut out = Vec::new();
        let mut notes = self.notes.lock();
        let mut gone = Vec::new();
        for (&(ident, filter), note) in notes.iter_mut() {
            if out.len() >= max {
                break;
            }
            if !note.enabled {
                continue;
            }
            match note.look(ident, fds, 0) {
                Look::Gone => gone.push((ident, filter)),
                Look::Quiet => {}
                Look::Fires(event, state) => {
                    note.reported(state, &event);
                    if event.oneshot {
                        gone.push((ident, filter));
                    }
                    out.push(event);
                }
            }
        }
        for key in gone {
            notes.remove(&key);
        }
        out
    }

    /// Whether some enabled note would fire now, without taking its event (poll and
    /// select on the queue). A queue busy elsewhere, or being asked about itself
    /// through a note on its own descriptor, says no: the caller looks again.
    fn any_pending(&self) -> bool {
        self.any_pending_at(0)
    }

    /// [`EventQueue::any_pending`] asked through `depth` queues watching queues; past
    /// [`MAX_NESTING`] it says no (as a busy queue does).
    fn any_pending_at(&self, depth: usize) -> bool {
        if depth > MAX_NESTING {
            return false;
        }
        let Some(mut notes) = self.notes.try_lock() else {
            return false;
        };
        notes.iter_mut().any(|(&(ident, _), n)| {
            n.enabled && matches!(n.look(ident, None, depth), Look::Fires(..))
        })
    }

    /// How many enabled notes would fire now (BSD's kq_count, which fstat reports as
    /// the queue's size); 0 while the queue is busy elsewhere.
    pub fn pending_count(&self) -> usize {
        let Some(mut notes) = self.notes.try_lock() else {
            return 0;
        };
        notes
            .iter_mut()
            .filter_map(|(&(ident, _), n)| {
                (n.enabled && matches!(n.look(ident, None, 0), Look::Fires(..))).then_some(())
            })
            .count()
    }

    /// The open files the notes watch (for their wait queues), and the tick the first
    /// timer is due.
    fn watched(&self) -> (Vec<Arc<OpenFile>>, Option<u64>) {
        let notes = self.notes.lock();
        let files = notes
            .values()
            .filter_map(|n| match &n.target {
                Target::File { file, .. } => file.upgrade(),
                _ => None,
            })
            .collect();
        (files, notes.values().filter_map(Note::due).min())
    }

    /// Notes held now.
    pub fn len(&self) -> usize {
        self.notes.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until some note of `process`'s fires (up to `max` events), the timeout
    /// passes (no events) or a signal is pending for `process` (`Interrupted`).
    pub fn wait(
        &self,
        process: &Arc<Process>,
        max: usize,
        timeout: super::poll::Timeout,
    ) -> Result<Vec<Event>> {
        self.wait_with(Some(process), max, timeout, || {
            crate::process::signal_pending(process)
        })
    }

    /// [`EventQueue::wait`] for a caller that may have no descriptor table (`fds`) and
    /// says itself when a wait is interrupted.
    pub fn wait_with(
        &self,
        fds: Option<&Process>,
        max: usize,
        timeout: super::poll::Timeout,
        interrupted: impl Fn() -> bool,
    ) -> Result<Vec<Event>> {
        let deadline = timeout.deadline();
        let may_block = timeout.may_block();
        loop {
            let events = self.collect(fds, max);
            if !events.is_empty() || !may_block || max == 0 {
                return Ok(events);
            }
            if interrupted() {
                return Err(Error::Interrupted);
            }
            let tick = crate::time::ticks();
            if deadline.is_some_and(|d| tick >= d) {
                return Ok(events);
            }
            let (files, timer) = self.watched();
            let watched: Vec<&OpenFile> = files.iter().map(|f| &**f).collect();
            let wake = match (deadline, timer) {
                (Some(d), Some(t)) => Some(d.min(t)),
                (d, t) => d.or(t),
            };
            super::poll::wait_on(&watched, tick, wake);
        }
    }
}

/// Tells the queues following `parent`'s forks (BSD's NOTE_TRACK) of `child`, which
/// the fork has just made and which has not run yet: each makes the child's note then,
/// as 4.x's filt_proc registers it from inside fork1, so nothing the child does is
/// missed. Queues gone, or no longer following, are dropped from the parent's list.
pub(crate) fn forked(parent: &Arc<Process>, child: &Arc<Process>) {
    let watchers = core::mem::take(&mut *parent.fork_watchers.lock());
    if watchers.is_empty() {
        return;
    }
    let mut kept = Vec::new();
    for weak in watchers {
        if let Some(queue) = weak.upgrade()
            && queue.follow(parent, child)
        {
            kept.push(weak);
        }
    }
    let mut list = parent.fork_watchers.lock();
    kept.append(&mut list);
    *list = kept;
}

/// Adds `queue` to the queues `process`'s forks are reported to (once).
fn watch_forks(process: &Process, queue: &Weak<EventQueue>) {
    let mut list = process.fork_watchers.lock();
    if !list.iter().any(|w| w.ptr_eq(queue)) && list.try_reserve(1).is_ok() {
        list.push(queue.clone());
    }
}

/// Enables or disables a note as the change asks (disable first, as 4.x does).
fn switch(note: &mut Note, c: &Change) {
    if c.disable {
        note.enabled = false;
    }
    if c.enable {
        note.enabled = true;
    }
}

impl FileOps for EventQueue {
    fn kind(&self) -> FileKind {
        FileKind::EventQueue
    }
    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Err(Error::NoDevice)
    }
    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(Error::NoDevice)
    }
    fn poll(&self) -> Readiness {
        Readiness {
            read: self.any_pending(),
            write: false,
            hangup: false,
            urgent: false,
        }
    }
    fn event_queue(&self) -> Option<&EventQueue> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_marks_name_what_changed() {
        let base = Marks {
            modify: 1,
            change: 1,
            rename: 0,
            links: 1,
            size: 10,
        };
        assert_eq!(base.since(base), Changes::NONE);
        let grown = Marks {
            modify: 2,
            size: 20,
            ..base
        };
        assert_eq!(base.since(grown), Changes::WRITE.union(Changes::EXTEND));
        let shrunk = Marks {
            modify: 2,
            size: 0,
            ..base
        };
        assert_eq!(base.since(shrunk), Changes::WRITE);
        let unlinked = Marks { links: 0, ..base };
        assert_eq!(base.since(unlinked), Changes::DELETE);
        let linked = Marks {
            links: 2,
            change: 2,
            ..base
        };
        assert_eq!(base.since(linked), Changes::LINK.union(Changes::ATTRIB));
        let renamed = Marks { rename: 1, ..base };
        assert_eq!(base.since(renamed), Changes::RENAME);
    }

    #[test]
    fn change_sets_combine() {
        let c = Changes::DELETE.union(Changes::RENAME);
        assert!(c.contains(Changes::DELETE) && !c.contains(Changes::WRITE));
        assert_eq!(c.intersection(Changes::RENAME), Changes::RENAME);
        assert!(Changes::NONE.is_empty());
    }
}
