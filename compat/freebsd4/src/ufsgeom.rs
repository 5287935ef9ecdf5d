//! The memory file systems as a 4.x process sees their space used: as a UFS made with
//! 4.8's newfs defaults (16384-byte blocks, 2048-byte fragments) would hold the same
//! files, so `ls -s`, `ls -l`'s "total", du and stdio's buffer size (st_blksize) come
//! out as they do on a FreeBSD 4.x disk.
//!
//! A file's blocks are the 16 KiB blocks it has data in, full ones but its last,
//! which while it is among the 12 direct blocks takes only the fragments its bytes
//! need (ffs_balloc); the block holding the last byte always counts (a write or an
//! extending ftruncate allocates it). Past the direct blocks come indirect blocks of
//! 4096 addresses each. A symbolic link shorter than 60 bytes lives in its inode
//! (fs_maxsymlinklen), a longer one takes a fragment; a directory is its UFS size in
//! fragments (its blocks are always written). statfs counts in fragments and gives
//! the block as the I/O size.

use nymph_kernel::vfs::{Inode, NodeType, Stat};

/// fs_bsize and fs_fsize of 4.8's newfs (DFL_BLKSIZE, DFL_FRAGSIZE).
pub(crate) const BLOCK: u64 = 16384;
pub(crate) const FRAGMENT: u64 = 2048;

/// DEV_BSIZE: the unit of st_blocks.
const SECTOR: u64 = 512;

/// NDADDR: direct block addresses in an inode; NINDIR: addresses in an indirect block.
const DIRECT: u64 = 12;
const PER_INDIRECT: u64 = BLOCK / 4;

/// UFS1's fs_maxsymlinklen: a shorter target is kept in the inode itself.
const MAX_SHORT_SYMLINK: u64 = 60;

/// The 4 KiB pages of the core's files per UFS block.
const PAGES_PER_BLOCK: u64 = BLOCK / 4096;

/// `st` with st_blocks and st_blksize as a UFS would give them for `node` (a regular
/// file, a directory or a symbolic link; anything else unchanged).
pub(crate) fn apply(node: &Inode, st: &mut Stat) {
    st.blocks = match st.kind {
        // Every page held (the core's blocks are its pages'): no hole to look for.
        NodeType::Regular if st.blocks == st.size.div_ceil(4096) * (4096 / SECTOR) => {
            tail_sectors(st.size)
        }
        NodeType::Regular => file_sectors(node, st.size),
        NodeType::Directory => tail_sectors(st.size),
        NodeType::Symlink if st.size < MAX_SHORT_SYMLINK => 0,
        NodeType::Symlink => tail_sectors(st.size),
        _ => return,
    };
    st.block_size = BLOCK as u32;
}

/// Sectors of a file of `size` bytes with no holes (a directory, a long symlink, a
/// file with every page written): its last block in fragments while it is a direct
/// one.
fn tail_sectors(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let last = (size - 1) / BLOCK;
    let full = if last < DIRECT { last } else { last + 1 };
    let tail = if last < DIRECT {
        (size - last * BLOCK).next_multiple_of(FRAGMENT)
    } else {
        0
    };
    full * (BLOCK / SECTOR) + tail / SECTOR + indirect_blocks((0..=last).rev()) * (BLOCK / SECTOR)
}

/// Sectors of a regular file of `size` bytes whose data pages `node` reports.
fn file_sectors(node: &Inode, size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let last = (size - 1) / BLOCK;
    let mut blocks: alloc::vec::Vec<u64> = alloc::vec::Vec::new();
    node.for_each_data_page(|page| {
        let block = page / PAGES_PER_BLOCK;
        if block < last && blocks.last() != Some(&block) {
            blocks.push(block);
        }
    });
    blocks.push(last);
    let full = blocks.len() as u64 - u64::from(last < DIRECT);
    let tail = if last < DIRECT {
        (size - last * BLOCK).next_multiple_of(FRAGMENT)
    } else {
        0
    };
    let indirect = indirect_blocks(blocks.iter().rev().copied());
    (full + indirect) * (BLOCK / SECTOR) + tail / SECTOR
}

/// The indirect blocks that address the data blocks `blocks` (in descending order):
/// one single-indirect block per 4096 addresses, the double- and triple-indirect
/// blocks above them, each counted once.
fn indirect_blocks(blocks: impl Iterator<Item = u64>) -> u64 {
    let single_end = DIRECT + PER_INDIRECT;
    let double_end = single_end + PER_INDIRECT * PER_INDIRECT;
    let mut count = 0;
    // The last group counted at each level: a new one is one more block.
    let mut seen: [Option<u64>; 4] = [None; 4];
    let mut note = |level: usize, group: u64, count: &mut u64| {
        if seen[level] != Some(group) {
            seen[level] = Some(group);
            *count += 1;
        }
    };
    for b in blocks {
        if b < DIRECT {
            break;
        }
        if b < single_end {
            note(0, 0, &mut count);
        } else if b < double_end {
            let i = b - single_end;
            note(1, 0, &mut count);
            note(2, i / PER_INDIRECT, &mut count);
        } else {
            let i = b - double_end;
            note(3, 0, &mut count);
            // The triple tree's second level, then its first, as their own groups.
            note(2, (1 << 40) + i / (PER_INDIRECT * PER_INDIRECT), &mut count);
            note(1, (1 << 40) + i / PER_INDIRECT, &mut count);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_take_fragments() {
        assert_eq!(tail_sectors(0), 0);
        assert_eq!(tail_sectors(1), 4, "one 2 KiB fragment");
        assert_eq!(tail_sectors(512), 4, "a new directory");
        assert_eq!(tail_sectors(2049), 8);
        assert_eq!(tail_sectors(16384), 32);
        assert_eq!(tail_sectors(16385), 32 + 4);
    }

    #[test]
    fn past_the_direct_blocks_every_block_is_whole_and_indirect_blocks_count() {
        // 12 direct blocks and a 13th: all whole, and one single-indirect block.
        assert_eq!(tail_sectors(12 * BLOCK), 12 * 32);
        assert_eq!(tail_sectors(12 * BLOCK + 1), 13 * 32 + 32);
        // The first block of the double-indirect range: its block and one indirect.
        let double = (DIRECT + PER_INDIRECT) * BLOCK;
        assert_eq!(tail_sectors(double), (DIRECT + PER_INDIRECT) * 32 + 32);
        assert_eq!(
            tail_sectors(double + 1),
            (DIRECT + PER_INDIRECT + 1) * 32 + 32 + 2 * 32
        );
    }

    #[test]
    fn indirect_blocks_are_counted_once_per_range() {
        let single = DIRECT;
        let double = DIRECT + PER_INDIRECT;
        assert_eq!(indirect_blocks([single + 5, single].into_iter()), 1);
        assert_eq!(
            indirect_blocks([double + PER_INDIRECT, double + 1, double, single].into_iter()),
            1 + 1 + 2
        );
    }
}
