// abi: freebsd4-i386
/*
 * 4.x keeps a signal's mask and flags whatever its handler (kern_sig.c do_sigaction:
 * ps_catchmask, ps_sigintr and the other per-signal sets), and its old action reports
 * them: a signal never set shows SIG_DFL with SA_RESTART (ps_sigintr starts empty);
 * SIG_IGN and SIG_DFL given a mask and flags give them back; a caught signal that
 * exec resets to SIG_DFL keeps its mask and flags (execsigs resets the handler only),
 * so a program that copies an old action into a new one restarts its calls as on 4.x.
 */
#include <nymph_test.h>
#include <signal.h>
#include <unistd.h>

static void handler(int sig)
{
	(void)sig;
}

static struct sigaction old_of(int sig)
{
	struct sigaction o;
	memset(&o, 0x55, sizeof(o));
	CHECK_OK(sigaction(sig, NULL, &o));
	return o;
}

static void check_after_exec(void)
{
	/* SIGUSR1 was caught with SA_SIGINFO | SA_RESTART and SIGHUP masked. */
	struct sigaction o = old_of(SIGUSR1);
	CHECK(o.sa_handler == SIG_DFL);
	CHECK_EQ(o.sa_flags, SA_SIGINFO | SA_RESTART);
	CHECK(sigismember(&o.sa_mask, SIGHUP));
	/* SIGUSR2 was ignored with SA_NODEFER: still ignored, still the flag. */
	o = old_of(SIGUSR2);
	CHECK(o.sa_handler == SIG_IGN);
	CHECK_EQ(o.sa_flags, SA_NODEFER);
	PASS();
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0)
		check_after_exec();

	/* Never set. */
	struct sigaction o = old_of(SIGWINCH);
	CHECK(o.sa_handler == SIG_DFL);
	CHECK_EQ(o.sa_flags, SA_RESTART);
	sigset_t none;
	sigemptyset(&none);
	CHECK(memcmp(&o.sa_mask, &none, sizeof(none)) == 0);

	/* SIG_IGN with a mask and flags gives them back; so does SIG_DFL. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_RESETHAND;
	sigaddset(&sa.sa_mask, SIGTERM);
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	o = old_of(SIGUSR2);
	CHECK(o.sa_handler == SIG_IGN);
	CHECK_EQ(o.sa_flags, SA_RESETHAND);
	CHECK(sigismember(&o.sa_mask, SIGTERM));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGUSR2, &sa, &o));
	CHECK(o.sa_handler == SIG_IGN && o.sa_flags == SA_RESETHAND);
	o = old_of(SIGUSR2);
	CHECK(o.sa_handler == SIG_DFL);
	CHECK_EQ(o.sa_flags, 0);

	/* A handler's own mask and flags; then exec resets the handler only. */
	sa.sa_handler = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaddset(&sa.sa_mask, SIGHUP);
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	o = old_of(SIGUSR1);
	CHECK(o.sa_handler == handler);
	CHECK_EQ(o.sa_flags, SA_SIGINFO | SA_RESTART);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NODEFER;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	char *args[] = {argv[0], "after-exec", NULL};
	execve(argv[0], args, environ);
	FAIL("execve %s: %s", argv[0], strerror(errno));
}
