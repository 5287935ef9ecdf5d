//! The statistics 4.x's vmstat, iostat, pstat and swapinfo read on a running kernel:
//! kernel variables through libkvm (kldsym for the address, /dev/kmem at it; the
//! block is [`crate::kmem`]'s) and the sysctls kern.devstat.*, vm.vmmeter and vm.zone.
//! vmstat quits unless every name of its list resolves (`_zlist` too, which it never
//! reads), and pstat (swapinfo) unless `_mountlist`, `_numvnodes`, `_nfiles` and
//! `_maxfiles` do.
//!
//! What each holds, from the core's counters (`nymph_kernel::stats`, the hal's per-line
//! interrupt counts, the heap's allocation counts):
//! - `boottime` (struct timeval), `hz`, `stathz` (the clock's rate: one clock here).
//! - `tk_nin`, `tk_nout`: bytes every terminal received and sent.
//! - `intrcnt`/`intrnames` (to `eintrcnt`/`eintrnames`): a 4.x i386 kernel's 49 slots
//!   without APIC_IO, names packed NUL-separated as update_intrname leaves them:
//!   "???" (interrupts no line owns: spurious IRQ 7 or 15), "stray irq0" to
//!   "stray irq15" (lines no driver handles), then the two the core handles, "clk irq0"
//!   (the PIT's tick) and "sio0 irq4" (the serial console).
//! - `nchstats`: there is no name cache, so every component looked up counts as a
//!   miss (vmstat -s: "cache hits (0% pos + 0% neg)").
//! - `kmemstatistics`: one malloc type, "kernel", for the whole kernel heap (one
//!   allocator, not typed): bytes and allocations live, calls since boot, the high
//!   water mark, the heap's limit. `bucket`: 20 struct kmembuckets, all zero (talc
//!   keeps no power-of-two buckets). `zlist`: NULL, no zones (vm.zone lists none).
//! - `swapblist` NULL, `swdevt` a table of NSWAPDEV (4) unused struct swdevt,
//!   `nswdev` 4, `dmmax`: no swap (swapinfo prints its header alone, as 4.x with none).
//! - `nfiles`, `maxfiles`: open files and the system's limit (pstat -T).
//! - `numvnodes`: the nodes that exist on every file system; `desiredvnodes` the
//!   bound on those processes make; `freevnodes` and `numdirtybuffers` 0 (no vnode
//!   free list, no buffer cache); `fscale` FSCALE (systat's vmstat and pigs displays).
//! - `mountlist` resolves (pstat needs the name) but reads as EFAULT: no struct mount
//!   is laid out here (getfsstat(2) lists the mounts). systat's netstat display walks
//!   `tcb` and `udb` ([`crate::netstat`]).
//!
//! kern.devstat lists one device, md0, as 4.x's md(4) registers a memory disk: the
//! memory file system that holds every file, each read or write of a regular file's
//! data counted as one transfer of its bytes. vmstat and iostat quit on a kernel with
//! no devstat device (kern.devstat.all is EINVAL then).

use crate::fb;
use crate::kmem::{BASE, KSTAT_AREA, Variable};
use alloc::vec;
use alloc::vec::Vec;
use nymph_kernel::process;
use nymph_kernel::stats;
use zerocopy::IntoBytes;

const fn at(offset: u32) -> u32 {
    KSTAT_AREA + offset
}

/// Where the objects the variables point at are.
const SWDEVT_TABLE: u32 = at(0x080);
const MALLOC_TYPE: u32 = at(0x100);
const INTRCNT: u32 = at(0x140);
const BUCKET: u32 = at(0x210);
const INTRNAMES: u32 = at(0x500);
const MALLOC_TYPE_NAME: u32 = at(0x900);

/// NSWAPDEV, and `sizeof(struct swdevt)` (sw_dev, sw_flags, sw_nblks, sw_vp, sw_device).
const NSWAPDEV: u32 = 4;
const SWDEVT_SIZE: u32 = 20;
/// `1 + ICU_LEN + 2 * ICU_LEN` interrupt slots (vector.s without APIC_IO), each name
/// given 16 bytes of the area.
const INTR_SLOTS: u32 = 49;
const INTRNAMES_SIZE: u32 = INTR_SLOTS * 16;
/// `struct kmembuckets` (36 bytes) for MINBUCKET + 16 sizes.
const BUCKETS_SIZE: u32 = 20 * 36;
/// `struct malloc_type` on i386.
const MALLOC_TYPE_SIZE: u32 = 44;
/// vmstat -m reads 1024 bytes at each type's ks_shortdesc.
const MALLOC_TYPE_NAME_SIZE: u32 = 1024;
/// M_MAGIC (sys/malloc.h).
const M_MAGIC: u32 = 877_983_977;
/// dmmax: swap_pager's interleave, SWB_NPAGES * 2 pages.
const DMMAX: u32 = 16;

