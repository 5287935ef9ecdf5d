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
        other => panic!("unknown self-test '{other}' (known: panic, fault, hang)"),
    }
}
