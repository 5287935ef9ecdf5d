/*
 * needs-v3: a native program whose "Nymph" note asks for ABI v3, which this kernel
 * does not serve: exec must refuse it with a message naming both versions. Were it
 * run, it would print "ran" and exit 0, which the check would see.
 * Built by xtask with: gcc -nostdlib -static -no-pie -o needs-v3 needs-v3.S
 */
	.section .note.nymph, "a", @note
	.p2align 2
	.long 6, 4, 1		/* namesz, descsz, NT_NYMPH_ABI */
	.asciz "Nymph"
	.p2align 2
	.long 3			/* ABI version */

	.text
	.global _start
_start:
	mov	$2, %eax		/* write(1, "ran\n", 4) */
	mov	$1, %edi
	lea	msg(%rip), %rsi
	mov	$4, %edx
	syscall
	mov	$0, %eax		/* exit(0) */
	xor	%edi, %edi
	syscall
msg:
	.ascii "ran\n"
