//! The default image `cargo xtask run` boots: the programs of images/userland built on
//! libc-shim for the native ABI in /bin, with nsh as /sbin/init (and /bin/sh), the
//! ABI-neutral ones among them also built for FreeBSD 4.x i386 in /compat/freebsd4/bin
//! (nsh runs them as `fb4 NAME`), and the Rust programs of images/rust in /bin; the
//! default `/etc` (accounts, groups, and the 4.x one in /compat/freebsd4/etc, see
//! `nymph_images::etc`).

use std::fs;
use std::path::PathBuf;

use nymph_harness::Workspace;
use nymph_images::Image;

use crate::abi_suite::{abi_named, brand, libc_for, link_command, run_jobs};

/// The programs also built for FreeBSD 4 (sources that use only what 4.x has; not the
/// shell, ps or trace, which read Nymph's own interfaces).
pub const FREEBSD4_PROGRAMS: [&str; 11] = [
    "cat", "cp", "echo", "kill", "ls", "mkdir", "mv", "rm", "sleep", "uname", "wc",
];

/// Directories every root has, with their modes: /tmp and /var/tmp shared and sticky as
/// BSD's mtree makes them, and root's home.
const DIRECTORIES: [(&str, u32); 3] = [("/tmp", 0o1777), ("/var/tmp", 0o1777), ("/root", 0o755)];

/// Where the FreeBSD 4 builds live in the guest.
pub const FREEBSD4_BIN: &str = "/compat/freebsd4/bin";

/// Lays what every guest root has, the default image's and `cargo xtask exec`'s alike,
/// under the programs: the shared directories and the default /etc (native, and 4.x's
/// under /compat/freebsd4).
pub fn add_base(image: &mut Image) -> crate::Result<()> {
    for (path, mode) in DIRECTORIES {
        image.add_dir(path, mode);
    }
    nymph_images::etc::add_default_etc(image)?;
    Ok(())
}

/// Builds the default image and returns the path of its archive.
pub fn build(ws: &Workspace) -> crate::Result<PathBuf> {
    build_with(ws, &[])
}

/// [`build`], with `roots` laid over the image (`cargo xtask run --root`).
pub fn build_with(ws: &Workspace, roots: &[crate::cmd_exec::RootSpec]) -> crate::Result<PathBuf> {
    let out = ws.target_dir.join("default-image");
    let bin = out.join("bin");
    let fb4_bin = out.join("fb4-bin");
    fs::create_dir_all(&bin)?;
    fs::create_dir_all(&fb4_bin)?;
    let libc = libc_for(ws, abi_named("native-v1")?)?;
    let fb4_libc = libc_for(ws, abi_named("freebsd4-i386")?)?;
    let sources_dir = ws.root.join("images/userland");
    let mut jobs = Vec::new();
    let mut programs = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(&sources_dir)
        .map_err(|e| format!("{}: {e}", sources_dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let source = entry.path();
        if source.extension().and_then(|e| e.to_str()) != Some("c") {
            continue;
        }
        let name = source
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("bad program name")?
            .to_string();
        jobs.push(link_command(&libc, &source, &bin.join(&name)));
        programs.push(name);
    }
    let mut fb4_programs = Vec::new();
    for name in FREEBSD4_PROGRAMS {
        let source = sources_dir.join(format!("{name}.c"));
        jobs.push(link_command(&fb4_libc, &source, &fb4_bin.join(name)));
        fb4_programs.push(fb4_bin.join(name));
    }
    run_jobs(jobs)?;
    brand(&fb4_libc, &fb4_programs)?;
    let mut image = Image::new();
    for name in &programs {
        let bytes = fs::read(bin.join(name))?;
        if name == "nsh" {
            image.add_file("/sbin/init", 0o755, bytes.clone());
            image.add_file("/bin/sh", 0o755, bytes);
        } else {
            image.add_file(&format!("/bin/{name}"), 0o755, bytes);
        }
    }
    for (name, path) in crate::rust_programs::build(ws)? {
        image.add_file(&format!("/bin/{name}"), 0o755, fs::read(&path)?);
    }
    for name in FREEBSD4_PROGRAMS {
        let bytes = fs::read(fb4_bin.join(name))?;
        image.add_file(&format!("{FREEBSD4_BIN}/{name}"), 0o755, bytes);
    }
    add_base(&mut image)?;
    image.add_file(
        "/etc/motd",
        0o644,
        b"Welcome to Nymph. This root is a tmpfs: changes last until shutdown.\n".to_vec(),
    );
    crate::cmd_exec::add_roots(&mut image, roots)?;
    let archive = out.join("initrd.cpio");
    fs::write(&archive, image.to_cpio())?;
    Ok(archive)
}
