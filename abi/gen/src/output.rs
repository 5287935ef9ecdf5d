//! A generator's result as a set of files, and the two things done with it: write it
//! under a directory, or compare it with what is there (the staleness check).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One generated file, named relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

/// The files one generator produced, in a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    /// The files.
    pub files: Vec<File>,
}

/// A file whose checked-in copy differs from what the generator produces now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Full path of the checked-in file.
    pub path: PathBuf,
    /// Why it is stale.
    pub reason: &'static str,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl Files {
    /// Adds a file.
    pub fn push(&mut self, path: impl Into<PathBuf>, contents: String) {
        self.files.push(File {
            path: path.into(),
            contents,
        });
    }

    /// Writes every file under `dir`, creating directories, leaving files whose
    /// contents are already equal untouched (so timestamps do not churn).
    ///
    /// # Errors
    /// Any I/O error.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        for f in &self.files {
            let p = dir.join(&f.path);
            if std::fs::read_to_string(&p).ok().as_deref() == Some(f.contents.as_str()) {
                continue;
            }
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&p, &f.contents)?;
        }
        Ok(())
    }

    /// Compares every file with its copy under `dir`; returns the stale ones.
    #[must_use]
    pub fn check(&self, dir: &Path) -> Vec<Stale> {
        let mut stale = Vec::new();
        for f in &self.files {
            let p = dir.join(&f.path);
            match std::fs::read_to_string(&p) {
                Ok(s) if s == f.contents => {}
                Ok(_) => stale.push(Stale {
                    path: p,
                    reason: "differs from the generator's output; regenerate it",
                }),
                Err(_) => stale.push(Stale {
                    path: p,
                    reason: "missing; generate it",
                }),
            }
        }
        stale
    }
}

/// Formats Rust source with the toolchain's rustfmt (edition 2024), so the checked-in
/// code is exactly what `cargo fmt` would leave.
///
/// # Errors
/// When rustfmt cannot be run or rejects the source (a generator bug).
pub fn rustfmt(src: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = src.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt: writer panicked".to_owned())?
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed on generated code: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt: {e}"))
}
