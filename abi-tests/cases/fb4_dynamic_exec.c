// abi: freebsd4-i386
/*
 * exec of a dynamic 4.x program (PT_INTERP), with a program and an interpreter written
 * here at run time (imgact_elf.c exec_elf_imgact, elf_load_file; reference §3.1-3.3):
 *  - an ET_DYN interpreter is loaded at ELF_RTLD_ADDR = round_page(vm_daddr + MAXDSIZ),
 *    vm_daddr being the data segment's page (0x0A345000 here, so 0x2A345000); it runs
 *    first, with AT_BASE = where it landed and AT_ENTRY = the program's entry, to which
 *    it jumps (the program then exits 10);
 *  - an ET_EXEC interpreter stays at its own addresses, AT_BASE its first page;
 *  - a missing interpreter fails execve with ENOENT, and one of another type
 *    (ET_CORE), one naming an interpreter itself, or one over the program's own
 *    segments with ENOEXEC. 4.x finds those past the point of no return and kills the
 *    process (SIGABRT, "ELF interpreter %s not found"); Nymph fails execve instead,
 *    the caller intact.
 * The interpreter checks AT_BASE against its own load address (call/pop) and an
 * expected value patched in, and exits 21 (not its address), 22 (not the expected
 * value) or 23 (no AT_ENTRY) otherwise.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/wait.h>

#define TEXT 0x0A120000u
#define DATA 0x0A345000u
#define RTLD_ADDR (DATA + 0x20000000u)
#define INTERP_AT 0x100
#define CODE_AT 0x180
#define RTLD_ENTRY 0x54
/* Offset in rtld_code of the immediate AT_BASE is compared with. */
#define RTLD_EXPECTED_AT 0x4a

/* The interpreter's code (i386, position independent):
 *	mov %esp,%esi; call 1f; 1: pop %ebx; sub $(RTLD_ENTRY + 7),%ebx  (its base)
 *	skip argc, argv, envp; then for each auxv pair: AT_BASE -> edx, AT_ENTRY -> ebp
 *	exit 21 unless edx == ebx, 22 unless edx == EXPECTED, 23 unless ebp != 0
 *	mov %esi,%esp; jmp *%ebp
 */
static const unsigned char rtld_code[] = {
	0x89, 0xe6, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x5b, 0x83, 0xeb, 0x5b, 0x8b, 0x0e,
	0x8d, 0x7c, 0x8e, 0x08, 0x8b, 0x07, 0x83, 0xc7, 0x04, 0x85, 0xc0, 0x75, 0xf7,
	0x31, 0xd2, 0x31, 0xed, 0x8b, 0x07, 0x8b, 0x4f, 0x04, 0x83, 0xc7, 0x08, 0x85,
	0xc0, 0x74, 0x10, 0x83, 0xf8, 0x07, 0x75, 0x02, 0x89, 0xca, 0x83, 0xf8, 0x09,
	0x75, 0xe8, 0x89, 0xcd, 0xeb, 0xe4, 0xb9, 0x15, 0x00, 0x00, 0x00, 0x39, 0xda,
	0x75, 0x1a, 0xb9, 0x16, 0x00, 0x00, 0x00, 0x81, 0xfa, 0x78, 0x56, 0x34, 0x12,
	0x75, 0x0d, 0xb9, 0x17, 0x00, 0x00, 0x00, 0x85, 0xed, 0x74, 0x04, 0x89, 0xf4,
	0xff, 0xe5, 0x51, 0x51, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80,
};

/* The program's code: exit(10) (push $10; push $10; mov $1,%eax; int $0x80). */
static const unsigned char prog_code[] = {
	0x6a, 0x0a, 0x6a, 0x0a, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80,
};

static unsigned char prog[0x1004];
static unsigned char rtld[RTLD_ENTRY + sizeof(rtld_code)];
static char rtld_path[160];

static void put16(unsigned char *at, unsigned v) { at[0] = v; at[1] = v >> 8; }
static void put32(unsigned char *at, unsigned v) { put16(at, v & 0xffff); put16(at + 2, v >> 16); }

static void ehdr(unsigned char *f, unsigned type, unsigned entry, unsigned phnum)
{
	memcpy(f, "\177ELF\1\1\1\11", 8); /* ELF32, LSB, version 1, OSABI FreeBSD */
	put16(f + 16, type);
	put16(f + 18, 3); /* EM_386 */
	put32(f + 20, 1);
	put32(f + 24, entry);
	put32(f + 28, 52);
	put16(f + 40, 52);
	put16(f + 42, 32);
	put16(f + 44, phnum);
}

