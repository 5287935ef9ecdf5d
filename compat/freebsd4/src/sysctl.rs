//! `__sysctl` with the MIBs a 4.x libc asks for (reference §4 "struct utsname and
//! sysctl"), uname, resource limits, and the login name.

use crate::fb::{self, errno};
use crate::sys::{DFLDSIZ, Jail, Ret, SysResult, fault, suser};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use nymph_abi::sysctl::{SysctlConst, SysctlHandler, SysctlNode, SysctlServe};
use nymph_kernel::klog;
use nymph_kernel::process::{Process, Task, timer};
use nymph_kernel::sync::Mutex;
use zerocopy::IntoBytes;

const VERSION: &str = "FreeBSD 4.8-STABLE #0: Nymph FreeBSD-4 personality";
/// `MAXHOSTNAMELEN`.
const MAXHOSTNAMELEN: usize = 256;
use nymph_kernel::host::{DEFAULT_HOSTNAME, hostname};

/// A new host or domain name of `len` bytes at `addr` (root only, jailed or not: the
/// sysctl path has made its own check by then; shorter than MAXHOSTNAMELEN; it ends at
/// its first NUL).
fn read_name(task: &Task, addr: u64, len: usize) -> Result<Vec<u8>, i32> {
    suser(task, Jail::Allowed)?;
    if len >= MAXHOSTNAMELEN {
        return Err(errno::EINVAL);
    }
    let mut name = alloc::vec![0u8; len];
    task.read_bytes(addr, &mut name).map_err(fault)?;
    if let Some(end) = name.iter().position(|&b| b == 0) {
        name.truncate(end);
    }
    Ok(name)
}

/// Sets a writable node from a sysctl's new value (`sys_sysctl` has checked that the
/// node is writable and the caller root): kern.hostname (the prison's, for a
/// prisoner), kern.hostid (a u_long: fewer bytes are EINVAL), kern.domainname,
/// kern.corefile, kern.coredump, kern.sugid_coredump, kern.msgbuf_clear,
/// kern.bootfile, kern.logsigexit, kern.log_console_output,
/// kern.log_wakeups_per_second, the jail.* ints and net.inet.{ip,icmp,igmp,tcp,udp}.stats
/// (netstat -z); any other EPERM.
fn set_node(task: &Task, oid: &[i32], addr: u64, len: usize) -> Result<(), i32> {
    match oid {
        [1, 10] => crate::jail::set_host_name(task, read_name(task, addr, len)?),
        [0x100, _] => {
            if len < 4 {
                return Err(errno::EINVAL);
            }
            let v = task.read_val::<i32>(addr).map_err(fault)?;
            if !crate::jail::set_knob(oid, v) {
                return Err(errno::EPERM);
            }
        }
        [1, 22] => nymph_kernel::host::set_domainname(read_name(task, addr, len)?),
        [1, 26] => {
            // sysctl_handle_string: the value and its NUL must fit MAXPATHLEN.
            if len >= fb::consts::MAXPATHLEN as usize {
                return Err(errno::EINVAL);
            }
            let mut name = alloc::vec![0u8; len];
            task.read_bytes(addr, &mut name).map_err(fault)?;
            if let Some(end) = name.iter().position(|&b| b == 0) {
                name.truncate(end);
            }
            *BOOT_FILE.lock() = Some(name);
        }
        [1, 34] | [1, 266] | [1, 267] => {
            if len < 4 {
                return Err(errno::EINVAL);
            }
            let value = task.read_val::<i32>(addr).map_err(fault)?;
            match oid[1] {
                34 => LOG_SIGNAL_EXITS.store(value != 0, Ordering::Relaxed),
                266 => klog::LOG_CONSOLE_OUTPUT.store(value != 0, Ordering::Relaxed),
                _ => klog::WAKEUPS_PER_SECOND.store(value.max(1) as u32, Ordering::Relaxed),
            }
        }
        [1, 0x108] => {
            // sysctl_handle_int takes the int; any value clears.
            if len < 4 {
                return Err(errno::EINVAL);
            }
            task.read_val::<i32>(addr).map_err(fault)?;
            nymph_kernel::klog::clear_messages();
        }
        [1, 0x100] => {
            // sysctl_handle_string: the value and its NUL must fit the buffer.
            if len >= CORE_FILE_SIZE {
                return Err(errno::EINVAL);
            }
            let mut format = alloc::vec![0u8; len];
            task.read_bytes(addr, &mut format).map_err(fault)?;
            if let Some(end) = format.iter().position(|&b| b == 0) {
                format.truncate(end);
            }
            crate::core_dump::set_core_file_format(format);
        }
        [1, 0x101] | [1, 0x102] => {
            if len < 4 {
                return Err(errno::EINVAL);
            }
            let on = task.read_val::<i32>(addr).map_err(fault)? != 0;
            if oid[1] == 0x101 {
                crate::core_dump::set_do_coredump(on);
            } else {
                crate::core_dump::set_sugid_coredump(on);
            }
        }
        [1, 11] => {
            if len < 4 {
                return Err(errno::EINVAL);
            }
            let id: u32 = task.read_val(addr).map_err(fault)?;
            nymph_kernel::host::set_hostid(id);
        }
        [4, 2, ..] if let Some(protocol) = crate::netstat::Protocol::of_oid(oid) => {
            // sysctl_handle_opaque's SYSCTL_IN: the whole struct, or EINVAL; more
            // is ignored.
            let size = protocol.size();
            if len < size {
                return Err(errno::EINVAL);
            }
            let mut bytes = alloc::vec![0u8; size];
            task.read_bytes(addr, &mut bytes).map_err(fault)?;
            crate::netstat::set_stats(protocol, &bytes);
        }
        _ => return Err(errno::EPERM),
    }
    Ok(())
}
/// `CTL_MAXNAME`.
const CTL_MAXNAME: u32 = 12;

/// A MIB's value.
enum Value {
    Str(&'static str),
    Int(i32),
    Bytes(Vec<u8>),
}

/// The MIB this kernel serves is the spec's (`sysctls` in abi/spec/freebsd4-i386.json,
/// generated as `fb::SYSCTL_ROOT`): each node's number, name, kind (4.x's CTLTYPE and
/// CTLFLAG bits), format and how it is served, each list in increasing number (the
/// order 4.x's `sysctl_register_oid` keeps). What a leaf's value is, and how a
/// writable one is set, is `value` and `set_node` here, by OID; a node with a handler
/// is answered by the match in `sys_sysctl`.
type Oid = SysctlNode;
static ROOT: &[Oid] = fb::SYSCTL_ROOT;

/// A `CTLTYPE_NODE` (with or without a handler): a lookup stops at a leaf.
fn is_node(oid: &Oid) -> bool {
    oid.kind & fb::consts::CTLTYPE == fb::consts::CTLTYPE_NODE
}

/// `sizeof(corefilename)`: MAXPATHLEN + 1.
const CORE_FILE_SIZE: usize = 1025;

/// The value the spec fixes for the read-only leaf `oid`, if it fixes one (a writable
/// node's spec value is only where it starts; `value` has its current one).
fn fixed(oid: &[i32]) -> Option<Value> {
    let (node, used) = find_oid(oid).ok()?;
    if used != oid.len() || node.kind & fb::consts::CTLFLAG_WR != 0 {
        return None;
    }
    Some(match node.value? {
        // An int or a u_long: both 4 bytes on i386 (kern.ps_strings is past i32::MAX).
        SysctlConst::Int(i) => Value::Int(i as i32),
        SysctlConst::Str(s) => Value::Str(s),
    })
}

/// `struct loadavg { fixpt_t ldavg[3]; long fscale; }` now: vm_meter.c's averunnable,
/// which getloadavg(3) reads through vm.loadavg and top through /dev/kmem. FSCALE is
/// 1 << FSHIFT (11), the core's own scale.
pub(crate) fn loadavg() -> Vec<u8> {
    let averages = nymph_kernel::sched::load_average();
    let fscale = nymph_kernel::sched::LOAD_SCALE;
    let words = [averages[0], averages[1], averages[2], fscale];
    words
        .iter()
        .flat_map(|&w| (w as u32).to_le_bytes())
        .collect()
}

/// kern.bootfile: the kernel file's name as root last set it (None: the spec's,
/// where it starts).
static BOOT_FILE: Mutex<Option<Vec<u8>>> = Mutex::new(None);

/// kern.logsigexit: whether sigexit logs a process a core signal ended.
pub(crate) static LOG_SIGNAL_EXITS: AtomicBool = AtomicBool::new(true);

/// kern.ccpu: kern_synch.c's ccpu, the spec's fixed value.
pub(crate) const CCPU_OID: [i32; 2] = [1, 259];
/// kern.fscale: FSCALE, the spec's fixed value.
pub(crate) const FSCALE_OID: [i32; 2] = [1, 260];

/// The spec's int for the read-only leaf `oid` (0 if it has none; a unit test sees
/// each one asked for exists).
pub(crate) fn fixed_int(oid: &[i32]) -> i32 {
    match fixed(oid) {
        Some(Value::Int(i)) => i,
        _ => 0,
    }
}

/// The spec's string for the read-only leaf `oid` (kern.ostype, kern.osrelease,
/// hw.machine), which uname and getkerninfo report too; a unit test sees each exists.
fn fixed_str(oid: &[i32]) -> &'static str {
    match fixed(oid) {
        Some(Value::Str(s)) => s,
        _ => "",
    }
}
const OSTYPE_OID: [i32; 2] = [1, 1];
const OSRELEASE_OID: [i32; 2] = [1, 2];
const MACHINE_OID: [i32; 2] = [6, 1];

