/* setjmp's register half for x86_64 (System V): rbx, rbp, r12-r15, the stack
 * pointer as the caller has it after the return, and the return address, in
 * __regs[0..8] of struct __jmp_buf (see _libc.h); then __setjmp_mask, tail-called
 * with (env, savemask), returns the 0 of the first return. */
	.text
	.globl setjmp
	.type setjmp, @function
setjmp:
	movl $1, %esi
	jmp sigsetjmp
	.size setjmp, .-setjmp

	.globl _setjmp
	.type _setjmp, @function
_setjmp:
	xorl %esi, %esi
	jmp sigsetjmp
	.size _setjmp, .-_setjmp

	.globl sigsetjmp
	.type sigsetjmp, @function
sigsetjmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rdx
	movq %rdx, 48(%rdi)
	movq (%rsp), %rdx
	movq %rdx, 56(%rdi)
	jmp __setjmp_mask
	.size sigsetjmp, .-sigsetjmp

/* __jmp_restore(env, val): back to where setjmp returned, returning val (1 for 0). */
	.globl __jmp_restore
	.type __jmp_restore, @function
__jmp_restore:
	movl %esi, %eax
	testl %eax, %eax
	jnz 1f
	incl %eax
1:	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	jmpq *56(%rdi)
	.size __jmp_restore, .-__jmp_restore

	.section .note.GNU-stack, "", @progbits