static void phdr(unsigned char *f, int i, unsigned type, unsigned off, unsigned vaddr,
		 unsigned filesz, unsigned memsz, unsigned flags)
{
	unsigned char *p = f + 52 + 32 * i;
	put32(p, type);
	put32(p + 4, off);
	put32(p + 8, vaddr);
	put32(p + 12, vaddr);
	put32(p + 16, filesz);
	put32(p + 20, memsz);
	put32(p + 24, flags);
	put32(p + 28, type == 1 ? 0x1000 : 1);
}

/* The interpreter of `type` at `vaddr` (0 for ET_DYN), expecting AT_BASE `expected`. */
static void make_rtld(unsigned type, unsigned vaddr, unsigned expected)
{
	ehdr(rtld, type, vaddr + RTLD_ENTRY, 1);
	phdr(rtld, 0, 1, 0, vaddr, sizeof(rtld), sizeof(rtld), 5);
	memcpy(rtld + RTLD_ENTRY, rtld_code, sizeof(rtld_code));
	put32(rtld + RTLD_ENTRY + RTLD_EXPECTED_AT, expected);
}

static void write_file(const char *path, const void *bytes, long len)
{
	int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755));
	CHECK_EQ(write(fd, bytes, len), len);
	CHECK_OK(close(fd));
}

/* Execs ./prog in a child: its wait status, or -errno of a refused execve. */
static int run(void)
{
	int pipefd[2];
	CHECK_OK(pipe(pipefd));
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		char *args[] = {"prog", NULL};
		execv("prog", args);
		int e = errno;
		write(pipefd[1], &e, sizeof(e));
		_exit(0);
	}
	close(pipefd[1]);
	int e = 0;
	long n = read(pipefd[0], &e, sizeof(e));
	close(pipefd[0]);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (n == sizeof(e)) {
		CHECK_CHILD_OK(status);
		return -e;
	}
	return status;
}

static int exit_code(int status)
{
	CHECK(status >= 0 && WIFEXITED(status));
	return WEXITSTATUS(status);
}

int main(void)
{
	nt_scratch_dir("fb4_dynamic_exec");
	char cwd[128];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(rtld_path, sizeof(rtld_path), "%s/rtld", cwd);

	ehdr(prog, 2, TEXT + CODE_AT, 3);
	phdr(prog, 0, 3, INTERP_AT, 0, strlen(rtld_path) + 1, 0, 4); /* PT_INTERP */
	phdr(prog, 1, 1, 0, TEXT, 0x200, 0x200, 5);
	phdr(prog, 2, 1, 0x1000, DATA, 4, 0x1000, 6);
	memcpy(prog + INTERP_AT, rtld_path, strlen(rtld_path) + 1);
	memcpy(prog + CODE_AT, prog_code, sizeof(prog_code));
	write_file("prog", prog, sizeof(prog));

	/* ET_DYN at 4.x's ELF_RTLD_ADDR: it runs, then the program. */
	make_rtld(3, 0, RTLD_ADDR);
	write_file(rtld_path, rtld, sizeof(rtld));
	CHECK_EQ(exit_code(run()), 10);
	/* The same, expecting another AT_BASE: its check can fail. */
	make_rtld(3, 0, RTLD_ADDR + 0x1000);
	write_file(rtld_path, rtld, sizeof(rtld));
	CHECK_EQ(exit_code(run()), 22);
	/* ET_EXEC at its own address. */
	make_rtld(2, 0x30000000u, 0x30000000u);
	write_file(rtld_path, rtld, sizeof(rtld));
	CHECK_EQ(exit_code(run()), 10);
	/* ET_EXEC over the program's text. */
	make_rtld(2, TEXT, TEXT);
	write_file(rtld_path, rtld, sizeof(rtld));
	CHECK_EQ(run(), -ENOEXEC);
	/* ET_CORE. */
	make_rtld(4, 0, RTLD_ADDR);
	write_file(rtld_path, rtld, sizeof(rtld));
	CHECK_EQ(run(), -ENOEXEC);
	/* An interpreter that names one itself: the program as its own. */
	write_file(rtld_path, prog, sizeof(prog));
	CHECK_EQ(run(), -ENOEXEC);
	/* None. */
	CHECK_OK(unlink(rtld_path));
	CHECK_EQ(run(), -ENOENT);
	PASS();
}
