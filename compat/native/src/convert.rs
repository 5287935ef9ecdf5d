//! The value transforms the native spec names in its field maps, between the kernel's
//! neutral values and native ones.

use nymph_abi::native_v1::{self as v1, Transforms, consts as c};
use nymph_kernel::tty::{CcMap, FlagMap, InputFlags, LocalFlags, OutputFlags};
use nymph_kernel::vfs::NodeType;

/// The native c_cc array: the index of each kernel control character (`tty::Cc`
/// order: VEOF, VEOL, VERASE, VWERASE, VKILL, VREPRINT, VINTR, VQUIT, VSUSP, VLNEXT,
/// VMIN, VTIME; the FreeBSD-4 characters after them have no slot).
pub(crate) const CC: CcMap = CcMap {
    index: [
        c::VEOF as usize,
        c::VEOL as usize,
        c::VERASE as usize,
        c::VWERASE as usize,
        c::VKILL as usize,
        c::VREPRINT as usize,
        c::VINTR as usize,
        c::VQUIT as usize,
        c::VSUSP as usize,
        c::VLNEXT as usize,
        c::VMIN as usize,
        c::VTIME as usize,
        // VEOL2, VSTATUS, VSTART, VSTOP, VDISCARD, VDSUSP, VERASE2: not in the native
        // array.
        usize::MAX,
        usize::MAX,
        usize::MAX,
        usize::MAX,
        usize::MAX,
        usize::MAX,
        usize::MAX,
    ],
    disabled: c::_POSIX_VDISABLE as u8,
};

/// The neutral flag bits (input, output, local) the native termios can express.
pub(crate) fn known_flags() -> (u32, u32, u32) {
    (
        IFLAG.kernel_bits(),
        OFLAG.kernel_bits(),
        LFLAG.kernel_bits(),
    )
}

/// The native bits of each termios flag word.
const IFLAG: FlagMap = FlagMap(&[
    (InputFlags::ICRNL.0, c::ICRNL),
    (InputFlags::INLCR.0, c::INLCR),
    (InputFlags::IGNCR.0, c::IGNCR),
]);
const OFLAG: FlagMap = FlagMap(&[
    (OutputFlags::OPOST.0, c::OPOST),
    (OutputFlags::ONLCR.0, c::ONLCR),
]);
const LFLAG: FlagMap = FlagMap(&[
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
]);

/// The native transforms.
pub(crate) struct Native;

pub(crate) static NATIVE: Native = Native;

/// Neutral node kinds, numbered as `NodeType` is declared.
const KINDS: [NodeType; 6] = [
    NodeType::Regular,
    NodeType::Directory,
    NodeType::Symlink,
    NodeType::Fifo,
    NodeType::CharDevice,
    NodeType::Socket,
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
        NodeType::Socket => d::DT_SOCK,
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
        CC.to_abi(&v)
    }
    fn native_cc_to_neutral(&self, v: [u8; 32]) -> [u64; 32] {
        CC.to_kernel(&v)
    }
    /// The console line is fixed: 8 bits, receiver on, no modem control.
    fn native_cflag_to_abi(&self, _v: u64) -> u64 {
        u64::from(c::CS8 | c::CREAD | c::CLOCAL)
    }
    fn native_cflag_to_neutral(&self, _v: u64) -> u64 {
        0
    }
    fn native_iflag_to_abi(&self, v: u64) -> u64 {
        IFLAG.to_abi(v)
    }
    fn native_iflag_to_neutral(&self, v: u64) -> u64 {
        IFLAG.to_kernel(v)
    }
    fn native_lflag_to_abi(&self, v: u64) -> u64 {
        LFLAG.to_abi(v)
    }
    fn native_lflag_to_neutral(&self, v: u64) -> u64 {
        LFLAG.to_kernel(v)
    }
    fn native_oflag_to_abi(&self, v: u64) -> u64 {
        OFLAG.to_abi(v)
    }
    fn native_oflag_to_neutral(&self, v: u64) -> u64 {
        OFLAG.to_kernel(v)
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
