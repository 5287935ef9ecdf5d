// abi: freebsd4-i386
/*
 * A directory grown until the kernel's memory says no: hard links with long names to
 * one file (no new nodes, so no node limit stops them) until link(2) gives ENOSPC,
 * which it must rather than the kernel heap running dry (the kernel stopped). Then
 * stat and read(2) of that directory, whose UFS blocks are worked out a batch of
 * entries at a time (building them whole stopped the kernel too): st_size a multiple
 * of 512, the first block "." and ".." (the directory is opened before: at the end,
 * with the heap down to its reserve, opens are ENFILE). Everything is removed after.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

enum { MAX_LINKS = 400000 };

static char path[400];

static const char *name(int i)
{
	int n = snprintf(path, sizeof(path), "big/%07d", i);
	memset(path + n, 'a', 240);
	path[n + 240] = 0;
	return path;
}

int main(void)
{
	nt_scratch_dir("fb4_dir_huge");
	CHECK_OK(mkdir("big", 0755));
	nt_write_file("big/f", "x");
	/* Opened now: at the end the heap is down to its reserve, where opens are ENFILE. */
	int fd = CHECK_OK(open("big", O_RDONLY));
	int made;
	for (made = 0; made < MAX_LINKS; made++) {
		if (link("big/f", name(made)) != 0) {
			CHECK_EQ(errno, ENOSPC);
			break;
		}
	}
	CHECK(made > 1000 && made < MAX_LINKS);
	struct stat st;
	CHECK_OK(stat("big", &st));
	CHECK_EQ(st.st_size % 512, 0);
	/* 2 + made records of 256 bytes each, two to a block, and "f". */
	CHECK(st.st_size >= (long long)(made + 1) / 2 * 512);
	unsigned char block[512];
	CHECK_EQ(read(fd, block, sizeof(block)), 512);
	CHECK_EQ(block[4] | block[5] << 8, 12);
	CHECK(memcmp(block + 8, ".\0\0\0", 4) == 0);
	CHECK(memcmp(block + 20, "..\0\0", 4) == 0);
	CHECK_OK(close(fd));
	for (int i = 0; i < made; i++)
		CHECK_OK(unlink(name(i)));
	CHECK_OK(unlink("big/f"));
	CHECK_OK(rmdir("big"));
	return 0;
}
