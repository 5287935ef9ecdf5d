// abi: freebsd4-i386
/*
 * TCP's urgent data and a socket's signal owner, as 4.x has them:
 *  - send(MSG_OOB) makes the last byte sent urgent; the receiver takes it out of line
 *    (tcp_pulloutofband) unless SO_OOBINLINE, and puts the mark where it was (or at it,
 *    in line). Normal reads stop at the mark, MSG_WAITALL and MSG_PEEK too; SIOCATMARK
 *    says when reads are there; recv(MSG_OOB) gives the byte once (MSG_PEEK leaves it),
 *    EINVAL with no urgent data announced, once it was taken, or with SO_OOBINLINE,
 *    EWOULDBLOCK when it came in line; a second urgent send moves the mark and
 *    replaces the byte;
 *  - select's except set and poll's POLLPRI/POLLRDBAND report it from its arrival
 *    until reads move past the mark (sopoll); POLLWRBAND is never reported;
 *  - the Unix domain refuses MSG_OOB both ways (EOPNOTSUPP); UDP sends the bytes as
 *    usual and refuses a MSG_OOB receive;
 *  - F_SETOWN/F_GETOWN, FIOSETOWN/FIOGETOWN and SIOCSPGRP/SIOCGPGRP (negated) set
 *    and read the owner, who gets SIGURG when urgent data arrives: ESRCH for nobody,
 *    EPERM for another session, ENOTTY on a regular file; the owner is forgotten once
 *    it exits;
 *  - other ioctls on a socket are EOPNOTSUPP (pru_control), and recvmsg's msg_flags
 *    starts from the call's flags;
 *  - urgent data may run 1024 bytes past a full send buffer (sosend adds 1024 to the
 *    room a MSG_OOB send sees, then waits as any send does while that is short of
 *    both what is left and the low-water mark), and tcp_usr_send refuses it with
 *    ENOBUFS once the buffer is more than 512 bytes over.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>

static volatile int urgs;

static void on_urg(int sig)
{
	(void)sig;
	urgs++;
}

static int at_mark(int s)
{
	int v = -1;
	CHECK_OK(ioctl(s, SIOCATMARK, &v));
	return v;
}

/* Whether select finds `s` exceptional now. */
static int exceptional(int s)
{
	fd_set e;
	FD_ZERO(&e);
	FD_SET(s, &e);
	struct timeval zero = {0, 0};
	int n = CHECK_OK(select(s + 1, NULL, NULL, &e, &zero));
	CHECK_EQ(n, FD_ISSET(s, &e) ? 1 : 0);
	return n;
}

static int oob(int s, int flags)
{
	char c = 0;
	int n = __sys_recvfrom(s, &c, 1, MSG_OOB | flags, NULL, NULL);
	return n == 1 ? (unsigned char)c : -1;
}

static void expect(int s, const char *want, int flags)
{
	char buf[64];
	int n = CHECK_OK(__sys_recvfrom(s, buf, sizeof(buf), flags, NULL, NULL));
	CHECK_EQ(n, (int)strlen(want));
	CHECK(memcmp(buf, want, n) == 0);
}

/* Fills the send buffer of `s` (non-blocking from now on) to its last byte: with a
 * low-water mark of 1, writes go on while any room is left. The mark is `lowat` after.
 * Returns how much went in. */
static int fill(int s, int lowat)
{
	static char zeros[4096];
	int total = 0, n;
	nt_setsockopt_int(s, SOL_SOCKET, SO_SNDLOWAT, 1);
	CHECK_EQ(fcntl(s, F_SETFL, O_NONBLOCK), 0);
	while ((n = write(s, zeros, sizeof(zeros))) > 0)
		total += n;
	CHECK_EQ(errno, EAGAIN);
	nt_setsockopt_int(s, SOL_SOCKET, SO_SNDLOWAT, lowat);
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_SNDLOWAT), lowat);
	return total;
}

/* Reads on `s` the `filled` zeros of fill, then the first n - 1 bytes of an urgent
 * send of `sent`, which stop at the mark, and takes its last byte out of line. */
