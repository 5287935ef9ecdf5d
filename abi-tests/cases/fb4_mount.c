// abi: freebsd4-i386
/*
 * mount (21) and unmount (22) as 4.x's vfs_syscalls.c mount/unmount/dounmount and
 * procfs_vfsops.c (procfs_mount, procfs_unmount) answer them, with a procfs mounted on
 * a fresh directory:
 * - not root: EPERM from mount before anything is read (vfs.usermount is 0), and from
 *   unmount after the lookup (only root or the mounter may unmount);
 * - mount's order: the lookup (EFAULT, ENOENT, ENAMETOOLONG), MNT_UPDATE (EINVAL on a
 *   directory that is not a file system's root, EOPNOTSUPP on one: procfs and the
 *   memory file systems cannot be updated), ENOTDIR, then the type string (EFAULT,
 *   ENAMETOOLONG at MFSNAMELEN 16 with the NUL), ENODEV for a type nothing provides;
 *   `data` is not read by procfs (a bad pointer is fine);
 * - mounted: the pid directories show under it; statfs and fstatfs inside give the
 *   256-byte struct statfs with f_fstypename and f_mntfromname "procfs", f_mntonname
 *   the path as passed, f_flags MNT_LOCAL and the options given, an fsid of its own
 *   equal to st_dev of its nodes; getfsstat counts one more file system and reports the
 *   same names and flags;
 * - unmount: EINVAL for a path that is not the root of a mount and for the root file
 *   system, EFAULT/ENOENT from the lookup, EBUSY while a descriptor is open inside or a
 *   process's working directory is in it; then it goes: the directory is empty again,
 *   on the scratch directory's file system, getfsstat back to its count, and a second
 *   unmount is EINVAL.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char mnt[128];
static char file[128];

static int wait_for(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

/* A not-root child: EPERM from both calls. */
static void check_eperm(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(1001) < 0)
			_exit(9);
		CHECK_ERRNO(__sys_mount("procfs", mnt, 0, NULL), EPERM);
		/* Refused before either string is read. */
		CHECK_ERRNO(__sys_mount((const char *)1, (const char *)1, 0, NULL), EPERM);
		CHECK_ERRNO(__sys_unmount(mnt, 0), EPERM);
		CHECK_ERRNO(__sys_unmount("/", 0), EPERM);
		/* The lookup comes first. */
		CHECK_ERRNO(__sys_unmount((const char *)1, 0), EFAULT);
		_exit(0);
	}
	CHECK_CHILD_OK(wait_for(pid));
}

/* A field of `n` bytes holding the string `s` and zeros after it. */
static void check_name(const uint8_t *field, size_t n, const char *s)
{
	size_t len = strlen(s);
	CHECK(len < n);
	CHECK_EQ(memcmp(field, s, len), 0);
	for (size_t i = len; i < n; i++)
		CHECK_EQ(field[i], 0);
}

/* The fields that name a file system and its options (counters may move). */
static void same_fs(const struct statfs *a, const struct statfs *b)
{
	CHECK_EQ(a->f_fsid.val[0], b->f_fsid.val[0]);
	CHECK_EQ(a->f_fsid.val[1], b->f_fsid.val[1]);
	CHECK_EQ(a->f_owner, b->f_owner);
	CHECK_EQ(a->f_type, b->f_type);
	CHECK_EQ(a->f_flags, b->f_flags);
	CHECK_EQ(memcmp(a->f_fstypename, b->f_fstypename, 16), 0);
	CHECK_EQ(memcmp(a->f_mntonname, b->f_mntonname, 80), 0);
	CHECK_EQ(memcmp(a->f_mntfromname, b->f_mntfromname, 80), 0);
}

static int fs_count(void)
{
	return CHECK_OK(__sys_getfsstat(NULL, 0, 0));
}

