//! The native personality: Nymph's own 64-bit ABI (`abi/spec/native-v1.json`,
//! `native-v2.json`: every served version at once, each process with its own), entered
//! with `syscall`, number in rax, arguments in rdi, rsi, rdx, r10, r8, r9, result or
//! negative errno in rax. Calls are decoded and dispatched by the table abi-gen
//! generates; this crate supplies the typed handlers, the start-up state and the
//! mapping of the kernel's neutral signals and errors to the ABI's numbers.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod convert;
mod files;
mod fs;
pub mod ktests;
mod signals;
mod startup;
mod sys;
mod tty;

use alloc::format;
use alloc::string::String;
use nymph_abi::native_v1 as v1;
use nymph_hal::user::UserContext;
use nymph_kernel::exec::elf::{ElfClass, ElfIdentity};
use nymph_kernel::mm::uspace::AddressSpace;
use nymph_kernel::process::{
    CatchAction, ExecError, ExecRequest, Fault, Personality, Process, Signal, SignalOrigin, Task,
    Trap,
};

/// The native ABI versions this kernel serves.
pub const SERVED_VERSIONS: core::ops::RangeInclusive<u32> = 1..=2;

const EM_X86_64: u16 = 62;

/// The native personality for one ABI version: each served version is a personality of
/// its own, so a trap knows its process's version from the personality it reaches,
/// without a per-call lookup.
#[derive(Debug)]
pub struct Native {
    version: u32,
    name: &'static str,
}

/// The instances the image registers, one per served version. The first also claims
/// binaries of versions this kernel lacks, to refuse them at exec with a message.
pub static NATIVE_V1: Native = Native {
    version: 1,
    name: "native-v1",
};
pub static NATIVE_V2: Native = Native {
    version: 2,
    name: "native-v2",
};

/// The ABI version a binary's "Nymph" note asks for.
pub fn abi_version(identity: &ElfIdentity) -> Option<u32> {
    let note = identity.note(b"Nymph", v1::consts::NT_NYMPH_ABI)?;
    let bytes: [u8; 4] = note.desc.get(..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// The signal a CPU fault in a native process raises.
pub(crate) fn fault_signal(fault: &Fault) -> Signal {
    match fault.vector {
        0 | 16 | 19 => Signal::Fpe,
        1 | 3 => Signal::Trap,
        6 => Signal::Ill,
        17 => Signal::Bus,
        _ => Signal::Segv,
    }
}

impl Personality for Native {
    fn name(&self) -> &'static str {
        self.name
    }

    fn describe(&self, _process: &Process) -> String {
        format!("native v{}", self.version)
    }

    fn claim(&self, identity: &ElfIdentity) -> Option<u8> {
        if identity.class != ElfClass::Elf64 || identity.machine != EM_X86_64 {
            return None;
        }
        // A version this kernel lacks is claimed too (by the oldest served version), to
        // be refused at exec with a message rather than left to another personality.
        let version = abi_version(identity)?;
        (version == self.version
            || (!SERVED_VERSIONS.contains(&version) && self.version == *SERVED_VERSIONS.start()))
        .then_some(10)
    }

    fn setup_exec(
        &self,
        request: &ExecRequest<'_>,
        space: &mut AddressSpace,
    ) -> Result<UserContext, ExecError> {
        let version = abi_version(&request.image.identity).unwrap_or(0);
        if version != self.version {
            let message = format!(
                "{} needs Nymph ABI v{version}; this kernel serves v{}..v{}",
                request.path,
                SERVED_VERSIONS.start(),
                SERVED_VERSIONS.end()
            );
            log::warn!("exec refused: {message}");
            return Err(ExecError::Refused(message));
        }
        startup::build(request, space, version)
    }

    fn handle_trap(&self, task: &mut Task, trap: Trap) {
        match trap {
            Trap::Syscall => sys::syscall(task, self.version),
            Trap::SoftwareInterrupt(vector) => {
                log::warn!(
                    "pid {}: int {vector:#x} is not a native system call",
                    task.process.pid.0
                );
                task.process.post(Signal::Segv);
            }
            Trap::CallGate => {
                log::warn!(
                    "pid {}: lcall through the LDT's gate is not a native system call",
                    task.process.pid.0
                );
                task.process.post(Signal::Segv);
            }
        }
    }

    fn signal_number(&self, signal: Signal) -> Option<u32> {
        u32::try_from(sys::signal_to_native(signal)).ok()
    }

    fn fault_signal(&self, fault: &Fault) -> Signal {
        fault_signal(fault)
    }

    fn deliver_signal(
        &self,
        task: &mut Task,
        signal: Signal,
        origin: SignalOrigin,
        action: &CatchAction,
    ) -> Result<(), ExecError> {
        signals::deliver(task, signal, origin, action)
    }

    /// POSIX: a continued child sends SIGCHLD (CLD_CONTINUED) unless SA_NOCLDSTOP.
    fn signals_continued_child(&self) -> bool {
        true
    }

    /// SA_NODEFER leaves the signal unblocked while its handler runs.
    fn blocks_signal_in_handler(&self, action: &CatchAction) -> bool {
        action.flags & u64::from(v1::sa_flags::SA_NODEFER.bits()) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nymph_kernel::process::check_image;

    /// exec's checks with this personality over every file of kernel/tests/elf-corpus
    /// (the inputs of the ELF fuzz target in kernel/fuzz): no panic, the unmutated native
    /// images claimed with the version their note names, the FreeBSD one left alone.
    #[test]
    fn the_elf_corpus_is_judged_without_panic() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kernel/tests/elf-corpus");
        let mut claimed = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus directory") {
            let path = entry.expect("a corpus entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let result = check_image(&data, &[&NATIVE_V1, &NATIVE_V2]);
            if let Ok((image, personality)) = &result {
                claimed += 1;
                let request = ExecRequest {
                    path: name,
                    image,
                    argv: &[],
                    envp: &[],
                    image_end: image.end(),
                    interpreter: None,
                };
                let _ = personality.initial_state(&request);
            }
            if let Some(version) = name.strip_prefix("ok-native-v") {
                let (image, personality) =
                    result.unwrap_or_else(|e| panic!("{name} refused: {e:?}"));
                assert_eq!(personality.name(), format!("native-v{version}"));
                assert_eq!(
                    abi_version(&image.identity)
                        .map(|v| v.to_string())
                        .as_deref(),
                    Some(version)
                );
            } else if name.starts_with("ok-") {
                assert!(
                    matches!(result, Err(ExecError::NoPersonality { .. })),
                    "{name} claimed by native"
                );
            }
        }
        assert!(claimed >= 2, "only {claimed} corpus files claimed");
    }
}
