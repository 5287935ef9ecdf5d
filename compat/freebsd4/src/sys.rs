//! The 4.x system-call path (reference §2): `int $0x80`, the number in eax, the
//! arguments on the user stack above the stub's return address, syscall 0 and 198
//! (`__syscall`) indirection, results in eax (and edx), errors as the carry flag with a
//! positive errno in eax. Also the process, memory and time calls.

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::signals::{signal_from_fb, signal_to_fb};
use crate::startup::{ARG_MAX, USRSTACK};
use alloc::vec::Vec;
use nymph_abi::rt::Dispatch;
use nymph_abi::trace::Outcome;
use nymph_hal::user::UserContext;
use nymph_kernel::error::Error as FsError;
use nymph_kernel::exec::script::ScriptError;
use nymph_kernel::mm::uspace::Protection;
use nymph_kernel::process::calls::{self, GroupError, MapError, MapRequest};
use nymph_kernel::process::uaccess::UserFault;
use nymph_kernel::process::{
    self, ChildEvent, ExecError, ExitStatus, ForkError, Pid, SigAction, Signal, Task, WaitError,
    WaitFor,
};
use nymph_kernel::process::{timer, trace};
use zerocopy::IntoBytes;

/// What a handler leaves in the registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ret {
    /// eax; edx keeps its value.
    Word(u32),
    /// edx:eax (64-bit results, and calls with a second result in edx).
    Pair(u64),
    /// Nothing: the handler set every register (sigreturn, 4.x's EJUSTRETURN).
    JustReturn,
}

impl Ret {
    pub(crate) fn word(v: u64) -> Ret {
        Ret::Word(v as u32)
    }
}

pub(crate) type SysResult = Result<Ret, i32>;

/// The carry flag: set on error.
const PSL_C: u64 = 0x1;
/// The trace flag (single step).
const PSL_T: u64 = 0x100;
/// `SYS_syscall` and `SYS___syscall`.
const SYS_SYSCALL: u64 = 0;
const SYS___SYSCALL: u64 = 198;

