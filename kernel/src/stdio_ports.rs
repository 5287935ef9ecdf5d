//! `nymph.stdio=ports`: init's standard output and error are the write ends of two pipes
//! that the boot thread empties, byte for byte, to COM3 and COM4. A program run by
//! `cargo xtask exec` with its output captured then sees what it would see under a
//! shell's pipe: no terminal on descriptors 1 and 2 (stdio buffers fully, `ls` writes
//! one name a line), a FIFO in fstat, and its bytes untranslated. Standard input stays
//! on the console.

use crate::file::{FdTable, OpenFile, pipe};
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_hal::serial::{COM3, COM4, open_port, write_raw};
use spin::Once;

/// The read ends being emptied, each with its port.
static DRAINS: Once<Vec<(Arc<OpenFile>, u16)>> = Once::new();

/// Opens COM3 and COM4 and returns init's descriptors: the console, then the two pipes'
/// write ends. None when the machine lacks the ports (init then keeps the console).
pub fn init_files() -> Option<FdTable> {
    if !(open_port(COM3) && open_port(COM4)) {
        log::warn!("nymph.stdio=ports: no COM3 and COM4 here; init's output stays on the console");
        return None;
    }
    let (out_read, out_write) = pipe::new().ok()?;
    let (err_read, err_write) = pipe::new().ok()?;
    let files = FdTable::with_stdio([FdTable::console().ok()?, out_write, err_write]).ok()?;
    DRAINS.call_once(|| alloc::vec![(out_read, COM3), (err_read, COM4)]);
    Some(files)
}

/// Copies what the pipes hold to their ports. With `wait`, goes on until every writer
/// of both is gone, sleeping while they are empty; else returns once they are empty.
pub fn pump(wait: bool) {
    let Some(drains) = DRAINS.get() else {
        return;
    };
    let mut buf = [0u8; 512];
    loop {
        let mut open = false;
        for (read, port) in drains {
            loop {
                match read.ops().read(&mut buf, true) {
                    Ok(0) => break,
                    Ok(n) => write_raw(*port, &buf[..n]),
                    Err(_) => {
                        // Empty, with a writer left.
                        open = true;
                        break;
                    }
                }
            }
        }
        if !wait || !open {
            return;
        }
        let queues: Vec<_> = drains.iter().filter_map(|(r, _)| r.wait_queue()).collect();
        crate::sched::wait_any(&queues, None);
    }
}
