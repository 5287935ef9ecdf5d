// abi: freebsd4-i386
/*
 * Descriptors in flight over AF_UNIX sockets are accounted for and collected, as
 * 4.x's unp_gc does:
 *  - a descriptor passed and received 1,500 times never exhausts the bound on files
 *    in flight (received files leave it);
 *  - 800 cycles (each of two sockets in flight in the other's queue, every descriptor
 *    to them closed) are freed by the collector: sending goes on working where,
 *    without it, the bound (1024 files) would be reached;
 *  - 1,100 sockets each sent through itself (in flight in its peer's queue, which
 *    its own end holds), then both ends closed, go with their peers, as 4.x's
 *    soclose flushes a closed socket's receive buffer (sorflush): sending goes on
 *    working past the bound;
 *  - a chain of 300 sockets, each in flight in the previous one's queue, goes when the
 *    first is closed, without harm to the kernel;
 *  - a cycle collected when its last descriptor closes takes a socket whose open peer
 *    sends its owner (the closing process) SIGIO: the signal arrives and the close
 *    returns (the collector once ran under the closer's descriptor-table lock).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>

static volatile int sigio_count;

static void on_sigio(int sig)
{
	(void)sig;
	sigio_count++;
}

#define HDR 12

struct ctl {
	struct cmsghdr h;
	int fds[4];
};

static int send_fd(int s, int fd)
{
	struct ctl c;
	struct iovec iov = {(void *)"x", 1};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	memset(&c, 0, sizeof c);
	c.h.cmsg_len = HDR + 4;
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	c.fds[0] = fd;
	m.msg_iov = (void *)&iov;
	m.msg_iovlen = 1;
	m.msg_control = (void *)&c;
	m.msg_controllen = c.h.cmsg_len;
	return __sys_sendmsg(s, &m, 0);
}

/* Receives one message and the descriptor it carries (-1: none). */
static int recv_fd(int s)
{
	struct ctl c;
	char b;
	struct iovec iov = {&b, 1};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	memset(&c, 0, sizeof c);
	m.msg_iov = (void *)&iov;
	m.msg_iovlen = 1;
	m.msg_control = (void *)&c;
	m.msg_controllen = sizeof c;
	if (__sys_recvmsg(s, &m, 0) != 1 || m.msg_controllen < HDR + 4)
		return -1;
	return c.fds[0];
}

int main(void)
{
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int f = CHECK_OK(open("/dev/null", O_RDONLY));
	for (int i = 0; i < 1500; i++) {
		if (send_fd(sv[0], f) != 1)
			FAIL("round trip %d: sendmsg: errno %s", i, nt_errname(errno));
		int got = recv_fd(sv[1]);
		if (got < 0)
			FAIL("round trip %d: nothing received", i);
		close(got);
	}
	close(sv[0]);
	close(sv[1]);

	for (int i = 0; i < 800; i++) {
		int a[2], b[2];
		CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, a));
		CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, b));
		/* a[0]'s queue gets b[0]; b[0]'s queue gets a[0]. */
		if (send_fd(a[1], b[0]) != 1 || send_fd(b[1], a[0]) != 1)
			FAIL("cycle %d: sendmsg: errno %s", i, nt_errname(errno));
		close(a[0]);
		close(a[1]);
		close(b[0]);
		close(b[1]);
	}

	for (int i = 0; i < 1100; i++) {
		int s[2];
		CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s));
		if (send_fd(s[0], s[0]) != 1)
			FAIL("self %d: sendmsg: errno %s", i, nt_errname(errno));
		close(s[0]);
		close(s[1]);
	}

	int head[2], link[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, head));
	int writer = head[1];
	for (int i = 0; i < 300; i++) {
		CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, link));
		if (send_fd(writer, link[0]) != 1)
			FAIL("chain %d: sendmsg: errno %s", i, nt_errname(errno));
		close(link[0]);
		close(writer);
		writer = link[1];
	}
	close(writer);
	close(head[0]);

	/* x[0] in flight in y[0]'s queue and y[0] in x[0]'s: once both are closed they are
	 * garbage, and x[0] going wakes its peer x[1], asynchronous and owned by us. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigio;
	CHECK_OK(sigaction(SIGIO, &sa, NULL));
	int x[2], y[2], on = 1;
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, x));
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, y));
	CHECK_OK(fcntl(x[1], F_SETOWN, getpid()));
	CHECK_OK(ioctl(x[1], FIOASYNC, &on));
	CHECK_EQ(send_fd(y[1], x[0]), 1);
	CHECK_EQ(send_fd(x[1], y[0]), 1);
	sigio_count = 0;
	CHECK_OK(close(x[0]));
	CHECK_OK(close(y[0]));
	/* Closing another socket runs the collector too (it once found the cycle only
	 * then, running under this process's descriptor table lock: the SIGIO it sent
	 * took that process's lock again). */
	int z[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, z));
	CHECK_OK(close(z[0]));
	CHECK(sigio_count > 0);
	close(z[1]);
	close(x[1]);
	close(y[1]);
	/* Everything went: passing still works. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send_fd(sv[0], f), 1);
	int got = recv_fd(sv[1]);
	CHECK(got >= 0);
	PASS();
}
