//! Core dumps the 4.x way: the policy of `coredump()` in `sys/kern/kern_sig.c`, the
//! name `expand_name()` makes from kern.corefile, and the i386 ELF core of
//! `elf_coredump()` in `sys/kern/imgact_elf.c`.
//!
//! What was confirmed, and where (the reference's §8 lists the core format as not
//! researched; RELENG_4-era copies of the files in the public source store, a 4.x
//! kern_sig.c with `p_cred` and a 4.x imgact_elf.c with `vn_rdwr_inchunks`, and
//! DragonFly's kern_sig.c marked `$FreeBSD: ... kern_sig.c,v 1.72.2.17`):
//! - `sigexit`: for a signal with SA_CORE, WCOREFLAG (0x80) is set only when
//!   `coredump()` returns 0. `sigproptbl` gives SA_CORE to QUIT ILL TRAP ABRT EMT FPE
//!   BUS SEGV SYS, not to XCPU or XFSZ (SA_KILL only).
//! - `coredump`: EFAULT if P_SUGID and kern.sugid_coredump is 0 (default 0), or
//!   kern.coredump is 0 (default 1); RLIMIT_CORE 0 makes no file (the 4.x copy returns
//!   0 there, which claims a core; DragonFly's returns EFBIG: here no file, no flag);
//!   the name is expand_name(p_comm, cr_uid, pid) opened with `vn_open(O_CREAT | FWRITE
//!   | O_NOFOLLOW, S_IRUSR | S_IWUSR)` relative to the working directory; an F_FLOCK
//!   write lock is taken (not done here); EFAULT unless VREG with one link; the size
//!   is set to 0; then `elf_coredump(p, vp, limit)`.
//! - `expand_name`: kern.corefile (OID_AUTO string, MAXPATHLEN + 1, default "%N.core"),
//!   %N p_comm, %P pid, %U uid, %% a percent; other characters after % are logged and
//!   dropped; NULL when %N/%P/%U would pass MAXPATHLEN.
//! - `elf_coredump`: segments from `each_writable_segment` (entries with both
//!   VM_PROT_READ and VM_PROT_WRITE, not MAP_ENTRY_NOCOREDUMP, with a VM object, of
//!   type default, swap or vnode); `hdrsize + size >= limit` is EFAULT, after the file
//!   was made and emptied. `elf_puthdr`: Elf32_Ehdr (EI_OSABI ELFOSABI_FREEBSD, ET_CORE,
//!   EM_386, e_phoff 52, e_phentsize 32, e_shentsize sizeof(Elf32_Shdr) = 40, e_shnum 0,
//!   e_phnum segments + 1), the PT_NOTE program header (p_offset the notes, p_filesz
//!   their size, everything else 0), one PT_LOAD per segment (p_offset page-rounded,
//!   p_vaddr the start, p_paddr 0, p_filesz = p_memsz = its length, p_align PAGE_SIZE,
//!   PF_R/W/X from the protection); the notes, each an Elf_Note (namesz 8, descsz,
//!   type) then "FreeBSD\0" and the description, padded to 4: NT_PRSTATUS (1),
//!   NT_FPREGSET (2), NT_PRPSINFO (3); the header area rounded up to a page.
//! - `sys/procfs.h`: prstatus_t = pr_version (1), pr_statussz, pr_gregsetsz,
//!   pr_fpregsetsz, pr_osreldate, pr_cursig, pr_pid, pr_reg (104 bytes); prpsinfo_t =
//!   pr_version (1), pr_psinfosz, pr_fname[17], pr_psargs[81] (108 bytes with padding);
//!   `elf_corehdr` puts p_comm in both names ("We don't fill in the command line
//!   arguments properly yet").
//! - i386 `struct reg`: fs es ds edi esi ebp isp ebx edx ecx eax trapno err eip cs
//!   eflags esp ss gs (76 bytes; also gdb's i386fbsd4_r_reg_offset, "FreeBSD
//!   4.0-RELEASE or later"); `struct fpreg` = env[7] words, acc[8][10], ex_sw, pad[64]
//!   (176 bytes: `struct save87`, whose first 108 bytes are the FNSAVE image).

