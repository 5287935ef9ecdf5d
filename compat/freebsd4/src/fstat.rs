//! The kernel objects 4.x's fstat reads through libkvm: from a process's kinfo_proc
//! (`p_fd`, `p_textvp`) to its struct filedesc, the struct file of each descriptor,
//! and what each file is: a struct vnode with its UFS struct inode (the inode's
//! specinfo and the vnode's struct mount for the device and mount point), a struct
//! socket with its protosw, domain and inpcb or unpcb, or a struct pipe with its peer.
//! Each is laid out as 4.8's i386 kernel has it, built when read from the core's
//! objects, at an address that names the object: the same file, node, socket or pipe
//! end always reads at the same address while it exists (a table keeps each one seen,
//! weakly; a slot goes to a new object once its object is gone, as a kernel reuses
//! memory). So fstat prints the pipe, socket and peer addresses that match across
//! processes, as on 4.x.
//!
//! Every file system's nodes are UFS inodes to fstat (VT_UFS: the memory file system
//! and /dev, which 4.x kept on its root UFS), except procfs's (VT_PROCFS, which fstat
//! prints as `?(c)`, as for 4.x's procfs). A descriptor of the console opened before
//! any path (init's) is /dev/console's node.

use crate::fb;
use crate::fs::Dtype;
use crate::kmem::put;
use crate::pcblist::{INPCB_SIZE, TCPCB_SIZE};
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use nymph_kernel::file::pipe::Pipe;
use nymph_kernel::file::socket::{Domain, Socket, SocketType};
use nymph_kernel::file::{MAX_DESCRIPTORS, OpenFile};
use nymph_kernel::mm::uspace::{Inheritance, Protection};
use nymph_kernel::process::{self, Pid};
use nymph_kernel::sync::Mutex;
use nymph_kernel::vfs::{self, Inode, NodeType};
use zerocopy::IntoBytes;

/// Where each kind of object is: a struct filedesc0 per pid, its descriptor array per
/// pid, then a slot per object seen (a vnode's slot holds its inode at 0x100, a
/// socket's its protocol control block at 0x100, a device's its struct mount at 0x80),
/// the few static objects, then each process's vmspace and map entries and the
/// files' vm_objects.
const FILEDESC: u32 = 0xd000_0000;
const FILEDESC_SLOT: u32 = 0x100;
const OFILES: u32 = 0xd200_0000;
const OFILES_SLOT: u32 = 0x400;
const FILES: u32 = 0xd880_0000;
const FILE_SLOT: u32 = 0x40;
const VNODES: u32 = 0xd900_0000;
const VNODE_SLOT: u32 = 0x200;
const SOCKETS: u32 = 0xdb00_0000;
const SOCKET_SLOT: u32 = 0x400;
const PIPES: u32 = 0xdf00_0000;
const PIPE_SLOT: u32 = 0x100;
const DEVICES: u32 = 0xe000_0000;
const DEVICE_SLOT: u32 = 0x400;
const STATICS: u32 = 0xe600_0000;
/// Per pid, its struct vmspace (at 0) and the vm_map_entries of its file mappings
/// (from [`ENTRIES_AT`], [`ENTRY_SLOT`] apart); then a vm_object per vnode, in the
/// vnode's slot (4.x's v_object: one object per file, whoever maps it).
const VMSPACES: u32 = 0xe800_0000;
const VMSPACE_SLOT: u32 = 0x800;
const ENTRIES_AT: u32 = 0xc0;
const ENTRY_SLOT: u32 = 0x40;
/// The file mappings of a process laid out as entries (more are left off its map).
const MAX_ENTRIES: usize = ((VMSPACE_SLOT - ENTRIES_AT) / ENTRY_SLOT) as usize;
const OBJECTS: u32 = 0xf500_0000;
const OBJECT_SLOT: u32 = 0x80;
/// Objects each table keeps at most (past it a descriptor reads as unknown).
const SLOTS: usize = 0x8000;
const DEVICE_SLOTS: usize = 0x100;
/// Pids the per-pid regions have room for (pids run to 99999).
const PIDS: u32 = 100_000;

/// The statics: protosw for TCP, UDP, local stream and local datagram sockets, the
/// two domains, their names.
const PROTOSW_TCP: u32 = STATICS;
const PROTOSW_UDP: u32 = STATICS + 0x40;
const PROTOSW_LOCAL_STREAM: u32 = STATICS + 0x80;
const PROTOSW_LOCAL_DGRAM: u32 = STATICS + 0xc0;
const DOMAIN_INET: u32 = STATICS + 0x100;
const DOMAIN_LOCAL: u32 = STATICS + 0x140;
const NAME_INET: u32 = STATICS + 0x180;
const NAME_LOCAL: u32 = STATICS + 0x1a0;
const STATICS_END: u32 = STATICS + 0x1c0;
/// The file list's head (kern.file's first word is its value); not laid out.
const FILEHEAD: u32 = STATICS_END + 0x40;

