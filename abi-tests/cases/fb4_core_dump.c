// abi: freebsd4-i386
/*
 * Core dumps as 4.x writes them (kern_sig.c sigexit/coredump/expand_name, imgact_elf.c
 * elf_coredump; reference §9):
 *  - a child killed by SIGSEGV leaves NAME.core in its working directory (NAME is
 *    p_comm, the image's file name cut to 16 bytes: kern.corefile "%N.core"), mode
 *    0600, and its wait status has WCOREDUMP (0x80);
 *  - the file is an ELF32 ET_CORE EM_386 image branded FreeBSD whose first program
 *    header is a PT_NOTE with NT_PRSTATUS (version 1, sizes 104/76/176, osreldate
 *    480101, pr_cursig, pr_pid, the registers of the fault: eip at the faulting
 *    instruction, ebx as set, trapno T_PAGEFLT), NT_FPREGSET and NT_PRPSINFO (pr_fname
 *    NAME); then PT_LOADs, one of them covering a global whose value is in the file at
 *    p_offset + (address - p_vaddr);
 *  - SIGABRT sent with kill(getpid()) dumps too; SIGXFSZ does not (4.x gives it no
 *    SA_CORE);
 *  - RLIMIT_CORE 0: no file and no WCOREDUMP; a limit below the image's size: the file
 *    is made and left empty, no WCOREDUMP (4.x checks the size after creating it);
 *  - no dump into a directory the process cannot write (a non-root user in a 0555
 *    directory), nor into a name with a second link (left as it was), nor by a process
 *    that changed ids (kern.sugid_coredump is 0);
 *  - kern.corefile (root) names the file: "%N-%P.core" gives NAME-PID.core;
 *  - a 1 GiB anonymous mapping with one page touched is dumped as a sparse PT_LOAD of
 *    1 GiB in bounded time, the touched byte in place;
 *  - so is a 1 GiB shared anonymous one, with the page it touched and the one only a
 *    child of it touched (the page is in the mapping's object, as 4.x's dump reads
 *    it through the entry's object).
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define RLIMIT_CORE_ 4
#define RLIM_INF 0x7fffffffffffffffLL
#define USER 1001
#define PT_LOAD 1
#define PT_NOTE 4
#define T_PAGEFLT 12
#define GIB (1u << 30)

static char core_name[64];
static const char *self;

volatile uint32_t marker = 1;

/* mov $0x11223344,%ebx; then a store to address 0 at fault_insn. */
__attribute__((noinline)) static void segv_now(void)
{
	__asm__ volatile("movl $0x11223344, %%ebx\n\t"
			 ".globl fault_insn\n"
			 "fault_insn:\n\t"
			 "movl $1, 0\n\t" ::: "ebx", "memory");
}
extern char fault_insn[];

static uint32_t u32_at(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void read_exact(int fd, long off, void *buf, size_t n)
{
	CHECK_EQ(pread(fd, buf, n, off), (long long)n);
}

static pid_t last_child;

/* Runs `body` in a child in `dir` and gives its wait status (its pid in last_child). */
static int run_child(const char *dir, void (*body)(void))
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (dir && chdir(dir) < 0)
			_exit(3);
		body();
		_exit(2);
	}
	last_child = pid;
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static void child_segv(void)
{
	marker = 0xc0de0000u | (uint32_t)getpid();
	segv_now();
}

static void child_abort(void)
{
	kill(getpid(), SIGABRT);
}

static void child_xfsz(void)
{
	kill(getpid(), SIGXFSZ);
}

static void set_core_limit(long long cur)
{
	struct rlimit rl = nt_getrlimit(RLIMIT_CORE_);
	rl.rlim_cur = cur;
	CHECK_OK(__sys_setrlimit(RLIMIT_CORE_, &rl));
}

static void child_no_limit(void)
{
	set_core_limit(0);
	segv_now();
}

static void child_small_limit(void)
{
	set_core_limit(4096);
	segv_now();
}

static void child_tainted(void)
{
	if (setuid(USER) < 0)
		_exit(4);
	segv_now();
}

