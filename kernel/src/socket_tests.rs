//! In-guest tests of sockets where threads really block: accept woken by a connect, a
//! reader woken by its peer, poll woken through either direction, and the name in the
//! system's root tmpfs; in the Internet domain, the port table (ephemeral ports, a
//! port in use, a refused connect) and a blocked accept and receive on 127.0.0.1.

use crate::file::poll::{self, Interest, Timeout};
use crate::file::socket::{self, Address, Domain, InetName, Shutdown, SocketType};
use crate::file::{OpenFile, StatusFlags};
use crate::ktest::{KernelTest, TestResult};
use crate::sched;
use crate::sync::Mutex;
use crate::vfs::{self, Follow, FsContext, NodeType};
use crate::{kassert, kassert_eq, kfail, ktest};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

pub(crate) const KTESTS: &[KernelTest] = &[
    ktest!(socket_accept_blocks_until_a_client_connects),
    ktest!(socket_stream_reader_blocks_until_its_peer_writes_or_closes),
    ktest!(socket_poll_wakes_for_either_direction),
    ktest!(socket_datagram_reader_blocks_for_one_message),
    ktest!(socket_a_long_chain_of_sockets_in_flight_goes_without_recursion),
    ktest!(socket_cycles_in_flight_are_collected),
    ktest!(socket_sent_through_itself_goes_with_its_peer),
    ktest!(socket_inet_ports_are_allocated_taken_and_refused),
    ktest!(socket_inet_accept_and_receive_block_on_loopback),
];

/// Waits until `count` reaches `n` (at most 500 ticks).
fn wait_for(count: &AtomicUsize, n: usize) -> bool {
    let deadline = crate::time::ticks() + 500;
    while count.load(Ordering::SeqCst) < n {
        if crate::time::ticks() > deadline {
            return false;
        }
        sched::sleep_ticks(1);
    }
    true
}

fn sock(f: &OpenFile) -> &socket::Socket {
    f.socket().expect("a socket")
}

fn socket_accept_blocks_until_a_client_connects() -> TestResult {
    let ctx = FsContext::initial();
    let _ = vfs::mkdir(&ctx, None, b"/tmp", 0o1777);
    let _ = vfs::unlink(&ctx, None, b"/tmp/ktest-sock");
    let Ok(server) = socket::open(SocketType::Stream) else {
        kfail!("socket")
    };
    kassert_eq!(
        sock(&server).bind(&ctx, b"/tmp/ktest-sock", b"/tmp/ktest-sock"),
        Ok(())
    );
    kassert_eq!(sock(&server).listen(4), Ok(()));
    let st = vfs::stat(&ctx, None, b"/tmp/ktest-sock", Follow::No);
    kassert!(matches!(st, Ok(s) if s.kind == NodeType::Socket), "{st:?}");
    let got = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let (server2, got2, done2) = (server.clone(), got.clone(), done.clone());
    let spawned = sched::spawn("acceptor", move || {
        if let Ok(c) = sock(&server2).accept(false) {
            let mut buf = [0u8; 16];
            if let Ok(f) = socket::file(c)
                && let Ok(n) = f.read(&mut buf)
            {
                got2.lock().extend_from_slice(&buf[..n]);
            }
        }
        done2.fetch_add(1, Ordering::SeqCst);
    });
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    sched::sleep_ticks(3);
    kassert!(done.load(Ordering::SeqCst) == 0, "accept did not wait");
    let Ok(client) = socket::open(SocketType::Stream) else {
        kfail!("socket")
    };
    kassert_eq!(sock(&client).connect(&ctx, b"/tmp/ktest-sock"), Ok(()));
    kassert_eq!(client.write(b"hi there"), Ok(8));
    kassert!(wait_for(&done, 1), "the acceptor never finished");
    kassert_eq!(got.lock().as_slice(), b"hi there");
    kassert_eq!(vfs::unlink(&ctx, None, b"/tmp/ktest-sock"), Ok(()));
    Ok(())
}

fn socket_stream_reader_blocks_until_its_peer_writes_or_closes() -> TestResult {
    let Ok((a, b)) = socket::pair(SocketType::Stream) else {
        kfail!("socketpair")
    };
    let reads = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let (reads2, done2) = (reads.clone(), done.clone());
    let spawned = sched::spawn("reader", move || {
        let mut buf = [0u8; 64];
        loop {
            let n = b.read(&mut buf);
            reads2.lock().push(n);
            done2.fetch_add(1, Ordering::SeqCst);
            if !matches!(n, Ok(n) if n > 0) {
                break;
            }
        }
    });
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    sched::sleep_ticks(2);
    kassert!(done.load(Ordering::SeqCst) == 0, "the read did not wait");
    kassert_eq!(a.write(b"abc"), Ok(3));
    kassert!(wait_for(&done, 1), "the reader never woke");
    // Shutting the write side ends the reader's stream even with `a` still open.
    kassert_eq!(sock(&a).shutdown(Shutdown::Write), Ok(()));
    kassert!(wait_for(&done, 2), "the reader never saw end of file");
    kassert_eq!(reads.lock().as_slice(), &[Ok(3), Ok(0)]);
    Ok(())
}

