// abi: freebsd4-i386
/*
 * Output flow control and discarding as 4.x's tty.c does them (on a pty, whose
 * master reads what the slave's output queue holds):
 *  - with IXON, ^S (VSTOP) typed stops output and ^Q (VSTART) starts it; neither is
 *    data; while stopped the master reads nothing (ptcread), not even what was
 *    written before the stop, and TIOCOUTQ counts what waits; an ordinary key does
 *    not start output, unless IXANY;
 *  - TIOCSTOP and TIOCSTART (tcflow's TCOOFF and TCOON) do the same from the slave;
 *    TCIOFF sends the VSTOP character;
 *  - a writer waits while much is held: O_NONBLOCK takes part of a large write, then
 *    EAGAIN, poll has no POLLOUT, and a blocking writer goes on once output starts;
 *  - tcflush(TCOFLUSH) and ^C (ISIG without NOFLSH) discard held output and start
 *    output again;
 *  - ^O (VDISCARD, IEXTEN) flushes output, echoes ^O, retypes pending input, and
 *    sets FLUSHO: writes succeed and go nowhere until a key is typed or ^O again;
 *  - tcdrain on the slave waits until the master has read its output;
 *  - the kill character with ECHOKE erases the line visually (ECHOE), without it
 *    echoes ^U and a newline (ECHOK); end of file echoes ^D and backs over it.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int m, s;

/* Reads exactly `want` from the master (nothing more is there). */
static void expect_out(const char *want)
{
	char buf[128];
	int len = (int)strlen(want);
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	if (n != len || memcmp(buf, want, len) != 0)
		FAIL("master read %d bytes, wanted %d (\"%s\")", n, len, want);
}

/* The master has nothing to read now. */
static void expect_nothing(void)
{
	char buf[16];
	struct pollfd p = {m, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(m, buf, sizeof(buf)), EAGAIN);
	CHECK_OK(fcntl(m, F_SETFL, 0));
}

static void type(const char *keys) { CHECK_EQ(write(m, keys, strlen(keys)), (int)strlen(keys)); }

static void say(const char *text) { CHECK_EQ(write(s, text, strlen(text)), (int)strlen(text)); }

static int queued(void)
{
	int n = -1;
	CHECK_OK(ioctl(s, TIOCOUTQ, &n));
	return n;
}

static void set_modes(tcflag_t iflag_on, tcflag_t lflag_on, tcflag_t lflag_off)
{
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_iflag |= iflag_on;
	t.c_lflag |= lflag_on;
	t.c_lflag &= ~lflag_off;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
}

static void stop_start(void)
{
	say("one\n");
	expect_out("one\r\n");
	/* ^S: stopped; output waits and counts. */
	type("\023");
	say("two\n");
	expect_nothing();
	CHECK_EQ(queued(), 5);
	/* An ordinary key is input, its echo held; ^Q sends it all. */
	type("k");
	expect_nothing();
	type("\021");
	expect_out("two\r\nk");
	CHECK_EQ(queued(), 0);
	/* Neither ^S nor ^Q was data. */
	type("\n");
	expect_out("\r\n");
	char line[8];
	CHECK_EQ(read(s, line, sizeof(line)), 2);
	CHECK(memcmp(line, "k\n", 2) == 0);

	/* What the master had not read yet is held back too. */
	say("pre");
	type("\023");
	expect_nothing();
	CHECK_EQ(queued(), 3);
	CHECK_OK(ioctl(s, TIOCSTART));
	expect_out("pre");

	/* tcflow from the slave. */
	CHECK_OK(tcflow(s, TCOOFF));
	say("x");
	expect_nothing();
	CHECK_OK(tcflow(s, TCOON));
	expect_out("x");
	CHECK_OK(tcflow(s, TCIOFF));
	expect_out("\023");

	/* IXANY: any key starts output. */
	set_modes(IXANY, 0, 0);
	type("\023");
	say("y");
	type("z");
	expect_out("yz");
	CHECK_OK(tcflush(s, TCIFLUSH));
}

