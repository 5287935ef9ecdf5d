// abi: freebsd4-i386
/*
 * kern.ttys, what 4.x's pstat -t prints (tty.c sysctl_kern_ttys): every registered
 * terminal's 256-byte struct tty (sys/tty.h 1.53.2.1), the newest registered first,
 * linked by t_list, the last link NULL. The console was registered at boot, so it is
 * last; a pseudo-terminal pair registers at its first open and stays.
 *
 * Each record: the raw, canonical and output queues' counts (c_cc at 0, 28, 56: a
 * canonical line being typed is raw, a finished one canonical; what the slave wrote
 * and the master has not read is output), t_line 0 (TTYDISC), t_dev the device
 * number, t_state (ISOPEN, CARR_ON, CONNECTED, TTSTOP, XCLUDE, ZOMBIE once the
 * master closed), t_pgrp and t_session kernel addresses where /dev/kmem reads 4.x's
 * struct pgrp (pg_id at 20, what pstat prints) and struct session (s_sid at 16), the
 * same session address kinfo_proc's e_sess gives, t_termios, t_winsize, t_column, and
 * the watermarks ttsetwater sets (a pty at 9600: 512, 448, 1296, 256; the console at
 * 115200: output high water 2052). A session leader's exit revokes its controlling
 * terminal (exit1), closing the slave under the descriptors still open.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TTY_SIZE 256
#define MAX_TTYS 40

#define TS_ASYNC 0x2
#define TS_CARR_ON 0x8
#define TS_ISOPEN 0x20
#define TS_TTSTOP 0x100
#define TS_XCLUDE 0x400
#define TS_CONNECTED 0x20000
#define TS_ZOMBIE 0x100000

static unsigned char ttys[MAX_TTYS * TTY_SIZE];
static int kmem;

/* kern.ttys into ttys; how many records. */
static int read_ttys(void)
{
	size_t len = 0;
	CHECK_OK(sysctlbyname("kern.ttys", NULL, &len, NULL, 0));
	CHECK(len > 0 && len % TTY_SIZE == 0 && len <= sizeof ttys);
	size_t got = sizeof ttys;
	memset(ttys, 0xa5, sizeof ttys);
	CHECK_OK(sysctlbyname("kern.ttys", ttys, &got, NULL, 0));
	CHECK_EQ(got, len);
	int n = (int)(len / TTY_SIZE);
	/* Linked in order, the last link NULL; the console last. */
	for (int i = 0; i < n; i++) {
		uint32_t next = nt_word(ttys + i * TTY_SIZE, 252);
		if (i == n - 1)
			CHECK_EQ(next, 0);
		else
			CHECK(next >= 0xc0000000u);
	}
	const unsigned char *console = ttys + (n - 1) * TTY_SIZE;
	CHECK_EQ(nt_word(console, 88), 0);
	CHECK_EQ(nt_word(console, 92) & (TS_ISOPEN | TS_CARR_ON | TS_CONNECTED),
		 TS_ISOPEN | TS_CARR_ON | TS_CONNECTED);
	CHECK_EQ(nt_word(console, 180), 115200);
	CHECK_EQ(nt_word(console, 236), 2052);
	return n;
}

/* The record of device `rdev`, or NULL. */
static const unsigned char *find(int n, dev_t rdev)
{
	for (int i = 0; i < n; i++)
		if (nt_word(ttys + i * TTY_SIZE, 88) == (uint32_t)rdev)
			return ttys + i * TTY_SIZE;
	return NULL;
}

/* kern.ttys read again; the record of device `rdev` in it. */
static const unsigned char *now(dev_t rdev)
{
	const unsigned char *t = find(read_ttys(), rdev);
	CHECK(t != NULL);
	return t;
}

static void settle(void)
{
	struct timespec ts = {0, 20 * 1000000L};
	nanosleep(&ts, NULL);
}

