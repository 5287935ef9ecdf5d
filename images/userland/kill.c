/* kill: sends a signal (SIGTERM unless -NAME, -SIGNAME, -N or -s NAME says otherwise)
 * to processes, or to a process group given as a negative number after "--"; -l lists
 * the signal names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

/* A signal from "9", "KILL" or "SIGKILL"; 0 if unknown. */
static int parse_signal(const char *s)
{
	if (*s >= '0' && *s <= '9')
		return atoi(s);
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < 65; sig++) {
		const char *name = signame(sig);
		if (name && strcmp(name + 3, s) == 0)
			return sig;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int sig = SIGTERM, i = 1;
	if (i < argc && strcmp(argv[i], "-l") == 0) {
		for (int s = 1; s < 65; s++)
			if (signame(s))
				printf("%2d %s\n", s, signame(s) + 3);
		return 0;
	}
	if (i < argc && strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
		sig = parse_signal(argv[i + 1]);
		i += 2;
	} else if (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0) {
		sig = parse_signal(argv[i] + 1);
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (sig < 0) {
		dprintf(2, "kill: unknown signal; kill -l lists them\n");
		return 1;
	}
	if (i >= argc) {
		dprintf(2, "usage: kill [-SIG | -s SIG] PID...\n");
		return 1;
	}
	int status = 0;
	for (; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);
		if (*end || end == argv[i]) {
			dprintf(2, "kill: %s: not a process id\n", argv[i]);
			status = 1;
			continue;
		}
		if (kill((pid_t)pid, sig) < 0) {
			dprintf(2, "kill: %ld: %s\n", pid, strerror(errno));
			status = 1;
		}
	}
	return status;
}
