/*
 * crt0 for FreeBSD 4.x i386 ELF programs. At entry esp points at argc, then argv[],
 * NULL, envp[], NULL, the auxv pairs (reference §3.2); esp is only 4-byte aligned.
 * The machine state the kernel left (§3.3: eflags PSL_USER, the general registers 0,
 * the x87 control word 0x127f) is saved first, untouched, into __fb4_entry (see
 * <_libc.h>) for the start-up cases. Then the address of argc goes to the shared C
 * start-up, with the stack 16-byte aligned at the call as the i386 SysV ABI (gcc)
 * wants.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	pushfl				/* first: nothing has touched the flags yet */
	popl	__fb4_entry + 0
	movl	%eax, __fb4_entry + 4
	movl	%ebx, __fb4_entry + 8
	movl	%ecx, __fb4_entry + 12
	movl	%edx, __fb4_entry + 16
	movl	%esi, __fb4_entry + 20
	movl	%edi, __fb4_entry + 24
	movl	%ebp, __fb4_entry + 28
	movl	%esp, __fb4_entry + 32
	movw	%cs, __fb4_entry + 36
	movw	%ds, __fb4_entry + 40
	movw	%es, __fb4_entry + 44
	movw	%fs, __fb4_entry + 48
	movw	%gs, __fb4_entry + 52
	movw	%ss, __fb4_entry + 56
	fnstcw	__fb4_entry + 60

	xorl	%ebp, %ebp
	movl	%esp, %eax		/* &argc */
	andl	$-16, %esp
	subl	$12, %esp
	pushl	%eax			/* esp is 16-byte aligned at the call */
	call	__libc_start
	hlt
	.size	_start, .-_start

	/* struct __fb4_entry: 16 words, zero until _start fills them. */
	.bss
	.globl	__fb4_entry
	.type	__fb4_entry, @object
	.balign	4
__fb4_entry:
	.zero	64
	.size	__fb4_entry, 64

	.section	.note.GNU-stack,"",@progbits
