/*
 * What a program finds on its descriptors 1 and 2 (xtask test's `exec --stdio` check):
 * for each, whether it is a terminal and whether fstat calls it a FIFO, written to that
 * descriptor; then bytes a terminal would translate ("\n" to "\r\n"), to descriptor 1.
 * Built on libc-shim for FreeBSD 4, as a 4.x program run by `cargo xtask exec` is.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(int fd, const char *name)
{
	struct stat st;
	int fifo = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	char line[64];
	int n = snprintf(line, sizeof(line), "%s tty=%d fifo=%d\n", name, isatty(fd), fifo);
	write(fd, line, n);
}

int main(void)
{
	report(1, "stdout");
	report(2, "stderr");
	static const char raw[] = "a\r\nb\n\x01";
	write(1, raw, sizeof(raw) - 1);
	return 5;
}
