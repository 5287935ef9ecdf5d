// abi: freebsd4-i386
/*
 * What 4.x's netstat -s, -m, -r, -rs and -i read, with the traffic of this case
 * counted in them (lo0 is the one interface: each datagram and each stream write
 * that moves bytes is one packet sent and received on it).
 *  - -s: net.inet.{tcp,udp,ip,igmp}.stats by name (304, 52, 116, 36 bytes), icmp's
 *    by number ({4,2,1,2}, 200 bytes) and maskrepl ({4,2,1,1}, 0). Three datagrams
 *    sent to a bound socket count as sent and received; one to a port nobody has as
 *    received, udps_noport, and an ICMP port unreachable out and in (icps_error,
 *    outhist[3], inhist[3]); a TCP connection counts an attempt, an accept, two
 *    connects, a data packet with its bytes each way, and closes; a refused connect
 *    an attempt and a conndrop. ips_total, ips_delivered and ips_localout count every
 *    packet.
 *  - -m: kern.ipc.mbtypes (64 bytes, all 0: no mbufs), kern.ipc.mbstat {1,30,8}
 *    (56 bytes: counts 0, i386's MSIZE 256 and MCLBYTES 2048), nmbclusters {1,30,9},
 *    kern.ipc.nmbufs 4 * nmbclusters.
 *  - -r: kldsym rt_tables, 34 pointers with only AF_INET's set; its radix_node_head's
 *    tree, walked as p_tree walks it, has one leaf that is not an end marker: the
 *    host route 127.0.0.1 (no mask), gateway 127.0.0.1, flags UP|HOST|LOCAL, on lo0
 *    (128 bytes readable at its if_name), MTU 16384; Refs counts the connected
 *    Internet sockets, Use the packets sent (ips_localout).
 *  - -rs: rtstat (10 bytes) and rttrash (4), zero.
 *  - -i: lo0's struct ifnet and 127.0.0.1's ifaddr carry the same packet and byte
 *    counts, in as out, the packets ips_localout's.
 *  - -z: root (not a prisoner, not another user: EPERM) writes the stats; the call
 *    copies the old struct out, then the new one in whole (shorter: EINVAL, longer:
 *    the excess ignored), and the counts go on from what was written.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/wait.h>

static int kmem;

struct counts {
	uint32_t ip[29], icmp[50], tcp[76], udp[13];
};

static void read_counts(struct counts *c)
{
	nt_sysctl_by_name("net.inet.ip.stats", c->ip, sizeof(c->ip));
	nt_sysctl_by_name("net.inet.tcp.stats", c->tcp, sizeof(c->tcp));
	nt_sysctl_by_name("net.inet.udp.stats", c->udp, sizeof(c->udp));
	int icmp_mib[4] = {4, 2, 1, 2};
	size_t len = sizeof(c->icmp);
	CHECK_OK(sysctl(icmp_mib, 4, c->icmp, &len, NULL, 0));
	CHECK_EQ(len, 200);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sin;
	nt_sockaddr_in(&sin, INADDR_LOOPBACK, port);
	return sin;
}

static uint32_t rt_tables, rtentry_addr, ifnet_head;

/* p_tree: in order, leaves without RNF_ROOT are routes. */
static int routes;
static void walk(uint32_t node)
{
	unsigned char rn[24];
	nt_kread(kmem, node, rn, sizeof(rn));
	int16_t bit;
	memcpy(&bit, rn + 8, 2);
	if (bit < 0) {
		if ((rn[11] & 2) == 0) {
			routes++;
			rtentry_addr = node;
		}
		CHECK_EQ(nt_word(rn, 20), 0); /* no duplicated keys */
		return;
	}
	walk(nt_word(rn, 16));
	walk(nt_word(rn, 20));
}

