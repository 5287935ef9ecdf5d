//! `cargo xtask bench`: Nymph against Linux, counted in guest instructions.
//!
//! QEMU runs both kernels with the same machine settings plus `-icount shift=0`, so the
//! guest TSC advances by one per instruction executed (and, while the guest idles, jumps
//! to the next timer: `sleep=on`, QEMU's default). Nymph's figures repeat to the unit;
//! Linux's boot and fork figures, and the firmware's count, vary by a few per cent.
//! One C program, images/bench/bench.c, is built for Nymph's native ABI and for
//! FreeBSD-4 i386 on libc-shim, and for Linux with gcc and static glibc; it prints raw
//! TSC deltas per batch and this module turns them into per-operation figures.
//!
//! Boot: both kernels are entered through the same PVH path (QEMU's `-kernel` with an
//! ELF carrying the Xen PVH note; Linux's vmlinux is unpacked from Debian's bzImage), so
//! the firmware runs the same code before either. Nymph records the TSC at its first
//! instruction; that count is the firmware's, and it is subtracted from the TSC both
//! inits read at the top of `main`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use nymph_harness::{Echo, Profile, QemuCommand, RunOptions, Workspace, ensure_qemu};
use nymph_images::Image;

use crate::abi_suite::{abi_named, brand, libc_for, link_command, run_jobs};

/// The Debian package with the Linux kernel to compare with.
const LINUX_PACKAGE: &str = "linux-image-amd64";
/// QEMU settings added to the harness's (q35, `-cpu max`, 256 MiB, one CPU, TCG).
const ICOUNT: [&str; 2] = ["-icount", "shift=0"];
const NYMPH_CMDLINE: &str = "init=/bin/bench loglevel=warn";
const LINUX_CMDLINE: &str = "console=ttyS0 quiet";
/// Each boot's limit; a run takes well under a minute on these machines.
const BOOT_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BenchArgs {
    pub verbose: bool,
}

/// Median, quartiles and extremes of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub n: usize,
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub fn stat(values: &[f64]) -> Option<Stat> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Stat {
        n: v.len(),
        median: quantile(&v, 0.5),
        q1: quantile(&v, 0.25),
        q3: quantile(&v, 0.75),
        min: v[0],
        max: v[v.len() - 1],
    })
}

/// One `BENCH <abi> <op> ops=.. bytes=.. deltas...` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub ops: u64,
    pub bytes: u64,
    pub deltas: Vec<u64>,
}

impl Series {
    /// Instructions per operation, or bytes per 1,000 instructions when it moved bytes.
    pub fn values(&self) -> Vec<f64> {
        self.deltas
            .iter()
            .filter(|&&d| d > 0)
            .map(|&d| {
                if self.bytes > 0 {
                    self.bytes as f64 * 1000.0 / d as f64
                } else {
                    d as f64 / self.ops.max(1) as f64
                }
            })
            .collect()
    }
}

/// What one boot printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// `NYMPH boot-tsc entry=`: the TSC at the kernel's first instruction (Nymph only).
    pub entry: Option<u64>,
    /// TSC at init's `main`, and after its first write.
    pub init: Option<(u64, u64)>,
    pub series: BTreeMap<(String, String), Series>,
    /// ABIs that finished their suite.
    pub done: Vec<String>,
    pub errors: Vec<String>,
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 16).ok()
}

/// Reads the structured lines of a run; anything else is ignored.
pub fn parse_run(lines: &[String]) -> Run {
    let mut run = Run::default();
    for line in lines {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("NYMPH boot-tsc entry=") {
            run.entry = v.trim().parse().ok();
            continue;
        }
        let Some(rest) = line.find("BENCH ").map(|at| &line[at + 6..]) else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            ["boot", init, output] => {
                let init = init.strip_prefix("init=").and_then(hex);
                let output = output.strip_prefix("output=").and_then(hex);
                if let (Some(i), Some(o)) = (init, output) {
                    run.init = Some((i, o));
                }
            }
            [abi, "done"] => run.done.push(abi.to_string()),
            [abi, "error", what @ ..] => run.errors.push(format!("{abi}: {}", what.join(" "))),
            [abi, op, ops, bytes, deltas @ ..] => {
                let ops = ops.strip_prefix("ops=").and_then(hex);
                let bytes = bytes.strip_prefix("bytes=").and_then(hex);
                let deltas: Option<Vec<u64>> = deltas.iter().map(|d| hex(d)).collect();
                if let (Some(ops), Some(bytes), Some(deltas)) = (ops, bytes, deltas) {
                    run.series.insert(
                        (abi.to_string(), op.to_string()),
                        Series { ops, bytes, deltas },
                    );
                }
            }
            _ => {}
        }
    }
    run
}

