//! Spelling: turning the names a spec uses (as the source OS spells them) into Rust
//! and C identifiers, the same way in every generator.

/// Rust keywords (strict and reserved, 2024 edition) that cannot be plain identifiers.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// C keywords that a spec name might collide with.
const C_KEYWORDS: &[&str] = &[
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while",
];

/// A snake_case Rust identifier for a field or function name: lower case, runs of `_`
/// collapsed, leading/trailing `_` dropped, keywords suffixed with `_`.
#[must_use]
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_us = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            prev_us = false;
        } else if !prev_us {
            out.push('_');
            prev_us = true;
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if RUST_KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A CamelCase Rust type name: `__getcwd` -> `Getcwd`, `sig_action` -> `SigAction`.
#[must_use]
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// An UPPER_SNAKE Rust constant name that keeps the OS spelling where it is already
/// upper case (`O_RDONLY`), and upper-cases otherwise.
#[must_use]
pub fn upper(name: &str) -> String {
    let s = snake(name).trim_end_matches('_').to_ascii_uppercase();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// A type name spelled as the source OS spells it (`stat`, `sigaction`), kept verbatim
/// when it is a valid identifier, with raw-identifier or suffix escaping otherwise.
#[must_use]
pub fn os_type(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if RUST_KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A C identifier: verbatim where valid, suffixed with `_` when it is a C keyword.
#[must_use]
pub fn c_ident(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if C_KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Escapes text for one cell of a Markdown table.
#[must_use]
pub fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Escapes text for a Rust doc comment line (one line; no trailing spaces).
#[must_use]
pub fn doc_line(text: &str) -> String {
    text.replace('\n', " ").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(snake("__getcwd"), "getcwd");
        assert_eq!(snake("break"), "break_");
        assert_eq!(snake("sa_handler"), "sa_handler");
        assert_eq!(camel("__getcwd"), "Getcwd");
        assert_eq!(camel("sig_action"), "SigAction");
        assert_eq!(upper("O_RDONLY"), "O_RDONLY");
        assert_eq!(os_type("stat"), "stat");
        assert_eq!(os_type("type"), "type_");
        assert_eq!(c_ident("break"), "break_");
    }
}
