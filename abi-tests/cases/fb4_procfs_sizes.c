// abi: freebsd4-i386
/*
 * The sizes stat gives procfs's files (4.x procfs_getattr: va_size 0 but for the
 * register files), and what that means for the base tools that trust st_size:
 *  - status, cmdline, etype, rlimit, map, ctl, note, notepg and mem are 0 bytes with
 *    0 blocks, by path and by descriptor; regs, fpregs and dbregs are i386's struct
 *    reg (76), struct fpreg (176) and struct dbreg (32); curproc's link is as long as
 *    the pid's digits, and lr--r--r-- (procfs_allocvp), file's lr-xr-xr-x;
 *  - every node's three times are the time of day when stat asks (procfs_getattr),
 *    not when the node was made;
 *  - read(2) still gives status's text;
 *  - cp's copy of a regular file of st_size 0: mmap of length 0, a write of 0 bytes and
 *    munmap of length 0 all succeed (so 4.x cp copies an empty file and tail prints
 *    nothing, where a size would have them map procfs).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

static void check_size(const char *name, long long want)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/curproc/%s", name);
	CHECK_OK(stat(path, &st));
	if (!S_ISREG(st.st_mode) || st.st_size != want || (want == 0 && st.st_blocks != 0))
		FAIL("stat %s: mode 0%o size %lld blocks %lld, wanted a regular file of %lld",
		     path, st.st_mode, (long long)st.st_size, (long long)st.st_blocks, want);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		fd = CHECK_OK(open(path, O_WRONLY));
	CHECK_OK(fstat(fd, &st));
	if (st.st_size != want)
		FAIL("fstat %s: size %lld, wanted %lld", path, (long long)st.st_size, want);
	close(fd);
}

int main(void)
{
	const char *empty[] = {"status", "cmdline", "etype", "rlimit", "map",
			       "ctl",    "note",    "notepg", "mem"};
	for (unsigned i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		check_size(empty[i], 0);
	check_size("regs", 76);
	check_size("fpregs", 176);
	check_size("dbregs", 32);

	struct stat st;
	char pid[16];
	CHECK_OK(lstat("/proc/curproc", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, snprintf(pid, sizeof(pid), "%d", (int)getpid()));
	CHECK_EQ(st.st_mode & 07777, 0444);
	CHECK_OK(lstat("/proc/curproc/file", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0555);

	/* The times are now's, whenever one looks. */
	const char *nodes[] = {"/proc", "/proc/curproc", "/proc/curproc/", "/proc/curproc/status",
			       "/proc/curproc/regs"};
	for (unsigned i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		CHECK_OK(lstat(nodes[i], &st));
	struct timespec pause = {1, 100000000};
	while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
		;
	struct timeval before;
	CHECK_OK(gettimeofday(&before, NULL));
	for (unsigned i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		CHECK_OK(lstat(nodes[i], &st));
		if (st.st_atime < before.tv_sec || st.st_mtime < before.tv_sec ||
		    st.st_ctime < before.tv_sec)
			FAIL("%s: times %ld %ld %ld, before the stat's time %ld", nodes[i],
			     (long)st.st_atime, (long)st.st_mtime, (long)st.st_ctime,
			     (long)before.tv_sec);
	}

	/* The text is there all the same. */
	char buf[256];
	int fd = CHECK_OK(open("/proc/curproc/status", O_RDONLY));
	int n = CHECK_OK((int)read(fd, buf, sizeof(buf) - 1));
	CHECK(n > 0);

	/* cp's mapped copy of what fstat says is empty. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap of %lld bytes of status: errno %s", (long long)st.st_size,
		     nt_errname(errno));
	CHECK_EQ(write(1, p, 0), 0);
	CHECK_OK(munmap(p, 0));
	close(fd);
	PASS();
}
