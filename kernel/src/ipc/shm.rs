//! System V shared memory: the system-wide table of segments and each address
//! space's attachments. A segment owns its zeroed frames; an attachment maps them
//! shared (so fork keeps them shared) and counts itself on the segment while it lives,
//! so fork, exec and exit need nothing beyond copying or dropping the address space.
//! A removed segment loses its key at once and its memory at its last detach.

use super::{Access, Perm, check, claim_slot, id_of, now, slot_of};
use crate::error::Error;
use crate::mm::frame;
use crate::mm::uspace::{AddressSpace, Protection};
use crate::process::Task;
use crate::sync::Mutex;
use crate::vfs::Credentials;
use alloc::vec::Vec;
use nymph_hal::layout::PAGE_SIZE;
use nymph_hal::paging;

/// System-wide bounds (4.x's defaults: `SHMMAXPGS` 8192).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest and smallest segment, in bytes (shmmax, shmmin).
    pub max_size: u64,
    pub min_size: u64,
    /// Segments in the system (shmmni).
    pub max_ids: usize,
    /// Attachments per address space (shmseg).
    pub per_space: usize,
    /// Pages of all segments together (shmall).
    pub max_pages: u64,
}

pub const LIMITS: Limits = Limits {
    max_size: 8192 * PAGE_SIZE,
    min_size: 1,
    max_ids: 192,
    per_space: 128,
    max_pages: 8192,
};

/// A segment as `IPC_STAT` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// `None`: private (created so, or removed).
    pub key: Option<i64>,
    pub perm: Perm,
    /// The slot's use count, part of the id.
    pub seq: u16,
    pub removed: bool,
    pub size: u64,
    pub creator_pid: u32,
    /// The last process that attached it.
    pub last_pid: u32,
    pub attached: u32,
    /// Last attach, last detach, last change (creation, set), in seconds of the epoch.
    pub attach_time: u64,
    pub detach_time: u64,
    pub change_time: u64,
}

struct Segment {
    info: SegmentInfo,
    frames: Vec<u64>,
}

struct Table {
    slots: Vec<Option<Segment>>,
    /// Each slot's use count, kept while it is free so that an old id stays stale.
    seqs: Vec<u16>,
    pages: u64,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    seqs: Vec::new(),
    pages: 0,
});

impl Table {
    /// The live (not removed) segment with `id`.
    fn find(&mut self, id: u32) -> Result<&mut Segment, Error> {
        let slot = slot_of(id);
        match self.slots.get_mut(slot) {
            Some(Some(seg)) if !seg.info.removed && u32::from(seg.info.seq) == id >> 16 => Ok(seg),
            _ => Err(Error::InvalidArgument),
        }
    }

    fn in_use(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Frees slot `slot`'s segment and its memory (frames still mapped somewhere stay
    /// with their mappers).
    fn free(&mut self, slot: usize) {
        if let Some(seg) = self.slots.get_mut(slot).and_then(Option::take) {
            self.pages -= seg.frames.len() as u64;
            seg.frames.into_iter().for_each(frame::release);
        }
    }

    /// One attachment of slot `slot` went away.
    fn detached(&mut self, slot: usize, quietly: bool) {
        let Some(Some(seg)) = self.slots.get_mut(slot) else {
            return;
        };
        seg.info.attached = seg.info.attached.saturating_sub(1);
        if !quietly {
            seg.info.detach_time = now();
        }
        if seg.info.removed && seg.info.attached == 0 {
            self.free(slot);
        }
    }
}

/// What shmget asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetRequest {
    /// `None`: a new private segment.
    pub key: Option<i64>,
    /// Signed as the ABIs pass it: a lookup compares it, a creation bounds it.
    pub size: i64,
    pub create: bool,
    pub exclusive: bool,
    /// Permission bits of a new segment, and the access a lookup asks for.
    pub mode: u16,
}

