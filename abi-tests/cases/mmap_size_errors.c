// abi: all
/*
 * How mmap answers lengths too large (anonymous memory, which costs nothing until
 * touched, so only the address space limits it):
 *  - 4.x i386 (vm_mmap.c mmap): a length of 2 GiB or more is negative as an ssize_t,
 *    EINVAL before anything else; a length that fits no free range below the user
 *    limit is ENOMEM (vm_map_find's KERN_NO_SPACE); just under 2 GiB fits an empty
 *    map, and a second one then does not;
 *  - native: 2 GiB and more map like any length (8 GiB is made at once); a length no
 *    range of the user half holds (128 TiB, or one that wraps) is ENOMEM, found at
 *    once; a zero length is EINVAL.
 */
#include <nymph_test.h>
#include <sys/mman.h>

#define GIB ((size_t)1 << 30)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANON)

int main(void)
{
#ifdef __FreeBSD_version
	CHECK(mmap(NULL, 2 * GIB, RW, ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, 3 * GIB, RW, ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	size_t most = 2 * GIB - 4096;
	char *p = mmap(NULL, most, RW, ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	p[most - 1] = 2;
	errno = 0;
	CHECK(mmap(NULL, most, RW, ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	CHECK(mmap(NULL, most, RW, MAP_SHARED | MAP_ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	CHECK_OK(munmap(p, most));
	p = mmap(NULL, most, RW, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK_EQ(p[most - 1], 0);
	CHECK_OK(munmap(p, most));
#else
	char *p = mmap(NULL, 2 * GIB, RW, ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	p[2 * GIB - 1] = 1;
	CHECK_OK(munmap(p, 2 * GIB));
	p = mmap(NULL, 8 * GIB, RW, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	p[8 * GIB - 1] = 1;
	CHECK_OK(munmap(p, 8 * GIB));
	errno = 0;
	CHECK(mmap(NULL, (size_t)1 << 47, RW, ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	CHECK(mmap(NULL, (size_t)1 << 47, RW, MAP_SHARED | MAP_ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	CHECK(mmap(NULL, (size_t)-8192, RW, ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	CHECK(mmap(NULL, 0, RW, ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
#endif
	PASS();
}
