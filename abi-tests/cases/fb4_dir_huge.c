// abi: freebsd4-i386
/*
 * A directory grown until the kernel's memory says no: hard links with long names to
 * one file (no new nodes, so no node limit stops them) until link(2) gives ENOSPC,
 * which it must rather than the kernel heap running dry (the kernel stopped). Then
 * stat and read(2) of that directory, whose UFS blocks are worked out a batch of
 * entries at a time (building them whole stopped the kernel too): st_size a multiple
 * of 512, the first block "." and ".." (the directory is opened before: at the end,
 * with the heap down to its reserve, opens are ENFILE). Then reads of it as a whole
 * (counts past its size): getdirentries, ogetdirentries and read(2) into one page
 * before a hole are EFAULT, and a 1 MiB read(2) or getdirentries gives 1 MiB, the same
 * bytes both ways; the kernel made such a read's blocks all at once, megabytes of
 * heap it did not have (the kernel stopped). Everything is removed after.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

enum { MAX_LINKS = 400000, MIB = 1 << 20 };

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
	/* Touched now too: at the heap's reserve no page is given to a process. */
	unsigned char *a = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	unsigned char *b = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	memset(a, 1, MIB);
	memset(b, 2, MIB);
	void *page = nt_page_before_hole();
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

	/* Whole-directory counts; one mapped page, then a hole. */
	long base = -1;
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERRNO(__sys_getdirentries(fd, page, 0x7fffffff, &base), EFAULT);
	CHECK_ERRNO(__sys_ogetdirentries(fd, page, 0x7fffffff, &base), EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERRNO(read(fd, page, 0x7fffffff), EFAULT);
	CHECK(st.st_size > MIB);
	CHECK_EQ(pread(fd, a, MIB, 0), MIB);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(__sys_getdirentries(fd, b, MIB, &base), MIB);
	CHECK_EQ(base, 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), MIB);
	CHECK(memcmp(a, b, MIB) == 0);
	/* ogetdirentries: the same records, each d_type byte d_namlen's and that 0. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(__sys_ogetdirentries(fd, b, MIB, &base), MIB);
	for (int at = 0; at < MIB; at += a[at + 4] | a[at + 5] << 8) {
		a[at + 6] = a[at + 7];
		a[at + 7] = 0;
	}
	CHECK(memcmp(a, b, MIB) == 0);
	CHECK_OK(munmap(a, MIB));
	CHECK_OK(munmap(b, MIB));
	CHECK_OK(close(fd));
	for (int i = 0; i < made; i++)
		CHECK_OK(unlink(name(i)));
	CHECK_OK(unlink("big/f"));
	CHECK_OK(rmdir("big"));
	return 0;
}
