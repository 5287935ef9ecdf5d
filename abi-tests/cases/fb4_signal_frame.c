// abi: freebsd4-i386
/*
 * The 408-byte struct sigframe a FreeBSD 4.x i386 handler runs on (reference §5,
 * machdep.c sendsig/sigreturn), checked word by word at the handler's esp:
 *  - the handler is called by the trampoline at 0xBFBFFFA8 (`call *16(%esp)`, 4 bytes:
 *    the return address is 0xBFBFFFAC), with esp on the frame, which sits exactly 408
 *    bytes below the interrupted esp (no alignment);
 *  - sf_signum; sf_siginfo = the code (0 for kill) or &sf_si (SA_SIGINFO);
 *    sf_ucontext = &sf_uc; sf_addr = tf_err (2, the length of `int $0x80`, for a
 *    signal delivered on the way out of a system call; not set with SA_SIGINFO);
 *    sf_ahu = the handler; the arguments are those words;
 *  - uc_sigmask = the mask before delivery; uc_stack = {0, 0, SS_DISABLE} without a
 *    sigaltstack; mc_onstack 0; mc_fs..mc_ss = the trap frame: the registers the
 *    `int $0x80` of kill(getpid()) left (eax 0 its result, edx kept, the rest the
 *    markers put there), eip after the int, esp at the int, eflags with CF clear, the
 *    live selectors; mc_err 2; the FPU words, the spares, uc_link and (without
 *    SA_SIGINFO) sf_si zero; with SA_SIGINFO si_signo, si_addr = tf_err, the rest 0;
 *  - in the handler the mask is the old one plus sa_mask plus the signal;
 *  - sigreturn (the trampoline's 344) resumes from uc_mcontext: a handler that changes
 *    mc_eax, mc_ebx, mc_eflags (CF) and mc_eip changes what runs on; eflags with a
 *    changed IOPL, IF or VM is EINVAL (EFL_SECURE) and returns to the caller; a %cs
 *    without RPL 3 is refused with a SIGBUS (CS_SECURE); a context that cannot be read
 *    is EFAULT;
 *  - sigaction: SIGKILL and SIGSTOP take SIG_DFL (and nothing else), 0 and past
 *    _SIG_MAXSIG are EINVAL; SA_NODEFER leaves the signal unblocked in its handler (a
 *    kill there nests), SA_RESETHAND makes the action SIG_DFL as the handler starts;
 *  - a signal whose frame cannot be written (esp on nothing) kills with SIGILL.
 */
#include <nymph_test.h>
#include <signal.h>

#define PSL_C_BIT 0x1
#define PSL_I 0x200
#define PSL_IOPL 0x3000
#define PSL_VM 0x20000
#define SIGCODE_ADDR (PS_STRINGS - SZSIGCODE) /* 0xBFBFFFA8 */
#define INT80_LEN 2

struct regs {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, eflags;
};
__attribute__((used)) static struct regs before, after;
__attribute__((used)) static uint32_t probe_pid, probe_sig, probe_eflags, probe_esp;
__attribute__((used)) static volatile uint32_t probe_not_skipped;
extern char fb4_probe_int[], fb4_probe_after[], fb4_probe_skip[];

/* kill(probe_pid, probe_sig) by a direct int $0x80 with every register known; the
 * state after it (after the handler's sigreturn) lands in `after`. */
