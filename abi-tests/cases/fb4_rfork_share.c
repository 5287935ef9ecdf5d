// abi: freebsd4-i386
/*
 * What rfork shares, as 4.x's fork1 (kern_fork.c) and vm_fork share it:
 *  - RFMEM: one address space. A child started on a stack of its own, as 4.x libc's
 *    rfork_thread(3) starts it, writes the parent's globals, maps memory and moves
 *    the break, and the parent sees all of it; rfork without RFPROC and RFMEM gives a
 *    sharer its own copy again (vmspace_unshare), rfork(RFMEM) alone keeps it shared;
 *  - no RFFDG or RFCFDG: one descriptor table (fdshare). Descriptors the child opens
 *    or closes are the parent's; rfork(RFFDG) without RFPROC gives the caller its own
 *    copy; rfork(RFCFDG) without RFPROC an empty table of its own, leaving the shared
 *    one open for the others;
 *  - RFSIGSHARE: one set of signal actions (procsig). A handler the child installs is
 *    the parent's, and a signal the parent then gets runs it; the mask stays each
 *    process's own. Without it the child's actions are its own;
 *  - RFTHREAD: the child is a peer of the caller's leader. thr_wakeup finds peers (0
 *    for one asleep in thr_sleep, which it wakes; EAGAIN for one awake) and nobody
 *    else (ESRCH); when the leader exits, its peers are killed, and its exit waits
 *    for them to end;
 *  - the child is still the caller's child for wait4, with fork's (0, edx 1) return;
 *  - RFLINUXTHPN: the child's exit sends its parent SIGUSR1, not SIGCHLD, and wait4
 *    finds it only with WLINUXCLONE (ECHILD without it, when it is the only child),
 *    as linuxthreads waits for its threads; a WLINUXCLONE wait skips fork's children;
 *  - a caller that unshares, and whose sharer ends while it goes back to user mode,
 *    goes on in its own copy (the kernel once switched it back to the shared page
 *    tables the sharer had freed).
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * pid_t rfork_thread_(int flags, void *stack, int (*func)(void *), void *arg): 4.x
 * libc's rfork_thread. The child switches to `stack`, runs func(arg) and exits with
 * its value; the parent gets the pid. -errno on failure.
 */
__asm__(".text\n"
	".globl rfork_thread_\n"
	"rfork_thread_:\n"
	"	pushl %ebp\n"
	"	movl %esp, %ebp\n"
	"	pushl %esi\n"
	"	movl 12(%ebp), %esi\n"
	"	subl $4, %esi\n"
	"	movl 20(%ebp), %eax\n"
	"	movl %eax, (%esi)\n"
	"	subl $4, %esi\n"
	"	movl 16(%ebp), %eax\n"
	"	movl %eax, (%esi)\n"
	"	pushl 8(%ebp)\n"
	"	pushl $0\n"
	"	movl $251, %eax\n"
	"	int $0x80\n"
	"	jc 2f\n"
	"	cmpl $0, %edx\n"
	"	jnz 1f\n"
	"	addl $8, %esp\n"
	"	popl %esi\n"
	"	popl %ebp\n"
	"	ret\n"
	"1:	movl %esi, %esp\n"
	"	popl %eax\n"
	"	call *%eax\n"
	"	addl $4, %esp\n"
	"	pushl %eax\n"
	"	pushl $0\n"
	"	movl $1, %eax\n"
	"	int $0x80\n"
	"	hlt\n"
	"2:	addl $8, %esp\n"
	"	popl %esi\n"
	"	popl %ebp\n"
	"	negl %eax\n"
	"	ret\n");
pid_t rfork_thread_(int flags, void *stack, int (*func)(void *), void *arg);

/* The stacks the children run on; the top is placed so that each function is entered
 * with the stack as gcc aligns it. */
static char stacks[3][16384] __attribute__((aligned(16)));
static void *stack_top(int i) { return stacks[i] + sizeof stacks[i] - 12; }

static pid_t spawn(int flags, int (*func)(void *), void *arg, int stack)
{
	pid_t pid = rfork_thread_(flags, stack_top(stack), func, arg);
	if (pid < 0)
		FAIL("rfork_thread %#x: errno %d", flags, -pid);
	return pid;
}

