// abi: freebsd4-i386
/*
 * /dev/klog, 4.x's log device (subr_log.c), as syslogd reads it: a character device
 * (major 7, minor 0, root:wheel 0600) with one opener at a time (EBUSY), whose opener
 * owns its SIGIO (FIOGETOWN). A read takes the message buffer's bytes from where the
 * last reader stopped (struct msgbuf's msg_bufr, which /dev/kmem shows moving) and
 * waits ("klog") while there are none; non-blocking, EAGAIN; one that faults takes
 * nothing. The reader is woken a few
 * times a second when something was kept (kern.log_wakeups_per_second, 5), and so are
 * poll and, with FIOASYNC, SIGIO to the owner. FIONREAD counts what waits; writes are
 * ENODEV (on a descriptor open for writing; a write of nothing too), other requests
 * ENOTTY, and kevent EPERM (no kqfilter). Bytes not read stay for the next opener.
 *
 * What the buffer holds for syslogd: the kernel's own lines without a priority (a
 * printf's; syslogd files them as kern.crit), sigexit's line as log(LOG_INFO) keeps
 * it ("<6>pid N (comm), uid U: exited on signal S"), and what is written to
 * /dev/console with LOG_INFO in the console facility ("<118>", a newline added after
 * a write that has none), as 4.x's cnwrite keeps it (log_console), unless
 * kern.log_console_output is 0.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct msgbuf_4x {
	uint32_t msg_magic, msg_size, msg_bufx, msg_bufr, msg_ptr;
};

static int klog, kmem;
static uint32_t bufp;
static char got[65536];

/* Everything waiting, read without blocking; its length. */
static size_t drain(void)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(klog, got + n, sizeof got - 1 - n);
		if (r < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		CHECK(r > 0);
		n += (size_t)r;
		CHECK(n < sizeof got - 1);
	}
	got[n] = 0;
	return n;
}

static int fionread(void)
{
	int n = -1;
	CHECK_OK(ioctl(klog, FIONREAD, &n));
	return n;
}

static struct msgbuf_4x msgbuf(void)
{
	struct msgbuf_4x m;
	nt_kread(kmem, bufp, &m, sizeof m);
	CHECK_EQ(m.msg_size, 32768);
	return m;
}

/* Writes `text` to /dev/console. */
static void console_write(const char *text)
{
	int fd = CHECK_OK(open("/dev/console", O_WRONLY));
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A child that sleeps `ms` then dies of SIGSEGV without a core; its pid. */
static pid_t child_segv_after(int ms)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct rlimit none = {0, 0};
		__sys_setrlimit(4 /* RLIMIT_CORE */, &none);
		struct timespec ts = {0, ms * 1000000L};
		nanosleep(&ts, NULL);
		kill(getpid(), SIGSEGV);
		_exit(0);
	}
	return pid;
}

