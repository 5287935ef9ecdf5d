// abi: freebsd4-i386
/*
 * What a UDP socket may ask to be told of each datagram it receives, as 4.x's
 * udp_input and ip_savecontrol add it to recvmsg's control, in this order:
 *  - SO_TIMESTAMP: SOL_SOCKET/SCM_TIMESTAMP, the arrival time as a struct timeval;
 *  - IP_RECVDSTADDR: IPPROTO_IP/IP_RECVDSTADDR, the address it was sent to;
 *  - IP_RECVIF: IPPROTO_IP/IP_RECVIF, the interface it came in on: lo0's 56-byte
 *    struct sockaddr_dl as if_attach made it (AF_LINK, index 1, IFT_LOOP, "lo0";
 *    ip_savecontrol copies it whole into a buffer with room for it);
 *  - IP_RECVOPTS and IP_RECVRETOPTS are kept and reported (1) but give nothing (4.x's
 *    ip_savecontrol never delivered them).
 * getsockopt reports SO_TIMESTAMP as its bit and the IP flags as 1. TCP and the Unix
 * domain take the options and add nothing. A control buffer cut at a record's end
 * gets the records that fit and no MSG_CTRUNC (recvit copies record by record); cut
 * inside one, MSG_CTRUNC. A peek (MSG_PEEK) gives the control too (soreceive copies
 * it), and leaves it for the receive.
 */
#include <nymph_fb4.h>
#include <sys/time.h>

static const unsigned char lo0_sdl[56] = {56, AF_LINK, 1, 0, 0x18, 3, 0, 0, 'l', 'o', '0'};

static unsigned char ctl[256];

/* Receives one datagram with `how` (recvmsg's flags) and room `room` for control;
 * returns msg_controllen. */
