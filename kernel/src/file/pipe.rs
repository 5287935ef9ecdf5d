//! Pipes: a bounded byte queue between a read end and a write end. Reads block while the
//! pipe is empty and a writer exists (end of file once none does); writes block while
//! there is no room, and a write of at most `PIPE_BUF` bytes (the pipe's own limit, see
//! [`with_atomic_writes`]) is never interleaved with another; writing with no reader
//! left is `BrokenPipe`.
//!
//! A pipe(2) pipe keeps BSD's buffer policy (4.x's sys_pipe.c pipe_write): it holds
//! `PIPE_SIZE` bytes, and grows to `CAPACITY` only for a write of more than that into
//! it empty, while fewer than `MAX_BIG_PIPES` are grown; writes put bytes in only while
//! fewer than `PIPE_SIZE` are queued. A FIFO's and a socket stream's ring grows to
//! `CAPACITY` whenever a write needs the room (see [`Buffering`]).
//!
//! Bytes move between the caller's memory and the queue in one copy each way: a user
//! buffer is copied straight into the queue's free space and out of its filled part
//! (see [`Source`] and [`Sink`]), with no kernel buffer between.
//!
//! A socket's stream may mark a position with control (descriptors in flight): the
//! control belongs to the bytes written from there, a read that starts there takes it,
//! and no read runs on past the next mark. A pipe without marks pays one check per read.

use super::owner::{AsyncSignals, SignalOwner};
use super::socket::Control;
use super::{FileError, FileKind, FileOps, OpenFile, Readiness, Sink, Source};
use crate::error::Result;
use crate::sched::WaitQueue;
use crate::sync::Mutex;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes a pipe holds at most (BSD's BIG_PIPE_SIZE; a 64 KiB write goes in without a
/// switch).
pub const CAPACITY: usize = 64 * 1024;
/// Bytes a new pipe holds (BSD's PIPE_SIZE): the many pipes that carry little cost a
/// quarter of the heap.
const PIPE_SIZE: usize = 16 * 1024;
/// Writes up to this size are atomic, unless the pipe was made with its own limit.
pub const PIPE_BUF: usize = 4096;
/// Pipe(2) pipes grown to `CAPACITY` at once, system-wide, at most (4.x's
/// LIMITBIGPIPES): past that a big write goes into `PIPE_SIZE` bytes.
const MAX_BIG_PIPES: usize = 32;
/// Pipe(2) pipes grown to `CAPACITY` now.
static BIG_PIPES: AtomicUsize = AtomicUsize::new(0);
/// The most an urgent send may run past [`CAPACITY`], whatever its [`UrgentSlack`]
/// asks: the ring grows by that much at most.
pub const MAX_URGENT_SLACK: usize = 4096;

/// How far an urgent send (TCP's MSG_OOB) may fill a socket's stream past
/// [`CAPACITY`], for a personality whose sends give urgent data room ordinary data
/// does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrgentSlack {
    /// Bytes past `CAPACITY` an urgent send may fill (up to [`MAX_URGENT_SLACK`]).
    pub beyond: usize,
    /// An urgent send that has room but finds the stream already more than this
    /// past `CAPACITY` is refused (`NoBufferSpace`).
    pub refused_past: usize,
}

impl UrgentSlack {
    /// No more room than ordinary data has.
    pub const NONE: UrgentSlack = UrgentSlack {
        beyond: 0,
        refused_past: 0,
    };
}

/// A grown pipe(2) pipe's place among the `MAX_BIG_PIPES` its counter counts, given
/// back when the pipe goes (4.x's nbigpipe, counted down in pipe_free_kmem).
#[derive(Debug)]
struct BigPipe(&'static AtomicUsize);

impl BigPipe {
    /// A place, if fewer than `MAX_BIG_PIPES` are taken.
    fn take(count: &'static AtomicUsize) -> Option<BigPipe> {
        count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < MAX_BIG_PIPES).then_some(n + 1)
            })
            .ok()
            .map(|_| BigPipe(count))
    }
}

impl Drop for BigPipe {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How a pipe's ring grows, and how full its writes fill it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Buffering {
    /// A FIFO's or a socket stream's: the ring grows to `CAPACITY` whenever a write
    /// needs the room, and writes fill it.
    AsNeeded,
    /// A pipe(2) pipe's, as 4.x's pipe_write: the ring grows to `CAPACITY` only for a
    /// write of more than `PIPE_SIZE` bytes finding it empty and not grown (and a
    /// place among the `MAX_BIG_PIPES`), and writes put bytes in only while fewer than
    /// `PIPE_SIZE` are queued (so a grown ring takes a big write, not more small ones).
    Bsd,
}

#[derive(Debug)]
struct State {
    /// A ring of `PIPE_SIZE` or `CAPACITY` bytes: `len` bytes from `head` on
    /// (wrapping) are queued.
    ring: Box<[u8]>,
    head: usize,
    len: usize,
    readers: usize,
    writers: usize,
    /// Counts opens, so that a FIFO opener notices a partner that came and went.
    opens: u64,
    /// Bytes ever taken off the queue: the stream position of its first byte.
    taken: u64,
    /// Control bound to stream positions, oldest first (at or past `taken`).
    marks: VecDeque<Mark>,
    /// A socket stream's urgent data.
    urgent: Urgent,
    /// A grown pipe(2) pipe's place among the `MAX_BIG_PIPES`.
    big: Option<BigPipe>,
}

/// TCP's urgent data in a socket's stream: the position reads stop at, whether they
/// have reached it, and the byte taken out of line (BSD's so_oobmark, SS_RCVATMARK,
/// and the tcpcb's t_iobc and t_oobflags).
#[derive(Debug, Default)]
struct Urgent {
    /// The stream position of the urgent byte (kept in line) or of where it was taken
    /// out; past `taken` while it stands, None once reads reach it.
    mark: Option<u64>,
    /// Reads have reached the mark and no read has moved on since.
    at_mark: bool,
    byte: OutOfBand,
}

/// The urgent byte taken out of line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum OutOfBand {
    /// None arrived (or it came in line).
    #[default]
    None,
    /// It waits for a receive of its own (TCPOOB_HAVEDATA).
    Waiting(u8),
    /// It has been received (TCPOOB_HADDATA).
    Received,
}

/// Control that arrives with the bytes from stream position `at` on.
#[derive(Debug)]
struct Mark {
    at: u64,
    control: Vec<Control>,
}

impl State {
    fn capacity(&self) -> usize {
        self.ring.len()
    }

    /// Room for ordinary writes: up to `CAPACITY` queued, within the ring (an urgent
    /// send may have filled it past that).
    fn room(&self) -> usize {
        self.capacity().min(CAPACITY).saturating_sub(self.len)
    }

