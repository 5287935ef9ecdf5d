// abi: freebsd4-i386
/*
 * __sysctl (202) with the MIBs a 4.x libc asks for, and uname (reference §4 "struct
 * utsname and sysctl"; kern_sysctl.c userland_sysctl / sysctl_old_user, kern_xxx.c):
 *  - kern.ostype "FreeBSD"; kern.osrelease "4.<minor>..." agreeing with kern.osreldate
 *    (= __FreeBSD_version, 4.x's 4MMxxx); hw.pagesize 4096; hw.machine and
 *    hw.machine_arch "i386"; kern.ps_strings 0xBFBFFFF0; kern.usrstack 0xBFC00000;
 *    kern.argmax 65536; hw.ncpu >= 1; integers are 4 bytes;
 *  - name2oid {0,3} of "kern.ostype" (the name as the new value, no NUL, as
 *    sysctlbyname sends it) is {1,1}, 8 bytes; an unknown name ENOENT;
 *  - old == NULL: *oldlenp gets the size; a short buffer gets what fits, ENOMEM, and
 *    *oldlenp = the bytes copied; an unknown OID ENOENT; namelen outside 2..12 EINVAL;
 *    a new value for a read-only node EPERM;
 *  - uname(): libc's five sysctls (sysname, nodename, release, version with newlines
 *    and tabs as spaces, machine), each cut to 31 characters;
 *  - the uname system call (164), which 4.x keeps for FreeBSD 1.1 binaries: the same
 *    fields, except that version is kern.version from its '#' up to the next ':'.
 */
#include <nymph_test.h>
#include <unistd.h>

static size_t get(int a, int b, void *buf, size_t room)
{
	int mib[2] = {a, b};
	size_t len = room;
	if (sysctl(mib, 2, buf, &len, NULL, 0) < 0)
		FAIL("sysctl {%d,%d}: errno %s", a, b, nt_errname(errno));
	return len;
}

static int32_t get_int(int a, int b)
{
	int32_t v = 0;
	size_t len = get(a, b, &v, sizeof(v));
	if (len != 4)
		FAIL("sysctl {%d,%d}: %u bytes, wanted an int (4)", a, b, (unsigned)len);
	return v;
}

static void get_str(int a, int b, char *buf, size_t room)
{
	memset(buf, 0x5a, room);
	size_t len = get(a, b, buf, room);
	if (len == 0 || len > room || buf[len - 1] != '\0' || strlen(buf) != len - 1)
		FAIL("sysctl {%d,%d}: %u bytes, not one NUL-terminated string", a, b, (unsigned)len);
}