pub(crate) const VARIABLES: &[Variable] = &[
    Variable::new(b"boottime", at(0x000), 8, boottime),
    Variable::new(b"hz", at(0x008), 4, hz),
    Variable::new(b"stathz", at(0x00c), 4, hz),
    Variable::new(b"tk_nin", at(0x010), 4, tk_nin),
    Variable::new(b"tk_nout", at(0x014), 4, tk_nout),
    Variable::new(b"kmemstatistics", at(0x018), 4, kmemstatistics),
    Variable::new(b"zlist", at(0x01c), 4, null),
    Variable::new(b"nchstats", at(0x020), 32, nchstats),
    Variable::new(b"swapblist", at(0x040), 4, null),
    Variable::new(b"swdevt", at(0x044), 4, swdevt),
    Variable::new(b"nswdev", at(0x048), 4, nswdev),
    Variable::new(b"dmmax", at(0x04c), 4, dmmax),
    Variable::new(b"mountlist", at(0x050), 8, unreadable),
    Variable::new(b"numvnodes", at(0x058), 4, numvnodes),
    Variable::new(b"nfiles", at(0x05c), 4, nfiles),
    Variable::new(b"maxfiles", at(0x060), 4, maxfiles),
    // systat's: its default display's scale, and its vmstat display's vnode and
    // buffer counts.
    Variable::new(b"fscale", at(0x064), 4, fscale),
    Variable::new(b"desiredvnodes", at(0x068), 4, desiredvnodes),
    Variable::new(b"freevnodes", at(0x06c), 4, null),
    Variable::new(b"numdirtybuffers", at(0x070), 4, null),
    Variable::new(b"", SWDEVT_TABLE, NSWAPDEV * SWDEVT_SIZE, swdevt_table),
    Variable::new(b"", MALLOC_TYPE, MALLOC_TYPE_SIZE, malloc_type),
    Variable::new(b"intrcnt", INTRCNT, INTR_SLOTS * 4, intrcnt),
    Variable::new(b"eintrcnt", INTRCNT + INTR_SLOTS * 4, 0, unreadable),
    Variable::new(b"bucket", BUCKET, BUCKETS_SIZE, buckets),
    Variable::new(b"intrnames", INTRNAMES, INTRNAMES_SIZE, intrnames),
    Variable::new(b"eintrnames", INTRNAMES + INTRNAMES_SIZE, 0, unreadable),
    Variable::new(
        b"",
        MALLOC_TYPE_NAME,
        MALLOC_TYPE_NAME_SIZE,
        malloc_type_name,
    ),
];

fn word(value: u32) -> Vec<u8> {
    value.to_le_bytes().to_vec()
}

fn null() -> Vec<u8> {
    word(0)
}

/// No bytes: a read there is EFAULT.
fn unreadable() -> Vec<u8> {
    Vec::new()
}

fn boottime() -> Vec<u8> {
    let (secs, nanos) = nymph_kernel::time::boot_realtime();
    let tv = fb::timeval {
        tv_sec: secs as i32,
        tv_usec: (nanos / 1000) as i32,
    };
    tv.as_bytes().to_vec()
}

fn hz() -> Vec<u8> {
    word(nymph_kernel::time::hz())
}

fn tk_nin() -> Vec<u8> {
    word(stats::TTY_BYTES_IN.get() as u32)
}

fn tk_nout() -> Vec<u8> {
    word(stats::TTY_BYTES_OUT.get() as u32)
}

fn kmemstatistics() -> Vec<u8> {
    word(BASE + MALLOC_TYPE)
}

/// `struct nchstats { goodhits, neghits, badhits, falsehits, miss, long, pass2,
/// 2passes }`: every lookup a miss.
fn nchstats() -> Vec<u8> {
    let mut words = [0u32; 8];
    words[4] = stats::NAME_LOOKUPS.get() as u32;
    crate::kmem::words(&words)
}

fn swdevt() -> Vec<u8> {
    word(BASE + SWDEVT_TABLE)
}

fn nswdev() -> Vec<u8> {
    word(NSWAPDEV)
}

fn dmmax() -> Vec<u8> {
    word(DMMAX)
}

/// NSWAPDEV entries none of which has blocks (sw_nblks 0): no swap device.
fn swdevt_table() -> Vec<u8> {
    vec![0; (NSWAPDEV * SWDEVT_SIZE) as usize]
}

fn nfiles() -> Vec<u8> {
    word(nymph_kernel::file::open_file_count() as u32)
}

