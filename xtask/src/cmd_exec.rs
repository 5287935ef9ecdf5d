//! `cargo xtask exec -- /guest/path ARGS...`: run one program in Nymph and behave like
//! it: its output on stdout, the kernel log on stderr only with `--verbose` (or in a
//! file), and its exit status as ours (128 + the signal's number in its ABI when it was
//! killed). Its
//! descriptors 1 and 2 are a terminal (the console) when our stdout is one, else pipes
//! the kernel empties to two virtio consoles, whose bytes become our stdout and stderr; its
//! descriptor 0 is the console when our stdin is a terminal, else a pipe carrying all
//! of our input, then end of file.
//!
//! The guest's root is the base every image has (/tmp, /var/tmp, /root and the default
//! /etc: see `default_image::add_base`), then `images/rootfs` when present, with each
//! `--root DIR` laid over it. The program becomes init; its arguments travel in a file
//! of the initrd (`nymph.initargs=`), so they may hold any bytes but NUL. The kernel log
//! goes to the second serial port, so nothing of the kernel's mixes into stdout.
//! With `--trace` the kernel traces the program and everything it starts
//! (`nymph.trace=init`), and the `[trace]` lines of the log are printed on stderr.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use nymph_harness::{
    Accel, Echo, ExitKind, Profile, QemuCommand, RunOptions, Workspace, check_kvm, ensure_qemu,
};
use nymph_images::etc::FREEBSD4_ROOT;
use nymph_images::{Image, init_args};

use crate::args::ExecArgs;

/// Where the program's arguments go in the guest.
const ARGS_FILE: &str = "/etc/nymph/exec.args";
/// Where its input goes, when it comes through a pipe (`nymph.stdin=`).
const STDIN_FILE: &str = "/etc/nymph/exec.stdin";
/// The most input taken for a piped standard input.
const MAX_STDIN: u64 = 64 << 20;
/// What the program's environment is.
const ENVIRONMENT: [&str; 3] = ["PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/", "TERM=vt100"];
/// Exit status when the harness, not the program, failed (as `env` and shells use 125+).
const STATUS_HARNESS: u8 = 125;
const STATUS_NOT_EXECUTABLE: u8 = 126;
const STATUS_NOT_FOUND: u8 = 127;
/// The least memory left beside the image: the initrd stays in memory for the whole
/// run (its files are the root's), and the kernel and the program need the rest.
const MEMORY_BESIDE_IMAGE_MIB: u64 = 192;
/// The most memory the kernel uses: it runs in memory below 4 GiB, and QEMU's q35
/// puts no more than this there (more goes above 4 GiB, where it lies unused).
const MEMORY_MAX_MIB: u64 = 2815;
/// The PCI slot of the first virtio console (init's standard output), the next one
/// the second (its standard error): past the slots q35 and QEMU fill themselves.
const VIRTIO_CONSOLE_SLOT: usize = 0x10;

/// Where the program's descriptors 1 and 2 go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdio {
    /// The console, a terminal (its output is read line by line).
    Console,
    /// Pipes the kernel empties to two virtio consoles (`nymph.stdio=ports`), whose bytes
    /// become the run's stdout and stderr exactly: what a program sees under a shell's
    /// pipe, as when a harness captures its output.
    Pipes,
}

impl std::str::FromStr for Stdio {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tty" => Ok(Stdio::Console),
            "pipe" => Ok(Stdio::Pipes),
            other => Err(format!("--stdio takes tty or pipe, not `{other}`")),
        }
    }
}

/// How a program run in the guest ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecStatus {
    Exited(u8),
    /// Killed by the signal the kernel names, with its number in the program's ABI
    /// when the kernel says it (a FreeBSD-4 SIGBUS is 10, where Linux's is 7).
    Signaled {
        name: String,
        number: Option<u8>,
    },
    /// A process ended the machine (a reboot call): how, as the kernel's
    /// `NYMPH shutdown by pid N: HOW` line says, and QEMU left with success.
    Shutdown {
        pid: u32,
        how: String,
    },
    /// The kernel could not start it (no such file, no personality...).
    NotStarted {
        error: String,
    },
    /// The kernel died or QEMU stopped without the kernel saying how init ended.
    KernelFailed(String),
}