/// Memory in bytes as a 4.x int reports it (clipped to 2 GiB - 1).
fn memory(pages: usize) -> Value {
    Value::Int((pages as u64 * 4096).min(i32::MAX as u64) as i32)
}

fn value(oid: &[i32]) -> Option<Value> {
    use nymph_kernel::file::{MAX_DESCRIPTORS, MAX_OPEN_FILES};
    if let Some(v) = fixed(oid) {
        return Some(v);
    }
    Some(match oid {
        [1, 4] => Value::Str(VERSION),
        [1, 7] => Value::Int(MAX_OPEN_FILES as i32),
        [1, 10] => {
            let mut name = hostname();
            name.push(0);
            Value::Bytes(name)
        }
        [1, 11] => Value::Int(nymph_kernel::host::hostid() as i32),
        [1, 12] => {
            // struct clockinfo { hz, tick (us per tick), tickadj, stathz, profhz }.
            let hz = nymph_kernel::time::hz() as i32;
            let words = [hz, 1_000_000 / hz.max(1), crate::sys::tickadj(), hz, hz];
            Value::Bytes(words.iter().flat_map(|w| w.to_le_bytes()).collect())
        }
        [1, 21] => {
            // The same between reads until the clock is set (4.x's set_timecounter
            // moves it), with its microseconds.
            let (secs, nanos) = nymph_kernel::time::boot_realtime();
            let tv = fb::timeval {
                tv_sec: secs as i32,
                tv_usec: (nanos / 1000) as i32,
            };
            Value::Bytes(tv.as_bytes().to_vec())
        }
        [1, 22] => {
            let mut name = nymph_kernel::host::domainname();
            name.push(0);
            Value::Bytes(name)
        }
        [1, 27] => Value::Int(MAX_DESCRIPTORS as i32),
        [1, 0x100] => {
            let mut format = crate::core_dump::core_file_format();
            format.push(0);
            Value::Bytes(format)
        }
        [1, 26] => {
            let set = BOOT_FILE.lock().clone();
            let mut name = set.unwrap_or_else(|| {
                match find_oid(&[1, 26]).ok().and_then(|(node, _)| node.value) {
                    Some(SysctlConst::Str(s)) => s.as_bytes().to_vec(),
                    _ => Vec::new(),
                }
            });
            name.push(0);
            Value::Bytes(name)
        }
        [1, 34] => Value::Int(i32::from(LOG_SIGNAL_EXITS.load(Ordering::Relaxed))),
        [1, 266] => Value::Int(i32::from(klog::LOG_CONSOLE_OUTPUT.load(Ordering::Relaxed))),
        [1, 267] => Value::Int(klog::WAKEUPS_PER_SECOND.load(Ordering::Relaxed) as i32),
        [1, 0x107] => Value::Bytes(crate::kmem::unwound_messages()),
        [1, 0x108] => Value::Int(0),
        [1, 0x101] => Value::Int(i32::from(crate::core_dump::do_coredump())),
        [1, 0x102] => Value::Int(i32::from(crate::core_dump::sugid_coredump())),
        // struct loadavg { fixpt_t ldavg[3]; long fscale; } (vm_meter.c's averunnable,
        // what getloadavg(3) reads): FSCALE is 1 << FSHIFT (11), the core's own scale.
        [1, 30, 8] => Value::Bytes(crate::netstat::mbstat()),
        [1, 30, 9] => Value::Int(crate::netstat::nmbclusters()),
        [1, 30, 0x100] => Value::Bytes(crate::netstat::mbtypes()),
        [1, 30, 0x101] => Value::Int(4 * crate::netstat::nmbclusters()),
        [1, 265, 256] => Value::Bytes(crate::kstat::devstat_all()),
        [1, 265, 257] => Value::Int(crate::kstat::DEVSTAT_DEVICES),
        [1, 265, 258] => Value::Int(crate::kstat::DEVSTAT_GENERATION),
        [2, 1] => Value::Bytes(crate::kstat::vmtotal()),
        [2, 2] => Value::Bytes(loadavg()),
        [2, 256] => Value::Bytes(crate::kstat::ZONE_HEADER.to_vec()),
        [6, 3] => Value::Int(1),
        [6, 5] => memory(nymph_kernel::mm::frame::FRAMES.lock().usable_count()),
        [6, 6] => memory(nymph_kernel::mm::frame::FRAMES.lock().free_count()),
        [6, 0x100] => {
            let pages = nymph_kernel::mm::frame::FRAMES.lock().usable_count();
            Value::Int(pages.min(i32::MAX as usize) as i32)
        }
        [4, 2, ..] if let Some(protocol) = crate::netstat::Protocol::of_oid(oid) => {
            Value::Bytes(crate::netstat::stats(protocol))
        }
        [0x100, _] => Value::Int(crate::jail::knob_value(oid)?),
        _ => return None,
    })
}

fn bytes(v: Value) -> Vec<u8> {
    match v {
        Value::Str(s) => {
            let mut b = s.as_bytes().to_vec();
            b.push(0);
            b
        }
        Value::Int(i) => i.to_le_bytes().to_vec(),
        Value::Bytes(b) => b,
    }
}

/// `MAXPATHLEN`: name2oid takes names shorter than this (ENAMETOOLONG).
const MAXPATHLEN: usize = fb::consts::MAXPATHLEN as usize;

/// kern_sysctl.c `sysctl_find_oid`: the node a name reaches and how many of its
/// numbers that took. A lookup stops at a leaf (ENOTDIR if numbers remain) or a node
/// with a handler (which takes the rest); a node without one is the answer only when
/// the name ends there; a number no node has is ENOENT. (4.x compares an empty name's
/// first number anyway, whatever the kernel's array holds there; here it is ENOENT.)
fn find_oid(name: &[i32]) -> Result<(&'static Oid, usize), i32> {
    let mut list: &'static [Oid] = ROOT;
    let mut used = 0;
    loop {
        let &number = name.get(used).ok_or(errno::ENOENT)?;
        let oid = list
            .iter()
            .find(|o| o.number == number)
            .ok_or(errno::ENOENT)?;
        used += 1;
        if is_node(oid) {
            match oid.children() {
                Some(c) if used != name.len() => list = c,
                _ => return Ok((oid, used)),
            }
        } else if used == name.len() {
            return Ok((oid, used));
        } else {
            return Err(errno::ENOTDIR);
        }
    }
}

/// `{0, 1, ...}` as `sysctl_sysctl_name`: the dotted name of the OID after `{0, 1}`,
/// with its NUL. Numbers past what the tree knows (past a leaf, a node with a handler,
/// or one no node has) are written in decimal, as `snprintf` into a 10-byte buffer
/// leaves them (at most 9 characters). An empty OID is the empty name.
fn oid_name(name: &[i32]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut list: Option<&'static [Oid]> = Some(ROOT);
    let mut rest = name;
    while let Some((&number, tail)) = rest.split_first() {
        let found = list.and_then(|l| l.iter().find(|o| o.number == number));
        match (list, found) {
            (None, _) => {
                if !out.is_empty() {
                    out.push(b'.');
                }
                let digits = alloc::format!("{number}");
                out.extend(digits.bytes().take(9));
                rest = tail;
            }
            (Some(_), Some(oid)) => {
                if !out.is_empty() {
                    out.push(b'.');
                }
                out.extend_from_slice(oid.name.as_bytes());
                list = oid.children();
                rest = tail;
            }
            // A number the list does not have: the rest is numbers, this one included.
            (Some(_), None) => list = None,
        }
    }
    out.push(0);
    out
}

