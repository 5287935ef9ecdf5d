// abi: freebsd4-i386
/*
 * exec of a 4.x image whose PT_LOAD segment 4.x could not map (imgact_elf.c
 * elf_load_section: vm_map_insert fails, EINVAL): one above USRSTACK (0xBFC00000,
 * VM_MAXUSER_ADDRESS) or on the stack 4.x maps at exec (its top SGROWSIZ, 128 KiB).
 * 4.x finds it after the point of no return and kills the process with SIGABRT; Nymph
 * finds it first and execve fails with that EINVAL, the caller intact. A copy of this
 * program with the data segment moved there is refused; the unmoved copy runs; one
 * just below the stack is loaded.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/wait.h>

#define PT_LOAD 1

static unsigned char image[256 * 1024];
static long image_len;

static unsigned int word(long at) { return *(unsigned int *)(image + at); }
static void set_word(long at, unsigned int v) { *(unsigned int *)(image + at) = v; }

/* The file offset of the program header of the last PT_LOAD (the data segment). */
static long data_phdr(void)
{
	long phoff = word(28);
	int phentsize = *(unsigned short *)(image + 42);
	int phnum = *(unsigned short *)(image + 44);
	long last = -1;
	for (int i = 0; i < phnum; i++) {
		long ph = phoff + (long)i * phentsize;
		if (word(ph) == PT_LOAD && word(ph + 20) != 0)
			last = ph;
	}
	CHECK(last >= 0);
	return last;
}

/* Writes this program to `path` with its data segment at `vaddr` (the same offset in
 * its page), or unmoved with 0; execs it in a child and gives the wait status, or the
 * errno of a refused execve as -errno. */
static int run_copy(const char *path, unsigned int page)
{
	long ph = data_phdr();
	unsigned int old = word(ph + 8);
	if (page != 0) {
		set_word(ph + 8, page + (old & 0xfff));
		set_word(ph + 12, page + (old & 0xfff));
	}
	int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755));
	CHECK_EQ(write(fd, image, image_len), image_len);
	CHECK_OK(close(fd));
	set_word(ph + 8, old);
	set_word(ph + 12, old);

	int pipefd[2];
	CHECK_OK(pipe(pipefd));
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		char *args[] = {(char *)path, "copy", NULL};
		execv(path, args);
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

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "copy") == 0)
		_exit(42);

	int fd = CHECK_OK(open(argv[0], O_RDONLY));
	long n;
	while ((n = read(fd, image + image_len, sizeof(image) - image_len)) > 0)
		image_len += n;
	CHECK_OK(n);
	CHECK(image_len < (long)sizeof(image));
	CHECK_OK(close(fd));
	CHECK(memcmp(image, "\177ELF", 4) == 0);
	nt_scratch_dir("fb4_exec_bounds");

	/* Unmoved: it runs. */
	int status = run_copy("same", 0);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 42);
	/* Just below the stack 4.x maps: it is loaded (and then faults, its code still
	 * addressing its data where the linker put it). */
	unsigned int size = (word(data_phdr() + 20) + 0x1fff) & ~0xfffu;
	status = run_copy("below", USRSTACK - SGROWSIZ - size);
	CHECK(status >= 0 && WIFSIGNALED(status));
	/* Above USRSTACK, into the stack, at the top of the address space: EINVAL. */
	CHECK_EQ(run_copy("above", USRSTACK), -EINVAL);
	CHECK_EQ(run_copy("on-stack", USRSTACK - 0x1000), -EINVAL);
	CHECK_EQ(run_copy("kernel", 0xC0000000u), -EINVAL);
	PASS();
}
