/*
 * A FreeBSD 4 program linked dynamically (PT_INTERP /usr/libexec/ld-elf.so.1, and so
 * branded by it), though it needs no library: xtask test's check that exec loads the
 * interpreter and starts it first. Prints its AT_BASE, then whether edx at _start
 * (what crt1 takes for rtld's cleanup) was a `ret` inside the interpreter at AT_BASE,
 * which only a run of the interpreter before _start explains; registers it with atexit
 * as 4.x crt1 does when _DYNAMIC is there; and whether an anonymous mmap, placed first
 * fit from AT_BASE, went around the interpreter's pages. Exits 3, or 1 if anything is
 * missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <_libc.h>

#define AT_NULL 0
#define AT_BASE 7
#define PT_LOAD 1
#define PAGE 4096ul

/* The first page above the interpreter's segments, from its ELF32 headers, which its
 * first segment maps at AT_BASE. */
static unsigned long interpreter_end(unsigned long base)
{
	const unsigned char *eh = (const unsigned char *)base;
	unsigned long phoff = *(const unsigned long *)(eh + 28);
	unsigned short phentsize = *(const unsigned short *)(eh + 42);
	unsigned short phnum = *(const unsigned short *)(eh + 44);
	unsigned long end = base;
	for (unsigned short i = 0; i < phnum; i++) {
		const unsigned long *ph = (const unsigned long *)(eh + phoff + i * phentsize);
		if (ph[0] == PT_LOAD && base + ph[2] + ph[5] > end)
			end = base + ph[2] + ph[5];
	}
	return (end + PAGE - 1) & ~(PAGE - 1);
}

/* The interpreter path, as GNU ld's --dynamic-linker would write it: ld makes the
 * PT_INTERP from this section, but writes its own only when a shared library is in the
 * link, and this program needs none (xtask links it with --no-dynamic-linker -E, which
 * still gives it a dynamic section and _DYNAMIC). */
__attribute__((section(".interp"), used)) static const char interp[] =
	"/usr/libexec/ld-elf.so.1";

extern char _DYNAMIC[] __attribute__((weak));

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	char **p = envp;
	while (*p)
		p++;
	unsigned long base = 0;
	for (unsigned long *aux = (unsigned long *)(p + 1); aux[0] != AT_NULL; aux += 2)
		if (aux[0] == AT_BASE)
			base = aux[1];
	printf("AT_BASE=0x%lx\n", base);
	unsigned long cleanup = __fb4_entry.edx;
	int in_rtld = base != 0 && cleanup > base && cleanup - base < 0x10000 &&
		*(unsigned char *)cleanup == 0xc3;
	printf("edx at _start: %s\n", in_rtld ? "a ret in the interpreter" : "not the interpreter's");
	if (!in_rtld || _DYNAMIC == NULL)
		return 1;
	unsigned long end = interpreter_end(base);
	unsigned long *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	int around = page != MAP_FAILED && (unsigned long)page >= end;
	if (around)
		*page = 1;
	printf("mmap: %s\n", around ? "above the interpreter" : "not above the interpreter");
	if (!around || *(unsigned char *)cleanup != 0xc3)
		return 1;
	atexit((void (*)(void))cleanup);
	return 3;
}
