// abi: freebsd4-i386
/*
 * What 4.x's netstat -an reads: kvm_nlist must find its first name, _ifnet (kldsym
 * "ifnet"), which netstat -i walks through /dev/kmem: lo0's struct ifnet ("lo" unit
 * 0, index 1, flags 0x8049, IFT_LOOP, MTU 16384), its link address (a 56-byte
 * sockaddr_dl inside the 272 bytes netstat reads of an ifaddr) and 127.0.0.1 (a
 * struct in_ifaddr, net 127 with the class A mask); then
 * net.inet.tcp.pcblist ({4,2,6,11}) and net.inet.udp.pcblist ({4,2,17,5}) by name,
 * sized first with a NULL buffer: a 24-byte struct xinpgen (length, count,
 * generation, socket generation), a record per socket (524-byte xtcpcb, 288-byte
 * xinpcb) from socket(2) on, the newest made first (an unbound one with no address
 * or port, CLOSED), the xinpgen again. In each record, where netstat
 * reads them: the ports and IPv4 addresses (network order), inp_vflag INP_IPV4,
 * inp_gencnt no newer than the list's, the TCP state (LISTEN, ESTABLISHED, and after
 * a shutdown FIN_WAIT_2 on that side and CLOSE_WAIT on the other), xso_protocol and
 * xso_family, SO_ACCEPTCONN and the listen queue (so_qlen, so_qlimit), and the bytes
 * waiting in so_rcv. A short buffer gets what fits and ENOMEM; a new value EPERM.
 *
 * And what every netstat lists: net.local.stream.pcblist and net.local.dgram.pcblist
 * (found by name), 772-byte struct xunpcb records in the same frame: so_pcb the
 * unpcb's address (xu_unpp), so_type, the receive queue, unp_vnode set for a bound
 * socket only, unp_conn the connected socket's unpcb, and the struct sockaddr_un of
 * a bound socket (an accepted one has its listener's) and of its peer.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/wait.h>

enum {
	TCP_PORT = 7301, UDP_PORT = 7302, UDP_PEER_PORT = 7303, UDP_LATE_PORT = 7304,
	UDP_EARLY_PORT = 7305,
};

/* Offsets in an xtcpcb (in an xinpcb: the same inpcb, the xsocket at 180). */
enum {
	FPORT = 28, LPORT = 30, FADDR = 44, LADDR = 60, VFLAG = 116, GENCNT = 172,
	T_STATE = 216, TCP_SOCKET = 416, UDP_SOCKET = 180,
	SO_OPTS = 10, SO_QLEN = 28, SO_QLIMIT = 32, PROTOCOL = 20, FAMILY = 24, RCV_CC = 48,
};
enum { CLOSED = 0, LISTEN = 1, ESTABLISHED = 4, CLOSE_WAIT = 5, FIN_WAIT_2 = 9 };

static unsigned char list[1 << 15];
static size_t list_len;
static uint32_t count;

static uint32_t u32_at(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t u16_at(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static int port_at(const unsigned char *p) { return p[0] << 8 | p[1]; }

/* The list as netstat reads it, checked whole; the record size. */
static void read_list(const char *name, size_t record)
{
	size_t size = 0;
	CHECK_OK(sysctlbyname(name, NULL, &size, NULL, 0));
	CHECK(size >= 48 && size <= sizeof list);
	list_len = sizeof list;
	CHECK_OK(sysctlbyname(name, list, &list_len, NULL, 0));
	CHECK(list_len <= size);
	CHECK_EQ(u32_at(list), 24);
	count = u32_at(list + 4);
	uint64_t gen;
	memcpy(&gen, list + 8, 8);
	CHECK_EQ(list_len, 48 + count * record);
	const unsigned char *trailer = list + list_len - 24;
	CHECK(memcmp(trailer, list, 24) == 0);
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = list + 24 + i * record;
		CHECK_EQ(u32_at(r), record);
		/* Internet records carry INP_IPV4; the gencnt is the pcb's. */
		if (record != 772)
			CHECK(r[VFLAG] & 1);
		uint64_t g;
		memcpy(&g, r + (record == 772 ? 8 + 52 : GENCNT), 8);
		CHECK(g >= 1 && g <= gen);
	}
}

/* The record whose local and foreign ports are these (0: any foreign). */
static const unsigned char *find(size_t record, int lport, int fport)
{
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = list + 24 + i * record;
		if (port_at(r + LPORT) == lport && (fport == 0 || port_at(r + FPORT) == fport))
			return r;
	}
	FAIL("no record for port %d -> %d", lport, fport);
}