int main(void)
{
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	int before = read_ttys();
	struct stat st;
	CHECK_OK(stat("/dev/ttypc", &st));
	dev_t rdev = st.st_rdev;
	int was_there = find(before, rdev) != NULL;

	int m = CHECK_OK(open("/dev/ptypc", O_RDWR));
	int s = CHECK_OK(open("/dev/ttypc", O_RDWR));
	int n = read_ttys();
	CHECK_EQ(n, before + (was_there ? 0 : 1));
	const unsigned char *t = find(n, rdev);
	CHECK(t != NULL);
	if (!was_there)
		CHECK(t == ttys);
	CHECK_EQ(nt_word(t, 92) & (TS_ISOPEN | TS_CARR_ON | TS_CONNECTED | TS_ZOMBIE),
		 TS_ISOPEN | TS_CARR_ON | TS_CONNECTED);
	CHECK_EQ(nt_word(t, 84), 0);
	CHECK_EQ(nt_word(t, 0), 0);
	CHECK_EQ(nt_word(t, 28), 0);
	CHECK_EQ(nt_word(t, 56), 0);
	/* t_termios and t_winsize as TIOCGETA and TIOCGWINSZ give them. */
	struct termios modes;
	CHECK_OK(ioctl(s, TIOCGETA, &modes));
	CHECK(memcmp(t + 140, &modes, sizeof modes) == 0);
	struct winsize ws = {30, 100, 0, 0};
	CHECK_OK(ioctl(s, TIOCSWINSZ, &ws));
	/* ttsetwater's marks for 9600. */
	CHECK_EQ(nt_word(t, 180), 9600);
	CHECK_EQ(nt_word(t, 220), 512);
	CHECK_EQ(nt_word(t, 224), 512);
	CHECK_EQ(nt_word(t, 228), 448);
	CHECK_EQ(nt_word(t, 236), 1296);
	CHECK_EQ(nt_word(t, 240), 256);
	/* No session yet. */
	CHECK_EQ(nt_word(t, 104), 0);
	CHECK_EQ(nt_word(t, 108), 0);

	/* A line being typed is raw; finished, canonical. */
	CHECK_EQ(write(m, "abc", 3), 3);
	t = now(rdev);
	CHECK_EQ(nt_word(t, 0), 3);
	CHECK_EQ(nt_word(t, 28), 0);
	CHECK_EQ(memcmp(t + 184, &ws, sizeof ws), 0);
	CHECK_EQ(write(m, "\n", 1), 1);
	t = now(rdev);
	CHECK_EQ(nt_word(t, 0), 0);
	CHECK_EQ(nt_word(t, 28), 4);
	/* The slave's output waits for the master: the output queue, with the echo of
	 * what was typed ("abc\r\n", ONLCR), and the column it left. */
	CHECK_EQ(write(s, "xy", 2), 2);
	t = now(rdev);
	CHECK_EQ(nt_word(t, 56), 7);
	CHECK_EQ(nt_word(t, 208), 2);
	char buf[64];
	CHECK_EQ(read(m, buf, sizeof buf), 7);
	CHECK_EQ(read(s, buf, sizeof buf), 4);

	/* Stopped output and exclusive use. */
	CHECK_OK(ioctl(s, TIOCSTOP, 0));
	CHECK_OK(ioctl(s, TIOCEXCL, 0));
	t = now(rdev);
	CHECK_EQ(nt_word(t, 92) & (TS_TTSTOP | TS_XCLUDE), TS_TTSTOP | TS_XCLUDE);
	CHECK_OK(ioctl(s, TIOCSTART, 0));
	CHECK_OK(ioctl(s, TIOCNXCL, 0));

	/* A session leader's controlling terminal: its session and foreground group,
	 * read through /dev/kmem as struct session and struct pgrp. */
	int ready[2];
	CHECK_OK(pipe(ready));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		close(ready[0]);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(2);
		write(ready[1], "r", 1);
		for (;;)
			sigsuspend(&(sigset_t){{0}});
	}
	close(ready[1]);
	CHECK_EQ(read(ready[0], buf, 1), 1);
	t = now(rdev);
	uint32_t sess = nt_word(t, 108), pgrp = nt_word(t, 104);
	CHECK(sess >= 0xc0000000u && pgrp >= 0xc0000000u);
	int32_t pg_id = 0;
	nt_kread(kmem, pgrp + 20, &pg_id, 4);
	CHECK_EQ(pg_id, leader);
	uint32_t session[10];
	nt_kread(kmem, sess, session, sizeof session);
	CHECK_EQ(session[0], 1);	       /* s_count */
	CHECK(session[1] >= 0xc0000000u);      /* s_leader */
	CHECK_EQ(session[4], (uint32_t)leader); /* s_sid */
	uint32_t group[7];
	nt_kread(kmem, pgrp, group, sizeof group);
	CHECK_EQ(group[3], sess); /* pg_session */
	CHECK_EQ(group[5], (uint32_t)leader);
	/* kinfo_proc's e_sess names the same session. */
	int mib[4] = {1, 14, 1, leader};
	static unsigned char kp[1064];
	size_t len = sizeof kp;
	CHECK_OK(sysctl(mib, 4, kp, &len, NULL, 0));
	CHECK_EQ(len, sizeof kp);
	CHECK_EQ(nt_word(kp, 412 + 4), sess);
	/* Past the struct, nothing. */
	char b[4];
	CHECK_ERRNO(pread(kmem, b, 4, (off_t)pgrp + 28), EFAULT);
	CHECK_ERRNO(pread(kmem, b, 4, (off_t)sess + 40), EFAULT);
	kill(leader, SIGKILL);
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	/* The session is gone: its struct reads no more. */
	CHECK_ERRNO(pread(kmem, b, 4, (off_t)sess), EFAULT);
	/* Its leader's exit revoked the slave (exit1): closed, our descriptor dead; a
	 * new open brings it back. */
	t = now(rdev);
	CHECK_EQ(nt_word(t, 92) & TS_ISOPEN, 0);
	CHECK_ERRNO(write(s, "x", 1), EIO);
	close(s);
	s = CHECK_OK(open("/dev/ttypc", O_RDWR));

	/* The master's close leaves the slave a zombie without carrier; once closed
	 * too, the terminal stays registered, not open. */
	close(m);
	settle();
	t = now(rdev);
	CHECK_EQ(nt_word(t, 92) & (TS_ISOPEN | TS_CARR_ON | TS_ZOMBIE), TS_ISOPEN | TS_ZOMBIE);
	close(s);
	t = now(rdev);
	CHECK_EQ(nt_word(t, 92) & (TS_ISOPEN | TS_CARR_ON), 0);

	/* A short buffer: what fits, ENOMEM. */
	size_t room = TTY_SIZE + 10;
	CHECK_ERRNO(sysctlbyname("kern.ttys", ttys, &room, NULL, 0), ENOMEM);
	CHECK_EQ(room, TTY_SIZE + 10);
	close(kmem);
	return 0;
}
