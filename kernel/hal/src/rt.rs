//! What a freestanding image needs from a C runtime: the memory functions the compiler
//! calls (the host target's `compiler_builtins` does not export them) and the
//! unwinding symbols the prebuilt `core` and `alloc` refer to.

core::arch::global_asm!(
    r#"
    .section .text.hal_rt, "ax"
    # Eight bytes per step, then the odd tail: a string instruction's step is what
    # costs (one step per byte would make every page copy 4096 steps).
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

    # Forward unless the destination starts inside the source; backward copies do the
    # tail bytes first (from the top), then whole words, with the direction flag set.
    .global memmove
memmove:
    mov %rdi, %rax
    cmp %rsi, %rdi
    jbe 1f
    lea (%rsi, %rdx), %r8
    cmp %r8, %rdi
    jae 1f
    lea -1(%rdi, %rdx), %rdi
    lea -1(%rsi, %rdx), %rsi
    std
    mov %edx, %ecx
    and $7, %ecx
    rep movsb
    sub $7, %rdi
    sub $7, %rsi
    mov %rdx, %rcx
    shr $3, %rcx
    rep movsq
    cld
    ret
1:  mov %rdx, %rcx
    shr $3, %rcx
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
