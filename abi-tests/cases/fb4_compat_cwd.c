// abi: freebsd4-i386
/*
 * A 4.x process's working directory in the compat tree (/compat/freebsd4, which its
 * absolute paths try first) is one tree with the root, as a FreeBSD box's is:
 *  - after chdir("/etc") (the compat tree's etc), __getcwd and getcwd(3) say "/etc",
 *    ".." is the root, and a name after it is looked up in the compat tree first, as
 *    an absolute path is: "../etc" is that etc again, "../dev" the root's /dev (the
 *    compat tree has none); the same for /proc, 4.x's procfs mounted in the compat
 *    tree; from the root itself, "etc" is "/etc" too;
 *  - unlink, rmdir, rename and mkdir of "../x" (or of "x" from "/") act on the x
 *    stat names, the compat tree's; a link loop at its top is ELOOP however reached;
 *  - after chroot into a directory with a compat tree of its own, ".." out of that
 *    one is the new root;
 *  - a directory only the real root has keeps its own name ("/dev");
 *  - the prefix named whole is the directory itself, and keeps its name;
 *  - __getcwd as 4.x's vfs_cache.c answers: EINVAL for a buffer under 2 bytes, ENOMEM
 *    when the path and its NUL do not fit, EFAULT for a bad buffer.
 */
#include <nymph_fb4.h>
#include <sys/stat.h>

static void same(const char *a, const char *b)
{
	struct stat sa, sb;
	CHECK_OK(stat(a, &sa));
	CHECK_OK(stat(b, &sb));
	if (sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino)
		FAIL("%s and %s are different files", a, b);
}

static void cwd_is(const char *want)
{
	char buf[1024];
	memset(buf, 'x', sizeof(buf));
	CHECK_OK(__sys___getcwd(buf, sizeof(buf)));
	if (strcmp(buf, want) != 0)
		FAIL("__getcwd says \"%s\", wanted \"%s\"", buf, want);
	char *got = getcwd(buf, sizeof(buf));
	if (!got || strcmp(got, want) != 0)
		FAIL("getcwd says \"%s\", wanted \"%s\"", got ? got : "(null)", want);
}

static void put(const char *path, const char *text)
{
	nt_write_file(path, text);
}

/* What "../x" from the compat etc (or "x" from "/") names is what unlink, rmdir,
 * rename and mkdir act on: the compat tree's x when it has one. */
static void names_out_of_the_compat_tree(void)
{
	struct stat st;
	CHECK_OK(chdir("/etc"));
	unlink("/compat/freebsd4/fb4_compat_cwd.f");
	put("/fb4_compat_cwd.f", "native");
	put("/compat/freebsd4/fb4_compat_cwd.f", "compat");
	same("../fb4_compat_cwd.f", "/compat/freebsd4/fb4_compat_cwd.f");
	CHECK_OK(unlink("../fb4_compat_cwd.f"));
	CHECK_ERRNO(stat("/compat/freebsd4/fb4_compat_cwd.f", &st), ENOENT);
	CHECK_OK(stat("/fb4_compat_cwd.f", &st));

	CHECK_OK(mkdir("/compat/freebsd4/fb4_compat_cwd.d", 0755));
	CHECK_ERRNO(mkdir("../fb4_compat_cwd.d", 0755), EEXIST);
	put("/compat/freebsd4/fb4_compat_cwd.g", "g");
	CHECK_OK(rename("../fb4_compat_cwd.g", "../fb4_compat_cwd.d/g"));
	CHECK_OK(stat("/compat/freebsd4/fb4_compat_cwd.d/g", &st));
	CHECK_OK(unlink("../fb4_compat_cwd.d/g"));
	CHECK_OK(rmdir("../fb4_compat_cwd.d"));
	CHECK_ERRNO(stat("/compat/freebsd4/fb4_compat_cwd.d", &st), ENOENT);

	/* A link loop at the compat tree's top is ELOOP, however it is reached. */
	CHECK_OK(symlink("fb4_compat_cwd.loop", "/compat/freebsd4/fb4_compat_cwd.loop"));
	CHECK_ERRNO(stat("/fb4_compat_cwd.loop", &st), ELOOP);
	CHECK_ERRNO(stat("../fb4_compat_cwd.loop", &st), ELOOP);
	CHECK_ERRNO(stat("../fb4_compat_cwd.loop/x", &st), ELOOP);
	CHECK_OK(unlink("/compat/freebsd4/fb4_compat_cwd.loop"));

	/* From "/": "f" is the compat tree's f, for unlink too. */
	CHECK_OK(chdir("/"));
	put("/compat/freebsd4/fb4_compat_cwd.f", "compat");
	same("fb4_compat_cwd.f", "/compat/freebsd4/fb4_compat_cwd.f");
	CHECK_OK(unlink("fb4_compat_cwd.f"));
	CHECK_ERRNO(stat("/compat/freebsd4/fb4_compat_cwd.f", &st), ENOENT);
	CHECK_OK(unlink("/fb4_compat_cwd.f"));
}

