// abi: freebsd4-i386
/*
 * Saved set-user/group ids, 4.x's rules (kern_prot.c with _POSIX_SAVED_IDS):
 * - setresuid/getresuid and the gid pair; -1 keeps an id; a non-root process may only
 *   take ids it holds (EPERM otherwise); getresuid writes only non-NULL pointers.
 * - seteuid away from root and back through the saved uid; setuid as a user to its
 *   saved uid sets the effective uid only; setreuid's saved-uid rule.
 * - issetugid: 0 at start, 1 after an id change; exec of a set-user-id file runs as its
 *   owner (ruid kept, saved uid = new euid, issetugid 1); exec of a plain file with
 *   equal real and effective ids clears the mark; a set-user-id script's own bit is
 *   ignored (4.x takes the bits of the interpreter it maps).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

static void ids(unsigned *r, unsigned *e, unsigned *s)
{
	*r = *e = *s = 0xa5a5a5a5;
	if (__sys_getresuid(r, e, s) != 0)
		FAIL("getresuid: errno %s", nt_errname(errno));
}

static void gids(unsigned *r, unsigned *e, unsigned *s)
{
	*r = *e = *s = 0xa5a5a5a5;
	if (__sys_getresgid(r, e, s) != 0)
		FAIL("getresgid: errno %s", nt_errname(errno));
}

#define CHECK_IDS(R, E, S)                                                             \
	do {                                                                           \
		unsigned r_, e_, s_;                                                   \
		ids(&r_, &e_, &s_);                                                    \
		if (r_ != (R) || e_ != (E) || s_ != (S))                               \
			FAIL("uids %u %u %u, want %u %u %u", r_, e_, s_, (unsigned)(R),  \
			     (unsigned)(E), (unsigned)(S));                             \
	} while (0)

/* Runs `f` in a child; the case fails if the child does. */
static void in_child(void (*f)(void))
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		f();
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

/* fork keeps all three ids and the mark. */
static void inherited(void)
{
	CHECK_IDS(5, 6, 7);
	CHECK_EQ(__sys_issetugid(), 1);
}

/* As root: setresuid(1000, 1001, 0), then what a user with those ids may do. */
static void resuid(void)
{
	CHECK_EQ(__sys_issetugid(), 0);
	CHECK_OK(__sys_setresuid(1000, 1001, 0));
	CHECK_IDS(1000, 1001, 0);
	CHECK_EQ(__sys_issetugid(), 1);
	CHECK_EQ(getuid(), 1000);
	CHECK_EQ(geteuid(), 1001);
	/* Only the pointers given are written. */
	unsigned e = 7;
	CHECK_OK(__sys_getresuid(NULL, &e, NULL));
	CHECK_EQ(e, 1001);
	CHECK_ERRNO(__sys_getresuid(NULL, (void *)8, NULL), EFAULT);
	/* Not root now: each id must be one of 1000, 1001, 0; -1 keeps. */
	CHECK_ERRNO(__sys_setresuid(2000, -1, -1), EPERM);
	CHECK_ERRNO(__sys_setresuid(-1, -1, 2000), EPERM);
	CHECK_IDS(1000, 1001, 0);
	CHECK_OK(__sys_setresuid(1001, 1000, -1));
	CHECK_IDS(1001, 1000, 0);
	/* The saved uid gives root back, and with it everything. */
	CHECK_OK(__sys_setresuid(-1, 0, -1));
	CHECK_IDS(1001, 0, 0);
	CHECK_OK(__sys_setresuid(5, 6, 7));
	CHECK_IDS(5, 6, 7);
	in_child(inherited);
}

static void resgid(void)
{
	unsigned r, e, s;
	CHECK_OK(__sys_setresgid(10, 11, 12));
	gids(&r, &e, &s);
	CHECK(r == 10 && e == 11 && s == 12);
	CHECK_EQ(getgid(), 10);
	CHECK_EQ(getegid(), 11);
	CHECK_EQ(__sys_issetugid(), 1);
	CHECK_OK(__sys_setresuid(1000, 1000, 1000));
	/* Without an effective uid of 0 the gids are the user's own three only. */
	CHECK_ERRNO(__sys_setresgid(0, -1, -1), EPERM);
	CHECK_OK(__sys_setresgid(12, 10, -1));
	gids(&r, &e, &s);
	CHECK(r == 12 && e == 10 && s == 12);
	CHECK_ERRNO(setgid(11), EPERM);
	CHECK_OK(setgid(12));
	CHECK_EQ(getegid(), 12);
}

