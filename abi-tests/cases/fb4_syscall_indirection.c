// abi: freebsd4-i386
/*
 * The indirect system calls of FreeBSD 4.x i386 (reference §2): `syscall` (0) takes the
 * number at esp+4 and the arguments from esp+8; `__syscall` (198) takes it as a quad
 * (esp+4, the low word read) and the arguments from esp+12, so that the off_t after
 * lseek's pad word stays 8-byte aligned. Both must reach the same call as a direct
 * int $0x80 (number in eax, arguments from esp+4) and give the same result registers:
 * getpid's pid (and the parent's pid in edx), lseek's 64-bit offset in edx:eax, an
 * error's carry flag and errno. libc's own syscall() and __syscall() are checked too.
 */
#include <nymph_test.h>
#include <fcntl.h>

struct result {
	uint32_t eax, edx, cf;
};

/*
 * int $0x80 with eax = nr and the 16 words of `frame` at esp (frame[0] is where a
 * stub's return address would be), built on the real stack.
 */
static struct result trap(uint32_t nr, const uint32_t frame[16])
{
	uint32_t eax = nr, edx = 0, cf;
	const uint32_t *src = frame;
	__asm__ volatile("subl $64, %%esp\n\t"
			 "movl %%esp, %%edi\n\t"
			 "movl $16, %%ecx\n\t"
			 "cld\n\t"
			 "rep movsl\n\t"
			 "int $0x80\n\t"
			 "setc %%bl\n\t"
			 "movzbl %%bl, %%ebx\n\t"
			 "addl $64, %%esp"
			 : "+a"(eax), "+d"(edx), "=b"(cf), "+S"(src)
			 :
			 : "ecx", "edi", "memory", "cc");
	return (struct result){eax, edx, cf};
}

#define RET 0x0badc0deU /* the fake return address in frame[0] */

/* A call of up to 12 argument words, made the three ways. */
static struct result direct(uint32_t nr, const uint32_t *args, int n)
{
	uint32_t f[16] = {RET};
	for (int i = 0; i < n; i++)
		f[1 + i] = args[i];
	return trap(nr, f);
}

static struct result via_syscall(uint32_t nr, const uint32_t *args, int n)
{
	uint32_t f[16] = {RET, nr};
	for (int i = 0; i < n; i++)
		f[2 + i] = args[i];
	return trap(SYS_syscall, f);
}

static struct result via___syscall(uint32_t nr, const uint32_t *args, int n)
{
	uint32_t f[16] = {RET, nr, 0}; /* the quad: low word, high word */
	for (int i = 0; i < n; i++)
		f[3 + i] = args[i];
	return trap(SYS___syscall, f);
}

static void same(const char *what, struct result a, struct result b)
{
	if (a.eax != b.eax || a.edx != b.edx || a.cf != b.cf)
		FAIL("%s: eax 0x%x edx 0x%x cf %u, but directly eax 0x%x edx 0x%x cf %u", what,
		     b.eax, b.edx, b.cf, a.eax, a.edx, a.cf);
}

static void getpid_three_ways(void)
{
	struct result d = direct(SYS_getpid, NULL, 0);
	CHECK_EQ(d.cf, 0);
	CHECK_EQ(d.eax, getpid());
	CHECK_EQ(d.edx, getppid()); /* COMPAT_43's second result */
	same("getpid through syscall (0)", d, via_syscall(SYS_getpid, NULL, 0));
	same("getpid through __syscall (198)", d, via___syscall(SYS_getpid, NULL, 0));
	/* libc's syscall() puts the number in eax itself, as 4.x libc does. */
	CHECK_EQ(syscall(SYS_getpid), getpid());
	CHECK_EQ(syscall(SYS_getppid), getppid());
}

/* lseek(fd, pad, off_lo, off_hi, whence): 5 words. */
static struct result lseek_words(struct result (*how)(uint32_t, const uint32_t *, int), int fd,
				 uint64_t off, int whence)
{
	uint32_t a[5] = {(uint32_t)fd, 0, (uint32_t)off, (uint32_t)(off >> 32), (uint32_t)whence};
	return how(SYS_lseek, a, 5);
}

