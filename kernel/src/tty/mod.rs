//! Terminals, in ABI-neutral terms: the line discipline ([`ldisc`]) on a device, with
//! what job control needs around it: the session it is the controlling terminal of,
//! its foreground process group, the window size, and the checks that stop background
//! readers (SIGTTIN) and, with TOSTOP, writers (SIGTTOU).
//!
//! The console (COM1) is the one terminal today. Its input arrives from the serial
//! interrupt through [`Terminal::input`]; output goes through OPOST/ONLCR to the port.
//! Personalities convert their termios, winsize and pid types to and from these.

pub mod ldisc;
pub mod pty;

use crate::file::FileError;
use crate::file::owner::{AsyncSignals, SignalOwner};
use crate::process::{self, KillTarget, Pid, Process, Signal};
use crate::sched::WaitQueue;
use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
pub use ldisc::{
    Cc, CcMap, FlagMap, InputFlags, Line, LineDiscipline, LocalFlags, OutputFlags, ReadOutcome,
    Termios,
};
use ldisc::{OUTPUT_HIGH_WATER, OUTPUT_LOW_WATER};

/// A terminal's window size, as TIOCGWINSZ/TIOCSWINSZ carry it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WinSize {
    pub rows: u16,
    pub cols: u16,
    pub xpixel: u16,
    pub ypixel: u16,
}

/// Why a terminal control operation failed (personalities map these to errno values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtyError {
    /// The terminal is not the caller's controlling terminal (ENOTTY).
    NotControllingTerminal,
    /// Not allowed: a group of another session, a session that is not the caller's
    /// own, a terminal another session controls (EPERM).
    NotPermitted,
    /// A signal arrived while the caller was held back as a background process (EINTR).
    Interrupted,
    /// A background process that cannot be stopped (orphaned group) (EIO).
    Io,
}

impl From<TtyError> for FileError {
    fn from(e: TtyError) -> Self {
        match e {
            TtyError::Interrupted => FileError::Interrupted,
            TtyError::Io | TtyError::NotControllingTerminal | TtyError::NotPermitted => {
                FileError::Io
            }
        }
    }
}

/// When new modes take effect (tcsetattr's TCSANOW, TCSADRAIN, TCSAFLUSH).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetWhen {
    Now,
    /// After pending output is sent (see [`Terminal::drain`]).
    Drain,
    /// After pending output is sent, discarding pending input.
    Flush,
}

#[derive(Debug)]
struct State {
    ldisc: LineDiscipline,
    winsize: WinSize,
    /// The session this is the controlling terminal of.
    session: Option<Pid>,
    /// Its foreground process group.
    foreground: Option<Pid>,
    /// Tick of the last input byte (for VTIME).
    last_input: u64,
    /// The line has gone (a pseudo-terminal whose master closed): reads find end of
    /// file, writes fail (BSD's TS_ZOMBIE).
    hung_up: bool,
    /// Opens by anyone but root are refused while it is open (TIOCEXCL: TS_XCLUDE).
    exclusive: bool,
}

/// How much of a write goes out at once (each piece waits for room).
const PIECE: usize = 1024;

/// Where a terminal's output goes.
#[derive(Debug)]
enum Output {
    /// A device driver's function (the console's serial port).
    Device(fn(&[u8])),
    /// A pseudo-terminal's master side, by index.
    Pty(usize),
}

/// A terminal: line discipline, job-control state, and the device's output.
#[derive(Debug)]
pub struct Terminal {
    state: Mutex<State>,
    /// Readers wait here for input.
    input_ready: WaitQueue,
    /// Writers wait here while output is stopped with much held.
    output_room: WaitQueue,
    device: Output,
    /// Whom SIGIO goes to (BSD's t_sigio), and whether it was asked for (TS_ASYNC).
    signals: AsyncSignals,
    /// Counts closes by revocation (BSD's t_gen): a read or write blocked across one
    /// is cut off.
    generation: AtomicU64,
}

struct Effects {
    out: Vec<u8>,
    signals: Vec<Signal>,
    /// Queues flushed by typed characters: (input, output).
    flushed: (bool, bool),
    /// ^T asked for the status line.
    status: bool,
}

impl ldisc::Hooks for Effects {
    fn output(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
    fn signal(&mut self, signal: Signal) {
        self.signals.push(signal);
    }
    fn flushed(&mut self, input: bool, output: bool) {
        if output {
            self.out.clear();
        }
        self.flushed.0 |= input;
        self.flushed.1 |= output;
    }
    fn status(&mut self) {
        self.status = true;
    }
}

fn console_device(bytes: &[u8]) {
    nymph_hal::serial::write_console(bytes);
}

static CONSOLE: Terminal = Terminal::new(console_device);

/// The console terminal.
pub fn console() -> &'static Terminal {
    &CONSOLE
}

/// Which terminal takes what is written to /dev/console (4.x's constty): none, the
/// console itself, or a pty's slave by index.
static CONSOLE_OUTPUT: AtomicUsize = AtomicUsize::new(CONSOLE_OUTPUT_NONE);
const CONSOLE_OUTPUT_NONE: usize = usize::MAX;
const CONSOLE_OUTPUT_CONSOLE: usize = pty::COUNT;

/// The terminal /dev/console's writes go to: the one that took them
/// ([`take_console_output`]), else the console.
pub fn console_output_terminal() -> &'static Terminal {
    match CONSOLE_OUTPUT.load(Ordering::Relaxed) {
        i if i < pty::COUNT => pty::slave_terminal(i),
        _ => &CONSOLE,
    }
}

/// `terminal`'s number in [`CONSOLE_OUTPUT`].
fn console_output_number(terminal: &Terminal) -> usize {
    match pty::slave_index(terminal) {
        Some(i) => i,
        None => CONSOLE_OUTPUT_CONSOLE,
    }
}

