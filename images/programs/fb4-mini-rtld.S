/*
 * A stand-in for FreeBSD 4's ELF interpreter /usr/libexec/ld-elf.so.1 (which Nymph
 * does not ship), for xtask test's dynamic-binary check. Position independent, linked
 * as ET_DYN: the kernel chooses where it lands.
 *
 * It finds the auxv past envp, checks that AT_BASE is its own load address (where its
 * ELF header is) and that AT_ENTRY and AT_PHDR are set, says so on stdout, then jumps
 * to AT_ENTRY with the stack as it found it and edx = its "cleanup" (a ret), as
 * ld-elf.so.1's _rtld_start hands crt1 its exit procedure. A failed check exits with
 * 41 (AT_BASE), 42 (AT_ENTRY), 43 (AT_PHDR) or 44 (write).
 */
	.set	SYS_exit, 1
	.set	SYS_write, 4
	.set	AT_NULL, 0
	.set	AT_PHDR, 3
	.set	AT_BASE, 7
	.set	AT_ENTRY, 9

	.text
	.globl	_rtld_start
	.type	_rtld_start, @function
_rtld_start:
	movl	%esp, %esi		/* &argc, handed on as it is */
	call	1f
1:	popl	%ebx
	addl	$_GLOBAL_OFFSET_TABLE_ + (. - 1b), %ebx
	leal	__ehdr_start@GOTOFF(%ebx), %ebp	/* where the kernel put us */

	/* The auxv follows argv[argc] = NULL and envp's NULL. */
	movl	(%esi), %ecx
	leal	8(%esi,%ecx,4), %edi
2:	movl	(%edi), %eax
	addl	$4, %edi
	testl	%eax, %eax
	jnz	2b

3:	movl	(%edi), %eax
	movl	4(%edi), %edx
	addl	$8, %edi
	cmpl	$AT_NULL, %eax
	je	5f
	cmpl	$AT_BASE, %eax
	jne	4f
	movl	%edx, at_base@GOTOFF(%ebx)
4:	cmpl	$AT_ENTRY, %eax
	jne	4f
	movl	%edx, at_entry@GOTOFF(%ebx)
4:	cmpl	$AT_PHDR, %eax
	jne	3b
	movl	%edx, at_phdr@GOTOFF(%ebx)
	jmp	3b

5:	movl	$41, %ecx
	cmpl	%ebp, at_base@GOTOFF(%ebx)
	jne	fail
	movl	$42, %ecx
	cmpl	$0, at_entry@GOTOFF(%ebx)
	je	fail
	movl	$43, %ecx
	cmpl	$0, at_phdr@GOTOFF(%ebx)
	je	fail

	/* write(1, said, said_len): arguments on the stack above a return address slot. */
	pushl	$said_len
	leal	said@GOTOFF(%ebx), %eax
	pushl	%eax
	pushl	$1
	pushl	$0
	movl	$SYS_write, %eax
	int	$0x80
	leal	16(%esp), %esp
	movl	$44, %ecx
	jc	fail

	movl	at_entry@GOTOFF(%ebx), %eax
	leal	rtld_cleanup@GOTOFF(%ebx), %edx
	movl	%esi, %esp
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	jmp	*%eax

fail:
	pushl	%ecx
	pushl	$0
	movl	$SYS_exit, %eax
	int	$0x80
	hlt
	.size	_rtld_start, .-_rtld_start

	/* What the program's crt1 registers with atexit: nothing to undo here. */
	.type	rtld_cleanup, @function
rtld_cleanup:
	ret
	.size	rtld_cleanup, .-rtld_cleanup

	.section .rodata
said:
	.ascii	"mini-rtld: AT_BASE is my load address; AT_ENTRY, AT_PHDR set\n"
	.set	said_len, . - said

	.bss
	.balign	4
at_base:	.zero	4
at_entry:	.zero	4
at_phdr:	.zero	4

	.section	.note.GNU-stack,"",@progbits
