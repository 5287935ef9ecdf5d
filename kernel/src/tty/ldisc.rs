//! The terminal line discipline, as pure logic: input processing (CR/NL mapping,
//! canonical line editing, signal characters, echo) and output processing (OPOST,
//! ONLCR). It owns no device, lock or process: what it echoes and which signals it
//! raises go to a [`Hooks`] object, so it runs the same in the kernel and in host tests.

use crate::process::Signal;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// A control character slot holding this value is disabled (`_POSIX_VDISABLE`).
pub const DISABLED: u8 = 0xff;
/// The longest line canonical mode edits (further characters are refused with a bell).
pub const MAX_CANON: usize = 255;
/// The most input bytes held for readers (further input is dropped).
pub const MAX_INPUT: usize = 4096;
/// The most output held while output is stopped (writers wait at
/// [`OUTPUT_HIGH_WATER`]; echo beyond this is dropped).
pub const MAX_HELD: usize = 16 * 1024;
/// Writers wait while more than this is held, until it is down to
/// [`OUTPUT_LOW_WATER`] (4.x's ttsetwater at 115200 bps: t_ohiwat, t_olowat).
pub const OUTPUT_HIGH_WATER: usize = 2048;
pub const OUTPUT_LOW_WATER: usize = 256;

macro_rules! flag_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $flag:ident = $bit:expr,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name(pub u32);

        impl $name {
            $($(#[$fdoc])* pub const $flag: $name = $name(1 << $bit);)*

            pub const fn empty() -> Self {
                $name(0)
            }
            pub const fn union(self, other: Self) -> Self {
                $name(self.0 | other.0)
            }
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
            pub fn set(&mut self, other: Self, on: bool) {
                if on {
                    self.0 |= other.0;
                } else {
                    self.0 &= !other.0;
                }
            }
        }
    };
}

flag_set!(
    /// Input processing.
    InputFlags {
        /// Map CR to NL on input.
        ICRNL = 0,
        /// Map NL to CR on input.
        INLCR = 1,
        /// Ignore CR on input.
        IGNCR = 2,
        /// Strip input bytes to seven bits.
        ISTRIP = 3,
        /// The STOP and START characters stop and start output.
        IXON = 4,
        // Kept and reported, not acted on: input is never held back from a sender.
        IXOFF = 5,
        /// Any character starts stopped output.
        IXANY = 6,
        /// Ring the bell when input overflows.
        IMAXBEL = 7,
        // Kept and reported, not acted on: the lines here have no breaks or parity.
        BRKINT = 8,
        IGNBRK = 9,
        IGNPAR = 10,
        PARMRK = 11,
        INPCK = 12,
    }
);

flag_set!(
    /// Output processing.
    OutputFlags {
        /// Process output at all.
        OPOST = 0,
        /// Map NL to CR NL on output.
        ONLCR = 1,
        // Kept and reported, not acted on: tabs go out as tabs, EOT as EOT.
        OXTABS = 2,
        ONOEOT = 3,
    }
);

flag_set!(
    /// Local modes.
    LocalFlags {
        /// Echo input.
        ECHO = 0,
        /// Erase characters visually ("\b \b").
        ECHOE = 1,
        /// Echo NL after the kill character.
        ECHOK = 2,
        /// Echo NL even without ECHO.
        ECHONL = 3,
        /// Canonical (line-by-line) input.
        ICANON = 4,
        /// The INTR, QUIT and SUSP characters raise signals.
        ISIG = 5,
        /// Extended characters: WERASE, LNEXT, REPRINT.
        IEXTEN = 6,
        /// Do not flush the queues on a signal character.
        NOFLSH = 7,
        /// Background writers get SIGTTOU.
        TOSTOP = 8,
        /// Echo control characters as ^X.
        ECHOCTL = 9,
        /// The kill character erases the line visually.
        ECHOKE = 10,
        // Kept and reported, not acted on (printing-terminal echo, the alternate
        // word erase, the status line, retyping after a mode change, external
        // processing), but for ECHOPRT's turning ECHOKE's erasing off.
        ECHOPRT = 11,
        ALTWERASE = 12,
        /// Output is being discarded (VDISCARD).
        FLUSHO = 13,
        NOKERNINFO = 14,
        PENDIN = 15,
        EXTPROC = 16,
    }
);

/// The control characters, by meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cc {
    Eof,
    Eol,
    Erase,
    Werase,
    Kill,
    Reprint,
    Intr,
    Quit,
    Susp,
    Lnext,
    /// Non-canonical reads: minimum byte count.
    Min,
    /// Non-canonical reads: timeout in tenths of a second.
    Time,
    /// A second end-of-line character.
    Eol2,
    /// With ICANON and IEXTEN, SIGINFO for the foreground group (with ISIG).
    Status,
    /// With IXON: start output, and stop it.
    Start,
    Stop,
    /// With IEXTEN: discard output (FLUSHO) until typed again.
    Discard,
    // Kept and reported, not acted on: no delayed suspension.
    Dsusp,
}

impl Cc {
    pub const COUNT: usize = 18;
}

