//! System V message queues: the system-wide table of queues, with the system's pool
//! of message headers and text segments that senders wait for, and receivers that
//! wait for a message of the type they ask for.

use super::{Access, Perm, check, claim_slot, id_of, now, slot_of};
use crate::error::Error;
use crate::process::{self, Task};
use crate::sched::WaitQueue;
use crate::sync::Mutex;
use crate::vfs::Credentials;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// System-wide bounds (4.x's defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Queues in the system (msgmni).
    pub max_ids: usize,
    /// Bytes a new queue may hold (msgmnb), and the most IPC_SET may allow.
    pub queue_bytes: u64,
    /// Messages in all queues (msgtql).
    pub max_messages: usize,
    /// Text segments in all queues (msgseg), of `segment` bytes each (msgssz).
    pub segments: usize,
    pub segment: usize,
}

pub const LIMITS: Limits = Limits {
    max_ids: 40,
    queue_bytes: 2048,
    max_messages: 40,
    segments: 2048,
    segment: 8,
};

struct Message {
    kind: i64,
    text: Vec<u8>,
}

struct Queue {
    key: Option<i64>,
    perm: Perm,
    seq: u16,
    messages: VecDeque<Message>,
    bytes: u64,
    max_bytes: u64,
    last_sender: u32,
    last_receiver: u32,
    send_time: u64,
    receive_time: u64,
    change_time: u64,
}

struct Table {
    slots: Vec<Option<Queue>>,
    seqs: Vec<u16>,
    messages: usize,
    segments: usize,
    changes: u64,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    seqs: Vec::new(),
    messages: 0,
    segments: 0,
    changes: 0,
});

/// Senders and receivers waiting, woken by every change of any queue.
static WAITERS: WaitQueue = WaitQueue::new();

fn segments_for(len: usize) -> usize {
    len.div_ceil(LIMITS.segment)
}

impl Table {
    fn find(&mut self, id: u32) -> Result<&mut Queue, Error> {
        match self.slots.get_mut(slot_of(id)) {
            Some(Some(q)) if u32::from(q.seq) == id >> 16 => Ok(q),
            _ => Err(Error::InvalidArgument),
        }
    }

    fn exists(&self, id: u32) -> bool {
        matches!(self.slots.get(slot_of(id)), Some(Some(q)) if u32::from(q.seq) == id >> 16)
    }

    fn changed(&mut self) {
        self.changes = self.changes.wrapping_add(1);
    }
}

/// Why a send or receive failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueError {
    Error(Error),
    /// The queue was removed while the caller slept (EIDRM).
    Removed,
    /// No message of the type asked for, and the caller would not wait (ENOMSG).
    NoMessage,
    /// The message is longer than the receiver takes (E2BIG).
    TooLong,
}

impl From<Error> for QueueError {
    fn from(e: Error) -> Self {
        QueueError::Error(e)
    }
}

/// msgget: a lookup fails on IPC_EXCL, then checks the owner-position bits of the mode
/// it was given; a creation needs a free id (`NoSpace`).
pub fn get(
    creds: &Credentials,
    key: Option<i64>,
    create: bool,
    exclusive: bool,
    mode: u16,
) -> Result<u32, Error> {
    let mut table = TABLE.lock();
    if let Some(key) = key {
        let found = table
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|q| q.key == Some(key)));
        if let Some(slot) = found
            && let Some(Some(q)) = table.slots.get(slot)
        {
            if create && exclusive {
                return Err(Error::Exists);
            }
            check(&q.perm, creds, Access::Bits(mode & 0o700))?;
            return Ok(id_of(slot, q.seq));
        }
        if !create {
            return Err(Error::NotFound);
        }
    }
    let table = &mut *table;
    let (slot, seq) = claim_slot(&mut table.slots, &mut table.seqs, LIMITS.max_ids)?;
    table.slots[slot] = Some(Queue {
        key,
        perm: Perm::new(creds, mode),
        seq,
        messages: VecDeque::new(),
        bytes: 0,
        max_bytes: LIMITS.queue_bytes,
        last_sender: 0,
        last_receiver: 0,
        send_time: 0,
        receive_time: 0,
        change_time: now(),
    });
    Ok(id_of(slot, seq))
}

/// A queue as `IPC_STAT` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueInfo {
    pub key: Option<i64>,
    pub perm: Perm,
    pub seq: u16,
    pub bytes: u64,
    pub messages: u64,
    pub max_bytes: u64,
    pub last_sender: u32,
    pub last_receiver: u32,
    pub send_time: u64,
    pub receive_time: u64,
    pub change_time: u64,
}

/// Checks `access` to queue `id`; gives the bytes it may hold.
pub fn access(creds: &Credentials, id: u32, access: Access) -> Result<u64, Error> {
    let mut table = TABLE.lock();
    let q = table.find(id)?;
    check(&q.perm, creds, access)?;
    Ok(q.max_bytes)
}

