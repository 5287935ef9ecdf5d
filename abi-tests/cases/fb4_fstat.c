// abi: freebsd4-i386
/*
 * What 4.x's fstat reads, walked as fstat walks it (dofiles, vtrans, ufs_filestat,
 * socktrans, pipetrans): kern.proc's kinfo_proc gives p_fd and p_textvp; /dev/kmem
 * reads the 156-byte struct filedesc0 there (fd_nfiles past NDFILE, so fd_ofiles is
 * followed), the descriptor array, a 56-byte struct file per descriptor, and:
 *  - a regular file: its 168-byte vnode (VREG, VT_UFS), its 256-byte inode (i_number
 *    and i_mode as stat gives them, i_size), the inode's specinfo (si_udev = st_dev)
 *    and the vnode's struct mount (f_mntonname as statfs gives it); f_flag's FREAD
 *    and FWRITE, f_offset;
 *  - a pipe: each end's struct pipe names the other (pipe_peer), the reading end
 *    counting the bytes waiting;
 *  - a Unix-domain socket pair: struct socket (SOCK_STREAM, connected), its protosw
 *    and domain (AF_LOCAL, named "local"), its unpcb's unp_conn the peer's unpcb;
 *    net.local.stream.pcblist's records (netstat -A) name the same unpcbs, and
 *    net.inet.tcp.pcblist's the same inpcb and tcpcb;
 *  - a TCP connection: domain "internet", protocol 6, the inpcb's inp_ppcb set; the
 *    same inpcb on tcb's list, which systat's netstat display walks (inp_list, each
 *    with its socket and tcpcb: the listener LISTEN, the client ESTABLISHED);
 *  - a kqueue: DTYPE_KQUEUE;
 *  - the working and root directories (fd_cdir, fd_rdir) and the text vnode
 *    (p_textvp): the inodes of ".", "/" and the program (fb4_fstat_mmap follows
 *    p_vmspace to the same vnode).
 * A dup names the same struct file; a child's table names its parent's files at the
 * same addresses; a zombie has no p_fd. Reads between a vnode and its inode fault.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int kmem;
enum { KINFO = 1064 };

static void kinfo(pid_t pid, unsigned char *k)
{
	int mib[4] = {1, 14, 1, pid};
	size_t len = KINFO;
	CHECK_OK(sysctl(mib, 4, k, &len, NULL, 0));
	CHECK_EQ(len, KINFO);
}

/* `pid`'s record in kern.proc.all (a zombie's too, which kern.proc.pid, pfind's,
 * does not find); 0 if there is none. */
static int kinfo_any(pid_t pid, unsigned char *k)
{
	static unsigned char all[64 * KINFO];
	int mib[3] = {1, 14, 0};
	size_t len = sizeof(all);
	CHECK_OK(sysctl(mib, 3, all, &len, NULL, 0));
	for (size_t at = 0; at + KINFO <= len; at += KINFO)
		if ((pid_t)nt_word(all + at, 52) == pid) {
			memcpy(k, all + at, KINFO);
			return 1;
		}
	return 0;
}

/* fd_ofiles[fd] of process `pid`. */
static uint32_t file_of(pid_t pid, int fd)
{
	static unsigned char k[KINFO];
	kinfo(pid, k);
	unsigned char fdesc[156];
	nt_kread(kmem, nt_word(k, 20), fdesc, sizeof(fdesc));
	CHECK(nt_word(fdesc, 20) > 20); /* fd_nfiles */
	uint16_t last;
	memcpy(&last, fdesc + 24, 2);
	CHECK(fd <= last);
	uint32_t ofiles[256];
	nt_kread(kmem, nt_word(fdesc, 0), ofiles, (last + 1u) * 4);
	return ofiles[fd];
}

struct kfile {
	uint16_t type;
	uint32_t flag, data;
	uint64_t offset;
};

static struct kfile read_file(uint32_t addr)
{
	unsigned char f[56];
	nt_kread(kmem, addr, f, sizeof(f));
	struct kfile kf;
	memcpy(&kf.type, f + 10, 2);
	kf.flag = nt_word(f, 12);
	memcpy(&kf.offset, f + 36, 8);
	kf.data = nt_word(f, 44);
	return kf;
}

