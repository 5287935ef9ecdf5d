// abi: all
/*
 * Interpreter scripts (`#!`), with FreeBSD 4.x's rules in every ABI: the line ends
 * at a newline or `#` within the first 64 bytes (for a 4.x caller 128, 4.5's
 * MAXSHELLCMDLEN); its words (split at spaces and tabs) come first in the
 * interpreter's argv, then the script's path as exec was given it, then the caller's
 * arguments after argv[0]. A line naming no interpreter, a line too long (for 4.x
 * ENAMETOOLONG) and an interpreter that is itself a script are ENOEXEC; a missing
 * interpreter is ENOENT; a script without execute permission is EACCES.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

static void write_script(const char *name, const char *text, int mode)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, strlen(text)), (long)strlen(text));
	CHECK_OK(close(fd));
	CHECK_OK(chmod(name, mode));
}

/* Runs `name` with argv {"zero", "a1", "a2"}: the exit status, or -errno. */
static int run(const char *name)
{
	int pid = fork();
	if (pid == 0) {
		char *args[] = {"zero", "a1", "a2", NULL};
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

static int same(const char *a, const char *b) { return strcmp(a, b) == 0; }

int main(int argc, char **argv)
{
	self = argv[0];
	/* As the interpreter: argv[1] says which script ran, and the rest must follow. */
	if (argc > 1 && same(argv[1], "split")) {
		int ok = argc == 7 && same(argv[0], self) && same(argv[2], "-x") &&
			 same(argv[3], "y") && same(argv[4], "sc_split") && same(argv[5], "a1") &&
			 same(argv[6], "a2");
		_exit(ok ? 42 : 43);
	}
	if (argc > 1 && same(argv[1], "comment")) {
		int ok = argc == 5 && same(argv[2], "sc_comment") && same(argv[3], "a1") &&
			 same(argv[4], "a2");
		_exit(ok ? 44 : 45);
	}

	char line[128];
	snprintf(line, sizeof line, "#!  %s split\t-x  y \necho not read\n", self);
	write_script("sc_split", line, 0755);
	CHECK_EQ(run("sc_split"), 42);

	snprintf(line, sizeof line, "#!%s comment # more words\n", self);
	write_script("sc_comment", line, 0755);
	CHECK_EQ(run("sc_comment"), 44);

	write_script("sc_empty", "#! \t\nexit 1\n", 0755);
	CHECK_EQ(run("sc_empty"), -ENOEXEC);

	/* The line must end within the first 64 bytes; for 4.x within MAXSHELLCMDLEN,
	 * 128 since 4.5, past which imgact_shell says ENAMETOOLONG. */
#ifdef __FreeBSD_version
	const int limit = 128, too_long = ENAMETOOLONG;
#else
	const int limit = 64, too_long = ENOEXEC;
#endif
	/* (The scan stops at the newline before it checks the count: a newline at byte
	 * `limit` still ends the line.) */
	char padded[300];
	int n = snprintf(padded, sizeof padded, "#!%s comment", self);
	CHECK(n < limit);
	memset(padded + n, ' ', limit - n);
	strcpy(padded + limit, "\n");
	write_script("sc_comment", padded, 0755);
	CHECK_EQ(run("sc_comment"), 44);
	memset(padded + n, ' ', limit + 1 - n);
	strcpy(padded + limit + 1, "\n");
	write_script("sc_long", padded, 0755);
	CHECK_EQ(run("sc_long"), -too_long);
	write_script("sc_no_newline", "#!/bin/sh", 0755);
	CHECK_EQ(run("sc_no_newline"), -too_long);

	/* An interpreter may not be a script itself. */
	write_script("sc_nested", "#!sc_split\n", 0755);
	CHECK_EQ(run("sc_nested"), -ENOEXEC);

	write_script("sc_missing", "#!/no/such/interpreter\n", 0755);
	CHECK_EQ(run("sc_missing"), -ENOENT);

	snprintf(line, sizeof line, "#!%s split -x y\n", self);
	write_script("sc_not_exec", line, 0644);
	CHECK_EQ(run("sc_not_exec"), -EACCES);
	PASS();
}
