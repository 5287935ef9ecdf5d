//! What the boot loader told us: the PVH start info, copied into kernel memory.
//!
//! The copy is made once, early, while the boot page tables still map low physical
//! memory; afterwards nothing reads the loader's structures again.

/// A physical memory range as the firmware describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    pub start: u64,
    pub len: u64,
    pub kind: MemoryKind,
}

impl MemoryRegion {
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// E820 memory types as PVH passes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryKind {
    Usable,
    Reserved,
    AcpiReclaimable,
    AcpiNvs,
    Unusable,
    Other(u32),
}

impl MemoryKind {
    pub fn from_e820(kind: u32) -> Self {
        match kind {
            1 => MemoryKind::Usable,
            2 => MemoryKind::Reserved,
            3 => MemoryKind::AcpiReclaimable,
            4 => MemoryKind::AcpiNvs,
            5 => MemoryKind::Unusable,
            other => MemoryKind::Other(other),
        }
    }
}

/// A boot module (the initrd).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootModule {
    pub start: u64,
    pub len: u64,
}

/// The kernel image's sections, as physical ranges and their link addresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelImage {
    /// Physical range of the whole image, boot code and bss included.
    pub phys_start: u64,
    pub phys_end: u64,
    /// Virtual (linked) ranges, each page-aligned.
    pub text: (u64, u64),
    pub rodata: (u64, u64),
    pub data: (u64, u64),
    /// The boot stack (inside `data`), whose bottom page becomes a guard page.
    pub boot_stack: (u64, u64),
}

pub const MAX_REGIONS: usize = 64;
pub const MAX_MODULES: usize = 4;
pub const MAX_CMDLINE: usize = 1024;

/// Everything the kernel needs from the boot loader.
#[derive(Debug)]
pub struct BootInfo {
    regions: [MemoryRegion; MAX_REGIONS],
    region_count: usize,
    modules: [BootModule; MAX_MODULES],
    module_count: usize,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
    pub rsdp: u64,
    pub start_info_phys: u64,
    pub kernel: KernelImage,
    /// Regions or modules that did not fit in the fixed tables above.
    pub dropped_entries: usize,
}

impl BootInfo {
    pub const fn empty() -> Self {
        BootInfo {
            regions: [MemoryRegion {
                start: 0,
                len: 0,
                kind: MemoryKind::Reserved,
            }; MAX_REGIONS],
            region_count: 0,
            modules: [BootModule { start: 0, len: 0 }; MAX_MODULES],
            module_count: 0,
            cmdline: [0; MAX_CMDLINE],
            cmdline_len: 0,
            rsdp: 0,
            start_info_phys: 0,
            kernel: KernelImage {
                phys_start: 0,
                phys_end: 0,
                text: (0, 0),
                rodata: (0, 0),
                data: (0, 0),
                boot_stack: (0, 0),
            },
            dropped_entries: 0,
        }
    }

    pub fn memory_regions(&self) -> &[MemoryRegion] {
        &self.regions[..self.region_count]
    }

    pub fn modules(&self) -> &[BootModule] {
        &self.modules[..self.module_count]
    }

    /// The kernel command line; bytes that are not UTF-8 end it.
    pub fn cmdline(&self) -> &str {
        let bytes = &self.cmdline[..self.cmdline_len];
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        }
    }

    pub fn push_region(&mut self, region: MemoryRegion) {
        match self.regions.get_mut(self.region_count) {
            Some(slot) => {
                *slot = region;
                self.region_count += 1;
            }
            None => self.dropped_entries += 1,
        }
    }

    pub fn push_module(&mut self, module: BootModule) {
        match self.modules.get_mut(self.module_count) {
            Some(slot) => {
                *slot = module;
                self.module_count += 1;
            }
            None => self.dropped_entries += 1,
        }
    }

    pub fn set_cmdline(&mut self, bytes: &[u8]) {
        let len = bytes.len().min(MAX_CMDLINE);
        self.cmdline[..len].copy_from_slice(&bytes[..len]);
        self.cmdline_len = len;
    }
}

/// Why the start info could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootInfoError {
    BadMagic(u32),
    NoMemoryMap,
    OutOfReach(u64),
}

pub const PVH_MAGIC: u32 = 0x336e_c578;

