// abi: freebsd4-i386
/*
 * The 4.x calls for what no file system here keeps, answered as a 4.x GENERIC kernel
 * answers for its UFS without options QUOTA, UFS_ACL or UFS_EXTATTR: the path or
 * descriptor is looked up first (ENOENT, ENOTDIR, EFAULT, EBADF; EINVAL for an ACL
 * call on a pipe), what 4.x copies in before asking the file system is copied in
 * (a set or check's 388-byte struct acl, 255 bytes of an extended attribute's name,
 * extattr's iovec array), then EOPNOTSUPP: quotactl (148), the __acl_* calls
 * (347-354, whatever the type; a get never writes aclp), extattrctl and
 * extattr_{set,get,delete}_file (355-358). undelete (205) with no whiteouts: EEXIST
 * for a name that is there (after the directory's write-access and sticky checks),
 * ENOENT for a missing one, EISDIR for "/". openbsd_poll (252) is poll on a pipe. The
 * 96-byte struct nstat of nstat/nfstat/nlstat (278-280) byte for byte against the
 * struct stat fstat/stat/lstat give (mode and nlink widened to 32 bits, no st_lspare,
 * st_qspare zero), nothing written past it; nlstat of a symbolic link against nstat
 * through it.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define ACL_SIZE 388
#define NAME_BYTES 255
#define NSTAT_SIZE 96
#define GUARD 16

/* A page of readable memory followed by an unmapped one: `page` + 4096 faults. */
static unsigned char *page;

static unsigned char *bad(void) { return page + 4096; }

static void map_pages(void) { page = nt_page_before_hole(); }

/* The struct nstat 4.x's cvtnstat makes of a raw 96-byte struct stat. */
static void expect_nstat(const unsigned char *st, unsigned char *ns)
{
	uint16_t mode, nlink;
	memset(ns, 0, NSTAT_SIZE);
	memcpy(ns + 0, st + 0, 8);     /* st_dev, st_ino */
	memcpy(&mode, st + 8, 2);
	memcpy(&nlink, st + 10, 2);
	uint32_t wide = mode;
	memcpy(ns + 8, &wide, 4);
	wide = nlink;
	memcpy(ns + 12, &wide, 4);
	memcpy(ns + 16, st + 12, 12);  /* st_uid, st_gid, st_rdev */
	memcpy(ns + 28, st + 24, 24);  /* the three timespecs */
	memcpy(ns + 52, st + 48, 16);  /* st_size, st_blocks */
	memcpy(ns + 68, st + 64, 12);  /* st_blksize, st_flags, st_gen */
	/* st_lspare (stat @76) has no place; st_qspare @80 stays zero. */
}

/* One nstat-family call into a guarded buffer, compared byte for byte. */
static void check_nstat(int nr, const char *path, int fd, const unsigned char *st)
{
	unsigned char got[NSTAT_SIZE + GUARD], want[NSTAT_SIZE];
	memset(got, 0xa5, sizeof(got));
	if (nr == SYS_nfstat)
		CHECK_OK(__sys_nfstat(fd, got));
	else if (nr == SYS_nlstat)
		CHECK_OK(__sys_nlstat(path, got));
	else
		CHECK_OK(__sys_nstat(path, got));
	for (int i = NSTAT_SIZE; i < NSTAT_SIZE + GUARD; i++)
		if (got[i] != 0xa5)
			FAIL("syscall %d wrote byte %d, past the 96 of struct nstat", nr, i);
	expect_nstat(st, want);
	for (int i = 0; i < NSTAT_SIZE; i++)
		if (got[i] != want[i])
			FAIL("syscall %d on %s: byte %d is %#x, struct stat says %#x", nr,
			     path ? path : "fd", i, got[i], want[i]);
}

static void nstat_family(int fd)
{
	unsigned char st[NSTAT_SIZE];
	CHECK_OK(__sys_fstat(fd, st));
	check_nstat(SYS_nfstat, NULL, fd, st);
	CHECK_OK(__sys_stat("f", st));
	check_nstat(SYS_nstat, "f", -1, st);
	/* nstat follows the link to f; nlstat describes the link itself. */
	check_nstat(SYS_nstat, "l", -1, st);
	CHECK_OK(__sys_lstat("l", st));
	uint16_t mode;
	memcpy(&mode, st + 8, 2);
	CHECK_EQ(mode & S_IFMT, S_IFLNK);
	check_nstat(SYS_nlstat, "l", -1, st);
	CHECK_OK(__sys_stat("d", st));
	check_nstat(SYS_nstat, "d", -1, st);

	unsigned char ns[NSTAT_SIZE];
	CHECK_ERRNO(__sys_nstat("missing", ns), ENOENT);
	CHECK_ERRNO(__sys_nlstat("f/x", ns), ENOTDIR);
	CHECK_ERRNO(__sys_nstat((const char *)bad(), ns), EFAULT);
	CHECK_ERRNO(__sys_nstat("f", bad()), EFAULT);
	CHECK_ERRNO(__sys_nlstat("l", bad()), EFAULT);
	/* 95 writable bytes are not enough. */
	CHECK_ERRNO(__sys_nfstat(fd, bad() - 95), EFAULT);
	CHECK_ERRNO(__sys_nfstat(999, ns), EBADF);
	CHECK_ERRNO(__sys_nstat("dangling", ns), ENOENT);
	CHECK_OK(__sys_nlstat("dangling", ns));
}

