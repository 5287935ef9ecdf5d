//! In-memory nodes, as tmpfs and devfs keep them: metadata, and per kind the data of a
//! regular file (pages, sparse), the entries of a directory (laid out as UFS does), a
//! symlink's target, a FIFO's pipe or a device.

use super::page::{PAGE_SIZE, Page};
use crate::error::{Error, Result};
use crate::file::FileOps;
use crate::stats;
use crate::sync::Mutex;
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// The largest regular file (pages are indexed by u64; this keeps offsets sane).
pub const MAX_FILE_SIZE: u64 = 1 << 40;

/// Kinds of node, as stat reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Regular,
    Directory,
    Symlink,
    Fifo,
    CharDevice,
    Socket,
}

/// A point in wall-clock time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970; before it, negative (utimes may set such a time).
    pub seconds: i64,
    pub nanoseconds: u32,
}

impl Timestamp {
    pub fn now() -> Timestamp {
        #[cfg(not(test))]
        let (seconds, nanoseconds) = crate::time::realtime();
        #[cfg(test)]
        let (seconds, nanoseconds) = test_clock();
        Timestamp {
            seconds: seconds as i64,
            nanoseconds,
        }
    }
}

#[cfg(test)]
fn test_clock() -> (u64, u32) {
    use core::sync::atomic::{AtomicU64, Ordering};
    static NOW: AtomicU64 = AtomicU64::new(1_000_000);
    (NOW.fetch_add(1, Ordering::Relaxed), 0)
}

/// What `stat` reports, in neutral terms (each personality lays it out its own way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub device: u64,
    pub inode: u64,
    pub kind: NodeType,
    /// Permission bits, with set-id and sticky bits (07777).
    pub mode: u32,
    pub links: u32,
    pub uid: u32,
    pub gid: u32,
    /// For device nodes: which device.
    pub rdev: u64,
    pub size: u64,
    /// 512-byte blocks holding data.
    pub blocks: u64,
    pub block_size: u32,
    pub atime: Timestamp,
    pub mtime: Timestamp,
    pub ctime: Timestamp,
    /// BSD's file flags (chflags(2), [`super::file_flags`]).
    pub flags: u32,
}

#[derive(Debug)]
pub(crate) struct Meta {
    pub mode: u32,
    /// BSD's file flags ([`super::file_flags`]).
    pub flags: u32,
    pub uid: u32,
    pub gid: u32,
    pub links: u32,
    pub atime: Timestamp,
    pub mtime: Timestamp,
    pub ctime: Timestamp,
}

/// A device: what opening its node gives.
pub trait Device: Send + Sync + fmt::Debug {
    /// The device number stat reports as st_rdev.
    fn number(&self) -> u64;
    /// A new open instance of the device.
    fn open(&self) -> Result<Arc<dyn FileOps>>;
    /// [`Device::open`] for an opener that asked not to wait (O_NONBLOCK): a device
    /// whose open may wait (a pseudo-terminal's slave, for its master) does not.
    fn open_nonblocking(&self, nonblock: bool) -> Result<Arc<dyn FileOps>> {
        let _ = nonblock;
        self.open()
    }
    /// What stat reports as its size (a special file's; 0 for a device).
    fn size(&self) -> u64 {
        0
    }
    /// The opener's descriptor that opening this device opens again, sharing its open
    /// file (4.4BSD's /dev/fd/N), instead of [`Device::open`].
    fn descriptor(&self) -> Option<usize> {
        None
    }
}

/// The data of a regular file: pages where bytes were written, holes elsewhere (read as
/// zeros); a file loaded from the boot archive reads through to the archive's bytes
/// until a page of it is written.
#[derive(Debug, Default)]
pub(crate) struct FileData {
    pub size: u64,
    pub pages: BTreeMap<u64, Page>,
    pub backing: &'static [u8],
}

