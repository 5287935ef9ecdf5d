//! ktrace(2) and utrace(2), writing 4.x's trace records so a 4.x kdump reads the file.
//! Layouts and numbers from 4.x's `sys/ktrace.h` (1.19.2.x) and the semantics of its
//! `kern_ktrace.c`: each record is a 44-byte `struct ktr_header` (int len; short type;
//! pid_t pid at 8; char comm[17] at 12; struct timeval at 32; caddr_t buf at 40)
//! followed by `len` bytes of payload, appended to the file.
//!
//! A traced process carries its [`Trace`] as the core's opaque [`Recorder`]; the call
//! path checks `Process::recording` (one relaxed load) before anything here runs.

use crate::fb::errno;
use crate::files::file_errno;
use crate::signals::{signal_to_fb, to_sigset};
use crate::sys::{Ret, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_kernel::file::OpenFile;
use nymph_kernel::process::trace::Recorder;
use nymph_kernel::process::{self, Pid, Process, Signal, SignalSet, Task};
use nymph_kernel::vfs::{self, Credentials, Inode, NodeType, OpenFlags};
use zerocopy::IntoBytes;

pub(crate) const KTR_SYSCALL: u16 = 1;
pub(crate) const KTR_SYSRET: u16 = 2;
const KTR_NAMEI: u16 = 3;
const KTR_GENIO: u16 = 4;
const KTR_PSIG: u16 = 5;
const KTR_CSW: u16 = 6;
const KTR_USER: u16 = 7;

const KTRFAC_MASK: u32 = 0x00ff_ffff;
const KTRFAC_ROOT: u32 = 0x8000_0000;
const KTRFAC_INHERIT: u32 = 0x4000_0000;

const KTROP_SET: i32 = 0;
const KTROP_CLEAR: i32 = 1;
const KTROP_CLEARFILE: i32 = 2;
const KTRFLAG_DESCEND: i32 = 4;

/// The most bytes one utrace record carries.
const KTR_USER_MAXLEN: u64 = 2048;
/// `sizeof(struct ktr_header)` on i386.
pub(crate) const HEADER_LEN: usize = 44;
const MAXCOMLEN: usize = 16;
/// `enum uio_rw`.
pub(crate) const UIO_READ: u32 = 0;
pub(crate) const UIO_WRITE: u32 = 1;

/// What one process is traced for, and where to.
#[derive(Debug)]
struct Trace {
    file: Arc<OpenFile>,
    node: Arc<Inode>,
    /// KTRFAC_* bits, with ROOT when root set them and INHERIT for fork.
    facs: u32,
}

fn trace_of(p: &Process) -> Option<Arc<Trace>> {
    p.recorder()?.state.downcast::<Trace>().ok()
}

/// The process's trace if it records records of `kind`.
fn point(p: &Process, kind: u16) -> Option<Arc<Trace>> {
    if !p.recording() {
        return None;
    }
    trace_of(p).filter(|t| t.facs & (1 << kind) != 0)
}

fn set_trace(p: &Process, trace: Option<Trace>) {
    p.set_recorder(trace.map(|t| Recorder {
        inherit: t.facs & KTRFAC_INHERIT != 0,
        state: Arc::new(t),
    }));
}

/// `struct ktr_header` for a record of `kind` with `len` payload bytes.
pub(crate) fn header(p: &Process, kind: u16, len: usize) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    let (sec, nanos) = nymph_kernel::time::realtime();
    let mut comm = p.image_name();
    comm.truncate(MAXCOMLEN);
    h[0..4].copy_from_slice(&(len as i32).to_le_bytes());
    h[4..6].copy_from_slice(&kind.to_le_bytes());
    h[8..12].copy_from_slice(&(p.pid.0 as i32).to_le_bytes());
    h[12..12 + comm.len()].copy_from_slice(&comm);
    h[32..36].copy_from_slice(&(sec as i32).to_le_bytes());
    h[36..40].copy_from_slice(&((nanos / 1000) as i32).to_le_bytes());
    h
}

