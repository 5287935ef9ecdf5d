//! The boot sequence, from the hal's entry to the first thing the kernel runs.

use crate::ktest::KernelTest;
use crate::{cmdline, klog, ktest, mm, time};
use alloc::vec::Vec;
use nymph_hal::bootinfo::{BootInfo, MemoryKind};
use nymph_hal::cpu::{Accelerator, CpuInfo};
use nymph_hal::exit::{ExitStatus, exit_qemu};
use nymph_hal::trap::TrapHandlers;
use spin::Once;

static BOOT_INFO: Once<&'static BootInfo> = Once::new();

/// What the boot loader passed (available once `start` has run).
pub fn boot_info() -> &'static BootInfo {
    match BOOT_INFO.get() {
        Some(info) => info,
        None => panic!("boot_info() before boot"),
    }
}

/// What the image adds to the core kernel.
#[derive(Debug)]
pub struct ImageConfig {
    /// The ABIs this kernel serves, in claim-tie order.
    pub personalities: &'static [&'static dyn crate::process::Personality],
    /// In-kernel test suites of the image's own crates (personalities).
    pub extra_tests: &'static [&'static [KernelTest]],
}

fn irq(irq: u8) {
    match irq {
        0 => time::tick(),
        nymph_hal::serial::COM1_IRQ => crate::tty::poll_console_input(),
        _ => {}
    }
}

/// Brings the kernel up and runs what the command line asks for. Never returns: the run
/// ends by leaving QEMU with a status.
pub fn start(info: &'static BootInfo, image: &ImageConfig) -> ! {
    BOOT_INFO.call_once(|| info);
    // One CPU, no preemption in the kernel: from here a lock found taken is a deadlock.
    crate::sync::deadlocks_panic();
    let line = info.cmdline();
    let level = cmdline::get(line, "loglevel")
        .and_then(klog::parse_level)
        .unwrap_or(log::LevelFilter::Info);
    if cmdline::get(line, "nymph.log") == Some("com2") && !nymph_hal::serial::log_to_com2() {
        nymph_hal::serial::print(format_args!(
            "nymph.log=com2: no COM2 here; logging to COM1\n"
        ));
    }
    klog::init(level);
    let cpu = CpuInfo::read();
    mm::init(info);
    nymph_hal::trap::set_handlers(TrapHandlers { irq });
    nymph_hal::user::init_syscall();
    let (smep, smap) = nymph_hal::copy::enable_user_access_protection();
    nymph_hal::timer::pic_init();
    crate::sched::init();
    time::init();
    crate::tty::init();
    banner(info, &cpu, smep, smap);
    // For boot counts under `-icount` (cargo xtask bench): what ran before the kernel.
    nymph_hal::serial::log(format_args!(
        "NYMPH boot-tsc entry={}\n",
        nymph_hal::cpu::boot_entry_tsc()
    ));
    load_initrd(info);
    if let Err(e) = crate::vfs::devfs::mount() {
        log::error!("devfs not mounted on /dev: {e:?}");
    }
    if let Err(e) = crate::vfs::procfs::mount() {
        log::error!("procfs not mounted on /proc: {e:?}");
    }
    let testing = cmdline::get(line, "nymph.test").is_some();
    let mut personalities: alloc::vec::Vec<&'static dyn crate::process::Personality> =
        image.personalities.to_vec();
    if testing {
        personalities.push(&crate::process_tests::TEST_PERSONALITY);
    }
    // Registered once for the kernel's life.
    crate::process::register_personalities(personalities.leak());

    if let Some(which) = cmdline::get(line, "nymph.selftest") {
        crate::selftest::run(which);
    }
    if let Some(filter) = cmdline::get(line, "nymph.test") {
        let core = ktest::core_suites();
        let suites: alloc::vec::Vec<&[KernelTest]> = core
            .iter()
            .chain(image.extra_tests.iter())
            .copied()
            .collect();
        let ok = ktest::run(&suites, if filter.is_empty() { "all" } else { filter });
        exit_qemu(if ok {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        });
    }
    // `nymph.trace=init`: init and everything it starts is traced from its first call.
    crate::process::trace::trace_spawned(cmdline::get(line, "nymph.trace") == Some("init"));
    start_init(line)
}

