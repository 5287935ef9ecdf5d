//! The kernel's lock: a `spin::Mutex` that knows a lock found taken is a deadlock.
//! The kernel runs on one CPU with interrupts off and no preemption in kernel mode, so
//! whoever holds a lock another kernel path wants can never run to release it: spinning
//! would hang the machine without a word. Once boot has said so ([`deadlocks_panic`]),
//! such a lock panics instead, naming the caller that asked for it. Before that (host
//! tests run threads that really do share locks) it spins as `spin::Mutex` does. The
//! uncontended path is `spin::Mutex`'s own.

use core::fmt;
use core::panic::Location;
use core::sync::atomic::{AtomicBool, Ordering};
pub use spin::MutexGuard;

static STRICT: AtomicBool = AtomicBool::new(false);

/// From now on a contended lock is a deadlock and panics (called once the kernel has
/// the machine to itself).
pub fn deadlocks_panic() {
    STRICT.store(true, Ordering::Relaxed);
}

pub struct Mutex<T: ?Sized>(spin::Mutex<T>);

impl<T> Mutex<T> {
    pub const fn new(value: T) -> Self {
        Mutex(spin::Mutex::new(value))
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Takes the lock; one already taken panics once [`deadlocks_panic`] was called.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        match self.0.try_lock() {
            Some(guard) => guard,
            None => self.contended(Location::caller()),
        }
    }

    #[cold]
    #[inline(never)]
    fn contended(&self, at: &'static Location<'static>) -> MutexGuard<'_, T> {
        if STRICT.load(Ordering::Relaxed) {
            panic!(
                "deadlock: a lock taken at {at} is held already, by a path that cannot run again to release it"
            );
        }
        self.0.lock()
    }

    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.0.try_lock()
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
