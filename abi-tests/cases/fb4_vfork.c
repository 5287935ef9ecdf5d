// abi: freebsd4-i386
/*
 * vfork (66): the child runs in the parent's own memory, not a copy, and the parent
 * does not run again until the child has exec'd or exited (4.x's shared vmspace and
 * "ppwait"); the child's results are eax 0 and edx 1 as for fork. Programs such as
 * xargs rely on the sharing: the child stores exec's errno where the parent reads it.
 * SIGKILL ends a parent waiting for its vfork child (where 4.x's ppwait did not wake,
 * leaving the parent unkillable while the child was blocked): the parent dies at once,
 * and the child runs on in the memory it was lent, to its own exit. The child, which
 * slept in read, copies into that memory when it wakes (it used to get EFAULT: its
 * thread had not recorded the address space it started on).
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int child_wrote;
static volatile int exec_errno;

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

	/* The child exits after 150 ms: the parent cannot go on before, and then it sees
	 * what the child wrote. */
	long start = nt_now_ms();
	int pid = syscall(66);
	if (pid == 0) {
		sleep_ms(150);
		child_wrote = 1234;
		_exit(4);
	}
	CHECK(pid > 0);
	long waited = nt_now_ms() - start;
	if (waited < 120)
		FAIL("the parent ran again after %ld ms, before its vfork child exited", waited);
	CHECK_EQ(child_wrote, 1234);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4);

	/* The child execs after 150 ms, and the new image runs for a second: the parent
	 * goes on at the exec, not at the exit, with its own memory intact. */
	start = nt_now_ms();
	pid = vfork();
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

	/* xargs's pattern: a failed exec's errno reaches the parent through memory. */
	exec_errno = 0;
	pid = vfork();
	if (pid == 0) {
		char *args[] = {"/no/such/program", NULL};
		execve(args[0], args, NULL);
		exec_errno = errno;
		_exit(127);
	}
	CHECK(pid > 0);
	CHECK_EQ(exec_errno, ENOENT);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	/* Memory the child maps stays the parent's: the space is one. */
	pid = vfork();
	if (pid == 0) {
		char *p = malloc(100000);
		if (p)
			p[0] = 'x';
		child_wrote = p ? 1 : 2;
		_exit(0);
	}
	CHECK_EQ(child_wrote, 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *q = malloc(100000);
	CHECK(q != NULL);
	q[99999] = 'y';

	/* The middle process vforks a child that blocks in read; SIGKILL to the middle
	 * one ends it within the wait, and the child, released later, still runs. */
	int go[2], done[2];
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(done));
	pid_t middle = fork();
	CHECK(middle >= 0);
	if (middle == 0) {
		if (vfork() == 0) {
			char c;
			write(done[1], read(go[0], &c, 1) == 1 ? "d" : "e", 1);
			_exit(0);
		}
		_exit(5); /* never: it is killed while it waits */
	}
	sleep_ms(100);
	CHECK_OK(kill(middle, SIGKILL));
	pid_t got = 0;
	for (int i = 0; i < 100 && got == 0; i++) {
		got = waitpid(middle, &status, WNOHANG);
		if (got == 0)
			sleep_ms(20);
	}
	if (got == 0) {
		write(go[1], "g", 1); /* let the child go, and the parent with it */
		FAIL("a parent waiting for its vfork child outlived SIGKILL by 2 s");
	}
	CHECK_EQ(got, middle);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_EQ(write(go[1], "g", 1), 1);
	char c = 0;
	CHECK_EQ(read(done[0], &c, 1), 1);
	CHECK_EQ(c, 'd');
	PASS();
}
