//! The 4.x kernel variables that libkvm's programs read on a live system: kldsym(2)
//! gives each one's address, and /dev/kmem, opened by a 4.x process, reads them
//! there, laid out as 4.x's i386 kernel kept them. libkvm's `kvm_nlist` on a live
//! kernel asks kldsym for each name without its leading underscore, and `kvm_read`
//! seeks /dev/kmem to the address and reads.
//!
//! The variables are top's (usr.bin/top/machine.c's nlst: `ccpu`, `cp_time`,
//! `averunnable`, `bufspace`, `cnt`, `nextpid`; top quits when one is missing or a
//! read falls short), dmesg's (`msgbufp`, for `dmesg -M`/`-N` and other readers
//! through libkvm; on a running kernel dmesg asks kern.msgbuf), netstat's first
//! (`ifnet`) and ipcs's. They live in one block of 4.x kernel addresses ([`BASE`]); a
//! read must fall inside one variable's bytes, every other address faults (EFAULT),
//! and nothing is written through /dev/kmem here (EFAULT too: the values are
//! computed when read, not stored).
//!
//! What each holds:
//! - `ccpu`: kern.ccpu's value (fixpt_t, exp(-1/20) at FSCALE 2048).
//! - `cp_time`: `long cp_time[CPUSTATES]`, user, nice, system, interrupt and idle time
//!   since boot in ticks of stathz (kern.clockrate's, the clock's rate here), from the
//!   core's clocks: every process's user time (at a positive nice value: nice), the
//!   idle thread's time, the kernel's as the rest. Interrupts are not timed apart from
//!   the kernel's other work, so CP_INTR stays 0. Each count only grows.
//! - `averunnable`: `struct loadavg`, vm.loadavg's.
//! - `bufspace`: 0; the memory file system keeps its files' data in their own pages,
//!   with no buffer cache beside them.
//! - `cnt`: `struct vmmeter` (49 u_ints): v_swtch (the scheduler's switches),
//!   v_page_size, v_page_count (hw.availpages), v_free_count (free frames),
//!   v_active_count (the pages processes have touched in their mappings, at most the
//!   pages in use), v_wire_count (the rest of those in use: the kernel's);
//!   v_inactive_count and v_cache_count 0 (no paging queues). The event counters
//!   (traps, system calls, faults, forks, paging) and the pageout daemon's targets
//!   are not kept and read 0.
//! - `nextpid`: the pid given out last.
//! - `ifnet`: the interface list's head, netstat's first symbol (it will not start
//!   without it): lo0's struct ifnet, its name and its two ifaddrs (the link address
//!   as if_attach makes it, 127.0.0.1's struct in_ifaddr) laid out as 4.8's
//!   if_var.h and in_var.h have them, which `netstat -i` walks, with lo0's traffic
//!   ([`crate::netstat`]).
//! - ipcs's `msginfo`, `shminfo`, `seminfo` (the System V limits, the core's, which
//!   are 4.x's defaults) and `msqids`, `shmsegs`, `sema`: each the address of a table
//!   of a record per id slot, as IPC_STAT gives them, free slots as 4.x leaves them
//!   (msg_qbytes 0; mode SHMSEG_FREE; no SEM_ALLOC).
//! - `msgbufp`: the address of a `struct msgbuf` (sys/msgbuf.h) whose `msg_ptr` is the
//!   kernel's message buffer (the console's boot banner and log lines, 32 KiB, the
//!   oldest overwritten), `msg_bufx` where the next byte goes.

use crate::fb::{self, errno};
use crate::sys::{Ret, SysResult, fault};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::mem::size_of;
use core::sync::atomic::{AtomicU32, Ordering};
use nymph_kernel::error::Error as FileError;
use nymph_kernel::file::{FileKind, FileOps};
use nymph_kernel::ipc::{msg, sem, shm};
use nymph_kernel::klog::MESSAGE_BUFFER_SIZE;
use nymph_kernel::process::{self, Task};
use zerocopy::{FromZeros, Immutable, IntoBytes};