impl ExecStatus {
    /// The status a shell would report for it.
    pub fn code(&self) -> u8 {
        match self {
            ExecStatus::Exited(c) => *c,
            ExecStatus::Signaled { name, number } => {
                128u8.saturating_add(number.unwrap_or_else(|| signal_number(name)))
            }
            // The machine was ended on purpose, cleanly: as a shell sees `reboot`.
            ExecStatus::Shutdown { .. } => 0,
            ExecStatus::NotStarted { error } if error.contains("NotFound") => STATUS_NOT_FOUND,
            ExecStatus::NotStarted { .. } => STATUS_NOT_EXECUTABLE,
            ExecStatus::KernelFailed(_) => STATUS_HARNESS,
        }
    }
}

/// The host's (Linux) number for a signal the kernel names, for 128 + N when the kernel
/// gives none of the program's ABI.
fn signal_number(name: &str) -> u8 {
    match name {
        "Hup" => 1,
        "Int" => 2,
        "Quit" => 3,
        "Ill" => 4,
        "Trap" => 5,
        "Abrt" => 6,
        "Bus" => 7,
        "Fpe" => 8,
        "Kill" => 9,
        "Usr1" => 10,
        "Segv" => 11,
        "Usr2" => 12,
        "Pipe" => 13,
        "Alrm" => 14,
        "Term" => 15,
        "Chld" => 17,
        "Cont" => 18,
        "Stop" => 19,
        "Tstp" => 20,
        "Ttin" => 21,
        "Ttou" => 22,
        "Urg" => 23,
        "Xcpu" => 24,
        "Xfsz" => 25,
        "Vtalrm" => 26,
        "Prof" => 27,
        "Winch" => 28,
        "Io" => 29,
        "Sys" => 31,
        _ => 0,
    }
}

/// What one run produced.
#[derive(Debug)]
pub struct ExecOutcome {
    /// The console's lines.
    pub stdout: Vec<String>,
    /// With [`Stdio::Pipes`], the bytes of descriptors 1 and 2 (empty otherwise).
    pub piped: (Vec<u8>, Vec<u8>),
    pub kernel_log: String,
    pub status: ExecStatus,
}

/// What a trace line of the kernel log starts with.
pub const TRACE_PREFIX: &str = "[trace] ";

impl ExecOutcome {
    /// The syscall-trace lines of the kernel log (`[trace] PID ABI call = result`).
    pub fn trace_lines(&self) -> Vec<&str> {
        trace_lines(&self.kernel_log)
    }
}

fn trace_lines(log: &str) -> Vec<&str> {
    log.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.starts_with(TRACE_PREFIX))
        .collect()
}

/// Reads how init ended from the kernel log's structured line (or how a process ended
/// the machine before it).
fn status_from_log(log: &str) -> Option<ExecStatus> {
    log.lines().rev().find_map(|line| {
        let rest = line.trim_end_matches('\r');
        if let Some(what) = rest.strip_prefix("NYMPH shutdown by pid ") {
            let (pid, how) = what.split_once(": ")?;
            return Some(ExecStatus::Shutdown {
                pid: pid.trim().parse().ok()?,
                how: how.trim().to_string(),
            });
        }
        if let Some(code) = rest.strip_prefix("NYMPH init-exit code=") {
            return code.trim().parse().ok().map(ExecStatus::Exited);
        }
        if let Some(sig) = rest.strip_prefix("NYMPH init-exit signal=") {
            let mut words = sig.split_whitespace();
            let name = words.next().unwrap_or("").to_string();
            let number = words
                .find_map(|w| w.strip_prefix("number="))
                .and_then(|n| n.parse().ok())
                .filter(|&n| n > 0);
            return Some(ExecStatus::Signaled { name, number });
        }
        rest.strip_prefix("NYMPH init-failed ")
            .map(|what| ExecStatus::NotStarted {
                error: what.to_string(),
            })
    })
}

/// A host tree to lay over the guest's root: `--root DIR` (at "/") or
/// `--root DIR:/guest/dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootSpec {
    pub dir: PathBuf,
    /// The guest directory the tree's top becomes.
    pub at: String,
}

