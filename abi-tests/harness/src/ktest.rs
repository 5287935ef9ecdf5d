//! The in-kernel test protocol (`nymph.test=all`) and its judge.
//!
//! ```text
//! KTEST plan <N>
//! KTEST pass <name>
//! KTEST fail <name> <location>: <message>
//! KTEST summary passed=<P> failed=<F>
//! ```
//! then the kernel exits with 0x10 (QEMU 33) iff F == 0, else 0x11 (QEMU 35).
//!
//! The judge checks all of it together: the plan, one result per planned test with no
//! duplicates, a summary that matches the counted results, an exit status that agrees
//! with the summary, and no panic or exception.

use std::collections::HashMap;
use std::fmt;

use crate::outcome::{ExitKind, RunOutcome, protocol_text};
use crate::verdict::{FailCause, Problem, Verdict, crash_and_exit_problems};

/// One parsed `KTEST` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KtestLine<'a> {
    Plan(usize),
    Pass {
        name: &'a str,
    },
    Fail {
        name: &'a str,
        location: &'a str,
        message: &'a str,
    },
    Summary {
        passed: usize,
        failed: usize,
    },
    /// Starts with `KTEST ` but does not follow the protocol.
    Malformed(&'a str),
}

/// Parses one serial line; `None` when it is not a `KTEST` line.
pub fn parse_ktest_line(line: &str) -> Option<KtestLine<'_>> {
    let text = protocol_text(line);
    let rest = text.strip_prefix("KTEST ")?;
    let malformed = KtestLine::Malformed(text);
    let (word, args) = rest.split_once(' ').unwrap_or((rest, ""));
    let parsed = match word {
        "plan" => args.trim().parse().ok().map(KtestLine::Plan),
        "pass" => {
            let name = args.trim();
            (!name.is_empty() && !name.contains(' ')).then_some(KtestLine::Pass { name })
        }
        "fail" => args.split_once(' ').and_then(|(name, detail)| {
            let (location, message) = detail.split_once(": ").unwrap_or((detail, ""));
            (!name.is_empty()).then_some(KtestLine::Fail {
                name,
                location,
                message,
            })
        }),
        "summary" => parse_summary(args),
        _ => None,
    };
    Some(parsed.unwrap_or(malformed))
}

/// `passed=<P> failed=<F>`, nothing else.
fn parse_summary(args: &str) -> Option<KtestLine<'static>> {
    let mut fields = args.split_whitespace();
    let passed = fields.next()?.strip_prefix("passed=")?.parse().ok()?;
    let failed = fields.next()?.strip_prefix("failed=")?.parse().ok()?;
    fields
        .next()
        .is_none()
        .then_some(KtestLine::Summary { passed, failed })
}

/// How one in-guest test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Passed,
    Failed { location: String, message: String },
}

/// One `KTEST pass`/`KTEST fail` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub outcome: TestOutcome,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.outcome == TestOutcome::Passed
    }
}

impl fmt::Display for TestResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            TestOutcome::Passed => write!(f, "{} ... ok", self.name),
            TestOutcome::Failed { location, message } => {
                write!(f, "{} ... FAILED at {location}: {message}", self.name)
            }
        }
    }
}

/// Everything the judge found in a `nymph.test` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KtestReport {
    /// The (first) plan line's count.
    pub plan: Option<usize>,
    /// Results in the order printed (duplicates included).
    pub results: Vec<TestResult>,
    /// The (first) summary line's `(passed, failed)`.
    pub summary: Option<(usize, usize)>,
    /// Every problem found; empty iff the verdict is a pass.
    pub problems: Vec<Problem>,
    pub verdict: Verdict,
}

impl KtestReport {
    pub fn passed_count(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    pub fn failed_count(&self) -> usize {
        self.results.len() - self.passed_count()
    }

    /// The problems that are not simply "some tests failed": the run itself (protocol,
    /// crash, exit status) was broken.
    pub fn run_problems(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.cause != FailCause::TestsFailed)
    }
}