    /// Bytes the writer has put in and the reader not yet taken: those queued, and
    /// an urgent byte waiting out of line (sent, it holds its place in the stream's
    /// buffer as the bytes in line do).
    fn held(&self) -> usize {
        self.len + usize::from(matches!(self.urgent.byte, OutOfBand::Waiting(_)))
    }

    /// Room for a piece of an urgent send: up to `limit` held, within the ring (its
    /// last byte needs none of the ring when it goes out of line).
    fn urgent_room(&self, limit: usize, inline: bool) -> usize {
        let ring = self.capacity() - self.len + usize::from(!inline);
        limit.saturating_sub(self.held()).min(ring)
    }

    /// Whether a read that waits for `least` bytes may go on: that many are queued,
    /// or some and no more can come, or some up to a mark (4.x's soreceive does not
    /// wait for its low-water mark past the end of a record, and a stream's control
    /// starts one). A read's `least` is at least 1; 0 is a kqueue note's mark (BSD's
    /// NOTE_LOWAT), met with nothing queued.
    fn enough_to_read(&self, least: usize) -> bool {
        self.len >= least || (self.len > 0 && (self.writers == 0 || !self.marks.is_empty()))
    }

    /// Room for a pipe(2) pipe's write ([`Buffering::Bsd`]): none once `PIPE_SIZE`
    /// bytes are queued, whatever the ring's size (4.x's pipe_write copies only while
    /// `cnt < PIPE_SIZE`).
    fn bsd_room(&self) -> usize {
        if self.len < PIPE_SIZE { self.room() } else { 0 }
    }

    /// Grows the ring to `CAPACITY`, unless it is there already or the heap is down to
    /// its reserve (the pipe then goes on at the size it has).
    fn grow(&mut self) {
        self.grow_to(CAPACITY);
    }

    /// Before a pipe(2) pipe's write of `total` bytes: 4.x's pipe_write grows the
    /// buffer to BIG_PIPE_SIZE for a write of more than PIPE_SIZE finding it empty and
    /// not grown, while fewer than LIMITBIGPIPES pipes are (a place taken here goes
    /// back if the heap refuses the ring).
    fn grow_for_big_write(&mut self, total: usize) {
        if total <= PIPE_SIZE || self.len != 0 || self.capacity() > PIPE_SIZE {
            return;
        }
        let Some(place) = BigPipe::take(&BIG_PIPES) else {
            return;
        };
        if self.grow_to(CAPACITY) {
            self.big = Some(place);
        }
    }

    /// Grows the ring to `size` bytes, as [`State::grow`]; whether it grew.
    fn grow_to(&mut self, size: usize) -> bool {
        if self.capacity() >= size || crate::mm::heap::under_pressure() {
            return false;
        }
        let mut ring = vec![0u8; size].into_boxed_slice();
        let first = self.len.min(self.capacity() - self.head);
        ring[..first].copy_from_slice(&self.ring[self.head..self.head + first]);
        ring[first..self.len].copy_from_slice(&self.ring[..self.len - first]);
        self.ring = ring;
        self.head = 0;
        true
    }

    /// Copies the oldest `n` queued bytes to `to` from its offset `at` on, leaving them
    /// queued.
    fn copy_into<S: Sink + ?Sized>(&self, to: &mut S, at: usize, n: usize) -> Result<()> {
        let first = n.min(self.capacity() - self.head);
        to.copy_in(at, &self.ring[self.head..self.head + first])?;
        if n > first {
            to.copy_in(at + first, &self.ring[..n - first])?;
        }
        Ok(())
    }

    /// Copies up to `n` queued bytes to `to` from its offset `at` on, oldest first, and
    /// takes them off the queue; a failed copy takes nothing.
    fn take_into<S: Sink + ?Sized>(&mut self, to: &mut S, at: usize, n: usize) -> Result<()> {
        self.copy_into(to, at, n)?;
        self.len -= n;
        self.taken += n as u64;
        // An empty ring starts over at its front: the next write is one piece.
        self.head = if self.len == 0 {
            0
        } else {
            (self.head + n) % self.capacity()
        };
        Ok(())
    }

    /// Copies `n` bytes of `from` at its offset `at` into the free space behind the
    /// queued bytes and queues them; a failed copy queues nothing.
    fn put_from<S: Source + ?Sized>(&mut self, from: &S, at: usize, n: usize) -> Result<()> {
        let tail = (self.head + self.len) % self.capacity();
        let first = n.min(self.capacity() - tail);
        from.copy_out(at, &mut self.ring[tail..tail + first])?;
        if n > first {
            from.copy_out(at + first, &mut self.ring[..n - first])?;
        }
        self.len += n;
        Ok(())
    }

    /// Stream position of the next byte written.
    fn end(&self) -> u64 {
        self.taken + self.len as u64
    }

    /// Binds `control` to the byte at `at` (with any control already there).
    fn mark(&mut self, at: u64, control: Control) {
        match self.marks.back_mut() {
            Some(m) if m.at == at => m.control.push(control),
            _ => self.marks.push_back(Mark {
                at,
                control: alloc::vec![control],
            }),
        }
    }

    /// How many of the queued bytes one read may give (it stops before the next mark
    /// past its start), and whether a mark sits at its start.
    fn readable_run(&self) -> (usize, bool) {
        let mut marks = self.marks.iter();
        let Some(first) = marks.next() else {
            return (self.len, false);
        };
        let at_start = first.at == self.taken;
        let next = if at_start { marks.next() } else { Some(first) };
        let run = next.map_or(self.len, |m| {
            (m.at.saturating_sub(self.taken) as usize).min(self.len)
        });
        (run, at_start)
    }

    /// Bytes one read may give: up to the next mark of control or of urgent data.
    fn readable(&self) -> (usize, bool) {
        let (run, at_start) = self.readable_run();
        match self.urgent.mark {
            Some(m) => (run.min(m.saturating_sub(self.taken) as usize), at_start),
            None => (run, at_start),
        }
    }

    /// After a read moved bytes: it has left the urgent mark behind, or reached it.
    fn moved_on(&mut self, taken: bool) {
        self.urgent.at_mark = false;
        if taken && self.urgent.mark == Some(self.taken) {
            self.urgent.mark = None;
            self.urgent.at_mark = true;
        }
    }
}

