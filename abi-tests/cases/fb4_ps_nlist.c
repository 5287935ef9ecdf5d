// abi: freebsd4-i386
/*
 * What ps's donlist (bin/ps/nlist.c) asks before it computes %cpu and %mem, each by
 * name through sysctlbyname (name2oid {0,3}, then the value): kern.ccpu, 1948
 * (kern_synch.c's ccpu = 0.95122942450071400909 * FSCALE, exp(-1/20), truncated to a
 * fixpt_t), kern.fscale, 2048 (FSCALE, 1 << 11), and hw.availpages, physical memory
 * in pages (machdep.c's physmem). All three are SYSCTL_INT, read-only, format "I": a
 * 4-byte value, 4 again from a size probe (NULL old), and a write EPERM. hw.availpages
 * agrees with hw.physmem (bytes) while memory is below the 2 GiB hw.physmem can say.
 */
#include <nymph_test.h>

/* sysctlbyname's first step: the OID of a name, its length in numbers. */
static int name2oid(const char *name, int *oid)
{
	int meta[2] = {0, 3};
	size_t len = 12 * sizeof(int);
	CHECK_OK(sysctl(meta, 2, oid, &len, name, strlen(name)));
	CHECK(len % sizeof(int) == 0);
	return (int)(len / sizeof(int));
}

/* An int by name, as ps reads it; the kind and format checked too. */
static int int_by_name(const char *name, const int *want_oid)
{
	int oid[12];
	int n = name2oid(name, oid);
	CHECK_EQ(n, 2);
	CHECK_EQ(oid[0], want_oid[0]);
	CHECK_EQ(oid[1], want_oid[1]);

	size_t len = 0;
	CHECK_OK(sysctl(oid, 2, NULL, &len, NULL, 0));
	CHECK_EQ(len, 4);

	int value;
	memset(&value, 0xa5, sizeof(value));
	len = sizeof(value);
	CHECK_OK(sysctl(oid, 2, &value, &len, NULL, 0));
	CHECK_EQ(len, 4);

	unsigned char fmt[16];
	memset(fmt, 0x5a, sizeof(fmt));
	int q[4] = {0, 4, oid[0], oid[1]};
	len = sizeof(fmt);
	CHECK_OK(sysctl(q, 4, fmt, &len, NULL, 0));
	CHECK_EQ(len, 6);
	unsigned kind;
	memcpy(&kind, fmt, 4);
	CHECK_EQ(kind, CTLTYPE_INT | CTLFLAG_RD);
	CHECK(fmt[4] == 'I' && fmt[5] == 0);

	/* Read-only: a new value is EPERM, for anyone. */
	int other = value + 1;
	len = sizeof(value);
	CHECK_ERRNO(sysctl(oid, 2, NULL, &len, &other, sizeof(other)), EPERM);
	return value;
}

int main(void)
{
	CHECK_EQ(int_by_name("kern.ccpu", (int[]){1, 0x103}), 1948);
	CHECK_EQ(int_by_name("kern.fscale", (int[]){1, 0x104}), 2048);
	int pages = int_by_name("hw.availpages", (int[]){6, 0x100});
	CHECK(pages > 0);

	unsigned physmem;
	size_t len = sizeof(physmem);
	CHECK_OK(sysctl((int[]){6, 5}, 2, &physmem, &len, NULL, 0));
	if (physmem < 0x7fffffffu && (unsigned long long)pages * 4096 != physmem)
		FAIL("hw.availpages %d pages, hw.physmem %u bytes", pages, physmem);
	PASS();
}
