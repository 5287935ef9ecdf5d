// abi: freebsd4-i386
/*
 * sysarch (165), as a 4.x kernel with options USER_LDT serves it. I386_GET_LDT shows
 * 4.x's default 17-slot table (call gates at 0, 4 and 16, user code at 3 and data at
 * 5, byte-exact) until the process sets a slot; I386_SET_LDT then gives it a table of
 * 512 slots whose descriptors it can load: a data segment read through %gs, across
 * system calls, and a code segment the program jumps into and makes a system call
 * from. Its checks: EINVAL for a bad range, EACCES for gates, privileged and
 * not-present conforming descriptors (and here for the kernel's slots), EFAULT for
 * bad pointers. fork copies the table and exec drops it. I386_GET_IOPERM reports no
 * port enabled; VM86 and unknown ops are EOPNOTSUPP.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

struct ldt_args {
	int start;
	unsigned long long *descs;
	int num;
};
struct ioperm_args {
	unsigned int start, length;
	int enable;
};

static int get_ldt(int start, unsigned long long *d, int num)
{
	struct ldt_args a = { start, d, num };
	return syscall(165, 0, &a);
}
static int set_ldt(int start, unsigned long long *d, int num)
{
	struct ldt_args a = { start, d, num };
	return syscall(165, 1, &a);
}

/* An i386 segment descriptor: type is S plus the 4 type bits (0x13 data RW accessed,
 * 0x1b code execute/read accessed). */
static unsigned long long desc(unsigned base, unsigned limit, unsigned type, int dpl, int present)
{
	unsigned lo = (limit & 0xffff) | ((base & 0xffff) << 16);
	unsigned hi = ((base >> 16) & 0xff) | (type << 8) | ((unsigned)dpl << 13) |
		      ((unsigned)present << 15) | (limit & 0xf0000) | (1u << 22) | (base & 0xff000000);
	return ((unsigned long long)hi << 32) | lo;
}

static unsigned get_gs(void) { unsigned v; __asm__ volatile("movl %%gs, %0" : "=r"(v)); return v & 0xffff; }
static void set_gs(unsigned v) { __asm__ volatile("movl %0, %%gs" : : "r"(v)); }
static int gs_word(int i) { int v; __asm__ volatile("movl %%gs:(,%1,4), %0" : "=r"(v) : "r"(i)); return v; }

static unsigned get_fs(void) { unsigned v; __asm__ volatile("movl %%fs, %0" : "=r"(v)); return v & 0xffff; }
static unsigned get_cs(void) { unsigned v; __asm__ volatile("movl %%cs, %0" : "=r"(v)); return v & 0xffff; }

/* A handler run from inside our own code segment: it runs on 4.x's user selectors,
 * and its frame holds the interrupted ones (mcontext at 16: mc_fs is word 2, mc_cs
 * word 16). */
static volatile unsigned handler_cs, handler_fs, frame_cs, frame_fs;
static void on_usr1(int sig, siginfo_t *si, void *ucp)
{
	(void)sig;
	(void)si;
	int *mc = (int *)((char *)ucp + 16);
	handler_cs = get_cs();
	handler_fs = get_fs();
	frame_cs = mc[16] & 0xffff;
	frame_fs = mc[2] & 0xffff;
}

static void outb_80(void) { __asm__ volatile("outb %%al, $0x80" : : "a"(0)); }
static void outb_81(void) { __asm__ volatile("outb %%al, $0x81" : : "a"(0)); }

