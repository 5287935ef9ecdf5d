/*
 * wait4's rusage reports the CPU time a reaped child used: a child that spins in user
 * code for about 60 ms shows at least 20 ms of user time, and a child that exits at
 * once far less. (Times are measured, so the bounds are loose.)
 */
#include <nymph_test.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __FreeBSD_version
#define SUB_MS(tv) ((long)(tv).tv_usec / 1000)
#else
#define SUB_MS(tv) ((long)((tv).tv_nsec / 1000000))
#endif
#define MS(tv) ((long)(tv).tv_sec * 1000 + SUB_MS(tv))

static volatile unsigned long sink;

static long child_times(int spin_ms, long *user_ms)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		long start = nt_now_ms();
		while (nt_now_ms() - start < spin_ms)
			for (int i = 0; i < 10000; i++)
				sink += (unsigned long)i;
		_exit(0);
	}
	int status;
	struct rusage ru;
	CHECK_EQ(wait4(pid, &status, 0, &ru), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	*user_ms = MS(ru.ru_utime);
	return MS(ru.ru_utime) + MS(ru.ru_stime);
}

int main(void)
{
	long user, total;
	total = child_times(60, &user);
	if (user < 20)
		FAIL("spinning child: user time %ld ms (total %ld ms), wanted at least 20", user, total);
	long quick_user;
	long quick = child_times(0, &quick_user);
	if (quick >= total)
		FAIL("an idle child used %ld ms, the spinning one %ld ms", quick, total);
	PASS();
}