/// The first address of the block: kernel data, above where a 4.x kernel's text
/// began (0xc0100000, which faults here as on a kernel without a variable there).
pub(crate) const BASE: u32 = 0xc050_0000;

/// One variable: its name (as kldsym looks it up, without the underscore; empty for
/// an object only pointed at), offset into the block, size and its bytes now (fewer
/// bytes than its size: reads there fault).
pub(crate) struct Variable {
    name: &'static [u8],
    offset: u32,
    size: u32,
    value: fn() -> Vec<u8>,
}

impl Variable {
    pub(crate) const fn new(
        name: &'static [u8],
        offset: u32,
        size: u32,
        value: fn() -> Vec<u8>,
    ) -> Self {
        Self {
            name,
            offset,
            size,
            value,
        }
    }
}

/// Every variable: this module's, the statistics' ([`crate::kstat`]) and the routing
/// table's ([`crate::netstat`]).
fn variables() -> impl Iterator<Item = &'static Variable> {
    VARIABLES
        .iter()
        .chain(crate::kstat::VARIABLES)
        .chain(crate::netstat::VARIABLES)
}

/// `sizeof(struct vmmeter)` on i386 (sys/vmmeter.h 1.21.2.2, 4.7 on): 51 u_ints. A
/// program built on an older 4.x reads its 49 (no v_intrans_coll, v_intrans_wait).
const VMMETER_WORDS: usize = 51;
/// `CPUSTATES` (sys/dkstat.h): CP_USER, CP_NICE, CP_SYS, CP_INTR, CP_IDLE.
const CPUSTATES: usize = 5;

const VARIABLES: &[Variable] = &[
    Variable {
        name: b"ccpu",
        offset: 0x00,
        size: 4,
        value: ccpu,
    },
    Variable {
        name: b"cp_time",
        offset: 0x10,
        size: CPUSTATES as u32 * 4,
        value: cp_time,
    },
    Variable {
        name: b"averunnable",
        offset: 0x30,
        size: 16,
        value: crate::sysctl::loadavg,
    },
    Variable {
        name: b"bufspace",
        offset: 0x40,
        size: 4,
        value: bufspace,
    },
    Variable {
        name: b"nextpid",
        offset: 0x44,
        size: 4,
        value: nextpid,
    },
    Variable {
        name: b"msgbufp",
        offset: 0x48,
        size: 4,
        value: msgbufp,
    },
    Variable {
        name: b"cnt",
        offset: 0x50,
        size: VMMETER_WORDS as u32 * 4,
        value: vmmeter,
    },
    Variable {
        name: b"ifnet",
        offset: IFNET_OFFSET,
        size: 8,
        value: ifnet,
    },
    // ipcs's: each facility's limits, and a pointer to its table of records.
    Variable {
        name: b"msginfo",
        offset: 0x220,
        size: 24,
        value: msginfo,
    },
    Variable {
        name: b"msqids",
        offset: 0x238,
        size: 4,
        value: msqids,
    },
    Variable {
        name: b"shminfo",
        offset: 0x240,
        size: 20,
        value: shminfo,
    },
    Variable {
        name: b"shmsegs",
        offset: 0x254,
        size: 4,
        value: shmsegs,
    },
    Variable {
        name: b"seminfo",
        offset: 0x260,
        size: 40,
        value: seminfo,
    },
    Variable {
        name: b"sema",
        offset: 0x288,
        size: 4,
        value: sema,
    },
    Variable {
        name: b"",
        offset: MSQIDS_OFFSET,
        size: (msg::LIMITS.max_ids * MSQID_DS_SIZE) as u32,
        value: msqid_table,
    },
    Variable {
        name: b"",
        offset: SHMSEGS_OFFSET,
        size: (shm::LIMITS.max_ids * SHMID_DS_SIZE) as u32,
        value: shmid_table,
    },
    Variable {
        name: b"",
        offset: SEMA_OFFSET,
        size: (sem::LIMITS.max_ids * SEMID_DS_SIZE) as u32,
        value: semid_table,
    },
    // What ifnet leads to: lo0's struct ifnet, its name, its two addresses.
    Variable {
        name: b"",
        offset: LO0_IFNET,
        size: IFNET_SIZE as u32,
        value: lo0_ifnet,
    },
    Variable {
        name: b"",
        offset: LO0_NAME,
        size: 128,
        value: lo0_name,
    },
    Variable {
        name: b"",
        offset: LO0_LINK_IFA,
        size: IFADDR_UNION_SIZE as u32,
        value: lo0_link_ifaddr,
    },
    Variable {
        name: b"",
        offset: LO0_INET_IFA,
        size: IFADDR_UNION_SIZE as u32,
        value: lo0_inet_ifaddr,
    },
    // What msgbufp points at, with no symbol of its own (4.x put it at the top of
    // physical memory): struct msgbuf, then its buffer.
    Variable {
        name: b"",
        offset: MSGBUF_OFFSET,
        size: 20,
        value: msgbuf,
    },
    Variable {
        name: b"",
        offset: MSGBUF_AREA_OFFSET,
        size: MESSAGE_BUFFER_SIZE as u32,
        value: msgbuf_area,
    },
];

