// abi: freebsd4-i386
/*
 * ttioctl's list of requests that change the terminal includes TIOCSCTTY, TIOCSTAT
 * and TIOCCONS: a background caller gets SIGTTOU first, as for TIOCSETA (and EIO
 * when its group is orphaned, as a session leader's is). Through /dev/tty,
 * TIOCSCTTY is EINVAL (cttyioctl refuses it before the terminal sees it).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int tty;

static void job_takes_console(void)
{
	int off = 0;
	(void)!ioctl(tty, TIOCCONS, &off);
}

static void job_asks_status(void) { (void)!ioctl(tty, TIOCSTAT, 0); }

static void job_sets_ctty(void) { (void)!ioctl(tty, TIOCSCTTY, 0); }

/* A job doing `what` must stop by SIGTTOU. */
static void stops(void (*what)(void)) { nt_job_stops_by(what, SIGTTOU); }

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp4", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp4", O_RDWR));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		tty = s;
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		int t = CHECK_OK(open("/dev/tty", O_RDWR));
		CHECK_ERRNO(ioctl(t, TIOCSCTTY, 0), EINVAL);
		stops(job_takes_console);
		stops(job_asks_status);
		stops(job_sets_ctty);
		/* The leader in the background: its group is orphaned. */
		pid_t front = CHECK_OK(fork());
		if (front == 0) {
			setpgid(0, 0);
			for (;;)
				usleep(100000);
		}
		setpgid(front, front);
		signal(SIGTTOU, SIG_IGN);
		CHECK_OK(tcsetpgrp(s, front));
		signal(SIGTTOU, SIG_DFL);
		CHECK_ERRNO(ioctl(s, TIOCSCTTY, 0), EIO);
		kill(front, SIGKILL);
		int status;
		waitpid(front, &status, 0);
		_exit(0);
	}
	close(s);
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_CHILD_OK(status);
	close(m);
	PASS();
}
