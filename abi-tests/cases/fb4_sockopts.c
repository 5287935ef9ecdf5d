// abi: freebsd4-i386
/*
 * Socket options as 4.x's sosetopt/sogetopt and its protocols' ctloutput answer them
 * (105, 118):
 *  - the SOL_SOCKET flags (SO_DEBUG, SO_DONTROUTE, SO_BROADCAST, SO_USELOOPBACK,
 *    SO_OOBINLINE) and TCP's (TCP_NOPUSH, TCP_NOOPT) are kept and reported as their
 *    bit (TCP's as the TF_ bit: 0x1000, 8);
 *  - SO_LINGER: a struct linger whose l_onoff comes back as the SO_LINGER bit; a TCP
 *    connection closed lingering 0 seconds is reset (its peer reads the data, then
 *    ECONNRESET once, a send is EPIPE, and with its pcb gone TCP's options and
 *    getsockname are ECONNRESET);
 *  - IP_TOS and IP_TTL (64 at first) are ints kept as bytes; IP_PORTRANGE says where
 *    a bind to port 0 takes its port (high: 49152..65535; low: 1023 downwards, root
 *    only, EACCES at the bind; default 1024..5000);
 *  - SO_RCVTIMEO and SO_SNDTIMEO: a struct timeval made ticks (EDOM when negative,
 *    microseconds out of range or past SHRT_MAX ticks), read back in whole ticks; a
 *    receive with nothing to get, on a datagram or a stream socket, and a send with
 *    no room, end with EAGAIN once it passes; data there is taken at once;
 *  - levels: a Unix-domain socket has none but SOL_SOCKET (ENOPROTOOPT), UDP has
 *    IPPROTO_IP alone and TCP IPPROTO_TCP too (EINVAL for others); an unknown name
 *    is ENOPROTOOPT; a value shorter than its type EINVAL;
 *  - an accepted connection has its listener's flags (TCP_NODELAY too: 4.x's syncache
 *    passes TF_NODELAY and TF_NOPUSH on), its linger and its buffer sizes;
 *  - getsockopt cuts the value to the room given and says how much it wrote (0 with
 *    no buffer);
 *  - SO_ACCEPTFILTER: a listening socket has none (256 zero bytes), and asking for
 *    one is ENOENT, as a 4.x GENERIC kernel without accept filter modules says;
 *    EINVAL on a socket not listening;
 *  - TCP_MAXSEG: tcp_mssdflt (512) on a socket not connected, listening or not; on
 *    a loopback connection, both sides, what tcp_mss makes of lo0's MTU (16384 less
 *    40 bytes of headers and 12 of timestamp option, rounded down to a multiple of
 *    MCLBYTES: 14336), or the send buffer's size when that is smaller; a size may
 *    only come down, and not to 0 (EINVAL), and a connection works it out afresh
 *    when the SYN it gets carries an MSS option: TCP_NOOPT on the connecting side
 *    leaves the accepted side tcp_mssdflt, on the listener the connecting side what
 *    it had. Where tcp_mss runs, a buffer larger than the segment grows to whole
 *    segments (32768 and 65536 become 43008 and 71680), a send buffer smaller than
 *    one is the segment size.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

struct linger_ {
	int l_onoff;
	int l_linger;
};

static long now_us(void)
{
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

static void flags_kept(int s)
{
	static const int flags[] = {SO_DEBUG, SO_DONTROUTE, SO_BROADCAST, SO_USELOOPBACK,
				    SO_OOBINLINE, SO_KEEPALIVE};
	for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, flags[i]), 0);
		nt_setsockopt_int(s, SOL_SOCKET, flags[i], 7);
		CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, flags[i]), flags[i]);
	}
	nt_setsockopt_int(s, SOL_SOCKET, SO_DEBUG, 0);
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_DEBUG), 0);
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_DONTROUTE), SO_DONTROUTE);
}

static int maxseg(int s)
{
	return nt_getsockopt_int(s, IPPROTO_TCP, TCP_MAXSEG);
}

/* Sets TCP_MAXSEG on `s`: 0, or the errno. */
static int set_maxseg(int s, int size)
{
	return __sys_setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &size, sizeof(size)) < 0 ? errno : 0;
}

