//! Tracing of 4.x calls: decoded from the generated `TRACE` tables of the 4.x spec,
//! written through the core's one trace writer.

use alloc::string::String;
use nymph_abi::trace::{AbiTrace, Outcome};
use nymph_kernel::process::{Task, trace};

/// A traced call in progress: its decoded `name(args)`, for the line written when it
/// returns.
pub(crate) struct Pending {
    line: String,
    number: u64,
}

/// Decodes a traced call at entry (strings are read now, before the call changes
/// anything). A call that never returns (exit) gets its line now, `= ?`.
pub(crate) fn enter(
    task: &Task,
    abi: &'static AbiTrace,
    label: &str,
    number: u64,
    words: &[u64],
) -> Option<Pending> {
    let mut line = String::new();
    let mut read = |addr, buf: &mut [u8]| trace::read_str(task, addr, buf);
    let _ = abi.write_call(&mut line, number, words, &mut read);
    if abi.no_return(number) {
        let _ = abi.write_result(&mut line, number, Outcome::NoReturn);
        trace::emit(&task.process, label, &line);
        return None;
    }
    Some(Pending { line, number })
}

/// Writes the line of a traced call with how it ended.
pub(crate) fn leave(
    task: &Task,
    abi: &'static AbiTrace,
    label: &str,
    mut call: Pending,
    outcome: Outcome,
) {
    let _ = abi.write_result(&mut call.line, call.number, outcome);
    trace::emit(&task.process, label, &call.line);
}
