// abi: freebsd4-i386
/*
 * ptrace(2) as 4.x's sys_process.c and kern_sig.c serve it to gdb:
 *  - PT_TRACE_ME, then a signal stops the child before it acts: the parent's plain
 *    waitpid (no WUNTRACED) sees status 0177 | SIGUSR1 << 8 exactly;
 *  - PT_READ_D / PT_WRITE_D a global; PT_WRITE_I an int3 into the child's read-only
 *    text (the parent's own text, which it shares until then, keeps its byte), the
 *    child stops with SIGTRAP and PT_GETREGS gives eip just past the int3;
 *    PT_WRITE_I back, PT_SETREGS eip back, PT_STEP one 5-byte instruction (eip + 5,
 *    its eax in place); PT_GETFPREGS gives 4.x's control word 0x127f; PT_CONTINUE with
 *    SIGUSR1 runs the child's handler; a signal PT_CONTINUE drops is never delivered;
 *  - PT_IO (4.6 on) reads and writes, EFAULT with piod_len 0, EINVAL for a bad op;
 *  - execve by a traced process stops it with SIGTRAP; PT_KILL kills;
 *  - PT_ATTACH to a sibling: EBUSY for requests until the SIGSTOP stop is waited for,
 *    EBUSY to attach twice; SIGSTOP given back stops it again (reported again; SIGCONT
 *    from others does not end a traced process's stop), then PT_DETACH: the sibling runs on untraced and its own
 *    parent waits for it again; a tracer that exits attached kills its tracee, which
 *    init reaps; a non-root tracer gets EPERM against root's process;
 *  - PT_SETDBREGS as 4.x's set_dbregs checks it (no RW or LEN field 10, no enabled
 *    breakpoint at a kernel address: EINVAL); a write watchpoint on the child's word
 *    stops it with SIGTRAP after its store, PT_GETDBREGS's dr6 naming the breakpoint
 *    (B0), the kernel's own write into the word (read(2)) does not trap, and a
 *    cleared DR7 lets it run on;
 *  - a traced child asleep in select, stopped by a signal its tracer then drops,
 *    goes on sleeping until its timeout (no EINTR), as 4.x's tsleep does;
 *  - errors: ESRCH, EINVAL (self, an unknown request, a signal >= NSIG), EPERM (not
 *    traced), EINVAL for an unmapped address.
 */
#include <nymph_test.h>
#include <signal.h>
#include <stdint.h>

struct reg {
	unsigned int r_fs, r_es, r_ds, r_edi, r_esi, r_ebp, r_isp, r_ebx, r_edx, r_ecx,
		r_eax, r_trapno, r_err, r_eip, r_cs, r_eflags, r_esp, r_ss, r_gs;
};
struct fpreg {
	unsigned int fpr_env[7];
	unsigned char fpr_acc[8][10];
	unsigned int fpr_ex_sw;
	unsigned char fpr_pad[64];
};

struct ptrace_io_desc {
	int piod_op;
	void *piod_offs;
	void *piod_addr;
	size_t piod_len;
};

static int pt(int req, pid_t pid, void *addr, int data)
{
	return __sys_ptrace(req, pid, addr, data);
}

#define STOPPED_BY(sig) (0177 | (sig) << 8)

volatile int target = 0x12345678;
static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

/* bp_site: where the parent plants an int3; its first instruction is 5 bytes long. */
__attribute__((noinline)) static int at_breakpoint(void)
{
	int v;
	__asm__ volatile(".globl bp_site\n"
			 "bp_site:\n\t"
			 "movl $0x11223344, %%eax\n\t"
			 "nop\n\t"
			 "nop\n\t"
			 : "=a"(v));
	return v;
}
extern unsigned char bp_site[];

