// abi: freebsd4-i386
/*
 * The file system types under CTL_VFS as 4.x's vfs_subr.c vfs_sysctl and
 * sysctl_ovfs_conf serve them, read the way 4.x's libc does (getvfsbyname.c, what
 * mount(8), every mount_* program and lsvfs call; getvfsent.c's table):
 * - vfs.generic (3.0) is a node with a handler: VFS_MAXTYPENUM (1) is one past the
 *   highest typenum; VFS_CONF (2) and a typenum give the 36-byte struct vfsconf,
 *   EOPNOTSUPP for a number no type has (typenum 0: typenums start at VFS_GENERIC + 1
 *   as vfs_register hands them out); ENOTDIR for the wrong count of numbers after
 *   either; any other number EOPNOTSUPP; nothing after it is the ovfsconf table (48
 *   bytes a type, vfc_vfsops non-zero: getvfsent skips entries where it is 0);
 * - getvfsbyname("procfs") finds it byte-exact: vfc_vfsops and vfc_next 0, the name
 *   and zeros, typenum 3 (Nymph's types are tmpfs 1, devfs 2, procfs 3), vfc_refcount
 *   the procfs mounts getfsstat lists, vfc_flags VFCF_SYNTHETIC (procfs_vfsops.c's
 *   VFS_SET); a name no type has is ENOENT;
 * - a procfs mounted raises its refcount by one, unmounted lowers it again (root only);
 * - statfs's f_type is the typenum: "/" tmpfs, "/dev" devfs, "/proc" procfs;
 * - name2oid stops at a node with a handler (vfs.generic.maxtypenum is ENOENT), oidfmt
 *   of vfs.generic is CTLTYPE_NODE | CTLFLAG_RD "N", a new value EPERM, a short buffer
 *   ENOMEM with what fits.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCFS_TYPENUM 3
#define NTYPES 3

/* 4.x libc getvfsbyname: VFS_MAXTYPENUM, then VFS_CONF of each number below it,
 * passing over EOPNOTSUPP, until the name matches; ENOENT if none does. */
