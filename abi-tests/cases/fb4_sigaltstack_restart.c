// abi: freebsd4-i386
/*
 * Alternate signal stacks, restarting, the 4.3BSD sigaction and the mask calls as
 * FreeBSD 4.x has them (reference §5, kern_sig.c, machdep.c):
 *  - sigaltstack: {0, 0, SS_DISABLE} at first; a stack under MINSIGSTKSZ (8192) is
 *    ENOMEM, the old one still copied out (4.x copies out first); an SA_ONSTACK
 *    handler's frame sits at the very top (ss_sp + ss_size - 408), the frame's
 *    uc_stack is the stack as it was (flags 0) and mc_onstack 0; inside, sigaltstack
 *    says SS_ONSTACK and disabling it is EINVAL; a signal taken there stays on it
 *    (mc_onstack 1, just below the running handler); after sigreturn the flag is gone;
 *    disabling keeps sp and size;
 *  - a read on an empty pipe interrupted by a caught signal (a child's kill after a
 *    delay): with SA_RESTART the handler runs, the frame says eip = the int $0x80 and
 *    eax = SYS_read (4.x ERESTART: eip backed up by tf_err) and the read goes on to
 *    return the data; without it the read fails with EINTR (frame: eax EINTR, CF set);
 *    select and sigsuspend end with EINTR even with SA_RESTART;
 *  - osigaction (46): the handler gets the old-style 116-byte frame (struct osigframe,
 *    osigcontext with the 32-bit mask) from the trampoline at 0xBFBFFFC8, and returns
 *    through it with its changes to sc_eax applied and the mask restored;
 *  - sigsuspend: the handler's frame restores the mask from before the call, which is
 *    the mask again afterwards; sigpending: exactly the blocked, posted signals.
 */
#include <nymph_test.h>
#include <signal.h>


#define PSL_C_BIT 0x1
#define OSIGCODE_ADDR (PS_STRINGS - 40) /* 0xBFBFFFC8 */

static void handler_for(int sig, void (*fn)(void), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = (void (*)(int))fn;
	sa.sa_flags = flags;
	CHECK_OK(sigaction(sig, &sa, NULL));
}

static void mask_is(const char *when, const sigset_t *want)
{
	sigset_t now;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	for (int i = 0; i < 4; i++)
		if (now.__bits[i] != want->__bits[i])
			FAIL("mask %s: word %d 0x%x, wanted 0x%x", when, i, now.__bits[i],
			     want->__bits[i]);
}

/* ---- sigaltstack ---- */

static char altstack[SIGSTKSZ] __attribute__((aligned(16)));
static volatile int alt_calls, inner_calls;
static uint32_t alt_frame, inner_frame;
static ucontext_t alt_uc, inner_uc;
static stack_t alt_oss, inner_oss;
static int alt_disable_ret, alt_disable_errno;

/* Entries that note esp (the frame is just above the return address). */
__attribute__((used)) static uint32_t entry_esp;
void fb4_alt_handler(void);
void fb4_alt_handler_c(int sig, uint32_t code, ucontext_t *uc);
void fb4_inner_handler(void);
void fb4_inner_handler_c(int sig, uint32_t code, ucontext_t *uc);
__asm__(".text\n"
	".globl fb4_alt_handler\nfb4_alt_handler:\n\tmovl %esp, entry_esp\n\tjmp fb4_alt_handler_c\n"
	".globl fb4_inner_handler\nfb4_inner_handler:\n\tmovl %esp, entry_esp\n\tjmp fb4_inner_handler_c\n");

void fb4_inner_handler_c(int sig, uint32_t code, ucontext_t *uc)
{
	(void)sig;
	(void)code;
	inner_calls++;
	inner_frame = entry_esp + 4;
	inner_uc = *uc;
	sigaltstack(NULL, &inner_oss);
}

void fb4_alt_handler_c(int sig, uint32_t code, ucontext_t *uc)
{
	(void)sig;
	(void)code;
	alt_calls++;
	alt_frame = entry_esp + 4;
	alt_uc = *uc;
	sigaltstack(NULL, &alt_oss);
	stack_t off = {0, 0, SS_DISABLE};
	errno = 0;
	alt_disable_ret = sigaltstack(&off, NULL);
	alt_disable_errno = errno;
	/* Taken on the alternate stack: stays there. */
	kill(getpid(), SIGUSR2);
}