/// Judges a `nymph.test` run.
pub fn judge_ktest(outcome: &RunOutcome) -> KtestReport {
    let mut problems = crash_and_exit_problems(outcome);
    let mut plans = Vec::new();
    let mut summaries = Vec::new();
    let mut results: Vec<TestResult> = Vec::new();
    let mut malformed = Vec::new();
    let mut before_plan = Vec::new();
    let mut after_summary = Vec::new();

    for line in &outcome.lines {
        let Some(parsed) = parse_ktest_line(line) else {
            continue;
        };
        let result = match parsed {
            KtestLine::Plan(n) => {
                plans.push(n);
                continue;
            }
            KtestLine::Summary { passed, failed } => {
                summaries.push((passed, failed));
                continue;
            }
            KtestLine::Malformed(text) => {
                malformed.push(text.to_string());
                continue;
            }
            KtestLine::Pass { name } => TestResult {
                name: name.to_string(),
                outcome: TestOutcome::Passed,
            },
            KtestLine::Fail {
                name,
                location,
                message,
            } => TestResult {
                name: name.to_string(),
                outcome: TestOutcome::Failed {
                    location: location.to_string(),
                    message: message.to_string(),
                },
            },
        };
        if plans.is_empty() {
            before_plan.push(result.name.clone());
        }
        if !summaries.is_empty() {
            after_summary.push(result.name.clone());
        }
        results.push(result);
    }

    let protocol = |problems: &mut Vec<Problem>, msg: String| {
        problems.push(Problem::new(FailCause::Protocol, msg))
    };
    for text in &malformed {
        protocol(&mut problems, format!("malformed KTEST line `{text}`"));
    }
    let plan = plans.first().copied();
    match plans.len() {
        0 => protocol(&mut problems, "no `KTEST plan` line".to_string()),
        1 => {}
        n => protocol(&mut problems, format!("`KTEST plan` printed {n} times")),
    }
    if plan.is_some() && !before_plan.is_empty() {
        protocol(
            &mut problems,
            format!("results before the plan: {}", before_plan.join(", ")),
        );
    }

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &results {
        *seen.entry(r.name.as_str()).or_default() += 1;
    }
    let mut dups: Vec<(&str, usize)> = seen.into_iter().filter(|&(_, n)| n > 1).collect();
    dups.sort_unstable();
    for (name, n) in dups {
        protocol(&mut problems, format!("test `{name}` reported {n} times"));
    }

    let passed = results.iter().filter(|r| r.passed()).count();
    let failed = results.len() - passed;
    if let Some(n) = plan
        && n != results.len()
    {
        protocol(
            &mut problems,
            format!(
                "plan announced {n} tests but {} results seen",
                results.len()
            ),
        );
    }

    let summary = summaries.first().copied();
    match summaries.len() {
        0 => protocol(&mut problems, "no `KTEST summary` line".to_string()),
        1 => {}
        n => protocol(&mut problems, format!("`KTEST summary` printed {n} times")),
    }
    if !after_summary.is_empty() {
        protocol(
            &mut problems,
            format!("results after the summary: {}", after_summary.join(", ")),
        );
    }
    if let Some((s_passed, s_failed)) = summary {
        if s_passed != passed {
            protocol(
                &mut problems,
                format!("summary says passed={s_passed} but {passed} pass lines seen"),
            );
        }
        if s_failed != failed {
            protocol(
                &mut problems,
                format!("summary says failed={s_failed} but {failed} fail lines seen"),
            );
        }
    }

    let reported_failed = summary.map_or(failed, |(_, f)| f.max(failed));
    match outcome.exit {
        ExitKind::Success if reported_failed > 0 => problems.push(Problem::new(
            FailCause::ExitMismatch,
            format!(
                "{reported_failed} failed test(s) reported but the {}",
                outcome.exit
            ),
        )),
        ExitKind::Failure
            if outcome.crash.is_none() && summary.is_some() && reported_failed == 0 =>
        {
            problems.push(Problem::new(
                FailCause::ExitMismatch,
                format!("summary says failed=0 but the {}", outcome.exit),
            ));
        }
        _ => {}
    }

    if failed > 0 {
        let names: Vec<String> = results
            .iter()
            .filter_map(|r| match &r.outcome {
                TestOutcome::Failed { location, message } => {
                    Some(format!("{} ({location}: {message})", r.name))
                }
                TestOutcome::Passed => None,
            })
            .collect();
        problems.push(Problem::new(
            FailCause::TestsFailed,
            format!("{failed} test(s) failed: {}", names.join(", ")),
        ));
    }

    let summary_text = format!(
        "{passed} passed, 0 failed, plan {}, {}",
        plan.unwrap_or(0),
        outcome.exit
    );
    let verdict = Verdict::from_problems(&problems, summary_text, outcome.note.as_deref());
    KtestReport {
        plan,
        results,
        summary,
        problems,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn run(text: &str, exit: ExitKind) -> RunOutcome {
        RunOutcome::new(text.lines().map(str::to_string).collect(), exit)
    }

    const ALL_PASS: &str = "\
[0.000] INFO nymph: booting\r
Nymph 0.1.0\r
KTEST plan 3\r
KTEST pass mm::frames\r
[0.010] DEBUG mm: allocated 3 frames\r
KTEST pass mm::paging\r
KTEST pass sched::yield\r
KTEST summary passed=3 failed=0\r
";

    #[test]
    fn parses_lines() {
        assert_eq!(parse_ktest_line("KTEST plan 4\r"), Some(KtestLine::Plan(4)));
        assert_eq!(
            parse_ktest_line("KTEST pass a::b"),
            Some(KtestLine::Pass { name: "a::b" })
        );
        assert_eq!(
            parse_ktest_line("KTEST fail a::b kernel/src/a.rs:3:9: left != right: 1 vs 2"),
            Some(KtestLine::Fail {
                name: "a::b",
                location: "kernel/src/a.rs:3:9",
                message: "left != right: 1 vs 2"
            })
        );
        assert_eq!(
            parse_ktest_line("KTEST summary passed=2 failed=1"),
            Some(KtestLine::Summary {
                passed: 2,
                failed: 1
            })
        );
        assert_eq!(
            parse_ktest_line("KTEST plan x"),
            Some(KtestLine::Malformed("KTEST plan x"))
        );
        assert_eq!(
            parse_ktest_line("KTEST summary passed=2"),
            Some(KtestLine::Malformed("KTEST summary passed=2"))
        );
        assert_eq!(parse_ktest_line("[0.1] INFO KTEST pass x"), None);
        assert_eq!(parse_ktest_line("KTESTS"), None);
    }

    #[test]
    fn all_pass() {
        let r = judge_ktest(&run(ALL_PASS, ExitKind::Success));
        assert!(r.verdict.is_pass(), "{}", r.verdict);
        assert_eq!(r.plan, Some(3));
        assert_eq!(r.summary, Some((3, 0)));
        assert_eq!(r.passed_count(), 3);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn one_fail() {
        let text = "KTEST plan 2\nKTEST pass a\nKTEST fail b kernel/src/b.rs:7:5: expected 4, got 5\nKTEST summary passed=1 failed=1\n";
        let r = judge_ktest(&run(text, ExitKind::Failure));
        assert_eq!(r.verdict.cause(), Some(FailCause::TestsFailed));
        assert_eq!(
            r.verdict.text(),
            "1 test(s) failed: b (kernel/src/b.rs:7:5: expected 4, got 5)"
        );
        assert_eq!(r.run_problems().count(), 0, "the protocol itself was fine");
        assert_eq!(r.failed_count(), 1);
    }

    #[test]
    fn missing_summary() {
        let text = "KTEST plan 1\nKTEST pass a\n";
        let r = judge_ktest(&run(text, ExitKind::Success));
        assert_eq!(r.verdict.cause(), Some(FailCause::Protocol));
        assert!(
            r.verdict.text().contains("no `KTEST summary` line"),
            "{}",
            r.verdict
        );
    }

    #[test]
    fn missing_plan_and_duplicates() {
        let text = "KTEST pass a\nKTEST pass a\nKTEST summary passed=2 failed=0\n";
        let r = judge_ktest(&run(text, ExitKind::Success));
        assert_eq!(r.verdict.cause(), Some(FailCause::Protocol));
        assert!(r.verdict.text().contains("no `KTEST plan` line"));
        assert!(r.verdict.text().contains("test `a` reported 2 times"));
    }

    #[test]
    fn counts_disagree() {
        let text = "KTEST plan 3\nKTEST pass a\nKTEST pass b\nKTEST summary passed=3 failed=0\n";
        let r = judge_ktest(&run(text, ExitKind::Success));
        assert_eq!(r.verdict.cause(), Some(FailCause::Protocol));
        let reason = r.verdict.text();
        assert!(
            reason.contains("plan announced 3 tests but 2 results seen"),
            "{reason}"
        );
        assert!(
            reason.contains("summary says passed=3 but 2 pass lines seen"),
            "{reason}"
        );
    }

    #[test]
    fn panic_mid_run() {
        let text = "KTEST plan 3\nKTEST pass a\nPANIC at kernel/src/mm.rs:88:13: frame allocator poisoned\nheld locks: none\n";
        let r = judge_ktest(&run(text, ExitKind::Failure));
        assert_eq!(r.verdict.cause(), Some(FailCause::Panicked));
        assert!(
            r.verdict.text().starts_with(
                "kernel panicked: frame allocator poisoned (at kernel/src/mm.rs:88:13)"
            ),
            "{}",
            r.verdict
        );
        assert!(
            r.verdict
                .text()
                .contains("plan announced 3 tests but 1 results seen")
        );
    }

    #[test]
    fn exception_mid_run() {
        let text = "KTEST plan 1\nEXCEPTION vector=13 (#GP) error=0x0 rip=0x1234 cr2=0x0\nEXCEPTION rax=0\nPANIC at t.rs:1:1: unhandled exception\n";
        let r = judge_ktest(&run(text, ExitKind::Failure));
        assert_eq!(r.verdict.cause(), Some(FailCause::Exception));
        assert!(
            r.verdict
                .text()
                .starts_with("kernel took a CPU exception: vector=13 (#GP)")
        );
    }

    #[test]
    fn exit_status_disagrees_with_summary() {
        let r = judge_ktest(&run(ALL_PASS, ExitKind::Failure));
        assert_eq!(r.verdict.cause(), Some(FailCause::ExitMismatch));
        assert!(
            r.verdict
                .text()
                .contains("summary says failed=0 but the kernel reported failure"),
            "{}",
            r.verdict
        );

        let text = "KTEST plan 1\nKTEST fail a a.rs:1:1: no\nKTEST summary passed=0 failed=1\n";
        let r = judge_ktest(&run(text, ExitKind::Success));
        assert_eq!(r.verdict.cause(), Some(FailCause::ExitMismatch));
        assert!(
            r.verdict
                .text()
                .contains("1 failed test(s) reported but the kernel reported success"),
            "{}",
            r.verdict
        );
    }

    #[test]
    fn timeout() {
        let text = "KTEST plan 2\nKTEST pass a\nwaiting for timer\n";
        let r = judge_ktest(&run(text, ExitKind::Timeout(Duration::from_secs(60))));
        assert_eq!(r.verdict.cause(), Some(FailCause::Timeout));
        assert!(
            r.verdict.text().starts_with(
                "timed out after 60 s; last lines: KTEST plan 2 | KTEST pass a | waiting for timer"
            ),
            "{}",
            r.verdict
        );
    }

    #[test]
    fn died_with_status_zero() {
        let r = judge_ktest(&run(ALL_PASS, ExitKind::Died(0)));
        assert_eq!(r.verdict.cause(), Some(FailCause::Died));
        assert!(
            r.verdict
                .text()
                .starts_with("QEMU exited with status 0 without a report from the kernel"),
            "{}",
            r.verdict
        );
    }

    #[test]
    fn killed_by_signal() {
        let r = judge_ktest(&run(ALL_PASS, ExitKind::KilledBySignal(9)));
        assert_eq!(r.verdict.cause(), Some(FailCause::KilledBySignal));
    }

    #[test]
    fn result_after_summary_and_malformed() {
        let text = "KTEST plan 1\nKTEST pass a\nKTEST summary passed=1 failed=0\nKTEST pass b\nKTEST bogus\n";
        let r = judge_ktest(&run(text, ExitKind::Success));
        let reason = r.verdict.text();
        assert!(reason.contains("results after the summary: b"), "{reason}");
        assert!(
            reason.contains("malformed KTEST line `KTEST bogus`"),
            "{reason}"
        );
    }
}
