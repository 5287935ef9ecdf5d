// abi: freebsd4-i386
/*
 * A vfork child in a background group (4.x's P_PPWAIT: its parent waits for it in
 * vfork) is never stopped by the terminal, which could deadlock it with the parent,
 * and its group is not sent SIGTTIN or SIGTTOU for it:
 *  - ttread gives EIO at once;
 *  - ttwrite with TOSTOP, and ttioctl's list of requests that change the terminal
 *    (TIOCSETA here), let it through.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static volatile int read_errno, write_result, setattr_result;

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp5", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp5", O_RDWR));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		struct termios t;
		CHECK_OK(tcgetattr(s, &t));
		t.c_lflag |= TOSTOP;
		CHECK_OK(tcsetattr(s, TCSANOW, &t));
		pid_t job = CHECK_OK(fork());
		if (job == 0) {
			setpgid(0, 0);
			signal(SIGTTIN, SIG_DFL);
			signal(SIGTTOU, SIG_DFL);
			pid_t child = vfork();
			if (child == 0) {
				char c;
				read_errno = read(s, &c, 1) < 0 ? errno : 0;
				write_result = write(s, "v", 1) < 0 ? -errno : 1;
				setattr_result = tcsetattr(s, TCSANOW, &t) < 0 ? errno : 0;
				_exit(0);
			}
			CHECK(child > 0);
			int status;
			CHECK_EQ(waitpid(child, &status, 0), child);
			CHECK_CHILD_OK(status);
			CHECK_EQ(read_errno, EIO);
			CHECK_EQ(write_result, 1);
			CHECK_EQ(setattr_result, 0);
			_exit(0);
		}
		setpgid(job, job);
		int status = 0;
		pid_t r = 0;
		for (int i = 0; i < 500 && r == 0; i++) {
			r = CHECK_OK(waitpid(job, &status, WUNTRACED | WNOHANG));
			if (r == 0)
				usleep(10000);
		}
		if (r == 0) {
			kill(-job, SIGKILL);
			waitpid(job, &status, 0);
			FAIL("the vfork child neither failed nor went through in 5 s");
		}
		if (WIFSTOPPED(status)) {
			int sig = WSTOPSIG(status);
			kill(-job, SIGKILL);
			waitpid(job, &status, 0);
			FAIL("the vfork parent stopped (signal %d)", sig);
		}
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
