//! Host tests of the generated code: reference sizes, decoders, dispatch.

use core::mem::{offset_of, size_of};

use nymph_abi::freebsd4_i386 as fb;
use nymph_abi::native_v1 as nv;
use nymph_abi::rt::{DecodeError, Dispatch, Status, UserBuf};
use zerocopy::{FromBytes, FromZeros, IntoBytes};

#[test]
fn freebsd4_reference_sizes() {
    // freebsd4-i386-abi.md section 4 and 5.
    assert_eq!(size_of::<fb::stat>(), 96);
    assert_eq!(offset_of!(fb::stat, st_size), 48);
    assert_eq!(offset_of!(fb::stat, st_blocks), 56);
    assert_eq!(size_of::<fb::sigframe>(), 408);
    assert_eq!(offset_of!(fb::sigframe, sf_uc), 20);
    assert_eq!(offset_of!(fb::sigframe, sf_si), 344);
    assert_eq!(size_of::<fb::ucontext_t>(), 324);
    assert_eq!(size_of::<fb::sigaction>(), 24);
    assert_eq!(size_of::<fb::ostat>(), 64);
    assert_eq!(size_of::<fb::termios>(), 44);
    assert_eq!(size_of::<fb::rusage>(), 72);
    assert_eq!(fb::SLOT_COUNT, 394);
}

#[test]
fn structs_round_trip_through_bytes() {
    let mut st = fb::stat::new_zeroed();
    st.st_size = 0x1_2345_6789_i64.into();
    st.st_mode = 0o100_644;
    let bytes = st.as_bytes();
    assert_eq!(bytes.len(), 96);
    // off_t at 48, little-endian, low word first.
    assert_eq!(&bytes[48..56], &0x1_2345_6789_i64.to_le_bytes());
    let back = fb::stat::read_from_bytes(bytes).expect("96 bytes");
    assert_eq!(back, st);
}

#[test]
fn i386_decoder_joins_wide_arguments_after_the_pad() {
    // lseek(fd, pad, offset = -2 (two words, low first), whence = SEEK_END)
    let words: [fb::Word; 5] = [3, 0, 0xffff_fffe, 0xffff_ffff, 2];
    let a = fb::LseekArgs::decode(&words).expect("decodes");
    assert_eq!(a.fd, 3);
    assert_eq!(a.offset, -2);
    assert_eq!(a.whence, fb::whence::SEEK_END);
    let bad: [fb::Word; 5] = [3, 0, 0, 0, 7];
    assert_eq!(
        fb::LseekArgs::decode(&bad),
        Err(DecodeError::BadEnum {
            arg: "whence",
            value: 7
        })
    );
    assert_eq!(fb::LseekArgs::WORDS, 5);
    assert_eq!(
        fb::LseekArgs::decode(&words[..3]),
        Err(DecodeError::MissingWord { arg: "offset" })
    );
}

#[test]
fn decoders_type_pointers_with_their_length() {
    let a = fb::ReadArgs::decode(&[4, 0x0804_9000, 512]).expect("decodes");
    assert_eq!(a.buf, UserBuf::new(0x0804_9000, 512));
    assert_eq!(a.fd, 4);
    let n = nv::ReadArgs::decode(&[u64::MAX, 0x7fff_0000_0000, 16]).expect("decodes");
    // An int passed in a 64-bit register: only the low 32 bits count.
    assert_eq!(n.fd, -1);
    assert_eq!(n.buf.len(), 16);
}

struct Proc {
    reads: u32,
}

fn sys_read(p: &mut Proc, a: fb::ReadArgs) -> Result<u32, i32> {
    p.reads += 1;
    Ok(a.nbyte)
}

#[test]
fn dispatch_runs_handlers_and_refuses_the_rest_explicitly() {
    let table = fb::Handlers::<Proc, Result<u32, i32>> {
        read: Some(sys_read),
        ..fb::Handlers::NONE
    };
    let mut p = Proc { reads: 0 };
    assert_eq!(
        table.dispatch(&mut p, 3, &[0, 0x1000, 7]),
        Dispatch::Handled(Ok(7))
    );
    assert_eq!(p.reads, 1);
    assert_eq!(
        table.dispatch(&mut p, 4, &[1, 0x1000, 7]),
        Dispatch::NotImplemented {
            number: 4,
            name: "write"
        }
    );
    // 154 is an empty (UNIMPL) slot, 394 is past the table.
    assert_eq!(
        table.dispatch(&mut p, 154, &[]),
        Dispatch::NoSuchSyscall { number: 154 }
    );
    assert_eq!(
        table.dispatch(&mut p, 394, &[]),
        Dispatch::NoSuchSyscall { number: 394 }
    );
    assert!(matches!(
        table.dispatch(&mut p, 3, &[0]),
        Dispatch::BadArgs { number: 3, .. }
    ));
    assert_eq!(p.reads, 1);
}

