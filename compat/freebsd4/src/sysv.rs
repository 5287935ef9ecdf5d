//! System V IPC for 4.x programs (`sys/kern/sysv_shm.c`, `sysv_sem.c`, `sysv_msg.c`):
//! shmget, shmat, shmdt, shmctl, semget, semop, __semctl, msgget, msgsnd, msgrcv,
//! msgctl and the older shmsys, semsys and msgsys multiplexers, over the core's
//! system-wide tables (`nymph_kernel::ipc`). Keys, ids, flags and the structs are
//! 4.x's here. Every entry starts with jail.sysvipc_allowed's check (a prisoner gets
//! ENOSYS while it is 0; the multiplexers check before they look at `which`).

use crate::fb::{self, consts as c, errno};
use crate::files::file_errno;
use crate::startup::USRSTACK;
use crate::sys::{MAXDSIZ, Ret, SysResult, data_start, fault};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use nymph_kernel::ipc::msg::{self, QueueError};
use nymph_kernel::ipc::sem::{self, Field, Op, OpError};
use nymph_kernel::ipc::shm::{self, GetRequest, Place, SegmentInfo};
use nymph_kernel::ipc::{Access, Perm};
use nymph_kernel::process::{Process, Task};
use nymph_kernel::sync::Mutex;
use nymph_kernel::vfs::Credentials;

fn creds(task: &Task) -> Credentials {
    task.process.with_fs(|fs| fs.creds.clone())
}

/// A 4.x id as the core's (a negative one names no segment).
fn id(shmid: i32) -> Result<u32, i32> {
    u32::try_from(shmid).map_err(|_| errno::EINVAL)
}

fn shmget(task: &Task, key: i32, size: i32, flags: i32) -> SysResult {
    let flags = flags as u32;
    let req = GetRequest {
        key: (key != c::IPC_PRIVATE as i32).then_some(i64::from(key)),
        size: i64::from(size),
        create: flags & c::IPC_CREAT != 0,
        exclusive: flags & c::IPC_EXCL != 0,
        mode: (flags & 0o777) as u16,
    };
    let id = shm::get(task.process.pid.0, &creds(task), req).map_err(file_errno)?;
    Ok(Ret::word(u64::from(id)))
}

/// Without an address, the first free range above the data segment's limit, as mmap
/// places a mapping without a hint; SHM_RND rounds an address down to SHMLBA.
fn shmat(task: &Task, shmid: i32, addr: u64, flags: i32) -> SysResult {
    let flags = flags as u32;
    let (place, ceiling) = if addr == 0 {
        let floor = (data_start(task) + MAXDSIZ).next_multiple_of(u64::from(c::SHMLBA));
        let ceiling = u64::from(USRSTACK) - crate::sysctl::stack_limit(task);
        (Place::Anywhere { floor }, ceiling)
    } else if flags & c::SHM_RND != 0 {
        let at = addr & !(u64::from(c::SHMLBA) - 1);
        (Place::Fixed(at), u64::from(USRSTACK))
    } else {
        (Place::Fixed(addr), u64::from(USRSTACK))
    };
    let read_only = flags & c::SHM_RDONLY != 0;
    let at = shm::attach(task, id(shmid)?, place, read_only, ceiling).map_err(file_errno)?;
    Ok(Ret::word(at))
}

fn shmdt(task: &Task, addr: u64) -> SysResult {
    shm::detach(task, addr).map_err(file_errno)?;
    Ok(Ret::word(0))
}

/// 4.x's ipc_perm, with `state` bits in the mode (4.x copies its own record whole).
fn ipc_perm(perm: &Perm, seq: u16, key: Option<i64>, state: u32) -> fb::ipc_perm {
    fb::ipc_perm {
        cuid: perm.cuid as u16,
        cgid: perm.cgid as u16,
        uid: perm.uid as u16,
        gid: perm.gid as u16,
        mode: (u32::from(perm.mode) | state) as u16,
        seq,
        key: key.unwrap_or(0) as i32,
    }
}

fn perm(info: &SegmentInfo) -> fb::ipc_perm {
    let state = c::SHMSEG_ALLOCATED | if info.removed { c::SHMSEG_REMOVED } else { 0 };
    ipc_perm(&info.perm, info.seq, info.key, state)
}

/// The 4.x record; `shm_internal`, a kernel pointer there, is 0.
pub(crate) fn shmid_ds(info: &SegmentInfo) -> fb::shmid_ds {
    fb::shmid_ds {
        shm_perm: perm(info),
        shm_segsz: info.size as i32,
        shm_lpid: info.last_pid as i32,
        shm_cpid: info.creator_pid as i32,
        shm_nattch: info.attached.min(i16::MAX as u32) as i16,
        __pad: 0,
        shm_atime: info.attach_time as i32,
        shm_dtime: info.detach_time as i32,
        shm_ctime: info.change_time as i32,
        shm_internal: 0,
    }
}

