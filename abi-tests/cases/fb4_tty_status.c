// abi: freebsd4-i386
/*
 * ^T's status line (4.x's ttyinfo), on a pty:
 *  - "load: L.LL " then, for a terminal that controls no session, "not a controlling
 *    terminal"; TIOCSTAT prints it as ^T does;
 *  - for a session's terminal, its foreground group's most interesting process:
 *    " cmd: NAME PID [WAIT] U.UUu S.SSs P% Rk" with what it waits for (nanosleep's
 *    "nanslp"), its user and system time, CPU share and resident size in KiB;
 *  - ^T is not echoed and not data; SIGINFO goes to the foreground group (ignored by
 *    default, so the sleeper sleeps on); with NOKERNINFO no line is printed.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

static int m;
static char line[256];

/* Reads one status line from the master; returns its length, NUL-terminated. */
static int read_line(void)
{
	int n = CHECK_OK(read(m, line, sizeof(line) - 1));
	line[n] = 0;
	return n;
}

/* "load: D.DD " at the start; returns what follows. */
static const char *after_load(void)
{
	CHECK(strncmp(line, "load: ", 6) == 0);
	char *end;
	long whole = strtol(line + 6, &end, 10);
	CHECK(whole >= 0 && *end == '.');
	CHECK(end[1] >= '0' && end[1] <= '9' && end[2] >= '0' && end[2] <= '9');
	CHECK(end[3] == ' ');
	return end + 4;
}

/* A number, then `then`; returns what follows. */
static const char *number_then(const char *at, const char *then)
{
	char *end;
	long v = strtol(at, &end, 10);
	CHECK(v >= 0 && end > at);
	if (strncmp(end, then, strlen(then)) != 0)
		FAIL("status line \"%s\": wanted \"%s\" at \"%s\"", line, then, end);
	return end + strlen(then);
}

int main(void)
{
	m = CHECK_OK(open("/dev/ptypa", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypa", O_RDWR));

	/* No session: TIOCSTAT says so. */
	CHECK_OK(ioctl(s, TIOCSTAT));
	read_line();
	CHECK(strcmp(after_load(), "not a controlling terminal\r\n") == 0);

	/* A session leader asleep in nanosleep, in the foreground. */
	pid_t child = nt_pty_session(m, s, 0, NULL);
	if (child == 0) {
		struct timespec ts = {30, 0};
		nanosleep(&ts, NULL);
		_exit(2);
	}
	usleep(100000);
	CHECK_EQ(write(m, "\024", 1), 1);
	read_line();
	const char *at = after_load();
	char want[64];
	snprintf(want, sizeof(want), " cmd: fb4_tty_status %d [nanslp] ", (int)child);
	if (strncmp(at, want, strlen(want)) != 0)
		FAIL("status line \"%s\": wanted \"%s\"", line, want);
	at += strlen(want);
	at = number_then(at, ".");
	at = number_then(at, "u ");
	at = number_then(at, ".");
	at = number_then(at, "s ");
	at = number_then(at, "% ");
	at = number_then(at, "k\r\n");
	CHECK_EQ(*at, 0);

	/* ^T was neither echoed nor data, and the sleeper sleeps on (SIGINFO ignored). */
	int status;
	CHECK_EQ(waitpid(child, &status, WNOHANG), 0);
	CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(m, line, sizeof(line)), EAGAIN);
	CHECK_OK(fcntl(m, F_SETFL, 0));

	/* NOKERNINFO: no line. */
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag |= NOKERNINFO;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "\024", 1), 1);
	usleep(20000);
	CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(m, line, sizeof(line)), EAGAIN);
	CHECK_OK(fcntl(m, F_SETFL, 0));

	CHECK_OK(kill(child, SIGKILL));
	CHECK_EQ(waitpid(child, &status, 0), child);
	close(s);
	close(m);
	PASS();
}
