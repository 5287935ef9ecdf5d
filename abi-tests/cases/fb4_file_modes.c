// abi: freebsd4-i386
/*
 * Modes, owners and times as 4.x's vfs_syscalls.c and UFS set them, where touch, cp
 * -p, mv, chmod(1), chgrp and mkdir see the difference:
 *  - utimes stores any time but VNOVAL (-1 seconds), which leaves that time alone: a
 *    time before 1970 comes back from stat (touch -t 196001010000);
 *  - chmod by an owner who is not root is refused, not quietly given less: the sticky
 *    bit on a file EFTYPE, set-group-id on a file of another group EPERM (mode
 *    unchanged); on a directory the sticky bit is fine;
 *  - chown by an owner who is not root clears set-uid and set-gid only when an id
 *    changes (ufs_chown);
 *  - mkdir keeps ACCESSPERMS of its mode (no set-id or sticky bit), open's O_CREAT
 *    ALLPERMS less the sticky bit, mkfifo ALLPERMS, each under the umask;
 *  - "/" as what a call makes, removes or renames is EISDIR (lookup's answer for an
 *    empty last name outside a plain lookup): mkdir, rmdir, unlink, rename either
 *    way (the source looked up first), link and symlink's new name, mkfifo.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

struct tv32 {
	int sec, usec;
};

enum { EFTYPE_4X = 79, USER = 1000, OTHER_GROUP = 5 };

static mode_t mode_of(const char *path)
{
	struct stat st;
	CHECK_OK(stat(path, &st));
	return st.st_mode & 07777;
}

static void times(void)
{
	struct stat st;
	nt_write_file("t", "x");
	struct tv32 old[2] = {{-315619200, 0}, {-315619200, 500000}}; /* 1960-01-01 */
	CHECK_OK(__sys_utimes("t", old));
	CHECK_OK(stat("t", &st));
	CHECK_EQ(st.st_atime, -315619200);
	CHECK_EQ(st.st_mtime, -315619200);
	CHECK_EQ(st.st_mtimespec.tv_nsec, 500000000);
	struct tv32 set[2] = {{1000000000, 0}, {1000000000, 0}};
	CHECK_OK(__sys_utimes("t", set));
	struct tv32 keep_atime[2] = {{-1, 0}, {1100000000, 0}};
	CHECK_OK(__sys_utimes("t", keep_atime));
	CHECK_OK(stat("t", &st));
	CHECK_EQ(st.st_atime, 1000000000);
	CHECK_EQ(st.st_mtime, 1100000000);
	struct tv32 keep_both[2] = {{-1, 0}, {-1, 0}};
	CHECK_OK(__sys_utimes("t", keep_both));
	CHECK_OK(stat("t", &st));
	CHECK_EQ(st.st_atime, 1000000000);
	CHECK_EQ(st.st_mtime, 1100000000);
	struct tv32 bad_usec[2] = {{0, 1000000}, {0, 0}};
	CHECK_ERRNO(__sys_utimes("t", bad_usec), EINVAL);
}

/* In a child that is user USER (groups: USER only), `check` runs; the parent waits. */
static void as_user(void (*check)(void))
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		gid_t g = USER;
		CHECK_OK(__sys_setgroups(1, (void *)&g));
		CHECK_OK(setgid(USER));
		CHECK_OK(setuid(USER));
		check();
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

static void owner_checks(void)
{
	CHECK_ERRNO(chmod("mine", 01644), EFTYPE_4X);
	CHECK_EQ(mode_of("mine"), 02755);
	CHECK_OK(chmod("mydir", 01755));
	CHECK_EQ(mode_of("mydir"), 01755);
	/* Giving the file the ids it has keeps its set-id bits. */
	CHECK_OK(chown("mine", USER, USER));
	CHECK_EQ(mode_of("mine"), 02755);
	CHECK_OK(chown("mine", -1, -1));
	CHECK_EQ(mode_of("mine"), 02755);
	/* Another group's file: set-group-id is EPERM, the mode stays. */
	CHECK_ERRNO(chmod("theirs", 02755), EPERM);
	CHECK_EQ(mode_of("theirs"), 0644);
	CHECK_OK(chmod("theirs", 0640));
}

static void user_modes(void)
{
	nt_write_file("mine", "x");
	CHECK_OK(chown("mine", USER, USER));
	CHECK_OK(chmod("mine", 02755));
	CHECK_OK(mkdir("mydir", 0755));
	CHECK_OK(chown("mydir", USER, USER));
	nt_write_file("theirs", "x");
	CHECK_OK(chown("theirs", USER, OTHER_GROUP));
	CHECK_OK(chmod("theirs", 0644));
	as_user(owner_checks);
	CHECK_EQ(mode_of("theirs"), 0640);
}

static void creation_modes(void)
{
	mode_t old = umask(0);
	CHECK_OK(mkdir("d", 03777));
	CHECK_EQ(mode_of("d"), 0777);
	CHECK_OK(close(CHECK_OK(open("f", O_WRONLY | O_CREAT, 07777))));
	CHECK_EQ(mode_of("f"), 06777);
	CHECK_OK(mkfifo("p", 07777));
	CHECK_EQ(mode_of("p"), 07777);
	umask(022);
	CHECK_OK(mkdir("d2", 03777));
	CHECK_EQ(mode_of("d2"), 0755);
	umask(old);
}

static void root_as_object(void)
{
	nt_write_file("s", "x");
	CHECK_ERRNO(mkdir("/", 0755), EISDIR);
	CHECK_ERRNO(mkdir("//", 0755), EISDIR);
	CHECK_ERRNO(rmdir("/"), EISDIR);
	CHECK_ERRNO(unlink("/"), EISDIR);
	CHECK_ERRNO(rename("/", "x"), EISDIR);
	CHECK_ERRNO(rename("s", "/"), EISDIR);
	CHECK_ERRNO(rename("missing", "/"), ENOENT);
	CHECK_ERRNO(link("s", "/"), EISDIR);
	CHECK_ERRNO(link("missing", "/"), ENOENT);
	CHECK_ERRNO(symlink("s", "/"), EISDIR);
	CHECK_ERRNO(mkfifo("/", 0644), EISDIR);
	CHECK_OK(access("s", F_OK));
}

int main(void)
{
	nt_scratch_dir("fb4_file_modes");
	CHECK_OK(chmod(".", 0755));
	times();
	user_modes();
	creation_modes();
	root_as_object();
	return 0;
}
