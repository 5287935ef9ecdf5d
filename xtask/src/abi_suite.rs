//! The ABI conformance suite, host side: builds libc-shim and every case of
//! `abi-tests/cases` for each ABI, puts them with the in-guest runner
//! (`abi-tests/runner`) into one image, boots it, reads the runner's lines and
//! writes the case-by-ABI matrix to `target/abi-report/report.{md,json}`.
//!
//! The runner prints `ABI-PLAN n`, then per case `ABI-CASE <abi> <case> <result>`
//! (`pass`, `fail <reason>`, `skip <reason>`, `killed <SIG>`, `timeout <limit>`) and
//! `ABI-TIME <abi> <case> <n> ms`, and ends with `ABI-SUMMARY pass= fail= skip= xfail=`.
//! Its exit status is 0 only when no case failed that `abi-tests/expected-failures.txt`
//! does not list.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nymph_harness::Workspace;

use crate::cmd_exec::{ExecStatus, Guest, run_program};

/// One ABI the suite is built for.
#[derive(Debug, Clone, Copy)]
pub struct Abi {
    pub name: &'static str,
    /// The generated headers and syscall stubs (abi-gen's C output).
    gen_dir: &'static str,
    /// crt0 and the ABI-specific C of libc-shim.
    arch_dir: &'static str,
    cflags: &'static [&'static str],
    /// Linker flags of its programs, after the cflags.
    ldflags: &'static [&'static str],
    /// Link the host's libgcc (which exists for x86_64 only; libc-shim carries the
    /// i386 helpers itself).
    libgcc: bool,
    /// The `EI_OSABI` byte to brand each linked program with (no linker flag sets it).
    osabi: Option<u8>,
    /// Whether abi-tests/generated/<abi> (the spec's negative cases) is built.
    negative_cases: bool,
}

/// `ELFOSABI_FREEBSD`: the brand the 4.x kernel looks for (reference §3.1).
const ELFOSABI_FREEBSD: u8 = 9;

/// Every ABI the suite builds cases for.
pub const ABIS: [Abi; 3] = [
    Abi {
        name: "native-v1",
        gen_dir: "libc-shim/gen/native-v1",
        arch_dir: "libc-shim/src/native",
        cflags: &["-m64"],
        ldflags: &[],
        libgcc: true,
        osabi: None,
        negative_cases: true,
    },
    // The same libc-shim sources against v2's generated headers: their note says 2,
    // and stat, openat2 and getpgrp follow v2's definitions.
    Abi {
        name: "native-v2",
        gen_dir: "libc-shim/gen/native-v2",
        arch_dir: "libc-shim/src/native",
        cflags: &["-m64"],
        ldflags: &[],
        libgcc: true,
        osabi: None,
        negative_cases: true,
    },
    // Static ELF32 i386 ET_EXEC laid out as 4.x linked them: one text segment from
    // 0x08048000 holding the headers and read-only data, one data segment, no
    // build-id, no RELRO; EI_OSABI FreeBSD. i686 code: no SSE, so handlers run on the
    // kernel's 4-byte aligned signal frames are fine.
    Abi {
        name: "freebsd4-i386",
        gen_dir: "libc-shim/gen/freebsd4-i386",
        arch_dir: "libc-shim/src/freebsd4",
        cflags: &["-m32", "-march=i686"],
        ldflags: &[
            "-Wl,-m,elf_i386",
            "-Wl,-Ttext-segment=0x08048000",
            "-Wl,-z,noseparate-code",
            "-Wl,-z,norelro",
            "-Wl,--build-id=none",
        ],
        libgcc: false,
        osabi: Some(ELFOSABI_FREEBSD),
        negative_cases: true,
    },
];

/// The runner is a native program whatever ABI the cases are for.
const RUNNER_ABI: &str = "native-v1";
const RUNNER_GUEST_PATH: &str = "/bin/abi-runner";
/// The objects linked into every program ahead of the case (start-up and the ABI note).
const START_SOURCES: [&str; 2] = ["crt0.S", "abinote.c"];
/// Cases that exec their own builds for the other ABIs (abi-tests/include/nymph_cross.h).
const CROSS_PREFIX: &str = "cross_";
const EXPECTED_FAILURES: &str = "abi-tests/expected-failures.txt";

const CFLAGS: [&str; 12] = [
    "-std=gnu11",
    "-ffreestanding",
    "-nostdinc",
    "-fno-pie",
    "-fno-stack-protector",
    "-O2",
    "-fno-builtin",
    "-fno-tree-loop-distribute-patterns",
    "-fno-asynchronous-unwind-tables",
    "-Wall",
    "-Wextra",
    "-Werror",
];

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub abi: Option<String>,
    pub filter: Option<String>,
}

