//! Tests of user mode itself: entering 64-bit and compatibility-mode code, each way back
//! into the kernel (syscall, int $0x80, faults, the timer), and state kept across them.

use crate::ktest::{KernelTest, TestResult};
use crate::mm::uspace::{AddressSpace, MemError, Protection, kernel_root_activate};
use crate::{kassert, kassert_eq, kfail, ktest};
use alloc::vec::Vec;
use nymph_hal::user::{
    FpuState, SyscallEntry, SyscallOutcome, UserContext, UserExit, UserMode, UserThread,
};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(syscall_round_trip_64),
    ktest!(int80_round_trip_compat32),
    ktest!(timer_preempts_user_busy_loop),
    ktest!(user_fpu_state_survives_kernel_entry),
    ktest!(user_faults_come_back_as_exceptions),
    ktest!(address_space_frames_are_returned),
    ktest!(promised_pages_cost_frames_only_when_touched),
    ktest!(shared_anonymous_pages_come_on_touch_and_go_once),
    ktest!(regions_for_a_core_dump),
    ktest!(kernel_reaches_user_memory_only_through_the_copy_routine),
    ktest!(kernel_cannot_execute_user_pages),
    ktest!(fork_shares_pages_copy_on_write),
    ktest!(debugger_writes_text_in_a_private_copy),
    ktest!(file_mappings_share_page_cache_frames),
    ktest!(pages_past_a_file_end_are_one_range),
    ktest!(file_ranges_follow_unmapping_fork_and_minherit),
    ktest!(syscall_from_compat_mode_is_an_invalid_opcode),
    ktest!(served_syscalls_go_straight_back_to_user_mode),
    ktest!(served_int80_goes_straight_back_to_compat_mode),
    ktest!(served_syscall_leaving_a_bad_state_returns),
];

/// Hand-assembled programs (GNU as, AT&T syntax in the comments), loaded at `CODE`.
pub(crate) mod programs {
    /// mov $42,%edi; mov $7,%eax; syscall; add $1,%rax; mov %rax,%rdi; mov $8,%eax;
    /// syscall; ud2
    pub const CALLS64: &[u8] = &[
        0xbf, 0x2a, 0, 0, 0, 0xb8, 7, 0, 0, 0, 0x0f, 0x05, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x89,
        0xc7, 0xb8, 8, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b,
    ];
    /// 1: jmp 1b
    pub const SPIN64: &[u8] = &[0xeb, 0xfe];
    /// movabs $0x1122334455667788,%rax; movq %rax,%xmm5; syscall; movq %xmm5,%rax;
    /// syscall; ud2
    pub const FPU64: &[u8] = &[
        0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x66, 0x48, 0x0f, 0x6e, 0xe8,
        0x0f, 0x05, 0x66, 0x48, 0x0f, 0x7e, 0xe8, 0x0f, 0x05, 0x0f, 0x0b,
    ];
    /// movl $0x99,0x600000; syscall; ud2
    pub const WRITE64: &[u8] = &[
        0xc7, 0x04, 0x25, 0, 0, 0x60, 0, 0x99, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b,
    ];
    /// (32-bit) syscall
    pub const SYSCALL32: &[u8] = &[0x0f, 0x05];
    /// int $0x81 (a vector user mode may not raise)
    pub const GP64: &[u8] = &[0xcd, 0x81];
    /// movabs 0xffff800000001000,%rax (the direct map: a present kernel page)
    pub const KREAD64: &[u8] = &[0x48, 0xa1, 0, 0x10, 0, 0, 0, 0x80, 0xff, 0xff];
    /// (32-bit) mov $0x11,%ebx; mov $20,%eax; int $0x80; mov %eax,%ecx; int $0x80;
    /// movl $0,0x0
    pub const CALLS32: &[u8] = &[
        0xbb, 0x11, 0, 0, 0, 0xb8, 0x14, 0, 0, 0, 0xcd, 0x80, 0x89, 0xc1, 0xcd, 0x80, 0xc7, 0x05,
        0, 0, 0, 0, 0, 0, 0, 0,
    ];
}

pub(crate) const CODE: u64 = 0x40_0000;
const STACK_TOP: u64 = 0x80_0000;

pub(crate) fn space_with(program: &[u8]) -> Result<AddressSpace, crate::ktest::TestFailure> {
    let mut space = match AddressSpace::new() {
        Ok(s) => s,
        Err(e) => kfail!("address space: {e:?}"),
    };
    kassert_eq!(space.map_zeroed(CODE, Protection::READ_EXECUTE), Ok(()));
    kassert_eq!(
        space.map_zeroed(STACK_TOP - 4096, Protection::READ_WRITE),
        Ok(())
    );
    kassert_eq!(space.write_bytes(CODE, program), Ok(()));
    Ok(space)
}

pub(crate) fn context(mode: UserMode) -> UserContext {
    UserContext::new(mode, CODE, STACK_TOP, FpuState::with_control_word(0x037f))
}

/// Runs until an exit that is not a timer interrupt.
fn run(ctx: &mut UserContext) -> UserExit {
    loop {
        match ctx.execute() {
            UserExit::Interrupt(_) => continue,
            other => return other,
        }
    }
}

fn syscall_round_trip_64() -> TestResult {
    let space = space_with(programs::CALLS64)?;
    space.activate();
    let mut ctx = context(UserMode::Long);
    let first = run(&mut ctx);
    let (rax1, rdi1, rcx1) = (ctx.regs.rax, ctx.regs.rdi, ctx.regs.rcx);
    ctx.regs.rax = 100;
    let second = run(&mut ctx);
    let (rax2, rdi2) = (ctx.regs.rax, ctx.regs.rdi);
    let third = run(&mut ctx);
    kernel_root_activate();
    kassert_eq!(first, UserExit::Syscall);
    kassert_eq!((rax1, rdi1), (7, 42));
    // SYSCALL leaves the return address in rcx.
    kassert_eq!(rcx1, CODE + 12);
    kassert_eq!(second, UserExit::Syscall);
    kassert_eq!((rax2, rdi2), (8, 101));
    kassert!(
        matches!(third, UserExit::Exception { vector: 6, .. }),
        "ud2 gave {third:?}"
    );
    kassert_eq!(ctx.regs.rip, CODE + 0x1a);
    Ok(())
}

