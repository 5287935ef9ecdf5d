//! The ABI-independent vocabulary the generated modules are written in: user
//! addresses with a direction, decode errors, syscall metadata and the result of a
//! table dispatch. Nothing here knows a syscall number or a struct layout.

use core::fmt;
use core::marker::PhantomData;

/// Direction marker: the kernel only reads through the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {}
/// Direction marker: the kernel only writes through the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {}
/// Direction marker: the kernel reads and writes through the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InOut {}

/// An unvalidated user-space address of one `T`, as a syscall argument carried it.
///
/// It is only a number: the core kernel's typed, fallible copies turn it into
/// data. `D` says which way the data flows (`In`, `Out`, `InOut`).
pub struct UserPtr<T, D> {
    addr: u64,
    _marker: PhantomData<fn() -> (T, D)>,
}

impl<T, D> UserPtr<T, D> {
    /// Wraps a raw address.
    #[must_use]
    pub const fn new(addr: u64) -> Self {
        Self {
            addr,
            _marker: PhantomData,
        }
    }

    /// The raw address.
    #[must_use]
    pub const fn addr(self) -> u64 {
        self.addr
    }

    /// Whether the address is zero (a NULL the ABI may allow).
    #[must_use]
    pub const fn is_null(self) -> bool {
        self.addr == 0
    }
}

impl<T, D> Clone for UserPtr<T, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, D> Copy for UserPtr<T, D> {}

impl<T, D> PartialEq for UserPtr<T, D> {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr
    }
}

impl<T, D> Eq for UserPtr<T, D> {}

impl<T, D> fmt::Debug for UserPtr<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserPtr({:#x})", self.addr)
    }
}

/// A user buffer of bytes: an address, and a length taken from another argument.
pub struct UserBuf<D> {
    addr: u64,
    len: u64,
    _marker: PhantomData<fn() -> D>,
}

impl<D> UserBuf<D> {
    /// Wraps a raw address and length.
    #[must_use]
    pub const fn new(addr: u64, len: u64) -> Self {
        Self {
            addr,
            len,
            _marker: PhantomData,
        }
    }

    /// The raw address.
    #[must_use]
    pub const fn addr(self) -> u64 {
        self.addr
    }

    /// The length in bytes, as user space gave it (not yet checked against anything).
    #[must_use]
    pub const fn len(self) -> u64 {
        self.len
    }

    /// Whether the length is zero.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.len == 0
    }
}

impl<D> Clone for UserBuf<D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D> Copy for UserBuf<D> {}

impl<D> PartialEq for UserBuf<D> {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr && self.len == other.len
    }
}

impl<D> Eq for UserBuf<D> {}

impl<D> fmt::Debug for UserBuf<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserBuf({:#x}, len {})", self.addr, self.len)
    }
}

/// A user array of `T`: an address, and an element count taken from another argument.
pub struct UserSlice<T, D> {
    addr: u64,
    count: u64,
    _marker: PhantomData<fn() -> (T, D)>,
}

impl<T, D> UserSlice<T, D> {
    /// Wraps a raw address and element count.
    #[must_use]
    pub const fn new(addr: u64, count: u64) -> Self {
        Self {
            addr,
            count,
            _marker: PhantomData,
        }
    }

    /// The raw address.
    #[must_use]
    pub const fn addr(self) -> u64 {
        self.addr
    }

    /// The element count, as user space gave it.
    #[must_use]
    pub const fn count(self) -> u64 {
        self.count
    }
}

impl<T, D> Clone for UserSlice<T, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, D> Copy for UserSlice<T, D> {}

impl<T, D> PartialEq for UserSlice<T, D> {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr && self.count == other.count
    }
}

impl<T, D> Eq for UserSlice<T, D> {}

impl<T, D> fmt::Debug for UserSlice<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserSlice({:#x}, count {})", self.addr, self.count)
    }
}

/// A NUL-terminated user string: an address and the longest length the ABI accepts
/// (NUL included); the copy-in enforces `max`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct UserCStr {
    addr: u64,
    max: u64,
}

impl UserCStr {
    /// Wraps a raw address and the ABI's bound.
    #[must_use]
    pub const fn new(addr: u64, max: u64) -> Self {
        Self { addr, max }
    }

    /// The raw address.
    #[must_use]
    pub const fn addr(self) -> u64 {
        self.addr
    }

    /// Longest accepted string, NUL included.
    #[must_use]
    pub const fn max(self) -> u64 {
        self.max
    }

