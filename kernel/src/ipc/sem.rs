//! System V semaphores: the system-wide table of semaphore sets, semop with its
//! all-or-nothing operations and interruptible sleeps, and each process's undo
//! adjustments, applied when it exits.

use super::{Access, Perm, check, claim_slot, id_of, now, slot_of};
use crate::error::Error;
use crate::process::{self, Task};
use crate::sched::WaitQueue;
use crate::sync::Mutex;
use crate::vfs::Credentials;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// System-wide bounds (4.x's defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sets in the system (semmni).
    pub max_ids: usize,
    /// Semaphores in all sets (semmns).
    pub max_sems: usize,
    /// Semaphores in one set (semmsl).
    pub per_set: usize,
    /// Operations in one semop (MAX_SOPS).
    pub max_ops: usize,
    /// Processes with undo adjustments (semmnu), and adjustments each (semume).
    pub undo_procs: usize,
    pub undo_per_proc: usize,
}

pub const LIMITS: Limits = Limits {
    max_ids: 10,
    max_sems: 60,
    per_set: 60,
    max_ops: 5,
    undo_procs: 30,
    undo_per_proc: 10,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sem {
    value: u16,
    /// The last process that operated on it.
    pid: u32,
    /// Processes waiting for it to grow, and for it to be zero.
    waiting_more: u16,
    waiting_zero: u16,
}

struct Set {
    key: Option<i64>,
    perm: Perm,
    seq: u16,
    sems: Vec<Sem>,
    op_time: u64,
    change_time: u64,
}

/// One process's pending adjustment of one semaphore, undone at its exit.
#[derive(Clone, Copy, Debug)]
struct Undo {
    slot: usize,
    seq: u16,
    num: u16,
    /// A 16-bit sum that wraps, as 4.x's `short un_adjval`: semop's positive
    /// deltas never fail, so a sum without a bound is the caller's to overflow.
    adjust: i16,
}

struct Table {
    slots: Vec<Option<Set>>,
    seqs: Vec<u16>,
    /// Semaphores in all sets.
    total: usize,
    undo: BTreeMap<u32, Vec<Undo>>,
    /// Counts every change sleepers may wait for.
    changes: u64,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    seqs: Vec::new(),
    total: 0,
    undo: BTreeMap::new(),
    changes: 0,
});

/// Sleepers in semop, woken by every change of any set.
static WAITERS: WaitQueue = WaitQueue::new();

impl Table {
    fn find(&mut self, id: u32) -> Result<&mut Set, Error> {
        match self.slots.get_mut(slot_of(id)) {
            Some(Some(set)) if u32::from(set.seq) == id >> 16 => Ok(set),
            _ => Err(Error::InvalidArgument),
        }
    }

    fn exists(&self, id: u32) -> bool {
        matches!(self.slots.get(slot_of(id)), Some(Some(set)) if u32::from(set.seq) == id >> 16)
    }

    /// Forgets undo entries of set `slot` (all of its semaphores, or one).
    fn clear_undo(&mut self, slot: usize, num: Option<u16>) {
        for entries in self.undo.values_mut() {
            entries.retain(|u| u.slot != slot || num.is_some_and(|n| n != u.num));
        }
        self.undo.retain(|_, entries| !entries.is_empty());
    }

    fn changed(&mut self) {
        self.changes = self.changes.wrapping_add(1);
    }
}

/// What semget asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetRequest {
    /// `None`: a new private set.
    pub key: Option<i64>,
    pub count: i64,
    pub create: bool,
    pub exclusive: bool,
    pub mode: u16,
}

