// abi: freebsd4-i386
/*
 * kqueue (362) and kevent (363) as 4.x programs use them: tail -f's pattern on a
 * regular file (EVFILT_READ with EV_CLEAR woken by another process's write, data < 0
 * after a truncation, EVFILT_VNODE NOTE_RENAME and NOTE_DELETE), a pipe's two ends
 * with byte counts and EV_EOF, a child's NOTE_EXIT with its wait status, an ignored
 * signal counted by EVFILT_SIGNAL, timeouts, EV_ERROR events and kevent's errors
 * (a device without a kqfilter, such as /dev/null, is EPERM; a terminal has one),
 * EV_ONESHOT and EV_DISABLE, a closed descriptor's note dropped, the queue not
 * inherited by fork, poll on a queue, and struct kevent byte for byte.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

static int kqueue(void)
{
	return __sys_kqueue();
}

static int kevent(int kq, const struct kevent *ch, int nch, struct kevent *ev, int nev,
		  const struct timespec *ts)
{
	return __sys_kevent(kq, ch, nch, ev, nev, ts);
}

static struct kevent kev(unsigned ident, int filter, unsigned flags, unsigned fflags,
			 int data, unsigned udata)
{
	struct kevent k;
	memset(&k, 0, sizeof(k));
	k.ident = ident;
	k.filter = (short)filter;
	k.flags = (unsigned short)flags;
	k.fflags = fflags;
	k.data = data;
	k.udata = udata;
	return k;
}

/* Applies one change, which must succeed. */
static void change(int kq, struct kevent k)
{
	if (kevent(kq, &k, 1, NULL, 0, NULL) != 0)
		FAIL("kevent change (ident %u filter %d flags 0x%x): errno %s", k.ident,
		     k.filter, k.flags, nt_errname(errno));
}

static const struct timespec zero = {0, 0};

