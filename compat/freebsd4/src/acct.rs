//! acct(2): process accounting as 4.x's `kern_acct.c` (1.23.2.x) does it. While it is
//! on, every process that exits (native ones too: the core's exit observer sees them
//! all) appends one 4.x `struct acct` to the file. Layout from 4.x's `sys/acct.h`
//! (1.12, kept unchanged in DragonFly's), i386, 48 bytes:
//! `char ac_comm[16]` at 0; `comp_t ac_utime` 16, `ac_stime` 18, `ac_etime` 20;
//! `time_t ac_btime` 24; `uid_t ac_uid` 28; `gid_t ac_gid` 32; `u_int16_t ac_mem` 36;
//! `comp_t ac_io` 38; `udev_t ac_tty` 40; `u_int8_t ac_flag` 44; 3 bytes of padding.

use crate::fb::errno;
use crate::files::file_errno;
use crate::sys::{Ret, SysResult};
use alloc::sync::Arc;
use nymph_kernel::file::OpenFile;
use nymph_kernel::process::accounting::{self, ExitRecord};
use nymph_kernel::process::{Process, Task};
use nymph_kernel::sync::Mutex;
use nymph_kernel::vfs::{self, NodeType, OpenFlags};

/// `sizeof(struct acct)` on i386.
pub(crate) const RECORD_LEN: usize = 48;
const AC_COMM_LEN: usize = 16;
/// `ac_flag` bits (sys/acct.h).
const AFORK: u8 = 0x01;
const ACORE: u8 = 0x08;
const AXSIG: u8 = 0x10;
/// 4.x's `NOUDEV`: no controlling terminal.
const NOUDEV: u32 = u32::MAX;
/// comp_t units per second (sys/acct.h's AHZ).
const AHZ: u64 = 64;
/// encode_comp_t's 13-bit mantissa and base-8 (3-bit) exponent.
const MANTSIZE: u32 = 13;
const EXPSIZE: u32 = 3;
const MAXFRACT: u64 = (1 << MANTSIZE) - 1;

/// acctwatch's defaults (kern.acct_suspend, kern.acct_resume, kern.acct_chkfreq):
/// accounting stops below 2% free space, resumes above 4%, checked every 15 s.
const SUSPEND_PERCENT: u64 = 2;
const RESUME_PERCENT: u64 = 4;
const CHECK_NS: u64 = 15_000_000_000;

/// The accounting file (4.x's acctp, or savacctp while suspended).
#[derive(Debug)]
struct Accounting {
    file: Arc<OpenFile>,
    /// Too little free space: records are dropped until there is more (savacctp).
    suspended: bool,
    /// When acctwatch last looked (monotonic ns).
    checked_at: u64,
}

static ACCT: Mutex<Option<Accounting>> = Mutex::new(None);

/// acct(path): root only (EPERM, before the path is read); a path opens that file for
/// appending (not created; a directory EISDIR as vn_open answers a write open, another
/// non-regular file EACCES) and replaces the earlier one, which stays if the open
/// fails; NULL turns accounting off.
pub(crate) fn sys_acct(task: &mut Task, a: crate::fb::AcctArgs) -> SysResult {
    // kern_acct.c `acct`: plain suser (no jailed root).
    crate::sys::suser(task, crate::sys::Jail::Refused)?;
    if a.path.addr() == 0 {
        *ACCT.lock() = None;
        accounting::observe_exits(None);
        return Ok(Ret::word(0));
    }
    let path = crate::fs::path_arg(task, a.path)?;
    // vn_open(FWRITE | O_APPEND) without O_CREAT: an existing file, symlinks followed.
    let flags = OpenFlags {
        write: true,
        append: true,
        ..OpenFlags::default()
    };
    let file = vfs::open(&task.process.fs(), None, &path, flags, 0).map_err(file_errno)?;
    let node = file.node().cloned().ok_or(errno::EACCES)?;
    if node.kind() == NodeType::Directory {
        return Err(errno::EISDIR);
    }
    if node.kind() != NodeType::Regular {
        return Err(errno::EACCES);
    }
    let mut state = Accounting {
        file,
        suspended: false,
        checked_at: 0,
    };
    // acct() runs acctwatch at once for the new file.
    watch(&mut state, &node, nymph_kernel::time::monotonic_ns());
    *ACCT.lock() = Some(state);
    accounting::observe_exits(Some(account));
    Ok(Ret::word(0))
}

