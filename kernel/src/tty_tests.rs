//! Tests of the console terminal, interruptible sleeps and job control, with input typed
//! through the same function the serial interrupt uses and processes of the test
//! personality (see `process_tests`).

use crate::file::{Console, FileError, OpenFile, pipe};
use crate::ktest::{KernelTest, TestFailure, TestResult};
use crate::process::{self, CatchAction, ExitStatus, Pid, SigAction, Signal, SignalSet};
use crate::process_tests::{HEARTBEATS, NULL_HANDLER, TEST_OSABI, image};
use crate::tty::{self, Cc, LocalFlags, SetWhen, Termios};
use crate::{kassert, kassert_eq, kfail, ktest};
use alloc::sync::Arc;
use alloc::vec;
use core::sync::atomic::{AtomicUsize, Ordering};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(canonical_line_is_edited_and_read_by_the_kernel),
    ktest!(raw_reads_follow_vmin_and_vtime),
    ktest!(blocked_pipe_read_is_interrupted_by_a_signal),
    ktest!(sigstop_stops_and_sigcont_continues),
    ktest!(interrupt_character_signals_the_foreground_group),
    ktest!(background_read_stops_with_sigttin_until_continued),
    ktest!(background_read_that_cannot_stop_gets_eio),
    ktest!(a_winsize_argument_sets_the_console_window),
];

mod code {
    /// read one byte from fd 3 (call 6); exit with the result.
    pub const READ3: &[u8] = &[
        0xb8, 6, 0, 0, 0, 0xbf, 3, 0, 0, 0, 0x0f, 0x05, 0x89, 0xc7, 0xb8, 0, 0, 0, 0, 0x0f, 0x05,
    ];
    /// loop: heartbeat (call 7).
    pub const SPIN: &[u8] = &[0xb8, 7, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7];
    /// fork; the child reads a byte from fd 0 and exits with it; the parent waits with
    /// stops reported (call 8), which must say "stopped by SIGTTIN" (0x200), then waits
    /// for the child's exit and exits with its code (1 if the first report differs).
    pub const FORK_READ: &[u8] = &[
        0xb8, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x75, 0x12, 0xb8, 0x06, 0x00,
        0x00, 0x00, 0x31, 0xff, 0x0f, 0x05, 0x89, 0xc7, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x05,
        0x48, 0x89, 0xc3, 0x48, 0x89, 0xdf, 0xb8, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x3d, 0x00,
        0x02, 0x00, 0x00, 0x75, 0x13, 0x48, 0x89, 0xdf, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x0f, 0x05,
        0x89, 0xc7, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xb8,
        0x00, 0x00, 0x00, 0x00, 0x0f, 0x05,
    ];
}

fn fail(message: alloc::string::String) -> TestFailure {
    TestFailure {
        file: file!(),
        line: line!(),
        message,
    }
}

/// Puts the console back as it was (modes, session, input) when a test ends, and kills
/// the test's processes if the test failed half-way.
struct Restore {
    termios: Termios,
    session: Option<Pid>,
    kill: alloc::vec::Vec<Pid>,
}

