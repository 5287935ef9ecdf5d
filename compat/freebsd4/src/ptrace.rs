//! `ptrace(2)` (26) as 4.x's `sys_process.c` serves it, for a 4.x gdb: the requests of
//! sys/ptrace.h and i386 machine/ptrace.h, their permission checks in 4.x's order, and
//! `struct reg`, `struct fpreg` and `struct dbreg` (the first two shared with core
//! files). The mechanism (stops, parked registers, memory access) is the core's
//! [`debug`] module.

use crate::core_dump::{FpReg, Reg, fpregs, reg_of};
use crate::fb::{self, consts, errno};
use crate::signals::{cs_secure, eflags_change_allowed, signal_from_fb};
use crate::sys::{Ret, SysResult, fault};
use nymph_hal::debugreg::DebugRegisters;
use nymph_hal::user::FpuState;
use nymph_kernel::process::debug::{self, DebugError, Resume};
use nymph_kernel::process::{Pid, Process, Signal, Task};
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// i386 `struct dbreg`: dr0..dr7.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable)]
struct DbReg {
    dr: [u32; 8],
}

/// `struct ptrace_io_desc` (PT_IO; size_t and pointers are 32 bits).
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable)]
struct PtraceIoDesc {
    piod_op: i32,
    piod_offs: u32,
    piod_addr: u32,
    piod_len: u32,
}

/// i386 `VM_MAXUSER_ADDRESS`: no breakpoint may be enabled at or above it.
const VM_MAXUSER_ADDRESS: u32 = 0xbfc0_0000;

/// PT_SETDBREGS's registers as 4.x's i386 `set_dbregs` takes them: no RW or LEN field
/// of DR7 may be binary 10 (I/O breakpoints and 8-byte lengths are undefined there),
/// and an enabled breakpoint's address must be a user one; dr4 and dr5 are not kept.
fn dbregs_to_set(db: &DbReg) -> Result<DebugRegisters, i32> {
    let control = db.dr[7];
    if (0..8).any(|field| (control >> (16 + 2 * field)) & 3 == 2) {
        return Err(errno::EINVAL);
    }
    for n in 0..4 {
        if (control >> (2 * n)) & 3 != 0 && db.dr[n] >= VM_MAXUSER_ADDRESS {
            return Err(errno::EINVAL);
        }
    }
    Ok(DebugRegisters {
        address: [0, 1, 2, 3].map(|n| u64::from(db.dr[n])),
        status: u64::from(db.dr[6]),
        control: u64::from(control),
    })
}

fn debug_errno(e: DebugError) -> i32 {
    match e {
        DebugError::NoSuchProcess => errno::ESRCH,
        DebugError::NotPermitted => errno::EPERM,
        DebugError::Busy => errno::EBUSY,
        DebugError::Invalid => errno::EINVAL,
        // "procfs_domem() returns EPERM for other invalid addresses. Convert this to
        // EINVAL" (4.x sys_process.c): a bad address is EINVAL, not EFAULT or EIO.
        DebugError::BadAddress => errno::EINVAL,
    }
}

/// The signal `data` names for PT_CONTINUE, PT_STEP and PT_DETACH: 0 is none, and 4.x
/// takes only numbers below NSIG.
fn resume_signal(data: i32) -> Result<Option<Signal>, i32> {
    match u32::try_from(data) {
        Ok(0) => Ok(None),
        Ok(n) if n < consts::NSIG => Ok(signal_from_fb(n as i32)),
        _ => Err(errno::EINVAL),
    }
}

