//! The ABI compiler: JSON specs to Rust, C, Markdown, coverage and version diffs.
//!
//! [`model`] holds the typed form of an ABI document and [`model::load`] reads one;
//! [`check`] validates documents (JSON Schema, then semantic rules). The generators build
//! on the [`model::Spec`] that `load` returns.
#![forbid(unsafe_code)]

pub mod check;
pub mod import;
pub mod model;
// Generators.
pub mod bindings;
pub mod c;
pub mod common;
pub mod convert;
pub mod coverage;
pub mod diff;
pub mod fuzz;
pub mod markdown;
pub mod names;
pub mod negative;
pub mod output;
pub mod rust;
pub mod shared;
pub mod targets;
pub mod trace;

pub use check::{check, validate, validate_schema};
pub use model::{Issue, Spec, SpecError, load};
