//! Pseudo-terminals, as 4.x's pty driver has them: pairs of a master (/dev/ptypN,
//! major 6) and a slave terminal (/dev/ttypN, major 5), N one hex digit. What the
//! master writes is the slave's input, through its line discipline (editing, echo,
//! signal characters); what the slave's side writes (and echoes) the master reads.
//!
//! A master is opened by one file at a time (EIO for a second, as ptcopen). The
//! slave's first open gives it default modes (those of the ABI of the process that
//! opened the master); opening it waits for a master, or with O_NONBLOCK finds the
//! line down until one opens (ptsopen). When the master closes, the line hangs up:
//! the slave's session leader gets SIGHUP, its readers end of file, its writers EIO.
//! When the slave's last open closes, the terminal has no session left and the
//! master reads end of file (ttyclose clears the line's state).
//!
//! In packet mode (TIOCPKT, which telnetd and rlogind use) each read of the master
//! starts with a control byte: 0 before data, or alone the [`packet`] bits of what
//! happened to the slave's queues and flow control since the last read. User-control
//! mode (TIOCUCNTL) starts reads the same way, the byte alone being a command the
//! slave's side sent with a `UIOCCMD(n)` request. In remote mode (TIOCREMOTE) what
//! the master writes skips the line discipline: each write is one record, which a
//! slave's read gets whole (or in parts, for a short buffer) and which must be read
//! before the master can write another.

