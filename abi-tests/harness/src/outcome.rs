//! What one QEMU run produced: the serial lines, the classified exit status, and the
//! panic/exception report parsed from the lines.

use std::fmt;
use std::process::ExitStatus;
use std::time::Duration;

/// QEMU's exit status when the kernel writes 0x10 to isa-debug-exit (`(0x10 << 1) | 1`).
pub const EXIT_SUCCESS: i32 = 33;
/// QEMU's exit status when the kernel writes 0x11 to isa-debug-exit.
pub const EXIT_FAILURE: i32 = 35;

/// How the QEMU process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// The kernel reported success (status 33).
    Success,
    /// The kernel reported failure (status 35).
    Failure,
    /// QEMU exited with any other status: the kernel died without reporting
    /// (0 is what a triple fault gives with `-no-reboot`).
    Died(i32),
    /// The harness killed QEMU after this long.
    Timeout(Duration),
    /// QEMU was killed by a signal the harness did not send.
    KilledBySignal(i32),
}

impl ExitKind {
    /// Classifies a finished QEMU process.
    pub fn from_status(status: ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Self::from_code(code),
            (None, Some(sig)) => Self::KilledBySignal(sig),
            // Neither code nor signal cannot happen on Unix; treat it as an unreported death.
            (None, None) => Self::Died(-1),
        }
    }

    /// Classifies a QEMU exit code.
    pub fn from_code(code: i32) -> Self {
        match code {
            EXIT_SUCCESS => Self::Success,
            EXIT_FAILURE => Self::Failure,
            other => Self::Died(other),
        }
    }

    /// True only for [`ExitKind::Success`].
    pub fn is_success(self) -> bool {
        self == Self::Success
    }
}

impl fmt::Display for ExitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Success => write!(f, "kernel reported success (QEMU status {EXIT_SUCCESS})"),
            Self::Failure => write!(f, "kernel reported failure (QEMU status {EXIT_FAILURE})"),
            Self::Died(0) => f.write_str(
                "QEMU exited with status 0 without a report from the kernel (triple fault or reset?)",
            ),
            Self::Died(code) => {
                write!(f, "QEMU exited with status {code} without a report from the kernel")
            }
            Self::Timeout(after) => write!(f, "timed out after {}", secs(*after)),
            Self::KilledBySignal(sig) => write!(f, "QEMU was killed by signal {sig}"),
        }
    }
}

/// `60 s`, `2.5 s`: a duration as people read it in a reason.
pub fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `file:line:column` of a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A `PANIC at <file>:<line>:<col>: <message>` line and the report lines after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicReport {
    /// `None` when the line did not carry a parsable location.
    pub location: Option<Location>,
    pub message: String,
    /// Lines printed after the PANIC line (backtrace, registers...), at most
    /// [`MAX_REPORT_LINES`].
    pub details: Vec<String>,
}

impl fmt::Display for PanicReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(loc) = &self.location {
            write!(f, " (at {loc})")?;
        }
        Ok(())
    }
}

/// The `EXCEPTION ` lines of a CPU exception taken in the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionReport {
    /// The lines with their `EXCEPTION ` prefix removed; the first names the vector.
    pub lines: Vec<String>,
}

impl ExceptionReport {
    /// The first line: vector, error code, RIP, CR2.
    pub fn headline(&self) -> &str {
        self.lines.first().map_or("", String::as_str)
    }
}

/// Evidence that the kernel crashed: an exception report, a panic report, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashReport {
    pub exception: Option<ExceptionReport>,
    pub panic: Option<PanicReport>,
    /// How many PANIC lines were seen (more than one means a panic while panicking).
    pub panic_count: usize,
}

impl fmt::Display for CrashReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.exception, &self.panic) {
            (Some(exc), Some(panic)) => write!(
                f,
                "kernel took a CPU exception: {}; then panicked: {panic}",
                exc.headline()
            ),
            (Some(exc), None) => write!(f, "kernel took a CPU exception: {}", exc.headline()),
            (None, Some(panic)) => write!(f, "kernel panicked: {panic}"),
            (None, None) => f.write_str("kernel crashed"),
        }
    }
}

/// How many lines after a PANIC line are kept in its report.
pub const MAX_REPORT_LINES: usize = 40;

/// The part of a serial line the protocol looks at: no line ending, no NULs or blanks that
/// a UART may emit before the first character.
pub fn protocol_text(line: &str) -> &str {
    line.trim_start_matches(|c: char| c == '\0' || c.is_whitespace())
        .trim_end_matches(['\r', '\n'])
}

/// Parses `PANIC at <file>:<line>:<col>: <message>`; `None` if `line` is not a PANIC line.
pub fn parse_panic_line(line: &str) -> Option<(Option<Location>, String)> {
    let rest = protocol_text(line).strip_prefix("PANIC at ")?;
    let parsed = rest.split_once(": ").and_then(|(loc, msg)| {
        let mut parts = loc.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line_no = parts.next()?.parse().ok()?;
        let file = parts.next()?.to_string();
        Some((
            Location {
                file,
                line: line_no,
                column,
            },
            msg.to_string(),
        ))
    });
    Some(match parsed {
        Some((loc, msg)) => (Some(loc), msg),
        None => (None, rest.to_string()),
    })
}

