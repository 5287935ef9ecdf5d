// abi: freebsd4-i386
/*
 * The 96-byte struct stat of FreeBSD 4.x stat/fstat/lstat (188/189/190), read as raw
 * bytes at the offsets of reference §4 (not through libc's struct): st_dev u32 @0,
 * st_ino u32 @4, st_mode u16 @8, st_nlink u16 @10, st_uid @12, st_gid @16, st_rdev
 * @20, the three timespecs {i32 sec, i32 nsec} @24/32/40, st_size i64 @48, st_blocks
 * i64 @56, st_blksize u32 @64, st_flags u32 @68. The kernel writes 96 bytes and no
 * more; st_ino agrees with the directory entry's d_fileno.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <dirent.h>
#include <time.h>

#define STAT_SIZE 96
#define GUARD 32

static unsigned char raw[STAT_SIZE + GUARD];

static uint16_t u16(int off) { return (uint16_t)(raw[off] | raw[off + 1] << 8); }
static uint32_t u32(int off) { return (uint32_t)u16(off) | (uint32_t)u16(off + 2) << 16; }
static uint64_t u64(int off) { return (uint64_t)u32(off) | (uint64_t)u32(off + 4) << 32; }

/* A raw stat call (188 stat, 190 lstat with a path; 189 fstat with a descriptor) into
 * `raw`, whose bytes past 96 must stay as they were. */
static void raw_stat(int nr, const char *path, int fd)
{
	memset(raw, 0xa5, sizeof(raw));
	int r = nr == SYS_fstat ? __sys_fstat(fd, raw)
		: nr == SYS_lstat ? __sys_lstat(path, raw)
				  : __sys_stat(path, raw);
	if (r != 0)
		FAIL("syscall %d on %s: errno %s", nr, path ? path : "fd", nt_errname(errno));
	for (int i = STAT_SIZE; i < STAT_SIZE + GUARD; i++)
		if (raw[i] != 0xa5)
			FAIL("syscall %d wrote byte %d, past the 96 of struct stat", nr, i);
}

static void check_time(int off, time_t now)
{
	int32_t sec = (int32_t)u32(off), nsec = (int32_t)u32(off + 4);
	if (sec < now - 60 || sec > now + 60)
		FAIL("timespec at %d: %d s, now is %d", off, sec, (int)now);
	CHECK(nsec >= 0 && nsec < 1000000000);
}

static uint32_t listed_ino(const char *name)
{
	DIR *d = opendir(".");
	CHECK(d != NULL);
	struct dirent *e;
	uint32_t ino = 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp((const char *)e->d_name, name) == 0)
			ino = e->d_fileno;
	closedir(d);
	return ino;
}

int main(void)
{
	nt_scratch_dir("fb4_stat_layout");
	umask(0);
	time_t now = time(NULL);
	raw_stat(SYS_stat, ".", -1);
	uint32_t dir_gid = u32(16);

	static char data[10000];
	memset(data, 'x', sizeof(data));
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0640));
	CHECK_EQ(write(fd, data, sizeof(data)), sizeof(data));

	raw_stat(SYS_stat, "f", -1);
	uint32_t dev = u32(0), ino = u32(4);
	CHECK(ino != 0);
	CHECK_EQ(ino, listed_ino("f"));
	CHECK_EQ(u16(8) & S_IFMT, S_IFREG);
	CHECK_EQ(u16(8) & 07777, 0640);
	CHECK_EQ(u16(10), 1);
	CHECK_EQ(u32(12), getuid());
	CHECK_EQ(u32(16), dir_gid); /* BSD: a new file takes its directory's group */
	check_time(24, now);
	check_time(32, now);
	check_time(40, now);
	CHECK_EQ(u64(48), sizeof(data));
	CHECK((int64_t)u64(56) >= 0);
	CHECK(u32(64) != 0);
	CHECK_EQ(u32(68), 0);

	/* fstat agrees; a hard link counts in st_nlink (u16 at 10). */
	CHECK_OK(link("f", "g"));
	raw_stat(SYS_fstat, NULL, fd);
	CHECK_EQ(u32(0), dev);
	CHECK_EQ(u32(4), ino);
	CHECK_EQ(u16(8) & S_IFMT, S_IFREG);
	CHECK_EQ(u16(10), 2);
	CHECK_EQ(u64(48), sizeof(data));

	/* The size is 64 bits: past 4 GiB the high word is at 52. A file system that cannot
	 * hold such a file may refuse the truncate. */
	const uint64_t big = 0x140000000ULL; /* 5 GiB */
	if (ftruncate(fd, (off_t)big) == 0) {
		raw_stat(SYS_fstat, NULL, fd);
		CHECK_EQ(u32(48), (uint32_t)big);
		CHECK_EQ(u32(52), (uint32_t)(big >> 32));
		CHECK_OK(ftruncate(fd, 0));
	} else if (errno != EFBIG && errno != ENOSPC) {
		FAIL("ftruncate to 5 GiB: errno %s", nt_errname(errno));
	}
	close(fd);

	/* lstat of a symlink: S_IFLNK, the target's length as the size; stat follows it. */
	CHECK_OK(symlink("f", "s"));
	raw_stat(SYS_lstat, "s", -1);
	CHECK_EQ(u16(8) & S_IFMT, S_IFLNK);
	CHECK_EQ(u64(48), 1);
	CHECK(u32(4) != ino);
	raw_stat(SYS_stat, "s", -1);
	CHECK_EQ(u16(8) & S_IFMT, S_IFREG);
	CHECK_EQ(u32(4), ino);

	/* A directory, and the device it lives on. */
	CHECK_OK(mkdir("d", 0755));
	raw_stat(SYS_stat, "d", -1);
	CHECK_EQ(u16(8) & S_IFMT, S_IFDIR);
	CHECK_EQ(u16(8) & 07777, 0755);
	CHECK(u16(10) >= 2);
	CHECK_EQ(u32(0), dev);

	/* libc's struct stat is this layout. */
	struct stat st;
	CHECK_OK(stat("f", &st));
	raw_stat(SYS_stat, "f", -1);
	CHECK(memcmp(&st, raw, 72) == 0); /* through st_flags; atime may move on a read */
	CHECK_EQ(sizeof(st), STAT_SIZE);
	PASS();
}
