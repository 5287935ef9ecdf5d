//! The initrd format: cpio "newc" (SVR4 with no CRC), the one `cpio -H newc` and
//! `bsdcpio` read and write, so images can be listed and unpacked with standard tools.
//!
//! The reader borrows the archive and never panics on malformed input; the writer
//! produces archives in a fixed order with fixed times, so the same tree always gives
//! the same bytes. Both are `no_std` (the writer needs `alloc`): a `std` feature here
//! would be unified into the kernel image whenever the workspace builds host tools
//! and the kernel together.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

const MAGIC: &[u8; 6] = b"070701";
const HEADER_LEN: usize = 110;
const TRAILER: &[u8] = b"TRAILER!!!";

/// File type bits of `mode` (as in `st_mode`).
pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;

/// One member of an archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The path as stored, without a leading "./" or "/".
    pub name: &'a str,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
    /// The member's inode number: hard links to one file share it (and `nlink` > 1),
    /// their data carried by one of them (the last, as GNU cpio writes them).
    pub ino: u32,
    pub nlink: u32,
    /// File contents, or the target of a symlink.
    pub data: &'a [u8],
}

impl Entry<'_> {
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
}

/// What is wrong with an archive, and at which byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    BadMagic(usize),
    BadNumber(usize),
    Truncated(usize),
    BadName(usize),
    MissingTrailer,
}

/// Iterates over the members of an archive, stopping at the trailer.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    archive: &'a [u8],
    offset: usize,
    done: bool,
}

impl<'a> Reader<'a> {
    pub fn new(archive: &'a [u8]) -> Self {
        Reader {
            archive,
            offset: 0,
            done: false,
        }
    }
}

fn hex_field(header: &[u8], index: usize, at: usize) -> Result<u32, Error> {
    let start = 6 + index * 8;
    let digits = header.get(start..start + 8).ok_or(Error::Truncated(at))?;
    let text = core::str::from_utf8(digits).map_err(|_| Error::BadNumber(at + start))?;
    u32::from_str_radix(text, 16).map_err(|_| Error::BadNumber(at + start))
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|x| x & !3)
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Entry<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.read_one();
        match result {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<'a> Reader<'a> {
    fn read_one(&mut self) -> Result<Option<Entry<'a>>, Error> {
        let at = self.offset;
        let header = self
            .archive
            .get(at..at + HEADER_LEN)
            .ok_or(if at >= self.archive.len() {
                Error::MissingTrailer
            } else {
                Error::Truncated(at)
            })?;
        if &header[..6] != MAGIC {
            return Err(Error::BadMagic(at));
        }
        let ino = hex_field(header, 0, at)?;
        let mode = hex_field(header, 1, at)?;
        let uid = hex_field(header, 2, at)?;
        let gid = hex_field(header, 3, at)?;
        let nlink = hex_field(header, 4, at)?;
        let mtime = hex_field(header, 5, at)?;
        let file_size = hex_field(header, 6, at)? as usize;
        let name_size = hex_field(header, 11, at)? as usize;
        let name_start = at + HEADER_LEN;
        let name_end = name_start
            .checked_add(name_size)
            .ok_or(Error::Truncated(at))?;
        let raw_name = self
            .archive
            .get(name_start..name_end)
            .ok_or(Error::Truncated(name_start))?;
        let raw_name = match raw_name.split_last() {
            Some((0, rest)) => rest,
            _ => return Err(Error::BadName(name_start)),
        };
        let name = core::str::from_utf8(raw_name).map_err(|_| Error::BadName(name_start))?;
        let data_start = align4(name_end).ok_or(Error::Truncated(at))?;
        let data_end = data_start
            .checked_add(file_size)
            .ok_or(Error::Truncated(data_start))?;
        let data = self
            .archive
            .get(data_start..data_end)
            .ok_or(Error::Truncated(data_start))?;
        self.offset = align4(data_end).ok_or(Error::Truncated(data_end))?;
        if name.as_bytes() == TRAILER {
            return Ok(None);
        }
        let name = name.trim_start_matches("./").trim_start_matches('/');
        Ok(Some(Entry {
            name,
            mode,
            uid,
            gid,
            mtime,
            ino,
            nlink,
            data,
        }))
    }
}

/// A member's attributes as the writer stores them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// Including the file type bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Seconds since 1970; 0 for none.
    pub mtime: u32,
}