static void lseek_three_ways(void)
{
	nt_scratch_dir("fb4_syscall_indirection");
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "0123456789", 10), 10);

	/* Past 4 GiB: the high word comes back in edx. */
	const uint64_t far = 0x100000005ULL;
	struct result d = lseek_words(direct, fd, far, SEEK_SET);
	CHECK_EQ(d.cf, 0);
	CHECK_EQ(d.eax, 5);
	CHECK_EQ(d.edx, 1);
	same("lseek through __syscall (198)", d, lseek_words(via___syscall, fd, far, SEEK_SET));
	same("lseek through syscall (0)", d, lseek_words(via_syscall, fd, far, SEEK_SET));
	struct result cur = lseek_words(via___syscall, fd, 0, SEEK_CUR);
	CHECK_EQ(cur.cf, 0);
	CHECK_EQ(((uint64_t)cur.edx << 32) | cur.eax, far);

	/* A small one, and SEEK_END. */
	d = lseek_words(via___syscall, fd, 3, SEEK_SET);
	CHECK_EQ(d.cf, 0);
	CHECK_EQ(d.eax, 3);
	CHECK_EQ(d.edx, 0);
	char c;
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, '3');
	d = lseek_words(via___syscall, fd, (uint64_t)-2, SEEK_END);
	CHECK_EQ(d.cf, 0);
	CHECK_EQ(d.eax, 8);
	CHECK_EQ(d.edx, 0);

	/* libc: lseek and __syscall give the whole off_t. */
	CHECK_EQ(lseek(fd, (off_t)far, SEEK_SET), (long long)far);
	CHECK_EQ(__syscall((quad_t)SYS_lseek, fd, 0, (off_t)0, SEEK_CUR), (long long)far);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);

	/* Errors come back the same way: ESPIPE for a pipe, EBADF for a closed fd. */
	int p[2];
	CHECK_OK(pipe(p));
	d = lseek_words(direct, p[0], 0, SEEK_SET);
	CHECK_EQ(d.cf, 1);
	CHECK_EQ(d.eax, ESPIPE);
	same("failing lseek through __syscall (198)", d, lseek_words(via___syscall, p[0], 0, SEEK_SET));
	same("failing lseek through syscall (0)", d, lseek_words(via_syscall, p[0], 0, SEEK_SET));
	close(p[0]);
	close(p[1]);
	uint32_t bad[1] = {(uint32_t)-1};
	d = direct(SYS_close, bad, 1);
	CHECK_EQ(d.cf, 1);
	CHECK_EQ(d.eax, EBADF);
	same("close(-1) through syscall (0)", d, via_syscall(SYS_close, bad, 1));
	same("close(-1) through __syscall (198)", d, via___syscall(SYS_close, bad, 1));
	errno = 0;
	CHECK_EQ(__syscall((quad_t)SYS_close, -1), -1);
	CHECK_EQ(errno, EBADF);
	errno = 0;
	CHECK_EQ(syscall(SYS_close, -1), -1);
	CHECK_EQ(errno, EBADF);
	close(fd);
}

/* A call with more argument words, through each: pread (fd, buf, n, pad, off_lo, off_hi). */
static void pread_three_ways(void)
{
	int fd = CHECK_OK(open("f", O_RDONLY));
	char buf[4];
	struct result (*ways[3])(uint32_t, const uint32_t *, int) = {direct, via_syscall,
								     via___syscall};
	for (int w = 0; w < 3; w++) {
		memset(buf, 0, sizeof(buf));
		uint32_t a[6] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, 3, 0, 6, 0};
		struct result r = ways[w](SYS_pread, a, 6);
		CHECK_EQ(r.cf, 0);
		CHECK_EQ(r.eax, 3);
		CHECK(memcmp(buf, "678", 3) == 0);
	}
	close(fd);
}

int main(void)
{
	getpid_three_ways();
	lseek_three_ways();
	pread_three_ways();
	PASS();
}
