//! The 4.3BSD entries a 4.x kernel keeps under COMPAT_43 for older binaries and libc
//! code: creat, lseek and truncate with 32-bit offsets, the 64-byte `struct ostat`,
//! getpagesize, wait, killpg, the old mmap, and quota (ENOSYS). (The old signal calls
//! are in signals.rs, the old socket calls in socket.rs, ogetdirentries in fs.rs and
//! ogetkerninfo in sysctl.rs.)

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::fs::{path_arg, stat_path, sys_open};
use crate::sys::{Ret, SysResult, fault};
use nymph_kernel::process::{Task, calls};
use nymph_kernel::vfs::{self, Follow, Stat};

/// `ocreat`: open(path, O_WRONLY | O_CREAT | O_TRUNC, mode).
pub(crate) fn sys_ocreat(task: &mut Task, a: fb::OcreatArgs) -> SysResult {
    use fb::open_flags as o;
    let args = fb::OpenArgs {
        path: a.path,
        flags: o::O_WRONLY | o::O_CREAT | o::O_TRUNC,
        mode: a.mode,
    };
    sys_open(task, args)
}

/// `olseek`: a 32-bit offset in and out; a result past 2 GiB does not fit (EOVERFLOW
/// is what 4.x's later kernels say; 4.x itself truncated it).
pub(crate) fn sys_olseek(task: &mut Task, a: fb::OlseekArgs) -> SysResult {
    let file = calls::file(task, a.fd.into()).map_err(file_errno)?;
    let at = crate::fs::seek(&file, i64::from(a.offset), a.whence)?;
    Ok(Ret::word(at))
}

/// `cvtstat`: the old struct keeps 16-bit device and owner numbers and a 32-bit size,
/// truncated as 4.x truncates them.
fn write_ostat(task: &Task, addr: u64, st: &Stat) -> Result<(), i32> {
    let ts = |t: vfs::Timestamp| fb::timespec {
        tv_sec: t.seconds as i32,
        tv_nsec: t.nanoseconds as i32,
    };
    let o = fb::ostat {
        st_dev: st.device as u16,
        _pad_at_2: [0; 2],
        st_ino: st.inode as u32,
        st_mode: (crate::convert::type_bits(st.kind) | st.mode) as u16,
        st_nlink: st.links as u16,
        st_uid: st.uid as u16,
        st_gid: st.gid as u16,
        st_rdev: st.rdev as u16,
        _pad_at_18: [0; 2],
        st_size: st.size as i32,
        st_atimespec: ts(st.atime),
        st_mtimespec: ts(st.mtime),
        st_ctimespec: ts(st.ctime),
        st_blksize: st.block_size as i32,
        st_blocks: st.blocks as i32,
        st_flags: 0,
        st_gen: 0,
    };
    task.write_val(addr, &o).map_err(fault)
}

pub(crate) fn sys_ostat(task: &mut Task, a: fb::OstatArgs) -> SysResult {
    stat_path(task, a.path, Follow::Yes, a.ub.addr(), write_ostat)
}

pub(crate) fn sys_olstat(task: &mut Task, a: fb::OlstatArgs) -> SysResult {
    stat_path(task, a.path, Follow::No, a.ub.addr(), write_ostat)
}

