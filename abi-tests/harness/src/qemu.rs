//! QEMU: finding or installing it, the typed command line of the kernel contract, the
//! kill-on-drop guard, and running with the serial console read line by line under a
//! timeout.

use std::env;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::HarnessError;
use crate::outcome::{ExitKind, RunOutcome, parse_crash};

/// The emulator binary.
pub const QEMU_BINARY: &str = "qemu-system-x86_64";
/// The Debian package that provides [`QEMU_BINARY`].
pub const QEMU_PACKAGE: &str = "qemu-system-x86";
/// What every verdict on a KVM run that timed out or died says.
pub const KVM_NOTE: &str = "KVM here cannot run Nymph (see DESIGN.md); use the default TCG";
/// With KVM, how long to wait for the first serial line before giving up.
pub const KVM_FIRST_OUTPUT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default guest memory.
pub const DEFAULT_MEMORY_MIB: u32 = 256;

/// How long the harness waits for QEMU to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// How long the harness waits for the reader threads to drain after QEMU is gone.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Finds `qemu-system-x86_64` in `PATH` (then in `/usr/bin`, `/usr/local/bin`).
pub fn find_qemu() -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join(QEMU_BINARY))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Returns the path of `qemu-system-x86_64`, installing the Debian package
/// `qemu-system-x86` first when it is missing and this is Debian running as root.
/// Installer output goes to stderr.
///
/// # Errors
/// [`HarnessError::QemuMissing`] with one line naming the package when QEMU is missing and
/// cannot be installed here, or when the installation fails.
pub fn ensure_qemu() -> Result<PathBuf, HarnessError> {
    if let Some(qemu) = find_qemu() {
        return Ok(qemu);
    }
    if !(Path::new("/etc/debian_version").exists() && is_root()) {
        return Err(HarnessError::QemuMissing(format!(
            "{QEMU_BINARY} not found: install the package {QEMU_PACKAGE} (Debian/Ubuntu: `sudo apt-get install {QEMU_PACKAGE}`)"
        )));
    }
    eprintln!("{QEMU_BINARY} not found: installing the Debian package {QEMU_PACKAGE}");
    for args in [&["update"][..], &["install", "-y", QEMU_PACKAGE][..]] {
        let shown = format!("apt-get {}", args.join(" "));
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(Stdio::from(io::stderr()))
            .status()
            .map_err(|e| {
                HarnessError::QemuMissing(format!(
                    "{QEMU_BINARY} not found and `{shown}` could not start: {e}"
                ))
            })?;
        if !status.success() {
            return Err(HarnessError::QemuMissing(format!(
                "{QEMU_BINARY} not found and `{shown}` failed ({status}): install the package {QEMU_PACKAGE}"
            )));
        }
    }
    find_qemu().ok_or_else(|| {
        HarnessError::QemuMissing(format!(
            "installed {QEMU_PACKAGE} but {QEMU_BINARY} is still not in PATH"
        ))
    })
}

/// The accelerator QEMU uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accel {
    /// Binary translation: slow, works everywhere. The default.
    #[default]
    Tcg,
    /// Hardware virtualisation through `/dev/kvm`. An explicit opt-in: the paravirtual KVM
    /// of these machines cannot run Nymph.
    Kvm,
}

impl FromStr for Accel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tcg" => Ok(Self::Tcg),
            "kvm" => Ok(Self::Kvm),
            other => Err(format!(
                "unknown accelerator `{other}` (expected tcg or kvm)"
            )),
        }
    }
}

impl fmt::Display for Accel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tcg => "tcg",
            Self::Kvm => "kvm",
        })
    }
}