/// Collects the crash evidence in `lines`; `None` when there is none.
pub fn parse_crash(lines: &[String]) -> Option<CrashReport> {
    let exception_lines: Vec<String> = lines
        .iter()
        .filter_map(|l| protocol_text(l).strip_prefix("EXCEPTION "))
        .map(str::to_string)
        .collect();
    let mut panic = None;
    let mut panic_count = 0;
    for (i, line) in lines.iter().enumerate() {
        if let Some((location, message)) = parse_panic_line(line) {
            panic_count += 1;
            if panic.is_none() {
                let details = lines
                    .iter()
                    .skip(i + 1)
                    .take(MAX_REPORT_LINES)
                    .map(|l| protocol_text(l).to_string())
                    .collect();
                panic = Some(PanicReport {
                    location,
                    message,
                    details,
                });
            }
        }
    }
    if exception_lines.is_empty() && panic.is_none() {
        return None;
    }
    let exception = (!exception_lines.is_empty()).then_some(ExceptionReport {
        lines: exception_lines,
    });
    Some(CrashReport {
        exception,
        panic,
        panic_count,
    })
}

/// Everything one QEMU run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Serial console lines, line endings removed, in order.
    pub lines: Vec<String>,
    /// QEMU's own stderr lines (its error messages, not the guest's).
    pub stderr: Vec<String>,
    pub exit: ExitKind,
    pub elapsed: Duration,
    /// Parsed from `lines`.
    pub crash: Option<CrashReport>,
    /// Extra context for every verdict on this run (for example, why KVM cannot work here).
    pub note: Option<String>,
}

impl RunOutcome {
    /// Builds an outcome from collected lines and an exit classification, parsing the
    /// crash report.
    pub fn new(lines: Vec<String>, exit: ExitKind) -> Self {
        let crash = parse_crash(&lines);
        Self {
            lines,
            stderr: Vec::new(),
            exit,
            elapsed: Duration::ZERO,
            crash,
            note: None,
        }
    }

    /// The last `n` non-empty serial lines, for reasons and error messages.
    pub fn last_lines(&self, n: usize) -> Vec<&str> {
        let mut tail: Vec<&str> = self
            .lines
            .iter()
            .rev()
            .map(|l| protocol_text(l))
            .filter(|l| !l.is_empty())
            .take(n)
            .collect();
        tail.reverse();
        tail
    }

    /// `last lines: a | b | c`, or `no serial output` (plus the first line of QEMU's stderr
    /// if it said anything).
    pub fn tail_description(&self) -> String {
        let tail = self.last_lines(5);
        let mut s = if tail.is_empty() {
            "no serial output".to_string()
        } else {
            format!("last lines: {}", tail.join(" | "))
        };
        let err: Vec<&str> = self
            .stderr
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        // QEMU's first line names the problem; what follows is usually a register dump.
        if let Some(first) = err.first() {
            s.push_str(&format!("; QEMU said: {first}"));
            if err.len() > 1 {
                s.push_str(&format!(" (+{} more lines)", err.len() - 1));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn exit_codes_are_classified() {
        assert_eq!(ExitKind::from_code(33), ExitKind::Success);
        assert_eq!(ExitKind::from_code(35), ExitKind::Failure);
        assert_eq!(ExitKind::from_code(0), ExitKind::Died(0));
        assert_eq!(ExitKind::from_code(1), ExitKind::Died(1));
    }

    #[test]
    fn panic_line_with_location() {
        let (loc, msg) =
            parse_panic_line("PANIC at kernel/src/mm.rs:12:5: out of frames: 3\r").unwrap();
        assert_eq!(
            loc,
            Some(Location {
                file: "kernel/src/mm.rs".into(),
                line: 12,
                column: 5
            })
        );
        assert_eq!(msg, "out of frames: 3");
    }

    #[test]
    fn panic_line_without_location_keeps_text() {
        let (loc, msg) = parse_panic_line("PANIC at somewhere odd").unwrap();
        assert_eq!(loc, None);
        assert_eq!(msg, "somewhere odd");
        assert!(parse_panic_line("[0.001] INFO k: PANIC at x:1:1: y").is_none());
        assert!(parse_panic_line("PANICKY").is_none());
    }

    #[test]
    fn crash_report_collects_exception_and_panic() {
        let l = lines(&[
            "Nymph 0.1.0",
            "EXCEPTION #PF vector=14 error=0x2 rip=0xffff8000 cr2=0x0",
            "EXCEPTION rax=0 rbx=0",
            "PANIC at kernel/src/trap.rs:40:9: unexpected page fault",
            "backtrace: 0x1",
        ]);
        let crash = parse_crash(&l).unwrap();
        assert_eq!(crash.exception.as_ref().unwrap().lines.len(), 2);
        assert_eq!(
            crash.panic.as_ref().unwrap().message,
            "unexpected page fault"
        );
        assert_eq!(crash.panic.as_ref().unwrap().details, ["backtrace: 0x1"]);
        assert!(
            crash
                .to_string()
                .starts_with("kernel took a CPU exception: #PF vector=14")
        );
        assert!(parse_crash(&lines(&["Nymph", "[0.1] INFO a: b"])).is_none());
    }

    #[test]
    fn tail_skips_blank_lines() {
        let o = RunOutcome::new(lines(&["a", "b", "", "c\r"]), ExitKind::Died(0));
        assert_eq!(o.last_lines(2), ["b", "c"]);
        assert_eq!(o.tail_description(), "last lines: a | b | c");
        let mut o = RunOutcome::new(Vec::new(), ExitKind::Died(1));
        o.stderr = lines(&["KVM internal error. Suberror: 1", "RAX=0", "RBX=0"]);
        assert_eq!(
            o.tail_description(),
            "no serial output; QEMU said: KVM internal error. Suberror: 1 (+2 more lines)"
        );
    }
}
