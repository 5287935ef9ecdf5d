// abi: freebsd4-i386
/*
 * Interval timers and the remaining credential calls of 4.x:
 * - setitimer(ITIMER_REAL) posts SIGALRM, interrupting a blocked read; a periodic
 *   timer fires again; getitimer reports what is left; a NULL new value only reads;
 *   itimerfix rejects a bad timeval (EINVAL) and rounds a tiny one up to a tick;
 *   an unknown timer is EINVAL; ITIMER_VIRTUAL counts user time (SIGVTALRM).
 * - setgroups/getgroups (the egid first), setreuid/setregid rules, settimeofday
 *   (root), utrace (0: nobody traces).
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
struct itv {
	struct timeval interval, value;
};

static volatile int alarms, vtalarms;
static void on_alrm(int sig) { (void)sig; alarms++; }
static void on_vtalrm(int sig) { (void)sig; vtalarms++; }

static void catch_signal(int sig, void (*h)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	CHECK_OK(sigaction(sig, &sa, NULL));
}

int main(void)
{
	struct itv t, old;
	catch_signal(SIGALRM, on_alrm);

	/* A one-shot real timer interrupts a read that would block forever. */
	int p[2];
	CHECK_OK(pipe(p));
	memset(&t, 0, sizeof t);
	t.value.tv_usec = 50000;
	CHECK_OK(syscall(83, ITIMER_REAL, &t, NULL));
	CHECK_OK(syscall(86, ITIMER_REAL, &old));
	CHECK(old.value.tv_sec == 0 && old.value.tv_usec > 0 && old.value.tv_usec <= 50000);
	char c;
	long start = nt_now_ms();
	CHECK_ERRNO(read(p[0], &c, 1), EINTR);
	long took = nt_now_ms() - start;
	CHECK(took >= 30 && took < 2000);
	CHECK_EQ(alarms, 1);
	CHECK_OK(syscall(86, ITIMER_REAL, &old));
	CHECK(old.value.tv_sec == 0 && old.value.tv_usec == 0);

	/* A periodic one fires again and again, until disarmed. */
	t.value.tv_usec = 20000;
	t.interval.tv_usec = 20000;
	CHECK_OK(syscall(83, ITIMER_REAL, &t, NULL));
	while (alarms < 4)
		;
	memset(&t, 0, sizeof t);
	CHECK_OK(syscall(83, ITIMER_REAL, &t, &old));
	CHECK_EQ(old.interval.tv_usec, 20000);

	/* NULL reads; bad values are refused; a tiny value is one tick. */
	CHECK_OK(syscall(83, ITIMER_REAL, NULL, &old));
	t.value.tv_usec = 1000000;
	CHECK_ERRNO(syscall(83, ITIMER_REAL, &t, NULL), EINVAL);
	t.value.tv_usec = 0;
	t.value.tv_sec = -1;
	CHECK_ERRNO(syscall(83, ITIMER_REAL, &t, NULL), EINVAL);
	CHECK_ERRNO(syscall(83, 7, &t, NULL), EINVAL);
	memset(&t, 0, sizeof t);
	t.value.tv_sec = 100;
	t.interval.tv_usec = 1;
	CHECK_OK(syscall(83, ITIMER_REAL, &t, NULL));
	CHECK_OK(syscall(86, ITIMER_REAL, &old));
	CHECK_EQ(old.interval.tv_usec, 10000);
	memset(&t, 0, sizeof t);
	CHECK_OK(syscall(83, ITIMER_REAL, &t, NULL));

	/* Virtual time runs only while the process runs user code. */
	catch_signal(SIGVTALRM, on_vtalrm);
	t.value.tv_usec = 30000;
	CHECK_OK(syscall(83, ITIMER_VIRTUAL, &t, NULL));
	start = nt_now_ms();
	while (vtalarms == 0 && nt_now_ms() - start < 5000)
		;
	CHECK_EQ(vtalarms, 1);

	/* Groups: the first is the effective gid; the count comes back. */
	gid_t set[3] = {10, 20, 30}, got[8];
	CHECK_OK(syscall(80, 3, set));
	CHECK_EQ(getegid(), 10);
	CHECK_EQ(syscall(79, 0, got), 3);
	CHECK_EQ(syscall(79, 8, got), 3);
	CHECK(got[0] == 10 && got[1] == 20 && got[2] == 30);
	CHECK_ERRNO(syscall(79, 1, got), EINVAL);
	gid_t too_many[17] = {0};
	CHECK_ERRNO(syscall(80, 17, too_many), EINVAL);

	/* setreuid: root may set anything; a user only swaps real and effective. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (syscall(126, 1000, 2000) != 0 || getuid() != 1000 || geteuid() != 2000)
			_exit(1);
		if (syscall(126, 2000, 1000) != 0 || getuid() != 2000 || geteuid() != 1000)
			_exit(2);
		if (syscall(126, 0, -1) != -1 || errno != EPERM)
			_exit(3);
		if (syscall(80, 0, NULL) != -1 || errno != EPERM)
			_exit(4);
		if (syscall(127, -1, -1) != 0)
			_exit(5);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EQ(status, 0);

	/* settimeofday (root) moves the clock; utrace is accepted. */
	struct timeval tv, now;
	CHECK_OK(gettimeofday(&tv, NULL));
	struct timeval later = {tv.tv_sec + 3600, 0};
	CHECK_OK(syscall(122, &later, NULL));
	CHECK_OK(gettimeofday(&now, NULL));
	CHECK(now.tv_sec >= tv.tv_sec + 3600 && now.tv_sec < tv.tv_sec + 3610);
	CHECK_OK(syscall(122, &tv, NULL));
	CHECK_OK(syscall(335, "x", 1));
	PASS();
}
