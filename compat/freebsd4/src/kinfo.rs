//! kern.proc's process table as 4.x's ps reads it through libkvm: an array of 4.x's
//! `struct kinfo_proc` (sys/user.h 1.24.2.1), a whole i386 `struct proc` (sys/proc.h
//! 1.99.2.9: 412 bytes, `p_fdtol` included, as in 4.8-STABLE, __FreeBSD_version
//! 480101, and later 4.x) and `struct eproc` (652 bytes): 1064 bytes each, which
//! libkvm divides the answer by. The offsets below were worked out from those headers
//! (DragonFly's import of 4.8, unchanged there) with an i386 compiler.
//!
//! What 4.x's `fill_eproc` and the proc fields hold is filled from the core's view of
//! the process; kernel addresses (p_wchan, e_paddr, e_sess...), which ps only tests
//! for null or compares with each other, are stand-ins derived from the ids, never
//! null where 4.x's are not.

use crate::fb::errno;
use crate::signals::to_sigset;
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_kernel::process::{self, Pid, Process, prison};
use zerocopy::IntoBytes;

/// `sizeof(struct kinfo_proc)` and where its `kp_eproc` starts.
pub(crate) const KINFO_PROC_SIZE: usize = 1064;
const EPROC: usize = 412;

/// `p_stat` values.
pub(crate) const SRUN: u8 = 2;
const SSLEEP: u8 = 3;
const SSTOP: u8 = 4;
const SZOMB: u8 = 5;

/// `p_flag` bits.
const P_CONTROLT: u32 = 0x2;
const P_INMEM: u32 = 0x4;
const P_SINTR: u32 = 0x80;
const P_SUGID: u32 = 0x100;
const P_TRACED: u32 = 0x800;
const P_WEXIT: u32 = 0x2000;
const P_EXEC: u32 = 0x4000;
const P_JAILED: u32 = 0x100_0000;

/// `e_flag` bits.
const EPROC_CTTY: u32 = 0x1;
const EPROC_SLEADER: u32 = 0x2;

/// No device (NOUDEV), and no foreground group (NO_PID).
const NOUDEV: u32 = 0xffff_ffff;
pub(crate) const NO_PID: u32 = 100_000;

/// 4.x's PUSER: the priority user processes start from.
const PUSER: i32 = 50;

/// Where the stand-in kernel addresses live: i386 KERNBASE and above.
const FAKE_PROC: u32 = 0xc100_0000;
const FAKE_SESSION: u32 = 0xc200_0000;
const FAKE_PGRP: u32 = 0xc300_0000;
const FAKE_WCHAN: u32 = 0xc400_0000;
const FAKE_OTHER: u32 = 0xc500_0000;

/// The stand-in address of process `pid`'s struct proc.
pub(crate) fn proc_address(pid: Pid) -> u32 {
    FAKE_PROC + pid.0 * 0x400
}

/// The stand-in address of session `sid`'s struct session.
pub(crate) fn session_address(sid: Pid) -> u32 {
    FAKE_SESSION + sid.0 * 0x40
}

/// The stand-in address of process group `pgid`'s struct pgrp.
pub(crate) fn pgrp_address(pgid: Pid) -> u32 {
    FAKE_PGRP + pgid.0 * 0x40
}

/// The group (true) or session whose stand-in struct `address` lies in, and the
/// offset into it: inside the 28 bytes of a struct pgrp or the 40 of a struct session.
pub(crate) fn stand_in_id(address: u32) -> Option<(Pid, usize, bool)> {
    for (base, size, group) in [(FAKE_PGRP, 28, true), (FAKE_SESSION, 40, false)] {
        let rel = address.wrapping_sub(base);
        if rel < FAKE_PGRP - FAKE_SESSION && rel % 0x40 < size {
            return Some((Pid(rel / 0x40), (rel % 0x40) as usize, group));
        }
    }
    None
}

/// The kern.proc ops (sys/sysctl.h KERN_PROC_*).
const KERN_PROC_ALL: i32 = 0;
const KERN_PROC_PID: i32 = 1;
const KERN_PROC_PGRP: i32 = 2;
const KERN_PROC_TTY: i32 = 4;
const KERN_PROC_UID: i32 = 5;
const KERN_PROC_RUID: i32 = 6;

