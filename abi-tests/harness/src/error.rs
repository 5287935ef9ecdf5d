//! The harness's error type: everything that stops a run before there is an outcome to judge.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why the harness could not produce a [`crate::RunOutcome`] (or a kernel to run).
#[derive(Debug)]
pub enum HarnessError {
    /// An I/O operation failed; `context` says which.
    Io { context: String, source: io::Error },
    /// No `Cargo.toml` with a `[workspace]` table above the harness crate.
    NoWorkspace(PathBuf),
    /// `cargo build` for the kernel ran and failed.
    BuildFailed { command: String, status: String },
    /// `cargo build` succeeded but the ELF is not where it should be.
    KernelMissing(PathBuf),
    /// QEMU is not installed and could not be installed here.
    QemuMissing(String),
    /// `--accel kvm` was asked for but `/dev/kvm` cannot be used.
    KvmUnavailable(String),
}

impl HarnessError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { context, source } => write!(f, "{context}: {source}"),
            Self::NoWorkspace(start) => write!(
                f,
                "no Cargo.toml with a [workspace] table found above {}",
                start.display()
            ),
            Self::BuildFailed { command, status } => write!(
                f,
                "kernel build failed: `{command}` {status} (see the compiler output above)"
            ),
            Self::KernelMissing(path) => write!(
                f,
                "kernel build succeeded but {} does not exist",
                path.display()
            ),
            Self::QemuMissing(msg) | Self::KvmUnavailable(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for HarnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
