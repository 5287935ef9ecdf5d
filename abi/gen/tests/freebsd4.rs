//! Golden tests for `freebsd4-i386.json` against the reference
//! (`shared/reference/freebsd4-i386-abi.md`): layouts, slot table, numbering, start-up.

use abi_gen::model::{
    self, ArgLocation, ErrorReturn, Int, RegValue, Spec, Status, SyscallKind, TypeRef,
};

fn spec() -> Spec {
    match model::load(model::spec_dir().join("freebsd4-i386.json")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn size(s: &Spec, ty: &str) -> u64 {
    s.layout(&TypeRef::named(ty))
        .unwrap_or_else(|| panic!("{ty} has no layout"))
        .size
}

fn offset(s: &Spec, ty: &str, field: &str) -> u64 {
    s.struct_def(ty)
        .unwrap_or_else(|| panic!("no struct {ty}"))
        .field(field)
        .unwrap_or_else(|| panic!("no field {ty}.{field}"))
        .offset
}

/// Reference §1: (number, table type, name, argument words) of every slot with a prototype.
const REFERENCE_SLOTS: &[(u32, &str, &str, u32)] = &[
    (0, "STD", "syscall", 0),
    (1, "STD", "exit", 1),
    (2, "STD", "fork", 0),
    (3, "STD", "read", 3),
    (4, "STD", "write", 3),
    (5, "STD", "open", 3),
    (6, "STD", "close", 1),
    (7, "STD", "wait4", 4),
    (8, "COMPAT", "creat", 2),
    (9, "STD", "link", 2),
    (10, "STD", "unlink", 1),
    (12, "STD", "chdir", 1),
    (13, "STD", "fchdir", 1),
    (14, "STD", "mknod", 3),
    (15, "STD", "chmod", 2),
    (16, "STD", "chown", 3),
    (17, "STD", "break", 1),
    (18, "STD", "getfsstat", 3),
    (19, "COMPAT", "lseek", 3),
    (20, "STD", "getpid", 0),
    (21, "STD", "mount", 4),
    (22, "STD", "unmount", 2),
    (23, "STD", "setuid", 1),
    (24, "STD", "getuid", 0),
    (25, "STD", "geteuid", 0),
    (26, "STD", "ptrace", 4),
    (27, "STD", "recvmsg", 3),
    (28, "STD", "sendmsg", 3),
    (29, "STD", "recvfrom", 6),
    (30, "STD", "accept", 3),
    (31, "STD", "getpeername", 3),
    (32, "STD", "getsockname", 3),
    (33, "STD", "access", 2),
    (34, "STD", "chflags", 2),
    (35, "STD", "fchflags", 2),
    (36, "STD", "sync", 0),
    (37, "STD", "kill", 2),
    (38, "COMPAT", "stat", 2),
    (39, "STD", "getppid", 0),
    (40, "COMPAT", "lstat", 2),
    (41, "STD", "dup", 1),
    (42, "STD", "pipe", 0),
    (43, "STD", "getegid", 0),
    (44, "STD", "profil", 4),
    (45, "STD", "ktrace", 4),
    (46, "COMPAT", "sigaction", 3),
    (47, "STD", "getgid", 0),
    (48, "COMPAT", "sigprocmask", 2),
    (49, "STD", "getlogin", 2),
    (50, "STD", "setlogin", 1),
    (51, "STD", "acct", 1),
    (52, "COMPAT", "sigpending", 0),
    (53, "STD", "sigaltstack", 2),
    (54, "STD", "ioctl", 3),
    (55, "STD", "reboot", 1),
    (56, "STD", "revoke", 1),
    (57, "STD", "symlink", 2),
    (58, "STD", "readlink", 3),
    (59, "STD", "execve", 3),
    (60, "STD", "umask", 1),
    (61, "STD", "chroot", 1),
    (62, "COMPAT", "fstat", 2),
    (63, "COMPAT", "getkerninfo", 4),
    (64, "COMPAT", "getpagesize", 0),
    (65, "STD", "msync", 3),
    (66, "STD", "vfork", 0),
    (69, "STD", "sbrk", 1),
    (70, "STD", "sstk", 1),
    (71, "COMPAT", "mmap", 6),
    (72, "STD", "vadvise", 1),
    (73, "STD", "munmap", 2),
    (74, "STD", "mprotect", 3),
    (75, "STD", "madvise", 3),
    (78, "STD", "mincore", 3),
    (79, "STD", "getgroups", 2),
    (80, "STD", "setgroups", 2),
    (81, "STD", "getpgrp", 0),
    (82, "STD", "setpgid", 2),
    (83, "STD", "setitimer", 3),
    (84, "COMPAT", "wait", 0),
    (85, "STD", "swapon", 1),
    (86, "STD", "getitimer", 2),
    (87, "COMPAT", "gethostname", 2),
    (88, "COMPAT", "sethostname", 2),
    (89, "STD", "getdtablesize", 0),
    (90, "STD", "dup2", 2),
    (92, "STD", "fcntl", 3),
    (93, "STD", "select", 5),
    (95, "STD", "fsync", 1),
    (96, "STD", "setpriority", 3),
    (97, "STD", "socket", 3),
    (98, "STD", "connect", 3),
    (99, "CPT_NOA", "accept", 3),
    (100, "STD", "getpriority", 2),
    (101, "COMPAT", "send", 4),
    (102, "COMPAT", "recv", 4),
    (103, "COMPAT", "sigreturn", 1),
    (104, "STD", "bind", 3),
    (105, "STD", "setsockopt", 5),
    (106, "STD", "listen", 2),
    (108, "COMPAT", "sigvec", 3),
    (109, "COMPAT", "sigblock", 1),
    (110, "COMPAT", "sigsetmask", 1),
    (111, "COMPAT", "sigsuspend", 1),
    (112, "COMPAT", "sigstack", 2),
    (113, "COMPAT", "recvmsg", 3),
    (114, "COMPAT", "sendmsg", 3),
    (116, "STD", "gettimeofday", 2),
    (117, "STD", "getrusage", 2),
    (118, "STD", "getsockopt", 5),
    (120, "STD", "readv", 3),
    (121, "STD", "writev", 3),
    (122, "STD", "settimeofday", 2),
    (123, "STD", "fchown", 3),
    (124, "STD", "fchmod", 2),
    (125, "CPT_NOA", "recvfrom", 6),
    (126, "STD", "setreuid", 2),
    (127, "STD", "setregid", 2),
    (128, "STD", "rename", 2),
    (129, "COMPAT", "truncate", 2),
    (130, "COMPAT", "ftruncate", 2),
    (131, "STD", "flock", 2),
    (132, "STD", "mkfifo", 2),
    (133, "STD", "sendto", 6),
    (134, "STD", "shutdown", 2),
    (135, "STD", "socketpair", 4),
    (136, "STD", "mkdir", 2),
    (137, "STD", "rmdir", 1),
    (138, "STD", "utimes", 2),
    (140, "STD", "adjtime", 2),
    (141, "COMPAT", "getpeername", 3),
    (142, "COMPAT", "gethostid", 0),
    (143, "COMPAT", "sethostid", 1),
    (144, "COMPAT", "getrlimit", 2),
    (145, "COMPAT", "setrlimit", 2),
    (146, "COMPAT", "killpg", 2),
    (147, "STD", "setsid", 0),
    (148, "STD", "quotactl", 4),
    (149, "COMPAT", "quota", 0),
    (150, "CPT_NOA", "getsockname", 3),
    (155, "NOIMPL", "nfssvc", 2),
    (156, "COMPAT", "getdirentries", 4),
    (157, "STD", "statfs", 2),
    (158, "STD", "fstatfs", 2),
    (161, "STD", "getfh", 2),
    (162, "STD", "getdomainname", 2),
    (163, "STD", "setdomainname", 2),
    (164, "STD", "uname", 1),
    (165, "STD", "sysarch", 2),
    (166, "STD", "rtprio", 3),
    (169, "STD", "semsys", 5),
    (170, "STD", "msgsys", 6),
    (171, "STD", "shmsys", 4),
    (173, "STD", "pread", 6),
    (174, "STD", "pwrite", 6),
    (176, "STD", "ntp_adjtime", 1),
    (181, "STD", "setgid", 1),
    (182, "STD", "setegid", 1),
    (183, "STD", "seteuid", 1),
    (188, "STD", "stat", 2),
    (189, "STD", "fstat", 2),
    (190, "STD", "lstat", 2),
    (191, "STD", "pathconf", 2),
    (192, "STD", "fpathconf", 2),
    (194, "STD", "getrlimit", 2),
    (195, "STD", "setrlimit", 2),
    (196, "STD", "getdirentries", 4),
    (197, "STD", "mmap", 8),
    (198, "STD", "__syscall", 0),
    (199, "STD", "lseek", 5),
    (200, "STD", "truncate", 4),
    (201, "STD", "ftruncate", 4),
    (202, "STD", "__sysctl", 6),
    (203, "STD", "mlock", 2),
    (204, "STD", "munlock", 2),
    (205, "STD", "undelete", 1),
    (206, "STD", "futimes", 2),
    (207, "STD", "getpgid", 1),
    (209, "STD", "poll", 3),
    (220, "STD", "__semctl", 4),
    (221, "STD", "semget", 3),
    (222, "STD", "semop", 3),
    (224, "STD", "msgctl", 3),
    (225, "STD", "msgget", 2),
    (226, "STD", "msgsnd", 4),
    (227, "STD", "msgrcv", 5),
    (228, "STD", "shmat", 3),
    (229, "STD", "shmctl", 3),
    (230, "STD", "shmdt", 1),
    (231, "STD", "shmget", 3),
    (232, "STD", "clock_gettime", 2),
    (233, "STD", "clock_settime", 2),
    (234, "STD", "clock_getres", 2),
    (240, "STD", "nanosleep", 2),
    (250, "STD", "minherit", 3),
    (251, "STD", "rfork", 1),
    (252, "STD", "openbsd_poll", 3),
    (253, "STD", "issetugid", 0),
    (254, "STD", "lchown", 3),
    (272, "STD", "getdents", 3),
    (274, "STD", "lchmod", 2),
    (275, "NOPROTO", "netbsd_lchown", 3),
    (276, "STD", "lutimes", 2),
    (277, "NOPROTO", "netbsd_msync", 3),
    (278, "STD", "nstat", 2),
    (279, "STD", "nfstat", 2),
    (280, "STD", "nlstat", 2),
    (297, "STD", "fhstatfs", 2),
    (298, "STD", "fhopen", 2),
    (299, "STD", "fhstat", 2),
    (300, "STD", "modnext", 1),
    (301, "STD", "modstat", 2),
    (302, "STD", "modfnext", 1),
    (303, "STD", "modfind", 1),
    (304, "STD", "kldload", 1),
    (305, "STD", "kldunload", 1),
    (306, "STD", "kldfind", 1),
    (307, "STD", "kldnext", 1),
    (308, "STD", "kldstat", 2),
    (309, "STD", "kldfirstmod", 1),
    (310, "STD", "getsid", 1),
    (311, "STD", "setresuid", 3),
    (312, "STD", "setresgid", 3),
    (314, "STD", "aio_return", 1),
    (315, "STD", "aio_suspend", 3),
    (316, "STD", "aio_cancel", 2),
    (317, "STD", "aio_error", 1),
    (318, "STD", "aio_read", 1),
    (319, "STD", "aio_write", 1),
    (320, "STD", "lio_listio", 4),
    (321, "STD", "yield", 0),
    (322, "STD", "thr_sleep", 1),
    (323, "STD", "thr_wakeup", 1),
    (324, "STD", "mlockall", 1),
    (325, "STD", "munlockall", 0),
    (326, "STD", "__getcwd", 2),
    (327, "STD", "sched_setparam", 2),
    (328, "STD", "sched_getparam", 2),
    (329, "STD", "sched_setscheduler", 3),
    (330, "STD", "sched_getscheduler", 1),
    (331, "STD", "sched_yield", 0),
    (332, "STD", "sched_get_priority_max", 1),
    (333, "STD", "sched_get_priority_min", 1),
    (334, "STD", "sched_rr_get_interval", 2),
    (335, "STD", "utrace", 2),
    (336, "COMPAT", "sendfile", 8),
    (337, "STD", "kldsym", 3),
    (338, "STD", "jail", 1),
    (340, "STD", "sigprocmask", 3),
    (341, "STD", "sigsuspend", 1),
    (342, "STD", "sigaction", 3),
    (343, "STD", "sigpending", 1),
    (344, "STD", "sigreturn", 1),
    (347, "STD", "__acl_get_file", 3),
    (348, "STD", "__acl_set_file", 3),
    (349, "STD", "__acl_get_fd", 3),
    (350, "STD", "__acl_set_fd", 3),
    (351, "STD", "__acl_delete_file", 2),
    (352, "STD", "__acl_delete_fd", 2),
    (353, "STD", "__acl_aclcheck_file", 3),
    (354, "STD", "__acl_aclcheck_fd", 3),
    (355, "STD", "extattrctl", 4),
    (356, "STD", "extattr_set_file", 4),
    (357, "STD", "extattr_get_file", 4),
    (358, "STD", "extattr_delete_file", 2),
    (359, "STD", "aio_waitcomplete", 2),
    (360, "STD", "getresuid", 3),
    (361, "STD", "getresgid", 3),
    (362, "STD", "kqueue", 0),
    (363, "STD", "kevent", 6),
    (393, "STD", "sendfile", 8),
];

/// Reference §1, "Empty and obsolete slots".
const UNIMPL_UNNAMED: &[(u32, u32)] = &[
    (154, 154),
    (159, 160),
    (167, 168),
    (172, 172),
    (175, 175),
    (180, 180),
    (193, 193),
    (241, 249),
    (255, 271),
    (273, 273),
    (281, 296),
    (364, 392),
];
const UNIMPL_NAMED: &[(u32, &str)] = &[
    (91, "getdopt"),
    (94, "setdopt"),
    (119, "resuba"),
    (151, "sem_lock"),
    (152, "sem_wakeup"),
    (153, "asyncdaemon"),
    (177, "sfork"),
    (178, "getdescriptor"),
    (179, "setdescriptor"),
    (184, "lfs_bmapv"),
    (185, "lfs_markv"),
    (186, "lfs_segclean"),
    (187, "lfs_segwait"),
    (208, "newreboot"),
    (223, "semconfig"),
    (235, "timer_create"),
    (236, "timer_delete"),
    (237, "timer_settime"),
    (238, "timer_gettime"),
    (239, "timer_getoverrun"),
    (339, "pioctl"),
    (345, "sigtimedwait"),
    (346, "sigwaitinfo"),
];
const OBSOLETE: &[(u32, &str)] = &[
    (11, "execv"),
    (67, "vread"),
    (68, "vwrite"),
    (76, "vhangup"),
    (77, "vlimit"),
    (107, "vtimes"),
    (115, "vtrace"),
    (139, "sigreturn"),
    (313, "signanosleep"),
];

fn kind_for(table_type: &str) -> SyscallKind {
    match table_type {
        "COMPAT" | "CPT_NOA" => SyscallKind::OldCompat,
        "NOIMPL" => SyscallKind::External,
        "NOPROTO" => SyscallKind::Alias,
        _ => SyscallKind::Standard,
    }
}

#[test]
fn all_394_slots_are_present_in_order() {
    let s = spec();
    assert_eq!(s.syscalls.len(), 394);
    for (i, c) in s.syscalls.iter().enumerate() {
        assert_eq!(c.number as usize, i, "slot {i} out of order");
    }
}

#[test]
fn every_prototyped_slot_matches_the_reference_name_kind_and_word_count() {
    let s = spec();
    for &(n, ty, name, words) in REFERENCE_SLOTS {
        let c = s.syscall(n).unwrap_or_else(|| panic!("slot {n} missing"));
        assert_eq!(c.name, name, "slot {n}");
        assert_eq!(c.kind, kind_for(ty), "slot {n} {name}");
        assert_eq!(c.master_type.as_deref(), Some(ty), "slot {n} {name}");
        assert_eq!(
            s.arg_words(c),
            Some(words),
            "slot {n} {name}: argument words"
        );
    }
}

#[test]
fn empty_slots_match_the_reference() {
    let s = spec();
    for &(a, b) in UNIMPL_UNNAMED {
        for n in a..=b {
            let c = s.syscall(n).unwrap_or_else(|| panic!("slot {n} missing"));
            assert_eq!(c.kind, SyscallKind::Unimplemented, "slot {n}");
            assert!(c.args.is_empty(), "slot {n}");
        }
    }
    for &(n, name) in UNIMPL_NAMED {
        let c = s.syscall(n).unwrap_or_else(|| panic!("slot {n} missing"));
        assert_eq!(
            (c.kind, c.name.as_str()),
            (SyscallKind::Unimplemented, name),
            "slot {n}"
        );
    }
    for &(n, name) in OBSOLETE {
        let c = s.syscall(n).unwrap_or_else(|| panic!("slot {n} missing"));
        assert_eq!(
            (c.kind, c.name.as_str()),
            (SyscallKind::Obsolete, name),
            "slot {n}"
        );
    }
    for n in 210..=219 {
        let c = s.syscall(n).unwrap_or_else(|| panic!("slot {n} missing"));
        assert_eq!(
            (c.kind, c.name.as_str()),
            (SyscallKind::Loadable, "lkmnosys"),
            "slot {n}"
        );
    }
    // Every slot is accounted for by exactly one of the lists.
    let described = REFERENCE_SLOTS.len()
        + UNIMPL_UNNAMED
            .iter()
            .map(|(a, b)| (b - a + 1) as usize)
            .sum::<usize>()
        + UNIMPL_NAMED.len()
        + OBSOLETE.len()
        + 10;
    assert_eq!(described, 394);
}

#[test]
fn off_t_arguments_are_padded_as_in_4x() {
    let s = spec();
    for (n, pad_at) in [(173, 3), (174, 3), (197, 5), (199, 1), (200, 1), (201, 1)] {
        let c = s.syscall(n).expect("slot");
        assert!(c.args[pad_at].pad, "{} pad word at {pad_at}", c.name);
        assert_eq!(c.args[pad_at + 1].ty, TypeRef::named("off_t"), "{}", c.name);
    }
    assert_eq!(size(&s, "off_t"), 8);
    // sendfile's offset is already at word 2: no pad.
    let sf = s.syscall(393).expect("sendfile");
    assert!(sf.args.iter().all(|a| !a.pad));
}

/// Which slots are implemented is the personality's to say (its handler table is
/// tested against the spec there); the spec itself must never claim the indirection
/// slots, which the personality's trap path serves before dispatch, or a slot 4.x had
/// no call in.
#[test]
fn indirection_and_empty_slots_are_never_claimed_implemented() {
    let s = spec();
    for c in &s.syscalls {
        let empty = matches!(c.master_type.as_deref(), Some("UNIMPL" | "OBSOL" | "NODEF"));
        if c.number == 0 || c.number == 198 || empty {
            assert!(
                matches!(c.status, Status::NotImplemented { .. }),
                "slot {} {} claims {:?}",
                c.number,
                c.name,
                c.status
            );
        }
    }
}

#[test]
fn struct_sizes_match_the_reference() {
    let s = spec();
    for (ty, bytes) in [
        ("stat", 96),
        ("ostat", 64),
        ("nstat", 96),
        ("dirent", 264),
        ("timeval", 8),
        ("timespec", 8),
        ("timezone", 8),
        ("itimerval", 16),
        ("rusage", 72),
        ("iovec", 8),
        ("sf_hdtr", 16),
        ("sigset_t", 16),
        ("osigset_t", 4),
        ("sigaction", 24),
        ("osigaction", 12),
        ("stack_t", 12),
        ("siginfo_t", 64),
        ("sigvec", 12),
        ("sigstack", 8),
        ("termios", 44),
        ("winsize", 8),
        ("rlimit", 16),
        ("orlimit", 8),
        ("utsname", 160),
        ("statfs", 256),
        ("flock", 24),
        ("fd_set", 128),
        ("pollfd", 8),
        ("kevent", 20),
        ("mcontext_t", 260),
        ("ucontext_t", 324),
        ("sigcontext", 276),
        ("sigframe", 408),
        ("osigcontext", 84),
        ("osigframe", 116),
        ("ps_strings", 16),
        ("mode_t", 2),
        ("nlink_t", 2),
        ("time_t", 4),
        ("size_t", 4),
        ("long", 4),
        ("rlim_t", 8),
    ] {
        assert_eq!(size(&s, ty), bytes, "sizeof {ty}");
    }
}

#[test]
fn stat_offsets_match_the_reference() {
    let s = spec();
    for (f, off) in [
        ("st_dev", 0),
        ("st_ino", 4),
        ("st_mode", 8),
        ("st_nlink", 10),
        ("st_uid", 12),
        ("st_gid", 16),
        ("st_rdev", 20),
        ("st_atimespec", 24),
        ("st_mtimespec", 32),
        ("st_ctimespec", 40),
        ("st_size", 48),
        ("st_blocks", 56),
        ("st_blksize", 64),
        ("st_flags", 68),
        ("st_gen", 72),
        ("st_lspare", 76),
        ("st_qspare", 80),
    ] {
        assert_eq!(offset(&s, "stat", f), off, "stat.{f}");
    }
    for (f, off) in [
        ("st_dev", 0),
        ("st_ino", 4),
        ("st_mode", 8),
        ("st_nlink", 10),
        ("st_uid", 12),
        ("st_gid", 14),
        ("st_rdev", 16),
        ("st_size", 20),
        ("st_atimespec", 24),
        ("st_mtimespec", 32),
        ("st_ctimespec", 40),
        ("st_blksize", 48),
        ("st_blocks", 52),
        ("st_flags", 56),
        ("st_gen", 60),
    ] {
        assert_eq!(offset(&s, "ostat", f), off, "ostat.{f}");
    }
}

#[test]
fn stat_maps_to_neutral_values_with_overflow_policies() {
    let s = spec();
    let st = s.struct_def("stat").expect("stat");
    let map = |f: &str| st.field(f).and_then(|x| x.map.clone()).expect("mapped");
    assert_eq!(map("st_size").neutral, "stat.size");
    assert_eq!(map("st_mode").neutral, "stat.mode");
    assert_eq!(map("st_mtimespec").neutral, "stat.mtime");
    let ino = map("st_ino");
    assert_eq!(ino.overflow, model::Overflow::Error);
    assert_eq!(ino.errno.as_deref(), Some("EOVERFLOW"));
    let d = s.struct_def("dirent").expect("dirent");
    assert_eq!(
        d.field("d_name")
            .and_then(|f| f.map.as_ref())
            .map(|m| m.neutral.as_str()),
        Some("dirent.name")
    );
    let sa = s.struct_def("sigaction").expect("sigaction");
    assert_eq!(
        sa.field("sa_mask")
            .and_then(|f| f.map.as_ref())
            .map(|m| m.neutral.as_str()),
        Some("sigaction.mask")
    );
    assert_eq!(
        sa.field("sa_handler")
            .and_then(|f| f.map.as_ref())
            .map(|m| m.neutral.as_str()),
        Some("sigaction.handler")
    );
}

#[test]
fn dirent_termios_and_time_offsets_match_the_reference() {
    let s = spec();
    for (ty, f, off) in [
        ("dirent", "d_fileno", 0),
        ("dirent", "d_reclen", 4),
        ("dirent", "d_type", 6),
        ("dirent", "d_namlen", 7),
        ("dirent", "d_name", 8),
        ("termios", "c_iflag", 0),
        ("termios", "c_oflag", 4),
        ("termios", "c_cflag", 8),
        ("termios", "c_lflag", 12),
        ("termios", "c_cc", 16),
        ("termios", "c_ispeed", 36),
        ("termios", "c_ospeed", 40),
        ("timeval", "tv_usec", 4),
        ("timespec", "tv_nsec", 4),
        ("sigaction", "sa_handler", 0),
        ("sigaction", "sa_flags", 4),
        ("sigaction", "sa_mask", 8),
        ("osigaction", "sa_mask", 4),
        ("osigaction", "sa_flags", 8),
        ("stack_t", "ss_size", 4),
        ("stack_t", "ss_flags", 8),
        ("rusage", "ru_stime", 8),
        ("rusage", "ru_maxrss", 16),
        ("rusage", "ru_nivcsw", 68),
        ("rlimit", "rlim_max", 8),
        ("flock", "l_len", 8),
        ("flock", "l_pid", 16),
        ("flock", "l_type", 20),
        ("flock", "l_whence", 22),
        ("pollfd", "revents", 6),
        ("kevent", "filter", 4),
        ("kevent", "fflags", 8),
        ("kevent", "udata", 16),
        ("utsname", "nodename", 32),
        ("utsname", "machine", 128),
    ] {
        assert_eq!(offset(&s, ty, f), off, "{ty}.{f}");
    }
}

#[test]
fn statfs_offsets_match_the_reference() {
    let s = spec();
    for (f, off) in [
        ("f_spare2", 0),
        ("f_bsize", 4),
        ("f_iosize", 8),
        ("f_blocks", 12),
        ("f_bfree", 16),
        ("f_bavail", 20),
        ("f_files", 24),
        ("f_ffree", 28),
        ("f_fsid", 32),
        ("f_owner", 40),
        ("f_type", 44),
        ("f_flags", 48),
        ("f_syncwrites", 52),
        ("f_asyncwrites", 56),
        ("f_fstypename", 60),
        ("f_mntonname", 76),
        ("f_syncreads", 156),
        ("f_asyncreads", 160),
        ("f_spares1", 164),
        ("f_mntfromname", 166),
        ("f_spares2", 246),
        ("f_spare", 248),
    ] {
        assert_eq!(offset(&s, "statfs", f), off, "statfs.{f}");
    }
}

#[test]
fn signal_frame_layouts_match_the_reference() {
    let s = spec();
    for (f, off) in [
        ("sf_signum", 0),
        ("sf_siginfo", 4),
        ("sf_ucontext", 8),
        ("sf_addr", 12),
        ("sf_ahu", 16),
        ("sf_uc", 20),
        ("sf_si", 344),
    ] {
        assert_eq!(offset(&s, "sigframe", f), off, "sigframe.{f}");
    }
    for (f, off) in [
        ("uc_sigmask", 0),
        ("uc_mcontext", 16),
        ("uc_link", 276),
        ("uc_stack", 280),
        ("__spare__", 292),
    ] {
        assert_eq!(offset(&s, "ucontext_t", f), off, "ucontext_t.{f}");
    }
    // mcontext_t is 65 words in trapframe order.
    let words = [
        "mc_onstack",
        "mc_gs",
        "mc_fs",
        "mc_es",
        "mc_ds",
        "mc_edi",
        "mc_esi",
        "mc_ebp",
        "mc_isp",
        "mc_ebx",
        "mc_edx",
        "mc_ecx",
        "mc_eax",
        "mc_trapno",
        "mc_err",
        "mc_eip",
        "mc_cs",
        "mc_eflags",
        "mc_esp",
        "mc_ss",
        "mc_fpregs",
    ];
    for (i, f) in words.iter().enumerate() {
        assert_eq!(offset(&s, "mcontext_t", f), 4 * i as u64, "mcontext_t.{f}");
    }
    assert_eq!(offset(&s, "mcontext_t", "__spare__"), 48 * 4);
    // genassym's UC_GS and UC_EFLAGS.
    assert_eq!(
        offset(&s, "ucontext_t", "uc_mcontext") + offset(&s, "mcontext_t", "mc_gs"),
        20
    );
    assert_eq!(
        offset(&s, "ucontext_t", "uc_mcontext") + offset(&s, "mcontext_t", "mc_eflags"),
        84
    );
    // sigcontext is the first 276 bytes of ucontext with the same words.
    assert_eq!(offset(&s, "sigcontext", "sc_onstack"), 16);
    assert_eq!(offset(&s, "sigcontext", "sc_gs"), 20);
    assert_eq!(offset(&s, "sigcontext", "sc_efl"), 84);
    assert_eq!(offset(&s, "sigcontext", "sc_fpregs"), 96);
    for (f, off) in [
        ("si_signo", 0),
        ("si_errno", 4),
        ("si_code", 8),
        ("si_pid", 12),
        ("si_uid", 16),
        ("si_status", 20),
        ("si_addr", 24),
        ("si_value", 28),
        ("si_band", 32),
        ("__spare__", 36),
    ] {
        assert_eq!(offset(&s, "siginfo_t", f), off, "siginfo_t.{f}");
    }
    let osc = [
        "sc_onstack",
        "sc_mask",
        "sc_esp",
        "sc_ebp",
        "sc_isp",
        "sc_eip",
        "sc_efl",
        "sc_es",
        "sc_ds",
        "sc_cs",
        "sc_ss",
        "sc_edi",
        "sc_esi",
        "sc_ebx",
        "sc_edx",
        "sc_ecx",
        "sc_eax",
        "sc_gs",
        "sc_fs",
        "sc_trapno",
        "sc_err",
    ];
    for (i, f) in osc.iter().enumerate() {
        assert_eq!(
            offset(&s, "osigcontext", f),
            4 * i as u64,
            "osigcontext.{f}"
        );
    }
    assert_eq!(offset(&s, "osigframe", "sf_siginfo"), 20);
    // si_signo @104 of the old frame = 20 + 84.
    assert_eq!(
        offset(&s, "osigframe", "sf_siginfo") + offset(&s, "osiginfo_t", "si_signo"),
        104
    );
    assert_eq!(
        offset(&s, "osigframe", "sf_siginfo") + offset(&s, "osiginfo_t", "si_code"),
        108
    );
    assert_eq!(
        offset(&s, "osigframe", "sf_siginfo") + offset(&s, "osiginfo_t", "si_value"),
        112
    );

    let frames = &s.signal_delivery.frames;
    assert_eq!(frames[0].ty, "sigframe");
    assert_eq!(frames[0].trampoline, Some(Int(0xBFBF_FFA8)));
    assert_eq!(frames[1].ty, "osigframe");
    assert_eq!(frames[1].trampoline, Some(Int(0xBFBF_FFC8)));
    assert_eq!(
        s.syscall_by_name(&s.signal_delivery.return_syscall)
            .map(|c| c.number),
        Some(344)
    );
}

#[test]
fn calling_convention_matches_the_reference() {
    let s = spec();
    let cc = &s.calling_convention;
    assert_eq!(cc.traps[0].insn, "int $0x80");
    assert_eq!(cc.traps[0].length, 2);
    assert_eq!(cc.number.register, "eax");
    match &cc.args {
        ArgLocation::UserStack {
            base,
            offset,
            max_words,
            ..
        } => {
            assert_eq!((base.as_str(), *offset, *max_words), ("esp", 4, 8));
        }
        ArgLocation::Registers { .. } => panic!("4.x passes arguments on the user stack"),
    }
    assert!(matches!(&cc.error, ErrorReturn::CarryFlag { register, .. } if register == "eax"));
    assert_eq!(cc.success.registers, ["eax", "edx"]);
    let out = cc.number.out_of_range.as_ref().expect("out of range");
    assert_eq!(
        (out.errno.as_str(), out.signal.as_deref()),
        ("EINVAL", Some("SIGSYS"))
    );
    assert_eq!(
        cc.indirect
            .iter()
            .map(|i| (i.number, i.code_words, i.args_offset))
            .collect::<Vec<_>>(),
        [(0, 1, 8), (198, 2, 12)]
    );
    let fork = s.syscall(2).expect("fork");
    assert_eq!(fork.extra_returns[0].register, "edx");
    let pipe = s.syscall(42).expect("pipe");
    assert_eq!(pipe.extra_returns[0].register, "edx");
    let lseek = s.syscall(199).expect("lseek");
    assert_eq!(
        s.layout(&lseek.ret).map(|l| l.size),
        Some(8),
        "lseek returns in eax:edx"
    );
}

#[test]
fn recognition_matches_the_reference() {
    let s = spec();
    let r = &s.recognition;
    assert_eq!(r.elf_class, 32);
    assert_eq!(r.machines, [3, 6]);
    assert_eq!(r.osabi, Some(9));
    assert_eq!(r.old_brand.as_deref(), Some("FreeBSD"));
    assert_eq!(r.interp_paths, ["/usr/libexec/ld-elf.so.1"]);
    assert_eq!(r.elf_types, ["ET_EXEC"]);
}

#[test]
fn numbering_matches_the_reference() {
    let s = spec();
    for (name, v) in [
        ("EPERM", 1),
        ("EDEADLK", 11),
        ("EAGAIN", 35),
        ("EWOULDBLOCK", 35),
        ("EOPNOTSUPP", 45),
        ("ELOOP", 62),
        ("ENAMETOOLONG", 63),
        ("ENOTEMPTY", 66),
        ("ENOSYS", 78),
        ("EOVERFLOW", 84),
        ("EILSEQ", 86),
        ("ERESTART", -1),
        ("EJUSTRETURN", -2),
        ("ENOIOCTL", -3),
    ] {
        assert_eq!(s.errno_value(name), Some(v), "{name}");
    }
    assert_eq!(
        s.errno.iter().filter(|e| !e.internal).count(),
        86,
        "ELAST = 86"
    );
    let sig = |n: &str| s.signals.list.iter().find(|x| x.name == n).map(|x| x.value);
    for (name, v) in [
        ("SIGHUP", 1),
        ("SIGEMT", 7),
        ("SIGKILL", 9),
        ("SIGBUS", 10),
        ("SIGSYS", 12),
        ("SIGURG", 16),
        ("SIGSTOP", 17),
        ("SIGTSTP", 18),
        ("SIGCONT", 19),
        ("SIGCHLD", 20),
        ("SIGIO", 23),
        ("SIGINFO", 29),
        ("SIGUSR1", 30),
        ("SIGUSR2", 31),
    ] {
        assert_eq!(sig(name), Some(v), "{name}");
    }
    assert_eq!(s.signals.list.len(), 31);
    assert_eq!(s.signals.max, 128);
    for (name, v) in [
        ("O_NONBLOCK", 4),
        ("O_APPEND", 8),
        ("O_CREAT", 0x200),
        ("O_TRUNC", 0x400),
        ("O_EXCL", 0x800),
        ("O_NOCTTY", 0x8000),
        ("F_GETOWN", 5),
        ("F_SETLKW", 9),
        ("F_UNLCK", 2),
        ("F_WRLCK", 3),
        ("MAP_ANON", 0x1000),
        ("MAP_STACK", 0x400),
        ("MAP_FIXED", 0x10),
        ("SIG_BLOCK", 1),
        ("SIG_SETMASK", 3),
        ("SA_RESTART", 2),
        ("SA_SIGINFO", 0x40),
        ("SS_DISABLE", 4),
        ("MINSIGSTKSZ", 8192),
        ("DT_DIR", 4),
        ("DT_WHT", 14),
        ("S_IFDIR", 0o040000),
        ("S_IFLNK", 0o120000),
        ("RLIMIT_VMEM", 10),
        ("RLIM_INFINITY", 0x7FFF_FFFF_FFFF_FFFF),
        ("VSTATUS", 18),
        ("NOFLSH", 0x8000_0000),
        ("POLLNVAL", 0x20),
        ("MADV_CORE", 9),
        ("PATH_MAX", 1024),
        ("ARG_MAX", 65536),
    ] {
        assert_eq!(s.constant_value(name), Some(Int(v)), "{name}");
    }
}

#[test]
fn tty_ioctls_carry_their_encoded_numbers() {
    let s = spec();
    let num = |n: &str| s.ioctls.iter().find(|i| i.name == n).map(|i| i.number.0);
    for (name, v) in [
        ("TIOCGETA", 0x402C_7413),
        ("TIOCSETA", 0x802C_7414),
        ("TIOCSETAW", 0x802C_7415),
        ("TIOCSETAF", 0x802C_7416),
        ("TIOCGWINSZ", 0x4008_7468),
        ("TIOCSWINSZ", 0x8008_7467),
        ("TIOCGPGRP", 0x4004_7477),
        ("TIOCSPGRP", 0x8004_7476),
        ("TIOCSCTTY", 0x2000_7461),
        ("TIOCNOTTY", 0x2000_7471),
        ("TIOCFLUSH", 0x8004_7410),
        ("FIOCLEX", 0x2000_6601),
        ("FIONCLEX", 0x2000_6602),
        ("FIONREAD", 0x4004_667F),
        ("FIONBIO", 0x8004_667E),
        ("FIOASYNC", 0x8004_667D),
    ] {
        assert_eq!(num(name), Some(v), "{name}");
    }
}

#[test]
fn sysctl_names_match_the_reference() {
    let s = spec();
    let mib = |n: &str| {
        s.sysctls
            .iter()
            .find(|x| x.name == n)
            .map(|x| x.mib.clone())
    };
    for (name, m) in [
        ("kern.ostype", vec![1, 1]),
        ("kern.osrelease", vec![1, 2]),
        ("kern.version", vec![1, 4]),
        ("kern.hostname", vec![1, 10]),
        ("kern.argmax", vec![1, 8]),
        ("kern.osreldate", vec![1, 24]),
        ("kern.ps_strings", vec![1, 32]),
        ("kern.usrstack", vec![1, 33]),
        ("kern.boottime", vec![1, 21]),
        ("kern.proc.args", vec![1, 14, 7]),
        ("hw.machine", vec![6, 1]),
        ("hw.ncpu", vec![6, 3]),
        ("hw.pagesize", vec![6, 7]),
        ("hw.machine_arch", vec![6, 11]),
        ("sysctl.name2oid", vec![0, 3]),
        ("user.cs_path", vec![8, 1]),
        ("user.tzname_max", vec![8, 20]),
        ("p1003_1b.asynchronous_io", vec![9, 1]),
        ("p1003_1b.pagesize", vec![9, 20]),
        ("p1003_1b.timer_max", vec![9, 25]),
    ] {
        assert_eq!(mib(name), Some(m), "{name}");
    }
}

/// The MIB's shape and kinds as 4.x declares them (sys/sysctl.h's CTLTYPE and CTLFLAG
/// bits; kern_mib.c, kern_sysctl.c, kern_proc.c).
#[test]
fn sysctl_tree_matches_the_reference() {
    let s = spec();
    let top: Vec<i64> = s.sysctl_children(&[]).iter().map(|n| n.number()).collect();
    assert_eq!(top, vec![0, 1, 2, 3, 4, 6, 8, 9, 256]);
    let node = |n: &str| s.sysctls.iter().find(|x| x.name == n).expect(n);
    for (name, kind, fmt) in [
        ("kern", 0xC000_0001, "N"),
        ("kern.ostype", 0x8000_0003, "A"),
        ("kern.hostname", 0xC400_0003, "A"),
        ("kern.hostid", 0xC000_0008, "LU"),
        ("kern.clockrate", 0x8000_0005, "S,clockinfo"),
        ("user", 0xC000_0001, "N"),
        ("user.cs_path", 0x8000_0003, "A"),
        ("user.line_max", 0x8000_0002, "I"),
        ("p1003_1b", 0xC000_0001, "N"),
        ("p1003_1b.priority_scheduling", 0x8000_0002, "I"),
        ("kern.proc", 0x8000_0001, "N"),
        ("kern.proc.args", 0xD000_0001, "N"),
        ("kern.proc.all", 0x8000_0001, "N"),
        ("kern.proc.pid", 0x8000_0001, "N"),
        ("kern.ps_arg_cache_limit", 0x8000_0002, "I"),
        ("kern.devname", 0xD000_0005, ""),
        ("kern.msgbuf", 0x8000_0003, "A"),
        ("net.inet", 0xC000_0001, "N"),
        ("net.inet.tcp.pcblist", 0x8000_0000, "S,xtcpcb"),
        ("net.inet.udp.pcblist", 0x8000_0000, "S,xinpcb"),
        ("net.local", 0xC000_0001, "N"),
        ("net.local.stream.pcblist", 0x8000_0000, "S,xunpcb"),
        ("kern.msgbuf_clear", 0xC800_0002, "I"),
        ("sysctl.debug", 0x8000_0003, "-"),
        ("sysctl.name2oid", 0xD000_0000, "I"),
        ("hw.usermem", 0x8000_0002, "IU"),
        ("vfs", 0xC000_0001, "N"),
        ("vfs.generic", 0x8000_0001, "N"),
    ] {
        let n = node(name);
        assert_eq!(s.sysctl_kind(n), Some(kind), "{name}");
        assert_eq!(n.format.as_deref(), Some(fmt), "{name}");
    }
    assert_eq!(node("kern.proc.args").handler.as_deref(), Some("proc_args"));
    // kern_proc.c: all, pid, pgrp, tty, uid and ruid share sysctl_kern_proc; there is
    // no session node.
    let proc_ops: Vec<i64> = s
        .sysctl_children(&[1, 14])
        .iter()
        .map(|n| n.number())
        .collect();
    assert_eq!(proc_ops, vec![0, 1, 2, 4, 5, 6, 7]);
    for op in ["all", "pid", "pgrp", "tty", "uid", "ruid"] {
        let n = node(&format!("kern.proc.{op}"));
        assert_eq!(n.handler.as_deref(), Some("proc_table"), "{op}");
    }
    // vfs_subr.c: vfs.generic is a node with a handler (vfs_sysctl), no children.
    assert_eq!(node("vfs.generic").handler.as_deref(), Some("vfs_generic"));
    assert!(s.sysctl_children(&[3, 0]).is_empty());
    assert!(s.sysctl_is_inner(node("kern.proc")));
    assert!(!s.sysctl_is_inner(node("sysctl.oidfmt")));
    let kern: Vec<i64> = s.sysctl_children(&[1]).iter().map(|n| n.number()).collect();
    assert!(kern.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(kern.len(), 40);
    assert_eq!(node("kern.file").handler.as_deref(), Some("file_table"));
    // kern.ipc: what netstat -m reads (KIPC_MBSTAT 8, KIPC_NMBCLUSTERS 9, then two
    // OID_AUTO).
    let ipc: Vec<i64> = s
        .sysctl_children(&[1, 30])
        .iter()
        .map(|n| n.number())
        .collect();
    assert_eq!(ipc, [8, 9, 0x100, 0x101]);
    // net.inet: ip, icmp, igmp, tcp, udp by protocol number, each with its stats.
    let inet: Vec<i64> = s
        .sysctl_children(&[4, 2])
        .iter()
        .map(|n| n.number())
        .collect();
    assert_eq!(inet, [0, 1, 2, 6, 17]);
    for (name, size) in [
        ("net.inet.ip.stats", 116),
        ("net.inet.icmp.stats", 200),
        ("net.inet.igmp.stats", 36),
        ("net.inet.tcp.stats", 304),
        ("net.inet.udp.stats", 52),
        ("kern.ipc.mbstat", 56),
        ("kern.ipc.mbtypes", 64),
    ] {
        let ty = node(name).ty.as_ref().map(|t| format!("{t:?}"));
        assert!(ty.is_some_and(|t| t.contains(&size.to_string())), "{name}");
    }
    // subr_devstat.c: kern.devstat's four, in the order they register.
    let devstat: Vec<&str> = s
        .sysctl_children(&[1, 265])
        .iter()
        .map(|n| n.leaf_name())
        .collect();
    assert_eq!(devstat, ["all", "numdevs", "generation", "version"]);
    // vm_meter.c VM_METER and VM_LOADAVG, then vm_zone.c's OID_AUTO vm.zone.
    let vm: Vec<i64> = s.sysctl_children(&[2]).iter().map(|n| n.number()).collect();
    assert_eq!(vm, [1, 2, 0x100]);
}

/// 4.x sys/sys/mount.h on i386: struct vfsconf (what VFS_CONF copies out) and the
/// COMPAT_PRELITE2 struct ovfsconf (the VFS_VFSCONF table).
#[test]
fn vfsconf_layouts_match_the_reference() {
    let s = spec();
    assert_eq!(size(&s, "vfsconf"), 36);
    for (f, off) in [
        ("vfc_vfsops", 0),
        ("vfc_name", 4),
        ("vfc_typenum", 20),
        ("vfc_refcount", 24),
        ("vfc_flags", 28),
        ("vfc_next", 32),
    ] {
        assert_eq!(offset(&s, "vfsconf", f), off, "vfsconf.{f}");
    }
    assert_eq!(size(&s, "ovfsconf"), 48);
    for (f, off) in [
        ("vfc_vfsops", 0),
        ("vfc_name", 4),
        ("vfc_index", 36),
        ("vfc_refcount", 40),
        ("vfc_flags", 44),
    ] {
        assert_eq!(offset(&s, "ovfsconf", f), off, "ovfsconf.{f}");
    }
}

#[test]
fn startup_state_matches_the_reference() {
    let s = spec();
    let st = &s.startup;
    assert_eq!(st.stack.top, Int(0xBFC0_0000));
    assert_eq!(
        st.stack.addresses.get("ps_strings"),
        Some(&Int(0xBFBF_FFF0))
    );
    assert_eq!(st.stack.addresses.get("sigcode"), Some(&Int(0xBFBF_FFA8)));
    assert_eq!(st.stack.sizes.get("szsigcode"), Some(&Int(72)));
    assert_eq!(st.stack.entry_alignment, 4);
    let order: Vec<u32> = st
        .auxv
        .entries
        .iter()
        .filter(|e| e.written.as_deref() == Some("always"))
        .map(|e| e.a_type)
        .collect();
    assert_eq!(
        order,
        [3, 4, 5, 6, 8, 9, 7, 0],
        "AT_PHDR PHENT PHNUM PAGESZ FLAGS ENTRY BASE NULL"
    );
    assert_eq!(
        st.fpu.as_ref().and_then(|f| f.x87_control_word),
        Some(Int(0x127F))
    );
    let reg = |r: &str| {
        st.registers
            .iter()
            .find(|x| x.register == r)
            .map(|x| x.value.clone())
    };
    assert_eq!(reg("cs"), Some(RegValue::Number(Int(0x1F))));
    assert_eq!(reg("ds"), Some(RegValue::Number(Int(0x2F))));
    assert_eq!(reg("eflags"), Some(RegValue::Number(Int(0x202))));
    assert_eq!(reg("ebx"), Some(RegValue::Number(Int(0))));
    assert_eq!(size(&s, "ps_strings") + 0xBFBF_FFF0, 0xBFC0_0000);
}

/// Cross-check against the table itself when the shared reference is present beside the
/// repository (it is on the project machines; a clone elsewhere relies on the golden
/// table above).
#[test]
fn slots_agree_with_syscalls_master_when_available() {
    let path = model::spec_dir().join("../../../shared/reference/freebsd4-syscalls.master");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not present; golden table only", path.display());
        return;
    };
    let entries = abi_gen::import::parse_master(&text).expect("master parses");
    assert_eq!(entries.len(), 394);
    let s = spec();
    for e in &entries {
        let c = s.syscall(e.number).expect("slot");
        assert_eq!(c.name, e.name, "slot {}", e.number);
        assert_eq!(
            c.kind,
            abi_gen::import::kind_of(&e.kind),
            "slot {}",
            e.number
        );
        assert_eq!(c.mpsafe, e.mpsafe, "slot {}", e.number);
        let names: Vec<&str> = c.args.iter().map(|a| a.name.as_str()).collect();
        let want: Vec<&str> = e.params.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, want, "slot {} {}", e.number, e.name);
    }
}