    /// Whether the address is zero.
    #[must_use]
    pub const fn is_null(self) -> bool {
        self.addr == 0
    }
}

impl fmt::Debug for UserCStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserCStr({:#x}, max {})", self.addr, self.max)
    }
}

/// Why a syscall's raw argument words could not be decoded into its typed arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer argument words were supplied than the syscall takes.
    MissingWord {
        /// The argument being decoded.
        arg: &'static str,
    },
    /// A word held a value that does not fit the argument's type.
    OutOfRange {
        /// The argument being decoded.
        arg: &'static str,
        /// The raw value.
        value: u64,
    },
    /// An enumerated argument held a value the ABI does not define.
    BadEnum {
        /// The argument being decoded.
        arg: &'static str,
        /// The raw value.
        value: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingWord { arg } => write!(f, "argument `{arg}` missing"),
            Self::OutOfRange { arg, value } => {
                write!(f, "argument `{arg}` out of range: {value:#x}")
            }
            Self::BadEnum { arg, value } => {
                write!(f, "argument `{arg}` is not a defined value: {value:#x}")
            }
        }
    }
}

/// The status of a syscall slot in this kernel, as the spec records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Implemented fully.
    Implemented,
    /// Implemented in part; the text says what is missing.
    Partial(&'static str),
    /// Defined by the ABI but not implemented here.
    NotImplemented,
    /// No syscall lives in this slot (unassigned, obsolete or reserved).
    Empty,
}

impl Status {
    /// A short word for tables.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Implemented => "implemented",
            Self::Partial(_) => "partial",
            Self::NotImplemented => "not implemented",
            Self::Empty => "empty",
        }
    }
}

/// What the spec says about one syscall slot; the generated `SYSCALLS` array holds one
/// per slot, and the coverage table is printed from the same data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallInfo {
    /// The slot number.
    pub number: u32,
    /// The name, spelled as the source OS spells it.
    pub name: &'static str,
    /// The kind of slot in the source OS (for example `STD`, `COMPAT`, `UNIMPL`).
    pub kind: &'static str,
    /// The status of the slot in this kernel.
    pub status: Status,
    /// How many argument words the slot takes.
    pub arg_words: u8,
}

/// The outcome of dispatching one raw syscall through a generated table.
///
/// Only `Handled` means a handler ran; every other variant is an explicit refusal
/// that the personality turns into the ABI's own way of saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch<R> {
    /// The handler ran and returned this.
    Handled(R),
    /// The slot is a syscall of the ABI, but the personality has no handler for it.
    NotImplemented {
        /// The slot number.
        number: u64,
        /// Its name.
        name: &'static str,
    },
    /// The slot holds no syscall (unassigned, obsolete, or past the table's end).
    NoSuchSyscall {
        /// The slot number.
        number: u64,
    },
    /// The arguments could not be decoded; the handler did not run.
    BadArgs {
        /// The slot number.
        number: u64,
        /// Its name.
        name: &'static str,
        /// Why.
        error: DecodeError,
    },
}

/// A disagreement between a personality's handler table and the spec's status of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageMismatch {
    /// The slot number.
    pub number: u32,
    /// Its name.
    pub name: &'static str,
    /// What the spec says.
    pub status: Status,
    /// Whether the table has a handler.
    pub handled: bool,
}

/// Reads argument word `i`, or says which argument is missing.
///
/// # Errors
/// `DecodeError::MissingWord` when `words` is too short.
pub fn word<W: Copy>(words: &[W], i: usize, arg: &'static str) -> Result<W, DecodeError> {
    words
        .get(i)
        .copied()
        .ok_or(DecodeError::MissingWord { arg })
}

/// Joins two 32-bit words (low first) into a 64-bit value, as i386 passes `off_t`.
#[must_use]
pub const fn join_u32(lo: u32, hi: u32) -> u64 {
    ((hi as u64) << 32) | lo as u64
}

/// A raw argument word widened to 64 bits (i386 words are 32 bits, x86_64 ones 64).
#[must_use]
pub fn widen(w: impl Into<u64>) -> u64 {
    w.into()
}

/// The low 8 bits of a word: what a callee reads of a narrow argument.
#[must_use]
pub fn low_u8(w: impl Into<u64>) -> u8 {
    let [b0, ..] = w.into().to_le_bytes();
    b0
}

/// The low 16 bits of a word.
#[must_use]
pub fn low_u16(w: impl Into<u64>) -> u16 {
    let [b0, b1, ..] = w.into().to_le_bytes();
    u16::from_le_bytes([b0, b1])
}