/// Whether a terminal other than `terminal` has the console's output and its line is
/// up (the console's always is): 4.x's TIOCCONS is EBUSY then.
pub fn console_output_held_by_other(terminal: &Terminal) -> bool {
    let now = CONSOLE_OUTPUT.load(Ordering::Relaxed);
    now != console_output_number(terminal)
        && match now {
            CONSOLE_OUTPUT_NONE => false,
            CONSOLE_OUTPUT_CONSOLE => true,
            i => pty::line_up(i),
        }
}

/// 4.x's TIOCCONS on `terminal` once its checks have passed: `on`, it takes what is
/// written to /dev/console (constty = tp); off, it gives it back if it has it.
pub fn take_console_output(terminal: &Terminal, on: bool) {
    let me = console_output_number(terminal);
    if on {
        CONSOLE_OUTPUT.store(me, Ordering::Relaxed);
    } else {
        give_back_console_output(me);
    }
}

/// Terminal number `me` no longer takes the console's output, if it did.
fn give_back_console_output(me: usize) {
    let _ = CONSOLE_OUTPUT.compare_exchange(
        me,
        CONSOLE_OUTPUT_NONE,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
}

/// Pty slave `index` closed (4.x's ttyclose): it no longer takes the console's output.
pub(crate) fn slave_closed(index: usize) {
    give_back_console_output(index);
}

/// A terminal as BSD's struct tty shows it (pstat -t): its queues, states, session
/// and modes.
#[derive(Clone, Copy, Debug)]
pub struct TerminalStatus {
    pub queues: ldisc::QueueStatus,
    /// Output not yet sent: held while stopped, and a pseudo-terminal's until its
    /// master reads it (t_outq).
    pub output_queued: usize,
    /// A file has it open (TS_ISOPEN): the console always.
    pub open: bool,
    /// The line is up (TS_CARR_ON): the console's always, a pseudo-terminal's while
    /// its master is open.
    pub carrier: bool,
    /// The line went down under it (TS_ZOMBIE).
    pub hung_up: bool,
    /// TIOCEXCL (TS_XCLUDE).
    pub exclusive: bool,
    /// Signal-driven I/O was asked for (TS_ASYNC).
    pub async_io: bool,
    pub session: Option<Pid>,
    pub foreground: Option<Pid>,
    pub termios: Termios,
    pub winsize: WinSize,
}

/// The terminals the kernel has set up, in that order (BSD's ttyregister): the
/// console, then each pseudo-terminal's slave from its pair's first open on.
pub fn registered_terminals() -> Vec<&'static Terminal> {
    let mut all = alloc::vec![console()];
    all.extend(pty::registered().into_iter().map(pty::slave_terminal));
    all
}

/// The console's first modes were chosen (see [`console_opened_by_init`]).
static CONSOLE_STARTED: AtomicBool = AtomicBool::new(false);

/// The modes a line of kind `line` starts with when the calling process opens it
/// first: what its personality gives, or the kernel's own for an open with no process.
pub fn first_modes(line: Line) -> Termios {
    process::current().map_or(line.default_modes(), |p| {
        p.personality().first_terminal_modes(line)
    })
}

/// Init starts on the console: as its first opener (4.x's init opens /dev/console
/// before anything else does), it gives the console the first modes of init's
/// personality. Only the first call counts.
pub fn console_opened_by_init(init: &Process) {
    if CONSOLE_STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    let modes = init.personality().first_terminal_modes(Line::Console);
    CONSOLE.state.lock().ldisc.set_termios(modes, false);
}

/// Turns console input on: the serial receive interrupt (IRQ 4) feeds the console.
pub fn init() {
    nymph_hal::serial::enable_input_interrupt();
    nymph_hal::timer::unmask_irq(nymph_hal::serial::COM1_IRQ);
    // Bytes that arrived before the interrupt was on.
    poll_console_input();
}

/// Moves received bytes from the serial port into the console (the IRQ 4 handler).
pub fn poll_console_input() {
    nymph_hal::serial::take_input(|byte| CONSOLE.input(byte));
}

/// What a job-control check decided.
enum Access {
    Allowed,
    /// The caller's group was sent a signal and the caller continued after it: check
    /// again.
    Retry,
}

impl Terminal {
    /// A terminal writing to `device`, with sane modes and a 24x80 window.
    pub const fn new(device: fn(&[u8])) -> Self {
        Terminal::with_output(Output::Device(device))
    }

    /// The slave side of pseudo-terminal `index`.
    const fn pty_slave(index: usize) -> Self {
        Terminal::with_output(Output::Pty(index))
    }

    const fn with_output(device: Output) -> Self {
        let modes = match device {
            Output::Device(_) => Line::Console.default_modes(),
            Output::Pty(_) => Line::Pseudo.default_modes(),
        };
        Terminal {
            state: Mutex::new(State {
                ldisc: LineDiscipline::with_termios(modes),
                winsize: WinSize {
                    rows: 24,
                    cols: 80,
                    xpixel: 0,
                    ypixel: 0,
                },
                session: None,
                foreground: None,
                last_input: 0,
                hung_up: false,
                exclusive: false,
            }),
            input_ready: WaitQueue::new(),
            output_room: WaitQueue::new(),
            device,
            signals: AsyncSignals::new(),
            generation: AtomicU64::new(0),
        }
    }

    /// Processes bytes received by the device: editing, echo, signal characters (sent
    /// to the foreground group), waking readers. The serial interrupt calls this;
    /// tests call it to type.
    pub fn input_bytes(&self, bytes: &[u8]) {
        crate::stats::TTY_BYTES_IN.add(bytes.len() as u64);
        self.process_input(|ldisc, effects| {
            for &b in bytes {
                ldisc.input(b, effects);
            }
        });
    }

