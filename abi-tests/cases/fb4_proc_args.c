// abi: freebsd4-i386
/*
 * sysctl kern.proc.args {CTL_KERN 1, KERN_PROC 14, KERN_PROC_ARGS 7, pid} as 4.x serves
 * it (kern_proc.c sysctl_kern_proc_args, kern_exec.c's argument cache):
 *  - the arguments exec gave the process, each with its NUL, for itself and for any
 *    other process (ps_argsopen is 1); a NULL old buffer asks for the size; a short
 *    one gets what fits and ENOMEM;
 *  - arguments whose bytes and the 8-byte header pass ps_arg_cache_limit (256) are not
 *    kept: they read as nothing;
 *  - a pid no process has reads as nothing, with success (not ENOENT); a name without
 *    the pid, or with more, is EINVAL;
 *  - a new value (setproctitle) replaces the caller's own arguments, after returning
 *    the old ones; for another process it is EPERM;
 *  - the native ps's command line (/proc/PID/status) follows the title, as 4.x's ps
 *    shows it (kern.proc.args, or ps_strings for one too long to keep).
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

static int mib[5] = {1, 14, 7, 0, 0};

/* The command line the native ps shows for us: "command" in the native procfs's
 * /proc/PID/status (reached as /compat/../proc, which only the native tree has). */
static const char *status_command(void)
{
	static char text[1024];
	char path[64];
	snprintf(path, sizeof(path), "/compat/../proc/%d/status", (int)getpid());
	int fd = CHECK_OK(open(path, O_RDONLY));
	int n = CHECK_OK(read(fd, text, sizeof(text) - 1));
	close(fd);
	text[n] = 0;
	char *c = strstr(text, "\ncommand ");
	CHECK(c != NULL);
	c += 9;
	char *end = strchr(c, '\n');
	if (end)
		*end = 0;
	return c;
}

static void command_is(const char *want)
{
	const char *got = status_command();
	if (strcmp(got, want) != 0)
		FAIL("ps's command line '%s', want '%s'", got, want);
}

/* Reads the arguments of `pid` into `buf` (room `room`); returns the length. */
static size_t args_of(pid_t pid, char *buf, size_t room)
{
	mib[3] = pid;
	size_t len = room;
	CHECK_OK(sysctl(mib, 4, buf, &len, NULL, 0));
	return len;
}

/* `argv` as 4.x keeps it: each argument and its NUL. */
static size_t joined(char **argv, char *out)
{
	size_t n = 0;
	for (; *argv; argv++) {
		size_t l = strlen(*argv) + 1;
		memcpy(out + n, *argv, l);
		n += l;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		/* Wait until the parent has looked, then go. */
		char c;
		read(0, &c, 1);
		_exit(0);
	}

	char want[512], got[512];
	/* Our own, asked for the size first. */
	size_t n = joined(argv, want);
	mib[3] = getpid();
	size_t len = 0;
	CHECK_OK(sysctl(mib, 4, NULL, &len, NULL, 0));
	CHECK_EQ(len, n);
	memset(got, 0x5a, sizeof(got));
	CHECK_EQ(args_of(getpid(), got, sizeof(got)), n);
	CHECK(memcmp(got, want, n) == 0);
	/* A short buffer: what fits, and ENOMEM. */
	len = 3;
	memset(got, 0x5a, sizeof(got));
	CHECK_ERRNO(sysctl(mib, 4, got, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 3);
	CHECK(memcmp(got, want, 3) == 0 && got[3] == 0x5a);

	/* Another process's, empty arguments included; then one with arguments too long
	 * to be kept. */
	char longarg[300];
	memset(longarg, 'x', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = 0;
	for (int round = 0; round < 2; round++) {
		char *args[] = {argv[0], "child", "two words", "", round ? longarg : "end", NULL};
		int p[2];
		CHECK_OK(pipe(p));
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			dup2(p[0], 0);
			close(p[1]);
			execv(argv[0], args);
			_exit(99);
		}
		close(p[0]);
		size_t expect = round ? 0 : joined(args, want);
		/* Until the child has exec'd, it has our arguments. */
		long start = nt_now_ms();
		while ((n = args_of(pid, got, sizeof(got))) != expect || memcmp(got, want, n) != 0) {
			if (nt_now_ms() - start > 10000)
				FAIL("round %d: pid %d's arguments: %u bytes", round, (int)pid, (unsigned)n);
			sched_yield();
		}
		/* Not ours to set. */
		mib[3] = pid;
		CHECK_ERRNO(sysctl(mib, 4, NULL, NULL, "x", 2), EPERM);
		close(p[1]);
		int status;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK_CHILD_OK(status);
		/* Gone: nothing, and no error. */
		CHECK_EQ(args_of(pid, got, sizeof(got)), 0);
	}

	/* The name must have exactly one pid. */
	len = sizeof(got);
	mib[3] = getpid();
	CHECK_ERRNO(sysctl(mib, 3, got, &len, NULL, 0), EINVAL);
	len = sizeof(got);
	CHECK_ERRNO(sysctl(mib, 5, got, &len, NULL, 0), EINVAL);

	/* setproctitle's way: the old value comes back, the new one stays. */
	static const char title[] = "fb4_proc_args: a title\0second";
	len = sizeof(got);
	CHECK_OK(sysctl(mib, 4, got, &len, title, sizeof(title)));
	n = joined(argv, want);
	CHECK_EQ(len, n);
	CHECK(memcmp(got, want, n) == 0);
	CHECK_EQ(args_of(getpid(), got, sizeof(got)), sizeof(title));
	CHECK(memcmp(got, title, sizeof(title)) == 0);
	/* The native ps shows it too. */
	command_is("fb4_proc_args: a title second");
	/* Too long to keep: none are left; the native ps shows its start (4.x's ps finds
	 * the title through ps_strings, which setproctitle points at it). */
	CHECK_OK(sysctl(mib, 4, NULL, NULL, longarg, sizeof(longarg)));
	CHECK_EQ(args_of(getpid(), got, sizeof(got)), 0);
	CHECK(strncmp(status_command(), "xxxxxxxxxx", 10) == 0);
	/* One that cannot be read is EFAULT (userland_sysctl's useracc) and leaves the
	 * line as it was. */
	CHECK_ERRNO(sysctl(mib, 4, NULL, NULL, (void *)16, 400), EFAULT);
	CHECK(strncmp(status_command(), "xxxxxxxxxx", 10) == 0);
	PASS();
}
