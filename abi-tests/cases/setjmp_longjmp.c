// abi: all
/*
 * libc-shim's setjmp and longjmp, as a 4.x program finds them in its libc:
 *  - longjmp comes back out of nested calls to where setjmp returned, which returns
 *    the value given (1 for 0), with the locals that setjmp's caller keeps in memory;
 *  - setjmp saves the signal mask and longjmp restores it; _setjmp and _longjmp
 *    leave it alone;
 *  - out of a signal handler, siglongjmp to a sigsetjmp(env, 1) unblocks the signal
 *    (the handler's sigreturn never runs); with sigsetjmp(env, 0) it stays blocked.
 */
#include <nymph_test.h>
#include <setjmp.h>
#include <signal.h>

static jmp_buf env;
static sigjmp_buf senv;
static volatile int unwound;

static void deep(int n)
{
	if (n < 0)
		return;
	if (n == 0)
		longjmp(env, 7);
	deep(n - 1);
	unwound++;
}

static void on_usr1(int sig)
{
	siglongjmp(senv, sig);
}

static int blocked(int sig)
{
	sigset_t now;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	return sigismember(&now, sig);
}

int main(void)
{
	volatile int returns = 0;
	int r = setjmp(env);
	returns++;
	if (r == 0)
		deep(10);
	CHECK_EQ(r, 7);
	CHECK_EQ(returns, 2);
	CHECK_EQ(unwound, 0);
	r = setjmp(env);
	if (r == 0)
		longjmp(env, 0);
	CHECK_EQ(r, 1);

	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	if (setjmp(env) == 0) {
		CHECK_OK(sigprocmask(SIG_BLOCK, &usr2, NULL));
		longjmp(env, 1);
	}
	CHECK(!blocked(SIGUSR2));
	if (_setjmp(env) == 0) {
		CHECK_OK(sigprocmask(SIG_BLOCK, &usr2, NULL));
		_longjmp(env, 1);
	}
	CHECK(blocked(SIGUSR2));
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr2, NULL));

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	r = sigsetjmp(senv, 1);
	if (r == 0) {
		kill(getpid(), SIGUSR1);
		FAIL("the handler returned");
	}
	CHECK_EQ(r, SIGUSR1);
	CHECK(!blocked(SIGUSR1));
	r = sigsetjmp(senv, 0);
	if (r == 0) {
		kill(getpid(), SIGUSR1);
		FAIL("the handler returned");
	}
	CHECK_EQ(r, SIGUSR1);
	CHECK(blocked(SIGUSR1));
	PASS();
}