static HANDLERS: fb::Handlers<Task, SysResult> = fb::Handlers {
    exit: Some(sys_exit),
    fork: Some(sys_fork),
    vfork: Some(sys_vfork),
    rfork: Some(sys_rfork),
    read: Some(crate::files::sys_read),
    write: Some(crate::files::sys_write),
    readv: Some(crate::files::sys_readv),
    writev: Some(crate::files::sys_writev),
    open: Some(crate::fs::sys_open),
    close: Some(crate::files::sys_close),
    wait4: Some(sys_wait4),
    link: Some(crate::fs::sys_link),
    unlink: Some(crate::fs::sys_unlink),
    chdir: Some(crate::fs::sys_chdir),
    fchdir: Some(crate::fs::sys_fchdir),
    mknod: Some(crate::fs::sys_mknod),
    chmod: Some(crate::fs::sys_chmod),
    fchmod: Some(crate::fs::sys_fchmod),
    chown: Some(crate::fs::sys_chown),
    fchown: Some(crate::fs::sys_fchown),
    lchown: Some(crate::fs::sys_lchown),
    break_: Some(sys_break),
    getpid: Some(sys_getpid),
    getppid: Some(sys_getppid),
    getuid: Some(crate::fs::sys_getuid),
    geteuid: Some(crate::fs::sys_geteuid),
    getgid: Some(crate::fs::sys_getgid),
    getegid: Some(crate::fs::sys_getegid),
    setuid: Some(crate::fs::sys_setuid),
    setgid: Some(crate::fs::sys_setgid),
    seteuid: Some(crate::fs::sys_seteuid),
    setegid: Some(crate::fs::sys_setegid),
    access: Some(crate::fs::sys_access),
    sync: Some(crate::fs::sys_sync),
    fsync: Some(crate::fs::sys_fsync),
    kill: Some(sys_kill),
    dup: Some(crate::files::sys_dup),
    dup2: Some(crate::files::sys_dup2),
    pipe: Some(crate::files::sys_pipe),
    ioctl: Some(crate::tty::sys_ioctl),
    readlink: Some(crate::fs::sys_readlink),
    symlink: Some(crate::fs::sys_symlink),
    execve: Some(sys_execve),
    umask: Some(crate::fs::sys_umask),
    chroot: Some(crate::fs::sys_chroot),
    jail: Some(crate::jail::sys_jail),
    msync: Some(sys_msync),
    mmap: Some(sys_mmap),
    munmap: Some(sys_munmap),
    mprotect: Some(sys_mprotect),
    madvise: Some(sys_madvise),
    getgroups: Some(crate::fs::sys_getgroups),
    getpgrp: Some(sys_getpgrp),
    setpgid: Some(sys_setpgid),
    getpgid: Some(sys_getpgid),
    setsid: Some(sys_setsid),
    getsid: Some(sys_getsid),
    getdtablesize: Some(crate::files::sys_getdtablesize),
    fcntl: Some(crate::files::sys_fcntl),
    poll: Some(crate::files::sys_poll),
    openbsd_poll: Some(crate::files::sys_openbsd_poll),
    select: Some(crate::files::sys_select),
    gettimeofday: Some(sys_gettimeofday),
    getrusage: Some(sys_getrusage),
    rename: Some(crate::fs::sys_rename),
    flock: Some(crate::files::sys_flock),
    mkfifo: Some(crate::fs::sys_mkfifo),
    mkdir: Some(crate::fs::sys_mkdir),
    rmdir: Some(crate::fs::sys_rmdir),
    utimes: Some(crate::fs::sys_utimes),
    futimes: Some(crate::fs::sys_futimes),
    lutimes: Some(crate::fs::sys_lutimes),
    revoke: Some(crate::fs::sys_revoke),
    statfs: Some(crate::fs::sys_statfs),
    fstatfs: Some(crate::fs::sys_fstatfs),
    stat: Some(crate::fs::sys_stat),
    fstat: Some(crate::fs::sys_fstat),
    lstat: Some(crate::fs::sys_lstat),
    nstat: Some(crate::fs::sys_nstat),
    nfstat: Some(crate::fs::sys_nfstat),
    nlstat: Some(crate::fs::sys_nlstat),
    quotactl: Some(crate::fsfeatures::sys_quotactl),
    aio_return: Some(crate::aio::sys_aio_return),
    aio_suspend: Some(crate::aio::sys_aio_suspend),
    aio_cancel: Some(crate::aio::sys_aio_cancel),
    aio_error: Some(crate::aio::sys_aio_error),
    aio_read: Some(crate::aio::sys_aio_read),
    aio_write: Some(crate::aio::sys_aio_write),
    lio_listio: Some(crate::aio::sys_lio_listio),
    aio_waitcomplete: Some(crate::aio::sys_aio_waitcomplete),
    undelete: Some(crate::fsfeatures::sys_undelete),
    __acl_get_file: Some(crate::fsfeatures::sys_acl_get_file),
    __acl_set_file: Some(crate::fsfeatures::sys_acl_set_file),
    __acl_get_fd: Some(crate::fsfeatures::sys_acl_get_fd),
    __acl_set_fd: Some(crate::fsfeatures::sys_acl_set_fd),
    __acl_delete_file: Some(crate::fsfeatures::sys_acl_delete_file),
    __acl_delete_fd: Some(crate::fsfeatures::sys_acl_delete_fd),
    __acl_aclcheck_file: Some(crate::fsfeatures::sys_acl_aclcheck_file),
    __acl_aclcheck_fd: Some(crate::fsfeatures::sys_acl_aclcheck_fd),
    extattrctl: Some(crate::fsfeatures::sys_extattrctl),
    extattr_set_file: Some(crate::fsfeatures::sys_extattr_set_file),
    extattr_get_file: Some(crate::fsfeatures::sys_extattr_get_file),
    extattr_delete_file: Some(crate::fsfeatures::sys_extattr_delete_file),
    modnext: Some(crate::kld::sys_modnext),
    modstat: Some(crate::kld::sys_modstat),
    modfnext: Some(crate::kld::sys_modfnext),
    modfind: Some(crate::kld::sys_modfind),
    kldload: Some(crate::kld::sys_kldload),
    kldunload: Some(crate::kld::sys_kldunload),
    kldfind: Some(crate::kld::sys_kldfind),
    kldnext: Some(crate::kld::sys_kldnext),
    kldstat: Some(crate::kld::sys_kldstat),
    kldfirstmod: Some(crate::kld::sys_kldfirstmod),
    kldsym: Some(crate::kld::sys_kldsym),
    getrlimit: Some(crate::sysctl::sys_getrlimit),
    setrlimit: Some(crate::sysctl::sys_setrlimit),
    getdirentries: Some(crate::fs::sys_getdirentries),
    getdents: Some(crate::fs::sys_getdents),
    lseek: Some(crate::fs::sys_lseek),
    truncate: Some(crate::fs::sys_truncate),
    ftruncate: Some(crate::fs::sys_ftruncate),
    pread: Some(crate::fs::sys_pread),
    pwrite: Some(crate::fs::sys_pwrite),
    __sysctl: Some(crate::sysctl::sys_sysctl),
    nanosleep: Some(sys_nanosleep),
    issetugid: Some(crate::fs::sys_issetugid),
    __getcwd: Some(crate::fs::sys_getcwd),
    sigaction: Some(crate::signals::sys_sigaction),
    sigprocmask: Some(crate::signals::sys_sigprocmask),
    sigsuspend: Some(crate::signals::sys_sigsuspend),
    sigpending: Some(crate::signals::sys_sigpending),
    sigreturn: Some(crate::signals::sys_sigreturn),
    sigaltstack: Some(crate::signals::sys_sigaltstack),
    osigaction: Some(crate::signals::sys_osigaction),
    osigprocmask: Some(crate::signals::sys_osigprocmask),
    osigsuspend: Some(crate::signals::sys_osigsuspend),
    clock_gettime: Some(sys_clock_gettime),
    uname: Some(crate::sysctl::sys_uname),
    getpriority: Some(sys_getpriority),
    setpriority: Some(sys_setpriority),
    getlogin: Some(crate::sysctl::sys_getlogin),
    setlogin: Some(crate::sysctl::sys_setlogin),
    sched_yield: Some(sys_sched_yield),
    sched_setparam: Some(crate::sched::sys_sched_setparam),
    sched_getparam: Some(crate::sched::sys_sched_getparam),
    sched_setscheduler: Some(crate::sched::sys_sched_setscheduler),
    sched_getscheduler: Some(crate::sched::sys_sched_getscheduler),
    sched_get_priority_max: Some(crate::sched::sys_sched_get_priority_max),
    sched_get_priority_min: Some(crate::sched::sys_sched_get_priority_min),
    sched_rr_get_interval: Some(crate::sched::sys_sched_rr_get_interval),
    rtprio: Some(crate::sched::sys_rtprio),
    sysarch: Some(crate::sysarch::sys_sysarch),
    mlock: Some(crate::memlock::sys_mlock),
    munlock: Some(crate::memlock::sys_munlock),
    mlockall: Some(crate::memlock::sys_mlockall),
    munlockall: Some(crate::memlock::sys_munlockall),
    minherit: Some(crate::memlock::sys_minherit),
    setitimer: Some(sys_setitimer),
    chflags: Some(crate::fs::sys_chflags),
    fchflags: Some(crate::fs::sys_fchflags),
    pathconf: Some(crate::fs::sys_pathconf),
    fpathconf: Some(crate::fs::sys_fpathconf),
    ogetrlimit: Some(crate::sysctl::sys_ogetrlimit),
    osetrlimit: Some(crate::sysctl::sys_osetrlimit),
    ogethostname: Some(crate::sysctl::sys_ogethostname),
    ogethostid: Some(crate::sysctl::sys_ogethostid),
    osethostid: Some(crate::sysctl::sys_osethostid),
    getdomainname: Some(crate::sysctl::sys_getdomainname),
    setdomainname: Some(crate::sysctl::sys_setdomainname),
    osethostname: Some(crate::sysctl::sys_osethostname),
    getitimer: Some(sys_getitimer),
    settimeofday: Some(sys_settimeofday),
    adjtime: Some(sys_adjtime),
    profil: Some(sys_profil),
    utrace: Some(crate::ktrace::sys_utrace),
    ktrace: Some(crate::ktrace::sys_ktrace),
    acct: Some(crate::acct::sys_acct),
    mount: Some(crate::mount::sys_mount),
    unmount: Some(crate::mount::sys_unmount),
    ptrace: Some(crate::ptrace::sys_ptrace),
    setgroups: Some(crate::fs::sys_setgroups),
    setreuid: Some(crate::fs::sys_setreuid),
    setregid: Some(crate::fs::sys_setregid),
    setresuid: Some(crate::fs::sys_setresuid),
    setresgid: Some(crate::fs::sys_setresgid),
    getresuid: Some(crate::fs::sys_getresuid),
    getresgid: Some(crate::fs::sys_getresgid),
    ocreat: Some(crate::old::sys_ocreat),
    olseek: Some(crate::old::sys_olseek),
    ostat: Some(crate::old::sys_ostat),
    olstat: Some(crate::old::sys_olstat),
    ofstat: Some(crate::old::sys_ofstat),
    otruncate: Some(crate::old::sys_otruncate),
    oftruncate: Some(crate::old::sys_oftruncate),
    ogetpagesize: Some(crate::old::sys_ogetpagesize),
    owait: Some(crate::old::sys_owait),
    okillpg: Some(crate::old::sys_okillpg),
    ommap: Some(crate::old::sys_ommap),
    oquota: Some(crate::old::sys_oquota),
    osigstack: Some(crate::signals::sys_osigstack),
    orecvmsg: Some(crate::socket::sys_orecvmsg),
    osendmsg: Some(crate::socket::sys_osendmsg),
    ogetdirentries: Some(crate::fs::sys_ogetdirentries),
    ogetkerninfo: Some(crate::sysctl::sys_ogetkerninfo),
    osigvec: Some(crate::signals::sys_osigvec),
    osigblock: Some(crate::signals::sys_osigblock),
    osigsetmask: Some(crate::signals::sys_osigsetmask),
    osigpending: Some(crate::signals::sys_osigpending),
    osigreturn: Some(crate::signals::sys_osigreturn),
    yield_: Some(sys_yield),
    lchmod: Some(crate::fs::sys_lchmod),
    netbsd_lchown: Some(crate::fs::sys_netbsd_lchown),
    netbsd_msync: Some(sys_netbsd_msync),
    sbrk: Some(sys_sbrk),
    sstk: Some(sys_sstk),
    vadvise: Some(sys_vadvise),
    clock_getres: Some(sys_clock_getres),
    clock_settime: Some(sys_clock_settime),
    mincore: Some(sys_mincore),
    getfsstat: Some(crate::fs::sys_getfsstat),
    socket: Some(crate::socket::sys_socket),
    socketpair: Some(crate::socket::sys_socketpair),
    osendfile: Some(crate::sendfile::sys_osendfile),
    sendfile: Some(crate::sendfile::sys_sendfile),
    bind: Some(crate::socket::sys_bind),
    connect: Some(crate::socket::sys_connect),
    listen: Some(crate::socket::sys_listen),
    accept: Some(crate::socket::sys_accept),
    oaccept: Some(crate::socket::sys_oaccept),
    getsockname: Some(crate::socket::sys_getsockname),
    ogetsockname: Some(crate::socket::sys_ogetsockname),
    getpeername: Some(crate::socket::sys_getpeername),
    ogetpeername: Some(crate::socket::sys_ogetpeername),
    sendto: Some(crate::socket::sys_sendto),
    osend: Some(crate::socket::sys_osend),
    recvfrom: Some(crate::socket::sys_recvfrom),
    orecvfrom: Some(crate::socket::sys_orecvfrom),
    orecv: Some(crate::socket::sys_orecv),
    sendmsg: Some(crate::socket::sys_sendmsg),
    recvmsg: Some(crate::socket::sys_recvmsg),
    shutdown: Some(crate::socket::sys_shutdown),
    setsockopt: Some(crate::socket::sys_setsockopt),
    getsockopt: Some(crate::socket::sys_getsockopt),
    kqueue: Some(crate::kqueue::sys_kqueue),
    kevent: Some(crate::kqueue::sys_kevent),
    shmsys: Some(crate::sysv::sys_shmsys),
    semsys: Some(crate::sysv::sys_semsys),
    __semctl: Some(crate::sysv::sys_semctl),
    semget: Some(crate::sysv::sys_semget),
    semop: Some(crate::sysv::sys_semop),
    msgsys: Some(crate::sysv::sys_msgsys),
    msgctl: Some(crate::sysv::sys_msgctl),
    msgget: Some(crate::sysv::sys_msgget),
    msgsnd: Some(crate::sysv::sys_msgsnd),
    msgrcv: Some(crate::sysv::sys_msgrcv),
    shmat: Some(crate::sysv::sys_shmat),
    shmctl: Some(crate::sysv::sys_shmctl),
    shmdt: Some(crate::sysv::sys_shmdt),
    shmget: Some(crate::sysv::sys_shmget),
    reboot: Some(crate::machine::sys_reboot),
    swapon: Some(crate::machine::sys_swapon),
    thr_sleep: Some(crate::thr::sys_thr_sleep),
    thr_wakeup: Some(crate::thr::sys_thr_wakeup),
    ntp_adjtime: Some(crate::ntp::sys_ntp_adjtime),
    getfh: Some(crate::fh::sys_getfh),
    fhstat: Some(crate::fh::sys_fhstat),
    fhstatfs: Some(crate::fh::sys_fhstatfs),
    fhopen: Some(crate::fh::sys_fhopen),
    ..fb::Handlers::NONE
};

/// The most argument words a 4.x call takes (mmap's eight).
const MAX_ARG_WORDS: usize = 8;

const _: () = {
    let mut i = 0;
    while i < fb::SYSCALLS.len() {
        assert!(fb::SYSCALLS[i].arg_words as usize <= MAX_ARG_WORDS);
        i += 1;
    }
};