/// semget: a lookup checks the owner-position bits of the mode it was given (4.x's
/// `semflg & 0700`) and a count no larger than the set's, then IPC_EXCL; a creation
/// needs 1..=per_set semaphores, room in the system's total and a free id (both
/// `NoSpace`).
pub fn get(creds: &Credentials, req: GetRequest) -> Result<u32, Error> {
    let mut table = TABLE.lock();
    if let Some(key) = req.key {
        let found = table
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|set| set.key == Some(key)));
        if let Some(Some(set)) = found.and_then(|slot| table.slots.get(slot)) {
            check(&set.perm, creds, Access::Bits(req.mode & 0o700))?;
            if req.count > 0 && set.sems.len() < req.count as usize {
                return Err(Error::InvalidArgument);
            }
            if req.create && req.exclusive {
                return Err(Error::Exists);
            }
            return Ok(id_of(found.unwrap_or_default(), set.seq));
        }
        if !req.create {
            return Err(Error::NotFound);
        }
    }
    let count = usize::try_from(req.count)
        .ok()
        .filter(|c| (1..=LIMITS.per_set).contains(c))
        .ok_or(Error::InvalidArgument)?;
    if count > LIMITS.max_sems - table.total {
        return Err(Error::NoSpace);
    }
    let mut sems = Vec::new();
    sems.try_reserve_exact(count)
        .map_err(|_| Error::OutOfMemory)?;
    sems.resize(count, Sem::default());
    let table = &mut *table;
    let (slot, seq) = claim_slot(&mut table.slots, &mut table.seqs, LIMITS.max_ids)?;
    table.total += count;
    table.slots[slot] = Some(Set {
        key: req.key,
        perm: Perm::new(creds, req.mode),
        seq,
        sems,
        op_time: 0,
        change_time: now(),
    });
    Ok(id_of(slot, seq))
}

/// A set as `IPC_STAT` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetInfo {
    pub key: Option<i64>,
    pub perm: Perm,
    pub seq: u16,
    pub count: u16,
    pub op_time: u64,
    pub change_time: u64,
}

/// Checks `access` to set `id`; gives its number of semaphores.
pub fn access(creds: &Credentials, id: u32, access: Access) -> Result<usize, Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, access)?;
    Ok(set.sems.len())
}

/// IPC_STAT: needs read access.
pub fn stat(creds: &Credentials, id: u32) -> Result<SetInfo, Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, Access::READ)?;
    Ok(set.info())
}

/// Every set by its slot (an id's low 16 bits), with no access check: the system's
/// table as a kernel-memory reader (4.x's ipcs) sees it.
pub fn all() -> Vec<(usize, SetInfo)> {
    super::listed(&TABLE.lock().slots, Set::info)
}

impl Set {
    fn info(&self) -> SetInfo {
        SetInfo {
            key: self.key,
            perm: self.perm,
            seq: self.seq,
            count: self.sems.len() as u16,
            op_time: self.op_time,
            change_time: self.change_time,
        }
    }
}

/// IPC_SET: owner, group, permission bits; the owner, creator or root only.
pub fn set(creds: &Credentials, id: u32, uid: u32, gid: u32, mode: u16) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, Access::Owner)?;
    set.perm.uid = uid;
    set.perm.gid = gid;
    set.perm.mode = mode & 0o777;
    set.change_time = now();
    Ok(())
}

/// IPC_RMID: at once; sleepers in semop wake to find it gone.
pub fn remove(creds: &Credentials, id: u32) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, Access::Owner)?;
    let slot = slot_of(id);
    let count = table.slots[slot].take().map_or(0, |s| s.sems.len());
    table.total -= count;
    table.clear_undo(slot, None);
    table.changed();
    drop(table);
    WAITERS.wake_all();
    Ok(())
}

/// One semaphore's field, as GETVAL, GETPID, GETNCNT and GETZCNT read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Value,
    Pid,
    WaitingMore,
    WaitingZero,
}

/// Reads one semaphore's field: read access, then a semaphore number in the set.
pub fn field(creds: &Credentials, id: u32, num: i64, field: Field) -> Result<u32, Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, Access::READ)?;
    let sem = usize::try_from(num)
        .ok()
        .and_then(|n| set.sems.get(n))
        .ok_or(Error::InvalidArgument)?;
    Ok(match field {
        Field::Value => sem.value.into(),
        Field::Pid => sem.pid,
        Field::WaitingMore => sem.waiting_more.into(),
        Field::WaitingZero => sem.waiting_zero.into(),
    })
}

