//! Directories as 4.x's UFS keeps them: a file of DIRBLKSIZ blocks of `struct direct`
//! records, which stat sizes and read(2) reads.
//!
//! 4.x's ffs_read serves a directory as any file, so `cat dir` prints its raw blocks
//! and `ls -ld dir` shows a multiple of 512 (a new directory's one block). The core's
//! directories have no layout of their own: the blocks are made from the entries when
//! asked, records in read_dir's order, packed as UFS packs a directory whose entries
//! were added in that order (removals leave no gaps here). getdirentries goes on by
//! the core's cookies, so its offsets are not these byte offsets.
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
use nymph_kernel::vfs::{self, DirEntry, Inode, NodeType, Stat};
use zerocopy::IntoBytes;

/// UFS's DIRBLKSIZ: the unit a directory grows by, which no record crosses.
const DIRBLKSIZ: usize = 512;

/// DEV_BSIZE, a procfs directory's size.
const DEV_BSIZE: u64 = 512;

/// A 4.x procfs process directory's links: its proc_targets ("." and ".." among them).
const PROCFS_TARGETS: u32 = 15;

/// One record's length (UFS's DIRSIZ): 8 bytes of header and the name with its NUL,
/// padded to 4.
pub(crate) fn record_len(name_len: usize) -> usize {
    8 + (name_len + 1).next_multiple_of(4)
}

/// Where UFS puts records added in order to a new directory, worked out a record at
/// a time (no memory per record): each goes after the one before unless it would
/// cross a block, when the one before takes the rest of its block (its d_reclen
/// grows) and the record starts the next; the last takes the rest of its block.
#[derive(Default)]
struct Layout {
    /// Where the next record would start if it fits.
    end: usize,
    /// The last record placed (offset, d_reclen), its d_reclen not final yet.
    pending: Option<(usize, usize)>,
}

impl Layout {
    /// Places a record of `len` bytes; the record before it, now final, if any.
    fn push(&mut self, len: usize) -> Option<(usize, usize)> {
        let mut done = self.pending.take();
        let used = self.end % DIRBLKSIZ;
        if used != 0 && used + len > DIRBLKSIZ {
            if let Some(last) = done.as_mut() {
                last.1 += DIRBLKSIZ - used;
            }
            self.end += DIRBLKSIZ - used;
        }
        self.pending = Some((self.end, len));
        self.end += len;
        done
    }

    /// The last record, made final, and the directory's size.
    fn finish(mut self) -> (Option<(usize, usize)>, usize) {
        let size = self.end.next_multiple_of(DIRBLKSIZ);
        let mut last = self.pending.take();
        if let Some(l) = last.as_mut() {
            l.1 += size - self.end;
        }
        (last, size)
    }
}

/// Each record's offset and d_reclen for records of `lens` bytes, and the size.
#[cfg(test)]
fn layout(lens: &[usize]) -> (Vec<(usize, usize)>, usize) {
    let mut lay = Layout::default();
    let mut placed = Vec::new();
    for &len in lens {
        placed.extend(lay.push(len));
    }
    let (last, size) = lay.finish();
    placed.extend(last);
    (placed, size)
}

