// abi: freebsd4-i386
/*
 * sendfile (393, and the original 336 through syscall()): a 300 KiB file of a known
 * pattern to a forked reader that checks every byte, over a Unix-domain socketpair
 * and over loopback TCP; headers and trailers in order, and *sbytes counting them,
 * with 336 taking the header bytes out of nbytes and 393 not; nbytes 0 (to end of
 * file), nbytes past it, an offset at or past it; the file's offset unmoved; 4.x's
 * errnos and their order (EBADF, EINVAL, ENOTSOCK, ENOTCONN, EFAULT) with *sbytes 0;
 * flags ignored; EAGAIN with *sbytes on a full non-blocking socket and a server loop
 * finishing the file; EINTR with *sbytes, not restarted even with SA_RESTART; EPIPE
 * (SIGPIPE only through the headers' writev, as in 4.x) and ENOTCONN once the peer
 * is gone.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#define SIZE (300 * 1024 + 123)
#define PORT 7031

static unsigned char pat(long i) { return (unsigned char)((i % 251) ^ (i >> 10)); }

static const char HEAD1[] = "HTTP/1.0 200 OK\r\n", HEAD2[] = "Length: 123\r\n\r\n";
static const char TAIL[] = "--trailer--";
#define HL ((long)(sizeof(HEAD1) - 1 + sizeof(HEAD2) - 1))
#define TL ((long)(sizeof(TAIL) - 1))

static struct iovec hv[2] = {{(void *)HEAD1, sizeof(HEAD1) - 1},
			     {(void *)HEAD2, sizeof(HEAD2) - 1}};
static struct iovec tv[1] = {{(void *)TAIL, sizeof(TAIL) - 1}};

/* The stream a reader expects: the headers (if any), file bytes [from, from + n),
 * the trailer (if any); `pos` is how far it got. */
struct want {
	int hdtr;
	long from, n, pos;
};

static long total(const struct want *w) { return w->hdtr ? HL + w->n + TL : w->n; }

static void check_bytes(struct want *w, const unsigned char *b, long len)
{
	static char head[64];
	memcpy(head, HEAD1, sizeof(HEAD1) - 1);
	memcpy(head + sizeof(HEAD1) - 1, HEAD2, sizeof(HEAD2) - 1);
	for (long i = 0; i < len; i++, w->pos++) {
		long p = w->pos, h = w->hdtr ? HL : 0;
		int e;
		if (p < h)
			e = (unsigned char)head[p];
		else if (p < h + w->n)
			e = pat(w->from + p - h);
		else if (w->hdtr && p < h + w->n + TL)
			e = (unsigned char)TAIL[p - h - w->n];
		else
			FAIL("byte %ld past the %ld expected", p, total(w));
		if (b[i] != e)
			FAIL("byte %ld: 0x%02x, wanted 0x%02x", p, b[i], e);
	}
}

/* Reads `fd` to end of file, checking every byte. */
static void read_all(int fd, struct want *w)
{
	static unsigned char buf[8192];
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		check_bytes(w, buf, n);
	CHECK_EQ(n, 0);
	CHECK_EQ(w->pos, total(w));
}

/* Reads what a non-blocking `fd` has now, checking it; how much. */
static long drain(int fd, struct want *w)
{
	static unsigned char buf[8192];
	long n, got = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		check_bytes(w, buf, n);
		got += n;
	}
	int e = errno;
	CHECK_EQ(n, -1);
	CHECK_EQ(e, EAGAIN);
	return got;
}

static int sendfile_slot(int slot, int fd, int s, off_t off, size_t n, struct sf_hdtr *h,
			 off_t *sb, int flags)
{
	if (slot == 393)
		return __sys_sendfile(fd, s, off, n, h, sb, flags);
	return syscall(336, fd, s, off, n, h, sb, flags);
}

static int listener = -1;

/* A connected stream pair: sv[0] sends, sv[1] is the peer. */
static void stream_pair(int tcp, int sv[2])
{
	if (!tcp) {
		CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		return;
	}
	struct sockaddr_in sin;
	sv[1] = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(sv[1], &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT)));
	sv[0] = CHECK_OK(__sys_accept(listener, NULL, NULL));
}

