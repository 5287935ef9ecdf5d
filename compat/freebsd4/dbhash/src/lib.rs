//! Berkeley DB 1.85 hash files (`dbopen(..., DB_HASH, ...)`), the format of 4.x's
//! `/etc/pwd.db` and `/etc/spwd.db`, written whole from a list of key/data pairs.
//!
//! The layout, as 4.4BSD's `lib/libc/db/hash` reads it (facts of the format, no code
//! of it): page 0 holds the header, every field a 32-bit big-endian word except the
//! sixteen-bit bitmap addresses, whatever the byte order of the pages (`lorder`).
//! Bucket `b` lives on page `b + hdrpages + spares[log2(b + 1) - 1]` (spares 0 below
//! the current split point, so page `b + 1` here), and the first overflow-page bitmap
//! on the page after the last bucket, as a fresh table puts it. A bucket page is an
//! array of 16-bit words in `lorder`: the entry count `n`, then `n` offsets (key
//! offset, data offset, per pair), the free byte count and the offset of the lowest
//! stored byte; the pairs fill the page from its end down, each key above its data,
//! so a key ends where the previous pair's data begins (the first at the page end).
//!
//! We choose the bucket count so every bucket fits its page and no table split or
//! overflow page is ever needed: pairs too big for a page are refused (a password
//! line is far below 4 KiB). The same input always gives the same bytes.
//!
//! `no_std` with `alloc`: the image builder writes 4.x's password databases with it,
//! and the FreeBSD-4 personality writes `/var/run/dev.db` at boot, as 4.x's
//! `dev_mkdb` did from `/etc/rc`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

/// `HASHMAGIC` of `<db.h>`.
pub const MAGIC: u32 = 0x061561;
/// `HASHVERSION` of `<db.h>`.
pub const VERSION: u32 = 2;
/// Little-endian pages, as written on i386.
pub const LORDER_LITTLE: u32 = 1234;
/// The string whose hash the header keeps, to detect a different hash function; the
/// library hashes it with its terminating NUL.
pub const CHARKEY: &[u8] = b"%$sniglet^&\0";

/// 4.x `pwd_mkdb`'s bucket size, fill factor and expected element count (its
/// `openinfo`; 256 at fill factor 32: eight buckets to begin with).
pub const PWD_BSIZE: u32 = 4096;
pub const PWD_FFACTOR: u32 = 32;
pub const PWD_NELEM: u32 = 256;
/// The library's defaults (`DEF_FFACTOR`, one element), which a `dbopen` without
/// `openinfo` (`dev_mkdb`'s) gets; its bucket size is then the file's `st_blksize`.
pub const DEFAULT_FFACTOR: u32 = 65536;
pub const DEFAULT_NELEM: u32 = 1;

/// The most buckets (as a power of two) a table is given before the writer gives up.
pub const MAX_BUCKETS_LOG2: u32 = 20;

const HEADER_LEN: usize = 17 * 4 + NCACHED * 4 + NCACHED * 2;
const NCACHED: usize = 32;
/// Offsets below this in a pair's second word mark overflow or big-pair entries.
const REAL_KEY: u16 = 4;
const SPLITSHIFT: u32 = 11;
/// `DEF_SEGSIZE` / `DEF_DIRSIZE` and their shift.
const SEGSIZE: u32 = 256;
const SEGSHIFT: u32 = 8;
const DIRSIZE: u32 = 256;

/// One key and its data.
pub type Pair = (Vec<u8>, Vec<u8>);

/// A pair as the writer handles it.
type Slices<'a> = (&'a [u8], &'a [u8]);

/// Why a table cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A pair needs more than a page (big pairs are not written).
    PairTooBig { key: Vec<u8> },
    /// The same key twice.
    DuplicateKey(Vec<u8>),
    /// A bucket size that is not a power of two in 512..=32768.
    BadBucketSize(u32),
    /// Keys whose hashes agree in more low bits than a table of [`MAX_BUCKETS_LOG2`]
    /// can tell apart would need overflow pages, which are not written.
    TooCrowded,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::PairTooBig { key } => {
                write!(
                    f,
                    "pair with key {:?} does not fit a page",
                    String::from_utf8_lossy(key)
                )
            }
            Error::DuplicateKey(key) => {
                write!(f, "duplicate key {:?}", String::from_utf8_lossy(key))
            }
            Error::BadBucketSize(bsize) => write!(f, "bucket size {bsize} is not allowed"),
            Error::TooCrowded => write!(f, "too many keys share a bucket"),
        }
    }
}

