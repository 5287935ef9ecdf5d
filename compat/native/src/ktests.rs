//! In-kernel tests of the native personality: real images with the "Nymph" ABI note,
//! exec'd from the file tree and run through the generated dispatch table.

use alloc::vec;
use alloc::vec::Vec;
use nymph_kernel::ktest::{KernelTest, TestResult};
use nymph_kernel::process::{self, ExecError, ExitStatus};
use nymph_kernel::{kassert, kassert_eq, kfail, ktest};

/// The native personality's in-kernel tests.
pub static KTESTS: &[KernelTest] = &[
    ktest!(native_program_forks_waits_writes_and_gets_errors),
    ktest!(binary_for_a_missing_abi_version_is_refused_with_both_versions),
];

/// An ELF64 executable: a PT_NOTE with the "Nymph" ABI note for `version`, and `code`
/// loaded at 0x400000 (R+X), entry at its start.
fn native_image(version: u32, code: &[u8]) -> Vec<u8> {
    let mut note = Vec::new();
    note.extend_from_slice(&6u32.to_le_bytes());
    note.extend_from_slice(&4u32.to_le_bytes());
    note.extend_from_slice(&1u32.to_le_bytes());
    note.extend_from_slice(b"Nymph\0\0\0");
    note.extend_from_slice(&version.to_le_bytes());
    let mut v = vec![0u8; 0x1000];
    let mut put = |at: usize, bytes: &[u8]| v[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"\x7fELF\x02\x01\x01");
    put(16, &2u16.to_le_bytes());
    put(18, &62u16.to_le_bytes());
    put(20, &1u32.to_le_bytes());
    put(24, &0x40_0000u64.to_le_bytes());
    put(32, &64u64.to_le_bytes());
    put(52, &64u16.to_le_bytes());
    put(54, &56u16.to_le_bytes());
    put(56, &2u16.to_le_bytes());
    let load = 64;
    put(load, &1u32.to_le_bytes());
    put(load + 4, &5u32.to_le_bytes());
    put(load + 8, &0x1000u64.to_le_bytes());
    put(load + 16, &0x40_0000u64.to_le_bytes());
    put(load + 24, &0x40_0000u64.to_le_bytes());
    put(load + 32, &(code.len() as u64).to_le_bytes());
    put(load + 40, &(code.len() as u64).to_le_bytes());
    put(load + 48, &0x1000u64.to_le_bytes());
    let pnote = 64 + 56;
    put(pnote, &4u32.to_le_bytes());
    put(pnote + 4, &4u32.to_le_bytes());
    put(pnote + 8, &0x200u64.to_le_bytes());
    put(pnote + 32, &(note.len() as u64).to_le_bytes());
    put(pnote + 48, &4u64.to_le_bytes());
    put(0x200, &note);
    v.extend_from_slice(code);
    v
}

/// fork; the child exits 5; the parent wait4s it and checks the status word is 5 << 8,
/// checks getpid, writes "native ok\n" to fd 1 (10 bytes back), checks that write from
/// address 0x10 gives -EFAULT and call 200 gives -ENOSYS, then exits 0 (1 on any
/// mismatch). Assembled from (AT&T): mov $12,%eax; syscall; test %rax,%rax; js bad;
/// jnz parent; mov $0,%eax; mov $5,%edi; syscall; parent: mov %rax,%rdi; sub $16,%rsp;
/// mov %rsp,%rsi; xor %edx,%edx; xor %r10d,%r10d; mov $14,%eax; syscall;
/// cmpl $0x500,(%rsp); jne bad; mov $15,%eax; syscall; test %rax,%rax; jz bad;
/// mov $2,%eax; mov $1,%edi; lea msg(%rip),%rsi; mov $10,%edx; syscall; cmp $10,%rax;
/// jne bad; mov $2,%eax; mov $1,%edi; mov $0x10,%esi; mov $4,%edx; syscall;
/// cmp $-14,%rax; jne bad; mov $200,%eax; syscall; cmp $-35,%rax; jne bad;
/// mov $0,%eax; xor %edi,%edi; syscall; bad: mov $0,%eax; mov $1,%edi; syscall;
/// msg: .ascii "native ok\n"
const SELF_CHECK: &[u8] = &[
    0xb8, 0x0c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x0f, 0x88, 0x89, 0x00, 0x00, 0x00,
    0x75, 0x0c, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xbf, 0x05, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x89,
    0xc7, 0x48, 0x83, 0xec, 0x10, 0x48, 0x89, 0xe6, 0x31, 0xd2, 0x45, 0x31, 0xd2, 0xb8, 0x0e, 0x00,
    0x00, 0x00, 0x0f, 0x05, 0x81, 0x3c, 0x24, 0x00, 0x05, 0x00, 0x00, 0x75, 0x5c, 0xb8, 0x0f, 0x00,
    0x00, 0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x74, 0x50, 0xb8, 0x02, 0x00, 0x00, 0x00, 0xbf, 0x01,
    0x00, 0x00, 0x00, 0x48, 0x8d, 0x35, 0x4b, 0x00, 0x00, 0x00, 0xba, 0x0a, 0x00, 0x00, 0x00, 0x0f,
    0x05, 0x48, 0x83, 0xf8, 0x0a, 0x75, 0x32, 0xb8, 0x02, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00,
    0x00, 0xbe, 0x10, 0x00, 0x00, 0x00, 0xba, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8,
    0xf2, 0x75, 0x16, 0xb8, 0xc8, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0xdd, 0x75, 0x09,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xbf, 0x01,
    0x00, 0x00, 0x00, 0x0f, 0x05, 0x6e, 0x61, 0x74, 0x69, 0x76, 0x65, 0x20, 0x6f, 0x6b, 0x0a,
];

fn native_program_forks_waits_writes_and_gets_errors() -> TestResult {
    kassert_eq!(
        nymph_kernel::fs::add_file(
            "/tmp/ktest/native-check",
            0o755,
            native_image(1, SELF_CHECK)
        ),
        Ok(())
    );
    let pid = match process::spawn("/tmp/ktest/native-check", &[b"native-check".to_vec()], &[]) {
        Ok(pid) => pid,
        Err(e) => kfail!("spawn: {e:?}"),
    };
    kassert_eq!(process::wait_detached(pid), Some(ExitStatus::Exited(0)));
    Ok(())
}

fn binary_for_a_missing_abi_version_is_refused_with_both_versions() -> TestResult {
    kassert_eq!(
        nymph_kernel::fs::add_file("/tmp/ktest/native-v9", 0o755, native_image(9, SELF_CHECK)),
        Ok(())
    );
    match process::spawn("/tmp/ktest/native-v9", &[], &[]) {
        Err(ExecError::Refused(message)) => {
            kassert!(
                message.contains("v9") && message.contains("v1"),
                "message does not name both versions: {message}"
            );
        }
        other => kfail!("a v9 binary gave {other:?}"),
    }
    Ok(())
}
