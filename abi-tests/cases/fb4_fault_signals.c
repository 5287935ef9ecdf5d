// abi: freebsd4-i386
/*
 * CPU faults as FreeBSD 4.x trap() turns them into signals (reference §5 "Trap ->
 * signal mapping", trap.c, trap.h), with what the handler is handed:
 *  - a write to a read-only page: SIGBUS (a protection failure), code T_PAGEFLT (12);
 *    a read of an unmapped page: SIGSEGV, code 12; the fault address in sf_addr
 *    (old-style arguments), si_addr (SA_SIGINFO) and mc_err (trap_pfault puts it in
 *    tf_err), mc_trapno T_PAGEFLT, mc_eip the faulting instruction;
 *  - #GP: SIGBUS with code err + BUS_SEGM_FAULT (30), mc_trapno T_PROTFLT (9), mc_err
 *    and sf_addr the error code: `hlt` (error code 0) and a far jump to a selector past
 *    the descriptor tables (error code the selector);
 *  - ud2: SIGILL, code and mc_trapno T_PRIVINFLT (1);
 *  - int3: SIGTRAP, code 0, mc_trapno T_BPTFLT (3), mc_eip after the int3;
 *  - idiv by zero: SIGFPE, code FPE_INTDIV (2), mc_trapno T_DIVIDE (18).
 * Each handler resumes past the fault by setting mc_eip (4.x sigreturn semantics).
 * Uncaught, the same faults kill a child with the signal.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/mman.h>

#define T_PRIVINFLT_ 1
#define T_BPTFLT 3
#define T_PROTFLT 9
#define T_PAGEFLT_ 12
#define T_DIVIDE 18
#define FPE_INTDIV_ 2
#define BUS_SEGM_FAULT_ 30

/* The fault sites: each instruction has a label, and one after it to resume at. */
extern char site_wr[], site_wr_end[], site_rd[], site_rd_end[], site_hlt[], site_hlt_end[],
	site_ljmp[], site_ljmp_end[], site_ud2[], site_ud2_end[], site_int3[], site_int3_end[],
	site_div[], site_div_end[];
__attribute__((used)) static volatile uint32_t fault_ptr;

__attribute__((noinline, noclone)) static void do_write(void)
{
	__asm__ volatile("movl fault_ptr, %%eax\n"
			 ".globl site_wr\nsite_wr:\n\t"
			 "movl $0x5a5a5a5a, (%%eax)\n"
			 ".globl site_wr_end\nsite_wr_end:"
			 ::: "eax", "memory");
}
__attribute__((noinline, noclone)) static void do_read(void)
{
	__asm__ volatile("movl fault_ptr, %%eax\n"
			 ".globl site_rd\nsite_rd:\n\t"
			 "movl (%%eax), %%eax\n"
			 ".globl site_rd_end\nsite_rd_end:"
			 ::: "eax", "memory");
}
__attribute__((noinline, noclone)) static void do_hlt(void)
{
	__asm__ volatile(".globl site_hlt\nsite_hlt:\n\thlt\n.globl site_hlt_end\nsite_hlt_end:");
}
__attribute__((noinline, noclone)) static void do_ljmp(void)
{
	/* Selector 0xfff8: GDT index 8191, past the end of any table 4.x or Nymph has. */
	__asm__ volatile(".globl site_ljmp\nsite_ljmp:\n\t"
			 "ljmp $0xfff8, $0\n"
			 ".globl site_ljmp_end\nsite_ljmp_end:");
}
__attribute__((noinline, noclone)) static void do_ud2(void)
{
	__asm__ volatile(".globl site_ud2\nsite_ud2:\n\tud2\n.globl site_ud2_end\nsite_ud2_end:");
}
__attribute__((noinline, noclone)) static void do_int3(void)
{
	__asm__ volatile(".globl site_int3\nsite_int3:\n\tint3\n"
			 ".globl site_int3_end\nsite_int3_end:");
}
__attribute__((noinline, noclone)) static void do_div(void)
{
	__asm__ volatile("movl $7, %%eax\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "xorl %%ecx, %%ecx\n"
			 ".globl site_div\nsite_div:\n\t"
			 "idivl %%ecx\n"
			 ".globl site_div_end\nsite_div_end:"
			 ::: "eax", "ecx", "edx", "cc");
}

/* What the handler saw. */
static volatile int got_sig, calls;
static volatile uint32_t got_code, got_addr, got_trapno, got_err, got_eip, got_si_addr,
	got_si_code, got_si_signo;
static uint32_t resume_at;

static void on_fault(int sig, uint32_t code, ucontext_t *uc, uint32_t addr)
{
	calls++;
	got_sig = sig;
	got_code = code;
	got_addr = addr;
	got_trapno = (uint32_t)uc->uc_mcontext.mc_trapno;
	got_err = (uint32_t)uc->uc_mcontext.mc_err;
	got_eip = (uint32_t)uc->uc_mcontext.mc_eip;
	uc->uc_mcontext.mc_eip = (int32_t)resume_at;
}

static void on_fault_info(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	calls++;
	got_sig = sig;
	got_si_signo = (uint32_t)si->si_signo;
	got_si_code = (uint32_t)si->si_code;
	got_si_addr = si->si_addr;
	got_trapno = (uint32_t)uc->uc_mcontext.mc_trapno;
	got_err = (uint32_t)uc->uc_mcontext.mc_err;
	got_eip = (uint32_t)uc->uc_mcontext.mc_eip;
	uc->uc_mcontext.mc_eip = (int32_t)resume_at;
}