static void check_tcp(const unsigned char *r, int state, uint32_t rcv)
{
	static const unsigned char loopback[4] = {127, 0, 0, 1};
	CHECK(memcmp(r + LADDR, loopback, 4) == 0);
	CHECK_EQ((int)u32_at(r + T_STATE), state);
	CHECK_EQ((int)u32_at(r + TCP_SOCKET + PROTOCOL), 6);
	CHECK_EQ((int)u32_at(r + TCP_SOCKET + FAMILY), 2);
	CHECK_EQ(u32_at(r + TCP_SOCKET + RCV_CC), rcv);
}

static int local_port(int s)
{
	unsigned char sa[16];
	int len = sizeof sa;
	CHECK_OK(__sys_getsockname(s, sa, &len));
	return nt_port_of(sa);
}

/* Offsets in an xunpcb. */
enum {
	XU_UNPP = 4, UNP_VNODE = 8 + 12, UNP_CONN = 8 + 24, UNP_ADDR = 8 + 40, XU_ADDR = 152,
	XU_CADDR = 408, XU_SO_TYPE = 664 + 8, XU_SO_PCB = 664 + 16, XU_RCV_CC = 664 + 48,
};

/* The xunpcb whose own address is `path` (NULL: the one whose peer's is). */
static const unsigned char *find_local(const char *path, const char *peer_path)
{
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = list + 24 + i * 772;
		const unsigned char *sa = r + (path ? XU_ADDR : XU_CADDR);
		const char *want = path ? path : peer_path;
		if (sa[0] == strlen(want) + 2 && sa[1] == 1 &&
		    memcmp(sa + 2, want, strlen(want)) == 0 && (path == NULL) == (r[XU_ADDR] == 0))
			return r;
	}
	FAIL("no Unix-domain record for %s / %s", path ? path : "-", peer_path ? peer_path : "-");
}