static void drain(int s, int filled, const char *sent, int n)
{
	static char buf[4096];
	while (filled > 0) {
		int got = CHECK_OK(read(s, buf, filled < (int)sizeof(buf) ? filled : (int)sizeof(buf)));
		CHECK(got > 0);
		for (int i = 0; i < got; i++)
			CHECK_EQ(buf[i], 0);
		filled -= got;
	}
	int got = 0;
	while (got < n - 1) {
		int r = CHECK_OK(read(s, buf + got, sizeof(buf) - got));
		CHECK(r > 0);
		got += r;
	}
	CHECK_EQ(got, n - 1);
	CHECK(memcmp(buf, sent, n - 1) == 0);
	CHECK_EQ(at_mark(s), 1);
	CHECK_EQ(oob(s, 0), (unsigned char)sent[n - 1]);
}

int main(void)
{
	struct sockaddr_in sin;
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7201)));
	CHECK_OK(__sys_listen(lst, 4));
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	/* Not connected: nothing announced. */
	CHECK_ERRNO(oob(cl, 0), EINVAL);
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	CHECK_ERRNO(oob(a, 0), EINVAL);
	CHECK_EQ(at_mark(a), 0);
	CHECK_EQ(exceptional(a), 0);

	/* "abc", then "de!" urgent: '!' out of line, the mark after "abcde". */
	CHECK_EQ(__sys_sendto(cl, "abc", 3, 0, NULL, 0), 3);
	CHECK_EQ(__sys_sendto(cl, "de!", 3, MSG_OOB, NULL, 0), 3);
	CHECK_EQ(at_mark(a), 0);
	CHECK_EQ(exceptional(a), 1);
	struct pollfd p = {a, POLLIN | POLLPRI | POLLRDBAND | POLLWRBAND, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLPRI | POLLRDBAND);
	int ready = 0;
	CHECK_OK(ioctl(a, FIONREAD, &ready));
	CHECK_EQ(ready, 5);
	/* A peek stops at the mark too, and the reads take only what is before it. */
	expect(a, "abcde", MSG_PEEK);
	char two[2];
	CHECK_EQ(read(a, two, 2), 2);
	CHECK(memcmp(two, "ab", 2) == 0);
	CHECK_EQ(at_mark(a), 0);
	expect(a, "cde", 0);
	CHECK_EQ(at_mark(a), 1);
	CHECK_EQ(exceptional(a), 1);
	CHECK_EQ(oob(a, MSG_PEEK), '!');
	CHECK_EQ(oob(a, 0), '!');
	CHECK_ERRNO(oob(a, 0), EINVAL);
	/* Reads moving past the mark end it. */
	CHECK_EQ(__sys_sendto(cl, "fg", 2, 0, NULL, 0), 2);
	expect(a, "fg", 0);
	CHECK_EQ(at_mark(a), 0);
	CHECK_EQ(exceptional(a), 0);
	CHECK_ERRNO(oob(a, 0), EINVAL);

	/* MSG_WAITALL stops at the mark. */
	CHECK_EQ(__sys_sendto(cl, "hijk", 4, MSG_OOB, NULL, 0), 4);
	CHECK_EQ(__sys_sendto(cl, "lmn", 3, 0, NULL, 0), 3);
	expect(a, "hij", MSG_WAITALL);
	CHECK_EQ(oob(a, 0), 'k');
	char three[3];
	CHECK_EQ(__sys_recvfrom(a, three, 3, MSG_WAITALL, NULL, NULL), 3);
	CHECK(memcmp(three, "lmn", 3) == 0);

	/* Urgent data with nothing before it: at the mark at once. */
	CHECK_EQ(__sys_sendto(cl, "u", 1, MSG_OOB, NULL, 0), 1);
	CHECK_EQ(at_mark(a), 1);
	CHECK_EQ(oob(a, 0), 'u');
	CHECK_EQ(fcntl(a, F_SETFL, O_NONBLOCK), 0);
	CHECK_ERRNO(read(a, two, 2), EAGAIN);
	CHECK_EQ(fcntl(a, F_SETFL, 0), 0);

	/* A second urgent send moves the mark and replaces the byte. */
	CHECK_EQ(__sys_sendto(cl, "rs", 2, MSG_OOB, NULL, 0), 2);
	CHECK_EQ(__sys_sendto(cl, "tu", 2, MSG_OOB, NULL, 0), 2);
	expect(a, "rt", 0);
	CHECK_EQ(at_mark(a), 1);
	CHECK_EQ(oob(a, 0), 'u');

	/* In line: the mark at the urgent byte, which comes with the data. */
	int on = 1;
	CHECK_OK(__sys_setsockopt(a, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)));
	CHECK_EQ(__sys_sendto(cl, "vw", 2, MSG_OOB, NULL, 0), 2);
	CHECK_ERRNO(oob(a, 0), EINVAL);
	expect(a, "v", 0);
	CHECK_EQ(at_mark(a), 1);
	expect(a, "w", 0);
	CHECK_EQ(at_mark(a), 0);
	on = 0;
	CHECK_OK(__sys_setsockopt(a, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)));
	/* Sent in line, then asked for out of line: nothing there yet. */
	CHECK_OK(__sys_setsockopt(a, SOL_SOCKET, SO_OOBINLINE, &(int){1}, sizeof(int)));
	CHECK_EQ(__sys_sendto(cl, "x", 1, MSG_OOB, NULL, 0), 1);
	CHECK_OK(__sys_setsockopt(a, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)));
	CHECK_ERRNO(oob(a, 0), EWOULDBLOCK);
	expect(a, "x", 0);

	/* The owner, and SIGURG. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_urg;
	CHECK_OK(sigaction(SIGURG, &sa, NULL));
	CHECK_EQ(fcntl(a, F_GETOWN), 0);
	CHECK_EQ(__sys_sendto(cl, "y", 1, MSG_OOB, NULL, 0), 1);
	CHECK_EQ(urgs, 0);
	CHECK_EQ(oob(a, 0), 'y');
	CHECK_OK(fcntl(a, F_SETOWN, getpid()));
	CHECK_EQ(fcntl(a, F_GETOWN), getpid());
	int id = 0;
	CHECK_OK(ioctl(a, SIOCGPGRP, &id));
	CHECK_EQ(id, -getpid());
	CHECK_EQ(__sys_sendto(cl, "z", 1, MSG_OOB, NULL, 0), 1);
	CHECK_EQ(urgs, 1);
	CHECK_EQ(oob(a, 0), 'z');
	/* Only the receiving socket's owner hears of it. */
	CHECK_EQ(__sys_sendto(a, "Z", 1, MSG_OOB, NULL, 0), 1);
	CHECK_EQ(urgs, 1);
	CHECK_EQ(oob(cl, 0), 'Z');
	id = getpgrp();
	CHECK_OK(ioctl(a, SIOCSPGRP, &id));
	CHECK_EQ(fcntl(a, F_GETOWN), -getpgrp());
	CHECK_OK(ioctl(a, FIOGETOWN, &id));
	CHECK_EQ(id, -getpgrp());
	CHECK_EQ(__sys_sendto(cl, "1", 1, MSG_OOB, NULL, 0), 1);
	CHECK_EQ(urgs, 2);
	CHECK_EQ(oob(a, 0), '1');
	id = 0;
	CHECK_OK(ioctl(a, FIOSETOWN, &id));
	CHECK_EQ(fcntl(a, F_GETOWN), 0);
	CHECK_EQ(__sys_sendto(cl, "2", 1, MSG_OOB, NULL, 0), 1);
	CHECK_EQ(urgs, 2);
	CHECK_EQ(oob(a, 0), '2');
	CHECK_ERRNO(fcntl(a, F_SETOWN, 99999), ESRCH);
	CHECK_ERRNO(fcntl(a, F_SETOWN, -99999), ESRCH);
	int f = CHECK_OK(open("/tmp/fb4_oob.file", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_ERRNO(fcntl(f, F_SETOWN, getpid()), ENOTTY);
	CHECK_ERRNO(fcntl(f, F_GETOWN), ENOTTY);
	close(f);
	unlink("/tmp/fb4_oob.file");

	/* A process of another session may not own it; one that has exited owns nothing. */
	int go[2], told[2];
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(told));
	pid_t other = CHECK_OK(fork());
	if (other == 0) {
		char c;
		if (setsid() < 0)
			_exit(1);
		(void)!write(told[1], "s", 1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	CHECK_EQ(read(told[0], &c, 1), 1);
	CHECK_ERRNO(fcntl(a, F_SETOWN, other), EPERM);
	CHECK_EQ(write(go[1], "g", 1), 1);
	int status;
	CHECK_EQ(waitpid(other, &status, 0), other);
	CHECK_EQ(status, 0);
	pid_t kin = CHECK_OK(fork());
	if (kin == 0) {
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	CHECK_OK(fcntl(a, F_SETOWN, kin));
	CHECK_EQ(fcntl(a, F_GETOWN), kin);
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(waitpid(kin, &status, 0), kin);
	CHECK_EQ(fcntl(a, F_GETOWN), 0);

	/* Other ioctls: the protocol's pru_control has none. */
	struct termios t;
	CHECK_ERRNO(ioctl(a, TIOCGETA, &t), EOPNOTSUPP);

	/* recvmsg's msg_flags starts from the call's flags. */
	CHECK_EQ(write(cl, "m", 1), 1);
	char mb[4];
	struct iovec iov = {mb, sizeof(mb)};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_flags = -1;
	CHECK_EQ(__sys_recvmsg(a, &m, MSG_PEEK), 1);
	CHECK_EQ(m.msg_flags, MSG_PEEK);
	CHECK_EQ(__sys_recvmsg(a, &m, 0), 1);
	CHECK_EQ(m.msg_flags, 0);

	/* Past a full send buffer: a send of 1025 urgent bytes waits (1024 of room, short
	 * of the low-water mark's 2048), one of 1024 goes whole, then nothing more. */
	int c2 = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(c2, &sin, sizeof(sin)));
	int a2 = CHECK_OK(__sys_accept(lst, NULL, NULL));
	static char sent[2048];
	for (unsigned i = 0; i < sizeof(sent); i++)
		sent[i] = (char)(i * 7 + 1);
	int filled = fill(c2, 2048);
	CHECK(filled > 0);
	CHECK_ERRNO(__sys_sendto(c2, sent, 1025, MSG_OOB, NULL, 0), EAGAIN);
	CHECK_EQ(__sys_sendto(c2, sent, 1024, MSG_OOB, NULL, 0), 1024);
	CHECK_ERRNO(__sys_sendto(c2, sent, 1, MSG_OOB, NULL, 0), EAGAIN);
	CHECK_ERRNO(write(c2, sent, 1), EAGAIN);
	drain(a2, filled, sent, 1024);
	/* With a low-water mark of 1, a longer one takes the 1024 bytes, the last urgent. */
	filled = fill(c2, 1);
	CHECK_EQ(__sys_sendto(c2, sent, 2000, MSG_OOB, NULL, 0), 1024);
	drain(a2, filled, sent, 1024);
	/* More than 512 bytes over, the buffer takes no more urgent data: ENOBUFS, room
	 * or not (sendmsg as sendto). */
	filled = fill(c2, 1);
	CHECK_EQ(__sys_sendto(c2, sent, 600, MSG_OOB, NULL, 0), 600);
	CHECK_ERRNO(__sys_sendto(c2, sent, 10, MSG_OOB, NULL, 0), ENOBUFS);
	struct iovec piece = {sent, 10};
	struct msghdr urgent_msg;
	memset(&urgent_msg, 0, sizeof(urgent_msg));
	urgent_msg.msg_iov = &piece;
	urgent_msg.msg_iovlen = 1;
	CHECK_ERRNO(__sys_sendmsg(c2, &urgent_msg, MSG_OOB), ENOBUFS);
	drain(a2, filled, sent, 600);
	close(c2);
	close(a2);

	/* The Unix domain has no urgent data; UDP sends the bytes as usual. */
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(__sys_sendto(sv[0], "o", 1, MSG_OOB, NULL, 0), EOPNOTSUPP);
	CHECK_ERRNO(oob(sv[1], 0), EOPNOTSUPP);
	CHECK_OK(fcntl(sv[1], F_SETOWN, getpid()));
	CHECK_EQ(fcntl(sv[1], F_GETOWN), getpid());
	int u = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_OK(__sys_bind(u, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7202)));
	CHECK_EQ(__sys_sendto(u, "dg", 2, MSG_OOB, &sin, sizeof(sin)), 2);
	CHECK_ERRNO(oob(u, 0), EOPNOTSUPP);
	expect(u, "dg", 0);
	PASS();
}
