//! The FreeBSD-4 personality: 4.x i386 ELF binaries (`abi/spec/freebsd4-i386.json`)
//! run unmodified in IA-32e compatibility mode. Recognition and start-up follow a 4.x
//! kernel's `imgact_elf.c` and `exec_copyout_strings`; calls come in by `int $0x80`
//! with the number in eax and the arguments on the user stack, and go back in
//! eax (and edx) with errors as carry flag plus a positive errno. Calls are decoded by
//! the table abi-gen generates; this crate supplies the handlers, the 4.x signal
//! frames and the mapping of the kernel's neutral signals and errors to 4.x numbers.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod acct;
mod aio;
mod convert;
mod core_dump;
mod devdb;
mod fh;
mod files;
mod fs;
mod fsfeatures;
mod fstat;
mod ifnet;
mod jail;
mod kernfile;
mod kinfo;
mod kld;
mod kmem;
mod kqueue;
mod kstat;
mod ktrace;
mod machine;
mod memlock;
mod mount;
mod netstat;
mod ntp;
mod old;
mod pcblist;
mod procfs;
mod procfs_dir;
mod ptrace;
mod sched;
mod sendfile;
mod signals;
mod socket;
mod startup;
mod sys;
mod sysarch;
mod sysctl;
mod sysv;
mod thr;
mod tty;
mod tty_compat;
mod ttys;
mod ufsdir;
mod ufsgeom;

use alloc::string::String;
use nymph_abi::freebsd4_i386 as fb;
use nymph_hal::user::UserContext;
use nymph_kernel::exec::elf::{ElfClass, ElfIdentity, ElfImage};
use nymph_kernel::mm::uspace::AddressSpace;
use nymph_kernel::process::{
    CatchAction, ExecError, ExecRequest, Fault, Personality, Process, Signal, SignalOrigin, Task,
    Trap,
};
use nymph_kernel::vfs::{self, FsContext, Inode};

const EM_386: u16 = 3;
const EM_486: u16 = 6;
/// `e_ident[EI_OSABI]` of a FreeBSD binary.
const ELFOSABI_FREEBSD: u8 = 9;
/// The 3.x-style brand at `e_ident[8]`.
const OLD_BRAND: &[u8] = b"FreeBSD";
/// The interpreter path that brands a dynamic 4.x binary.
const INTERP_PATH: &str = "/usr/libexec/ld-elf.so.1";
/// The vector 4.x libc enters the kernel through.
const SYSCALL_VECTOR: u8 = 0x80;

/// The FreeBSD-4 personality.
#[derive(Debug)]
pub struct FreeBsd4;

/// The one instance the image registers.
pub static FREEBSD4: FreeBsd4 = FreeBsd4;

/// Whether a 4.x kernel would run this image as a FreeBSD ELF binary
/// (`exec_elf_imgact`'s brand selection, reference §3.1).
pub fn is_freebsd4(identity: &ElfIdentity) -> bool {
    identity.class == ElfClass::Elf32
        && matches!(identity.machine, EM_386 | EM_486)
        && (identity.osabi == ELFOSABI_FREEBSD
            || identity.ident_brand.starts_with(OLD_BRAND)
            || identity.interp.as_deref() == Some(INTERP_PATH))
}

