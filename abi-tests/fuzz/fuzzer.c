/*
 * The syscall fuzzer (run as init by `cargo xtask fuzz`), for the native ABI and for
 * FreeBSD 4.x i386 (built with libc-shim's freebsd4 flavour: `__FreeBSD_version`).
 *
 *   fuzzer SEED ITERATIONS PROCS [quiet]
 *
 * Forks PROCS workers; worker i draws its calls from SEED+i (splitmix64) out of the
 * generated table (fuzz_table.h, from the spec), with arguments from each argument's
 * declared kind: descriptors of its pool (files, a directory, pipes, /dev/null) or bad
 * ones, valid buffers or NULL / unmapped / kernel / misaligned / straddling pointers,
 * flags with undefined bits, sizes small, huge and negative. Each worker runs chrooted
 * in its own scratch directory. Unless `quiet`, each call is printed before it is made
 * ("FUZZ call w=W n=N name a0 a1 ..."). A worker killed by a signal (bad pointers in
 * user code) or blocked for 3 s (killed) is counted and restarted with its remaining
 * calls. Prints "FUZZ progress N" each second and "FUZZ done calls=N ..." at the end.
 * Exit status 0 unless a worker could not be killed or the setup failed.
 *
 * Native calls go in registers (`syscall`). FreeBSD 4.x calls go through `int $0x80`
 * with the number in eax and the arguments as 32-bit words on the stack above a return
 * address slot (a 64-bit off_t two words, low first, after the spec's pad word), now
 * and then through the indirect slots 0 (`syscall`) and 198 (`__syscall`, a quad
 * number) as 4.x libc's syscall() and __syscall() do.
 */
#include <dirent.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fuzz_table.h"

/* What the kernel says of process `pid` (procfs's status: its state and what it waits
 * for), to tell why it did not end. FreeBSD-4 builds mount procfs for it. */
static void print_status(pid_t pid)
{
#ifdef __FreeBSD_version
	static int mounted;
	if (!mounted) {
		mkdir("/proc", 0555);
		mounted = __sys_mount("procfs", "/proc", 0, NULL) == 0 ? 1 : -1;
	}
#endif
	char path[40], text[512];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("FUZZ status of pid %d: %s: errno %d\n", (int)pid, path, errno);
		return;
	}
	int n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	printf("FUZZ status of pid %d:\n%s\n", (int)pid, n > 0 ? text : "(gone)");
}

#define MAX_PROCS 32
#define CONSOLE_FD 100 /* the workers' console; never drawn as an argument */
#define BUF_SIZE 65536
#define STUCK_TICKS 15 /* 200 ms ticks without progress before a worker is killed */
#define PAGE 4096UL

struct slot {
	volatile unsigned long done;
	volatile long last_nr;
};

static struct slot *slots;
static int quiet;

