//! The calls that act on the machine as a whole: reboot (55) and swapon (85).

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::sys::{Jail, SysResult, suser};
use nymph_kernel::boot::{self, Shutdown};
use nymph_kernel::process::Task;
use nymph_kernel::vfs::{self, Follow};

/// `RB_HALT` and `RB_POWEROFF` of 4.x's sys/reboot.h (`RB_NOSYNC`, 0x4, needs nothing
/// here: see [`sys_reboot`]).
const RB_HALT: i32 = 0x8;
const RB_POWEROFF: i32 = 0x4000;

/// reboot as 4.x's kern_shutdown.c does it: `suser` (EPERM) and then `boot(opt)`,
/// which does not return. `boot` syncs the disks unless RB_NOSYNC (every file system
/// here is in memory: nothing to write back), then runs the shutdown_final handlers
/// in priority order: the power-off one (apm/acpi, SHUTDOWN_PRI_LAST) when
/// RB_POWEROFF is set, `shutdown_halt` (SHUTDOWN_PRI_LAST + 100) when RB_HALT is, and
/// `shutdown_reset` (SHUTDOWN_PRI_LAST + 200) otherwise. Here each of the three ends
/// the machine through the core, which says which on the kernel log.
pub(crate) fn sys_reboot(task: &mut Task, a: fb::RebootArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let how = if a.opt & RB_POWEROFF != 0 {
        Shutdown::PowerOff
    } else if a.opt & RB_HALT != 0 {
        Shutdown::Halt
    } else {
        Shutdown::Reboot
    };
    boot::shutdown(task.process.pid, how)
}

/// swapon as 4.x's vm_swap.c does it: `suser` (EPERM), then `namei` following a final
/// symbolic link (a lookup's errors: ENOENT, ENOTDIR, EACCES, ELOOP, ENAMETOOLONG,
/// EFAULT), then `vn_isdisk` (vfs_subr.c), which refuses with ENOTBLK anything that is
/// not a character device of a disk driver (D_DISK). 4.x would also take a regular
/// file on NFS; there is neither a disk nor NFS here, so every file that exists is
/// ENOTBLK, as 4.x answers for a file on a memory file system or a non-disk device.
pub(crate) fn sys_swapon(task: &mut Task, a: fb::SwaponArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let path = crate::fs::path_arg(task, a.name)?;
    vfs::lookup(&task.process.fs(), None, &path, Follow::Yes).map_err(file_errno)?;
    Err(errno::ENOTBLK)
}
