//! Host tests of path lookup and the name operations on tmpfs.

use super::*;

/// A fresh tree (not the global root, so tests run in parallel) and a root context.
fn fresh() -> FsContext {
    let root = tmpfs::new_fs_root(100, 0o755);
    FsContext {
        cwd: root.clone(),
        root,
        creds: Credentials::root(),
        umask: 0o022,
        top: None,
        emulation_root: None,
    }
}

fn rw_create() -> OpenFlags {
    OpenFlags {
        read: true,
        write: true,
        create: true,
        ..OpenFlags::default()
    }
}

fn write_file(ctx: &FsContext, path: &[u8], bytes: &[u8]) {
    let f = open(ctx, None, path, rw_create(), 0o644).unwrap();
    assert_eq!(f.write(bytes).unwrap(), bytes.len());
}

fn read_file(ctx: &FsContext, path: &[u8]) -> Vec<u8> {
    let flags = OpenFlags {
        read: true,
        ..OpenFlags::default()
    };
    let f = open(ctx, None, path, flags, 0).unwrap();
    let mut out = alloc::vec![0u8; 1 << 16];
    let n = f.read(&mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn create_read_write_and_umask() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/a", 0o777).unwrap();
    write_file(&ctx, b"/a/f", b"hello");
    assert_eq!(read_file(&ctx, b"a/f"), b"hello");
    assert_eq!(stat(&ctx, None, b"/a", Follow::Yes).unwrap().mode, 0o755);
    let st = stat(&ctx, None, b"/a/f", Follow::Yes).unwrap();
    assert_eq!((st.mode, st.size, st.links), (0o644, 5, 1));
    assert_eq!(mkdir(&ctx, None, b"/a", 0o777), Err(Error::Exists));
    let excl = OpenFlags {
        exclusive: true,
        ..rw_create()
    };
    assert_eq!(
        open(&ctx, None, b"/a/f", excl, 0).err(),
        Some(Error::Exists)
    );
}

#[test]
fn lookup_errors() {
    let ctx = fresh();
    write_file(&ctx, b"/f", b"x");
    let ro = OpenFlags {
        read: true,
        ..OpenFlags::default()
    };
    assert_eq!(
        open(&ctx, None, b"/missing", ro, 0).err(),
        Some(Error::NotFound)
    );
    assert_eq!(
        open(&ctx, None, b"/f/x", ro, 0).err(),
        Some(Error::NotADirectory)
    );
    assert_eq!(
        open(&ctx, None, b"/f/", ro, 0).err(),
        Some(Error::NotADirectory)
    );
    let long = alloc::vec![b'n'; 256];
    assert_eq!(
        open(&ctx, None, &long, ro, 0).err(),
        Some(Error::NameTooLong)
    );
    let wr = OpenFlags {
        write: true,
        ..OpenFlags::default()
    };
    assert_eq!(
        open(&ctx, None, b"/", wr, 0).err(),
        Some(Error::IsADirectory)
    );
    assert_eq!(open(&ctx, None, b"", ro, 0).err(), Some(Error::NotFound));
}

#[test]
fn dot_dot_and_cwd() {
    let mut ctx = fresh();
    mkdir(&ctx, None, b"/a", 0o755).unwrap();
    mkdir(&ctx, None, b"/a/b", 0o755).unwrap();
    chdir(&mut ctx, None, b"/a/b").unwrap();
    assert_eq!(getcwd(&ctx).unwrap(), b"/a/b");
    write_file(&ctx, b"../../top", b"t");
    assert_eq!(read_file(&ctx, b"/top"), b"t");
    assert_eq!(read_file(&ctx, b"/../../top"), b"t");
    chdir(&mut ctx, None, b"..").unwrap();
    assert_eq!(getcwd(&ctx).unwrap(), b"/a");
    // chroot: ".." stops at the new root, and getcwd is relative to it.
    chroot(&mut ctx, None, b"/a").unwrap();
    chdir(&mut ctx, None, b"/../..").unwrap();
    assert_eq!(getcwd(&ctx).unwrap(), b"/");
    assert!(stat(&ctx, None, b"/b", Follow::Yes).is_ok());
    assert_eq!(
        stat(&ctx, None, b"/top", Follow::Yes).err(),
        Some(Error::NotFound)
    );
}

/// The first chroot's directory is where ".." stops for good (4.x's fd_jdir): a
/// working directory left outside a later, deeper root cannot climb past it.
#[test]
fn dot_dot_stops_at_the_first_chroot() {
    let mut ctx = fresh();
    mkdir(&ctx, None, b"/jail", 0o755).unwrap();
    mkdir(&ctx, None, b"/jail/inner", 0o755).unwrap();
    write_file(&ctx, b"/outside", b"o");
    write_file(&ctx, b"/jail/marker", b"m");
    chroot(&mut ctx, None, b"/jail").unwrap();
    chdir(&mut ctx, None, b"/").unwrap();
    chroot(&mut ctx, None, b"/inner").unwrap();
    // The working directory is the jail directory, above the new root.
    assert_eq!(read_file(&ctx, b"../../marker"), b"m");
    assert_eq!(
        stat(&ctx, None, b"../outside", Follow::Yes).err(),
        Some(Error::NotFound)
    );
    chdir(&mut ctx, None, b"..").unwrap();
    assert_eq!(read_file(&ctx, b"marker"), b"m");
    // A first chroot elsewhere is kept by a fresh context only.
    assert!(ctx.top.as_ref().is_some_and(|t| t.is_dir()));
}

#[test]
fn symlinks_and_loops() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    write_file(&ctx, b"/d/f", b"data");
    symlink(&ctx, b"d/f", None, b"/rel").unwrap();
    symlink(&ctx, b"/d", None, b"/abs").unwrap();
    assert_eq!(read_file(&ctx, b"/rel"), b"data");
    assert_eq!(read_file(&ctx, b"/abs/f"), b"data");
    assert_eq!(readlink(&ctx, None, b"/rel").unwrap(), b"d/f");
    let lst = stat(&ctx, None, b"/rel", Follow::No).unwrap();
    assert_eq!((lst.kind, lst.size), (NodeType::Symlink, 3));
    symlink(&ctx, b"/loop2", None, b"/loop1").unwrap();
    symlink(&ctx, b"/loop1", None, b"/loop2").unwrap();
    assert_eq!(
        stat(&ctx, None, b"/loop1", Follow::Yes).err(),
        Some(Error::Loop)
    );
    assert_eq!(
        stat(&ctx, None, b"/loop1/x", Follow::Yes).err(),
        Some(Error::Loop)
    );
    let nofollow = OpenFlags {
        read: true,
        no_follow: true,
        ..OpenFlags::default()
    };
    assert_eq!(
        open(&ctx, None, b"/rel", nofollow, 0).err(),
        Some(Error::Loop)
    );
    // A chain of 32 links resolves; 33 is a loop.
    write_file(&ctx, b"/t0", b"end");
    for i in 1..=33 {
        let target = alloc::format!("/t{}", i - 1);
        let name = alloc::format!("/t{i}");
        symlink(&ctx, target.as_bytes(), None, name.as_bytes()).unwrap();
    }
    assert_eq!(read_file(&ctx, b"/t32"), b"end");
    assert_eq!(
        stat(&ctx, None, b"/t33", Follow::Yes).err(),
        Some(Error::Loop)
    );
}

