//! The dependency rules of DESIGN.md, checked against `cargo metadata` so that a change
//! breaking them fails the host tests:
//!
//! - `nymph-abi` (generated) depends on nothing in the workspace;
//! - the core kernel (`nymph-hal`, `nymph-kernel`, `nymph-cpio`) depends on no ABI and
//!   no personality;
//! - personalities (`nymph-compat-*`) never depend on each other;
//! - nothing that enters the kernel image depends on a host-only crate;
//! - `unsafe` lives in `nymph-hal` alone: every other crate root forbids or denies it.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    const CORE: [&str; 3] = ["nymph-hal", "nymph-kernel", "nymph-cpio"];
    const HOST_ONLY: [&str; 4] = ["xtask", "abi-gen", "nymph-harness", "nymph-images"];
    const IN_IMAGE: [&str; 5] = [
        "nymph-hal",
        "nymph-kernel",
        "nymph-cpio",
        "nymph-abi",
        "nymph-image",
    ];

    struct Crate {
        deps: BTreeSet<String>,
        roots: Vec<PathBuf>,
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
                    Crate { deps, roots },
                )
            })
            .collect()
    }

    #[test]
    fn dependency_directions_hold() {
        let ws = workspace();
        let mut broken = Vec::new();
        for (name, krate) in &ws {
            for dep in &krate.deps {
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
        let mut open = Vec::new();
        for (name, krate) in workspace() {
            if name == "nymph-hal" {
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
    }
}
