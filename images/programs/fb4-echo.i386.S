/*
 * A FreeBSD-4 i386 program (branded EI_OSABI 9 by xtask): prints argv[1] and a
 * newline with write(2) through int $0x80, opens /dev/null, checks getpid through both indirections
 * (syscall 0, and __syscall 198 with its quad code) against the direct call, checks
 * that close(-1) sets the carry flag with EBADF (9) in eax and preserves ebx, esi,
 * edi and ebp, then exits 7 (or 99 at the first mismatch).
 */
	.text
	.globl	_start
_start:
	movl	8(%esp), %esi		/* argv[1] (esp: argc, argv[0], argv[1]) */
	xorl	%ecx, %ecx
1:	cmpb	$0, (%esi,%ecx)
	je	2f
	incl	%ecx
	jmp	1b
2:	pushl	%ecx
	pushl	%esi
	pushl	$1
	pushl	$0			/* the stub's return address */
	movl	$4, %eax		/* write */
	int	$0x80
	jc	bad
	addl	$16, %esp
	pushl	$1
	pushl	$newline
	pushl	$1
	pushl	$0
	movl	$4, %eax
	int	$0x80
	jc	bad
	addl	$16, %esp

	pushl	$0
	pushl	$9
	pushl	$devnull
	pushl	$0
	movl	$5, %eax		/* open("/dev/null", O_WRONLY|O_APPEND, 0) */
	int	$0x80
	jc	bad
	addl	$16, %esp
	movl	$20, %eax		/* getpid, direct */
	int	$0x80
	movl	%eax, %edi
	pushl	$20
	pushl	$0
	movl	$0, %eax		/* syscall(SYS_getpid) */
	int	$0x80
	addl	$8, %esp
	cmpl	%edi, %eax
	jne	bad
	pushl	$0			/* high word of the quad code */
	pushl	$20
	pushl	$0
	movl	$198, %eax		/* __syscall((quad_t)SYS_getpid) */
	int	$0x80
	addl	$12, %esp
	cmpl	%edi, %eax
	jne	bad

	movl	$0x11111111, %ebx
	movl	$0x22222222, %esi
	movl	$0x33333333, %edi
	movl	$0x44444444, %ebp
	pushl	$-1
	pushl	$0
	movl	$6, %eax		/* close(-1) */
	int	$0x80
	jnc	bad
	cmpl	$9, %eax
	jne	bad
	cmpl	$0x11111111, %ebx
	jne	bad
	cmpl	$0x22222222, %esi
	jne	bad
	cmpl	$0x33333333, %edi
	jne	bad
	cmpl	$0x44444444, %ebp
	jne	bad
	addl	$8, %esp

	pushl	$7
	pushl	$0
	movl	$1, %eax		/* exit(7) */
	int	$0x80
bad:
	pushl	$99
	pushl	$0
	movl	$1, %eax
	int	$0x80

	.data
newline:
	.ascii	"\n"
devnull:
	.asciz	"/dev/null"
