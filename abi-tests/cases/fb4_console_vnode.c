// abi: freebsd4-i386
/*
 * The console the kernel opened for init (by no path; the suite's runner is init and
 * its cases inherit it as descriptor 0) is /dev/console's vnode to a 4.x process, as
 * it is on 4.x, whose init opens /dev/console by name: fstat of the descriptor gives
 * that node's st_dev, st_ino, mode and st_rdev, so ttyname's scan of /dev (for an
 * entry whose inode is the descriptor's) finds "console". A descriptor opened by the
 * name agrees.
 */
#include <nymph_fb4.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static void same_node(const struct stat *a, const struct stat *b)
{
	CHECK_EQ(a->st_dev, b->st_dev);
	CHECK_EQ(a->st_ino, b->st_ino);
	CHECK_EQ(a->st_mode, b->st_mode);
	CHECK_EQ(a->st_rdev, b->st_rdev);
}

int main(void)
{
	struct stat fd0, node, opened;
	CHECK_OK(fstat(0, &fd0));
	if (!S_ISCHR(fd0.st_mode) || !isatty(0))
		SKIP("descriptor 0 is not the console here");
	CHECK_OK(stat("/dev/console", &node));
	same_node(&fd0, &node);
	int fd = CHECK_OK(open("/dev/console", O_RDWR));
	CHECK_OK(fstat(fd, &opened));
	same_node(&opened, &node);
	close(fd);

	/* 4.x libc's oldttyname: the /dev entry whose d_fileno is the descriptor's inode,
	 * then stat of it matching st_dev and st_ino. */
	DIR *d = opendir("/dev");
	CHECK(d != NULL);
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_fileno != fd0.st_ino)
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/dev/%s", (const char *)e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && st.st_dev == fd0.st_dev && st.st_ino == fd0.st_ino) {
			CHECK(strcmp((const char *)e->d_name, "console") == 0);
			found++;
		}
	}
	closedir(d);
	CHECK_EQ(found, 1);
	return 0;
}