#[test]
fn hard_links_unlink_and_open_files() {
    let ctx = fresh();
    write_file(&ctx, b"/f", b"keep");
    link(&ctx, None, b"/f", Follow::Yes, None, b"/g").unwrap();
    assert_eq!(stat(&ctx, None, b"/g", Follow::Yes).unwrap().links, 2);
    let ro = OpenFlags {
        read: true,
        ..OpenFlags::default()
    };
    let open_file = open(&ctx, None, b"/f", ro, 0).unwrap();
    unlink(&ctx, None, b"/f").unwrap();
    unlink(&ctx, None, b"/g").unwrap();
    assert_eq!(
        stat(&ctx, None, b"/f", Follow::Yes).err(),
        Some(Error::NotFound)
    );
    let mut buf = [0u8; 8];
    assert_eq!(open_file.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"keep");
    assert_eq!(open_file.node().unwrap().links(), 0);
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    assert_eq!(unlink(&ctx, None, b"/d"), Err(Error::IsADirectory));
    assert_eq!(
        link(&ctx, None, b"/d", Follow::Yes, None, b"/e"),
        Err(Error::NotPermitted)
    );
}

#[test]
fn rmdir_and_rename() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    write_file(&ctx, b"/d/f", b"1");
    assert_eq!(rmdir(&ctx, None, b"/d"), Err(Error::NotEmpty));
    assert_eq!(rmdir(&ctx, None, b"/d/f"), Err(Error::NotADirectory));
    // Rename over an existing file replaces it.
    write_file(&ctx, b"/d/g", b"2");
    rename(&ctx, None, b"/d/f", None, b"/d/g").unwrap();
    assert_eq!(read_file(&ctx, b"/d/g"), b"1");
    assert_eq!(
        stat(&ctx, None, b"/d/f", Follow::Yes).err(),
        Some(Error::NotFound)
    );
    // Directories: into another, over an empty one, not over a full one, not under itself.
    mkdir(&ctx, None, b"/e", 0o755).unwrap();
    rename(&ctx, None, b"/d", None, b"/e").unwrap();
    assert_eq!(read_file(&ctx, b"/e/g"), b"1");
    mkdir(&ctx, None, b"/x", 0o755).unwrap();
    assert_eq!(rename(&ctx, None, b"/x", None, b"/e"), Err(Error::NotEmpty));
    assert_eq!(
        rename(&ctx, None, b"/e", None, b"/e/sub"),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        rename(&ctx, None, b"/x", None, b"/e/g"),
        Err(Error::NotADirectory)
    );
    assert_eq!(
        rename(&ctx, None, b"/e/g", None, b"/x"),
        Err(Error::IsADirectory)
    );
    rename(&ctx, None, b"/x", None, b"/e/x").unwrap();
    let mut c2 = ctx.clone();
    chdir(&mut c2, None, b"/e/x").unwrap();
    assert_eq!(getcwd(&c2).unwrap(), b"/e/x");
    assert_eq!(stat(&ctx, None, b"/e", Follow::Yes).unwrap().links, 3);
    rmdir(&ctx, None, b"/e/x").unwrap();
    assert_eq!(stat(&ctx, None, b"/e", Follow::Yes).unwrap().links, 2);
    assert_eq!(getcwd(&c2).err(), Some(Error::NotFound));
}

