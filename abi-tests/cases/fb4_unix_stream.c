// abi: freebsd4-i386
/*
 * AF_UNIX stream sockets (97, 135, 104, 98, 106, 30, 32, 31, 134): a parent and its
 * child over socketpair with end of file and EPIPE + SIGPIPE once the child is gone;
 * a server and a client over a bound path with accept; the 4.x errnos of bind,
 * connect and listen; the bytes of struct sockaddr_un getsockname gives back;
 * non-blocking calls and poll; shutdown; and EPROTONOSUPPORT for what there is no
 * protocol for, with the process alive after it (AF_INET: fb4_inet_tcp, fb4_inet_udp).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

static volatile int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }


static int stream_socket(void) { return CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0)); }

int main(void)
{
	char buf[64];
	int status;
	struct stat st;
	nt_scratch_dir("fb4_unix_stream");

	/* Other domains, types and protocols are EPROTONOSUPPORT. */
	CHECK_ERRNO(__sys_socket(28, SOCK_STREAM, 0), EPROTONOSUPPORT);
	CHECK_ERRNO(__sys_socket(AF_UNIX, SOCK_RAW, 0), EPROTONOSUPPORT);
	CHECK_ERRNO(__sys_socket(AF_UNIX, SOCK_STREAM, 6), EPROTONOSUPPORT);
	int sv[2];
	CHECK_ERRNO(__sys_socketpair(28, SOCK_STREAM, 0, sv), EPROTONOSUPPORT);

	/* socketpair between a parent and its child. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(fstat(sv[0], &st));
	CHECK_EQ(st.st_mode & S_IFMT, S_IFSOCK);
	int pid = fork();
	if (pid == 0) {
		close(sv[0]);
		CHECK_EQ(read(sv[1], buf, sizeof(buf)), 5);
		CHECK(memcmp(buf, "hello", 5) == 0);
		CHECK_EQ(write(sv[1], "world!", 6), 6);
		_exit(0);
	}
	close(sv[1]);
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "world!", 6) == 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* The child is gone: end of file, then EPIPE with SIGPIPE. */
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	signal(SIGPIPE, on_sigpipe);
	CHECK_ERRNO(write(sv[0], "x", 1), EPIPE);
	CHECK_EQ(sigpipes, 1);
	CHECK_ERRNO(__sys_sendto(sv[0], "x", 1, 0, NULL, 0), EPIPE);
	CHECK_EQ(sigpipes, 2);
	close(sv[0]);

	/* Non-blocking reads, poll, and shutdown. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(fcntl(sv[1], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(sv[1], buf, sizeof(buf)), EAGAIN);
	struct pollfd p = {sv[1], POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLOUT);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 3);
	CHECK_ERRNO(__sys_shutdown(sv[0], 7), EINVAL);
	CHECK_OK(__sys_shutdown(sv[0], SHUT_WR));
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);
	CHECK_ERRNO(write(sv[0], "x", 1), EPIPE);
	CHECK_EQ(sigpipes, 3);
	CHECK_EQ(write(sv[1], "back", 4), 4);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 4);
	close(sv[0]);
	close(sv[1]);

	/* A server on a bound path. */
	struct sockaddr_un sun, bad;
	int len = nt_sockaddr_un(&sun, "srv.sock");
	int srv = stream_socket();
	CHECK_ERRNO(__sys_listen(srv, 5), EINVAL);
	CHECK_ERRNO(__sys_bind(srv, &sun, 2), EINVAL);
	CHECK_ERRNO(__sys_bind(srv, &sun, 256), ENAMETOOLONG);
	CHECK_OK(__sys_bind(srv, &sun, len));
	CHECK_ERRNO(__sys_bind(srv, &sun, len), EINVAL);
	CHECK_OK(stat("srv.sock", &st));
	CHECK_EQ(st.st_mode & S_IFMT, S_IFSOCK);
	CHECK_ERRNO(open("srv.sock", O_RDONLY), EOPNOTSUPP);
	int other = stream_socket();
	CHECK_ERRNO(__sys_bind(other, &sun, len), EADDRINUSE);
	CHECK_ERRNO(__sys_getpeername(other, buf, &status), ENOTCONN);
	CHECK_ERRNO(__sys_connect(other, &sun, len), ECONNREFUSED);
	CHECK_ERRNO(__sys_connect(other, &bad, nt_sockaddr_un(&bad, "nothing")), ENOENT);
	CHECK_ERRNO(__sys_connect(other, &bad, nt_sockaddr_un(&bad, ".")), ENOTSOCK);
	CHECK_ERRNO(__sys_connect(1, &sun, len), ENOTSOCK);
	CHECK_OK(__sys_listen(srv, 5));

	/* getsockname gives back sun_len, AF_UNIX and the path, byte for byte; an unbound
	 * socket's name is the 16-byte unnamed sockaddr. */
	unsigned char got[128];
	int glen = sizeof(got);
	memset(got, 0xee, sizeof(got));
	CHECK_OK(__sys_getsockname(srv, got, &glen));
	CHECK_EQ(glen, len);
	CHECK_EQ(got[0], len);
	CHECK_EQ(got[1], AF_UNIX);
	CHECK(memcmp(got + 2, "srv.sock", 8) == 0);
	CHECK_EQ(got[len], 0xee);
	glen = 4;
	memset(got, 0xee, sizeof(got));
	CHECK_OK(__sys_getsockname(srv, got, &glen));
	CHECK_EQ(glen, 4);
	CHECK_EQ(got[4], 0xee);
	glen = sizeof(got);
	CHECK_OK(__sys_getsockname(other, got, &glen));
	CHECK_EQ(glen, 16);
	CHECK_EQ(got[0], 16);
	CHECK_EQ(got[1], AF_UNIX);
	CHECK_EQ(got[2], 0);
	/* The old (4.3BSD) call writes a 16-bit family first. */
	glen = sizeof(got);
	CHECK_OK(syscall(150, srv, got, &glen));
	CHECK_EQ(glen, len);
	CHECK_EQ(got[0], AF_UNIX);
	CHECK_EQ(got[1], 0);

	pid = fork();
	if (pid == 0) {
		int c = stream_socket();
		CHECK_OK(__sys_connect(c, &sun, len));
		CHECK_ERRNO(__sys_connect(c, &sun, len), EISCONN);
		glen = sizeof(got);
		CHECK_OK(__sys_getpeername(c, got, &glen));
		CHECK_EQ(glen, len);
		CHECK(memcmp(got + 2, "srv.sock", 8) == 0);
		CHECK_EQ(write(c, "request", 7), 7);
		CHECK_EQ(read(c, buf, sizeof(buf)), 5);
		CHECK(memcmp(buf, "reply", 5) == 0);
		CHECK_EQ(read(c, buf, sizeof(buf)), 0);
		_exit(0);
	}
	glen = sizeof(got);
	int conn = CHECK_OK(__sys_accept(srv, got, &glen));
	CHECK_EQ(glen, 16);
	CHECK_EQ(got[1], AF_UNIX);
	glen = sizeof(got);
	CHECK_OK(__sys_getsockname(conn, got, &glen));
	CHECK_EQ(glen, len);
	CHECK_EQ(read(conn, buf, sizeof(buf)), 7);
	CHECK(memcmp(buf, "request", 7) == 0);
	CHECK_EQ(write(conn, "reply", 5), 5);
	close(conn);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Nothing waiting: a non-blocking accept is EAGAIN; a connected socket cannot
	 * listen, a listening one cannot connect. */
	CHECK_OK(fcntl(srv, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(__sys_accept(srv, NULL, NULL), EAGAIN);
	CHECK_ERRNO(__sys_connect(srv, &sun, len), EOPNOTSUPP);

	/* Backlog 1: two connections wait, the third is refused (4.x's 3/2 rule). */
	struct sockaddr_un q;
	int qlen = nt_sockaddr_un(&q, "q.sock");
	int qs = stream_socket();
	CHECK_OK(__sys_bind(qs, &q, qlen));
	CHECK_OK(__sys_listen(qs, 1));
	CHECK_OK(__sys_connect(stream_socket(), &q, qlen));
	CHECK_OK(__sys_connect(stream_socket(), &q, qlen));
	CHECK_ERRNO(__sys_connect(stream_socket(), &q, qlen), ECONNREFUSED);

	/* A closed server's name stays and refuses; unlink removes it. */
	close(srv);
	CHECK_ERRNO(__sys_connect(other, &sun, len), ECONNREFUSED);
	CHECK_OK(unlink("srv.sock"));
	CHECK_ERRNO(__sys_connect(other, &sun, len), ENOENT);
	PASS();
}