impl Restore {
    /// Saves the console's state and turns echo off (the test's typing stays out of
    /// the log).
    fn console() -> Self {
        let console = tty::console();
        let termios = console.termios();
        let mut quiet = Termios::sane();
        quiet.local.set(LocalFlags::ECHO, false);
        let _ = console.set_termios(None, quiet, SetWhen::Flush);
        let session = console.session();
        console.set_session(None, None);
        Restore {
            termios,
            session,
            kill: vec![],
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        for &pid in &self.kill {
            if let Some(p) = process::find(pid) {
                p.post(Signal::Kill);
            }
        }
        let console = tty::console();
        let _ = console.set_termios(None, self.termios, SetWhen::Flush);
        console.set_session(self.session, self.session);
    }
}

/// Starts a test-personality program, with no parent process.
fn spawn(path: &str, code: &[u8]) -> Result<Arc<process::Process>, TestFailure> {
    crate::vfs::add_file(path, 0o755, image(TEST_OSABI, code))
        .map_err(|e| fail(alloc::format!("add {path}: {e:?}")))?;
    let pid =
        process::spawn(path, &[], &[]).map_err(|e| fail(alloc::format!("spawn {path}: {e:?}")))?;
    process::find(pid).ok_or_else(|| fail(alloc::format!("{path} vanished")))
}

/// Sleeps a tick at a time until `cond` holds (false after `ticks`).
fn eventually(ticks: u64, cond: impl Fn() -> bool) -> bool {
    let deadline = crate::time::ticks() + ticks;
    while !cond() {
        if crate::time::ticks() > deadline {
            return false;
        }
        crate::sched::sleep_ticks(1);
    }
    true
}

fn canonical_line_is_edited_and_read_by_the_kernel() -> TestResult {
    let _restore = Restore::console();
    let console = tty::console();
    let mut buf = [0u8; 16];
    kassert_eq!(console.read(&mut buf, true), Err(FileError::WouldBlock));
    console.input_bytes(b"ab\x7fc\rrest");
    kassert_eq!(console.read(&mut buf, false), Ok(3));
    kassert_eq!(&buf[..3], b"ac\n");
    // "rest" is an unfinished line: a reader blocks until the line ends.
    let got = Arc::new(AtomicUsize::new(usize::MAX));
    let g = got.clone();
    let spawned = crate::sched::spawn("tty-reader", move || {
        let mut buf = [0u8; 16];
        if let Ok(n) = tty::console().read(&mut buf, false)
            && &buf[..n] == b"rest\n"
        {
            g.store(n, Ordering::SeqCst);
        } else {
            g.store(0, Ordering::SeqCst);
        }
    });
    kassert!(spawned.is_ok());
    crate::sched::sleep_ticks(2);
    kassert_eq!(got.load(Ordering::SeqCst), usize::MAX);
    console.input_bytes(b"\n");
    kassert!(eventually(50, || got.load(Ordering::SeqCst) != usize::MAX));
    kassert_eq!(got.load(Ordering::SeqCst), 5);
    // EOF at the start of a line reads as end of file.
    console.input_bytes(b"\x04");
    kassert_eq!(console.read(&mut buf, false), Ok(0));
    Ok(())
}

fn raw_reads_follow_vmin_and_vtime() -> TestResult {
    let _restore = Restore::console();
    let console = tty::console();
    let mut raw = console.termios();
    raw.local.set(LocalFlags::ICANON, false);
    raw.cc[Cc::Min as usize] = 2;
    raw.cc[Cc::Time as usize] = 0;
    kassert_eq!(console.set_termios(None, raw, SetWhen::Now), Ok(()));
    let mut buf = [0u8; 8];
    console.input_bytes(b"x");
    // One byte of the two VMIN asks for: not yet.
    kassert_eq!(console.read(&mut buf, true), Err(FileError::WouldBlock));
    console.input_bytes(b"y\x7f");
    kassert_eq!(console.read(&mut buf, false), Ok(3));
    kassert_eq!(&buf[..3], b"xy\x7f");
    // VMIN 0, VTIME 1: a read with nothing typed returns 0 after a tenth of a second.
    raw.cc[Cc::Min as usize] = 0;
    raw.cc[Cc::Time as usize] = 1;
    kassert_eq!(console.set_termios(None, raw, SetWhen::Now), Ok(()));
    let start = crate::time::ticks();
    kassert_eq!(console.read(&mut buf, false), Ok(0));
    let waited = crate::time::ticks() - start;
    let tenth = u64::from(crate::time::hz()) / 10;
    kassert!(waited >= tenth, "returned after {waited} ticks");
    Ok(())
}

/// A handler that lets the test process go on where it was.
fn catch_with_null_handler(p: &process::Process, signal: Signal) {
    p.set_sigaction(
        signal,
        SigAction::Catch(CatchAction {
            handler: NULL_HANDLER,
            mask: SignalSet::EMPTY,
            flags: 0,
            restorer: 0,
        }),
    );
}

fn blocked_pipe_read_is_interrupted_by_a_signal() -> TestResult {
    let mut restore = Restore::console();
    let p = spawn("/tmp/ktest/read3", code::READ3)?;
    restore.kill.push(p.pid);
    let Ok((read_end, write_end)) = pipe::new() else {
        kfail!("no pipe")
    };
    kassert_eq!(p.with_files(|t| t.install(read_end, false, 3)), Ok(3));
    catch_with_null_handler(&p, Signal::Usr1);
    // Blocked in the read: an ignored signal does not end it, a caught one does.
    crate::sched::sleep_ticks(3);
    p.set_sigaction(Signal::Usr2, SigAction::Ignore);
    p.post(Signal::Usr2);
    crate::sched::sleep_ticks(2);
    kassert!(!p.has_exited(), "an ignored signal ended the read");
    p.post(Signal::Usr1);
    let status = process::wait_detached(p.pid);
    drop(write_end);
    // -4 (interrupted) as an exit code.
    kassert_eq!(status, Some(ExitStatus::Exited(0xfc)));
    Ok(())
}

fn sigstop_stops_and_sigcont_continues() -> TestResult {
    let mut restore = Restore::console();
    let p = spawn("/tmp/ktest/spin", code::SPIN)?;
    restore.kill.push(p.pid);
    let beats = || HEARTBEATS.load(Ordering::SeqCst);
    let before = beats();
    kassert!(
        eventually(100, || beats() > before),
        "the program never ran"
    );
    p.post(Signal::Stop);
    kassert!(eventually(50, || p.stopped() == Some(Signal::Stop)));
    let stopped_at = beats();
    crate::sched::sleep_ticks(5);
    kassert_eq!(beats(), stopped_at);
    // Continuing happens even when SIGCONT is ignored.
    p.set_sigaction(Signal::Cont, SigAction::Ignore);
    p.post(Signal::Cont);
    kassert!(eventually(50, || beats() > stopped_at), "not continued");
    kassert_eq!(p.stopped(), None);
    // SIGTSTP to a group nobody could continue (orphaned: no parent) is discarded.
    p.post(Signal::Tstp);
    let at = beats();
    kassert!(eventually(50, || beats() > at + 2), "orphan was stopped");
    kassert_eq!(p.stopped(), None);
    // SIGKILL ends a stopped process.
    p.post(Signal::Stop);
    kassert!(eventually(50, || p.stopped() == Some(Signal::Stop)));
    p.post(Signal::Kill);
    kassert_eq!(
        process::wait_detached(p.pid),
        Some(ExitStatus::Signaled {
            signal: Signal::Kill,
            core: false
        })
    );
    Ok(())
}

fn interrupt_character_signals_the_foreground_group() -> TestResult {
    let mut restore = Restore::console();
    let p = spawn("/tmp/ktest/spin-int", code::SPIN)?;
    restore.kill.push(p.pid);
    let console = tty::console();
    console.set_session(Some(p.sid()), Some(p.pgid()));
    console.input_bytes(b"typed");
    console.input_bytes(b"\x03");
    kassert_eq!(
        process::wait_detached(p.pid),
        Some(ExitStatus::Signaled {
            signal: Signal::Int,
            core: false
        })
    );
    // The interrupt character flushed the input.
    kassert_eq!(console.available(), 0);
    Ok(())
}

fn background_read_stops_with_sigttin_until_continued() -> TestResult {
    let mut restore = Restore::console();
    let parent = spawn("/tmp/ktest/fork-read", code::FORK_READ)?;
    restore.kill.push(parent.pid);
    let console = tty::console();
    console.set_session(Some(parent.sid()), Some(parent.pgid()));
    if !eventually(100, || !parent.children().is_empty()) {
        kfail!("the program did not fork");
    }
    let child = process::find(parent.children()[0]).ok_or_else(|| fail("no child".into()))?;
    restore.kill.push(child.pid);
    // The child goes to a group of its own: a background group of the session (not
    // orphaned: its parent is in another group of the same session).
    process::set_pgid(&child, child.pid);
    console.input_bytes(b"x\n");
    kassert!(
        eventually(100, || child.stopped() == Some(Signal::Ttin)),
        "background reader not stopped: {:?}",
        child.stopped()
    );
    kassert_eq!(console.available(), 2);
    // Bring it to the foreground and continue it: its read goes on and gets the byte.
    let caller = parent.clone();
    kassert_eq!(console.set_foreground(&caller, child.pid), Ok(()));
    child.post(Signal::Cont);
    // The parent saw the stop (0x200), then the exit code 'x'.
    kassert_eq!(
        process::wait_detached(parent.pid),
        Some(ExitStatus::Exited(b'x'))
    );
    // The rest of the line is still there.
    let mut buf = [0u8; 4];
    kassert_eq!(console.read(&mut buf, false), Ok(1));
    Ok(())
}

fn background_read_that_cannot_stop_gets_eio() -> TestResult {
    let mut restore = Restore::console();
    let p = spawn("/tmp/ktest/read-console", code::READ3)?;
    restore.kill.push(p.pid);
    let Ok(console_file) = OpenFile::new(Arc::new(Console), true, true) else {
        kfail!("no open file")
    };
    kassert_eq!(p.with_files(|t| t.install(console_file, false, 3)), Ok(3));
    p.set_sigaction(Signal::Ttin, SigAction::Ignore);
    // Its session's terminal, with another group in the foreground.
    tty::console().set_session(Some(p.sid()), Some(Pid(u32::MAX)));
    // -5 (EIO) as an exit code.
    kassert_eq!(
        process::wait_detached(p.pid),
        Some(ExitStatus::Exited(0xfb))
    );
    Ok(())
}

/// `nymph.winsize=ROWSxCOLS` (what xtask passes from its terminal) sizes the console;
/// a size that is not two non-zero numbers leaves it.
fn a_winsize_argument_sets_the_console_window() -> TestResult {
    let console = crate::tty::console();
    let before = console.winsize();
    crate::boot::console_window("init=/bin/x nymph.winsize=30x100 loglevel=info");
    let set = console.winsize();
    crate::boot::console_window("nymph.winsize=0x100");
    crate::boot::console_window("nymph.winsize=30");
    let kept = console.winsize();
    console.set_winsize(before);
    kassert_eq!((set.rows, set.cols), (30, 100));
    kassert_eq!((kept.rows, kept.cols), (30, 100));
    Ok(())
}
