// abi: freebsd4-i386
/*
 * Slots a 4.x kernel answers that a program may reach: sbrk and sstk (69, 70), which
 * 4.x never implemented and answers with EOPNOTSUPP; vadvise (72), always EINVAL;
 * clock_getres (234) for CLOCK_REALTIME only; lchmod (274), the mode of a symbolic
 * link itself; NetBSD's numbers for lchown and msync (275, 277); and getfsstat (18),
 * which df and mount use: every mounted file system, as many as fit, or the count
 * for no buffer. None of them raises SIGSYS, as a slot 4.x lacks would.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile int sigsys;
static void on_sigsys(int sig) { sigsys = sig; }

int main(void)
{
	signal(SIGSYS, on_sigsys);

	CHECK_ERRNO(syscall(69, 4096), EOPNOTSUPP);
	CHECK_ERRNO(syscall(70, 4096), EOPNOTSUPP);
	CHECK_ERRNO(syscall(72, 0), EINVAL);

	struct timespec res = {-1, -1};
	CHECK_OK(syscall(234, 0 /* CLOCK_REALTIME */, &res));
	CHECK_EQ(res.tv_sec, 0);
	CHECK(res.tv_nsec > 0 && res.tv_nsec < 1000000);
	CHECK_OK(syscall(234, 0, (void *)0));
	CHECK_ERRNO(syscall(234, 1, &res), EINVAL);
	CHECK_ERRNO(syscall(234, 0, (void *)16), EFAULT);

	/* lchmod changes the link, not the file it names. */
	int fd = open("mc_target", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK(fd >= 0);
	close(fd);
	unlink("mc_link");
	CHECK_OK(symlink("mc_target", "mc_link"));
	CHECK_OK(syscall(274, "mc_link", 0600));
	struct stat st;
	CHECK_OK(lstat("mc_link", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_OK(stat("mc_target", &st));
	CHECK_EQ(st.st_mode & 07777, 0644);
	CHECK_ERRNO(syscall(274, "no/such/link", 0600), ENOENT);

	/* NetBSD's lchown: the link's owner changes, the file's does not. */
	CHECK_OK(syscall(275, "mc_link", 5, 6));
	CHECK_OK(lstat("mc_link", &st));
	CHECK_EQ(st.st_uid, 5);
	CHECK_EQ(st.st_gid, 6);
	CHECK_OK(stat("mc_target", &st));
	CHECK_EQ(st.st_uid, 0);

	/* NetBSD's msync: 4.x's checks. */
	char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(page != MAP_FAILED);
	CHECK_OK(syscall(277, page, 4096, 0));
	CHECK_ERRNO(syscall(277, page, 4096, 3 /* MS_ASYNC | MS_INVALIDATE */), EINVAL);
	CHECK_ERRNO(syscall(277, page, 4096, 8), EINVAL);
	CHECK_OK(munmap(page, 4096));
	CHECK_ERRNO(syscall(277, page, 4096, 0), EINVAL);

	/* getfsstat: /, then /dev and /proc (mounted at boot). */
	int mounted = syscall(18, (void *)0, 0, 2 /* MNT_NOWAIT */);
	CHECK(mounted >= 3);
	static struct statfs fs[8];
	CHECK_EQ(syscall(18, fs, (long)sizeof fs[0], 2), 1);
	CHECK(strcmp((const char *)fs[0].f_mntonname, "/") == 0);
	CHECK(strcmp((const char *)fs[0].f_fstypename, "tmpfs") == 0);
	CHECK(fs[0].f_flags & 0x1000 /* MNT_LOCAL */);
	memset(fs, 0, sizeof fs);
	CHECK_EQ(syscall(18, fs, (long)sizeof fs, 1 /* MNT_WAIT */), mounted);
	int dev = -1;
	for (int i = 0; i < mounted; i++)
		if (strcmp((const char *)fs[i].f_mntonname, "/dev") == 0)
			dev = i;
	CHECK(dev > 0);
	CHECK(strcmp((const char *)fs[dev].f_fstypename, "devfs") == 0);
	/* The same record statfs gives for a path on it. */
	struct statfs one;
	CHECK_OK(__sys_statfs("/dev/null", &one));
	CHECK_EQ(memcmp(&one, &fs[dev], sizeof one), 0);
	CHECK_EQ(sigsys, 0);
	unlink("mc_link");
	unlink("mc_target");
	PASS();
}