/// The 4.3BSD-Reno record oshmctl reports: 16-bit pids, no padding before the times.
fn oshmid_ds(info: &SegmentInfo) -> fb::oshmid_ds {
    fb::oshmid_ds {
        shm_perm: perm(info),
        shm_segsz: info.size as i32,
        shm_cpid: info.creator_pid as u16,
        shm_lpid: info.last_pid as u16,
        shm_nattch: info.attached.min(i16::MAX as u32) as i16,
        __pad: 0,
        shm_atime: info.attach_time as i32,
        shm_dtime: info.detach_time as i32,
        shm_ctime: info.change_time as i32,
        shm_handle: 0,
    }
}

/// The segment is looked up first (EINVAL), then the caller's right (EACCES, EPERM),
/// then the buffer (EFAULT), as 4.x orders them.
fn shmctl(task: &Task, shmid: i32, cmd: i32, buf: u64, old: bool) -> SysResult {
    let id = id(shmid)?;
    let creds = creds(task);
    match cmd as u32 {
        c::IPC_STAT => {
            let info = shm::stat(&creds, id).map_err(file_errno)?;
            if old {
                task.write_val(buf, &oshmid_ds(&info)).map_err(fault)?;
            } else {
                task.write_val(buf, &shmid_ds(&info)).map_err(fault)?;
            }
        }
        c::IPC_SET => {
            shm::may_change(&creds, id).map_err(file_errno)?;
            let new: fb::shmid_ds = task.read_val(buf).map_err(fault)?;
            let p = new.shm_perm;
            shm::set(&creds, id, p.uid.into(), p.gid.into(), p.mode & 0o777).map_err(file_errno)?;
        }
        c::IPC_RMID => shm::remove(&creds, id).map_err(file_errno)?,
        // Any other command (4.x has no SHM_LOCK): EINVAL, for a real segment too.
        _ => return Err(errno::EINVAL),
    }
    Ok(Ret::word(0))
}

pub(crate) fn sys_shmget(task: &mut Task, a: fb::ShmgetArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    shmget(task, a.key, a.size, a.shmflg)
}

pub(crate) fn sys_shmat(task: &mut Task, a: fb::ShmatArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    shmat(task, a.shmid, a.shmaddr, a.shmflg)
}

pub(crate) fn sys_shmdt(task: &mut Task, a: fb::ShmdtArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    shmdt(task, a.shmaddr)
}

pub(crate) fn sys_shmctl(task: &mut Task, a: fb::ShmctlArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    shmctl(task, a.shmid, a.cmd, a.buf.addr(), false)
}

/// shmsys(which, ...): 4.x's `shmcalls[]` = shmat, oshmctl, shmdt, shmget, shmctl, each
/// taking the words after `which` as its own arguments.
pub(crate) fn sys_shmsys(task: &mut Task, a: fb::ShmsysArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    let addr = |w: i32| u64::from(w as u32);
    match a.which {
        0 => shmat(task, a.a2, addr(a.a3), a.a4),
        1 => shmctl(task, a.a2, a.a3, addr(a.a4), true),
        2 => shmdt(task, addr(a.a2)),
        3 => shmget(task, a.a2, a.a3, a.a4),
        4 => shmctl(task, a.a2, a.a3, addr(a.a4), false),
        _ => Err(errno::EINVAL),
    }
}

/// 4.x's `SEM_ALLOC` mode bit of a set in use (sysv_sem.c), which IPC_STAT shows.
const SEM_ALLOC: u32 = 0o1000;
/// Write ("alter") access, as semop and SETVAL/SETALL ask for it.
const ALTER: Access = Access::Bits(0o200);

fn sem_errno(e: OpError) -> i32 {
    match e {
        OpError::Removed => errno::EIDRM,
        OpError::Error(e) => file_errno(e),
    }
}

fn semget(task: &Task, key: i32, count: i32, flags: i32) -> SysResult {
    let flags = flags as u32;
    let req = sem::GetRequest {
        key: (key != c::IPC_PRIVATE as i32).then_some(i64::from(key)),
        count: i64::from(count),
        create: flags & c::IPC_CREAT != 0,
        exclusive: flags & c::IPC_EXCL != 0,
        mode: (flags & 0o777) as u16,
    };
    let id = sem::get(&creds(task), req).map_err(file_errno)?;
    Ok(Ret::word(u64::from(id)))
}

