/*
 * Helpers for the FreeBSD-4-only cases (cases/fb4_*.c) that the 4.x libc-shim lacks
 * as library calls.
 */
#ifndef NYMPH_FB4_H
#define NYMPH_FB4_H

#include <nymph_test.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* A zeroed page of memory followed by an unmapped one, so that the returned address
 * + 4096 faults: for EFAULT part way through what a call copies. */
static inline unsigned char *nt_page_before_hole(void)
{
	unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	if (p == MAP_FAILED || munmap(p + 4096, 4096) != 0)
		FAIL("mapping a page before a hole: errno %s", nt_errname(errno));
	memset(p, 0, 4096);
	return p;
}

/* A 4.x call with one argument, made raw with int $0x80 (for the calls that answer in
 * eax with the carry flag clear, which libc-shim's stubs would take for an errno):
 * eax back, the carry flag in *cf. */
static inline long nt_int80_1(int nr, long arg, int *cf)
{
	long eax;
	unsigned char c;
	__asm__ volatile("pushl %3\n\t"
			 "pushl $0\n\t"
			 "int $0x80\n\t"
			 "setc %1\n\t"
			 "addl $8, %%esp"
			 : "=a"(eax), "=q"(c)
			 : "a"(nr), "g"(arg)
			 : "memory", "cc", "edx");
	*cf = c;
	return eax;
}

/* nt_int80_1 for a call that answers with a value: the case fails if carry is set. */
static inline long nt_int80_value(int nr, long arg)
{
	int cf;
	long eax = nt_int80_1(nr, arg, &cf);
	if (cf)
		FAIL("call %d: carry set, eax %ld", nr, eax);
	return eax;
}

/* The little-endian 32-bit word at byte `at` of `p` (a kernel struct read whole). */
static inline uint32_t nt_word(const void *p, size_t at)
{
	uint32_t w;
	memcpy(&w, (const char *)p + at, 4);
	return w;
}

/* The clock's rate (kern.clockrate's hz), the ticks 4.x counts its timeouts in. */
static inline int nt_hz(void)
{
	int mib[2] = {1, 12}, clock[5];
	size_t len = sizeof(clock);
	if (sysctl(mib, 2, clock, &len, NULL, 0) != 0)
		FAIL("kern.clockrate: errno %s", nt_errname(errno));
	return clock[0];
}

/* getrlimit(which), failing the case if the call does; the struct is poisoned first
 * so that a call writing nothing cannot pass. */
static inline struct rlimit nt_getrlimit(int which)
{
	struct rlimit rl;
	memset(&rl, 0xa5, sizeof(rl));
	if (__sys_getrlimit(which, &rl) < 0)
		FAIL("getrlimit(%d): errno %s", which, nt_errname(errno));
	return rl;
}

/* A sockaddr_un for `path`; returns the length bind and connect take (SUN_LEN). */
static inline int nt_sockaddr_un(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strcpy((char *)sun->sun_path, path);
	return 2 + (int)strlen(path);
}

/* 16 bits in network byte order (big-endian) from host order, and back. */
static inline uint16_t nt_be16(uint16_t x) { return (uint16_t)((x >> 8) | (x << 8)); }