use crate::fb;
use crate::fs::MAXPATHLEN;
use crate::signals::{signal_to_fb, trap_words};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use nymph_hal::user::UserContext;
use nymph_kernel::process::core_dump::{CoreFile, Region, create_core_file};
use nymph_kernel::process::{Fault, Process, Signal, Task};
use nymph_kernel::sync::Mutex;
use zerocopy::{FromBytes, Immutable, IntoBytes};

const PAGE: u64 = 4096;
/// `MAXCOMLEN`: p_comm keeps this many bytes of the image's name.
const MAXCOMLEN: usize = 16;

/// 4.x's p_comm: the first MAXCOMLEN bytes of the image's file name.
pub(crate) fn p_comm(process: &Process) -> Vec<u8> {
    let mut comm = process.image_name();
    comm.truncate(MAXCOMLEN);
    comm
}

/// kern.corefile's default.
const DEFAULT_CORE_FILE: &[u8] = b"%N.core";

/// kern.corefile (None: the default), kern.coredump and kern.sugid_coredump.
static CORE_FILE: Mutex<Option<Vec<u8>>> = Mutex::new(None);
static DO_COREDUMP: AtomicBool = AtomicBool::new(true);
static SUGID_COREDUMP: AtomicBool = AtomicBool::new(false);

pub(crate) fn core_file_format() -> Vec<u8> {
    CORE_FILE
        .lock()
        .clone()
        .unwrap_or_else(|| DEFAULT_CORE_FILE.to_vec())
}

pub(crate) fn set_core_file_format(format: Vec<u8>) {
    *CORE_FILE.lock() = Some(format);
}

pub(crate) fn do_coredump() -> bool {
    DO_COREDUMP.load(Ordering::Relaxed)
}

pub(crate) fn set_do_coredump(on: bool) {
    DO_COREDUMP.store(on, Ordering::Relaxed);
}

pub(crate) fn sugid_coredump() -> bool {
    SUGID_COREDUMP.load(Ordering::Relaxed)
}

pub(crate) fn set_sugid_coredump(on: bool) {
    SUGID_COREDUMP.store(on, Ordering::Relaxed);
}

/// `expand_name`: kern.corefile with %N the process name, %P its pid, %U its (effective)
/// uid and %% a percent sign; another character after % is dropped (4.x logs it). None
/// when a name, pid or uid would take the result past MAXPATHLEN; plain characters
/// past it are cut off.
pub(crate) fn expand_name(format: &[u8], name: &[u8], uid: u32, pid: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut chars = format.iter().copied();
    while out.len() < MAXPATHLEN {
        let Some(c) = chars.next() else { break };
        if c != b'%' {
            out.push(c);
            continue;
        }
        let insert = match chars.next() {
            Some(b'%') => alloc::vec![b'%'],
            Some(b'N') => name.to_vec(),
            Some(b'P') => alloc::format!("{pid}").into_bytes(),
            Some(b'U') => alloc::format!("{uid}").into_bytes(),
            Some(other) => {
                log::info!(
                    "unknown format character {} in kern.corefile",
                    other as char
                );
                continue;
            }
            None => break,
        };
        if out.len() + insert.len() > MAXPATHLEN {
            return None;
        }
        out.extend_from_slice(&insert);
    }
    Some(out)
}

/// 4.x `sigproptbl`: SIGXCPU and SIGXFSZ only kill (SA_KILL without SA_CORE), unlike
/// the other signals the core kernel's table gives a core default.
fn dumps_core(signal: Signal) -> bool {
    !matches!(signal, Signal::Xcpu | Signal::Xfsz)
}

/// `coredump()` and `elf_coredump()`: whether a core was written.
pub(crate) fn dump(task: &Task, signal: Signal) -> bool {
    if !dumps_core(signal) {
        return false;
    }
    let process = &task.process;
    let creds = process.fs().creds;
    if (creds.tainted && !sugid_coredump()) || !do_coredump() {
        return false;
    }
    // A zero limit makes no file at all. (The 4.x kern_sig.c found in the reference
    // store returns 0 here, which sets WCOREFLAG with no file; DragonFly's copy of
    // RELENG_4 1.72.2.17 returns EFBIG. No file, no flag.)
    let limit = crate::sysctl::core_limit(task);
    if limit == 0 {
        return false;
    }
    let comm = p_comm(process);
    let Some(path) = expand_name(&core_file_format(), &comm, creds.euid, process.pid.0) else {
        return false;
    };
    let file = match create_core_file(process, &path) {
        Ok(f) => f,
        Err(e) => {
            log::info!("pid {}: no core file: {e:?}", process.pid.0);
            return false;
        }
    };
    match write_core(task, signal, &comm, &file, limit) {
        Ok(()) => true,
        Err(why) => {
            log::info!("pid {}: core dump stopped: {why}", process.pid.0);
            false
        }
    }
}

