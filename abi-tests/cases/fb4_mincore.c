// abi: freebsd4-i386
/*
 * mincore as 4.x answers it (vm_mmap.c): a byte per page from the page holding the
 * address on; MINCORE_INCORE (1) for a page in memory; 0 for one mapped but never
 * touched and for an unmapped gap (filled with zeros, not an error); EINVAL for a
 * range past the user space; EFAULT for a bad vector.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/mman.h>

#define PAGE 4096

int main(void)
{
	unsigned char vec[8];
	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 1;
	m[2 * PAGE] = 1;
	memset(vec, 0xee, sizeof(vec));
	CHECK_OK(__sys_mincore(m, 4 * PAGE, vec));
	CHECK_EQ(vec[0] & 1, 1);
	CHECK_EQ(vec[1], 0);
	CHECK_EQ(vec[2] & 1, 1);
	CHECK_EQ(vec[3], 0);
	CHECK_EQ(vec[4], 0xee);
	/* An unaligned start covers its whole page; a length within one page is one byte. */
	memset(vec, 0xee, sizeof(vec));
	CHECK_OK(__sys_mincore(m + 100, 10, vec));
	CHECK_EQ(vec[0] & 1, 1);
	CHECK_EQ(vec[1], 0xee);
	/* A gap: unmap the second page; its byte is 0 and the call succeeds. */
	CHECK_OK(munmap(m + PAGE, PAGE));
	memset(vec, 0xee, sizeof(vec));
	CHECK_OK(__sys_mincore(m, 3 * PAGE, vec));
	CHECK_EQ(vec[1], 0);
	CHECK_EQ(vec[2] & 1, 1);
	/* The stack is in memory; a range past USRSTACK is EINVAL; a bad vector EFAULT. */
	CHECK_OK(__sys_mincore((void *)((unsigned long)vec & ~(PAGE - 1UL)), 1, vec));
	CHECK_EQ(vec[0] & 1, 1);
	CHECK_ERRNO(__sys_mincore((void *)0xbfbff000, 2 * PAGE, vec), EINVAL);
	CHECK_ERRNO(__sys_mincore(m, PAGE, (void *)8), EFAULT);
	CHECK_OK(__sys_mincore(m, 0, (void *)8));
	PASS();
}
