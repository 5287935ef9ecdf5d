//! The shape of a sysctl MIB as abi-gen emits it from a spec's `sysctls` (written by
//! hand; the trees themselves are generated, e.g. `freebsd4_i386::SYSCTL_ROOT`). A
//! node carries what the ABI reports about it (number, name, kind, format) and how it
//! is served; what a leaf's value is at run time is the personality's business.

/// One node of a MIB, as a BSD kernel's `struct sysctl_oid`: its number among its
/// siblings, its name, its kind (the ABI's type and flag bits) and its format.
#[derive(Debug)]
pub struct SysctlNode {
    pub number: i32,
    pub name: &'static str,
    pub kind: u32,
    pub fmt: &'static str,
    pub serve: SysctlServe,
    /// The value the spec gives the node, where it is fixed (a writable node's: the
    /// one it starts with).
    pub value: Option<SysctlConst>,
}

/// A value the spec writes down for a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysctlConst {
    Int(i64),
    Str(&'static str),
}

/// What answers for a node.
#[derive(Debug, Clone, Copy)]
pub enum SysctlServe {
    /// An inner node without a handler: its children (in increasing number), which a
    /// lookup or a walk goes on into.
    Children(&'static [SysctlNode]),
    /// A leaf: the personality's value for the node's OID.
    Value,
    /// A node or leaf with a handler, which takes the rest of the name for a node.
    Handler(SysctlHandler),
}

/// The handlers a spec may name (`"handler"`, spelled in snake case there; abi-gen's
/// `SYSCTL_HANDLERS` lists the same names). A new one is a variant here, its name
/// there, and the personality's match arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysctlHandler {
    /// sysctl.debug: dumps the tree.
    Debug,
    /// kern.devname: a character device's name by its number.
    Devname,
    /// sysctl.name: the dotted name of an OID.
    Name,
    /// sysctl.next: the OID after one, in tree order.
    Next,
    /// sysctl.name2oid: the OID of a dotted name.
    Name2oid,
    /// sysctl.oidfmt: a node's kind and format.
    Oidfmt,
    /// kern.proc.args: a process's arguments.
    ProcArgs,
    /// kern.proc.all, pid, pgrp, tty, uid, ruid: the process table.
    ProcTable,
    /// vfs.generic: the file system types (FreeBSD's vfs_sysctl).
    VfsGeneric,
    /// net.route: the routing socket's tables (BSD's sysctl_rtsock).
    Route,
    /// net.inet.tcp.pcblist, net.inet.udp.pcblist: the protocol's sockets.
    InetPcblist,
    /// net.local.stream.pcblist, net.local.dgram.pcblist: the Unix-domain sockets.
    LocalPcblist,
    /// kern.file: the system's open files.
    FileTable,
    /// kern.ttys: the system's terminals.
    TtyTable,
}

impl SysctlNode {
    /// The children a lookup or a walk goes on into: those of an inner node without a
    /// handler.
    #[must_use]
    pub fn children(&self) -> Option<&'static [SysctlNode]> {
        match self.serve {
            SysctlServe::Children(c) => Some(c),
            _ => None,
        }
    }

    /// The handler that serves the node, if any.
    #[must_use]
    pub fn handler(&self) -> Option<SysctlHandler> {
        match self.serve {
            SysctlServe::Handler(h) => Some(h),
            _ => None,
        }
    }
}
