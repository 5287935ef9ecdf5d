//! `cargo xtask test`: every test. Host tests, the in-guest kernel tests judged by the KTEST
//! judge, and the harness's self-checks (a panic, a fault, a hang and a normal boot must each
//! be recognised for what they are). Ends with the line `N passed, M failed`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use nymph_harness::{
    Accel, Console, Echo, HarnessError, KERNEL_PACKAGE, KtestLine, Profile, QemuCommand,
    RunOptions, RunOutcome, TestOutcome, Verdict, Workspace, check_kvm, ensure_qemu,
    expect_deadlock, expect_exception, expect_panic, expect_stack_overflow, expect_timeout,
    judge_boot, judge_ktest, parse_ktest_line,
};

use crate::args::TestArgs;

/// How long the hang self-test may run before the harness must call it a timeout.
const HANG_TIMEOUT: Duration = Duration::from_secs(5);
/// How many serial lines a failed boot shows.
const TAIL_ON_FAILURE: usize = 25;
/// How many lines of QEMU's own stderr a failed boot shows (the rest is in the log).
const QEMU_STDERR_SHOWN: usize = 5;

/// The pass/fail count, and the reasons of the failures for the recap.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failures: Vec<(String, String)>,
}

impl Tally {
    fn pass(&mut self, what: &str, detail: &str) {
        println!("check {what} ... ok ({detail})");
        self.passed += 1;
    }

    fn fail(&mut self, what: &str, reason: &str) {
        println!("check {what} ... FAILED: {reason}");
        self.failures.push((what.to_string(), reason.to_string()));
    }

    fn verdict(&mut self, what: &str, verdict: &Verdict) {
        match verdict {
            Verdict::Pass { summary } => self.pass(what, summary),
            Verdict::Fail { reason, .. } => self.fail(what, reason),
        }
    }
}

/// A boot the harness makes and judges.
struct Boot {
    /// Also the name of its serial log file.
    name: &'static str,
    what: &'static str,
    cmdline: &'static str,
    timeout: Option<Duration>,
    judge: fn(&RunOutcome) -> Verdict,
}

const SELF_CHECKS: [Boot; 6] = [
    Boot {
        name: "selftest-panic",
        what: "a kernel panic is reported with its message (nymph.selftest=panic)",
        cmdline: "nymph.selftest=panic",
        timeout: None,
        judge: expect_panic,
    },
    Boot {
        name: "selftest-fault",
        what: "an unexpected CPU exception is reported (nymph.selftest=fault)",
        cmdline: "nymph.selftest=fault",
        timeout: None,
        judge: expect_exception,
    },
    Boot {
        name: "selftest-stack-overflow",
        what: "a kernel stack overflow stops at the guard area with a report naming it \
               (nymph.selftest=stack-overflow)",
        cmdline: "nymph.selftest=stack-overflow",
        timeout: None,
        judge: expect_stack_overflow,
    },
    Boot {
        name: "selftest-deadlock",
        what: "a lock taken while held is reported as a deadlock naming the place, not a \
               silent hang (nymph.selftest=deadlock)",
        cmdline: "nymph.selftest=deadlock",
        timeout: None,
        judge: expect_deadlock,
    },
    Boot {
        name: "selftest-hang",
        what: "a hung kernel is stopped by the timeout (nymph.selftest=hang)",
        cmdline: "nymph.selftest=hang",
        timeout: Some(HANG_TIMEOUT),
        judge: expect_timeout,
    },
    Boot {
        name: "boot",
        what: "a normal boot prints the banner and exits with success",
        cmdline: "",
        timeout: None,
        judge: judge_boot,
    },
];

/// Programs of images/programs that `cargo xtask test` runs through `cargo xtask exec`:
/// the check's name, the source (`*.S`; a name without `.S` is a Rust program of
/// images/rust), argv, the expected stdout lines and exit status, and what the kernel
/// log must contain.
struct ExecCase {
    what: &'static str,
    source: &'static str,
    argv: &'static [&'static str],
    stdout: &'static [&'static str],
    status: u8,
    log: &'static [&'static str],
}

const EXEC_CASES: [ExecCase; 6] = [
    ExecCase {
        what: "xtask exec runs a program from --root with its arguments, output and exit status",
        source: "echo-arg.S",
        argv: &["/bin/echo-arg", "hello from exec"],
        stdout: &["hello from exec"],
        status: 3,
        log: &[],
    },
    ExecCase {
        what: "an orphan is re-parented to init, which reaps it (reparent as init)",
        source: "reparent.S",
        argv: &["/bin/reparent"],
        stdout: &["reparented"],
        status: 0,
        log: &[],
    },
    ExecCase {
        what: "a FreeBSD-4 i386 program runs: int $0x80, syscall 0/198, carry-flag errors",
        source: "fb4-echo.i386.S",
        argv: &["/bin/fb4-echo", "hello from 4.x"],
        stdout: &["hello from 4.x"],
        status: 7,
        log: &[],
    },
    ExecCase {
        what: "a Rust program on the generated nymph-sys-v1 bindings runs (hello-rs)",
        source: "hello-rs",
        argv: &["/bin/hello-rs", "one", "two words"],
        stdout: &[
            "hello from Rust on nymph-native v1",
            "arg: one",
            "arg: two words",
            "kernel serves: v1 v2",
            "openat /no/such/file: ENOENT",
        ],
        status: 4,
        log: &[],
    },
    ExecCase {
        what: "xtask exec reports a missing program as not found (status 127)",
        source: "",
        argv: &["/bin/no-such-program"],
        stdout: &[],
        status: 127,
        log: &[],
    },
    ExecCase {
        what: "a binary needing native ABI v3 is refused at exec, naming both versions (126)",
        source: "needs-v3.S",
        argv: &["/bin/needs-v3"],
        stdout: &[],
        status: 126,
        log: &["/bin/needs-v3 needs Nymph ABI v3; this kernel serves v1..v2"],
    },
];

