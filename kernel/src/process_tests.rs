//! Tests of processes through a small test personality: exec of ELF images from the
//! file system, fork with copy-on-write, exit and wait, faults as signals, and exec
//! refusing bad images.

use crate::exec::elf::ElfIdentity;
use crate::ktest::{KernelTest, TestResult};
use crate::mm::uspace::{AddressSpace, Protection};
use crate::process::{
    self, CatchAction, ExecError, ExecRequest, ExitStatus, Fault, Personality, Signal,
    SignalOrigin, Task, Trap, WaitFor,
};
use crate::{kassert, kassert_eq, ktest};
use alloc::vec::Vec;
use nymph_hal::user::{FpuState, UserContext, UserMode};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(exit_status_reaches_the_waiter),
    ktest!(fork_wait_and_copy_on_write_isolation),
    ktest!(faults_become_signals_that_kill),
    ktest!(corrupt_or_unclaimed_images_are_refused),
    ktest!(user_memory_access_is_checked_and_typed),
    ktest!(the_exit_observer_sees_each_exit),
    ktest!(exit_lets_the_recorder_go),
    ktest!(prisoners_see_only_their_prison),
];

/// OSABI byte of the test personality's images (unused by any real ABI).
pub(crate) const TEST_OSABI: u8 = 0xfe;

/// A handler address the test personality "delivers" by doing nothing: the process
/// resumes where it was, as if a handler had run and returned.
pub(crate) const NULL_HANDLER: u64 = 1;

/// Counts system call 7 (a process's sign of life for the job-control tests).
pub(crate) static HEARTBEATS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// A personality for these tests only: rax selects 0 exit(rdi), 1 getpid, 2 fork,
/// 3 wait(pid rdi) -> exit code, 4 strlen(rdi) through `read_cstr` (-2 on a bad
/// address, -3 past 16 bytes), 5 store(rdi, rsi) through `write_val`, 6 read one byte
/// from descriptor rdi (-4 interrupted, -5 EIO, -11 would block, -1 other errors),
/// 7 count a heartbeat, 8 wait(pid rdi) reporting stops too (0x200 stopped by SIGTTIN,
/// 0x201 by another signal). Anything else kills the caller with SIGSYS.
#[derive(Debug)]
pub(crate) struct TestPersonality;

pub(crate) static TEST_PERSONALITY: TestPersonality = TestPersonality;