/// The shared state of a pipe or a FIFO.
#[derive(Debug)]
pub struct Pipe {
    state: Mutex<State>,
    /// Readers and writers wait here for data, room, or the other side going away.
    changed: WaitQueue,
    /// Signal-driven I/O for the reading and the writing side (BSD's pipe_sigio and
    /// PIPE_ASYNC of each end; for a FIFO, its sockets' so_sigio and SS_ASYNC).
    reading: AsyncSignals,
    writing: AsyncSignals,
    /// A FIFO's, which signals as 4.x's FIFOs (sockets inside) do, not as its pipes.
    fifo: bool,
    /// How its ring grows, and how full its writes fill it.
    buffering: Buffering,
    /// Writes of at most this many bytes go in whole; the write end is ready with
    /// this much room (the PIPE_BUF of the ABI that made a pipe(2) pipe).
    atomic_write_max: usize,
    /// What a reader and a writer wait for, as ^T names it: a pipe's "piperd" and
    /// "pipewr", a socket's (and a FIFO's) "sbwait".
    wait_messages: [&'static str; 2],
}

#[derive(Debug)]
struct ReadEnd(Arc<Pipe>);

#[derive(Debug)]
struct WriteEnd(Arc<Pipe>);

/// A new pipe whose writes of up to `PIPE_BUF` bytes are atomic: its read end and its
/// write end, as open files.
pub fn new() -> Result<(Arc<OpenFile>, Arc<OpenFile>)> {
    with_atomic_writes(PIPE_BUF)
}

/// A new pipe whose writes of up to `atomic_write_max` bytes are atomic (the PIPE_BUF
/// of the ABI whose pipe(2) makes it; it stays the pipe's whoever writes later).
pub fn with_atomic_writes(atomic_write_max: usize) -> Result<(Arc<OpenFile>, Arc<OpenFile>)> {
    let pipe = Arc::new(Pipe::unnamed(atomic_write_max));
    let read_end = OpenFile::new(ReadEnd::open(&pipe), true, false)?;
    let write_end = OpenFile::new(WriteEnd::open(&pipe), false, true)?;
    Ok((read_end, write_end))
}

impl Pipe {
    /// A pipe(2) pipe with no ends open yet. Its first buffer is taken now, while
    /// making the pipe, where the heap's reserve is checked; a write grows it only
    /// while the heap is above that reserve.
    fn unnamed(atomic_write_max: usize) -> Pipe {
        Pipe::new(
            false,
            ["piperd", "pipewr"],
            Buffering::Bsd,
            atomic_write_max,
        )
    }

    /// A FIFO's pipe, with no ends open yet.
    pub fn fifo() -> Pipe {
        Pipe::new(true, ["sbwait"; 2], Buffering::AsNeeded, PIPE_BUF)
    }

    /// One direction of a stream socket's connection.
    pub fn for_socket() -> Pipe {
        Pipe::new(false, ["sbwait"; 2], Buffering::AsNeeded, PIPE_BUF)
    }

    fn new(
        fifo: bool,
        wait_messages: [&'static str; 2],
        buffering: Buffering,
        atomic_write_max: usize,
    ) -> Pipe {
        Pipe {
            wait_messages,
            buffering,
            atomic_write_max,
            state: Mutex::new(State {
                ring: vec![0u8; PIPE_SIZE].into_boxed_slice(),
                head: 0,
                len: 0,
                readers: 0,
                writers: 0,
                opens: 0,
                taken: 0,
                marks: VecDeque::new(),
                urgent: Urgent::default(),
                big: None,
            }),
            changed: WaitQueue::new(),
            reading: AsyncSignals::new(),
            writing: AsyncSignals::new(),
            fifo,
        }
    }

    /// Room for a write now, as this pipe's buffering allows.
    fn write_room(&self, s: &State) -> usize {
        match self.buffering {
            Buffering::AsNeeded => s.room(),
            Buffering::Bsd => s.bsd_room(),
        }
    }

    /// The queue its readers and writers wait on (a socket polls it).
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.changed
    }

    fn ends(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.readers, s.writers)
    }

    /// Whether the writing end is still open somewhere (a stream socket's peer has not
    /// shut its sending side).
    pub fn has_writers(&self) -> bool {
        self.ends().1 > 0
    }

    /// The bytes its ring holds now (it starts at `PIPE_SIZE` and may grow to
    /// `CAPACITY`, as BSD's pipes grow to a big pipe's buffer; see [`Buffering`]).
    pub fn buffer_size(&self) -> usize {
        self.state.lock().capacity()
    }

    /// Bytes queued.
    pub fn queued(&self) -> usize {
        self.state.lock().len
    }

    /// Whether a socket reading with low-water mark `least` finds enough, or the end
    /// (4.x's soreadable, for a stream).
    pub fn readable_at(&self, least: usize) -> bool {
        let s = self.state.lock();
        s.enough_to_read(least) || s.writers == 0
    }

    /// Whether a socket writing with low-water mark `least` finds room for that much,
    /// or nobody to read (4.x's sowriteable, for a stream).
    pub fn writable_at(&self, least: usize) -> bool {
        let s = self.state.lock();
        // The room there is once a write grows the ring (as it does for a write that
        // needs it), not the ring's room now.
        CAPACITY.saturating_sub(s.len) >= least || s.readers == 0
    }

    /// Room for bytes now.
    pub fn room(&self) -> usize {
        self.state.lock().room()
    }

    /// Calls `f` with each control waiting in the pipe.
    pub fn each_control(&self, f: impl FnMut(&Control)) {
        let s = self.state.lock();
        s.marks.iter().flat_map(|m| &m.control).for_each(f);
    }

    /// Takes every control waiting in the pipe (its bytes stay, as if never marked).
    pub fn take_controls(&self) -> Vec<Control> {
        let mut s = self.state.lock();
        s.marks.drain(..).flat_map(|m| m.control).collect()
    }
}

/// How long a read or write may wait for bytes or room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Not at all (a non-blocking descriptor): `WouldBlock` instead.
    Never,
    /// Until it can go on, or a signal comes.
    Forever,
    /// As `Forever`, but only until the clock reaches this tick (a socket's receive
    /// or send timeout): then as `Never`.
    Until(u64),
}

impl From<bool> for Wait {
    /// A descriptor's non-blocking flag.
    fn from(nonblock: bool) -> Wait {
        if nonblock { Wait::Never } else { Wait::Forever }
    }
}

impl Wait {
    /// Sleeps on `queue` until `ready`, a signal (`Interrupted`) or the deadline
    /// (`WouldBlock`), waiting for what `message` names; `Never` is `WouldBlock` at
    /// once.
    pub fn sleep(
        self,
        message: &'static str,
        queue: &WaitQueue,
        ready: impl Fn() -> bool,
    ) -> Result<()> {
        let deadline = match self {
            Wait::Never => return Err(FileError::WouldBlock),
            Wait::Forever => None,
            Wait::Until(tick) => Some(tick),
        };
        let _waiting = crate::sched::waiting_for(message);
        match crate::process::sleep_interruptible_until(queue, ready, deadline) {
            Ok(true) => Ok(()),
            Ok(false) => Err(FileError::WouldBlock),
            Err(_) => Err(FileError::Interrupted),
        }
    }
}