impl std::str::FromStr for RootSpec {
    type Err = String;
    /// `DIR`, or `DIR:/guest/dir` (split at the last colon followed by a slash, so a
    /// host path may hold colons of its own).
    fn from_str(s: &str) -> Result<Self, String> {
        let (dir, at) = match s.rfind(":/") {
            Some(i) if i > 0 => (&s[..i], &s[i + 1..]),
            _ => (s, "/"),
        };
        if at.split('/').any(|c| c == "..") {
            return Err(format!(
                "--root {s}: the guest directory may not contain .."
            ));
        }
        Ok(RootSpec {
            dir: dir.into(),
            at: at.to_string(),
        })
    }
}

/// What [`run_program`] and its kin take as roots: plain directories (laid at "/")
/// or [`RootSpec`]s.
pub trait Root {
    fn dir(&self) -> &Path;
    fn at(&self) -> &str {
        "/"
    }
}

impl Root for PathBuf {
    fn dir(&self) -> &Path {
        self
    }
}

impl Root for RootSpec {
    fn dir(&self) -> &Path {
        &self.dir
    }
    fn at(&self) -> &str {
        &self.at
    }
}

/// The path to start `path` from: itself, or, when the image has nothing there but has
/// it under the FreeBSD-4 prefix, that file, as a 4.x shell's exec of the same path
/// would find it (argv[0] stays as given).
fn init_path(image: &Image, path: &str) -> String {
    let prefixed = format!("{FREEBSD4_ROOT}{path}");
    if image.get(path).is_none() && image.get(&prefixed).is_some() {
        prefixed
    } else {
        path.to_string()
    }
}

/// The scratch directories both userlands share: a 4.x tree laid at the 4.x prefix
/// leaves its own out, or a 4.x program's new /tmp file would be made in the tree's
/// (the personality makes a new name in the prefix's directory when there is one) and
/// a native program would not find it.
const SHARED_SCRATCH: [&str; 2] = ["tmp", "var/tmp"];

/// Lays `roots` over `image`, each where it says.
pub fn add_roots(image: &mut Image, roots: &[impl Root]) -> crate::Result<()> {
    for root in roots {
        image
            .add_tree_at(root.dir(), root.at())
            .map_err(|e| format!("--root {}: {e}", root.dir().display()))?;
        if root.at().trim_end_matches('/') == FREEBSD4_ROOT {
            for dir in SHARED_SCRATCH {
                image.remove_tree(&format!("{FREEBSD4_ROOT}/{dir}"));
            }
        }
    }
    Ok(())
}

/// Assembles the guest root for `argv` from `roots`, with `input` for a piped stdin.
pub fn build_image(
    workspace_root: &Path,
    roots: &[impl Root],
    argv: &[String],
    input: Option<&[u8]>,
) -> crate::Result<Image> {
    let mut image = Image::new();
    crate::default_image::add_base(&mut image)?;
    let default_root = workspace_root.join("images/rootfs");
    if default_root.is_dir() {
        image.add_tree(&default_root)?;
    }
    add_roots(&mut image, roots)?;
    let env: Vec<String> = ENVIRONMENT.iter().map(|s| s.to_string()).collect();
    image.add_file(ARGS_FILE, 0o644, init_args(argv, &env));
    if let Some(bytes) = input {
        image.add_file(STDIN_FILE, 0o644, bytes.to_vec());
    }
    Ok(image)
}

/// A kernel to run programs in: where it is and how to boot it.
#[derive(Debug)]
pub struct Guest<'a> {
    pub ws: &'a Workspace,
    pub elf: &'a Path,
    pub qemu: &'a Path,
    pub accel: Accel,
    pub timeout: Duration,
    /// The guest's memory in MiB (None: [`guest_memory_mib`]'s choice for the image).
    pub memory_mib: Option<u32>,
}

