// abi: native-v1, native-v2
/*
 * WCONTINUED: a child continued from a stop by SIGCONT is reported once, with the
 * status WCONTINUED_STATUS (0xffff), to a wait that asks for it and to no other; a
 * new stop supersedes a continue not yet reported; SIGCONT to a running process is
 * no continue; the child's exit is reaped as ever. (4.x has no WCONTINUED: it came with FreeBSD 5.)
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>

int main(void)
{
	int go[2];
	CHECK_OK(pipe(go));
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		kill(getpid(), SIGSTOP);
		char c;
		read(go[0], &c, 1); /* wait for the parent's go before exiting */
		_exit(7);
	}
	int status = 0;
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK(WIFSTOPPED(status));
	CHECK_EQ(WSTOPSIG(status), SIGSTOP);

	/* Not continued yet: nothing to report. */
	CHECK_EQ(waitpid(pid, &status, WCONTINUED | WNOHANG), 0);
	CHECK_OK(kill(pid, SIGCONT));
	/* A wait without WCONTINUED does not see it. */
	CHECK_EQ(waitpid(pid, &status, WUNTRACED | WNOHANG), 0);
	status = 0;
	CHECK_EQ(waitpid(pid, &status, WCONTINUED), pid);
	CHECK_EQ(status, WCONTINUED_STATUS);
	CHECK(!WIFEXITED(status) && !WIFSTOPPED(status));
	/* Reported once. */
	CHECK_EQ(waitpid(pid, &status, WCONTINUED | WNOHANG), 0);

	/* Continued, then stopped again before anyone asked: the stop is the news,
	 * the continue is gone. */
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK(WIFSTOPPED(status));
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK(WIFSTOPPED(status));
	CHECK_EQ(waitpid(pid, &status, WCONTINUED | WNOHANG), 0);

	/* Continued for good; SIGCONT to a process that is not stopped is no continue. */
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(waitpid(pid, &status, WCONTINUED), pid);
	CHECK_EQ(status, WCONTINUED_STATUS);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(waitpid(pid, &status, WCONTINUED | WNOHANG), 0);

	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(waitpid(pid, &status, WCONTINUED), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);
	PASS();
}