/// A terminal's modes, in neutral terms (each personality converts its own termios).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    pub input: InputFlags,
    pub output: OutputFlags,
    pub local: LocalFlags,
    /// Indexed by [`Cc`]; [`DISABLED`] disables one.
    pub cc: [u8; Cc::COUNT],
}

/// An ABI's termios flag word as (kernel bit, ABI bit) pairs: what the personalities'
/// termios transforms translate through. Bits a side lacks are dropped.
#[derive(Clone, Copy, Debug)]
pub struct FlagMap(pub &'static [(u32, u32)]);

impl FlagMap {
    /// The ABI's bits for kernel flag bits `v`.
    pub fn to_abi(&self, v: u64) -> u64 {
        self.0
            .iter()
            .filter(|(k, _)| v & u64::from(*k) != 0)
            .fold(0, |acc, (_, a)| acc | u64::from(*a))
    }

    /// The kernel's bits for ABI flag bits `v`.
    pub fn to_kernel(&self, v: u64) -> u64 {
        self.0
            .iter()
            .filter(|(_, a)| v & u64::from(*a) != 0)
            .fold(0, |acc, (k, _)| acc | u64::from(*k))
    }
}

/// An ABI's c_cc array: the index of each kernel control character (in [`Cc`] order)
/// and the value that disables a character.
#[derive(Clone, Copy, Debug)]
pub struct CcMap {
    pub index: [usize; Cc::COUNT],
    pub disabled: u8,
}

impl CcMap {
    /// The ABI's array from neutral values (the kernel's characters, first).
    pub fn to_abi<const N: usize>(&self, v: &[u64]) -> [u8; N] {
        let mut out = [self.disabled; N];
        for (kernel, &abi) in self.index.iter().enumerate() {
            if let (Some(slot), Some(&value)) = (out.get_mut(abi), v.get(kernel)) {
                *slot = value as u8;
            }
        }
        out
    }

    /// Neutral values (the kernel's characters, first) from the ABI's array.
    pub fn to_kernel<const N: usize>(&self, v: &[u8]) -> [u64; N] {
        let mut out = [u64::from(self.disabled); N];
        for (kernel, &abi) in self.index.iter().enumerate() {
            if let (Some(slot), Some(&value)) = (out.get_mut(kernel), v.get(abi)) {
                *slot = u64::from(value);
            }
        }
        out
    }
}

impl FlagMap {
    /// The kernel bits the ABI can express.
    pub fn kernel_bits(&self) -> u32 {
        self.0.iter().fold(0, |acc, (k, _)| acc | k)
    }
}

impl CcMap {
    /// Whether the ABI's array of `n` slots holds control character `which`.
    pub fn holds(&self, which: usize, n: usize) -> bool {
        self.index.get(which).is_some_and(|&i| i < n)
    }
}

impl Termios {
    /// `self` as an ABI that cannot express every mode set it: the flag bits outside
    /// `known` (input, output, local) and the characters `holds` says it lacks keep
    /// their values in `current` (so one ABI's tcsetattr leaves another's modes be).
    pub fn keeping_unknown(
        mut self,
        current: &Termios,
        known: (u32, u32, u32),
        holds: impl Fn(usize) -> bool,
    ) -> Termios {
        let keep = |new: u32, old: u32, known: u32| (new & known) | (old & !known);
        self.input = InputFlags(keep(self.input.0, current.input.0, known.0));
        self.output = OutputFlags(keep(self.output.0, current.output.0, known.1));
        self.local = LocalFlags(keep(self.local.0, current.local.0, known.2));
        for (i, slot) in self.cc.iter_mut().enumerate() {
            if !holds(i) {
                *slot = current.cc[i];
            }
        }
        self
    }

    /// The control characters as neutral values: the kernel's first, `fill` after.
    pub fn neutral_cc<const N: usize>(&self, fill: u8) -> [u64; N] {
        let mut out = [u64::from(fill); N];
        for (slot, &c) in out.iter_mut().zip(self.cc.iter()) {
            *slot = u64::from(c);
        }
        out
    }

    /// A termios from neutral values (kernel flag bits, the kernel's characters first).
    pub fn from_neutral(cc: &[u64], input: u64, output: u64, local: u64) -> Termios {
        let mut t = Termios::sane();
        for (slot, &c) in t.cc.iter_mut().zip(cc.iter()) {
            *slot = c as u8;
        }
        t.input = InputFlags(input as u32);
        t.output = OutputFlags(output as u32);
        t.local = LocalFlags(local as u32);
        t
    }
}

const fn ctrl(c: u8) -> u8 {
    c & 0x1f
}

impl Termios {
    /// The usual defaults of a login terminal ("sane").
    pub const fn sane() -> Self {
        let mut cc = [DISABLED; Cc::COUNT];
        cc[Cc::Eof as usize] = ctrl(b'D');
        cc[Cc::Erase as usize] = 0x7f;
        cc[Cc::Werase as usize] = ctrl(b'W');
        cc[Cc::Kill as usize] = ctrl(b'U');
        cc[Cc::Reprint as usize] = ctrl(b'R');
        cc[Cc::Intr as usize] = ctrl(b'C');
        cc[Cc::Quit as usize] = 0x1c;
        cc[Cc::Susp as usize] = ctrl(b'Z');
        cc[Cc::Lnext as usize] = ctrl(b'V');
        cc[Cc::Min as usize] = 1;
        cc[Cc::Time as usize] = 0;
        cc[Cc::Status as usize] = ctrl(b'T');
        cc[Cc::Start as usize] = ctrl(b'Q');
        cc[Cc::Stop as usize] = ctrl(b'S');
        cc[Cc::Discard as usize] = ctrl(b'O');
        cc[Cc::Dsusp as usize] = ctrl(b'Y');
        Termios {
            input: InputFlags::ICRNL.union(InputFlags::IMAXBEL),
            output: OutputFlags::OPOST.union(OutputFlags::ONLCR),
            local: LocalFlags::ECHO
                .union(LocalFlags::ECHOE)
                .union(LocalFlags::ECHOK)
                .union(LocalFlags::ECHOKE)
                .union(LocalFlags::ICANON)
                .union(LocalFlags::ISIG)
                .union(LocalFlags::IEXTEN)
                .union(LocalFlags::ECHOCTL),
            cc,
        }
    }

    pub fn cc(&self, which: Cc) -> u8 {
        self.cc[which as usize]
    }

    /// Whether `byte` is the (enabled) control character `which`.
    fn is(&self, which: Cc, byte: u8) -> bool {
        let c = self.cc(which);
        c != DISABLED && c == byte
    }

    pub fn canonical(&self) -> bool {
        self.local.contains(LocalFlags::ICANON)
    }
}

impl Default for Termios {
    fn default() -> Self {
        Termios::sane()
    }
}

/// Where the line discipline's effects go.
pub trait Hooks {
    /// Bytes for the device (echo), output processing already applied.
    fn output(&mut self, bytes: &[u8]);
    /// A signal for the foreground process group.
    fn signal(&mut self, signal: Signal);
    /// Queues were flushed by a typed character (a signal character: input, and
    /// output for INTR and QUIT; VDISCARD: output): the device drops the output it
    /// has not sent yet, and a pty master in packet mode is told.
    fn flushed(&mut self, _input: bool, _output: bool) {}
}

/// Applies output processing to `bytes`, handing the result to `out` in pieces.
pub fn process_output(termios: &Termios, bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
    let onlcr =
        termios.output.contains(OutputFlags::OPOST) && termios.output.contains(OutputFlags::ONLCR);
    if !onlcr {
        out(bytes);
        return;
    }
    for piece in bytes.split_inclusive(|&b| b == b'\n') {
        match piece.split_last() {
            Some((b'\n', head)) => {
                out(head);
                out(b"\r\n");
            }
            _ => out(piece),
        }
    }
}

/// One terminal's input state.
#[derive(Debug)]
pub struct LineDiscipline {
    termios: Termios,
    /// Bytes readers may take.
    ready: VecDeque<u8>,
    /// Canonical mode: lengths of the complete lines in `ready`, oldest first (a line
    /// ended by EOF has no terminator; an empty one reads as end of file).
    lines: VecDeque<usize>,
    /// Canonical mode: the line being edited.
    line: Vec<u8>,
    /// The next byte is literal (after LNEXT).
    literal: bool,
    /// Output is stopped (^S, TIOCSTOP: BSD's TS_TTSTOP).
    stopped: bool,
    /// Output held while stopped, processed, oldest first.
    held: VecDeque<u8>,
}

/// What a read found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes were copied (0 means end of file in canonical mode).
    Bytes(usize),
    /// Nothing to return yet.
    Empty,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        LineDiscipline::new()
    }
}

