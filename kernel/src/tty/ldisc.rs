//! The terminal line discipline, as pure logic after 4.x's tty.c: input processing
//! (CR/NL mapping, canonical line editing, signal, flow-control and discard
//! characters, echo) and output processing (ONLCR, OXTABS, ONOEOT, the cursor column
//! that erasing follows, output held while stopped). It owns no device, lock or
//! process: what it echoes and which signals it raises go to a [`Hooks`] object, so it
//! runs the same in the kernel and in host tests.

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
        // Kept and reported, not acted on: the lines here have no breaks or parity
        // errors.
        BRKINT = 8,
        IGNBRK = 9,
        IGNPAR = 10,
        /// Mark parity errors; a typed 0377 is doubled so it reads as no mark.
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
        /// Expand tabs to spaces.
        OXTABS = 2,
        /// Drop EOT (^D) from output.
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
        /// Erase as a printing terminal: the erased characters between \ and /.
        ECHOPRT = 11,
        /// Word erase stops where letters and digits meet other characters.
        ALTWERASE = 12,
        /// Output is being discarded (VDISCARD).
        FLUSHO = 13,
        /// ^T sends SIGINFO without printing the status line.
        NOKERNINFO = 14,
        /// Input typed before canonical mode came on is typed again at the next input
        /// or read.
        PENDIN = 15,
        /// External processing: a pty's master does the editing (telnetd's linemode,
        /// through TIOCEXT): no special characters and no echo here; lines still end.
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
    /// With ICANON and IEXTEN: SIGINFO for the foreground group (with ISIG) and the
    /// status line (without NOKERNINFO).
    Status,
    /// With IXON: start output, and stop it.
    Start,
    Stop,
    /// With IEXTEN: discard output (FLUSHO) until typed again.
    Discard,
    /// With IEXTEN and ISIG: SIGTSTP for the foreground group when a read reaches it.
    Dsusp,
    /// With ICANON: a second erase character (4.x's VERASE2, ^H in its defaults; off
    /// in the kernel's own).
    Erase2,
}

impl Cc {
    pub const COUNT: usize = 19;
}

/// A terminal's modes, in neutral terms (each personality converts its own termios).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    pub input: InputFlags,
    pub output: OutputFlags,
    pub local: LocalFlags,
    /// Indexed by [`Cc`]; [`DISABLED`] disables one.
    pub cc: [u8; Cc::COUNT],
    /// The control modes (c_cflag) in BSD's bits, which the ABIs share ([`cflag`]),
    /// and the line's speeds: kept and reported as set, as 4.x's ttioctl keeps them
    /// for a line with no hardware to apply them to (a pseudo-terminal's); no line
    /// here has a rate, parity or modem lines.
    pub control: u32,
    pub ispeed: u32,
    pub ospeed: u32,
}

/// The c_cflag bits the default modes use (BSD's values).
pub mod cflag {
    pub const CS8: u32 = 0x300;
    pub const CREAD: u32 = 0x800;
    pub const HUPCL: u32 = 0x4000;
    pub const CLOCAL: u32 = 0x8000;
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

    /// A termios from neutral values (kernel flag bits, the kernel's characters
    /// first), with the default control modes and speeds.
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
    /// A terminal's modes at its first open ("sane"): 4.x's ttydefaults.h but for
    /// IXON and IXANY (left off: the native ABI cannot turn them off) and BRKINT (no
    /// line here sends a break), with ECHOK; 8 bits, receiver on, hang up on last
    /// close, at 9600 (TTYDEF_CFLAG, TTYDEF_SPEED), as a pseudo-terminal's slave
    /// starts.
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
            control: cflag::CREAD | cflag::CS8 | cflag::HUPCL,
            ispeed: 9600,
            ospeed: 9600,
        }
    }

    /// The console's modes: [`Termios::sane`] on the serial line, which ignores
    /// modem control (CLOCAL, as 4.x's sio gives its console) and runs at 115200.
    pub const fn console() -> Self {
        let mut t = Termios::sane();
        t.control |= cflag::CLOCAL;
        t.ispeed = 115_200;
        t.ospeed = 115_200;
        t
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

/// The kinds of line a terminal is, for the modes it starts with at its first open
/// (each personality may start them as its own system does: see
/// `Personality::first_terminal_modes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// The console's serial line.
    Console,
    /// A pseudo-terminal's slave.
    Pseudo,
}