/// Checked as 4.x does: the set (EINVAL), the caller's right to alter it (EACCES),
/// the count (E2BIG), then the operations themselves (EFAULT).
fn semop(task: &Task, semid: i32, sops: u64, count: u32) -> SysResult {
    let id = id(semid)?;
    sem::access(&creds(task), id, ALTER).map_err(file_errno)?;
    if count > c::MAX_SOPS {
        return Err(errno::E2BIG);
    }
    let mut ops = Vec::new();
    for i in 0..u64::from(count) {
        let b: fb::sembuf = task.read_val(sops + i * 6).map_err(fault)?;
        let flags = b.sem_flg as u16 as u32;
        ops.push(Op {
            num: b.sem_num,
            delta: b.sem_op,
            no_wait: flags & c::IPC_NOWAIT != 0,
            undo: flags & c::SEM_UNDO != 0,
        });
    }
    sem::op(task, id, &ops).map_err(sem_errno)?;
    Ok(Ret::word(0))
}

/// The word `union semun *arg` points to (4.x copies it in only for the commands that
/// use it).
fn semun(task: &Task, arg: u64) -> Result<u32, i32> {
    task.read_val::<u32>(arg).map_err(fault)
}

/// The 4.x record of a set, SEM_ALLOC in its mode; sem_base, a kernel pointer there,
/// is 0.
pub(crate) fn semid_ds(info: &sem::SetInfo) -> fb::semid_ds {
    fb::semid_ds {
        sem_perm: ipc_perm(&info.perm, info.seq, info.key, SEM_ALLOC),
        sem_base: 0,
        sem_nsems: info.count,
        __pad: 0,
        sem_otime: info.op_time as i32,
        sem_pad1: 0,
        sem_ctime: info.change_time as i32,
        sem_pad2: 0,
        sem_pad3: [0; 4],
    }
}

fn semctl(task: &Task, semid: i32, num: i32, cmd: i32, arg: u64) -> SysResult {
    let id = id(semid)?;
    let creds = creds(task);
    let num = i64::from(num);
    let field = |f| sem::field(&creds, id, num, f).map_err(file_errno);
    let value = match cmd as u32 {
        c::IPC_RMID => sem::remove(&creds, id).map(|_| 0).map_err(file_errno)?,
        c::IPC_SET => {
            sem::access(&creds, id, Access::Owner).map_err(file_errno)?;
            let buf = semun(task, arg)?;
            let new: fb::semid_ds = task.read_val(u64::from(buf)).map_err(fault)?;
            let p = new.sem_perm;
            sem::set(&creds, id, p.uid.into(), p.gid.into(), p.mode & 0o777).map_err(file_errno)?;
            0
        }
        c::IPC_STAT => {
            let info = sem::stat(&creds, id).map_err(file_errno)?;
            let buf = semun(task, arg)?;
            task.write_val(u64::from(buf), &semid_ds(&info))
                .map_err(fault)?;
            0
        }
        c::GETNCNT => field(Field::WaitingMore)?,
        c::GETPID => field(Field::Pid)?,
        c::GETVAL => field(Field::Value)?,
        c::GETZCNT => field(Field::WaitingZero)?,
        c::GETALL => {
            let values = sem::values(&creds, id).map_err(file_errno)?;
            let array = u64::from(semun(task, arg)?);
            for (i, v) in values.iter().enumerate() {
                task.write_val(array + 2 * i as u64, v).map_err(fault)?;
            }
            0
        }
        c::SETVAL => {
            let count = sem::access(&creds, id, ALTER).map_err(file_errno)?;
            if !usize::try_from(num).is_ok_and(|n| n < count) {
                return Err(errno::EINVAL);
            }
            // 4.x keeps the value in an unsigned short.
            let v = semun(task, arg)? as u16;
            sem::set_values(&creds, id, Some(num), &[v]).map_err(file_errno)?;
            0
        }
        c::SETALL => {
            let count = sem::access(&creds, id, ALTER).map_err(file_errno)?;
            let array = u64::from(semun(task, arg)?);
            let mut values = Vec::new();
            for i in 0..count as u64 {
                values.push(task.read_val::<u16>(array + 2 * i).map_err(fault)?);
            }
            sem::set_values(&creds, id, None, &values).map_err(file_errno)?;
            0
        }
        _ => return Err(errno::EINVAL),
    };
    Ok(Ret::word(u64::from(value)))
}

pub(crate) fn sys_semget(task: &mut Task, a: fb::SemgetArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    semget(task, a.key, a.nsems, a.semflg)
}