/// Sizes (i386): struct filedesc0, file, vnode, inode, specinfo, mount, socket,
/// protosw, domain, inpcb, unpcb, pipe.
const FILEDESC0_SIZE: usize = 156;
const FILE_SIZE: usize = 56;
const VNODE_SIZE: usize = 168;
const INODE_SIZE: usize = 256;
const SPECINFO_SIZE: usize = 68;
const MOUNT_SIZE: usize = 356;
const SOCKET_SIZE: usize = 180;
const PROTOSW_SIZE: usize = 52;
const DOMAIN_SIZE: usize = 44;
const UNPCB_SIZE: usize = 144;
const PIPE_SIZE: usize = 160;
const VM_MAP_ENTRY_SIZE: usize = 48;
const VM_OBJECT_SIZE: usize = 92;
/// vm_object's type for a vnode's pages (vm/vm_object.h OBJT_VNODE).
const OBJT_VNODE: u8 = 2;
/// vm_map_entry's eflags for a private mapping (MAP_ENTRY_COW | NEEDS_COPY).
const MAP_ENTRY_COW: u32 = 0x4 | 0x8;
/// fstat reads up to 31 bytes of a domain's name.
const NAME_SIZE: usize = 32;

/// The objects seen, each in the slot its address names.
struct Table<T> {
    slots: Vec<Weak<T>>,
}

impl<T> Table<T> {
    const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    /// `object`'s slot: the one it has, else a free one.
    fn slot(&mut self, object: &Arc<T>) -> Option<usize> {
        let ptr = Arc::as_ptr(object);
        let live = |w: &Weak<T>| w.strong_count() > 0;
        if let Some(i) = self
            .slots
            .iter()
            .position(|w| live(w) && core::ptr::eq(w.as_ptr(), ptr))
        {
            return Some(i);
        }
        let weak = Arc::downgrade(object);
        if let Some(i) = self.slots.iter().position(|w| !live(w)) {
            self.slots[i] = weak;
            return Some(i);
        }
        (self.slots.len() < SLOTS).then(|| {
            self.slots.push(weak);
            self.slots.len() - 1
        })
    }

    fn get(&self, slot: usize) -> Option<Arc<T>> {
        self.slots.get(slot)?.upgrade()
    }
}

struct Tables {
    files: Table<OpenFile>,
    nodes: Table<Inode>,
    sockets: Table<Socket>,
    pipes: Table<Pipe>,
    /// File systems by device number.
    devices: Vec<u64>,
}

static TABLES: Mutex<Tables> = Mutex::new(Tables {
    files: Table::new(),
    nodes: Table::new(),
    sockets: Table::new(),
    pipes: Table::new(),
    devices: Vec::new(),
});

fn at(base: u32, slot: usize, size: u32) -> u32 {
    base + slot as u32 * size
}

/// `object`'s address in the table `pick` chooses: the region's `base` and the slot's
/// `size` (0 once the table is full).
fn address_in<T>(
    pick: fn(&mut Tables) -> &mut Table<T>,
    object: &Arc<T>,
    base: u32,
    size: u32,
) -> u32 {
    pick(&mut TABLES.lock())
        .slot(object)
        .map_or(0, |s| at(base, s, size))
}

fn file_address(file: &Arc<OpenFile>) -> u32 {
    address_in(|t| &mut t.files, file, FILES, FILE_SLOT)
}

fn vnode_address(node: &Arc<Inode>) -> u32 {
    address_in(|t| &mut t.nodes, node, VNODES, VNODE_SLOT)
}

/// `socket`'s struct socket (its pcb 0x100 on, a tcpcb 0x200 on); 0 once the table
/// is full. net.*.pcblist's records use the same addresses.
pub(crate) fn socket_address(socket: &Arc<Socket>) -> u32 {
    address_in(|t| &mut t.sockets, socket, SOCKETS, SOCKET_SLOT)
}

/// A pipe's two ends are two struct pipes, the reading one first.
fn pipe_address(pipe: &Arc<Pipe>, reading: bool) -> u32 {
    TABLES
        .lock()
        .pipes
        .slot(pipe)
        .map_or(0, |s| at(PIPES, 2 * s + usize::from(!reading), PIPE_SLOT))
}

/// The specinfo of file system `device` (its struct mount 0x80 after it).
fn device_address(device: u64) -> u32 {
    let mut t = TABLES.lock();
    let slot = match t.devices.iter().position(|&d| d == device) {
        Some(s) => s,
        None if t.devices.len() < DEVICE_SLOTS => {
            t.devices.push(device);
            t.devices.len() - 1
        }
        None => return 0,
    };
    at(DEVICES, slot, DEVICE_SLOT)
}

/// kinfo_proc's p_fd for `pid`: its struct filedesc0.
pub(crate) fn filedesc_address(pid: u32) -> u32 {
    if pid < PIDS {
        FILEDESC + pid * FILEDESC_SLOT
    } else {
        0
    }
}

