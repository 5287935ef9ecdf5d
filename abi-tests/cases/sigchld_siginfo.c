// abi: native-v1, native-v2
/*
 * SIGCHLD's siginfo names the child and what happened to it: CLD_EXITED with the
 * exit code in si_status, CLD_KILLED with the signal that ended it, CLD_STOPPED with
 * the signal that stopped it, CLD_CONTINUED with SIGCONT when SIGCONT continues it; si_pid is the child, si_uid its real user. A signal
 * posted again while pending keeps its first origin: two children exiting while
 * SIGCHLD is blocked give one SIGCHLD, naming the first.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>

static siginfo_t seen;
static volatile int hits;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	seen = *si;
	hits++;
}

/* Waits with SIGCHLD blocked until the handler has run `n` times in all. */
static void await_hits(int n, const sigset_t *unblocked)
{
	while (hits < n)
		sigsuspend(unblocked);
	sigset_t now;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	CHECK(sigismember(&now, SIGCHLD));
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));

	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(7);
	await_hits(1, &old);
	CHECK_EQ(seen.si_signo, SIGCHLD);
	CHECK_EQ(seen.si_code, CLD_EXITED);
	CHECK_EQ(seen.si_pid, pid);
	CHECK_EQ(seen.si_uid, getuid());
	CHECK_EQ(seen.si_status, 7);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);

	pid = CHECK_OK(fork());
	if (pid == 0) {
		for (;;)
			sigsuspend(&old);
	}
	CHECK_OK(kill(pid, SIGSTOP));
	await_hits(2, &old);
	CHECK_EQ(seen.si_code, CLD_STOPPED);
	CHECK_EQ(seen.si_pid, pid);
	CHECK_EQ(seen.si_status, SIGSTOP);
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK(WIFSTOPPED(status));

	/* Continued: CLD_CONTINUED, with SIGCONT as the status (POSIX). */
	CHECK_OK(kill(pid, SIGCONT));
	await_hits(3, &old);
	CHECK_EQ(seen.si_code, CLD_CONTINUED);
	CHECK_EQ(seen.si_pid, pid);
	CHECK_EQ(seen.si_status, SIGCONT);

	CHECK_OK(kill(pid, SIGTERM));
	await_hits(4, &old);
	CHECK_EQ(seen.si_code, CLD_KILLED);
	CHECK_EQ(seen.si_pid, pid);
	CHECK_EQ(seen.si_status, SIGTERM);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

	/* Two exits while SIGCHLD stays blocked (each reaped, which leaves the signal
	 * pending): one signal, naming the first child. */
	pid_t first = CHECK_OK(fork());
	if (first == 0)
		_exit(1);
	CHECK_EQ(waitpid(first, &status, 0), first);
	pid_t second = CHECK_OK(fork());
	if (second == 0)
		_exit(2);
	CHECK_EQ(waitpid(second, &status, 0), second);
	await_hits(5, &old);
	CHECK_EQ(seen.si_pid, first);
	CHECK_EQ(seen.si_status, 1);
	CHECK_EQ(hits, 5);
	PASS();
}