use super::Terminal;
use crate::file::{FileError, FileKind, FileOps, Readiness};
use crate::sched::WaitQueue;
use crate::sync::Mutex;
use crate::vfs::node::Device;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Pseudo-terminals there are (4.x's MAKEDEV pty0: ptyp0..ptypf).
pub const COUNT: usize = 16;
/// The majors of 4.x's pty driver: the slaves' (pts) and the masters' (ptc).
const SLAVE_MAJOR: u64 = 5;
const MASTER_MAJOR: u64 = 6;
/// Output the master has not read is kept up to this much: a slave writer waits for
/// room (4.x's ttwrite, above the output queue's high-water mark); echo beyond it is
/// dropped.
const OUTPUT_LIMIT: usize = 16 * 1024;
/// A remote-mode record holds at most this much, its terminating 0 byte included
/// (4.x's TTYHOG, the canonical queue's bound).
const RECORD_LIMIT: usize = 1024;

/// Packet mode's control bits (BSD's TIOCPKT_*; the byte a master reads carries them
/// as they are).
pub mod packet {
    /// Data follows.
    pub const DATA: u8 = 0x00;
    /// The slave's input was flushed.
    pub const FLUSHREAD: u8 = 0x01;
    /// The slave's output was flushed.
    pub const FLUSHWRITE: u8 = 0x02;
    /// Output was stopped (^S).
    pub const STOP: u8 = 0x04;
    /// Output was started again (^Q).
    pub const START: u8 = 0x08;
    /// ^S/^Q are no longer the flow control characters (IXON off, or others).
    pub const NOSTOP: u8 = 0x10;
    /// ^S/^Q are the flow control characters again.
    pub const DOSTOP: u8 = 0x20;
    /// The modes changed under external processing: the control byte is followed by
    /// the terminal's modes, as the reader's ABI lays them out.
    pub const IOCTL: u8 = 0x40;
}

/// The terminal's modes as bytes of the packet-mode reader's ABI (its struct termios),
/// for a TIOCPKT_IOCTL packet.
pub type ModesLayout = fn(&super::Termios) -> alloc::vec::Vec<u8>;

#[derive(Debug)]
struct MasterState {
    /// A master file is open.
    open: bool,
    /// The line is up: the master opened it and the slave has not closed since
    /// (BSD's TS_CONNECTED); once it is down the master reads end of file.
    connected: bool,
    /// Open slave files (of the current generation).
    slaves: usize,
    /// Counts revocations of the slave: files opened before one no longer count as
    /// open (4.x's ptsclose ran for them at the revocation).
    slave_generation: u64,
    /// What the slave side wrote, for the master to read.
    output: VecDeque<u8>,
    /// Packet mode is on (BSD's PF_PKT).
    packet: bool,
    /// Control bits the master has not read (BSD's pt_send).
    send: u8,
    /// A STOP was announced and no START or flush since (PF_STOPPED).
    stop_announced: bool,
    /// NOSTOP was announced last, not DOSTOP (PF_NOSTOP).
    no_stop: bool,
    /// User-control mode is on (PF_UCNTL).
    user_control: bool,
    /// The user-control command the master has not read (pt_ucntl; 0 for none).
    command: u8,
    /// Remote mode is on (PF_REMOTE).
    remote: bool,
    /// In remote mode, the record the master wrote and the slave has not read,
    /// ending in a 0 byte (4.x keeps it in the canonical queue).
    record: VecDeque<u8>,
    /// How the personality that turned packet mode on lays out the modes that
    /// follow a TIOCPKT_IOCTL byte (none: the byte comes alone).
    modes_layout: Option<ModesLayout>,
    /// The modes the slave starts with at its next first open: those of the ABI of
    /// the process that opened the master last.
    first_modes: super::Termios,
}

#[derive(Debug)]
struct Pty {
    state: Mutex<MasterState>,
    /// The master's readers wait here for output or the line going down; slave
    /// openers for a master.
    readable: WaitQueue,
    /// Slave writers wait here for the master to read (or to go).
    drained: WaitQueue,
}

impl Pty {
    const fn new() -> Pty {
        Pty {
            state: Mutex::new(MasterState {
                open: false,
                connected: false,
                slaves: 0,
                slave_generation: 0,
                output: VecDeque::new(),
                packet: false,
                send: 0,
                stop_announced: false,
                no_stop: false,
                user_control: false,
                command: 0,
                remote: false,
                record: VecDeque::new(),
                modes_layout: None,
                first_modes: super::Line::Pseudo.default_modes(),
            }),
            readable: WaitQueue::new(),
            drained: WaitQueue::new(),
        }
    }
}

static PTYS: [Pty; COUNT] = [const { Pty::new() }; COUNT];

/// The pairs opened at least once, in the order of their first opens (4.x's ptyinit
/// registers a pair's terminal then, and it stays registered).
static REGISTERED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn register(index: usize) {
    let mut registered = REGISTERED.lock();
    if !registered.contains(&index) {
        registered.push(index);
    }
}

/// The pairs set up so far (see [`REGISTERED`]), the first opened first.
pub(super) fn registered() -> Vec<usize> {
    REGISTERED.lock().clone()
}

static SLAVES: [Terminal; COUNT] = [
    Terminal::pty_slave(0),
    Terminal::pty_slave(1),
    Terminal::pty_slave(2),
    Terminal::pty_slave(3),
    Terminal::pty_slave(4),
    Terminal::pty_slave(5),
    Terminal::pty_slave(6),
    Terminal::pty_slave(7),
    Terminal::pty_slave(8),
    Terminal::pty_slave(9),
    Terminal::pty_slave(10),
    Terminal::pty_slave(11),
    Terminal::pty_slave(12),
    Terminal::pty_slave(13),
    Terminal::pty_slave(14),
    Terminal::pty_slave(15),
];

/// The slaves' terminals.
pub(super) fn slaves() -> impl Iterator<Item = &'static Terminal> {
    SLAVES.iter()
}

/// The device number of slave `index`.
pub(super) fn slave_number(index: usize) -> u64 {
    SLAVE_MAJOR << 8 | index as u64
}

/// Output of slave `index`'s terminal, for its master.
pub(super) fn output(index: usize, bytes: &[u8]) {
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        let room = OUTPUT_LIMIT.saturating_sub(s.output.len());
        s.output.extend(&bytes[..bytes.len().min(room)]);
    }
    pty.readable.wake_all();
}

