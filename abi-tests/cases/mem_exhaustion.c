/*
 * Memory exhaustion: a process that maps and touches memory without end is stopped
 * (ENOMEM from mmap, or killed by the documented policy) and the rest of the system
 * keeps running: its parent can still allocate, fork and exec afterwards.
 */
#include <nymph_test.h>
#include <sys/mman.h>

#define CHUNK (4L << 20)

int main(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		long total = 0;
		for (;;) {
			char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
			if (p == MAP_FAILED) {
				dprintf(1, "hog: mmap failed after %ld MiB: %s\n", total >> 20, strerror(errno));
				_exit(errno == ENOMEM ? 3 : 4);
			}
			for (long i = 0; i < CHUNK; i += 4096)
				p[i] = 1;
			total += CHUNK;
		}
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	/* Either mmap said ENOMEM, or the process was killed for touching memory there was
	 * none of. */
	CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 3) ||
	      (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
	/* The memory came back: the parent allocates and forks again. */
	char *p = mmap(NULL, 16L << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	for (long i = 0; i < (16L << 20); i += 4096)
		p[i] = 2;
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