/// Reads the PVH `hvm_start_info` through `read_u64`/`read_u32` accessors for physical
/// memory, so the parsing logic stays free of raw pointers and is testable on the host.
pub fn parse_pvh(
    start_info: u64,
    read_u32: &dyn Fn(u64) -> Result<u32, BootInfoError>,
    read_u64: &dyn Fn(u64) -> Result<u64, BootInfoError>,
    read_byte: &dyn Fn(u64) -> Result<u8, BootInfoError>,
    info: &mut BootInfo,
) -> Result<(), BootInfoError> {
    let magic = read_u32(start_info)?;
    if magic != PVH_MAGIC {
        return Err(BootInfoError::BadMagic(magic));
    }
    info.start_info_phys = start_info;
    let version = read_u32(start_info + 4)?;
    let nr_modules = read_u32(start_info + 12)?;
    let modlist = read_u64(start_info + 16)?;
    let cmdline = read_u64(start_info + 24)?;
    info.rsdp = read_u64(start_info + 32)?;
    if cmdline != 0 {
        let mut buf = [0u8; MAX_CMDLINE];
        let mut len = 0;
        while len < MAX_CMDLINE {
            let b = read_byte(cmdline + len as u64)?;
            if b == 0 {
                break;
            }
            buf[len] = b;
            len += 1;
        }
        info.set_cmdline(&buf[..len]);
    }
    for i in 0..u64::from(nr_modules) {
        let entry = modlist + i * 32;
        let start = read_u64(entry)?;
        let len = read_u64(entry + 8)?;
        info.push_module(BootModule { start, len });
    }
    if version < 1 {
        return Err(BootInfoError::NoMemoryMap);
    }
    let memmap = read_u64(start_info + 40)?;
    let entries = read_u32(start_info + 48)?;
    if memmap == 0 || entries == 0 {
        return Err(BootInfoError::NoMemoryMap);
    }
    for i in 0..u64::from(entries) {
        let entry = memmap + i * 24;
        let start = read_u64(entry)?;
        let len = read_u64(entry + 8)?;
        let kind = MemoryKind::from_e820(read_u32(entry + 16)?);
        info.push_region(MemoryRegion { start, len, kind });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn memory(bytes: &HashMap<u64, u8>, addr: u64, n: u64) -> Result<u64, BootInfoError> {
        let mut v = 0u64;
        for i in 0..n {
            let b = *bytes
                .get(&(addr + i))
                .ok_or(BootInfoError::OutOfReach(addr))?;
            v |= u64::from(b) << (8 * i);
        }
        Ok(v)
    }

    fn put(bytes: &mut HashMap<u64, u8>, addr: u64, value: u64, n: u64) {
        for i in 0..n {
            bytes.insert(addr + i, (value >> (8 * i)) as u8);
        }
    }

    #[test]
    fn parses_memory_map_cmdline_and_modules() {
        let mut m = HashMap::new();
        let si = 0x1000;
        put(&mut m, si, u64::from(PVH_MAGIC), 4);
        put(&mut m, si + 4, 1, 4);
        put(&mut m, si + 12, 1, 4);
        put(&mut m, si + 16, 0x3000, 8);
        put(&mut m, si + 24, 0x2000, 8);
        put(&mut m, si + 32, 0xe0000, 8);
        put(&mut m, si + 40, 0x4000, 8);
        put(&mut m, si + 48, 2, 4);
        for (i, b) in b"nymph.test=all\0".iter().enumerate() {
            m.insert(0x2000 + i as u64, *b);
        }
        put(&mut m, 0x3000, 0x80_0000, 8);
        put(&mut m, 0x3008, 0x1234, 8);
        put(&mut m, 0x4000, 0, 8);
        put(&mut m, 0x4008, 0x9fc00, 8);
        put(&mut m, 0x4010, 1, 4);
        put(&mut m, 0x4018, 0x10_0000, 8);
        put(&mut m, 0x4020, 0x7ee_0000, 8);
        put(&mut m, 0x4028, 1, 4);
        let mut info = BootInfo::empty();
        parse_pvh(
            si,
            &|a| memory(&m, a, 4).map(|v| v as u32),
            &|a| memory(&m, a, 8),
            &|a| memory(&m, a, 1).map(|v| v as u8),
            &mut info,
        )
        .expect("parse");
        assert_eq!(info.cmdline(), "nymph.test=all");
        assert_eq!(info.memory_regions().len(), 2);
        assert_eq!(info.memory_regions()[1].start, 0x10_0000);
        assert_eq!(info.memory_regions()[1].kind, MemoryKind::Usable);
        assert_eq!(
            info.modules(),
            &[BootModule {
                start: 0x80_0000,
                len: 0x1234
            }]
        );
        assert_eq!(info.rsdp, 0xe0000);
    }

    #[test]
    fn rejects_bad_magic() {
        let mut m = HashMap::new();
        put(&mut m, 0, 0xdead_beef, 4);
        let mut info = BootInfo::empty();
        let r = parse_pvh(
            0,
            &|a| memory(&m, a, 4).map(|v| v as u32),
            &|a| memory(&m, a, 8),
            &|a| memory(&m, a, 1).map(|v| v as u8),
            &mut info,
        );
        assert_eq!(r, Err(BootInfoError::BadMagic(0xdead_beef)));
    }
}