/// Appends one record; a failed write stops every trace to that file, as 4.x's
/// `ktrwrite` does.
fn write(p: &Process, trace: &Trace, kind: u16, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|b| b.len()).sum();
    let mut record = Vec::with_capacity(HEADER_LEN + len);
    record.extend_from_slice(&header(p, kind, len));
    for part in parts {
        record.extend_from_slice(part);
    }
    append(p, trace, &record);
}

/// Appends `bytes` to the trace file, or stops every trace to it (see [`write`]);
/// whether they went.
fn append(p: &Process, trace: &Trace, bytes: &[u8]) -> bool {
    match trace.file.write(bytes) {
        Ok(n) if n == bytes.len() => true,
        other => {
            log::warn!(
                "pid {}: ktrace write failed ({other:?}): tracing to the file stopped",
                p.pid.0
            );
            stop_file(&trace.node);
            false
        }
    }
}

fn stop_file(node: &Arc<Inode>) {
    for q in process::live() {
        if trace_of(&q).is_some_and(|t| Arc::ptr_eq(&t.node, node)) {
            set_trace(&q, None);
        }
    }
}

/// KTR_SYSCALL: the call's code and its argument words.
pub(crate) fn syscall(p: &Process, code: u64, words: &[u32]) {
    if let Some(t) = point(p, KTR_SYSCALL) {
        let mut head = [0u8; 4];
        head[0..2].copy_from_slice(&(code as u16).to_le_bytes());
        head[2..4].copy_from_slice(&(words.len() as u16).to_le_bytes());
        write(p, &t, KTR_SYSCALL, &[&head, words.as_bytes()]);
    }
}

/// KTR_SYSRET: code, eosys (0), error (4.x's, negative for ERESTART and
/// EJUSTRETURN), and eax.
pub(crate) fn sysret(p: &Process, code: u64, error: i32, retval: u32) {
    if let Some(t) = point(p, KTR_SYSRET) {
        let mut rec = [0u8; 12];
        rec[0..2].copy_from_slice(&(code as u16).to_le_bytes());
        rec[4..8].copy_from_slice(&error.to_le_bytes());
        rec[8..12].copy_from_slice(&retval.to_le_bytes());
        write(p, &t, KTR_SYSRET, &[&rec]);
    }
}

/// KTR_NAMEI: the path as the program gave it, no NUL.
pub(crate) fn namei(p: &Process, path: &[u8]) {
    if let Some(t) = point(p, KTR_NAMEI) {
        write(p, &t, KTR_NAMEI, &[path]);
    }
}

/// The data of a KTR_GENIO record is copied to the file in pieces of at most this
/// many bytes, so a huge transfer is never held whole in the kernel.
const GENIO_PIECE: u64 = 4096;

/// KTR_GENIO: fd, direction, then the first `n` bytes of `iov` (what was moved), all
/// in one record however large, as 4.x's ktrgenio writes the transfer's whole uio.
/// Bytes that can no longer be read (another sharer of the memory unmapped them)
/// are written as zeros, so the record keeps the length its header gives.
pub(crate) fn genio(task: &Task, fd: i64, rw: u32, iov: &[(u64, u64)], n: u64) {
    let p = &task.process;
    let Some(t) = point(p, KTR_GENIO) else {
        return;
    };
    let n = n.min(iov.iter().map(|&(_, len)| len).sum());
    let Ok(payload) = usize::try_from(8 + n) else {
        return;
    };
    let mut head = Vec::with_capacity(HEADER_LEN + 8);
    head.extend_from_slice(&header(p, KTR_GENIO, payload));
    head.extend_from_slice(&(fd as i32).to_le_bytes());
    head.extend_from_slice(&rw.to_le_bytes());
    if !append(p, &t, &head) {
        return;
    }
    let mut piece = Vec::new();
    let mut left = n;
    for &(addr, len) in iov {
        let mut at = 0;
        while at < len.min(left) {
            let take = (len.min(left) - at).min(GENIO_PIECE);
            piece.clear();
            piece.resize(take as usize, 0);
            if task.read_bytes(addr + at, &mut piece).is_err() {
                piece.fill(0);
            }
            if !append(p, &t, &piece) {
                return;
            }
            at += take;
        }
        left -= len.min(left);
    }
}

