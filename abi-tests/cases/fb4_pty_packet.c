// abi: freebsd4-i386
/*
 * A pty master's packet mode (TIOCPKT), as telnetd and rlogind use it (4.x's
 * tty_pty.c):
 *  - TIOCPKT is the master's (ENOTTY on the slave); each read then starts with a
 *    control byte: TIOCPKT_DATA (0) before data, or the pending TIOCPKT_* bits
 *    alone, which come first;
 *  - after any terminal request on the pty the master hears whether ^S/^Q flow
 *    control is on: NOSTOP when IXON is off (or the characters are not ^S/^Q),
 *    DOSTOP when it is back;
 *  - ^S and ^Q typed give STOP and START; tcflush and ^C (ISIG) give FLUSHREAD and
 *    FLUSHWRITE, and a flush after a stop means no START follows;
 *  - pending control bits make the master exceptional: poll's POLLPRI, select's
 *    except set;
 *  - TIOCGPGRP on the master answers anyone (0 with no foreground group);
 *  - user-control mode cannot come on in packet mode (TIOCUCNTL: EINVAL);
 *  - external processing (TIOCEXT, on either side): the master hears TIOCPKT_IOCTL
 *    followed by the slave's struct termios (cut to the reader's buffer) when it
 *    comes on or goes off, and at each TIOCSETA* under it; the slave's line
 *    discipline then neither echoes nor acts on special characters, and still
 *    ends lines.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

static int m, s;

static void expect_packet(const char *want, int len)
{
	char buf[64];
	int n = CHECK_OK(read(m, buf, sizeof(buf)));
	if (n != len || memcmp(buf, want, len) != 0)
		FAIL("master read %d bytes (first %#x), wanted %d (first %#x)", n,
		     n > 0 ? (unsigned char)buf[0] : 0, len, (unsigned char)want[0]);
}

static void expect_control(int bits)
{
	char c = (char)bits;
	expect_packet(&c, 1);
}

static int exceptional(void)
{
	struct pollfd p = {m, POLLPRI, 0};
	CHECK_OK(poll(&p, 1, 0));
	fd_set except;
	FD_ZERO(&except);
	FD_SET(m, &except);
	struct timeval now = {0, 0};
	int n = CHECK_OK(select(m + 1, NULL, NULL, &except, &now));
	CHECK_EQ(n != 0, (p.revents & POLLPRI) != 0);
	return n;
}

static void type(const char *keys) { CHECK_EQ(write(m, keys, strlen(keys)), (int)strlen(keys)); }

int main(void)
{
	m = CHECK_OK(open("/dev/ptyp7", O_RDWR));
	s = CHECK_OK(open("/dev/ttyp7", O_RDWR));
	int on = 1;
	CHECK_ERRNO(ioctl(s, TIOCPKT, &on), ENOTTY);
	/* The slave starts with IXON (ttydefaults.h): flow control goes off, which the
	 * master hears as NOSTOP once in packet mode. */
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_iflag & IXON);
	t.c_iflag &= ~IXON;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_OK(ioctl(m, TIOCPKT, &on));
	CHECK(exceptional());
	CHECK_EQ(write(s, "hi", 2), 2);
	expect_control(TIOCPKT_NOSTOP);
	CHECK(!exceptional());
	expect_packet("\0hi", 3);

	/* IXON on: DOSTOP. */
	CHECK_OK(tcgetattr(s, &t));
	t.c_iflag |= IXON;
	t.c_lflag &= ~ECHO;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	expect_control(TIOCPKT_DOSTOP);

	/* ^S, ^Q. */
	type("\023");
	CHECK(exceptional());
	expect_control(TIOCPKT_STOP);
	type("\021");
	expect_control(TIOCPKT_START);

	/* Flushes. */
	CHECK_OK(tcflush(s, TCIOFLUSH));
	expect_control(TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
	CHECK_OK(tcflush(s, TCIFLUSH));
	expect_control(TIOCPKT_FLUSHREAD);
	/* A stop, then ^C: the flush, and no START after it. */
	type("\023");
	expect_control(TIOCPKT_STOP);
	CHECK_EQ(write(s, "lost", 4), 4);
	type("\003");
	expect_control(TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
	CHECK(!exceptional());
	CHECK_EQ(write(s, "after", 5), 5);
	expect_packet("\0after", 6);

	/* Other characters for stop and start: NOSTOP. */
	t.c_cc[VSTOP] = 'S' & 037;
	t.c_cc[VSTART] = 'R' & 037;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	expect_control(TIOCPKT_NOSTOP);

	/* The master's own requests. */
	int pgrp = -1;
	CHECK_OK(ioctl(m, TIOCGPGRP, &pgrp));
	CHECK_EQ(pgrp, 0);
	CHECK_ERRNO(ioctl(s, TIOCGPGRP, &pgrp), ENOTTY);
	CHECK_ERRNO(ioctl(m, TIOCUCNTL, &on), EINVAL);
	/* Nothing new was announced by those. */
	CHECK(!exceptional());

	/* External processing. */
	CHECK_OK(ioctl(s, TIOCEXT, &on));
	char pkt[128];
	struct termios got;
	CHECK_EQ(read(m, pkt, sizeof(pkt)), 1 + (int)sizeof(struct termios));
	CHECK_EQ(pkt[0], TIOCPKT_IOCTL);
	memcpy(&got, pkt + 1, sizeof(got));
	CHECK(got.c_lflag & EXTPROC);
	CHECK_EQ(got.c_cc[VSTOP], 'S' & 037);
	/* Typed as it comes: no echo, ^C and erase are plain bytes, ^D too. */
	type("a\003\177\n");
	char line[16];
	CHECK_EQ(read(s, line, sizeof(line)), 4);
	CHECK(memcmp(line, "a\003\177\n", 4) == 0);
	struct pollfd echoed = {m, POLLIN, 0};
	CHECK_EQ(poll(&echoed, 1, 0), 0);
	/* New modes are announced, the packet cut to the buffer. */
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_lflag & EXTPROC);
	t.c_cc[VERASE] = 'H' & 037;
	t.c_lflag &= ~EXTPROC; /* read-only for TIOCSETA */
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(read(m, pkt, 9), 9);
	CHECK_EQ(pkt[0], TIOCPKT_IOCTL);
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_lflag & EXTPROC);
	/* Off, from the master: announced once. */
	int off0 = 0;
	CHECK_OK(ioctl(m, TIOCEXT, &off0));
	CHECK_EQ(read(m, pkt, sizeof(pkt)), 1 + (int)sizeof(struct termios));
	memcpy(&got, pkt + 1, sizeof(got));
	CHECK_EQ(got.c_lflag & EXTPROC, 0);
	CHECK_EQ(got.c_cc[VERASE], 'H' & 037);
	CHECK_OK(ioctl(m, TIOCEXT, &off0));
	CHECK(!exceptional());

	/* Packet mode off: data alone. */
	int off = 0;
	CHECK_OK(ioctl(m, TIOCPKT, &off));
	CHECK_EQ(write(s, "raw", 3), 3);
	expect_packet("raw", 3);
	close(s);
	close(m);
	PASS();
}
