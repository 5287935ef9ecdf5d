//! `/kernel` of the 4.x view: what kern.bootfile and getbootfile(3) name, and what
//! nlist(3) reads symbols from (`nlist("/kernel", nl)` in programs that read
//! /dev/kmem without libkvm; libkvm itself asks kldsym on a running kernel). On 4.x it
//! is the kernel's ELF file; here it is an ELF32 i386 file with no code, only a
//! symbol table of the variables /dev/kmem serves, at the addresses kldsym gives, so
//! nlist and kvm_nlist agree. Written at boot unless the tree already has one.

use crate::fs::COMPAT_PREFIX;
use alloc::vec::Vec;
use nymph_kernel::vfs::{self, Follow, FsContext, OpenFlags};

/// Where a 4.x process's /kernel is.
const PATH: &[u8] = b"/compat/freebsd4/kernel";

/// Section names, as `.shstrtab` holds them (offsets below).
const SHSTRTAB: &[u8] = b"\0.bss\0.symtab\0.strtab\0.shstrtab\0";
const NAME_BSS: u32 = 1;
const NAME_SYMTAB: u32 = 6;
const NAME_STRTAB: u32 = 14;
const NAME_SHSTRTAB: u32 = 22;

const EHDR_SIZE: usize = 52;
const SHDR_SIZE: usize = 40;
const SYM_SIZE: usize = 16;
const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_NOBITS: u32 = 8;
const SHF_WRITE_ALLOC: u32 = 3;
/// STB_GLOBAL << 4 | STT_OBJECT.
const GLOBAL_OBJECT: u8 = 0x11;