/* seteuid away from root and back: the saved uid keeps root. */
static void euid_round_trip(void)
{
	CHECK_OK(__sys_setresuid(1000, 0, 0));
	CHECK_EQ(__sys_issetugid(), 1);
	CHECK_OK(__sys_seteuid(1000));
	CHECK_IDS(1000, 1000, 0);
	CHECK_ERRNO(__sys_seteuid(2000), EPERM);
	CHECK_ERRNO(setuid(2000), EPERM);
	CHECK_OK(__sys_seteuid(0));
	CHECK_IDS(1000, 0, 0);
	/* setuid as a user to the saved uid sets the effective one only. */
	CHECK_OK(__sys_seteuid(1000));
	CHECK_OK(setuid(0));
	CHECK_IDS(1000, 0, 0);
	/* As root, setuid sets all three: no way back. */
	CHECK_OK(setuid(1000));
	CHECK_IDS(1000, 1000, 1000);
	CHECK_ERRNO(__sys_seteuid(0), EPERM);
	CHECK_ERRNO(setuid(0), EPERM);
}

/* setreuid: a new real id may be the real or saved one; the saved uid follows the
 * effective one when the real id is set. */
static void reuid(void)
{
	CHECK_OK(__sys_setresuid(1000, 2000, 3000));
	CHECK_ERRNO(syscall(126, 2000, -1), EPERM);
	CHECK_OK(syscall(126, 3000, 1000));
	CHECK_IDS(3000, 1000, 1000);
}

/* Copies this program to `name`, owned by `uid`, with `mode`. */
static void copy_self(const char *name, int uid, int mode)
{
	int in = CHECK_OK(open(self, O_RDONLY));
	int out = CHECK_OK(open(name, O_WRONLY | O_CREAT | O_TRUNC, 0700));
	char buf[4096];
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		CHECK_EQ(write(out, buf, n), n);
	CHECK_EQ(n, 0);
	CHECK_OK(close(in));
	CHECK_OK(close(out));
	CHECK_OK(chown(name, uid, 0));
	CHECK_OK(chmod(name, mode));
}

/* Runs `path` with argv {path, "report"} after `prepare` in a child; returns the
 * image's ids, packed by report(). */
static int run_report(const char *path, void (*prepare)(void))
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (prepare)
			prepare();
		char *args[] = {(char *)path, "report", NULL};
		execve(path, args, NULL);
		_exit(99);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The new image's answer as an exit status: bit 0 issetugid, then which of a few
 * known (ruid, euid, svuid) triples it runs with. */
static int report(void)
{
	unsigned r, e, s;
	ids(&r, &e, &s);
	int which = 7;
	if (r == 0 && e == 1000 && s == 1000)
		which = 1;
	else if (r == 1000 && e == 0 && s == 0)
		which = 2;
	else if (r == 1000 && e == 1000 && s == 1000)
		which = 3;
	else if (r == 0 && e == 0 && s == 0)
		which = 4;
	return which << 1 | (__sys_issetugid() == 1);
}

static void become_1000(void)
{
	if (setuid(1000) != 0)
		_exit(98);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		_exit(report());
	self = argv[0];
	CHECK_EQ(getuid(), 0);
	CHECK_EQ(__sys_issetugid(), 0);
	CHECK_IDS(0, 0, 0);
	/* kern.saved_ids (sysconf's _SC_SAVED_IDS) says they are kept. */
	int mib[2] = {1, 20}, saved = -1;
	size_t len = sizeof(saved);
	CHECK_OK(sysctl(mib, 2, &saved, &len, NULL, 0));
	CHECK_EQ(saved, 1);
	in_child(resuid);
	in_child(resgid);
	in_child(euid_round_trip);
	in_child(reuid);

	nt_scratch_dir("saved_ids");
	copy_self("suid_1000", 1000, 04755);
	copy_self("suid_root", 0, 04755);
	copy_self("plain", 1000, 0755);
	char line[160];
	snprintf(line, sizeof line, "#!%s report\n", self);
	nt_write_file("suid_script", line);
	CHECK_OK(chown("suid_script", 1000, 0));
	CHECK_OK(chmod("suid_script", 04755));

	/* Root runs a set-uid-1000 file: euid and saved uid 1000, real 0, tainted. */
	CHECK_EQ(run_report("suid_1000", NULL), 1 << 1 | 1);
	/* A user runs a set-uid-root file. */
	CHECK_EQ(run_report("suid_root", become_1000), 2 << 1 | 1);
	/* setuid tainted the user; a plain exec with equal ids clears the mark. */
	CHECK_EQ(run_report("plain", become_1000), 3 << 1 | 0);
	/* A script's own set-uid bit does nothing: its interpreter's count. */
	CHECK_EQ(run_report("suid_script", NULL), 4 << 1 | 0);
	PASS();
}