impl Line {
    /// The kernel's own first modes for the line: [`Termios::console`] or
    /// [`Termios::sane`].
    pub const fn default_modes(self) -> Termios {
        match self {
            Line::Console => Termios::console(),
            Line::Pseudo => Termios::sane(),
        }
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
    /// The status character (^T) asks for the status line (without NOKERNINFO).
    fn status(&mut self) {}
}

/// How an output byte moves the cursor (the classes of BSD's char_type table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Ordinary,
    Backspace,
    Control,
    Newline,
    Tab,
    VerticalTab,
    Return,
}

fn class(c: u8) -> Class {
    match c {
        0x08 => Class::Backspace,
        b'\t' => Class::Tab,
        b'\n' => Class::Newline,
        0x0c => Class::VerticalTab,
        b'\r' => Class::Return,
        0..=0x1f | 0x7f => Class::Control,
        _ => Class::Ordinary,
    }
}

/// A word character for ALTWERASE: letters, digits, underscore and the upper half
/// (BSD's ISALPHA).
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// An input byte and whether it came after LNEXT (BSD's TTY_QUOTE): a quoted byte is
/// never special, so a quoted newline does not end the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Typed {
    byte: u8,
    quoted: bool,
}

impl Typed {
    const fn plain(byte: u8) -> Typed {
        Typed {
            byte,
            quoted: false,
        }
    }

    /// Echoed as ^X with ECHOCTL: control characters but an unquoted tab or
    /// newline, and DEL.
    fn echoes_as_caret(self) -> bool {
        (self.byte <= 0x1f && (self.quoted || (self.byte != b'\t' && self.byte != b'\n')))
            || self.byte == 0x7f
    }

    /// A space or tab, unquoted (word erase's separators).
    fn is_blank(self) -> bool {
        !self.quoted && (self.byte == b' ' || self.byte == b'\t')
    }
}

/// One terminal's line discipline: its modes, input queues and the state of its
/// output (the cursor column, held output).
#[derive(Debug)]
pub struct LineDiscipline {
    termios: Termios,
    /// Bytes readers may take (canonical mode: complete lines).
    ready: VecDeque<Typed>,
    /// Canonical mode: lengths of the complete lines in `ready`, oldest first (a line
    /// ended by EOF has no terminator; an empty one reads as end of file).
    lines: VecDeque<usize>,
    /// Canonical mode: the line being edited.
    line: Vec<Typed>,
    /// The next byte is literal (after LNEXT).
    literal: bool,
    /// The cursor's column, as output moved it (BSD's t_column).
    column: usize,
    /// Characters of the line echoed since output last disturbed it (t_rocount),
    /// and the column its echo started at (t_rocol): erasing retypes a disturbed line.
    reecho_count: usize,
    reecho_column: usize,
    /// Inside a printing terminal's \...\/ erase (ECHOPRT; TS_ERASE).
    erasing: bool,
    /// Pending input is being typed again (PENDIN; TS_TYPEN): ISTRIP is not applied.
    typing_again: bool,
    /// Output is stopped (^S, TIOCSTOP: BSD's TS_TTSTOP).
    stopped: bool,
    /// Output held while stopped, processed, oldest first.
    held: VecDeque<u8>,
}

/// A discipline's queues and states in BSD's terms (struct tty's t_rawq, t_canq,
/// t_column and t_state bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStatus {
    /// Input that is not yet a line (canonical mode: the line being edited); in
    /// non-canonical mode all input (t_rawq).
    pub raw: usize,
    /// Complete lines waiting to be read (t_canq).
    pub canonical: usize,
    /// Output held while stopped.
    pub held: usize,
    /// The cursor's column (t_column).
    pub column: usize,
    /// Output is stopped (TS_TTSTOP).
    pub stopped: bool,
    /// Inside a printing terminal's erase (TS_ERASE).
    pub erasing: bool,
    /// The next byte is literal (TS_LNCH).
    pub literal_next: bool,
    /// Pending input is being typed again (TS_TYPEN).
    pub typing_again: bool,
}

