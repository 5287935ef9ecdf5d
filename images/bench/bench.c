/*
 * The body of `cargo xtask bench`: one source built for Nymph's native ABI and for
 * FreeBSD-4 i386 on libc-shim, and for Linux with gcc and glibc (static).
 *
 * It counts guest instructions: QEMU runs with `-icount shift=0`, so the TSC advances
 * by one per instruction. Each operation is timed in batches; every batch prints its
 * raw TSC delta and the host (xtask/src/cmd_bench.rs) divides and takes the statistics.
 * Lines (hex numbers, so the guest needs no 64-bit division on i386):
 *   BENCH boot init=<tsc at main> output=<tsc after the first write>
 *   BENCH <abi> <op> ops=<ops per batch> bytes=<bytes per batch> <delta> <delta> ...
 *   BENCH <abi> done
 * Build with -DBENCH_LINUX for Linux (glibc; it powers the machine off at the end).
 * As pid 1 it prints the boot line, runs its own suite, then runs each program named in
 * BENCH_OTHERS with the argument `suite`, and ends the machine.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef BENCH_LINUX
#include <sys/reboot.h>
#include <sys/syscall.h>
/* glibc's fstat is newfstatat(fd, "", AT_EMPTY_PATH), which copies in and looks up an
 * empty path first: call the kernel's own fstat, as libc-shim does on Nymph. */
#define fstat(fd, st) syscall(SYS_fstat, (fd), (st))
#endif

#ifndef BENCH_ABI
#error "build with -DBENCH_ABI=\"name\""
#endif

#define BATCHES 50
#define NULL_OPS 1000
#define FSTAT_OPS 200
#define SPAWN_BATCHES 20
#define PIPE_CHUNK (64 * 1024)
#define PIPE_CHUNKS 16 /* 1 MiB per batch */
#define PIPE_BATCHES 10

static unsigned long long tsc(void)
{
	unsigned int lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long long)hi << 32) | lo;
}

static char line[4096];
static unsigned used;

static void put(const char *s)
{
	while (*s && used < sizeof(line) - 1)
		line[used++] = *s++;
}

static void put_hex(unsigned long long v)
{
	char buf[17];
	int i = 16;
	buf[16] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 0);
	put(&buf[i]);
}

static void flush(void)
{
	line[used++] = '\n';
	(void)!write(1, line, used);
	used = 0;
}

static void report(const char *op, unsigned ops, unsigned bytes, const unsigned long long *d, int n)
{
	put("BENCH " BENCH_ABI " ");
	put(op);
	put(" ops=");
	put_hex(ops);
	put(" bytes=");
	put_hex(bytes);
	for (int i = 0; i < n; i++) {
		put(" ");
		put_hex(d[i]);
	}
	flush();
}

static void fail(const char *what)
{
	put("BENCH " BENCH_ABI " error ");
	put(what);
	flush();
	_exit(1);
}

static unsigned long long samples[BATCHES];

static void bench_null(void)
{
	for (int b = 0; b < BATCHES; b++) {
		unsigned long long t = tsc();
		for (int i = 0; i < NULL_OPS; i++)
			getpid();
		samples[b] = tsc() - t;
	}
	report("null", NULL_OPS, 0, samples, BATCHES);
}

static void bench_fstat(void)
{
	struct stat st;
	int fd = open("/", O_RDONLY);
	if (fd < 0)
		fail("open /");
	for (int b = 0; b < BATCHES; b++) {
		unsigned long long t = tsc();
		for (int i = 0; i < FSTAT_OPS; i++)
			if (fstat(fd, &st) != 0)
				fail("fstat");
		samples[b] = tsc() - t;
	}
	close(fd);
	report("fstat", FSTAT_OPS, 0, samples, BATCHES);
}

static void bench_spawn(void)
{
	char *argv[] = {BENCH_EXIT0, 0};
	char *envp[] = {0};
	for (int b = 0; b < SPAWN_BATCHES; b++) {
		int status;
		unsigned long long t = tsc();
		pid_t pid = fork();
		if (pid == 0) {
			execve(BENCH_EXIT0, argv, envp);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
			fail("fork+exec+wait of " BENCH_EXIT0);
		samples[b] = tsc() - t;
	}
	report("spawn", 1, 0, samples, SPAWN_BATCHES);
}

static char chunk[PIPE_CHUNK];

/* The child writes PIPE_CHUNKS chunks per batch; the parent reads them all and times
 * the batch from its first read to its last byte. */
static void bench_pipe(void)
{
	int fds[2], status;
	if (pipe(fds) != 0)
		fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(fds[0]);
		memset(chunk, 'x', sizeof(chunk));
		for (int i = 0; i < PIPE_CHUNKS * (PIPE_BATCHES + 1); i++)
			if (write(fds[1], chunk, PIPE_CHUNK) != PIPE_CHUNK)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	/* One warm-up batch (first faults of the child's buffer), then the timed ones. */
	for (int b = -1; b < PIPE_BATCHES; b++) {
		unsigned long long t = tsc();
		long left = (long)PIPE_CHUNK * PIPE_CHUNKS;
		while (left > 0) {
			ssize_t n = read(fds[0], chunk, left < PIPE_CHUNK ? left : PIPE_CHUNK);
			if (n <= 0)
				fail("pipe read");
			left -= n;
		}
		if (b >= 0)
			samples[b] = tsc() - t;
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		fail("pipe writer");
	report("pipe", 1, PIPE_CHUNK * PIPE_CHUNKS, samples, PIPE_BATCHES);
}

static void suite(void)
{
	bench_null();
	bench_fstat();
	bench_spawn();
	bench_pipe();
	put("BENCH " BENCH_ABI " done");
	flush();
}

static void run_others(void)
{
#ifdef BENCH_OTHERS
	static char *others[] = {BENCH_OTHERS, 0};
	for (int i = 0; others[i]; i++) {
		char *argv[] = {others[i], "suite", 0};
		char *envp[] = {0};
		int status;
		pid_t pid = fork();
		if (pid == 0) {
			execve(others[i], argv, envp);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
			fail(others[i]);
	}
#endif
}

int main(int argc, char **argv)
{
	unsigned long long at_main = tsc();
	if (argc > 1 && strcmp(argv[1], "suite") == 0) {
		suite();
		return 0;
	}
	if (getpid() != 1)
		fail("run me as init, or with the argument `suite`");
	/* The first output of init: its cost is the boot figure "to first output". */
	(void)!write(1, "BENCH start\n", 12);
	unsigned long long at_output = tsc();
	put("BENCH boot init=");
	put_hex(at_main);
	put(" output=");
	put_hex(at_output);
	flush();
	suite();
	run_others();
	put("BENCH all done");
	flush();
#ifdef BENCH_LINUX
	sync();
	reboot(RB_POWER_OFF);
#endif
	return 0;
}
