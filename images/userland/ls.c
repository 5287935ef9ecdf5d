/* ls: lists directories (mode, links, size, name), or names a file. */
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

static char kind(mode_t m)
{
	return S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : '-';
}

static void show(const char *path, const char *name)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		printf("ls: %s: %s\n", path, strerror(errno));
		return;
	}
	printf("%c%04o %3d %8ld %s\n", kind(st.st_mode), (unsigned)(st.st_mode & 07777),
	       (int)st.st_nlink, (long)st.st_size, name);
}

static int list(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		show(dir, dir);
		return 0;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, (const char *)e->d_name);
		show(path, (const char *)e->d_name);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return list(".");
	for (int i = 1; i < argc; i++)
		list(argv[i]);
	return 0;
}
