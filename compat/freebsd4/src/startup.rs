//! The initial stack and registers of a 4.x process (reference §3.2-3.4): ps_strings at
//! 0xBFBFFFF0 with the signal trampolines below it, the strings below those, then
//! argc, argv, envp and the 4.x auxv at esp; eax = edx = ebx = 0, eflags 0x202 and the
//! FPU control word 0x127F.

use crate::fb;
use crate::signals::{OSIGCODE, SIGCODE};
use alloc::vec::Vec;
use nymph_hal::user::{FpuState, UserContext, UserMode};
use nymph_kernel::exec::elf::ElfImage;
use nymph_kernel::mm::uspace::{AddressSpace, Protection};
use nymph_kernel::process::{ExecError, ExecRequest};
use zerocopy::IntoBytes;

/// `USRSTACK`, the top of the user stack and of user space.
pub(crate) const USRSTACK: u32 = 0xBFC0_0000;
/// `PS_STRINGS`: `struct ps_strings` sits just below the top.
pub(crate) const PS_STRINGS: u32 = USRSTACK - 16;
/// Where the new-style trampoline is copied (`PS_STRINGS - szsigcode`).
pub(crate) const SIGCODE_ADDR: u32 = PS_STRINGS - SZSIGCODE;
/// Where the old-style trampoline starts (`PS_STRINGS - szosigcode`).
pub(crate) const OSIGCODE_ADDR: u32 = PS_STRINGS - OSIGCODE.len() as u32;
/// Both trampolines together.
const SZSIGCODE: u32 = (SIGCODE.len() + OSIGCODE.len()) as u32;
/// `SPARE_USRSPACE`: left free between the trampoline and the strings.
const SPARE_USRSPACE: u32 = 256;
/// `ARG_MAX`: argument and environment strings together.
pub(crate) const ARG_MAX: usize = 65536;
/// The stack promised at exec, `DFLSSIZ` (pages are mapped as they are touched).
const STACK_SIZE: u32 = 8 * 1024 * 1024;
/// `MAXDSIZ`: the interpreter (and so AT_BASE) sits this far above the data segment.
const MAXDSIZ: u64 = 512 * 1024 * 1024;
/// `__INITIAL_NPXCW__`: double precision, every exception masked.
const INITIAL_NPXCW: u16 = 0x127F;
const PAGE: u64 = 4096;

/// `vm_daddr`: the start of the data segment, the last loaded segment that does not hold
/// the entry point (the text segment if there is no other).
pub(crate) fn data_start(image: &ElfImage<'_>) -> u64 {
    let holds_entry = |s: &&nymph_kernel::exec::elf::Segment| {
        (s.vaddr..s.vaddr + s.mem_size).contains(&image.entry)
    };
    image
        .segments
        .iter()
        .rfind(|s| !holds_entry(s))
        .or(image.segments.first())
        .map_or(0, |s| s.vaddr & !(PAGE - 1))
}

/// `vm_taddr`: the start of the text segment, the one holding the entry point
/// (imgact_elf.c: the last such).
pub(crate) fn text_start(image: &ElfImage<'_>) -> u64 {
    image
        .segments
        .iter()
        .rfind(|s| (s.vaddr..s.vaddr + s.mem_size).contains(&image.entry))
        .map_or(0, |s| s.vaddr & !(PAGE - 1))
}

/// `ELF_RTLD_ADDR`: where the interpreter goes (an `ET_DYN` one; an `ET_EXEC` one stays
/// at its own addresses), and AT_BASE when there is none.
pub(crate) fn rtld_addr(image: &ElfImage<'_>) -> u64 {
    (data_start(image) + MAXDSIZ).next_multiple_of(PAGE)
}

/// `SGROWSIZ`: the part of the stack 4.x's `exec_new_vmspace` maps at exec (the rest of
/// `MAXSSIZ` below it is only reserved in name).
const SGROWSIZ: u64 = 128 * 1024;

/// Refuses an image with a segment 4.x could not map: one reaching into the stack
/// 4.x maps at exec (its top `SGROWSIZ`) or above it, past `USRSTACK` =
/// `VM_MAXUSER_ADDRESS` (imgact_elf.c `elf_load_section`: `vm_map_insert` fails and it
/// returns EINVAL). 4.x finds that only after `exec_new_vmspace`, past the point of no
/// return, and kills the process with SIGABRT (kern_exec.c `exec_fail`); here it is
/// found before anything changes and execve fails with that EINVAL instead.
///
/// exec checks an interpreter with this too. 4.x loads the interpreter past the point
/// of no return as well: a missing or bad one gets "ELF interpreter %s not found" on
/// the terminal and SIGABRT. Here exec reads and checks it first, so execve fails
/// (ENOENT for a missing file, ENOEXEC for a bad image, EINVAL for one placed here)
/// and the kernel log names the interpreter and the process.
pub(crate) fn vet(image: &ElfImage<'_>) -> Result<(), ExecError> {
    let stack = u64::from(USRSTACK) - SGROWSIZ;
    match image
        .segments
        .iter()
        .find(|s| (s.vaddr + s.mem_size).next_multiple_of(PAGE) > stack)
    {
        Some(s) => Err(ExecError::SegmentPlacement {
            vaddr: s.vaddr,
            end: s.vaddr + s.mem_size,
        }),
        None => Ok(()),
    }
}

