// abi: freebsd4-i386
/*
 * FreeBSD 4.x's signal space is 128 signals (_SIG_MAXSIG, reference §4 "Signal-related
 * structs", kern_sig.c): sigset_t has 128 bits and keeps them all, sigaction and kill
 * take any number 1..128, only SIGKILL and SIGSTOP cannot be blocked (SIG_CANTMASK).
 * So a full mask reads back as every bit but those two, an action for signal 33 or
 * 128 can be set and read back, and kill with signal 64 is accepted.
 */
#include <nymph_test.h>
#include <signal.h>

int main(void)
{
	sigset_t all, now;
	memset(&all, 0xff, sizeof(all));
	CHECK_OK(sigprocmask(SIG_SETMASK, &all, NULL));
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	const uint32_t want0 = ~(1u << (SIGKILL - 1) | 1u << (SIGSTOP - 1));
	if (now.__bits[0] != want0 || now.__bits[1] != ~0u || now.__bits[2] != ~0u ||
	    now.__bits[3] != ~0u)
		FAIL("a full mask reads back as {0x%x, 0x%x, 0x%x, 0x%x}, wanted {0x%x, ~0, ~0, ~0}",
		     now.__bits[0], now.__bits[1], now.__bits[2], now.__bits[3], want0);
	sigemptyset(&all);
	CHECK_OK(sigprocmask(SIG_SETMASK, &all, NULL));

	static const int high[] = {32, 33, 64, _SIG_MAXSIG};
	for (unsigned i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
		struct sigaction sa, osa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		if (sigaction(high[i], &sa, NULL) < 0)
			FAIL("sigaction(%d, SIG_IGN): errno %s", high[i], nt_errname(errno));
		CHECK_OK(sigaction(high[i], NULL, &osa));
		CHECK(osa.sa_handler == SIG_IGN);
	}
	if (kill(getpid(), 64) < 0)
		FAIL("kill(getpid(), 64) with 64 ignored: errno %s", nt_errname(errno));
	CHECK_ERRNO(kill(getpid(), _SIG_MAXSIG + 1), EINVAL);
	PASS();
}
