/*
 * Mapping calls cannot reach kernel addresses: MAP_FIXED there fails (EINVAL, or
 * ENOMEM where the ABI says so), a hint there is ignored (the mapping lands in user
 * space), and munmap/mprotect of kernel ranges fail without touching anything (4.x's
 * mprotect clips its range to the user map and succeeds with nothing to change).
 */
#include <nymph_test.h>
#include <sys/mman.h>

#ifdef __FreeBSD_version
#define KERNEL_ADDR ((void *)0xC0000000UL) /* 4.x KERNBASE */
#define USER_LIMIT 0xC0000000UL
#else
#define KERNEL_ADDR ((void *)0xffff800000000000UL)
#define USER_LIMIT 0x800000000000UL
#endif

int main(void)
{
	void *p = mmap(KERNEL_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON | MAP_FIXED,
		       -1, 0);
	CHECK(p == MAP_FAILED);
	CHECK(errno == EINVAL || errno == ENOMEM);

	p = mmap(KERNEL_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK((unsigned long)p < USER_LIMIT);
	*(volatile char *)p = 1;
	CHECK_OK(munmap(p, 4096));

	CHECK_EQ(munmap(KERNEL_ADDR, 4096), -1);
	CHECK(errno == EINVAL || errno == ENOMEM);
#ifdef __FreeBSD_version
	/* 4.x's vm_map_protect clips the range to the user map: nothing left, success. */
	CHECK_OK(mprotect(KERNEL_ADDR, 4096, PROT_READ));
#else
	CHECK_EQ(mprotect(KERNEL_ADDR, 4096, PROT_READ), -1);
	CHECK(errno == EINVAL || errno == ENOMEM || errno == EACCES);
#endif
	/* The kernel still runs us. */
	CHECK(getpid() > 0);
	PASS();
}
