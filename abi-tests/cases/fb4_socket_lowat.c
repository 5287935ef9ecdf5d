// abi: freebsd4-i386
/*
 * The low-water marks, SO_SNDLOWAT and SO_RCVLOWAT (4.x's sb_lowat), as sosetopt,
 * soreceive, sosend, soreadable and sowriteable use them:
 *  - at first 2048 (MCLBYTES; the send buffer's size when that is less) and 1, on
 *    every kind of socket, and on an accepted connection whatever its listener's;
 *  - a mark under 1 is EINVAL; one above its buffer's size is that size, and a
 *    smaller SO_SNDBUF or SO_RCVBUF brings the mark down with it;
 *  - a stream's receive waits for the receive mark's worth, or for all it asks for
 *    if that is less; at end of file it takes what is there; on a non-blocking
 *    descriptor fewer bytes are EAGAIN, but MSG_DONTWAIT takes them; a receive
 *    timeout that passes first is EAGAIN; poll and select call the socket readable
 *    only at the mark;
 *  - a stream's send goes in parts only once the room reaches the send mark (or all
 *    that is left): short of it, a non-blocking send is EAGAIN and poll does not
 *    call the socket writable;
 *  - a datagram socket is readable once its queue, each datagram counted with its
 *    sender's address, reaches the mark; a receive takes one datagram, mark or not;
 *  - kqueue's read and write notes are ready by the marks, or with NOTE_LOWAT by
 *    the note's own data (0: ready with nothing there);
 *  - marks past the 64 KiB a stream holds here (buffers raised to 200000): a send
 *    still starts once the stream is empty, a receive once it is full, so a large
 *    transfer goes through whole.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/time.h>
#include <sys/wait.h>

static int polled(int fd, short events)
{
	struct pollfd p = {fd, events, 0};
	CHECK_OK(poll(&p, 1, 0));
	return p.revents;
}

static int selected_readable(int fd)
{
	fd_set r;
	struct timeval zero = {0, 0};
	FD_ZERO(&r);
	FD_SET(fd, &r);
	int n = CHECK_OK(select(fd + 1, &r, NULL, NULL, &zero));
	return n == 1 && FD_ISSET(fd, &r);
}

/* With SO_SNDBUF and SO_RCVBUF at 200000 and both marks at 100000, a 150000-byte
 * blocking send to a reader that drains reaches it whole. */
static void marks_past_the_stream(void)
{
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	for (int i = 0; i < 2; i++) {
		nt_setsockopt_int(sv[i], SOL_SOCKET, SO_SNDBUF, 200000);
		nt_setsockopt_int(sv[i], SOL_SOCKET, SO_RCVBUF, 200000);
		nt_setsockopt_int(sv[i], SOL_SOCKET, SO_SNDLOWAT, 100000);
		nt_setsockopt_int(sv[i], SOL_SOCKET, SO_RCVLOWAT, 100000);
	}
	CHECK_EQ(nt_getsockopt_int(sv[0], SOL_SOCKET, SO_SNDLOWAT), 100000);
	pid_t reader = CHECK_OK(fork());
	if (reader == 0) {
		close(sv[0]);
		static char buf[65536];
		long total = 0;
		int n;
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			total += n;
		_exit(n == 0 && total == 150000 ? 0 : 1);
	}
	CHECK_OK(close(sv[1]));
	/* Empty: writable by the mark. */
	CHECK(polled(sv[0], POLLOUT) & POLLOUT);
	static char big[150000];
	CHECK_EQ(write(sv[0], big, sizeof(big)), (int)sizeof(big));
	CHECK_OK(close(sv[0]));
	int status;
	CHECK_EQ(waitpid(reader, &status, 0), reader);
	CHECK_CHILD_OK(status);
}

static void defaults(int s, int send_mark)
{
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_SNDLOWAT), send_mark);
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_RCVLOWAT), 1);
}

static void set_fails(int s, int name, int v)
{
	CHECK_ERRNO(__sys_setsockopt(s, SOL_SOCKET, name, &v, sizeof(v)), EINVAL);
}

