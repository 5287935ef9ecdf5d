/* mv: renames a file, or moves files into a directory. */
#include <stdio.h>
#include <string.h>
#include "targets.h"

static int move(const char *from, const char *to)
{
	if (rename(from, to) < 0) {
		dprintf(2, "mv: %s: %s\n", from, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	return for_each_target(argc, argv, "mv", move);
}
