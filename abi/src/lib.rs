//! Generated, no_std Rust types and syscall tables for every ABI Nymph speaks.
//!
//! `rt` is written by hand: the ABI-independent vocabulary (user pointers with a
//! direction, decode errors, dispatch outcomes). Everything under `generated` is
//! produced by `abi-gen` from `abi/spec/*.json` and checked in; a test in abi-gen
//! fails when it is stale (`cargo run -p abi-gen -- rust --check`).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod rt;
pub mod generated;

pub use generated::{freebsd4_i386, native_v1};
