//! Reading a BSD `syscalls.master` (4.x format) into syscall slots.
//!
//! Used to bootstrap `freebsd4-i386.json` and, in the tests, to check that the JSON still
//! holds every slot of the table with its name, kind and argument list. The JSON is the
//! source of truth: the import gives the skeleton (names, kinds, C types mapped onto the
//! spec's typedef names, `const` pointers as inputs, path names as bounded strings); the
//! directions and lengths that need knowledge are refined in the JSON itself.

use std::fmt;

use crate::model::{Arg, CstrBound, CstrType, Dir, PtrType, Status, Syscall, SyscallKind, TypeRef};

/// One record of the table, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterEntry {
    pub number: u32,
    pub mpsafe: bool,
    /// STD, COMPAT, CPT_NOA, OBSOL, UNIMPL, NODEF, NOIMPL, NOPROTO, ...
    pub kind: String,
    /// The call's name: the alternative name if there is one, else the function's.
    pub name: String,
    /// The kernel function named in the prototype (empty for OBSOL/UNIMPL).
    pub function: String,
    /// The C return type ("int" for slots without a prototype).
    pub ret: String,
    /// (C type, name) of each parameter.
    pub params: Vec<(String, String)>,
    /// Trailing words of an OBSOL/UNIMPL line after its name ("(BSD/OS 2.x)").
    pub comment: String,
}

/// A line of the table that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterError {
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for MasterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "syscalls.master line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for MasterError {}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Parses the whole table.
///
/// # Errors
///
/// The first record that does not follow the 4.x format.
pub fn parse_master(text: &str) -> Result<Vec<MasterEntry>, MasterError> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut start_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if pending.is_empty() {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with(';') || t.starts_with('#') || t.starts_with('$') {
                continue;
            }
            if !t.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            start_line = i + 1;
        }
        if let Some(body) = line.strip_suffix('\\') {
            pending.push_str(body);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let rec = std::mem::take(&mut pending);
        out.push(parse_record(&rec, start_line)?);
    }
    Ok(out)
}

fn parse_record(rec: &str, line: usize) -> Result<MasterEntry, MasterError> {
    let err = |reason: String| MasterError { line, reason };
    let mut words = rec.split_whitespace();
    let number: u32 = words
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| err("no slot number".into()))?;
    let mut kind = words
        .next()
        .ok_or_else(|| err("no type".into()))?
        .to_owned();
    let mut mpsafe = false;
    if kind == "MPSAFE" {
        mpsafe = true;
        kind = words
            .next()
            .ok_or_else(|| err("no type".into()))?
            .to_owned();
    }
    let _namespace = words.next().ok_or_else(|| err("no namespace".into()))?;
    let rest: Vec<&str> = words.collect();
    let rest = rest.join(" ");
    if let Some(open) = rest.find('{') {
        let close = rest
            .rfind('}')
            .ok_or_else(|| err("unterminated prototype".into()))?;
        let proto = rest
            .get(open + 1..close)
            .ok_or_else(|| err("bad prototype".into()))?
            .trim()
            .trim_end_matches(';')
            .trim();
        let alt: Vec<&str> = rest
            .get(close + 1..)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let lp = proto
            .find('(')
            .ok_or_else(|| err("no '(' in prototype".into()))?;
        let rp = proto
            .rfind(')')
            .ok_or_else(|| err("no ')' in prototype".into()))?;
        let head = proto.get(..lp).unwrap_or("").trim();
        let (ret, function) = split_decl(head);
        let plist = proto.get(lp + 1..rp).unwrap_or("").trim();
        let mut params = Vec::new();
        if plist != "void" && !plist.is_empty() {
            for p in plist.split(',') {
                let (t, n) = split_decl(p.trim());
                if n.is_empty() {
                    return Err(err(format!("parameter without a name: {p}")));
                }
                params.push((t, n));
            }
        }
        let name = alt
            .first()
            .map_or_else(|| function.clone(), |s| (*s).to_owned());
        Ok(MasterEntry {
            number,
            mpsafe,
            kind,
            name,
            function,
            ret,
            params,
            comment: String::new(),
        })
    } else {
        // OBSOL / UNIMPL / NODEF: a name (possibly after a version word) and comments.
        let ws: Vec<&str> = rest.split_whitespace().collect();
        let pos = ws.iter().position(|w| is_ident(w));
        let name = pos
            .and_then(|p| ws.get(p))
            .map_or("nosys", |w| w)
            .to_owned();
        let comment = if kind == "NODEF" {
            String::new()
        } else {
            ws.iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != pos)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(" ")
        };
        Ok(MasterEntry {
            number,
            mpsafe,
            kind,
            name,
            function: String::new(),
            ret: "int".into(),
            params: Vec::new(),
            comment,
        })
    }
}

