// abi: freebsd4-i386
/*
 * The state a FreeBSD 4.x i386 program starts in (reference §3.1-§3.3), as crt0 found
 * it (__fb4_entry, saved before anything changed) and as the stack holds it:
 *  - esp at argc, argv from esp+4, envp after argv's NULL, the auxv pairs after envp's
 *    NULL: AT_PHDR (0 without a PT_PHDR), AT_PHENT 32, AT_PHNUM, AT_PAGESZ 4096,
 *    AT_FLAGS 0, AT_ENTRY (e_entry), AT_BASE (round_page(data segment + MAXDSIZ) for a
 *    static program), in that order (AT_DEBUG may come first), then AT_NULL; no type
 *    past AT_COUNT (no AT_RANDOM, AT_HWCAP, AT_EXECFN, ...);
 *  - eflags PSL_USER (0x202), eax ebx ecx edx esi edi ebp all 0, the x87 control word
 *    0x127f, cs 0x1f and ds = es = fs = gs = ss = 0x2f (4.x's LDT selectors);
 *  - the stack below USRSTACK, struct ps_strings at PS_STRINGS naming argv and envp.
 * Checked as the runner starts the case, and again in an image the case execs itself
 * with arguments and an environment of its own.
 */
#include <nymph_test.h>

/* auxv types (sys/i386/include/elf.h). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_DEBUG 11
#define AT_COUNT 15
#define AT_RANDOM 25
#define PT_LOAD 1
#define PT_PHDR 6

extern char _start[];
extern const unsigned char __executable_start[]; /* the ELF header, first in the text segment */

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static uint16_t rd16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static uint32_t trunc_page(uint32_t a) { return a & ~(uint32_t)(PAGE_SIZE - 1); }
static uint32_t round_page(uint32_t a) { return trunc_page(a + PAGE_SIZE - 1); }

static void check_registers(void)
{
	const struct __fb4_entry *r = &__fb4_entry;
	if (r->eflags != PSL_USER)
		FAIL("eflags at entry 0x%x, wanted PSL_USER 0x%x", r->eflags, PSL_USER);
	const uint32_t gp[] = {r->eax, r->ebx, r->ecx, r->edx, r->esi, r->edi, r->ebp};
	const char *names[] = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp"};
	for (int i = 0; i < 7; i++)
		if (gp[i] != 0)
			FAIL("%s at entry 0x%x, wanted 0", names[i], gp[i]);
	if ((r->fpucw & 0xffff) != INITIAL_NPXCW)
		FAIL("x87 control word at entry 0x%x, wanted 0x%x", r->fpucw & 0xffff,
		     INITIAL_NPXCW);
	/* 4.x's own selectors: _ucodesel LSEL(LUCODE_SEL 3) and _udatasel LSEL(LUDATA_SEL
	 * 5), LDT descriptors with RPL 3, in cs and in every data segment register. */
	CHECK_EQ(r->cs & 0xffff, 0x1f);
	CHECK_EQ(r->ss & 0xffff, 0x2f);
	CHECK_EQ(r->ds & 0xffff, 0x2f);
	CHECK_EQ(r->es & 0xffff, 0x2f);
	CHECK_EQ(r->fs & 0xffff, 0x2f);
	CHECK_EQ(r->gs & 0xffff, 0x2f);
}

static void check_stack(int argc, char **argv, char **envp)
{
	uint32_t esp = __fb4_entry.esp;
	CHECK_EQ(esp % 4, 0);
	CHECK(esp < USRSTACK && esp > USRSTACK - MAXSSIZ);
	CHECK_EQ(*(const int32_t *)(uintptr_t)esp, argc);
	CHECK_EQ((uintptr_t)argv, esp + 4);
	CHECK(argv[argc] == NULL);
	CHECK_EQ((uintptr_t)envp, esp + 4 * (uint32_t)(argc + 2));
	int envc = 0;
	while (envp[envc])
		envc++;
	/* The strings sit between the vectors and the signal trampoline below PS_STRINGS. */
	for (int i = 0; i < argc; i++)
		CHECK((uintptr_t)argv[i] > esp && (uintptr_t)argv[i] < PS_STRINGS);
	for (int i = 0; i < envc; i++)
		CHECK((uintptr_t)envp[i] > esp && (uintptr_t)envp[i] < PS_STRINGS);
	const struct ps_strings *ps = (const struct ps_strings *)(uintptr_t)PS_STRINGS;
	CHECK_EQ(ps->ps_argvstr, (uintptr_t)argv);
	CHECK_EQ(ps->ps_nargvstr, argc);
	CHECK_EQ(ps->ps_envstr, (uintptr_t)envp);
	CHECK_EQ(ps->ps_nenvstr, envc);
}

