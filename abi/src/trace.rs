//! Syscall tracing: the formatter that turns a call's raw argument words and its result
//! into `name(args decoded by type) = result`, driven by the per-ABI tables abi-gen
//! writes (`<abi>::TRACE`) from the same spec as the dispatch table. Written by hand and
//! ABI-independent: every name, width and value comes from the tables.

use core::fmt::{self, Write};

/// How one argument is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number, decimal (signed or not as `Arg::signed` says).
    Int,
    /// A size or count: unsigned decimal.
    Size,
    /// An address-sized number shown in hex (uintptr_t).
    Hex,
    /// A file mode, in octal.
    Octal,
    /// A descriptor: decimal, or the ABI's name for "the working directory".
    Fd,
    /// A user pointer (any direction): hex, or NULL.
    Ptr,
    /// A NUL-terminated user string, read with a bounded length.
    Str,
    /// A flag set: `A|B`, unknown bits in hex.
    Flags(&'static [(&'static str, u64)]),
    /// An enumeration: the value's name, or the number.
    Enum(&'static [(&'static str, i64)]),
    /// An ioctl request: its name, or the number in hex.
    Ioctl(&'static [(&'static str, u64)]),
}

/// One argument of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    /// The name the spec gives it.
    pub name: &'static str,
    pub kind: Kind,
    /// Width of the value in bits (narrower than a word for `int` on x86_64).
    pub bits: u8,
    pub signed: bool,
    /// The first argument word it occupies, and how many (2 for i386 64-bit values).
    pub word: u8,
    pub words: u8,
}

impl Arg {
    /// An argument (a short form for the generated tables).
    #[must_use]
    pub const fn new(
        name: &'static str,
        kind: Kind,
        bits: u8,
        signed: bool,
        word: u8,
        words: u8,
    ) -> Self {
        Self {
            name,
            kind,
            bits,
            signed,
            word,
            words,
        }
    }
}

/// How a call's result is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// The call does not return (exit): the line is printed at entry with `= ?`.
    Void,
    /// A number of `bits` bits, decimal.
    Int { bits: u8, signed: bool },
    /// An address (mmap): hex.
    Hex,
    /// A file mode (umask): octal.
    Octal,
}

/// One syscall slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub name: &'static str,
    pub args: &'static [Arg],
    pub ret: Ret,
}

/// What a tracer needs of one ABI.
#[derive(Debug, Clone, Copy)]
pub struct AbiTrace {
    /// Indexed by slot number; `None` where no call lives.
    pub calls: &'static [Option<Call>],
    /// errno names by value.
    pub errno: &'static [(i32, &'static str)],
    /// 64-bit values split over two words put the high word first.
    pub wide_high_first: bool,
    /// The descriptor value meaning "relative to the working directory", if the ABI has one.
    pub at_fdcwd: Option<i64>,
}

/// How a traced call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It returned this value (the raw result register(s)).
    Value(u64),
    /// It failed with this errno.
    Errno(i32),
    /// It did not return to the caller (exit, a restored signal context).
    NoReturn,
    /// It was interrupted and will be restarted.
    Restart,
}

/// A traced call between its entry and its return: its decoded `name(args)`.
#[derive(Debug)]
pub struct Entered {
    line: alloc::string::String,
    number: u64,
}

/// Longest string argument shown; longer ones end in `...`.
pub const STR_MAX: usize = 64;

/// Reads a user string at an address into the buffer: the bytes read and whether the
/// string ended (its NUL was seen) within them; `None` when the memory cannot be read.
pub type ReadStr<'a> = dyn FnMut(u64, &mut [u8]) -> Option<(usize, bool)> + 'a;

