//! 4.x kqueue and kevent on the core's event queues: 4.x's struct kevent, filter
//! numbers, flag and note bits, and its rules for a change list (changes applied in
//! order; a failed one becomes an EV_ERROR event while the event list has room, else
//! the call's error; any such event ends the call before events are collected).

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::signals::signal_from_fb;
use crate::sys::{Ret, SysResult, fault};
use fb::kevent_flags as ev;
use nymph_kernel::file::FileKind;
use nymph_kernel::file::kqueue::{self, Change, ChangeError, Changes, Event, Filter};
use nymph_kernel::file::poll::Timeout;
use nymph_kernel::process::calls;
use nymph_kernel::process::{ChildEvent, Task};
use nymph_kernel::vfs;

pub(crate) fn sys_kqueue(task: &mut Task, _: fb::KqueueArgs) -> SysResult {
    let file = kqueue::new().map_err(file_errno)?;
    let fd = task
        .process
        .with_files(|t| t.install(file, false, 0))
        .map_err(file_errno)?;
    Ok(Ret::word(fd as u64))
}

/// 4.x's NOTE_* bits of the vnode filter and of the process filter, and the neutral
/// change each is.
const VNODE_NOTES: [(u32, Changes); 6] = [
    (fb::kevent_note_vnode::NOTE_DELETE.bits(), Changes::DELETE),
    (fb::kevent_note_vnode::NOTE_WRITE.bits(), Changes::WRITE),
    (fb::kevent_note_vnode::NOTE_EXTEND.bits(), Changes::EXTEND),
    (fb::kevent_note_vnode::NOTE_ATTRIB.bits(), Changes::ATTRIB),
    (fb::kevent_note_vnode::NOTE_LINK.bits(), Changes::LINK),
    (fb::kevent_note_vnode::NOTE_RENAME.bits(), Changes::RENAME),
];
const PROC_NOTES: [(u32, Changes); 3] = [
    (fb::kevent_note_proc::NOTE_EXIT.bits(), Changes::EXIT),
    (fb::kevent_note_proc::NOTE_FORK.bits(), Changes::FORK),
    (fb::kevent_note_proc::NOTE_EXEC.bits(), Changes::EXEC),
];

/// The note bits `filter` reads (none for read, write and signal notes).
fn notes_of(filter: Filter) -> &'static [(u32, Changes)] {
    match filter {
        Filter::Vnode => &VNODE_NOTES,
        Filter::Process => &PROC_NOTES,
        Filter::Read | Filter::Write | Filter::Signal | Filter::Timer => &[],
    }
}

/// The changes `fflags` asks for on `filter`.
fn watched(filter: Filter, fflags: u32) -> Changes {
    notes_of(filter)
        .iter()
        .filter(|(bit, _)| fflags & bit != 0)
        .fold(Changes::NONE, |acc, (_, c)| acc.union(*c))
}

fn fflags_of(filter: Filter, changes: Changes) -> u32 {
    let mut bits = notes_of(filter)
        .iter()
        .filter(|(_, c)| changes.contains(*c))
        .fold(0, |acc, (bit, _)| acc | bit);
    if filter == Filter::Process && changes.contains(Changes::TRACK_ERROR) {
        bits |= fb::kevent_note_proc::NOTE_TRACKERR.bits();
    }
    if filter == Filter::Process && changes.contains(Changes::CHILD) {
        bits |= fb::kevent_note_proc::NOTE_CHILD.bits();
    }
    bits
}

/// A change-list entry in neutral terms, or the errno 4.x answers for it.
fn decode(task: &Task, k: &fb::kevent) -> Result<Change, i32> {
    use fb::kevent_filter as F;
    let filter = match F::from_raw(k.filter) {
        Some(F::EVFILT_READ) => Filter::Read,
        Some(F::EVFILT_WRITE) => Filter::Write,
        Some(F::EVFILT_VNODE) => Filter::Vnode,
        Some(F::EVFILT_PROC) => Filter::Process,
        Some(F::EVFILT_SIGNAL) => Filter::Signal,
        Some(F::EVFILT_TIMER) => Filter::Timer,
        Some(F::EVFILT_AIO) => {
            // Only the kernel attaches AIO notes in 4.x (filt_aioattach): EPERM.
            log::warn!(
                "pid {}: kevent: EVFILT_AIO is not supported (EPERM)",
                task.process.pid.0
            );
            return Err(errno::EPERM);
        }
        None => return Err(errno::EINVAL),
    };
    let flags = ev::from_bits_retain(k.flags);
    let mut stored = k.flags;
    // 4.x forces EV_CLEAR on process, signal and timer notes, and reports it.
    if matches!(filter, Filter::Process | Filter::Signal | Filter::Timer) {
        stored |= ev::EV_CLEAR.bits();
    }
    let track =
        filter == Filter::Process && k.fflags & fb::kevent_note_proc::NOTE_TRACK.bits() != 0;
    Ok(Change {
        ident: u64::from(k.ident),
        filter: Some(filter),
        add: flags.contains(ev::EV_ADD),
        delete: flags.contains(ev::EV_DELETE),
        enable: flags.contains(ev::EV_ENABLE),
        disable: flags.contains(ev::EV_DISABLE),
        oneshot: flags.contains(ev::EV_ONESHOT),
        clear: flags.contains(ev::EV_CLEAR),
        watch: watched(filter, k.fflags),
        signal: (filter == Filter::Signal)
            .then(|| i32::try_from(k.ident).ok().and_then(signal_from_fb))
            .flatten(),
        track,
        // filt_proc registers a followed child's note with the parent note's flags
        // and EV_ADD | EV_ENABLE (filt_procattach takes EV_FLAG1 off again).
        track_flags: u32::from(stored | (ev::EV_ADD | ev::EV_ENABLE).bits()),
        period_ticks: timer_ticks(k.data),
        // filt_soread and filt_sowrite: NOTE_LOWAT makes the note's data the mark.
        low_water: (matches!(filter, Filter::Read | Filter::Write)
            && k.fflags & fb::kevent_note_read::NOTE_LOWAT.bits() != 0)
            .then_some(i64::from(k.data)),
        flags: u32::from(stored),
        udata: u64::from(k.udata),
    })
}

