//! `sysarch` (165), the i386 machine-dependent call, as 4.x's i386/i386/sys_machdep.c
//! serves it in a kernel built with `options USER_LDT`: a process's own LDT
//! (I386_GET_LDT, I386_SET_LDT) and its I/O-port permissions (I386_GET_IOPERM,
//! I386_SET_IOPERM).
//!
//! The LDT is the address space's (the core keeps it; the hardware layer loads it and
//! decides what the CPU may be given). What a 4.x program reads back is 4.x's table:
//! before it sets a slot, 4.x's default 17-slot table, with call gates at 0, 4 and 16
//! and the user code and data segments at 3 and 5; after, a table of whole 512-slot
//! pages holding what it set. Here the gate at 0 is a real one (`lcall $7,$0` works),
//! the two at 4 and 16 (Solaris and BSD/OS entries, which 4.x served only through
//! emulators) are reported but not there, and slot 1 holds the second half of the
//! long-mode gate, reported as 4.x's null slot.

use crate::fb::{self, errno};
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use alloc::vec::Vec;
use nymph_hal::ldt::{self, MAX_ENTRIES};
use nymph_kernel::process::Task;
use zerocopy::IntoBytes;

/// The ops (machine/sysarch.h).
const I386_GET_LDT: i32 = 0;
const I386_SET_LDT: i32 = 1;
const I386_GET_IOPERM: i32 = 3;
const I386_SET_IOPERM: i32 = 4;
const I386_VM86: i32 = 6;

/// Slots in 4.x's default LDT (NLDT: LBSDICALLS_SEL + 1).
const NLDT: usize = 17;
/// Ports an I/O bitmap covers (IOPAGES * PAGE_SIZE * NBBY).
const IO_PORTS: u32 = 2 * 4096 * 8;

/// 4.x's system-call gate as i386_get_ldt reports it: a 386 call gate (type 12),
/// privilege 3, present, one word copied (gd_stkcpy 1), into the kernel code selector
/// GSEL(GCODE_SEL, SEL_KPL) = 0x08. The offset is the kernel's entry address, which is
/// nothing user code can use: 0 here.
const FB4_GATE: u64 = (0x08 << 16) | (1 << 32) | (12 << 40) | (3 << 45) | (1 << 47);

/// Slots 4.x fills with that gate (LSYS5CALLS_SEL, LSOL26CALLS_SEL, LBSDICALLS_SEL).
const GATE_SLOTS: [usize; 3] = [0, 4, 16];

/// `sysarch(op, parms)`.
pub(crate) fn sys_sysarch(task: &mut Task, a: fb::SysarchArgs) -> SysResult {
    let parms = a.parms.addr();
    match a.op {
        I386_GET_LDT => get_ldt(task, parms),
        I386_SET_LDT => set_ldt(task, parms),
        I386_GET_IOPERM => get_ioperm(task, parms),
        I386_SET_IOPERM => set_ioperm(task, parms),
        I386_VM86 => {
            log::warn!(
                "pid {}: sysarch I386_VM86: long mode has no virtual-8086 mode",
                task.process.pid.0
            );
            Err(errno::EOPNOTSUPP)
        }
        _ => Err(errno::EOPNOTSUPP),
    }
}

/// Slot `slot` as a 4.x program reads it, given the hardware slot's contents.
fn fb4_view(slot: usize, hardware: u64) -> u64 {
    match slot {
        0 => FB4_GATE,
        1 => 0,
        4 | 16 if hardware == 0 => FB4_GATE,
        _ => hardware,
    }
}

/// 4.x's LUCODE_SEL and LUDATA_SEL descriptors: flat 4 GiB, 32-bit, page granular,
/// privilege 3, accessed (SDT_MEMERA and SDT_MEMRWA).
const FB4_UCODE: u64 = 0x00cf_fb00_0000_ffff;
const FB4_UDATA: u64 = 0x00cf_f300_0000_ffff;

/// 4.x's default table (`ldt[]` after init386).
fn default_slot(slot: usize) -> u64 {
    match slot {
        s if GATE_SLOTS.contains(&s) => FB4_GATE,
        ldt::CODE_SLOT => FB4_UCODE,
        ldt::DATA_SLOT => FB4_UDATA,
        _ => 0,
    }
}

