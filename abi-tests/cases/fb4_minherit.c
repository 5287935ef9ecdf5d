// abi: freebsd4-i386
/*
 * minherit as 4.x's vm_map_inherit and vm_map_fork treat it:
 *  - INHERIT_SHARE: parent and child see each other's writes, before and after the
 *    fork, touched pages or not;
 *  - INHERIT_NONE: the child has nothing there (a touch is SIGSEGV);
 *  - INHERIT_COPY (the default for private memory): the child's writes stay its
 *    own; over a shared mapping (whose default is to share) the child gets a
 *    copy-on-write copy and so does the parent (4.x's vm_map_copy_entry marks both
 *    entries needs-copy): the parent's writes after the fork reach neither the
 *    child, nor the mapping's other sharers, nor the file behind it (pages past
 *    the file's end at the fork included, once it has grown over them);
 *  - EINVAL for an unknown mode or a range wrapping past 4 GiB; holes are passed over;
 *  - unmapping forgets the setting: a new mapping there is copied again.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096

static int reap(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(void)
{
	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 'a';
	m[PAGE] = 'b';
	m[2 * PAGE] = 'c';
	/* Page 3 is never touched before the fork. */
	CHECK_OK(__sys_minherit(m, PAGE, INHERIT_SHARE));
	CHECK_OK(__sys_minherit(m + PAGE + 10, 1, INHERIT_NONE));
	CHECK_OK(__sys_minherit(m + 3 * PAGE, PAGE, INHERIT_SHARE));

	CHECK_ERRNO(__sys_minherit(m, PAGE, 3), EINVAL);
	CHECK_ERRNO(__sys_minherit((void *)0xfffff000, 2 * PAGE, INHERIT_NONE), EINVAL);

	int go[2];
	CHECK_OK(pipe(go));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (m[0] != 'a' || m[2 * PAGE] != 'c' || m[3 * PAGE] != 0)
			_exit(1);
		m[0] = 'X';
		m[2 * PAGE] = 'Z';
		m[3 * PAGE] = 'T';
		/* Wait for the parent's write after the fork, and see it. */
		if (read(go[0], &c, 1) != 1 || m[0] != 'P')
			_exit(2);
		_exit(0);
	}
	/* The child's writes to the shared pages show here once it has made them. */
	for (int i = 0; i < 500 && m[0] != 'X'; i++)
		usleep(2000);
	CHECK_EQ(m[0], 'X');
	CHECK_EQ(m[3 * PAGE], 'T');
	m[0] = 'P';
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(m[2 * PAGE], 'c');
	CHECK_EQ(m[PAGE], 'b');

	/* INHERIT_NONE: nothing there in the child. */
	child = CHECK_OK(fork());
	if (child == 0) {
		unsigned char v = 0xee;
		if (__sys_mincore(m + PAGE, 1, &v) != 0 || v != 0)
			_exit(1);
		*(volatile char *)(m + PAGE) = 1;
		_exit(0);
	}
	int status = reap(child);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGSEGV);
	CHECK_EQ(m[PAGE], 'b');

	/* A hole in the range is passed over; unmapping forgets the setting. */
	CHECK_OK(munmap(m + PAGE, PAGE));
	CHECK_OK(__sys_minherit(m, 3 * PAGE, INHERIT_NONE));
	char *again = mmap(m + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_FIXED, -1, 0);
	CHECK(again == m + PAGE);
	again[0] = 'n';
	child = CHECK_OK(fork());
	if (child == 0) {
		if (again[0] != 'n')
			_exit(1);
		again[0] = 'k';
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(again[0], 'n');

	/* INHERIT_COPY over a shared mapping. A sharer forked first keeps the
	 * mapping shared (the default for MAP_SHARED). */
	char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_SHARED, -1, 0);
	CHECK(s != MAP_FAILED);
	s[0] = 's';
	s[PAGE] = 't';
	int tell[2], told[2];
	CHECK_OK(pipe(tell));
	CHECK_OK(pipe(told));
	pid_t sharer = CHECK_OK(fork());
	if (sharer == 0) {
		char c;
		if (read(tell[0], &c, 1) != 1)
			_exit(1);
		char seen[2] = {s[0], s[PAGE]};
		(void)!write(told[1], seen, 2);
		_exit(0);
	}
	CHECK_OK(__sys_minherit(s, PAGE, INHERIT_COPY));
	child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (s[0] != 's')
			_exit(1);
		s[0] = 'c';
		s[PAGE] = 'u'; /* page 1 is still shared */
		if (read(go[0], &c, 1) != 1 || s[0] != 'c')
			_exit(2);
		_exit(0);
	}
	for (int i = 0; i < 500 && s[PAGE] != 'u'; i++)
		usleep(2000);
	CHECK_EQ(s[PAGE], 'u');
	CHECK_EQ(s[0], 's');
	s[0] = 'p';
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(write(tell[1], "g", 1), 1);
	char seen[2];
	CHECK_EQ(read(told[0], seen, 2), 2);
	CHECK_EQ(seen[0], 's');
	CHECK_EQ(seen[1], 'u');
	CHECK_CHILD_OK(reap(sharer));

	/* The same over a file: the parent's writes after the fork stay its own. */
	int fd = CHECK_OK(open("/tmp/fb4_minherit.dat", O_RDWR | O_CREAT | O_TRUNC, 0600));
	CHECK_EQ(write(fd, "file", 4), 4);
	char *f = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(f != MAP_FAILED);
	f[0] = 'F'; /* before the fork: written to the file */
	CHECK_OK(__sys_minherit(f, PAGE, INHERIT_COPY));
	child = CHECK_OK(fork());
	if (child == 0)
		_exit(f[0] == 'F' ? 0 : 1);
	CHECK_CHILD_OK(reap(child));
	f[1] = 'X';
	char back[4];
	CHECK_EQ(pread(fd, back, 4, 0), 4);
	CHECK(memcmp(back, "File", 4) == 0);
	CHECK_EQ(f[1], 'X');
	/* And over pages past the file's end at the fork: once the file has grown over
	 * them, the parent's writes there and the child's stay their own too. */
	char *g = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(g != MAP_FAILED);
	CHECK_OK(__sys_minherit(g, 2 * PAGE, INHERIT_COPY));
	child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (read(go[0], &c, 1) != 1 || g[PAGE] != 'g')
			_exit(1);
		g[PAGE + 1] = 'C';
		_exit(0);
	}
	CHECK_EQ(pwrite(fd, "grown", 5, PAGE), 5);
	CHECK_EQ(g[PAGE], 'g');
	g[PAGE] = 'P';
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(pread(fd, back, 4, PAGE), 4);
	CHECK(memcmp(back, "grow", 4) == 0);
	CHECK_EQ(g[PAGE + 1], 'r');
	close(fd);
	unlink("/tmp/fb4_minherit.dat");
	PASS();
}
