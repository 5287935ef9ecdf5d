// abi: freebsd4-i386
/*
 * A controlling terminal with no foreground group (the group in front reaped, as
 * when a job-control shell has reaped its foreground job and not yet taken the
 * terminal back): 4.x's isbackground compares the caller's group with t_pgrp, which
 * is null, so every process of the session is in the background:
 *  - a job's read stops it with SIGTTIN, a write with TOSTOP and a tcsetpgrp with
 *    SIGTTOU, as in any background group;
 *  - the session leader, whose group is orphaned (its parent is in another
 *    session), reads EIO; once it has taken the terminal back, it reads as usual.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int tty;

static void job_reads(void)
{
	char c;
	(void)!read(tty, &c, 1);
}

static void job_writes(void) { (void)!write(tty, "w", 1); }

static void job_takes_terminal(void) { (void)!tcsetpgrp(tty, getpgrp()); }

int main(void)
{
	int m = CHECK_OK(open("/dev/ptypb", O_RDWR));
	tty = CHECK_OK(open("/dev/ttypb", O_RDWR));
	pid_t shell = CHECK_OK(fork());
	if (shell == 0) {
		close(m);
		CHECK_OK(setsid());
		CHECK_OK(ioctl(tty, TIOCSCTTY, 0));
		/* As sh with job control: SIGTTOU ignored, SIGTTIN not. */
		signal(SIGTTOU, SIG_IGN);
		pid_t front = CHECK_OK(fork());
		if (front == 0) {
			setpgid(0, 0);
			if (tcsetpgrp(tty, getpid()) < 0)
				_exit(1);
			_exit(0);
		}
		setpgid(front, front);
		int status;
		CHECK_EQ(waitpid(front, &status, 0), front);
		CHECK_CHILD_OK(status);
		CHECK_EQ(tcgetpgrp(tty), 100000);

		nt_job_stops_by(job_reads, SIGTTIN);
		struct termios t;
		CHECK_OK(tcgetattr(tty, &t));
		t.c_lflag |= TOSTOP;
		CHECK_OK(tcsetattr(tty, TCSANOW, &t));
		nt_job_stops_by(job_writes, SIGTTOU);
		nt_job_stops_by(job_takes_terminal, SIGTTOU);
		CHECK_EQ(tcgetpgrp(tty), 100000);

		/* The leader itself: background, its group orphaned: EIO. */
		CHECK_OK(fcntl(tty, F_SETFL, O_NONBLOCK));
		char c;
		CHECK_ERRNO(read(tty, &c, 1), EIO);
		/* Taken back (SIGTTOU ignored), it reads as the foreground. */
		CHECK_OK(tcsetpgrp(tty, getpgrp()));
		CHECK_ERRNO(read(tty, &c, 1), EAGAIN);
		_exit(0);
	}
	close(tty);
	int status;
	CHECK_EQ(waitpid(shell, &status, 0), shell);
	CHECK_CHILD_OK(status);
	close(m);
	PASS();
}