/// IPC_STAT: needs read access.
pub fn stat(creds: &Credentials, id: u32) -> Result<QueueInfo, Error> {
    let mut table = TABLE.lock();
    let q = table.find(id)?;
    check(&q.perm, creds, Access::READ)?;
    Ok(q.info())
}

/// Every queue by its slot (an id's low 16 bits), with no access check: the system's
/// table as a kernel-memory reader (4.x's ipcs) sees it.
pub fn all() -> Vec<(usize, QueueInfo)> {
    super::listed(&TABLE.lock().slots, Queue::info)
}

impl Queue {
    fn info(&self) -> QueueInfo {
        QueueInfo {
            key: self.key,
            perm: self.perm,
            seq: self.seq,
            bytes: self.bytes,
            messages: self.messages.len() as u64,
            max_bytes: self.max_bytes,
            last_sender: self.last_sender,
            last_receiver: self.last_receiver,
            send_time: self.send_time,
            receive_time: self.receive_time,
            change_time: self.change_time,
        }
    }
}

/// IPC_SET: owner, group, permission bits and the queue's byte limit; the owner,
/// creator or root only. Raising the limit needs root (`NotPermitted`); it is capped
/// at the system's, and 0 is `InvalidArgument`.
pub fn set(
    creds: &Credentials,
    id: u32,
    (uid, gid, mode): (u32, u32, u16),
    max_bytes: u64,
) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let q = table.find(id)?;
    check(&q.perm, creds, Access::Owner)?;
    // 4.x sysv_msg.c `msgctl` IPC_SET: raising msg_qbytes asks plain suser (no
    // jailed root).
    if max_bytes > q.max_bytes && !creds.is_host_root() {
        return Err(Error::NotPermitted);
    }
    let max_bytes = max_bytes.min(LIMITS.queue_bytes);
    if max_bytes == 0 {
        return Err(Error::InvalidArgument);
    }
    q.perm.uid = uid;
    q.perm.gid = gid;
    q.perm.mode = mode & 0o777;
    q.max_bytes = max_bytes;
    q.change_time = now();
    table.changed();
    drop(table);
    WAITERS.wake_all();
    Ok(())
}

/// IPC_RMID: its messages go back to the pool; sleepers wake to find it gone.
pub fn remove(creds: &Credentials, id: u32) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let q = table.find(id)?;
    check(&q.perm, creds, Access::Owner)?;
    let gone = table.slots[slot_of(id)].take();
    for m in gone.iter().flat_map(|q| q.messages.iter()) {
        table.messages -= 1;
        table.segments -= segments_for(m.text.len());
    }
    table.changed();
    drop(table);
    WAITERS.wake_all();
    Ok(())
}

/// How a caller sleeps: until the condition holds, `Err` when a signal ends the sleep.
type Sleep<'a> = &'a dyn Fn(&dyn Fn() -> bool) -> Result<(), ()>;

/// Sleeps until the table changes or queue `id` goes; `Err` on a signal.
fn sleep(id: u32, seen: u64, sleep: Sleep<'_>) -> Result<(), ()> {
    sleep(&|| {
        let table = TABLE.lock();
        table.changes != seen || !table.exists(id)
    })
}

/// The calling process's interruptible sleep.
fn sleep_interruptible(ready: &dyn Fn() -> bool) -> Result<(), ()> {
    let _waiting = crate::sched::waiting_for("msgwait");
    process::sleep_interruptible(&WAITERS, ready).map_err(|_| ())
}

/// msgsnd: a message larger than the queue may hold is `InvalidArgument`; until the
/// queue has room and the system has a header and the text's segments, the caller
/// sleeps (`WouldBlock` with `no_wait`).
pub fn send(task: &Task, id: u32, kind: i64, text: &[u8], no_wait: bool) -> Result<(), QueueError> {
    send_with(
        task.process.pid.0,
        id,
        (kind, text),
        no_wait,
        &sleep_interruptible,
    )
}

fn send_with(
    pid: u32,
    id: u32,
    (kind, text): (i64, &[u8]),
    no_wait: bool,
    wait: Sleep<'_>,
) -> Result<(), QueueError> {
    let need = segments_for(text.len());
    let mut waited = false;
    loop {
        let seen = {
            let mut table = TABLE.lock();
            let (messages, segments) = (table.messages, table.segments);
            let q = match table.find(id) {
                Ok(q) => q,
                Err(_) if waited => return Err(QueueError::Removed),
                Err(e) => return Err(e.into()),
            };
            let len = text.len() as u64;
            if len > q.max_bytes {
                return Err(Error::InvalidArgument.into());
            }
            let room = q.bytes + len <= q.max_bytes
                && segments + need <= LIMITS.segments
                && messages < LIMITS.max_messages;
            if room {
                let mut copy = Vec::new();
                copy.try_reserve_exact(text.len())
                    .map_err(|_| Error::OutOfMemory)?;
                copy.extend_from_slice(text);
                if q.messages.try_reserve(1).is_err() {
                    return Err(Error::OutOfMemory.into());
                }
                q.messages.push_back(Message { kind, text: copy });
                q.bytes += len;
                q.last_sender = pid;
                q.send_time = now();
                table.messages += 1;
                table.segments += need;
                table.changed();
                drop(table);
                WAITERS.wake_all();
                return Ok(());
            }
            if no_wait {
                return Err(Error::WouldBlock.into());
            }
            table.changes
        };
        waited = true;
        if sleep(id, seen, wait).is_err() {
            return Err(Error::Interrupted.into());
        }
    }
}