static void local_sockets(void)
{
	const char *path = "/tmp/fb4_netstat.sock";
	unlink(path);
	unsigned char sun[106];
	memset(sun, 0, sizeof sun);
	sun[1] = 1;
	memcpy(sun + 2, path, strlen(path));
	sun[0] = (unsigned char)(strlen(path) + 2);
	int srv = CHECK_OK(__sys_socket(1, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(srv, sun, sun[0]));
	CHECK_OK(__sys_listen(srv, 2));
	int cli = CHECK_OK(__sys_socket(1, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cli, sun, sun[0]));
	int conn = CHECK_OK(__sys_accept(srv, NULL, NULL));
	CHECK_EQ(write(cli, "unix", 4), 4);

	read_list("net.local.stream.pcblist", 772);
	CHECK(count >= 3);
	/* The listener and the accepted socket both have the path; the one with a peer
	 * is the accepted one, and the client's record names it as its peer. */
	const unsigned char *listener = NULL, *accepted = NULL;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = list + 24 + i * 772;
		if (r[XU_ADDR] == strlen(path) + 2 && memcmp(r + XU_ADDR + 2, path, strlen(path)) == 0) {
			if (u32_at(r + UNP_CONN) == 0)
				listener = r;
			else
				accepted = r;
		}
		CHECK_EQ(u32_at(r + XU_SO_PCB), u32_at(r + XU_UNPP));
	}
	CHECK(listener != NULL && accepted != NULL);
	CHECK(u32_at(listener + UNP_VNODE) != 0 && u32_at(listener + UNP_ADDR) != 0);
	CHECK_EQ(u16_at(listener + XU_SO_TYPE), 1);
	CHECK_EQ(u32_at(accepted + XU_RCV_CC), 4);
	const unsigned char *client = find_local(NULL, path);
	CHECK_EQ(u32_at(client + UNP_VNODE), 0);
	CHECK_EQ(u32_at(client + UNP_ADDR), 0);
	CHECK_EQ(u32_at(client + UNP_CONN), u32_at(accepted + XU_UNPP));
	CHECK_EQ(u32_at(accepted + UNP_CONN), u32_at(client + XU_UNPP));
	CHECK_EQ(u32_at(client + XU_RCV_CC), 0);

	/* A datagram pair: each the other's peer, type SOCK_DGRAM. */
	int sv[2];
	CHECK_OK(__sys_socketpair(1, SOCK_DGRAM, 0, sv));
	CHECK_EQ(write(sv[0], "dgram", 5), 5);
	read_list("net.local.dgram.pcblist", 772);
	CHECK(count >= 2);
	int pairs = 0;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = list + 24 + i * 772;
		CHECK_EQ(u16_at(r + XU_SO_TYPE), 2);
		if (u32_at(r + XU_RCV_CC) == 5) {
			for (uint32_t j = 0; j < count; j++) {
				const unsigned char *o = list + 24 + j * 772;
				if (u32_at(o + XU_UNPP) == u32_at(r + UNP_CONN) &&
				    u32_at(o + UNP_CONN) == u32_at(r + XU_UNPP))
					pairs++;
			}
		}
	}
	CHECK_EQ(pairs, 1);
	close(sv[0]);
	close(sv[1]);
	close(conn);
	close(cli);
	close(srv);
	unlink(path);
}

static int kmem;

/* netstat -i's walk (if.c intpr): ifnet's head, each struct ifnet (216 bytes), its
 * name (16 bytes), each ifaddr read as the 272-byte union with its sockaddr inside. */
static void interfaces(void)
{
	struct kld_sym_lookup l = {16, "ifnet", 0, 0};
	CHECK_OK(__sys_kldsym(0, 1, &l));
	CHECK_EQ(l.symsize, 8);
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	uint32_t head[2];
	nt_kread(kmem, l.symvalue, head, 8);
	uint32_t ifp = head[0];
	CHECK(ifp >= 0xc0000000u);
	CHECK_EQ(head[1], ifp + 8);
	unsigned char ifnet[216], name[16];
	nt_kread(kmem, ifp, ifnet, 216);
	nt_kread(kmem, u32_at(ifnet + 4), name, 16);
	CHECK(strcmp((char *)name, "lo") == 0);
	CHECK_EQ(u16_at(ifnet + 34), 0); /* if_unit */
	CHECK_EQ(u16_at(ifnet + 32), 1); /* if_index */
	CHECK_EQ(u16_at(ifnet + 38), 0x8049); /* UP, LOOPBACK, RUNNING, MULTICAST */
	CHECK_EQ(ifnet[52], 0x18); /* ifi_type IFT_LOOP */
	CHECK_EQ(u32_at(ifnet + 60), 16384); /* ifi_mtu */
	CHECK_EQ(u32_at(ifnet + 8), 0); /* the only interface */
	CHECK_EQ(u32_at(ifnet + 12), l.symvalue);

	/* The link address first: <Link#1>. */
	unsigned char ifa[272];
	uint32_t at = u32_at(ifnet + 16);
	nt_kread(kmem, at, ifa, 272);
	uint32_t sa = u32_at(ifa);
	CHECK(sa >= at && sa + 56 <= at + 272);
	const unsigned char *sdl = ifa + (sa - at);
	CHECK(sdl[0] == 56 && sdl[1] == 18 && u16_at(sdl + 2) == 1 && sdl[4] == 0x18);
	CHECK(sdl[5] == 3 && sdl[6] == 0 && memcmp(sdl + 8, "lo0", 3) == 0);
	CHECK_EQ(u32_at(ifa + 92), ifp); /* ifa_ifp */
	/* Then 127.0.0.1, network 127 (ia_subnet, ia_subnetmask in host order). */
	uint32_t next = u32_at(ifa + 96);
	nt_kread(kmem, next, ifa, 272);
	sa = u32_at(ifa);
	CHECK(sa >= next && sa + 16 <= next + 272);
	const unsigned char *sin = ifa + (sa - next);
	static const unsigned char loopback[4] = {127, 0, 0, 1};
	CHECK(sin[1] == 2 && memcmp(sin + 4, loopback, 4) == 0);
	CHECK_EQ(u32_at(ifa + 132), 0x7f000000);
	CHECK_EQ(u32_at(ifa + 136), 0xff000000);
	CHECK_EQ(u32_at(ifa + 96), 0); /* the last address */
	CHECK_EQ(u32_at(ifnet + 20), next + 96);
	/* Reads stay inside each object. */
	unsigned char more[280];
	CHECK_EQ(lseek(kmem, (off_t)next, SEEK_SET), (off_t)next);
	CHECK_ERRNO(read(kmem, more, 280), EFAULT);
	close(kmem);
}

