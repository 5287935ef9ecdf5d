// abi: freebsd4-i386
/*
 * revoke (56) as 4.x's vfs_syscalls.c revoke and deadfs (dead_vnops.c) answer it:
 * - the lookup's errors (EFAULT, ENOENT, ENOTDIR); EINVAL for what is not a character
 *   device (a regular file, a directory); EPERM for a caller that neither owns the node
 *   nor is root (a setuid child against root's /dev/zero);
 * - revoking an open terminal (/dev/console): the descriptor opened before answers as a
 *   dead vnode: read end of file (VISTTY), write EIO, every ioctl ENOTTY (TIOCGETA,
 *   FIONBIO, FIODTYPE) but FIOCLEX, poll POLLHUP alone, select ready, fstat EBADF; close
 *   works; a dup of it is cut off too; a new open of the same node works (TIOCGETA,
 *   poll POLLOUT);
 * - revoking another device (/dev/zero): its old descriptor reads EIO, writes EIO; a
 *   new one reads zeros; revoking a device nobody has open succeeds.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* sys/filio.h: FIODTYPE, _IOR('f', 122, int). */
#define FIODTYPE_CMD 0x4004667aUL

static void check_dead_tty(int fd)
{
	char c = 'x';
	CHECK_EQ(CHECK_OK(read(fd, &c, 1)), 0);
	CHECK_ERRNO(write(fd, "x", 1), EIO);
	struct termios t;
	CHECK_ERRNO(ioctl(fd, TIOCGETA, &t), ENOTTY);
	int on = 1;
	CHECK_ERRNO(ioctl(fd, FIONBIO, &on), ENOTTY);
	int type;
	CHECK_ERRNO(ioctl(fd, FIODTYPE_CMD, &type), ENOTTY);
	CHECK_OK(ioctl(fd, FIOCLEX, NULL));
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	CHECK_EQ(CHECK_OK(poll(&p, 1, 0)), 1);
	CHECK_EQ(p.revents, POLLHUP);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fd, &r);
	struct timeval tv = {0, 0};
	CHECK_EQ(CHECK_OK(select(fd + 1, &r, NULL, NULL, &tv)), 1);
	CHECK(FD_ISSET(fd, &r));
	struct stat st;
	CHECK_ERRNO(fstat(fd, &st), EBADF);
}

static void check_eperm(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(1001) < 0)
			_exit(9);
		CHECK_ERRNO(__sys_revoke("/dev/zero"), EPERM);
		CHECK_ERRNO(__sys_revoke("/dev/console"), EPERM);
		/* The type is checked before the owner. */
		CHECK_ERRNO(__sys_revoke("/dev"), EINVAL);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

int main(void)
{
	nt_scratch_dir("fb4_revoke");
	nt_write_file("file", "x");

	/* ---- errors ---- */
	CHECK_ERRNO(__sys_revoke((const char *)1), EFAULT);
	CHECK_ERRNO(__sys_revoke("nx"), ENOENT);
	CHECK_ERRNO(__sys_revoke("file/x"), ENOTDIR);
	CHECK_ERRNO(__sys_revoke("file"), EINVAL);
	CHECK_ERRNO(__sys_revoke("."), EINVAL);
	CHECK_ERRNO(__sys_revoke("/dev"), EINVAL);
	check_eperm();
	if (getuid() != 0) {
		dprintf(1, "not root: only the errors are checked\n");
		PASS();
	}

	/* ---- a device nobody has open ---- */
	CHECK_OK(__sys_revoke("/dev/random"));

	/* ---- a terminal ---- */
	int old = CHECK_OK(open("/dev/console", O_RDWR));
	int copy = CHECK_OK(dup(old));
	struct termios t;
	CHECK_OK(ioctl(old, TIOCGETA, &t));
	CHECK_OK(__sys_revoke("/dev/console"));
	check_dead_tty(old);
	check_dead_tty(copy);
	/* A new open is a working terminal. */
	int fresh = CHECK_OK(open("/dev/console", O_RDWR));
	CHECK_OK(ioctl(fresh, TIOCGETA, &t));
	struct pollfd p = {fresh, POLLOUT, 0};
	CHECK_EQ(CHECK_OK(poll(&p, 1, 0)), 1);
	CHECK_EQ(p.revents, POLLOUT);
	struct stat st;
	CHECK_OK(fstat(fresh, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_OK(close(old));
	CHECK_OK(close(copy));
	CHECK_OK(close(fresh));

	/* ---- another device: reads EIO ---- */
	int zero = CHECK_OK(open("/dev/zero", O_RDWR));
	char buf[4] = {1, 1, 1, 1};
	CHECK_EQ(CHECK_OK(read(zero, buf, 4)), 4);
	CHECK_EQ(buf[0], 0);
	CHECK_OK(__sys_revoke("/dev/zero"));
	CHECK_ERRNO(read(zero, buf, 4), EIO);
	CHECK_ERRNO(write(zero, buf, 4), EIO);
	CHECK_ERRNO(fstat(zero, &st), EBADF);
	int zero2 = CHECK_OK(open("/dev/zero", O_RDONLY));
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(CHECK_OK(read(zero2, buf, 4)), 4);
	CHECK_EQ(buf[3], 0);
	CHECK_OK(close(zero));
	CHECK_OK(close(zero2));
	PASS();
}