static int wait_for(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static void traced_child(void)
{
	CHECK_OK(pt(PT_TRACE_ME, 0, 0, 0));
	signal(SIGUSR1, on_usr1);
	kill(getpid(), SIGUSR1);
	/* The tracer dropped that SIGUSR1. */
	if (handled != 0)
		_exit(2);
	if (at_breakpoint() != 0x11223344)
		_exit(3);
	/* The tracer gave SIGUSR1 back after the step. */
	_exit(handled == 1 && target == 0x0badf00d ? 42 : 4);
}

static void breakpoints_and_registers(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		traced_child();
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGUSR1));

	errno = 0;
	CHECK_EQ(pt(PT_READ_D, pid, (void *)&target, 0), 0x12345678);
	CHECK_EQ(errno, 0);
	CHECK_OK(pt(PT_WRITE_D, pid, (void *)&target, 0x0badf00d));
	CHECK_EQ(pt(PT_READ_D, pid, (void *)&target, 0), 0x0badf00d);
	CHECK_EQ(target, 0x12345678);
	CHECK_ERRNO(pt(PT_READ_D, pid, (void *)0x10, 0), EINVAL);
	CHECK_ERRNO(pt(PT_WRITE_D, pid, (void *)0x10, 0), EINVAL);

	/* PT_IO both ways (4.6 and later). */
	int got = 0, put = 0x600df00d;
	struct ptrace_io_desc io = {PIOD_READ_D, (void *)&target, &got, sizeof(got)};
	CHECK_OK(pt(PT_IO, pid, (void *)&io, 0));
	CHECK_EQ(io.piod_len, 4);
	CHECK_EQ(got, 0x0badf00d);
	io = (struct ptrace_io_desc){PIOD_WRITE_D, (void *)&target, &put, sizeof(put)};
	CHECK_OK(pt(PT_IO, pid, (void *)&io, 0));
	CHECK_EQ(pt(PT_READ_D, pid, (void *)&target, 0), 0x600df00d);
	io = (struct ptrace_io_desc){PIOD_READ_D, (void *)0x10, &got, sizeof(got)};
	CHECK_ERRNO(pt(PT_IO, pid, (void *)&io, 0), EFAULT);
	CHECK_EQ(io.piod_len, 0);
	io.piod_op = 9;
	CHECK_ERRNO(pt(PT_IO, pid, (void *)&io, 0), EINVAL);
	CHECK_OK(pt(PT_WRITE_D, pid, (void *)&target, 0x0badf00d));

	/* An int3 in the child's text; the parent's copy keeps its mov. */
	errno = 0;
	int word = pt(PT_READ_I, pid, bp_site, 0);
	CHECK_EQ(errno, 0);
	CHECK_EQ(word & 0xff, 0xb8);
	CHECK_OK(pt(PT_WRITE_I, pid, bp_site, (word & ~0xff) | 0xcc));
	CHECK_EQ(pt(PT_READ_I, pid, bp_site, 0), (word & ~0xff) | 0xcc);
	CHECK_EQ(bp_site[0], 0xb8);
	CHECK_ERRNO(pt(PT_CONTINUE, pid, (void *)1, 32), EINVAL);
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGTRAP));

	struct reg r;
	CHECK_OK(pt(PT_GETREGS, pid, (void *)&r, 0));
	CHECK_EQ(r.r_eip, (uintptr_t)bp_site + 1);
	CHECK_EQ(r.r_cs & 3, 3);
	CHECK_EQ(r.r_trapno, 3); /* T_BPTFLT */
	/* The data selectors are the child's own: 4.x's user data selector. */
	CHECK_EQ(r.r_ds, 0x2f);
	CHECK_EQ(r.r_es, 0x2f);
	CHECK_EQ(r.r_ss, 0x2f);

	/* Undo the breakpoint and step over the mov. */
	CHECK_OK(pt(PT_WRITE_I, pid, bp_site, word));
	r.r_eip = (uintptr_t)bp_site;
	struct reg bad = r;
	bad.r_eflags |= 0x3000; /* IOPL 3 */
	CHECK_ERRNO(pt(PT_SETREGS, pid, (void *)&bad, 0), EINVAL);
	bad = r;
	bad.r_cs = 0x08; /* a kernel selector */
	CHECK_ERRNO(pt(PT_SETREGS, pid, (void *)&bad, 0), EINVAL);
	r.r_es = 0; /* PT_SETREGS sets the segment registers too */
	CHECK_OK(pt(PT_SETREGS, pid, (void *)&r, 0));
	CHECK_OK(pt(PT_STEP, pid, (void *)1, 0));
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGTRAP));
	struct reg after;
	CHECK_OK(pt(PT_GETREGS, pid, (void *)&after, 0));
	CHECK_EQ(after.r_eip, (uintptr_t)bp_site + 5);
	CHECK_EQ(after.r_eax, 0x11223344);
	CHECK_EQ(after.r_cs, r.r_cs);
	CHECK_EQ(after.r_es, 0);
	CHECK_EQ(after.r_ds, 0x2f);
	CHECK_EQ(after.r_eflags & 0x100, 0); /* PSL_T is off again */

	struct fpreg fp;
	CHECK_OK(pt(PT_GETFPREGS, pid, (void *)&fp, 0));
	CHECK_EQ(fp.fpr_env[0] & 0xffff, 0x127f);
	CHECK_OK(pt(PT_SETFPREGS, pid, (void *)&fp, 0));
	unsigned int db[8];
	CHECK_OK(pt(PT_GETDBREGS, pid, (void *)db, 0));
	CHECK_EQ(db[7], 0);

	/* Continue with SIGUSR1: the handler runs, the child sees the written global. */
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, SIGUSR1));
	int status = wait_for(pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 42);
}