    /// Runs `work` on the line discipline as input processing (typed bytes, or
    /// pending input typed again), then carries out its effects: echo to the
    /// device, flushes and flow control reported, signals to the foreground group,
    /// readers woken.
    fn process_input(&self, work: impl FnOnce(&mut LineDiscipline, &mut Effects)) {
        let mut effects = Effects {
            out: Vec::new(),
            signals: Vec::new(),
            flushed: (false, false),
            status: false,
        };
        // Whether the input made something readable matters only for SIGIO.
        let watching = self.signals.is_async();
        let (foreground, readable, stopped, restarted) = {
            let mut s = self.state.lock();
            let seen = |s: &State| (s.ldisc.available(), s.ldisc.readable(1));
            let before = watching.then(|| seen(&s));
            let was_stopped = s.ldisc.output_stopped();
            work(&mut s.ldisc, &mut effects);
            s.last_input = crate::time::ticks();
            let grew = before.is_some_and(|(n, ready)| {
                let (now, ready_now) = seen(&s);
                now > n || (ready_now && !ready)
            });
            let now_stopped = s.ldisc.output_stopped();
            (
                s.foreground,
                grew,
                !was_stopped && now_stopped,
                was_stopped && !now_stopped,
            )
        };
        let (input_flushed, output_flushed) = effects.flushed;
        if input_flushed || output_flushed {
            self.flushed(input_flushed, output_flushed);
        }
        if stopped {
            self.output_stopped_now();
        }
        if !effects.out.is_empty() {
            self.emit(&effects.out);
        }
        if restarted || output_flushed {
            self.output_restarted();
        }
        // ttyinput sends SIGINFO, then prints the status line. The line is made
        // before the signal goes here: a wake-up for an ignored signal (which 4.x's
        // psignal never gives) would show a sleeper as running; one that catches
        // SIGINFO shows asleep, where 4.x showed it running.
        let status = effects.status.then(|| self.status_line());
        if let Some(group) = foreground {
            for signal in effects.signals {
                let _ = process::kill_many(KillTarget::TerminalGroup(group), Some(signal));
            }
        }
        if let Some(line) = status {
            self.print(&line);
        }
        self.input_ready.wake_all();
        // ttyinput's ttwakeup: a line, or raw bytes, to read.
        if readable {
            self.notify_io();
        }
    }

    /// Sends `bytes` to the device.
    fn emit(&self, bytes: &[u8]) {
        crate::stats::TTY_BYTES_OUT.add(bytes.len() as u64);
        match self.device {
            Output::Device(f) => f(bytes),
            Output::Pty(i) => pty::output(i, bytes),
        }
    }

    /// Queues were flushed (BSD's ttyflush calling the driver's stop routine): a
    /// pseudo-terminal drops the output its master has not read, and tells a master
    /// in packet mode; the serial port has sent everything already.
    fn flushed(&self, input: bool, output: bool) {
        if let Output::Pty(i) = self.device {
            pty::flushed(i, input, output);
        }
    }

    /// Output has just stopped (a pseudo-terminal tells a master in packet mode).
    fn output_stopped_now(&self) {
        if let Output::Pty(i) = self.device {
            pty::output_stopped(i);
        }
    }

    /// After a terminal control request (4.x's ptyioctl, whatever the request): a
    /// pseudo-terminal's master in packet mode learns whether ^S/^Q flow control is
    /// on (TIOCPKT_DOSTOP, TIOCPKT_NOSTOP).
    pub fn after_control(&self) {
        if let Output::Pty(i) = self.device {
            pty::check_flow_mode(i, &self.termios());
        }
    }

    /// Output runs again: writers waiting for room go on, and a pseudo-terminal's
    /// master may read.
    fn output_restarted(&self) {
        self.output_room.wake_all();
        // Pollers of a terminal wait on its input queue.
        self.input_ready.wake_all();
        if let Output::Pty(i) = self.device {
            pty::output_restarted(i);
        }
    }

    /// Whether output is stopped (^S with IXON, TIOCSTOP).
    pub fn output_stopped(&self) -> bool {
        self.state.lock().ldisc.output_stopped()
    }

    /// Stops output as ^S does (TIOCSTOP).
    pub fn stop_output(&self) {
        let was_stopped = {
            let mut s = self.state.lock();
            let was = s.ldisc.output_stopped();
            s.ldisc.stop_output();
            was
        };
        if !was_stopped {
            self.output_stopped_now();
        }
    }

    /// Starts output as ^Q does, ending discarding too (TIOCSTART).
    pub fn start_output(&self) {
        let mut out = Vec::new();
        {
            let mut s = self.state.lock();
            let flusho = s.ldisc.termios().local.contains(LocalFlags::FLUSHO);
            if !s.ldisc.output_stopped() && !flusho {
                return;
            }
            s.ldisc.restart_output(&mut |b| out.extend_from_slice(b));
        }
        if !out.is_empty() {
            self.emit(&out);
        }
        self.output_restarted();
    }

    /// Discards output not yet sent, and starts output (tcflush TCOFLUSH: BSD's
    /// ttyflush with FWRITE).
    pub fn flush_output(&self) {
        self.state.lock().ldisc.discard_output();
        self.flushed(false, true);
        self.output_restarted();
    }

    /// What BSD's struct tty would show of this terminal now.
    pub fn status(&self) -> TerminalStatus {
        let output_queued = self.queued_output();
        let (open, carrier) = match self.device {
            Output::Device(_) => (true, true),
            Output::Pty(i) => (pty::slave_open(i), pty::line_up(i)),
        };
        let s = self.state.lock();
        TerminalStatus {
            queues: s.ldisc.queue_status(),
            output_queued,
            open,
            carrier,
            hung_up: s.hung_up,
            exclusive: s.exclusive,
            async_io: self.signals.is_async(),
            session: s.session,
            foreground: s.foreground,
            termios: s.ldisc.termios(),
            winsize: s.winsize,
        }
    }