/// One C file of abi-tests/cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub name: String,
    pub source: PathBuf,
    /// The ABIs from its `// abi:` line; `None` means all.
    pub abis: Option<Vec<String>>,
}

impl Case {
    fn applies_to(&self, abi: &str) -> bool {
        self.abis
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == abi))
    }
}

/// Reads the `// abi: a, b` declaration from the first lines of a case (default all).
pub fn declared_abis(text: &str) -> Option<Vec<String>> {
    let line = text
        .lines()
        .take(5)
        .find_map(|l| l.trim().strip_prefix("// abi:"))?;
    let list: Vec<String> = line
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if list.is_empty() || list.iter().any(|a| a == "all") {
        None
    } else {
        Some(list)
    }
}

/// Every case, sorted by name: the hand-written ones of abi-tests/cases and, for each
/// ABI of the suite, the ones abi-gen derives from its spec
/// (abi-tests/generated/<abi>/*.c, named `neg_*`; they apply to that ABI only).
pub fn discover_cases(ws: &Workspace) -> crate::Result<Vec<Case>> {
    let mut cases = cases_in(&ws.root.join("abi-tests/cases"), None)?;
    for abi in &ABIS {
        let dir = ws.root.join("abi-tests/generated").join(abi.name);
        if abi.negative_cases && dir.is_dir() {
            cases.extend(cases_in(&dir, Some(abi.name))?);
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// The `*.c` cases of one directory; `abi` (generated cases) overrides their
/// `// abi:` line.
fn cases_in(dir: &Path, abi: Option<&str>) -> crate::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("c") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("bad case file name")?
            .to_string();
        let text = fs::read_to_string(&path)?;
        cases.push(Case {
            name,
            abis: match abi {
                Some(a) => Some(vec![a.to_string()]),
                None => declared_abis(&text),
            },
            source: path,
        });
    }
    Ok(cases)
}

/// `abi/case` -> why it is expected to fail.
pub fn parse_expected_failures(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((key, why)) => (key.to_string(), why.trim().to_string()),
            None => (l.to_string(), "listed in expected-failures.txt".to_string()),
        })
        .collect()
}

/// Runs the commands, a few at a time; the first failure's stderr is the error.
pub(crate) fn run_jobs(jobs: Vec<Command>) -> crate::Result<()> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8);
    let next = AtomicUsize::new(0);
    let jobs: Vec<Mutex<Command>> = jobs.into_iter().map(Mutex::new).collect();
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let mut cmd = job.lock().unwrap_or_else(|e| e.into_inner());
                    let result = cmd.output();
                    let message = match result {
                        Ok(out) if out.status.success() => continue,
                        Ok(out) => format!(
                            "{:?} failed ({}):\n{}",
                            cmd,
                            out.status,
                            String::from_utf8_lossy(&out.stderr)
                        ),
                        Err(e) => format!("cannot run {:?}: {e}", cmd.get_program()),
                    };
                    errors
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(message);
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    match errors.first() {
        None => Ok(()),
        Some(first) => Err(first.clone().into()),
    }
}

fn gcc_include_dir() -> crate::Result<String> {
    let out = Command::new("gcc")
        .arg("-print-file-name=include")
        .output()
        .map_err(|e| format!("cannot run gcc: {e}"))?;
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

/// libc-shim built for one ABI.
#[derive(Clone)]
pub(crate) struct Libc {
    start_objects: Vec<PathBuf>,
    archive: PathBuf,
    cflags: Vec<String>,
    ldflags: &'static [&'static str],
    libgcc: bool,
    osabi: Option<u8>,
}

fn sources_in(dir: &Path) -> crate::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry?.path();
        if matches!(path.extension().and_then(|e| e.to_str()), Some("c" | "S")) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The ABI named `name`.
pub(crate) fn abi_named(name: &str) -> crate::Result<&'static Abi> {
    ABIS.iter()
        .find(|a| a.name == name)
        .ok_or_else(|| format!("no ABI named `{name}`").into())
}

/// libc-shim for `abi`, built once per xtask run into `target/libc-shim/<abi>` and shared
/// by the suite, the runner self-checks, the default image and the fuzzer.
pub(crate) fn libc_for(ws: &Workspace, abi: &Abi) -> crate::Result<Libc> {
    static BUILT: Mutex<BTreeMap<&'static str, Libc>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(libc) = built.get(abi.name) {
        return Ok(libc.clone());
    }
    let out = ws.target_dir.join("libc-shim").join(abi.name);
    let libc = build_libc(ws, abi, &gcc_include_dir()?, &out)?;
    built.insert(abi.name, libc.clone());
    Ok(libc)
}