/// kern_sysctl.c `sysctl_sysctl_next_ls`: after `name` in `list`, the first leaf or node
/// with a handler in tree order, appended to `path`. Nodes without a handler are
/// descended into (an empty one is passed over); a node with a handler is an answer
/// itself, never entered. Past the node the name goes through, the search descends
/// with the rest of the name (so for a name that has a node's number but not the
/// numbers below it, that node's children at or before those numbers are skipped, as
/// in 4.x), and once a subtree is done, with none of it.
fn next_ls(list: &'static [Oid], name: &[i32], path: &mut Vec<i32>) -> bool {
    let mut name = name;
    for oid in list {
        path.push(oid.number);
        let found = match name.split_first() {
            None => oid.children().is_none_or(|c| next_ls(c, &[], path)),
            Some((&first, _)) if oid.number < first => false,
            Some((&first, rest)) => match oid.children() {
                // Past the name, this leaf or handler node is next; the name's own
                // one is passed over.
                None => oid.number > first,
                Some(c) => {
                    let found = next_ls(c, rest, path);
                    if !found {
                        // Later siblings come after the name: their first leaf is next.
                        name = &name[..1];
                    }
                    found
                }
            },
        };
        if found {
            return true;
        }
        path.pop();
    }
    false
}

/// `{0, 2, ...}` as `sysctl_sysctl_next`: the OID after the one given, in tree order
/// (the empty OID: the first); ENOENT past the last.
fn next_oid(name: &[i32]) -> Result<Vec<u8>, i32> {
    let mut path = Vec::new();
    if !next_ls(ROOT, name, &mut path) {
        return Err(errno::ENOENT);
    }
    Ok(path.iter().flat_map(|w| w.to_le_bytes()).collect())
}

/// `{0, 4, ...}` as `sysctl_sysctl_oidfmt`: the node's kind (a u_int: type and flags)
/// and its format with a NUL; the lookup's errors as `sysctl_find_oid` gives them.
fn oidfmt(name: &[i32]) -> Result<Vec<u8>, i32> {
    let (oid, _) = find_oid(name)?;
    let mut out = oid.kind.to_le_bytes().to_vec();
    out.extend_from_slice(oid.fmt.as_bytes());
    out.push(0);
    Ok(out)
}

/// `{0, 3}` (name2oid) as `sysctl_sysctl_name2oid`: the OID of the name written as the
/// new value (up to its first NUL; one final '.' dropped), an inner node's too; ENOENT
/// for no name or one the tree does not have, or that goes on past a leaf or a node
/// with a handler; ENAMETOOLONG from MAXPATHLEN bytes.
fn name2oid(task: &Task, a: &fb::SysctlArgs) -> Result<Vec<u8>, i32> {
    // userland_sysctl: no new pointer, no new length.
    let len = if a.new.addr() == 0 {
        0
    } else {
        a.newlen as usize
    };
    if len == 0 {
        return Err(errno::ENOENT);
    }
    if len >= MAXPATHLEN {
        return Err(errno::ENAMETOOLONG);
    }
    let mut name = alloc::vec![0u8; len];
    task.read_bytes(a.new.addr(), &mut name).map_err(fault)?;
    if let Some(end) = name.iter().position(|&b| b == 0) {
        name.truncate(end);
    }
    if name.is_empty() {
        return Err(errno::ENOENT);
    }
    if name.last() == Some(&b'.') {
        name.pop();
    }
    let mut oid = Vec::new();
    let mut list: &'static [Oid] = ROOT;
    let mut parts = name.split(|&b| b == b'.').peekable();
    while let Some(part) = parts.next() {
        let node = list
            .iter()
            .find(|o| o.name.as_bytes() == part)
            .ok_or(errno::ENOENT)?;
        oid.extend_from_slice(&node.number.to_le_bytes());
        if parts.peek().is_none() {
            return Ok(oid);
        }
        list = node.children().ok_or(errno::ENOENT)?;
    }
    Err(errno::ENOENT)
}

/// sysctl.debug: 4.x prints the tree on the console for root (plain suser: not a
/// jailed one) and answers ENOENT; anyone else gets EPERM.
fn debug_dump(task: &Task) -> Result<Vec<u8>, i32> {
    suser(task, Jail::Refused)?;
    fn dump(list: &[Oid], depth: usize) {
        for oid in list {
            log::info!(
                "{:depth$}{} {} {:#x} {}",
                "",
                oid.number,
                oid.name,
                oid.kind,
                oid.fmt
            );
            if let Some(c) = oid.children() {
                dump(c, depth + 2);
            }
        }
    }
    dump(ROOT, 0);
    Err(errno::ENOENT)
}

/// kern.devname as 4.x's `sysctl_devname`: the new value is a udev_t (EINVAL without
/// one, or a short one), the answer that character device's name with its NUL, ENOENT
/// for none. What devname(3), and so ps's TT column, falls back on without
/// /var/run/dev.db.
fn devname(task: &Task, a: &fb::SysctlArgs) -> Result<Vec<u8>, i32> {
    if a.new.addr() == 0 || a.newlen < 4 {
        return Err(errno::EINVAL);
    }
    let udev: u32 = task.read_val(a.new.addr()).map_err(fault)?;
    let mut name = nymph_kernel::vfs::devfs::name_of(u64::from(udev)).ok_or(errno::ENOENT)?;
    name.push(0);
    Ok(name)
}

/// `ps_arg_cache_limit` (PAGE_SIZE / 16) and `sizeof(struct pargs)`: arguments whose
/// bytes and that header pass the limit are not kept, and read as nothing.
const PS_ARG_CACHE_LIMIT: usize = 256;
const PARGS_HEADER: usize = 8;
/// How much of a title too long to keep is read for ps's command line (which is
/// shorter).
const TITLE_HEAD: usize = 128;

/// kern.proc.args as 4.x's `sysctl_kern_proc_args` serves it: the process's arguments,
/// each with its NUL, for any process (`ps_argsopen` is 1); nothing (and success) for a
/// pid no process has, or arguments too long to have been kept. A new value (what
/// setproctitle writes) replaces the caller's own arguments, after the old ones are
/// read (EPERM for another process's; a value too long to keep leaves none).
fn proc_args(task: &Task, a: &fb::SysctlArgs, pid: &[i32]) -> Result<Vec<u8>, i32> {
    let &[pid] = pid else {
        return Err(errno::EINVAL);
    };
    let Some(process) = u32::try_from(pid)
        .ok()
        .and_then(|p| nymph_kernel::process::find(nymph_kernel::process::Pid(p)))
    else {
        return Ok(Vec::new());
    };
    if a.new.addr() != 0 && process.pid != task.process.pid {
        return Err(errno::EPERM);
    }
    let mut old = Vec::new();
    for arg in process.argv().iter().flat_map(|v| v.iter()) {
        old.extend_from_slice(arg);
        old.push(0);
    }
    if old.len() + PARGS_HEADER > PS_ARG_CACHE_LIMIT {
        old.clear();
    }
    if a.new.addr() != 0 {
        // The old ones go first, whatever becomes of the new ones.
        process.set_argv(&[]);
        let len = a.newlen as usize;
        // Kept as a vector: a value without a final NUL reads back with one.
        let split = |new: &[u8]| -> Vec<Vec<u8>> {
            match new.strip_suffix(&[0]).unwrap_or(new) {
                [] if new.is_empty() => Vec::new(),
                body => body.split(|&b| b == 0).map(<[u8]>::to_vec).collect(),
            }
        };
        if len + PARGS_HEADER <= PS_ARG_CACHE_LIMIT {
            let mut new = alloc::vec![0u8; len];
            task.read_bytes(a.new.addr(), &mut new).map_err(fault)?;
            let args = split(&new);
            process.set_argv(&args);
            process.set_command(&args);
        } else {
            // Too long to keep, and 4.x never reads it; but setproctitle has also
            // pointed ps_strings at it, where 4.x's ps (kvm_getargv) then finds the
            // title. The native ps shows the command line: its start, when readable.
            let mut head = alloc::vec![0u8; TITLE_HEAD];
            if task.read_bytes(a.new.addr(), &mut head).is_ok() {
                let end = head.iter().position(|&b| b == 0).unwrap_or(head.len());
                process.set_command(&split(&head[..end]));
            }
        }
    }
    Ok(old)
}

/// sys/mount.h VFS_MAXTYPENUM and VFS_CONF: the numbers vfs.generic takes.
const VFS_MAXTYPENUM: i32 = fb::consts::VFS_MAXTYPENUM as i32;
const VFS_CONF: i32 = fb::consts::VFS_CONF as i32;