    /// Output not yet sent (TIOCOUTQ): held while stopped, and what a
    /// pseudo-terminal's master has not read.
    pub fn queued_output(&self) -> usize {
        let held = self.state.lock().ldisc.held();
        match self.device {
            Output::Device(_) => held,
            Output::Pty(i) => held + pty::unread_output(i),
        }
    }

    /// Waits until output not yet sent has gone (tcdrain, BSD's ttywait): held
    /// output until it is started, a pseudo-terminal's until its master reads it;
    /// at once when the line is down.
    pub fn drain(&self) -> Result<(), TtyError> {
        let _waiting = crate::sched::waiting_for("ttywai");
        process::sleep_interruptible(&self.output_room, || {
            self.state.lock().hung_up || self.queued_output() == 0
        })
        .map_err(|_| TtyError::Interrupted)
    }

    /// Prints the status line (^T, TIOCSTAT: 4.x's ttyinfo) as output: the load
    /// average, then the foreground group's most interesting process (its command,
    /// pid, what it waits for, user and system time, CPU share and resident size). A
    /// line being typed counts as disturbed afterwards (erasing retypes it).
    pub fn print_status(&self) {
        self.print(&self.status_line());
    }

    /// Prints the kernel's own text on the terminal, as written output (ttyprintf).
    fn print(&self, text: &[u8]) {
        self.state.lock().ldisc.write(text, &mut |b| self.emit(b));
    }

    fn status_line(&self) -> Vec<u8> {
        use alloc::format;
        let (session, foreground) = {
            let s = self.state.lock();
            (s.session, s.foreground)
        };
        let load = crate::sched::load_average()[0];
        let load100 = (load * 100 + crate::sched::LOAD_SCALE / 2) >> crate::sched::LOAD_SHIFT;
        let mut line = format!("load: {}.{:02} ", load100 / 100, load100 % 100).into_bytes();
        let Some(group) = foreground.filter(|_| session.is_some()) else {
            let why = if session.is_none() {
                "not a controlling terminal\n"
            } else {
                "no foreground process group\n"
            };
            line.extend_from_slice(why.as_bytes());
            return line;
        };
        // Zombies stay in their group until reaped; a group with no process left is
        // none (4.x's pgdelete clears the terminal's t_pgrp).
        let members = process::all().into_iter().filter(|p| p.pgid() == group);
        let Some(pick) = members
            .map(Interest::of)
            .reduce(|a, b| if b.beats(&a) { b } else { a })
        else {
            line.extend_from_slice(b"no foreground process group\n");
            return line;
        };
        let p = &pick.process;
        let mut name = p.image_name();
        name.truncate(MAXCOMLEN);
        line.extend_from_slice(b" cmd: ");
        line.extend_from_slice(&name);
        let doing = if pick.running {
            "running"
        } else {
            p.thread()
                .and_then(crate::sched::wait_message)
                .unwrap_or("iowait")
        };
        let usage = p.usage();
        let hundredths = |ns: u64| (ns / 1_000_000_000, ns % 1_000_000_000 / 10_000_000);
        let (us, uh) = hundredths(usage.user_ns);
        let (ss, sh) = hundredths(usage.system_ns);
        let share =
            (pick.cpu_share * 10000 + crate::sched::LOAD_SCALE / 2) >> crate::sched::LOAD_SHIFT;
        let resident_kib = if pick.zombie {
            0
        } else {
            p.with_space(|s| s.page_count()).unwrap_or(0) * 4
        };
        line.extend_from_slice(
            format!(
                " {} [{doing}] {us}.{uh:02}u {ss}.{sh:02}s {}% {resident_kib}k\n",
                p.pid.0,
                share / 100
            )
            .as_bytes(),
        );
        line
    }

    /// Turns exclusive use on or off (TIOCEXCL, TIOCNXCL).
    pub fn set_exclusive(&self, on: bool) {
        self.state.lock().exclusive = on;
    }

    /// An open of the terminal, while it is in exclusive use: refused (EBUSY) but
    /// for root outside a prison (the device opens' suser check).
    pub fn check_open(&self) -> Result<(), FileError> {
        let exclusive = self.state.lock().exclusive;
        let root = process::current().is_none_or(|p| p.fs().creds.is_host_root());
        if exclusive && !root {
            return Err(FileError::Busy);
        }
        Ok(())
    }

    /// Whether a write would go on without waiting for stopped output (poll).
    pub fn writable(&self) -> bool {
        let s = self.state.lock();
        s.hung_up || !s.ldisc.output_stopped() || s.ldisc.held() <= OUTPUT_LOW_WATER
    }

    /// The line went away (a pseudo-terminal's master closed; BSD's ttymodem with
    /// carrier lost): the session leader gets SIGHUP, queued input goes, readers see
    /// end of file and writers EIO until the line is opened again.
    pub fn hang_up(&self) {
        let session = {
            let mut s = self.state.lock();
            s.hung_up = true;
            s.ldisc.flush_input();
            s.session
        };
        self.input_ready.wake_all();
        self.output_room.wake_all();
        if let Some(leader) = session.and_then(process::find) {
            leader.post(Signal::Hup);
        }
    }

    /// The line is back (a pseudo-terminal's master opened again).
    fn line_up(&self) {
        self.state.lock().hung_up = false;
        self.input_ready.wake_all();
    }

    /// The line is down from the start (a slave opened with no master).
    fn line_down(&self) {
        self.state.lock().hung_up = true;
    }

    /// Readies the terminal for its first open (a pseudo-terminal's slave, as 4.x's
    /// ptsopen and ttyopen: the first modes `modes`, an empty window size, the line
    /// up; what was typed before stays); no session yet.
    fn start(&self, modes: Termios) {
        let mut s = self.state.lock();
        s.ldisc.set_termios(modes, false);
        s.ldisc.discard_output();
        s.winsize = WinSize::default();
        s.hung_up = false;
        s.session = None;
        s.foreground = None;
    }