static void exec_and_kill(const char *self)
{
	/* A traced execve stops with SIGTRAP before the new image runs. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(pt(PT_TRACE_ME, 0, 0, 0));
		char *args[] = {(char *)self, "exit-7", NULL};
		char *env[] = {NULL};
		execve(self, args, env);
		_exit(5);
	}
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGTRAP));
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	int status = wait_for(pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);

	/* PT_KILL. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(pt(PT_TRACE_ME, 0, 0, 0));
		kill(getpid(), SIGUSR2);
		_exit(6);
	}
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGUSR2));
	CHECK_OK(pt(PT_KILL, pid, 0, 0));
	status = wait_for(pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);
}

static void exit_9(int sig)
{
	(void)sig;
	_exit(9);
}

static pid_t sleeper(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		signal(SIGUSR1, exit_9);
		sigset_t none;
		sigemptyset(&none);
		for (;;)
			sigsuspend(&none);
	}
	return pid;
}

static void attach_and_detach(void)
{
	pid_t sib = sleeper();
	pid_t tracer = CHECK_OK(fork());
	if (tracer == 0) {
		CHECK_OK(pt(PT_ATTACH, sib, 0, 0));
		/* Not stopped-and-waited-for yet. */
		CHECK_ERRNO(pt(PT_READ_D, sib, (void *)&target, 0), EBUSY);
		CHECK_ERRNO(pt(PT_ATTACH, sib, 0, 0), EBUSY);
		CHECK_EQ(wait_for(sib), STOPPED_BY(SIGSTOP));
		CHECK_EQ(pt(PT_READ_D, sib, (void *)&target, 0), 0x12345678);
		/* Given back, SIGSTOP stops it for good (job control), reported again;
		   the tracer may still act on it and end that stop. */
		CHECK_OK(pt(PT_CONTINUE, sib, (void *)1, SIGSTOP));
		CHECK_EQ(wait_for(sib), STOPPED_BY(SIGSTOP));
		CHECK_OK(kill(sib, SIGCONT));
		CHECK_EQ(pt(PT_READ_D, sib, (void *)&target, 0), 0x12345678);
		CHECK_OK(pt(PT_DETACH, sib, (void *)1, 0));
		CHECK_ERRNO(pt(PT_READ_D, sib, (void *)&target, 0), EPERM);
		_exit(0);
	}
	int status = wait_for(tracer);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* Ours again, running, untraced: its handler ends it. */
	CHECK_EQ(waitpid(sib, &status, WNOHANG), 0);
	CHECK_OK(kill(sib, SIGUSR1));
	status = wait_for(sib);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 9);

	/* A tracer that ends without PT_DETACH takes its tracee along (4.x's exit1). */
	sib = sleeper();
	tracer = CHECK_OK(fork());
	if (tracer == 0) {
		CHECK_OK(pt(PT_ATTACH, sib, 0, 0));
		CHECK_EQ(wait_for(sib), STOPPED_BY(SIGSTOP));
		_exit(0);
	}
	status = wait_for(tracer);
	CHECK(WIFEXITED(status));
	int gone = 0;
	for (int i = 0; i < 200 && !gone; i++) {
		if (kill(sib, 0) == -1 && errno == ESRCH)
			gone = 1;
		else
			usleep(10000);
	}
	CHECK(gone);
	CHECK_ERRNO(waitpid(sib, &status, WNOHANG), ECHILD);

	/* A user may not trace root's process. */
	sib = sleeper();
	tracer = CHECK_OK(fork());
	if (tracer == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		CHECK_ERRNO(pt(PT_ATTACH, sib, 0, 0), EPERM);
		_exit(0);
	}
	status = wait_for(tracer);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	CHECK_OK(kill(sib, SIGKILL));
	status = wait_for(sib);
	CHECK(WIFSIGNALED(status));
}

static void errors(void)
{
	CHECK_ERRNO(pt(PT_ATTACH, 99998, 0, 0), ESRCH);
	CHECK_ERRNO(pt(PT_GETREGS, 99998, 0, 0), ESRCH);
	CHECK_ERRNO(pt(PT_ATTACH, getpid(), 0, 0), EINVAL);
	CHECK_ERRNO(pt(50, getpid(), 0, 0), EINVAL);
	pid_t pid = sleeper();
	CHECK_ERRNO(pt(PT_CONTINUE, pid, (void *)1, 0), EPERM);
	CHECK_ERRNO(pt(PT_READ_D, pid, (void *)&target, 0), EPERM);
	CHECK_OK(kill(pid, SIGKILL));
	int status = wait_for(pid);
	CHECK(WIFSIGNALED(status));
}

