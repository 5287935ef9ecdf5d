// abi: freebsd4-i386
/*
 * AF_UNIX datagram sockets: syslog(3)'s pattern (connect to a missing /var/run/log is
 * ENOENT and the process goes on), message boundaries and truncation over socketpair
 * (read, recvmsg's MSG_TRUNC), sendto a bound path and recvfrom's sender address
 * (the 16-byte unnamed sockaddr, or the sender's sockaddr_un), connect, EISCONN,
 * EDESTADDRREQ, EMSGSIZE past SO_SNDBUF, socket options, ECONNRESET once the peer is
 * gone, EPROTOTYPE between a stream and a datagram socket.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>


static int dgram_socket(void) { return CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0)); }

int main(void)
{
	char buf[64];
	struct sockaddr_un sun, cl;
	struct stat st;
	nt_scratch_dir("fb4_unix_dgram");

	/* syslog: no /var/run/log, so connect fails and the process lives on. */
	int log = dgram_socket();
	if (stat("/var/run/log", &st) == 0)
		SKIP("/var/run/log exists");
	CHECK_ERRNO(__sys_connect(log, &sun, nt_sockaddr_un(&sun, "/var/run/log")), ENOENT);
	CHECK_ERRNO(write(log, "x", 1), EDESTADDRREQ);
	CHECK_ERRNO(__sys_sendto(log, "x", 1, 0, NULL, 0), EDESTADDRREQ);
	close(log);

	/* Boundaries: each read is one message, a short buffer cuts it. */
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(write(sv[0], "12345", 5), 5);
	CHECK_EQ(write(sv[0], "678", 3), 3);
	CHECK_EQ(write(sv[0], "", 0), 0);
	CHECK_EQ(read(sv[1], buf, 4), 4);
	CHECK(memcmp(buf, "1234", 4) == 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "678", 3) == 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);
	/* recvmsg gathers one message into the pieces and says it was cut. */
	CHECK_EQ(write(sv[1], "abcdef", 6), 6);
	struct iovec iov[2] = {{buf, 2}, {buf + 10, 2}};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = (void *)iov;
	m.msg_iovlen = 2;
	CHECK_EQ(__sys_recvmsg(sv[0], &m, 0), 4);
	CHECK(memcmp(buf, "ab", 2) == 0 && memcmp(buf + 10, "cd", 2) == 0);
	CHECK_EQ(m.msg_flags, MSG_TRUNC);
	/* Non-blocking: nothing queued is EAGAIN; poll sees a message. */
	CHECK_ERRNO(__sys_recvfrom(sv[0], buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);
	CHECK_OK(fcntl(sv[0], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(sv[0], buf, sizeof(buf)), EAGAIN);
	struct pollfd p = {sv[0], POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_EQ(__sys_sendto(sv[1], "z", 1, 0, NULL, 0), 1);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
	close(sv[0]);
	close(sv[1]);

	/* A bound receiver; sendto its path. */
	int len = nt_sockaddr_un(&sun, "log.sock");
	int srv = dgram_socket();
	CHECK_OK(__sys_bind(srv, &sun, len));
	int cli = dgram_socket();
	CHECK_EQ(__sys_sendto(cli, "unnamed", 7, 0, &sun, len), 7);
	unsigned char from[128];
	int flen = sizeof(from);
	memset(from, 0xee, sizeof(from));
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, from, &flen), 7);
	CHECK(memcmp(buf, "unnamed", 7) == 0);
	CHECK_EQ(flen, 16);
	CHECK_EQ(from[0], 16);
	CHECK_EQ(from[1], AF_UNIX);
	CHECK_EQ(from[16], 0xee);
	int clen = nt_sockaddr_un(&cl, "cli.sock");
	CHECK_OK(__sys_bind(cli, &cl, clen));
	CHECK_EQ(__sys_sendto(cli, "named", 5, 0, &sun, len), 5);
	flen = sizeof(from);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, from, &flen), 5);
	CHECK_EQ(flen, clen);
	CHECK_EQ(from[0], clen);
	CHECK(memcmp(from + 2, "cli.sock", 8) == 0);

	/* Connected: plain writes reach the peer; an address is then EISCONN. */
	CHECK_OK(__sys_connect(cli, &sun, len));
	CHECK_EQ(write(cli, "via-connect", 11), 11);
	CHECK_EQ(read(srv, buf, sizeof(buf)), 11);
	CHECK_ERRNO(__sys_sendto(cli, "x", 1, 0, &sun, len), EISCONN);
	flen = sizeof(from);
	CHECK_OK(__sys_getpeername(cli, from, &flen));
	CHECK_EQ(flen, len);

	/* A stream socket cannot connect to a datagram one. */
	int st_sock = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK_ERRNO(__sys_connect(st_sock, &sun, len), EPROTOTYPE);

	/* Options: the type, the send buffer bounds a datagram. */
	int v = 0, vl = sizeof(v);
	CHECK_OK(__sys_getsockopt(srv, SOL_SOCKET, SO_TYPE, &v, &vl));
	CHECK_EQ(v, SOCK_DGRAM);
	CHECK_EQ(vl, 4);
	vl = sizeof(v);
	CHECK_OK(__sys_getsockopt(cli, SOL_SOCKET, SO_SNDBUF, &v, &vl));
	CHECK_EQ(v, 2048);
	static char big[3000];
	CHECK_ERRNO(write(cli, big, sizeof(big)), EMSGSIZE);
	v = 4096;
	CHECK_OK(__sys_setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	CHECK_EQ(write(cli, big, sizeof(big)), (int)sizeof(big));
	CHECK_EQ(read(srv, big, sizeof(big)), (int)sizeof(big));
	v = 1;
	CHECK_OK(__sys_setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	vl = sizeof(v);
	CHECK_OK(__sys_getsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &v, &vl));
	CHECK_EQ(v, SO_REUSEADDR);
	CHECK_ERRNO(__sys_setsockopt(srv, 6, 1, &v, sizeof(v)), ENOPROTOOPT);
	/* SO_KEEPALIVE is one of 4.x's generic flags: kept, whatever the domain. */
	CHECK_OK(__sys_setsockopt(srv, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
	vl = sizeof(v);
	CHECK_OK(__sys_getsockopt(srv, SOL_SOCKET, SO_KEEPALIVE, &v, &vl));
	CHECK_EQ(v, SO_KEEPALIVE);
	CHECK_ERRNO(__sys_setsockopt(srv, SOL_SOCKET, 0x7777, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERRNO(__sys_setsockopt(srv, SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);
	/* sendmsg with control data (passing descriptor 0); read drops it. */
	memset(&m, 0, sizeof(m));
	struct iovec one = {"x", 1};
	m.msg_iov = (void *)&one;
	m.msg_iovlen = 1;
	CHECK_EQ(__sys_sendmsg(cli, &m, 0), 1);
	CHECK_EQ(read(srv, buf, sizeof(buf)), 1);
	int ctl[4] = {16, SOL_SOCKET, 1, 0};
	m.msg_control = (void *)ctl;
	m.msg_controllen = sizeof(ctl);
	CHECK_EQ(__sys_sendmsg(cli, &m, 0), 1);
	CHECK_EQ(read(srv, buf, sizeof(buf)), 1);

	/* The receiver closes: the connected sender gets ECONNRESET once, then it is
	 * unconnected; its name still refuses. */
	close(srv);
	CHECK_ERRNO(write(cli, "x", 1), ECONNRESET);
	CHECK_ERRNO(write(cli, "x", 1), EDESTADDRREQ);
	CHECK_ERRNO(__sys_sendto(cli, "x", 1, 0, &sun, len), ECONNREFUSED);
	PASS();
}