/// The table as 4.x would show it.
fn fb4_table(task: &Task) -> Vec<u64> {
    let own = task.process.with_space(|space| {
        space.ldt().map(|t| {
            (0..t.len())
                .map(|i| fb4_view(i, t.get(i)))
                .collect::<Vec<_>>()
        })
    });
    own.flatten()
        .unwrap_or_else(|| (0..NLDT).map(default_slot).collect())
}

/// I386_GET_LDT (4.x `i386_get_ldt`): EINVAL for a negative start or a count not
/// above 0, the count cut to the table's length, EINVAL if that still runs past its
/// end; returns the count copied out.
fn get_ldt(task: &mut Task, parms: u64) -> SysResult {
    let args: fb::i386_ldt_args = task.read_val(parms).map_err(fault)?;
    if args.start < 0 || args.num <= 0 {
        return Err(errno::EINVAL);
    }
    let (start, num) = (args.start as usize, args.num as usize);
    let table = fb4_table(task);
    let num = num.min(table.len());
    let slots = table.get(start..start + num).ok_or(errno::EINVAL)?;
    task.write_bytes(u64::from(args.descs), slots.as_bytes())
        .map_err(fault)?;
    Ok(Ret::word(num as u64))
}

/// The type bits (sd_type: S and the 4-bit type) and the rest of a descriptor.
const TYPE_SHIFT: u32 = 40;
const PRESENT: u64 = 1 << 47;
const DPL_SHIFT: u32 = 45;
/// sd_type values: system null, and the conforming code types (SDT_MEMEC..SDT_MEMERAC).
const SDT_SYSNULL: u64 = 0;
const SDT_MEMEC: u64 = 28;

/// 4.x's check of each descriptor (i386_set_ldt): a system null descriptor is made not
/// present; any other system descriptor is EACCES (gates, TSSs, LDTs are the kernel's);
/// conforming code must be present (EACCES); and a present descriptor must be of
/// privilege 3 (EACCES). Here the kernel's own slots are EACCES too.
fn check(slot: usize, descriptor: u64) -> Result<u64, i32> {
    if ldt::is_reserved(slot) {
        return Err(errno::EACCES);
    }
    let sd_type = (descriptor >> TYPE_SHIFT) & 0x1f;
    let descriptor = match sd_type {
        SDT_SYSNULL => descriptor & !PRESENT,
        1..=15 => return Err(errno::EACCES),
        SDT_MEMEC.. if descriptor & PRESENT == 0 => return Err(errno::EACCES),
        _ => descriptor,
    };
    if descriptor & PRESENT != 0 && (descriptor >> DPL_SHIFT) & 3 != 3 {
        return Err(errno::EACCES);
    }
    Ok(descriptor)
}

/// I386_SET_LDT (4.x `i386_set_ldt`): start and count checked (EINVAL), the table made
/// or grown to cover them (ENOMEM), the descriptors copied in (EFAULT) and checked
/// (EACCES) before any is stored; returns start.
fn set_ldt(task: &mut Task, parms: u64) -> SysResult {
    let args: fb::i386_ldt_args = task.read_val(parms).map_err(fault)?;
    let max = MAX_ENTRIES as i64;
    let (start, num) = (i64::from(args.start), i64::from(args.num));
    if !(0..max).contains(&start) || !(0..=max).contains(&num) || start + num > max {
        return Err(errno::EINVAL);
    }
    let (start, num) = (start as usize, num as usize);
    let largest = (start + num).max(1) - 1;
    task.process
        .with_space(|space| space.ldt_at_least(largest + 1).map(|_| ()))
        .ok_or(errno::ENOMEM)?
        .map_err(|_| errno::ENOMEM)?;
    let mut raw = alloc::vec![0u64; num];
    task.read_bytes(u64::from(args.descs), raw.as_mut_slice().as_mut_bytes())
        .map_err(fault)?;
    let checked = raw
        .iter()
        .enumerate()
        .map(|(i, &d)| check(start + i, u64::from_le(d)))
        .collect::<Result<Vec<u64>, i32>>()?;
    task.process
        .with_space(|space| -> Result<(), i32> {
            let table = space.ldt_at_least(largest + 1).map_err(|_| errno::ENOMEM)?;
            for (i, d) in checked.into_iter().enumerate() {
                table.set(start + i, d).map_err(|_| errno::EACCES)?;
            }
            Ok(())
        })
        .ok_or(errno::ENOMEM)??;
    Ok(Ret::word(start as u64))
}

