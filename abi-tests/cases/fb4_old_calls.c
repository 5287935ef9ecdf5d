// abi: freebsd4-i386
/*
 * The 4.3BSD entries 4.x keeps under COMPAT_43 for older binaries: creat (8), lseek
 * with a 32-bit offset (19), the 64-byte struct ostat of stat/lstat/fstat (38, 40,
 * 62), truncate/ftruncate with 32-bit lengths (129, 130), getpagesize (64), the
 * 32-bit masks of sigblock/sigsetmask/sigpending (109, 110, 52), sigvec (108) whose
 * handlers return through the old-style frame, killpg (146), and wait (84) with the
 * status in edx, getrlimit/setrlimit with 32-bit limits (144, 145), gethostname and
 * sethostname (87, 88). Also FIODTYPE, which 4.x dd asks of every character device,
 * chflags/fchflags (cp -p copies a file's flags; fb4_file_flags has the rules) and
 * pathconf.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int caught;
static void on_usr1(int sig) { caught = sig; }

/* owait: eax = pid, edx = status. */
static int owait(int *status)
{
	int pid, st;
	unsigned char cf;
	__asm__ volatile("pushl $0\n\t"
			 "movl $84, %%eax\n\t"
			 "int $0x80\n\t"
			 "setc %2\n\t"
			 "addl $4, %%esp"
			 : "=a"(pid), "=d"(st), "=q"(cf)
			 :
			 : "memory", "cc");
	if (cf)
		return -1;
	*status = st;
	return pid;
}