/// shmget: the id of the segment with the key, or of a new one. A lookup needs the
/// access the mode bits ask for and a size no larger than the segment's; a creation
/// needs a size within the limits, a free id (`NoSpace`) and pages under the total
/// (`OutOfMemory`).
pub fn get(pid: u32, creds: &Credentials, req: GetRequest) -> Result<u32, Error> {
    let mut table = TABLE.lock();
    if let Some(key) = req.key {
        let found = table.slots.iter().position(|s| {
            s.as_ref()
                .is_some_and(|seg| seg.info.key == Some(key) && !seg.info.removed)
        });
        if let Some(slot) = found {
            let Some(Some(seg)) = table.slots.get(slot) else {
                return Err(Error::InvalidArgument);
            };
            if req.create && req.exclusive {
                return Err(Error::Exists);
            }
            check(&seg.info.perm, creds, Access::Bits(req.mode))?;
            if req.size != 0 && req.size > seg.info.size as i64 {
                return Err(Error::InvalidArgument);
            }
            return Ok(id_of(slot, seg.info.seq));
        }
        if !req.create {
            return Err(Error::NotFound);
        }
    }
    let size = u64::try_from(req.size)
        .ok()
        .filter(|s| (LIMITS.min_size..=LIMITS.max_size).contains(s))
        .ok_or(Error::InvalidArgument)?;
    if table.in_use() >= LIMITS.max_ids {
        return Err(Error::NoSpace);
    }
    let pages = size.div_ceil(PAGE_SIZE);
    if table.pages + pages > LIMITS.max_pages || crate::mm::heap::under_pressure() {
        return Err(Error::OutOfMemory);
    }
    let mut frames = Vec::new();
    frames
        .try_reserve_exact(pages as usize)
        .map_err(|_| Error::OutOfMemory)?;
    for _ in 0..pages {
        let Some(phys) = frame::alloc() else {
            frames.into_iter().for_each(frame::free);
            return Err(Error::OutOfMemory);
        };
        paging::zero_frame(phys);
        frames.push(phys);
    }
    // The id limit was checked above (removed segments still attached count too).
    let table = &mut *table;
    let (slot, seq) = match claim_slot(&mut table.slots, &mut table.seqs, usize::MAX) {
        Ok(claimed) => claimed,
        Err(e) => {
            frames.into_iter().for_each(frame::free);
            return Err(e);
        }
    };
    table.pages += pages;
    table.slots[slot] = Some(Segment {
        info: SegmentInfo {
            key: req.key,
            perm: Perm::new(creds, req.mode),
            seq,
            removed: false,
            size,
            creator_pid: pid,
            last_pid: 0,
            attached: 0,
            attach_time: 0,
            detach_time: 0,
            change_time: now(),
        },
        frames,
    });
    Ok(id_of(slot, seq))
}

/// IPC_STAT: needs read access.
pub fn stat(creds: &Credentials, id: u32) -> Result<SegmentInfo, Error> {
    let mut table = TABLE.lock();
    let seg = table.find(id)?;
    check(&seg.info.perm, creds, Access::READ)?;
    Ok(seg.info)
}

/// Every segment by its slot (an id's low 16 bits), with no access check: the
/// system's table as a kernel-memory reader (4.x's ipcs) sees it.
pub fn all() -> Vec<(usize, SegmentInfo)> {
    super::listed(&TABLE.lock().slots, |s: &Segment| s.info)
}

/// Whether `creds` may change or remove segment `id` (IPC_SET checks before it reads
/// the caller's new values).
pub fn may_change(creds: &Credentials, id: u32) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let seg = table.find(id)?;
    check(&seg.info.perm, creds, Access::Owner)
}

/// IPC_SET: the owner, group and permission bits; the owner, creator or root only.
pub fn set(creds: &Credentials, id: u32, uid: u32, gid: u32, mode: u16) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let seg = table.find(id)?;
    check(&seg.info.perm, creds, Access::Owner)?;
    seg.info.perm.uid = uid;
    seg.info.perm.gid = gid;
    seg.info.perm.mode = mode & 0o777;
    seg.info.change_time = now();
    Ok(())
}

/// IPC_RMID: the key goes now, the memory with the last attachment.
pub fn remove(creds: &Credentials, id: u32) -> Result<(), Error> {
    let mut table = TABLE.lock();
    let seg = table.find(id)?;
    check(&seg.info.perm, creds, Access::Owner)?;
    seg.info.key = None;
    seg.info.removed = true;
    if seg.info.attached == 0 {
        table.free(slot_of(id));
    }
    Ok(())
}