/// The low 32 bits of a word (an `int` passed in a 64-bit register).
#[must_use]
pub fn low_u32(w: impl Into<u64>) -> u32 {
    let [b0, b1, b2, b3, ..] = w.into().to_le_bytes();
    u32::from_le_bytes([b0, b1, b2, b3])
}

/// A whole word as 64 bits.
#[must_use]
pub fn low_u64(w: impl Into<u64>) -> u64 {
    w.into()
}

/// Runs one table slot: decode, then call the handler; an absent handler is an
/// explicit `NotImplemented`, a decode failure an explicit `BadArgs`.
pub fn call<C: ?Sized, W, A, R>(
    handler: Option<fn(&mut C, A) -> R>,
    cx: &mut C,
    number: u64,
    name: &'static str,
    words: &[W],
    decode: fn(&[W]) -> Result<A, DecodeError>,
) -> Dispatch<R> {
    let Some(h) = handler else {
        return Dispatch::NotImplemented { number, name };
    };
    match decode(words) {
        Ok(args) => Dispatch::Handled(h(cx, args)),
        Err(error) => Dispatch::BadArgs {
            number,
            name,
            error,
        },
    }
}

/// [`call`] for the generated `Handlers::dispatch_or`: the handler's result as it is,
/// and a refusal handed to `refuse`.
#[inline]
pub fn call_or<C: ?Sized, W, A, R>(
    handler: Option<fn(&mut C, A) -> R>,
    cx: &mut C,
    number: u64,
    name: &'static str,
    words: &[W],
    decode: fn(&[W]) -> Result<A, DecodeError>,
    refuse: fn(&mut C, Dispatch<R>) -> R,
) -> R {
    let Some(h) = handler else {
        return refuse(cx, Dispatch::NotImplemented { number, name });
    };
    match decode(words) {
        Ok(args) => h(cx, args),
        Err(error) => refuse(
            cx,
            Dispatch::BadArgs {
                number,
                name,
                error,
            },
        ),
    }
}

/// Why a neutral value could not be written into an ABI struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertError {
    /// The value does not fit, and the ABI says the call fails with this errno
    /// (EOVERFLOW, usually).
    Overflow {
        /// The ABI field.
        field: &'static str,
        /// The ABI's errno value.
        errno: i32,
    },
    /// The spec says the value always fits, and it did not: a kernel bug, reported
    /// rather than truncated.
    Unfit {
        /// The ABI field.
        field: &'static str,
    },
}

/// Copies a neutral byte string into an ABI array of `A` bytes. Bytes past `A` must be
/// zero unless `truncate`, in which case the result is cut and stays NUL-terminated.
#[must_use]
pub fn bytes_to_abi<const A: usize, const N: usize>(
    src: &[u8; N],
    truncate: bool,
) -> Option<[u8; A]> {
    let mut out = [0u8; A];
    let mut cut = false;
    for (i, b) in src.iter().enumerate() {
        match out.get_mut(i) {
            Some(o) => *o = *b,
            None if *b == 0 => {}
            None if truncate => cut = true,
            None => return None,
        }
    }
    if cut && let Some(last) = out.last_mut() {
        *last = 0;
    }
    Some(out)
}

/// Copies an ABI byte array into a neutral one of `N` bytes (zero-filled).
#[must_use]
pub fn bytes_to_neutral<const A: usize, const N: usize>(src: &[u8; A]) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(src) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_low_word_first() {
        assert_eq!(join_u32(0xffff_ffff, 0), 0xffff_ffff);
        assert_eq!(join_u32(0, 1), 1 << 32);
        assert_eq!(join_u32(0xffff_ffff, 0xffff_ffff).cast_signed(), -1);
    }

    #[test]
    fn byte_strings_fit_or_say_so() {
        let src = *b"abcdef\0\0";
        assert_eq!(bytes_to_abi::<4, 8>(&src, false), None);
        assert_eq!(bytes_to_abi::<4, 8>(&src, true), Some(*b"abc\0"));
        assert_eq!(bytes_to_abi::<7, 8>(&src, false), Some(*b"abcdef\0"));
        assert_eq!(bytes_to_neutral::<4, 6>(b"ab\0\0"), *b"ab\0\0\0\0");
    }

    #[test]
    fn missing_word_names_the_argument() {
        let words: [u32; 1] = [7];
        assert_eq!(word(&words, 0, "fd"), Ok(7));
        assert_eq!(
            word(&words, 1, "buf"),
            Err(DecodeError::MissingWord { arg: "buf" })
        );
    }
}
