/* rm: removes files; -r removes directories with what they hold, -f is quiet about
 * missing files. */
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>

static int force, recursive;

static int remove_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (force && errno == ENOENT)
			return 0;
		dprintf(2, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == 0)
			return 0;
		dprintf(2, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!recursive) {
		dprintf(2, "rm: %s: is a directory\n", path);
		return 1;
	}
	int status = 0;
	DIR *d = opendir(path);
	if (!d) {
		dprintf(2, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *name = (const char *)e->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		char child[512];
		snprintf(child, sizeof(child), "%s/%s", path, name);
		status |= remove_path(child);
	}
	closedir(d);
	if (rmdir(path) < 0) {
		dprintf(2, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *f = argv[i] + 1; *f; f++) {
			if (*f == 'f')
				force = 1;
			else if (*f == 'r' || *f == 'R')
				recursive = 1;
			else {
				dprintf(2, "usage: rm [-rf] FILE...\n");
				return 1;
			}
		}
	}
	if (i >= argc && !force) {
		dprintf(2, "usage: rm [-rf] FILE...\n");
		return 1;
	}
	for (; i < argc; i++)
		status |= remove_path(argv[i]);
	return status;
}