/* One blocking transfer to a forked reader; the file bytes it should carry are
 * [off, off + file_n). */
static void transfer(int tcp, int slot, int fd, off_t off, size_t nbytes, int hdtr,
		     long file_n)
{
	int sv[2];
	stream_pair(tcp, sv);
	struct want w = {hdtr, (long)off, file_n, 0};
	int pid = CHECK_OK(fork());
	if (pid == 0) {
		close(sv[0]);
		read_all(sv[1], &w);
		_exit(0);
	}
	close(sv[1]);
	struct sf_hdtr h = {hv, 2, tv, 1};
	off_t sb = -1;
	CHECK_EQ(sendfile_slot(slot, fd, sv[0], off, nbytes, hdtr ? &h : NULL, &sb, 0), 0);
	CHECK_EQ(sb, total(&w));
	close(sv[0]);
	int status;
	CHECK_OK(waitpid(pid, &status, 0));
	CHECK_CHILD_OK(status);
}

static volatile int alarms, sigpipes;
static void on_alrm(int sig) { (void)sig; alarms++; }
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

int main(void)
{
	static unsigned char chunk[4096];
	struct sf_hdtr h = {hv, 2, tv, 1};
	off_t sb;
	int sv[2];
	nt_scratch_dir("fb4_sendfile");

	/* The file: SIZE bytes of pat(). */
	int fd = CHECK_OK(open("data", O_RDWR | O_CREAT | O_TRUNC, 0644));
	for (long at = 0; at < SIZE; at += sizeof(chunk)) {
		long n = SIZE - at < (long)sizeof(chunk) ? SIZE - at : (long)sizeof(chunk);
		for (long i = 0; i < n; i++)
			chunk[i] = pat(at + i);
		CHECK_EQ(write(fd, chunk, n), n);
	}
	CHECK_OK(lseek(fd, 5, SEEK_SET));

	struct sockaddr_in sin;
	listener = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(listener, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT)));
	CHECK_OK(__sys_listen(listener, 5));

	for (int tcp = 0; tcp < 2; tcp++) {
		/* The whole file (nbytes 0), then a range with headers and trailers. */
		transfer(tcp, 393, fd, 0, 0, 0, SIZE);
		transfer(tcp, 336, fd, 0, 0, 0, SIZE);
		transfer(tcp, 393, fd, 1000, 100000, 1, 100000);
		/* 336: the headers are part of nbytes. */
		transfer(tcp, 336, fd, 1000, 100000, 1, 100000 - HL);
		/* nbytes 0 with headers: the rest of the file either way. */
		transfer(tcp, 393, fd, 4097, 0, 1, SIZE - 4097);
		transfer(tcp, 336, fd, 4097, 0, 1, SIZE - 4097);
	}
	/* 336 with nbytes not past the headers: no file bytes at all. */
	transfer(0, 336, fd, 0, 3, 1, 0);
	transfer(0, 336, fd, 0, HL, 1, 0);
	/* nbytes past end of file: to end of file. */
	transfer(0, 393, fd, SIZE - 10, 1000, 1, 10);
	transfer(0, 336, fd, SIZE - 10, 1000, 0, 10);
	/* An offset at or past end of file: headers and trailers only. */
	transfer(0, 393, fd, SIZE, 0, 0, 0);
	transfer(0, 393, fd, SIZE + 4096, 0, 1, 0);
	transfer(1, 336, fd, SIZE + 1, 10, 0, 0);
	/* The file's own offset does not move. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);

	/* Errors, in 4.x's order, each with *sbytes 0; flags are not read. */
	int wo = CHECK_OK(open("data", O_WRONLY));
	int dir = CHECK_OK(open(".", O_RDONLY));
	int p[2];
	CHECK_OK(pipe(p));
	int dg[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, dg));
	int lone = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	stream_pair(0, sv);
	for (int slot = 336; slot <= 393; slot += 393 - 336) {
		sb = 77;
		CHECK_ERRNO(sendfile_slot(slot, 99, sv[0], 0, 0, NULL, &sb, 0), EBADF);
		CHECK_EQ(sb, 0);
		CHECK_ERRNO(sendfile_slot(slot, -1, sv[0], 0, 0, NULL, &sb, 0), EBADF);
		CHECK_ERRNO(sendfile_slot(slot, wo, sv[0], 0, 0, NULL, &sb, 0), EBADF);
		CHECK_ERRNO(sendfile_slot(slot, p[0], sv[0], 0, 0, NULL, &sb, 0), EINVAL);
		CHECK_ERRNO(sendfile_slot(slot, sv[1], sv[0], 0, 0, NULL, &sb, 0), EINVAL);
		CHECK_ERRNO(sendfile_slot(slot, dir, sv[0], 0, 0, NULL, &sb, 0), EINVAL);
		/* The file is checked before the socket. */
		CHECK_ERRNO(sendfile_slot(slot, p[0], 99, 0, 0, NULL, &sb, 0), EINVAL);
		CHECK_ERRNO(sendfile_slot(slot, fd, 99, 0, 0, NULL, &sb, 0), EBADF);
		CHECK_ERRNO(sendfile_slot(slot, fd, fd, 0, 0, NULL, &sb, 0), ENOTSOCK);
		CHECK_ERRNO(sendfile_slot(slot, fd, p[1], 0, 0, NULL, &sb, 0), ENOTSOCK);
		CHECK_ERRNO(sendfile_slot(slot, fd, dg[0], 0, 0, NULL, &sb, 0), EINVAL);
		CHECK_ERRNO(sendfile_slot(slot, fd, lone, 0, 0, NULL, &sb, 0), ENOTCONN);
		CHECK_ERRNO(sendfile_slot(slot, fd, listener, 0, 0, NULL, &sb, 0), ENOTCONN);
		/* The socket before the offset, the offset before sf_hdtr. */
		CHECK_ERRNO(sendfile_slot(slot, fd, lone, -1, 0, NULL, &sb, 0), ENOTCONN);
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], -1, 0, NULL, &sb, 0), EINVAL);
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], -1, 0, (void *)4, &sb, 0), EINVAL);
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, (void *)4, &sb, 0), EFAULT);
		CHECK_EQ(sb, 0);
		/* writev's rules for the arrays: UIO_MAXIOV, a bad iovec; nothing sent. */
		struct sf_hdtr bad = {hv, 1025, NULL, 0};
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, &bad, &sb, 0), EINVAL);
		bad.hdr_cnt = -1;
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, &bad, &sb, 0), EINVAL);
		bad.headers = (void *)4;
		bad.hdr_cnt = 1;
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, &bad, &sb, 0), EFAULT);
		CHECK_EQ(sb, 0);
		/* Flags are ignored; no sbytes pointer, or a bad one, is no error. These
		 * send file bytes [0, 40) for 336 and [40, 80) for 393. */
		off_t b = slot == 393 ? 40 : 0;
		CHECK_EQ(sendfile_slot(slot, fd, sv[0], b, 10, NULL, &sb, 0x7fffffff), 0);
		CHECK_EQ(sb, 10);
		CHECK_EQ(sendfile_slot(slot, fd, sv[0], b + 10, 10, NULL, NULL, 1), 0);
		CHECK_EQ(sendfile_slot(slot, fd, sv[0], b + 20, 10, NULL, (void *)4, 0), 0);
		/* Empty header and trailer arrays send nothing of their own. */
		struct sf_hdtr none = {hv, 0, NULL, 5};
		CHECK_EQ(sendfile_slot(slot, fd, sv[0], b + 30, 10, &none, &sb, 0), 0);
		CHECK_EQ(sb, 10);
	}
	CHECK_OK(fcntl(sv[1], F_SETFL, O_NONBLOCK));
	struct want w = {0, 0, 80, 0};
	CHECK_EQ(drain(sv[1], &w), 80);
	close(wo);
	close(dir);
	close(p[0]);
	close(p[1]);
	close(dg[0]);
	close(dg[1]);
	close(lone);

	/* Non-blocking, nobody reading: part of it, EAGAIN, and *sbytes says how much.
	 * Then the server's loop: drain, send on from where it stopped, to the end. */
	CHECK_OK(fcntl(sv[0], F_SETFL, O_NONBLOCK));
	for (int slot = 336; slot <= 393; slot += 393 - 336) {
		struct want nw = {1, 0, SIZE, 0};
		sb = -1;
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, &h, &sb, 0), EAGAIN);
		CHECK(sb > HL && sb < SIZE);
		CHECK_EQ(drain(sv[1], &nw), sb);
		long left = SIZE - (sb - HL), at = sb - HL;
		while (left > 0) {
			sb = -1;
			int r = sendfile_slot(slot, fd, sv[0], at, 0, NULL, &sb, 0);
			if (r < 0)
				CHECK_EQ(errno, EAGAIN);
			else
				CHECK_EQ(sb, left);
			CHECK(sb > 0);
			at += sb;
			left -= sb;
			drain(sv[1], &nw);
		}
		/* The trailer to end it, with nothing of the file left (offset at EOF). */
		struct sf_hdtr t = {NULL, 0, tv, 1};
		CHECK_EQ(sendfile_slot(slot, fd, sv[0], SIZE, 0, &t, &sb, 0), 0);
		CHECK_EQ(sb, TL);
		drain(sv[1], &nw);
		CHECK_EQ(nw.pos, total(&nw));
	}
	/* A full socket sends nothing: EAGAIN with *sbytes 0. */
	sb = -1;
	CHECK_ERRNO(sendfile_slot(393, fd, sv[0], 0, 0, NULL, &sb, 0), EAGAIN);
	CHECK(sb > 0);
	sb = -1;
	CHECK_ERRNO(sendfile_slot(393, fd, sv[0], 0, 0, &h, &sb, 0), EAGAIN);
	CHECK_EQ(sb, 0);
	close(sv[0]);
	close(sv[1]);

	/* A signal while it waits for room: EINTR with *sbytes, even with SA_RESTART
	 * (restarting would send the headers again). */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	sa.sa_flags = SA_RESTART;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	for (int slot = 336; slot <= 393; slot += 393 - 336) {
		stream_pair(slot == 393, sv);
		struct itimerval it;
		memset(&it, 0, sizeof(it));
		it.it_value.tv_usec = 200000;
		int before = alarms;
		CHECK_OK(__sys_setitimer(0, &it, NULL));
		sb = -1;
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, &h, &sb, 0), EINTR);
		CHECK_EQ(alarms, before + 1);
		CHECK(sb > HL && sb < SIZE);
		CHECK_OK(fcntl(sv[1], F_SETFL, O_NONBLOCK));
		struct want iw = {1, 0, SIZE, 0};
		CHECK_EQ(drain(sv[1], &iw), sb);
		close(sv[0]);
		close(sv[1]);
	}

	/* The peer gone. A Unix-domain stream is then disconnected: ENOTCONN. */
	signal(SIGPIPE, on_sigpipe);
	stream_pair(0, sv);
	close(sv[1]);
	CHECK_ERRNO(sendfile_slot(393, fd, sv[0], 0, 0, NULL, &sb, 0), ENOTCONN);
	close(sv[0]);
	/* Our own shutdown for writing: EPIPE, no SIGPIPE from the file's part. */
	stream_pair(0, sv);
	CHECK_OK(__sys_shutdown(sv[0], SHUT_WR));
	sb = -1;
	CHECK_ERRNO(sendfile_slot(336, fd, sv[0], 0, 0, NULL, &sb, 0), EPIPE);
	CHECK_EQ(sb, 0);
	CHECK_EQ(sigpipes, 0);
	close(sv[0]);
	close(sv[1]);
	/* TCP keeps the connection: EPIPE; SIGPIPE only when the headers' writev meets it. */
	stream_pair(1, sv);
	close(sv[1]);
	for (int slot = 336; slot <= 393; slot += 393 - 336) {
		int before = sigpipes;
		sb = -1;
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, NULL, &sb, 0), EPIPE);
		CHECK_EQ(sb, 0);
		CHECK_EQ(sigpipes, before);
		CHECK_ERRNO(sendfile_slot(slot, fd, sv[0], 0, 0, &h, &sb, 0), EPIPE);
		CHECK_EQ(sb, 0);
		CHECK_EQ(sigpipes, before + 1);
	}
	close(sv[0]);
	close(listener);
	close(fd);
	PASS();
}