/// The slave's queues were flushed (4.x's ptsstop with FREAD/FWRITE): output drops
/// what the master has not read (its outq), making room for writers; packet mode
/// hears of both.
pub(super) fn flushed(index: usize, input: bool, output: bool) {
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        if output {
            s.output.clear();
        }
        s.stop_announced = false;
        if input {
            s.send |= packet::FLUSHREAD;
            s.record.clear();
        }
        if output {
            s.send |= packet::FLUSHWRITE;
        }
    }
    pty.drained.wake_all();
    pty.readable.wake_all();
}

/// The slave's output stopped (ptsstop with 0): packet mode hears STOP.
pub(super) fn output_stopped(index: usize) {
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        s.send |= packet::STOP;
        s.stop_announced = true;
    }
    pty.readable.wake_all();
}

/// The slave's output started again (ptsstart): the master may read what it held
/// back, and after an announced stop packet mode hears START (in place of any bits
/// not read yet, as 4.x).
pub(super) fn output_restarted(index: usize) {
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        if s.stop_announced {
            s.stop_announced = false;
            s.send = packet::START;
        }
    }
    pty.readable.wake_all();
}

/// After a control request on either side (ptyioctl's end): whether ^S/^Q flow
/// control is on, announced when it changes (DOSTOP, NOSTOP).
pub(super) fn check_flow_mode(index: usize, modes: &super::Termios) {
    use super::{Cc, InputFlags};
    let flow = modes.input.contains(InputFlags::IXON)
        && modes.cc(Cc::Stop) == 0x13
        && modes.cc(Cc::Start) == 0x11;
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        if s.no_stop != flow {
            return;
        }
        s.no_stop = !flow;
        let (add, remove) = if flow {
            (packet::DOSTOP, packet::NOSTOP)
        } else {
            (packet::NOSTOP, packet::DOSTOP)
        };
        s.send = (s.send & !remove) | add;
    }
    pty.readable.wake_all();
}

/// Turns packet mode on or off for the master of `index` (TIOCPKT): not on in
/// user-control mode (`InvalidArgument`). `layout` lays out the modes a
/// TIOCPKT_IOCTL packet carries, for the caller's ABI.
pub fn set_packet(index: usize, on: bool, layout: ModesLayout) -> Result<(), FileError> {
    let mut s = PTYS[index].state.lock();
    if on && s.user_control {
        return Err(FileError::InvalidArgument);
    }
    s.packet = on;
    if on {
        s.modes_layout = Some(layout);
    }
    Ok(())
}

/// The slave's modes changed under external processing, or it came on or off: a
/// master in packet mode hears TIOCPKT_IOCTL.
pub(super) fn announce_modes(index: usize) {
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        if !s.packet {
            return;
        }
        s.send |= packet::IOCTL;
    }
    pty.readable.wake_all();
}

/// Turns user-control mode on or off for the master of `index` (TIOCUCNTL): not on
/// in packet mode (`InvalidArgument`).
pub fn set_user_control(index: usize, on: bool) -> Result<(), FileError> {
    let mut s = PTYS[index].state.lock();
    if on && s.packet {
        return Err(FileError::InvalidArgument);
    }
    s.user_control = on;
    Ok(())
}

/// In user-control mode, `command` (a `UIOCCMD(n)` request's n; 0 is none) for the
/// master to read. False when the mode is off (the request is then unknown).
pub fn user_command(index: usize, command: u8) -> bool {
    let pty = &PTYS[index];
    {
        let mut s = pty.state.lock();
        if !s.user_control {
            return false;
        }
        if command != 0 {
            s.command = command;
        }
    }
    if command != 0 {
        pty.readable.wake_all();
    }
    true
}

/// Turns remote mode on or off for the master of `index` (TIOCREMOTE); the slave's
/// queues are flushed both ways, as ptyioctl's ttyflush does.
pub fn set_remote(index: usize, on: bool) {
    PTYS[index].state.lock().remote = on;
    SLAVES[index].flush_output();
    SLAVES[index].flush_input();
    PTYS[index].drained.wake_all();
}

