//! Signals in ABI-neutral terms. Each personality maps these to and from its own
//! numbers at the boundary, so a FreeBSD-4 process can signal a native one.

/// Every signal the kernel knows, by meaning rather than number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    Hup,
    Int,
    Quit,
    Ill,
    Trap,
    Abrt,
    Emt,
    Fpe,
    Kill,
    Bus,
    Segv,
    Sys,
    Pipe,
    Alrm,
    Term,
    Urg,
    Stop,
    Tstp,
    Cont,
    Chld,
    Ttin,
    Ttou,
    Io,
    Xcpu,
    Xfsz,
    Vtalrm,
    Prof,
    Winch,
    Info,
    Usr1,
    Usr2,
}

/// What a signal does when its action is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate and (where supported) dump core.
    Core,
    Ignore,
    Stop,
    Continue,
}

impl Signal {
    pub const ALL: [Signal; 31] = [
        Signal::Hup,
        Signal::Int,
        Signal::Quit,
        Signal::Ill,
        Signal::Trap,
        Signal::Abrt,
        Signal::Emt,
        Signal::Fpe,
        Signal::Kill,
        Signal::Bus,
        Signal::Segv,
        Signal::Sys,
        Signal::Pipe,
        Signal::Alrm,
        Signal::Term,
        Signal::Urg,
        Signal::Stop,
        Signal::Tstp,
        Signal::Cont,
        Signal::Chld,
        Signal::Ttin,
        Signal::Ttou,
        Signal::Io,
        Signal::Xcpu,
        Signal::Xfsz,
        Signal::Vtalrm,
        Signal::Prof,
        Signal::Winch,
        Signal::Info,
        Signal::Usr1,
        Signal::Usr2,
    ];

    /// The default action, as 4.4BSD defines it.
    pub fn default_action(self) -> DefaultAction {
        use Signal::*;
        match self {
            Quit | Ill | Trap | Abrt | Emt | Fpe | Bus | Segv | Sys | Xcpu | Xfsz => {
                DefaultAction::Core
            }
            Urg | Chld | Io | Winch | Info => DefaultAction::Ignore,
            Stop | Tstp | Ttin | Ttou => DefaultAction::Stop,
            Cont => DefaultAction::Continue,
            Hup | Int | Kill | Pipe | Alrm | Term | Vtalrm | Prof | Usr1 | Usr2 => {
                DefaultAction::Terminate
            }
        }
    }

    /// Whether a handler may be installed or the signal blocked.
    pub fn catchable(self) -> bool {
        !matches!(self, Signal::Kill | Signal::Stop)
    }

    fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

/// A set of signals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalSet(u64);

impl SignalSet {
    pub const EMPTY: SignalSet = SignalSet(0);

    pub fn insert(&mut self, s: Signal) {
        self.0 |= s.bit();
    }
    pub fn remove(&mut self, s: Signal) {
        self.0 &= !s.bit();
    }
    pub fn contains(&self, s: Signal) -> bool {
        self.0 & s.bit() != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    /// The lowest-numbered member not in `blocked`.
    pub fn first_unblocked(&self, blocked: SignalSet) -> Option<Signal> {
        Signal::ALL
            .iter()
            .copied()
            .find(|&s| self.contains(s) && (!blocked.contains(s) || !s.catchable()))
    }
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`; only the low 8 bits are kept, as in every Unix.
    Exited(u8),
    Signaled {
        signal: Signal,
        core: bool,
    },
}