/// `cargo xtask exec --trace` runs: argv, and the trace lines the kernel must print,
/// all and in order (`*` stands for any text, such as a buffer's address).
struct TraceCase {
    what: &'static str,
    argv: &'static [&'static str],
    lines: &'static [&'static str],
}

const TRACE_CASES: [TraceCase; 2] = [
    TraceCase {
        what: "exec --trace decodes a native program's calls from the spec (fds, counts, flag names, errno names)",
        argv: &["/bin/echo-arg", "traced"],
        lines: &[
            "[trace] 1 native-v1 write(1, 0x*, 6) = 6",
            "[trace] 1 native-v1 write(1, 0x*, 1) = 1",
            "[trace] 1 native-v1 openat(AT_FDCWD, \"/dev/null\", O_WRONLY|O_CLOEXEC, 0) = 3",
            "[trace] 1 native-v1 openat(AT_FDCWD, \"/no/such/file\", O_RDONLY, 0) = -1 ENOENT",
            "[trace] 1 native-v1 exit(3) = ?",
        ],
    },
    TraceCase {
        what: "exec --trace decodes a FreeBSD-4 program's calls (indirect syscalls, carry-flag errors)",
        argv: &["/bin/fb4-echo", "traced"],
        lines: &[
            "[trace] 1 freebsd4 write(1, 0x*, 6) = 6",
            "[trace] 1 freebsd4 write(1, 0x*, 1) = 1",
            "[trace] 1 freebsd4 open(\"/dev/null\", O_WRONLY|O_APPEND, 0) = 3",
            "[trace] 1 freebsd4 getpid() = 1",
            "[trace] 1 freebsd4 getpid() = 1",
            "[trace] 1 freebsd4 getpid() = 1",
            "[trace] 1 freebsd4 close(-1) = -1 EBADF",
            "[trace] 1 freebsd4 exit(7) = ?",
        ],
    },
];

/// Whether `line` matches `pattern`, where `*` matches any text.
fn matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else {
        return rest.is_empty();
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The names of the exec checks, for reporting them as not run.
fn exec_check_names() -> impl Iterator<Item = &'static str> {
    EXEC_CASES
        .iter()
        .map(|c| c.what)
        .chain(TRACE_CASES.iter().map(|c| c.what))
        .chain([
            TRACE_COMMAND_CHECK,
            STDIO_CHECK,
            SIGNAL_STATUS_CHECK,
            REBOOT_CHECK,
            FB4_TREE_CHECK,
            DYNAMIC_CHECK,
        ])
}

/// Whether an exec case's source names a Rust program of images/rust.
fn is_rust(source: &str) -> bool {
    !source.is_empty() && !source.ends_with(".S")
}

