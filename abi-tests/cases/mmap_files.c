// abi: all
/*
 * mmap of files and anonymous memory: MAP_SHARED file mappings agreeing with read and
 * write both ways, MAP_PRIVATE copies staying private, anonymous MAP_SHARED memory
 * shared across fork, munmap and mprotect (read-only, PROT_NONE) faulting, SIGBUS past
 * the end of the file, msync, and the descriptor checks (EACCES, ENODEV, EINVAL; a
 * read-only descriptor's shared mapping may not be made writable, its pages past the
 * file's end included); a mapping stays the file's through a truncation and growth:
 * the pages a truncation takes give SIGBUS (a private page written before is the
 * program's and stays), the zeroed tail of the last page reads zeros, and what the
 * file grows to is read through the mapping, as 4.x's vnode pager reads it (not a
 * stale copy); a FreeBSD-4 mapping at a negative offset is all past the end.
 */
#include <nymph_test.h>
#include <sys/mman.h>

#define PG 4096

/* The signal of an access the protection refuses (a write to a read-only page, any
 * access to a PROT_NONE one): FreeBSD 4.x's trap() says SIGBUS for a protection
 * failure and SIGSEGV only where nothing is mapped. */
#ifdef __FreeBSD_version
#define SIGPROT SIGBUS
#else
#define SIGPROT SIGSEGV
#endif

/* Forks a child that runs `touch(p)`; checks it was killed by `sig`. */
static void expect_signal(void (*touch)(volatile char *), volatile char *p, int sig)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		touch(p);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		FAIL("child not killed (wait status 0x%x), wanted %s", status, signame(sig));
	CHECK_EQ(WTERMSIG(status), sig);
}

static void do_read(volatile char *p) { (void)*p; }
static void do_write(volatile char *p) { *p = 1; }

