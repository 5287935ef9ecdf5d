// abi: all
/*
 * A process group lasts until its last member is reaped, not until it exits (BSD's
 * pgfind finds a group while a zombie is in it). A job-control shell runs a pipeline
 * by putting every process in the group of the first, both in the child and in the
 * parent, and the child puts that group in front of the terminal; the first process
 * (`echo hi | less`) has often exited, unreaped, by then. setpgid to that group and
 * tcsetpgrp to it must work, or the later processes stay in the shell's group, in
 * the background of their own terminal, while ^C goes to the dead group.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

int main(void)
{
	int m = CHECK_OK(open("/dev/ptypf", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypf", O_RDWR));
	pid_t shell = CHECK_OK(fork());
	if (shell == 0) {
		close(m);
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		signal(SIGTTOU, SIG_IGN);
		/* The pipeline's first process: its own group, then gone. */
		pid_t first = CHECK_OK(fork());
		if (first == 0) {
			setpgid(0, 0);
			_exit(0);
		}
		setpgid(first, first);
		/* kill finds no process that has exited: then it is a zombie. */
		for (int i = 0; i < 1000 && kill(first, 0) == 0; i++)
			usleep(2000);
		CHECK_ERRNO(kill(first, 0), ESRCH);
		int go[2];
		CHECK_OK(pipe(go));
		pid_t second = CHECK_OK(fork());
		if (second == 0) {
			CHECK_OK(setpgid(0, first));
			CHECK_EQ(getpgrp(), first);
			CHECK_OK(tcsetpgrp(s, first));
			CHECK_EQ(tcgetpgrp(s), first);
			char c;
			CHECK_EQ(read(go[0], &c, 1), 1);
			_exit(0);
		}
		/* The shell's own setpgid of the child, to the same group. */
		CHECK_OK(setpgid(second, first));
		CHECK_EQ(getpgid(second), first);
		CHECK_EQ(write(go[1], "g", 1), 1);
		int status;
		CHECK_EQ(waitpid(second, &status, 0), second);
		CHECK_CHILD_OK(status);
		/* Still there while the zombie is: tcsetpgrp from the shell works too. */
		CHECK_OK(tcsetpgrp(s, first));
		CHECK_EQ(waitpid(first, &status, 0), first);
		/* Reaped, the group is gone. */
		CHECK_ERRNO(tcsetpgrp(s, first), EPERM);
		pid_t third = CHECK_OK(fork());
		if (third == 0) {
			CHECK_ERRNO(setpgid(0, first), EPERM);
			_exit(0);
		}
		CHECK_EQ(waitpid(third, &status, 0), third);
		CHECK_CHILD_OK(status);
		_exit(0);
	}
	close(s);
	int status;
	CHECK_EQ(waitpid(shell, &status, 0), shell);
	CHECK_CHILD_OK(status);
	close(m);
	PASS();
}