/// Takes the control a read meets (see [`read_marked`]); an error refuses it.
pub type AcceptControl<'a> = &'a mut dyn FnMut(Vec<Control>) -> Result<()>;

/// Moves queued bytes to `to` (as many as are queued, up to its length), waiting for
/// some unless `nonblock`. A copy that fails takes nothing off the queue. Control met
/// on the way is dropped.
pub fn read<S: Sink + ?Sized>(
    pipe: &Arc<Pipe>,
    to: &mut S,
    wait: impl Into<Wait>,
) -> Result<usize> {
    receive(pipe, to, wait.into(), true, None, 1)
}

/// As [`read`], but the control marked at the first byte goes to `accept` before any
/// byte moves, and the read stops before the next marked byte. If `accept` refuses
/// it, the control is gone, the bytes stay for the next read, and the error is the
/// read's (as 4.x's soreceive leaves a stream's data when externalizing fails).
/// A socket's read waits for `least` bytes (its low-water mark, at most what it asks
/// for; see [`State::enough_to_read`]); `Wait::Never` then is `WouldBlock` with fewer.
pub fn read_marked<S: Sink + ?Sized>(
    pipe: &Arc<Pipe>,
    to: &mut S,
    wait: impl Into<Wait>,
    accept: AcceptControl<'_>,
    least: usize,
) -> Result<usize> {
    receive(pipe, to, wait.into(), true, Some(accept), least)
}

/// As [`read_marked`], but the bytes (and any control) stay queued (a socket's
/// MSG_PEEK).
pub fn peek<S: Sink + ?Sized>(
    pipe: &Arc<Pipe>,
    to: &mut S,
    wait: impl Into<Wait>,
    least: usize,
) -> Result<usize> {
    receive(pipe, to, wait.into(), false, None, least)
}

fn receive<S: Sink + ?Sized>(
    pipe: &Arc<Pipe>,
    to: &mut S,
    wait: Wait,
    take: bool,
    mut accept: Option<AcceptControl<'_>>,
    least: usize,
) -> Result<usize> {
    if to.len() == 0 {
        return Ok(0);
    }
    loop {
        {
            let mut s = pipe.state.lock();
            if s.enough_to_read(least) {
                let (run, at_mark) = s.readable();
                if take && at_mark {
                    let control = s.marks.pop_front().map(|m| m.control).unwrap_or_default();
                    // Outside the lock: accepting installs files, refusing drops them
                    // (and a dropped file may be this pipe's own socket).
                    drop(s);
                    match accept.as_mut() {
                        Some(accept) => accept(control)?,
                        None => drop(control),
                    }
                    continue;
                }
                let n = to.len().min(run);
                if !take {
                    s.copy_into(to, 0, n)?;
                    s.moved_on(false);
                    return Ok(n);
                }
                s.take_into(to, 0, n)?;
                s.moved_on(true);
                let roomy = s.room() >= pipe.atomic_write_max;
                drop(s);
                pipe.changed.wake_all();
                pipe.read_signals(roomy);
                return Ok(n);
            }
            if s.writers == 0 {
                return Ok(0);
            }
        }
        wait.sleep(pipe.wait_messages[0], &pipe.changed, || {
            let s = pipe.state.lock();
            s.enough_to_read(least) || s.writers == 0
        })?;
    }
}

/// Queues all of `from`, waiting for room unless `nonblock`: at most the pipe's
/// `PIPE_BUF` bytes go in whole, more in pieces as room appears. Returns how much went
/// in; after some bytes, a signal or having to wait ends it short, while a reader
/// going away or a failing copy is the call's error, what went in staying in (4.x's
/// pipe_write and sosend, under dofilewrite).
pub fn write<S: Source + ?Sized>(
    pipe: &Arc<Pipe>,
    from: &S,
    wait: impl Into<Wait>,
) -> Result<usize> {
    put(pipe, from, wait.into(), None, None)
}

/// A socket stream's send: as [`write`], but a part goes in once there is room for
/// `low_water` bytes (4.x's sosend, which waits while the room is short of both what
/// is left and the send buffer's low-water mark), whatever the length; and `control`
/// is bound to the first byte that goes in (dropped, its files closing, if none
/// does). Without bytes, the control waits for the next ones written.
pub fn write_marked<S: Source + ?Sized>(
    pipe: &Arc<Pipe>,
    from: &S,
    wait: impl Into<Wait>,
    control: Option<Control>,
    low_water: usize,
) -> Result<usize> {
    put(pipe, from, wait.into(), control, Some(low_water.max(1)))
}

/// How a send that stopped with `e` after `written` bytes ends (see
/// [`FileError::ends_transfer_short`]).
fn short(written: usize, e: FileError) -> Result<usize> {
    if written > 0 && e.ends_transfer_short() {
        Ok(written)
    } else {
        Err(e)
    }
}

/// [`write`] and [`write_marked`]: with no `low_water`, a pipe's rule (up to its
/// `PIPE_BUF` bytes in whole, more as room appears).
fn put<S: Source + ?Sized>(
    pipe: &Arc<Pipe>,
    from: &S,
    wait: Wait,
    mut control: Option<Control>,
    low_water: Option<usize>,
) -> Result<usize> {
    let total = from.len();
    // Nothing to write still finds a missing reader (4.x's pipe_write and sosend
    // look before the transfer), and control with no bytes still goes.
    if total == 0 {
        let mut s = pipe.state.lock();
        if s.readers == 0 {
            return Err(FileError::BrokenPipe);
        }
        if let Some(c) = control.take() {
            let at = s.end();
            s.mark(at, c);
        }
        return Ok(0);
    }
    let atomic = total <= pipe.atomic_write_max;
    // A pipe(2) pipe's growth is decided once, before any bytes go, as 4.x's
    // pipe_write decides it.
    let mut may_grow = pipe.buffering == Buffering::Bsd;
    let mut written = 0;
    while written < total {
        {
            let mut s = pipe.state.lock();
            if s.readers == 0 {
                return short(written, FileError::BrokenPipe);
            }
            let left = total - written;
            if may_grow {
                s.grow_for_big_write(total);
                may_grow = false;
            } else if pipe.buffering == Buffering::AsNeeded && s.room() < left {
                s.grow();
            }
            let room = pipe.write_room(&s);
            let enough = match low_water {
                None => (atomic && room >= left) || (!atomic && room > 0),
                Some(low) => room >= left.min(low),
            };
            if enough {
                let n = left.min(room);
                let at = s.end();
                if let Err(e) = s.put_from(from, written, n) {
                    return short(written, e);
                }
                if let Some(c) = control.take() {
                    // Marked under the lock the bytes went in with: no reader sees
                    // them without it.
                    s.mark(at, c);
                }
                written += n;
                drop(s);
                pipe.changed.wake_all();
                pipe.reading.notify();
                continue;
            }
        }
        let need = match low_water {
            None if atomic => total - written,
            None => 1,
            Some(low) => (total - written).min(low),
        };
        let slept = wait.sleep(pipe.wait_messages[1], &pipe.changed, || {
            let s = pipe.state.lock();
            pipe.write_room(&s) >= need || s.readers == 0
        });
        if let Err(e) = slept {
            // What went in stays in; a signal or the timeout ends the write with
            // what was taken.
            return short(written, e);
        }
    }
    Ok(written)
}

