// abi: freebsd4-i386
/*
 * The last 4.3BSD (COMPAT_43) entries of 4.x, each through int $0x80:
 *  - ommap (71): old protection bits (1 exec, 2 write, 4 read) and flags (OMAP_ANON
 *    0x2, OMAP_SHARED 0x10, OMAP_COPY 0x20, OMAP_FIXED 0x100) become mmap's: a write
 *    through an OMAP_SHARED mapping reaches the file, a private one (flags 0 or
 *    OMAP_COPY) does not, a read-only one is SIGBUS on a write, OMAP_ANON is zeroed
 *    memory, OMAP_FIXED lands where asked; EBADF for a closed descriptor;
 *  - osigstack (112): struct sigstack {ss_sp, ss_onstack} byte-exact, the old one
 *    out first; the new stack has size 0 with ss_sp its top: an SA_ONSTACK handler's
 *    frame lies just below it, ss_onstack is 1 inside (and a nested signal stays
 *    below the running handler), 0 after; sigaltstack sees {sp, 0, 0}; EFAULT;
 *  - osendmsg (114) and orecvmsg (113) on AF_UNIX datagrams with struct omsghdr:
 *    old sockaddrs (16-bit family, no sa_len) both ways, msg_namelen cut to the room,
 *    access rights as bare ints (a passed file read back), msg_accrightslen the bytes
 *    copied (cut to its room; left alone when no rights came), the whole omsghdr
 *    byte-exact after; EINVAL past MLEN, EBADF, ENOTSOCK, EFAULT;
 *  - ogetdirentries (156): struct odirect records, each the getdirentries record with
 *    its d_type/d_namlen bytes made a 16-bit name length, *basep, end of directory,
 *    EFAULT for basep, from any offset inside the first block, EINVAL for a file,
 *    EBADF;
 *  - oquota (149): ENOSYS, and no SIGSYS;
 *  - ogetkerninfo (63): KINFO_CLOCKRATE and KINFO_LOADAVG as kern.clockrate and
 *    vm.loadavg with the size/where protocol (size asked, returned, ENOMEM when
 *    short), KINFO_BSDI_SYSINFO's 92-byte struct with string offsets, KINFO_PROC as
 *    kern.proc (EINVAL for all with an argument), EOPNOTSUPP for unknown ops, EFAULT.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

struct omsghdr_ {
	void *name;
	int namelen;
	void *iov;
	int iovlen;
	void *accrights;
	int accrightslen;
};

static int wait_child(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static void *ommap(void *addr, int len, int prot, int flags, int fd, long pos)
{
	return (void *)syscall(71, addr, len, prot, flags, fd, pos);
}

static void check_ommap(void)
{
	int fd = CHECK_OK(open("mapped", O_RDWR | O_CREAT | O_TRUNC, 0644));
	char page[PAGE];
	memset(page, 'f', sizeof page);
	CHECK_EQ(write(fd, page, PAGE), PAGE);
	CHECK_EQ(write(fd, page, PAGE), PAGE);

	/* Old read|write (4|2), OMAP_SHARED: the write reaches the file. */
	char *s = ommap(NULL, PAGE, 6, 0x10, fd, PAGE);
	CHECK(s != (char *)-1);
	CHECK_EQ(s[0], 'f');
	s[5] = 'S';
	char got;
	CHECK_EQ(pread(fd, &got, 1, PAGE + 5), 1);
	CHECK_EQ(got, 'S');

	/* Flags 0 (MAP_PRIVATE) and OMAP_COPY: private copies. */
	char *p = ommap(NULL, PAGE, 6, 0, fd, 0);
	CHECK(p != (char *)-1);
	p[1] = 'P';
	char *c = ommap(NULL, PAGE, 6, 0x20, fd, 0);
	CHECK(c != (char *)-1);
	c[2] = 'C';
	CHECK_EQ(c[1], 'f');
	CHECK_EQ(pread(fd, page, 3, 0), 3);
	CHECK_EQ(page[1], 'f');
	CHECK_EQ(page[2], 'f');

	/* Old read only (4), shared: reading works, a write is SIGBUS. Exec only (1)
	 * reads too (i386 has no execute-only pages). */
	char *r = ommap(NULL, PAGE, 4, 0x10, fd, 0);
	CHECK(r != (char *)-1);
	CHECK_EQ(r[0], 'f');
	char *x = ommap(NULL, PAGE, 1, 0x10, fd, 0);
	CHECK(x != (char *)-1);
	CHECK_EQ(x[0], 'f');
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		r[0] = 'W';
		_exit(0);
	}
	int status = wait_child(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	child = CHECK_OK(fork());
	if (child == 0) {
		x[0] = 'W';
		_exit(0);
	}
	status = wait_child(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	CHECK_EQ(pread(fd, &got, 1, 0), 1);
	CHECK_EQ(got, 'f');

	/* OMAP_ANON (descriptor -1): zeroed, writable; OMAP_FIXED replaces it in place. */
	unsigned char *a = ommap(NULL, 2 * PAGE, 6, 0x2, -1, 0);
	CHECK(a != (unsigned char *)-1);
	for (int i = 0; i < 2 * PAGE; i++)
		if (a[i] != 0)
			FAIL("anonymous byte %d is %d", i, a[i]);
	a[PAGE] = 7;
	unsigned char *f = ommap(a + PAGE, PAGE, 6, 0x2 | 0x100, -1, 0);
	CHECK(f == a + PAGE);
	CHECK_EQ(f[0], 0);

	/* A closed descriptor: EBADF. */
	CHECK(ommap(NULL, PAGE, 4, 0, 99, 0) == (void *)-1 && errno == EBADF);

	CHECK_OK(munmap(s, PAGE));
	CHECK_OK(munmap(p, PAGE));
	CHECK_OK(munmap(c, PAGE));
	CHECK_OK(munmap(r, PAGE));
	CHECK_OK(munmap(x, PAGE));
	CHECK_OK(munmap(a, 2 * PAGE));
	close(fd);
}

/* ---- osigstack ---- */

static char ostack[16 * 1024] __attribute__((aligned(16)));
static volatile uintptr_t outer_at, inner_at;
static volatile int nested;
static unsigned char inside[8];

static void on_usr2(int sig)
{
	volatile char here;
	(void)sig;
	inner_at = (uintptr_t)&here;
}

static void on_usr1(int sig)
{
	volatile char here;
	(void)sig;
	outer_at = (uintptr_t)&here;
	memset(inside, 0xee, sizeof inside);
	syscall(112, NULL, inside);
	if (nested)
		kill(getpid(), SIGUSR2);
}

static void check_osigstack(void)
{
	unsigned char oss[8];
	memset(oss, 0xee, sizeof oss);
	CHECK_OK(syscall(112, NULL, oss));
	static const unsigned char none[8] = {0};
	CHECK(memcmp(oss, none, 8) == 0);

	uint32_t top = (uint32_t)(uintptr_t)(ostack + sizeof ostack);
	uint32_t nss[2] = {top, 0};
	CHECK_OK(syscall(112, nss, NULL));
	memset(oss, 0xee, sizeof oss);
	CHECK_OK(syscall(112, NULL, oss));
	uint32_t want[2] = {top, 0};
	CHECK(memcmp(oss, want, 8) == 0);
	stack_t st;
	memset(&st, 0xee, sizeof st);
	CHECK_OK(sigaltstack(NULL, &st));
	CHECK_EQ((uint32_t)(uintptr_t)st.ss_sp, top);
	CHECK_EQ(st.ss_size, 0);
	CHECK_EQ(st.ss_flags, 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	sa.sa_handler = on_usr2;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));

	/* The frame (408 bytes) sits just below ss_sp; inside, ss_onstack is 1. */
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK(outer_at < top && outer_at >= top - 1024);
	uint32_t in_want[2] = {top, 1};
	CHECK(memcmp(inside, in_want, 8) == 0);
	memset(oss, 0xee, sizeof oss);
	CHECK_OK(syscall(112, NULL, oss));
	CHECK(memcmp(oss, want, 8) == 0);

	/* A signal taken on the stack stays below the running handler. */
	nested = 1;
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK(inner_at < outer_at && inner_at > (uintptr_t)ostack);
	nested = 0;

	/* ss_onstack set by the caller is kept (in a child: only a sigreturn clears it,
	 * and 4.x refuses to disable a stack in use): the stack counts as in use, and a
	 * handler runs on the interrupted stack. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		uint32_t flagged[2] = {top, 1};
		CHECK_OK(syscall(112, flagged, NULL));
		CHECK_OK(syscall(112, NULL, oss));
		CHECK(memcmp(oss, flagged, 8) == 0);
		volatile char mine;
		CHECK_OK(kill(getpid(), SIGUSR1));
		CHECK(outer_at < (uintptr_t)&mine && outer_at > (uintptr_t)&mine - 65536);
		memset(&st, 0, sizeof st);
		st.ss_flags = SS_DISABLE;
		CHECK_ERRNO(sigaltstack(&st, NULL), EINVAL);
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));

	/* Bad pointers: EFAULT (the old one is written before the new one is read). */
	CHECK_ERRNO(syscall(112, (void *)1, NULL), EFAULT);
	CHECK_ERRNO(syscall(112, NULL, (void *)1), EFAULT);
	/* Back to no alternate stack (the flag goes with it). */
	memset(&st, 0, sizeof st);
	st.ss_flags = SS_DISABLE;
	CHECK_OK(sigaltstack(&st, NULL));
	CHECK_OK(syscall(112, NULL, oss));
	uint32_t off[2] = {top, 0};
	CHECK(memcmp(oss, off, 8) == 0);
}