int main(void)
{
	interfaces();

	int oid[12];
	size_t oidlen = sizeof oid;
	int meta[2] = {0, 3};
	const char *name = "net.inet.tcp.pcblist";
	CHECK_OK(sysctl(meta, 2, oid, &oidlen, name, strlen(name)));
	CHECK_EQ(oidlen, 16);
	CHECK(oid[0] == 4 && oid[1] == 2 && oid[2] == 6 && oid[3] == 11);

	/* A listener with a connection waiting to be accepted. */
	struct sockaddr_in sin;
	int srv = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(srv, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, TCP_PORT)));
	CHECK_OK(__sys_listen(srv, 5));
	int cli = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cli, &sin, sizeof sin));
	int cport = local_port(cli);
	read_list("net.inet.tcp.pcblist", 524);
	const unsigned char *r = find(524, TCP_PORT, 0);
	/* The newest first: the connection's server side, then the client, then the
	 * listener, whatever else is bound. */
	r = find(524, TCP_PORT, cport);
	check_tcp(r, ESTABLISHED, 0);
	const unsigned char *listener = NULL;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *x = list + 24 + i * 524;
		if (port_at(x + LPORT) == TCP_PORT && u32_at(x + T_STATE) == LISTEN)
			listener = x;
	}
	CHECK(listener != NULL);
	check_tcp(listener, LISTEN, 0);
	CHECK_EQ(port_at(listener + FPORT), 0);
	CHECK_EQ(u32_at(listener + FADDR), 0);
	CHECK(u16_at(listener + TCP_SOCKET + SO_OPTS) & 0x2);
	CHECK_EQ(u16_at(listener + TCP_SOCKET + SO_QLEN), 1);
	CHECK_EQ(u16_at(listener + TCP_SOCKET + SO_QLIMIT), 5);
	r = find(524, cport, TCP_PORT);
	check_tcp(r, ESTABLISHED, 0);
	CHECK(!(u16_at(r + TCP_SOCKET + SO_OPTS) & 0x2));

	/* Accepted, 7 bytes sent and not read, then the client shuts its sending. */
	int conn = CHECK_OK(__sys_accept(srv, NULL, NULL));
	CHECK_EQ(write(cli, "netstat", 7), 7);
	read_list("net.inet.tcp.pcblist", 524);
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *x = list + 24 + i * 524;
		if (port_at(x + LPORT) == TCP_PORT && u32_at(x + T_STATE) == LISTEN)
			CHECK_EQ(u16_at(x + TCP_SOCKET + SO_QLEN), 0);
	}
	check_tcp(find(524, TCP_PORT, cport), ESTABLISHED, 7);
	CHECK_OK(__sys_shutdown(cli, 1));
	read_list("net.inet.tcp.pcblist", 524);
	check_tcp(find(524, cport, TCP_PORT), FIN_WAIT_2, 0);
	check_tcp(find(524, TCP_PORT, cport), CLOSE_WAIT, 7);

	/* A short buffer: what fits, and ENOMEM. */
	size_t small = 30;
	static unsigned char part[30];
	CHECK_ERRNO(sysctlbyname("net.inet.tcp.pcblist", part, &small, NULL, 0), ENOMEM);
	CHECK_EQ(small, 30);
	CHECK(memcmp(part, list, 24) == 0);
	int one = 1;
	CHECK_ERRNO(sysctlbyname("net.inet.tcp.pcblist", NULL, NULL, &one, sizeof one), EPERM);

	/* UDP: a bound socket connected to another, with a datagram waiting. */
	int u1 = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	int u2 = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in a1, a2;
	CHECK_OK(__sys_bind(u1, &a1, nt_sockaddr_in(&a1, INADDR_LOOPBACK, UDP_PORT)));
	CHECK_OK(__sys_bind(u2, &a2, nt_sockaddr_in(&a2, INADDR_LOOPBACK, UDP_PEER_PORT)));
	CHECK_OK(__sys_connect(u2, &a1, sizeof a1));
	CHECK_EQ(write(u2, "datagram", 8), 8);
	read_list("net.inet.udp.pcblist", 288);
	r = find(288, UDP_PORT, 0);
	CHECK_EQ(port_at(r + FPORT), 0);
	CHECK_EQ((int)u32_at(r + UDP_SOCKET + PROTOCOL), 17);
	CHECK_EQ(u32_at(r + UDP_SOCKET + RCV_CC), 8);
	r = find(288, UDP_PEER_PORT, UDP_PORT);
	static const unsigned char loopback[4] = {127, 0, 0, 1};
	CHECK(memcmp(r + FADDR, loopback, 4) == 0);
	CHECK_EQ(u32_at(r + UDP_SOCKET + RCV_CC), 0);

	/* Every socket from socket(2) on, the newest made first (in_pcballoc's order, not
	 * bind's): an unbound one with no address or port (netstat's *.*), CLOSED. */
	int early = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	int late = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	int unbound = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in a3, a4;
	CHECK_OK(__sys_bind(late, &a3, nt_sockaddr_in(&a3, INADDR_LOOPBACK, UDP_LATE_PORT)));
	CHECK_OK(__sys_bind(early, &a4, nt_sockaddr_in(&a4, INADDR_LOOPBACK, UDP_EARLY_PORT)));
	read_list("net.inet.udp.pcblist", 288);
	CHECK_EQ(port_at(list + 24 + LPORT), 0);
	CHECK_EQ(u32_at(list + 24 + LADDR), 0);
	CHECK_EQ(port_at(list + 24 + FPORT), 0);
	CHECK(find(288, UDP_LATE_PORT, 0) < find(288, UDP_EARLY_PORT, 0));
	int fresh = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	read_list("net.inet.tcp.pcblist", 524);
	CHECK_EQ(port_at(list + 24 + LPORT), 0);
	CHECK_EQ(u32_at(list + 24 + LADDR), 0);
	CHECK_EQ((int)u32_at(list + 24 + T_STATE), CLOSED);
	close(fresh);
	close(unbound);
	close(late);
	close(early);

	local_sockets();

	close(u1);
	close(u2);
	close(conn);
	close(cli);
	close(srv);
	/* Closed sockets leave the lists. */
	read_list("net.inet.tcp.pcblist", 524);
	for (uint32_t i = 0; i < count; i++)
		CHECK(port_at(list + 24 + i * 524 + LPORT) != TCP_PORT);
	return 0;
}
