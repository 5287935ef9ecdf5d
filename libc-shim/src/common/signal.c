/* Signal sets and the helpers built on sigaction/kill: shared by every ABI. */
#include <_libc.h>

#define SIGSET_BITS ((int)(sizeof(sigset_t) * 8))

static int bad(int sig)
{
	if (sig < 1 || sig > SIGSET_BITS) {
		errno = EINVAL;
		return 1;
	}
	return 0;
}

int sigemptyset(sigset_t *set) { *set = 0; return 0; }
int sigfillset(sigset_t *set) { *set = ~(sigset_t)0; return 0; }

int sigaddset(sigset_t *set, int sig)
{
	if (bad(sig))
		return -1;
	*set |= (sigset_t)1 << (sig - 1);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (bad(sig))
		return -1;
	*set &= ~((sigset_t)1 << (sig - 1));
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (bad(sig))
		return -1;
	return (*set >> (sig - 1)) & 1;
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

time_t time(time_t *t)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
