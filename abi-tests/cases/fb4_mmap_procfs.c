// abi: freebsd4-i386
/*
 * mmap of a procfs file, as 4.x's vm_mmap answers it: a node the kernel makes on
 * demand has no VM object (VOP_GETVOBJECT fails), so mapping any of it is EINVAL,
 * shared or private; a length of 0 returns success before that lookup (vm_mmap's
 * "if (size == 0) return 0"), as for any file. cmp and cp fall back or copy nothing
 * either way; what they report on an error is the errno.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/mman.h>

int main(void)
{
	int fd = CHECK_OK(open("/proc/curproc/status", O_RDONLY));
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED);
	close(fd);
	/* A regular file still maps. */
	nt_scratch_dir("fb4_mmap_procfs");
	int f = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(f, "abc", 3), 3);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, 0);
	CHECK(m != MAP_FAILED);
	CHECK_EQ(m[1], 'b');
	PASS();
}