fn build_libc(ws: &Workspace, abi: &Abi, gcc_include: &str, out: &Path) -> crate::Result<Libc> {
    let root = &ws.root;
    let mut cflags: Vec<String> = CFLAGS.iter().map(|s| s.to_string()).collect();
    cflags.extend(abi.cflags.iter().map(|s| s.to_string()));
    cflags.push("-isystem".into());
    cflags.push(gcc_include.to_string());
    for inc in ["libc-shim/include", abi.gen_dir, "abi-tests/include"] {
        cflags.push(format!("-I{}", root.join(inc).display()));
    }
    let obj_dir = out.join("libc");
    fs::create_dir_all(&obj_dir)?;
    let mut sources = sources_in(&root.join("libc-shim/src/common"))?;
    sources.extend(sources_in(&root.join(abi.arch_dir))?);
    sources.push(root.join(abi.gen_dir).join("syscalls.S"));
    let mut jobs = Vec::new();
    let mut start_objects = Vec::new();
    let mut members = Vec::new();
    for src in &sources {
        let file = src.file_name().and_then(|f| f.to_str()).unwrap_or("x");
        let obj = obj_dir.join(format!("{file}.o"));
        let mut cmd = Command::new("gcc");
        cmd.args(&cflags).arg("-c").arg(src).arg("-o").arg(&obj);
        jobs.push(cmd);
        if START_SOURCES.contains(&file) {
            start_objects.push(obj);
        } else {
            members.push(obj);
        }
    }
    run_jobs(jobs)?;
    let archive = obj_dir.join("libc.a");
    let _ = fs::remove_file(&archive);
    let status = Command::new("ar")
        .arg("rcs")
        .arg(&archive)
        .args(&members)
        .status()
        .map_err(|e| format!("cannot run ar: {e}"))?;
    if !status.success() {
        return Err(format!("ar failed ({status})").into());
    }
    start_objects.sort();
    Ok(Libc {
        start_objects,
        archive,
        cflags,
        ldflags: abi.ldflags,
        libgcc: abi.libgcc,
        osabi: abi.osabi,
    })
}

/// The command that links one program; run [`brand`] on the output afterwards.
pub(crate) fn link_command(libc: &Libc, source: &Path, output: &Path) -> Command {
    link(libc, source, output, &["-static"])
}

/// [`link_command`] for a program with a dynamic section, not static: its PT_INTERP
/// comes from an `.interp` section of its own (GNU ld writes `--dynamic-linker`'s only
/// when a shared library is linked in, and libc-shim is an archive).
pub(crate) fn link_dynamic_command(libc: &Libc, source: &Path, output: &Path) -> Command {
    link(libc, source, output, &["-Wl,--no-dynamic-linker", "-Wl,-E"])
}

fn link(libc: &Libc, source: &Path, output: &Path, how: &[&str]) -> Command {
    let mut cmd = Command::new("gcc");
    cmd.args(&libc.cflags)
        .args(libc.ldflags)
        .args(how)
        .args(["-no-pie", "-nostdlib", "-o"])
        .arg(output)
        .args(&libc.start_objects)
        .arg(source)
        .arg(&libc.archive);
    if libc.libgcc {
        cmd.arg("-lgcc");
    }
    cmd
}

/// Brands linked programs for their ABI: writes `EI_OSABI` (`e_ident[7]`) when the
/// ABI wants one. GNU ld leaves it 0 (SYSV) for i386 and has no option to set it, and
/// the FreeBSD 4.x kernel picks its brand by this byte (FreeBSD's own binutils wrote it).
pub(crate) fn brand(libc: &Libc, programs: &[PathBuf]) -> crate::Result<()> {
    let Some(osabi) = libc.osabi else {
        return Ok(());
    };
    for program in programs {
        set_osabi(program, osabi)?;
    }
    Ok(())
}

/// Brands one program FreeBSD (EI_OSABI 9), as 4.x's binutils did.
pub(crate) fn brand_freebsd(path: &Path) -> crate::Result<()> {
    set_osabi(path, ELFOSABI_FREEBSD)
}

/// Sets `e_ident[EI_OSABI]` of the ELF file at `path`.
fn set_osabi(path: &Path, osabi: u8) -> crate::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    const EI_OSABI: u64 = 7;
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut ident = [0u8; 8];
    f.read_exact(&mut ident)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if &ident[..4] != b"\x7fELF" {
        return Err(format!("{}: not an ELF file", path.display()).into());
    }
    f.seek(SeekFrom::Start(EI_OSABI))?;
    f.write_all(&[osabi])?;
    Ok(())
}

/// The guest tree and what it holds.
pub struct Built {
    pub root: PathBuf,
    /// (abi, case) in the order the runner runs them.
    pub planned: Vec<(String, String)>,
    /// (abi, case) pairs a case's `// abi:` line excludes.
    pub not_applicable: Vec<(String, String)>,
}

