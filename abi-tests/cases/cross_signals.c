/*
 * Cross-ABI signals: each side names signals in its own ABI's numbers (SIGUSR1 is 30
 * for FreeBSD-4 and 10 for native) and the kernel carries the meaning across. A child
 * of another ABI signals its parent and is signalled back; a process group of mixed
 * ABIs is signalled as one; ignored dispositions and the blocked mask survive exec
 * into another ABI, translated.
 */
#include <nymph_cross.h>
#include <signal.h>

static volatile int got_usr1, got_usr2;

static void on_usr1(int sig)
{
	got_usr1 = sig;
}

static void on_usr2(int sig)
{
	got_usr2 = sig;
}

static void on_hup(int sig)
{
	_exit(sig == SIGHUP ? 11 : 71);
}

static void wait_for(volatile int *flag, const sigset_t *during)
{
	while (!*flag)
		sigsuspend(during);
}

static int child(int argc, char **argv)
{
	const char *role = argv[1];
	(void)argc;
	sigset_t usr, old;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR2);
	if (strcmp(role, "ping") == 0) {
		/* Tell the parent with our SIGUSR1, wait for its SIGUSR2. */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr2;
		sigaction(SIGUSR2, &sa, NULL);
		sigprocmask(SIG_BLOCK, &usr, &old);
		if (kill(getppid(), SIGUSR1) != 0)
			_exit(72);
		wait_for(&got_usr2, &old);
		_exit(got_usr2 == SIGUSR2 ? 0 : 73);
	}
	if (strcmp(role, "hup") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_hup;
		sigaction(SIGHUP, &sa, NULL);
		kill(getppid(), SIGUSR1);
		sigset_t none;
		sigemptyset(&none);
		for (;;)
			sigsuspend(&none);
	}
	if (strcmp(role, "check-inherited") == 0) {
		struct sigaction old_int;
		if (sigaction(SIGINT, NULL, &old_int) != 0)
			_exit(74);
		if (old_int.sa_handler != SIG_IGN)
			_exit(75);
		sigset_t mask;
		sigprocmask(SIG_BLOCK, NULL, &mask);
		if (!sigismember(&mask, SIGUSR2) || sigismember(&mask, SIGUSR1))
			_exit(76);
		_exit(0);
	}
	FAIL("unknown role %s", role);
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 1)
		return child(argc, argv);

	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	sigset_t usr1, unblocked;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, &unblocked));

	for (int i = 0; i < n; i++) {
		const char *other = others[i];
		int status;

		/* Ping-pong: its SIGUSR1 arrives as ours, our SIGUSR2 as its. */
		got_usr1 = 0;
		pid_t pid = nc_spawn(&self, other, "ping", "");
		wait_for(&got_usr1, &unblocked);
		CHECK_EQ(got_usr1, SIGUSR1);
		CHECK_OK(kill(pid, SIGUSR2));
		NC_EXPECT_EXIT(pid, 0, "ping-pong");

		/* A group of its own, signalled as a group. */
		got_usr1 = 0;
		pid = nc_spawn(&self, other, "hup", "");
		setpgid(pid, pid);
		wait_for(&got_usr1, &unblocked);
		CHECK_EQ(getpgid(pid), pid);
		CHECK_OK(kill(-pid, SIGHUP));
		NC_EXPECT_EXIT(pid, 11, "process group SIGHUP");

		/* SIGKILL from our side. */
		got_usr1 = 0;
		pid = nc_spawn(&self, other, "hup", "");
		wait_for(&got_usr1, &unblocked);
		CHECK_OK(kill(pid, SIGKILL));
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			FAIL("%s child after SIGKILL: status %#x", other, status);

		/* Ignored and blocked signals across exec, in the other ABI's numbers. */
		sigset_t usr2, before;
		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		signal(SIGINT, SIG_IGN);
		CHECK_OK(sigprocmask(SIG_SETMASK, &usr2, &before));
		pid = nc_spawn(&self, other, "check-inherited", "");
		CHECK_OK(sigprocmask(SIG_SETMASK, &before, NULL));
		signal(SIGINT, SIG_DFL);
		NC_EXPECT_EXIT(pid, 0, "dispositions and mask across exec");
	}
	PASS();
}