static void catch_all(int siginfo)
{
	static const int sigs[] = {SIGBUS, SIGSEGV, SIGILL, SIGTRAP, SIGFPE};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	if (siginfo) {
		sa.sa_sigaction = on_fault_info;
		sa.sa_flags = SA_SIGINFO;
	} else {
		sa.sa_handler = (void (*)(int))(void (*)(void))on_fault; /* 4.x passes 4 */
	}
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		CHECK_OK(sigaction(sigs[i], &sa, NULL));
}

struct fault {
	const char *what;
	void (*run)(void);
	const char *site, *end;
	int sig;
	uint32_t code, trapno, err; /* err: also sf_addr / si_addr */
	int eip_after;              /* mc_eip is the end label (a trap), not the site */
};

static void expect(const struct fault *f, int siginfo)
{
	calls = 0;
	got_sig = 0;
	resume_at = (uint32_t)(uintptr_t)f->end;
	f->run();
	if (calls != 1)
		FAIL("%s: %d handler calls, wanted 1", f->what, calls);
	if (got_sig != f->sig)
		FAIL("%s: signal %d (%s), wanted %d (%s)", f->what, got_sig, signame(got_sig),
		     f->sig, signame(f->sig));
	uint32_t eip = (uint32_t)(uintptr_t)(f->eip_after ? f->end : f->site);
	if (got_eip != eip)
		FAIL("%s: mc_eip 0x%x, wanted 0x%x", f->what, got_eip, eip);
	if (got_trapno != f->trapno)
		FAIL("%s: mc_trapno %u, wanted %u", f->what, got_trapno, f->trapno);
	if (got_err != f->err)
		FAIL("%s: mc_err 0x%x, wanted 0x%x", f->what, got_err, f->err);
	if (!siginfo) {
		if (got_code != f->code)
			FAIL("%s: code (arg 2) %u, wanted %u", f->what, got_code, f->code);
		if (got_addr != f->err)
			FAIL("%s: sf_addr (arg 4) 0x%x, wanted 0x%x", f->what, got_addr, f->err);
	} else {
		if (got_si_signo != (uint32_t)f->sig)
			FAIL("%s: si_signo %u, wanted %d", f->what, got_si_signo, f->sig);
		if (got_si_code != f->code)
			FAIL("%s: si_code %u, wanted %u", f->what, got_si_code, f->code);
		if (got_si_addr != f->err)
			FAIL("%s: si_addr 0x%x, wanted 0x%x", f->what, got_si_addr, f->err);
	}
}

int main(void)
{
	char *ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(ro != MAP_FAILED);
	char *gone = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(gone != MAP_FAILED);
	CHECK_OK(munmap(gone, PAGE_SIZE));
	uint32_t ro_addr = (uint32_t)(uintptr_t)ro + 0x10, gone_addr = (uint32_t)(uintptr_t)gone + 0x24;

	struct fault faults[] = {
		{"write to a read-only page", do_write, site_wr, site_wr_end, SIGBUS, T_PAGEFLT_,
		 T_PAGEFLT_, ro_addr, 0},
		{"read of an unmapped page", do_read, site_rd, site_rd_end, SIGSEGV, T_PAGEFLT_,
		 T_PAGEFLT_, gone_addr, 0},
		{"hlt (#GP(0))", do_hlt, site_hlt, site_hlt_end, SIGBUS, BUS_SEGM_FAULT_, T_PROTFLT,
		 0, 0},
		{"far jump to selector 0xfff8 (#GP(0xfff8))", do_ljmp, site_ljmp, site_ljmp_end,
		 SIGBUS, 0xfff8 + BUS_SEGM_FAULT_, T_PROTFLT, 0xfff8, 0},
		{"ud2", do_ud2, site_ud2, site_ud2_end, SIGILL, T_PRIVINFLT_, T_PRIVINFLT_, 0, 0},
		{"int3", do_int3, site_int3, site_int3_end, SIGTRAP, 0, T_BPTFLT, 0, 1},
		{"idiv by zero", do_div, site_div, site_div_end, SIGFPE, FPE_INTDIV_, T_DIVIDE, 0, 0},
	};
	int n = (int)(sizeof(faults) / sizeof(faults[0]));
	for (int siginfo = 0; siginfo < 2; siginfo++) {
		catch_all(siginfo);
		for (int i = 0; i < n; i++) {
			/* The page-fault cases name their address through fault_ptr. */
			fault_ptr = faults[i].run == do_write ? ro_addr : gone_addr;
			expect(&faults[i], siginfo);
		}
	}
	/* The read-only page is still read-only and unchanged. */
	CHECK_EQ(ro[0x10], 0);

	/* Uncaught, each kills the process with its signal. */
	for (int i = 0; i < n; i++) {
		pid_t pid = CHECK_OK(fork());
		if (pid == 0) {
			signal(faults[i].sig, SIG_DFL);
			fault_ptr = faults[i].run == do_write ? ro_addr : gone_addr;
			faults[i].run();
			_exit(3);
		}
		int status;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != faults[i].sig)
			FAIL("%s uncaught: wait status 0x%x, wanted death by %s", faults[i].what,
			     status, signame(faults[i].sig));
	}
	PASS();
}
