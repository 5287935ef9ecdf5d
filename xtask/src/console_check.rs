//! The terminal, end to end: boots the default image (nsh as init) and types into its
//! serial console as a user would: a command, a line for `readline` to read, a ^C
//! that must interrupt a second `readline` (and not the shell), then `exit 3`, which
//! must end init with status 3.

use std::path::Path;

use nymph_harness::{Echo, QemuCommand, RunOptions};

use crate::args::TestArgs;

/// The check's name in the tally.
pub const CONSOLE_CHECK: &str =
    "console: nsh runs readline on a typed line, ^C interrupts it, exit ends init";

/// What the guest must print, in order, and what is typed after each.
const SCRIPT: [(&str, &[u8]); 6] = [
    ("Nymph shell:", b"echo typed words\n"),
    ("typed words", b"readline\n"),
    ("readline: type a line", b"a line from the terminal\n"),
    ("readline: got 'a line from the terminal'", b"readline\n"),
    ("readline: type a line", b"\x03"),
    ("nsh: readline: killed by SIGINT", b"exit 3\n"),
];

/// Runs the conversation; Ok(detail) or Err(reason).
pub fn run(elf: &Path, qemu: &Path, initrd: &Path, args: &TestArgs) -> Result<String, String> {
    let cmd = QemuCommand::new(qemu, elf).accel(args.accel).initrd(initrd);
    let opts = RunOptions::for_accel(args.accel, args.timeout).echo(Echo::Quiet);
    let mut step = 0;
    let outcome = cmd
        .run_conversation(&opts, &mut |line| {
            let (expect, reply) = SCRIPT.get(step)?;
            if line.contains(expect) {
                step += 1;
                return Some(reply.to_vec());
            }
            None
        })
        .map_err(|e| e.to_string())?;
    if let Some(crash) = &outcome.crash {
        return Err(format!("the kernel crashed: {crash:?}"));
    }
    if step < SCRIPT.len() {
        return Err(format!(
            "never saw `{}`; last lines: {:?}",
            SCRIPT[step].0,
            outcome.last_lines(6)
        ));
    }
    if !outcome
        .lines
        .iter()
        .any(|l| l.trim_end() == "NYMPH init-exit code=3")
    {
        return Err(format!(
            "init did not end with status 3; last lines: {:?}",
            outcome.last_lines(4)
        ));
    }
    Ok(format!("{} steps typed, init exit 3", SCRIPT.len()))
}
