//! The kernel linker and module calls (kld*, mod*) as a 4.x kernel that has loaded no
//! file besides itself answers them.
//!
//! Nymph cannot link 4.x kernel objects, so its linker list holds one file: the kernel,
//! id 1, named "kernel" (4.x's link_elf.c `link_elf_init` makes the kernel file first,
//! named by the loader's MODINFO_NAME basename or "kernel"). Its modules are the 4.x
//! GENERIC modules that Nymph really provides under 4.x's names: the image activators
//! `elf` (imgact_elf.c `EXEC_SET(elf, elf_execsw)`) and `shell` (imgact_shell.c
//! `EXEC_SET(shell, shell_execsw)`, `#!` scripts); EXEC_SET declares a module of that
//! name (sys/imgact.h). 4.x's SysV IPC registers no module (sysv_shm.c, sysv_sem.c and
//! sysv_msg.c start with a SYSINIT), so `sysvshm` and the like are absent there and here.
//!
//! The checks and their order are 4.x's kern_linker.c and kern_module.c (RELENG_4, the
//! `struct proc` / `p_retval` versions with `linker_class_ops`; DragonFly's 1.17 copy of
//! FreeBSD 1.41.2.3 agrees on every call here).

use crate::fb::{self, errno};
use crate::files::file_errno;
use crate::fs::compat_path_in;
use crate::sys::{Jail, Ret, SysResult, fault, suser};
use alloc::vec::Vec;
use nymph_abi::rt::UserCStr;
use nymph_kernel::process::Task;
use nymph_kernel::process::uaccess::UserFault;
use nymph_kernel::vfs::{self, Follow, NodeType};

/// The kernel file's id: 4.x's `next_file_id` starts at 1 and the kernel is made first.
const KERNEL_FILE_ID: i32 = 1;
/// Its name as kldstat reports it.
const KERNEL_FILE_NAME: &[u8] = b"kernel";
/// Its reference count: 1 from `linker_make_file`, plus one per file depending on it
/// (there are none).
const KERNEL_FILE_REFS: i32 = 1;

/// The kernel file's modules in list order: (id, name). Ids count from 1 as 4.x's
/// `nextid` does; each has the one reference `module_register` gives it.
const MODULES: [(i32, &[u8]); 2] = [(1, b"elf"), (2, b"shell")];
const MODULE_REFS: i32 = 1;

/// `MAXPATHLEN` (sys/param.h): kldload's, kldfind's and kldsym's name buffers.
const MAXPATHLEN: usize = fb::consts::MAXPATHLEN as usize;

/// `sizeof(struct kld_file_stat)` on i386 (sys/linker.h): int version, char
/// name[MAXPATHLEN], int refs, int id, caddr_t address, size_t size.
const KLD_FILE_STAT_SIZE: i32 = 1044;
/// `sizeof(struct module_stat)` (sys/module.h): int version, char name[MAXMODNAME],
/// int refs, int id, modspecific_t data.
const MODULE_STAT_SIZE: i32 = 48;
/// `sizeof(struct module_stat_v1)`, the same without data (kern_module.c).
const MODULE_STAT_V1_SIZE: i32 = 44;
/// `sizeof(struct kld_sym_lookup)` (sys/linker.h): int version, char *symname, u_long
/// symvalue, size_t symsize.
const KLD_SYM_LOOKUP_SIZE: usize = 16;
/// kldsym's only command (sys/linker.h).
const KLDSYM_LOOKUP: i32 = 1;

/// 4.x's default `kern.module_path` (kern_linker.c `linker_path`).
const MODULE_PATH: [&[u8]; 3] = [b"/", b"/boot/", b"/modules/"];

/// The address of `off` bytes into a user structure, as i386 pointer arithmetic
/// computes it (a wrap past 4 GiB faults at a low address, as it would there).
fn at(base: u64, off: u64) -> u64 {
    base.wrapping_add(off) & 0xFFFF_FFFF
}

