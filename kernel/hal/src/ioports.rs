//! I/O-port permissions of user code: the TSS's I/O permission bitmap.
//!
//! A process that was given ports (FreeBSD's `i386_set_ioperm`, root only) owns an
//! [`IoBitmap`]; while it runs, the TSS holds a copy, so its `in` and `out` on those
//! ports run without entering the kernel and any other port faults (#GP), as before.
//! Every other process runs with the TSS's map base past the segment's end: no map, so
//! every I/O instruction faults (IOPL stays 0 for all user code).

use alloc::boxed::Box;
use alloc::vec::Vec;

/// Ports a map covers: all 65536.
pub const PORTS: usize = 65536;
/// The map's bytes (one bit per port; a set bit denies the port).
pub const MAP_BYTES: usize = PORTS / 8;

/// One process's map.
#[derive(Debug)]
pub struct IoBitmap {
    bits: Box<[u8]>,
}

impl IoBitmap {
    /// A map that allows no port; None when the heap cannot give it.
    pub fn new() -> Option<IoBitmap> {
        let mut bits = Vec::new();
        bits.try_reserve_exact(MAP_BYTES).ok()?;
        bits.resize(MAP_BYTES, 0xff);
        Some(IoBitmap {
            bits: bits.into_boxed_slice(),
        })
    }

    /// Whether user code may use `port`.
    pub fn allows(&self, port: usize) -> bool {
        port < PORTS && self.bits[port / 8] & (1 << (port % 8)) == 0
    }

    /// Allows or denies `ports` (clipped to the map); a loaded map changes at once.
    pub fn set(&mut self, ports: core::ops::Range<usize>, allow: bool) {
        for port in ports.start.min(PORTS)..ports.end.min(PORTS) {
            let bit = 1 << (port % 8);
            if allow {
                self.bits[port / 8] &= !bit;
            } else {
                self.bits[port / 8] |= bit;
            }
        }
        if crate::gdt::io_map_is(self.bits.as_ptr()) {
            crate::gdt::load_io_map(Some(&self.bits));
        }
    }
}

impl Drop for IoBitmap {
    fn drop(&mut self) {
        if crate::gdt::io_map_is(self.bits.as_ptr()) {
            crate::gdt::load_io_map(None);
        }
    }
}

/// Makes `map` the one user code runs with (None: no port at all). Copies the map into
/// the TSS only when another map (or none) was there. Inline: every return to user
/// mode asks, and nearly always nothing changes.
#[inline]
pub fn load(map: Option<&IoBitmap>) {
    let wanted = map.map_or(0, |m| m.bits.as_ptr() as u64);
    if crate::gdt::io_map_owner() != wanted {
        crate::gdt::load_io_map(map.map(|m| &m.bits[..]));
    }
}