impl LineDiscipline {
    pub const fn new() -> Self {
        LineDiscipline {
            termios: Termios::sane(),
            ready: VecDeque::new(),
            lines: VecDeque::new(),
            line: Vec::new(),
            literal: false,
            stopped: false,
            held: VecDeque::new(),
        }
    }

    pub fn termios(&self) -> Termios {
        self.termios
    }

    /// Changes the modes. Leaving canonical mode makes the line being edited readable;
    /// entering it makes what was pending one complete line.
    pub fn set_termios(&mut self, termios: Termios) {
        let was = self.termios.canonical();
        self.termios = termios;
        match (was, termios.canonical()) {
            (true, false) => {
                self.ready.extend(self.line.drain(..));
                self.lines.clear();
            }
            (false, true) => {
                let queued: usize = self.lines.iter().sum();
                if self.ready.len() > queued {
                    self.lines.push_back(self.ready.len() - queued);
                }
            }
            _ => {}
        }
    }

    /// Discards all input, pending and being edited.
    pub fn flush_input(&mut self) {
        self.ready.clear();
        self.lines.clear();
        self.line.clear();
        self.literal = false;
    }

    /// Bytes a read could return now (in canonical mode: complete lines only).
    pub fn available(&self) -> usize {
        if self.termios.canonical() {
            self.lines.iter().sum()
        } else {
            self.ready.len()
        }
    }

    /// Whether a read would return at once: a complete line (or end of file) in
    /// canonical mode, at least `min` bytes otherwise.
    pub fn readable(&self, min: usize) -> bool {
        if self.termios.canonical() {
            !self.lines.is_empty()
        } else {
            self.ready.len() >= min.max(1)
        }
    }

