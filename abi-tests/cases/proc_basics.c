// abi: all
/*
 * fork, wait and signals: pids and parents, exit statuses, kill with the default
 * action, WNOHANG, ECHILD, a handler run by kill(self), blocked signals delivered
 * when unblocked.
 */
#include <nymph_test.h>
#include <signal.h>

static volatile int got_sig, got_count;

static void handler(int sig)
{
	got_sig = sig;
	got_count++;
}

int main(void)
{
	pid_t me = getpid();
	CHECK(me > 0);
	int status;

	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (getppid() != me)
			_exit(10);
		if (getpid() == me)
			_exit(11);
		_exit(42);
	}
	CHECK(pid != me);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 42);
	CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD);
	CHECK_ERRNO(wait(&status), ECHILD);

	/* A sleeping child: WNOHANG sees it running, SIGTERM kills it. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		for (;;)
			sleep(10);
	}
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	CHECK_OK(kill(pid, SIGTERM));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGTERM);
	CHECK_ERRNO(kill(pid, 0), ESRCH);

	/* A handler, run before kill(self) returns. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(kill(me, SIGUSR1));
	CHECK_EQ(got_sig, SIGUSR1);
	CHECK_EQ(got_count, 1);

	/* Blocked: pending until unblocked, then delivered once. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old));
	CHECK_OK(kill(me, SIGUSR1));
	CHECK_OK(kill(me, SIGUSR1));
	CHECK_EQ(got_count, 1);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	CHECK_EQ(got_count, 2);

	/* Invalid signals. */
	CHECK_ERRNO(kill(me, 1000), EINVAL);
	CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL);

	/* The child's exit status after exit() with a value > 255 is truncated. */
	pid = CHECK_OK(fork());
	if (pid == 0)
		exit(0x1234);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EQ(WEXITSTATUS(status), 0x34);
	PASS();
}