static void check_sigaltstack(void)
{
	stack_t ss, oss;
	memset(&oss, 0xa5, sizeof(oss));
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_sp, 0);
	CHECK_EQ(oss.ss_size, 0);
	CHECK_EQ(oss.ss_flags, SS_DISABLE);

	ss.ss_sp = (uint32_t)(uintptr_t)altstack;
	ss.ss_size = MINSIGSTKSZ - 1;
	ss.ss_flags = 0;
	memset(&oss, 0xa5, sizeof(oss));
	CHECK_ERRNO(sigaltstack(&ss, &oss), ENOMEM);
	CHECK_EQ(oss.ss_flags, SS_DISABLE); /* copied out before the new one was refused */
	CHECK_EQ(oss.ss_size, 0);

	ss.ss_size = sizeof(altstack);
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_sp, (uintptr_t)altstack);
	CHECK_EQ(oss.ss_size, sizeof(altstack));
	CHECK_EQ(oss.ss_flags, 0);

	handler_for(SIGUSR1, fb4_alt_handler, SA_ONSTACK);
	handler_for(SIGUSR2, fb4_inner_handler, SA_ONSTACK);
	uint32_t top = (uint32_t)(uintptr_t)altstack + sizeof(altstack);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(alt_calls, 1);
	CHECK_EQ(inner_calls, 1);
	CHECK_EQ(alt_frame, top - 408);
	CHECK_EQ(alt_uc.uc_mcontext.mc_onstack, 0);
	CHECK_EQ(alt_uc.uc_stack.ss_sp, (uintptr_t)altstack);
	CHECK_EQ(alt_uc.uc_stack.ss_size, sizeof(altstack));
	CHECK_EQ(alt_uc.uc_stack.ss_flags, 0);
	CHECK_EQ(alt_oss.ss_flags, SS_ONSTACK);
	CHECK_EQ(alt_oss.ss_sp, (uintptr_t)altstack);
	CHECK_EQ(alt_oss.ss_size, sizeof(altstack));
	if (alt_disable_ret != -1 || alt_disable_errno != EINVAL)
		FAIL("disabling the stack while on it: %d, errno %s; wanted -1, EINVAL",
		     alt_disable_ret, nt_errname(alt_disable_errno));
	/* The nested one: on the same stack, below the first handler's frame. */
	CHECK(inner_frame > (uintptr_t)altstack && inner_frame < alt_frame);
	CHECK_EQ((uint32_t)inner_uc.uc_mcontext.mc_esp, inner_frame + 408);
	CHECK_EQ(inner_uc.uc_mcontext.mc_onstack, 1);
	CHECK_EQ(inner_uc.uc_stack.ss_flags, SS_ONSTACK);
	CHECK_EQ(inner_oss.ss_flags, SS_ONSTACK);

	/* Back on the ordinary stack. */
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_flags, 0);
	ss.ss_flags = SS_DISABLE;
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_flags, SS_DISABLE);
	CHECK_EQ(oss.ss_sp, (uintptr_t)altstack); /* 4.x keeps sp and size */
	CHECK_EQ(oss.ss_size, sizeof(altstack));

	/* Disabled: SA_ONSTACK handlers run on the ordinary stack. */
	alt_calls = inner_calls = 0;
	handler_for(SIGUSR2, fb4_inner_handler, 0);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(alt_calls, 1);
	CHECK(alt_frame > top || alt_frame < (uintptr_t)altstack);
	CHECK_EQ(alt_uc.uc_stack.ss_flags, SS_DISABLE);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* ---- SA_RESTART ---- */

static volatile int restart_calls;
static ucontext_t restart_uc;
static void on_usr1(int sig, uint32_t code, ucontext_t *uc)
{
	(void)sig;
	(void)code;
	restart_calls++;
	restart_uc = *uc;
}

/* A child that sends SIGUSR1 to the parent after `ms`, then (if `data`) writes one
 * byte to the pipe `ms` later. */