/// Splits "const struct stat *ub" into ("const struct stat *", "ub").
fn split_decl(d: &str) -> (String, String) {
    let d = d.trim();
    let cut = d
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = d.get(cut..).unwrap_or("").to_owned();
    let ty = d.get(..cut).unwrap_or("").trim().to_owned();
    (normalise_ctype(&ty), name)
}

fn normalise_ctype(t: &str) -> String {
    let mut s = t.replace('*', " * ");
    while s.contains("  ") {
        s = s.replace("  ", " ");
    }
    s.trim().replace(" *", "*").replace("* ", "*")
}

/// The kind of a table type.
#[must_use]
pub fn kind_of(master_type: &str) -> SyscallKind {
    match master_type {
        "COMPAT" | "CPT_NOA" | "LIBCOMPAT" => SyscallKind::OldCompat,
        "OBSOL" => SyscallKind::Obsolete,
        "UNIMPL" => SyscallKind::Unimplemented,
        "NODEF" => SyscallKind::Loadable,
        "NOIMPL" => SyscallKind::External,
        "NOPROTO" => SyscallKind::Alias,
        _ => SyscallKind::Standard,
    }
}

/// Parameter names that are NUL-terminated path names in the 4.x table.
const PATH_PARAMS: &[&str] = &["path", "link", "fname", "from", "to", "file"];

/// Longest path accepted by 4.x, NUL included (MAXPATHLEN).
pub const MAXPATHLEN: u64 = 1024;

/// Maps a normalised C type onto the freebsd4 spec's type names.
fn map_ctype(ctype: &str, pname: &str) -> TypeRef {
    let ctype = ctype.trim();
    if let Some(inner) = ctype.strip_suffix('*') {
        let inner = inner.trim();
        let is_const = inner.starts_with("const ") || inner.ends_with("const");
        let bare = inner
            .trim_start_matches("const ")
            .trim_end_matches("const")
            .trim();
        if bare == "char" && PATH_PARAMS.contains(&pname) {
            return TypeRef::Cstr(CstrType {
                cstr: CstrBound {
                    max: MAXPATHLEN,
                    too_long: Some("ENAMETOOLONG".into()),
                },
                nullable: false,
            });
        }
        if bare == "char*" && (pname == "argv" || pname == "envv") {
            return TypeRef::Ptr(PtrType {
                ptr: Box::new(TypeRef::Cstr(CstrType {
                    cstr: CstrBound {
                        max: 65536,
                        too_long: Some("E2BIG".into()),
                    },
                    nullable: false,
                })),
                dir: Dir::In,
                len: None,
                nullable: false,
                null_terminated: true,
                max_count: None,
            });
        }
        let pointee = if bare == "void" || bare == "char" {
            TypeRef::named("u8")
        } else {
            map_ctype(bare, "")
        };
        return TypeRef::Ptr(PtrType {
            ptr: Box::new(pointee),
            dir: if is_const { Dir::In } else { Dir::Inout },
            len: None,
            nullable: false,
            null_terminated: false,
            max_count: None,
        });
    }
    let t = ctype.trim_start_matches("const ").trim();
    let name = match t {
        "unsigned" => "u_int".to_owned(),
        "u_char" | "char" => "u8".to_owned(),
        _ => match t
            .strip_prefix("struct ")
            .or_else(|| t.strip_prefix("union "))
        {
            Some(tag) => tag.trim().to_owned(),
            None => t.to_owned(),
        },
    };
    TypeRef::Named(name)
}

