//! The dependency rules of DESIGN.md, checked against `cargo metadata` so that a change
//! breaking them fails the host tests:
//!
//! - `nymph-abi` (generated) depends on nothing in the workspace;
//! - the core kernel (`nymph-hal`, `nymph-kernel`, `nymph-cpio`) depends on no ABI and
//!   no personality;
//! - personalities (`nymph-compat-*`) never depend on each other;
//! - nothing that enters the kernel image depends on a host-only crate;
//! - `unsafe` lives in `nymph-hal` alone: every other kernel or host crate root forbids
//!   or denies it. User-space crates (the generated bindings under `abi/bindings/`, the
//!   Rust programs under `images/rust/`) run in a process, not in the kernel: they may use
//!   `unsafe`, each block under a `// SAFETY:` comment, and no kernel crate may depend on
//!   them.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    const CORE: [&str; 3] = ["nymph-hal", "nymph-kernel", "nymph-cpio"];
    const HOST_ONLY: [&str; 4] = ["xtask", "abi-gen", "nymph-harness", "nymph-images"];
    const IN_IMAGE: [&str; 5] = [
        "nymph-hal",
        "nymph-kernel",
        "nymph-cpio",
        "nymph-abi",
        "nymph-image",
    ];

    /// Where user-space crates live, relative to the workspace root.
    const USER_SPACE_DIRS: [&str; 2] = ["abi/bindings/", "images/rust/"];

    struct Crate {
        deps: BTreeSet<String>,
        roots: Vec<PathBuf>,
        manifest: PathBuf,
    }

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// A user-space crate: its manifest is under one of [`USER_SPACE_DIRS`], and it is
    /// none of the crates the kernel image is made of (moving one there changes nothing).
    fn is_user_space(name: &str, manifest: &Path, root: &Path) -> bool {
        let kernel = IN_IMAGE.contains(&name) || name.starts_with("nymph-compat-");
        let rel = manifest.strip_prefix(root).unwrap_or(manifest);
        !kernel
            && USER_SPACE_DIRS
                .iter()
                .any(|d| rel.to_str().is_some_and(|r| r.starts_with(d)))
    }

    /// Lines (1-based) holding an `unsafe {` block with no `// SAFETY:` comment in the
    /// comment lines right above it.
    fn undocumented_unsafe_blocks(text: &str) -> Vec<usize> {
        let lines: Vec<&str> = text.lines().collect();
        let mut bad = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if !code.contains("unsafe {") {
                continue;
            }
            let documented = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("//"))
                .any(|l| l.contains("SAFETY:"));
            if !documented {
                bad.push(i + 1);
            }
        }
        bad
    }

    /// Every `.rs` file under `dir`.
    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "target") {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }

    fn workspace() -> BTreeMap<String, Crate> {
        let out = std::process::Command::new(env!("CARGO"))
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("metadata is JSON");
        let packages = meta["packages"].as_array().expect("packages");
        let names: BTreeSet<String> = packages
            .iter()
            .filter_map(|p| p["name"].as_str().map(String::from))
            .collect();
        packages
            .iter()
            .map(|p| {
                let deps = p["dependencies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|d| d["kind"].is_null())
                    .filter_map(|d| d["name"].as_str())
                    .filter(|d| names.contains(*d))
                    .map(String::from)
                    .collect();
                let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap_or(""));
                let roots = p["targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|t| {
                        t["kind"]
                            .as_array()
                            .is_some_and(|k| k.iter().any(|k| k == "lib" || k == "bin"))
                    })
                    .filter_map(|t| t["src_path"].as_str().map(PathBuf::from))
                    .collect();
                (
                    p["name"].as_str().unwrap_or("").to_string(),
                    Crate {
                        deps,
                        roots,
                        manifest,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn dependency_directions_hold() {
        let ws = workspace();
        let root = workspace_root().canonicalize().expect("workspace root");
        let user = |n: &str| {
            ws.get(n)
                .is_some_and(|c| is_user_space(n, &c.manifest, &root))
        };
        let mut broken = Vec::new();
        for (name, krate) in &ws {
            for dep in &krate.deps {
                if user(dep) != user(name) {
                    broken.push(format!(
                        "{name} -> {dep}: user-space and other crates do not mix"
                    ));
                }
                let is_compat = |n: &str| n.starts_with("nymph-compat-");
                if name == "nymph-abi" {
                    broken.push(format!(
                        "{name} -> {dep}: the generated crate depends on nothing"
                    ));
                }
                if CORE.contains(&name.as_str()) && (dep == "nymph-abi" || is_compat(dep)) {
                    broken.push(format!("{name} -> {dep}: the core kernel knows no ABI"));
                }
                if is_compat(name) && is_compat(dep) {
                    broken.push(format!("{name} -> {dep}: personalities are independent"));
                }
                let in_image = IN_IMAGE.contains(&name.as_str()) || is_compat(name);
                if in_image && HOST_ONLY.contains(&dep.as_str()) {
                    broken.push(format!(
                        "{name} -> {dep}: a host-only crate in the kernel image"
                    ));
                }
            }
        }
        assert!(
            broken.is_empty(),
            "dependency rules broken:\n{}",
            broken.join("\n")
        );
        assert!(ws.contains_key("nymph-kernel") && ws.contains_key("nymph-compat-native"));
    }

    #[test]
    fn unsafe_code_is_confined_to_the_hal() {
        let root = workspace_root().canonicalize().expect("workspace root");
        let mut open = Vec::new();
        let mut users = 0;
        for (name, krate) in workspace() {
            if name == "nymph-hal" {
                continue;
            }
            if is_user_space(&name, &krate.manifest, &root) {
                users += 1;
                let mut files = Vec::new();
                if let Some(dir) = krate.manifest.parent() {
                    rust_files(dir, &mut files);
                }
                for f in files {
                    let text = std::fs::read_to_string(&f).expect("source readable");
                    for line in undocumented_unsafe_blocks(&text) {
                        open.push(format!("{name}: {}:{line}: no // SAFETY:", f.display()));
                    }
                }
                continue;
            }
            for root in &krate.roots {
                let text = std::fs::read_to_string(root).expect("crate root readable");
                if !text.contains("#![forbid(unsafe_code)]")
                    && !text.contains("#![deny(unsafe_code)]")
                {
                    open.push(format!("{name}: {}", root.display()));
                }
            }
        }
        assert!(
            open.is_empty(),
            "crate roots that allow unsafe code:\n{}",
            open.join("\n")
        );
        assert!(
            users >= 2,
            "the bindings and a program on them are user space"
        );
    }

    #[test]
    fn only_user_space_crates_are_exempt() {
        let root = Path::new("/ws");
        let at = |p: &str| root.join(p);
        assert!(is_user_space(
            "nymph-sys-v1",
            &at("abi/bindings/nymph-sys-v1/Cargo.toml"),
            root
        ));
        assert!(is_user_space(
            "hello-rs",
            &at("images/rust/hello-rs/Cargo.toml"),
            root
        ));
        assert!(!is_user_space(
            "nymph-kernel",
            &at("kernel/Cargo.toml"),
            root
        ));
        assert!(!is_user_space("nymph-abi", &at("abi/Cargo.toml"), root));
        // A kernel crate stays a kernel crate wherever it is put.
        assert!(!is_user_space(
            "nymph-kernel",
            &at("abi/bindings/kernel/Cargo.toml"),
            root
        ));
        assert!(!is_user_space(
            "nymph-compat-native",
            &at("images/rust/native/Cargo.toml"),
            root
        ));
    }

    #[test]
    fn unsafe_blocks_need_a_safety_comment() {
        let ok = "fn f() {\n    // SAFETY: p is valid.\n    let x = unsafe { p.read() };\n}\n";
        assert!(undocumented_unsafe_blocks(ok).is_empty());
        let long = "// SAFETY: the caller's contract,\n// which is the call's.\nunsafe {\n}\n";
        assert!(undocumented_unsafe_blocks(long).is_empty());
        let bad = "fn f() {\n    let x = 1;\n    let y = unsafe { p.read() };\n}\n";
        assert_eq!(undocumented_unsafe_blocks(bad), vec![3]);
        let far = "// SAFETY: about something else.\nlet a = 1;\nunsafe { g() }\n";
        assert_eq!(undocumented_unsafe_blocks(far), vec![3]);
    }
}
