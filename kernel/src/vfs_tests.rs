//! In-guest tests of the VFS where the host tests cannot reach: file pages in physical
//! frames, the boot archive's files, devfs.

use crate::ktest::{KernelTest, TestResult};
use crate::mm::frame::FRAMES;
use crate::vfs::{self, Follow, FsContext, OpenFlags};
use crate::{kassert, kassert_eq, kfail, ktest};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(file_pages_are_frames_freed_with_the_last_reference),
    ktest!(devfs_has_the_standard_devices),
    ktest!(a_revoked_device_answers_as_a_dead_one),
    ktest!(exec_needs_an_execute_bit),
    ktest!(the_system_table_of_open_files_is_bounded),
    ktest!(procfs_shows_each_process_and_refuses_changes),
    ktest!(a_mounted_procfs_unmounts_only_when_unused),
    ktest!(an_archive_keeps_hard_links_and_times),
];

fn rw_create() -> OpenFlags {
    OpenFlags {
        read: true,
        write: true,
        create: true,
        ..OpenFlags::default()
    }
}

fn file_pages_are_frames_freed_with_the_last_reference() -> TestResult {
    let ctx = FsContext::initial();
    let _ = vfs::mkdir(&ctx, None, b"/tmp", 0o1777);
    let before = FRAMES.lock().free_count();
    let opened = vfs::open(&ctx, None, b"/tmp/ktest-pages", rw_create(), 0o600);
    let Ok(file) = opened else {
        kfail!("open: {:?}", opened.err())
    };
    let chunk = [0xa5u8; 4096];
    for _ in 0..64 {
        kassert_eq!(file.write(&chunk), Ok(4096));
    }
    // A hole past the end costs nothing.
    kassert!(file.seek(1 << 30, crate::file::Whence::Start).is_ok());
    kassert_eq!(file.write(b"z"), Ok(1));
    let used = before - FRAMES.lock().free_count();
    kassert!(
        (65..=70).contains(&used),
        "{used} frames for 65 written pages"
    );
    let mut back = [0u8; 4096];
    kassert_eq!(file.read_at(63 * 4096, &mut back), Ok(4096));
    kassert!(back.iter().all(|&b| b == 0xa5));
    kassert_eq!(file.read_at(1 << 29, &mut back), Ok(4096));
    kassert!(back.iter().all(|&b| b == 0));
    // Unlinked but open: the data stays; closed: the frames go back.
    kassert_eq!(vfs::unlink(&ctx, None, b"/tmp/ktest-pages"), Ok(()));
    kassert_eq!(file.read_at(0, &mut back[..1]), Ok(1));
    drop(file);
    let after = FRAMES.lock().free_count();
    kassert!(before - after < 4, "{} frames leaked", before - after);
    Ok(())
}

fn a_revoked_device_answers_as_a_dead_one() -> TestResult {
    let ctx = FsContext::initial();
    let rw = OpenFlags {
        read: true,
        write: true,
        ..OpenFlags::default()
    };
    let Ok(zero) = vfs::open(&ctx, None, b"/dev/zero", rw, 0) else {
        kfail!("cannot open /dev/zero")
    };
    let Ok(console) = vfs::open(&ctx, None, b"/dev/console", rw, 0) else {
        kfail!("cannot open /dev/console")
    };
    let mut buf = [1u8; 8];
    kassert_eq!(zero.read(&mut buf), Ok(8));
    kassert_eq!(vfs::revoke(&ctx, None, b"/dev/zero"), Ok(()));
    kassert_eq!(zero.read(&mut buf), Err(vfs::Error::Io));
    kassert_eq!(zero.write(b"x"), Err(vfs::Error::Io));
    kassert!(zero.ops().revoked());
    kassert!(zero.poll().hangup && !zero.poll().read);
    // The console is untouched; a terminal reads end of file once revoked.
    kassert!(console.terminal().is_some());
    kassert_eq!(vfs::revoke(&ctx, None, b"/dev/console"), Ok(()));
    kassert!(console.terminal().is_none());
    kassert_eq!(console.read(&mut buf), Ok(0));
    // New opens work; what is not a character device is refused.
    let Ok(again) = vfs::open(&ctx, None, b"/dev/zero", rw, 0) else {
        kfail!("cannot open /dev/zero again")
    };
    kassert_eq!(again.read(&mut buf), Ok(8));
    kassert_eq!(
        vfs::revoke(&ctx, None, b"/dev"),
        Err(vfs::Error::InvalidArgument)
    );
    Ok(())
}

