//! The value transforms the native spec names in its field maps, between the kernel's
//! neutral values and native ones.

use nymph_abi::native_v1::{self as v1, Transforms};
use nymph_kernel::vfs::NodeType;

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
    // The termios and sigaction-flag maps: native values are the neutral ones (the
    // native ABI was designed on the kernel's own encodings), so these are identities.
    fn native_cc_to_abi(&self, v: [u64; 32]) -> [u8; 32] {
        v.map(|c| c as u8)
    }
    fn native_cc_to_neutral(&self, v: [u8; 32]) -> [u64; 32] {
        v.map(u64::from)
    }
    fn native_cflag_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn native_cflag_to_neutral(&self, v: u64) -> u64 {
        v
    }
    fn native_iflag_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn native_iflag_to_neutral(&self, v: u64) -> u64 {
        v
    }
    fn native_lflag_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn native_lflag_to_neutral(&self, v: u64) -> u64 {
        v
    }
    fn native_oflag_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn native_oflag_to_neutral(&self, v: u64) -> u64 {
        v
    }
    fn native_sa_flags_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn native_sa_flags_to_neutral(&self, v: u64) -> u64 {
        v
    }
}