/// The VFCF_* flags of a type. 4.x's VFS_SET gives procfs VFCF_SYNTHETIC
/// (procfs_vfsops.c) and no VFCF_STATIC. 4.x had no devfs in GENERIC and no tmpfs: devfs's
/// nodes stand for devices, so VFCF_SYNTHETIC (later FreeBSD's devfs_vfsops.c VFS_SET
/// says the same); tmpfs holds real files, in memory: no flag.
fn vfc_flags(t: &nymph_kernel::vfs::FsType) -> i32 {
    if t.synthetic {
        fb::consts::VFCF_SYNTHETIC as i32
    } else {
        0
    }
}

/// `name` in a zeroed field of `N` bytes (at least one NUL after it).
fn name_field<const N: usize>(name: &str) -> [u8; N] {
    let mut f = [0u8; N];
    let n = name.len().min(N - 1);
    f[..n].copy_from_slice(&name.as_bytes()[..n]);
    f
}

/// vfs.generic as 4.x's `vfs_sysctl` (vfs_subr.c) answers the numbers after it, from
/// the core's list of file system types (typenums 1 and up, as vfs_init.c vfs_register
/// numbers them from VFS_GENERIC + 1): none, the ovfsconf table (`sysctl_ovfs_conf`);
/// VFS_MAXTYPENUM, maxvfsconf (one past the highest typenum; ENOTDIR with more
/// numbers); VFS_CONF and a typenum, that type's struct vfsconf (EOPNOTSUPP for a
/// number no type has; ENOTDIR unless exactly one number follows); else EOPNOTSUPP.
/// vfc_refcount is how many of the type are mounted now, as the caller's view lists
/// them (getfsstat's list: `lsvfs` and `mount` agree). The kernel addresses 4.x puts
/// in vfc_vfsops and vfc_next would mean nothing to a 4.x program and none follows
/// them: 0 (later FreeBSD's vfsconf2x zeroes them too); in the ovfsconf table
/// vfc_vfsops is "used as flag" (libc's getvfsent skips entries where it is 0): 1.
fn vfs_generic(task: &Task, rest: &[i32]) -> Result<Vec<u8>, i32> {
    use nymph_kernel::vfs::FS_TYPES;
    let listed = crate::fs::viewed_mounts(&task.process.fs());
    let refcount = |t: &nymph_kernel::vfs::FsType| {
        let n = listed
            .iter()
            .filter(|m| m.mount.type_name == t.name)
            .count();
        i32::try_from(n).unwrap_or(i32::MAX)
    };
    match rest {
        [] => Ok(FS_TYPES
            .iter()
            .flat_map(|t| {
                let o = fb::ovfsconf {
                    vfc_vfsops: 1,
                    vfc_name: name_field(t.name),
                    vfc_index: t.number as i32,
                    vfc_refcount: refcount(t),
                    vfc_flags: vfc_flags(t),
                };
                o.as_bytes().to_vec()
            })
            .collect()),
        [VFS_MAXTYPENUM] => {
            let max = FS_TYPES.iter().map(|t| t.number).max().unwrap_or(0);
            Ok(((max + 1) as i32).to_le_bytes().to_vec())
        }
        [VFS_MAXTYPENUM, ..] => Err(errno::ENOTDIR),
        [VFS_CONF, typenum] => {
            let t = FS_TYPES
                .iter()
                .find(|t| i64::from(t.number) == i64::from(*typenum))
                .ok_or(errno::EOPNOTSUPP)?;
            let conf = fb::vfsconf {
                vfc_vfsops: 0,
                vfc_name: name_field(t.name),
                vfc_typenum: t.number as i32,
                vfc_refcount: refcount(t),
                vfc_flags: vfc_flags(t),
                vfc_next: 0,
            };
            Ok(conf.as_bytes().to_vec())
        }
        [VFS_CONF, ..] => Err(errno::ENOTDIR),
        _ => Err(errno::EOPNOTSUPP),
    }
}

/// `__sysctl` as 4.x's `__sysctl`, `userland_sysctl` and `sysctl_root`: the name
/// (2..=CTL_MAXNAME numbers, else EINVAL) and `*oldlenp` are read first; then the node
/// (ENOENT, ENOTDIR; EISDIR for an inner node without a handler); a new value needs a
/// writable node (EPERM) and root unless the node takes anyone's (EPERM). A NULL `old`
/// asks for the size; a short buffer gets what fits and ENOMEM, with `*oldlenp` the
/// bytes copied, and a new value is then not set (the handlers give the old value
/// before they take the new); a NULL `oldlenp` is a buffer of no bytes.
pub(crate) fn sys_sysctl(task: &mut Task, a: fb::SysctlArgs) -> SysResult {
    if !(2..=CTL_MAXNAME).contains(&a.namelen) {
        return Err(errno::EINVAL);
    }
    let mut oid = Vec::with_capacity(a.namelen as usize);
    for i in 0..a.namelen {
        let w: i32 = task
            .read_val(a.name.addr() + 4 * u64::from(i))
            .map_err(fault)?;
        oid.push(w);
    }
    let room: u32 = if a.oldlenp.is_null() {
        0
    } else {
        task.read_val(a.oldlenp.addr()).map_err(fault)?
    };
    // userland_sysctl's useracc: the whole buffer must be user memory mapped for the
    // access, before any node is looked at.
    if !a.old.is_null() && !user_range_accessible(task, a.old.addr(), u64::from(room), true) {
        return Err(errno::EFAULT);
    }
    // The new value's useracc runs before req.newlen is set, so it checks no bytes:
    // only an address past the user's is refused here; a bad one within faults when
    // the node reads it, after the old value went out.
    if a.new.addr() != 0 && !user_range_accessible(task, a.new.addr(), 0, false) {
        return Err(errno::EFAULT);
    }
    let (node, used) = find_oid(&oid).inspect_err(|_| {
        log::debug!("pid {}: sysctl {oid:?}: no such node", task.process.pid.0);
    })?;
    if node.children().is_some() {
        return Err(errno::EISDIR);
    }
    let writing = a.new.addr() != 0;
    if writing && node.kind & fb::consts::CTLFLAG_WR == 0 {
        return Err(errno::EPERM);
    }
    // sysctl_root: `suser_xxx(0, p, CTLFLAG_PRISON ? PRISON_ROOT : 0)`.
    if writing && node.kind & fb::consts::CTLFLAG_ANYBODY == 0 {
        let jail = if node.kind & fb::consts::CTLFLAG_PRISON != 0 {
            Jail::Allowed
        } else {
            Jail::Refused
        };
        suser(task, jail)?;
    }
    // kern_mib.c `sysctl_hostname`: a prisoner's write may be refused before anything
    // is copied.
    if writing && oid == [1, 10] {
        crate::jail::may_set_host_name(task)?;
    }
    let rest = oid.get(used..).unwrap_or_default();
    let data = match node.serve {
        // kern.hostname: the prison's for a prisoner.
        SysctlServe::Value if oid == [1, 10] => {
            let mut name = crate::jail::host_name(task);
            name.push(0);
            name
        }
        SysctlServe::Value => bytes(value(&oid).ok_or(errno::ENOENT)?),
        SysctlServe::Handler(h) => match h {
            SysctlHandler::Name => oid_name(rest),
            SysctlHandler::Next => next_oid(rest)?,
            SysctlHandler::Name2oid => name2oid(task, &a)?,
            SysctlHandler::Oidfmt => oidfmt(rest)?,
            SysctlHandler::Debug => debug_dump(task)?,
            SysctlHandler::ProcArgs => proc_args(task, &a, rest)?,
            SysctlHandler::Devname => devname(task, &a)?,
            SysctlHandler::ProcTable => {
                let op = oid.get(2).copied().unwrap_or(0);
                crate::kinfo::proc_table(task, a.old.is_null(), op, rest)?
            }
            SysctlHandler::VfsGeneric => vfs_generic(task, rest)?,
            SysctlHandler::Route => crate::ifnet::route_sysctl(task, rest)?,
            SysctlHandler::InetPcblist => {
                let protocol = if oid.get(2) == Some(&6) {
                    crate::pcblist::Protocol::Tcp
                } else {
                    crate::pcblist::Protocol::Udp
                };
                crate::pcblist::pcblist(task, protocol, a.old.is_null())?
            }
            SysctlHandler::FileTable => crate::fstat::file_table(a.old.is_null()),
            SysctlHandler::TtyTable => crate::ttys::tty_table(),
            SysctlHandler::LocalPcblist => {
                crate::pcblist::local_pcblist(oid.get(2) == Some(&2), a.old.is_null())
            }
        },
        SysctlServe::Children(_) => return Err(errno::EISDIR),
    };
    let copied = if a.old.is_null() {
        data.len()
    } else {
        let n = data.len().min(room as usize);
        task.write_bytes(a.old.addr(), &data[..n]).map_err(fault)?;
        n
    };
    let short = copied < data.len();
    if writing && !short && matches!(node.serve, SysctlServe::Value) {
        set_node(task, &oid, a.new.addr(), a.newlen as usize)?;
    }
    if !a.oldlenp.is_null() {
        task.write_val(a.oldlenp.addr(), &(copied as u32))
            .map_err(fault)?;
    }
    if short {
        return Err(errno::ENOMEM);
    }
    Ok(Ret::word(0))
}

