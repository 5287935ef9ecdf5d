// abi: freebsd4-i386
/*
 * RLIMIT_CPU as 4.x enforces it (kern_synch.c mi_switch, kern_resource.c dosetrlimit):
 *  - by default it is infinite;
 *  - once the CPU time (user + system) passes the current limit the process gets
 *    SIGXCPU, not before, and the current limit goes up by 5 s (getrlimit shows it);
 *  - at the maximum it is killed with SIGKILL, SIGXCPU ignored or not;
 *  - fork inherits the limit (as moved) and exec keeps it, and by default SIGXCPU
 *    kills the new image.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/wait.h>

#define RLIMIT_CPU_ 0
#define RLIM_INF 0x7fffffffffffffffLL
/* Give up on a loop after this much real time (TCG is slow, but not that slow). */
#define GIVE_UP_MS 30000

static volatile int xcpu;
static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
}

/* CPU time used, in milliseconds. */
static long cpu_ms(int who)
{
	struct rusage ru;
	CHECK_OK(__sys_getrusage(who, &ru));
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static void set_cpu(long long cur, long long max)
{
	struct rlimit rl = {cur, max};
	CHECK_OK(__sys_setrlimit(RLIMIT_CPU_, &rl));
}

/* Burns CPU until `*flag` is set (or forever if it never is), within GIVE_UP_MS. */
static void spin(volatile int *flag)
{
	long start = nt_now_ms();
	volatile unsigned long n = 0;
	while (!*flag) {
		n++;
		if ((n & 0xfffff) == 0 && nt_now_ms() - start > GIVE_UP_MS)
			FAIL("no signal after %d ms of spinning", GIVE_UP_MS);
	}
}

int main(int argc, char **argv)
{
	static volatile int never;
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		/* The limit came through exec: spin until SIGXCPU's default kills us. */
		CHECK_EQ(nt_getrlimit(RLIMIT_CPU_).rlim_cur, 1);
		CHECK_EQ(nt_getrlimit(RLIMIT_CPU_).rlim_max, 30);
		spin(&never);
		FAIL("not reached");
	}

	struct rlimit rl = nt_getrlimit(RLIMIT_CPU_);
	CHECK_EQ(rl.rlim_cur, RLIM_INF);
	CHECK_EQ(rl.rlim_max, RLIM_INF);

	/* Past the current limit: SIGXCPU, and the limit moves up by 5 s. */
	signal(SIGXCPU, on_xcpu);
	long before = cpu_ms(RUSAGE_SELF);
	set_cpu(before / 1000 + 1, 30);
	spin(&xcpu);
	long at = cpu_ms(RUSAGE_SELF);
	CHECK(at >= (before / 1000 + 1) * 1000);
	CHECK_EQ(xcpu, 1);
	rl = nt_getrlimit(RLIMIT_CPU_);
	CHECK_EQ(rl.rlim_cur, before / 1000 + 1 + 5);
	CHECK_EQ(rl.rlim_max, 30);

	/* fork inherits the moved limit. */
	int status;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK_EQ(nt_getrlimit(RLIMIT_CPU_).rlim_cur, before / 1000 + 1 + 5);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* At the maximum: SIGKILL, though SIGXCPU is ignored. */
	long children = cpu_ms(RUSAGE_CHILDREN);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGXCPU, SIG_IGN);
		set_cpu(1, 2);
		spin(&never);
		_exit(3);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);
	CHECK(cpu_ms(RUSAGE_CHILDREN) - children >= 2000);

	/* exec keeps the limit; SIGXCPU's default action ends the new image. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		set_cpu(1, 30);
		char *args[] = {argv[0], "after-exec", NULL};
		execv(argv[0], args);
		FAIL("execv %s: %s", argv[0], nt_errname(errno));
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGXCPU);
	PASS();
}
