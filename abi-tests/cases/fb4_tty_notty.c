// abi: freebsd4-i386
/*
 * TIOCNOTTY as 4.x has it: only /dev/tty answers it (tty_tty.c cttyioctl; the
 * terminal's own ttioctl does not know it, so the device itself says ENOTTY):
 *  - the session leader gets EINVAL and keeps its controlling terminal;
 *  - another process of the session gets 0 (the old daemon's open("/dev/tty") and
 *    TIOCNOTTY);
 *  - a process whose session has no controlling terminal gets EIO on a /dev/tty
 *    descriptor it inherited.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp8", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp8", O_RDWR));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		close(m);
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		CHECK_ERRNO(ioctl(s, TIOCNOTTY, 0), ENOTTY);
		int t = CHECK_OK(open("/dev/tty", O_RDWR));
		CHECK_ERRNO(ioctl(t, TIOCNOTTY, 0), EINVAL);
		/* Still the leader's terminal. */
		CHECK_EQ(tcgetpgrp(t), getpid());
		close(CHECK_OK(open("/dev/tty", O_RDWR)));
		pid_t other = CHECK_OK(fork());
		if (other == 0) {
			CHECK_OK(ioctl(t, TIOCNOTTY, 0));
			_exit(0);
		}
		int status;
		CHECK_EQ(waitpid(other, &status, 0), other);
		CHECK_CHILD_OK(status);
		pid_t away = CHECK_OK(fork());
		if (away == 0) {
			CHECK_OK(setsid());
			CHECK_ERRNO(ioctl(t, TIOCNOTTY, 0), EIO);
			_exit(0);
		}
		CHECK_EQ(waitpid(away, &status, 0), away);
		CHECK_CHILD_OK(status);
		CHECK_EQ(tcgetpgrp(s), getpid());
		_exit(0);
	}
	close(s);
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_CHILD_OK(status);
	close(m);
	PASS();
}
