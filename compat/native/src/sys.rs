//! The native system calls: typed handlers plugged into the generated dispatch table.
//! Each returns the call's value or the ABI's errno; `syscall` writes either into rax
//! (negative errno), the one place results meet registers.

use crate::SERVED_VERSIONS;
use alloc::vec::Vec;
use nymph_abi::native_v1::{self as v1, errno};
use nymph_abi::native_v2 as v2;
use nymph_abi::rt::Dispatch;
use nymph_abi::trace::Outcome;
use nymph_hal::layout::USER_END;
use nymph_kernel::error::Error as FsError;
use nymph_kernel::mm::uspace::Protection;
use nymph_kernel::process::calls::{self, GroupError, MapError, MapRequest};
use nymph_kernel::process::uaccess::UserFault;
use nymph_kernel::process::{
    self, ChildEvent, ExecError, ExitStatus, ForkError, Pid, Signal, Task, WaitError, WaitFor,
    trace,
};

pub(crate) type SysResult = Result<u64, i32>;

/// One dispatch table per served version, sharing every handler of a call that did not
/// change: the generator re-exports an unchanged call's argument struct from the older
/// version's module, so the same `fn` fits both tables. The list of shared calls is
/// written once, here; each version adds only what differs in it.
macro_rules! handlers {
    ($abi:ident { $($name:ident: $handler:expr),* $(,)? }) => {
        $abi::Handlers {
            exit: Some(sys_exit),
            read: Some(crate::files::sys_read),
            write: Some(crate::files::sys_write),
            close: Some(crate::files::sys_close),
            dup: Some(crate::files::sys_dup),
            dup3: Some(crate::files::sys_dup3),
            pipe2: Some(crate::files::sys_pipe2),
            fcntl: Some(crate::files::sys_fcntl),
            poll: Some(crate::files::sys_poll),
            flock: Some(crate::files::sys_flock),
            mknodat: Some(crate::fs::sys_mknodat),
            mmap: Some(sys_mmap),
            munmap: Some(sys_munmap),
            mprotect: Some(sys_mprotect),
            msync: Some(sys_msync),
            brk: Some(sys_brk),
            fork: Some(sys_fork),
            execve: Some(sys_execve),
            wait4: Some(sys_wait4),
            getpid: Some(sys_getpid),
            getppid: Some(sys_getppid),
            kill: Some(sys_kill),
            sigaction: Some(crate::signals::sys_sigaction),
            sigprocmask: Some(crate::signals::sys_sigprocmask),
            sigreturn: Some(crate::signals::sys_sigreturn),
            sigsuspend: Some(crate::signals::sys_sigsuspend),
            sigpending: Some(crate::signals::sys_sigpending),
            sigaltstack: Some(crate::signals::sys_sigaltstack),
            nanosleep: Some(sys_nanosleep),
            clock_gettime: Some(sys_clock_gettime),
            abi_versions: Some(sys_abi_versions),
            uname: Some(sys_uname),
            sched_yield: Some(sys_sched_yield),
            setpgid: Some(sys_setpgid),
            getpgid: Some(sys_getpgid),
            setsid: Some(sys_setsid),
            getsid: Some(sys_getsid),
            openat: Some(crate::fs::sys_openat),
            lseek: Some(crate::fs::sys_lseek),
            pread: Some(crate::fs::sys_pread),
            pwrite: Some(crate::fs::sys_pwrite),
            getdents: Some(crate::fs::sys_getdents),
            chdir: Some(crate::fs::sys_chdir),
            fchdir: Some(crate::fs::sys_fchdir),
            getcwd: Some(crate::fs::sys_getcwd),
            mkdirat: Some(crate::fs::sys_mkdirat),
            unlinkat: Some(crate::fs::sys_unlinkat),
            renameat: Some(crate::fs::sys_renameat),
            linkat: Some(crate::fs::sys_linkat),
            symlinkat: Some(crate::fs::sys_symlinkat),
            readlinkat: Some(crate::fs::sys_readlinkat),
            faccessat: Some(crate::fs::sys_faccessat),
            umask: Some(crate::fs::sys_umask),
            ftruncate: Some(crate::fs::sys_ftruncate),
            fsync: Some(crate::fs::sys_fsync),
            getuid: Some(crate::fs::sys_getuid),
            geteuid: Some(crate::fs::sys_geteuid),
            getgid: Some(crate::fs::sys_getgid),
            getegid: Some(crate::fs::sys_getegid),
            setuid: Some(crate::fs::sys_setuid),
            setgid: Some(crate::fs::sys_setgid),
            fchmodat: Some(crate::fs::sys_fchmodat),
            fchownat: Some(crate::fs::sys_fchownat),
            utimensat: Some(crate::fs::sys_utimensat),
            chroot: Some(crate::fs::sys_chroot),
            ioctl: Some(crate::tty::sys_ioctl),
            $($name: Some($handler),)*
            // No `..NONE`: every slot is served, and a slot the spec gains must be
            // given its handler here (or an explicit `None`) before this compiles.
        }
    };
}

