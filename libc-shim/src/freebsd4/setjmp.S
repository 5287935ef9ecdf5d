/* setjmp's register half for i386 (cdecl, arguments on the stack): ebx, esi, edi,
 * ebp, the stack pointer as the caller has it after the return, and the return
 * address, in __regs[0..6] of struct __jmp_buf (see _libc.h); then a call of
 * __setjmp_mask(env, savemask), whose 0 is the first return. */
	.text
	.globl setjmp
	.type setjmp, @function
setjmp:
	movl $1, %ecx
	jmp .Lsave
	.size setjmp, .-setjmp

	.globl _setjmp
	.type _setjmp, @function
_setjmp:
	xorl %ecx, %ecx
	jmp .Lsave
	.size _setjmp, .-_setjmp

	.globl sigsetjmp
	.type sigsetjmp, @function
sigsetjmp:
	movl 8(%esp), %ecx
.Lsave:
	movl 4(%esp), %eax
	movl %ebx, 0(%eax)
	movl %esi, 4(%eax)
	movl %edi, 8(%eax)
	movl %ebp, 12(%eax)
	leal 4(%esp), %edx
	movl %edx, 16(%eax)
	movl (%esp), %edx
	movl %edx, 20(%eax)
	pushl %ecx
	pushl %eax
	call __setjmp_mask
	addl $8, %esp
	ret
	.size sigsetjmp, .-sigsetjmp

/* __jmp_restore(env, val): back to where setjmp returned, returning val (1 for 0). */
	.globl __jmp_restore
	.type __jmp_restore, @function
__jmp_restore:
	movl 4(%esp), %edx
	movl 8(%esp), %eax
	testl %eax, %eax
	jnz 1f
	incl %eax
1:	movl 0(%edx), %ebx
	movl 4(%edx), %esi
	movl 8(%edx), %edi
	movl 12(%edx), %ebp
	movl 16(%edx), %esp
	jmpl *20(%edx)
	.size __jmp_restore, .-__jmp_restore

	.section .note.GNU-stack, "", @progbits
