// abi: freebsd4-i386
/*
 * Structs the kernel writes, byte for byte in 4.x's i386 layout, each into a buffer
 * filled with a pattern so that a byte written past the struct shows:
 *  - termios (TIOCGETA, 44 bytes) of a pseudo-terminal's slave at its first open:
 *    4.x's defaults (ttydefaults.h, ttydefchars but VERASE2); c_cflag
 *    CREAD|CS8|HUPCL at 9600; the control modes and speeds TIOCSETA gives are kept
 *    (CIGNORE keeps the ones there; a negative speed is EINVAL);
 *  - winsize (TIOCGWINSZ, 8 bytes), pixels included;
 *  - timezone (gettimeofday, 8 bytes): what settimeofday set;
 *  - rusage (getrusage, 72 bytes): microseconds within a second, the counters
 *    this kernel does not keep zero;
 *  - flock (F_GETLK, 24 bytes: l_start, l_len, l_pid, l_type, l_whence);
 *  - itimerval (setitimer's old value and getitimer, 16 bytes).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>

#define POISON 0xa5
#define CS5 0 /* c_cflag: 5-bit characters (the CSIZE field cleared) */
#define ITIMER_REAL 0

static unsigned char buf[128];

static void poison(void) { memset(buf, POISON, sizeof(buf)); }

/* `n` bytes of buf are `want`, and the rest is untouched. */
static void expect_bytes(const char *what, const void *want, unsigned n)
{
	const unsigned char *w = want;
	for (unsigned i = 0; i < sizeof(buf); i++) {
		int e = i < n ? w[i] : POISON;
		if (buf[i] != e)
			FAIL("%s: byte %u is %#x, wanted %#x", what, i, buf[i], e);
	}
}

