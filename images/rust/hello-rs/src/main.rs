//! hello-rs: a native Nymph program in Rust with no libc, built on the generated
//! `nymph-sys-v1` bindings alone. It greets, echoes its arguments one per line, lists
//! the ABI versions the kernel serves, shows an errno coming back typed, and exits with
//! status 4 (so a caller can tell its status from a default 0).
#![no_std]
#![no_main]

use core::fmt::Write as _;

use nymph_sys_v1 as sys;

// The kernel enters with argc at the stack pointer; the SysV ABI wants a 16-byte
// aligned stack at the call, and a zero frame pointer ends backtraces.
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {start}",
    "ud2",
    start = sym start,
);

/// Standard output, written whole (a short write is retried for the rest).
struct Out(sys::fd_t);

impl core::fmt::Write for Out {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            // SAFETY: `rest` is a live slice of `rest.len()` readable bytes.
            match unsafe { sys::write(self.0, rest.as_ptr(), rest.len() as sys::size_t) } {
                Ok(n) if n > 0 => rest = rest.get(n.unsigned_abs() as usize..).unwrap_or(&[]),
                Err(sys::Errno::EINTR) => {}
                _ => return Err(core::fmt::Error),
            }
        }
        Ok(())
    }
}

/// Ends the process; `exit` does not return.
fn exit(status: i32) -> ! {
    // SAFETY: exit takes no pointer.
    let _ = unsafe { sys::exit(status) };
    loop {
        core::hint::spin_loop();
    }
}

/// The bytes of a NUL-terminated string.
///
/// # Safety
/// `p` points at a NUL-terminated string that outlives the program.
unsafe fn c_str(p: *const u8) -> &'static [u8] {
    let mut len = 0;
    // SAFETY: every byte up to and including the NUL is readable, by the contract.
    while unsafe { p.add(len).read() } != 0 {
        len += 1;
    }
    // SAFETY: the `len` bytes before the NUL were just read.
    unsafe { core::slice::from_raw_parts(p, len) }
}

/// Called by `_start` with the initial stack pointer: argc, argv[], NULL, envp[], ...
extern "C" fn start(sp: *const u64) -> ! {
    // SAFETY: the kernel starts a process with argc at the stack pointer.
    let argc = unsafe { sp.read() };
    let argv = sp.wrapping_add(1).cast::<*const u8>();
    let mut out = Out(1);
    let _ = writeln!(
        out,
        "hello from Rust on {} v{}",
        sys::ABI_NAME,
        sys::ABI_VERSION
    );
    for i in 1..argc as usize {
        // SAFETY: argv holds argc pointers to NUL-terminated strings the kernel copied.
        let arg = unsafe { c_str(argv.add(i).read()) };
        let _ = writeln!(out, "arg: {}", core::str::from_utf8(arg).unwrap_or("?"));
    }
    let mut versions: [sys::abi_version_t; 8] = [0; 8];
    // SAFETY: `versions` has room for the 8 entries the call is told of.
    match unsafe { sys::abi_versions(versions.as_mut_ptr(), 8) } {
        Ok(n) => {
            let _ = write!(out, "kernel serves:");
            for v in versions.iter().take(n.unsigned_abs() as usize) {
                let _ = write!(out, " v{v}");
            }
            let _ = writeln!(out);
        }
        Err(e) => {
            let _ = writeln!(out, "abi_versions: {e}");
        }
    }
    let flags = sys::open_flags::empty();
    // SAFETY: the path is a NUL-terminated literal.
    match unsafe {
        sys::openat(
            sys::consts::AT_FDCWD,
            c"/no/such/file".as_ptr().cast(),
            flags,
            0,
        )
    } {
        Ok(fd) => {
            let _ = writeln!(out, "openat /no/such/file: fd {fd}, wanted ENOENT");
            exit(1)
        }
        Err(e) => {
            let _ = writeln!(out, "openat /no/such/file: {e}");
        }
    }
    exit(4)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(Out(2), "hello-rs: {info}");
    exit(101)
}

/// Referenced by the prebuilt `core` (built with unwinding); never called, since the
/// workspace profiles abort on panic.
// SAFETY: the only definition of this symbol in the program.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