/* Written by its own code (each write traps while watched) and by read(2) (no trap:
 * the kernel's own accesses do not count). */
volatile int watched;

static void watched_child(int fd)
{
	CHECK_OK(pt(PT_TRACE_ME, 0, 0, 0));
	kill(getpid(), SIGSTOP);
	watched = 1;
	if (read(fd, (void *)&watched, sizeof(watched)) != sizeof(watched))
		_exit(3);
	watched += 1;
	_exit(watched == 43 ? 0 : 4);
}

static void watchpoints(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		watched_child(p[0]);
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGSTOP));
	unsigned int db[8] = {0};
	/* set_dbregs's checks: no RW or LEN field 10, no enabled address in the kernel. */
	db[0] = (uintptr_t)&watched;
	db[7] = 0x00020001; /* RW0 10: an I/O breakpoint */
	CHECK_ERRNO(pt(PT_SETDBREGS, pid, (void *)db, 0), EINVAL);
	db[7] = 0x00080001; /* LEN0 10 */
	CHECK_ERRNO(pt(PT_SETDBREGS, pid, (void *)db, 0), EINVAL);
	db[0] = 0xbfc00000;
	db[7] = 0x000d0001;
	CHECK_ERRNO(pt(PT_SETDBREGS, pid, (void *)db, 0), EINVAL);
	/* A 4-byte write watchpoint on the child's word (L0, RW0 01, LEN0 11). */
	db[0] = (uintptr_t)&watched;
	CHECK_OK(pt(PT_SETDBREGS, pid, (void *)db, 0));
	unsigned int got[8];
	CHECK_OK(pt(PT_GETDBREGS, pid, (void *)got, 0));
	CHECK_EQ(got[0], (uintptr_t)&watched);
	CHECK_EQ(got[7], 0x000d0001);
	CHECK_EQ(got[6] & 0xf, 0);
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	/* Its store traps after it is done: SIGTRAP, B0 in DR6. */
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGTRAP));
	CHECK_OK(pt(PT_GETDBREGS, pid, (void *)got, 0));
	CHECK_EQ(got[6] & 0xf, 1);
	CHECK_EQ(pt(PT_READ_D, pid, (void *)&watched, 0), 1);
	/* DR6 is the debugger's to clear. The read into the word does not trap; the
	 * increment after it does. */
	int v = 42;
	CHECK_EQ(write(p[1], &v, sizeof(v)), sizeof(v));
	CHECK_OK(pt(PT_SETDBREGS, pid, (void *)db, 0));
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGTRAP));
	CHECK_EQ(pt(PT_READ_D, pid, (void *)&watched, 0), 43);
	CHECK_OK(pt(PT_GETDBREGS, pid, (void *)got, 0));
	CHECK_EQ(got[6] & 0xf, 1);
	/* Cleared, it runs to its end. */
	memset(db, 0, sizeof(db));
	CHECK_OK(pt(PT_SETDBREGS, pid, (void *)db, 0));
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	int status = wait_for(pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	close(p[0]);
	close(p[1]);
}

/* A traced child asleep in select: a signal stops it for the tracer, which drops the
 * signal; the select goes on (4.x's tsleep sleeps on after the stop) and ends with
 * its timeout, not EINTR. */
static void select_goes_on(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(pt(PT_TRACE_ME, 0, 0, 0));
		kill(getpid(), SIGSTOP);
		struct timeval tv = {0, 400 * 1000};
		int r = select(0, NULL, NULL, NULL, &tv);
		_exit(r == 0 ? 0 : errno == EINTR ? 3 : 4);
	}
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGSTOP));
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	struct timespec nap = {0, 100 * 1000 * 1000};
	nanosleep(&nap, NULL);
	CHECK_OK(kill(pid, SIGUSR1));
	CHECK_EQ(wait_for(pid), STOPPED_BY(SIGUSR1));
	CHECK_OK(pt(PT_CONTINUE, pid, (void *)1, 0));
	int status = wait_for(pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit-7") == 0)
		_exit(7);
	errors();
	breakpoints_and_registers();
	exec_and_kill(argv[0]);
	attach_and_detach();
	watchpoints();
	select_goes_on();
	PASS();
}