static void quotas(void)
{
	/* QCMD(Q_GETQUOTA, USRQUOTA); arg is never read. */
	int cmd = 0x0300 << 8;
	CHECK_ERRNO(syscall(148, "f", cmd, 0, page), EOPNOTSUPP);
	CHECK_ERRNO(syscall(148, "d", 0, -1, bad()), EOPNOTSUPP);
	CHECK_ERRNO(syscall(148, "l", cmd, 0, NULL), EOPNOTSUPP);
	CHECK_ERRNO(syscall(148, "missing", cmd, 0, page), ENOENT);
	CHECK_ERRNO(syscall(148, "dangling", cmd, 0, page), ENOENT);
	CHECK_ERRNO(syscall(148, "f/x", cmd, 0, page), ENOTDIR);
	CHECK_ERRNO(syscall(148, bad(), cmd, 0, page), EFAULT);
}

static void acls(int fd, int pipe_rd)
{
	unsigned char *acl = page;               /* a readable struct acl */
	unsigned char *short_acl = bad() - 387;  /* one byte short */
	unsigned char *last_acl = bad() - ACL_SIZE;
	memset(page, 0, 4096); /* nfstat's partial copy-out left bytes at its end */
	/* __acl_get_file / __acl_get_fd: the lookup, then EOPNOTSUPP for any type, and
	 * aclp is not written (nor looked at). */
	for (int type = 0; type < 6; type++)
		CHECK_ERRNO(syscall(347, "f", type, acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(347, "f", 99, acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(347, "f", 0, bad()), EOPNOTSUPP);
	CHECK_ERRNO(syscall(347, "missing", 0, acl), ENOENT);
	CHECK_ERRNO(syscall(347, "dangling", 0, acl), ENOENT);
	CHECK_ERRNO(syscall(347, "f/x", 0, acl), ENOTDIR);
	CHECK_ERRNO(syscall(347, bad(), 0, acl), EFAULT);
	CHECK_ERRNO(syscall(349, fd, 0, acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(349, fd, 1, NULL), EOPNOTSUPP);
	CHECK_ERRNO(syscall(349, 999, 0, acl), EBADF);
	CHECK_ERRNO(syscall(349, pipe_rd, 0, acl), EINVAL);
	for (int i = 0; i < 4096; i++)
		CHECK_EQ(page[i], 0);

	/* __acl_set_*: the lookup, the whole 388-byte struct copied in, EOPNOTSUPP. */
	CHECK_ERRNO(syscall(348, "f", 0, acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(348, "d", 1, last_acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(348, "f", 0, short_acl), EFAULT);
	CHECK_ERRNO(syscall(348, "f", 0, NULL), EFAULT);
	CHECK_ERRNO(syscall(348, "missing", 0, NULL), ENOENT);
	CHECK_ERRNO(syscall(348, bad(), 0, acl), EFAULT);
	CHECK_ERRNO(syscall(350, fd, 0, acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(350, fd, 0, short_acl), EFAULT);
	CHECK_ERRNO(syscall(350, 999, 0, NULL), EBADF);
	CHECK_ERRNO(syscall(350, pipe_rd, 0, NULL), EINVAL);

	/* __acl_delete_*: no struct. */
	CHECK_ERRNO(syscall(351, "f", 0), EOPNOTSUPP);
	CHECK_ERRNO(syscall(351, "l", 1), EOPNOTSUPP);
	CHECK_ERRNO(syscall(351, "missing", 0), ENOENT);
	CHECK_ERRNO(syscall(351, bad(), 0), EFAULT);
	CHECK_ERRNO(syscall(352, fd, 0), EOPNOTSUPP);
	CHECK_ERRNO(syscall(352, 999, 0), EBADF);
	CHECK_ERRNO(syscall(352, pipe_rd, 0), EINVAL);

	/* __acl_aclcheck_*: copied in as a set is. */
	CHECK_ERRNO(syscall(353, "f", 0, last_acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(353, "f", 0, short_acl), EFAULT);
	CHECK_ERRNO(syscall(353, "missing", 0, short_acl), ENOENT);
	CHECK_ERRNO(syscall(353, bad(), 0, acl), EFAULT);
	CHECK_ERRNO(syscall(354, fd, 0, acl), EOPNOTSUPP);
	CHECK_ERRNO(syscall(354, fd, 0, bad()), EFAULT);
	CHECK_ERRNO(syscall(354, 999, 0, bad()), EBADF);
	CHECK_ERRNO(syscall(354, pipe_rd, 0, acl), EINVAL);
}

struct iov32 {
	uint32_t base, len;
};

static void extattrs(void)
{
	/* The name is copied in first, 255 bytes whatever its length: a short name just
	 * before the unmapped page faults, one that starts 255 bytes before it does not. */
	char *name = (char *)page + 1024;
	strcpy(name, "user.test");
	char *near_end = (char *)bad() - 10;
	strcpy(near_end, "user.x");
	char *last = (char *)bad() - NAME_BYTES;
	strcpy(last, "user.y");
	char data[8] = "value";
	struct iov32 iov[2] = {{(uint32_t)(uintptr_t)data, 5}, {(uint32_t)(uintptr_t)data, 3}};

	/* extattrctl: the path, then EOPNOTSUPP; name and arg are never read. */
	CHECK_ERRNO(syscall(355, "f", 1, name, NULL), EOPNOTSUPP);
	CHECK_ERRNO(syscall(355, "d", 2, bad(), bad()), EOPNOTSUPP);
	CHECK_ERRNO(syscall(355, "missing", 1, name, NULL), ENOENT);
	CHECK_ERRNO(syscall(355, "f/x", 1, name, NULL), ENOTDIR);
	CHECK_ERRNO(syscall(355, bad(), 1, name, NULL), EFAULT);

	for (int nr = 356; nr <= 357; nr++) {
		CHECK_ERRNO(syscall(nr, "f", name, iov, 2), EOPNOTSUPP);
		CHECK_ERRNO(syscall(nr, "l", last, iov, 1), EOPNOTSUPP);
		CHECK_ERRNO(syscall(nr, "f", name, NULL, 0), EOPNOTSUPP);
		CHECK_ERRNO(syscall(nr, "f", near_end, iov, 1), EFAULT);
		CHECK_ERRNO(syscall(nr, "f", NULL, iov, 1), EFAULT);
		/* The name before the path, the path before the iovecs. */
		CHECK_ERRNO(syscall(nr, "missing", near_end, iov, 1), EFAULT);
		CHECK_ERRNO(syscall(nr, "missing", name, NULL, 1), ENOENT);
		CHECK_ERRNO(syscall(nr, "missing", name, iov, 2000), ENOENT);
		CHECK_ERRNO(syscall(nr, "dangling", name, iov, 1), ENOENT);
		CHECK_ERRNO(syscall(nr, bad(), name, iov, 1), EFAULT);
		/* writev's checks of the array: UIO_MAXIOV, the copy-in, INT_MAX. */
		CHECK_ERRNO(syscall(nr, "f", name, iov, 1025), EINVAL);
		CHECK_ERRNO(syscall(nr, "f", name, NULL, 1), EFAULT);
		CHECK_ERRNO(syscall(nr, "f", name, bad() - 12, 2), EFAULT);
		struct iov32 huge[2] = {{0, 0x7fffffff}, {0, 1}};
		CHECK_ERRNO(syscall(nr, "f", name, huge, 2), EINVAL);
		huge[1].len = 0;
		CHECK_ERRNO(syscall(nr, "f", name, huge, 2), EOPNOTSUPP);
	}
	CHECK(memcmp(data, "value", 6) == 0);

	CHECK_ERRNO(syscall(358, "f", name), EOPNOTSUPP);
	CHECK_ERRNO(syscall(358, "d", last), EOPNOTSUPP);
	CHECK_ERRNO(syscall(358, "f", near_end), EFAULT);
	CHECK_ERRNO(syscall(358, "missing", near_end), EFAULT);
	CHECK_ERRNO(syscall(358, "missing", name), ENOENT);
	CHECK_ERRNO(syscall(358, bad(), name), EFAULT);
}

static void undelete_calls(void)
{
	/* No whiteouts: a name that is there is EEXIST, a missing one ENOENT. */
	CHECK_ERRNO(syscall(205, "f"), EEXIST);
	CHECK_ERRNO(syscall(205, "d"), EEXIST);
	CHECK_ERRNO(syscall(205, "d/"), EEXIST);
	CHECK_ERRNO(syscall(205, "."), EEXIST);
	CHECK_ERRNO(syscall(205, "dangling"), EEXIST);
	CHECK_ERRNO(syscall(205, "missing"), ENOENT);
	CHECK_ERRNO(syscall(205, "d/missing"), ENOENT);
	CHECK_ERRNO(syscall(205, "missing/x"), ENOENT);
	CHECK_ERRNO(syscall(205, "f/x"), ENOTDIR);
	CHECK_ERRNO(syscall(205, "f/"), ENOTDIR);
	CHECK_ERRNO(syscall(205, ""), ENOENT);
	CHECK_ERRNO(syscall(205, "/"), EISDIR);
	CHECK_ERRNO(syscall(205, bad()), EFAULT);
	CHECK_ERRNO(syscall(205, NULL), EFAULT);
	/* Nothing changed. */
	struct stat sb;
	CHECK_OK(stat("f", &sb));
	CHECK_ERRNO(stat("missing", &sb), ENOENT);

	/* As another user: the directory's write access is checked for a name that is
	 * there (EACCES), not for a missing one; a sticky directory wants the caller to
	 * own the directory or the file (EPERM); search access comes first. */
	CHECK_OK(mkdir("ro", 0755));
	nt_write_file("ro/f", "x");
	CHECK_OK(mkdir("sticky", 0755));
	CHECK_OK(chmod("sticky", 01777)); /* past the umask */
	nt_write_file("sticky/f", "x");
	CHECK_OK(mkdir("closed", 0700));
	nt_write_file("closed/f", "x");
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setgid(4242));
		CHECK_OK(setuid(4242));
		CHECK_ERRNO(syscall(205, "ro/f"), EACCES);
		CHECK_ERRNO(syscall(205, "ro/missing"), ENOENT);
		CHECK_ERRNO(syscall(205, "sticky/f"), EPERM);
		CHECK_ERRNO(syscall(205, "sticky/missing"), ENOENT);
		CHECK_ERRNO(syscall(205, "closed/f"), EACCES);
		CHECK_ERRNO(syscall(205, "closed/missing"), EACCES);
		nt_write_file("sticky/mine", "x");
		CHECK_ERRNO(syscall(205, "sticky/mine"), EEXIST);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
}

static void openbsd_poll(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd fds[2] = {{p[0], POLLIN, 0x55}, {p[1], POLLOUT, 0x55}};
	/* Nothing to read yet: only the write end is ready; timeout 0 returns at once. */
	CHECK_EQ(syscall(252, fds, 1, 0), 0);
	CHECK_EQ(fds[0].revents, 0);
	CHECK_EQ(syscall(252, fds, 2, 0), 1);
	CHECK_EQ(fds[1].revents, POLLOUT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(syscall(252, fds, 2, 0), 2);
	CHECK_EQ(fds[0].revents, POLLIN);
	CHECK_EQ(fds[1].revents, POLLOUT);
	/* The same answers as poll (209), with a timeout that is not reached. */
	struct pollfd same[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	CHECK_EQ(syscall(209, same, 2, 1000), 2);
	CHECK_EQ(syscall(252, fds, 2, 1000), 2);
	CHECK(memcmp(same, fds, sizeof(fds)) == 0);
	/* A closed descriptor is POLLNVAL; a bad array EFAULT; a negative timeout other
	 * than INFTIM EINVAL. */
	struct pollfd nval = {999, POLLIN, 0};
	CHECK_EQ(syscall(252, &nval, 1, 0), 1);
	CHECK_EQ(nval.revents, POLLNVAL);
	CHECK_ERRNO(syscall(252, bad(), 1, 0), EFAULT);
	CHECK_ERRNO(syscall(252, fds, 2, -2), EINVAL);
	/* A wait that a write from a child ends. */
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		usleep(100000);
		CHECK_EQ(write(p[1], "y", 1), 1);
		_exit(0);
	}
	CHECK_EQ(syscall(252, fds, 1, -1), 1);
	CHECK_EQ(fds[0].revents, POLLIN);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	nt_scratch_dir("fb4_fs_extras");
	map_pages();
	static char data[5000];
	memset(data, 'n', sizeof(data));
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0640));
	CHECK_EQ(write(fd, data, sizeof(data)), sizeof(data));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(symlink("nowhere", "dangling"));
	CHECK_OK(mkdir("d", 0750));
	int pp[2];
	CHECK_OK(pipe(pp));

	nstat_family(fd);
	quotas();
	acls(fd, pp[0]);
	extattrs();
	undelete_calls();
	openbsd_poll();
	PASS();
}
