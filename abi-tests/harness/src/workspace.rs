//! Where the workspace and its target directory are, and building the kernel ELF.
//!
//! The kernel is built by running cargo as a child process (never from a build script of
//! another crate: that gives stale artifacts). The target directory is the one cargo itself
//! uses: `CARGO_TARGET_DIR` when set, else `<workspace>/target`.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::HarnessError;

/// The cargo package that owns the kernel binary.
pub const KERNEL_PACKAGE: &str = "nymph-image";
/// The kernel binary's name inside [`KERNEL_PACKAGE`].
pub const KERNEL_BIN: &str = "nymph";

/// Which cargo profile to build the kernel with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    Debug,
    Release,
}

impl Profile {
    /// `Release` when `release` is true.
    pub fn from_release_flag(release: bool) -> Self {
        if release { Self::Release } else { Self::Debug }
    }

    /// The directory name cargo uses under the target directory.
    pub fn dir_name(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Release => "release",
        }
    }
}

/// The workspace root and the target directory cargo builds into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
}

impl Workspace {
    /// Finds the workspace that contains this harness crate (or, failing that, the current
    /// directory).
    ///
    /// # Errors
    /// [`HarnessError::NoWorkspace`] when no ancestor holds a workspace manifest, or an I/O
    /// error when the current directory cannot be read (needed for a relative
    /// `CARGO_TARGET_DIR`).
    pub fn locate() -> Result<Self, HarnessError> {
        let cwd =
            env::current_dir().map_err(|e| HarnessError::io("reading the current directory", e))?;
        // Where this crate was built from; if that tree has moved since, where we stand.
        let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = find_workspace_root(&start)
            .or_else(|| find_workspace_root(&cwd))
            .ok_or(HarnessError::NoWorkspace(start))?;
        let target_dir = target_dir_for(&root, env::var_os("CARGO_TARGET_DIR"), &cwd);
        Ok(Self { root, target_dir })
    }

    /// A workspace at `root` with an explicit target directory.
    pub fn new(root: impl Into<PathBuf>, target_dir: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            target_dir: target_dir.into(),
        }
    }

    /// Where cargo puts the kernel ELF for `profile`.
    pub fn kernel_path(&self, profile: Profile) -> PathBuf {
        self.target_dir.join(profile.dir_name()).join(KERNEL_BIN)
    }

    /// Where the harness writes serial logs of the runs it judges.
    pub fn log_dir(&self) -> PathBuf {
        self.target_dir.join("nymph-logs")
    }

    /// A `cargo` command run from the workspace root, building into [`Self::target_dir`].
    ///
    /// Uses the `CARGO` the caller was started by when there is one, so `cargo xtask`
    /// builds with the same toolchain.
    pub fn cargo(&self) -> Command {
        let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target_dir);
        cmd
    }

    /// The argument list of the kernel build, without the leading `cargo`.
    pub fn build_kernel_args(profile: Profile) -> Vec<&'static str> {
        let mut args = vec!["build", "-p", KERNEL_PACKAGE];
        if profile == Profile::Release {
            args.push("--release");
        }
        args
    }

    /// Builds the kernel (`cargo build -p nymph-image [--release]`) and returns its ELF path.
    /// Compiler output goes to the caller's stderr.
    ///
    /// # Errors
    /// [`HarnessError::BuildFailed`] when cargo fails, [`HarnessError::KernelMissing`] when
    /// it succeeds without producing the ELF, an I/O error when cargo cannot be started.
    pub fn build_kernel(&self, profile: Profile) -> Result<PathBuf, HarnessError> {
        let args = Self::build_kernel_args(profile);
        let command = format!("cargo {}", args.join(" "));
        let status = self
            .cargo()
            .args(&args)
            .status()
            .map_err(|e| HarnessError::io(format!("starting `{command}`"), e))?;
        if !status.success() {
            let status = match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => format!("was killed ({status})"),
            };
            return Err(HarnessError::BuildFailed { command, status });
        }
        let elf = self.kernel_path(profile);
        if !elf.is_file() {
            return Err(HarnessError::KernelMissing(elf));
        }
        Ok(elf)
    }
}

/// The first of `start` and its ancestors whose `Cargo.toml` declares `[workspace]`.
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|line| line.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

/// The target directory cargo uses: `CARGO_TARGET_DIR` (relative to `cwd` when relative, as
/// cargo reads it) when set and non-empty, else `<root>/target`.
pub fn target_dir_for(root: &Path, cargo_target_dir: Option<OsString>, cwd: &Path) -> PathBuf {
    match cargo_target_dir.filter(|d| !d.is_empty()) {
        Some(dir) => cwd.join(dir),
        None => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dir_defaults_to_workspace_target() {
        let root = Path::new("/ws");
        assert_eq!(
            target_dir_for(root, None, Path::new("/x")),
            PathBuf::from("/ws/target")
        );
        assert_eq!(
            target_dir_for(root, Some(OsString::new()), Path::new("/x")),
            PathBuf::from("/ws/target")
        );
    }

    #[test]
    fn target_dir_respects_cargo_target_dir() {
        let root = Path::new("/ws");
        assert_eq!(
            target_dir_for(root, Some("/tmp/t".into()), Path::new("/x")),
            PathBuf::from("/tmp/t")
        );
        assert_eq!(
            target_dir_for(root, Some("rel".into()), Path::new("/x")),
            PathBuf::from("/x/rel")
        );
    }

    #[test]
    fn kernel_path_follows_profile() {
        let ws = Workspace::new("/ws", "/ws/target");
        assert_eq!(
            ws.kernel_path(Profile::Debug),
            PathBuf::from("/ws/target/debug/nymph")
        );
        assert_eq!(
            ws.kernel_path(Profile::Release),
            PathBuf::from("/ws/target/release/nymph")
        );
        assert_eq!(
            Workspace::build_kernel_args(Profile::Release),
            ["build", "-p", "nymph-image", "--release"]
        );
    }

    #[test]
    fn finds_this_workspace() {
        let root = find_workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("workspace");
        assert!(root.join("Cargo.toml").is_file());
    }
}
