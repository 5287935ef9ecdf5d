//! Building the initrd: directory trees on the host become one cpio newc archive the
//! kernel unpacks at boot. Later trees are laid over earlier ones (a file in a later
//! tree replaces the same path in an earlier one), which is how `cargo xtask exec
//! --root DIR` adds a user's programs to the default image.
//!
//! The archive is deterministic: entries sorted by path, so the same trees always give
//! the same bytes. A member added by path is root's with no time (the kernel gives it
//! the boot's); one taken from a host tree keeps what `ls -l` shows of it there: its
//! modification time, its hard links (one file under each of its names in the tree),
//! and its owner, except that the owner of the tree's top directory (whoever unpacked
//! it, usually) stands for root (uid and gid 0).
//!
//! Also here: the default `/etc` every guest starts with ([`etc`]), made of 4.x's
//! password databases ([`passwd`]) in the Berkeley DB 1.85 hash format (`nymph_dbhash`).
#![forbid(unsafe_code)]

pub mod etc;
pub mod passwd;

use nymph_cpio::{Meta, S_IFDIR, S_IFLNK, S_IFREG, Writer};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One member of the image, by its path inside the guest (no leading slash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    Directory { mode: u32 },
    File { mode: u32, data: Vec<u8> },
    Symlink { target: String },
}

/// What a member taken from a host tree keeps of its host file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct HostAttrs {
    uid: u32,
    gid: u32,
    /// Seconds since 1970; 0 for none (a time before 1970 or past 2106).
    mtime: u32,
    /// The host file (device, inode) of a file with more than one name.
    link: Option<(u64, u64)>,
}

/// A guest root file system being assembled.
#[derive(Clone, Debug, Default)]
pub struct Image {
    members: BTreeMap<String, Member>,
    /// Attributes of the members taken from host trees (see the module's comment).
    host: BTreeMap<String, HostAttrs>,
}

