//! `cargo xtask abi-test [--abi NAME] [FILTER]`: the conformance suite alone (see
//! [`crate::abi_suite`]); prints a line per case as the guest finishes it, the run's
//! problems if any, and where the report is. With `--build-only` it builds libc-shim
//! and the selected cases and stops.

use std::process::ExitCode;

use nymph_harness::{Accel, Profile, Workspace, check_kvm, ensure_qemu};

use crate::abi_suite::{RunConfig, Selection, Status, build, run};
use crate::args::AbiTestArgs;
use crate::cmd_exec::Guest;

pub fn main(a: &AbiTestArgs) -> crate::Result<ExitCode> {
    let selection = Selection {
        abi: a.abi.clone(),
        filter: a.filter.clone(),
    };
    if a.build_only {
        let ws = Workspace::locate()?;
        let built = build(&ws, &selection)?;
        println!(
            "abi-test: built {} cases ({} not applicable) into {}",
            built.planned.len(),
            built.not_applicable.len(),
            built.root.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if a.accel == Accel::Kvm {
        check_kvm()?;
    }
    let ws = Workspace::locate()?;
    let elf = ws.build_kernel(Profile::from_release_flag(a.release))?;
    let qemu = ensure_qemu()?;
    let cfg = RunConfig {
        guest: Guest {
            ws: &ws,
            elf: &elf,
            qemu: &qemu,
            accel: a.accel,
            timeout: a.timeout,
            memory_mib: None,
        },
        case_timeout: a.timeout,
        selection,
        verbose: a.verbose,
    };
    let report = run(&cfg, &mut |line| println!("{line}"))?;
    let mut failed = 0;
    for r in &report.results {
        if r.status.is_failure() {
            failed += 1;
            println!("FAILED {}/{}: {:?}", r.abi, r.case, r.status);
        }
        if let Status::UnexpectedPass { .. } = r.status {
            println!(
                "note: {}/{} passed but is listed in abi-tests/expected-failures.txt",
                r.abi, r.case
            );
        }
    }
    for p in &report.problems {
        println!("problem: {p}");
    }
    println!(
        "abi-test: {} ({} cases, {:.1} s); report: {}",
        report.summary.as_deref().unwrap_or("no summary"),
        report.results.len(),
        report.elapsed.as_secs_f64(),
        ws.target_dir.join("abi-report/report.md").display()
    );
    Ok(if failed == 0 && report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
