// abi: all
/*
 * Shared anonymous memory takes its frames when it is mapped: a mapping larger than
 * the machine's free memory (1 GiB in a guest of a few hundred MiB) is ENOMEM, with
 * nothing left mapped, and a small one afterwards works and is shared across fork.
 */
#include <nymph_test.h>
#include <sys/mman.h>

int main(void)
{
	size_t big = (size_t)1 << 30;
	void *p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(p == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	int *small = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(small != MAP_FAILED);
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		*small = 42;
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(*small, 42);
	PASS();
}