impl core::error::Error for Error {}

/// The library's default hash (`__default_hash`, Chris Torek's: h = h * 33 + byte).
pub fn hash(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |h, &b| {
        h.wrapping_shl(5).wrapping_add(h).wrapping_add(u32::from(b))
    })
}

/// Bytes a pair takes on a page: two offsets, the key and the data.
fn pair_size(key: &[u8], data: &[u8]) -> usize {
    4 + key.len() + data.len()
}

/// Room on an empty page: the page less `n`, free, offset and the two words an
/// overflow entry would need (the library refuses a pair that leaves no room for it).
fn empty_room(bsize: usize) -> usize {
    bsize - 3 * 2 - 2 * 2
}

/// Writes a hash table of `pairs` (in this order within each bucket) with bucket size
/// `bsize` (a power of two, 512..=32768) and fill factor `ffactor`, at least as many
/// buckets as the library's `init_htab` makes for `nelem` elements.
pub fn write<K: AsRef<[u8]>, D: AsRef<[u8]>>(
    pairs: &[(K, D)],
    bsize: u32,
    ffactor: u32,
    nelem: u32,
) -> Result<Vec<u8>, Error> {
    if !bsize.is_power_of_two() || !(512..=32768).contains(&bsize) {
        return Err(Error::BadBucketSize(bsize));
    }
    let pairs: Vec<Slices<'_>> = pairs
        .iter()
        .map(|(k, d)| (k.as_ref(), d.as_ref()))
        .collect();
    let mut seen = BTreeSet::new();
    for &(key, data) in &pairs {
        if !seen.insert(key) {
            return Err(Error::DuplicateKey(key.to_vec()));
        }
        if pair_size(key, data) > empty_room(bsize as usize) {
            return Err(Error::PairTooBig { key: key.to_vec() });
        }
    }
    let nkeys = pairs.len() as u32;
    let ffactor = ffactor.max(1);
    // init_htab: (nelem - 1) / ffactor + 1 buckets, rounded up to a power of two, two
    // at least.
    let initial = (nelem.max(1) - 1) / ffactor + 1;
    let mut l2 = initial.max(2).next_power_of_two().trailing_zeros();
    while nkeys.div_ceil(1 << l2) > ffactor {
        l2 += 1;
    }
    while l2 <= MAX_BUCKETS_LOG2 {
        if let Some(buckets) = fill(&pairs, l2, bsize as usize) {
            return Ok(assemble(&buckets, l2, bsize, ffactor, nkeys));
        }
        l2 += 1;
    }
    Err(Error::TooCrowded)
}

/// Distributes `pairs` over `2^l2` buckets; `None` when one overflows its page.
fn fill<'a>(pairs: &[Slices<'a>], l2: u32, bsize: usize) -> Option<Vec<Vec<Slices<'a>>>> {
    let nbuckets = 1usize << l2;
    let mut buckets: Vec<Vec<Slices<'a>>> = vec![Vec::new(); nbuckets];
    let mut used = vec![0usize; nbuckets];
    for &pair in pairs {
        let b = (hash(pair.0) & (nbuckets as u32 - 1)) as usize;
        used[b] += pair_size(pair.0, pair.1);
        if used[b] > empty_room(bsize) {
            return None;
        }
        buckets[b].push(pair);
    }
    Some(buckets)
}

