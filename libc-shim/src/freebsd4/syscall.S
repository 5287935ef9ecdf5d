/*
 * The indirect system calls of 4.x libc (reference §2).
 *
 * syscall(number, ...): like 4.x libc's, it does not use SYS_syscall (0): it takes
 * the number off the stack into eax, so the kernel finds the arguments where a direct
 * stub's would be (esp+4), and relies on the kernel preserving ecx (the return
 * address) to put the stack back as the caller left it.
 *
 * __syscall(quad number, ...): SYS___syscall (198), the kernel reading the number's
 * low word and the arguments after the quad; the result is edx:eax, so an off_t
 * (lseek) comes back whole. libc's mmap, lseek, pread, pwrite, truncate and
 * ftruncate go through it.
 *
 * Failure (carry set): errno = eax, and -1 in eax and edx.
 */
	.text
	.globl	syscall
	.type	syscall, @function
syscall:
	popl	%ecx			/* return address */
	popl	%eax			/* number */
	pushl	%ecx			/* the arguments now start at esp+4 */
	int	$0x80
	pushl	%ecx			/* fills the number's slot: the caller pops as many words as it pushed */
	jb	1f
	ret
1:	movl	%eax, errno
	movl	$-1, %eax
	movl	$-1, %edx
	ret
	.size	syscall, .-syscall

	.globl	__syscall
	.type	__syscall, @function
__syscall:
	movl	$198, %eax
	int	$0x80
	jb	1f
	ret
1:	movl	%eax, errno
	movl	$-1, %eax
	movl	$-1, %edx
	ret
	.size	__syscall, .-__syscall

/*
 * vfork(): the child runs on the parent's memory and stack until it execs or exits, so
 * whatever it calls overwrites the stack below its caller's frame, where a return
 * address would be. Like 4.x libc's, the stub keeps its return address in ecx (which
 * the kernel preserves) and returns by jumping through it. The child's edx is 1.
 */
	.globl	vfork
	.type	vfork, @function
vfork:
	popl	%ecx			/* return address */
	movl	$66, %eax
	int	$0x80
	jb	1f
	testl	%edx, %edx
	jz	2f
	xorl	%eax, %eax		/* the child returns 0 */
2:	jmp	*%ecx
1:	movl	%eax, errno
	movl	$-1, %eax
	jmp	*%ecx
	.size	vfork, .-vfork

	.section	.note.GNU-stack,"",@progbits
