// abi: freebsd4-i386
/*
 * AF_INET datagram sockets over lo0 (97, 104, 133, 29, 27, 98, 32, 31, 105, 118, and
 * the old 125): sendto/recvfrom with the sender's exact sockaddr_in; whole messages,
 * truncation (recvmsg's MSG_TRUNC, msg_name), MSG_PEEK; an unbound sender bound to an
 * ephemeral port; connect's default peer and its receive filter; EISCONN,
 * EDESTADDRREQ, EMSGSIZE, ENETUNREACH, EADDRINUSE, EOPNOTSUPP for listen; a datagram
 * to a port with no socket dropped, and ECONNREFUSED on a connected socket's next call
 * (4.x's ICMP port unreachable) or from SO_ERROR; poll; a parent and a child.
 */
#include <nymph_fb4.h>
#include <poll.h>

static int udp(void) { return CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)); }

static char big[9217];

int main(void)
{
	enum { PORT = 7101, PORT2 = 7102, NOBODY = 7103 };
	char buf[64];
	unsigned char from[32], name[16];
	int flen, glen, status;
	struct sockaddr_in sin, any, far, nobody;

	CHECK_ERRNO(__sys_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	int srv = udp();
	nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT);
	nt_sockaddr_in(&far, 0xc0a80001, PORT);
	nt_sockaddr_in(&nobody, INADDR_LOOPBACK, NOBODY);
	CHECK_OK(__sys_bind(srv, &sin, sizeof(sin)));
	int other = udp();
	CHECK_ERRNO(__sys_bind(other, &sin, sizeof(sin)), EADDRINUSE);
	CHECK_ERRNO(__sys_bind(other, &any, nt_sockaddr_in(&any, INADDR_ANY, PORT)), EADDRINUSE);
	CHECK_ERRNO(__sys_listen(srv, 1), EOPNOTSUPP);

	/* Unconnected: an address is needed, and must be reachable. */
	int cl = udp();
	CHECK_ERRNO(write(cl, "x", 1), EDESTADDRREQ);
	CHECK_ERRNO(__sys_sendto(cl, "x", 1, 0, &far, sizeof(far)), ENETUNREACH);
	CHECK_ERRNO(__sys_sendto(cl, "x", 1, 0, &sin, 12), EINVAL);
	CHECK_ERRNO(__sys_sendto(cl, big, sizeof(big), 0, &sin, sizeof(sin)), EMSGSIZE);
	/* sendit's uio_resid is an int: a length past 2 GiB is EINVAL (not the
	 * EMSGSIZE of a datagram too big). */
	CHECK_ERRNO(__sys_sendto(cl, "x", 0x80000000U, 0, &sin, sizeof(sin)), EINVAL);
	CHECK_EQ(__sys_sendto(cl, "hello", 5, 0, &sin, sizeof(sin)), 5);
	CHECK_EQ(__sys_sendto(cl, "", 0, 0, &sin, sizeof(sin)), 0);
	CHECK_EQ(__sys_sendto(cl, "abcdef", 6, 0, &sin, sizeof(sin)), 6);
	CHECK_EQ(__sys_sendto(cl, big, 9216, 0, &sin, sizeof(sin)), 9216);
	/* The send bound it to an ephemeral port; its address stays the wildcard. */
	glen = sizeof(name);
	CHECK_OK(__sys_getsockname(cl, name, &glen));
	nt_check_sin(name, glen, INADDR_ANY, nt_port_of(name));
	int clport = nt_port_of(name);
	CHECK(clport >= 1024 && clport <= 5000);

	/* Each receive is one whole message from 127.0.0.1 and that port. */
	struct pollfd p = {srv, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLOUT);
	flen = sizeof(from);
	memset(from, 0xee, sizeof(from));
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), MSG_PEEK, from, &flen), 5);
	nt_check_sin(from, flen, INADDR_LOOPBACK, clport);
	flen = sizeof(from);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, from, &flen), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	nt_check_sin(from, flen, INADDR_LOOPBACK, clport);
	CHECK_EQ(from[16], 0xee);
	/* The old recvfrom writes a 16-bit family. */
	flen = sizeof(from);
	CHECK_EQ(syscall(125, srv, buf, sizeof(buf), 0, from, &flen), 0);
	CHECK_EQ(flen, 16);
	CHECK_EQ(from[0], AF_INET);
	CHECK_EQ(from[1], 0);
	CHECK_EQ(nt_port_of(from), clport);
	/* recvmsg cuts a long one and says so. */
	struct iovec iov = {buf, 4};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = (void *)&iov;
	m.msg_iovlen = 1;
	m.msg_name = (void *)from;
	m.msg_namelen = sizeof(from);
	CHECK_EQ(__sys_recvmsg(srv, &m, 0), 4);
	CHECK(memcmp(buf, "abcd", 4) == 0);
	CHECK_EQ(m.msg_flags, MSG_TRUNC);
	CHECK_EQ(m.msg_namelen, 16);
	nt_check_sin(from, 16, INADDR_LOOPBACK, clport);
	CHECK_EQ(__sys_recvfrom(srv, big, sizeof(big), 0, NULL, NULL), 9216);
	CHECK_ERRNO(__sys_recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);

	/* Connected: the peer is the default; an address is EISCONN; the name becomes
	 * lo0's address. */
	int c2 = udp();
	CHECK_OK(__sys_connect(c2, &sin, sizeof(sin)));
	glen = sizeof(from);
	CHECK_OK(__sys_getpeername(c2, from, &glen));
	nt_check_sin(from, glen, INADDR_LOOPBACK, PORT);
	glen = sizeof(name);
	CHECK_OK(__sys_getsockname(c2, name, &glen));
	nt_check_sin(name, glen, INADDR_LOOPBACK, nt_port_of(name));
	CHECK_ERRNO(__sys_sendto(c2, "x", 1, 0, &sin, sizeof(sin)), EISCONN);
	CHECK_EQ(write(c2, "conn", 4), 4);
	CHECK_EQ(read(srv, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "conn", 4) == 0);

	/* A connected receiver takes only its peer's datagrams. */
	struct sockaddr_in clsin;
	CHECK_OK(__sys_connect(srv, &clsin, nt_sockaddr_in(&clsin, INADDR_LOOPBACK, clport)));
	CHECK_EQ(write(c2, "filtered", 8), 8);
	CHECK_EQ(__sys_sendto(cl, "ok", 2, 0, &sin, sizeof(sin)), 2);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), 2);
	CHECK(memcmp(buf, "ok", 2) == 0);
	CHECK_ERRNO(__sys_recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);

	/* Nobody at a port: an unconnected send is dropped without a word... */
	CHECK_EQ(__sys_sendto(cl, "lost", 4, 0, &nobody, sizeof(nobody)), 4);
	CHECK_ERRNO(__sys_recvfrom(cl, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);
	/* ... a connected one's next call is ECONNREFUSED, once (or SO_ERROR's). */
	int u = udp();
	CHECK_OK(__sys_connect(u, &nobody, sizeof(nobody)));
	CHECK_EQ(write(u, "x", 1), 1);
	struct pollfd pu = {u, POLLIN, 0};
	CHECK_EQ(poll(&pu, 1, 0), 1);
	CHECK_ERRNO(__sys_recvfrom(u, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), ECONNREFUSED);
	CHECK_ERRNO(__sys_recvfrom(u, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);
	CHECK_EQ(write(u, "x", 1), 1);
	CHECK_ERRNO(write(u, "x", 1), ECONNREFUSED);
	CHECK_EQ(write(u, "x", 1), 1);
	int err = -1, elen = sizeof(err);
	CHECK_OK(__sys_getsockopt(u, SOL_SOCKET, SO_ERROR, &err, &elen));
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_OK(__sys_getsockopt(u, SOL_SOCKET, SO_ERROR, &err, &elen));
	CHECK_EQ(err, 0);
	int ty = 0, tlen = sizeof(ty);
	CHECK_OK(__sys_getsockopt(u, SOL_SOCKET, SO_TYPE, &ty, &tlen));
	CHECK_EQ(ty, SOCK_DGRAM);
	close(u);

	/* A parent and a child: the reply comes from 127.0.0.1 though the server is
	 * bound to the wildcard. */
	int s2 = udp();
	struct sockaddr_in sin2;
	CHECK_OK(__sys_bind(s2, &any, nt_sockaddr_in(&any, INADDR_ANY, PORT2)));
	int pid = fork();
	if (pid == 0) {
		int c = udp();
		CHECK_EQ(__sys_sendto(c, "ping", 4, 0, &sin2,
				      nt_sockaddr_in(&sin2, INADDR_LOOPBACK, PORT2)), 4);
		flen = sizeof(from);
		CHECK_EQ(__sys_recvfrom(c, buf, sizeof(buf), 0, from, &flen), 4);
		CHECK(memcmp(buf, "pong", 4) == 0);
		nt_check_sin(from, flen, INADDR_LOOPBACK, PORT2);
		_exit(0);
	}
	flen = sizeof(from);
	CHECK_EQ(__sys_recvfrom(s2, buf, sizeof(buf), 0, from, &flen), 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	CHECK_EQ(__sys_sendto(s2, "pong", 4, 0, from, flen), 4);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Closed, the port is free again. */
	close(srv);
	CHECK_OK(__sys_bind(other, &sin, sizeof(sin)));
	PASS();
}
