// abi: freebsd4-i386
/*
 * /dev/mem and /dev/kmem as 4.x's MAKEDEV makes them (crw-r----- root kmem, major 2
 * minors 0 and 1), so that libkvm's kvm_openfiles(NULL, NULL, ...) finds a live
 * kernel the way `uptime`, `w` and `ps` open it: /dev/mem opens, is a character
 * device, takes FD_CLOEXEC, and /dev/kmem opens after it. No memory is behind them:
 * every read and write is EFAULT, as 4.x's mmrw answers for an address its kernel
 * does not map. Group kmem may read them, others not (EACCES).
 *
 * And lseek as 4.x's: it refuses what is not DTYPE_VNODE (ESPIPE: a FIFO, a pipe, a
 * socket); a device or a terminal takes the offset (/dev/kmem's are kernel
 * addresses), which reads and writes then ignore.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void check_node(const char *path, unsigned rdev)
{
	struct stat st;
	CHECK_OK(stat(path, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(st.st_uid, 0);
	CHECK_EQ(st.st_gid, 2);
	CHECK_EQ(st.st_rdev, rdev);
}

int main(void)
{
	check_node("/dev/mem", 0x200);
	check_node("/dev/kmem", 0x201);

	/* kvm_openfiles on a live kernel. */
	int mem = CHECK_OK(open("/dev/mem", O_RDONLY));
	struct stat st;
	CHECK_OK(fstat(mem, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_OK(fcntl(mem, F_SETFD, FD_CLOEXEC));
	int kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));

	/* kvm_read: a seek to a kernel address, then the read, which faults. */
	char buf[16];
	long long at = 0xc0100000LL;
	CHECK_EQ(lseek(kmem, at, SEEK_SET), at);
	CHECK_ERRNO(read(kmem, buf, sizeof(buf)), EFAULT);
	CHECK_EQ(lseek(kmem, 0, SEEK_CUR), at);
	CHECK_ERRNO(read(mem, buf, sizeof(buf)), EFAULT);
	int rw = CHECK_OK(open("/dev/kmem", O_RDWR));
	CHECK_ERRNO(write(rw, buf, 4), EFAULT);
	close(rw);
	close(kmem);
	close(mem);

	/* Group kmem may read them; other users may not. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setgid(2) != 0 || setuid(65534) != 0)
			_exit(1);
		int fd = open("/dev/kmem", O_RDONLY);
		if (fd < 0)
			_exit(2);
		if (open("/dev/kmem", O_RDWR) != -1 || errno != EACCES)
			_exit(3);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(1);
		_exit(open("/dev/mem", O_RDONLY) == -1 && errno == EACCES ? 0 : 2);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* lseek on a device: the offset moves, reads do not care. */
	int null = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_EQ(lseek(null, 100, SEEK_SET), 100);
	CHECK_EQ(lseek(null, 5, SEEK_CUR), 105);
	CHECK_EQ(lseek(null, 7, SEEK_END), 7);
	CHECK_EQ(read(null, buf, sizeof(buf)), 0);
	CHECK_ERRNO(lseek(null, 0, 3), EINVAL);
	int zero = CHECK_OK(open("/dev/zero", O_RDONLY));
	CHECK_EQ(lseek(zero, 4096, SEEK_SET), 4096);
	CHECK_EQ(read(zero, buf, 4), 4);
	CHECK_EQ(lseek(zero, 0, SEEK_CUR), 4096);

	/* A FIFO not (open makes it DTYPE_FIFO), nor a pipe or a socket. */
	unlink("/tmp/fb4_dev_mem.fifo");
	CHECK_OK(mkfifo("/tmp/fb4_dev_mem.fifo", 0600));
	int fifo = CHECK_OK(open("/tmp/fb4_dev_mem.fifo", O_RDONLY | O_NONBLOCK));
	int fifo_w = CHECK_OK(open("/tmp/fb4_dev_mem.fifo", O_WRONLY | O_NONBLOCK));
	CHECK_ERRNO(lseek(fifo, 9, SEEK_SET), ESPIPE);
	CHECK_ERRNO(lseek(fifo_w, 3, SEEK_SET), ESPIPE);
	close(fifo);
	close(fifo_w);
	unlink("/tmp/fb4_dev_mem.fifo");
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(lseek(p[0], 0, SEEK_SET), ESPIPE);
	int sv[2];
	CHECK_OK(__sys_socketpair(1, 1, 0, sv));
	CHECK_ERRNO(lseek(sv[0], 0, SEEK_SET), ESPIPE);
	PASS();
}
