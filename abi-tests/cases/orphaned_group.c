// abi: all
/*
 * A process group that becomes orphaned while a member is stopped would never be
 * continued: POSIX (and 4.x's orphanpg) sends every member SIGHUP and then SIGCONT.
 * Here a session leader's child leads group G and stops a member B; when the leader
 * of G exits, B's parent becomes init, outside the session, so G is orphaned: B
 * must be woken, see SIGHUP, and report through a pipe. A group that was orphaned
 * already gets nothing more when another member exits.
 *
 * A group is orphaned by setpgid as well (4.x's fixjobc): member B alone in group G,
 * kept in touch by its parent A in another group; once A's own parent has gone (so
 * A's parent is init, outside the session), A joining G leaves G with no link, and
 * stopped B must get SIGHUP while A lives on.
 */
#include <nymph_test.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int report_fd, report_fd_read;
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

/* The setpgid case; reports through `report_fd` and returns 0 on success. */
static int orphaned_by_setpgid(void)
{
	int release[2], stopped[2];
	CHECK_OK(pipe(release));
	CHECK_OK(pipe(stopped));
	pid_t session = CHECK_OK(fork());
	if (session == 0) {
		if (setsid() < 0)
			_exit(20);
		pid_t a = fork();
		if (a == 0) {
			close(release[1]);
			signal(SIGHUP, SIG_IGN);
			pid_t b = fork();
			if (b == 0) {
				signal(SIGHUP, on_hup);
				setpgid(0, 0); /* G = {B}, kept in touch by A */
				(void)!write(report_fd, "S", 1);
				kill(getpid(), SIGSTOP);
				(void)!write(report_fd, "C", 1);
				_exit(1);
			}
			int st;
			if (waitpid(b, &st, WUNTRACED) != b || !WIFSTOPPED(st))
				_exit(21);
			(void)!write(stopped[1], "s", 1);
			/* The session leader exits now that B is stopped: wait to be init's. */
			for (int i = 0; getppid() != 1 && i < 500; i++)
				usleep(10000);
			if (getppid() != 1)
				_exit(22);
			if (setpgid(0, b) != 0) /* A joins G: G is orphaned now */
				_exit(23);
			(void)!write(report_fd, "J", 1);
			char c;
			(void)!read(release[0], &c, 1); /* lives until the test is done */
			_exit(0);
		}
		close(release[0]);
		close(release[1]);
		char c;
		_exit(read(stopped[0], &c, 1) == 1 ? 0 : 24);
	}
	close(release[0]);
	close(stopped[0]);
	close(stopped[1]);
	int status;
	CHECK_EQ(waitpid(session, &status, 0), session);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read_byte(report_fd_read, 5000), 'S');
	char first = read_byte(report_fd_read, 5000);
	char second = read_byte(report_fd_read, 5000);
	close(release[1]);
	if (!((first == 'J' && second == 'H') || (first == 'H' && second == 'J')))
		FAIL("setpgid orphaning a group with a stopped member: got '%c' '%c', wanted J and H",
		     first ? first : '-', second ? second : '-');
	return 0;
}

int main(void)
{
	int fds[2];
	CHECK_OK(pipe(fds));
	report_fd = fds[1];
	report_fd_read = fds[0];
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
	orphaned_by_setpgid();
	PASS();
}