fn devfs_has_the_standard_devices() -> TestResult {
    let ctx = FsContext::initial();
    let rw = OpenFlags {
        read: true,
        write: true,
        ..OpenFlags::default()
    };
    let Ok(null) = vfs::open(&ctx, None, b"/dev/null", rw, 0) else {
        kfail!("cannot open /dev/null")
    };
    let mut buf = [1u8; 64];
    kassert_eq!(null.read(&mut buf), Ok(0));
    kassert_eq!(null.write(b"gone"), Ok(4));
    let Ok(zero) = vfs::open(&ctx, None, b"/dev/zero", rw, 0) else {
        kfail!("cannot open /dev/zero")
    };
    kassert_eq!(zero.read(&mut buf), Ok(64));
    kassert!(buf.iter().all(|&b| b == 0));
    let Ok(random) = vfs::open(&ctx, None, b"/dev/urandom", rw, 0) else {
        kfail!("cannot open /dev/urandom")
    };
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    kassert_eq!(random.read(&mut a), Ok(32));
    kassert_eq!(random.read(&mut b), Ok(32));
    kassert!(a != b && a != [0; 32]);
    let st = vfs::stat(&ctx, None, b"/dev/null", Follow::Yes);
    kassert!(
        matches!(st, Ok(s) if s.kind == vfs::NodeType::CharDevice && s.device == vfs::devfs::DEVICE)
    );
    // getcwd climbs out of devfs through the directory it covers.
    let mut in_dev = ctx.clone();
    kassert_eq!(vfs::chdir(&mut in_dev, None, b"/dev"), Ok(()));
    kassert_eq!(vfs::getcwd(&in_dev), Ok(b"/dev".to_vec()));
    kassert_eq!(vfs::chdir(&mut in_dev, None, b".."), Ok(()));
    kassert!(alloc::sync::Arc::ptr_eq(&in_dev.cwd, &ctx.root));
    // Renaming across the mount is refused.
    kassert_eq!(
        vfs::rename(&ctx, None, b"/dev/null", None, b"/null"),
        Err(vfs::Error::CrossDevice)
    );
    Ok(())
}

fn exec_needs_an_execute_bit() -> TestResult {
    let image = crate::exec::test_image::elf64(0xfe, None, &[0xf4]);
    kassert_eq!(vfs::add_file("/tmp/ktest/noexec", 0o644, image), Ok(()));
    kassert!(matches!(
        crate::process::spawn("/tmp/ktest/noexec", &[], &[]),
        Err(crate::process::ExecError::File(vfs::Error::AccessDenied))
    ));
    Ok(())
}

fn the_system_table_of_open_files_is_bounded() -> TestResult {
    use crate::file::{MAX_OPEN_FILES, OpenFile, open_file_count};
    let ctx = FsContext::initial();
    let flags = OpenFlags {
        read: true,
        ..OpenFlags::default()
    };
    let before = open_file_count();
    let mut held = alloc::vec::Vec::new();
    let last = loop {
        match vfs::open(&ctx, None, b"/dev/null", flags, 0) {
            Ok(file) => held.push(file),
            Err(e) => break e,
        }
        if held.len() > MAX_OPEN_FILES {
            break vfs::Error::InvalidArgument;
        }
    };
    kassert_eq!(last, vfs::Error::TooManyOpenSystem);
    kassert_eq!(open_file_count(), MAX_OPEN_FILES);
    kassert_eq!(held.len(), MAX_OPEN_FILES - before);
    // A pipe cannot be made either, and nothing leaks from the failed attempt.
    kassert!(crate::file::pipe::new().is_err());
    kassert_eq!(open_file_count(), MAX_OPEN_FILES);
    held.clear();
    kassert_eq!(open_file_count(), before);
    kassert!(OpenFile::new(crate::file::console(), true, true).is_ok());
    Ok(())
}

