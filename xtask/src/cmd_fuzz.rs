//! `cargo xtask fuzz`: the syscall fuzzer (abi-tests/fuzz/fuzzer.c, on the table abi-gen
//! derives from the spec) run as init in a fresh guest, for any ABI of the suite
//! (`--abi native-v1`, the default, `--abi native-v2`, or `--abi freebsd4-i386`: the
//! fuzzer built as a static 4.x i386 program, making its calls through `int $0x80`).
//!
//! A run fails on a kernel panic or exception (the harness sees it), on a hang (the run's
//! limit passes; the fuzzer itself kills workers blocked for 3 s and reports a worker it
//! cannot kill), and on a leak: the kernel prints `NYMPH mem heap_used=.. free_frames=..`
//! when init ends, and the run is compared with a baseline boot that makes 0 calls. On a
//! failure it prints the seed and the last calls the fuzzer printed.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use nymph_harness::{Accel, Profile, Workspace, ensure_qemu};

use crate::abi_suite::{abi_named, brand, libc_for, link_command, run_jobs};
use crate::cmd_exec::{ExecStatus, Guest, run_program};

/// Heap bytes a run may hold beyond the baseline (allocator slack, grown tables).
pub(crate) const HEAP_SLACK: i64 = 256 * 1024;
/// Frames likewise.
pub(crate) const FRAME_SLACK: i64 = 64;
/// Calls kept to show on a failure.
const KEEP: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzArgs {
    pub abi: String,
    pub seed: u64,
    pub iterations: u64,
    pub procs: u64,
    pub timeout: Option<Duration>,
    pub verbose: bool,
}

impl Default for FuzzArgs {
    fn default() -> Self {
        FuzzArgs {
            abi: "native-v1".into(),
            seed: 1,
            iterations: 10_000,
            procs: 4,
            timeout: None,
            verbose: false,
        }
    }
}

/// Builds the fuzzer for one ABI of the suite (libc-shim's flavour, the ABI's
/// `fuzz_table.h`) into `<target>/fuzz/<abi>/root/bin/fuzzer`; returns the root.
pub fn build(ws: &Workspace, abi_name: &str) -> crate::Result<PathBuf> {
    let abi = abi_named(abi_name)?;
    let root = ws.target_dir.join("fuzz").join(abi.name).join("root");
    fs::create_dir_all(root.join("bin"))?;
    let libc = libc_for(ws, abi)?;
    let source = ws.root.join("abi-tests/fuzz/fuzzer.c");
    let fuzzer = root.join("bin/fuzzer");
    run_jobs(vec![link_command(&libc, &source, &fuzzer)])?;
    brand(&libc, &[fuzzer])?;
    Ok(root)
}

/// From a kernel log's `NYMPH mem heap_used=H free_frames=F heap_size=S`: the heap in
/// use, and the frames free or in the heap (F + S / 4096). The heap grows by taking
/// free frames and never gives them back, so a run whose heap grew is not charged for
/// the frames it took; its use is compared through H.
pub fn mem_counters(log: &str) -> Option<(i64, i64)> {
    let line = log
        .lines()
        .rev()
        .find_map(|l| l.trim_end().strip_prefix("NYMPH mem "))?;
    let mut heap = None;
    let mut frames = None;
    let mut heap_size: i64 = 0;
    for word in line.split_whitespace() {
        if let Some(v) = word.strip_prefix("heap_used=") {
            heap = v.parse().ok();
        } else if let Some(v) = word.strip_prefix("free_frames=") {
            frames = v.parse::<i64>().ok();
        } else if let Some(v) = word.strip_prefix("heap_size=") {
            heap_size = v.parse().ok()?;
        }
    }
    Some((heap?, frames? + heap_size / 4096))
}

/// What one fuzzing boot showed.
pub struct Run {
    pub status: ExecStatus,
    pub done: Option<String>,
    pub last: VecDeque<String>,
    pub notes: Vec<String>,
    pub mem: Option<(i64, i64)>,
    pub elapsed: Duration,
}