/// The regions `each_writable_segment` dumps: readable and writable, with something
/// behind them (4.x skips an entry whose VM object was never made). MAP_NOCORE is not
/// tracked here, so nothing is left out for it.
fn dumped_regions(task: &Task) -> impl Iterator<Item = Region> + '_ {
    let mut from = 0u64;
    core::iter::from_fn(move || {
        let r = task.process.next_region(from)?;
        from = r.end;
        Some(r)
    })
    .filter(|r| r.prot.read && r.prot.write && r.touched)
}

/// The size of the header area: ELF header, program headers and notes, rounded up to
/// a page (`elf_puthdr`'s dry run).
fn header_size(segments: usize) -> u64 {
    let notes = note_size(size_of::<PrStatus>())
        + note_size(size_of::<FpReg>())
        + note_size(size_of::<PrPsinfo>());
    (size_of::<Ehdr>() + (segments + 1) * size_of::<Phdr>() + notes).next_multiple_of(PAGE as usize)
        as u64
}

/// `elf_putnote`: header, name "FreeBSD\0" and description, each padded to 4 bytes.
fn note_size(desc: usize) -> usize {
    size_of::<Nhdr>() + NOTE_NAME.len().next_multiple_of(4) + desc.next_multiple_of(4)
}

fn write_core(
    task: &Task,
    signal: Signal,
    comm: &[u8],
    file: &CoreFile,
    limit: i64,
) -> Result<(), &'static str> {
    let (count, size) = dumped_regions(task).fold((0usize, 0u64), |(n, s), r| {
        (n + 1, s.saturating_add(r.end - r.start))
    });
    let phnum = u16::try_from(count + 1).map_err(|_| "too many segments")?;
    let hdrsize = header_size(count);
    // Offsets are 32 bits in an ELF32 core.
    if hdrsize.saturating_add(size) > u64::from(u32::MAX) {
        return Err("too large for an ELF32 core");
    }
    // 4.x checks the size only now, the file made and emptied: it stays, empty.
    if u64::try_from(limit).is_ok_and(|l| hdrsize.saturating_add(size) >= l) {
        return Err("larger than RLIMIT_CORE");
    }
    let phoff = size_of::<Ehdr>() as u32;
    let noteoff = phoff + u32::from(phnum) * size_of::<Phdr>() as u32;
    let notes = notes(task, signal, comm);
    let ehdr = Ehdr::core(phnum, phoff);
    let note_phdr = Phdr {
        p_type: PT_NOTE,
        p_offset: noteoff,
        p_filesz: notes.len() as u32,
        ..Phdr::default()
    };
    let io = |_| "write failed";
    file.write_at(0, ehdr.as_bytes()).map_err(io)?;
    file.write_at(u64::from(phoff), note_phdr.as_bytes())
        .map_err(io)?;
    file.write_at(u64::from(noteoff), &notes).map_err(io)?;
    let mut offset = hdrsize;
    let mut written = 0;
    for (i, r) in dumped_regions(task).enumerate() {
        if i >= count {
            return Err("memory changed during the dump");
        }
        let phdr = Phdr::load(&r, offset);
        let at = u64::from(phoff) + (i as u64 + 1) * size_of::<Phdr>() as u64;
        file.write_at(at, phdr.as_bytes()).map_err(io)?;
        file.write_memory(&task.process, r.start, r.end, offset)
            .map_err(|_| "writing memory failed")?;
        offset += r.end - r.start;
        written += 1;
    }
    if written != count {
        return Err("memory changed during the dump");
    }
    // The header area is written whole, padding included.
    file.extend_to(hdrsize).map_err(io)
}