/* ufs_filestat of vnode `vp`: its inode's number, mode, size; st_dev by specinfo. */
static void check_vnode(uint32_t vp, const struct stat *st, int vtype, const char *path)
{
	unsigned char v[168], ino[256], si[68];
	nt_kread(kmem, vp, v, sizeof(v));
	CHECK_EQ(nt_word(v, 72), (uint32_t)vtype);
	CHECK_EQ(nt_word(v, 116), 1); /* VT_UFS */
	nt_kread(kmem, nt_word(v, 120), ino, sizeof(ino));
	CHECK_EQ(nt_word(ino, 56), st->st_ino);
	uint16_t mode;
	memcpy(&mode, ino + 128, 2);
	CHECK_EQ(mode, st->st_mode);
	uint64_t size;
	memcpy(&size, ino + 136, 8);
	CHECK_EQ(size, (uint64_t)st->st_size);
	nt_kread(kmem, nt_word(ino, 52), si, sizeof(si));
	CHECK_EQ(nt_word(si, 4), st->st_dev);
	/* getmnton: the mount's f_mntonname. */
	unsigned char mnt[356];
	nt_kread(kmem, nt_word(v, 20), mnt, sizeof(mnt));
	struct statfs sfs;
	CHECK_OK(__sys_statfs(path, &sfs));
	CHECK(strcmp((char *)mnt + 152, (char *)sfs.f_mntonname) == 0);
	/* Between the vnode's 168 bytes and the inode: nothing. */
	char gap[4];
	CHECK_EQ(lseek(kmem, (off_t)vp + 168, SEEK_SET), (off_t)vp + 168);
	CHECK_ERRNO(read(kmem, gap, 4), EFAULT);
}

/* socktrans: the socket, its protosw and domain; the domain's name; the pcb. */
static uint32_t check_socket(uint32_t so_addr, int family, const char *name, int protocol)
{
	unsigned char so[180], pr[52], dom[44];
	char dname[32];
	nt_kread(kmem, so_addr, so, sizeof(so));
	uint16_t type, state;
	memcpy(&type, so, 2);
	memcpy(&state, so + 6, 2);
	CHECK_EQ(type, 1);
	CHECK(state & 0x2); /* SS_ISCONNECTED */
	nt_kread(kmem, nt_word(so, 12), pr, sizeof(pr));
	int16_t proto;
	memcpy(&proto, pr + 8, 2);
	CHECK_EQ(proto, protocol);
	nt_kread(kmem, nt_word(pr, 4), dom, sizeof(dom));
	CHECK_EQ(nt_word(dom, 0), (uint32_t)family);
	nt_kread(kmem, nt_word(dom, 4), dname, 31);
	dname[31] = 0;
	CHECK(strcmp(dname, name) == 0);
	return nt_word(so, 8); /* so_pcb */
}

