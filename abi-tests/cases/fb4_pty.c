// abi: freebsd4-i386
/*
 * Pseudo-terminals as 4.x's pty driver has them (MAKEDEV pty0: /dev/ptyp0..f, major
 * 6, and /dev/ttyp0..f, major 5, both 0666):
 *  - one master file at a time (EIO for a second); a slave opener waits for a master,
 *    or with O_NONBLOCK finds the line down (end of file, EIO) until one opens;
 *  - what the master writes is the slave's typed input, through the line discipline:
 *    a line for a canonical reader, its echo (ONLCR's \r\n) back to the master; what
 *    the slave writes the master reads, a writer waiting while the master has not
 *    read what went before; raw mode gives bytes at once;
 *  - the terminal ioctls on either side act on the slave: TIOCSWINSZ on the master
 *    is what TIOCGWINSZ on the slave says; both are ttys (TIOCGETA, FIODTYPE);
 *  - a session leader takes the slave as its controlling terminal (TIOCSCTTY), then
 *    /dev/tty reaches the slave and ^C typed at the master interrupts its foreground group;
 *  - the master's close hangs the line up: the session leader gets SIGHUP, readers
 *    end of file, writers EIO; the slave's last close makes the master read end of
 *    file.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>

static void expect_read(int fd, const char *want)
{
	char buf[64];
	int n = CHECK_OK(read(fd, buf, sizeof(buf)));
	CHECK_EQ(n, (int)strlen(want));
	CHECK(memcmp(buf, want, n) == 0);
}

/* Reads the master until end of file. */
static void drain_to_eof(int m)
{
	char buf[64];
	int n;
	do
		n = CHECK_OK(read(m, buf, sizeof(buf)));
	while (n > 0);
}

