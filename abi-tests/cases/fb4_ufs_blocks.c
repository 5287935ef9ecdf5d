// abi: freebsd4-i386
/*
 * st_blocks and st_blksize as a FreeBSD 4.8 UFS made with newfs's defaults (16384-byte
 * blocks, 2048-byte fragments) gives them, so `ls -s`, `ls -l`'s "total" and du
 * agree with a 4.x disk (ffs_balloc, ufs_getattr, ffs_statfs):
 *  - st_blksize is the block, 16384, for files, directories and symbolic links;
 *  - a file within the 12 direct blocks: whole blocks, its last block only the
 *    fragments its bytes need (1 byte: 4 sectors; 2049: 8; 16385: 32 + 4);
 *  - past them every block is whole and a single-indirect block is added;
 *  - a hole holds nothing, but the block with the last byte always counts (a write
 *    far out: that block and the indirect one; ftruncate up: the last fragment);
 *  - a symbolic link under 60 bytes lives in the inode (0), a longer one a fragment;
 *  - a directory: its size in fragments (a new one 4, five blocks of entries 8);
 *  - statfs: f_bsize the fragment, f_iosize the block.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

static long blocks_of(const char *path)
{
	struct stat st;
	CHECK_OK(lstat(path, &st));
	CHECK_EQ(st.st_blksize, 16384);
	return (long)st.st_blocks;
}

static void make_file(const char *path, long size)
{
	static char buf[16384];
	memset(buf, 'x', sizeof(buf));
	int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	while (size > 0) {
		long n = size < (long)sizeof(buf) ? size : (long)sizeof(buf);
		CHECK_EQ(write(fd, buf, (size_t)n), n);
		size -= n;
	}
	CHECK_OK(close(fd));
}

int main(void)
{
	nt_scratch_dir("fb4_ufs_blocks");
	make_file("empty", 0);
	CHECK_EQ(blocks_of("empty"), 0);
	make_file("one", 1);
	CHECK_EQ(blocks_of("one"), 4);
	make_file("frag2", 2049);
	CHECK_EQ(blocks_of("frag2"), 8);
	make_file("block", 16384);
	CHECK_EQ(blocks_of("block"), 32);
	make_file("block1", 16385);
	CHECK_EQ(blocks_of("block1"), 36);
	make_file("direct", 12L * 16384);
	CHECK_EQ(blocks_of("direct"), 12 * 32);
	make_file("indirect", 12L * 16384 + 1);
	CHECK_EQ(blocks_of("indirect"), 13 * 32 + 32);

	/* One byte 1 MiB out: block 64 and the single-indirect block; 0..63 are holes. */
	int fd = CHECK_OK(open("sparse", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(pwrite(fd, "y", 1, 1 << 20), 1);
	CHECK_OK(close(fd));
	CHECK_EQ(blocks_of("sparse"), 32 + 32);
	/* ftruncate up to 100000 bytes: only the last byte's fragment is allocated. */
	fd = CHECK_OK(open("grown", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK_OK(ftruncate(fd, 100000));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_blocks, 4);
	CHECK_EQ(st.st_blksize, 16384);
	CHECK_OK(close(fd));

	char target[101];
	memset(target, 't', 100);
	target[100] = '\0';
	CHECK_OK(symlink("one", "short"));
	CHECK_EQ(blocks_of("short"), 0);
	CHECK_OK(symlink(target, "long"));
	CHECK_EQ(blocks_of("long"), 4);

	CHECK_OK(mkdir("d", 0755));
	CHECK_EQ(blocks_of("d"), 4);
	/* 40 + 4 * 42 three-letter names fill five blocks: 2560 bytes, two fragments. */
	for (int i = 0; i < 208; i++) {
		char path[16];
		snprintf(path, sizeof(path), "d/%03d", i);
		CHECK_OK(mkfifo(path, 0644));
	}
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 2560);
	CHECK_EQ(blocks_of("d"), 8);

	struct statfs sf;
	CHECK_OK(__sys_statfs(".", &sf));
	CHECK_EQ(sf.f_bsize, 2048);
	CHECK_EQ(sf.f_iosize, 16384);
	PASS();
}