/// A call's argument words, fetched without an allocation (this runs on every call).
struct Words {
    words: [u32; MAX_ARG_WORDS],
    count: usize,
}

impl Words {
    #[inline]
    fn as_slice(&self) -> &[u32] {
        // `fetch` keeps count within the array (the table's const check above).
        &self.words[..self.count.min(MAX_ARG_WORDS)]
    }
}

/// Reads the call's argument words from the user stack; which call, and from where,
/// depends on the indirection (reference §2).
#[inline]
fn fetch(task: &Task, words: &mut Words) -> Result<u64, i32> {
    let eax = task.context.regs.rax & 0xffff_ffff;
    let esp = task.context.regs.rsp & 0xffff_ffff;
    let read_word = |at: u64| task.read_val::<u32>(at).map_err(fault);
    let (code, args) = match eax {
        SYS_SYSCALL => (u64::from(read_word(esp + 4)?), esp + 8),
        // The number is a quad: its low word is the code, the high word is skipped.
        SYS___SYSCALL => (u64::from(read_word(esp + 4)?), esp + 12),
        n => (n, esp + 4),
    };
    let count = usize::try_from(code)
        .ok()
        .and_then(|c| fb::SYSCALLS.get(c))
        .map_or(0, |s| usize::from(s.arg_words));
    words.count = count;
    if count > 0 {
        // One copy for all the words (copyin of narg * 4 bytes, as 4.x does).
        let dest = words.words.get_mut(..count).unwrap_or(&mut []);
        task.read_bytes(args, dest.as_mut_bytes()).map_err(fault)?;
        for w in dest {
            *w = u32::from_le(*w);
        }
    }
    Ok(code)
}

/// Calls 4.x never restarts after a handler, SA_RESTART or not: select, poll,
/// nanosleep, kevent and the sigsuspend pair (they report EINTR by design), and the
/// System V calls that sleep (sysv_sem.c and sysv_msg.c turn ERESTART into EINTR):
/// semop, msgsnd, msgrcv and their semsys and msgsys; and both sendfiles (336, 393),
/// which report EINTR with *sbytes set: started again they would send the headers
/// and the file's first bytes twice (4.x's restarted; later FreeBSD turns the
/// ERESTART of kern_sendfile into EINTR for that reason).
const NEVER_RESTARTED: [u64; 14] = [
    93, 209, 240, 111, 341, 1, 363, 222, 169, 226, 227, 170, 336, 393,
];

/// Whether an EINTR from call `code` becomes 4.x's ERESTART: the signal about to be
/// delivered is caught with SA_RESTART, or is not caught and the process is traced.
fn restarts(task: &Task, code: u64) -> bool {
    if NEVER_RESTARTED.contains(&code) {
        return false;
    }
    let p = &task.process;
    let Some(signal) = p.pending().first_unblocked(p.blocked()) else {
        return false;
    };
    match p.sigaction(signal) {
        SigAction::Catch(c) => c.flags & fb::sa_flags::SA_RESTART.bits() as u64 != 0,
        // The sleep ended only so that the process stops for its tracer (4.x stops it
        // inside the sleep, which then goes on).
        _ => p.is_traced(),
    }
}

/// Where the last call a tracer's stop cut short with EINTR was made (its `int $0x80`
/// or `lcall`), and its number: see [`restart_if_discarded`].
const INTERRUPTED_CALL_AT: &str = "fb4.eintr_call_at";
const INTERRUPTED_CALL_NUMBER: &str = "fb4.eintr_call_number";

/// Whether the signal that interrupted the call is there only to stop the traced
/// process for its tracer (not caught, and not one that kills it): a call 4.x never
/// restarts sleeps on in 4.x once the tracer drops it.
fn stops_only_for_tracer(task: &Task) -> bool {
    let p = &task.process;
    if !p.is_traced() {
        return false;
    }
    let Some(signal) = p.pending().first_unblocked(p.blocked()) else {
        return false;
    };
    signal != Signal::Kill && !matches!(p.sigaction(signal), SigAction::Catch(_))
}

/// The tracer dropped the signal that cut a call short with EINTR (the
/// `signal_discarded` hook): if the registers are still that call's EINTR return, the
/// call is made again, as 4.x's tsleep goes on sleeping after such a stop (a select's
/// or nanosleep's timeout starts over here).
pub(crate) fn restart_if_discarded(task: &mut Task) {
    let at = task.process.personality_value(INTERRUPTED_CALL_AT);
    if at == 0 {
        return;
    }
    let number = task.process.personality_value(INTERRUPTED_CALL_NUMBER);
    task.process.set_personality_value(INTERRUPTED_CALL_AT, 0);
    let regs = &mut task.context.regs;
    let returned_eintr = regs.rflags & PSL_C != 0 && regs.rax == errno::EINTR as u64;
    if returned_eintr && regs.rip == at + call_length(&task.context) {
        let regs = &mut task.context.regs;
        regs.rip = at;
        regs.rax = number;
        regs.rflags &= !PSL_C;
    }
}

/// The length of the instruction that made the call (4.x's `tf_err`): ERESTART backs
/// eip up by it. `int $0x80` is 2 bytes; `lcall $7,$0` is 7 (4.x assumes 7 for any
/// lcall, as its entry code sets tf_err to 7).
pub(crate) fn call_length(context: &UserContext) -> u64 {
    if context.last_entry_vector() == nymph_hal::user::CALL_GATE_VECTOR {
        7
    } else {
        2
    }
}

/// The ABI on trace lines.
const TRACE_LABEL: &str = "freebsd4";

/// Decodes, dispatches and completes one `int $0x80`.
pub(crate) fn syscall(task: &mut Task) {
    let number = task.context.regs.rax;
    let mut words = Words {
        words: [0; MAX_ARG_WORDS],
        count: 0,
    };
    let fetched = fetch(task, &mut words);
    if task.process.watched() {
        return traced_syscall(task, number, fetched, &words);
    }
    let (code, result) = run(task, fetched, &words);
    complete(task, number, code, result);
}

/// Runs the fetched call (code `u64::MAX` when its words could not be fetched).
#[inline]
fn run(task: &mut Task, fetched: Result<u64, i32>, words: &Words) -> (u64, SysResult) {
    match fetched {
        Err(e) => (u64::MAX, Err(e)),
        Ok(code) => (code, dispatch(task, code, words)),
    }
}

/// Runs the call through the table; a refusal becomes 4.x's `nosys` here.
#[inline]
fn dispatch(task: &mut Task, code: u64, words: &Words) -> SysResult {
    HANDLERS.dispatch_or(task, code, words.as_slice(), |task, refused| {
        Err(refusal(task, refused))
    })
}

/// 4.x `nosys`, for slots it had no call in and for calls this kernel lacks alike:
/// SIGSYS, and EINVAL for a process that ignores it. Undecodable arguments are EINVAL.
#[cold]
fn refusal(task: &Task, refused: Dispatch<SysResult>) -> i32 {
    let pid = task.process.pid.0;
    match refused {
        Dispatch::Handled(_) => {}
        Dispatch::NotImplemented { number, name } => {
            log::warn!(
                "pid {pid}: FreeBSD-4 system call {name} ({number}) is not implemented: SIGSYS"
            );
            task.process.post(Signal::Sys);
        }
        Dispatch::NoSuchSyscall { number } => {
            log::warn!("pid {pid}: no FreeBSD-4 system call {number}: SIGSYS");
            task.process.post(Signal::Sys);
        }
        Dispatch::BadArgs { name, error, .. } => {
            log::debug!("pid {pid}: {name}: {error}");
        }
    }
    errno::EINVAL
}

/// What happens to the registers after call `code` (which came in as `number`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Completion {
    /// exit and a successful execve leave the registers to the new state.
    Exited,
    /// The call is started again after the handler of the signal that interrupted it.
    Restart,
    /// The result goes into the registers.
    Result,
}

/// Writes the result into the registers the 4.x way (carry flag and positive errno),
/// or backs the call up to be restarted; says which it did.
#[inline]
fn complete(task: &mut Task, number: u64, code: u64, result: SysResult) -> Completion {
    if task.process.has_exited() {
        return Completion::Exited;
    }
    let regs = &mut task.context.regs;
    match result {
        Ok(Ret::Word(v)) => {
            regs.rax = u64::from(v);
            regs.rflags &= !PSL_C;
        }
        Ok(Ret::Pair(v)) => {
            regs.rax = v & 0xffff_ffff;
            regs.rdx = v >> 32;
            regs.rflags &= !PSL_C;
        }
        Ok(Ret::JustReturn) => {}
        Err(e) => return complete_error(task, number, code, e),
    }
    if regs.rflags & PSL_T != 0 {
        traced_step(task);
    }
    Completion::Result
}

