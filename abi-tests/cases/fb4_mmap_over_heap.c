// abi: freebsd4-i386
/*
 * What GNU grep 2.x (4.x's /usr/bin/grep) does with its read buffer: it mmaps the
 * file's pages MAP_PRIVATE | MAP_FIXED over page-aligned parts of a buffer malloc
 * took from the break, reads them, and writes into the buffer. The mapping replaces
 * the heap's pages there (their bytes gone, the file's in their place), the heap
 * beside it is untouched, a write is the process's own (the file keeps its bytes),
 * and when the break shrinks below it, obreak's vm_map_delete takes the file mapping
 * out with the heap: grown again, the pages are zero.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/mman.h>

enum { PAGE = 4096 };

int main(void)
{
	CHECK_OK(chdir("/tmp"));
	int fd = CHECK_OK(open("fb4_mmap_over_heap", O_RDWR | O_CREAT | O_TRUNC, 0644));
	static char page[PAGE];
	memset(page, 'a', PAGE);
	CHECK_EQ(write(fd, page, PAGE), PAGE);
	memset(page, 'b', PAGE);
	CHECK_EQ(write(fd, page, PAGE), PAGE);

	char *start = sbrk(0);
	CHECK(sbrk(6 * PAGE) == start);
	char *buf = (char *)(((uintptr_t)start + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	memset(buf, 'h', 4 * PAGE);
	char *m = mmap(buf + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		       fd, 0);
	CHECK(m == buf + PAGE);
	CHECK(m[0] == 'a' && m[PAGE - 1] == 'a' && m[PAGE] == 'b' && m[2 * PAGE - 1] == 'b');
	CHECK(buf[0] == 'h' && buf[PAGE - 1] == 'h' && buf[3 * PAGE] == 'h');
	/* The buffer's own: the file keeps its bytes. */
	m[0] = 'X';
	m[PAGE] = 'Y';
	char c = 0;
	CHECK_EQ(pread(fd, &c, 1, 0), 1);
	CHECK_EQ(c, 'a');
	CHECK_EQ(pread(fd, &c, 1, PAGE), 1);
	CHECK_EQ(c, 'b');
	/* A second mapping over the first, from the file's second page. */
	CHECK(mmap(m, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, PAGE) == m);
	CHECK_EQ(m[0], 'b');
	CHECK_EQ(m[PAGE], 'Y');

	/* The break shrinks below it: the mapping goes with the heap; grown again, the
	 * pages are fresh zeros. */
	CHECK(sbrk(-6 * PAGE) == start + 6 * PAGE);
	CHECK(sbrk(0) == start);
	CHECK(sbrk(6 * PAGE) == start);
	for (int i = 0; i < 4 * PAGE; i += PAGE / 2)
		if (buf[i] != 0)
			FAIL("byte %d of the grown break is %#x, wanted 0", i, (unsigned char)buf[i]);
	/* And it is heap again, writable. */
	memset(buf, 'z', 4 * PAGE);
	CHECK(sbrk(-6 * PAGE) == start + 6 * PAGE);
	close(fd);
	unlink("fb4_mmap_over_heap");
	PASS();
}
