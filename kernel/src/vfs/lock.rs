//! Advisory locks, in neutral terms: whole-file locks owned by an open file (flock,
//! shared by dup and fork, released when the open file's last descriptor closes), and
//! byte-range locks owned by a process (POSIX fcntl locks, all of which a process loses
//! on a file when it closes any descriptor of it, and everywhere when it exits).
//!
//! Locks are keyed by the node (device, inode number). Nothing here enforces them: they
//! only constrain other lockers.

use super::Inode;
use crate::error::{Error, Result};
use crate::sched::{self, WaitQueue};
use crate::sync::Mutex;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// A node, as locks name it: (device, inode number).
pub type FileKey = (u64, u64);

/// The key of `node`.
pub fn key(node: &Inode) -> FileKey {
    (node.device, node.number)
}

/// Shared (read) or exclusive (write).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    Shared,
    Exclusive,
}

/// A process's lock on bytes `start..end` of a file (`end` = `u64::MAX`: to the end of
/// the file, however far it grows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeLock {
    pub owner: u32,
    pub kind: LockKind,
    pub start: u64,
    pub end: u64,
}

/// The end of a lock that runs to the end of the file.
pub const TO_EOF: u64 = u64::MAX;

/// How often a blocked locker looks for pending signals, in ticks.
const SIGNAL_CHECK_TICKS: u64 = 5;

#[derive(Default)]
struct Table {
    ranges: BTreeMap<FileKey, Vec<RangeLock>>,
    /// Whole-file locks: (open file id, kind).
    flocks: BTreeMap<FileKey, Vec<(u64, LockKind)>>,
    /// What each blocked process waits for (deadlock detection).
    waiting: BTreeMap<u32, (FileKey, RangeLock)>,
    /// Threads blocked on `CHANGED` now.
    sleepers: usize,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);
/// Woken whenever a lock goes away.
static CHANGED: WaitQueue = WaitQueue::new();

fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    f(TABLE.lock().get_or_insert_with(Table::default))
}

/// The byte range `start..end` of a request counted from `base` (the start, the offset
/// or the size of the file): `len` > 0 covers `len` bytes from there, 0 runs to the end
/// of the file, < 0 covers the `-len` bytes before.
pub fn range(base: u64, start: i64, len: i64) -> Result<(u64, u64)> {
    let from = i128::from(base) + i128::from(start);
    let (from, to) = match len {
        0 => (from, None),
        l if l > 0 => (from, Some(from + i128::from(l))),
        l => (from + i128::from(l), Some(from)),
    };
    if from < 0 || from > i128::from(i64::MAX) {
        return Err(Error::InvalidArgument);
    }
    let to = match to {
        None => TO_EOF,
        Some(t) if t > i128::from(i64::MAX) + 1 => return Err(Error::InvalidArgument),
        Some(t) => t as u64,
    };
    Ok((from as u64, to))
}

fn overlaps(a: &RangeLock, start: u64, end: u64) -> bool {
    a.start < end && start < a.end
}

/// Whether `req` cannot be granted because of `l`.
fn conflicts(l: &RangeLock, req: &RangeLock) -> bool {
    l.owner != req.owner
        && overlaps(l, req.start, req.end)
        && (l.kind == LockKind::Exclusive || req.kind == LockKind::Exclusive)
}

/// The first lock in `locks` that stands in the way of `req`.
pub fn first_conflict(locks: &[RangeLock], req: &RangeLock) -> Option<RangeLock> {
    locks.iter().find(|l| conflicts(l, req)).copied()
}

/// Removes `owner`'s locks on `start..end`, splitting those that stick out of it.
pub fn unlock_range(locks: &mut Vec<RangeLock>, owner: u32, start: u64, end: u64) {
    let mut kept = Vec::with_capacity(locks.len() + 1);
    for l in locks.drain(..) {
        if l.owner != owner || !overlaps(&l, start, end) {
            kept.push(l);
            continue;
        }
        if l.start < start {
            kept.push(RangeLock { end: start, ..l });
        }
        if l.end > end {
            kept.push(RangeLock { start: end, ..l });
        }
    }
    *locks = kept;
}

