// abi: freebsd4-i386
/*
 * How FreeBSD 4.x i386 reports a system call's outcome (reference §2): failure sets
 * the carry flag with the positive errno (FreeBSD's numbers) in eax and leaves edx
 * alone; success clears the carry flag (set or not before) and leaves edx alone
 * unless the call has a second result; ebx, ecx, esi, edi and ebp survive every call
 * (4.x libc's syscall() relies on ecx). A number past the table (394 and up, the
 * kernel does not mask eax) is nosys: SIGSYS, and EINVAL, not ENOSYS.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>

/* The registers around one int $0x80: set from `before`, read into `after`. */
struct regs {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, eflags;
};
/* `used`: the asm below reads and writes them by name. */
__attribute__((used)) static struct regs before, after;
__attribute__((used)) static uint32_t probe_args[6]; /* at esp+4.. for the kernel */
__attribute__((used)) static uint32_t probe_set_cf;  /* carry flag before the call */

static void probe(uint32_t nr, int set_cf)
{
	before.eax = nr;
	probe_set_cf = (uint32_t)set_cf;
	/* Only absolute addresses (the program is not position-independent), so that every
	 * register can carry a marker. */
	__asm__ volatile("pushl %%ebp\n\t"
			 "pushl %%ebx\n\t"
			 "pushl %%esi\n\t"
			 "pushl %%edi\n\t"
			 "pushl probe_args+20\n\t"
			 "pushl probe_args+16\n\t"
			 "pushl probe_args+12\n\t"
			 "pushl probe_args+8\n\t"
			 "pushl probe_args+4\n\t"
			 "pushl probe_args+0\n\t"
			 "pushl $0x0badc0de\n\t" /* where a stub's return address would be */
			 "movl before+0, %%eax\n\t"
			 "movl before+4, %%ebx\n\t"
			 "movl before+8, %%ecx\n\t"
			 "movl before+12, %%edx\n\t"
			 "movl before+16, %%esi\n\t"
			 "movl before+20, %%edi\n\t"
			 "movl before+24, %%ebp\n\t"
			 "cmpl $0, probe_set_cf\n\t"
			 "je 1f\n\t"
			 "stc\n\t"
			 "jmp 2f\n"
			 "1:\tclc\n"
			 "2:\tint $0x80\n\t"
			 "pushfl\n\t"
			 "popl after+28\n\t"
			 "movl %%eax, after+0\n\t"
			 "movl %%ebx, after+4\n\t"
			 "movl %%ecx, after+8\n\t"
			 "movl %%edx, after+12\n\t"
			 "movl %%esi, after+16\n\t"
			 "movl %%edi, after+20\n\t"
			 "movl %%ebp, after+24\n\t"
			 "addl $28, %%esp\n\t"
			 "popl %%edi\n\t"
			 "popl %%esi\n\t"
			 "popl %%ebx\n\t"
			 "popl %%ebp"
			 :
			 :
			 : "eax", "ecx", "edx", "memory", "cc");
}

static void markers(void)
{
	before.ebx = 0x11111111;
	before.ecx = 0x22222222;
	before.edx = 0x33333333;
	before.esi = 0x44444444;
	before.edi = 0x55555555;
	before.ebp = 0x66666666;
	memset(probe_args, 0, sizeof(probe_args));
}

#define CF(r) ((r).eflags & 1)

/* ebx, ecx, esi, edi and ebp as they were; edx too where `edx_kept`. */
static void preserved(const char *what, int edx_kept)
{
	if (after.ebx != before.ebx || after.ecx != before.ecx || after.esi != before.esi ||
	    after.edi != before.edi || after.ebp != before.ebp)
		FAIL("%s: registers changed: ebx 0x%x ecx 0x%x esi 0x%x edi 0x%x ebp 0x%x", what,
		     after.ebx, after.ecx, after.esi, after.edi, after.ebp);
	if (edx_kept && after.edx != before.edx)
		FAIL("%s: edx 0x%x, was 0x%x", what, after.edx, before.edx);
}