/// kern.proc.`op` as 4.x's `sysctl_kern_proc`: ALL takes no more names, the others one
/// (EINVAL otherwise); PID finds a live process only (none: no records, success); the
/// others walk every process, zombies too. A prisoner sees its prison's. Asked for the
/// size (no buffer), 4.x adds room for five more.
pub(crate) fn proc_table(
    task: &nymph_kernel::process::Task,
    size_only: bool,
    op: i32,
    rest: &[i32],
) -> Result<Vec<u8>, i32> {
    let arg = match (op, rest) {
        (KERN_PROC_ALL, []) => 0,
        (KERN_PROC_ALL, _) => return Err(errno::EINVAL),
        (_, &[arg]) => arg,
        _ => return Err(errno::EINVAL),
    };
    let viewer = &task.process;
    let chosen: Vec<Arc<Process>> = if op == KERN_PROC_PID {
        u32::try_from(arg)
            .ok()
            .and_then(|p| process::find(Pid(p)))
            .filter(|p| !p.has_exited())
            .into_iter()
            .collect()
    } else {
        process::all()
            .into_iter()
            .filter(|p| match op {
                KERN_PROC_PGRP => p.pgid().0 as i32 == arg,
                KERN_PROC_TTY => controlling_device(p) == Some(arg as u32),
                KERN_PROC_UID => p.fs().creds.euid as i32 == arg,
                KERN_PROC_RUID => p.fs().creds.uid as i32 == arg,
                _ => true,
            })
            .collect()
    };
    let chosen: Vec<Arc<Process>> = chosen
        .into_iter()
        .filter(|p| prison::sees(viewer, p))
        .collect();
    let mut out = Vec::with_capacity(chosen.len() * KINFO_PROC_SIZE);
    for p in &chosen {
        out.extend_from_slice(&kinfo_proc(p, viewer));
    }
    if size_only && op != KERN_PROC_PID {
        out.resize(out.len() + 5 * KINFO_PROC_SIZE, 0);
    }
    Ok(out)
}

/// The udev of `p`'s controlling terminal, if its session has one.
fn controlling_device(p: &Process) -> Option<u32> {
    nymph_kernel::tty::controlling(p.sid()).map(|t| nymph_kernel::tty::device_number(t) as u32)
}

