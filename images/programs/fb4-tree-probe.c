/*
 * Run from a 4.x tree laid at /compat/freebsd4 (xtask test's `exec --root DIR:/GUEST`
 * check): its argv[0], the first line of /etc/motd (the tree's, found through the
 * 4.x prefix), and whether /tmp (the guest's own root) is a directory.
 * Built on libc-shim for FreeBSD 4.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char motd[128] = "";
	int fd = open("/etc/motd", O_RDONLY);
	if (fd >= 0) {
		int n = read(fd, motd, sizeof(motd) - 1);
		motd[n > 0 ? n : 0] = '\0';
		motd[strcspn(motd, "\n")] = '\0';
		close(fd);
	}
	struct stat st;
	int tmp = stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode);
	printf("argc=%d argv0=%s\nmotd=%s\ntmp=%d\n", argc, argv[0], motd, tmp);
	return 3;
}