/// The program init runs and its arguments: `init=PATH` on the command line (default
/// /sbin/init); `nymph.initargs=FILE` names a file in the initrd holding argv then
/// envp, each string NUL-terminated, the two lists separated by an empty string.
fn init_request(line: &str) -> (alloc::string::String, Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let path = alloc::string::String::from(cmdline::get(line, "init").unwrap_or("/sbin/init"));
    let mut argv = alloc::vec![path.as_bytes().to_vec()];
    let mut envp = alloc::vec![
        b"PATH=/bin:/sbin:/usr/bin".to_vec(),
        b"HOME=/".to_vec(),
        b"TERM=vt100".to_vec()
    ];
    if let Some(file) = cmdline::get(line, "nymph.initargs") {
        match crate::vfs::read_file(file) {
            Ok(contents) => {
                let bytes = contents.as_slice();
                let body = bytes.strip_suffix(&[0]).unwrap_or(bytes);
                let mut lists = body.split(|&b| b == 0);
                argv = lists
                    .by_ref()
                    .take_while(|s| !s.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect();
                envp = lists
                    .filter(|s| !s.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect();
                if argv.is_empty() {
                    argv.push(path.as_bytes().to_vec());
                }
            }
            Err(e) => log::error!("nymph.initargs={file}: {e:?}"),
        }
    }
    (path, argv, envp)
}

/// Reports how init ended, as one structured line on the kernel log, and leaves QEMU:
/// success exactly when init exited with status 0.
fn init_exited(status: crate::process::ExitStatus, signal_number: Option<u32>) {
    use crate::process::ExitStatus as S;
    // What init's output pipes still hold reaches its ports before QEMU goes.
    crate::stdio_ports::pump(false);
    // Processes that outlive init hold memory the leak check would count: name them.
    for p in crate::process::all() {
        if p.pid != crate::process::INIT {
            nymph_hal::serial::log(format_args!(
                "NYMPH left pid={} ppid={} state={} command={}\n",
                p.pid.0,
                p.parent().0,
                crate::vfs::procfs::state(&p),
                alloc::string::String::from_utf8_lossy(&p.command()),
            ));
        }
    }
    // System V segments outlive their creators until the system goes down: now.
    let segments = crate::ipc::shm::remove_all();
    let sets = crate::ipc::sem::remove_all();
    let queues = crate::ipc::msg::remove_all();
    if segments + sets + queues > 0 {
        nymph_hal::serial::log(format_args!(
            "NYMPH left sysv_shm_segments={segments} sysv_sem_sets={sets} sysv_msg_queues={queues}\n"
        ));
    }
    // Memory in use when init ends, for leak checks (cargo xtask fuzz compares runs).
    // The heap's size too: frames it grew by are not a leak.
    let (heap_used, heap_size) = nymph_hal::heap::usage();
    let free_frames = mm::frame::FRAMES.lock().free_count();
    nymph_hal::serial::log(format_args!(
        "NYMPH mem heap_used={heap_used} free_frames={free_frames} heap_size={heap_size}\n"
    ));
    match status {
        S::Exited(code) => {
            nymph_hal::serial::log(format_args!("NYMPH init-exit code={code}\n"));
            exit_qemu(if code == 0 {
                ExitStatus::Success
            } else {
                ExitStatus::Failure
            });
        }
        S::Signaled { signal, core } => {
            let number = signal_number.unwrap_or(0);
            nymph_hal::serial::log(format_args!(
                "NYMPH init-exit signal={signal:?} core={core} number={number}\n"
            ));
            exit_qemu(ExitStatus::Failure);
        }
    }
}

/// How a process asks the machine to end (a personality's reboot call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    Halt,
    PowerOff,
    Reboot,
}

impl Shutdown {
    fn name(self) -> &'static str {
        match self {
            Shutdown::Halt => "halt",
            Shutdown::PowerOff => "poweroff",
            Shutdown::Reboot => "reboot",
        }
    }
}

/// Ends the machine at a process's request: one structured line on the kernel log
/// (`NYMPH shutdown by pid N: halt|poweroff|reboot`), then QEMU is left with success.
/// Every file system lives in memory, so there is nothing to write back first; what
/// init's output pipes hold still reaches their ports. A reboot ends the run too: a
/// run is one boot, and there is nothing to come back to.
pub fn shutdown(by: crate::process::Pid, how: Shutdown) -> ! {
    crate::stdio_ports::pump(false);
    nymph_hal::serial::log(format_args!(
        "NYMPH shutdown by pid {}: {}\n",
        by.0,
        how.name()
    ));
    exit_qemu(ExitStatus::Success)
}

