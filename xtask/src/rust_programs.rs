//! The Rust programs of images/rust: native programs built on the generated bindings
//! (abi/bindings), one package per directory, its binary named like the directory. They
//! are built with cargo into the shared target dir (debug profile: cheap, and their
//! dependencies are the host build's) for the default image and xtask exec's checks.

use std::path::PathBuf;

use nymph_harness::Workspace;

/// The programs' names (the directories of images/rust), sorted.
fn names(ws: &Workspace) -> Result<Vec<String>, String> {
    let dir = ws.root.join("images/rust");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    names.sort();
    Ok(names)
}

/// Builds every program and returns each name with the path of its binary.
pub fn build(ws: &Workspace) -> Result<Vec<(String, PathBuf)>, String> {
    let names = names(ws)?;
    let mut cargo = ws.cargo();
    cargo.arg("build");
    for n in &names {
        cargo.args(["-p", n]);
    }
    let status = cargo
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building images/rust failed ({status})"));
    }
    Ok(names
        .into_iter()
        .map(|n| {
            let bin = ws.target_dir.join("debug").join(&n);
            (n, bin)
        })
        .collect())
}