/// [`complete`] for an error: carry and errno, or, for an EINTR 4.x turns into
/// ERESTART, the call backed up to be made again.
#[inline(never)]
fn complete_error(task: &mut Task, number: u64, code: u64, e: i32) -> Completion {
    let completion = if e == errno::EINTR && restarts(task, code) {
        // The handler runs first; its sigreturn comes back to the `int $0x80` (or
        // `lcall`) with every register as the call found them.
        let length = call_length(&task.context);
        let regs = &mut task.context.regs;
        regs.rip -= length;
        regs.rax = number;
        Completion::Restart
    } else {
        if e == errno::EINTR && stops_only_for_tracer(task) {
            // Kept so that the call starts again if the tracer drops the signal.
            let at = task.context.regs.rip - call_length(&task.context);
            task.process.set_personality_value(INTERRUPTED_CALL_AT, at);
            task.process
                .set_personality_value(INTERRUPTED_CALL_NUMBER, number);
        }
        let regs = &mut task.context.regs;
        regs.rax = e as u32 as u64;
        regs.rflags |= PSL_C;
        Completion::Result
    };
    if task.context.regs.rflags & PSL_T != 0 {
        traced_step(task);
    }
    completion
}

/// The trace flag was set as the call left eflags (4.x syscall2's "Traced syscall"):
/// a program single-stepped onto `int $0x80` or `lcall` stops right after it, with
/// SIGTRAP (code 0) and the flag cleared, not one instruction later. Out of line: it
/// is rare, and every call tests for it.
#[cold]
#[inline(never)]
fn traced_step(task: &mut Task) {
    task.context.regs.rflags &= !PSL_T;
    task.process.post(Signal::Trap);
}

/// The same as [`syscall`], with the call and its outcome written to the kernel's trace
/// (`nymph.trace`) and to the process's ktrace file, as each is on.
#[cold]
fn traced_syscall(task: &mut Task, number: u64, fetched: Result<u64, i32>, w: &Words) {
    let (shown, words): (u64, Vec<u64>) = match &fetched {
        Ok(c) => (*c, w.as_slice().iter().map(|&w| u64::from(w)).collect()),
        Err(_) => (number & 0xffff_ffff, Vec::new()),
    };
    if let Ok(code) = &fetched {
        crate::ktrace::syscall(&task.process, *code, w.as_slice());
        // syscall2's S_SCE (after the arguments were fetched), with their count.
        if task.process.stopping() {
            crate::procfs::stop_event(task, crate::procfs::S_SCE, w.count as u32);
        }
    }
    let pending = if task.process.traced() {
        fb::TRACE.enter(
            shown,
            &words,
            &mut |a, b| trace::read_str(task, a, b),
            &mut |line| trace::emit(&task.process, TRACE_LABEL, line),
        )
    } else {
        None
    };
    let (code, result) = run(task, fetched, w);
    let completion = complete(task, number, code, result);
    if completion != Completion::Exited || !task.process.has_exited() {
        // 4.x's ERESTART and EJUSTRETURN.
        let (error, retval) = match (completion, result) {
            (Completion::Restart, _) => (-1, 0),
            // execve's new image starts with eax 0, as 4.x reports it.
            (_, Ok(Ret::JustReturn)) if code == u64::from(fb::ExecveArgs::NUMBER) => (0, 0),
            (_, Ok(Ret::JustReturn)) => (-2, 0),
            (Completion::Exited, _) => (0, 0),
            (_, Ok(_)) => (0, task.context.regs.rax as u32),
            (_, Err(e)) => (e, 0),
        };
        crate::ktrace::sysret(&task.process, shown, error, retval);
        // And its S_SCX, with the call's number, the result in the registers.
        if task.process.stopping() {
            crate::procfs::stop_event(task, crate::procfs::S_SCX, shown as u32);
        }
    }
    if let Some(call) = pending {
        let outcome = match (completion, result) {
            (Completion::Exited, _) => Outcome::NoReturn,
            (Completion::Restart, _) => Outcome::Restart,
            (_, Ok(Ret::Word(v))) => Outcome::Value(u64::from(v)),
            (_, Ok(Ret::Pair(v))) => Outcome::Value(v),
            (_, Ok(Ret::JustReturn)) => Outcome::NoReturn,
            (_, Err(e)) => Outcome::Errno(e),
        };
        trace::emit(&task.process, TRACE_LABEL, &fb::TRACE.finish(call, outcome));
    }
}

/// Which of 4.x's root checks a call makes (kern_prot.c `suser_xxx`): plain
/// `suser(p)` refuses a jailed root; `suser_xxx(0, p, PRISON_ROOT)` lets it through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Jail {
    /// `suser(p)`: root outside every prison only.
    Refused,
    /// `suser_xxx(..., PRISON_ROOT)`: root, jailed or not.
    Allowed,
}

/// 4.x's root check (kern_prot.c `suser_xxx`): the effective uid must be 0, and the
/// process outside every prison unless the call passes PRISON_ROOT; else EPERM.
pub(crate) fn suser(task: &Task, jail: Jail) -> Result<(), i32> {
    let creds = task.process.fs().creds;
    let ok = match jail {
        Jail::Refused => creds.is_host_root(),
        Jail::Allowed => creds.is_root(),
    };
    if ok { Ok(()) } else { Err(errno::EPERM) }
}

pub(crate) fn fault(_: UserFault) -> i32 {
    errno::EFAULT
}

fn sys_exit(task: &mut Task, a: fb::ExitArgs) -> SysResult {
    // exit1's S_EXIT, with the wait status.
    crate::procfs::stop_event(task, crate::procfs::S_EXIT, (a.rval as u32 & 0xff) << 8);
    process::exit(&task.process, ExitStatus::Exited(a.rval as u8));
    Ok(Ret::word(0))
}

/// fork: the parent gets (pid, 0), the child (0, 1) in eax and edx.
fn sys_fork(task: &mut Task, _: fb::ForkArgs) -> SysResult {
    fork(task, process::fork)
}

/// vfork: the child runs in the parent's own memory until it execs or exits, and the
/// parent waits until then, as in 4.x.
fn sys_vfork(task: &mut Task, _: fb::VforkArgs) -> SysResult {
    fork(task, process::vfork)
}

/// rfork (4.x kern_fork.c fork1). Without RFPROC it changes the caller: memory it
/// shares becomes its own copy unless RFMEM is given, RFCFDG gives it an empty
/// descriptor table and RFFDG its own copy of a shared one. With RFPROC it forks: the
/// child shares the caller's memory (RFMEM), signal actions (RFSIGSHARE) and
/// descriptor table (neither RFFDG nor RFCFDG), or gets copies of them (an empty table
/// with RFCFDG); with RFTHREAD it becomes a peer of the caller's leader, killed when
/// the leader exits; with RFNOWAIT its parent is init; with RFLINUXTHPN its exit
/// sends its parent SIGUSR1 instead of SIGCHLD, and only a wait4 with WLINUXCLONE
/// waits for it (linuxthreads' threads). The Plan 9 flags are ignored, as 4.x ignores
/// them.
fn sys_rfork(task: &mut Task, a: fb::RforkArgs) -> SysResult {
    use fb::rfork_flags as F;
    /// RFPPWAIT, vfork's own: kernel-only (RFKERNELONLY).
    const RFPPWAIT: i32 = 1 << 31;
    let flags = a.flags;
    if flags.bits() & RFPPWAIT != 0 || flags.contains(F::RFFDG | F::RFCFDG) {
        return Err(errno::EINVAL);
    }
    if !flags.contains(F::RFPROC) {
        if !flags.contains(F::RFMEM) {
            process::unshare_memory(&task.process).map_err(|_| errno::ENOMEM)?;
        }
        if flags.contains(F::RFCFDG) {
            process::close_all_files(&task.process);
        }
        if flags.contains(F::RFFDG) {
            process::unshare_files(&task.process);
        }
        return Ok(Ret::Pair(0));
    }
    let shares = process::Shares {
        memory: flags.contains(F::RFMEM),
        files: !flags.intersects(F::RFFDG | F::RFCFDG),
        dispositions: flags.contains(F::RFSIGSHARE),
    };
    let ret = fork(task, |task, context| {
        process::fork_sharing(task, context, shares)
    })?;
    let Ret::Pair(pid) = ret else { return Ok(ret) };
    let child = Pid(pid as u32);
    if let Some(c) = process::find(child) {
        if flags.contains(F::RFCFDG) {
            process::close_all_files(&c);
        }
        if flags.contains(F::RFTHREAD) {
            process::join_peers(&task.process, &c);
        }
        if flags.contains(F::RFLINUXTHPN) {
            c.set_exit_signal(Signal::Usr1);
        }
    }
    if flags.contains(F::RFNOWAIT) {
        process::detach_child(&task.process, child);
    }
    Ok(ret)
}

/// fork and vfork (`create`): the parent gets (pid, 0), the child (0, 1).
fn fork(
    task: &mut Task,
    create: impl FnOnce(&mut Task, UserContext) -> Result<Pid, ForkError>,
) -> SysResult {
    let mut child = (*task.context).clone();
    child.regs.rax = 0;
    child.regs.rdx = 1;
    child.regs.rflags &= !PSL_C;
    match create(task, child) {
        Ok(pid) => Ok(Ret::Pair(u64::from(pid.0))),
        Err(ForkError::OutOfMemory) => Err(errno::ENOMEM),
        Err(ForkError::TooManyProcesses) => Err(errno::EAGAIN),
    }
}

