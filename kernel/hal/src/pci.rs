//! PCI configuration space through the legacy ports (mechanism #1, which q35 keeps),
//! enough to find a function by its IDs and use its I/O BAR. The firmware (SeaBIOS,
//! which runs before the PVH entry) has assigned the BARs.

use crate::port::{inl, outl};

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;
const COMMAND: u8 = 0x04;
const BAR0: u8 = 0x10;
const COMMAND_IO: u32 = 1 << 0;
const COMMAND_BUS_MASTER: u32 = 1 << 2;
/// A BAR whose lowest bit is set maps I/O ports.
const BAR_IO: u32 = 1;

/// A function on bus 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function {
    pub device: u8,
    pub function: u8,
}

impl Function {
    fn address(self, offset: u8) -> u32 {
        (1 << 31)
            | (u32::from(self.device) << 11)
            | (u32::from(self.function) << 8)
            | u32::from(offset & 0xfc)
    }

    pub fn read(self, offset: u8) -> u32 {
        outl(CONFIG_ADDRESS, self.address(offset));
        inl(CONFIG_DATA)
    }

    fn write(self, offset: u8, value: u32) {
        outl(CONFIG_ADDRESS, self.address(offset));
        outl(CONFIG_DATA, value);
    }

    /// (vendor, device).
    pub fn ids(self) -> (u16, u16) {
        let v = self.read(0);
        (v as u16, (v >> 16) as u16)
    }

    /// The I/O port base of BAR0, with I/O decoding and bus mastering (the device's
    /// DMA into memory) turned on; None when BAR0 is not an assigned I/O BAR.
    pub fn enable_io_bar0(self) -> Option<u16> {
        let bar = self.read(BAR0);
        if bar & BAR_IO == 0 {
            return None;
        }
        let base = u16::try_from(bar & !0x3).ok().filter(|&b| b != 0)?;
        let command = self.read(COMMAND) & 0xffff;
        self.write(COMMAND, command | COMMAND_IO | COMMAND_BUS_MASTER);
        Some(base)
    }
}

/// The functions on bus 0 with these IDs, by slot.
pub fn find(vendor: u16, device: u16) -> impl Iterator<Item = Function> {
    (0..32u8)
        .flat_map(|d| {
            (0..8u8).map(move |f| Function {
                device: d,
                function: f,
            })
        })
        .filter(move |f| f.ids() == (vendor, device))
}
