//! Verdicts: pass, or fail with a cause and a reason a human can act on; and the judges for
//! a normal boot and for the failure-path self-tests (`nymph.selftest=panic|fault|hang`).

use std::fmt;

use crate::outcome::{ExitKind, RunOutcome, secs};

/// What kind of thing went wrong. Ordered from most to least severe: a verdict's cause is
/// the most severe of its problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailCause {
    /// EXCEPTION lines: the kernel took an unexpected CPU exception.
    Exception,
    /// A PANIC line.
    Panicked,
    /// The harness killed QEMU after the timeout.
    Timeout,
    /// QEMU exited with a status other than 33/35.
    Died,
    /// QEMU was killed by a signal the harness did not send.
    KilledBySignal,
    /// The serial protocol was broken (missing, duplicated, inconsistent lines).
    Protocol,
    /// The exit status disagrees with what the kernel printed.
    ExitMismatch,
    /// In-guest tests reported failures; the protocol itself was consistent.
    TestsFailed,
    /// The run ended differently from what a check expected.
    Unexpected,
}

/// One thing wrong with a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub cause: FailCause,
    pub message: String,
}

impl Problem {
    pub fn new(cause: FailCause, message: impl Into<String>) -> Self {
        Self {
            cause,
            message: message.into(),
        }
    }
}

/// The judgement of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass { summary: String },
    Fail { cause: FailCause, reason: String },
}

impl Verdict {
    pub fn is_pass(&self) -> bool {
        matches!(self, Self::Pass { .. })
    }

    /// The failure cause, if failed.
    pub fn cause(&self) -> Option<FailCause> {
        match self {
            Self::Pass { .. } => None,
            Self::Fail { cause, .. } => Some(*cause),
        }
    }

    /// The pass summary or the failure reason.
    pub fn text(&self) -> &str {
        match self {
            Self::Pass { summary } => summary,
            Self::Fail { reason, .. } => reason,
        }
    }

    /// Pass with `summary` when `problems` is empty, else fail with the most severe cause
    /// and every problem in the reason (in the order found), plus the outcome's note.
    pub fn from_problems(
        problems: &[Problem],
        summary: impl Into<String>,
        note: Option<&str>,
    ) -> Self {
        let Some(cause) = problems.iter().map(|p| p.cause).min() else {
            return Self::Pass {
                summary: summary.into(),
            };
        };
        let mut reason = problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if let Some(note) = note {
            reason.push_str(&format!(" ({note})"));
        }
        Self::Fail { cause, reason }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pass { summary } => write!(f, "ok: {summary}"),
            Self::Fail { reason, .. } => write!(f, "FAILED: {reason}"),
        }
    }
}

/// The problems every judge starts from: crash evidence, and an exit that is neither
/// success nor failure reported by the kernel.
pub fn crash_and_exit_problems(outcome: &RunOutcome) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(crash) = &outcome.crash {
        let cause = if crash.exception.is_some() {
            FailCause::Exception
        } else {
            FailCause::Panicked
        };
        problems.push(Problem::new(cause, crash.to_string()));
    }
    match outcome.exit {
        ExitKind::Success | ExitKind::Failure => {}
        ExitKind::Timeout(after) => problems.push(Problem::new(
            FailCause::Timeout,
            format!(
                "timed out after {}; {}",
                secs(after),
                outcome.tail_description()
            ),
        )),
        ExitKind::Died(_) => problems.push(Problem::new(
            FailCause::Died,
            format!("{}; {}", outcome.exit, outcome.tail_description()),
        )),
        ExitKind::KilledBySignal(_) => problems.push(Problem::new(
            FailCause::KilledBySignal,
            format!("{}; {}", outcome.exit, outcome.tail_description()),
        )),
    }
    problems
}

/// The prefix of the banner a normal boot prints.
pub const BANNER_PREFIX: &str = "Nymph ";

/// Judges a normal boot (no `nymph.test`): no crash, a banner line starting `Nymph `, and
/// a success exit.
pub fn judge_boot(outcome: &RunOutcome) -> Verdict {
    let mut problems = crash_and_exit_problems(outcome);
    let banner = outcome
        .lines
        .iter()
        .map(|l| crate::outcome::protocol_text(l))
        .find(|l| l.starts_with(BANNER_PREFIX));
    if banner.is_none() {
        // The tail is already in the reason when the run also ended badly.
        let message = if problems.is_empty() {
            format!(
                "no banner line starting `{BANNER_PREFIX}`; {}",
                outcome.tail_description()
            )
        } else {
            format!("no banner line starting `{BANNER_PREFIX}`")
        };
        problems.push(Problem::new(FailCause::Protocol, message));
    }
    if outcome.exit == ExitKind::Failure && outcome.crash.is_none() {
        problems.push(Problem::new(
            FailCause::ExitMismatch,
            format!("{} without printing a panic or exception", outcome.exit),
        ));
    }
    let summary = format!("banner `{}`, {}", banner.unwrap_or_default(), outcome.exit);
    Verdict::from_problems(&problems, summary, outcome.note.as_deref())
}