/// Checks that `/dev/kvm` exists and can be opened read-write.
///
/// # Errors
/// [`HarnessError::KvmUnavailable`] saying why, and to use TCG.
pub fn check_kvm() -> Result<(), HarnessError> {
    let dev = Path::new("/dev/kvm");
    if !dev.exists() {
        return Err(HarnessError::KvmUnavailable(
            "--accel kvm: /dev/kvm does not exist (no KVM on this machine); use the default TCG"
                .to_string(),
        ));
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(dev)
        .map(drop)
        .map_err(|e| {
            HarnessError::KvmUnavailable(format!(
                "--accel kvm: cannot open /dev/kvm: {e}; use the default TCG"
            ))
        })
}

/// Where the guest's serial console goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// `-serial stdio`, read by the harness through a pipe.
    Captured,
    /// `-serial mon:stdio` on the user's terminal (Ctrl-A X quits, Ctrl-A C is the monitor).
    Interactive,
}

/// A QEMU command line following the kernel contract, built field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuCommand {
    qemu: PathBuf,
    kernel: PathBuf,
    cmdline: String,
    initrd: Option<PathBuf>,
    accel: Accel,
    memory_mib: u32,
    extra: Vec<OsString>,
}

impl QemuCommand {
    /// `qemu` boots `kernel` with TCG, 256 MiB and an empty command line.
    pub fn new(qemu: impl Into<PathBuf>, kernel: impl Into<PathBuf>) -> Self {
        Self {
            qemu: qemu.into(),
            kernel: kernel.into(),
            cmdline: String::new(),
            initrd: None,
            accel: Accel::Tcg,
            memory_mib: DEFAULT_MEMORY_MIB,
            extra: Vec::new(),
        }
    }

    /// The kernel command line (`-append`); empty means none.
    pub fn cmdline(mut self, cmdline: impl Into<String>) -> Self {
        self.cmdline = cmdline.into();
        self
    }

    /// An initrd (`-initrd`).
    pub fn initrd(mut self, initrd: impl Into<PathBuf>) -> Self {
        self.initrd = Some(initrd.into());
        self
    }

    pub fn accel(mut self, accel: Accel) -> Self {
        self.accel = accel;
        self
    }

    pub fn memory_mib(mut self, mib: u32) -> Self {
        self.memory_mib = mib;
        self
    }