impl AbiTrace {
    /// The call in slot `number`.
    #[must_use]
    pub fn call(&self, number: u64) -> Option<&'static Call> {
        let slot = usize::try_from(number).ok()?;
        self.calls.get(slot)?.as_ref()
    }

    /// Decodes call `number` at its entry (strings are read now, before the call can
    /// change them). A call that never returns is finished at once: its whole line,
    /// `name(args) = ?`, goes to `emit` and there is nothing to finish.
    pub fn enter(
        &self,
        number: u64,
        words: &[u64],
        read_str: &mut ReadStr<'_>,
        emit: &mut dyn FnMut(&str),
    ) -> Option<Entered> {
        let mut line = alloc::string::String::new();
        let _ = self.write_call(&mut line, number, words, read_str);
        if self.no_return(number) {
            let _ = self.write_result(&mut line, number, Outcome::NoReturn);
            emit(&line);
            return None;
        }
        Some(Entered { line, number })
    }

    /// The whole line of a call entered with [`AbiTrace::enter`], now that it ended.
    #[must_use]
    pub fn finish(&self, call: Entered, outcome: Outcome) -> alloc::string::String {
        let mut line = call.line;
        let _ = self.write_result(&mut line, call.number, outcome);
        line
    }

    /// Whether the call never returns, so its line must be printed at entry.
    #[must_use]
    pub fn no_return(&self, number: u64) -> bool {
        self.call(number).is_some_and(|c| c.ret == Ret::Void)
    }

    /// The name of errno `e`.
    #[must_use]
    pub fn errno_name(&self, e: i32) -> Option<&'static str> {
        self.errno.iter().find(|(v, _)| *v == e).map(|(_, n)| *n)
    }

    /// Writes `name(arg, ...)` for call `number` with its raw argument words.
    ///
    /// # Errors
    /// Only those of `out`.
    pub fn write_call(
        &self,
        out: &mut dyn Write,
        number: u64,
        words: &[u64],
        read_str: &mut ReadStr<'_>,
    ) -> fmt::Result {
        let Some(call) = self.call(number) else {
            return write!(out, "syscall_{number}(...)");
        };
        write!(out, "{}(", call.name)?;
        for (i, arg) in call.args.iter().enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            match self.value(arg, words) {
                Some(v) => self.write_arg(out, arg, v, read_str)?,
                None => out.write_char('?')?,
            }
        }
        out.write_char(')')
    }

    /// Writes ` = result` for call `number`: the value by the call's return kind, or
    /// `-1 ENAME` for an error.
    ///
    /// # Errors
    /// Only those of `out`.
    pub fn write_result(&self, out: &mut dyn Write, number: u64, outcome: Outcome) -> fmt::Result {
        match outcome {
            Outcome::Value(v) => {
                let ret = self.call(number).map_or(
                    Ret::Int {
                        bits: 64,
                        signed: true,
                    },
                    |c| c.ret,
                );
                match ret {
                    Ret::Void => out.write_str(" = ?"),
                    Ret::Int { bits, signed } => {
                        out.write_str(" = ")?;
                        write_int(out, v, bits, signed)
                    }
                    Ret::Hex => write!(out, " = {v:#x}"),
                    Ret::Octal => {
                        out.write_str(" = ")?;
                        write_octal(out, v)
                    }
                }
            }
            Outcome::Errno(e) => match self.errno_name(e) {
                Some(name) => write!(out, " = -1 {name}"),
                None => write!(out, " = -1 errno {e}"),
            },
            Outcome::NoReturn => out.write_str(" = ?"),
            Outcome::Restart => out.write_str(" = ? (interrupted, restarting)"),
        }
    }

    /// The raw value of `arg`, widened to 64 bits; `None` if its words are missing.
    fn value(&self, arg: &Arg, words: &[u64]) -> Option<u64> {
        let at = usize::from(arg.word);
        if arg.words == 2 {
            let a = *words.get(at)? & 0xffff_ffff;
            let b = *words.get(at + 1)? & 0xffff_ffff;
            let (lo, hi) = if self.wide_high_first { (b, a) } else { (a, b) };
            Some(hi << 32 | lo)
        } else {
            words.get(at).copied()
        }
    }

    fn write_arg(
        &self,
        out: &mut dyn Write,
        arg: &Arg,
        raw: u64,
        read_str: &mut ReadStr<'_>,
    ) -> fmt::Result {
        let v = narrow(raw, arg.bits);
        match arg.kind {
            Kind::Int => write_int(out, raw, arg.bits, arg.signed),
            Kind::Size => write!(out, "{v}"),
            Kind::Hex => write!(out, "{v:#x}"),
            Kind::Octal => write_octal(out, v),
            Kind::Fd => {
                let fd = sign_extend(raw, arg.bits);
                match self.at_fdcwd {
                    Some(cwd) if cwd == fd => out.write_str("AT_FDCWD"),
                    _ => write!(out, "{fd}"),
                }
            }
            Kind::Ptr if v == 0 => out.write_str("NULL"),
            Kind::Ptr => write!(out, "{v:#x}"),
            Kind::Str => write_str_arg(out, v, read_str),
            Kind::Flags(names) => write_flags(out, v, names),
            Kind::Enum(names) => {
                let x = if arg.signed {
                    sign_extend(raw, arg.bits)
                } else {
                    v.cast_signed()
                };
                match names.iter().find(|(_, n)| *n == x) {
                    Some((name, _)) => out.write_str(name),
                    None => write!(out, "{x}"),
                }
            }
            Kind::Ioctl(names) => match names.iter().find(|(_, n)| *n == v) {
                Some((name, _)) => out.write_str(name),
                None => write!(out, "{v:#x}"),
            },
        }
    }
}