static void writers_wait(void)
{
	static char big[4096];
	memset(big, 'w', sizeof(big));
	type("\023");
	CHECK_OK(fcntl(s, F_SETFL, O_NONBLOCK));
	int n = CHECK_OK(write(s, big, sizeof(big)));
	CHECK(n > 0 && n < (int)sizeof(big));
	CHECK_ERRNO(write(s, big, 1), EAGAIN);
	struct pollfd p = {s, POLLOUT, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_OK(fcntl(s, F_SETFL, 0));
	CHECK_EQ(queued(), n);

	/* A blocking writer waits for the start. */
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		_exit(write(s, "end", 3) == 3 ? 0 : 1);
	usleep(50000);
	int status;
	CHECK_EQ(waitpid(child, &status, WNOHANG), 0);
	type("\021");
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_EQ(status, 0);
	/* All of it, the waiting writer's last. */
	static char all[sizeof(big) + 16];
	int got = 0;
	while (got < n + 3)
		got += CHECK_OK(read(m, all + got, sizeof(all) - got));
	CHECK_EQ(got, n + 3);
	CHECK(memcmp(all + n, "end", 3) == 0);
	expect_nothing();
}

static void flushes(void)
{
	/* tcflush(TCOFLUSH): held output goes, and output runs again. */
	type("\023");
	say("gone");
	CHECK_OK(tcflush(s, TCOFLUSH));
	CHECK_EQ(queued(), 0);
	expect_nothing();
	say("back");
	expect_out("back");

	/* ^C flushes output (no NOFLSH). */
	type("\023");
	say("lost");
	type("\003");
	expect_out("^C");

	/* ^O: output flushed (the echo of keys typed with it too), ^O echoed, pending
	 * input retyped; then output is discarded. */
	type("x\017");
	expect_out("^O^R\r\nx");
	CHECK_OK(tcflush(s, TCIFLUSH));
	type("\017");
	type("ab");
	expect_out("ab");
	type("\017");
	expect_out("^O^R\r\nab");
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_lflag & FLUSHO);
	CHECK_EQ(write(s, "hidden", 6), 6);
	expect_nothing();
	/* A typed key ends it. */
	type("c");
	expect_out("c");
	CHECK_OK(tcgetattr(s, &t));
	CHECK(!(t.c_lflag & FLUSHO));
	say("shown");
	expect_out("shown");
	/* ^O twice: on, then off without a word. */
	type("\017");
	expect_out("^O^R\r\nabc");
	type("\017");
	say("again");
	expect_out("again");
	CHECK_OK(tcflush(s, TCIFLUSH));
}

static void drain_waits(void)
{
	say("queued");
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		_exit(tcdrain(s) == 0 ? 0 : 1);
	usleep(50000);
	int status;
	CHECK_EQ(waitpid(child, &status, WNOHANG), 0);
	expect_out("queued");
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_EQ(status, 0);
	/* Nothing queued: at once. */
	CHECK_OK(tcdrain(s));
}

static void kill_and_eof_echo(void)
{
	/* Defaults: ECHOE and ECHOKE, so ^U erases the line on the screen. */
	type("ab\025");
	expect_out("ab\b \b\b \b");
	/* Without ECHOKE: ^U, then ECHOK's newline. */
	set_modes(0, ECHOK, ECHOKE);
	type("cd\025");
	expect_out("cd^U\r\n");
	/* End of file: ^D, then back over it. */
	type("\004");
	expect_out("^D\b\b");
	char c;
	CHECK_EQ(read(s, &c, 1), 0);
}

int main(void)
{
	m = CHECK_OK(open("/dev/ptyp6", O_RDWR));
	s = CHECK_OK(open("/dev/ttyp6", O_RDWR));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	/* ttydefaults.h's flow control: IXON and IXANY. */
	CHECK(t.c_iflag & IXON);
	CHECK(t.c_iflag & IXANY);
	CHECK(t.c_lflag & ECHOKE);
	/* Without IXANY until stop_start turns it back on. */
	t.c_iflag &= ~IXANY;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	stop_start();
	writers_wait();
	flushes();
	drain_waits();
	kill_and_eof_echo();
	close(s);
	close(m);
	PASS();
}
