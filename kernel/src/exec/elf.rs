//! Reading an executable: the ELF header, program headers, notes and interpreter of an
//! ELF32 or ELF64 `ET_EXEC` image, every field checked before anything is mapped; and
//! of the ELF interpreter (PT_INTERP) such an image names, which may also be `ET_DYN`
//! and is then checked where it will be loaded.
//!
//! goblin decodes the headers; this module decides whether the result is safe to load:
//! segments inside the file, sizes that do not overflow, addresses inside the user
//! limit of the image's class, sane alignment, no overlapping segments, an entry point
//! in executable memory. Anything else is an [`ElfError`], which a personality reports as
//! its own ENOEXEC; no input makes this code panic.

use alloc::string::String;
use alloc::vec::Vec;
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{self, ProgramHeader};

/// ELF class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfClass {
    Elf32,
    Elf64,
}

/// One note from a PT_NOTE segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfNote {
    /// The name without its terminating NUL ("FreeBSD", "Nymph", "GNU").
    pub name: Vec<u8>,
    pub kind: u32,
    pub desc: Vec<u8>,
}

/// What personalities look at to claim an executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfIdentity {
    pub class: ElfClass,
    pub machine: u16,
    /// `e_ident[EI_OSABI]`.
    pub osabi: u8,
    /// `e_ident[8..16]`: old FreeBSD binaries carry the brand "FreeBSD" here.
    pub ident_brand: [u8; 8],
    /// The PT_INTERP path, if any.
    pub interp: Option<String>,
    pub notes: Vec<ElfNote>,
}

impl ElfIdentity {
    /// The first note with this name and type.
    pub fn note(&self, name: &[u8], kind: u32) -> Option<&ElfNote> {
        self.notes.iter().find(|n| n.name == name && n.kind == kind)
    }
}

/// A loadable segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub mem_size: u64,
    pub file_offset: u64,
    pub file_size: u64,
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

/// A checked executable image, borrowing the file's bytes.
#[derive(Clone, Debug)]
pub struct ElfImage<'a> {
    pub identity: ElfIdentity,
    pub entry: u64,
    pub segments: Vec<Segment>,
    /// Where the program headers are in memory, when a loaded segment contains them
    /// (for AT_PHDR), with their count and entry size.
    pub phdr_vaddr: Option<u64>,
    /// Whether a PT_PHDR header named them (4.x passes AT_PHDR 0 otherwise).
    pub phdr_declared: bool,
    pub phnum: u16,
    pub phentsize: u16,
    pub data: &'a [u8],
}

impl ElfImage<'_> {
    /// The first page boundary above every loaded segment: where the break starts.
    pub fn end(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| (s.vaddr + s.mem_size).div_ceil(PAGE) * PAGE)
            .max()
            .unwrap_or(0)
    }
}

/// Why an image was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElfError {
    Truncated,
    NotElf,
    UnsupportedClassOrEncoding,
    NotExecutable {
        e_type: u16,
    },
    BadProgramHeaders(&'static str),
    SegmentOutsideFile {
        index: usize,
    },
    SegmentSizes {
        index: usize,
    },
    SegmentBeyondUserLimit {
        index: usize,
    },
    Misaligned {
        index: usize,
    },
    Overlap {
        first: usize,
        second: usize,
    },
    NoLoadableSegment,
    EntryNotExecutable {
        entry: u64,
    },
    BadInterpreter,
    BadNote,
    /// An ELF interpreter that names an interpreter itself (none is loaded recursively).
    NestedInterpreter,
    /// An ELF interpreter whose class or machine is not its program's.
    InterpreterMismatch,
    /// An ELF interpreter segment sharing a page with one of its program's.
    InterpreterOverlap {
        vaddr: u64,
    },
}