#[test]
fn sparse_files_and_truncate() {
    let ctx = fresh();
    let f = open(&ctx, None, b"/s", rw_create(), 0o644).unwrap();
    f.seek(10_000, crate::file::Whence::Start).unwrap();
    f.write(b"end").unwrap();
    assert_eq!(f.node().unwrap().size(), 10_003);
    let mut buf = alloc::vec![0xffu8; 10_003];
    assert_eq!(f.read_at(0, &mut buf).unwrap(), 10_003);
    assert!(buf[..10_000].iter().all(|&b| b == 0));
    assert_eq!(&buf[10_000..], b"end");
    // Only the written page holds data.
    assert_eq!(f.node().unwrap().stat().blocks, 8);
    f.node().unwrap().truncate(10_001).unwrap();
    f.node().unwrap().truncate(20_000).unwrap();
    let mut tail = [0xffu8; 4];
    f.read_at(10_000, &mut tail).unwrap();
    assert_eq!(tail, [b'e', 0, 0, 0]);
    // O_APPEND writes at the end whatever the offset.
    let ap = OpenFlags {
        write: true,
        append: true,
        ..OpenFlags::default()
    };
    let a = open(&ctx, None, b"/s", ap, 0).unwrap();
    a.write(b"!").unwrap();
    assert_eq!(f.node().unwrap().size(), 20_001);
}

