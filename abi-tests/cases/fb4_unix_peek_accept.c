// abi: freebsd4-i386
/*
 * AF_UNIX details as 4.x's uipc code has them:
 *  - MSG_PEEK gives the next bytes (stream) or the next whole datagram and leaves
 *    them for the next read;
 *  - once a stream peer has closed, getpeername is ENOTCONN (unp_disconnect), while
 *    the bytes it sent can still be read, then end of file;
 *  - a bound datagram socket may listen (uipc_listen only asks for a name); an
 *    unbound one is EINVAL;
 *  - accept with the descriptor table full is EMFILE, and the connection is put back
 *    for the next accept (accept1), not lost.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>

#define RLIMIT_NOFILE_ 8

int main(void)
{
	char buf[64];
	unsigned char name[128];
	int nlen;
	int sv[2];
	nt_scratch_dir("fb4_unix_peek_accept");

	/* Stream: peek, then the same bytes by read. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[1], "peekaboo", 8), 8);
	CHECK_EQ(__sys_recvfrom(sv[0], buf, 4, MSG_PEEK, NULL, NULL), 4);
	CHECK(memcmp(buf, "peek", 4) == 0);
	CHECK_EQ(__sys_recvfrom(sv[0], buf, sizeof(buf), MSG_PEEK, NULL, NULL), 8);
	nlen = sizeof(name);
	CHECK_OK(__sys_getpeername(sv[0], name, &nlen));
	close(sv[1]);
	nlen = sizeof(name);
	CHECK_ERRNO(__sys_getpeername(sv[0], name, &nlen), ENOTCONN);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 8);
	CHECK(memcmp(buf, "peekaboo", 8) == 0);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	CHECK_ERRNO(__sys_recvfrom(sv[0], buf, 4, MSG_OOB, NULL, NULL), EOPNOTSUPP);
	close(sv[0]);

	/* Datagram: a peek gives the first message whole (cut to the buffer) and keeps
	 * it; the read after takes it. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(write(sv[1], "first", 5), 5);
	CHECK_EQ(write(sv[1], "second", 6), 6);
	CHECK_EQ(__sys_recvfrom(sv[0], buf, 3, MSG_PEEK, NULL, NULL), 3);
	CHECK(memcmp(buf, "fir", 3) == 0);
	CHECK_EQ(__sys_recvfrom(sv[0], buf, sizeof(buf), MSG_PEEK, NULL, NULL), 5);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "first", 5) == 0);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "second", 6) == 0);
	CHECK_ERRNO(__sys_recvfrom(sv[0], buf, 4, MSG_PEEK | MSG_DONTWAIT, NULL, NULL), EAGAIN);
	close(sv[0]);
	close(sv[1]);

	/* listen on datagram sockets. */
	struct sockaddr_un dsun;
	int dlen = nt_sockaddr_un(&dsun, "d.sock");
	int d = CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK_ERRNO(__sys_listen(d, 5), EINVAL);
	CHECK_OK(__sys_bind(d, &dsun, dlen));
	CHECK_OK(__sys_listen(d, 5));
	int dc = CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK_EQ(__sys_sendto(dc, "dg", 2, 0, &dsun, dlen), 2);
	CHECK_EQ(read(d, buf, sizeof(buf)), 2);
	close(dc);
	close(d);

	/* accept with no descriptor free: EMFILE, and the connection waits on. */
	struct sockaddr_un sun;
	int len = nt_sockaddr_un(&sun, "a.sock");
	int srv = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(srv, &sun, len));
	CHECK_OK(__sys_listen(srv, 5));
	int cli = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cli, &sun, len));
	CHECK_EQ(write(cli, "hi", 2), 2);
	struct rlimit rl = nt_getrlimit(RLIMIT_NOFILE_);
	rl.rlim_cur = 16;
	CHECK_OK(__sys_setrlimit(RLIMIT_NOFILE_, &rl));
	int last = -1, fd;
	while ((fd = dup(0)) >= 0)
		last = fd;
	CHECK_EQ(errno, EMFILE);
	CHECK(last > 0);
	CHECK_ERRNO(__sys_accept(srv, NULL, NULL), EMFILE);
	close(last);
	int conn = CHECK_OK(__sys_accept(srv, NULL, NULL));
	CHECK_EQ(conn, last);
	CHECK_EQ(read(conn, buf, sizeof(buf)), 2);
	CHECK(memcmp(buf, "hi", 2) == 0);
	PASS();
}