/// A timer's period of `ms` milliseconds in clock ticks, as 4.x's tvtohz rounds it: up
/// to whole ticks, plus one (so at least the time asked passes); 1 for none or less.
fn timer_ticks(ms: i32) -> u64 {
    let Ok(ms) = u64::try_from(ms) else {
        return 1;
    };
    let tick_us = 1_000_000 / u64::from(nymph_kernel::time::HZ);
    (ms * 1000).div_ceil(tick_us) + 1
}

/// 4.x's kqueue_register attaches a new read, write or vnode note through the object's
/// kqfilter, and each refuses what it has no filter for:
///  - a device whose cdevsw lacks D_KQFILTER (mem.c's null, zero, random, mem and kmem;
///    the log device) answers spec_kqfilter's 1, which comes back as EPERM; terminals
///    (the console, /dev/tty, a pseudo-terminal's either side) have read and write
///    filters only;
///  - only a UFS vnode (a regular file or a directory) has a vnode filter: the fifo,
///    terminal, pipe, socket and kqueue kqfilters answer 1 (EPERM) for it, so tail -F
///    on a FIFO or a terminal falls back to polling;
///  - a kqueue has a read filter only (kqueue_kqfilter: 1);
///  - a write note on a pipe whose other end is closed is EBADF (pipe_kqfilter; a
///    FIFO's fifo_kqfilter has no such check);
///  - procfs has no VOP_KQFILTER, and the default vnode op says EOPNOTSUPP.
///
/// A note already registered is only updated (nothing is attached), and a descriptor
/// that is not open is the core's to refuse (EBADF).
fn filterable(task: &Task, queue: &kqueue::EventQueue, c: &Change) -> Result<(), i32> {
    let Some(filter @ (Filter::Read | Filter::Write | Filter::Vnode)) = c.filter else {
        return Ok(());
    };
    if !c.add {
        return Ok(());
    }
    let Ok(file) = calls::file(task, c.ident as i64) else {
        return Ok(());
    };
    if queue.has_file_note(c.ident, filter, &file) {
        return Ok(());
    }
    if file
        .node()
        .is_some_and(|n| vfs::procfs::is_procfs(n.device))
    {
        return Err(errno::EOPNOTSUPP);
    }
    let kind = file.kind();
    if kind == FileKind::Device && file.terminal().is_none() {
        return Err(errno::EPERM);
    }
    let ufs_vnode =
        matches!(kind, FileKind::Regular | FileKind::Directory) && file.node().is_some();
    if filter == Filter::Vnode && !ufs_vnode {
        return Err(errno::EPERM);
    }
    if filter == Filter::Write && kind == FileKind::EventQueue {
        return Err(errno::EPERM);
    }
    let pipe = matches!(kind, FileKind::PipeRead | FileKind::PipeWrite) && !file.ops().fifo();
    if filter == Filter::Write && pipe && file.poll().hangup {
        return Err(errno::EBADF);
    }
    Ok(())
}

fn change_errno(e: ChangeError) -> i32 {
    match e {
        ChangeError::NoSuchProcess => errno::ESRCH,
        ChangeError::Error(e) => file_errno(e),
    }
}

fn filter_raw(filter: Filter) -> i16 {
    use fb::kevent_filter as F;
    match filter {
        Filter::Read => F::EVFILT_READ,
        Filter::Write => F::EVFILT_WRITE,
        Filter::Vnode => F::EVFILT_VNODE,
        Filter::Process => F::EVFILT_PROC,
        Filter::Signal => F::EVFILT_SIGNAL,
        Filter::Timer => F::EVFILT_TIMER,
    }
    .raw()
}

