// abi: freebsd4-i386
/*
 * A login shell on a pty exits, leaving a stopped job and a background job that
 * ignores SIGHUP (nohup'd, or `trap '' HUP`). 4.x's exit1, for a session leader with
 * a controlling terminal: SIGHUP to the foreground group, the output drained (the
 * master reads the shell's last words), then VOP_REVOKE(REVOKEALL) of the terminal;
 * then the stopped job's group, orphaned, gets SIGHUP and SIGCONT. So:
 *  - the master reads what the shell wrote last, then end of file, though the
 *    background job still has the slave open (telnetd, script and xterm see the
 *    session end);
 *  - the background job's descriptor of the terminal is dead (deadfs): write EIO,
 *    read end of file, ioctl ENOTTY; /dev/tty is ENXIO for it;
 *  - the stopped job is hung up.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int hup_w;

static void on_hup(int sig)
{
	(void)sig;
	(void)!write(hup_w, "H", 1);
	_exit(0);
}

/* What the background job finds once the go byte comes, as errno values (1000 + n
 * for a read of n bytes). */
static void background_job(int tty, int go, int res)
{
	setpgid(0, 0);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	/* Not holding the runner's pipe, and not outliving a failed case for long. */
	close(1);
	close(2);
	struct pollfd p = {go, POLLIN, 0};
	if (poll(&p, 1, 10000) != 1)
		_exit(0);
	char c;
	(void)!read(go, &c, 1);
	int r[5];
	r[0] = write(tty, "z", 1) < 0 ? errno : 0;
	int n = read(tty, &c, 1);
	r[1] = n < 0 ? errno : 1000 + n;
	r[2] = open("/dev/tty", O_RDWR) < 0 ? errno : 0;
	struct termios t;
	r[3] = tcgetattr(tty, &t) < 0 ? errno : 0;
	int pgrp;
	r[4] = ioctl(tty, TIOCGPGRP, &pgrp) < 0 ? errno : 0;
	(void)!write(res, r, sizeof(r));
	_exit(0);
}

int main(void)
{
	int m = CHECK_OK(open("/dev/ptypa", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypa", O_RDWR));
	int hup[2], go[2], res[2];
	CHECK_OK(pipe(hup));
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(res));
	hup_w = hup[1];
	pid_t shell = CHECK_OK(fork());
	if (shell == 0) {
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(20);
		signal(SIGTSTP, SIG_IGN);
		signal(SIGTTOU, SIG_IGN);
		pid_t stopped = fork();
		if (stopped == 0) {
			setpgid(0, 0);
			signal(SIGHUP, on_hup);
			signal(SIGTSTP, SIG_DFL);
			kill(getpid(), SIGTSTP);
			_exit(21);
		}
		setpgid(stopped, stopped);
		int status;
		if (waitpid(stopped, &status, WUNTRACED) != stopped || !WIFSTOPPED(status))
			_exit(22);
		pid_t bg = fork();
		if (bg == 0)
			background_job(s, go[0], res[1]);
		setpgid(bg, bg);
		(void)!write(s, "logout\n", 7);
		_exit(0);
	}
	close(s);
	/* The shell's last output comes before the end. */
	char buf[64];
	int have = 0;
	while (have < 8) {
		int n = CHECK_OK(read(m, buf + have, sizeof(buf) - have));
		CHECK(n > 0);
		have += n;
	}
	CHECK_EQ(have, 8);
	CHECK(memcmp(buf, "logout\r\n", 8) == 0);
	int status;
	CHECK_EQ(waitpid(shell, &status, 0), shell);
	CHECK_CHILD_OK(status);
	/* The master: end of file, the background job's open slave notwithstanding. */
	struct pollfd mp = {m, POLLIN, 0};
	CHECK_EQ(poll(&mp, 1, 3000), 1);
	CHECK_EQ(read(m, buf, sizeof(buf)), 0);
	/* The stopped job: hung up. */
	struct pollfd p = {hup[0], POLLIN, 0};
	char c = 0;
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(read(hup[0], &c, 1), 1);
	CHECK_EQ(c, 'H');
	/* The background job: a dead terminal. */
	CHECK_EQ(write(go[1], "g", 1), 1);
	int r[5];
	CHECK_EQ(read(res[0], r, sizeof(r)), (int)sizeof(r));
	CHECK_EQ(r[0], EIO);
	CHECK_EQ(r[1], 1000);
	CHECK_EQ(r[2], ENXIO);
	CHECK_EQ(r[3], ENOTTY);
	CHECK_EQ(r[4], ENOTTY);
	close(m);
	PASS();
}
