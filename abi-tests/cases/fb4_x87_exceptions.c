// abi: freebsd4-i386
/*
 * An unmasked x87 exception is SIGFPE, as 4.x's trap() (T_ARITHTRAP) and npx.c
 * (npx_intr, npxtrap: fpetable) give it:
 *  - the code is fpetable's FPE_* for the unmasked exceptions raised: divide by zero
 *    FPE_FLTDIV (3), invalid operation FPE_FLTINV (7), overflow FPE_FLTOVF (4);
 *    mc_trapno is T_ARITHTRAP (6);
 *  - the exception flags are cleared (fnclex) before the handler runs: its status
 *    word has none, and its own x87 work raises nothing;
 *  - an exception made pending by fldenv is delivered at the next waiting
 *    instruction;
 *  - with the exception masked nothing happens (the result is inf); with the default
 *    action the process dies by SIGFPE.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>

static int report[2];

static void on_fpe(int sig, int code, void *ucp)
{
	ucontext_t *uc = ucp;
	unsigned short sw;
	__asm__ volatile("fnstsw %0" : "=m"(sw));
	volatile double a = 3.0, b = 4.0;
	volatile double c = a * b;
	__asm__ volatile("fwait");
	int words[5] = {sig, code, uc->uc_mcontext.mc_trapno, sw & 0x80ff, c == 12.0};
	(void)!write(report[1], words, sizeof(words));
	_exit(0);
}

static void set_cw(unsigned short cw) { __asm__ volatile("fldcw %0" ::"m"(cw)); }

static volatile double zero = 0.0, one = 1.0, huge = 1e300;
static volatile double sink;

static void divide(void)
{
	set_cw(0x127b); /* ZM unmasked */
	sink = one / zero;
	__asm__ volatile("fwait");
}
static void invalid(void)
{
	set_cw(0x127e); /* IM unmasked */
	sink = zero / zero;
	__asm__ volatile("fwait");
}
static void overflow(void)
{
	set_cw(0x1277); /* OM unmasked */
	sink = huge * huge;
	__asm__ volatile("fwait");
}
static void pending(void)
{
	struct {
		unsigned short cw, r0, sw, r1, tw, r2;
		unsigned ip, cs, dp, ds;
	} env;
	__asm__ volatile("fnstenv %0" : "=m"(env));
	env.cw = 0x127b;
	env.sw |= 0x84; /* ZE, ES */
	__asm__ volatile("fldenv %0\n\tfwait" ::"m"(env));
}
static void masked(void)
{
	sink = one / zero; /* 4.x's default control word 0x127f masks everything */
	__asm__ volatile("fwait");
}

/* Runs `what` in a child with the handler: 1 and the handler's words if SIGFPE came. */
static int run(void (*what)(void), int handled, int words[5])
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (handled) {
			union {
				void (*h3)(int, int, void *);
				void (*h1)(int);
			} u;
			u.h3 = on_fpe;
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = u.h1;
			sigaction(SIGFPE, &sa, NULL);
		}
		what();
		_exit(10);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	if (!handled)
		return st;
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st) == 10)
		return 0;
	CHECK_EQ(WEXITSTATUS(st), 0);
	CHECK_EQ(read(report[0], words, 5 * sizeof(int)), (long)(5 * sizeof(int)));
	return 1;
}

int main(void)
{
	CHECK_OK(pipe(report));
	static const struct {
		const char *name;
		void (*what)(void);
		int code;
	} cases[] = {
		{"divide by zero", divide, 3},
		{"invalid", invalid, 7},
		{"overflow", overflow, 4},
		{"pending by fldenv", pending, 3},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int w[5];
		if (!run(cases[i].what, 1, w))
			FAIL("%s: no SIGFPE", cases[i].name);
		CHECK_EQ(w[0], SIGFPE);
		CHECK_EQ(w[1], cases[i].code);
		CHECK_EQ(w[2], 6); /* T_ARITHTRAP */
		CHECK_EQ(w[3], 0); /* flags cleared */
		CHECK_EQ(w[4], 1); /* the handler's own x87 work went through */
	}
	int w[5];
	CHECK_EQ(run(masked, 1, w), 0);
	int st = run(divide, 0, w);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ(WTERMSIG(st), SIGFPE);
	PASS();
}
