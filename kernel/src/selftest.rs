//! Deliberate failures, chosen with `nymph.selftest=`, so the host harness can prove it
//! reports each kind of kernel death as a failure.

/// Runs the named self-test; unknown names are reported and end the run as a failure.
pub fn run(which: &str) -> ! {
    log::warn!("self-test '{which}': failing on purpose");
    match which {
        "panic" => panic!("self-test: deliberate kernel panic"),
        "fault" => nymph_hal::trap::raise_unexpected_fault(0xdead_0000),
        "hang" => loop {
            nymph_hal::cpu::wait_for_interrupt();
        },
        "stack-overflow" => overflow_a_kernel_stack(),
        "deadlock" => take_a_lock_twice(),
        other => panic!(
            "unknown self-test '{other}' (known: panic, fault, hang, stack-overflow, deadlock)"
        ),
    }
}

/// Takes a lock it holds: with one CPU and no preemption in the kernel this can never
/// finish, and the lock must say so (a panic naming this place), not spin for ever.
fn take_a_lock_twice() -> ! {
    static LOCK: crate::sync::Mutex<()> = crate::sync::Mutex::new(());
    let held = LOCK.lock();
    let again = LOCK.lock();
    drop((held, again));
    panic!("self-test: a lock was taken twice without a deadlock report");
}

/// Recurses without end on a kernel thread's own stack: the guard area below it must stop
/// this with a report naming the overflow, not let it run into other memory.
fn overflow_a_kernel_stack() -> ! {
    #[allow(unconditional_recursion, reason = "the point of the self-test")]
    fn descend(depth: u64) -> u64 {
        // A frame of real size that the optimiser cannot fold into a loop.
        let frame = core::hint::black_box([depth; 32]);
        descend(depth + 1).wrapping_add(frame[(depth % 32) as usize])
    }
    if let Err(e) = crate::sched::spawn("stack-overflow", || {
        core::hint::black_box(descend(0));
    }) {
        panic!("self-test: could not start a thread: {e:?}");
    }
    loop {
        crate::sched::yield_now();
    }
}
