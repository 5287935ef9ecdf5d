// abi: all
/*
 * Descriptor tables: dup and dup2 take the lowest free slot or the one asked for;
 * FD_CLOEXEC through fcntl, dup clearing it, and exec closing such descriptors;
 * file status flags (O_NONBLOCK) shared by dup'd descriptors and across fork;
 * EBADF for closed, negative and huge descriptors; EMFILE when the table is full.
 */
#include <nymph_test.h>
#include <fcntl.h>

#define HUGE_FD 0x40000000

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

/* A duplicate at `min` or above with FD_CLOEXEC: F_DUPFD_CLOEXEC, or (FreeBSD 4.x has
 * none) F_DUPFD then F_SETFD. */
static int dup_cloexec(int fd, int min)
{
#ifdef F_DUPFD_CLOEXEC
	return fcntl(fd, F_DUPFD_CLOEXEC, min);
#else
	int d = fcntl(fd, F_DUPFD, min);
	if (d >= 0 && fcntl(d, F_SETFD, FD_CLOEXEC) < 0)
		FAIL("F_SETFD FD_CLOEXEC on %d: errno %s", d, nt_errname(errno));
	return d;
#endif
}

static int lowest_free(void)
{
	for (int fd = 0;; fd++)
		if (!is_open(fd))
			return fd;
}