fn read_path(ctx: &FsContext, path: &[u8]) -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec::Vec::new();
    if let Ok(file) = vfs::open(
        ctx,
        None,
        path,
        OpenFlags {
            read: true,
            ..OpenFlags::default()
        },
        0,
    ) {
        let mut buf = [0u8; 256];
        while let Ok(n @ 1..) = file.read(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
    }
    out
}

fn procfs_shows_each_process_and_refuses_changes() -> TestResult {
    use crate::process::{self, Signal};
    // jmp . : runs until killed.
    let image = crate::process_tests::image(crate::process_tests::TEST_OSABI, &[0xeb, 0xfe]);
    kassert!(vfs::add_file("/tmp/ktest/spin", 0o755, image).is_ok());
    let argv = [b"spin".to_vec(), b"--forever".to_vec()];
    let Ok(pid) = process::spawn("/tmp/ktest/spin", &argv, &[]) else {
        kfail!("spawn failed")
    };
    let ctx = FsContext::initial();
    let dir = alloc::format!("/proc/{}", pid.0);
    let status = read_path(&ctx, alloc::format!("{dir}/status").as_bytes());
    let text = core::str::from_utf8(&status).unwrap_or("");
    let listed = vfs::stat(&ctx, None, dir.as_bytes(), Follow::Yes);
    let created = vfs::open(&ctx, None, b"/proc/new", rw_create(), 0o644).err();
    let written = vfs::open(
        &ctx,
        None,
        alloc::format!("{dir}/status").as_bytes(),
        OpenFlags {
            write: true,
            ..OpenFlags::default()
        },
        0,
    )
    .err();
    let removed = vfs::rmdir(&ctx, None, dir.as_bytes());
    if let Some(p) = process::find(pid) {
        p.post(Signal::Kill);
    }
    let reaped = process::wait_detached(pid);
    kassert!(text.contains(&alloc::format!("pid {}\n", pid.0)), "{text}");
    kassert!(text.contains("ppid 0\n"), "{text}");
    kassert!(text.contains("abi ktest\n"), "{text}");
    kassert!(text.contains("command spin --forever\n"), "{text}");
    kassert!(listed.is_ok_and(|s| s.kind == vfs::NodeType::Directory));
    kassert_eq!(created, Some(vfs::Error::NotPermitted));
    kassert_eq!(written, Some(vfs::Error::NotPermitted));
    kassert_eq!(removed, Err(vfs::Error::NotPermitted));
    kassert!(reaped.is_some());
    // Reaped: its directory is gone.
    kassert_eq!(
        vfs::stat(&ctx, None, dir.as_bytes(), Follow::Yes).err(),
        Some(vfs::Error::NotFound)
    );
    Ok(())
}