/// The memory to boot an image of `image_bytes` with: `requested` if given, else
/// 256 MiB or, for a large image (a whole 4.x root given with `--root`), the image and
/// 192 MiB beside it. Refused when the image leaves too little of it, or needs more
/// than the kernel can use.
pub fn guest_memory_mib(image_bytes: u64, requested: Option<u32>) -> crate::Result<u32> {
    let image_mib = image_bytes.div_ceil(1 << 20);
    let least = image_mib + 64;
    let memory = match requested {
        Some(m) if u64::from(m) < least => {
            return Err(format!(
                "--memory {m}: the image (the base, images/rootfs and every --root) takes \
                 {image_mib} MiB of guest memory for the whole run; give at least {least}"
            )
            .into());
        }
        Some(m) => u64::from(m),
        // A small image gets what every other boot gets.
        None => u64::from(nymph_harness::qemu::DEFAULT_MEMORY_MIB)
            .max(image_mib + MEMORY_BESIDE_IMAGE_MIB),
    };
    if memory > MEMORY_MAX_MIB {
        return Err(format!(
            "the guest would need {memory} MiB (the image is {image_mib} MiB and stays in \
             memory); Nymph uses at most {MEMORY_MAX_MIB} MiB: give --root a smaller tree"
        )
        .into());
    }
    Ok(memory as u32)
}

/// Runs `argv` (argv[0] is the guest path) in a freshly booted Nymph.
pub fn run_program(
    guest: &Guest<'_>,
    roots: &[impl Root],
    argv: &[String],
    on_output: &mut dyn FnMut(&str),
) -> crate::Result<ExecOutcome> {
    run_program_traced(guest, roots, argv, false, on_output)
}

/// [`run_program`], with the program's system calls traced when `trace` is set.
pub fn run_program_traced(
    guest: &Guest<'_>,
    roots: &[impl Root],
    argv: &[String],
    trace: bool,
    on_output: &mut dyn FnMut(&str),
) -> crate::Result<ExecOutcome> {
    run_program_with(guest, roots, argv, trace, Stdio::Console, None, on_output)
}

/// [`run_program_traced`], with the program's descriptors 1 and 2 where `stdio` says,
/// and descriptor 0 a pipe carrying `input` (then its end) when given.
pub fn run_program_with(
    guest: &Guest<'_>,
    roots: &[impl Root],
    argv: &[String],
    trace: bool,
    stdio: Stdio,
    input: Option<&[u8]>,
    on_output: &mut dyn FnMut(&str),
) -> crate::Result<ExecOutcome> {
    let Guest {
        ws,
        elf,
        qemu,
        accel,
        timeout,
        memory_mib,
    } = *guest;
    let path = argv.first().ok_or("no program given")?;
    if !path.starts_with('/') {
        return Err(format!("the program must be an absolute guest path, not `{path}`").into());
    }
    let image = build_image(&ws.root, roots, argv, input)?;
    let path = &init_path(&image, path);
    let dir = ws.target_dir.join("nymph-exec");
    std::fs::create_dir_all(&dir)?;
    // Two runs at once (a fuzz run and an abi-test, say) would overwrite each other's
    // image and kernel log, and one would then misreport how the other's guest ended:
    // the second waits for the first. The lock goes with the file when this returns.
    let lock = std::fs::File::create(dir.join("lock"))?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        eprintln!("xtask: waiting for another run using {}", dir.display());
        lock.lock()?;
    }
    let initrd = dir.join("initrd.cpio");
    let cpio = image.to_cpio();
    let memory_mib = guest_memory_mib(cpio.len() as u64, memory_mib)?;
    std::fs::write(&initrd, cpio)?;
    let log_path = dir.join("kernel.log");
    let _ = std::fs::remove_file(&log_path);
    let mut cmdline =
        format!("init={path} nymph.initargs={ARGS_FILE} nymph.log=com2 loglevel=info");
    if trace {
        cmdline.push_str(" nymph.trace=init");
    }
    let piped_paths = [dir.join("stdout.bin"), dir.join("stderr.bin")];
    if input.is_some() {
        cmdline.push_str(&format!(" nymph.stdin={STDIN_FILE}"));
    }
    if stdio == Stdio::Console {
        cmdline.push_str(&terminal_window_arg());
    }
    if stdio == Stdio::Pipes {
        cmdline.push_str(" nymph.stdio=ports");
        for p in &piped_paths {
            let _ = std::fs::remove_file(p);
        }
    }
    let mut cmd = QemuCommand::new(qemu, elf)
        .accel(accel)
        .memory_mib(memory_mib)
        .cmdline(cmdline)
        .initrd(&initrd)
        .arg("-serial")
        .arg(format!("file:{}", log_path.display()));
    if stdio == Stdio::Pipes {
        for (i, p) in piped_paths.iter().enumerate() {
            cmd = cmd.args(virtio_console_args(i, p));
        }
    }
    let opts = RunOptions::for_accel(accel, timeout).echo(Echo::Quiet);
    let outcome = cmd.run_with(&opts, on_output)?;
    let kernel_log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let status = match status_from_log(&kernel_log) {
        // A shutdown line is believed only if QEMU was left the way it says.
        Some(ExecStatus::Shutdown { .. }) if outcome.exit != ExitKind::Success => {
            ExecStatus::KernelFailed(format!(
                "the kernel logged a shutdown, but QEMU ended: {}",
                outcome.exit
            ))
        }
        Some(status) => status,
        None => {
            let why = match &outcome.crash {
                Some(crash) => format!("the kernel crashed: {crash:?}"),
                None => match outcome.exit {
                    ExitKind::Timeout(after) => {
                        format!("the program did not finish within {} s", after.as_secs())
                    }
                    // QEMU refusing to start says why only on its stderr.
                    other if kernel_log.is_empty() && !outcome.stderr.is_empty() => {
                        format!(
                            "QEMU did not boot the kernel ({other}): {}",
                            outcome.stderr.join("; ")
                        )
                    }
                    other => {
                        format!("the kernel stopped without reporting how init ended ({other})")
                    }
                },
            };
            ExecStatus::KernelFailed(why)
        }
    };
    let read = |p: &PathBuf| std::fs::read(p).unwrap_or_default();
    let piped = match stdio {
        Stdio::Pipes => (read(&piped_paths[0]), read(&piped_paths[1])),
        Stdio::Console => (Vec::new(), Vec::new()),
    };
    Ok(ExecOutcome {
        stdout: outcome.lines,
        piped,
        kernel_log,
        status,
    })
}