static volatile unsigned char *huge;
static void child_huge(void)
{
	huge = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	if (huge == MAP_FAILED)
		_exit(5);
	huge[1000 * 4096 + 7] = 0x77;
	marker = (uint32_t)huge;
	segv_now();
}

static void child_huge_shared(void)
{
	huge = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_ANON | MAP_SHARED, -1, 0);
	if (huge == MAP_FAILED)
		_exit(5);
	huge[5 * 4096 + 7] = 0x55;
	pid_t made_by = fork();
	if (made_by < 0)
		_exit(6);
	if (made_by == 0) {
		huge[2000 * 4096 + 7] = 0x66;
		_exit(0);
	}
	int st;
	if (waitpid(made_by, &st, 0) != made_by)
		_exit(7);
	marker = (uint32_t)huge;
	segv_now();
}

static void expect_signal(int status, int sig, int core)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
		FAIL("wait status 0x%x, wanted death by %s", status, signame(sig));
	if (!!WCOREDUMP(status) != core)
		FAIL("wait status 0x%x: WCOREDUMP %d, wanted %d", status, !!WCOREDUMP(status),
		     core);
}

static void expect_no_file(const char *path)
{
	struct stat st;
	CHECK_ERRNO(stat(path, &st), ENOENT);
}

/* Checks the notes of the core at fd (note segment at off, filesz bytes). */
static void check_notes(int fd, uint32_t off, uint32_t filesz, int sig, pid_t pid,
			int segv)
{
	unsigned char n[448];
	CHECK_EQ(filesz, sizeof(n));
	read_exact(fd, off, n, sizeof(n));
	/* NT_PRSTATUS: namesz 8, descsz 104, type 1, "FreeBSD\0". */
	CHECK_EQ(u32_at(n), 8);
	CHECK_EQ(u32_at(n + 4), 104);
	CHECK_EQ(u32_at(n + 8), 1);
	CHECK(memcmp(n + 12, "FreeBSD", 8) == 0);
	const unsigned char *st = n + 20;
	CHECK_EQ(u32_at(st), 1);       /* pr_version */
	CHECK_EQ(u32_at(st + 4), 104); /* pr_statussz */
	CHECK_EQ(u32_at(st + 8), 76);  /* pr_gregsetsz */
	CHECK_EQ(u32_at(st + 12), 176); /* pr_fpregsetsz */
	CHECK_EQ(u32_at(st + 16), 480101); /* pr_osreldate */
	CHECK_EQ(u32_at(st + 20), sig); /* pr_cursig */
	CHECK_EQ(u32_at(st + 24), pid); /* pr_pid */
	const unsigned char *reg = st + 28;
	if (segv) {
		CHECK_EQ(u32_at(reg + 7 * 4), 0x11223344);          /* r_ebx */
		CHECK_EQ(u32_at(reg + 11 * 4), T_PAGEFLT);           /* r_trapno */
		CHECK_EQ(u32_at(reg + 13 * 4), (uint32_t)fault_insn); /* r_eip */
		CHECK_EQ(u32_at(reg + 14 * 4), 0x1f);                /* r_cs */
	}
	/* NT_FPREGSET: descsz 176; the 4.x control word 0x127f. */
	const unsigned char *fp = n + 124;
	CHECK_EQ(u32_at(fp + 4), 176);
	CHECK_EQ(u32_at(fp + 8), 2);
	CHECK_EQ(u32_at(fp + 20) & 0xffff, 0x127f);
	/* NT_PRPSINFO: descsz 108; pr_fname is p_comm. */
	const unsigned char *ps = n + 124 + 196;
	CHECK_EQ(u32_at(ps + 4), 108);
	CHECK_EQ(u32_at(ps + 8), 3);
	CHECK_EQ(u32_at(ps + 20), 1);
	CHECK_EQ(u32_at(ps + 24), 108);
	size_t len = strlen(core_name) - strlen(".core");
	CHECK(strncmp((const char *)ps + 28, core_name, len) == 0 && ps[28 + len] == 0);
}

/* Opens `path`, checks the ELF header and notes, and gives the fd and the value of the
 * 32-bit word at `addr` in the dumped memory (and the PT_LOAD's memsz in *memsz). */