fn a_mounted_procfs_unmounts_only_when_unused() -> TestResult {
    use vfs::{Error, MountFlags, MountInfo, NewFs};
    let ctx = FsContext::initial();
    let _ = vfs::mkdir(&ctx, None, b"/tmp", 0o1777);
    kassert_eq!(vfs::mkdir(&ctx, None, b"/tmp/ktest-mnt", 0o755), Ok(()));
    let Ok(dir) = vfs::lookup(&ctx, None, b"/tmp/ktest-mnt", Follow::Yes) else {
        kfail!("no mount point")
    };
    let info = MountInfo {
        type_name: "procfs",
        on: b"/tmp/ktest-mnt".to_vec(),
        flags: MountFlags::READ_ONLY,
        owner: 0,
    };
    let before = vfs::mounted().len();
    let procfs_before = vfs::mounted_of_type("procfs");
    kassert_eq!(
        vfs::mount_new(&dir, NewFs::Procfs(vfs::procfs::native()), info.clone()),
        Ok(())
    );
    kassert_eq!(vfs::mounted_of_type("procfs"), procfs_before + 1);
    // Every mounted file system is of a type the kernel lists.
    kassert!(
        vfs::mounted()
            .iter()
            .all(|f| vfs::fs_type(f.mount.type_name).is_some())
    );
    // Covered already; the system root cannot be covered at all.
    kassert_eq!(
        vfs::mount_new(&dir, NewFs::Procfs(vfs::procfs::native()), info.clone()),
        Err(Error::Busy)
    );
    kassert_eq!(
        vfs::mount_new(&ctx.root, NewFs::Procfs(vfs::procfs::native()), info),
        Err(Error::Busy)
    );
    drop(dir);
    let Ok(top) = vfs::lookup(&ctx, None, b"/tmp/ktest-mnt", Follow::Yes) else {
        kfail!("mount point gone")
    };
    let fs = vfs::fs_info(&top);
    kassert_eq!(fs.mount.type_name, "procfs");
    kassert_eq!(fs.mount.on, b"/tmp/ktest-mnt".to_vec());
    kassert_eq!(fs.mount.flags, MountFlags::READ_ONLY);
    kassert!(fs.device != vfs::procfs::DEVICE);
    kassert!(vfs::is_fs_root(&top));
    drop(top);
    kassert_eq!(vfs::mounted().len(), before + 1);
    // A process to see in it (jmp .: runs until killed).
    use crate::process::{self, Signal};
    let image = crate::process_tests::image(crate::process_tests::TEST_OSABI, &[0xeb, 0xfe]);
    kassert!(vfs::add_file("/tmp/ktest/spin-mnt", 0o755, image).is_ok());
    let Ok(pid) = process::spawn("/tmp/ktest/spin-mnt", &[b"spin".to_vec()], &[]) else {
        kfail!("spawn failed")
    };
    let dir = alloc::format!("/tmp/ktest-mnt/{}", pid.0);
    let status_path = alloc::format!("{dir}/status");
    let status = read_path(&ctx, status_path.as_bytes());
    let seen = status.starts_with(alloc::format!("pid {}\n", pid.0).as_bytes());
    let opened = vfs::open(
        &ctx,
        None,
        status_path.as_bytes(),
        OpenFlags {
            read: true,
            ..OpenFlags::default()
        },
        0,
    );
    let in_pid_dir = vfs::unmount(&ctx, None, dir.as_bytes());
    let held = vfs::unmount(&ctx, None, b"/tmp/ktest-mnt");
    let open_ok = opened.is_ok();
    drop(opened);
    if let Some(p) = process::find(pid) {
        p.post(Signal::Kill);
    }
    kassert!(process::wait_detached(pid).is_some());
    kassert!(seen, "{:?}", core::str::from_utf8(&status));
    kassert!(open_ok);
    // Not the root of a mount: EINVAL. An open file inside holds it: EBUSY.
    kassert_eq!(in_pid_dir, Err(Error::InvalidArgument));
    kassert_eq!(held, Err(Error::Busy));
    // Neither is another directory or the system root. Not root: EPERM first.
    kassert_eq!(
        vfs::unmount(&ctx, None, b"/tmp"),
        Err(Error::InvalidArgument)
    );
    kassert_eq!(vfs::unmount(&ctx, None, b"/"), Err(Error::InvalidArgument));
    let mut user = ctx.clone();
    user.creds.euid = 1000;
    kassert_eq!(
        vfs::unmount(&user, None, b"/tmp/ktest-mnt"),
        Err(Error::NotPermitted)
    );
    // A working directory there holds it too.
    let mut inside = ctx.clone();
    kassert_eq!(vfs::chdir(&mut inside, None, b"/tmp/ktest-mnt"), Ok(()));
    kassert_eq!(
        vfs::unmount(&ctx, None, b"/tmp/ktest-mnt"),
        Err(Error::Busy)
    );
    drop(inside);
    kassert_eq!(vfs::unmount(&ctx, None, b"/tmp/ktest-mnt"), Ok(()));
    kassert_eq!(vfs::mounted().len(), before);
    kassert_eq!(vfs::mounted_of_type("procfs"), procfs_before);
    // The directory shows again, empty, on the root's file system.
    let Ok(back) = vfs::lookup(&ctx, None, b"/tmp/ktest-mnt", Follow::Yes) else {
        kfail!("mount point gone after unmount")
    };
    kassert_eq!(vfs::fs_info(&back).mount.type_name, "tmpfs");
    kassert!(!vfs::is_fs_root(&back));
    drop(back);
    kassert_eq!(
        vfs::stat(&ctx, None, b"/tmp/ktest-mnt/self", Follow::No).err(),
        Some(Error::NotFound)
    );
    kassert_eq!(vfs::rmdir(&ctx, None, b"/tmp/ktest-mnt"), Ok(()));
    Ok(())
}