/// 4.x's useracc: `[addr, addr + len)` ends below VM_MAXUSER_ADDRESS (USRSTACK) and
/// every page of it is mapped for writing (or reading); none need be in memory, and
/// an empty range needs only its address below the limit.
pub(crate) fn user_range_accessible(task: &Task, addr: u64, len: u64, write: bool) -> bool {
    const PAGE: u64 = 4096;
    let Some(end) = addr.checked_add(len) else {
        return false;
    };
    if end > u64::from(crate::startup::USRSTACK) || addr >= u64::from(crate::startup::USRSTACK) {
        return false;
    }
    let end = end.next_multiple_of(PAGE);
    let mut at = addr & !(PAGE - 1);
    while at < end {
        let Some(region) = task.process.next_region(at) else {
            return false;
        };
        let allowed = if write {
            region.prot.write
        } else {
            region.prot.read
        };
        if region.start > at || !allowed {
            return false;
        }
        at = region.end;
    }
    true
}

/// The op classes of `ogetkerninfo` (kern_sysctl.c, COMPAT_43): the op's second byte.
const KINFO_PROC: i32 = 0;
const KINFO_RT: i32 = 1 << 8;
const KINFO_VNODE: i32 = 2 << 8;
const KINFO_FILE: i32 = 3 << 8;
const KINFO_METER: i32 = 4 << 8;
const KINFO_LOADAVG: i32 = 5 << 8;
const KINFO_CLOCKRATE: i32 = 6 << 8;
/// BSDI's extension (their 4.3 Net/2 releases), enough for BSD/386 1.x uname().
const KINFO_BSDI_SYSINFO: i32 = 101 << 8;
/// `sizeof(bsdi_si)` on i386: the string offsets at 0 (machine), 32 (ostype) and 36
/// (osrelease), the rest (pads and bsdi_hostname at 88) zero; the strings follow it.
const BSDI_SI_SIZE: usize = 92;

/// `bsdi_si` with its strings (ostype, osrelease, machine, each with its NUL) after it,
/// each string's offset counted from the struct's start, as ogetkerninfo builds it.
fn bsdi_sysinfo() -> Vec<u8> {
    let mut out = alloc::vec![0u8; BSDI_SI_SIZE];
    for (field, oid) in [(32, OSTYPE_OID), (36, OSRELEASE_OID), (0, MACHINE_OID)] {
        let at = out.len() as u32;
        out[field..field + 4].copy_from_slice(&at.to_le_bytes());
        out.extend_from_slice(fixed_str(&oid).as_bytes());
        out.push(0);
    }
    out
}

/// `ogetkerninfo` (kern_sysctl.c, COMPAT_43): the op's sysctl through 4.x's
/// `userland_sysctl`: `*size` (0 without `size`) is the room; a NULL `where` asks for
/// the size; a short buffer gets what fits and ENOMEM. On success the size is the
/// return value and goes back to `*size`. KINFO_LOADAVG is vm.loadavg, KINFO_CLOCKRATE
/// kern.clockrate. KINFO_BSDI_SYSINFO has its own rule: without `where` or `size` it
/// only tells the size; else it copies the first `*size` bytes, never more than there
/// are, with no ENOMEM. KINFO_PROC is kern.proc.<op>.<arg>, KINFO_RT net.route's
/// dump, KINFO_FILE kern.file, KINFO_METER vm.vmmeter. KINFO_VNODE is kern.vnode,
/// which 4.8 compiles out: ENOENT once the buffer is found accessible. Any other op
/// is EOPNOTSUPP, as 4.x answers an op it does not know.
pub(crate) fn sys_ogetkerninfo(task: &mut Task, a: fb::OgetkerninfoArgs) -> SysResult {
    let oid: &[i32] = match a.op & 0xff00 {
        // kern.proc.<op>.<arg> (so KINFO_PROC_ALL, given an argument, is EINVAL).
        KINFO_PROC => {
            let data = crate::kinfo::proc_table(task, a.where_.is_null(), a.op & 0xff, &[a.arg])?;
            return copy_kerninfo(task, &a, &data);
        }
        // net.route.0.<af>.<op>.<arg>: the af in the op's third byte.
        KINFO_RT => {
            let rest = [0, (a.op >> 16) & 0xff, a.op & 0xff, a.arg];
            let data = crate::ifnet::route_sysctl(task, &rest)?;
            return copy_kerninfo(task, &a, &data);
        }
        KINFO_FILE => {
            let data = crate::fstat::file_table(a.where_.is_null());
            return copy_kerninfo(task, &a, &data);
        }
        KINFO_VNODE => {
            kerninfo_room(task, &a)?;
            return Err(errno::ENOENT);
        }
        KINFO_METER => &[2, 1],
        KINFO_LOADAVG => &[2, 2],
        KINFO_CLOCKRATE => &[1, 12],
        KINFO_BSDI_SYSINFO => {
            let data = bsdi_sysinfo();
            let size = if a.where_.is_null() || a.size.is_null() {
                data.len()
            } else {
                let room: u32 = task.read_val(a.size.addr()).map_err(fault)?;
                let n = data.len().min(room as usize);
                task.write_bytes(a.where_.addr(), &data[..n])
                    .map_err(fault)?;
                n
            };
            return finish_kerninfo(task, &a, size);
        }
        _ => {
            log::debug!(
                "pid {}: getkerninfo op {:#x}: not served: EOPNOTSUPP",
                task.process.pid.0,
                a.op
            );
            return Err(errno::EOPNOTSUPP);
        }
    };
    let data = value(oid).map(bytes).ok_or(errno::EOPNOTSUPP)?;
    copy_kerninfo(task, &a, &data)
}

/// What ogetkerninfo's sysctl gives back: the data copied to `where` as far as `*size`
/// lets (ENOMEM when short), the size told.
fn copy_kerninfo(task: &Task, a: &fb::OgetkerninfoArgs, data: &[u8]) -> SysResult {
    let room = kerninfo_room(task, a)?;
    if !a.where_.is_null() {
        let n = data.len().min(room as usize);
        task.write_bytes(a.where_.addr(), &data[..n])
            .map_err(fault)?;
        if n < data.len() {
            return Err(errno::ENOMEM);
        }
    }
    finish_kerninfo(task, a, data.len())
}

/// The room `*size` gives (0 without `size`), once `where` is found writable over it
/// (userland_sysctl's useracc, before any lookup: EFAULT).
fn kerninfo_room(task: &Task, a: &fb::OgetkerninfoArgs) -> Result<u32, i32> {
    let room: u32 = if a.size.is_null() {
        0
    } else {
        task.read_val(a.size.addr()).map_err(fault)?
    };
    if !a.where_.is_null() && !user_range_accessible(task, a.where_.addr(), u64::from(room), true) {
        return Err(errno::EFAULT);
    }
    Ok(room)
}

/// The size goes back to `*size` (when given) and is the return value.
fn finish_kerninfo(task: &Task, a: &fb::OgetkerninfoArgs, size: usize) -> SysResult {
    if !a.size.is_null() {
        task.write_val(a.size.addr(), &(size as u32))
            .map_err(fault)?;
    }
    Ok(Ret::word(size as u64))
}

/// The version field of the uname system call: 4.x (`kern_xxx.c`, "to make the version
/// field look like FreeBSD 1.1") copies kern.version from its first '#' up to the next
/// ':', e.g. "#0"; libc's uname() uses the sysctls instead.
fn uname_version() -> &'static str {
    let from = VERSION.find('#').unwrap_or(VERSION.len());
    let rest = &VERSION[from..];
    &rest[..rest.find(':').unwrap_or(rest.len())]
}

