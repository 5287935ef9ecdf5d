// abi: freebsd4-i386
/*
 * A terminal's foreground group that goes away (its last member reaped, or moved to
 * another group by setpgid) leaves the terminal with none, as 4.x's pgdelete clears
 * t_pgrp: TIOCGPGRP then says NO_PID (100000), and a later group is not in front by
 * having the same number. A session leader on a pseudo-terminal does each in turn.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <termios.h>

enum { NO_PID = 100000 };

static int foreground(int tty)
{
	int pgrp = -1;
	if (ioctl(tty, TIOCGPGRP, &pgrp) < 0)
		_exit(10);
	return pgrp;
}

/* In the session leader: a job in its own group, put in front, then gone by `how`
 * (0: reaped, 1: moved into the leader's group). Exits 0 if the terminal then has
 * no foreground group. */
static void job_gone(int tty, int how)
{
	int go[2];
	if (pipe(go) < 0)
		_exit(11);
	pid_t job = fork();
	if (job == 0) {
		char c;
		setpgid(0, 0);
		(void)!read(go[0], &c, 1);
		if (how == 1 && setpgid(0, getppid()) < 0)
			_exit(1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	setpgid(job, job);
	int pg = job;
	if (ioctl(tty, TIOCSPGRP, &pg) < 0)
		_exit(12);
	if (foreground(tty) != job)
		_exit(13);
	(void)!write(go[1], "g", 1);
	if (how == 1) {
		/* The job's move leaves its group empty while it lives on. */
		while (getpgid(job) == job)
			usleep(1000);
		if (foreground(tty) != NO_PID)
			_exit(14);
	}
	(void)!write(go[1], "g", 1);
	int status;
	if (waitpid(job, &status, 0) != job || !WIFEXITED(status) || WEXITSTATUS(status))
		_exit(15);
	if (foreground(tty) != NO_PID)
		_exit(16);
}

int main(void)
{
	int master = CHECK_OK(open("/dev/ptype", O_RDWR));
	int tty = CHECK_OK(open("/dev/ttype", O_RDWR));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		close(master);
		if (setsid() < 0 || ioctl(tty, TIOCSCTTY, 0) < 0)
			_exit(17);
		signal(SIGTTOU, SIG_IGN);
		job_gone(tty, 0);
		job_gone(tty, 1);
		/* The leader's own group in front again is there while it is. */
		int pg = getpid();
		if (ioctl(tty, TIOCSPGRP, &pg) < 0 || foreground(tty) != getpid())
			_exit(18);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_CHILD_OK(status);
	close(tty);
	close(master);
	return 0;
}
