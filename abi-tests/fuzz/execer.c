/*
 * The exec fuzzer's init (run by `cargo xtask fuzz-exec`):
 *
 *   execer DIR COUNT
 *
 * Execs DIR/0 .. DIR/COUNT-1 (mutated executables of every ABI), one at a time, each in
 * a forked child with a watchdog: a child still running after 2 s is killed. Prints one
 * line per file:
 *   FX N refused ENAME      execve failed with that errno (its name)
 *   FX N exited S           it ran and exited with status S
 *   FX N signal SIG         it ran and died by signal SIG (a number)
 *   FX N timeout            it ran for 2 s and was killed
 *   FX N unkillable         still there 5 s after SIGKILL (the run stops)
 * then "FX done". The child reports a failed execve in a shared page: a successful exec
 * replaces its memory, so the page keeps the parent's marker.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define WATCHDOG_MS 2000
#define KILL_GRACE_MS 5000
#define POLL_MS 2
#define NOT_REFUSED (-1)

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, 0);
}

/* Unbuffered lines: the mutants share the console. */
#define say(...)                                                   \
	do {                                                       \
		char line_[128];                                   \
		int len_ = snprintf(line_, sizeof line_, __VA_ARGS__); \
		if (len_ > 0 && (size_t)len_ < sizeof line_)       \
			write(1, line_, (size_t)len_);             \
	} while (0)

/* Waits up to `ms` for `pid`; 1 with *status set when it ended. */
static int wait_for(pid_t pid, int *status, long ms)
{
	for (long waited = 0; waited <= ms; waited += POLL_MS) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		nap_ms(POLL_MS);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		say("usage: execer DIR COUNT\n");
		return 2;
	}
	long count = strtol(argv[2], 0, 0);
	volatile int *report = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	if (report == MAP_FAILED) {
		say("FX setup-failed mmap\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (long i = 0; i < count; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/%ld", argv[1], i);
		*report = NOT_REFUSED;
		pid_t pid = fork();
		if (pid < 0) {
			say("FX %ld setup-failed fork %d\n", i, errno);
			return 2;
		}
		if (pid == 0) {
			char *args[] = {path, 0};
			char *env[] = {0};
			execve(path, args, env);
			*report = errno;
			_exit(127);
		}
		int status = 0;
		if (!wait_for(pid, &status, WATCHDOG_MS)) {
			kill(pid, SIGKILL);
			if (!wait_for(pid, &status, KILL_GRACE_MS)) {
				say("FX %ld unkillable\n", i);
				return 1;
			}
			say("FX %ld timeout\n", i);
			continue;
		}
		int refused = *report;
		if (refused != NOT_REFUSED) {
			const char *name = strerrorname(refused);
			say("FX %ld refused %s\n", i, name ? name : "E?");
		} else if (WIFSIGNALED(status)) {
			say("FX %ld signal %d\n", i, WTERMSIG(status));
		} else {
			say("FX %ld exited %d\n", i, WEXITSTATUS(status));
		}
	}
	say("FX done\n");
	return 0;
}