impl FileData {
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = buf.len().min((self.size - offset) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let index = pos / PAGE_SIZE as u64;
            let within = (pos % PAGE_SIZE as u64) as usize;
            let chunk = (PAGE_SIZE - within).min(n - done);
            let out = &mut buf[done..done + chunk];
            match self.pages.get(&index) {
                Some(page) => page.read(within, out),
                None => self.read_backing(pos, out),
            }
            done += chunk;
        }
        n
    }

    fn read_backing(&self, pos: u64, out: &mut [u8]) {
        out.fill(0);
        if let Some(rest) = usize::try_from(pos)
            .ok()
            .and_then(|p| self.backing.get(p..))
        {
            let n = rest.len().min(out.len());
            out[..n].copy_from_slice(&rest[..n]);
        }
    }

    /// The page holding `index`, made if absent (filled from the archive if it has it).
    pub fn page(&mut self, index: u64) -> Result<&Page> {
        if !self.pages.contains_key(&index) {
            let page = Page::zeroed()?;
            let start = index * PAGE_SIZE as u64;
            if (start as usize) < self.backing.len() {
                let mut buf = [0u8; PAGE_SIZE];
                self.read_backing(start, &mut buf);
                page.write(0, &buf);
            }
            self.pages.insert(index, page);
        }
        Ok(&self.pages[&index])
    }

    pub fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<usize> {
        offset
            .checked_add(bytes.len() as u64)
            .filter(|&e| e <= MAX_FILE_SIZE)
            .ok_or(Error::FileTooBig)?;
        let mut done = 0;
        while done < bytes.len() {
            let pos = offset + done as u64;
            let index = pos / PAGE_SIZE as u64;
            let within = (pos % PAGE_SIZE as u64) as usize;
            let chunk = (PAGE_SIZE - within).min(bytes.len() - done);
            match self.page(index) {
                Ok(page) => page.write(within, &bytes[done..done + chunk]),
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
            done += chunk;
        }
        self.size = self.size.max(offset + done as u64);
        Ok(done)
    }

    /// Sets the size: pages past it go, and the tail of the last page is zeroed so that
    /// growing again shows zeros. The pages gone that address spaces map are returned,
    /// zeroed, with their indexes, for the caller to take out of those spaces (until
    /// then the mappings read zeros there, not what the file held).
    pub fn truncate(&mut self, size: u64) -> Result<Vec<(u64, Page)>> {
        if size > MAX_FILE_SIZE {
            return Err(Error::FileTooBig);
        }
        let mut mapped = Vec::new();
        if size < self.size {
            let first_gone = size.div_ceil(PAGE_SIZE as u64);
            let gone = self.pages.split_off(&first_gone);
            for (index, page) in gone {
                if page.mapped() {
                    page.write(0, &[0u8; PAGE_SIZE]);
                    mapped.push((index, page));
                }
            }
            let within = (size % PAGE_SIZE as u64) as usize;
            if within != 0
                && let Some(page) = self.pages.get(&(size / PAGE_SIZE as u64))
            {
                page.write(within, &[0u8; PAGE_SIZE][within..]);
            }
            let keep = usize::try_from(size).unwrap_or(usize::MAX);
            self.backing = &self.backing[..keep.min(self.backing.len())];
        }
        self.size = size;
        Ok(mapped)
    }

    /// The frame of page `index` with a reference for the caller, made if it was a
    /// hole or still in the boot archive; `None` for a page wholly past the end.
    #[cfg(not(test))]
    fn share_page(&mut self, index: u64) -> Result<Option<u64>> {
        if index >= self.size.div_ceil(PAGE_SIZE as u64) {
            return Ok(None);
        }
        let phys = self.page(index)?.phys();
        crate::mm::frame::share(phys);
        Ok(Some(phys))
    }

    pub fn blocks(&self) -> u64 {
        let backing_pages = self.backing.len().div_ceil(PAGE_SIZE) as u64;
        let unread = (0..backing_pages)
            .filter(|i| !self.pages.contains_key(i))
            .count() as u64;
        let held = self.pages.len() as u64;
        (held + unread) * (PAGE_SIZE as u64 / 512)
    }
}

