//! The password files of a 4.x `/etc`, as its `pwd_mkdb` makes them from
//! `master.passwd`: `pwd.db` (no password hashes), `spwd.db` (with them, read when the
//! effective uid is 0) and the v7 `passwd`.
//!
//! Each account is one record, stored under three keys: `'1'` + name, `'2'` + its
//! number among the non-comment lines (from 1), `'3'` + uid, the numbers as 32-bit
//! little-endian ints (i386). A key already stored is kept (a later account with the
//! same uid, like `toor`, is not found by uid). The record is name NUL, password NUL,
//! uid, gid, change (time_t, 32 bits), class NUL, gecos NUL, dir NUL, shell NUL,
//! expire (32 bits) and `pw_fields` (which fields the line had, one bit each in the
//! order name, passwd, uid, gid, change, class, gecos, dir, shell, expire). 4.x has
//! no version keys; its YP keys (`'4'`, `'5'`) appear only for `+`/`-` lines, which
//! are not supported here.

use nymph_dbhash as dbhash;
use std::fmt;

const KEY_BY_NAME: u8 = b'1';
const KEY_BY_NUM: u8 = b'2';
const KEY_BY_UID: u8 = b'3';

const F_NAME: u32 = 1 << 0;
const F_PASSWD: u32 = 1 << 1;
const F_UID: u32 = 1 << 2;
const F_GID: u32 = 1 << 3;
const F_CHANGE: u32 = 1 << 4;
const F_CLASS: u32 = 1 << 5;
const F_GECOS: u32 = 1 << 6;
const F_DIR: u32 = 1 << 7;
const F_SHELL: u32 = 1 << 8;
const F_EXPIRE: u32 = 1 << 9;

/// One line of `master.passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub passwd: String,
    pub uid: u32,
    pub gid: u32,
    pub class: String,
    pub change: i64,
    pub expire: i64,
    pub gecos: String,
    pub dir: String,
    pub shell: String,
    /// `pw_fields`: which fields were present.
    pub fields: u32,
}

/// A line `pwd_mkdb` would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub why: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "master.passwd line {}: {}", self.line, self.why)
    }
}

impl std::error::Error for ParseError {}

fn number(field: &str, line: usize, why: &'static str) -> Result<u32, ParseError> {
    field.parse().map_err(|_| ParseError { line, why })
}

fn time(field: &str) -> i64 {
    field.parse().unwrap_or(0)
}

/// Parses `master.passwd` (name:passwd:uid:gid:class:change:expire:gecos:dir:shell);
/// blank lines and lines starting with `#` are skipped.
pub fn parse_master(text: &str) -> Result<Vec<Account>, ParseError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = raw.split(':').collect();
        if f.len() != 10 {
            return Err(ParseError {
                line,
                why: "not ten fields",
            });
        }
        if f[0].starts_with(['+', '-']) {
            return Err(ParseError {
                line,
                why: "YP entries are not supported",
            });
        }
        if f[2].is_empty() || f[3].is_empty() {
            return Err(ParseError {
                line,
                why: "no uid or gid",
            });
        }
        let mut fields = F_UID | F_GID;
        for (value, bit) in [
            (f[0], F_NAME),
            (f[1], F_PASSWD),
            (f[4], F_CLASS),
            (f[5], F_CHANGE),
            (f[6], F_EXPIRE),
            (f[7], F_GECOS),
            (f[8], F_DIR),
            (f[9], F_SHELL),
        ] {
            if !value.is_empty() {
                fields |= bit;
            }
        }
        let uid = number(f[2], line, "bad uid")?;
        if f[0] == "root" && uid != 0 {
            return Err(ParseError {
                line,
                why: "root uid should be 0",
            });
        }
        out.push(Account {
            name: f[0].into(),
            passwd: f[1].into(),
            uid,
            gid: number(f[3], line, "bad gid")?,
            class: f[4].into(),
            change: time(f[5]),
            expire: time(f[6]),
            gecos: f[7].into(),
            dir: f[8].into(),
            shell: f[9].into(),
            fields,
        });
    }
    Ok(out)
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// The record of `a` with `passwd` in the password field.
pub fn record(a: &Account, passwd: &str) -> Vec<u8> {
    let mut r = Vec::new();
    cstr(&mut r, &a.name);
    cstr(&mut r, passwd);
    r.extend_from_slice(&a.uid.to_le_bytes());
    r.extend_from_slice(&a.gid.to_le_bytes());
    // i386 time_t: 32 bits (truncation is what 4.x itself stores).
    r.extend_from_slice(&(a.change as i32).to_le_bytes());
    cstr(&mut r, &a.class);
    cstr(&mut r, &a.gecos);
    cstr(&mut r, &a.dir);
    cstr(&mut r, &a.shell);
    r.extend_from_slice(&(a.expire as i32).to_le_bytes());
    r.extend_from_slice(&a.fields.to_le_bytes());
    r
}

