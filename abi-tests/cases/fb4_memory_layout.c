// abi: freebsd4-i386
/*
 * The address space of a static FreeBSD 4.x program and the limits on it (reference
 * §3.2-§3.4, §4 "Resource limits"; vm_unix.c obreak, vm_mmap.c, kern_resource.c):
 *  - the break: syscall 17 below the data segment (vm_daddr, the start of the last
 *    PT_LOAD without the entry point) is EINVAL; libc's sbrk grows and shrinks it from
 *    _end, and the pages it gives back are gone (SIGSEGV); past RLIMIT_DATA counted
 *    from vm_daddr (new - round_page(vm_daddr) > cur)
 *    is ENOMEM, exactly at the limit fine;
 *  - mmap without MAP_FIXED, hint 0 or inside [text, vm_daddr + MAXDSIZ): first fit
 *    from round_page(vm_daddr + 512 MiB) (0x28xxxxxx here), so the first anonymous
 *    mapping of a fresh image is exactly there and the next right above it; a hint
 *    above that is taken as given when free; MAP_ANON with a descriptor is EINVAL;
 *  - munmap of a range with any page unmapped is EINVAL and unmaps nothing;
 *  - a length that rounds to no pages maps nothing and returns the address the
 *    mapping would have had (vm_mmap's size 0), after the descriptor's and MAP_FIXED's
 *    checks; 2 GiB or more is EINVAL; a hint below the text starts the first fit;
 *  - mprotect changes the mapped pages of its range and passes over holes (an
 *    unmapped range succeeds), is clipped at USRSTACK, and is EINVAL when it wraps;
 *  - struct ps_strings at PS_STRINGS (0xBFBFFFF0) names argv and envp with their
 *    counts; the 72 bytes below it are the two trampolines, byte for byte: sigcode at
 *    0xBFBFFFA8 (call *16(%esp); ...; mov $344,%eax; push %eax; int $0x80; jmp .) and
 *    osigcode at 0xBFBFFFC8 (the same, storing the 0x1d516 magic in sc_trapno first);
 *  - getrlimit: DATA 128 MiB / 512 MiB, STACK 8 MiB / 64 MiB, CPU, FSIZE and CORE
 *    unlimited, a resource past RLIM_NLIMITS EINVAL; setrlimit (dosetrlimit): a
 *    negative limit means RLIM_INFINITY, a current limit over the maximum is cut to it
 *    (not EINVAL), DATA and STACK are cut to MAXDSIZ and MAXSSIZ, raising past the old
 *    maximum needs root (EPERM otherwise), the limits are inherited by fork.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PT_LOAD 1
#define RLIMIT_CPU_ 0
#define RLIMIT_FSIZE_ 1
#define RLIMIT_DATA_ 2
#define RLIMIT_STACK_ 3
#define RLIMIT_CORE_ 4
#define RLIM_NLIMITS_ 11
#define MiB (1024u * 1024u)

extern char _start[], _end[];
extern const unsigned char __executable_start[];

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static uint32_t trunc_page(uint32_t a) { return a & ~(uint32_t)(PAGE_SIZE - 1); }
static uint32_t round_page(uint32_t a) { return trunc_page(a + PAGE_SIZE - 1); }

/* vm_daddr: the page of the last PT_LOAD that does not hold the entry point. */
static uint32_t data_start(void)
{
	const unsigned char *eh = __executable_start;
	CHECK(memcmp(eh, "\177ELF", 4) == 0);
	uint32_t entry = rd32(eh + 24), phoff = rd32(eh + 28);
	uint16_t phentsize, phnum;
	memcpy(&phentsize, eh + 42, 2);
	memcpy(&phnum, eh + 44, 2);
	uint32_t data = 0;
	for (int i = 0; i < phnum; i++) {
		const unsigned char *ph = eh + phoff + (uint32_t)i * phentsize;
		uint32_t vaddr = rd32(ph + 8), memsz = rd32(ph + 20);
		if (rd32(ph) == PT_LOAD && !(vaddr <= entry && entry < vaddr + memsz))
			data = vaddr;
	}
	CHECK(data != 0);
	return trunc_page(data);
}

static struct rlimit lim(int which) { return nt_getrlimit(which); }