fn int80_round_trip_compat32() -> TestResult {
    nymph_hal::trap::allow_user_vector(0x80);
    let space = space_with(programs::CALLS32)?;
    space.activate();
    let mut ctx = context(UserMode::Compat32);
    let first = run(&mut ctx);
    let (eax1, ebx1) = (ctx.regs.rax, ctx.regs.rbx);
    ctx.regs.rax = 0x1234;
    let second = run(&mut ctx);
    let ecx2 = ctx.regs.rcx;
    let third = run(&mut ctx);
    kernel_root_activate();
    kassert_eq!(first, UserExit::SoftwareInterrupt(0x80));
    kassert_eq!((eax1, ebx1), (20, 0x11));
    kassert_eq!(second, UserExit::SoftwareInterrupt(0x80));
    kassert_eq!(ecx2, 0x1234);
    kassert!(
        matches!(third, UserExit::Exception { vector: 14, address: 0, error_code } if error_code & 0x6 == 0x6),
        "write to 0 gave {third:?}"
    );
    kassert_eq!(ctx.mode(), UserMode::Compat32);
    Ok(())
}

fn timer_preempts_user_busy_loop() -> TestResult {
    let space = space_with(programs::SPIN64)?;
    space.activate();
    let mut ctx = context(UserMode::Long);
    let start = crate::time::ticks();
    let mut exits = 0;
    let mut last = UserExit::Syscall;
    while crate::time::ticks() < start + 3 && exits < 100 {
        last = ctx.execute();
        exits += 1;
        if !matches!(last, UserExit::Interrupt(_)) {
            break;
        }
    }
    kernel_root_activate();
    kassert_eq!(last, UserExit::Interrupt(0));
    kassert!(
        crate::time::ticks() >= start + 3,
        "ticks stuck at {}",
        crate::time::ticks()
    );
    kassert_eq!(ctx.regs.rip, CODE);
    Ok(())
}

fn user_fpu_state_survives_kernel_entry() -> TestResult {
    let space = space_with(programs::FPU64)?;
    space.activate();
    let mut ctx = context(UserMode::Long);
    let first = run(&mut ctx);
    // Kernel work that loads every XMM register with something else.
    let noise = nymph_hal::fpu::xmm_after_trap(&[0x5a; 256]);
    let second = run(&mut ctx);
    kernel_root_activate();
    kassert_eq!(first, UserExit::Syscall);
    kassert_eq!(noise[0], 0x5a);
    kassert_eq!(second, UserExit::Syscall);
    kassert_eq!(ctx.regs.rax, 0x1122_3344_5566_7788);
    Ok(())
}

fn user_faults_come_back_as_exceptions() -> TestResult {
    let gp = space_with(programs::GP64)?;
    gp.activate();
    let mut ctx = context(UserMode::Long);
    let gp_exit = run(&mut ctx);
    drop(gp);
    let kread = space_with(programs::KREAD64)?;
    kread.activate();
    let mut ctx = context(UserMode::Long);
    let kread_exit = run(&mut ctx);
    kernel_root_activate();
    drop(kread);
    // int $0x81 through a DPL-0 gate: #GP whose error code names the IDT entry (bit 1).
    // The SDM puts the vector at bit 3; QEMU's TCG puts it at bit 4 (the 16-byte entry's
    // offset). Accept either: what matters is that the fault came back, not the encoding.
    kassert!(
        matches!(gp_exit, UserExit::Exception { vector: 13, error_code, address: 0 }
            if error_code & 3 == 2 && (error_code >> 3 == 0x81 || error_code >> 4 == 0x81)),
        "int $0x81 gave {gp_exit:?}"
    );
    // A user read of a present kernel page: #PF, protection violation from user mode.
    kassert!(
        matches!(kread_exit, UserExit::Exception { vector: 14, address: 0xffff_8000_0000_1000, error_code } if error_code & 0x5 == 0x5),
        "kernel read gave {kread_exit:?}"
    );
    // A state that iretq would fault on in kernel mode is refused, not entered.
    let mut bad = context(UserMode::Long);
    bad.regs.rip = 0xffff_8000_0000_0000;
    kassert!(matches!(bad.execute(), UserExit::Refused(_)));
    let mut bad32 = context(UserMode::Compat32);
    bad32.regs.rip = 1 << 32;
    kassert!(matches!(bad32.execute(), UserExit::Refused(_)));
    Ok(())
}

fn address_space_frames_are_returned() -> TestResult {
    let before = crate::mm::frame::FRAMES.lock().free_count();
    {
        let mut space = space_with(programs::SPIN64)?;
        for i in 0..64u64 {
            kassert_eq!(
                space.map_zeroed(0x1000_0000 + i * 0x20_0000, Protection::READ_WRITE),
                Ok(())
            );
        }
        kassert_eq!(space.page_count(), 66);
        kassert!(crate::mm::frame::FRAMES.lock().free_count() < before - 66);
    }
    kassert_eq!(crate::mm::frame::FRAMES.lock().free_count(), before);
    Ok(())
}

