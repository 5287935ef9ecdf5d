/*
 * Signals between users: a non-root process cannot signal another user's process
 * (EPERM for one process; for a group, EPERM natively and ESRCH in 4.x, whose killpg
 * skips what it may not signal), while it can signal its own, and root can signal
 * anyone. The refused signal has no effect.
 */
#include <nymph_test.h>
#include <signal.h>

static void hold(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
}

int main(void)
{
	/* A: user 1000, in a group of its own, waiting. */
	pid_t a = fork();
	CHECK(a >= 0);
	if (a == 0) {
		setpgid(0, 0);
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		hold();
	}
	setpgid(a, a);

	/* B: user 2000 tries to signal A, then signals its own child. */
	pid_t b = fork();
	CHECK(b >= 0);
	if (b == 0) {
		if (setgid(2000) != 0 || setuid(2000) != 0)
			_exit(3);
		CHECK_ERRNO(kill(a, SIGTERM), EPERM);
		CHECK_ERRNO(kill(a, 0), EPERM);
#ifdef __FreeBSD_version
		CHECK_ERRNO(kill(-a, SIGTERM), ESRCH);
#else
		CHECK_ERRNO(kill(-a, SIGTERM), EPERM);
#endif
		pid_t own = fork();
		CHECK(own >= 0);
		if (own == 0)
			hold();
		CHECK_OK(kill(own, SIGTERM));
		int status;
		CHECK_EQ(waitpid(own, &status, 0), own);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(b, &status, 0), b);
	CHECK_CHILD_OK(status);

	/* A was not touched; root may signal it. */
	CHECK_OK(kill(a, 0));
	CHECK_EQ(waitpid(a, &status, WNOHANG), 0);
	CHECK_OK(kill(a, SIGTERM));
	CHECK_EQ(waitpid(a, &status, 0), a);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	PASS();
}