/// v1: stat in its 144-byte layout, and getpgrp.
static V1_HANDLERS: v1::Handlers<Task, SysResult> = handlers!(v1 {
    fstat: crate::fs::sys_fstat,
    fstatat: crate::fs::sys_fstatat,
    getpgrp: sys_getpgrp,
});

/// v2: stat in its 160-byte layout and openat2; getpgrp is retired.
static V2_HANDLERS: v2::Handlers<Task, SysResult> = handlers!(v2 {
    fstat: crate::fs::sys_fstat_v2,
    fstatat: crate::fs::sys_fstatat_v2,
    openat2: crate::fs::sys_openat2,
});

/// Decodes, dispatches and completes one `syscall` trap.
#[inline]
pub(crate) fn syscall(task: &mut Task, version: u32) {
    let r = &task.context.regs;
    let number = r.rax;
    let words = [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9];
    if task.process.traced() {
        return traced_syscall(task, version, number, &words);
    }
    let result = dispatch(task, version, number, &words);
    complete(task, result);
}

/// Runs the call through `version`'s table; a refusal becomes ENOSYS or EINVAL here.
#[inline]
fn dispatch(task: &mut Task, version: u32, number: u64, words: &[u64; 6]) -> SysResult {
    match version {
        2 => V2_HANDLERS.dispatch_or(task, number, words, |task, refused| {
            Err(refusal(task, 2, refused))
        }),
        _ => V1_HANDLERS.dispatch_or(task, number, words, |task, refused| {
            Err(refusal(task, 1, refused))
        }),
    }
}

/// Logs why a call did not run, and says which errno the caller gets.
#[cold]
fn refusal(task: &Task, version: u32, refused: Dispatch<SysResult>) -> i32 {
    match refused {
        Dispatch::Handled(_) => errno::EINVAL,
        Dispatch::NotImplemented { number, name } => {
            log::warn!(
                "pid {}: native system call {name} ({number}) is not implemented",
                task.process.pid.0
            );
            errno::ENOSYS
        }
        Dispatch::NoSuchSyscall { number } => {
            match retired(version, number) {
                Some(name) => log::warn!(
                    "pid {}: native system call {name} ({number}) is retired in ABI v{version}",
                    task.process.pid.0
                ),
                None => log::warn!(
                    "pid {}: no native system call {number} in ABI v{version}",
                    task.process.pid.0
                ),
            }
            errno::ENOSYS
        }
        Dispatch::BadArgs { name, error, .. } => {
            log::debug!("pid {}: {name}: {error}", task.process.pid.0);
            errno::EINVAL
        }
    }
}

/// Writes the result into rax: the value, or the negative errno.
fn complete(task: &mut Task, result: SysResult) {
    // exit and a successful execve leave rax to the new state.
    if task.process.has_exited() {
        return;
    }
    task.context.regs.rax = match result {
        Ok(value) => value,
        Err(e) => (-i64::from(e)) as u64,
    };
}