/// A promised range takes no frames; a touch (a fault, resolved) maps one zeroed page;
/// unmapping the middle splits the promise; protection changes reach untouched pages;
/// a fork keeps the promise; dropping the space frees what was touched.
fn promised_pages_cost_frames_only_when_touched() -> TestResult {
    use crate::mm::uspace::FaultResolution;
    const BASE: u64 = 0x2000_0000;
    const SIZE: u64 = 64 * 0x1000;
    let free = || crate::mm::frame::FRAMES.lock().free_count();
    let before = free();
    {
        let mut space = space_with(programs::SPIN64)?;
        let pages = space.page_count();
        kassert_eq!(
            space.reserve_zeroed(BASE, BASE + SIZE, Protection::READ_WRITE),
            Ok(())
        );
        kassert_eq!(space.page_count(), pages);
        // Overlapping promises are refused.
        kassert!(
            space
                .reserve_zeroed(BASE + 0x1000, BASE + 0x3000, Protection::READ)
                .is_err()
        );
        kassert_eq!(
            space.protection(BASE + SIZE - 1),
            Some(Protection::READ_WRITE)
        );
        kassert_eq!(space.protection(BASE + SIZE), None);
        kassert_eq!(
            space.handle_fault(BASE + 0x5123, true),
            FaultResolution::Resolved
        );
        kassert_eq!(space.page_count(), pages + 1);
        // The loader's writes materialise pages too.
        kassert_eq!(space.write_bytes(BASE + 0x9000, b"x"), Ok(()));
        kassert_eq!(space.page_count(), pages + 2);
        // A hole in the middle: the pages on each side stay promised.
        kassert_eq!(space.unmap_range(BASE + 0x10000, BASE + 0x12000), 2);
        kassert_eq!(space.protection(BASE + 0x10000), None);
        kassert_eq!(
            space.protection(BASE + 0x12000),
            Some(Protection::READ_WRITE)
        );
        // Read-only now: a write to an untouched page is a real fault, a read is not.
        kassert_eq!(
            space.protect_range(BASE + 0x20000, BASE + SIZE, Protection::READ),
            Ok(())
        );
        kassert_eq!(
            space.handle_fault(BASE + 0x30000, true),
            FaultResolution::NotResolved
        );
        kassert_eq!(
            space.handle_fault(BASE + 0x30000, false),
            FaultResolution::Resolved
        );
        let child = match space.fork() {
            Ok(child) => child,
            Err(e) => kfail!("fork: {e:?}"),
        };
        kassert_eq!(
            child.protection(BASE + 0x12000),
            Some(Protection::READ_WRITE)
        );
        drop(child);
    }
    kassert_eq!(free(), before);
    Ok(())
}

/// Shared anonymous memory: a huge mapping takes no frame; a page touched first by a
/// fork child after the fork is the parent's too (resident there, read by a core dump's
/// walk and the debugger, mapped to the same frame by the parent's own touch); a
/// partial unmap in one leaves the rest shared; minherit COPY gives a child its own
/// copy of the pages made and zeros for the rest; NONE nothing; dropping the spaces in
/// any order frees every frame once.
fn shared_anonymous_pages_come_on_touch_and_go_once() -> TestResult {
    use crate::mm::uspace::{FaultResolution, Inheritance};
    const BASE: u64 = 0x4000_0000;
    const SIZE: u64 = 1 << 30;
    const PAGE: u64 = 0x1000;
    let free = || crate::mm::frame::FRAMES.lock().free_count();
    let before = free();
    {
        let mut parent = space_with(programs::SPIN64)?;
        let pages = parent.page_count();
        let made = free();
        kassert_eq!(
            parent.reserve_shared_zeroed(BASE, BASE + SIZE, Protection::READ_WRITE),
            Ok(())
        );
        kassert_eq!(free(), made);
        kassert!(
            parent
                .reserve_zeroed(BASE + SIZE - PAGE, BASE + SIZE + PAGE, Protection::READ)
                .is_err()
        );
        kassert_eq!(parent.write_bytes(BASE, b"before"), Ok(()));
        let mut child = match parent.fork() {
            Ok(child) => child,
            Err(e) => kfail!("fork: {e:?}"),
        };
        // The child touches a page neither touched before the fork.
        let late = BASE + SIZE / 2;
        kassert!(!parent.resident(late), "untouched page resident");
        kassert_eq!(child.handle_fault(late, true), FaultResolution::Resolved);
        kassert_eq!(child.write_bytes(late + 8, b"child"), Ok(()));
        kassert!(
            parent.resident(late),
            "the child's page is not the parent's"
        );
        let mut seen = [0u8; 5];
        kassert_eq!(parent.peek(late + 8, &mut seen), Ok(()));
        kassert_eq!(&seen, b"child");
        kassert_eq!(parent.next_resident(BASE + PAGE, BASE + SIZE), Some(late));
        let mut page = [0u8; 4096];
        kassert!(parent.read_page(late, &mut page));
        kassert_eq!(&page[8..13], b"child");
        kassert!(
            parent.next_region(BASE).is_some_and(|r| r.touched),
            "region not touched"
        );
        // The parent's own touch maps the same page: its write shows in the child.
        kassert_eq!(parent.handle_fault(late, false), FaultResolution::Resolved);
        kassert_eq!(parent.page_count(), pages + 2);
        kassert_eq!(parent.write_bytes(late, b"P"), Ok(()));
        kassert_eq!(child.peek(late, &mut seen[..1]), Ok(()));
        kassert_eq!(seen[0], b'P');
        kassert_eq!(child.peek(BASE, &mut seen[..1]), Ok(()));
        kassert_eq!(seen[0], b'b');
        // A debugger's write to a page neither touched reaches both.
        let poked = BASE + 3 * SIZE / 4;
        kassert_eq!(child.poke(poked, b"dbg"), Ok(()));
        kassert_eq!(parent.peek(poked, &mut seen[..3]), Ok(()));
        kassert_eq!(&seen[..3], b"dbg");
        // A hole in the parent: the child keeps all; the rest stays shared.
        kassert_eq!(parent.unmap_range(BASE + PAGE, BASE + 3 * PAGE), 2);
        kassert_eq!(child.protection(BASE + PAGE), Some(Protection::READ_WRITE));
        kassert_eq!(child.write_bytes(BASE + 5 * PAGE, b"after"), Ok(()));
        kassert_eq!(parent.peek(BASE + 5 * PAGE, &mut seen), Ok(()));
        kassert_eq!(&seen, b"after");
        // A fork with the range inherited by copy: the made pages copied on write,
        // the rest private zeros; the parent's pages are its own from then on too.
        parent.set_inheritance(BASE, BASE + SIZE, Inheritance::Copy);
        let mut copy = match parent.fork() {
            Ok(copy) => copy,
            Err(e) => kfail!("fork (copy): {e:?}"),
        };
        kassert_eq!(copy.peek(late + 8, &mut seen), Ok(()));
        kassert_eq!(&seen, b"child");
        kassert_eq!(copy.write_bytes(late + 8, b"copy!"), Ok(()));
        kassert_eq!(copy.write_bytes(BASE + 9 * PAGE, b"mine"), Ok(()));
        kassert_eq!(parent.peek(late + 8, &mut seen), Ok(()));
        kassert_eq!(&seen, b"child");
        kassert_eq!(child.peek(BASE + 9 * PAGE, &mut seen[..4]), Ok(()));
        kassert_eq!(&seen[..4], &[0; 4]);
        // None: the next child has nothing there.
        parent.set_inheritance(BASE, BASE + SIZE, Inheritance::None);
        let none = match parent.fork() {
            Ok(none) => none,
            Err(e) => kfail!("fork (none): {e:?}"),
        };
        kassert_eq!(none.protection(BASE + 5 * PAGE), None);
        kassert_eq!(none.protection(late), None);
        drop(none);
        drop(parent);
        // The pages the child shares outlive the parent.
        kassert_eq!(child.peek(late, &mut seen[..1]), Ok(()));
        kassert_eq!(seen[0], b'P');
        drop(copy);
        drop(child);
    }
    kassert_eq!(free(), before);
    Ok(())
}