__attribute__((noinline, noclone)) static void probe(void)
{
	__asm__ volatile("pushl %%ebp\n\t"
			 "pushl %%ebx\n\t"
			 "pushl %%esi\n\t"
			 "pushl %%edi\n\t"
			 "pushl probe_sig\n\t"
			 "pushl probe_pid\n\t"
			 "pushl $0x0badc0de\n\t" /* a stub's return address */
			 "movl before+4, %%ebx\n\t"
			 "movl before+8, %%ecx\n\t"
			 "movl before+12, %%edx\n\t"
			 "movl before+16, %%esi\n\t"
			 "movl before+20, %%edi\n\t"
			 "movl before+24, %%ebp\n\t"
			 "movl $37, %%eax\n\t" /* SYS_kill */
			 "movl %%esp, probe_esp\n\t"
			 "clc\n\t"
			 "pushfl\n\t"
			 "popl probe_eflags\n\t"
			 ".globl fb4_probe_int\n"
			 "fb4_probe_int:\n\t"
			 "int $0x80\n"
			 ".globl fb4_probe_after\n"
			 "fb4_probe_after:\n\t"
			 "movl $1, probe_not_skipped\n"
			 ".globl fb4_probe_skip\n"
			 "fb4_probe_skip:\n\t"
			 "pushfl\n\t"
			 "popl after+28\n\t"
			 "movl %%eax, after+0\n\t"
			 "movl %%ebx, after+4\n\t"
			 "movl %%ecx, after+8\n\t"
			 "movl %%edx, after+12\n\t"
			 "movl %%esi, after+16\n\t"
			 "movl %%edi, after+20\n\t"
			 "movl %%ebp, after+24\n\t"
			 "addl $12, %%esp\n\t"
			 "popl %%edi\n\t"
			 "popl %%esi\n\t"
			 "popl %%ebx\n\t"
			 "popl %%ebp"
			 :
			 :
			 : "eax", "ecx", "edx", "memory", "cc");
}

/* The handler's entry: notes esp (the return address, the frame above it) and goes on
 * to the C part with the stack untouched. */
__attribute__((used)) static uint32_t handler_esp;
void fb4_frame_handler(void);
void fb4_frame_handler_c(int sig, uint32_t arg2, uint32_t arg3, uint32_t arg4);
__asm__(".text\n"
	".globl fb4_frame_handler\n"
	"fb4_frame_handler:\n\t"
	"movl %esp, handler_esp\n\t"
	"jmp fb4_frame_handler_c\n");

enum mode { LOOK, CHANGE, BAD_EFLAGS, BAD_CS };
static enum mode mode;
static int calls;
static struct sigframe seen;          /* the frame as the handler found it */
static uint32_t seen_ret, seen_args[4];
static sigset_t seen_mask;
static int bad_eflags_errno[3];
static long bad_eflags_ret[3];
static volatile int sigbus_calls, sigbus_calls_at_return;
static void on_sigbus(int sig)
{
	(void)sig;
	sigbus_calls++;
}

void fb4_frame_handler_c(int sig, uint32_t arg2, uint32_t arg3, uint32_t arg4)
{
	calls++;
	seen_ret = *(uint32_t *)(uintptr_t)handler_esp;
	memcpy(&seen, (void *)(uintptr_t)(handler_esp + 4), sizeof(seen));
	seen_args[0] = (uint32_t)sig;
	seen_args[1] = arg2;
	seen_args[2] = arg3;
	seen_args[3] = arg4;
	sigprocmask(SIG_BLOCK, NULL, &seen_mask);
	ucontext_t *uc = (ucontext_t *)(uintptr_t)arg3;
	if (mode == CHANGE) {
		uc->uc_mcontext.mc_eax = 0x12345678;
		uc->uc_mcontext.mc_ebx = 0x77777777;
		uc->uc_mcontext.mc_eflags |= PSL_C_BIT;
		uc->uc_mcontext.mc_eip = (int32_t)(uintptr_t)fb4_probe_skip;
	} else if (mode == BAD_EFLAGS) {
		/* EFL_SECURE: only the PSL_USERCHANGE bits may differ from the live eflags. */
		static const uint32_t flip[3] = {PSL_IOPL, PSL_I, PSL_VM};
		for (int i = 0; i < 3; i++) {
			ucontext_t copy = *uc;
			copy.uc_mcontext.mc_eflags ^= (int32_t)flip[i];
			copy.uc_mcontext.mc_eip = (int32_t)(uintptr_t)fb4_probe_skip;
			errno = 0;
			bad_eflags_ret[i] = __sys_sigreturn(&copy);
			bad_eflags_errno[i] = errno;
		}
	} else if (mode == BAD_CS) {
		/* CS_SECURE: a %cs without RPL 3 is refused, with a SIGBUS (T_PROTFLT). */
		ucontext_t copy = *uc;
		copy.uc_mcontext.mc_cs &= ~3;
		copy.uc_mcontext.mc_eip = (int32_t)(uintptr_t)fb4_probe_skip;
		__sys_sigreturn(&copy);
		sigbus_calls_at_return = sigbus_calls;
	}
}

