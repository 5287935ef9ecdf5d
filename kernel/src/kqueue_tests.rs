//! In-guest tests of event queues: read and write notes on a pipe (byte counts, end of
//! file, level and clear reports, one-shot, disable), a regular file's read note and
//! its node's vnode note, the per-queue limit, a waiter woken by another thread's write,
//! and a fork's descriptor table leaving the queue out.

use crate::file::kqueue::{self, Change, ChangeError, Changes, Event, Filter};
use crate::file::poll::Timeout;
use crate::file::{FdTable, OpenFile, pipe};
use crate::ktest::{KernelTest, TestResult};
use crate::vfs::{self, FsContext, OpenFlags};
use crate::{kassert, kassert_eq, kfail, ktest};
use alloc::sync::Arc;
use alloc::vec::Vec;

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(kqueue_pipe_notes_count_bytes_and_see_the_end),
    ktest!(kqueue_clear_oneshot_and_disable),
    ktest!(kqueue_regular_file_offset_and_node_changes),
    ktest!(kqueue_notes_are_bounded),
    ktest!(kqueue_waiter_wakes_on_a_write),
    ktest!(kqueue_is_not_inherited_by_fork),
];

fn queue() -> Arc<OpenFile> {
    kqueue::new().expect("a queue")
}

fn add(ident: u64, filter: Filter) -> Change {
    Change {
        ident,
        filter: Some(filter),
        add: true,
        udata: ident * 10,
        ..Change::default()
    }
}

/// The events ready now.
fn ready(q: &OpenFile) -> Vec<Event> {
    let queue = q.event_queue().expect("an event queue");
    queue
        .wait_with(None, 8, Timeout::Now, || false)
        .expect("no error")
}

fn kqueue_pipe_notes_count_bytes_and_see_the_end() -> TestResult {
    let q = queue();
    let kq = q.event_queue().expect("queue");
    let (r, w) = pipe::new().expect("pipe");
    kassert_eq!(kq.apply_to_file(&add(3, Filter::Read), r.clone()), Ok(()));
    kassert_eq!(kq.apply_to_file(&add(4, Filter::Write), w.clone()), Ok(()));
    let got = ready(&q);
    kassert_eq!(got.len(), 1);
    kassert_eq!(got[0].filter, Filter::Write);
    kassert!(got[0].data >= pipe::PIPE_BUF as i64);
    let room = got[0].data;
    kassert_eq!(w.write(b"hello"), Ok(5));
    let got = ready(&q);
    kassert_eq!(got.len(), 2);
    kassert_eq!((got[0].ident, got[0].data, got[0].udata), (3, 5, 30));
    kassert_eq!(got[1].data, room - 5);
    kassert!(!got[0].eof);
    // The writer goes: end of file, the bytes still counted; the write note went
    // with the last reference to its file.
    drop(w);
    let got = ready(&q);
    kassert_eq!(got.len(), 1);
    kassert_eq!(
        (got[0].filter, got[0].data, got[0].eof),
        (Filter::Read, 5, true)
    );
    kassert_eq!(kq.len(), 1);
    Ok(())
}

fn kqueue_clear_oneshot_and_disable() -> TestResult {
    let q = queue();
    let kq = q.event_queue().expect("queue");
    let (r, w) = pipe::new().expect("pipe");
    kassert_eq!(w.write(b"x"), Ok(1));
    // Clear: once per change.
    let clear = Change {
        clear: true,
        ..add(1, Filter::Read)
    };
    kassert_eq!(kq.apply_to_file(&clear, r.clone()), Ok(()));
    kassert_eq!(ready(&q).len(), 1);
    kassert_eq!(ready(&q).len(), 0);
    kassert_eq!(w.write(b"y"), Ok(1));
    let got = ready(&q);
    kassert_eq!((got.len(), got[0].data), (1, 2));
    // Level (no clear): every time while it holds.
    kassert_eq!(kq.apply_to_file(&add(2, Filter::Read), r.clone()), Ok(()));
    kassert_eq!(ready(&q).len(), 1);
    kassert_eq!(ready(&q).len(), 1);
    // One-shot: reported, then gone.
    let oneshot = Change {
        oneshot: true,
        ..add(5, Filter::Read)
    };
    kassert_eq!(kq.apply_to_file(&oneshot, r.clone()), Ok(()));
    let got = ready(&q);
    kassert!(got.iter().any(|e| e.ident == 5 && e.oneshot));
    kassert!(!ready(&q).iter().any(|e| e.ident == 5));
    let delete = Change {
        delete: true,
        ..Change {
            add: false,
            ..add(5, Filter::Read)
        }
    };
    kassert_eq!(
        kq.apply_to_file(&delete, r.clone()),
        Err(ChangeError::Error(crate::error::Error::NotFound))
    );
    // Disabled: kept and silent until enabled again.
    let disable = Change {
        disable: true,
        add: false,
        ..add(2, Filter::Read)
    };
    kassert_eq!(kq.apply_to_file(&disable, r.clone()), Ok(()));
    kassert!(!ready(&q).iter().any(|e| e.ident == 2));
    let enable = Change {
        enable: true,
        add: false,
        ..add(2, Filter::Read)
    };
    kassert_eq!(kq.apply_to_file(&enable, r.clone()), Ok(()));
    kassert!(ready(&q).iter().any(|e| e.ident == 2));
    Ok(())
}

