// abi: all
/*
 * A process group that becomes orphaned while a member is stopped would never be
 * continued: POSIX (and 4.x's orphanpg) sends every member SIGHUP and then SIGCONT.
 * Here a session leader's child leads group G and stops a member B; when the leader
 * of G exits, B's parent becomes init, outside the session, so G is orphaned: B
 * must be woken, see SIGHUP, and report through a pipe. A group that was orphaned
 * already gets nothing more when another member exits.
 */
#include <nymph_test.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int report_fd;
static void on_hup(int sig)
{
	(void)sig;
	(void)!write(report_fd, "H", 1);
	_exit(0);
}

/* Waits up to `ms` for one byte on `fd`: the byte, or 0 on a timeout. */
static char read_byte(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	char c = 0;
	if (poll(&p, 1, ms) == 1 && read(fd, &c, 1) != 1)
		c = 0;
	return c;
}

int main(void)
{
	int fds[2];
	CHECK_OK(pipe(fds));
	report_fd = fds[1];
	pid_t session = CHECK_OK(fork());
	if (session == 0) {
		/* A new session S, so that init is outside it. */
		if (setsid() < 0)
			_exit(10);
		pid_t leader = fork();
		if (leader == 0) {
			setpgid(0, 0); /* group G, in S; its parent (in S, another group) keeps it in touch */
			pid_t member = fork();
			if (member == 0) {
				signal(SIGHUP, on_hup);
				(void)!write(report_fd, "S", 1);
				kill(getpid(), SIGSTOP);
				/* Continued without SIGHUP: wrong. */
				(void)!write(report_fd, "C", 1);
				_exit(1);
			}
			int st;
			if (waitpid(member, &st, WUNTRACED) != member || !WIFSTOPPED(st))
				_exit(11);
			_exit(0); /* G is orphaned now, with B stopped */
		}
		int st;
		waitpid(leader, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 12);
	}
	int status;
	CHECK_EQ(waitpid(session, &status, 0), session);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read_byte(fds[0], 5000), 'S');
	char got = read_byte(fds[0], 5000);
	if (got != 'H')
		FAIL("the stopped member of the orphaned group reported '%c', wanted 'H' (SIGHUP)",
		     got ? got : '-');
	PASS();
}
