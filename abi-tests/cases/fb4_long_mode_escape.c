// abi: freebsd4-i386
/*
 * A 32-bit process that far-jumps into the kernel's 64-bit user code segment gains
 * nothing: a `syscall` from there is not a FreeBSD-4 call (SIGILL, as 4.x's #UD), and
 * memory above 4 GiB - nothing of its own, the kernel's at the top - faults. Each try
 * runs in a child that must die by a signal; the kernel carries on.
 */
#include <nymph_test.h>
#include <signal.h>

/* Nymph's 64-bit user code selector (GDT index 5, RPL 3); 4.x had none. */
#define LONG_MODE_CS "0x2b"

static void syscall_in_long_mode(void)
{
	__asm__ volatile("ljmp $" LONG_MODE_CS ", $1f\n"
			 "1:\n"
			 ".byte 0x0f, 0x05\n" /* syscall */
			 ".byte 0x0f, 0x0b\n" /* ud2, should it come back */
			 ::: "memory");
}

static void read_above_4g(void)
{
	__asm__ volatile("ljmp $" LONG_MODE_CS ", $1f\n"
			 "1:\n"
			 ".byte 0x48, 0xb8\n" /* movabs $0x100000000, %rax */
			 ".quad 0x100000000\n"
			 ".byte 0x8b, 0x00\n" /* mov (%rax), %eax */
			 ".byte 0x0f, 0x0b\n"
			 ::: "memory");
}

static void read_kernel(void)
{
	__asm__ volatile("ljmp $" LONG_MODE_CS ", $1f\n"
			 "1:\n"
			 ".byte 0x48, 0xb8\n" /* movabs $0xffffffff80000000, %rax */
			 ".quad 0xffffffff80000000\n"
			 ".byte 0x8b, 0x00\n"
			 ".byte 0x0f, 0x0b\n"
			 ::: "memory");
}

static int dies_by_signal(void (*try)(void))
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		try();
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		FAIL("the child was not killed: status %#x", status);
	return WTERMSIG(status);
}

int main(void)
{
	CHECK_EQ(dies_by_signal(syscall_in_long_mode), SIGILL);
	int sig = dies_by_signal(read_above_4g);
	CHECK(sig == SIGSEGV || sig == SIGBUS);
	sig = dies_by_signal(read_kernel);
	CHECK(sig == SIGSEGV || sig == SIGBUS);
	/* And the kernel still serves us. */
	CHECK(getpid() > 0);
	PASS();
}
