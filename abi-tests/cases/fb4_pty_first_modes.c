// abi: freebsd4-i386
/*
 * A pseudo-terminal a 4.x process allocates starts in 4.x's modes, as ptsopen gives
 * them at the slave's first open (sys/ttydefaults.h: TTYDEF_IFLAG, TTYDEF_OFLAG,
 * TTYDEF_CFLAG and TTYDEF_LFLAG at TTYDEF_SPEED), byte for byte in TIOCGETA's
 * struct termios and field by field through tcgetattr:
 *  - c_iflag BRKINT|ICRNL|IXON|IXANY|IMAXBEL, c_oflag OPOST|ONLCR, c_cflag
 *    CREAD|CS8|HUPCL (no CLOCAL), c_lflag ECHOKE|ECHOE|ECHO|ECHOCTL|ISIG|ICANON|IEXTEN
 *    (no ECHOK), 9600 both ways;
 *  - VERASE2 (c_cc[7]) ^H beside VERASE's DEL, both erasing (ttydefchars);
 *  - with IXON on from the start, ^S typed at the master stops the slave's output
 *    and ^Q starts it again, neither being input; with IXANY any key starts it;
 *  - after a program changed them, the next first open starts from them again.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

#define MASTER "/dev/ptype"
#define SLAVE "/dev/ttype"

/* 4.8's values as numbers (sys/sys/termios.h), so no header can move them. */
#define TTYDEF_IFLAG 0x2b02 /* BRKINT 0x2, ICRNL 0x100, IXON 0x200, IXANY 0x800, IMAXBEL 0x2000 */
#define TTYDEF_OFLAG 0x3    /* OPOST 0x1, ONLCR 0x2 */
#define TTYDEF_CFLAG 0x4b00 /* CS8 0x300, CREAD 0x800, HUPCL 0x4000 */
#define TTYDEF_LFLAG 0x5cb  /* ECHOKE 0x1, ECHOE 0x2, ECHO 0x8, ECHOCTL 0x40, ISIG 0x80,
			       ICANON 0x100, IEXTEN 0x400 */
#define TTYDEF_SPEED 9600

static int m, s;

static void put32(unsigned char *p, unsigned v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The slave's modes are 4.x's first ones: the raw struct, then tcgetattr's view. */
static void expect_first_modes(const char *when)
{
	unsigned char want[16], raw[44];
	put32(want + 0, TTYDEF_IFLAG);
	put32(want + 4, TTYDEF_OFLAG);
	put32(want + 8, TTYDEF_CFLAG);
	put32(want + 12, TTYDEF_LFLAG);
	memset(raw, 0xa5, sizeof(raw));
	CHECK_OK(ioctl(s, TIOCGETA, raw));
	for (int i = 0; i < 16; i++)
		if (raw[i] != want[i])
			FAIL("%s: flag byte %d is %#x, wanted %#x", when, i, raw[i], want[i]);
	unsigned char speed[4];
	put32(speed, TTYDEF_SPEED);
	for (int i = 0; i < 8; i++)
		if (raw[36 + i] != speed[i % 4])
			FAIL("%s: speed byte %d is %#x, wanted %#x", when, 36 + i, raw[36 + i],
			     speed[i % 4]);

	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_iflag, TTYDEF_IFLAG);
	CHECK_EQ(t.c_iflag, BRKINT | ICRNL | IXON | IXANY | IMAXBEL);
	CHECK_EQ(t.c_oflag, OPOST | ONLCR);
	CHECK_EQ(t.c_cflag, CREAD | CS8 | HUPCL);
	CHECK_EQ(t.c_lflag, ECHOKE | ECHOE | ECHO | ECHOCTL | ISIG | ICANON | IEXTEN);
	CHECK_EQ(t.c_ispeed, B9600);
	CHECK_EQ(t.c_ospeed, B9600);
	CHECK_EQ(t.c_cc[VSTOP], 0x13);
	CHECK_EQ(t.c_cc[VSTART], 0x11);
	CHECK_EQ(t.c_cc[VERASE], 0x7f);
	CHECK_EQ(t.c_cc[7 /* VERASE2 */], 0x08);
}

static void type(const char *keys) { CHECK_EQ(write(m, keys, strlen(keys)), (int)strlen(keys)); }

static void say(const char *text) { CHECK_EQ(write(s, text, strlen(text)), (int)strlen(text)); }

/* The master reads exactly `want` (waiting a little for it). */
static void expect_out(const char *want)
{
	char buf[64];
	int len = (int)strlen(want);
	struct pollfd p = {m, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 2000), 1);
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	if (n != len || memcmp(buf, want, len) != 0)
		FAIL("master read %d bytes, wanted %d (\"%s\")", n, len, want);
}

/* The master has nothing to read. */
static void expect_nothing(void)
{
	struct pollfd p = {m, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 100), 0);
}

static void open_pair(void)
{
	m = CHECK_OK(open(MASTER, O_RDWR));
	s = CHECK_OK(open(SLAVE, O_RDWR));
}

int main(void)
{
	open_pair();
	expect_first_modes("a new slave");

	/* ^S stops output, which waits; ^Q starts it again. Neither is input. */
	say("one\n");
	expect_out("one\r\n");
	type("\023");
	say("two\n");
	expect_nothing();
	int queued = -1;
	CHECK_OK(ioctl(s, TIOCOUTQ, &queued));
	CHECK_EQ(queued, 5);
	type("\021");
	expect_out("two\r\n");
	type("k\n");
	expect_out("k\r\n");
	char line[8];
	CHECK_EQ(read(s, line, sizeof(line)), 2);
	CHECK(memcmp(line, "k\n", 2) == 0);

	/* VERASE2 (^H) erases as VERASE (DEL) does, each echoed as ECHOE rubs out. */
	type("ab\bc\177d\n");
	expect_out("ab\b \bc\b \bd\r\n");
	CHECK_EQ(read(s, line, sizeof(line)), 3);
	CHECK(memcmp(line, "ad\n", 3) == 0);

	/* IXANY: any key starts output (its echo follows what waited). */
	type("\023");
	say("three");
	expect_nothing();
	type("z");
	expect_out("threez");
	CHECK_OK(tcflush(s, TCIFLUSH));

	/* Changed modes last until the last close; the next first open starts afresh. */
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_iflag &= ~(BRKINT | IXON | IXANY);
	t.c_lflag |= ECHOK;
	t.c_cflag |= CLOCAL;
	t.c_ispeed = t.c_ospeed = 38400;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_OK(tcgetattr(s, &t));
	CHECK_EQ(t.c_iflag & (BRKINT | IXON | IXANY), 0);
	CHECK_OK(close(s));
	CHECK_OK(close(m));
	open_pair();
	expect_first_modes("the next first open");
	CHECK_OK(close(s));
	CHECK_OK(close(m));
	PASS();
}
