//! `cargo xtask fuzz-exec`: mutated executables of every ABI exec'd in the guest.
//!
//! A tiny valid program (abi-tests/fuzz/exec_target.c, exiting 7) is built for each ABI
//! of the suite; N mutants of those images are made from a seeded PRNG (ELF header and
//! program header fields set to edge values, huge and overlapping segments, byte flips,
//! truncation) and written to `/fx/<i>` in the guest, after one unmutated copy per ABI.
//! The init, abi-tests/fuzz/execer.c, execs each in a child with a 2 s watchdog and
//! prints how it ended. Each must be refused with ENOEXEC (or ENOMEM: a segment larger
//! than the memory, or one the kernel cannot map; or EINVAL: a FreeBSD-4 segment on or
//! above the 4.x stack, which 4.x's loader cannot map; or ENOENT for a mutant with a
//! PT_INTERP header: the interpreter it names, bytes of the image, is no file) or run
//! and end (exit, signal, watchdog); the unmutated copies must exit 7. The kernel must not panic or hang, and
//! its heap and free frames at init's exit must match a baseline boot that execs
//! nothing (the same check as `cargo xtask fuzz`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use nymph_harness::{Accel, Profile, Workspace, ensure_qemu};

use crate::abi_suite::{ABIS, abi_named, brand, libc_for, link_command, run_jobs};
use crate::cmd_exec::{ExecStatus, Guest, run_program};
use crate::cmd_fuzz::{FRAME_SLACK, HEAP_SLACK, mem_counters};

/// Where the images go in the guest.
const GUEST_DIR: &str = "/fx";
/// What the unmutated program exits with.
const CONTROL_STATUS: &str = "exited 7";
/// Refusals a mutant may get besides ENOEXEC: ENOMEM when its segments do not fit in
/// memory or cannot be mapped; EINVAL for a FreeBSD-4 segment on or above USRSTACK.
const ALLOWED_ERRNOS: [&str; 3] = ["ENOEXEC", "ENOMEM", "EINVAL"];
/// The refusal of a mutant that names an ELF interpreter: a retyped header (a note
/// made PT_INTERP) names whatever bytes it covers, which are no file in the guest, and
/// exec gives the interpreter lookup's error, as 4.x's `exec_elf_imgact` returns
/// `elf_load_file`'s (namei's ENOENT).
const NO_INTERPRETER: &str = "ENOENT";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzExecArgs {
    pub seed: u64,
    pub count: u64,
    pub timeout: Option<Duration>,
    pub verbose: bool,
}

impl Default for FuzzExecArgs {
    fn default() -> Self {
        FuzzExecArgs {
            seed: 1,
            count: 1000,
            timeout: None,
            verbose: false,
        }
    }
}