/* The selectors as the probe ran (read before it: the trampoline reloads %gs). */
static uint32_t live[6];

static uint32_t sel(int which)
{
	uint16_t v = 0;
	switch (which) {
	case 0: __asm__ volatile("movw %%cs, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("movw %%ds, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("movw %%es, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("movw %%fs, %0" : "=r"(v)); break;
	case 4: __asm__ volatile("movw %%gs, %0" : "=r"(v)); break;
	default: __asm__ volatile("movw %%ss, %0" : "=r"(v)); break;
	}
	return v;
}

/* Every differing word is listed (on stdout, for the log); the first one fails the
 * case at the end of the frame's check. */
static int mismatches;
static char first_mismatch[160];

static void word(const char *what, uint32_t got, uint32_t want)
{
	if (got == want)
		return;
	char line[160];
	snprintf(line, sizeof(line), "frame %s: 0x%x, wanted 0x%x", what, got, want);
	dprintf(1, "%s\n", line);
	if (mismatches++ == 0)
		memcpy(first_mismatch, line, sizeof(line));
}

static void zeros(const char *what, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0) {
			char w[96];
			snprintf(w, sizeof(w), "%s byte %u", what, (unsigned)i);
			word(w, b[i], 0);
			return;
		}
}

static void frame_verdict(void)
{
	if (mismatches)
		FAIL("%d frame words differ; first: %s", mismatches, first_mismatch);
}

static void markers(void)
{
	before.ebx = 0x11111111;
	before.ecx = 0x22222222;
	before.edx = 0x33333333;
	before.esi = 0x44444444;
	before.edi = 0x55555555;
	before.ebp = 0x66666666;
	probe_pid = (uint32_t)getpid();
	probe_sig = SIGUSR1;
	probe_not_skipped = 0;
	memset(&after, 0, sizeof(after));
	for (int i = 0; i < 6; i++)
		live[i] = sel(i);
}

static void install(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = (void (*)(int))fb4_frame_handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
}

/* Everything sendsig wrote, for the signal raised by probe() with `old` blocked. */
static void check_frame(int siginfo, const sigset_t *old)
{
	const struct sigframe *f = &seen;
	uint32_t frame = handler_esp + 4;
	CHECK_EQ(calls, 1);
	word("return address (in the trampoline, after its 4-byte call)", seen_ret,
	     SIGCODE_ADDR + 4);
	word("address (interrupted esp - 408)", frame, probe_esp - 408);
	CHECK_EQ(sizeof(struct sigframe), 408);

	word("sf_signum", (uint32_t)f->sf_signum, SIGUSR1);
	word("sf_siginfo", f->sf_siginfo, siginfo ? frame + 344 : 0);
	word("sf_ucontext", f->sf_ucontext, frame + 20);
	word("sf_addr", f->sf_addr, siginfo ? 0 : INT80_LEN);
	word("sf_ahu", f->sf_ahu, (uint32_t)(uintptr_t)fb4_frame_handler);
	for (int i = 0; i < 4; i++)
		word("handler argument", seen_args[i], ((const uint32_t *)f)[i]);

	const ucontext_t *uc = &f->sf_uc;
	for (int i = 0; i < 4; i++)
		word("uc_sigmask word", uc->uc_sigmask.__bits[i], old->__bits[i]);
	const mcontext_t *mc = &uc->uc_mcontext;
	/* What the probe ran with are 4.x's own selectors, cs 0x1f and data 0x2f. */
	static const uint32_t fb4_selectors[6] = {0x1f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f};
	for (int i = 0; i < 6; i++)
		word("live selector", live[i], fb4_selectors[i]);
	word("mc_onstack", (uint32_t)mc->mc_onstack, 0);
	word("mc_gs", (uint32_t)mc->mc_gs, live[4]);
	word("mc_fs", (uint32_t)mc->mc_fs, live[3]);
	word("mc_es", (uint32_t)mc->mc_es, live[2]);
	word("mc_ds", (uint32_t)mc->mc_ds, live[1]);
	word("mc_edi", (uint32_t)mc->mc_edi, before.edi);
	word("mc_esi", (uint32_t)mc->mc_esi, before.esi);
	word("mc_ebp", (uint32_t)mc->mc_ebp, before.ebp);
	/* mc_isp is the kernel's esp at the trap: nothing to compare. */
	word("mc_ebx", (uint32_t)mc->mc_ebx, before.ebx);
	word("mc_edx (kill keeps edx)", (uint32_t)mc->mc_edx, before.edx);
	word("mc_ecx", (uint32_t)mc->mc_ecx, before.ecx);
	word("mc_eax (kill's result)", (uint32_t)mc->mc_eax, 0);
	/* mc_trapno of a system call is whatever the frame's slot held: not compared. */
	word("mc_err (int $0x80's length)", (uint32_t)mc->mc_err, INT80_LEN);
	word("mc_eip (after the int)", (uint32_t)mc->mc_eip, (uint32_t)(uintptr_t)fb4_probe_after);
	word("mc_cs", (uint32_t)mc->mc_cs, live[0]);
	word("mc_eflags (CF clear: kill succeeded)", (uint32_t)mc->mc_eflags,
	     probe_eflags & ~(uint32_t)PSL_C_BIT);
	word("mc_esp (at the int)", (uint32_t)mc->mc_esp, probe_esp);
	word("mc_ss", (uint32_t)mc->mc_ss, live[5]);
	zeros("mc_fpregs (4.x does not save the FPU)", mc->mc_fpregs, sizeof(mc->mc_fpregs));
	zeros("mc __spare__", mc->__spare__, sizeof(mc->__spare__));
	word("uc_link", uc->uc_link, 0);
	word("uc_stack.ss_sp", uc->uc_stack.ss_sp, 0);
	word("uc_stack.ss_size", uc->uc_stack.ss_size, 0);
	word("uc_stack.ss_flags", (uint32_t)uc->uc_stack.ss_flags, SS_DISABLE);
	zeros("uc __spare__", uc->__spare__, sizeof(uc->__spare__));

	const siginfo_t *si = &f->sf_si;
	if (!siginfo) {
		zeros("sf_si (not filled without SA_SIGINFO)", si, sizeof(*si));
	} else {
		word("si_signo", (uint32_t)si->si_signo, SIGUSR1);
		word("si_errno", (uint32_t)si->si_errno, 0);
		word("si_code (kill: 0)", (uint32_t)si->si_code, 0);
		word("si_pid (4.x does not fill it)", (uint32_t)si->si_pid, 0);
		word("si_uid", si->si_uid, 0);
		word("si_status", (uint32_t)si->si_status, 0);
		word("si_addr (tf_err)", si->si_addr, INT80_LEN);
		zeros("si_value, si_band, spares", (const char *)si + 28, sizeof(*si) - 28);
	}
	frame_verdict();

	/* In the handler: the old mask, sa_mask (SIGINT) and the signal itself. */
	sigset_t want = *old;
	sigaddset(&want, SIGINT);
	sigaddset(&want, SIGUSR1);
	for (int i = 0; i < 4; i++)
		if (seen_mask.__bits[i] != want.__bits[i])
			FAIL("mask in the handler: word %d 0x%x, wanted 0x%x", i,
			     seen_mask.__bits[i], want.__bits[i]);
}

static void check_mask_is(const sigset_t *want)
{
	sigset_t now;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	for (int i = 0; i < 4; i++)
		if (now.__bits[i] != want->__bits[i])
			FAIL("mask after the handler: word %d 0x%x, wanted 0x%x", i,
			     now.__bits[i], want->__bits[i]);
}

/* The handler looked and returned: every register as the kill left it. */
static void check_resumed_unchanged(void)
{
	CHECK_EQ(probe_not_skipped, 1);
	CHECK_EQ(after.eax, 0);
	CHECK_EQ(after.ebx, before.ebx);
	CHECK_EQ(after.ecx, before.ecx);
	CHECK_EQ(after.edx, before.edx);
	CHECK_EQ(after.esi, before.esi);
	CHECK_EQ(after.edi, before.edi);
	CHECK_EQ(after.ebp, before.ebp);
	CHECK_EQ(after.eflags & PSL_C_BIT, 0);
}

/* do_sigaction: 1..128 (1..31 here); SIGKILL and SIGSTOP take SIG_DFL and nothing
 * else. */
static void check_sigaction_limits(void)
{
	struct sigaction sa, osa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	CHECK_OK(sigaction(SIGKILL, &sa, &osa));
	CHECK(osa.sa_handler == SIG_DFL);
	CHECK_OK(sigaction(SIGSTOP, &sa, NULL));
	CHECK_OK(sigaction(SIGKILL, NULL, &osa));
	sa.sa_handler = SIG_IGN;
	CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL);
	sa.sa_handler = on_sigbus;
	CHECK_ERRNO(sigaction(SIGSTOP, &sa, NULL), EINVAL);
	CHECK_ERRNO(sigaction(0, &sa, NULL), EINVAL);
	CHECK_ERRNO(sigaction(_SIG_MAXSIG + 1, &sa, NULL), EINVAL);
}