int main(int argc, char **argv)
{
	(void)argc;
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	pid_t me = getpid();
	CHECK_OK(chdir("/tmp"));

	/* A regular file, read and written. */
	int file = CHECK_OK(open("fb4_fstat.data", O_RDWR | O_CREAT | O_TRUNC, 0640));
	char buf[123];
	memset(buf, 'f', sizeof(buf));
	CHECK_EQ(write(file, buf, sizeof(buf)), 123);
	struct stat st;
	CHECK_OK(fstat(file, &st));
	struct kfile kf = read_file(file_of(me, file));
	CHECK_EQ(kf.type, 1); /* DTYPE_VNODE */
	CHECK_EQ(kf.flag & 3, 3);
	CHECK_EQ(kf.offset, 123);
	check_vnode(kf.data, &st, 1, "fb4_fstat.data");
	/* A dup is the same struct file. */
	int copy = CHECK_OK(dup(file));
	CHECK_EQ(file_of(me, copy), file_of(me, file));
	close(copy);

	/* A pipe: each end names the other; the reading end counts what waits. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], buf, 10), 10);
	struct kfile r = read_file(file_of(me, p[0])), w = read_file(file_of(me, p[1]));
	CHECK_EQ(r.type, 3);
	CHECK_EQ(w.type, 3);
	CHECK_EQ(r.flag & 3, 1);
	CHECK_EQ(w.flag & 3, 2);
	unsigned char rp[160], wp[160];
	nt_kread(kmem, r.data, rp, sizeof(rp));
	nt_kread(kmem, w.data, wp, sizeof(wp));
	CHECK_EQ(nt_word(rp, 148), w.data);
	CHECK_EQ(nt_word(wp, 148), r.data);
	CHECK_EQ(nt_word(rp, 0), 10);
	CHECK_EQ(nt_word(wp, 0), 0);

	/* A local stream pair: unp_conn is the peer's unpcb. */
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_LOCAL, SOCK_STREAM, 0, sv));
	struct kfile s0 = read_file(file_of(me, sv[0])), s1 = read_file(file_of(me, sv[1]));
	CHECK_EQ(s0.type, 2);
	uint32_t pcb0 = check_socket(s0.data, AF_LOCAL, "local", 0);
	uint32_t pcb1 = check_socket(s1.data, AF_LOCAL, "local", 0);
	unsigned char unp[144];
	nt_kread(kmem, pcb0, unp, sizeof(unp));
	CHECK_EQ(nt_word(unp, 24), pcb1);
	nt_kread(kmem, pcb1, unp, sizeof(unp));
	CHECK_EQ(nt_word(unp, 24), pcb0);

	/* TCP over lo0: the inpcb's inp_ppcb (the tcpcb fstat prints). */
	int listener = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in sin;
	int sl = nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7401);
	CHECK_OK(__sys_bind(listener, &sin, sl));
	CHECK_OK(__sys_listen(listener, 1));
	int client = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(client, &sin, sl));
	struct kfile t = read_file(file_of(me, client));
	uint32_t inpcb = check_socket(t.data, AF_INET, "internet", 6);
	unsigned char inp[176];
	nt_kread(kmem, inpcb, inp, sizeof(inp));
	CHECK(nt_word(inp, 92) != 0);

	/* netstat -A prints the pcbs fstat prints: the client's xtcpcb carries the same
	 * inpcb and tcpcb, the socket pair's xunpcbs the same unpcbs. */
	static unsigned char list[1 << 15];
	size_t llen = sizeof(list);
	CHECK_OK(sysctlbyname("net.inet.tcp.pcblist", list, &llen, NULL, 0));
	int matched = 0;
	for (size_t at = 24; at + 524 <= llen; at += 524)
		if (nt_word(list + at + 4, 92) == nt_word(inp, 92)) {
			CHECK_EQ(nt_word(list + at + 416, 16), inpcb); /* xsocket's so_pcb */
			matched++;
		}
	CHECK_EQ(matched, 1);
	llen = sizeof(list);
	CHECK_OK(sysctlbyname("net.local.stream.pcblist", list, &llen, NULL, 0));
	matched = 0;
	for (size_t at = 24; at + 772 <= llen; at += 772)
		if (nt_word(list + at, 4) == pcb0) {
			CHECK_EQ(nt_word(list + at + 8, 24), pcb1); /* unp_conn */
			CHECK_EQ(nt_word(list + at + 664, 4), s0.data); /* xso_so */
			matched++;
		}
	CHECK_EQ(matched, 1);

	/* systat's netstat display: tcb's list of inpcbs, each with its socket and
	 * tcpcb; the client's inpcb is the one fstat finds behind its descriptor. */
	uint32_t head;
	nt_kread(kmem, nt_kldsym("tcb", 4), &head, 4);
	int seen_listener = 0, seen_client = 0;
	for (int n = 0; head != 0; n++) {
		CHECK(n < 1000);
		unsigned char in[176], so[180], tp[236];
		nt_kread(kmem, head, in, sizeof(in));
		nt_kread(kmem, nt_word(in, 100), so, sizeof(so));
		CHECK_EQ(nt_word(so, 8), head); /* so_pcb */
		nt_kread(kmem, nt_word(in, 92), tp, sizeof(tp));
		CHECK_EQ(nt_word(tp, 32), head); /* t_inpcb */
		int lport = in[26] << 8 | in[27], fport = in[24] << 8 | in[25];
		if (lport == 7401 && fport == 0) {
			CHECK_EQ(nt_word(tp, 36), 1); /* TCPS_LISTEN */
			seen_listener++;
		}
		if (fport == 7401 && head == inpcb) {
			CHECK_EQ(nt_word(tp, 36), 4); /* TCPS_ESTABLISHED */
			CHECK(memcmp(in + 40, "\x7f\0\0\x01", 4) == 0);
			seen_client++;
		}
		head = nt_word(in, 8); /* inp_list.le_next */
	}
	CHECK_EQ(seen_listener, 1);
	CHECK_EQ(seen_client, 1);
	nt_kread(kmem, nt_kldsym("udb", 4), &head, 4);
	for (int n = 0; head != 0; n++) {
		CHECK(n < 1000);
		unsigned char in[176];
		nt_kread(kmem, head, in, sizeof(in));
		head = nt_word(in, 8);
	}

	/* A kqueue. */
	int kq = CHECK_OK(__sys_kqueue());
	CHECK_EQ(read_file(file_of(me, kq)).type, 5);

	/* wd, root and text. */
	static unsigned char k[KINFO];
	kinfo(me, k);
	unsigned char fdesc[156];
	nt_kread(kmem, nt_word(k, 20), fdesc, sizeof(fdesc));
	struct stat dot, root, text;
	CHECK_OK(stat(".", &dot));
	CHECK_OK(stat("/", &root));
	check_vnode(nt_word(fdesc, 8), &dot, 2, ".");
	check_vnode(nt_word(fdesc, 12), &root, 2, "/");
	CHECK_OK(stat(argv[0], &text));
	check_vnode(nt_word(k, 228), &text, 1, argv[0]);

	/* pstat -f's kern.file: filehead, then each open file, linked by f_list, the
	 * regular file among them with the bytes /dev/kmem reads at its address. */
	int fmib[2] = {1, 15};
	size_t flen = 0;
	CHECK_OK(sysctl(fmib, 2, NULL, &flen, NULL, 0));
	static unsigned char ftab[4 + 300 * 56];
	CHECK(flen <= sizeof(ftab) && (flen - 4) % 56 == 0);
	size_t got = sizeof(ftab);
	CHECK_OK(sysctl(fmib, 2, ftab, &got, NULL, 0));
	CHECK_EQ((got - 4) % 56, 0);
	CHECK_EQ(flen, got + 10 * 56);
	uint32_t loc = nt_word(ftab, 0), mine = file_of(me, file);
	int found = 0;
	for (size_t at = 4; at < got; at += 56) {
		if (loc == mine) {
			unsigned char k_file[56];
			nt_kread(kmem, loc, k_file, sizeof(k_file));
			CHECK(memcmp(k_file + 8, ftab + at + 8, 48) == 0);
			found++;
		}
		loc = nt_word(ftab, at); /* f_list.le_next */
	}
	CHECK_EQ(loc, 0);
	CHECK_EQ(found, 1);
	/* ogetkerninfo's KINFO_FILE and KINFO_METER: the same tables. */
	int size = sizeof(ftab);
	CHECK_EQ(syscall(63, 3 << 8, ftab, &size, 0), got);
	int16_t meter[24];
	size = sizeof(meter);
	CHECK_EQ(syscall(63, 4 << 8, meter, &size, 0), 48);

	/* A child's table names the same files; a zombie has no p_fd. */
	int ready[2];
	CHECK_OK(pipe(ready));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		close(ready[1]);
		(void)read(ready[0], &c, 1);
		_exit(0);
	}
	close(ready[0]);
	CHECK_EQ(file_of(child, file), file_of(me, file));
	CHECK_EQ(file_of(child, p[0]), file_of(me, p[0]));
	close(ready[1]);
	for (int i = 0; i < 1000; i++) {
		CHECK(kinfo_any(child, k));
		if (k[48] == 5) /* SZOMB */
			break;
		usleep(1000);
	}
	CHECK_EQ(k[48], 5);
	CHECK_EQ(nt_word(k, 20), 0);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);

	/* A file gone: its struct file reads no more. */
	uint32_t gone = file_of(me, kq);
	close(kq);
	char b[4];
	CHECK_EQ(lseek(kmem, (off_t)gone, SEEK_SET), (off_t)gone);
	CHECK_ERRNO(read(kmem, b, 4), EFAULT);
	unlink("fb4_fstat.data");
	return 0;
}