/// What a figure is held against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Nymph / Linux at most this.
    AtMost(f64),
    /// Nymph / Linux at least this.
    AtLeast(f64),
    /// Nymph / (Nymph's figure in row `.1`, called `.2`) at most `.0`.
    AtMostRow(f64, usize, &'static str),
    None,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub unit: &'static str,
    pub nymph: Option<Stat>,
    pub linux: Option<Stat>,
    pub target: Target,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        Some(self.nymph?.median / self.linux?.median)
    }

    /// The target's text and whether it was met (`None` when it cannot be judged).
    pub fn judge(&self, rows: &[Row]) -> (String, Option<bool>) {
        match self.target {
            Target::AtMost(t) => (format!("<= {t} x Linux"), self.ratio().map(|r| r <= t)),
            Target::AtLeast(t) => (format!(">= {t} x Linux"), self.ratio().map(|r| r >= t)),
            Target::AtMostRow(t, row, name) => {
                let other = rows.get(row).and_then(|r| r.nymph);
                let r = self.nymph.zip(other).map(|(a, b)| a.median / b.median);
                let shown = r.map_or(String::new(), |r| format!(" ({r:.2})"));
                (format!("<= {t} x {name}{shown}"), r.map(|r| r <= t))
            }
            Target::None => ("-".into(), None),
        }
    }
}

fn series_stat(run: &Run, abi: &str, op: &str) -> Option<Stat> {
    stat(&run.series.get(&(abi.to_string(), op.to_string()))?.values())
}

fn single(v: Option<u64>) -> Option<Stat> {
    let v = v? as f64;
    Some(Stat {
        n: 1,
        median: v,
        q1: v,
        q3: v,
        min: v,
        max: v,
    })
}

/// The table, from the Nymph run and the Linux run.
pub fn rows(nymph: &Run, linux: &Run) -> Vec<Row> {
    const INSTR: &str = "instructions/op";
    const NATIVE: &str = "native-v1";
    const FB4: &str = "freebsd4-i386";
    let row = |label: &str, unit, abi: &str, op: &str, target| Row {
        label: label.to_string(),
        unit,
        nymph: series_stat(nymph, abi, op),
        linux: series_stat(linux, "linux", op),
        target,
    };
    // Boot counts are taken from the kernel's first instruction: the firmware's share
    // (the same PVH path for both) is what Nymph saw before its own entry.
    let firmware = nymph.entry;
    let since_entry =
        |run: &Run, pick: fn((u64, u64)) -> u64| pick(run.init?).checked_sub(firmware?);
    vec![
        row(
            "null syscall, native (syscall)",
            INSTR,
            NATIVE,
            "null",
            Target::AtMost(0.5),
        ),
        row(
            "null syscall, FreeBSD-4 (int $0x80)",
            INSTR,
            FB4,
            "null",
            Target::AtMostRow(1.5, 0, "native"),
        ),
        row(
            "fstat, FreeBSD-4 (translated struct)",
            INSTR,
            FB4,
            "fstat",
            Target::AtMost(1.0),
        ),
        row("fstat, native", INSTR, NATIVE, "fstat", Target::AtMost(1.0)),
        row(
            "fork+exec+wait, native",
            INSTR,
            NATIVE,
            "spawn",
            Target::AtMost(0.5),
        ),
        row(
            "fork+exec+wait, FreeBSD-4",
            INSTR,
            FB4,
            "spawn",
            Target::AtMost(0.5),
        ),
        row(
            "pipe 64 KiB writes, native",
            "bytes/1000 instr",
            NATIVE,
            "pipe",
            Target::AtLeast(2.0),
        ),
        row(
            "pipe 64 KiB writes, FreeBSD-4",
            "bytes/1000 instr",
            FB4,
            "pipe",
            Target::AtLeast(2.0),
        ),
        Row {
            label: "boot: kernel entry to init".into(),
            unit: "instructions",
            nymph: single(since_entry(nymph, |(i, _)| i)),
            linux: single(since_entry(linux, |(i, _)| i)),
            target: Target::AtMost(0.1),
        },
        Row {
            label: "boot: kernel entry to init's first output".into(),
            unit: "instructions",
            nymph: single(since_entry(nymph, |(_, o)| o)),
            linux: single(since_entry(linux, |(_, o)| o)),
            target: Target::None,
        },
    ]
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn cell(s: Option<Stat>) -> String {
    match s {
        None => "n/a".into(),
        Some(s) if s.n == 1 => num(s.median),
        Some(s) => format!("{} ({}-{})", num(s.median), num(s.q1), num(s.q3)),
    }
}

/// The table as Markdown.
pub fn render_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| operation | unit | Nymph | Linux | Nymph/Linux | target | met |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let (target, met) = r.judge(rows);
        let met = match met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "-",
        };
        let ratio = r.ratio().map_or("n/a".into(), |x| {
            if x < 0.01 {
                format!("{x:.4}")
            } else {
                format!("{x:.2}")
            }
        });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.label,
            r.unit,
            cell(r.nymph),
            cell(r.linux),
            ratio,
            target,
            met
        );
    }
    out
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_stat(s: Option<Stat>) -> String {
    match s {
        None => "null".into(),
        Some(s) => format!(
            "{{\"n\": {}, \"median\": {}, \"q1\": {}, \"q3\": {}, \"min\": {}, \"max\": {}}}",
            s.n, s.median, s.q1, s.q3, s.min, s.max
        ),
    }
}