/// After an exec that changed the effective ids (a set-id image): the trace stops
/// unless the process was root before, as 4.x's execve does.
pub(crate) fn after_exec(p: &Process, before: &Credentials) {
    let now = p.fs().creds;
    if (now.euid != before.euid || now.egid != before.egid) && before.euid != 0 {
        log::info!("pid {}: set-id exec: ktrace stopped", p.pid.0);
        set_trace(p, None);
    }
}

/// KTR_PSIG for a signal acted on: signo, action (the handler about to run, or SIG_DFL,
/// 0, for a default action ending the process), code (a fault's, for a caught fault
/// delivered straight from trapsignal; 0 from postsig), then the 128-bit mask the
/// handler's return restores (the mask, for a default action).
pub(crate) fn psig(p: &Process, signal: Signal, action: u64, code: i32, mask: SignalSet) {
    if let Some(t) = point(p, KTR_PSIG) {
        let mut head = [0u8; 12];
        head[0..4].copy_from_slice(&signal_to_fb(signal).to_le_bytes());
        head[4..8].copy_from_slice(&(action as u32).to_le_bytes());
        head[8..12].copy_from_slice(&code.to_le_bytes());
        write(p, &t, KTR_PSIG, &[&head, to_sigset(mask).as_bytes()]);
    }
}

/// KTR_CSW around a sleep in the kernel, as 4.x's tsleep writes it: out (1 going to
/// sleep, 0 back), user (0: tsleep's switches are the kernel's).
pub(crate) fn csw(p: &Process, out: bool) {
    if let Some(t) = point(p, KTR_CSW) {
        let mut rec = [0u8; 8];
        rec[0..4].copy_from_slice(&i32::from(out).to_le_bytes());
        write(p, &t, KTR_CSW, &[&rec]);
    }
}

/// `SYS_fork`: the call a child's first return reports, whatever made it.
const SYS_FORK: u64 = 2;

/// A forked child's first return (4.x's fork_return, after userret): a KTR_SYSRET of
/// fork, no error, 0 in eax, for vfork and rfork children too.
pub(crate) fn first_return(p: &Process) {
    sysret(p, SYS_FORK, 0, 0);
}

/// utrace: a KTR_USER record of the caller's bytes if it is traced for them; 0
/// otherwise, without looking at them (4.x: EINVAL past KTR_USER_MAXLEN only when
/// traced, and an unreadable record is dropped, not an error).
pub(crate) fn sys_utrace(task: &mut Task, a: crate::fb::UtraceArgs) -> SysResult {
    let p = &task.process;
    let Some(t) = point(p, KTR_USER) else {
        return Ok(Ret::word(0));
    };
    let len = u64::from(a.len);
    if len > KTR_USER_MAXLEN {
        return Err(errno::EINVAL);
    }
    let mut data = alloc::vec![0u8; len as usize];
    if task.read_bytes(a.addr.addr(), &mut data).is_ok() {
        write(p, &t, KTR_USER, &[&data]);
    }
    Ok(Ret::word(0))
}