/// The same as [`syscall`], with the call and its outcome written to the trace.
#[cold]
fn traced_syscall(task: &mut Task, version: u32, number: u64, words: &[u64; 6]) {
    let (table, label) = match version {
        2 => (&v2::TRACE, "native-v2"),
        _ => (&v1::TRACE, "native-v1"),
    };
    let pending = table.enter(
        number,
        words,
        &mut |a, b| trace::read_str(task, a, b),
        &mut |line| trace::emit(&task.process, label, line),
    );
    let result = dispatch(task, version, number, words);
    if let Some(call) = pending {
        let outcome = match result {
            _ if task.process.has_exited() => Outcome::NoReturn,
            Ok(v) => Outcome::Value(v),
            Err(e) => Outcome::Errno(e),
        };
        trace::emit(&task.process, label, &table.finish(call, outcome));
    }
    complete(task, result);
}

/// The name of slot `number` if `version` retired it.
fn retired(version: u32, number: u64) -> Option<&'static str> {
    let slots: &[nymph_abi::rt::SyscallInfo] = match version {
        2 => &v2::SYSCALLS,
        _ => &v1::SYSCALLS,
    };
    let slot = slots.get(usize::try_from(number).ok()?)?;
    (slot.kind == "retired").then_some(slot.name)
}

pub(crate) fn fault(_: UserFault) -> i32 {
    errno::EFAULT
}

fn sys_uname(task: &mut Task, a: v1::UnameArgs) -> SysResult {
    use nymph_kernel::host;
    fn field(s: &[u8]) -> [u8; 64] {
        let mut f = [0u8; 64];
        let n = s.len().min(63);
        f[..n].copy_from_slice(&s[..n]);
        f
    }
    let u = v1::utsname {
        sysname: field(host::SYSNAME.as_bytes()),
        // A process jailed by another personality and exec'd into this one keeps its
        // prison's host name.
        nodename: field(&nymph_kernel::process::prison::host_name(&task.process)),
        release: field(host::RELEASE.as_bytes()),
        version: field(alloc::format!("{} {}", host::SYSNAME, host::RELEASE).as_bytes()),
        machine: field(host::MACHINE.as_bytes()),
    };
    task.write_val(a.buf.addr(), &u).map_err(fault)?;
    Ok(0)
}

fn sys_exit(task: &mut Task, a: v1::ExitArgs) -> SysResult {
    process::exit(&task.process, ExitStatus::Exited(a.status as u8));
    Ok(0)
}

const PAGE: u64 = 4096;
/// Where mmap places mappings without MAP_FIXED (growing upwards).
const MMAP_BASE: u64 = 0x1000_0000_0000;
/// The most a process's break may grow.
const BRK_LIMIT: u64 = 512 * 1024 * 1024;

fn protection(prot: v1::prot) -> Protection {
    Protection {
        read: prot.contains(v1::prot::PROT_READ),
        write: prot.contains(v1::prot::PROT_WRITE),
        execute: prot.contains(v1::prot::PROT_EXEC),
    }
}

fn map_errno(e: MapError) -> i32 {
    match e {
        MapError::Invalid => errno::EINVAL,
        MapError::NoMemory => errno::ENOMEM,
        MapError::Exists => errno::EEXIST,
        MapError::NotMappable => errno::ENODEV,
        MapError::AccessDenied => errno::EACCES,
        MapError::BadDescriptor => errno::EBADF,
    }
}