fn kernel_reaches_user_memory_only_through_the_copy_routine() -> TestResult {
    // The harness runs QEMU with `-cpu max`, which has SMAP: without it this proves nothing.
    kassert!(
        nymph_hal::cpu::CpuInfo::read().smap,
        "the CPU lacks SMAP (the harness runs -cpu max)"
    );
    let space = space_with(programs::CALLS64)?;
    space.activate();
    let mut through_copy = [0u8; 4];
    let copied = nymph_hal::copy::copy_from_user(&mut through_copy, CODE, u64::MAX);
    let mut direct = [0u8; 4];
    let touched = nymph_hal::copy::probe_kernel_read(&mut direct, CODE);
    kernel_root_activate();
    kassert_eq!(copied, Ok(()));
    kassert_eq!(through_copy, [0xbf, 0x2a, 0, 0]);
    // SMAP: a present user page read by kernel code without AC set is a protection fault
    // (error code bit 0: page present).
    match touched {
        Err(f) => kassert!(
            f.fault
                .is_some_and(|c| c.vector == 14 && c.error_code & 1 == 1),
            "fault was {f:?}"
        ),
        Ok(()) => kfail!("SMAP is on but the kernel read a user page directly"),
    }
    Ok(())
}

fn kernel_cannot_execute_user_pages() -> TestResult {
    kassert!(
        nymph_hal::cpu::CpuInfo::read().smep,
        "the CPU lacks SMEP (the harness runs -cpu max)"
    );
    // A user page holding a lone `ret`: without SMEP the kernel's call would simply return.
    const RET: u8 = 0xc3;
    let space = space_with(&[RET])?;
    space.activate();
    let called = nymph_hal::copy::probe_kernel_execute(CODE);
    kernel_root_activate();
    // SMEP: an instruction fetch (error code bit 4) from a present (bit 0) user page.
    match called {
        Err(f) => kassert!(
            f.fault.is_some_and(|c| c.vector == 14
                && c.error_code & 0x11 == 0x11
                && c.address == CODE),
            "fault was {f:?}"
        ),
        Ok(()) => kfail!("SMEP is on but the kernel ran code on a user page"),
    }
    Ok(())
}

/// What ptrace's PT_WRITE_I needs: a write into a forked child's read-only text
/// lands in a copy of the page the parent never sees, with the protection kept; reads
/// see it, untouched promised pages read as zeros, unmapped ones fail, and a shared
/// read-only mapping is never written.
fn debugger_writes_text_in_a_private_copy() -> TestResult {
    const PROMISED: u64 = 0x70_0000;
    const SHARED_RO: u64 = 0x71_0000;
    let mut parent = space_with(programs::SPIN64)?;
    let Ok(mut child) = parent.fork() else {
        kfail!("fork failed")
    };
    kassert_eq!(child.poke(CODE, &[0xcc]), Ok(()));
    let (mut in_child, mut in_parent) = ([0u8; 2], [0u8; 2]);
    kassert_eq!(child.peek(CODE, &mut in_child), Ok(()));
    kassert_eq!(parent.peek(CODE, &mut in_parent), Ok(()));
    kassert_eq!((in_child, in_parent), ([0xcc, 0xfe], [0xeb, 0xfe]));
    kassert_eq!(child.protection(CODE), Some(Protection::READ_EXECUTE));
    kassert_eq!(
        child.reserve_zeroed(PROMISED, PROMISED + 4096, Protection::READ_WRITE),
        Ok(())
    );
    let mut word = [7u8; 4];
    kassert_eq!(child.peek(PROMISED + 8, &mut word), Ok(()));
    kassert_eq!(word, [0; 4]);
    kassert!(
        !child.resident(PROMISED),
        "a read brought in a promised page"
    );
    kassert_eq!(
        child.peek(0x9000_0000, &mut word),
        Err(MemError::BadAddress)
    );
    kassert_eq!(child.poke(0x9000_0000, &word), Err(MemError::BadAddress));
    kassert_eq!(
        child.reserve_shared_zeroed(SHARED_RO, SHARED_RO + 4096, Protection::READ),
        Ok(())
    );
    kassert_eq!(child.poke(SHARED_RO, &[1]), Err(MemError::BadAddress));
    // A write across the end of a mapping changes nothing.
    kassert_eq!(
        child.poke(CODE + 4094, &[1, 2, 3, 4]),
        Err(MemError::BadAddress)
    );
    kassert_eq!(child.peek(CODE, &mut in_child), Ok(()));
    kassert_eq!(in_child, [0xcc, 0xfe]);
    Ok(())
}