/* ---- osendmsg / orecvmsg ---- */

/* An old sockaddr for a Unix path: the family as a 16-bit word, then the path. */
static int old_sun(unsigned char *sa, const char *path)
{
	memset(sa, 0, 106);
	sa[0] = AF_UNIX;
	strcpy((char *)sa + 2, path);
	return 2 + (int)strlen(path);
}

static void check_omsg(void)
{
	int a = CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0));
	int b = CHECK_OK(__sys_socket(AF_UNIX, SOCK_DGRAM, 0));
	struct sockaddr_un sun;
	int alen = nt_sockaddr_un(&sun, "sa");
	CHECK_OK(__sys_bind(a, &sun, alen));
	/* bind takes the old layout too (a zero sa_family takes sa_len's byte). */
	unsigned char osa[106];
	int blen = old_sun(osa, "sb");
	CHECK_OK(__sys_bind(b, osa, blen));

	int file = CHECK_OK(open("passed", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(file, "rights", 6), 6);

	/* Send "hello" to "sb" by an old address, with one descriptor as access rights. */
	struct iovec iov = {(void *)"hello", 5};
	int rights[2] = {file, file};
	struct omsghdr_ m = {osa, blen, &iov, 1, rights, 4};
	CHECK_EQ(syscall(114, a, &m, 0), 5);

	char buf[16];
	unsigned char from[32];
	int got[4] = {-1, -1, -1, -1};
	struct iovec riov = {buf, sizeof buf};
	memset(from, 0xee, sizeof from);
	struct omsghdr_ r = {from, sizeof from, &riov, 1, got, sizeof got};
	CHECK_EQ(syscall(113, b, &r, 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	/* The sender's address in the old layout: family 1 as a u16, then "sa". */
	CHECK_EQ(r.namelen, alen);
	static const unsigned char sender[4] = {AF_UNIX, 0, 's', 'a'};
	CHECK(memcmp(from, sender, 4) == 0);
	CHECK_EQ(from[alen], 0xee);
	/* The rights: one int, a new descriptor for the same file. */
	CHECK_EQ(r.accrightslen, 4);
	CHECK(got[0] >= 0 && got[0] != file);
	CHECK_EQ(got[1], -1);
	char back[6];
	CHECK_EQ(pread(got[0], back, 6, 0), 6);
	CHECK(memcmp(back, "rights", 6) == 0);
	/* The rest of the omsghdr is as it was. */
	struct omsghdr_ want = {from, alen, &riov, 1, got, 4};
	CHECK(memcmp(&r, &want, sizeof r) == 0);
	close(got[0]);

	/* Two descriptors into room for one: the first only, accrightslen 4; a name cut
	 * to 3 bytes. */
	m.accrightslen = 8;
	CHECK_EQ(syscall(114, a, &m, 0), 5);
	got[0] = got[1] = -1;
	memset(from, 0xee, sizeof from);
	r = (struct omsghdr_){from, 3, &riov, 1, got, 4};
	CHECK_EQ(syscall(113, b, &r, 0), 5);
	CHECK_EQ(r.namelen, 3);
	CHECK(memcmp(from, sender, 3) == 0 && from[3] == 0xee);
	CHECK_EQ(r.accrightslen, 4);
	CHECK(got[0] >= 0);
	CHECK_EQ(got[1], -1);
	close(got[0]);

	/* No rights sent: accrightslen keeps what was there; a short buffer cuts the
	 * datagram. */
	m.accrights = NULL;
	m.accrightslen = 0;
	CHECK_EQ(syscall(114, a, &m, 0), 5);
	riov.iov_len = 2;
	r = (struct omsghdr_){NULL, 77, &riov, 1, got, 12};
	CHECK_EQ(syscall(113, b, &r, 0), 2);
	CHECK_EQ(r.namelen, 77);
	CHECK_EQ(r.accrightslen, 12);
	riov.iov_len = sizeof buf;

	/* Errors: past MLEN (236) EINVAL, a closed descriptor EBADF, nothing sent. */
	m.accrights = rights;
	m.accrightslen = 240;
	CHECK_ERRNO(syscall(114, a, &m, 0), EINVAL);
	int closed[1] = {99};
	m.accrights = closed;
	m.accrightslen = 4;
	CHECK_ERRNO(syscall(114, a, &m, 0), EBADF);
	CHECK_ERRNO(syscall(114, 99, &m, 0), EBADF);
	CHECK_ERRNO(syscall(114, file, &m, 0), ENOTSOCK);
	CHECK_ERRNO(syscall(114, a, (void *)1, 0), EFAULT);
	CHECK_ERRNO(syscall(113, b, (void *)1, 0), EFAULT);
	CHECK_ERRNO(syscall(113, 99, &r, 0), EBADF);
	CHECK_OK(fcntl(b, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(syscall(113, b, &r, 0), EAGAIN);
	close(a);
	close(b);
	close(file);
}

/* ---- ogetdirentries ---- */

static void check_odirents(void)
{
	CHECK_OK(mkdir("d", 0755));
	close(CHECK_OK(open("d/a", O_CREAT | O_WRONLY, 0644)));
	close(CHECK_OK(open("d/tenletters", O_CREAT | O_WRONLY, 0644)));
	int d = CHECK_OK(open("d", O_RDONLY));
	unsigned char nbuf[1024], obuf[1024];
	long base = -1;
	int n = CHECK_OK(__sys_getdirentries(d, nbuf, sizeof nbuf, &base));
	CHECK(n > 0);
	long after = CHECK_OK(lseek(d, 0, SEEK_CUR));
	CHECK_OK(lseek(d, 0, SEEK_SET));
	memset(obuf, 0xee, sizeof obuf);
	long obase = -1;
	CHECK_EQ(syscall(156, d, obuf, sizeof obuf, &obase), n);
	CHECK_EQ(obase, 0);
	CHECK_EQ(obuf[n], 0xee);
	/* Record by record: the same bytes but 6 and 7, which hold the name length as
	 * a u16. */
	int at = 0, names = 0;
	while (at < n) {
		uint16_t reclen, namlen;
		memcpy(&reclen, nbuf + at + 4, 2);
		memcpy(&namlen, obuf + at + 6, 2);
		CHECK(reclen > 0);
		CHECK_EQ(namlen, nbuf[at + 7]);
		CHECK(memcmp(obuf + at, nbuf + at, 6) == 0);
		CHECK(memcmp(obuf + at + 8, nbuf + at + 8, reclen - 8) == 0);
		if (namlen == 10 && memcmp(obuf + at + 8, "tenletters", 11) == 0)
			names++;
		at += reclen;
	}
	CHECK_EQ(names, 1);
	/* Then the end: 0 bytes, *basep where it stopped. */
	CHECK_EQ(syscall(156, d, obuf, sizeof obuf, &obase), 0);
	CHECK_EQ(obase, after);
	/* basep is copied out after the read: EFAULT with the offset moved. */
	CHECK_OK(lseek(d, 0, SEEK_SET));
	CHECK_ERRNO(syscall(156, d, obuf, sizeof obuf, NULL), EFAULT);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), after);
	/* From inside a record the walk goes by whatever bytes it finds there, as 4.x's:
	 * the count getdirentries gives, or EIO for a 0 length; the offset moves either
	 * way (a walk ending inside the last 8 bytes stopped the kernel). */
	for (int off = 1; off < 512; off++) {
		CHECK_EQ(lseek(d, off, SEEK_SET), off);
		int want = CHECK_OK(__sys_getdirentries(d, nbuf, 512, &base));
		CHECK_EQ(lseek(d, off, SEEK_SET), off);
		long r = syscall(156, d, obuf, 512, &obase);
		if (r < 0)
			CHECK_EQ(errno, EIO);
		else
			CHECK_EQ(r, want);
		CHECK_EQ(lseek(d, 0, SEEK_CUR), off + want);
	}
	int f = CHECK_OK(open("d/a", O_RDONLY));
	CHECK_ERRNO(syscall(156, f, obuf, sizeof obuf, &obase), EINVAL);
	CHECK_ERRNO(syscall(156, 99, obuf, sizeof obuf, &obase), EBADF);
	close(f);
	close(d);
}

/* ---- ogetkerninfo ---- */

#define KINFO_PROC (0 << 8)
#define KINFO_LOADAVG (5 << 8)
#define KINFO_CLOCKRATE (6 << 8)
#define KINFO_BSDI_SYSINFO (101 << 8)

static void check_kerninfo(void)
{
	/* The size alone, then the data: kern.clockrate's struct clockinfo. */
	size_t size = 0;
	CHECK_EQ(syscall(63, KINFO_CLOCKRATE, NULL, &size, 0), 20);
	CHECK_EQ(size, 20);
	unsigned char ci[24], sc[24];
	memset(ci, 0xee, sizeof ci);
	size = sizeof ci;
	CHECK_EQ(syscall(63, KINFO_CLOCKRATE, ci, &size, 0), 20);
	CHECK_EQ(size, 20);
	CHECK_EQ(ci[20], 0xee);
	int mib[2] = {1, 12};
	size_t len = sizeof sc;
	CHECK_OK(sysctl(mib, 2, sc, &len, NULL, 0));
	CHECK_EQ(len, 20);
	CHECK(memcmp(ci, sc, 20) == 0);
	/* Too short: what fits, ENOMEM, *size untouched. */
	memset(ci, 0xee, sizeof ci);
	size = 8;
	CHECK_ERRNO(syscall(63, KINFO_CLOCKRATE, ci, &size, 0), ENOMEM);
	CHECK(memcmp(ci, sc, 8) == 0 && ci[8] == 0xee);
	CHECK_EQ(size, 8);

	/* vm.loadavg: three averages and fscale 2048. */
	uint32_t la[4];
	size = sizeof la;
	CHECK_EQ(syscall(63, KINFO_LOADAVG | 0x12, la, &size, 7), 16);
	CHECK_EQ(la[3], 2048);

	/* BSDI's sysinfo: 92 bytes, then "FreeBSD", the release and "i386". */
	size = 0;
	int need = CHECK_OK(syscall(63, KINFO_BSDI_SYSINFO, NULL, &size, 0));
	CHECK_EQ(size, (size_t)need);
	unsigned char si[256];
	memset(si, 0xee, sizeof si);
	size = sizeof si;
	CHECK_EQ(syscall(63, KINFO_BSDI_SYSINFO, si, &size, 0), need);
	CHECK_EQ(size, (size_t)need);
	uint32_t machine, ostype, osrelease;
	memcpy(&machine, si, 4);
	memcpy(&ostype, si + 32, 4);
	memcpy(&osrelease, si + 36, 4);
	CHECK_EQ(ostype, 92);
	CHECK(strcmp((char *)si + ostype, "FreeBSD") == 0);
	CHECK_EQ(osrelease, 100);
	CHECK(strncmp((char *)si + osrelease, "4.", 2) == 0);
	CHECK(strcmp((char *)si + machine, "i386") == 0);
	CHECK_EQ(machine + 5, (uint32_t)need);
	for (int i = 4; i < 92; i++)
		if (i < 32 || i >= 40)
			CHECK_EQ(si[i], 0);
	CHECK_EQ(si[need], 0xee);
	/* A short buffer: that much, no error. */
	memset(si, 0xee, sizeof si);
	size = 10;
	CHECK_EQ(syscall(63, KINFO_BSDI_SYSINFO, si, &size, 0), 10);
	CHECK_EQ(size, 10);
	CHECK_EQ(si[10], 0xee);

	/* KINFO_PROC is kern.proc.<op>.<arg>: all with an argument is EINVAL; a pid's
	 * record is 4.x's 1064-byte kinfo_proc. */
	CHECK_ERRNO(syscall(63, KINFO_PROC, NULL, &size, 0), EINVAL);
	size = 0;
	CHECK_EQ(syscall(63, KINFO_PROC | 1, NULL, &size, getpid()), 1064);
	CHECK_EQ(size, 1064);
	CHECK_ERRNO(syscall(63, 0x7700, NULL, &size, 0), EOPNOTSUPP);
	/* KINFO_VNODE is kern.vnode, which 4.8 compiles out: ENOENT, size untouched;
	 * a buffer not writable over *size is EFAULT first. */
	size = 77;
	CHECK_ERRNO(syscall(63, 0x200, NULL, &size, 0), ENOENT);
	CHECK_EQ(size, 77);
	CHECK_ERRNO(syscall(63, 0x200, (void *)1, &size, 0), EFAULT);
	size = 20;
	CHECK_ERRNO(syscall(63, KINFO_CLOCKRATE, (void *)1, &size, 0), EFAULT);
	CHECK_ERRNO(syscall(63, KINFO_CLOCKRATE, NULL, (void *)1, 0), EFAULT);
}

int main(void)
{
	nt_scratch_dir("fb4_old_calls_more");
	check_ommap();
	check_osigstack();
	check_omsg();
	check_odirents();
	/* oquota: ENOSYS, and no SIGSYS (its default would end the case). */
	CHECK_ERRNO(syscall(149), ENOSYS);
	check_kerninfo();
	PASS();
}