fn assemble(buckets: &[Vec<Slices<'_>>], l2: u32, bsize: u32, ffactor: u32, nkeys: u32) -> Vec<u8> {
    let nbuckets = 1u32 << l2;
    let bs = bsize as usize;
    let mut out = vec![0u8; bs * (nbuckets as usize + 2)];
    out[..HEADER_LEN].copy_from_slice(&header(l2, bsize, ffactor, nkeys));
    for (b, pairs) in buckets.iter().enumerate() {
        let page = &mut out[(b + 1) * bs..(b + 2) * bs];
        bucket_page(page, pairs);
    }
    let bitmap = &mut out[(nbuckets as usize + 1) * bs..];
    bitmap_page(bitmap, l2 + 1);
    out
}

/// The header of a table of `2^l2` buckets, as a fresh table of that size has it.
fn header(l2: u32, bsize: u32, ffactor: u32, nkeys: u32) -> Vec<u8> {
    let nbuckets = 1u32 << l2;
    let mut spares = [0u32; NCACHED];
    spares[l2 as usize] = l2 + 1;
    spares[l2 as usize + 1] = l2 + 1;
    let mut bitmaps = [0u16; NCACHED];
    bitmaps[0] = ((l2 << SPLITSHIFT) + 1) as u16;
    let words = [
        MAGIC,
        VERSION,
        LORDER_LITTLE,
        bsize,
        bsize.trailing_zeros(),
        DIRSIZE,
        SEGSIZE,
        SEGSHIFT,
        l2,                  // ovfl_point
        2,                   // last_freed
        nbuckets - 1,        // max_bucket
        (nbuckets << 1) - 1, // high_mask
        nbuckets - 1,        // low_mask
        ffactor,
        nkeys,
        1, // hdrpages: the header fits one page
        hash(CHARKEY),
    ];
    let mut h = Vec::with_capacity(HEADER_LEN);
    for w in words.iter().chain(spares.iter()) {
        h.extend_from_slice(&w.to_be_bytes());
    }
    for m in bitmaps {
        h.extend_from_slice(&m.to_be_bytes());
    }
    h
}

fn put16(page: &mut [u8], index: usize, value: u16) {
    page[index * 2..index * 2 + 2].copy_from_slice(&value.to_le_bytes());
}

fn bucket_page(page: &mut [u8], pairs: &[Slices<'_>]) {
    let mut off = page.len();
    let mut n = 0usize;
    for &(key, data) in pairs {
        off -= key.len();
        page[off..off + key.len()].copy_from_slice(key);
        n += 1;
        put16(page, n, off as u16);
        off -= data.len();
        page[off..off + data.len()].copy_from_slice(data);
        n += 1;
        put16(page, n, off as u16);
    }
    put16(page, 0, n as u16);
    put16(page, n + 1, (off - (n + 3) * 2) as u16);
    put16(page, n + 2, off as u16);
}

/// The first overflow bitmap: bits below `nbits` clear but bit 0 (the bitmap page
/// itself), all others set, in 32-bit little-endian words.
fn bitmap_page(page: &mut [u8], nbits: u32) {
    page.fill(0xff);
    let first = (u32::MAX.checked_shl(nbits % 32).unwrap_or(0)) | 1;
    page[..4].copy_from_slice(&first.to_le_bytes());
}

/// A table read back by the library's lookup algorithm (for tests and checks).
#[derive(Debug)]
pub struct Table<'a> {
    bytes: &'a [u8],
    bsize: usize,
    max_bucket: u32,
    high_mask: u32,
    low_mask: u32,
    hdrpages: u32,
    spares: [u32; NCACHED],
}

fn be32(bytes: &[u8], word: usize) -> Option<u32> {
    let b = bytes.get(word * 4..word * 4 + 4)?;
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

impl<'a> Table<'a> {
    /// Checks the header as `dbopen` does (magic, version, the hash of [`CHARKEY`]).
    pub fn open(bytes: &'a [u8]) -> Option<Self> {
        if be32(bytes, 0)? != MAGIC
            || be32(bytes, 1)? != VERSION
            || be32(bytes, 2)? != LORDER_LITTLE
        {
            return None;
        }
        if be32(bytes, 16)? != hash(CHARKEY) {
            return None;
        }
        let mut spares = [0u32; NCACHED];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = be32(bytes, 17 + i)?;
        }
        Some(Table {
            bytes,
            bsize: be32(bytes, 3)? as usize,
            max_bucket: be32(bytes, 10)?,
            high_mask: be32(bytes, 11)?,
            low_mask: be32(bytes, 12)?,
            hdrpages: be32(bytes, 15)?,
            spares,
        })
    }

    fn bucket_page(&self, bucket: u32) -> Option<&'a [u8]> {
        let spare = if bucket == 0 {
            0
        } else {
            let log2 = (bucket + 1).next_power_of_two().trailing_zeros();
            *self.spares.get(log2 as usize - 1)?
        };
        let page = (bucket + self.hdrpages + spare) as usize;
        self.bytes.get(page * self.bsize..(page + 1) * self.bsize)
    }

    /// The pairs of one bucket page; `None` if it holds overflow or big entries.
    fn pairs(&self, page: &'a [u8]) -> Option<Vec<(&'a [u8], &'a [u8])>> {
        let word = |i: usize| -> Option<u16> {
            Some(u16::from_le_bytes(
                page.get(i * 2..i * 2 + 2)?.try_into().ok()?,
            ))
        };
        let n = usize::from(word(0)?);
        let mut end = self.bsize;
        let mut out = Vec::new();
        for i in (1..n).step_by(2) {
            let (k, d) = (usize::from(word(i)?), word(i + 1)?);
            if d < REAL_KEY {
                return None;
            }
            let d = usize::from(d);
            out.push((page.get(k..end)?, page.get(d..k)?));
            end = d;
        }
        Some(out)
    }

    /// The data stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&'a [u8]> {
        let mut bucket = hash(key) & self.high_mask;
        if bucket > self.max_bucket {
            bucket &= self.low_mask;
        }
        let pairs = self.pairs(self.bucket_page(bucket)?)?;
        pairs.into_iter().find(|(k, _)| *k == key).map(|(_, d)| d)
    }

    /// Every pair, bucket by bucket (the order of `seq`).
    pub fn iter(&self) -> Option<Vec<(&'a [u8], &'a [u8])>> {
        let mut out = Vec::new();
        for b in 0..=self.max_bucket {
            out.extend(self.pairs(self.bucket_page(b)?)?);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(n: usize, data_len: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n)
            .map(|i| {
                (
                    format!("key{i}").into_bytes(),
                    vec![b'a' + (i % 26) as u8; data_len + i % 7],
                )
            })
            .collect()
    }

    #[test]
    fn the_hash_is_torek_times_33() {
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"a"), 97);
        assert_eq!(hash(b"ab"), 97 * 33 + 98);
        // Long enough to wrap, and the header's check value is that of CHARKEY.
        let mut h = 0u32;
        for &b in CHARKEY {
            h = h.wrapping_mul(33).wrapping_add(u32::from(b));
        }
        assert_eq!(hash(CHARKEY), h);
    }

    #[test]
    fn the_header_is_big_endian_and_complete() {
        let db = write(&pairs(10, 20), PWD_BSIZE, PWD_FFACTOR, PWD_NELEM).unwrap();
        assert_eq!(&db[..4], &[0x00, 0x06, 0x15, 0x61]);
        assert_eq!(&db[4..8], &2u32.to_be_bytes());
        assert_eq!(&db[8..12], &1234u32.to_be_bytes());
        assert_eq!(&db[12..16], &4096u32.to_be_bytes());
        assert_eq!(&db[16..20], &12u32.to_be_bytes());
        // Eight buckets: max 7, masks 15/7, spares[3] = spares[4] = 4, bitmap at 3<<11|1.
        assert_eq!(be32(&db, 10), Some(7));
        assert_eq!(be32(&db, 11), Some(15));
        assert_eq!(be32(&db, 12), Some(7));
        assert_eq!(be32(&db, 14), Some(10));
        assert_eq!(be32(&db, 17 + 3), Some(4));
        assert_eq!(be32(&db, 17 + 4), Some(4));
        let bitmaps = 17 * 4 + 32 * 4;
        assert_eq!(&db[bitmaps..bitmaps + 2], &((3u16 << 11) | 1).to_be_bytes());
        // Header page, eight buckets, the bitmap page.
        assert_eq!(db.len(), 4096 * 10);
        assert_eq!(
            &db[4096 * 9..4096 * 9 + 8],
            &[0xf1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn every_pair_reads_back_and_nothing_else() {
        let input = pairs(300, 60);
        let db = write(&input, PWD_BSIZE, PWD_FFACTOR, PWD_NELEM).unwrap();
        let t = Table::open(&db).unwrap();
        for (k, d) in &input {
            assert_eq!(
                t.get(k),
                Some(d.as_slice()),
                "{}",
                String::from_utf8_lossy(k)
            );
        }
        assert_eq!(t.get(b"key300"), None);
        assert_eq!(t.get(b""), None);
        let mut all: Vec<_> = t
            .iter()
            .unwrap()
            .into_iter()
            .map(|(k, d)| (k.to_vec(), d.to_vec()))
            .collect();
        let mut expected = input.clone();
        all.sort();
        expected.sort();
        assert_eq!(all, expected);
        // 300 keys at fill factor 32 need 16 buckets.
        assert!(be32(&db, 10).unwrap() >= 15);
    }

    #[test]
    fn crowded_buckets_double_the_table() {
        // 40 pairs of ~700 bytes: 8 buckets of 4 KiB cannot hold them.
        let input = pairs(40, 700);
        let db = write(&input, PWD_BSIZE, PWD_FFACTOR, PWD_NELEM).unwrap();
        let t = Table::open(&db).unwrap();
        assert!(be32(&db, 10).unwrap() >= 15);
        for (k, d) in &input {
            assert_eq!(t.get(k), Some(d.as_slice()));
        }
    }

    #[test]
    fn nelem_sets_the_starting_size_as_init_htab_does() {
        let one = vec![(b"k".to_vec(), b"d".to_vec())];
        // dev_mkdb's defaults: one element at fill factor 65536, two buckets (page 0
        // header, pages 1 and 2 buckets, page 3 the bitmap).
        let db = write(&one, 512, DEFAULT_FFACTOR, DEFAULT_NELEM).unwrap();
        assert_eq!(
            (be32(&db, 10), be32(&db, 11), be32(&db, 12)),
            (Some(1), Some(3), Some(1))
        );
        assert_eq!(db.len(), 512 * 4);
        assert_eq!(Table::open(&db).unwrap().get(b"k"), Some(&b"d"[..]));
        // 1000 elements at fill factor 32: 32 buckets.
        let db = write(&one, 512, 32, 1000).unwrap();
        assert_eq!(be32(&db, 10), Some(31));
    }

    #[test]
    fn bucket_pages_have_the_documented_layout() {
        let input = vec![(b"k".to_vec(), b"dd".to_vec())];
        let db = write(&input, 512, 8, 64).unwrap();
        let b = (hash(b"k") & 7) as usize;
        let page = &db[(b + 1) * 512..(b + 2) * 512];
        let w = |i: usize| u16::from_le_bytes([page[i * 2], page[i * 2 + 1]]);
        // n = 2, key at 511, data at 509, free = 509 - 5 words, offset 509.
        assert_eq!((w(0), w(1), w(2), w(3), w(4)), (2, 511, 509, 499, 509));
        assert_eq!(&page[509..], b"ddk");
        // An empty bucket.
        let e = (b + 1) % 8;
        let page = &db[(e + 1) * 512..(e + 2) * 512];
        assert_eq!(&page[..6], &[0, 0, 0xfa, 0x01, 0x00, 0x02]);
    }

    #[test]
    fn refusals_and_determinism() {
        assert!(matches!(
            write(&[(b"k".to_vec(), vec![0; 4096])], 4096, 32, 1),
            Err(Error::PairTooBig { .. })
        ));
        let dup = vec![
            (b"k".to_vec(), b"1".to_vec()),
            (b"k".to_vec(), b"2".to_vec()),
        ];
        assert_eq!(
            write(&dup, 4096, 32, 1),
            Err(Error::DuplicateKey(b"k".to_vec()))
        );
        let input = pairs(50, 30);
        assert_eq!(write(&input, 4096, 32, 1), write(&input, 4096, 32, 1));
        assert_eq!(write(&input, 4000, 32, 1), Err(Error::BadBucketSize(4000)));
        assert_eq!(write(&input, 256, 32, 1), Err(Error::BadBucketSize(256)));
        // "Ab" and "BA" hash alike (65 * 33 + 98 = 66 * 33 + 65), as do all
        // concatenations of them: enough of those fill a page whatever the table size.
        let colliding: Vec<Pair> = (0..64u32)
            .map(|i| {
                let key: Vec<u8> = (0..6)
                    .flat_map(|bit| if i >> bit & 1 == 1 { *b"Ab" } else { *b"BA" })
                    .collect();
                (key, vec![b'x'; 40])
            })
            .collect();
        assert_eq!(hash(&colliding[0].0), hash(&colliding[63].0));
        assert_eq!(write(&colliding, 512, 8, 1), Err(Error::TooCrowded));
        assert!(Table::open(b"not a table").is_none());
    }
}