/* chroot into a directory with a compat tree of its own: ".." out of that one is the
 * new root (the emulation root is looked up again under it). */
static void chroot_has_its_own_compat_tree(void)
{
	mkdir("/tmp/fb4_compat_cwd.root", 0755);
	mkdir("/tmp/fb4_compat_cwd.root/compat", 0755);
	mkdir("/tmp/fb4_compat_cwd.root/compat/freebsd4", 0755);
	mkdir("/tmp/fb4_compat_cwd.root/compat/freebsd4/etc", 0755);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(chroot("/tmp/fb4_compat_cwd.root"));
		CHECK_OK(chdir("/etc"));
		same(".", "/compat/freebsd4/etc");
		same("..", "/");
		cwd_is("/etc");
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

int main(void)
{
	struct stat st;
	/* The compat tree has etc: /etc is it for a 4.x process. */
	CHECK_OK(stat("/compat/freebsd4/etc/pwd.db", &st));
	CHECK_OK(chdir("/etc"));
	same(".", "/compat/freebsd4/etc");
	cwd_is("/etc");
	same("..", "/");
	same("../..", "/");
	same("../etc", "/etc");
	same("../../etc/pwd.db", "/etc/pwd.db");
	same("../dev", "/dev");
	/* A relative link at the compat tree's top starts there, not at the root. */
	unlink("/compat/freebsd4/fb4_compat_cwd.link");
	CHECK_OK(symlink("etc/pwd.db", "/compat/freebsd4/fb4_compat_cwd.link"));
	same("../fb4_compat_cwd.link", "/etc/pwd.db");
	same("../fb4_compat_cwd.link", "/compat/freebsd4/etc/pwd.db");
	CHECK_OK(unlink("/compat/freebsd4/fb4_compat_cwd.link"));
	CHECK_OK(chdir(".."));
	cwd_is("/");
	/* From the root itself, a relative name is the compat tree's first too. */
	same("etc", "/etc");
	same("./etc/pwd.db", "/etc/pwd.db");
	same("dev", "/dev");
	same(".", "/");

	CHECK_OK(chdir("/proc"));
	cwd_is("/proc");
	same("..", "/");
	CHECK_OK(chdir("curproc"));
	same("..", "/proc");
	same("../..", "/");

	CHECK_OK(chdir("/dev"));
	cwd_is("/dev");
	same("..", "/");

	CHECK_OK(chdir("/compat/freebsd4"));
	cwd_is("/compat/freebsd4");
	same(".", "/compat/freebsd4");
	same("..", "/compat");

	names_out_of_the_compat_tree();
	chroot_has_its_own_compat_tree();

	/* __getcwd's own errors, in /tmp (5 bytes with its NUL). */
	CHECK_OK(chdir("/tmp"));
	char buf[8];
	CHECK_ERRNO(__sys___getcwd(buf, 0), EINVAL);
	CHECK_ERRNO(__sys___getcwd(buf, 1), EINVAL);
	CHECK_ERRNO(__sys___getcwd(buf, 4), ENOMEM);
	CHECK_OK(__sys___getcwd(buf, 5));
	CHECK(strcmp(buf, "/tmp") == 0);
	CHECK_ERRNO(__sys___getcwd(nt_page_before_hole() + 4096, 5), EFAULT);
	return 0;
}
