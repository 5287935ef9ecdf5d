// abi: freebsd4-i386
/*
 * Shared anonymous memory (an OBJT_DEFAULT object in 4.x, its pages made on fault)
 * through the calls only the FreeBSD ABI has:
 *  - mincore: an untouched page is not resident; touched, it is; a page only a fork
 *    child touched is resident in the parent too (4.x finds it in the entry's object);
 *  - minherit INHERIT_NONE: the child has nothing there (SIGSEGV, mincore 0);
 *  - minherit INHERIT_COPY: the child gets a copy of the pages made (its writes stay
 *    its own) and zeros for the others; the parent's writes after that fork stay its
 *    own too, unseen by a sharer forked before; over a whole 1 GiB mapping as well;
 *  - mlock brings untouched pages in (resident in a sharer too) and they stay shared;
 *  - procfs's mem reads an untouched page as zeros without bringing it in, and a
 *    write to one reaches every sharer;
 *  - procfs's map shows the mapping as anonymous ("default") memory, with no page
 *    resident while untouched.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096
#define PAGES 16

static int reap(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* The mincore bits of `n` pages from `p`, page 0 lowest. */
static unsigned resident(char *p, int n)
{
	unsigned char vec[32];
	unsigned bits = 0;
	if (__sys_mincore(p, n * PAGE, vec) != 0)
		return 0xdead;
	for (int i = 0; i < n; i++)
		bits |= (unsigned)(vec[i] & 1) << i;
	return bits;
}

static char *shared(int pages)
{
	char *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_SHARED, -1, 0);
	CHECK(m != MAP_FAILED);
	return m;
}