/// Builds libc-shim, the runner and the selected cases into `target/abi-tests/root`.
pub fn build(ws: &Workspace, sel: &Selection) -> crate::Result<Built> {
    let out = ws.target_dir.join("abi-tests");
    let root = out.join("root");
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    fs::create_dir_all(root.join("bin"))?;
    let cases = discover_cases(ws)?;
    let abis: Vec<&Abi> = ABIS
        .iter()
        .filter(|a| sel.abi.as_deref().is_none_or(|n| n == a.name))
        .collect();
    if abis.is_empty() {
        let known: Vec<&str> = ABIS.iter().map(|a| a.name).collect();
        return Err(format!(
            "no ABI named `{}` (the suite knows {})",
            sel.abi.as_deref().unwrap_or(""),
            known.join(", ")
        )
        .into());
    }
    let mut built = Built {
        root: root.clone(),
        planned: Vec::new(),
        not_applicable: Vec::new(),
    };
    let mut jobs = Vec::new();
    let mut to_brand = Vec::new();
    let mut runner_libc = None;
    for abi in ABIS.iter() {
        let wanted = abis.iter().any(|a| a.name == abi.name);
        if !wanted && abi.name != RUNNER_ABI {
            continue;
        }
        let libc = libc_for(ws, abi)?;
        if wanted {
            let dir = root.join("abi").join(abi.name);
            fs::create_dir_all(&dir)?;
            let mut programs = Vec::new();
            for case in &cases {
                if sel
                    .filter
                    .as_deref()
                    .is_some_and(|f| !case.name.contains(f))
                {
                    continue;
                }
                let key = (abi.name.to_string(), case.name.clone());
                if !case.applies_to(abi.name) {
                    // Each ABI's generated cases share names (neg_read): another
                    // ABI's is no "not applicable" where this ABI has its own.
                    if !cases
                        .iter()
                        .any(|c| c.name == case.name && c.applies_to(abi.name))
                    {
                        built.not_applicable.push(key);
                    }
                    continue;
                }
                jobs.push(link_command(&libc, &case.source, &dir.join(&case.name)));
                programs.push(dir.join(&case.name));
                built.planned.push(key);
            }
            to_brand.push((libc.clone(), programs));
        }
        if abi.name == RUNNER_ABI {
            runner_libc = Some(libc);
        }
    }
    let libc = runner_libc.ok_or("the runner's ABI is not built")?;
    jobs.push(link_command(
        &libc,
        &ws.root.join("abi-tests/runner/runner.c"),
        &root.join(RUNNER_GUEST_PATH.trim_start_matches('/')),
    ));
    run_jobs(jobs)?;
    for (libc, programs) in &to_brand {
        brand(libc, programs)?;
    }
    Ok(built)
}

/// How one case ended in the guest, as the runner says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
    Killed(String),
    Timeout(String),
}

/// Parses `ABI-CASE <abi> <case> <result...>`.
pub fn parse_case_line(line: &str) -> Option<(String, String, Outcome)> {
    let rest = line.trim_end().strip_prefix("ABI-CASE ")?;
    let mut parts = rest.splitn(3, ' ');
    let abi = parts.next()?.to_string();
    let case = parts.next()?.to_string();
    let result = parts.next()?;
    let (word, detail) = result.split_once(' ').unwrap_or((result, ""));
    let detail = detail.to_string();
    let outcome = match word {
        "pass" => Outcome::Pass,
        "fail" => Outcome::Fail(detail),
        "skip" => Outcome::Skip(detail),
        "killed" => Outcome::Killed(detail),
        "timeout" => Outcome::Timeout(detail),
        _ => return None,
    };
    Some((abi, case, outcome))
}

/// The final verdict of one case on one ABI, expected failures applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail(String),
    Skip(String),
    /// Failed as expected-failures.txt says it would: what it saw, and why expected.
    ExpectedFail {
        seen: String,
        why: String,
    },
    /// Listed as expected to fail, but passed.
    UnexpectedPass {
        why: String,
    },
    NotRun(String),
    NotApplicable,
}

impl Status {
    pub fn is_failure(&self) -> bool {
        matches!(self, Status::Fail(_) | Status::NotRun(_))
    }

    fn word(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail(_) => "fail",
            Status::Skip(_) => "skip",
            Status::ExpectedFail { .. } => "expected-fail",
            Status::UnexpectedPass { .. } => "unexpected-pass",
            Status::NotRun(_) => "not-run",
            Status::NotApplicable => "n/a",
        }
    }

    fn reason(&self) -> String {
        match self {
            Status::Pass | Status::NotApplicable => String::new(),
            Status::Fail(r) | Status::Skip(r) | Status::NotRun(r) => r.clone(),
            Status::ExpectedFail { seen, why } => format!("{seen} (expected: {why})"),
            Status::UnexpectedPass { why } => {
                format!("listed in expected-failures.txt ({why}) but passed")
            }
        }
    }
}

fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Pass => "pass".into(),
        Outcome::Fail(r) => r.clone(),
        Outcome::Skip(r) => r.clone(),
        Outcome::Killed(sig) => format!("killed by {sig}"),
        Outcome::Timeout(t) => format!("timed out ({t})"),
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub abi: String,
    pub case: String,
    pub status: Status,
    pub millis: Option<u64>,
}

/// What a whole run gave.
#[derive(Debug)]
pub struct SuiteReport {
    pub results: Vec<CaseResult>,
    /// Disagreements between plan, lines, summary and exit status.
    pub problems: Vec<String>,
    pub summary: Option<String>,
    pub elapsed: Duration,
}

/// Judges the runner's output against the plan.
pub fn judge(
    built: &Built,
    expected: &BTreeMap<String, String>,
    lines: &[String],
    status: &ExecStatus,
) -> (Vec<CaseResult>, Vec<String>, Option<String>) {
    let mut seen: BTreeMap<(String, String), Outcome> = BTreeMap::new();
    let mut times: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut plan = None;
    let mut summary = None;
    for line in lines {
        let line = line.trim_end_matches('\r');
        if let Some((abi, case, outcome)) = parse_case_line(line) {
            if seen.insert((abi.clone(), case.clone()), outcome).is_some() {
                problems.push(format!("{abi}/{case} reported twice"));
            }
        } else if let Some(rest) = line.strip_prefix("ABI-TIME ") {
            let f: Vec<&str> = rest.split_whitespace().collect();
            if let [abi, case, ms, ..] = f[..]
                && let Ok(ms) = ms.parse()
            {
                times.insert((abi.to_string(), case.to_string()), ms);
            }
        } else if let Some(n) = line.strip_prefix("ABI-PLAN ") {
            plan = n.trim().parse::<usize>().ok();
        } else if let Some(s) = line.strip_prefix("ABI-SUMMARY ") {
            summary = Some(s.trim().to_string());
        }
    }
    if plan != Some(built.planned.len()) {
        problems.push(format!(
            "the runner announced {plan:?} cases; {} were planned",
            built.planned.len()
        ));
    }
    let mut results = Vec::new();
    let (mut pass, mut fail, mut skip, mut xfail) = (0, 0, 0, 0);
    for key in &built.planned {
        let (abi, case) = key;
        let why = expected.get(&format!("{abi}/{case}"));
        let status = match (seen.remove(key), why) {
            (None, _) => Status::NotRun("the runner printed no result".into()),
            (Some(Outcome::Pass), None) => Status::Pass,
            (Some(Outcome::Pass), Some(why)) => Status::UnexpectedPass { why: why.clone() },
            (Some(Outcome::Skip(r)), _) => Status::Skip(r),
            (Some(o), None) => Status::Fail(outcome_text(&o)),
            (Some(o), Some(why)) => Status::ExpectedFail {
                seen: outcome_text(&o),
                why: why.clone(),
            },
        };
        match &status {
            Status::Pass | Status::UnexpectedPass { .. } => pass += 1,
            Status::Skip(_) => skip += 1,
            Status::ExpectedFail { .. } => xfail += 1,
            Status::Fail(_) => fail += 1,
            _ => {}
        }
        results.push(CaseResult {
            abi: abi.clone(),
            case: case.clone(),
            millis: times.get(key).copied(),
            status,
        });
    }
    for (abi, case) in seen.keys() {
        problems.push(format!("{abi}/{case} reported but not planned"));
    }
    for (abi, case) in &built.not_applicable {
        results.push(CaseResult {
            abi: abi.clone(),
            case: case.clone(),
            status: Status::NotApplicable,
            millis: None,
        });
    }
    let want = format!("pass={pass} fail={fail} skip={skip} xfail={xfail}");
    match &summary {
        None => problems.push("no ABI-SUMMARY line".into()),
        Some(s) if *s != want => problems.push(format!(
            "summary `{s}` disagrees with the case lines (`{want}`)"
        )),
        Some(_) => {}
    }
    let want_status = if fail == 0 { 0 } else { 1 };
    if *status != ExecStatus::Exited(want_status) {
        problems.push(format!(
            "the runner ended with {status:?}; wanted exit status {want_status}"
        ));
    }
    (results, problems, summary)
}

/// Everything `run` needs.
pub struct RunConfig<'a> {
    pub guest: Guest<'a>,
    pub case_timeout: Duration,
    pub selection: Selection,
    pub verbose: bool,
}

