/* wc: counts lines, words and bytes (or those -l, -w, -c ask for) of files or standard
 * input. Built for native and FreeBSD 4. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static long total[3];
static int want[3] = {1, 1, 1};

/* As 4.x's wc.c prints them: a space before each count, so counts of eight digits
 * and more stay apart. */
static void print_counts(const long *counts, const char *name)
{
	for (int k = 0; k < 3; k++)
		if (want[k])
			printf(" %7ld", counts[k]);
	printf("%s%s\n", name ? " " : "", name ? name : "");
}

static int count(int fd, const char *name)
{
	char buf[4096];
	long lines = 0, words = 0, bytes = 0;
	int in_word = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bytes += n;
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			if (c == '\n')
				lines++;
			int space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
			if (!space && !in_word)
				words++;
			in_word = !space;
		}
	}
	if (n < 0) {
		dprintf(2, "wc: %s: %s\n", name ? name : "stdin", strerror(errno));
		return 1;
	}
	long counts[3] = {lines, words, bytes};
	print_counts(counts, name);
	total[0] += lines;
	total[1] += words;
	total[2] += bytes;
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	if (i < argc && argv[i][0] == '-' && argv[i][1]) {
		want[0] = want[1] = want[2] = 0;
		for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
			for (const char *f = argv[i] + 1; *f; f++) {
				const char *at = strchr("lwc", *f);
				if (!at) {
					dprintf(2, "usage: wc [-lwc] [FILE...]\n");
					return 1;
				}
				want[at - "lwc"] = 1;
			}
		}
	}
	if (i >= argc)
		return count(0, NULL);
	int status = 0, first = i;
	for (; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			dprintf(2, "wc: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		status |= count(fd, argv[i]);
		close(fd);
	}
	if (argc - first > 1)
		print_counts(total, "total");
	return status;
}
