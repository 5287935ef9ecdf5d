// abi: freebsd4-i386
/*
 * profil (44) as 4.x's subr_prof.c: what `cc -pg` programs start with.
 *  - a scale above 1.0 (0x10000) is EINVAL; 0 stops the profiling;
 *  - each clock tick that finds the process in its own code adds one to the u16
 *    counter of its PC, PC_TO_INDEX(pc) = ((pc - offset) * scale >> 16) & ~1: a
 *    spinning loop's counters fill up, at most one count a tick, and none once stopped;
 *  - a buffer that cannot be written stops the profiling, without a signal;
 *  - a forked child goes on counting into its copy; exec stops it (the same image's
 *    buffer, at the same address, stays zero).
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPAN 512 /* bytes of counters: code from spin() on, one counter per 2 bytes */

static unsigned short counters[SPAN / 2];
static volatile unsigned long spins;

static int profil_(void *buf, unsigned size, unsigned long offset, unsigned scale)
{
	return syscall(44, buf, size, offset, scale);
}

static long now_ms(void)
{
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	return tv.tv_sec * 1000L + tv.tv_usec / 1000;
}

/* Spins in its own code for `ms` milliseconds; returns how long it took. */
__attribute__((noinline)) static long spin(long ms)
{
	long start = now_ms(), t;
	do {
		for (int i = 0; i < 20000; i++)
			spins++;
		t = now_ms();
	} while (t - start < ms);
	return t - start;
}

static unsigned long total(const unsigned short *c)
{
	unsigned long n = 0;
	for (int i = 0; i < SPAN / 2; i++)
		n += c[i];
	return n;
}

static void start(unsigned short *buf)
{
	CHECK_OK(profil_(buf, SPAN, (unsigned long)spin, 0x10000));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		/* The image before exec counted into `counters`, at this same address. */
		spin(300);
		CHECK_EQ(total(counters), 0);
		PASS();
	}

	CHECK_ERRNO(profil_(counters, SPAN, (unsigned long)spin, 0x10001), EINVAL);

	/* Counting: one count a tick at most, all of them inside spin(). */
	start(counters);
	long took = spin(400);
	CHECK_OK(profil_(NULL, 0, 0, 0));
	unsigned long n = total(counters);
	if (n < 10 || n > (unsigned long)(took / 10 + 2))
		FAIL("%lu counts in %ld ms", n, took);

	/* Stopped: nothing more. */
	spin(200);
	CHECK_EQ(total(counters), n);

	/* A buffer that cannot be written stops the profiling, without a signal. */
	unsigned short *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(ro != MAP_FAILED);
	start(ro);
	spin(200);
	CHECK_OK(mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	spin(200);
	CHECK_EQ(total(ro), 0);

	/* A forked child counts into its copy; the parent, waiting, hardly at all. */
	memset(counters, 0, sizeof counters);
	start(counters);
	int fds[2];
	CHECK_OK(pipe(fds));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		spin(300);
		unsigned long mine = total(counters);
		write(fds[1], &mine, sizeof mine);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	unsigned long childs = 0;
	CHECK_EQ(read(fds[0], &childs, sizeof childs), (ssize_t)sizeof childs);
	CHECK(childs >= 5);
	CHECK(total(counters) <= 2);

	/* exec stops it. */
	memset(counters, 0, sizeof counters);
	child = CHECK_OK(fork());
	if (child == 0) {
		char *args[] = {argv[0], "after-exec", NULL};
		execv(argv[0], args);
		_exit(99);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	CHECK_OK(profil_(NULL, 0, 0, 0));
	PASS();
}
