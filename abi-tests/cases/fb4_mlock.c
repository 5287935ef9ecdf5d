// abi: freebsd4-i386
/*
 * Memory locking as 4.x's vm_mmap.c does it on i386 (no root check; pmap_wired_count):
 *  - mlock brings the pages in now (mincore reports them resident untouched), from the
 *    page holding addr through addr + len;
 *  - EINVAL for a range wrapping past 4 GiB; EAGAIN past the system's bound (checked
 *    first); ENOMEM past RLIMIT_MEMLOCK (the range's size plus what is locked) and for
 *    a range with an unmapped page;
 *  - munlock gives the count back; unlocking what is not locked is ENOMEM;
 *  - locks are not inherited by fork and do not need root;
 *  - mlockall (a stub in 4.x; 5.x's semantics): EINVAL for no or unknown flags,
 *    MCL_CURRENT brings in and locks everything mapped, MCL_FUTURE later mappings;
 *    munlockall undoes both.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096
#define MCL_CURRENT_ 1
#define MCL_FUTURE_ 2

struct rl {
	unsigned long long cur, max;
};

static int memlock_limit(unsigned long long cur)
{
	struct rl r = { cur, RLIM_INFINITY };
	return __sys_setrlimit(RLIMIT_MEMLOCK, &r);
}

/* The mincore bytes of `n` pages from `p`, 1 bit each, page 0 lowest. */
static unsigned resident(char *p, int n)
{
	unsigned char vec[32];
	unsigned bits = 0;
	if (__sys_mincore(p, n * PAGE, vec) != 0)
		return 0xdead;
	for (int i = 0; i < n; i++)
		bits |= (unsigned)(vec[i] & 1) << i;
	return bits;
}

static char *anon(int pages)
{
	char *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(m != MAP_FAILED);
	return m;
}

int main(void)
{
	char *m = anon(8);
	CHECK_EQ(resident(m, 8), 0);

	/* Brought in now; an unaligned start covers its page. */
	CHECK_OK(__sys_mlock(m, 2 * PAGE));
	CHECK_EQ(resident(m, 8), 0x3);
	CHECK_OK(__sys_mlock(m + 2 * PAGE + 100, 10));
	CHECK_EQ(resident(m, 8), 0x7);
	CHECK_EQ(m[PAGE], 0);
	CHECK_OK(__sys_mlock(m + 7 * PAGE, 0));
	CHECK_EQ(resident(m, 8), 0x7);

	/* munlock: the pages stay; a range not all locked is ENOMEM. */
	CHECK_OK(__sys_munlock(m, 3 * PAGE));
	CHECK_EQ(resident(m, 8), 0x7);
	CHECK_ERRNO(__sys_munlock(m, PAGE), ENOMEM);
	CHECK_ERRNO(__sys_munlock(m + 5 * PAGE, PAGE), ENOMEM);

	/* Errors. */
	CHECK_ERRNO(__sys_mlock(m, (unsigned)-1), EINVAL);
	CHECK_ERRNO(__sys_mlock((void *)0xfffff000, 2 * PAGE), EINVAL);
	CHECK_ERRNO(__sys_munlock(m, (unsigned)-PAGE), EINVAL);
	CHECK_ERRNO(__sys_mlock(m, 0x40000000), EAGAIN); /* a third of memory at most */
	CHECK_OK(munmap(m + 6 * PAGE, PAGE));
	CHECK_ERRNO(__sys_mlock(m + 5 * PAGE, 2 * PAGE), ENOMEM);
	CHECK_EQ(resident(m, 6), 0x7); /* nothing brought in on failure */
	CHECK_ERRNO(__sys_mlock((void *)0xbfc00000, PAGE), ENOMEM);

	/* RLIMIT_MEMLOCK: size + locked; munlock gives it back. */
	CHECK_OK(memlock_limit(3 * PAGE));
	CHECK_OK(__sys_mlock(m, 2 * PAGE));
	CHECK_ERRNO(__sys_mlock(m + 3 * PAGE, 2 * PAGE), ENOMEM);
	CHECK_EQ(resident(m, 6) & 0x18, 0);
	CHECK_OK(__sys_mlock(m + 3 * PAGE, PAGE));
	CHECK_OK(__sys_munlock(m, 2 * PAGE));
	CHECK_OK(__sys_mlock(m + 4 * PAGE, 2 * PAGE));
	CHECK_EQ(resident(m, 6), 0x3f);
	/* mlockall counts everything against it too. */
	CHECK_ERRNO(__sys_mlockall(MCL_CURRENT_), ENOMEM);
	CHECK_OK(memlock_limit(RLIM_INFINITY));

	/* Not inherited by fork; no root needed. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_ERRNO(__sys_munlock(m + 3 * PAGE, PAGE), ENOMEM);
		CHECK_OK(setuid(1000));
		CHECK_OK(__sys_mlock(m, PAGE));
		CHECK_OK(__sys_munlock(m, PAGE));
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	CHECK_OK(__sys_munlock(m + 3 * PAGE, PAGE)); /* still the parent's */

	/* mlockall and munlockall. */
	CHECK_ERRNO(__sys_mlockall(0), EINVAL);
	CHECK_ERRNO(__sys_mlockall(4), EINVAL);
	char *fresh = anon(3);
	CHECK_EQ(resident(fresh, 3), 0);
	CHECK_OK(__sys_mlockall(MCL_CURRENT_));
	CHECK_EQ(resident(fresh, 3), 0x7);
	CHECK_OK(__sys_munlock(fresh, 3 * PAGE));
	char *later = anon(2);
	CHECK_EQ(resident(later, 2), 0); /* MCL_CURRENT alone: not later ones */
	CHECK_OK(__sys_munlockall());
	CHECK_ERRNO(__sys_munlock(m, PAGE), ENOMEM);
	CHECK_OK(__sys_mlockall(MCL_FUTURE_));
	later = anon(2);
	CHECK_EQ(resident(later, 2), 0x3);
	CHECK_OK(__sys_munlock(later, 2 * PAGE));
	CHECK_OK(__sys_munlockall());
	later = anon(2);
	CHECK_EQ(resident(later, 2), 0);
	PASS();
}
