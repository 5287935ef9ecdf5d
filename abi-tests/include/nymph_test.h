/*
 * The conformance cases' test API. A case is one C file with a main(); it ends
 * through one of these, and its exit status carries the result:
 *   0  pass          PASS()
 *   1  fail          CHECK*, FAIL(): prints "FAIL file:line: what" on stdout first
 *   77 skip          SKIP(reason): prints "SKIP reason" first
 * Anything else (another status, a signal, the runner's timeout) is a failure the
 * runner names. A failing check ends the process that makes it: in a forked child
 * the parent sees exit status 1 (check it with CHECK_CHILD_OK).
 *
 * First line comment of a case: `// abi: all` (default) or a list of ABI names.
 */
#ifndef NYMPH_TEST_H
#define NYMPH_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define NT_PASS 0
#define NT_FAIL 1
#define NT_SKIP 77

__attribute__((noreturn, format(printf, 3, 4))) static inline void
nt_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *base = strrchr(file, '/');
	dprintf(1, "FAIL %s:%d: %s\n", base ? base + 1 : file, line, msg);
	_exit(NT_FAIL);
}

static inline const char *nt_errname(int e)
{
	const char *n = strerrorname(e);
	return n ? n : (e == 0 ? "none" : "?");
}

#define FAIL(...) nt_fail(__FILE__, __LINE__, __VA_ARGS__)

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond))                                                           \
			FAIL("CHECK(%s) (errno %s)", #cond, nt_errname(errno));        \
	} while (0)

#define CHECK_EQ(a, b)                                                                 \
	do {                                                                           \
		long long nt_a_ = (long long)(a), nt_b_ = (long long)(b);              \
		if (nt_a_ != nt_b_)                                                    \
			FAIL("CHECK_EQ(%s, %s): %lld != %lld (errno %s)", #a, #b, nt_a_,   \
			     nt_b_, nt_errname(errno));                                \
	} while (0)

/* A call that must succeed (not return -1). Gives its value. */
#define CHECK_OK(call)                                                                 \
	({                                                                             \
		errno = 0;                                                             \
		long long nt_r_ = (long long)(call);                                   \
		if (nt_r_ == -1)                                                       \
			FAIL("%s: -1, errno %s (%d)", #call, nt_errname(errno), errno);  \
		nt_r_;                                                                 \
	})

/* A call that must fail with -1 and errno E. */
#define CHECK_ERRNO(call, E)                                                           \
	do {                                                                           \
		errno = 0;                                                             \
		long long nt_r_ = (long long)(call);                                   \
		int nt_e_ = errno;                                                     \
		if (nt_r_ != -1 || nt_e_ != (E))                                       \
			FAIL("%s: returned %lld, errno %s (%d); wanted -1, errno %s",  \
			     #call, nt_r_, nt_errname(nt_e_), nt_e_, #E);              \
	} while (0)

/* A wait status that must be a normal exit with status 0 (a child's checks passed). */
#define CHECK_CHILD_OK(status)                                                         \
	do {                                                                           \
		int nt_s_ = (status);                                                  \
		if (WIFSIGNALED(nt_s_))                                                \
			FAIL("child killed by %s", signame(WTERMSIG(nt_s_)));          \
		if (!WIFEXITED(nt_s_) || WEXITSTATUS(nt_s_) != 0)                      \
			FAIL("child failed: wait status 0x%x", nt_s_);                 \
	} while (0)

#define SKIP(reason)                                                                   \
	do {                                                                           \
		dprintf(1, "SKIP %s\n", reason);                                       \
		_exit(NT_SKIP);                                                        \
	} while (0)

#define PASS() _exit(NT_PASS)

/* File-system cases work in a fresh directory of their own: /tmp/nt.<name>.<pid>
 * (made, with /tmp, if missing) becomes the working directory. */
#include <fcntl.h>
#include <sys/stat.h>
static inline void nt_scratch_dir(const char *name)
{
	char dir[128];
	if (mkdir("/tmp", 01777) < 0 && errno != EEXIST)
		FAIL("mkdir /tmp: errno %s", nt_errname(errno));
	snprintf(dir, sizeof(dir), "/tmp/nt.%s.%d", name, (int)getpid());
	if (mkdir(dir, 0755) < 0)
		FAIL("mkdir %s: errno %s", dir, nt_errname(errno));
	if (chdir(dir) < 0)
		FAIL("chdir %s: errno %s", dir, nt_errname(errno));
}

/* Writes `s` to a new file `path` (mode 0644). */
static inline void nt_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		FAIL("open %s for writing: errno %s", path, nt_errname(errno));
	size_t n = strlen(s);
	if (write(fd, s, n) != (ssize_t)n)
		FAIL("write %s: errno %s", path, nt_errname(errno));
	close(fd);
}

/* Milliseconds on the monotonic clock, for checks that a wait lasted. An ABI without
 * one (FreeBSD 4.x) uses the real-time clock, counted from the first call so that the
 * value fits a 32-bit long. */
#include <time.h>
static inline long nt_now_ms(void)
{
	struct timespec ts;
#ifdef CLOCK_MONOTONIC
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#else
	static time_t base;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (base == 0)
		base = ts.tv_sec;
	return (long)(ts.tv_sec - base) * 1000 + ts.tv_nsec / 1000000;
#endif
}

/* A pipe with O_NONBLOCK on both ends: pipe2, or (FreeBSD 4.x has none) pipe and
 * F_SETFL. */
#include <fcntl.h>
static inline void nt_pipe_nonblock(int p[2])
{
#ifdef O_CLOEXEC
	CHECK_OK(pipe2(p, O_NONBLOCK));
#else
	CHECK_OK(pipe(p));
	for (int i = 0; i < 2; i++)
		CHECK_OK(fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK));
#endif
}

/* Writes `size` bytes of `buf` at a time to the non-blocking `fd` until EAGAIN; the
 * total. *last gets what the last write that took any took; all before it were whole. */
static inline long nt_fill_pipe(int fd, const void *buf, size_t size, long *last)
{
	long total = 0;
	*last = 0;
	for (;;) {
		ssize_t n = write(fd, buf, size);
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			return total;
		}
		CHECK(n > 0);
		if (*last != 0 && (size_t)*last != size)
			FAIL("a %zu-byte write took %ld, then another took %zd", size, *last, n);
		*last = n;
		total += n;
		if (total > 1024 * 1024)
			FAIL("the pipe took 1 MiB without EAGAIN");
	}
}

/* Reads the non-blocking `fd` into `buf` (`len` bytes at a time) until EAGAIN, and
 * checks that `want` bytes came. */
static inline void nt_drain_pipe(int fd, void *buf, size_t len, long want)
{
	long got = 0;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		got += n;
	}
	CHECK_EQ(got, want);
}

#endif