/// splitmix64: small, and the same sequence on every host.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Where the fields of an ELF image of one class are: (offset, width) pairs.
struct Layout {
    wide: bool,
    entry: usize,
    phoff: usize,
    phentsize: usize,
    phnum: usize,
    /// In a program header: type, flags, offset, vaddr, filesz, memsz, align.
    ph: [(&'static str, usize); 7],
}

const ELF64: Layout = Layout {
    wide: true,
    entry: 24,
    phoff: 32,
    phentsize: 54,
    phnum: 56,
    ph: [
        ("p_type", 0),
        ("p_flags", 4),
        ("p_offset", 8),
        ("p_vaddr", 16),
        ("p_filesz", 32),
        ("p_memsz", 40),
        ("p_align", 48),
    ],
};

const ELF32: Layout = Layout {
    wide: false,
    entry: 24,
    phoff: 28,
    phentsize: 42,
    phnum: 44,
    ph: [
        ("p_type", 0),
        ("p_flags", 24),
        ("p_offset", 4),
        ("p_vaddr", 8),
        ("p_filesz", 16),
        ("p_memsz", 20),
        ("p_align", 28),
    ],
};

const PT_LOAD: u64 = 1;
const PT_INTERP: u64 = 3;

fn get(data: &[u8], at: usize, width: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(src) = data.get(at..at + width) {
        b[..width].copy_from_slice(src);
    }
    u64::from_le_bytes(b)
}

fn put(data: &mut [u8], at: usize, width: usize, value: u64) {
    if let Some(dst) = data.get_mut(at..at + width) {
        dst.copy_from_slice(&value.to_le_bytes()[..width]);
    }
}

/// Whether `data`'s program header table (as far as it lies in the file) has a
/// PT_INTERP entry.
fn names_interpreter(data: &[u8]) -> bool {
    let l = if data.get(4) == Some(&1) {
        &ELF32
    } else {
        &ELF64
    };
    let w = if l.wide { 8 } else { 4 };
    let phoff = usize::try_from(get(data, l.phoff, w)).unwrap_or(usize::MAX);
    let phentsize = get(data, l.phentsize, 2) as usize;
    let phnum = get(data, l.phnum, 2) as usize;
    (0..phnum).any(|i| {
        i.checked_mul(phentsize)
            .and_then(|o| phoff.checked_add(o))
            .and_then(|at| data.get(at..at.checked_add(4)?))
            .is_some_and(|t| u64::from(u32::from_le_bytes([t[0], t[1], t[2], t[3]])) == PT_INTERP)
    })
}

/// An edge value for a field that held `old` in an image of `len` bytes.
fn edge_value(rng: &mut Rng, old: u64, len: u64, width: usize) -> u64 {
    let max = if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (width * 8)) - 1
    };
    let v = match rng.below(14) {
        0 => 0,
        1 => 1,
        2 => max,
        3 => max.saturating_sub(0xfff),
        4 => 1 << 31,
        5 => 0x7fff_ffff_f000,
        6 => len,
        7 => len.wrapping_add(1),
        8 => old.wrapping_add(1),
        9 => old.wrapping_sub(1),
        10 => old.wrapping_add(0x1000),
        11 => old.wrapping_mul(2),
        12 => 0x1000 << rng.below(30),
        _ => rng.next(),
    };
    v & max
}

/// One mutant of `good`, with what was done to it.
fn mutate(good: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut data = good.to_vec();
    let l = if good.get(4) == Some(&1) {
        &ELF32
    } else {
        &ELF64
    };
    let w = if l.wide { 8 } else { 4 };
    let len = good.len() as u64;
    let phoff = get(good, l.phoff, w) as usize;
    let phentsize = get(good, l.phentsize, 2) as usize;
    let phnum = get(good, l.phnum, 2) as usize;
    let ph_at = |i: usize| phoff + i * phentsize;
    let field_width = |name: &str| {
        if name == "p_type" || name == "p_flags" {
            4
        } else {
            w
        }
    };
    let loads: Vec<usize> = (0..phnum)
        .filter(|&i| get(good, ph_at(i), 4) == PT_LOAD)
        .collect();
    let mut done = Vec::new();
    for _ in 0..=rng.below(3) {
        match rng.below(8) {
            0 => {
                let (name, at, width) = match rng.below(5) {
                    0 => ("e_entry", l.entry, w),
                    1 => ("e_phoff", l.phoff, w),
                    2 => ("e_phentsize", l.phentsize, 2),
                    3 => ("e_phnum", l.phnum, 2),
                    _ => ("e_ident", 4 + rng.below(12) as usize, 1),
                };
                let v = edge_value(rng, get(&data, at, width), len, width);
                put(&mut data, at, width, v);
                done.push(format!("{name}@{at}={v:#x}"));
            }
            1..=3 => {
                let i = rng.below(phnum as u64) as usize;
                let (name, off) = l.ph[rng.below(7) as usize];
                let width = field_width(name);
                let at = ph_at(i) + off;
                let v = edge_value(rng, get(&data, at, width), len, width);
                put(&mut data, at, width, v);
                done.push(format!("ph{i}.{name}={v:#x}"));
            }
            4 if loads.len() >= 2 => {
                // Two segments over the same pages.
                let (a, b) = (loads[0], loads[1]);
                let (_, vaddr) = l.ph[3];
                let v = get(&data, ph_at(a) + vaddr, w) + rng.below(0x2000);
                put(&mut data, ph_at(b) + vaddr, w, v);
                done.push(format!("ph{b}.p_vaddr={v:#x} (overlap ph{a})"));
            }
            4 | 5 => {
                // A huge segment: memory the machine does not have, or beyond the user half.
                let Some(&i) = loads.get(rng.below(loads.len() as u64) as usize) else {
                    continue;
                };
                let (_, memsz) = l.ph[5];
                let v = if l.wide {
                    1u64 << (32 + rng.below(16))
                } else {
                    0x1000_0000u64 << rng.below(4)
                };
                put(&mut data, ph_at(i) + memsz, w, v);
                done.push(format!("ph{i}.p_memsz={v:#x} (huge)"));
            }
            6 => {
                // Byte flips, mostly in the headers.
                let now = data.len() as u64;
                let span = if rng.below(2) == 0 { 256.min(now) } else { now };
                for _ in 0..=rng.below(4) {
                    if span == 0 {
                        break;
                    }
                    let at = rng.below(span) as usize;
                    data[at] ^= 1 << rng.below(8);
                    done.push(format!("flip@{at}"));
                }
            }
            _ => {
                let now = data.len() as u64;
                let at = if rng.below(2) == 0 {
                    rng.below(512.min(now))
                } else {
                    rng.below(now)
                };
                data.truncate(at as usize);
                done.push(format!("truncate@{at}"));
            }
        }
    }
    (data, done.join(" "))
}