/// Builds an archive in memory.
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
    next_ino: u32,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: Vec::new(),
            next_ino: 1,
        }
    }

    fn header(&mut self, name: &str, meta: &Meta, ino: u32, nlink: u32, size: usize) {
        use core::fmt::Write;
        let mut h = String::with_capacity(HEADER_LEN);
        let fields = [
            ino,
            meta.mode,
            meta.uid,
            meta.gid,
            nlink,
            meta.mtime,
            size as u32,
            0,
            0,
            0,
            0,
            name.len() as u32 + 1,
            0,
        ];
        h.push_str("070701");
        for f in fields {
            let _ = write!(h, "{f:08x}");
        }
        self.out.extend_from_slice(h.as_bytes());
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    /// Adds a member with no modification time (the loader's own time stands).
    /// `mode` includes the file type bits.
    pub fn add(&mut self, name: &str, mode: u32, uid: u32, gid: u32, data: &[u8]) {
        let meta = Meta {
            mode,
            uid,
            gid,
            mtime: 0,
        };
        self.add_member(name, &meta, data);
    }

    /// Adds a member with the attributes in `meta`.
    pub fn add_member(&mut self, name: &str, meta: &Meta, data: &[u8]) {
        let nlink = if meta.mode & S_IFMT == S_IFDIR { 2 } else { 1 };
        let ino = self.take_ino();
        self.header(name, meta, ino, nlink, data.len());
        self.out.extend_from_slice(data);
        self.pad();
    }

    /// Adds one file under several names (hard links): one inode number and link
    /// count for all, the data with the last name, as GNU cpio writes them.
    pub fn add_hard_links(&mut self, names: &[&str], meta: &Meta, data: &[u8]) {
        let ino = self.take_ino();
        let nlink = names.len() as u32;
        for (i, name) in names.iter().enumerate() {
            let carried: &[u8] = if i + 1 == names.len() { data } else { b"" };
            self.header(name, meta, ino, nlink, carried.len());
            self.out.extend_from_slice(carried);
            self.pad();
        }
    }

    fn take_ino(&mut self) -> u32 {
        let ino = self.next_ino;
        self.next_ino += 1;
        ino
    }

    /// Writes the trailer and returns the archive.
    pub fn finish(mut self) -> Vec<u8> {
        let meta = Meta::default();
        self.header("TRAILER!!!", &meta, 0, 1, 0);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = Writer::new();
        w.add("bin", S_IFDIR | 0o755, 0, 0, b"");
        w.add("bin/echo", S_IFREG | 0o755, 0, 0, b"\x7fELF...");
        w.add("etc/motd", S_IFREG | 0o644, 1, 2, b"hello\n");
        w.add("bin/sh", S_IFLNK | 0o777, 0, 0, b"/bin/nsh");
        w.finish()
    }

    #[test]
    fn round_trip() {
        let archive = sample();
        let entries: Vec<Entry<'_>> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        assert_eq!(entries.len(), 4);
        assert!(entries[0].is_dir());
        assert_eq!(entries[1].name, "bin/echo");
        assert_eq!(entries[1].data, b"\x7fELF...");
        assert_eq!((entries[2].uid, entries[2].gid), (1, 2));
        assert!(entries[3].is_symlink());
        assert_eq!(entries[3].data, b"/bin/nsh");
    }

    #[test]
    fn deterministic() {
        assert_eq!(sample(), sample());
    }

    #[test]
    fn malformed_archives_give_errors_not_panics() {
        let archive = sample();
        for len in 0..archive.len() {
            let result: Result<Vec<_>, _> = Reader::new(&archive[..len]).collect();
            assert!(result.is_err(), "cut at {len} accepted");
        }
        let mut bad = archive.clone();
        bad[0] = b'x';
        assert_eq!(Reader::new(&bad).next(), Some(Err(Error::BadMagic(0))));
        let mut bad = archive.clone();
        bad[6 + 6 * 8] = b'z';
        assert!(matches!(
            Reader::new(&bad).next(),
            Some(Err(Error::BadNumber(_)))
        ));
        let mut bad = archive;
        // A file size beyond the archive.
        bad[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"7fffffff");
        assert!(matches!(
            Reader::new(&bad).next(),
            Some(Err(Error::Truncated(_)))
        ));
    }

    #[test]
    fn standard_cpio_can_list_it() {
        let archive = sample();
        let dir = std::env::temp_dir().join(format!("nymph-cpio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.cpio");
        std::fs::write(&path, &archive).unwrap();
        let Ok(out) = std::process::Command::new("cpio")
            .arg("-it")
            .stdin(std::fs::File::open(&path).unwrap())
            .output()
        else {
            // CI installs cpio; a developer machine without it skips this one check.
            assert!(std::env::var_os("CI").is_none(), "cpio(1) is missing in CI");
            eprintln!("cpio(1) not installed; listing check skipped");
            return;
        };
        let listing = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            listing.lines().collect::<Vec<_>>(),
            ["bin", "bin/echo", "etc/motd", "bin/sh"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hard_links_share_an_inode_and_standard_cpio_links_them() {
        let mut w = Writer::new();
        let meta = Meta {
            mode: S_IFREG | 0o555,
            uid: 0,
            gid: 7,
            mtime: 1_050_000_000,
        };
        w.add("bin", S_IFDIR | 0o755, 0, 0, b"");
        w.add_hard_links(&["bin/[", "bin/test"], &meta, b"test body");
        w.add_member("bin/other", &meta, b"x");
        let archive = w.finish();
        let entries: Vec<Entry<'_>> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        let (bracket, test, other) = (&entries[1], &entries[2], &entries[3]);
        assert_eq!(
            (bracket.ino, bracket.nlink, bracket.data),
            (test.ino, 2, &b""[..])
        );
        assert_eq!(
            (test.nlink, test.data, test.mtime),
            (2, &b"test body"[..], 1_050_000_000)
        );
        assert_ne!(other.ino, test.ino);
        assert_eq!((other.nlink, other.gid), (1, 7));

        let dir = std::env::temp_dir().join(format!("nymph-cpio-links-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let Ok(out) = std::process::Command::new("cpio")
            .args(["-idm", "--quiet"])
            .current_dir(&dir)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(&archive)?;
                child.wait_with_output()
            })
        else {
            assert!(std::env::var_os("CI").is_none(), "cpio(1) is missing in CI");
            eprintln!("cpio(1) not installed; extraction check skipped");
            return;
        };
        assert!(out.status.success());
        use std::os::unix::fs::MetadataExt;
        let a = std::fs::metadata(dir.join("bin/[")).unwrap();
        let b = std::fs::metadata(dir.join("bin/test")).unwrap();
        assert_eq!((a.ino(), a.nlink(), a.mtime()), (b.ino(), 2, 1_050_000_000));
        assert_eq!(std::fs::read(dir.join("bin/[")).unwrap(), b"test body");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
