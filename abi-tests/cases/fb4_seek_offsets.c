// abi: freebsd4-i386
/*
 * File offsets as 4.x keeps them (vfs_syscalls.c lseek, sys_generic.c pread and
 * pwrite, ufs_readwrite.c, vfs_vnops.c vn_ioctl):
 *  - lseek checks nothing: the offset may go before the start of the file and is
 *    returned as it is (edx:eax), and it wraps as an off_t;
 *  - a regular file read or written at a negative offset says EFBIG (ffs_read and
 *    ffs_write compare the offset, as unsigned, with the largest file), before the
 *    RLIMIT_FSIZE check (no SIGXFSZ), and the offset stays; pread and pwrite do not
 *    check the offset either, and end the same way;
 *  - a device ignores its offset, negative or not, and pread and pwrite on one read
 *    and write as read and write do;
 *  - FIONREAD on a regular file is its size less the offset, as an int: negative
 *    past the end, cut to 32 bits;
 *  - FIFOs (DTYPE_FIFO once open) and pipes have no offset (ESPIPE).
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>

#define RLIMIT_FSIZE_ 1

static volatile int xfsz;
static void on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

static int pending(int fd)
{
	int n = 0x5a5a5a5a;
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	return n;
}

int main(void)
{
	nt_scratch_dir("fb4_seek_offsets");
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	char b[4];

	CHECK_EQ(lseek(fd, -5, SEEK_SET), (off_t)-5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), (off_t)-5);
	CHECK_ERRNO(read(fd, b, 4), EFBIG);
	CHECK_ERRNO(write(fd, "x", 1), EFBIG);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), (off_t)-5);
	CHECK_EQ(pending(fd), 15);
	CHECK_EQ(lseek(fd, -20, SEEK_END), (off_t)-10);
	CHECK_EQ(lseek(fd, 7, SEEK_CUR), (off_t)-3);
	CHECK_EQ(lseek(fd, 5, SEEK_CUR), (off_t)2);
	CHECK_EQ(read(fd, b, 2), 2);
	CHECK(memcmp(b, "23", 2) == 0);

	/* Past the end: reads find nothing, FIONREAD is negative or wraps. */
	CHECK_EQ(lseek(fd, 25, SEEK_SET), (off_t)25);
	CHECK_EQ(pending(fd), -15);
	CHECK_EQ(read(fd, b, 2), 0);
	CHECK_EQ(lseek(fd, 0x100000005LL, SEEK_SET), (off_t)0x100000005LL);
	CHECK_EQ(pending(fd), 5);

	/* off_t wraps. */
	CHECK_EQ(lseek(fd, 0x7fffffffffffffffLL, SEEK_SET), (off_t)0x7fffffffffffffffLL);
	CHECK_EQ(lseek(fd, 1, SEEK_CUR), (off_t)(-0x7fffffffffffffffLL - 1));
	CHECK_ERRNO(read(fd, b, 1), EFBIG);

	/* pread and pwrite at a negative offset. */
	CHECK_ERRNO(pread(fd, b, 2, (off_t)-2), EFBIG);
	CHECK_ERRNO(pwrite(fd, "yz", 2, (off_t)-2), EFBIG);
	CHECK_EQ(pread(fd, b, 2, 4), 2);
	CHECK(memcmp(b, "45", 2) == 0);

	/* Before RLIMIT_FSIZE: EFBIG without SIGXFSZ. */
	signal(SIGXFSZ, on_xfsz);
	struct rlimit rl = nt_getrlimit(RLIMIT_FSIZE_);
	rl.rlim_cur = 100;
	CHECK_OK(__sys_setrlimit(RLIMIT_FSIZE_, &rl));
	CHECK_EQ(lseek(fd, -3, SEEK_END), (off_t)7);
	CHECK_EQ(lseek(fd, -8, SEEK_CUR), (off_t)-1);
	CHECK_ERRNO(write(fd, "x", 1), EFBIG);
	CHECK_ERRNO(pwrite(fd, "x", 1, (off_t)-100), EFBIG);
	CHECK_EQ(xfsz, 0);
	CHECK_EQ(pwrite(fd, "x", 1, 200), -1);
	CHECK_EQ(errno, EFBIG);
	CHECK_EQ(xfsz, 1);

	/* A device ignores its offset. */
	int null = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_EQ(lseek(null, -100, SEEK_SET), (off_t)-100);
	CHECK_EQ(write(null, "abc", 3), 3);
	CHECK_EQ(read(null, b, 1), 0);
	CHECK_EQ(pwrite(null, "abc", 3, (off_t)-7), 3);

	CHECK_EQ(pread(null, b, 1, 5), 0);
	int zero = CHECK_OK(open("/dev/zero", O_RDONLY));
	b[0] = 'q';
	CHECK_EQ(pread(zero, b, 2, (off_t)-9), 2);
	CHECK_EQ(b[0], 0);

	/* A FIFO opened by name is DTYPE_FIFO, not DTYPE_VNODE: no offset either. */
	CHECK_OK(mkfifo("fifo", 0600));
	int fr = CHECK_OK(open("fifo", O_RDONLY | O_NONBLOCK));
	int fw = CHECK_OK(open("fifo", O_WRONLY));
	CHECK_ERRNO(lseek(fw, 12, SEEK_SET), ESPIPE);
	CHECK_ERRNO(pwrite(fw, "hi", 2, 99), ESPIPE);
	CHECK_EQ(write(fw, "hi", 2), 2);
	CHECK_ERRNO(pread(fr, b, 4, (off_t)-1), ESPIPE);
	CHECK_EQ(read(fr, b, 4), 2);
	CHECK(memcmp(b, "hi", 2) == 0);

	/* Pipes and sockets have no offset. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(lseek(p[0], -1, SEEK_CUR), ESPIPE);
	CHECK_ERRNO(pread(p[0], b, 1, 0), ESPIPE);
	CHECK_ERRNO(pwrite(p[1], b, 1, 0), ESPIPE);
	PASS();
}
