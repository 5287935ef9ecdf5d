//! A directory's entries laid out as UFS lays them out: records in DIRBLKSIZ blocks,
//! "." and ".." first, each record's offset its readdir cookie.
//!
//! The layout decides the order a reader sees, and a real FreeBSD 4.x (or any BSD)
//! program sees UFS's: a new name takes the first hole that fits (on a directory of
//! five blocks or more, 4.x's dirhash picks the block whose free space fits best),
//! a block's records are packed together to make room, and the blocks left empty at
//! the end go the next time a name is added. Only the offsets of live records are
//! kept; a record's length runs to the next live record of its block (or the block's
//! end), and a block whose first record was removed starts with an unused one, as
//! ufs_dirremove leaves them. Facts from FreeBSD 4.8's ufs_lookup.c (the slot search
//! and `i_endoff`), ufs_direnter, ufs_dirremove and ufs_dirhash.c (findfree,
//! enduseful).

use super::node::Inode;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

/// UFS's DIRBLKSIZ: the unit a directory grows by, which no record crosses.
pub const DIRBLKSIZ: u64 = 512;

/// Where "." and ".." are (they never move: "." fills its record exactly).
pub const DOT_OFFSET: u64 = 0;
pub const DOT_DOT_OFFSET: u64 = 12;

/// Where the first entry after "." and ".." goes in a new directory.
pub const FIRST_ENTRY_OFFSET: u64 = 24;

/// From this size on 4.x looks for room through its dirhash (vfs.ufs.dirhash_minsize).
const DIRHASH_MIN_SIZE: u64 = 5 * DIRBLKSIZ;

/// The dirhash's free-space classes: a block's free 4-byte words, those past the
/// longest record (DIRECTSIZ(MAXNAMLEN + 1) / DIRALIGN) in one class (DH_NFSTATS).
const FREE_CLASSES: u64 = 67;

/// A record's length for a name of `name_len` bytes (UFS's DIRSIZ): 8 bytes of header
/// and the name with its NUL, padded to 4.
pub const fn record_len(name_len: usize) -> u64 {
    8 + (name_len as u64 + 4) / 4 * 4
}

/// One record of the layout: where, how long, and how much of it is used (0 for an
/// unused record, which only starts a block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub offset: u64,
    pub reclen: u64,
    pub used: u64,
}

/// "." and "..": the first two records of a directory's first block.
const DOTS: [(u64, u64); 2] = [(DOT_OFFSET, record_len(1)), (DOT_DOT_OFFSET, record_len(2))];

/// The records of one block ([`DirData::block_slots`]), made as they are walked.
#[derive(Debug)]
pub struct BlockSlots<'a> {
    start: u64,
    end: u64,
    /// The length of an unused first record still to give.
    unused: Option<u64>,
    /// The next live record (offset, bytes used).
    next: Option<(u64, u64)>,
    dots: &'static [(u64, u64)],
    range: alloc::collections::btree_map::Range<'a, u64, (Vec<u8>, Arc<Inode>)>,
}

impl BlockSlots<'_> {
    /// The live record after those given: "." and ".." first, then the entries.
    fn pull(&mut self) -> Option<(u64, u64)> {
        if let Some((&first, rest)) = self.dots.split_first() {
            self.dots = rest;
            return Some(first);
        }
        self.range
            .next()
            .map(|(&at, (name, _))| (at, record_len(name.len())))
    }
}

impl Iterator for BlockSlots<'_> {
    type Item = Slot;

    fn next(&mut self) -> Option<Slot> {
        if let Some(reclen) = self.unused.take() {
            return Some(Slot {
                offset: self.start,
                reclen,
                used: 0,
            });
        }
        let (at, used) = self.next.take()?;
        self.next = self.pull();
        let until = self.next.map_or(self.end, |(n, _)| n);
        Some(Slot {
            offset: at,
            reclen: until - at,
            used,
        })
    }
}

