// abi: freebsd4-i386
/*
 * A pty master's user-control and remote modes and TIOCSIG (4.x's tty_pty.c):
 *  - the master's other requests want the slave open: EAGAIN before (its own,
 *    TIOCPKT, TIOCUCNTL, TIOCREMOTE and TIOCGPGRP, work at once), FIONBIO and
 *    fcntl's F_SETFL too, whose flags are set all the same;
 *  - TIOCUCNTL: EINVAL in packet mode, and TIOCPKT EINVAL in user-control mode; a
 *    UIOCCMD(n) request (_IO('u', n)) on either side gives the master's next read
 *    the byte n alone, data coming after a 0 byte; UIOCCMD(0) sends nothing; a
 *    pending command makes the master readable and exceptional; without the mode
 *    UIOCCMD is ENOTTY;
 *  - TIOCREMOTE: what the master writes skips the line discipline (no echo,
 *    editing or signal characters): each write is a record the slave reads whole,
 *    or in parts for a short buffer; the master's next write waits until it has
 *    been read (EAGAIN non-blocking, no POLLOUT); a write past 1023 bytes is cut
 *    there; FIONREAD on the slave counts the record and its 0 byte; a write of
 *    nothing is an empty record, which the slave reads as end of file; writev's
 *    pieces make one record, which readv takes into its pieces; a slave read
 *    with no record waits (EAGAIN non-blocking); off again, input is typed, and a
 *    line that fills readv's first piece ends the read;
 *  - TIOCSIG: the master sends the signal its argument names to the foreground
 *    group, 0 and 32 up being EINVAL, and flushes typed input unless NOFLSH.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#define UIOCCMD(n) (0x20007500UL | (n))

static int m, s;

static void expect_master(const char *want, int len)
{
	char buf[64];
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	if (n != len || memcmp(buf, want, len) != 0)
		FAIL("master read %d bytes (first %#x), wanted %d", n,
		     n > 0 ? (unsigned char)buf[0] : 0, len);
}

static short master_events(void)
{
	struct pollfd p = {m, POLLIN | POLLPRI | POLLOUT, 0};
	CHECK_OK(poll(&p, 1, 0));
	return p.revents;
}

static int pending(int fd)
{
	int n = -1;
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	return n;
}

static volatile int usr1;
static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static void user_control(void)
{
	int on = 1, off = 0;
	CHECK_OK(ioctl(m, TIOCUCNTL, &on));
	CHECK_ERRNO(ioctl(m, TIOCPKT, &on), EINVAL);
	CHECK_EQ(master_events() & (POLLIN | POLLPRI), 0);
	CHECK_OK(ioctl(s, UIOCCMD(5)));
	CHECK_EQ(master_events() & (POLLIN | POLLPRI), POLLIN | POLLPRI);
	expect_master("\5", 1);
	CHECK_EQ(write(s, "out", 3), 3);
	expect_master("\0out", 4);
	CHECK_OK(ioctl(s, UIOCCMD(0)));
	char c;
	CHECK_ERRNO(read(m, &c, 1), EAGAIN);
	CHECK_OK(ioctl(m, UIOCCMD(0x7f)));
	expect_master("\177", 1);
	CHECK_OK(ioctl(m, TIOCUCNTL, &off));
	CHECK_ERRNO(ioctl(s, UIOCCMD(5)), ENOTTY);
	CHECK_OK(ioctl(m, TIOCPKT, &on));
	CHECK_ERRNO(ioctl(m, TIOCUCNTL, &on), EINVAL);
	CHECK_OK(ioctl(m, TIOCPKT, &off));
}

struct iov32 {
	void *base;
	size_t len;
};

/* setitimer's struct itimerval. */
struct itv {
	struct timeval interval, value;
};

static void on_alarm(int sig) { (void)sig; }

