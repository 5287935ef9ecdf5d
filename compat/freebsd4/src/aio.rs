//! The POSIX.1b asynchronous I/O calls (aio_read, aio_write, aio_error, aio_return,
//! aio_suspend, aio_cancel, lio_listio, aio_waitcomplete) as a 4.x GENERIC kernel
//! answers them. In 4.x the AIO facility is `options VFS_AIO`, which GENERIC does not
//! have (aio.ko came only with 5.0), and then every one of these calls is
//! `#ifndef VFS_AIO return ENOSYS` (vfs_aio.c 1.70.2.28): ENOSYS before any argument
//! is looked at, and no SIGSYS, since the slots exist. Programs of the era test for
//! that and do their I/O synchronously; killing them with SIGSYS, as a missing slot
//! would, is what this spares them.

use crate::fb::{self, errno};
use crate::sys::SysResult;
use nymph_kernel::process::Task;

/// ENOSYS, and a log line naming the call and the process.
fn without_vfs_aio(task: &Task, call: &str) -> SysResult {
    log::info!(
        "pid {}: {call}: no AIO facility (a 4.x GENERIC kernel's, built without options VFS_AIO): ENOSYS",
        task.process.pid.0
    );
    Err(errno::ENOSYS)
}

macro_rules! aio_calls {
    ($($handler:ident($args:ident) $name:literal;)*) => {
        $(
            pub(crate) fn $handler(task: &mut Task, _: fb::$args) -> SysResult {
                without_vfs_aio(task, $name)
            }
        )*
    };
}

aio_calls! {
    sys_aio_return(AioReturnArgs) "aio_return";
    sys_aio_suspend(AioSuspendArgs) "aio_suspend";
    sys_aio_cancel(AioCancelArgs) "aio_cancel";
    sys_aio_error(AioErrorArgs) "aio_error";
    sys_aio_read(AioReadArgs) "aio_read";
    sys_aio_write(AioWriteArgs) "aio_write";
    sys_lio_listio(LioListioArgs) "lio_listio";
    sys_aio_waitcomplete(AioWaitcompleteArgs) "aio_waitcomplete";
}
