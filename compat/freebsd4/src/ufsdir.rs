//! Directories as 4.x's UFS keeps them: a file of DIRBLKSIZ blocks of `struct direct`
//! records, which stat sizes, read(2) reads and getdirentries(2) returns.
//!
//! 4.x's ffs_read serves a directory as any file, so `cat dir` prints its raw blocks
//! and `ls -ld dir` shows a multiple of 512 (a new directory's one block); ufs_readdir
//! is that same read, cut to whole blocks. The core lays its directories out as UFS
//! does ([`vfs::dirblocks`]); the records are made from that layout when asked, each
//! with the length UFS gives it (to the next record, a block's last to the block's
//! end), a block whose first entry went starting with an unused record (d_fileno 0).
//! Bytes past a record's name are zeros, where a disk would keep what was there.
//!
//! procfs's directories are 4.x's procfs_getattr's: DEV_BSIZE bytes in one block, the
//! root with one link ("we don't actually know", for fts) and a process's directory
//! with nproc_targets (15); read(2) of one is procfs_rw's EOPNOTSUPP.

use crate::convert::FREEBSD4;
use crate::fb::{self, errno, neutral};
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_kernel::file::OpenFile;
use nymph_kernel::process::Task;
use nymph_kernel::vfs::{self, DirEntry, Inode, NodeType, Stat, Timestamp};
use zerocopy::{FromZeros, IntoBytes};

/// UFS's DIRBLKSIZ: the unit a directory grows by, which no record crosses.
const DIRBLKSIZ: usize = vfs::dirblocks::DIRBLKSIZ as usize;

/// DEV_BSIZE, a procfs directory's size.
const DEV_BSIZE: u64 = 512;

/// A 4.x procfs process directory's links: its proc_targets ("." and ".." among them).
const PROCFS_TARGETS: u32 = 15;

/// One record's length (UFS's DIRSIZ): 8 bytes of header and the name with its NUL,
/// padded to 4.
pub(crate) fn record_len(name_len: usize) -> usize {
    vfs::dirblocks::record_len(name_len) as usize
}

/// What stat reports of `node` to a 4.x process: the core's answer (whose directories
/// are sized as UFS lays them out) with a UFS's blocks ([`crate::ufsgeom`]), a procfs
/// directory procfs's, procfs's text files empty, and procfs's times now.
pub(crate) fn node_stat(node: &Inode) -> Stat {
    let mut st = node.stat();
    if !vfs::procfs::is_procfs(node.device) {
        crate::ufsgeom::apply(node, &mut st);
        return st;
    }
    // procfs_getattr gives every node the time of day as all three times (ls -l /proc
    // shows now), not when the node was made.
    let now = Timestamp::now();
    (st.atime, st.mtime, st.ctime) = (now, now, now);
    // Its fileid is PROCFS_FILENO, the d_fileno getdirentries gives it.
    if let Some(number) = crate::procfs_dir::inode_number(node) {
        st.inode = number;
    }
    // 4.x's procfs_getattr gives only the register files a size: status, cmdline,
    // etype and rlimit say 0 bytes, so wc -c counts 0, and tail and cp (which map a
    // regular file of st_size bytes) print and copy nothing rather than map procfs.
    if st.kind == NodeType::Regular && !node.is_special() {
        st.size = 0;
        st.blocks = 0;
        return st;
    }
    if st.kind != NodeType::Directory {
        return st;
    }
    st.size = DEV_BSIZE;
    st.blocks = 1;
    let root = vfs::fs_root_of(node.device);
    st.links = if root.is_some_and(|r| core::ptr::eq(Arc::as_ptr(&r), node)) {
        1
    } else {
        PROCFS_TARGETS
    };
    st
}

/// `e` as a 4.x `struct dirent` (UFS's `struct direct`), its d_reclen `len`
/// (EOVERFLOW for an inode number past 32 bits).
pub(crate) fn record(e: &DirEntry, len: usize) -> Result<fb::dirent, i32> {
    let d = neutral::Dirent {
        ino: e.inode,
        kind: crate::convert::neutral_kind(e.kind),
        name: {
            let mut n = [0u8; 256];
            n[..e.name.len()].copy_from_slice(&e.name);
            n
        },
        name_len: e.name.len() as u64,
    };
    let mut rec = fb::dirent::from_neutral(&d, &FREEBSD4).map_err(|_| errno::EOVERFLOW)?;
    rec.d_reclen = len as u16;
    Ok(rec)
}

/// An unused record of `reclen` bytes (d_fileno 0): a block whose first entry went.
fn unused_record(reclen: usize) -> fb::dirent {
    let mut rec = fb::dirent::new_zeroed();
    rec.d_reclen = reclen as u16;
    rec
}

