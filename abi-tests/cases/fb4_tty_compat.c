// abi: freebsd4-i386
/*
 * The 4.3BSD terminal requests a 4.x GENERIC kernel answers (options COMPAT_43,
 * tty_compat.c), on a pseudo-terminal:
 *  - TIOCGETP's sgttyb: the speed codes (9600 is 13), erase and kill, the flags the
 *    termios modes amount to (CRMOD, ECHO; the local word: CRTBS, CRTERA, CRTKIL,
 *    PASS8, CTLECH, and no DECCTQ, as ttydefaults.h's IXANY has it); TIOCLGET the
 *    local word;
 *  - TIOCSETP and TIOCSETN made into termios as ttcompatsetflags makes them (CBREAK
 *    and no ECHO as curses asks; RAW; a speed code, 18 and up EINVAL, the code a
 *    speed has keeping it);
 *  - TIOCGETC/TIOCSETC (a break character of -1 takes VEOL2 away too), TIOCGLTC/
 *    TIOCSLTC, TIOCLBIS/TIOCLBIC/TIOCLSET; OTIOCGETD (2, OTTYDISC) and OTIOCSETD.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

/* The requests come from the generated header (the spec lists them). */
#define O_CBREAK 0x2
#define O_ECHO 0x8
#define O_CRMOD 0x10
#define O_RAW 0x20
/* The local word (t_flags >> 16). */
#define L_CRTBS 0x1
#define L_PRTERA 0x2
#define L_CRTERA 0x4
#define L_NOHANG 0x100
#define L_CRTKIL 0x400
#define L_PASS8 0x800
#define L_CTLECH 0x1000
#define L_PENDIN 0x2000
#define L_DECCTQ 0x4000

static void expect6(const unsigned char *got, const unsigned char *want, const char *what)
{
	for (int i = 0; i < 6; i++)
		if (got[i] != want[i])
			FAIL("%s byte %d: %#x, wanted %#x", what, i, got[i], want[i]);
}

int main(void)
{
	int m = CHECK_OK(open("/dev/ptypb", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypb", O_RDWR));
	unsigned char sg[8];
	memset(sg, 0xa5, sizeof(sg));
	CHECK_OK(ioctl(s, TIOCGETP, sg));
	static const unsigned char fresh[6] = {13, 13, 0x7f, 0x15, O_CRMOD | O_ECHO, 0};
	expect6(sg, fresh, "TIOCGETP");
	CHECK_EQ(sg[6], 0xa5);
	int word = 0;
	CHECK_OK(ioctl(s, TIOCLGET, &word));
	CHECK_EQ(word, L_CRTBS | L_CRTERA | L_CRTKIL | L_PASS8 | L_CTLECH);

	/* cbreak without echo, as curses asks. */
	sg[4] = O_CRMOD | O_CBREAK;
	CHECK_OK(ioctl(s, TIOCSETN, sg));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_lflag & (ICANON | ECHO), 0);
	CHECK(t.c_lflag & ISIG);
	CHECK(t.c_iflag & IXON);
	CHECK(t.c_iflag & ICRNL);
	CHECK_EQ(t.c_iflag & ISTRIP, 0);
	CHECK(t.c_oflag & OPOST);
	CHECK_EQ(t.c_cflag & CS8, CS8);
	CHECK_OK(ioctl(s, TIOCGETP, sg));
	CHECK_EQ(sg[4], O_CRMOD | O_CBREAK);

	/* Raw: IGNBRK for input, and IXANY for the local word's lack of DECCTQ; no
	 * signals, 8 bits, no output processing. */
	sg[4] = O_RAW;
	CHECK_OK(ioctl(s, TIOCSETP, sg));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_iflag, IGNBRK | IXANY);
	CHECK_EQ(t.c_lflag & (ICANON | ISIG | IEXTEN | ECHOCTL | ECHO), 0);
	CHECK_EQ(t.c_oflag & OPOST, 0);
	/* ONLCR stays (only OPOST went), so CRMOD still reads back, as on 4.x. */
	CHECK_OK(ioctl(s, TIOCGETP, sg));
	CHECK_EQ(sg[4], O_RAW | O_CRMOD);

	/* Speeds: a code sets its rate; the code the speed has keeps it; 18 is EINVAL. */
	sg[0] = sg[1] = 15;
	sg[4] = O_CRMOD | O_ECHO;
	CHECK_OK(ioctl(s, TIOCSETN, sg));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_ospeed, 38400);
	CHECK_EQ(t.c_ispeed, 38400);
	t.c_ospeed = 40000;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_OK(ioctl(s, TIOCGETP, sg));
	CHECK_EQ(sg[1], 15); /* rounded down */
	CHECK_OK(ioctl(s, TIOCSETN, sg));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_ospeed, 40000);
	sg[0] = 18;
	CHECK_ERRNO(ioctl(s, TIOCSETN, sg), EINVAL);

	/* tchars and ltchars. */
	unsigned char tc[6];
	CHECK_OK(ioctl(s, TIOCGETC, tc));
	static const unsigned char tchars[6] = {3, 0x1c, 0x11, 0x13, 4, 0xff};
	expect6(tc, tchars, "TIOCGETC");
	tc[0] = 7;
	CHECK_OK(ioctl(s, TIOCSETC, tc));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_cc[VINTR], 7);
	CHECK_EQ(t.c_cc[VEOL2], 0xff);
	unsigned char ltc[6];
	CHECK_OK(ioctl(s, TIOCGLTC, ltc));
	static const unsigned char ltchars[6] = {0x1a, 0x19, 0x12, 0x0f, 0x17, 0x16};
	expect6(ltc, ltchars, "TIOCGLTC");
	ltc[0] = 0x1f;
	CHECK_OK(ioctl(s, TIOCSLTC, ltc));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_cc[VSUSP], 0x1f);

	/* The local word. */
	word = L_PRTERA;
	CHECK_OK(ioctl(s, TIOCLBIS, &word));
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_lflag & ECHOPRT);
	word = L_CRTERA;
	CHECK_OK(ioctl(s, TIOCLBIC, &word));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_lflag & ECHOE, 0);
	CHECK(t.c_lflag & ECHOKE);
	word = L_NOHANG | L_PASS8 | L_DECCTQ;
	CHECK_OK(ioctl(s, TIOCLSET, &word));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_cflag & HUPCL, 0);
	CHECK_EQ(t.c_lflag & (ECHOKE | ECHOPRT | ECHOCTL), 0);
	/* PENDIN too: canonical mode came back on (TIOCSETN above) with nothing read
	 * since, and ttioctl keeps a PENDIN the terminal has. */
	CHECK_OK(ioctl(s, TIOCLGET, &word));
	CHECK_EQ(word, L_NOHANG | L_PASS8 | L_DECCTQ | L_PENDIN);

	/* The old line discipline requests. */
	int line = 0;
	CHECK_OK(ioctl(s, OTIOCGETD, &line));
	CHECK_EQ(line, 2);
	CHECK_OK(ioctl(s, OTIOCSETD, &line));
	line = 5;
	CHECK_ERRNO(ioctl(s, OTIOCSETD, &line), ENODEV);
	CHECK_ERRNO(ioctl(s, 0x40047499UL, &line), ENOTTY);
	CHECK_OK(close(s));
	CHECK_OK(close(m));
	PASS();
}
