// abi: all
/*
 * A blocking FIFO open that no partner ever answers is a sleep signals end: SIGKILL
 * kills the opener, and a caught signal (no SA_RESTART) makes the open fail with EINTR,
 * for a reader waiting for a writer and a writer waiting for a reader alike, leaving
 * no end of the FIFO open behind. (An uninterruptible wait here left an unkillable
 * process; `cargo xtask fuzz --abi freebsd4-i386` found it.)
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

static volatile int caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

int main(void)
{
	int status;
	nt_scratch_dir("fifo_open_signal");
	CHECK_OK(mkfifo("f", 0644));

	/* SIGKILL ends an opener waiting for a writer. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		open("f", O_RDONLY);
		_exit(3);
	}
	usleep(100000);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);

	/* A caught signal without SA_RESTART: EINTR, for either end. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	pid_t parent = getpid();
	for (int i = 0; i < 2; i++) {
		pid = CHECK_OK(fork());
		if (pid == 0) {
			usleep(100000);
			kill(parent, SIGUSR1);
			_exit(0);
		}
		CHECK_ERRNO(open("f", i == 0 ? O_RDONLY : O_WRONLY), EINTR);
		CHECK_EQ(caught, i + 1);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK_CHILD_OK(status);
	}

	/* The interrupted opens left no reader: a non-blocking writer still finds none. */
	CHECK_ERRNO(open("f", O_WRONLY | O_NONBLOCK), ENXIO);
	CHECK_OK(unlink("f"));
	PASS();
}