/// What a read found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes were copied (0 means end of file in canonical mode).
    Bytes(usize),
    /// This many bytes were copied, then the delayed-suspend character (VDSUSP) was
    /// taken: the foreground group gets SIGTSTP.
    Suspend(usize),
    /// Nothing to return yet.
    Empty,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        LineDiscipline::new()
    }
}

const SPACES: &[u8; 8] = b"        ";

impl LineDiscipline {
    pub const fn new() -> Self {
        LineDiscipline::with_termios(Termios::sane())
    }

    /// A line discipline starting in `termios`.
    pub const fn with_termios(termios: Termios) -> Self {
        LineDiscipline {
            termios,
            ready: VecDeque::new(),
            lines: VecDeque::new(),
            line: Vec::new(),
            literal: false,
            column: 0,
            reecho_count: 0,
            reecho_column: 0,
            erasing: false,
            typing_again: false,
            stopped: false,
            held: VecDeque::new(),
        }
    }

    /// Turns external processing (EXTPROC) on or off; says whether it was on.
    pub fn set_external(&mut self, on: bool) -> bool {
        let was = self.termios.local.contains(LocalFlags::EXTPROC);
        self.termios.local.set(LocalFlags::EXTPROC, on);
        was
    }

    pub fn termios(&self) -> Termios {
        self.termios
    }

    /// Changes the modes. Leaving canonical mode makes everything typed readable.
    /// Entering it with `pend` sets PENDIN: what was typed is typed again at the
    /// next input or read (ttypend); without (tcsetattr TCSAFLUSH, whose flush left
    /// nothing, or a first open) it becomes the line being edited.
    pub fn set_termios(&mut self, mut termios: Termios, pend: bool) {
        let was = self.termios.canonical();
        match (was, termios.canonical()) {
            (true, false) => {
                self.ready.extend(self.line.drain(..));
                self.lines.clear();
                termios.local.set(LocalFlags::PENDIN, false);
            }
            (false, true) if pend => termios.local.set(LocalFlags::PENDIN, true),
            (false, true) => {
                let pending =
                    self.ready.len() - self.lines.iter().sum::<usize>().min(self.ready.len());
                let start = self.ready.len() - pending;
                self.line.extend(self.ready.drain(start..));
            }
            _ => {}
        }
        self.termios = termios;
    }