/// Whether slave `index` is open (TS_ISOPEN: most of a master's requests want it).
pub fn slave_open(index: usize) -> bool {
    PTYS[index].state.lock().slaves > 0
}

/// What a slave's read in remote mode could take now, the record's 0 byte included
/// (FIONREAD counts the canonical queue).
pub(super) fn record_len(index: usize) -> usize {
    PTYS[index].state.lock().record.len()
}

/// A slave's read in remote mode (4.x's ptsread with PF_REMOTE): job control as for
/// any read, then the master's record, all of it but its 0 byte, or as much as
/// `buf` takes (the rest waits for the next read); the master may write again once
/// it is all read. With no record the reader waits; end of file once the master
/// has closed.
fn read_record(index: usize, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError> {
    let pty = &PTYS[index];
    let slave = &SLAVES[index];
    let me = crate::process::current();
    loop {
        if let Some(p) = &me {
            match slave.job_control(p, crate::process::Signal::Ttin, Err(super::TtyError::Io))? {
                super::Access::Allowed => {}
                super::Access::Retry => continue,
            }
        }
        {
            let mut s = pty.state.lock();
            if !s.remote {
                drop(s);
                return slave.read(buf, nonblock);
            }
            if !s.record.is_empty() {
                let n = buf.len().min(s.record.len() - 1);
                for (b, r) in buf.iter_mut().zip(s.record.drain(..n)) {
                    *b = r;
                }
                if s.record.len() == 1 {
                    s.record.clear();
                }
                let whole = s.record.is_empty();
                drop(s);
                if whole {
                    pty.drained.wake_all();
                }
                return Ok(n);
            }
            if !s.open {
                return Ok(0);
            }
        }
        if nonblock {
            return Err(FileError::WouldBlock);
        }
        let _waiting = crate::sched::waiting_for("ptsin");
        crate::process::sleep_interruptible(slave.input_queue(), || {
            let s = pty.state.lock();
            !s.remote || !s.record.is_empty() || !s.open
        })
        .map_err(|_| FileError::Interrupted)?;
    }
}

/// A master's write in remote mode (4.x's ptcwrite with PF_REMOTE): once the slave
/// is open and has read the last record, up to [`RECORD_LIMIT`] less one bytes
/// become the next record (a longer write is cut short); until then the writer
/// waits, and gets `Io` once the line is down.
fn write_record(index: usize, buf: &[u8], nonblock: bool) -> Result<usize, FileError> {
    let pty = &PTYS[index];
    loop {
        {
            let mut s = pty.state.lock();
            if !s.remote {
                drop(s);
                SLAVES[index].input_bytes(buf);
                return Ok(buf.len());
            }
            if s.slaves > 0 && s.record.is_empty() {
                let n = buf.len().min(RECORD_LIMIT - 1);
                s.record.extend(&buf[..n]);
                s.record.push_back(0);
                drop(s);
                SLAVES[index].input_arrived();
                return Ok(n);
            }
            if !s.connected {
                return Err(FileError::Io);
            }
        }
        if nonblock {
            return Err(FileError::WouldBlock);
        }
        let _waiting = crate::sched::waiting_for("ptcout");
        crate::process::sleep_interruptible(&pty.drained, || {
            let s = pty.state.lock();
            !s.remote || (s.slaves > 0 && s.record.is_empty()) || !s.connected
        })
        .map_err(|_| FileError::Interrupted)?;
    }
}

/// Drops the slave's output the master has not read, unannounced (a master's
/// TIOCSETA: ptyioctl's ndflush of the outq).
pub fn drop_unread_output(index: usize) {
    PTYS[index].state.lock().output.clear();
    PTYS[index].drained.wake_all();
}

/// Output of slave `index` its master has not read.
pub(super) fn unread_output(index: usize) -> usize {
    PTYS[index].state.lock().output.len()
}

/// Waits until the master of `index` has room for `need` bytes of output: `Io` once
/// it has closed, `WouldBlock` for `nonblock`, `Interrupted` on a signal.
pub(super) fn wait_for_room(index: usize, need: usize, nonblock: bool) -> Result<(), FileError> {
    let pty = &PTYS[index];
    let room = || {
        let s = pty.state.lock();
        !s.open || OUTPUT_LIMIT - s.output.len().min(OUTPUT_LIMIT) >= need
    };
    if !room() {
        if nonblock {
            return Err(FileError::WouldBlock);
        }
        let _waiting = crate::sched::waiting_for("ttywri");
        crate::process::sleep_interruptible(&pty.drained, room)
            .map_err(|_| FileError::Interrupted)?;
    }
    if pty.state.lock().open {
        Ok(())
    } else {
        Err(FileError::Io)
    }
}

/// The nodes' names (`ptyp0`, `ttyp0`, ...) and devices, for devfs.
pub fn devices() -> impl Iterator<Item = ([u8; 5], Arc<dyn Device>)> {
    (0..COUNT).flat_map(|i| {
        let digit = b"0123456789abcdef"[i];
        [
            (
                [b'p', b't', b'y', b'p', digit],
                Arc::new(PtyDevice {
                    index: i,
                    master: true,
                }) as Arc<dyn Device>,
            ),
            (
                [b't', b't', b'y', b'p', digit],
                Arc::new(PtyDevice {
                    index: i,
                    master: false,
                }) as Arc<dyn Device>,
            ),
        ]
    })
}

/// A master or slave node.
#[derive(Debug)]
struct PtyDevice {
    index: usize,
    master: bool,
}

impl Device for PtyDevice {
    fn number(&self) -> u64 {
        let major = if self.master {
            MASTER_MAJOR
        } else {
            SLAVE_MAJOR
        };
        major << 8 | self.index as u64
    }

    fn open(&self) -> Result<Arc<dyn FileOps>, FileError> {
        self.open_nonblocking(false)
    }

    fn open_nonblocking(&self, nonblock: bool) -> Result<Arc<dyn FileOps>, FileError> {
        if self.master {
            open_master(self.index)
        } else {
            open_slave(self.index, nonblock)
        }
    }
}

fn open_master(index: usize) -> Result<Arc<dyn FileOps>, FileError> {
    register(index);
    // Who allocates the pair says how its slave starts (ptsopen's defaults).
    let first_modes = super::first_modes(super::Line::Pseudo);
    let mut s = PTYS[index].state.lock();
    if s.open {
        return Err(FileError::Io);
    }
    s.open = true;
    s.first_modes = first_modes;
    s.connected = true;
    s.output.clear();
    // ptcopen: no packet, user-control or remote mode, nothing to announce.
    s.packet = false;
    s.modes_layout = None;
    s.send = 0;
    s.stop_announced = false;
    s.no_stop = false;
    s.user_control = false;
    s.command = 0;
    s.remote = false;
    s.record.clear();
    let slaves = s.slaves;
    drop(s);
    // The line comes up (ptcopen's l_modem): for slaves still open, and for openers
    // waiting.
    if slaves > 0 {
        SLAVES[index].line_up();
    }
    PTYS[index].readable.wake_all();
    Ok(Arc::new(Master(index)))
}

/// Opens slave `index` (also what /dev/tty opens for a session it controls): with
/// no master open, waits for one (EINTR on a signal), or with `nonblock` opens the
/// line down.
pub fn open_slave(index: usize, nonblock: bool) -> Result<Arc<dyn FileOps>, FileError> {
    let pty = &PTYS[index];
    register(index);
    // In exclusive use only while open (the last close ends it).
    SLAVES[index].check_open()?;
    if !nonblock {
        let _waiting = crate::sched::waiting_for("ptsopn");
        crate::process::sleep_interruptible(&pty.readable, || pty.state.lock().open)
            .map_err(|_| FileError::Interrupted)?;
    }
    // With no master open, the slave's opener says how it starts.
    let own_modes = super::first_modes(super::Line::Pseudo);
    let (first, up, generation, modes) = {
        let mut s = pty.state.lock();
        s.slaves += 1;
        s.connected |= s.open;
        let modes = if s.open { s.first_modes } else { own_modes };
        (s.slaves == 1, s.open, s.slave_generation, modes)
    };
    if first {
        SLAVES[index].start(modes);
        if !up {
            SLAVES[index].line_down();
        }
    }
    // A master writing in remote mode waits for an open slave.
    pty.drained.wake_all();
    Ok(Arc::new(Slave { index, generation }))
}

/// Slave `index` was revoked (4.x's vgone closing it: ptsclose): its open files
/// count no more, the terminal is closed (ttyclose: no session, queues flushed,
/// calls blocked in it cut off) and the master reads end of file until a slave is
/// opened again.
pub(super) fn slave_revoked(index: usize) {
    let pty = &PTYS[index];
    let was_open = {
        let mut s = pty.state.lock();
        let was_open = s.slaves > 0;
        s.slaves = 0;
        s.slave_generation += 1;
        s.connected = false;
        was_open
    };
    if was_open {
        SLAVES[index].close_revoked();
        super::slave_closed(index);
    }
    pty.readable.wake_all();
    pty.drained.wake_all();
}

/// The slave whose terminal `terminal` is, if it is one.
pub fn slave_index(terminal: &Terminal) -> Option<usize> {
    SLAVES.iter().position(|t| core::ptr::eq(t, terminal))
}

/// Slave `index`'s terminal.
pub(super) fn slave_terminal(index: usize) -> &'static Terminal {
    &SLAVES[index]
}