fn socket_poll_wakes_for_either_direction() -> TestResult {
    let Ok((a, b)) = socket::pair(SocketType::Stream) else {
        kfail!("socketpair")
    };
    a.set_status(StatusFlags {
        nonblock: true,
        append: false,
        async_io: false,
    });
    // Fill a's direction until it would block.
    let chunk = [0x5au8; 4096];
    let mut filled = 0;
    while let Ok(n) = a.write(&chunk) {
        filled += n;
    }
    kassert!(filled >= 16 * 1024, "only {filled} bytes went in");
    kassert!(!a.poll().write);
    let want = Interest {
        read: true,
        write: true,
        urgent: false,
    };
    let done = Arc::new(AtomicUsize::new(0));
    let (b2, done2) = (b.clone(), done.clone());
    let spawned = sched::spawn("drainer", move || {
        sched::sleep_ticks(2);
        let mut buf = [0u8; 8192];
        let _ = b2.read(&mut buf);
        done2.fetch_add(1, Ordering::SeqCst);
    });
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    // Nothing to read on a, no room to write: only the peer's read (on the other
    // pipe's queue) can end this wait.
    let start = crate::time::ticks();
    let got = poll::poll(
        &[(&a, want)],
        Timeout::Nanos(2_000_000_000),
        || false,
        "poll",
    );
    let Ok(got) = got else {
        kfail!("poll: {got:?}")
    };
    kassert!(got[0].write && !got[0].read, "{:?}", got[0]);
    kassert!(crate::time::ticks() - start < 100, "poll woke late");
    kassert!(wait_for(&done, 1));
    Ok(())
}

fn socket_datagram_reader_blocks_for_one_message() -> TestResult {
    let Ok((a, b)) = socket::pair(SocketType::Datagram) else {
        kfail!("socketpair")
    };
    let lens = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let (lens2, done2) = (lens.clone(), done.clone());
    let spawned = sched::spawn("dgram", move || {
        let mut buf = [0u8; 4];
        for _ in 0..2 {
            let got = sock(&b).receive(&mut buf[..], false, None);
            lens2.lock().push(got.map(|r| (r.len, r.truncated)));
        }
        done2.fetch_add(1, Ordering::SeqCst);
    });
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    sched::sleep_ticks(2);
    kassert_eq!(a.write(b"123456"), Ok(6));
    kassert_eq!(a.write(b"78"), Ok(2));
    kassert!(wait_for(&done, 1), "the reader never finished");
    kassert_eq!(lens.lock().as_slice(), &[Ok((4, true)), Ok((2, false))]);
    Ok(())
}

/// Sends `file` over `through` (a stream socket), as SCM_RIGHTS does.
fn send_file(through: &OpenFile, file: &Arc<OpenFile>) -> bool {
    let Ok(rights) = socket::Rights::new(alloc::vec![file.clone()]) else {
        return false;
    };
    sock(through)
        .send_control(None, &b"x"[..], true, Some(socket::Control::Rights(rights)))
        .is_ok()
}

/// 400 socket pairs, each pair's reading end in flight in the previous pair's queue:
/// letting the first go lets all go, one after another. Nested drops would need far
/// more than a kernel stack (32 KiB) holds.
fn socket_a_long_chain_of_sockets_in_flight_goes_without_recursion() -> TestResult {
    let before = socket::in_flight();
    let Ok((head, mut writer)) = socket::pair(SocketType::Stream) else {
        kfail!("socketpair")
    };
    for _ in 0..400 {
        let Ok((reader, next_writer)) = socket::pair(SocketType::Stream) else {
            kfail!("socketpair")
        };
        kassert!(send_file(&writer, &reader), "send");
        writer = next_writer;
    }
    kassert_eq!(socket::in_flight(), before + 400);
    drop(writer);
    drop(head);
    kassert_eq!(socket::in_flight(), before);
    Ok(())
}

/// Two socket pairs, each one's reading end in flight in the other's queue: once no
/// descriptor is left, only the collector can free them.
fn socket_cycles_in_flight_are_collected() -> TestResult {
    let before = socket::in_flight();
    let (Ok((a, a_in)), Ok((b, b_in))) = (
        socket::pair(SocketType::Stream),
        socket::pair(SocketType::Datagram),
    ) else {
        kfail!("socketpair")
    };
    // a's queue holds b; b's queue holds a.
    kassert!(send_file(&a_in, &b), "send b to a");
    kassert!(send_file(&b_in, &a), "send a to b");
    kassert_eq!(socket::in_flight(), before + 2);
    // Still held by descriptors here: the collector leaves them.
    socket::collect_garbage(None);
    kassert_eq!(socket::in_flight(), before + 2);
    drop((a, b, a_in, b_in));
    kassert_eq!(socket::in_flight(), before + 2);
    socket::collect_garbage(None);
    kassert_eq!(socket::in_flight(), before);
    Ok(())
}

