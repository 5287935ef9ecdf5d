//! What a native version shares with the version before it.
//!
//! A personality serving several versions gives a call that did not change one handler.
//! For that to type-check, the newer version's generated module re-exports the older
//! version's argument struct of every unchanged call (`pub use super::native_v1::ReadArgs`)
//! instead of defining an identical but distinct type, and re-exports the converters'
//! neutral records and `Transforms` trait when they are the same. Only what changed
//! (a struct layout, a new call) gets new types, and so new handlers.

use std::collections::BTreeSet;

use crate::common::{is_call, module_name};
use crate::model::{Spec, Syscall, TypeDef, TypeRef};

/// The version `spec` builds on: the newest older version of the same ABI in `all`.
#[must_use]
pub fn base_of<'a>(spec: &Spec, all: &[&'a Spec]) -> Option<&'a Spec> {
    all.iter()
        .copied()
        .filter(|s| s.abi.name == spec.abi.name && s.abi.version < spec.abi.version)
        .max_by_key(|s| s.abi.version)
}

/// The Rust module name of `base` (`native_v1`).
#[must_use]
pub fn module_of(base: &Spec) -> String {
    module_name(base)
}

/// Whether call `c` of `new` is the same, argument for argument and type for type
/// (documentation aside), as the call with its number in `old`.
#[must_use]
pub fn same_call(old: &Spec, new: &Spec, c: &Syscall) -> bool {
    let Some(o) = old.syscall(c.number) else {
        return false;
    };
    if !is_call(o.kind) || o.kind != c.kind || o.name != c.name {
        return false;
    }
    if crate::diff::json(&o.args) != crate::diff::json(&c.args) {
        return false;
    }
    let mut names = BTreeSet::new();
    for a in &c.args {
        referenced(new, &a.ty, &mut names);
    }
    // Primitives (`i32`, `void`) are in neither table.
    names
        .iter()
        .all(|n| match (old.types.get(n), new.types.get(n)) {
            (Some(a), Some(b)) => crate::diff::json(a) == crate::diff::json(b),
            (a, b) => a.is_none() && b.is_none(),
        })
}

/// Every named type `t` reaches (through aliases, pointers, arrays and fields).
fn referenced(spec: &Spec, t: &TypeRef, out: &mut BTreeSet<String>) {
    match t {
        TypeRef::Named(n) => {
            if !out.insert(n.clone()) {
                return;
            }
            match spec.types.get(n) {
                Some(TypeDef::Alias(a)) => referenced(spec, &a.of, out),
                Some(TypeDef::Struct(s) | TypeDef::Union(s)) => {
                    for f in &s.fields {
                        referenced(spec, &f.ty, out);
                    }
                }
                Some(TypeDef::Enum(e) | TypeDef::Flags(e)) => {
                    referenced(spec, &TypeRef::Named(e.repr.clone()), out);
                }
                None => {}
            }
        }
        TypeRef::Ptr(p) => referenced(spec, &p.ptr, out),
        TypeRef::Array(a) => referenced(spec, &a.array, out),
        TypeRef::Cstr(_) => {}
    }
}
