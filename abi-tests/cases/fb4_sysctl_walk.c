// abi: freebsd4-i386
/*
 * The sysctl MIB as a tree, walked the way 4.x's /sbin/sysctl -a does it, with the
 * {0, x} meta-OIDs of 4.x kern_sysctl.c (sysctl_sysctl_name, sysctl_sysctl_next /
 * sysctl_sysctl_next_ls, sysctl_sysctl_name2oid, sysctl_sysctl_oidfmt, sysctl_root):
 *  - next {0,2} from {1}, then from each answer, visits every node the kernel serves
 *    once, in increasing OID order (kern.proc's table and args and vfs.generic, nodes with a
 *    handler, included; the inner nodes kern, kern.proc, kern.ipc, kern.devstat, vm,
 *    vfs, net.inet's protocols, hw, user,
 *    p1003_1b, jail not), and
 *    ends with ENOENT; for each,
 *    name {0,1} and oidfmt {0,4} are byte-exact (a u_int kind = CTLTYPE | flags, then
 *    the format and its NUL) and the value has the size its kind says;
 *  - name: numbers past the tree in decimal ("kern.proc.args.5", "kern.9999.3"), an
 *    inner node's name, the empty OID's ""; next: the empty OID's is {0,0}
 *    (sysctl.debug), a leaf's own number is passed over, and past a node's number its
 *    children are searched with the rest of the name (4.x's next of {1,13,7} and of
 *    {1,12,99} skip kern.proc.args);
 *  - name2oid {0,3}: inner nodes, a final '.', the name up to its first NUL; ENOENT
 *    past a leaf or a node with a handler, for an empty name; ENAMETOOLONG at
 *    MAXPATHLEN (1024) bytes; anyone may ask (CTLFLAG_ANYBODY);
 *  - errors: an inner node's value EISDIR, a number past a leaf ENOTDIR, an unknown
 *    one ENOENT (for oidfmt too); short buffers get what fits, ENOMEM and the bytes
 *    copied; a NULL oldlenp is a buffer of none (ENOMEM); a buffer not all mapped
 *    for its access, or past the user limit, EFAULT first (useracc); a new value for a read-only
 *    node EPERM, for a writable one without root EPERM; sysctl.debug EPERM without
 *    root, ENOENT with it.
 */
#include <nymph_test.h>
#include <sys/wait.h>

/* sys/sysctl.h: the longest name. */
#define CTL_MAXNAME 12

#define RD 0x80000000u
#define WR 0x40000000u
#define ANYBODY 0x10000000u
#define PRISON 0x04000000u
#define SECURE 0x08000000u
enum { NODE = 1, INT = 2, STRING = 3, OPAQUE = 5, LONG = 7, ULONG = 8 };

/* Every node the kernel serves, in walk order: OID, name, kind, format, value size
 * (0: a string, checked by its NUL; -1: no value without more of the name; -2: a
 * table of 1064-byte records, its size asked only; -3: the message buffer; -4: a
 * socket list; -5: a table of 256-byte struct ttys, the console's at least). */
