//! System-call tracing, in ABI-neutral terms: which processes are traced (a flag that
//! fork inherits and exec keeps), and the one place trace lines are written, straight to
//! the kernel log's port whatever the log level: `[trace] PID ABI CALL = RESULT`. The
//! personalities decode the calls (from their ABI's generated tables) and call [`emit`].

use super::{Process, Task, uaccess::UserFault};
use core::sync::atomic::{AtomicBool, Ordering};

/// Processes started without a parent (init) are traced: `nymph.trace=init`.
static TRACE_SPAWNED: AtomicBool = AtomicBool::new(false);

/// Makes the processes [`super::spawn`] starts from now on traced, or not.
pub fn trace_spawned(on: bool) {
    TRACE_SPAWNED.store(on, Ordering::Relaxed);
}

pub(super) fn spawned_traced() -> AtomicBool {
    AtomicBool::new(TRACE_SPAWNED.load(Ordering::Relaxed))
}

impl Process {
    /// Whether its system calls are traced. One relaxed load: the untraced path pays
    /// nothing else.
    #[inline]
    pub fn traced(&self) -> bool {
        self.traced.load(Ordering::Relaxed)
    }

    /// Starts or stops tracing it (its later children inherit the setting).
    pub fn set_traced(&self, on: bool) {
        self.traced.store(on, Ordering::Relaxed);
    }
}

/// Writes one trace line for `process`: `call` is the decoded call and its result.
pub fn emit(process: &Process, abi: &str, call: &str) {
    nymph_hal::serial::log(format_args!("[trace] {} {abi} {call}\n", process.pid.0));
}

/// Reads a string argument for a trace line: at most `buf.len()` bytes at `addr`.
/// Returns the bytes read and whether the string ended within them; `None` if the
/// memory cannot be read (the line then shows the address).
pub fn read_str(task: &Task, addr: u64, buf: &mut [u8]) -> Option<(usize, bool)> {
    match task.read_cstr(addr, buf.len()) {
        Ok(s) => {
            let n = s.len().min(buf.len());
            buf.get_mut(..n)?.copy_from_slice(s.get(..n)?);
            Some((n, true))
        }
        // Longer than the bound: those bytes were readable; show them cut.
        Err(UserFault::StringTooLong) => {
            task.read_bytes(addr, buf).ok().map(|()| (buf.len(), false))
        }
        Err(UserFault::BadAddress(_)) => None,
    }
}