/// A root given to `cargo xtask exec --root` keeps its hard links (`ls -l`'s link
/// count, one file under two names) and its modification times.
fn an_archive_keeps_hard_links_and_times() -> TestResult {
    use nymph_cpio::{Meta, S_IFDIR, S_IFREG, Writer};
    let mut w = Writer::new();
    let dir = Meta {
        mode: S_IFDIR | 0o755,
        uid: 0,
        gid: 0,
        mtime: 1_040_000_000,
    };
    let file = Meta {
        mode: S_IFREG | 0o555,
        uid: 0,
        gid: 7,
        mtime: 1_050_000_000,
    };
    w.add_member("ktest-archive", &dir, b"");
    w.add_hard_links(&["ktest-archive/[", "ktest-archive/test"], &file, b"body");
    w.add("ktest-archive/plain", S_IFREG | 0o644, 0, 0, b"p");
    let archive: &'static [u8] = alloc::vec::Vec::leak(w.finish());
    kassert_eq!(crate::vfs::tmpfs::load_archive(archive), Ok(4));
    let ctx = FsContext::initial();
    let stat = |path: &[u8]| vfs::stat(&ctx, None, path, Follow::No);
    let (Ok(a), Ok(b), Ok(plain), Ok(d)) = (
        stat(b"/ktest-archive/["),
        stat(b"/ktest-archive/test"),
        stat(b"/ktest-archive/plain"),
        stat(b"/ktest-archive"),
    ) else {
        kfail!("a member of the archive is missing")
    };
    kassert_eq!((a.inode, a.links, a.size, a.gid), (b.inode, 2, 4, 7));
    kassert_eq!(
        (a.mtime.seconds, a.atime.seconds),
        (1_050_000_000, 1_050_000_000)
    );
    kassert_eq!(read_path(&ctx, b"/ktest-archive/["), b"body".to_vec());
    // No time in the member: the boot's stands; the directory's is its own after its
    // members were entered.
    kassert!(plain.mtime.seconds > 1_050_000_000 && plain.links == 1);
    kassert_eq!(d.mtime.seconds, 1_040_000_000);
    // Removing one name leaves the other with the data.
    kassert_eq!(vfs::unlink(&ctx, None, b"/ktest-archive/["), Ok(()));
    kassert_eq!(stat(b"/ktest-archive/test").map(|s| s.links), Ok(1));
    kassert_eq!(read_path(&ctx, b"/ktest-archive/test"), b"body".to_vec());
    Ok(())
}
