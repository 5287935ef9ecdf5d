/* What the fork+exec+wait benchmark execs on Linux: exit(0) and nothing else, so that
 * glibc's static start-up, which is no part of the kernel's work, is not counted. */
	.globl	_start
_start:
	movl	$60, %eax
	xorl	%edi, %edi
	syscall
	.section	.note.GNU-stack,"",@progbits