/// A refusal as an errno that says which kind it was.
fn refuse(_: &mut Proc, refused: Dispatch<Result<u32, i32>>) -> Result<u32, i32> {
    Err(match refused {
        Dispatch::Handled(_) => 0,
        Dispatch::NotImplemented { number, .. } => 1000 + number as i32,
        Dispatch::NoSuchSyscall { number } => 2000 + number as i32,
        Dispatch::BadArgs { number, .. } => 3000 + number as i32,
    })
}

#[test]
fn dispatch_or_returns_results_and_hands_refusals_over() {
    let table = fb::Handlers::<Proc, Result<u32, i32>> {
        read: Some(sys_read),
        ..fb::Handlers::NONE
    };
    let mut p = Proc { reads: 0 };
    assert_eq!(table.dispatch_or(&mut p, 3, &[0, 0x1000, 7], refuse), Ok(7));
    assert_eq!(p.reads, 1);
    assert_eq!(
        table.dispatch_or(&mut p, 4, &[1, 0x1000, 7], refuse),
        Err(1004)
    );
    assert_eq!(table.dispatch_or(&mut p, 154, &[], refuse), Err(2154));
    assert_eq!(table.dispatch_or(&mut p, 394, &[], refuse), Err(2394));
    assert_eq!(table.dispatch_or(&mut p, 3, &[0], refuse), Err(3003));
    assert_eq!(p.reads, 1);
}

#[test]
fn coverage_mismatches_compare_table_and_spec() {
    let table = fb::Handlers::<Proc, Result<u32, i32>> {
        read: Some(sys_read),
        ..fb::Handlers::NONE
    };
    let m: Vec<_> = table.coverage_mismatches().collect();
    let promised = fb::SYSCALLS
        .iter()
        .filter(|s| matches!(s.status, Status::Implemented | Status::Partial(_)))
        .count();
    let read_promised = matches!(
        fb::SYSCALLS[3].status,
        Status::Implemented | Status::Partial(_)
    );
    // Every promised call without a handler is a mismatch; read only if not promised.
    assert_eq!(
        m.len(),
        promised - usize::from(read_promised) + usize::from(!read_promised)
    );
    assert_eq!(fb::SYSCALLS[3].name, "read");
}

#[test]
fn flags_and_enums_keep_the_abi_values() {
    assert_eq!(fb::errno::EINVAL, 22);
    assert_eq!(fb::nr::SYS_read, 3);
    assert_eq!(fb::nr::SYS___getcwd, 326);
    assert_eq!(fb::SYSCALLS.len(), 394);
    assert_eq!(nv::ABI_VERSION, 1);
}

/// Identity value translations, enough to exercise the generated converters.
struct Identity;

macro_rules! identity {
    ($($to:ident $from:ident: $t:ty),* $(,)?) => {
        impl fb::Transforms for Identity {
            $(
                fn $to(&self, v: $t) -> $t { v }
                fn $from(&self, v: $t) -> $t { v }
            )*

            // The array and struct transforms: FreeBSD's 128-bit signal set as words, and
            // a one-word neutral signal set (the low 64 signals).
            fn sigset_words_to_abi(&self, v: [u64; 4]) -> [u32; 4] {
                v.map(|w| w as u32)
            }
            fn sigset_words_to_neutral(&self, v: [u32; 4]) -> [u64; 4] {
                v.map(u64::from)
            }
            fn sigset_to_abi(&self, v: u64) -> fb::sigset_t {
                fb::sigset_t { __bits: [v as u32, (v >> 32) as u32, 0, 0] }
            }
            fn sigset_to_neutral(&self, v: fb::sigset_t) -> u64 {
                u64::from(v.__bits[0]) | (u64::from(v.__bits[1]) << 32)
            }
            fn freebsd4_cc_to_abi(&self, v: [u64; 20]) -> [u8; 20] {
                v.map(|c| c as u8)
            }
            fn freebsd4_cc_to_neutral(&self, v: [u8; 20]) -> [u64; 20] {
                v.map(u64::from)
            }
        }
    };
}