static volatile int sigsys_count;
static void on_sigsys(int sig)
{
	if (sig == SIGSYS)
		sigsys_count++;
}

int main(void)
{
	/* close(-1): EBADF (9), carry set, whatever the carry was before. */
	for (int cf = 0; cf < 2; cf++) {
		markers();
		probe_args[0] = (uint32_t)-1;
		probe(SYS_close, cf);
		CHECK_EQ(CF(after), 1);
		CHECK_EQ(after.eax, EBADF);
		CHECK_EQ(EBADF, 9);
		preserved("close(-1)", 1);
	}

	/* close of an open descriptor: 0, carry clear even when set before. */
	for (int cf = 0; cf < 2; cf++) {
		markers();
		probe_args[0] = (uint32_t)CHECK_OK(dup(1));
		probe(SYS_close, cf);
		CHECK_EQ(CF(after), 0);
		CHECK_EQ(after.eax, 0);
		preserved("close(dup(1))", 1);
	}

	/* getppid: a value in eax, nothing in edx. */
	markers();
	probe(SYS_getppid, 1);
	CHECK_EQ(CF(after), 0);
	CHECK_EQ(after.eax, getppid());
	preserved("getppid", 1);

	/* FreeBSD's own errno numbers: ENOENT 2, EAGAIN 35 (Linux: 11), ESPIPE 29,
	 * ENAMETOOLONG 63 (Linux: 36), EDEADLK 11. */
	CHECK_EQ(EAGAIN, 35);
	CHECK_EQ(ENAMETOOLONG, 63);
	CHECK_EQ(EDEADLK, 11);
	markers();
	probe_args[0] = (uint32_t)(uintptr_t)"/no/such/file";
	probe_args[1] = O_RDONLY;
	probe(SYS_open, 0);
	CHECK_EQ(CF(after), 1);
	CHECK_EQ(after.eax, ENOENT);
	preserved("open of a missing file", 1);

	int p[2];
	CHECK_OK(pipe(p));
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	char c;
	markers();
	probe_args[0] = (uint32_t)p[0];
	probe_args[1] = (uint32_t)(uintptr_t)&c;
	probe_args[2] = 1;
	probe(SYS_read, 0);
	CHECK_EQ(CF(after), 1);
	CHECK_EQ(after.eax, 35);
	preserved("read of an empty non-blocking pipe", 1);

	/* pipe: fd0 in eax, fd1 in edx (the second result), carry clear. */
	markers();
	probe(SYS_pipe, 1);
	CHECK_EQ(CF(after), 0);
	CHECK(after.eax != after.edx);
	CHECK_EQ(write((int)after.edx, "x", 1), 1);
	CHECK_EQ(read((int)after.eax, &c, 1), 1);
	CHECK_EQ(c, 'x');
	preserved("pipe", 0);
	close((int)after.eax);
	close((int)after.edx);

	/* Unserved numbers (past the table; the kernel does not mask eax): nosys, which
	 * posts SIGSYS and fails with EINVAL. Ignored first, then caught. */
	uint32_t unserved[] = {394, 1000, 0x10000 | SYS_getpid};
	CHECK(signal(SIGSYS, SIG_IGN) != SIG_ERR);
	for (unsigned i = 0; i < sizeof(unserved) / sizeof(unserved[0]); i++) {
		markers();
		probe(unserved[i], 0);
		if (CF(after) != 1 || after.eax != EINVAL)
			FAIL("syscall %u: cf %u eax %u, wanted cf 1 and EINVAL", unserved[i],
			     CF(after), after.eax);
		preserved("an unserved number", 1);
	}
	CHECK(signal(SIGSYS, on_sigsys) != SIG_ERR);
	markers();
	probe(394, 1);
	CHECK_EQ(CF(after), 1);
	CHECK_EQ(after.eax, EINVAL);
	CHECK_EQ(sigsys_count, 1);
	preserved("an unserved number with SIGSYS caught", 1);

	/* And through libc: -1 and errno. */
	errno = 0;
	CHECK_ERRNO(close(-1), EBADF);
	PASS();
}