/// GETALL: every value (read access).
pub fn values(creds: &Credentials, id: u32) -> Result<Vec<u16>, Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, Access::READ)?;
    let mut out = Vec::new();
    out.try_reserve_exact(set.sems.len())
        .map_err(|_| Error::OutOfMemory)?;
    out.extend(set.sems.iter().map(|s| s.value));
    Ok(out)
}

/// SETVAL (`Some(num)`, one value) or SETALL (`None`, one value per semaphore, extra
/// ones ignored): write access; the undo adjustments of what changed are forgotten and
/// sleepers look again.
pub fn set_values(
    creds: &Credentials,
    id: u32,
    num: Option<i64>,
    values: &[u16],
) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let set = table.find(id)?;
    check(&set.perm, creds, Access::Bits(0o200))?;
    let slot = slot_of(id);
    match num {
        Some(num) => {
            let n = usize::try_from(num)
                .ok()
                .filter(|&n| n < set.sems.len())
                .ok_or(Error::InvalidArgument)?;
            set.sems[n].value = values.first().copied().unwrap_or(0);
            table.clear_undo(slot, Some(n as u16));
        }
        None => {
            for (sem, &v) in set.sems.iter_mut().zip(values) {
                sem.value = v;
            }
            table.clear_undo(slot, None);
        }
    }
    table.changed();
    drop(table);
    WAITERS.wake_all();
    Ok(())
}

/// One semop operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub num: u16,
    /// Add it (positive), wait until the value allows taking it (negative), or wait
    /// for zero (0).
    pub delta: i16,
    /// Fail (`WouldBlock`) instead of sleeping.
    pub no_wait: bool,
    /// Record the opposite adjustment, applied when the process exits.
    pub undo: bool,
}

/// Why semop failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpError {
    Error(Error),
    /// The set was removed while the caller slept (EIDRM).
    Removed,
}

impl From<Error> for OpError {
    fn from(e: Error) -> Self {
        OpError::Error(e)
    }
}

/// The values after `ops`, or the index of the first that must wait.
fn try_ops(sems: &[Sem], ops: &[Op]) -> Result<Vec<u16>, usize> {
    let mut values: Vec<u16> = sems.iter().map(|s| s.value).collect();
    for (i, op) in ops.iter().enumerate() {
        let v = &mut values[usize::from(op.num)];
        let next = i32::from(*v) + i32::from(op.delta);
        if (op.delta < 0 && next < 0) || (op.delta == 0 && *v > 0) {
            return Err(i);
        }
        // 4.x keeps values in an unsigned short.
        *v = next as u16;
    }
    Ok(values)
}

/// The caller's undo list with `ops`' adjustments added, or the limit it passes:
/// `InvalidArgument` past the entries a process may have, `NoSpace` past the
/// processes that may have some.
fn adjusted(
    table: &Table,
    pid: u32,
    slot: usize,
    seq: u16,
    ops: &[Op],
) -> Result<Option<Vec<Undo>>, Error> {
    if !ops.iter().any(|o| o.undo && o.delta != 0) {
        return Ok(None);
    }
    if !table.undo.contains_key(&pid) && table.undo.len() >= LIMITS.undo_procs {
        return Err(Error::NoSpace);
    }
    let mut list = table.undo.get(&pid).cloned().unwrap_or_default();
    for op in ops.iter().filter(|o| o.undo && o.delta != 0) {
        // 4.x stores `-sem_op` into the short: -(-32768) is -32768 again.
        let adjust = op.delta.wrapping_neg();
        let full = list.len() >= LIMITS.undo_per_proc;
        match list
            .iter_mut()
            .find(|u| u.slot == slot && u.seq == seq && u.num == op.num)
        {
            Some(u) => u.adjust = u.adjust.wrapping_add(adjust),
            None if full => return Err(Error::InvalidArgument),
            None => list.push(Undo {
                slot,
                seq,
                num: op.num,
                adjust,
            }),
        }
        list.retain(|u| u.adjust != 0);
    }
    Ok(Some(list))
}