pub(crate) fn sys_semop(task: &mut Task, a: fb::SemopArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    semop(task, a.semid, a.sops.addr(), a.nsops)
}

pub(crate) fn sys_semctl(task: &mut Task, a: fb::SemctlArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    semctl(task, a.semid, a.semnum, a.cmd, a.arg.addr())
}

/// semsys(which, ...): 4.x's `semcalls[]` = __semctl, semget, semop, semconfig.
/// semconfig's freeze and thaw (a debugging aid) are not implemented: EINVAL.
pub(crate) fn sys_semsys(task: &mut Task, a: fb::SemsysArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    wait_for_thaw(task);
    let addr = |w: i32| u64::from(w as u32);
    match a.which {
        0 => semctl(task, a.a2, a.a3, a.a4, addr(a.a5)),
        1 => semget(task, a.a2, a.a3, a.a4),
        2 => semop(task, a.a2, addr(a.a3), a.a4 as u32),
        3 => semconfig(task, a.a2),
        _ => Err(errno::EINVAL),
    }
}

/// The process holding the semaphore facility frozen (4.x's semlock_holder), if any.
static SEM_FROZEN_BY: Mutex<Option<Weak<Process>>> = Mutex::new(None);

/// `semconfig_ctl_t`.
const SEM_CONFIG_FREEZE: i32 = 0;
const SEM_CONFIG_THAW: i32 = 1;

/// semconfig (semsys 3), the lock ipcs takes while it reads the semaphore tables: a
/// freeze makes every other process's semsys wait until a thaw (by anyone) or the
/// freezer's exit; no privilege is asked. Another flag is EINVAL, logged.
fn semconfig(task: &Task, flag: i32) -> SysResult {
    match flag {
        SEM_CONFIG_FREEZE => *SEM_FROZEN_BY.lock() = Some(Arc::downgrade(&task.process)),
        SEM_CONFIG_THAW => *SEM_FROZEN_BY.lock() = None,
        _ => {
            log::warn!(
                "pid {}: semconfig: unknown flag {flag}: EINVAL",
                task.process.pid.0
            );
            return Err(errno::EINVAL);
        }
    }
    Ok(Ret::word(0))
}

/// Before any semsys call: while another live process holds the facility frozen, the
/// caller waits, signals or not, as 4.x's semsys sleeps uninterruptibly on
/// semlock_holder. (4.x's semexit held back every exiting process too; exits here do
/// not wait.)
fn wait_for_thaw(task: &Task) {
    let frozen_by_other = || {
        SEM_FROZEN_BY
            .lock()
            .as_ref()
            .and_then(Weak::upgrade)
            .is_some_and(|p| !Arc::ptr_eq(&p, &task.process) && !p.has_exited())
    };
    // The freezer's exit wakes nobody: a tick's poll sees it.
    while frozen_by_other() {
        nymph_kernel::sched::sleep_ticks(1);
    }
}

fn msg_errno(e: QueueError) -> i32 {
    match e {
        QueueError::Removed => errno::EIDRM,
        QueueError::NoMessage => errno::ENOMSG,
        QueueError::TooLong => errno::E2BIG,
        QueueError::Error(e) => file_errno(e),
    }
}

/// The bytes of a message's `long mtype` before its text.
const MTYPE_SIZE: u64 = 4;

fn msgget(task: &Task, key: i32, flags: i32) -> SysResult {
    let flags = flags as u32;
    let id = msg::get(
        &creds(task),
        (key != c::IPC_PRIVATE as i32).then_some(i64::from(key)),
        flags & c::IPC_CREAT != 0,
        flags & c::IPC_EXCL != 0,
        (flags & 0o777) as u16,
    )
    .map_err(file_errno)?;
    Ok(Ret::word(u64::from(id)))
}

/// The queue (EINVAL) and write access (EACCES) first, a text longer than the queue
/// holds (EINVAL), then the message itself (EFAULT, and EINVAL for mtype < 1).
fn msgsnd(task: &Task, msqid: i32, msgp: u64, size: u32, flags: i32) -> SysResult {
    let id = id(msqid)?;
    let limit = msg::access(&creds(task), id, Access::Bits(0o200)).map_err(file_errno)?;
    if u64::from(size) > limit {
        return Err(errno::EINVAL);
    }
    let kind: i32 = task.read_val(msgp).map_err(fault)?;
    let mut text = Vec::new();
    text.try_reserve_exact(size as usize)
        .map_err(|_| errno::ENOMEM)?;
    text.resize(size as usize, 0);
    task.read_bytes(msgp + MTYPE_SIZE, &mut text)
        .map_err(fault)?;
    if kind < 1 {
        return Err(errno::EINVAL);
    }
    let no_wait = flags as u32 & c::IPC_NOWAIT != 0;
    msg::send(task, id, i64::from(kind), &text, no_wait).map_err(msg_errno)?;
    Ok(Ret::word(0))
}

