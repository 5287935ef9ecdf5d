// abi: freebsd4-i386
/*
 * What `df` and `mount` with no arguments see (getfsstat, statfs) in the 4.x view:
 * - each file system once, by the name that reaches it from a 4.x process: the 4.x
 *   procfs, mounted at /compat/freebsd4/proc, is "/proc" (as a 4.x box's), and the
 *   native procfs that it covers in this view is not listed; statfs("/proc") names
 *   the same; getfsstat's count without a buffer agrees with the list;
 * - procfs's counts as 4.x's procfs_statfs gives them (procfs_vfsops.c): f_bsize and
 *   f_iosize PAGE_SIZE, one block, none free or available, f_files kern.maxproc and
 *   f_ffree that less the processes ("procfs 4 4 0 100% /proc" in df);
 * - devfs, which 4.x lacks, shaped as 4.x's synthetic file systems (fdesc_statfs):
 *   512-byte blocks, 2 of them, none free, no files ("devfs 1 1 0 100% /dev"), not the
 *   root's space counted twice;
 * - the root keeps its own counts and name.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <string.h>

static const char *on(const struct statfs *s) { return (const char *)s->f_mntonname; }
static const char *type(const struct statfs *s) { return (const char *)s->f_fstypename; }

int main(void)
{
	struct statfs all[16];
	int n = CHECK_OK(__sys_getfsstat(all, sizeof(all), 2 /* MNT_NOWAIT */));
	CHECK(n >= 3);
	CHECK_EQ(__sys_getfsstat(NULL, 0, 2), n);
	int roots = 0, devs = 0, procs = 0;
	for (int i = 0; i < n; i++) {
		CHECK(strncmp(on(&all[i]), "/compat/", 8) != 0);
		roots += strcmp(on(&all[i]), "/") == 0;
		devs += strcmp(on(&all[i]), "/dev") == 0;
		procs += strcmp(on(&all[i]), "/proc") == 0;
	}
	CHECK_EQ(roots, 1);
	CHECK_EQ(devs, 1);
	CHECK_EQ(procs, 1);

	int maxproc = 0;
	nt_sysctl_by_name("kern.maxproc", &maxproc, sizeof(maxproc));
	struct statfs p;
	CHECK_OK(__sys_statfs("/proc", &p));
	CHECK_EQ(strcmp(on(&p), "/proc"), 0);
	CHECK_EQ(strcmp(type(&p), "procfs"), 0);
	CHECK_EQ(strcmp((const char *)p.f_mntfromname, "procfs"), 0);
	CHECK_EQ(p.f_bsize, 4096);
	CHECK_EQ(p.f_iosize, 4096);
	CHECK_EQ(p.f_blocks, 1);
	CHECK_EQ(p.f_bfree, 0);
	CHECK_EQ(p.f_bavail, 0);
	CHECK_EQ(p.f_files, maxproc);
	CHECK(p.f_ffree < maxproc && p.f_ffree > 0);
	struct stat st;
	CHECK_OK(stat("/proc/curproc", &st));
	CHECK_EQ(p.f_fsid.val[0], (int32_t)st.st_dev);
	for (int i = 0; i < n; i++)
		if (strcmp(on(&all[i]), "/proc") == 0)
			CHECK_EQ(all[i].f_fsid.val[0], p.f_fsid.val[0]);

	struct statfs d;
	CHECK_OK(__sys_statfs("/dev/null", &d));
	CHECK_EQ(strcmp(on(&d), "/dev"), 0);
	CHECK_EQ(d.f_bsize, 512);
	CHECK_EQ(d.f_iosize, 512);
	CHECK_EQ(d.f_blocks, 2);
	CHECK_EQ(d.f_bfree, 0);
	CHECK_EQ(d.f_bavail, 0);
	CHECK_EQ(d.f_files, 0);
	CHECK_EQ(d.f_ffree, 0);

	struct statfs r;
	CHECK_OK(__sys_statfs("/etc", &r));
	CHECK_EQ(strcmp(on(&r), "/"), 0);
	CHECK(r.f_blocks > 2);
	CHECK(r.f_bfree > 0);
	PASS();
}
