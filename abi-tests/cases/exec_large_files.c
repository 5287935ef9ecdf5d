// abi: all
/*
 * exec of files larger than the kernel could copy whole: a user makes a file as large
 * as they like (here sparse, 256 MiB), and exec must answer, not stop the kernel.
 *  - a large file in no format is ENOEXEC, as 4.x's image activators say from its
 *    first page;
 *  - a large `#!` script runs its interpreter (only its first line is read);
 *  - a large ELF file (a program with a long hole after it) runs, or is ENOMEM when
 *    the kernel cannot hold its headers and notes: never anything else.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LARGE (256L << 20)

/* Runs `name` with argv {name, "ran"}: the exit status, or -errno. */
static int run(const char *name)
{
	int pid = fork();
	if (pid == 0) {
		char *args[] = {(char *)name, "ran", NULL};
		execve(name, args, NULL);
		_exit(100 + errno);
	}
	CHECK(pid > 0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	int code = WEXITSTATUS(status);
	return code >= 100 ? -(code - 100) : code;
}

/* A file holding `text`, then a hole to LARGE bytes, with mode 0755. */
static void make_large(const char *name, const char *text, long len)
{
	int fd = CHECK_OK(open(name, O_CREAT | O_TRUNC | O_WRONLY, 0700));
	CHECK_EQ(write(fd, text, len), len);
	CHECK_OK(ftruncate(fd, LARGE));
	CHECK_OK(close(fd));
	CHECK_OK(chmod(name, 0755));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ran") == 0)
		_exit(42);
	/* Run from the script: argv is {self, "large_script", "ran"}. */
	if (argc > 2 && strcmp(argv[2], "ran") == 0)
		_exit(43);

	make_large("large_data", "not a program\n", 14);
	CHECK_EQ(run("large_data"), -ENOEXEC);

	char line[256];
	int n = snprintf(line, sizeof line, "#!%s\n", argv[0]);
	CHECK(n > 0 && n < (int)sizeof line);
	make_large("large_script", line, n);
	CHECK_EQ(run("large_script"), 43);

	/* A copy of this program with a long hole after it. */
	static char image[1 << 20];
	int in = CHECK_OK(open(argv[0], O_RDONLY));
	long len = read(in, image, sizeof image);
	CHECK(len > 0 && len < (long)sizeof image);
	CHECK_OK(close(in));
	make_large("large_elf", image, len);
	int ran = run("large_elf");
	CHECK(ran == 42 || ran == -ENOMEM);
	/* What is refused leaves the kernel working: a small program still runs. */
	CHECK_EQ(run(argv[0]), 42);

	CHECK_OK(unlink("large_data"));
	CHECK_OK(unlink("large_script"));
	CHECK_OK(unlink("large_elf"));
	PASS();
}