static unsigned long long rng;
static unsigned long long next64(void)
{
	unsigned long long z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static unsigned long pick(unsigned long n) { return n ? (unsigned long)(next64() % n) : 0; }

/* A drawn argument: 64 bits whatever the ABI's word (a 4.x off_t is 64 bits too). */
typedef long long fz_val;

#ifdef __FreeBSD_version
/* Words copied to the stack for every call: more than any 4.x call reads. */
#define FZ_STACK_WORDS 16
_Static_assert(FZ_MAX_WORDS + 2 <= FZ_STACK_WORDS, "the widest call and an indirect number fit");

/*
 * long fz_trap(long eax, const unsigned int words[FZ_STACK_WORDS], int child_exits,
 *              unsigned int esp, int mode):
 * puts the words on the stack above a return-address slot, as a 4.x libc stub's
 * caller leaves them, and traps with int $0x80; with esp not 0, traps with esp there
 * instead (the caller put what words fit there), and takes its own stack back after.
 * Returns eax, or -eax (-errno) when the carry flag is set; edx goes to fz_edx. With
 * child_exits, the new process of fork/vfork/rfork (carry clear, edx 1: 4.x's mark
 * of the child; rfork without RFPROC leaves edx 0 in the caller) calls exit(0) at
 * once, from here, on fz_child_stack: it reads and writes nothing of the caller's
 * stack, which a vfork or rfork(RFMEM) child shares with its parent (and an RFMEM
 * parent goes on using meanwhile). `mode` (FZ_MODE_*) enters the kernel with the direction or
 * alignment-check flag set (both are cleared again after), or through `lcall $7,$0`.
 */
#define FZ_MODE_DF 1
#define FZ_MODE_AC 2
#define FZ_MODE_LCALL 4
long fz_trap(long eax, const unsigned int *words, int child_exits, unsigned int esp, int mode);
unsigned int fz_edx, fz_esp;
unsigned int fz_child_stack[8];
__asm__(".text\n"
	".globl fz_trap\n"
	".type fz_trap, @function\n"
	"fz_trap:\n"
	"	pushl %ebp\n"
	"	movl %esp, %ebp\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	pushl %ebx\n"
	"	movl 16(%ebp), %ebx\n"		/* child_exits, kept where the child finds it */
	"	subl $68, %esp\n"		/* the return-address slot and 16 words */
	"	movl 12(%ebp), %esi\n"
	"	leal 4(%esp), %edi\n"
	"	movl $16, %ecx\n"
	"	cld\n"
	"	rep movsl\n"
	"	movl $0, (%esp)\n"
	"	movl %esp, fz_esp\n"
	"	testl $2, 24(%ebp)\n"		/* FZ_MODE_AC, while the stack is ours */
	"	jz 7f\n"
	"	pushfl\n"
	"	orl $0x40000, (%esp)\n"
	"	popfl\n"
	"7:	movl 20(%ebp), %edx\n"
	"	testl %edx, %edx\n"
	"	jz 4f\n"
	"	movl %edx, %esp\n"		/* a stack the caller chose: bad, or at a hole */
	"4:	testl $1, 24(%ebp)\n"		/* FZ_MODE_DF */
	"	jz 8f\n"
	"	std\n"
	"8:	movl 8(%ebp), %eax\n"
	"	testl $4, 24(%ebp)\n"		/* FZ_MODE_LCALL */
	"	jnz 5f\n"
	"	int $0x80\n"
	"	jmp 6f\n"
	"5:	lcall $7, $0\n"
	"6:	jc 9f\n"
	"	cmpl $1, %edx\n"
	"	jne 9f\n"
	"	testl %ebx, %ebx\n"
	"	jz 9f\n"
	"	movl $fz_child_stack+32, %esp\n"	/* the child: exit(0) */
	"	pushl $0\n"
	"	pushl $0\n"
	"1:	movl $1, %eax\n"
	"	int $0x80\n"
	"	jmp 1b\n"
	"9:	movl fz_esp, %esp\n"		/* movl keeps the flags */
	"	cld\n"				/* the carry flag stays: AC goes via the stack */
	"	pushfl\n"
	"	andl $~0x40000, (%esp)\n"
	"	popfl\n"
	"	movl %edx, fz_edx\n"
	"	jnc 3f\n"
	"	negl %eax\n"
	"3:	addl $68, %esp\n"
	"	popl %ebx\n"
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebp\n"
	"	ret\n"
	".size fz_trap, .-fz_trap\n");
#else
static long raw_syscall(long nr, const long *a)
{
	long ret;
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void raw_exit(int code)
{
	long a[6] = {code, 0, 0, 0, 0, 0};
	raw_syscall(0, a);
	for (;;)
		;
}
#endif

/* The worker's memory: a buffer, and a region whose last page is inaccessible. */
static unsigned char *buf;
static unsigned char *edge; /* PAGE bytes, then an inaccessible page */
static int pool[16];
static int npool;

static const char *names[] = {"f0", "f1", "d0", "d0/f2", "/", ".", "..", "", "lnk", "d0/..", "/f1", "nx/y"};

#ifdef __FreeBSD_version
#define ALTSTACK_SIZE (4 * PAGE)
static unsigned char *altstack;
static volatile unsigned long caught;
static void on_signal(int sig)
{
	(void)sig;
	caught++;
}

/*
 * Handlers, so that signals the fuzzing raises (SIGCHLD of fork's children, kill of
 * the worker's group) are delivered through 4.x signal frames and come back through
 * sigreturn, now and then while a call runs on a bad stack: SIGCHLD (SA_RESTART),
 * SIGINFO (SA_SIGINFO), SIGWINCH on the alternate stack (SA_ONSTACK), SIGURG through
 * the 4.3BSD osigaction (46), whose handlers get the old-style frame and osigreturn.
 * Reinstalled with the pool: the fuzzed sigaction calls set SIG_DFL.
 */
static void setup_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, 0);
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGINFO, &sa, 0);
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGWINCH, &sa, 0);
	struct osigaction osa = {(uint32_t)(uintptr_t)on_signal, 0, SA_RESTART};
	unsigned int w[FZ_STACK_WORDS] = {SIGURG, (uint32_t)(uintptr_t)&osa, 0};
	fz_trap(46, w, 0, 0, 0);
	stack_t ss = {(uint32_t)(uintptr_t)altstack, ALTSTACK_SIZE, 0};
	unsigned int v[FZ_STACK_WORDS] = {(uint32_t)(uintptr_t)&ss, 0};
	fz_trap(53, v, 0, 0, 0);
}
#endif

