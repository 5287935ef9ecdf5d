// abi: freebsd4-i386
/*
 * thr_sleep (322) and thr_wakeup (323) as 4.x's kern_threads.c has them, for a
 * process whose rfork(RFTHREAD) peer group is itself alone:
 *  - thr_wakeup of any pid but the caller's returns ESRCH as its value, with no error
 *    (carry clear); of the caller, which is not asleep, it counts a wake-up and
 *    returns EAGAIN as its value;
 *  - thr_sleep with wake-ups pending returns 0 at once and takes them all;
 *  - a timeout (timespec, copied in: EFAULT; tv_nsec out of range or itimerfix's
 *    limits: EINVAL; each error also drops the wake-ups) that passes returns EAGAIN
 *    as the value, after tvtohz's ticks (at least one, even for zero);
 *  - a caught signal ends the sleep with no error: 0 with a timeout, the ticks slept
 *    without one (never EINTR, never restarted), and then the handler runs.
 */
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A call that fails: carry set, eax the errno. */
static long error(int nr, long arg)
{
	int cf;
	long v = nt_int80_1(nr, arg, &cf);
	if (!cf)
		FAIL("call %d: carry clear, eax %ld", nr, v);
	return v;
}

static long thr_sleep_(const struct timespec *ts) { return nt_int80_value(322, (long)ts); }
static long thr_wakeup_(int pid) { return nt_int80_value(323, pid); }

static long now_us(void)
{
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

static volatile int caught;
static void on_alrm(int sig) { caught = sig; }

/* A one-shot ITIMER_REAL (setitimer, 83). */
static void alarm_in(long us)
{
	struct timeval it[2] = {{0, 0}, {us / 1000000, us % 1000000}};
	CHECK_OK(syscall(83, 0, it, NULL));
}

int main(void)
{
	int hz = nt_hz();
	long tick_us = 1000000 / hz;
	struct timespec zero = {0, 0};

	/* thr_wakeup: only the caller is a peer. */
	pid_t me = getpid();
	CHECK_EQ(thr_wakeup_(me + 1), ESRCH);
	CHECK_EQ(thr_wakeup_(0), ESRCH);
	CHECK_EQ(thr_wakeup_(-1), ESRCH);
	CHECK_EQ(thr_wakeup_(1), me == 1 ? EAGAIN : ESRCH);
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		/* Not a peer of its parent either. */
		if (thr_wakeup_(getppid()) != ESRCH)
			_exit(1);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	/* ...nor the parent of its child. */
	CHECK_EQ(thr_wakeup_(child), ESRCH);

	/* A wake-up of itself is counted; a sleep then returns 0 at once, and takes all
	 * of them: the next sleep times out. */
	CHECK_EQ(thr_wakeup_(me), EAGAIN);
	CHECK_EQ(thr_wakeup_(me), EAGAIN);
	CHECK_EQ(thr_wakeup_(me), EAGAIN);
	long t0 = now_us();
	CHECK_EQ(thr_sleep_(NULL), 0);
	CHECK(now_us() - t0 < 5 * tick_us);
	t0 = now_us();
	CHECK_EQ(thr_sleep_(&zero), EAGAIN);
	CHECK(now_us() - t0 < 10 * tick_us);
	CHECK_EQ(thr_wakeup_(me), EAGAIN);
	struct timespec long_ts = {5, 0};
	CHECK_EQ(thr_sleep_(&long_ts), 0);

	/* A timeout passes: EAGAIN as the value, after the time asked for. */
	struct timespec ts = {0, 60 * 1000 * 1000};
	t0 = now_us();
	CHECK_EQ(thr_sleep_(&ts), EAGAIN);
	long slept = now_us() - t0;
	CHECK(slept >= 60000 - tick_us);
	CHECK(slept < 60000 + 20 * tick_us);

	/* Errors: EFAULT, EINVAL; each drops the wake-ups given. */
	CHECK_EQ(thr_wakeup_(me), EAGAIN);
	CHECK_EQ(error(322, 16), EFAULT);
	CHECK_EQ(thr_sleep_(&zero), EAGAIN);
	struct timespec bad[] = {
		{0, 1000000000}, {0, -1}, {-1, 0}, {100000001, 0},
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(thr_wakeup_(me), EAGAIN);
		CHECK_EQ(error(322, (long)&bad[i]), EINVAL);
		CHECK_EQ(thr_sleep_(&zero), EAGAIN);
	}
	/* itimerfix's upper limit itself is accepted (a wake-up pending: no sleep). */
	struct timespec most = {100000000, 999999999};
	CHECK_EQ(thr_wakeup_(me), EAGAIN);
	CHECK_EQ(thr_sleep_(&most), 0);

	/* A caught signal ends the sleep without an error, and its handler runs after. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	caught = 0;
	alarm_in(100000);
	t0 = now_us();
	long ticks = thr_sleep_(NULL);
	slept = now_us() - t0;
	CHECK_EQ(caught, SIGALRM);
	CHECK(slept >= 100000 - tick_us);
	/* The ticks it slept, as tsleep counts them. */
	CHECK(ticks >= 100000 / tick_us - 2);
	CHECK(ticks <= slept / tick_us + 2);

	caught = 0;
	alarm_in(50000);
	t0 = now_us();
	CHECK_EQ(thr_sleep_(&long_ts), 0);
	CHECK_EQ(caught, SIGALRM);
	CHECK(now_us() - t0 < 2000000);

	/* With SA_RESTART too: the call is not started again. */
	sa.sa_flags = SA_RESTART;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	caught = 0;
	alarm_in(50000);
	t0 = now_us();
	CHECK_EQ(thr_sleep_(&long_ts), 0);
	CHECK_EQ(caught, SIGALRM);
	CHECK(now_us() - t0 < 2000000);

	/* A blocked signal does not end it. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old));
	caught = 0;
	alarm_in(20000);
	ts.tv_nsec = 150 * 1000 * 1000;
	t0 = now_us();
	CHECK_EQ(thr_sleep_(&ts), EAGAIN);
	CHECK(now_us() - t0 >= 150000 - tick_us);
	CHECK_EQ(caught, 0);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	CHECK_EQ(caught, SIGALRM);
	PASS();
}