/// ` nymph.winsize=ROWSxCOLS` for the kernel command line when we have a controlling
/// terminal that knows its size (`stty size` on /dev/tty), so the guest's console has
/// the window its output lands in; else nothing (the console stays 24x80).
pub fn terminal_window_arg() -> String {
    let window = std::fs::File::open("/dev/tty").ok().and_then(|tty| {
        let out = std::process::Command::new("stty")
            .arg("size")
            .stdin(tty)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        parse_window(std::str::from_utf8(&out.stdout).ok()?)
    });
    window.map_or_else(String::new, |(rows, cols)| {
        format!(" nymph.winsize={rows}x{cols}")
    })
}

/// `stty size`'s "ROWS COLS", unless either is 0 (a terminal that does not know).
fn parse_window(text: &str) -> Option<(u16, u16)> {
    let mut words = text.split_whitespace().map(|w| w.parse::<u16>().ok());
    let (rows, cols) = (words.next()??, words.next()??);
    (rows > 0 && cols > 0 && words.next().is_none()).then_some((rows, cols))
}

/// QEMU arguments for virtio console `index` writing to the file `path`: a legacy
/// virtio-serial function (the kernel drives the legacy interface) with a console on
/// its port 0. The kernel takes them in slot order, so they get slots of their own.
fn virtio_console_args(index: usize, path: &Path) -> Vec<String> {
    let bus = format!("nymphout{index}");
    let chardev = format!("nymphoutc{index}");
    vec![
        "-device".into(),
        format!(
            "virtio-serial-pci,id={bus},disable-legacy=off,disable-modern=on,addr={:#x}",
            VIRTIO_CONSOLE_SLOT + index
        ),
        "-chardev".into(),
        format!("file,id={chardev},path={}", path.display()),
        "-device".into(),
        format!("virtconsole,chardev={chardev},bus={bus}.0"),
    ]
}

