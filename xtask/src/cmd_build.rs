//! `cargo xtask build`: build the kernel and print the ELF path.

use std::process::ExitCode;

use nymph_harness::{Profile, Workspace};

use crate::args::BuildArgs;

pub fn main(args: &BuildArgs) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let elf = ws.build_kernel(Profile::from_release_flag(args.release))?;
    println!("{}", elf.display());
    Ok(ExitCode::SUCCESS)
}