/// One record.
fn kinfo_proc(p: &Arc<Process>, viewer: &Arc<Process>) -> [u8; KINFO_PROC_SIZE] {
    let mut k = [0u8; KINFO_PROC_SIZE];
    let mut put = |at: usize, bytes: &[u8]| k[at..at + bytes.len()].copy_from_slice(bytes);
    let pid = p.pid.0;
    let sid = p.sid().0;
    let pgid = p.pgid().0;
    let creds = p.fs().creds;
    let exited = p.has_exited();
    let stopped = p.stopped();
    let thread = p.thread();
    let waiting = thread.and_then(nymph_kernel::sched::is_waiting) == Some(true);
    let wmesg = thread.and_then(nymph_kernel::sched::wait_message);
    let terminal = nymph_kernel::tty::controlling(p.sid());
    let fake_proc = proc_address(Pid(pid));

    // struct proc
    let stat = p_stat(p);
    let mut flag = if exited { P_WEXIT } else { P_INMEM };
    if terminal.is_some() {
        flag |= P_CONTROLT;
    }
    if waiting {
        flag |= P_SINTR;
    }
    if creds.tainted {
        flag |= P_SUGID;
    }
    if p.is_traced() {
        flag |= P_TRACED;
    }
    if process::has_execed(p) {
        flag |= P_EXEC;
    }
    if creds.jailed {
        flag |= P_JAILED;
    }
    put(0, &(fake_proc + 8).to_le_bytes()); // p_procq.tqe_next: non-null
    if !exited {
        // p_fd, p_vmspace and p_textvp: what fstat follows through /dev/kmem.
        put(20, &crate::fstat::filedesc_address(pid).to_le_bytes());
        put(100, &crate::fstat::vmspace_address(pid).to_le_bytes());
        put(228, &crate::fstat::text_address(pid).to_le_bytes());
    }
    put(44, &flag.to_le_bytes());
    put(48, &[stat]);
    put(52, &pid.to_le_bytes());
    let share = thread.and_then(nymph_kernel::sched::cpu_share).unwrap_or(0) as u32;
    put(112, &share.to_le_bytes()); // p_pctcpu: the same fixed point (FSCALE 2048)
    if waiting {
        put(116, &(FAKE_WCHAN + pid * 16).to_le_bytes());
        if wmesg.is_some() {
            put(120, &(FAKE_OTHER + pid * 16).to_le_bytes());
        }
    }
    let (start_sec, start_ns) = p.start_time();
    let now = nymph_kernel::time::realtime().0;
    let age = now.saturating_sub(start_sec) as u32;
    put(124, &age.max(1).to_le_bytes()); // p_swtime: in memory since it started
    let slept = thread
        .and_then(nymph_kernel::sched::sleep_seconds)
        .unwrap_or(0);
    put(128, &slept.to_le_bytes());
    let used = p.usage();
    let micros = |ns: u64| ns / 1000;
    put(148, &micros(used.user_ns + used.system_ns).to_le_bytes()); // p_runtime
    put(156, &micros(used.user_ns).to_le_bytes()); // p_uu
    put(164, &micros(used.system_ns).to_le_bytes()); // p_su
    let (pending, blocked) = (p.pending(), p.blocked());
    put(212, to_sigset(pending).as_bytes());
    // p_oncpu: the caller runs; anyone else waits for the CPU (0xff: none).
    put(233, &[if Arc::ptr_eq(p, viewer) { 0 } else { 0xff }]);
    put(296, to_sigset(blocked).as_bytes());
    let nice = process::nice(p);
    let pri = (PUSER + 2 * nice).clamp(0, 127) as u8;
    put(324, &[pri, pri, nice as i8 as u8]);
    put(327, &crate::core_dump::p_comm(p));
    put(344, &pgrp_address(Pid(pgid)).to_le_bytes());
    put(348, &FAKE_OTHER.to_le_bytes()); // p_sysent
    let rt = crate::sched::rtprio_of(p);
    put(352, rt.as_bytes());
    if creds.jailed {
        put(356, &FAKE_OTHER.to_le_bytes());
    }
    if p.argv().is_some() {
        put(360, &(fake_proc + 0x100).to_le_bytes()); // p_args
    }
    put(364, &(fake_proc + 0x200).to_le_bytes()); // p_addr
    if let Some(signal) = stopped {
        put(
            372,
            &(crate::signals::signal_to_fb(signal) as u16).to_le_bytes(),
        );
    }

    // struct eproc
    let e = EPROC;
    put(e, &fake_proc.to_le_bytes()); // e_paddr
    let fake_session = session_address(Pid(sid));
    put(e + 4, &fake_session.to_le_bytes()); // e_sess
    // e_pcred: pc_ucred, p_ruid, p_svuid, p_rgid, p_svgid, p_refcnt
    put(e + 8, &(fake_proc + 0x300).to_le_bytes());
    for (i, v) in [creds.uid, creds.svuid, creds.gid, creds.svgid, 1]
        .into_iter()
        .enumerate()
    {
        put(e + 12 + 4 * i, &v.to_le_bytes());
    }
    // e_ucred: cr_ref, cr_uid, cr_ngroups, cr_groups[16]
    put(e + 36, &1u32.to_le_bytes());
    put(e + 40, &creds.euid.to_le_bytes());
    let groups = crate::fs::credential_groups(&creds);
    let groups = &groups[..groups.len().min(16)];
    put(e + 44, &(groups.len() as u16).to_le_bytes());
    for (i, g) in groups.iter().enumerate() {
        put(e + 48 + 4 * i, &g.to_le_bytes());
    }
    // e_procsig: ps_sigignore, ps_sigcatch, ps_refcnt
    let (ignored, caught) = crate::signals::ignored_and_caught(p);
    put(e + 116, to_sigset(ignored).as_bytes());
    put(e + 132, to_sigset(caught).as_bytes());
    put(e + 156, &1u32.to_le_bytes());
    if !exited {
        put(e + 160, &vmspace(p)); // e_vm
    }
    // e_stats: p_ru, p_cru (rusage, 72 bytes each), p_start
    put(e + 352, crate::sys::rusage_of(used).as_bytes());
    put(
        e + 424,
        crate::sys::rusage_of(p.children_usage()).as_bytes(),
    );
    put(e + 568, &(start_sec as u32).to_le_bytes());
    put(e + 572, &(start_ns / 1000).to_le_bytes());
    put(e + 576, &p.parent().0.to_le_bytes());
    put(e + 580, &pgid.to_le_bytes());
    let jobc: i16 = if process::group_orphaned(p.pgid()) {
        0
    } else {
        1
    };
    put(e + 584, &jobc.to_le_bytes());
    match terminal {
        Some(t) => {
            put(
                e + 588,
                &(nymph_kernel::tty::device_number(t) as u32).to_le_bytes(),
            );
            let fg = t.foreground_group().map_or(NO_PID, |g| g.0);
            put(e + 592, &fg.to_le_bytes());
            put(e + 596, &fake_session.to_le_bytes());
        }
        None => put(e + 588, &NOUDEV.to_le_bytes()),
    }
    if let Some(message) = wmesg.filter(|_| waiting) {
        let bytes = message.as_bytes();
        put(e + 600, &bytes[..bytes.len().min(7)]);
    }
    let mut eflag = 0u32;
    if terminal.is_some() {
        eflag |= EPROC_CTTY;
    }
    if sid == pid {
        eflag |= EPROC_SLEADER;
    }
    put(e + 620, &eflag.to_le_bytes());
    let login = crate::sysctl::login_of(sid);
    put(e + 624, &login[..login.len().min(19)]);
    k
}