static const struct node {
	int oid[4];
	int len;
	const char *name;
	unsigned kind;
	const char *fmt;
	int size;
} nodes[] = {
	{{1, 1}, 2, "kern.ostype", STRING | RD, "A", 0},
	{{1, 2}, 2, "kern.osrelease", STRING | RD, "A", 0},
	{{1, 3}, 2, "kern.osrevision", INT | RD, "I", 4},
	{{1, 4}, 2, "kern.version", STRING | RD, "A", 0},
	{{1, 6}, 2, "kern.maxproc", INT | RD, "I", 4},
	{{1, 7}, 2, "kern.maxfiles", INT | RD, "I", 4},
	{{1, 8}, 2, "kern.argmax", INT | RD, "I", 4},
	{{1, 9}, 2, "kern.securelevel", INT | RD, "I", 4},
	{{1, 10}, 2, "kern.hostname", STRING | RD | WR | PRISON, "A", 0},
	{{1, 11}, 2, "kern.hostid", ULONG | RD | WR, "LU", 4},
	{{1, 12}, 2, "kern.clockrate", OPAQUE | RD, "S,clockinfo", 20},
	/* The process table: records of 1064 bytes, room for five more when asked. */
	{{1, 14, 0}, 3, "kern.proc.all", NODE | RD, "N", -2},
	{{1, 14, 1}, 3, "kern.proc.pid", NODE | RD, "N", -1},
	{{1, 14, 2}, 3, "kern.proc.pgrp", NODE | RD, "N", -1},
	{{1, 14, 4}, 3, "kern.proc.tty", NODE | RD, "N", -1},
	{{1, 14, 5}, 3, "kern.proc.uid", NODE | RD, "N", -1},
	{{1, 14, 6}, 3, "kern.proc.ruid", NODE | RD, "N", -1},
	{{1, 14, 7}, 3, "kern.proc.args", NODE | RD | WR | ANYBODY, "N", -1},
	/* The open files (fb4_fstat reads them): filehead and a struct file each. */
	{{1, 15}, 2, "kern.file", OPAQUE | RD, "S,file", -4},
	{{1, 17}, 2, "kern.posix1version", INT | RD, "I", 4},
	{{1, 18}, 2, "kern.ngroups", INT | RD, "I", 4},
	{{1, 19}, 2, "kern.job_control", INT | RD, "I", 4},
	{{1, 20}, 2, "kern.saved_ids", INT | RD, "I", 4},
	{{1, 21}, 2, "kern.boottime", OPAQUE | RD, "S,timeval", 8},
	{{1, 22}, 2, "kern.domainname", STRING | RD | WR, "A", 0},
	{{1, 24}, 2, "kern.osreldate", INT | RD, "I", 4},
	{{1, 26}, 2, "kern.bootfile", STRING | RD | WR, "A", 0},
	{{1, 27}, 2, "kern.maxfilesperproc", INT | RD, "I", 4},
	{{1, 28}, 2, "kern.maxprocperuid", INT | RD, "I", 4},
	/* What netstat -m reads (fb4_netstat_stats). */
	{{1, 30, 8}, 3, "kern.ipc.mbstat", OPAQUE | RD, "S,mbstat", 56},
	{{1, 30, 9}, 3, "kern.ipc.nmbclusters", INT | RD, "I", 4},
	{{1, 30, 0x100}, 3, "kern.ipc.mbtypes", OPAQUE | RD, "LU", 64},
	{{1, 30, 0x101}, 3, "kern.ipc.nmbufs", INT | RD, "I", 4},
	{{1, 32}, 2, "kern.ps_strings", ULONG | RD, "LU", 4},
	{{1, 33}, 2, "kern.usrstack", ULONG | RD, "LU", 4},
	{{1, 34}, 2, "kern.logsigexit", INT | RD | WR, "I", 4},
	{{1, 0x100}, 2, "kern.corefile", STRING | RD | WR, "A", 0},
	{{1, 0x101}, 2, "kern.coredump", INT | RD | WR, "I", 4},
	{{1, 0x102}, 2, "kern.sugid_coredump", INT | RD | WR, "I", 4},
	{{1, 0x103}, 2, "kern.ccpu", INT | RD, "I", 4},
	{{1, 0x104}, 2, "kern.fscale", INT | RD, "I", 4},
	{{1, 0x105}, 2, "kern.ps_arg_cache_limit", INT | RD, "I", 4},
	{{1, 0x106}, 2, "kern.devname", OPAQUE | RD | WR | ANYBODY, "", -1},
	/* The message buffer, msg_size bytes (fb4_dmesg reads it). */
	{{1, 0x107}, 2, "kern.msgbuf", STRING | RD, "A", -3},
	{{1, 0x108}, 2, "kern.msgbuf_clear", INT | RD | WR | SECURE, "I", 4},
	/* The disk statistics (fb4_vmstat reads them): md0's struct devstat. */
	{{1, 0x109, 0x100}, 3, "kern.devstat.all", OPAQUE | RD, "S,devstat", 4 + 160},
	{{1, 0x109, 0x101}, 3, "kern.devstat.numdevs", INT | RD, "I", 4},
	{{1, 0x109, 0x102}, 3, "kern.devstat.generation", LONG | RD, "L", 4},
	{{1, 0x109, 0x103}, 3, "kern.devstat.version", INT | RD, "I", 4},
	/* /dev/klog's (fb4_klog). */
	{{1, 0x10a}, 2, "kern.log_console_output", INT | RD | WR, "I", 4},
	{{1, 0x10b}, 2, "kern.log_wakeups_per_second", INT | RD | WR, "I", 4},
	/* pstat -t's (fb4_ttys): the console at least. */
	{{1, 0x10c}, 2, "kern.ttys", OPAQUE | RD, "S,tty", -5},
	{{2, 1}, 2, "vm.vmmeter", OPAQUE | RD, "S,vmtotal", 48},
	{{2, 2}, 2, "vm.loadavg", OPAQUE | RD, "S,loadavg", 16},
	/* The zone header, no zone and no NUL. */
	{{2, 0x100}, 2, "vm.zone", STRING | RD, "A", 58},
	/* Read with no more of the name: the ovfsconf table, 48 bytes a type. */
	{{3, 0}, 2, "vfs.generic", NODE | RD, "N", 3 * 48},
	/* The socket lists (fb4_netstat reads them): two xinpgens at least. */
	{{4, 1, 1, 0x100}, 4, "net.local.stream.pcblist", RD, "S,xunpcb", -4},
	{{4, 1, 2, 0x100}, 4, "net.local.dgram.pcblist", RD, "S,xunpcb", -4},
	/* netstat -s's (fb4_netstat_stats), which root may write (netstat -z). */
	{{4, 2, 0, 12}, 4, "net.inet.ip.stats", OPAQUE | RD | WR, "S,ipstat", 116},
	{{4, 2, 1, 1}, 4, "net.inet.icmp.maskrepl", INT | RD, "I", 4},
	{{4, 2, 1, 2}, 4, "net.inet.icmp.stats", OPAQUE | RD | WR, "S,icmpstat", 200},
	{{4, 2, 2, 1}, 4, "net.inet.igmp.stats", OPAQUE | RD | WR, "S,igmpstat", 36},
	{{4, 2, 6, 4}, 4, "net.inet.tcp.stats", OPAQUE | RD | WR, "S,tcpstat", 304},
	{{4, 2, 6, 11}, 4, "net.inet.tcp.pcblist", RD, "S,xtcpcb", -4},
	{{4, 2, 17, 2}, 4, "net.inet.udp.stats", OPAQUE | RD | WR, "S,udpstat", 52},
	{{4, 2, 17, 5}, 4, "net.inet.udp.pcblist", RD, "S,xinpcb", -4},
	/* rtsock.c's handler node: three more numbers wanted (EINVAL without). */
	{{4, 17}, 2, "net.route", NODE | RD, "N", -1},
	{{6, 1}, 2, "hw.machine", STRING | RD, "A", 0},
	{{6, 2}, 2, "hw.model", STRING | RD, "A", 0},
	{{6, 3}, 2, "hw.ncpu", INT | RD, "I", 4},
	{{6, 4}, 2, "hw.byteorder", INT | RD, "I", 4},
	{{6, 5}, 2, "hw.physmem", ULONG | RD, "LU", 4},
	{{6, 6}, 2, "hw.usermem", INT | RD, "IU", 4},
	{{6, 7}, 2, "hw.pagesize", INT | RD, "I", 4},
	{{6, 10}, 2, "hw.floatingpoint", INT | RD, "I", 4},
	{{6, 11}, 2, "hw.machine_arch", STRING | RD, "A", 0},
	{{6, 0x100}, 2, "hw.availpages", INT | RD, "I", 4},
	/* kern_mib.c's dummies: 4.x libc answers CTL_USER itself. */
	{{8, 1}, 2, "user.cs_path", STRING | RD, "A", 0},
	{{8, 2}, 2, "user.bc_base_max", INT | RD, "I", 4},
	{{8, 3}, 2, "user.bc_dim_max", INT | RD, "I", 4},
	{{8, 4}, 2, "user.bc_scale_max", INT | RD, "I", 4},
	{{8, 5}, 2, "user.bc_string_max", INT | RD, "I", 4},
	{{8, 6}, 2, "user.coll_weights_max", INT | RD, "I", 4},
	{{8, 7}, 2, "user.expr_nest_max", INT | RD, "I", 4},
	{{8, 8}, 2, "user.line_max", INT | RD, "I", 4},
	{{8, 9}, 2, "user.re_dup_max", INT | RD, "I", 4},
	{{8, 10}, 2, "user.posix2_version", INT | RD, "I", 4},
	{{8, 11}, 2, "user.posix2_c_bind", INT | RD, "I", 4},
	{{8, 12}, 2, "user.posix2_c_dev", INT | RD, "I", 4},
	{{8, 13}, 2, "user.posix2_char_term", INT | RD, "I", 4},
	{{8, 14}, 2, "user.posix2_fort_dev", INT | RD, "I", 4},
	{{8, 15}, 2, "user.posix2_fort_run", INT | RD, "I", 4},
	{{8, 16}, 2, "user.posix2_localedef", INT | RD, "I", 4},
	{{8, 17}, 2, "user.posix2_sw_dev", INT | RD, "I", 4},
	{{8, 18}, 2, "user.posix2_upe", INT | RD, "I", 4},
	{{8, 19}, 2, "user.stream_max", INT | RD, "I", 4},
	{{8, 20}, 2, "user.tzname_max", INT | RD, "I", 4},
	/* posix4_mib.c 1.3.2.1: no mq_open_max (19) or sem_value_max (23). */
	{{9, 1}, 2, "p1003_1b.asynchronous_io", INT | RD, "I", 4},
	{{9, 2}, 2, "p1003_1b.mapped_files", INT | RD, "I", 4},
	{{9, 3}, 2, "p1003_1b.memlock", INT | RD, "I", 4},
	{{9, 4}, 2, "p1003_1b.memlock_range", INT | RD, "I", 4},
	{{9, 5}, 2, "p1003_1b.memory_protection", INT | RD, "I", 4},
	{{9, 6}, 2, "p1003_1b.message_passing", INT | RD, "I", 4},
	{{9, 7}, 2, "p1003_1b.prioritized_io", INT | RD, "I", 4},
	{{9, 8}, 2, "p1003_1b.priority_scheduling", INT | RD, "I", 4},
	{{9, 9}, 2, "p1003_1b.realtime_signals", INT | RD, "I", 4},
	{{9, 10}, 2, "p1003_1b.semaphores", INT | RD, "I", 4},
	{{9, 11}, 2, "p1003_1b.fsync", INT | RD, "I", 4},
	{{9, 12}, 2, "p1003_1b.shared_memory_objects", INT | RD, "I", 4},
	{{9, 13}, 2, "p1003_1b.synchronized_io", INT | RD, "I", 4},
	{{9, 14}, 2, "p1003_1b.timers", INT | RD, "I", 4},
	{{9, 15}, 2, "p1003_1b.aio_listio_max", INT | RD, "I", 4},
	{{9, 16}, 2, "p1003_1b.aio_max", INT | RD, "I", 4},
	{{9, 17}, 2, "p1003_1b.aio_prio_delta_max", INT | RD, "I", 4},
	{{9, 18}, 2, "p1003_1b.delaytimer_max", INT | RD, "I", 4},
	{{9, 20}, 2, "p1003_1b.pagesize", INT | RD, "I", 4},
	{{9, 21}, 2, "p1003_1b.rtsig_max", INT | RD, "I", 4},
	{{9, 22}, 2, "p1003_1b.sem_nsems_max", INT | RD, "I", 4},
	{{9, 24}, 2, "p1003_1b.sigqueue_max", INT | RD, "I", 4},
	{{9, 25}, 2, "p1003_1b.timer_max", INT | RD, "I", 4},
	{{0x100, 0x100}, 2, "jail.set_hostname_allowed", INT | RD | WR, "I", 4},
	{{0x100, 0x101}, 2, "jail.socket_unixiproute_only", INT | RD | WR, "I", 4},
	{{0x100, 0x102}, 2, "jail.sysvipc_allowed", INT | RD | WR, "I", 4},
};
#define NNODES (int)(sizeof(nodes) / sizeof(nodes[0]))

