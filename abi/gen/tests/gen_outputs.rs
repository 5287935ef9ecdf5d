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

/// The user-space bindings exist for the native ABIs only, trap the way the spec says
/// and carry the ABI note the kernel looks for.
#[test]
fn bindings_follow_the_native_convention() {
    let specs = specs();
    let files = targets::generate(Target::Bindings, &specs).expect("generate");
    let paths: Vec<String> = files
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert!(
        paths.contains(&"nymph-sys-v1/src/lib.rs".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| p.starts_with("nymph-sys-v")),
        "{paths:?}"
    );
    let lib_of = |path: &str| {
        &files
            .files
            .iter()
            .find(|f| f.path == std::path::Path::new(path))
            .expect("lib.rs")
            .contents
    };
    let lib = lib_of("nymph-sys-v1/src/lib.rs");
    assert!(lib.starts_with("//! ") && lib.contains("#![no_std]"));
    // The fourth argument goes in r10 (not rcx, which syscall overwrites).
    let s4 = lib
        .split("pub unsafe fn syscall4(")
        .nth(1)
        .and_then(|s| s.split("pub unsafe fn").next())
        .expect("syscall4");
    for want in [
        "inlateout(\"rax\") nr => ret",
        "in(\"rdi\") a1",
        "in(\"rsi\") a2",
        "in(\"rdx\") a3",
        "in(\"r10\") a4",
        "lateout(\"rcx\") _",
        "lateout(\"r11\") _",
    ] {
        assert!(s4.contains(want), "{want} missing in {s4}");
    }
    assert!(lib.contains("pub unsafe fn openat(\n    dirfd: fd_t,\n    path: *const u8,\n    flags: open_flags,\n    mode: mode_t,\n) -> Result<i64, Errno>"));
    // The note: "Nymph\0" padded to 8, version 1, in the section the spec names.
    assert!(lib.contains("#[unsafe(link_section = \".note.nymph.abi\")]"));
    assert!(lib.contains("namesz: 6,\n    descsz: 4,\n    note_type: 1,\n    name: *b\"Nymph\\0\\0\\0\",\n    desc: 1,"));
    // Only served calls get a function: v2 retired getpgrp, which v1 still serves.
    let v2 = lib_of("nymph-sys-v2/src/lib.rs");
    assert!(lib.contains("pub unsafe fn getpgrp("));
    assert!(!v2.contains("pub unsafe fn getpgrp("));
    assert!(lib.contains("if (-4095..0).contains(&v)"));
}
