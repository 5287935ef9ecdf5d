// abi: all
/*
 * Orphans go to init: a process that exits leaving a child that already ended (a
 * zombie) or one still running must not disturb its own parent's wait, and init
 * (the runner here) reaps them.
 */
#include <nymph_test.h>

int main(void)
{
	int status;
	pid_t middle = CHECK_OK(fork());
	if (middle == 0) {
		/* One child ends at once and is never waited for; one outlives us. */
		if (fork() == 0)
			_exit(0);
		if (fork() == 0) {
			usleep(100000);
			_exit(0);
		}
		usleep(50000);
		_exit(5);
	}
	CHECK_EQ(waitpid(middle, &status, 0), middle);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 5);
	/* The orphans are init's now, not ours. */
	CHECK_ERRNO(waitpid(-1, &status, WNOHANG), ECHILD);
	PASS();
}