/// The low `bits` bits of `v`.
fn narrow(v: u64, bits: u8) -> u64 {
    if bits >= 64 {
        v
    } else {
        v & ((1u64 << bits) - 1)
    }
}

/// The low `bits` bits of `v` as a signed number.
fn sign_extend(v: u64, bits: u8) -> i64 {
    if bits == 0 || bits >= 64 {
        return v.cast_signed();
    }
    let shift = 64 - u32::from(bits);
    (v << shift).cast_signed() >> shift
}

/// Octal as C writes it: a leading 0.
fn write_octal(out: &mut dyn Write, v: u64) -> fmt::Result {
    if v == 0 {
        out.write_char('0')
    } else {
        write!(out, "0{v:o}")
    }
}

fn write_int(out: &mut dyn Write, v: u64, bits: u8, signed: bool) -> fmt::Result {
    if signed {
        write!(out, "{}", sign_extend(v, bits))
    } else {
        write!(out, "{}", narrow(v, bits))
    }
}

/// A string argument: quoted, with C escapes, cut at [`STR_MAX`] bytes.
fn write_str_arg(out: &mut dyn Write, addr: u64, read_str: &mut ReadStr<'_>) -> fmt::Result {
    if addr == 0 {
        return out.write_str("NULL");
    }
    let mut buf = [0u8; STR_MAX];
    let Some((len, complete)) = read_str(addr, &mut buf) else {
        return write!(out, "{addr:#x}");
    };
    out.write_char('"')?;
    for &b in buf.get(..len).unwrap_or(&buf) {
        match b {
            b'"' => out.write_str("\\\"")?,
            b'\\' => out.write_str("\\\\")?,
            b'\n' => out.write_str("\\n")?,
            b'\t' => out.write_str("\\t")?,
            0x20..=0x7e => out.write_char(char::from(b))?,
            _ => write!(out, "\\x{b:02x}")?,
        }
    }
    out.write_char('"')?;
    if !complete {
        out.write_str("...")?;
    }
    Ok(())
}

/// Whether `m` is a field mask of the set (such as O_ACCMODE): several bits, exactly
/// the union of the other non-zero values inside it.
fn is_mask(m: u64, names: &[(&str, u64)]) -> bool {
    if m.count_ones() < 2 {
        return false;
    }
    let union = names
        .iter()
        .map(|&(_, v)| v)
        .filter(|&v| v != 0 && v != m && v & !m == 0)
        .fold(0, |acc, v| acc | v);
    union == m
}