int main(void)
{
	char *m = shared(PAGES);
	CHECK_EQ(resident(m, 8), 0);
	m[PAGE] = 'a';
	CHECK_EQ(resident(m, 8), 0x2);
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		m[3 * PAGE] = 'c';
		_exit(resident(m, 8) == 0xa ? 0 : 1);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(resident(m, 8), 0xa);
	CHECK_EQ(m[3 * PAGE], 'c');

	/* INHERIT_NONE over pages 0..3. */
	CHECK_OK(__sys_minherit(m, 4 * PAGE, INHERIT_NONE));
	child = CHECK_OK(fork());
	if (child == 0) {
		if (resident(m, 8) != 0)
			_exit(1);
		*(volatile char *)(m + PAGE) = 1;
		_exit(0);
	}
	int status = reap(child);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGSEGV);
	CHECK_EQ(m[PAGE], 'a');

	/* INHERIT_COPY over pages 4..7 of a mapping a sharer also maps: page 4 made,
	 * 5 made by the sharer only, 6 and 7 untouched. */
	int tell[2], told[2], go[2];
	CHECK_OK(pipe(tell));
	CHECK_OK(pipe(told));
	CHECK_OK(pipe(go));
	m[4 * PAGE] = 'm';
	pid_t sharer = CHECK_OK(fork());
	if (sharer == 0) {
		char c;
		m[5 * PAGE] = 'n';
		if (read(tell[0], &c, 1) != 1)
			_exit(1);
		char seen[3] = {m[4 * PAGE], m[5 * PAGE], m[6 * PAGE]};
		(void)!write(told[1], seen, 3);
		_exit(0);
	}
	for (int i = 0; i < 500 && m[5 * PAGE] != 'n'; i++)
		usleep(2000);
	CHECK_EQ(m[5 * PAGE], 'n');
	CHECK_OK(__sys_minherit(m + 4 * PAGE, 4 * PAGE, INHERIT_COPY));
	child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (m[4 * PAGE] != 'm' || m[5 * PAGE] != 'n' || m[6 * PAGE] != 0)
			_exit(1);
		m[4 * PAGE] = 'x';
		m[6 * PAGE] = 'y';
		if (read(go[0], &c, 1) != 1 || m[4 * PAGE] != 'x' || m[7 * PAGE] != 0)
			_exit(2);
		_exit(0);
	}
	/* The parent's writes after the fork: its own. */
	m[4 * PAGE] = 'P';
	m[6 * PAGE] = 'Q';
	m[7 * PAGE] = 'R';
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(m[4 * PAGE], 'P');
	CHECK_EQ(m[6 * PAGE], 'Q');
	CHECK_EQ(write(tell[1], "g", 1), 1);
	char seen[3];
	CHECK_EQ(read(told[0], seen, 3), 3);
	CHECK_EQ(seen[0], 'm');
	CHECK_EQ(seen[1], 'n');
	CHECK_EQ(seen[2], 0);
	CHECK_CHILD_OK(reap(sharer));

	/* mlock: pages 8..11 brought in, resident in a sharer, still shared. */
	child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (resident(m + 8 * PAGE, 4) != 0xf || m[9 * PAGE] != 0)
			_exit(2);
		m[9 * PAGE] = 'w';
		_exit(0);
	}
	CHECK_EQ(resident(m + 8 * PAGE, 4), 0);
	CHECK_OK(__sys_mlock(m + 8 * PAGE, 4 * PAGE));
	CHECK_EQ(resident(m + 8 * PAGE, 4), 0xf);
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(m[9 * PAGE], 'w');
	CHECK_OK(__sys_munlock(m + 8 * PAGE, 4 * PAGE));

	/* procfs's mem: an untouched page reads as zeros and stays untouched; a write to
	 * one reaches the mapping, seen by a sharer. */
	char *u = shared(4);
	int memfd = CHECK_OK(open("/proc/curproc/mem", O_RDWR));
	char buf[4] = "xxx";
	CHECK_EQ(pread(memfd, buf, 4, (off_t)(uintptr_t)(u + PAGE)), 4);
	CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
	CHECK_EQ(resident(u, 4), 0);
	child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(u[2 * PAGE] == 'M' ? 0 : 2);
	}
	CHECK_EQ(pwrite(memfd, "M", 1, (off_t)(uintptr_t)(u + 2 * PAGE)), 1);
	CHECK_EQ(u[2 * PAGE], 'M');
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));
	close(memfd);

	/* A 1 GiB mapping inherited by copy: its two made pages copied, the rest zeros. */
	size_t gib = (size_t)1 << 30;
	char *big = mmap(NULL, gib, PROT_READ | PROT_WRITE, MAP_ANON | MAP_SHARED, -1, 0);
	CHECK(big != MAP_FAILED);
	big[0] = 'f';
	big[gib - 1] = 'l';
	CHECK_OK(__sys_minherit(big, gib, INHERIT_COPY));
	child = CHECK_OK(fork());
	if (child == 0) {
		if (big[0] != 'f' || big[gib - 1] != 'l' || big[gib / 2] != 0)
			_exit(1);
		big[0] = 'c';
		big[gib / 2] = 'c';
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(big[0], 'f');
	CHECK_EQ(big[gib / 2], 0);
	CHECK_OK(munmap(big, gib));

	/* procfs's map: anonymous memory, nothing resident while untouched (read-only,
	 * so that it is a line of its own beside the mapping before it). */
	char *fresh = mmap(NULL, 3 * PAGE, PROT_READ, MAP_ANON | MAP_SHARED, -1, 0);
	CHECK(fresh != MAP_FAILED);
	int mapfd = CHECK_OK(open("/proc/curproc/map", O_RDONLY));
	static char map[16384];
	ssize_t got = read(mapfd, map, sizeof map - 1);
	CHECK(got > 0);
	map[got] = 0;
	close(mapfd);
	char want[80];
	snprintf(want, sizeof want, "0x%x 0x%x 0 0 ", (unsigned)(uintptr_t)fresh,
		 (unsigned)(uintptr_t)fresh + 3 * PAGE);
	char *line = strstr(map, want);
	if (line == NULL)
		FAIL("%s not in\n%s", want, map);
	char *eol = strchr(line, '\n');
	CHECK(eol != NULL && strncmp(eol - 7, "default", 7) == 0);
	PASS();
}
