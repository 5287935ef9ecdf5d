// abi: freebsd4-i386
/*
 * %fs and %gs belong to the process (4.x: part of its context, starting at the user
 * data selector like %ds): a child that loads null into them keeps them across system
 * calls and switches while its parent, running at the same time, keeps its own; a
 * signal frame records %gs in mc_gs and the trampoline puts it back.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned short get_fs(void) { unsigned short v; __asm__ volatile("mov %%fs, %0" : "=r"(v)); return v; }
static unsigned short get_gs(void) { unsigned short v; __asm__ volatile("mov %%gs, %0" : "=r"(v)); return v; }
static unsigned short get_ds(void) { unsigned short v; __asm__ volatile("mov %%ds, %0" : "=r"(v)); return v; }
static void set_fs_gs(unsigned short v) { __asm__ volatile("mov %0, %%fs\n\tmov %0, %%gs" : : "r"(v)); }

static volatile int frame_gs = -1, handler_gs = -1;
static void on_usr1(int sig, siginfo_t *si, void *ucp)
{
	(void)sig;
	(void)si;
	/* mc_gs is the second word of the mcontext, after mc_onstack (uc_mcontext at 16). */
	frame_gs = ((int *)((char *)ucp + 16))[1];
	handler_gs = get_gs();
}

int main(void)
{
	unsigned short ds = get_ds();
	CHECK_EQ(get_fs(), ds);
	CHECK_EQ(get_gs(), ds);

	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		set_fs_gs(0);
		for (int i = 0; i < 300; i++) {
			syscall(331); /* sched_yield */
			if (get_fs() != 0 || get_gs() != 0)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 300; i++) {
		syscall(331);
		if (get_fs() != ds || get_gs() != ds)
			FAIL("parent's %%fs/%%gs became %#x/%#x (want %#x) at %d", get_fs(), get_gs(), ds, i);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EQ(status, 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	set_fs_gs(0);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(frame_gs, 0);
	CHECK_EQ(get_gs(), 0);
	set_fs_gs(ds);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(frame_gs, ds);
	CHECK_EQ(handler_gs, ds);
	PASS();
}