fn fork_shares_pages_copy_on_write() -> TestResult {
    use crate::mm::uspace::FaultResolution;
    const DATA: u64 = 0x60_0000;
    let mut parent = space_with(programs::WRITE64)?;
    kassert_eq!(parent.map_zeroed(DATA, Protection::READ_WRITE), Ok(()));
    kassert_eq!(parent.write_bytes(DATA, &[1, 2, 3, 4]), Ok(()));
    let free_before = crate::mm::frame::FRAMES.lock().free_count();
    let child = parent.fork();
    kassert!(child.is_ok(), "fork: {child:?}");
    let Ok(mut child) = child else {
        kfail!("fork failed")
    };
    // Only page tables were allocated: data frames are shared.
    kassert!(crate::mm::frame::FRAMES.lock().free_count() + 8 > free_before);

    child.activate();
    let mut ctx = context(UserMode::Long);
    let first = run(&mut ctx);
    let resolution = match first {
        UserExit::Exception {
            vector: 14,
            address,
            error_code,
        } if error_code & 2 == 2 => child.handle_fault(address, true),
        other => {
            kernel_root_activate();
            kfail!("write to a shared page gave {other:?}")
        }
    };
    let second = run(&mut ctx);
    let mut in_child = [0u8; 4];
    let read_child = nymph_hal::copy::copy_from_user(&mut in_child, DATA, u64::MAX);
    parent.activate();
    let mut in_parent = [0u8; 4];
    let read_parent = nymph_hal::copy::copy_from_user(&mut in_parent, DATA, u64::MAX);
    kernel_root_activate();
    kassert_eq!(resolution, FaultResolution::Resolved);
    kassert_eq!(second, UserExit::Syscall);
    kassert_eq!((read_child, read_parent), (Ok(()), Ok(())));
    kassert_eq!(in_child, [0x99, 0, 0, 0]);
    kassert_eq!(in_parent, [1, 2, 3, 4]);
    // The parent is now the page's only owner: its write fault just re-enables writing.
    kassert_eq!(parent.handle_fault(DATA, true), FaultResolution::Resolved);
    // Reads of mapped pages and writes to read-only pages are real faults.
    kassert_eq!(
        parent.handle_fault(DATA, false),
        FaultResolution::NotResolved
    );
    kassert_eq!(
        parent.handle_fault(CODE, true),
        FaultResolution::NotResolved
    );
    drop(child);
    drop(parent);
    Ok(())
}

fn syscall_from_compat_mode_is_an_invalid_opcode() -> TestResult {
    let space = space_with(programs::SYSCALL32)?;
    space.activate();
    let mut ctx = context(UserMode::Compat32);
    ctx.regs.rbx = 0x5151;
    let exit = run(&mut ctx);
    kernel_root_activate();
    kassert_eq!(
        exit,
        UserExit::Exception {
            vector: 6,
            error_code: 0,
            address: 0
        }
    );
    kassert_eq!(ctx.regs.rip, CODE);
    kassert_eq!(ctx.regs.rbx, 0x5151);
    kassert_eq!(ctx.mode(), UserMode::Compat32);
    Ok(())
}