int main(void)
{
	nt_scratch_dir("fb4_old_calls");
	/* creat, 32-bit lseek, ofstat/ostat/olstat */
	int fd = CHECK_OK(syscall(8, "old", 0640));
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(syscall(19, fd, 3, SEEK_SET), 3);
	CHECK_EQ(syscall(19, fd, -1, SEEK_END), 9);
	unsigned char os[64];
	memset(os, 0xee, sizeof os);
	CHECK_OK(syscall(62, fd, os));
	uint16_t mode;
	int32_t size, blksize;
	memcpy(&mode, os + 8, 2);
	memcpy(&size, os + 20, 4);
	memcpy(&blksize, os + 48, 4);
	CHECK_EQ(mode, S_IFREG | 0640);
	CHECK_EQ(size, 10);
	CHECK(blksize > 0);
	CHECK_OK(symlink("old", "old-link"));
	CHECK_OK(syscall(38, "old-link", os));
	memcpy(&mode, os + 8, 2);
	CHECK_EQ(mode & S_IFMT, S_IFREG);
	CHECK_OK(syscall(40, "old-link", os));
	memcpy(&mode, os + 8, 2);
	CHECK_EQ(mode & S_IFMT, S_IFLNK);
	/* otruncate, oftruncate */
	CHECK_OK(syscall(129, "old", 4));
	CHECK_OK(syscall(62, fd, os));
	memcpy(&size, os + 20, 4);
	CHECK_EQ(size, 4);
	CHECK_OK(syscall(130, fd, 7));
	CHECK_OK(syscall(62, fd, os));
	memcpy(&size, os + 20, 4);
	CHECK_EQ(size, 7);
	CHECK_EQ(syscall(64), 4096);

	/* FIODTYPE (_IOR('f', 122, int)): D_MEM for /dev/null, D_TTY for the console, no
	 * answer for a regular file. */
	int type = -1;
	int null = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_OK(ioctl(null, 0x4004667a, &type));
	CHECK_EQ(type, 0x8);
	int cons = CHECK_OK(open("/dev/console", O_RDWR));
	CHECK_OK(ioctl(cons, 0x4004667a, &type));
	CHECK_EQ(type, 0x4);
	CHECK_ERRNO(ioctl(fd, 0x4004667a, &type), ENOTTY);

	/* sigblock / sigsetmask / sigpending: 32-bit masks, the old one returned. */
	int usr1 = 1 << (SIGUSR1 - 1), usr2 = 1 << (SIGUSR2 - 1);
	CHECK_EQ(syscall(110, 0), 0);
	CHECK_EQ(syscall(109, usr1), 0);
	CHECK_EQ(syscall(109, usr2), usr1);
	CHECK_EQ(syscall(110, 0), usr1 | usr2);

	/* sigvec: the handler runs (old-style frame) and the program goes on. */
	struct sigvec sv = {(uint32_t)(uintptr_t)on_usr1, 0, 0};
	CHECK_OK(syscall(108, SIGUSR1, &sv, NULL));
	CHECK_OK(syscall(109, usr1));
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(caught, 0);
	CHECK_EQ(syscall(52), usr1);
	CHECK_EQ(syscall(110, 0), usr1);
	CHECK_EQ(caught, SIGUSR1);
	struct sigvec old;
	CHECK_OK(syscall(108, SIGUSR1, NULL, &old));
	CHECK_EQ(old.sv_handler, (uint32_t)(uintptr_t)on_usr1);
	/* killpg to our own group */
	caught = 0;
	CHECK_OK(syscall(146, 0, SIGUSR1));
	CHECK_EQ(caught, SIGUSR1);

	/* File flags: set, seen by stat, cleared. */
	CHECK_OK(syscall(35, fd, 0));
	CHECK_OK(syscall(34, "old", 0));
	CHECK_OK(syscall(35, fd, 0x1 /* UF_NODUMP */));
	struct stat flagged;
	CHECK_OK(fstat(fd, &flagged));
	CHECK_EQ(flagged.st_flags, 0x1);
	CHECK_OK(syscall(34, "old", 0));
	CHECK_ERRNO(syscall(34, "missing", 0), ENOENT);
	/* pathconf: NAME_MAX 255, PATH_MAX 1024, PIPE_BUF 512; unknown names EINVAL. */
	CHECK_EQ(syscall(191, "old", 4), 255);
	CHECK_EQ(syscall(191, "old", 5), 1024);
	CHECK_EQ(syscall(192, fd, 6), 512);
	CHECK_ERRNO(syscall(192, fd, 99), EINVAL);
	CHECK_ERRNO(syscall(192, -1, 4), EBADF);

	/* 32-bit limits: past 2^31-1 they read as 0x7fffffff; -1 sets infinity. */
	int32_t orl[2];
	CHECK_OK(syscall(144, 3 /* RLIMIT_STACK */, orl));
	CHECK_EQ(orl[0], 8 * 1024 * 1024);
	CHECK_EQ(orl[1], 64 * 1024 * 1024);
	CHECK_OK(syscall(144, 0 /* RLIMIT_CPU */, orl));
	CHECK_EQ(orl[0], 0x7fffffff);
	orl[0] = 4 * 1024 * 1024;
	orl[1] = 64 * 1024 * 1024;
	CHECK_OK(syscall(145, 3, orl));
	struct rlimit rl;
	CHECK_OK(__sys_getrlimit(RLIMIT_STACK, &rl));
	CHECK_EQ(rl.rlim_cur, 4 * 1024 * 1024);
	CHECK_ERRNO(syscall(144, 99, orl), EINVAL);

	/* Host names: sethostname (root) is what gethostname and kern.hostname say. */
	char host[64];
	CHECK_OK(syscall(88, "oldhost", 7));
	memset(host, 0xff, sizeof host);
	CHECK_OK(syscall(87, host, sizeof host));
	CHECK_EQ(strcmp(host, "oldhost"), 0);
	CHECK_ERRNO(syscall(87, host, 3), ENOMEM);
	int mib[2] = {1, 10};
	size_t len = sizeof host;
	CHECK_OK(sysctl(mib, 2, host, &len, NULL, 0));
	CHECK_EQ(strcmp(host, "oldhost"), 0);
	CHECK_OK(sysctl(mib, 2, NULL, NULL, "nymph", 5));
	CHECK_OK(syscall(87, host, sizeof host));
	CHECK_EQ(strcmp(host, "nymph"), 0);

	/* wait: the status word comes back in edx. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(5);
	int status = -1;
	CHECK_EQ(owait(&status), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	PASS();
}