/// The table and the settings as JSON.
pub fn render_json(rows: &[Row], settings: &[(&str, String)]) -> String {
    let mut out = String::from("{\n  \"settings\": {");
    for (i, (k, v)) in settings.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n    {}: {}", json_str(k), json_str(v));
    }
    out.push_str("\n  },\n  \"rows\": [");
    for (i, r) in rows.iter().enumerate() {
        let (target, met) = r.judge(rows);
        let sep = if i == 0 { "" } else { "," };
        let met = met.map_or("null".into(), |m| m.to_string());
        let ratio = r.ratio().map_or("null".into(), |x| format!("{x}"));
        let _ = write!(
            out,
            "{sep}\n    {{\"operation\": {}, \"unit\": {}, \"nymph\": {}, \"linux\": {}, \"ratio\": {}, \"target\": {}, \"met\": {}}}",
            json_str(&r.label),
            json_str(r.unit),
            json_stat(r.nymph),
            json_stat(r.linux),
            ratio,
            json_str(&target),
            met
        );
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// Runs a build command, failing with its name.
fn run(mut cmd: Command, what: &str) -> crate::Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if !status.success() {
        return Err(format!("{what} failed ({status})").into());
    }
    Ok(())
}

/// Builds the Nymph image: the native bench as init, the FreeBSD-4 one it runs, and a
/// smallest program per ABI to exec.
fn nymph_image(ws: &Workspace, out: &Path) -> crate::Result<PathBuf> {
    let src = ws.root.join("images/bench");
    let bin = out.join("nymph");
    fs::create_dir_all(&bin)?;
    let native = libc_for(ws, abi_named("native-v1")?)?;
    let fb4 = libc_for(ws, abi_named("freebsd4-i386")?)?;
    let defs = |abi: &str, exit0: &str, others: Option<&str>| {
        let mut d = vec![
            format!("-DBENCH_ABI=\"{abi}\""),
            format!("-DBENCH_EXIT0=\"{exit0}\""),
        ];
        if let Some(o) = others {
            d.push(format!("-DBENCH_OTHERS=\"{o}\""));
        }
        d
    };
    let mut jobs = Vec::new();
    let mut cmd = link_command(&native, &src.join("bench.c"), &bin.join("bench"));
    cmd.args(defs("native-v1", "/bin/exit0", Some("/bin/bench-fb4")));
    jobs.push(cmd);
    let mut cmd = link_command(&fb4, &src.join("bench.c"), &bin.join("bench-fb4"));
    cmd.args(defs("freebsd4-i386", "/bin/exit0-fb4", None));
    jobs.push(cmd);
    jobs.push(link_command(
        &native,
        &src.join("exit0.c"),
        &bin.join("exit0"),
    ));
    jobs.push(link_command(
        &fb4,
        &src.join("exit0.c"),
        &bin.join("exit0-fb4"),
    ));
    run_jobs(jobs)?;
    brand(&fb4, &[bin.join("bench-fb4"), bin.join("exit0-fb4")])?;
    let mut image = Image::new();
    for name in ["bench", "bench-fb4", "exit0", "exit0-fb4"] {
        image.add_file(&format!("/bin/{name}"), 0o755, fs::read(bin.join(name))?);
    }
    let archive = out.join("nymph.cpio");
    fs::write(&archive, image.to_cpio())?;
    Ok(archive)
}