/* The events ready now (at most `max`). */
static int ready(int kq, struct kevent *ev, int max)
{
	memset(ev, 0xa5, sizeof(*ev) * max);
	return kevent(kq, NULL, 0, ev, max, &zero);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The error event a change gives when the event list has room. */
static struct kevent error_of(int kq, struct kevent k)
{
	struct kevent out;
	memset(&out, 0xa5, sizeof(out));
	int n = kevent(kq, &k, 1, &out, 1, &zero);
	if (n != 1 || out.flags != EV_ERROR)
		FAIL("change ident %u filter %d: %d events, flags 0x%x (wanted one EV_ERROR)",
		     k.ident, k.filter, n, n == 1 ? out.flags : 0);
	return out;
}

static void tail_pattern(int kq)
{
	struct kevent ev[4];
	nt_write_file("log", "abc");
	int fd = CHECK_OK(open("log", O_RDONLY));
	CHECK_EQ(lseek(fd, 0, SEEK_END), 3);
	struct kevent ch[2] = {
		kev(fd, EVFILT_READ, EV_ADD | EV_ENABLE | EV_CLEAR, 0, 0, 0x5a5a),
		kev(fd, EVFILT_VNODE, EV_ADD | EV_ENABLE | EV_CLEAR, NOTE_DELETE | NOTE_RENAME, 0,
		    0x7777),
	};
	CHECK_EQ(kevent(kq, ch, 2, NULL, 0, NULL), 0);
	/* At the end and nothing changed: nothing to report. */
	CHECK_EQ(ready(kq, ev, 4), 0);

	/* Another process appends: the waiting kevent wakes with the new bytes. */
	int pid = CHECK_OK(fork());
	if (pid == 0) {
		sleep_ms(100);
		int w = open("log", O_WRONLY | O_APPEND);
		if (w < 0 || write(w, "hello", 5) != 5)
			_exit(1);
		_exit(0);
	}
	memset(ev, 0xa5, sizeof(ev));
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, NULL), 1);
	struct kevent want = kev(fd, EVFILT_READ, EV_ADD | EV_ENABLE | EV_CLEAR, 0, 5, 0x5a5a);
	if (memcmp(&ev[0], &want, sizeof(want)) != 0)
		FAIL("read event: ident %u filter %d flags 0x%x fflags 0x%x data %d udata 0x%x",
		     ev[0].ident, ev[0].filter, ev[0].flags, ev[0].fflags, ev[0].data,
		     ev[0].udata);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* EV_CLEAR: reported once, not again until something new happens. */
	CHECK_EQ(ready(kq, ev, 4), 0);
	char buf[16];
	CHECK_EQ(read(fd, buf, sizeof(buf)), 5);
	CHECK_EQ(ready(kq, ev, 4), 0);

	/* Truncated below the offset: data < 0 (tail then seeks to the end). */
	int w = CHECK_OK(open("log", O_WRONLY));
	CHECK_OK(ftruncate(w, 2));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_READ);
	CHECK_EQ(ev[0].data, 2 - 8);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 2);
	CHECK_EQ(ready(kq, ev, 4), 0);

	/* Renamed, then unlinked: the vnode note says which, once each. */
	CHECK_OK(rename("log", "log.0"));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_VNODE);
	CHECK_EQ(ev[0].ident, fd);
	CHECK_EQ(ev[0].fflags, NOTE_RENAME);
	CHECK_EQ(ev[0].udata, 0x7777);
	CHECK_EQ(ready(kq, ev, 4), 0);
	CHECK_OK(unlink("log.0"));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_VNODE);
	CHECK_EQ(ev[0].fflags, NOTE_DELETE);
	CHECK_EQ(ready(kq, ev, 4), 0);

	/* Closing the descriptor drops both notes: deleting them finds none (ENOENT),
	 * even with the number open again on another file. */
	close(w);
	close(fd);
	CHECK_EQ(error_of(kq, kev(fd, EVFILT_READ, EV_DELETE, 0, 0, 0)).data, EBADF);
	nt_write_file("other", "x");
	CHECK_EQ(open("other", O_RDONLY), fd);
	CHECK_EQ(error_of(kq, kev(fd, EVFILT_READ, EV_DELETE, 0, 0, 0)).data, ENOENT);
	CHECK_EQ(error_of(kq, kev(fd, EVFILT_VNODE, EV_DELETE, 0, 0, 0)).data, ENOENT);
	close(fd);
}

static void pipe_notes(int kq)
{
	struct kevent ev[4];
	int p[2];
	CHECK_OK(pipe(p));
	change(kq, kev(p[0], EVFILT_READ, EV_ADD, 0, 0, 1));
	change(kq, kev(p[1], EVFILT_WRITE, EV_ADD, 0, 0, 2));
	/* Empty: only the write end, with room to write. */
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_WRITE);
	CHECK_EQ(ev[0].ident, p[1]);
	CHECK(ev[0].data >= 4096);
	CHECK_EQ(ev[0].flags & EV_EOF, 0);
	/* Level-triggered: reported again while it holds. */
	CHECK_EQ(ready(kq, ev, 4), 1);
	long room = ev[0].data;
	CHECK_EQ(write(p[1], "0123456789", 10), 10);
	CHECK_EQ(ready(kq, ev, 4), 2);
	for (int i = 0; i < 2; i++) {
		if (ev[i].filter == EVFILT_READ) {
			CHECK_EQ(ev[i].ident, p[0]);
			CHECK_EQ(ev[i].data, 10);
			CHECK_EQ(ev[i].udata, 1);
		} else {
			CHECK_EQ(ev[i].filter, EVFILT_WRITE);
			CHECK_EQ(ev[i].data, room - 10);
		}
	}
	/* The writer goes: EV_EOF on the reader, with the bytes still queued; the
	 * writer's note went with its descriptor. */
	close(p[1]);
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_READ);
	CHECK_EQ(ev[0].data, 10);
	CHECK_EQ(ev[0].flags, EV_ADD | EV_EOF);
	char buf[16];
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 10);
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 0);
	CHECK(ev[0].flags & EV_EOF);
	close(p[0]);
	CHECK_EQ(ready(kq, ev, 4), 0);

	/* EV_ONESHOT: reported once, then gone. */
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "x", 1), 1);
	change(kq, kev(p[0], EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, 0));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_ADD | EV_ONESHOT);
	CHECK_EQ(ready(kq, ev, 4), 0);
	CHECK_EQ(error_of(kq, kev(p[0], EVFILT_READ, EV_DELETE, 0, 0, 0)).data, ENOENT);

	/* EV_DISABLE: kept and silent until enabled. */
	change(kq, kev(p[0], EVFILT_READ, EV_ADD | EV_DISABLE, 0, 0, 0));
	CHECK_EQ(ready(kq, ev, 4), 0);
	change(kq, kev(p[0], EVFILT_READ, EV_ENABLE, 0, 0, 0));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 1);

	/* poll on the queue: readable while an event is pending. */
	struct pollfd pfd = {kq, POLLIN, 0};
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	change(kq, kev(p[0], EVFILT_READ, EV_DELETE, 0, 0, 0));
	pfd.revents = 0;
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	close(p[0]);
	close(p[1]);
}

