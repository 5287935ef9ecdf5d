// abi: native-v1, native-v2
/*
 * The old action of a signal set to SIG_DFL or SIG_IGN is the action as it was set
 * (POSIX sigaction: oact), mask and flags included: the raw 32-byte struct sigaction
 * byte for byte. A signal never set reads as SIG_DFL with no mask and no flags; SIG_IGN
 * and SIG_DFL given a mask and flags give them back, as does SIG_DFL after them given
 * none; a handler's own come back as before; fork keeps them. SIGCHLD's child flags
 * stay the process's (sigchld_flags).
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(int sig)
{
	(void)sig;
}

static void restorer(void)
{
}

static uint64_t bit(int sig)
{
	return 1ull << (sig - 1);
}

static struct __abi_sigaction action(uint64_t h, uint32_t flags, uint64_t mask)
{
	struct __abi_sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_struct_size = sizeof(sa);
	sa.sa_flags = flags;
	sa.sa_handler = h;
	sa.sa_restorer = h > 1 ? (uint64_t)(uintptr_t)restorer : 0;
	sa.sa_mask = mask;
	return sa;
}

/* Installs `set` (or nothing) for sig; the old action must be `want`, byte for byte. */
static void swap(int sig, const struct __abi_sigaction *set, struct __abi_sigaction want)
{
	struct __abi_sigaction old;
	memset(&old, 0x55, sizeof(old));
	old.sa_struct_size = sizeof(old);
	CHECK_OK(__sys_sigaction(sig, set, &old));
	CHECK_EQ(old.sa_struct_size, 32);
	CHECK_EQ(old.sa_flags, want.sa_flags);
	CHECK_EQ(old.sa_handler, want.sa_handler);
	CHECK_EQ(old.sa_restorer, want.sa_restorer);
	CHECK_EQ(old.sa_mask, want.sa_mask);
	CHECK(memcmp(&old, &want, sizeof(old)) == 0);
}

int main(void)
{
	/* Never set. */
	swap(SIGWINCH, NULL, action(0, 0, 0));

	/* SIG_IGN with a mask and flags gives them back; so does SIG_DFL. */
	struct __abi_sigaction ign = action(1, SA_RESETHAND | SA_NODEFER, bit(SIGTERM));
	CHECK_OK(__sys_sigaction(SIGUSR2, &ign, NULL));
	swap(SIGUSR2, NULL, ign);
	struct __abi_sigaction dfl = action(0, SA_RESTART, bit(SIGHUP) | bit(SIGINT));
	swap(SIGUSR2, &dfl, ign);
	swap(SIGUSR2, NULL, dfl);
	struct __abi_sigaction bare = action(0, 0, 0);
	swap(SIGUSR2, &bare, dfl);
	swap(SIGUSR2, NULL, bare);

	/* A handler's own mask and flags; then SIG_IGN's replace them. */
	struct __abi_sigaction caught =
	    action((uint64_t)(uintptr_t)handler, SA_RESTART | SA_ONSTACK, bit(SIGQUIT));
	CHECK_OK(__sys_sigaction(SIGUSR1, &caught, NULL));
	swap(SIGUSR1, NULL, caught);
	ign = action(1, SA_RESETHAND, bit(SIGALRM));
	swap(SIGUSR1, &ign, caught);
	swap(SIGUSR1, NULL, ign);

	/* SIGCHLD: SIG_DFL's mask and flags, with the child flags the process's. */
	struct __abi_sigaction chld = action(0, SA_NOCLDSTOP | SA_NODEFER, bit(SIGUSR1));
	CHECK_OK(__sys_sigaction(SIGCHLD, &chld, NULL));
	swap(SIGCHLD, NULL, chld);

	/* fork keeps them. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		swap(SIGUSR1, NULL, ign);
		swap(SIGUSR2, NULL, bare);
		swap(SIGCHLD, NULL, chld);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