#[test]
fn readdir_resumes_at_the_next_record() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    for name in ["a", "b", "c"] {
        write_file(&ctx, alloc::format!("/d/{name}").as_bytes(), b"");
    }
    let flags = OpenFlags {
        read: true,
        directory: true,
        ..OpenFlags::default()
    };
    let dir = open(&ctx, None, b"/d", flags, 0).unwrap();
    let first = open::read_dir(&ctx, &dir, 3).unwrap();
    let names: Vec<&[u8]> = first.iter().map(|e| e.name.as_slice()).collect();
    assert_eq!(names, [&b"."[..], b"..", b"a"]);
    assert_eq!(first[2].next_cookie, 36, "b's record follows a's 12 bytes");
    // Removing a seen and an unseen entry and adding one: the new name takes the room
    // before the reader (UFS's first fit), the one left after it appears once.
    unlink(&ctx, None, b"/d/a").unwrap();
    unlink(&ctx, None, b"/d/b").unwrap();
    write_file(&ctx, b"/d/z", b"");
    let rest = open::read_dir(&ctx, &dir, 10).unwrap();
    let names: Vec<&[u8]> = rest.iter().map(|e| e.name.as_slice()).collect();
    assert_eq!(names, [&b"c"[..]]);
    assert!(open::read_dir(&ctx, &dir, 10).unwrap().is_empty());
    assert_eq!(names_in_order(&ctx, b"/d"), ["z", "c"]);
}

/// Each record of `path` as (offset, reclen, name), "" for an unused one.
fn records(ctx: &FsContext, path: &[u8]) -> Vec<(u64, u64, alloc::string::String)> {
    let dir = lookup(ctx, None, path, Follow::Yes).unwrap();
    let mut out = Vec::new();
    for_each_record(ctx, &dir, 0, |r| {
        let name = r.entry.map_or(Vec::new(), |e| e.name);
        out.push((
            r.offset,
            r.reclen,
            alloc::string::String::from_utf8(name).unwrap(),
        ));
        true
    })
    .unwrap();
    out
}

/// The names of `path` in directory order, "." and ".." left out.
fn names_in_order(ctx: &FsContext, path: &[u8]) -> Vec<alloc::string::String> {
    records(ctx, path)
        .into_iter()
        .map(|(_, _, n)| n)
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .collect()
}

/// Where `name` is in directory `path`.
fn offset_of(ctx: &FsContext, path: &[u8], name: &str) -> u64 {
    let all = records(ctx, path);
    all.iter().find(|(_, _, n)| n == name).unwrap().0
}

/// Makes files 000.. in `path`, three-letter names: 12-byte records, 40 of them
/// filling a directory's first block to 8 bytes short, 42 each later block.
fn fill(ctx: &FsContext, path: &str, names: core::ops::Range<u32>) {
    for i in names {
        write_file(ctx, alloc::format!("{path}/{i:03}").as_bytes(), b"");
    }
}

#[test]
fn directories_are_laid_out_as_ufs_lays_them_out() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    // ufs_mkdir's block: "." 12 bytes, ".." the rest.
    let new: Vec<(u64, u64)> = records(&ctx, b"/d").iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(new, [(0, 12), (12, 500)]);
    assert_eq!(stat(&ctx, None, b"/d", Follow::Yes).unwrap().size, 512);
    fill(&ctx, "/d", 0..40);
    let all = records(&ctx, b"/d");
    assert_eq!(all.last().unwrap(), &(492, 20, "039".into()));
    assert_eq!(stat(&ctx, None, b"/d", Follow::Yes).unwrap().size, 512);

    // Two removals leave 12 bytes after 009 and after 019, and 8 after 039: an 8-letter
    // name (20 bytes) fits in no one record, so 010..019 are packed down to make room
    // after 019 (ufs_direnter's compaction).
    unlink(&ctx, None, b"/d/010").unwrap();
    unlink(&ctx, None, b"/d/020").unwrap();
    write_file(&ctx, b"/d/abcdefgh", b"");
    assert_eq!(offset_of(&ctx, b"/d", "011"), 144);
    assert_eq!(offset_of(&ctx, b"/d", "019"), 240);
    let r = records(&ctx, b"/d");
    assert!(r.contains(&(252, 24, "abcdefgh".into())));
    assert_eq!(offset_of(&ctx, b"/d", "021"), 276);
    assert_eq!(stat(&ctx, None, b"/d", Follow::Yes).unwrap().size, 512);

    // abcdefgh's 4 spare bytes and 039's 8 make 12: 021..039 move down for n40.
    write_file(&ctx, b"/d/n40", b"");
    assert_eq!(offset_of(&ctx, b"/d", "039"), 488);
    assert_eq!(offset_of(&ctx, b"/d", "n40"), 500);
    // No room: a new block. Its first entry removed leaves an unused record, which the
    // next name that fits takes.
    write_file(&ctx, b"/d/n41", b"");
    write_file(&ctx, b"/d/n42", b"");
    assert_eq!(offset_of(&ctx, b"/d", "n41"), 512);
    unlink(&ctx, None, b"/d/n41").unwrap();
    assert!(records(&ctx, b"/d").contains(&(512, 12, "".into())));
    write_file(&ctx, b"/d/x", b"");
    assert_eq!(offset_of(&ctx, b"/d", "x"), 512);

    // An emptied last block stays until the next name is entered elsewhere.
    unlink(&ctx, None, b"/d/x").unwrap();
    unlink(&ctx, None, b"/d/n42").unwrap();
    assert_eq!(stat(&ctx, None, b"/d", Follow::Yes).unwrap().size, 1024);
    unlink(&ctx, None, b"/d/005").unwrap();
    write_file(&ctx, b"/d/y", b"");
    assert_eq!(offset_of(&ctx, b"/d", "y"), 84);
    assert_eq!(stat(&ctx, None, b"/d", Follow::Yes).unwrap().size, 512);
}