/// A directory's entries.
#[derive(Debug)]
pub(crate) struct DirData {
    /// Each live entry but "." and "..", by its record's offset.
    pub entries: BTreeMap<u64, (Vec<u8>, Arc<Inode>)>,
    pub names: BTreeMap<Vec<u8>, u64>,
    /// Each block's free bytes (records' room past their names, unused records): two
    /// bytes a block, so a directory of tens of megabytes keeps a small vector. Changed
    /// only through [`DirData::set_free`] and its kin, which keep `classes` in step.
    free: Vec<u16>,
    /// The blocks of each dirhash free-space class, made when the directory first
    /// grows to dirhash size: the search then takes the smallest class's lowest block
    /// at once, where a walk over `free` made each new name cost the directory's size
    /// (4.x's dirhash keeps its first free block per class for the same reason).
    classes: Option<Box<[BTreeSet<u32>]>>,
    pub parent: Weak<Inode>,
}

/// The dirhash class of a block with `free` bytes free: its free 4-byte words, the
/// last class holding every block with room for the longest record.
fn class_of(free: u16) -> usize {
    (u64::from(free) / 4).min(FREE_CLASSES) as usize
}

impl Default for DirData {
    fn default() -> DirData {
        DirData {
            entries: BTreeMap::new(),
            names: BTreeMap::new(),
            free: alloc::vec![(DIRBLKSIZ - FIRST_ENTRY_OFFSET) as u16],
            classes: None,
            parent: Weak::new(),
        }
    }
}

/// Where a new record goes: a range of records to pack, the new one after them.
struct Room {
    start: u64,
    span: u64,
    /// Where the directory ends once the record is in (trailing empty blocks go).
    end: u64,
}

impl DirData {
    pub fn get(&self, name: &[u8]) -> Option<Arc<Inode>> {
        self.names.get(name).map(|c| self.entries[c].1.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The directory's length in bytes.
    pub fn size(&self) -> u64 {
        self.free.len() as u64 * DIRBLKSIZ
    }

    /// The records of block `block` in order, "." and ".." in the first.
    pub fn block_slots(&self, block: u64) -> BlockSlots<'_> {
        let start = block * DIRBLKSIZ;
        let end = start + DIRBLKSIZ;
        let mut slots = BlockSlots {
            start,
            end,
            unused: None,
            next: None,
            dots: if block == 0 { &DOTS } else { &[] },
            range: self.entries.range(start..end),
        };
        slots.next = slots.pull();
        // A block whose first record is not live starts with an unused one.
        slots.unused = match slots.next {
            Some((at, _)) if at == start => None,
            Some((at, _)) => Some(at - start),
            None => Some(DIRBLKSIZ),
        };
        slots
    }

    /// Empties a directory that has been removed (ufs_rmdir truncates it to nothing):
    /// its size is 0 and it lists no records, not even "." and "..". Only an empty
    /// directory is removed, and nothing enters one that is gone.
    pub fn truncate_removed(&mut self) {
        self.free.clear();
        self.classes = None;
    }

    /// Sets block `block`'s free bytes, moving it between classes.
    fn set_free(&mut self, block: usize, free: u16) {
        let old = core::mem::replace(&mut self.free[block], free);
        if let Some(classes) = self.classes.as_mut()
            && class_of(old) != class_of(free)
        {
            classes[class_of(old)].remove(&(block as u32));
            classes[class_of(free)].insert(block as u32);
        }
    }

    /// Adds a block with `free` bytes free at the end.
    fn push_free(&mut self, free: u16) {
        if let Some(classes) = self.classes.as_mut() {
            classes[class_of(free)].insert(self.free.len() as u32);
        }
        self.free.push(free);
    }

    /// Drops the blocks from `blocks` on.
    fn truncate_free(&mut self, blocks: usize) {
        if let Some(classes) = self.classes.as_mut() {
            for (b, &free) in self.free.iter().enumerate().skip(blocks) {
                classes[class_of(free)].remove(&(b as u32));
            }
        }
        self.free.truncate(blocks);
    }

    /// Makes the class index, once the directory is big enough to search by it.
    fn index_classes(&mut self) {
        if self.classes.is_none() {
            let mut classes: Box<[BTreeSet<u32>]> =
                (0..=FREE_CLASSES).map(|_| BTreeSet::new()).collect();
            for (b, &free) in self.free.iter().enumerate() {
                classes[class_of(free)].insert(b as u32);
            }
            self.classes = Some(classes);
        }
    }

    /// Enters `name` for `node` where UFS would put it.
    pub fn insert(&mut self, name: &[u8], node: Arc<Inode>) {
        if self.free.is_empty() {
            // Callers refuse names in a removed directory; should one come, the layout
            // starts again rather than put a record over ".".
            self.push_free((DIRBLKSIZ - FIRST_ENTRY_OFFSET) as u16);
        }
        let needed = record_len(name.len());
        let room = if self.size() >= DIRHASH_MIN_SIZE {
            self.index_classes();
            self.room_by_dirhash(needed)
        } else {
            self.room_by_scan(needed)
        };
        let at = match room {
            Some(room) => {
                let at = self.pack(room.start, room.span);
                let block = (at / DIRBLKSIZ) as usize;
                self.set_free(block, self.free[block] - needed as u16);
                if room.end < self.size() {
                    self.truncate_free((room.end / DIRBLKSIZ) as usize);
                }
                at
            }
            None => {
                let at = self.size();
                self.push_free((DIRBLKSIZ - needed) as u16);
                at
            }
        };
        self.names.insert(name.to_vec(), at);
        self.entries.insert(at, (name.to_vec(), node));
    }

    /// Points `name`'s record at `node` where it is (ufs_dirrewrite): the target of a
    /// rename keeps its place.
    pub fn replace(&mut self, name: &[u8], node: Arc<Inode>) -> Option<Arc<Inode>> {
        let at = *self.names.get(name)?;
        let entry = self.entries.get_mut(&at)?;
        Some(core::mem::replace(&mut entry.1, node))
    }

    /// Takes `name` out: its room joins the record before it, or its block's unused
    /// first record.
    pub fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        let at = self.names.remove(name)?;
        let (name, node) = self.entries.remove(&at)?;
        let block = (at / DIRBLKSIZ) as usize;
        // A removed directory has no blocks (and refuses changes before this).
        if let Some(&free) = self.free.get(block) {
            self.set_free(block, free + record_len(name.len()) as u16);
        }
        Some(node)
    }