static void process_and_signal(int kq)
{
	struct kevent ev[4];
	int pid = CHECK_OK(fork());
	if (pid == 0) {
		sleep_ms(50);
		_exit(3);
	}
	change(kq, kev(pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 9));
	memset(ev, 0xa5, sizeof(ev));
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, NULL), 1);
	/* 4.x forces EV_CLEAR on the note and ends it with EV_EOF | EV_ONESHOT. */
	struct kevent want = kev(pid, EVFILT_PROC, EV_ADD | EV_CLEAR | EV_ONESHOT | EV_EOF,
				 NOTE_EXIT, 3 << 8, 9);
	if (memcmp(&ev[0], &want, sizeof(want)) != 0)
		FAIL("exit event: ident %u filter %d flags 0x%x fflags 0x%x data 0x%x udata %u",
		     ev[0].ident, ev[0].filter, ev[0].flags, ev[0].fflags, ev[0].data,
		     ev[0].udata);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	CHECK_EQ(ready(kq, ev, 4), 0);
	/* The child is gone: no such process. */
	CHECK_EQ(error_of(kq, kev(pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0)).data, ESRCH);

	/* An ignored signal is still counted, and the count starts over after a report. */
	signal(SIGUSR1, SIG_IGN);
	change(kq, kev(SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, 0));
	CHECK_EQ(ready(kq, ev, 4), 0);
	for (int i = 0; i < 3; i++)
		CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_SIGNAL);
	CHECK_EQ(ev[0].ident, SIGUSR1);
	CHECK_EQ(ev[0].data, 3);
	CHECK_EQ(ev[0].flags, EV_ADD | EV_CLEAR);
	CHECK_EQ(ready(kq, ev, 4), 0);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(ready(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 1);
	change(kq, kev(SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, 0));
}