/* A meta query {0, which, oid...} into buf; gives the length, or -1 with errno. */
static long meta(int which, const int *oid, int len, void *buf, size_t room)
{
	int mib[CTL_MAXNAME];
	mib[0] = 0;
	mib[1] = which;
	memcpy(mib + 2, oid, (size_t)len * sizeof(int));
	size_t got = room;
	if (sysctl(mib, (unsigned)len + 2, buf, &got, NULL, 0) < 0)
		return -1;
	return (long)got;
}

/* Byte-exact name and oidfmt of an OID. */
static void check_name(const int *oid, int len, const char *want)
{
	char buf[128];
	memset(buf, 0x5a, sizeof(buf));
	long n = meta(1, oid, len, buf, sizeof(buf));
	if (n != (long)strlen(want) + 1 || memcmp(buf, want, (size_t)n) != 0 ||
	    buf[n] != 0x5a)
		FAIL("name of %d-number oid {%d,...}: %ld bytes \"%.*s\", wanted \"%s\"", len,
		     oid[0], n, n > 0 ? (int)n : 0, buf, want);
}

static void check_fmt(const int *oid, int len, unsigned kind, const char *fmt)
{
	unsigned char buf[64], want[64];
	memcpy(want, &kind, 4);
	memcpy(want + 4, fmt, strlen(fmt) + 1);
	long wn = 4 + (long)strlen(fmt) + 1;
	memset(buf, 0x5a, sizeof(buf));
	long n = meta(4, oid, len, buf, sizeof(buf));
	if (n != wn || memcmp(buf, want, (size_t)wn) != 0 || buf[n] != 0x5a) {
		unsigned got;
		memcpy(&got, buf, 4);
		FAIL("oidfmt of {%d,%d...}: %ld bytes, kind %#x \"%s\"; wanted %#x \"%s\"", oid[0],
		     len > 1 ? oid[1] : 0, n, got, n > 4 ? (char *)buf + 4 : "", kind, fmt);
	}
}

