//! `abi-gen`: the ABI compiler's command line. Every output is produced by the library
//! (`abi_gen::targets`), so the CLI, `cargo xtask gen` and the staleness tests agree.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use abi_gen::targets::{self, Target};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compiles the ABI specs in abi/spec (JSON) into Rust, C, Markdown and coverage tables,
/// and compares two versions of one ABI.
///
/// With no SPEC arguments every `abi/spec/*.json` is used. Without `-o`, each output goes
/// to its checked-in place in the workspace; `--check` writes nothing and fails (exit 1)
/// when a checked-in file differs from what the specs produce.
#[derive(Debug, Parser)]
#[command(name = "abi-gen", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Validate specs: JSON Schema, then the semantic rules (offsets, overlaps, numbering,
    /// references). Prints every issue with its JSON path; exit 1 if any.
    Check {
        /// Spec files (default: every abi/spec/*.json).
        specs: Vec<PathBuf>,
    },
    /// Rust for the nymph-abi crate: `generated/<abi>.rs` (zerocopy structs with size and
    /// offset assertions, constants, flags, enums, argument decoders, the handler table)
    /// and `generated/mod.rs`. Default output: abi/src.
    Rust(GenArgs),
    /// C for libc-shim: `<abi>/types.h` (structs, constants, errno), `<abi>/syscalls.h`
    /// (prototypes of the `__sys_<name>` stubs, `SYS_<name>` numbers) and
    /// `<abi>/syscalls.S` (i386: int $0x80, stack arguments, carry flag -> errno;
    /// x86_64: syscall, negative errno -> errno). Default output: libc-shim/gen.
    C(GenArgs),
    /// Markdown reference page per ABI, `<abi>.md`: identity, calling convention, types
    /// with offsets, constants, every syscall slot. Default output: abi/doc.
    Markdown(GenArgs),
    /// The coverage table, `coverage.md`: slot, name, kind and status of every slot of
    /// every ABI, from the same data as the dispatch tables. Default output: abi/doc.
    Coverage(GenArgs),
    /// The syscall fuzzer's table, `<abi>/fuzz_table.h` (every ABI): each served call's
    /// number, name and argument kinds and words, with the spec's `fuzz` restrictions.
    /// Default output: libc-shim/gen.
    Fuzz(GenArgs),
    /// Negative conformance cases derived from the spec, `<abi>/neg_<call>.c` and
    /// `<abi>/neg_nosys.c` (bad pointers, descriptors, flag bits, unserved numbers).
    /// Default output: abi-tests/generated.
    Negative(GenArgs),
    /// User-space bindings, `nymph-sys-v<N>/{Cargo.toml, src/lib.rs}` per spec of the
    /// native calling convention (others are skipped): a `no_std` crate with the ABI's
    /// types and numbers, `Errno`, the ABI note and one raw `unsafe fn` per served call
    /// (`syscall` in asm, `-errno` results). Default output: abi/bindings.
    Bindings(GenArgs),
    /// Every output above, each to its default place (what `cargo xtask gen` runs).
    All {
        /// Compare instead of writing; exit 1 if anything is stale.
        #[arg(long)]
        check: bool,
    },
    /// Compare two versions of one ABI. Every change is classified compatible, additive
    /// or breaking (a reused number, a changed layout or value, a removed call). Exit 1
    /// on a breaking change unless NEW declares it (`abi.declared_breaks`: a subject such as `syscall:5`, `type:stat`, or "*"); exit 0
    /// otherwise.
    Diff {
        /// The old version's spec.
        old: PathBuf,
        /// The new version's spec.
        new: PathBuf,
        /// Write the report here instead of stdout.
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
struct GenArgs {
    /// Spec files (default: every abi/spec/*.json).
    specs: Vec<PathBuf>,
    /// Output directory (default: the checked-in place in the workspace).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Compare with what is in the output directory instead of writing; exit 1 if stale.
    #[arg(long)]
    check: bool,
}

fn specs_or_default(specs: Vec<PathBuf>) -> Vec<PathBuf> {
    if specs.is_empty() {
        targets::default_specs()
    } else {
        specs
    }
}

fn run_target(target: Target, args: GenArgs) -> Result<bool, String> {
    let specs = targets::load_all(&specs_or_default(args.specs))?;
    let files = targets::generate(target, &specs)?;
    let dir = args
        .out
        .unwrap_or_else(|| targets::workspace_root().join(target.default_dir()));
    finish(&files, &dir, args.check)
}

fn finish(
    files: &abi_gen::output::Files,
    dir: &std::path::Path,
    check: bool,
) -> Result<bool, String> {
    if check {
        let stale = files.check(dir);
        for s in &stale {
            eprintln!("stale: {s}");
        }
        Ok(stale.is_empty())
    } else {
        files
            .write(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        for f in &files.files {
            eprintln!("wrote {}", dir.join(&f.path).display());
        }
        Ok(true)
    }
}

fn run(cli: Cli) -> Result<bool, String> {
    match cli.cmd {
        Cmd::Check { specs } => {
            let mut ok = true;
            for p in specs_or_default(specs) {
                match abi_gen::model::load(&p) {
                    Ok(spec) => println!(
                        "{}: ok ({} v{}, {} syscall slots, {} types)",
                        p.display(),
                        spec.abi.name,
                        spec.abi.version,
                        spec.syscalls.len(),
                        spec.types.len()
                    ),
                    Err(e) => {
                        ok = false;
                        eprintln!("{e}");
                    }
                }
            }
            Ok(ok)
        }
        Cmd::Rust(a) => run_target(Target::Rust, a),
        Cmd::C(a) => run_target(Target::C, a),
        Cmd::Markdown(a) => run_target(Target::Markdown, a),
        Cmd::Coverage(a) => run_target(Target::Coverage, a),
        Cmd::Fuzz(a) => run_target(Target::Fuzz, a),
        Cmd::Negative(a) => run_target(Target::Negative, a),
        Cmd::Bindings(a) => run_target(Target::Bindings, a),
        Cmd::All { check } => {
            let specs = targets::load_all(&targets::default_specs())?;
            let mut ok = true;
            for t in Target::ALL {
                let files = targets::generate(t, &specs)?;
                let dir = targets::workspace_root().join(t.default_dir());
                ok &= finish(&files, &dir, check)?;
            }
            Ok(ok)
        }
        Cmd::Diff {
            old,
            new,
            out,
            format,
        } => {
            let o = abi_gen::model::load(&old).map_err(|e| e.to_string())?;
            let n = abi_gen::model::load(&new).map_err(|e| e.to_string())?;
            let report = abi_gen::diff::diff(&o, &n);
            let text = match format {
                Format::Text => report.to_text(),
                Format::Markdown => report.to_markdown(),
                Format::Json => report.to_json(),
            };
            match out {
                Some(p) => std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?,
                None => print!("{text}"),
            }
            if report.fails() {
                eprintln!(
                    "abi-gen diff: breaking changes that {} does not declare",
                    new.display()
                );
            }
            Ok(!report.fails())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("abi-gen: {e}");
            ExitCode::from(2)
        }
    }
}