/// A socket stream's urgent send (TCP's MSG_OOB): as [`write_marked`], with room up to
/// [`CAPACITY`] and `slack.beyond` more, and each piece that goes in ending in urgent
/// data as its receiver's TCP takes it in: in line (`inline`, its SO_OOBINLINE) the
/// mark goes at that byte; otherwise the byte waits out of line for
/// [`take_out_of_band`] and the mark goes where it would have been. Reads stop at the
/// mark; a mark with nothing before it is reached at once. A byte still waiting out of
/// line is replaced, as a new urgent pointer replaces it. `urgent_sent` runs after
/// each piece, outside the lock (to signal the receiver).
///
/// A piece ends at the room there is, so a send longer than that announces an urgent
/// byte at the end of each piece that goes in; a send that ends short ends with one.
pub fn write_urgent<S: Source + ?Sized>(
    pipe: &Arc<Pipe>,
    from: &S,
    inline: bool,
    wait: Wait,
    low_water: usize,
    slack: UrgentSlack,
    urgent_sent: &mut dyn FnMut(),
) -> Result<usize> {
    let total = from.len();
    let limit = CAPACITY + slack.beyond.min(MAX_URGENT_SLACK);
    let low_water = low_water.max(1);
    let refused_past = CAPACITY.saturating_add(slack.refused_past);
    let mut written = 0;
    while written < total {
        let left = total - written;
        {
            let mut s = pipe.state.lock();
            if s.readers == 0 {
                return short(written, FileError::BrokenPipe);
            }
            if s.capacity() - s.len < left {
                s.grow();
                if s.capacity() - s.len < left {
                    s.grow_to(limit);
                }
            }
            let room = s.urgent_room(limit, inline);
            if room >= left.min(low_water) {
                if s.held() > refused_past {
                    return short(written, FileError::NoBufferSpace);
                }
                let n = left.min(room);
                let mut last = [0u8; 1];
                if let Err(e) = from.copy_out(written + n - 1, &mut last) {
                    return short(written, e);
                }
                let in_line = if inline { n } else { n - 1 };
                if let Err(e) = s.put_from(from, written, in_line) {
                    return short(written, e);
                }
                let at = s.end() - u64::from(inline);
                s.urgent.byte = if inline {
                    OutOfBand::None
                } else {
                    OutOfBand::Waiting(last[0])
                };
                if at == s.taken {
                    s.urgent.mark = None;
                    s.urgent.at_mark = true;
                } else {
                    s.urgent.mark = Some(at);
                }
                written += n;
                drop(s);
                pipe.changed.wake_all();
                pipe.reading.notify();
                urgent_sent();
                continue;
            }
        }
        let need = left.min(low_water);
        let slept = wait.sleep(pipe.wait_messages[1], &pipe.changed, || {
            let s = pipe.state.lock();
            s.urgent_room(limit, inline) >= need || s.readers == 0
        });
        if let Err(e) = slept {
            return short(written, e);
        }
    }
    Ok(written)
}

/// Takes the urgent byte waiting out of line (`peek`: leaves it), as BSD's
/// tcp_usr_rcvoob: `InvalidArgument` when no urgent data was announced or it has
/// been received, `WouldBlock` when it came in line.
pub fn take_out_of_band(pipe: &Pipe, peek: bool) -> Result<u8> {
    let mut s = pipe.state.lock();
    let u = &mut s.urgent;
    if (u.mark.is_none() && !u.at_mark) || u.byte == OutOfBand::Received {
        return Err(FileError::InvalidArgument);
    }
    let OutOfBand::Waiting(byte) = u.byte else {
        return Err(FileError::WouldBlock);
    };
    if !peek {
        u.byte = OutOfBand::Received;
    }
    Ok(byte)
}

impl Pipe {
    /// SIGIO after a read took bytes: a FIFO's writers have room (uipc_rcvd's
    /// sowwakeup); a pipe's readers hear it, once its PIPE_BUF bytes are free, as
    /// 4.x's pipe_read calls pipeselwakeup on its own end.
    fn read_signals(&self, roomy: bool) {
        if self.fifo {
            self.writing.notify();
        } else if roomy {
            self.reading.notify();
        }
    }

    /// Urgent data is announced: its mark stands ahead, or reads are at it.
    pub fn urgent_pending(&self) -> bool {
        let s = self.state.lock();
        s.urgent.mark.is_some() || s.urgent.at_mark
    }

    /// Reads have reached the urgent mark (BSD's SIOCATMARK).
    pub fn at_urgent_mark(&self) -> bool {
        self.state.lock().urgent.at_mark
    }
}

/// A new read or write end of `pipe` (one direction of a socket connection holds
/// one of each).
pub fn open_end(pipe: &Arc<Pipe>, read: bool) -> Arc<dyn FileOps> {
    if read {
        ReadEnd::open(pipe)
    } else {
        WriteEnd::open(pipe)
    }
}

/// Opens one end of a FIFO's pipe. Opening blocks until the other side is open too
/// (or a signal comes: `Interrupted`), except a non-blocking open: for reading it
/// succeeds at once, for writing it fails with `NoDevice` while nobody reads.
pub fn open_fifo(pipe: &Arc<Pipe>, read: bool, nonblock: bool) -> Result<Arc<dyn FileOps>> {
    if !read && nonblock && pipe.ends().0 == 0 {
        return Err(FileError::NoDevice);
    }
    let end: Arc<dyn FileOps> = if read {
        ReadEnd::open(pipe)
    } else {
        WriteEnd::open(pipe)
    };
    pipe.changed.wake_all();
    if nonblock {
        return Ok(end);
    }
    // Wait for a partner: one open now, or one that came and went meanwhile. Signals
    // end the wait (EINTR; SIGKILL must be able to end an opener nobody answers), and
    // the end opened for it goes again.
    let generation = pipe.state.lock().opens;
    let me = pipe.clone();
    let _waiting = crate::sched::waiting_for(if read { "fifoor" } else { "fifoow" });
    crate::process::sleep_interruptible(&pipe.changed, move || {
        let s = me.state.lock();
        let partner = if read { s.writers } else { s.readers };
        partner > 0 || s.opens != generation
    })
    .map_err(|_| FileError::Interrupted)?;
    Ok(end)
}