/// Converts table records into spec syscalls. Every slot is "not implemented".
#[must_use]
pub fn to_syscalls(entries: &[MasterEntry]) -> Vec<Syscall> {
    entries
        .iter()
        .map(|e| {
            let kind = kind_of(&e.kind);
            let handler = match kind {
                SyscallKind::OldCompat => Some(format!("o{}", e.function)),
                _ if !e.function.is_empty() && e.function != e.name => Some(e.function.clone()),
                _ => None,
            };
            let args = e
                .params
                .iter()
                .map(|(t, n)| Arg {
                    name: n.clone(),
                    ty: map_ctype(t, n),
                    pad: n == "pad",
                    negative: None,
                    doc: None,
                })
                .collect();
            Syscall {
                number: e.number,
                name: e.name.clone(),
                kind,
                handler,
                master_type: Some(e.kind.clone()),
                mpsafe: e.mpsafe,
                indirect: e.number == 0 || e.name == "__syscall",
                args,
                variadic: false,
                ret: map_ctype(&e.ret, ""),
                extra_returns: Vec::new(),
                errors: Vec::new(),
                status: Status::NotImplemented { doc: None },
                since: None,
                negative: None,
                retired_in: None,
                doc: (!e.comment.is_empty()).then(|| e.comment.clone()),
                fuzz: None,
            }
        })
        .collect()
}

/// `abi-gen import-master`: the "syscalls" array of a spec, as JSON text, from the text of a
/// `syscalls.master`.
///
/// # Errors
///
/// A record that does not parse.
pub fn master_to_json(text: &str) -> Result<String, MasterError> {
    let entries = parse_master(text)?;
    serde_json::to_string_pretty(&to_syscalls(&entries)).map_err(|e| MasterError {
        line: 0,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
; a comment
#include <sys/param.h>
0\tSTD\tNOHIDE\t{ int nosys(void); } syscall nosys_args int
7\tSTD\tBSD\t{ int wait4(int pid, int *status, int options, \\
\t\t\t    struct rusage *rusage); } wait4 wait_args int
11\tOBSOL\tNOHIDE\texecv
24\tMPSAFE\tSTD\tPOSIX\t{ uid_t getuid(void); }
119\tUNIMPL\tNOHIDE\tresuba (BSD/OS 2.x)
139\tOBSOL\tNOHIDE\t4.2 sigreturn
199\tSTD\tPOSIX\t{ off_t lseek(int fd, int pad, off_t offset, \\
\t\t\t    int whence); }
210\tNODEF\tNOHIDE\tlkmnosys lkmnosys nosys_args int
315\tSTD\tBSD\t{ int aio_suspend(struct aiocb * const * aiocbp, int nent, const struct timespec *timeout); }
";

    #[test]
    fn parses_records_continuations_and_empty_slots() {
        let e = parse_master(SAMPLE).expect("parses");
        let names: Vec<(u32, &str, &str)> = e
            .iter()
            .map(|x| (x.number, x.kind.as_str(), x.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (0, "STD", "syscall"),
                (7, "STD", "wait4"),
                (11, "OBSOL", "execv"),
                (24, "STD", "getuid"),
                (119, "UNIMPL", "resuba"),
                (139, "OBSOL", "sigreturn"),
                (199, "STD", "lseek"),
                (210, "NODEF", "lkmnosys"),
                (315, "STD", "aio_suspend"),
            ]
        );
        assert!(e[3].mpsafe);
        assert_eq!(e[4].comment, "(BSD/OS 2.x)");
        assert_eq!(e[0].function, "nosys");
        let wait4: Vec<&str> = e[1].params.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(wait4, ["pid", "status", "options", "rusage"]);
        assert_eq!(e[1].params[3].0, "struct rusage*");
    }

    #[test]
    fn maps_c_types_onto_spec_types() {
        let calls = to_syscalls(&parse_master(SAMPLE).expect("parses"));
        assert!(calls[0].indirect);
        assert_eq!(calls[0].handler.as_deref(), Some("nosys"));
        let lseek = &calls[6];
        assert_eq!(lseek.ret, TypeRef::named("off_t"));
        assert!(lseek.args[1].pad);
        let rusage = &calls[1].args[3].ty;
        assert!(
            matches!(rusage, TypeRef::Ptr(p) if *p.ptr == TypeRef::named("rusage") && p.dir == Dir::Inout)
        );
        let TypeRef::Ptr(outer) = &calls[8].args[0].ty else {
            panic!("aiocb ** is a pointer")
        };
        assert_eq!(outer.dir, Dir::In, "the outer array is const");
        assert!(
            matches!(&*outer.ptr, TypeRef::Ptr(inner) if *inner.ptr == TypeRef::named("aiocb"))
        );
        let timeout = &calls[8].args[2].ty;
        assert!(matches!(timeout, TypeRef::Ptr(p) if p.dir == Dir::In));
        assert!(
            calls
                .iter()
                .all(|c| matches!(c.status, Status::NotImplemented { .. }))
        );
    }
}