/// A flag set: a field under a mask is named by its value (O_RDONLY is the access-mode
/// field being 0), other names by their bits, what no name covers in hex; a zero-valued
/// name stands for the whole value only when nothing else is set.
fn write_flags(out: &mut dyn Write, v: u64, names: &[(&str, u64)]) -> fmt::Result {
    let mut first = true;
    let mut sep = |out: &mut dyn Write| {
        if first {
            first = false;
            Ok(())
        } else {
            out.write_char('|')
        }
    };
    let mut covered = 0u64;
    let mut fields = 0u64;
    let masks = names.iter().filter(|&&(_, m)| is_mask(m, names));
    for &(_, mask) in masks {
        fields |= mask;
        // The field's value by name (zero included), else left for the hex rest.
        let field = v & mask;
        let named = names
            .iter()
            .find(|&&(_, x)| x == field && x & !mask == 0 && !is_mask(x, names));
        if let Some((name, _)) = named {
            sep(out)?;
            out.write_str(name)?;
            covered |= mask;
        }
    }
    for &(name, bits) in names {
        if bits == 0 || bits & (covered | fields) != 0 || v & bits != bits {
            continue;
        }
        sep(out)?;
        out.write_str(name)?;
        covered |= bits;
    }
    let rest = v & !covered;
    if rest != 0 {
        sep(out)?;
        write!(out, "{rest:#x}")?;
    }
    if v == 0 && covered == 0 {
        match names.iter().find(|&&(_, x)| x == 0) {
            Some((name, _)) => out.write_str(name)?,
            None => out.write_char('0')?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &[(&str, u64)] = &[
        ("O_RDONLY", 0),
        ("O_WRONLY", 1),
        ("O_RDWR", 2),
        ("O_ACCMODE", 3),
        ("O_CREAT", 0x200),
        ("O_TRUNC", 0x400),
    ];
    const PROT: &[(&str, u64)] = &[("PROT_NONE", 0), ("PROT_READ", 1), ("PROT_WRITE", 2)];
    const WHENCE: &[(&str, i64)] = &[("SEEK_SET", 0), ("SEEK_CUR", 1), ("SEEK_END", 2)];

    fn flags(v: u64, names: &[(&str, u64)]) -> String {
        let mut s = String::new();
        write_flags(&mut s, v, names).unwrap();
        s
    }

    #[test]
    fn flags_name_fields_bits_and_unknown_bits() {
        assert_eq!(flags(0, OPEN), "O_RDONLY");
        assert_eq!(flags(0x200, OPEN), "O_RDONLY|O_CREAT");
        assert_eq!(flags(0x601, OPEN), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(flags(2 | 0x8000, OPEN), "O_RDWR|0x8000");
        // The access field's value 3 has no name of its own: shown as bits.
        assert_eq!(flags(3, OPEN), "0x3");
        assert_eq!(flags(0, PROT), "PROT_NONE");
        assert_eq!(flags(3, PROT), "PROT_READ|PROT_WRITE");
        assert_eq!(flags(0x10, PROT), "0x10");
        assert_eq!(flags(0, &[("A", 1)]), "0");
    }

    const ARGS: &[Arg] = &[
        Arg {
            name: "dirfd",
            kind: Kind::Fd,
            bits: 32,
            signed: true,
            word: 0,
            words: 1,
        },
        Arg {
            name: "path",
            kind: Kind::Str,
            bits: 64,
            signed: false,
            word: 1,
            words: 1,
        },
        Arg {
            name: "flags",
            kind: Kind::Flags(OPEN),
            bits: 32,
            signed: false,
            word: 2,
            words: 1,
        },
        Arg {
            name: "mode",
            kind: Kind::Octal,
            bits: 16,
            signed: false,
            word: 3,
            words: 1,
        },
    ];
    const SEEK: &[Arg] = &[
        Arg {
            name: "fd",
            kind: Kind::Fd,
            bits: 32,
            signed: true,
            word: 0,
            words: 1,
        },
        Arg {
            name: "offset",
            kind: Kind::Int,
            bits: 64,
            signed: true,
            word: 2,
            words: 2,
        },
        Arg {
            name: "whence",
            kind: Kind::Enum(WHENCE),
            bits: 32,
            signed: true,
            word: 4,
            words: 1,
        },
    ];
    static CALLS: [Option<Call>; 3] = [
        Some(Call {
            name: "exit",
            args: &[],
            ret: Ret::Void,
        }),
        Some(Call {
            name: "openat",
            args: ARGS,
            ret: Ret::Int {
                bits: 32,
                signed: true,
            },
        }),
        Some(Call {
            name: "lseek",
            args: SEEK,
            ret: Ret::Int {
                bits: 64,
                signed: true,
            },
        }),
    ];
    const ABI: AbiTrace = AbiTrace {
        calls: &CALLS,
        errno: &[(2, "ENOENT"), (9, "EBADF")],
        wide_high_first: false,
        at_fdcwd: Some(-100),
    };

    fn line(number: u64, words: &[u64], outcome: Outcome, mem: &[u8]) -> String {
        let mut s = String::new();
        // User memory: `mem` at 0x1000.
        let mut read = |addr: u64, buf: &mut [u8]| {
            let at = usize::try_from(addr.checked_sub(0x1000)?).ok()?;
            let src = mem.get(at..)?;
            let n = src.len().min(buf.len());
            buf[..n].copy_from_slice(&src[..n]);
            Some(match src[..n].iter().position(|&b| b == 0) {
                Some(nul) => (nul, true),
                None => (n, false),
            })
        };
        ABI.write_call(&mut s, number, words, &mut read).unwrap();
        ABI.write_result(&mut s, number, outcome).unwrap();
        s
    }

    #[test]
    fn calls_decode_by_type_and_results_by_errno_name() {
        let cwd = (-100i64).cast_unsigned();
        assert_eq!(
            line(
                1,
                &[cwd, 0x1000, 0x201, 0o644],
                Outcome::Value(3),
                b"/tmp/x\0"
            ),
            "openat(AT_FDCWD, \"/tmp/x\", O_WRONLY|O_CREAT, 0644) = 3"
        );
        // An int in a 64-bit register: only the low 32 bits count.
        assert_eq!(
            line(
                1,
                &[0xffff_ffff, 0x1000, 0, 0],
                Outcome::Errno(2),
                b"a\"\n\0"
            ),
            "openat(-1, \"a\\\"\\n\", O_RDONLY, 0) = -1 ENOENT"
        );
        assert_eq!(
            line(1, &[3, 0x9000, 0, 0], Outcome::Errno(77), b""),
            "openat(3, 0x9000, O_RDONLY, 0) = -1 errno 77"
        );
        let long = [b'x'; 100];
        let shown = line(1, &[3, 0x1000, 0, 0], Outcome::Value(4), &long);
        assert!(shown.contains(&format!("\"{}\"...", "x".repeat(STR_MAX))));
        // A 64-bit offset over two i386 words, low word first.
        assert_eq!(
            line(
                2,
                &[5, 0, 0xffff_fffe, 0xffff_ffff, 1],
                Outcome::Value(0x1_0000_0000),
                b""
            ),
            "lseek(5, -2, SEEK_CUR) = 4294967296"
        );
        assert_eq!(
            line(2, &[5, 0, 0, 0, 9], Outcome::Errno(9), b""),
            "lseek(5, 0, 9) = -1 EBADF"
        );
        assert_eq!(
            line(2, &[5], Outcome::Restart, b""),
            "lseek(5, ?, ?) = ? (interrupted, restarting)"
        );
        assert_eq!(line(0, &[], Outcome::NoReturn, b""), "exit() = ?");
        assert_eq!(line(7, &[], Outcome::Value(1), b""), "syscall_7(...) = 1");
        assert!(ABI.no_return(0) && !ABI.no_return(1));
    }
}