impl ReadEnd {
    fn open(pipe: &Arc<Pipe>) -> Arc<dyn FileOps> {
        let mut s = pipe.state.lock();
        s.readers += 1;
        s.opens += 1;
        drop(s);
        Arc::new(ReadEnd(pipe.clone()))
    }
}

impl WriteEnd {
    fn open(pipe: &Arc<Pipe>) -> Arc<dyn FileOps> {
        let mut s = pipe.state.lock();
        s.writers += 1;
        s.opens += 1;
        drop(s);
        Arc::new(WriteEnd(pipe.clone()))
    }
}

impl FileOps for ReadEnd {
    fn kind(&self) -> FileKind {
        FileKind::PipeRead
    }

    fn pipe(&self) -> Option<(&Arc<Pipe>, bool)> {
        Some((&self.0, true))
    }

    fn read_limit(&self) -> Option<usize> {
        Some(CAPACITY)
    }

    fn poll(&self) -> Readiness {
        let s = self.0.state.lock();
        Readiness {
            read: s.len > 0 || s.writers == 0,
            write: false,
            hangup: s.writers == 0,
            urgent: false,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.changed)
    }

    fn readable_bytes(&self) -> Option<u64> {
        Some(self.0.state.lock().len as u64)
    }

    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        read(&self.0, buf, nonblock)
    }

    fn read_to(&self, to: &mut dyn Sink, nonblock: bool) -> Option<Result<usize>> {
        Some(read(&self.0, to, nonblock))
    }

    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(FileError::BadDescriptor)
    }

    fn signal_owner(&self) -> Option<&SignalOwner> {
        Some(self.0.reading.owner())
    }

    fn set_async_io(&self, on: bool) -> bool {
        self.0.reading.set_async(on);
        true
    }

    fn fifo(&self) -> bool {
        self.0.fifo
    }
}

impl FileOps for WriteEnd {
    fn kind(&self) -> FileKind {
        FileKind::PipeWrite
    }

    fn pipe(&self) -> Option<(&Arc<Pipe>, bool)> {
        Some((&self.0, false))
    }

    fn poll(&self) -> Readiness {
        let s = self.0.state.lock();
        Readiness {
            read: false,
            // 4.x's pipe_poll and filt_pipewrite: PIPE_BUF bytes of room. For a grown
            // pipe holding PIPE_SIZE or more, the room a write can fill (none), not
            // the ring's: 4.x says writable there though its write takes nothing.
            write: self.0.write_room(&s) >= self.0.atomic_write_max || s.readers == 0,
            hangup: s.readers == 0,
            urgent: false,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.changed)
    }

    fn writable_bytes(&self) -> Option<u64> {
        let s = self.0.state.lock();
        Some(self.0.write_room(&s) as u64)
    }

    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Err(FileError::BadDescriptor)
    }

    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize> {
        write(&self.0, buf, nonblock)
    }

    fn write_from(&self, from: &dyn Source, nonblock: bool) -> Option<Result<usize>> {
        Some(write(&self.0, from, nonblock))
    }

    fn signal_owner(&self) -> Option<&SignalOwner> {
        Some(self.0.writing.owner())
    }

    fn set_async_io(&self, on: bool) -> bool {
        self.0.writing.set_async(on);
        true
    }

    fn fifo(&self) -> bool {
        self.0.fifo
    }
}

/// The last reader or writer going tells the other side (4.x's pipeclose; a FIFO's
/// socantsendmore and socantrcvmore).
impl Drop for ReadEnd {
    fn drop(&mut self) {
        let last = {
            let mut s = self.0.state.lock();
            s.readers -= 1;
            s.readers == 0
        };
        self.0.changed.wake_all();
        if last {
            self.0.writing.notify();
        }
    }
}