/// The unmutated image of each ABI, by name.
type Images = Vec<(&'static str, Vec<u8>)>;

/// Builds the execer (native-v1) and the target for every ABI; returns the execer's
/// root and the targets' images by ABI.
fn build(ws: &Workspace) -> crate::Result<(PathBuf, Images)> {
    let out = ws.target_dir.join("fuzz-exec");
    let root = out.join("execer-root");
    fs::create_dir_all(root.join("bin"))?;
    let fuzz = ws.root.join("abi-tests/fuzz");
    let native = libc_for(ws, abi_named("native-v1")?)?;
    let execer = root.join("bin/execer");
    let mut jobs = vec![link_command(&native, &fuzz.join("execer.c"), &execer)];
    let mut targets = Vec::new();
    for abi in &ABIS {
        let libc = libc_for(ws, abi)?;
        let path = out.join(format!("target-{}", abi.name));
        jobs.push(link_command(&libc, &fuzz.join("exec_target.c"), &path));
        targets.push((abi.name, libc, path));
    }
    run_jobs(jobs)?;
    let mut images = Vec::new();
    for (name, libc, path) in targets {
        brand(&libc, std::slice::from_ref(&path))?;
        images.push((name, fs::read(&path)?));
    }
    Ok((root, images))
}

/// One file of the run: which ABI's image, and what was done to it (None: unmutated).
struct Planned {
    abi: &'static str,
    mutation: Option<String>,
    /// Whether the file has a PT_INTERP header.
    interp: bool,
}

/// Writes the controls and `count` mutants into `<dir>/fx`; returns what each file is.
fn write_mutants(
    dir: &Path,
    images: &Images,
    seed: u64,
    count: u64,
) -> crate::Result<Vec<Planned>> {
    use std::os::unix::fs::PermissionsExt;
    let fx = dir.join(GUEST_DIR.trim_start_matches('/'));
    let _ = fs::remove_dir_all(&fx);
    fs::create_dir_all(&fx)?;
    let mut rng = Rng(seed);
    let mut plan = Vec::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    for (abi, image) in images {
        plan.push(Planned {
            abi,
            mutation: None,
            interp: names_interpreter(image),
        });
        files.push(image.clone());
    }
    for _ in 0..count {
        let (abi, image) = &images[rng.below(images.len() as u64) as usize];
        let (data, what) = mutate(image, &mut rng);
        plan.push(Planned {
            abi,
            mutation: Some(what),
            interp: names_interpreter(&data),
        });
        files.push(data);
    }
    for (i, data) in files.iter().enumerate() {
        let path = fx.join(i.to_string());
        fs::write(&path, data)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
    }
    Ok(plan)
}

/// What one boot showed.
struct Run {
    status: ExecStatus,
    /// The outcome line of each file, by index ("refused ENOEXEC", "exited 7", ...).
    outcomes: BTreeMap<usize, String>,
    done: bool,
    mem: Option<(i64, i64)>,
    elapsed: Duration,
}

fn boot(guest: &Guest<'_>, roots: &[PathBuf], files: usize, verbose: bool) -> crate::Result<Run> {
    let argv = vec![
        "/bin/execer".to_string(),
        GUEST_DIR.to_string(),
        files.to_string(),
    ];
    let mut outcomes = BTreeMap::new();
    let mut done = false;
    let start = Instant::now();
    let outcome = run_program(guest, roots, &argv, &mut |line| {
        if verbose {
            println!("{line}");
        }
        let Some(rest) = line.trim_end().strip_prefix("FX ") else {
            return;
        };
        if rest == "done" {
            done = true;
        } else if let Some((n, what)) = rest.split_once(' ')
            && let Ok(n) = n.parse()
        {
            outcomes.insert(n, what.to_string());
        }
    })?;
    Ok(Run {
        mem: mem_counters(&outcome.kernel_log),
        status: outcome.status,
        outcomes,
        done,
        elapsed: start.elapsed(),
    })
}

/// Whether a mutant's outcome is acceptable (`interp`: it has a PT_INTERP header).
fn acceptable(outcome: &str, interp: bool) -> bool {
    match outcome.split_once(' ') {
        Some(("refused", errno)) => {
            ALLOWED_ERRNOS.contains(&errno) || (interp && errno == NO_INTERPRETER)
        }
        Some(("exited" | "signal", _)) => true,
        _ => outcome == "timeout",
    }
}

/// The outcome's kind, for the counts ("refused ENOEXEC", "exited", "signal 11").
fn kind(outcome: &str) -> &str {
    match outcome.split_once(' ') {
        Some(("exited", _)) => "exited",
        _ => outcome,
    }
}

/// Runs the mutants (and a baseline boot); returns the problems found.
pub fn fuzz_exec(
    ws: &Workspace,
    elf: &Path,
    accel: Accel,
    a: &FuzzExecArgs,
) -> crate::Result<Vec<String>> {
    let (execer_root, images) = build(ws)?;
    let mutants_root = ws.target_dir.join("fuzz-exec/mutants-root");
    let plan = write_mutants(&mutants_root, &images, a.seed, a.count)?;
    let roots = [execer_root, mutants_root.clone()];
    let qemu = ensure_qemu()?;
    let timeout = a
        .timeout
        .unwrap_or(Duration::from_secs(60) + Duration::from_millis(100 * a.count));
    let guest = Guest {
        ws,
        elf,
        qemu: &qemu,
        accel,
        timeout,
        memory_mib: None,
    };
    let base = boot(&guest, &roots, 0, false)?;
    let run = boot(&guest, &roots, plan.len(), a.verbose)?;

    let mut problems = Vec::new();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, p) in plan.iter().enumerate() {
        let outcome = run.outcomes.get(&i).map(String::as_str);
        *counts.entry(outcome.map_or("no report", kind)).or_default() += 1;
        let bad = match (&p.mutation, outcome) {
            (_, None) => run.done,
            (None, Some(o)) => o != CONTROL_STATUS,
            (Some(_), Some(o)) => !acceptable(o, p.interp),
        };
        if bad {
            problems.push(format!(
                "/fx/{i} ({} {}): {}",
                p.abi,
                p.mutation.as_deref().unwrap_or("unmutated"),
                outcome.unwrap_or("no report")
            ));
        }
    }
    if !run.done {
        let last = run.outcomes.len();
        let what = plan.get(last).and_then(|p| p.mutation.as_deref());
        problems.push(format!(
            "the execer did not finish: {:?}; reports for {last} of {} files; the next was /fx/{last} ({})",
            run.status,
            plan.len(),
            what.unwrap_or("-")
        ));
    } else if run.status != ExecStatus::Exited(0) {
        problems.push(format!("the execer ended badly: {:?}", run.status));
    }
    if base.status != ExecStatus::Exited(0) {
        problems.push(format!("the baseline boot ended badly: {:?}", base.status));
    }
    let shown: Vec<String> = counts.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    println!(
        "fuzz-exec: seed {} count {} ({} unmutated) in {:.1} s: {}",
        a.seed,
        a.count,
        images.len(),
        run.elapsed.as_secs_f64(),
        shown.join(", ")
    );
    match (base.mem, run.mem) {
        (Some((bh, bf)), Some((rh, rf))) => {
            println!(
                "fuzz-exec: kernel memory at init exit: heap {bh} -> {rh} bytes, free frames {bf} -> {rf}"
            );
            if rh - bh > HEAP_SLACK || bf - rf > FRAME_SLACK {
                problems.push(format!(
                    "kernel memory leak? heap used {bh} -> {rh} bytes, free frames {bf} -> {rf} (slack {HEAP_SLACK} bytes, {FRAME_SLACK} frames)"
                ));
            }
        }
        _ if problems.is_empty() => problems.push("no `NYMPH mem` line in a kernel log".into()),
        _ => {}
    }
    if !problems.is_empty() {
        eprintln!(
            "fuzz-exec: FAILED with --seed {} --count {}; the files are in {}, the kernel log in {}",
            a.seed,
            a.count,
            mutants_root.join("fx").display(),
            ws.target_dir.join("nymph-exec/kernel.log").display()
        );
    }
    Ok(problems)
}

