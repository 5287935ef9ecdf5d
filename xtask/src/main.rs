//! Host orchestrator: `cargo xtask run | test | exec | abi-test | fuzz | fuzz-exec | fuzz-elf | bench | gen | build`.
//!
//! Each subcommand lives in its own module; the QEMU and judging machinery is the
//! `nymph-harness` library. Arguments are parsed by hand in [`args`] (no clap: a few
//! subcommands with a handful of flags do not need it).

#![forbid(unsafe_code)]

mod abi_suite;
mod args;
mod cmd_abi_test;
mod cmd_bench;
mod cmd_build;
mod cmd_exec;
mod cmd_fuzz;
mod cmd_fuzz_elf;
mod cmd_fuzz_exec;
mod cmd_gen;
mod cmd_run;
mod cmd_test;
mod console_check;
mod default_image;
mod layering;
mod rust_programs;

use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("xtask: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let result = match command {
        args::Command::Help => {
            println!("{}", args::USAGE);
            Ok(ExitCode::SUCCESS)
        }
        args::Command::Build(a) => cmd_build::main(&a),
        args::Command::Run(a) => cmd_run::main(&a),
        args::Command::Exec(a) => cmd_exec::main(&a),
        args::Command::Gen { check } => cmd_gen::main(check),
        args::Command::Test(a) => cmd_test::main(&a),
        args::Command::AbiTest(a) => cmd_abi_test::main(&a),
        args::Command::Fuzz(a) => cmd_fuzz::main(&a),
        args::Command::FuzzExec(a) => cmd_fuzz_exec::main(&a),
        args::Command::FuzzElf(a) => cmd_fuzz_elf::main(&a),
        args::Command::Bench(a) => cmd_bench::main(&a),
    };
    result.unwrap_or_else(|e| {
        eprintln!("xtask: error: {e}");
        ExitCode::FAILURE
    })
}