fn boot(guest: &Guest<'_>, root: &Path, a: &FuzzArgs, iterations: u64) -> crate::Result<Run> {
    let argv = vec![
        "/bin/fuzzer".to_string(),
        a.seed.to_string(),
        iterations.to_string(),
        a.procs.to_string(),
    ];
    let mut last = VecDeque::new();
    let mut notes = Vec::new();
    let mut done = None;
    let start = Instant::now();
    let mut last_progress = Instant::now();
    let verbose = a.verbose;
    let outcome = run_program(guest, &[root.to_path_buf()], &argv, &mut |line| {
        if verbose {
            println!("{line}");
        }
        if line.starts_with("FUZZ call ") {
            if last.len() == KEEP {
                last.pop_front();
            }
            last.push_back(line.to_string());
        } else if line.starts_with("FUZZ progress") {
            last_progress = Instant::now();
            if !verbose {
                println!("  {line}");
            }
        } else if let Some(rest) = line.strip_prefix("FUZZ done ") {
            done = Some(rest.to_string());
        } else if line.starts_with("FUZZ ") {
            notes.push(line.to_string());
            if !verbose {
                println!("  {line}");
            }
        }
    })?;
    if done.is_none() {
        notes.push(format!(
            "last progress line {} s before the end",
            last_progress.elapsed().as_secs()
        ));
    }
    Ok(Run {
        mem: mem_counters(&outcome.kernel_log),
        status: outcome.status,
        done,
        last,
        notes,
        elapsed: start.elapsed(),
    })
}

/// Runs the fuzzer (and a baseline boot); returns the problems found.
pub fn fuzz(ws: &Workspace, elf: &Path, accel: Accel, a: &FuzzArgs) -> crate::Result<Vec<String>> {
    let root = build(ws, &a.abi)?;
    let qemu = ensure_qemu()?;
    let timeout = a
        .timeout
        .unwrap_or(Duration::from_secs(120) + Duration::from_millis(2 * a.iterations));
    let guest = Guest {
        ws,
        elf,
        qemu: &qemu,
        accel,
        timeout,
        memory_mib: None,
    };
    let base = boot(&guest, &root, a, 0)?;
    let run = boot(&guest, &root, a, a.iterations)?;
    println!(
        "fuzz: {} seed {} iterations {} procs {}: {} in {:.1} s",
        a.abi,
        a.seed,
        a.iterations,
        a.procs,
        run.done.as_deref().unwrap_or("did not finish"),
        run.elapsed.as_secs_f64()
    );
    let mut problems = Vec::new();
    match &run.status {
        ExecStatus::Exited(0) => {}
        other => problems.push(format!("the fuzzer's run ended badly: {other:?}")),
    }
    if !matches!(base.status, ExecStatus::Exited(0)) {
        problems.push(format!("the baseline boot ended badly: {:?}", base.status));
    }
    match (base.mem, run.mem) {
        (Some((bh, bf)), Some((rh, rf))) => {
            println!(
                "fuzz: kernel memory at init exit: heap {bh} -> {rh} bytes, free frames {bf} -> {rf}"
            );
            if rh - bh > HEAP_SLACK || bf - rf > FRAME_SLACK {
                problems.push(format!(
                    "kernel memory leak? heap used {bh} -> {rh} bytes, free frames {bf} -> {rf} (slack {HEAP_SLACK} bytes, {FRAME_SLACK} frames)"
                ));
            }
        }
        _ if problems.is_empty() => {
            problems.push("no `NYMPH mem` line in a kernel log".into());
        }
        _ => {}
    }
    if !problems.is_empty() {
        eprintln!(
            "fuzz: FAILED with --abi {} --seed {} --iterations {} --procs {}",
            a.abi, a.seed, a.iterations, a.procs
        );
        for n in &run.notes {
            eprintln!("  {n}");
        }
        eprintln!("  last calls printed (of every worker):");
        for l in &run.last {
            eprintln!("    {l}");
        }
        eprintln!(
            "  kernel log: {}",
            ws.target_dir.join("nymph-exec/kernel.log").display()
        );
    }
    Ok(problems)
}

pub fn main(a: &FuzzArgs) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let elf = ws.build_kernel(Profile::Debug)?;
    let problems = fuzz(&ws, &elf, Accel::Tcg, a)?;
    Ok(report(&problems, "fuzz"))
}

/// Prints a fuzzing command's problems, one a line; success when there are none.
pub(crate) fn report(problems: &[String], command: &str) -> ExitCode {
    for p in problems {
        eprintln!("{command}: {p}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_memory_line() {
        let log = "x\nNYMPH mem heap_used=1234 free_frames=99\r\nNYMPH init-exit code=0\n";
        assert_eq!(mem_counters(log), Some((1234, 99)));
        assert_eq!(mem_counters("nothing"), None);
        // A grown heap's frames count as the heap's, not as lost.
        let grown = "NYMPH mem heap_used=1234 free_frames=99 heap_size=8192\n";
        assert_eq!(mem_counters(grown), Some((1234, 101)));
    }
}
