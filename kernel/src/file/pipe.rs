//! Pipes: a bounded byte queue between a read end and a write end. Reads block while the
//! pipe is empty and a writer exists (end of file once none does); writes block while
//! there is no room, and a write of at most `PIPE_BUF` bytes is never interleaved with
//! another; writing with no reader left is `BrokenPipe`.

use super::{FileError, FileKind, FileOps, OpenFile};
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
}

#[derive(Debug)]
struct Pipe {
    state: Mutex<State>,
    /// Readers and writers wait here for data, room, or the other side going away.
    changed: WaitQueue,
}

#[derive(Debug)]
struct ReadEnd(Arc<Pipe>);

#[derive(Debug)]
struct WriteEnd(Arc<Pipe>);

/// A new pipe: its read end and its write end, as open files.
pub fn new() -> (Arc<OpenFile>, Arc<OpenFile>) {
    let pipe = Arc::new(Pipe {
        state: Mutex::new(State {
            data: VecDeque::new(),
            readers: 1,
            writers: 1,
        }),
        changed: WaitQueue::new(),
    });
    (
        OpenFile::new(Arc::new(ReadEnd(pipe.clone())), true, false),
        OpenFile::new(Arc::new(WriteEnd(pipe)), false, true),
    )
}

impl FileOps for ReadEnd {
    fn kind(&self) -> FileKind {
        FileKind::PipeRead
    }

    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut s = self.0.state.lock();
                if !s.data.is_empty() {
                    let n = buf.len().min(s.data.len());
                    for (dst, src) in buf.iter_mut().zip(s.data.drain(..n)) {
                        *dst = src;
                    }
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

    fn write(&self, _buf: &[u8], _nonblock: bool) -> Result<usize, FileError> {
        Err(FileError::BadDescriptor)
    }
}

impl FileOps for WriteEnd {
    fn kind(&self) -> FileKind {
        FileKind::PipeWrite
    }

    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> Result<usize, FileError> {
        Err(FileError::BadDescriptor)
    }

    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, FileError> {
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
