//! In-kernel tests: plain functions registered in per-module tables, run in QEMU when the
//! command line says `nymph.test=all` (or a name prefix), each reporting one line:
//!
//! ```text
//! KTEST plan <N>
//! KTEST pass <name>
//! KTEST fail <name> <file>:<line>: <message>
//! KTEST summary passed=<P> failed=<F>
//! ```
//!
//! The kernel then exits QEMU with success exactly when no test failed; the host harness
//! checks the lines, the summary and the exit status against each other.

use alloc::string::String;
use alloc::vec::Vec;

/// A failed assertion: where and why.
#[derive(Debug)]
pub struct TestFailure {
    pub file: &'static str,
    pub line: u32,
    pub message: String,
}

pub type TestResult = Result<(), TestFailure>;

/// One registered test.
#[derive(Clone, Copy, Debug)]
pub struct KernelTest {
    pub name: &'static str,
    pub run: fn() -> TestResult,
}

/// Registers a test function under its module path: `ktest!(name)`.
#[macro_export]
macro_rules! ktest {
    ($f:ident) => {
        $crate::ktest::KernelTest {
            name: concat!(module_path!(), "::", stringify!($f)),
            run: $f,
        }
    };
}

/// Fails the current test unless `cond` holds.
#[macro_export]
macro_rules! kassert {
    ($cond:expr $(,)?) => {
        $crate::kassert!($cond, "assertion failed: {}", stringify!($cond))
    };
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::ktest::TestFailure {
                file: file!(),
                line: line!(),
                message: $crate::__format!($($fmt)+),
            });
        }
    };
}

/// Fails the current test unless both sides are equal, showing both.
#[macro_export]
macro_rules! kassert_eq {
    ($left:expr, $right:expr $(,)?) => {
        match (&$left, &$right) {
            (left, right) => $crate::kassert!(
                *left == *right,
                "{} == {}: left {:?}, right {:?}",
                stringify!($left),
                stringify!($right),
                left,
                right
            ),
        }
    };
}

/// Ends the current test with a failure carrying `message`.
#[macro_export]
macro_rules! kfail {
    ($($fmt:tt)+) => {
        return Err($crate::ktest::TestFailure {
            file: file!(),
            line: line!(),
            message: $crate::__format!($($fmt)+),
        })
    };
}

/// The name a test is reported under: its module path without the crate name.
pub fn display_name(test: &KernelTest) -> &'static str {
    test.name
        .split_once("::")
        .map_or(test.name, |(_, rest)| rest)
}

/// Whether `test` is selected by the `nymph.test=` value.
pub fn selected(test: &KernelTest, filter: &str) -> bool {
    filter == "all" || display_name(test).starts_with(filter)
}

/// Every test of the core kernel.
pub fn core_suites() -> [&'static [KernelTest]; 16] {
    [
        crate::mm::frame::KTESTS,
        crate::ipc::shm::KTESTS,
        crate::ipc::sem::KTESTS,
        crate::ipc::msg::KTESTS,
        crate::mm::kspace::KTESTS,
        crate::mm::heap::KTESTS,
        crate::stats::KTESTS,
        crate::trap_tests::KTESTS,
        crate::user_tests::KTESTS,
        crate::sched_tests::KTESTS,
        crate::process_tests::KTESTS,
        crate::time::KTESTS,
        crate::vfs_tests::KTESTS,
        crate::tty_tests::KTESTS,
        crate::socket_tests::KTESTS,
        crate::kqueue_tests::KTESTS,
    ]
}

/// Runs the selected tests and prints the protocol above; true when none failed.
pub fn run(suites: &[&[KernelTest]], filter: &str) -> bool {
    let tests: Vec<&KernelTest> = suites
        .iter()
        .flat_map(|suite| suite.iter())
        .filter(|t| selected(t, filter))
        .collect();
    nymph_hal::serial::print(format_args!("KTEST plan {}\n", tests.len()));
    let mut passed = 0usize;
    let mut failed = 0usize;
    for test in tests {
        match (test.run)() {
            Ok(()) => {
                passed += 1;
                nymph_hal::serial::print(format_args!("KTEST pass {}\n", display_name(test)));
            }
            Err(f) => {
                failed += 1;
                nymph_hal::serial::print(format_args!(
                    "KTEST fail {} {}:{}: {}\n",
                    display_name(test),
                    f.file,
                    f.line,
                    f.message.replace('\n', " ")
                ));
            }
        }
    }
    nymph_hal::serial::print(format_args!(
        "KTEST summary passed={passed} failed={failed}\n"
    ));
    failed == 0
}

/// Adds `image` to the file tree at `path`, runs it as a process with no parent, and
/// returns how it ended (for tests of exec and of personalities).
pub fn run_image(
    path: &str,
    image: Vec<u8>,
    argv: &[Vec<u8>],
) -> Result<crate::process::ExitStatus, TestFailure> {
    let fail = |message: String| TestFailure {
        file: file!(),
        line: line!(),
        message,
    };
    crate::vfs::add_file(path, 0o755, image)
        .map_err(|e| fail(alloc::format!("add {path}: {e:?}")))?;
    let pid = crate::process::spawn(path, argv, &[])
        .map_err(|e| fail(alloc::format!("spawn {path}: {e:?}")))?;
    crate::process::wait_detached(pid).ok_or_else(|| fail(alloc::format!("{path} vanished")))
}
