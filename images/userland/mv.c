/* mv: renames a file, or moves files into a directory. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		dprintf(2, "usage: mv FROM TO, or mv FROM... DIR\n");
		return 1;
	}
	const char *dest = argv[argc - 1];
	struct stat st;
	int into_dir = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc > 3 && !into_dir) {
		dprintf(2, "mv: %s: not a directory\n", dest);
		return 1;
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char target[512];
		if (into_dir)
			snprintf(target, sizeof(target), "%s/%s", dest, base(argv[i]));
		else
			snprintf(target, sizeof(target), "%s", dest);
		if (rename(argv[i], target) < 0) {
			dprintf(2, "mv: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