/// Where the System V tables are (after the message buffer), each record's size.
const MSQIDS_OFFSET: u32 = MSGBUF_AREA_OFFSET + MESSAGE_BUFFER_SIZE as u32;
const SHMSEGS_OFFSET: u32 = MSQIDS_OFFSET + (msg::LIMITS.max_ids * MSQID_DS_SIZE) as u32;
const SEMA_OFFSET: u32 = SHMSEGS_OFFSET + (shm::LIMITS.max_ids * SHMID_DS_SIZE) as u32;
const MSQID_DS_SIZE: usize = size_of::<fb::msqid_ds>();
const SHMID_DS_SIZE: usize = size_of::<fb::shmid_ds>();
const SEMID_DS_SIZE: usize = size_of::<fb::semid_ds>();

/// lo0's objects, after the System V tables: its struct ifnet (216 bytes), its name
/// (netstat reads 16 bytes, route.c 128), and its link and Internet ifaddrs, each as
/// large as the union netstat reads one into (an in6_ifaddr's 272 bytes).
const LO0_AREA: u32 =
    (SEMA_OFFSET + (sem::LIMITS.max_ids * SEMID_DS_SIZE) as u32).next_multiple_of(0x100);
pub(crate) const LO0_IFNET: u32 = LO0_AREA;
const LO0_NAME: u32 = LO0_AREA + 0x100;
const LO0_LINK_IFA: u32 = LO0_AREA + 0x200;
pub(crate) const LO0_INET_IFA: u32 = LO0_AREA + 0x400;
const IFNET_SIZE: usize = 216;
/// The statistics' variables ([`crate::kstat`]), after lo0's objects.
pub(crate) const KSTAT_AREA: u32 =
    (LO0_INET_IFA + IFADDR_UNION_SIZE as u32).next_multiple_of(0x1000);
/// The routing table's objects ([`crate::netstat`]), after the statistics'.
pub(crate) const NET_AREA: u32 = KSTAT_AREA + 0x1000;
const IFADDR_UNION_SIZE: usize = 272;
/// struct ifnet: if_name, if_link, if_addrhead, if_index, if_unit, if_flags, if_data
/// (ifi_type, ifi_mtu, ifi_lastchange).
const IF_NAME: usize = 4;
const IF_LINK_PREV: usize = 12;
const IF_ADDRHEAD: usize = 16;
const IF_INDEX: usize = 32;
const IF_FLAGS: usize = 38;
const IF_DATA: usize = 52;
const IFI_MTU: usize = 8;
/// if_data's ifi_ipackets, ifi_opackets, ifi_ibytes, ifi_obytes.
const IFI_IPACKETS: usize = 20;
const IFI_OPACKETS: usize = 28;
const IFI_IBYTES: usize = 40;
const IFI_OBYTES: usize = 44;
const IFI_LASTCHANGE: usize = 72;
/// struct ifaddr: ifa_addr, ifa_dstaddr, ifa_netmask, ifa_ifp, ifa_link, ifa_refcnt;
/// if_attach puts the link address right after it, and its mask after that.
const IFA_ADDR: usize = 0;
const IFA_DATA: usize = 12;
const IFA_DSTADDR: usize = 4;
const IFA_NETMASK: usize = 8;
const IFA_IFP: usize = 92;
const IFA_LINK: usize = 96;
const IFA_REFCNT: usize = 112;
const LINK_SDL_AT: usize = 124;
const LINK_MASK_AT: usize = 180;
/// struct in_ifaddr after its ifaddr: ia_net, ia_netmask, ia_subnet, ia_subnetmask
/// (host order), ia_netbroadcast, ia_addr, ia_sockmask.
const IA_NET: usize = 124;
const IA_NETBROADCAST: usize = 140;
const IA_ADDR: usize = 160;
const IA_SOCKMASK: usize = 192;

