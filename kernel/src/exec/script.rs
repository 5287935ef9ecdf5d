//! Interpreter scripts: a file that begins with `#!` names the program that runs it.
//!
//! The rules are FreeBSD 4.x's (imgact_shell), which DragonFly keeps:
//! - the line ends at the first newline or `#`, and must end within the first
//!   bytes of the file, as many as the calling ABI allows ([`LINE_MAX`] unless it
//!   says otherwise; a script with no newline there is refused);
//! - it splits at spaces and tabs into words: the interpreter's path, then its
//!   arguments, each its own argv entry;
//! - the interpreter runs with those words, then the script's path as exec was given
//!   it, then the caller's arguments after its argv[0];
//! - an interpreter may not itself be a script.

use alloc::vec::Vec;

/// How far into the file the `#!` line must end, unless the calling ABI says
/// otherwise (4.x's MAXSHELLCMDLEN before 4.5).
pub const LINE_MAX: usize = 64;

/// Why a `#!` line cannot be used (exec fails with the ABI's ENOEXEC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptError {
    /// The line does not end within the bytes allowed.
    LineTooLong,
    /// The line names no interpreter.
    NoInterpreter,
    /// The interpreter is itself a script.
    NestedInterpreter,
}

/// Whether `bytes` is a script: `#!` at the start.
pub fn is_script(bytes: &[u8]) -> bool {
    bytes.starts_with(b"#!")
}

/// The words of a script's `#!` line, which must end within `line_max` bytes: the
/// interpreter first, then its arguments. None when `bytes` is not a script.
pub fn interpreter_words(bytes: &[u8], line_max: usize) -> Option<Result<Vec<&[u8]>, ScriptError>> {
    if !is_script(bytes) {
        return None;
    }
    // Past the end of the file reads as zero bytes, as 4.x's zero-filled first page.
    let byte_at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut end = 2;
    while !matches!(byte_at(end), b'\n' | b'#') {
        if end >= line_max {
            return Some(Err(ScriptError::LineTooLong));
        }
        end += 1;
    }
    let line = bytes.get(2..end).unwrap_or(&[]);
    let words: Vec<&[u8]> = line
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Some(Err(ScriptError::NoInterpreter));
    }
    Some(Ok(words))
}

/// The argument vector the interpreter runs with: the `#!` words, the script's path,
/// then the caller's arguments after its argv[0].
pub fn interpreter_argv(words: &[&[u8]], script_path: &str, argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = words.iter().map(|w| w.to_vec()).collect();
    all.push(script_path.as_bytes().to_vec());
    all.extend(argv.iter().skip(1).cloned());
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn words(text: &[u8]) -> Option<Result<Vec<Vec<u8>>, ScriptError>> {
        interpreter_words(text, LINE_MAX)
            .map(|r| r.map(|ws| ws.iter().map(|w| w.to_vec()).collect()))
    }

    #[test]
    fn splits_the_line_into_words() {
        assert_eq!(
            words(b"#! /bin/sh -e\t-x \necho hi\n"),
            Some(Ok(vec![
                b"/bin/sh".to_vec(),
                b"-e".to_vec(),
                b"-x".to_vec()
            ]))
        );
        assert_eq!(words(b"#!/bin/sh\n"), Some(Ok(vec![b"/bin/sh".to_vec()])));
    }

    #[test]
    fn a_hash_ends_the_line() {
        assert_eq!(
            words(b"#!/bin/sh -v # a comment\n"),
            Some(Ok(vec![b"/bin/sh".to_vec(), b"-v".to_vec()]))
        );
    }

    #[test]
    fn refuses_what_4x_refuses() {
        assert_eq!(words(b"#!  \t\n"), Some(Err(ScriptError::NoInterpreter)));
        assert_eq!(
            words(b"#!# only a comment\n"),
            Some(Err(ScriptError::NoInterpreter))
        );
        // No newline within the first 64 bytes, or none at all.
        assert_eq!(words(b"#!/bin/sh"), Some(Err(ScriptError::LineTooLong)));
        let mut long = b"#!/".to_vec();
        long.resize(LINE_MAX, b'x');
        long.extend_from_slice(b"y\n");
        assert_eq!(words(&long), Some(Err(ScriptError::LineTooLong)));
        // Ending exactly at byte 64 is still within the limit.
        long.truncate(LINE_MAX);
        long.push(b'\n');
        assert!(matches!(words(&long), Some(Ok(_))));
    }

    #[test]
    fn other_files_are_not_scripts() {
        assert_eq!(words(b"\x7fELF"), None);
        assert_eq!(words(b"#"), None);
        assert_eq!(words(b""), None);
    }

    #[test]
    fn the_interpreter_gets_the_script_path_and_the_rest_of_argv() {
        let argv = vec![b"name".to_vec(), b"a".to_vec(), b"b".to_vec()];
        let all = interpreter_argv(&[b"/bin/sh", b"-e"], "/s/run", &argv);
        let expected: Vec<Vec<u8>> = [&b"/bin/sh"[..], b"-e", b"/s/run", b"a", b"b"]
            .iter()
            .map(|w| w.to_vec())
            .collect();
        assert_eq!(all, expected);
        assert_eq!(
            interpreter_argv(&[b"/bin/sh"], "/s/run", &[]),
            vec![b"/bin/sh".to_vec(), b"/s/run".to_vec()]
        );
    }
}
