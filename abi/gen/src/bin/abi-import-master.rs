//! `abi-import-master MASTER`: prints the syscall slots of a 4.x `syscalls.master` as the
//! JSON array that `abi/spec/freebsd4-i386.json` holds under "syscalls" (the skeleton the
//! spec was bootstrapped from; the JSON is the source of truth afterwards). The `abi-gen`
//! CLI can expose the same thing as `abi-gen import-master` through
//! [`abi_gen::import::master_to_json`].
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: abi-import-master path/to/syscalls.master");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match abi_gen::import::master_to_json(&text) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