/// kinfo_proc's p_vmspace for `pid`: its struct vmspace.
pub(crate) fn vmspace_address(pid: u32) -> u32 {
    if pid < PIDS {
        VMSPACES + pid * VMSPACE_SLOT
    } else {
        0
    }
}

/// The vm_object of the file `node` (its vnode's slot's).
fn object_address(node: &Arc<Inode>) -> u32 {
    let vnode = vnode_address(node);
    if vnode == 0 {
        return 0;
    }
    OBJECTS + (vnode - VNODES) / VNODE_SLOT * OBJECT_SLOT
}

/// One entry of a process's map that maps a file: a run of its pages with one
/// protection and one inheritance (4.x's vm_map_protect and vm_map_inherit split an
/// entry at their bounds), the file offset it starts at and the file's vfs node.
struct MappedPiece {
    start: u64,
    end: u64,
    offset: u64,
    prot: Option<Protection>,
    shared: bool,
    /// vm_inherit_t: VM_INHERIT_SHARE 0, COPY 1, NONE 2.
    inheritance: u8,
    node: Arc<Inode>,
}

/// The vm_inherit_t of a page fork treats `how` (None: the default, sharing a shared
/// mapping and copying a private one).
fn vm_inherit(how: Option<Inheritance>, shared: bool) -> u8 {
    match how {
        Some(Inheritance::Share) => 0,
        Some(Inheritance::Copy) => 1,
        Some(Inheritance::None) => 2,
        None => u8::from(!shared),
    }
}

/// The file mappings of `p` that its map lays out, each cut where its protection or
/// inheritance changes; at most [`MAX_ENTRIES`].
fn mapped_files(p: &process::Process) -> Vec<MappedPiece> {
    let mut pieces: Vec<MappedPiece> = Vec::new();
    for range in p.file_ranges(MAX_ENTRIES) {
        // A native process's ranges above 4 GiB have no i386 address.
        if range.end > 1 << 32 {
            continue;
        }
        let Ok(node) = range.file.clone().as_any().downcast::<Inode>() else {
            continue;
        };
        let first = pieces.len();
        let mut from = range.start;
        while from < range.end && pieces.len() < MAX_ENTRIES {
            let Some((region, _)) = p.next_mapping(from) else {
                break;
            };
            if region.start >= range.end {
                break;
            }
            let start = region.start.max(range.start);
            let (how, bound) = p.inheritance_at(start);
            let end = region.end.min(range.end).min(bound);
            from = end;
            let prot = Some(region.prot);
            let inheritance = vm_inherit(how, range.shared);
            // Parts set back alike are one entry again (vm_map_simplify_entry).
            if let Some(last) = pieces[first..].last_mut()
                && last.end == start
                && last.prot == prot
                && last.inheritance == inheritance
            {
                last.end = end;
                continue;
            }
            pieces.push(MappedPiece {
                start,
                end,
                offset: range.offset.wrapping_add(start - range.start),
                prot,
                shared: range.shared,
                inheritance,
                node: node.clone(),
            });
        }
        if pieces.len() == first && pieces.len() < MAX_ENTRIES {
            pieces.push(MappedPiece {
                start: range.start,
                end: range.end,
                offset: range.offset,
                prot: range.prot,
                shared: range.shared,
                inheritance: vm_inherit(p.inheritance_at(range.start).0, range.shared),
                node,
            });
        }
    }
    pieces
}

/// The part of `pid`'s vmspace slot at `offset`: its start in the slot and its bytes.
/// The struct vmspace is kinfo_proc's e_vm with the map's header linking the entries
/// (a circular list through the header at the vmspace's start, as vm_map keeps it);
/// entry `i` maps [`mapped_files`]'s piece `i`, its object the file's.
fn vmspace_part(pid: u32, offset: u32) -> Option<(u32, Vec<u8>)> {
    let p = live_process(pid)?;
    let files = mapped_files(&p);
    let me = VMSPACES + pid * VMSPACE_SLOT;
    let entry = |i: usize| me + ENTRIES_AT + i as u32 * ENTRY_SLOT;
    let link = |i: Option<usize>| i.map_or(me, entry);
    let n = files.len();
    if offset < ENTRIES_AT {
        let mut vm = crate::kinfo::vmspace(&p).to_vec();
        put_word(&mut vm, 0, link(n.checked_sub(1))); // header.prev
        put_word(&mut vm, 4, link((n > 0).then_some(0))); // header.next
        put_word(&mut vm, 12, crate::startup::USRSTACK); // header.end: the user limit
        put_word(&mut vm, 80, n as u32); // nentries
        put_word(&mut vm, 104, me + 108); // pmap: the vmspace's own
        return Some((0, vm));
    }
    let i = ((offset - ENTRIES_AT) / ENTRY_SLOT) as usize;
    let range = files.get(i)?;
    let mut e = vec![0u8; VM_MAP_ENTRY_SIZE];
    put_word(&mut e, 0, link(i.checked_sub(1)));
    put_word(&mut e, 4, link((i + 1 < n).then_some(i + 1)));
    put_word(&mut e, 8, range.start as u32);
    put_word(&mut e, 12, range.end as u32);
    put_word(&mut e, 20, object_address(&range.node));
    put(&mut e, 24, &range.offset.to_le_bytes());
    let (read, write, execute) = range
        .prot
        .map_or((false, false, false), |p| (p.read, p.write, p.execute));
    if !range.shared {
        put_word(&mut e, 32, MAP_ENTRY_COW);
    }
    let bits = u8::from(read) | u8::from(write) << 1 | u8::from(execute) << 2;
    // protection, max_protection, inheritance
    put(&mut e, 36, &[bits, 7, range.inheritance]);
    Some((ENTRIES_AT + i as u32 * ENTRY_SLOT, e))
}