const MAX_PHNUM: u16 = 64;
const MAX_INTERP: usize = 1024;
const MAX_NOTES: usize = 32;
const MAX_NOTE_FIELD: usize = 4096;
/// Nothing is mapped in the first page: a null pointer must fault.
const MIN_VADDR: u64 = 0x1000;
const PAGE: u64 = 4096;

/// Parses and checks `data`, a program (`ET_EXEC`). `limit64` is the end of the user
/// half for ELF64 images; ELF32 images must fit below 4 GiB.
pub fn parse(data: &[u8], limit64: u64) -> Result<ElfImage<'_>, ElfError> {
    parse_as(data, limit64, None)
}

/// Parses and checks `data` as the ELF interpreter of `program`, to be loaded at `base`
/// (page-aligned): an `ET_DYN` image is relocated there (every address in the result,
/// entry included, is where it lands), an `ET_EXEC` one stays at its own addresses. It
/// must have the program's class and machine, no interpreter of its own, and no page
/// in common with the program's segments.
pub fn parse_interpreter<'a>(
    data: &'a [u8],
    limit64: u64,
    base: u64,
    program: &ElfImage<'_>,
) -> Result<ElfImage<'a>, ElfError> {
    if !base.is_multiple_of(PAGE) {
        return Err(ElfError::Misaligned { index: 0 });
    }
    let image = parse_as(data, limit64, Some(base))?;
    if image.identity.class != program.identity.class
        || image.identity.machine != program.identity.machine
    {
        return Err(ElfError::InterpreterMismatch);
    }
    if image.identity.interp.is_some() {
        return Err(ElfError::NestedInterpreter);
    }
    let pages = |s: &Segment| s.vaddr / PAGE * PAGE..(s.vaddr + s.mem_size).div_ceil(PAGE) * PAGE;
    for s in &image.segments {
        let mine = pages(s);
        if program.segments.iter().any(|p| {
            let theirs = pages(p);
            mine.start < theirs.end && theirs.start < mine.end
        }) {
            return Err(ElfError::InterpreterOverlap { vaddr: s.vaddr });
        }
    }
    Ok(image)
}