/// How semop sleeps: until the condition holds, `Err` when a signal ends the sleep.
type Sleep<'a> = &'a dyn Fn(&dyn Fn() -> bool) -> Result<(), ()>;

/// semop for process `pid`: all operations at once or none; a semaphore number past
/// the set is `FileTooBig` (4.x's EFBIG). Until they can all be done the caller
/// sleeps (counted in the semaphore's waiters), unless the operation that must wait
/// says `no_wait`; `sleep` sleeps until `ready()` and reports a signal as `Err`.
fn op_with(pid: u32, id: u32, ops: &[Op], sleep: Sleep<'_>) -> Result<(), OpError> {
    let slot = slot_of(id);
    loop {
        let (waiting_on, seen) = {
            let mut table = TABLE.lock();
            let set = table.find(id)?;
            if ops.iter().any(|o| usize::from(o.num) >= set.sems.len()) {
                return Err(Error::FileTooBig.into());
            }
            match try_ops(&set.sems, ops) {
                Ok(values) => {
                    let seq = set.seq;
                    let undo = adjusted(&table, pid, slot, seq, ops)?;
                    let Ok(set) = table.find(id) else {
                        return Err(Error::InvalidArgument.into());
                    };
                    for (sem, v) in set.sems.iter_mut().zip(values) {
                        sem.value = v;
                    }
                    for op in ops {
                        set.sems[usize::from(op.num)].pid = pid;
                    }
                    set.op_time = now();
                    match undo {
                        Some(list) if list.is_empty() => {
                            table.undo.remove(&pid);
                        }
                        Some(list) => {
                            table.undo.insert(pid, list);
                        }
                        None => {}
                    }
                    table.changed();
                    drop(table);
                    WAITERS.wake_all();
                    return Ok(());
                }
                Err(i) => {
                    let op = ops[i];
                    if op.no_wait {
                        return Err(Error::WouldBlock.into());
                    }
                    let sem = &mut set.sems[usize::from(op.num)];
                    if op.delta == 0 {
                        sem.waiting_zero = sem.waiting_zero.saturating_add(1);
                    } else {
                        sem.waiting_more = sem.waiting_more.saturating_add(1);
                    }
                    (op, table.changes)
                }
            }
        };
        let slept = sleep(&|| {
            let table = TABLE.lock();
            table.changes != seen || !table.exists(id)
        });
        let mut table = TABLE.lock();
        let Ok(set) = table.find(id) else {
            return Err(OpError::Removed);
        };
        if let Some(sem) = set.sems.get_mut(usize::from(waiting_on.num)) {
            if waiting_on.delta == 0 {
                sem.waiting_zero = sem.waiting_zero.saturating_sub(1);
            } else {
                sem.waiting_more = sem.waiting_more.saturating_sub(1);
            }
        }
        if slept.is_err() {
            return Err(Error::Interrupted.into());
        }
    }
}

/// semop for the calling process (a signal ends its sleep: `Interrupted`).
pub fn op(task: &Task, id: u32, ops: &[Op]) -> Result<(), OpError> {
    op_with(task.process.pid.0, id, ops, &|ready| {
        let _waiting = crate::sched::waiting_for("semwait");
        process::sleep_interruptible(&WAITERS, ready).map_err(|_| ())
    })
}

/// A process ends: its undo adjustments are applied (a value never goes below 0).
pub fn exit(pid: u32) {
    let mut table = TABLE.lock();
    let Some(list) = table.undo.remove(&pid) else {
        return;
    };
    for u in list {
        if let Some(Some(set)) = table.slots.get_mut(u.slot)
            && set.seq == u.seq
            && let Some(sem) = set.sems.get_mut(usize::from(u.num))
        {
            sem.value = (i32::from(sem.value) + i32::from(u.adjust)).max(0) as u16;
            sem.pid = pid;
        }
    }
    table.changed();
    drop(table);
    WAITERS.wake_all();
}

