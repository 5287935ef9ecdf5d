// abi: all
/*
 * Shared anonymous memory costs frames only for the pages touched, as 4.x's vm_mmap
 * gives it an OBJT_DEFAULT object whose pages come on fault: a mapping larger than the
 * guest's memory (1 GiB on i386, whose mmap takes less than 2 GiB; 8 GiB on the native
 * ABIs) is made at once, a few scattered pages of it are touched, and a fork child
 * shares them and the pages first touched after the fork, both ways.
 */
#include <nymph_test.h>
#include <sys/mman.h>
#include <sys/wait.h>

#ifdef __FreeBSD_version
#define BIG ((size_t)1 << 30)
#else
#define BIG ((size_t)8 << 30)
#endif
#define PAGE 4096

int main(void)
{
	char *p = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(p != MAP_FAILED);
	size_t at[] = {0, BIG / 3 & ~(size_t)(PAGE - 1), BIG / 2 + 100, BIG - 1};
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(p[at[i]], 0);
		p[at[i]] = (char)('a' + i);
	}
	int go[2];
	CHECK_OK(pipe(go));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		for (unsigned i = 0; i < 4; i++)
			if (p[at[i]] != (char)('a' + i))
				_exit(1);
		/* Touched first here, after the fork: the parent sees it. */
		p[PAGE * 7] = 'c';
		p[BIG - 2 * PAGE] = 'd';
		p[0] = 'A';
		/* And the parent's first touch after the fork shows here. */
		char c;
		if (read(go[0], &c, 1) != 1 || p[PAGE * 9] != 'p')
			_exit(2);
		_exit(0);
	}
	for (int i = 0; i < 500 && p[BIG - 2 * PAGE] != 'd'; i++)
		usleep(2000);
	CHECK_EQ(p[PAGE * 7], 'c');
	CHECK_EQ(p[BIG - 2 * PAGE], 'd');
	CHECK_EQ(p[0], 'A');
	p[PAGE * 9] = 'p';
	CHECK_EQ(write(go[1], "g", 1), 1);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	CHECK_OK(munmap(p, BIG));
	PASS();
}
