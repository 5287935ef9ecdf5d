//! Waiting for readiness on several open files at once (poll and select), in neutral
//! terms: each personality turns its descriptors and event bits into [`Interest`]s and
//! the resulting [`Readiness`] back into its own bits.

use super::{OpenFile, Readiness};
use crate::error::{Error, Result};
use crate::sched::{self, WaitQueue};
use alloc::vec::Vec;

/// What a caller waits for on one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interest {
    pub read: bool,
    pub write: bool,
    /// Out-of-band data ([`Readiness::urgent`]).
    pub urgent: bool,
}

impl Interest {
    /// Whether `r` satisfies this interest (a hang-up always does: it ends the wait).
    pub fn met_by(self, r: Readiness) -> bool {
        (self.read && r.read) || (self.write && r.write) || (self.urgent && r.urgent) || r.hangup
    }
}

/// How long a poll may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeout {
    /// Only look, never block.
    Now,
    /// At least this many nanoseconds (rounded up to ticks).
    Nanos(u64),
    Forever,
}

impl Timeout {
    /// The tick a wait this long ends at (None: never, or no wait at all).
    pub(super) fn deadline(self) -> Option<u64> {
        match self {
            // The current tick is partly over: one more makes the wait at least `ns`.
            Timeout::Nanos(ns) if ns > 0 => {
                Some(crate::time::ticks() + ns.div_ceil(crate::time::tick_ns()) + 1)
            }
            _ => None,
        }
    }

    /// Whether the caller may block at all.
    pub(super) fn may_block(self) -> bool {
        matches!(self, Timeout::Forever | Timeout::Nanos(1..))
    }
}

/// Sleeps until a wait queue of `files` is woken, `deadline` comes, or it is time to
/// look for pending signals again; `tick` is now.
pub(super) fn wait_on(files: &[&OpenFile], tick: u64, deadline: Option<u64>) {
    let queues: Vec<&WaitQueue> = files
        .iter()
        .flat_map(|f| [f.wait_queue(), f.other_wait_queue()])
        .flatten()
        .collect();
    let check = tick + SIGNAL_CHECK_TICKS;
    sched::wait_any(&queues, Some(deadline.map_or(check, |d| d.min(check))));
}

/// How often a blocked poll looks for pending signals, in ticks (a signal does not wake
/// a blocked thread yet: this bounds how late it is noticed).
const SIGNAL_CHECK_TICKS: u64 = 5;

/// The readiness of every file now.
pub fn readiness(files: &[(&OpenFile, Interest)]) -> Vec<Readiness> {
    files.iter().map(|(f, _)| f.poll()).collect()
}

/// Waits until one of `files` is ready for what is asked of it, the timeout passes, or
/// `interrupted()` says a signal is pending (then `Interrupted`). Returns the readiness
/// of every file (none of them meeting its interest when the time ran out). While it
/// sleeps, `message` says what for (select's "select", poll's "poll").
pub fn poll(
    files: &[(&OpenFile, Interest)],
    timeout: Timeout,
    interrupted: impl Fn() -> bool,
    message: &'static str,
) -> Result<Vec<Readiness>> {
    let deadline = timeout.deadline();
    let may_block = timeout.may_block();
    loop {
        let now = readiness(files);
        let any = files.iter().zip(&now).any(|((_, want), r)| want.met_by(*r));
        if any || !may_block {
            return Ok(now);
        }
        if interrupted() {
            return Err(Error::Interrupted);
        }
        let tick = crate::time::ticks();
        if deadline.is_some_and(|d| tick >= d) {
            return Ok(now);
        }
        let watched: Vec<&OpenFile> = files.iter().map(|(f, _)| *f).collect();
        let _waiting = sched::waiting_for(message);
        wait_on(&watched, tick, deadline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::{FileKind, FileOps};
    use crate::sync::Mutex;
    use alloc::sync::Arc;

    #[derive(Debug)]
    struct Fake(Mutex<Readiness>);

    impl FileOps for Fake {
        fn kind(&self) -> FileKind {
            FileKind::PipeRead
        }
        fn read(&self, _: &mut [u8], _: bool) -> Result<usize> {
            Ok(0)
        }
        fn write(&self, b: &[u8], _: bool) -> Result<usize> {
            Ok(b.len())
        }
        fn poll(&self) -> Readiness {
            *self.0.lock()
        }
    }

    const READ: Interest = Interest {
        read: true,
        write: false,
        urgent: false,
    };
    const WRITE: Interest = Interest {
        read: false,
        write: true,
        urgent: false,
    };

    #[test]
    fn reports_readiness_without_waiting() {
        let fake = Arc::new(Fake(Mutex::new(Readiness {
            read: false,
            write: true,
            hangup: false,
            urgent: false,
        })));
        let file = OpenFile::new(fake.clone(), true, true).unwrap();
        let got = poll(
            &[(&file, READ), (&file, WRITE)],
            Timeout::Forever,
            || false,
            "poll",
        )
        .unwrap();
        assert!(!READ.met_by(got[0]) && WRITE.met_by(got[1]));
        // Nothing wanted is ready and no wait allowed: back at once.
        let got = poll(&[(&file, READ)], Timeout::Nanos(0), || false, "poll").unwrap();
        assert!(!READ.met_by(got[0]));
        let got = poll(&[(&file, READ)], Timeout::Now, || true, "poll").unwrap();
        assert!(!READ.met_by(got[0]));
        // A hang-up ends a wait for anything.
        fake.0.lock().hangup = true;
        let got = poll(&[(&file, READ)], Timeout::Forever, || false, "poll").unwrap();
        assert!(READ.met_by(got[0]));
    }

    #[test]
    fn a_pending_signal_interrupts_a_blocking_poll() {
        let fake = Arc::new(Fake(Mutex::new(Readiness::default())));
        let file = OpenFile::new(fake, true, true).unwrap();
        let got = poll(&[(&file, READ)], Timeout::Forever, || true, "poll");
        assert_eq!(got, Err(Error::Interrupted));
    }

    #[test]
    fn regular_files_are_always_ready() {
        let root = crate::vfs::tmpfs::new_fs_root(200, 0o755);
        let ctx = crate::vfs::FsContext {
            cwd: root.clone(),
            root,
            creds: crate::vfs::Credentials::root(),
            umask: 0,
            top: None,
            emulation_root: None,
        };
        let flags = crate::vfs::OpenFlags {
            read: true,
            write: true,
            create: true,
            ..Default::default()
        };
        let file = crate::vfs::open(&ctx, None, b"/f", flags, 0o600).unwrap();
        let got = poll(&[(&file, READ)], Timeout::Forever, || false, "poll").unwrap();
        assert!(got[0].read && got[0].write);
    }
}
