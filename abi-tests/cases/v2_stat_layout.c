// abi: native-v2
/*
 * v2's 160-byte struct stat, read as raw bytes at the spec's offsets (not through
 * libc's struct): st_struct_size u32 @0, st_mode u32 @4, st_dev @8, st_ino @16,
 * st_nlink @24, st_uid @32 and st_gid @40 (64-bit in v2), st_rdev @48, st_size @56,
 * st_blocks @64, st_blksize @72, st_flags @80, st_gen @88, then the timespecs
 * {i64 sec, i64 nsec} atime @96, mtime @112, ctime @128, birthtime @144. The kernel
 * writes 160 bytes and no more; a caller offering v1's 144 bytes gets EINVAL.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <time.h>

#define STAT_SIZE 160
#define GUARD 32

static unsigned char raw[STAT_SIZE + GUARD];

static uint32_t u32(int off) { return (uint32_t)raw[off] | (uint32_t)raw[off + 1] << 8 | (uint32_t)raw[off + 2] << 16 | (uint32_t)raw[off + 3] << 24; }
static uint64_t u64(int off) { return (uint64_t)u32(off) | (uint64_t)u32(off + 4) << 32; }

static void raw_fstat(int fd, uint32_t size)
{
	memset(raw, 0xa5, sizeof(raw));
	memcpy(raw, &size, sizeof(size));
	CHECK_OK(__sys_fstat(fd, raw));
}

int main(void)
{
	_Static_assert(sizeof(struct stat) == STAT_SIZE, "v2 struct stat is 160 bytes");
	umask(0);
	int fd = CHECK_OK(open("v2stat", O_RDWR | O_CREAT | O_TRUNC, 0640));
	char buf[1234];
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	struct timespec times[2] = {
		{ .tv_sec = 1000000000, .tv_nsec = 123456789 },
		{ .tv_sec = 1500000000, .tv_nsec = 987654321 },
	};
	CHECK_OK(utimensat(AT_FDCWD, "v2stat", times, 0));

	raw_fstat(fd, STAT_SIZE);
	CHECK_EQ(u32(0), STAT_SIZE);
	CHECK_EQ(u32(4), S_IFREG | 0640);
	CHECK_EQ(u64(24), 1);
	CHECK_EQ(u64(32), (uint64_t)getuid());
	CHECK_EQ(u64(40), (uint64_t)getgid());
	CHECK_EQ(u64(56), sizeof(buf));
	CHECK(u64(72) > 0);
	CHECK_EQ(u64(96), 1000000000);
	CHECK_EQ(u64(104), 123456789);
	CHECK_EQ(u64(112), 1500000000);
	CHECK_EQ(u64(120), 987654321);
	CHECK(u64(128) > 0 && u64(136) < 1000000000);
	for (int i = STAT_SIZE; i < STAT_SIZE + GUARD; i++)
		CHECK_EQ(raw[i], 0xa5);

	/* The same file through libc's (generated) struct and through fstatat. */
	struct stat st;
	CHECK_OK(stat("v2stat", &st));
	CHECK_EQ(st.st_ino, u64(16));
	CHECK_EQ(st.st_dev, u64(8));
	CHECK_EQ(st.st_size, 1234);
	CHECK_EQ(st.st_mtim.tv_nsec, 987654321);

	/* A larger caller struct is fine (160 bytes written, the size stored back);
	 * v1's 144 bytes are too small for v2's stat. */
	raw_fstat(fd, STAT_SIZE + GUARD);
	CHECK_EQ(u32(0), STAT_SIZE);
	CHECK_EQ(raw[STAT_SIZE], 0xa5);
	memset(raw, 0, sizeof(raw));
	raw[0] = 144;
	CHECK_ERRNO(__sys_fstat(fd, raw), EINVAL);
	CHECK_OK(close(fd));
	return NT_PASS;
}
