// abi: freebsd4-i386
/*
 * Every 4.x termios flag and control character is kept and reported (on a fresh pty
 * slave, whose first open gives the default modes):
 *  - defaults of the characters 4.x has beyond the editing ones: VSTATUS ^T, VSTART
 *    ^Q, VSTOP ^S, VDISCARD ^O, VDSUSP ^Y, VEOL2 off;
 *  - tcsetattr then tcgetattr gives back every c_iflag (IGNBRK..IMAXBEL), c_oflag
 *    (OPOST, ONLCR, OXTABS, ONOEOT) and c_lflag bit (ECHOKE..NOFLSH) and character,
 *    but EXTPROC, which only the terminal sets (ttioctl keeps it read-only);
 *  - those acted on: ISTRIP strips input to seven bits, VEOL2 ends a line, and ^T
 *    (VSTATUS, with ICANON and IEXTEN) sends the foreground group SIGINFO with ISIG
 *    and is not data.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>

static void expect_read(int fd, const char *want, int len)
{
	char buf[64];
	int n = CHECK_OK(read(fd, buf, sizeof(buf)));
	CHECK_EQ(n, len);
	CHECK(memcmp(buf, want, len) == 0);
}

static volatile int infos;

static void on_info(int sig)
{
	(void)sig;
	infos++;
}

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp2", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp2", O_RDWR));
	struct termios t, back;
	CHECK_OK(ioctl(s, TIOCGETA, &t));
	CHECK_EQ(t.c_cc[VSTATUS], 'T' & 037);
	CHECK_EQ(t.c_cc[VSTART], 'Q' & 037);
	CHECK_EQ(t.c_cc[VSTOP], 'S' & 037);
	CHECK_EQ(t.c_cc[VDISCARD], 'O' & 037);
	CHECK_EQ(t.c_cc[VDSUSP], 'Y' & 037);
	CHECK_EQ(t.c_cc[VEOL2], 0xff);
	struct termios saved = t;

	/* Everything set comes back. */
	t.c_iflag = IGNBRK | BRKINT | IGNPAR | PARMRK | INPCK | ISTRIP | INLCR | IGNCR | ICRNL |
		    IXON | IXOFF | IXANY | IMAXBEL;
	t.c_oflag = OPOST | ONLCR | OXTABS | ONOEOT;
	t.c_lflag = ECHOKE | ECHOE | ECHOK | ECHO | ECHONL | ECHOPRT | ECHOCTL | ISIG | ICANON |
		    ALTWERASE | IEXTEN | EXTPROC | TOSTOP | FLUSHO | NOKERNINFO | PENDIN | NOFLSH;
	static const int chars[] = {VEOF,  VEOL,  VEOL2, VERASE, VWERASE, VKILL,   VREPRINT,
				    VINTR, VQUIT, VSUSP, VDSUSP, VSTART,  VSTOP,   VLNEXT,
				    VDISCARD, VMIN, VTIME, VSTATUS};
	for (unsigned i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
		t.c_cc[chars[i]] = (cc_t)(0x40 + i);
	CHECK_OK(ioctl(s, TIOCSETA, &t));
	CHECK_OK(ioctl(s, TIOCGETA, &back));
	CHECK_EQ(back.c_iflag, t.c_iflag);
	CHECK_EQ(back.c_oflag, t.c_oflag);
	/* EXTPROC is read-only (ttioctl), as it was: off. */
	CHECK_EQ(back.c_lflag, t.c_lflag & ~EXTPROC);
	for (unsigned i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
		CHECK_EQ(back.c_cc[chars[i]], 0x40 + i);

	/* ISTRIP, raw. */
	t = saved;
	t.c_iflag |= ISTRIP;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	CHECK_OK(ioctl(s, TIOCSETA, &t));
	CHECK_EQ(write(m, "\xc1", 1), 1);
	expect_read(s, "A", 1);

	/* VEOL2 ends a line. */
	t = saved;
	t.c_lflag &= ~ECHO;
	t.c_cc[VEOL2] = '#';
	CHECK_OK(ioctl(s, TIOCSETA, &t));
	CHECK_EQ(write(m, "ab#cd\n", 6), 6);
	expect_read(s, "ab#", 3);
	expect_read(s, "cd\n", 3);

	/* ^T: SIGINFO for the foreground group, not data. */
	pid_t child = nt_pty_session(m, s, SIGINFO, on_info);
	if (child == 0) {
		char buf[8];
		int n = read(s, buf, sizeof(buf));
		_exit(n == 2 && buf[0] == 'x' && infos == 1 ? 0 : 2);
	}
	CHECK_EQ(write(m, "\x14", 1), 1);
	CHECK_EQ(write(m, "x\n", 2), 2);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_EQ(status, 0);
	close(s);
	close(m);
	PASS();
}
