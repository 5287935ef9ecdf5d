// abi: freebsd4-i386
/*
 * vfork (66): the parent does not run again until the child has exec'd or exited
 * (4.x's "ppwait"); the child's results are eax 0 and edx 1 as for fork.
 */
#include <nymph_test.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "late-exit") == 0) {
		sleep_ms(1000);
		_exit(7);
	}

	/* The child exits after 150 ms: the parent cannot go on before. */
	long start = nt_now_ms();
	int pid = syscall(66);
	if (pid == 0) {
		sleep_ms(150);
		_exit(4);
	}
	CHECK(pid > 0);
	long waited = nt_now_ms() - start;
	if (waited < 120)
		FAIL("the parent ran again after %ld ms, before its vfork child exited", waited);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4);

	/* The child execs after 150 ms, and the new image runs for a second: the parent
	 * goes on at the exec, not at the exit. */
	start = nt_now_ms();
	pid = syscall(66);
	if (pid == 0) {
		sleep_ms(150);
		char *args[] = {argv[0], "late-exit", NULL};
		execve(argv[0], args, NULL);
		_exit(99);
	}
	waited = nt_now_ms() - start;
	if (waited < 120 || waited > 900)
		FAIL("the parent ran again after %ld ms (child execs at 150 ms, exits at ~1150)", waited);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	PASS();
}