/// Anonymous and file mappings, private or shared (the work is the core's
/// `calls::mmap`); without MAP_FIXED they go upwards from MMAP_BASE.
fn sys_mmap(task: &mut Task, a: v1::MmapArgs) -> SysResult {
    use v1::map_flags as F;
    if a.flags.bits() & !F::all().bits() != 0 || a.prot.bits() & !v1::prot::all().bits() != 0 {
        return Err(errno::EINVAL);
    }
    let shared = a.flags.contains(F::MAP_SHARED);
    if shared == a.flags.contains(F::MAP_PRIVATE) {
        return Err(errno::EINVAL);
    }
    let file = if a.flags.contains(F::MAP_ANON) {
        if a.fd != -1 || a.offset != 0 {
            return Err(errno::EINVAL);
        }
        None
    } else {
        let offset = u64::try_from(a.offset).map_err(|_| errno::EINVAL)?;
        Some((i64::from(a.fd), offset))
    };
    let fixed = a.flags.contains(F::MAP_FIXED) || a.flags.contains(F::MAP_FIXED_NOREPLACE);
    let floor = task.process.personality_value("mmap_next").max(MMAP_BASE);
    let request = MapRequest {
        addr: if fixed { a.addr } else { 0 },
        len: a.len,
        prot: protection(a.prot),
        shared,
        fixed,
        no_replace: a.flags.contains(F::MAP_FIXED_NOREPLACE),
        file,
        floor,
        ceiling: USER_END,
    };
    let start = calls::mmap(task, request).map_err(map_errno)?;
    if !fixed {
        let end = start + a.len.next_multiple_of(PAGE);
        task.process.set_personality_value("mmap_next", end);
    }
    Ok(start)
}

fn sys_munmap(task: &mut Task, a: v1::MunmapArgs) -> SysResult {
    calls::munmap(task, a.addr, a.len, USER_END).map_err(map_errno)?;
    Ok(0)
}

fn sys_mprotect(task: &mut Task, a: v1::MprotectArgs) -> SysResult {
    if a.prot.bits() & !v1::prot::all().bits() != 0 {
        return Err(errno::EINVAL);
    }
    calls::mprotect(task, a.addr, a.len, protection(a.prot), USER_END).map_err(map_errno)?;
    Ok(0)
}

/// There is one page cache: a shared mapping maps the file's own pages, so there is
/// nothing to write back or invalidate. msync only checks its arguments and the range.
fn sys_msync(task: &mut Task, a: v1::MsyncArgs) -> SysResult {
    use v1::msync_flags as M;
    if a.flags.bits() & !M::all().bits() != 0
        || (a.flags.contains(M::MS_ASYNC) && a.flags.contains(M::MS_SYNC))
    {
        return Err(errno::EINVAL);
    }
    if !a.addr.is_multiple_of(PAGE) {
        return Err(errno::EINVAL);
    }
    if a.len == 0 {
        return Ok(0);
    }
    let (start, end) = calls::page_range(a.addr, a.len, USER_END).ok_or(errno::ENOMEM)?;
    if !calls::all_mapped(task, start, end) {
        return Err(errno::ENOMEM);
    }
    Ok(0)
}

fn sys_brk(task: &mut Task, a: v1::BrkArgs) -> SysResult {
    let (_, current) = task.process.brk();
    if a.addr == 0 {
        return Ok(current);
    }
    task.process
        .set_brk(a.addr, BRK_LIMIT)
        .map_err(|_| errno::ENOMEM)
}

fn sys_fork(task: &mut Task, _: v1::ForkArgs) -> SysResult {
    let mut child = (*task.context).clone();
    child.regs.rax = 0;
    match process::fork(task, child) {
        Ok(pid) => Ok(u64::from(pid.0)),
        Err(ForkError::OutOfMemory) => Err(errno::ENOMEM),
        Err(ForkError::TooManyProcesses) => Err(errno::EAGAIN),
    }
}

fn exec_errno(e: &ExecError) -> i32 {
    match e {
        // A directory or a special file is not executable.
        ExecError::File(FsError::IsADirectory) => errno::EACCES,
        ExecError::File(e) => crate::files::file_errno(*e),
        ExecError::BadImage(_)
        | ExecError::BadScript(_)
        | ExecError::NoPersonality { .. }
        | ExecError::Refused(_)
        | ExecError::SegmentPlacement { .. } => errno::ENOEXEC,
        ExecError::OutOfMemory => errno::ENOMEM,
        ExecError::ArgumentsTooLong => errno::E2BIG,
        ExecError::Fault => errno::EFAULT,
    }
}

const ARG_MAX: usize = 256 * 1024;
const PATH_MAX: usize = 4096;