static void dup_lowest(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	int want = lowest_free();
	CHECK_EQ(dup(p[0]), want);
	CHECK_OK(close(want));
	/* Free a slot below the others: dup must take it. */
	int a = CHECK_OK(dup(p[1]));
	int b = CHECK_OK(dup(p[1]));
	CHECK_OK(close(a));
	CHECK_EQ(lowest_free(), a);
	CHECK_EQ(dup(p[0]), a);
	CHECK_EQ(fcntl(p[0], F_DUPFD, b + 10), b + 10);
	CHECK_EQ(fcntl(p[0], F_DUPFD, b + 10), b + 11);

	/* dup2: the slot asked for, replacing what was there; same fd is a no-op. */
	CHECK_EQ(dup2(p[0], b), b);      /* b was the write end, now the read end */
	CHECK_EQ(write(p[1], "q", 1), 1);
	char c = 0;
	CHECK_EQ(read(b, &c, 1), 1);
	CHECK_EQ(c, 'q');
	CHECK_EQ(dup2(b, b), b);
	CHECK_EQ(dup2(p[1], 100), 100);
	CHECK_EQ(write(100, "r", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'r');
	CHECK_ERRNO(dup2(HUGE_FD, 101), EBADF);
	CHECK_ERRNO(dup2(p[0], HUGE_FD), EBADF);
	CHECK_ERRNO(dup2(p[0], -1), EBADF);
	CHECK_ERRNO(dup2(77777, 77777), EBADF);
	int fds[] = {a, b, b + 10, b + 11, 100, p[0], p[1]};
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		CHECK_OK(close(fds[i]));
}

static void cloexec_flags(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_OK(fcntl(p[0], F_SETFD, FD_CLOEXEC));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	int d = CHECK_OK(dup(p[0]));
	CHECK_EQ(fcntl(d, F_GETFD), 0);             /* dup clears FD_CLOEXEC */
	int e = CHECK_OK(dup_cloexec(p[0], 0));
	CHECK_EQ(fcntl(e, F_GETFD), FD_CLOEXEC);
	CHECK_OK(fcntl(p[0], F_SETFD, 0));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	int all[] = {p[0], p[1], d, e};
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		CHECK_OK(close(all[i]));
#ifdef O_CLOEXEC /* pipe2 and dup3 (FreeBSD 4.x has neither) */
	int q[2];
	CHECK_OK(pipe2(q, O_CLOEXEC));
	CHECK_EQ(fcntl(q[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(q[1], F_GETFD), FD_CLOEXEC);
	int r = CHECK_OK(dup3(q[0], 60, O_CLOEXEC));
	CHECK_EQ(r, 60);
	CHECK_EQ(fcntl(60, F_GETFD), FD_CLOEXEC);
	CHECK_ERRNO(dup3(q[0], q[0], 0), EINVAL);
	int more[] = {q[0], q[1], 60};
	for (unsigned i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		CHECK_OK(close(more[i]));
#endif
}

/* Run in the exec'd image: argv = self, "exec-check", kept fd, closed fd. */
static int exec_check(char **argv)
{
	int kept = atoi(argv[2]), gone = atoi(argv[3]);
	CHECK(is_open(kept));
	CHECK_EQ(fcntl(kept, F_GETFD), 0);
	CHECK_ERRNO(fcntl(gone, F_GETFD), EBADF);
	CHECK_EQ(write(kept, "ok", 2), 2);
	return 0;
}

static void cloexec_across_exec(const char *self)
{
	int p[2];
	CHECK_OK(pipe(p));
	int gone = CHECK_OK(dup_cloexec(p[1], 40));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		char kept_s[16], gone_s[16];
		snprintf(kept_s, sizeof(kept_s), "%d", p[1]);
		snprintf(gone_s, sizeof(gone_s), "%d", gone);
		char *args[] = {(char *)self, "exec-check", kept_s, gone_s, NULL};
		execve(self, args, environ);
		FAIL("execve %s: errno %s", self, nt_errname(errno));
	}
	close(p[1]);
	close(gone);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	char buf[4];
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	CHECK(memcmp(buf, "ok", 2) == 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
}

static void status_flags_shared(void)
{
	int p[2];
	char c;
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	int d = CHECK_OK(dup(p[0]));
	CHECK_EQ(fcntl(d, F_GETFL) & O_NONBLOCK, 0);
	CHECK_OK(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK));
	CHECK(fcntl(d, F_GETFL) & O_NONBLOCK);
	CHECK_ERRNO(read(d, &c, 1), EAGAIN);
	/* Across fork: the child clears it, the parent sees that. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
		CHECK_OK(fcntl(d, F_SETFL, fcntl(d, F_GETFL) & ~O_NONBLOCK));
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	CHECK_EQ(fcntl(d, F_GETFL) & O_NONBLOCK, 0);
	/* Descriptor flags are not shared. */
	CHECK_OK(fcntl(d, F_SETFD, FD_CLOEXEC));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	close(d);
	close(p[0]);
	close(p[1]);
}

static void bad_descriptors(void)
{
	int p[2];
	char c = 0;
	CHECK_OK(pipe(p));
	int fd = p[0];
	CHECK_OK(close(fd));
	CHECK_ERRNO(close(fd), EBADF);
	CHECK_ERRNO(read(fd, &c, 1), EBADF);
	CHECK_ERRNO(write(fd, &c, 1), EBADF);
	CHECK_ERRNO(dup(fd), EBADF);
	CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
	CHECK_ERRNO(fcntl(fd, F_GETFL), EBADF);
	int bad[] = {-1, -100, HUGE_FD, 0x7fffffff, 4096};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERRNO(close(bad[i]), EBADF);
		CHECK_ERRNO(read(bad[i], &c, 1), EBADF);
		CHECK_ERRNO(write(bad[i], &c, 1), EBADF);
		CHECK_ERRNO(dup(bad[i]), EBADF);
		CHECK_ERRNO(fcntl(bad[i], F_GETFD), EBADF);
	}
	/* Wrong direction on a pipe end. */
	CHECK_OK(pipe(p));
	CHECK_ERRNO(read(p[1], &c, 1), EBADF);
	CHECK_ERRNO(write(p[0], &c, 1), EBADF);
	close(p[0]);
	close(p[1]);
}

static void table_full(void)
{
	static int fds[100000];
	int n = 0;
	for (;;) {
		int fd = dup(1);
		if (fd < 0) {
			CHECK_EQ(errno, EMFILE);
			break;
		}
		fds[n++] = fd;
		if (n == (int)(sizeof(fds) / sizeof(fds[0])))
			FAIL("no EMFILE after %d descriptors", n);
	}
	CHECK(n > 16);
	int p[2];
	CHECK_ERRNO(pipe(p), EMFILE);
	CHECK_ERRNO(fcntl(1, F_DUPFD, 0), EMFILE);
	CHECK_OK(close(fds[--n]));
	int again = CHECK_OK(dup(1));
	CHECK_EQ(again, fds[n]);
	fds[n++] = again;
	while (n > 0)
		CHECK_OK(close(fds[--n]));
	CHECK_OK(pipe(p));
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "exec-check") == 0)
		return exec_check(argv);
	dup_lowest();
	cloexec_flags();
	cloexec_across_exec(argv[0]);
	status_flags_shared();
	bad_descriptors();
	table_full();
	PASS();
}
