// abi: all
/*
 * Directories: mkdir (EEXIST), rmdir (ENOTEMPTY, ENOTDIR), rename (over an existing
 * file, of a directory, ENOTDIR/EISDIR mismatches), readdir listing what was made,
 * getcwd following chdir and fchdir, umask applied to new files and directories.
 */
#include <nymph_test.h>
#include <dirent.h>

#ifndef O_DIRECTORY
#define O_DIRECTORY 0 /* FreeBSD 4.x has none; opening a directory read-only is enough */
#endif

static int listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	if (!d)
		FAIL("opendir %s: errno %s", dir, nt_errname(errno));
	int found = 0, dots = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *n = (const char *)e->d_name;
		if (strcmp(n, name) == 0)
			found++;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			dots++;
	}
	CHECK_EQ(dots, 2);
	CHECK_OK(closedir(d));
	return found;
}

int main(void)
{
	nt_scratch_dir("fs_dirs");
	struct stat st;
	char cwd[PATH_MAX], start[PATH_MAX];
	CHECK(getcwd(start, sizeof(start)) != NULL);
	CHECK(start[0] == '/');
	CHECK(strstr(start, "/tmp/nt.fs_dirs.") == start);

	CHECK_OK(mkdir("d", 0755));
	CHECK_ERRNO(mkdir("d", 0755), EEXIST);
	CHECK_OK(stat("d", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_ERRNO(mkdir("nope/x", 0755), ENOENT);
	nt_write_file("d/f", "x");
	CHECK_ERRNO(rmdir("d"), ENOTEMPTY);
	CHECK_ERRNO(rmdir("d/f"), ENOTDIR);
	CHECK_ERRNO(mkdir("d/f/sub", 0755), ENOTDIR);
	CHECK_ERRNO(open("d/f/x", O_RDONLY), ENOTDIR);
#ifdef __FreeBSD_version
	CHECK_ERRNO(unlink("d"), EPERM); /* BSD: unlink of a directory is EPERM */
#else
	CHECK_ERRNO(unlink("d"), EISDIR);
#endif

	/* readdir sees the entries. */
	nt_write_file("d/g", "y");
	CHECK_EQ(listed("d", "f"), 1);
	CHECK_EQ(listed("d", "g"), 1);
	CHECK_EQ(listed("d", "h"), 0);

	/* rename over an existing file replaces it. */
	CHECK_OK(rename("d/f", "d/g"));
	CHECK_ERRNO(stat("d/f", &st), ENOENT);
	int fd = CHECK_OK(open("d/g", O_RDONLY));
	char c;
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, 'x');
	close(fd);
	CHECK_EQ(listed("d", "f"), 0);
	CHECK_EQ(listed("d", "g"), 1);
	CHECK_OK(mkdir("e", 0755));
	CHECK_ERRNO(rename("d/g", "e"), EISDIR);
	CHECK_ERRNO(rename("e", "d/g"), ENOTDIR);
	CHECK_OK(rename("e", "e2"));
	CHECK_OK(stat("e2", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_ERRNO(rename("e2", "e2/inside"), EINVAL);

	/* chdir/fchdir and getcwd. */
	CHECK_OK(chdir("d"));
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	char want[PATH_MAX + 8];
	snprintf(want, sizeof(want), "%s/d", start);
	CHECK(strcmp(cwd, want) == 0);
	CHECK_OK(chdir(".."));
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(strcmp(cwd, start) == 0);
	fd = CHECK_OK(open("e2", O_RDONLY | O_DIRECTORY));
	CHECK_OK(fchdir(fd));
	close(fd);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/e2", start);
	CHECK(strcmp(cwd, want) == 0);
	CHECK(getcwd(cwd, 2) == NULL);
	CHECK_EQ(errno, ERANGE);
	CHECK_ERRNO(chdir("/no/such/dir"), ENOENT);
	CHECK_OK(chdir(start));

	/* umask. */
	mode_t old = umask(027);
	CHECK_EQ(umask(027), 027);
	fd = CHECK_OK(open("m", O_WRONLY | O_CREAT, 0666));
	close(fd);
	CHECK_OK(stat("m", &st));
	CHECK_EQ(st.st_mode & 0777, 0640);
	CHECK_OK(mkdir("md", 0777));
	CHECK_OK(stat("md", &st));
	CHECK_EQ(st.st_mode & 0777, 0750);
	umask(old);

	CHECK_OK(unlink("d/g"));
	CHECK_OK(rmdir("d"));
	CHECK_ERRNO(rmdir("d"), ENOENT);
	PASS();
}
