// abi: freebsd4-i386
/*
 * RLIMIT_NOFILE as 4.x enforces it (kern_descrip.c fdalloc, dup2, fcntl; kern_resource
 * dosetrlimit) and resource limits across exec (p_limit is kept by execve):
 *  - getdtablesize is the current limit; lowering it needs no privilege;
 *  - with the limit at 10, opens number 3..9 and then fail with EMFILE; dup2 to 10 is
 *    EBADF; F_DUPFD from 10 is EINVAL, from 5 with 5..9 taken EMFILE; a closed slot
 *    below the limit is reused;
 *  - fork inherits the limit; exec keeps it (and RLIMIT_DATA lowered before it): the
 *    new image sees the same getrlimit values and getdtablesize.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>

#define RLIMIT_DATA_ 2
#define RLIMIT_NOFILE_ 8
#define LIMIT 10
#define DATA_LIMIT (64LL * 1024 * 1024)

static struct rlimit lim(int which) { return nt_getrlimit(which); }

static void limits_are_kept(void)
{
	struct rlimit rl = lim(RLIMIT_NOFILE_);
	CHECK_EQ(rl.rlim_cur, LIMIT);
	CHECK_EQ(rl.rlim_max, LIMIT);
	CHECK_EQ(__sys_getdtablesize(), LIMIT);
	CHECK_EQ(lim(RLIMIT_DATA_).rlim_cur, DATA_LIMIT);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		limits_are_kept();
		/* The table enforces it in the new image too. */
		int fd;
		while ((fd = open("/dev/null", O_RDONLY)) >= 0)
			CHECK(fd < LIMIT);
		CHECK_EQ(errno, EMFILE);
		PASS();
	}

	CHECK_EQ(__sys_getdtablesize(), lim(RLIMIT_NOFILE_).rlim_cur);
	/* Only 0, 1 and 2 are open here. */
	for (int fd = 3; fd < 32; fd++)
		close(fd);

	struct rlimit rl = {LIMIT, LIMIT};
	CHECK_OK(__sys_setrlimit(RLIMIT_NOFILE_, &rl));
	struct rlimit data = lim(RLIMIT_DATA_);
	data.rlim_cur = DATA_LIMIT;
	CHECK_OK(__sys_setrlimit(RLIMIT_DATA_, &data));
	CHECK_EQ(__sys_getdtablesize(), LIMIT);

	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		CHECK_EQ(fd, last < 0 ? 3 : last + 1);
		last = fd;
	}
	CHECK_EQ(errno, EMFILE);
	CHECK_EQ(last, LIMIT - 1);
	CHECK_ERRNO(dup2(0, LIMIT), EBADF);
	CHECK_ERRNO(fcntl(0, F_DUPFD, LIMIT), EINVAL);
	CHECK_ERRNO(fcntl(0, F_DUPFD, 5), EMFILE);
	CHECK_OK(close(7));
	CHECK_EQ(fcntl(0, F_DUPFD, 5), 7);
	/* dup2 below the limit still works. */
	CHECK_EQ(dup2(0, LIMIT - 1), LIMIT - 1);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK_EQ(__sys_getdtablesize(), LIMIT);
		CHECK_ERRNO(dup2(0, LIMIT), EBADF);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* exec: close what this image opened so the new one has room, then go. */
	for (int i = 3; i < LIMIT; i++)
		close(i);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *args[] = {argv[0], "after-exec", NULL};
		execv(argv[0], args);
		FAIL("execv %s: %s", argv[0], nt_errname(errno));
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