/// Shared and private mappings of a file's pages, a fork, a private copy and PROT_NONE:
/// writes through the shared mapping are the file's, and once the spaces and the file
/// are gone every frame is back.
#[cfg(not(test))]
fn file_mappings_share_page_cache_frames() -> TestResult {
    use crate::mm::uspace::FaultResolution;
    use crate::vfs::tmpfs;
    const SHARED: u64 = 0x70_0000;
    const PRIVATE: u64 = 0x80_0000;
    const BEYOND: u64 = SHARED + 0x2000;
    let free = || crate::mm::frame::FRAMES.lock().free_count();
    let before = free();
    {
        let file = tmpfs::make(1, 0o644, 0, 0, tmpfs::Kind::Regular);
        kassert_eq!(file.write_at(0, b"page zero"), Ok(9));
        kassert_eq!(file.write_at(4096, b"page one"), Ok(8));
        let mut space = space_with(programs::SPIN64)?;
        let frames = file.share_frames(0, 3);
        kassert!(frames.as_ref().is_ok_and(|f| f.len() == 2), "{frames:?}");
        let Ok(frames) = frames else {
            kfail!("share_frames failed")
        };
        for (i, &phys) in frames.iter().enumerate() {
            let virt = SHARED + i as u64 * 4096;
            kassert_eq!(
                space.map_frame(virt, phys, Protection::READ_WRITE, true, true),
                Ok(())
            );
        }
        let view = crate::mm::uspace::FileView {
            file: file.clone(),
            shared: true,
            may_write: true,
        };
        kassert_eq!(
            space.reserve_beyond(BEYOND, BEYOND + 0x1000, Protection::READ, view, 2),
            Ok(())
        );
        let Ok(frames) = file.share_frames(0, 1) else {
            kfail!("share_frames failed")
        };
        kassert_eq!(
            space.map_frame(PRIVATE, frames[0], Protection::READ_WRITE, false, false),
            Ok(())
        );
        // Through the shared mapping: the file sees it. Through the private one: not.
        kassert_eq!(space.write_bytes(SHARED + 5, b"ZERO"), Ok(()));
        kassert_eq!(space.write_bytes(PRIVATE, b"private"), Ok(()));
        let mut buf = [0u8; 9];
        kassert_eq!(file.read_at(0, &mut buf), Ok(9));
        kassert_eq!(&buf, b"page ZERO");
        kassert_eq!(space.handle_fault(BEYOND, false), FaultResolution::BusError);
        // The file grows over the page: touched now, it is the file's new page.
        kassert_eq!(file.write_at(8192, b"page two"), Ok(8));
        kassert_eq!(space.handle_fault(BEYOND, false), FaultResolution::Resolved);
        let mut seen = [0u8; 8];
        kassert_eq!(space.peek(BEYOND, &mut seen), Ok(()));
        kassert_eq!(&seen, b"page two");
        // Truncated back: the page leaves the space, and touching it is a bus error
        // again.
        let Ok(two) = file.share_frames(2, 1) else {
            kfail!("share_frames failed")
        };
        crate::mm::frame::release(two[0]);
        kassert_eq!(file.truncate(8192), Ok(()));
        let mapped: alloc::sync::Arc<dyn crate::mm::uspace::MappedFile> = file.clone();
        let frames = alloc::collections::BTreeMap::from([(two[0], 2)]);
        space.detach_file_frames(&mapped, &frames);
        kassert_eq!(space.handle_fault(BEYOND, false), FaultResolution::BusError);
        // A core dump sees them as file-backed, the page past the file's end too.
        kassert_eq!(
            space
                .next_region(SHARED)
                .map(|r| (r.end, r.backing, r.touched)),
            Some((BEYOND, crate::mm::uspace::Backing::File, true))
        );
        kassert_eq!(
            space
                .next_region(BEYOND)
                .map(|r| (r.end, r.backing, r.touched)),
            Some((BEYOND + 0x1000, crate::mm::uspace::Backing::File, false))
        );
        // A shared page never needs copying: a write fault on it is a real one.
        kassert_eq!(
            space.handle_fault(SHARED, true),
            FaultResolution::NotResolved
        );
        kassert_eq!(
            space.protect_range(SHARED, SHARED + 0x1000, Protection::NONE),
            Ok(())
        );
        let child = space.fork();
        kassert!(child.is_ok(), "fork: {child:?}");
        let Ok(mut child) = child else {
            kfail!("fork failed")
        };
        kassert_eq!(child.write_bytes(SHARED + 4096, b"PAGE"), Ok(()));
        kassert_eq!(child.protection(SHARED), Some(Protection::NONE));
        kassert_eq!(
            child.protect_range(SHARED, SHARED + 0x1000, Protection::READ),
            Ok(())
        );
        drop(space);
        kassert_eq!(file.read_at(4096, &mut buf[..8]), Ok(8));
        kassert_eq!(&buf[..8], b"PAGE one");
        kassert_eq!(child.unmap_range(SHARED, SHARED + 0x3000), 3);
        drop(child);
    }
    kassert_eq!(free(), before);
    Ok(())
}

/// File pages are heap buffers in host builds: nothing to map.
#[cfg(test)]
fn file_mappings_share_page_cache_frames() -> TestResult {
    Ok(())
}

/// A file that never reaches the pages mapped past its end.
struct EmptyFile;

impl crate::mm::uspace::MappedFile for EmptyFile {
    fn share_page(&self, _index: u64) -> Result<Option<u64>, MemError> {
        Ok(None)
    }

    fn as_any(self: alloc::sync::Arc<Self>) -> alloc::sync::Arc<dyn core::any::Any + Send + Sync> {
        self
    }
}

fn empty_file() -> crate::mm::uspace::FileView {
    crate::mm::uspace::FileView {
        file: alloc::sync::Arc::new(EmptyFile),
        shared: false,
        may_write: true,
    }
}

/// The record of which ranges map a file: a split keeps each part's file offset,
/// unmapping takes out what it covers, fork copies it (not what minherit says
/// none of), and a note over an old one replaces it.
fn file_ranges_follow_unmapping_fork_and_minherit() -> TestResult {
    use crate::mm::uspace::Inheritance;
    let mut space = space_with(programs::SPIN64)?;
    let (start, end) = (0x1000_0000, 0x1000_8000);
    kassert!(
        space
            .map_range_zeroed(start, end, Protection::READ_WRITE)
            .is_ok()
    );
    kassert!(space.note_file(start, end, empty_file(), 0x3000).is_ok());
    kassert_eq!(space.unmap_range(0x1000_2000, 0x1000_3000), 1);
    let spans = |s: &AddressSpace| -> Vec<(u64, u64, u64, bool)> {
        s.file_ranges(usize::MAX)
            .iter()
            .map(|r| (r.start, r.end, r.offset, r.shared))
            .collect()
    };
    kassert_eq!(
        spans(&space),
        [
            (0x1000_0000, 0x1000_2000, 0x3000, false),
            (0x1000_3000, 0x1000_8000, 0x6000, false)
        ]
    );
    kassert_eq!(space.file_ranges(1)[0].prot, Some(Protection::READ_WRITE));
    space.set_inheritance(0x1000_6000, 0x1000_8000, Inheritance::None);
    let child = match space.fork() {
        Ok(c) => c,
        Err(e) => kfail!("fork: {e:?}"),
    };
    kassert_eq!(
        spans(&child),
        [
            (0x1000_0000, 0x1000_2000, 0x3000, false),
            (0x1000_3000, 0x1000_6000, 0x6000, false)
        ]
    );
    let shared = crate::mm::uspace::FileView {
        shared: true,
        ..empty_file()
    };
    kassert!(space.note_file(0x1000_1000, 0x1000_4000, shared, 0).is_ok());
    kassert_eq!(
        spans(&space),
        [
            (0x1000_0000, 0x1000_1000, 0x3000, false),
            (0x1000_1000, 0x1000_4000, 0, true),
            (0x1000_4000, 0x1000_8000, 0x7000, false)
        ]
    );
    // The map's pieces are cut at the ranges' bounds, each with its file's range (the
    // offset its start maps).
    let piece = |from: u64| {
        space
            .next_mapping(from)
            .map(|(r, f)| (r.start, r.end, f.map(|f| (f.offset, f.shared))))
    };
    kassert_eq!(
        piece(0x1000_0000),
        Some((0x1000_0000, 0x1000_1000, Some((0x3000, false))))
    );
    kassert_eq!(
        piece(0x1000_1000),
        Some((0x1000_1000, 0x1000_2000, Some((0, true))))
    );
    kassert_eq!(
        piece(0x1000_2000),
        Some((0x1000_3000, 0x1000_4000, Some((0, true))))
    );
    drop(child);
    Ok(())
}