impl Personality for TestPersonality {
    fn name(&self) -> &'static str {
        "ktest"
    }

    fn claim(&self, identity: &ElfIdentity) -> Option<u8> {
        (identity.osabi == TEST_OSABI && identity.machine == 62).then_some(1)
    }

    fn setup_exec(
        &self,
        request: &ExecRequest<'_>,
        space: &mut AddressSpace,
    ) -> Result<UserContext, ExecError> {
        const STACK_TOP: u64 = 0x7fff_0000;
        space.map_range_zeroed(STACK_TOP - 0x4000, STACK_TOP, Protection::READ_WRITE)?;
        Ok(UserContext::new(
            UserMode::Long,
            request.image.entry,
            STACK_TOP,
            FpuState::with_control_word(0x037f),
        ))
    }

    fn handle_trap(&self, task: &mut Task, trap: Trap) {
        if trap != Trap::Syscall {
            process::exit(
                &task.process,
                ExitStatus::Signaled {
                    signal: Signal::Sys,
                    core: false,
                },
            );
            return;
        }
        let regs = &mut task.context.regs;
        match regs.rax {
            0 => process::exit(&task.process, ExitStatus::Exited(regs.rdi as u8)),
            1 => regs.rax = u64::from(task.process.pid.0),
            2 => {
                let mut child = (*task.context).clone();
                child.regs.rax = 0;
                task.context.regs.rax = match process::fork(task, child) {
                    Ok(pid) => u64::from(pid.0),
                    Err(_) => u64::MAX,
                };
            }
            3 => {
                let pid = process::Pid(regs.rdi as u32);
                task.context.regs.rax = match process::wait(&task.process, WaitFor::Pid(pid), false)
                {
                    Ok(Some((_, ExitStatus::Exited(code)))) => u64::from(code),
                    _ => u64::MAX,
                };
            }
            4 => {
                let addr = regs.rdi;
                task.context.regs.rax = match task.read_cstr(addr, 16) {
                    Ok(s) => s.len() as u64,
                    Err(process::uaccess::UserFault::BadAddress(_)) => -2i64 as u64,
                    Err(process::uaccess::UserFault::StringTooLong) => -3i64 as u64,
                };
            }
            6 => {
                let fd = regs.rdi as usize;
                let mut byte = [0u8; 1];
                let result = task.process.file(fd).and_then(|f| f.read(&mut byte));
                task.context.regs.rax = match result {
                    Ok(1) => u64::from(byte[0]),
                    Ok(_) => 0x100,
                    Err(crate::file::FileError::Interrupted) => -4i64 as u64,
                    Err(crate::file::FileError::Io) => -5i64 as u64,
                    Err(crate::file::FileError::WouldBlock) => -11i64 as u64,
                    Err(_) => u64::MAX,
                };
            }
            7 => {
                HEARTBEATS.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
            }
            8 => {
                let pid = process::Pid(regs.rdi as u32);
                let options = process::WaitOptions {
                    no_hang: false,
                    untraced: true,
                    continued: false,
                    clone_children: false,
                };
                task.context.regs.rax =
                    match process::wait_child(&task.process, WaitFor::Pid(pid), options) {
                        Ok(Some((_, process::ChildEvent::Stopped(Signal::Ttin)))) => 0x200,
                        Ok(Some((_, process::ChildEvent::Stopped(_)))) => 0x201,
                        Ok(Some((_, process::ChildEvent::Exited(ExitStatus::Exited(c))))) => {
                            u64::from(c)
                        }
                        _ => u64::MAX,
                    };
            }
            5 => {
                let (addr, value) = (regs.rdi, regs.rsi);
                task.context.regs.rax = match task.write_val(addr, &(value as u32)) {
                    Ok(()) => 0,
                    Err(_) => -2i64 as u64,
                };
            }
            _ => process::exit(
                &task.process,
                ExitStatus::Signaled {
                    signal: Signal::Sys,
                    core: false,
                },
            ),
        }
    }

    fn fault_signal(&self, fault: &Fault) -> Signal {
        match fault.vector {
            0 => Signal::Fpe,
            6 => Signal::Ill,
            14 => Signal::Segv,
            _ => Signal::Bus,
        }
    }

    fn deliver_signal(
        &self,
        _task: &mut Task,
        _signal: Signal,
        _origin: SignalOrigin,
        action: &CatchAction,
    ) -> Result<(), ExecError> {
        if action.handler == NULL_HANDLER {
            return Ok(());
        }
        Err(ExecError::Refused(
            "the test personality has no signal frames".into(),
        ))
    }
}

/// An ELF64 image of the test personality: `code` at 0x400000, a page at 0x600000.
pub(crate) fn image(osabi: u8, code: &[u8]) -> Vec<u8> {
    crate::exec::test_image::elf64(osabi, None, code)
}

