// abi: all
/*
 * A caught signal interrupts nanosleep with EINTR and the time left in rem; an
 * ignored one does not; a sleep nobody interrupts lasts at least what was asked.
 */
#include <nymph_test.h>
#include <signal.h>
#include <time.h>

static volatile int caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

/* A child that sends `sig` to the parent after 50 ms. */
static pid_t signal_later(int sig)
{
	pid_t parent = getpid();
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		usleep(50000);
		kill(parent, sig);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	struct timespec req = {5, 0}, rem = {0, 0};
	int status;

	CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR);
	pid_t pid = signal_later(SIGUSR1);
	long start = nt_now_ms();
	CHECK_ERRNO(nanosleep(&req, &rem), EINTR);
	long took = nt_now_ms() - start;
	CHECK_EQ(caught, 1);
	CHECK(took < 4000);
	CHECK(rem.tv_sec >= 1 && rem.tv_sec <= 5);
	CHECK(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
	CHECK_EQ(waitpid(pid, &status, 0), pid);

	/* Ignored: the sleep runs to its end. */
	CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
	struct timespec short_req = {0, 200000000};
	pid = signal_later(SIGUSR1);
	start = nt_now_ms();
	CHECK_OK(nanosleep(&short_req, NULL));
	CHECK(nt_now_ms() - start >= 200);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	PASS();
}
