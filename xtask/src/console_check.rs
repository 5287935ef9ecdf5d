//! The terminal, end to end: boots the default image (nsh as init) and types a short
//! session into its serial console as a user would: a pipeline mixing a FreeBSD 4
//! program with native ones, redirections, file tools, `ls -l` naming owners (native from
//! /etc/passwd, FreeBSD 4 from its /etc/spwd.db), ps showing both ABIs, kill of a
//! background job, ^Z / bg / fg / ^C of a foreground job, /bin/sh (nsh) without a
//! terminal as system(3) and scripts run it (`sh -c`, a script file with arguments,
//! commands on a pipe), and `exit 3`, which must end init with status 3. Each step waits for the output of the
//! one before (never for a fixed time), and matches output the typed line's echo does
//! not contain.

use std::path::Path;

use nymph_harness::{Echo, QemuCommand, RunOptions};

use crate::args::TestArgs;

/// The check's name in the tally.
pub const CONSOLE_CHECK: &str = "console: nsh runs pipelines (FreeBSD 4 and native), redirections, ps, kill, job control, sh -c and scripts";

/// How a step recognises its line of output.
#[derive(Clone, Copy, Debug)]
enum Match {
    Contains(&'static str),
    Exact(&'static str),
    StartsWith(&'static str),
    /// Both texts on one line.
    Both(&'static str, &'static str),
}

impl Match {
    fn test(self, line: &str) -> bool {
        // Typed text is echoed as soon as it arrives, so a prompt may lead output.
        let mut line = line.trim_end();
        while let Some(rest) = line.strip_prefix("nsh$ ") {
            line = rest;
        }
        match self {
            Match::Contains(s) => line.contains(s),
            Match::Exact(s) => line == s,
            Match::StartsWith(s) => line.starts_with(s),
            Match::Both(a, b) => line.contains(a) && line.contains(b),
        }
    }
}

/// What to type once a step's line is seen; `{pid}` is the background job's pid.
type Step = (Match, &'static str);

/// The session. The FreeBSD `sleep` goes to the background and is listed by ps with its
/// ABI next to the native ps, then killed; a native pipeline is stopped with ^Z once
/// its `echo` has printed (so the job owns the terminal), continued with bg, brought
/// back with fg and interrupted with ^C.
const SCRIPT: [Step; 22] = [
    (
        Match::StartsWith("Nymph shell:"),
        "fb4 echo hello from freebsd | cat | wc\n",
    ),
    (
        Match::Exact("       1       3      19"),
        "mkdir -p /tmp/a/b; echo one two > /tmp/a/f; echo three >> /tmp/a/f; cat < /tmp/a/f\n",
    ),
    (Match::Exact("one two"), ""),
    (
        Match::Exact("three"),
        "cp /tmp/a/f /tmp/a/b/g; mv /tmp/a/b/g /tmp/a/b/h; rm /tmp/a/f; ls -l /tmp/a/b\n",
    ),
    (
        Match::Both("-rw", " root     wheel          14 h"),
        "fb4 ls -l /etc/spwd.db\n",
    ),
    (
        Match::Both("-rw-------   1 root     wheel", " /etc/spwd.db"),
        "rm -r /tmp/a; ls /tmp/a 2> /tmp/err; cat /tmp/err\n",
    ),
    (Match::StartsWith("ls: /tmp/a: "), "fb4 sleep 100 &\n"),
    (Match::StartsWith("[1] "), "ps\n"),
    (Match::Both("freebsd4-i386", "sleep 100"), ""),
    (Match::Both("native v1", " ps"), "kill -TERM {pid}; wait\n"),
    (
        Match::Contains("[1] Killed by SIGTERM  fb4 sleep 100 &"),
        "sleep 100 | echo ready\n",
    ),
    (Match::Exact("ready"), "\x1a"),
    (
        Match::Contains("[1]+ Stopped  sleep 100 | echo ready"),
        "bg\n",
    ),
    (Match::Exact("[1] sleep 100 | echo ready"), "fg\n"),
    (Match::Exact("sleep 100 | echo ready"), "\x03"),
    (
        Match::Contains("nsh: sleep 100 | echo ready: killed by SIGINT"),
        "sh -c 'echo one; fb4 echo two three | wc -w; exit 4'; echo status $?\n",
    ),
    (Match::Exact("one"), ""),
    (Match::Exact("       2"), ""),
    (
        Match::Exact("status 4"),
        "echo 'echo in $0: $1 $#' > /tmp/s; sh /tmp/s x y\n",
    ),
    (
        Match::Exact("in /tmp/s: x 2"),
        "echo 'echo piped $#; exit 5' | sh; echo $?\n",
    ),
    (Match::Exact("piped 0"), ""),
    (Match::Exact("5"), "exit 3\n"),
];

/// Runs the conversation; Ok(detail) or Err(reason).
pub fn run(elf: &Path, qemu: &Path, initrd: &Path, args: &TestArgs) -> Result<String, String> {
    let cmd = QemuCommand::new(qemu, elf).accel(args.accel).initrd(initrd);
    let opts = RunOptions::for_accel(args.accel, args.timeout).echo(Echo::Quiet);
    let mut step = 0;
    let mut pid = String::new();
    let outcome = cmd
        .run_conversation(&opts, &mut |line| {
            let (expect, reply) = SCRIPT.get(step)?;
            if !expect.test(line) {
                return None;
            }
            if let Some((_, rest)) = line.trim_end().split_once("[1] ")
                && pid.is_empty()
            {
                pid = rest.to_string();
            }
            step += 1;
            Some(reply.replace("{pid}", &pid).into_bytes())
        })
        .map_err(|e| e.to_string())?;
    if let Some(crash) = &outcome.crash {
        return Err(format!("the kernel crashed: {crash:?}"));
    }
    if step < SCRIPT.len() {
        return Err(format!(
            "never saw {:?}; last lines: {:?}",
            SCRIPT[step].0,
            outcome.last_lines(8)
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