pub fn main(a: &ExecArgs) -> crate::Result<ExitCode> {
    if a.accel == Accel::Kvm {
        check_kvm()?;
    }
    let ws = Workspace::locate()?;
    let elf = ws.build_kernel(Profile::from_release_flag(a.release))?;
    let qemu = ensure_qemu()?;
    let guest = Guest {
        ws: &ws,
        elf: &elf,
        qemu: &qemu,
        accel: a.accel,
        timeout: a.timeout,
        memory_mib: a.memory_mib,
    };
    let stdio = a.stdio.unwrap_or(if std::io::stdout().is_terminal() {
        Stdio::Console
    } else {
        Stdio::Pipes
    });
    // Input that is not a terminal goes in whole, through a pipe, then end of file.
    let pipe_input = match a.stdio {
        Some(s) => s == Stdio::Pipes,
        None => !std::io::stdin().is_terminal(),
    };
    let input = if pipe_input {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_STDIN + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_STDIN {
            return Err(format!("standard input: more than {} MiB", MAX_STDIN >> 20).into());
        }
        Some(bytes)
    } else {
        None
    };
    let outcome = run_program_with(
        &guest,
        &a.roots,
        &a.argv,
        a.trace,
        stdio,
        input.as_deref(),
        &mut |line| println!("{line}"),
    )?;
    // The program's own bytes, after whatever reached the console.
    std::io::stdout().write_all(&outcome.piped.0)?;
    std::io::stdout().flush()?;
    std::io::stderr().write_all(&outcome.piped.1)?;
    if a.verbose {
        eprint!("{}", outcome.kernel_log.replace('\r', ""));
    } else if a.trace {
        for line in outcome.trace_lines() {
            eprintln!("{line}");
        }
    }
    match &outcome.status {
        ExecStatus::Exited(_) => {}
        ExecStatus::Shutdown { pid, how } => eprintln!("xtask: pid {pid} ended the machine: {how}"),
        ExecStatus::Signaled { name, .. } => {
            eprintln!("xtask: {} killed by SIG{}", a.argv[0], name.to_uppercase())
        }
        ExecStatus::NotStarted { error } if error.contains("NotFound") => {
            eprintln!("xtask: {}: no such file in the guest", a.argv[0]);
        }
        ExecStatus::NotStarted { error } if error.contains("NoPersonality") => eprintln!(
            "xtask: {}: no personality of this kernel runs this file ({error})",
            a.argv[0]
        ),
        ExecStatus::NotStarted { error } => eprintln!("xtask: cannot run {}: {error}", a.argv[0]),
        ExecStatus::KernelFailed(why) => eprintln!(
            "xtask: {why}; kernel log: {}",
            ws.target_dir.join("nymph-exec/kernel.log").display()
        ),
    }
    Ok(ExitCode::from(outcome.status.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_window_is_rows_then_columns_both_known() {
        assert_eq!(parse_window("50 132\n"), Some((50, 132)));
        assert_eq!(parse_window("0 0\n"), None);
        assert_eq!(parse_window("24\n"), None);
        assert_eq!(parse_window("24 80 1\n"), None);
        assert_eq!(parse_window("stty: not a tty"), None);
    }

    #[test]
    fn roots_go_at_the_top_or_at_a_guest_directory() {
        let spec = |s: &str| s.parse::<RootSpec>();
        let root = |dir: &str, at: &str| RootSpec {
            dir: dir.into(),
            at: at.into(),
        };
        assert_eq!(spec("/home/u/fb4"), Ok(root("/home/u/fb4", "/")));
        assert_eq!(
            spec("/home/u/fb4:/compat/freebsd4"),
            Ok(root("/home/u/fb4", "/compat/freebsd4"))
        );
        // A colon of the host path's own, not followed by a slash, stays in it.
        assert_eq!(spec("/a:b/c:/opt"), Ok(root("/a:b/c", "/opt")));
        assert_eq!(spec("rel:x"), Ok(root("rel:x", "/")));
        assert!(spec("/t:/compat/../etc").is_err());
    }

    #[test]
    fn a_4x_tree_leaves_the_shared_scratch_directories_out() {
        let t = std::env::temp_dir().join(format!("nymph-exec-scratch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        for d in ["tmp/old", "var/tmp", "var/run", "etc"] {
            std::fs::create_dir_all(t.join(d)).unwrap();
        }
        let mut image = Image::new();
        let at = |at: &str| RootSpec {
            dir: t.clone(),
            at: at.into(),
        };
        add_roots(&mut image, &[at("/compat/freebsd4")]).unwrap();
        assert_eq!(image.get("/compat/freebsd4/tmp"), None);
        assert_eq!(image.get("/compat/freebsd4/tmp/old"), None);
        assert_eq!(image.get("/compat/freebsd4/var/tmp"), None);
        assert!(image.get("/compat/freebsd4/var/run").is_some());
        // Anywhere else a tree is laid whole.
        add_roots(&mut image, &[at("/")]).unwrap();
        assert!(image.get("/tmp/old").is_some());
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn a_program_missing_at_its_path_starts_from_the_4x_tree() {
        let mut image = Image::new();
        image.add_file("/compat/freebsd4/bin/ls", 0o555, b"4.x".to_vec());
        image.add_file("/compat/freebsd4/bin/sh", 0o555, b"4.x".to_vec());
        image.add_file("/bin/sh", 0o555, b"native".to_vec());
        assert_eq!(init_path(&image, "/bin/ls"), "/compat/freebsd4/bin/ls");
        assert_eq!(init_path(&image, "/bin/sh"), "/bin/sh");
        assert_eq!(init_path(&image, "/bin/none"), "/bin/none");
    }

    #[test]
    fn memory_grows_with_a_large_image_only() {
        const MIB: u64 = 1 << 20;
        // Every image of the suite and the tests is small: they all get 256 MiB.
        assert_eq!(guest_memory_mib(11 * MIB, None).unwrap(), 256);
        assert_eq!(guest_memory_mib(64 * MIB, None).unwrap(), 256);
        // A whole 4.x tree: the image stays in memory, with 192 MiB beside it.
        assert_eq!(guest_memory_mib(400 * MIB + 1, None).unwrap(), 401 + 192);
        assert_eq!(guest_memory_mib(11 * MIB, Some(1024)).unwrap(), 1024);
        // Too little beside the image, or more than the kernel uses below 4 GiB.
        assert!(guest_memory_mib(400 * MIB, Some(256)).is_err());
        assert_eq!(guest_memory_mib(400 * MIB, Some(464)).unwrap(), 464);
        assert!(guest_memory_mib(11 * MIB, Some(4096)).is_err());
        assert!(guest_memory_mib(2700 * MIB, None).is_err());
    }

    #[test]
    fn statuses_come_from_the_structured_line() {
        assert_eq!(
            status_from_log("x\nNYMPH shutdown by pid 1: halt\r\n"),
            Some(ExecStatus::Shutdown {
                pid: 1,
                how: "halt".into()
            })
        );
        assert_eq!(
            status_from_log("x\nNYMPH init-exit code=3\r\n"),
            Some(ExecStatus::Exited(3))
        );
        let segv = |number| ExecStatus::Signaled {
            name: "Segv".into(),
            number,
        };
        assert_eq!(
            status_from_log("NYMPH init-exit signal=Segv core=true\n"),
            Some(segv(None))
        );
        // A FreeBSD-4 SIGBUS: the ABI's number, not the host's 7.
        let bus = status_from_log("NYMPH init-exit signal=Bus core=false number=10\n");
        assert_eq!(bus.as_ref().map(ExecStatus::code), Some(138));
        assert_eq!(status_from_log("[ 0.0] INFO boot\n"), None);
        let failed = status_from_log("NYMPH init-failed path=/x error=File(NotFound)\n");
        assert_eq!(failed.as_ref().map(ExecStatus::code), Some(127));
        assert_eq!(segv(None).code(), 139);
        assert_eq!(segv(Some(11)).code(), 139);
        assert_eq!(ExecStatus::Exited(0).code(), 0);
    }

    #[test]
    fn trace_lines_are_picked_from_the_log() {
        let log = "[    0.1] INFO boot\r\n[trace] 1 freebsd4 getpid() = 1\r\nhello\n";
        assert_eq!(trace_lines(log), ["[trace] 1 freebsd4 getpid() = 1"]);
    }
}