/// `nymph.winsize=ROWSxCOLS`: the console's window, when it is a terminal of that
/// size on the host (`cargo xtask run` and `exec` pass their terminal's), so full-screen
/// and column-formatting programs fit it; otherwise the console stays 24x80.
pub(crate) fn console_window(line: &str) {
    let Some(size) = cmdline::get(line, "nymph.winsize") else {
        return;
    };
    let parsed = size
        .split_once('x')
        .and_then(|(rows, cols)| Some((rows.parse::<u16>().ok()?, cols.parse::<u16>().ok()?)))
        .filter(|&(rows, cols)| rows > 0 && cols > 0);
    match parsed {
        Some((rows, cols)) => crate::tty::console().set_winsize(crate::tty::WinSize {
            rows,
            cols,
            xpixel: 0,
            ypixel: 0,
        }),
        None => log::warn!("nymph.winsize={size}: not ROWSxCOLS; the console stays 24x80"),
    }
}

fn start_init(line: &str) -> ! {
    console_window(line);
    let (path, argv, envp) = init_request(line);
    crate::process::on_init_exit(init_exited);
    let files = crate::stdio_ports::init_files(
        cmdline::get(line, "nymph.stdio") == Some("ports"),
        cmdline::get(line, "nymph.stdin"),
    );
    let spawned = match files {
        Some(files) => crate::process::spawn_with_files(&path, &argv, &envp, files),
        None => crate::process::spawn(&path, &argv, &envp),
    };
    match spawned {
        Ok(pid) => {
            // Init's session owns the console: init leads it and is its foreground.
            crate::tty::console().set_session(Some(pid), Some(pid));
            // Init opens the console first: it starts in the modes of init's ABI.
            if let Some(init) = crate::process::find(pid) {
                crate::tty::console_opened_by_init(&init);
            }
            log::info!("init: {path} is pid {}", pid.0);
        }
        Err(crate::process::ExecError::File(crate::error::Error::NotFound))
            if cmdline::get(line, "init").is_none() =>
        {
            // No userland in this image (and none asked for): a clean stop, as before
            // the image grew one.
            log::info!("no {path} in the root file system; shutting down");
            exit_qemu(ExitStatus::Success);
        }
        Err(e) => {
            nymph_hal::serial::log(format_args!("NYMPH init-failed path={path} error={e:?}\n"));
            log::info!("cannot start init {path}: {e:?}; shutting down");
            exit_qemu(ExitStatus::Failure);
        }
    }
    // The boot thread has nothing more to do but move init's pipes' bytes, if it has
    // them: it waits while processes run.
    crate::stdio_ports::pump(true);
    loop {
        crate::sched::sleep_ticks(u64::MAX / 2);
    }
}

fn load_initrd(info: &BootInfo) {
    let Some(module) = info.modules().first() else {
        log::info!("no initrd");
        return;
    };
    match nymph_hal::paging::boot_module_bytes(module) {
        Some(bytes) => match crate::vfs::tmpfs::load_archive(bytes) {
            Ok(n) => log::info!("initrd: {} entries, {} KiB", n, bytes.len() / 1024),
            Err(e) => log::error!("initrd unreadable: {e:?}"),
        },
        None => log::error!("initrd at {:#x} is outside the direct map", module.start),
    }
}

fn banner(info: &BootInfo, cpu: &CpuInfo, smep: bool, smap: bool) {
    let usable: u64 = info
        .memory_regions()
        .iter()
        .filter(|r| r.kind == MemoryKind::Usable)
        .map(|r| r.len)
        .sum();
    let regions = info.memory_regions().len();
    let (free, managed, ignored) = {
        let frames = mm::frame::FRAMES.lock();
        (
            frames.free_count(),
            frames.usable_count(),
            frames.ignored_bytes,
        )
    };
    let accel = match cpu.accelerator() {
        Accelerator::Kvm => "KVM",
        Accelerator::Tcg => "TCG",
        Accelerator::OtherHypervisor => "another hypervisor",
        Accelerator::BareMetal => "no hypervisor (or TCG without a signature)",
    };
    let on = |b: bool| if b { "yes" } else { "no" };
    klog::print(format_args!(
        "Nymph {} (x86_64)\n\
         \x20 memory: {} MiB usable in {} map entries; {} of {} frames free; {} MiB above 4 GiB unused\n\
         \x20 cpu: {}; using SSE2/FXSR: {}, NX: {}, SMEP: {}, SMAP: {}; XSAVE present: {} (FXSAVE used)\n\
         \x20 accelerator: {} (hypervisor signature \"{}\")\n\
         \x20 timer: PIT at {} Hz\n\
         \x20 command line: \"{}\"\n",
        env!("CARGO_PKG_VERSION"),
        usable >> 20,
        regions,
        free,
        managed,
        ignored >> 20,
        cpu.vendor_str(),
        on(cpu.sse2 && cpu.fxsr),
        on(cpu.nx),
        on(smep),
        on(smap),
        on(cpu.xsave),
        accel,
        cpu.hypervisor_str(),
        time::hz(),
        info.cmdline(),
    ));
}