/// Removes every segment (those still attached go with their last detach): the
/// system is going down, and segments outlive their processes only until then.
/// Returns how many there were.
pub fn remove_all() -> usize {
    let mut table = TABLE.lock();
    let mut count = 0;
    for slot in 0..table.slots.len() {
        let Some(Some(seg)) = table.slots.get_mut(slot) else {
            continue;
        };
        count += 1;
        seg.info.key = None;
        seg.info.removed = true;
        if seg.info.attached == 0 {
            table.free(slot);
        }
    }
    count
}

/// Segments and pages in use (live and removed-but-attached).
pub fn usage() -> (usize, u64) {
    let table = TABLE.lock();
    (table.in_use(), table.pages)
}

/// One segment mapped into an address space; counted in the segment's `attached`.
#[derive(Debug)]
pub struct Attachment {
    start: u64,
    end: u64,
    slot: usize,
    /// Undone attach: no detach time.
    quiet: bool,
}

impl Clone for Attachment {
    /// A forked child's copy: one more attachment.
    fn clone(&self) -> Self {
        if let Some(Some(seg)) = TABLE.lock().slots.get_mut(self.slot) {
            seg.info.attached = seg.info.attached.saturating_add(1);
        }
        Attachment {
            quiet: false,
            ..*self
        }
    }
}

impl Drop for Attachment {
    /// Detach, exec or exit: one fewer, and the segment goes with its last one if it
    /// was removed. (The pages themselves are the address space's to unmap.)
    fn drop(&mut self) {
        TABLE.lock().detached(self.slot, self.quiet);
    }
}

/// An address space's attachments (4.x's `vm_shm`), copied by fork.
#[derive(Clone, Debug, Default)]
pub struct Attachments(Vec<Attachment>);

impl Attachments {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where to attach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// At this address: page-aligned (`InvalidArgument`), with nothing mapped there.
    Fixed(u64),
    /// The first free range at or above `floor`.
    Anywhere { floor: u64 },
}

/// shmat on `space`: needs read access (and write unless `read_only`), a free
/// attachment (`TooManyOpen`), then an aligned place (`InvalidArgument`) with room
/// (`OutOfMemory`, as 4.x's failed `vm_map_find`); `ceiling` bounds the user
/// addresses. Returns the address.
pub fn attach_to(
    space: &mut AddressSpace,
    pid: u32,
    creds: &Credentials,
    id: u32,
    place: Place,
    read_only: bool,
    ceiling: u64,
) -> Result<u64, Error> {
    let slot = slot_of(id);
    let (len, prot) = {
        let mut table = TABLE.lock();
        let seg = table.find(id)?;
        let (access, prot) = if read_only {
            (Access::READ, Protection::READ)
        } else {
            (Access::READ_WRITE, Protection::READ_WRITE)
        };
        check(&seg.info.perm, creds, access)?;
        (seg.frames.len() as u64 * PAGE_SIZE, prot)
    };
    if space.sysv_shm.len() >= LIMITS.per_space {
        return Err(Error::TooManyOpen);
    }
    space
        .sysv_shm
        .0
        .try_reserve(1)
        .map_err(|_| Error::OutOfMemory)?;
    let start = match place {
        Place::Fixed(at) if !at.is_multiple_of(PAGE_SIZE) => return Err(Error::InvalidArgument),
        Place::Fixed(at) => {
            let end = at.checked_add(len).filter(|&e| e <= ceiling);
            let free = end.is_some_and(|end| {
                at >= PAGE_SIZE
                    && (at..end)
                        .step_by(PAGE_SIZE as usize)
                        .all(|p| space.protection(p).is_none())
            });
            if !free {
                return Err(Error::OutOfMemory);
            }
            at
        }
        Place::Anywhere { floor } => space
            .first_free(floor.max(PAGE_SIZE), len, ceiling)
            .or_else(|| space.first_free(PAGE_SIZE, len, ceiling))
            .ok_or(Error::OutOfMemory)?,
    };
    let end = start + len;
    let mut frames = Vec::new();
    frames
        .try_reserve_exact((len / PAGE_SIZE) as usize)
        .map_err(|_| Error::OutOfMemory)?;
    // One reference per page for this mapping, and one attachment counted, taken under
    // the table's lock; if mapping fails both are undone (quietly: no detach time).
    let mut frames = {
        let mut table = TABLE.lock();
        let seg = table.find(id)?;
        seg.frames.iter().for_each(|&phys| frame::share(phys));
        seg.info.attached += 1;
        frames.extend_from_slice(&seg.frames);
        frames.into_iter()
    };
    let mut attachment = Attachment {
        start,
        end,
        slot,
        quiet: false,
    };
    let mapped = (start..end)
        .step_by(PAGE_SIZE as usize)
        .try_for_each(|virt| match frames.next() {
            Some(phys) => space.map_frame(virt, phys, prot, true, !read_only),
            None => Ok(()),
        });
    frames.for_each(frame::release);
    if mapped.is_err() {
        space.unmap_range(start, end);
        attachment.quiet = true;
        drop(attachment);
        return Err(Error::OutOfMemory);
    }
    space.sysv_shm.0.push(attachment);
    if let Some(Some(seg)) = TABLE.lock().slots.get_mut(slot) {
        seg.info.last_pid = pid;
        seg.info.attach_time = now();
    }
    Ok(start)
}

