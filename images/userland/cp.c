/* cp: copies a file to a file, or files into a directory. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "targets.h"

static int copy(const char *from, const char *to)
{
	struct stat st;
	int in = open(from, O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0) {
		dprintf(2, "cp: %s: %s\n", from, strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		dprintf(2, "cp: %s: is a directory\n", from);
		close(in);
		return 1;
	}
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
	if (out < 0) {
		dprintf(2, "cp: %s: %s\n", to, strerror(errno));
		close(in);
		return 1;
	}
	char buf[4096];
	ssize_t n;
	int status = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			dprintf(2, "cp: %s: %s\n", to, strerror(errno));
			status = 1;
			break;
		}
	}
	if (n < 0) {
		dprintf(2, "cp: %s: %s\n", from, strerror(errno));
		status = 1;
	}
	close(in);
	close(out);
	return status;
}

int main(int argc, char **argv)
{
	return for_each_target(argc, argv, "cp", copy);
}
