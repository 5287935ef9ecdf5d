//! The value transforms the FreeBSD-4 spec names in its field maps, between the
//! kernel's neutral values and 4.x ones (termios flags and c_cc, d_type, signal sets,
//! sigaction and sigaltstack flags, mount flags).

use crate::fb::{self, Transforms, consts as c};
use crate::signals;
use nymph_kernel::process::SignalSet;
use nymph_kernel::tty::{CcMap, FlagMap, InputFlags, LocalFlags, OutputFlags};
use nymph_kernel::vfs::{MountFlags, NodeType};

/// `_POSIX_VDISABLE` in 4.x.
pub(crate) const VDISABLE: u8 = 0xff;

/// The 4.x c_cc array: the index of each kernel control character (`tty::Cc` order:
/// VEOF 0, VEOL 1, VERASE 3, VWERASE 4, VKILL 5, VREPRINT 6, VINTR 8, VQUIT 9, VSUSP
/// 10, VLNEXT 14, VMIN 16, VTIME 17, VEOL2 2, VSTATUS 18, VSTART 12, VSTOP 13,
/// VDISCARD 15, VDSUSP 11; reference §4 termios). VERASE2 (7) is not kept.
const CC: CcMap = CcMap {
    index: [
        0, 1, 3, 4, 5, 6, 8, 9, 10, 14, 16, 17, 2, 18, 12, 13, 15, 11, 7,
    ],
    disabled: VDISABLE,
};

/// The 4.x bits of each termios flag word.
const IFLAG: FlagMap = FlagMap(&[
    (InputFlags::ICRNL.0, fb::c_iflag::ICRNL.bits()),
    (InputFlags::INLCR.0, fb::c_iflag::INLCR.bits()),
    (InputFlags::IGNCR.0, fb::c_iflag::IGNCR.bits()),
    (InputFlags::ISTRIP.0, fb::c_iflag::ISTRIP.bits()),
    (InputFlags::IXON.0, fb::c_iflag::IXON.bits()),
    (InputFlags::IXOFF.0, fb::c_iflag::IXOFF.bits()),
    (InputFlags::IXANY.0, fb::c_iflag::IXANY.bits()),
    (InputFlags::IMAXBEL.0, fb::c_iflag::IMAXBEL.bits()),
    (InputFlags::BRKINT.0, fb::c_iflag::BRKINT.bits()),
    (InputFlags::IGNBRK.0, fb::c_iflag::IGNBRK.bits()),
    (InputFlags::IGNPAR.0, fb::c_iflag::IGNPAR.bits()),
    (InputFlags::PARMRK.0, fb::c_iflag::PARMRK.bits()),
    (InputFlags::INPCK.0, fb::c_iflag::INPCK.bits()),
]);
const OFLAG: FlagMap = FlagMap(&[
    (OutputFlags::OPOST.0, fb::c_oflag::OPOST.bits()),
    (OutputFlags::ONLCR.0, fb::c_oflag::ONLCR.bits()),
    (OutputFlags::OXTABS.0, fb::c_oflag::OXTABS.bits()),
    (OutputFlags::ONOEOT.0, fb::c_oflag::ONOEOT.bits()),
]);
const LFLAG: FlagMap = FlagMap(&[
    (LocalFlags::ECHO.0, fb::c_lflag::ECHO.bits()),
    (LocalFlags::ECHOE.0, fb::c_lflag::ECHOE.bits()),
    (LocalFlags::ECHOK.0, fb::c_lflag::ECHOK.bits()),
    (LocalFlags::ECHONL.0, fb::c_lflag::ECHONL.bits()),
    (LocalFlags::ICANON.0, fb::c_lflag::ICANON.bits()),
    (LocalFlags::ISIG.0, fb::c_lflag::ISIG.bits()),
    (LocalFlags::IEXTEN.0, fb::c_lflag::IEXTEN.bits()),
    (LocalFlags::NOFLSH.0, fb::c_lflag::NOFLSH.bits()),
    (LocalFlags::TOSTOP.0, fb::c_lflag::TOSTOP.bits()),
    (LocalFlags::ECHOCTL.0, fb::c_lflag::ECHOCTL.bits()),
    (LocalFlags::ECHOKE.0, fb::c_lflag::ECHOKE.bits()),
    (LocalFlags::ECHOPRT.0, fb::c_lflag::ECHOPRT.bits()),
    (LocalFlags::ALTWERASE.0, fb::c_lflag::ALTWERASE.bits()),
    (LocalFlags::FLUSHO.0, fb::c_lflag::FLUSHO.bits()),
    (LocalFlags::NOKERNINFO.0, fb::c_lflag::NOKERNINFO.bits()),
    (LocalFlags::PENDIN.0, fb::c_lflag::PENDIN.bits()),
    (LocalFlags::EXTPROC.0, fb::c_lflag::EXTPROC.bits()),
]);

/// The 4.x transforms.
pub(crate) struct FreeBsd4Transforms;

pub(crate) static FREEBSD4: FreeBsd4Transforms = FreeBsd4Transforms;

/// Neutral node kinds, numbered as `NodeType` is declared.
const KINDS: [NodeType; 6] = [
    NodeType::Regular,
    NodeType::Directory,
    NodeType::Symlink,
    NodeType::Fifo,
    NodeType::CharDevice,
    NodeType::Socket,
];

/// The neutral number of a node kind (its place in `KINDS`).
pub(crate) fn neutral_kind(kind: NodeType) -> u64 {
    KINDS.iter().position(|&k| k == kind).unwrap_or(0) as u64
}