/* getfsstat's entry mounted on `on`, if any. */
static int find_fs(const char *on, struct statfs *out)
{
	static struct statfs all[32];
	int n = CHECK_OK(__sys_getfsstat(all, sizeof(all), 0));
	CHECK(n > 0 && n <= 32);
	int found = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp((const char *)all[i].f_mntonname, on) == 0) {
			*out = all[i];
			found++;
		}
	}
	return found;
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	int n = 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

int main(void)
{
	nt_scratch_dir("fb4_mount");
	char scratch[128];
	CHECK(getcwd(scratch, sizeof(scratch)) != NULL);
	snprintf(mnt, sizeof(mnt), "%s/mnt", scratch);
	snprintf(file, sizeof(file), "%s/file", scratch);
	CHECK_OK(mkdir(mnt, 0755));
	nt_write_file(file, "x");

	check_eperm();
	if (getuid() != 0) {
		dprintf(1, "not root: only EPERM is checked\n");
		PASS();
	}

	/* ---- mount's errors, in 4.x's order ---- */
	CHECK_ERRNO(__sys_mount("procfs", (const char *)1, 0, NULL), EFAULT);
	CHECK_ERRNO(__sys_mount("procfs", "nx/y", 0, NULL), ENOENT);
	static char longpath[1100];
	memset(longpath, 'a', sizeof(longpath) - 1);
	CHECK_ERRNO(__sys_mount("procfs", longpath, 0, NULL), ENAMETOOLONG);
	/* The path is looked up before the type is read. */
	CHECK_ERRNO(__sys_mount((const char *)1, "nx", 0, NULL), ENOENT);
	CHECK_ERRNO(__sys_mount("procfs", mnt, MNT_UPDATE, NULL), EINVAL);
	CHECK_ERRNO(__sys_mount("procfs", "/", MNT_UPDATE, NULL), EOPNOTSUPP);
	CHECK_ERRNO(__sys_mount("procfs", "/proc", MNT_UPDATE, NULL), EOPNOTSUPP);
	CHECK_ERRNO(__sys_mount("procfs", file, 0, NULL), ENOTDIR);
	CHECK_ERRNO(__sys_mount((const char *)1, file, 0, NULL), ENOTDIR);
	CHECK_ERRNO(__sys_mount((const char *)1, mnt, 0, NULL), EFAULT);
	CHECK_ERRNO(__sys_mount("abcdefghijklmnop", mnt, 0, NULL), ENAMETOOLONG);
	CHECK_ERRNO(__sys_mount("abcdefghijklmno", mnt, 0, NULL), ENODEV);
	CHECK_ERRNO(__sys_mount("ufs", mnt, 0, NULL), ENODEV);
	CHECK_ERRNO(__sys_mount("", mnt, 0, NULL), ENODEV);
	CHECK_EQ(entries(mnt), 2);

	/* ---- mounted ---- */
	struct stat dir_st, root_st, proc_st;
	CHECK_OK(stat(mnt, &dir_st));
	CHECK_OK(stat("/", &root_st));
	CHECK_OK(stat("/proc", &proc_st));
	int before = fs_count();
	int options = MNT_RDONLY | MNT_NOSUID | MNT_NOEXEC;
	/* procfs does not read `data`. */
	CHECK_OK(__sys_mount("procfs", mnt, options, (void *)1));
	CHECK_EQ(fs_count(), before + 1);

	char pid_dir[160], status[192];
	snprintf(pid_dir, sizeof(pid_dir), "%s/%d", mnt, (int)getpid());
	snprintf(status, sizeof(status), "%s/status", pid_dir);
	struct stat st;
	CHECK_OK(stat(pid_dir, &st));
	CHECK(S_ISDIR(st.st_mode));
	uint32_t fs_dev = st.st_dev;
	CHECK(fs_dev != dir_st.st_dev && fs_dev != root_st.st_dev && fs_dev != proc_st.st_dev);
	CHECK_OK(stat(mnt, &st));
	CHECK_EQ(st.st_dev, fs_dev);
	CHECK(S_ISDIR(st.st_mode));
	char text[512];
	int fd = CHECK_OK(open(status, O_RDONLY));
	CHECK(CHECK_OK(read(fd, text, sizeof(text))) > 0);

	struct {
		struct statfs s;
		unsigned char after[16];
	} bypath, byfd;
	memset(&bypath, 0xa5, sizeof(bypath));
	memset(&byfd, 0xa5, sizeof(byfd));
	CHECK_OK(__sys_statfs(mnt, &bypath.s));
	CHECK_OK(__sys_fstatfs(fd, &byfd.s));
	for (int i = 0; i < 16; i++) {
		CHECK_EQ(bypath.after[i], 0xa5);
		CHECK_EQ(byfd.after[i], 0xa5);
	}
	const struct statfs *s = &bypath.s;
	CHECK_EQ(s->f_spare2, 0);
	CHECK(s->f_bsize > 0 && s->f_iosize > 0);
	CHECK(s->f_blocks >= s->f_bfree && s->f_bfree >= s->f_bavail);
	CHECK_EQ((uint32_t)s->f_fsid.val[0], fs_dev);
	CHECK_EQ(s->f_fsid.val[1], 0);
	CHECK_EQ(s->f_owner, 0);
	CHECK_EQ(s->f_flags, MNT_LOCAL | options);
	CHECK_EQ(s->f_syncwrites, 0);
	CHECK_EQ(s->f_asyncwrites, 0);
	check_name(s->f_fstypename, 16, "procfs");
	check_name(s->f_mntonname, 80, mnt);
	check_name(s->f_mntfromname, 80, "procfs");
	CHECK_EQ(s->f_syncreads, 0);
	CHECK_EQ(s->f_asyncreads, 0);
	CHECK_EQ(s->f_spares1, 0);
	CHECK_EQ(s->f_spares2, 0);
	CHECK_EQ(s->f_spare[0], 0);
	CHECK_EQ(s->f_spare[1], 0);
	same_fs(&byfd.s, s);
	struct statfs listed;
	CHECK_EQ(find_fs(mnt, &listed), 1);
	same_fs(&listed, s);

	/* ---- unmount's errors ---- */
	CHECK_ERRNO(__sys_unmount(pid_dir, 0), EINVAL);
	CHECK_ERRNO(__sys_unmount(scratch, 0), EINVAL);
	CHECK_ERRNO(__sys_unmount("/", 0), EINVAL);
	CHECK_ERRNO(__sys_unmount((const char *)1, 0), EFAULT);
	CHECK_ERRNO(__sys_unmount("nx", 0), ENOENT);
	check_eperm();
	/* Busy: a descriptor open inside, then a working directory. */
	CHECK_ERRNO(__sys_unmount(mnt, 0), EBUSY);
	CHECK_OK(close(fd));
	CHECK_OK(chdir(pid_dir));
	CHECK_ERRNO(__sys_unmount(mnt, 0), EBUSY);
	CHECK_OK(chdir(scratch));

	/* ---- unmounted ---- */
	CHECK_OK(__sys_unmount(mnt, 0));
	CHECK_EQ(fs_count(), before);
	CHECK_EQ(find_fs(mnt, &listed), 0);
	CHECK_EQ(entries(mnt), 2);
	CHECK_ERRNO(stat(pid_dir, &st), ENOENT);
	CHECK_OK(stat(mnt, &st));
	CHECK_EQ(st.st_dev, dir_st.st_dev);
	CHECK_EQ(st.st_ino, dir_st.st_ino);
	struct statfs again, here;
	CHECK_OK(__sys_statfs(mnt, &again));
	CHECK_OK(__sys_statfs(scratch, &here));
	same_fs(&again, &here);
	CHECK_ERRNO(__sys_unmount(mnt, 0), EINVAL);
	CHECK_OK(rmdir(mnt));
	PASS();
}