fn put(out: &mut Vec<u8>, words: &[u32]) {
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

fn align4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// The file for `symbols` (name without the underscore, address, size): an ELF
/// header, the string tables, the symbol table (every symbol global, an object in
/// `.bss`, which nlist reports as N_BSS|N_EXT), then the section headers.
pub(crate) fn image(symbols: &[(&[u8], u32, u32)]) -> Vec<u8> {
    let mut out = alloc::vec![0u8; EHDR_SIZE];
    let strtab_off = out.len();
    out.push(0);
    let mut names = Vec::new();
    for (name, _, _) in symbols {
        names.push((out.len() - strtab_off) as u32);
        out.extend_from_slice(name);
        out.push(0);
    }
    let strtab_size = out.len() - strtab_off;
    let shstrtab_off = out.len();
    out.extend_from_slice(SHSTRTAB);
    align4(&mut out);
    let symtab_off = out.len();
    out.extend_from_slice(&[0; SYM_SIZE]);
    for ((_, value, size), name) in symbols.iter().zip(&names) {
        put(&mut out, &[*name, *value, *size]);
        out.extend_from_slice(&[GLOBAL_OBJECT, 0]);
        out.extend_from_slice(&1u16.to_le_bytes()); // st_shndx: .bss
    }
    let symtab_size = out.len() - symtab_off;
    align4(&mut out);
    let shoff = out.len();
    let base = symbols.iter().map(|s| s.1).min().unwrap_or(0);
    let end = symbols.iter().map(|s| s.1 + s.2).max().unwrap_or(0);
    let sections: [[u32; 10]; 5] = [
        [0; 10],
        [
            NAME_BSS,
            SHT_NOBITS,
            SHF_WRITE_ALLOC,
            base,
            shoff as u32,
            end - base,
            0,
            0,
            4,
            0,
        ],
        [
            NAME_SYMTAB,
            SHT_SYMTAB,
            0,
            0,
            symtab_off as u32,
            symtab_size as u32,
            3,
            1,
            4,
            SYM_SIZE as u32,
        ],
        [
            NAME_STRTAB,
            SHT_STRTAB,
            0,
            0,
            strtab_off as u32,
            strtab_size as u32,
            0,
            0,
            1,
            0,
        ],
        [
            NAME_SHSTRTAB,
            SHT_STRTAB,
            0,
            0,
            shstrtab_off as u32,
            SHSTRTAB.len() as u32,
            0,
            0,
            1,
            0,
        ],
    ];
    for s in &sections {
        put(&mut out, s);
    }
    // ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ELFOSABI_FREEBSD; ET_EXEC, EM_386.
    let mut ehdr = alloc::vec![0x7f, b'E', b'L', b'F', 1, 1, 1, 9];
    ehdr.resize(16, 0);
    ehdr.extend_from_slice(&2u16.to_le_bytes());
    ehdr.extend_from_slice(&3u16.to_le_bytes());
    put(&mut ehdr, &[1, 0, 0, shoff as u32, 0]); // version, entry, phoff, shoff, flags
    for half in [EHDR_SIZE, 32, 0, SHDR_SIZE, sections.len(), 4] {
        ehdr.extend_from_slice(&(half as u16).to_le_bytes());
    }
    out[..EHDR_SIZE].copy_from_slice(&ehdr);
    out
}

/// Writes /kernel of the 4.x view (mode 0555, as 4.x installs it) unless the tree has
/// one. A failure is logged: only nlist(3) of /kernel misses it.
pub(crate) fn write_at_boot() {
    let ctx = FsContext::initial();
    if vfs::lookup(&ctx, None, PATH, Follow::No).is_ok() {
        return;
    }
    let _ = vfs::mkdir(&ctx, None, b"/compat", 0o755);
    let _ = vfs::mkdir(&ctx, None, COMPAT_PREFIX, 0o755);
    let bytes = image(&crate::kmem::symbols());
    let flags = OpenFlags {
        write: true,
        create: true,
        truncate: true,
        ..OpenFlags::default()
    };
    match vfs::open(&ctx, None, PATH, flags, 0o555) {
        Ok(file) => {
            if !matches!(file.write(&bytes), Ok(n) if n == bytes.len()) {
                log::warn!("FreeBSD-4 /kernel: short write");
            }
        }
        Err(e) => log::warn!("FreeBSD-4 /kernel not written: {e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    fn u16_at(b: &[u8], at: usize) -> usize {
        usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
    }

    /// Walks the file as 4.x's __elf_fdnlist does: the section headers at e_shoff,
    /// the SHT_SYMTAB one and its sh_link string table, each symbol's name and value.
    #[test]
    fn nlists_walk_finds_each_symbol() {
        let syms: [(&[u8], u32, u32); 2] = [(b"hz", 0xc050_0010, 4), (b"cp_time", 0xc050_0100, 20)];
        let b = image(&syms);
        assert_eq!(&b[..8], &[0x7f, b'E', b'L', b'F', 1, 1, 1, 9]);
        assert_eq!((u16_at(&b, 18), u32_at(&b, 20)), (3, 1)); // EM_386, EV_CURRENT
        let (shoff, shentsize, shnum) = (u32_at(&b, 32) as usize, u16_at(&b, 46), u16_at(&b, 48));
        assert_eq!((shentsize, shnum), (SHDR_SIZE, 5));
        assert_eq!(shoff + shnum * shentsize, b.len());
        let sh = |i: usize, field: usize| u32_at(&b, shoff + i * shentsize + field * 4) as usize;
        let symtab = (0..shnum)
            .find(|&i| sh(i, 1) == SHT_SYMTAB as usize)
            .unwrap();
        let strtab = sh(symtab, 6);
        let (symoff, symsize, stroff) = (sh(symtab, 4), sh(symtab, 5), sh(strtab, 4));
        let mut found = Vec::new();
        for at in (symoff..symoff + symsize).step_by(SYM_SIZE) {
            let name = stroff + u32_at(&b, at) as usize;
            let len = b[name..].iter().position(|&c| c == 0).unwrap();
            if len > 0 {
                found.push((
                    b[name..name + len].to_vec(),
                    u32_at(&b, at + 4),
                    u32_at(&b, at + 8),
                ));
                // Global object in section 1, the writable NOBITS .bss: N_BSS|N_EXT.
                assert_eq!(b[at + 12], GLOBAL_OBJECT);
                let shndx = u16_at(&b, at + 14);
                assert_eq!((sh(shndx, 1), sh(shndx, 2)), (SHT_NOBITS as usize, 3));
            }
        }
        let want: Vec<(Vec<u8>, u32, u32)> =
            syms.iter().map(|(n, v, s)| (n.to_vec(), *v, *s)).collect();
        assert_eq!(found, want);
        // The section names are where sh_name says.
        let shstr = sh(u16_at(&b, 50), 4);
        assert_eq!(&b[shstr + sh(symtab, 0)..][..7], b".symtab");
    }
}