/// What stat reports of `node` to a 4.x process: the core's answer, with a
/// directory's size and blocks its UFS layout's (or procfs's).
pub(crate) fn node_stat(node: &Inode) -> Stat {
    let mut st = node.stat();
    if st.kind != NodeType::Directory {
        return st;
    }
    if vfs::procfs::is_procfs(node.device) {
        st.size = DEV_BSIZE;
        st.blocks = 1;
        let root = vfs::fs_root_of(node.device);
        st.links = if root.is_some_and(|r| core::ptr::eq(Arc::as_ptr(&r), node)) {
            1
        } else {
            PROCFS_TARGETS
        };
        return st;
    }
    let mut lay = Layout::default();
    lay.push(record_len(1));
    lay.push(record_len(2));
    if vfs::for_each_entry_name(node, |name| {
        lay.push(record_len(name.len()));
    })
    .is_ok()
    {
        st.size = lay.finish().1 as u64;
        let block = u64::from(st.block_size.max(512));
        st.blocks = st.size.div_ceil(block) * (block / 512);
    }
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

/// Entries read from the core at a time while making a directory's blocks.
const BATCH: usize = 64;

/// Bytes `start..start + want` of the directory's blocks as UFS would hold them ("."
/// and ".." first, with the inode numbers `task` sees), marking it read: made from
/// the entries a batch at a time, so the kernel holds the part asked for (and one
/// batch), never the whole directory.
fn image(task: &Task, node: &Arc<Inode>, start: usize, want: usize) -> Result<Vec<u8>, i32> {
    let ctx = task.process.fs();
    let stop = start.saturating_add(want);
    let mut out = Vec::new();
    // One record's bytes, padded to its d_reclen, where they meet the range.
    let emit = |out: &mut Vec<u8>, e: &DirEntry, (at, reclen): (usize, usize)| -> Result<(), i32> {
        let (lo, hi) = (at.max(start), (at + reclen).min(stop));
        if lo >= hi {
            return Ok(());
        }
        let len = record_len(e.name.len());
        let rec = record(e, reclen)?;
        let bytes = &rec.as_bytes()[..len];
        for p in lo..hi {
            out.push(bytes.get(p - at).copied().unwrap_or(0));
        }
        Ok(())
    };
    let mut lay = Layout::default();
    let mut pending: Option<DirEntry> = None;
    let mut cookie = 0;
    'batches: loop {
        let entries = vfs::read_dir(&ctx, node, cookie, BATCH).map_err(crate::files::file_errno)?;
        let Some(last) = entries.last() else { break };
        cookie = last.next_cookie;
        for e in entries {
            if let (Some(done), Some(prev)) = (lay.push(record_len(e.name.len())), pending.take()) {
                emit(&mut out, &prev, done)?;
                if done.0 + done.1 >= stop {
                    break 'batches;
                }
            }
            pending = Some(e);
        }
    }
    if let (Some(prev), (Some(done), _)) = (pending, lay.finish()) {
        emit(&mut out, &prev, done)?;
    }
    Ok(out)
}

/// read(2), readv(2) or pread(2) of a directory open on `file`: its blocks from
/// `offset` (the file's, which moves, when `None`) into the `pieces` of user memory
/// in turn. A fault after some bytes ends the read with those (uiomove's partial
/// count is kept, as for a regular file's).
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
    let image = image(
        task,
        node,
        usize::try_from(start).unwrap_or(usize::MAX),
        want,
    )?;
    let mut at = 0;
    let mut done = 0u64;
    for &(addr, len) in pieces {
        let n = usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(image.len() - at);
        if n == 0 {
            continue;
        }
        if task.write_bytes(addr, &image[at..at + n]).is_err() {
            if done == 0 {
                return Err(errno::EFAULT);
            }
            break;
        }
        at += n;
        done += n as u64;
    }
    if offset.is_none() {
        file.set_offset(start + done);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_directory_is_one_block_of_dot_and_dot_dot() {
        let (placed, size) = layout(&[record_len(1), record_len(2)]);
        // ufs_mkdir's template: "." 12 bytes, ".." the rest of the block.
        assert_eq!(placed, vec![(0, 12), (12, 500)]);
        assert_eq!(size, 512);
    }

    #[test]
    fn a_record_that_would_cross_a_block_starts_the_next() {
        // 12 + 12 + 40 * 12 = 504 bytes; a 16-byte record does not fit in the 8 left.
        let mut lens = vec![record_len(1), record_len(2)];
        lens.extend([record_len(3); 40]);
        lens.push(record_len(5));
        let (placed, size) = layout(&lens);
        assert_eq!(
            placed[41],
            (492, 20),
            "the block's last record takes the rest"
        );
        assert_eq!(
            placed[42],
            (512, 512),
            "alone in its block, it takes all of it"
        );
        assert_eq!(size, 1024);
    }

    #[test]
    fn a_record_ending_a_block_exactly_leaves_it_full() {
        // "." and ".." (12 bytes each), a 255-byte name (264) and a 215-byte one (224)
        // fill the block exactly; a record after them starts the next.
        let lens = [
            record_len(1),
            record_len(2),
            record_len(255),
            record_len(215),
        ];
        assert_eq!(lens[3], 224);
        let (placed, size) = layout(&lens);
        assert_eq!(placed[3], (288, 224));
        assert_eq!(size, 512);
        let (placed, size) = layout(&[lens[0], lens[1], lens[2], lens[3], record_len(1)]);
        assert_eq!(placed[4], (512, 512));
        assert_eq!(size, 1024);
    }
}