pub(crate) fn sys_ofstat(task: &mut Task, a: fb::OfstatArgs) -> SysResult {
    let file = calls::file(task, a.fd.into()).map_err(file_errno)?;
    write_ostat(task, a.sb.addr(), &crate::fs::open_file_stat(&file)?)?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_otruncate(task: &mut Task, a: fb::OtruncateArgs) -> SysResult {
    let path = path_arg(task, a.path)?;
    let size = u64::try_from(a.length).map_err(|_| errno::EINVAL)?;
    vfs::truncate(&task.process.fs(), None, &path, size).map_err(file_errno)?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_oftruncate(task: &mut Task, a: fb::OftruncateArgs) -> SysResult {
    let size = u64::try_from(a.length).map_err(|_| errno::EINVAL)?;
    calls::ftruncate(task, a.fd.into(), size).map_err(file_errno)?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_ogetpagesize(_: &mut Task, _: fb::OgetpagesizeArgs) -> SysResult {
    Ok(Ret::word(4096))
}

/// `owait`: wait for any child; the pid in eax and the status word in edx. (4.x also
/// read options from registers when all condition codes were set; no 4.x libc does.)
pub(crate) fn sys_owait(task: &mut Task, _: fb::OwaitArgs) -> SysResult {
    let (pid, status) = crate::sys::wait_any(task)?;
    Ok(Ret::Pair(u64::from(pid) | u64::from(status as u32) << 32))
}

/// `okillpg`: kill(-pgid, sig), with 0 naming the caller's group.
pub(crate) fn sys_okillpg(task: &mut Task, a: fb::OkillpgArgs) -> SysResult {
    let signal = match a.signum {
        0 => None,
        n => Some(crate::signals::signal_from_fb(n).ok_or(errno::EINVAL)?),
    };
    let pgid = if a.pgid == 0 {
        task.process.pgid().0 as i32
    } else {
        a.pgid
    };
    if pgid <= 0 {
        return Err(errno::ESRCH);
    }
    calls::kill(task, -pgid, signal).map_err(|_| errno::ESRCH)?;
    Ok(Ret::word(0))
}

/// The 4.3BSD protection bits (1 exec, 2 write, 4 read) as mmap's, indexed by their
/// value: `cvtbsdprot[8]` of 4.x's `vm_mmap.c` (`ommap`).
const CVTBSDPROT: [i32; 8] = {
    const R: i32 = fb::prot::PROT_READ.bits();
    const W: i32 = fb::prot::PROT_WRITE.bits();
    const X: i32 = fb::prot::PROT_EXEC.bits();
    [0, X, W, X | W, R, X | R, W | R, X | W | R]
};
/// The 4.3BSD mapping flags `ommap` knows (vm_mmap.c); any other bit is ignored.
const OMAP_ANON: i32 = 0x0002;
const OMAP_COPY: i32 = 0x0020;
const OMAP_SHARED: i32 = 0x0010;
const OMAP_FIXED: i32 = 0x0100;

/// `ommap` (vm_mmap.c, COMPAT_43): the old protection and flags become mmap's (OMAP_COPY
/// is MAP_COPY, which 4.x's `<sys/mman.h>` defines as MAP_PRIVATE; without OMAP_SHARED
/// a mapping is MAP_PRIVATE), the int length and 32-bit offset widen, and the ordinary
/// mmap does the rest.
pub(crate) fn sys_ommap(task: &mut Task, a: fb::OmmapArgs) -> SysResult {
    use fb::map_flags as F;
    let mut flags = F::empty();
    if a.flags & OMAP_ANON != 0 {
        flags |= F::MAP_ANON;
    }
    if a.flags & OMAP_COPY != 0 {
        flags |= F::MAP_PRIVATE;
    }
    flags |= if a.flags & OMAP_SHARED != 0 {
        F::MAP_SHARED
    } else {
        F::MAP_PRIVATE
    };
    if a.flags & OMAP_FIXED != 0 {
        flags |= F::MAP_FIXED;
    }
    let args = fb::MmapArgs {
        addr: a.addr,
        // An int len goes into mmap's size_t as 4.x's assignment puts it.
        len: a.len as u32,
        prot: fb::prot::from_bits_retain(CVTBSDPROT[(a.prot & 7) as usize]),
        flags,
        fd: a.fd,
        pos: i64::from(a.pos),
    };
    crate::sys::sys_mmap(task, args)
}

/// `oquota`: 4.x's kern_xxx.c answers ENOSYS and does nothing else (no SIGSYS: it is a
/// call that fails, not a missing one).
pub(crate) fn sys_oquota(_: &mut Task, _: fb::OquotaArgs) -> SysResult {
    Err(errno::ENOSYS)
}
