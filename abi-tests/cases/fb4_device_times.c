// abi: freebsd4-i386
/*
 * A device node's times follow its use, as 4.x's ufsspec_read and ufsspec_write mark
 * the node (ufs_vnops.c: IN_ACCESS after a read, IN_CHANGE|IN_UPDATE after a write,
 * whenever bytes moved or some were asked for):
 * - a read on a terminal moves its access time (w's and finger's IDLE column is now
 *   less st_atime of the user's tty), not its modification time;
 * - a write to it moves the modification and change times, not the access time;
 * - readv and writev as read and write; /dev/null's times move too;
 * - a read or write of nothing leaves them;
 * - the console descriptors the kernel opened for init (by no path) are
 *   /dev/console's node, whose times they move (as 4.x's init opens it by name).
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static int later(struct timespec a, struct timespec b)
{
	return b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec);
}

static int same(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static void pause_a_little(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp7", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp7", O_RDWR | O_NONBLOCK));
	struct stat a, b;
	char buf[16];

	CHECK_OK(fstat(s, &a));
	pause_a_little();
	CHECK_EQ(write(m, "x\n", 2), 2);
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	CHECK_OK(stat("/dev/ttyp7", &b));
	CHECK(later(a.st_atimespec, b.st_atimespec));
	CHECK(same(a.st_mtimespec, b.st_mtimespec));
	CHECK(same(a.st_ctimespec, b.st_ctimespec));

	a = b;
	pause_a_little();
	CHECK_EQ(write(s, "y\n", 2), 2);
	CHECK_OK(fstat(s, &b));
	CHECK(later(a.st_mtimespec, b.st_mtimespec));
	CHECK(later(a.st_ctimespec, b.st_ctimespec));
	CHECK(same(a.st_atimespec, b.st_atimespec));

	/* The vector calls. */
	a = b;
	pause_a_little();
	struct iovec v[2] = {{(void *)"a", 1}, {(void *)"b\n", 2}};
	CHECK_EQ(__sys_writev(s, v, 2), 3);
	CHECK_OK(fstat(s, &b));
	CHECK(later(a.st_mtimespec, b.st_mtimespec));
	a = b;
	pause_a_little();
	CHECK_EQ(write(m, "z\n", 2), 2);
	struct iovec r[1] = {{buf, sizeof(buf)}};
	CHECK_EQ(__sys_readv(s, r, 1), 2);
	CHECK_OK(fstat(s, &b));
	CHECK(later(a.st_atimespec, b.st_atimespec));

	/* Nothing asked, nothing moved: no mark. */
	a = b;
	pause_a_little();
	CHECK_EQ(write(s, "", 0), 0);
	CHECK_OK(fstat(s, &b));
	CHECK(same(a.st_mtimespec, b.st_mtimespec));
	CHECK(same(a.st_atimespec, b.st_atimespec));
	close(s);
	close(m);

	/* /dev/null. */
	int n = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_OK(fstat(n, &a));
	pause_a_little();
	CHECK_EQ(write(n, "q", 1), 1);
	CHECK_OK(fstat(n, &b));
	CHECK(later(a.st_mtimespec, b.st_mtimespec));
	a = b;
	pause_a_little();
	CHECK_EQ(read(n, buf, 1), 0);
	CHECK_OK(fstat(n, &b));
	CHECK(later(a.st_atimespec, b.st_atimespec));
	close(n);

	/* The runner's standard input, when it is the kernel's console. */
	struct stat c;
	CHECK_OK(stat("/dev/console", &c));
	if (fstat(0, &a) == 0 && a.st_ino == c.st_ino && a.st_dev == c.st_dev) {
		pause_a_little();
		CHECK_EQ(write(0, "\n", 1), 1);
		CHECK_OK(stat("/dev/console", &b));
		CHECK(later(a.st_mtimespec, b.st_mtimespec));
	} else {
		dprintf(1, "# standard input is not the kernel's console\n");
	}
	PASS();
}
