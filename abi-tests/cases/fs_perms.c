// abi: all
/*
 * Owners, modes and the checks a non-root user meets: EACCES from the permission
 * bits, EPERM for chmod/chown of another's file and for unlinking another's file in
 * a sticky directory; root passes. Also umask, utimensat/futimens, chroot, rename
 * across file systems (EXDEV), and the devfs nodes.
 */
#include <nymph_test.h>
#include <sys/wait.h>

#define USER 1000

static void as_user(void)
{
	char buf[8];
	struct stat st;

	CHECK_OK(setgid(USER));
	CHECK_OK(setuid(USER));
	CHECK_EQ(getuid(), USER);
	CHECK_EQ(geteuid(), USER);
	CHECK_ERRNO(setuid(0), EPERM);

	CHECK_ERRNO(open("secret", O_RDONLY), EACCES);
	CHECK_ERRNO(open("public", O_WRONLY), EACCES);
	int fd = CHECK_OK(open("public", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 3);
	CHECK_OK(close(fd));
	CHECK_ERRNO(access("public", W_OK), EACCES);
	CHECK_OK(access("public", R_OK));
	CHECK_ERRNO(mkdir("closed/sub", 0755), EACCES);
	CHECK_ERRNO(open("closed/new", O_WRONLY | O_CREAT, 0644), EACCES);
	CHECK_ERRNO(stat("private/inside", &st), EACCES);
	CHECK_ERRNO(chmod("public", 0666), EPERM);
	CHECK_ERRNO(chown("public", USER, USER), EPERM);
	CHECK_ERRNO(chroot("."), EPERM);

	/* A world-writable sticky directory: create there, but not remove root's file. */
	fd = CHECK_OK(open("sticky/mine", O_WRONLY | O_CREAT, 0600));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_uid, USER);
	CHECK_OK(close(fd));
	CHECK_ERRNO(unlink("sticky/roots"), EPERM);
	CHECK_OK(unlink("sticky/mine"));

	/* The owner may change its own file's mode and times. */
	fd = CHECK_OK(open("open/own", O_RDWR | O_CREAT, 0600));
	CHECK_OK(fchmod(fd, 0640));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
#ifdef AT_FDCWD
	struct timespec t[2] = {{1000, 5}, {2000, 6}};
	CHECK_OK(futimens(fd, t));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_EQ(st.st_mtim.tv_sec, 2000);
	CHECK_EQ(st.st_mtim.tv_nsec, 6);
	CHECK_ERRNO(utimensat(AT_FDCWD, "public", t, 0), EPERM);
#else /* FreeBSD 4.x: futimes/utimes, in microseconds */
	struct timeval t[2] = {{1000, 5}, {2000, 6}};
	CHECK_OK(futimes(fd, t));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_EQ(st.st_mtim.tv_sec, 2000);
	CHECK_EQ(st.st_mtim.tv_nsec, 6000);
	CHECK_ERRNO(utimes("public", t), EPERM);
	CHECK_ERRNO(utimes("public", NULL), EACCES); /* "now" needs write access */
#endif
	_exit(0);
}

int main(void)
{
	struct stat st;
	char root_dir[128];

	nt_scratch_dir("fs_perms");
	CHECK(getcwd(root_dir, sizeof(root_dir)) != NULL);

	/* umask applies to creation modes. */
	mode_t old = umask(077);
	int fd = CHECK_OK(open("masked", O_WRONLY | O_CREAT, 0666));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_OK(close(fd));
	CHECK_EQ(umask(old), 077);

	nt_write_file("secret", "s");
	CHECK_OK(chmod("secret", 0600));
	nt_write_file("public", "pub");
	CHECK_OK(chmod("public", 0644));
	CHECK_OK(mkdir("closed", 0755));
	CHECK_OK(mkdir("private", 0700));
	nt_write_file("private/inside", "x");
	CHECK_OK(mkdir("sticky", 01777));
	CHECK_OK(chmod("sticky", 01777));
	nt_write_file("sticky/roots", "r");
	CHECK_OK(chmod("sticky/roots", 0666));
	CHECK_OK(mkdir("open", 0777));
	CHECK_OK(chmod("open", 0777));
	CHECK_OK(chmod(".", 0755));

	/* Root reads anything, chowns anything. */
	fd = CHECK_OK(open("secret", O_RDONLY));
	CHECK_OK(close(fd));
	CHECK_OK(chown("secret", 7, 8));
	CHECK_OK(stat("secret", &st));
	CHECK_EQ(st.st_uid, 7);
	CHECK_EQ(st.st_gid, 8);
	CHECK_OK(chown("secret", 0, 0));

	int status;
	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		as_user();
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Times: explicit, UTIME_OMIT, now. */
#ifdef AT_FDCWD
	struct timespec t[2] = {{111, 0}, {222, 0}};
	CHECK_OK(utimensat(AT_FDCWD, "public", t, 0));
	CHECK_OK(stat("public", &st));
	CHECK_EQ(st.st_atim.tv_sec, 111);
	CHECK_EQ(st.st_mtim.tv_sec, 222);
	struct timespec keep[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	CHECK_OK(utimensat(AT_FDCWD, "public", keep, 0));
	CHECK_OK(stat("public", &st));
	CHECK_EQ(st.st_atim.tv_sec, 111);
	CHECK(st.st_mtim.tv_sec > 222);
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	CHECK_ERRNO(utimensat(AT_FDCWD, "public", bad, 0), EINVAL);
#else /* FreeBSD 4.x: utimes, explicit or now */
	struct timeval t[2] = {{111, 0}, {222, 0}};
	CHECK_OK(utimes("public", t));
	CHECK_OK(stat("public", &st));
	CHECK_EQ(st.st_atim.tv_sec, 111);
	CHECK_EQ(st.st_mtim.tv_sec, 222);
	CHECK_OK(utimes("public", NULL));
	CHECK_OK(stat("public", &st));
	CHECK(st.st_atim.tv_sec > 111);
	CHECK(st.st_mtim.tv_sec > 222);
#endif

	/* devfs: another file system, so rename across it is EXDEV. */
	CHECK_ERRNO(rename("public", "/dev/public"), EXDEV);
	CHECK_ERRNO(link("public", "/dev/public"), EXDEV);
	CHECK_OK(stat("/dev/null", &st));
	CHECK(S_ISCHR(st.st_mode));
	fd = CHECK_OK(open("/dev/null", O_RDWR));
	char buf[16];
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_OK(close(fd));
	fd = CHECK_OK(open("/dev/zero", O_RDONLY));
	memset(buf, 7, sizeof(buf));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 16);
	CHECK_EQ(buf[0] | buf[15], 0);
	CHECK_OK(close(fd));

	/* chroot: "/" becomes the scratch directory, ".." stops there. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(chroot(root_dir));
		CHECK_OK(chdir("/"));
		CHECK_OK(stat("/public", &st));
		CHECK_OK(chdir("/../.."));
		char here[64];
		CHECK(getcwd(here, sizeof(here)) != NULL);
		CHECK_EQ(strcmp(here, "/"), 0);
		CHECK_ERRNO(stat("/dev/null", &st), ENOENT);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