pub(crate) use super::dirblocks::DirData;

pub(crate) enum Body {
    Regular(Mutex<FileData>),
    Directory(Mutex<DirData>),
    Symlink(Vec<u8>),
    /// The pipe is made when the FIFO is first opened and kept while anyone has it open.
    Fifo(Mutex<Weak<crate::file::pipe::Pipe>>),
    CharDevice(Arc<dyn Device>),
    /// A bound Unix-domain socket: gone (connections refused) once it is closed.
    Socket(Weak<crate::file::socket::Socket>),
    /// A read-only regular file whose bytes are made on each read (procfs).
    Generated(Generator),
    /// A symlink whose target is computed at each lookup (/proc/self).
    ComputedLink(Generator),
    /// A file whose reads and writes are an object's (a personality's procfs files):
    /// a regular file to stat, opened as a device is (see [`Device`]).
    Special(Arc<dyn Device>),
}

/// What makes a generated file's contents.
#[derive(Clone)]
pub struct Generator(pub Arc<dyn Fn() -> Vec<u8> + Send + Sync>);

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Generator")
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Body::Regular(_) => "Regular",
            Body::Directory(_) => "Directory",
            Body::Symlink(_) => "Symlink",
            Body::Fifo(_) => "Fifo",
            Body::CharDevice(_) => "CharDevice",
            Body::Socket(_) => "Socket",
            Body::Generated(_) => "Generated",
            Body::ComputedLink(_) => "ComputedLink",
            Body::Special(_) => "Special",
        })
    }
}

/// A node of an in-memory file system.
#[derive(Debug)]
pub struct Inode {
    /// The file system it belongs to (st_dev).
    pub device: u64,
    pub number: u64,
    pub(crate) meta: Mutex<Meta>,
    pub(crate) body: Body,
    /// Counts data changes, attribute changes and renames, for event queues.
    changes: [AtomicU32; 3],
    /// Made by a process (creat, mkdir, mknod, ...), so counted against the bound on
    /// such nodes until it goes.
    pub(crate) counted: core::sync::atomic::AtomicBool,
    /// Open files writing it (BSD's v_writecount): exec refuses it while any is.
    writers: AtomicUsize,
    /// Process images made from it (BSD's VTEXT, held while a vmspace maps it): it is
    /// not opened for writing or truncated while any is.
    texts: AtomicUsize,
}