/// uname (164), the FreeBSD 1.1 call 4.x keeps: each field as its sysctl gives it, cut
/// to 31 characters, and the version the 1.1 way.
pub(crate) fn sys_uname(task: &mut Task, a: fb::UnameArgs) -> SysResult {
    let field = |s: &str| {
        let mut f = [0u8; 32];
        let n = s.len().min(31);
        f[..n].copy_from_slice(&s.as_bytes()[..n]);
        f
    };
    let u = fb::utsname {
        sysname: field(fixed_str(&OSTYPE_OID)),
        nodename: field(
            core::str::from_utf8(&crate::jail::host_name(task)).unwrap_or(DEFAULT_HOSTNAME),
        ),
        release: field(fixed_str(&OSRELEASE_OID)),
        version: field(uname_version()),
        machine: field(fixed_str(&MACHINE_OID)),
    };
    task.write_val(a.name.addr(), &u).map_err(fault)?;
    Ok(Ret::word(0))
}

const INFINITY: i64 = fb::consts::RLIM_INFINITY;
/// `DFLSSIZ` / `MAXSSIZ` and `MAXDSIZ`.
const DFLSSIZ: u64 = 8 * 1024 * 1024;
pub(crate) const MAXSSIZ: u64 = 64 * 1024 * 1024;
const MAXDSIZ: u64 = 512 * 1024 * 1024;
/// `maxprocperuid`: the core's bound on one user's processes.
const MAXPROCPERUID: i64 = nymph_kernel::process::MAX_PROCESSES_PER_USER as i64;

/// The limits a fresh 4.x process has: (current, maximum).
fn default_limit(which: fb::rlimit_resource) -> (i64, i64) {
    use fb::rlimit_resource as R;
    match which {
        R::RLIMIT_DATA => (DFLDSIZ as i64, MAXDSIZ as i64),
        R::RLIMIT_STACK => (DFLSSIZ as i64, MAXSSIZ as i64),
        R::RLIMIT_NOFILE => {
            let n = nymph_kernel::file::MAX_DESCRIPTORS as i64;
            (n, n)
        }
        // 4.x starts every process at maxprocperuid.
        R::RLIMIT_NPROC => (MAXPROCPERUID, MAXPROCPERUID),
        _ => (INFINITY, INFINITY),
    }
}

/// Personality-state keys of the limits (current and maximum per resource).
const CUR_KEYS: [&str; 11] = [
    "fb4.rlim.0.cur",
    "fb4.rlim.1.cur",
    "fb4.rlim.2.cur",
    "fb4.rlim.3.cur",
    "fb4.rlim.4.cur",
    "fb4.rlim.5.cur",
    "fb4.rlim.6.cur",
    "fb4.rlim.7.cur",
    "fb4.rlim.8.cur",
    "fb4.rlim.9.cur",
    "fb4.rlim.10.cur",
];
const MAX_KEYS: [&str; 11] = [
    "fb4.rlim.0.max",
    "fb4.rlim.1.max",
    "fb4.rlim.2.max",
    "fb4.rlim.3.max",
    "fb4.rlim.4.max",
    "fb4.rlim.5.max",
    "fb4.rlim.6.max",
    "fb4.rlim.7.max",
    "fb4.rlim.8.max",
    "fb4.rlim.9.max",
    "fb4.rlim.10.max",
];
/// Whether `key` holds one of the limits.
pub(crate) fn is_limit_key(key: &str) -> bool {
    key.starts_with("fb4.rlim.")
}

/// Stored values are offset by one so that 0 (absent) means "the default". The CPU
/// limit's current value is the core's, which moves up as SIGXCPU is sent.
fn limit(task: &Task, which: fb::rlimit_resource) -> (i64, i64) {
    limit_of(&task.process, which)
}

/// [`limit`] of any process (procfs's rlimit file).
pub(crate) fn limit_of(process: &Process, which: fb::rlimit_resource) -> (i64, i64) {
    let i = which.raw() as usize;
    let (dcur, dmax) = default_limit(which);
    let get = |key, default| match process.personality_value(key) {
        0 => default,
        v => (v - 1) as i64,
    };
    let mut cur = get(CUR_KEYS[i], dcur);
    if which == fb::rlimit_resource::RLIMIT_CPU
        && let Some(l) = timer::cpu_limit(process)
    {
        cur = (l.soft_ns / NS_PER_SEC) as i64;
    }
    (cur, get(MAX_KEYS[i], dmax))
}

const NS_PER_SEC: u64 = 1_000_000_000;

/// RLIMIT_CPU as 4.x's `mi_switch` enforces it (kern_synch.c): once the process's CPU
/// time (user and system) passes the current limit it gets SIGXCPU and the current limit
/// goes up by 5 s, while below the maximum; at the maximum it is killed (SIGKILL). An
/// infinite current limit checks nothing, not even the maximum. (4.x compares against
/// a copy of the limit taken at setrlimit that the 5 s steps do not move, so it sends
/// SIGXCPU again at every context switch; here the next one comes 5 s later.)
fn cpu_limit(cur: i64, max: i64) -> Option<timer::CpuLimit> {
    let ns = |s: i64| (s as u64).saturating_mul(NS_PER_SEC);
    (cur != INFINITY).then(|| timer::CpuLimit {
        soft_ns: ns(cur),
        hard_ns: if max == INFINITY { u64::MAX } else { ns(max) },
        step_ns: 5 * NS_PER_SEC,
    })
}

/// The data-segment limit the break may grow to, in bytes.
/// RLIMIT_CORE's current value (RLIM_INFINITY is i64::MAX).
pub(crate) fn core_limit(task: &Task) -> i64 {
    limit(task, fb::rlimit_resource::RLIMIT_CORE).0
}

/// RLIMIT_MEMLOCK's current value in bytes (RLIM_INFINITY is i64::MAX).
pub(crate) fn memlock_limit(task: &Task) -> u64 {
    limit(task, fb::rlimit_resource::RLIMIT_MEMLOCK).0 as u64
}

pub(crate) fn data_limit(task: &Task) -> u64 {
    limit(task, fb::rlimit_resource::RLIMIT_DATA).0 as u64
}

/// The stack limit: mmap and the break stay below `USRSTACK` minus this.
pub(crate) fn stack_limit(task: &Task) -> u64 {
    (limit(task, fb::rlimit_resource::RLIMIT_STACK).0 as u64).min(MAXSSIZ)
}

pub(crate) fn sys_getrlimit(task: &mut Task, a: fb::GetrlimitArgs) -> SysResult {
    let (cur, max) = limit(task, a.which);
    let rl = fb::rlimit {
        rlim_cur: cur.into(),
        rlim_max: max.into(),
    };
    task.write_val(a.rlp.addr(), &rl).map_err(fault)?;
    Ok(Ret::word(0))
}

/// setrlimit as 4.x `dosetrlimit` has it: a negative limit is RLIM_INFINITY ("preserve
/// historical bugs by treating negative limits as unsigned"); going past the old
/// maximum, with either limit, needs root; a current limit above the maximum is cut to
/// it (not EINVAL); DATA and STACK are cut to MAXDSIZ and MAXSSIZ, NOFILE to the
/// descriptor table (maxfilesperproc), NPROC to maxprocperuid and at least 1. Limits
/// are kept and reported; the data and stack ones bound the break and mmap, NOFILE the
/// descriptor table, FSIZE writes, CPU the CPU time, NPROC fork; the others are not
/// enforced yet.
pub(crate) fn sys_setrlimit(task: &mut Task, a: fb::SetrlimitArgs) -> SysResult {
    let rl: fb::rlimit = task.read_val(a.rlp.addr()).map_err(fault)?;
    set_limit(task, a.which, rl.rlim_cur.get(), rl.rlim_max.get())
}

/// `osetrlimit` (145): the 4.3BSD struct with 32-bit limits (-1 is infinity).
pub(crate) fn sys_osetrlimit(task: &mut Task, a: fb::OsetrlimitArgs) -> SysResult {
    let which = fb::rlimit_resource::from_raw(a.which as i32).ok_or(errno::EINVAL)?;
    let rl: fb::orlimit = task.read_val(a.rlp.addr()).map_err(fault)?;
    set_limit(task, which, i64::from(rl.rlim_cur), i64::from(rl.rlim_max))
}

/// `ogetrlimit` (144): limits past 2^31 - 1 read as 0x7fffffff.
pub(crate) fn sys_ogetrlimit(task: &mut Task, a: fb::OgetrlimitArgs) -> SysResult {
    let which = fb::rlimit_resource::from_raw(a.which as i32).ok_or(errno::EINVAL)?;
    let (cur, max) = limit(task, which);
    let clip = |v: i64| v.min(i64::from(i32::MAX)) as i32;
    let rl = fb::orlimit {
        rlim_cur: clip(cur),
        rlim_max: clip(max),
    };
    task.write_val(a.rlp.addr(), &rl).map_err(fault)?;
    Ok(Ret::word(0))
}