    /// Moves the live records of `start..start + span` (all in one block) together from
    /// `start` on, as ufs_direnter compacts them; where the new record goes.
    fn pack(&mut self, start: u64, span: u64) -> u64 {
        // ".." may lead the range (never "."); it is where it belongs and stays.
        let mut next = if start == DOT_DOT_OFFSET {
            FIRST_ENTRY_OFFSET
        } else {
            start
        };
        // Records already packed stay (the common case: the room is the first record's).
        for (&at, (name, _)) in self.entries.range(start..start + span) {
            if at != next {
                break;
            }
            next += record_len(name.len());
        }
        let moving: Vec<u64> = self
            .entries
            .range(next..start + span)
            .map(|(&at, _)| at)
            .collect();
        for at in moving {
            let (name, node) = self.entries.remove(&at).expect("listed just now");
            let len = record_len(name.len());
            *self.names.get_mut(&name).expect("every entry is named") = next;
            self.entries.insert(next, (name, node));
            next += len;
        }
        next
    }

    /// Where the last block with a live record ends (block 0 always has ".").
    fn end_of_used_blocks(&self) -> u64 {
        let kept = self
            .free
            .iter()
            .rposition(|&f| u64::from(f) != DIRBLKSIZ)
            .map_or(1, |i| i + 1);
        kept as u64 * DIRBLKSIZ
    }