/// A regular file's pages, for the mappings that touch them past where its end was.
#[cfg(not(test))]
impl crate::mm::uspace::MappedFile for Inode {
    fn share_page(
        &self,
        index: u64,
    ) -> core::result::Result<Option<u64>, crate::mm::uspace::MemError> {
        let Ok(data) = self.data() else {
            return Ok(None);
        };
        data.lock()
            .share_page(index)
            .map_err(|_| crate::mm::uspace::MemError::OutOfMemory)
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn core::any::Any + Send + Sync> {
        self
    }
}

/// On the host no page is ever mapped (exec still notes what its segments map).
#[cfg(test)]
impl crate::mm::uspace::MappedFile for Inode {
    fn share_page(
        &self,
        _index: u64,
    ) -> core::result::Result<Option<u64>, crate::mm::uspace::MemError> {
        Ok(None)
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn core::any::Any + Send + Sync> {
        self
    }
}

/// Nodes that exist, on every file system (BSD's numvnodes, for vmstat and systat).
static LIVE_NODES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// How many nodes exist now.
pub fn live_nodes() -> usize {
    LIVE_NODES.load(Ordering::Relaxed)
}

impl Drop for Inode {
    fn drop(&mut self) {
        LIVE_NODES.fetch_sub(1, Ordering::Relaxed);
        if *self.counted.get_mut() {
            super::tmpfs::node_gone();
        }
    }
}

/// A process image's hold on the file it was made from ([`Inode::texts`]), given back
/// when the image goes (exec of another, exit); a copied address space takes its own.
#[derive(Debug)]
pub struct TextHold(Arc<Inode>);

impl TextHold {
    pub fn new(node: &Arc<Inode>) -> TextHold {
        node.texts.fetch_add(1, Ordering::Relaxed);
        TextHold(node.clone())
    }
}

impl Clone for TextHold {
    fn clone(&self) -> TextHold {
        TextHold::new(&self.0)
    }
}

impl Drop for TextHold {
    fn drop(&mut self) {
        self.0.texts.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Inode {
    /// An open file writing it came or went ([`Inode::writers`]).
    pub(crate) fn count_writer(&self, opened: bool) {
        if opened {
            self.writers.fetch_add(1, Ordering::Relaxed);
        } else {
            self.writers.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Refuses to run a file some open file is writing (ETXTBSY).
    pub fn check_not_written(&self) -> Result<()> {
        if self.writers.load(Ordering::Relaxed) > 0 {
            return Err(Error::TextBusy);
        }
        Ok(())
    }

    /// Refuses to write or truncate a file a process image is made from (ETXTBSY).
    pub fn check_not_running(&self) -> Result<()> {
        if self.texts.load(Ordering::Relaxed) > 0 {
            return Err(Error::TextBusy);
        }
        Ok(())
    }

    pub(crate) fn new(
        device: u64,
        number: u64,
        mode: u32,
        uid: u32,
        gid: u32,
        body: Body,
    ) -> Arc<Inode> {
        let now = Timestamp::now();
        LIVE_NODES.fetch_add(1, Ordering::Relaxed);
        Arc::new(Inode {
            device,
            number,
            meta: Mutex::new(Meta {
                mode: mode & 0o7777,
                flags: 0,
                uid,
                gid,
                links: 0,
                atime: now,
                mtime: now,
                ctime: now,
            }),
            body,
            changes: Default::default(),
            counted: core::sync::atomic::AtomicBool::new(false),
            writers: AtomicUsize::new(0),
            texts: AtomicUsize::new(0),
        })
    }

    pub fn kind(&self) -> NodeType {
        match self.body {
            Body::Regular(_) | Body::Generated(_) | Body::Special(_) => NodeType::Regular,
            Body::Directory(_) => NodeType::Directory,
            Body::Symlink(_) | Body::ComputedLink(_) => NodeType::Symlink,
            Body::Fifo(_) => NodeType::Fifo,
            Body::CharDevice(_) => NodeType::CharDevice,
            Body::Socket(_) => NodeType::Socket,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind() == NodeType::Directory
    }

    pub(crate) fn dir(&self) -> Result<&Mutex<DirData>> {
        match &self.body {
            Body::Directory(d) => Ok(d),
            _ => Err(Error::NotADirectory),
        }
    }

    pub(crate) fn data(&self) -> Result<&Mutex<FileData>> {
        match &self.body {
            Body::Regular(d) => Ok(d),
            Body::Directory(_) => Err(Error::IsADirectory),
            _ => Err(Error::InvalidArgument),
        }
    }

    pub fn stat(&self) -> Stat {
        let meta = self.meta.lock();
        let (size, blocks, rdev) = match &self.body {
            Body::Regular(d) => {
                let d = d.lock();
                (d.size, d.blocks(), 0)
            }
            Body::Directory(d) => {
                let size = d.lock().size();
                (
                    size,
                    size.div_ceil(PAGE_SIZE as u64) * (PAGE_SIZE as u64 / 512),
                    0,
                )
            }
            Body::Symlink(t) => (t.len() as u64, 0, 0),
            Body::ComputedLink(f) => ((f.0)().len() as u64, 0, 0),
            Body::Special(dev) => (dev.size(), 0, 0),
            Body::Generated(g) => ((g.0)().len() as u64, 0, 0),
            Body::Fifo(_) | Body::Socket(_) => (0, 0, 0),
            Body::CharDevice(dev) => (0, 0, dev.number()),
        };
        Stat {
            device: self.device,
            inode: self.number,
            kind: self.kind(),
            mode: meta.mode,
            links: meta.links,
            uid: meta.uid,
            gid: meta.gid,
            rdev,
            size,
            blocks,
            block_size: PAGE_SIZE as u32,
            atime: meta.atime,
            mtime: meta.mtime,
            ctime: meta.ctime,
            flags: meta.flags,
        }
    }

    /// Marks data read (atime).
    pub fn touch_access(&self) {
        self.meta.lock().atime = Timestamp::now();
    }

    /// Marks data changed (mtime and ctime).
    pub fn touch_modify(&self) {
        self.changes[0].fetch_add(1, Ordering::Relaxed);
        let now = Timestamp::now();
        let mut m = self.meta.lock();
        m.mtime = now;
        m.ctime = now;
    }

    /// Marks metadata changed (ctime).
    pub fn touch_change(&self) {
        self.changes[1].fetch_add(1, Ordering::Relaxed);
        self.meta.lock().ctime = Timestamp::now();
    }

    /// Bytes of a regular file at `offset`.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if let Body::Generated(make) = &self.body {
            let bytes = (make.0)();
            let rest = usize::try_from(offset)
                .ok()
                .and_then(|o| bytes.get(o..))
                .unwrap_or(&[]);
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            return Ok(n);
        }
        // A negative off_t (only a 4.4BSD lseek makes one) is past the largest
        // file: an error, not the end of the file, as UFS's read has it.
        if offset > i64::MAX as u64 {
            return Err(Error::FileTooBig);
        }
        let n = self.data()?.lock().read(offset, buf);
        self.touch_access();
        stats::FILE_READS.inc();
        stats::FILE_READ_BYTES.add(n as u64);
        Ok(n)
    }

    pub fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<usize> {
        // ffs_write: an append-only file takes data at its end only (a descriptor opened
        // before the flag was set may still try elsewhere).
        if self.flags() & super::file_flags::APPEND != 0 && offset != self.size() {
            return Err(Error::NotPermitted);
        }
        let n = self.data()?.lock().write(offset, bytes)?;
        self.touch_modify();
        stats::FILE_WRITES.inc();
        stats::FILE_WRITE_BYTES.add(n as u64);
        Ok(n)
    }

    /// Calls `f` with the index of each page of a regular file that holds data
    /// (written, or still the boot archive's), in order; nothing for other kinds. What
    /// a personality needs to say how many blocks its own file system would use.
    pub fn for_each_data_page(&self, mut f: impl FnMut(u64)) {
        let Body::Regular(d) = &self.body else {
            return;
        };
        let d = d.lock();
        let backed = d.backing.len().div_ceil(PAGE_SIZE) as u64;
        (0..backed).for_each(&mut f);
        d.pages.range(backed..).for_each(|(&i, _)| f(i));
    }

    /// Its file flags ([`super::file_flags`]).
    pub fn flags(&self) -> u32 {
        self.meta.lock().flags
    }

    pub fn size(&self) -> u64 {
        match &self.body {
            Body::Regular(d) => d.lock().size,
            _ => self.stat().size,
        }
    }

    pub fn truncate(self: &Arc<Self>, size: u64) -> Result<()> {
        let mapped = self.data()?.lock().truncate(size)?;
        self.touch_modify();
        if !mapped.is_empty() {
            self.detach_from_mappings(mapped);
        }
        Ok(())
    }

    /// Takes the pages a truncation took from the file out of the address spaces that
    /// map them (with the file's lock let go: each space's lock is taken before the
    /// file's when a fault asks the file for a page).
    #[cfg(not(test))]
    fn detach_from_mappings(self: &Arc<Self>, pages: Vec<(u64, Page)>) {
        let frames = pages.iter().map(|(i, p)| (p.phys(), *i)).collect();
        let file: Arc<dyn crate::mm::uspace::MappedFile> = self.clone();
        crate::process::detach_file_frames(&file, &frames);
    }

    /// Host tests map nothing.
    #[cfg(test)]
    fn detach_from_mappings(self: &Arc<Self>, _pages: Vec<(u64, Page)>) {}

    /// The frames of up to `count` pages of a regular file from page `first`, for
    /// mmap: only pages holding some of the file (up to its size, rounded up to a page)
    /// are given, materialised if they were holes or still in the boot archive. Each
    /// frame comes with one reference (`frame::share`) that the caller owns: the mapping
    /// and the file then see the same page-cache page.
    #[cfg(not(test))]
    pub fn share_frames(&self, first: u64, count: u64) -> Result<Vec<u64>> {
        let mut data = self.data()?.lock();
        let mut frames = Vec::new();
        for index in first..first.saturating_add(count) {
            match data.share_page(index) {
                Ok(Some(phys)) => frames.push(phys),
                Ok(None) => break,
                Err(e) => {
                    for &phys in &frames {
                        crate::mm::frame::release(phys);
                    }
                    return Err(e);
                }
            }
        }
        Ok(frames)
    }

    /// The whole contents of a regular file.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        self.read_head_with(usize::MAX, |_| true)
    }

    /// The first `most` bytes of a regular file (all of it if it is shorter), or all of
    /// it when its first bytes (up to four, given to `whole_if`) say so, read under one
    /// hold of the file's lock into the kernel heap: OutOfMemory when the heap cannot
    /// spare them (a file is a user's to make as large as memory allows, and a failed
    /// allocation would stop the kernel).
    pub fn read_head_with(&self, most: usize, whole_if: impl Fn(&[u8]) -> bool) -> Result<Vec<u8>> {
        let data = self.data()?.lock();
        let mut first = [0u8; 4];
        let seen = usize::try_from(data.size)
            .unwrap_or(usize::MAX)
            .min(first.len());
        data.read(0, &mut first[..seen]);
        let most = if whole_if(&first[..seen]) {
            usize::MAX
        } else {
            most
        };
        let len = usize::try_from(data.size)
            .map_err(|_| Error::FileTooBig)?
            .min(most);
        if !crate::mm::heap::can_spare(len) {
            return Err(Error::OutOfMemory);
        }
        let mut out = Vec::new();
        out.try_reserve_exact(len).map_err(|_| Error::OutOfMemory)?;
        out.resize(len, 0);
        data.read(0, &mut out);
        Ok(out)
    }

    /// The socket bound to this node, while it is open.
    pub fn socket(&self) -> Option<Arc<crate::file::socket::Socket>> {
        match &self.body {
            Body::Socket(s) => s.upgrade(),
            _ => None,
        }
    }

    pub fn symlink_target(&self) -> Option<Cow<'_, [u8]>> {
        match &self.body {
            Body::Symlink(t) => Some(Cow::Borrowed(t)),
            Body::ComputedLink(f) => Some(Cow::Owned((f.0)())),
            _ => None,
        }
    }

    /// Whether the node is a special file, whose object takes its writes (see
    /// `Body::Special`).
    pub fn is_special(&self) -> bool {
        matches!(self.body, Body::Special(_))
    }

    /// Whether the node is made by the kernel on demand (procfs): never changed by
    /// writes or metadata calls.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self.body,
            Body::Generated(_) | Body::ComputedLink(_) | Body::Special(_)
        )
    }

    pub fn mode(&self) -> u32 {
        self.meta.lock().mode
    }

    pub fn owner(&self) -> (u32, u32) {
        let m = self.meta.lock();
        (m.uid, m.gid)
    }

    pub fn links(&self) -> u32 {
        self.meta.lock().links
    }

    /// Marks the node renamed (for event queues).
    pub fn note_rename(&self) {
        self.changes[2].fetch_add(1, Ordering::Relaxed);
    }

    /// How many times its data, its attributes and its name changed.
    pub fn change_counts(&self) -> (u32, u32, u32) {
        let [m, c, r] = &self.changes;
        (
            m.load(Ordering::Relaxed),
            c.load(Ordering::Relaxed),
            r.load(Ordering::Relaxed),
        )
    }
}