/// A socket sent through itself waits in its peer's queue, which its own end of the
/// connection holds: once the peer goes, nobody can receive it and it goes too. (Before,
/// the collector no longer saw the dead peer and the pair's memory stayed for good; 4.x
/// osendmsg, whose rights are a bare array of descriptors, makes such sends easy.)
fn socket_sent_through_itself_goes_with_its_peer() -> TestResult {
    let before = socket::in_flight();
    let Ok((w, r)) = socket::pair(SocketType::Stream) else {
        kfail!("socketpair")
    };
    let gone = Arc::downgrade(&w);
    kassert!(send_file(&w, &w), "send w through itself");
    kassert_eq!(socket::in_flight(), before + 1);
    drop(w);
    kassert!(
        gone.upgrade().is_some(),
        "in flight, w stays while r can receive it"
    );
    drop(r);
    kassert_eq!(socket::in_flight(), before);
    kassert!(gone.upgrade().is_none(), "w outlived its peer");
    Ok(())
}

fn inet(kind: SocketType) -> Result<Arc<OpenFile>, crate::ktest::TestFailure> {
    match socket::open_in(Domain::Internet, kind) {
        Ok(f) => Ok(f),
        Err(e) => kfail!("socket: {e:?}"),
    }
}

fn inet_name(f: &OpenFile) -> InetName {
    InetName::from_bytes(&sock(f).name())
}

fn socket_inet_ports_are_allocated_taken_and_refused() -> TestResult {
    let at = |port| InetName {
        addr: InetName::LOOPBACK,
        port,
    };
    // Ephemeral ports: in 1024..5000, each bound one different.
    let mut taken = Vec::new();
    for _ in 0..8 {
        let f = inet(SocketType::Stream)?;
        kassert_eq!(sock(&f).bind_inet(at(0), false), Ok(()));
        let port = inet_name(&f).port;
        kassert!((1024..=5000).contains(&port), "port {port}");
        kassert!(!taken.iter().any(|(p, _)| *p == port), "port {port} twice");
        taken.push((port, f));
    }
    // Taken while its socket is open; free once it is closed.
    let (port, first) = taken.remove(0);
    let again = inet(SocketType::Stream)?;
    kassert_eq!(
        sock(&again).bind_inet(at(port), false),
        Err(crate::error::Error::AddressInUse)
    );
    // Bound, not listening: a connect is refused; listening, it is not.
    let client = inet(SocketType::Stream)?;
    kassert_eq!(
        sock(&client).connect_to(Address::Inet(at(port))),
        Err(crate::error::Error::ConnectionRefused)
    );
    kassert_eq!(sock(&first).listen(1), Ok(()));
    let client = inet(SocketType::Stream)?;
    kassert_eq!(sock(&client).connect_to(Address::Inet(at(port))), Ok(()));
    drop((first, client));
    kassert_eq!(sock(&again).bind_inet(at(port), false), Ok(()));
    Ok(())
}

fn socket_inet_accept_and_receive_block_on_loopback() -> TestResult {
    let server = inet(SocketType::Stream)?;
    let udp = inet(SocketType::Datagram)?;
    let port = 7301;
    let name = InetName {
        addr: InetName::ANY,
        port,
    };
    kassert_eq!(sock(&server).bind_inet(name, false), Ok(()));
    kassert_eq!(sock(&server).listen(2), Ok(()));
    kassert_eq!(sock(&udp).bind_inet(name, false), Ok(()));
    let got = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let (server2, udp2, got2, done2) = (server.clone(), udp.clone(), got.clone(), done.clone());
    let spawned = sched::spawn("inet", move || {
        let mut buf = [0u8; 16];
        if let Ok(c) = sock(&server2).accept(false)
            && let Ok(f) = socket::file(c)
            && let Ok(n) = f.read(&mut buf)
        {
            got2.lock().extend_from_slice(&buf[..n]);
        }
        done2.fetch_add(1, Ordering::SeqCst);
        if let Ok(r) = sock(&udp2).receive(&mut buf[..], false, None) {
            got2.lock().extend_from_slice(&buf[..r.len]);
        }
        done2.fetch_add(1, Ordering::SeqCst);
    });
    kassert!(spawned.is_ok(), "spawn: {spawned:?}");
    sched::sleep_ticks(3);
    kassert!(done.load(Ordering::SeqCst) == 0, "accept did not wait");
    let to = InetName {
        addr: InetName::LOOPBACK,
        port,
    };
    let client = inet(SocketType::Stream)?;
    kassert_eq!(sock(&client).connect_to(Address::Inet(to)), Ok(()));
    kassert_eq!(client.write(b"tcp,"), Ok(4));
    kassert!(wait_for(&done, 1), "the acceptor never finished");
    sched::sleep_ticks(3);
    kassert!(done.load(Ordering::SeqCst) == 1, "receive did not wait");
    let sender = inet(SocketType::Datagram)?;
    kassert_eq!(
        sock(&sender).send(Some(Address::Inet(to)), &b"udp"[..], false),
        Ok(3)
    );
    kassert!(wait_for(&done, 2), "the receiver never finished");
    kassert_eq!(got.lock().as_slice(), b"tcp,udp");
    Ok(())
}