static uint32_t check_core(const char *path, int sig, pid_t pid, int segv, uintptr_t addr,
			   uint32_t *memsz)
{
	struct stat st;
	CHECK_OK(stat(path, &st));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_nlink, 1);
	int fd = CHECK_OK(open(path, O_RDONLY));
	unsigned char eh[52];
	read_exact(fd, 0, eh, sizeof(eh));
	CHECK(memcmp(eh, "\177ELF\1\1\1\11", 8) == 0); /* ELF32, LSB, v1, FreeBSD */
	CHECK_EQ(eh[16] | eh[17] << 8, 4);              /* ET_CORE */
	CHECK_EQ(eh[18] | eh[19] << 8, 3);              /* EM_386 */
	uint32_t phoff = u32_at(eh + 28);
	unsigned phnum = eh[44] | eh[45] << 8;
	CHECK_EQ(eh[42] | eh[43] << 8, 32);
	CHECK(phnum >= 2);
	unsigned char ph[32];
	read_exact(fd, phoff, ph, sizeof(ph));
	CHECK_EQ(u32_at(ph), PT_NOTE);
	check_notes(fd, u32_at(ph + 4), u32_at(ph + 16), sig, pid, segv);
	uint32_t value = 0;
	int found = 0;
	for (unsigned i = 1; i < phnum; i++) {
		read_exact(fd, phoff + 32 * i, ph, sizeof(ph));
		CHECK_EQ(u32_at(ph), PT_LOAD);
		uint32_t off = u32_at(ph + 4), vaddr = u32_at(ph + 8);
		uint32_t filesz = u32_at(ph + 16);
		CHECK_EQ(off % 4096, 0);
		CHECK_EQ(filesz, u32_at(ph + 20));
		CHECK_EQ(u32_at(ph + 24) & 6, 6); /* PF_R | PF_W */
		CHECK((long long)off + filesz <= st.st_size);
		if (addr >= vaddr && addr - vaddr < filesz) {
			read_exact(fd, off + (addr - vaddr), &value, 4);
			if (memsz)
				*memsz = filesz;
			found = 1;
		}
	}
	if (!found)
		FAIL("no PT_LOAD of %s covers %#lx", path, (unsigned long)addr);
	close(fd);
	return value;
}

/* Sets kern.corefile (found by name, as sysctlbyname does). */
static void set_corefile(const char *format)
{
	int meta[2] = {0, 3}, oid[2];
	size_t len = sizeof(oid);
	const char *name = "kern.corefile";
	CHECK_OK(sysctl(meta, 2, oid, &len, name, strlen(name)));
	CHECK_OK(sysctl(oid, 2, NULL, NULL, format, strlen(format) + 1));
	char now[64];
	len = sizeof(now);
	CHECK_OK(sysctl(oid, 2, now, &len, NULL, 0));
	CHECK_EQ(strcmp(now, format), 0);
}