/// Where the interface list's head is in the block.
const IFNET_OFFSET: u32 = 0x180;

/// Where the message buffer's header and bytes are in the block.
const MSGBUF_OFFSET: u32 = 0x200;
const MSGBUF_AREA_OFFSET: u32 = 0x1000;
/// `MSG_MAGIC` of sys/msgbuf.h (1.14.2.1).
const MSG_MAGIC: u32 = 0x063062;

/// Every named variable as /kernel's symbol table lists it: name, address, size.
pub(crate) fn symbols() -> Vec<(&'static [u8], u32, u32)> {
    variables()
        .filter(|v| !v.name.is_empty())
        .map(|v| (v.name, BASE + v.offset, v.size))
        .collect()
}

/// The address and size of the variable kldsym is asked for by `name`.
pub(crate) fn lookup(name: &[u8]) -> Option<(u32, u32)> {
    variables()
        .find(|v| !v.name.is_empty() && v.name == name)
        .map(|v| (BASE + v.offset, v.size))
}

fn ccpu() -> Vec<u8> {
    crate::sysctl::fixed_int(&crate::sysctl::CCPU_OID)
        .to_le_bytes()
        .to_vec()
}

/// The counts cp_time last gave, so that none goes back (a process exiting while the
/// table is summed is left out of that sum, and its time would seem to move).
static CP_TIME_SEEN: [AtomicU32; CPUSTATES] = [const { AtomicU32::new(0) }; CPUSTATES];

fn cp_time() -> Vec<u8> {
    let totals = process::cpu_totals();
    let hz = u64::from(nymph_kernel::time::hz());
    let ticks = |ns: u64| (u128::from(ns) * u128::from(hz) / 1_000_000_000) as u32;
    let now = [
        ticks(totals.user_ns),
        ticks(totals.nice_ns),
        ticks(totals.system_ns),
        0,
        ticks(totals.idle_ns),
    ];
    let mut out = Vec::with_capacity(CPUSTATES * 4);
    for (seen, count) in CP_TIME_SEEN.iter().zip(now) {
        let shown = seen.fetch_max(count, Ordering::Relaxed).max(count);
        out.extend_from_slice(&shown.to_le_bytes());
    }
    out
}

fn bufspace() -> Vec<u8> {
    0i32.to_le_bytes().to_vec()
}

fn nextpid() -> Vec<u8> {
    process::last_pid().to_le_bytes().to_vec()
}