#[test]
fn rename_enters_the_new_name_before_the_old_goes() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    fill(&ctx, "/d", 0..3);
    // 000's own room is taken while it is still there: the new name lands after 002.
    rename(&ctx, None, b"/d/000", None, b"/d/new").unwrap();
    assert_eq!(names_in_order(&ctx, b"/d"), ["001", "002", "new"]);
    // Over an existing name, the record stays where it was (ufs_dirrewrite).
    let moved = lookup(&ctx, None, b"/d/new", Follow::Yes).unwrap();
    rename(&ctx, None, b"/d/new", None, b"/d/001").unwrap();
    assert_eq!(names_in_order(&ctx, b"/d"), ["001", "002"]);
    let now = lookup(&ctx, None, b"/d/001", Follow::Yes).unwrap();
    assert!(Arc::ptr_eq(&moved, &now));
}

#[test]
fn a_large_directory_finds_room_by_4x_dirhash() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    // 40 + 4 * 42 names fill five blocks (each 8 bytes short): the dirhash's size.
    fill(&ctx, "/d", 0..208);
    assert_eq!(stat(&ctx, None, b"/d", Follow::Yes).unwrap().size, 2560);
    write_file(&ctx, b"/d/208", b"");
    assert_eq!(offset_of(&ctx, b"/d", "208"), 2560);
    // Block 0 gets 32 bytes free, block 1 20: the dirhash takes the smaller that fits
    // (a linear search would take block 0's).
    unlink(&ctx, None, b"/d/010").unwrap();
    unlink(&ctx, None, b"/d/011").unwrap();
    unlink(&ctx, None, b"/d/050").unwrap();
    write_file(&ctx, b"/d/zz", b"");
    assert_eq!(offset_of(&ctx, b"/d", "zz"), 632);
}

#[test]
fn permissions_for_a_user() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/private", 0o700).unwrap();
    write_file(&ctx, b"/private/f", b"secret");
    write_file(&ctx, b"/readable", b"r");
    let mut user = ctx.clone();
    user.creds = Credentials {
        uid: 1000,
        euid: 1000,
        gid: 1000,
        egid: 1000,
        groups: Vec::new(),
        svuid: 1000,
        svgid: 1000,
        tainted: false,
        jailed: false,
    };
    let ro = OpenFlags {
        read: true,
        ..OpenFlags::default()
    };
    assert_eq!(
        open(&user, None, b"/private/f", ro, 0).err(),
        Some(Error::AccessDenied)
    );
    assert!(open(&user, None, b"/readable", ro, 0).is_ok());
    let wr = OpenFlags {
        write: true,
        ..OpenFlags::default()
    };
    assert_eq!(
        open(&user, None, b"/readable", wr, 0).err(),
        Some(Error::AccessDenied)
    );
    assert_eq!(
        mkdir(&user, None, b"/mine", 0o755),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        access(&user, None, b"/readable", Access::WRITE, Follow::Yes),
        Err(Error::AccessDenied)
    );
    assert!(access(&user, None, b"/readable", Access::READ, Follow::Yes).is_ok());
    let node = lookup(&ctx, None, b"/readable", Follow::Yes).unwrap();
    assert_eq!(chmod(&user, &node, 0o777), Err(Error::NotPermitted));
    chown(&ctx, &node, Some(1000), None).unwrap();
    chmod(&user, &node, 0o600).unwrap();
    assert!(open(&user, None, b"/readable", wr, 0).is_ok());
    // Root reads anything, but executes only what has an execute bit.
    assert!(open(&ctx, None, b"/private/f", ro, 0).is_ok());
    assert_eq!(
        access(&ctx, None, b"/private/f", Access::EXECUTE, Follow::Yes),
        Err(Error::AccessDenied)
    );
}