/// acctwatch: suspends accounting when the file's file system has SUSPEND_PERCENT or
/// less free, resumes it above RESUME_PERCENT.
fn watch(state: &mut Accounting, node: &vfs::Inode, now: u64) {
    let info = vfs::fs_info(node);
    if state.suspended {
        if info.free_blocks > RESUME_PERCENT * info.blocks / 100 {
            state.suspended = false;
            log::info!("Accounting resumed");
        }
    } else if info.free_blocks <= SUSPEND_PERCENT * info.blocks / 100 {
        state.suspended = true;
        log::info!("Accounting suspended");
    }
    state.checked_at = now;
}

/// The exit observer: appends the record (4.x's acct_process), unless suspended. A
/// failed write is dropped, as exit1 ignores acct_process's error.
fn account(_process: &Process, record: &ExitRecord) {
    let file = {
        let mut acct = ACCT.lock();
        let Some(state) = acct.as_mut() else {
            return;
        };
        let now = nymph_kernel::time::monotonic_ns();
        if now.saturating_sub(state.checked_at) >= CHECK_NS
            && let Some(node) = state.file.node().cloned()
        {
            watch(state, &node, now);
        }
        if state.suspended {
            return;
        }
        state.file.clone()
    };
    let bytes = encode(record);
    if let Err(e) = file.write(&bytes) {
        log::warn!("acct: a record was not written: {e:?}");
    }
}

/// 4.x's encode_comp_t: seconds and microseconds to 1/AHZ ticks, as a 13-bit mantissa
/// and a base-8 exponent, rounding on the last bit shifted out.
pub(crate) fn encode_comp_t(sec: u64, usec: u64) -> u16 {
    let mut s = sec.saturating_mul(AHZ) + usec / (1_000_000 / AHZ);
    let mut exp: u64 = 0;
    let mut round = false;
    while s > MAXFRACT {
        round = s & (1 << (EXPSIZE - 1)) != 0;
        s >>= EXPSIZE;
        exp += 1;
    }
    if round {
        s += 1;
        if s > MAXFRACT {
            s >>= EXPSIZE;
            exp += 1;
        }
    }
    // Past the largest comp_t (exponent 7) 4.x's result wraps in 16 bits; ours too.
    ((exp << MANTSIZE) + s) as u16
}

fn comp_ns(ns: u64) -> u16 {
    encode_comp_t(ns / 1_000_000_000, ns % 1_000_000_000 / 1000)
}

/// The 48 bytes of `struct acct` for `r`.
pub(crate) fn encode(r: &ExitRecord) -> [u8; RECORD_LEN] {
    let mut b = [0u8; RECORD_LEN];
    let n = r.name.len().min(AC_COMM_LEN);
    b[..n].copy_from_slice(&r.name[..n]);
    b[16..18].copy_from_slice(&comp_ns(r.user_ns).to_le_bytes());
    b[18..20].copy_from_slice(&comp_ns(r.system_ns).to_le_bytes());
    b[20..22].copy_from_slice(&comp_ns(r.elapsed_ns).to_le_bytes());
    b[24..28].copy_from_slice(&(r.start.0 as u32).to_le_bytes());
    b[28..32].copy_from_slice(&r.uid.to_le_bytes());
    b[32..36].copy_from_slice(&r.gid.to_le_bytes());
    // 4.x's ac_mem is the time-average of the memory integrals in KiB, which the core
    // does not keep: the peak resident set in KiB stands in for it.
    let mem = (r.max_resident_pages * 4).min(u64::from(u16::MAX)) as u16;
    b[36..38].copy_from_slice(&mem.to_le_bytes());
    // ac_io (ru_inblock + ru_oublock): no block I/O is counted here, 0.
    b[38..40].copy_from_slice(&encode_comp_t(0, 0).to_le_bytes());
    let tty = r.tty.map_or(NOUDEV, |dev| dev as u32);
    b[40..44].copy_from_slice(&tty.to_le_bytes());
    b[44] = if r.forked_without_exec { AFORK } else { 0 }
        | if r.dumped_core { ACORE } else { 0 }
        | if r.signaled { AXSIG } else { 0 };
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comp_t_as_4x_encodes_it() {
        assert_eq!(encode_comp_t(0, 0), 0);
        // One second is 64 ticks; 8191 ticks still fit the mantissa.
        assert_eq!(encode_comp_t(1, 0), 64);
        assert_eq!(encode_comp_t(0, 15_625), 1);
        assert_eq!(encode_comp_t(127, 984_375), 8191);
        // 8192 ticks: one shift (exponent 1, mantissa 1024).
        assert_eq!(encode_comp_t(128, 0), (1 << 13) | 1024);
        // 8196 = 0b10_0000_0000_0100: the bit shifted out last (bit 2) rounds up.
        assert_eq!(encode_comp_t(128, 62_500), (1 << 13) | 1025);
    }
}