int main(void)
{
	nt_scratch_dir("mmap_files");
	char buf[64];

	/* A two-page file, mapped shared. */
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_OK(ftruncate(fd, 2 * PG));
	CHECK_EQ(pwrite(fd, "first", 5, 0), 5);
	CHECK_EQ(pwrite(fd, "second", 6, PG), 6);
	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(s != MAP_FAILED);
	CHECK(memcmp(s, "first", 5) == 0);
	CHECK(memcmp(s + PG, "second", 6) == 0);

	/* Writes through the mapping are what read() sees... */
	memcpy(s + 100, "mapped", 6);
	CHECK_EQ(pread(fd, buf, 6, 100), 6);
	CHECK(memcmp(buf, "mapped", 6) == 0);
	/* ...and write() is what the mapping sees. */
	CHECK_EQ(pwrite(fd, "written", 7, PG + 200), 7);
	CHECK(memcmp(s + PG + 200, "written", 7) == 0);

	/* A second mapping, with an offset, is the same memory. */
	char *s2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
	CHECK(s2 != MAP_FAILED);
	CHECK(memcmp(s2, "second", 6) == 0);
	s[PG + 1] = 'E';
	CHECK_EQ(s2[1], 'E');

	/* MAP_PRIVATE: reads the file; its writes are seen by nobody else. */
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK(memcmp(p, "first", 5) == 0);
	memcpy(p, "PRIV", 4);
	CHECK(memcmp(p, "PRIV", 4) == 0);
	CHECK(memcmp(s, "first", 5) == 0);
	CHECK_EQ(pread(fd, buf, 5, 0), 5);
	CHECK(memcmp(buf, "first", 5) == 0);
	/* Later writes to the file do not reach the page the process wrote. */
	CHECK_EQ(pwrite(fd, "fXrst", 5, 0), 5);
	CHECK(memcmp(p, "PRIV", 4) == 0);

	/* A shared file mapping stays shared across fork. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		memcpy(s + 300, "child", 5);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK(memcmp(s + 300, "child", 5) == 0);
	CHECK_EQ(pread(fd, buf, 5, 300), 5);
	CHECK(memcmp(buf, "child", 5) == 0);

	/* msync: nothing to write back, but the arguments are checked. */
	CHECK_OK(msync(s, 2 * PG, MS_SYNC));
#ifdef __FreeBSD_version
	/* 4.x (MS_SYNC is 0) refuses only MS_ASYNC with MS_INVALIDATE, checks no other
	 * bits and rounds the address down to its page. */
	CHECK_OK(msync(s, PG, MS_INVALIDATE));
	CHECK_ERRNO(msync(s, PG, MS_ASYNC | MS_INVALIDATE), EINVAL);
	CHECK_OK(msync(s + 1, PG, MS_SYNC));
#else
	CHECK_OK(msync(s, PG, MS_ASYNC | MS_INVALIDATE));
	CHECK_ERRNO(msync(s, PG, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERRNO(msync(s, PG, 0x100), EINVAL);
	CHECK_ERRNO(msync(s + 1, PG, MS_SYNC), EINVAL);
#endif

	/* munmap: the pages go (for this mapping only). */
	CHECK_OK(munmap(s2, PG));
	expect_signal(do_read, s2, SIGSEGV);
#ifdef __FreeBSD_version
	CHECK_ERRNO(msync(s2, PG, MS_SYNC), EINVAL); /* 4.x: EINVAL for an unmapped range */
#else
	CHECK_ERRNO(msync(s2, PG, MS_SYNC), ENOMEM);
#endif
	CHECK_EQ(s[PG], 's');

	/* mprotect read-only, then PROT_NONE, then back. */
	CHECK_OK(mprotect(s, PG, PROT_READ));
	CHECK_EQ(s[0], 'f');
	expect_signal(do_write, s, SIGPROT);
	CHECK_OK(mprotect(s, PG, PROT_NONE));
	expect_signal(do_read, s, SIGPROT);
	CHECK_ERRNO(write(fd, s, 1), EFAULT); /* the kernel may not read it either */
	CHECK_OK(mprotect(s, PG, PROT_READ | PROT_WRITE));
	s[0] = 'F';
	CHECK_EQ(pread(fd, buf, 1, 0), 1);
	CHECK_EQ(buf[0], 'F');
	CHECK_OK(munmap(s, 2 * PG));
	CHECK_OK(munmap(p, 2 * PG));

	/* PROT_NONE mappings: present but inaccessible until mprotect. */
	char *n = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(n != MAP_FAILED);
	expect_signal(do_read, n, SIGPROT);
	CHECK_OK(mprotect(n, PG, PROT_READ | PROT_WRITE));
	CHECK_EQ(n[0], 0);
	n[0] = 7;
	CHECK_OK(munmap(n, PG));

	/* Past the end of the file: the rest of the last page reads as zeros; whole pages
	 * past the end give SIGBUS. */
	int small = CHECK_OK(open("small", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(small, "tiny", 4), 4);
	char *t = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, small, 0);
	CHECK(t != MAP_FAILED);
	CHECK(memcmp(t, "tiny", 4) == 0);
	CHECK_EQ(t[4], 0);
	CHECK_EQ(t[PG - 1], 0);
	expect_signal(do_read, t + PG, SIGBUS);
	/* The file grows over that page: touched now, it is read from the file. */
	CHECK_EQ(pwrite(small, "more", 4, PG), 4);
	CHECK(memcmp(t + PG, "more", 4) == 0);
	CHECK_OK(munmap(t, 2 * PG));

	/* Truncating a mapped file takes the pages past the new end out of every mapping:
	 * shared or private, touching one is SIGBUS, a write too, and in a child forked
	 * since; a private page written before the truncation is the program's own copy
	 * and stays. Grown again, the file's new contents show, the mapping's writes
	 * reach it again, and the tail past the old end reads zeros. */
	t = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, small, 0);
	CHECK(t != MAP_FAILED);
	char *tp = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, small, 0);
	CHECK(tp != MAP_FAILED);
	CHECK(memcmp(tp + PG, "more", 4) == 0);
	tp[0] = 'P';
	CHECK_OK(ftruncate(small, 0));
	expect_signal(do_read, t, SIGBUS);
	expect_signal(do_write, t + PG + 1, SIGBUS);
	expect_signal(do_read, tp + PG, SIGBUS);
	CHECK(memcmp(tp, "Piny", 4) == 0);
	CHECK_EQ(pwrite(small, "back", 4, 0), 4);
	CHECK(memcmp(t, "back", 4) == 0);
	CHECK_EQ(t[4], 0);
	t[1] = 'X';
	CHECK_EQ(pread(small, buf, 4, 0), 4);
	CHECK(memcmp(buf, "bXck", 4) == 0);
	expect_signal(do_read, t + PG, SIGBUS);
	CHECK_OK(ftruncate(small, PG + 4));
	CHECK_EQ(t[PG], 0);
	CHECK_EQ(tp[PG + 3], 0);
	CHECK_OK(munmap(t, 2 * PG));
	CHECK_OK(munmap(tp, 2 * PG));
	CHECK_OK(close(small));

	/* Anonymous MAP_SHARED memory: one copy for parent and child. */
	volatile int *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(shared != MAP_FAILED);
	volatile int *priv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(priv != MAP_FAILED);
	shared[0] = 1;
	priv[0] = 1;
	pid = CHECK_OK(fork());
	if (pid == 0) {
		if (shared[0] != 1 || priv[0] != 1)
			_exit(2);
		shared[0] = 42;
		priv[0] = 42;
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(shared[0], 42);
	CHECK_EQ(priv[0], 1);
	/* And the other way round, the parent writing after the fork. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		while (shared[1] == 0)
			sched_yield();
		_exit(shared[1] == 9 ? 0 : 3);
	}
	shared[1] = 9;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Descriptor checks. */
	int wo = CHECK_OK(open("f", O_WRONLY));
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	CHECK_OK(close(wo));
	int ro = CHECK_OK(open("f", O_RDONLY));
	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	/* Read-only shared mappings may not become writable; private ones may. */
	char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(r != MAP_FAILED);
	CHECK_ERRNO(mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_OK(munmap(r, PG));
	r = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(r != MAP_FAILED);
	r[0] = 'z';
	CHECK_OK(munmap(r, PG));
	/* Nor its pages past the end of the file (mapped so, or truncated away), which
	 * become the file's own when it grows: a write there would reach the file. */
	nt_write_file("rofile", "read only");
	int rfd = CHECK_OK(open("rofile", O_RDONLY));
	int wfd = CHECK_OK(open("rofile", O_RDWR));
	r = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, rfd, 0);
	CHECK(r != MAP_FAILED);
	CHECK_ERRNO(mprotect(r + PG, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_ERRNO(mprotect(r, 2 * PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_OK(ftruncate(wfd, 0));
	CHECK_ERRNO(mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_EQ(pwrite(wfd, "grown", 5, PG), 5);
	expect_signal(do_write, r + PG, SIGPROT);
	expect_signal(do_write, r, SIGPROT);
	CHECK(memcmp(r + PG, "grown", 5) == 0);
	CHECK_EQ(r[0], 0);
	CHECK_OK(munmap(r, 2 * PG));
	CHECK_OK(close(rfd));
	CHECK_OK(close(wfd));
#ifndef __FreeBSD_version /* 4.x rounds an unaligned offset down and takes both flags */
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 1) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE, ro, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
#else
	/* 4.x maps from the page holding an unaligned offset and returns the address of
	 * the offset's byte (vm_mmap.c's pageoff); MAP_FIXED wants an address at the same
	 * page offset; munmap and mprotect round such an address down to its page. */
	char want[5];
	CHECK_EQ(pread(ro, want, 5, PG + 1), 5);
	char *u = mmap(NULL, 5, PROT_READ, MAP_SHARED, ro, PG + 1);
	CHECK(u != MAP_FAILED);
	CHECK_EQ((uintptr_t)u % PG, 1);
	CHECK(memcmp(u, want, 5) == 0);
	CHECK(mmap(u - 1, 5, PROT_READ, MAP_SHARED | MAP_FIXED, ro, PG + 1) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(u, 5, PROT_READ, MAP_SHARED | MAP_FIXED, ro, PG + 1) == u);
	CHECK_OK(mprotect(u, 5, PROT_NONE));
	expect_signal(do_read, u - 1, SIGBUS);
	/* Zero bytes from inside a page still name that page, and it goes; then the
	 * range is no longer wholly mapped, which 4.x's munmap refuses. */
	CHECK_OK(munmap(u, 0));
	expect_signal(do_read, u - 1, SIGSEGV);
	CHECK_EQ(munmap(u, 5), -1);
	CHECK_EQ(errno, EINVAL);
#endif
	CHECK_OK(close(ro));
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, 999, 0) == MAP_FAILED);
	CHECK_EQ(errno, EBADF);
	/* Neither a directory nor a pipe can be mapped (4.x says EINVAL). */
#ifdef __FreeBSD_version
	const int not_mappable = EINVAL;
#else
	const int not_mappable = ENODEV;
#endif
	int dir = CHECK_OK(open(".", O_RDONLY));
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, dir, 0) == MAP_FAILED);
	CHECK_EQ(errno, not_mappable);
	CHECK_OK(close(dir));
	int pp[2];
	CHECK_OK(pipe(pp));
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, pp[0], 0) == MAP_FAILED);
	CHECK_EQ(errno, not_mappable);

	/* A mapping outlives its descriptor and the file's name. */
	char *k = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(k != MAP_FAILED);
	CHECK_OK(close(fd));
	CHECK_OK(unlink("f"));
	CHECK_EQ(k[0], 'F');
	k[0] = 'g';
	CHECK_EQ(k[0], 'g');
	CHECK_OK(munmap(k, PG));

	/* Truncated under a mapping (within the page, then all of it, by open's O_TRUNC
	 * too), then written again. */
	int tf = CHECK_OK(open("t", O_RDWR | O_CREAT | O_TRUNC, 0600));
	CHECK_EQ(write(tf, "old!", 4), 4);
	char *tm = mmap(NULL, PG, PROT_READ, MAP_SHARED, tf, 0);
	CHECK(tm != MAP_FAILED);
	CHECK_EQ(tm[3], '!');
	CHECK_OK(ftruncate(tf, 2));
	CHECK(tm[0] == 'o' && tm[1] == 'l' && tm[2] == 0 && tm[3] == 0);
	CHECK_OK(close(CHECK_OK(open("t", O_WRONLY | O_TRUNC))));
	expect_signal(do_read, tm, SIGBUS);
	CHECK_EQ(pwrite(tf, "new!", 4, 0), 4);
	CHECK(memcmp(tm, "new!", 4) == 0);
	struct stat st;
	CHECK_OK(fstat(tf, &st));
	CHECK_EQ(st.st_size, 4);
	CHECK_OK(munmap(tm, PG));

	/* A negative offset: 4.x's mmap does not check the sign, and no file reaches such
	 * a page, so the mapping is made and every page of it is past the end (SIGBUS),
	 * even with the file's first pages written (the offset does not wrap to them). The
	 * native ABI's offsets are not negative (EINVAL). */
	char *neg = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, tf, (off_t)-PG);
#ifdef __FreeBSD_version
	CHECK(neg != MAP_FAILED);
	expect_signal(do_read, neg, SIGBUS);
	expect_signal(do_read, neg + PG, SIGBUS);
	CHECK_OK(munmap(neg, 2 * PG));
#else
	CHECK(neg == MAP_FAILED && errno == EINVAL);
#endif
	CHECK_OK(close(tf));
	CHECK_OK(unlink("t"));
	PASS();
}
