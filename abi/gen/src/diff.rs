//! The ABI diff: two versions of one ABI compared, every change classified.
//!
//! - compatible: nothing a binary built for the old version can observe changes
//!   (documentation, a status, a renamed field at the same offset, a new errno in a list);
//! - additive: something new that old binaries never used (a call in a never-used slot,
//!   a new type, constant, flag or enum value);
//! - breaking: an old binary may now behave differently (a removed or retired call, a
//!   reused number, changed arguments, a changed struct layout, a changed constant, flag
//!   or enum value, a changed calling convention or data model).
//!
//! A breaking change is allowed only when the new version declares it in
//! `abi.declared_breaks` by its subject (`syscall:5`, `type:stat`, `const:O_CREAT`) or
//! with `"*"`; [`Report::fails`] is true otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::common::is_call;
use crate::model::{Int, Spec, StructDef, Syscall, SyscallKind, TypeDef};

/// How much a change matters to binaries built for the old version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Nothing an old binary can observe.
    Compatible,
    /// New things only.
    Additive,
    /// An old binary may break.
    Breaking,
}

impl Class {
    /// The word used in reports.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Class::Compatible => "compatible",
            Class::Additive => "additive",
            Class::Breaking => "breaking",
        }
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// What it is about, as `declared_breaks` names it (`syscall:5`, `type:stat`).
    pub subject: String,
    /// What changed, in words.
    pub what: String,
    /// Whether the new version declares it (only meaningful for breaking changes).
    pub declared: bool,
}

/// The result of comparing two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `name vN` of the old version.
    pub old: String,
    /// `name vN` of the new version.
    pub new: String,
    /// Every change, in a fixed order.
    pub changes: Vec<Change>,
}

impl Report {
    /// The most severe class present, if any change.
    #[must_use]
    pub fn worst(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// Breaking changes the new version does not declare.
    pub fn undeclared_breaks(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.class == Class::Breaking && !c.declared)
    }

    /// Whether the diff must fail (an undeclared breaking change).
    #[must_use]
    pub fn fails(&self) -> bool {
        self.undeclared_breaks().next().is_some()
    }

    fn summary(&self) -> String {
        let count = |k| self.changes.iter().filter(|c| c.class == k).count();
        format!(
            "{} -> {}: {} breaking ({} undeclared), {} additive, {} compatible",
            self.old,
            self.new,
            count(Class::Breaking),
            self.undeclared_breaks().count(),
            count(Class::Additive),
            count(Class::Compatible)
        )
    }

    /// One line per change, then a summary.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        for c in &self.changes {
            let _ = writeln!(
                o,
                "{:<10} {:<28} {}{}",
                c.class.word(),
                c.subject,
                c.what,
                if c.class == Class::Breaking && c.declared {
                    " (declared)"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(o, "{}", self.summary());
        o
    }

    /// A Markdown table.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut o = format!(
            "# ABI diff: {} -> {}\n\n{}\n\n",
            self.old,
            self.new,
            self.summary()
        );
        o.push_str("| class | subject | change | declared |\n|---|---|---|---|\n");
        for c in &self.changes {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} | {} |",
                c.class.word(),
                c.subject,
                crate::names::md_cell(&c.what),
                if c.declared { "yes" } else { "" }
            );
        }
        o
    }

    /// JSON: `{old, new, fails, changes: [{class, subject, what, declared}]}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "class": c.class.word(),
                    "subject": c.subject,
                    "what": c.what,
                    "declared": c.declared,
                })
            })
            .collect();
        let v = serde_json::json!({
            "old": self.old,
            "new": self.new,
            "fails": self.fails(),
            "changes": changes,
        });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }
}

struct Differ<'a> {
    old: &'a Spec,
    new: &'a Spec,
    changes: Vec<Change>,
}

/// Removes every `doc` key, so documentation edits compare equal.
fn strip_docs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("doc");
            for x in m.values_mut() {
                strip_docs(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_docs),
        _ => {}
    }
}

pub(crate) fn json<T: serde::Serialize>(t: &T) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    strip_docs(&mut v);
    v
}

/// Start-up facts other than the auxv entry list (compared entry by entry instead, so a
/// new entry is additive).
fn startup_core(s: &Spec) -> Value {
    let mut v = json(&s.startup);
    if let Some(a) = v.get_mut("auxv").and_then(Value::as_object_mut) {
        a.remove("entries");
    }
    v
}