fn sys_execve(task: &mut Task, a: v1::ExecveArgs) -> SysResult {
    let path = task
        .read_cstr(a.path.addr(), PATH_MAX)
        .map_err(|e| match e {
            UserFault::StringTooLong => errno::ENAMETOOLONG,
            UserFault::BadAddress(_) => errno::EFAULT,
        })?;
    let path = core::str::from_utf8(&path).map_err(|_| errno::ENOENT)?;
    let too_long = |e| match e {
        UserFault::StringTooLong => errno::E2BIG,
        UserFault::BadAddress(_) => errno::EFAULT,
    };
    let argv: Vec<Vec<u8>> = task
        .read_string_array(a.argv.addr(), 8, ARG_MAX)
        .map_err(too_long)?;
    let envp: Vec<Vec<u8>> = task
        .read_string_array(a.envp.addr(), 8, ARG_MAX)
        .map_err(too_long)?;
    match process::exec(task, path, &argv, &envp) {
        // The new image's registers are in place; rax is what its start-up says.
        Ok(()) => Ok(task.context.regs.rax),
        Err(e) => Err(exec_errno(&e)),
    }
}

/// The kernel's neutral signal for a native signal number.
pub(crate) fn signal_from_native(n: i32) -> Option<Signal> {
    use v1::signal as s;
    Some(match n {
        s::SIGHUP => Signal::Hup,
        s::SIGINT => Signal::Int,
        s::SIGQUIT => Signal::Quit,
        s::SIGILL => Signal::Ill,
        s::SIGTRAP => Signal::Trap,
        s::SIGABRT => Signal::Abrt,
        s::SIGBUS => Signal::Bus,
        s::SIGFPE => Signal::Fpe,
        s::SIGKILL => Signal::Kill,
        s::SIGUSR1 => Signal::Usr1,
        s::SIGSEGV => Signal::Segv,
        s::SIGUSR2 => Signal::Usr2,
        s::SIGPIPE => Signal::Pipe,
        s::SIGALRM => Signal::Alrm,
        s::SIGTERM => Signal::Term,
        s::SIGCHLD => Signal::Chld,
        s::SIGCONT => Signal::Cont,
        s::SIGSTOP => Signal::Stop,
        s::SIGTSTP => Signal::Tstp,
        s::SIGTTIN => Signal::Ttin,
        s::SIGTTOU => Signal::Ttou,
        s::SIGURG => Signal::Urg,
        s::SIGXCPU => Signal::Xcpu,
        s::SIGXFSZ => Signal::Xfsz,
        s::SIGVTALRM => Signal::Vtalrm,
        s::SIGPROF => Signal::Prof,
        s::SIGWINCH => Signal::Winch,
        s::SIGIO => Signal::Io,
        s::SIGSYS => Signal::Sys,
        // The unnamed numbers up to SIG_MAX: the kernel's numbered signals.
        n if (32..=s::SIG_MAX).contains(&n) => Signal::Numbered(n as u8),
        _ => return None,
    })
}

/// The native number of a neutral signal (signals the ABI lacks come out as 0).
pub(crate) fn signal_to_native(signal: Signal) -> i32 {
    (1..=64)
        .find(|&n| signal_from_native(n) == Some(signal))
        .unwrap_or(0)
}

/// The wait status word: exit code in bits 8-15, or the signal in bits 0-6 with the
/// core flag in bit 7.
fn wait_status(status: ExitStatus) -> i32 {
    match status {
        ExitStatus::Exited(code) => i32::from(code) << 8,
        ExitStatus::Signaled { signal, core } => {
            signal_to_native(signal) & 0x7f | if core { 0x80 } else { 0 }
        }
    }
}

