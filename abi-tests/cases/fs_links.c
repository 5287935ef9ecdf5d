// abi: all
/*
 * Names and links: unlink of an open file (still usable, nlink 0), hard links and
 * their count, symlink/readlink/lstat, a symlink loop giving ELOOP, a component
 * longer than NAME_MAX and a path longer than PATH_MAX giving ENAMETOOLONG.
 */
#include <nymph_test.h>

int main(void)
{
	nt_scratch_dir("fs_links");
	struct stat st;
	char buf[PATH_MAX];

	/* Unlink while open. */
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "data", 4), 4);
	CHECK_OK(unlink("f"));
	CHECK_ERRNO(stat("f", &st), ENOENT);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pread(fd, buf, 4, 0), 4);
	CHECK(memcmp(buf, "data", 4) == 0);
	CHECK_EQ(write(fd, "more", 4), 4);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 8);
	CHECK_OK(close(fd));
	CHECK_ERRNO(unlink("f"), ENOENT);

	/* Hard links. */
	nt_write_file("a", "A");
	CHECK_OK(link("a", "b"));
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 2);
	struct stat sb;
	CHECK_OK(stat("b", &sb));
	CHECK_EQ(sb.st_ino, st.st_ino);
	CHECK_ERRNO(link("a", "b"), EEXIST);
	CHECK_OK(unlink("a"));
	CHECK_OK(stat("b", &sb));
	CHECK_EQ(sb.st_nlink, 1);

	/* Symlinks. */
	CHECK_OK(symlink("b", "s"));
	CHECK_OK(lstat("s", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_OK(stat("s", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_ino, sb.st_ino);
	ssize_t n = CHECK_OK(readlink("s", buf, sizeof(buf)));
	CHECK_EQ(n, 1);
	CHECK_EQ(buf[0], 'b');
	CHECK_ERRNO(readlink("b", buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(symlink("x", "s"), EEXIST);
	CHECK_OK(symlink("nowhere", "dangling"));
	CHECK_ERRNO(stat("dangling", &st), ENOENT);
	CHECK_OK(lstat("dangling", &st));

	/* A loop. */
	CHECK_OK(symlink("loop2", "loop1"));
	CHECK_OK(symlink("loop1", "loop2"));
	CHECK_ERRNO(open("loop1", O_RDONLY), ELOOP);
	CHECK_ERRNO(stat("loop1", &st), ELOOP);
	CHECK_OK(symlink("self", "self"));
	CHECK_ERRNO(open("self", O_RDONLY), ELOOP);
#ifdef __FreeBSD_version
	CHECK_ERRNO(open("s", O_RDONLY | O_NOFOLLOW), EMLINK); /* 4.x vn_open says EMLINK */
#else
	CHECK_ERRNO(open("s", O_RDONLY | O_NOFOLLOW), ELOOP);
#endif

	/* Too long. */
	char longname[NAME_MAX + 2];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK_ERRNO(open(longname, O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERRNO(mkdir(longname, 0755), ENAMETOOLONG);
	longname[NAME_MAX] = 0; /* exactly NAME_MAX: fine */
	fd = CHECK_OK(open(longname, O_WRONLY | O_CREAT, 0644));
	close(fd);
	static char longpath[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof(longpath) - 1; i++)
		longpath[i] = (i % 2) ? '/' : 'p';
	longpath[sizeof(longpath) - 1] = 0;
	CHECK_ERRNO(stat(longpath, &st), ENAMETOOLONG);
	PASS();
}