/// The queue (EINVAL) and read access (EACCES) first; the message is taken off the
/// queue before it is copied out (an EFAULT loses it, as in 4.x).
fn msgrcv(task: &Task, msqid: i32, msgp: u64, size: u32, kind: i32, flags: i32) -> SysResult {
    let id = id(msqid)?;
    msg::access(&creds(task), id, Access::READ).map_err(file_errno)?;
    let flags = flags as u32;
    let (kind, text) = msg::receive(
        task,
        id,
        size as usize,
        i64::from(kind),
        flags & c::MSG_NOERROR != 0,
        flags & c::IPC_NOWAIT != 0,
    )
    .map_err(msg_errno)?;
    task.write_val(msgp, &(kind as i32)).map_err(fault)?;
    task.write_bytes(msgp + MTYPE_SIZE, &text).map_err(fault)?;
    Ok(Ret::word(text.len() as u64))
}

/// The 4.x record of a queue; msg_first and msg_last, kernel pointers there, are 0.
pub(crate) fn msqid_ds(info: &msg::QueueInfo) -> fb::msqid_ds {
    fb::msqid_ds {
        msg_perm: ipc_perm(&info.perm, info.seq, info.key, 0),
        msg_first: 0,
        msg_last: 0,
        msg_cbytes: info.bytes as u32,
        msg_qnum: info.messages as u32,
        msg_qbytes: info.max_bytes as u32,
        msg_lspid: info.last_sender as i32,
        msg_lrpid: info.last_receiver as i32,
        msg_stime: info.send_time as i32,
        msg_pad1: 0,
        msg_rtime: info.receive_time as i32,
        msg_pad2: 0,
        msg_ctime: info.change_time as i32,
        msg_pad3: 0,
        msg_pad4: [0; 4],
    }
}

fn msgctl(task: &Task, msqid: i32, cmd: i32, buf: u64) -> SysResult {
    let id = id(msqid)?;
    let creds = creds(task);
    match cmd as u32 {
        c::IPC_STAT => {
            let info = msg::stat(&creds, id).map_err(file_errno)?;
            task.write_val(buf, &msqid_ds(&info)).map_err(fault)?;
        }
        c::IPC_SET => {
            msg::access(&creds, id, Access::Owner).map_err(file_errno)?;
            let new: fb::msqid_ds = task.read_val(buf).map_err(fault)?;
            let p = new.msg_perm;
            let ids = (u32::from(p.uid), u32::from(p.gid), p.mode & 0o777);
            msg::set(&creds, id, ids, u64::from(new.msg_qbytes)).map_err(file_errno)?;
        }
        c::IPC_RMID => msg::remove(&creds, id).map_err(file_errno)?,
        _ => return Err(errno::EINVAL),
    }
    Ok(Ret::word(0))
}

pub(crate) fn sys_msgget(task: &mut Task, a: fb::MsggetArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    msgget(task, a.key, a.msgflg)
}

pub(crate) fn sys_msgsnd(task: &mut Task, a: fb::MsgsndArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    msgsnd(task, a.msqid, a.msgp.addr(), a.msgsz, a.msgflg)
}

pub(crate) fn sys_msgrcv(task: &mut Task, a: fb::MsgrcvArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    msgrcv(task, a.msqid, a.msgp.addr(), a.msgsz, a.msgtyp, a.msgflg)
}

pub(crate) fn sys_msgctl(task: &mut Task, a: fb::MsgctlArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    msgctl(task, a.msqid, a.cmd, a.buf.addr())
}

/// msgsys(which, ...): 4.x's `msgcalls[]` = msgctl, msgget, msgsnd, msgrcv.
pub(crate) fn sys_msgsys(task: &mut Task, a: fb::MsgsysArgs) -> SysResult {
    crate::jail::check_sysv(task)?;
    let addr = |w: i32| u64::from(w as u32);
    match a.which {
        0 => msgctl(task, a.a2, a.a3, addr(a.a4)),
        1 => msgget(task, a.a2, a.a3),
        2 => msgsnd(task, a.a2, addr(a.a3), a.a4 as u32, a.a5),
        3 => msgrcv(task, a.a2, addr(a.a3), a.a4 as u32, a.a5, a.a6),
        _ => Err(errno::EINVAL),
    }
}
