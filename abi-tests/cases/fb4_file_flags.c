// abi: freebsd4-i386
/*
 * File flags (chflags(2), fchflags(2), st_flags) as 4.x's UFS keeps and enforces them
 * (ufs_setattr, ufs_access, ufs_open, ffs_write, ufs_remove, ufs_rmdir, ufs_link,
 * ufs_rename), where the memory file systems said EOPNOTSUPP:
 *  - st_flags reports what was set; fchflags acts on a descriptor's file;
 *  - immutable (uchg): no open for writing, no unlink, rename (either end), link,
 *    chmod, chown, utimes or truncate, all EPERM, access(W_OK) EPERM too; reading
 *    is fine; an immutable directory takes no new names;
 *  - append-only (uappnd): open for writing only with O_APPEND and never O_TRUNC,
 *    writes through an older descriptor only at the end, no ftruncate, no unlink;
 *    an append-only directory takes new names but gives none up;
 *  - no-unlink (uunlnk): the name stays, the data may change;
 *  - a user may set only user flags, on its own files, and none while a system flag
 *    is set; root (not jailed, securelevel -1) sets and clears anything.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define UF_NODUMP 0x1
#define UF_IMMUTABLE 0x2
#define UF_APPEND 0x4
#define UF_NOUNLINK 0x10
#define SF_ARCHIVED 0x10000
#define SF_IMMUTABLE 0x20000
#define SF_NOUNLINK 0x100000

#define USER 1000

static unsigned flags_of(const char *path)
{
	struct stat st;
	CHECK_OK(lstat(path, &st));
	return st.st_flags;
}

static void immutable_file(void)
{
	nt_write_file("imm", "data");
	nt_write_file("other", "x");
	CHECK_EQ(flags_of("imm"), 0);
	CHECK_OK(__sys_chflags("imm", UF_IMMUTABLE));
	CHECK_EQ(flags_of("imm"), UF_IMMUTABLE);
	CHECK_ERRNO(open("imm", O_WRONLY), EPERM);
	CHECK_ERRNO(open("imm", O_RDONLY | O_TRUNC), EPERM);
	int fd = CHECK_OK(open("imm", O_RDONLY));
	char buf[8];
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	CHECK_OK(close(fd));
	CHECK_ERRNO(access("imm", W_OK), EPERM);
	CHECK_OK(access("imm", R_OK));
	CHECK_ERRNO(unlink("imm"), EPERM);
	CHECK_ERRNO(rename("imm", "moved"), EPERM);
	CHECK_ERRNO(rename("other", "imm"), EPERM);
	CHECK_ERRNO(link("imm", "second"), EPERM);
	CHECK_ERRNO(chmod("imm", 0600), EPERM);
	CHECK_ERRNO(chown("imm", USER, USER), EPERM);
	CHECK_ERRNO(utimes("imm", NULL), EPERM);
	CHECK_ERRNO(truncate("imm", 0), EPERM);
	CHECK_OK(access("other", F_OK));
	CHECK_ERRNO(access("moved", F_OK), ENOENT);
	CHECK_ERRNO(access("second", F_OK), ENOENT);
	CHECK_OK(__sys_chflags("imm", 0));
	CHECK_OK(unlink("imm"));

	/* An immutable directory takes no new names and gives none up. */
	CHECK_OK(mkdir("idir", 0755));
	nt_write_file("idir/in", "x");
	CHECK_OK(__sys_chflags("idir", UF_IMMUTABLE));
	CHECK_ERRNO(open("idir/new", O_WRONLY | O_CREAT, 0644), EPERM);
	CHECK_ERRNO(mkdir("idir/sub", 0755), EPERM);
	CHECK_ERRNO(unlink("idir/in"), EPERM);
	CHECK_OK(__sys_chflags("idir", 0));
	CHECK_OK(unlink("idir/in"));
	CHECK_OK(rmdir("idir"));
}