fn exec_errno(e: &ExecError) -> i32 {
    match e {
        ExecError::File(FsError::IsADirectory) => errno::EACCES,
        ExecError::File(e) => file_errno(*e),
        // imgact_shell: a #! line that does not end in MAXSHELLCMDLEN bytes.
        ExecError::BadScript(ScriptError::LineTooLong) => errno::ENAMETOOLONG,
        ExecError::BadImage(_)
        | ExecError::BadScript(_)
        | ExecError::NoPersonality { .. }
        | ExecError::Refused(_) => errno::ENOEXEC,
        ExecError::OutOfMemory => errno::ENOMEM,
        ExecError::ArgumentsTooLong => errno::E2BIG,
        ExecError::Fault => errno::EFAULT,
        // 4.x maps the segments after the point of no return and kills the process
        // (SIGABRT) when one cannot be mapped; its loader's error there is EINVAL.
        ExecError::SegmentPlacement { .. } => errno::EINVAL,
    }
}

fn sys_execve(task: &mut Task, a: fb::ExecveArgs) -> SysResult {
    let path = crate::fs::path_arg(task, a.fname)?;
    let path = core::str::from_utf8(&path).map_err(|_| errno::ENOENT)?;
    let too_long = |e| match e {
        UserFault::StringTooLong => errno::E2BIG,
        UserFault::BadAddress(_) => errno::EFAULT,
    };
    let argv = task
        .read_string_array(a.argv.addr(), 4, ARG_MAX)
        .map_err(too_long)?;
    let envp = task
        .read_string_array(a.envv.addr(), 4, ARG_MAX)
        .map_err(too_long)?;
    // The ids before, for what a set-id image ends (a trace, stop events).
    let watched = task.process.recording() || crate::procfs::has_stops(&task.process);
    let creds = watched.then(|| task.process.fs().creds);
    match process::exec(task, path, &argv, &envp) {
        // The new image's registers are in place (the start-up state says eax = edx
        // = 0, whichever personality runs it now).
        Ok(()) => {
            if let Some(creds) = creds {
                if task.process.recording() {
                    crate::ktrace::after_exec(&task.process, &creds);
                }
                crate::procfs::after_exec(task, &creds);
            }
            Ok(Ret::JustReturn)
        }
        Err(e) => Err(exec_errno(&e)),
    }
}

/// The traditional wait status: exit code in bits 8-15, or the signal in bits 0-6 with
/// the core flag in bit 7; 0x7f with the signal above it for a stopped child.
pub(crate) fn wait_status(event: ChildEvent) -> i32 {
    match event {
        ChildEvent::Exited(ExitStatus::Exited(code)) => i32::from(code) << 8,
        ChildEvent::Exited(ExitStatus::Signaled { signal, core }) => {
            signal_to_fb(signal) & 0x7f | if core { 0x80 } else { 0 }
        }
        ChildEvent::Stopped(signal) => 0x7f | (signal_to_fb(signal) & 0xff) << 8,
        // Never asked for (4.x has no WCONTINUED); FreeBSD 5's status word for it.
        ChildEvent::Continued => 0xffff,
    }
}

fn sys_wait4(task: &mut Task, a: fb::Wait4Args) -> SysResult {
    if a.options.bits() & !fb::wait_options::all().bits() != 0 {
        return Err(errno::EINVAL);
    }
    let which = match a.pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(task.process.pgid()),
        p if p > 0 => WaitFor::Pid(Pid(p.unsigned_abs())),
        g => WaitFor::Group(Pid(g.unsigned_abs())),
    };
    let options = process::WaitOptions {
        no_hang: a.options.contains(fb::wait_options::WNOHANG),
        untraced: a.options.contains(fb::wait_options::WUNTRACED),
        // WCONTINUED came with FreeBSD 5.
        continued: false,
        clone_children: a.options.contains(fb::wait_options::WLINUXCLONE),
    };
    match process::wait_child_usage(&task.process, which, options) {
        Ok(Some((pid, event, used))) => {
            if !a.status.is_null() {
                task.write_val(a.status.addr(), &wait_status(event))
                    .map_err(fault)?;
            }
            if !a.rusage.is_null() {
                task.write_val(a.rusage.addr(), &rusage_of(used))
                    .map_err(fault)?;
            }
            Ok(Ret::word(u64::from(pid.0)))
        }
        Ok(None) => Ok(Ret::word(0)),
        Err(WaitError::NoChildren) => Err(errno::ECHILD),
        Err(WaitError::Interrupted) => Err(errno::EINTR),
    }
}

/// Waits for any child to end (owait): its pid and wait status word.
pub(crate) fn wait_any(task: &Task) -> Result<(u32, i32), i32> {
    let options = process::WaitOptions {
        no_hang: false,
        untraced: false,
        continued: false,
        clone_children: false,
    };
    match process::wait_child(&task.process, WaitFor::Any, options) {
        Ok(Some((pid, event))) => Ok((pid.0, wait_status(event))),
        Ok(None) => Ok((0, 0)),
        Err(WaitError::NoChildren) => Err(errno::ECHILD),
        Err(WaitError::Interrupted) => Err(errno::EINTR),
    }
}

/// getpid: the pid in eax, and (COMPAT_43) the parent's in edx.
fn sys_getpid(task: &mut Task, _: fb::GetpidArgs) -> SysResult {
    let p = &task.process;
    Ok(Ret::Pair(
        u64::from(p.pid.0) | u64::from(p.parent().0) << 32,
    ))
}

fn sys_getppid(task: &mut Task, _: fb::GetppidArgs) -> SysResult {
    Ok(Ret::word(u64::from(task.process.parent().0)))
}

fn sys_kill(task: &mut Task, a: fb::KillArgs) -> SysResult {
    let signal = match a.signum {
        0 => None,
        n => Some(signal_from_fb(n).ok_or(errno::EINVAL)?),
    };
    // 4.x's killpg1 skips the group members the caller may not signal and says ESRCH
    // when none is left; only a single process refuses with EPERM.
    calls::kill(task, a.pid, signal).map_err(|e| match e {
        GroupError::NotPermitted if a.pid <= 0 => errno::ESRCH,
        e => group_errno(e),
    })?;
    Ok(Ret::word(0))
}

const PAGE: u64 = 4096;
/// `MAXDSIZ`: the data segment may grow this far, and mmap starts above it.
pub(crate) const MAXDSIZ: u64 = 512 * 1024 * 1024;
/// `DFLDSIZ`: the default RLIMIT_DATA the break may reach.
pub(crate) const DFLDSIZ: u64 = 128 * 1024 * 1024;
/// The personality-state key of `vm_daddr`, the page the data segment starts at (set
/// at exec from the image, see `FreeBsd4::initial_state`).
pub(crate) const DATA_START: &str = "fb4.vm_daddr";
/// The personality value holding `vm_taddr`.
pub(crate) const TEXT_START: &str = "fb4.vm_taddr";

/// `vm_daddr` of the running image (the break's start if it is somehow unknown).
pub(crate) fn data_start(task: &Task) -> u64 {
    match task.process.personality_value(DATA_START) {
        0 => task.process.brk().0,
        d => d,
    }
}

/// `obreak`: the break moves to `round_page(nsize)`. Below the data segment's start is
/// EINVAL; RLIMIT_DATA counts from that start (`new - base > rlim_cur` is ENOMEM, as
/// is reaching into the stack). Returns 0: libc keeps the break itself.
///
/// 4.x would also shrink the break into the loaded data segment itself (unmapping
/// initialised data); that is refused here with EINVAL, as below the segment.
fn sys_break(task: &mut Task, a: fb::BreakArgs) -> SysResult {
    let base = data_start(task).next_multiple_of(PAGE);
    let (image_end, _) = task.process.brk();
    let new = a.nsize.next_multiple_of(PAGE);
    if new < base.max(image_end) {
        return Err(errno::EINVAL);
    }
    let limit = crate::sysctl::data_limit(task);
    if new - base > limit || new >= u64::from(USRSTACK) - crate::sysctl::stack_limit(task) {
        return Err(errno::ENOMEM);
    }
    // The limit is checked above, from vm_daddr; the core's is from the image's end.
    let (_, old) = task.process.brk();
    task.process
        .set_brk(new, u64::MAX)
        .map_err(|_| errno::ENOMEM)?;
    crate::memlock::lock_if_future(task, old.next_multiple_of(PAGE), new);
    Ok(Ret::word(0))
}

fn protection(prot: fb::prot) -> Protection {
    // On i386 every readable page is executable, and 4.x code relies on it.
    let read = prot.intersects(fb::prot::PROT_READ | fb::prot::PROT_EXEC);
    Protection {
        read,
        write: prot.contains(fb::prot::PROT_WRITE),
        execute: read,
    }
}

/// 4.x `mmap` says EINVAL for a descriptor that is not a regular file or device.
fn map_errno(e: MapError) -> i32 {
    match e {
        MapError::Invalid | MapError::Exists | MapError::NotMappable => errno::EINVAL,
        MapError::NoMemory => errno::ENOMEM,
        MapError::AccessDenied => errno::EACCES,
        MapError::BadDescriptor => errno::EBADF,
    }
}

