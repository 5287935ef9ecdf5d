//! ELF64 executables assembled in memory, for in-kernel tests of exec and of the
//! personalities: `code` at 0x400000 (read + execute, entry at its start), a zeroed
//! read-write page at 0x600000, and optionally one note in a PT_NOTE segment.

use alloc::vec;
use alloc::vec::Vec;

/// Where the code is loaded and entered.
pub const CODE_BASE: u64 = 0x40_0000;
/// The zeroed data page.
pub const DATA_BASE: u64 = 0x60_0000;

const EHDR: usize = 64;
const PHDR: usize = 56;
const NOTE_OFFSET: usize = 0x200;
const CODE_OFFSET: u64 = 0x1000;

/// One ELF note: name (without NUL), type, descriptor.
#[derive(Clone, Copy, Debug)]
pub struct Note<'a> {
    pub name: &'a [u8],
    pub kind: u32,
    pub desc: &'a [u8],
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

/// Builds the image; `osabi` goes to e_ident[EI_OSABI].
pub fn elf64(osabi: u8, note: Option<Note<'_>>, code: &[u8]) -> Vec<u8> {
    let phnum: u16 = if note.is_some() { 3 } else { 2 };
    let mut v = vec![0u8; CODE_OFFSET as usize];
    let mut put = |at: usize, bytes: &[u8]| v[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"\x7fELF\x02\x01\x01");
    put(7, &[osabi]);
    put(16, &2u16.to_le_bytes());
    put(18, &62u16.to_le_bytes());
    put(20, &1u32.to_le_bytes());
    put(24, &CODE_BASE.to_le_bytes());
    put(32, &(EHDR as u64).to_le_bytes());
    put(52, &(EHDR as u16).to_le_bytes());
    put(54, &(PHDR as u16).to_le_bytes());
    put(56, &phnum.to_le_bytes());
    let mut phdr = |index: usize,
                    kind: u32,
                    flags: u32,
                    offset: u64,
                    vaddr: u64,
                    filesz: u64,
                    memsz: u64,
                    align: u64| {
        let at = EHDR + index * PHDR;
        put(at, &kind.to_le_bytes());
        put(at + 4, &flags.to_le_bytes());
        put(at + 8, &offset.to_le_bytes());
        put(at + 16, &vaddr.to_le_bytes());
        put(at + 24, &vaddr.to_le_bytes());
        put(at + 32, &filesz.to_le_bytes());
        put(at + 40, &memsz.to_le_bytes());
        put(at + 48, &align.to_le_bytes());
    };
    let len = code.len() as u64;
    phdr(0, 1, 5, CODE_OFFSET, CODE_BASE, len, len, 0x1000);
    phdr(1, 1, 6, CODE_OFFSET, DATA_BASE, 0, 0x1000, 0x1000);
    let mut note_bytes = Vec::new();
    if let Some(n) = note {
        note_bytes.extend_from_slice(&(n.name.len() as u32 + 1).to_le_bytes());
        note_bytes.extend_from_slice(&(n.desc.len() as u32).to_le_bytes());
        note_bytes.extend_from_slice(&n.kind.to_le_bytes());
        note_bytes.extend_from_slice(n.name);
        note_bytes.push(0);
        pad4(&mut note_bytes);
        note_bytes.extend_from_slice(n.desc);
        pad4(&mut note_bytes);
        let nlen = note_bytes.len() as u64;
        phdr(2, 4, 4, NOTE_OFFSET as u64, 0, nlen, 0, 4);
    }
    v[NOTE_OFFSET..NOTE_OFFSET + note_bytes.len()].copy_from_slice(&note_bytes);
    v.extend_from_slice(code);
    v
}
