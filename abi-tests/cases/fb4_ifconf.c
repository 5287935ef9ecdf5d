// abi: freebsd4-i386
/*
 * The network interface as a 4.x program finds it through its sockets (if.c's
 * ifioctl and ifconf, in.c's in_control): lo0 alone, as a kernel without INET6 has
 * it once /etc/rc ran `ifconfig lo0 inet 127.0.0.1`:
 *  - SIOCGIFCONF: its link-level address (a 56-byte sockaddr_dl, 4.x's 54-byte struct
 *    with sdl_rcf and sdl_route rounded to a long: index 1, IFT_LOOP, "lo0"), which
 *    lengthens its entry to 72 bytes, then 127.0.0.1; entries go while
 *    more than an ifreq's room is left, a long one only when it fits; ifc_len says
 *    what was written. OSIOCGIFCONF cuts each address to a 16-byte osockaddr;
 *  - SIOCGIFFLAGS 0x8049 (UP, LOOPBACK, RUNNING, MULTICAST), SIOCGIFMTU 16384,
 *    SIOCGIFMETRIC 0; the rest of the ifreq comes back as it went;
 *  - an Internet socket's SIOCGIFADDR 127.0.0.1, SIOCGIFNETMASK 255.0.0.0 with
 *    sin_len 8 and no family, OSIOCGIFADDR's family as a short, SIOCGIFBRDADDR and
 *    SIOCGIFDSTADDR EINVAL; a Unix-domain socket's EOPNOTSUPP;
 *  - a name that is no interface (lo1, lo, lo0x) ENXIO; "lo00" is lo0;
 *  - changes: EPERM for a process that is not root, EOPNOTSUPP for root;
 *  - net.route's NET_RT_IFLIST (ifconfig's list) as sysctl_iflist writes it, lo0's
 *    traffic in its if_data; NET_RT_DUMP and NET_RT_FLAGS as sysctl_dumpentry writes
 *    the one route (127.0.0.1, UP|HOST|LOCAL, lo0), none with RTF_LLINFO (arp -a).
 */
#include <nymph_fb4.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

static unsigned char buf[160];

static int ifreq_ioctl(int s, unsigned long cmd, const char *name, struct ifreq *r)
{
	memset(r, 0x5a, sizeof(*r));
	memset(r->ifr_name, 0, sizeof(r->ifr_name));
	memcpy(r->ifr_name, name, strlen(name));
	return ioctl(s, cmd, r);
}

static void expect_conf(int s, unsigned long cmd, int room, const unsigned char *want, int n)
{
	struct ifconf c;
	memset(buf, 0xa5, sizeof(buf));
	c.ifc_len = room;
	c.ifc_buf = (unsigned)(unsigned long)buf;
	CHECK_OK(ioctl(s, cmd, &c));
	CHECK_EQ(c.ifc_len, n);
	for (int i = 0; i < (int)sizeof(buf); i++) {
		int e = i < n ? want[i] : 0xa5;
		if (buf[i] != e)
			FAIL("ifconf (room %d) byte %d: %#x, wanted %#x", room, i, buf[i], e);
	}
}

