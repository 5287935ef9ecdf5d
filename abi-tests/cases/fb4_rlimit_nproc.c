// abi: freebsd4-i386
/*
 * RLIMIT_NPROC as 4.x has it (kern_resource.c dosetrlimit, kern_fork.c fork1 and
 * chgproccnt):
 *  - a process starts at maxprocperuid (current and maximum alike);
 *  - setrlimit cuts a larger value to maxprocperuid and a value below 1 up to 1;
 *  - fork by a process whose real user already has that many processes is EAGAIN;
 *  - root is not bound by it.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/wait.h>

#define RLIMIT_NPROC_ 7
#define USER 1000

static struct rlimit set_and_get(long long cur, long long max)
{
	struct rlimit rl = {cur, max};
	CHECK_OK(__sys_setrlimit(RLIMIT_NPROC_, &rl));
	return nt_getrlimit(RLIMIT_NPROC_);
}

/* Forks children that wait for `hold` to close until fork fails; returns how many
 * it made. */
static int fork_until_refused(int hold[2])
{
	int made = 0;
	for (;;) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(hold[1]);
			(void)!read(hold[0], &c, 1);
			_exit(0);
		}
		if (pid < 0) {
			CHECK_EQ(errno, EAGAIN);
			return made;
		}
		if (++made > 20)
			FAIL("fork never refused");
	}
}

int main(void)
{
	struct rlimit start = nt_getrlimit(RLIMIT_NPROC_);
	CHECK(start.rlim_cur > 0 && start.rlim_cur < 100000);
	CHECK_EQ(start.rlim_cur, start.rlim_max);

	pid_t worker = CHECK_OK(fork());
	if (worker == 0) {
		struct rlimit rl = set_and_get(start.rlim_max * 4, start.rlim_max * 4);
		CHECK_EQ(rl.rlim_cur, start.rlim_max);
		rl = set_and_get(0, 0);
		CHECK_EQ(rl.rlim_cur, 1);
		CHECK_EQ(rl.rlim_max, 1);
		/* Root is not bound: this fork works at a limit of 1. */
		pid_t root_child = CHECK_OK(fork());
		if (root_child == 0)
			_exit(0);
		int st;
		CHECK_EQ(waitpid(root_child, &st, 0), root_child);
		/* Root raises it again, then becomes USER: three processes at most. */
		set_and_get(3, 3);
		CHECK_OK(setuid(USER));
		int hold[2];
		CHECK_OK(pipe(hold));
		int made = fork_until_refused(hold);
		/* This process and two children. */
		CHECK_EQ(made, 2);
		close(hold[1]);
		while (wait(&st) > 0)
			;
		/* Gone again: forking works. */
		pid_t again = CHECK_OK(fork());
		if (again == 0)
			_exit(0);
		CHECK_EQ(waitpid(again, &st, 0), again);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(worker, &status, 0), worker);
	CHECK_CHILD_OK(status);
	PASS();
}
