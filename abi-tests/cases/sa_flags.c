/*
 * sigaction flags every ABI honours: SA_RESETHAND makes the action the default again
 * once the handler is entered; SA_NODEFER lets the signal interrupt its own handler
 * (without it the second one waits until the handler returns).
 */
#include <nymph_test.h>
#include <signal.h>
#include <unistd.h>

static volatile int depth, max_depth, calls;

static void handler(int sig)
{
	calls++;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls == 1)
		kill(getpid(), sig); /* a second one, from inside the handler */
	depth--;
}

static volatile int counted;
static void count(int sig) { (void)sig; counted++; }

static void install(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	depth = max_depth = calls = 0;
}

int main(void)
{
	/* Deferred: the second signal runs the handler after the first returns. */
	install(0);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(calls, 2);
	CHECK_EQ(max_depth, 1);

	/* SA_NODEFER: it nests. */
	install(SA_NODEFER);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(calls, 2);
	CHECK_EQ(max_depth, 2);

	/* SA_RESETHAND: the handler runs once; the action is SIG_DFL afterwards. */
	struct sigaction sa, now;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = count;
	sa.sa_flags = SA_RESETHAND;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	counted = 0;
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(counted, 1);
	CHECK_OK(sigaction(SIGUSR2, NULL, &now));
	CHECK(now.sa_handler == SIG_DFL);
	PASS();
}