static void setup_pool(void)
{
#ifdef __FreeBSD_version
	setup_signals();
#endif
	for (int fd = 3; fd < CONSOLE_FD; fd++)
		close(fd);
	npool = 0;
	/* O_NONBLOCK: the fuzzing may have made f0 or f1 a FIFO, whose open would wait. */
	pool[npool++] = open("f0", O_RDWR | O_CREAT | O_NONBLOCK, 0644);
	pool[npool++] = open("f1", O_RDONLY | O_CREAT | O_NONBLOCK, 0644);
#ifdef O_DIRECTORY
	pool[npool++] = open(".", O_RDONLY | O_DIRECTORY);
#else
	pool[npool++] = open(".", O_RDONLY);
#endif
	int p[2];
#ifdef O_CLOEXEC
	if (pipe2(p, O_NONBLOCK) == 0) {
#else /* 4.x has no pipe2 */
	if (pipe(p) == 0) {
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		fcntl(p[1], F_SETFL, O_NONBLOCK);
#endif
		pool[npool++] = p[0];
		pool[npool++] = p[1];
	}
	pool[npool++] = 0;
#ifdef AT_FDCWD
	pool[npool++] = AT_FDCWD;
#endif
}

static fz_val draw_int(int bits, int is_signed)
{
	static const fz_val special[] = {0, 1, -1, 2, 0x7fffffffLL, -0x80000000LL, 0x7fffffffffffffffLL, 4096, 255, -4096};
	fz_val v;
	switch (pick(4)) {
	case 0: v = special[pick(sizeof special / sizeof special[0])]; break;
	case 1: v = (fz_val)pick(64); break;
	default: v = (fz_val)next64(); break;
	}
	if (bits < 64) {
		unsigned long long m = (1ULL << bits) - 1;
		v = (fz_val)((unsigned long long)v & m);
		if (is_signed && (v & (1LL << (bits - 1))))
			v |= (fz_val)~m;
	}
	return v;
}

static fz_val draw_fd(void)
{
	static const fz_val bad[] = {-1, -100, 1, 2, 63, 64, 1000, 0x7fffffff, -0x80000000LL, 99};
	if (pick(10) < 8 && npool)
		return pool[pick((unsigned long)npool)];
	return bad[pick(sizeof bad / sizeof bad[0])];
}

static fz_val draw_size(void)
{
	static const fz_val sz[] = {0, 1, 7, 16, 64, 144, 4096, 4097, BUF_SIZE, 1LL << 31, 1LL << 62, -1, -4096, 0x7fffffffffffffffLL};
	if (pick(2))
		return (fz_val)pick(256);
	return sz[pick(sizeof sz / sizeof sz[0])];
}

static fz_val addr(const void *p) { return (fz_val)(uintptr_t)p; }

/* A bad pointer, or 0 for "use a valid one". */
static fz_val bad_pointer(void)
{
#if FZ_WORD_BITS == 32
	/* Below the text, the top of the user stack (USRSTACK: 4.x's kernel starts there),
	 * 4.x's kernel, the last page (a length wraps past 4 GiB), the last byte. */
	static const unsigned long long bad[] = {
		0, 0x1000, 0x08000000ULL, 0xbfc00000ULL, 0xc0000000ULL, 0xfffff000ULL, 0xffffffffULL, 1,
	};
#else
	static const unsigned long long bad[] = {
		0, 0x1000, 0x400000000000ULL, 0x7ffffffff000ULL, 0x800000000000ULL,
		0xffff800000000000ULL, 0xffffffff80000000ULL, 0xfffffffffffff000ULL, 1,
	};
#endif
	switch (pick(12)) {
	case 0: case 1: return (fz_val)bad[pick(sizeof bad / sizeof bad[0])];
	case 2: return addr(edge + PAGE - 1 - pick(16)); /* straddles into the hole */
	case 3: return addr(buf + 1 + pick(7)); /* misaligned */
	default: return 0;
	}
}

static fz_val draw_ptr(const struct fz_arg *a, int *valid)
{
	*valid = 0;
	fz_val p = bad_pointer();
	if (p != 0) {
		if (a->zero_fill && a->dir != FZ_DIR_OUT) {
			/* misaligned and edge pointers read zeros too */
			memset(buf, 0, 64);
			memset(edge + PAGE - 64, 0, 64);
		}
		return p;
	}
	if (pick(10) == 0 && !a->not_null)
		return 0; /* NULL */
	*valid = 1;
	unsigned char *b = buf + 64 * pick(8);
	if (a->dir == FZ_DIR_IN || a->dir == FZ_DIR_INOUT) {
		if (a->zero_fill)
			memset(b, 0, 4096);
		else
			for (int i = 0; i < 256; i += 8) {
				unsigned long long r = next64();
				memcpy(b + i, &r, 8);
			}
		if (a->size_field_off >= 0 && pick(5) != 0) {
			unsigned long sz = pick(8) ? a->struct_size : (unsigned long)draw_size();
			if (a->size_field_bytes == 4) {
				unsigned int s32 = (unsigned int)sz;
				memcpy(b + a->size_field_off, &s32, 4);
			} else {
				memcpy(b + a->size_field_off, &sz, 8);
			}
		}
	}
	return addr(b);
}

static fz_val draw_cstr(void)
{
	fz_val p = bad_pointer();
	if (p != 0)
		return p;
	switch (pick(12)) {
	case 0: /* NAME_MAX + 1 bytes */
		memset(buf + 8192, 'a', 256);
		buf[8192 + 256] = 0;
		return addr(buf + 8192);
	case 1: /* longer than PATH_MAX */
		memset(buf + 16384, 'b', 5000);
		buf[16384 + 5000] = 0;
		return addr(buf + 16384);
	case 2: /* unterminated up to the hole */
		memset(edge, 'c', PAGE);
		return addr(edge);
	default: {
		const char *n = names[pick(sizeof names / sizeof names[0])];
		char *d = (char *)buf + 32768 + 256 * pick(4);
		strcpy(d, n);
		return addr(d);
	}
	}
}

static void draw_args(const struct fz_call *c, fz_val *args)
{
	int valid[FZ_MAX_ARGS] = {0};
	for (int i = 0; i < FZ_MAX_ARGS; i++)
		args[i] = (fz_val)next64(); /* unused registers hold garbage */
	for (int i = 0; i < c->nargs; i++) {
		const struct fz_arg *a = &c->args[i];
		fz_val v;
		if (a->restricted && a->nvalues) {
			v = a->values[pick((unsigned long)a->nvalues)];
		} else {
			switch (a->kind) {
			case FZ_FD: v = draw_fd(); break;
			case FZ_SIZE: v = draw_size(); break;
			case FZ_FLAGS:
				switch (pick(5)) {
				case 0: v = (fz_val)a->mask; break;
				case 1: v = (fz_val)next64(); break; /* undefined bits */
				default: v = (fz_val)(next64() & a->mask); break;
				}
				break;
			case FZ_ENUM:
				v = pick(8) && a->nvalues ? a->values[pick((unsigned long)a->nvalues)] : draw_int(a->bits, 1);
				break;
			case FZ_PTR: v = draw_ptr(a, &valid[i]); break;
			case FZ_CSTR: v = draw_cstr(); break;
			case FZ_PAD: v = pick(4) ? 0 : (fz_val)next64(); break; /* carries nothing */
			default: v = draw_int(a->bits, a->is_signed); break;
			}
		}
		v |= (fz_val)a->set_bits;
		if (a->kind == FZ_FD && v == CONSOLE_FD)
			v = -1;
		args[i] = v;
	}
	/* Mostly, a valid buffer's length argument fits it. */
	for (int i = 0; i < c->nargs; i++) {
		const struct fz_arg *a = &c->args[i];
		if (valid[i] && a->len_arg >= 0 && a->len_arg < c->nargs && pick(4) != 0) {
			unsigned long room = BUF_SIZE - 512 - (unsigned long)((unsigned char *)(uintptr_t)args[i] - buf);
			unsigned long n = pick(room + 1);
			if (a->len_elements && a->elem_size)
				n /= a->elem_size;
			args[a->len_arg] = (fz_val)n;
		}
	}
}

/* An argument as the kernel sees it: its words' worth of bits. */
static unsigned long long shown(const struct fz_arg *a, fz_val v)
{
	int bits = a->words * FZ_WORD_BITS;
	return bits >= 64 ? (unsigned long long)v : (unsigned long long)v & ((1ULL << bits) - 1);
}

/*
 * How a call is made. Native: directly. FreeBSD: directly, or through SYS_syscall (0),
 * or through SYS___syscall (198); mostly on the fuzzer's stack, now and then with esp
 * where the words run into the inaccessible page after `edge`, or at a bad address.
 */
struct how {
	int via;          /* 0, or the indirect slot: 1 for 0, 2 for 198 */
	unsigned int esp; /* 0: the fuzzer's own stack */
	int mode;         /* FreeBSD: FZ_MODE_* bits */
};

static struct how draw_how(void)
{
	struct how h = {0, 0, 0};
#ifdef __FreeBSD_version
	/* One call in eight with DF or AC set, or through the lcall gate. */
	if (pick(8) == 0)
		h.mode = (int)pick(8);
	switch (pick(8)) {
	case 0: h.via = 1; break;
	case 1: h.via = 2; break;
	default: break;
	}
	static const unsigned int bad_esp[] = {
		0, 0x1000, 0xbfbffffc, 0xbfc00000, 0xfffffffc, 0xfffffff8, 0xffffffff, 0x7fffffff,
	};
	switch (pick(32)) {
	case 0: /* 0..8 words fit below the hole */
		h.esp = (unsigned int)(uintptr_t)(edge + PAGE - 4 - 4 * pick(9));
		break;
	case 1: h.esp = bad_esp[pick(sizeof bad_esp / sizeof bad_esp[0])]; break;
	default: break;
	}
#endif
	return h;
}

/* Makes the call; returns its result (eax / rax). */
static long make_call(const struct fz_call *c, const fz_val *args, struct how how)
{
#ifdef __FreeBSD_version
	unsigned int w[FZ_STACK_WORDS];
	int n = 0;
	long nr = c->nr;
	switch (how.via) {
	case 1: /* SYS_syscall: the number in the first word */
		w[n++] = (unsigned int)nr;
		nr = 0;
		break;
	case 2: /* SYS___syscall: a quad number, whose high word is not looked at */
		w[n++] = (unsigned int)nr;
		w[n++] = (unsigned int)next64();
		nr = 198;
		break;
	default: break;
	}
	for (int i = 0; i < c->nargs; i++) {
		unsigned long long v = (unsigned long long)args[i];
		w[n++] = (unsigned int)v;
		if (c->args[i].words == 2)
			w[n++] = (unsigned int)(v >> 32);
	}
	while (n < FZ_STACK_WORDS)
		w[n++] = (unsigned int)next64(); /* words past the call's: garbage */
	unsigned char *top = edge + PAGE;
	unsigned char *at = (unsigned char *)(uintptr_t)how.esp;
	if (at >= edge && at < top) /* the words that fit above the return-address slot */
		memcpy(at + 4, w, (size_t)(top - at - 4));
	/* A child of fork, vfork or rfork starts on the caller's stack, and an RFMEM one
	 * shares it with a caller that goes on: a signal caught before the child has left
	 * (another worker's kill of the group, say) would push its frame there and wreck
	 * the caller's frames (seen as a worker running past its calls). The child starts
	 * with everything blocked; the caller's mask comes back after. */
	sigset_t all, old;
	if (c->child_exits) {
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, &old);
	}
	long ret = fz_trap(nr, w, c->child_exits, how.esp, how.mode);
	if (c->child_exits)
		sigprocmask(SIG_SETMASK, &old, NULL);
	/* pipe (no flags in 4.x) makes blocking pipes, which a later read of a reused
	 * pool number waits on for good: mostly make them non-blocking, as a native
	 * pipe2 with random flags often is. */
	if (c->nr == SYS_pipe && ret >= 0 && pick(4)) {
		fcntl((int)ret, F_SETFL, O_NONBLOCK);
		fcntl((int)fz_edx, F_SETFL, O_NONBLOCK);
	}
	return ret;
#else
	long a[6];
	(void)how;
	for (int i = 0; i < 6; i++)
		a[i] = i < FZ_MAX_ARGS ? (long)args[i] : (long)next64();
	long ret = raw_syscall(c->nr, a);
	if (c->child_exits && ret == 0)
		raw_exit(0);
	return ret;
#endif
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void worker(int w, unsigned long long seed, unsigned long calls)
{
	char line[256];
	rng = seed;
	for (int i = 0; i < 4; i++)
		next64();
	signal(SIGPIPE, SIG_IGN);
#ifdef __FreeBSD_version
	/* An indirect call whose number is 0 or 198 again is 4.x's nosys, which posts
	 * SIGSYS: ignored, it is EINVAL. */
	signal(SIGSYS, SIG_IGN);
#endif
	buf = mmap(0, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	edge = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
#ifdef __FreeBSD_version
	altstack = mmap(0, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	if (altstack == MAP_FAILED)
		altstack = buf;
#endif
	if (buf == MAP_FAILED || edge == MAP_FAILED) {
		say(CONSOLE_FD, "FUZZ worker-setup-failed mmap\n");
		_exit(2);
	}
	/* The hole after edge: PROT_NONE rather than unmapped, so that no mmap of the
	 * fuzzer's fills it. */
	mprotect(edge + PAGE, PAGE, PROT_NONE);
	int null = open("/dev/null", O_RDWR);
	char dir[32];
	snprintf(dir, sizeof dir, "/fz/w%d", w);
	mkdir(dir, 0755);
	if (chdir(dir) != 0 || chroot(".") != 0) {
		say(CONSOLE_FD, "FUZZ worker-setup-failed chroot\n");
		_exit(2);
	}
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	setup_pool();
	for (unsigned long n = 0; n < calls; n++) {
		if (n % 256 == 255)
			setup_pool();
		const struct fz_call *c = &fz_calls[pick(FZ_NCALLS)];
		fz_val args[FZ_MAX_ARGS];
		draw_args(c, args);
		struct how how = draw_how();
		slots[w].last_nr = c->nr;
		if (!quiet) {
			int len = snprintf(line, sizeof line, "FUZZ call w=%d n=%lu %s", w, n, c->name);
			for (int i = 0; i < c->nargs && len < 200; i++)
				len += snprintf(line + len, sizeof line - (size_t)len, " %llx", shown(&c->args[i], args[i]));
			if (how.via)
				len += snprintf(line + len, sizeof line - (size_t)len, " via=%d", how.via == 1 ? 0 : 198);
			if (how.esp)
				len += snprintf(line + len, sizeof line - (size_t)len, " esp=%x", how.esp);
			snprintf(line + len, sizeof line - (size_t)len, "\n");
			say(CONSOLE_FD, line);
		}
		make_call(c, args, how);
		slots[w].done++;
	}
	_exit(0);
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		char sub[512];
		while ((e = readdir(d)) != 0) {
			const char *name = (const char *)e->d_name;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, name);
			if (unlink(sub) != 0)
				remove_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, 0);
}

/* Unbuffered lines to the console. */
#define printf(...)                                       \
	do {                                              \
		char line_[256];                          \
		snprintf(line_, sizeof line_, __VA_ARGS__); \
		say(1, line_);                            \
	} while (0)

/* Forks worker `i` with `seed` and `calls` to make; false when fork refuses (EAGAIN:
 * the workers' processes fill the table), to be tried again. */
static int start_worker(pid_t *pids, int i, unsigned long long seed, unsigned long calls)
{
	pid_t pid = fork();
	if (pid == 0)
		worker(i, seed, calls);
	pids[i] = pid > 0 ? pid : 0;
	return pid > 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("usage: fuzzer SEED ITERATIONS PROCS [quiet]\n");
		return 2;
	}
	unsigned long long seed = strtoull(argv[1], 0, 0);
	unsigned long iterations = strtoul(argv[2], 0, 0);
	int procs = (int)strtoul(argv[3], 0, 0);
	quiet = argc > 4 && !strcmp(argv[4], "quiet");
	if (procs < 1)
		procs = 1;
	if (procs > MAX_PROCS)
		procs = MAX_PROCS;
	slots = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	if (slots == MAP_FAILED) {
		printf("FUZZ setup-failed mmap shared\n");
		return 2;
	}
	dup2(1, CONSOLE_FD);
	mkdir("/fz", 0755);
	pid_t pids[MAX_PROCS];
	unsigned long budget[MAX_PROCS], base[MAX_PROCS], last[MAX_PROCS];
	int gen[MAX_PROCS], still[MAX_PROCS];
	int restarts = 0; /* workers waiting to be restarted */
	/* Ticks a worker has waited to be restarted: fork may refuse (EAGAIN: the
	 * workers' processes fill the table) and is tried again each tick. */
	int waiting[MAX_PROCS];
	int died = 0, stuck = 0, unkillable = 0;
	printf("FUZZ start seed=%llu iterations=%lu procs=%d calls=%d\n", seed, iterations, procs, FZ_NCALLS);
	for (int i = 0; i < procs; i++) {
		budget[i] = iterations / (unsigned long)procs + (i < (int)(iterations % (unsigned long)procs));
		base[i] = 0;
		gen[i] = 0;
		pids[i] = 0;
		waiting[i] = 0;
	}
	int running = 0;
	for (int i = 0; i < procs; i++) {
		slots[i].done = 0;
		last[i] = 0;
		still[i] = 0;
		if (budget[i] == 0)
			continue;
		if (start_worker(pids, i, seed + (unsigned long long)i, budget[i])) {
			running++;
		} else {
			waiting[i] = 1;
			restarts++;
		}
	}
	unsigned long printed = 0;
	int tick = 0;
	while (running > 0 || restarts > 0) {
		nap_ms(200);
		for (int i = 0; i < procs; i++) {
			if (!waiting[i])
				continue;
			unsigned long long s = seed + (unsigned long long)i + ((unsigned long long)gen[i] << 32);
			if (start_worker(pids, i, s, budget[i] - base[i])) {
				waiting[i] = 0;
				restarts--;
				running++;
			} else if (++waiting[i] > 50) {
				/* Ten seconds of EAGAIN: its calls are left undone. */
				printf("FUZZ restart-failed w=%d: fork refused for 10 s\n", i);
				waiting[i] = 0;
				restarts--;
			}
		}
		tick++;
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < procs; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				running--;
				unsigned long done = base[i] + slots[i].done;
				if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
					printf("FUZZ died w=%d gen=%d call=%ld: signal %d\n", i, gen[i], slots[i].last_nr, WTERMSIG(status));
					died++;
				}
				if (done < budget[i]) {
					/* restart it with the calls it has left, from a derived seed */
					base[i] = done;
					slots[i].done = 0;
					gen[i]++;
					still[i] = 0;
					last[i] = 0;
					unsigned long long s = seed + (unsigned long long)i + ((unsigned long long)gen[i] << 32);
					if (start_worker(pids, i, s, budget[i] - done)) {
						running++;
					} else {
						waiting[i] = 1;
						restarts++;
					}
				}
			}
		}
		unsigned long total = 0;
		for (int i = 0; i < procs; i++) {
			total += base[i] + slots[i].done;
			if (!pids[i])
				continue;
			if (slots[i].done == last[i]) {
				still[i]++;
				if (still[i] == STUCK_TICKS) {
					printf("FUZZ stuck w=%d gen=%d call=%ld: killed\n", i, gen[i], slots[i].last_nr);
					stuck++;
					kill(pids[i], SIGKILL);
				} else if (still[i] == STUCK_TICKS * 4) {
					printf("FUZZ hang w=%d: still alive 9 s after SIGKILL (call %ld)\n", i, slots[i].last_nr);
					print_status(pids[i]);
					unkillable++;
				}
			} else {
				still[i] = 0;
				last[i] = slots[i].done;
			}
		}
		if (tick % 5 == 0 && total != printed) {
			printf("FUZZ progress %lu\n", total);
			printed = total;
		}
		if (unkillable)
			break;
	}
	/* End every process left (the workers' orphans: children not yet run, stopped
	 * or blocked) and reap them all, so the kernel's memory at init's exit counts
	 * only what the kernel itself kept. A process that does not die hangs the run
	 * here, which the host reports. */
	kill(-1, SIGKILL);
	while (waitpid(-1, 0, 0) > 0)
		;
	unsigned long total = 0;
	for (int i = 0; i < procs; i++)
		total += base[i] + slots[i].done;
	remove_tree("/fz");
	printf("FUZZ done calls=%lu died=%d stuck=%d\n", total, died, stuck);
	return unkillable ? 1 : 0;
}