/// Little-endian u32s, as an i386 kernel keeps them.
pub(crate) fn words(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// `struct msginfo { msgmax, msgmni, msgmnb, msgtql, msgssz, msgseg }` (sysv_msg.c's
/// msginfo): msgmax is msgssz * msgseg, as 4.x's MSGMAX.
fn msginfo() -> Vec<u8> {
    let l = msg::LIMITS;
    words(&[
        (l.segment * l.segments) as u32,
        l.max_ids as u32,
        l.queue_bytes as u32,
        l.max_messages as u32,
        l.segment as u32,
        l.segments as u32,
    ])
}

/// `struct shminfo { shmmax, shmmin, shmmni, shmseg, shmall }`.
fn shminfo() -> Vec<u8> {
    let l = shm::LIMITS;
    words(&[
        l.max_size as u32,
        l.min_size as u32,
        l.max_ids as u32,
        l.per_space as u32,
        l.max_pages as u32,
    ])
}

/// `struct seminfo { semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz,
/// semvmx, semaem }`: semmap, semusz, semvmx and semaem are 4.x's defaults (SEMMAP 30,
/// SEMUSZ the undo record's size for SEMUME adjustments, SEMVMX 32767, SEMAEM 16384).
fn seminfo() -> Vec<u8> {
    let l = sem::LIMITS;
    let undo_size = 8 + 8 * l.undo_per_proc as u32;
    words(&[
        30,
        l.max_ids as u32,
        l.max_sems as u32,
        l.undo_procs as u32,
        l.per_set as u32,
        l.max_ops as u32,
        l.undo_per_proc as u32,
        undo_size,
        32767,
        16384,
    ])
}

fn msqids() -> Vec<u8> {
    (BASE + MSQIDS_OFFSET).to_le_bytes().to_vec()
}

fn shmsegs() -> Vec<u8> {
    (BASE + SHMSEGS_OFFSET).to_le_bytes().to_vec()
}

fn sema() -> Vec<u8> {
    (BASE + SEMA_OFFSET).to_le_bytes().to_vec()
}

/// A table of `slots` records, `free` in every slot not in `used`.
fn table<T: IntoBytes + Immutable>(slots: usize, free: T, used: Vec<(usize, T)>) -> Vec<u8> {
    let size = size_of::<T>();
    let mut out = free.as_bytes().repeat(slots);
    for (slot, record) in used {
        if let Some(r) = out.get_mut(slot * size..(slot + 1) * size) {
            r.copy_from_slice(record.as_bytes());
        }
    }
    out
}

/// msqids[msgmni]: a free queue's msg_qbytes is 0, which ipcs skips.
fn msqid_table() -> Vec<u8> {
    let used = msg::all().into_iter();
    let used = used
        .map(|(slot, q)| (slot, crate::sysv::msqid_ds(&q)))
        .collect();
    table(msg::LIMITS.max_ids, fb::msqid_ds::new_zeroed(), used)
}

/// shmsegs[shmmni]: a free segment's mode is SHMSEG_FREE; ipcs lists those with
/// SHMSEG_ALLOCATED (a removed one still attached among them).
fn shmid_table() -> Vec<u8> {
    let mut free = fb::shmid_ds::new_zeroed();
    free.shm_perm.mode = fb::consts::SHMSEG_FREE as u16;
    let used = shm::all().into_iter();
    let used = used
        .map(|(slot, s)| (slot, crate::sysv::shmid_ds(&s)))
        .collect();
    table(shm::LIMITS.max_ids, free, used)
}

/// sema[semmni]: a free set's mode is 0, without SEM_ALLOC, which ipcs skips.
fn semid_table() -> Vec<u8> {
    let used = sem::all().into_iter();
    let used = used
        .map(|(slot, s)| (slot, crate::sysv::semid_ds(&s)))
        .collect();
    table(sem::LIMITS.max_ids, fb::semid_ds::new_zeroed(), used)
}

/// `struct ifnethead ifnet`: lo0 first and last (tqh_last at its if_link.tqe_next).
fn ifnet() -> Vec<u8> {
    words(&[BASE + LO0_IFNET, BASE + LO0_IFNET + 8])
}

/// Writes `bytes` into `object` at `at`.
pub(crate) fn put(object: &mut [u8], at: usize, bytes: &[u8]) {
    object[at..at + bytes.len()].copy_from_slice(bytes);
}

/// The packet and byte counts of an if_data at `at` in `object`: lo0 receives what it
/// sends ([`crate::netstat::lo0_traffic`]).
fn put_traffic(object: &mut [u8], at: usize) {
    let (packets, bytes) = crate::netstat::lo0_traffic();
    for (field, value) in [
        (IFI_IPACKETS, packets),
        (IFI_OPACKETS, packets),
        (IFI_IBYTES, bytes),
        (IFI_OBYTES, bytes),
    ] {
        put(object, at + field, &value.to_le_bytes());
    }
}

/// lo0 as loopattach and `ifconfig lo0 inet 127.0.0.1` leave it: name "lo" unit 0,
/// index 1, UP|LOOPBACK|RUNNING|MULTICAST, IFT_LOOP, MTU 16384, the link address
/// then 127.0.0.1 on its address list, the address's time its last change (boot),
/// and its traffic.
fn lo0_ifnet() -> Vec<u8> {
    let mut ifp = vec![0u8; IFNET_SIZE];
    put(&mut ifp, IF_NAME, &(BASE + LO0_NAME).to_le_bytes());
    put(&mut ifp, IF_LINK_PREV, &(BASE + IFNET_OFFSET).to_le_bytes());
    put(&mut ifp, IF_ADDRHEAD, &(BASE + LO0_LINK_IFA).to_le_bytes());
    let last = BASE + LO0_INET_IFA + IFA_LINK as u32;
    put(&mut ifp, IF_ADDRHEAD + 4, &last.to_le_bytes());
    put(&mut ifp, IF_INDEX, &1u16.to_le_bytes());
    put(&mut ifp, IF_FLAGS, &crate::ifnet::LO0_FLAGS.to_le_bytes());
    put(&mut ifp, IF_DATA, &[crate::ifnet::IFT_LOOP]);
    put(
        &mut ifp,
        IF_DATA + IFI_MTU,
        &crate::ifnet::LO0_MTU.to_le_bytes(),
    );
    let (secs, nanos) = nymph_kernel::time::boot_realtime();
    let change = words(&[secs as u32, nanos / 1000]);
    put(&mut ifp, IF_DATA + IFI_LASTCHANGE, &change);
    put_traffic(&mut ifp, IF_DATA);
    ifp
}

fn lo0_name() -> Vec<u8> {
    let mut name = vec![0u8; 128];
    name[..2].copy_from_slice(b"lo");
    name
}

/// The link-level ifaddr as if_attach allocates it: the ifaddr, lo0's sockaddr_dl
/// right after it and the mask for its name (ff ff ff in sdl_data) after that.
fn lo0_link_ifaddr() -> Vec<u8> {
    let me = BASE + LO0_LINK_IFA;
    let mut ifa = vec![0u8; IFADDR_UNION_SIZE];
    put(&mut ifa, IFA_ADDR, &(me + LINK_SDL_AT as u32).to_le_bytes());
    put(
        &mut ifa,
        IFA_NETMASK,
        &(me + LINK_MASK_AT as u32).to_le_bytes(),
    );
    put(&mut ifa, IFA_IFP, &(BASE + LO0_IFNET).to_le_bytes());
    put(&mut ifa, IFA_LINK, &(BASE + LO0_INET_IFA).to_le_bytes());
    let head = BASE + LO0_IFNET + IF_ADDRHEAD as u32;
    put(&mut ifa, IFA_LINK + 4, &head.to_le_bytes());
    put(&mut ifa, IFA_REFCNT, &1u32.to_le_bytes());
    put(&mut ifa, LINK_SDL_AT, &crate::ifnet::link_address());
    // The mask: sdl_len offsetof(sdl_data) + the name's 3, no family, 0xff per byte.
    put(&mut ifa, LINK_MASK_AT, &[11]);
    put(&mut ifa, LINK_MASK_AT + 8, &[0xff; 3]);
    ifa
}

/// 127.0.0.1's struct in_ifaddr as in_ifinit leaves it on a loopback interface: the
/// address, its own destination, the class A net and mask (host order), the
/// broadcast address, the mask as a sockaddr of 8 bytes, and its traffic.
fn lo0_inet_ifaddr() -> Vec<u8> {
    let me = BASE + LO0_INET_IFA;
    let mut ia = vec![0u8; IFADDR_UNION_SIZE];
    let addr = me + IA_ADDR as u32;
    put(&mut ia, IFA_ADDR, &addr.to_le_bytes());
    put(&mut ia, IFA_DSTADDR, &addr.to_le_bytes());
    put(
        &mut ia,
        IFA_NETMASK,
        &(me + IA_SOCKMASK as u32).to_le_bytes(),
    );
    put(&mut ia, IFA_IFP, &(BASE + LO0_IFNET).to_le_bytes());
    put(
        &mut ia,
        IFA_LINK + 4,
        &(BASE + LO0_LINK_IFA + IFA_LINK as u32).to_le_bytes(),
    );
    put(&mut ia, IFA_REFCNT, &1u32.to_le_bytes());
    let net = u32::from_be_bytes(crate::ifnet::LO0_ADDRESS) & 0xff00_0000;
    put(
        &mut ia,
        IA_NET,
        &words(&[net, 0xff00_0000, net, 0xff00_0000]),
    );
    put(&mut ia, IA_NETBROADCAST, &[127, 255, 255, 255]);
    let mut sin = [0u8; 16];
    sin[0] = 16;
    sin[1] = fb::consts::AF_INET as u8;
    sin[4..8].copy_from_slice(&crate::ifnet::LO0_ADDRESS);
    put(&mut ia, IA_ADDR, &sin);
    put(&mut ia, IA_SOCKMASK, &[8, 0, 0, 0, 255, 0, 0, 0]);
    // Every packet is to or from 127.0.0.1: the address's own counts are lo0's.
    put_traffic(&mut ia, IFA_DATA);
    ia
}

fn msgbufp() -> Vec<u8> {
    (BASE + MSGBUF_OFFSET).to_le_bytes().to_vec()
}

/// `struct msgbuf { msg_magic, msg_size, msg_bufx, msg_bufr; char *msg_ptr; }`: the
/// write index where the next byte goes, and /dev/klog's read index.
fn msgbuf() -> Vec<u8> {
    let (written, read) = nymph_kernel::klog::positions();
    let index = |at: u64| (at % MESSAGE_BUFFER_SIZE as u64) as u32;
    let words = [
        MSG_MAGIC,
        MESSAGE_BUFFER_SIZE as u32,
        index(written),
        index(read),
        BASE + MSGBUF_AREA_OFFSET,
    ];
    self::words(&words)
}

fn msgbuf_area() -> Vec<u8> {
    nymph_kernel::klog::messages().0
}

/// The message buffer from its write index round to it (kern.msgbuf's answer): the
/// oldest bytes first, zeros where nothing was written yet.
pub(crate) fn unwound_messages() -> Vec<u8> {
    let (mut ring, written) = nymph_kernel::klog::messages();
    ring.rotate_left((written % MESSAGE_BUFFER_SIZE as u64) as usize);
    ring
}

/// Indices of the struct vmmeter words filled (sys/vmmeter.h's order).
const V_SWTCH: usize = 0;
const V_PAGE_SIZE: usize = 25;
const V_PAGE_COUNT: usize = 26;
const V_FREE_COUNT: usize = 30;
const V_WIRE_COUNT: usize = 31;
const V_ACTIVE_COUNT: usize = 32;

fn vmmeter() -> Vec<u8> {
    let (usable, free) = {
        let frames = nymph_kernel::mm::frame::FRAMES.lock();
        (frames.usable_count() as u64, frames.free_count() as u64)
    };
    let in_use = usable.saturating_sub(free);
    let touched: u64 = process::live()
        .iter()
        .map(|p| crate::kinfo::page_counts(p).1)
        .sum();
    let active = touched.min(in_use);
    let mut words = [0u32; VMMETER_WORDS];
    words[V_SWTCH] = nymph_kernel::sched::context_switches() as u32;
    words[V_PAGE_SIZE] = nymph_kernel::vfs::page::PAGE_SIZE as u32;
    words[V_PAGE_COUNT] = usable as u32;
    words[V_FREE_COUNT] = free as u32;
    words[V_WIRE_COUNT] = (in_use - active) as u32;
    words[V_ACTIVE_COUNT] = active as u32;
    crate::kstat::vmmeter_events(&mut words);
    self::words(&words)
}

/// The bytes at `address..address + len`, if they lie inside one variable, one of
/// the objects fstat follows ([`crate::fstat`]), or a process group or session
/// ([`crate::ttys`]).
fn read(address: u64, len: usize) -> Option<Vec<u8>> {
    variable_bytes(address, len)
        .or_else(|| crate::fstat::read(address, len))
        .or_else(|| crate::ttys::stand_in_bytes(address, len))
}

fn variable_bytes(address: u64, len: usize) -> Option<Vec<u8>> {
    let offset = address.checked_sub(u64::from(BASE))?;
    let v = variables().find(|v| {
        let start = u64::from(v.offset);
        offset >= start && offset < start + u64::from(v.size)
    })?;
    let from = (offset - u64::from(v.offset)) as usize;
    let to = from.checked_add(len)?;
    let bytes = (v.value)();
    bytes.get(from..to).map(<[u8]>::to_vec)
}

/// /dev/kmem as a 4.x process opens it.
#[derive(Debug)]
pub(crate) struct KernelMemory;

impl KernelMemory {
    pub(crate) fn open() -> Arc<dyn FileOps> {
        Arc::new(KernelMemory)
    }
}

impl FileOps for KernelMemory {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }
    fn read(&self, _buf: &mut [u8], _nonblock: bool) -> nymph_kernel::error::Result<usize> {
        Err(FileError::BadAddress)
    }
    fn write(&self, _buf: &[u8], _nonblock: bool) -> nymph_kernel::error::Result<usize> {
        Err(FileError::BadAddress)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn read_at(
        &self,
        offset: u64,
        buf: &mut [u8],
        _nonblock: bool,
    ) -> nymph_kernel::error::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let bytes = read(offset, buf.len()).ok_or(FileError::BadAddress)?;
        buf.copy_from_slice(&bytes);
        Ok(bytes.len())
    }
    fn write_at(
        &self,
        _offset: u64,
        _buf: &[u8],
        _nonblock: bool,
    ) -> nymph_kernel::error::Result<usize> {
        Err(FileError::BadAddress)
    }
}

