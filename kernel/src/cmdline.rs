//! The kernel command line: space-separated `key=value` words (or bare `key`).

/// The value of `key` on the command line; a bare `key` yields `""`. The last one wins.
pub fn get<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline
        .split_ascii_whitespace()
        .filter_map(|word| match word.split_once('=') {
            Some((k, v)) if k == key => Some(v),
            None if word == key => Some(""),
            _ => None,
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::get;

    #[test]
    fn finds_values_and_bare_keys() {
        let line = "nymph.test=all loglevel=debug quiet nymph.test=mm";
        assert_eq!(get(line, "nymph.test"), Some("mm"));
        assert_eq!(get(line, "loglevel"), Some("debug"));
        assert_eq!(get(line, "quiet"), Some(""));
        assert_eq!(get(line, "missing"), None);
        assert_eq!(get("", "x"), None);
    }
}