/// mmap (197, reached through `__syscall`), as 4.x's vm_mmap.c `mmap` and `vm_mmap`:
/// - a length of 2 GiB or more (negative as an ssize_t) is EINVAL;
/// - a negative offset maps pages past the file's end (see [`file_offset`]);
/// - an offset inside a page maps from that page and returns the address of the
///   offset's byte (`pageoff`); a MAP_FIXED address must sit at the same page offset
///   and end at or below USRSTACK;
/// - without MAP_FIXED a hint of 0, or one from the text's start up to
///   `round_page(vm_daddr + MAXDSIZ)`, moves there; any other hint is where the first
///   fit upwards starts;
/// - a length that rounds to nothing (0 with the offset at a page start) maps nothing
///   and returns the address the mapping would have had, once the descriptor passes
///   its checks: `vm_mmap` returns success for size 0 (FreeBSD refused it only from
///   8.x on, and only for binaries built for those).
pub(crate) fn sys_mmap(task: &mut Task, a: fb::MmapArgs) -> SysResult {
    use fb::map_flags as F;
    if i32::try_from(a.len).is_err() {
        return Err(errno::EINVAL);
    }
    let shared = a.flags.contains(F::MAP_SHARED);
    let pageoff = a.pos.cast_unsigned() & (PAGE - 1);
    let file = if a.flags.contains(F::MAP_ANON) {
        if a.fd != -1 {
            return Err(errno::EINVAL);
        }
        None
    } else {
        Some((i64::from(a.fd), file_offset(a.pos) - pageoff))
    };
    if a.flags.contains(F::MAP_STACK)
        && (a.fd != -1 || !a.prot.contains(fb::prot::PROT_READ | fb::prot::PROT_WRITE))
    {
        return Err(errno::EINVAL);
    }
    let len = (u64::from(a.len) + pageoff).next_multiple_of(PAGE);
    let fixed = a.flags.contains(F::MAP_FIXED);
    let floor = (data_start(task) + MAXDSIZ).next_multiple_of(PAGE);
    let text = task
        .process
        .personality_value(TEXT_START)
        .next_multiple_of(PAGE);
    let addr = if fixed {
        let addr = a.addr.checked_sub(pageoff).ok_or(errno::EINVAL)?;
        if !addr.is_multiple_of(PAGE) || addr + len > u64::from(USRSTACK) {
            return Err(errno::EINVAL);
        }
        addr
    } else if a.addr == 0 || (text..floor).contains(&a.addr) {
        floor
    } else {
        a.addr
    };
    let request = MapRequest {
        addr,
        len,
        prot: protection(a.prot),
        shared,
        fixed,
        no_replace: false,
        file,
        // The first fit starts at a hint below the text, else past the heap.
        floor: floor.min(addr.next_multiple_of(PAGE)),
        ceiling: if fixed {
            u64::from(USRSTACK)
        } else {
            u64::from(USRSTACK) - crate::sysctl::stack_limit(task)
        },
    };
    if len == 0 {
        calls::check_file_mapping(task, &request).map_err(map_errno)?;
        return Ok(Ret::word(addr + pageoff));
    }
    let start = calls::mmap(task, request).map_err(map_errno)?;
    crate::memlock::lock_if_future(task, start, start + len);
    Ok(Ret::word(start + pageoff))
}

/// Where in the file a mapping at `pos` starts. 4.x's mmap does not check the sign: a
/// negative offset is a page index no file reaches, so its pages are past the end for
/// good (SIGBUS when touched). Such an offset keeps its low bits, above any file's
/// end (the top bit cleared leaves it past 2^62, and room above for any length).
fn file_offset(pos: i64) -> u64 {
    if pos >= 0 {
        pos.cast_unsigned()
    } else {
        pos.cast_unsigned() & !(1 << 63)
    }
}

/// The whole pages holding `len` bytes at `addr`, as 4.x's munmap and mprotect take
/// them (an address inside a page, as mmap may return, is rounded down).
fn whole_pages(addr: u64, len: u32) -> (u64, u64) {
    let pageoff = addr & (PAGE - 1);
    (addr - pageoff, u64::from(len) + pageoff)
}

/// munmap: nothing to do for a zero length (4.x returns 0); a range past USRSTACK, or
/// with any page not mapped, is EINVAL and nothing is unmapped (vm_mmap.c: "Make sure
/// entire range is allocated", the check 4.x's munmap makes before vm_map_remove).
fn sys_munmap(task: &mut Task, a: fb::MunmapArgs) -> SysResult {
    let (addr, len) = whole_pages(a.addr, a.len);
    if len == 0 {
        return Ok(Ret::word(0));
    }
    let end = addr + len.next_multiple_of(PAGE);
    if end > u64::from(USRSTACK) || !calls::all_mapped(task, addr, end) {
        return Err(errno::EINVAL);
    }
    calls::munmap(task, addr, len, u64::from(USRSTACK)).map_err(map_errno)?;
    Ok(Ret::word(0))
}

/// mprotect as 4.x's `mprotect` and `vm_map_protect` do it: the range is whole pages
/// (32-bit, so one that wraps is EINVAL), clipped to the user map (USRSTACK), and only
/// its mapped pages change: holes are passed over and an unmapped range succeeds.
/// Write access a mapping cannot have is EACCES, before anything changes.
fn sys_mprotect(task: &mut Task, a: fb::MprotectArgs) -> SysResult {
    let (addr, len) = whole_pages(a.addr, a.len);
    // vm_size_t is 32 bits: a length rounding up past 4 GiB wraps to a short one.
    let len = len.next_multiple_of(PAGE) & u64::from(u32::MAX);
    let end = addr + len;
    if end > 1 << 32 {
        return Err(errno::EINVAL);
    }
    let end = end.min(u64::from(USRSTACK));
    calls::protect_mapped(task, addr.min(end), end, protection(a.prot)).map_err(map_errno)?;
    Ok(Ret::word(0))
}

/// There is one page cache: nothing to write back. msync checks its arguments as 4.x
/// does: MS_ASYNC with MS_INVALIDATE is EINVAL, the address is rounded down to its
/// page, and an unmapped range is EINVAL.
fn sys_msync(task: &mut Task, a: fb::MsyncArgs) -> SysResult {
    use fb::msync_flags as M;
    if a.flags.contains(M::MS_ASYNC) && a.flags.contains(M::MS_INVALIDATE) {
        return Err(errno::EINVAL);
    }
    let addr = a.addr & !(PAGE - 1);
    let len = a.addr - addr + u64::from(a.len);
    if a.len == 0 {
        return Ok(Ret::word(0));
    }
    let (start, end) = calls::page_range(addr, len, u64::from(USRSTACK)).ok_or(errno::EINVAL)?;
    if !calls::all_mapped(task, start, end) {
        return Err(errno::EINVAL);
    }
    Ok(Ret::word(0))
}

/// NetBSD's msync (277): 4.x's own (65) under the number NetBSD gave it.
fn sys_netbsd_msync(task: &mut Task, a: fb::NetbsdMsyncArgs) -> SysResult {
    let flags = fb::msync_flags::from_bits(a.flags).ok_or(errno::EINVAL)?;
    sys_msync(
        task,
        fb::MsyncArgs {
            addr: a.addr,
            len: a.len,
            flags,
        },
    )
}

/// sbrk and sstk (69, 70) were never implemented in 4.x, whose kernel answers both
/// with EOPNOTSUPP (libc's sbrk is built on break, 17).
fn sys_sbrk(_: &mut Task, _: fb::SbrkArgs) -> SysResult {
    Err(errno::EOPNOTSUPP)
}

fn sys_sstk(_: &mut Task, _: fb::SstkArgs) -> SysResult {
    Err(errno::EOPNOTSUPP)
}

/// vadvise (72, the old ovadvise): 4.x refuses every advice with EINVAL.
fn sys_vadvise(_: &mut Task, _: fb::VadviseArgs) -> SysResult {
    Err(errno::EINVAL)
}

/// madvise is advice: the range is checked and nothing else is done (pages are not
/// paged out here, so there is nothing to act on).
/// `MINCORE_INCORE` (`sys/mman.h`).
const MINCORE_INCORE: u8 = 1;

/// mincore: a byte per page, MINCORE_INCORE for pages in memory and 0 for others,
/// unmapped ones included (4.x zero-fills the gaps rather than failing); a range past
/// the user space is EINVAL. The referenced and modified bits 4.x reads from the page
/// tables are not reported.
fn sys_mincore(task: &mut Task, a: fb::MincoreArgs) -> SysResult {
    let pages = calls::residency(task, a.addr, u64::from(a.len), u64::from(USRSTACK))
        .ok_or(errno::EINVAL)?;
    let bytes: Vec<u8> = pages
        .iter()
        .map(|&r| if r { MINCORE_INCORE } else { 0 })
        .collect();
    task.write_bytes(a.vec.addr(), &bytes).map_err(fault)?;
    Ok(Ret::word(0))
}