static void check_auxv(char **envp)
{
	char **e = envp;
	while (*e)
		e++;
	const Elf32_Auxinfo *a = (const Elf32_Auxinfo *)(e + 1);
	int have[AT_COUNT] = {0};
	uint32_t val[AT_COUNT] = {0};
	int order[AT_COUNT], n = 0;
	for (int i = 0;; i++, a++) {
		if (i == 2 * AT_COUNT)
			FAIL("no AT_NULL in the first %d auxv entries", i);
		if (a->a_type == AT_NULL)
			break;
		if (a->a_type == AT_RANDOM)
			FAIL("AT_RANDOM in the auxv: 4.x has none");
		if (a->a_type < 0 || a->a_type >= AT_COUNT)
			FAIL("auxv type %d: past 4.x's AT_COUNT (%d)", a->a_type, AT_COUNT);
		if (have[a->a_type])
			FAIL("auxv type %d twice", a->a_type);
		have[a->a_type] = 1;
		val[a->a_type] = (uint32_t)a->a_val;
		if (a->a_type != AT_DEBUG)
			order[n++] = a->a_type;
	}
	static const int want[] = {AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_FLAGS, AT_ENTRY, AT_BASE};
	int nwant = (int)(sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < n || i < nwant; i++)
		if (i >= n || i >= nwant || order[i] != want[i])
			FAIL("auxv entry %d is type %d, wanted %d (4.x order: PHDR PHENT PHNUM PAGESZ "
			     "FLAGS ENTRY BASE)",
			     i, i < n ? order[i] : AT_NULL, i < nwant ? want[i] : AT_NULL);

	/* What the values must be, from the program's own headers. */
	const unsigned char *eh = __executable_start;
	CHECK(memcmp(eh, "\177ELF", 4) == 0);
	uint32_t entry = rd32(eh + 24), phoff = rd32(eh + 28);
	uint16_t phentsize = rd16(eh + 42), phnum = rd16(eh + 44);
	CHECK_EQ(entry, (uintptr_t)_start);
	uint32_t phdr = 0, data = 0;
	for (int i = 0; i < phnum; i++) {
		const unsigned char *ph = eh + phoff + (uint32_t)i * phentsize;
		uint32_t type = rd32(ph), vaddr = rd32(ph + 8), memsz = rd32(ph + 20);
		if (type == PT_PHDR)
			phdr = vaddr;
		if (type == PT_LOAD && !(vaddr <= entry && entry < vaddr + memsz))
			data = vaddr; /* not the text: data (the last such wins) */
	}
	CHECK(data != 0);
	CHECK_EQ(val[AT_PHDR], phdr);
	CHECK_EQ(val[AT_PHENT], 32);
	CHECK_EQ(val[AT_PHENT], phentsize);
	CHECK_EQ(val[AT_PHNUM], phnum);
	CHECK_EQ(val[AT_PAGESZ], 4096);
	CHECK_EQ(val[AT_FLAGS], 0);
	CHECK_EQ(val[AT_ENTRY], entry);
	CHECK_EQ(val[AT_BASE], round_page(trunc_page(data) + MAXDSIZ));
}

static void check_all(int argc, char **argv, char **envp)
{
	check_registers();
	check_stack(argc, argv, envp);
	check_auxv(envp);
}

static char *const child_env[] = {"FB4_A=1", "FB4_EMPTY=", NULL};

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && strcmp(argv[1], "entry-check") == 0) {
		/* The image exec'd below: exactly the vectors it was given. */
		CHECK_EQ(argc, 4);
		CHECK_EQ(strcmp(argv[2], "two words"), 0);
		CHECK_EQ(strcmp(argv[3], ""), 0);
		for (int i = 0; i < 2; i++)
			CHECK(envp[i] && strcmp(envp[i], child_env[i]) == 0);
		CHECK(envp[2] == NULL);
		CHECK(environ == envp);
		check_all(argc, argv, envp);
		return 0;
	}
	check_all(argc, argv, envp);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		char *args[] = {argv[0], "entry-check", "two words", "", NULL};
		execve(argv[0], args, child_env);
		FAIL("execve %s: errno %s", argv[0], nt_errname(errno));
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