impl Personality for FreeBsd4 {
    fn name(&self) -> &'static str {
        "freebsd4"
    }

    fn describe(&self, _process: &Process) -> String {
        String::from("freebsd4-i386")
    }

    fn claim(&self, identity: &ElfIdentity) -> Option<u8> {
        is_freebsd4(identity).then_some(10)
    }

    fn trap_vectors(&self) -> &'static [u8] {
        &[SYSCALL_VECTOR]
    }

    /// No segment on or above the stack (see [`startup::vet`]).
    fn vet_image(&self, image: &ElfImage<'_>) -> Result<(), ExecError> {
        startup::vet(image)
    }

    fn setup_exec(
        &self,
        request: &ExecRequest<'_>,
        space: &mut AddressSpace,
    ) -> Result<UserContext, ExecError> {
        startup::build(request, space)
    }

    /// A script's interpreter is looked up as 4.x programs' paths are: under the
    /// compat prefix first.
    fn interpreter_path(&self, ctx: &FsContext, path: &str) -> String {
        let mapped = fs::compat_path_in(ctx, path.as_bytes().to_vec());
        String::from_utf8(mapped).unwrap_or_else(|_| String::from(path))
    }

    /// 4.x's MAXSHELLCMDLEN since 4.5 (sys/imgact.h): a `#!` line may take 128 bytes.
    fn script_line_max(&self) -> usize {
        128
    }

    /// /compat/freebsd4, where a 4.x program's absolute paths look first: ".." out of
    /// it leads to the root, so the two views stay one tree.
    fn emulation_root(&self, ctx: &FsContext) -> Option<alloc::sync::Arc<Inode>> {
        vfs::lookup(ctx, None, fs::COMPAT_PREFIX, vfs::Follow::No).ok()
    }

    /// vm_tsize, vm_dsize and vm_ssize, which 4.x's statclock adds to ru_ixrss,
    /// ru_idrss and ru_isrss each tick (`time -l`'s average sizes).
    fn segment_pages(&self, process: &nymph_kernel::process::Process) -> Option<[u64; 3]> {
        Some(kinfo::segment_sizes(process))
    }

    /// Resource limits outlive exec, as a 4.x process's `p_limit` does.
    fn keeps_across_exec(&self, key: &str) -> bool {
        sysctl::is_limit_key(key)
    }

    /// `vm_daddr`, which the break and mmap placement count from, and `vm_taddr`,
    /// where mmap's hints stop being moved past the heap.
    fn initial_state(&self, request: &ExecRequest<'_>) -> alloc::vec::Vec<(&'static str, u64)> {
        alloc::vec![
            (sys::DATA_START, startup::data_start(request.image)),
            (sys::TEXT_START, startup::text_start(request.image)),
        ]
    }

    /// 4.x loads the interpreter at `ELF_RTLD_ADDR` (see [`startup::vet`] for what
    /// happens when it cannot).
    fn elf_interpreter_base(&self, image: &ElfImage<'_>) -> Option<u64> {
        Some(startup::rtld_addr(image))
    }

    fn handle_trap(&self, task: &mut Task, trap: Trap) {
        // Nearly every trap: tested first, on its own.
        if trap == Trap::SoftwareInterrupt(SYSCALL_VECTOR) {
            return sys::syscall(task);
        }
        match trap {
            // `lcall $7,$0`: how FreeBSD 3.x's libc (and 4.x's a.out binaries) call the
            // kernel; 4.x serves it alike, with tf_err 7.
            Trap::SoftwareInterrupt(SYSCALL_VECTOR) | Trap::CallGate => sys::syscall(task),
            other => {
                // A 4.x kernel has no gate there: the instruction faults (#GP), which
                // 4.x turns into SIGBUS; `syscall` in 32-bit code is #UD, SIGILL.
                log::warn!(
                    "pid {}: {other:?} is not a FreeBSD-4 system call",
                    task.process.pid.0
                );
                task.process.post(match other {
                    Trap::Syscall => Signal::Ill,
                    Trap::SoftwareInterrupt(_) | Trap::CallGate => Signal::Bus,
                });
            }
        }
    }

    fn fault_signal(&self, fault: &Fault) -> Signal {
        signals::fault_signal(fault)
    }

    fn signal_number(&self, signal: Signal) -> Option<u32> {
        u32::try_from(signals::signal_to_fb(signal)).ok()
    }

    /// A 4.x ELF core in the working directory (see [`core_dump`]).
    /// sigexit for a signal with a core action: the core, then (kern.logsigexit) the
    /// log line 4.x's sigexit writes.
    fn dump_core(&self, task: &Task, signal: Signal) -> bool {
        procfs::stop_event(task, procfs::S_CORE, 0);
        let dumped = core_dump::dump(task, signal);
        if sysctl::LOG_SIGNAL_EXITS.load(core::sync::atomic::Ordering::Relaxed) {
            let p = &task.process;
            // log(LOG_INFO, ...): kept as "<6>pid ...", which syslogd files under
            // kern.info and dmesg shows without its priority.
            nymph_kernel::klog::log_priority(
                nymph_kernel::klog::LOG_INFO,
                log::Level::Info,
                module_path!(),
                format_args!(
                    "pid {} ({}), uid {}: exited on signal {}{}",
                    p.pid.0,
                    alloc::string::String::from_utf8_lossy(&core_dump::p_comm(p)),
                    p.fs().creds.euid,
                    signals::signal_to_fb(signal),
                    if dumped { " (core dumped)" } else { "" }
                ),
            );
        }
        dumped
    }

    fn deliver_signal(
        &self,
        task: &mut Task,
        signal: Signal,
        origin: SignalOrigin,
        action: &CatchAction,
    ) -> Result<(), ExecError> {
        // postsig's S_SIG before the handler's frame.
        procfs::stop_event(task, procfs::S_SIG, procfs::signal_value(signal));
        signals::deliver(task, signal, origin, action)
    }

    /// KTR_PSIG with SIG_DFL, as 4.x's postsig writes it before sigexit.
    fn default_action_taken(&self, task: &Task, signal: Signal) {
        if task.process.recording() {
            let mask = task.process.mask_to_restore();
            ktrace::psig(&task.process, signal, 0, 0, mask);
        }
        // postsig's S_SIG, then sigexit's exit1 and its S_EXIT (the wait status); not
        // for SIGKILL, which a stop must not outlast (the stop's own way out is a
        // pending SIGKILL, and this one is taken already).
        if signal != Signal::Kill {
            procfs::stop_event(task, procfs::S_SIG, procfs::signal_value(signal));
            procfs::stop_event(task, procfs::S_EXIT, procfs::signal_value(signal));
        }
    }

    fn first_return(&self, task: &Task) {
        ktrace::first_return(&task.process);
    }

    /// exit1 revokes a controlling terminal its session leader leaves.
    fn revokes_terminal_at_leader_exit(&self) -> bool {
        true
    }

    /// isbackground: a group is never a null t_pgrp.
    fn background_without_foreground(&self) -> bool {
        true
    }

    fn dev_tty_needs_terminal(&self) -> bool {
        true
    }

    /// ttydefaults.h's modes, as ptsopen and sioattach start a line.
    fn first_terminal_modes(&self, line: nymph_kernel::tty::Line) -> nymph_kernel::tty::Termios {
        tty::first_modes(line)
    }

    fn signal_discarded(&self, task: &mut Task) {
        sys::restart_if_discarded(task);
    }

    /// 4.x's kernel variables for libkvm (top's), at the addresses kldsym gives.
    fn kernel_memory(&self) -> Option<alloc::sync::Arc<dyn nymph_kernel::file::FileOps>> {
        Some(kmem::KernelMemory::open())
    }

    /// 4.x programs find 4.x's procfs at their /proc, the device names
    /// devname(3) reads first at their /var/run/dev.db, and the kernel's symbols
    /// nlist(3) reads at their /kernel.
    fn started(&self) {
        procfs::mount_view();
        devdb::write_at_boot();
        kernfile::write_at_boot();
    }

    /// KTR_CSW, as 4.x's tsleep writes it on the way to sleep and back.
    fn sleep_edge(&self, process: &Process, asleep: bool) {
        ktrace::csw(process, asleep);
    }

    fn blocks_signal_in_handler(&self, action: &CatchAction) -> bool {
        signals::blocks_signal_in_handler(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;
    use nymph_kernel::process::check_image;

    fn identity(osabi: u8, brand: [u8; 8], interp: Option<&str>) -> ElfIdentity {
        ElfIdentity {
            class: ElfClass::Elf32,
            machine: EM_386,
            osabi,
            ident_brand: brand,
            interp: interp.map(ToString::to_string),
            notes: Vec::new(),
        }
    }

    #[test]
    fn brands_are_recognised_as_4x_does() {
        assert!(is_freebsd4(&identity(9, [0; 8], None)));
        assert!(is_freebsd4(&identity(0, *b"FreeBSD\0", None)));
        assert!(is_freebsd4(&identity(0, [0; 8], Some(INTERP_PATH))));
        // A Linux (SysV) i386 binary, and a FreeBSD binary for another machine.
        assert!(!is_freebsd4(&identity(
            0,
            [0; 8],
            Some("/lib/ld-linux.so.2")
        )));
        let mut other = identity(9, [0; 8], None);
        other.machine = 62;
        assert!(!is_freebsd4(&other));
        let mut elf64 = identity(9, [0; 8], None);
        elf64.class = ElfClass::Elf64;
        assert!(!is_freebsd4(&elf64));
    }

    /// exec's checks with this personality over every file of kernel/tests/elf-corpus
    /// (the inputs of the ELF fuzz target in kernel/fuzz): no panic, the unmutated 4.x
    /// image claimed with a 32-bit data segment address, native ones left alone.
    #[test]
    fn the_elf_corpus_is_judged_without_panic() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kernel/tests/elf-corpus");
        let mut claimed = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus directory") {
            let path = entry.expect("a corpus entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let result = check_image(&data, &[&FREEBSD4]);
            if let Ok((image, _)) = &result {
                claimed += 1;
                let request = ExecRequest {
                    path: name,
                    image,
                    argv: &[],
                    envp: &[],
                    image_end: image.end(),
                    interpreter: None,
                };
                let state = FREEBSD4.initial_state(&request);
                // Each value is a 32-bit process's address.
                assert!(
                    state.iter().all(|&(_, v)| u32::try_from(v).is_ok()),
                    "{name}: {state:?}"
                );
            }
            if name.starts_with("ok-freebsd4") {
                assert!(result.is_ok(), "{name} refused: {result:?}");
            } else if name.starts_with("refused-freebsd4") {
                assert!(
                    matches!(result, Err(ExecError::SegmentPlacement { .. })),
                    "{name}: {result:?}"
                );
            } else if name.starts_with("ok-") {
                assert!(
                    matches!(result, Err(ExecError::NoPersonality { .. })),
                    "{name} claimed by freebsd4"
                );
            }
        }
        assert!(claimed >= 1, "no corpus file claimed");
    }

    /// exec refuses a 4.x image whose segment reaches the stack 4.x maps at exec
    /// (USRSTACK - SGROWSIZ up) or passes USRSTACK, to the byte: the page a segment
    /// ends in counts, as 4.x maps whole pages.
    #[test]
    fn segments_on_or_above_the_stack_are_refused() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../kernel/tests/elf-corpus/ok-freebsd4-i386");
        let data = std::fs::read(path).expect("the 4.x corpus image");
        let (image, _) = check_image(&data, &[&FREEBSD4]).expect("the image is claimed");
        let stack = 0xBFC0_0000 - 128 * 1024;
        let with_data_at = |vaddr: u64, mem_size: u64| {
            let mut moved = image.clone();
            let last = moved.segments.last_mut().expect("a data segment");
            (last.vaddr, last.mem_size) = (vaddr, mem_size);
            startup::vet(&moved)
        };
        assert_eq!(with_data_at(0x0804_da04, 0x10c), Ok(()));
        assert_eq!(with_data_at(stack - 0x1000, 0x1000), Ok(()));
        assert_eq!(with_data_at(stack - 0x1000, 0xfff), Ok(()));
        for (vaddr, size) in [
            (stack - 0x1000, 0x1001),
            (stack, 1),
            (0xBFBF_FA04, 0x10c),
            (0xBFC0_0A04, 0x10c),
            (0xC000_0000, 0x1000),
            (0xFFFF_F000, 0x1000),
        ] {
            assert_eq!(
                with_data_at(vaddr, size),
                Err(ExecError::SegmentPlacement {
                    vaddr,
                    end: vaddr + size
                }),
                "{vaddr:#x}+{size:#x}"
            );
        }
    }
}