/// The vm_object of the vnode in slot `slot`: OBJT_VNODE, its handle the vnode, its
/// size in pages and the file's size (un_pager.vnp.vnp_size), one reference.
fn vm_object(slot: usize) -> Option<Vec<u8>> {
    let node = TABLES.lock().nodes.get(slot)?;
    let size = node.size();
    let mut o = vec![0u8; VM_OBJECT_SIZE];
    put_word(&mut o, 32, size.div_ceil(4096) as u32);
    put_word(&mut o, 36, 1);
    put(&mut o, 48, &[OBJT_VNODE]);
    put_word(&mut o, 80, at(VNODES, slot, VNODE_SLOT));
    put(&mut o, 84, &size.to_le_bytes());
    Some(o)
}

/// kinfo_proc's p_textvp for `pid`: the vnode of the file it runs (the handle of
/// its text's map entry too).
pub(crate) fn text_address(pid: u32) -> u32 {
    live_process(pid).map_or(0, |p| vnode_address(&p.image()))
}

fn put_word(object: &mut [u8], at: usize, value: u32) {
    put(object, at, &value.to_le_bytes());
}

/// The live process `pid` (not a zombie: fstat skips those).
fn live_process(pid: u32) -> Option<Arc<process::Process>> {
    process::find(Pid(pid)).filter(|p| !p.has_exited())
}

/// struct filedesc0: fd_ofiles (the array below, as fd_nfiles is past NDFILE), the
/// working, root and jail directories, fd_nfiles, fd_lastfile, fd_cmask, fd_refcnt,
/// and the embedded fd_dfiles with the first NDFILE descriptors.
fn filedesc(pid: u32) -> Option<Vec<u8>> {
    let p = live_process(pid)?;
    let fs = p.fs();
    let open = p.with_files(|t| t.open_descriptors());
    let mut fd = vec![0u8; FILEDESC0_SIZE];
    put_word(&mut fd, 0, OFILES + pid * OFILES_SLOT);
    put_word(&mut fd, 8, vnode_address(&fs.cwd));
    put_word(&mut fd, 12, vnode_address(&fs.root));
    if let Some(top) = &fs.top {
        put_word(&mut fd, 16, vnode_address(top));
    }
    put_word(&mut fd, 20, MAX_DESCRIPTORS as u32);
    let last = open.last().map_or(0, |(n, _)| *n);
    put(&mut fd, 24, &(last as u16).to_le_bytes());
    put(&mut fd, 28, &(fs.umask as u16).to_le_bytes());
    put(&mut fd, 30, &1u16.to_le_bytes());
    for (n, file) in open.iter().filter(|(n, _)| *n < 20) {
        put_word(&mut fd, 56 + 4 * n, file_address(file));
    }
    Some(fd)
}

/// fd_ofiles: a struct file pointer per descriptor (NULL where none is open).
fn ofiles(pid: u32) -> Option<Vec<u8>> {
    let p = live_process(pid)?;
    let mut array = vec![0u8; OFILES_SLOT as usize];
    for (n, file) in p.with_files(|t| t.open_descriptors()) {
        put_word(&mut array, 4 * n, file_address(&file));
    }
    Some(array)
}

