// abi: all
/*
 * wait4's rusage counts more than CPU time: a child that touches 64 fresh pages shows
 * at least 64 minor faults and a largest resident set of at least 256 KiB (ru_maxrss
 * is in KiB); one that sleeps 5 times gives up the CPU voluntarily at least 5 times;
 * a child that does neither shows fewer faults than the toucher. Major faults stay 0:
 * nothing is read from a disk to resolve one. FreeBSD 4's rusage also counts the
 * signals a process caught (ru_nsignals, postsig's count): 3 for a child that catches
 * SIGUSR1 three times, an ignored one not counted.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define TOUCHED 64

static void caught(int sig)
{
	(void)sig;
}

static struct rusage child(int what)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (what == 1) {
			char *m = mmap(NULL, TOUCHED * PAGE, PROT_READ | PROT_WRITE,
				       MAP_ANON | MAP_PRIVATE, -1, 0);
			if (m == MAP_FAILED)
				_exit(10);
			for (int i = 0; i < TOUCHED; i++)
				m[i * PAGE] = 1;
		} else if (what == 2) {
			for (int i = 0; i < 5; i++)
				usleep(20000);
		} else if (what == 3) {
			signal(SIGUSR1, caught);
			for (int i = 0; i < 3; i++)
				kill(getpid(), SIGUSR1);
			signal(SIGUSR2, SIG_IGN);
			kill(getpid(), SIGUSR2);
		}
		_exit(0);
	}
	int status;
	struct rusage ru;
	memset(&ru, 0xee, sizeof(ru));
	CHECK_EQ(wait4(pid, &status, 0, &ru), pid);
	CHECK_CHILD_OK(status);
	return ru;
}

int main(void)
{
	struct rusage toucher = child(1), sleeper = child(2), idle = child(0);
	if (toucher.ru_minflt < TOUCHED)
		FAIL("a child touching %d pages: ru_minflt %ld", TOUCHED, (long)toucher.ru_minflt);
	if (toucher.ru_maxrss < TOUCHED * 4)
		FAIL("a child touching %d pages: ru_maxrss %ld KiB", TOUCHED, (long)toucher.ru_maxrss);
	CHECK_EQ(toucher.ru_majflt, 0);
	if (idle.ru_minflt >= toucher.ru_minflt)
		FAIL("an idle child faulted %ld times, the toucher %ld", (long)idle.ru_minflt,
		     (long)toucher.ru_minflt);
	if (sleeper.ru_nvcsw < 5)
		FAIL("a child sleeping 5 times: ru_nvcsw %ld", (long)sleeper.ru_nvcsw);
	struct rusage catcher = child(3);
#ifdef __FreeBSD_version
	CHECK_EQ(catcher.ru_nsignals, 3);
	CHECK_EQ(idle.ru_nsignals, 0);
#else
	(void)catcher;
#endif
	PASS();
}