/* The "ro" child after exec: untainted, as USER, in a directory it cannot write. */
static void in_read_only_dir(void)
{
	CHECK_OK(chdir("ro"));
	segv_now();
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ro-child") == 0)
		in_read_only_dir();
	self = argv[0];
	const char *base = strrchr(self, '/');
	base = base ? base + 1 : self;
	snprintf(core_name, sizeof(core_name), "%.16s.core", base);
	CHECK_EQ(nt_getrlimit(RLIMIT_CORE_).rlim_cur, RLIM_INF);
	nt_scratch_dir("fb4_core_dump");

	/* SIGSEGV: the core, its registers and memory (the child's marker holds its pid). */
	int status = run_child(NULL, child_segv);
	expect_signal(status, SIGSEGV, 1);
	CHECK_EQ(check_core(core_name, SIGSEGV, last_child, 1, (uintptr_t)&marker, NULL),
		 0xc0de0000u | (uint32_t)last_child);

	/* SIGABRT by kill: dumped over the old core (the marker as the image began). */
	status = run_child(NULL, child_abort);
	expect_signal(status, SIGABRT, 1);
	CHECK_EQ(check_core(core_name, SIGABRT, last_child, 0, (uintptr_t)&marker, NULL), 1);

	/* SIGXFSZ kills without a core. */
	CHECK_OK(unlink(core_name));
	status = run_child(NULL, child_xfsz);
	expect_signal(status, SIGXFSZ, 0);
	expect_no_file(core_name);

	/* RLIMIT_CORE 0: nothing; a small limit: an empty file. */
	status = run_child(NULL, child_no_limit);
	expect_signal(status, SIGSEGV, 0);
	expect_no_file(core_name);
	status = run_child(NULL, child_small_limit);
	expect_signal(status, SIGSEGV, 0);
	struct stat st;
	CHECK_OK(stat(core_name, &st));
	CHECK_EQ(st.st_size, 0);

	/* A second link: the file is not written. */
	CHECK_OK(unlink(core_name));
	nt_write_file(core_name, "keep");
	CHECK_OK(link(core_name, "other"));
	status = run_child(NULL, child_segv);
	expect_signal(status, SIGSEGV, 0);
	CHECK_OK(stat(core_name, &st));
	CHECK_EQ(st.st_size, 4);
	CHECK_OK(unlink("other"));
	CHECK_OK(unlink(core_name));

	/* kern.corefile names the file. */
	set_corefile("%N-%P.core");
	pid_t pid = CHECK_OK(fork());
	if (pid == 0)
		child_segv();
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	expect_signal(status, SIGSEGV, 1);
	char named[80];
	snprintf(named, sizeof(named), "%.16s-%d.core", base, (int)pid);
	check_core(named, SIGSEGV, pid, 1, (uintptr_t)&marker, NULL);
	CHECK_OK(unlink(named));
	set_corefile("%N.core");

	/* A huge sparse mapping: a PT_LOAD of at least 1 GiB, the byte in place (the
	 * child's marker holds the mapping's address). */
	status = run_child(NULL, child_huge);
	expect_signal(status, SIGSEGV, 1);
	CHECK_OK(stat(core_name, &st));
	CHECK(st.st_size > (long long)GIB);
	uint32_t at = check_core(core_name, SIGSEGV, last_child, 1, (uintptr_t)&marker, NULL);
	uint32_t memsz = 0;
	CHECK_EQ(check_core(core_name, SIGSEGV, last_child, 1, at + 1000 * 4096 + 4, &memsz),
		 0x77000000u);
	CHECK(memsz >= GIB);
	CHECK_OK(unlink(core_name));

	status = run_child(NULL, child_huge_shared);
	expect_signal(status, SIGSEGV, 1);
	at = check_core(core_name, SIGSEGV, last_child, 1, (uintptr_t)&marker, NULL);
	memsz = 0;
	CHECK_EQ(check_core(core_name, SIGSEGV, last_child, 1, at + 5 * 4096 + 4, &memsz),
		 0x55000000u);
	CHECK(memsz >= GIB);
	CHECK_EQ(check_core(core_name, SIGSEGV, last_child, 1, at + 2000 * 4096 + 4, NULL),
		 0x66000000u);
	CHECK_OK(unlink(core_name));

	if (getuid() != 0) {
		dprintf(1, "not root: the permission checks are left out\n");
		PASS();
	}
	/* Changed ids (tainted): no core even in a writable directory. */
	CHECK_OK(chmod(".", 0777));
	status = run_child(NULL, child_tainted);
	expect_signal(status, SIGSEGV, 0);
	expect_no_file(core_name);

	/* An untainted non-root process in a 0555 directory. */
	CHECK_OK(mkdir("ro", 0555));
	char cwd[256];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setgid(USER) < 0 || setuid(USER) < 0)
			_exit(4);
		char *args[] = {(char *)self, "ro-child", NULL};
		execve(self, args, NULL);
		_exit(5);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	expect_signal(status, SIGSEGV, 0);
	char in_ro[80];
	snprintf(in_ro, sizeof(in_ro), "ro/%s", core_name);
	expect_no_file(in_ro);
	expect_no_file(core_name);
	PASS();
}