fn sys_wait4(task: &mut Task, a: v1::Wait4Args) -> SysResult {
    if a.options.bits() & !v1::wait_options::all().bits() != 0 {
        return Err(errno::EINVAL);
    }
    let which = match a.pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(task.process.pgid()),
        p if p > 0 => WaitFor::Pid(Pid(p.unsigned_abs())),
        g => WaitFor::Group(Pid(g.unsigned_abs())),
    };
    let options = process::WaitOptions {
        no_hang: a.options.contains(v1::wait_options::WNOHANG),
        untraced: a.options.contains(v1::wait_options::WUNTRACED),
        continued: a.options.contains(v1::wait_options::WCONTINUED),
        clone_children: false,
    };
    match process::wait_child_usage(&task.process, which, options) {
        Ok(Some((pid, event, used))) => {
            let status = match event {
                ChildEvent::Exited(status) => wait_status(status),
                // Stopped: 0x7f in the low bits, the signal in bits 8-15.
                ChildEvent::Stopped(signal) => 0x7f | (signal_to_native(signal) & 0xff) << 8,
                ChildEvent::Continued => v1::consts::WCONTINUED_STATUS as i32,
            };
            if !a.status.is_null() {
                task.write_val(a.status.addr(), &status).map_err(fault)?;
            }
            if !a.rusage.is_null() {
                // Major faults read 0: nothing is read from a disk to resolve one.
                let mut usage = <v1::rusage as zerocopy::FromZeros>::new_zeroed();
                let ts = |ns: u64| v1::timespec {
                    tv_sec: (ns / 1_000_000_000) as i64,
                    tv_nsec: (ns % 1_000_000_000) as i64,
                };
                usage.ru_utime = ts(used.user_ns);
                usage.ru_stime = ts(used.system_ns);
                usage.ru_maxrss = (used.max_resident_pages * 4) as i64;
                usage.ru_minflt = used.minor_faults as i64;
                usage.ru_nvcsw = used.voluntary_switches as i64;
                usage.ru_nivcsw = used.involuntary_switches as i64;
                task.write_val(a.rusage.addr(), &usage).map_err(fault)?;
            }
            Ok(u64::from(pid.0))
        }
        Ok(None) => Ok(0),
        Err(WaitError::NoChildren) => Err(errno::ECHILD),
        Err(WaitError::Interrupted) => Err(errno::EINTR),
    }
}

fn sys_getpid(task: &mut Task, _: v1::GetpidArgs) -> SysResult {
    Ok(u64::from(task.process.pid.0))
}

fn sys_getppid(task: &mut Task, _: v1::GetppidArgs) -> SysResult {
    Ok(u64::from(task.process.parent().0))
}

fn sys_kill(task: &mut Task, a: v1::KillArgs) -> SysResult {
    let signal = match a.sig {
        0 => None,
        n => Some(signal_from_native(n).ok_or(errno::EINVAL)?),
    };
    calls::kill(task, a.pid, signal).map_err(group_errno)?;
    Ok(0)
}

