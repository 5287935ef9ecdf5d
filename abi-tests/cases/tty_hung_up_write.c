// abi: all
/*
 * A write to a terminal whose line has gone (a pseudo-terminal whose master closed:
 * BSD's TS_ZOMBIE) fails with EIO before job control is asked: 4.x's ttwrite checks
 * the line first, so a background job writing with TOSTOP on is not stopped by
 * SIGTTOU for a terminal no one can read any more.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp6", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp6", O_RDWR));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		signal(SIGHUP, SIG_IGN);
		struct termios t;
		CHECK_OK(tcgetattr(s, &t));
		t.c_lflag |= TOSTOP;
		CHECK_OK(tcsetattr(s, TCSANOW, &t));
		int go[2];
		CHECK_OK(pipe(go));
		pid_t job = CHECK_OK(fork());
		if (job == 0) {
			close(m);
			setpgid(0, 0);
			signal(SIGTTOU, SIG_DFL);
			char c;
			CHECK_EQ(read(go[0], &c, 1), 1);
			CHECK_ERRNO(write(s, "x", 1), EIO);
			_exit(0);
		}
		setpgid(job, job);
		/* The last master descriptor: the line goes down. */
		close(m);
		CHECK_EQ(write(go[1], "g", 1), 1);
		int status;
		CHECK_EQ(waitpid(job, &status, WUNTRACED), job);
		if (WIFSTOPPED(status)) {
			int sig = WSTOPSIG(status);
			kill(job, SIGKILL);
			waitpid(job, &status, 0);
			FAIL("the background writer stopped (signal %d), wanted EIO", sig);
		}
		CHECK_CHILD_OK(status);
		_exit(0);
	}
	close(m);
	close(s);
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_CHILD_OK(status);
	PASS();
}
