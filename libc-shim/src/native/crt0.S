/*
 * crt0 for the Nymph native ABI (x86_64): at entry rsp points at argc, then
 * argv[], NULL, envp[], NULL, auxv (native-v1.json, `startup`). Hands that
 * pointer to the shared C start-up with the stack 16-byte aligned before the
 * call, as the SysV ABI wants.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	__libc_start
	hlt
	.size	_start, .-_start

	.section	.note.GNU-stack,"",@progbits
