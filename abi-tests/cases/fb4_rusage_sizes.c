// abi: freebsd4-i386
/*
 * getrusage's size integrals (`time -l`'s "average shared memory size", "average
 * unshared data size" and "average unshared stack size", each the integral over the
 * ticks run): 4.x's statclock (kern_clock.c) adds pgtok(vm_tsize), pgtok(vm_dsize)
 * and pgtok(vm_ssize) to ru_ixrss, ru_idrss and ru_isrss on every tick that finds
 * the process running. So a child that ran for a while and was reaped shows them
 * in wait4's rusage, and each divided by the ticks time(1) computes from the CPU
 * times (kern.clockrate's stathz) is about the size in KiB: its text (this program,
 * some KiB), its data up to the break (a megabyte it took with sbrk, or more), its stack
 * (at least a page). They go to RUSAGE_CHILDREN once it is reaped.
 */
#include <nymph_fb4.h>
#include <sys/wait.h>

int main(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		/* A megabyte more data: the break, as phkmalloc grows it. */
		char *data = sbrk(1 << 20);
		if (data == (char *)-1)
			_exit(2);
		memset(data, 1, 1 << 20);
		/* About half a second of user time. */
		struct rusage ru;
		volatile unsigned long x = 0;
		do {
			for (unsigned long i = 0; i < 1000000UL; i++)
				x += i;
			if (__sys_getrusage(RUSAGE_SELF, &ru) < 0)
				_exit(3);
		} while (ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec < 500000);
		_exit(data[4096] == 1 ? 0 : 4);
	}
	int status;
	struct rusage ru;
	CHECK_EQ(__sys_wait4(pid, &status, 0, &ru), pid);
	CHECK_CHILD_OK(status);

	struct { int hz, tick, tickadj, stathz, profhz; } clock;
	nt_sysctl_by_name("kern.clockrate", &clock, sizeof(clock));
	long ticks = clock.stathz * (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     clock.stathz * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000000;
	CHECK(ticks >= clock.stathz / 2 - 1);
	CHECK(ru.ru_ixrss > 0);
	CHECK(ru.ru_idrss > 0);
	CHECK(ru.ru_isrss > 0);
	long text = ru.ru_ixrss / ticks, data = ru.ru_idrss / ticks, stack = ru.ru_isrss / ticks;
	if (text < 4 || text > 1024)
		FAIL("average text %ld KiB", text);
	if (data < 1024 || data > 65536)
		FAIL("average data %ld KiB", data);
	if (stack < 4 || stack > 65536)
		FAIL("average stack %ld KiB", stack);

	struct rusage children;
	CHECK_OK(__sys_getrusage(RUSAGE_CHILDREN, &children));
	CHECK(children.ru_ixrss >= ru.ru_ixrss);
	CHECK(children.ru_idrss >= ru.ru_idrss);
	CHECK(children.ru_isrss >= ru.ru_isrss);
	PASS();
}
