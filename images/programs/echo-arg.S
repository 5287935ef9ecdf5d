/*
 * echo-arg: a native (Nymph ABI v1) program with no libc, for checking how
 * programs are started: it writes argv[1] and a newline to fd 1 and exits with
 * status 3 (so that a caller can tell its status from a default 0). On the way it
 * opens /dev/null and a missing file, for the syscall-trace check to decode.
 * Built by xtask with: gcc -nostdlib -static -no-pie -o echo-arg echo-arg.S
 */
	.section .note.nymph, "a", @note
	.p2align 2
	.long 6, 4, 1		/* namesz, descsz, NT_NYMPH_ABI */
	.asciz "Nymph"
	.p2align 2
	.long 1			/* ABI version */

	.text
	.global _start
_start:
	mov	(%rsp), %rcx		/* argc */
	cmp	$2, %rcx
	jb	1f
	mov	16(%rsp), %rsi		/* argv[1] */
	xor	%edx, %edx
2:	cmpb	$0, (%rsi,%rdx)
	je	3f
	inc	%rdx
	jmp	2b
3:	mov	$2, %eax		/* write(1, argv[1], len) */
	mov	$1, %edi
	syscall
1:	mov	$2, %eax		/* write(1, "\n", 1) */
	mov	$1, %edi
	lea	newline(%rip), %rsi
	mov	$1, %edx
	syscall
	mov	$3, %eax		/* openat(AT_FDCWD, "/dev/null", O_WRONLY|O_CLOEXEC, 0) */
	mov	$-100, %rdi
	lea	devnull(%rip), %rsi
	mov	$0x10001, %edx
	xor	%r10d, %r10d
	syscall
	mov	$3, %eax		/* openat(AT_FDCWD, "/no/such/file", O_RDONLY, 0): ENOENT */
	mov	$-100, %rdi
	lea	nosuch(%rip), %rsi
	xor	%edx, %edx
	syscall
	mov	$0, %eax		/* exit(3) */
	mov	$3, %edi
	syscall
newline:
	.ascii "\n"
devnull:
	.asciz "/dev/null"
nosuch:
	.asciz "/no/such/file"