/// Builds, boots, judges and writes the report. `on_case` sees each result line as the
/// guest prints it (for progress).
pub fn run(cfg: &RunConfig<'_>, on_case: &mut dyn FnMut(&str)) -> crate::Result<SuiteReport> {
    let ws = cfg.guest.ws;
    let started = Instant::now();
    let built = build(ws, &cfg.selection)?;
    let expected_text = fs::read_to_string(ws.root.join(EXPECTED_FAILURES)).unwrap_or_default();
    let expected = parse_expected_failures(&expected_text);
    let secs = cfg.case_timeout.as_secs().max(1);
    let mut argv = vec![
        RUNNER_GUEST_PATH.to_string(),
        "--timeout".to_string(),
        secs.to_string(),
    ];
    for key in expected.keys() {
        argv.push("--xfail".into());
        argv.push(key.clone());
    }
    argv.push("--".into());
    for (abi, case) in &built.planned {
        argv.push(format!("/abi/{abi}/{case}"));
    }
    // The runner's watchdog stops a hung case; the boot's own limit only catches a
    // hung kernel, so it allows every case a fraction of its limit plus a margin.
    let boot_limit = Duration::from_secs(60 + (secs / 2 + 5) * built.planned.len() as u64);
    let guest = Guest {
        timeout: boot_limit,
        ..cfg.guest
    };
    let verbose = cfg.verbose;
    let mut live = |line: &str| {
        let line = line.trim_end_matches('\r');
        if line.starts_with("ABI-CASE ") {
            on_case(line);
        } else if verbose {
            println!("    {line}");
        }
    };
    let outcome = run_program(&guest, std::slice::from_ref(&built.root), &argv, &mut live)?;
    let log_dir = ws.log_dir();
    let _ = fs::create_dir_all(&log_dir);
    let _ = fs::write(log_dir.join("abi-suite.log"), outcome.stdout.join("\n"));
    let _ = fs::write(log_dir.join("abi-suite-kernel.log"), &outcome.kernel_log);
    let (results, problems, summary) = judge(&built, &expected, &outcome.stdout, &outcome.status);
    let report = SuiteReport {
        results,
        problems,
        summary,
        elapsed: started.elapsed(),
    };
    write_report(&ws.target_dir.join("abi-report"), &report)?;
    Ok(report)
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The matrix: case rows, ABI columns.
pub fn render_markdown(report: &SuiteReport) -> String {
    let abis: Vec<&str> = ABIS.iter().map(|a| a.name).collect();
    let mut cases: Vec<&str> = report.results.iter().map(|r| r.case.as_str()).collect();
    cases.sort_unstable();
    cases.dedup();
    let mut md = String::from("# ABI conformance matrix\n\n");
    let count = |w: &str| {
        report
            .results
            .iter()
            .filter(|r| r.status.word() == w)
            .count()
    };
    let _ = writeln!(
        md,
        "{} pass, {} fail, {} skip, {} expected-fail, {} unexpected-pass, {} not run \
         ({:.1} s, build and boot included).\n",
        count("pass"),
        count("fail"),
        count("skip"),
        count("expected-fail"),
        count("unexpected-pass"),
        count("not-run"),
        report.elapsed.as_secs_f64()
    );
    md.push_str("| case |");
    for abi in &abis {
        let _ = write!(md, " {abi} |");
    }
    md.push_str("\n|---|");
    for _ in &abis {
        md.push_str("---|");
    }
    md.push('\n');
    for case in &cases {
        let _ = write!(md, "| {} |", md_cell(case));
        for abi in &abis {
            let cell = report
                .results
                .iter()
                .find(|r| r.case == *case && r.abi == *abi);
            let text = match cell {
                None => "not selected".to_string(),
                Some(r) => {
                    let mut t = r.status.word().to_string();
                    let reason = r.status.reason();
                    if !reason.is_empty() {
                        let _ = write!(t, ": {reason}");
                    }
                    if let Some(ms) = r.millis {
                        let _ = write!(t, " ({:.1} s)", ms as f64 / 1000.0);
                    }
                    t
                }
            };
            let _ = write!(md, " {} |", md_cell(&text));
        }
        md.push('\n');
    }
    if cases.iter().any(|c| c.starts_with(CROSS_PREFIX)) {
        let _ = writeln!(
            md,
            "\n`{CROSS_PREFIX}*` rows are the cross-ABI cases: under each column the case \
             is the parent and execs its own build for every other ABI in the image as the \
             child, so each pair of ABIs is crossed both ways across the row."
        );
    }
    if !report.problems.is_empty() {
        md.push_str("\n## Problems with the run\n\n");
        for p in &report.problems {
            let _ = writeln!(md, "- {}", md_cell(p));
        }
    }
    md
}

pub fn render_json(report: &SuiteReport) -> String {
    let mut j = String::from("{\n  \"abis\": [");
    let abis: Vec<String> = ABIS.iter().map(|a| json_string(a.name)).collect();
    j.push_str(&abis.join(", "));
    j.push_str("],\n  \"results\": [\n");
    let rows: Vec<String> = report
        .results
        .iter()
        .map(|r| {
            format!(
                "    {{\"case\": {}, \"abi\": {}, \"status\": {}, \"reason\": {}, \"ms\": {}}}",
                json_string(&r.case),
                json_string(&r.abi),
                json_string(r.status.word()),
                json_string(&r.status.reason()),
                r.millis.map_or("null".to_string(), |m| m.to_string())
            )
        })
        .collect();
    j.push_str(&rows.join(",\n"));
    j.push_str("\n  ],\n  \"problems\": [");
    let problems: Vec<String> = report.problems.iter().map(|p| json_string(p)).collect();
    j.push_str(&problems.join(", "));
    let _ = write!(
        j,
        "],\n  \"summary\": {},\n  \"elapsed_s\": {:.3}\n}}\n",
        report
            .summary
            .as_deref()
            .map_or("null".to_string(), json_string),
        report.elapsed.as_secs_f64()
    );
    j
}

fn write_report(dir: &Path, report: &SuiteReport) -> crate::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join("report.md"), render_markdown(report))?;
    fs::write(dir.join("report.json"), render_json(report))?;
    Ok(())
}