/// I386_SET_IOPERM (4.x `i386_set_ioperm`): root outside any prison (EPERM; no
/// securelevel is raised here), the map made on first use (ENOMEM), EINVAL for a range
/// past the last port; then the ports are allowed or denied. The map is the process's:
/// fork does not pass it on, exec keeps it.
fn set_ioperm(task: &mut Task, parms: u64) -> SysResult {
    let args: fb::i386_ioperm_args = task.read_val(parms).map_err(fault)?;
    suser(task, Jail::Refused)?;
    let (start, length) = (args.start as usize, args.length as usize);
    let p = &task.process;
    // 4.x makes the map before it checks the range.
    p.set_io_ports(0..0, false).map_err(|_| errno::ENOMEM)?;
    if start + length > IO_PORTS as usize {
        return Err(errno::EINVAL);
    }
    p.set_io_ports(start..start + length, args.enable != 0)
        .map_err(|_| errno::ENOMEM)?;
    Ok(Ret::word(0))
}

/// I386_GET_IOPERM (4.x `i386_get_ioperm`): EINVAL for a port past the map; a process
/// never given a port gets length 0 back (the rest of its struct as it gave it); else
/// whether `start` is enabled and how many ports from it share that state.
fn get_ioperm(task: &mut Task, parms: u64) -> SysResult {
    let mut args: fb::i386_ioperm_args = task.read_val(parms).map_err(fault)?;
    if args.start >= IO_PORTS {
        return Err(errno::EINVAL);
    }
    let start = args.start as usize;
    task.process.with_io_ports(|map| match map {
        None => args.length = 0,
        Some(map) => {
            let enabled = map.allows(start);
            let run = (start..IO_PORTS as usize)
                .take_while(|&port| map.allows(port) == enabled)
                .count();
            args.enable = i32::from(enabled);
            args.length = run as u32;
        }
    });
    task.write_val(parms, &args).map_err(fault)?;
    Ok(Ret::word(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER_DATA: u64 = 0x00cf_f300_0000_ffff;

    #[test]
    fn descriptors_are_checked_as_4x_checks_them() {
        assert_eq!(check(17, USER_DATA), Ok(USER_DATA));
        // Privilege 0 data, present: EACCES; not present: accepted.
        let kernel_data = USER_DATA & !(3 << DPL_SHIFT);
        assert_eq!(check(17, kernel_data), Err(errno::EACCES));
        assert_eq!(
            check(17, kernel_data & !PRESENT),
            Ok(kernel_data & !PRESENT)
        );
        // A call gate, even not present: EACCES.
        assert_eq!(check(17, FB4_GATE & !PRESENT), Err(errno::EACCES));
        // System null: made not present.
        assert_eq!(check(17, PRESENT | (3 << DPL_SHIFT)), Ok(3 << DPL_SHIFT));
        // Conforming code not present: EACCES.
        let conforming = 0x00cf_7f00_0000_ffff_u64;
        assert_eq!((conforming >> TYPE_SHIFT) & 0x1f, 31);
        assert_eq!(check(17, conforming), Err(errno::EACCES));
        assert_eq!(check(17, conforming | PRESENT), Ok(conforming | PRESENT));
        // The kernel's slots.
        for slot in [0, 1, 3, 5] {
            assert_eq!(check(slot, USER_DATA), Err(errno::EACCES));
        }
    }

    #[test]
    fn the_default_table_is_4x_s() {
        assert_eq!(default_slot(0), FB4_GATE);
        assert_eq!(default_slot(1), 0);
        assert_eq!(default_slot(3), 0x00cf_fb00_0000_ffff);
        assert_eq!(default_slot(4), FB4_GATE);
        assert_eq!(default_slot(5), USER_DATA);
        assert_eq!(default_slot(16), FB4_GATE);
        assert_eq!(fb4_view(1, 0x1234), 0);
        assert_eq!(fb4_view(4, USER_DATA), USER_DATA);
    }
}
