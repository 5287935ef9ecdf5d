//! Init's standard descriptors as pipes, for `cargo xtask exec` with its own stdio not a
//! terminal: a program run under a harness then sees what it would see under a shell's
//! pipe (no terminal: stdio buffers fully, `ls` writes one name a line; a FIFO in fstat;
//! its bytes untranslated; end of file on its input).
//!
//! - `nymph.stdio=ports`: descriptors 1 and 2 are the write ends of two pipes that the
//!   boot thread empties, byte for byte, to the machine's first two virtio consoles
//!   (many kilobytes a request), or without them to COM3 and COM4 (a byte at a time).
//! - `nymph.stdin=FILE`: descriptor 0 is the read end of a pipe the boot thread fills
//!   with FILE's bytes (a file of the initrd), then closes.
//!
//! What is not asked for stays on the console.

use crate::file::{FdTable, OpenFile, pipe};
use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use nymph_hal::serial::{COM3, COM4, open_port, write_raw};
use nymph_hal::virtio_console;
use spin::Once;

/// Where a drained pipe's bytes go.
#[derive(Clone, Copy)]
enum Port {
    Virtio(usize),
    Serial(u16),
}

impl Port {
    fn write(self, bytes: &[u8]) {
        match self {
            Port::Virtio(index) => {
                // Said once: a console that stopped answering drops every later chunk.
                let bit = 1u32 << (index % 32);
                if !virtio_console::write(index, bytes)
                    && SILENT_CONSOLES.fetch_or(bit, Ordering::Relaxed) & bit == 0
                {
                    log::error!(
                        "virtio console {index} stopped taking output; what it is given is dropped"
                    );
                }
            }
            Port::Serial(port) => write_raw(port, bytes),
        }
    }
}

/// The virtio consoles found to take no more output (bit per index), logged once.
static SILENT_CONSOLES: AtomicU32 = AtomicU32::new(0);

/// The read ends being emptied, each with its port.
static DRAINS: Once<Vec<(Arc<OpenFile>, Port)>> = Once::new();

/// The input still to go into descriptor 0's pipe: the file it comes from, read a
/// chunk at a time (it may be larger than the kernel heap: `cargo xtask exec` takes up
/// to 64 MiB of input), and the chunk going in.
struct Feed {
    write: Arc<OpenFile>,
    /// None for an unreadable file: the input is empty.
    source: Option<Arc<crate::vfs::Inode>>,
    /// Where the next chunk starts in the file.
    offset: u64,
    chunk: Vec<u8>,
    /// How much of the chunk went in.
    done: usize,
}

/// The most of the input file read at once.
const FEED_CHUNK: usize = 64 * 1024;

/// None once all went in (the write end closed: end of file) or nobody reads.
static FEED: Mutex<Option<Feed>> = Mutex::new(None);

/// Init's descriptors as `ports` (the output pipes) and `stdin_file` (the input pipe)
/// ask, or None when neither applies (init then gets the console on all three). Without
/// COM3 and COM4 the output stays on the console; an unreadable input file is logged and
/// read as empty.
pub fn init_files(ports: bool, stdin_file: Option<&str>) -> Option<FdTable> {
    let console = FdTable::console().ok()?;
    let mut files = [console.clone(), console.clone(), console];
    let mut changed = false;
    if let Some(path) = stdin_file {
        let ctx = crate::vfs::FsContext::initial();
        let source = crate::vfs::lookup(&ctx, None, path.as_bytes(), crate::vfs::Follow::Yes)
            .map_err(|e| log::error!("nymph.stdin={path}: {e:?}; init's input is empty"))
            .ok();
        let (read, write) = pipe::new().ok()?;
        files[0] = read;
        *FEED.lock() = Some(Feed {
            write,
            source,
            offset: 0,
            chunk: Vec::new(),
            done: 0,
        });
        changed = true;
    }
    if ports {
        let targets = if virtio_console::open_all() >= 2 {
            Some([Port::Virtio(0), Port::Virtio(1)])
        } else if open_port(COM3) && open_port(COM4) {
            Some([Port::Serial(COM3), Port::Serial(COM4)])
        } else {
            None
        };
        if let Some([out, err]) = targets {
            let (out_read, out_write) = pipe::new().ok()?;
            let (err_read, err_write) = pipe::new().ok()?;
            files[1] = out_write;
            files[2] = err_write;
            DRAINS.call_once(|| alloc::vec![(out_read, out), (err_read, err)]);
            changed = true;
        } else {
            log::warn!(
                "nymph.stdio=ports: no virtio consoles nor COM3 and COM4 here; init's output \
                 stays on the console"
            );
        }
    }
    if !changed {
        return None;
    }
    FdTable::with_stdio(files).ok()
}

/// Puts what input it can into descriptor 0's pipe without waiting; whether some is
/// still to go.
fn feed() -> bool {
    let mut feed = FEED.lock();
    let Some(f) = feed.as_mut() else {
        return false;
    };
    loop {
        if f.done == f.chunk.len() {
            f.chunk.resize(FEED_CHUNK, 0);
            let read = f
                .source
                .as_ref()
                .map_or(Ok(0), |node| node.read_at(f.offset, &mut f.chunk));
            let n = read.unwrap_or_else(|e| {
                log::error!(
                    "nymph.stdin: {e:?} at byte {}; the input ends there",
                    f.offset
                );
                0
            });
            f.chunk.truncate(n);
            f.offset += n as u64;
            f.done = 0;
            if n == 0 {
                break;
            }
        }
        match f.write.ops().write(&f.chunk[f.done..], true) {
            Ok(n) if n > 0 => f.done += n,
            // Full: the rest waits for the reader.
            Ok(_) | Err(crate::file::FileError::WouldBlock) => return true,
            // Nobody reads any more: the rest is dropped, as a shell's pipe drops it.
            Err(_) => break,
        }
    }
    // All in (or unwanted): closing the write end gives the reader end of file.
    *feed = None;
    false
}

/// Copies what the output pipes hold to their ports, and feeds the input pipe. With
/// `wait`, goes on, sleeping when there is nothing to move, until the input is all in
/// and every writer of the output pipes is gone; else returns once nothing moves.
pub fn pump(wait: bool) {
    let drains: &[(Arc<OpenFile>, Port)] = DRAINS.get().map_or(&[], |d| d.as_slice());
    let mut buf = alloc::vec![0u8; virtio_console::REQUEST_BYTES];
    loop {
        let mut busy = feed();
        for (read, port) in drains {
            loop {
                match read.ops().read(&mut buf, true) {
                    Ok(0) => break,
                    Ok(n) => port.write(&buf[..n]),
                    Err(_) => {
                        // Empty, with a writer left.
                        busy = true;
                        break;
                    }
                }
            }
        }
        if !wait || !busy {
            return;
        }
        let input = FEED.lock().as_ref().map(|f| f.write.clone());
        let mut queues: Vec<_> = drains.iter().filter_map(|(r, _)| r.wait_queue()).collect();
        if let Some(w) = input.as_ref().and_then(|w| w.wait_queue()) {
            queues.push(w);
        }
        crate::sched::wait_any(&queues, None);
    }
}
