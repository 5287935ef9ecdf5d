// abi: all
/*
 * chdir and chroot through procfs's link to the caller's own directory (/proc/self,
 * 4.x's /proc/curproc), absolute and relative, as a new process's first look at
 * procfs: the lookup makes the process's directory there, which reads the process,
 * so it must run before the working directory or root is changed under the
 * process's lock. (It ran under that lock, and the kernel stopped on the deadlock.)
 */
#include <nymph_test.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifdef __FreeBSD_version
#define SELF "curproc"
#else
#define SELF "self"
#endif

static int same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* In a new process: `how` into its procfs directory, then checks where it is. */
static void child(int how)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct stat here, mine;
		char path[64];
		int r = how == 0   ? chdir("/proc/" SELF)
			: how == 1 ? (chdir("/proc") == 0 ? chdir(SELF "/") : -1)
				   : chroot("/proc/" SELF);
		if (r != 0)
			_exit(1);
		snprintf(path, sizeof(path), "/proc/%d", (int)getpid());
		if (how == 2)
			snprintf(path, sizeof(path), "/");
		else if (stat(path, &mine) != 0)
			_exit(2);
		if (stat(how == 2 ? "/" : ".", &here) != 0)
			_exit(3);
		if (how == 2)
			_exit(S_ISDIR(here.st_mode) && stat("/status", &mine) == 0 ? 0 : 4);
		_exit(same(&here, &mine) ? 0 : 5);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

int main(void)
{
	child(0);
	child(1);
	child(2);
	return 0;
}