fn guest_path(path: &str) -> String {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

impl Image {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file (and its parent directories), replacing what was at that path.
    pub fn add_file(&mut self, path: &str, mode: u32, data: Vec<u8>) {
        let path = guest_path(path);
        self.add_parents(&path);
        self.host.remove(&path);
        self.members.insert(
            path,
            Member::File {
                mode: mode & 0o7777,
                data,
            },
        );
    }

    /// Adds a directory (and its parents) with `mode`, keeping what is under it.
    pub fn add_dir(&mut self, path: &str, mode: u32) {
        let path = guest_path(path);
        self.add_parents(&path);
        self.host.remove(&path);
        self.members.insert(
            path,
            Member::Directory {
                mode: mode & 0o7777,
            },
        );
    }

    fn add_parents(&mut self, path: &str) {
        let mut prefix = String::new();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            self.members
                .entry(prefix.clone())
                .or_insert(Member::Directory { mode: 0o755 });
        }
    }

    /// Adds a symbolic link (and its parent directories) to `target`.
    pub fn add_symlink(&mut self, path: &str, target: &str) {
        let path = guest_path(path);
        self.add_parents(&path);
        self.host.remove(&path);
        self.members.insert(
            path,
            Member::Symlink {
                target: target.to_string(),
            },
        );
    }

    /// Lays the tree under `root` over the image.
    pub fn add_tree(&mut self, root: &Path) -> io::Result<()> {
        self.add_tree_at(root, "/")
    }

    /// Lays the tree under `root` over the image at the guest directory `at` (made
    /// with the tree's top directory's mode and time when it is not "/").
    pub fn add_tree_at(&mut self, root: &Path, at: &str) -> io::Result<()> {
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a directory", root.display()),
            ));
        }
        let top = fs::metadata(root)?;
        let at = guest_path(at);
        if !at.is_empty() {
            self.add_dir(&at, top.permissions().mode());
            let mtime = u32::try_from(top.mtime()).unwrap_or(0);
            let attrs = HostAttrs {
                uid: 0,
                gid: 0,
                mtime,
                link: None,
            };
            self.host.insert(at.clone(), attrs);
        }
        let mut stack = vec![PathBuf::new()];
        while let Some(relative) = stack.pop() {
            let dir = root.join(&relative);
            let mut entries: Vec<_> = fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let rel = relative.join(entry.file_name());
                let name = Path::new(&at).join(&rel).to_string_lossy().into_owned();
                let meta = fs::symlink_metadata(entry.path())?;
                let mode = meta.permissions().mode() & 0o7777;
                if meta.file_type().is_symlink() {
                    let target = fs::read_link(entry.path())?.to_string_lossy().into_owned();
                    self.add_symlink(&name, &target);
                } else if meta.is_dir() {
                    self.add_parents(&name);
                    self.members
                        .insert(name.clone(), Member::Directory { mode });
                    stack.push(rel);
                } else if meta.is_file() {
                    self.add_file(&name, mode, fs::read(entry.path())?);
                } else {
                    // Devices, FIFOs and sockets: the guest makes its own /dev.
                    continue;
                }
                let attrs = HostAttrs {
                    uid: if meta.uid() == top.uid() {
                        0
                    } else {
                        meta.uid()
                    },
                    gid: if meta.gid() == top.gid() {
                        0
                    } else {
                        meta.gid()
                    },
                    mtime: u32::try_from(meta.mtime()).unwrap_or(0),
                    link: (meta.is_file() && meta.nlink() > 1).then(|| (meta.dev(), meta.ino())),
                };
                self.host.insert(guest_path(&name), attrs);
            }
        }
        Ok(())
    }

    /// Takes `path` and everything under it out of the image.
    pub fn remove_tree(&mut self, path: &str) {
        let path = guest_path(path);
        let below = format!("{path}/");
        self.members
            .retain(|p, _| *p != path && !p.starts_with(&below));
        self.host
            .retain(|p, _| *p != path && !p.starts_with(&below));
    }

    /// The member at `path`, if any.
    pub fn get(&self, path: &str) -> Option<&Member> {
        self.members.get(&guest_path(path))
    }

    /// The archive.
    pub fn to_cpio(&self) -> Vec<u8> {
        // The names of each host file with more than one of them in the image.
        let mut names_of: BTreeMap<(u64, u64), Vec<&str>> = BTreeMap::new();
        for (path, attrs) in &self.host {
            if let Some(link) = attrs.link {
                names_of.entry(link).or_default().push(path);
            }
        }
        let mut linked_done = BTreeSet::new();
        let mut w = Writer::new();
        for (path, member) in &self.members {
            let attrs = self.host.get(path);
            let (kind, mode, data) = match member {
                Member::Directory { mode } => (S_IFDIR, *mode, &b""[..]),
                Member::File { mode, data } => (S_IFREG, *mode, &data[..]),
                Member::Symlink { target } => (S_IFLNK, 0o777, target.as_bytes()),
            };
            let meta = Meta {
                mode: kind | mode,
                uid: attrs.map_or(0, |a| a.uid),
                gid: attrs.map_or(0, |a| a.gid),
                mtime: attrs.map_or(0, |a| a.mtime),
            };
            match attrs.and_then(|a| a.link).map(|l| (l, &names_of[&l])) {
                Some((link, names)) if names.len() > 1 => {
                    if linked_done.insert(link) {
                        w.add_hard_links(names, &meta, data);
                    }
                }
                _ => w.add_member(path, &meta, data),
            }
        }
        w.finish()
    }
}

