/*
 * reparent: checks, as init (pid 1), that an orphan is re-parented to init and that
 * init reaps it. Native (Nymph ABI v1), no libc.
 *
 * init forks A; A forks B and exits 5; B sleeps 30 ms, then must see getppid() == 1
 * and exits 9 (99 if not). init waits for A (status 5 << 8), then wait4(-1) must reap
 * B (status 9 << 8), then wait4(-1) must fail with ECHILD. It prints "reparented" and
 * exits 0 when all of that holds, 1 otherwise.
 * Built by xtask with: gcc -nostdlib -static -no-pie -o reparent reparent.S
 */
	.section .note.nymph, "a", @note
	.p2align 2
	.long 6, 4, 1
	.asciz "Nymph"
	.p2align 2
	.long 1

	.set SYS_exit, 0
	.set SYS_write, 2
	.set SYS_fork, 12
	.set SYS_wait4, 14
	.set SYS_getppid, 16
	.set SYS_nanosleep, 36
	.set ECHILD, 10

	.text
	.global _start
_start:
	mov	$SYS_fork, %eax
	syscall
	test	%rax, %rax
	js	bad
	jnz	init_waits

	/* A: fork B, then exit 5 at once. */
	mov	$SYS_fork, %eax
	syscall
	test	%rax, %rax
	js	a_bad
	jnz	a_exit

	/* B: sleep 30 ms so that A is gone, then check who the parent is. */
	sub	$16, %rsp
	movq	$0, (%rsp)
	movq	$30000000, 8(%rsp)
	mov	%rsp, %rdi
	xor	%esi, %esi
	mov	$SYS_nanosleep, %eax
	syscall
	mov	$SYS_getppid, %eax
	syscall
	cmp	$1, %rax
	jne	b_bad
	mov	$9, %edi
	jmp	exit
b_bad:	mov	$99, %edi
	jmp	exit
a_exit:	mov	$5, %edi
	jmp	exit
a_bad:	mov	$98, %edi
	jmp	exit

init_waits:
	mov	%rax, %r12		/* A */
	sub	$16, %rsp
	mov	%r12, %rdi
	mov	%rsp, %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
	mov	$SYS_wait4, %eax
	syscall
	cmp	%r12, %rax
	jne	bad
	cmpl	$0x500, (%rsp)
	jne	bad
	mov	$-1, %rdi		/* B, now init's */
	mov	%rsp, %rsi
	xor	%edx, %edx
	xor	%r10d, %r10d
	mov	$SYS_wait4, %eax
	syscall
	test	%rax, %rax
	jle	bad
	cmpl	$0x900, (%rsp)
	jne	bad
	mov	$-1, %rdi		/* nobody left */
	xor	%esi, %esi
	xor	%edx, %edx
	xor	%r10d, %r10d
	mov	$SYS_wait4, %eax
	syscall
	cmp	$-ECHILD, %rax
	jne	bad
	mov	$SYS_write, %eax
	mov	$1, %edi
	lea	done(%rip), %rsi
	mov	$11, %edx
	syscall
	xor	%edi, %edi
	jmp	exit
bad:	mov	$1, %edi
exit:	mov	$SYS_exit, %eax
	syscall
done:
	.ascii "reparented\n"