/// What the runner must report for each self-check case (abi-tests/selfcheck), as a
/// predicate on its outcome and a description of what was wanted.
type Expectation = (&'static str, fn(&Outcome) -> bool, &'static str);

const SELF_CHECKS: [Expectation; 6] = [
    (
        "sc_fail",
        |o| matches!(o, Outcome::Fail(d) if d.contains("sc_fail.c:")),
        "fail naming sc_fail.c:LINE",
    ),
    (
        "sc_skip",
        |o| matches!(o, Outcome::Skip(d) if d.contains("selfcheck reason")),
        "skip with its reason",
    ),
    (
        "sc_segv",
        |o| matches!(o, Outcome::Killed(d) if d.contains("SIGSEGV")),
        "killed SIGSEGV",
    ),
    ("sc_hang", |o| matches!(o, Outcome::Timeout(_)), "timeout"),
    (
        "sc_exit",
        |o| matches!(o, Outcome::Fail(_)),
        "fail (exit status 3)",
    ),
    ("sc_pass", |o| *o == Outcome::Pass, "pass"),
];

/// Proves the runner reports what happened: builds the self-check cases, runs them
/// under the runner with a 2 s limit, and returns one problem per case reported wrong
/// (or a runner exit status that claims success).
pub fn run_self_checks(guest: &Guest<'_>) -> crate::Result<Vec<String>> {
    let ws = guest.ws;
    let out = ws.target_dir.join("abi-selfcheck");
    let root = out.join("root");
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    let dir = root.join("abi/selfcheck");
    fs::create_dir_all(&dir)?;
    fs::create_dir_all(root.join("bin"))?;
    let libc = libc_for(ws, abi_named(RUNNER_ABI)?)?;
    let mut jobs = vec![link_command(
        &libc,
        &ws.root.join("abi-tests/runner/runner.c"),
        &root.join(RUNNER_GUEST_PATH.trim_start_matches('/')),
    )];
    let mut argv: Vec<String> = [RUNNER_GUEST_PATH, "--timeout", "2", "--"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (name, _, _) in &SELF_CHECKS {
        let source = ws.root.join(format!("abi-tests/selfcheck/{name}.c"));
        jobs.push(link_command(&libc, &source, &dir.join(name)));
        argv.push(format!("/abi/selfcheck/{name}"));
    }
    run_jobs(jobs)?;
    let guest = Guest {
        timeout: Duration::from_secs(60),
        ..*guest
    };
    let outcome = run_program(&guest, std::slice::from_ref(&root), &argv, &mut |_| {})?;
    let reported: BTreeMap<String, Outcome> = outcome
        .stdout
        .iter()
        .filter_map(|l| parse_case_line(l.trim_end_matches('\r')))
        .map(|(_, case, o)| (case, o))
        .collect();
    let mut problems = Vec::new();
    for (name, ok, wanted) in &SELF_CHECKS {
        match reported.get(*name) {
            Some(o) if ok(o) => {}
            Some(o) => problems.push(format!("{name}: reported {o:?}, wanted {wanted}")),
            None => problems.push(format!("{name}: no result line (wanted {wanted})")),
        }
    }
    if outcome.status == ExecStatus::Exited(0) {
        problems.push("the runner exited 0 although cases failed".into());
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_declarations() {
        assert_eq!(declared_abis("// abi: all\nint x;"), None);
        assert_eq!(declared_abis("int main;"), None);
        assert_eq!(
            declared_abis("/* x */\n// abi: native-v1, freebsd4-i386\n"),
            Some(vec!["native-v1".into(), "freebsd4-i386".into()])
        );
    }

    #[test]
    fn osabi_branding() {
        let dir = std::env::temp_dir().join(format!("xtask-osabi-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let elf = dir.join("prog");
        let mut bytes = b"\x7fELF\x01\x01\x01\x00".to_vec();
        bytes.extend_from_slice(&[0xaa; 8]);
        fs::write(&elf, &bytes).unwrap();
        set_osabi(&elf, ELFOSABI_FREEBSD).unwrap();
        let got = fs::read(&elf).unwrap();
        assert_eq!(got[7], 9);
        assert_eq!(got.len(), bytes.len());
        assert_eq!(got[..7], bytes[..7]);
        assert_eq!(got[8..], bytes[8..]);
        let text = dir.join("text");
        fs::write(&text, b"#!/bin/sh\nexit 0\n").unwrap();
        assert!(set_osabi(&text, 9).is_err());
        let _ = fs::remove_dir_all(&dir);
        // Only the FreeBSD flavour is branded, and links without the host libgcc.
        let fb4 = abi_named("freebsd4-i386").unwrap();
        assert_eq!((fb4.osabi, fb4.libgcc), (Some(9), false));
        let native = abi_named("native-v1").unwrap();
        assert_eq!((native.osabi, native.libgcc), (None, true));
    }

    #[test]
    fn case_lines() {
        assert_eq!(
            parse_case_line("ABI-CASE native-v1 pipe_bulk pass\r"),
            Some(("native-v1".into(), "pipe_bulk".into(), Outcome::Pass))
        );
        assert_eq!(
            parse_case_line("ABI-CASE native-v1 x fail x.c:3: CHECK(a == b)"),
            Some((
                "native-v1".into(),
                "x".into(),
                Outcome::Fail("x.c:3: CHECK(a == b)".into())
            ))
        );
        assert_eq!(
            parse_case_line("ABI-CASE native-v1 x killed SIGSEGV").map(|t| t.2),
            Some(Outcome::Killed("SIGSEGV".into()))
        );
        assert_eq!(parse_case_line("ABI-CASE native-v1 x"), None);
        assert_eq!(parse_case_line("  | ABI-CASE a b pass"), None);
    }

    fn built(cases: &[&str]) -> Built {
        Built {
            root: PathBuf::new(),
            planned: cases
                .iter()
                .map(|c| ("native-v1".to_string(), c.to_string()))
                .collect(),
            not_applicable: Vec::new(),
        }
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn judging_applies_expected_failures() {
        let expected = parse_expected_failures("# c\nnative-v1/b  no VFS yet\n");
        let out = lines(
            "ABI-PLAN 3\nABI-CASE native-v1 a pass\nABI-TIME native-v1 a 5 ms\n\
             ABI-CASE native-v1 b fail b.c:1: ENOSYS\nABI-CASE native-v1 c skip why\n\
             ABI-SUMMARY pass=1 fail=0 skip=1 xfail=1",
        );
        let (results, problems, _) = judge(
            &built(&["a", "b", "c"]),
            &expected,
            &out,
            &ExecStatus::Exited(0),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(results[0].status, Status::Pass);
        assert_eq!(results[0].millis, Some(5));
        assert!(matches!(results[1].status, Status::ExpectedFail { .. }));
        assert_eq!(results[2].status, Status::Skip("why".into()));
    }

    #[test]
    fn judging_catches_missing_lines_and_bad_status() {
        let out = lines(
            "ABI-PLAN 2\nABI-CASE native-v1 a fail x\nABI-SUMMARY pass=0 fail=1 skip=0 xfail=0",
        );
        let (results, problems, _) = judge(
            &built(&["a", "b"]),
            &BTreeMap::new(),
            &out,
            &ExecStatus::Exited(0),
        );
        assert_eq!(results[0].status, Status::Fail("x".into()));
        assert!(results[1].status.is_failure());
        assert_eq!(problems.len(), 1, "{problems:?}"); // exit status 0 despite a failure
    }

    #[test]
    fn reports_render() {
        let report = SuiteReport {
            results: vec![CaseResult {
                abi: "native-v1".into(),
                case: "a|b".into(),
                status: Status::Fail("x \"y\"".into()),
                millis: Some(1500),
            }],
            problems: vec![],
            summary: Some("pass=0".into()),
            elapsed: Duration::from_secs(1),
        };
        let md = render_markdown(&report);
        assert!(md.contains("| a\\|b | fail: x \"y\" (1.5 s) |"), "{md}");
        let json = render_json(&report);
        assert!(json.contains("\"reason\": \"x \\\"y\\\"\""), "{json}");
    }
}