/// Whether pty `index`'s line is up (BSD's TS_CONNECTED): its master opened it, is
/// open still (its close drops the carrier, ttymodem), and the slave has not closed
/// since.
pub(super) fn line_up(index: usize) -> bool {
    let s = PTYS[index].state.lock();
    s.open && s.connected
}

/// An open master.
#[derive(Debug)]
struct Master(usize);

impl Master {
    /// Whether a read would return now.
    fn readable(&self) -> bool {
        let stopped = SLAVES[self.0].output_stopped();
        let s = PTYS[self.0].state.lock();
        (s.packet && s.send != 0)
            || (s.user_control && s.command != 0)
            || (!s.output.is_empty() && !stopped)
            || !s.connected
    }
}

impl FileOps for Master {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }

    /// What the slave side wrote, none while its output is stopped (4.x's ptcread
    /// reads the outq only without TS_TTSTOP); end of file once the line is down.
    /// In packet mode pending control bits come alone, data after a 0 byte; so in
    /// user-control mode, with a pending command for the bits.
    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError> {
        let pty = &PTYS[self.0];
        let slave = &SLAVES[self.0];
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let stopped = slave.output_stopped();
                let modes = slave.termios();
                let mut s = pty.state.lock();
                if s.packet && s.send != 0 {
                    buf[0] = s.send;
                    // TIOCPKT_IOCTL: the modes follow, as much as the buffer takes.
                    let mut n = 1;
                    if s.send & packet::IOCTL != 0
                        && let Some(layout) = s.modes_layout
                    {
                        let bytes = layout(&modes);
                        n += bytes.len().min(buf.len() - 1);
                        buf[1..n].copy_from_slice(&bytes[..n - 1]);
                    }
                    s.send = 0;
                    return Ok(n);
                }
                if s.user_control && s.command != 0 {
                    buf[0] = s.command;
                    s.command = 0;
                    return Ok(1);
                }
                if !s.output.is_empty() && !stopped {
                    let (head, room) = if s.packet || s.user_control {
                        buf[0] = packet::DATA;
                        (1, &mut buf[1..])
                    } else {
                        (0, &mut buf[..])
                    };
                    let n = room.len().min(s.output.len());
                    for (b, o) in room.iter_mut().zip(s.output.drain(..n)) {
                        *b = o;
                    }
                    drop(s);
                    pty.drained.wake_all();
                    // tcdrain on the slave waits for this.
                    slave.output_room.wake_all();
                    return Ok(head + n);
                }
                if !s.connected {
                    return Ok(0);
                }
            }
            if nonblock {
                return Err(FileError::WouldBlock);
            }
            let _waiting = crate::sched::waiting_for("ptcin");
            crate::process::sleep_interruptible(&pty.readable, || self.readable())
                .map_err(|_| FileError::Interrupted)?;
        }
    }

    /// Input for the slave, as if typed; in remote mode, its next record.
    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, FileError> {
        if PTYS[self.0].state.lock().remote {
            return write_record(self.0, buf, nonblock);
        }
        SLAVES[self.0].input_bytes(buf);
        Ok(buf.len())
    }

    /// Readable with output (not stopped), pending packet bits or command, or the
    /// line down; pending bits or a command are exceptional too (ptcpoll's POLLPRI:
    /// telnetd selects for them). In remote mode writable once the slave is open and
    /// has read the last record.
    fn poll(&self) -> Readiness {
        let (control, write) = {
            let s = PTYS[self.0].state.lock();
            (
                (s.packet && s.send != 0) || (s.user_control && s.command != 0),
                !s.remote || (s.slaves > 0 && s.record.is_empty()),
            )
        };
        Readiness {
            read: self.readable(),
            write,
            hangup: false,
            urgent: control,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&PTYS[self.0].readable)
    }

    fn readable_bytes(&self) -> Option<u64> {
        Some(PTYS[self.0].state.lock().output.len() as u64)
    }

    /// The terminal ioctls act on the slave (4.x's ptyioctl hands them to ttioctl).
    fn terminal(&self) -> Option<&'static Terminal> {
        Some(&SLAVES[self.0])
    }

    fn pty_master(&self) -> Option<usize> {
        Some(self.0)
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        let slaves = {
            let mut s = PTYS[self.0].state.lock();
            s.open = false;
            s.output.clear();
            s.slaves
        };
        if slaves > 0 {
            SLAVES[self.0].hang_up();
        }
        PTYS[self.0].readable.wake_all();
        PTYS[self.0].drained.wake_all();
    }
}

