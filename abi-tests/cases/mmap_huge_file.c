/*
 * Regression (the 1,000,000-call fuzz run, seed 20261126): mapping a small file with a
 * huge length recorded one kernel-heap entry per page past the file's end and ran the
 * heap dry under the kernel. Now such a mapping either works (touching past the end is
 * SIGBUS) or fails with ENOMEM at the heap's reserve, and the system carries on.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/mman.h>

#ifdef __FreeBSD_version
#define HUGE (1UL << 30)
#else
#define HUGE (1UL << 33)
#endif

int main(void)
{
	if (mkdir("/tmp", 01777) != 0 && errno != EEXIST)
		FAIL("mkdir /tmp: %s", strerror(errno));
	int fd = CHECK_OK(open("/tmp/mmap_huge_file", O_RDWR | O_CREAT | O_TRUNC, 0600));
	CHECK_EQ(write(fd, "small", 5), 5);
	for (int round = 0; round < 3; round++) {
		char *p = mmap(NULL, HUGE, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			CHECK_EQ(errno, ENOMEM);
			continue;
		}
		CHECK(memcmp(p, "small", 5) == 0);
		CHECK_OK(munmap(p, HUGE));
	}
	/* Everything still works: a small mapping, a fork. */
	char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK(memcmp(p, "small", 5) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(fd);
	CHECK_OK(unlink("/tmp/mmap_huge_file"));
	PASS();
}