    /// ufs_lookup's linear search for room: the first record with room enough on its
    /// own, or else the first run of records in one block whose rooms add up.
    fn room_by_scan(&self, needed: u64) -> Option<Room> {
        #[derive(PartialEq)]
        enum Found {
            None,
            Compact,
            Whole,
        }
        let mut found = Found::None;
        let (mut start, mut span, mut gathered) = (None, 0, 0);
        for block in 0..self.free.len() as u64 {
            if found == Found::None {
                start = None;
                gathered = 0;
            }
            // A block with less room than that has no record or run of records with
            // enough: the search finds nothing in it (and restarts after it).
            if u64::from(self.free[block as usize]) < needed {
                continue;
            }
            for slot in self.block_slots(block) {
                let room = slot.reclen - slot.used;
                if found != Found::Whole && room > 0 {
                    if room >= needed {
                        found = Found::Whole;
                        start = Some(slot.offset);
                        span = slot.reclen;
                    } else if found == Found::None {
                        gathered += room;
                        let first = *start.get_or_insert(slot.offset);
                        if gathered >= needed {
                            found = Found::Compact;
                            span = slot.offset + slot.reclen - first;
                        }
                    }
                }
            }
        }
        // Past the last live record: a block's last record runs to its end, so that is
        // the end of the last block with anything in it.
        let end_useful = self.end_of_used_blocks();
        if found == Found::None {
            return None;
        }
        let start = start?;
        Some(Room {
            start,
            span,
            end: end_useful.max(start + span).next_multiple_of(DIRBLKSIZ),
        })
    }

