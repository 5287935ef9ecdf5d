// abi: all
/*
 * A device that is not a terminal moves the whole request, as 4.x's mmrw loops over
 * the whole uio: `dd if=/dev/zero bs=1m` reads whole 1 MiB records, not 64 KiB
 * partial ones. read (and FreeBSD's readv and pread) of /dev/zero fill every byte
 * asked for, writes to /dev/null take every byte, and /dev/null reads end of file.
 */
#include <nymph_test.h>
#include <fcntl.h>

enum { MIB = 1024 * 1024 };

static unsigned char big[3 * MIB];

/* Whether big[from, to) is all `value`. */
static int all(size_t from, size_t to, unsigned char value)
{
	for (size_t i = from; i < to; i++)
		if (big[i] != value)
			return 0;
	return 1;
}

int main(void)
{
	int zero = CHECK_OK(open("/dev/zero", O_RDONLY));
	memset(big, 0xff, sizeof big);
	CHECK_EQ(read(zero, big, MIB), MIB);
	CHECK(all(0, MIB, 0));
	CHECK(all(MIB, 3 * MIB, 0xff));

#ifdef __FreeBSD_version
	/* readv (FreeBSD's; the native ABI has none): all of every piece. */
	memset(big, 0xff, sizeof big);
	struct {
		void *base;
		size_t len;
	} iov[3] = {{big, 100 * 1024}, {big + MIB, 300 * 1024}, {big + 2 * MIB, 700 * 1024}};
	CHECK_EQ(__sys_readv(zero, iov, 3), (100 + 300 + 700) * 1024);
	CHECK(all(0, 100 * 1024, 0) && all(100 * 1024, MIB, 0xff));
	CHECK(all(MIB, MIB + 300 * 1024, 0) && all(MIB + 300 * 1024, 2 * MIB, 0xff));
	CHECK(all(2 * MIB, 2 * MIB + 700 * 1024, 0) && all(2 * MIB + 700 * 1024, 3 * MIB, 0xff));
	/* pread ignores a device's offset: a read. */
	memset(big, 0xff, MIB);
	CHECK_EQ(pread(zero, big, MIB, 12345), MIB);
	CHECK(all(0, MIB, 0));
#endif
	close(zero);

	int null = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_EQ(write(null, big, 3 * MIB), 3 * MIB);
	CHECK_EQ(read(null, big, MIB), 0);
	close(null);
	PASS();
}