/// The three notes `elf_corehdr` writes, in order.
fn notes(task: &Task, signal: Signal, comm: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_note(&mut out, NT_PRSTATUS, prstatus(task, signal).as_bytes());
    put_note(
        &mut out,
        NT_FPREGSET,
        fpregs(&task.context.fpu.0).as_bytes(),
    );
    put_note(&mut out, NT_PRPSINFO, prpsinfo(comm).as_bytes());
    out
}

fn put_note(out: &mut Vec<u8>, n_type: u32, desc: &[u8]) {
    let header = Nhdr {
        n_namesz: NOTE_NAME.len() as u32,
        n_descsz: desc.len() as u32,
        n_type,
    };
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(NOTE_NAME);
    out.resize(out.len().next_multiple_of(4), 0);
    out.extend_from_slice(desc);
    out.resize(out.len().next_multiple_of(4), 0);
}

/// `fill_regs`: the trap frame's registers, %gs from the pcb; r_isp (the kernel
/// stack pointer) has no meaning here and is 0. r_trapno and r_err are what `trap()`
/// left in the frame (the fault's, or those of the `int $0x80` a signal came after).
fn regs(task: &Task) -> Reg {
    reg_of(&task.context, task.process.take_fault().as_ref())
}

/// `struct reg` of a saved user context, with the trap words of `fault` (or of how the
/// kernel was entered): core files and PT_GETREGS share it.
pub(crate) fn reg_of(context: &UserContext, fault: Option<&Fault>) -> Reg {
    let r = &context.regs;
    let w = |v: u64| v as u32;
    let (fs, gs) = context.segment_selectors();
    let (ds, es) = context.data_selectors();
    let words = trap_words(fault, context.last_entry_vector());
    Reg {
        r_fs: u32::from(fs),
        r_es: u32::from(es),
        r_ds: u32::from(ds),
        r_edi: w(r.rdi),
        r_esi: w(r.rsi),
        r_ebp: w(r.rbp),
        r_isp: 0,
        r_ebx: w(r.rbx),
        r_edx: w(r.rdx),
        r_ecx: w(r.rcx),
        r_eax: w(r.rax),
        r_trapno: words.trapno as u32,
        r_err: words.err,
        r_eip: w(r.rip),
        r_cs: w(r.cs),
        r_eflags: w(r.rflags),
        r_esp: w(r.rsp),
        r_ss: w(r.ss),
        r_gs: u32::from(gs),
    }
}

fn prstatus(task: &Task, signal: Signal) -> PrStatus {
    PrStatus {
        pr_version: PRSTATUS_VERSION,
        pr_statussz: size_of::<PrStatus>() as u32,
        pr_gregsetsz: size_of::<Reg>() as u32,
        pr_fpregsetsz: size_of::<FpReg>() as u32,
        pr_osreldate: fb::consts::__FreeBSD_version as i32,
        pr_cursig: signal_to_fb(signal),
        pr_pid: task.process.pid.0 as i32,
        pr_reg: regs(task),
    }
}