/// Builds Linux's initramfs: the bench (glibc, static) as /init and /bin/exit0.
fn linux_image(ws: &Workspace, out: &Path) -> crate::Result<PathBuf> {
    let src = ws.root.join("images/bench");
    let bin = out.join("linux");
    fs::create_dir_all(&bin)?;
    let mut cmd = Command::new("gcc");
    cmd.args(["-O2", "-static", "-Wall", "-Werror"])
        .args([
            "-DBENCH_LINUX",
            "-DBENCH_ABI=\"linux\"",
            "-DBENCH_EXIT0=\"/bin/exit0\"",
        ])
        .arg(src.join("bench.c"))
        .arg("-o")
        .arg(bin.join("init"));
    run(cmd, "gcc (Linux bench)")?;
    let mut cmd = Command::new("gcc");
    cmd.args(["-nostdlib", "-static", "-no-pie"])
        .arg(src.join("exit0-linux.S"))
        .arg("-o")
        .arg(bin.join("exit0"));
    run(cmd, "gcc (Linux exit0)")?;
    let mut image = Image::new();
    image.add_file("/init", 0o755, fs::read(bin.join("init"))?);
    image.add_file("/bin/exit0", 0o755, fs::read(bin.join("exit0"))?);
    let archive = out.join("linux.cpio");
    fs::write(&archive, image.to_cpio())?;
    Ok(archive)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The newest /boot/vmlinuz-*, installing Debian's kernel package where there is none.
fn linux_bzimage() -> crate::Result<PathBuf> {
    let newest = || -> Option<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir("/boot")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("vmlinuz-"))
            })
            .collect();
        found.sort();
        found.pop()
    };
    if let Some(p) = newest() {
        return Ok(p);
    }
    if !(Path::new("/etc/debian_version").exists() && is_root()) {
        return Err(format!(
            "no Linux kernel in /boot: install the package {LINUX_PACKAGE} (`sudo apt-get install {LINUX_PACKAGE}`)"
        )
        .into());
    }
    eprintln!("bench: no Linux kernel in /boot: installing {LINUX_PACKAGE}");
    for args in [
        &["update"][..],
        &["install", "-y", "--no-install-recommends", LINUX_PACKAGE][..],
    ] {
        let mut cmd = Command::new("apt-get");
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::io::stderr()));
        run(cmd, &format!("apt-get {}", args.join(" ")))?;
    }
    newest().ok_or_else(|| format!("installed {LINUX_PACKAGE} but /boot has no vmlinuz").into())
}

/// Unpacks the ELF vmlinux from a bzImage: the first compressed stream (xz, zstd or
/// gzip) that decompresses to an ELF file. Cached beside the bench's outputs.
fn linux_vmlinux(bzimage: &Path, out: &Path) -> crate::Result<PathBuf> {
    let name = bzimage
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("vmlinuz")
        .replace("vmlinuz", "vmlinux");
    let target = out.join(name);
    if target.exists() {
        return Ok(target);
    }
    let data = fs::read(bzimage).map_err(|e| format!("{}: {e}", bzimage.display()))?;
    let formats: [(&[u8], &str); 3] = [
        (b"\xfd7zXZ\x00", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"\x1f\x8b\x08", "gzip"),
    ];
    for (magic, tool) in formats {
        for at in
            (0..data.len().saturating_sub(magic.len())).filter(|&i| data[i..].starts_with(magic))
        {
            let mut child = match Command::new(tool)
                .args(["-dc"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
            {
                Ok(c) => c,
                Err(_) => continue,
            };
            let mut stdin = child.stdin.take().ok_or("no stdin")?;
            let payload = data[at..].to_vec();
            // Trailing bytes after the stream make the tool complain; its output counts.
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&payload);
            });
            let output = child.wait_with_output()?;
            let _ = writer.join();
            if output.stdout.starts_with(b"\x7fELF") {
                fs::write(&target, &output.stdout)?;
                return Ok(target);
            }
        }
    }
    Err(format!(
        "{}: found no compressed ELF inside (xz, zstd, gzip)",
        bzimage.display()
    )
    .into())
}

