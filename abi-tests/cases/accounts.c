// abi: all
/*
 * The default accounts and groups (FreeBSD 4.x's, images/builder/src/etc.rs) through
 * getpwuid/getpwnam/getgrgid/getgrnam. A FreeBSD-4 process reads 4.x's hash databases
 * from /etc, which it finds under /compat/freebsd4/etc: spwd.db (0600, with root's
 * empty password) as root, pwd.db (0644, every password '*') otherwise; a native one
 * reads the text /etc/passwd. Both read /etc/group.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <pwd.h>
#include <grp.h>
#include <sys/stat.h>

static void check_file_starts(const char *path, const void *magic, size_t n, mode_t mode)
{
	unsigned char buf[8];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		FAIL("open %s: %s", path, nt_errname(errno));
	CHECK_EQ(read(fd, buf, n), (long long)n);
	CHECK(memcmp(buf, magic, n) == 0);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, mode);
	close(fd);
}

int main(void)
{
	CHECK_EQ(geteuid(), 0);
	struct passwd *pw = getpwuid(0);
	CHECK(pw != NULL);
	CHECK(strcmp(pw->pw_name, "root") == 0);
	CHECK_EQ(pw->pw_uid, 0);
	CHECK_EQ(pw->pw_gid, 0);
	CHECK(strcmp(pw->pw_dir, "/root") == 0);
	CHECK(strcmp(pw->pw_shell, "/bin/csh") == 0);
	CHECK(strcmp(pw->pw_gecos, "Charlie &") == 0);
#ifdef __FreeBSD_version
	/* spwd.db as root: root's password field as master.passwd has it (empty). */
	CHECK(strcmp(pw->pw_passwd, "") == 0);
	CHECK(strcmp(pw->pw_class, "") == 0);
	/* pw_fields: every field given but the password and the class. */
	CHECK_EQ(pw->pw_fields, 0x3dd);
	CHECK_EQ(sizeof(struct passwd), 44);
#endif

	pw = getpwnam("operator");
	CHECK(pw != NULL);
	CHECK_EQ(pw->pw_uid, 2);
	CHECK_EQ(pw->pw_gid, 5);
	pw = getpwnam("www");
	CHECK(pw != NULL);
	CHECK_EQ(pw->pw_uid, 80);
	CHECK(strcmp(pw->pw_gecos, "World Wide Web Owner") == 0);
	CHECK(strcmp(pw->pw_dir, "/nonexistent") == 0);
	CHECK(strcmp(pw->pw_shell, "/sbin/nologin") == 0);
	pw = getpwuid(65534);
	CHECK(pw != NULL && strcmp(pw->pw_name, "nobody") == 0);
	/* toor shares uid 0; by uid, root (stored first) answers. */
	pw = getpwnam("toor");
	CHECK(pw != NULL);
	CHECK_EQ(pw->pw_uid, 0);
	CHECK(strcmp(pw->pw_shell, "") == 0);
	CHECK(strcmp(getpwuid(0)->pw_name, "root") == 0);
	CHECK(getpwuid(4242) == NULL);
	CHECK(getpwnam("nosuchuser") == NULL);
	CHECK(getpwnam("") == NULL);

	struct group *gr = getgrgid(0);
	CHECK(gr != NULL);
	CHECK(strcmp(gr->gr_name, "wheel") == 0);
	CHECK(gr->gr_mem[0] != NULL && strcmp(gr->gr_mem[0], "root") == 0);
	CHECK(gr->gr_mem[1] == NULL);
	gr = getgrnam("operator");
	CHECK(gr != NULL);
	CHECK_EQ(gr->gr_gid, 5);
	gr = getgrgid(65533);
	CHECK(gr != NULL && strcmp(gr->gr_name, "nogroup") == 0);
	CHECK(gr->gr_mem[0] == NULL);
	CHECK(getgrgid(4242) == NULL);
	CHECK(getgrnam("nosuchgroup") == NULL);

#ifdef __FreeBSD_version
	/* The files themselves, through the compat prefix. */
	static const unsigned char hash_magic[4] = {0x00, 0x06, 0x15, 0x61};
	check_file_starts("/etc/pwd.db", hash_magic, 4, 0644);
	check_file_starts("/etc/spwd.db", hash_magic, 4, 0600);
	check_file_starts("/etc/localtime", "TZif", 4, 0644);
	check_file_starts("/etc/master.passwd", "#", 1, 0600);
	check_file_starts("/compat/freebsd4/etc/pwd.db", hash_magic, 4, 0644);
#else
	/* The databases are 4.x's alone. */
	CHECK_ERRNO(open("/etc/pwd.db", O_RDONLY), ENOENT);
	check_file_starts("/etc/passwd", "root:*:0", 8, 0644);
#endif

	/* Not root: 4.x reads pwd.db, where every password is '*', and cannot read spwd.db. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(65534));
		pw = getpwuid(0);
		CHECK(pw != NULL);
		CHECK(strcmp(pw->pw_name, "root") == 0);
		CHECK(strcmp(pw->pw_passwd, "*") == 0);
		CHECK(strcmp(getpwnam("bind")->pw_dir, "/") == 0);
#ifdef __FreeBSD_version
		CHECK_ERRNO(open("/etc/spwd.db", O_RDONLY), EACCES);
#endif
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	return NT_PASS;
}