/// Grants `req` (conflicts must have been checked): replaces what its owner held on
/// the range and merges it with the owner's adjacent locks of the same kind.
pub fn grant(locks: &mut Vec<RangeLock>, req: RangeLock) {
    unlock_range(locks, req.owner, req.start, req.end);
    let mut merged = req;
    locks.retain(|l| {
        let touches = l.owner == req.owner
            && l.kind == req.kind
            && l.start <= merged.end
            && merged.start <= l.end;
        if touches {
            merged.start = merged.start.min(l.start);
            merged.end = merged.end.max(l.end);
        }
        !touches
    });
    locks.push(merged);
    locks.sort_by_key(|l| (l.start, l.owner));
}

/// The lock that would stop `req` now (F_GETLK), if any.
pub fn test_range(file: FileKey, req: RangeLock) -> Option<RangeLock> {
    with(|t| {
        t.ranges
            .get(&file)
            .and_then(|locks| first_conflict(locks, &req))
    })
}

/// Whether `me`, blocked by `blockers`, waits (through other waiting owners) on itself.
fn would_deadlock(t: &Table, me: u32, blockers: Vec<u32>) -> bool {
    let mut stack = blockers;
    let mut seen = BTreeSet::new();
    while let Some(o) = stack.pop() {
        if o == me {
            return true;
        }
        if !seen.insert(o) {
            continue;
        }
        if let Some((file, req)) = t.waiting.get(&o)
            && let Some(locks) = t.ranges.get(file)
        {
            stack.extend(locks.iter().filter(|l| conflicts(l, req)).map(|l| l.owner));
        }
    }
    false
}

/// Wakes blocked lockers (only when some exist: the tests run without a scheduler).
fn wake(t: &Table) -> bool {
    t.sleepers > 0
}

/// Blocks until a lock goes away (or a while passes, to look for signals again).
fn sleep() {
    let until = crate::time::ticks() + SIGNAL_CHECK_TICKS;
    let _waiting = sched::waiting_for("lockf");
    sched::wait_any(&[&CHANGED], Some(until));
}

