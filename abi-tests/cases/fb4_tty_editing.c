// abi: freebsd4-i386
/*
 * The editing and output details of 4.x's line discipline (tty.c), on a pty:
 *  - OXTABS expands a tab to the next multiple of eight from the cursor's column;
 *    ONOEOT drops ^D from output;
 *  - ECHOE erases a tab by its width, and a quoted (^V) character as it was
 *    echoed (^I is two columns); a quoted newline is data, echoed ^J, and does not
 *    end the line;
 *  - output written while a line is being typed disturbs it: the next erase types
 *    the line again (^R, newline, the rest) instead of backing over it;
 *  - ECHOPRT erases between \ and /; ALTWERASE's ^W stops where letters and digits
 *    meet other characters;
 *  - PARMRK doubles a typed 0377;
 *  - entering canonical mode with TIOCSETA sets PENDIN: what was typed raw is typed
 *    again (echoed, editable) with the next key;
 *  - the delayed-suspend character (^Y) typed is data until a read reaches it: the
 *    read ends there and the foreground group gets SIGTSTP.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int m, s;

static void expect_out(const char *want, int len)
{
	char buf[128];
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	if (n != len || memcmp(buf, want, len) != 0) {
		char hex[3 * sizeof(buf) + 1];
		for (int i = 0; i < n; i++)
			snprintf(hex + 3 * i, 4, " %02x", (unsigned char)buf[i]);
		FAIL("master read %d bytes:%s; wanted %d", n, n ? hex : "", len);
	}
}
#define EXPECT_OUT(lit) expect_out(lit, (int)sizeof(lit) - 1)

static void expect_in(const char *want, int len)
{
	char buf[64];
	int n = CHECK_OK(read(s, buf, sizeof(buf)));
	CHECK_EQ(n, len);
	CHECK(memcmp(buf, want, len) == 0);
}
#define EXPECT_IN(lit) expect_in(lit, (int)sizeof(lit) - 1)

static void type(const char *keys, int len) { CHECK_EQ(write(m, keys, len), len); }
#define TYPE(lit) type(lit, (int)sizeof(lit) - 1)

static struct termios base;

static void modes(tcflag_t iflag_on, tcflag_t oflag_on, tcflag_t lflag_on, tcflag_t lflag_off)
{
	struct termios t = base;
	t.c_iflag |= iflag_on;
	t.c_oflag |= oflag_on;
	t.c_lflag |= lflag_on;
	t.c_lflag &= ~lflag_off;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
}

static volatile int suspends;

static void on_tstp(int sig)
{
	(void)sig;
	suspends++;
}

int main(void)
{
	m = CHECK_OK(open("/dev/ptyp8", O_RDWR));
	s = CHECK_OK(open("/dev/ttyp8", O_RDWR));
	CHECK_OK(tcgetattr(s, &base));

	/* OXTABS and ONOEOT. */
	modes(0, OXTABS | ONOEOT, 0, 0);
	CHECK_EQ(write(s, "ab\tc\004\n\t.", 8), 8);
	EXPECT_OUT("ab      c\r\n        .");
	CHECK_EQ(write(s, "\n", 1), 1);
	EXPECT_OUT("\r\n");

	/* A tab erased by its width, after a prompt of three columns. */
	modes(0, 0, 0, 0);
	CHECK_EQ(write(s, "$> ", 3), 3);
	EXPECT_OUT("$> ");
	TYPE("ab\t\177");
	EXPECT_OUT("ab\t\b\b\b");
	/* A quoted tab is ^I, two columns; a quoted newline is data. */
	TYPE("\026\t\177");
	EXPECT_OUT("^\b^I\b \b\b \b");
	TYPE("\026\nc\n");
	EXPECT_OUT("^\b^Jc\r\n");
	EXPECT_IN("ab\nc\n");

	/* Output while typing: the next erase types the line again. */
	TYPE("xyz");
	EXPECT_OUT("xyz");
	CHECK_EQ(write(s, "!", 1), 1);
	EXPECT_OUT("!");
	TYPE("\177");
	EXPECT_OUT("^R\r\nxy");
	TYPE("\177\n");
	EXPECT_OUT("\b \b\r\n");
	EXPECT_IN("x\n");

	/* ECHOPRT. */
	modes(0, 0, ECHOPRT, ECHOE);
	TYPE("abc\177\177d\n");
	EXPECT_OUT("abc\\cb/d\r\n");
	EXPECT_IN("ad\n");

	/* ALTWERASE. */
	modes(0, 0, ALTWERASE, ECHO);
	TYPE("cd foo.bar\027\n");
	EXPECT_IN("cd foo.\n");
	modes(0, 0, 0, ECHO);
	TYPE("cd foo.bar\027\n");
	EXPECT_IN("cd \n");

	/* PARMRK, raw. */
	struct termios t = base;
	t.c_iflag |= PARMRK;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	TYPE("\377a");
	EXPECT_IN("\377\377a");

	/* PENDIN: raw input typed again when canonical mode comes on. */
	t = base;
	t.c_lflag &= ~ICANON;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	TYPE("ab");
	EXPECT_OUT("ab");
	CHECK_OK(tcsetattr(s, TCSANOW, &base));
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_lflag & PENDIN);
	TYPE("\177c\n");
	EXPECT_OUT("ab\b \bc\r\n");
	EXPECT_IN("ac\n");
	CHECK_OK(tcgetattr(s, &t));
	CHECK(!(t.c_lflag & PENDIN));

	/* ^Y: the reading foreground process gets SIGTSTP where its read stops. */
	modes(0, 0, 0, ECHO);
	pid_t child = nt_pty_session(m, s, SIGTSTP, on_tstp);
	if (child == 0) {
		char buf[16];
		int first = read(s, buf, sizeof(buf));
		if (first != 2 || memcmp(buf, "ab", 2) != 0 || suspends != 1)
			_exit(2);
		int second = read(s, buf, sizeof(buf));
		_exit(second == 2 && memcmp(buf, "c\n", 2) == 0 && suspends == 1 ? 0 : 3);
	}
	TYPE("ab\031c\n");
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_EQ(status, 0);
	close(s);
	close(m);
	PASS();
}