static pid_t poke(int wfd, int ms, int data)
{
	pid_t parent = getpid();
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct timespec d = {0, ms * 1000000L};
		nanosleep(&d, NULL);
		kill(parent, SIGUSR1);
		if (data) {
			nanosleep(&d, NULL);
			if (write(wfd, "r", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
}

static void check_restart(void)
{
	int p[2];
	char c = 0;
	int status;
	CHECK_OK(pipe(p));

	handler_for(SIGUSR1, (void (*)(void))on_usr1, SA_RESTART);
	restart_calls = 0;
	pid_t pid = poke(p[1], 150, 1);
	ssize_t n = read(p[0], &c, 1);
	if (n != 1)
		FAIL("read with SA_RESTART: %d, errno %s; wanted the byte", (int)n,
		     nt_errname(errno));
	CHECK_EQ(c, 'r');
	CHECK_EQ(restart_calls, 1);
	/* The frame of a restarted call: back at the int $0x80 (cd 80) with the number. */
	const unsigned char *eip = (const unsigned char *)(uintptr_t)restart_uc.uc_mcontext.mc_eip;
	if (eip[0] != 0xcd || eip[1] != 0x80)
		FAIL("restarted read: mc_eip %p holds %02x %02x, wanted the int $0x80 (cd 80)",
		     (const void *)eip, eip[0], eip[1]);
	CHECK_EQ(restart_uc.uc_mcontext.mc_eax, SYS_read);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* select is never restarted (4.x turns its ERESTART into EINTR), SA_RESTART or not. */
	restart_calls = 0;
	pid = poke(p[1], 150, 0);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_ERRNO(select(p[0] + 1, &r, NULL, NULL, NULL), EINTR);
	CHECK_EQ(restart_calls, 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	handler_for(SIGUSR1, (void (*)(void))on_usr1, 0);
	restart_calls = 0;
	pid = poke(p[1], 150, 0);
	CHECK_ERRNO(read(p[0], &c, 1), EINTR);
	CHECK_EQ(restart_calls, 1);
	CHECK_EQ(restart_uc.uc_mcontext.mc_eax, EINTR);
	CHECK_EQ(restart_uc.uc_mcontext.mc_eflags & PSL_C_BIT, PSL_C_BIT);
	eip = (const unsigned char *)(uintptr_t)restart_uc.uc_mcontext.mc_eip;
	CHECK(eip[-2] == 0xcd && eip[-1] == 0x80);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

/* ---- osigaction (46) and the old-style frame ---- */

static volatile int old_calls;
static struct osigframe old_seen;
static uint32_t old_ret, old_frame_at;
static uint32_t old_mask_inside;
void fb4_old_handler(void);
void fb4_old_handler_c(int sig, uint32_t code, struct osigcontext *sc);
__asm__(".text\n"
	".globl fb4_old_handler\nfb4_old_handler:\n\tmovl %esp, entry_esp\n\tjmp fb4_old_handler_c\n");

void fb4_old_handler_c(int sig, uint32_t code, struct osigcontext *sc)
{
	(void)sig;
	(void)code;
	old_calls++;
	old_ret = *(uint32_t *)(uintptr_t)entry_esp;
	old_frame_at = entry_esp + 4;
	memcpy(&old_seen, (void *)(uintptr_t)old_frame_at, sizeof(old_seen));
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	old_mask_inside = now.__bits[0];
	sc->sc_eax = 0x4242; /* what kill "returns" once the handler is done */
}

__attribute__((used)) static uint32_t old_probe_esp, old_probe_eax, old_probe_pid;
extern char fb4_old_after[];
__attribute__((noinline, noclone)) static void old_probe(void)
{
	__asm__ volatile("pushl $30\n\t" /* SIGUSR1 */
			 "pushl old_probe_pid\n\t"
			 "pushl $0\n\t"
			 "movl $37, %%eax\n\t" /* SYS_kill */
			 "movl %%esp, old_probe_esp\n\t"
			 "int $0x80\n"
			 ".globl fb4_old_after\nfb4_old_after:\n\t"
			 "movl %%eax, old_probe_eax\n\t"
			 "addl $12, %%esp"
			 ::: "eax", "ecx", "edx", "memory", "cc");
}

static void check_osigaction(void)
{
	CHECK_EQ(sizeof(struct osigframe), 116);
	CHECK_EQ(sizeof(struct osigcontext), 84);
	struct osigaction nsa = {(uint32_t)(uintptr_t)fb4_old_handler, 1u << (SIGINT - 1), 0};
	struct osigaction osa;
	memset(&osa, 0xa5, sizeof(osa));
	CHECK_OK(__sys_osigaction(SIGUSR1, &nsa, &osa));
	CHECK_EQ(osa.sa_handler, 0); /* SIG_DFL */
	memset(&osa, 0xa5, sizeof(osa));
	CHECK_OK(__sys_osigaction(SIGUSR1, NULL, &osa));
	CHECK_EQ(osa.sa_handler, (uintptr_t)fb4_old_handler);
	CHECK_EQ(osa.sa_mask, 1u << (SIGINT - 1));
	/* The 4.3BSD call knows 31 signals. */
	CHECK_ERRNO(__sys_osigaction(32, NULL, &osa), EINVAL);
	CHECK_ERRNO(__sys_osigaction(0, NULL, &osa), EINVAL);

	sigset_t old;
	sigemptyset(&old);
	sigaddset(&old, SIGHUP);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	old_probe_pid = (uint32_t)getpid();
	old_calls = 0;
	old_probe();
	CHECK_EQ(old_calls, 1);
	CHECK_EQ(old_ret, OSIGCODE_ADDR + 4);
	CHECK_EQ(old_frame_at, old_probe_esp - 116);
	const struct osigframe *f = &old_seen;
	CHECK_EQ(f->sf_signum, SIGUSR1);
	CHECK_EQ(f->sf_arg2, 0);                  /* the code */
	CHECK_EQ(f->sf_scp, old_frame_at + 20);   /* &sf_siginfo.si_sc */
	CHECK_EQ(f->sf_addr, 2);                  /* tf_err of the int $0x80 */
	CHECK_EQ(f->sf_ahu, (uintptr_t)fb4_old_handler);
	const struct osigcontext *sc = &f->sf_siginfo.si_sc;
	CHECK_EQ(sc->sc_onstack, 0);
	CHECK_EQ(sc->sc_mask, 1u << (SIGHUP - 1));
	CHECK_EQ((uint32_t)sc->sc_esp, old_probe_esp);
	CHECK_EQ((uint32_t)sc->sc_eip, (uintptr_t)fb4_old_after);
	CHECK_EQ(sc->sc_eax, 0);
	CHECK_EQ(sc->sc_efl & PSL_C_BIT, 0);
	CHECK_EQ(sc->sc_err, 2);
	CHECK_EQ(sc->sc_cs & 3, 3);
	/* The old mask, sa_mask (SIGINT) and the signal while the handler ran. */
	CHECK_EQ(old_mask_inside, 1u << (SIGHUP - 1) | 1u << (SIGINT - 1) | 1u << (SIGUSR1 - 1));
	/* osigreturn through 344 (the trampoline's magic in sc_trapno): sc_eax applied. */
	CHECK_EQ(old_probe_eax, 0x4242);
	mask_is("after the old-style handler", &old);

	/* sigaction (342) reads the handler back without the 4.3BSD marking. */
	struct sigaction sa;
	CHECK_OK(sigaction(SIGUSR1, NULL, &sa));
	CHECK_EQ((uintptr_t)sa.sa_handler, (uintptr_t)fb4_old_handler);
	CHECK_EQ(sa.sa_flags, 0);
	signal(SIGUSR1, SIG_DFL);
	sigemptyset(&old);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
}

/* ---- sigsuspend and sigpending ---- */

static volatile int susp_calls;
static ucontext_t susp_uc;
static sigset_t susp_mask_inside;
static void on_susp(int sig, uint32_t code, ucontext_t *uc)
{
	(void)sig;
	(void)code;
	susp_calls++;
	susp_uc = *uc;
	sigprocmask(SIG_BLOCK, NULL, &susp_mask_inside);
}

static void check_suspend_pending(void)
{
	sigset_t blocked, pending, wait_mask;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGUSR2);
	CHECK_OK(sigprocmask(SIG_SETMASK, &blocked, NULL));
	/* SA_RESTART: sigsuspend still ends with EINTR (never restarted). */
	handler_for(SIGUSR1, (void (*)(void))on_susp, SA_RESTART);

	CHECK_OK(sigpending(&pending));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pending.__bits[i], 0);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(susp_calls, 0);
	memset(&pending, 0xa5, sizeof(pending));
	CHECK_OK(sigpending(&pending));
	CHECK_EQ(pending.__bits[0], 1u << (SIGUSR1 - 1));
	for (int i = 1; i < 4; i++)
		CHECK_EQ(pending.__bits[i], 0);

	/* Wait with only SIGUSR2 and SIGHUP blocked: the pending SIGUSR1 is taken. */
	sigemptyset(&wait_mask);
	sigaddset(&wait_mask, SIGUSR2);
	sigaddset(&wait_mask, SIGHUP);
	CHECK_ERRNO(sigsuspend(&wait_mask), EINTR);
	CHECK_EQ(susp_calls, 1);
	/* The frame restores the mask from before sigsuspend; the handler ran under the
	 * sigsuspend mask plus the signal. */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(susp_uc.uc_sigmask.__bits[i], blocked.__bits[i]);
	sigset_t inside = wait_mask;
	sigaddset(&inside, SIGUSR1);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(susp_mask_inside.__bits[i], inside.__bits[i]);
	mask_is("after sigsuspend", &blocked);
	CHECK_OK(sigpending(&pending));
	CHECK_EQ(pending.__bits[0], 0);

	/* A signal a child sends while we wait in sigsuspend. */
	susp_calls = 0;
	pid_t parent = getpid();
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct timespec d = {0, 100 * 1000000L};
		nanosleep(&d, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK_ERRNO(sigsuspend(&wait_mask), EINTR);
	CHECK_EQ(susp_calls, 1);
	mask_is("after the second sigsuspend", &blocked);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	signal(SIGUSR1, SIG_DFL);
	sigemptyset(&blocked);
	CHECK_OK(sigprocmask(SIG_SETMASK, &blocked, NULL));
}

int main(void)
{
	check_sigaltstack();
	check_restart();
	check_osigaction();
	check_suspend_pending();
	PASS();
}