/// kern.file (sysctl_kern_file): filehead, the first file's address, then each open
/// file's struct file, the newest first (falloc put each at the list's head), linked
/// by f_list; for a NULL buffer, room for 10 more than there are. Every process's
/// descriptors name the files; one named from several is listed once.
pub(crate) fn file_table(size_only: bool) -> Vec<u8> {
    let mut files: Vec<Arc<OpenFile>> = Vec::new();
    for p in process::all().iter().filter(|p| !p.has_exited()) {
        for (_, file) in p.with_files(|t| t.open_descriptors()) {
            if !files.iter().any(|f| Arc::ptr_eq(f, &file)) {
                files.push(file);
            }
        }
    }
    if size_only {
        return vec![0; 4 + (files.len() + 10) * FILE_SIZE];
    }
    files.sort_by_key(|f| core::cmp::Reverse(f.id()));
    let addresses: Vec<u32> = files.iter().map(file_address).collect();
    let mut out = Vec::with_capacity(4 + files.len() * FILE_SIZE);
    out.extend_from_slice(&addresses.first().copied().unwrap_or(0).to_le_bytes());
    for (i, file) in files.iter().enumerate() {
        let mut record = file_record(file);
        let next = addresses.get(i + 1).copied().unwrap_or(0);
        // le_prev: the previous file's le_next (its first word), or filehead.
        let prev = if i == 0 { FILEHEAD } else { addresses[i - 1] };
        put_word(&mut record, 0, next);
        put_word(&mut record, 4, prev);
        out.extend_from_slice(&record);
    }
    out
}

/// What a file is to 4.x: its DTYPE and f_data.
fn file_data(file: &OpenFile) -> (u16, u32) {
    let dtype = Dtype::of(file);
    let data = match dtype {
        Dtype::Vnode | Dtype::Fifo => {
            crate::fs::vnode_of(file).map_or(0, |node| vnode_address(&node))
        }
        Dtype::Pipe => file
            .ops()
            .pipe()
            .map_or(0, |(pipe, reading)| pipe_address(pipe, reading)),
        Dtype::Socket => file
            .socket()
            .and_then(Socket::arc)
            .map_or(0, |socket| socket_address(&socket)),
        // A struct kqueue, which fstat does not read.
        Dtype::Kqueue => STATICS_END,
    };
    (dtype.number(), data)
}

/// struct file: f_type, f_flag (FREAD, FWRITE, FNONBLOCK, FAPPEND, FASYNC), f_offset,
/// f_data, f_count (the descriptors and other holders of it).
fn file(slot: usize) -> Option<Vec<u8>> {
    let file = TABLES.lock().files.get(slot)?;
    Some(file_record(&file))
}

fn file_record(file: &Arc<OpenFile>) -> Vec<u8> {
    let (kind, data) = file_data(file);
    let status = file.status();
    let flag = u32::from(file.readable)
        | u32::from(file.writable) << 1
        | u32::from(status.nonblock) << 2
        | u32::from(status.append) << 3
        | u32::from(status.async_io) << 6;
    let mut f = vec![0u8; FILE_SIZE];
    put(&mut f, 10, &kind.to_le_bytes());
    put_word(&mut f, 12, flag);
    put(&mut f, 36, &file.offset().to_le_bytes());
    put_word(&mut f, 44, data);
    put_word(&mut f, 48, (Arc::strong_count(file) - 1).max(1) as u32);
    f
}

/// VT_UFS and VT_PROCFS (sys/vnode.h enum vtagtype).
const VT_UFS: u32 = 1;
const VT_PROCFS: u32 = 12;

/// The vnode at `me` for `node`, and its inode right after (0x100 on): v_usecount,
/// v_mount, v_type, v_tag, v_data; the inode's i_vnode, i_dev (its file system's
/// specinfo), i_number, i_effnlink and the dinode: mode with its type, links, size,
/// di_db[0] a device node's udev, uid and gid.
fn vnode_and_inode(me: u32, node: &Inode) -> Vec<u8> {
    let st = crate::ufsdir::node_stat(node);
    let (vtype, ifmt) = match st.kind {
        NodeType::Regular => (1, 0o100_000),
        NodeType::Directory => (2, 0o040_000),
        NodeType::CharDevice => (4, 0o020_000),
        NodeType::Symlink => (5, 0o120_000),
        NodeType::Socket => (6, 0o140_000),
        NodeType::Fifo => (7, 0o010_000),
    };
    let tag = if vfs::fs_info(node).mount.type_name == "procfs" {
        VT_PROCFS
    } else {
        VT_UFS
    };
    let device = device_address(st.device);
    let mut v = vec![0u8; 0x100 + INODE_SIZE];
    put_word(&mut v, 4, 1);
    put_word(&mut v, 20, device + 0x80);
    put_word(&mut v, 72, vtype);
    put_word(&mut v, 116, tag);
    put_word(&mut v, 120, me + 0x100);
    let inode = &mut v[0x100..];
    put_word(inode, 40, me);
    put_word(inode, 52, device);
    put_word(inode, 56, st.inode as u32);
    put_word(inode, 60, st.links);
    put(inode, 128, &((ifmt | st.mode) as u16).to_le_bytes());
    put(inode, 130, &(st.links.min(0x7fff) as u16).to_le_bytes());
    put(inode, 136, &st.size.to_le_bytes());
    if st.kind == NodeType::CharDevice {
        put_word(inode, 168, st.rdev as u32);
    }
    put_word(inode, 240, st.uid);
    put_word(inode, 244, st.gid);
    v
}

