/*
 * SIGCHLD's sigaction flags: with SA_NOCLDSTOP a child's job-control stop (and,
 * natively, its continue) sends no SIGCHLD (wait still reports the stop, and the
 * child's death still signals); with
 * SA_NOCLDWAIT an ended child never becomes the caller's zombie (init takes it), so a
 * wait for it ends with ECHILD and no SIGCHLD comes. The old action reports both flags
 * for SIGCHLD only, whatever its handler. SIG_IGN for SIGCHLD means no zombies too in
 * the native ABIs (POSIX); 4.x kept them (its do_sigaction sets PS_NOCLDWAIT for the
 * flag alone).
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>

static volatile int hits;

static void on_chld(int sig)
{
	(void)sig;
	hits++;
}

static void set_chld(void (*handler)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
}

static int chld_flags(void)
{
	struct sigaction old;
	memset(&old, 0, sizeof(old));
	CHECK_OK(sigaction(SIGCHLD, NULL, &old));
	return old.sa_flags & (SA_NOCLDSTOP | SA_NOCLDWAIT);
}

/* A child that waits for signals until one ends it. */
static pid_t idle_child(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		for (;;)
			sigsuspend(&none);
	}
	return pid;
}

int main(void)
{
	int status;

	/* SA_NOCLDSTOP: the stop is seen by wait only; the death signals. */
	set_chld(on_chld, SA_NOCLDSTOP);
	CHECK_EQ(chld_flags(), SA_NOCLDSTOP);
	pid_t pid = idle_child();
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	CHECK_EQ(hits, 0);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(hits, 0);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_EQ(hits, 1);

	/* Without it, the stop signals too, and natively (POSIX) so does the continue;
	 * 4.x sent none for a continue. */
	set_chld(on_chld, 0);
	CHECK_EQ(chld_flags(), 0);
	pid = idle_child();
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK_EQ(hits, 2);
	int before = hits;
	CHECK_OK(kill(pid, SIGCONT));
	/* The continue's SIGCHLD, if any, is posted before kill returns. */
#ifdef __FreeBSD_version
	CHECK_EQ(hits, before);
#else
	CHECK_EQ(hits, before + 1);
#endif
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	hits = 3;

	/* SA_NOCLDWAIT: no zombie to reap and no SIGCHLD; the wait ends with ECHILD once
	 * the last child is gone. */
	set_chld(on_chld, SA_NOCLDWAIT);
	CHECK_EQ(chld_flags(), SA_NOCLDWAIT);
	pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(3);
	CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD);
	CHECK_ERRNO(kill(pid, 0), ESRCH);
	CHECK_EQ(hits, 3);

	/* The flags are SIGCHLD's: another signal's old action never shows them, and
	 * SIGCHLD's shows them whatever its handler. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(sigaction(SIGUSR1, NULL, &old));
	CHECK_EQ(old.sa_flags & (SA_NOCLDSTOP | SA_NOCLDWAIT), 0);
	CHECK(old.sa_flags & SA_RESTART);
	set_chld(SIG_DFL, SA_NOCLDSTOP);
	CHECK_EQ(chld_flags(), SA_NOCLDSTOP);

	/* SIG_IGN: no zombies in the native ABIs; 4.x keeps them. */
	set_chld(SIG_IGN, 0);
	pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(4);
#ifdef __FreeBSD_version
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4);
#else
	CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD);
#endif
	PASS();
}