impl Differ<'_> {
    fn push(&mut self, class: Class, subject: String, what: String) {
        let declared = class == Class::Breaking
            && self
                .new
                .abi
                .declared_breaks
                .iter()
                .any(|d| d == "*" || *d == subject);
        self.changes.push(Change {
            class,
            subject,
            what,
            declared,
        });
    }

    fn identity(&mut self) {
        let (o, n) = (self.old, self.new);
        if o.abi.name != n.abi.name {
            self.push(
                Class::Breaking,
                "abi:name".into(),
                format!("a different ABI: {} -> {}", o.abi.name, n.abi.name),
            );
        }
        if o.abi.arch != n.abi.arch {
            self.push(
                Class::Breaking,
                "abi:arch".into(),
                format!("architecture {:?} -> {:?}", o.abi.arch, n.abi.arch),
            );
        }
        if o.abi.version != n.abi.version {
            self.push(
                Class::Compatible,
                "abi:version".into(),
                format!("version {} -> {}", o.abi.version, n.abi.version),
            );
        }
        let parts: [(&str, Value, Value); 6] = [
            ("abi:data_model", json(&o.data_model), json(&n.data_model)),
            (
                "abi:calling_convention",
                json(&o.calling_convention),
                json(&n.calling_convention),
            ),
            (
                "abi:recognition",
                json(&o.recognition),
                json(&n.recognition),
            ),
            ("abi:startup", startup_core(o), startup_core(n)),
            (
                "abi:signal_delivery",
                json(&o.signal_delivery),
                json(&n.signal_delivery),
            ),
            ("abi:signals", json(&o.signals.max), json(&n.signals.max)),
        ];
        for (subject, a, b) in parts {
            if a != b {
                self.push(
                    Class::Breaking,
                    subject.into(),
                    format!("{} changed", &subject[4..]),
                );
            }
        }
        let auxv = |s: &Spec| -> Vec<(String, Int)> {
            s.startup
                .auxv
                .entries
                .iter()
                .map(|e| (e.name.clone(), Int(i128::from(e.a_type))))
                .collect()
        };
        let (a, b) = (auxv(o), auxv(n));
        self.values("auxv", &a, &b);
        if json(&o.versioning) != json(&n.versioning) {
            self.push(
                Class::Compatible,
                "abi:versioning".into(),
                "versioning rules changed".into(),
            );
        }
    }

    fn syscalls(&mut self) {
        let (o, n) = (self.old, self.new);
        let numbers: BTreeSet<u32> = o
            .syscalls
            .iter()
            .chain(&n.syscalls)
            .map(|c| c.number)
            .collect();
        for num in numbers {
            let subject = format!("syscall:{num}");
            let a = o.syscall(num);
            let b = n.syscall(num);
            let a_call = a.filter(|c| is_call(c.kind));
            let b_call = b.filter(|c| is_call(c.kind));
            match (a_call, b_call) {
                (None, None) => {
                    if let (Some(x), Some(y)) = (a, b)
                        && x.kind != y.kind
                    {
                        self.push(
                            Class::Compatible,
                            subject,
                            format!("empty slot {} ({:?} -> {:?})", y.name, x.kind, y.kind),
                        );
                    }
                }
                (Some(x), None) => {
                    let how = match b {
                        Some(y) if y.kind == SyscallKind::Retired => "retired",
                        Some(_) => "removed (slot emptied)",
                        None => "removed",
                    };
                    self.push(Class::Breaking, subject, format!("{} {how}", x.name));
                }
                (None, Some(y)) => {
                    // A number that once carried a call is never reused.
                    let used_before = a.is_some_and(|x| {
                        matches!(x.kind, SyscallKind::Retired | SyscallKind::Obsolete)
                    });
                    if used_before {
                        self.push(
                            Class::Breaking,
                            subject,
                            format!(
                                "number reused: {} was {} ({:?})",
                                y.name,
                                a.map_or("", |x| x.name.as_str()),
                                a.map(|x| x.kind)
                            ),
                        );
                    } else {
                        self.push(Class::Additive, subject, format!("new call {}", y.name));
                    }
                }
                (Some(x), Some(y)) => self.call_pair(&subject, x, y),
            }
        }
    }

    fn call_pair(&mut self, subject: &str, x: &Syscall, y: &Syscall) {
        if x.name != y.name {
            self.push(
                Class::Breaking,
                subject.to_owned(),
                format!("number reused: {} -> {}", x.name, y.name),
            );
            return;
        }
        let sig = |s: &Spec, c: &Syscall| -> Vec<(Value, Option<crate::model::Layout>)> {
            c.args
                .iter()
                .map(|a| (json(&a.ty), s.layout(&a.ty)))
                .collect()
        };
        if sig(self.old, x) != sig(self.new, y)
            || x.args
                .iter()
                .map(|a| a.pad)
                .ne(y.args.iter().map(|a| a.pad))
        {
            self.push(
                Class::Breaking,
                subject.to_owned(),
                format!("{}: arguments changed", x.name),
            );
        } else if x
            .args
            .iter()
            .map(|a| &a.name)
            .ne(y.args.iter().map(|a| &a.name))
        {
            self.push(
                Class::Compatible,
                subject.to_owned(),
                format!("{}: arguments renamed", x.name),
            );
        }
        if json(&x.ret) != json(&y.ret) || self.old.layout(&x.ret) != self.new.layout(&y.ret) {
            self.push(
                Class::Breaking,
                subject.to_owned(),
                format!("{}: return type {} -> {}", x.name, x.ret, y.ret),
            );
        }
        if x.kind != y.kind {
            self.push(
                Class::Compatible,
                subject.to_owned(),
                format!("{}: kind {:?} -> {:?}", x.name, x.kind, y.kind),
            );
        }
        if json(&x.status) != json(&y.status) {
            self.push(
                Class::Compatible,
                subject.to_owned(),
                format!("{}: status changed", x.name),
            );
        }
        if x.errors != y.errors {
            self.push(
                Class::Compatible,
                subject.to_owned(),
                format!("{}: error list changed", x.name),
            );
        }
    }

    fn structs(&mut self, name: &str, a: &StructDef, b: &StructDef) {
        let subject = format!("type:{name}");
        if a.size != b.size || a.align != b.align {
            let grows_ok = a.extensible.is_some() && b.extensible.is_some() && b.size > a.size;
            self.push(
                if grows_ok {
                    Class::Additive
                } else {
                    Class::Breaking
                },
                subject.clone(),
                format!(
                    "size/align {}/{} -> {}/{}{}",
                    a.size,
                    a.align,
                    b.size,
                    b.align,
                    if grows_ok {
                        " (extensible struct grew)"
                    } else {
                        ""
                    }
                ),
            );
        }
        for f in &a.fields {
            match b.field(&f.name) {
                None => {
                    // Renamed at the same place with the same type is compatible.
                    let same_place = b.fields.iter().find(|g| {
                        g.offset == f.offset
                            && json(&g.ty) == json(&f.ty)
                            && a.field(&g.name).is_none()
                    });
                    match same_place {
                        Some(g) => self.push(
                            Class::Compatible,
                            subject.clone(),
                            format!("field {} renamed {}", f.name, g.name),
                        ),
                        None if f.padding => {}
                        None => self.push(
                            Class::Breaking,
                            subject.clone(),
                            format!("field {} removed", f.name),
                        ),
                    }
                }
                Some(g) => {
                    if g.offset != f.offset {
                        self.push(
                            Class::Breaking,
                            subject.clone(),
                            format!("field {} offset {} -> {}", f.name, f.offset, g.offset),
                        );
                    }
                    if json(&g.ty) != json(&f.ty)
                        || self.old.layout(&f.ty) != self.new.layout(&g.ty)
                    {
                        self.push(
                            Class::Breaking,
                            subject.clone(),
                            format!("field {} type {} -> {}", f.name, f.ty, g.ty),
                        );
                    }
                }
            }
        }
        for g in &b.fields {
            if a.field(&g.name).is_none()
                && !g.padding
                && !a.fields.iter().any(|f| {
                    f.offset == g.offset && json(&g.ty) == json(&f.ty) && b.field(&f.name).is_none()
                })
            {
                self.push(
                    Class::Additive,
                    subject.clone(),
                    format!("field {} added", g.name),
                );
            }
        }
    }

    fn values(&mut self, kind: &str, a: &[(String, Int)], b: &[(String, Int)]) {
        let am: BTreeMap<&str, Int> = a.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let bm: BTreeMap<&str, Int> = b.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        for (k, v) in &am {
            match bm.get(k) {
                None => self.push(
                    Class::Breaking,
                    format!("{kind}:{k}"),
                    format!("{k} removed"),
                ),
                Some(w) if w != v => self.push(
                    Class::Breaking,
                    format!("{kind}:{k}"),
                    format!("{k} value {v} -> {w}"),
                ),
                Some(_) => {}
            }
        }
        for (k, w) in &bm {
            if !am.contains_key(k) {
                self.push(
                    Class::Additive,
                    format!("{kind}:{k}"),
                    format!("{k} = {w} added"),
                );
            }
        }
    }

    fn types(&mut self) {
        let (o, n) = (self.old, self.new);
        for (name, a) in &o.types {
            let subject = format!("type:{name}");
            let Some(b) = n.types.get(name) else {
                self.push(Class::Breaking, subject, format!("type {name} removed"));
                continue;
            };
            match (a, b) {
                (TypeDef::Struct(x), TypeDef::Struct(y))
                | (TypeDef::Union(x), TypeDef::Union(y)) => {
                    self.structs(name, x, y);
                }
                (TypeDef::Enum(x), TypeDef::Enum(y)) | (TypeDef::Flags(x), TypeDef::Flags(y)) => {
                    let lx = o.layout(&crate::model::TypeRef::Named(x.repr.clone()));
                    let ly = n.layout(&crate::model::TypeRef::Named(y.repr.clone()));
                    if lx != ly {
                        self.push(
                            Class::Breaking,
                            subject,
                            format!("{name}: representation {} -> {}", x.repr, y.repr),
                        );
                    }
                }
                (TypeDef::Alias(x), TypeDef::Alias(y)) => {
                    if o.layout(&x.of) != n.layout(&y.of) {
                        self.push(
                            Class::Breaking,
                            subject,
                            format!("{name}: {} -> {} (layout changed)", x.of, y.of),
                        );
                    } else if json(&x.of) != json(&y.of) {
                        self.push(
                            Class::Compatible,
                            subject,
                            format!("{name}: {} -> {} (same layout)", x.of, y.of),
                        );
                    }
                }
                _ => self.push(
                    Class::Breaking,
                    subject,
                    format!("{name}: kind of type changed"),
                ),
            }
        }
        for name in n.types.keys() {
            if !o.types.contains_key(name) {
                self.push(
                    Class::Additive,
                    format!("type:{name}"),
                    format!("new type {name}"),
                );
            }
        }
    }

    fn numbers(&mut self) {
        let named = |s: &Spec| -> Vec<(String, Int)> {
            let mut v: Vec<(String, Int)> = s
                .constants
                .iter()
                .map(|c| (c.name.clone(), c.value))
                .collect();
            for t in s.types.values() {
                if let TypeDef::Enum(e) | TypeDef::Flags(e) = t {
                    v.extend(e.values.iter().map(|x| (x.name.clone(), x.value)));
                }
            }
            v
        };
        let (a, b) = (named(self.old), named(self.new));
        self.values("const", &a, &b);
        let errno = |s: &Spec| -> Vec<(String, Int)> {
            s.errno
                .iter()
                .flat_map(|e| {
                    std::iter::once(e.name.clone())
                        .chain(e.aliases.iter().cloned())
                        .map(move |n| (n, Int(i128::from(e.value))))
                })
                .collect()
        };
        let (a, b) = (errno(self.old), errno(self.new));
        self.values("errno", &a, &b);
        let sig = |s: &Spec| -> Vec<(String, Int)> {
            s.signals
                .list
                .iter()
                .map(|x| (x.name.clone(), Int(i128::from(x.value))))
                .collect()
        };
        let (a, b) = (sig(self.old), sig(self.new));
        self.values("signal", &a, &b);
        let io = |s: &Spec| -> Vec<(String, Int)> {
            s.ioctls
                .iter()
                .map(|x| (x.name.clone(), x.number))
                .collect()
        };
        let (a, b) = (io(self.old), io(self.new));
        self.values("ioctl", &a, &b);
    }
}

/// Compares `old` with `new`.
#[must_use]
pub fn diff(old: &Spec, new: &Spec) -> Report {
    let mut d = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    d.identity();
    d.syscalls();
    d.types();
    d.numbers();
    Report {
        old: format!("{} v{}", old.abi.name, old.abi.version),
        new: format!("{} v{}", new.abi.name, new.abi.version),
        changes: d.changes,
    }
}
