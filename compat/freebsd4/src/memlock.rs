//! Memory locking: mlock, munlock (4.x vm_mmap.c, i386) and mlockall, munlockall
//! (stubs returning 0 in 4.x; FreeBSD 5's semantics here); and minherit. The core
//! brings the pages in, keeps the count and the inheritance; this maps its answers to
//! 4.x's errnos.

use crate::fb::{self, errno};
use crate::sys::{Ret, SysResult};
use nymph_kernel::mm::uspace::{Inheritance, WireError};
use nymph_kernel::process::Task;

const PAGE: u64 = 4096;

fn wire_errno(e: WireError) -> i32 {
    match e {
        WireError::SystemLimit => errno::EAGAIN,
        WireError::NotMapped
        | WireError::OverLimit
        | WireError::OutOfMemory
        | WireError::NotWired => errno::ENOMEM,
    }
}

/// The pages `[addr, addr + len)` touches, as 4.x rounds them; EINVAL if the range
/// wraps past the 32-bit address space (4.x's "disable wrap around"; a length that
/// wraps within 4.x's own 32-bit rounding is EINVAL here too).
fn page_span(addr: u64, len: u32) -> Result<(u64, u64), i32> {
    let start = addr & !(PAGE - 1);
    let end = (addr - start + u64::from(len)).next_multiple_of(PAGE) + start;
    if end > 1 << 32 {
        return Err(errno::EINVAL);
    }
    Ok((start, end))
}

fn with_space<R>(
    task: &Task,
    f: impl FnOnce(&mut nymph_kernel::mm::uspace::AddressSpace) -> Result<R, WireError>,
) -> Result<R, i32> {
    task.process
        .with_space(f)
        .unwrap_or(Err(WireError::NotMapped))
        .map_err(wire_errno)
}

pub(crate) fn sys_mlock(task: &mut Task, a: fb::MlockArgs) -> SysResult {
    let (start, end) = page_span(a.addr, a.len)?;
    let limit = crate::sysctl::memlock_limit(task);
    with_space(task, |s| s.wire(start, end, limit))?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_munlock(task: &mut Task, a: fb::MunlockArgs) -> SysResult {
    let (start, end) = page_span(a.addr, a.len)?;
    with_space(task, |s| s.unwire(start, end))?;
    Ok(Ret::word(0))
}

/// mlockall: `how` must name MCL_CURRENT, MCL_FUTURE or both (EINVAL otherwise).
pub(crate) fn sys_mlockall(task: &mut Task, a: fb::MlockallArgs) -> SysResult {
    use fb::mlockall_flags as F;
    if a.how.is_empty() || !(a.how - F::all()).is_empty() {
        return Err(errno::EINVAL);
    }
    let limit = crate::sysctl::memlock_limit(task);
    let (current, future) = (
        a.how.contains(F::MCL_CURRENT),
        a.how.contains(F::MCL_FUTURE),
    );
    with_space(task, |s| s.wire_all(current, future, limit))?;
    Ok(Ret::word(0))
}

pub(crate) fn sys_munlockall(task: &mut Task, _: fb::MunlockallArgs) -> SysResult {
    with_space(task, |s| {
        s.unwire_all();
        Ok(())
    })?;
    Ok(Ret::word(0))
}

/// After mmap or break mapped `[start, end)`: locks it if mlockall(MCL_FUTURE) asked
/// for that. A failure leaves the mapping unlocked, as 5.x's vm_mmap ignores it.
pub(crate) fn lock_if_future(task: &Task, start: u64, end: u64) {
    if start >= end {
        return;
    }
    let limit = crate::sysctl::memlock_limit(task);
    let _ = task.process.with_space(|s| {
        if s.wires_future() {
            let _ = s.wire(start, end, limit);
        }
    });
}

/// minherit: how fork treats the mapped pages of the range.
pub(crate) fn sys_minherit(task: &mut Task, a: fb::MinheritArgs) -> SysResult {
    let (start, end) = page_span(a.addr, a.len)?;
    let how = match a.inherit {
        fb::minherit_mode::INHERIT_SHARE => Inheritance::Share,
        fb::minherit_mode::INHERIT_COPY => Inheritance::Copy,
        fb::minherit_mode::INHERIT_NONE => Inheritance::None,
    };
    with_space(task, |s| {
        s.set_inheritance(start, end, how);
        Ok(())
    })?;
    Ok(Ret::word(0))
}
