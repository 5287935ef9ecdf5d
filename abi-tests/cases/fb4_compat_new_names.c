// abi: freebsd4-i386
/*
 * New names in directories of the 4.x tree. A 4.x process sees /etc, /var/run and
 * /var/log in /compat/freebsd4; a file it makes there must land beside them, where it
 * finds it again (4.x has one tree; its linux_emul_find makes a new name in the
 * emulation tree when the parent is there): syslogd's bind of /var/run/log, a
 * daemon's /var/run/NAME.pid, a log file, pwd_mkdb's /etc/pwd.db.tmp renamed into
 * place, mkdir. A new name at the top ("/name") and in a directory only the native
 * tree has is made in the real root, as before.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

/* `path` as the 4.x process names it is the file under /compat/freebsd4. */
static void in_compat_tree(const char *path)
{
	struct stat a, b;
	char there[256];
	snprintf(there, sizeof(there), "/compat/freebsd4%s", path);
	CHECK_OK(lstat(path, &a));
	CHECK_OK(lstat(there, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
}

static void not_in_compat_tree(const char *path)
{
	struct stat st;
	char there[256];
	snprintf(there, sizeof(there), "/compat/freebsd4%s", path);
	CHECK_OK(lstat(path, &st));
	CHECK_ERRNO(lstat(there, &st), ENOENT);
}

int main(void)
{
	struct stat st;
	if (stat("/compat/freebsd4/var/run", &st) != 0 || stat("/compat/freebsd4/etc", &st) != 0)
		SKIP("no 4.x /var/run or /etc");

	/* A pid file and a log file. */
	const char *files[] = {"/var/run/fb4_new_names.pid", "/var/log/fb4_new_names.log"};
	for (int i = 0; i < 2; i++) {
		unlink(files[i]);
		int fd = CHECK_OK(open(files[i], O_WRONLY | O_CREAT | O_EXCL, 0644));
		CHECK_EQ(write(fd, "42\n", 3), 3);
		close(fd);
		in_compat_tree(files[i]);
		CHECK_OK(stat(files[i], &st));
		CHECK_EQ(st.st_size, 3);
		CHECK_OK(unlink(files[i]));
		CHECK_ERRNO(stat(files[i], &st), ENOENT);
	}

	/* syslogd: bind a datagram socket in /var/run, and a client connects to it. */
	struct sockaddr_un sun;
	const char *sock = "/var/run/fb4_new_names.sock";
	unlink(sock);
	int d = CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK_OK(__sys_bind(d, &sun, nt_sockaddr_un(&sun, sock)));
	in_compat_tree(sock);
	CHECK_OK(lstat(sock, &st));
	CHECK(S_ISSOCK(st.st_mode));
	int c = CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK_OK(__sys_connect(c, &sun, sizeof(sun)));
	CHECK_EQ(__sys_sendto(c, "<13>hello", 9, 0, NULL, 0), 9);
	char buf[32];
	CHECK_EQ(read(d, buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "<13>hello", 9) == 0);
	close(c);
	close(d);
	CHECK_OK(unlink(sock));

	/* pwd_mkdb: a temporary file in /etc renamed over a new name. */
	unlink("/etc/fb4_new_names.db");
	int fd = CHECK_OK(open("/etc/fb4_new_names.db.tmp", O_WRONLY | O_CREAT | O_EXCL, 0600));
	close(fd);
	in_compat_tree("/etc/fb4_new_names.db.tmp");
	CHECK_OK(rename("/etc/fb4_new_names.db.tmp", "/etc/fb4_new_names.db"));
	in_compat_tree("/etc/fb4_new_names.db");
	CHECK_ERRNO(stat("/etc/fb4_new_names.db.tmp", &st), ENOENT);
	CHECK_OK(unlink("/etc/fb4_new_names.db"));

	/* mkdir, and a file in the new directory (its parent is now in the tree). */
	rmdir("/var/run/fb4_new_names.d");
	CHECK_OK(mkdir("/var/run/fb4_new_names.d", 0755));
	in_compat_tree("/var/run/fb4_new_names.d");
	fd = CHECK_OK(open("/var/run/fb4_new_names.d/f", O_WRONLY | O_CREAT, 0644));
	close(fd);
	in_compat_tree("/var/run/fb4_new_names.d/f");
	CHECK_OK(unlink("/var/run/fb4_new_names.d/f"));
	CHECK_OK(rmdir("/var/run/fb4_new_names.d"));

	/* A trailing slash names the directory too. */
	CHECK_OK(mkdir("/var/log/fb4_new_names.d/", 0755));
	in_compat_tree("/var/log/fb4_new_names.d");
	CHECK_OK(rmdir("/var/log/fb4_new_names.d"));

	/* At the top: the real root's. */
	fd = CHECK_OK(open("/fb4_new_names.top", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	close(fd);
	not_in_compat_tree("/fb4_new_names.top");
	CHECK_OK(unlink("/fb4_new_names.top"));
	/* In a directory made at the top, which only the native tree has (/tmp would do
	 * too, unless a compat tmp exists). */
	rmdir("/fb4_new_names.dir");
	CHECK_OK(mkdir("/fb4_new_names.dir", 0755));
	not_in_compat_tree("/fb4_new_names.dir");
	fd = CHECK_OK(open("/fb4_new_names.dir/f", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	close(fd);
	not_in_compat_tree("/fb4_new_names.dir/f");
	CHECK_OK(unlink("/fb4_new_names.dir/f"));
	CHECK_OK(rmdir("/fb4_new_names.dir"));

	/* A directory neither tree has is still ENOENT. */
	CHECK_ERRNO(open("/var/run/no/such", O_WRONLY | O_CREAT, 0644), ENOENT);
	PASS();
}