fn sys_madvise(_: &mut Task, a: fb::MadviseArgs) -> SysResult {
    let addr = a.addr;
    let end = addr.checked_add(u64::from(a.len)).ok_or(errno::EINVAL)?;
    if end > u64::from(USRSTACK) {
        return Err(errno::EINVAL);
    }
    Ok(Ret::word(0))
}

fn group_errno(e: GroupError) -> i32 {
    match e {
        GroupError::NoSuchProcess => errno::ESRCH,
        GroupError::NotPermitted => errno::EPERM,
        GroupError::ChildExeced => errno::EACCES,
    }
}

/// The process a pid argument names (negative pids name none in 4.x: ESRCH).
pub(crate) fn target(task: &Task, pid: i32) -> Result<alloc::sync::Arc<process::Process>, i32> {
    let pid = u32::try_from(pid).map_err(|_| errno::ESRCH)?;
    calls::target_process(task, pid).map_err(group_errno)
}

fn sys_setpgid(task: &mut Task, a: fb::SetpgidArgs) -> SysResult {
    let pid = u32::try_from(a.pid).map_err(|_| errno::ESRCH)?;
    let pgid = u32::try_from(a.pgid).map_err(|_| errno::EINVAL)?;
    calls::set_pgid(task, pid, pgid).map_err(group_errno)?;
    Ok(Ret::word(0))
}

fn sys_getpgid(task: &mut Task, a: fb::GetpgidArgs) -> SysResult {
    Ok(Ret::word(u64::from(target(task, a.pid)?.pgid().0)))
}

fn sys_setsid(task: &mut Task, _: fb::SetsidArgs) -> SysResult {
    let old = task.process.sid().0;
    let sid = calls::set_sid(task).map_err(group_errno)?;
    crate::sysctl::session_started(old, sid);
    Ok(Ret::word(u64::from(sid)))
}

fn sys_getpgrp(task: &mut Task, _: fb::GetpgrpArgs) -> SysResult {
    Ok(Ret::word(u64::from(task.process.pgid().0)))
}

fn sys_getsid(task: &mut Task, a: fb::GetsidArgs) -> SysResult {
    Ok(Ret::word(u64::from(target(task, a.pid)?.sid().0)))
}

/// nanosleep (4.x kern_time.c): the request copied in, then `rmtp` checked for
/// writing before any sleep (useracc: EFAULT at once); a nanosecond count out of range
/// is EINVAL, and a negative or zero time returns at once. The time left goes to
/// `rmtp` only when a signal ends the sleep.
fn sys_nanosleep(task: &mut Task, a: fb::NanosleepArgs) -> SysResult {
    let req: fb::timespec = task.read_val(a.rqtp.addr()).map_err(fault)?;
    let rem_size = core::mem::size_of::<fb::timespec>() as u64;
    if !a.rmtp.is_null()
        && !crate::sysctl::user_range_accessible(task, a.rmtp.addr(), rem_size, true)
    {
        return Err(errno::EFAULT);
    }
    if !(0..1_000_000_000).contains(&req.tv_nsec) {
        return Err(errno::EINVAL);
    }
    if req.tv_sec < 0 {
        return Ok(Ret::word(0));
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
    if left > 0 {
        if !a.rmtp.is_null() {
            let rem = fb::timespec {
                tv_sec: (left / 1_000_000_000) as i32,
                tv_nsec: (left % 1_000_000_000) as i32,
            };
            task.write_val(a.rmtp.addr(), &rem).map_err(fault)?;
        }
        return Err(errno::EINTR);
    }
    Ok(Ret::word(0))
}

fn now() -> (u64, u32) {
    nymph_kernel::time::realtime()
}

/// The kernel's time zone (4.x's `tz`): settimeofday sets it, gettimeofday reports
/// it; nothing in the kernel reads it (localtime has its own).
static TIME_ZONE: nymph_kernel::sync::Mutex<fb::timezone> =
    nymph_kernel::sync::Mutex::new(fb::timezone {
        tz_minuteswest: 0,
        tz_dsttime: 0,
    });

fn sys_gettimeofday(task: &mut Task, a: fb::GettimeofdayArgs) -> SysResult {
    if !a.tp.is_null() {
        let (sec, ns) = now();
        let tv = fb::timeval {
            tv_sec: sec as i32,
            tv_usec: (ns / 1000) as i32,
        };
        task.write_val(a.tp.addr(), &tv).map_err(fault)?;
    }
    if !a.tzp.is_null() {
        let tz = *TIME_ZONE.lock();
        task.write_val(a.tzp.addr(), &tz).map_err(fault)?;
    }
    Ok(Ret::word(0))
}

/// 4.x has only CLOCK_REALTIME (and the two profiling clocks it refuses here).
fn sys_clock_gettime(task: &mut Task, a: fb::ClockGettimeArgs) -> SysResult {
    if a.clock_id != 0 {
        return Err(errno::EINVAL);
    }
    let (sec, ns) = now();
    let ts = fb::timespec {
        tv_sec: sec as i32,
        tv_nsec: ns as i32,
    };
    task.write_val(a.tp.addr(), &ts).map_err(fault)?;
    Ok(Ret::word(0))
}

/// clock_settime: root only (EPERM, checked first, as kern_time.c does), then
/// CLOCK_REALTIME only and a nanosecond field within a second (EINVAL).
fn sys_clock_settime(task: &mut Task, a: fb::ClockSettimeArgs) -> SysResult {
    // kern_time.c: plain suser (a jailed root may not set the clock).
    suser(task, Jail::Refused)?;
    if a.clock_id != 0 {
        return Err(errno::EINVAL);
    }
    let ts: fb::timespec = task.read_val(a.tp.addr()).map_err(fault)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(errno::EINVAL);
    }
    nymph_kernel::time::set_realtime(ts.tv_sec as u64, ts.tv_nsec as u32);
    Ok(Ret::word(0))
}

/// clock_getres: the clocks clock_gettime knows (4.x's CLOCK_REALTIME), whose
/// resolution here is a nanosecond (the clock is interpolated from the TSC).
fn sys_clock_getres(task: &mut Task, a: fb::ClockGetresArgs) -> SysResult {
    if a.clock_id != 0 {
        return Err(errno::EINVAL);
    }
    if !a.tp.is_null() {
        let ts = fb::timespec {
            tv_sec: 0,
            tv_nsec: 1,
        };
        task.write_val(a.tp.addr(), &ts).map_err(fault)?;
    }
    Ok(Ret::word(0))
}

fn timeval(ns: u64) -> fb::neutral::Timeval {
    fb::neutral::Timeval {
        sec: (ns / 1_000_000_000) as i64,
        usec: (ns % 1_000_000_000 / 1000) as i64,
    }
}

/// A 4.x `struct rusage`: CPU times, minor faults, the largest resident set in KiB, the
/// size integrals (KiB-ticks), the context switches, the socket messages and the
/// signals caught. The counters of what
/// is not here (disk blocks, swaps, System V shared memory) read 0.
pub(crate) fn rusage_of(used: process::Usage) -> fb::rusage {
    let n = fb::neutral::Rusage {
        msgsnd: used.messages_sent as i64,
        msgrcv: used.messages_received as i64,
        utime: timeval(used.user_ns),
        stime: timeval(used.system_ns),
        maxrss: (used.max_resident_pages * 4) as i64,
        minflt: used.minor_faults as i64,
        nvcsw: used.voluntary_switches as i64,
        nivcsw: used.involuntary_switches as i64,
        nsignals: used.signals as i64,
        ixrss: used.size_integrals[0] as i64,
        idrss: used.size_integrals[1] as i64,
        isrss: used.size_integrals[2] as i64,
        ..fb::neutral::Rusage::ZERO
    };
    fb::rusage::from_neutral(&n, &crate::convert::FREEBSD4)
        .unwrap_or_else(|_| <fb::rusage as zerocopy::FromZeros>::new_zeroed())
}

/// getrusage: user and system CPU time of the process or of its reaped children.
fn sys_getrusage(task: &mut Task, a: fb::GetrusageArgs) -> SysResult {
    let used = match a.who {
        fb::rusage_who::RUSAGE_SELF => task.process.usage(),
        fb::rusage_who::RUSAGE_CHILDREN => task.process.children_usage(),
    };
    task.write_val(a.rusage.addr(), &rusage_of(used))
        .map_err(fault)?;
    Ok(Ret::word(0))
}

/// A timer's clock: ITIMER_REAL 0, ITIMER_VIRTUAL 1, ITIMER_PROF 2.
fn timer_which(which: u32) -> Result<timer::Which, i32> {
    match which {
        0 => Ok(timer::Which::Real),
        1 => Ok(timer::Which::Virtual),
        2 => Ok(timer::Which::Profiling),
        _ => Err(errno::EINVAL),
    }
}

/// One clock tick (10 ms at 4.x's HZ 100): `itimerfix` rounds a set, non-zero time
/// up to it.
const TICK_US: i64 = 10_000;

/// The longest time `itimerfix` takes, in seconds.
const MAX_TIMER_SECONDS: i32 = 100_000_000;