/// Boots one kernel under the bench's QEMU settings and parses what it printed.
fn boot(
    cmd: &QemuCommand,
    who: &str,
    verbose: bool,
    log: &Path,
) -> crate::Result<(Run, nymph_harness::ExitKind)> {
    let echo = if verbose { Echo::Stdout } else { Echo::Quiet };
    let opts = RunOptions::new(BOOT_TIMEOUT).echo(echo);
    let start = std::time::Instant::now();
    let outcome = cmd.run(&opts)?;
    fs::write(log, outcome.lines.join("\n") + "\n")?;
    let run = parse_run(&outcome.lines);
    println!(
        "bench: {who}: {} in {:.1} s ({}); serial log {}",
        if run.done.is_empty() {
            "no suite finished".to_string()
        } else {
            format!("{} finished", run.done.join(", "))
        },
        start.elapsed().as_secs_f64(),
        outcome.exit,
        log.display()
    );
    for e in &run.errors {
        eprintln!("bench: {who}: error from the guest: {e}");
    }
    Ok((run, outcome.exit))
}

fn kvm_note() -> String {
    if Path::new("/dev/kvm").exists() {
        "not used: /dev/kvm is the paravirtual KVM of these machines, which cannot run Nymph (DESIGN.md); no cycle figures".into()
    } else {
        "not available (no /dev/kvm); no cycle figures".into()
    }
}

fn qemu_version(qemu: &Path) -> String {
    Command::new(qemu)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".into())
}