static void check_next(const int *oid, int len, const int *want, int wlen)
{
	int got[CTL_MAXNAME];
	memset(got, 0xa5, sizeof(got));
	long n = meta(2, oid, len, got, sizeof(got));
	if (n != (long)wlen * 4 || memcmp(got, want, (size_t)n) != 0)
		FAIL("next of {%d,%d...}: %ld bytes {%d,%d,%d}, wanted %d numbers {%d,%d,%d}",
		     len ? oid[0] : -1, len > 1 ? oid[1] : -1, n, got[0], got[1], got[2], wlen,
		     want[0], wlen > 1 ? want[1] : 0, wlen > 2 ? want[2] : 0);
	CHECK_EQ(got[wlen], (int)0xa5a5a5a5);
}

/* name2oid of `name` sent as `len` bytes: the OID's length in numbers, or -1. */
static long name2oid(const char *name, size_t len, int *oid)
{
	int mib[2] = {0, 3};
	size_t room = CTL_MAXNAME * sizeof(int);
	if (sysctl(mib, 2, oid, &room, name, len) < 0)
		return -1;
	return (long)(room / sizeof(int));
}

/* The walk: next from {1}, as 4.x sysctl_all(0, 0) starts it. */
static void walk(void)
{
	int oid[CTL_MAXNAME] = {1};
	int len = 1, seen = 0;
	for (;;) {
		int next[CTL_MAXNAME];
		long n = meta(2, oid, len, next, sizeof(next));
		if (n < 0) {
			CHECK_EQ(errno, ENOENT);
			break;
		}
		CHECK(n > 0 && n % 4 == 0);
		int nlen = (int)(n / 4);
		/* Strictly after the last one, in OID order. */
		if (seen > 0) {
			int i = 0;
			while (i < len && i < nlen && next[i] == oid[i])
				i++;
			if (!(i < len && i < nlen && next[i] > oid[i]))
				FAIL("next after %s is not later", nodes[seen - 1].name);
		}
		if (seen >= NNODES)
			FAIL("the walk goes on past %s (%d numbers, {%d,%d,...})",
			     nodes[NNODES - 1].name, nlen, next[0], next[1]);
		const struct node *want = &nodes[seen];
		if (nlen != want->len || memcmp(next, want->oid, (size_t)n) != 0)
			FAIL("walk step %d: {%d,%d,%d} (%d numbers), wanted %s", seen, next[0],
			     nlen > 1 ? next[1] : 0, nlen > 2 ? next[2] : 0, nlen, want->name);
		check_name(next, nlen, want->name);
		check_fmt(next, nlen, want->kind, want->fmt);
		/* The value, its size asked first as sysctl(8) does. */
		size_t size = 0;
		if (want->size == -2) {
			CHECK_OK(sysctl(next, (unsigned)nlen, NULL, &size, NULL, 0));
			CHECK(size >= 6 * 1064 && size % 1064 == 0);
		} else if (want->size == -4) {
			static char list[1 << 16];
			CHECK_OK(sysctl(next, (unsigned)nlen, NULL, &size, NULL, 0));
			CHECK(size >= 48 && size <= sizeof(list));
			size_t got = sizeof(list);
			CHECK_OK(sysctl(next, (unsigned)nlen, list, &got, NULL, 0));
			CHECK(got >= 48 && got <= size);
		} else if (want->size == -5) {
			static char list[64 * 256];
			CHECK_OK(sysctl(next, (unsigned)nlen, NULL, &size, NULL, 0));
			CHECK(size >= 256 && size % 256 == 0 && size <= sizeof(list));
			size_t got = sizeof(list);
			CHECK_OK(sysctl(next, (unsigned)nlen, list, &got, NULL, 0));
			CHECK_EQ(got, size);
		} else if (want->size == -3) {
			static char msgbuf[32768];
			CHECK_OK(sysctl(next, (unsigned)nlen, NULL, &size, NULL, 0));
			CHECK_EQ(size, sizeof(msgbuf));
			size_t got = sizeof(msgbuf);
			CHECK_OK(sysctl(next, (unsigned)nlen, msgbuf, &got, NULL, 0));
			CHECK_EQ(got, sizeof(msgbuf));
		} else if (want->size < 0) {
			CHECK_ERRNO(sysctl(next, (unsigned)nlen, NULL, &size, NULL, 0), EINVAL);
		} else {
			char val[1100];
			CHECK_OK(sysctl(next, (unsigned)nlen, NULL, &size, NULL, 0));
			CHECK(size > 0 && size <= sizeof(val));
			size_t got = sizeof(val);
			CHECK_OK(sysctl(next, (unsigned)nlen, val, &got, NULL, 0));
			CHECK_EQ(got, size);
			if (want->size == 0) {
				if (val[got - 1] != 0 || strlen(val) != got - 1)
					FAIL("%s: %u bytes, not one string", want->name, (unsigned)got);
			} else if ((int)got != want->size) {
				FAIL("%s: %u bytes, wanted %d", want->name, (unsigned)got, want->size);
			}
		}
		memcpy(oid, next, (size_t)n);
		len = nlen;
		seen++;
	}
	if (seen != NNODES)
		FAIL("the walk saw %d nodes, wanted %d (it stopped after %s)", seen, NNODES,
		     seen ? nodes[seen - 1].name : "nothing");
}

