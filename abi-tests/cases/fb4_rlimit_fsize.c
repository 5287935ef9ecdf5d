// abi: freebsd4-i386
/*
 * RLIMIT_FSIZE as 4.x enforces it (ufs_readwrite.c ffs_write; ffs_inode.c ffs_truncate):
 *  - a write to a regular file whose end (offset + length, the offset being the file's
 *    size under O_APPEND) passes the soft limit is refused whole with EFBIG, and the
 *    process gets SIGXFSZ (default action: killed by it; ignored: only EFBIG); one
 *    ending exactly at the limit, or overwriting below it, succeeds;
 *  - pwrite is judged at its offset; writev by its total length, so no iovec of a
 *    refused writev lands; a zero-length write starting past the limit is refused too
 *    (4.x has no early return for an empty uio);
 *  - ftruncate and truncate are not limited, nor writes to devices;
 *  - fork inherits the limit, exec keeps it; raising it back lifts it.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define RLIMIT_FSIZE_ 1
#define LIMIT 1000
#define RLIM_INF 0x7fffffffffffffffLL

/* struct iovec of 4.x i386. */
struct iov32 {
	const void *base;
	unsigned int len;
};

static volatile int xfsz;
static void on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

static char buf[4096];

static long long size_of(int fd)
{
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	return st.st_size;
}

static void set_fsize(long long cur)
{
	struct rlimit rl = nt_getrlimit(RLIMIT_FSIZE_);
	rl.rlim_cur = cur;
	CHECK_OK(__sys_setrlimit(RLIMIT_FSIZE_, &rl));
}

/* In a new image: the limit came through exec and is enforced there. */
static void after_exec(void)
{
	CHECK_EQ(nt_getrlimit(RLIMIT_FSIZE_).rlim_cur, LIMIT);
	signal(SIGXFSZ, on_xfsz);
	int fd = CHECK_OK(open("after", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK_ERRNO(write(fd, buf, LIMIT + 1), EFBIG);
	CHECK_EQ(xfsz, 1);
	CHECK_EQ(write(fd, buf, LIMIT), LIMIT);
	PASS();
}

int main(int argc, char **argv)
{
	memset(buf, 'a', sizeof(buf));
	if (argc > 2 && strcmp(argv[1], "after-exec") == 0) {
		CHECK_OK(chdir(argv[2]));
		after_exec();
	}
	CHECK_EQ(nt_getrlimit(RLIMIT_FSIZE_).rlim_cur, RLIM_INF);
	nt_scratch_dir("fb4_rlimit_fsize");
	signal(SIGXFSZ, on_xfsz);
	set_fsize(LIMIT);
	CHECK_EQ(nt_getrlimit(RLIMIT_FSIZE_).rlim_cur, LIMIT);

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, buf, 600), 600);
	/* Past the limit: nothing is written, not even the part below it. */
	CHECK_ERRNO(write(fd, buf, 600), EFBIG);
	CHECK_EQ(xfsz, 1);
	CHECK_EQ(size_of(fd), 600);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 600);
	/* Up to the limit exactly. */
	CHECK_EQ(write(fd, buf, 400), 400);
	CHECK_EQ(size_of(fd), LIMIT);
	CHECK_ERRNO(write(fd, buf, 1), EFBIG);
	CHECK_EQ(xfsz, 2);
	/* Overwriting below the limit is fine. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "b", 1), 1);

	/* pwrite at its own offset. */
	CHECK_ERRNO(pwrite(fd, buf, 10, 995), EFBIG);
	CHECK_EQ(xfsz, 3);
	CHECK_EQ(pwrite(fd, "cccccccccc", 10, 990), 10);

	/* writev: the total counts, and a refused one writes no iovec. */
	CHECK_EQ(lseek(fd, 500, SEEK_SET), 500);
	char z[300];
	memset(z, 'z', sizeof(z));
	struct iov32 iov[2] = {{z, 300}, {z, 300}};
	CHECK_ERRNO(__sys_writev(fd, iov, 2), EFBIG);
	CHECK_EQ(xfsz, 4);
	char c = 0;
	CHECK_EQ(pread(fd, &c, 1, 500), 1);
	CHECK_EQ(c, 'a');
	iov[1].len = 200;
	CHECK_EQ(__sys_writev(fd, iov, 2), 500);
	CHECK_EQ(size_of(fd), LIMIT);

	/* O_APPEND: judged from the end of the file, wherever the offset is. */
	int ap = CHECK_OK(open("g", O_WRONLY | O_CREAT | O_APPEND, 0644));
	CHECK_EQ(write(ap, buf, 900), 900);
	CHECK_EQ(lseek(ap, 0, SEEK_SET), 0);
	CHECK_ERRNO(write(ap, buf, 200), EFBIG);
	CHECK_EQ(xfsz, 5);
	CHECK_EQ(write(ap, buf, 100), 100);
	CHECK_OK(close(ap));

	/* Truncation is not limited; a write past the limit is, even an empty one. */
	CHECK_OK(ftruncate(fd, 5000));
	CHECK_EQ(size_of(fd), 5000);
	CHECK_OK(truncate("g", 3000));
	CHECK_EQ(lseek(fd, 4000, SEEK_SET), 4000);
	CHECK_ERRNO(write(fd, buf, 0), EFBIG);
	CHECK_EQ(xfsz, 6);
	CHECK_EQ(pwrite(fd, buf, 0, LIMIT), 0);
	CHECK_EQ(xfsz, 6);

	/* A device has no size limit. */
	int null = CHECK_OK(open("/dev/null", O_WRONLY));
	CHECK_EQ(write(null, buf, sizeof(buf)), (long)sizeof(buf));
	CHECK_OK(close(null));
	CHECK_EQ(xfsz, 6);

	/* Ignored: EFBIG only. */
	signal(SIGXFSZ, SIG_IGN);
	CHECK_ERRNO(pwrite(fd, buf, 1, LIMIT), EFBIG);
	signal(SIGXFSZ, on_xfsz);
	CHECK_EQ(xfsz, 6);

	/* By default SIGXFSZ kills; the child inherited the limit. */
	int status;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_DFL);
		pwrite(fd, buf, 1, LIMIT);
		_exit(3);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGXFSZ);

	/* exec keeps it. */
	char dir[128];
	CHECK(getcwd(dir, sizeof(dir)) != NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *args[] = {argv[0], "after-exec", dir, NULL};
		execv(argv[0], args);
		FAIL("execv %s: %s", argv[0], nt_errname(errno));
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Raised back to infinity: no limit. */
	set_fsize(RLIM_INF);
	CHECK_EQ(pwrite(fd, buf, sizeof(buf), 6000), (long)sizeof(buf));
	CHECK_EQ(xfsz, 6);
	PASS();
}