/// ktrace(fname, ops, facs, pid), as 4.x's `ktrace()`: the file (not created here;
/// ktrace(1) creates it) opened as the caller, a regular file or EACCES; facs 0
/// EINVAL; pid < 0 a process group; DESCEND takes descendants too; EPERM if no
/// target could be changed; CLEARFILE stops every trace to the file.
pub(crate) fn sys_ktrace(task: &mut Task, a: crate::fb::KtraceArgs) -> SysResult {
    let facs = (a.facs as u32) & !KTRFAC_ROOT;
    let op = a.ops & 3;
    let descend = a.ops & KTRFLAG_DESCEND != 0;
    let opened = if op != KTROP_CLEAR {
        let path = crate::fs::path_arg(task, a.fname)?;
        let flags = OpenFlags {
            read: true,
            write: true,
            append: true,
            no_follow: true,
            ..OpenFlags::default()
        };
        let file = vfs::open(&task.process.fs(), None, &path, flags, 0).map_err(file_errno)?;
        let node = file.node().cloned().ok_or(errno::EACCES)?;
        if node.kind() != NodeType::Regular {
            return Err(errno::EACCES);
        }
        Some((file, node))
    } else {
        None
    };
    if op == KTROP_CLEARFILE {
        let Some((_, node)) = &opened else {
            return Err(errno::EINVAL);
        };
        let mut result = Ok(Ret::word(0));
        for q in process::live() {
            if trace_of(&q).is_some_and(|t| Arc::ptr_eq(&t.node, node)) {
                if can_set(task, &q) {
                    set_trace(&q, None);
                } else {
                    result = Err(errno::EPERM);
                }
            }
        }
        return result;
    }
    if facs & KTRFAC_MASK == 0 {
        return Err(errno::EINVAL);
    }
    let targets: Vec<Arc<Process>> = if a.pid < 0 {
        let pgid = Pid(a.pid.unsigned_abs());
        process::live()
            .into_iter()
            .filter(|q| q.pgid() == pgid)
            .collect()
    } else {
        process::find(Pid(a.pid as u32))
            .filter(|q| !q.has_exited())
            .into_iter()
            .collect()
    };
    if targets.is_empty() {
        return Err(errno::ESRCH);
    }
    let mut changed = false;
    for q in targets {
        changed |= if descend {
            let mut done = false;
            let mut stack = alloc::vec![q];
            while let Some(q) = stack.pop() {
                done |= apply(task, &q, op, facs, opened.as_ref());
                stack.extend(q.children().into_iter().filter_map(process::find));
            }
            done
        } else {
            apply(task, &q, op, facs, opened.as_ref())
        };
    }
    if changed {
        Ok(Ret::word(0))
    } else {
        Err(errno::EPERM)
    }
}

/// 4.x's `ktrops` on one process; false if the caller may not change its tracing.
fn apply(
    task: &Task,
    q: &Process,
    op: i32,
    facs: u32,
    opened: Option<&(Arc<OpenFile>, Arc<Inode>)>,
) -> bool {
    if !can_set(task, q) {
        return false;
    }
    let old = trace_of(q);
    if op == KTROP_SET {
        let Some((file, node)) = opened else {
            return false;
        };
        // The same file keeps its facilities; a new one starts from these.
        let kept = old
            .filter(|t| Arc::ptr_eq(&t.node, node))
            .map_or(0, |t| t.facs);
        let root = task.process.fs().creds.euid == 0;
        set_trace(
            q,
            Some(Trace {
                file: file.clone(),
                node: node.clone(),
                facs: kept | facs | if root { KTRFAC_ROOT } else { 0 },
            }),
        );
    } else if let Some(t) = old {
        let left = t.facs & !facs;
        set_trace(
            q,
            (left & KTRFAC_MASK != 0).then(|| Trace {
                file: t.file.clone(),
                node: t.node.clone(),
                facs: left,
            }),
        );
    }
    true
}

/// 4.x's `ktrcanset`: never a process outside a jailed caller's prison (RELENG_4's
/// PRISON_CHECK there, as xnu's copy of it keeps); then root, or the caller's
/// effective uid and real gid are the target's real and saved ids (so not set-id) and
/// root did not set its tracing.
fn can_set(task: &Task, q: &Process) -> bool {
    if !nymph_kernel::process::prison::sees(&task.process, q) {
        return false;
    }
    let caller = task.process.fs().creds;
    if caller.euid == 0 {
        return true;
    }
    let target = q.fs().creds;
    let by_root = trace_of(q).is_some_and(|t| t.facs & KTRFAC_ROOT != 0);
    caller.euid == target.uid
        && target.uid == target.svuid
        && caller.gid == target.gid
        && target.gid == target.svgid
        && !by_root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_kinds_and_flags_are_4x_numbers() {
        assert_eq!(
            (
                KTR_SYSCALL,
                KTR_SYSRET,
                KTR_NAMEI,
                KTR_GENIO,
                KTR_PSIG,
                KTR_USER
            ),
            (1, 2, 3, 4, 5, 7)
        );
        assert_eq!((KTROP_SET, KTROP_CLEAR, KTROP_CLEARFILE), (0, 1, 2));
        assert_eq!(KTRFAC_INHERIT, 0x4000_0000);
    }
}
