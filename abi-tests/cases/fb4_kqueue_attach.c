// abi: freebsd4-i386
/*
 * Which objects take which kevent filters (kern_event.c kqueue_register: a new note is
 * attached through the object's kqfilter, and a refusal of 1 reads as EPERM):
 *  - EVFILT_VNODE only on a UFS vnode (a regular file, a directory); a FIFO
 *    (fifo_kqfilter), a terminal (ttykqfilter), a pipe (pipe_kqfilter), a socket
 *    (soo_kqfilter) and a kqueue (kqueue_kqfilter) answer EPERM;
 *  - a kqueue has only EVFILT_READ (EVFILT_WRITE is EPERM);
 *  - EVFILT_WRITE on a pipe whose other end is closed is EBADF (pipe_kqfilter), on
 *    either end, but a note registered before only takes the change, and a FIFO
 *    (fifo_kqfilter) has no such check;
 *  - procfs has no kqfilter at all: the default vnode op's EOPNOTSUPP, read included;
 *  - tail -F's change list (vnode note, then read note, no room for events) on a FIFO
 *    fails whole with EPERM and registers nothing, so 4.x tail polls instead.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

static const struct timespec zero = {0, 0};

static struct kevent kev(int fd, int filter)
{
	struct kevent k;
	memset(&k, 0, sizeof(k));
	k.ident = (unsigned)fd;
	k.filter = (short)filter;
	k.flags = EV_ADD | EV_ENABLE | EV_CLEAR;
	if (filter == EVFILT_VNODE)
		k.fflags = NOTE_DELETE | NOTE_RENAME;
	return k;
}

/* The error (0 for none) of adding `filter` on `fd` to a new queue. */
static int add(int fd, int filter)
{
	int kq = CHECK_OK(__sys_kqueue());
	struct kevent k = kev(fd, filter);
	errno = 0;
	int r = __sys_kevent(kq, &k, 1, NULL, 0, &zero);
	int e = r == 0 ? 0 : errno;
	close(kq);
	return e;
}

#define EXPECT(what, fd, filter, want)                                                 \
	do {                                                                           \
		int e_ = add(fd, filter);                                              \
		if (e_ != (want))                                                      \
			FAIL("%s, filter %d: errno %s, wanted %s", what, filter,      \
			     nt_errname(e_), nt_errname(want));                        \
	} while (0)

int main(void)
{
	nt_scratch_dir("fb4_kqueue_attach");

	nt_write_file("file", "x\n");
	int f = CHECK_OK(open("file", O_RDONLY));
	EXPECT("regular file", f, EVFILT_READ, 0);
	EXPECT("regular file", f, EVFILT_WRITE, 0);
	EXPECT("regular file", f, EVFILT_VNODE, 0);
	int d = CHECK_OK(open(".", O_RDONLY));
	EXPECT("directory", d, EVFILT_VNODE, 0);
	EXPECT("directory", d, EVFILT_READ, 0);

	CHECK_OK(mkfifo("fifo", 0600));
	int fr = CHECK_OK(open("fifo", O_RDONLY | O_NONBLOCK));
	EXPECT("fifo", fr, EVFILT_READ, 0);
	EXPECT("fifo", fr, EVFILT_VNODE, EPERM);

	int p[2];
	CHECK_OK(pipe(p));
	EXPECT("pipe", p[0], EVFILT_READ, 0);
	EXPECT("pipe", p[0], EVFILT_VNODE, EPERM);
	EXPECT("pipe", p[1], EVFILT_VNODE, EPERM);

	/* Write notes once the other end is gone. */
	int w[2];
	CHECK_OK(pipe(w));
	EXPECT("pipe, reader open", w[1], EVFILT_WRITE, 0);
	int kqw = CHECK_OK(__sys_kqueue());
	struct kevent wk = kev(w[1], EVFILT_WRITE);
	CHECK_OK(__sys_kevent(kqw, &wk, 1, NULL, 0, &zero));
	close(w[0]);
	EXPECT("pipe, reader closed", w[1], EVFILT_WRITE, EBADF);
	CHECK_EQ(__sys_kevent(kqw, &wk, 1, NULL, 0, &zero), 0);
	close(kqw);
	close(w[1]);
	CHECK_OK(pipe(w));
	close(w[1]);
	EXPECT("pipe, writer closed", w[0], EVFILT_WRITE, EBADF);
	EXPECT("pipe, writer closed", w[0], EVFILT_READ, 0);
	close(w[0]);
	int fw = CHECK_OK(open("fifo", O_WRONLY));
	int fr2 = CHECK_OK(open("fifo", O_RDONLY | O_NONBLOCK));
	close(fr);
	close(fr2);
	EXPECT("fifo, reader closed", fw, EVFILT_WRITE, 0);
	close(fw);

	int s = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT("socket", s, EVFILT_READ, 0);
	EXPECT("socket", s, EVFILT_VNODE, EPERM);

	int q = CHECK_OK(__sys_kqueue());
	EXPECT("kqueue", q, EVFILT_READ, 0);
	EXPECT("kqueue", q, EVFILT_WRITE, EPERM);
	EXPECT("kqueue", q, EVFILT_VNODE, EPERM);

	int m = CHECK_OK(open("/dev/ptyp7", O_RDWR));
	int t = CHECK_OK(open("/dev/ttyp7", O_RDWR | O_NOCTTY));
	EXPECT("pty master", m, EVFILT_READ, 0);
	EXPECT("pty master", m, EVFILT_VNODE, EPERM);
	EXPECT("terminal", t, EVFILT_READ, 0);
	EXPECT("terminal", t, EVFILT_WRITE, 0);
	EXPECT("terminal", t, EVFILT_VNODE, EPERM);

	int st = CHECK_OK(open("/proc/curproc/status", O_RDONLY));
	EXPECT("procfs file", st, EVFILT_READ, EOPNOTSUPP);
	EXPECT("procfs file", st, EVFILT_VNODE, EOPNOTSUPP);
	int pd = CHECK_OK(open("/proc", O_RDONLY));
	EXPECT("procfs root", pd, EVFILT_VNODE, EOPNOTSUPP);

	/* tail -F on a FIFO: the vnode note's refusal ends the call; the read note after
	 * it is not registered either. */
	fr = CHECK_OK(open("fifo", O_RDONLY | O_NONBLOCK));
	int kq = CHECK_OK(__sys_kqueue());
	struct kevent ch[2] = {kev(fr, EVFILT_VNODE), kev(fr, EVFILT_READ)};
	CHECK_ERRNO(__sys_kevent(kq, ch, 2, NULL, 0, &zero), EPERM);
	struct kevent del = kev(fr, EVFILT_READ);
	del.flags = EV_DELETE;
	CHECK_ERRNO(__sys_kevent(kq, &del, 1, NULL, 0, &zero), ENOENT);
	/* With room for events, the refusal is an EV_ERROR event and the read note after
	 * it is added. */
	struct kevent out[2];
	memset(out, 0, sizeof(out));
	CHECK_EQ(__sys_kevent(kq, ch, 2, out, 2, &zero), 1);
	CHECK_EQ(out[0].flags, EV_ERROR);
	CHECK_EQ(out[0].filter, EVFILT_VNODE);
	CHECK_EQ(out[0].data, EPERM);
	CHECK_EQ(__sys_kevent(kq, &del, 1, NULL, 0, &zero), 0);
	PASS();
}