static int getvfsbyname4(const char *fsname, struct vfsconf *vfcp)
{
	int name[4] = {CTL_VFS, VFS_GENERIC, VFS_MAXTYPENUM, 0};
	int maxtypenum;
	size_t buflen = 4;
	if (sysctl(name, 3, &maxtypenum, &buflen, NULL, 0) < 0)
		return -1;
	name[2] = VFS_CONF;
	buflen = sizeof(*vfcp);
	for (int cnt = 0; cnt < maxtypenum; cnt++) {
		name[3] = cnt;
		if (sysctl(name, 4, vfcp, &buflen, NULL, 0) < 0) {
			if (errno != EOPNOTSUPP)
				return -1;
			continue;
		}
		if (strcmp(fsname, (const char *)vfcp->vfc_name) == 0)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

/* How many mounted file systems getfsstat lists of type `type`. */
static int mounts_of(const char *type)
{
	static struct statfs all[32];
	int n = CHECK_OK(__sys_getfsstat(all, sizeof(all), 0));
	CHECK(n > 0 && n <= 32);
	int count = 0;
	for (int i = 0; i < n; i++)
		if (strcmp((const char *)all[i].f_fstypename, type) == 0)
			count++;
	return count;
}

/* The vfsconf of `typenum` into a buffer with guard bytes; checks the length. */
static void conf_of(int typenum, struct vfsconf *out)
{
	struct {
		struct vfsconf c;
		unsigned char after[8];
	} buf;
	memset(&buf, 0xa5, sizeof(buf));
	int mib[4] = {CTL_VFS, VFS_GENERIC, VFS_CONF, typenum};
	size_t len = sizeof(buf);
	CHECK_OK(sysctl(mib, 4, &buf, &len, NULL, 0));
	CHECK_EQ(len, 36);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(buf.after[i], 0xa5);
	*out = buf.c;
}

/* The struct vfsconf 4.x gives for a type, byte for byte. */
static void check_conf(const struct vfsconf *got, const char *name, int typenum,
		       int refcount, int flags)
{
	struct vfsconf want;
	memset(&want, 0, sizeof(want));
	memcpy(want.vfc_name, name, strlen(name));
	want.vfc_typenum = typenum;
	want.vfc_refcount = refcount;
	want.vfc_flags = flags;
	CHECK_EQ(sizeof(want), 36);
	if (memcmp(got, &want, sizeof(want)) != 0)
		FAIL("vfsconf of %s: \"%.16s\" typenum %d refcount %d flags %#x vfsops %p next %p",
		     name, (const char *)got->vfc_name, got->vfc_typenum, got->vfc_refcount,
		     got->vfc_flags, got->vfc_vfsops, got->vfc_next);
}

static int f_type_of(const char *path)
{
	struct statfs s;
	CHECK_OK(__sys_statfs(path, &s));
	return s.f_type;
}

int main(void)
{
	/* ---- maxtypenum and the numbers below it ---- */
	int mib[5] = {CTL_VFS, VFS_GENERIC, VFS_MAXTYPENUM, 0, 0};
	int maxtypenum = -1;
	size_t len = sizeof(maxtypenum);
	CHECK_OK(sysctl(mib, 3, &maxtypenum, &len, NULL, 0));
	CHECK_EQ(len, 4);
	CHECK_EQ(maxtypenum, NTYPES + 1);
	struct vfsconf c;
	mib[2] = VFS_CONF;
	for (int n = -1; n <= maxtypenum; n++) {
		mib[3] = n;
		len = sizeof(c);
		if (n >= 1 && n < maxtypenum) {
			CHECK_OK(sysctl(mib, 4, &c, &len, NULL, 0));
			CHECK_EQ(c.vfc_typenum, n);
		} else {
			CHECK_ERRNO(sysctl(mib, 4, &c, &len, NULL, 0), EOPNOTSUPP);
		}
	}
	/* The count of numbers after VFS_MAXTYPENUM and VFS_CONF; other numbers. */
	len = sizeof(c);
	mib[2] = VFS_MAXTYPENUM;
	CHECK_ERRNO(sysctl(mib, 4, &c, &len, NULL, 0), ENOTDIR);
	mib[2] = VFS_CONF;
	CHECK_ERRNO(sysctl(mib, 3, &c, &len, NULL, 0), ENOTDIR);
	mib[3] = PROCFS_TYPENUM;
	CHECK_ERRNO(sysctl(mib, 5, &c, &len, NULL, 0), ENOTDIR);
	mib[2] = 7;
	CHECK_ERRNO(sysctl(mib, 3, &c, &len, NULL, 0), EOPNOTSUPP);
	CHECK_ERRNO(sysctl(mib, 4, &c, &len, NULL, 0), EOPNOTSUPP);

	/* ---- getvfsbyname as 4.x's libc does it ---- */
	memset(&c, 0x5a, sizeof(c));
	CHECK_OK(getvfsbyname4("procfs", &c));
	check_conf(&c, "procfs", PROCFS_TYPENUM, mounts_of("procfs"), VFCF_SYNTHETIC);
	CHECK(mounts_of("procfs") >= 1);
	CHECK_OK(getvfsbyname4("tmpfs", &c));
	check_conf(&c, "tmpfs", 1, mounts_of("tmpfs"), 0);
	CHECK_OK(getvfsbyname4("devfs", &c));
	check_conf(&c, "devfs", 2, mounts_of("devfs"), VFCF_SYNTHETIC);
	CHECK_ERRNO(getvfsbyname4("ufs", &c), ENOENT);
	CHECK_ERRNO(getvfsbyname4("", &c), ENOENT);
	CHECK_ERRNO(getvfsbyname4("procfsx", &c), ENOENT);

	/* ---- f_type is the typenum ---- */
	CHECK_EQ(f_type_of("/"), 1);
	CHECK_EQ(f_type_of("/dev"), 2);
	CHECK_EQ(f_type_of("/proc"), PROCFS_TYPENUM);

	/* ---- the ovfsconf table: {CTL_VFS, VFS_VFSCONF} ---- */
	int table_mib[2] = {CTL_VFS, VFS_VFSCONF};
	len = 0;
	CHECK_OK(sysctl(table_mib, 2, NULL, &len, NULL, 0));
	CHECK_EQ(len, NTYPES * 48);
	struct {
		struct ovfsconf o[NTYPES];
		unsigned char after[8];
	} table;
	memset(&table, 0xa5, sizeof(table));
	len = sizeof(table);
	CHECK_OK(sysctl(table_mib, 2, &table, &len, NULL, 0));
	CHECK_EQ(len, NTYPES * 48);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(table.after[i], 0xa5);
	for (int i = 0; i < NTYPES; i++) {
		struct vfsconf conf;
		conf_of(i + 1, &conf);
		struct ovfsconf want;
		memset(&want, 0, sizeof(want));
		want.vfc_vfsops = (void *)1;
		memcpy(want.vfc_name, conf.vfc_name, sizeof(conf.vfc_name));
		want.vfc_index = i + 1;
		want.vfc_refcount = conf.vfc_refcount;
		want.vfc_flags = conf.vfc_flags;
		if (memcmp(&table.o[i], &want, sizeof(want)) != 0)
			FAIL("ovfsconf %d: \"%.32s\" index %d refcount %d flags %#x vfsops %p", i,
			     (const char *)table.o[i].vfc_name, table.o[i].vfc_index,
			     table.o[i].vfc_refcount, table.o[i].vfc_flags,
			     table.o[i].vfc_vfsops);
	}
	/* A short buffer: what fits and ENOMEM. */
	memset(&table, 0xa5, sizeof(table));
	len = 50;
	CHECK_ERRNO(sysctl(table_mib, 2, &table, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 50);
	CHECK_EQ(memcmp(table.o[0].vfc_name, "tmpfs", 6), 0);
	const unsigned char *bytes = (const unsigned char *)&table;
	/* Entry 1's vfc_vfsops begins: 1, little-endian. */
	CHECK(bytes[48] == 1 && bytes[49] == 0 && bytes[50] == 0xa5);

	/* ---- the node itself ---- */
	int oid[12];
	size_t room = sizeof(oid);
	int n2o[2] = {0, 3};
	CHECK_OK(sysctl(n2o, 2, oid, &room, "vfs.generic", 11));
	CHECK_EQ(room, 8);
	CHECK(oid[0] == 3 && oid[1] == 0);
	room = sizeof(oid);
	CHECK_ERRNO(sysctl(n2o, 2, oid, &room, "vfs.generic.maxtypenum", 22), ENOENT);
	unsigned char fmt[16];
	int fmt_mib[4] = {0, 4, 3, 0};
	room = sizeof(fmt);
	CHECK_OK(sysctl(fmt_mib, 4, fmt, &room, NULL, 0));
	CHECK_EQ(room, 6);
	unsigned kind;
	memcpy(&kind, fmt, 4);
	CHECK_EQ(kind, 0x80000001u);
	CHECK_EQ(memcmp(fmt + 4, "N", 2), 0);
	mib[2] = VFS_MAXTYPENUM;
	CHECK_ERRNO(sysctl(mib, 3, NULL, NULL, &maxtypenum, 4), EPERM);
	/* A short buffer for a vfsconf. */
	mib[2] = VFS_CONF;
	mib[3] = PROCFS_TYPENUM;
	memset(&c, 0xa5, sizeof(c));
	len = 8;
	CHECK_ERRNO(sysctl(mib, 4, &c, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 8);
	CHECK_EQ(memcmp(c.vfc_name, "proc", 4), 0);
	CHECK_EQ(c.vfc_name[4], 0xa5);

	/* ---- a mount raises the refcount, an unmount lowers it ---- */
	if (getuid() != 0) {
		dprintf(1, "not root: the mount is not checked\n");
		PASS();
	}
	nt_scratch_dir("fb4_vfsconf");
	char scratch[128], mnt[160];
	CHECK(getcwd(scratch, sizeof(scratch)) != NULL);
	snprintf(mnt, sizeof(mnt), "%s/mnt", scratch);
	CHECK_OK(mkdir(mnt, 0755));
	CHECK_OK(getvfsbyname4("procfs", &c));
	int before = c.vfc_refcount;
	CHECK_EQ(before, mounts_of("procfs"));
	CHECK_OK(__sys_mount("procfs", mnt, 0, NULL));
	CHECK_OK(getvfsbyname4("procfs", &c));
	check_conf(&c, "procfs", PROCFS_TYPENUM, before + 1, VFCF_SYNTHETIC);
	CHECK_EQ(mounts_of("procfs"), before + 1);
	CHECK_EQ(f_type_of(mnt), PROCFS_TYPENUM);
	CHECK_OK(__sys_unmount(mnt, 0));
	CHECK_OK(getvfsbyname4("procfs", &c));
	check_conf(&c, "procfs", PROCFS_TYPENUM, before, VFCF_SYNTHETIC);
	CHECK_EQ(f_type_of(mnt), 1);
	CHECK_OK(rmdir(mnt));
	PASS();
}
