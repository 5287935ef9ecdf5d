//! The default image `cargo xtask run` boots: the programs of images/userland built on
//! libc-shim for the native ABI, with nsh as /sbin/init (and /bin/sh), and the Rust
//! programs of images/rust.

use std::fs;
use std::path::PathBuf;

use nymph_harness::Workspace;
use nymph_images::Image;

use crate::abi_suite::{abi_named, libc_for, link_command, run_jobs};

/// Builds the default image and returns the path of its archive.
pub fn build(ws: &Workspace) -> crate::Result<PathBuf> {
    let out = ws.target_dir.join("default-image");
    let bin = out.join("bin");
    fs::create_dir_all(&bin)?;
    let libc = libc_for(ws, abi_named("native-v1")?)?;
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
    run_jobs(jobs)?;
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
    image.add_file(
        "/etc/motd",
        0o644,
        b"Welcome to Nymph. This root is a tmpfs: changes last until shutdown.\n".to_vec(),
    );
    let archive = out.join("initrd.cpio");
    fs::write(&archive, image.to_cpio())?;
    Ok(archive)
}