/// msgrcv: the first message of type `kind` (0: any; negative: the first whose type
/// is at most its absolute value, as 4.x looks). A longer text than `max` is
/// `TooLong` unless `truncate`. Until one is there the caller sleeps (`NoMessage` with
/// `no_wait`). Gives the message's type and text.
pub fn receive(
    task: &Task,
    id: u32,
    max: usize,
    kind: i64,
    truncate: bool,
    no_wait: bool,
) -> Result<(i64, Vec<u8>), QueueError> {
    let how = (truncate, no_wait);
    receive_with(
        task.process.pid.0,
        id,
        (max, kind),
        how,
        &sleep_interruptible,
    )
}

fn receive_with(
    pid: u32,
    id: u32,
    (max, kind): (usize, i64),
    (truncate, no_wait): (bool, bool),
    wait: Sleep<'_>,
) -> Result<(i64, Vec<u8>), QueueError> {
    let mut waited = false;
    loop {
        let seen = {
            let mut table = TABLE.lock();
            let q = match table.find(id) {
                Ok(q) => q,
                Err(_) if waited => return Err(QueueError::Removed),
                Err(e) => return Err(e.into()),
            };
            let found = q.messages.iter().position(|m| {
                kind == 0 || m.kind == kind || (kind < 0 && m.kind <= kind.saturating_neg())
            });
            if let Some(i) = found {
                if q.messages[i].text.len() > max && !truncate {
                    return Err(QueueError::TooLong);
                }
                let Some(mut m) = q.messages.remove(i) else {
                    return Err(Error::InvalidArgument.into());
                };
                q.bytes -= m.text.len() as u64;
                q.last_receiver = pid;
                q.receive_time = now();
                let need = segments_for(m.text.len());
                table.messages -= 1;
                table.segments -= need;
                table.changed();
                drop(table);
                WAITERS.wake_all();
                m.text.truncate(max);
                return Ok((m.kind, m.text));
            }
            if no_wait {
                return Err(QueueError::NoMessage);
            }
            table.changes
        };
        waited = true;
        if sleep(id, seen, wait).is_err() {
            return Err(Error::Interrupted.into());
        }
    }
}

/// Removes every queue (the system is going down); returns how many there were.
pub fn remove_all() -> usize {
    let mut table = TABLE.lock();
    let count = table.slots.iter().filter(|s| s.is_some()).count();
    table.slots.iter_mut().for_each(|s| *s = None);
    table.messages = 0;
    table.segments = 0;
    count
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert_eq, kfail, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[ktest!(types_lengths_and_pool)];

macro_rules! ktry {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => kfail!("{} failed: {e:?}", stringify!($e)),
        }
    };
}

fn never_sleep(_: &dyn Fn() -> bool) -> Result<(), ()> {
    Err(())
}

fn types_lengths_and_pool() -> TestResult {
    let root = Credentials::root();
    let q = ktry!(get(&root, None, true, false, 0o600));
    for (kind, text) in [(5, &b"hello"[..]), (3, b"abc"), (7, b"xyz")] {
        kassert_eq!(send_with(4, q, (kind, text), true, &never_sleep), Ok(()));
    }
    let info = ktry!(stat(&root, q));
    kassert_eq!((info.messages, info.bytes, info.last_sender), (3, 11, 4));
    let take =
        |max, kind, truncate| receive_with(6, q, (max, kind), (truncate, true), &never_sleep);
    // 4.x takes the first message whose type is at most 6, not the lowest.
    kassert_eq!(take(100, -6, false), Ok((5, b"hello".to_vec())));
    kassert_eq!(take(2, 7, false), Err(QueueError::TooLong));
    kassert_eq!(take(2, 7, true), Ok((7, b"xy".to_vec())));
    kassert_eq!(take(100, 9, false), Err(QueueError::NoMessage));
    kassert_eq!(
        receive_with(6, q, (100, 9), (false, false), &never_sleep),
        Err(QueueError::Error(Error::Interrupted))
    );
    // The system's headers run out before this queue's bytes.
    let before = TABLE.lock().messages;
    let mut sent = 0;
    while send_with(4, q, (1, b"m"), true, &never_sleep).is_ok() {
        sent += 1;
    }
    kassert_eq!(before + sent, LIMITS.max_messages);
    kassert_eq!(
        send_with(4, q, (1, b"m"), true, &never_sleep),
        Err(QueueError::Error(Error::WouldBlock))
    );
    ktry!(remove(&root, q));
    kassert_eq!(TABLE.lock().messages, before - 1);
    Ok(())
}