/// shmdt on `space`: unmaps the attachment that starts at `addr` (`InvalidArgument` if
/// none does).
pub fn detach_from(space: &mut AddressSpace, addr: u64) -> Result<Attachment, Error> {
    let i = space
        .sysv_shm
        .0
        .iter()
        .position(|a| a.start == addr)
        .ok_or(Error::InvalidArgument)?;
    let attachment = space.sysv_shm.0.remove(i);
    space.unmap_range(attachment.start, attachment.end);
    Ok(attachment)
}

/// shmat for the calling process.
pub fn attach(
    task: &Task,
    id: u32,
    place: Place,
    read_only: bool,
    ceiling: u64,
) -> Result<u64, Error> {
    let creds = task.process.with_fs(|fs| fs.creds.clone());
    let pid = task.process.pid.0;
    task.process
        .with_space(|s| attach_to(s, pid, &creds, id, place, read_only, ceiling))
        .unwrap_or(Err(Error::InvalidArgument))
}

/// shmdt for the calling process.
pub fn detach(task: &Task, addr: u64) -> Result<(), Error> {
    // The attachment is dropped (and counted off) outside the process's lock.
    let detached = task
        .process
        .with_space(|s| detach_from(s, addr))
        .unwrap_or(Err(Error::InvalidArgument))?;
    drop(detached);
    Ok(())
}

use crate::ktest::{KernelTest, TestResult};
use crate::{kassert, kassert_eq, kfail, ktest};

/// The value, or the test fails naming the error.
macro_rules! ktry {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => kfail!("{} failed: {e:?}", stringify!($e)),
        }
    };
}

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(permission_rules),
    ktest!(segments_by_key_and_removal),
    ktest!(attach_fork_and_last_detach),
];

fn user(uid: u32, gid: u32) -> Credentials {
    Credentials {
        uid,
        euid: uid,
        gid,
        egid: gid,
        ..Credentials::default()
    }
}

fn permission_rules() -> TestResult {
    let perm = Perm {
        uid: 10,
        gid: 20,
        cuid: 11,
        cgid: 21,
        mode: 0o640,
    };
    kassert_eq!(check(&perm, &user(10, 99), Access::READ_WRITE), Ok(()));
    kassert_eq!(check(&perm, &user(11, 99), Access::READ_WRITE), Ok(()));
    kassert_eq!(check(&perm, &user(12, 21), Access::READ), Ok(()));
    kassert_eq!(
        check(&perm, &user(12, 20), Access::READ_WRITE),
        Err(Error::AccessDenied)
    );
    kassert_eq!(
        check(&perm, &user(12, 99), Access::READ),
        Err(Error::AccessDenied)
    );
    kassert_eq!(check(&perm, &user(0, 0), Access::READ_WRITE), Ok(()));
    kassert_eq!(check(&perm, &user(11, 0), Access::Owner), Ok(()));
    kassert_eq!(
        check(&perm, &user(12, 20), Access::Owner),
        Err(Error::NotPermitted)
    );
    kassert_eq!(check(&perm, &user(0, 5), Access::Owner), Ok(()));
    Ok(())
}

const TEST_KEY: i64 = 0x4e79_6d70;

