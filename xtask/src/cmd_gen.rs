//! `cargo xtask gen [--check]`: regenerate every checked-in output of the ABI specs
//! (abi/src/generated, libc-shim/gen, abi/doc) with abi-gen, or check they are current.

use std::process::ExitCode;

use nymph_harness::Workspace;

pub fn main(check: bool) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let mut cmd = ws.cargo();
    cmd.args(["run", "--quiet", "--package", "abi-gen", "--", "all"]);
    if check {
        cmd.arg("--check");
    }
    let status = cmd.status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