/// An event as 4.x's struct kevent.
fn encode(e: &Event) -> fb::kevent {
    let mut flags = e.flags as u16;
    if e.eof {
        flags |= ev::EV_EOF.bits();
    }
    if e.oneshot {
        flags |= ev::EV_ONESHOT.bits();
    }
    let data = match e.exit {
        Some(status) => i64::from(crate::sys::wait_status(ChildEvent::Exited(status))),
        None => e.data,
    };
    fb::kevent {
        ident: e.ident as u32,
        filter: filter_raw(e.filter),
        flags,
        fflags: fflags_of(e.filter, e.changes),
        data: data.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        udata: e.udata as u32,
    }
}

/// The timeout 4.x accepts (itimerfix's bounds on the timeval it becomes).
fn timeout(task: &Task, addr: u64) -> Result<Timeout, i32> {
    if addr == 0 {
        return Ok(Timeout::Forever);
    }
    let ts: fb::timespec = task.read_val(addr).map_err(fault)?;
    if !(0..=100_000_000).contains(&ts.tv_sec) || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(errno::EINVAL);
    }
    let ns = (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64;
    Ok(if ns == 0 {
        Timeout::Now
    } else {
        Timeout::Nanos(ns)
    })
}

const KEVENT_SIZE: u64 = core::mem::size_of::<fb::kevent>() as u64;

pub(crate) fn sys_kevent(task: &mut Task, a: fb::KeventArgs) -> SysResult {
    let file = calls::file(task, i64::from(a.fd)).map_err(file_errno)?;
    let queue = file.event_queue().ok_or(errno::EBADF)?;
    if a.nevents < 0 {
        return Err(errno::EINVAL);
    }
    let room = a.nevents as u64;
    let (changes, out) = (a.changelist.addr(), a.eventlist.addr());
    let mut written = 0u64;
    for i in 0..u64::try_from(a.nchanges).unwrap_or(0) {
        let k: fb::kevent = task.read_val(changes + i * KEVENT_SIZE).map_err(fault)?;
        let result = decode(task, &k)
            .and_then(|c| filterable(task, queue, &c).map(|()| c))
            .and_then(|c| queue.apply(&task.process, &c).map_err(change_errno));
        let Err(e) = result else { continue };
        if written >= room {
            return Err(e);
        }
        let report = fb::kevent {
            flags: ev::EV_ERROR.bits(),
            data: e,
            ..k
        };
        task.write_val(out + written * KEVENT_SIZE, &report)
            .map_err(fault)?;
        written += 1;
    }
    if written > 0 {
        return Ok(Ret::word(written));
    }
    let timeout = timeout(task, a.timeout.addr())?;
    let events = queue
        .wait(&task.process, room as usize, timeout)
        .map_err(file_errno)?;
    for (i, e) in events.iter().enumerate() {
        task.write_val(out + i as u64 * KEVENT_SIZE, &encode(e))
            .map_err(fault)?;
    }
    Ok(Ret::word(events.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_bits_map_both_ways_per_filter() {
        let vnode = fb::kevent_note_vnode::NOTE_DELETE | fb::kevent_note_vnode::NOTE_RENAME;
        let c = watched(Filter::Vnode, vnode.bits());
        assert_eq!(c, Changes::DELETE.union(Changes::RENAME));
        assert_eq!(fflags_of(Filter::Vnode, c), vnode.bits());
        // The process bits mean nothing to a vnode note, and the other way round.
        assert_eq!(
            watched(Filter::Vnode, fb::kevent_note_proc::NOTE_EXIT.bits()),
            Changes::NONE
        );
        let exit = fb::kevent_note_proc::NOTE_EXIT.bits();
        assert_eq!(watched(Filter::Process, exit | 1), Changes::EXIT);
        let c = Changes::FORK.union(Changes::TRACK_ERROR);
        assert_eq!(
            fflags_of(Filter::Process, c),
            (fb::kevent_note_proc::NOTE_FORK | fb::kevent_note_proc::NOTE_TRACKERR).bits()
        );
    }

    #[test]
    fn timer_periods_round_as_tvtohz() {
        // hz 100: 10 ms ticks, rounded up, plus one.
        assert_eq!(timer_ticks(-5), 1);
        assert_eq!(timer_ticks(0), 1);
        assert_eq!(timer_ticks(1), 2);
        assert_eq!(timer_ticks(10), 2);
        assert_eq!(timer_ticks(11), 3);
        assert_eq!(timer_ticks(1000), 101);
        assert_eq!(timer_ticks(i32::MAX), 214_748_366);
    }

    #[test]
    fn events_encode_as_4x_struct_kevent() {
        let e = Event {
            ident: 7,
            filter: Filter::Process,
            flags: u32::from((ev::EV_ADD | ev::EV_CLEAR).bits()),
            eof: true,
            oneshot: true,
            changes: Changes::EXIT,
            data: 0,
            exit: Some(nymph_kernel::process::ExitStatus::Exited(3)),
            udata: 0x1234,
        };
        let k = encode(&e);
        assert_eq!(k.ident, 7);
        assert_eq!(k.filter, -5);
        assert_eq!(k.flags, 0x1 | 0x20 | 0x10 | 0x8000);
        assert_eq!(k.fflags, 0x8000_0000);
        assert_eq!(k.data, 0x300);
        assert_eq!(k.udata, 0x1234);
    }
}
