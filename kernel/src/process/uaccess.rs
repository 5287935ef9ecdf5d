//! Typed, fallible access to the memory of the process a trap came from. Every byte
//! crosses through the hal's fault-catching copy; no Rust reference into user memory
//! ever exists. Addresses are checked against the process's limit (the user half, or
//! 4 GiB for 32-bit processes) before any access.

use super::Task;
use crate::mm::uspace::FaultResolution;
use alloc::vec::Vec;
use nymph_hal::copy::{self, UserCopyError};
use nymph_hal::layout::USER_END;
use nymph_hal::user::UserMode;
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Why user memory could not be read or written (a personality's EFAULT, or for a
/// string without its terminator within the bound, its ENAMETOOLONG or E2BIG).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserFault {
    /// Outside the process's address range, unmapped, or without the needed access.
    BadAddress(u64),
    /// No NUL within the bound.
    StringTooLong,
}

impl From<(UserCopyError, u64)> for UserFault {
    fn from((_, addr): (UserCopyError, u64)) -> Self {
        UserFault::BadAddress(addr)
    }
}

/// Chunk size for string reads (a string may end near the end of a mapping).
const CSTR_CHUNK: u64 = 64;

impl Task {
    /// The first address above what this process may name.
    pub fn user_limit(&self) -> u64 {
        match self.context.mode() {
            UserMode::Compat32 => 1 << 32,
            UserMode::Long => USER_END,
        }
    }

    /// Reads `buf.len()` bytes at `addr`. A page promised but not yet touched (a fresh
    /// stack or anonymous mapping) faults: it is mapped as the user's read would map
    /// it, and the copy goes on.
    pub fn read_bytes(&self, addr: u64, buf: &mut [u8]) -> Result<(), UserFault> {
        let limit = self.user_limit();
        let len = buf.len();
        self.resolving_faults(addr, len, false, |at, done| {
            copy::copy_from_user(&mut buf[done..], at, limit)
        })
    }

    /// Writes `bytes` at `addr`. A page shared copy-on-write since a fork is read-only
    /// in the page tables: the write faults, the fault is resolved as a user write would
    /// be, and the copy goes on from where it stopped.
    pub fn write_bytes(&self, addr: u64, bytes: &[u8]) -> Result<(), UserFault> {
        let limit = self.user_limit();
        self.resolving_faults(addr, bytes.len(), true, |at, done| {
            copy::copy_to_user(at, &bytes[done..], limit)
        })
    }

    /// Runs `copy(address, done)` until it completes, resolving each page fault it
    /// stops at as a user access would be resolved (copy-on-write, pages on demand).
    fn resolving_faults(
        &self,
        addr: u64,
        len: usize,
        write: bool,
        mut copy: impl FnMut(u64, usize) -> Result<(), UserCopyError>,
    ) -> Result<(), UserFault> {
        let mut done = 0usize;
        let mut faults = 0u64;
        loop {
            let at = addr + done as u64;
            match copy(at, done) {
                Ok(()) => return Ok(()),
                Err(e) => self.resolve_copy_fault(e, addr, len, write, &mut done, &mut faults)?,
            }
        }
    }

    /// A user copy stopped at `addr + *done` with `error`: a page fault is resolved
    /// (the copy then goes on from where it stopped); anything else, or a fault that
    /// does not resolve, is the copy's error. Each page the range touches may fault
    /// twice (a promised page made, then copied on write); more means no progress.
    #[cold]
    #[inline(never)]
    fn resolve_copy_fault(
        &self,
        error: UserCopyError,
        addr: u64,
        len: usize,
        write: bool,
        done: &mut usize,
        faults: &mut u64,
    ) -> Result<(), UserFault> {
        let at = addr + *done as u64;
        let UserCopyError::Fault(f) = error else {
            return Err((error, at).into());
        };
        *done += f.copied;
        let Some(caught) = f.fault.filter(|c| c.vector == 14) else {
            return Err(UserFault::BadAddress(at));
        };
        *faults += 1;
        let first = addr / 4096;
        let last = addr.saturating_add(len.max(1) as u64 - 1) / 4096;
        if *faults > 2 * (last - first + 1) {
            return Err(UserFault::BadAddress(addr));
        }
        if self.process.resolve_fault(caught.address, write) != FaultResolution::Resolved {
            return Err(UserFault::BadAddress(caught.address));
        }
        Ok(())
    }

    /// Reads a value of a plain-data type at `addr`.
    pub fn read_val<T: FromBytes + IntoBytes>(&self, addr: u64) -> Result<T, UserFault> {
        let mut value = T::new_zeroed();
        self.read_bytes(addr, value.as_mut_bytes())?;
        Ok(value)
    }

    /// Writes a value of a plain-data type (no padding: `IntoBytes`) at `addr`.
    pub fn write_val<T: IntoBytes + Immutable>(
        &self,
        addr: u64,
        value: &T,
    ) -> Result<(), UserFault> {
        self.write_bytes(addr, value.as_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (terminator excluded).
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, UserFault> {
        let mut out = Vec::new();
        let mut at = addr;
        loop {
            // Never read across a page boundary in one go: the next page may be unmapped
            // although the string ends before it.
            let to_page_end = CSTR_CHUNK.min(4096 - (at % 4096));
            let mut chunk = [0u8; CSTR_CHUNK as usize];
            let n = to_page_end as usize;
            self.read_bytes(at, &mut chunk[..n])?;
            if let Some(nul) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..nul]);
                if out.len() > max {
                    return Err(UserFault::StringTooLong);
                }
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
            if out.len() > max {
                return Err(UserFault::StringTooLong);
            }
            at = at
                .checked_add(to_page_end)
                .ok_or(UserFault::BadAddress(at))?;
        }
    }

    /// Reads a NULL-terminated array of pointers to strings (argv, envp), each pointer
    /// `pointer_size` bytes (4 for 32-bit ABIs, 8 for 64-bit), within `max_total` bytes.
    pub fn read_string_array(
        &self,
        addr: u64,
        pointer_size: usize,
        max_total: usize,
    ) -> Result<Vec<Vec<u8>>, UserFault> {
        let mut out = Vec::new();
        let mut total = 0usize;
        if addr == 0 {
            return Ok(out);
        }
        for index in 0u64.. {
            let slot = addr
                .checked_add(index * pointer_size as u64)
                .ok_or(UserFault::BadAddress(addr))?;
            let ptr = if pointer_size == 4 {
                u64::from(self.read_val::<u32>(slot)?)
            } else {
                self.read_val::<u64>(slot)?
            };
            if ptr == 0 {
                break;
            }
            let s = self.read_cstr(ptr, max_total.saturating_sub(total))?;
            total += s.len() + 1 + pointer_size;
            if total > max_total {
                return Err(UserFault::StringTooLong);
            }
            out.push(s);
        }
        Ok(out)
    }
}
