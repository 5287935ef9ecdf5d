// abi: all
/*
 * Pipe semantics: EOF once every writer has closed; EPIPE with SIGPIPE (caught,
 * ignored, and the default action killing the writer) once every reader has
 * closed; O_NONBLOCK giving EAGAIN on an empty read and on a full pipe; writes of
 * PIPE_BUF bytes from two writers never interleaved; a bad buffer giving EFAULT
 * without losing or queueing data.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>

static volatile int sigpipes;

static void on_sigpipe(int sig)
{
	if (sig == SIGPIPE)
		sigpipes++;
}

static void eof_after_writers_close(void)
{
	int p[2];
	char buf[8];
	CHECK_OK(pipe(p));
	int w2 = CHECK_OK(dup(p[1]));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		close(p[0]);
		CHECK_EQ(write(p[1], "abc", 3), 3);
		CHECK_EQ(write(w2, "de", 2), 2);
		_exit(0);
	}
	close(p[1]);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* w2 is still open here: the data, then (after closing it) EOF. */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "abcde", 5) == 0);
	close(w2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
}

static void epipe_caught_and_ignored(void)
{
	int p[2];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigpipe;
	CHECK_OK(sigaction(SIGPIPE, &sa, NULL));
	CHECK_OK(pipe(p));
	close(p[0]);
	sigpipes = 0;
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
	CHECK_EQ(sigpipes, 1);
	CHECK_ERRNO(write(p[1], "xy", 2), EPIPE);
	CHECK_EQ(sigpipes, 2);

	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
	CHECK_EQ(sigpipes, 2);
	CHECK(signal(SIGPIPE, SIG_DFL) == SIG_IGN);
	close(p[1]);
}

static void sigpipe_default_kills(void)
{
	int p[2], go[2];
	CHECK_OK(pipe(p));
	CHECK_OK(pipe(go));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		char c;
		signal(SIGPIPE, SIG_DFL);
		close(p[0]);
		close(go[1]);
		/* Write only once the parent has closed its read end too. */
		read(go[0], &c, 1);
		write(p[1], "x", 1);
		dprintf(1, "FAIL pipe_semantics: the writer survived a write to a pipe with no reader (errno %s)\n",
			nt_errname(errno));
		_exit(1);
	}
	close(p[0]);
	close(p[1]);
	close(go[0]);
	close(go[1]);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		FAIL("writer not killed: wait status 0x%x", status);
	CHECK_EQ(WTERMSIG(status), SIGPIPE);
}

static void nonblocking(void)
{
	int p[2];
	static char block[PIPE_BUF];
	char c;
	nt_pipe_nonblock(p);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);
	long total = 0;
	for (;;) {
		ssize_t n = write(p[1], block, sizeof(block));
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		/* A write of PIPE_BUF bytes is all or nothing. */
		CHECK_EQ(n, sizeof(block));
		total += n;
		if (total > 64L * 1024 * 1024)
			FAIL("pipe took 64 MiB without blocking");
	}
	CHECK(total >= PIPE_BUF);
	for (;;) { /* fill the last bytes one at a time */
		ssize_t n = write(p[1], "z", 1);
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		CHECK_EQ(n, 1);
		total++;
	}
	CHECK_ERRNO(write(p[1], "z", 1), EAGAIN);
	/* Reading makes room again, and the data come back in order. */
	CHECK_EQ(read(p[0], block, sizeof(block)), sizeof(block));
	CHECK_EQ(write(p[1], "z", 1), 1);
	long drained = (long)sizeof(block);
	for (;;) {
		ssize_t n = read(p[0], block, sizeof(block));
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		CHECK(n > 0);
		drained += n;
	}
	CHECK_EQ(drained, total + 1);
	close(p[0]);
	close(p[1]);
}

/* The pipe copies straight between user memory and its queue: a read into memory the
 * process cannot write fails and leaves the data queued; a write from memory it cannot
 * read fails and queues nothing. */
static void bad_buffers(void)
{
	int p[2];
	char buf[4];
	nt_pipe_nonblock(p);
	CHECK_ERRNO(write(p[1], (void *)8, 3), EFAULT);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_ERRNO(read(p[0], (void *)8, 3), EFAULT);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_ERRNO(read(p[0], buf, 1), EAGAIN);
	close(p[0]);
	close(p[1]);
}

#define RECORDS 48

static void atomic_writes(void)
{
	int p[2];
	static unsigned char rec[PIPE_BUF];
	CHECK_OK(pipe(p));
	pid_t kids[2];
	for (int w = 0; w < 2; w++) {
		kids[w] = CHECK_OK(fork());
		if (kids[w] == 0) {
			close(p[0]);
			for (int r = 0; r < RECORDS; r++) {
				memset(rec, 'A' + w, sizeof(rec));
				rec[0] = (unsigned char)r;
				CHECK_EQ(write(p[1], rec, sizeof(rec)), sizeof(rec));
			}
			_exit(0);
		}
	}
	close(p[1]);
	int next[2] = {0, 0};
	for (int got = 0; got < 2 * RECORDS; got++) {
		size_t fill = 0;
		while (fill < sizeof(rec)) {
			ssize_t n = read(p[0], rec + fill, sizeof(rec) - fill);
			CHECK(n > 0);
			fill += (size_t)n;
		}
		int w = rec[1] - 'A';
		if (w != 0 && w != 1)
			FAIL("record %d: bad writer byte 0x%x", got, rec[1]);
		CHECK_EQ(rec[0], next[w]);
		next[w]++;
		for (size_t k = 1; k < sizeof(rec); k++)
			if (rec[k] != 'A' + w)
				FAIL("record %d of writer %c interleaved at byte %zu (0x%x)", got,
				     'A' + w, k, rec[k]);
	}
	char c;
	CHECK_EQ(read(p[0], &c, 1), 0);
	for (int w = 0; w < 2; w++) {
		int status;
		CHECK_EQ(waitpid(kids[w], &status, 0), kids[w]);
		CHECK_CHILD_OK(status);
	}
	close(p[0]);
}

int main(void)
{
	eof_after_writers_close();
	epipe_caught_and_ignored();
	sigpipe_default_kills();
	nonblocking();
	bad_buffers();
	atomic_writes();
	PASS();
}
