// abi: freebsd4-i386
/*
 * A process that gave up its controlling terminal with TIOCNOTTY on /dev/tty, while
 * not the session leader, is the terminal's no more (4.x clears its P_CONTROLT):
 *  - opening /dev/tty gives ENXIO (cttyopen), and tcgetpgrp on the terminal ENOTTY
 *    (ttioctl's isctty);
 *  - the terminal's signals pass it by (pgsignal with checkctty): ^C typed on the
 *    master kills the rest of its group, not it;
 *  - its forked child is no more the terminal's either (fork copies P_CONTROLT),
 *    and job control does not apply to it: in a group of its own, with SIGTTIN
 *    ignored, a non-blocking read finds no input (EAGAIN) rather than EIO.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

int main(void)
{
	int m = CHECK_OK(open("/dev/ptype", O_RDWR));
	int s = CHECK_OK(open("/dev/ttype", O_RDWR));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		signal(SIGINT, SIG_IGN);
		int ready[2], go[2];
		CHECK_OK(pipe(ready));
		CHECK_OK(pipe(go));
		pid_t gone = CHECK_OK(fork());
		if (gone == 0) {
			signal(SIGINT, SIG_DFL);
			int t = CHECK_OK(open("/dev/tty", O_RDWR));
			CHECK_OK(ioctl(t, TIOCNOTTY, 0));
			close(t);
			CHECK_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
			CHECK_ERRNO(tcgetpgrp(s), ENOTTY);
			pid_t child = CHECK_OK(fork());
			if (child == 0) {
				CHECK_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
				CHECK_OK(setpgid(0, 0));
				signal(SIGTTIN, SIG_IGN);
				int n = CHECK_OK(open("/dev/ttype", O_RDWR | O_NONBLOCK));
				char c;
				CHECK_ERRNO(read(n, &c, 1), EAGAIN);
				_exit(0);
			}
			int status;
			CHECK_EQ(waitpid(child, &status, 0), child);
			CHECK_CHILD_OK(status);
			CHECK_EQ(write(ready[1], "g", 1), 1);
			char c;
			CHECK_EQ(read(go[0], &c, 1), 1);
			_exit(0);
		}
		pid_t kept = CHECK_OK(fork());
		if (kept == 0) {
			signal(SIGINT, SIG_DFL);
			CHECK_EQ(write(ready[1], "k", 1), 1);
			close(ready[1]);
			for (;;)
				usleep(100000);
		}
		/* A child that fails closes its end: end of file here, not a hang. */
		close(ready[1]);
		char c[2];
		CHECK_EQ(read(ready[0], &c[0], 1), 1);
		CHECK_EQ(read(ready[0], &c[1], 1), 1);
		int status;
		/* ^C: the one still the terminal's dies of it. */
		CHECK_EQ(write(m, "\003", 1), 1);
		CHECK_EQ(waitpid(kept, &status, 0), kept);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
		CHECK_EQ(write(go[1], "x", 1), 1);
		CHECK_EQ(waitpid(gone, &status, 0), gone);
		CHECK_CHILD_OK(status);
		_exit(0);
	}
	close(s);
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_CHILD_OK(status);
	close(m);
	PASS();
}
