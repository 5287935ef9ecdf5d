//! What a freestanding image needs from a C runtime: the memory functions the compiler
//! calls (the host target's `compiler_builtins` does not export them) and the
//! unwinding symbols the prebuilt `core` and `alloc` refer to.

core::arch::global_asm!(
    r#"
    .section .text.hal_rt, "ax"
    // Eight bytes a step, then the tail: `rep movsb` alone costs an instruction per
    // byte where instructions are counted (QEMU's -icount) and is no faster elsewhere.
    .global memcpy
memcpy:
    mov %rdi, %rax
    mov %rdx, %rcx
    shr $3, %rcx
    rep movsq
    mov %edx, %ecx
    and $7, %ecx
    rep movsb
    ret

    .global memset
memset:
    mov %rdi, %r9
    movzbl %sil, %eax
    movabs $0x0101010101010101, %r8
    imul %r8, %rax
    mov %rdx, %rcx
    shr $3, %rcx
    rep stosq
    mov %edx, %ecx
    and $7, %ecx
    rep stosb
    mov %r9, %rax
    ret

    .global memmove
memmove:
    mov %rdi, %rax
    mov %rdx, %rcx
    cmp %rsi, %rdi
    jbe 1f
    lea (%rsi, %rdx), %r8
    cmp %r8, %rdi
    jae 1f
    lea -1(%rdi, %rdx), %rdi
    lea -1(%rsi, %rdx), %rsi
    std
    rep movsb
    cld
    ret
    // Forward (no overlap, or dst below src): eight bytes a step is safe.
1:  shr $3, %rcx
    rep movsq
    mov %edx, %ecx
    and $7, %ecx
    rep movsb
    ret

    .global memcmp
    .global bcmp
memcmp:
bcmp:
    xor %eax, %eax
    test %rdx, %rdx
    jz 2f
1:  movzbl (%rdi), %eax
    movzbl (%rsi), %ecx
    sub %ecx, %eax
    jnz 2f
    inc %rdi
    inc %rsi
    dec %rdx
    jnz 1b
2:  ret

    # The prebuilt `alloc` has landing pads that resume unwinding; with panic=abort no
    # unwind ever starts, so reaching this is impossible: trap loudly if it happens.
    .global _Unwind_Resume
_Unwind_Resume:
    ud2
    "#,
    options(att_syntax)
);

/// Referenced by the prebuilt `core` (built with unwinding); never called, since every
/// Nymph profile aborts on panic.
// SAFETY: the only definition of this symbol in the image.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