/// `ogethostname` (87): kern.hostname into a buffer of `len` bytes.
pub(crate) fn sys_ogethostname(task: &mut Task, a: fb::OgethostnameArgs) -> SysResult {
    let mut name = crate::jail::host_name(task);
    name.push(0);
    let n = name.len().min(a.len as usize);
    task.write_bytes(a.hostname.addr(), &name[..n])
        .map_err(fault)?;
    if n < name.len() {
        return Err(errno::ENOMEM);
    }
    Ok(Ret::word(0))
}

/// `osethostname` (88): root, jailed or not (kern_xxx.c: `suser_xxx(0, p,
/// PRISON_ROOT)`), sets kern.hostname through the sysctl, which may refuse a prisoner
/// (EPERM) before it reads the name.
pub(crate) fn sys_osethostname(task: &mut Task, a: fb::OsethostnameArgs) -> SysResult {
    suser(task, Jail::Allowed)?;
    crate::jail::may_set_host_name(task)?;
    let name = read_name(task, a.hostname.addr(), a.len as usize)?;
    crate::jail::set_host_name(task, name);
    Ok(Ret::word(0))
}

/// getdomainname (162): as kern_xxx.c, the name, its NUL and one more zero byte, cut
/// to `len` (taken unsigned).
pub(crate) fn sys_getdomainname(task: &mut Task, a: fb::GetdomainnameArgs) -> SysResult {
    let mut name = nymph_kernel::host::domainname();
    name.extend_from_slice(&[0, 0]);
    let n = name.len().min(a.len as u32 as usize);
    task.write_bytes(a.domainname.addr(), &name[..n])
        .map_err(fault)?;
    Ok(Ret::word(0))
}

/// setdomainname (163): root only; at most MAXHOSTNAMELEN - 1 bytes (taken unsigned).
pub(crate) fn sys_setdomainname(task: &mut Task, a: fb::SetdomainnameArgs) -> SysResult {
    let name = read_name(task, a.domainname.addr(), a.len as u32 as usize)?;
    nymph_kernel::host::set_domainname(name);
    Ok(Ret::word(0))
}

/// `ogethostid` (142): kern.hostid.
pub(crate) fn sys_ogethostid(_: &mut Task, _: fb::OgethostidArgs) -> SysResult {
    Ok(Ret::word(u64::from(nymph_kernel::host::hostid())))
}

/// `osethostid` (143): root sets kern.hostid (kern_xxx.c: plain suser, not a jailed
/// root).
pub(crate) fn sys_osethostid(task: &mut Task, a: fb::OsethostidArgs) -> SysResult {
    suser(task, Jail::Refused)?;
    nymph_kernel::host::set_hostid(a.hostid as u32);
    Ok(Ret::word(0))
}

/// setrlimit's rules (4.x `dosetrlimit`): negative means infinity, the current limit
/// is cut to the maximum, raising past the old maximum needs root, and the data,
/// stack and descriptor limits stop at what the system allows.
fn set_limit(task: &Task, which: fb::rlimit_resource, cur: i64, max: i64) -> SysResult {
    use fb::rlimit_resource as R;
    let unsigned = |v: i64| if v < 0 { INFINITY } else { v };
    let (mut cur, mut max) = (unsigned(cur), unsigned(max));
    let (_, old_max) = limit(task, which);
    if (cur > old_max || max > old_max) && !task.process.fs().creds.is_root() {
        return Err(errno::EPERM);
    }
    cur = cur.min(max);
    let ceiling = match which {
        R::RLIMIT_DATA => Some(MAXDSIZ as i64),
        R::RLIMIT_STACK => Some(MAXSSIZ as i64),
        R::RLIMIT_NOFILE => Some(nymph_kernel::file::MAX_DESCRIPTORS as i64),
        R::RLIMIT_NPROC => Some(MAXPROCPERUID),
        _ => None,
    };
    if let Some(c) = ceiling {
        (cur, max) = (cur.min(c), max.min(c));
    }
    if which == R::RLIMIT_NPROC {
        // dosetrlimit: never below one process.
        (cur, max) = (cur.max(1), max.max(1));
    }
    let i = which.raw() as usize;
    task.process
        .set_personality_value(CUR_KEYS[i], cur as u64 + 1);
    task.process
        .set_personality_value(MAX_KEYS[i], max as u64 + 1);
    if which == R::RLIMIT_NOFILE {
        // Enforced by the descriptor table: open, dup and F_DUPFD number below it.
        task.process.with_files(|t| t.set_limit(cur as usize));
    }
    if which == R::RLIMIT_CPU {
        timer::set_cpu_limit(&task.process, cpu_limit(cur, max));
    }
    if which == R::RLIMIT_NPROC {
        // Enforced by the core's fork, for processes of the real user (not root).
        nymph_kernel::process::set_process_limit(&task.process, Some(cur as usize));
    }
    if which == R::RLIMIT_FSIZE {
        // Enforced by the core's write calls (EFBIG here, plus SIGXFSZ); the table
        // carries it through fork and exec.
        let bytes = (cur != INFINITY).then_some(cur as u64);
        task.process.with_files(|t| t.set_max_file_size(bytes));
    }
    Ok(Ret::word(0))
}

/// Login names by session id (4.x keeps the name on the session).
static LOGINS: Mutex<BTreeMap<u32, Vec<u8>>> = Mutex::new(BTreeMap::new());
/// `MAXLOGNAME`.
const MAXLOGNAME: usize = 17;

/// The login names, less those of sessions no live process is in any more: a name
/// goes with its session (else the table grows with every session that ever set one,
/// and a session whose id is a recycled pid would inherit a stale name).
fn logins() -> nymph_kernel::sync::MutexGuard<'static, BTreeMap<u32, Vec<u8>>> {
    let live: Vec<u32> = nymph_kernel::process::live()
        .iter()
        .map(|p| p.sid().0)
        .collect();
    let mut logins = LOGINS.lock();
    logins.retain(|sid, _| live.contains(sid));
    logins
}

/// The login name of session `sid` (kern.proc's e_login), empty if none was set.
pub(crate) fn login_of(sid: u32) -> Vec<u8> {
    logins().get(&sid).cloned().unwrap_or_default()
}

/// getlogin as 4.x's: `namelen` bytes (at most MAXLOGNAME) of the session's name,
/// kept NUL-padded in its MAXLOGNAME bytes; a shorter buffer gets the name cut, never
/// ERANGE (4.x's libc asks for MAXLOGNAME).
pub(crate) fn sys_getlogin(task: &mut Task, a: fb::GetloginArgs) -> SysResult {
    let sid = task.process.sid().0;
    let mut login = [0u8; MAXLOGNAME];
    if let Some(name) = logins().get(&sid) {
        let n = name.len().min(MAXLOGNAME - 1);
        login[..n].copy_from_slice(&name[..n]);
    }
    let n = (a.namelen as usize).min(MAXLOGNAME);
    task.write_bytes(a.namebuf.addr(), &login[..n])
        .map_err(fault)?;
    Ok(Ret::word(0))
}

/// A new session (setsid) starts with its creator's login name, as 4.x's enterpgrp
/// copies s_login.
pub(crate) fn session_started(old_sid: u32, new_sid: u32) {
    let mut logins = logins();
    if let Some(name) = logins.get(&old_sid).cloned() {
        logins.insert(new_sid, name);
    }
}

