//! The initial stack and registers of a native process (native-v1.json, `startup`):
//! argc, argv, envp, auxv at rsp (16-byte aligned); strings and AT_RANDOM bytes above.

use crate::SERVED_VERSIONS;
use alloc::vec::Vec;
use nymph_abi::native_v1 as v1;
use nymph_hal::user::{FpuState, UserContext, UserMode};
use nymph_kernel::mm::uspace::{AddressSpace, Protection};
use nymph_kernel::process::{ExecError, ExecRequest};

const STACK_TOP: u64 = 0x7FFF_FFFF_F000;
/// Promised at exec; its pages are mapped as they are touched.
const STACK_MAPPED: u64 = 8 * 1024 * 1024;
/// argv + envp strings and pointers together (ARG_MAX).
const ARG_MAX: usize = 256 * 1024;
/// The x87 control word of a fresh native process (the SysV default).
const NATIVE_FCW: u16 = 0x037f;

pub(crate) fn build(
    request: &ExecRequest<'_>,
    space: &mut AddressSpace,
    version: u32,
) -> Result<UserContext, ExecError> {
    let strings: usize = request
        .argv
        .iter()
        .chain(request.envp.iter())
        .map(|s| s.len() + 1 + 8)
        .sum();
    if strings > ARG_MAX {
        return Err(ExecError::ArgumentsTooLong);
    }
    space.reserve_zeroed(STACK_TOP - STACK_MAPPED, STACK_TOP, Protection::READ_WRITE)?;

    // Strings at the top, argument strings first.
    let mut cursor = STACK_TOP;
    let mut place = |space: &mut AddressSpace, bytes: &[u8], nul: bool| -> Result<u64, ExecError> {
        let len = bytes.len() as u64 + u64::from(nul);
        cursor -= len;
        space.write_bytes(cursor, bytes)?;
        if nul {
            space.write_bytes(cursor + bytes.len() as u64, &[0])?;
        }
        Ok(cursor)
    };
    let mut envp = Vec::with_capacity(request.envp.len());
    for e in request.envp.iter().rev() {
        envp.push(place(space, e, true)?);
    }
    envp.reverse();
    let mut argv = Vec::with_capacity(request.argv.len());
    for a in request.argv.iter().rev() {
        argv.push(place(space, a, true)?);
    }
    argv.reverse();
    let random_bytes = entropy(request.image.entry);
    let random = place(space, &random_bytes, false)?;

    let image = request.image;
    let versions_mask = SERVED_VERSIONS.fold(0u64, |m, v| m | (1 << (v - 1)));
    let auxv: [(u32, u64); 11] = [
        (v1::auxv::AT_PHDR, image.phdr_vaddr.unwrap_or(0)),
        (v1::auxv::AT_PHENT, u64::from(image.phentsize)),
        (v1::auxv::AT_PHNUM, u64::from(image.phnum)),
        (v1::auxv::AT_PAGESZ, 4096),
        (v1::auxv::AT_BASE, 0),
        (v1::auxv::AT_FLAGS, 0),
        (v1::auxv::AT_ENTRY, image.entry),
        (v1::auxv::AT_RANDOM, random),
        (v1::auxv::AT_NYMPH_ABI_VERSION, u64::from(version)),
        (v1::auxv::AT_NYMPH_ABI_VERSIONS, versions_mask),
        (v1::auxv::AT_NULL, 0),
    ];
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend_from_slice(&argv);
    words.push(0);
    words.extend_from_slice(&envp);
    words.push(0);
    for (kind, value) in auxv {
        words.push(u64::from(kind));
        words.push(value);
    }
    let bytes = words.len() as u64 * 8;
    let rsp = (cursor - bytes) & !15;
    if rsp < STACK_TOP - STACK_MAPPED {
        return Err(ExecError::ArgumentsTooLong);
    }
    let mut image_bytes = Vec::with_capacity(bytes as usize);
    for w in &words {
        image_bytes.extend_from_slice(&w.to_le_bytes());
    }
    space.write_bytes(rsp, &image_bytes)?;
    Ok(UserContext::new(
        UserMode::Long,
        image.entry,
        rsp,
        FpuState::with_control_word(NATIVE_FCW),
    ))
}

/// Sixteen bytes for AT_RANDOM: the TSC mixed through a few rounds of a 64-bit
/// permutation (not cryptographic; a real entropy source arrives with /dev/random).
fn entropy(salt: u64) -> [u8; 16] {
    let mut x = nymph_hal::cpu::rdtsc() ^ salt.rotate_left(17);
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(8) {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^= x >> 33;
        chunk.copy_from_slice(&x.to_le_bytes());
    }
    out
}