/* The one route's Refs and Use. */
static void route(uint32_t *refs, uint32_t *use)
{
	uint32_t tables[34];
	nt_kread(kmem, rt_tables, tables, sizeof(tables));
	for (int i = 0; i < 34; i++)
		CHECK(i == 2 ? tables[i] != 0 : tables[i] == 0);
	unsigned char head[124];
	nt_kread(kmem, tables[2], head, sizeof(head));
	routes = 0;
	walk(nt_word(head, 0));
	CHECK_EQ(routes, 1);
	unsigned char rt[148];
	nt_kread(kmem, rtentry_addr, rt, sizeof(rt));
	unsigned char key[16], want[16] = {16, AF_INET, 0, 0, 127, 0, 0, 1};
	nt_kread(kmem, nt_word(rt, 12), key, 16);
	CHECK(memcmp(key, want, 16) == 0);
	CHECK_EQ(nt_word(rt, 16), 0); /* a host route: no mask */
	nt_kread(kmem, nt_word(rt, 48), key, 16);
	CHECK(memcmp(key, want, 16) == 0);
	CHECK_EQ(nt_word(rt, 56), 0x200005);
	uint32_t first[2];
	nt_kread(kmem, ifnet_head, first, 8);
	CHECK_EQ(nt_word(rt, 60), first[0]);
	unsigned char ifp[216];
	nt_kread(kmem, nt_word(rt, 60), ifp, sizeof(ifp));
	char name[128];
	nt_kread(kmem, nt_word(ifp, 4), name, sizeof(name));
	CHECK(strcmp(name, "lo") == 0);
	CHECK_EQ(nt_word(rt, 80), 16384);
	*refs = nt_word(rt, 52);
	*use = nt_word(rt, 112);
}

/* lo0's counters, and 127.0.0.1's: packets in, out, bytes in, out. */
static void lo0(uint32_t c[4])
{
	uint32_t first[2];
	nt_kread(kmem, ifnet_head, first, 8);
	unsigned char ifp[216];
	nt_kread(kmem, first[0], ifp, sizeof(ifp));
	c[0] = nt_word(ifp, 72);
	c[1] = nt_word(ifp, 80);
	c[2] = nt_word(ifp, 92);
	c[3] = nt_word(ifp, 96);
	unsigned char link[272], inet[272];
	nt_kread(kmem, nt_word(ifp, 16), link, sizeof(link));
	nt_kread(kmem, nt_word(link, 96), inet, sizeof(inet));
	CHECK_EQ(inet[160 + 1], AF_INET);
	CHECK_EQ(nt_word(inet, 32), c[0]);
	CHECK_EQ(nt_word(inet, 40), c[1]);
	CHECK_EQ(nt_word(inet, 52), c[2]);
	CHECK_EQ(nt_word(inet, 56), c[3]);
}

struct jail4 {
	uint32_t version;
	const char *path;
	const char *hostname;
	uint32_t ip_number;
};

/* A child that writes udp.stats as `who`: refused (EPERM) before anything is read. */
static void refused_write(const char *who)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		uint32_t old[13], zero[13] = {0};
		size_t len = sizeof(old);
		if (strcmp(who, "nobody") == 0) {
			CHECK_OK(setuid(65534));
		} else {
			struct jail4 j = {0, "/", "stats.example", 0x7f000002};
			CHECK_OK(__sys_jail(&j));
		}
		old[0] = 0xdeadbeef;
		CHECK_ERRNO(sysctlbyname("net.inet.udp.stats", old, &len, zero, sizeof(zero)),
			    EPERM);
		CHECK_EQ(old[0], 0xdeadbeef);
		nt_sysctl_by_name("net.inet.udp.stats", old, sizeof(old));
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		FAIL("%s's write: child status %#x", who, status);
}

/* netstat -z: root writes zeros; the same call gives the counts before (copied out,
 * then in), and the counts go on from what was written. Other cases compare ip.stats
 * with lo0's counters, so only udp's and igmp's are written, and udp's are put back
 * (plus what this part sent) at the end. */