int main(void)
{
	int sv[2], dv[2];
	char buf[64];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, dv));
	int tcp = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	int udp = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	defaults(sv[0], 2048);
	defaults(dv[0], 2048); /* the Unix datagram send buffer is 2048 itself */
	defaults(tcp, 2048);
	defaults(udp, 2048);

	/* Setting: under 1 refused; above the buffer, the buffer's size. */
	set_fails(sv[0], SO_RCVLOWAT, 0);
	set_fails(sv[0], SO_SNDLOWAT, -5);
	short two = 2;
	CHECK_ERRNO(__sys_setsockopt(sv[0], SOL_SOCKET, SO_RCVLOWAT, &two, sizeof(two)), EINVAL);
	nt_setsockopt_int(sv[0], SOL_SOCKET, SO_RCVLOWAT, 1 << 20);
	CHECK_EQ(nt_getsockopt_int(sv[0], SOL_SOCKET, SO_RCVLOWAT),
		 nt_getsockopt_int(sv[0], SOL_SOCKET, SO_RCVBUF));
	nt_setsockopt_int(sv[0], SOL_SOCKET, SO_SNDBUF, 1000);
	CHECK_EQ(nt_getsockopt_int(sv[0], SOL_SOCKET, SO_SNDLOWAT), 1000);
	nt_setsockopt_int(sv[0], SOL_SOCKET, SO_RCVBUF, 300);
	CHECK_EQ(nt_getsockopt_int(sv[0], SOL_SOCKET, SO_RCVLOWAT), 300);
	nt_setsockopt_int(sv[0], SOL_SOCKET, SO_RCVBUF, 8192);
	CHECK_EQ(nt_getsockopt_int(sv[0], SOL_SOCKET, SO_RCVLOWAT), 300);

	/* A stream's receive mark of 10 with 5 bytes there. */
	int r = sv[1], w = sv[0];
	nt_setsockopt_int(r, SOL_SOCKET, SO_RCVLOWAT, 10);
	CHECK_EQ(write(w, "abcde", 5), 5);
	CHECK_EQ(polled(r, POLLIN), 0);
	CHECK(!selected_readable(r));
	int fl = CHECK_OK(fcntl(r, F_GETFL));
	CHECK_OK(fcntl(r, F_SETFL, fl | O_NONBLOCK));
	CHECK_ERRNO(read(r, buf, sizeof(buf)), EAGAIN);
	/* Asking for no more than is there: taken. */
	CHECK_EQ(read(r, buf, 2), 2);
	CHECK(memcmp(buf, "ab", 2) == 0);
	/* MSG_DONTWAIT takes what is there, mark or not. */
	CHECK_EQ(__sys_recvfrom(r, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), 3);
	CHECK(memcmp(buf, "cde", 3) == 0);
	CHECK_OK(fcntl(r, F_SETFL, fl));

	/* A blocking receive waits for the mark: the child writes 4 bytes, then 6. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct timespec t = {0, 50 * 1000 * 1000};
		nanosleep(&t, NULL);
		if (write(w, "1234", 4) != 4)
			_exit(1);
		nanosleep(&t, NULL);
		if (write(w, "567890", 6) != 6)
			_exit(2);
		nanosleep(&t, NULL);
		if (write(w, "xyz", 3) != 3)
			_exit(3);
		_exit(0);
	}
	CHECK_EQ(read(r, buf, sizeof(buf)), 10);
	CHECK(memcmp(buf, "1234567890", 10) == 0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Three bytes and a timeout: EAGAIN, the bytes staying. */
	struct timeval tv = {0, 100000};
	CHECK_OK(__sys_setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_ERRNO(read(r, buf, sizeof(buf)), EAGAIN);
	/* The peer gone: what is there, then end of file; readable at once. */
	int w2 = CHECK_OK(dup(w));
	CHECK_OK(close(w));
	CHECK_OK(close(w2));
	CHECK(polled(r, POLLIN) & POLLIN);
	CHECK_EQ(read(r, buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "xyz", 3) == 0);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	CHECK_OK(close(r));

	/* The send mark: fill a stream, then make room short of the mark. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	r = sv[1];
	w = sv[0];
	CHECK_OK(fcntl(w, F_SETFL, O_NONBLOCK));
	static char fill[4096], drain[8192];
	long queued = 0;
	for (;;) {
		int n = write(w, fill, sizeof(fill));
		if (n < 0)
			break;
		queued += n;
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK(queued > 0);
	CHECK_EQ(polled(w, POLLOUT), 0);
	CHECK_EQ(read(r, drain, 1000), 1000);
	/* Room for 1000: not writable (the mark is 2048); what fits whole goes in. */
	CHECK_EQ(polled(w, POLLOUT), 0);
	CHECK_EQ(write(w, fill, 100), 100);
	CHECK_ERRNO(write(w, fill, 1500), EAGAIN);
	/* Room for 2900: writable, and a longer send goes in part. */
	CHECK_EQ(read(r, drain, 2000), 2000);
	CHECK(polled(w, POLLOUT) & POLLOUT);
	CHECK_EQ(write(w, fill, 4000), 2900);
	/* A lower mark makes the room that is there enough. */
	CHECK_EQ(read(r, drain, 500), 500);
	CHECK_EQ(polled(w, POLLOUT), 0);
	nt_setsockopt_int(w, SOL_SOCKET, SO_SNDLOWAT, 400);
	CHECK(polled(w, POLLOUT) & POLLOUT);
	CHECK_EQ(write(w, fill, 4000), 500);
	CHECK_OK(close(r));
	CHECK_OK(close(w));

	/* Datagrams: counted with their sender's address (an unbound sender's is 4.x's
	 * 16-byte sun_noname), so 3 + 16 and 5 + 16 reach a mark of 40 together; a
	 * receive takes one whatever the mark. */
	nt_setsockopt_int(dv[1], SOL_SOCKET, SO_RCVLOWAT, 40);
	CHECK_EQ(write(dv[0], "abc", 3), 3);
	CHECK_EQ(polled(dv[1], POLLIN), 0);
	CHECK_EQ(write(dv[0], "defgh", 5), 5);
	CHECK(polled(dv[1], POLLIN) & POLLIN);
	CHECK_EQ(read(dv[1], buf, sizeof(buf)), 3);
	CHECK_EQ(polled(dv[1], POLLIN), 0);
	CHECK_EQ(read(dv[1], buf, sizeof(buf)), 5);

	/* UDP: the sender's 16-byte address counts: one byte sent reaches a mark of 17. */
	struct sockaddr_in sin;
	CHECK_OK(__sys_bind(udp, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7131)));
	nt_setsockopt_int(udp, SOL_SOCKET, SO_RCVLOWAT, 17);
	int u2 = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_EQ(__sys_sendto(u2, "x", 1, 0, &sin, sizeof(sin)), 1);
	CHECK(polled(udp, POLLIN) & POLLIN);
	nt_setsockopt_int(udp, SOL_SOCKET, SO_RCVLOWAT, 18);
	CHECK_EQ(polled(udp, POLLIN), 0);
	CHECK_EQ(read(udp, buf, sizeof(buf)), 1);

	/* kqueue: a read or write note is ready by the socket's marks, or with
	 * NOTE_LOWAT by the note's own data (filt_soread, filt_sowrite). */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int kq = CHECK_OK(__sys_kqueue());
	struct kevent ch[2], ev[2];
	static const struct timespec zero = {0, 0};
	memset(ch, 0, sizeof(ch));
	ch[0].ident = (unsigned)sv[1];
	ch[0].filter = EVFILT_READ;
	ch[0].flags = EV_ADD;
	ch[0].fflags = NOTE_LOWAT;
	ch[0].data = 5;
	CHECK_OK(__sys_kevent(kq, ch, 1, NULL, 0, NULL));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 0);
	CHECK_EQ(write(sv[0], "de", 2), 2);
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 1);
	CHECK_EQ(ev[0].data, 5);
	/* Without NOTE_LOWAT again, the socket's own mark (1) rules. */
	ch[0].fflags = 0;
	CHECK_OK(__sys_kevent(kq, ch, 1, NULL, 0, NULL));
	CHECK_EQ(read(sv[1], buf, 4), 4);
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 1);
	nt_setsockopt_int(sv[1], SOL_SOCKET, SO_RCVLOWAT, 3);
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 0);
	/* A mark of 0 is met by nothing there. */
	CHECK_EQ(__sys_recvfrom(sv[1], buf, 4, MSG_DONTWAIT, NULL, NULL), 1);
	ch[0].fflags = NOTE_LOWAT;
	ch[0].data = 0;
	CHECK_OK(__sys_kevent(kq, ch, 1, NULL, 0, NULL));
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 1);
	CHECK_EQ(ev[0].data, 0);
	ch[0].flags = EV_DELETE;
	CHECK_OK(__sys_kevent(kq, ch, 1, NULL, 0, NULL));
	/* Writes: room for the note's mark. */
	ch[1].ident = (unsigned)sv[0];
	ch[1].filter = EVFILT_WRITE;
	ch[1].flags = EV_ADD;
	ch[1].fflags = NOTE_LOWAT;
	ch[1].data = 1 << 20;
	CHECK_OK(__sys_kevent(kq, &ch[1], 1, NULL, 0, NULL));
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 0);
	ch[1].data = 100;
	CHECK_OK(__sys_kevent(kq, &ch[1], 1, NULL, 0, NULL));
	CHECK_EQ(__sys_kevent(kq, NULL, 0, ev, 2, &zero), 1);
	CHECK_OK(close(kq));
	CHECK_OK(close(sv[0]));
	CHECK_OK(close(sv[1]));

	/* An accepted connection starts with the default marks. */
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7132)));
	nt_setsockopt_int(lst, SOL_SOCKET, SO_RCVLOWAT, 77);
	nt_setsockopt_int(lst, SOL_SOCKET, SO_SNDLOWAT, 99);
	CHECK_OK(__sys_listen(lst, 4));
	CHECK_OK(__sys_connect(tcp, &sin, sizeof(sin)));
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	defaults(a, 2048);
	CHECK_EQ(nt_getsockopt_int(lst, SOL_SOCKET, SO_RCVLOWAT), 77);
	marks_past_the_stream();
	PASS();
}