/* SA_NODEFER: the signal stays deliverable in its own handler (a kill there nests);
 * SA_RESETHAND: the action is SIG_DFL once the handler has been entered. */
static volatile int depth, max_depth, nodefer_calls;
static sigset_t nodefer_mask;
static void on_nodefer(int sig)
{
	nodefer_calls++;
	if (++depth > max_depth)
		max_depth = depth;
	if (nodefer_calls == 1) {
		sigprocmask(SIG_BLOCK, NULL, &nodefer_mask);
		kill(getpid(), sig);
	}
	depth--;
}

/* In a child: the action is SIG_DFL already; the second SIGUSR2 (blocked until the
 * handler returns) then kills. */
static void on_resethand(int sig)
{
	struct sigaction now;
	if (sigaction(sig, NULL, &now) < 0 || now.sa_handler != SIG_DFL)
		_exit(4);
	kill(getpid(), sig);
}

static void check_nodefer_resethand(void)
{
	sigset_t none;
	sigemptyset(&none);
	CHECK_OK(sigprocmask(SIG_SETMASK, &none, NULL));
	struct sigaction sa, osa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_nodefer;
	sa.sa_flags = SA_NODEFER;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(nodefer_calls, 2);
	CHECK_EQ(max_depth, 2);
	CHECK_EQ(sigismember(&nodefer_mask, SIGUSR2), 0);

	/* Without it the second kill waits for the first handler to return. */
	nodefer_calls = max_depth = 0;
	sa.sa_flags = 0;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(nodefer_calls, 2);
	CHECK_EQ(max_depth, 1);
	CHECK_EQ(sigismember(&nodefer_mask, SIGUSR2), 1);

	sa.sa_handler = on_resethand;
	sa.sa_flags = SA_RESETHAND;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	CHECK_OK(sigaction(SIGUSR2, NULL, &osa));
	CHECK_EQ(osa.sa_flags & SA_RESETHAND, SA_RESETHAND);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		kill(getpid(), SIGUSR2);
		_exit(3); /* the second SIGUSR2 should have killed it */
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		FAIL("SA_RESETHAND: the action in the handler was not SIG_DFL");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGUSR2)
		FAIL("SA_RESETHAND: wait status 0x%x, wanted death by the second SIGUSR2", status);
	CHECK(signal(SIGUSR2, SIG_DFL) != SIG_ERR);
}