/// The contents of an init arguments file (`nymph.initargs=`): argv then envp, each
/// string NUL-terminated, the lists separated by an empty string.
pub fn init_args(argv: &[String], envp: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in argv {
        out.extend_from_slice(a.as_bytes());
        out.push(0);
    }
    out.push(0);
    for e in envp {
        out.extend_from_slice(e.as_bytes());
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nymph_cpio::Reader;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nymph-images-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn later_trees_replace_earlier_files() {
        let a = scratch("a");
        let b = scratch("b");
        fs::create_dir_all(a.join("bin")).unwrap();
        fs::write(a.join("bin/tool"), b"old").unwrap();
        fs::write(a.join("keep"), b"kept").unwrap();
        fs::create_dir_all(b.join("bin")).unwrap();
        fs::write(b.join("bin/tool"), b"new").unwrap();
        std::os::unix::fs::symlink("tool", b.join("bin/alias")).unwrap();
        let mut image = Image::new();
        image.add_tree(&a).unwrap();
        image.add_tree(&b).unwrap();
        image.add_file(
            "/etc/exec.args",
            0o644,
            init_args(&["/bin/tool".into()], &["A=1".into()]),
        );
        let archive = image.to_cpio();
        let entries: Vec<_> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
                "bin",
                "bin/alias",
                "bin/tool",
                "etc",
                "etc/exec.args",
                "keep"
            ]
        );
        assert_eq!(entries[2].data, b"new");
        assert!(entries[1].is_symlink());
        assert_eq!(entries[4].data, b"/bin/tool\0\0A=1\0");
        // Deterministic.
        assert_eq!(archive, image.to_cpio());
        fs::remove_dir_all(&a).unwrap();
        fs::remove_dir_all(&b).unwrap();
    }

    #[test]
    fn directories_keep_their_mode_and_parents() {
        let mut image = Image::new();
        image.add_dir("/var/tmp", 0o1777);
        assert_eq!(image.get("var"), Some(&Member::Directory { mode: 0o755 }));
        assert_eq!(
            image.get("/var/tmp/"),
            Some(&Member::Directory { mode: 0o1777 })
        );
        let archive = image.to_cpio();
        let entries: Vec<_> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        assert_eq!(entries[1].name, "var/tmp");
        assert_eq!(entries[1].mode & 0o7777, 0o1777);
    }

    #[test]
    fn a_missing_root_is_an_error() {
        let mut image = Image::new();
        assert!(
            image
                .add_tree(Path::new("/nonexistent/nymph/root"))
                .is_err()
        );
    }

    #[test]
    fn a_tree_keeps_hard_links_times_and_other_owners() {
        let t = scratch("links");
        fs::create_dir_all(t.join("bin")).unwrap();
        fs::write(t.join("bin/test"), b"test body").unwrap();
        fs::hard_link(t.join("bin/test"), t.join("bin/[")).unwrap();
        fs::write(t.join("bin/echo"), b"echo").unwrap();
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_050_000_000);
        for name in ["bin/test", "bin/echo"] {
            let f = fs::File::options().write(true).open(t.join(name)).unwrap();
            f.set_modified(when).unwrap();
        }
        let mut image = Image::new();
        image.add_tree(&t).unwrap();
        let archive = image.to_cpio();
        let entries: Vec<_> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        let by_name = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
        let (bracket, test, echo) = (by_name("bin/["), by_name("bin/test"), by_name("bin/echo"));
        // One file under two names: one inode, two links, the data once (last name).
        assert_eq!((bracket.ino, bracket.nlink), (test.ino, 2));
        assert_eq!(bracket.data.len() + test.data.len(), b"test body".len());
        assert_eq!(
            (echo.nlink, echo.data, echo.mtime),
            (1, &b"echo"[..], 1_050_000_000)
        );
        assert_eq!(test.mtime, 1_050_000_000);
        // The tree's own owner (whoever made this scratch tree) stands for root.
        assert_eq!((echo.uid, echo.gid), (0, 0));
        // A file replaced by path loses the tree's attributes and its link.
        image.add_file("/bin/[", 0o755, b"own".to_vec());
        let archive = image.to_cpio();
        let entries: Vec<_> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        let bracket = entries.iter().find(|e| e.name == "bin/[").unwrap();
        let test = entries.iter().find(|e| e.name == "bin/test").unwrap();
        assert_eq!(
            (bracket.nlink, bracket.mtime, bracket.data),
            (1, 0, &b"own"[..])
        );
        assert_eq!((test.nlink, test.data), (1, &b"test body"[..]));
        fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn a_tree_can_be_laid_at_a_directory() {
        let t = scratch("at");
        fs::create_dir_all(t.join("bin")).unwrap();
        fs::write(t.join("bin/ls"), b"4.x ls").unwrap();
        let mut image = Image::new();
        image.add_tree_at(&t, "/compat/freebsd4/").unwrap();
        assert!(matches!(
            image.get("/compat"),
            Some(Member::Directory { .. })
        ));
        assert!(matches!(
            image.get("/compat/freebsd4"),
            Some(Member::Directory { .. })
        ));
        assert!(matches!(
            image.get("/compat/freebsd4/bin/ls"),
            Some(Member::File { data, .. }) if data == b"4.x ls"
        ));
        assert_eq!(image.get("/bin/ls"), None);
        image.remove_tree("/compat/freebsd4/bin");
        assert_eq!(image.get("/compat/freebsd4/bin/ls"), None);
        assert_eq!(image.get("/compat/freebsd4/bin"), None);
        assert!(image.get("/compat/freebsd4").is_some());
        fs::remove_dir_all(&t).unwrap();
    }
}