/* 32 bits in network byte order from host order. */
static inline uint32_t nt_be32(uint32_t x)
{
	return (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
}

/* A sockaddr_in for `addr` (host order, e.g. INADDR_LOOPBACK) and `port`; returns
 * the length bind and connect take. */
static inline int nt_sockaddr_in(struct sockaddr_in *sin, uint32_t addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_port = nt_be16((uint16_t)port);
	sin->sin_addr.s_addr = nt_be32(addr);
	return sizeof(*sin);
}

/* `sa` (`len` bytes) is exactly the sockaddr_in of addr:port. */
#define nt_check_sin(sa, len, addr, port)                                              \
	do {                                                                           \
		struct sockaddr_in nt_want_;                                           \
		nt_sockaddr_in(&nt_want_, (addr), (port));                             \
		CHECK_EQ((len), 16);                                                   \
		CHECK(memcmp((sa), &nt_want_, 16) == 0);                               \
	} while (0)

/* The port of the sockaddr_in at `sa`, in host order. */
static inline int nt_port_of(const unsigned char *sa) { return sa[2] << 8 | sa[3]; }

/* An int socket option: getsockopt's value (checking it wrote 4 bytes), and setsockopt. */
static inline int nt_getsockopt_int(int s, int level, int name)
{
	int v = 0x5a5a5a5a, len = sizeof(v);
	CHECK_OK(__sys_getsockopt(s, level, name, &v, &len));
	CHECK_EQ(len, 4);
	return v;
}

static inline void nt_setsockopt_int(int s, int level, int name, int v)
{
	CHECK_OK(__sys_setsockopt(s, level, name, &v, sizeof(v)));
}

/* Forks a child that leads a new session whose controlling terminal is the pty slave
 * `s` (the master `m` closed in it), catching `sig` with `handler` (SA_RESTART) when
 * one is given. Returns the child's pid in the parent, once the child is set up, and
 * 0 in the child; a child that cannot set up exits 1. */
static inline pid_t nt_pty_session(int m, int s, int sig, void (*handler)(int))
{
	int ready[2];
	CHECK_OK(pipe(ready));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		close(m);
		close(ready[0]);
		if (handler) {
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = handler;
			sa.sa_flags = SA_RESTART;
			if (sigaction(sig, &sa, NULL) < 0)
				_exit(1);
		}
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		close(ready[1]);
		return 0;
	}
	close(ready[1]);
	char c;
	CHECK_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return child;
}

/* In a session leader with job control: forks a job into a group of its own, not in
 * front, with SIGTTIN and SIGTTOU at their defaults, doing `what`; fails unless it
 * stops by `sig` within 2 s (then kills and reaps it). */
static inline void nt_job_stops_by(void (*what)(void), int sig)
{
	pid_t job = CHECK_OK(fork());
	if (job == 0) {
		setpgid(0, 0);
		signal(SIGTTIN, SIG_DFL);
		signal(SIGTTOU, SIG_DFL);
		what();
		_exit(0);
	}
	setpgid(job, job);
	int status = 0;
	pid_t r = 0;
	for (int i = 0; i < 200 && r == 0; i++) {
		r = CHECK_OK(waitpid(job, &status, WUNTRACED | WNOHANG));
		if (r == 0)
			usleep(10000);
	}
	kill(job, SIGKILL);
	if (r == 0) {
		waitpid(job, &status, 0);
		FAIL("job neither stopped nor ended (wanted a stop by %d)", sig);
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != sig)
		FAIL("job status %#x, wanted a stop by %d", status, sig);
	CHECK_EQ(waitpid(job, &status, 0), job);
}

/* libkvm's live path: kvm_nlist asks kldsym(2) for a kernel variable by name (the
 * nlist name less its underscore) and gets its address; here its size must be
 * `want_size` too. kvm_read seeks /dev/kmem (open as `kmem`) to the address and
 * reads. */
static inline uint32_t nt_kldsym(const char *name, uint32_t want_size)
{
	struct kld_sym_lookup l = {16, name, 0, 0};
	CHECK_OK(__sys_kldsym(0, 1, &l));
	CHECK(l.symvalue >= 0xc0000000u);
	CHECK_EQ(l.symsize, want_size);
	return l.symvalue;
}

static inline void nt_kread(int kmem, uint32_t addr, void *buf, size_t len)
{
	CHECK_EQ(lseek(kmem, (off_t)addr, SEEK_SET), (off_t)addr);
	CHECK_EQ(read(kmem, buf, len), (ssize_t)len);
}

/* sysctlbyname's value, which must be `want` bytes. */
static inline void nt_sysctl_by_name(const char *name, void *buf, size_t want)
{
	size_t len = want;
	CHECK_OK(sysctlbyname(name, buf, &len, NULL, 0));
	CHECK_EQ(len, want);
}

#endif
