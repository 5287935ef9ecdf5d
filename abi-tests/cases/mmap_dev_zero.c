// abi: all
/*
 * /dev/zero maps as anonymous memory (4.x's mmap: the zero device is MAP_ANON with no
 * object until a fault), so it costs frames only for the pages touched:
 *  - a private 1 GiB mapping is made, reads as zeros, keeps what is written, and a
 *    fork child's writes stay its own (copy-on-write);
 *  - a shared mapping is one object shared with a fork child, pages touched after
 *    the fork included;
 *  - on 4.x the descriptor's access does not matter (maxprot is VM_PROT_ALL): a
 *    shared writable mapping of /dev/zero opened read-only works;
 *  - other devices still cannot be mapped (/dev/null: EINVAL on 4.x, ENODEV native).
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define GIB ((size_t)1 << 30)
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
	int zero = CHECK_OK(open("/dev/zero", O_RDWR));
	char *p = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
	CHECK(p != MAP_FAILED);
	CHECK_EQ(p[0], 0);
	CHECK_EQ(p[GIB / 2], 0);
	CHECK_EQ(p[GIB - 1], 0);
	p[0] = 'a';
	p[GIB / 2] = 'b';
	p[GIB - 1] = 'c';
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (p[0] != 'a' || p[GIB / 2] != 'b' || p[GIB - 1] != 'c' || p[PAGE] != 0)
			_exit(1);
		p[0] = 'X';
		p[PAGE] = 'Y';
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(p[0], 'a');
	CHECK_EQ(p[PAGE], 0);
	CHECK_OK(munmap(p, GIB));

	char *s = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
	CHECK(s != MAP_FAILED);
	s[0] = 's';
	child = CHECK_OK(fork());
	if (child == 0) {
		if (s[0] != 's' || s[5 * PAGE] != 0)
			_exit(1);
		s[5 * PAGE] = 'c';
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(s[5 * PAGE], 'c');
	CHECK_OK(munmap(s, 16 * PAGE));
	close(zero);

#ifdef __FreeBSD_version
	int ro = CHECK_OK(open("/dev/zero", O_RDONLY));
	char *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	CHECK(w != MAP_FAILED);
	w[1] = 'w';
	CHECK_EQ(w[1], 'w');
	CHECK_OK(munmap(w, PAGE));
	close(ro);
#endif

	int null = CHECK_OK(open("/dev/null", O_RDWR));
	errno = 0;
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, null, 0) == MAP_FAILED);
#ifdef __FreeBSD_version
	CHECK_EQ(errno, EINVAL);
#else
	CHECK_EQ(errno, ENODEV);
#endif
	close(null);
	PASS();
}
