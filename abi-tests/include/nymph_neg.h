/*
 * Run-time support of the negative cases that abi-gen derives from the spec
 * (abi-tests/generated/<abi>/neg_*.c; `abi-gen negative` writes them).
 *
 * A generated case is a table of checks. Each check makes one raw call
 * (`__sys_<name>`) with one argument made invalid and the others valid, in a forked
 * child (a wrong success cannot hurt the next check; a fault that kills the caller is
 * reported as such), and wants -1 with one errno (or, for NT_NEG_NOT, anything but
 * that errno). The case fails listing every check that did not get what it wanted.
 *
 * The valid values the generator uses live here, in one place:
 *   nt_neg_fd      a regular file "nt_file" of the case's scratch directory, O_RDWR,
 *                  4096 bytes, offset 0
 *   nt_neg_dirfd   the scratch directory, O_RDONLY
 *   "nt_file"      a path to that file, relative to the working directory
 *   "nt_link"      a symbolic link to it
 *   nt_neg_abs     the file's absolute path
 *   nt_neg_buf     a zeroed, page-aligned static buffer (8192 bytes)
 *   nt_neg_argv    { "nt_file", NULL }
 * and the invalid ones:
 *   nt_neg_unmapped  a page that was mapped and then unmapped
 *   NT_NEG_KERNEL    the first kernel address: the kernel half on x86_64; for i386
 *                    code 0xC0000000, 4.x's KERNBASE (above Nymph's 32-bit USRSTACK,
 *                    0xBFC00000, nothing is mapped for the process)
 *   NT_NEG_NONCANON  the first non-canonical address (x86_64 only: a 32-bit address
 *                    has none, and abi-gen generates no such check for 32-bit ABIs)
 *   nt_neg_closed    a descriptor number that was open and has been closed
 *
 * Both architectures: x86_64 (native-v1) and i386 (freebsd4-i386). nt_neg_raw makes
 * a call by number the ABI's way: `syscall` with -errno in rax, or 4.x's `int $0x80`
 * with the arguments on the stack and the carry flag (libc's syscall()).
 */
#ifndef NYMPH_NEG_H
#define NYMPH_NEG_H

#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#if defined(__x86_64__)
#define NT_NEG_KERNEL ((void *)0xffff800000000000UL)
#define NT_NEG_NONCANON ((void *)0x0000800000000000UL)
#elif defined(__i386__)
#define NT_NEG_KERNEL ((void *)0xc0000000UL)
#else
#error "nymph_neg.h: x86_64 or i386 only"
#endif
#define NT_NEG_FILE_SIZE 4096

/* The child's exit status when its check got what it wanted. */
#define NT_NEG_OK 123
/* ... when the call did not fail. */
#define NT_NEG_SUCCEEDED 124

enum nt_neg_want { NT_NEG_IS, NT_NEG_NOT };

struct nt_neg_check {
	const char *label;  /* "fd=closed" */
	enum nt_neg_want how;
	int err;            /* the errno wanted (NT_NEG_IS) or refused (NT_NEG_NOT) */
	long (*call)(void);
};

static char nt_neg_buf[8192] __attribute__((aligned(4096)));
static const char *nt_neg_argv[] __attribute__((unused)) = {"nt_file", NULL};
static void *nt_neg_unmapped;
static int nt_neg_fd = -1, nt_neg_dirfd = -1, nt_neg_closed = -1;
static char nt_neg_abs[256];

