// abi: native-v1, native-v2
/*
 * getdents with a buffer too small for the next record is EINVAL (the spec's "EINVAL
 * if count is too small for one record"), not 0, which a reader takes for the end of
 * the directory; only at the end is it 0. A count under the smallest record (32
 * bytes: 24 of header and a one-byte name padded to 8) ended the listing early. The
 * offset does not move on EINVAL, and a big enough buffer then reads the entry.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <stdint.h>

static char buf[4096];

int main(void)
{
	nt_scratch_dir("native_getdents_small");
	nt_write_file("a", "");
	int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	unsigned long counts[] = {0, 1, 8, 24, 31};
	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		CHECK_ERRNO(__sys_getdents(fd, buf, counts[i]), EINVAL);
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	}
	/* "." fits in 32 bytes. */
	CHECK_EQ(__sys_getdents(fd, buf, 32), 32);
	CHECK_EQ(buf[24], '.');
	CHECK_EQ(buf[25], 0);
	/* ".." needs 32 too; then "a". */
	CHECK_ERRNO(__sys_getdents(fd, buf, 31), EINVAL);
	long n, names = 0;
	while ((n = __sys_getdents(fd, buf, sizeof(buf))) > 0)
		for (long at = 0; at < n; at += *(uint16_t *)(buf + at + 16))
			names++;
	CHECK_EQ(n, 0);
	CHECK_EQ(names, 2);
	/* At the end, any count is 0. */
	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		CHECK_EQ(__sys_getdents(fd, buf, counts[i]), 0);
	CHECK_OK(close(fd));
	PASS();
}