int main(void)
{
	int u = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));

	unsigned char want[104] = {0};
	memcpy(want, "lo0", 3);
	static const unsigned char sdl[56] = {56, 18, 1, 0, 0x18, 3, 0, 0, 'l', 'o', '0'};
	memcpy(want + 16, sdl, 56);
	memcpy(want + 72, "lo0", 3);
	static const unsigned char sin[16] = {16, 2, 0, 0, 127, 0, 0, 1};
	memcpy(want + 88, sin, 16);
	expect_conf(u, SIOCGIFCONF, sizeof(buf), want, 104);
	/* From a Unix-domain socket too (ifconf asks no protocol). */
	expect_conf(sv[0], SIOCGIFCONF, sizeof(buf), want, 104);
	/* Room for the first entry alone, then not even that (more than an ifreq must
	 * be left to start one, and a long one needs all of its bytes). */
	expect_conf(u, SIOCGIFCONF, 103, want, 72);
	expect_conf(u, SIOCGIFCONF, 72, want, 72);
	expect_conf(u, SIOCGIFCONF, 71, want, 0);
	expect_conf(u, SIOCGIFCONF, 32, want, 0);
	/* The old request: 16-byte osockaddrs, the family a short where sa_len was. */
	unsigned char old[64] = {0};
	memcpy(old, "lo0", 3);
	static const unsigned char osdl[16] = {18, 0, 1, 0, 0x18, 3, 0, 0, 'l', 'o', '0'};
	memcpy(old + 16, osdl, 16);
	memcpy(old + 32, "lo0", 3);
	static const unsigned char osin[16] = {2, 0, 0, 0, 127, 0, 0, 1};
	memcpy(old + 48, osin, 16);
	expect_conf(u, OSIOCGIFCONF, sizeof(buf), old, 64);

	struct ifreq r;
	CHECK_OK(ifreq_ioctl(u, SIOCGIFFLAGS, "lo0", &r));
	CHECK_EQ(r.ifr_ifru[0], 0x49);
	CHECK_EQ(r.ifr_ifru[1], 0x80);
	for (int i = 2; i < 16; i++)
		CHECK_EQ(r.ifr_ifru[i], 0x5a);
	CHECK_OK(ifreq_ioctl(sv[0], SIOCGIFMTU, "lo00", &r));
	CHECK_EQ(r.ifr_ifru[0] | r.ifr_ifru[1] << 8 | r.ifr_ifru[2] << 16 | r.ifr_ifru[3] << 24, 16384);
	CHECK_EQ(r.ifr_ifru[4], 0x5a);
	CHECK_OK(ifreq_ioctl(u, SIOCGIFMETRIC, "lo0", &r));
	CHECK_EQ(r.ifr_ifru[0] | r.ifr_ifru[1] | r.ifr_ifru[2] | r.ifr_ifru[3], 0);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCGIFFLAGS, "lo1", &r), ENXIO);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCGIFFLAGS, "lo", &r), ENXIO);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCGIFFLAGS, "lo0x", &r), ENXIO);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCGIFFLAGS, "ed0", &r), ENXIO);

	/* The Internet protocol's requests. */
	CHECK_OK(ifreq_ioctl(u, SIOCGIFADDR, "lo0", &r));
	CHECK(memcmp(r.ifr_ifru, sin, 16) == 0);
	CHECK(memcmp(r.ifr_name, "lo0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0);
	CHECK_OK(ifreq_ioctl(u, OSIOCGIFADDR, "lo0", &r));
	CHECK(memcmp(r.ifr_ifru, osin, 16) == 0);
	CHECK_OK(ifreq_ioctl(u, SIOCGIFNETMASK, "lo0", &r));
	static const unsigned char mask[16] = {8, 0, 0, 0, 255, 0, 0, 0};
	CHECK(memcmp(r.ifr_ifru, mask, 16) == 0);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCGIFBRDADDR, "lo0", &r), EINVAL);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCGIFDSTADDR, "lo0", &r), EINVAL);
	CHECK_ERRNO(ifreq_ioctl(sv[0], SIOCGIFADDR, "lo0", &r), EOPNOTSUPP);
	CHECK_ERRNO(ioctl(u, SIOCGIFADDR, (void *)16), EFAULT);

	/* Changes: root may ask, but nothing changes here; others may not. */
	CHECK_ERRNO(ifreq_ioctl(u, SIOCSIFFLAGS, "lo0", &r), EOPNOTSUPP);
	CHECK_ERRNO(ifreq_ioctl(u, SIOCSIFADDR, "lo0", &r), EOPNOTSUPP);
	CHECK_ERRNO(ifreq_ioctl(sv[0], SIOCSIFADDR, "lo0", &r), EOPNOTSUPP);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(1) != 0)
			_exit(1);
		if (ifreq_ioctl(u, SIOCSIFFLAGS, "lo0", &r) != -1 || errno != EPERM)
			_exit(2);
		if (ifreq_ioctl(u, SIOCSIFADDR, "lo0", &r) != -1 || errno != EPERM)
			_exit(3);
		if (ifreq_ioctl(u, SIOCGIFFLAGS, "lo0", &r) != 0)
			_exit(4);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The routing sysctl's interface list (what ifconfig reads): lo0's RTM_IFINFO
	 * (if_msghdr and its sockaddr_dl), then 127.0.0.1's RTM_NEWADDR (ifa_msghdr,
	 * netmask, address, destination address). */
	int mib[6] = {4, 17, 0, 0, 3, 0};
	uint32_t ipstat[29];
	size_t len = sizeof(ipstat);
	CHECK_OK(sysctlbyname("net.inet.ip.stats", ipstat, &len, NULL, 0));
	len = 0;
	CHECK_OK(sysctl(mib, 6, NULL, &len, NULL, 0));
	CHECK_EQ(len, 212);
	static unsigned char rt[256];
	memset(rt, 0xa5, sizeof(rt));
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 212);
	static const unsigned char ifm[24] = {152, 0, 5, 0x0e, 0x10, 0, 0, 0, 0x49, 0x80, 0, 0,
					      1, 0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0};
	CHECK(memcmp(rt, ifm, 24) == 0);
	CHECK_EQ(rt[24] | rt[25] << 8, 16384); /* ifi_mtu */
	/* lo0's traffic, in as out: ifi_ipackets, ifi_opackets, ifi_ibytes, ifi_obytes. */
	uint32_t longs[15];
	memcpy(longs, rt + 28, sizeof(longs));
	CHECK_EQ(longs[2], ipstat[15]);
	CHECK_EQ(longs[4], longs[2]);
	CHECK_EQ(longs[8], longs[7]);
	CHECK(longs[7] >= 20 * longs[2]);
	for (int i = 0; i < 15; i++)
		if (i != 2 && i != 4 && i != 7 && i != 8)
			CHECK_EQ(longs[i], 0); /* metric, baud rate, errors, multicasts */
	CHECK(memcmp(rt + 96, sdl, 56) == 0);
	static const unsigned char ifam[20] = {60, 0, 5, 0x0c, 0xa4, 0, 0, 0, 1, 0, 0, 0,
					       1, 0, 0, 0, 0, 0, 0, 0};
	CHECK(memcmp(rt + 152, ifam, 20) == 0);
	CHECK(memcmp(rt + 172, mask, 8) == 0);
	CHECK(memcmp(rt + 180, sin, 16) == 0);
	CHECK(memcmp(rt + 196, sin, 16) == 0);
	CHECK_EQ(rt[212], 0xa5);
	/* Filtered: AF_LINK has no address message; index 2 is no interface. */
	mib[3] = 18;
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 152);
	mib[3] = 0;
	mib[5] = 2;
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 0);
	mib[5] = 0;
	/* NET_RT_DUMP: the one route, 127.0.0.1 to itself on lo0, as an RTM_GET
	 * (rt_msghdr, destination, gateway). */
	mib[4] = 1;
	len = sizeof(rt);
	memset(rt, 0xa5, sizeof(rt));
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 92 + 32);
	static const unsigned char rtm[16] = {124, 0, 5, 4, 1, 0, 0, 0,
					      5, 0, 0x20, 0, 3, 0, 0, 0};
	CHECK(memcmp(rt, rtm, 16) == 0);
	uint32_t use, mtu, pksent;
	memcpy(&use, rt + 28, 4);
	memcpy(&mtu, rt + 36 + 4, 4);
	memcpy(&pksent, rt + 36 + 36, 4);
	CHECK_EQ(mtu, 16384);
	CHECK_EQ(pksent, use);
	CHECK(memcmp(rt + 92, sin, 16) == 0);
	CHECK(memcmp(rt + 108, sin, 16) == 0);
	/* AF_INET's alone; none of another family. */
	mib[3] = 2;
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 124);
	mib[3] = 18;
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 0);
	mib[3] = 0;
	/* NET_RT_FLAGS: arp -a's RTF_LLINFO finds none; RTF_HOST the route. */
	mib[4] = 2;
	mib[5] = 0x400;
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 0);
	mib[5] = 0x4;
	len = sizeof(rt);
	CHECK_OK(sysctl(mib, 6, rt, &len, NULL, 0));
	CHECK_EQ(len, 124);
	mib[5] = 0;
	mib[4] = 9;
	CHECK_ERRNO(sysctl(mib, 6, rt, &len, NULL, 0), EINVAL);
	mib[4] = 3;
	CHECK_ERRNO(sysctl(mib, 5, rt, &len, NULL, 0), EINVAL);
	CHECK_ERRNO(sysctl(mib, 6, NULL, NULL, rt, 4), EPERM);

	/* Routing requests: no routing table here. */
	/* SIOCADDRT of 4.3BSD: _IOW('r', 10, struct ortentry), 48 bytes. */
	CHECK_ERRNO(ioctl(u, 0x8030720aUL, &r), EOPNOTSUPP);
	PASS();
}
