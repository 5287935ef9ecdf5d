// abi: all
/*
 * A read or write whose user buffer faults part way is EFAULT, as 4.x's dofileread
 * and dofilewrite give it: only EINTR, ERESTART and EWOULDBLOCK after some data
 * become a short count. What the failed transfer did is undone where 4.x undoes it:
 * a regular file's write (IO_UNIT) leaves the file's size and the descriptor's offset
 * as they were; a pipe's write puts nothing in, a pipe's read takes nothing out; a
 * regular file's read leaves the offset after the pieces that were copied (readv's
 * first, whole piece; a directory's, on 4.x, too).
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PAGE 4096
#define BIG (80 * 1024)

/* FreeBSD 4.x's struct iovec. */
struct piece {
	void *base;
	size_t len;
};

static void check_size(int fd, long long size)
{
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, size);
}

int main(void)
{
	/* BIG bytes of mapped memory, then an unmapped page. */
	size_t span = BIG + PAGE;
	char *area = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(area != MAP_FAILED);
	CHECK_OK(munmap(area + BIG, PAGE));
	char *end = area + BIG;
	for (int i = 0; i < BIG; i++)
		area[i] = (char)(i * 13 + 5);

	const char *path = "/tmp/partial_fault";
	unlink(path);
	int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));

	/* Writes from a buffer running into the hole: small, and larger than any
	 * chunk the kernel copies at once. */
	CHECK_ERRNO(write(fd, end - 100, 300), EFAULT);
	check_size(fd, 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_ERRNO(write(fd, area, BIG + 100), EFAULT);
	check_size(fd, 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
#ifdef __FreeBSD_version
	/* writev (FreeBSD's; the native ABI has none), the second piece in the hole. */
	struct piece wv[2] = {{area, 10}, {end - 5, 10}};
	CHECK_ERRNO(__sys_writev(fd, wv, 2), EFAULT);
	check_size(fd, 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
#endif
	/* Overwriting within the file: the size stays. */
	CHECK_EQ(write(fd, area, 1000), 1000);
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_ERRNO(write(fd, end - 100, 300), EFAULT);
	check_size(fd, 1000);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);

	/* Reads into it. */
	CHECK_ERRNO(read(fd, end - 100, 300), EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_ERRNO(pread(fd, end - 100, 300, 0), EFAULT);
#ifdef __FreeBSD_version
	char first[10];
	struct piece rv[2] = {{first, 10}, {end - 5, 10}};
	CHECK_ERRNO(__sys_readv(fd, rv, 2), EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK(memcmp(first, area, 10) == 0);
#endif
	/* All of it readable: the whole count. */
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_EQ(read(fd, end - 1000, 1000), 1000);
	close(fd);
	unlink(path);

#ifdef __FreeBSD_version
	/* A directory's blocks, which 4.x's read gives, the same way. */
	int dir = CHECK_OK(open("/tmp", O_RDONLY));
	CHECK_ERRNO(read(dir, end - 100, 512), EFAULT);
	CHECK_EQ(lseek(dir, 0, SEEK_CUR), 0);
	CHECK_EQ(read(dir, end - 512, 512), 512);
	close(dir);
#endif

	/* A pipe: the failed read takes nothing, the failed write puts nothing. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], area, 300), 300);
	CHECK_ERRNO(read(p[0], end - 100, 300), EFAULT);
	static char got[400];
	CHECK_EQ(read(p[0], got, sizeof(got)), 300);
	CHECK(memcmp(got, area, 300) == 0);
	CHECK_ERRNO(write(p[1], end - 100, 300), EFAULT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(read(p[0], got, sizeof(got)), 1);
	CHECK_EQ(got[0], 'x');
	close(p[0]);
	close(p[1]);
	PASS();
}
