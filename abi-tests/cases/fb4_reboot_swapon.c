// abi: freebsd4-i386
/*
 * reboot (55) and swapon (85) as 4.x answers them on a machine with no disks:
 *  - both are root only (suser, EPERM), checked before anything else: a bad pointer
 *    or any flag is EPERM too;
 *  - swapon's path is looked up as namei does (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG,
 *    EFAULT), following a final symbolic link; then vn_isdisk refuses with ENOTBLK
 *    whatever is not a disk's device: a regular file, a directory, /dev/null, a
 *    symbolic link to one of them;
 *  - reboot as root ends the machine, so the suite shows only its EPERM (xtask test's
 *    exec checks run images/programs/fb4-reboot.c for the rest).
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define RB_NOSYNC 0x4
#define RB_HALT 0x8
#define RB_POWEROFF 0x4000

static int reboot_(int opt) { return syscall(55, opt); }
static int swapon_(const void *name) { return syscall(85, name); }

int main(void)
{
	nt_scratch_dir("fb4_reboot_swapon");
	int fd = CHECK_OK(open("file", O_CREAT | O_WRONLY, 0644));
	CHECK_OK(close(fd));
	CHECK_OK(mkdir("dir", 0755));
	CHECK_OK(symlink("file", "link"));
	CHECK_OK(symlink("loop", "loop"));

	/* Not root: EPERM first, whatever the argument. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		CHECK_ERRNO(reboot_(0), EPERM);
		CHECK_ERRNO(reboot_(RB_HALT), EPERM);
		CHECK_ERRNO(reboot_(RB_POWEROFF | RB_HALT | RB_NOSYNC), EPERM);
		CHECK_ERRNO(reboot_(-1), EPERM);
		CHECK_ERRNO(swapon_("/dev/null"), EPERM);
		CHECK_ERRNO(swapon_("/no/such/file"), EPERM);
		CHECK_ERRNO(swapon_((void *)16), EPERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* Root: the lookup's errors. */
	CHECK_ERRNO(swapon_("missing"), ENOENT);
	CHECK_ERRNO(swapon_("/no/such/file"), ENOENT);
	CHECK_ERRNO(swapon_("file/x"), ENOTDIR);
	CHECK_ERRNO(swapon_("loop"), ELOOP);
	CHECK_ERRNO(swapon_(""), ENOENT);
	CHECK_ERRNO(swapon_((void *)16), EFAULT);
	CHECK_ERRNO(swapon_(NULL), EFAULT);
	static char longname[1100];
	memset(longname, 'a', sizeof longname - 1);
	CHECK_ERRNO(swapon_(longname), ENAMETOOLONG);

	/* Root: everything that exists is not a disk. */
	CHECK_ERRNO(swapon_("/dev/null"), ENOTBLK);
	CHECK_ERRNO(swapon_("/dev/zero"), ENOTBLK);
	CHECK_ERRNO(swapon_("file"), ENOTBLK);
	CHECK_ERRNO(swapon_("link"), ENOTBLK);
	CHECK_ERRNO(swapon_("dir"), ENOTBLK);
	CHECK_ERRNO(swapon_("/"), ENOTBLK);
	PASS();
}