/// A name copied in as `copyinstr(..., max, NULL)` copies it: EFAULT, or ENAMETOOLONG
/// when no NUL comes within `max` bytes (`read_cstr` counts without the NUL).
fn name_in(task: &Task, p: UserCStr, max: usize) -> Result<Vec<u8>, i32> {
    task.read_cstr(p.addr(), max - 1).map_err(|e| match e {
        UserFault::StringTooLong => errno::ENAMETOOLONG,
        UserFault::BadAddress(_) => errno::EFAULT,
    })
}

/// `linker_find_file_by_id`: ENOENT for any id but the kernel's.
fn file_by_id(fileid: i32) -> Result<(), i32> {
    if fileid == KERNEL_FILE_ID {
        Ok(())
    } else {
        Err(errno::ENOENT)
    }
}

/// `linker_find_file_by_name`: the name, or the name with ".ko", equal to a loaded
/// file's name (compared whole: no path is stripped).
fn file_by_name(name: &[u8]) -> bool {
    name == KERNEL_FILE_NAME
}

/// `module_lookupbyid`: the module's index in [`MODULES`].
fn module_by_id(modid: i32) -> Result<usize, i32> {
    MODULES
        .iter()
        .position(|&(id, _)| id == modid)
        .ok_or(errno::ENOENT)
}

/// The id of the module after index `i`, 0 after the last. All modules are the kernel
/// file's, so the list of all modules and the file's list are the same.
fn next_module(i: usize) -> i32 {
    MODULES.get(i + 1).map_or(0, |&(id, _)| id)
}

/// modnext (300): `modnext(0)` the first module, an id its successor (0 at the end), an
/// unknown id ENOENT (kern_module.c `modnext`).
pub(crate) fn sys_modnext(_task: &mut Task, a: fb::ModnextArgs) -> SysResult {
    if a.modid == 0 {
        return Ok(Ret::word(MODULES[0].0 as u64));
    }
    let i = module_by_id(a.modid)?;
    Ok(Ret::word(next_module(i) as u64))
}

/// modfnext (302): the next module in the same file (kern_module.c `modfnext`).
pub(crate) fn sys_modfnext(_task: &mut Task, a: fb::ModfnextArgs) -> SysResult {
    let i = module_by_id(a.modid)?;
    Ok(Ret::word(next_module(i) as u64))
}

/// modstat (301), kern_module.c `modstat`: the id is looked up (ENOENT), the caller's
/// version read (EFAULT) and checked (44 or 48, else EINVAL); then the name with its
/// NUL, refs and id are copied out one by one, and data (0: no module here is a syscall
/// module) only for the 48-byte version. Bytes past the name's NUL are left alone.
pub(crate) fn sys_modstat(task: &mut Task, a: fb::ModstatArgs) -> SysResult {
    let i = module_by_id(a.modid)?;
    let (id, name) = MODULES[i];
    let stat = a.stat.addr();
    let version = task.read_val::<i32>(stat).map_err(fault)?;
    if version != MODULE_STAT_V1_SIZE && version != MODULE_STAT_SIZE {
        return Err(errno::EINVAL);
    }
    let mut cname = name.to_vec();
    cname.push(0);
    task.write_bytes(at(stat, 4), &cname).map_err(fault)?;
    task.write_val(at(stat, 36), &MODULE_REFS).map_err(fault)?;
    task.write_val(at(stat, 40), &id).map_err(fault)?;
    if version == MODULE_STAT_SIZE {
        task.write_val(at(stat, 44), &0i32).map_err(fault)?;
    }
    Ok(Ret::word(0))
}

/// modfind (303), kern_module.c `modfind`: the name copied into a MAXMODNAME (32) buffer
/// (EFAULT, ENAMETOOLONG), then `module_lookupbyname` (ENOENT).
pub(crate) fn sys_modfind(task: &mut Task, a: fb::ModfindArgs) -> SysResult {
    let name = name_in(task, a.name, a.name.max() as usize)?;
    MODULES
        .iter()
        .find(|&&(_, n)| n == name.as_slice())
        .map(|&(id, _)| Ret::word(id as u64))
        .ok_or(errno::ENOENT)
}