/// Runs `attempt` until it grants the lock (`Ok(woke)`: whether others may now go on),
/// fails, or, having said `Busy`, the caller is interrupted while it sleeps between
/// attempts; `leave` undoes what a busy attempt registered for deadlock detection.
fn acquire(
    mut attempt: impl FnMut(&mut Table) -> Result<bool>,
    leave: impl Fn(&mut Table),
    interrupted: impl Fn() -> bool,
) -> Result<()> {
    loop {
        let outcome = with(|t| {
            let outcome = attempt(t);
            if outcome == Err(Error::Busy) {
                t.sleepers += 1;
            }
            outcome
        });
        match outcome {
            Ok(woke) => {
                if woke {
                    CHANGED.wake_all();
                }
                return Ok(());
            }
            Err(Error::Busy) => {
                if !interrupted() {
                    sleep();
                }
                with(|t| {
                    t.sleepers -= 1;
                    leave(t);
                });
                if interrupted() {
                    return Err(Error::Interrupted);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Takes (or, with `kind` None, releases) `owner`'s lock on `start..end` of `file`.
/// A conflict is `WouldBlock` unless `wait`: then it blocks until the lock can be had,
/// `interrupted()` holds (`Interrupted`), or waiting would deadlock (`Deadlock`).
pub fn set_range(
    file: FileKey,
    owner: u32,
    kind: Option<LockKind>,
    start: u64,
    end: u64,
    wait: bool,
    interrupted: impl Fn() -> bool,
) -> Result<()> {
    let Some(kind) = kind else {
        let woke = with(|t| {
            if let Some(locks) = t.ranges.get_mut(&file) {
                unlock_range(locks, owner, start, end);
                if locks.is_empty() {
                    t.ranges.remove(&file);
                }
            }
            wake(t)
        });
        if woke {
            CHANGED.wake_all();
        }
        return Ok(());
    };
    let req = RangeLock {
        owner,
        kind,
        start,
        end,
    };
    acquire(
        |t| {
            t.waiting.remove(&owner);
            let locks = t.ranges.entry(file).or_default();
            let blockers: Vec<u32> = locks
                .iter()
                .filter(|l| conflicts(l, &req))
                .map(|l| l.owner)
                .collect();
            if blockers.is_empty() {
                grant(locks, req);
                // Downgrading or splitting may let others in.
                return Ok(wake(t));
            }
            if !wait {
                return Err(Error::WouldBlock);
            }
            if would_deadlock(t, owner, blockers) {
                return Err(Error::Deadlock);
            }
            t.waiting.insert(owner, (file, req));
            Err(Error::Busy)
        },
        |t| {
            t.waiting.remove(&owner);
        },
        interrupted,
    )
}

/// Drops every range lock `owner` holds on `file` (it closed a descriptor of it).
pub fn release_owner_on(file: FileKey, owner: u32) {
    set_range(file, owner, None, 0, TO_EOF, false, || false).ok();
}

/// Drops every range lock `owner` holds (it exited).
pub fn release_owner(owner: u32) {
    let woke = with(|t| {
        for locks in t.ranges.values_mut() {
            locks.retain(|l| l.owner != owner);
        }
        t.ranges.retain(|_, locks| !locks.is_empty());
        t.waiting.remove(&owner);
        wake(t)
    });
    if woke {
        CHANGED.wake_all();
    }
}

/// Takes (or, with `kind` None, releases) the whole-file lock of open file `id`. A
/// conflict is `WouldBlock` with `nonblock`, else it waits (see [`set_range`]).
pub fn flock(
    file: FileKey,
    id: u64,
    kind: Option<LockKind>,
    nonblock: bool,
    interrupted: impl Fn() -> bool,
) -> Result<()> {
    let Some(kind) = kind else {
        release_open_file(file, id);
        return Ok(());
    };
    acquire(
        |t| {
            let holders = t.flocks.entry(file).or_default();
            let blocked = holders.iter().any(|&(other, k)| {
                other != id && (k == LockKind::Exclusive || kind == LockKind::Exclusive)
            });
            if !blocked {
                let was_exclusive = holders
                    .iter()
                    .any(|&(other, k)| other == id && k == LockKind::Exclusive);
                holders.retain(|&(other, _)| other != id);
                holders.push((id, kind));
                return Ok(was_exclusive && wake(t));
            }
            if nonblock {
                return Err(Error::WouldBlock);
            }
            Err(Error::Busy)
        },
        |_| {},
        interrupted,
    )
}

/// Drops the whole-file lock of open file `id` (unlocked, or its last descriptor closed).
pub fn release_open_file(file: FileKey, id: u64) {
    let woke = with(|t| {
        let Some(holders) = t.flocks.get_mut(&file) else {
            return false;
        };
        let before = holders.len();
        holders.retain(|&(other, _)| other != id);
        let changed = holders.len() != before;
        if holders.is_empty() {
            t.flocks.remove(&file);
        }
        changed && wake(t)
    });
    if woke {
        CHANGED.wake_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lk(owner: u32, kind: LockKind, start: u64, end: u64) -> RangeLock {
        RangeLock {
            owner,
            kind,
            start,
            end,
        }
    }
    use LockKind::{Exclusive as W, Shared as R};

    #[test]
    fn ranges_from_start_and_length() {
        assert_eq!(range(0, 10, 5), Ok((10, 15)));
        assert_eq!(range(100, 0, 0), Ok((100, TO_EOF)));
        assert_eq!(range(100, -10, -5), Ok((85, 90)));
        assert_eq!(range(0, 0, -1), Err(Error::InvalidArgument));
        assert_eq!(range(5, -6, 1), Err(Error::InvalidArgument));
    }

    #[test]
    fn unlocking_the_middle_splits_a_lock() {
        let mut locks = Vec::new();
        grant(&mut locks, lk(1, W, 0, 100));
        unlock_range(&mut locks, 1, 40, 60);
        assert_eq!(locks, [lk(1, W, 0, 40), lk(1, W, 60, 100)]);
        // Another owner's unlock touches nothing.
        unlock_range(&mut locks, 2, 0, TO_EOF);
        assert_eq!(locks.len(), 2);
        unlock_range(&mut locks, 1, 30, 70);
        assert_eq!(locks, [lk(1, W, 0, 30), lk(1, W, 70, 100)]);
    }

    #[test]
    fn granting_replaces_and_merges_own_locks() {
        let mut locks = Vec::new();
        grant(&mut locks, lk(1, R, 0, 10));
        grant(&mut locks, lk(1, R, 10, 20));
        assert_eq!(locks, [lk(1, R, 0, 20)]);
        // A write lock in the middle turns that part exclusive.
        grant(&mut locks, lk(1, W, 5, 15));
        assert_eq!(locks, [lk(1, R, 0, 5), lk(1, W, 5, 15), lk(1, R, 15, 20)]);
    }

    #[test]
    fn conflicts_need_another_owner_an_overlap_and_a_writer() {
        let mut locks = Vec::new();
        grant(&mut locks, lk(1, R, 0, 10));
        grant(&mut locks, lk(2, R, 5, 15));
        assert_eq!(first_conflict(&locks, &lk(3, R, 0, TO_EOF)), None);
        assert_eq!(
            first_conflict(&locks, &lk(3, W, 12, 13)),
            Some(lk(2, R, 5, 15))
        );
        assert_eq!(first_conflict(&locks, &lk(3, W, 15, 20)), None);
        assert_eq!(first_conflict(&locks, &lk(1, W, 0, 5)), None);
    }

    #[test]
    fn the_table_refuses_conflicts_and_finds_deadlocks() {
        let file = (99, 1);
        let never = || false;
        set_range(file, 10, Some(W), 0, 10, false, never).unwrap();
        assert_eq!(
            set_range(file, 11, Some(R), 5, 6, false, never),
            Err(Error::WouldBlock)
        );
        assert_eq!(test_range(file, lk(11, R, 5, 6)), Some(lk(10, W, 0, 10)));
        set_range(file, 11, Some(W), 20, 30, false, never).unwrap();
        // 11 waits for 10; then 10 asking for 11's range would wait on itself.
        with(|t| t.waiting.insert(11, (file, lk(11, W, 0, 10))));
        assert_eq!(
            set_range(file, 10, Some(W), 25, 26, true, never),
            Err(Error::Deadlock)
        );
        with(|t| t.waiting.remove(&11));
        release_owner_on(file, 10);
        set_range(file, 11, Some(R), 5, 6, false, never).unwrap();
        release_owner(11);
        assert_eq!(test_range(file, lk(12, W, 0, TO_EOF)), None);
    }

    #[test]
    fn flock_shares_or_excludes() {
        let file = (99, 2);
        let never = || false;
        flock(file, 1, Some(R), true, never).unwrap();
        flock(file, 2, Some(R), true, never).unwrap();
        assert_eq!(flock(file, 3, Some(W), true, never), Err(Error::WouldBlock));
        release_open_file(file, 1);
        flock(file, 2, None, true, never).unwrap();
        flock(file, 3, Some(W), true, never).unwrap();
        assert_eq!(flock(file, 1, Some(R), true, never), Err(Error::WouldBlock));
        release_open_file(file, 3);
        flock(file, 1, Some(R), true, never).unwrap();
    }
}
