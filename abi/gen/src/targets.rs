//! The outputs abi-gen produces, where they live in the workspace by default, and the
//! one function that produces each from a set of specs. The CLI and the staleness tests
//! both go through here, so "what `--check` compares" and "what the tests compare" are
//! the same thing.

use std::path::{Path, PathBuf};

use crate::model::Spec;
use crate::output::Files;

/// One generated output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `abi/src/generated/*.rs` (the `nymph-abi` crate).
    Rust,
    /// `libc-shim/gen/<abi>/{syscalls.h, syscalls.S, types.h}`.
    C,
    /// `abi/doc/<abi>.md`, the reference page per ABI.
    Markdown,
    /// `abi/doc/coverage.md`, slot / name / status for every ABI.
    Coverage,
    /// `libc-shim/gen/<abi>/fuzz_table.h`, the syscall fuzzer's table.
    Fuzz,
    /// `abi-tests/generated/<abi>/neg_*.c`, negative cases derived from the spec.
    Negative,
    /// `abi/bindings/nymph-sys-v<N>/`, a user-space `no_std` crate per native ABI.
    Bindings,
}

impl Target {
    /// Every target, in the order `all` writes them.
    pub const ALL: [Target; 7] = [
        Target::Rust,
        Target::C,
        Target::Markdown,
        Target::Coverage,
        Target::Fuzz,
        Target::Negative,
        Target::Bindings,
    ];

    /// The default output directory, relative to the workspace root.
    #[must_use]
    pub fn default_dir(self) -> &'static str {
        match self {
            Target::Rust => "abi/src",
            Target::C | Target::Fuzz => "libc-shim/gen",
            Target::Markdown | Target::Coverage => "abi/doc",
            Target::Negative => crate::negative::DIR,
            Target::Bindings => "abi/bindings",
        }
    }
}

/// The workspace root (two levels above this crate).
#[must_use]
pub fn workspace_root() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// Every spec in `abi/spec` (`*.json` except the schema), sorted by name.
#[must_use]
pub fn default_specs() -> Vec<PathBuf> {
    let dir = workspace_root().join("abi/spec");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "json")
                        && !p
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.contains("schema"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A loaded spec and the name it is cited by in generated headers (`abi/spec/x.json`).
#[derive(Debug)]
pub struct Loaded {
    /// How generated files cite the source.
    pub source: String,
    /// The spec.
    pub spec: Spec,
}

/// Loads (schema-validates and checks) every path.
///
/// # Errors
/// The first spec that fails, with all its issues.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Loaded>, String> {
    paths
        .iter()
        .map(|p| {
            let spec = crate::model::load(p).map_err(|e| e.to_string())?;
            let file = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("spec.json");
            Ok(Loaded {
                source: format!("abi/spec/{file}"),
                spec,
            })
        })
        .collect()
}

/// Produces one target's files for these specs.
///
/// # Errors
/// A generator error.
pub fn generate(target: Target, specs: &[Loaded]) -> Result<Files, String> {
    let pairs: Vec<(&str, &Spec)> = specs.iter().map(|l| (l.source.as_str(), &l.spec)).collect();
    match target {
        Target::Rust => crate::rust::generate(&pairs),
        Target::C => crate::c::generate(&pairs),
        Target::Markdown => Ok(crate::markdown::generate(&pairs)),
        Target::Coverage => Ok(crate::coverage::generate(&pairs)),
        Target::Fuzz => Ok(crate::fuzz::generate(&pairs)),
        Target::Negative => Ok(crate::negative::generate(&pairs)),
        Target::Bindings => crate::bindings::generate(&pairs),
    }
}