    /// Closed by a revocation (4.x's vgone calling the device's close, ttyclose):
    /// no session, queues flushed, and reads and writes blocked in it cut off (a read
    /// ends at end of file, a write fails), as later calls on the revoked files are.
    fn close_revoked(&self) {
        {
            let mut s = self.state.lock();
            s.session = None;
            s.foreground = None;
            s.ldisc.flush_input();
            s.ldisc.discard_output();
            s.exclusive = false;
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.flushed(true, true);
        self.input_ready.wake_all();
        self.output_room.wake_all();
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Its last open closed (4.x's ttyclose): no session, no foreground group, no
    /// exclusive use.
    fn stop(&self) {
        self.set_session(None, None);
        {
            let mut s = self.state.lock();
            s.ldisc.discard_output();
            s.exclusive = false;
        }
        self.input_ready.wake_all();
        self.output_room.wake_all();
    }

    /// Input arrived past the line discipline (a pseudo-terminal's remote-mode
    /// record): readers and pollers wake, and the owner gets SIGIO (ttwakeup).
    fn input_arrived(&self) {
        self.input_ready.wake_all();
        self.notify_io();
    }

    /// SIGIO for the owner, when asked for (ttwakeup, ttwwakeup): to a group's members
    /// that have it as controlling terminal, while the terminal has a session
    /// (pgsigio's checkctty).
    fn notify_io(&self) {
        let checked = self.session().is_some();
        self.signals.notify_members(|p| {
            !checked || (self.session() == Some(p.sid()) && !process::left_terminal(p))
        });
    }

    /// Asks for SIGIO on input and drained output, or stops it (FIOASYNC).
    pub fn set_async(&self, on: bool) {
        self.signals.set_async(on);
    }

    /// The owner, for `caller` (FIOSETOWN, FIOGETOWN): while the terminal controls a
    /// session, only for a caller it is the controlling terminal of.
    pub fn owner_for(&self, caller: &Process) -> Result<&SignalOwner, TtyError> {
        if self.session().is_some() {
            self.session_of(caller)?;
        }
        Ok(self.signals.owner())
    }

    /// One received byte (see [`Terminal::input_bytes`]).
    pub fn input(&self, byte: u8) {
        self.input_bytes(&[byte]);
    }

    /// Whether `p` is in a background group of the session this terminal controls:
    /// not the foreground group, or, when there is none, as its personality says.
    fn is_background(&self, p: &Process) -> bool {
        let (session, foreground) = {
            let s = self.state.lock();
            (s.session, s.foreground)
        };
        if session != Some(p.sid()) || process::left_terminal(p) {
            return false;
        }
        match foreground {
            Some(group) => group != p.pgid(),
            None => p.personality().background_without_foreground(),
        }
    }

    /// Job control for a process touching the terminal: a background caller gets
    /// `signal` sent to its group (and stops in `signal_pending` if it is not caught),
    /// unless the signal would not reach it: then `if_unreachable` decides.
    fn job_control(
        &self,
        p: &Arc<Process>,
        signal: Signal,
        if_unreachable: Result<Access, TtyError>,
    ) -> Result<Access, TtyError> {
        if !self.is_background(p) {
            return Ok(Access::Allowed);
        }
        // A vfork child is not stopped, which would hold its waiting parent too, nor
        // is its group signalled for it (BSD's P_PPWAIT): as if it ignored the signal.
        if p.blocks_or_ignores(signal) || p.is_vfork_child() {
            return if_unreachable;
        }
        if process::group_orphaned(p.pgid()) {
            return Err(TtyError::Io);
        }
        let _ = process::kill_many(KillTarget::TerminalGroup(p.pgid()), Some(signal));
        if process::signal_pending(p) {
            return Err(TtyError::Interrupted);
        }
        Ok(Access::Retry)
    }

    /// Job control for an operation that changes the terminal (as a write with TOSTOP).
    fn check_output(&self, p: Option<&Arc<Process>>, always: bool) -> Result<(), TtyError> {
        let Some(p) = p else { return Ok(()) };
        loop {
            let tostop = self
                .state
                .lock()
                .ldisc
                .termios()
                .local
                .contains(LocalFlags::TOSTOP);
            if !tostop && !always {
                return Ok(());
            }
            // A background process ignoring or blocking SIGTTOU may write.
            match self.job_control(p, Signal::Ttou, Ok(Access::Allowed))? {
                Access::Allowed => return Ok(()),
                Access::Retry => {}
            }
        }
    }

    /// Reads input, blocking (interruptibly) unless `nonblock`: one line at most in
    /// canonical mode; otherwise as VMIN and VTIME say. A background process of the
    /// controlling session gets SIGTTIN (EIO when it ignores or blocks it, or its
    /// group is orphaned).
    pub fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let me = process::current();
        let interrupted = || me.as_ref().is_some_and(process::signal_pending);
        // VTIME's first deadline when VMIN is 0 runs from the call.
        let start = crate::time::ticks();
        let generation = self.generation();
        loop {
            // Revoked meanwhile: a dead terminal reads end of file.
            if self.generation() != generation {
                return Ok(0);
            }
            if let Some(p) = &me {
                match self.job_control(p, Signal::Ttin, Err(TtyError::Io))? {
                    Access::Allowed => {}
                    Access::Retry => continue,
                }
            }
            let termios = self.state.lock().ldisc.termios();
            // Input typed before canonical mode came on is typed again first
            // (ttread's ttypend).
            if termios.local.contains(LocalFlags::PENDIN) {
                self.process_input(|ldisc, effects| ldisc.retype_pending(effects));
                continue;
            }
            let canonical = termios.canonical();
            let min = usize::from(termios.cc(Cc::Min)).min(buf.len());
            let time = u64::from(termios.cc(Cc::Time)) * u64::from(crate::time::hz()) / 10;
            let done = {
                let mut s = self.state.lock();
                // A line that has gone gives what was typed, then end of file.
                let hung_up = s.hung_up;
                let available = s.ldisc.available();
                let idle = crate::time::ticks().saturating_sub(s.last_input);
                let enough = if hung_up {
                    true
                } else if canonical {
                    s.ldisc.readable(1)
                } else if min == 0 {
                    available > 0 || time == 0 || crate::time::ticks() >= start + time
                } else {
                    available >= min || (time > 0 && available > 0 && idle >= time)
                };
                enough.then(|| (s.ldisc.read(buf), s.foreground))
            };
            match done {
                Some((ReadOutcome::Bytes(n), _)) => return Ok(n),
                Some((ReadOutcome::Empty, _)) => return Ok(0),
                // The delayed-suspend character: SIGTSTP for the foreground group;
                // met first, the reader waits a moment (ttread's lbolt) and reads on.
                Some((ReadOutcome::Suspend(n), foreground)) => {
                    if let Some(group) = foreground {
                        let _ = process::kill_many(
                            KillTarget::TerminalGroup(group),
                            Some(Signal::Tstp),
                        );
                    }
                    if n > 0 {
                        return Ok(n);
                    }
                    let moment = crate::time::ticks() + u64::from(crate::time::hz());
                    let _waiting = crate::sched::waiting_for("ttybg3");
                    process::sleep_interruptible_until(&self.input_ready, || false, Some(moment))
                        .map_err(|_| FileError::Interrupted)?;
                    continue;
                }
                None => {}
            }
            if nonblock {
                return Err(FileError::WouldBlock);
            }
            let deadline = if canonical || time == 0 {
                None
            } else if min == 0 {
                Some(start + time)
            } else {
                // The inter-byte timer runs once a byte has come.
                let s = self.state.lock();
                (s.ldisc.available() > 0).then_some(s.last_input + time)
            };
            let ready = || {
                let s = self.state.lock();
                let input = if canonical {
                    s.ldisc.readable(1)
                } else {
                    s.ldisc.available() >= min.max(1)
                };
                input || self.generation() != generation
            };
            let _waiting = crate::sched::waiting_for("ttyin");
            self.input_ready
                .wait_until_deadline(ready, interrupted, deadline)
                .map_err(|_| FileError::Interrupted)?;
        }
    }

    /// Writes through output processing to the device (a pseudo-terminal's slave
    /// waits for its master to read what went before). With TOSTOP a background
    /// writer gets SIGTTOU (unless it ignores or blocks it). While output is stopped
    /// it is held, and writers wait once much is; while it is discarded (FLUSHO)
    /// writes succeed and go nowhere (4.x's ttwrite).
    pub fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, FileError> {
        // The line first (4.x's ttwrite): a background writer is not stopped for a
        // terminal no one reads any more.
        if self.state.lock().hung_up {
            return Err(FileError::Io);
        }
        let me = process::current();
        self.check_output(me.as_ref(), false)?;
        if self.state.lock().hung_up {
            return Err(FileError::Io);
        }
        let mut written = 0;
        let generation = self.generation();
        for piece in buf.chunks(PIECE) {
            let ready = match self.wait_to_write(nonblock, generation) {
                // Discarding: the rest is taken as written.
                Ok(false) => return Ok(buf.len()),
                Ok(true) => match self.device {
                    // A master reads at its own pace: each piece waits for room
                    // (output processing at most doubles it).
                    Output::Pty(index) => pty::wait_for_room(index, 2 * piece.len(), nonblock),
                    Output::Device(_) => Ok(()),
                },
                Err(e) => Err(e),
            };
            if let Err(e) = ready {
                // What went before still goes out: ttwrite's error after some
                // output is the call's all the same, but for a signal or a wait.
                if written > 0 {
                    self.notify_io();
                }
                return if written > 0 && e.ends_transfer_short() {
                    Ok(written)
                } else {
                    Err(e)
                };
            }
            self.state.lock().ldisc.write(piece, &mut |b| self.emit(b));
            written += piece.len();
        }
        // Output goes out at once, or to the master: ttwwakeup.
        if written > 0 {
            self.notify_io();
        }
        Ok(written)
    }

    /// Waits while output is stopped with more than the high-water mark held, until
    /// it starts (or the line goes); false while output is being discarded.
    fn wait_to_write(&self, nonblock: bool, generation: u64) -> Result<bool, FileError> {
        let state = || {
            let s = self.state.lock();
            let discarding = s.ldisc.termios().local.contains(LocalFlags::FLUSHO);
            let full = s.ldisc.output_stopped() && s.ldisc.held() > OUTPUT_HIGH_WATER;
            (discarding, full && !s.hung_up)
        };
        loop {
            // Revoked meanwhile: a dead terminal's writes fail.
            if self.generation() != generation {
                return Err(FileError::Io);
            }
            match state() {
                (true, _) => return Ok(false),
                (false, false) => return Ok(true),
                (false, true) if nonblock => return Err(FileError::WouldBlock),
                (false, true) => {}
            }
            let _waiting = crate::sched::waiting_for("ttywri");
            process::sleep_interruptible(&self.output_room, || {
                let s = self.state.lock();
                !s.ldisc.output_stopped()
                    || s.ldisc.held() <= OUTPUT_LOW_WATER
                    || s.hung_up
                    || s.ldisc.termios().local.contains(LocalFlags::FLUSHO)
                    || self.generation() != generation
            })
            .map_err(|_| FileError::Interrupted)?;
        }
    }

    /// The current modes.
    pub fn termios(&self) -> Termios {
        self.state.lock().ldisc.termios()
    }

    /// Sets the modes (tcsetattr). A background caller gets SIGTTOU first, as for a
    /// write with TOSTOP, unless it ignores or blocks it. Readers are woken: what they
    /// wait for may have changed.
    pub fn set_termios(
        &self,
        caller: Option<&Arc<Process>>,
        termios: Termios,
        when: SetWhen,
    ) -> Result<(), TtyError> {
        self.check_output(caller, true)?;
        if when != SetWhen::Now {
            self.drain()?;
        }
        {
            let mut s = self.state.lock();
            if when == SetWhen::Flush {
                s.ldisc.flush_input();
            }
            s.ldisc.set_termios(termios, when != SetWhen::Flush);
        }
        if when == SetWhen::Flush {
            self.flushed(true, false);
        }
        self.input_ready.wake_all();
        Ok(())
    }

    /// For a request that changes the terminal (BSD's ttioctl list: setting the line
    /// discipline or the window size, draining output, ...): a background caller gets
    /// SIGTTOU first, as for tcsetattr, unless it ignores or blocks it.
    pub fn check_control(&self, caller: &Arc<Process>) -> Result<(), TtyError> {
        self.check_output(Some(caller), true)
    }

    /// Turns external processing (EXTPROC) on or off (a pty's TIOCEXT): a master in
    /// packet mode hears of it (TIOCPKT_IOCTL) when it is turned on, or off from on.
    pub fn set_external(&self, on: bool) {
        let was = self.state.lock().ldisc.set_external(on);
        if let Output::Pty(i) = self.device
            && (on || was)
        {
            pty::announce_modes(i);
        }
    }

    /// After a request that set the modes: a pty's master in packet mode hears of it
    /// (TIOCPKT_IOCTL) while external processing is on, to pick up the new modes.
    pub fn modes_set(&self) {
        if let Output::Pty(i) = self.device
            && self.termios().local.contains(LocalFlags::EXTPROC)
        {
            pty::announce_modes(i);
        }
    }

    /// Discards pending input (tcflush TCIFLUSH).
    pub fn flush_input(&self) {
        self.state.lock().ldisc.flush_input();
        self.flushed(true, false);
    }

    /// Whether a read would return without waiting for input (poll): a line in
    /// canonical mode (an end-of-file mark counts), a byte otherwise, or end of file.
    pub fn has_input(&self) -> bool {
        let s = self.state.lock();
        s.hung_up || s.ldisc.readable(1)
    }

    /// Woken when input arrives (poll waits on it).
    pub fn input_queue(&self) -> &WaitQueue {
        &self.input_ready
    }

    /// Bytes a read could take now (FIONREAD); a pseudo-terminal in remote mode
    /// counts its record as 4.x counts the canonical queue, 0 byte and all.
    pub fn available(&self) -> usize {
        let queued = self.state.lock().ldisc.available();
        match self.device {
            Output::Pty(i) => queued + pty::record_len(i),
            Output::Device(_) => queued,
        }
    }

    pub fn winsize(&self) -> WinSize {
        self.state.lock().winsize
    }

    /// Sets the window size; a change sends SIGWINCH to the foreground group.
    pub fn set_winsize(&self, size: WinSize) {
        let foreground = {
            let mut s = self.state.lock();
            if s.winsize == size {
                return;
            }
            s.winsize = size;
            s.foreground
        };
        if let Some(group) = foreground {
            let _ = process::kill_many(KillTarget::TerminalGroup(group), Some(Signal::Winch));
        }
    }

    /// The session this terminal controls, if any.
    pub fn session(&self) -> Option<Pid> {
        self.state.lock().session
    }

    /// The session, for a caller it is the controlling terminal of (tcgetsid).
    pub fn session_of(&self, caller: &Process) -> Result<Pid, TtyError> {
        let s = self.state.lock();
        match s.session {
            Some(sid) if sid == caller.sid() && !process::left_terminal(caller) => Ok(sid),
            _ => Err(TtyError::NotControllingTerminal),
        }
    }

    /// Makes this the controlling terminal of `session` with `foreground` in front, or
    /// of none (the kernel's own decision: init's session gets the console).
    pub fn set_session(&self, session: Option<Pid>, foreground: Option<Pid>) {
        let mut s = self.state.lock();
        s.session = session;
        s.foreground = session.and(foreground);
    }

    /// TIOCSCTTY: a session leader takes this as its controlling terminal, if no live
    /// session has it and its session has no other.
    pub fn acquire(&self, caller: &Process) -> Result<(), TtyError> {
        if caller.sid() != caller.pid {
            return Err(TtyError::NotPermitted);
        }
        if controlling(caller.sid()).is_some_and(|t| !core::ptr::eq(t, self)) {
            return Err(TtyError::NotPermitted);
        }
        let current = self.session();
        if let Some(sid) = current
            && sid != caller.sid()
            && session_alive(sid)
        {
            return Err(TtyError::NotPermitted);
        }
        self.set_session(Some(caller.sid()), Some(caller.pgid()));
        Ok(())
    }

    /// TIOCNOTTY: the caller gives up its controlling terminal; when the session leader
    /// does, the terminal is free again.
    pub fn release(&self, caller: &Process) -> Result<(), TtyError> {
        let sid = self.session_of(caller)?;
        if caller.pid == sid {
            self.set_session(None, None);
        }
        Ok(())
    }

    /// The foreground group, for a caller of the controlling session (tcgetpgrp).
    pub fn foreground(&self, caller: &Process) -> Result<Option<Pid>, TtyError> {
        self.session_of(caller)?;
        Ok(self.state.lock().foreground)
    }

    /// The foreground group, whoever asks (a pty master's TIOCGPGRP).
    pub fn foreground_group(&self) -> Option<Pid> {
        self.state.lock().foreground
    }

    /// Puts group `pgid` in the foreground (tcsetpgrp): the caller must be in the
    /// controlling session, and the group a live group of that session. A background
    /// caller gets SIGTTOU first unless it ignores or blocks it.
    pub fn set_foreground(&self, caller: &Arc<Process>, pgid: Pid) -> Result<(), TtyError> {
        let sid = self.session_of(caller)?;
        self.check_output(Some(caller), true)?;
        if !group_in_session(pgid, sid) {
            return Err(TtyError::NotPermitted);
        }
        self.state.lock().foreground = Some(pgid);
        self.input_ready.wake_all();
        Ok(())
    }
}

/// The longest command name the status line shows (BSD's MAXCOMLEN).
const MAXCOMLEN: usize = 16;

/// A foreground process as ttyinfo's proc_compare weighs it.
struct Interest {
    process: Arc<Process>,
    running: bool,
    zombie: bool,
    cpu_share: u64,
    sleep_seconds: u32,
}

impl Interest {
    fn of(process: Arc<Process>) -> Interest {
        let state = crate::vfs::procfs::state(&process);
        let thread = process.thread();
        let cpu_share = thread.and_then(crate::sched::cpu_share).unwrap_or(0);
        let sleep_seconds = thread.and_then(crate::sched::sleep_seconds).unwrap_or(0);
        Interest {
            process,
            running: state == 'R',
            zombie: state == 'Z',
            cpu_share,
            sleep_seconds,
        }
    }

    /// Whether `self` is the more interesting (proc_compare): a runnable process
    /// (the one using more CPU, then the higher pid), then one that has not exited,
    /// then the one asleep for the fewest whole seconds, then the higher pid (4.x's
    /// preference for an uninterruptible sleeper among equals has no counterpart:
    /// every sleep here can be interrupted).
    fn beats(&self, other: &Interest) -> bool {
        let pid = self.process.pid.0 > other.process.pid.0;
        match (self.running, other.running) {
            (true, false) => return true,
            (false, true) => return false,
            (true, true) if self.cpu_share != other.cpu_share => {
                return self.cpu_share > other.cpu_share;
            }
            (true, true) => return pid,
            (false, false) => {}
        }
        match (self.zombie, other.zombie) {
            (false, true) => true,
            (true, false) => false,
            (false, false) if self.sleep_seconds != other.sleep_seconds => {
                self.sleep_seconds < other.sleep_seconds
            }
            _ => pid,
        }
    }
}

/// Every terminal: the console, then the pseudo-terminals' slaves.
pub fn terminals() -> impl Iterator<Item = &'static Terminal> {
    core::iter::once(console()).chain(pty::slaves())
}

/// Process group `pgid` is gone (its last member reaped or moved away): a terminal it
/// was the foreground group of has none now, as 4.x's pgdelete clears t_pgrp, so a
/// later group given the same number is not in front by accident.
pub fn group_gone(pgid: Pid) {
    for terminal in terminals() {
        let mut s = terminal.state.lock();
        if s.foreground == Some(pgid) {
            s.foreground = None;
        }
    }
}

/// Whether `p`'s /dev/tty leads nowhere (4.x's cttyvp is NULL): it gave its terminal
/// up, or its session has none. A terminal revoked (`revoked`) while the session's
/// leader lives is still the session's, dead (s_ttyvp is cleared only by the
/// leader's exit).
pub fn lacks_controlling_terminal(p: &Process, revoked: bool) -> bool {
    let sid = p.sid();
    let leader_lives = || process::find(sid).is_some_and(|l| !l.has_exited() && l.sid() == sid);
    process::left_terminal(p) || (controlling(sid).is_none() && !(revoked && leader_lives()))
}

/// The controlling terminal of session `sid`, if it has one.
pub fn controlling(sid: Pid) -> Option<&'static Terminal> {
    terminals().find(|t| t.session() == Some(sid))
}

