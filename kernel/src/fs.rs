//! The root file system as the boot needs it: the initrd's files, found by path and read.
//! (The VFS with tmpfs, devices and writes is the next step; this keeps the same paths.)

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use nymph_cpio::Reader;
use spin::Mutex;

/// Contents of a regular file.
#[derive(Clone, Debug)]
pub enum Contents {
    /// Bytes inside the initrd, which stays in memory for the kernel's life.
    Boot(&'static [u8]),
    /// Bytes on the heap (files created after boot, tests).
    Heap(Arc<Vec<u8>>),
}

impl Contents {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Contents::Boot(b) => b,
            Contents::Heap(v) => v,
        }
    }
}

/// What a path names.
#[derive(Clone, Debug)]
pub enum Node {
    File {
        mode: u32,
        uid: u32,
        gid: u32,
        contents: Contents,
    },
    Directory {
        mode: u32,
    },
    Symlink {
        target: String,
    },
}

/// Why a lookup failed (ABI-neutral; personalities map these to their errno).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    NotADirectory,
    IsADirectory,
    TooManyLinks,
    NameTooLong,
    InvalidArchive,
}

static TREE: Mutex<BTreeMap<String, Node>> = Mutex::new(BTreeMap::new());

const MAX_SYMLINKS: usize = 8;
pub const MAX_PATH: usize = 1024;

fn normalize(path: &str) -> Result<String, FsError> {
    if path.len() > MAX_PATH {
        return Err(FsError::NameTooLong);
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// Fills the tree from an initrd archive; returns the number of entries.
pub fn load_initrd(archive: &'static [u8]) -> Result<usize, FsError> {
    let mut tree = TREE.lock();
    tree.insert(String::new(), Node::Directory { mode: 0o755 });
    let mut count = 0;
    for entry in Reader::new(archive) {
        let entry = entry.map_err(|_| FsError::InvalidArchive)?;
        let name = normalize(entry.name)?;
        let node = if entry.is_dir() {
            Node::Directory {
                mode: entry.mode & 0o7777,
            }
        } else if entry.is_symlink() {
            Node::Symlink {
                target: String::from_utf8_lossy(entry.data).into_owned(),
            }
        } else {
            Node::File {
                mode: entry.mode & 0o7777,
                uid: entry.uid,
                gid: entry.gid,
                contents: Contents::Boot(entry.data),
            }
        };
        // Parent directories an archive leaves implicit.
        let mut prefix = String::new();
        for part in name
            .split('/')
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .skip(1)
            .rev()
        {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            tree.entry(prefix.clone())
                .or_insert(Node::Directory { mode: 0o755 });
        }
        tree.insert(name, node);
        count += 1;
    }
    Ok(count)
}

/// Adds (or replaces) a regular file.
pub fn add_file(path: &str, mode: u32, bytes: Vec<u8>) -> Result<(), FsError> {
    let name = normalize(path)?;
    TREE.lock().insert(
        name,
        Node::File {
            mode,
            uid: 0,
            gid: 0,
            contents: Contents::Heap(Arc::new(bytes)),
        },
    );
    Ok(())
}

/// Looks `path` up (absolute, or relative to the root), following symlinks.
pub fn lookup(path: &str) -> Result<Node, FsError> {
    let mut name = normalize(path)?;
    for _ in 0..=MAX_SYMLINKS {
        let tree = TREE.lock();
        match tree.get(&name) {
            Some(Node::Symlink { target }) => {
                let base = if target.starts_with('/') {
                    String::new()
                } else {
                    name.rsplit_once('/')
                        .map(|(d, _)| String::from(d))
                        .unwrap_or_default()
                };
                name = normalize(&alloc::format!("{base}/{target}"))?;
            }
            Some(node) => return Ok(node.clone()),
            None => {
                // A missing path whose prefix is a file is ENOTDIR, not ENOENT.
                let mut prefix = name.as_str();
                while let Some((parent, _)) = prefix.rsplit_once('/') {
                    if let Some(Node::File { .. }) = tree.get(parent) {
                        return Err(FsError::NotADirectory);
                    }
                    prefix = parent;
                }
                return Err(FsError::NotFound);
            }
        }
    }
    Err(FsError::TooManyLinks)
}

/// The contents of the regular file at `path`.
pub fn read_file(path: &str) -> Result<Contents, FsError> {
    match lookup(path)? {
        Node::File { contents, .. } => Ok(contents),
        Node::Directory { .. } => Err(FsError::IsADirectory),
        Node::Symlink { .. } => Err(FsError::TooManyLinks),
    }
}
