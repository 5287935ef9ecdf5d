// abi: all
/*
 * A running program's file and a file being written (BSD's VTEXT and v_writecount,
 * ETXTBSY): while a process runs a copy of this program, opening the copy for writing
 * (with O_TRUNC too) and truncate(2) of it are ETXTBSY and leave it whole, reading it
 * is fine; once the process is gone, it may be written again. A file some descriptor
 * has open for writing is not run (ETXTBSY) until that descriptor closes.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char image[1 << 20];

/* Copies this program's file to `to` (mode 0755); its size. */
static long copy_self(const char *self, const char *to, int keep_open)
{
	int in = CHECK_OK(open(self, O_RDONLY));
	long n = 0, r;
	while ((r = read(in, image + n, sizeof(image) - n)) > 0)
		n += r;
	CHECK_EQ(r, 0);
	close(in);
	int out = CHECK_OK(open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755));
	CHECK_EQ(write(out, image, n), n);
	if (keep_open)
		return out;
	CHECK_OK(close(out));
	return n;
}

/* Runs prog2 in a child that exits at once: its wait status (100 + errno when the
 * exec fails). */
static int run_prog2(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		char *args[] = {"prog2", "wait", "-1", "-1", NULL};
		execve("prog2", args, NULL);
		_exit(100 + errno);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "wait") == 0) {
		/* Running: says so on argv[3]'s descriptor, then waits on argv[2]'s. */
		char c = 'r';
		int ready = atoi(argv[3]), go = atoi(argv[2]);
		if (ready >= 0)
			(void)!write(ready, &c, 1);
		if (go >= 0)
			(void)!read(go, &c, 1);
		_exit(7);
	}
	nt_scratch_dir("text_busy");
	long size = copy_self(argv[0], "prog", 0);
	int p[2], r[2];
	CHECK_OK(pipe(p));
	CHECK_OK(pipe(r));
	/* The ends the program does not use close at its exec, so its read sees EOF. */
	CHECK_OK(fcntl(p[1], F_SETFD, FD_CLOEXEC));
	CHECK_OK(fcntl(r[0], F_SETFD, FD_CLOEXEC));
	char go_arg[16], ready_arg[16];
	snprintf(go_arg, sizeof(go_arg), "%d", p[0]);
	snprintf(ready_arg, sizeof(ready_arg), "%d", r[1]);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		char *args[] = {"prog", "wait", go_arg, ready_arg, NULL};
		execve("prog", args, NULL);
		_exit(100 + errno);
	}
	close(p[0]);
	close(r[1]);
	char c;
	CHECK_EQ(read(r[0], &c, 1), 1);
	CHECK_ERRNO(open("prog", O_WRONLY), ETXTBSY);
	CHECK_ERRNO(open("prog", O_RDWR | O_TRUNC), ETXTBSY);
#ifdef __FreeBSD_version /* the native ABIs truncate by descriptor only */
	CHECK_ERRNO(truncate("prog", 0), ETXTBSY);
#endif
	struct stat st;
	CHECK_OK(stat("prog", &st));
	CHECK_EQ(st.st_size, size);
	CHECK_OK(close(CHECK_OK(open("prog", O_RDONLY))));
	CHECK_OK(close(p[1]));
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK_OK(close(CHECK_OK(open("prog", O_WRONLY))));

	/* A file open for writing is not run. */
	int fd = (int)copy_self(argv[0], "prog2", 1);
	status = run_prog2();
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 100 + ETXTBSY);
	CHECK_OK(close(fd));
	status = run_prog2();
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	return 0;
}
