// abi: freebsd4-i386
/*
 * A pty slave revoked, as telnetd revokes its line (4.x's vgone closing the device:
 * ptsclose, ttyclose), exclusive use (TIOCEXCL) and TIOCSTI:
 *  - a session leader blocked reading its controlling terminal when the slave is
 *    revoked: the read ends at end of file, and the session has no controlling
 *    terminal left (/dev/tty: ENXIO); a /dev/tty descriptor it opened before is dead
 *    too (read end of file, write EIO), as 4.x's cttyread reaches the revoked vnode;
 *  - the master then reads end of file; the old slave descriptor is dead (read end
 *    of file, write EIO); a new open of the slave starts afresh (default modes) and
 *    the master reads its output again;
 *  - TIOCEXCL: another open by someone not root is EBUSY, root's works; TIOCNXCL or
 *    the last close ends it;
 *  - TIOCSTI types a byte (echoed, read by the slave's reader); not root, it needs
 *    a file open for reading (EPERM) and the caller's controlling terminal (EACCES).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#define SLAVE "/dev/ttyp9"

static int m;

static void expect_out(const char *want)
{
	char buf[64];
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	CHECK_EQ(n, (int)strlen(want));
	CHECK(memcmp(buf, want, n) == 0);
}

/* In a child that is not root (uid 65534): what `open(SLAVE, flags)` and then
 * TIOCSTI on it give, as errno values (0 for success). */
static int as_nobody(int flags, int sti)
{
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (setuid(65534) < 0)
			_exit(100);
		int fd = open(SLAVE, flags);
		if (fd < 0)
			_exit(errno);
		if (sti) {
			char c = 'n';
			if (ioctl(fd, TIOCSTI, &c) < 0)
				_exit(errno);
		}
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

int main(void)
{
	m = CHECK_OK(open("/dev/ptyp9", O_RDWR));
	int s = CHECK_OK(open(SLAVE, O_RDWR));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_iflag &= ~IXON;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));

	/* A session leader reading its terminal, cut off by the revocation. */
	int ready[2];
	CHECK_OK(pipe(ready));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(1);
		int ctty = open("/dev/tty", O_RDWR);
		if (ctty < 0)
			_exit(4);
		(void)!write(ready[1], "r", 1);
		char buf[8];
		if (read(s, buf, sizeof(buf)) != 0)
			_exit(2);
		if (open("/dev/tty", O_RDWR) >= 0 || errno != ENXIO)
			_exit(3);
		if (read(ctty, buf, sizeof(buf)) != 0)
			_exit(5);
		if (write(ctty, "x", 1) != -1 || errno != EIO)
			_exit(6);
		_exit(0);
	}
	char c;
	CHECK_EQ(read(ready[0], &c, 1), 1);
	usleep(50000);
	CHECK_OK(revoke(SLAVE));
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_EQ(status, 0);

	/* The master reads end of file; the old slave descriptor is dead. */
	CHECK_EQ(read(m, &c, 1), 0);
	CHECK_EQ(read(s, &c, 1), 0);
	CHECK_ERRNO(write(s, "x", 1), EIO);
	close(s);

	/* A new open starts afresh (ttydefaults.h's IXON back). */
	s = CHECK_OK(open(SLAVE, O_RDWR));
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_iflag & IXON);
	CHECK_EQ(write(s, "up", 2), 2);
	expect_out("up");

	/* Exclusive use. */
	CHECK_EQ(as_nobody(O_RDWR, 0), 0);
	CHECK_OK(ioctl(s, TIOCEXCL));
	CHECK_EQ(as_nobody(O_RDWR, 0), EBUSY);
	int again = CHECK_OK(open(SLAVE, O_RDWR));
	close(again);
	CHECK_OK(ioctl(s, TIOCNXCL));
	CHECK_EQ(as_nobody(O_RDWR, 0), 0);
	/* The last close ends it too. */
	CHECK_OK(ioctl(s, TIOCEXCL));
	close(s);
	CHECK_EQ(as_nobody(O_RDWR, 0), 0);
	s = CHECK_OK(open(SLAVE, O_RDWR));

	/* TIOCSTI. */
	c = 'x';
	CHECK_OK(ioctl(s, TIOCSTI, &c));
	c = '\n';
	CHECK_OK(ioctl(s, TIOCSTI, &c));
	expect_out("x\r\n");
	char line[8];
	CHECK_EQ(read(s, line, sizeof(line)), 2);
	CHECK(memcmp(line, "x\n", 2) == 0);
	CHECK_EQ(as_nobody(O_WRONLY, 1), EPERM);
	CHECK_EQ(as_nobody(O_RDWR, 1), EACCES);
	close(s);
	close(m);
	PASS();
}
