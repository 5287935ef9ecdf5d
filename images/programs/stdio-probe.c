/*
 * What a program finds on its descriptors 1 and 2 (xtask test's `exec --stdio` check):
 * for each, whether it is a terminal and whether fstat calls it a FIFO, written to that
 * descriptor; then its input, when that is not a terminal, read to the end and copied
 * to descriptor 1 between "stdin<" and ">COUNT"; then bytes a terminal would translate
 * ("\n" to "\r\n"), to descriptor 1.
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
	/* Input that is not a terminal is read to its end and copied out, framed. */
	if (!isatty(0)) {
		char buf[256];
		int n, total = 0;
		write(1, "stdin<", 6);
		while ((n = read(0, buf, sizeof(buf))) > 0) {
			write(1, buf, n);
			total += n;
		}
		char line[32];
		int len = snprintf(line, sizeof(line), ">%d\n", total);
		write(1, line, len);
	}
	static const char raw[] = "a\r\nb\n\x01";
	write(1, raw, sizeof(raw) - 1);
	return 5;
}