static void put32(unsigned char *p, unsigned v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void termios_bytes(void)
{
	int m = CHECK_OK(open("/dev/ptypd", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypd", O_RDWR));
	unsigned char want[44];
	put32(want + 0, BRKINT | ICRNL | IXON | IXANY | IMAXBEL);
	put32(want + 4, OPOST | ONLCR);
	put32(want + 8, CREAD | CS8 | HUPCL);
	put32(want + 12, ECHOKE | ECHOE | ECHO | ECHOCTL | ISIG | ICANON | IEXTEN);
	static const unsigned char cc[20] = {
		4,    0xff, 0xff, 0x7f, 0x17, 0x15, 0x12, 0x08, 3,    0x1c,
		0x1a, 0x19, 0x11, 0x13, 0x16, 0x0f, 1,    0,    0x14, 0xff,
	};
	memcpy(want + 16, cc, 20);
	put32(want + 36, 9600);
	put32(want + 40, 9600);
	poison();
	CHECK_OK(ioctl(s, TIOCGETA, buf));
	expect_bytes("a new slave's termios", want, 44);

	/* The control modes and speeds as given. */
	struct termios t;
	memcpy(&t, want, 44);
	t.c_cflag = CREAD | CS7 | PARENB | PARODD | CSTOPB | CLOCAL | CCTS_OFLOW;
	t.c_ispeed = 19200;
	t.c_ospeed = 38400;
	CHECK_OK(ioctl(s, TIOCSETA, &t));
	put32(want + 8, CREAD | CS7 | PARENB | PARODD | CSTOPB | CLOCAL | CCTS_OFLOW);
	put32(want + 36, 19200);
	put32(want + 40, 38400);
	poison();
	CHECK_OK(ioctl(s, TIOCGETA, buf));
	expect_bytes("the modes set", want, 44);
	/* CIGNORE: the rest is set, the control modes and speeds stay. */
	t.c_cflag = CIGNORE | CS5;
	t.c_ispeed = t.c_ospeed = 300;
	t.c_lflag &= ~ECHO;
	CHECK_OK(ioctl(s, TIOCSETA, &t));
	put32(want + 12, ECHOKE | ECHOE | ECHOCTL | ISIG | ICANON | IEXTEN);
	poison();
	CHECK_OK(ioctl(s, TIOCGETA, buf));
	expect_bytes("after CIGNORE", want, 44);
	/* speed_t is a long: negative is EINVAL, and nothing changes. */
	t.c_cflag = CREAD | CS8;
	t.c_ospeed = (speed_t)-1;
	CHECK_ERRNO(ioctl(s, TIOCSETA, &t), EINVAL);
	poison();
	CHECK_OK(ioctl(s, TIOCGETA, buf));
	expect_bytes("after a refused speed", want, 44);

	/* winsize, pixels included. */
	struct winsize ws = {30, 100, 640, 480};
	CHECK_OK(ioctl(s, TIOCSWINSZ, &ws));
	poison();
	CHECK_OK(ioctl(s, TIOCGWINSZ, buf));
	unsigned char wsb[8] = {30, 0, 100, 0, 640 & 0xff, 640 >> 8, 480 & 0xff, 480 >> 8};
	expect_bytes("winsize", wsb, 8);
	CHECK_OK(close(s));
	CHECK_OK(close(m));

	/* The next first open starts from the defaults again. */
	m = CHECK_OK(open("/dev/ptypd", O_RDWR));
	s = CHECK_OK(open("/dev/ttypd", O_RDWR));
	poison();
	CHECK_OK(ioctl(s, TIOCGETA, buf));
	CHECK_EQ(buf[8] | buf[9] << 8 | buf[10] << 16 | buf[11] << 24, CREAD | CS8 | HUPCL);
	CHECK_EQ(buf[40] | buf[41] << 8, 9600);
	CHECK_OK(close(s));
	CHECK_OK(close(m));
}

static void timezone_bytes(void)
{
	struct timezone tz = {300, 1};
	CHECK_OK(__sys_settimeofday(NULL, &tz));
	poison();
	struct timeval tv;
	CHECK_OK(__sys_gettimeofday(&tv, (struct timezone *)buf));
	unsigned char want[8];
	put32(want, 300);
	put32(want + 4, 1);
	expect_bytes("timezone", want, 8);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	/* A bad time refuses the zone too: nothing is set. */
	struct timeval bad = {tv.tv_sec, 1000000};
	struct timezone other = {60, 0};
	CHECK_ERRNO(__sys_settimeofday(&bad, &other), EINVAL);
	poison();
	CHECK_OK(__sys_gettimeofday(NULL, (struct timezone *)buf));
	expect_bytes("timezone kept", want, 8);
	tz.tz_minuteswest = tz.tz_dsttime = 0;
	CHECK_OK(__sys_settimeofday(NULL, &tz));
}

static void rusage_bytes(void)
{
	poison();
	CHECK_OK(__sys_getrusage(RUSAGE_SELF, (struct rusage *)buf));
	for (unsigned i = 72; i < sizeof(buf); i++)
		CHECK_EQ(buf[i], POISON);
	long w[18];
	memcpy(w, buf, 72);
	CHECK(w[1] >= 0 && w[1] < 1000000); /* ru_utime.tv_usec */
	CHECK(w[3] >= 0 && w[3] < 1000000); /* ru_stime.tv_usec */
	CHECK(w[4] > 0);                     /* ru_maxrss */
	/* ru_ixrss, ru_idrss, ru_isrss: statclock's integrals, grown together by each
	 * tick that found the process in user mode (fb4_rusage_sizes has their values);
	 * none yet, or text and stack both counted. */
	CHECK(w[5] >= 0 && w[6] >= 0 && w[7] >= 0);
	CHECK_EQ(w[5] == 0, w[7] == 0);
	CHECK(w[8] > 0);                     /* ru_minflt */
	CHECK_EQ(w[10], 0);                  /* ru_nswap */
}

static void flock_bytes(void)
{
	int fd = CHECK_OK(open("/tmp/fb4_struct_bytes.lock", O_RDWR | O_CREAT | O_TRUNC, 0644));
	int ready[2], hold[2];
	CHECK_OK(pipe(ready));
	CHECK_OK(pipe(hold));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct flock l = {10, 20, 0, F_WRLCK, SEEK_SET};
		if (fcntl(fd, F_SETLK, &l) != 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		/* Holds the lock until killed: the parent never writes this pipe. */
		(void)!read(hold[0], &l, 1);
		_exit(0);
	}
	char c;
	CHECK_EQ(read(ready[0], &c, 1), 1);
	struct flock q = {0, 100, 0, F_WRLCK, SEEK_SET};
	poison();
	memcpy(buf, &q, sizeof(q));
	CHECK_OK(fcntl(fd, F_GETLK, buf));
	unsigned char want[24] = {10, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0};
	put32(want + 16, (unsigned)pid);
	want[20] = F_WRLCK;
	want[22] = SEEK_SET;
	expect_bytes("F_GETLK's flock", want, 24);
	CHECK_OK(kill(pid, SIGKILL));
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_OK(close(fd));
	CHECK_OK(unlink("/tmp/fb4_struct_bytes.lock"));
}

static void itimer_bytes(void)
{
	struct itimerval set = {{0, 20000}, {100, 0}};
	poison();
	CHECK_OK(__sys_setitimer(ITIMER_REAL, &set, (struct itimerval *)buf));
	unsigned char zero[16] = {0};
	expect_bytes("the old (disarmed) timer", zero, 16);
	poison();
	CHECK_OK(__sys_getitimer(ITIMER_REAL, (struct itimerval *)buf));
	struct itimerval got;
	memcpy(&got, buf, 16);
	for (unsigned i = 16; i < sizeof(buf); i++)
		CHECK_EQ(buf[i], POISON);
	CHECK_EQ(got.it_interval.tv_sec, 0);
	CHECK_EQ(got.it_interval.tv_usec, 20000);
	CHECK(got.it_value.tv_sec == 99 || (got.it_value.tv_sec == 100 && got.it_value.tv_usec == 0));
	CHECK(got.it_value.tv_usec >= 0 && got.it_value.tv_usec < 1000000);
	struct itimerval off = {{0, 0}, {0, 0}};
	CHECK_OK(__sys_setitimer(ITIMER_REAL, &off, NULL));
	poison();
	CHECK_OK(__sys_getitimer(ITIMER_REAL, (struct itimerval *)buf));
	expect_bytes("a disarmed timer", zero, 16);
}

int main(void)
{
	termios_bytes();
	timezone_bytes();
	rusage_bytes();
	flock_bytes();
	itimer_bytes();
	PASS();
}