pub fn main(a: &FuzzExecArgs) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let elf = ws.build_kernel(Profile::Debug)?;
    let problems = fuzz_exec(&ws, &elf, Accel::Tcg, a)?;
    Ok(crate::cmd_fuzz::report(&problems, "fuzz-exec"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 image: header, one PT_LOAD program header, padding.
    fn image() -> Vec<u8> {
        let mut d = vec![0u8; 0x200];
        d[..4].copy_from_slice(b"\x7fELF");
        d[4] = 2;
        d[5] = 1;
        put(&mut d, ELF64.phoff, 8, 64);
        put(&mut d, ELF64.phentsize, 2, 56);
        put(&mut d, ELF64.phnum, 2, 1);
        put(&mut d, 64, 4, PT_LOAD);
        d
    }

    #[test]
    fn mutants_are_reproducible_and_differ() {
        let good = image();
        let mut a = Rng(5);
        let mut b = Rng(5);
        let mut changed = 0;
        for _ in 0..200 {
            let (x, wx) = mutate(&good, &mut a);
            let (y, wy) = mutate(&good, &mut b);
            assert_eq!((&x, &wx), (&y, &wy));
            assert!(!wx.is_empty());
            changed += usize::from(x != good);
        }
        // A mutation may set a field to the value it had; nearly all change something.
        assert!(changed > 180, "{changed}");
    }

    #[test]
    fn many_mutants_of_both_classes_are_made_without_panicking() {
        let wide = image();
        let mut narrow = wide.clone();
        narrow[4] = 1;
        let mut rng = Rng(1);
        for _ in 0..20_000 {
            mutate(&wide, &mut rng);
            mutate(&narrow, &mut rng);
        }
    }

    #[test]
    fn finds_an_interpreter_header_only_inside_the_file() {
        let mut d = image();
        assert!(!names_interpreter(&d));
        put(&mut d, 64, 4, PT_INTERP);
        assert!(names_interpreter(&d));
        // A table past the end, or offsets that overflow, hold nothing.
        put(&mut d, ELF64.phoff, 8, u64::MAX - 8);
        assert!(!names_interpreter(&d));
        put(&mut d, ELF64.phoff, 8, 64);
        d.truncate(66);
        assert!(!names_interpreter(&d));
        let mut narrow = image();
        narrow[4] = 1;
        put(&mut narrow, ELF32.phoff, 4, 64);
        put(&mut narrow, ELF32.phnum, 2, 2);
        put(&mut narrow, ELF32.phentsize, 2, 32);
        put(&mut narrow, 96, 4, PT_INTERP);
        assert!(names_interpreter(&narrow));
    }

    #[test]
    fn judges_outcomes() {
        assert!(acceptable("refused ENOEXEC", false));
        assert!(acceptable("refused ENOMEM", false));
        assert!(acceptable("refused EINVAL", false));
        assert!(!acceptable("refused EFAULT", false));
        assert!(acceptable("exited 3", false) && acceptable("signal 11", false));
        assert!(acceptable("timeout", false));
        assert!(!acceptable("unkillable", false));
        // A missing interpreter only for a mutant that names one (seed 2: a note
        // header retyped PT_INTERP names the note's bytes).
        assert!(!acceptable("refused ENOENT", false));
        assert!(acceptable("refused ENOENT", true));
        assert!(!acceptable("refused EFAULT", true));
        assert_eq!(kind("exited 3"), "exited");
        assert_eq!(kind("signal 11"), "signal 11");
    }
}
