// abi: freebsd4-i386
/*
 * `lcall $7,$0`, the system-call entry of FreeBSD 3.x's libc (and of a.out programs),
 * which 4.x keeps as a call gate in LDT slot 0: the same calls, arguments on the user
 * stack after a return-address word, results in eax:edx, errors as the carry flag and
 * a positive errno, tf_err 7 in a signal frame made on the way out of one, a restart
 * that backs eip up by the 7 bytes of the instruction, and a single-stepped lcall that
 * reaches the kernel and comes back with its trace trap (the kernel steps silently
 * through its own entry).
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

/* A system call through the gate: number in eax, three argument words. */
static int lcall3(int number, int a, int b, int c, int *edx, int *carry)
{
	int eax, dx;
	unsigned char cf;
	__asm__ volatile("pushl %[c]\n\t"
			 "pushl %[b]\n\t"
			 "pushl %[a]\n\t"
			 "pushl $0\n\t"
			 "lcall $7, $0\n\t"
			 "setc %[cf]\n\t"
			 "addl $16, %%esp"
			 : "=a"(eax), "=d"(dx), [cf] "=q"(cf)
			 : "a"(number), [a] "g"(a), [b] "g"(b), [c] "g"(c)
			 : "memory", "cc", "ecx");
	if (edx)
		*edx = dx;
	*carry = cf;
	return eax;
}

/* read(fd, buf, 1) through the gate, from a known address: the label marks the lcall. */
extern char restart_lcall[], after_stepped_lcall[], after_stepped_int[];
static int lcall_read1(int fd, char *buf, int *carry)
{
	int eax;
	unsigned char cf;
	__asm__ volatile("pushl $1\n\t"
			 "pushl %[buf]\n\t"
			 "pushl %[fd]\n\t"
			 "pushl $0\n\t"
			 "movl $3, %%eax\n\t"
			 ".globl restart_lcall\n"
			 "restart_lcall:\n\t"
			 "lcall $7, $0\n\t"
			 "setc %[cf]\n\t"
			 "addl $16, %%esp"
			 : "=a"(eax), [cf] "=q"(cf)
			 : [fd] "g"(fd), [buf] "g"(buf)
			 : "memory", "cc", "ecx", "edx");
	*carry = cf;
	return eax;
}

static int pipe_fds[2];
static volatile int alarm_err = -1, alarm_eip;
static void on_alarm(int sig, siginfo_t *si, void *ucp)
{
	(void)sig;
	(void)si;
	int *mc = (int *)((char *)ucp + 16);
	alarm_err = mc[14];
	alarm_eip = mc[15];
	char c = 'x';
	write(pipe_fds[1], &c, 1);
}

static volatile int traps, trap_code = -1, trap_eip, trap_eflags;
static void on_trap(int sig, siginfo_t *si, void *ucp)
{
	(void)sig;
	int *mc = (int *)((char *)ucp + 16);
	traps++;
	trap_code = si->si_code;
	trap_eip = mc[15];
	trap_eflags = mc[17];
	mc[17] &= ~0x100; /* PSL_T off in mc_eflags: stop stepping */
}

int main(void)
{
	int carry, edx;

	/* getpid (20): the same answer as through int $0x80. */
	CHECK_EQ(lcall3(20, 0, 0, 0, NULL, &carry), getpid());
	CHECK_EQ(carry, 0);

	/* write (4) with arguments on the stack. */
	CHECK_OK(pipe(pipe_fds));
	CHECK_EQ(lcall3(4, pipe_fds[1], (int)"abc", 3, NULL, &carry), 3);
	CHECK_EQ(carry, 0);
	char buf[4] = {0};
	CHECK_EQ(read(pipe_fds[0], buf, sizeof buf), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);

	/* An error: close(-1) is EBADF, carry set. */
	CHECK_EQ(lcall3(6, -1, 0, 0, NULL, &carry), EBADF);
	CHECK_EQ(carry, 1);

	/* pipe (42): the second descriptor comes back in edx. */
	int rfd = lcall3(42, 0, 0, 0, &edx, &carry);
	CHECK_EQ(carry, 0);
	CHECK(rfd >= 0 && edx >= 0 && rfd != edx);
	CHECK_EQ(write(edx, "z", 1), 1);
	CHECK_EQ(read(rfd, buf, 1), 1);
	CHECK_EQ(buf[0], 'z');

	/* A read the alarm interrupts, restarted (SA_RESTART): the frame says tf_err 7 and
	 * eip at the lcall, backed up by its 7 bytes; the restarted read gets the byte the
	 * handler wrote. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it;
	memset(&it, 0, sizeof it);
	it.it_value.tv_usec = 50000;
	CHECK_OK(__sys_setitimer(0, &it, NULL)); /* ITIMER_REAL */
	buf[0] = 0;
	CHECK_EQ(lcall_read1(pipe_fds[0], buf, &carry), 1);
	CHECK_EQ(carry, 0);
	CHECK_EQ(buf[0], 'x');
	CHECK_EQ(alarm_err, 7);
	CHECK_EQ(alarm_eip, (int)restart_lcall);

	/* Single-stepping into the gate: the call is made, and the step stops right after
	 * it (4.x syscall2's traced syscall: SIGTRAP with code 0, the trace flag cleared),
	 * once. */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGTRAP, &sa, NULL));
	int pid;
	__asm__ volatile("pushfl\n\t"
			 "orl $0x100, (%%esp)\n\t"
			 "popfl\n\t"
			 "lcall $7, $0\n\t"
			 ".globl after_stepped_lcall\n"
			 "after_stepped_lcall:\n\t"
			 "nop\n\t"
			 "nop"
			 : "=a"(pid)
			 : "a"(20)
			 : "memory", "cc", "ecx", "edx");
	CHECK_EQ(pid, getpid());
	CHECK_EQ(traps, 1);
	CHECK_EQ(trap_code, 0);
	CHECK_EQ(trap_eip, (int)after_stepped_lcall);
	CHECK_EQ(trap_eflags & 0x100, 0);

	/* The same for int $0x80. */
	traps = 0;
	__asm__ volatile("pushfl\n\t"
			 "orl $0x100, (%%esp)\n\t"
			 "popfl\n\t"
			 "int $0x80\n\t"
			 ".globl after_stepped_int\n"
			 "after_stepped_int:\n\t"
			 "nop"
			 : "=a"(pid)
			 : "a"(20)
			 : "memory", "cc", "ecx", "edx");
	CHECK_EQ(pid, getpid());
	CHECK_EQ(traps, 1);
	CHECK_EQ(trap_eip, (int)after_stepped_int);
	PASS();
}
