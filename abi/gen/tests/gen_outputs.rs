//! The checked-in outputs are what the specs produce now (staleness), and generation is
//! deterministic (twice, byte for byte). Regenerate with `cargo run -p abi-gen -- all`.

use abi_gen::targets::{self, Target};

fn specs() -> Vec<targets::Loaded> {
    let paths = targets::default_specs();
    assert!(paths.len() >= 2, "specs missing: {paths:?}");
    targets::load_all(&paths).expect("specs load")
}

#[test]
fn checked_in_outputs_are_fresh() {
    let specs = specs();
    let root = targets::workspace_root();
    let mut stale = Vec::new();
    for t in Target::ALL {
        let files = targets::generate(t, &specs).expect("generate");
        assert!(!files.files.is_empty(), "{t:?} produced nothing");
        stale.extend(files.check(&root.join(t.default_dir())));
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo run -p abi-gen -- all`):\n{}",
        stale
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    for t in Target::ALL {
        let a = targets::generate(t, &specs()).expect("generate");
        let b = targets::generate(t, &specs()).expect("generate");
        assert_eq!(a, b, "{t:?} differs between two runs");
    }
}

#[test]
fn freebsd4_reference_lists_every_slot() {
    let specs = specs();
    let fb = specs
        .iter()
        .find(|l| l.spec.abi.name == "freebsd4-i386")
        .expect("freebsd4 spec");
    let page = abi_gen::markdown::page(&fb.spec, &fb.source);
    let table = page
        .split("## Syscalls")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("syscall section");
    let rows: Vec<u32> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(rows, (0..394).collect::<Vec<u32>>());
    let cov = abi_gen::coverage::counts(&fb.spec);
    assert_eq!(cov.slots, 394);
    assert_eq!(
        cov.implemented + cov.partial + cov.not_implemented + cov.empty,
        394
    );
}

/// The generated C headers compile for their architecture, which evaluates every
/// `_Static_assert` on size, alignment and offset. Skipped where gcc is absent.
#[test]
fn c_headers_compile_with_their_layout_asserts() {
    let Ok(v) = std::process::Command::new("gcc").arg("--version").output() else {
        eprintln!("gcc not found: skipped");
        return;
    };
    assert!(v.status.success());
    let specs = specs();
    let files = targets::generate(Target::C, &specs).expect("generate");
    let dir = std::env::temp_dir().join(format!("abi-gen-c-{}", std::process::id()));
    files.write(&dir).expect("write");
    for l in &specs {
        let stem = abi_gen::common::file_stem(&l.spec);
        let m = if l.spec.data_model.pointer_bytes == 4 {
            "-m32"
        } else {
            "-m64"
        };
        let inc = dir.join(&stem);
        let main = inc.join("t.c");
        std::fs::write(&main, "#include \"syscalls.h\"\nint errno;\n").expect("write");
        let out = std::process::Command::new("gcc")
            .args([
                m,
                "-std=c11",
                "-ffreestanding",
                "-fsyntax-only",
                "-Wall",
                "-Werror",
                "-I",
            ])
            .arg(&inc)
            .arg(&main)
            .output()
            .expect("gcc");
        assert!(
            out.status.success(),
            "{stem}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let obj = inc.join("s.o");
        let out = std::process::Command::new("gcc")
            .args([m, "-c"])
            .arg(inc.join("syscalls.S"))
            .arg("-o")
            .arg(&obj)
            .output()
            .expect("gcc");
        assert!(
            out.status.success(),
            "{stem} stubs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stubs_follow_each_calling_convention() {
    let specs = specs();
    let files = targets::generate(Target::C, &specs).expect("generate");
    let get = |p: &str| {
        files
            .files
            .iter()
            .find(|f| f.path == std::path::Path::new(p))
            .map(|f| f.contents.clone())
            .unwrap_or_else(|| panic!("{p} not generated"))
    };
    let fb = get("freebsd4-i386/syscalls.S");
    // read: number in eax, int $0x80, carry flag -> the errno path.
    assert!(fb.contains("__sys_read:\n\tmovl\t$3, %eax\n\tint $0x80\n\tjb\t.Lcerror\n\tret\n"));
    assert!(fb.contains(".Lcerror:\n\tmovl\t%eax, errno\n\tmovl\t$-1, %eax"));
    let fbh = get("freebsd4-i386/syscalls.h");
    // pipe returns fd0 in eax and fd1 in edx: the i386 C ABI's 64-bit return.
    assert!(fbh.contains("uint64_t __sys_pipe(void);"));
    assert!(fbh.contains("#define SYS_read 3\n"));
    let nv = get("native-v1/syscalls.S");
    // openat has 4 arguments: the fourth moves from rcx (C) to r10 (syscall).
    let openat = nv
        .split("__sys_openat:\n")
        .nth(1)
        .and_then(|s| s.split(".size").next())
        .expect("openat stub");
    assert!(openat.contains("movq\t%rcx, %r10"), "{openat}");
    assert!(
        openat.contains("syscall\n\tcmpq\t$-4095, %rax\n\tjae\t.Lerror"),
        "{openat}"
    );
    assert!(nv.contains(".Lerror:\n\tnegl\t%eax\n\tmovl\t%eax, errno(%rip)"));
}
