/*
 * Cross-ABI: a process of this column's ABI forks and execs the same case built for
 * every other ABI, and waits for it. Exit codes, deaths by signal, stops and
 * continues reach the parent in its own ABI's numbering (SIGTERM, SIGSTOP, SIGCHLD
 * differ between FreeBSD-4 and native); a child execs back into the parent's ABI
 * keeping its pid; getppid agrees across the boundary.
 */
#include <nymph_cross.h>
#include <signal.h>

static volatile int chld_seen;

static void on_chld(int sig)
{
	if (sig == SIGCHLD)
		chld_seen++;
}

static int child(int argc, char **argv, const struct nc_self *self)
{
	const char *role = argv[1];
	const char *arg = argc > 2 ? argv[2] : "";
	if (strcmp(role, "exit") == 0)
		_exit(atoi(arg));
	if (strcmp(role, "die") == 0) {
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		_exit(50);
	}
	if (strcmp(role, "stop") == 0) {
		raise(SIGSTOP);
		_exit(5);
	}
	if (strcmp(role, "ppid") == 0)
		_exit(getppid() == atoi(arg) ? 0 : 51);
	if (strcmp(role, "exec-back") == 0) {
		/* Into the parent's ABI: same process, new personality. */
		char path[192];
		snprintf(path, sizeof(path), "/abi/%s/%s", arg, self->case_);
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", getpid());
		char *args[] = {path, "same-pid", pid, NULL};
		execve(path, args, environ);
		_exit(52);
	}
	if (strcmp(role, "same-pid") == 0)
		_exit(getpid() == atoi(arg) ? 9 : 53);
	FAIL("unknown role %s", role);
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 1)
		return child(argc, argv, &self);

	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));

	for (int i = 0; i < n; i++) {
		const char *other = others[i];
		int status;

		pid_t pid = nc_spawn(&self, other, "exit", "42");
		NC_EXPECT_EXIT(pid, 42, other);

		pid = nc_spawn(&self, other, "die", "");
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
			FAIL("%s child killed by its SIGTERM: status %#x, wanted signal %d", other,
			     status, SIGTERM);

		pid = nc_spawn(&self, other, "stop", "");
		CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
			FAIL("%s child stopped by its SIGSTOP: status %#x, wanted stop %d", other,
			     status, SIGSTOP);
		CHECK_OK(kill(pid, SIGCONT));
		NC_EXPECT_EXIT(pid, 5, "continued child");

		char me[16];
		snprintf(me, sizeof(me), "%d", getpid());
		pid = nc_spawn(&self, other, "ppid", me);
		NC_EXPECT_EXIT(pid, 0, "getppid across ABIs");

		pid = nc_spawn(&self, other, "exec-back", self.abi);
		NC_EXPECT_EXIT(pid, 9, "exec back into the parent's ABI");
	}
	CHECK(chld_seen >= 1);
	PASS();
}
