// abi: all
/*
 * Shared anonymous memory is one object whose pages every mapping of it shares, the
 * pages made on first touch by anyone (4.x's vm_mmap and vm_map_fork):
 *  - a page neither touched before the fork is shared after it, whoever touches it
 *    first, and reads as zeros until then;
 *  - a partial munmap leaves the rest of the mapping shared, pages on both sides of
 *    the hole (the hole is gone in a child forked after it: SIGSEGV there);
 *  - mprotect of untouched pages to PROT_NONE and back keeps them shared and zero;
 *    with PROT_NONE a touch is a fault;
 *  - a MAP_FIXED mapping over part of it replaces just that part;
 *  - a grandchild shares it too, after its parent has exited.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096
#define PAGES 64

static int reap(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(void)
{
	char *m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 'x';

	/* Pages 1..4 untouched by both before the fork; each side writes two. */
	int go[2];
	CHECK_OK(pipe(go));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (m[0] != 'x' || m[PAGE] != 0 || m[3 * PAGE] != 0)
			_exit(1);
		m[PAGE] = 'c';
		m[2 * PAGE] = 'c';
		char c;
		if (read(go[0], &c, 1) != 1 || m[3 * PAGE] != 'p' || m[4 * PAGE] != 'p')
			_exit(2);
		_exit(0);
	}
	for (int i = 0; i < 500 && m[2 * PAGE] != 'c'; i++)
		usleep(2000);
	CHECK_EQ(m[PAGE], 'c');
	CHECK_EQ(m[2 * PAGE], 'c');
	m[3 * PAGE] = 'p';
	m[4 * PAGE] = 'p';
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));

	/* A hole at pages 10..19: the rest stays shared on both sides of it. */
	CHECK_OK(munmap(m + 10 * PAGE, 10 * PAGE));
	child = CHECK_OK(fork());
	if (child == 0) {
		m[9 * PAGE] = 'l';
		m[20 * PAGE] = 'r';
		m[PAGES * PAGE - 1] = 'e';
		_exit(m[PAGE] == 'c' ? 0 : 1);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(m[9 * PAGE], 'l');
	CHECK_EQ(m[20 * PAGE], 'r');
	CHECK_EQ(m[PAGES * PAGE - 1], 'e');
	child = CHECK_OK(fork());
	if (child == 0) {
		*(volatile char *)(m + 15 * PAGE) = 1;
		_exit(0);
	}
	int status = reap(child);
	CHECK(WIFSIGNALED(status));
	CHECK(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);

	/* PROT_NONE over untouched pages and back: still shared, still zero. */
	CHECK_OK(mprotect(m + 30 * PAGE, 4 * PAGE, PROT_NONE));
	child = CHECK_OK(fork());
	if (child == 0) {
		*(volatile char *)(m + 31 * PAGE) = 1;
		_exit(0);
	}
	status = reap(child);
	CHECK(WIFSIGNALED(status));
	CHECK(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
	CHECK_OK(mprotect(m + 30 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE));
	child = CHECK_OK(fork());
	if (child == 0) {
		if (m[31 * PAGE] != 0)
			_exit(1);
		m[31 * PAGE] = 'n';
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(m[31 * PAGE], 'n');

	/* A private mapping over pages 40..41 replaces just those. */
	char *priv = mmap(m + 40 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
	CHECK(priv == m + 40 * PAGE);
	child = CHECK_OK(fork());
	if (child == 0) {
		m[40 * PAGE] = 'q';
		m[42 * PAGE] = 's';
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(m[40 * PAGE], 0);
	CHECK_EQ(m[42 * PAGE], 's');

	/* A grandchild, its parent gone, still shares what none touched before. */
	child = CHECK_OK(fork());
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild < 0)
			_exit(1);
		if (grandchild == 0) {
			usleep(20000);
			m[50 * PAGE] = 'g';
			_exit(0);
		}
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	for (int i = 0; i < 1000 && m[50 * PAGE] != 'g'; i++)
		usleep(2000);
	CHECK_EQ(m[50 * PAGE], 'g');
	/* Each piece unmaps (4.x's munmap refuses a range with a hole: EINVAL). */
	CHECK_OK(munmap(m, 10 * PAGE));
	CHECK_OK(munmap(m + 20 * PAGE, (PAGES - 20) * PAGE));
	PASS();
}
