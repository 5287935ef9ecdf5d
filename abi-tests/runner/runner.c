/*
 * The in-guest runner of the conformance suite (native ABI, run as init).
 *
 *   abi-runner [--timeout SECS] [--xfail ABI/CASE]... /abi/<abi>/<case>...
 *
 * Runs each case in its own process (and process group) with its stdout and stderr
 * on a pipe, kills the group when the timeout passes, and prints per case
 *   ABI-CASE <abi> <case> pass | fail <reason> | skip <reason> | killed <SIGNAME> | timeout
 * then `ABI-SUMMARY pass=N fail=N skip=N xfail=N`. Case output is echoed as "  | line".
 * The exit status is 0 only if every case not listed with --xfail passed or skipped.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define MAX_XFAIL 256
#define OUT_MAX 8192
#define ECHO_MAX 60

static const char *xfail[MAX_XFAIL];
static int nxfail;
static char out[OUT_MAX + 1];

static int is_xfail(const char *abi, const char *name)
{
	size_t al = strlen(abi);
	for (int i = 0; i < nxfail; i++)
		if (strncmp(xfail[i], abi, al) == 0 && xfail[i][al] == '/' &&
		    strcmp(xfail[i] + al + 1, name) == 0)
			return 1;
	return 0;
}

/* "/abi/native-v1/pipe_bulk" -> abi "native-v1", name "pipe_bulk". */
static void split_path(const char *path, char *abi, size_t abisz, const char **name)
{
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	abi[0] = 0;
	if (slash && slash > path) {
		const char *start = slash - 1;
		while (start > path && *start != '/')
			start--;
		if (*start == '/')
			start++;
		size_t n = (size_t)(slash - start);
		if (n >= abisz)
			n = abisz - 1;
		memcpy(abi, start, n);
		abi[n] = 0;
	}
	if (!abi[0])
		strcpy(abi, "unknown");
}

/* The last line of the output starting with `tag`, without it; "" if none. */
static const char *last_line(const char *tag, char *buf, size_t bufsz)
{
	size_t tl = strlen(tag);
	buf[0] = 0;
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= tl && strncmp(p, tag, tl) == 0) {
			size_t n = len - tl;
			if (n >= bufsz)
				n = bufsz - 1;
			memcpy(buf, p + tl, n);
			buf[n] = 0;
		}
		p += len + (nl ? 1 : 0);
	}
	return buf;
}

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

enum result { R_PASS, R_FAIL, R_SKIP };

static enum result run_case(const char *path, int timeout_s, char *line, size_t linesz)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(line, linesz, "fail runner: pipe: %s", strerror(errno));
		return R_FAIL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(line, linesz, "fail runner: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return R_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		char *argv[] = {(char *)path, NULL};
		execve(path, argv, environ);
		dprintf(1, "FAIL runner: execve %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	setpgid(pid, pid);
	close(p[1]);
	/* The watchdog kills the case's whole group when the time is up; it sleeps in
	 * short steps so that killing it when the case ends is prompt. */
	pid_t dog = fork();
	if (dog == 0) {
		long end = now_ms() + timeout_s * 1000L;
		while (now_ms() < end)
			sleep_ms(50);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		_exit(0);
	}
	size_t used = 0;
	int echoed = 0;
	char chunk[512];
	size_t line_start = 0;
	for (;;) {
		ssize_t n = read(p[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (used < OUT_MAX)
				out[used++] = chunk[i];
			if (chunk[i] == '\n' && used <= OUT_MAX) {
				if (echoed++ < ECHO_MAX)
					printf("  | %.*s\n", (int)(used - 1 - line_start), out + line_start);
				line_start = used;
			}
		}
	}
	out[used] = 0;
	if (line_start < used && echoed < ECHO_MAX)
		printf("  | %s\n", out + line_start);
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL); /* what the case left behind */
	int timed_out = 0;
	if (dog > 0) {
		int dstatus = 0;
		kill(dog, SIGKILL);
		if (waitpid(dog, &dstatus, 0) == dog && WIFEXITED(dstatus))
			timed_out = 1;
	}
	reap_orphans();

	char reason[300];
	if (timed_out && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		snprintf(line, linesz, "timeout %ds", timeout_s);
		return R_FAIL;
	}
	if (WIFSIGNALED(status)) {
		const char *s = signame(WTERMSIG(status));
		if (s)
			snprintf(line, linesz, "killed %s", s);
		else
			snprintf(line, linesz, "killed signal-%d", WTERMSIG(status));
		return R_FAIL;
	}
	int code = WEXITSTATUS(status);
	if (code == 0) {
		snprintf(line, linesz, "pass");
		return R_PASS;
	}
	if (code == 77) {
		last_line("SKIP ", reason, sizeof(reason));
		snprintf(line, linesz, "skip %s", reason[0] ? reason : "(no reason given)");
		return R_SKIP;
	}
	last_line("FAIL ", reason, sizeof(reason));
	if (reason[0])
		snprintf(line, linesz, "fail %s", reason);
	else
		snprintf(line, linesz, "fail exit status %d", code);
	return R_FAIL;
}

int main(int argc, char **argv)
{
	int timeout_s = 60;
	int first = 1;
	while (first < argc && strncmp(argv[first], "--", 2) == 0) {
		if (strcmp(argv[first], "--timeout") == 0 && first + 1 < argc) {
			timeout_s = atoi(argv[first + 1]);
			first += 2;
		} else if (strcmp(argv[first], "--xfail") == 0 && first + 1 < argc) {
			if (nxfail < MAX_XFAIL)
				xfail[nxfail++] = argv[first + 1];
			first += 2;
		} else if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		} else {
			dprintf(2, "abi-runner: unknown option %s\n", argv[first]);
			return 2;
		}
	}
	/* Ignore SIGPIPE ourselves; cases get the default back through exec. */
	int pass = 0, fail = 0, skip = 0, xf = 0;
	printf("ABI-PLAN %d\n", argc - first);
	for (int i = first; i < argc; i++) {
		char abi[64], line[400];
		const char *name;
		split_path(argv[i], abi, sizeof(abi), &name);
		long start = now_ms();
		enum result r = run_case(argv[i], timeout_s, line, sizeof(line));
		long ms = now_ms() - start;
		printf("ABI-CASE %s %s %s\n", abi, name, line);
		printf("ABI-TIME %s %s %ld ms\n", abi, name, ms);
		if (r == R_PASS)
			pass++;
		else if (r == R_SKIP)
			skip++;
		else if (is_xfail(abi, name))
			xf++;
		else
			fail++;
	}
	printf("ABI-SUMMARY pass=%d fail=%d skip=%d xfail=%d\n", pass, fail, skip, xf);
	return fail == 0 ? 0 : 1;
}
