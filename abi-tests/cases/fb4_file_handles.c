// abi: freebsd4-i386
/*
 * getfh (161), fhstatfs (297), fhopen (298) and fhstat (299) as 4.x's vfs_syscalls.c
 * has them, on a UFS-like handle (struct ufid: length 12, inode number, generation):
 *  - root only: EPERM before anything else is looked at;
 *  - getfh follows a final symbolic link and has a lookup's errors; the 28-byte
 *    handle is the file system's f_fsid (as statfs gives it), fid_len 12, the inode
 *    number, a generation, zeros; procfs has no handles (EINVAL);
 *  - fhstat and fhstatfs give what stat and statfs give for the file, byte for byte;
 *  - fhopen: FFLAGS(flags) with neither read nor write, or O_CREAT, is EINVAL before
 *    the handle is read; then EFAULT, ESTALE for an unknown fsid, inode number or
 *    generation, or a file no longer linked; a directory opened for writing or
 *    O_TRUNC EISDIR, a socket EOPNOTSUPP; O_TRUNC empties a file even when only
 *    reading; O_EXLOCK/O_SHLOCK lock as open does.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FH_SIZE 28

static void getfh_(const char *path, unsigned char *fh)
{
	memset(fh, 0xa5, FH_SIZE);
	CHECK_OK(__sys_getfh(path, fh));
}

static uint32_t word(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int main(void)
{
	nt_scratch_dir("fb4_file_handles");
	int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(fd, "hello", 5), 5);
	CHECK_OK(close(fd));
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(symlink("f", "link"));
	unsigned char fh[FH_SIZE], dfh[FH_SIZE];
	getfh_("f", fh);

	/* Not root: EPERM first. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		unsigned char mine[FH_SIZE];
		struct stat sb;
		struct statfs sfs;
		CHECK_ERRNO(__sys_getfh("f", mine), EPERM);
		CHECK_ERRNO(__sys_getfh((void *)16, (void *)16), EPERM);
		CHECK_ERRNO(__sys_fhopen(fh, O_RDONLY), EPERM);
		CHECK_ERRNO(__sys_fhopen((void *)16, 3), EPERM);
		CHECK_ERRNO(__sys_fhstat(fh, &sb), EPERM);
		CHECK_ERRNO(__sys_fhstatfs(fh, &sfs), EPERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* The handle, byte for byte. */
	struct stat st;
	CHECK_OK(stat("f", &st));
	struct statfs sfs;
	CHECK_OK(__sys_statfs("f", &sfs));
	CHECK_EQ(word(fh), (uint32_t)sfs.f_fsid.val[0]);
	CHECK_EQ(word(fh + 4), (uint32_t)sfs.f_fsid.val[1]);
	CHECK_EQ(fh[8] | fh[9] << 8, 12);
	CHECK_EQ(fh[10] | fh[11] << 8, 0);
	CHECK_EQ(word(fh + 12), st.st_ino);
	uint32_t gen = word(fh + 16);
	CHECK(gen != 0);
	for (int i = 20; i < FH_SIZE; i++)
		CHECK_EQ(fh[i], 0);
	/* The same file, the same handle; through a symbolic link too. */
	unsigned char again[FH_SIZE];
	getfh_("f", again);
	CHECK(memcmp(fh, again, FH_SIZE) == 0);
	getfh_("link", again);
	CHECK(memcmp(fh, again, FH_SIZE) == 0);

	/* fhstat is stat; fhstatfs is statfs (less the free counts, which move). */
	struct stat byfh;
	memset(&byfh, 0xee, sizeof byfh);
	CHECK_OK(__sys_fhstat(fh, &byfh));
	CHECK(memcmp(&byfh, &st, sizeof st) == 0);
	struct statfs sbyfh;
	memset(&sbyfh, 0xee, sizeof sbyfh);
	CHECK_OK(__sys_fhstatfs(fh, &sbyfh));
	CHECK_OK(__sys_statfs("f", &sfs));
	sbyfh.f_bfree = sfs.f_bfree;
	sbyfh.f_bavail = sfs.f_bavail;
	sbyfh.f_ffree = sfs.f_ffree;
	CHECK(memcmp(&sbyfh, &sfs, sizeof sfs) == 0);

	/* fhopen: read, write, append. */
	char buf[16];
	fd = CHECK_OK(__sys_fhopen(fh, O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_ERRNO(write(fd, "x", 1), EBADF);
	CHECK_OK(close(fd));
	fd = CHECK_OK(__sys_fhopen(fh, O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "!", 1), 1);
	CHECK_ERRNO(read(fd, buf, 1), EBADF);
	CHECK_OK(close(fd));
	fd = CHECK_OK(__sys_fhopen(fh, O_RDWR));
	CHECK_EQ(read(fd, buf, sizeof buf), 6);
	CHECK(memcmp(buf, "hello!", 6) == 0);
	CHECK_OK(close(fd));
	/* The flags: EINVAL before the handle is read. */
	CHECK_ERRNO(__sys_fhopen(fh, O_ACCMODE), EINVAL);
	CHECK_ERRNO(__sys_fhopen(fh, O_RDWR | O_CREAT), EINVAL);
	CHECK_ERRNO(__sys_fhopen((void *)16, O_CREAT), EINVAL);
	CHECK_ERRNO(__sys_fhopen((void *)16, O_RDONLY), EFAULT);
	CHECK_ERRNO(__sys_fhstat((void *)16, &byfh), EFAULT);
	CHECK_ERRNO(__sys_fhstat(fh, (void *)16), EFAULT);
	CHECK_ERRNO(__sys_fhstatfs((void *)16, &sfs), EFAULT);
	CHECK_ERRNO(__sys_fhstatfs(fh, (void *)16), EFAULT);
	/* flock locks, as open(2)'s O_EXLOCK and O_SHLOCK. */
	int locked = CHECK_OK(__sys_fhopen(fh, O_RDONLY | O_EXLOCK | O_NONBLOCK));
	CHECK_ERRNO(__sys_fhopen(fh, O_RDONLY | O_SHLOCK | O_NONBLOCK), EAGAIN);
	CHECK_OK(close(locked));
	CHECK_OK(close(CHECK_OK(__sys_fhopen(fh, O_RDONLY | O_SHLOCK | O_NONBLOCK))));
	/* O_TRUNC empties the file even opened only for reading. */
	fd = CHECK_OK(__sys_fhopen(fh, O_RDONLY | O_TRUNC));
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	CHECK_OK(close(fd));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 0);

	/* A directory: read only. */
	getfh_("d", dfh);
	fd = CHECK_OK(__sys_fhopen(dfh, O_RDONLY));
	CHECK_OK(close(fd));
	CHECK_ERRNO(__sys_fhopen(dfh, O_WRONLY), EISDIR);
	CHECK_ERRNO(__sys_fhopen(dfh, O_RDWR), EISDIR);
	CHECK_ERRNO(__sys_fhopen(dfh, O_RDONLY | O_TRUNC), EISDIR);
	/* A socket: EOPNOTSUPP. */
	int s = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	struct sockaddr_un sun;
	int len = nt_sockaddr_un(&sun, "sock");
	CHECK_OK(__sys_bind(s, &sun, len));
	unsigned char sfh[FH_SIZE];
	getfh_("sock", sfh);
	CHECK_ERRNO(__sys_fhopen(sfh, O_RDWR), EOPNOTSUPP);
	CHECK_OK(__sys_fhstat(sfh, &byfh));
	CHECK_EQ(byfh.st_mode & S_IFMT, S_IFSOCK);
	CHECK_OK(close(s));
	/* /dev has handles; /proc has none. */
	unsigned char nfh[FH_SIZE];
	getfh_("/dev/null", nfh);
	fd = CHECK_OK(__sys_fhopen(nfh, O_WRONLY));
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_OK(close(fd));
	CHECK_ERRNO(__sys_getfh("/proc", again), EINVAL);
	CHECK_ERRNO(__sys_getfh("/proc/curproc/status", again), EINVAL);
	/* 4.x has one /proc, the 4.x view: no "self" in it. */
	CHECK_ERRNO(__sys_getfh("/proc/self/status", again), ENOENT);

	/* getfh's lookup errors. */
	CHECK_ERRNO(__sys_getfh("missing", again), ENOENT);
	CHECK_ERRNO(__sys_getfh("f/x", again), ENOTDIR);
	CHECK_ERRNO(__sys_getfh((void *)16, again), EFAULT);
	CHECK_ERRNO(__sys_getfh("f", (void *)16), EFAULT);

	/* Stale handles: another fsid, inode number or generation. */
	unsigned char bad[FH_SIZE];
	memcpy(bad, fh, FH_SIZE);
	bad[0] ^= 0x40;
	CHECK_ERRNO(__sys_fhstat(bad, &byfh), ESTALE);
	CHECK_ERRNO(__sys_fhopen(bad, O_RDONLY), ESTALE);
	CHECK_ERRNO(__sys_fhstatfs(bad, &sfs), ESTALE);
	memcpy(bad, fh, FH_SIZE);
	bad[4] = 1;
	CHECK_ERRNO(__sys_fhstat(bad, &byfh), ESTALE);
	memcpy(bad, fh, FH_SIZE);
	bad[14] ^= 0x70;
	CHECK_ERRNO(__sys_fhstat(bad, &byfh), ESTALE);
	memcpy(bad, fh, FH_SIZE);
	bad[16] ^= 0x02;
	CHECK_ERRNO(__sys_fhstat(bad, &byfh), ESTALE);
	/* procfs's fsid: no handles there. */
	struct statfs pfs;
	CHECK_OK(__sys_statfs("/proc", &pfs));
	memcpy(bad, fh, FH_SIZE);
	memcpy(bad, &pfs.f_fsid, 8);
	CHECK_ERRNO(__sys_fhstat(bad, &byfh), EINVAL);
	/* A file removed, even while open, is stale. */
	fd = CHECK_OK(__sys_fhopen(fh, O_RDONLY));
	CHECK_OK(unlink("f"));
	CHECK_ERRNO(__sys_fhstat(fh, &byfh), ESTALE);
	CHECK_ERRNO(__sys_fhopen(fh, O_RDONLY), ESTALE);
	CHECK_OK(close(fd));
	CHECK_ERRNO(__sys_fhstat(fh, &byfh), ESTALE);
	/* ...while a new file gets a new handle. */
	fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0644));
	CHECK_OK(close(fd));
	getfh_("f", again);
	CHECK(memcmp(fh, again, FH_SIZE) != 0);
	CHECK_OK(__sys_fhstat(again, &byfh));
	PASS();
}