/// kldsym's lookup in the kernel file: writes the variable's address and size into
/// the caller's struct kld_sym_lookup (symvalue at 8, symsize at 12), ENOENT for a
/// name the kernel has no variable of.
pub(crate) fn answer_lookup(
    task: &Task,
    addr: u64,
    name: &[u8],
    lookup_struct: &mut [u8; 16],
) -> SysResult {
    let (value, size) = lookup(name).ok_or(errno::ENOENT)?;
    lookup_struct[8..12].copy_from_slice(&value.to_le_bytes());
    lookup_struct[12..16].copy_from_slice(&size.to_le_bytes());
    task.write_bytes(addr, lookup_struct).map_err(fault)?;
    Ok(Ret::word(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn variables_do_not_overlap_and_lookups_find_each() {
        let all: Vec<&Variable> = variables().collect();
        for (i, a) in all.iter().enumerate() {
            if !a.name.is_empty() {
                assert_eq!(lookup(a.name), Some((BASE + a.offset, a.size)));
            }
            for b in &all[i + 1..] {
                assert!(
                    a.offset + a.size <= b.offset || b.offset + b.size <= a.offset,
                    "{:?} {:?}",
                    a.name,
                    b.name
                );
            }
        }
        assert_eq!(lookup(b"_ccpu"), None);
        assert_eq!(lookup(b""), None);
        assert_eq!(lookup(b"cp_tim"), None);
        assert_eq!(VMMETER_WORDS * 4, 204);
    }

    #[test]
    fn a_read_must_lie_inside_one_variable() {
        assert_eq!(
            read(u64::from(BASE), 4),
            Some(1948i32.to_le_bytes().to_vec())
        );
        assert_eq!(
            read(u64::from(BASE) + 1, 2),
            Some(vec![1948i32.to_le_bytes()[1], 0])
        );
        // Past its end, in the gap after it, before the block.
        assert_eq!(read(u64::from(BASE) + 2, 4), None);
        assert_eq!(read(u64::from(BASE) + 4, 4), None);
        assert_eq!(read(u64::from(BASE) - 1, 1), None);
        assert_eq!(read(0xc010_0000, 4), None);
        assert_eq!(read(u64::MAX, 1), None);
    }
}