/// struct specinfo of a file system (si_udev, what stat reports as st_dev), then
/// its struct mount (mnt_stat a struct statfs, its f_mntonname fstat's MOUNT).
fn device(slot: usize) -> Option<Vec<u8>> {
    let device = *TABLES.lock().devices.get(slot)?;
    let info = vfs::mounted().into_iter().find(|m| m.device == device)?;
    let mut d = vec![0u8; 0x80 + MOUNT_SIZE];
    put_word(&mut d, 4, device as u32);
    put(&mut d, 0x80 + 76, crate::fs::statfs(&info).as_bytes());
    Some(d)
}

/// SS_ISCONNECTED, SS_CANTSENDMORE, SS_CANTRCVMORE (sys/socketvar.h).
const SS_ISCONNECTED: u16 = 0x2;
const SS_CANTSENDMORE: u16 = 0x10;
const SS_CANTRCVMORE: u16 = 0x20;

/// struct socket (so_type, so_state, so_pcb, so_proto), then its protocol control
/// block at 0x100: an inpcb (inp_ppcb a TCP socket's tcpcb, inp_socket) or an unpcb
/// (unp_socket; unp_conn the peer's unpcb).
fn socket(slot: usize) -> Option<Vec<u8>> {
    let (socket, seen) = {
        let t = TABLES.lock();
        (t.sockets.get(slot), slot < t.sockets.slots.len())
    };
    let Some(socket) = socket else {
        // A socket gone since its slot was given out reads as zeros (inp_list's next
        // NULL) until the slot is reused: a list walk that reached it ends there
        // rather than fault over and over, which systat's loop would.
        return seen.then(|| vec![0u8; 0x200 + TCPCB_SIZE]);
    };
    let me = at(SOCKETS, slot, SOCKET_SLOT);
    let stream = socket.socket_type() == SocketType::Stream;
    let peer = socket.peer();
    let (cant_receive, cant_send) = socket.shut_states();
    let mut state = 0;
    if peer.is_some() {
        state |= SS_ISCONNECTED;
    }
    if cant_send {
        state |= SS_CANTSENDMORE;
    }
    if cant_receive {
        state |= SS_CANTRCVMORE;
    }
    let proto = match (socket.domain(), stream) {
        (Domain::Internet, true) => PROTOSW_TCP,
        (Domain::Internet, false) => PROTOSW_UDP,
        (Domain::Local, true) => PROTOSW_LOCAL_STREAM,
        (Domain::Local, false) => PROTOSW_LOCAL_DGRAM,
    };
    let mut s = vec![0u8; 0x200 + TCPCB_SIZE];
    put(&mut s, 0, &(if stream { 1u16 } else { 2 }).to_le_bytes());
    put(&mut s, 6, &state.to_le_bytes());
    put_word(&mut s, 8, me + 0x100);
    put_word(&mut s, 12, proto);
    let pcb = &mut s[0x100..];
    match socket.domain() {
        Domain::Internet => {
            let info = socket.inet_info();
            let tcpcb = stream.then_some(me + 0x200);
            crate::pcblist::fill_inpcb(pcb, &info, tcpcb, me, 0);
            // inp_list: the next socket of the protocol's list (tcb's, udb's).
            put_word(pcb, 8, next_inpcb(&socket));
            if stream {
                let tcpcb = &mut s[0x200..0x200 + TCPCB_SIZE];
                crate::pcblist::fill_tcpcb(tcpcb, &info, me + 0x100);
            }
            put_word(&mut s, 72, info.receive_queued as u32); // so_rcv.sb_cc
        }
        Domain::Local => {
            put_word(pcb, 8, me);
            if let Some(peer) = peer {
                put_word(pcb, 24, socket_address(&peer) + 0x100);
            }
        }
    }
    let size = match (socket.domain(), stream) {
        (Domain::Internet, true) => 0x200 + TCPCB_SIZE,
        (Domain::Internet, false) => 0x100 + INPCB_SIZE,
        (Domain::Local, _) => 0x100 + UNPCB_SIZE,
    };
    s.truncate(size);
    Some(s)
}

/// The inpcb after `socket`'s on its protocol's list (the sockets of its type, the
/// newest made first, as in_pcballoc's head insertion leaves them); 0 at the end.
fn next_inpcb(socket: &Arc<Socket>) -> u32 {
    let list = nymph_kernel::file::socket::inet_sockets_listed(socket.socket_type());
    let at = list.iter().position(|s| Arc::ptr_eq(s, socket));
    at.and_then(|i| list.get(i + 1))
        .map_or(0, |next| socket_address(next) + 0x100)
}

/// tcb and udb (struct inpcbhead): the first inpcb of the TCP or UDP list, what
/// systat's netstat display walks through inp_list.
pub(crate) fn inpcb_list_head(kind: SocketType) -> u32 {
    nymph_kernel::file::socket::inet_sockets_listed(kind)
        .first()
        .map_or(0, |first| socket_address(first) + 0x100)
}

