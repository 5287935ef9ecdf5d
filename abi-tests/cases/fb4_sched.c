// abi: freebsd4-i386
/*
 * Scheduling classes as 4.x keeps them: rtprio (kern_resource.c) and the POSIX.1b
 * calls (p1003_1b.c, ksched.c) over one per-process class:
 *  - ranges: SCHED_FIFO/RR 0..31, SCHED_OTHER -20..20, another policy EINVAL;
 *  - POSIX priority P is rtprio 31 - P; FIFO is RTP_PRIO_FIFO, RR RTP_PRIO_REALTIME;
 *  - ESRCH for no such pid; the sched_* calls naming a process are root's only
 *    (EPERM); rtprio without root sets only its own (pid 0) and only NORMAL;
 *  - fork inherits the class;
 *  - the scheduler honours it: a real-time child woken by its normal parent runs to
 *    its end before the parent's next call; an idle-class child runs only once its
 *    parent stops being runnable, even if the parent spins past its turns; a
 *    real-time process that spins still gets its SIGALRM (4.x's callouts run from
 *    the clock interrupt).
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/time.h>
#include <signal.h>
#include <sys/wait.h>

static int rtp(int fn, int pid, int type, int prio, struct rtprio *out)
{
	struct rtprio r = { (unsigned short)type, (unsigned short)prio };
	int rc = __sys_rtprio(fn, pid, &r);
	if (out)
		*out = r;
	return rc;
}

static int setsched(int pid, int policy, int prio)
{
	struct sched_param p = { prio };
	return __sys_sched_setscheduler(pid, policy, &p);
}

static int getprio(int pid)
{
	struct sched_param p = { -1 };
	if (__sys_sched_getparam(pid, &p) != 0)
		return -100;
	return p.sched_priority;
}

static int reap(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Runs for `ms` milliseconds of wall time without a blocking call. */
static void spin_ms(long ms)
{
	struct timeval a, b;
	gettimeofday(&a, NULL);
	for (;;) {
		for (volatile int i = 0; i < 10000; i++)
			;
		gettimeofday(&b, NULL);
		if ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000 >= ms)
			return;
	}
}

static volatile int alarmed;
static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* Forks a child that waits for a byte on `go`, spins `ms`, writes `mark` to `out`. */
static pid_t marker_child(int go[2], int out[2], char mark, long ms)
{
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		spin_ms(ms);
		(void)!write(out[1], &mark, 1);
		_exit(0);
	}
	return child;
}