static void remote(void)
{
	int on = 1, off = 0;
	char buf[2048];
	CHECK_OK(ioctl(m, TIOCREMOTE, &on));
	/* Erase, ^C and newline go as they are; nothing echoes. */
	const char keys[] = "ab\177c\003\n";
	CHECK_EQ(write(m, keys, 6), 6);
	CHECK_EQ(pending(s), 7);
	CHECK_EQ(read(s, buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, keys, 6) == 0);
	CHECK_ERRNO(read(m, buf, 1), EAGAIN);

	/* One record at a time. */
	CHECK_EQ(write(m, "first", 5), 5);
	CHECK_EQ(master_events() & POLLOUT, 0);
	CHECK_ERRNO(write(m, "second", 6), EAGAIN);
	CHECK_EQ(read(s, buf, 3), 3);
	CHECK(memcmp(buf, "fir", 3) == 0);
	CHECK_EQ(pending(s), 3);
	CHECK_EQ(master_events() & POLLOUT, 0);
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	CHECK(memcmp(buf, "st", 2) == 0);
	CHECK_EQ(master_events() & POLLOUT, POLLOUT);
	CHECK_EQ(write(m, "second", 6), 6);
	CHECK_EQ(read(s, buf, sizeof(buf)), 6);

	/* Long writes are cut at the queue's bound. */
	memset(buf, 'L', sizeof(buf));
	CHECK_EQ(write(m, buf, 2000), 1023);
	CHECK_EQ(read(s, buf, sizeof(buf)), 1023);

	/* No record: a non-blocking reader is told so. */
	int flags = CHECK_OK(fcntl(s, F_GETFL));
	CHECK_OK(fcntl(s, F_SETFL, flags | O_NONBLOCK));
	CHECK_ERRNO(read(s, buf, 1), EAGAIN);
	CHECK_OK(fcntl(s, F_SETFL, flags));

	/* writev makes one record of its pieces (ptcwrite takes the whole uio), and
	 * readv takes one record into its pieces. */
	struct iov32 out[2] = {{"ab", 2}, {"cd", 2}};
	CHECK_EQ(__sys_writev(m, out, 2), 4);
	char a[3], b[8];
	struct iov32 in[2] = {{a, 3}, {b, 8}};
	CHECK_EQ(__sys_readv(s, in, 2), 4);
	CHECK(memcmp(a, "abc", 3) == 0 && b[0] == 'd');

	/* A write of nothing is an empty record: the slave reads end of file. */
	CHECK_EQ(write(m, "", 0), 0);
	CHECK_EQ(pending(s), 1);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	CHECK_EQ(pending(s), 0);

	/* Off: typed input again, echoed, by the line. */
	CHECK_OK(ioctl(m, TIOCREMOTE, &off));
	CHECK_EQ(write(m, "x\n", 2), 2);
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	CHECK(memcmp(buf, "x\n", 2) == 0);
	expect_master("x\r\n", 3);

	/* A line that fills readv's first piece ends the read: ttread fills the uio
	 * once, it does not wait for another line for the second piece (an alarm ends
	 * the wait if it does). */
	CHECK_EQ(write(m, "abc\n", 4), 4);
	expect_master("abc\r\n", 5);
	char l1[4], l2[16];
	struct iov32 lines[2] = {{l1, sizeof(l1)}, {l2, sizeof(l2)}};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: the alarm ends a wait */
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	struct itv one_second = {{0, 0}, {1, 0}}, off_timer = {{0, 0}, {0, 0}};
	CHECK_OK(__sys_setitimer(0, &one_second, NULL));
	long start = nt_now_ms();
	CHECK_EQ(__sys_readv(s, lines, 2), 4);
	CHECK(nt_now_ms() - start < 500);
	CHECK_OK(__sys_setitimer(0, &off_timer, NULL));
	CHECK(memcmp(l1, "abc\n", 4) == 0);
}

static void signals(void)
{
	int ready[2];
	CHECK_OK(pipe(ready));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		signal(SIGUSR1, on_usr1);
		if (setsid() < 0)
			_exit(10);
		int t = open("/dev/ttyp3", O_RDWR);
		if (t < 0 || ioctl(t, TIOCSCTTY, 0) != 0 || tcsetpgrp(t, getpid()) != 0)
			_exit(11);
		(void)!write(ready[1], "r", 1);
		for (int i = 0; i < 500 && usr1 == 0; i++)
			usleep(2000);
		_exit(usr1 == 1 ? 0 : 12);
	}
	close(ready[1]);
	char c;
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_ERRNO(ioctl(m, TIOCSIG, (void *)0), EINVAL);
	CHECK_ERRNO(ioctl(m, TIOCSIG, (void *)32), EINVAL);
	CHECK_ERRNO(ioctl(s, TIOCSIG, (void *)SIGUSR1), ENOTTY);
	/* A whole line: FIONREAD in canonical mode counts lines (ttnread). */
	CHECK_EQ(write(m, "typed\n", 6), 6);
	CHECK_EQ(pending(s), 6);
	CHECK_OK(ioctl(m, TIOCSIG, (void *)SIGUSR1));
	CHECK_EQ(pending(s), 0);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
}

int main(void)
{
	m = CHECK_OK(open("/dev/ptyp3", O_RDWR));
	struct termios t;
	CHECK_ERRNO(ioctl(m, TIOCGETA, &t), EAGAIN);
	CHECK_ERRNO(ioctl(m, TIOCSIG, (void *)SIGUSR1), EAGAIN);
	int pgrp = -1;
	CHECK_OK(ioctl(m, TIOCGPGRP, &pgrp));
	/* FIONBIO and FIOASYNC too (ioctl and fcntl set the flags first). */
	int yes = 1;
	CHECK_ERRNO(ioctl(m, FIONBIO, &yes), EAGAIN);
	CHECK(fcntl(m, F_GETFL) & O_NONBLOCK);
	CHECK_ERRNO(fcntl(m, F_SETFL, 0), EAGAIN);
	CHECK_EQ(fcntl(m, F_GETFL) & O_NONBLOCK, 0);
	s = CHECK_OK(open("/dev/ttyp3", O_RDWR));
	CHECK_OK(ioctl(m, TIOCGETA, &t));
	CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
	user_control();
	remote();
	signals();
	close(s);
	close(m);
	PASS();
}
