// abi: all
/*
 * Regular files: open/creat/read/write/lseek, fstat and stat agreeing, O_EXCL,
 * O_TRUNC, O_APPEND, pread/pwrite, ftruncate growing with a hole that reads as
 * zeros and shrinking, a regular file's transfers whole however large, ENOENT, EISDIR,
 * ESPIPE on a pipe.
 */
#include <nymph_test.h>

int main(void)
{
	nt_scratch_dir("fs_file_io");
	char buf[64];
	struct stat st, st2;

	CHECK_ERRNO(open("missing", O_RDONLY), ENOENT);
	int fd = CHECK_OK(creat("a", 0644));
	CHECK_EQ(write(fd, "hello, world", 12), 12);
	CHECK_ERRNO(read(fd, buf, 1), EBADF); /* creat opens write-only */
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, 12);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_OK(close(fd));
	CHECK_OK(stat("a", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_dev, st.st_dev);
	CHECK_EQ(st2.st_size, 12);

	fd = CHECK_OK(open("a", O_RDWR));
	CHECK_EQ(read(fd, buf, 5), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	CHECK_EQ(lseek(fd, -5, SEEK_END), 7);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "world", 5) == 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_EQ(lseek(fd, 7, SEEK_SET), 7);
	CHECK_EQ(write(fd, "WORLD", 5), 5);
	CHECK_EQ(pread(fd, buf, 12, 0), 12);
	CHECK(memcmp(buf, "hello, WORLD", 12) == 0);
	CHECK_EQ(pwrite(fd, "H", 1, 0), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12); /* pread/pwrite leave the offset */
#ifndef __FreeBSD_version /* 4.x's lseek does not refuse a negative offset */
	CHECK_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
#endif
	CHECK_ERRNO(lseek(fd, 0, 12345), EINVAL);

	/* Grow with a hole: reads back as zeros. */
	CHECK_OK(ftruncate(fd, 100000));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 100000);
	CHECK_EQ(pread(fd, buf, 4, 50000), 4);
	CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
	CHECK_EQ(lseek(fd, 200000, SEEK_SET), 200000);
	CHECK_EQ(write(fd, "end", 3), 3);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 200003);
	CHECK_EQ(pread(fd, buf, 8, 150000), 8);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(buf[i], 0);
	/* Shrink. */
	CHECK_OK(ftruncate(fd, 5));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "Hello", 5) == 0);
	CHECK_ERRNO(ftruncate(fd, -1), EINVAL);
	CHECK_OK(close(fd));

	/* O_EXCL, O_TRUNC. */
	CHECK_ERRNO(open("a", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	fd = CHECK_OK(open("a", O_WRONLY | O_TRUNC));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_OK(close(fd));

	/* O_APPEND: every write at the end, whatever the offset. */
	nt_write_file("b", "12345");
	fd = CHECK_OK(open("b", O_RDWR | O_APPEND));
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "67", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	int other = CHECK_OK(open("b", O_WRONLY));
	CHECK_EQ(write(other, "ab", 2), 2); /* not O_APPEND: at offset 0 */
	CHECK_EQ(write(fd, "89", 2), 2);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 9);
	CHECK(memcmp(buf, "ab3456789", 9) == 0);
	CHECK(fcntl(fd, F_GETFL) & O_APPEND);
	close(other);
	CHECK_OK(close(fd));

	/* A regular file's read, write, pread and pwrite move the whole request (up to
	 * the end), however large: programs read a file whole by its st_size. */
	enum { BIG = 300000 };
	static unsigned char big[BIG], back[BIG + 10];
	for (int i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 7 + i / 251);
	fd = CHECK_OK(open("big", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, big, BIG), BIG);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, back, sizeof(back)), BIG);
	CHECK(memcmp(back, big, BIG) == 0);
	CHECK_EQ(pread(fd, back, 250000, 1000), 250000);
	CHECK(memcmp(back, big + 1000, 250000) == 0);
	CHECK_EQ(pwrite(fd, big, 200000, 150000), 200000);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 350000);
	CHECK_EQ(pread(fd, back, 200000, 150000), 200000);
	CHECK(memcmp(back, big, 200000) == 0);
	/* Short only at the end. */
	CHECK_EQ(pread(fd, back, sizeof(back), 340000), 10000);
	CHECK_OK(close(fd));

	/* Directories are not opened for writing; pipes do not seek. */
	CHECK_ERRNO(open(".", O_WRONLY), EISDIR);
	CHECK_ERRNO(open(".", O_RDWR), EISDIR);
#ifdef O_DIRECTORY /* not in FreeBSD 4.x */
	CHECK_ERRNO(open("b", O_RDONLY | O_DIRECTORY), ENOTDIR);
#endif
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(lseek(p[0], 0, SEEK_SET), ESPIPE);
	CHECK_OK(fstat(p[0], &st));
	CHECK(S_ISFIFO(st.st_mode));
	PASS();
}