    /// Takes input into `buf`: at most one line in canonical mode.
    pub fn read(&mut self, buf: &mut [u8]) -> ReadOutcome {
        if self.termios.canonical() {
            let Some(front) = self.lines.front_mut() else {
                return ReadOutcome::Empty;
            };
            if *front == 0 {
                self.lines.pop_front();
                return ReadOutcome::Bytes(0);
            }
            let n = buf.len().min(*front);
            *front -= n;
            if *front == 0 {
                self.lines.pop_front();
            }
            self.take(&mut buf[..n]);
            ReadOutcome::Bytes(n)
        } else {
            if self.ready.is_empty() {
                return ReadOutcome::Empty;
            }
            let n = buf.len().min(self.ready.len());
            self.take(&mut buf[..n]);
            ReadOutcome::Bytes(n)
        }
    }

    fn take(&mut self, buf: &mut [u8]) {
        let n = buf.len();
        for (dst, src) in buf.iter_mut().zip(self.ready.drain(..n)) {
            *dst = src;
        }
    }

    /// Echoes `byte` as typed (BSD's ttyecho): as ^X with ECHOCTL for a control
    /// character, a newline with ECHONL even without ECHO. Echoing ends output
    /// discarding (FLUSHO).
    fn echo(&mut self, byte: u8, hooks: &mut dyn Hooks) {
        self.termios.local.set(LocalFlags::FLUSHO, false);
        let t = self.termios;
        if !t.local.contains(LocalFlags::ECHO) {
            if byte == b'\n' && t.local.contains(LocalFlags::ECHONL) {
                self.write(b"\n", &mut |b| hooks.output(b));
            }
            return;
        }
        if t.local.contains(LocalFlags::ECHOCTL) && is_control(byte) {
            self.output(&[b'^', byte ^ 0x40], &mut |b| hooks.output(b));
        } else {
            self.write(&[byte], &mut |b| hooks.output(b));
        }
    }

    /// Columns `byte` took when echoed: a control character two as ^X, none sent raw.
    fn echo_width(&self, byte: u8) -> usize {
        if !is_control(byte) {
            1
        } else if self.termios.local.contains(LocalFlags::ECHOCTL) {
            2
        } else {
            0
        }
    }

    /// Removes the last character of the line being edited, visually too (BSD's
    /// ttyrub: "\b \b" per column with ECHOE, else the erase character echoed).
    fn rub_out(&mut self, hooks: &mut dyn Hooks) -> bool {
        let Some(byte) = self.line.pop() else {
            return false;
        };
        let local = self.termios.local;
        if local.contains(LocalFlags::ECHO) {
            self.termios.local.set(LocalFlags::FLUSHO, false);
            if local.contains(LocalFlags::ECHOE) {
                for _ in 0..self.echo_width(byte) {
                    self.output(b"\x08 \x08", &mut |b| hooks.output(b));
                }
            } else {
                self.echo(self.termios.cc(Cc::Erase), hooks);
            }
        }
        true
    }

    /// Types again what is pending (BSD's ttyretype): the reprint character, a
    /// newline, then the unread input and the line being edited.
    fn retype(&mut self, hooks: &mut dyn Hooks) {
        let reprint = self.termios.cc(Cc::Reprint);
        if reprint != DISABLED {
            self.echo(reprint, hooks);
        }
        self.write(b"\n", &mut |b| hooks.output(b));
        let pending: Vec<u8> = self.ready.iter().chain(self.line.iter()).copied().collect();
        for byte in pending {
            self.echo(byte, hooks);
        }
    }

    fn complete_line(&mut self) {
        self.lines.push_back(self.line.len());
        self.ready.extend(self.line.drain(..));
    }

    fn room(&self) -> bool {
        self.ready.len() + self.line.len() < MAX_INPUT
    }

    /// Processes one byte of input from the device.
    pub fn input(&mut self, byte: u8, hooks: &mut dyn Hooks) {
        match self.special(byte, hooks) {
            Next::Done => {}
            // BSD's endcase: with output stopped, only the start character (or with
            // IXANY any character) starts it again, unless start and stop are one.
            Next::End => {
                let t = self.termios;
                if !self.stopped
                    || t.input.contains(InputFlags::IXANY)
                    || t.cc(Cc::Start) == t.cc(Cc::Stop)
                {
                    self.restart_output(&mut |b| hooks.output(b));
                }
            }
            Next::Restart => self.restart_output(&mut |b| hooks.output(b)),
        }
    }