pub(crate) fn sys_ptrace(task: &mut Task, a: fb::PtraceArgs) -> SysResult {
    let req = a.req as u32;
    let addr = a.addr.addr();
    if req == consts::PT_TRACE_ME {
        // "Always legal" in 4.x.
        debug::trace_me(&task.process);
        return Ok(Ret::Word(0));
    }
    let pid = Pid(u32::try_from(a.pid).map_err(|_| errno::ESRCH)?);
    if req == consts::PT_ATTACH {
        debug::attach(&task.process, pid).map_err(debug_errno)?;
        return Ok(Ret::Word(0));
    }
    let known = matches!(
        req,
        consts::PT_READ_I
            | consts::PT_READ_D
            | consts::PT_WRITE_I
            | consts::PT_WRITE_D
            | consts::PT_CONTINUE
            | consts::PT_KILL
            | consts::PT_STEP
            | consts::PT_DETACH
            | consts::PT_IO
            | consts::PT_GETREGS
            | consts::PT_SETREGS
            | consts::PT_GETFPREGS
            | consts::PT_SETFPREGS
            | consts::PT_GETDBREGS
            | consts::PT_SETDBREGS
    );
    // 4.x looks the process up before it looks at the request.
    if nymph_kernel::process::find(pid).is_none_or(|p| p.has_exited()) {
        return Err(errno::ESRCH);
    }
    if !known {
        return Err(errno::EINVAL);
    }
    let tracee = debug::stopped_tracee(&task.process, pid).map_err(debug_errno)?;
    match req {
        consts::PT_READ_I | consts::PT_READ_D => {
            let mut word = [0u8; 4];
            debug::read_memory(&tracee, addr, &mut word).map_err(debug_errno)?;
            Ok(Ret::Word(u32::from_le_bytes(word)))
        }
        consts::PT_WRITE_I | consts::PT_WRITE_D => {
            debug::write_memory(&tracee, addr, &a.data.to_le_bytes()).map_err(debug_errno)?;
            Ok(Ret::Word(0))
        }
        consts::PT_CONTINUE | consts::PT_STEP | consts::PT_DETACH => {
            let signal = resume_signal(a.data)?;
            let how = match req {
                consts::PT_STEP => Resume::Step,
                consts::PT_DETACH => Resume::Detach,
                _ => Resume::Continue,
            };
            // (caddr_t)1: where it stopped.
            let pc = (addr != 1).then_some(addr);
            debug::resume(&tracee, how, pc, signal);
            Ok(Ret::Word(0))
        }
        consts::PT_IO => pt_io(task, &tracee, addr),
        consts::PT_KILL => {
            debug::resume(&tracee, Resume::Continue, None, Some(Signal::Kill));
            Ok(Ret::Word(0))
        }
        consts::PT_GETREGS => {
            let cause = tracee.last_fault();
            let reg = parked(&tracee, |c| reg_of(c, cause.as_ref()))?;
            task.write_val(addr, &reg).map_err(fault)?;
            Ok(Ret::Word(0))
        }
        consts::PT_SETREGS => {
            let reg: Reg = task.read_val(addr).map_err(fault)?;
            parked(&tracee, |c| set_regs(c, &reg))??;
            Ok(Ret::Word(0))
        }
        consts::PT_GETFPREGS => {
            let fp = parked(&tracee, |c| fpregs(&c.fpu.0))?;
            task.write_val(addr, &fp).map_err(fault)?;
            Ok(Ret::Word(0))
        }
        consts::PT_SETFPREGS => {
            let fp: FpReg = task.read_val(addr).map_err(fault)?;
            parked(&tracee, |c| set_fpregs(&mut c.fpu, &fp))?;
            Ok(Ret::Word(0))
        }
        consts::PT_GETDBREGS => {
            let db = tracee
                .debug_registers()
                .map_or_else(DbReg::default, |r| DbReg {
                    dr: [
                        r.address[0] as u32,
                        r.address[1] as u32,
                        r.address[2] as u32,
                        r.address[3] as u32,
                        0,
                        0,
                        r.status as u32,
                        r.control as u32,
                    ],
                });
            task.write_val(addr, &db).map_err(fault)?;
            Ok(Ret::Word(0))
        }
        _ => {
            let db: DbReg = task.read_val(addr).map_err(fault)?;
            // 4.x's registers describe a 4.x process; another ABI's gets none.
            if tracee.personality().name() != "freebsd4" {
                return Err(errno::EINVAL);
            }
            tracee.set_debug_registers(Some(dbregs_to_set(&db)?));
            Ok(Ret::Word(0))
        }
    }
}

