// abi: freebsd4-i386
/*
 * A /dev/tty descriptor stands for its user's controlling terminal (4.x's cttyread,
 * cttywrite and cttyioctl look it up at each call): a process that has none any
 * more gets EIO for read, write and ioctl, where a revoked terminal descriptor
 * reads end of file and says ENOTTY:
 *  - one that gave its terminal up with TIOCNOTTY (P_CONTROLT cleared);
 *  - a background job left holding /dev/tty once the session leader exited (the
 *    session's s_ttyvp cleared).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

/* read, write and tcgetattr on `t`, as errno values (1000 + n for a read or write
 * of n bytes, 0 for a tcgetattr that worked). */
static void try_all(int t, int r[3])
{
	char c = 'x';
	int n = read(t, &c, 1);
	r[0] = n < 0 ? errno : 1000 + n;
	n = write(t, &c, 1);
	r[1] = n < 0 ? errno : 1000 + n;
	struct termios tio;
	r[2] = tcgetattr(t, &tio) < 0 ? errno : 0;
}

int main(void)
{
	int m = CHECK_OK(open("/dev/ptyp9", O_RDWR));
	int s = CHECK_OK(open("/dev/ttyp9", O_RDWR));
	int ready[2], go[2], res[2];
	CHECK_OK(pipe(ready));
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(res));
	pid_t leader = CHECK_OK(fork());
	if (leader == 0) {
		close(m);
		CHECK_OK(setsid());
		CHECK_OK(ioctl(s, TIOCSCTTY, 0));
		pid_t gave_up = CHECK_OK(fork());
		if (gave_up == 0) {
			int t = CHECK_OK(open("/dev/tty", O_RDWR | O_NONBLOCK));
			CHECK_OK(ioctl(t, TIOCNOTTY, 0));
			int r[3];
			try_all(t, r);
			CHECK_EQ(r[0], EIO);
			CHECK_EQ(r[1], EIO);
			CHECK_EQ(r[2], EIO);
			_exit(0);
		}
		int status;
		CHECK_EQ(waitpid(gave_up, &status, 0), gave_up);
		CHECK_CHILD_OK(status);
		pid_t job = CHECK_OK(fork());
		if (job == 0) {
			setpgid(0, 0);
			signal(SIGHUP, SIG_IGN);
			int t = open("/dev/tty", O_RDWR | O_NONBLOCK);
			(void)!write(ready[1], "r", 1);
			/* Not holding the runner's pipe, and not outliving a failed case. */
			close(1);
			close(2);
			struct pollfd p = {go[0], POLLIN, 0};
			if (t < 0 || poll(&p, 1, 10000) != 1)
				_exit(0);
			int r[3];
			try_all(t, r);
			(void)!write(res[1], r, sizeof(r));
			_exit(0);
		}
		setpgid(job, job);
		char c;
		CHECK_EQ(read(ready[0], &c, 1), 1);
		_exit(0);
	}
	close(s);
	close(ready[1]);
	close(res[1]);
	int status;
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK_CHILD_OK(status);
	CHECK_EQ(write(go[1], "g", 1), 1);
	struct pollfd p = {res[0], POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 5000), 1);
	int r[3];
	CHECK_EQ(read(res[0], r, sizeof(r)), (int)sizeof(r));
	CHECK_EQ(r[0], EIO);
	CHECK_EQ(r[1], EIO);
	CHECK_EQ(r[2], EIO);
	close(m);
	PASS();
}