/// Whether a class's `load_file` finds `name` (link_elf.c, link_aout.c): a name with a
/// slash is opened as given, and any error but ENOENT means the file is there (it exists
/// but cannot be loaded, kern_linker.c `linker_load_file`); a bare name is looked for in
/// the module path as a regular file (`linker_search_path`), ENOENT when none is. The
/// lookups see the file system the process sees (the compat prefix for absolute paths).
/// 4.x opens each candidate for reading; here it is only looked up, so a FIFO on the
/// way does not block (4.x's vn_open would wait for a writer).
fn class_finds(task: &Task, name: &[u8]) -> bool {
    let ctx = task.process.fs();
    if name.contains(&b'/') {
        let path = compat_path_in(&ctx, name.to_vec());
        return match vfs::lookup(&ctx, None, &path, Follow::Yes) {
            Ok(_) => true,
            Err(e) => file_errno(e) != errno::ENOENT,
        };
    }
    MODULE_PATH.iter().any(|dir| {
        let mut path = dir.to_vec();
        path.extend_from_slice(name);
        let path = compat_path_in(&ctx, path);
        vfs::lookup(&ctx, None, &path, Follow::Yes)
            .is_ok_and(|node| node.kind() == NodeType::Regular)
    })
}

/// kldload (304), kern_linker.c `kldload` and `linker_load_file`:
///
/// * no securelevel is raised here, so only `suser`: EPERM for a non-root caller;
/// * the name copied in (EFAULT, ENAMETOOLONG at MAXPATHLEN);
/// * EEXIST if the part after the last slash names a loaded file ("kernel");
/// * each linker class tries NAME.ko, then NAME if that was ENOENT; nothing found is
///   ENOENT, anything found ENOEXEC, as no class here accepts a file: Nymph links no 4.x
///   kernel object (an i386 module 4.x would load gets ENOEXEC too).
pub(crate) fn sys_kldload(task: &mut Task, a: fb::KldloadArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    let name = name_in(task, a.file, MAXPATHLEN)?;
    let base = match name.iter().rposition(|&b| b == b'/') {
        Some(i) => &name[i + 1..],
        None => &name[..],
    };
    if file_by_name(base) {
        return Err(errno::EEXIST);
    }
    // linker_load_file looks the whole name up among the loaded files first; a name
    // equal to "kernel" was already refused above.
    let mut koname = name.clone();
    koname.extend_from_slice(b".ko");
    if class_finds(task, &koname) || class_finds(task, &name) {
        Err(errno::ENOEXEC)
    } else {
        Err(errno::ENOENT)
    }
}

/// kldunload (305), kern_linker.c `kldunload`: EPERM for a non-root caller; the kernel
/// file has no user references (the kernel loaded it): EBUSY; any other id ENOENT.
pub(crate) fn sys_kldunload(task: &mut Task, a: fb::KldunloadArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    file_by_id(a.fileid)?;
    Err(errno::EBUSY)
}

/// kldfind (306), kern_linker.c `kldfind`: the name copied in (EFAULT, ENAMETOOLONG);
/// 4.x keeps the name from its last slash on, slash included, so only a bare "kernel"
/// matches the kernel file and a path to it is ENOENT.
pub(crate) fn sys_kldfind(task: &mut Task, a: fb::KldfindArgs) -> SysResult {
    let name = name_in(task, a.file, MAXPATHLEN)?;
    let from_slash = match name.iter().rposition(|&b| b == b'/') {
        Some(i) => &name[i..],
        None => &name[..],
    };
    if file_by_name(from_slash) {
        Ok(Ret::word(KERNEL_FILE_ID as u64))
    } else {
        Err(errno::ENOENT)
    }
}

