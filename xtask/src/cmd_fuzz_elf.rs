//! `cargo xtask fuzz-elf`: the host fuzz target of exec's ELF checks (kernel/fuzz,
//! cargo-fuzz on the nightly toolchain) for a given time, seeded from
//! kernel/tests/elf-corpus. A developer tool, not part of `cargo xtask test`: CI runs
//! the corpus itself through the host tests (`the_corpus_never_panics` and the
//! personalities' `the_elf_corpus_is_judged_without_panic`).

use std::process::{Command, ExitCode, Stdio};

use nymph_harness::Workspace;

const FUZZ_DIR: &str = "kernel/fuzz";
const TARGET: &str = "elf_checks";
/// Read-only seeds; new inputs go to the fuzz crate's own (ignored) corpus directory.
const SEEDS: &str = "kernel/tests/elf-corpus";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzElfArgs {
    pub seconds: u64,
}

impl Default for FuzzElfArgs {
    fn default() -> Self {
        FuzzElfArgs { seconds: 60 }
    }
}

/// `cargo +nightly ...` through rustup, without the toolchain `cargo xtask` was started
/// with leaking in.
fn nightly_cargo(ws: &Workspace) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .current_dir(&ws.root)
        .env("CARGO_TARGET_DIR", &ws.target_dir)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC");
    cmd
}

/// The arguments after `cargo +nightly`.
fn run_args(a: &FuzzElfArgs) -> Vec<String> {
    let corpus = format!("{FUZZ_DIR}/corpus/{TARGET}");
    [
        "fuzz",
        "run",
        TARGET,
        "--fuzz-dir",
        FUZZ_DIR,
        &corpus,
        SEEDS,
        "--",
        &format!("-max_total_time={}", a.seconds),
    ]
    .map(String::from)
    .to_vec()
}

pub fn main(a: &FuzzElfArgs) -> crate::Result<ExitCode> {
    let ws = Workspace::locate()?;
    let has_fuzz = nightly_cargo(&ws)
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_fuzz {
        return Err("cargo-fuzz on the nightly toolchain is missing: \
                    `rustup toolchain install nightly` and `cargo install cargo-fuzz`"
            .into());
    }
    std::fs::create_dir_all(ws.root.join(FUZZ_DIR).join("corpus").join(TARGET))?;
    let args = run_args(a);
    println!("== cargo +nightly {}", args.join(" "));
    let status = nightly_cargo(&ws).args(&args).status()?;
    if status.success() {
        println!("fuzz-elf: no crash in {} s", a.seconds);
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "fuzz-elf: failed ({status}); a crashing input is under {FUZZ_DIR}/artifacts/{TARGET}: \
             fix the check, then add the input to {SEEDS}"
        );
        Ok(ExitCode::FAILURE)
    }
}
