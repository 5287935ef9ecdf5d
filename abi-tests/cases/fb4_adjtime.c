// abi: freebsd4-i386
/*
 * adjtime (140) as 4.x's kern_time.c does it:
 *  - root only: EPERM before the arguments are read;
 *  - the correction, tv_sec * 1000000 + tv_usec microseconds, is cut down to a whole
 *    number of steps of tickadj (kern.clockrate's third word: howmany(30000, 60 * hz),
 *    5 at hz 100), or of ten times that past a second (bigadj), and replaces the one
 *    under way, whose remainder comes back in olddelta as C divides it (a negative
 *    remainder under a second is 0 seconds and negative microseconds);
 *  - the correction shrinks one step a tick;
 *  - a bad delta is EFAULT; a bad olddelta is ignored (4.x discards that copyout's
 *    error), and the correction is still made.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int adjtime_(const struct timeval *delta, struct timeval *old)
{
	return syscall(140, delta, old);
}

/* The correction under way, in microseconds, read by replacing it with itself. */
static long pending(void)
{
	struct timeval zero = {0, 0}, old;
	CHECK_OK(adjtime_(&zero, &old));
	long us = old.tv_sec * 1000000L + old.tv_usec;
	/* Put it back, as nearly as steps allow. */
	struct timeval back = {us / 1000000, us % 1000000};
	CHECK_OK(adjtime_(&back, NULL));
	return us;
}

int main(void)
{
	int mib[2] = {1, 12}, clock[5];
	size_t len = sizeof(clock);
	CHECK_OK(sysctl(mib, 2, clock, &len, NULL, 0));
	int hz = clock[0], tickadj = clock[2];
	CHECK_EQ(tickadj, (30000 + 60 * hz - 1) / (60 * hz));

	/* Without root: EPERM, even with a bad pointer. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		struct timeval tv = {0, 0};
		CHECK_ERRNO(adjtime_(&tv, NULL), EPERM);
		CHECK_ERRNO(adjtime_((void *)16, NULL), EPERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* Nothing under way at first. */
	struct timeval tv = {0, 0}, old = {7, 7};
	CHECK_OK(adjtime_(&tv, &old));
	CHECK_EQ(old.tv_sec, 0);
	CHECK_EQ(old.tv_usec, 0);

	/* Cut to whole steps of tickadj; what is left is steps too, and shrinks. */
	tv.tv_sec = 0;
	tv.tv_usec = 123457;
	CHECK_OK(adjtime_(&tv, NULL));
	long left = pending();
	long whole = 123457 / tickadj * tickadj;
	CHECK(left <= whole && left > whole - 100 * tickadj);
	CHECK_EQ(left % tickadj, 0);

	/* Past a second: steps of ten tickadj. */
	tv.tv_sec = 2;
	tv.tv_usec = 7;
	CHECK_OK(adjtime_(&tv, &old));
	CHECK_EQ(old.tv_sec, 0);
	CHECK(old.tv_usec <= left && old.tv_usec % tickadj == 0);
	left = pending();
	CHECK(left <= 2000000 && left > 2000000 - 100 * 10 * tickadj);
	CHECK_EQ(left % (10 * tickadj), 0);

	/* Backwards: C's division of the remainder. */
	tv.tv_sec = -1;
	tv.tv_usec = -3;
	CHECK_OK(adjtime_(&tv, NULL));
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK_OK(adjtime_(&tv, &old));
	long us = old.tv_sec * 1000000L + old.tv_usec;
	CHECK(us >= -1000000 && us < 0);
	CHECK_EQ(us % (10 * tickadj), 0);
	if (us == -1000000) {
		CHECK_EQ(old.tv_sec, -1);
		CHECK_EQ(old.tv_usec, 0);
	} else {
		CHECK_EQ(old.tv_sec, 0);
		CHECK(old.tv_usec < 0);
	}

	/* One step a tick (the kernel's own test, time.rs, checks the wall clock moves
	 * by exactly what the correction loses; 4.x has no CLOCK_MONOTONIC to see it
	 * from here). */
	tv.tv_sec = 0;
	tv.tv_usec = 400000;
	CHECK_OK(adjtime_(&tv, NULL));
	struct timespec nap = {0, 300 * 1000 * 1000};
	CHECK_OK(nanosleep(&nap, NULL));
	tv.tv_usec = 0;
	CHECK_OK(adjtime_(&tv, &old));
	long applied = 400000 - (old.tv_sec * 1000000L + old.tv_usec);
	/* 300 ms is about 30 ticks at hz 100: some steps, far from all of it. */
	if (applied < 10 * tickadj || applied > 60 * tickadj)
		FAIL("applied %ld us in 300 ms (old %ld.%06ld)", applied, (long)old.tv_sec, (long)old.tv_usec);
	CHECK_EQ(applied % tickadj, 0);

	/* A bad delta: EFAULT. A bad olddelta: ignored, the correction made. */
	CHECK_ERRNO(adjtime_((void *)16, NULL), EFAULT);
	tv.tv_usec = 5000;
	CHECK_OK(adjtime_(&tv, (void *)16));
	left = pending();
	CHECK(left > 0 && left <= 5000);
	tv.tv_usec = 0;
	CHECK_OK(adjtime_(&tv, NULL));
	PASS();
}
