/*
 * The console as a terminal through each ABI's ioctls: termios read and written
 * back (canonical mode, echo, the control characters), window size round trip,
 * the foreground group, and ENOTTY for files that are not terminals. The case runs
 * in a background group: it ignores SIGTTOU to be allowed to make itself the
 * foreground group for the test, and gives the terminal back at the end.
 */
#include <nymph_test.h>
#include <termios.h>
#include <sys/ioctl.h>

int main(void)
{
	struct termios t, saved;
	int fd = CHECK_OK(open("/dev/tty", O_RDWR));
	CHECK(isatty(fd));
	CHECK_OK(tcgetattr(fd, &saved));
	CHECK(saved.c_lflag & ICANON);
	CHECK(saved.c_lflag & ECHO);
	CHECK(saved.c_lflag & ISIG);
	CHECK(saved.c_oflag & ONLCR);
	CHECK(saved.c_iflag & ICRNL);
	CHECK_EQ(saved.c_cc[VINTR], 3);
	CHECK_EQ(saved.c_cc[VEOF], 4);
	CHECK_EQ(saved.c_cc[VERASE], 0x7f);
	CHECK_EQ(saved.c_cc[VMIN], 1);
	CHECK_EQ(saved.c_ospeed, B115200);

	/* Become the foreground group (allowed with SIGTTOU ignored), so reads may run. */
	signal(SIGTTOU, SIG_IGN);
	pid_t fg = tcgetpgrp(fd);
	CHECK(fg > 0);
	CHECK(fg != getpgrp());
	CHECK_OK(tcsetpgrp(fd, getpgrp()));
	CHECK_EQ(tcgetpgrp(fd), getpgrp());
	CHECK_ERRNO(tcsetpgrp(fd, 999999), EPERM);
	t = saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 3;
	t.c_cc[VINTR] = 0x18;
	CHECK_OK(tcsetattr(fd, TCSANOW, &t));
	struct termios back;
	CHECK_OK(tcgetattr(fd, &back));
	CHECK_EQ(back.c_lflag & (ICANON | ECHO), 0);
	CHECK(back.c_lflag & ISIG);
	CHECK_EQ(back.c_cc[VTIME], 3);
	CHECK_EQ(back.c_cc[VMIN], 0);
	CHECK_EQ(back.c_cc[VINTR], 0x18);
	/* Non-canonical, VMIN 0, VTIME 3: a read with nothing typed returns 0 after 0.3 s. */
	char c;
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_OK(tcsetattr(fd, TCSAFLUSH, &saved));
	CHECK_OK(tcgetattr(fd, &back));
	CHECK(back.c_lflag & ICANON);
	CHECK_EQ(back.c_cc[VINTR], 3);

	struct winsize ws = {.ws_row = 40, .ws_col = 132}, ws2;
	signal(SIGWINCH, SIG_IGN);
	CHECK_OK(ioctl(fd, TIOCSWINSZ, &ws));
	CHECK_OK(ioctl(fd, TIOCGWINSZ, &ws2));
	CHECK_EQ(ws2.ws_row, 40);
	CHECK_EQ(ws2.ws_col, 132);

	CHECK_OK(tcsetpgrp(fd, fg));

	int p[2];
	CHECK_OK(pipe(p));
	CHECK(!isatty(p[0]));
	CHECK_ERRNO(tcgetattr(p[0], &t), ENOTTY);
	int on = 1;
	CHECK_OK(ioctl(p[0], FIONBIO, &on));
	CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);
	CHECK_ERRNO(ioctl(p[0], 0x7fffffff, &on), ENOTTY);
	int null = CHECK_OK(open("/dev/null", O_RDONLY));
	CHECK_ERRNO(tcgetattr(null, &t), ENOTTY);

	/* A new session has no controlling terminal: /dev/tty is ENXIO there. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK(setsid() > 0);
		CHECK_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