/// Bytes `start..start + want` of the directory's blocks as UFS holds them ("." and
/// ".." first, with the inode numbers `task` sees), marking it read. Only the records
/// that meet the range are made.
fn image(task: &Task, node: &Arc<Inode>, start: usize, want: usize) -> Result<Vec<u8>, i32> {
    let ctx = task.process.fs();
    let stop = start.saturating_add(want);
    let mut out = Vec::new();
    let mut failed = None;
    vfs::for_each_record(&ctx, node, start as u64, |r| {
        let (at, reclen) = (r.offset as usize, r.reclen as usize);
        if at >= stop {
            return false;
        }
        let rec = match &r.entry {
            Some(e) => match record(e, reclen) {
                Ok(rec) => rec,
                Err(e) => {
                    failed = Some(e);
                    return false;
                }
            },
            None => unused_record(reclen),
        };
        let used = r.entry.as_ref().map_or(8, |e| record_len(e.name.len()));
        let bytes = &rec.as_bytes()[..used];
        for p in at.max(start)..(at + reclen).min(stop) {
            out.push(bytes.get(p - at).copied().unwrap_or(0));
        }
        true
    })
    .map_err(crate::files::file_errno)?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The most of a directory's blocks made at once: a larger read is made and copied
/// out a piece at a time, so a large directory read whole never asks the kernel heap
/// for its size at once (a failed allocation stops the kernel).
const PIECE: usize = 64 * 1024;

/// Bytes `start..start + want` of the directory (fewer at its end), handed to `sink` a
/// piece at a time with whether it is the last; `sink` answers how many it took (the
/// rest come again at the start of the next piece; all of the last) and whether to go
/// on. How many were taken.
pub(crate) fn pieces(
    task: &Task,
    node: &Arc<Inode>,
    start: usize,
    want: usize,
    mut sink: impl FnMut(&mut [u8], bool) -> Result<(usize, bool), i32>,
) -> Result<usize, i32> {
    let mut done = 0;
    while done < want {
        let ask = (want - done).min(PIECE);
        let mut piece = image(task, node, start.saturating_add(done), ask)?;
        let last = piece.len() < ask || done + ask == want;
        if piece.is_empty() {
            break;
        }
        let (took, go_on) = sink(&mut piece, last)?;
        done += took;
        if last || !go_on || took == 0 {
            break;
        }
    }
    Ok(done)
}

/// What getdirentries(2) reads of the UFS directory `node` from byte `start` for a
/// buffer of `count` bytes, handed to `sink` as [`pieces`] does: ufs_readdir's
/// VOP_READ, ended at a block boundary (EINVAL when that leaves nothing).
pub(crate) fn read_blocks(
    task: &Task,
    node: &Arc<Inode>,
    start: u64,
    count: usize,
    sink: impl FnMut(&mut [u8], bool) -> Result<(usize, bool), i32>,
) -> Result<usize, i32> {
    let partial = (start as usize).wrapping_add(count) % DIRBLKSIZ;
    if count <= partial {
        return Err(errno::EINVAL);
    }
    pieces(task, node, start as usize, count - partial, sink)
}

/// read(2), readv(2) or pread(2) of a directory open on `file`: its blocks from
/// `offset` (the file's, which moves, when `None`) into the `pieces` of user memory
/// in turn. A fault is EFAULT, the offset after the bytes copied before it (as for a
/// regular file's: vn_read keeps uiomove's progress, dofileread the error).
pub(crate) fn read(
    task: &Task,
    file: &OpenFile,
    pieces: &[(u64, u64)],
    offset: Option<u64>,
) -> Result<u64, i32> {
    let Some(node) = file.node() else {
        return Err(errno::EISDIR);
    };
    if vfs::procfs::is_procfs(node.device) {
        return Err(errno::EOPNOTSUPP);
    }
    let start = offset.unwrap_or_else(|| file.offset());
    // ffs_read: an offset past the largest file (a negative one) is EFBIG.
    if i64::try_from(start).is_err() {
        return Err(errno::EFBIG);
    }
    let want = pieces.iter().fold(0usize, |t, &(_, len)| {
        t.saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
    });
    // Where in the caller's pieces the next byte goes.
    let (mut piece, mut into) = (0, 0u64);
    let mut faulted = false;
    let done = self::pieces(
        task,
        node,
        usize::try_from(start).unwrap_or(usize::MAX),
        want,
        |mut bytes, _| {
            let mut took = 0;
            while !bytes.is_empty() {
                let Some(&(addr, len)) = pieces.get(piece) else {
                    break;
                };
                let n = usize::try_from(len - into)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                if n == 0 {
                    (piece, into) = (piece + 1, 0);
                    continue;
                }
                if task.write_bytes(addr + into, &bytes[..n]).is_err() {
                    faulted = true;
                    return Ok((took, false));
                }
                took += n;
                into += n as u64;
                bytes = &mut bytes[n..];
            }
            Ok((took, true))
        },
    )?;
    if offset.is_none() {
        file.set_offset(start + done as u64);
    }
    if faulted {
        return Err(errno::EFAULT);
    }
    Ok(done as u64)
}
