// abi: freebsd4-i386
/*
 * TIOCCONS, a terminal taking what is written to /dev/console (4.x's constty, which
 * xterm -C asks for):
 *  - a non-root caller gets EPERM; root's pty slave takes it, and a write to
 *    /dev/console is then read from the pty's master;
 *  - while it has it, another terminal's TIOCCONS is EBUSY, root or not, and that
 *    terminal's TIOCCONS 0 changes nothing; once the line of the one that has it is
 *    down (its master closed), another may take it;
 *  - 0 gives it back, and the slave's last close gives it back too (seen as another
 *    pty taking it while the first one's line is up again).
 * Every write to /dev/console here lands on a pty, none on the real console.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

/* sys/ttycom.h: _IOW('t', 98, int). */
#define TIOCCONS_ 0x80047462UL

static int cons(int fd, int on)
{
	return ioctl(fd, TIOCCONS_, &on);
}

/* Reads what master `m` has: exactly `want`. */
static void expect_master(int m, const char *want)
{
	char buf[64];
	int len = (int)strlen(want);
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	if (n != len || memcmp(buf, want, (size_t)len) != 0)
		FAIL("master read %d bytes, wanted \"%s\"", n, want);
}

/* The master has nothing to read. */
static void expect_nothing(int m)
{
	char buf[8];
	int flags = CHECK_OK(fcntl(m, F_GETFL));
	CHECK_OK(fcntl(m, F_SETFL, flags | O_NONBLOCK));
	CHECK_ERRNO(read(m, buf, sizeof(buf)), EAGAIN);
	CHECK_OK(fcntl(m, F_SETFL, flags));
}

int main(void)
{
	int m4 = CHECK_OK(open("/dev/ptyp4", O_RDWR));
	int s4 = CHECK_OK(open("/dev/ttyp4", O_RDWR | O_NOCTTY));
	int m5 = CHECK_OK(open("/dev/ptyp5", O_RDWR));
	int s5 = CHECK_OK(open("/dev/ttyp5", O_RDWR | O_NOCTTY));

	/* Not root: EPERM. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (setuid(1001) != 0)
			_exit(2);
		_exit(cons(s4, 1) == -1 && errno == EPERM ? 0 : 3);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	CHECK_OK(cons(s4, 1));
	int con = CHECK_OK(open("/dev/console", O_WRONLY));
	CHECK_EQ(write(con, "redirected", 10), 10);
	expect_master(m4, "redirected");

	/* Taken: EBUSY for the other pty, whose 0 changes nothing. */
	CHECK_ERRNO(cons(s5, 1), EBUSY);
	CHECK_OK(cons(s5, 0));
	CHECK_EQ(write(con, "still", 5), 5);
	expect_master(m4, "still");
	expect_nothing(m5);

	/* Given back, the other may take it. */
	CHECK_OK(cons(s4, 0));
	CHECK_OK(cons(s5, 1));
	CHECK_EQ(write(con, "moved", 5), 5);
	expect_master(m5, "moved");
	expect_nothing(m4);

	/* Its line down (master closed), another may take it. */
	CHECK_OK(close(m5));
	CHECK_OK(cons(s4, 1));
	CHECK_EQ(write(con, "back", 4), 4);
	expect_master(m4, "back");
	CHECK_OK(close(s5));

	/* The slave's last close gives it back: with the line up again, the other pty's
	 * TIOCCONS succeeds. */
	CHECK_OK(close(s4));
	s4 = CHECK_OK(open("/dev/ttyp4", O_RDWR | O_NOCTTY));
	m5 = CHECK_OK(open("/dev/ptyp5", O_RDWR));
	s5 = CHECK_OK(open("/dev/ttyp5", O_RDWR | O_NOCTTY));
	CHECK_OK(cons(s5, 1));
	CHECK_EQ(write(con, "last", 4), 4);
	expect_master(m5, "last");
	CHECK_OK(cons(s5, 0));

	CHECK_OK(close(con));
	CHECK_OK(close(s4));
	CHECK_OK(close(m4));
	CHECK_OK(close(s5));
	CHECK_OK(close(m5));
	PASS();
}