    /// One more argument, appended after the contract's arguments.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.extra.push(arg.into());
        self
    }

    /// More arguments, appended after the contract's arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.extra.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn get_accel(&self) -> Accel {
        self.accel
    }

    pub fn get_cmdline(&self) -> &str {
        &self.cmdline
    }

    /// The arguments after the program name.
    pub fn to_args(&self, console: Console) -> Vec<OsString> {
        let (cpu, accel) = match self.accel {
            Accel::Tcg => ("max", "tcg"),
            Accel::Kvm => ("host", "kvm"),
        };
        let serial = match console {
            Console::Captured => "stdio",
            Console::Interactive => "mon:stdio",
        };
        let mut args: Vec<OsString> = [
            "-M",
            "q35",
            "-cpu",
            cpu,
            "-m",
            &format!("{}M", self.memory_mib),
            "-smp",
            "1",
            "-accel",
            accel,
            "-display",
            "none",
            "-no-reboot",
            "-monitor",
            "none",
            "-serial",
            serial,
            "-device",
            "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.push("-kernel".into());
        args.push(self.kernel.clone().into());
        if !self.cmdline.is_empty() {
            args.push("-append".into());
            args.push(self.cmdline.clone().into());
        }
        if let Some(initrd) = &self.initrd {
            args.push("-initrd".into());
            args.push(initrd.clone().into());
        }
        args.extend(self.extra.iter().cloned());
        args
    }

    /// A [`Command`] for this run; stdio is left to the caller.
    pub fn command(&self, console: Console) -> Command {
        let mut cmd = Command::new(&self.qemu);
        cmd.args(self.to_args(console));
        cmd
    }

    /// The command line as a shell would take it, for logs and error messages.
    pub fn display(&self, console: Console) -> String {
        std::iter::once(self.qemu.as_os_str().to_owned())
            .chain(self.to_args(console))
            .map(|a| shell_quote(&a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn prepare(&self) -> Result<(), HarnessError> {
        if self.accel == Accel::Kvm {
            check_kvm()?;
        }
        Ok(())
    }

    fn spawn(&self, mut cmd: Command) -> Result<RunningQemu, HarnessError> {
        let child = cmd
            .spawn()
            .map_err(|e| HarnessError::io(format!("starting {}", self.qemu.display()), e))?;
        Ok(RunningQemu::new(child))
    }

    /// Boots with the serial console captured, collecting lines until QEMU exits or the
    /// timeout expires (then QEMU is killed and the exit is [`ExitKind::Timeout`]).
    ///
    /// # Errors
    /// When KVM was asked for and is unusable, or QEMU cannot be started.
    pub fn run(&self, opts: &RunOptions) -> Result<RunOutcome, HarnessError> {
        self.run_with(opts, &mut |_| {})
    }

    /// [`Self::run`], calling `on_line` with each serial line as it arrives.
    ///
    /// # Errors
    /// As [`Self::run`].
    pub fn run_with(
        &self,
        opts: &RunOptions,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<RunOutcome, HarnessError> {
        self.run_inner(opts, false, &mut |line| {
            on_line(line);
            None
        })
    }

    /// [`Self::run`] as a conversation on the serial console: after each line the
    /// guest prints, `respond` may give bytes to type into the console (its input).
    ///
    /// # Errors
    /// As [`Self::run`].
    pub fn run_conversation(
        &self,
        opts: &RunOptions,
        respond: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<RunOutcome, HarnessError> {
        self.run_inner(opts, true, respond)
    }

    fn run_inner(
        &self,
        opts: &RunOptions,
        typed_input: bool,
        on_line: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<RunOutcome, HarnessError> {
        self.prepare()?;
        let mut cmd = self.command(Console::Captured);
        cmd.stdin(if typed_input {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let start = Instant::now();
        let mut qemu = self.spawn(cmd)?;
        let mut input = qemu.child_mut().stdin.take();
        let (line_tx, line_rx) = mpsc::channel();
        let (err_tx, err_rx) = mpsc::channel();
        if let Some(out) = qemu.child_mut().stdout.take() {
            thread::spawn(move || read_lines(out, &line_tx));
        }
        if let Some(err) = qemu.child_mut().stderr.take() {
            thread::spawn(move || read_lines(err, &err_tx));
        }

        let deadline = start + opts.timeout;
        let first_deadline = opts.first_output_timeout.map(|t| (start + t).min(deadline));
        let mut lines = Vec::new();
        let mut timed_out = None;
        loop {
            let limit = match first_deadline {
                Some(first) if lines.is_empty() => first,
                _ => deadline,
            };
            let now = Instant::now();
            if now >= limit {
                timed_out = Some(limit - start);
                break;
            }
            match line_rx.recv_timeout(limit - now) {
                Ok(line) => {
                    opts.echo.line(&line);
                    if let Some(bytes) = on_line(&line)
                        && let Some(stdin) = input.as_mut()
                    {
                        // A guest that stopped reading is seen by its exit, not here.
                        let _ = stdin.write_all(&bytes).and_then(|()| stdin.flush());
                    }
                    lines.push(line);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }

        let exit = match timed_out {
            Some(after) => {
                qemu.kill();
                ExitKind::Timeout(after)
            }
            None => match qemu
                .wait_until(deadline)
                .map_err(|e| HarnessError::io("waiting for QEMU", e))?
            {
                Some(status) => ExitKind::from_status(status),
                None => {
                    qemu.kill();
                    ExitKind::Timeout(opts.timeout)
                }
            },
        };
        drop(input);
        drop(qemu);
        let drain_until = Instant::now() + DRAIN_GRACE;
        for line in drain(&line_rx, drain_until) {
            opts.echo.line(&line);
            on_line(&line);
            lines.push(line);
        }
        let stderr = drain(&err_rx, drain_until);
        for line in &stderr {
            opts.echo.qemu_stderr(line);
        }

        let note = (self.accel == Accel::Kvm
            && !matches!(exit, ExitKind::Success | ExitKind::Failure))
        .then(|| KVM_NOTE.to_string());
        let crash = parse_crash(&lines);
        Ok(RunOutcome {
            lines,
            stderr,
            exit,
            elapsed: start.elapsed(),
            crash,
            note,
        })
    }

    /// Boots with the serial console on the user's terminal (stdin inherited) and waits
    /// for QEMU to exit. With `first_output_timeout`, the guest's output is relayed through
    /// the harness and QEMU is stopped (returning [`ExitKind::Timeout`]) if nothing comes
    /// in time; use it for KVM, which may hang here.
    ///
    /// # Errors
    /// When KVM was asked for and is unusable, or QEMU cannot be started or waited for.
    pub fn run_interactive(
        &self,
        first_output_timeout: Option<Duration>,
    ) -> Result<ExitKind, HarnessError> {
        self.prepare()?;
        let mut cmd = self.command(Console::Interactive);
        let waiting = |e| HarnessError::io("waiting for QEMU", e);
        let Some(limit) = first_output_timeout else {
            let mut qemu = self.spawn(cmd)?;
            return qemu.wait().map(ExitKind::from_status).map_err(waiting);
        };
        cmd.stdout(Stdio::piped());
        let mut qemu = self.spawn(cmd)?;
        qemu.graceful = true;
        let (tx, rx) = mpsc::channel();
        if let Some(out) = qemu.child_mut().stdout.take() {
            thread::spawn(move || relay(out, &tx));
        }
        match rx.recv_timeout(limit) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                qemu.wait().map(ExitKind::from_status).map_err(waiting)
            }
            Err(RecvTimeoutError::Timeout) => {
                qemu.kill();
                Ok(ExitKind::Timeout(limit))
            }
        }
    }
}

fn shell_quote(arg: &OsStr) -> String {
    let s = arg.to_string_lossy();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Splits `input` into lines (`\n`, `\r\n`, stray `\r`s at the end tolerated; invalid UTF-8
/// replaced) and sends them until EOF or the receiver is gone.
fn read_lines(input: impl Read, tx: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(input);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                if tx
                    .send(line.trim_end_matches(['\r', '\n']).to_string())
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// Copies `input` to our stdout as it comes, telling `first` when the first bytes arrive.
fn relay(mut input: impl Read, first: &mpsc::Sender<()>) {
    let mut buf = [0u8; 4096];
    let mut told = false;
    loop {
        match input.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut out = io::stdout().lock();
                // The terminal going away is no reason to stop QEMU's output being drained.
                let _ = out.write_all(&buf[..n]).and_then(|()| out.flush());
                if !told {
                    told = true;
                    let _ = first.send(());
                }
            }
        }
    }
}

/// What is left in `rx`, waiting until its senders are gone or `until`.
fn drain(rx: &mpsc::Receiver<String>, until: Instant) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let Some(left) = until.checked_duration_since(Instant::now()) else {
            return out;
        };
        match rx.recv_timeout(left) {
            Ok(line) => out.push(line),
            Err(_) => return out,
        }
    }
}

/// Where the serial lines of a captured run are echoed live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Echo {
    #[default]
    Quiet,
    Stdout,
    Stderr,
}

impl Echo {
    fn line(self, line: &str) {
        match self {
            Self::Quiet => {}
            Self::Stdout => println!("{line}"),
            Self::Stderr => eprintln!("{line}"),
        }
    }

    fn qemu_stderr(self, line: &str) {
        if self != Self::Quiet {
            eprintln!("qemu: {line}");
        }
    }
}

/// Limits and echo of a captured run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Overall limit; QEMU is killed when it expires.
    pub timeout: Duration,
    /// If set, the limit for the first serial line.
    pub first_output_timeout: Option<Duration>,
    pub echo: Echo,
}

impl RunOptions {
    /// `timeout` overall, no first-output limit, quiet.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            first_output_timeout: None,
            echo: Echo::Quiet,
        }
    }

    /// `timeout` overall, plus [`KVM_FIRST_OUTPUT_TIMEOUT`] for the first line with KVM.
    pub fn for_accel(accel: Accel, timeout: Duration) -> Self {
        let first = (accel == Accel::Kvm).then_some(KVM_FIRST_OUTPUT_TIMEOUT);
        Self {
            first_output_timeout: first,
            ..Self::new(timeout)
        }
    }

    pub fn echo(mut self, echo: Echo) -> Self {
        self.echo = echo;
        self
    }
}

/// A running QEMU that is killed (and reaped) when dropped.
#[derive(Debug)]
pub struct RunningQemu {
    child: Child,
    finished: bool,
    /// Ask with SIGTERM before SIGKILL, so QEMU can restore the user's terminal.
    pub graceful: bool,
}

impl RunningQemu {
    pub fn new(child: Child) -> Self {
        Self {
            child,
            finished: false,
            graceful: false,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Blocks until QEMU exits.
    ///
    /// # Errors
    /// When waiting fails.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.child.wait()?;
        self.finished = true;
        Ok(status)
    }

    /// Waits until QEMU exits or `deadline` passes (`Ok(None)`).
    ///
    /// # Errors
    /// When polling the child fails.
    pub fn wait_until(&mut self, deadline: Instant) -> io::Result<Option<ExitStatus>> {
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.finished = true;
                return Ok(Some(status));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            thread::sleep((deadline - now).min(Duration::from_millis(10)));
        }
    }

    /// Stops QEMU (SIGTERM first when [`Self::graceful`], then SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        if self.finished {
            return;
        }
        if self.graceful {
            let asked = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if asked && matches!(self.wait_until(Instant::now() + TERM_GRACE), Ok(Some(_))) {
                return;
            }
        }
        // Fails only if it already exited, which the wait below settles.
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.finished = true;
    }
}

impl Drop for RunningQemu {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn contract_command_line() {
        let cmd = QemuCommand::new("/usr/bin/qemu-system-x86_64", "/t/debug/nymph")
            .cmdline("nymph.test=all");
        assert_eq!(
            strings(&cmd.to_args(Console::Captured)).join(" "),
            "-M q35 -cpu max -m 256M -smp 1 -accel tcg -display none -no-reboot -monitor none \
             -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel /t/debug/nymph \
             -append nymph.test=all"
        );
        assert_eq!(
            cmd.display(Console::Captured)
                .rsplit_once(" -kernel ")
                .unwrap()
                .1,
            "/t/debug/nymph -append nymph.test=all"
        );
    }

    #[test]
    fn kvm_initrd_memory_extra_and_interactive() {
        let cmd = QemuCommand::new("q", "k")
            .accel(Accel::Kvm)
            .memory_mib(512)
            .initrd("/i.cpio")
            .cmdline("a b")
            .args(["-s", "-S"]);
        let args = strings(&cmd.to_args(Console::Interactive)).join(" ");
        assert!(
            args.contains("-cpu host -m 512M -smp 1 -accel kvm"),
            "{args}"
        );
        assert!(args.contains("-serial mon:stdio"), "{args}");
        assert!(
            args.ends_with("-kernel k -append a b -initrd /i.cpio -s -S"),
            "{args}"
        );
        assert!(cmd.display(Console::Captured).contains("-append 'a b'"));
        let no_cmdline = strings(&QemuCommand::new("q", "k").to_args(Console::Captured));
        assert!(!no_cmdline.iter().any(|a| a == "-append"));
    }

    #[test]
    fn accel_parses() {
        assert_eq!("tcg".parse(), Ok(Accel::Tcg));
        assert_eq!("kvm".parse(), Ok(Accel::Kvm));
        assert!("hvf".parse::<Accel>().is_err());
        assert_eq!(
            RunOptions::for_accel(Accel::Kvm, Duration::from_secs(60)).first_output_timeout,
            Some(KVM_FIRST_OUTPUT_TIMEOUT)
        );
        assert_eq!(
            RunOptions::for_accel(Accel::Tcg, Duration::from_secs(60)).first_output_timeout,
            None
        );
    }

    #[test]
    fn lines_tolerate_both_endings() {
        let (tx, rx) = mpsc::channel();
        read_lines(&b"a\r\nb\nc\r\r\nlast"[..], &tx);
        drop(tx);
        assert_eq!(rx.iter().collect::<Vec<_>>(), ["a", "b", "c", "last"]);
    }

    /// A script standing in for QEMU (it ignores QEMU's arguments), removed when dropped.
    struct FakeQemu {
        dir: PathBuf,
        script: PathBuf,
    }

    impl FakeQemu {
        fn new(name: &str, body: &str) -> Self {
            let dir =
                env::temp_dir().join(format!("nymph-harness-test-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let script = dir.join("fake-qemu");
            std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
            Self { dir, script }
        }

        fn run_with(&self, opts: &RunOptions, on_line: &mut dyn FnMut(&str)) -> RunOutcome {
            let cmd = QemuCommand::new(&self.script, "k");
            // Another test thread's fork may briefly hold the script open for writing
            // (ETXTBSY, errno 26) just after it was written: try again.
            for _ in 0..50 {
                match cmd.run_with(opts, on_line) {
                    Err(HarnessError::Io { source, .. }) if source.raw_os_error() == Some(26) => {
                        thread::sleep(Duration::from_millis(20));
                    }
                    other => return other.unwrap(),
                }
            }
            panic!("{} stayed busy", self.script.display());
        }

        fn run(&self, opts: &RunOptions) -> RunOutcome {
            self.run_with(opts, &mut |_| {})
        }
    }

    impl Drop for FakeQemu {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn run_collects_lines_and_classifies_exit() {
        let fake = FakeQemu::new(
            "ok",
            r"printf 'Nymph 0.1\r\nKTEST plan 0\nno newline'; echo oops >&2; exit 33",
        );
        let opts = RunOptions::new(Duration::from_secs(20));
        let mut seen = Vec::new();
        let out = fake.run_with(&opts, &mut |l| seen.push(l.to_string()));
        assert_eq!(out.exit, ExitKind::Success);
        assert_eq!(out.lines, ["Nymph 0.1", "KTEST plan 0", "no newline"]);
        assert_eq!(seen, out.lines);
        assert_eq!(out.stderr, ["oops"]);
        assert!(out.note.is_none());
        assert_eq!(
            FakeQemu::new("fail", "exit 35").run(&opts).exit,
            ExitKind::Failure
        );
        assert_eq!(
            FakeQemu::new("died", "exit 0").run(&opts).exit,
            ExitKind::Died(0)
        );
        assert_eq!(
            FakeQemu::new("sig", "kill -9 $$").run(&opts).exit,
            ExitKind::KilledBySignal(9)
        );
    }

    #[test]
    fn run_times_out_and_kills() {
        let fake = FakeQemu::new("hang", "echo spinning; exec sleep 30");
        let start = Instant::now();
        let out = fake.run(&RunOptions::new(Duration::from_millis(500)));
        assert_eq!(out.exit, ExitKind::Timeout(Duration::from_millis(500)));
        assert_eq!(out.lines, ["spinning"]);
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn first_output_timeout_applies_only_before_output() {
        let opts = RunOptions {
            first_output_timeout: Some(Duration::from_millis(300)),
            ..RunOptions::new(Duration::from_secs(20))
        };
        let out = FakeQemu::new("silent", "exec sleep 30").run(&opts);
        assert_eq!(out.exit, ExitKind::Timeout(Duration::from_millis(300)));
        let out = FakeQemu::new("talks", "echo hi; sleep 1; exit 33").run(&opts);
        assert_eq!(out.exit, ExitKind::Success);
    }

    #[test]
    fn guard_kills_on_drop() {
        let child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id();
        drop(RunningQemu::new(child));
        let alive = Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(!alive.success(), "pid {pid} still alive");
    }
}
