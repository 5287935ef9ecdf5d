// abi: freebsd4-i386
/*
 * Nice values as 4.x keeps them (kern_resource.c getpriority, setpriority, donice):
 *  - a process starts at 0; setpriority clamps to -20..20; getpriority returns the
 *    value itself, negative ones included, for PRIO_PROCESS, PRIO_PGRP (the lowest
 *    in the group) and PRIO_USER;
 *  - fork and exec keep it;
 *  - without root, raising is allowed and lowering is EACCES; another user's process
 *    is EPERM; nothing matching is ESRCH; an unknown `which` EINVAL.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/wait.h>

#define PRIO_PROCESS_ 0
#define PRIO_PGRP_ 1
#define PRIO_USER_ 2

static int get(int which, int who) { return __sys_getpriority(which, who); }

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		CHECK_EQ(get(PRIO_PROCESS_, 0), 7);
		PASS();
	}
	CHECK_EQ(get(PRIO_PROCESS_, 0), 0);
	CHECK_EQ(get(PRIO_PROCESS_, getpid()), 0);
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, -5));
	errno = 0;
	CHECK_EQ(get(PRIO_PROCESS_, 0), -5);
	CHECK_EQ(errno, 0);
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, -100));
	CHECK_EQ(get(PRIO_PROCESS_, 0), -20);
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 100));
	CHECK_EQ(get(PRIO_PROCESS_, 0), 20);
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 0));

	CHECK_ERRNO(get(9, 0), EINVAL);
	CHECK_ERRNO(get(PRIO_PROCESS_, 99999), ESRCH);
	CHECK_ERRNO(get(PRIO_PROCESS_, -3), ESRCH);
	CHECK_ERRNO(__sys_setpriority(PRIO_PROCESS_, 99999, 1), ESRCH);
	CHECK_ERRNO(get(PRIO_USER_, 4242), ESRCH);

	/* A group of two: the lowest value is the group's. */
	int hold[2];
	CHECK_OK(pipe(hold));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		close(hold[1]);
		char c;
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	CHECK_OK(setpgid(child, child));
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, child, 3));
	CHECK_EQ(get(PRIO_PROCESS_, child), 3);
	CHECK_EQ(get(PRIO_PGRP_, child), 3);
	CHECK_OK(__sys_setpriority(PRIO_PGRP_, child, 4));
	CHECK_EQ(get(PRIO_PROCESS_, child), 4);
	/* PRIO_USER 0 is our effective user (root): the lowest of them all. */
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, -2));
	CHECK_EQ(get(PRIO_USER_, 0), -2);
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 0));
	close(hold[1]);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);

	/* Without root: raise yes, lower no; another user's process no. */
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 5));
		CHECK_OK(setuid(1000));
		CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 6));
		CHECK_ERRNO(__sys_setpriority(PRIO_PROCESS_, 0, 2), EACCES);
		CHECK_EQ(get(PRIO_PROCESS_, 0), 6);
		CHECK_ERRNO(__sys_setpriority(PRIO_PROCESS_, 1, 10), EPERM);
		_exit(0);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* fork and exec keep it. */
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 7));
	child = CHECK_OK(fork());
	if (child == 0) {
		char *args[] = {argv[0], "after-exec", NULL};
		if (get(PRIO_PROCESS_, 0) != 7)
			_exit(20);
		execv(argv[0], args);
		_exit(21);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	CHECK_OK(__sys_setpriority(PRIO_PROCESS_, 0, 0));
	PASS();
}