/// kldnext (307), kern_linker.c `kldnext`: 0 gives the first file (the kernel), the
/// kernel gives 0 (the end), any other id ENOENT.
pub(crate) fn sys_kldnext(_task: &mut Task, a: fb::KldnextArgs) -> SysResult {
    if a.fileid == 0 {
        return Ok(Ret::word(KERNEL_FILE_ID as u64));
    }
    file_by_id(a.fileid)?;
    Ok(Ret::word(0))
}

/// kldstat (308), kern_linker.c `kldstat`: the id looked up (ENOENT), the caller's
/// version read (EFAULT) and checked (1044, else EINVAL), then name with its NUL, refs,
/// id, address and size copied out one by one. Bytes past the name's NUL are left
/// alone.
///
/// address and size: 4.x gives the kernel's load address and image size from the
/// loader's metadata (link_elf.c `link_elf_init`; KERNBASE and -KERNBASE without it).
/// Nymph's kernel is an x86_64 image outside the 4 GiB a 4.x process can address, and
/// the core does not publish its extent, so both are 0: no address, no size in this
/// process's terms.
pub(crate) fn sys_kldstat(task: &mut Task, a: fb::KldstatArgs) -> SysResult {
    file_by_id(a.fileid)?;
    let stat = a.stat.addr();
    let version = task.read_val::<i32>(stat).map_err(fault)?;
    if version != KLD_FILE_STAT_SIZE {
        return Err(errno::EINVAL);
    }
    let mut cname = KERNEL_FILE_NAME.to_vec();
    cname.push(0);
    task.write_bytes(at(stat, 4), &cname).map_err(fault)?;
    task.write_val(at(stat, 1028), &KERNEL_FILE_REFS)
        .map_err(fault)?;
    task.write_val(at(stat, 1032), &KERNEL_FILE_ID)
        .map_err(fault)?;
    task.write_val(at(stat, 1036), &0i32).map_err(fault)?;
    task.write_val(at(stat, 1040), &0i32).map_err(fault)?;
    Ok(Ret::word(0))
}

/// kldfirstmod (309), kern_linker.c `kldfirstmod`: the kernel file's first module,
/// any other id ENOENT.
pub(crate) fn sys_kldfirstmod(_task: &mut Task, a: fb::KldfirstmodArgs) -> SysResult {
    file_by_id(a.fileid)?;
    Ok(Ret::word(MODULES[0].0 as u64))
}

/// kldsym (337), kern_linker.c `kldsym`: the whole struct kld_sym_lookup copied in
/// (EFAULT); a version other than 16 or a cmd other than KLDSYM_LOOKUP EINVAL; symname
/// copied in (EFAULT, ENAMETOOLONG at MAXPATHLEN); a fileid other than 0 not found
/// ENOENT. Then the symbol is looked up in the file (or, for 0, in each file), by
/// exactly the name given: the kernel file's symbols are the variables /dev/kmem
/// shows (crate::kmem; libkvm strips the underscore of its names). A find writes the
/// whole struct back with symvalue and symsize (EFAULT); ENOENT for any other name.
pub(crate) fn sys_kldsym(task: &mut Task, a: fb::KldsymArgs) -> SysResult {
    let mut lookup = [0u8; KLD_SYM_LOOKUP_SIZE];
    task.read_bytes(a.data.addr(), &mut lookup).map_err(fault)?;
    let version = i32::from_le_bytes([lookup[0], lookup[1], lookup[2], lookup[3]]);
    if version != KLD_SYM_LOOKUP_SIZE as i32 || a.cmd != KLDSYM_LOOKUP {
        return Err(errno::EINVAL);
    }
    let symname = u32::from_le_bytes([lookup[4], lookup[5], lookup[6], lookup[7]]);
    let name = name_in(
        task,
        UserCStr::new(u64::from(symname), MAXPATHLEN as u64),
        MAXPATHLEN,
    )?;
    if a.fileid != 0 {
        file_by_id(a.fileid)?;
    }
    crate::kmem::answer_lookup(task, a.data.addr(), &name, &mut lookup)
}
