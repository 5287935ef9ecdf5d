// abi: all
/*
 * setpgid's rules (POSIX; 4.x kern_proc.c setpgid):
 *  - a process may move itself or a child, ESRCH for any other;
 *  - a child that has exec'd since fork may no longer be moved: EACCES;
 *  - a group other than the process's own pid must exist in the session: EPERM;
 *  - a session leader cannot move: EPERM.
 */
#include <nymph_test.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "execed") == 0) {
		/* The new image: say so, then wait until the parent is done. */
		int fd = atoi(argv[2]);
		char c;
		(void)!write(fd, "E", 1);
		(void)!read(fd + 1, &c, 1);
		_exit(0);
	}

	/* A group that does not exist. */
	CHECK_ERRNO(setpgid(0, 999999), EPERM);
	CHECK_ERRNO(setpgid(1, 1), ESRCH);

	/* A child before exec can be moved, into a new group and back into ours. */
	int up[2], down[2];
	CHECK_OK(pipe(up));
	CHECK_OK(pipe(down));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		/* Make the fds the image gets consecutive: up's write end, then down's read end. */
		close(up[0]);
		close(down[1]);
		int w = 20, r = 21;
		if (dup2(up[1], w) != w || dup2(down[0], r) != r)
			_exit(30);
		char c;
		/* Wait for the parent's first checks before exec. */
		if (read(r, &c, 1) != 1)
			_exit(31);
		char *args[] = {argv[0], "execed", "20", NULL};
		execv(argv[0], args);
		_exit(32);
	}
	close(up[1]);
	close(down[0]);
	CHECK_OK(setpgid(child, child));
	CHECK_EQ(getpgid(child), child);
	CHECK_OK(setpgid(child, getpgrp()));
	CHECK_EQ(getpgid(child), getpgrp());
	CHECK_EQ(write(down[1], "go", 1), 1);
	char c;
	CHECK_EQ(read(up[0], &c, 1), 1);
	CHECK_EQ(c, 'E');
	/* It has exec'd now. */
	CHECK_ERRNO(setpgid(child, child), EACCES);
	CHECK_EQ(getpgid(child), getpgrp());
	CHECK_EQ(write(down[1], "x", 1), 1);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* A session leader stays where it is. */
	child = CHECK_OK(fork());
	if (child == 0) {
		if (setsid() < 0)
			_exit(40);
		_exit(setpgid(0, 0) == -1 && errno == EPERM ? 0 : 41);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	PASS();
}