#[test]
fn timestamps_move() {
    let ctx = fresh();
    write_file(&ctx, b"/f", b"1");
    let before = stat(&ctx, None, b"/f", Follow::Yes).unwrap();
    write_file(&ctx, b"/f", b"2");
    let after = stat(&ctx, None, b"/f", Follow::Yes).unwrap();
    assert!(after.mtime > before.mtime);
    let node = lookup(&ctx, None, b"/f", Follow::Yes).unwrap();
    chmod(&ctx, &node, 0o600).unwrap();
    let changed = stat(&ctx, None, b"/f", Follow::Yes).unwrap();
    assert!(changed.ctime > after.ctime && changed.mtime == after.mtime);
}

#[test]
fn linked_nodes_are_found_by_number() {
    let ctx = fresh();
    mkdir(&ctx, None, b"/d", 0o755).unwrap();
    write_file(&ctx, b"/d/f", b"x");
    let st = stat(&ctx, None, b"/d/f", Follow::Yes).unwrap();
    let found = linked_node_by_number(&ctx.root, st.inode).expect("a linked node is found");
    assert_eq!(found.stat().inode, st.inode);
    let dir = stat(&ctx, None, b"/d", Follow::Yes).unwrap();
    assert!(linked_node_by_number(&ctx.root, dir.inode).is_some());
    // Unlinked, it is found no more, though it is still held.
    unlink(&ctx, None, b"/d/f").unwrap();
    assert!(linked_node_by_number(&ctx.root, st.inode).is_none());
    drop(found);
}

#[test]
fn file_flags_hold_for_every_caller() {
    use file_flags::*;
    let ctx = fresh();
    write_file(&ctx, b"/f", b"data");
    let node = lookup(&ctx, None, b"/f", Follow::Yes).unwrap();
    set_flags(&ctx, &node, SF_IMMUTABLE).unwrap();
    assert_eq!(node.stat().flags, SF_IMMUTABLE);
    assert_eq!(unlink(&ctx, None, b"/f"), Err(Error::NotPermitted));
    let write = OpenFlags {
        write: true,
        ..OpenFlags::default()
    };
    assert_eq!(
        open(&ctx, None, b"/f", write, 0).err(),
        Some(Error::NotPermitted)
    );
    assert_eq!(chmod(&ctx, &node, 0o600), Err(Error::NotPermitted));
    // A user owning the file may not clear a system flag, nor set one.
    let mut user = ctx.clone();
    user.creds = Credentials {
        uid: 1000,
        euid: 1000,
        gid: 1000,
        egid: 1000,
        svuid: 1000,
        svgid: 1000,
        ..Credentials::default()
    };
    chown(&ctx, &node, Some(1000), None).unwrap_err();
    set_flags(&ctx, &node, 0).unwrap();
    chown(&ctx, &node, Some(1000), None).unwrap();
    set_flags(&ctx, &node, SF_NOUNLINK).unwrap();
    assert_eq!(set_flags(&user, &node, UF_NODUMP), Err(Error::NotPermitted));
    set_flags(&ctx, &node, 0).unwrap();
    assert_eq!(
        set_flags(&user, &node, SF_ARCHIVED),
        Err(Error::NotPermitted)
    );
    set_flags(&user, &node, UF_APPEND).unwrap();
    let append = OpenFlags {
        write: true,
        append: true,
        ..OpenFlags::default()
    };
    let f = open(&ctx, None, b"/f", append, 0).unwrap();
    f.write(b"+").unwrap();
    assert_eq!(read_file(&ctx, b"/f"), b"data+");
    assert_eq!(node.write_at(0, b"x"), Err(Error::NotPermitted));
}