impl Drop for WriteEnd {
    fn drop(&mut self) {
        let last = {
            let mut s = self.0.state.lock();
            s.writers -= 1;
            s.writers == 0
        };
        self.0.changed.wake_all();
        if last {
            self.0.reading.notify();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    /// An urgent send of `bytes` with no slack, never waiting.
    fn urgent(pipe: &Arc<Pipe>, bytes: &[u8], inline: bool) -> Result<usize> {
        write_urgent(
            pipe,
            bytes,
            inline,
            Wait::Never,
            1,
            UrgentSlack::NONE,
            &mut || {},
        )
    }

    #[test]
    fn reads_stop_at_the_urgent_mark_and_the_byte_is_taken_once() {
        let pipe = Arc::new(Pipe::for_socket());
        let (_r, _w) = (open_end(&pipe, true), open_end(&pipe, false));
        assert_eq!(
            take_out_of_band(&pipe, false),
            Err(FileError::InvalidArgument)
        );
        assert_eq!(write(&pipe, &b"abc"[..], Wait::Never), Ok(3));
        assert_eq!(urgent(&pipe, b"!", false), Ok(1));
        assert_eq!(write(&pipe, &b"de"[..], Wait::Never), Ok(2));
        assert!(pipe.urgent_pending() && !pipe.at_urgent_mark());
        let mut buf = [0u8; 16];
        assert_eq!(peek(&pipe, &mut buf[..], Wait::Never, 1), Ok(3));
        assert_eq!(read(&pipe, &mut buf[..2], Wait::Never), Ok(2));
        assert_eq!(read(&pipe, &mut buf[..], Wait::Never), Ok(1));
        assert_eq!(buf[0], b'c');
        assert!(pipe.at_urgent_mark() && pipe.urgent_pending());
        assert_eq!(take_out_of_band(&pipe, true), Ok(b'!'));
        assert_eq!(take_out_of_band(&pipe, false), Ok(b'!'));
        assert_eq!(
            take_out_of_band(&pipe, false),
            Err(FileError::InvalidArgument)
        );
        assert_eq!(read(&pipe, &mut buf[..], Wait::Never), Ok(2));
        assert!(!pipe.at_urgent_mark() && !pipe.urgent_pending());
        // In line: the mark at the byte, which comes with the next read.
        assert_eq!(write(&pipe, &b"x"[..], Wait::Never), Ok(1));
        assert_eq!(urgent(&pipe, b"y", true), Ok(1));
        assert_eq!(take_out_of_band(&pipe, false), Err(FileError::WouldBlock));
        assert_eq!(read(&pipe, &mut buf[..], Wait::Never), Ok(1));
        assert!(pipe.at_urgent_mark());
        assert_eq!(read(&pipe, &mut buf[..], Wait::Never), Ok(1));
        assert_eq!(buf[0], b'y');
    }

    #[test]
    fn urgent_sends_run_into_their_slack_past_a_full_pipe_and_no_further() {
        let pipe = Arc::new(Pipe::for_socket());
        let (_r, _w) = (open_end(&pipe, true), open_end(&pipe, false));
        let slack = UrgentSlack {
            beyond: 1024,
            refused_past: 512,
        };
        let mut signalled = 0;
        let mut send = |bytes: &[u8], low_water| {
            write_urgent(
                &pipe,
                bytes,
                false,
                Wait::Never,
                low_water,
                slack,
                &mut || signalled += 1,
            )
        };
        assert_eq!(
            write(&pipe, &bytes(CAPACITY, 1)[..], Wait::Never),
            Ok(CAPACITY)
        );
        assert_eq!(
            write(&pipe, &b"x"[..], Wait::Never),
            Err(FileError::WouldBlock)
        );
        // Short of the low-water mark: nothing goes; within the slack, all of it.
        assert_eq!(send(&[7; 1025], 2048), Err(FileError::WouldBlock));
        assert_eq!(send(&bytes(1024, 2), 2048), Ok(1024));
        assert_eq!(send(b"z", 2048), Err(FileError::WouldBlock));
        assert_eq!(send(b"z", 1), Err(FileError::WouldBlock));
        assert_eq!(signalled, 1);
        // The last byte waits out of line; the 1023 before it are in the stream.
        assert_eq!(pipe.queued(), CAPACITY + 1023);
        let mut all = vec![0u8; CAPACITY + 1024];
        assert_eq!(read(&pipe, &mut all[..], Wait::Never), Ok(CAPACITY + 1023));
        assert_eq!(all[CAPACITY..CAPACITY + 1023], bytes(1024, 2)[..1023]);
        assert_eq!(take_out_of_band(&pipe, false), Ok(bytes(1024, 2)[1023]));
        // Already more than `refused_past` over: refused, though there is room.
        assert_eq!(
            write(&pipe, &bytes(CAPACITY, 1)[..], Wait::Never),
            Ok(CAPACITY)
        );
        let send =
            |bytes: &[u8]| write_urgent(&pipe, bytes, true, Wait::Never, 1, slack, &mut || {});
        assert_eq!(send(&[1; 600]), Ok(600));
        assert_eq!(send(&[1; 10]), Err(FileError::NoBufferSpace));
        // In line, the urgent byte is in the stream too, and a send ends short.
        assert_eq!(read(&pipe, &mut all[..], Wait::Never), Ok(CAPACITY + 599));
        assert!(pipe.at_urgent_mark());
        assert_eq!(
            write(&pipe, &bytes(CAPACITY - 1, 1)[..], Wait::Never),
            Ok(CAPACITY - 1)
        );
        assert_eq!(send(&[2; 2000]), Ok(1024));
        assert_eq!(pipe.queued(), CAPACITY + 1024);
    }

    #[test]
    fn socket_reads_and_writes_keep_to_their_low_water_marks() {
        let pipe = Arc::new(Pipe::for_socket());
        let (_r, w) = (open_end(&pipe, true), open_end(&pipe, false));
        let mut keep = |_| Ok(());
        let mut buf = [0u8; 16];
        assert_eq!(write(&pipe, &b"abcd"[..], Wait::Never), Ok(4));
        // Four bytes: short of a mark of 6, enough for one of 4 or a read of 3.
        let mut read_least =
            |buf: &mut [u8], least| read_marked(&pipe, buf, Wait::Never, &mut keep, least);
        assert_eq!(read_least(&mut buf[..], 6), Err(FileError::WouldBlock));
        assert!(!pipe.readable_at(6) && pipe.readable_at(4));
        assert_eq!(read_least(&mut buf[..3], 3), Ok(3));
        // The writer gone: what is left, whatever the mark.
        drop(w);
        assert!(pipe.readable_at(6));
        assert_eq!(read_least(&mut buf[..], 6), Ok(1));
        assert_eq!(buf[0], b'd');

        // Sends: fill all but 100 bytes of the grown ring.
        let pipe = Arc::new(Pipe::for_socket());
        let (r, _w) = (open_end(&pipe, true), open_end(&pipe, false));
        let big = bytes(CAPACITY - 100, 7);
        assert_eq!(
            write_marked(&pipe, &big[..], Wait::Never, None, 2048),
            Ok(big.len())
        );
        assert!(!pipe.writable_at(2048) && pipe.writable_at(100));
        // What fits whole goes in; more waits for the mark's worth of room.
        assert_eq!(
            write_marked(&pipe, &[1u8; 60][..], Wait::Never, None, 2048),
            Ok(60)
        );
        assert_eq!(
            write_marked(&pipe, &[1u8; 60][..], Wait::Never, None, 2048),
            Err(FileError::WouldBlock)
        );
        // With a mark of 40, the 40 bytes of room take part of it.
        assert_eq!(
            write_marked(&pipe, &[1u8; 60][..], Wait::Never, None, 40),
            Ok(40)
        );
        // A pipe's own rule: up to PIPE_BUF whole, so none of these 10 go in.
        assert_eq!(
            write(&pipe, &[1u8; 10][..], Wait::Never),
            Err(FileError::WouldBlock)
        );
        drop(r);
        assert!(pipe.writable_at(2048));
    }

    #[test]
    fn a_fifo_starts_small_and_grows_keeping_wrapped_bytes_in_order() {
        let pipe = Arc::new(Pipe::fifo());
        {
            let mut s = pipe.state.lock();
            (s.readers, s.writers) = (1, 1);
        }
        let capacity = || pipe.state.lock().capacity();
        assert_eq!(capacity(), PIPE_SIZE);
        let (a, b, c) = (bytes(10_000, 1), bytes(9_000, 2), bytes(10_000, 3));
        let mut sink = vec![0u8; 8_000];
        assert_eq!(write(&pipe, &a[..], true).ok(), Some(10_000));
        assert_eq!(read(&pipe, &mut sink[..], true).ok(), Some(8_000));
        assert_eq!(sink[..], a[..8_000]);
        // Fits without growing, and wraps around the end of the small ring.
        assert_eq!(write(&pipe, &b[..], true).ok(), Some(9_000));
        assert_eq!(capacity(), PIPE_SIZE);
        // Needs more room than the small ring has: it grows, the queue unwrapped.
        assert_eq!(write(&pipe, &c[..], true).ok(), Some(10_000));
        assert_eq!(capacity(), CAPACITY);
        let mut all = vec![0u8; 21_000];
        assert_eq!(read(&pipe, &mut all[..], true).ok(), Some(21_000));
        let wanted: Vec<u8> = a[8_000..].iter().chain(&b).chain(&c).copied().collect();
        assert_eq!(all, wanted);
        // At its largest, a non-blocking write takes what fits and no more.
        let big = bytes(CAPACITY + 100, 4);
        assert_eq!(write(&pipe, &big[..], true).ok(), Some(CAPACITY));
        assert!(matches!(
            write(&pipe, &big[..1], true),
            Err(FileError::WouldBlock)
        ));
    }

    /// A pipe(2) pipe with both ends open, writes of up to `atomic` bytes atomic.
    fn bsd_pipe(atomic: usize) -> (Arc<Pipe>, [Arc<dyn FileOps>; 2]) {
        let pipe = Arc::new(Pipe::unnamed(atomic));
        let ends = [open_end(&pipe, true), open_end(&pipe, false)];
        (pipe, ends)
    }

    /// Writes `size`-byte pieces until `WouldBlock`: the total, and what the last
    /// write that took any took.
    fn fill(pipe: &Arc<Pipe>, size: usize) -> (usize, usize) {
        let piece = bytes(size, 9);
        let (mut total, mut last) = (0, 0);
        loop {
            match write(pipe, &piece[..], Wait::Never) {
                Ok(n) => {
                    assert!(last == 0 || last == size, "a short write before another");
                    (total, last) = (total + n, n);
                }
                Err(e) => {
                    assert_eq!(e, FileError::WouldBlock);
                    return (total, last);
                }
            }
        }
    }

    fn drain(pipe: &Arc<Pipe>) -> usize {
        let mut sink = vec![0u8; CAPACITY];
        read(pipe, &mut sink[..], Wait::Never).unwrap_or(0)
    }

    #[test]
    fn a_pipe_grows_only_for_a_big_write_finding_it_empty() {
        let (pipe, _ends) = bsd_pipe(512);
        assert_eq!(fill(&pipe, 1), (PIPE_SIZE, 1));
        assert_eq!(pipe.buffer_size(), PIPE_SIZE);
        assert_eq!(drain(&pipe), PIPE_SIZE);
        // PIPE_SIZE is not more than PIPE_SIZE.
        assert_eq!(
            write(&pipe, &bytes(PIPE_SIZE, 1)[..], Wait::Never),
            Ok(PIPE_SIZE)
        );
        assert_eq!(pipe.buffer_size(), PIPE_SIZE);
        assert_eq!(drain(&pipe), PIPE_SIZE);
        // Not empty: the write takes the room there is.
        assert_eq!(write(&pipe, &b"x"[..], Wait::Never), Ok(1));
        let big = bytes(20_000, 2);
        assert_eq!(write(&pipe, &big[..], Wait::Never), Ok(PIPE_SIZE - 1));
        assert_eq!(pipe.buffer_size(), PIPE_SIZE);
        assert_eq!(drain(&pipe), PIPE_SIZE);
        // Empty: grown first, the write goes whole, and the bytes come back in order.
        assert_eq!(write(&pipe, &big[..], Wait::Never), Ok(20_000));
        assert_eq!(pipe.buffer_size(), CAPACITY);
        assert!(pipe.state.lock().big.is_some());
        // PIPE_SIZE or more queued: no write goes in, whatever the ring's room.
        assert_eq!(
            write(&pipe, &b"x"[..], Wait::Never),
            Err(FileError::WouldBlock)
        );
        let mut all = vec![0u8; CAPACITY];
        assert_eq!(read(&pipe, &mut all[..], Wait::Never), Ok(20_000));
        assert_eq!(all[..20_000], big[..]);
        // Grown for good; small writes stop at PIPE_SIZE, one starting short of it
        // goes whole.
        assert_eq!(fill(&pipe, 1), (PIPE_SIZE, 1));
        assert_eq!(pipe.buffer_size(), CAPACITY);
        let mut sink = [0u8; 384];
        assert_eq!(read(&pipe, &mut sink[..], Wait::Never), Ok(384));
        assert_eq!(fill(&pipe, 1000), (1000, 1000));
        assert_eq!(drain(&pipe), PIPE_SIZE + 616);
        assert_eq!(
            write(&pipe, &bytes(CAPACITY + 1, 3)[..], Wait::Never),
            Ok(CAPACITY)
        );
    }

    #[test]
    fn a_pipe_keeps_its_own_atomic_write_limit() {
        // 4.x's 512: 500-byte writes are whole or nothing, 1000-byte ones take the
        // room left.
        let (pipe, _ends) = bsd_pipe(512);
        assert_eq!(fill(&pipe, 500), (16_000, 500));
        assert_eq!(
            write(&pipe, &[0u8; 512][..], Wait::Never),
            Err(FileError::WouldBlock)
        );
        assert_eq!(write(&pipe, &[0u8; 513][..], Wait::Never), Ok(384));
        let (pipe, _ends) = bsd_pipe(512);
        assert_eq!(fill(&pipe, 1000), (PIPE_SIZE, 384));
        // 4096: 1000 bytes are atomic.
        let (pipe, _ends) = bsd_pipe(4096);
        assert_eq!(fill(&pipe, 1000), (16_000, 1000));
    }

    #[test]
    fn the_write_end_is_ready_with_its_pipe_buf_of_room() {
        let (pipe, [_r, w]) = bsd_pipe(512);
        assert_eq!(w.writable_bytes(), Some(PIPE_SIZE as u64));
        let fill = bytes(PIPE_SIZE - 512, 1);
        assert_eq!(write(&pipe, &fill[..], Wait::Never), Ok(fill.len()));
        assert!(w.poll().write);
        assert_eq!(w.writable_bytes(), Some(512));
        assert_eq!(write(&pipe, &b"x"[..], Wait::Never), Ok(1));
        assert!(!w.poll().write);
        assert_eq!(w.writable_bytes(), Some(511));
        // Grown and holding PIPE_SIZE or more: no room for a write, none shown.
        drain(&pipe);
        assert_eq!(write(&pipe, &bytes(20_000, 1)[..], Wait::Never), Ok(20_000));
        assert!(!w.poll().write);
        assert_eq!(w.writable_bytes(), Some(0));
        drain(&pipe);
        assert!(w.poll().write);
        assert_eq!(w.writable_bytes(), Some(CAPACITY as u64));
    }

    #[test]
    fn big_pipes_are_counted_and_their_places_come_back() {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let mut places: Vec<BigPipe> = (0..MAX_BIG_PIPES)
            .map(|_| BigPipe::take(&COUNT).expect("a place"))
            .collect();
        assert!(BigPipe::take(&COUNT).is_none());
        places.pop();
        assert!(BigPipe::take(&COUNT).is_some());
        drop(places);
        assert_eq!(COUNT.load(Ordering::Relaxed), 0);
    }
}