fn segments_by_key_and_removal() -> TestResult {
    let root = Credentials::root();
    let frames_before = frame::FRAMES.lock().free_count();
    let (ids_before, pages_before) = usage();
    let req = GetRequest {
        key: Some(TEST_KEY),
        size: 5000,
        create: true,
        exclusive: true,
        mode: 0o600,
    };
    let id = ktry!(get(7, &root, req));
    kassert_eq!(usage(), (ids_before + 1, pages_before + 2));
    kassert_eq!(get(7, &root, req), Err(Error::Exists));
    let lookup = GetRequest {
        create: false,
        exclusive: false,
        size: 4096,
        ..req
    };
    kassert_eq!(get(8, &root, lookup), Ok(id));
    kassert_eq!(
        get(
            8,
            &root,
            GetRequest {
                size: 5001,
                ..lookup
            }
        ),
        Err(Error::InvalidArgument)
    );
    kassert_eq!(
        get(
            8,
            &user(5, 5),
            GetRequest {
                mode: 0o400,
                ..lookup
            }
        ),
        Err(Error::AccessDenied)
    );
    let info = ktry!(stat(&root, id));
    kassert_eq!((info.size, info.creator_pid, info.attached), (5000, 7, 0));
    kassert_eq!((info.perm.mode, info.key), (0o600, Some(TEST_KEY)));
    kassert_eq!(set(&root, id, 5, 6, 0o7644), Ok(()));
    let info = ktry!(stat(&root, id));
    kassert_eq!(
        (info.perm.uid, info.perm.gid, info.perm.mode),
        (5, 6, 0o644)
    );
    kassert_eq!((info.perm.cuid, info.perm.cgid), (0, 0));
    kassert_eq!(remove(&user(9, 9), id), Err(Error::NotPermitted));
    kassert_eq!(remove(&user(5, 9), id), Ok(()));
    kassert_eq!(stat(&root, id), Err(Error::InvalidArgument));
    kassert_eq!(get(8, &root, lookup), Err(Error::NotFound));
    kassert_eq!(usage(), (ids_before, pages_before));
    kassert_eq!(frame::FRAMES.lock().free_count(), frames_before);
    kassert_eq!(
        get(
            7,
            &root,
            GetRequest {
                key: None,
                size: 0,
                ..req
            }
        ),
        Err(Error::InvalidArgument)
    );
    let too_big = LIMITS.max_size as i64 + 1;
    kassert_eq!(
        get(
            7,
            &root,
            GetRequest {
                key: None,
                size: too_big,
                ..req
            }
        ),
        Err(Error::InvalidArgument)
    );
    Ok(())
}

fn attach_fork_and_last_detach() -> TestResult {
    let root = Credentials::root();
    let frames_before = frame::FRAMES.lock().free_count();
    let req = GetRequest {
        key: None,
        size: 3 * PAGE_SIZE as i64,
        create: true,
        exclusive: false,
        mode: 0o600,
    };
    let id = ktry!(get(1, &root, req));
    let ceiling = 0x4000_0000;
    let mut space = ktry!(AddressSpace::new());
    let at = ktry!(attach_to(
        &mut space,
        3,
        &root,
        id,
        Place::Anywhere { floor: 0x1000_0000 },
        false,
        ceiling
    ));
    kassert_eq!(at, 0x1000_0000);
    kassert_eq!(
        space.protection(at + 2 * PAGE_SIZE),
        Some(Protection::READ_WRITE)
    );
    kassert_eq!(
        attach_to(
            &mut space,
            3,
            &root,
            id,
            Place::Fixed(at + PAGE_SIZE),
            true,
            ceiling
        ),
        Err(Error::OutOfMemory)
    );
    let ro = ktry!(attach_to(
        &mut space,
        3,
        &root,
        id,
        Place::Anywhere { floor: at },
        true,
        ceiling
    ));
    kassert_eq!(ro, at + 3 * PAGE_SIZE);
    kassert_eq!(space.protection(ro), Some(Protection::READ));
    let child = ktry!(space.fork());
    kassert_eq!(ktry!(stat(&root, id)).attached, 4);
    kassert_eq!(ktry!(stat(&root, id)).last_pid, 3);
    kassert!(detach_from(&mut space, at + 1).is_err());
    drop(ktry!(detach_from(&mut space, ro)));
    kassert_eq!(space.protection(ro), None);
    kassert_eq!(ktry!(stat(&root, id)).attached, 3);
    ktry!(remove(&root, id));
    kassert_eq!(usage().0 > 0, true);
    drop(child);
    drop(space);
    kassert_eq!(frame::FRAMES.lock().free_count(), frames_before);
    Ok(())
}
