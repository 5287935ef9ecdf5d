// abi: freebsd4-i386
/*
 * Which process ^T's status line names when the foreground group holds several
 * sleepers (4.x's proc_compare): the one asleep for the fewest whole seconds (BSD's
 * p_slptime), before the higher pid. Here a session leader waits for its children;
 * the first child sleeps 2.5 s in nanosleep, then waits on a pipe (a fresh sleep);
 * the second, with the higher pid, has slept in nanosleep all along. After about
 * three seconds the first child is named, waiting in "piperd".
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	int m = CHECK_OK(open("/dev/ptypc", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypc", O_RDWR));
	int pids[2];
	CHECK_OK(pipe(pids));
	pid_t leader = nt_pty_session(m, s, 0, NULL);
	if (leader == 0) {
		int hold[2];
		if (pipe(hold) != 0)
			_exit(1);
		pid_t first = fork();
		if (first == 0) {
			struct timespec ts = {2, 500000000};
			nanosleep(&ts, NULL);
			char c;
			(void)!read(hold[0], &c, 1);
			_exit(0);
		}
		pid_t second = fork();
		if (second == 0) {
			struct timespec ts = {100, 0};
			nanosleep(&ts, NULL);
			_exit(0);
		}
		pid_t both[2] = {first, second};
		(void)!write(pids[1], both, sizeof(both));
		int status;
		while (wait(&status) > 0)
			;
		_exit(0);
	}
	pid_t both[2];
	CHECK_EQ(read(pids[0], both, sizeof(both)), (int)sizeof(both));
	CHECK(both[1] > both[0]);
	struct timespec wait3 = {3, 200000000};
	nanosleep(&wait3, NULL);
	CHECK_EQ(write(m, "\024", 1), 1);
	char line[256];
	int n = CHECK_OK(read(m, line, sizeof(line) - 1));
	line[n] = 0;
	char want[64];
	/* The name cut to MAXCOMLEN (16), as p_comm holds it. */
	snprintf(want, sizeof(want), " cmd: fb4_tty_status_p %d [piperd] ", (int)both[0]);
	if (!strstr(line, want))
		FAIL("status line \"%s\": wanted \"%s\"", line, want);
	CHECK_OK(kill(-leader, SIGKILL));
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	close(s);
	close(m);
	PASS();
}