int main(void)
{
	struct stat st;
	CHECK_OK(stat("/dev/ptyp0", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0666);
	CHECK_EQ(st.st_rdev, 6 << 8);
	CHECK_OK(stat("/dev/ttypf", &st));
	CHECK_EQ(st.st_rdev, 5 << 8 | 15);

	/* With no master, O_NONBLOCK opens the line down: end of file, EIO. */
	int early = CHECK_OK(open("/dev/ttyp0", O_RDWR | O_NONBLOCK));
	char c;
	CHECK_EQ(read(early, &c, 1), 0);
	CHECK_ERRNO(write(early, "e", 1), EIO);
	int m = CHECK_OK(open("/dev/ptyp0", O_RDWR));
	/* The master brings it up. */
	CHECK_EQ(write(early, "e\n", 2), 2);
	expect_read(m, "e\r\n");
	CHECK_OK(close(early));
	CHECK_ERRNO(open("/dev/ptyp0", O_RDWR), EIO);
	int s = CHECK_OK(open("/dev/ttyp0", O_RDWR));
	CHECK_OK(fstat(s, &st));
	CHECK_EQ(st.st_rdev, 5 << 8);
	struct termios t;
	CHECK_OK(ioctl(s, TIOCGETA, &t));
	CHECK(t.c_lflag & ICANON);
	CHECK(t.c_lflag & ECHO);
	CHECK_OK(ioctl(m, TIOCGETA, &t));
	int type = -1;
	CHECK_OK(ioctl(s, FIODTYPE, &type));
	CHECK_EQ(type, 4 /* D_TTY */);

	/* Typed at the master: a line for the slave, its echo back. */
	CHECK_EQ(write(m, "hi\n", 3), 3);
	expect_read(s, "hi\n");
	expect_read(m, "hi\r\n");
	CHECK_EQ(write(s, "out\n", 4), 4);
	expect_read(m, "out\r\n");
	/* A line being edited is not there yet. */
	CHECK_OK(fcntl(s, F_SETFL, O_NONBLOCK));
	CHECK_EQ(write(m, "ab", 2), 2);
	CHECK_ERRNO(read(s, &t, 1), EAGAIN);
	CHECK_EQ(write(m, "\n", 1), 1);
	expect_read(s, "ab\n");
	expect_read(m, "ab\r\n");
	CHECK_OK(fcntl(s, F_SETFL, 0));
	CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(m, &t, 1), EAGAIN);
	CHECK_OK(fcntl(m, F_SETFL, 0));

	/* Raw, without echo. */
	CHECK_OK(ioctl(s, TIOCGETA, &t));
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	CHECK_OK(ioctl(s, TIOCSETA, &t));
	CHECK_EQ(write(m, "x", 1), 1);
	expect_read(s, "x");
	t.c_lflag |= ICANON | ECHO;
	CHECK_OK(ioctl(s, TIOCSETA, &t));

	/* A writer faster than the master's reader waits for it: nothing is lost. */
	static char big[100000];
	memset(big, 'a', sizeof(big));
	pid_t writer = CHECK_OK(fork());
	if (writer == 0)
		_exit(write(s, big, sizeof(big)) == sizeof(big) ? 0 : 1);
	static char back[sizeof(big)];
	size_t got = 0;
	while (got < sizeof(back)) {
		int n = CHECK_OK(read(m, back + got, sizeof(back) - got));
		CHECK(n > 0);
		got += n;
	}
	CHECK(memcmp(back, big, sizeof(big)) == 0);
	int wstatus;
	CHECK_EQ(waitpid(writer, &wstatus, 0), writer);
	CHECK_EQ(wstatus, 0);

	/* The window size: empty at the slave's first open (ttyopen), set from the
	 * master. */
	struct winsize ws;
	CHECK_OK(ioctl(s, TIOCGWINSZ, &ws));
	CHECK_EQ(ws.ws_row, 0);
	CHECK_EQ(ws.ws_col, 0);
	ws.ws_row = 30;
	ws.ws_col = 100;
	CHECK_OK(ioctl(m, TIOCSWINSZ, &ws));
	memset(&ws, 0, sizeof(ws));
	CHECK_OK(ioctl(s, TIOCGWINSZ, &ws));
	CHECK_EQ(ws.ws_row, 30);
	CHECK_EQ(ws.ws_col, 100);

	/* A session on the slave: /dev/tty is the slave; ^C interrupts it. */
	int ready[2];
	CHECK_OK(pipe(ready));
	/* A slave opener waits for the master. */
	CHECK_OK(close(s));
	CHECK_OK(close(m));
	pid_t opener = CHECK_OK(fork());
	if (opener == 0) {
		int fd = open("/dev/ttyp0", O_RDWR);
		_exit(fd >= 0 && write(fd, "w\n", 2) == 2 ? 0 : 1);
	}
	int status;
	usleep(50000);
	CHECK_EQ(waitpid(opener, &status, WNOHANG), 0);
	m = CHECK_OK(open("/dev/ptyp0", O_RDWR));
	CHECK_EQ(waitpid(opener, &status, 0), opener);
	CHECK_EQ(status, 0);
	drain_to_eof(m);
	s = CHECK_OK(open("/dev/ttyp0", O_RDWR));
	CHECK_OK(ioctl(m, TIOCSWINSZ, &ws));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(1);
		/* /dev/tty is its own node (1/0) that reaches the slave. */
		int tty = open("/dev/tty", O_RDWR);
		if (tty < 0 || ioctl(tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 30)
			_exit(2);
		int pgrp = -1;
		if (ioctl(tty, TIOCGPGRP, &pgrp) < 0 || pgrp != getpid())
			_exit(3);
		(void)!write(ready[1], "r", 1);
		char c;
		(void)!read(tty, &c, 1);
		_exit(4);
	}
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_EQ(write(m, "\003", 1), 1);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGINT);
	/* The slave's last close: the master reads what is left, then end of file. */
	CHECK_OK(close(s));
	drain_to_eof(m);
	CHECK_OK(close(m));

	/* The master's close hangs up: SIGHUP for the session leader; end of file and EIO
	 * for the slave's readers and writers. */
	m = CHECK_OK(open("/dev/ptyp0", O_RDWR));
	s = CHECK_OK(open("/dev/ttyp0", O_RDWR));
	child = CHECK_OK(fork());
	if (child == 0) {
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		char b;
		(void)!read(s, &b, 1);
		_exit(5);
	}
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_OK(close(m));
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGHUP);
	CHECK_EQ(read(s, &c, 1), 0);
	CHECK_ERRNO(write(s, "z", 1), EIO);
	CHECK_OK(close(s));
	PASS();
}