    /// The character classes of 4.x's ttyinput, in its order; says what follows.
    fn special(&mut self, byte: u8, hooks: &mut dyn Hooks) -> Next {
        let t = self.termios;
        let local = t.local;
        let mut c = byte;
        if t.input.contains(InputFlags::ISTRIP) {
            c &= 0x7f;
        }
        if self.literal {
            self.literal = false;
            self.store(c, hooks);
            return Next::End;
        }
        if local.contains(LocalFlags::IEXTEN) {
            if t.is(Cc::Lnext, c) {
                self.literal = true;
                if local.contains(LocalFlags::ECHO) {
                    if local.contains(LocalFlags::ECHOE) {
                        self.write(b"^\x08", &mut |b| hooks.output(b));
                    } else {
                        self.echo(c, hooks);
                    }
                }
                return Next::End;
            }
            // ^O: discard output until the next ^O, typed character or restart.
            if t.is(Cc::Discard, c) {
                if local.contains(LocalFlags::FLUSHO) {
                    self.termios.local.set(LocalFlags::FLUSHO, false);
                } else {
                    self.discard_output();
                    hooks.flushed(false, true);
                    self.echo(c, hooks);
                    if !self.ready.is_empty() || !self.line.is_empty() {
                        self.retype(hooks);
                    }
                    self.termios.local.set(LocalFlags::FLUSHO, true);
                }
                return Next::Done;
            }
        }
        if local.contains(LocalFlags::ISIG) {
            let signal = if t.is(Cc::Intr, c) {
                Some(Signal::Int)
            } else if t.is(Cc::Quit, c) {
                Some(Signal::Quit)
            } else if t.is(Cc::Susp, c) {
                Some(Signal::Tstp)
            } else {
                None
            };
            if let Some(signal) = signal {
                if !local.contains(LocalFlags::NOFLSH) {
                    self.flush_input();
                    // INTR and QUIT flush output too; SUSP only input.
                    let output = signal != Signal::Tstp;
                    if output {
                        self.discard_output();
                    }
                    hooks.flushed(true, output);
                }
                self.echo(c, hooks);
                hooks.signal(signal);
                return Next::End;
            }
        }
        if t.input.contains(InputFlags::IXON) {
            if t.is(Cc::Stop, c) {
                if !self.stopped {
                    self.stopped = true;
                    return Next::Done;
                }
                // Start and stop one character: it toggles.
                return if t.is(Cc::Start, c) {
                    Next::End
                } else {
                    Next::Done
                };
            }
            if t.is(Cc::Start, c) {
                return Next::Restart;
            }
        }
        if c == b'\r' {
            if t.input.contains(InputFlags::IGNCR) {
                return Next::Done;
            }
            if t.input.contains(InputFlags::ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && t.input.contains(InputFlags::INLCR) {
            c = b'\r';
        }
        if !t.canonical() {
            self.store(c, hooks);
            return Next::End;
        }
        if t.is(Cc::Erase, c) {
            self.rub_out(hooks);
            return Next::End;
        }
        if t.is(Cc::Kill, c) {
            if local.contains(LocalFlags::ECHOKE) && !local.contains(LocalFlags::ECHOPRT) {
                while self.rub_out(hooks) {}
            } else {
                self.echo(c, hooks);
                if local.contains(LocalFlags::ECHOK) || local.contains(LocalFlags::ECHOKE) {
                    self.echo(b'\n', hooks);
                }
                self.line.clear();
            }
            return Next::End;
        }
        if local.contains(LocalFlags::IEXTEN) {
            if t.is(Cc::Werase, c) {
                let blank = |b: &u8| *b == b' ' || *b == b'\t';
                while self.line.last().is_some_and(blank) {
                    self.rub_out(hooks);
                }
                while self.line.last().is_some_and(|b| !blank(b)) {
                    self.rub_out(hooks);
                }
                return Next::End;
            }
            if t.is(Cc::Reprint, c) {
                self.retype(hooks);
                return Next::End;
            }
            // ^T: SIGINFO (the kernel's status line, ttyinfo, is not printed).
            if t.is(Cc::Status, c) {
                if local.contains(LocalFlags::ISIG) {
                    hooks.signal(Signal::Info);
                }
                return Next::End;
            }
        }
        if t.is(Cc::Eof, c) {
            // Echoed, then the cursor goes back over it (over the ^ of ^D).
            let width = self.echo_width(c).min(2);
            self.echo(c, hooks);
            if local.contains(LocalFlags::ECHO) {
                for _ in 0..width {
                    self.write(b"\x08", &mut |b| hooks.output(b));
                }
            }
            self.complete_line();
            return Next::End;
        }
        self.store(c, hooks);
        Next::End
    }

    /// Input beyond what is kept: a bell with IMAXBEL, the byte dropped.
    fn overflow(&mut self, hooks: &mut dyn Hooks) {
        if self.termios.input.contains(InputFlags::IMAXBEL) {
            self.write(b"\x07", &mut |b| hooks.output(b));
        }
    }

    /// Stores a data byte: into the line (ending it at NL or EOL) in canonical mode.
    fn store(&mut self, c: u8, hooks: &mut dyn Hooks) {
        if !self.termios.canonical() {
            if self.room() {
                self.ready.push_back(c);
                self.echo(c, hooks);
            } else {
                self.overflow(hooks);
            }
            return;
        }
        let ends_line = c == b'\n' || self.termios.is(Cc::Eol, c) || self.termios.is(Cc::Eol2, c);
        if !ends_line && (self.line.len() >= MAX_CANON - 1 || !self.room()) {
            self.overflow(hooks);
            return;
        }
        self.line.push(c);
        self.echo(c, hooks);
        if ends_line {
            self.complete_line();
        }
    }

    /// Bytes for the device, output processing done: discarded with FLUSHO, held
    /// while output is stopped (up to [`MAX_HELD`]), else handed to `out`.
    pub fn output(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
        if self.termios.local.contains(LocalFlags::FLUSHO) {
            return;
        }
        if self.stopped {
            let room = MAX_HELD.saturating_sub(self.held.len());
            self.held.extend(&bytes[..bytes.len().min(room)]);
            return;
        }
        out(bytes);
    }

    /// Written bytes: output processing, then [`LineDiscipline::output`].
    pub fn write(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
        let termios = self.termios;
        process_output(&termios, bytes, &mut |b| self.output(b, out));
    }

    /// Whether output is stopped (^S, TIOCSTOP: BSD's TS_TTSTOP).
    pub fn output_stopped(&self) -> bool {
        self.stopped
    }

    /// Bytes held while output is stopped (TIOCOUTQ).
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Stops output (TIOCSTOP).
    pub fn stop_output(&mut self) {
        self.stopped = true;
    }

    /// Starts output again and ends discarding (^Q, TIOCSTART, BSD's
    /// restartoutput): what was held goes to `out`.
    pub fn restart_output(&mut self, out: &mut dyn FnMut(&[u8])) {
        self.termios.local.set(LocalFlags::FLUSHO, false);
        self.stopped = false;
        if !self.held.is_empty() {
            let held: Vec<u8> = self.held.drain(..).collect();
            out(&held);
        }
    }

    /// Discards held output and starts output again (BSD's ttyflush with FWRITE);
    /// the device's part is the caller's (see [`Hooks::flushed`]).
    pub fn discard_output(&mut self) {
        self.held.clear();
        self.stopped = false;
    }
}

/// What follows a byte's processing (the exits of 4.x's ttyinput).
enum Next {
    /// Nothing (`return`).
    Done,
    /// Output starts again unless stopped for a character that does not start it
    /// (`endcase`).
    End,
    /// Output starts again (`restartoutput`).
    Restart,
}

fn is_control(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t' && byte != b'\n') || byte == 0x7f
}

#[cfg(test)]
mod tests {
    #[test]
    fn flag_and_cc_maps_translate_both_ways_and_drop_unknown_bits() {
        const MAP: FlagMap = FlagMap(&[(1, 0x100), (2, 0x8)]);
        assert_eq!(MAP.to_abi(1 | 2 | 4), 0x108);
        assert_eq!(MAP.to_kernel(0x108 | 0x1), 3);
        // An ABI with the first twelve characters only.
        const NONE: usize = usize::MAX;
        let cc = CcMap {
            index: [
                0, 1, 3, 4, 5, 6, 8, 9, 10, 14, 16, 17, NONE, NONE, NONE, NONE, NONE, NONE,
            ],
            disabled: 0xff,
        };
        let t = Termios::sane();
        let abi: [u8; 20] = cc.to_abi(&t.neutral_cc::<20>(0xff));
        assert_eq!(abi[8], t.cc[Cc::Intr as usize]);
        assert_eq!(abi[2], 0xff);
        let back: [u64; 20] = cc.to_kernel(&abi);
        let again = Termios::from_neutral(&back, 0, 0, 0);
        assert_eq!(again.cc[..12], t.cc[..12]);
        assert_eq!(again.cc[Cc::Status as usize], 0xff);
        // What the ABI cannot say keeps its value.
        let kept = again.keeping_unknown(&t, (0, 0, 0), |i| cc.holds(i, 20));
        assert_eq!(kept, t);
        let said = again.keeping_unknown(&t, (u32::MAX, u32::MAX, u32::MAX), |_| true);
        assert_eq!(said.input, InputFlags::empty());
    }

    use super::*;
    use alloc::vec;

    #[derive(Default)]
    struct Record {
        out: Vec<u8>,
        signals: Vec<Signal>,
    }

    impl Hooks for Record {
        fn output(&mut self, bytes: &[u8]) {
            self.out.extend_from_slice(bytes);
        }
        fn signal(&mut self, signal: Signal) {
            self.signals.push(signal);
        }
    }

    fn feed(l: &mut LineDiscipline, bytes: &[u8]) -> Record {
        let mut r = Record::default();
        for &b in bytes {
            l.input(b, &mut r);
        }
        r
    }

    fn read_all(l: &mut LineDiscipline, size: usize) -> Option<Vec<u8>> {
        let mut buf = vec![0; size];
        match l.read(&mut buf) {
            ReadOutcome::Bytes(n) => Some(buf[..n].to_vec()),
            ReadOutcome::Empty => None,
        }
    }

    #[test]
    fn canonical_lines_are_edited_echoed_and_read_one_at_a_time() {
        let mut l = LineDiscipline::new();
        let r = feed(&mut l, b"helo\x7flo\r");
        assert_eq!(r.out, b"helo\x08 \x08lo\r\n");
        assert!(r.signals.is_empty());
        feed(&mut l, b"second\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"hello\n"[..]));
        // A short read leaves the rest of the line for the next.
        assert_eq!(read_all(&mut l, 3).as_deref(), Some(&b"sec"[..]));
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ond\n"[..]));
        assert_eq!(read_all(&mut l, 64), None);
        // A partial line is not readable.
        feed(&mut l, b"part");
        assert!(!l.readable(1));
        assert_eq!(read_all(&mut l, 64), None);
    }

    #[test]
    fn kill_and_word_erase() {
        let mut l = LineDiscipline::new();
        let r = feed(&mut l, b"ab\x15");
        assert_eq!(r.out, b"ab\x08 \x08\x08 \x08");
        let r = feed(&mut l, b"one two  \x17x\n");
        assert_eq!(
            r.out,
            b"one two  \x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08x\r\n".as_slice()
        );
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"one x\n"[..]));
        // Without ECHOKE, kill echoes the character and (ECHOK) a newline.
        let mut t = l.termios();
        t.local.set(LocalFlags::ECHOKE, false);
        l.set_termios(t);
        let r = feed(&mut l, b"zz\x15ok\n");
        assert_eq!(r.out, b"zz^U\r\nok\r\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ok\n"[..]));
        // ECHOKE without ECHOE rubs out with the erase character.
        t.local.set(LocalFlags::ECHOKE, true);
        t.local.set(LocalFlags::ECHOE, false);
        l.set_termios(t);
        let r = feed(&mut l, b"ab\x15");
        assert_eq!(r.out, b"ab^?^?");
        // Word erase stops at spaces and tabs only.
        t.local.set(LocalFlags::ECHO, false);
        l.set_termios(t);
        feed(&mut l, b"a\x0cb\x17c\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"c\n"[..]));
    }

    fn with_flow(l: &mut LineDiscipline) {
        let mut t = l.termios();
        t.input.set(InputFlags::IXON, true);
        l.set_termios(t);
    }

    fn write_out(l: &mut LineDiscipline, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        l.write(bytes, &mut |b| out.extend_from_slice(b));
        out
    }

    #[test]
    fn stop_and_start_hold_output_and_echo() {
        let mut l = LineDiscipline::new();
        // Without IXON ^S and ^Q are data.
        feed(&mut l, b"\x13\x11\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x13\x11\n"[..]));
        with_flow(&mut l);
        let r = feed(&mut l, b"\x13");
        assert!(r.out.is_empty());
        assert!(l.output_stopped());
        assert!(write_out(&mut l, b"out\n").is_empty());
        assert_eq!(l.held(), 5);
        // Typed while stopped: held with the rest; an ordinary key does not start
        // output without IXANY.
        let r = feed(&mut l, b"x");
        assert!(r.out.is_empty());
        let r = feed(&mut l, b"\x11");
        assert_eq!(r.out, b"out\r\nx");
        assert!(!l.output_stopped());
        // Neither character is data.
        feed(&mut l, b"\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"x\n"[..]));
        // IXANY: any character starts output.
        let mut t = l.termios();
        t.input.set(InputFlags::IXANY, true);
        l.set_termios(t);
        feed(&mut l, b"\x13");
        write_out(&mut l, b"a");
        let r = feed(&mut l, b"y");
        assert_eq!(r.out, b"ay");
        // One character for both toggles.
        t.input.set(InputFlags::IXANY, false);
        t.cc[Cc::Start as usize] = 0x13;
        l.set_termios(t);
        feed(&mut l, b"\x13");
        assert!(l.output_stopped());
        feed(&mut l, b"\x13");
        assert!(!l.output_stopped());
    }

    #[derive(Default)]
    struct Flushes {
        record: Record,
        flushed: usize,
    }

    impl Hooks for Flushes {
        fn output(&mut self, bytes: &[u8]) {
            self.record.output(bytes);
        }
        fn signal(&mut self, signal: Signal) {
            self.record.signal(signal);
        }
        fn flushed(&mut self, _input: bool, output: bool) {
            self.flushed += usize::from(output);
        }
    }

    #[test]
    fn interrupt_flushes_stopped_output_and_discard_toggles() {
        let mut l = LineDiscipline::new();
        with_flow(&mut l);
        let mut h = Flushes::default();
        l.input(0x13, &mut h);
        write_out(&mut l, b"lost");
        l.input(0x03, &mut h);
        assert_eq!(h.flushed, 1);
        assert_eq!(l.held(), 0);
        assert!(!l.output_stopped());
        assert_eq!(h.record.out, b"^C");
        // ^O: output flushed, "^O" echoed, pending input typed again, then output
        // is discarded until a key is typed.
        let mut h = Flushes::default();
        for &b in b"ab\x0f" {
            l.input(b, &mut h);
        }
        assert_eq!(h.flushed, 1);
        assert_eq!(h.record.out, b"ab^O^R\r\nab");
        assert!(l.termios().local.contains(LocalFlags::FLUSHO));
        assert!(write_out(&mut l, b"gone").is_empty());
        let r = feed(&mut l, b"c");
        assert_eq!(r.out, b"c");
        assert!(!l.termios().local.contains(LocalFlags::FLUSHO));
        assert_eq!(write_out(&mut l, b"kept"), b"kept");
        // A second ^O ends discarding silently.
        feed(&mut l, b"\x0f");
        let r = feed(&mut l, b"\x0f");
        assert!(r.out.is_empty());
        assert_eq!(write_out(&mut l, b"seen"), b"seen");
    }

    #[test]
    fn end_of_file_echoes_and_backs_over_it() {
        let mut l = LineDiscipline::new();
        let r = feed(&mut l, b"\x04");
        assert_eq!(r.out, b"^D\x08\x08");
        let mut t = l.termios();
        t.local.set(LocalFlags::ECHOCTL, false);
        l.set_termios(t);
        let r = feed(&mut l, b"\x04");
        assert_eq!(r.out, b"\x04");
    }

    #[test]
    fn eof_pushes_the_line_or_reads_as_end_of_file() {
        let mut l = LineDiscipline::new();
        feed(&mut l, b"abc\x04\x04");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"abc"[..]));
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b""[..]));
        assert_eq!(read_all(&mut l, 64), None);
    }

    #[test]
    fn signal_characters_flush_and_signal() {
        let mut l = LineDiscipline::new();
        feed(&mut l, b"done\n");
        let r = feed(&mut l, b"typing\x03");
        assert_eq!(r.signals, vec![Signal::Int]);
        assert!(r.out.ends_with(b"^C"));
        assert_eq!(l.available(), 0);
        assert_eq!(read_all(&mut l, 64), None);
        let r = feed(&mut l, b"\x1c\x1a");
        assert_eq!(r.signals, vec![Signal::Quit, Signal::Tstp]);
        // NOFLSH keeps the input; without ISIG the characters are data.
        let mut t = l.termios();
        t.local.set(LocalFlags::NOFLSH, true);
        l.set_termios(t);
        let r = feed(&mut l, b"keep\n\x03");
        assert_eq!(r.signals, vec![Signal::Int]);
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"keep\n"[..]));
        t.local.set(LocalFlags::ISIG, false);
        l.set_termios(t);
        let r = feed(&mut l, b"\x03\n");
        assert!(r.signals.is_empty());
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x03\n"[..]));
    }

    #[test]
    fn literal_next_and_input_mapping() {
        let mut l = LineDiscipline::new();
        feed(&mut l, b"\x16\x03\x16\x7f\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"\x03\x7f\n"[..]));
        let mut t = l.termios();
        t.input = InputFlags::IGNCR;
        l.set_termios(t);
        feed(&mut l, b"a\rb\n");
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"ab\n"[..]));
        t.input = InputFlags::INLCR;
        t.local.set(LocalFlags::ICANON, false);
        t.local.set(LocalFlags::ECHO, false);
        l.set_termios(t);
        let r = feed(&mut l, b"x\n");
        assert!(r.out.is_empty());
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"x\r"[..]));
    }

    #[test]
    fn raw_mode_returns_bytes_as_they_come() {
        let mut l = LineDiscipline::new();
        let mut t = l.termios();
        t.local.set(LocalFlags::ICANON, false);
        t.local.set(LocalFlags::ECHO, false);
        l.set_termios(t);
        feed(&mut l, b"ab\x7f");
        assert!(l.readable(3));
        assert!(!l.readable(4));
        assert_eq!(read_all(&mut l, 2).as_deref(), Some(&b"ab"[..]));
        assert_eq!(read_all(&mut l, 2).as_deref(), Some(&b"\x7f"[..]));
        // Switching modes keeps what was typed.
        t.local.set(LocalFlags::ICANON, true);
        l.set_termios(t);
        feed(&mut l, b"half");
        t.local.set(LocalFlags::ICANON, false);
        l.set_termios(t);
        assert_eq!(read_all(&mut l, 64).as_deref(), Some(&b"half"[..]));
    }

    #[test]
    fn echo_nl_and_control_echo() {
        let mut l = LineDiscipline::new();
        let mut t = l.termios();
        t.local.set(LocalFlags::ECHO, false);
        t.local.set(LocalFlags::ECHONL, true);
        l.set_termios(t);
        let r = feed(&mut l, b"secret\n");
        assert_eq!(r.out, b"\r\n");
        t.local.set(LocalFlags::ECHO, true);
        l.set_termios(t);
        // A control character echoes as ^X and erases as two columns.
        let r = feed(&mut l, b"\x01\x7f");
        assert_eq!(r.out, b"^A\x08 \x08\x08 \x08");
    }

    #[test]
    fn output_processing_maps_newlines() {
        let t = Termios::sane();
        let mut out = Vec::new();
        process_output(&t, b"a\nb\n\nc", &mut |b| out.extend_from_slice(b));
        assert_eq!(out, b"a\r\nb\r\n\r\nc");
        let mut raw = t;
        raw.output.set(OutputFlags::OPOST, false);
        out.clear();
        process_output(&raw, b"a\n", &mut |b| out.extend_from_slice(b));
        assert_eq!(out, b"a\n");
    }

    #[test]
    fn long_lines_are_refused_with_a_bell() {
        let mut l = LineDiscipline::new();
        let long = vec![b'x'; MAX_CANON + 10];
        let r = feed(&mut l, &long);
        assert!(r.out.ends_with(b"\x07"));
        // The bell is IMAXBEL's.
        let mut t = l.termios();
        t.input.set(InputFlags::IMAXBEL, false);
        l.set_termios(t);
        let r = feed(&mut l, b"y");
        assert!(r.out.is_empty());
        feed(&mut l, b"\n");
        assert_eq!(read_all(&mut l, 1024).map(|v| v.len()), Some(MAX_CANON));
    }
}
