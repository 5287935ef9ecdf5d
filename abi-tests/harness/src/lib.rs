//! Host harness: builds images, boots QEMU, reads the serial console, judges results.
//!
//! The pieces, in the order a run uses them:
//! - [`workspace`]: where the workspace and its target directory are, and building the
//!   kernel ELF with cargo;
//! - [`qemu`]: finding (or installing) QEMU, the typed command line, the kill-on-drop guard,
//!   the serial reader with its timeouts;
//! - [`outcome`]: what a run produced (lines, classified exit status, crash report);
//! - [`ktest`] and [`verdict`]: the judges that turn an outcome into a pass or a failure with
//!   a reason a human can act on.
//!
//! Pass or fail is never decided from one string: each judge checks the serial protocol,
//! the crash report and the QEMU exit status together.

#![forbid(unsafe_code)]

pub mod error;
pub mod ktest;
pub mod outcome;
pub mod qemu;
pub mod verdict;
pub mod workspace;

pub use error::HarnessError;
pub use ktest::{KtestLine, KtestReport, TestOutcome, TestResult, judge_ktest, parse_ktest_line};
pub use outcome::{CrashReport, ExceptionReport, ExitKind, Location, PanicReport, RunOutcome};
pub use qemu::{
    Accel, Console, Echo, KVM_FIRST_OUTPUT_TIMEOUT, KVM_NOTE, QemuCommand, RunOptions, RunningQemu,
    check_kvm, ensure_qemu, find_qemu,
};
pub use verdict::{
    FailCause, Problem, Verdict, expect_deadlock, expect_exception, expect_panic,
    expect_stack_overflow, expect_timeout, judge_boot,
};
pub use workspace::{KERNEL_BIN, KERNEL_PACKAGE, Profile, Workspace};