/// struct pipe of one end: pipe_buffer.cnt (the bytes waiting, in the reading end's,
/// as 4.x's writes fill their peer's buffer), its size, pipe_peer the other end.
fn pipe(slot: usize) -> Option<Vec<u8>> {
    let pipe = TABLES.lock().pipes.get(slot / 2)?;
    let reading = slot.is_multiple_of(2);
    let mut p = vec![0u8; PIPE_SIZE];
    if reading {
        put_word(&mut p, 0, pipe.queued() as u32);
    }
    put_word(&mut p, 12, 16384);
    put_word(&mut p, 148, at(PIPES, slot ^ 1, PIPE_SLOT));
    Some(p)
}

/// protosw (pr_type, pr_domain, pr_protocol), domain (dom_family, dom_name) and the
/// names.
fn statics() -> Vec<u8> {
    let mut s = vec![0u8; (STATICS_END - STATICS) as usize];
    let protosws = [
        (PROTOSW_TCP, 1u16, DOMAIN_INET, 6u16),
        (PROTOSW_UDP, 2, DOMAIN_INET, 17),
        (PROTOSW_LOCAL_STREAM, 1, DOMAIN_LOCAL, 0),
        (PROTOSW_LOCAL_DGRAM, 2, DOMAIN_LOCAL, 0),
    ];
    for (address, kind, domain, protocol) in protosws {
        let o = (address - STATICS) as usize;
        put(&mut s, o, &kind.to_le_bytes());
        put_word(&mut s, o + 4, domain);
        put(&mut s, o + 8, &protocol.to_le_bytes());
    }
    let domains = [
        (
            DOMAIN_INET,
            fb::consts::AF_INET,
            NAME_INET,
            &b"internet"[..],
        ),
        (DOMAIN_LOCAL, fb::consts::AF_LOCAL, NAME_LOCAL, b"local"),
    ];
    for (address, family, name_at, name) in domains {
        let o = (address - STATICS) as usize;
        put_word(&mut s, o, family);
        put_word(&mut s, o + 4, name_at);
        put(&mut s, (name_at - STATICS) as usize, name);
    }
    s
}

/// The object whose bytes `address` falls in: its first address, its bytes (None
/// where the address names nothing, or an object gone).
fn object_at(address: u32) -> Option<(u32, Vec<u8>)> {
    let slot = |base: u32, size: u32| ((address - base) / size) as usize;
    let start = |base: u32, size: u32| base + (address - base) / size * size;
    match address {
        a if (FILEDESC..OFILES).contains(&a) => {
            let pid = (a - FILEDESC) / FILEDESC_SLOT;
            Some((start(FILEDESC, FILEDESC_SLOT), filedesc(pid)?))
        }
        a if (OFILES..FILES).contains(&a) => {
            let pid = (a - OFILES) / OFILES_SLOT;
            Some((start(OFILES, OFILES_SLOT), ofiles(pid)?))
        }
        a if (FILES..VNODES).contains(&a) => {
            Some((start(FILES, FILE_SLOT), file(slot(FILES, FILE_SLOT))?))
        }
        a if (VNODES..SOCKETS).contains(&a) => {
            let s = slot(VNODES, VNODE_SLOT);
            let node = TABLES.lock().nodes.get(s)?;
            let me = at(VNODES, s, VNODE_SLOT);
            Some((me, vnode_and_inode(me, &node)))
        }
        a if (SOCKETS..PIPES).contains(&a) => Some((
            start(SOCKETS, SOCKET_SLOT),
            socket(slot(SOCKETS, SOCKET_SLOT))?,
        )),
        a if (PIPES..DEVICES).contains(&a) => {
            Some((start(PIPES, PIPE_SLOT), pipe(slot(PIPES, PIPE_SLOT))?))
        }
        a if (DEVICES..STATICS).contains(&a) => Some((
            start(DEVICES, DEVICE_SLOT),
            device(slot(DEVICES, DEVICE_SLOT))?,
        )),
        a if (STATICS..STATICS_END).contains(&a) => Some((STATICS, statics())),
        a if (VMSPACES..VMSPACES + PIDS * VMSPACE_SLOT).contains(&a) => {
            let pid = (a - VMSPACES) / VMSPACE_SLOT;
            let (offset, bytes) = vmspace_part(pid, (a - VMSPACES) % VMSPACE_SLOT)?;
            Some((VMSPACES + pid * VMSPACE_SLOT + offset, bytes))
        }
        a if (OBJECTS..OBJECTS + SLOTS as u32 * OBJECT_SLOT).contains(&a) => Some((
            start(OBJECTS, OBJECT_SLOT),
            vm_object(slot(OBJECTS, OBJECT_SLOT))?,
        )),
        _ => None,
    }
}