static void reap_segv(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static volatile int sigios;

static void on_sigio(int sig)
{
	(void)sig;
	sigios++;
}

static void device_node(void)
{
	struct stat st;
	CHECK_OK(stat("/dev/klog", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_uid, 0);
	CHECK_EQ(st.st_gid, 0);
	CHECK_EQ(st.st_rdev, 7 << 8);
	/* Permission is checked before the device is asked: EACCES, not EBUSY. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		_exit(open("/dev/klog", O_RDONLY) == -1 && errno == EACCES ? 0 : 1);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void reads_and_requests(void)
{
	CHECK_ERRNO(open("/dev/klog", O_RDONLY), EBUSY);
	int owner = 0;
	CHECK_OK(ioctl(klog, FIOGETOWN, &owner));
	CHECK_EQ(owner, getpid());

	drain();
	struct msgbuf_4x m = msgbuf();
	CHECK_EQ(m.msg_bufr, m.msg_bufx);
	CHECK_EQ(fionread(), 0);
	char b[16];
	CHECK_ERRNO(read(klog, b, sizeof b), EAGAIN);
	CHECK_ERRNO(write(klog, "x", 1), EBADF);
	struct termios t;
	CHECK_ERRNO(ioctl(klog, TIOCGETA, &t), ENOTTY);
	struct pollfd p = {klog, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);

	/* A kernel line (an unserved call's): no priority, counted, read, consumed. */
	CHECK(signal(SIGSYS, SIG_IGN) != SIG_ERR);
	CHECK_ERRNO(syscall(400), EINVAL);
	int waiting = fionread();
	CHECK(waiting > 0);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
	/* A read that faults takes nothing (logread moves msg_bufr after uiomove). */
	CHECK_ERRNO(read(klog, NULL, 100), EFAULT);
	CHECK_EQ(fionread(), waiting);
	uint32_t before = msgbuf().msg_bufr;
	CHECK_EQ(read(klog, got, 5), 5);
	CHECK_EQ(msgbuf().msg_bufr, before + 5);
	CHECK_EQ(fionread(), waiting - 5);
	CHECK_EQ(drain(), (size_t)waiting - 5);
	char want[96];
	snprintf(want, sizeof want, "pid %d: no FreeBSD-4 system call 400: SIGSYS\n", (int)getpid());
	CHECK(strstr(got, want) != NULL);
	CHECK(strchr(got, '<') == NULL);
	m = msgbuf();
	CHECK_EQ(m.msg_bufr, m.msg_bufx);
}

static void console_lines(void)
{
	console_write("klog case: a line\n");
	console_write("klog case: no newline");
	drain();
	CHECK(strcmp(got, "<118>klog case: a line\n<118>klog case: no newline\n") == 0);

	int off = 0, on = 1, value = -1;
	size_t len = sizeof value;
	CHECK_OK(sysctlbyname("kern.log_console_output", &value, &len, NULL, 0));
	CHECK_EQ(value, 1);
	CHECK_OK(sysctlbyname("kern.log_console_output", NULL, NULL, &off, sizeof off));
	console_write("klog case: not kept\n");
	CHECK_EQ(fionread(), 0);
	CHECK_OK(sysctlbyname("kern.log_console_output", NULL, NULL, &on, sizeof on));

	/* What nobody read waits for the next opener. */
	console_write("klog case: kept for later\n");
	close(klog);
	klog = CHECK_OK(open("/dev/klog", O_RDWR | O_NONBLOCK));
	drain();
	CHECK(strcmp(got, "<118>klog case: kept for later\n") == 0);
	/* Open for writing, but no write is served (4.x's nowrite). */
	CHECK_ERRNO(write(klog, "x", 1), ENODEV);
	CHECK_ERRNO(write(klog, "", 0), ENODEV);
	/* The log device has no kqfilter (its cdevsw's flags are 0): kevent is EPERM. */
	int kq = CHECK_OK(__sys_kqueue());
	struct kevent k = {(uint32_t)klog, EVFILT_READ, EV_ADD, 0, 0, 0};
	CHECK_ERRNO(__sys_kevent(kq, &k, 1, NULL, 0, NULL), EPERM);
	close(kq);
}

static void wakeups(void)
{
	int rate = -1;
	size_t len = sizeof rate;
	CHECK_OK(sysctlbyname("kern.log_wakeups_per_second", &rate, &len, NULL, 0));
	CHECK_EQ(rate, 5);

	/* A blocking read, woken by sigexit's log line. */
	int flags = CHECK_OK(fcntl(klog, F_GETFL));
	CHECK_OK(fcntl(klog, F_SETFL, flags & ~O_NONBLOCK));
	pid_t pid = child_segv_after(200);
	ssize_t n = read(klog, got, sizeof got - 1);
	CHECK(n > 0);
	got[n] = 0;
	reap_segv(pid);
	char want[96];
	snprintf(want, sizeof want, "<6>pid %d (fb4_klog), uid 0: exited on signal 11\n", (int)pid);
	CHECK(strcmp(got, want) == 0);
	CHECK_OK(fcntl(klog, F_SETFL, flags));

	/* poll, woken the same way. */
	pid = child_segv_after(200);
	struct pollfd p = {klog, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	reap_segv(pid);
	drain();
	snprintf(want, sizeof want, "<6>pid %d (fb4_klog), uid 0: exited on signal 11\n", (int)pid);
	CHECK(strcmp(got, want) == 0);

	/* SIGIO to the owner with FIOASYNC; the owner as a group with TIOCSPGRP. */
	CHECK(signal(SIGIO, on_sigio) != SIG_ERR);
	int on = 1;
	CHECK_OK(ioctl(klog, FIOASYNC, &on));
	sigset_t io, old;
	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	CHECK_OK(sigprocmask(SIG_BLOCK, &io, &old));
	pid = child_segv_after(100);
	while (sigios == 0)
		sigsuspend(&old);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	reap_segv(pid);
	drain();
	int pgrp = getpgrp(), owner = 0;
	CHECK_OK(ioctl(klog, TIOCSPGRP, &pgrp));
	CHECK_OK(ioctl(klog, FIOGETOWN, &owner));
	CHECK_EQ(owner, -pgrp);
	owner = 0;
	CHECK_OK(ioctl(klog, TIOCGPGRP, &owner));
	CHECK_EQ(owner, pgrp);
}

int main(void)
{
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	struct kld_sym_lookup l = {16, "msgbufp", 0, 0};
	CHECK_OK(__sys_kldsym(0, 1, &l));
	nt_kread(kmem, l.symvalue, &bufp, 4);

	device_node();
	klog = CHECK_OK(open("/dev/klog", O_RDONLY | O_NONBLOCK));
	reads_and_requests();
	console_lines();
	wakeups();
	close(klog);
	/* Closed: free for the next opener. */
	klog = CHECK_OK(open("/dev/klog", O_RDONLY));
	close(klog);
	close(kmem);
	return 0;
}