static void nt_neg_file(void)
{
	int fd = open("nt_file", O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		FAIL("create nt_file: errno %s", nt_errname(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		FAIL("fstat nt_file: errno %s", nt_errname(errno));
	if (st.st_size < NT_NEG_FILE_SIZE) {
		static char data[NT_NEG_FILE_SIZE];
		memset(data, 'n', sizeof(data));
		if (write(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
			FAIL("write nt_file: errno %s", nt_errname(errno));
	}
	close(fd);
	chmod("nt_file", 0644);
	if (symlink("nt_file", "nt_link") < 0 && errno != EEXIST)
		FAIL("symlink nt_link: errno %s", nt_errname(errno));
}

static void nt_neg_setup(const char *name)
{
	nt_scratch_dir(name);
	nt_neg_file();
	nt_neg_fd = open("nt_file", O_RDWR);
#ifdef O_DIRECTORY
	nt_neg_dirfd = open(".", O_RDONLY | O_DIRECTORY);
#else
	nt_neg_dirfd = open(".", O_RDONLY); /* 4.x has no O_DIRECTORY */
#endif
	if (nt_neg_fd < 0 || nt_neg_dirfd < 0)
		FAIL("open the scratch files: errno %s", nt_errname(errno));
	nt_neg_closed = dup(nt_neg_fd);
	if (nt_neg_closed < 0 || close(nt_neg_closed) < 0)
		FAIL("make a closed descriptor: errno %s", nt_errname(errno));
	if (!getcwd(nt_neg_abs, sizeof(nt_neg_abs) - sizeof("/nt_file")))
		FAIL("getcwd: errno %s", nt_errname(errno));
	strcat(nt_neg_abs, "/nt_file");
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	if (p == MAP_FAILED || munmap(p, 4096) < 0)
		FAIL("make an unmapped page: errno %s", nt_errname(errno));
	nt_neg_unmapped = p;
}

/* Before each check: the scratch file as set up, both offsets at 0 (the children share
 * them with the case), the buffer zeroed. */
static void nt_neg_prepare(void)
{
	nt_neg_file();
	if (lseek(nt_neg_fd, 0, SEEK_SET) != 0)
		FAIL("lseek nt_file: errno %s", nt_errname(errno));
	if (lseek(nt_neg_dirfd, 0, SEEK_SET) != 0)
		FAIL("lseek the scratch directory: errno %s", nt_errname(errno));
	memset(nt_neg_buf, 0, sizeof(nt_neg_buf));
}

/* Writes a size field of an extensible struct into the valid buffer. */
static inline void nt_neg_put(unsigned offset, unsigned width, unsigned long long value)
{
	memcpy(nt_neg_buf + offset, &value, width);
}

/* A child that has exited and not been waited for (a valid pid for wait4). */
static inline int nt_neg_zombie(void)
{
	int pid = fork();
	if (pid == 0)
		_exit(0);
	return pid;
}

/* A raw call by number with zero arguments (numbers no stub exists for). */
static inline long nt_neg_raw(unsigned long nr)
{
#if defined(__x86_64__)
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(0L), "S"(0L), "d"(0L)
			 : "rcx", "r11", "memory");
	if (r < 0 && r >= -4095) {
		errno = (int)-r;
		return -1;
	}
	return r;
#else
	/* 4.x: the number in eax, the arguments on the stack above the return address:
	 * libc's syscall() (libc-shim/src/freebsd4/syscall.S), with eight zero words
	 * (max_words) where a call would find its arguments, so that an indirect slot
	 * (0, 198) reads number 0. The carry flag sets errno. */
	return syscall((int)nr, 0, 0, 0, 0, 0, 0, 0, 0);
#endif
}

static int nt_neg_run_one(const struct nt_neg_check *c)
{
	nt_neg_prepare();
	int pid = fork();
	if (pid < 0)
		FAIL("fork: errno %s", nt_errname(errno));
	if (pid == 0) {
		errno = 0;
		long r = c->call();
		int e = errno, code;
		if (r != -1)
			code = c->how == NT_NEG_NOT ? NT_NEG_OK : NT_NEG_SUCCEEDED;
		else if ((c->how == NT_NEG_IS) == (e == c->err))
			code = NT_NEG_OK;
		else
			code = e > 0 && e < 120 ? e : 120;
		/* Leave no exited child behind (nt_neg_zombie): a case that ends with
		 * an unreaped child is never reported by the runner (a known bug). */
		while (waitpid(-1, NULL, 0) > 0)
			;
		_exit(code);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		FAIL("waitpid: errno %s", nt_errname(errno));
	return status;
}

__attribute__((noreturn)) static void nt_neg_run(const char *name, const struct nt_neg_check *checks, int n)
{
	char failed[240] = "";
	int nfail = 0;
	nt_neg_setup(name);
	for (int i = 0; i < n; i++) {
		const struct nt_neg_check *c = &checks[i];
		int s = nt_neg_run_one(c);
		if (WIFEXITED(s) && WEXITSTATUS(s) == NT_NEG_OK)
			continue;
		char got[64];
		if (WIFSIGNALED(s))
			snprintf(got, sizeof(got), "killed by %s", signame(WTERMSIG(s)));
		else if (WEXITSTATUS(s) == NT_NEG_SUCCEEDED)
			snprintf(got, sizeof(got), "succeeded");
		else if (c->how == NT_NEG_NOT)
			snprintf(got, sizeof(got), "%s", nt_errname(c->err));
		else if (WEXITSTATUS(s) < 120)
			snprintf(got, sizeof(got), "%s", nt_errname(WEXITSTATUS(s)));
		else
			snprintf(got, sizeof(got), "exit %d", WEXITSTATUS(s));
		dprintf(1, "check %s: got %s, wanted %s%s\n", c->label, got,
			c->how == NT_NEG_NOT ? "not " : "", nt_errname(c->err));
		nfail++;
		size_t len = strlen(failed);
		snprintf(failed + len, sizeof(failed) - len, "%s%s: %s", len ? "; " : "",
			 c->label, got);
	}
	if (nfail)
		FAIL("%d of %d checks: %s", nfail, n, failed);
	PASS();
}

#endif
