/* Signal sets and the helpers built on sigaction/kill: shared by every ABI. */
#include <_libc.h>

/*
 * A sigset_t is an integer (native) or an array of words (FreeBSD 4.x); in both,
 * signal n is bit (n-1) % 32 of 32-bit word (n-1) / 32 (little-endian), so the sets
 * are handled as words.
 */
#define SIGSET_BITS ((int)(sizeof(sigset_t) * 8))
typedef uint32_t __attribute__((may_alias)) sigword_t;

static int bad(int sig)
{
	if (sig < 1 || sig > SIGSET_BITS) {
		errno = EINVAL;
		return 1;
	}
	return 0;
}

static sigword_t *word_of(sigset_t *set, int sig) { return (sigword_t *)set + (sig - 1) / 32; }
static uint32_t bit_of(int sig) { return (uint32_t)1 << ((sig - 1) % 32); }

int sigemptyset(sigset_t *set) { memset(set, 0, sizeof(*set)); return 0; }
int sigfillset(sigset_t *set) { memset(set, 0xff, sizeof(*set)); return 0; }

int sigaddset(sigset_t *set, int sig)
{
	if (bad(sig))
		return -1;
	*word_of(set, sig) |= bit_of(sig);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (bad(sig))
		return -1;
	*word_of(set, sig) &= ~bit_of(sig);
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (bad(sig))
		return -1;
	return (*word_of((sigset_t *)set, sig) & bit_of(sig)) != 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

int raise(int sig) { return kill(getpid(), sig); }

unsigned int sleep(unsigned int secs)
{
	struct timespec ts = {secs, 0};
	return nanosleep(&ts, NULL) < 0 ? secs : 0;
}

int usleep(unsigned long usecs)
{
	struct timespec ts = {(time_t)(usecs / 1000000), (long)(usecs % 1000000) * 1000};
	return nanosleep(&ts, NULL);
}