/// PT_IO: `piod_len` bytes between the tracee at `piod_offs` and the caller at
/// `piod_addr`, in pieces that never cross a page of the tracee; `piod_len` is set to what was moved,
/// and a bad address on either side is EFAULT (as 5.x's proc_rwmem answers).
fn pt_io(task: &Task, tracee: &Process, at: u64) -> SysResult {
    let mut desc: PtraceIoDesc = task.read_val(at).map_err(fault)?;
    let write = match u32::try_from(desc.piod_op) {
        Ok(consts::PIOD_READ_D | consts::PIOD_READ_I) => false,
        Ok(consts::PIOD_WRITE_D | consts::PIOD_WRITE_I) => true,
        _ => return Err(errno::EINVAL),
    };
    // Small pieces: the kernel stack is no place for a page.
    let mut piece = [0u8; 256];
    let mut done = 0u32;
    let mut result = Ok(Ret::Word(0));
    while done < desc.piod_len {
        let theirs = u64::from(desc.piod_offs) + u64::from(done);
        let mine = u64::from(desc.piod_addr) + u64::from(done);
        let n = (256 - (theirs % 256) as u32).min(desc.piod_len - done);
        let chunk = &mut piece[..n as usize];
        let moved = if write {
            task.read_bytes(mine, chunk).map_err(fault).and_then(|()| {
                debug::write_memory(tracee, theirs, chunk).map_err(|_| errno::EFAULT)
            })
        } else {
            debug::read_memory(tracee, theirs, chunk)
                .map_err(|_| errno::EFAULT)
                .and_then(|()| task.write_bytes(mine, chunk).map_err(fault))
        };
        if let Err(e) = moved {
            result = Err(e);
            break;
        }
        done += n;
    }
    desc.piod_len = done;
    task.write_val(at, &desc).map_err(fault)?;
    result
}

/// Runs `f` on a stopped tracee's parked registers.
fn parked<R>(
    tracee: &Process,
    f: impl FnOnce(&mut nymph_hal::user::UserContext) -> R,
) -> Result<R, i32> {
    debug::with_stopped_context(tracee, f).ok_or(errno::EBUSY)
}

/// PT_SETREGS (4.x's set_regs): the general registers, eip, esp, eflags and the
/// segment registers, with sigreturn's checks (EFL_SECURE, CS_SECURE). A selector that
/// does not load is dealt with as the tracee goes back to user mode, against its own
/// LDT (a data selector becomes null; a code selector kills it with SIGSEGV).
fn set_regs(c: &mut nymph_hal::user::UserContext, reg: &Reg) -> Result<(), i32> {
    if !eflags_change_allowed(c.regs.rflags as u32, reg.r_eflags) || !cs_secure(reg.r_cs) {
        return Err(errno::EINVAL);
    }
    let r = &mut c.regs;
    let u = u64::from;
    (r.rdi, r.rsi, r.rbp, r.rbx) = (u(reg.r_edi), u(reg.r_esi), u(reg.r_ebp), u(reg.r_ebx));
    (r.rdx, r.rcx, r.rax) = (u(reg.r_edx), u(reg.r_ecx), u(reg.r_eax));
    (r.rip, r.rflags, r.rsp) = (u(reg.r_eip), u(reg.r_eflags), u(reg.r_esp));
    let s = |v: u32| v as i32;
    let selectors = crate::signals::Selectors {
        cs: s(reg.r_cs),
        ss: s(reg.r_ss),
        ds: s(reg.r_ds),
        es: s(reg.r_es),
        fs: s(reg.r_fs),
        gs: Some(s(reg.r_gs)),
    };
    crate::signals::restore_selectors(c, selectors);
    Ok(())
}

