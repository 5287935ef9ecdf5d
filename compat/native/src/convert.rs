//! The value transforms the native spec names in its field maps, between the kernel's
//! neutral values and native ones.

use nymph_abi::native_v1::{self as v1, Transforms, consts as c};
use nymph_kernel::tty::{InputFlags, LocalFlags, OutputFlags};
use nymph_kernel::vfs::NodeType;

/// Native c_cc index of each neutral control character, in `tty::Cc` order.
const CC_INDEX: [u32; 12] = [
    c::VEOF,
    c::VEOL,
    c::VERASE,
    c::VWERASE,
    c::VKILL,
    c::VREPRINT,
    c::VINTR,
    c::VQUIT,
    c::VSUSP,
    c::VLNEXT,
    c::VMIN,
    c::VTIME,
];

/// (neutral bit, native bit) pairs of each termios flag word.
const IFLAG: [(u32, u32); 3] = [
    (InputFlags::ICRNL.0, c::ICRNL),
    (InputFlags::INLCR.0, c::INLCR),
    (InputFlags::IGNCR.0, c::IGNCR),
];
const OFLAG: [(u32, u32); 2] = [
    (OutputFlags::OPOST.0, c::OPOST),
    (OutputFlags::ONLCR.0, c::ONLCR),
];
const LFLAG: [(u32, u32); 10] = [
    (LocalFlags::ECHO.0, c::ECHO),
    (LocalFlags::ECHOE.0, c::ECHOE),
    (LocalFlags::ECHOK.0, c::ECHOK),
    (LocalFlags::ECHONL.0, c::ECHONL),
    (LocalFlags::ICANON.0, c::ICANON),
    (LocalFlags::ISIG.0, c::ISIG),
    (LocalFlags::IEXTEN.0, c::IEXTEN),
    (LocalFlags::NOFLSH.0, c::NOFLSH),
    (LocalFlags::TOSTOP.0, c::TOSTOP),
    (LocalFlags::ECHOCTL.0, c::ECHOCTL),
];

fn bits_to_abi(v: u64, map: &[(u32, u32)]) -> u64 {
    map.iter()
        .filter(|(n, _)| v & u64::from(*n) != 0)
        .fold(0, |acc, (_, a)| acc | u64::from(*a))
}

/// Native bits the kernel does not implement are dropped.
fn bits_to_neutral(v: u64, map: &[(u32, u32)]) -> u64 {
    map.iter()
        .filter(|(_, a)| v & u64::from(*a) != 0)
        .fold(0, |acc, (n, _)| acc | u64::from(*n))
}

/// The native transforms.
pub(crate) struct Native;

pub(crate) static NATIVE: Native = Native;

/// Neutral node kinds, numbered as `NodeType` is declared.
const KINDS: [NodeType; 5] = [
    NodeType::Regular,
    NodeType::Directory,
    NodeType::Symlink,
    NodeType::Fifo,
    NodeType::CharDevice,
];

/// The native d_type of a node kind.
pub(crate) fn dtype(kind: NodeType) -> v1::d_type {
    use v1::d_type as d;
    match kind {
        NodeType::Regular => d::DT_REG,
        NodeType::Directory => d::DT_DIR,
        NodeType::Symlink => d::DT_LNK,
        NodeType::Fifo => d::DT_FIFO,
        NodeType::CharDevice => d::DT_CHR,
    }
}

impl Transforms for Native {
    fn kind_to_dtype_to_abi(&self, v: u64) -> u64 {
        KINDS
            .get(v as usize)
            .map_or(v1::d_type::DT_UNKNOWN as u64, |&k| dtype(k) as u64)
    }
    fn kind_to_dtype_to_neutral(&self, v: u64) -> u64 {
        KINDS
            .iter()
            .position(|&k| dtype(k) as u64 == v)
            .map_or(u64::MAX, |i| i as u64)
    }
    // Termios: the neutral values are the kernel line discipline's own (flag bit i of
    // its sets, c_cc indexed by `tty::Cc`); the native ones are BSD's, from the spec.
    fn native_cc_to_abi(&self, v: [u64; 32]) -> [u8; 32] {
        let mut out = [c::_POSIX_VDISABLE as u8; 32];
        for (neutral, &native) in CC_INDEX.iter().enumerate() {
            out[native as usize] = v[neutral] as u8;
        }
        out
    }
    fn native_cc_to_neutral(&self, v: [u8; 32]) -> [u64; 32] {
        let mut out = [u64::from(c::_POSIX_VDISABLE); 32];
        for (neutral, &native) in CC_INDEX.iter().enumerate() {
            out[neutral] = u64::from(v[native as usize]);
        }
        out
    }
    /// The console line is fixed: 8 bits, receiver on, no modem control.
    fn native_cflag_to_abi(&self, _v: u64) -> u64 {
        u64::from(c::CS8 | c::CREAD | c::CLOCAL)
    }
    fn native_cflag_to_neutral(&self, _v: u64) -> u64 {
        0
    }
    fn native_iflag_to_abi(&self, v: u64) -> u64 {
        bits_to_abi(v, &IFLAG)
    }
    fn native_iflag_to_neutral(&self, v: u64) -> u64 {
        bits_to_neutral(v, &IFLAG)
    }
    fn native_lflag_to_abi(&self, v: u64) -> u64 {
        bits_to_abi(v, &LFLAG)
    }
    fn native_lflag_to_neutral(&self, v: u64) -> u64 {
        bits_to_neutral(v, &LFLAG)
    }
    fn native_oflag_to_abi(&self, v: u64) -> u64 {
        bits_to_abi(v, &OFLAG)
    }
    fn native_oflag_to_neutral(&self, v: u64) -> u64 {
        bits_to_neutral(v, &OFLAG)
    }
    // sigaction flags: the native values are the neutral ones (signals.rs reads them
    // straight), so this map is the identity.
    fn native_sa_flags_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn native_sa_flags_to_neutral(&self, v: u64) -> u64 {
        v
    }
}