static void zeroing(void)
{
	static const uint32_t zero[13];
	uint32_t before[13], now[13], back[13];
	size_t len = sizeof(before);
	CHECK_OK(sysctlbyname("net.inet.udp.stats", before, &len, zero, sizeof(zero)));
	CHECK_EQ(len, 52);
	CHECK(before[10] >= 4);
	nt_sysctl_by_name("net.inet.udp.stats", now, sizeof(now));
	CHECK(memcmp(now, zero, sizeof(now)) == 0);
	int rx = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in there = loopback(7303);
	CHECK_OK(__sys_bind(rx, &there, sizeof(there)));
	CHECK_EQ(__sys_sendto(rx, "z", 1, 0, &there, sizeof(there)), 1);
	close(rx);
	nt_sysctl_by_name("net.inet.udp.stats", now, sizeof(now));
	CHECK_EQ(now[10], 1); /* udps_opackets */
	CHECK_EQ(now[0], 1);  /* udps_ipackets */
	CHECK_EQ(now[5], 0);
	/* A shorter struct is EINVAL, after the old value went out; nothing changes. */
	uint32_t out[13] = {0};
	len = sizeof(out);
	CHECK_ERRNO(sysctlbyname("net.inet.udp.stats", out, &len, zero, 51), EINVAL);
	CHECK(memcmp(out, now, sizeof(out)) == 0);
	nt_sysctl_by_name("net.inet.udp.stats", out, sizeof(out));
	CHECK(memcmp(out, now, sizeof(out)) == 0);
	/* Any struct goes in whole; a longer one's excess is ignored. */
	uint32_t longer[14];
	for (int i = 0; i < 13; i++)
		longer[i] = back[i] = before[i] + now[i];
	longer[13] = 77;
	CHECK_OK(sysctlbyname("net.inet.udp.stats", NULL, NULL, longer, sizeof(longer)));
	nt_sysctl_by_name("net.inet.udp.stats", now, sizeof(now));
	CHECK(memcmp(now, back, sizeof(now)) == 0);
	/* A bad new value: userland_sysctl's useracc looks at none of it (req.newlen is
	 * still 0 then), so the old struct goes out and the copy-in faults after. */
	memset(out, 0xa5, sizeof(out));
	len = sizeof(out);
	CHECK_ERRNO(sysctlbyname("net.inet.udp.stats", out, &len, nt_page_before_hole() + 4096,
				 sizeof(out)),
		    EFAULT);
	CHECK(memcmp(out, back, sizeof(out)) == 0);
	nt_sysctl_by_name("net.inet.udp.stats", now, sizeof(now));
	CHECK(memcmp(now, back, sizeof(now)) == 0);
	/* igmp's, which nothing counts, keeps what it is given. */
	uint32_t igmp[9], got[9];
	for (int i = 0; i < 9; i++)
		igmp[i] = 100 + i;
	CHECK_OK(sysctlbyname("net.inet.igmp.stats", NULL, NULL, igmp, sizeof(igmp)));
	nt_sysctl_by_name("net.inet.igmp.stats", got, sizeof(got));
	CHECK(memcmp(got, igmp, sizeof(got)) == 0);
	CHECK_OK(sysctlbyname("net.inet.igmp.stats", NULL, NULL, zero, sizeof(igmp)));
	/* Only root outside a jail writes them. */
	refused_write("nobody");
	refused_write("a prisoner");
}