/// A huge mapping of a small file: its 2 GiB of pages past the file's end are reserved
/// at once (one record, not half a million), every one a bus error to touch, and
/// mprotect, munmap, a core dump's walk and fork see them page by page as before.
fn pages_past_a_file_end_are_one_range() -> TestResult {
    use crate::mm::uspace::{Backing, FaultResolution, Region};
    const BASE: u64 = 0x4000_0000;
    const MID: u64 = BASE + (1 << 30);
    const END: u64 = BASE + (2 << 30);
    let mut space = space_with(programs::SPIN64)?;
    kassert_eq!(
        space.reserve_beyond(BASE, END, Protection::READ, empty_file(), 0),
        Ok(())
    );
    kassert_eq!(
        space.reserve_beyond(MID, MID + 0x1000, Protection::READ, empty_file(), 0),
        Err(MemError::AlreadyMapped)
    );
    kassert_eq!(
        space.reserve_zeroed(END - 0x1000, END + 0x1000, Protection::READ),
        Err(MemError::AlreadyMapped)
    );
    kassert_eq!(space.handle_fault(MID, false), FaultResolution::BusError);
    kassert_eq!(space.protection(END - 0x1000), Some(Protection::READ));
    kassert_eq!(space.protection(END), None);
    // mprotect in the middle: the range splits, only the covered part changes.
    kassert_eq!(
        space.protect_range(MID, MID + 0x2000, Protection::NONE),
        Ok(())
    );
    kassert_eq!(space.protection(MID - 0x1000), Some(Protection::READ));
    kassert_eq!(space.protection(MID + 0x1000), Some(Protection::NONE));
    kassert_eq!(space.protection(MID + 0x2000), Some(Protection::READ));
    let region = |start, end, prot| Region {
        start,
        end,
        prot,
        backing: Backing::File,
        touched: false,
    };
    kassert_eq!(
        space.next_region(BASE),
        Some(region(BASE, MID, Protection::READ))
    );
    kassert_eq!(
        space.next_region(MID),
        Some(region(MID, MID + 0x2000, Protection::NONE))
    );
    // munmap across the split: a hole; a read of the readable pages past it is still
    // a bus error. An access the protection refuses (the PROT_NONE page before the
    // hole, a write to a read-only one) is an ordinary protection fault.
    kassert_eq!(space.unmap_range(MID + 0x1000, MID + 0x3000), 2);
    kassert_eq!(space.protection(MID + 0x1000), None);
    kassert_eq!(
        space.handle_fault(MID + 0x1000, false),
        FaultResolution::NotResolved
    );
    kassert_eq!(space.handle_fault(MID, false), FaultResolution::NotResolved);
    kassert_eq!(
        space.handle_fault(MID + 0x3000, false),
        FaultResolution::BusError
    );
    kassert_eq!(
        space.handle_fault(MID + 0x3000, true),
        FaultResolution::NotResolved
    );
    kassert_eq!(
        space.next_region(MID + 0x1000),
        Some(region(MID + 0x3000, END, Protection::READ))
    );
    let child = space.fork();
    let Ok(mut child) = child else {
        kfail!("fork: {child:?}")
    };
    kassert_eq!(child.protection(MID), Some(Protection::NONE));
    kassert_eq!(child.handle_fault(BASE, false), FaultResolution::BusError);
    kassert_eq!(child.unmap_range(BASE, END), (2 << 30) / 0x1000 - 2);
    kassert_eq!(child.next_region(BASE), None);
    kassert_eq!(space.protection(BASE), Some(Protection::READ));
    // Pages past the end of a file opened read-only and mapped shared may not become
    // writable (the file's pages once it grows), wherever a range meets them; those of
    // a private mapping may.
    const RO: u64 = END + 0x1000;
    let read_only = crate::mm::uspace::FileView {
        file: alloc::sync::Arc::new(EmptyFile),
        shared: true,
        may_write: false,
    };
    kassert_eq!(
        space.reserve_beyond(RO, RO + 0x2000, Protection::READ, read_only, 0),
        Ok(())
    );
    kassert!(space.write_allowed(BASE, MID));
    kassert!(space.write_allowed(END, RO));
    kassert!(!space.write_allowed(RO + 0x1000, RO + 0x2000));
    kassert!(!space.write_allowed(MID, RO + 0x1000));
    Ok(())
}