/// Every node of every file system (BSD's vnodes: here each file's node is its vnode).
fn numvnodes() -> Vec<u8> {
    word(nymph_kernel::vfs::node::live_nodes() as u32)
}

/// The bound on the nodes processes may make (one per page free at the first), the
/// closest the memory file system has to 4.x's vnode target.
fn desiredvnodes() -> Vec<u8> {
    word(nymph_kernel::vfs::tmpfs::made_node_limit() as u32)
}

fn fscale() -> Vec<u8> {
    word(crate::sysctl::fixed_int(&crate::sysctl::FSCALE_OID) as u32)
}

fn maxfiles() -> Vec<u8> {
    word(nymph_kernel::file::MAX_OPEN_FILES as u32)
}

/// The kernel heap as one malloc type: ks_next NULL, ks_memuse, ks_limit (the heap's
/// limit), ks_size 0 (no bucket sizes), ks_inuse, ks_calls (an int64 at 20),
/// ks_maxused, ks_magic, ks_shortdesc; no limit or map blocking counted.
fn malloc_type() -> Vec<u8> {
    let heap = nymph_hal::heap::allocation_stats();
    let limit = nymph_kernel::mm::heap::limit();
    let mut record = Vec::with_capacity(MALLOC_TYPE_SIZE as usize);
    for w in [0, heap.live_bytes as u32, limit as u32, 0, heap.live as u32] {
        record.extend_from_slice(&w.to_le_bytes());
    }
    record.extend_from_slice(&heap.made.to_le_bytes());
    for w in [heap.peak_bytes as u32, M_MAGIC, BASE + MALLOC_TYPE_NAME] {
        record.extend_from_slice(&w.to_le_bytes());
    }
    record.extend_from_slice(&[0; 4]);
    record
}

fn malloc_type_name() -> Vec<u8> {
    let mut name = vec![0; MALLOC_TYPE_NAME_SIZE as usize];
    name[..6].copy_from_slice(b"kernel");
    name
}

fn buckets() -> Vec<u8> {
    vec![0; BUCKETS_SIZE as usize]
}

/// The lines the core kernel handles (its boot code's interrupt handler), by the
/// names 4.x's drivers give them.
const HANDLED_LINES: [(u8, &str); 2] = [(0, "clk"), (nymph_hal::serial::COM1_IRQ, "sio0")];
/// The slot of the first driver's name: after "???" and the 16 strays.
const FIRST_DRIVER_SLOT: usize = 17;

fn intrcnt() -> Vec<u8> {
    let lines = nymph_hal::trap::irq_counts();
    let mut counts = [0u32; INTR_SLOTS as usize];
    counts[0] = nymph_hal::trap::spurious_interrupts() as u32;
    for (line, &count) in lines.iter().enumerate() {
        let driver = HANDLED_LINES
            .iter()
            .position(|&(handled, _)| usize::from(handled) == line);
        let slot = match driver {
            Some(i) => FIRST_DRIVER_SLOT + i,
            None => 1 + line,
        };
        counts[slot] = count as u32;
    }
    crate::kmem::words(&counts)
}

fn intrnames() -> Vec<u8> {
    let mut names = Vec::with_capacity(INTRNAMES_SIZE as usize);
    names.extend_from_slice(b"???\0");
    for line in 0..16 {
        names.extend_from_slice(alloc::format!("stray irq{line}\0").as_bytes());
    }
    for (line, driver) in HANDLED_LINES {
        names.extend_from_slice(alloc::format!("{driver} irq{line}\0").as_bytes());
    }
    names.resize(INTRNAMES_SIZE as usize, 0);
    names
}

/// Every event counter of `struct vmmeter` (sys/vmmeter.h 1.21.2.2: 51 u_ints) the
/// core keeps, by index.
pub(crate) fn vmmeter_events(words: &mut [u32]) {
    const V_TRAP: usize = 1;
    const V_SYSCALL: usize = 2;
    const V_INTR: usize = 3;
    const V_VM_FAULTS: usize = 5;
    const V_COW_FAULTS: usize = 6;
    const V_ZFOD: usize = 8;
    const V_FORKS: usize = 41;
    const V_VFORKS: usize = 42;
    const V_RFORKS: usize = 43;
    let interrupts: u64 = nymph_hal::trap::irq_counts().iter().sum();
    for (index, count) in [
        (V_TRAP, stats::TRAPS.get()),
        (V_SYSCALL, stats::SYSCALLS.get()),
        (V_INTR, interrupts),
        (V_VM_FAULTS, stats::PAGE_FAULTS.get()),
        (V_COW_FAULTS, stats::COPY_ON_WRITE_FAULTS.get()),
        (V_ZFOD, stats::ZERO_FILLS.get()),
        (V_FORKS, stats::FORKS.get()),
        (V_VFORKS, stats::VFORKS.get()),
        (V_RFORKS, stats::SHARING_FORKS.get()),
    ] {
        words[index] = count as u32;
    }
}

