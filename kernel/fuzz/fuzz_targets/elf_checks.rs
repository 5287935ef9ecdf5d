//! Arbitrary bytes through everything exec checks before it maps an image: the ELF and
//! program headers, segment layout (ELF64 against the user half, ELF32 against 4 GiB),
//! notes and interpreter, the claims of the native and FreeBSD-4 personalities, the
//! per-process values each derives from the image, and the same bytes checked as the
//! image's ELF interpreter. Any panic or overflow is a bug: bad images must come back
//! as an `ExecError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nymph_compat_freebsd4::FREEBSD4;
use nymph_compat_native::{NATIVE_V1, NATIVE_V2};
use nymph_kernel::process::{ExecRequest, check_image, check_interpreter};

fuzz_target!(|data: &[u8]| {
    let Ok((image, personality)) = check_image(data, &[&NATIVE_V1, &NATIVE_V2, &FREEBSD4]) else {
        return;
    };
    let request = ExecRequest {
        path: "/fuzzed",
        image: &image,
        argv: &[],
        envp: &[],
        image_end: image.end(),
        interpreter: None,
    };
    let _ = personality.initial_state(&request);
    // The same bytes as the image's own ELF interpreter, where its personality puts one.
    if let Some(base) = personality.elf_interpreter_base(&image) {
        let _ = check_interpreter(data, &image, base, personality);
    }
    let _ = nymph_compat_native::abi_version(&image.identity);
    let _ = nymph_compat_freebsd4::is_freebsd4(&image.identity);
});