/// The bytes at `address..address + len` if they lie inside one object: within a
/// slot, the parts its layout gives (a vnode's 168 bytes, its inode's 256 after
/// 0x100); the gaps between fault.
pub(crate) fn read(address: u64, len: usize) -> Option<Vec<u8>> {
    let address = u32::try_from(address).ok()?;
    let (start, bytes) = object_at(address)?;
    let from = (address - start) as usize;
    let to = from.checked_add(len)?;
    let parts: &[(usize, usize)] = match start {
        s if (VNODES..SOCKETS).contains(&s) => &[(0, VNODE_SIZE), (0x100, 0x100 + INODE_SIZE)],
        s if (DEVICES..STATICS).contains(&s) => &[(0, SPECINFO_SIZE), (0x80, 0x80 + MOUNT_SIZE)],
        s if (SOCKETS..PIPES).contains(&s) => &[
            (0, SOCKET_SIZE),
            (0x100, 0x100 + INPCB_SIZE.max(UNPCB_SIZE)),
            (0x200, bytes.len()),
        ],
        s if s == STATICS => &[
            (0, PROTOSW_SIZE),
            (0x40, 0x40 + PROTOSW_SIZE),
            (0x80, 0x80 + PROTOSW_SIZE),
            (0xc0, 0xc0 + PROTOSW_SIZE),
            (0x100, 0x100 + DOMAIN_SIZE),
            (0x140, 0x140 + DOMAIN_SIZE),
            (0x180, 0x180 + NAME_SIZE),
            (0x1a0, 0x1a0 + NAME_SIZE),
        ],
        _ => &[(0, bytes.len())],
    };
    parts
        .iter()
        .any(|&(a, b)| from >= a && to <= b)
        .then(|| bytes.get(from..to).map(<[u8]>::to_vec))
        .flatten()
}

// The regions do not overlap, and each slot holds its objects.
const _: () = {
    assert!(FILEDESC + PIDS * FILEDESC_SLOT <= OFILES);
    assert!(OFILES + PIDS * OFILES_SLOT <= FILES);
    assert!(FILES + SLOTS as u32 * FILE_SLOT <= VNODES);
    assert!(VNODES + SLOTS as u32 * VNODE_SLOT <= SOCKETS);
    assert!(SOCKETS + SLOTS as u32 * SOCKET_SLOT <= PIPES);
    assert!(PIPES + 2 * SLOTS as u32 * PIPE_SLOT <= DEVICES);
    assert!(DEVICES + DEVICE_SLOTS as u32 * DEVICE_SLOT <= STATICS);
    assert!(STATICS_END <= VMSPACES);
    assert!(VMSPACES + PIDS * VMSPACE_SLOT <= OBJECTS);
    assert!(OBJECTS.checked_add(SLOTS as u32 * OBJECT_SLOT).is_some());
    assert!(crate::kinfo::VMSPACE_SIZE <= ENTRIES_AT as usize);
    assert!(VM_MAP_ENTRY_SIZE <= ENTRY_SLOT as usize);
    assert!(VM_OBJECT_SIZE <= OBJECT_SLOT as usize);
    assert!(FILEDESC0_SIZE <= FILEDESC_SLOT as usize);
    assert!(4 * MAX_DESCRIPTORS <= OFILES_SLOT as usize);
    assert!(FILE_SIZE <= FILE_SLOT as usize);
    assert!(0x100 + INODE_SIZE <= VNODE_SLOT as usize);
    assert!(0x80 + MOUNT_SIZE <= DEVICE_SLOT as usize);
    assert!(0x200 + TCPCB_SIZE <= SOCKET_SLOT as usize);
    assert!(PIPE_SIZE <= PIPE_SLOT as usize);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statics_name_their_domains() {
        assert_eq!(read(u64::from(NAME_INET), 9), Some(b"internet\0".to_vec()));
        let domain = read(u64::from(DOMAIN_LOCAL), DOMAIN_SIZE).unwrap();
        assert_eq!(&domain[4..8], &NAME_LOCAL.to_le_bytes());
        let tcp = read(u64::from(PROTOSW_TCP), PROTOSW_SIZE).unwrap();
        assert_eq!(&tcp[4..8], &DOMAIN_INET.to_le_bytes());
        assert_eq!(&tcp[8..10], &6u16.to_le_bytes());
        // Between two objects, and past the last.
        assert_eq!(read(u64::from(PROTOSW_TCP) + 50, 4), None);
        assert_eq!(read(u64::from(STATICS_END), 1), None);
    }

    #[test]
    fn tables_keep_a_slot_per_live_object_and_reuse_dead_ones() {
        let mut t = Table::new();
        let a = Arc::new(1u8);
        let b = Arc::new(2u8);
        assert_eq!(t.slot(&a), Some(0));
        assert_eq!(t.slot(&b), Some(1));
        assert_eq!(t.slot(&a), Some(0));
        drop(a);
        let c = Arc::new(3u8);
        assert_eq!(t.slot(&c), Some(0));
        assert_eq!(t.get(1).as_deref(), Some(&2));
    }
}