/// The pages of `p`'s mappings, and those it has touched (its resident set, as ps's
/// RSS).
pub(crate) fn page_counts(p: &Process) -> (u64, u64) {
    let (mut mapped, mut resident) = (0, 0);
    let mut from = 0;
    while let Some(r) = p.next_region(from) {
        from = r.end;
        let pages = (r.end - r.start) / 4096;
        mapped += pages;
        if r.touched {
            resident += pages;
        }
    }
    (mapped, resident)
}

/// `p_stat` of a live or exited process: SZOMB, SSTOP, SSLEEP (waiting in the
/// kernel) or SRUN.
pub(crate) fn p_stat(p: &Process) -> u8 {
    if p.has_exited() {
        SZOMB
    } else if p.stopped().is_some() {
        SSTOP
    } else if p.thread().and_then(nymph_kernel::sched::is_waiting) == Some(true) {
        SSLEEP
    } else {
        SRUN
    }
}

/// vm_tsize, vm_dsize and vm_ssize of `p` in pages: text to the data's start, data
/// to the break, and the `stack` pages given (the mapped pages under USRSTACK).
fn segment_pages(p: &Process, stack: u64) -> [u64; 3] {
    const PAGE: u64 = 4096;
    let taddr = p.personality_value(crate::sys::TEXT_START);
    let daddr = p.personality_value(crate::sys::DATA_START);
    let (_, brk) = p.brk();
    [
        daddr.saturating_sub(taddr) / PAGE,
        brk.saturating_sub(daddr).div_ceil(PAGE),
        stack,
    ]
}

/// [`segment_pages`] as statclock adds them to a running process's getrusage
/// integrals each tick (kern_clock.c). The stack is 4.x's first grant, sgrowsiz
/// (128 KiB, vm_ssize after exec), which a program grows past only with a deep
/// stack; here the stack's whole reservation is mapped at once, so the map cannot say
/// how deep it went.
pub(crate) fn segment_sizes(p: &Process) -> [u64; 3] {
    const SGROWSIZ_PAGES: u64 = 128 * 1024 / 4096;
    segment_pages(p, SGROWSIZ_PAGES)
}

/// sizeof(struct vmspace) on 4.8 i386.
pub(crate) const VMSPACE_SIZE: usize = 192;

/// `p`'s struct vmspace as kinfo_proc's e_vm copies it: the sizes (in pages, but
/// vm_map.size in bytes) and addresses; the map's links are left to whoever lays
/// the map out ([`crate::fstat`]).
pub(crate) fn vmspace(p: &Process) -> [u8; VMSPACE_SIZE] {
    const PAGE: u64 = 4096;
    let mut vm = [0u8; VMSPACE_SIZE];
    let mut put = |at: usize, bytes: &[u8]| vm[at..at + bytes.len()].copy_from_slice(bytes);
    let mut mapped = 0u64;
    let mut resident = 0u64;
    let mut stack = 0u64;
    let stack_floor = u64::from(crate::startup::USRSTACK) - crate::sysctl::MAXSSIZ;
    let mut from = 0;
    while let Some(r) = p.next_region(from) {
        from = r.end;
        let pages = (r.end - r.start) / PAGE;
        mapped += r.end - r.start;
        if r.touched {
            resident += pages;
        }
        if r.start >= stack_floor && r.end <= u64::from(crate::startup::USRSTACK) {
            stack += pages;
        }
    }
    let taddr = p.personality_value(crate::sys::TEXT_START);
    let daddr = p.personality_value(crate::sys::DATA_START);
    let [tsize, dsize, _] = segment_pages(p, stack);
    put(84, &(mapped as u32).to_le_bytes()); // vm_map.size
    put(132, &(resident as u32).to_le_bytes()); // pm_stats.resident_count
    put(144, &1u32.to_le_bytes()); // vm_refcnt
    for (i, v) in [resident, 0, tsize, dsize, stack].into_iter().enumerate() {
        put(152 + 4 * i, &(v as u32).to_le_bytes()); // rss, swrss, t, d, s sizes
    }
    put(172, &(taddr as u32).to_le_bytes());
    put(176, &(daddr as u32).to_le_bytes());
    put(180, &(stack_floor as u32).to_le_bytes()); // vm_maxsaddr
    put(184, &crate::startup::USRSTACK.to_le_bytes()); // vm_minsaddr
    vm
}