/// What the run was, for "expected X, got Y" reasons.
fn describe(outcome: &RunOutcome) -> String {
    let judged = Verdict::from_problems(&crash_and_exit_problems(outcome), String::new(), None);
    match judged {
        Verdict::Pass { .. } => format!("{}; {}", outcome.exit, outcome.tail_description()),
        Verdict::Fail { reason, .. } => reason,
    }
}

fn with_note(outcome: &RunOutcome, reason: String) -> String {
    match &outcome.note {
        Some(note) => format!("{reason} ({note})"),
        None => reason,
    }
}

/// Self-test `nymph.selftest=panic`: the harness must see a panic with its message, and
/// the kernel must report failure (35).
pub fn expect_panic(outcome: &RunOutcome) -> Verdict {
    let panic = outcome.crash.as_ref().and_then(|c| c.panic.as_ref());
    match (panic, outcome.exit) {
        (Some(panic), ExitKind::Failure)
            if outcome
                .crash
                .as_ref()
                .is_some_and(|c| c.exception.is_none()) =>
        {
            Verdict::Pass {
                summary: format!("detected: kernel panicked: {panic}"),
            }
        }
        (Some(panic), exit) if exit != ExitKind::Failure => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!("kernel panicked ({panic}) but then {exit}; expected status 35"),
            ),
        },
        _ => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!("expected a kernel panic, got: {}", describe(outcome)),
            ),
        },
    }
}

/// Self-test `nymph.selftest=stack-overflow`: a kernel thread recursing without end must
/// stop at its stack's guard area with a CPU exception report and a panic that says it
/// was a stack overflow, and a failure exit.
pub fn expect_stack_overflow(outcome: &RunOutcome) -> Verdict {
    expect_named_panic(
        outcome,
        &["kernel stack overflow", "kernel stack slot"],
        true,
        "an exception report and a panic naming a kernel stack overflow in a kernel stack slot",
    )
}

/// Self-test `nymph.selftest=deadlock`: a lock taken while held must end in a panic that
/// says "deadlock" and names the self-test's source line, and a failure exit.
pub fn expect_deadlock(outcome: &RunOutcome) -> Verdict {
    expect_named_panic(
        outcome,
        &["deadlock", "kernel/src/selftest.rs"],
        false,
        "a panic reporting a deadlock at kernel/src/selftest.rs",
    )
}

/// A panic whose message holds every one of `words` (after an exception report, if
/// `exception`), then the failure status; `expected` says so in a failure's reason.
fn expect_named_panic(
    outcome: &RunOutcome,
    words: &[&str],
    exception: bool,
    expected: &str,
) -> Verdict {
    let crash = outcome.crash.as_ref();
    let named = crash
        .and_then(|c| c.panic.as_ref())
        .is_some_and(|p| words.iter().all(|w| p.message.contains(w)));
    match (crash, named, outcome.exit) {
        (Some(crash), true, ExitKind::Failure) if !exception || crash.exception.is_some() => {
            Verdict::Pass {
                summary: format!("detected: {crash}"),
            }
        }
        _ => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!(
                    "expected {expected}, then status 35; got: {}",
                    describe(outcome)
                ),
            ),
        },
    }
}

/// Self-test `nymph.selftest=fault`: the harness must see the unexpected exception (the
/// EXCEPTION report, or at least the panic it leads to) and a failure exit (35).
pub fn expect_exception(outcome: &RunOutcome) -> Verdict {
    match (&outcome.crash, outcome.exit) {
        (Some(crash), ExitKind::Failure) => {
            let summary = if crash.exception.is_some() {
                format!("detected: {crash}")
            } else {
                format!("detected as a panic only (no EXCEPTION lines): {crash}")
            };
            Verdict::Pass { summary }
        }
        (Some(crash), exit) => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!("{crash} but then {exit}; expected status 35"),
            ),
        },
        (None, _) => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!(
                    "expected a CPU exception report, got: {}",
                    describe(outcome)
                ),
            ),
        },
    }
}

