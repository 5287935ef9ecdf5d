// abi: freebsd4-i386
/*
 * sigvec's (108) flags as kern_sig.c osigvec passes them: sv_flags goes to
 * do_sigaction whole with SV_INTERRUPT turned into the absence of SA_RESTART, so
 * SV_ONSTACK, SV_RESETHAND, SV_NODEFER, SV_SIGINFO and (for SIGCHLD) SV_NOCLDSTOP
 * are kept; the old action comes back with every flag do_sigaction reports but
 * SA_NOCLDWAIT, SA_RESTART inverted again. A signal never set reads as flags 0
 * (SA_RESTART's absence is SV_INTERRUPT's); SIG_IGN keeps what it was given. A handler
 * installed with SV_SIGINFO gets, in the old-style frame, a pointer to the frame's
 * siginfo (the same as its sigcontext pointer) as its second argument instead of
 * the code.
 */
#include <nymph_test.h>
#include <signal.h>
#include <unistd.h>

enum {
	SV_ONSTACK_4X = 0x1,
	SV_INTERRUPT_4X = 0x2,
	SV_RESETHAND_4X = 0x4,
	SV_NOCLDSTOP_4X = 0x8,
	SV_NODEFER_4X = 0x10,
	SV_SIGINFO_4X = 0x40,
};

static volatile int hits;
static volatile uint32_t arg2, arg3;

static void on_sig(int sig, uint32_t second, uint32_t third)
{
	(void)sig;
	hits++;
	arg2 = second;
	arg3 = third;
}

static struct sigvec vec(uint32_t handler, int flags)
{
	struct sigvec sv = {handler, 0, flags};
	return sv;
}

static struct sigvec old_of(int sig)
{
	struct sigvec o;
	memset(&o, 0x55, sizeof(o));
	CHECK_OK(syscall(108, sig, NULL, &o));
	return o;
}

static int sa_flags_of(int sig)
{
	struct sigaction o;
	memset(&o, 0x55, sizeof(o));
	CHECK_OK(sigaction(sig, NULL, &o));
	return o.sa_flags;
}

int main(void)
{
	uint32_t handler = (uint32_t)(uintptr_t)on_sig;

	/* Never set: SA_RESTART, which sigvec reports as no SV_INTERRUPT. */
	CHECK_EQ(old_of(SIGWINCH).sv_flags, 0);

	/* Every flag a caught signal keeps, read back by sigvec and by sigaction. */
	int all = SV_ONSTACK_4X | SV_INTERRUPT_4X | SV_RESETHAND_4X | SV_NODEFER_4X;
	struct sigvec sv = vec(handler, all);
	CHECK_OK(syscall(108, SIGUSR2, &sv, NULL));
	struct sigvec o = old_of(SIGUSR2);
	CHECK_EQ(o.sv_handler, handler);
	CHECK_EQ(o.sv_flags, all);
	CHECK_EQ(sa_flags_of(SIGUSR2), SA_ONSTACK | SA_RESETHAND | SA_NODEFER);
	sv = vec(handler, 0);
	CHECK_OK(syscall(108, SIGUSR2, &sv, &o));
	CHECK_EQ(o.sv_flags, all);
	CHECK_EQ(old_of(SIGUSR2).sv_flags, 0);
	CHECK_EQ(sa_flags_of(SIGUSR2), SA_RESTART);

	/* Without SV_SIGINFO the handler's second argument is the code (0 from kill). */
	arg2 = arg3 = 0x55555555;
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(hits, 1);
	CHECK_EQ(arg2, 0);
	CHECK(arg3 != 0 && arg3 != 0x55555555);

	/* SV_SIGINFO is kept, reported, and gives the handler the siginfo pointer. */
	sv = vec(handler, SV_SIGINFO_4X | SV_INTERRUPT_4X);
	CHECK_OK(syscall(108, SIGUSR2, &sv, NULL));
	CHECK_EQ(old_of(SIGUSR2).sv_flags, SV_SIGINFO_4X | SV_INTERRUPT_4X);
	CHECK_EQ(sa_flags_of(SIGUSR2), SA_SIGINFO);
	arg2 = arg3 = 0x55555555;
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(hits, 2);
	CHECK(arg2 != 0 && arg2 != 0x55555555);
	CHECK_EQ(arg2, arg3);

	/* SIGCHLD: SV_NOCLDSTOP comes back; SA_NOCLDWAIT (set by sigaction) does not. */
	sv = vec(handler, SV_NOCLDSTOP_4X);
	CHECK_OK(syscall(108, SIGCHLD, &sv, NULL));
	CHECK_EQ(old_of(SIGCHLD).sv_flags, SV_NOCLDSTOP_4X);
	CHECK_EQ(sa_flags_of(SIGCHLD), SA_NOCLDSTOP | SA_RESTART);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT | SA_NOCLDSTOP | SA_RESTART;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	o = old_of(SIGCHLD);
	CHECK(o.sv_handler == 0);
	CHECK_EQ(o.sv_flags, SV_NOCLDSTOP_4X);
	CHECK_EQ(sa_flags_of(SIGCHLD), SA_NOCLDWAIT | SA_NOCLDSTOP | SA_RESTART);
	/* SV_NOCLDSTOP means nothing for another signal. */
	sv = vec(handler, SV_NOCLDSTOP_4X | SV_INTERRUPT_4X);
	CHECK_OK(syscall(108, SIGUSR1, &sv, NULL));
	CHECK_EQ(old_of(SIGUSR1).sv_flags, SV_INTERRUPT_4X);

	/* SIG_IGN keeps the flags it was given. */
	sv = vec(1 /* SIG_IGN */, SV_NODEFER_4X | SV_RESETHAND_4X);
	CHECK_OK(syscall(108, SIGUSR1, &sv, NULL));
	o = old_of(SIGUSR1);
	CHECK_EQ(o.sv_handler, 1);
	CHECK_EQ(o.sv_flags, SV_NODEFER_4X | SV_RESETHAND_4X);
	PASS();
}
