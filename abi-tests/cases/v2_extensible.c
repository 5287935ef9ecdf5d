// abi: native-v2
/*
 * openat2 (v2, slot 69) and its extensible struct open_how {u32 how_size, u32
 * how_flags, u64 how_mode}: the exact size works; a larger struct whose extra bytes
 * are zero works; a non-zero byte past the kernel's struct gives E2BIG and opens
 * nothing; a smaller one (8 bytes: no mode) is zero-extended, so O_CREAT makes a file
 * of mode 0; below 8 bytes is EINVAL. Each open really opens: data written through
 * one descriptor is read back through another.
 */
#include <nymph_test.h>
#include <fcntl.h>

struct big_how {
	struct open_how how;
	uint64_t extra[2];
};

static int open2(const char *path, struct big_how *b, uint32_t size, uint32_t flags, uint64_t mode)
{
	b->how.how_size = size;
	b->how.how_flags = flags;
	b->how.how_mode = mode;
	return __sys_openat2(AT_FDCWD, path, b);
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	CHECK_OK(stat(path, &st));
	return st.st_mode & 07777;
}

int main(void)
{
	struct big_how b;
	umask(0);

	/* Exact size. */
	memset(&b, 0, sizeof(b));
	int fd = CHECK_OK(open2("exact", &b, sizeof(struct open_how), O_RDWR | O_CREAT | O_EXCL, 0640));
	CHECK_EQ(write(fd, "hello", 5), 5);
	CHECK_OK(close(fd));
	CHECK_EQ(mode_of("exact"), 0640);
	memset(&b, 0, sizeof(b));
	fd = CHECK_OK(open2("exact", &b, sizeof(struct open_how), O_RDONLY, 0));
	char got[8] = { 0 };
	CHECK_EQ(read(fd, got, sizeof(got)), 5);
	CHECK(memcmp(got, "hello", 5) == 0);
	CHECK_OK(close(fd));

	/* Larger, zero tail: accepted. */
	memset(&b, 0, sizeof(b));
	fd = CHECK_OK(open2("bigger", &b, sizeof(b), O_WRONLY | O_CREAT, 0604));
	CHECK_OK(close(fd));
	CHECK_EQ(mode_of("bigger"), 0604);

	/* Larger, non-zero tail: E2BIG, and nothing was created. */
	memset(&b, 0, sizeof(b));
	b.extra[1] = 1;
	CHECK_ERRNO(open2("tail", &b, sizeof(b), O_WRONLY | O_CREAT, 0600), E2BIG);
	struct stat st;
	CHECK_ERRNO(stat("tail", &st), ENOENT);
	/* A non-zero byte past what the caller says it passes is not looked at. */
	fd = CHECK_OK(open2("tail", &b, sizeof(struct open_how) + 8, O_WRONLY | O_CREAT, 0600));
	CHECK_OK(close(fd));

	/* Smaller: how_mode is not passed, so it is zero (the garbage there is ignored). */
	memset(&b, 0, sizeof(b));
	fd = CHECK_OK(open2("small", &b, 8, O_WRONLY | O_CREAT, 0777));
	CHECK_OK(close(fd));
	CHECK_EQ(mode_of("small"), 0);

	/* Too small, or absurdly large. */
	CHECK_ERRNO(open2("tiny", &b, 4, O_WRONLY | O_CREAT, 0600), EINVAL);
	CHECK_ERRNO(open2("huge", &b, 1 << 20, O_WRONLY | O_CREAT, 0600), E2BIG);
	CHECK_ERRNO(stat("tiny", &st), ENOENT);

	/* Unknown flag bits are EINVAL, as for openat. */
	memset(&b, 0, sizeof(b));
	CHECK_ERRNO(open2("exact", &b, sizeof(struct open_how), 0x80000000u, 0), EINVAL);
	return NT_PASS;
}
