/*
 * A stand-in for FreeBSD 4's ELF interpreter /usr/libexec/ld-elf.so.1 (which Nymph
 * does not ship), for xtask test's dynamic-binary check. Position independent, linked
 * as ET_DYN: the kernel chooses where it lands.
 *
 * It finds the auxv past envp, checks that AT_BASE is its own load address (where its
 * ELF header is) and that AT_ENTRY and AT_PHDR are set, says so on stdout, then jumps
 * to AT_ENTRY with the stack as it found it and edx = its "cleanup" (a ret), as
 * ld-elf.so.1's _rtld_start hands crt1 its exit procedure. Before that it loads the
 * library /usr/lib/libmini.so.1 (images/programs/fb4-mini-lib.S) with the calls and
 * arguments of 4.x's load_object and map_object, calls its entry, which must answer
 * 0x4e796d70, and unmaps it as dlclose does. A failed check exits with 41 (AT_BASE),
 * 42 (AT_ENTRY), 43 (AT_PHDR), 44 (write), or 45-52 (the library: open, read, not two
 * PT_LOADs, the span's mmap, the data's, the bss's, the answer, munmap).
 */
	.set	SYS_exit, 1
	.set	SYS_read, 3
	.set	SYS_write, 4
	.set	SYS_open, 5
	.set	SYS_close, 6
	.set	SYS_munmap, 73
	.set	SYS_mmap, 197
	.set	SYS___syscall, 198
	.set	MAP_PRIVATE, 0x2
	.set	MAP_FIXED, 0x10
	.set	MAP_ANON, 0x1000
	.set	PT_LOAD, 1
	.set	PAGE, 4096
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

	call	load_library

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

/*
 * load_object and map_object of 4.x's rtld for the library: open O_RDONLY, read of the
 * first page, the two PT_LOADs from its program headers; mmap of the whole span
 * [trunc_page(text vaddr), round_page(data vaddr + memsz)) from trunc_page(text
 * offset), MAP_PRIVATE, text protection; the data pages over it, MAP_PRIVATE|MAP_FIXED,
 * from trunc_page(data offset); memset of the bss in the data's last page; the rest of
 * the bss MAP_PRIVATE|MAP_FIXED|MAP_ANON; close. Then a call of its entry, and munmap
 * of the span (dlclose). ebx is the GOT throughout; fails through `fail`.
 */
	.type	load_library, @function
load_library:
	pushl	$0			/* O_RDONLY */
	leal	lib_path@GOTOFF(%ebx), %eax
	pushl	%eax
	pushl	$0
	movl	$SYS_open, %eax
	int	$0x80
	leal	12(%esp), %esp
	movl	$45, %ecx
	jc	fail
	movl	%eax, lib_fd@GOTOFF(%ebx)

	pushl	$PAGE
	leal	header@GOTOFF(%ebx), %eax
	pushl	%eax
	pushl	lib_fd@GOTOFF(%ebx)
	pushl	$0
	movl	$SYS_read, %eax
	int	$0x80
	leal	16(%esp), %esp
	movl	$46, %ecx
	jc	fail
	cmpl	$52, %eax
	jb	fail

	/* The first two PT_LOADs: text into edi, data into ebp. */
	leal	header@GOTOFF(%ebx), %edx
	movzwl	44(%edx), %ecx		/* e_phnum */
	addl	28(%edx), %edx		/* e_phoff */
	xorl	%edi, %edi
	xorl	%ebp, %ebp
1:	testl	%ecx, %ecx
	jz	3f
	cmpl	$PT_LOAD, (%edx)
	jne	2f
	testl	%edi, %edi
	jnz	4f
	movl	%edx, %edi
	jmp	2f
4:	movl	%edx, %ebp
	jmp	3f
2:	addl	$32, %edx
	decl	%ecx
	jmp	1b