fn key(kind: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = vec![kind];
    k.extend_from_slice(rest);
    k
}

/// The key/data pairs of one database, in `pwd_mkdb`'s order; `secure` keeps the
/// password hashes (spwd.db), otherwise each is `*` (pwd.db).
pub fn db_pairs(accounts: &[Account], secure: bool) -> Vec<dbhash::Pair> {
    let mut pairs: Vec<dbhash::Pair> = Vec::new();
    for (n, a) in accounts.iter().enumerate() {
        let data = record(a, if secure { &a.passwd } else { "*" });
        let num = n as u32 + 1;
        for k in [
            key(KEY_BY_NAME, a.name.as_bytes()),
            key(KEY_BY_NUM, &num.to_le_bytes()),
            key(KEY_BY_UID, &a.uid.to_le_bytes()),
        ] {
            if !pairs.iter().any(|(have, _)| *have == k) {
                pairs.push((k, data.clone()));
            }
        }
    }
    pairs
}

/// `pwd.db` (`secure` false) or `spwd.db` (`secure` true).
pub fn database(accounts: &[Account], secure: bool) -> Result<Vec<u8>, dbhash::Error> {
    dbhash::write(
        &db_pairs(accounts, secure),
        dbhash::PWD_BSIZE,
        dbhash::PWD_FFACTOR,
        dbhash::PWD_NELEM,
    )
}

/// The v7 `/etc/passwd`: name:*:uid:gid:gecos:dir:shell, no hashes.
pub fn v7_passwd(accounts: &[Account]) -> String {
    accounts
        .iter()
        .map(|a| {
            format!(
                "{}:*:{}:{}:{}:{}:{}\n",
                a.name, a.uid, a.gid, a.gecos, a.dir, a.shell
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nymph_dbhash::Table;

    const SAMPLE: &str = "# comment\n\
        root:$1$salt$hash:0:0::0:0:Charlie &:/root:/bin/csh\n\
        \n\
        toor:*:0:0::0:0:Bourne-again Superuser:/root:\n\
        daemon:*:1:1:daemon:5:6:Owner:/root:/sbin/nologin\n";

    #[test]
    fn lines_parse_as_pw_scan_reads_them() {
        let a = parse_master(SAMPLE).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].name, "root");
        assert_eq!(a[0].fields, 0x3df); // all but class ("0" counts as given)
        assert_eq!(a[1].fields & F_SHELL, 0);
        assert_eq!(
            (a[2].class.as_str(), a[2].change, a[2].expire),
            ("daemon", 5, 6)
        );
        assert_eq!(a[2].fields, 0x3ff);
        assert!(parse_master("x:*:1:1\n").is_err());
        assert!(parse_master("root:*:5:0::0:0:g:/:/bin/sh\n").is_err());
        assert!(parse_master("+:*:::::::: \n").is_err());
    }

    #[test]
    fn records_are_found_by_name_number_and_uid() {
        let a = parse_master(SAMPLE).unwrap();
        let secure = database(&a, true).unwrap();
        let plain = database(&a, false).unwrap();
        let s = Table::open(&secure).unwrap();
        let p = Table::open(&plain).unwrap();
        let root = p.get(b"1root").unwrap();
        assert_eq!(root, record(&a[0], "*").as_slice());
        assert!(root.starts_with(b"root\0*\0\0\0\0\0\0\0\0\0"));
        assert_eq!(
            s.get(b"1root").unwrap(),
            record(&a[0], &a[0].passwd).as_slice()
        );
        // uid 0 is root's (first stored), numbers count accounts, not lines.
        assert_eq!(p.get(b"3\0\0\0\0").unwrap(), root);
        assert_eq!(
            p.get(b"2\x02\0\0\0").unwrap(),
            record(&a[1], "*").as_slice()
        );
        assert_eq!(
            p.get(b"3\x01\0\0\0").unwrap(),
            record(&a[2], "*").as_slice()
        );
        assert_eq!(p.get(b"2\x04\0\0\0"), None);
        assert_eq!(p.iter().unwrap().len(), 8);
    }

    #[test]
    fn the_v7_file_has_no_hashes() {
        let a = parse_master(SAMPLE).unwrap();
        assert_eq!(
            v7_passwd(&a),
            "root:*:0:0:Charlie &:/root:/bin/csh\n\
             toor:*:0:0:Bourne-again Superuser:/root:\n\
             daemon:*:1:1:Owner:/root:/sbin/nologin\n"
        );
    }
}
