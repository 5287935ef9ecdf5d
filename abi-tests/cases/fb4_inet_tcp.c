// abi: freebsd4-i386
/*
 * AF_INET stream sockets over lo0 (97, 135, 104, 106, 98, 30, 32, 31, 105, 118, 134,
 * and the old 99, 150, 141): bind/listen/accept with a client in a child; the exact 16
 * bytes of struct sockaddr_in from getsockname, getpeername and accept; ephemeral
 * ports in 4.x's 1024..5000; EADDRINUSE and SO_REUSEADDR, EADDRNOTAVAIL, ENETUNREACH,
 * ECONNREFUSED (after which sends are EPIPE + SIGPIPE and reads end of file, and what
 * needs the pcb EINVAL or ECONNRESET), EAFNOSUPPORT, EINVAL for a bad length, EACCES
 * below 1024 for a user; sendto's implied connect (T/TCP's), refused too;
 * a non-blocking connect that completes at once; poll readiness; shutdown; end of file
 * and EPIPE + SIGPIPE once the peer is gone; socket and TCP options.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

static volatile int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

static int tcp(void) { return CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0)); }

static int getopt_int(int s, int level, int name)
{
	int v = 0x5a5a5a5a, len = sizeof(v);
	CHECK_OK(__sys_getsockopt(s, level, name, &v, &len));
	CHECK_EQ(len, 4);
	return v;
}

int main(void)
{
	enum { PORT = 7001 };
	char buf[64];
	unsigned char got[32], name[16];
	int glen, status, one = 1;
	struct sockaddr_in sin, any, far, zero, fam;

	/* Protocols: 0 or IPPROTO_TCP; no raw sockets; TCP has no socketpair. */
	CHECK_OK(close(CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP))));
	CHECK_ERRNO(__sys_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	CHECK_ERRNO(__sys_socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	int sv[2];
	CHECK_ERRNO(__sys_socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);

	/* Unbound: 0.0.0.0 port 0, no peer. */
	int srv = tcp();
	glen = sizeof(got);
	memset(got, 0xee, sizeof(got));
	CHECK_OK(__sys_getsockname(srv, got, &glen));
	nt_check_sin(got, glen, INADDR_ANY, 0);
	CHECK_EQ(got[16], 0xee);
	CHECK_ERRNO(__sys_getpeername(srv, got, &glen), ENOTCONN);

	/* bind: exactly 16 bytes, a local address; the family is not checked (4.x). */
	nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT);
	CHECK_ERRNO(__sys_bind(srv, &sin, 8), EINVAL);
	CHECK_ERRNO(__sys_bind(srv, &sin, 17), EINVAL);
	CHECK_ERRNO(__sys_bind(srv, &sin, 256), ENAMETOOLONG);
	CHECK_ERRNO(__sys_bind(srv, &far, nt_sockaddr_in(&far, 0x0a000001, PORT)), EADDRNOTAVAIL);
	nt_sockaddr_in(&fam, INADDR_LOOPBACK, PORT);
	fam.sin_family = AF_UNIX;
	CHECK_OK(__sys_bind(srv, &fam, sizeof(fam)));
	CHECK_ERRNO(__sys_bind(srv, &sin, sizeof(sin)), EINVAL);
	glen = sizeof(got);
	CHECK_OK(__sys_getsockname(srv, got, &glen));
	nt_check_sin(got, glen, INADDR_LOOPBACK, PORT);
	/* The old getsockname writes a 16-bit family first. */
	glen = sizeof(got);
	CHECK_OK(syscall(150, srv, got, &glen));
	CHECK_EQ(glen, 16);
	CHECK_EQ(got[0], AF_INET);
	CHECK_EQ(got[1], 0);
	CHECK_EQ(nt_port_of(got), PORT);

	/* In use: the same address, and the wildcard overlapping it. */
	int other = tcp();
	CHECK_ERRNO(__sys_bind(other, &sin, sizeof(sin)), EADDRINUSE);
	CHECK_ERRNO(__sys_bind(other, &any, nt_sockaddr_in(&any, INADDR_ANY, PORT)), EADDRINUSE);

	/* connect: no route past lo0; port 0; family; length (the socket stays usable);
	 * not listening yet is refused. */
	CHECK_ERRNO(__sys_connect(other, &far, sizeof(far)), ENETUNREACH);
	CHECK_ERRNO(__sys_connect(other, &zero, nt_sockaddr_in(&zero, INADDR_LOOPBACK, 0)),
		    EADDRNOTAVAIL);
	CHECK_ERRNO(__sys_connect(other, &fam, sizeof(fam)), EAFNOSUPPORT);
	CHECK_ERRNO(__sys_connect(other, &sin, 15), EINVAL);
	/* A connect that fails before the SYN goes leaves the socket unbound. */
	glen = sizeof(got);
	CHECK_OK(__sys_getsockname(other, got, &glen));
	CHECK_EQ(glen, 16);
	CHECK_EQ(nt_port_of(got), 0);
	CHECK_ERRNO(__sys_connect(other, &sin, sizeof(sin)), ECONNREFUSED);
	/* Refused, the connection's pcb is gone (4.x's tcp_drop): what reaches the
	 * protocol finds none. connect, bind, listen and shutdown's write side are EINVAL
	 * (COMMON_START), getsockname and any level but SOL_SOCKET ECONNRESET
	 * (in_setsockaddr, tcp_ctloutput); a name too long is still ENAMETOOLONG and
	 * SOL_SOCKET's options still work. */
	CHECK_ERRNO(__sys_connect(other, &sin, sizeof(sin)), EINVAL);
	CHECK_ERRNO(__sys_connect(other, &fam, sizeof(fam)), EINVAL);
	CHECK_ERRNO(__sys_connect(other, &sin, 256), ENAMETOOLONG);
	CHECK_ERRNO(__sys_bind(other, &any, sizeof(any)), EINVAL);
	CHECK_ERRNO(__sys_listen(other, 1), EINVAL);
	glen = sizeof(got);
	CHECK_ERRNO(__sys_getsockname(other, got, &glen), ECONNRESET);
	CHECK_ERRNO(__sys_getpeername(other, got, &glen), ENOTCONN);
	int v;
	int vlen = sizeof(v);
	CHECK_ERRNO(__sys_getsockopt(other, IPPROTO_TCP, TCP_NODELAY, &v, &vlen), ECONNRESET);
	CHECK_ERRNO(__sys_setsockopt(other, IPPROTO_IP, IP_TOS, &one, sizeof(one)), ECONNRESET);
	CHECK_ERRNO(__sys_getsockopt(other, 12345, 1, &v, &vlen), ECONNRESET);
	CHECK_EQ(getopt_int(other, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	/* Disconnected too (soisdisconnected): sends are EPIPE with SIGPIPE, sosend's
	 * SS_CANTSENDMORE answer before the protocol is asked (after sendto's address is
	 * read), and a read is end of file (connect took the error). */
	signal(SIGPIPE, on_sigpipe);
	CHECK_ERRNO(write(other, "x", 1), EPIPE);
	CHECK_ERRNO(__sys_sendto(other, "x", 1, 0, &sin, sizeof(sin)), EPIPE);
	CHECK_ERRNO(__sys_sendto(other, "x", 1, 0, &sin, 256), ENAMETOOLONG);
	CHECK_EQ(sigpipes, 2);
	sigpipes = 0;
	signal(SIGPIPE, SIG_DFL);
	CHECK_EQ(read(other, buf, sizeof(buf)), 0);
	CHECK_ERRNO(__sys_shutdown(other, SHUT_WR), EINVAL);
	CHECK_OK(__sys_shutdown(other, SHUT_RD));
	close(other);

	CHECK_EQ(getopt_int(srv, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CHECK_OK(__sys_listen(srv, 5));
	CHECK(getopt_int(srv, SOL_SOCKET, SO_ACCEPTCONN) != 0);

	/* sendto with an address connects a TCP socket that never had a connection
	 * (PR_IMPLOPT: tcp_usr_send's implied connect) and sends; one with a connection
	 * ignores the address (still copied in: ENAMETOOLONG); none at all is ENOTCONN. */
	int implied = tcp();
	CHECK_ERRNO(__sys_sendto(implied, "q", 1, 0, NULL, 0), ENOTCONN);
	CHECK_EQ(__sys_sendto(implied, "hi", 2, 0, &sin, sizeof(sin)), 2);
	CHECK_EQ(__sys_sendto(implied, "!", 1, 0, &far, sizeof(far)), 1);
	CHECK_ERRNO(__sys_sendto(implied, "!", 1, 0, &far, 256), ENAMETOOLONG);
	int taken = CHECK_OK(__sys_accept(srv, NULL, NULL));
	CHECK_EQ(read(taken, buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "hi!", 3) == 0);
	close(taken);
	close(implied);
	/* Refused: the RST comes after TCP took the first piece (an mbuf cluster, 2048
	 * bytes), so a send that fits it succeeds, ECONNREFUSED waits for the next call,
	 * then end of file, and sends are EPIPE with SIGPIPE; a longer send hands its
	 * second piece to no pcb: ECONNRESET. */
	struct sockaddr_in closed;
	int closed_len = nt_sockaddr_in(&closed, INADDR_LOOPBACK, PORT + 1);
	int lost = tcp();
	CHECK_EQ(__sys_sendto(lost, "lost", 4, 0, &closed, closed_len), 4);
	CHECK_ERRNO(read(lost, buf, sizeof(buf)), ECONNREFUSED);
	CHECK_EQ(read(lost, buf, sizeof(buf)), 0);
	signal(SIGPIPE, on_sigpipe);
	CHECK_ERRNO(write(lost, "x", 1), EPIPE);
	CHECK_EQ(sigpipes, 1);
	close(lost);
	static char piece[2049];
	lost = tcp();
	CHECK_EQ(__sys_sendto(lost, piece, 2048, 0, &closed, closed_len), 2048);
	CHECK_EQ(getopt_int(lost, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
	CHECK_EQ(getopt_int(lost, SOL_SOCKET, SO_ERROR), 0);
	close(lost);
	lost = tcp();
	CHECK_ERRNO(__sys_sendto(lost, piece, sizeof(piece), 0, &closed, closed_len),
		    ECONNRESET);
	CHECK_EQ(sigpipes, 1);
	close(lost);
	sigpipes = 0;
	signal(SIGPIPE, SIG_DFL);

	/* A client in a child: it sends its own name, then reads until end of file, and
	 * its next write is EPIPE with SIGPIPE. */
	signal(SIGPIPE, on_sigpipe);
	int pid = fork();
	if (pid == 0) {
		int c = tcp();
		CHECK_OK(__sys_connect(c, &sin, sizeof(sin)));
		CHECK_ERRNO(__sys_connect(c, &sin, sizeof(sin)), EISCONN);
		glen = sizeof(got);
		CHECK_OK(__sys_getpeername(c, got, &glen));
		nt_check_sin(got, glen, INADDR_LOOPBACK, PORT);
		glen = sizeof(name);
		CHECK_OK(__sys_getsockname(c, name, &glen));
		CHECK_EQ(write(c, name, 16), 16);
		CHECK_EQ(read(c, buf, sizeof(buf)), 5);
		CHECK(memcmp(buf, "reply", 5) == 0);
		CHECK_EQ(read(c, buf, sizeof(buf)), 0);
		CHECK_ERRNO(write(c, "x", 1), EPIPE);
		CHECK_EQ(sigpipes, 1);
		_exit(0);
	}
	struct pollfd p = {srv, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	glen = sizeof(got);
	memset(got, 0xee, sizeof(got));
	int conn = CHECK_OK(__sys_accept(srv, got, &glen));
	CHECK_EQ(read(conn, name, 16), 16);
	/* accept's address is the client's own name, 127.0.0.1 and an ephemeral port. */
	CHECK_EQ(glen, 16);
	CHECK(memcmp(got, name, 16) == 0);
	nt_check_sin(got, glen, INADDR_LOOPBACK, nt_port_of(got));
	CHECK(nt_port_of(got) >= 1024 && nt_port_of(got) <= 5000);
	glen = sizeof(got);
	CHECK_OK(__sys_getpeername(conn, got, &glen));
	CHECK(memcmp(got, name, 16) == 0);
	glen = sizeof(got);
	CHECK_OK(__sys_getsockname(conn, got, &glen));
	nt_check_sin(got, glen, INADDR_LOOPBACK, PORT);
	CHECK_EQ(write(conn, "reply", 5), 5);
	close(conn);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* A non-blocking connect to the wildcard (lo0) completes at once; poll and
	 * shutdown; the old accept writes a 16-bit family. */
	int c2 = tcp();
	CHECK_OK(fcntl(c2, F_SETFL, O_NONBLOCK));
	CHECK_OK(__sys_connect(c2, &any, sizeof(any)));
	glen = sizeof(name);
	CHECK_OK(__sys_getsockname(c2, name, &glen));
	CHECK_EQ(name[4], 127);
	glen = sizeof(got);
	int a2 = CHECK_OK(syscall(99, srv, got, &glen));
	CHECK_EQ(glen, 16);
	CHECK_EQ(got[0], AF_INET);
	CHECK_EQ(got[1], 0);
	CHECK(memcmp(got + 2, name + 2, 14) == 0);
	glen = sizeof(got);
	CHECK_OK(syscall(141, a2, got, &glen));
	CHECK_EQ(got[0], AF_INET);
	CHECK(memcmp(got + 2, name + 2, 14) == 0);
	struct pollfd q = {c2, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&q, 1, 0), 1);
	CHECK_EQ(q.revents, POLLOUT);
	CHECK_ERRNO(read(c2, buf, sizeof(buf)), EAGAIN);
	CHECK_EQ(write(a2, "abc", 3), 3);
	CHECK_EQ(poll(&q, 1, 0), 1);
	CHECK_EQ(q.revents, POLLIN | POLLOUT);
	CHECK_EQ(read(c2, buf, sizeof(buf)), 3);
	CHECK_OK(__sys_shutdown(a2, SHUT_WR));
	CHECK_EQ(read(c2, buf, sizeof(buf)), 0);
	CHECK_EQ(write(c2, "back", 4), 4);
	CHECK_EQ(read(a2, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "back", 4) == 0);

	/* The listener closed, the port is held by the open connection: a plain bind is
	 * EADDRINUSE, SO_REUSEADDR's is not (there is no TIME_WAIT to outlast). */
	close(srv);
	CHECK_ERRNO(__sys_connect(tcp(), &sin, sizeof(sin)), ECONNREFUSED);
	int again = tcp();
	CHECK_ERRNO(__sys_bind(again, &sin, sizeof(sin)), EADDRINUSE);
	CHECK_OK(__sys_setsockopt(again, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK_EQ(getopt_int(again, SOL_SOCKET, SO_REUSEADDR), SO_REUSEADDR);
	CHECK_OK(__sys_bind(again, &sin, sizeof(sin)));
	close(again);
	/* The peer gone: end of file, then EPIPE with SIGPIPE. */
	close(a2);
	CHECK_EQ(read(c2, buf, sizeof(buf)), 0);
	CHECK_ERRNO(write(c2, "x", 1), EPIPE);
	CHECK_EQ(sigpipes, 1);
	close(c2);
	/* Nothing holds the port now. */
	int last = tcp();
	CHECK_OK(__sys_bind(last, &sin, sizeof(sin)));
	close(last);

	/* Ephemeral ports: bind to port 0, and listen unbound, take distinct ones from
	 * 1024..5000. */
	int e1 = tcp(), e2 = tcp();
	CHECK_OK(__sys_bind(e1, &zero, sizeof(zero)));
	CHECK_OK(__sys_listen(e2, 1));
	unsigned char n1[16], n2[16];
	glen = sizeof(n1);
	CHECK_OK(__sys_getsockname(e1, n1, &glen));
	glen = sizeof(n2);
	CHECK_OK(__sys_getsockname(e2, n2, &glen));
	nt_check_sin(n1, 16, INADDR_LOOPBACK, nt_port_of(n1));
	nt_check_sin(n2, 16, INADDR_ANY, nt_port_of(n2));
	CHECK(nt_port_of(n1) >= 1024 && nt_port_of(n1) <= 5000);
	CHECK(nt_port_of(n2) >= 1024 && nt_port_of(n2) <= 5000);
	CHECK(nt_port_of(n1) != nt_port_of(n2));
	close(e1);
	close(e2);

	/* Below 1024 only root may bind. */
	struct sockaddr_in low;
	nt_sockaddr_in(&low, INADDR_ANY, 1023);
	if (getuid() == 0) {
		int r = tcp();
		CHECK_OK(__sys_bind(r, &low, sizeof(low)));
		close(r);
	}
	pid = fork();
	if (pid == 0) {
		if (getuid() == 0)
			CHECK_OK(__sys_setuid(4321));
		CHECK_ERRNO(__sys_bind(tcp(), &low, sizeof(low)), EACCES);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Options: SO_TYPE, SO_ERROR, buffer sizes, SO_KEEPALIVE and TCP_NODELAY kept. */
	int s = tcp();
	CHECK_EQ(getopt_int(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CHECK_EQ(getopt_int(s, SOL_SOCKET, SO_ERROR), 0);
	CHECK(getopt_int(s, SOL_SOCKET, SO_SNDBUF) > 0);
	CHECK_EQ(getopt_int(s, SOL_SOCKET, SO_KEEPALIVE), 0);
	CHECK_OK(__sys_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	CHECK_EQ(getopt_int(s, SOL_SOCKET, SO_KEEPALIVE), SO_KEEPALIVE);
	CHECK_EQ(getopt_int(s, IPPROTO_TCP, TCP_NODELAY), 0);
	CHECK_OK(__sys_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	CHECK(getopt_int(s, IPPROTO_TCP, TCP_NODELAY) != 0);
	CHECK_ERRNO(__sys_setsockopt(s, IPPROTO_TCP, 99, &one, sizeof(one)), ENOPROTOOPT);
	CHECK_ERRNO(__sys_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, 2), EINVAL);
	close(s);
	PASS();
}