/// The checks of [`parse`]; `interpreter_base` is where an interpreter is loaded (an
/// `ET_DYN` one is accepted only then).
fn parse_as(
    data: &[u8],
    limit64: u64,
    interpreter_base: Option<u64>,
) -> Result<ElfImage<'_>, ElfError> {
    if data.len() < header::SIZEOF_IDENT {
        return Err(ElfError::Truncated);
    }
    if &data[..4] != header::ELFMAG {
        return Err(ElfError::NotElf);
    }
    let (class, container, hdr_size, ph_size, limit) = match data[header::EI_CLASS] {
        header::ELFCLASS32 => (
            ElfClass::Elf32,
            Container::Little,
            header::header32::SIZEOF_EHDR,
            program_header::program_header32::SIZEOF_PHDR,
            1u64 << 32,
        ),
        header::ELFCLASS64 => (
            ElfClass::Elf64,
            Container::Big,
            header::header64::SIZEOF_EHDR,
            program_header::program_header64::SIZEOF_PHDR,
            limit64,
        ),
        _ => return Err(ElfError::UnsupportedClassOrEncoding),
    };
    if data[header::EI_DATA] != header::ELFDATA2LSB {
        return Err(ElfError::UnsupportedClassOrEncoding);
    }
    if data.len() < hdr_size {
        return Err(ElfError::Truncated);
    }
    let hdr: Header = goblin::elf::Elf::parse_header(data).map_err(|_| ElfError::Truncated)?;
    // An ET_DYN interpreter's addresses are offsets from where it is loaded.
    let bias = match (hdr.e_type, interpreter_base) {
        (header::ET_EXEC, _) => 0,
        (header::ET_DYN, Some(base)) => base,
        _ => return Err(ElfError::NotExecutable { e_type: hdr.e_type }),
    };
    if usize::from(hdr.e_phentsize) != ph_size {
        return Err(ElfError::BadProgramHeaders("entry size"));
    }
    if hdr.e_phnum == 0 || hdr.e_phnum > MAX_PHNUM {
        return Err(ElfError::BadProgramHeaders("count"));
    }
    let table_len = u64::from(hdr.e_phnum) * u64::from(hdr.e_phentsize);
    if hdr
        .e_phoff
        .checked_add(table_len)
        .is_none_or(|end| end > data.len() as u64)
    {
        return Err(ElfError::BadProgramHeaders("table outside the file"));
    }
    let ctx = Ctx::new(container, Endian::Little);
    let phdrs = ProgramHeader::parse(data, hdr.e_phoff as usize, usize::from(hdr.e_phnum), ctx)
        .map_err(|_| ElfError::BadProgramHeaders("unreadable"))?;

    let mut segments = Vec::new();
    let mut interp = None;
    let mut notes = Vec::new();
    let mut phdr_vaddr = None;
    for (index, ph) in phdrs.iter().enumerate() {
        let in_file = ph
            .p_offset
            .checked_add(ph.p_filesz)
            .is_some_and(|end| end <= data.len() as u64);
        match ph.p_type {
            program_header::PT_LOAD => {
                if !in_file {
                    return Err(ElfError::SegmentOutsideFile { index });
                }
                if ph.p_filesz > ph.p_memsz {
                    return Err(ElfError::SegmentSizes { index });
                }
                let vaddr = ph.p_vaddr.checked_add(bias);
                let end = vaddr.and_then(|v| v.checked_add(ph.p_memsz));
                let Some(vaddr) =
                    vaddr.filter(|&v| v >= MIN_VADDR && end.is_some_and(|e| e <= limit))
                else {
                    return Err(ElfError::SegmentBeyondUserLimit { index });
                };
                // Alignment is the file's own (the bias is only page-aligned).
                let align = ph.p_align.max(1);
                if !align.is_power_of_two()
                    || (align >= PAGE && ph.p_vaddr % align != ph.p_offset % align)
                    || ph.p_vaddr % PAGE != ph.p_offset % PAGE
                {
                    return Err(ElfError::Misaligned { index });
                }
                if ph.p_memsz == 0 {
                    continue;
                }
                segments.push((
                    index,
                    Segment {
                        vaddr,
                        mem_size: ph.p_memsz,
                        file_offset: ph.p_offset,
                        file_size: ph.p_filesz,
                        read: ph.p_flags & program_header::PF_R != 0,
                        write: ph.p_flags & program_header::PF_W != 0,
                        execute: ph.p_flags & program_header::PF_X != 0,
                    },
                ));
            }
            program_header::PT_INTERP => {
                // As 4.x: a path of at most MAXPATHLEN bytes, inside the first page.
                if !in_file
                    || ph.p_filesz == 0
                    || ph.p_filesz as usize > MAX_INTERP
                    || ph.p_offset + ph.p_filesz > PAGE
                {
                    return Err(ElfError::BadInterpreter);
                }
                let bytes = &data[ph.p_offset as usize..(ph.p_offset + ph.p_filesz) as usize];
                let path = bytes.split(|&b| b == 0).next().unwrap_or_default();
                let path = core::str::from_utf8(path).map_err(|_| ElfError::BadInterpreter)?;
                interp = Some(String::from(path));
            }
            program_header::PT_NOTE => {
                if !in_file {
                    return Err(ElfError::BadNote);
                }
                let bytes = &data[ph.p_offset as usize..(ph.p_offset + ph.p_filesz) as usize];
                parse_notes(bytes, &mut notes)?;
            }
            program_header::PT_PHDR => phdr_vaddr = Some(ph.p_vaddr.wrapping_add(bias)),
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(ElfError::NoLoadableSegment);
    }
    // Page-granular overlap: two segments may not share a page, since each page gets
    // one protection.
    let mut sorted = segments.clone();
    sorted.sort_by_key(|(_, s)| s.vaddr);
    for pair in sorted.windows(2) {
        let (i, a) = pair[0];
        let (j, b) = pair[1];
        let a_end = (a.vaddr + a.mem_size).div_ceil(PAGE) * PAGE;
        if b.vaddr / PAGE * PAGE < a_end {
            return Err(ElfError::Overlap {
                first: i,
                second: j,
            });
        }
    }
    let segments: Vec<Segment> = segments.into_iter().map(|(_, s)| s).collect();
    let entry = hdr.e_entry.wrapping_add(bias);
    if !segments
        .iter()
        .any(|s| s.execute && entry >= s.vaddr && entry < s.vaddr + s.mem_size)
    {
        return Err(ElfError::EntryNotExecutable { entry });
    }
    let phdr_declared = phdr_vaddr.is_some();
    if phdr_vaddr.is_none() {
        // Most static binaries have no PT_PHDR: the headers are in the first segment
        // when it maps file offset 0.
        phdr_vaddr = segments
            .iter()
            .find(|s| s.file_offset == 0 && s.file_size >= hdr.e_phoff + table_len)
            .map(|s| s.vaddr + hdr.e_phoff);
    }
    let mut ident_brand = [0u8; 8];
    ident_brand.copy_from_slice(&data[8..16]);
    Ok(ElfImage {
        identity: ElfIdentity {
            class,
            machine: hdr.e_machine,
            osabi: data[header::EI_OSABI],
            ident_brand,
            interp,
            notes,
        },
        entry,
        segments,
        phdr_vaddr,
        phdr_declared,
        phnum: hdr.e_phnum,
        phentsize: hdr.e_phentsize,
        data,
    })
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn parse_notes(bytes: &[u8], notes: &mut Vec<ElfNote>) -> Result<(), ElfError> {
    let mut at = 0usize;
    while at + 12 <= bytes.len() {
        let namesz = read_u32(bytes, at).ok_or(ElfError::BadNote)? as usize;
        let descsz = read_u32(bytes, at + 4).ok_or(ElfError::BadNote)? as usize;
        let kind = read_u32(bytes, at + 8).ok_or(ElfError::BadNote)?;
        if namesz > MAX_NOTE_FIELD || descsz > MAX_NOTE_FIELD || notes.len() >= MAX_NOTES {
            return Err(ElfError::BadNote);
        }
        let name_at = at + 12;
        let desc_at = name_at + namesz.div_ceil(4) * 4;
        let next = desc_at + descsz.div_ceil(4) * 4;
        let name = bytes
            .get(name_at..name_at + namesz)
            .ok_or(ElfError::BadNote)?;
        let desc = bytes
            .get(desc_at..desc_at + descsz)
            .ok_or(ElfError::BadNote)?;
        let name = match name.split_last() {
            Some((0, rest)) => rest,
            _ => name,
        };
        notes.push(ElfNote {
            name: name.to_vec(),
            kind,
            desc: desc.to_vec(),
        });
        at = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 0x0000_8000_0000_0000;

    struct Ph {
        kind: u32,
        flags: u32,
        offset: u64,
        vaddr: u64,
        filesz: u64,
        memsz: u64,
        align: u64,
    }

    fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Ph {
        Ph {
            kind: 1,
            flags,
            offset,
            vaddr,
            filesz,
            memsz,
            align: 0x1000,
        }
    }

    /// A minimal little-endian ELF with the given program headers and a body of
    /// `body_len` bytes after the headers.
    fn elf(class64: bool, osabi: u8, entry: u64, phs: &[Ph], body_len: usize) -> Vec<u8> {
        let (ehsize, phentsize) = if class64 {
            (64usize, 56usize)
        } else {
            (52, 32)
        };
        let mut v = vec![0u8; ehsize];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = if class64 { 2 } else { 1 };
        v[5] = 1;
        v[6] = 1;
        v[7] = osabi;
        let put16 =
            |v: &mut Vec<u8>, at: usize, x: u16| v[at..at + 2].copy_from_slice(&x.to_le_bytes());
        let put32 =
            |v: &mut Vec<u8>, at: usize, x: u32| v[at..at + 4].copy_from_slice(&x.to_le_bytes());
        let put64 =
            |v: &mut Vec<u8>, at: usize, x: u64| v[at..at + 8].copy_from_slice(&x.to_le_bytes());
        put16(&mut v, 16, 2);
        put16(&mut v, 18, if class64 { 62 } else { 3 });
        put32(&mut v, 20, 1);
        if class64 {
            put64(&mut v, 24, entry);
            put64(&mut v, 32, ehsize as u64);
            put16(&mut v, 52, ehsize as u16);
            put16(&mut v, 54, phentsize as u16);
            put16(&mut v, 56, phs.len() as u16);
        } else {
            put32(&mut v, 24, entry as u32);
            put32(&mut v, 28, ehsize as u32);
            put16(&mut v, 40, ehsize as u16);
            put16(&mut v, 42, phentsize as u16);
            put16(&mut v, 44, phs.len() as u16);
        }
        for ph in phs {
            let mut e = vec![0u8; phentsize];
            if class64 {
                put32(&mut e, 0, ph.kind);
                put32(&mut e, 4, ph.flags);
                put64(&mut e, 8, ph.offset);
                put64(&mut e, 16, ph.vaddr);
                put64(&mut e, 24, ph.vaddr);
                put64(&mut e, 32, ph.filesz);
                put64(&mut e, 40, ph.memsz);
                put64(&mut e, 48, ph.align);
            } else {
                put32(&mut e, 0, ph.kind);
                put32(&mut e, 4, ph.offset as u32);
                put32(&mut e, 8, ph.vaddr as u32);
                put32(&mut e, 12, ph.vaddr as u32);
                put32(&mut e, 16, ph.filesz as u32);
                put32(&mut e, 20, ph.memsz as u32);
                put32(&mut e, 24, ph.flags);
                put32(&mut e, 28, ph.align as u32);
            }
            v.extend_from_slice(&e);
        }
        v.resize(v.len() + body_len, 0x90);
        v
    }

    #[test]
    fn accepts_a_plain_static_elf64() {
        let data = elf(
            true,
            0,
            0x40_1000,
            &[load(5, 0, 0x40_0000, 0x2000, 0x2000)],
            0x2000,
        );
        let img = parse(&data, LIMIT).expect("valid");
        assert_eq!(img.identity.class, ElfClass::Elf64);
        assert_eq!(img.identity.machine, 62);
        assert_eq!(img.entry, 0x40_1000);
        assert_eq!(img.segments.len(), 1);
        assert!(img.segments[0].execute && !img.segments[0].write);
        assert_eq!(img.phdr_vaddr, Some(0x40_0040));
    }

    #[test]
    fn accepts_a_freebsd_branded_elf32_with_interp_and_note() {
        let interp = b"/usr/libexec/ld-elf.so.1\0";
        let mut note = Vec::new();
        note.extend_from_slice(&8u32.to_le_bytes());
        note.extend_from_slice(&4u32.to_le_bytes());
        note.extend_from_slice(&1u32.to_le_bytes());
        note.extend_from_slice(b"FreeBSD\0");
        note.extend_from_slice(&480101u32.to_le_bytes());
        let body_at = 52 + 32 * 3;
        let phs = [
            load(5, 0, 0x0804_8000, 0x1000, 0x1000),
            Ph {
                kind: 3,
                flags: 4,
                offset: body_at as u64,
                vaddr: 0,
                filesz: interp.len() as u64,
                memsz: 0,
                align: 1,
            },
            Ph {
                kind: 4,
                flags: 4,
                offset: (body_at + 32) as u64,
                vaddr: 0,
                filesz: note.len() as u64,
                memsz: 0,
                align: 4,
            },
        ];
        let mut data = elf(false, 9, 0x0804_8100, &phs, 0x1000);
        data[body_at..body_at + interp.len()].copy_from_slice(interp);
        data[body_at + 32..body_at + 32 + note.len()].copy_from_slice(&note);
        let img = parse(&data, LIMIT).expect("valid");
        assert_eq!(img.identity.class, ElfClass::Elf32);
        assert_eq!(img.identity.osabi, 9);
        assert_eq!(
            img.identity.interp.as_deref(),
            Some("/usr/libexec/ld-elf.so.1")
        );
        let n = img.identity.note(b"FreeBSD", 1).expect("ABI tag note");
        assert_eq!(n.desc, 480101u32.to_le_bytes());
    }

    fn refused(data: &[u8]) -> ElfError {
        parse(data, LIMIT).expect_err("must be refused")
    }

    #[test]
    fn refuses_every_kind_of_broken_header() {
        let good = elf(
            true,
            0,
            0x40_1000,
            &[load(5, 0, 0x40_0000, 0x2000, 0x2000)],
            0x2000,
        );
        // Cut anywhere before the end of the loadable data: never a panic, never a success.
        for len in 0..0x2000 {
            assert!(
                parse(&good[..len], LIMIT).is_err(),
                "accepted when cut to {len} bytes"
            );
        }
        let mut bad = good.clone();
        bad[0] = 0;
        assert_eq!(refused(&bad), ElfError::NotElf);
        let mut bad = good.clone();
        bad[16] = 3; // ET_DYN
        assert_eq!(refused(&bad), ElfError::NotExecutable { e_type: 3 });
        let mut bad = good.clone();
        bad[54] = 40; // phentsize
        assert_eq!(refused(&bad), ElfError::BadProgramHeaders("entry size"));
        let mut bad = good.clone();
        bad[56] = 0xff; // phnum
        assert_eq!(refused(&bad), ElfError::BadProgramHeaders("count"));
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[load(5, 0, 0x40_0000, 0x10_0000, 0x10_0000)],
                0x2000
            )),
            ElfError::SegmentOutsideFile { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[load(5, 0, 0x40_0000, 0x2000, 0x1000)],
                0x2000
            )),
            ElfError::SegmentSizes { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[load(5, u64::MAX - 1, 0x40_0000, 2, 2)],
                0x2000
            )),
            ElfError::SegmentOutsideFile { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[load(5, 0, u64::MAX - 0xfff, 0x1000, 0x2000)],
                0x2000
            )),
            ElfError::SegmentBeyondUserLimit { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x1000,
                &[load(5, 0, 0xffff_ffff_8000_0000, 0x1000, 0x1000)],
                0x2000
            )),
            ElfError::SegmentBeyondUserLimit { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                false,
                9,
                0x1000,
                &[load(5, 0, 0xffff_f000, 0x1000, 0x2000)],
                0x2000
            )),
            ElfError::SegmentBeyondUserLimit { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[load(5, 0x10, 0x40_0000, 0x1000, 0x1000)],
                0x2000
            )),
            ElfError::Misaligned { index: 0 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[
                    load(5, 0, 0x40_0000, 0x2000, 0x2000),
                    load(6, 0x1000, 0x40_1000, 0x100, 0x100)
                ],
                0x2000
            )),
            ElfError::Overlap {
                first: 0,
                second: 1
            }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x50_0000,
                &[load(5, 0, 0x40_0000, 0x2000, 0x2000)],
                0x2000
            )),
            ElfError::EntryNotExecutable { entry: 0x50_0000 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x40_1000,
                &[load(6, 0, 0x40_0000, 0x2000, 0x2000)],
                0x2000
            )),
            ElfError::EntryNotExecutable { entry: 0x40_1000 }
        );
        assert_eq!(
            refused(&elf(
                true,
                0,
                0x1000,
                &[load(5, 0, 0, 0x2000, 0x2000)],
                0x2000
            )),
            ElfError::SegmentBeyondUserLimit { index: 0 }
        );
    }

    /// A 4.x-like program at 0x08048000, the program an interpreter is checked against.
    fn program32() -> Vec<u8> {
        elf(
            false,
            9,
            0x0804_8100,
            &[load(5, 0, 0x0804_8000, 0x1000, 0x1000)],
            0x1000,
        )
    }

    /// An ELF32 i386 `ET_DYN` interpreter: text at 0, data at 0x1000 with bss.
    fn interpreter32() -> Vec<u8> {
        let mut data = elf(
            false,
            0,
            0x80,
            &[
                load(5, 0, 0, 0x1000, 0x1000),
                load(6, 0x1000, 0x1000, 0x10, 0x3000),
            ],
            0x1100,
        );
        data[16] = 3; // ET_DYN
        data
    }

    const RTLD: u64 = 0x2804_9000;

    #[test]
    fn an_et_dyn_interpreter_is_relocated_to_its_base() {
        let prog_data = program32();
        let program = parse(&prog_data, LIMIT).expect("program");
        let data = interpreter32();
        // Never as a program: 4.x runs only ET_EXEC images.
        assert_eq!(
            refused(&data),
            ElfError::NotExecutable { e_type: 3 },
            "an ET_DYN program"
        );
        let interp = parse_interpreter(&data, LIMIT, RTLD, &program).expect("interpreter");
        assert_eq!(interp.entry, RTLD + 0x80);
        let placed: Vec<(u64, u64)> = interp
            .segments
            .iter()
            .map(|s| (s.vaddr, s.mem_size))
            .collect();
        assert_eq!(placed, [(RTLD, 0x1000), (RTLD + 0x1000, 0x3000)]);
        assert_eq!(interp.end(), RTLD + 0x4000);
        assert_eq!(interp.phdr_vaddr, Some(RTLD + 52));
        // An ET_EXEC interpreter keeps its own addresses, whatever the base.
        let exec = elf(
            false,
            0,
            0x3000_0010,
            &[load(5, 0, 0x3000_0000, 0x1000, 0x1000)],
            0x1000,
        );
        let interp = parse_interpreter(&exec, LIMIT, RTLD, &program).expect("ET_EXEC");
        assert_eq!(interp.entry, 0x3000_0010);
        assert_eq!(interp.segments[0].vaddr, 0x3000_0000);
    }

    #[test]
    fn refuses_every_kind_of_bad_interpreter() {
        let prog_data = program32();
        let program = parse(&prog_data, LIMIT).expect("program");
        let good = interpreter32();
        let check = |data: &[u8], base: u64| {
            parse_interpreter(data, LIMIT, base, &program).expect_err("must be refused")
        };
        // Cut anywhere before the end of its data segment's file bytes.
        for len in 0..0x1010 {
            assert!(
                parse_interpreter(&good[..len], LIMIT, RTLD, &program).is_err(),
                "accepted when cut to {len} bytes"
            );
        }
        let mut bad = good.clone();
        bad[16] = 4; // ET_CORE
        assert_eq!(check(&bad, RTLD), ElfError::NotExecutable { e_type: 4 });
        let mut bad = good.clone();
        bad[18] = 62; // EM_X86_64 in an ELF32 file
        assert_eq!(check(&bad, RTLD), ElfError::InterpreterMismatch);
        let elf64 = elf(
            true,
            0,
            0x40_1000,
            &[load(5, 0, 0x40_0000, 0x2000, 0x2000)],
            0x2000,
        );
        assert_eq!(check(&elf64, RTLD), ElfError::InterpreterMismatch);
        // Based where the program is, or reaching over it from below.
        assert_eq!(
            check(&good, 0x0804_8000),
            ElfError::InterpreterOverlap { vaddr: 0x0804_8000 }
        );
        assert_eq!(
            check(&good, 0x0804_5000),
            ElfError::InterpreterOverlap { vaddr: 0x0804_6000 }
        );
        // Past 4 GiB once based, or with a base that wraps.
        assert_eq!(
            check(&good, 0xffff_e000),
            ElfError::SegmentBeyondUserLimit { index: 1 }
        );
        assert_eq!(
            check(&good, !0xfff),
            ElfError::SegmentBeyondUserLimit { index: 0 }
        );
        assert_eq!(check(&good, RTLD + 1), ElfError::Misaligned { index: 0 });
        // A huge bss.
        let mut bad = good.clone();
        let memsz = 52 + 32 + 20;
        bad[memsz..memsz + 4].copy_from_slice(&0xffff_0000u32.to_le_bytes());
        assert_eq!(
            check(&bad, RTLD),
            ElfError::SegmentBeyondUserLimit { index: 1 }
        );
        // An interpreter naming an interpreter.
        let path = b"/usr/libexec/ld-elf.so.1\0";
        let mut nested = elf(
            false,
            0,
            0x80,
            &[
                load(5, 0, 0, 0x1000, 0x1000),
                Ph {
                    kind: 3,
                    flags: 4,
                    offset: 0x200,
                    vaddr: 0,
                    filesz: path.len() as u64,
                    memsz: 0,
                    align: 1,
                },
            ],
            0x1000,
        );
        nested[16] = 3;
        nested[0x200..0x200 + path.len()].copy_from_slice(path);
        assert_eq!(check(&nested, RTLD), ElfError::NestedInterpreter);
    }

    /// `good` with four bytes among its first `span` replaced, chosen by a xorshift
    /// generator carried in `seed`.
    fn mutated(good: &[u8], seed: &mut u64, span: u64) -> Vec<u8> {
        let mut data = good.to_vec();
        for _ in 0..4 {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            data[(*seed % span) as usize] = (*seed >> 32) as u8;
        }
        data
    }

    #[test]
    fn random_mutations_of_an_interpreter_never_panic() {
        let prog_data = program32();
        let program = parse(&prog_data, LIMIT).expect("program");
        let good = interpreter32();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let data = mutated(&good, &mut seed, 120);
            let _ = parse_interpreter(&data, LIMIT, RTLD, &program);
        }
    }

    #[test]
    fn random_mutations_never_panic() {
        let good = elf(
            true,
            0,
            0x40_1000,
            &[load(5, 0, 0x40_0000, 0x2000, 0x2000)],
            0x2000,
        );
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let data = mutated(&good, &mut seed, 180);
            let _ = parse(&data, LIMIT);
        }
    }

    /// Every file of kernel/tests/elf-corpus (mutants `cargo xtask fuzz-exec` made of
    /// real images of each ABI, `libfuzzer-*` inputs of the fuzz target in kernel/fuzz
    /// that reach code the others do not, and any input that ever broke the kernel) is checked
    /// without a panic; the `ok-*` files, unmutated images, must be accepted, and so
    /// must no prefix of them shorter than their segments.
    #[test]
    fn the_corpus_never_panics() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/elf-corpus");
        let mut files = 0;
        let mut accepted = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus directory") {
            let path = entry.expect("a corpus entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let result = parse(&data, LIMIT);
            accepted += usize::from(result.is_ok());
            if name.starts_with("ok-") {
                let image = result.unwrap_or_else(|e| panic!("{name} refused: {e:?}"));
                let needed = image
                    .segments
                    .iter()
                    .map(|s| s.file_offset + s.file_size)
                    .max()
                    .unwrap_or(0);
                for len in 0..needed as usize {
                    assert!(parse(&data[..len], LIMIT).is_err(), "{name} cut at {len}");
                }
            }
            files += 1;
        }
        assert!(files >= 30, "only {files} files in {}", dir.display());
        assert!(
            accepted < files,
            "every file accepted: the corpus checks nothing"
        );
    }
}