/// An open slave: the terminal.
#[derive(Debug)]
struct Slave {
    index: usize,
    /// The pty's slave generation at the open (see `slave_revoked`).
    generation: u64,
}

impl FileOps for Slave {
    fn kind(&self) -> FileKind {
        FileKind::Device
    }

    fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, FileError> {
        if PTYS[self.index].state.lock().remote {
            return read_record(self.index, buf, nonblock);
        }
        SLAVES[self.index].read(buf, nonblock)
    }

    fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, FileError> {
        SLAVES[self.index].write(buf, nonblock)
    }

    fn terminal(&self) -> Option<&'static Terminal> {
        Some(&SLAVES[self.index])
    }

    fn poll(&self) -> Readiness {
        Readiness {
            read: record_len(self.index) > 0 || SLAVES[self.index].has_input(),
            write: SLAVES[self.index].writable(),
            hangup: false,
            urgent: false,
        }
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(SLAVES[self.index].input_queue())
    }
}

impl Drop for Slave {
    fn drop(&mut self) {
        let last = {
            let mut s = PTYS[self.index].state.lock();
            if s.slave_generation != self.generation {
                // Closed already, by a revocation.
                return;
            }
            s.slaves -= 1;
            if s.slaves == 0 {
                s.connected = false;
            }
            s.slaves == 0
        };
        if last {
            SLAVES[self.index].stop();
            super::slave_closed(self.index);
        }
        PTYS[self.index].readable.wake_all();
    }
}
