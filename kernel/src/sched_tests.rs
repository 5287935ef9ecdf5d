//! Tests of kernel threads and the scheduler.

use crate::ktest::{KernelTest, TestResult};
use crate::sched::{self, WaitQueue};
use crate::sync::Mutex;
use crate::user_tests::{context, programs, space_with};
use crate::{kassert, kassert_eq, kfail, ktest};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use nymph_hal::user::{UserExit, UserMode};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(threads_take_turns),
    ktest!(classes_order_threads),
    ktest!(sleep_wakes_after_its_deadline),
    ktest!(user_threads_are_preempted_round_robin),
    ktest!(finished_threads_give_back_their_stacks),
    ktest!(long_kernel_work_lets_others_run),
];

/// Kernel work that calls `let_others_run` as it goes lets a thread that became
/// runnable meanwhile run before it ends: the tick that ends its turn is taken there.
fn long_kernel_work_lets_others_run() -> TestResult {
    let ran = Arc::new(AtomicBool::new(false));
    let other = ran.clone();
    let spawned = sched::spawn("other", move || other.store(true, Ordering::SeqCst));
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    // With interrupts off throughout, nothing else runs however long this spins.
    let start = crate::time::ticks();
    let tsc = nymph_hal::cpu::rdtsc();
    while nymph_hal::cpu::rdtsc() - tsc < 2_000_000 {}
    kassert!(
        !ran.load(Ordering::SeqCst),
        "the other thread ran during the stall"
    );
    // Working with the points in between: the other thread runs within a few ticks
    // (bounded by the TSC too: without the points' interrupts no tick would come).
    let mut points = 0u64;
    let bound = nymph_hal::cpu::rdtsc();
    while !ran.load(Ordering::SeqCst)
        && crate::time::ticks() < start + 50
        && nymph_hal::cpu::rdtsc() - bound < 1 << 34
    {
        sched::let_others_run();
        points += 1;
    }
    kassert!(
        ran.load(Ordering::SeqCst),
        "the other thread did not run in {points} points over {} ticks",
        crate::time::ticks() - start
    );
    Ok(())
}

/// Waits (as the boot thread) until `count` reaches `n`, with a deadline in ticks.
fn wait_for(queue: &WaitQueue, count: &AtomicUsize, n: usize) -> bool {
    let deadline = crate::time::ticks() + 500;
    while count.load(Ordering::SeqCst) < n {
        if crate::time::ticks() > deadline {
            return false;
        }
        sched::sleep_ticks(1);
    }
    let _ = queue;
    true
}

fn threads_take_turns() -> TestResult {
    let log = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(WaitQueue::new());
    for name in ['a', 'b'] {
        let (log, done, queue) = (log.clone(), done.clone(), queue.clone());
        let spawned = sched::spawn("turns", move || {
            for _ in 0..3 {
                log.lock().push(name);
                sched::yield_now();
            }
            done.fetch_add(1, Ordering::SeqCst);
            queue.wake_all();
        });
        kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    }
    let done_ref = done.clone();
    queue.wait_until(move || done_ref.load(Ordering::SeqCst) == 2);
    kassert_eq!(log.lock().as_slice(), &['a', 'b', 'a', 'b', 'a', 'b']);
    Ok(())
}

/// Interrupt-class threads run first, real-time ones before normal ones and idle-class
/// ones after them, whatever the order they became runnable in; equals (not FIFO) still
/// take turns.
fn classes_order_threads() -> TestResult {
    let log = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(WaitQueue::new());
    let classes = [
        ('i', sched::Class::Idle { priority: 0 }),
        ('n', sched::Class::NORMAL),
        (
            'r',
            sched::Class::RealTime {
                priority: 5,
                fifo: false,
            },
        ),
        (
            's',
            sched::Class::RealTime {
                priority: 5,
                fifo: false,
            },
        ),
        (
            'f',
            sched::Class::RealTime {
                priority: 1,
                fifo: true,
            },
        ),
        ('k', sched::Class::Interrupt),
    ];
    for (name, class) in classes {
        let (log, done, queue) = (log.clone(), done.clone(), queue.clone());
        let spawned = sched::spawn("classes", move || {
            for _ in 0..2 {
                log.lock().push(name);
                sched::yield_now();
            }
            done.fetch_add(1, Ordering::SeqCst);
            queue.wake_all();
        });
        match spawned {
            Ok(id) => sched::set_class(id, class),
            Err(e) => kfail!("spawn: {e:?}"),
        }
    }
    let done_ref = done.clone();
    queue.wait_until(move || done_ref.load(Ordering::SeqCst) == classes.len());
    kassert_eq!(
        log.lock().as_slice(),
        &['k', 'k', 'f', 'f', 'r', 's', 'r', 's', 'n', 'n', 'i', 'i']
    );
    Ok(())
}