3:	movl	$47, %ecx
	testl	%ebp, %ebp
	jz	fail

	/* The whole span, from the file, with the text's protection. */
	movl	8(%edi), %eax
	andl	$-PAGE, %eax
	movl	%eax, base_vaddr@GOTOFF(%ebx)
	movl	8(%ebp), %eax
	addl	20(%ebp), %eax
	addl	$PAGE - 1, %eax
	andl	$-PAGE, %eax
	subl	base_vaddr@GOTOFF(%ebx), %eax
	movl	%eax, mapsize@GOTOFF(%ebx)
	movl	4(%edi), %edx
	andl	$-PAGE, %edx
	pushl	%edx
	pushl	lib_fd@GOTOFF(%ebx)
	pushl	$MAP_PRIVATE
	movl	24(%edi), %eax
	call	protflags
	pushl	%eax
	pushl	mapsize@GOTOFF(%ebx)
	pushl	$0
	call	do_mmap
	leal	24(%esp), %esp
	movl	$48, %ecx
	jc	fail
	movl	%eax, mapbase@GOTOFF(%ebx)

	/* The data over it, at its page in the file; edx = its address there. */
	movl	8(%ebp), %eax
	addl	16(%ebp), %eax
	addl	$PAGE - 1, %eax
	andl	$-PAGE, %eax
	movl	%eax, data_vlimit@GOTOFF(%ebx)
	movl	4(%ebp), %edx
	andl	$-PAGE, %edx
	pushl	%edx
	pushl	lib_fd@GOTOFF(%ebx)
	pushl	$MAP_PRIVATE | MAP_FIXED
	movl	24(%ebp), %eax
	call	protflags
	pushl	%eax
	movl	8(%ebp), %edx
	andl	$-PAGE, %edx
	movl	data_vlimit@GOTOFF(%ebx), %eax
	subl	%edx, %eax
	pushl	%eax
	subl	base_vaddr@GOTOFF(%ebx), %edx
	addl	mapbase@GOTOFF(%ebx), %edx
	pushl	%edx
	call	do_mmap
	movl	$49, %ecx
	jc	fail
	cmpl	(%esp), %eax
	jne	fail
	leal	24(%esp), %esp

	/* Zero the bss in the data's last page (file bytes follow the data there). */
	pushl	%edi
	movl	8(%ebp), %edi
	addl	16(%ebp), %edi
	movl	data_vlimit@GOTOFF(%ebx), %ecx
	subl	%edi, %ecx
	subl	base_vaddr@GOTOFF(%ebx), %edi
	addl	mapbase@GOTOFF(%ebx), %edi
	xorl	%eax, %eax
	cld
	rep stosb
	popl	%edi

	/* The rest of the bss, anonymous. */
	movl	8(%ebp), %eax
	addl	20(%ebp), %eax
	addl	$PAGE - 1, %eax
	andl	$-PAGE, %eax
	subl	data_vlimit@GOTOFF(%ebx), %eax
	jbe	5f
	pushl	$0
	pushl	$-1
	pushl	$MAP_PRIVATE | MAP_FIXED | MAP_ANON
	movl	%eax, %edx
	movl	24(%ebp), %eax
	call	protflags
	pushl	%eax
	pushl	%edx
	movl	data_vlimit@GOTOFF(%ebx), %edx
	subl	base_vaddr@GOTOFF(%ebx), %edx
	addl	mapbase@GOTOFF(%ebx), %edx
	pushl	%edx
	call	do_mmap
	movl	$50, %ecx
	jc	fail
	cmpl	(%esp), %eax
	jne	fail
	leal	24(%esp), %esp
5:
	pushl	lib_fd@GOTOFF(%ebx)
	pushl	$0
	movl	$SYS_close, %eax
	int	$0x80
	leal	8(%esp), %esp

	/* Its entry (no relocations to do), then dlclose's munmap. */
	movl	header@GOTOFF + 24(%ebx), %eax
	subl	base_vaddr@GOTOFF(%ebx), %eax
	addl	mapbase@GOTOFF(%ebx), %eax
	call	*%eax
	movl	$51, %ecx
	cmpl	$0x4e796d70, %eax
	jne	fail
	pushl	mapsize@GOTOFF(%ebx)
	pushl	mapbase@GOTOFF(%ebx)
	pushl	$0
	movl	$SYS_munmap, %eax
	int	$0x80
	leal	12(%esp), %esp
	movl	$52, %ecx
	jc	fail
	ret
	.size	load_library, .-load_library

/* ELF p_flags in eax (X 1, W 2, R 4) to mmap's prot (READ 1, WRITE 2, EXEC 4); keeps
 * edx. */
	.type	protflags, @function
protflags:
	pushl	%edx
	movl	%eax, %edx
	xorl	%eax, %eax
	testl	$4, %edx
	jz	1f
	orl	$1, %eax
1:	testl	$2, %edx
	jz	1f
	orl	$2, %eax
1:	testl	$1, %edx
	jz	1f
	orl	$4, %eax
1:	popl	%edx
	ret
	.size	protflags, .-protflags

/* do_mmap(addr, len, prot, flags, fd, offset): libc's mmap as rtld calls it, through
 * __syscall (198) with the quad number 197 and a pad word before the 64-bit offset.
 * Carry set and eax the errno on failure. */
	.type	do_mmap, @function
do_mmap:
	pushl	$0			/* offset, high word */
	pushl	28(%esp)		/* offset */
	pushl	$0			/* pad */
	pushl	32(%esp)		/* fd */
	pushl	32(%esp)		/* flags */
	pushl	32(%esp)		/* prot */
	pushl	32(%esp)		/* len */
	pushl	32(%esp)		/* addr */
	pushl	$0			/* the number, a quad */
	pushl	$SYS_mmap
	pushl	$0			/* return address slot */
	movl	$SYS___syscall, %eax
	int	$0x80
	leal	44(%esp), %esp
	ret
	.size	do_mmap, .-do_mmap

	/* What the program's crt1 registers with atexit: nothing to undo here. */
	.type	rtld_cleanup, @function
rtld_cleanup:
	ret
	.size	rtld_cleanup, .-rtld_cleanup

	.section .rodata
said:
	.ascii	"mini-rtld: AT_BASE is my load address; AT_ENTRY, AT_PHDR set; "
	.ascii	"libmini.so.1 mapped, called, unmapped\n"
	.set	said_len, . - said
lib_path:
	.asciz	"/usr/lib/libmini.so.1"

	.bss
	.balign	4
at_base:	.zero	4
at_entry:	.zero	4
at_phdr:	.zero	4
lib_fd:		.zero	4
base_vaddr:	.zero	4
mapbase:	.zero	4
mapsize:	.zero	4
data_vlimit:	.zero	4
header:		.zero	PAGE

	.section	.note.GNU-stack,"",@progbits
