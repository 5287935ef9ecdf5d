// abi: all
/*
 * A removed directory, still open or the working directory, as UFS leaves it
 * (ufs_rmdir truncates it; ufs_lookup refuses new names once its link count is 0):
 *  - fstat says st_size 0 and st_nlink 0;
 *  - reading it lists nothing, not even "." and "..";
 *  - no name can be made in it: open(O_CREAT), mkdir and rename into it are ENOENT,
 *    and the file renamed stays where it was.
 */
#include <nymph_test.h>
#include <dirent.h>

int main(void)
{
	nt_scratch_dir("removed_dir");
	char top[256], path[300];
	CHECK(getcwd(top, sizeof(top)) != NULL);
	nt_write_file("other", "x");
	CHECK_OK(mkdir("d", 0755));
	nt_write_file("d/f", "y");
	CHECK_OK(unlink("d/f"));
	int fd = CHECK_OK(open("d", O_RDONLY));
	CHECK_OK(chdir("d"));
	snprintf(path, sizeof(path), "%s/d", top);
	CHECK_OK(rmdir(path));

	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_nlink, 0);
	DIR *dir = opendir(".");
	CHECK(dir != NULL);
	int entries = 0;
	while (readdir(dir) != NULL)
		entries++;
	CHECK_EQ(entries, 0);
	CHECK_OK(closedir(dir));

	CHECK_ERRNO(open("new", O_WRONLY | O_CREAT, 0644), ENOENT);
	CHECK_ERRNO(mkdir("sub", 0755), ENOENT);
	snprintf(path, sizeof(path), "%s/other", top);
	CHECK_ERRNO(rename(path, "moved"), ENOENT);
	CHECK_OK(access(path, F_OK));
	CHECK_OK(close(fd));
	CHECK_OK(chdir(top));
	CHECK_OK(unlink("other"));
	PASS();
}