pub fn main(a: &BenchArgs) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let out = ws.target_dir.join("bench");
    fs::create_dir_all(&out)?;
    let elf = ws.build_kernel(Profile::Release)?;
    let qemu = ensure_qemu()?;
    let bzimage = linux_bzimage()?;
    let vmlinux = linux_vmlinux(&bzimage, &out)?;
    let nymph_cpio = nymph_image(&ws, &out)?;
    let linux_cpio = linux_image(&ws, &out)?;

    let nymph_cmd = QemuCommand::new(&qemu, &elf)
        .cmdline(NYMPH_CMDLINE)
        .initrd(&nymph_cpio)
        .args(ICOUNT);
    let linux_cmd = QemuCommand::new(&qemu, &vmlinux)
        .cmdline(LINUX_CMDLINE)
        .initrd(&linux_cpio)
        .args(ICOUNT);
    let console = nymph_harness::Console::Captured;
    println!("bench: accelerator TCG with -icount shift=0 (guest TSC = instructions executed)");
    println!("bench: KVM {}", kvm_note());
    println!("bench: {}", qemu_version(&qemu));
    println!("bench: Nymph: {}", nymph_cmd.display(console));
    println!("bench: Linux: {}", linux_cmd.display(console));

    let (nymph, nymph_exit) = boot(&nymph_cmd, "Nymph", a.verbose, &out.join("nymph.log"))?;
    let (linux, _) = boot(&linux_cmd, "Linux", a.verbose, &out.join("linux.log"))?;

    let table = rows(&nymph, &linux);
    let markdown = render_table(&table);
    let linux_name = bzimage
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .trim_start_matches("vmlinuz-")
        .to_string();
    let settings = [
        ("accelerator", "tcg".to_string()),
        ("icount", "shift=0".to_string()),
        ("kvm", kvm_note()),
        ("qemu", qemu_version(&qemu)),
        ("nymph_command", nymph_cmd.display(console)),
        ("linux_command", linux_cmd.display(console)),
        ("linux_kernel", linux_name.clone()),
        (
            "firmware_instructions",
            nymph.entry.map_or("unknown".into(), |e| e.to_string()),
        ),
        (
            "boot_method",
            "both kernels entered by PVH (-kernel ELF); counts start at the kernel's first instruction: the TSC Nymph reads there (the firmware's share, identical for both) is subtracted from the TSC each init reads at the top of main".to_string(),
        ),
    ];
    fs::write(out.join("bench.json"), render_json(&table, &settings))?;
    fs::write(out.join("bench.md"), &markdown)?;
    println!(
        "\nNymph (release) against Linux {linux_name}, guest instructions under QEMU TCG -icount shift=0;"
    );
    println!(
        "median (interquartile range) over the batches; boot rows are single, exact counts.\n"
    );
    print!("{markdown}");
    println!(
        "\nboot: from each kernel's first instruction (firmware before it: {} instructions, measured by Nymph's entry and subtracted for both)",
        nymph.entry.map_or("unknown".into(), |e| e.to_string())
    );
    println!("written: {}", out.join("bench.json").display());

    let complete = ["native-v1", "freebsd4-i386"]
        .iter()
        .all(|abi| nymph.done.iter().any(|d| d == abi))
        && linux.done.iter().any(|d| d == "linux");
    if !complete || !nymph_exit.is_success() {
        eprintln!(
            "bench: a run did not finish (Nymph: {:?}, exit {nymph_exit}; Linux: {:?})",
            nymph.done, linux.done
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn statistics_of_a_series() {
        let s = stat(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!(
            (s.median, s.q1, s.q3, s.min, s.max, s.n),
            (3.0, 2.0, 4.0, 1.0, 5.0, 5)
        );
        let s = stat(&[1.0, 2.0]).unwrap();
        assert_eq!(s.median, 1.5);
        assert_eq!(stat(&[]), None);
    }

    #[test]
    fn parses_the_guest_lines() {
        let run = parse_run(&lines(
            "NYMPH boot-tsc entry=1000\r\n\
             BENCH start\n\
             BENCH boot init=1f40 output=2710\n\
             BENCH native-v1 null ops=3e8 bytes=0 7d0 fa0 bb8\n\
             BENCH native-v1 pipe ops=1 bytes=100000 100000\n\
             BENCH native-v1 bad ops=zz bytes=0 1\n\
             BENCH freebsd4-i386 error fstat\n\
             BENCH native-v1 done",
        ));
        assert_eq!(run.entry, Some(1000));
        assert_eq!(run.init, Some((8000, 10000)));
        let null = &run.series[&("native-v1".into(), "null".into())];
        assert_eq!(null.values(), vec![2.0, 4.0, 3.0]);
        // 1 MiB in 1 Mi instructions: 1000 bytes per 1000 instructions.
        let pipe = &run.series[&("native-v1".into(), "pipe".into())];
        assert_eq!(pipe.values(), vec![1000.0]);
        assert!(!run.series.contains_key(&("native-v1".into(), "bad".into())));
        assert_eq!(run.errors, vec!["freebsd4-i386: fstat".to_string()]);
        assert_eq!(run.done, vec!["native-v1".to_string()]);
    }

    #[test]
    fn table_judges_targets_and_subtracts_firmware() {
        let nymph = parse_run(&lines(
            "NYMPH boot-tsc entry=100\n\
             BENCH boot init=200 output=300\n\
             BENCH native-v1 null ops=1 bytes=0 64\n\
             BENCH freebsd4-i386 null ops=1 bytes=0 c8",
        ));
        let linux = parse_run(&lines(
            "BENCH boot init=10100 output=10200\nBENCH linux null ops=1 bytes=0 12c",
        ));
        let t = rows(&nymph, &linux);
        // native 100 against Linux 300: 0.33 <= 0.5; FreeBSD 200 = 2 x native > 1.5.
        assert_eq!(t[0].judge(&t).1, Some(true));
        assert_eq!(t[1].judge(&t).1, Some(false));
        assert_eq!(t[2].judge(&t).1, None);
        let boot = &t[8];
        assert_eq!(boot.nymph.map(|s| s.median), Some(512.0 - 100.0));
        assert_eq!(boot.linux.map(|s| s.median), Some(65792.0 - 100.0));
        assert_eq!(boot.judge(&t).1, Some(true));
        let md = render_table(&t);
        assert!(md.contains("| null syscall, native (syscall) | instructions/op | 100 | 300 | 0.33 | <= 0.5 x Linux | met |"), "{md}");
        let json = render_json(&t, &[("accelerator", "tcg".into())]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["rows"][1]["met"], false);
        assert_eq!(v["settings"]["accelerator"], "tcg");
    }
}