int main(void)
{
	walk();

	/* Names: numbers past the tree in decimal, inner nodes, the empty OID. */
	check_name((int[]){1, 14, 7, 5}, 4, "kern.proc.args.5");
	check_name((int[]){1, 9999, 3}, 3, "kern.9999.3");
	check_name((int[]){1, 1, -7}, 3, "kern.ostype.-7");
	check_name((int[]){2}, 1, "vm");
	check_name((int[]){0, 3}, 2, "sysctl.name2oid");
	check_name((int[]){42}, 1, "42");
	check_name(NULL, 0, "");
	/* Formats of inner nodes and the meta nodes themselves. */
	check_fmt((int[]){1}, 1, NODE | RD | WR, "N");
	check_fmt((int[]){1, 14}, 2, NODE | RD, "N");
	check_fmt((int[]){0, 3}, 2, RD | WR | ANYBODY, "I");
	check_fmt((int[]){0, 0}, 2, STRING | RD, "-");
	check_fmt((int[]){0, 4}, 2, NODE | RD, "N");
	/* A node with a handler is the answer whatever numbers follow it. */
	check_fmt((int[]){1, 14, 7, 99}, 4, NODE | RD | WR | ANYBODY, "N");

	/* Next: the first of all; a leaf's own number is passed over; below a node's
	 * number its children are searched with the rest of the name. */
	check_next(NULL, 0, (int[]){0, 0}, 2);
	check_next((int[]){0, 4}, 2, (int[]){1, 1}, 2);
	check_next((int[]){1}, 1, (int[]){1, 1}, 2);
	check_next((int[]){1, 12}, 2, (int[]){1, 14, 0}, 3);
	check_next((int[]){1, 12, 99}, 3, (int[]){1, 15}, 2);
	check_next((int[]){1, 13}, 2, (int[]){1, 14, 0}, 3);
	check_next((int[]){1, 13, 7}, 3, (int[]){1, 15}, 2);
	check_next((int[]){1, 15}, 2, (int[]){1, 17}, 2);
	check_next((int[]){1, 13, 6}, 3, (int[]){1, 14, 7}, 3);
	check_next((int[]){1, 33}, 2, (int[]){1, 34}, 2);
	check_next((int[]){1, 34}, 2, (int[]){1, 0x100}, 2);
	check_next((int[]){1, 0x102}, 2, (int[]){1, 0x103}, 2);
	check_next((int[]){1, 0x104}, 2, (int[]){1, 0x105}, 2);
	check_next((int[]){1, 0x105}, 2, (int[]){1, 0x106}, 2);
	check_next((int[]){1, 0x106}, 2, (int[]){1, 0x107}, 2);
	check_next((int[]){1, 0x108}, 2, (int[]){1, 0x109, 0x100}, 3);
	check_next((int[]){1, 0x109}, 2, (int[]){1, 0x109, 0x100}, 3);
	check_next((int[]){1, 0x109, 0x103}, 3, (int[]){1, 0x10a}, 2);
	check_next((int[]){1, 0x10b}, 2, (int[]){1, 0x10c}, 2);
	check_next((int[]){1, 0x10c}, 2, (int[]){2, 1}, 2);
	check_next((int[]){2, 1}, 2, (int[]){2, 2}, 2);
	check_next((int[]){2, 2}, 2, (int[]){2, 0x100}, 2);
	check_next((int[]){2, 0x100}, 2, (int[]){3, 0}, 2);
	check_next((int[]){3}, 1, (int[]){3, 0}, 2);
	check_next((int[]){3, 0}, 2, (int[]){4, 1, 1, 0x100}, 4);
	check_next((int[]){3, 0, 2, 1}, 4, (int[]){4, 1, 1, 0x100}, 4);
	check_next((int[]){4, 1, 1, 0x100}, 4, (int[]){4, 1, 2, 0x100}, 4);
	check_next((int[]){4, 1, 2, 0x100}, 4, (int[]){4, 2, 0, 12}, 4);
	check_next((int[]){4, 2, 6, 4}, 4, (int[]){4, 2, 6, 11}, 4);
	check_next((int[]){4, 2, 6, 11}, 4, (int[]){4, 2, 17, 2}, 4);
	check_next((int[]){4, 2}, 2, (int[]){4, 2, 0, 12}, 4);
	check_next((int[]){1, 28}, 2, (int[]){1, 30, 8}, 3);
	check_next((int[]){1, 30, 0x101}, 3, (int[]){1, 32}, 2);
	check_next((int[]){4, 2, 17, 5}, 4, (int[]){4, 17}, 2);
	check_next((int[]){4, 17}, 2, (int[]){6, 1}, 2);
	check_next((int[]){4, 17, 0, 0, 3}, 5, (int[]){6, 1}, 2);
	int buf[CTL_MAXNAME];
	check_next((int[]){6, 11}, 2, (int[]){6, 0x100}, 2);
	check_next((int[]){6, 0x100}, 2, (int[]){8, 1}, 2);
	check_next((int[]){7}, 1, (int[]){8, 1}, 2);
	check_next((int[]){8, 20}, 2, (int[]){9, 1}, 2);
	check_next((int[]){9, 18}, 2, (int[]){9, 20}, 2);
	check_next((int[]){9, 25}, 2, (int[]){0x100, 0x100}, 2);
	check_next((int[]){10}, 1, (int[]){0x100, 0x100}, 2);
	CHECK_ERRNO(meta(2, (int[]){0x100, 0x102}, 2, buf, sizeof(buf)), ENOENT);
	CHECK_ERRNO(meta(2, (int[]){0x101}, 1, buf, sizeof(buf)), ENOENT);

	/* name2oid. */
	int oid[CTL_MAXNAME];
	CHECK_EQ(name2oid("kern", 4, oid), 1);
	CHECK_EQ(oid[0], 1);
	CHECK_EQ(name2oid("kern.proc.args", 14, oid), 3);
	CHECK(oid[0] == 1 && oid[1] == 14 && oid[2] == 7);
	CHECK_EQ(name2oid("hw.model.", 9, oid), 2);
	CHECK(oid[0] == 6 && oid[1] == 2);
	CHECK_EQ(name2oid("kern.ostype\0junk", 16, oid), 2);
	CHECK(oid[0] == 1 && oid[1] == 1);
	CHECK_EQ(name2oid("sysctl.oidfmt", 13, oid), 2);
	CHECK(oid[0] == 0 && oid[1] == 4);
	CHECK_ERRNO(name2oid("kern.ostype.x", 13, oid), ENOENT);
	CHECK_ERRNO(name2oid("kern.proc.args.5", 16, oid), ENOENT);
	CHECK_ERRNO(name2oid("kern..ostype", 12, oid), ENOENT);
	CHECK_ERRNO(name2oid("\0kern", 5, oid), ENOENT);
	CHECK_ERRNO(name2oid("kern", 0, oid), ENOENT);
	static char huge[1024];
	memset(huge, 'k', sizeof(huge));
	CHECK_ERRNO(name2oid(huge, sizeof(huge), oid), ENAMETOOLONG);
	CHECK_ERRNO(name2oid(huge, sizeof(huge) - 1, oid), ENOENT);

	/* Lookup errors, for values and for oidfmt. */
	char s[64];
	size_t len = sizeof(s);
	CHECK_ERRNO(sysctl((int[]){1, 14}, 2, s, &len, NULL, 0), EISDIR);
	CHECK_ERRNO(sysctl((int[]){1, 1, 5}, 3, s, &len, NULL, 0), ENOTDIR);
	CHECK_ERRNO(sysctl((int[]){0, 3, 1}, 3, s, &len, NULL, 0), ENOTDIR);
	CHECK_ERRNO(sysctl((int[]){0, 9}, 2, s, &len, NULL, 0), ENOENT);
	CHECK_ERRNO(meta(4, (int[]){1, 9999}, 2, s, sizeof(s)), ENOENT);
	CHECK_ERRNO(meta(4, (int[]){1, 1, 5}, 3, s, sizeof(s)), ENOTDIR);
	CHECK_ERRNO(meta(4, NULL, 0, s, sizeof(s)), ENOENT);

	/* The values 4.x's GENERIC kernel gives: p1003_1b's facilities 0 but
	 * priority_scheduling (ksched), the user.* dummies 0 and "". */
	int v = -1;
	size_t vlen = sizeof(v);
	CHECK_OK(sysctl((int[]){9, 8}, 2, &v, &vlen, NULL, 0));
	CHECK_EQ(v, 1);
	vlen = sizeof(v);
	CHECK_OK(sysctl((int[]){9, 1}, 2, &v, &vlen, NULL, 0));
	CHECK_EQ(v, 0);
	CHECK_ERRNO(sysctl((int[]){9, 19}, 2, &v, &vlen, NULL, 0), ENOENT);
	vlen = sizeof(v);
	v = -1;
	CHECK_OK(sysctl((int[]){8, 8}, 2, &v, &vlen, NULL, 0));
	CHECK_EQ(v, 0);
	len = sizeof(s);
	memset(s, 0x5a, sizeof(s));
	CHECK_OK(sysctl((int[]){8, 1}, 2, s, &len, NULL, 0));
	CHECK_EQ(len, 1);
	CHECK_EQ(s[0], 0);
	CHECK_EQ(name2oid("p1003_1b.priority_scheduling", 28, oid), 2);
	CHECK_EQ(oid[0], 9);
	CHECK_EQ(oid[1], 8);

	/* Short buffers: what fits, ENOMEM, the bytes copied; sizes alone. */
	int ostype[2] = {1, 1};
	memset(s, 0x5a, sizeof(s));
	CHECK_ERRNO(meta(1, ostype, 2, s, 4), ENOMEM);
	CHECK(memcmp(s, "kern", 4) == 0 && s[4] == 0x5a);
	int mib[4] = {0, 1, 1, 1};
	len = 4;
	CHECK_ERRNO(sysctl(mib, 4, s, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 4);
	len = 0;
	CHECK_OK(sysctl(mib, 4, NULL, &len, NULL, 0));
	CHECK_EQ(len, sizeof("kern.ostype"));
	mib[1] = 4;
	len = 2;
	memset(s, 0x5a, sizeof(s));
	CHECK_ERRNO(sysctl(mib, 4, s, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 2);
	CHECK(s[0] == 3 && s[1] == 0 && s[2] == 0x5a);
	len = 0;
	CHECK_OK(sysctl(mib, 4, NULL, &len, NULL, 0));
	CHECK_EQ(len, 6);
	mib[1] = 2;
	mib[3] = 12;
	len = 4;
	memset(buf, 0xa5, sizeof(buf));
	CHECK_ERRNO(sysctl(mib, 4, buf, &len, NULL, 0), ENOMEM);
	CHECK_EQ(len, 4);
	CHECK(buf[0] == 1 && buf[1] == (int)0xa5a5a5a5);
	/* No oldlenp: a buffer of no bytes. */
	CHECK_ERRNO(sysctl(ostype, 2, s, NULL, NULL, 0), ENOMEM);
	CHECK_OK(sysctl(ostype, 2, NULL, NULL, NULL, 0));
	/* useracc: the whole buffer, as long as *oldlenp says, must be mapped for writing
	 * (and a new value's for reading), below the user limit, before anything is
	 * looked up; only the bytes the value needs are written otherwise. */
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(pages != MAP_FAILED);
	CHECK_OK(munmap(pages + 4096, 4096));
	len = 4096;
	CHECK_ERRNO(sysctl(ostype, 2, pages + 4096 - 16, &len, NULL, 0), EFAULT);
	CHECK_ERRNO(sysctl((int[]){1, 9999}, 2, pages + 4096 - 16, &len, NULL, 0), EFAULT);
	len = 16;
	CHECK_OK(sysctl(ostype, 2, pages + 4096 - 16, &len, NULL, 0));
	len = 0xffffffff;
	CHECK_ERRNO(sysctl(ostype, 2, s, &len, NULL, 0), EFAULT);
	len = 0;
	CHECK_ERRNO(sysctl(ostype, 2, (void *)0xc0000000u, &len, NULL, 0), EFAULT);
	CHECK_ERRNO(sysctl((int[]){1, 10}, 2, NULL, NULL, pages + 4096 - 4, 8), EFAULT);
	CHECK_OK(mprotect(pages, 4096, PROT_READ));
	len = 16;
	CHECK_ERRNO(sysctl(ostype, 2, pages, &len, NULL, 0), EFAULT);
	CHECK_OK(munmap(pages, 4096));

	/* Writes: read-only nodes, meta nodes, inner nodes. */
	CHECK_ERRNO(sysctl((int[]){0, 4, 1, 1}, 4, NULL, NULL, "x", 1), EPERM);
	CHECK_ERRNO(sysctl((int[]){6, 5}, 2, NULL, NULL, "xxxx", 4), EPERM);
	CHECK_ERRNO(sysctl((int[]){1, 14}, 2, NULL, NULL, "x", 1), EISDIR);
	/* A short buffer leaves a writable node as it was. */
	char host[256];
	len = sizeof(host);
	CHECK_OK(sysctl((int[]){1, 10}, 2, host, &len, NULL, 0));
	len = 1;
	CHECK_ERRNO(sysctl((int[]){1, 10}, 2, s, &len, "changed", 7), ENOMEM);
	len = sizeof(s);
	CHECK_OK(sysctl((int[]){1, 10}, 2, s, &len, NULL, 0));
	CHECK_EQ(strcmp(s, host), 0);
	/* sysctl.debug: root gets ENOENT (4.x prints the tree on the console). */
	CHECK_ERRNO(sysctl((int[]){0, 0}, 2, s, &len, NULL, 0), ENOENT);

	/* Without root: name2oid and the walk's queries work; writes to root's nodes and
	 * sysctl.debug are EPERM. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		CHECK_EQ(name2oid("kern.ostype", 11, oid), 2);
		check_fmt((int[]){1, 10}, 2, STRING | RD | WR | PRISON, "A");
		CHECK_ERRNO(sysctl((int[]){1, 10}, 2, NULL, NULL, "x", 1), EPERM);
		CHECK_ERRNO(sysctl((int[]){1, 0x101}, 2, NULL, NULL, &(int){0}, 4), EPERM);
		len = sizeof(s);
		CHECK_ERRNO(sysctl((int[]){0, 0}, 2, s, &len, NULL, 0), EPERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	PASS();
}