/// `struct vmtotal` (vm.vmmeter, 48 bytes) as vm_meter.c's vmtotal sums it: t_rq the
/// runnable processes (the caller among them), t_sl the sleeping and stopped ones,
/// t_dw, t_pw and t_sw 0 (no disk or page waits, nothing swapped); t_vm and t_avm the
/// pages every process maps, t_rm and t_arm those they have touched (every process
/// counts as active), no shared objects; t_free the free pages.
pub(crate) fn vmtotal() -> Vec<u8> {
    let (mut runnable, mut sleeping) = (0u16, 0u16);
    let (mut mapped, mut resident) = (0u64, 0u64);
    for p in process::live() {
        if p.has_exited() {
            continue;
        }
        if crate::kinfo::p_stat(&p) == crate::kinfo::SRUN {
            runnable += 1;
        } else {
            sleeping += 1;
        }
        let (m, r) = crate::kinfo::page_counts(&p);
        mapped += m;
        resident += r;
    }
    let free = nymph_kernel::mm::frame::FRAMES.lock().free_count() as u32;
    let mut out = Vec::with_capacity(48);
    for half in [runnable, 0, 0, sleeping, 0, 0] {
        out.extend_from_slice(&half.to_le_bytes());
    }
    let (mapped, resident) = (mapped as u32, resident as u32);
    for w in [mapped, mapped, resident, resident, 0, 0, 0, 0, free] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// Devices on the devstat list, and its generation (one device, added at boot).
pub(crate) const DEVSTAT_DEVICES: i32 = 1;
pub(crate) const DEVSTAT_GENERATION: i32 = 1;

/// kern.devstat.all: the generation (a long), then md0's 160-byte struct devstat:
/// its name and unit, the bytes and transfers read and written, DEV_BSIZE blocks,
/// created at boot, DEVSTAT_NO_ORDERED_TAGS, DEVSTAT_TYPE_DIRECT | IF_OTHER,
/// DEVSTAT_PRIORITY_OTHER (md(4)'s registration). Busy time is not measured.
pub(crate) fn devstat_all() -> Vec<u8> {
    let mut ds = vec![0u8; 160];
    let mut put = |at: usize, bytes: &[u8]| ds[at..at + bytes.len()].copy_from_slice(bytes);
    put(8, b"md");
    put(28, &stats::FILE_READ_BYTES.get().to_le_bytes());
    put(36, &stats::FILE_WRITE_BYTES.get().to_le_bytes());
    put(52, &stats::FILE_READS.get().to_le_bytes());
    put(60, &stats::FILE_WRITES.get().to_le_bytes());
    put(88, &512u32.to_le_bytes());
    let (secs, nanos) = nymph_kernel::time::boot_realtime();
    put(116, &(secs as u32).to_le_bytes());
    put(120, &(nanos / 1000).to_le_bytes());
    put(148, &2u32.to_le_bytes());
    put(152, &0x30u32.to_le_bytes());
    put(156, &0x20u32.to_le_bytes());
    let mut out = DEVSTAT_GENERATION.to_le_bytes().to_vec();
    out.extend_from_slice(&ds);
    out
}

/// vm.zone: sysctl_vm_zone's header, and no zone after it.
pub(crate) const ZONE_HEADER: &[u8] =
    b"\nITEM            SIZE     LIMIT    USED    FREE  REQUESTS\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupt_names_are_packed_in_slot_order() {
        let names = intrnames();
        assert_eq!(names.len(), INTRNAMES_SIZE as usize);
        let listed: Vec<&[u8]> = names.split(|&b| b == 0).take(19).collect();
        assert_eq!(listed[0], b"???");
        assert_eq!(listed[1], b"stray irq0");
        assert_eq!(listed[16], b"stray irq15");
        assert_eq!(listed[FIRST_DRIVER_SLOT], b"clk irq0");
        assert_eq!(listed[FIRST_DRIVER_SLOT + 1], b"sio0 irq4");
        // At least one NUL per slot: vmstat walks a name per count.
        assert!(names.iter().filter(|&&b| b == 0).count() >= INTR_SLOTS as usize);
    }

    #[test]
    fn records_have_their_4x_sizes() {
        assert_eq!(devstat_all().len(), 4 + 160);
        assert_eq!(vmtotal().len(), 48);
        assert_eq!(malloc_type().len(), MALLOC_TYPE_SIZE as usize);
        assert_eq!(intrcnt().len(), INTR_SLOTS as usize * 4);
    }
}
