//! `cargo xtask run`: build the kernel and boot it with the serial console on the terminal.

use std::process::ExitCode;

use nymph_harness::{
    Accel, Console, ExitKind, KVM_FIRST_OUTPUT_TIMEOUT, KVM_NOTE, Profile, QemuCommand, Workspace,
    check_kvm, ensure_qemu,
};

use crate::args::RunArgs;

pub fn main(args: &RunArgs) -> crate::Result<ExitCode> {
    // Fail on an unusable /dev/kvm before spending time on a build.
    if args.accel == Accel::Kvm {
        check_kvm()?;
    }
    let ws = Workspace::locate()?;
    let elf = ws.build_kernel(Profile::from_release_flag(args.release))?;
    let qemu = ensure_qemu()?;
    // The console gets our terminal's window unless --append sets one.
    let mut cmdline = args.append.clone();
    if !cmdline.contains("nymph.winsize=") {
        cmdline.push_str(&crate::cmd_exec::terminal_window_arg());
    }
    let mut cmd = QemuCommand::new(qemu, &elf)
        .accel(args.accel)
        .cmdline(cmdline.trim_start());
    // Without --initrd, the default image: nsh as init and a few programs, with the
    // --root trees laid over it.
    let initrd = match &args.initrd {
        Some(initrd) => initrd.clone(),
        None => crate::default_image::build_with(&ws, &args.roots)?,
    };
    let image_bytes = std::fs::metadata(&initrd)
        .map_err(|e| format!("{}: {e}", initrd.display()))?
        .len();
    cmd = cmd
        .memory_mib(crate::cmd_exec::guest_memory_mib(image_bytes, None)?)
        .initrd(initrd);
    eprintln!("xtask: {}", cmd.display(Console::Interactive));
    eprintln!("xtask: Ctrl-A X quits QEMU, Ctrl-A C switches to its monitor");
    // KVM may hang here without a word; it gets a first-output limit, TCG does not.
    let first_output = (args.accel == Accel::Kvm).then_some(KVM_FIRST_OUTPUT_TIMEOUT);
    let exit = cmd.run_interactive(first_output)?;
    match exit {
        ExitKind::Timeout(after) => eprintln!(
            "\nxtask: no output within {} s; QEMU was stopped",
            after.as_secs()
        ),
        ExitKind::Died(0) => eprintln!("\nxtask: {exit} (or QEMU was quit with Ctrl-A X)"),
        other => eprintln!("\nxtask: {other}"),
    }
    if args.accel == Accel::Kvm && !matches!(exit, ExitKind::Success | ExitKind::Failure) {
        eprintln!("xtask: {KVM_NOTE}");
    }
    Ok(if exit.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