identity! {
    freebsd4_cflag_to_abi freebsd4_cflag_to_neutral: u64,
    freebsd4_iflag_to_abi freebsd4_iflag_to_neutral: u64,
    freebsd4_lflag_to_abi freebsd4_lflag_to_neutral: u64,
    freebsd4_mnt_flags_to_abi freebsd4_mnt_flags_to_neutral: i64,
    freebsd4_oflag_to_abi freebsd4_oflag_to_neutral: u64,
    freebsd4_sa_flags_to_abi freebsd4_sa_flags_to_neutral: i64,
    freebsd4_ss_flags_to_abi freebsd4_ss_flags_to_neutral: i64,
    kind_to_dtype_to_abi kind_to_dtype_to_neutral: u64,
    osigset_to_abi osigset_to_neutral: u64,
}

fn sample_stat() -> fb::neutral::Stat {
    let mut n = fb::neutral::Stat::ZERO;
    n.dev = 0x1_0000_0005;
    n.ino = 42;
    n.mode = 0o100_644;
    n.nlink = 1;
    n.uid = 1000;
    n.size = 5_000_000_000;
    n.mtime.sec = 1_000_000_000;
    n.mtime.nsec = 5;
    n.blksize = 4096;
    n
}

#[test]
fn stat_converts_both_ways() {
    let n = sample_stat();
    let s = fb::stat::from_neutral(&n, &Identity).expect("fits in stat");
    assert_eq!(s.st_size.get(), 5_000_000_000);
    assert_eq!(s.st_ino, 42);
    assert_eq!(s.st_mtimespec.tv_sec, 1_000_000_000);
    let back = s.to_neutral(&Identity);
    assert_eq!(back.size, n.size);
    assert_eq!(back.mtime, n.mtime);
    assert_eq!(back.mode, n.mode);
}

#[test]
fn old_stat_reports_overflow_as_the_abi_says() {
    // A 5 GB file does not fit ostat's 32-bit st_size: EOVERFLOW, not a cut value.
    let n = sample_stat();
    assert_eq!(
        fb::ostat::from_neutral(&n, &Identity),
        Err(nymph_abi::rt::ConvertError::Overflow {
            field: "st_size",
            errno: fb::errno::EOVERFLOW
        })
    );
    // st_dev is documented as truncated to 16 bits.
    let mut small = n;
    small.size = 10;
    let o = fb::ostat::from_neutral(&small, &Identity).expect("fits");
    assert_eq!(o.st_dev, 5);
    assert_eq!(o.st_size, 10);
}

#[test]
fn native_decoders_keep_flags_and_bound_strings() {
    use nymph_abi::rt::UserCStr;
    // openat(AT_FDCWD, path, O_CREAT | O_WRONLY | unknown bit, 0o644)
    let words = [
        (-100_i64).cast_unsigned(),
        0x4000,
        0x100 | 1 | 0x8000_0000,
        0o644,
    ];
    let a = nv::OpenatArgs::decode(&words).expect("decodes");
    assert_eq!(a.dirfd, nv::consts::AT_FDCWD);
    assert_eq!(a.path, UserCStr::new(0x4000, 4096));
    assert!(
        a.flags
            .contains(nv::open_flags::O_CREAT | nv::open_flags::O_WRONLY)
    );
    // Unknown bits are kept for the handler to refuse, not dropped.
    assert_eq!(a.flags.bits() & 0x8000_0000, 0x8000_0000);
    assert_eq!(nv::stat::MIN_SIZE, 144);
    assert_eq!(nv::stat::SIZE_FIELD_OFFSET, 0);
}

#[test]
fn array_and_struct_transforms_convert_signal_sets_and_control_characters() {
    // sigaction: the mask (a sigset_t struct) goes through the `sigset` transform.
    let mut n = fb::neutral::Sigaction::ZERO;
    n.handler = 0x0804_9000;
    n.mask = (1 << 1) | (1 << 40);
    let sa = fb::sigaction::from_neutral(&n, &Identity).expect("fits");
    assert_eq!(sa.sa_mask.__bits, [1 << 1, 1 << 8, 0, 0]);
    assert_eq!(sa.to_neutral(&Identity).mask, n.mask);
    // termios: c_cc (an array of cc_t) goes through `freebsd4_cc` element by element.
    let mut t = fb::neutral::Termios::ZERO;
    t.cc[0] = 4;
    t.cc[19] = 0x7f;
    let abi = fb::termios::from_neutral(&t, &Identity).expect("fits");
    assert_eq!(abi.c_cc[0], 4);
    assert_eq!(abi.c_cc[19], 0x7f);
    assert_eq!(abi.to_neutral(&Identity).cc, t.cc);
}