/// Self-test `nymph.selftest=hang`: the harness must time out on a kernel that has printed
/// something (so it did run), with no crash on the way.
pub fn expect_timeout(outcome: &RunOutcome) -> Verdict {
    // Without any output the kernel may never have run (as under a KVM that cannot run it):
    // a timeout would then prove nothing.
    let ran = outcome
        .lines
        .iter()
        .any(|l| !crate::outcome::protocol_text(l).is_empty());
    match (outcome.exit, &outcome.crash) {
        (ExitKind::Timeout(_), None) if !ran => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!(
                    "timed out, but the kernel printed nothing, so it may never have run: {}",
                    outcome.tail_description()
                ),
            ),
        },
        (ExitKind::Timeout(after), None) => Verdict::Pass {
            summary: format!(
                "detected: timed out after {} and QEMU was killed",
                secs(after)
            ),
        },
        _ => Verdict::Fail {
            cause: FailCause::Unexpected,
            reason: with_note(
                outcome,
                format!("expected a timeout, got: {}", describe(outcome)),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn run(lines: &[&str], exit: ExitKind) -> RunOutcome {
        RunOutcome::new(lines.iter().map(|l| l.to_string()).collect(), exit)
    }

    #[test]
    fn normal_boot_passes() {
        let v = judge_boot(&run(
            &["[0.000] INFO nymph: start", "Nymph 0.1.0 (x86_64)\r"],
            ExitKind::Success,
        ));
        assert!(v.is_pass(), "{v}");
    }

    #[test]
    fn boot_without_banner_fails() {
        let v = judge_boot(&run(&["hello"], ExitKind::Success));
        assert_eq!(v.cause(), Some(FailCause::Protocol));
        assert!(v.text().contains("no banner line"), "{v}");
    }

    #[test]
    fn boot_that_died_with_status_zero_fails() {
        let v = judge_boot(&run(&["Nymph 0.1.0"], ExitKind::Died(0)));
        assert_eq!(v.cause(), Some(FailCause::Died));
        assert!(v.text().contains("status 0"), "{v}");
    }

    #[test]
    fn panic_selftest_detected_with_message() {
        let o = run(
            &[
                "Nymph 0.1",
                "PANIC at kernel/src/selftest.rs:9:5: selftest panic",
            ],
            ExitKind::Failure,
        );
        let v = expect_panic(&o);
        assert!(v.is_pass(), "{v}");
        assert!(v.text().contains("selftest panic"));
        // The same outcome fails a normal boot, as a panic.
        assert_eq!(judge_boot(&o).cause(), Some(FailCause::Panicked));
        // A panic with the wrong exit status is not accepted.
        let o = run(&["PANIC at a.rs:1:1: x"], ExitKind::Died(0));
        assert!(!expect_panic(&o).is_pass());
        // No panic at all.
        assert!(!expect_panic(&run(&["Nymph"], ExitKind::Success)).is_pass());
    }

    #[test]
    fn fault_selftest_detected() {
        let o = run(
            &[
                "EXCEPTION vector=14 (#PF) error=0x0 rip=0x1000 cr2=0xdead",
                "PANIC at t.rs:1:1: unexpected exception",
            ],
            ExitKind::Failure,
        );
        let v = expect_exception(&o);
        assert!(v.is_pass(), "{v}");
        assert_eq!(judge_boot(&o).cause(), Some(FailCause::Exception));
        assert!(!expect_exception(&run(&["Nymph"], ExitKind::Died(0))).is_pass());
    }

    #[test]
    fn hang_selftest_detected() {
        let t = ExitKind::Timeout(Duration::from_secs(5));
        assert!(expect_timeout(&run(&["Nymph"], t)).is_pass());
        assert!(!expect_timeout(&run(&["Nymph"], ExitKind::Success)).is_pass());
        let silent = expect_timeout(&run(&[], t));
        assert!(
            silent.text().contains("the kernel printed nothing"),
            "{silent}"
        );
        let v = judge_boot(&run(&["Nymph 0.1", "spinning"], t));
        assert_eq!(v.cause(), Some(FailCause::Timeout));
        assert!(
            v.text()
                .starts_with("timed out after 5 s; last lines: Nymph 0.1 | spinning"),
            "{v}"
        );
    }

    #[test]
    fn note_is_appended() {
        let mut o = run(&[], ExitKind::Timeout(Duration::from_secs(20)));
        o.note = Some("KVM note".into());
        assert!(judge_boot(&o).text().ends_with("(KVM note)"));
    }
}