    /// 4.x's dirhash search (ufsdirhash_findfree): the block in the smallest class of
    /// free space that fits (the first such block), its records from the first with
    /// room until they have enough.
    fn room_by_dirhash(&self, needed: u64) -> Option<Room> {
        let words = needed.div_ceil(4) as usize;
        // The smallest class that fits, and its lowest block (`insert` made the index).
        let classes = self.classes.as_ref()?;
        let block = u64::from(classes[words..].iter().find_map(|c| c.first().copied())?);
        let mut slots = self
            .block_slots(block)
            .skip_while(|s| s.used != 0 && s.reclen == s.used);
        let start = slots.next()?;
        let mut gathered = start.reclen - start.used;
        let mut stop = start.offset + start.reclen;
        for slot in slots {
            if gathered >= needed {
                break;
            }
            gathered += slot.reclen - slot.used;
            stop = slot.offset + slot.reclen;
        }
        let start = start.offset;
        // ufsdirhash_enduseful: past the last block with anything in it, when the last
        // block is empty; else the whole directory.
        let end_useful = self.end_of_used_blocks();
        Some(Room {
            start,
            span: stop - start,
            end: end_useful.max(stop).next_multiple_of(DIRBLKSIZ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::tmpfs::{self, Kind};

    /// A directory as raw UFS blocks, changed byte by byte as 4.x's ufs_lookup,
    /// ufs_direnter, ufs_dirremove and ufs_dirhash.c change theirs: what DirData's
    /// offsets and free counts must agree with.
    struct Raw {
        bytes: Vec<u8>,
    }

    impl Raw {
        fn new() -> Raw {
            let mut raw = Raw {
                bytes: alloc::vec![0; DIRBLKSIZ as usize],
            };
            raw.put(0, 1, 12, b".");
            raw.put(12, 1, 500, b"..");
            raw
        }

        fn ino(&self, at: usize) -> u32 {
            u32::from_le_bytes(self.bytes[at..at + 4].try_into().unwrap())
        }

        fn reclen(&self, at: usize) -> usize {
            usize::from(u16::from_le_bytes([self.bytes[at + 4], self.bytes[at + 5]]))
        }

        fn set_reclen(&mut self, at: usize, len: usize) {
            self.bytes[at + 4..at + 6].copy_from_slice(&(len as u16).to_le_bytes());
        }

        fn name(&self, at: usize) -> &[u8] {
            let len = usize::from(self.bytes[at + 7]);
            &self.bytes[at + 8..at + 8 + len]
        }

        /// DIRSIZ of the record at `at`.
        fn dirsiz(&self, at: usize) -> usize {
            record_len(self.name(at).len()) as usize
        }

        fn put(&mut self, at: usize, ino: u32, reclen: usize, name: &[u8]) {
            self.bytes[at..at + 4].copy_from_slice(&ino.to_le_bytes());
            self.set_reclen(at, reclen);
            self.bytes[at + 7] = name.len() as u8;
            self.bytes[at + 8..at + 8 + name.len()].copy_from_slice(name);
        }

        /// The records of the block at `start`.
        fn block(&self, start: usize) -> Vec<usize> {
            let mut out = Vec::new();
            let mut at = start;
            while at < start + DIRBLKSIZ as usize {
                out.push(at);
                at += self.reclen(at);
            }
            out
        }

        fn free_of_block(&self, start: usize) -> usize {
            let used: usize = self
                .block(start)
                .into_iter()
                .filter(|&r| self.ino(r) != 0)
                .map(|r| self.dirsiz(r))
                .sum();
            DIRBLKSIZ as usize - used
        }

        /// ufs_lookup's answer for a create: (slot offset, slot size, i_endoff), or
        /// None for "append a block".
        fn slot(&self, needed: usize) -> Option<(usize, usize, usize)> {
            let size = self.bytes.len();
            let blk = DIRBLKSIZ as usize;
            if size >= DIRHASH_MIN_SIZE as usize {
                let words = needed.div_ceil(4);
                let mut best: Option<(usize, usize)> = None;
                for b in 0..size / blk {
                    let class = (self.free_of_block(b * blk) / 4).min(FREE_CLASSES as usize);
                    if class >= words && best.is_none_or(|(c, _)| class < c) {
                        best = Some((class, b));
                    }
                }
                let (_, b) = best?;
                let recs = self.block(b * blk);
                let first = recs
                    .iter()
                    .position(|&r| self.ino(r) == 0 || self.reclen(r) > self.dirsiz(r))
                    .unwrap();
                let start = recs[first];
                let (mut free, mut i) = (0, first);
                while i < recs.len() && free < needed {
                    let r = recs[i];
                    free += self.reclen(r) - if self.ino(r) != 0 { self.dirsiz(r) } else { 0 };
                    i += 1;
                }
                let stop = recs.get(i).copied().unwrap_or((b + 1) * blk);
                let last = size / blk - 1;
                let useful = if self.free_of_block(last * blk) == blk {
                    let kept = (0..size / blk)
                        .rev()
                        .find(|&k| self.free_of_block(k * blk) != blk)
                        .map_or(0, |k| k + 1);
                    kept * blk
                } else {
                    size
                };
                return Some((start, stop - start, useful.max(stop).next_multiple_of(blk)));
            }
            let (mut status, mut slotoffset, mut slotsize, mut freespace) = (0, None, 0, 0);
            let mut enduseful = 0;
            let mut at = 0;
            while at < size {
                if status == 0 && at % blk == 0 {
                    slotoffset = None;
                    freespace = 0;
                }
                let reclen = self.reclen(at);
                if status != 2 {
                    let room = reclen
                        - if self.ino(at) != 0 {
                            self.dirsiz(at)
                        } else {
                            0
                        };
                    if room > 0 {
                        if room >= needed {
                            status = 2;
                            slotoffset = Some(at);
                            slotsize = reclen;
                        } else if status == 0 {
                            freespace += room;
                            let first = *slotoffset.get_or_insert(at);
                            if freespace >= needed {
                                status = 1;
                                slotsize = at + reclen - first;
                            }
                        }
                    }
                }
                at += reclen;
                if self.ino(at - reclen) != 0 {
                    enduseful = at;
                }
            }
            if status == 0 {
                return None;
            }
            let start = slotoffset.unwrap();
            Some((
                start,
                slotsize,
                enduseful.max(start + slotsize).next_multiple_of(blk),
            ))
        }

        fn enter(&mut self, name: &[u8]) {
            let needed = record_len(name.len()) as usize;
            let Some((start, span, endoff)) = self.slot(needed) else {
                let at = self.bytes.len();
                self.bytes.resize(at + DIRBLKSIZ as usize, 0);
                self.put(at, 7, DIRBLKSIZ as usize, name);
                return;
            };
            let mut ep = start;
            let mut dsize = if self.ino(ep) != 0 {
                self.dirsiz(ep)
            } else {
                0
            };
            let mut spacefree = self.reclen(ep) - dsize;
            let mut loc = self.reclen(ep);
            while loc < span {
                let nep = start + loc;
                let (nreclen, nsize) = (self.reclen(nep), self.dirsiz(nep));
                self.set_reclen(ep, dsize);
                ep += dsize;
                loc += nreclen;
                spacefree += nreclen - nsize;
                self.bytes.copy_within(nep..nep + nsize, ep);
                dsize = nsize;
            }
            if self.ino(ep) == 0 {
                self.put(ep, 7, spacefree + dsize, name);
            } else {
                self.set_reclen(ep, dsize);
                self.put(ep + dsize, 7, spacefree, name);
            }
            if endoff < self.bytes.len() {
                self.bytes.truncate(endoff);
            }
        }

        fn remove(&mut self, name: &[u8]) {
            let blk = DIRBLKSIZ as usize;
            for b in 0..self.bytes.len() / blk {
                let recs = self.block(b * blk);
                for (i, &r) in recs.iter().enumerate() {
                    if self.ino(r) != 0 && self.name(r) == name {
                        if i == 0 {
                            self.bytes[r..r + 4].fill(0);
                        } else {
                            let prev = recs[i - 1];
                            let grown = self.reclen(prev) + self.reclen(r);
                            self.set_reclen(prev, grown);
                        }
                        return;
                    }
                }
            }
            panic!("no {name:?} to remove");
        }

        /// Every live entry but "." and "..", by offset.
        fn live(&self) -> Vec<(u64, Vec<u8>)> {
            let mut out = Vec::new();
            for b in 0..self.bytes.len() / DIRBLKSIZ as usize {
                for r in self.block(b * DIRBLKSIZ as usize) {
                    if self.ino(r) != 0 && r >= FIRST_ENTRY_OFFSET as usize {
                        out.push((r as u64, self.name(r).to_vec()));
                    }
                }
            }
            out
        }
    }

    fn live(d: &DirData) -> Vec<(u64, Vec<u8>)> {
        d.entries
            .iter()
            .map(|(&at, (n, _))| (at, n.clone()))
            .collect()
    }

    #[test]
    fn random_creates_and_removes_agree_with_raw_blocks() {
        let node = tmpfs::make(1, 0o644, 0, 0, Kind::Regular);
        // Names of lengths 1 to 40, and a few of 255, so records of every size meet.
        let pool: Vec<Vec<u8>> = (0..400u32)
            .map(|i| {
                let len = if i % 97 == 0 {
                    255
                } else {
                    1 + (i * 7 % 40) as usize
                };
                let mut n = alloc::format!("{i}").into_bytes();
                n.resize(len.max(n.len()), b'a' + (i % 26) as u8);
                n
            })
            .collect();
        let mut d = DirData::default();
        let mut raw = Raw::new();
        let mut present: Vec<usize> = Vec::new();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut grew_past_dirhash = false;
        for step in 0..6000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = (seed >> 33) as usize;
            // Grow for a while, then shrink, then grow again.
            let grow = match step / 1500 {
                0 | 2 => r % 10 < 7,
                _ => r % 10 < 3,
            };
            if grow || present.is_empty() {
                let Some(i) = (0..pool.len())
                    .map(|k| (r / 10 + k) % pool.len())
                    .find(|i| !present.contains(i))
                else {
                    continue;
                };
                d.insert(&pool[i], node.clone());
                raw.enter(&pool[i]);
                present.push(i);
            } else {
                let i = present.swap_remove(r / 10 % present.len());
                d.remove(&pool[i]);
                raw.remove(&pool[i]);
            }
            grew_past_dirhash |= d.size() >= DIRHASH_MIN_SIZE;
            assert_eq!(live(&d), raw.live(), "after step {step}");
            assert_eq!(d.size(), raw.bytes.len() as u64, "after step {step}");
            for b in 0..d.free.len() {
                assert_eq!(d.free[b] as usize, raw.free_of_block(b * 512), "block {b}");
            }
            // The class index, once made, holds each block once, in its class.
            if let Some(classes) = &d.classes {
                let mut indexed: Vec<(u32, usize)> = classes
                    .iter()
                    .enumerate()
                    .flat_map(|(c, blocks)| blocks.iter().map(move |&b| (b, c)))
                    .collect();
                indexed.sort();
                let wanted: Vec<(u32, usize)> = (0..d.free.len())
                    .map(|b| (b as u32, class_of(d.free[b])))
                    .collect();
                assert_eq!(indexed, wanted, "after step {step}");
            }
        }
        assert!(grew_past_dirhash);
    }
}