/// What a core dump walks: adjacent pages with one protection and backing make one
/// region, however large its untouched promise; an untouched promise is a region not
/// touched; only pages in memory are read, through their frames.
fn regions_for_a_core_dump() -> TestResult {
    use crate::mm::uspace::{Backing, FaultResolution, Region};
    const BASE: u64 = 0x3000_0000;
    const PAGES: u64 = 1 << 18; // 1 GiB promised.
    let mut space = space_with(programs::SPIN64)?;
    kassert_eq!(space.map_zeroed(BASE, Protection::READ_WRITE), Ok(()));
    let end = BASE + PAGES * 0x1000;
    kassert_eq!(
        space.reserve_zeroed(BASE + 0x1000, end, Protection::READ_WRITE),
        Ok(())
    );
    kassert_eq!(
        space.reserve_zeroed(end, end + 0x2000, Protection::READ),
        Ok(())
    );
    let touched = BASE + 1000 * 0x1000;
    kassert_eq!(space.handle_fault(touched, true), FaultResolution::Resolved);
    kassert_eq!(space.write_bytes(touched + 7, &[0x77]), Ok(()));
    kassert_eq!(
        space.next_region(BASE),
        Some(Region {
            start: BASE,
            end,
            prot: Protection::READ_WRITE,
            backing: Backing::Anonymous,
            touched: true,
        })
    );
    kassert_eq!(
        space.next_region(end),
        Some(Region {
            start: end,
            end: end + 0x2000,
            prot: Protection::READ,
            backing: Backing::Anonymous,
            touched: false,
        })
    );
    kassert_eq!(space.next_region(end + 0x2000), None);
    kassert_eq!(
        space.next_region(0).map(|r| (r.start, r.end, r.prot)),
        Some((CODE, CODE + 0x1000, Protection::READ_EXECUTE))
    );
    kassert_eq!(space.next_resident(BASE + 0x1000, end), Some(touched));
    kassert_eq!(space.next_resident(touched + 0x1000, end), None);
    let mut page = [0xffu8; 4096];
    kassert!(space.read_page(touched, &mut page));
    kassert_eq!((page[7], page[8]), (0x77, 0));
    kassert!(!space.read_page(touched + 0x1000, &mut page));
    Ok(())
}

/// A thread for `nymph_hal::user::run` that records each call it serves, gives the
/// first `resume` of them a result and goes straight back, and returns after the next.
struct Served {
    context: UserContext,
    resume: usize,
    result: u64,
    calls: Vec<(SyscallEntry, u64, u64, u64)>,
}

impl UserThread for Served {
    fn context(&mut self) -> &mut UserContext {
        &mut self.context
    }

    fn serve_syscall(&mut self, entry: SyscallEntry) -> SyscallOutcome {
        let r = &self.context.regs;
        self.calls.push((entry, r.rax, r.rdi, r.rcx));
        if self.calls.len() <= self.resume {
            self.context.regs.rax = self.result;
            SyscallOutcome::Resume
        } else {
            SyscallOutcome::Return
        }
    }
}

/// Runs until an exit that is not a timer interrupt.
fn run_served(thread: &mut Served) -> UserExit {
    loop {
        match nymph_hal::user::run(thread) {
            UserExit::Interrupt(_) => continue,
            other => return other,
        }
    }
}

fn served_syscalls_go_straight_back_to_user_mode() -> TestResult {
    let space = space_with(programs::CALLS64)?;
    space.activate();
    let mut thread = Served {
        context: context(UserMode::Long),
        resume: 1,
        result: 100,
        calls: Vec::new(),
    };
    let first = run_served(&mut thread);
    let second = run_served(&mut thread);
    kernel_root_activate();
    kassert_eq!(first, UserExit::SyscallServed);
    // The second call saw the first one's result (add $1 and mov to rdi in between),
    // without a return from `run`.
    kassert_eq!(
        thread.calls,
        [
            (SyscallEntry::Syscall, 7, 42, CODE + 12),
            (SyscallEntry::Syscall, 8, 101, CODE + 26)
        ]
    );
    kassert!(
        matches!(second, UserExit::Exception { vector: 6, .. }),
        "ud2 gave {second:?}"
    );
    kassert_eq!(thread.context.regs.rip, CODE + 0x1a);
    Ok(())
}

fn served_int80_goes_straight_back_to_compat_mode() -> TestResult {
    nymph_hal::trap::allow_user_vector(0x80);
    let space = space_with(programs::CALLS32)?;
    space.activate();
    let mut thread = Served {
        context: context(UserMode::Compat32),
        resume: 1,
        result: 0x1234,
        calls: Vec::new(),
    };
    let first = run_served(&mut thread);
    let second = run_served(&mut thread);
    kernel_root_activate();
    kassert_eq!(first, UserExit::SyscallServed);
    let entries: Vec<(SyscallEntry, u64)> = thread
        .calls
        .iter()
        .map(|c| (c.0, c.3 & 0xffff_ffff))
        .collect();
    // ecx holds the first call's result at the second.
    kassert_eq!(
        entries,
        [
            (SyscallEntry::SoftwareInterrupt(0x80), 0),
            (SyscallEntry::SoftwareInterrupt(0x80), 0x1234)
        ]
    );
    kassert!(
        matches!(
            second,
            UserExit::Exception {
                vector: 14,
                address: 0,
                ..
            }
        ),
        "write to 0 gave {second:?}"
    );
    kassert_eq!(thread.context.mode(), UserMode::Compat32);
    Ok(())
}

/// A thread whose served call leaves it an instruction pointer past user memory.
struct Wild(UserContext);

impl UserThread for Wild {
    fn context(&mut self) -> &mut UserContext {
        &mut self.0
    }

    fn serve_syscall(&mut self, _: SyscallEntry) -> SyscallOutcome {
        self.0.regs.rip = 0xffff_8000_0000_0000;
        SyscallOutcome::Resume
    }
}

fn served_syscall_leaving_a_bad_state_returns() -> TestResult {
    let space = space_with(programs::CALLS64)?;
    space.activate();
    let mut thread = Wild(context(UserMode::Long));
    let first = loop {
        match nymph_hal::user::run(&mut thread) {
            UserExit::Interrupt(_) => continue,
            other => break other,
        }
    };
    let second = nymph_hal::user::run(&mut thread);
    kernel_root_activate();
    // Not entered: returned as served, and refused by the next run.
    kassert_eq!(first, UserExit::SyscallServed);
    kassert!(
        matches!(second, UserExit::Refused(_)),
        "the wild state gave {second:?}"
    );
    Ok(())
}