/* A signal whose frame cannot be written (esp on nothing): 4.x's sendsig gives the
 * process that "has trashed its stack" a SIGILL, which kills it. */
static void trash_and_spin(void)
{
	__asm__ volatile("movl $0x1000, %%esp\n1:\tjmp 1b" ::: "memory");
}

static void check_trashed_stack(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		install(0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		trash_and_spin();
	}
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	struct timespec d = {0, 50 * 1000000L};
	nanosleep(&d, NULL);
	CHECK_OK(kill(pid, SIGUSR1));
	int status = 0;
	pid_t got = 0;
	for (int i = 0; i < 100 && got == 0; i++) {
		got = CHECK_OK(waitpid(pid, &status, WNOHANG));
		if (got == 0)
			nanosleep(&d, NULL);
	}
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		FAIL("a signal with no room for its frame: the process went on");
	}
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGILL)
		FAIL("a signal with no room for its frame: wait status 0x%x, wanted death by SIGILL",
		     status);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	/* 4.x starts every process with %fs = %gs = the user data selector (setregs); here
	 * %fs and %gs are not part of a process's context, so load them as 4.x has them. */
	__asm__ volatile("movw %%ds, %%ax\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs" ::: "eax");

	/* A known mask before delivery: SIGHUP and SIGUSR2 (bits 0 and 30 of word 0). */
	sigset_t old;
	sigemptyset(&old);
	sigaddset(&old, SIGHUP);
	sigaddset(&old, SIGUSR2);
	CHECK_EQ(old.__bits[0], 1u | 1u << 30);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));

	/* Old-style arguments. */
	install(0);
	mode = LOOK;
	calls = 0;
	markers();
	probe();
	check_frame(0, &old);
	check_resumed_unchanged();
	check_mask_is(&old);

	/* SA_SIGINFO. */
	install(SA_SIGINFO);
	calls = 0;
	markers();
	probe();
	check_frame(1, &old);
	check_resumed_unchanged();
	check_mask_is(&old);

	/* The handler rewrites the context: sigreturn resumes from what it wrote. */
	install(0);
	mode = CHANGE;
	calls = 0;
	markers();
	probe();
	CHECK_EQ(calls, 1);
	CHECK_EQ(probe_not_skipped, 0);
	CHECK_EQ(after.eax, 0x12345678);
	CHECK_EQ(after.ebx, 0x77777777);
	CHECK_EQ(after.eflags & PSL_C_BIT, PSL_C_BIT);
	CHECK_EQ(after.ecx, before.ecx);
	CHECK_EQ(after.edx, before.edx);
	CHECK_EQ(after.esi, before.esi);
	CHECK_EQ(after.edi, before.edi);
	CHECK_EQ(after.ebp, before.ebp);
	check_mask_is(&old);

	/* sigreturn with eflags a user may not change: EINVAL, back in the handler, which
	 * then returns the ordinary way. */
	mode = BAD_EFLAGS;
	calls = 0;
	markers();
	probe();
	CHECK_EQ(calls, 1);
	static const char *const what[3] = {"IOPL", "IF", "VM"};
	for (int i = 0; i < 3; i++)
		if (bad_eflags_ret[i] != -1 || bad_eflags_errno[i] != EINVAL)
			FAIL("sigreturn with %s changed: %ld, errno %s; wanted -1, EINVAL", what[i],
			     bad_eflags_ret[i], nt_errname(bad_eflags_errno[i]));
	check_resumed_unchanged();
	check_mask_is(&old);

	/* sigreturn to a %cs of another privilege: refused, SIGBUS, back in the handler. */
	CHECK(signal(SIGBUS, on_sigbus) != SIG_ERR);
	mode = BAD_CS;
	calls = 0;
	markers();
	probe();
	CHECK_EQ(calls, 1);
	CHECK_EQ(sigbus_calls, 1);
	CHECK_EQ(sigbus_calls_at_return, 1);
	check_resumed_unchanged();
	check_mask_is(&old);
	CHECK(signal(SIGBUS, SIG_DFL) != SIG_ERR);

	/* A context that cannot be read. */
	errno = 0;
	CHECK_ERRNO(__sys_sigreturn(NULL), EFAULT);

	check_sigaction_limits();
	check_nodefer_resethand();
	check_trashed_stack();
	PASS();
}