int main(void)
{
	struct rtprio r;
	struct timespec ts;

	/* Ranges (ksched.c). */
	CHECK_EQ(__sys_sched_get_priority_max(SCHED_FIFO), 31);
	CHECK_EQ(__sys_sched_get_priority_min(SCHED_FIFO), 0);
	CHECK_EQ(__sys_sched_get_priority_max(SCHED_RR), 31);
	CHECK_EQ(__sys_sched_get_priority_min(SCHED_RR), 0);
	CHECK_EQ(__sys_sched_get_priority_max(SCHED_OTHER), 20);
	CHECK_EQ(__sys_sched_get_priority_min(SCHED_OTHER), -20);
	CHECK_ERRNO(__sys_sched_get_priority_max(99), EINVAL);
	CHECK_ERRNO(__sys_sched_get_priority_min(-1), EINVAL);

	/* A process starts normal. */
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_OTHER);
	CHECK_OK(rtp(RTP_LOOKUP, 0, 99, 99, &r));
	CHECK_EQ(r.type, RTP_PRIO_NORMAL);
	CHECK_EQ(r.prio, 0);
	CHECK_EQ(getprio(0), 0);

	/* Errors. */
	CHECK_ERRNO(__sys_sched_getscheduler(99999), ESRCH);
	CHECK_ERRNO(__sys_sched_getscheduler(-3), ESRCH);
	CHECK_ERRNO(rtp(RTP_LOOKUP, 99999, 0, 0, NULL), ESRCH);
	CHECK_ERRNO(rtp(7, 0, RTP_PRIO_NORMAL, 0, NULL), EINVAL);
	CHECK_ERRNO(rtp(RTP_SET, 0, 9, 0, NULL), EINVAL);
	CHECK_ERRNO(rtp(RTP_SET, 0, RTP_PRIO_REALTIME, 32, NULL), EINVAL);
	CHECK_ERRNO(__sys_rtprio(RTP_LOOKUP, 0, (void *)8), EFAULT);
	CHECK_ERRNO(setsched(0, SCHED_FIFO, 32), EPERM);
	CHECK_ERRNO(setsched(0, SCHED_RR, -1), EPERM);
	CHECK_ERRNO(setsched(0, 99, 0), EINVAL);
	CHECK_ERRNO(setsched(99999, SCHED_RR, 1), ESRCH);
	struct sched_param sp = { 3 };
	CHECK_ERRNO(__sys_sched_setparam(0, &sp), EINVAL); /* SCHED_OTHER */
	CHECK_ERRNO(__sys_sched_getparam(0, (void *)8), EFAULT);
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_OTHER);

	/* Round trips between the two views. */
	CHECK_OK(setsched(0, SCHED_RR, 10));
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_RR);
	CHECK_EQ(getprio(0), 10);
	CHECK_OK(rtp(RTP_LOOKUP, getpid(), 0, 0, &r));
	CHECK_EQ(r.type, RTP_PRIO_REALTIME);
	CHECK_EQ(r.prio, 21);
	sp.sched_priority = 12;
	CHECK_OK(__sys_sched_setparam(0, &sp));
	CHECK_EQ(getprio(0), 12);
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_RR);
	CHECK_OK(setsched(0, SCHED_FIFO, 5));
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_FIFO);
	CHECK_OK(rtp(RTP_LOOKUP, 0, 0, 0, &r));
	CHECK_EQ(r.type, RTP_PRIO_FIFO);
	CHECK_EQ(r.prio, 26);
	CHECK_OK(rtp(RTP_SET, 0, RTP_PRIO_REALTIME, 3, NULL));
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_RR);
	CHECK_EQ(getprio(0), 28);
	CHECK_OK(rtp(RTP_SET, 0, RTP_PRIO_NORMAL, 7, NULL));
	CHECK_OK(rtp(RTP_LOOKUP, 0, 0, 0, &r));
	CHECK_EQ(r.type, RTP_PRIO_NORMAL);
	CHECK_EQ(r.prio, 7);
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_OTHER);
	CHECK_OK(__sys_sched_rr_get_interval(0, &ts));
	CHECK_EQ(ts.tv_sec, 0);
	CHECK(ts.tv_nsec > 0 && ts.tv_nsec < 1000000000);

	/* fork inherits the class. */
	CHECK_OK(setsched(0, SCHED_RR, 10));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (__sys_sched_getscheduler(0) != SCHED_RR || getprio(0) != 10)
			_exit(1);
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_OK(setsched(0, SCHED_OTHER, 0));
	CHECK_EQ(__sys_sched_getscheduler(0), SCHED_OTHER);

	/* Without root. */
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		CHECK_OK(rtp(RTP_SET, 0, RTP_PRIO_NORMAL, 4, NULL));
		CHECK_OK(rtp(RTP_LOOKUP, 0, 0, 0, &r));
		CHECK_EQ(r.prio, 4);
		CHECK_ERRNO(rtp(RTP_SET, 0, RTP_PRIO_REALTIME, 0, NULL), EPERM);
		CHECK_ERRNO(rtp(RTP_SET, 0, RTP_PRIO_FIFO, 0, NULL), EPERM);
		CHECK_ERRNO(rtp(RTP_SET, 0, RTP_PRIO_IDLE, 0, NULL), EPERM);
		CHECK_ERRNO(rtp(RTP_SET, getpid(), RTP_PRIO_NORMAL, 0, NULL), EPERM);
		CHECK_OK(rtp(RTP_LOOKUP, getppid(), 0, 0, &r));
		CHECK_EQ(r.type, RTP_PRIO_NORMAL);
		CHECK_ERRNO(setsched(0, SCHED_FIFO, 1), EPERM);
		CHECK_ERRNO(__sys_sched_getscheduler(0), EPERM);
		CHECK_ERRNO(__sys_sched_getscheduler(99999), ESRCH);
		CHECK_ERRNO(__sys_sched_rr_get_interval(0, &ts), EPERM);
		CHECK_OK(rtp(RTP_LOOKUP, 0, 0, 0, &r));
		CHECK_EQ(r.type, RTP_PRIO_NORMAL);
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));

	/* A real-time child runs before its normal parent once both can run. */
	int go[2], out[2];
	char got[4] = { 0 };
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(out));
	child = marker_child(go, out, 'c', 60);
	CHECK_OK(rtp(RTP_SET, child, RTP_PRIO_REALTIME, 0, NULL));
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(write(out[1], "p", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(read(out[0], got, 2), 2);
	CHECK(memcmp(got, "cp", 2) == 0);

	/* An idle-class child waits while its parent spins through several turns. */
	child = marker_child(go, out, 'c', 0);
	CHECK_OK(rtp(RTP_SET, child, RTP_PRIO_IDLE, 0, NULL));
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(write(out[1], "p", 1), 1);
	spin_ms(100);
	CHECK_EQ(write(out[1], "q", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(read(out[0], got, 3), 3);
	CHECK(memcmp(got, "pqc", 3) == 0);

	/* A spinning FIFO process gets its SIGALRM within the time asked, not after. */
	child = CHECK_OK(fork());
	if (child == 0) {
		struct itimerval it = { { 0, 0 }, { 0, 50000 } };
		struct timeval a, b;
		signal(SIGALRM, on_alarm);
		if (setsched(0, SCHED_FIFO, 31) != 0)
			_exit(3);
		gettimeofday(&a, NULL);
		if (__sys_setitimer(0, &it, NULL) != 0)
			_exit(4);
		do
			gettimeofday(&b, NULL);
		while (!alarmed && (b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000 < 1000);
		_exit(alarmed ? 0 : 1);
	}
	CHECK_CHILD_OK(reap(child));
	PASS();
}
