//! Revocation of a device's open files (BSD's revoke(2) and VOP_REVOKE): every open
//! instance of a character device made through a device node is kept, weakly, with its
//! device number; revoking the number cuts all of them off, wherever their descriptors
//! are (any process, passed in a message, inherited), and later opens of the device are
//! new instances that work as before. A cut-off instance answers as BSD's dead vnodes
//! do: reads end at once on a terminal and fail with `Io` on anything else, writes fail
//! with `Io`, it is no terminal any more, and poll sees only a hangup.

use super::{Error, Result};
use crate::file::{FileKind, FileOps, Readiness, Sink, Source};
use crate::sync::Mutex;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

/// An open instance of a device that can be revoked: the device's own operations until
/// then.
#[derive(Debug)]
pub(crate) struct Revocable {
    inner: Arc<dyn FileOps>,
    revoked: AtomicBool,
    /// A terminal (BSD's VISTTY), as it was when opened: a dead one reads as end of
    /// file.
    tty: bool,
    /// Opened through /dev/tty: it stands for the caller's controlling terminal.
    controlling: bool,
}

/// The revocable instances, with their device numbers: the live ones, and those
/// closed since the last open or revoke (each swept then).
static OPEN: Mutex<Vec<(u64, Weak<Revocable>)>> = Mutex::new(Vec::new());

/// Wraps a new open instance of device `number` so that it can be revoked.
pub(crate) fn track(number: u64, inner: Arc<dyn FileOps>) -> Arc<dyn FileOps> {
    let tty = inner.terminal().is_some() || inner.kind() == FileKind::Console;
    let file = Arc::new(Revocable {
        inner,
        revoked: AtomicBool::new(false),
        tty,
        controlling: number == super::devfs::number::TTY,
    });
    let mut open = OPEN.lock();
    // Closed instances go before a new one comes: the sweep costs the live entries
    // and those closed since the last one, each of which it removes once.
    open.retain(|(_, w)| w.strong_count() > 0);
    open.push((number, Arc::downgrade(&file)));
    file
}

/// Cuts off every open instance of device `number`; how many there were.
pub fn revoke_device(number: u64) -> usize {
    let cut: Vec<Arc<Revocable>> = {
        let mut open = OPEN.lock();
        open.retain(|(_, w)| w.strong_count() > 0);
        open.iter()
            .filter(|(n, _)| *n == number)
            .filter_map(|(_, w)| w.upgrade())
            .collect()
    };
    // The terminals among them are closed by it (not through a pty's master,
    // whose terminal is its slave's).
    let mut terminals: Vec<&'static crate::tty::Terminal> = Vec::new();
    for file in &cut {
        if let (Some(t), None) = (file.inner.terminal(), file.inner.pty_master())
            && !terminals.iter().any(|&known| core::ptr::eq(known, t))
        {
            terminals.push(t);
        }
    }
    for file in &cut {
        file.revoked.store(true, Ordering::Release);
        // Pollers see the hangup now rather than at their next wake-up.
        for queue in [file.inner.wait_queue(), file.inner.other_wait_queue()]
            .into_iter()
            .flatten()
        {
            queue.wake_all();
        }
    }
    for terminal in terminals {
        crate::tty::revoked(terminal);
    }
    cut.len()
}

impl Revocable {
    /// Revoked, or what it wraps is (a /dev/tty instance is kept under the
    /// terminal's number too, inside).
    fn dead(&self) -> bool {
        self.revoked.load(Ordering::Acquire) || self.inner.revoked()
    }

    /// A /dev/tty instance used by a process with no controlling terminal, whose
    /// personality fails it then (see `Personality::dev_tty_needs_terminal`).
    fn leads_nowhere(&self) -> bool {
        self.controlling
            && crate::process::current().is_some_and(|p| {
                p.personality().dev_tty_needs_terminal()
                    && crate::tty::lacks_controlling_terminal(&p, self.dead())
            })
    }

    fn dead_read(&self) -> Result<usize> {
        if self.tty { Ok(0) } else { Err(Error::Io) }
    }
}