/// Builds the programs of images/programs (gcc, no libc) and of images/rust into a root
/// directory.
fn build_programs(ws: &Workspace, root: &Path) -> Result<(), String> {
    fs::create_dir_all(root.join("bin")).map_err(|e| e.to_string())?;
    if EXEC_CASES.iter().any(|c| is_rust(c.source)) {
        for (name, path) in crate::rust_programs::build(ws)? {
            fs::copy(&path, root.join("bin").join(&name))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for case in EXEC_CASES.iter().filter(|c| c.source.ends_with(".S")) {
        let source = ws.root.join("images/programs").join(case.source);
        let name = case.source.trim_end_matches(".S");
        // `.i386.S`: a FreeBSD-4 program, linked where 4.x links and branded as 4.x's
        // binutils brands (EI_OSABI 9).
        let (name, i386) = match name.strip_suffix(".i386") {
            Some(name) => (name, true),
            None => (name, false),
        };
        let program = root.join("bin").join(name);
        let mut gcc = std::process::Command::new("gcc");
        gcc.args(["-nostdlib", "-static", "-no-pie"]);
        if i386 {
            gcc.args(["-m32", "-Wl,-Ttext-segment=0x08048000"]);
        }
        let status = gcc
            .arg("-o")
            .arg(&program)
            .arg(&source)
            .status()
            .map_err(|e| format!("cannot run gcc: {e}"))?;
        if !status.success() {
            return Err(format!("gcc failed on {} ({status})", source.display()));
        }
        if i386 {
            crate::abi_suite::brand_freebsd(&program).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Builds the check programs and runs each case through `exec`.
fn exec_checks(ws: &Workspace, elf: &Path, qemu: &Path, args: &TestArgs, tally: &mut Tally) {
    use crate::cmd_exec::{Guest, run_program};
    header("xtask exec");
    let root = ws.target_dir.join("nymph-exec-check/root");
    if let Err(e) = build_programs(ws, &root) {
        for check in exec_check_names() {
            tally.fail(check, &format!("not run: {e}"));
        }
        return;
    }
    let guest = Guest {
        ws,
        elf,
        qemu,
        accel: args.accel,
        timeout: args.timeout,
        memory_mib: None,
    };
    let roots = [root];
    for case in &EXEC_CASES {
        let argv: Vec<String> = case.argv.iter().map(|a| a.to_string()).collect();
        match run_program(&guest, &roots, &argv, &mut |_| {}) {
            Ok(out)
                if out.stdout == case.stdout
                    && out.status.code() == case.status
                    && case.log.iter().all(|l| out.kernel_log.contains(l)) =>
            {
                tally.pass(
                    case.what,
                    &format!(
                        "stdout {:?}, status {}{}",
                        out.stdout,
                        case.status,
                        case.log
                            .iter()
                            .map(|l| format!(", log {l:?}"))
                            .collect::<String>()
                    ),
                );
            }
            Ok(out) => tally.fail(
                case.what,
                &format!(
                    "stdout {:?}, status {:?}; wanted {:?}, status {}, log lines {:?}",
                    out.stdout, out.status, case.stdout, case.status, case.log
                ),
            ),
            Err(e) => tally.fail(case.what, &e.to_string()),
        }
    }
    for case in &TRACE_CASES {
        let argv: Vec<String> = case.argv.iter().map(|a| a.to_string()).collect();
        match crate::cmd_exec::run_program_traced(&guest, &roots, &argv, true, &mut |_| {}) {
            Ok(out) => {
                let got = out.trace_lines();
                let same = got.len() == case.lines.len()
                    && case.lines.iter().zip(&got).all(|(p, l)| matches(p, l));
                if same {
                    tally.pass(case.what, &format!("{} lines as expected", got.len()));
                } else {
                    tally.fail(
                        case.what,
                        &format!("trace lines {got:#?}; wanted {:#?}", case.lines),
                    );
                }
            }
            Err(e) => tally.fail(case.what, &e.to_string()),
        }
    }
    trace_command_check(&guest, &roots[0], tally);
    stdio_check(&guest, &roots[0], tally);
    signal_status_check(&guest, &roots[0], tally);
    reboot_check(&guest, &roots[0], tally);
    fb4_tree_check(&guest, tally);
    dynamic_check(&guest, tally);
}

/// Builds images/programs/NAME.c on libc-shim for FreeBSD 4 into `root`/bin/NAME.
fn build_fb4_program(ws: &Workspace, root: &Path, name: &str) -> crate::Result<()> {
    use crate::abi_suite::{abi_named, brand, libc_for, link_command, run_jobs};
    let program = root.join("bin").join(name);
    let libc = libc_for(ws, abi_named("freebsd4-i386")?)?;
    let source = ws.root.join("images/programs").join(format!("{name}.c"));
    run_jobs(vec![link_command(&libc, &source, &program)])?;
    brand(&libc, std::slice::from_ref(&program))
}

const DYNAMIC_CHECK: &str = "a dynamic FreeBSD-4 program starts in its ELF interpreter (a mini \
     ld-elf.so.1 under /compat/freebsd4, which maps, calls and unmaps a library as 4.x's \
     map_object does) loaded at 4.x's AT_BASE; a missing or bad \
     interpreter fails exec cleanly (127, 126) with a log line naming it";

/// Where a 4.x program's interpreter is found, under a root.
const FB4_RTLD: &str = "compat/freebsd4/usr/libexec/ld-elf.so.1";
/// The library fb4-mini-rtld.S loads, where 4.x's rtld looks last (/usr/lib).
const FB4_MINI_LIB: &str = "compat/freebsd4/usr/lib/libmini.so.1";

/// Runs images/programs/fb4-dynamic.c with images/programs/fb4-mini-rtld.S as its
/// interpreter, then from a root without one, then from a root whose "interpreter" is
/// the program itself (which names an interpreter: refused).
fn dynamic_check(guest: &crate::cmd_exec::Guest<'_>, tally: &mut Tally) {
    let what = DYNAMIC_CHECK;
    let dir = guest.ws.target_dir.join("nymph-exec-check");
    let [with, bare, bad] = ["dyn-root", "dyn-root-bare", "dyn-root-bad"].map(|r| dir.join(r));
    let built = build_dynamic_roots(guest.ws, &with, &bare, &bad);
    let Ok(at_base) = built else {
        return tally.fail(what, &format!("not built: {}", built.unwrap_err()));
    };
    let argv = vec!["/bin/fb4-dynamic".to_string()];
    let run = |root: &Path| {
        crate::cmd_exec::run_program(guest, &[root.to_path_buf()], &argv, &mut |_| {})
    };
    let (good, missing, refused) = match (run(&with), run(&bare), run(&bad)) {
        (Ok(g), Ok(m), Ok(r)) => (g, m, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return tally.fail(what, &e.to_string());
        }
    };
    let want = [
        "mini-rtld: AT_BASE is my load address; AT_ENTRY, AT_PHDR set; libmini.so.1 mapped, \
         called, unmapped"
            .to_string(),
        format!("AT_BASE={at_base:#x}"),
        "edx at _start: a ret in the interpreter".to_string(),
        "mmap: above the interpreter".to_string(),
    ];
    let not_loaded = "exec /bin/fb4-dynamic: ELF interpreter /usr/libexec/ld-elf.so.1 not loaded";
    let good_ok = good.stdout == want && good.status.code() == 3;
    let missing_ok = missing.stdout.is_empty()
        && missing.status.code() == 127
        && missing
            .kernel_log
            .contains(&format!("{not_loaded}: File(NotFound)"));
    let refused_ok = refused.stdout.is_empty()
        && refused.status.code() == 126
        && refused
            .kernel_log
            .contains(&format!("{not_loaded}: BadImage(NestedInterpreter)"));
    let report = format!(
        "with: stdout {:?}, status {:?}; without: status {:?}; bad: status {:?}",
        good.stdout, good.status, missing.status, refused.status
    );
    if good_ok && missing_ok && refused_ok {
        tally.pass(what, &report);
    } else {
        tally.fail(
            what,
            &format!("{report}; wanted {want:?}, status 3, then 127 and 126 with {not_loaded:?}"),
        );
    }
}

/// Builds the three roots of [`dynamic_check`] and says what AT_BASE 4.x would give the
/// program.
fn build_dynamic_roots(ws: &Workspace, with: &Path, bare: &Path, bad: &Path) -> crate::Result<u64> {
    use crate::abi_suite::{abi_named, brand, libc_for, link_dynamic_command, run_jobs};
    let libc = libc_for(ws, abi_named("freebsd4-i386")?)?;
    let program = with.join("bin/fb4-dynamic");
    let rtld = with.join(FB4_RTLD);
    let lib = with.join(FB4_MINI_LIB);
    for dir in [&with.join("bin"), &bare.join("bin"), &bad.join("bin")] {
        fs::create_dir_all(dir)?;
    }
    for file in [&rtld, &lib, &bad.join(FB4_RTLD)] {
        fs::create_dir_all(file.parent().unwrap_or(with))?;
    }
    let source = ws.root.join("images/programs/fb4-dynamic.c");
    // Position independent, ET_DYN, no relocations of their own to apply; text then
    // data, the two PT_LOADs 4.x's map_object wants.
    let shared_object = |entry: &str, output: &Path, source: &str| {
        let mut gcc = std::process::Command::new("gcc");
        gcc.args(["-m32", "-nostdlib", "-shared", &format!("-Wl,-e,{entry}")])
            .args([
                "-Wl,-z,norelro",
                "-Wl,--build-id=none",
                "-Wl,-z,noseparate-code",
            ])
            .arg("-o")
            .arg(output)
            .arg(ws.root.join("images/programs").join(source));
        gcc
    };
    run_jobs(vec![
        link_dynamic_command(&libc, &source, &program),
        shared_object("_rtld_start", &rtld, "fb4-mini-rtld.S"),
        shared_object("lib_probe", &lib, "fb4-mini-lib.S"),
    ])?;
    brand(&libc, &[program.clone(), rtld, lib])?;
    fs::copy(&program, bare.join("bin/fb4-dynamic"))?;
    fs::copy(&program, bad.join(FB4_RTLD))?;
    fs::copy(&program, bad.join("bin/fb4-dynamic"))?;
    fb4_rtld_addr(&fs::read(&program)?).ok_or_else(|| "fb4-dynamic: bad ELF headers".into())
}

/// 4.x's `ELF_RTLD_ADDR` for an ELF32 program: `round_page(vm_daddr + MAXDSIZ)`, where
/// `vm_daddr` is the page of the last PT_LOAD not holding the entry (reference §3.1).
fn fb4_rtld_addr(elf: &[u8]) -> Option<u64> {
    const PAGE: u64 = 4096;
    const MAXDSIZ: u64 = 512 << 20;
    let word = |at: usize, len: usize| -> Option<u64> {
        let bytes = elf.get(at..at.checked_add(len)?)?;
        Some(bytes.iter().rev().fold(0, |v, &b| v << 8 | u64::from(b)))
    };
    let (entry, phoff) = (word(24, 4)?, usize::try_from(word(28, 4)?).ok()?);
    let (phentsize, phnum) = (usize::try_from(word(42, 2)?).ok()?, word(44, 2)?);
    let mut data = None;
    for i in 0..usize::try_from(phnum).ok()? {
        let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
        let (kind, vaddr, memsz) = (word(ph, 4)?, word(ph + 8, 4)?, word(ph + 20, 4)?);
        if kind == 1 && !(vaddr..vaddr + memsz).contains(&entry) {
            data = Some(vaddr / PAGE * PAGE);
        }
    }
    Some((data? + MAXDSIZ).next_multiple_of(PAGE))
}

const SIGNAL_STATUS_CHECK: &str = "xtask exec reports a program killed by a signal as 128 + \
     that signal's number in the program's ABI (a FreeBSD-4 SIGBUS: 138)";

/// Runs images/programs/fb4-fault.c, which dies of SIGBUS.
fn signal_status_check(guest: &crate::cmd_exec::Guest<'_>, root: &Path, tally: &mut Tally) {
    let what = SIGNAL_STATUS_CHECK;
    if let Err(e) = build_fb4_program(guest.ws, root, "fb4-fault") {
        return tally.fail(what, &format!("fb4-fault: {e}"));
    }
    let argv = vec!["/bin/fb4-fault".to_string()];
    let roots = [root.to_path_buf()];
    match crate::cmd_exec::run_program(guest, &roots, &argv, &mut |_| {}) {
        Ok(out) if out.status.code() == 138 => {
            tally.pass(what, &format!("{:?}, status 138", out.status))
        }
        Ok(out) => tally.fail(
            what,
            &format!("{:?}, status {}; wanted 138", out.status, out.status.code()),
        ),
        Err(e) => tally.fail(what, &e.to_string()),
    }
}

const FB4_TREE_CHECK: &str = "xtask exec --root DIR:/compat/freebsd4 lays a 4.x tree where 4.x \
     programs look first: a program missing at its path starts from the tree with argv[0] as \
     given, and reads the tree's /etc while the guest's own /tmp stays";

/// Runs images/programs/fb4-tree-probe.c from a tree laid at /compat/freebsd4.
fn fb4_tree_check(guest: &crate::cmd_exec::Guest<'_>, tally: &mut Tally) {
    use crate::cmd_exec::RootSpec;
    let what = FB4_TREE_CHECK;
    let tree = guest.ws.target_dir.join("nymph-exec-check/fb4-tree");
    let _ = std::fs::remove_dir_all(&tree);
    let made = std::fs::create_dir_all(tree.join("etc"))
        .and_then(|()| std::fs::create_dir_all(tree.join("bin")))
        .and_then(|()| std::fs::write(tree.join("etc/motd"), "from the 4.x tree\nmore\n"));
    if let Err(e) = made {
        return tally.fail(what, &format!("{}: {e}", tree.display()));
    }
    if let Err(e) = build_fb4_program(guest.ws, &tree, "fb4-tree-probe") {
        return tally.fail(what, &format!("fb4-tree-probe: {e}"));
    }
    let roots = [RootSpec {
        dir: tree,
        at: nymph_images::etc::FREEBSD4_ROOT.into(),
    }];
    let argv = vec!["/bin/fb4-tree-probe".to_string(), "arg".to_string()];
    let wanted = [
        "argc=2 argv0=/bin/fb4-tree-probe",
        "motd=from the 4.x tree",
        "tmp=1",
    ];
    match crate::cmd_exec::run_program(guest, &roots, &argv, &mut |_| {}) {
        Ok(out) if out.stdout == wanted && out.status.code() == 3 => {
            tally.pass(what, &format!("{:?}, status 3", out.stdout));
        }
        Ok(out) => tally.fail(
            what,
            &format!(
                "stdout {:?}, status {:?}; wanted {wanted:?}, status 3",
                out.stdout, out.status
            ),
        ),
        Err(e) => tally.fail(what, &e.to_string()),
    }
}

const REBOOT_CHECK: &str = "a FreeBSD-4 program run as root ends the machine with reboot(2): \
     RB_HALT, RB_POWEROFF and a plain reboot each leave QEMU with success, the kernel log \
     naming the pid and how, and xtask exec reports status 0";

/// Runs images/programs/fb4-reboot.c (as init, so as root) once for each way.
fn reboot_check(guest: &crate::cmd_exec::Guest<'_>, root: &Path, tally: &mut Tally) {
    use crate::cmd_exec::ExecStatus;
    let what = REBOOT_CHECK;
    if let Err(e) = build_fb4_program(guest.ws, root, "fb4-reboot") {
        return tally.fail(what, &format!("fb4-reboot: {e}"));
    }
    let roots = [root.to_path_buf()];
    let mut seen = Vec::new();
    for how in ["halt", "poweroff", "reboot"] {
        let argv = vec!["/bin/fb4-reboot".to_string(), how.to_string()];
        let out = match crate::cmd_exec::run_program(guest, &roots, &argv, &mut |_| {}) {
            Ok(out) => out,
            Err(e) => return tally.fail(what, &e.to_string()),
        };
        let line = format!("NYMPH shutdown by pid 1: {how}");
        let wanted = ExecStatus::Shutdown {
            pid: 1,
            how: how.to_string(),
        };
        if out.status != wanted
            || out.status.code() != 0
            || out.stdout != [how]
            || !out.kernel_log.contains(&line)
        {
            return tally.fail(
                what,
                &format!(
                    "{how}: stdout {:?}, status {:?}; wanted [{how:?}], {wanted:?} and {line:?}",
                    out.stdout, out.status
                ),
            );
        }
        seen.push(line);
    }
    tally.pass(what, &format!("{seen:?}, status 0 each"));
}

const STDIO_CHECK: &str = "xtask exec --stdio pipe gives a program pipes on descriptors 0, 1 and \
     2, input then end of file, output untranslated and apart (32 MiB of every byte value \
     through both ways, more than the kernel heap may hold); --stdio tty the console";

/// Runs images/programs/stdio-probe.c (a FreeBSD-4 program) both ways.
fn stdio_check(guest: &crate::cmd_exec::Guest<'_>, root: &Path, tally: &mut Tally) {
    use crate::cmd_exec::{Stdio, run_program_with};
    let what = STDIO_CHECK;
    if let Err(e) = build_fb4_program(guest.ws, root, "stdio-probe") {
        return tally.fail(what, &format!("stdio-probe: {e}"));
    }
    let argv = vec!["/bin/stdio-probe".to_string()];
    let roots = [root.to_path_buf()];
    // Past one request of the virtio consoles many times over, every byte value; more
    // than the kernel's heap may take at once (the input was once read into it whole,
    // and 27 MB stopped the kernel).
    let mut input = b"in\x00put\n".to_vec();
    input.extend((0..32u32 << 20).map(|i| (i ^ (i >> 9)) as u8));
    let piped = run_program_with(
        guest,
        &roots,
        &argv,
        false,
        Stdio::Pipes,
        Some(&input),
        &mut |_| {},
    );
    let console = run_program_with(
        guest,
        &roots,
        &argv,
        false,
        Stdio::Console,
        None,
        &mut |_| {},
    );
    let (piped, console) = match (piped, console) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(e), _) | (_, Err(e)) => return tally.fail(what, &e.to_string()),
    };
    let mut want_out = b"stdout tty=0 fifo=1\nstdin<".to_vec();
    want_out.extend_from_slice(&input);
    want_out.extend_from_slice(format!(">{}\na\r\nb\n\x01", input.len()).as_bytes());
    let want_err: &[u8] = b"stderr tty=0 fifo=1\n";
    let want_console = ["stdout tty=1 fifo=0", "stderr tty=1 fifo=0", "a", "b"];
    let piped_ok = piped.piped.0 == want_out
        && piped.piped.1 == want_err
        && piped.stdout.is_empty()
        && piped.status.code() == 5;
    let console_ok = console.stdout.iter().take(4).eq(want_console.iter())
        && console.piped == (Vec::new(), Vec::new())
        && console.status.code() == 5;
    if piped_ok && console_ok {
        tally.pass(
            what,
            &format!(
                "pipes: stdout {:?}... ({} bytes, as sent), stderr {:?}; console: {:?}",
                String::from_utf8_lossy(&piped.piped.0[..30]),
                piped.piped.0.len(),
                String::from_utf8_lossy(&piped.piped.1),
                console.stdout
            ),
        );
    } else {
        tally.fail(
            what,
            &format!(
                "pipes: stdout {:?}... ({} bytes, {} wanted; first difference at {:?}), \
                 stderr {:?}, console {:?}, status {:?}; console: {:?}, status {:?}",
                String::from_utf8_lossy(&piped.piped.0[..piped.piped.0.len().min(30)]),
                piped.piped.0.len(),
                want_out.len(),
                piped
                    .piped
                    .0
                    .iter()
                    .zip(&want_out)
                    .position(|(a, b)| a != b),
                String::from_utf8_lossy(&piped.piped.1),
                piped.stdout,
                piped.status,
                console.stdout,
                console.status
            ),
        );
    }
}

const TRACE_COMMAND_CHECK: &str =
    "`trace PROG` (images/userland/trace.c) traces through /dev/trace, across exec";

/// Runs `/bin/trace /bin/echo hi` from the default image's programs: the first traced
/// call is the one after trace's write to /dev/trace, and the traced image after exec
/// is still traced.
fn trace_command_check(guest: &crate::cmd_exec::Guest<'_>, root: &Path, tally: &mut Tally) {
    let what = TRACE_COMMAND_CHECK;
    let built = crate::default_image::build(guest.ws).map_err(|e| e.to_string());
    let bin = match built {
        Ok(archive) => archive.with_file_name("bin"),
        Err(e) => return tally.fail(what, &format!("default image: {e}")),
    };
    for name in ["trace", "echo"] {
        if let Err(e) = fs::copy(bin.join(name), root.join("bin").join(name)) {
            return tally.fail(what, &format!("{name}: {e}"));
        }
    }
    let argv: Vec<String> = ["/bin/trace", "/bin/echo", "hi"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let roots = [root.to_path_buf()];
    let out = match crate::cmd_exec::run_program(guest, &roots, &argv, &mut |_| {}) {
        Ok(out) => out,
        Err(e) => return tally.fail(what, &e.to_string()),
    };
    let got = out.trace_lines();
    let wanted = [
        "[trace] 1 native-v1 close(3) = 0",
        "[trace] 1 native-v1 execve(\"/bin/echo\", 0x*, 0x*) = 0",
        // echo's stdout is unbuffered: "hi", then the newline.
        "[trace] 1 native-v1 write(1, 0x*, 2) = 2",
        "[trace] 1 native-v1 exit(0) = ?",
    ];
    // The first line exactly, then the others in order among the rest.
    let mut rest = got.iter();
    let first_ok = rest.next().is_some_and(|l| matches(wanted[0], l));
    let others_ok = wanted[1..]
        .iter()
        .all(|p| rest.by_ref().any(|l| matches(p, l)));
    if first_ok && others_ok && out.stdout == ["hi"] && out.status.code() == 0 {
        tally.pass(
            what,
            &format!("{} trace lines, stdout {:?}", got.len(), out.stdout),
        );
    } else {
        tally.fail(
            what,
            &format!(
                "stdout {:?}, status {:?}, trace lines {got:#?}; wanted {wanted:#?}",
                out.stdout, out.status
            ),
        );
    }
}

/// Boots the default image and types into its console.
fn console_checks(ws: &Workspace, elf: &Path, qemu: &Path, args: &TestArgs, tally: &mut Tally) {
    use crate::console_check::{CONSOLE_CHECK, run};
    header("the console (default image, typed input)");
    let result = crate::default_image::build(ws)
        .map_err(|e| format!("default image: {e}"))
        .and_then(|initrd| run(elf, qemu, &initrd, args));
    match result {
        Ok(detail) => tally.pass(CONSOLE_CHECK, &detail),
        Err(reason) => tally.fail(CONSOLE_CHECK, &reason),
    }
}

/// The name of the conformance suite's protocol check.
const ABI_SUITE_RUN: &str =
    "ABI conformance suite: plan, case lines, summary and runner status agree";
/// The limit of each conformance case in the guest.
const ABI_CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds libc-shim and the conformance cases, runs them in one guest and counts each
/// case as a check (a skip or an expected failure passes, naming why).
fn abi_suite_checks(ws: &Workspace, elf: &Path, qemu: &Path, args: &TestArgs, tally: &mut Tally) {
    use crate::abi_suite::{RunConfig, Selection, Status, run};
    use crate::cmd_exec::Guest;
    header("ABI conformance suite (abi-tests/cases, target/abi-report/)");
    let cfg = RunConfig {
        guest: Guest {
            ws,
            elf,
            qemu,
            accel: args.accel,
            timeout: args.timeout,
            memory_mib: None,
        },
        case_timeout: ABI_CASE_TIMEOUT,
        selection: Selection::default(),
        verbose: args.verbose,
    };
    let report = match run(&cfg, &mut |line| println!("  {line}")) {
        Ok(report) => report,
        Err(e) => return tally.fail(ABI_SUITE_RUN, &e.to_string()),
    };
    for r in &report.results {
        let what = format!("abi case {}/{}", r.abi, r.case);
        let time = r
            .millis
            .map(|ms| format!(", {:.1} s", ms as f64 / 1000.0))
            .unwrap_or_default();
        match &r.status {
            Status::Pass => tally.pass(&what, &format!("pass{time}")),
            Status::Skip(why) => tally.pass(&what, &format!("skipped: {why}")),
            Status::ExpectedFail { seen, why } => {
                tally.pass(&what, &format!("expected failure ({why}): {seen}"))
            }
            Status::UnexpectedPass { why } => tally.pass(
                &what,
                &format!("passed; remove it from abi-tests/expected-failures.txt ({why})"),
            ),
            Status::Fail(why) | Status::NotRun(why) => tally.fail(&what, why),
            Status::NotApplicable => {}
        }
    }
    if report.problems.is_empty() {
        let detail = format!(
            "{}, {:.1} s",
            report.summary.as_deref().unwrap_or(""),
            report.elapsed.as_secs_f64()
        );
        tally.pass(ABI_SUITE_RUN, &detail);
    } else {
        tally.fail(ABI_SUITE_RUN, &report.problems.join("; "));
    }
    match crate::abi_suite::run_self_checks(&cfg.guest) {
        Ok(problems) if problems.is_empty() => tally.pass(
            RUNNER_SELF_CHECK,
            "fail, skip, SIGSEGV, timeout, exit status and pass each reported as such",
        ),
        Ok(problems) => tally.fail(RUNNER_SELF_CHECK, &problems.join("; ")),
        Err(e) => tally.fail(RUNNER_SELF_CHECK, &e.to_string()),
    }
}

/// The check that the in-guest runner reports failures truthfully.
const RUNNER_SELF_CHECK: &str =
    "the conformance runner reports what cases did (abi-tests/selfcheck)";

/// The name of the in-guest run's protocol check.
const KTEST_RUN: &str = "in-guest kernel tests: plan, results, summary and exit status agree";

pub fn main(args: &TestArgs) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let mut tally = Tally::default();

    host_tests(&ws, &mut tally);

    let profile = Profile::from_release_flag(args.release);
    header(&format!(
        "kernel build: cargo {}",
        Workspace::build_kernel_args(profile).join(" ")
    ));
    let ready = ws
        .build_kernel(profile)
        .map_err(|e| ("kernel build", e))
        .and_then(|elf| {
            tally.pass("kernel build", &elf.display().to_string());
            let qemu = ensure_qemu().map_err(|e| ("QEMU", e))?;
            if args.accel == Accel::Kvm {
                check_kvm().map_err(|e| ("KVM", e))?;
            }
            let base = QemuCommand::new(&qemu, &elf).accel(args.accel);
            Ok((base, elf, qemu))
        });
    match ready {
        Ok((base, elf, qemu)) => {
            boots(&ws, &base, args, &mut tally);
            exec_checks(&ws, &elf, &qemu, args, &mut tally);
            console_checks(&ws, &elf, &qemu, args, &mut tally);
            abi_suite_checks(&ws, &elf, &qemu, args, &mut tally);
            fuzz_check(&ws, &elf, args, &mut tally);
            fuzz_exec_check(&ws, &elf, args, &mut tally);
        }
        Err((what, e)) => {
            tally.fail(what, &e.to_string());
            let all = std::iter::once(KTEST_RUN)
                .chain(SELF_CHECKS.iter().map(|b| b.what))
                .chain(exec_check_names())
                .chain(std::iter::once(crate::console_check::CONSOLE_CHECK))
                .chain(std::iter::once(ABI_SUITE_RUN))
                .chain(FUZZ_CHECKS.iter().map(|(_, what)| *what))
                .chain(std::iter::once(FUZZ_EXEC_CHECK));
            for check in all {
                tally.fail(check, &format!("not run: {what} unavailable"));
            }
        }
    }

    let failed = tally.failures.len();
    if failed > 0 {
        println!("\nfailures:");
        for (what, reason) in &tally.failures {
            println!("  {what}: {reason}");
        }
    }
    println!("\n{} passed, {failed} failed", tally.passed);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The ABIs `cargo xtask test` fuzzes, and the names of the checks.
const FUZZ_CHECKS: [(&str, &str); 3] = [
    (
        "native-v1",
        "syscall fuzzer, native-v1 (seed 1, 5000 calls)",
    ),
    (
        "native-v2",
        "syscall fuzzer, native-v2 (seed 1, 5000 calls)",
    ),
    (
        "freebsd4-i386",
        "syscall fuzzer, freebsd4-i386 (seed 1, 5000 calls)",
    ),
];

/// A short run of the syscall fuzzer (cargo xtask fuzz) with a fixed seed, per ABI.
fn fuzz_check(ws: &Workspace, elf: &std::path::Path, args: &TestArgs, tally: &mut Tally) {
    for (abi, what) in FUZZ_CHECKS {
        header(what);
        let a = crate::cmd_fuzz::FuzzArgs {
            abi: abi.to_string(),
            iterations: 5000,
            timeout: Some(args.timeout),
            ..Default::default()
        };
        match crate::cmd_fuzz::fuzz(ws, elf, args.accel, &a) {
            Ok(problems) if problems.is_empty() => tally.pass(what, "no panic, hang or leak"),
            Ok(problems) => tally.fail(what, &problems.join("; ")),
            Err(e) => tally.fail(what, &e.to_string()),
        }
    }
}

/// The short exec fuzzing run of `cargo xtask test`.
const FUZZ_EXEC_CHECK: &str = "exec fuzzer, every ABI (seed 1, 300 mutants)";

/// A short run of `cargo xtask fuzz-exec` with a fixed seed.
fn fuzz_exec_check(ws: &Workspace, elf: &std::path::Path, args: &TestArgs, tally: &mut Tally) {
    header(FUZZ_EXEC_CHECK);
    let a = crate::cmd_fuzz_exec::FuzzExecArgs {
        seed: 1,
        count: 300,
        timeout: Some(args.timeout),
        verbose: false,
    };
    match crate::cmd_fuzz_exec::fuzz_exec(ws, elf, args.accel, &a) {
        Ok(problems) if problems.is_empty() => tally.pass(
            FUZZ_EXEC_CHECK,
            "each refused with ENOEXEC/ENOMEM/EINVAL or ran and ended; no panic, hang or leak",
        ),
        Ok(problems) => tally.fail(FUZZ_EXEC_CHECK, &problems.join("; ")),
        Err(e) => tally.fail(FUZZ_EXEC_CHECK, &e.to_string()),
    }
}

fn header(title: &str) {
    println!("\n== {title}");
}

fn host_tests(ws: &Workspace, tally: &mut Tally) {
    let args = ["test", "--workspace", "--exclude", KERNEL_PACKAGE];
    let shown = format!("cargo {}", args.join(" "));
    header(&format!("host tests: {shown}"));
    let what = "host tests (cargo test)";
    match ws.cargo().args(args).status() {
        Ok(status) if status.success() => tally.pass(what, "all passed"),
        Ok(status) => tally.fail(
            what,
            &format!("`{shown}` failed ({status}); see its output above"),
        ),
        Err(e) => tally.fail(what, &format!("could not start `{shown}`: {e}")),
    }
}

fn boots(ws: &Workspace, base: &QemuCommand, args: &TestArgs, tally: &mut Tally) {
    let echo = if args.verbose {
        Echo::Stderr
    } else {
        Echo::Quiet
    };
    let cmd = base.clone().cmdline("nymph.test=all");
    header(&format!(
        "in-guest kernel tests: {}",
        cmd.display(Console::Captured)
    ));
    let opts = RunOptions::for_accel(args.accel, args.timeout).echo(echo);
    // Print results live, as the guest reports them.
    let mut live = |line: &str| match parse_ktest_line(line) {
        Some(KtestLine::Pass { name }) => println!("ktest {name} ... ok"),
        Some(KtestLine::Fail {
            name,
            location,
            message,
        }) => {
            println!("ktest {name} ... FAILED at {location}: {message}");
        }
        _ => {}
    };
    let mut skip_rest = None;
    match cmd.run_with(&opts, &mut live) {
        Ok(outcome) => {
            let log = save_log(ws, "ktest", &cmd, &outcome);
            // A KVM that cannot run the kernel at all would only burn the first-output
            // timeout again on every following boot.
            if args.accel == Accel::Kvm && outcome.lines.is_empty() {
                skip_rest = outcome.note.clone();
            }
            let report = judge_ktest(&outcome);
            for result in &report.results {
                match &result.outcome {
                    TestOutcome::Passed => tally.passed += 1,
                    TestOutcome::Failed { location, message } => {
                        tally.failures.push((
                            format!("ktest {}", result.name),
                            format!("failed at {location}: {message}"),
                        ));
                    }
                }
            }
            let run_problems: Vec<&str> =
                report.run_problems().map(|p| p.message.as_str()).collect();
            if run_problems.is_empty() {
                let detail = format!(
                    "plan {}, {} passed, {} failed, {}",
                    report.plan.unwrap_or(0),
                    report.passed_count(),
                    report.failed_count(),
                    outcome.exit
                );
                tally.pass(KTEST_RUN, &detail);
            } else {
                let mut reason = run_problems.join("; ");
                if let Some(note) = &outcome.note {
                    let _ = write!(reason, " ({note})");
                }
                tally.fail(KTEST_RUN, &reason);
            }
            if !report.verdict.is_pass() {
                show_tail(&outcome, log.as_deref());
            }
        }
        Err(e) => run_error(tally, KTEST_RUN, &e),
    }

    header("harness self-checks");
    if let Some(why) = skip_rest {
        for boot in &SELF_CHECKS {
            tally.fail(
                boot.what,
                &format!("not run: the kernel produced no output ({why})"),
            );
        }
        return;
    }
    for boot in &SELF_CHECKS {
        let cmd = base.clone().cmdline(boot.cmdline);
        let opts =
            RunOptions::for_accel(args.accel, boot.timeout.unwrap_or(args.timeout)).echo(echo);
        match cmd.run(&opts) {
            Ok(outcome) => {
                let log = save_log(ws, boot.name, &cmd, &outcome);
                let verdict = (boot.judge)(&outcome);
                tally.verdict(boot.what, &verdict);
                if !verdict.is_pass() {
                    show_tail(&outcome, log.as_deref());
                }
            }
            Err(e) => run_error(tally, boot.what, &e),
        }
    }
}

fn run_error(tally: &mut Tally, what: &str, e: &HarnessError) {
    tally.fail(what, &format!("could not boot: {e}"));
}

/// Writes the command, serial lines, QEMU's stderr and the exit to
/// `<target>/nymph-logs/<name>.log`; returns the path, or `None` (with a warning) if it
/// cannot be written.
fn save_log(
    ws: &Workspace,
    name: &str,
    cmd: &QemuCommand,
    outcome: &RunOutcome,
) -> Option<PathBuf> {
    let dir = ws.log_dir();
    let path = dir.join(format!("{name}.log"));
    let mut text = format!("# {}\n", cmd.display(Console::Captured));
    for line in &outcome.lines {
        text.push_str(line);
        text.push('\n');
    }
    for line in &outcome.stderr {
        let _ = writeln!(text, "# qemu stderr: {line}");
    }
    let _ = writeln!(
        text,
        "# {}; elapsed {:.2} s",
        outcome.exit,
        outcome.elapsed.as_secs_f64()
    );
    match fs::create_dir_all(&dir).and_then(|()| fs::write(&path, text)) {
        Ok(()) => Some(path),
        Err(e) => {
            eprintln!("xtask: warning: cannot write {}: {e}", path.display());
            None
        }
    }
}

fn show_tail(outcome: &RunOutcome, log: Option<&Path>) {
    let tail = outcome.last_lines(TAIL_ON_FAILURE);
    if tail.is_empty() {
        println!("    (no serial output)");
    } else {
        println!("    last serial lines:");
        for line in tail {
            println!("    | {line}");
        }
    }
    for line in outcome.stderr.iter().take(QEMU_STDERR_SHOWN) {
        println!("    qemu: {line}");
    }
    if let Some(more) = outcome
        .stderr
        .len()
        .checked_sub(QEMU_STDERR_SHOWN)
        .filter(|&n| n > 0)
    {
        println!("    qemu: ... {more} more lines in the log");
    }
    if let Some(log) = log {
        println!("    full log: {}", log.display());
    }
}

#[cfg(test)]
mod tests {
    use super::{fb4_rtld_addr, matches};

    #[test]
    fn rtld_addr_counts_from_the_data_segment() {
        // ELF32 header, then PT_LOAD text (holds the entry) and PT_LOAD data.
        let mut elf = vec![0u8; 52 + 64];
        elf[24..28].copy_from_slice(&0x0804_8100u32.to_le_bytes());
        elf[28..32].copy_from_slice(&52u32.to_le_bytes());
        elf[42..44].copy_from_slice(&32u16.to_le_bytes());
        elf[44..46].copy_from_slice(&2u16.to_le_bytes());
        for (i, (vaddr, memsz)) in [(0x0804_8000u32, 0x1000u32), (0x0804_9f00, 0x200)]
            .into_iter()
            .enumerate()
        {
            let ph = 52 + 32 * i;
            elf[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes());
            elf[ph + 8..ph + 12].copy_from_slice(&vaddr.to_le_bytes());
            elf[ph + 20..ph + 24].copy_from_slice(&memsz.to_le_bytes());
        }
        assert_eq!(fb4_rtld_addr(&elf), Some(0x2804_9000));
        assert_eq!(fb4_rtld_addr(&elf[..100]), None);
    }

    #[test]
    fn wildcards_match_any_text() {
        assert!(matches("write(1, 0x*, 6) = 6", "write(1, 0x4000, 6) = 6"));
        assert!(!matches("write(1, 0x*, 6) = 6", "write(1, 0x4000, 7) = 7"));
        assert!(matches("a*b*c", "aXbYc"));
        assert!(!matches("a*b*c", "aXc"));
        assert!(matches("exit(3) = ?", "exit(3) = ?"));
        assert!(!matches("exit(3) = ?", "exit(3) = ? x"));
        assert!(!matches("ab*ba", "aba"));
    }
}