static int reap(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Shares its parent's memory at real-time priority, and ends at the end of file of
 * the pipe `arg` names. */
static int eof_child(void *arg)
{
	int *p = arg;
	struct rtprio rt = {RTP_PRIO_REALTIME, 0};
	char c;
	if (__sys_rtprio(RTP_SET, 0, &rt) != 0)
		return 1;
	close(p[1]);
	return read(p[0], &c, 1) == 0 ? 0 : 2;
}

/* In a process of its own (RFCFDG leaves it no descriptors): rfork(RFCFDG) gives it
 * its own memory, then closes the pipe's last writer, which wakes the child that
 * shared the old memory; the child outranks it, so it runs at once, as the call
 * returns, and ends, freeing the old memory: the caller must not come back on it.
 * Its exit status says what went wrong. */
static int unshare_under_sharer(void)
{
	int p[2];
	if (pipe(p) != 0)
		return 10;
	pid_t c = rfork_thread_(RFPROC | RFMEM | RFFDG, stack_top(0), eof_child, p);
	if (c < 0)
		return 11;
	close(p[0]);
	/* The child is asleep in its read. */
	usleep(20000);
	if (__sys_rfork(RFCFDG) != 0)
		return 12;
	static volatile int stored;
	stored = 7;
	int status;
	if (waitpid(c, &status, 0) != c)
		return 13;
	return status == 0 && stored == 7 ? 0 : 14;
}

/* thr_sleep and thr_wakeup answer with a value, carry clear. */
static long thr_sleep_(void) { return nt_int80_value(322, 0); }
static long thr_wakeup_(int pid) { return nt_int80_value(323, pid); }

/* What the children did, seen by the parent through the memory they share. */
static volatile int word;
static volatile char *volatile mapped;
static volatile void *volatile brk_seen;
static volatile int opened = -1;
static volatile int woken;
static volatile int asleep;
static volatile long wakeup_leader;
static volatile int caught;

static void on_usr1(int sig) { caught = sig; }

static int memory_child(void *arg)
{
	word = (int)(long)arg;
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	m[100] = 'm';
	mapped = m;
	char *b = sbrk(8192);
	if (b == (void *)-1)
		return 2;
	b[100] = 'b';
	brk_seen = b;
	return 0;
}

/* Shares the caller's memory, keeps it shared through rfork(RFMEM), then takes a
 * copy of its own (rfork without RFPROC or RFMEM): only the first store is seen. */
static int unshare_child(void *arg)
{
	(void)arg;
	if (__sys_rfork(RFMEM) != 0)
		return 1;
	word = 5;
	if (__sys_rfork(0) != 0)
		return 2;
	word = 6;
	return word == 6 ? 0 : 3;
}

static int files_child(void *arg)
{
	int *fds = arg;
	opened = open("/tmp/fb4_rfork_share.f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	close(fds[0]);
	return opened < 0;
}

static int signals_child(void *arg)
{
	(void)arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	/* The mask is the child's alone. */
	if (sigprocmask(SIG_BLOCK, &block, NULL) != 0)
		return 1;
	return sigaction(SIGUSR1, &sa, NULL) != 0;
}

static int sleeper_child(void *arg)
{
	(void)arg;
	asleep = 1;
	long v = thr_sleep_();
	woken = 1;
	/* The leader is a peer, awake: EAGAIN; a stranger is not: ESRCH. */
	wakeup_leader = thr_wakeup_(getppid());
	if (thr_wakeup_(1) != ESRCH || v < 0)
		return 1;
	return 0;
}

static int forever_child(void *arg)
{
	(void)arg;
	for (;;)
		usleep(1000000);
	return 0;
}

/* A leader with a peer that never ends: the peer holds `fd`, the write end of a pipe,
 * in the table they share, and dies when the leader exits. */
static int leader(int fd)
{
	(void)fd;
	pid_t peer = rfork_thread_(RFPROC | RFMEM | RFTHREAD, stack_top(2), forever_child, 0);
	if (peer < 0)
		return 1;
	/* Give it time to be asleep in usleep. */
	usleep(50000);
	return 0;
}

static volatile int usr1s, chlds;
static void count_usr1(int sig) { (void)sig; usr1s++; }
static void count_chld(int sig) { (void)sig; chlds++; }
static int exit_7(void *arg) { (void)arg; return 7; }

/* RFLINUXTHPN's exit signal and WLINUXCLONE's waits. */
static void linux_thread_exit(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_usr1;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	sa.sa_handler = count_chld;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	int status = -1;
	pid_t thread = spawn(RFPROC | RFFDG | RFLINUXTHPN, exit_7, NULL, 0);
	CHECK_ERRNO(wait4(-1, &status, WNOHANG, NULL), ECHILD);
	CHECK_EQ(wait4(thread, &status, (int)WLINUXCLONE, NULL), thread);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK_EQ(usr1s, 1);
	CHECK_EQ(chlds, 0);
	/* A forked child is not one a WLINUXCLONE wait takes. */
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		_exit(3);
	CHECK_ERRNO(wait4(-1, &status, (int)WLINUXCLONE, NULL), ECHILD);
	CHECK_EQ(wait4(child, &status, 0, NULL), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	CHECK_EQ(chlds, 1);
	CHECK_EQ(usr1s, 1);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
}

int main(void)
{
	linux_thread_exit();

	/* RFMEM: the parent sees the child's stores, mapping and break. */
	void *brk_before = sbrk(0);
	pid_t child = spawn(RFPROC | RFFDG | RFMEM, memory_child, (void *)1234, 0);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(word, 1234);
	CHECK(mapped != NULL);
	CHECK_EQ(mapped[100], 'm');
	/* The break moved for both: ours grows from where the child left it, and what
	 * the child stored there stays. */
	CHECK(brk_seen == brk_before);
	char *more = sbrk(4096);
	CHECK(more == (char *)brk_before + 8192);
	CHECK_EQ(((volatile char *)brk_before)[100], 'b');
	more[0] = 1;
	CHECK_OK(munmap((void *)mapped, 4096));

	/* Without RFMEM the child's stores are its own (fork's copy). */
	word = 0;
	child = CHECK_OK((int)__sys_rfork(RFPROC | RFFDG));
	if (child == 0) {
		word = 99;
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(word, 0);

	/* A sharer that asks for its own memory (rfork without RFPROC or RFMEM) gets a
	 * copy; rfork(RFMEM) alone keeps the memory shared. */
	word = 0;
	child = spawn(RFPROC | RFFDG | RFMEM, unshare_child, 0, 0);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(word, 5);

	/* A shared descriptor table: the child's open and close are the parent's. */
	int fds[2];
	CHECK_OK(pipe(fds));
	child = spawn(RFPROC | RFMEM, files_child, fds, 0);
	CHECK_CHILD_OK(reap(child));
	CHECK(opened >= 0);
	CHECK_EQ(fcntl(opened, F_GETFD), 0);
	CHECK_ERRNO(fcntl(fds[0], F_GETFD), EBADF);
	CHECK_OK(close(opened));
	CHECK_OK(close(fds[1]));

	/* The same with a copied memory: rfork(RFPROC) alone. */
	child = CHECK_OK((int)__sys_rfork(RFPROC));
	if (child == 0) {
		int fd = open("/tmp/fb4_rfork_share.f", O_RDONLY);
		/* Tell the parent which through the file itself. */
		int w = open("/tmp/fb4_rfork_share.n", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		(void)!write(w, &fd, sizeof fd);
		close(w);
		_exit(fd < 0);
	}
	CHECK_CHILD_OK(reap(child));
	int n = -1, nf = CHECK_OK(open("/tmp/fb4_rfork_share.n", O_RDONLY));
	CHECK_EQ(read(nf, &n, sizeof n), (ssize_t)sizeof n);
	CHECK_OK(close(nf));
	/* The child's `w` was closed; its `fd` stays open here. */
	CHECK(n >= 0);
	CHECK_EQ(fcntl(n, F_GETFD), 0);
	CHECK_OK(close(n));

	/* rfork(RFFDG) without RFPROC: the child's table becomes its own, so what it
	 * opens after is not ours. */
	child = CHECK_OK((int)__sys_rfork(RFPROC));
	if (child == 0) {
		if (__sys_rfork(RFFDG) != 0)
			_exit(255);
		int fd = open("/tmp/fb4_rfork_share.f", O_RDONLY);
		_exit(fd < 0 ? 255 : fd);
	}
	int status = reap(child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 255);
	CHECK_ERRNO(fcntl(WEXITSTATUS(status), F_GETFD), EBADF);

	/* rfork(RFCFDG) without RFPROC: the child has none, the shared table is left. */
	CHECK_OK(pipe(fds));
	child = CHECK_OK((int)__sys_rfork(RFPROC));
	if (child == 0) {
		if (__sys_rfork(RFCFDG) != 0)
			_exit(1);
		if (fcntl(fds[0], F_GETFD) != -1 || errno != EBADF)
			_exit(2);
		_exit(0);
	}
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(fcntl(fds[0], F_GETFD), 0);
	CHECK_EQ(fcntl(fds[1], F_GETFD), 0);
	CHECK_OK(close(fds[0]));
	CHECK_OK(close(fds[1]));

	/* RFSIGSHARE: the child's handler is ours; its mask is not. */
	child = spawn(RFPROC | RFFDG | RFMEM | RFSIGSHARE, signals_child, 0, 0);
	CHECK_CHILD_OK(reap(child));
	struct sigaction old;
	CHECK_OK(sigaction(SIGUSR1, NULL, &old));
	CHECK(old.sa_handler == on_usr1);
	sigset_t mask;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &mask));
	CHECK(!sigismember(&mask, SIGUSR2));
	caught = 0;
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(caught, SIGUSR1);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	CHECK_OK(sigaction(SIGUSR1, &dfl, NULL));
	/* Without RFSIGSHARE the child's actions are its own. */
	child = spawn(RFPROC | RFFDG | RFMEM, signals_child, 0, 0);
	CHECK_CHILD_OK(reap(child));
	CHECK_OK(sigaction(SIGUSR1, NULL, &old));
	CHECK(old.sa_handler == SIG_DFL);

	/* RFTHREAD: thr_wakeup finds a peer asleep in thr_sleep, and wakes it. */
	CHECK_EQ(thr_wakeup_(getpid()), EAGAIN);
	asleep = 0;
	woken = 0;
	child = spawn(RFPROC | RFFDG | RFMEM | RFTHREAD, sleeper_child, 0, 1);
	for (int i = 0; i < 200 && !asleep; i++)
		usleep(10000);
	CHECK(asleep);
	usleep(20000);
	CHECK_EQ(woken, 0);
	CHECK_EQ(thr_wakeup_(child), 0);
	CHECK_CHILD_OK(reap(child));
	CHECK_EQ(woken, 1);
	CHECK_EQ(wakeup_leader, EAGAIN);
	/* It is gone: no longer a peer. */
	CHECK_EQ(thr_wakeup_(child), ESRCH);
	/* A plain fork's child is nobody's peer. */
	child = CHECK_OK(fork());
	if (child == 0)
		_exit(thr_wakeup_(getppid()) == ESRCH ? 0 : 1);
	CHECK_CHILD_OK(reap(child));

	/* A leader's exit kills its peers: the peer's end of the pipe closes. */
	CHECK_OK(pipe(fds));
	child = CHECK_OK(fork());
	if (child == 0) {
		close(fds[0]);
		_exit(leader(fds[1]));
	}
	CHECK_OK(close(fds[1]));
	CHECK_CHILD_OK(reap(child));
	/* The leader's exit waited for its peer to end, so the write end is closed
	 * already: end of file at once, not EAGAIN. */
	CHECK_OK(fcntl(fds[0], F_SETFL, O_NONBLOCK));
	char c;
	CHECK_EQ(read(fds[0], &c, 1), 0);
	CHECK_OK(close(fds[0]));

	child = CHECK_OK(fork());
	if (child == 0)
		_exit(unshare_under_sharer());
	CHECK_CHILD_OK(reap(child));

	unlink("/tmp/fb4_rfork_share.f");
	unlink("/tmp/fb4_rfork_share.n");
	PASS();
}
