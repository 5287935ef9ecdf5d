//! The negative cases abi-gen derives from the specs.

use abi_gen::targets::{self, Target};

fn case(abi: &str, name: &str) -> String {
    let specs = targets::load_all(&targets::default_specs()).expect("specs load");
    let files = targets::generate(Target::Negative, &specs).expect("generate");
    assert!(
        files
            .files
            .iter()
            .all(|f| ["native-v1", "native-v2", "freebsd4-i386"]
                .iter()
                .any(|abi| f.path.starts_with(abi))),
        "cases only for ABIs with implemented calls"
    );
    files
        .files
        .iter()
        .find(|f| f.path.to_str() == Some(&format!("{abi}/{name}.c")))
        .unwrap_or_else(|| panic!("no case {abi}/{name}"))
        .contents
        .clone()
}

fn native_case(name: &str) -> String {
    case("native-v1", name)
}

#[test]
fn pointers_descriptors_and_flags() {
    let read = native_case("neg_read");
    assert!(read.starts_with("// abi: native-v1\n"));
    for want in [
        "__sys_read(nt_neg_closed, nt_neg_buf, 256)",
        "__sys_read(-5, nt_neg_buf, 256)",
        "__sys_read(nt_neg_fd, NULL, 256)",
        "__sys_read(nt_neg_fd, NT_NEG_KERNEL, 256)",
        "{\"buf=unmapped\", NT_NEG_IS, EFAULT,",
    ] {
        assert!(read.contains(want), "neg_read lacks {want}");
    }
    let openat = native_case("neg_openat");
    // The directory descriptor: bad with an absolute path must not give EBADF.
    assert!(openat.contains("__sys_openat(-5, nt_neg_abs, 0, 0)"));
    assert!(openat.contains("{\"dirfd=-5,path=absolute\", NT_NEG_NOT, EBADF,"));
    // Lowest undefined bit of open_flags (bits 0-1 are the access mode).
    assert!(openat.contains("(0) | 0x4u"));
    // A nullable pointer is not tried with NULL; an extensible struct gets its size.
    let sigaction = native_case("neg_sigaction");
    assert!(!sigaction.contains("NULL)"));
    assert!(sigaction.contains("nt_neg_put(0, 4, 32);"));
    assert!(sigaction.contains("__sys_sigaction(SIGUSR1, nt_neg_unmapped, nt_neg_buf)"));
    // A skip in the spec is listed with its reason.
    assert!(native_case("neg_nanosleep").contains("rem unmapped: written only when"));
}

#[test]
fn unserved_numbers() {
    let nosys = native_case("neg_nosys");
    // Every slot of the table is served in v1: the numbers past it are unserved.
    let past = 1 + max_native_number();
    assert!(nosys.contains(&format!("nt_neg_raw({past}UL)")), "{nosys}");
    assert!(!nosys.contains(&format!("nt_neg_raw({}UL)", past - 1)));
    assert!(nosys.contains("nt_neg_raw(1UL << 32)"));
    assert!(nosys.contains("ENOSYS"));
}

fn max_native_number() -> u64 {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/native-v1.json"),
    )
    .expect("spec");
    let spec: serde_json::Value = serde_json::from_str(&text).expect("json");
    spec["syscalls"]
        .as_array()
        .expect("syscalls")
        .iter()
        .filter_map(|c| c["number"].as_u64())
        .max()
        .expect("a call")
}

#[test]
fn a_retired_call_is_unserved_in_its_version_only() {
    assert!(case("native-v2", "neg_nosys").contains("nt_neg_raw(60UL)"));
    assert!(!case("native-v1", "neg_nosys").contains("nt_neg_raw(60UL)"));
    assert!(case("native-v2", "neg_openat2").starts_with("// abi: native-v2\n"));
}

#[test]
fn freebsd4_cases_are_32_bit() {
    let read = case("freebsd4-i386", "neg_read");
    assert!(read.starts_with("// abi: freebsd4-i386\n"));
    // Descriptors are fd_t (4.x says int): they get the descriptor checks.
    assert!(read.contains("__sys_read(nt_neg_closed, nt_neg_buf, 256)"));
    assert!(read.contains("__sys_read(nt_neg_fd, NT_NEG_KERNEL, 256)"));
    // A 32-bit address has no non-canonical form.
    assert!(!read.contains("NONCANON"));
    let nosys = case("freebsd4-i386", "neg_nosys");
    assert!(nosys.contains("signal(SIGSYS, SIG_IGN);"));
    assert!(nosys.contains("nt_neg_raw(394UL)"));
    assert!(nosys.contains("{\"4294967295\", NT_NEG_IS, EINVAL,"));
    assert!(!nosys.contains("1UL << 32"), "eax has no bits above 32");
    // 4.x's mmap ignores unknown prot and flags bits: skipped, with the reason.
    let mmap = case("freebsd4-i386", "neg_mmap");
    assert!(mmap.contains("prot +0x8: 4.x keeps prot & VM_PROT_ALL"));
    assert!(mmap.contains("__sys_mmap(nt_neg_buf, 4096, 0, MAP_PRIVATE, -5, 0, 0)"));
}