fn sleep_wakes_after_its_deadline() -> TestResult {
    let elapsed = Arc::new(AtomicU64::new(u64::MAX));
    let done = Arc::new(AtomicUsize::new(0));
    let queue = WaitQueue::new();
    let (e, d) = (elapsed.clone(), done.clone());
    let spawned = sched::spawn("sleeper", move || {
        let start = crate::time::ticks();
        sched::sleep_ticks(5);
        e.store(crate::time::ticks() - start, Ordering::SeqCst);
        d.fetch_add(1, Ordering::SeqCst);
    });
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    kassert!(wait_for(&queue, &done, 1), "sleeper never finished");
    let slept = elapsed.load(Ordering::SeqCst);
    kassert!((5..=6).contains(&slept), "slept {slept} ticks for 5");
    Ok(())
}

fn user_threads_are_preempted_round_robin() -> TestResult {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let turns = Arc::new(Mutex::new(Vec::new()));
    let queue = WaitQueue::new();
    for who in 0..2u8 {
        let space = space_with(programs::SPIN64)?;
        let (stop, done, turns) = (stop.clone(), done.clone(), turns.clone());
        let spawned = sched::spawn("spinner", move || {
            let mut ctx = context(UserMode::Long);
            while !stop.load(Ordering::SeqCst) {
                space.activate();
                match ctx.execute() {
                    UserExit::Interrupt(_) => {
                        let mut t = turns.lock();
                        if t.last() != Some(&who) {
                            t.push(who);
                        }
                        drop(t);
                        sched::preempt_point();
                    }
                    other => panic!("spinner left user mode with {other:?}"),
                }
            }
            crate::mm::uspace::kernel_root_activate();
            drop(space);
            done.fetch_add(1, Ordering::SeqCst);
        });
        kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    }
    sched::sleep_ticks(20);
    stop.store(true, Ordering::SeqCst);
    if !wait_for(&queue, &done, 2) {
        kfail!("spinning threads did not stop");
    }
    let turns = turns.lock().clone();
    // Each switch between the two busy loops was a preemption: neither ever blocks.
    kassert!(
        turns.len() >= 4,
        "only {} turns between two busy loops: {turns:?}",
        turns.len()
    );
    Ok(())
}

fn spawn_and_finish(n: usize) -> TestResult {
    let done = Arc::new(AtomicUsize::new(0));
    let queue = WaitQueue::new();
    for _ in 0..n {
        let d = done.clone();
        let spawned = sched::spawn("short", move || {
            d.fetch_add(1, Ordering::SeqCst);
        });
        kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    }
    kassert!(wait_for(&queue, &done, n), "threads did not all run");
    // Let the last one be reaped by a switch.
    sched::yield_now();
    sched::sleep_ticks(1);
    Ok(())
}

fn finished_threads_give_back_their_stacks() -> TestResult {
    let threads_before = sched::thread_count();
    // The first round may create page tables for stack slots never used before; those
    // stay (the region's tables are permanent). The second round must not grow anything.
    spawn_and_finish(50)?;
    let frames_before = crate::mm::frame::FRAMES.lock().free_count();
    spawn_and_finish(50)?;
    kassert_eq!(sched::thread_count(), threads_before);
    kassert_eq!(crate::mm::frame::FRAMES.lock().free_count(), frames_before);
    Ok(())
}