/// A timeval as nanoseconds, as `itimerfix` accepts it (EINVAL when negative, past
/// 100,000,000 seconds, or with a microsecond field out of range).
fn timer_ns(tv: &fb::timeval) -> Result<u64, i32> {
    if !(0..=MAX_TIMER_SECONDS).contains(&tv.tv_sec) || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(errno::EINVAL);
    }
    let mut usec = i64::from(tv.tv_sec) * 1_000_000 + i64::from(tv.tv_usec);
    if usec != 0 && usec < TICK_US {
        usec = TICK_US;
    }
    Ok(usec as u64 * 1000)
}

fn itimerval(t: timer::Setting) -> fb::itimerval {
    let tv = |ns: u64| fb::timeval {
        tv_sec: (ns / 1_000_000_000) as i32,
        tv_usec: (ns % 1_000_000_000 / 1000) as i32,
    };
    fb::itimerval {
        it_interval: tv(t.interval_ns),
        it_value: tv(t.value_ns),
    }
}

fn sys_getitimer(task: &mut Task, a: fb::GetitimerArgs) -> SysResult {
    let which = timer_which(a.which)?;
    let now = timer::get(&task.process, which);
    task.write_val(a.itv.addr(), &itimerval(now))
        .map_err(fault)?;
    Ok(Ret::word(0))
}

/// setitimer in 4.x's order (kern_time.c): the new value copied in; the old one
/// written out (its getitimer: EFAULT with nothing set); with no new value, done; then
/// the new value checked (EINVAL with the old one written already), its interval only
/// when the value is set (a zero value clears the interval, whatever it holds).
fn sys_setitimer(task: &mut Task, a: fb::SetitimerArgs) -> SysResult {
    let which = timer_which(a.which)?;
    let new = if a.itv.is_null() {
        None
    } else {
        Some(
            task.read_val::<fb::itimerval>(a.itv.addr())
                .map_err(fault)?,
        )
    };
    if !a.oitv.is_null() {
        let now = timer::get(&task.process, which);
        task.write_val(a.oitv.addr(), &itimerval(now))
            .map_err(fault)?;
    }
    let Some(new) = new else {
        return Ok(Ret::word(0));
    };
    let value_ns = timer_ns(&new.it_value)?;
    let interval_ns = if value_ns == 0 {
        0
    } else {
        timer_ns(&new.it_interval)?
    };
    timer::set(
        &task.process,
        which,
        timer::Setting {
            value_ns,
            interval_ns,
        },
    );
    Ok(Ret::word(0))
}

/// settimeofday: root only; the time zone is not kept (4.x kept it for compatibility
/// only, and nothing reads it back but gettimeofday, which reports UTC).
fn sys_settimeofday(task: &mut Task, a: fb::SettimeofdayArgs) -> SysResult {
    // kern_time.c: plain suser (a jailed root may not set the clock).
    suser(task, Jail::Refused)?;
    // Everything is read and checked before anything is set (kern_time.c).
    let tv = if a.tv.is_null() {
        None
    } else {
        let tv: fb::timeval = task.read_val(a.tv.addr()).map_err(fault)?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(errno::EINVAL);
        }
        Some(tv)
    };
    let tz = if a.tzp.is_null() {
        None
    } else {
        Some(task.read_val::<fb::timezone>(a.tzp.addr()).map_err(fault)?)
    };
    if let Some(tv) = tv {
        nymph_kernel::time::set_realtime(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    }
    if let Some(tz) = tz {
        *TIME_ZONE.lock() = tz;
    }
    Ok(Ret::word(0))
}

/// profil as 4.x's subr_prof.c: a scale above 1.0 (0x10000) is EINVAL, 0 stops the
/// profiling, anything else (re)starts it into the buffer given. Nothing of the buffer
/// is checked here: the clock's ticks in user mode count into it, and one it cannot
/// write stops the profiling then (addupc_task), with no signal.
fn sys_profil(task: &mut Task, a: fb::ProfilArgs) -> SysResult {
    use nymph_kernel::process::profile::{self, Profile};
    if a.scale > 0x10000 {
        return Err(errno::EINVAL);
    }
    let profile = (a.scale != 0).then(|| Profile {
        base: a.samples.addr(),
        size: u64::from(a.size),
        offset: u64::from(a.offset),
        scale: a.scale,
    });
    profile::set(&task.process, profile);
    Ok(Ret::word(0))
}

/// `tickadj`, the microseconds per tick adjtime moves the clock by: 4.x's
/// `howmany(30000, 60 * hz)` (subr_param.c: "can adjust 30ms in 60s"), 5 at hz 100.
pub(crate) fn tickadj() -> i32 {
    let hz = nymph_kernel::time::hz().max(1);
    30_000_u32.div_ceil(60 * hz) as i32
}

/// `bigadj`: past a second of correction, adjtime steps ten times faster.
const BIGADJ: i32 = 1_000_000;

/// adjtime as 4.x's kern_time.c does it: root only (EPERM before anything is read);
/// the correction is `tv_sec * 1000000 + tv_usec` in a 32-bit long (wrapping as 4.x's
/// does), cut to a whole number of steps of `tickadj` microseconds, ten times that
/// past `bigadj`, and the wall clock moves one step a tick until it is all applied. It
/// replaces any correction under way; what was left of that one is written to
/// `olddelta`, whose copyout error 4.x ignores.
fn sys_adjtime(task: &mut Task, a: fb::AdjtimeArgs) -> SysResult {
    // kern_time.c: plain suser (a jailed root may not set the clock).
    suser(task, Jail::Refused)?;
    let tv: fb::timeval = task.read_val(a.delta.addr()).map_err(fault)?;
    let mut delta = tv.tv_sec.wrapping_mul(1_000_000).wrapping_add(tv.tv_usec);
    let step = if !(-BIGADJ..=BIGADJ).contains(&delta) {
        10 * tickadj()
    } else {
        tickadj()
    };
    delta = delta / step * step;
    let left = nymph_kernel::time::slew(
        i64::from(delta) * 1000,
        u64::from(step.unsigned_abs()) * 1000,
    );
    if !a.olddelta.is_null() {
        // Whole microseconds: every step is.
        let left = (left / 1000) as i32;
        let old = fb::timeval {
            tv_sec: left / 1_000_000,
            tv_usec: left % 1_000_000,
        };
        let _ignored = task.write_val(a.olddelta.addr(), &old);
    }
    Ok(Ret::word(0))
}

/// getpriority: the lowest nice value of the processes named (PRIO_PROCESS 0,
/// PRIO_PGRP 1, PRIO_USER 2); a negative value is a result, not an error.
fn sys_getpriority(task: &mut Task, a: fb::GetpriorityArgs) -> SysResult {
    let target = priority_target(a.which, a.who)?;
    let nice = calls::get_priority(task, target).map_err(priority_errno)?;
    Ok(Ret::word(nice as u32 as u64))
}

/// setpriority: clamped to -20..20; others' processes EPERM, lowering without root
/// EACCES (4.x's donice).
fn sys_setpriority(task: &mut Task, a: fb::SetpriorityArgs) -> SysResult {
    let target = priority_target(a.which, a.who)?;
    calls::set_priority(task, target, a.prio).map_err(priority_errno)?;
    Ok(Ret::word(0))
}

/// The processes a priority call names; a negative `who` names none (ESRCH).
fn priority_target(which: i32, who: i32) -> Result<calls::PriorityTarget, i32> {
    use calls::PriorityTarget as T;
    let who = u32::try_from(who).map_err(|_| errno::ESRCH)?;
    match which {
        0 => Ok(T::Process(who)),
        1 => Ok(T::Group(who)),
        2 => Ok(T::User(who)),
        _ => Err(errno::EINVAL),
    }
}

fn priority_errno(e: calls::PriorityError) -> i32 {
    match e {
        calls::PriorityError::NoSuchProcess => errno::ESRCH,
        calls::PriorityError::NotPermitted => errno::EPERM,
        calls::PriorityError::AccessDenied => errno::EACCES,
    }
}

fn sys_sched_yield(_: &mut Task, _: fb::SchedYieldArgs) -> SysResult {
    nymph_kernel::sched::yield_now();
    Ok(Ret::word(0))
}

fn sys_yield(_: &mut Task, _: fb::YieldArgs) -> SysResult {
    nymph_kernel::sched::yield_now();
    Ok(Ret::word(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_matches_the_spec() {
        let mismatches: Vec<_> = HANDLERS.coverage_mismatches().collect();
        assert!(
            mismatches.is_empty(),
            "spec and handlers disagree: {mismatches:#?}"
        );
    }

    #[test]
    fn wait_status_words_are_the_traditional_ones() {
        assert_eq!(
            wait_status(ChildEvent::Exited(ExitStatus::Exited(3))),
            0x300
        );
        let bus = ChildEvent::Exited(ExitStatus::Signaled {
            signal: Signal::Bus,
            core: true,
        });
        assert_eq!(wait_status(bus), 10 | 0x80);
        assert_eq!(
            wait_status(ChildEvent::Stopped(Signal::Tstp)),
            0x7f | 18 << 8
        );
    }
}
