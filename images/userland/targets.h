/*
 * The argument convention cp and mv share: `TOOL FROM TO`, or `TOOL FROM... DIR` to
 * act on each FROM as DIR/basename(FROM). Calls act(from, to) for each; the exit
 * status is 1 if any failed.
 */
#ifndef USERLAND_TARGETS_H
#define USERLAND_TARGETS_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *targets_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int for_each_target(int argc, char **argv, const char *tool,
			   int (*act)(const char *from, const char *to))
{
	if (argc < 3) {
		dprintf(2, "usage: %s FROM TO, or %s FROM... DIR\n", tool, tool);
		return 1;
	}
	const char *dest = argv[argc - 1];
	struct stat st;
	int into_dir = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc > 3 && !into_dir) {
		dprintf(2, "%s: %s: not a directory\n", tool, dest);
		return 1;
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char target[512];
		if (into_dir)
			snprintf(target, sizeof(target), "%s/%s", dest, targets_base(argv[i]));
		else
			snprintf(target, sizeof(target), "%s", dest);
		status |= act(argv[i], target);
	}
	return status;
}

#endif
