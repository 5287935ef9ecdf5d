//! profil(2): where a process's user code is when the clock ticks, counted in a table of
//! 16-bit counters in its own memory (what `cc -pg` programs hand their gmon buffer to).

use super::{Process, Task};

/// A process's profiling buffer: `size` bytes of u16 counters at `base`, covering the
/// user PCs from `offset` on, `scale` being the 16.16 fixed-point fraction of a byte
/// of counters per byte of code (0x10000: one counter every two bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    pub base: u64,
    pub size: u64,
    pub offset: u64,
    pub scale: u32,
}

impl Profile {
    /// The byte offset in the buffer of the counter for `pc`, as the BSDs' `PC_TO_INDEX`
    /// computes it (`((pc - offset) * scale >> 16) & ~1`); none below `offset` or past
    /// the buffer.
    pub fn counter(&self, pc: u64) -> Option<u64> {
        let from = pc.checked_sub(self.offset)?;
        let index = ((u128::from(from) * u128::from(self.scale)) >> 16) as u64 & !1;
        (index < self.size).then_some(index)
    }
}

/// Starts profiling `process` into `profile`, or stops it (`None`). Forked children
/// keep profiling into their copy of the buffer; exec stops it.
pub fn set(process: &Process, profile: Option<Profile>) {
    process.inner.lock().profile = profile;
}

/// The profiling buffer of `process`, if it is being profiled.
pub fn get(process: &Process) -> Option<Profile> {
    process.inner.lock().profile
}

/// A clock tick found `task` in user mode: one more in the counter of its PC. A
/// counter that cannot be read or written stops the profiling, as BSD's
/// `addupc_task` does; the process is not signalled.
pub(super) fn tick(task: &Task) {
    let Some(profile) = get(&task.process) else {
        return;
    };
    let Some(index) = profile.counter(task.context.regs.rip) else {
        return;
    };
    let at = profile.base.wrapping_add(index);
    let counted = task
        .read_val::<u16>(at)
        .and_then(|n| task.write_val(at, &n.wrapping_add(1)));
    if counted.is_err() {
        set(&task.process, None);
    }
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn counters_are_pc_to_index() {
        let p = Profile {
            base: 0x1000,
            size: 64,
            offset: 0x0804_8000,
            scale: 0x8000,
        };
        // Half a byte of counters per byte of code: a u16 counter every 4 bytes.
        assert_eq!(p.counter(0x0804_8000), Some(0));
        assert_eq!(p.counter(0x0804_8003), Some(0));
        assert_eq!(p.counter(0x0804_8004), Some(2));
        assert_eq!(p.counter(0x0804_807f), Some(62));
        assert_eq!(p.counter(0x0804_8080), None);
        assert_eq!(p.counter(0x0804_7fff), None);
        let whole = Profile {
            scale: 0x10000,
            ..p
        };
        assert_eq!(whole.counter(0x0804_8007), Some(6));
    }
}