static void lim_is(int which, int64_t cur, int64_t max)
{
	struct rlimit rl = lim(which);
	if (rl.rlim_cur != cur || rl.rlim_max != max)
		FAIL("rlimit %d: {0x%llx, 0x%llx}, wanted {0x%llx, 0x%llx}", which,
		     (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		     (unsigned long long)cur, (unsigned long long)max);
}

static int set(int which, int64_t cur, int64_t max)
{
	struct rlimit rl = {cur, max};
	return __sys_setrlimit(which, &rl);
}

static void check_mmap_placement(uint32_t daddr)
{
	/* The first mappings of this image: nothing else is above the data yet. */
	uint32_t base = round_page(daddr + MAXDSIZ);
	CHECK(base >= 0x28000000u && base < 0x29000000u);
	void *a = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(a != MAP_FAILED);
	if ((uintptr_t)a != base)
		FAIL("first anonymous mmap at %p, wanted round_page(vm_daddr 0x%x + MAXDSIZ) = 0x%x",
		     a, daddr, base);
	/* A hint inside the text/data area moves up too: first fit, just above. */
	void *b = mmap((void *)0x08100000, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(b != MAP_FAILED);
	CHECK_EQ((uintptr_t)b, base + PAGE_SIZE);
	/* A free hint above the data area is taken. */
	void *c = mmap((void *)0x40000000, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK_EQ((uintptr_t)c, 0x40000000u);
	*(volatile char *)a = 1;
	*(volatile char *)c = 1;
	/* munmap of a range not wholly mapped (a and b, then the free page above) is
	 * EINVAL and unmaps nothing: vm_mmap.c checks the entire range first. */
	CHECK_EQ(munmap(a, 3 * PAGE_SIZE), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(*(volatile char *)a, 1);
	CHECK_OK(munmap(a, 2 * PAGE_SIZE));
	CHECK_EQ(munmap(a, PAGE_SIZE), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_OK(munmap(c, PAGE_SIZE));
	CHECK(mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANON, 0, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
}

/* A child writing at `p` is killed by SIGBUS (a protection fault, as 4.x maps it). */
static void write_gives_sigbus(volatile char *p)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		*p = 1;
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGBUS);
}

static void check_zero_length_and_holes(uint32_t daddr)
{
	uint32_t base = round_page(daddr + MAXDSIZ);
	/* A length that rounds to no pages maps nothing and returns the address it would
	 * have had (vm_mmap: size 0 is success); the hint is not even rounded. */
	void *z = mmap(NULL, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK_EQ((uintptr_t)z, base);
	CHECK_ERRNO(munmap(z, PAGE_SIZE), EINVAL);
	z = mmap((void *)0x40000123, 0, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK_EQ((uintptr_t)z, 0x40000123u);
	z = mmap((void *)0x40000000, 0, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
	CHECK_EQ((uintptr_t)z, 0x40000000u);
	/* ... once its arguments pass: the descriptor's checks still come first. */
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED);
	CHECK_EQ(errno, EBADF);
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANON, 0, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap((void *)0x40000010, 0, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0) ==
	      MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* 2 GiB or more is a negative ssize_t: EINVAL. */
	CHECK(mmap(NULL, 0x80000000u, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);

	/* A hint below the text is where the first fit starts. */
	void *low = mmap((void *)0x01000000, PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK_EQ((uintptr_t)low, 0x01000000u);

	/* mprotect passes over holes (vm_map_protect): mapped, hole, mapped. */
	char *m = mmap((void *)0x50000000, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
	CHECK_EQ((uintptr_t)m, 0x50000000u);
	m[0] = 1;
	m[2 * PAGE_SIZE] = 3;
	CHECK_OK(munmap(m + PAGE_SIZE, PAGE_SIZE));
	CHECK_OK(mprotect(m, 3 * PAGE_SIZE, PROT_READ));
	CHECK_EQ(m[0], 1);
	CHECK_EQ(m[2 * PAGE_SIZE], 3);
	write_gives_sigbus(m);
	write_gives_sigbus(m + 2 * PAGE_SIZE);
	/* The hole stays a hole. */
	CHECK_ERRNO(munmap(m + PAGE_SIZE, PAGE_SIZE), EINVAL);
	/* Wholly unmapped: success, nothing to change. Past USRSTACK: clipped. */
	CHECK_OK(mprotect((void *)0x60000000, 16 * PAGE_SIZE, PROT_READ));
	CHECK_ERRNO(munmap((void *)0x60000000, PAGE_SIZE), EINVAL);
	CHECK_OK(mprotect((void *)0xbfc00000u, PAGE_SIZE, PROT_READ));
	/* A range wrapping past 4 GiB: EINVAL. */
	CHECK_ERRNO(mprotect((void *)0xfffff000u, 2 * PAGE_SIZE, PROT_READ), EINVAL);
	CHECK_OK(munmap(m, PAGE_SIZE));
	CHECK_OK(munmap(m + 2 * PAGE_SIZE, PAGE_SIZE));
	CHECK_OK(munmap(low, PAGE_SIZE));
}

static void check_break(uint32_t daddr)
{
	/* Below the data segment: EINVAL (the text, and nothing at all). */
	CHECK_ERRNO(__sys_break_((void *)0x08048000), EINVAL);
	CHECK_ERRNO(__sys_break_((void *)(uintptr_t)(daddr - PAGE_SIZE)), EINVAL);
	CHECK_ERRNO(__sys_break_(NULL), EINVAL);

	/* libc's sbrk from _end. */
	char *cur = sbrk(0);
	CHECK_EQ((uintptr_t)cur, (uintptr_t)_end);
	intptr_t grow = 3 * PAGE_SIZE + 100;
	char *p = sbrk(grow);
	CHECK(p == cur);
	CHECK(sbrk(0) == cur + grow);
	memset(p, 0x77, (size_t)grow);
	CHECK_EQ(p[grow - 1], 0x77);
	CHECK(sbrk(-grow) == cur + grow);
	CHECK(sbrk(0) == cur);
	/* Shrinking gave the pages back: touching one is SIGSEGV (nothing mapped). */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile char *)(uintptr_t)(round_page((uint32_t)(uintptr_t)cur) + 16) = 1;
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		FAIL("a store above the shrunk break: wait status 0x%x, wanted death by SIGSEGV",
		     status);

	/* RLIMIT_DATA counts from vm_daddr. */
	struct rlimit saved = lim(RLIMIT_DATA_);
	CHECK_OK(set(RLIMIT_DATA_, MiB, saved.rlim_max));
	CHECK_OK(__sys_break_((void *)(uintptr_t)(daddr + MiB)));
	((volatile char *)(uintptr_t)(daddr + MiB))[-1] = 1;
	CHECK_ERRNO(__sys_break_((void *)(uintptr_t)(daddr + MiB + 1)), ENOMEM);
	CHECK_OK(__sys_break_(cur));
	CHECK_OK(set(RLIMIT_DATA_, saved.rlim_cur, saved.rlim_max));
	/* Up to the stack and beyond: ENOMEM. */
	CHECK_ERRNO(__sys_break_((void *)0xBFC00000), ENOMEM);
	CHECK(sbrk(0) == cur);
}

static void check_ps_strings(int argc, char **argv, char **envp)
{
	const struct ps_strings *ps = (const struct ps_strings *)(uintptr_t)PS_STRINGS;
	int envc = 0;
	while (envp[envc])
		envc++;
	CHECK_EQ(ps->ps_argvstr, (uintptr_t)argv);
	CHECK_EQ(ps->ps_nargvstr, argc);
	CHECK_EQ(ps->ps_envstr, (uintptr_t)envp);
	CHECK_EQ(ps->ps_nenvstr, envc);
	char **pa = (char **)(uintptr_t)ps->ps_argvstr;
	CHECK_EQ(strcmp(pa[0], argv[0]), 0);
	CHECK(pa[argc] == NULL);
}

static void check_trampolines(void)
{
	static const unsigned char sigcode[31] = {
		0xff, 0x54, 0x24, 0x10,             /* call *16(%esp): SIGF_HANDLER */
		0x8d, 0x44, 0x24, 0x14,             /* lea 20(%esp),%eax: SIGF_UC */
		0x50,                               /* push %eax */
		0xf7, 0x40, 0x54, 0, 0, 0x02, 0,    /* testl $PSL_VM,UC_EFLAGS(%eax) */
		0x75, 0x03,                         /* jne 1f */
		0x8e, 0x68, 0x14,                   /* mov UC_GS(%eax),%gs */
		0xb8, 0x58, 0x01, 0, 0,             /* 1: mov $344,%eax (SYS_sigreturn) */
		0x50,                               /* push %eax */
		0xcd, 0x80,                         /* int $0x80 */
		0xeb, 0xfe,                         /* jmp . */
	};
	static const unsigned char osigcode[38] = {
		0xff, 0x54, 0x24, 0x10,             /* call *16(%esp) */
		0x8d, 0x44, 0x24, 0x14,             /* lea 20(%esp),%eax: &sf_siginfo.si_sc */
		0x50,                               /* push %eax */
		0xf7, 0x40, 0x18, 0, 0, 0x02, 0,    /* testl $PSL_VM,sc_efl(%eax) */
		0x75, 0x03,                         /* jne 1f */
		0x8e, 0x68, 0x44,                   /* mov sc_gs(%eax),%gs */
		0xc7, 0x40, 0x4c, 0x16, 0xd5, 0x01, 0, /* 1: movl $0x1d516,sc_trapno(%eax) */
		0xb8, 0x58, 0x01, 0, 0,             /* mov $344,%eax */
		0x50, 0xcd, 0x80, 0xeb, 0xfe,       /* push %eax; int $0x80; jmp . */
	};
	const unsigned char *at = (const unsigned char *)(uintptr_t)(PS_STRINGS - SZSIGCODE);
	CHECK_EQ((uintptr_t)at, 0xBFBFFFA8u);
	for (unsigned i = 0; i < sizeof(sigcode); i++)
		if (at[i] != sigcode[i])
			FAIL("sigcode byte %u (at %p): 0x%02x, wanted 0x%02x", i, (const void *)(at + i),
			     at[i], sigcode[i]);
	const unsigned char *oat = (const unsigned char *)(uintptr_t)(PS_STRINGS - 40);
	CHECK_EQ((uintptr_t)oat, 0xBFBFFFC8u);
	for (unsigned i = 0; i < sizeof(osigcode); i++)
		if (oat[i] != osigcode[i])
			FAIL("osigcode byte %u (at %p): 0x%02x, wanted 0x%02x", i,
			     (const void *)(oat + i), oat[i], osigcode[i]);
}

static void check_rlimits(void)
{
	const int64_t inf = (int64_t)RLIM_INFINITY;
	lim_is(RLIMIT_DATA_, DFLDSIZ, MAXDSIZ);
	lim_is(RLIMIT_STACK_, DFLSSIZ, MAXSSIZ);
	lim_is(RLIMIT_CPU_, inf, inf);
	lim_is(RLIMIT_FSIZE_, inf, inf);
	lim_is(RLIMIT_CORE_, inf, inf);
	struct rlimit rl;
	CHECK_ERRNO(__sys_getrlimit(RLIM_NLIMITS_, &rl), EINVAL);
	CHECK_ERRNO(set(RLIM_NLIMITS_, 1, 1), EINVAL);

	if (getuid() != 0)
		SKIP("the setrlimit checks want root (raising a maximum)");
	/* A current limit above the maximum is cut to it. */
	CHECK_OK(set(RLIMIT_CORE_, 200, 100));
	lim_is(RLIMIT_CORE_, 100, 100);
	/* Negative is RLIM_INFINITY ("historical bugs"). */
	CHECK_OK(set(RLIMIT_CORE_, -1, -5));
	lim_is(RLIMIT_CORE_, inf, inf);
	/* DATA and STACK stop at MAXDSIZ and MAXSSIZ. */
	CHECK_OK(set(RLIMIT_DATA_, inf, inf));
	lim_is(RLIMIT_DATA_, MAXDSIZ, MAXDSIZ);
	CHECK_OK(set(RLIMIT_DATA_, DFLDSIZ, MAXDSIZ));
	lim_is(RLIMIT_DATA_, DFLDSIZ, MAXDSIZ);
	CHECK_OK(set(RLIMIT_STACK_, 1024 * MiB, 1024 * MiB));
	lim_is(RLIMIT_STACK_, MAXSSIZ, MAXSSIZ);
	CHECK_OK(set(RLIMIT_STACK_, DFLSSIZ, MAXSSIZ));

	/* Without root: lowering is fine, raising past the old maximum is EPERM (the
	 * current limit too, before it would be cut); the limits came through fork. */
	CHECK_OK(set(RLIMIT_CORE_, 10, 20));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		lim_is(RLIMIT_CORE_, 10, 20);
		lim_is(RLIMIT_DATA_, DFLDSIZ, MAXDSIZ);
		CHECK_OK(setuid(1000));
		CHECK_OK(set(RLIMIT_CORE_, 20, 20));
		CHECK_OK(set(RLIMIT_CORE_, 5, 15));
		lim_is(RLIMIT_CORE_, 5, 15);
		CHECK_ERRNO(set(RLIMIT_CORE_, 5, 16), EPERM);
		CHECK_ERRNO(set(RLIMIT_CORE_, 16, 15), EPERM);
		CHECK_ERRNO(set(RLIMIT_CORE_, -1, 15), EPERM);
		lim_is(RLIMIT_CORE_, 5, 15);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_OK(set(RLIMIT_CORE_, inf, inf));
}

int main(int argc, char **argv, char **envp)
{
	uint32_t daddr = data_start();
	CHECK(daddr > 0x08048000u && daddr <= (uintptr_t)_end);
	check_mmap_placement(daddr);
	check_zero_length_and_holes(daddr);
	check_break(daddr);
	check_ps_strings(argc, argv, envp);
	check_trampolines();
	check_rlimits();
	PASS();
}