pub(crate) fn sys_setlogin(task: &mut Task, a: fb::SetloginArgs) -> SysResult {
    if !task.process.fs().creds.is_root() {
        return Err(errno::EPERM);
    }
    let name = task
        // copyinstr into MAXLOGNAME bytes: the name and its NUL.
        .read_cstr(a.namebuf.addr(), MAXLOGNAME - 1)
        .map_err(|e| match e {
            nymph_kernel::process::uaccess::UserFault::StringTooLong => errno::EINVAL,
            nymph_kernel::process::uaccess::UserFault::BadAddress(_) => errno::EFAULT,
        })?;
    logins().insert(task.process.sid().0, name);
    Ok(Ret::word(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uname_call_has_the_freebsd_1_1_version_field() {
        assert_eq!(uname_version(), "#0");
        assert!(VERSION.starts_with(fixed_str(&OSTYPE_OID)));
    }

    /// Every served node's OID under `list`, in tree order: leaves and nodes with a
    /// handler (what a walk answers).
    fn served(list: &'static [Oid], prefix: &mut Vec<i32>, out: &mut Vec<Vec<i32>>) {
        for oid in list {
            prefix.push(oid.number);
            match oid.children() {
                Some(c) => served(c, prefix, out),
                None => out.push(prefix.clone()),
            }
            prefix.pop();
        }
    }

    fn walk_from(start: &[i32]) -> Vec<Vec<i32>> {
        let mut seen = Vec::new();
        let mut at = start.to_vec();
        loop {
            let mut next = Vec::new();
            if !next_ls(ROOT, &at, &mut next) {
                return seen;
            }
            seen.push(next.clone());
            at = next;
        }
    }

    /// A spec node served by value has one here (else a read would be ENOENT).
    #[test]
    fn every_value_node_has_a_value() {
        let mut all = Vec::new();
        served(ROOT, &mut Vec::new(), &mut all);
        for oid in all {
            let (node, _) = find_oid(&oid).expect("served");
            if matches!(node.serve, SysctlServe::Value) {
                assert!(value(&oid).is_some(), "{oid:?}");
            }
        }
    }

    /// The spec's fixed values are served as 4.x lays them out (an int or a u_long in
    /// 4 bytes, a string with its NUL), and agree with what the personality uses
    /// elsewhere: the start-up layout and uname's strings.
    #[test]
    fn fixed_values_are_the_specs() {
        use crate::startup::{ARG_MAX, PS_STRINGS, USRSTACK};
        let read = |oid: &[i32]| value(oid).map(bytes);
        assert_eq!(read(&[1, 8]), Some((ARG_MAX as i32).to_le_bytes().to_vec()));
        assert_eq!(read(&[1, 32]), Some(PS_STRINGS.to_le_bytes().to_vec()));
        assert_eq!(read(&[1, 33]), Some(USRSTACK.to_le_bytes().to_vec()));
        assert_eq!(read(&[1, 1]), Some(b"FreeBSD\0".to_vec()));
        for oid in [OSTYPE_OID, OSRELEASE_OID, MACHINE_OID] {
            assert!(!fixed_str(&oid).is_empty(), "{oid:?}");
        }
        assert_eq!(fixed_int(&CCPU_OID), 1948);
        assert_eq!(fixed_int(&FSCALE_OID), 2048);
        // A writable node's spec value is where it starts, not what it is.
        assert!(fixed(&[1, 0x101]).is_none());
    }

    #[test]
    fn every_list_is_in_increasing_order() {
        fn check(list: &'static [Oid]) {
            assert!(list.windows(2).all(|w| w[0].number < w[1].number));
            list.iter().filter_map(SysctlNode::children).for_each(check);
        }
        check(ROOT);
    }

    #[test]
    fn next_walks_every_served_node_once_in_order() {
        let mut all = Vec::new();
        served(ROOT, &mut Vec::new(), &mut all);
        assert_eq!(walk_from(&[]), all);
        // sysctl -a starts from {1}: everything but sysctl.*.
        let from_kern: Vec<_> = all.iter().filter(|o| o[0] != 0).cloned().collect();
        assert_eq!(walk_from(&[1]), from_kern);
        assert_eq!(next_oid(&[0x100, 0x102]), Err(errno::ENOENT));
    }

    #[test]
    fn next_descends_with_the_rest_of_the_name_as_4x_does() {
        let next = |name: &[i32]| {
            let mut path = Vec::new();
            next_ls(ROOT, name, &mut path).then_some(path)
        };
        assert_eq!(next(&[1, 13]), Some(alloc::vec![1, 14, 0]));
        assert_eq!(next(&[1, 13, 7]), Some(alloc::vec![1, 15]));
        assert_eq!(next(&[1, 12, 99]), Some(alloc::vec![1, 15]));
        assert_eq!(next(&[1, 15]), Some(alloc::vec![1, 17]));
        assert_eq!(next(&[1, 13, 6]), Some(alloc::vec![1, 14, 7]));
        assert_eq!(next(&[0, 4]), Some(alloc::vec![1, 1]));
        assert_eq!(next(&[1, 0x102]), Some(alloc::vec![1, 0x103]));
        assert_eq!(next(&[1, 0x104]), Some(alloc::vec![1, 0x105]));
        assert_eq!(next(&[1, 0x105]), Some(alloc::vec![1, 0x106]));
        assert_eq!(next(&[1, 0x106]), Some(alloc::vec![1, 0x107]));
        assert_eq!(next(&[1, 0x108]), Some(alloc::vec![1, 0x109, 0x100]));
        assert_eq!(next(&[1, 0x109, 0x103]), Some(alloc::vec![1, 0x10a]));
        assert_eq!(next(&[1, 0x10c]), Some(alloc::vec![2, 1]));
        assert_eq!(next(&[2, 2]), Some(alloc::vec![2, 0x100]));
        assert_eq!(next(&[3]), Some(alloc::vec![3, 0]));
        assert_eq!(next(&[3, 0, 2, 1]), Some(alloc::vec![4, 1, 1, 0x100]));
        assert_eq!(next(&[4, 1, 1, 0x100]), Some(alloc::vec![4, 1, 2, 0x100]));
        assert_eq!(next(&[4, 1, 2, 0x100]), Some(alloc::vec![4, 2, 0, 12]));
        assert_eq!(next(&[4, 2, 0, 12]), Some(alloc::vec![4, 2, 1, 1]));
        assert_eq!(next(&[4, 2, 1, 2]), Some(alloc::vec![4, 2, 2, 1]));
        assert_eq!(next(&[4, 2, 2, 1]), Some(alloc::vec![4, 2, 6, 4]));
        assert_eq!(next(&[4, 2, 6, 4]), Some(alloc::vec![4, 2, 6, 11]));
        assert_eq!(next(&[4, 2, 6, 11]), Some(alloc::vec![4, 2, 17, 2]));
        assert_eq!(next(&[4, 2, 17, 2]), Some(alloc::vec![4, 2, 17, 5]));
        assert_eq!(next(&[1, 28]), Some(alloc::vec![1, 30, 8]));
        assert_eq!(next(&[1, 30, 0x101]), Some(alloc::vec![1, 32]));
        assert_eq!(next(&[4, 2, 17, 5]), Some(alloc::vec![4, 17]));
        assert_eq!(next(&[4, 17, 0, 0, 3]), Some(alloc::vec![6, 1]));
        assert_eq!(next(&[7]), Some(alloc::vec![8, 1]));
        assert_eq!(next(&[9, 18]), Some(alloc::vec![9, 20]));
        assert_eq!(next(&[10]), Some(alloc::vec![0x100, 0x100]));
        assert_eq!(next(&[0x101]), None);
    }

    #[test]
    fn names_formats_and_lookups() {
        assert_eq!(oid_name(&[1, 1]), b"kern.ostype\0");
        assert_eq!(oid_name(&[1, 14, 7, 5]), b"kern.proc.args.5\0");
        assert_eq!(oid_name(&[1, 9999, 3]), b"kern.9999.3\0");
        assert_eq!(oid_name(&[1, i32::MIN]), b"kern.-21474836\0");
        assert_eq!(oid_name(&[]), b"\0");
        assert_eq!(oidfmt(&[1, 1]), Ok(alloc::vec![3, 0, 0, 0x80, b'A', 0]));
        assert_eq!(
            oidfmt(&[1, 21]).map(|v| v[4..].to_vec()),
            Ok(b"S,timeval\0".to_vec())
        );
        assert_eq!(
            oidfmt(&[1, 14, 7, 3]).map(|v| v[..4].to_vec()),
            Ok(alloc::vec![1, 0, 0, 0xd0])
        );
        assert_eq!(oidfmt(&[1, 1, 5]), Err(errno::ENOTDIR));
        assert_eq!(oidfmt(&[1, 9999]), Err(errno::ENOENT));
        assert_eq!(oidfmt(&[]), Err(errno::ENOENT));
        assert!(matches!(find_oid(&[1, 14]), Ok((o, 2)) if o.children().is_some()));
        assert!(
            matches!(find_oid(&[0, 1, 1, 1]), Ok((o, 2)) if o.handler() == Some(SysctlHandler::Name))
        );
    }

    #[test]
    fn every_limit_and_only_limits_outlive_exec() {
        assert!(
            CUR_KEYS
                .iter()
                .chain(MAX_KEYS.iter())
                .all(|k| is_limit_key(k))
        );
        assert!(!is_limit_key(crate::sys::DATA_START));
        assert!(!is_limit_key("fb4.altstack.sp"));
    }
}
