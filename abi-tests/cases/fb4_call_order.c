// abi: freebsd4-i386
/*
 * Calls whose checks 4.x makes in an order libc's callers can see (found auditing
 * 4.x libc's sleep, usleep, alarm, ualarm, test -x and setjmp):
 *  - nanosleep (kern_time.c): the request copied in, then rmtp checked for writing
 *    before any sleep (useracc: EFAULT at once); a tv_nsec out of range is EINVAL;
 *    then a negative tv_sec returns 0 at once;
 *  - setitimer: the new value copied in, then the old one written out (its getitimer)
 *    before the new one is checked: a bad oitv is EFAULT with the timer unchanged, a
 *    bad new value EINVAL with the old one written; itimerfix refuses more than
 *    100,000,000 seconds (alarm(200000000) fails); a zero it_value clears it_interval
 *    without checking it;
 *  - access(X_OK) by a real uid of 0 passes on a file without an execute bit (vaccess:
 *    "user id 0 always gets access"), and execve still refuses the file;
 *  - sigprocmask reads `how` only with a set: (99, NULL, &old) gives the mask, and
 *    (99, &set, &old) is EINVAL with neither the mask changed nor old written.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

struct tv32 {
	int sec, usec;
};
struct itv32 {
	struct tv32 interval, value;
};

static void *bad(void)
{
	return nt_page_before_hole() + 4096;
}

static void sleeps(void)
{
	struct timespec ts = {-1, 0};
	CHECK_OK(__sys_nanosleep(&ts, NULL));
	ts.tv_nsec = 1000000000;
	CHECK_ERRNO(__sys_nanosleep(&ts, NULL), EINVAL);
	ts.tv_sec = 0;
	ts.tv_nsec = -1;
	CHECK_ERRNO(__sys_nanosleep(&ts, NULL), EINVAL);
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	long t0 = nt_now_ms();
	CHECK_ERRNO(__sys_nanosleep(&ts, bad()), EFAULT);
	CHECK(nt_now_ms() - t0 < 2000);
	CHECK_ERRNO(__sys_nanosleep(bad(), NULL), EFAULT);
}

static void timers(void)
{
	struct itv32 hundred = {{0, 0}, {100, 0}}, off = {{0, 0}, {0, 0}}, old, now;
	CHECK_OK(__sys_setitimer(0, (void *)&hundred, NULL));
	struct itv32 bad_usec = {{0, 0}, {0, 2000000}};
	memset(&old, 0x55, sizeof(old));
	CHECK_ERRNO(__sys_setitimer(0, (void *)&bad_usec, (void *)&old), EINVAL);
	CHECK(old.value.sec >= 98 && old.value.sec <= 100);
	CHECK_OK(__sys_getitimer(0, (void *)&now));
	CHECK(now.value.sec >= 98 && now.value.sec <= 100);

	struct itv32 limit = {{0, 0}, {100000000, 0}}, past = {{0, 0}, {100000001, 0}};
	CHECK_ERRNO(__sys_setitimer(0, (void *)&past, NULL), EINVAL);
	CHECK_OK(__sys_setitimer(0, (void *)&limit, NULL));
	CHECK_OK(__sys_getitimer(0, (void *)&now));
	CHECK(now.value.sec > 99999990);

	struct itv32 zero = {{-5, 7}, {0, 0}};
	CHECK_OK(__sys_setitimer(0, (void *)&zero, (void *)&old));
	CHECK(old.value.sec > 99999990);
	CHECK_OK(__sys_getitimer(0, (void *)&now));
	CHECK(now.value.sec == 0 && now.value.usec == 0);
	CHECK(now.interval.sec == 0 && now.interval.usec == 0);

	struct itv32 ten = {{0, 0}, {10, 0}};
	CHECK_ERRNO(__sys_setitimer(0, (void *)&ten, bad()), EFAULT);
	CHECK_OK(__sys_getitimer(0, (void *)&now));
	CHECK(now.value.sec == 0 && now.value.usec == 0);
	CHECK_OK(__sys_setitimer(0, (void *)&off, NULL));
}

static void root_access(void)
{
	CHECK_EQ(getuid(), 0);
	nt_write_file("plain", "echo hi\n");
	CHECK_OK(chmod("plain", 0644));
	CHECK_OK(access("plain", X_OK));
	CHECK_OK(access("plain", R_OK | W_OK | X_OK));
	char *argv[] = {"plain", NULL};
	char *envp[] = {NULL};
	CHECK_ERRNO(execve("plain", argv, envp), EACCES);
	/* An unprivileged real uid is still refused. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(setuid(65534) == 0 && access("plain", X_OK) < 0 && errno == EACCES ? 0 : 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

static void masks(void)
{
	unsigned set[4] = {1u << (SIGUSR1 - 1), 0, 0, 0}, old[4], now[4];
	CHECK_OK(__sys_sigprocmask(SIG_SETMASK, (void *)set, NULL));
	memset(old, 0xa5, sizeof(old));
	CHECK_OK(__sys_sigprocmask(99, NULL, (void *)old));
	CHECK_EQ(old[0], 1u << (SIGUSR1 - 1));
	unsigned other[4] = {1u << (SIGUSR2 - 1), 0, 0, 0};
	memset(old, 0xa5, sizeof(old));
	CHECK_ERRNO(__sys_sigprocmask(99, (void *)other, (void *)old), EINVAL);
	CHECK_EQ(old[0], 0xa5a5a5a5u);
	CHECK_OK(__sys_sigprocmask(SIG_BLOCK, NULL, (void *)now));
	CHECK_EQ(now[0], 1u << (SIGUSR1 - 1));
	unsigned none[4] = {0, 0, 0, 0};
	CHECK_OK(__sys_sigprocmask(SIG_SETMASK, (void *)none, NULL));
}

int main(void)
{
	nt_scratch_dir("fb4_call_order");
	sleeps();
	timers();
	root_access();
	masks();
	return 0;
}