/// Removes every set (the system is going down); returns how many there were.
pub fn remove_all() -> usize {
    let mut table = TABLE.lock();
    let count = table.slots.iter().filter(|s| s.is_some()).count();
    table.slots.iter_mut().for_each(|s| *s = None);
    table.total = 0;
    table.undo.clear();
    count
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert_eq, kfail, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(operations_all_or_nothing),
    ktest!(undo_applied_at_exit),
];

macro_rules! ktry {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => kfail!("{} failed: {e:?}", stringify!($e)),
        }
    };
}

fn private(count: i64) -> GetRequest {
    GetRequest {
        key: None,
        count,
        create: true,
        exclusive: false,
        mode: 0o600,
    }
}

fn never_sleep(_: &dyn Fn() -> bool) -> Result<(), ()> {
    Err(())
}

fn op_of(num: u16, delta: i16, no_wait: bool, undo: bool) -> Op {
    Op {
        num,
        delta,
        no_wait,
        undo,
    }
}

fn operations_all_or_nothing() -> TestResult {
    let root = Credentials::root();
    let id = ktry!(get(&root, private(2)));
    kassert_eq!(ktry!(set_values(&root, id, None, &[1, 0])), ());
    // The second operation would block: neither happens.
    let ops = [op_of(0, -1, true, false), op_of(1, -1, true, false)];
    kassert_eq!(
        op_with(9, id, &ops, &never_sleep),
        Err(OpError::Error(Error::WouldBlock))
    );
    kassert_eq!(ktry!(values(&root, id)), alloc::vec![1, 0]);
    // A sleep a signal ends leaves no waiter counted.
    kassert_eq!(
        op_with(9, id, &[op_of(1, -1, false, false)], &never_sleep),
        Err(OpError::Error(Error::Interrupted))
    );
    kassert_eq!(ktry!(field(&root, id, 1, Field::WaitingMore)), 0);
    let ops = [
        op_of(1, 2, false, false),
        op_of(0, -1, false, false),
        op_of(1, -1, false, false),
    ];
    kassert_eq!(op_with(9, id, &ops, &never_sleep), Ok(()));
    kassert_eq!(ktry!(values(&root, id)), alloc::vec![0, 1]);
    kassert_eq!(ktry!(field(&root, id, 0, Field::Pid)), 9);
    kassert_eq!(
        op_with(9, id, &[op_of(2, 1, false, false)], &never_sleep),
        Err(OpError::Error(Error::FileTooBig))
    );
    kassert_eq!(
        field(&root, id, 2, Field::Value),
        Err(Error::InvalidArgument)
    );
    ktry!(remove(&root, id));
    kassert_eq!(
        op_with(9, id, &[op_of(0, 1, false, false)], &never_sleep),
        Err(OpError::Error(Error::InvalidArgument))
    );
    Ok(())
}

fn undo_applied_at_exit() -> TestResult {
    let root = Credentials::root();
    let id = ktry!(get(&root, private(1)));
    let pid = 0x7fff_0001;
    kassert_eq!(
        op_with(pid, id, &[op_of(0, 5, false, true)], &never_sleep),
        Ok(())
    );
    kassert_eq!(
        op_with(pid, id, &[op_of(0, -2, false, true)], &never_sleep),
        Ok(())
    );
    kassert_eq!(ktry!(values(&root, id)), alloc::vec![3]);
    exit(pid);
    kassert_eq!(ktry!(values(&root, id)), alloc::vec![0]);
    // SETVAL forgets what was to be undone.
    kassert_eq!(
        op_with(pid, id, &[op_of(0, 4, false, true)], &never_sleep),
        Ok(())
    );
    ktry!(set_values(&root, id, Some(0), &[1]));
    exit(pid);
    kassert_eq!(ktry!(values(&root, id)), alloc::vec![1]);
    ktry!(remove(&root, id));
    Ok(())
}