impl FileOps for Revocable {
    fn kind(&self) -> FileKind {
        self.inner.kind()
    }
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        if self.leads_nowhere() {
            return Err(Error::Io);
        }
        if self.dead() {
            return self.dead_read();
        }
        self.inner.read(buf, nonblock)
    }
    fn read_limit(&self) -> Option<usize> {
        self.inner.read_limit()
    }
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize> {
        if self.dead() || self.leads_nowhere() {
            return Err(Error::Io);
        }
        self.inner.write(buf, nonblock)
    }
    fn read_to(&self, to: &mut dyn Sink, nonblock: bool) -> Option<Result<usize>> {
        if self.leads_nowhere() {
            return Some(Err(Error::Io));
        }
        if self.dead() {
            return Some(self.dead_read());
        }
        self.inner.read_to(to, nonblock)
    }
    fn write_from(&self, from: &dyn Source, nonblock: bool) -> Option<Result<usize>> {
        if self.dead() || self.leads_nowhere() {
            return Some(Err(Error::Io));
        }
        self.inner.write_from(from, nonblock)
    }
    fn seekable(&self) -> bool {
        self.inner.seekable()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        if self.leads_nowhere() {
            return Err(Error::Io);
        }
        if self.dead() {
            return self.dead_read();
        }
        self.inner.read_at(offset, buf, nonblock)
    }
    fn write_at(&self, offset: u64, buf: &[u8], nonblock: bool) -> Result<usize> {
        if self.dead() || self.leads_nowhere() {
            return Err(Error::Io);
        }
        self.inner.write_at(offset, buf, nonblock)
    }
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn poll(&self) -> Readiness {
        if self.dead() {
            return Readiness {
                read: false,
                write: false,
                hangup: true,
                urgent: false,
            };
        }
        self.inner.poll()
    }
    fn wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        self.inner.wait_queue()
    }
    fn terminal(&self) -> Option<&'static crate::tty::Terminal> {
        if self.dead() {
            return None;
        }
        self.inner.terminal()
    }
    fn pty_master(&self) -> Option<usize> {
        if self.dead() {
            return None;
        }
        self.inner.pty_master()
    }
    fn other_wait_queue(&self) -> Option<&crate::sched::WaitQueue> {
        self.inner.other_wait_queue()
    }
    fn socket(&self) -> Option<&crate::file::socket::Socket> {
        self.inner.socket()
    }
    fn readable_bytes(&self) -> Option<u64> {
        if self.dead() {
            return None;
        }
        self.inner.readable_bytes()
    }
    fn writable_bytes(&self) -> Option<u64> {
        if self.dead() {
            return None;
        }
        self.inner.writable_bytes()
    }
    fn event_queue(&self) -> Option<&crate::file::kqueue::EventQueue> {
        self.inner.event_queue()
    }
    fn signal_owner(&self) -> Option<&crate::file::owner::SignalOwner> {
        if self.dead() {
            return None;
        }
        self.inner.signal_owner()
    }
    fn set_async_io(&self, on: bool) -> bool {
        !self.dead() && self.inner.set_async_io(on)
    }
    fn revoked(&self) -> bool {
        self.dead()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device instance that does nothing.
    #[derive(Debug)]
    struct Quiet;

    impl FileOps for Quiet {
        fn kind(&self) -> FileKind {
            FileKind::Device
        }
        fn read(&self, _: &mut [u8], _: bool) -> Result<usize> {
            Ok(0)
        }
        fn write(&self, buf: &[u8], _: bool) -> Result<usize> {
            Ok(buf.len())
        }
    }

    /// The entries `OPEN` holds for device `number`, and how many of them are dead.
    fn entries(number: u64) -> (usize, usize) {
        let open = OPEN.lock();
        let mine = open.iter().filter(|(n, _)| *n == number);
        let dead = mine.clone().filter(|(_, w)| w.strong_count() == 0).count();
        (mine.count(), dead)
    }

    #[test]
    fn the_open_list_holds_no_closed_instance_past_the_next_open() {
        // A number no other test opens, so that tests running beside this one (which
        // only ever remove closed entries) do not change its counts.
        const NUMBER: u64 = 0x7e57_0000_0001;
        let kept: Vec<_> = (0..3).map(|_| track(NUMBER, Arc::new(Quiet))).collect();
        assert_eq!(entries(NUMBER), (3, 0));
        for _ in 0..1000 {
            let a = track(NUMBER, Arc::new(Quiet));
            let b = track(NUMBER, Arc::new(Quiet));
            drop(a);
            drop(b);
            // The next open sweeps both: the list is the live instances and the new one.
            let c = track(NUMBER, Arc::new(Quiet));
            assert_eq!(entries(NUMBER), (4, 0));
            drop(c);
        }
        // A revoke sweeps too, and cuts off only the live ones.
        assert_eq!(entries(NUMBER), (4, 1));
        assert_eq!(revoke_device(NUMBER), 3);
        assert_eq!(entries(NUMBER), (3, 0));
        assert!(kept.iter().all(|f| f.revoked()));
        drop(kept);
        assert_eq!(revoke_device(NUMBER), 0);
        assert_eq!(entries(NUMBER), (0, 0));
    }
}
