//! `/var/run/dev.db` of the 4.x view: device names by number, which 4.x's devname(3)
//! reads before it asks kern.devname. 4.x's `/etc/rc` wrote it at boot with
//! `dev_mkdb`; the personality writes it when it starts, from /dev as it is then. A
//! 4.x libc that finds no file prints a warning on every program's first devname
//! (ps: "warning: /var/run/dev.db: No such file or directory"), which a FreeBSD box
//! never shows.

use crate::fb;
use alloc::vec::Vec;
use nymph_dbhash as dbhash;
use nymph_kernel::vfs::{self, FsContext, OpenFlags};

/// Where a 4.x process's /var/run/dev.db is.
const DIR: &[u8] = b"/compat/freebsd4/var/run";
const PATH: &[u8] = b"/compat/freebsd4/var/run/dev.db";

/// dev_mkdb's key: i386's `struct { mode_t type; dev_t dev; }`, a 16-bit file type
/// (`mode & S_IFMT`), two bytes of padding (zero: devname clears the key it looks
/// up), then the 32-bit device number, little-endian.
pub(crate) fn key(file_type: u16, number: u32) -> [u8; 8] {
    let mut key = [0u8; 8];
    key[..2].copy_from_slice(&file_type.to_le_bytes());
    key[4..].copy_from_slice(&number.to_le_bytes());
    key
}

/// The table's bytes for character devices given as name and number: each name
/// stored with its terminating NUL (dev_mkdb stores it so that callers need not add
/// one). A number a 4.x `dev_t` cannot hold is left out; for a number with two names
/// the first is kept, the name kern.devname gives. dev_mkdb opens the table with the
/// library's defaults, whose bucket size is the new file's st_blksize (a UFS block,
/// crate::ufsgeom). Written at every boot, so without an allocation per device
/// (each costs the kernel heap some 300 instructions): the names and their NULs go
/// into one buffer the pairs point into.
pub(crate) fn table(devices: &[(Vec<u8>, u64)]) -> Result<Vec<u8>, dbhash::Error> {
    let mut names = Vec::with_capacity(devices.iter().map(|(n, _)| n.len() + 1).sum());
    let mut entries: Vec<([u8; 8], usize, usize)> = Vec::with_capacity(devices.len());
    for (name, number) in devices {
        let Ok(number) = u32::try_from(*number) else {
            continue;
        };
        let key = key(fb::consts::S_IFCHR as u16, number);
        if entries.iter().any(|(have, ..)| *have == key) {
            continue;
        }
        let start = names.len();
        names.extend_from_slice(name);
        names.push(0);
        entries.push((key, start, names.len()));
    }
    let pairs: Vec<(&[u8], &[u8])> = entries
        .iter()
        .map(|(key, start, end)| (&key[..], &names[*start..*end]))
        .collect();
    dbhash::write(
        &pairs,
        crate::ufsgeom::BLOCK as u32,
        dbhash::DEFAULT_FFACTOR,
        dbhash::DEFAULT_NELEM,
    )
}

/// Writes /var/run/dev.db of the 4.x view from /dev (making /var/run if the image
/// has none), mode 0644 as dev_mkdb leaves it. A failure is logged: devname still
/// works through kern.devname, only with 4.x libc's warning.
pub(crate) fn write_at_boot() {
    if let Err(e) = write(&FsContext::initial()) {
        log::warn!("FreeBSD-4 /var/run/dev.db not written: {e}");
    }
}

fn write(ctx: &FsContext) -> Result<(), alloc::string::String> {
    use alloc::format;
    let bytes = table(&vfs::devfs::character_devices()).map_err(|e| format!("{e}"))?;
    for dir in [
        &b"/compat"[..],
        b"/compat/freebsd4",
        b"/compat/freebsd4/var",
        DIR,
    ] {
        let _ = vfs::mkdir(ctx, None, dir, 0o755);
    }
    let flags = OpenFlags {
        write: true,
        create: true,
        truncate: true,
        ..OpenFlags::default()
    };
    let file = vfs::open(ctx, None, PATH, flags, 0o644).map_err(|e| format!("{e:?}"))?;
    let written = file.write(&bytes).map_err(|e| format!("{e:?}"))?;
    if written != bytes.len() {
        return Err(format!("{written} of {} bytes", bytes.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn keys_are_dev_mkdbs_struct() {
        // S_IFCHR 0o020000, padding, then /dev/null's 2 << 8 | 2.
        assert_eq!(key(0o020000, 0x202), [0x00, 0x20, 0, 0, 0x02, 0x02, 0, 0]);
    }

    #[test]
    fn every_device_is_found_by_its_number_with_a_nul() {
        let devices = vec![
            (b"console".to_vec(), 0),
            (b"null".to_vec(), 0x202),
            (b"ttyp0".to_vec(), 0x500),
            (b"other".to_vec(), 0x202),
            (b"huge".to_vec(), 1 << 40),
        ];
        let bytes = table(&devices).unwrap();
        let t = dbhash::Table::open(&bytes).unwrap();
        assert_eq!(t.get(&key(0o020000, 0)), Some(&b"console\0"[..]));
        assert_eq!(t.get(&key(0o020000, 0x202)), Some(&b"null\0"[..]));
        assert_eq!(t.get(&key(0o020000, 0x500)), Some(&b"ttyp0\0"[..]));
        // Not a block device, and nothing past 32 bits.
        assert_eq!(t.get(&key(0o060000, 0x202)), None);
        assert_eq!(t.iter().unwrap().len(), 3);
    }
}
