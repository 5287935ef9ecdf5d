/*
 * Memory exhaustion through shared anonymous memory, whose pages come on first touch
 * (4.x's OBJT_DEFAULT object): a 1 GiB mapping, more than the guest has, is made, and
 * a process that touches all of it meets the policy private memory meets (killed when
 * a touch finds no free page); the pages go back with it, its child sharing them
 * included, and the parent maps, touches and forks afterwards.
 */
#include <nymph_test.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define GIB ((size_t)1 << 30)

int main(void)
{
	/* Its write end is held by the hog and its sharer: end of file once both are
	 * gone (an exit frees the memory before it closes the descriptors). */
	int gone[2];
	CHECK_OK(pipe(gone));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		close(gone[0]);
		char *p = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		/* A sharer, which ends when the hog does (its pipe read sees the end). */
		int hold[2];
		if (pipe(hold) != 0)
			_exit(4);
		pid_t sharer = fork();
		if (sharer < 0)
			_exit(5);
		if (sharer == 0) {
			char c;
			close(hold[1]);
			(void)!read(hold[0], &c, 1);
			_exit(p[0] == 1 ? 0 : 6);
		}
		close(hold[0]);
		for (size_t i = 0; i < GIB; i += 4096)
			p[i] = 1;
		_exit(7);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);
	close(gone[1]);
	char c;
	CHECK_EQ(read(gone[0], &c, 1), 0);
	char *p = mmap(NULL, 16L << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	for (long i = 0; i < (16L << 20); i += 4096)
		p[i] = 2;
	pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(p[4096] == 2 ? 0 : 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
