//! Pipes: a bounded byte queue between a read end and a write end. Reads block while the
//! pipe is empty and a writer exists (end of file once none does); writes block while
//! there is no room, and a write of at most `PIPE_BUF` bytes is never interleaved with
//! another; writing with no reader left is `BrokenPipe`.

use super::{FileError, FileKind, FileOps, OpenFile, Readiness};
use crate::error::Result;
use crate::sched::WaitQueue;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use spin::Mutex;

/// Bytes a pipe holds.
pub const CAPACITY: usize = 16 * 1024;
/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;

#[derive(Debug)]
struct State {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
    /// Counts opens, so that a FIFO opener notices a partner that came and went.
    opens: u64,
}

/// The shared state of a pipe or a FIFO.
#[derive(Debug)]
pub struct Pipe {
    state: Mutex<State>,
    /// Readers and writers wait here for data, room, or the other side going away.
    changed: WaitQueue,
}

#[derive(Debug)]
struct ReadEnd(Arc<Pipe>);

#[derive(Debug)]
struct WriteEnd(Arc<Pipe>);

/// A new pipe: its read end and its write end, as open files.
pub fn new() -> Result<(Arc<OpenFile>, Arc<OpenFile>)> {
    let pipe = Arc::new(Pipe::empty());
    let read_end = OpenFile::new(ReadEnd::open(&pipe), true, false)?;
    let write_end = OpenFile::new(WriteEnd::open(&pipe), false, true)?;
    Ok((read_end, write_end))
}

impl Pipe {
    /// A pipe with no ends open yet (a FIFO's, until someone opens it). Its buffer is
    /// taken whole now, so the heap it can use is paid for while making the pipe, where
    /// the heap's reserve is checked (a write never grows the heap).
    pub fn empty() -> Pipe {
        Pipe {
            state: Mutex::new(State {
                data: VecDeque::with_capacity(CAPACITY),
                readers: 0,
                writers: 0,
                opens: 0,
            }),
            changed: WaitQueue::new(),
        }
    }

    fn ends(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.readers, s.writers)
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

    fn read_limit(&self) -> Option<usize> {
        Some(CAPACITY)
    }

    fn poll(&self) -> Readiness {
        let s = self.0.state.lock();
        Readiness {
            read: !s.data.is_empty() || s.writers == 0,
            write: false,
            hangup: s.writers == 0,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.changed)
    }

    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut s = self.0.state.lock();
                if !s.data.is_empty() {
                    let n = buf.len().min(s.data.len());
                    // The queue's two halves in two copies, not byte by byte.
                    let (front, back) = s.data.as_slices();
                    let first = n.min(front.len());
                    buf[..first].copy_from_slice(&front[..first]);
                    buf[first..n].copy_from_slice(&back[..n - first]);
                    s.data.drain(..n);
                    drop(s);
                    self.0.changed.wake_all();
                    return Ok(n);
                }
                if s.writers == 0 {
                    return Ok(0);
                }
            }
            if nonblock {
                return Err(FileError::WouldBlock);
            }
            let pipe = self.0.clone();
            crate::process::sleep_interruptible(&self.0.changed, move || {
                let s = pipe.state.lock();
                !s.data.is_empty() || s.writers == 0
            })
            .map_err(|_| FileError::Interrupted)?;
        }
    }

    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize> {
        Err(FileError::BadDescriptor)
    }
}

impl FileOps for WriteEnd {
    fn kind(&self) -> FileKind {
        FileKind::PipeWrite
    }

    fn poll(&self) -> Readiness {
        let s = self.0.state.lock();
        Readiness {
            read: false,
            write: CAPACITY - s.data.len() >= PIPE_BUF || s.readers == 0,
            hangup: s.readers == 0,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.changed)
    }

    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize> {
        Err(FileError::BadDescriptor)
    }

    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize> {
        let mut written = 0;
        while written < buf.len() {
            {
                let mut s = self.0.state.lock();
                if s.readers == 0 {
                    return if written > 0 {
                        Ok(written)
                    } else {
                        Err(FileError::BrokenPipe)
                    };
                }
                let room = CAPACITY - s.data.len();
                let left = buf.len() - written;
                // A small write goes in whole or waits; a large one goes in pieces.
                let fits = if buf.len() <= PIPE_BUF {
                    room >= left
                } else {
                    room > 0
                };
                if fits {
                    let n = left.min(room);
                    s.data.extend(&buf[written..written + n]);
                    written += n;
                    drop(s);
                    self.0.changed.wake_all();
                    continue;
                }
            }
            if nonblock {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(FileError::WouldBlock)
                };
            }
            let pipe = self.0.clone();
            let need = if buf.len() <= PIPE_BUF {
                buf.len() - written
            } else {
                1
            };
            let slept = crate::process::sleep_interruptible(&self.0.changed, move || {
                let s = pipe.state.lock();
                CAPACITY - s.data.len() >= need || s.readers == 0
            });
            if slept.is_err() {
                // What went in stays in; a signal ends the write with what was taken.
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(FileError::Interrupted)
                };
            }
        }
        Ok(written)
    }
}

impl Drop for ReadEnd {
    fn drop(&mut self) {
        self.0.state.lock().readers -= 1;
        self.0.changed.wake_all();
    }
}

impl Drop for WriteEnd {
    fn drop(&mut self) {
        self.0.state.lock().writers -= 1;
        self.0.changed.wake_all();
    }
}