/// PT_SETFPREGS: the FNSAVE image back into the FXSAVE one (the inverse of
/// [`fpregs`]); MXCSR and the SSE registers, which `struct fpreg` lacks, are kept.
fn set_fpregs(fpu: &mut FpuState, fp: &FpReg) {
    let fx = &mut fpu.0;
    let env = fp.fpr_env;
    let put16 = |fx: &mut [u8; 512], at: usize, v: u32| {
        fx[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes());
    };
    put16(fx, 0, env[0]);
    put16(fx, 2, env[1]);
    // FXSAVE's abridged tag: one bit per physical register, set unless empty (11).
    fx[4] = (0..8)
        .filter(|i| (env[2] >> (2 * i)) & 3 != 3)
        .fold(0u8, |tags, i| tags | 1 << i);
    put16(fx, 6, (env[4] >> 16) & 0x7ff);
    fx[8..12].copy_from_slice(&env[3].to_le_bytes());
    put16(fx, 12, env[4]);
    fx[16..20].copy_from_slice(&env[5].to_le_bytes());
    put16(fx, 20, env[6]);
    for (i, st) in fp.fpr_acc.chunks_exact(10).enumerate() {
        let slot = &mut fx[32 + 16 * i..48 + 16 * i];
        slot[..10].copy_from_slice(st);
        slot[10..].fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fpregs_round_trip_through_the_fxsave_image() {
        let mut fpu = FpuState::with_control_word(0x127f);
        let fx = &mut fpu.0;
        // fsw with TOP = 7, ST(0) = 1.0 (valid), the other registers empty.
        fx[2..4].copy_from_slice(&(7u16 << 11).to_le_bytes());
        fx[4] = 1 << 7;
        fx[32..42].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
        fx[8..12].copy_from_slice(&0x0804_8123u32.to_le_bytes());
        fx[12..14].copy_from_slice(&0x1fu16.to_le_bytes());
        fx[6..8].copy_from_slice(&0x123u16.to_le_bytes());
        fx[16..20].copy_from_slice(&0x0804_9000u32.to_le_bytes());
        fx[20..22].copy_from_slice(&0x27u16.to_le_bytes());
        let image = fpregs(&fpu.0);
        let mut back = FpuState::with_control_word(0);
        set_fpregs(&mut back, &image);
        assert_eq!(&back.0[..160], &fpu.0[..160]);
        // An empty tag word leaves no register marked valid.
        let mut empty = image;
        empty.fpr_env[2] = 0xffff;
        set_fpregs(&mut back, &empty);
        assert_eq!(back.0[4], 0);
    }

    #[test]
    fn setregs_refuses_what_sigreturn_refuses() {
        let mut c = nymph_hal::user::UserContext::new(
            nymph_hal::user::UserMode::Compat32,
            0x0804_8000,
            0xbfbf_f000,
            FpuState::with_control_word(0x127f),
        );
        let cs = c.regs.cs;
        let flags = c.regs.rflags as u32;
        let good = Reg {
            r_eip: 0x0804_8010,
            r_eax: 7,
            r_cs: 0x2b,
            r_eflags: flags | 1,
            ..Reg::default()
        };
        assert_eq!(set_regs(&mut c, &good), Ok(()));
        assert_eq!((c.regs.rip, c.regs.rax), (0x0804_8010, 7));
        // A user-mode 64-bit selector is ignored, not loaded.
        assert_eq!(c.regs.cs, cs);
        let kernel_cs = Reg { r_cs: 0x08, ..good };
        assert_eq!(set_regs(&mut c, &kernel_cs), Err(errno::EINVAL));
        let iopl = Reg {
            r_eflags: flags | 0x3000,
            ..good
        };
        assert_eq!(set_regs(&mut c, &iopl), Err(errno::EINVAL));
        let vm86 = Reg {
            r_eflags: flags | 0x2_0000,
            ..good
        };
        assert_eq!(set_regs(&mut c, &vm86), Err(errno::EINVAL));
    }

    #[test]
    fn resume_signals_are_below_nsig() {
        assert_eq!(resume_signal(0), Ok(None));
        assert_eq!(resume_signal(30), Ok(Some(Signal::Usr1)));
        assert_eq!(resume_signal(32), Err(errno::EINVAL));
        assert_eq!(resume_signal(-1), Err(errno::EINVAL));
    }
}
