// abi: freebsd4-i386
/*
 * The terminal ioctls 4.x's stty and tcdrain use beyond termios (sys/ttycom.h,
 * tty.c's ttioctl, tty_conf.c), and FIONREAD on pipes and sockets:
 *  - TIOCGETD gives TTYDISC (0), which stty asks before anything else;
 *  - TIOCSETD keeps TTYDISC; a number at or past MAXLDISC (8), as unsigned, is
 *    ENXIO, any other discipline ENODEV (an empty slot's l_open);
 *  - TIOCOUTQ is 0 and TIOCDRAIN returns at once: output is never queued;
 *  - TIOCSETD, TIOCDRAIN and TIOCSWINSZ change the terminal, so a background process
 *    that does not ignore SIGTTOU is stopped by it first (ttioctl's list); TIOCGETD
 *    and TIOCOUTQ only look, and answer in the background; with TOSTOP a write of
 *    nothing stops a background writer too (ttwrite checks before the transfer);
 *  - FIONREAD counts what a pipe or a socket holds (pipe_ioctl, soo_ioctl), 0 on a
 *    pipe's write end; the line ioctls on a pipe are ENOTTY.
 * The case runs in a background group of the console's session.
 */
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

/* In a child of its own background group: `cmd` on the terminal (a write of
 * nothing when `cmd` is 0) must stop it with SIGTTOU (it neither ignores nor blocks
 * it). */
static void stops_in_background(int fd, unsigned long cmd, void *arg, const char *what)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_DFL);
		if (cmd)
			ioctl(fd, cmd, arg);
		else
			(void)!write(fd, "", 0);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTTOU)
		FAIL("%s from the background: status %#x, wanted a stop by SIGTTOU", what, status);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
}

int main(void)
{
	int fd = CHECK_OK(open("/dev/tty", O_RDWR));
	int line = -1;
	CHECK_OK(ioctl(fd, TIOCGETD, &line));
	CHECK_EQ(line, 0);
	int queued = -1;
	CHECK_OK(ioctl(fd, TIOCOUTQ, &queued));
	CHECK_EQ(queued, 0);

	/* Changes from the background stop the caller; looking does not. */
	int zero = 0;
	struct winsize ws;
	CHECK_OK(ioctl(fd, TIOCGWINSZ, &ws));
	stops_in_background(fd, TIOCSETD, &zero, "TIOCSETD");
	stops_in_background(fd, TIOCDRAIN, NULL, "TIOCDRAIN");
	stops_in_background(fd, TIOCSWINSZ, &ws, "TIOCSWINSZ");

	/* With SIGTTOU ignored, a background process may change the terminal. */
	signal(SIGTTOU, SIG_IGN);
	CHECK_OK(ioctl(fd, TIOCSETD, &zero));
	CHECK_OK(ioctl(fd, TIOCDRAIN));
	int slip = 4, past = 8, negative = -1;
	CHECK_ERRNO(ioctl(fd, TIOCSETD, &slip), ENODEV);
	CHECK_ERRNO(ioctl(fd, TIOCSETD, &past), ENXIO);
	CHECK_ERRNO(ioctl(fd, TIOCSETD, &negative), ENXIO);
	CHECK_OK(ioctl(fd, TIOCGETD, &line));
	CHECK_EQ(line, 0);
	CHECK_ERRNO(ioctl(fd, TIOCGETD, nt_page_before_hole() + 4096), EFAULT);

	/* With TOSTOP a write from the background stops the writer, a write of nothing
	 * too: ttwrite looks before the transfer. */
	struct termios t, saved;
	CHECK_OK(tcgetattr(fd, &saved));
	t = saved;
	t.c_lflag |= TOSTOP;
	CHECK_OK(tcsetattr(fd, TCSANOW, &t));
	stops_in_background(fd, 0, NULL, "a write of nothing with TOSTOP");
	CHECK_OK(tcsetattr(fd, TCSANOW, &saved));

	/* FIONREAD counts what is queued. */
	int p[2], n = -1;
	CHECK_OK(pipe(p));
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 5);
	char b[2];
	CHECK_EQ(read(p[0], b, 2), 2);
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 3);
	CHECK_OK(ioctl(p[1], FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_ERRNO(ioctl(p[0], TIOCGETD, &line), ENOTTY);
	CHECK_ERRNO(ioctl(p[0], TIOCOUTQ, &queued), ENOTTY);

	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_OK(ioctl(sv[1], FIONREAD, &n));
	CHECK_EQ(n, 3);
	CHECK_OK(ioctl(sv[0], FIONREAD, &n));
	CHECK_EQ(n, 0);
	PASS();
}
