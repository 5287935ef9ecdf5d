// abi: freebsd4-i386
/*
 * A directory as 4.x's UFS holds it: a file of 512-byte (DIRBLKSIZ) blocks of
 * `struct direct` records, which read(2) reads as any file (ffs_read serves VDIR):
 *  - a new directory is one block, "." (d_reclen 12) and ".." (the rest, 500), with
 *    the directory's and its parent's inode numbers and DT_DIR; st_size is 512;
 *  - entries follow in the order readdir gives them, none across a block: the last
 *    record of a block takes the rest of it, and st_size grows by blocks;
 *  - read in small pieces, readv over two pieces and pread at an offset give the same
 *    bytes; the offset moves by what was read, and a read at the end gives 0 (even
 *    into a bad buffer, which is EFAULT before the end); a negative pread offset is
 *    EFBIG (ffs_read's check against the largest file);
 *  - fstat agrees with stat; st_blocks covers st_size;
 *  - procfs directories are procfs_getattr's: 512 bytes, the root with 1 link and a
 *    process's directory with 15 (nproc_targets); reading one is EOPNOTSUPP.
 */
#include <nymph_fb4.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

struct iov32 {
	void *base;
	size_t len;
};

enum { BLOCK = 512 }; /* DIRBLKSIZ */

static unsigned u32at(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
}

static unsigned u16at(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static unsigned char img[8192], again[8192];

/* Walks the records of `n` bytes: none crosses a block, each is long enough for its
 * name, and the names are readdir's, in its order. Returns the records seen. */
static int walk(const char *dir, const unsigned char *b, int n)
{
	DIR *d = opendir(dir);
	if (!d)
		FAIL("opendir: errno %s", nt_errname(errno));
	int at = 0, records = 0;
	while (at < n) {
		unsigned reclen = u16at(b + at + 4), namlen = b[at + 7];
		CHECK(reclen >= 8 + ((namlen + 1 + 3) & ~3u));
		CHECK_EQ(reclen % 4, 0);
		CHECK_EQ(at / BLOCK, (at + (int)reclen - 1) / BLOCK);
		CHECK_EQ(b[at + 8 + namlen], 0);
		struct dirent *e = readdir(d);
		if (!e)
			FAIL("record %d (%s) past readdir's end", records, (const char *)b + at + 8);
		CHECK_EQ(e->d_fileno, u32at(b + at));
		CHECK_EQ(e->d_type, b[at + 6]);
		CHECK_EQ(e->d_namlen, namlen);
		CHECK(memcmp(e->d_name, b + at + 8, namlen) == 0);
		at += reclen;
		records++;
	}
	CHECK_EQ(at, n);
	CHECK(readdir(d) == NULL);
	CHECK_OK(closedir(d));
	return records;
}

int main(void)
{
	struct stat st, parent, fst;
	nt_scratch_dir("fb4_dir_blocks");
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(stat("d", &st));
	CHECK_OK(stat(".", &parent));
	CHECK_EQ(st.st_size, 512);
	CHECK(st.st_blocks * 512 >= st.st_size);

	/* A new directory: "." and "..", one block. */
	int fd = CHECK_OK(open("d", O_RDONLY));
	CHECK_OK(fstat(fd, &fst));
	CHECK_EQ(fst.st_size, st.st_size);
	CHECK_EQ(fst.st_ino, st.st_ino);
	CHECK_EQ(read(fd, img, sizeof(img)), 512);
	CHECK_EQ(u32at(img), st.st_ino);
	CHECK_EQ(u16at(img + 4), 12);
	CHECK_EQ(img[6], DT_DIR);
	CHECK_EQ(img[7], 1);
	CHECK(memcmp(img + 8, ".\0\0\0", 4) == 0);
	CHECK_EQ(u32at(img + 12), parent.st_ino);
	CHECK_EQ(u16at(img + 16), 500);
	CHECK_EQ(img[18], DT_DIR);
	CHECK_EQ(img[19], 2);
	CHECK(memcmp(img + 20, "..\0\0", 4) == 0);
	CHECK_EQ(read(fd, img, sizeof(img)), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 512);
	CHECK_OK(close(fd));

	/* 40 names of 3 bytes (12-byte records) leave 8 bytes of the block: the next
	 * record (16 bytes) starts the second, the 40th record taking 20. */
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		CHECK_OK(close(CHECK_OK(open(name, O_WRONLY | O_CREAT, 0644))));
	}
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 512);
	CHECK_OK(mkdir("d/longer", 0755));
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 1024);
	CHECK(st.st_blocks * 512 >= st.st_size);
	CHECK_EQ(st.st_nlink, 3);

	fd = CHECK_OK(open("d", O_RDONLY));
	CHECK_EQ(read(fd, img, sizeof(img)), 1024);
	CHECK_EQ(walk("d", img, 1024), 43);
	CHECK_EQ(u16at(img + 492 + 4), 20);
	CHECK(memcmp(img + 492 + 8, "f39", 4) == 0);
	CHECK_EQ(u16at(img + 512 + 4), 512);
	CHECK_EQ(img[512 + 6], DT_DIR);
	CHECK(memcmp(img + 512 + 8, "longer", 7) == 0);
	CHECK_EQ(img[24 + 6], DT_REG);

	/* The same bytes in pieces of 100, by readv over two pieces, and by pread. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	int got = 0, n;
	while ((n = read(fd, again + got, 100)) > 0)
		got += n;
	CHECK_EQ(n, 0);
	CHECK_EQ(got, 1024);
	CHECK(memcmp(img, again, 1024) == 0);
	CHECK_EQ(lseek(fd, 10, SEEK_SET), 10);
	memset(again, 0, sizeof(again));
	struct iov32 iov[2] = {{again, 90}, {again + 90, 4000}};
	CHECK_EQ(__sys_readv(fd, iov, 2), 1014);
	CHECK(memcmp(img + 10, again, 1014) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1024);
	CHECK_EQ(pread(fd, again, 600, 512), 512);
	CHECK(memcmp(img + 512, again, 512) == 0);
	CHECK_EQ(pread(fd, again, 10, 4096), 0);
	CHECK_ERRNO(pread(fd, again, 10, -1), EFBIG);
	/* At the end a read gives 0 before it touches the buffer; before it, EFAULT. */
	void *bad = nt_page_before_hole() + 4096;
	CHECK_EQ(read(fd, bad, 10), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERRNO(read(fd, bad, 10), EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_OK(close(fd));

	/* procfs: 512 bytes, 1 link at the root, 15 in a process's directory; no reads. */
	CHECK_OK(stat("/proc", &st));
	CHECK_EQ(st.st_size, 512);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_OK(stat("/proc/curproc/", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_size, 512);
	CHECK_EQ(st.st_nlink, 15);
	fd = CHECK_OK(open("/proc", O_RDONLY));
	CHECK_ERRNO(read(fd, img, sizeof(img)), EOPNOTSUPP);
	CHECK_OK(close(fd));
	return 0;
}