pub(crate) fn build(
    request: &ExecRequest<'_>,
    space: &mut AddressSpace,
) -> Result<UserContext, ExecError> {
    let strings: usize = request
        .argv
        .iter()
        .chain(request.envp.iter())
        .map(|s| s.len() + 1)
        .sum();
    if strings > ARG_MAX {
        return Err(ExecError::ArgumentsTooLong);
    }
    // 4.x maps its stack with every permission: the trampoline runs from it. A segment
    // in the stack's reach (`vet` keeps them below its top SGROWSIZ) stops it, as 4.x's
    // growth stops at the next mapping.
    let loaded_end = request
        .interpreter
        .map_or(request.image_end, |i| i.end.max(request.image_end));
    let bottom = u64::from(USRSTACK - STACK_SIZE).max(loaded_end);
    space.reserve_zeroed(bottom, u64::from(USRSTACK), Protection::ALL)?;

    let mut code = Vec::with_capacity(SZSIGCODE as usize);
    code.extend_from_slice(&SIGCODE);
    code.extend_from_slice(&OSIGCODE);
    space.write_bytes(u64::from(SIGCODE_ADDR), &code)?;

    // Strings packed upwards from destp, arguments first.
    let strings_size = strings.next_multiple_of(4) as u32;
    let destp = SIGCODE_ADDR - SPARE_USRSPACE - strings_size;
    let mut cursor = destp;
    let mut place = |space: &mut AddressSpace, s: &[u8]| -> Result<u32, ExecError> {
        let at = cursor;
        space.write_bytes(u64::from(at), s)?;
        space.write_bytes(u64::from(at) + s.len() as u64, &[0])?;
        cursor += s.len() as u32 + 1;
        Ok(at)
    };
    let argv: Vec<u32> = request
        .argv
        .iter()
        .map(|a| place(space, a))
        .collect::<Result<_, _>>()?;
    let envp: Vec<u32> = request
        .envp
        .iter()
        .map(|e| place(space, e))
        .collect::<Result<_, _>>()?;

    let image = request.image;
    let at_base = request
        .interpreter
        .map_or_else(|| rtld_addr(image), |i| i.base);
    let auxv: [(u32, u64); 8] = [
        // 4.x takes AT_PHDR from PT_PHDR alone (static binaries often have none).
        (
            fb::auxv::AT_PHDR,
            image
                .phdr_vaddr
                .filter(|_| image.phdr_declared)
                .unwrap_or(0),
        ),
        (fb::auxv::AT_PHENT, u64::from(image.phentsize)),
        (fb::auxv::AT_PHNUM, u64::from(image.phnum)),
        (fb::auxv::AT_PAGESZ, PAGE),
        (fb::auxv::AT_FLAGS, 0),
        (fb::auxv::AT_ENTRY, image.entry),
        (fb::auxv::AT_BASE, at_base),
        (fb::auxv::AT_NULL, 0),
    ];
    let mut words: Vec<u32> = Vec::new();
    words.push(argv.len() as u32);
    words.extend_from_slice(&argv);
    words.push(0);
    words.extend_from_slice(&envp);
    words.push(0);
    for (kind, value) in auxv {
        words.push(kind);
        words.push(value as u32);
    }
    // The vector area reserves room for the full auxv (AT_COUNT pairs), as 4.x does.
    let vector_words = argv.len() + 1 + envp.len() + 1 + 2 * AT_COUNT + 1;
    let vectp = destp - 4 * vector_words as u32;
    let esp = vectp;
    if u64::from(esp) < bottom {
        return Err(ExecError::ArgumentsTooLong);
    }
    space.write_bytes(u64::from(esp), words.as_bytes())?;

    let ps = fb::ps_strings {
        ps_argvstr: esp + 4,
        ps_nargvstr: argv.len() as i32,
        ps_envstr: esp + 4 * (argv.len() as u32 + 2),
        ps_nenvstr: envp.len() as i32,
    };
    space.write_bytes(u64::from(PS_STRINGS), ps.as_bytes())?;

    // eax, ebx (imgp->ps_strings, 0 for ELF), ecx, edx, esi, edi and ebp all start 0.
    // A dynamic program starts in its interpreter, which jumps to AT_ENTRY.
    Ok(UserContext::new(
        UserMode::Compat32,
        request.interpreter.map_or(image.entry, |i| i.entry),
        u64::from(esp),
        FpuState::with_control_word(INITIAL_NPXCW),
    ))
}

/// `AT_COUNT`: the auxv pairs 4.x leaves room for.
const AT_COUNT: usize = 15;
