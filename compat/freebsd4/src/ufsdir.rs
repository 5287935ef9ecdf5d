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
use alloc::vec;
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

/// Where UFS puts records of `lens` bytes added in order to a new directory: each
/// after the one before unless it would cross a block, when the one before takes the
/// rest of its block (its d_reclen grows) and the record starts the next; the last
/// takes the rest of its block. Each record's offset and d_reclen, and the size.
fn layout(lens: &[usize]) -> (Vec<(usize, usize)>, usize) {
    let mut placed: Vec<(usize, usize)> = Vec::with_capacity(lens.len());
    let mut end = 0;
    for &len in lens {
        let used = end % DIRBLKSIZ;
        if used != 0 && used + len > DIRBLKSIZ {
            if let Some(last) = placed.last_mut() {
                last.1 += DIRBLKSIZ - used;
            }
            end += DIRBLKSIZ - used;
        }
        placed.push((end, len));
        end += len;
    }
    let size = end.next_multiple_of(DIRBLKSIZ);
    if let Some(last) = placed.last_mut() {
        last.1 += size - end;
    }
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
    let mut lens = vec![record_len(1), record_len(2)];
    if vfs::for_each_entry_name(node, |name| lens.push(record_len(name.len()))).is_ok() {
        st.size = layout(&lens).1 as u64;
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

/// The directory's blocks as UFS would hold them ("." and ".." first, with the
/// inode numbers `task` sees), marking it read.
fn image(task: &Task, node: &Arc<Inode>) -> Result<Vec<u8>, i32> {
    let entries =
        vfs::read_dir(&task.process.fs(), node, 0, usize::MAX).map_err(crate::files::file_errno)?;
    let lens: Vec<usize> = entries.iter().map(|e| record_len(e.name.len())).collect();
    let (placed, size) = layout(&lens);
    let mut out = vec![0u8; size];
    for (e, &(at, reclen)) in entries.iter().zip(&placed) {
        let len = record_len(e.name.len());
        out[at..at + len].copy_from_slice(&record(e, reclen)?.as_bytes()[..len]);
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
    let image = image(task, node)?;
    let mut at = usize::try_from(start)
        .unwrap_or(usize::MAX)
        .min(image.len());
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