static void errors_and_timeouts(int kq)
{
	struct kevent ev[2];
	/* A bad descriptor in the change list: an EV_ERROR event when there is room,
	 * the call's error when there is none. */
	struct kevent bad = kev(200, EVFILT_READ, EV_ADD, 0, 0, 0x42);
	struct kevent got = error_of(kq, bad);
	struct kevent want = bad;
	want.flags = EV_ERROR;
	want.data = EBADF;
	CHECK_EQ(memcmp(&got, &want, sizeof(want)), 0);
	CHECK_ERRNO(kevent(kq, &bad, 1, NULL, 0, &zero), EBADF);
	/* Errors come back in order, one event each, and end the call. */
	struct kevent two[2] = {kev(0, -9, EV_ADD, 0, 0, 0), kev(12345, EVFILT_READ, EV_DELETE, 0, 0, 0)};
	CHECK_EQ(kevent(kq, two, 2, ev, 2, NULL), 2);
	CHECK_EQ(ev[0].data, EINVAL);
	CHECK_EQ(ev[1].data, EBADF);
	CHECK_EQ(error_of(kq, kev(0, EVFILT_READ, EV_DELETE, 0, 0, 0)).data, ENOENT);
	CHECK_EQ(error_of(kq, kev(0, EVFILT_AIO, EV_ADD, 0, 0, 0)).data, EPERM);
	/* A device without a kqfilter (mem.c's): spec_kqfilter's 1, EPERM, for every
	 * descriptor filter; a terminal has one. */
	int null = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_EQ(error_of(kq, kev(null, EVFILT_READ, EV_ADD, 0, 0, 0)).data, EPERM);
	CHECK_EQ(error_of(kq, kev(null, EVFILT_WRITE, EV_ADD, 0, 0, 0)).data, EPERM);
	CHECK_EQ(error_of(kq, kev(null, EVFILT_VNODE, EV_ADD, NOTE_DELETE, 0, 0)).data, EPERM);
	struct kevent on_null = kev(null, EVFILT_READ, EV_ADD, 0, 0, 0);
	CHECK_ERRNO(kevent(kq, &on_null, 1, NULL, 0, &zero), EPERM);
	CHECK_EQ(error_of(kq, kev(null, EVFILT_READ, EV_DELETE, 0, 0, 0)).data, ENOENT);
	close(null);
	int zero_dev = CHECK_OK(open("/dev/zero", O_RDONLY));
	CHECK_EQ(error_of(kq, kev(zero_dev, EVFILT_READ, EV_ADD, 0, 0, 0)).data, EPERM);
	close(zero_dev);
	int tty = open("/dev/tty", O_RDWR);
	if (tty >= 0) {
		struct kevent on_tty = kev(tty, EVFILT_WRITE, EV_ADD, 0, 0, 0);
		CHECK_OK(kevent(kq, &on_tty, 1, NULL, 0, &zero));
		change(kq, kev(tty, EVFILT_WRITE, EV_DELETE, 0, 0, 0));
		close(tty);
	}

	/* Not a queue, not a descriptor, a bad timespec, a bad pointer. */
	CHECK_ERRNO(kevent(0, NULL, 0, ev, 1, &zero), EBADF);
	CHECK_ERRNO(kevent(99, NULL, 0, ev, 1, &zero), EBADF);
	struct timespec negative = {0, -1};
	CHECK_ERRNO(kevent(kq, NULL, 0, ev, 1, &negative), EINVAL);
	struct timespec too_many_ns = {0, 1000000000};
	CHECK_ERRNO(kevent(kq, NULL, 0, ev, 1, &too_many_ns), EINVAL);
	CHECK_ERRNO(kevent(kq, (struct kevent *)16, 1, ev, 1, &zero), EFAULT);

	/* Timeouts: 0 returns at once, 100 ms after at least that long. */
	CHECK_EQ(kevent(kq, NULL, 0, ev, 2, &zero), 0);
	struct timespec short_wait = {0, 100000000};
	long start = nt_now_ms();
	CHECK_EQ(kevent(kq, NULL, 0, ev, 2, &short_wait), 0);
	long took = nt_now_ms() - start;
	if (took < 100 || took > 2000)
		FAIL("a 100 ms kevent took %ld ms", took);
}

int main(void)
{
	nt_scratch_dir("kqueue");
	int kq = CHECK_OK(kqueue());
	CHECK(kq > 2);

	/* A queue is not inherited: the child's descriptor is closed. */
	int pid = CHECK_OK(fork());
	if (pid == 0) {
		struct kevent ev;
		CHECK_ERRNO(kevent(kq, NULL, 0, &ev, 1, &zero), EBADF);
		CHECK_ERRNO(fcntl(kq, F_GETFD), EBADF);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	tail_pattern(kq);
	pipe_notes(kq);
	process_and_signal(kq);
	errors_and_timeouts(kq);
	PASS();
}
