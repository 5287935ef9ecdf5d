/* ps: lists processes from /proc: pid, parent, process group, state, the ABI the
 * process runs (its personality and version) and its command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <dirent.h>
#include <unistd.h>

/* The value of "key" in a status text of "key value" lines, or "?". */
static const char *field(char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (char *line = text; *line;) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			size_t n = len - klen - 1 < size - 1 ? len - klen - 1 : size - 1;
			memcpy(out, line + klen + 1, n);
			out[n] = 0;
			return out;
		}
		if (!end)
			break;
		line = end + 1;
	}
	return "?";
}

static void show(const char *pid)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return; /* ended meanwhile */
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = 0;
	char f[6][96];
	printf("%5s %5s %5s %-4s %-14s %s\n", field(text, "pid", f[0], sizeof(f[0])),
	       field(text, "ppid", f[1], sizeof(f[1])), field(text, "pgid", f[2], sizeof(f[2])),
	       field(text, "state", f[3], sizeof(f[3])), field(text, "abi", f[4], sizeof(f[4])),
	       field(text, "command", f[5], sizeof(f[5])));
}

int main(void)
{
	DIR *d = opendir("/proc");
	if (!d) {
		dprintf(2, "ps: /proc: %s\n", strerror(errno));
		return 1;
	}
	/* Directory order is creation order; ps lists by pid. */
	int pids[256], count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && count < 256) {
		const char *name = (const char *)e->d_name;
		if (name[0] >= '1' && name[0] <= '9')
			pids[count++] = atoi(name);
	}
	closedir(d);
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0 && pids[j - 1] > pids[j]; j--) {
			int t = pids[j];
			pids[j] = pids[j - 1];
			pids[j - 1] = t;
		}
	printf("%5s %5s %5s %-4s %-14s %s\n", "PID", "PPID", "PGID", "STAT", "ABI", "COMMAND");
	for (int i = 0; i < count; i++) {
		char name[16];
		snprintf(name, sizeof(name), "%d", pids[i]);
		show(name);
	}
	return 0;
}
