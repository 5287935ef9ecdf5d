/*
 * Alternate signal stacks in every ABI:
 *  - a process starts without one (SS_DISABLE); a stack under MINSIGSTKSZ is ENOMEM,
 *    unknown flags EINVAL, and the old stack is reported either way;
 *  - an SA_ONSTACK handler runs on it and sees SS_ONSTACK; changing the stack from
 *    there is refused (native: EPERM as POSIX says; 4.x: EINVAL as kern_sig.c says);
 *    a handler without SA_ONSTACK runs on the ordinary stack; after the handler the
 *    flag is gone;
 *  - a forked child inherits the stack; an exec'd image starts without one;
 *  - what it is for: a process that overflows its stack catches the fault on the
 *    alternate stack (without one, the kernel has nowhere to put the frame and the
 *    process dies of the signal instead).
 */
#include <nymph_test.h>
#include <signal.h>

#ifdef __i386__
#define CHANGE_WHILE_ON EINVAL
#else
#define CHANGE_WHILE_ON EPERM
#endif

static char altstack[SIGSTKSZ] __attribute__((aligned(16)));

static int on_alt(const void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)altstack;
	return a >= base && a < base + sizeof(altstack);
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	CHECK_OK(sigaction(sig, &sa, NULL));
}

static volatile int calls, local_on_alt, flags_inside, change_ret, change_errno;

static void on_handler(int sig)
{
	volatile char here = 0;
	stack_t now, other;
	(void)sig;
	calls++;
	local_on_alt = on_alt((const void *)&here);
	sigaltstack(NULL, &now);
	flags_inside = now.ss_flags;
	memset(&other, 0, sizeof(other));
	other.ss_flags = SS_DISABLE;
	errno = 0;
	change_ret = sigaltstack(&other, NULL);
	change_errno = errno;
}

static void overflow_handler(int sig)
{
	volatile char here = 0;
	(void)sig;
	_exit(on_alt((const void *)&here) ? 42 : 43);
}

/* Ends only when the stack does; the volatile bound hides that from the compiler. */
static volatile int depth_limit = 0x7fffffff;

static int recurse(int n)
{
	volatile char frame[1024];
	frame[0] = (char)n;
	if (n >= depth_limit)
		return n;
	return recurse(n + 1) + frame[0];
}

/* In a child: overflow the stack, with or without an alternate one for the fault. */
static int overflow_status(int with_altstack)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (with_altstack) {
			stack_t ss;
			memset(&ss, 0, sizeof(ss));
			ss.ss_sp = (uintptr_t)altstack;
			ss.ss_size = sizeof(altstack);
			CHECK_OK(sigaltstack(&ss, NULL));
		} else {
			stack_t off;
			memset(&off, 0, sizeof(off));
			off.ss_flags = SS_DISABLE;
			CHECK_OK(sigaltstack(&off, NULL));
		}
		install(SIGSEGV, overflow_handler, SA_ONSTACK);
		install(SIGBUS, overflow_handler, SA_ONSTACK);
		_exit(recurse(0));
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static void child_passes(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

int main(int argc, char **argv)
{
	stack_t ss, oss;

	if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
		/* A new image starts without an alternate stack. */
		CHECK_OK(sigaltstack(NULL, &oss));
		CHECK_EQ(oss.ss_flags, SS_DISABLE);
		PASS();
	}

	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_flags, SS_DISABLE);

	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = (uintptr_t)altstack;
	ss.ss_size = MINSIGSTKSZ - 1;
	memset(&oss, 0xff, sizeof(oss));
	CHECK_ERRNO(sigaltstack(&ss, &oss), ENOMEM);
	CHECK_EQ(oss.ss_flags, SS_DISABLE);
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0x100;
	CHECK_ERRNO(sigaltstack(&ss, NULL), EINVAL);
	ss.ss_flags = 0;
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_flags, 0);
	CHECK_EQ(oss.ss_sp, (uintptr_t)altstack);
	CHECK_EQ(oss.ss_size, sizeof(altstack));

	/* SA_ONSTACK: on the alternate stack, which cannot be changed from there. */
	install(SIGUSR1, on_handler, SA_ONSTACK);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(calls, 1);
	CHECK_EQ(local_on_alt, 1);
	CHECK_EQ(flags_inside, SS_ONSTACK);
	CHECK_EQ(change_ret, -1);
	CHECK_EQ(change_errno, CHANGE_WHILE_ON);
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_flags, 0);

	/* Without SA_ONSTACK: the ordinary stack, and the change is allowed. */
	install(SIGUSR2, on_handler, 0);
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(calls, 2);
	CHECK_EQ(local_on_alt, 0);
	CHECK_EQ(flags_inside, 0);
	CHECK_EQ(change_ret, 0);
	CHECK_OK(sigaltstack(NULL, &oss));
	CHECK_EQ(oss.ss_flags, SS_DISABLE);
	/* Disabling keeps where it was. */
	CHECK_EQ(oss.ss_sp, (uintptr_t)altstack);
	CHECK_OK(sigaltstack(&ss, NULL));

	/* fork keeps it. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK_OK(sigaltstack(NULL, &oss));
		CHECK_EQ(oss.ss_flags, 0);
		CHECK_EQ(oss.ss_sp, (uintptr_t)altstack);
		_exit(0);
	}
	child_passes(pid);

	/* exec drops it. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *args[] = {argv[0], "exec-child", NULL};
		execv(argv[0], args);
		FAIL("execv %s: %s", argv[0], nt_errname(errno));
	}
	child_passes(pid);

	/* A stack overflow is caught on the alternate stack... */
	int status = overflow_status(1);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 42);
	/* ...and without one the process dies of a signal, its handler never run. */
	status = overflow_status(0);
	CHECK(WIFSIGNALED(status));
	PASS();
}
