// abi: native-v1, native-v2
/*
 * A SA_SIGINFO handler learns why its signal came. A fault's signal says where and
 * what: si_addr is the address a page fault touched (SIGSEGV SEGV_MAPERR on an
 * unmapped page, which the handler maps so the store is retried; SEGV_ACCERR on a
 * read-only one), the faulting instruction for SIGILL ILL_ILLOPC (ud2), SIGFPE
 * FPE_INTDIV (a divide by zero) and SIGTRAP TRAP_BRKPT (int3), the touched address
 * for SIGBUS BUS_ADRERR past the end of a mapped file, and 0 for a general-protection
 * fault (SI_KERNEL). A signal sent by kill is SI_USER with the sender's pid and real
 * uid and no address; one the kernel raises (SIGPIPE) is SI_KERNEL.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>

static siginfo_t seen;
static volatile int hits;
static char *page;
/* Bytes the handler steps over (the faulting instruction's length), or 0. */
static volatile int skip;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	seen = *si;
	hits++;
	if (sig == SIGSEGV && si->si_code == SEGV_MAPERR)
		mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
	else if (sig == SIGSEGV && si->si_code == SEGV_ACCERR)
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
	else
		((struct ucontext *)uc)->uc_mcontext.mc_rip += skip;
}

static void install(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(sig, &sa, NULL));
}

/* Clears what the last handler saw; the address starts non-zero to show it is set. */
static void forget(void)
{
	memset(&seen, 0, sizeof(seen));
	seen.si_addr = 1;
}

extern char ud2_here[], div_here[], int3_after[];

int main(void)
{
	install(SIGSEGV);
	install(SIGILL);
	install(SIGFPE);
	install(SIGTRAP);
	install(SIGBUS);
	install(SIGPIPE);

	page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(page != MAP_FAILED);
	CHECK_OK(munmap(page, 4096));
	forget();
	*(volatile char *)(page + 123) = 'x';
	CHECK_EQ(hits, 1);
	CHECK_EQ(seen.si_signo, SIGSEGV);
	CHECK_EQ(seen.si_code, SEGV_MAPERR);
	CHECK_EQ(seen.si_addr, (uint64_t)(uintptr_t)(page + 123));
	CHECK_EQ(seen.si_pid, 0);
	CHECK_EQ(page[123], 'x');

	CHECK_OK(mprotect(page, 4096, PROT_READ));
	forget();
	*(volatile char *)(page + 7) = 'y';
	CHECK_EQ(hits, 2);
	CHECK_EQ(seen.si_code, SEGV_ACCERR);
	CHECK_EQ(seen.si_addr, (uint64_t)(uintptr_t)(page + 7));
	CHECK_EQ(page[7], 'y');

	forget();
	skip = 2;
	__asm__ volatile(".globl ud2_here\nud2_here: ud2");
	CHECK_EQ(hits, 3);
	CHECK_EQ(seen.si_signo, SIGILL);
	CHECK_EQ(seen.si_code, ILL_ILLOPC);
	CHECK_EQ(seen.si_addr, (uint64_t)(uintptr_t)ud2_here);

	/* div %ecx with %ecx = 0 is two bytes. */
	forget();
	skip = 2;
	__asm__ volatile(".globl div_here\nxor %%edx, %%edx\nmov $1, %%eax\nxor %%ecx, %%ecx\n"
			 "div_here: div %%ecx" ::: "eax", "ecx", "edx");
	CHECK_EQ(hits, 4);
	CHECK_EQ(seen.si_signo, SIGFPE);
	CHECK_EQ(seen.si_code, FPE_INTDIV);
	CHECK_EQ(seen.si_addr, (uint64_t)(uintptr_t)div_here);

	/* int3 traps after itself: the saved rip is already past it. */
	forget();
	skip = 0;
	__asm__ volatile("int3\n.globl int3_after\nint3_after:");
	CHECK_EQ(hits, 5);
	CHECK_EQ(seen.si_signo, SIGTRAP);
	CHECK_EQ(seen.si_code, TRAP_BRKPT);
	CHECK_EQ(seen.si_addr, (uint64_t)(uintptr_t)int3_after);

	/* hlt in user mode is a general-protection fault: SIGSEGV, no address. */
	forget();
	skip = 1;
	__asm__ volatile("hlt");
	CHECK_EQ(hits, 6);
	CHECK_EQ(seen.si_signo, SIGSEGV);
	CHECK_EQ(seen.si_code, SI_KERNEL);
	CHECK_EQ(seen.si_addr, 0);

	/* A whole page past the end of a mapped file: SIGBUS at the touched address. The
	 * handler steps over the 3-byte load (movzbl (%rax), %eax). */
	int fd = CHECK_OK(open("/tmp/fault_siginfo.small", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, "tiny", 4), 4);
	char *t = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(t != MAP_FAILED);
	forget();
	skip = 3;
	char *at = t + 4096 + 5, *reg = at;
	__asm__ volatile("movzbl (%%rax), %%eax" : "+a"(reg)::"memory");
	CHECK_EQ(hits, 7);
	CHECK_EQ(seen.si_signo, SIGBUS);
	CHECK_EQ(seen.si_code, BUS_ADRERR);
	CHECK_EQ(seen.si_addr, (uint64_t)(uintptr_t)at);
	CHECK_OK(munmap(t, 2 * 4096));
	CHECK_OK(close(fd));
	CHECK_OK(unlink("/tmp/fault_siginfo.small"));

	forget();
	skip = 0;
	CHECK_OK(kill(getpid(), SIGSEGV));
	CHECK_EQ(hits, 8);
	CHECK_EQ(seen.si_signo, SIGSEGV);
	CHECK_EQ(seen.si_code, SI_USER);
	CHECK_EQ(seen.si_pid, getpid());
	CHECK_EQ(seen.si_uid, getuid());
	CHECK_EQ(seen.si_addr, 0);

	/* A write to a pipe nobody reads: the kernel's SIGPIPE. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_OK(close(p[0]));
	forget();
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
	CHECK_EQ(hits, 9);
	CHECK_EQ(seen.si_signo, SIGPIPE);
	CHECK_EQ(seen.si_code, SI_KERNEL);
	CHECK_EQ(seen.si_pid, 0);
	CHECK_EQ(seen.si_addr, 0);
	PASS();
}