/// The device number of `terminal` (the console's, or a pseudo-terminal slave's).
pub fn device_number(terminal: &Terminal) -> u64 {
    match terminal.device {
        Output::Device(_) => crate::vfs::devfs::number::CONSOLE,
        Output::Pty(i) => pty::slave_number(i),
    }
}

/// A terminal's device was revoked. A pseudo-terminal's slave is closed by it
/// (ptsclose); the console is not (its device stays open underneath, as 4.x's
/// cnclose leaves it while the console is in use).
pub fn revoked(terminal: &Terminal) {
    if let Some(index) = pty::slave_index(terminal) {
        pty::slave_revoked(index);
    }
}

/// How long an exiting session leader waits for its pseudo-terminal's output to be
/// read before revoking it (4.x's ttywait here has no bound; one keeps a master that
/// never reads from holding the exit forever).
const LEADER_EXIT_DRAIN_SECONDS: u64 = 2;

/// A session leader has exited (4.x's exit1): its controlling terminal's foreground
/// group gets SIGHUP, and the terminal is the session's no more. With `revoke` a
/// pseudo-terminal's output is left to drain, then every open file of it is revoked,
/// so background jobs still holding it are cut off and its master reads end of file
/// (VOP_REVOKE(REVOKEALL)). The console is not revoked: its other opens are the
/// system's own.
pub fn session_leader_exited(sid: Pid, revoke: bool) {
    let Some(terminal) = controlling(sid) else {
        return;
    };
    let foreground = terminal.state.lock().foreground;
    if let Some(group) = foreground {
        let _ = process::kill_many(KillTarget::TerminalGroup(group), Some(Signal::Hup));
    }
    if revoke && pty::slave_index(terminal).is_some() {
        let deadline =
            crate::time::ticks() + LEADER_EXIT_DRAIN_SECONDS * u64::from(crate::time::hz());
        let _ = terminal.output_room.wait_until_deadline(
            || terminal.state.lock().hung_up || terminal.queued_output() == 0,
            || false,
            Some(deadline),
        );
        crate::vfs::revoke_device(device_number(terminal));
    }
    terminal.set_session(None, None);
}

fn session_alive(sid: Pid) -> bool {
    process::live().iter().any(|p| p.sid() == sid)
}

/// Whether group `pgid` is one of session `sid`: a member not yet reaped keeps it
/// (BSD's pgfind), so a pipeline's first process may have exited.
fn group_in_session(pgid: Pid, sid: Pid) -> bool {
    process::all()
        .iter()
        .any(|p| p.pgid() == pgid && p.sid() == sid)
}
