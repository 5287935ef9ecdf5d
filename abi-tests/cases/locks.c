// abi: all
/*
 * Advisory locks. flock: an exclusive lock of one open file makes another open
 * file's LOCK_NB fail with EWOULDBLOCK, and lasts until the open file's last
 * descriptor closes. fcntl byte ranges between a parent and a child: F_GETLK names
 * the holder's pid, F_SETLK conflicts give EAGAIN, unlocking the middle splits a lock,
 * F_SETLKW waits until the holder unlocks, a wait that would deadlock is EDEADLK, and
 * closing any descriptor of the file drops the process's locks on it.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <poll.h>

static int range(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = (short)type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	return fcntl(fd, cmd, &fl);
}

/* F_GETLK for a write lock on start..start+len: the conflicting lock's type (and its
 * holder in *pid), or F_UNLCK. */
static int holder(int fd, off_t start, off_t len, pid_t *pid)
{
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	CHECK_OK(fcntl(fd, F_GETLK, &fl));
	if (pid)
		*pid = fl.l_pid;
	return fl.l_type;
}

static void wait_child(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

static void flock_cases(void)
{
	int a = CHECK_OK(open("f", O_RDWR));
	int b = CHECK_OK(open("f", O_RDWR));
	CHECK_OK(flock(a, LOCK_EX));
	CHECK_ERRNO(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_ERRNO(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	/* The lock belongs to the open file: a dup keeps it after the first closes. */
	int a2 = CHECK_OK(dup(a));
	close(a);
	CHECK_ERRNO(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	close(a2);
	CHECK_OK(flock(b, LOCK_EX | LOCK_NB));
	CHECK_OK(flock(b, LOCK_UN));
	/* Shared locks share. */
	a = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(flock(a, LOCK_SH));
	CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
	CHECK_ERRNO(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
#ifdef __FreeBSD_version
	CHECK_ERRNO(flock(a, 0), EBADF); /* BSD flock: neither LOCK_SH nor LOCK_EX is EBADF */
#else
	CHECK_ERRNO(flock(a, 0), EINVAL);
#endif
	close(a);
	close(b);
}

/* Run by exec from the close-on-exec check: waits until its parent writes (or
 * closes) the pipe on descriptor 0. */
static int exec_probe(void)
{
	char c;
	read(0, &c, 1);
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return exec_probe();
	nt_scratch_dir("locks");
	nt_write_file("f", "0123456789abcdefghij");
	flock_cases();

	int fd = CHECK_OK(open("f", O_RDWR));
	pid_t me = getpid();
	CHECK_OK(range(fd, F_SETLK, F_WRLCK, 0, 100));
	CHECK_OK(range(fd, F_SETLK, F_UNLCK, 40, 20));
	/* The child sees the parent's lock, split around 40..60. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		pid_t who = 0;
		CHECK_EQ(holder(fd, 30, 1, &who), F_WRLCK);
		CHECK_EQ(who, me);
		CHECK_EQ(holder(fd, 45, 10, NULL), F_UNLCK);
		CHECK_EQ(holder(fd, 70, 0, &who), F_WRLCK);
		CHECK_EQ(who, me);
		CHECK_ERRNO(range(fd, F_SETLK, F_WRLCK, 10, 1), EAGAIN);
		CHECK_ERRNO(range(fd, F_SETLK, F_RDLCK, 99, 5), EAGAIN);
		CHECK_OK(range(fd, F_SETLK, F_WRLCK, 45, 10));
		CHECK_OK(range(fd, F_SETLK, F_RDLCK, 100, 0));
		_exit(0);
	}
	wait_child(pid);
	/* The child's locks went with it. */
	CHECK_EQ(holder(fd, 45, 10, NULL), F_UNLCK);

	/* F_SETLKW waits for the holder to unlock. */
	int p[2];
	CHECK_OK(pipe(p));
	pid = CHECK_OK(fork());
	if (pid == 0) {
		close(p[0]);
		CHECK_OK(range(fd, F_SETLKW, F_WRLCK, 0, 1));
		CHECK_EQ(write(p[1], "g", 1), 1);
		_exit(0);
	}
	close(p[1]);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	CHECK_EQ(poll(&pf, 1, 100), 0); /* still waiting */
	CHECK_OK(range(fd, F_SETLK, F_UNLCK, 0, 0));
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	close(p[0]);
	wait_child(pid);

	/* Deadlock: the child holds 1..2 and waits for 0..1, held by the parent. */
	CHECK_OK(range(fd, F_SETLK, F_WRLCK, 0, 1));
	CHECK_OK(pipe(p));
	pid = CHECK_OK(fork());
	if (pid == 0) {
		close(p[0]);
		CHECK_OK(range(fd, F_SETLK, F_WRLCK, 1, 1));
		CHECK_EQ(write(p[1], "r", 1), 1);
		CHECK_OK(range(fd, F_SETLKW, F_WRLCK, 0, 1));
		_exit(0);
	}
	close(p[1]);
	CHECK_EQ(read(p[0], &c, 1), 1);
	close(p[0]);
	usleep(100000); /* let the child block */
	CHECK_ERRNO(range(fd, F_SETLKW, F_WRLCK, 1, 1), EDEADLK);
	CHECK_OK(range(fd, F_SETLK, F_UNLCK, 0, 1));
	wait_child(pid);

	/* Closing any descriptor of the file drops the process's locks on it. */
	CHECK_OK(range(fd, F_SETLK, F_WRLCK, 0, 0));
	int other = CHECK_OK(open("f", O_RDONLY));
	close(other);
	pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_EQ(holder(fd, 0, 0, NULL), F_UNLCK);
		_exit(0);
	}
	wait_child(pid);

	/* A descriptor closed by exec (close-on-exec) drops the locks too. */
	int go[2], ready[2];
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(ready));
	pid = CHECK_OK(fork());
	if (pid == 0) {
#ifdef O_CLOEXEC
		int cfd = CHECK_OK(open("f", O_RDWR | O_CLOEXEC));
#else /* FreeBSD 4.x */
		int cfd = CHECK_OK(open("f", O_RDWR));
		CHECK_OK(fcntl(cfd, F_SETFD, FD_CLOEXEC));
#endif
		CHECK_OK(range(cfd, F_SETLK, F_WRLCK, 0, 5));
		CHECK_EQ(write(ready[1], "l", 1), 1);
		CHECK_OK(dup2(go[0], 0));
		char *args[] = {argv[0], "probe", NULL};
		execve(argv[0], args, NULL);
		_exit(2);
	}
	close(ready[1]);
	close(go[0]);
	char c2;
	CHECK_EQ(read(ready[0], &c2, 1), 1);
	/* Until the exec the child holds 0..5; after it, nothing (the probe waits on go). */
	for (int tries = 0; holder(fd, 0, 5, NULL) != F_UNLCK; tries++) {
		if (tries > 200)
			FAIL("the lock survived the child's exec");
		usleep(10000);
	}
	CHECK_EQ(write(go[1], "x", 1), 1);
	wait_child(pid);
	close(fd);
	PASS();
}
