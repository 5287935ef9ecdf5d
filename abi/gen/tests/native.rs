//! `native-v1.json`: the first version of Nymph's own ABI loads and keeps its promises.

use abi_gen::model::{self, ArgLocation, ErrorReturn, Int, NoteRole, Spec, SyscallKind, TypeRef};

fn native() -> Spec {
    match model::load(model::spec_dir().join("native-v1.json")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn identity_and_recognition() {
    let s = native();
    assert_eq!(s.abi.name, "nymph-native");
    assert_eq!(s.abi.version, 1);
    assert_eq!(s.recognition.elf_class, 64);
    assert_eq!(s.recognition.machines, [62]);
    let note = s
        .recognition
        .notes
        .iter()
        .find(|n| n.role == NoteRole::AbiVersion)
        .expect("an ABI-version note");
    assert_eq!(note.name, "Nymph");
    assert!(note.required);
    assert_eq!(
        s.layout(&note.desc).map(|l| l.size),
        Some(4),
        "desc is a u32 version"
    );
    let v = s.versioning.as_ref().expect("versioning");
    assert_eq!(
        (v.note_name.as_str(), v.note_type),
        ("Nymph", note.note_type)
    );
    assert_eq!(s.constant_value("NYMPH_ABI_VERSION"), Some(Int(1)));
}

#[test]
fn calling_convention_is_syscall_with_negative_errno() {
    let s = native();
    let cc = &s.calling_convention;
    assert_eq!(cc.traps[0].insn, "syscall");
    assert_eq!(cc.number.register, "rax");
    match &cc.args {
        ArgLocation::Registers { registers } => {
            assert_eq!(registers, &["rdi", "rsi", "rdx", "r10", "r8", "r9"]);
        }
        ArgLocation::UserStack { .. } => panic!("native arguments are in registers"),
    }
    assert!(
        matches!(&cc.error, ErrorReturn::NegativeErrno { register, min: -4095, .. } if register == "rax")
    );
    assert_eq!(
        cc.number.out_of_range.as_ref().map(|u| u.errno.as_str()),
        Some("ENOSYS")
    );
}

#[test]
fn numbering_is_dense_from_zero() {
    let s = native();
    for (i, c) in s.syscalls.iter().enumerate() {
        assert_eq!(c.number as usize, i, "{}", c.name);
        assert_eq!(c.kind, SyscallKind::Standard, "{}", c.name);
        assert_eq!(c.since, Some(1), "{}", c.name);
        // Whether each status is true is checked against the native personality's
        // handler table, in compat/native (coverage_matches_the_spec).
        assert!(s.arg_words(c).is_some_and(|w| w <= 6), "{}", c.name);
    }
}

#[test]
fn covers_what_a_unix_userland_needs() {
    let s = native();
    for name in [
        "exit",
        "read",
        "write",
        "openat",
        "close",
        "fstat",
        "fstatat",
        "lseek",
        "mmap",
        "munmap",
        "mprotect",
        "brk",
        "fork",
        "execve",
        "wait4",
        "getpid",
        "getppid",
        "kill",
        "sigaction",
        "sigprocmask",
        "sigreturn",
        "pipe2",
        "dup",
        "dup3",
        "fcntl",
        "ioctl",
        "getdents",
        "chdir",
        "fchdir",
        "getcwd",
        "mkdirat",
        "unlinkat",
        "renameat",
        "linkat",
        "symlinkat",
        "readlinkat",
        "nanosleep",
        "clock_gettime",
        "getuid",
        "geteuid",
        "getgid",
        "getegid",
        "setpgid",
        "getpgid",
        "setsid",
        "uname",
        "poll",
        "abi_versions",
    ] {
        assert!(s.syscall_by_name(name).is_some(), "missing {name}");
    }
}

#[test]
fn types_are_64_bit_and_extensible_structs_carry_their_size() {
    let s = native();
    for t in ["off_t", "time_t", "size_t", "ino_t", "dev_t"] {
        assert_eq!(s.layout(&TypeRef::named(t)).map(|l| l.size), Some(8), "{t}");
    }
    for (t, size) in [
        ("stat", 144),
        ("dirent", 280),
        ("timespec", 16),
        ("sigaction", 32),
        ("sigframe", 848),
        ("ucontext", 768),
    ] {
        assert_eq!(s.struct_def(t).map(|d| d.size), Some(size), "{t}");
    }
    for t in ["stat", "sigaction"] {
        let d = s.struct_def(t).expect("struct");
        let ext = d
            .extensible
            .as_ref()
            .unwrap_or_else(|| panic!("{t} is extensible"));
        assert_eq!(ext.nonzero_tail, "E2BIG");
        assert_eq!(
            d.fields[0].name, ext.size_field,
            "{t}: the size comes first"
        );
    }
    let st = s.struct_def("stat").expect("stat");
    assert_eq!(
        st.field("st_size")
            .and_then(|f| f.map.as_ref())
            .map(|m| m.neutral.as_str()),
        Some("stat.size")
    );
}

#[test]
fn own_errno_and_signal_numbering() {
    let s = native();
    assert_eq!(s.errno_value("ENOSYS"), Some(35));
    assert_eq!(s.errno_value("EAGAIN"), Some(34));
    assert_eq!(s.errno_value("EWOULDBLOCK"), Some(34));
    for (i, e) in s.errno.iter().enumerate() {
        assert_eq!(e.value, i as i64 + 1, "dense errno numbering: {}", e.name);
    }
    assert_eq!(
        s.signals
            .list
            .iter()
            .find(|x| x.name == "SIGCHLD")
            .map(|x| x.value),
        Some(16)
    );
}

#[test]
fn kernel_reports_the_versions_it_serves() {
    let s = native();
    let v = s.versioning.as_ref().expect("versioning");
    assert!(
        s.startup
            .auxv
            .entries
            .iter()
            .any(|e| e.name == v.auxv_entry)
    );
    let q = s.syscall_by_name(&v.query_syscall).expect("query call");
    let TypeRef::Ptr(p) = &q.args[0].ty else {
        panic!("abi_versions takes a buffer")
    };
    assert_eq!(p.len.as_ref().and_then(|l| l.arg.as_deref()), Some("count"));
}

#[test]
fn model_serializes_back_to_a_valid_document() {
    for name in ["native-v1.json", "freebsd4-i386.json"] {
        let s = model::load(model::spec_dir().join(name)).unwrap_or_else(|e| panic!("{e}"));
        let v = serde_json::to_value(&s).expect("serializes");
        let again = model::load_value(v.clone(), std::path::Path::new(name))
            .unwrap_or_else(|e| panic!("round trip of {name}: {e}"));
        assert_eq!(
            serde_json::to_value(&again).expect("serializes"),
            v,
            "{name}"
        );
        assert_eq!(again.syscalls.len(), s.syscalls.len());
    }
}