int main(void)
{
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	rt_tables = nt_kldsym("rt_tables", 136);
	ifnet_head = nt_kldsym("ifnet", 8);
	uint32_t rtstat = nt_kldsym("rtstat", 10);
	uint32_t rttrash = nt_kldsym("rttrash", 4);
	unsigned char zeros[64] = {0}, buf[64];
	nt_kread(kmem, rtstat, buf, 10);
	CHECK(memcmp(buf, zeros, 10) == 0);
	nt_kread(kmem, rttrash, buf, 4);
	CHECK(memcmp(buf, zeros, 4) == 0);

	/* -m. */
	size_t len = 0;
	CHECK_OK(sysctlbyname("kern.ipc.mbtypes", NULL, &len, NULL, 0));
	CHECK_EQ(len, 64);
	nt_sysctl_by_name("kern.ipc.mbtypes", buf, 64);
	CHECK(memcmp(buf, zeros, 64) == 0);
	uint32_t mbstat[14];
	int mbstat_mib[3] = {1, 30, 8};
	len = sizeof(mbstat);
	CHECK_OK(sysctl(mbstat_mib, 3, mbstat, &len, NULL, 0));
	CHECK_EQ(len, 56);
	CHECK_EQ(mbstat[0], 0);
	CHECK_EQ(mbstat[9], 256);
	CHECK_EQ(mbstat[10], 2048);
	int nmbclusters, nmbufs;
	int clusters_mib[3] = {1, 30, 9};
	len = sizeof(nmbclusters);
	CHECK_OK(sysctl(clusters_mib, 3, &nmbclusters, &len, NULL, 0));
	nt_sysctl_by_name("kern.ipc.nmbufs", &nmbufs, 4);
	CHECK(nmbclusters >= 512 + 16 * 32 && nmbclusters <= 512 + 16 * 384);
	CHECK_EQ(nmbufs, 4 * nmbclusters);

	/* -s's others. */
	uint32_t igmp[9];
	nt_sysctl_by_name("net.inet.igmp.stats", igmp, sizeof(igmp));
	CHECK(memcmp(igmp, zeros, sizeof(igmp)) == 0);
	int maskrepl = -1;
	int maskrepl_mib[4] = {4, 2, 1, 1};
	len = sizeof(maskrepl);
	CHECK_OK(sysctl(maskrepl_mib, 4, &maskrepl, &len, NULL, 0));
	CHECK_EQ(maskrepl, 0);

	/* UDP. */
	static struct counts c0, c1, c2;
	uint32_t refs0, use0, refs1, use1;
	read_counts(&c0);
	route(&refs0, &use0);
	CHECK_EQ(use0, c0.ip[15]);
	int rx = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in there = loopback(7301);
	CHECK_OK(__sys_bind(rx, &there, sizeof(there)));
	int tx = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	char data[500];
	memset(data, 'd', sizeof(data));
	for (int i = 0; i < 3; i++)
		CHECK_EQ(__sys_sendto(tx, data, 100, 0, &there, sizeof(there)), 100);
	struct sockaddr_in nobody = loopback(7399);
	CHECK_EQ(__sys_sendto(tx, data, 10, 0, &nobody, sizeof(nobody)), 10);
	read_counts(&c1);
	CHECK_EQ(c1.udp[10] - c0.udp[10], 4);  /* udps_opackets */
	CHECK_EQ(c1.udp[0] - c0.udp[0], 4);    /* udps_ipackets */
	CHECK_EQ(c1.udp[5] - c0.udp[5], 1);    /* udps_noport */
	CHECK_EQ(c1.icmp[0] - c0.icmp[0], 1);  /* icps_error */
	CHECK_EQ(c1.icmp[6] - c0.icmp[6], 1);  /* icps_outhist[ICMP_UNREACH] */
	CHECK_EQ(c1.icmp[30] - c0.icmp[30], 1); /* icps_inhist[ICMP_UNREACH] */
	CHECK_EQ(c1.ip[15] - c0.ip[15], 5);    /* ips_localout */
	CHECK_EQ(c1.ip[0], c1.ip[15]);
	CHECK_EQ(c1.ip[14], c1.ip[15]);
	uint32_t l0[4], l1[4];
	lo0(l0);
	CHECK_EQ(l0[0], c1.ip[15]);
	CHECK_EQ(l0[0], l0[1]);
	CHECK_EQ(l0[2], l0[3]);
	close(tx);
	close(rx);

	/* TCP. */
	int listener = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in service = loopback(7302);
	CHECK_OK(__sys_bind(listener, &service, sizeof(service)));
	CHECK_OK(__sys_listen(listener, 5));
	int client = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(client, &service, sizeof(service)));
	int server = CHECK_OK(__sys_accept(listener, NULL, NULL));
	CHECK_EQ(write(client, data, 500), 500);
	CHECK_EQ(read(server, data, 500), 500);
	CHECK_EQ(write(server, data, 200), 200);
	CHECK_EQ(read(client, data, 200), 200);
	route(&refs1, &use1);
	CHECK_EQ(refs1 - refs0, 2);
	int refused = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in closed_port = loopback(7398);
	CHECK_ERRNO(__sys_connect(refused, &closed_port, sizeof(closed_port)),
		    ECONNREFUSED);
	close(refused);
	close(server);
	close(client);
	close(listener);
	read_counts(&c2);
	CHECK_EQ(c2.tcp[0] - c1.tcp[0], 2);     /* tcps_connattempt */
	CHECK_EQ(c2.tcp[1] - c1.tcp[1], 1);     /* tcps_accepts */
	CHECK_EQ(c2.tcp[2] - c1.tcp[2], 2);     /* tcps_connects */
	CHECK_EQ(c2.tcp[4] - c1.tcp[4], 1);     /* tcps_conndrops */
	CHECK(c2.tcp[5] - c1.tcp[5] >= 4);      /* tcps_closed */
	CHECK_EQ(c2.tcp[16] - c1.tcp[16], 2);   /* tcps_sndpack */
	CHECK_EQ(c2.tcp[17] - c1.tcp[17], 700); /* tcps_sndbyte */
	CHECK_EQ(c2.tcp[26] - c1.tcp[26], 2);   /* tcps_rcvpack */
	CHECK_EQ(c2.tcp[27] - c1.tcp[27], 700); /* tcps_rcvbyte */
	CHECK_EQ(c2.ip[15] - c1.ip[15], 2);
	lo0(l1);
	CHECK_EQ(l1[0] - l0[0], 2);
	/* Two packets of 700 bytes, each with IP's and TCP's 20-byte headers. */
	CHECK_EQ(l1[2] - l0[2], 700 + 2 * 40);
	route(&refs1, &use1);
	CHECK_EQ(refs1, refs0);
	CHECK_EQ(use1, c2.ip[15]);
	zeroing();
	close(kmem);
	return 0;
}