/// `fill_fpregs`: the FNSAVE image (`struct save87`'s first 108 bytes: the 28-byte
/// environment, then ST(0)..ST(7) at 10 bytes each), made from the FXSAVE image the
/// kernel keeps; the rest (sv_ex_sw and the emulators' padding) is zero.
pub(crate) fn fpregs(fx: &[u8; 512]) -> FpReg {
    let u16_at = |o: usize| u16::from_le_bytes([fx[o], fx[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes([fx[o], fx[o + 1], fx[o + 2], fx[o + 3]]);
    let fsw = u16_at(2);
    let opcode = u32::from(u16_at(6) & 0x7ff);
    let env = [
        u32::from(u16_at(0)),
        u32::from(fsw),
        full_tag_word(fx, fsw),
        u32_at(8),
        u32::from(u16_at(12)) | opcode << 16,
        u32_at(16),
        u32::from(u16_at(20)),
    ];
    let mut acc = [0u8; 80];
    for (i, st) in acc.chunks_exact_mut(10).enumerate() {
        st.copy_from_slice(&fx[32 + 16 * i..42 + 16 * i]);
    }
    FpReg {
        fpr_env: env,
        fpr_acc: acc,
        fpr_ex_sw: 0,
        fpr_pad: [0; 64],
    }
}

/// The 16-bit tag word FNSAVE stores (two bits per physical register: valid 0, zero 1,
/// special 2, empty 3) from FXSAVE's one bit per register and the registers' contents.
fn full_tag_word(fx: &[u8; 512], fsw: u16) -> u32 {
    let top = usize::from((fsw >> 11) & 7);
    let mut tags = 0u32;
    for phys in 0..8 {
        let tag = if fx[4] & (1 << phys) == 0 {
            3
        } else {
            let st = (phys + 8 - top) % 8;
            let reg = &fx[32 + 16 * st..42 + 16 * st];
            let mantissa = u64::from_le_bytes([
                reg[0], reg[1], reg[2], reg[3], reg[4], reg[5], reg[6], reg[7],
            ]);
            let exponent = u16::from_le_bytes([reg[8], reg[9]]) & 0x7fff;
            match exponent {
                0x7fff => 2,
                0 if mantissa == 0 => 1,
                0 => 2,
                _ if mantissa >> 63 == 0 => 2,
                _ => 0,
            }
        };
        tags |= tag << (2 * phys);
    }
    tags
}

/// `prpsinfo_t`: pr_fname is p_comm, and so is pr_psargs ("We don't fill in the command
/// line arguments properly yet", imgact_elf.c 4.x).
fn prpsinfo(comm: &[u8]) -> PrPsinfo {
    let mut info = PrPsinfo {
        pr_version: PRPSINFO_VERSION,
        pr_psinfosz: size_of::<PrPsinfo>() as u32,
        pr_fname: [0; MAXCOMLEN + 1],
        pr_psargs: [0; PRARGSZ + 1],
        _pad: [0; 2],
    };
    let n = comm.len().min(MAXCOMLEN);
    info.pr_fname[..n].copy_from_slice(&comm[..n]);
    info.pr_psargs[..n].copy_from_slice(&comm[..n]);
    info
}

const NOTE_NAME: &[u8] = b"FreeBSD\0";
const NT_PRSTATUS: u32 = 1;
const NT_FPREGSET: u32 = 2;
const NT_PRPSINFO: u32 = 3;
const PRSTATUS_VERSION: i32 = 1;
const PRPSINFO_VERSION: i32 = 1;
/// `PRARGSZ`.
const PRARGSZ: usize = 80;
const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
const ET_CORE: u16 = 4;
const EM_386: u16 = 3;
const EV_CURRENT: u8 = 1;
const ELFCLASS32: u8 = 1;
const ELFDATA2LSB: u8 = 1;
const ELFOSABI_FREEBSD: u8 = 9;

/// `Elf32_Ehdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, IntoBytes, Immutable)]
pub(crate) struct Ehdr {
    e_ident: [u8; 16],
    e_type: u16,
    e_machine: u16,
    e_version: u32,
    e_entry: u32,
    e_phoff: u32,
    e_shoff: u32,
    e_flags: u32,
    e_ehsize: u16,
    e_phentsize: u16,
    e_phnum: u16,
    e_shentsize: u16,
    e_shnum: u16,
    e_shstrndx: u16,
}

impl Ehdr {
    /// `elf_puthdr`'s ELF header (e_shentsize is sizeof(Elf32_Shdr) with no sections).
    fn core(phnum: u16, phoff: u32) -> Ehdr {
        let mut e_ident = [0u8; 16];
        e_ident[..4].copy_from_slice(b"\x7fELF");
        e_ident[4] = ELFCLASS32;
        e_ident[5] = ELFDATA2LSB;
        e_ident[6] = EV_CURRENT;
        e_ident[7] = ELFOSABI_FREEBSD;
        Ehdr {
            e_ident,
            e_type: ET_CORE,
            e_machine: EM_386,
            e_version: u32::from(EV_CURRENT),
            e_phoff: phoff,
            e_ehsize: size_of::<Ehdr>() as u16,
            e_phentsize: size_of::<Phdr>() as u16,
            e_phnum: phnum,
            e_shentsize: 40,
            ..Ehdr::default()
        }
    }
}

/// `Elf32_Phdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, IntoBytes, Immutable)]
pub(crate) struct Phdr {
    p_type: u32,
    p_offset: u32,
    p_vaddr: u32,
    p_paddr: u32,
    p_filesz: u32,
    p_memsz: u32,
    p_flags: u32,
    p_align: u32,
}

impl Phdr {
    /// `cb_put_phdr`: the region at `offset`, file and memory sizes alike.
    fn load(r: &Region, offset: u64) -> Phdr {
        let flags = [
            (r.prot.read, PF_R),
            (r.prot.write, PF_W),
            (r.prot.execute, PF_X),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |f, (_, bit)| f | bit);
        let size = (r.end - r.start) as u32;
        Phdr {
            p_type: PT_LOAD,
            p_offset: offset as u32,
            p_vaddr: r.start as u32,
            p_paddr: 0,
            p_filesz: size,
            p_memsz: size,
            p_flags: flags,
            p_align: PAGE as u32,
        }
    }
}

/// `Elf32_Nhdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, IntoBytes, Immutable)]
struct Nhdr {
    n_namesz: u32,
    n_descsz: u32,
    n_type: u32,
}

/// i386 `struct reg` (gregset_t), 4.x order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable)]
pub(crate) struct Reg {
    pub(crate) r_fs: u32,
    pub(crate) r_es: u32,
    pub(crate) r_ds: u32,
    pub(crate) r_edi: u32,
    pub(crate) r_esi: u32,
    pub(crate) r_ebp: u32,
    pub(crate) r_isp: u32,
    pub(crate) r_ebx: u32,
    pub(crate) r_edx: u32,
    pub(crate) r_ecx: u32,
    pub(crate) r_eax: u32,
    pub(crate) r_trapno: u32,
    pub(crate) r_err: u32,
    pub(crate) r_eip: u32,
    pub(crate) r_cs: u32,
    pub(crate) r_eflags: u32,
    pub(crate) r_esp: u32,
    pub(crate) r_ss: u32,
    pub(crate) r_gs: u32,
}

/// i386 `struct fpreg` (fpregset_t): `struct save87`.
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable)]
pub(crate) struct FpReg {
    pub(crate) fpr_env: [u32; 7],
    pub(crate) fpr_acc: [u8; 80],
    pub(crate) fpr_ex_sw: u32,
    pub(crate) fpr_pad: [u8; 64],
}

/// `prstatus_t` (sys/procfs.h; size_t is 32 bits).
#[repr(C)]
#[derive(Clone, Copy, Debug, IntoBytes, Immutable)]
pub(crate) struct PrStatus {
    pr_version: i32,
    pr_statussz: u32,
    pr_gregsetsz: u32,
    pr_fpregsetsz: u32,
    pr_osreldate: i32,
    pr_cursig: i32,
    pr_pid: i32,
    pr_reg: Reg,
}

/// `prpsinfo_t`, with the tail padding the i386 compiler gives it.
#[repr(C)]
#[derive(Clone, Copy, Debug, IntoBytes, Immutable)]
pub(crate) struct PrPsinfo {
    pr_version: i32,
    pr_psinfosz: u32,
    pr_fname: [u8; MAXCOMLEN + 1],
    pr_psargs: [u8; PRARGSZ + 1],
    _pad: [u8; 2],
}

const _: () = {
    assert!(size_of::<Ehdr>() == 52);
    assert!(size_of::<Phdr>() == 32);
    assert!(size_of::<Reg>() == 76);
    assert!(size_of::<FpReg>() == 176);
    assert!(size_of::<PrStatus>() == 104);
    assert!(size_of::<PrPsinfo>() == 108);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_file_names_expand_as_4x_expand_name_does() {
        let e = |f: &[u8]| expand_name(f, b"prog", 1001, 42);
        assert_eq!(e(b"%N.core").as_deref(), Some(&b"prog.core"[..]));
        assert_eq!(
            e(b"/cores/%U/%N-%P").as_deref(),
            Some(&b"/cores/1001/prog-42"[..])
        );
        assert_eq!(e(b"100%%").as_deref(), Some(&b"100%"[..]));
        // An unknown specifier is dropped; a trailing % ends the name.
        assert_eq!(e(b"a%Xb%").as_deref(), Some(&b"ab"[..]));
        let long = alloc::vec![b'x'; MAXPATHLEN - 2];
        let mut f = long.clone();
        f.extend_from_slice(b"%N");
        assert_eq!(e(&f), None);
        f = long.clone();
        f.extend_from_slice(b"abcdef");
        assert_eq!(e(&f).map(|n| n.len()), Some(MAXPATHLEN));
    }

    #[test]
    fn header_area_is_the_4x_layout() {
        // 52 + 2 * 32 + notes (124 + 196 + 128) = 564: one page.
        assert_eq!(note_size(104), 124);
        assert_eq!(note_size(176), 196);
        assert_eq!(note_size(108), 128);
        assert_eq!(header_size(1), 4096);
        // 52 + 125 * 32 + 448 = 4500: two pages.
        assert_eq!(header_size(124), 8192);
        let e = Ehdr::core(3, 52);
        let b = e.as_bytes();
        assert_eq!(&b[..8], b"\x7fELF\x01\x01\x01\x09");
        assert_eq!(u16::from_le_bytes([b[16], b[17]]), 4); // ET_CORE
        assert_eq!(u16::from_le_bytes([b[18], b[19]]), 3); // EM_386
        assert_eq!(u32::from_le_bytes([b[28], b[29], b[30], b[31]]), 52); // e_phoff
        assert_eq!(u16::from_le_bytes([b[42], b[43]]), 32); // e_phentsize
        assert_eq!(u16::from_le_bytes([b[44], b[45]]), 3); // e_phnum
        assert_eq!(u16::from_le_bytes([b[46], b[47]]), 40); // e_shentsize
    }

    #[test]
    fn notes_are_named_freebsd_and_padded() {
        let mut out = Vec::new();
        put_note(
            &mut out,
            NT_PRPSINFO,
            prpsinfo(b"a-very-long-program-name").as_bytes(),
        );
        assert_eq!(out.len(), 128);
        assert_eq!(&out[..12], &[8, 0, 0, 0, 108, 0, 0, 0, 3, 0, 0, 0]);
        assert_eq!(&out[12..20], b"FreeBSD\0");
        assert_eq!(&out[20..24], &[1, 0, 0, 0]); // pr_version
        assert_eq!(&out[24..28], &[108, 0, 0, 0]); // pr_psinfosz
        // pr_fname: 16 bytes of p_comm and a NUL; pr_psargs the same.
        assert_eq!(&out[28..45], b"a-very-long-prog\0");
        assert_eq!(&out[45..62], b"a-very-long-prog\0");
    }

    #[test]
    fn load_headers_follow_the_region() {
        use nymph_kernel::mm::uspace::{Backing, Protection};
        let r = Region {
            start: 0x0804_a000,
            end: 0x0804_c000,
            prot: Protection::ALL,
            backing: Backing::Anonymous,
            touched: true,
        };
        let p = Phdr::load(&r, 0x3000);
        assert_eq!(
            p.as_bytes(),
            [1u32, 0x3000, 0x0804_a000, 0, 0x2000, 0x2000, 7, 4096]
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect::<Vec<_>>()
                .as_slice()
        );
    }

    /// FXSAVE's abridged tags become FNSAVE's: TOP = 6, physical register 6 (ST0) holds
    /// 1.0 (valid), physical 7 (ST1) +0 (zero), the others are empty.
    #[test]
    fn fpu_state_becomes_the_fnsave_image() {
        let mut fx = [0u8; 512];
        fx[0..2].copy_from_slice(&0x127fu16.to_le_bytes());
        fx[2..4].copy_from_slice(&(6u16 << 11).to_le_bytes());
        fx[4] = 0b1100_0000;
        fx[6..8].copy_from_slice(&0x1dbu16.to_le_bytes());
        fx[8..12].copy_from_slice(&0x0804_8123u32.to_le_bytes());
        fx[12..14].copy_from_slice(&0x1fu16.to_le_bytes());
        // ST0 = 1.0: mantissa 0x8000..., exponent 0x3fff.
        fx[32 + 7] = 0x80;
        fx[32 + 8..32 + 10].copy_from_slice(&0x3fffu16.to_le_bytes());
        let f = fpregs(&fx);
        assert_eq!(f.fpr_env[0], 0x127f);
        assert_eq!(f.fpr_env[1], 6 << 11);
        assert_eq!(f.fpr_env[2], 0x4fff);
        assert_eq!(f.fpr_env[3], 0x0804_8123);
        assert_eq!(f.fpr_env[4], 0x1f | 0x1db << 16);
        assert_eq!(&f.fpr_acc[..10], &fx[32..42]);
        assert_eq!(f.as_bytes().len(), 176);
    }
}