int main(void)
{
	char s[256];

	get_str(CTL_KERN, KERN_OSTYPE, s, sizeof(s));
	CHECK_EQ(strcmp(s, "FreeBSD"), 0);

	int32_t osreldate = get_int(CTL_KERN, KERN_OSRELDATE);
	CHECK_EQ(osreldate, __FreeBSD_version);
	CHECK(osreldate >= 400000 && osreldate < 500000);
	char release[256];
	get_str(CTL_KERN, KERN_OSRELEASE, release, sizeof(release));
	/* 4.x's osreldate is 4Mxxxx with M the minor release's first digit: 480101 is
	 * 4.8, 411000 4.11. */
	char want_prefix[8];
	snprintf(want_prefix, sizeof(want_prefix), "4.%d", (int)(osreldate / 10000 % 10));
	if (strncmp(release, want_prefix, strlen(want_prefix)) != 0)
		FAIL("kern.osrelease \"%s\" does not go with kern.osreldate %d (\"%s...\")", release,
		     (int)osreldate, want_prefix);

	CHECK_EQ(get_int(CTL_HW, HW_PAGESIZE), 4096);
	CHECK_EQ(getpagesize(), 4096);
	get_str(CTL_HW, HW_MACHINE, s, sizeof(s));
	CHECK_EQ(strcmp(s, "i386"), 0);
	get_str(CTL_HW, HW_MACHINE_ARCH, s, sizeof(s));
	CHECK_EQ(strcmp(s, "i386"), 0);
	CHECK(get_int(CTL_HW, HW_NCPU) >= 1);
	CHECK_EQ((uint32_t)get_int(CTL_KERN, KERN_PS_STRINGS), 0xBFBFFFF0u);
	CHECK_EQ((uint32_t)get_int(CTL_KERN, KERN_USRSTACK), 0xBFC00000u);
	CHECK_EQ(get_int(CTL_KERN, KERN_ARGMAX), 65536);
	/* What 4.x libc's sysconf() asks: POSIX.1 version, groups, job control. */
	CHECK_EQ(get_int(CTL_KERN, 17 /* KERN_POSIX1 */), 199309);
	CHECK_EQ(get_int(CTL_KERN, 18 /* KERN_NGROUPS */), 16);
	CHECK_EQ(get_int(CTL_KERN, 19 /* KERN_JOB_CONTROL */), 1);
	CHECK(get_int(CTL_KERN, 28 /* KERN_MAXPROCPERUID */) > 0);
	CHECK_EQ(get_int(CTL_HW, 4 /* HW_BYTEORDER */), 1234);
	CHECK(get_int(CTL_HW, 5 /* HW_PHYSMEM */) >= 16 * 1024 * 1024);
	int32_t clock[5];
	CHECK_EQ(get(CTL_KERN, 12 /* KERN_CLOCKRATE */, clock, sizeof clock), sizeof clock);
	CHECK(clock[0] > 0 && clock[1] == 1000000 / clock[0]);

	/* name2oid, as sysctlbyname asks: the name without its NUL as the new value. */
	int meta[2] = {0, 3};
	int oid[12];
	memset(oid, 0xa5, sizeof(oid));
	size_t len = sizeof(oid);
	const char *name = "kern.ostype";
	CHECK_OK(sysctl(meta, 2, oid, &len, name, strlen(name)));
	CHECK_EQ(len, 8);
	CHECK_EQ(oid[0], CTL_KERN);
	CHECK_EQ(oid[1], KERN_OSTYPE);
	CHECK_EQ(oid[2], (int)0xa5a5a5a5);
	len = sizeof(oid);
	name = "hw.pagesize";
	CHECK_OK(sysctl(meta, 2, oid, &len, name, strlen(name)));
	CHECK_EQ(len, 8);
	CHECK_EQ(oid[0], CTL_HW);
	CHECK_EQ(oid[1], HW_PAGESIZE);
	len = sizeof(oid);
	name = "kern.no_such_name";
	CHECK_ERRNO(sysctl(meta, 2, oid, &len, name, strlen(name)), ENOENT);

	/* The size alone. */
	int mib[2] = {CTL_KERN, KERN_OSTYPE};
	len = 0;
	CHECK_OK(sysctl(mib, 2, NULL, &len, NULL, 0));
	CHECK_EQ(len, sizeof("FreeBSD"));
	/* A short buffer: what fits, ENOMEM, and the bytes copied. */
	memset(s, 0x5a, sizeof(s));
	len = 3;
	CHECK_ERRNO(sysctl(mib, 2, s, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 3);
	CHECK_EQ(memcmp(s, "Fre", 3), 0);
	CHECK_EQ(s[3], 0x5a);
	int32_t small = 0x5a5a5a5a;
	int pagesize_mib[2] = {CTL_HW, HW_PAGESIZE};
	len = 2;
	CHECK_ERRNO(sysctl(pagesize_mib, 2, &small, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 2);
	CHECK_EQ((uint32_t)small, 0x5a5a1000u); /* the low two bytes of 4096 */

	/* Unknown OIDs, bad lengths, writes to read-only nodes. */
	int unknown[2] = {CTL_KERN, 9999};
	len = sizeof(s);
	CHECK_ERRNO(sysctl(unknown, 2, s, &len, NULL, 0), ENOENT);
	int unknown_top[2] = {9999, 1};
	len = sizeof(s);
	CHECK_ERRNO(sysctl(unknown_top, 2, s, &len, NULL, 0), ENOENT);
	len = sizeof(s);
	CHECK_ERRNO(sysctl(mib, 1, s, &len, NULL, 0), EINVAL);
	int deep[13] = {CTL_KERN, KERN_OSTYPE};
	len = sizeof(s);
	CHECK_ERRNO(sysctl(deep, 13, s, &len, NULL, 0), EINVAL);
	CHECK_ERRNO(sysctl(mib, 2, NULL, NULL, "Linux", 6), EPERM);

	/* libc's uname: the sysctl strings, cut to SYS_NMLN - 1. */
	char hostname[256], version[512];
	get_str(CTL_KERN, KERN_HOSTNAME, hostname, sizeof(hostname));
	memset(version, 0, sizeof(version));
	get(CTL_KERN, KERN_VERSION, version, sizeof(version) - 1);
	struct utsname u;
	memset(&u, 0x5a, sizeof(u));
	CHECK_OK(uname(&u));
	CHECK_EQ(sizeof(u), 160);
	CHECK_EQ(strcmp((char *)u.sysname, "FreeBSD"), 0);
	CHECK_EQ(strncmp((char *)u.nodename, hostname, SYS_NMLN - 1), 0);
	CHECK_EQ(strncmp((char *)u.release, release, SYS_NMLN - 1), 0);
	CHECK_EQ(strcmp((char *)u.machine, "i386"), 0);
	char v[SYS_NMLN];
	snprintf(v, sizeof(v), "%s", version);
	for (char *p = v; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = p[1] ? ' ' : '\0';
	CHECK_EQ(strcmp((char *)u.version, v), 0);

	/* The system call: the same, with the FreeBSD 1.1 version field. */
	memset(&u, 0x5a, sizeof(u));
	CHECK_OK(__sys_uname(&u));
	CHECK_EQ(strcmp((char *)u.sysname, "FreeBSD"), 0);
	CHECK_EQ(strncmp((char *)u.nodename, hostname, SYS_NMLN - 1), 0);
	CHECK_EQ(strncmp((char *)u.release, release, SYS_NMLN - 1), 0);
	CHECK_EQ(strcmp((char *)u.machine, "i386"), 0);
	const char *hash = strchr(version, '#');
	CHECK(hash != NULL);
	size_t n = strcspn(hash, ":");
	if (strlen((char *)u.version) != n || strncmp((char *)u.version, hash, n) != 0)
		FAIL("uname(2) version \"%s\", wanted \"%.*s\" (kern.version \"%s\" from '#' to ':')",
		     (char *)u.version, (int)n, hash, version);
	PASS();
}