fn sys_nanosleep(task: &mut Task, a: v1::NanosleepArgs) -> SysResult {
    let req: v1::timespec = task.read_val(a.req.addr()).map_err(fault)?;
    if req.tv_sec < 0 || !(0..1_000_000_000).contains(&req.tv_nsec) {
        return Err(errno::EINVAL);
    }
    let ns = (req.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(req.tv_nsec as u64);
    let process = task.process.clone();
    let left = match nymph_kernel::time::sleep_ns_interruptible(ns, || {
        process::signal_pending(&process)
    }) {
        Ok(()) => 0,
        Err(left) => left,
    };
    if !a.rem.is_null() {
        let rem = v1::timespec {
            tv_sec: (left / 1_000_000_000) as i64,
            tv_nsec: (left % 1_000_000_000) as i64,
        };
        task.write_val(a.rem.addr(), &rem).map_err(fault)?;
    }
    if left > 0 { Err(errno::EINTR) } else { Ok(0) }
}

fn sys_clock_gettime(task: &mut Task, a: v1::ClockGettimeArgs) -> SysResult {
    let (sec, nsec) = match a.clock {
        v1::clockid_t::CLOCK_REALTIME => {
            let (s, ns) = nymph_kernel::time::realtime();
            (s, u64::from(ns))
        }
        v1::clockid_t::CLOCK_MONOTONIC => {
            let ns = nymph_kernel::time::monotonic_ns();
            (ns / 1_000_000_000, ns % 1_000_000_000)
        }
    };
    let ts = v1::timespec {
        tv_sec: i64::try_from(sec).unwrap_or(i64::MAX),
        tv_nsec: nsec as i64,
    };
    task.write_val(a.tp.addr(), &ts).map_err(fault)?;
    Ok(0)
}

fn sys_abi_versions(task: &mut Task, a: v1::AbiVersionsArgs) -> SysResult {
    let served: Vec<u32> = SERVED_VERSIONS.collect();
    let room = usize::try_from(a.count)
        .unwrap_or(usize::MAX)
        .min(served.len());
    for (i, v) in served.iter().take(room).enumerate() {
        let addr = a
            .buf
            .addr()
            .checked_add(i as u64 * 4)
            .ok_or(errno::EFAULT)?;
        task.write_val(addr, v).map_err(fault)?;
    }
    Ok(served.len() as u64)
}

fn sys_sched_yield(_: &mut Task, _: v1::SchedYieldArgs) -> SysResult {
    nymph_kernel::sched::yield_now();
    Ok(0)
}

fn group_errno(e: GroupError) -> i32 {
    match e {
        GroupError::NoSuchProcess => errno::ESRCH,
        GroupError::NotPermitted => errno::EPERM,
        GroupError::ChildExeced => errno::EACCES,
    }
}

fn target(task: &Task, pid: i32) -> Result<alloc::sync::Arc<process::Process>, i32> {
    let pid = u32::try_from(pid).map_err(|_| errno::EINVAL)?;
    calls::target_process(task, pid).map_err(group_errno)
}

fn sys_setpgid(task: &mut Task, a: v1::SetpgidArgs) -> SysResult {
    let pid = u32::try_from(a.pid).map_err(|_| errno::EINVAL)?;
    let pgid = u32::try_from(a.pgid).map_err(|_| errno::EINVAL)?;
    calls::set_pgid(task, pid, pgid).map_err(group_errno)?;
    Ok(0)
}

fn sys_getpgid(task: &mut Task, a: v1::GetpgidArgs) -> SysResult {
    Ok(u64::from(target(task, a.pid)?.pgid().0))
}

fn sys_setsid(task: &mut Task, _: v1::SetsidArgs) -> SysResult {
    Ok(u64::from(calls::set_sid(task).map_err(group_errno)?))
}

fn sys_getpgrp(task: &mut Task, _: v1::GetpgrpArgs) -> SysResult {
    Ok(u64::from(task.process.pgid().0))
}

fn sys_getsid(task: &mut Task, a: v1::GetsidArgs) -> SysResult {
    Ok(u64::from(target(task, a.pid)?.sid().0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's status of every slot (and so the generated coverage table) must say
    /// exactly which calls this table handles.
    #[test]
    fn coverage_matches_the_spec() {
        let v1: Vec<_> = V1_HANDLERS.coverage_mismatches().collect();
        assert!(v1.is_empty(), "v1 spec and handlers disagree: {v1:#?}");
        let v2: Vec<_> = V2_HANDLERS.coverage_mismatches().collect();
        assert!(v2.is_empty(), "v2 spec and handlers disagree: {v2:#?}");
    }

    /// Shared handlers return v1's errno constants to v2 processes too.
    #[test]
    fn errno_numbering_is_shared() {
        assert_eq!(v1::errno::NAMES, v2::errno::NAMES);
    }

    #[test]
    fn only_v2_retires_getpgrp() {
        let n = u64::from(v1::nr::SYS_getpgrp);
        assert_eq!(retired(1, n), None);
        assert_eq!(retired(2, n), Some("getpgrp"));
        assert!(V1_HANDLERS.has_handler(n) && !V2_HANDLERS.has_handler(n));
    }

    #[test]
    fn wait_status_and_signal_numbers_round_trip() {
        assert_eq!(wait_status(ExitStatus::Exited(5)), 0x500);
        let segv = wait_status(ExitStatus::Signaled {
            signal: Signal::Segv,
            core: true,
        });
        assert_eq!(segv, v1::signal::SIGSEGV | 0x80);
        for n in 1..=64 {
            if let Some(s) = signal_from_native(n) {
                assert_eq!(signal_to_native(s), n);
            }
        }
    }
}