    /// Discards all input, pending and being edited (ttyflush with FREAD).
    pub fn flush_input(&mut self) {
        self.ready.clear();
        self.lines.clear();
        self.line.clear();
        self.literal = false;
        self.termios.local.set(LocalFlags::PENDIN, false);
        self.reecho_count = 0;
        self.reecho_column = 0;
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

    /// Takes input into `buf`: at most one line in canonical mode. The
    /// delayed-suspend character (VDSUSP, with IEXTEN and ISIG) is taken and ends
    /// the read (ttread).
    pub fn read(&mut self, buf: &mut [u8]) -> ReadOutcome {
        let canonical = self.termios.canonical();
        let limit = if canonical {
            let Some(&front) = self.lines.front() else {
                return ReadOutcome::Empty;
            };
            if front == 0 {
                self.lines.pop_front();
                return ReadOutcome::Bytes(0);
            }
            front
        } else if self.ready.is_empty() {
            return ReadOutcome::Empty;
        } else {
            self.ready.len()
        };
        let local = self.termios.local;
        let suspends = local.contains(LocalFlags::IEXTEN) && local.contains(LocalFlags::ISIG);
        let dsusp = self.termios.cc(Cc::Dsusp);
        let mut n = 0;
        let mut taken = 0;
        let mut suspended = false;
        while n < buf.len() && taken < limit {
            let Some(c) = self.ready.pop_front() else {
                break;
            };
            taken += 1;
            if suspends && !c.quoted && dsusp != DISABLED && c.byte == dsusp {
                suspended = true;
                break;
            }
            buf[n] = c.byte;
            n += 1;
        }
        if canonical && let Some(front) = self.lines.front_mut() {
            *front -= taken;
            if *front == 0 {
                self.lines.pop_front();
            }
        }
        if suspended {
            ReadOutcome::Suspend(n)
        } else {
            ReadOutcome::Bytes(n)
        }
    }

    /// Where output of `byte` leaves the cursor from column `col` (ttyoutput's
    /// accounting): unmoved without OPOST.
    fn advance(&self, col: usize, byte: u8) -> usize {
        let o = self.termios.output;
        if !o.contains(OutputFlags::OPOST) || (byte == 0x04 && o.contains(OutputFlags::ONOEOT)) {
            return col;
        }
        match class(byte) {
            Class::Ordinary => col + 1,
            Class::Backspace => col.saturating_sub(1),
            Class::Control | Class::VerticalTab => col,
            Class::Newline | Class::Return => 0,
            Class::Tab => (col + 8) & !7,
        }
    }

    /// Where echoing `c` leaves the cursor from `col` (ttyecho's output, counted).
    fn echo_advance(&self, col: usize, c: Typed) -> usize {
        let local = self.termios.local;
        if !local.contains(LocalFlags::ECHO) {
            let echoes_newline = c.byte == b'\n' && !c.quoted && local.contains(LocalFlags::ECHONL);
            return if echoes_newline {
                self.advance(col, b'\n')
            } else {
                col
            };
        }
        if local.contains(LocalFlags::ECHOCTL) && c.echoes_as_caret() {
            col + 2
        } else {
            self.advance(col, c.byte)
        }
    }

    /// Outputs one byte with output processing (BSD's ttyoutput): ONLCR's CR NL,
    /// OXTABS's spaces, ONOEOT's dropped EOT; the column follows.
    fn put(&mut self, byte: u8, out: &mut dyn FnMut(&[u8])) {
        let o = self.termios.output;
        let col = self.column;
        self.column = self.advance(col, byte);
        if !o.contains(OutputFlags::OPOST) {
            self.output(&[byte], out);
        } else if byte == b'\t' && o.contains(OutputFlags::OXTABS) {
            let n = 8 - (col & 7);
            self.output(&SPACES[..n], out);
        } else if byte == 0x04 && o.contains(OutputFlags::ONOEOT) {
        } else if byte == b'\n' && o.contains(OutputFlags::ONLCR) {
            self.output(b"\r\n", out);
        } else {
            self.output(&[byte], out);
        }
    }

    /// Echoes `c` as typed (BSD's ttyecho): as ^X with ECHOCTL for a control
    /// character, a newline with ECHONL even without ECHO. Echoing ends output
    /// discarding (FLUSHO).
    fn echo(&mut self, c: Typed, hooks: &mut dyn Hooks) {
        self.termios.local.set(LocalFlags::FLUSHO, false);
        let local = self.termios.local;
        if local.contains(LocalFlags::EXTPROC)
            || (!local.contains(LocalFlags::ECHO)
                && (c.byte != b'\n' || c.quoted || !local.contains(LocalFlags::ECHONL)))
        {
            return;
        }
        let out = &mut |b: &[u8]| hooks.output(b);
        if local.contains(LocalFlags::ECHOCTL) && c.echoes_as_caret() {
            self.put(b'^', out);
            self.put(
                if c.byte == 0x7f {
                    b'?'
                } else {
                    c.byte + b'A' - 1
                },
                out,
            );
        } else {
            self.put(c.byte, out);
        }
    }

    /// Rubs out `count` columns: back, blank, back (ttyrubo).
    fn rub_columns(&mut self, count: usize, hooks: &mut dyn Hooks) {
        for _ in 0..count {
            for b in *b"\x08 \x08" {
                self.put(b, &mut |o| hooks.output(o));
            }
        }
    }

    /// Removes the last character of the line being edited, visually too.
    fn rub_out(&mut self, hooks: &mut dyn Hooks) -> bool {
        match self.line.pop() {
            Some(c) => {
                self.rub(c, hooks);
                true
            }
            None => false,
        }
    }

    /// Erases `c`, just taken off the line, from the screen (BSD's ttyrub): with
    /// ECHOE by its columns (a line disturbed by output is typed again instead), with
    /// ECHOPRT between \ and /, else by echoing the erase character.
    fn rub(&mut self, c: Typed, hooks: &mut dyn Hooks) {
        let local = self.termios.local;
        if !local.contains(LocalFlags::ECHO) {
            return;
        }
        self.termios.local.set(LocalFlags::FLUSHO, false);
        if local.contains(LocalFlags::ECHOE) {
            if self.reecho_count == 0 {
                self.retype(hooks);
                return;
            }
            if c.quoted && (c.byte == b'\t' || c.byte == b'\n') {
                self.rub_columns(2, hooks);
            } else {
                match class(c.byte) {
                    Class::Ordinary => self.rub_columns(1, hooks),
                    Class::Tab => {
                        if self.reecho_count < self.line.len() {
                            self.retype(hooks);
                            return;
                        }
                        // The tab's width: where the line's echo ends without it.
                        let end = self
                            .line
                            .iter()
                            .fold(self.reecho_column, |col, &t| self.echo_advance(col, t));
                        let width = self.column.saturating_sub(end).min(8);
                        for _ in 0..width {
                            self.put(0x08, &mut |o| hooks.output(o));
                        }
                    }
                    _ => {
                        if local.contains(LocalFlags::ECHOCTL) {
                            self.rub_columns(2, hooks);
                        }
                    }
                }
            }
        } else if local.contains(LocalFlags::ECHOPRT) {
            if !self.erasing {
                self.erasing = true;
                self.put(b'\\', &mut |o| hooks.output(o));
            }
            self.echo(c, hooks);
        } else {
            self.echo(Typed::plain(self.termios.cc(Cc::Erase)), hooks);
        }
        self.reecho_count = self.reecho_count.saturating_sub(1);
    }

    /// Types again what is pending (BSD's ttyretype): the reprint character, a
    /// newline, then the unread input and the line being edited.
    fn retype(&mut self, hooks: &mut dyn Hooks) {
        let reprint = self.termios.cc(Cc::Reprint);
        if reprint != DISABLED {
            self.echo(Typed::plain(reprint), hooks);
        }
        self.put(b'\n', &mut |o| hooks.output(o));
        let pending: Vec<Typed> = self.ready.iter().chain(self.line.iter()).copied().collect();
        for c in pending {
            self.echo(c, hooks);
        }
        self.erasing = false;
        self.reecho_count = if self.termios.canonical() {
            self.line.len()
        } else {
            self.ready.len()
        };
        self.reecho_column = 0;
    }

    fn complete_line(&mut self) {
        self.lines.push_back(self.line.len());
        self.ready.extend(self.line.drain(..));
    }

    fn room(&self) -> bool {
        self.ready.len() + self.line.len() < MAX_INPUT
    }

    /// Whether `c` ends a line: newline, EOF, EOL, or EOL2 with IEXTEN, unquoted
    /// (TTBREAKC).
    fn breaks_line(&self, c: Typed) -> bool {
        let t = &self.termios;
        !c.quoted
            && (c.byte == b'\n'
                || t.is(Cc::Eof, c.byte)
                || t.is(Cc::Eol, c.byte)
                || (t.is(Cc::Eol2, c.byte) && t.local.contains(LocalFlags::IEXTEN)))
    }

    /// Types again what was typed before canonical mode came on (PENDIN: BSD's
    /// ttypend, at the next input or read): the raw bytes go through input
    /// processing as if typed now.
    pub fn retype_pending(&mut self, hooks: &mut dyn Hooks) {
        if !self.termios.local.contains(LocalFlags::PENDIN) {
            return;
        }
        self.termios.local.set(LocalFlags::PENDIN, false);
        let queued = self.lines.iter().sum::<usize>().min(self.ready.len());
        let pending: Vec<Typed> = self.ready.drain(queued..).collect();
        self.typing_again = true;
        for c in pending {
            if c.quoted {
                self.literal = true;
            }
            self.input(c.byte, hooks);
        }
        self.typing_again = false;
    }

    /// Processes one byte of input from the device.
    pub fn input(&mut self, byte: u8, hooks: &mut dyn Hooks) {
        self.retype_pending(hooks);
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
        if t.input.contains(InputFlags::ISTRIP) && !self.typing_again {
            c &= 0x7f;
        }
        // External processing: the characters as they come, to the queue (ttyinput
        // skips its special characters and ttyecho its echo).
        if local.contains(LocalFlags::EXTPROC) {
            self.store(Typed::plain(c), hooks);
            return Next::End;
        }
        if self.literal {
            self.literal = false;
            self.store(
                Typed {
                    byte: c,
                    quoted: true,
                },
                hooks,
            );
            return Next::End;
        }
        if local.contains(LocalFlags::IEXTEN) {
            if t.is(Cc::Lnext, c) {
                if local.contains(LocalFlags::ECHO) {
                    if local.contains(LocalFlags::ECHOE) {
                        self.put(b'^', &mut |o| hooks.output(o));
                        self.put(0x08, &mut |o| hooks.output(o));
                    } else {
                        self.echo(Typed::plain(c), hooks);
                    }
                }
                self.literal = true;
                return Next::End;
            }
            // ^O: discard output until the next ^O, typed character or restart.
            if t.is(Cc::Discard, c) {
                if local.contains(LocalFlags::FLUSHO) {
                    self.termios.local.set(LocalFlags::FLUSHO, false);
                } else {
                    self.discard_output();
                    hooks.flushed(false, true);
                    self.echo(Typed::plain(c), hooks);
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
                self.echo(Typed::plain(c), hooks);
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
        if t.canonical() {
            if t.is(Cc::Erase, c) || t.is(Cc::Erase2, c) {
                self.rub_out(hooks);
                return Next::End;
            }
            if t.is(Cc::Kill, c) {
                let undisturbed = self.line.len() == self.reecho_count;
                if local.contains(LocalFlags::ECHOKE)
                    && undisturbed
                    && !local.contains(LocalFlags::ECHOPRT)
                {
                    while self.rub_out(hooks) {}
                } else {
                    self.echo(Typed::plain(c), hooks);
                    if local.contains(LocalFlags::ECHOK) || local.contains(LocalFlags::ECHOKE) {
                        self.echo(Typed::plain(b'\n'), hooks);
                    }
                    self.line.clear();
                    self.reecho_count = 0;
                }
                return Next::End;
            }
            if local.contains(LocalFlags::IEXTEN) {
                if t.is(Cc::Werase, c) {
                    self.erase_word(hooks);
                    return Next::End;
                }
                if t.is(Cc::Reprint, c) {
                    self.retype(hooks);
                    return Next::End;
                }
                // ^T: SIGINFO, and the kernel's status line (ttyinfo).
                if t.is(Cc::Status, c) {
                    if local.contains(LocalFlags::ISIG) {
                        hooks.signal(Signal::Info);
                    }
                    if !local.contains(LocalFlags::NOKERNINFO) {
                        hooks.status();
                    }
                    return Next::End;
                }
            }
        }
        self.store(Typed::plain(c), hooks);
        Next::End
    }

    /// Word erase (^W): the blanks before the cursor, then the word; with ALTWERASE
    /// the word ends where letters and digits meet other characters.
    fn erase_word(&mut self, hooks: &mut dyn Hooks) {
        while let Some(&c) = self.line.last() {
            if !c.is_blank() {
                break;
            }
            self.line.pop();
            self.rub(c, hooks);
        }
        // The word's last character goes whatever it is; the one before it decides
        // what the word is made of.
        if !self.rub_out(hooks) {
            return;
        }
        let Some(&next) = self.line.last() else {
            return;
        };
        let alternate = self.termios.local.contains(LocalFlags::ALTWERASE);
        let word = is_word(next.byte);
        while let Some(&c) = self.line.last() {
            if c.is_blank() || (alternate && is_word(c.byte) != word) {
                break;
            }
            self.line.pop();
            self.rub(c, hooks);
        }
    }

    /// Input beyond what is kept: a bell with IMAXBEL (unless output is backed up),
    /// the byte dropped.
    fn overflow(&mut self, hooks: &mut dyn Hooks) {
        if self.termios.input.contains(InputFlags::IMAXBEL) && self.held.len() < OUTPUT_HIGH_WATER {
            self.put(0x07, &mut |o| hooks.output(o));
        }
    }

    /// A 0377 byte doubled for PARMRK (so it cannot be taken for a parity mark).
    fn marks_parity(&self, c: Typed) -> bool {
        let i = self.termios.input;
        c.byte == 0xff
            && !c.quoted
            && i.contains(InputFlags::PARMRK)
            && !i.contains(InputFlags::ISTRIP)
            && !(i.contains(InputFlags::IGNBRK) && i.contains(InputFlags::IGNPAR))
    }

    /// Stores a data byte and echoes it: into the line in canonical mode (a line
    /// ends at a break character; EOF itself is not data, and its echo is backed
    /// over).
    fn store(&mut self, c: Typed, hooks: &mut dyn Hooks) {
        let mark = self.marks_parity(c);
        if !self.termios.canonical() {
            if !self.room() {
                self.overflow(hooks);
                return;
            }
            if mark {
                self.ready.push_back(Typed {
                    byte: 0xff,
                    quoted: true,
                });
            }
            self.ready.push_back(c);
            self.echo(c, hooks);
            return;
        }
        let ends_line = self.breaks_line(c);
        if !ends_line && (self.line.len() >= MAX_CANON - 1 || !self.room()) {
            self.overflow(hooks);
            return;
        }
        let eof = !c.quoted && self.termios.is(Cc::Eof, c.byte);
        if mark {
            self.line.push(Typed {
                byte: 0xff,
                quoted: true,
            });
        }
        if !eof {
            self.line.push(c);
        }
        if ends_line {
            self.reecho_count = 0;
            self.complete_line();
        } else {
            if self.reecho_count == 0 {
                self.reecho_column = self.column;
            }
            self.reecho_count += 1;
        }
        if self.erasing {
            self.erasing = false;
            self.put(b'/', &mut |o| hooks.output(o));
        }
        let before = self.column;
        self.echo(c, hooks);
        if eof && self.termios.local.contains(LocalFlags::ECHO) {
            // Back over the ^ of ^D.
            for _ in 0..self.column.saturating_sub(before).min(2) {
                self.put(0x08, &mut |o| hooks.output(o));
            }
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

    /// Written bytes (ttwrite): output processing, then [`LineDiscipline::output`].
    /// A write disturbs the line being edited: erasing types it again.
    pub fn write(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
        if bytes.is_empty() {
            return;
        }
        self.reecho_count = 0;
        if !self.termios.output.contains(OutputFlags::OPOST) {
            // ttwrite's bulk copy counts every byte as a column.
            self.output(bytes, out);
            self.column += bytes.len();
            return;
        }
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if class(b) == Class::Ordinary {
                continue;
            }
            if run < i {
                self.output(&bytes[run..i], out);
                self.column += i - run;
            }
            self.put(b, out);
            run = i + 1;
        }
        if run < bytes.len() {
            self.output(&bytes[run..], out);
            self.column += bytes.len() - run;
        }
    }

    /// Whether output is stopped (^S, TIOCSTOP: BSD's TS_TTSTOP).
    pub fn output_stopped(&self) -> bool {
        self.stopped
    }

    /// Bytes held while output is stopped (TIOCOUTQ).
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The queues and states as BSD's struct tty holds them (what pstat -t shows).
    pub fn queue_status(&self) -> QueueStatus {
        let canonical = self.termios.canonical();
        QueueStatus {
            raw: if canonical {
                self.line.len()
            } else {
                self.ready.len()
            },
            canonical: if canonical { self.ready.len() } else { 0 },
            held: self.held.len(),
            column: self.column,
            stopped: self.stopped,
            erasing: self.erasing,
            literal_next: self.literal,
            typing_again: self.typing_again,
        }
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

#[cfg(test)]
#[path = "ldisc_tests.rs"]
mod tests;
