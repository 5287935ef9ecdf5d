// abi: native-v1, native-v2
/*
 * A SA_SIGINFO handler of a signal that a fault raised learns where: si_addr is the
 * address a page fault touched (SIGSEGV on an unmapped page, the handler maps it and
 * the store is retried), the faulting instruction for SIGILL (ud2; the handler steps
 * over it through the ucontext), and 0 for a general-protection fault; a signal sent
 * by kill carries no address.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/mman.h>

static volatile uint64_t seen_addr;
static volatile int seen_signo, hits;
static char *page;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	seen_signo = si->si_signo;
	seen_addr = si->si_addr;
	hits++;
	if (sig == SIGSEGV && si->si_addr != 0)
		mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
}

extern char ud2_here[];

static void on_ill(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	seen_signo = si->si_signo;
	seen_addr = si->si_addr;
	hits++;
	((struct ucontext *)uc)->uc_mcontext.mc_rip += 2;
}

static void on_gp(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	seen_signo = si->si_signo;
	seen_addr = si->si_addr;
	hits++;
	((struct ucontext *)uc)->uc_mcontext.mc_rip += 1; /* hlt is one byte */
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(sig, &sa, NULL));
}

int main(void)
{
	install(SIGSEGV, on_segv);
	page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(page != MAP_FAILED);
	CHECK_OK(munmap(page, 4096));
	*(volatile char *)(page + 123) = 'x';
	CHECK_EQ(hits, 1);
	CHECK_EQ(seen_signo, SIGSEGV);
	CHECK_EQ(seen_addr, (uint64_t)(uintptr_t)(page + 123));
	CHECK_EQ(page[123], 'x');

	install(SIGILL, on_ill);
	__asm__ volatile(".globl ud2_here\nud2_here: ud2");
	CHECK_EQ(hits, 2);
	CHECK_EQ(seen_signo, SIGILL);
	CHECK_EQ(seen_addr, (uint64_t)(uintptr_t)ud2_here);

	/* hlt in user mode is a general-protection fault: SIGSEGV, no address. */
	install(SIGSEGV, on_gp);
	seen_addr = 1;
	__asm__ volatile("hlt");
	CHECK_EQ(hits, 3);
	CHECK_EQ(seen_signo, SIGSEGV);
	CHECK_EQ(seen_addr, 0);

	install(SIGSEGV, on_segv);
	seen_addr = 1;
	CHECK_OK(kill(getpid(), SIGSEGV));
	CHECK_EQ(hits, 4);
	CHECK_EQ(seen_signo, SIGSEGV);
	CHECK_EQ(seen_addr, 0);
	PASS();
}
