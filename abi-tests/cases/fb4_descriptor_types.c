// abi: freebsd4-i386
/*
 * What 4.x's calls that want a vnode say of descriptors that are not one, by struct
 * file's f_type (a FIFO opened by name is DTYPE_FIFO, apart from DTYPE_VNODE):
 *  - lseek, pread and pwrite: ESPIPE for a FIFO, pipe, socket or kqueue;
 *  - fsync (getvnode): EINVAL for a pipe, socket or kqueue; a FIFO is accepted;
 *  - fcntl F_GETLK/F_SETLK: EBADF for all but a vnode, before the struct flock is
 *    read (a bad pointer on a regular file is EFAULT);
 *  - flock: EOPNOTSUPP for all but a vnode; with no operation EBADF;
 *  - a device's or FIFO's vnode takes no advisory locks: flock and open's
 *    O_EXLOCK/O_SHLOCK EOPNOTSUPP, fcntl F_GETLK/F_SETLK EINVAL on a device;
 *  - fpathconf: a pipe or socket knows only _PC_PIPE_BUF (PIPE_BUF, 512), EINVAL for
 *    the rest; a kqueue EOPNOTSUPP; a FIFO its file system's answers;
 *  - fchdir, fchmod and getdirentries (getvnode): EINVAL for a pipe; then fchdir of
 *    a file ENOTDIR, getdirentries EBADF unless open for reading, EINVAL for a file.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

enum { PC_NAME_MAX = 4, PC_PIPE_BUF = 6 };

int main(void)
{
	CHECK_OK(chdir("/tmp"));
	unlink("fb4_descriptor_types.fifo");
	CHECK_OK(mkfifo("fb4_descriptor_types.fifo", 0600));
	int fifo = CHECK_OK(open("fb4_descriptor_types.fifo", O_RDONLY | O_NONBLOCK));
	int p[2], sv[2];
	CHECK_OK(pipe(p));
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int kq = CHECK_OK(__sys_kqueue());
	int file = CHECK_OK(open("fb4_descriptor_types.file", O_RDWR | O_CREAT | O_TRUNC, 0600));
	int null = CHECK_OK(open("/dev/null", O_RDWR));
	int others[4] = {fifo, p[0], sv[0], kq};
	char c;
	void *bad = nt_page_before_hole() + 4096;

	for (int i = 0; i < 4; i++) {
		int fd = others[i];
		CHECK_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE);
		CHECK_ERRNO(pread(fd, &c, 1, 0), ESPIPE);
		CHECK_ERRNO(fcntl(fd, F_GETLK, bad), EBADF);
		CHECK_ERRNO(fcntl(fd, F_SETLK, bad), EBADF);
		CHECK_ERRNO(flock(fd, LOCK_SH | LOCK_NB), EOPNOTSUPP);
		CHECK_ERRNO(flock(fd, 0), EOPNOTSUPP);
		if (fd == fifo)
			CHECK_OK(fsync(fd));
		else
			CHECK_ERRNO(fsync(fd), EINVAL);
	}
	CHECK_ERRNO(pwrite(p[1], "x", 1, 0), ESPIPE);

	/* A vnode: the lock calls read their argument; flock wants an operation. */
	CHECK_EQ(lseek(file, 0, SEEK_SET), 0);
	CHECK_EQ(lseek(null, 5, SEEK_SET), 5);
	CHECK_ERRNO(fcntl(file, F_GETLK, bad), EFAULT);
	CHECK_ERRNO(flock(file, 0), EBADF);
	CHECK_OK(flock(file, LOCK_SH | LOCK_NB));
	CHECK_OK(flock(file, LOCK_UN));
	CHECK_OK(fsync(file));
	CHECK_OK(fsync(null));

	/* A device's vnode takes no advisory locks (spec_advlock): flock-style ones
	 * (flock, open's O_EXLOCK) EOPNOTSUPP, fcntl's EINVAL after the mode check. */
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	CHECK_ERRNO(fcntl(null, F_SETLK, &fl), EINVAL);
	CHECK_ERRNO(fcntl(null, F_GETLK, &fl), EINVAL);
	CHECK_ERRNO(flock(null, LOCK_EX), EOPNOTSUPP);
	CHECK_ERRNO(flock(null, LOCK_UN), EOPNOTSUPP);
	CHECK_ERRNO(flock(null, 0), EBADF);
	CHECK_ERRNO(open("/dev/null", O_RDONLY | O_EXLOCK | O_NONBLOCK), EOPNOTSUPP);
	int null_ro = CHECK_OK(open("/dev/null", O_RDONLY));
	CHECK_ERRNO(fcntl(null_ro, F_SETLK, &fl), EBADF);
	close(null_ro);
	int tty = open("/dev/tty", O_RDWR);
	if (tty >= 0) {
		CHECK_ERRNO(flock(tty, LOCK_SH | LOCK_NB), EOPNOTSUPP);
		close(tty);
	}
	/* A FIFO opened with O_SHLOCK: fifo_advlock refuses too. */
	CHECK_ERRNO(open("fb4_descriptor_types.fifo", O_RDONLY | O_SHLOCK | O_NONBLOCK),
		    EOPNOTSUPP);

	/* fpathconf by what the descriptor is. */
	CHECK_EQ(__sys_fpathconf(p[0], PC_PIPE_BUF), 512);
	CHECK_EQ(__sys_fpathconf(sv[0], PC_PIPE_BUF), 512);
	CHECK_ERRNO(__sys_fpathconf(p[0], PC_NAME_MAX), EINVAL);
	CHECK_ERRNO(__sys_fpathconf(sv[0], PC_NAME_MAX), EINVAL);
	CHECK_ERRNO(__sys_fpathconf(kq, PC_PIPE_BUF), EOPNOTSUPP);
	CHECK_EQ(__sys_fpathconf(fifo, PC_NAME_MAX), 255);
	CHECK_EQ(__sys_fpathconf(file, PC_NAME_MAX), 255);

	/* getvnode before the node's own checks (getdirentries: then FREAD, EBADF,
	 * then the directory, EINVAL). */
	char dirbuf[512];
	long base;
	CHECK_ERRNO(__sys_getdirentries(p[1], dirbuf, sizeof(dirbuf), &base), EINVAL);
	int wronly = CHECK_OK(open("fb4_descriptor_types.file", O_WRONLY));
	CHECK_ERRNO(__sys_getdirentries(wronly, dirbuf, sizeof(dirbuf), &base), EBADF);
	close(wronly);
	CHECK_ERRNO(__sys_getdirentries(file, dirbuf, sizeof(dirbuf), &base), EINVAL);
	CHECK_ERRNO(fchdir(p[0]), EINVAL);
	CHECK_ERRNO(fchmod(p[0], 0600), EINVAL);
	CHECK_ERRNO(fchdir(file), ENOTDIR);

	close(fifo);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(kq);
	close(file);
	close(null);
	unlink("fb4_descriptor_types.fifo");
	unlink("fb4_descriptor_types.file");
	PASS();
}