fn kqueue_regular_file_offset_and_node_changes() -> TestResult {
    let ctx = FsContext::initial();
    let _ = vfs::mkdir(&ctx, None, b"/tmp", 0o1777);
    let _ = vfs::unlink(&ctx, None, b"/tmp/ktest-kq");
    let _ = vfs::unlink(&ctx, None, b"/tmp/ktest-kq2");
    let flags = OpenFlags {
        read: true,
        write: true,
        create: true,
        ..Default::default()
    };
    let Ok(f) = vfs::open(&ctx, None, b"/tmp/ktest-kq", flags, 0o600) else {
        kfail!("open")
    };
    let q = queue();
    let kq = q.event_queue().expect("queue");
    kassert_eq!(kq.apply_to_file(&add(7, Filter::Read), f.clone()), Ok(()));
    let vnode = Change {
        clear: true,
        watch: Changes::DELETE
            .union(Changes::RENAME)
            .union(Changes::WRITE)
            .union(Changes::EXTEND),
        ..add(7, Filter::Vnode)
    };
    kassert_eq!(kq.apply_to_file(&vnode, f.clone()), Ok(()));
    kassert_eq!(ready(&q).len(), 0);
    kassert_eq!(f.write_at(0, b"0123456789"), Ok(10));
    let got = ready(&q);
    kassert_eq!(got.len(), 2);
    kassert_eq!((got[0].filter, got[0].data), (Filter::Read, 10));
    kassert_eq!(got[1].changes, Changes::WRITE.union(Changes::EXTEND));
    f.set_offset(10);
    kassert_eq!(ready(&q).len(), 0);
    kassert_eq!(vfs::truncate(&ctx, None, b"/tmp/ktest-kq", 4), Ok(()));
    let got = ready(&q);
    kassert_eq!((got[0].filter, got[0].data), (Filter::Read, -6));
    kassert_eq!(got[1].changes, Changes::WRITE);
    f.set_offset(4);
    kassert_eq!(
        vfs::rename(&ctx, None, b"/tmp/ktest-kq", None, b"/tmp/ktest-kq2"),
        Ok(())
    );
    let got = ready(&q);
    kassert_eq!(got.len(), 1);
    kassert_eq!(got[0].changes, Changes::RENAME);
    kassert_eq!(vfs::unlink(&ctx, None, b"/tmp/ktest-kq2"), Ok(()));
    let got = ready(&q);
    kassert_eq!(got.len(), 1);
    kassert_eq!(got[0].changes, Changes::DELETE);
    kassert_eq!(ready(&q).len(), 0);
    Ok(())
}

fn kqueue_notes_are_bounded() -> TestResult {
    let q = queue();
    let kq = q.event_queue().expect("queue");
    let (r, _w) = pipe::new().expect("pipe");
    for ident in 0..kqueue::MAX_NOTES as u64 {
        kassert_eq!(
            kq.apply_to_file(&add(ident, Filter::Read), r.clone()),
            Ok(())
        );
    }
    let one_more = add(kqueue::MAX_NOTES as u64, Filter::Read);
    kassert_eq!(
        kq.apply_to_file(&one_more, r.clone()),
        Err(ChangeError::Error(crate::error::Error::OutOfMemory))
    );
    // Updating one there is not adding one.
    kassert_eq!(kq.apply_to_file(&add(0, Filter::Read), r), Ok(()));
    kassert_eq!(kq.len(), kqueue::MAX_NOTES);
    Ok(())
}

fn kqueue_waiter_wakes_on_a_write() -> TestResult {
    let q = queue();
    let (r, w) = pipe::new().expect("pipe");
    let kq = q.event_queue().expect("queue");
    kassert_eq!(kq.apply_to_file(&add(0, Filter::Read), r.clone()), Ok(()));
    let start = crate::time::ticks();
    let spawned = crate::sched::spawn("kq-writer", move || {
        crate::sched::sleep_ticks(3);
        let _ = w.write(b"abc");
    });
    kassert!(spawned.is_ok());
    let got = kq.wait_with(None, 4, Timeout::Forever, || false);
    let Ok(got) = got else {
        kfail!("wait: {got:?}")
    };
    kassert_eq!((got.len(), got[0].data), (1, 3));
    kassert!(crate::time::ticks() >= start + 3);
    // A timeout with nothing ready returns no events.
    let q2 = queue();
    let none =
        q2.event_queue()
            .expect("queue")
            .wait_with(None, 4, Timeout::Nanos(20_000_000), || false);
    kassert_eq!(none.map(|e| e.len()), Ok(0));
    Ok(())
}

fn kqueue_is_not_inherited_by_fork() -> TestResult {
    let mut table = FdTable::default();
    let (r, _w) = pipe::new().expect("pipe");
    let pipe_fd = table.install(r, false, 0);
    let queue_fd = table.install(queue(), false, 0);
    let (Ok(pipe_fd), Ok(queue_fd)) = (pipe_fd, queue_fd) else {
        kfail!("install")
    };
    let child = table.copy_for_fork();
    kassert!(child.get(pipe_fd).is_ok());
    kassert!(child.get(queue_fd).is_err());
    kassert!(table.get(queue_fd).is_ok());
    Ok(())
}
