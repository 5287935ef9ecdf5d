// abi: freebsd4-i386
/*
 * rfork as 4.x's fork1 (kern_fork.c) does it, for tables and processes (what the
 * child shares with its parent is fb4_rfork_share's):
 *  - fork's return convention: (pid, edx 0) in the parent, (0, edx 1) in the child;
 *  - RFFDG|RFCFDG and the kernel-only RFPPWAIT are EINVAL;
 *  - with RFPROC: RFFDG gives the child a copy of the table, RFCFDG an empty one,
 *    RFNOWAIT gives the child to init (the caller has nothing to wait for);
 *  - without RFPROC the caller itself changes: RFCFDG closes all its descriptors,
 *    RFFDG keeps them (nothing shared to unshare); edx stays 0;
 *  - the Plan 9 flags are ignored.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/wait.h>

static int rfork_(int flags, int *edx)
{
	unsigned long long r = __sys_rfork(flags);
	*edx = (int)(r >> 32);
	return (int)r;
}

/* Whether no descriptor below 64 is open. */
static int none_open(void)
{
	for (int fd = 0; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			return 0;
	return 1;
}

static int reap(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(void)
{
	int edx, p[2];
	CHECK_OK(pipe(p));

	CHECK_ERRNO(rfork_(RFFDG | RFCFDG, &edx), EINVAL);
	CHECK_ERRNO(rfork_(RFPROC | RFFDG | RFCFDG, &edx), EINVAL);
	CHECK_ERRNO(rfork_(RFPROC | RFFDG | (int)0x80000000, &edx), EINVAL);

	/* RFPROC|RFFDG: a fork; the child's table is a copy. */
	pid_t child = rfork_(RFPROC | RFFDG | RFNOTEG | RFNAMEG, &edx);
	CHECK(child >= 0);
	if (child == 0) {
		if (edx != 1)
			_exit(3);
		close(p[0]);
		(void)!write(p[1], "f", 1);
		close(p[1]);
		_exit(0);
	}
	CHECK_EQ(edx, 0);
	CHECK_CHILD_OK(reap(child));
	char c = 0;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'f');
	CHECK_EQ(fcntl(p[1], F_GETFD), 0); /* the child's close was its own */

	/* RFPROC|RFCFDG: the child starts with no descriptors; ours stay. */
	child = rfork_(RFPROC | RFCFDG, &edx);
	CHECK(child >= 0);
	if (child == 0) {
		if (edx != 1 || !none_open())
			_exit(1);
		int fd = open("/", O_RDONLY);
		_exit(fd == 0 ? 0 : 2);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(fcntl(1, F_GETFD), 0);

	/* RFNOWAIT: the child is init's; nothing to wait for here. */
	child = rfork_(RFPROC | RFFDG | RFNOWAIT, &edx);
	CHECK(child >= 0);
	if (child == 0) {
		/* Wait until the parent has looked, then say who our parent is. */
		char go;
		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(1);
		pid_t pp = getppid();
		int q = open("/tmp/fb4_rfork.ppid", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		(void)!write(q, &pp, sizeof(pp));
		close(q);
		_exit(0);
	}
	CHECK_ERRNO(waitpid(child, NULL, WNOHANG), ECHILD);
	CHECK_ERRNO(wait(NULL), ECHILD);
	unlink("/tmp/fb4_rfork.ppid");
	CHECK_EQ(write(p[1], "g", 1), 1);
	pid_t pp = 0;
	for (int i = 0; i < 200 && pp == 0; i++) {
		int q = open("/tmp/fb4_rfork.ppid", O_RDONLY);
		if (q >= 0) {
			if (read(q, &pp, sizeof(pp)) != sizeof(pp))
				pp = 0;
			close(q);
		}
		if (pp == 0)
			usleep(10000);
	}
	CHECK_EQ(pp, 1);
	unlink("/tmp/fb4_rfork.ppid");

	/* Without RFPROC: the caller changes, and edx says nothing. */
	CHECK_EQ(rfork_(RFFDG, &edx), 0);
	CHECK_EQ(edx, 0);
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(rfork_(RFNAMEG | RFENVG | RFCNAMEG | RFMEM, &edx), 0);
	child = CHECK_OK(fork());
	if (child == 0) {
		if (rfork_(RFCFDG, &edx) != 0 || edx != 0)
			_exit(1);
		_exit(none_open() ? 0 : 2);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	PASS();
}
