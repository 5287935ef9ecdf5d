/*
 * A small FreeBSD 4 shared object (ET_DYN, text then data, as 4.x's map_object wants
 * exactly two PT_LOADs) for xtask test's dynamic-binary check: fb4-mini-rtld.S maps it
 * as ld-elf.so.1 does and calls its entry, lib_probe, which needs no relocation.
 *
 * lib_probe returns its data word plus the first and last words of its bss (zero when
 * mapped right: the bss starts in the data's last page, whose file bytes past the data
 * the loader clears, and spans further pages of anonymous memory), after writing both
 * (the bss must be writable). So it returns 0x4e796d70 exactly when the mapping is
 * right, something else otherwise.
 */
	.text
	.globl	lib_probe
	.type	lib_probe, @function
lib_probe:
	pushl	%ebx
	call	1f
1:	popl	%ebx
	addl	$_GLOBAL_OFFSET_TABLE_ + (. - 1b), %ebx
	movl	data_word@GOTOFF(%ebx), %eax
	addl	bss_first@GOTOFF(%ebx), %eax
	addl	bss_last@GOTOFF(%ebx), %eax
	movl	$1, bss_first@GOTOFF(%ebx)
	movl	$1, bss_last@GOTOFF(%ebx)
	popl	%ebx
	ret
	.size	lib_probe, .-lib_probe

	.data
	.balign	4
data_word:	.long	0x4e796d70

	/* Not loaded, but in the file right after the data (ld puts sections that are not
	 * allocated after those that are): the bytes the data's last page maps where the
	 * bss begins, which the loader's memset must clear. */
	.section	.nymph.after_data, "", @progbits
	.fill	64, 1, 0xa5

	.bss
	.balign	4
bss_first:	.zero	4
	.zero	2 * 4096
bss_last:	.zero	4

	.section	.note.GNU-stack,"",@progbits