mod code {
    /// mov $0,%eax; mov $7,%edi; syscall
    pub const EXIT7: &[u8] = &[0xb8, 0, 0, 0, 0, 0xbf, 7, 0, 0, 0, 0x0f, 0x05];
    /// movl $1,0x600000; fork; child: movl $2,0x600000; exit(*0x600000)
    /// parent: wait(child) -> eax; exit(*0x600000 + 10 * eax)
    pub const FORKER: &[u8] = &[
        0xc7, 0x04, 0x25, 0, 0, 0x60, 0, 1, 0, 0, 0, 0xb8, 2, 0, 0, 0, 0x0f, 0x05, 0x48, 0x85,
        0xc0, 0x75, 0x19, 0xc7, 0x04, 0x25, 0, 0, 0x60, 0, 2, 0, 0, 0, 0x8b, 0x3c, 0x25, 0, 0,
        0x60, 0, 0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 3, 0, 0, 0, 0x0f, 0x05,
        0x6b, 0xc0, 0x0a, 0x8b, 0x3c, 0x25, 0, 0, 0x60, 0, 0x01, 0xc7, 0xb8, 0, 0, 0, 0, 0x0f,
        0x05,
    ];
    /// strlen("hello") -> rbx; strlen(0x10) must be -2; strlen(kernel address) must be
    /// -2; store(0x600000, 0x55) and read it back; exit(rbx), or exit(99) on a mismatch.
    pub const UACCESS: &[u8] = &[
        0x48, 0x8d, 0x3d, 0x66, 0x00, 0x00, 0x00, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48,
        0x89, 0xc3, 0xbf, 0x10, 0x00, 0x00, 0x00, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48,
        0x83, 0xf8, 0xfe, 0x75, 0x3e, 0x48, 0xbf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xff, 0xff,
        0xb8, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x83, 0xf8, 0xfe, 0x75, 0x27, 0xbf, 0x00,
        0x00, 0x60, 0x00, 0xbe, 0x55, 0x00, 0x00, 0x00, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x0f, 0x05,
        0x8b, 0x3c, 0x25, 0x00, 0x00, 0x60, 0x00, 0x83, 0xff, 0x55, 0x75, 0x0a, 0x48, 0x89, 0xdf,
        0xb8, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xbf, 0x63, 0x00, 0x00, 0x00, 0xb8, 0x00, 0x00,
        0x00, 0x00, 0x0f, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    /// movl $0,0x8 (a write to the unmapped first page); ud2
    pub const SEGV: &[u8] = &[0xc7, 0x04, 0x25, 8, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0x0b];
}

fn run_program(path: &str, code: &[u8]) -> Result<ExitStatus, crate::ktest::TestFailure> {
    crate::ktest::run_image(path, image(TEST_OSABI, code), &[])
}

fn exit_status_reaches_the_waiter() -> TestResult {
    let processes = process::count();
    let status = run_program("/tmp/ktest/exit7", code::EXIT7)?;
    kassert_eq!(status, ExitStatus::Exited(7));
    kassert_eq!(process::count(), processes);
    Ok(())
}

fn fork_wait_and_copy_on_write_isolation() -> TestResult {
    let frames = crate::mm::frame::FRAMES.lock().free_count();
    let status = run_program("/tmp/ktest/forker", code::FORKER)?;
    // Child wrote 2 to its copy and exited with it; the parent still reads its own 1.
    kassert_eq!(status, ExitStatus::Exited(21));
    // The program file's own pages go with its name.
    let ctx = crate::vfs::FsContext::initial();
    kassert_eq!(crate::vfs::unlink(&ctx, None, b"/tmp/ktest/forker"), Ok(()));
    // Let the exited threads be reaped, then nothing may be left behind.
    crate::sched::sleep_ticks(2);
    kassert_eq!(crate::mm::frame::FRAMES.lock().free_count(), frames);
    Ok(())
}

/// Exit records of the processes named "acct-forker*", kept by the observer below.
static EXITS: crate::sync::Mutex<Vec<process::accounting::ExitRecord>> =
    crate::sync::Mutex::new(Vec::new());

fn keep_exit(_: &process::Process, record: &process::accounting::ExitRecord) {
    if record.name.starts_with(b"acct-forker") {
        EXITS.lock().push(record.clone());
    }
}

/// An installed observer gets one record an exit: the forked child (forked, no exec)
/// first, then its spawned parent; nothing once it is removed.
fn the_exit_observer_sees_each_exit() -> TestResult {
    EXITS.lock().clear();
    let (before, _) = crate::time::realtime();
    process::accounting::observe_exits(Some(keep_exit));
    let status = run_program("/tmp/ktest/acct-forker", code::FORKER);
    process::accounting::observe_exits(None);
    kassert_eq!(status?, ExitStatus::Exited(21));
    let exits = core::mem::take(&mut *EXITS.lock());
    kassert_eq!(exits.len(), 2);
    let (child, parent) = (&exits[0], &exits[1]);
    kassert!(child.forked_without_exec && !parent.forked_without_exec);
    for r in &exits {
        kassert!(!r.signaled && !r.dumped_core);
        kassert_eq!((r.uid, r.gid), (0, 0));
        kassert!(
            r.start.0 >= before,
            "started at {} s, before {before} s",
            r.start.0
        );
        kassert!(
            r.user_ns + r.system_ns <= r.elapsed_ns + 1_000_000,
            "user {} ns + system {} ns against {} ns elapsed",
            r.user_ns,
            r.system_ns,
            r.elapsed_ns
        );
    }
    kassert!(child.start >= parent.start && child.elapsed_ns <= parent.elapsed_ns);
    let status = run_program("/tmp/ktest/acct-forker-off", code::FORKER)?;
    kassert_eq!(status, ExitStatus::Exited(21));
    kassert!(EXITS.lock().is_empty());
    let ctx = crate::vfs::FsContext::initial();
    kassert_eq!(
        crate::vfs::unlink(&ctx, None, b"/tmp/ktest/acct-forker"),
        Ok(())
    );
    kassert_eq!(
        crate::vfs::unlink(&ctx, None, b"/tmp/ktest/acct-forker-off"),
        Ok(())
    );
    Ok(())
}

/// An exited process keeps no recorder (BSD's exit1 releases the trace file), though
/// its `Process` lives on where something still holds it (a zombie, or init, which is
/// never reaped). Before, a ktrace of init's process group kept the trace file, and its
/// pages, past every other process's end (`cargo xtask fuzz --abi freebsd4-i386 --seed
/// 1176`).
fn exit_lets_the_recorder_go() -> TestResult {
    use alloc::sync::Arc;
    crate::vfs::add_file("/tmp/ktest/traced", 0o755, image(TEST_OSABI, code::EXIT7)).map_err(
        |e| crate::ktest::TestFailure {
            file: file!(),
            line: line!(),
            message: alloc::format!("add: {e:?}"),
        },
    )?;
    let Ok(pid) = process::spawn("/tmp/ktest/traced", &[], &[]) else {
        crate::kfail!("spawn")
    };
    // It has not run yet (one CPU, no preemption in the kernel): traced from the start.
    let Some(p) = process::find(pid) else {
        crate::kfail!("no process {}", pid.0)
    };
    let state: Arc<dyn core::any::Any + Send + Sync> = Arc::new(0u8);
    let marker = Arc::downgrade(&state);
    p.set_recorder(Some(process::trace::Recorder {
        state,
        inherit: false,
    }));
    kassert!(p.recording());
    kassert_eq!(process::wait_detached(pid), Some(ExitStatus::Exited(7)));
    // `p` still holds the process: only exit itself can have let the recorder go.
    kassert!(!p.recording());
    kassert!(marker.upgrade().is_none(), "the recorder outlived the exit");
    Ok(())
}

/// A process in a prison sees (signals, ...) only its prison's members and has its
/// host name, while one outside every prison sees all (4.x's PRISON_CHECK); its root
/// is no host root any more.
fn prisoners_see_only_their_prison() -> TestResult {
    use process::prison::{self, Prison};
    let mut pids = Vec::new();
    for name in [
        "/tmp/ktest/inmate",
        "/tmp/ktest/cellmate",
        "/tmp/ktest/free",
    ] {
        if let Err(e) = crate::vfs::add_file(name, 0o755, image(TEST_OSABI, code::EXIT7)) {
            crate::kfail!("add {name}: {e:?}")
        }
        let Ok(pid) = process::spawn(name, &[], &[]) else {
            crate::kfail!("spawn {name}")
        };
        pids.push(pid);
    }
    // None has run yet (one CPU, no preemption in the kernel).
    let found: Vec<_> = pids.iter().filter_map(|&p| process::find(p)).collect();
    let [inmate, cellmate, free] = &found[..] else {
        crate::kfail!("the three processes")
    };
    let cell = Prison::new(b"cell".to_vec(), 0x7f00_0002, crate::vfs::root());
    kassert!(prison::enter(inmate, cell.clone()));
    kassert!(prison::enter(cellmate, cell.clone()));
    kassert!(!prison::enter(cellmate, cell));
    kassert!(inmate.fs().creds.jailed && !inmate.fs().creds.is_host_root());
    kassert!(inmate.fs().creds.is_root() && free.fs().creds.is_host_root());
    kassert!(prison::sees(inmate, cellmate) && prison::sees(inmate, inmate));
    kassert!(!prison::sees(inmate, free));
    kassert!(prison::sees(free, inmate));
    kassert!(process::may_signal(inmate, cellmate, Some(Signal::Term)));
    kassert!(!process::may_signal(inmate, free, Some(Signal::Term)));
    kassert!(process::may_signal(free, inmate, Some(Signal::Term)));
    kassert_eq!(prison::host_name(inmate), b"cell".to_vec());
    kassert_eq!(prison::host_name(free), crate::host::hostname());
    let cell = prison::prison(cellmate);
    kassert!(cell.is_some_and(|c| c.local_address(0) == Some(0x7f00_0002)
        && c.local_address(0x7f00_0001).is_none()
        && c.remote_address(0x7f00_0001) == 0x7f00_0002));
    let ctx = crate::vfs::FsContext::initial();
    for (&pid, name) in pids.iter().zip(["inmate", "cellmate", "free"]) {
        kassert_eq!(process::wait_detached(pid), Some(ExitStatus::Exited(7)));
        let path = alloc::format!("/tmp/ktest/{name}");
        kassert_eq!(crate::vfs::unlink(&ctx, None, path.as_bytes()), Ok(()));
    }
    Ok(())
}

/// The test personality writes no core file, so the status claims none.
fn faults_become_signals_that_kill() -> TestResult {
    let status = run_program("/tmp/ktest/segv", code::SEGV)?;
    kassert_eq!(
        status,
        ExitStatus::Signaled {
            signal: Signal::Segv,
            core: false
        }
    );
    Ok(())
}

fn corrupt_or_unclaimed_images_are_refused() -> TestResult {
    let mut corrupt = image(TEST_OSABI, code::EXIT7);
    // e_phoff far outside the file.
    corrupt[32..40].copy_from_slice(&0x7fff_ffff_0000u64.to_le_bytes());
    kassert_eq!(
        crate::vfs::add_file("/tmp/ktest/corrupt", 0o755, corrupt),
        Ok(())
    );
    kassert!(
        matches!(
            process::spawn("/tmp/ktest/corrupt", &[], &[]),
            Err(ExecError::BadImage(_))
        ),
        "corrupt image was not refused as a bad image"
    );
    kassert_eq!(
        crate::vfs::add_file("/tmp/ktest/alien", 0o755, image(0x42, code::EXIT7)),
        Ok(())
    );
    kassert!(
        matches!(
            process::spawn("/tmp/ktest/alien", &[], &[]),
            Err(ExecError::NoPersonality { osabi: 0x42, .. })
        ),
        "an image no personality claims was not refused"
    );
    kassert!(matches!(
        process::spawn("/tmp/ktest/missing", &[], &[]),
        Err(ExecError::File(crate::error::Error::NotFound))
    ));
    Ok(())
}

fn user_memory_access_is_checked_and_typed() -> TestResult {
    let status = run_program("/tmp/ktest/uaccess", code::UACCESS)?;
    kassert_eq!(status, ExitStatus::Exited(5));
    Ok(())
}
