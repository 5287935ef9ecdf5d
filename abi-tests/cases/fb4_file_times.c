// abi: freebsd4-i386
/*
 * Which calls move which of a file's three times, as 4.x's UFS marks them (IN_ACCESS,
 * IN_UPDATE, IN_CHANGE), for ls -lt/-lu/-lc, test -nt and make:
 *  - a read, even one at end of file, and readdir move atime (ffs_read);
 *  - readlink of a link shorter than 60 bytes does not (ufs_readlink copies it from
 *    the inode), of a longer one it does (VOP_READ);
 *  - a write moves mtime and ctime, a write of 0 bytes nothing, open and close nothing;
 *  - truncate to the same size and O_TRUNC of an empty file move mtime and ctime
 *    (ffs_truncate's same-size case);
 *  - chmod, chown (to the same ids too), link, unlink of another link and rename move
 *    the file's ctime only; renaming a directory within its parent moves its ctime only;
 *  - creating and removing an entry move the directory's mtime and ctime.
 */
#include <nymph_test.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int later(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

struct times {
	struct timespec a, m, c;
};

static struct times times_of(const char *path)
{
	struct stat st;
	CHECK_OK(lstat(path, &st));
	struct times t = {st.st_atimespec, st.st_mtimespec, st.st_ctimespec};
	return t;
}

/* The times of `path` now, after a pause long enough for any change to show. */
static struct times before(const char *path)
{
	struct times t = times_of(path);
	sleep_ms(20);
	return t;
}

static void expect(const char *what, const char *path, struct times was, int a, int m, int c)
{
	struct times now = times_of(path);
	const char *name[2] = {"kept", "moved"};
	if (later(now.a, was.a) != a || later(now.m, was.m) != m || later(now.c, was.c) != c)
		FAIL("%s: atime %s, mtime %s, ctime %s; wanted %s, %s, %s", what,
		     name[later(now.a, was.a)], name[later(now.m, was.m)],
		     name[later(now.c, was.c)], name[a], name[m], name[c]);
}

int main(void)
{
	nt_scratch_dir("fb4_file_times");
	char buf[128];
	struct times t;
	int fd;

	nt_write_file("f", "abc");
	sleep_ms(20);
	t = before("f");
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_EQ(read(fd, buf, 3), 3);
	close(fd);
	expect("read", "f", t, 1, 0, 0);
	t = before("f");
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_EQ(lseek(fd, 0, SEEK_END), 3);
	CHECK_EQ(read(fd, buf, 3), 0);
	close(fd);
	expect("read at end of file", "f", t, 1, 0, 0);
	t = before("f");
	fd = CHECK_OK(open("f", O_RDWR));
	close(fd);
	expect("open and close", "f", t, 0, 0, 0);
	t = before("f");
	fd = CHECK_OK(open("f", O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "d", 1), 1);
	CHECK_EQ(write(fd, "", 0), 0);
	close(fd);
	expect("write", "f", t, 0, 1, 1);
	t = before("f");
	fd = CHECK_OK(open("f", O_WRONLY));
	CHECK_EQ(write(fd, "", 0), 0);
	close(fd);
	expect("write of 0 bytes", "f", t, 0, 0, 0);
	t = before("f");
	CHECK_OK(truncate("f", 4));
	expect("truncate to the same size", "f", t, 0, 1, 1);
	nt_write_file("empty", "");
	t = before("empty");
	fd = CHECK_OK(open("empty", O_WRONLY | O_TRUNC));
	close(fd);
	expect("O_TRUNC of an empty file", "empty", t, 0, 1, 1);

	t = before("f");
	CHECK_OK(chmod("f", 0600));
	expect("chmod", "f", t, 0, 0, 1);
	t = before("f");
	CHECK_OK(chown("f", getuid(), getgid()));
	expect("chown to the same ids", "f", t, 0, 0, 1);
	t = before("f");
	CHECK_OK(link("f", "g"));
	expect("link", "f", t, 0, 0, 1);
	t = before("f");
	CHECK_OK(unlink("g"));
	expect("unlink of another link", "f", t, 0, 0, 1);
	t = before("f");
	CHECK_OK(rename("f", "h"));
	expect("rename", "h", t, 0, 0, 1);
	CHECK_OK(mkdir("sub", 0755));
	t = before("sub");
	CHECK_OK(rename("sub", "sub2"));
	expect("rename of a directory within its parent", "sub2", t, 0, 0, 1);

	t = before(".");
	nt_write_file("new", "x");
	expect("create, the directory", ".", t, 0, 1, 1);
	t = before(".");
	CHECK_OK(unlink("new"));
	expect("unlink, the directory", ".", t, 0, 1, 1);
	t = before(".");
	DIR *d = opendir(".");
	CHECK(d != NULL);
	while (readdir(d))
		;
	closedir(d);
	expect("readdir", ".", t, 1, 0, 0);

	CHECK_OK(symlink("h", "short"));
	t = before("short");
	CHECK_EQ(readlink("short", buf, sizeof(buf)), 1);
	expect("readlink of a short link", "short", t, 0, 0, 0);
	const char *far = "a/target/name/of/sixty/bytes/or/more/that/ufs/keeps/in/a/block";
	CHECK((int)strlen(far) >= 60);
	CHECK_OK(symlink(far, "long"));
	t = before("long");
	CHECK_EQ(readlink("long", buf, sizeof(buf)), (long long)strlen(far));
	expect("readlink of a long link", "long", t, 1, 0, 0);
	PASS();
}