/// The 4.x d_type of a node kind.
fn dtype(kind: NodeType) -> fb::d_type {
    use fb::d_type as d;
    match kind {
        NodeType::Regular => d::DT_REG,
        NodeType::Directory => d::DT_DIR,
        NodeType::Symlink => d::DT_LNK,
        NodeType::Fifo => d::DT_FIFO,
        NodeType::CharDevice => d::DT_CHR,
        NodeType::Socket => d::DT_SOCK,
    }
}

/// The S_IFMT bits of a node kind.
pub(crate) fn type_bits(kind: NodeType) -> u32 {
    match kind {
        NodeType::Regular => c::S_IFREG,
        NodeType::Directory => c::S_IFDIR,
        NodeType::Symlink => c::S_IFLNK,
        NodeType::Fifo => c::S_IFIFO,
        NodeType::CharDevice => c::S_IFCHR,
        NodeType::Socket => c::S_IFSOCK,
    }
}

/// Neutral signal sets travel as the kernel's `SignalSet` bits.
fn set_from_bits(v: u64) -> SignalSet {
    let mut set = SignalSet::EMPTY;
    for (i, s) in nymph_kernel::process::Signal::ALL.iter().enumerate() {
        if v & (1 << i) != 0 {
            set.insert(*s);
        }
    }
    set
}

fn bits_from_set(set: SignalSet) -> u64 {
    nymph_kernel::process::Signal::ALL
        .iter()
        .enumerate()
        .filter(|(_, s)| set.contains(**s))
        .fold(0, |acc, (i, _)| acc | 1 << i)
}

impl Transforms for FreeBsd4Transforms {
    fn freebsd4_cc_to_abi(&self, v: [u64; 20]) -> [u8; 20] {
        CC.to_abi(&v)
    }
    fn freebsd4_cc_to_neutral(&self, v: [u8; 20]) -> [u64; 20] {
        CC.to_kernel(&v)
    }
    /// The core keeps the control modes in BSD's bits, 4.x's own.
    fn freebsd4_cflag_to_abi(&self, v: u64) -> u64 {
        v
    }
    fn freebsd4_cflag_to_neutral(&self, v: u64) -> u64 {
        v
    }
    fn freebsd4_iflag_to_abi(&self, v: u64) -> u64 {
        IFLAG.to_abi(v)
    }
    fn freebsd4_iflag_to_neutral(&self, v: u64) -> u64 {
        IFLAG.to_kernel(v)
    }
    fn freebsd4_lflag_to_abi(&self, v: u64) -> u64 {
        LFLAG.to_abi(v)
    }
    fn freebsd4_lflag_to_neutral(&self, v: u64) -> u64 {
        LFLAG.to_kernel(v)
    }
    fn freebsd4_oflag_to_abi(&self, v: u64) -> u64 {
        OFLAG.to_abi(v)
    }
    fn freebsd4_oflag_to_neutral(&self, v: u64) -> u64 {
        OFLAG.to_kernel(v)
    }
    /// The options a file system was mounted with (mount.rs maps them).
    fn freebsd4_mnt_flags_to_abi(&self, v: i64) -> i64 {
        i64::from(crate::mount::flags_to_abi(MountFlags(v as u32)))
    }
    fn freebsd4_mnt_flags_to_neutral(&self, v: i64) -> i64 {
        i64::from(crate::mount::flags_to_neutral(v as u32).0)
    }
    // sigaction and sigaltstack flags are kept in 4.x values (signals.rs reads them
    // straight): the identity.
    fn freebsd4_sa_flags_to_abi(&self, v: i64) -> i64 {
        v
    }
    fn freebsd4_sa_flags_to_neutral(&self, v: i64) -> i64 {
        v
    }
    fn freebsd4_ss_flags_to_abi(&self, v: i64) -> i64 {
        v
    }
    fn freebsd4_ss_flags_to_neutral(&self, v: i64) -> i64 {
        v
    }
    fn kind_to_dtype_to_abi(&self, v: u64) -> u64 {
        KINDS
            .get(v as usize)
            .map_or(fb::d_type::DT_UNKNOWN as u64, |&k| dtype(k) as u64)
    }
    fn kind_to_dtype_to_neutral(&self, v: u64) -> u64 {
        KINDS
            .iter()
            .position(|&k| dtype(k) as u64 == v)
            .map_or(u64::MAX, |i| i as u64)
    }
    fn osigset_to_abi(&self, v: u64) -> u64 {
        u64::from(signals::to_sigset(set_from_bits(v)).__bits[0])
    }
    fn osigset_to_neutral(&self, v: u64) -> u64 {
        let set = fb::sigset_t {
            __bits: [v as u32, 0, 0, 0],
        };
        bits_from_set(signals::from_sigset(&set))
    }
    fn sigset_to_abi(&self, v: u64) -> fb::sigset_t {
        signals::to_sigset(set_from_bits(v))
    }
    fn sigset_to_neutral(&self, v: fb::sigset_t) -> u64 {
        bits_from_set(signals::from_sigset(&v))
    }
    fn sigset_words_to_abi(&self, v: [u64; 4]) -> [u32; 4] {
        signals::to_sigset(set_from_bits(v[0])).__bits
    }
    fn sigset_words_to_neutral(&self, v: [u32; 4]) -> [u64; 4] {
        [
            bits_from_set(signals::from_sigset(&fb::sigset_t { __bits: v })),
            0,
            0,
            0,
        ]
    }
}
