/* The C half of setjmp and longjmp; the registers are saved and restored by each
 * architecture's setjmp.S. */
#include <_libc.h>

__noreturn void __jmp_restore(struct __jmp_buf *env, int val);

/* Called by setjmp.S once the registers are in `env`: the mask too if `savemask`.
 * What it returns (0) is setjmp's first return. */
int __setjmp_mask(struct __jmp_buf *env, int savemask)
{
	env->__mask_saved = savemask != 0;
	if (savemask)
		sigprocmask(SIG_BLOCK, NULL, &env->__mask);
	return 0;
}

void siglongjmp(sigjmp_buf env, int val)
{
	if (env->__mask_saved)
		sigprocmask(SIG_SETMASK, &env->__mask, NULL);
	__jmp_restore(env, val);
}

void longjmp(jmp_buf env, int val)
{
	siglongjmp(env, val);
}

void _longjmp(jmp_buf env, int val)
{
	__jmp_restore(env, val);
}