/* Connects `cl` to the listener `lst` (bound at `to`) and returns the accepted
 * socket, having checked each side's segment size. */
static int connected(int cl, int lst, struct sockaddr_in *to, int cl_segment, int a_segment)
{
	CHECK_OK(__sys_connect(cl, to, sizeof(*to)));
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	CHECK_EQ(maxseg(cl), cl_segment);
	CHECK_EQ(maxseg(a), a_segment);
	return a;
}

/* Checks `s`'s send and receive buffer sizes. */
static void buffers(int s, int send, int receive)
{
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_SNDBUF), send);
	CHECK_EQ(nt_getsockopt_int(s, SOL_SOCKET, SO_RCVBUF), receive);
}

static void max_segment(void)
{
	struct sockaddr_in sin;
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7111)));
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_EQ(maxseg(cl), 512);
	CHECK_EQ(set_maxseg(cl, 513), EINVAL);
	CHECK_EQ(set_maxseg(cl, 0), EINVAL);
	CHECK_EQ(set_maxseg(cl, -1), EINVAL);
	CHECK_EQ(set_maxseg(cl, 300), 0);
	CHECK_EQ(maxseg(cl), 300);
	CHECK_EQ(set_maxseg(cl, 301), EINVAL);
	CHECK_EQ(set_maxseg(cl, 1), 0);
	CHECK_EQ(maxseg(cl), 1);
	short half = 1;
	CHECK_ERRNO(__sys_setsockopt(cl, IPPROTO_TCP, TCP_MAXSEG, &half, sizeof(half)), EINVAL);
	/* A listener keeps its own; its connections work theirs out. */
	CHECK_EQ(set_maxseg(lst, 200), 0);
	CHECK_OK(__sys_listen(lst, 4));
	CHECK_EQ(maxseg(lst), 200);
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	CHECK_EQ(maxseg(cl), 14336);
	CHECK_EQ(maxseg(a), 14336);
	CHECK_EQ(maxseg(lst), 200);
	buffers(cl, 43008, 71680);
	buffers(a, 43008, 71680);
	buffers(lst, 32768, 65536);
	CHECK_EQ(set_maxseg(a, 14337), EINVAL);
	CHECK_EQ(set_maxseg(a, 14336), 0);
	CHECK_EQ(set_maxseg(a, 1000), 0);
	CHECK_EQ(maxseg(a), 1000);
	CHECK_EQ(set_maxseg(a, 1001), EINVAL);
	CHECK_EQ(maxseg(cl), 14336);
	/* Data goes as before, whatever the size. */
	CHECK_EQ(write(a, "seg", 3), 3);
	char buf[8];
	CHECK_EQ(read(cl, buf, sizeof(buf)), 3);
	close(a);
	close(cl);

	/* A send buffer smaller than the segment is its size. */
	cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	nt_setsockopt_int(cl, SOL_SOCKET, SO_SNDBUF, 5000);
	CHECK_EQ(maxseg(cl), 512);
	a = connected(cl, lst, &sin, 5000, 14336);
	buffers(cl, 5000, 70000);
	close(a);
	close(cl);

	/* TCP_NOOPT on the connecting side: the listener's side gets no MSS option and
	 * takes tcp_mssdflt; the SYN|ACK still carries one. */
	cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	nt_setsockopt_int(cl, IPPROTO_TCP, TCP_NOOPT, 1);
	CHECK_EQ(set_maxseg(cl, 100), 0);
	a = connected(cl, lst, &sin, 14336, 512);
	buffers(a, 32768, 65536);
	close(a);
	close(cl);

	/* TCP_NOOPT on the listener: its SYN|ACK carries no options, and the connecting
	 * side keeps what it had. */
	int quiet = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in qsin;
	CHECK_OK(__sys_bind(quiet, &qsin, nt_sockaddr_in(&qsin, INADDR_LOOPBACK, 7112)));
	nt_setsockopt_int(quiet, IPPROTO_TCP, TCP_NOOPT, 1);
	CHECK_OK(__sys_listen(quiet, 4));
	cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_EQ(set_maxseg(cl, 100), 0);
	a = connected(cl, quiet, &qsin, 100, 14336);
	buffers(cl, 32768, 65536);
	close(a);
	close(cl);
	cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	a = connected(cl, quiet, &qsin, 512, 14336);
	close(a);
	close(cl);
	close(quiet);
	close(lst);

	/* Only TCP has it: UDP's level is IPPROTO_IP alone, Unix has none. */
	int u = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_EQ(set_maxseg(u, 100), EINVAL);
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(set_maxseg(sv[0], 100), ENOPROTOOPT);
	close(u);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	int hz = nt_hz();
	long tick = 1000000 / hz;

	int t = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	int u = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));

	/* The flags, on every kind of socket. */
	flags_kept(t);
	flags_kept(u);
	flags_kept(sv[0]);
	int one = 1;
	CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_DEBUG, &one, 3), EINVAL);
	CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_DEBUG, (void *)16, 4), EFAULT);
	CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_TYPE, &one, 4), ENOPROTOOPT);
	CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, 0x7777, &one, 4), ENOPROTOOPT);

	/* TCP's flags report their TF_ bits. */
	CHECK_EQ(nt_getsockopt_int(t, IPPROTO_TCP, TCP_NOPUSH), 0);
	nt_setsockopt_int(t, IPPROTO_TCP, TCP_NOPUSH, 1);
	CHECK_EQ(nt_getsockopt_int(t, IPPROTO_TCP, TCP_NOPUSH), 0x1000);
	nt_setsockopt_int(t, IPPROTO_TCP, TCP_NOOPT, 1);
	CHECK_EQ(nt_getsockopt_int(t, IPPROTO_TCP, TCP_NOOPT), 8);
	nt_setsockopt_int(t, IPPROTO_TCP, TCP_NOOPT, 0);
	CHECK_EQ(nt_getsockopt_int(t, IPPROTO_TCP, TCP_NOOPT), 0);

	/* Levels: TCP has IPPROTO_TCP and IPPROTO_IP, UDP IPPROTO_IP, Unix neither. */
	CHECK_ERRNO(__sys_setsockopt(t, 99, 1, &one, 4), EINVAL);
	CHECK_ERRNO(__sys_setsockopt(t, IPPROTO_IP, 99, &one, 4), ENOPROTOOPT);
	CHECK_ERRNO(__sys_setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, 4), EINVAL);
	CHECK_ERRNO(__sys_setsockopt(u, 99, 1, &one, 4), EINVAL);
	CHECK_ERRNO(__sys_setsockopt(sv[0], IPPROTO_IP, IP_TOS, &one, 4), ENOPROTOOPT);
	int v = 0, len = 4;
	CHECK_ERRNO(__sys_getsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, &len), EINVAL);
	CHECK_ERRNO(__sys_getsockopt(sv[0], IPPROTO_IP, IP_TTL, &v, &len), ENOPROTOOPT);

	/* IP_TOS and IP_TTL: bytes. */
	CHECK_EQ(nt_getsockopt_int(u, IPPROTO_IP, IP_TOS), 0);
	CHECK_EQ(nt_getsockopt_int(u, IPPROTO_IP, IP_TTL), 64);
	nt_setsockopt_int(u, IPPROTO_IP, IP_TOS, 0x1210);
	CHECK_EQ(nt_getsockopt_int(u, IPPROTO_IP, IP_TOS), 0x10);
	nt_setsockopt_int(t, IPPROTO_IP, IP_TTL, 0x1ff);
	CHECK_EQ(nt_getsockopt_int(t, IPPROTO_IP, IP_TTL), 0xff);
	CHECK_ERRNO(__sys_setsockopt(u, IPPROTO_IP, IP_TOS, &one, 2), EINVAL);

	/* IP_PORTRANGE: where a bind to port 0 takes its port. */
	CHECK_EQ(nt_getsockopt_int(t, IPPROTO_IP, IP_PORTRANGE), IP_PORTRANGE_DEFAULT);
	CHECK_ERRNO(__sys_setsockopt(t, IPPROTO_IP, IP_PORTRANGE, &(int){3}, 4), EINVAL);
	int ports[3];
	const int ranges[3] = {IP_PORTRANGE_HIGH, IP_PORTRANGE_LOW, IP_PORTRANGE_DEFAULT};
	for (int i = 0; i < 3; i++) {
		int s = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
		nt_setsockopt_int(s, IPPROTO_IP, IP_PORTRANGE, ranges[i]);
		CHECK_EQ(nt_getsockopt_int(s, IPPROTO_IP, IP_PORTRANGE), ranges[i]);
		struct sockaddr_in any;
		CHECK_OK(__sys_bind(s, &any, nt_sockaddr_in(&any, INADDR_ANY, 0)));
		unsigned char got_name[16];
		int glen = sizeof(got_name);
		CHECK_OK(__sys_getsockname(s, got_name, &glen));
		ports[i] = nt_port_of(got_name);
		/* Kept open, so the next search in a range moves on. */
	}
	CHECK(ports[0] >= 49152 && ports[0] <= 65535);
	CHECK(ports[1] >= 600 && ports[1] <= 1023);
	CHECK(ports[2] >= 1024 && ports[2] <= 5000);
	/* The low range goes downwards: the next one is below. */
	int low2 = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	int low3 = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	nt_setsockopt_int(low2, IPPROTO_IP, IP_PORTRANGE, IP_PORTRANGE_LOW);
	nt_setsockopt_int(low3, IPPROTO_IP, IP_PORTRANGE, IP_PORTRANGE_LOW);
	struct sockaddr_in any0;
	CHECK_OK(__sys_bind(low2, &any0, nt_sockaddr_in(&any0, INADDR_ANY, 0)));
	CHECK_OK(__sys_bind(low3, &any0, nt_sockaddr_in(&any0, INADDR_ANY, 0)));
	unsigned char n2[16], n3[16];
	int l2 = sizeof(n2), l3 = sizeof(n3);
	CHECK_OK(__sys_getsockname(low2, n2, &l2));
	CHECK_OK(__sys_getsockname(low3, n3, &l3));
	CHECK_EQ(nt_port_of(n3), nt_port_of(n2) - 1);
	/* Without privilege the low range is refused at the bind. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(1);
		int s = __sys_socket(AF_INET, SOCK_DGRAM, 0);
		int low = IP_PORTRANGE_LOW;
		if (s < 0 || __sys_setsockopt(s, IPPROTO_IP, IP_PORTRANGE, &low, 4) != 0)
			_exit(2);
		struct sockaddr_in a0;
		if (__sys_bind(s, &a0, nt_sockaddr_in(&a0, INADDR_ANY, 0)) != -1 || errno != EACCES)
			_exit(3);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* SO_LINGER: l_onoff comes back as the bit; getsockopt cuts to the room. */
	struct linger_ l = {1, 5}, got;
	CHECK_OK(__sys_setsockopt(t, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	len = sizeof(got);
	CHECK_OK(__sys_getsockopt(t, SOL_SOCKET, SO_LINGER, &got, &len));
	CHECK_EQ(len, 8);
	CHECK_EQ(got.l_onoff, SO_LINGER);
	CHECK_EQ(got.l_linger, 5);
	l.l_onoff = 0;
	l.l_linger = 9;
	CHECK_OK(__sys_setsockopt(t, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	memset(&got, 0x77, sizeof(got));
	len = 4;
	CHECK_OK(__sys_getsockopt(t, SOL_SOCKET, SO_LINGER, &got, &len));
	CHECK_EQ(len, 4);
	CHECK_EQ(got.l_onoff, 0);
	CHECK_EQ(got.l_linger, 0x77777777);
	CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_LINGER, &l, 4), EINVAL);
	/* No buffer: nothing written, and the room says so. */
	len = 8;
	CHECK_OK(__sys_getsockopt(t, SOL_SOCKET, SO_LINGER, NULL, &len));
	CHECK_EQ(len, 0);

	/* Timeouts: ticks, and EDOM. */
	struct timeval tv = {0, 150000}, back;
	CHECK_OK(__sys_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	len = sizeof(back);
	CHECK_OK(__sys_getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &back, &len));
	CHECK_EQ(len, 8);
	CHECK_EQ(back.tv_sec, 0);
	CHECK_EQ(back.tv_usec, 150000 / tick * tick);
	struct timeval odd = {1, tick + tick / 2};
	CHECK_OK(__sys_setsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &odd, sizeof(odd)));
	CHECK_OK(__sys_getsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &back, &len));
	CHECK_EQ(back.tv_sec, 1);
	CHECK_EQ(back.tv_usec, tick);
	struct timeval bad[] = {{-1, 0}, {0, -1}, {0, 1000000}, {32767 / hz + 1, 0}};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &bad[i], sizeof(tv)), EDOM);
	struct timeval most = {32767 / hz, (32767 % hz) * tick};
	CHECK_OK(__sys_setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &most, sizeof(most)));
	most.tv_usec += tick;
	if (most.tv_usec < 1000000)
		CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &most, sizeof(most)), EDOM);
	CHECK_ERRNO(__sys_setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL);

	/* A datagram receive with nothing there waits the timeout, then EAGAIN. */
	struct sockaddr_in sin;
	CHECK_OK(__sys_bind(u, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7101)));
	char buf[16];
	long t0 = now_us();
	CHECK_ERRNO(__sys_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL), EAGAIN);
	long waited = now_us() - t0;
	CHECK(waited >= 150000 - 2 * tick);
	CHECK(waited < 2000000);
	/* One that is there is taken at once. */
	int c = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_EQ(__sys_sendto(c, "d", 1, 0, &sin, sizeof(sin)), 1);
	t0 = now_us();
	CHECK_EQ(__sys_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL), 1);
	CHECK(now_us() - t0 < 100000);
	close(c);

	/* A stream: the receive times out too; the send waits for room that never
	 * comes, then EAGAIN with nothing sent. */
	tv.tv_usec = 100000;
	CHECK_OK(__sys_setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = now_us();
	CHECK_ERRNO(read(sv[0], buf, sizeof(buf)), EAGAIN);
	CHECK(now_us() - t0 >= 100000 - 2 * tick);
	CHECK_EQ(write(sv[1], "s", 1), 1);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 1);
	int fl = CHECK_OK(fcntl(sv[1], F_GETFL));
	CHECK_OK(fcntl(sv[1], F_SETFL, fl | O_NONBLOCK));
	static char fill[4096];
	while (write(sv[1], fill, sizeof(fill)) > 0)
		;
	CHECK_EQ(errno, EAGAIN);
	CHECK_OK(fcntl(sv[1], F_SETFL, fl));
	CHECK_OK(__sys_setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	t0 = now_us();
	CHECK_ERRNO(write(sv[1], fill, 1), EAGAIN);
	CHECK(now_us() - t0 >= 100000 - 2 * tick);

	/* An accepted connection: the listener's flags, TCP_NODELAY too, its linger and
	 * buffer sizes (the send buffer grown to whole segments); not its timeouts. */
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7102)));
	nt_setsockopt_int(lst, SOL_SOCKET, SO_KEEPALIVE, 1);
	nt_setsockopt_int(lst, SOL_SOCKET, SO_OOBINLINE, 1);
	nt_setsockopt_int(lst, IPPROTO_TCP, TCP_NOPUSH, 1);
	nt_setsockopt_int(lst, IPPROTO_TCP, TCP_NODELAY, 1);
	l.l_onoff = 1;
	l.l_linger = 3;
	CHECK_OK(__sys_setsockopt(lst, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	CHECK_OK(__sys_setsockopt(lst, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	nt_setsockopt_int(lst, SOL_SOCKET, SO_RCVBUF, 12345);
	CHECK_OK(__sys_listen(lst, 4));
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	CHECK_EQ(nt_getsockopt_int(a, SOL_SOCKET, SO_KEEPALIVE), SO_KEEPALIVE);
	CHECK_EQ(nt_getsockopt_int(a, SOL_SOCKET, SO_OOBINLINE), SO_OOBINLINE);
	CHECK_EQ(nt_getsockopt_int(a, IPPROTO_TCP, TCP_NOPUSH), 0x1000);
	CHECK_EQ(nt_getsockopt_int(a, IPPROTO_TCP, TCP_NODELAY), 4);
	CHECK_EQ(nt_getsockopt_int(a, SOL_SOCKET, SO_RCVBUF), 12345);
	CHECK_EQ(nt_getsockopt_int(a, SOL_SOCKET, SO_SNDBUF), 43008);
	len = sizeof(got);
	CHECK_OK(__sys_getsockopt(a, SOL_SOCKET, SO_LINGER, &got, &len));
	CHECK_EQ(got.l_onoff, SO_LINGER);
	CHECK_EQ(got.l_linger, 3);
	CHECK_OK(__sys_getsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &back, &len));
	CHECK_EQ(back.tv_sec, 0);
	CHECK_EQ(back.tv_usec, 0);
	/* The client's own flags are its own: none set. */
	CHECK_EQ(nt_getsockopt_int(cl, SOL_SOCKET, SO_KEEPALIVE), 0);
	/* And a TCP receive with a timeout. */
	CHECK_OK(__sys_setsockopt(cl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = now_us();
	CHECK_ERRNO(read(cl, buf, sizeof(buf)), EAGAIN);
	CHECK(now_us() - t0 >= 100000 - 2 * tick);
	CHECK_EQ(write(a, "x", 1), 1);
	CHECK_EQ(read(cl, buf, sizeof(buf)), 1);

	/* Closed lingering 0 seconds, a connection is reset: its peer reads what was
	 * sent, then ECONNRESET once, then end of file. Lingering longer, end of file. */
	l.l_onoff = 1;
	l.l_linger = 0;
	CHECK_OK(__sys_setsockopt(cl, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	CHECK_EQ(write(cl, "abc", 3), 3);
	CHECK_OK(close(cl));
	CHECK_EQ(read(a, buf, sizeof(buf)), 3);
	CHECK_ERRNO(read(a, buf, sizeof(buf)), ECONNRESET);
	CHECK_EQ(read(a, buf, sizeof(buf)), 0);
	/* And it cannot send (soisdisconnected's SS_CANTSENDMORE): EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(a, "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	/* Its pcb went with the reset (tcp_close): TCP's options and its name are
	 * ECONNRESET, the socket level's answer still. */
	CHECK_EQ(set_maxseg(a, 100), ECONNRESET);
	struct sockaddr_in gone;
	int gone_len = sizeof(gone);
	CHECK_ERRNO(__sys_getsockname(a, &gone, &gone_len), ECONNRESET);
	CHECK_EQ(nt_getsockopt_int(a, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	close(a);
	cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	l.l_linger = 5;
	CHECK_OK(__sys_setsockopt(cl, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	CHECK_EQ(write(cl, "d", 1), 1);
	CHECK_OK(close(cl));
	CHECK_EQ(read(a, buf, sizeof(buf)), 1);
	CHECK_EQ(read(a, buf, sizeof(buf)), 0);
	CHECK_EQ(set_maxseg(a, 100), 0);

	/* Accept filters: none exists (4.x GENERIC had no accf module). A listening
	 * socket reports an empty struct accept_filter_arg (256 zero bytes) and refuses
	 * a name with ENOENT once the whole struct is read; others say EINVAL. */
	static unsigned char afa[300];
	memset(afa, 0xa5, sizeof(afa));
	len = sizeof(afa);
	CHECK_OK(__sys_getsockopt(lst, SOL_SOCKET, SO_ACCEPTFILTER, afa, &len));
	CHECK_EQ(len, 256);
	for (int i = 0; i < 300; i++)
		CHECK_EQ(afa[i], i < 256 ? 0 : 0xa5);
	memset(afa, 0, sizeof(afa));
	memcpy(afa, "httpready", 10);
	CHECK_ERRNO(__sys_setsockopt(lst, SOL_SOCKET, SO_ACCEPTFILTER, afa, 256), ENOENT);
	CHECK_ERRNO(__sys_setsockopt(lst, SOL_SOCKET, SO_ACCEPTFILTER, afa, 16), EINVAL);
	CHECK_ERRNO(__sys_setsockopt(lst, SOL_SOCKET, SO_ACCEPTFILTER, (void *)16, 256), EFAULT);
	CHECK_ERRNO(__sys_setsockopt(a, SOL_SOCKET, SO_ACCEPTFILTER, afa, 256), EINVAL);
	len = sizeof(afa);
	CHECK_ERRNO(__sys_getsockopt(a, SOL_SOCKET, SO_ACCEPTFILTER, afa, &len), EINVAL);

	max_segment();
	PASS();
}