static int receive_how(int s, int how, int room, int *flags)
{
	char buf[16];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	memset(ctl, 0xee, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = room;
	CHECK_EQ(__sys_recvmsg(s, &m, how), 1);
	*flags = m.msg_flags;
	return m.msg_controllen;
}

static int receive(int s, int room, int *flags) { return receive_how(s, 0, room, flags); }

static const unsigned char *record(int at, int level, int type, int len)
{
	struct cmsghdr h;
	memcpy(&h, ctl + at, sizeof(h));
	CHECK_EQ(h.cmsg_len, len);
	CHECK_EQ(h.cmsg_level, level);
	CHECK_EQ(h.cmsg_type, type);
	return ctl + at + sizeof(h);
}

int main(void)
{
	struct sockaddr_in sin, to;
	int u = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_OK(__sys_bind(u, &sin, nt_sockaddr_in(&sin, INADDR_ANY, 7204)));
	int v = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	nt_sockaddr_in(&to, 0x7f000003, 7204);

	CHECK_EQ(nt_getsockopt_int(u, SOL_SOCKET, SO_TIMESTAMP), 0);
	nt_setsockopt_int(u, SOL_SOCKET, SO_TIMESTAMP, 5);
	CHECK_EQ(nt_getsockopt_int(u, SOL_SOCKET, SO_TIMESTAMP), SO_TIMESTAMP);
	static const int ipflags[] = {IP_RECVDSTADDR, IP_RECVIF, IP_RECVOPTS, IP_RECVRETOPTS};
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(nt_getsockopt_int(u, IPPROTO_IP, ipflags[i]), 0);
		nt_setsockopt_int(u, IPPROTO_IP, ipflags[i], 9);
		CHECK_EQ(nt_getsockopt_int(u, IPPROTO_IP, ipflags[i]), 1);
	}

	/* All three records, in ip_savecontrol's order. */
	struct timeval before, after;
	CHECK_OK(gettimeofday(&before, NULL));
	CHECK_EQ(__sys_sendto(v, "a", 1, 0, &to, sizeof(to)), 1);
	CHECK_OK(gettimeofday(&after, NULL));
	int flags;
	CHECK_EQ(receive(u, sizeof(ctl), &flags), 20 + 16 + 68);
	CHECK_EQ(flags, 0);
	struct timeval tv;
	memcpy(&tv, record(0, SOL_SOCKET, SCM_TIMESTAMP, 20), sizeof(tv));
	long t = tv.tv_sec * 1000000L + tv.tv_usec;
	CHECK(t >= before.tv_sec * 1000000L + before.tv_usec);
	CHECK(t <= after.tv_sec * 1000000L + after.tv_usec);
	uint32_t dst;
	memcpy(&dst, record(20, IPPROTO_IP, IP_RECVDSTADDR, 16), 4);
	CHECK_EQ(dst, nt_be32(0x7f000003));
	CHECK(memcmp(record(36, IPPROTO_IP, IP_RECVIF, 68), lo0_sdl, 56) == 0);

	/* Cut at a record's end: what fits, no MSG_CTRUNC; inside one: MSG_CTRUNC. */
	CHECK_EQ(__sys_sendto(v, "b", 1, 0, &to, sizeof(to)), 1);
	CHECK_EQ(receive(u, 36, &flags), 36);
	CHECK_EQ(flags, 0);
	record(20, IPPROTO_IP, IP_RECVDSTADDR, 16);
	CHECK_EQ(ctl[36], 0xee);
	CHECK_EQ(__sys_sendto(v, "c", 1, 0, &to, sizeof(to)), 1);
	CHECK_EQ(receive(u, 30, &flags), 30);
	CHECK_EQ(flags, MSG_CTRUNC);

	/* Each option alone. */
	nt_setsockopt_int(u, SOL_SOCKET, SO_TIMESTAMP, 0);
	nt_setsockopt_int(u, IPPROTO_IP, IP_RECVIF, 0);
	CHECK_EQ(__sys_sendto(v, "d", 1, 0, &to, sizeof(to)), 1);
	CHECK_EQ(receive(u, sizeof(ctl), &flags), 16);
	memcpy(&dst, record(0, IPPROTO_IP, IP_RECVDSTADDR, 16), 4);
	CHECK_EQ(dst, nt_be32(0x7f000003));
	/* A peek gives it, and leaves it. */
	CHECK_EQ(__sys_sendto(v, "p", 1, 0, &to, sizeof(to)), 1);
	CHECK_EQ(receive_how(u, MSG_PEEK, sizeof(ctl), &flags), 16);
	CHECK_EQ(flags, MSG_PEEK);
	memcpy(&dst, record(0, IPPROTO_IP, IP_RECVDSTADDR, 16), 4);
	CHECK_EQ(dst, nt_be32(0x7f000003));
	CHECK_EQ(receive(u, sizeof(ctl), &flags), 16);
	record(0, IPPROTO_IP, IP_RECVDSTADDR, 16);
	nt_setsockopt_int(u, IPPROTO_IP, IP_RECVDSTADDR, 0);
	nt_setsockopt_int(u, IPPROTO_IP, IP_RECVIF, 1);
	CHECK_EQ(__sys_sendto(v, "e", 1, 0, &to, sizeof(to)), 1);
	CHECK_EQ(receive(u, sizeof(ctl), &flags), 68);
	CHECK(memcmp(record(0, IPPROTO_IP, IP_RECVIF, 68), lo0_sdl, 56) == 0);
	/* None asked: no control (IP_RECVOPTS and IP_RECVRETOPTS still set). */
	nt_setsockopt_int(u, IPPROTO_IP, IP_RECVIF, 0);
	CHECK_EQ(__sys_sendto(v, "f", 1, 0, &to, sizeof(to)), 1);
	CHECK_EQ(receive(u, sizeof(ctl), &flags), 0);

	/* TCP and the Unix domain take them and add nothing. */
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7205)));
	CHECK_OK(__sys_listen(lst, 1));
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	nt_setsockopt_int(a, SOL_SOCKET, SO_TIMESTAMP, 1);
	nt_setsockopt_int(a, IPPROTO_IP, IP_RECVDSTADDR, 1);
	CHECK_EQ(nt_getsockopt_int(a, IPPROTO_IP, IP_RECVDSTADDR), 1);
	CHECK_EQ(write(cl, "g", 1), 1);
	CHECK_EQ(receive(a, sizeof(ctl), &flags), 0);
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	nt_setsockopt_int(sv[1], SOL_SOCKET, SO_TIMESTAMP, 1);
	CHECK_EQ(nt_getsockopt_int(sv[1], SOL_SOCKET, SO_TIMESTAMP), SO_TIMESTAMP);
	CHECK_EQ(write(sv[0], "h", 1), 1);
	CHECK_EQ(receive(sv[1], sizeof(ctl), &flags), 0);
	PASS();
}