static void append_only(void)
{
	nt_write_file("log", "one\n");
	int early = CHECK_OK(open("log", O_WRONLY));
	int fd = CHECK_OK(open("log", O_RDONLY));
	CHECK_OK(__sys_fchflags(fd, UF_APPEND));
	CHECK_OK(close(fd));
	CHECK_EQ(flags_of("log"), UF_APPEND);
	CHECK_ERRNO(open("log", O_WRONLY), EPERM);
	CHECK_ERRNO(open("log", O_WRONLY | O_APPEND | O_TRUNC), EPERM);
	fd = CHECK_OK(open("log", O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "two\n", 4), 4);
	CHECK_ERRNO(ftruncate(fd, 0), EPERM);
	CHECK_OK(close(fd));
	/* A descriptor opened before: at its offset 0, not the end, EPERM; at the end, fine. */
	CHECK_ERRNO(write(early, "x", 1), EPERM);
	CHECK_EQ(lseek(early, 0, SEEK_END), 8);
	CHECK_EQ(write(early, "3\n", 2), 2);
	CHECK_OK(close(early));
	struct stat st;
	CHECK_OK(stat("log", &st));
	CHECK_EQ(st.st_size, 10);
	CHECK_ERRNO(unlink("log"), EPERM);
	CHECK_ERRNO(chmod("log", 0600), EPERM);
	CHECK_OK(__sys_chflags("log", 0));
	CHECK_OK(unlink("log"));

	/* An append-only directory: names come, none go. */
	CHECK_OK(mkdir("adir", 0755));
	CHECK_OK(__sys_chflags("adir", UF_APPEND));
	nt_write_file("adir/f", "x");
	CHECK_ERRNO(unlink("adir/f"), EPERM);
	CHECK_ERRNO(rename("adir/f", "out"), EPERM);
	CHECK_OK(__sys_chflags("adir", 0));
	CHECK_OK(unlink("adir/f"));
	CHECK_OK(rmdir("adir"));

	/* No-unlink: the data may change, the name may not go. */
	nt_write_file("keep", "a");
	CHECK_OK(__sys_chflags("keep", UF_NOUNLINK));
	nt_write_file("keep", "changed");
	CHECK_ERRNO(unlink("keep"), EPERM);
	CHECK_ERRNO(rename("keep", "gone"), EPERM);
	CHECK_OK(__sys_chflags("keep", 0));
	CHECK_OK(unlink("keep"));
}

static void who_may(void)
{
	nt_write_file("users", "u");
	CHECK_OK(chown("users", USER, USER));
	nt_write_file("locked", "u");
	CHECK_OK(chown("locked", USER, USER));
	CHECK_OK(__sys_chflags("locked", SF_NOUNLINK));
	nt_write_file("roots", "r");
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(setgid(USER));
		CHECK_OK(setuid(USER));
		CHECK_ERRNO(__sys_chflags("users", SF_IMMUTABLE), EPERM);
		CHECK_OK(__sys_chflags("users", UF_NODUMP));
		CHECK_EQ(flags_of("users"), UF_NODUMP);
		CHECK_ERRNO(__sys_chflags("locked", UF_NODUMP), EPERM);
		CHECK_ERRNO(__sys_chflags("locked", 0), EPERM);
		CHECK_ERRNO(__sys_chflags("roots", UF_NODUMP), EPERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(flags_of("locked"), SF_NOUNLINK);
	CHECK_OK(__sys_chflags("roots", SF_ARCHIVED | SF_IMMUTABLE | UF_NODUMP));
	CHECK_EQ(flags_of("roots"), SF_ARCHIVED | SF_IMMUTABLE | UF_NODUMP);
	CHECK_ERRNO(unlink("roots"), EPERM);
	CHECK_OK(__sys_chflags("roots", 0));
	CHECK_OK(__sys_chflags("locked", 0));
	CHECK_OK(unlink("roots"));
	CHECK_OK(unlink("locked"));
}

int main(void)
{
	nt_scratch_dir("fb4_file_flags");
	immutable_file();
	append_only();
	who_may();
	PASS();
}