/* Runs `f` in a child: the signal that ended it, or 1000 plus its exit status. */
static int in_child(void (*f)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		f();
		_exit(0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 1000 + WEXITSTATUS(status);
}

static void set_ioperm_unprivileged(void)
{
	struct { unsigned start, length; int enable; } io = { 0x80, 1, 1 };
	if (setuid(1000) != 0)
		_exit(2);
	_exit(syscall(165, 4, &io) == -1 && errno == EPERM ? 0 : 1);
}

static int block[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
static int other[4] = { 0x55555555, 0x66666666, 0, 0 };

#define GATE 0x0000ec0100080000ULL
#define UCODE 0x00cffb000000ffffULL
#define UDATA 0x00cff3000000ffffULL
#define SEL(slot) (((slot) << 3) | 4 | 3)

int main(int argc, char **argv)
{
	unsigned long long d[600];
	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		/* exec dropped the table: 4.x's default again. */
		CHECK_EQ(get_ldt(0, d, 600), 17);
		CHECK_EQ(d[16], GATE);
		/* ... and kept the I/O-port map. */
		struct ioperm_args kept = { 0x80, 0, 0 };
		CHECK_EQ(syscall(165, 3, &kept), 0);
		CHECK_EQ(kept.enable, 1);
		CHECK_EQ(kept.length, 1);
		outb_80();
		PASS();
	}

	/* The default table, byte-exact. */
	memset(d, 0xee, sizeof d);
	CHECK_EQ(get_ldt(0, d, 17), 17);
	for (int i = 0; i < 17; i++) {
		unsigned long long want = (i == 0 || i == 4 || i == 16) ? GATE : i == 3 ? UCODE : i == 5 ? UDATA : 0;
		if (d[i] != want)
			FAIL("default slot %d is %#llx, want %#llx", i, d[i], want);
	}
	CHECK_EQ(d[17], 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ(get_ldt(0, d, 100), 17);
	CHECK_EQ(get_ldt(16, d, 1), 1);
	CHECK_ERRNO(get_ldt(10, d, 17), EINVAL);
	CHECK_ERRNO(get_ldt(-1, d, 1), EINVAL);
	CHECK_ERRNO(get_ldt(0, d, 0), EINVAL);
	CHECK_ERRNO(get_ldt(0, (void *)8, 17), EFAULT);

	/* The checks, before any slot is set. */
	unsigned long long data = desc((unsigned)block, sizeof block - 1, 0x13, 3, 1);
	CHECK_ERRNO(set_ldt(8192, &data, 1), EINVAL);
	CHECK_ERRNO(set_ldt(-1, &data, 1), EINVAL);
	CHECK_ERRNO(set_ldt(17, &data, -1), EINVAL);
	CHECK_ERRNO(set_ldt(8000, &data, 200), EINVAL);
	unsigned long long gate = GATE;
	CHECK_ERRNO(set_ldt(17, &gate, 1), EACCES);
	unsigned long long kernel_data = desc(0, 0xfffff, 0x13, 0, 1);
	CHECK_ERRNO(set_ldt(17, &kernel_data, 1), EACCES);
	unsigned long long conforming = desc(0, 0xfffff, 0x1f, 3, 0);
	CHECK_ERRNO(set_ldt(17, &conforming, 1), EACCES);
	CHECK_ERRNO(set_ldt(0, &data, 1), EACCES);
	CHECK_ERRNO(set_ldt(5, &data, 1), EACCES);
	CHECK_ERRNO(set_ldt(17, (void *)8, 1), EFAULT);
	CHECK_ERRNO(syscall(165, 1, (void *)8), EFAULT);

	/* A data segment over `block`, read through %gs across system calls. */
	CHECK_EQ(set_ldt(17, &data, 1), 17);
	CHECK_EQ(get_ldt(0, d, 600), 512);
	CHECK_EQ(d[17], data);
	CHECK_EQ(d[0], GATE);
	CHECK_EQ(d[1], 0);
	CHECK_EQ(d[3], UCODE);
	CHECK_EQ(d[4], GATE);
	CHECK_EQ(d[5], UDATA);
	CHECK_EQ(d[18], 0);
	unsigned saved_gs = get_gs();
	set_gs(SEL(17));
	CHECK_EQ(gs_word(0), 0x11111111);
	CHECK_EQ(gs_word(3), 0x44444444);
	for (int i = 0; i < 50; i++)
		syscall(331); /* sched_yield */
	CHECK_EQ(get_gs(), SEL(17));
	CHECK_EQ(gs_word(1), 0x22222222);

	/* fork copies the table: the child points its slot elsewhere, the parent's stays. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (gs_word(2) != 0x33333333)
			_exit(1);
		unsigned long long moved = desc((unsigned)other, sizeof other - 1, 0x13, 3, 1);
		if (set_ldt(17, &moved, 1) != 17)
			_exit(2);
		set_gs(SEL(17));
		_exit(gs_word(0) == 0x55555555 ? 0 : 3);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EQ(status, 0);
	set_gs(SEL(17));
	CHECK_EQ(gs_word(0), 0x11111111);
	set_gs(saved_gs);

	/* A code segment of our own: jump into it, make a call from it, jump back. */
	unsigned long long code = desc(0, 0xfffff, 0x1b, 3, 1) | (1ULL << 55);
	CHECK_EQ(set_ldt(18, &code, 1), 18);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	unsigned cs_inside = 0, fs_inside = 0, pid_inside, me = getpid();
	__asm__ volatile("movl %[fsel], %%fs\n\t"
			 "ljmp %[sel], $1f\n"
			 "1:\n\t"
			 "movl $20, %%eax\n\t"
			 "int $0x80\n\t"
			 "movl %%eax, %[pid]\n\t"
			 "pushl $30\n\t" /* kill(me, SIGUSR1): the handler runs from here */
			 "pushl %[me]\n\t"
			 "pushl $0\n\t"
			 "movl $37, %%eax\n\t"
			 "int $0x80\n\t"
			 "addl $12, %%esp\n\t"
			 "movw %%cs, %[cs]\n\t"
			 "movw %%fs, %[fs]\n\t"
			 "ljmp $0x1f, $2f\n"
			 "2:"
			 : [cs] "=m"(cs_inside), [fs] "=m"(fs_inside), [pid] "=m"(pid_inside)
			 : [sel] "i"(SEL(18)), [fsel] "r"(SEL(17)), [me] "r"(me)
			 : "eax", "edx", "ecx", "memory", "cc");
	__asm__ volatile("movl %0, %%fs" : : "r"(saved_gs));
	CHECK_EQ(cs_inside & 0xffff, SEL(18));
	CHECK_EQ(pid_inside, me);
	CHECK_EQ(frame_cs, SEL(18));
	CHECK_EQ(frame_fs, SEL(17));
	CHECK_EQ(handler_cs, 0x1f);
	CHECK_EQ(handler_fs, 0x2f);
	CHECK_EQ(fs_inside & 0xffff, SEL(17));

	/* A child whose %gs slot goes away under it: the kernel does not fault loading it
	 * back; %gs comes back null (4.x posted SIGBUS when its cpu_switch failed to
	 * reload it; here the program faults when it next uses %gs). */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		set_gs(SEL(17));
		unsigned long long gone = 0;
		set_ldt(17, &gone, 1);
		syscall(331);
		_exit(get_gs() == 0 ? 7 : 8);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);

	/* The I/O permission map: none set. */
	struct ioperm_args io = { 0x80, 5, 7 };
	CHECK_EQ(syscall(165, 3, &io), 0);
	CHECK_EQ(io.start, 0x80);
	CHECK_EQ(io.length, 0);
	CHECK_EQ(io.enable, 7);
	io.start = 65536;
	CHECK_ERRNO(syscall(165, 3, &io), EINVAL);
	CHECK_ERRNO(syscall(165, 3, (void *)8), EFAULT);
	/* I386_SET_IOPERM: port 0x80 for this process only; 0x81 still faults (#GP is
	 * SIGBUS in 4.x), and a child of fork has no map. */
	CHECK_EQ(in_child(outb_80), SIGBUS);
	struct ioperm_args port80 = { 0x80, 1, 1 };
	CHECK_EQ(syscall(165, 4, &port80), 0);
	outb_80();
	struct ioperm_args q = { 0x80, 0, 0 };
	CHECK_EQ(syscall(165, 3, &q), 0);
	CHECK_EQ(q.enable, 1);
	CHECK_EQ(q.length, 1);
	q.start = 0x70;
	CHECK_EQ(syscall(165, 3, &q), 0);
	CHECK_EQ(q.enable, 0);
	CHECK_EQ(q.length, 0x10);
	q.start = 0x81;
	CHECK_EQ(syscall(165, 3, &q), 0);
	CHECK_EQ(q.enable, 0);
	CHECK_EQ(q.length, 65536 - 0x81);
	CHECK_EQ(in_child(outb_81), SIGBUS);
	CHECK_EQ(in_child(outb_80), SIGBUS);
	struct ioperm_args too_far = { 65535, 2, 1 };
	CHECK_ERRNO(syscall(165, 4, &too_far), EINVAL);
	CHECK_EQ(in_child(set_ioperm_unprivileged), 1000);
	CHECK_ERRNO(syscall(165, 6, &io), EOPNOTSUPP);
	CHECK_ERRNO(syscall(165, 2, &io), EOPNOTSUPP);
	CHECK_ERRNO(syscall(165, 99, &io), EOPNOTSUPP);

	/* exec drops the table. */
	char *args[] = { argv[0], "after-exec", NULL };
	execve(argv[0], args, NULL);
	FAIL("execve: errno %d", errno);
}
