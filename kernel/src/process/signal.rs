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
    /// A signal with no name, by its BSD number (32..=128): 4.x accepts them in kill,
    /// sigaction and its 128-bit masks; by default they terminate.
    Numbered(u8),
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
            Hup | Int | Kill | Pipe | Alrm | Term | Vtalrm | Prof | Usr1 | Usr2 | Numbered(_) => {
                DefaultAction::Terminate
            }
        }
    }

    /// Whether a handler may be installed or the signal blocked.
    pub fn catchable(self) -> bool {
        !matches!(self, Signal::Kill | Signal::Stop)
    }

    /// The lowest and highest number a `Numbered` signal may have.
    pub const FIRST_NUMBERED: u8 = 32;
    pub const LAST_NUMBERED: u8 = 128;

    /// A numbered signal, if `n` is in the numbered range.
    pub fn numbered(n: u32) -> Option<Signal> {
        let n = u8::try_from(n).ok()?;
        (Self::FIRST_NUMBERED..=Self::LAST_NUMBERED)
            .contains(&n)
            .then_some(Signal::Numbered(n))
    }

    /// Its place in a [`SignalSet`]: the named signals first, in declaration order,
    /// then the numbered ones (n - 1).
    fn index(self) -> u32 {
        match self {
            Signal::Numbered(n) => u32::from(n) - 1,
            named => Signal::ALL.iter().position(|&s| s == named).unwrap_or(0) as u32,
        }
    }

    fn from_index(i: u32) -> Option<Signal> {
        match Signal::ALL.get(i as usize) {
            Some(&s) => Some(s),
            None => Signal::numbered(i + 1),
        }
    }

    fn bit(self) -> u128 {
        1 << self.index()
    }
}

/// A set of signals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalSet(u128);

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
    /// Whether some member is not in `blocked` (KILL and STOP never are): what
    /// `first_unblocked` finds, in a few instructions, for the check after every trap.
    pub fn any_unblocked(&self, blocked: SignalSet) -> bool {
        let never_blocked = Signal::Kill.bit() | Signal::Stop.bit();
        self.0 & !(blocked.0 & !never_blocked) != 0
    }

    /// The lowest-numbered member not in `blocked`.
    pub fn first_unblocked(&self, blocked: SignalSet) -> Option<Signal> {
        self.iter()
            .find(|&s| !blocked.contains(s) || !s.catchable())
    }

    /// The members, named ones first. Walks the set bits only: the trap path asks for
    /// the first pending signal after every system call, and the set is nearly always
    /// empty (a walk over all 128 bits cost ~2,000 instructions per call).
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        let mut bits = self.0;
        core::iter::from_fn(move || {
            while bits != 0 {
                let index = bits.trailing_zeros();
                bits &= bits - 1;
                if let Some(signal) = Signal::from_index(index) {
                    return Some(signal);
                }
            }
            None
        })
    }

    /// Every signal of either set.
    pub fn union(self, other: SignalSet) -> SignalSet {
        SignalSet(self.0 | other.0)
    }
}

/// Where a pending signal came from, as far as the core knows: what a personality's
/// siginfo reports (si_code, si_pid, si_uid, si_status). A signal posted again while
/// pending keeps its first origin, as POSIX has it for signals that do not queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignalOrigin {
    /// The kernel raised it: a timer, the terminal, a broken pipe, a resource limit.
    #[default]
    Kernel,
    /// kill(2) from a process: its pid and real user.
    Process { pid: u32, uid: u32 },
    /// A child changed state (SIGCHLD): its pid and real user, and what happened.
    Child {
        pid: u32,
        uid: u32,
        change: ChildChange,
    },
    /// The process's own instruction faulted; the fault is the process's last_fault.
    Fault,
}

/// What happened to a child that sent SIGCHLD, with the status POSIX's si_status
/// carries: the exit code, or the signal that ended or stopped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildChange {
    Exited(u8),
    Killed(Signal),
    Dumped(Signal),
    /// Stopped by a job-control signal.
    Stopped(Signal),
    /// Stopped for its tracer.
    Trapped(Signal),
    /// Continued from a stop by SIGCONT.
    Continued,
}

impl ChildChange {
    /// How a child's end is reported.
    pub fn of_exit(status: ExitStatus) -> ChildChange {
        match status {
            ExitStatus::Exited(code) => ChildChange::Exited(code),
            ExitStatus::Signaled { signal, core: true } => ChildChange::Dumped(signal),
            ExitStatus::Signaled { signal, .. } => ChildChange::Killed(signal),
        }
    }
}

/// How a process's children report to it, as SIGCHLD's sigaction flags set it (BSD's
/// PS_NOCLDSTOP and PS_NOCLDWAIT): kept by fork; exec clears `no_zombies`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildReports {
    /// No SIGCHLD when a child stops for job control (SA_NOCLDSTOP).
    pub no_stop_signal: bool,
    /// Children that end go to init, which reaps them, and never become this process's
    /// zombies (SA_NOCLDWAIT).
    pub no_zombies: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set(signals: &[Signal]) -> SignalSet {
        let mut s = SignalSet::EMPTY;
        for &signal in signals {
            s.insert(signal);
        }
        s
    }

    #[test]
    fn any_unblocked_agrees_with_first_unblocked() {
        let cases = [
            (set(&[]), set(&[])),
            (set(&[Signal::Int]), set(&[])),
            (set(&[Signal::Int]), set(&[Signal::Int])),
            (set(&[Signal::Int, Signal::Hup]), set(&[Signal::Int])),
            // KILL and STOP get through whatever the mask says.
            (set(&[Signal::Kill]), set(&[Signal::Kill])),
            (set(&[Signal::Stop]), set(&Signal::ALL)),
            (set(&Signal::ALL), set(&Signal::ALL)),
            (set(&[Signal::Segv]), set(&[Signal::Int, Signal::Segv])),
        ];
        for (pending, blocked) in cases {
            assert_eq!(
                pending.any_unblocked(blocked),
                pending.first_unblocked(blocked).is_some(),
                "pending {pending:?} blocked {blocked:?}"
            );
        }
    }
}
