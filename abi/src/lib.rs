//! Generated, no_std Rust types and syscall tables for every ABI Nymph speaks.
//!
//! `rt`, `sysctl` (the shape of a generated MIB) and `trace` (the syscall tracer's
//! formatter) are written by hand.
//! `rt` holds the ABI-independent vocabulary (user pointers with a
//! direction, decode errors, dispatch outcomes, conversion errors). Everything under
//! `generated` is produced by `abi-gen` from `abi/spec/*.json` and checked in:
//! reviewers see the generated code change in the same diff as the spec, and this
//! `no_std` crate has no build-time dependency on serde or a schema validator (and no
//! build.rs). A host test in abi-gen regenerates everything in memory and fails when a
//! checked-in file is stale; `cargo run -p abi-gen -- all` regenerates,
//! `cargo run -p abi-gen -- all --check` checks.
//!
//! Per ABI module (`freebsd4_i386`, `native_v1`, `native_v2`): integer aliases, enums, flag sets
//! (bitflags), `#[repr(C)]` zerocopy structs with every size, alignment and offset
//! asserted at compile time, converters to and from the kernel's neutral values,
//! constants / errno / signals / ioctls / auxv numbers, the sysctl MIB where the spec
//! has one (`SYSCTL_ROOT`), one `<Name>Args` struct with `decode(&[Word])` per
//! syscall, `SYSCALLS` (slot metadata, the coverage table's source) and `Handlers`,
//! the table a personality fills with typed handlers.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod generated;
pub mod rt;
pub mod sysctl;
pub mod trace;

pub use generated::{freebsd4_i386, native_v1, native_v2};
